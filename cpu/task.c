/* Hardware task switches (SDM 3A §7.3) through JMP, CALL, INT/exceptions
 * with task gates, and IRET with NT, for 16-bit (286) and 32-bit TSSes. */
#include "cpu/cpu_priv.h"
#include "cpu/protect.h"

static void set_busy(struct cpu *c, struct desc *d, bool busy)
{
    uint32_t hi = sys_read(c, d->addr + 4, 4);
    hi = busy ? (hi | 0x200) : (hi & ~0x200u);
    sys_write(c, d->addr + 4, hi, 4);
    d->hi = hi;
}

void task_switch(struct cpu *c, uint16_t sel, struct desc *d, enum task_reason why, int error_code)
{
    if ((d->type & 0x15) != 0x1) /* a TSS: type 1/3 (286) or 9/B (386) */
        cpu_exception(c, EXC_GP, sel & ~3);
    bool busy = (d->type & 0x2) != 0;
    if (why == TASK_IRET ? !busy : busy)
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(d->flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    bool n32 = (d->type & 0x8) != 0;
    if (d->limit < (n32 ? 0x67u : 0x2Bu))
        cpu_exception(c, EXC_TS, sel & ~3);

    /* Save the outgoing state in the current TSS. */
    uint32_t ob = c->tr.base;
    bool o32 = (c->tr.flags & 0x8) != 0;
    uint32_t fl = cpu_get_eflags(c);
    if (why == TASK_JMP || why == TASK_IRET)
        fl &= ~F_NT;
    if (o32) {
        sys_write(c, ob + 0x20, c->eip, 4);
        sys_write(c, ob + 0x24, fl, 4);
        for (int r = 0; r < 8; r++)
            sys_write(c, ob + 0x28 + (uint32_t)r * 4, c->regs.r32[r], 4);
        for (int s = 0; s < 6; s++)
            sys_write(c, ob + 0x48 + (uint32_t)s * 4, c->seg[s].sel, 2);
    } else {
        sys_write(c, ob + 0x0E, c->eip, 2);
        sys_write(c, ob + 0x10, fl, 2);
        for (int r = 0; r < 8; r++)
            sys_write(c, ob + 0x12 + (uint32_t)r * 2, CPU_R16(c, r), 2);
        for (int s = 0; s < 4; s++)
            sys_write(c, ob + 0x22 + (uint32_t)s * 2, c->seg[s].sel, 2);
    }
    if (why == TASK_JMP || why == TASK_IRET) {
        struct desc od;
        if (desc_read(c, c->tr.sel, &od))
            set_busy(c, &od, false);
    }

    /* Read the incoming state. */
    uint32_t nb = d->base;
    uint32_t neip, nfl, regs[8], cr3 = 0;
    uint16_t segs[6] = {0}, ldt;
    if (n32) {
        cr3 = sys_read(c, nb + 0x1C, 4);
        neip = sys_read(c, nb + 0x20, 4);
        nfl = sys_read(c, nb + 0x24, 4);
        for (int r = 0; r < 8; r++)
            regs[r] = sys_read(c, nb + 0x28 + (uint32_t)r * 4, 4);
        for (int s = 0; s < 6; s++)
            segs[s] = (uint16_t)sys_read(c, nb + 0x48 + (uint32_t)s * 4, 2);
        ldt = (uint16_t)sys_read(c, nb + 0x60, 2);
    } else {
        neip = sys_read(c, nb + 0x0E, 2);
        nfl = sys_read(c, nb + 0x10, 2) | (c->eflags & 0xFFFF0000u & ~(F_VM | F_RF));
        for (int r = 0; r < 8; r++)
            regs[r] = 0xFFFF0000u | sys_read(c, nb + 0x12 + (uint32_t)r * 2, 2);
        for (int s = 0; s < 4; s++)
            segs[s] = (uint16_t)sys_read(c, nb + 0x22 + (uint32_t)s * 2, 2);
        ldt = (uint16_t)sys_read(c, nb + 0x2A, 2);
    }
    if (why == TASK_CALL || why == TASK_INT) {
        sys_write(c, nb, c->tr.sel, 2);
        nfl |= F_NT;
    }
    if (why != TASK_IRET)
        set_busy(c, d, true);

    /* Commit: TR, CR3, registers, then segments with their checks. */
    c->tr.sel = sel;
    c->tr.base = d->base;
    c->tr.limit = d->limit;
    c->tr.flags = (uint16_t)(d->flags | 0x2);
    c->cr[0] |= CR0_TS;
    if (n32 && (c->cr[0] & CR0_PG) && cr3 != c->cr[3]) {
        c->cr[3] = cr3;
        cpu_tlb_flush_nonglobal(c);
    }
    c->eip = neip;
    for (int r = 0; r < 8; r++) {
        if (n32)
            c->regs.r32[r] = regs[r];
        else
            CPU_R16(c, r) = (uint16_t)regs[r];
    }
    c->lf.op = LF_NONE;
    c->eflags = (nfl & 0x3F7FD5u) | 0x2;
    if (c->eflags & F_VM) {
        c->cpl = 3;
        cpu_update_hflags(c);
        for (int s = 0; s < 6; s++)
            cpu_load_seg(c, s, segs[s]);
    } else {
        /* LDT first: the segment selectors may point into it. */
        if ((ldt & ~3) == 0) {
            c->ldtr.sel = 0;
            c->ldtr.flags = 0;
        } else {
            struct desc ld;
            if ((ldt & 4) || !desc_read(c, ldt, &ld) || (ld.type & 0x1F) != 0x2)
                cpu_exception(c, EXC_TS, ldt & ~3);
            c->ldtr.sel = ldt;
            c->ldtr.base = ld.base;
            c->ldtr.limit = ld.limit;
            c->ldtr.flags = ld.flags;
        }
        int ncpl = segs[S_CS] & 3;
        c->cpl = (uint8_t)ncpl;
        cpu_update_hflags(c);
        struct desc cd;
        if ((segs[S_CS] & ~3) == 0 || !desc_read(c, segs[S_CS], &cd) || (cd.type & 0x18) != 0x18)
            cpu_exception(c, EXC_TS, segs[S_CS] & ~3);
        if (!(cd.flags & SEGF_P))
            cpu_exception(c, EXC_NP, segs[S_CS] & ~3);
        seg_load_desc(c, S_CS, segs[S_CS], &cd);
        for (int s = 0; s < 6; s++)
            if (s != S_CS)
                cpu_load_seg(c, s, segs[s]);
    }
    if (error_code != EXC_NO_ERR)
        cpu_push(c, (uint32_t)error_code, n32 ? 4 : 2);
    if (c->eip > c->seg[S_CS].limit)
        cpu_exception(c, EXC_GP, 0);
}

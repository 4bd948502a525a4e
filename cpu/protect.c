/* Protected mode: descriptor loads and checks, far JMP/CALL/RET through
 * code segments and call gates, interrupt and exception delivery through
 * the IDT with stack switches, IRET (including the return to V86 mode) and
 * V86 software interrupts. Task switches are in cpu/task.c. */
#include "cpu/cpu_priv.h"
#include "cpu/protect.h"

bool desc_read(struct cpu *c, uint16_t sel, struct desc *d)
{
    uint32_t index = sel & ~7u;
    uint32_t base, limit;
    if (sel & 4) {
        if ((c->ldtr.sel & ~3) == 0 || !(c->ldtr.flags & SEGF_P))
            return false;
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    if (index + 7 > limit)
        return false;
    d->addr = base + index;
    d->lo = sys_read(c, d->addr, 4);
    d->hi = sys_read(c, d->addr + 4, 4);
    desc_parse(d);
    return true;
}

void desc_parse(struct desc *d)
{
    d->base = (d->lo >> 16) | ((d->hi & 0xFF) << 16) | (d->hi & 0xFF000000u);
    uint32_t limit = (d->lo & 0xFFFF) | (d->hi & 0xF0000);
    if (d->hi & 0x800000)
        limit = (limit << 12) | 0xFFF;
    d->limit = limit;
    d->flags = (uint16_t)((d->hi >> 8) & 0xF0FF);
    d->dpl = (d->hi >> 13) & 3;
    d->type = (d->hi >> 8) & 0x1F; /* S bit plus type */
}

void desc_set_accessed(struct cpu *c, struct desc *d)
{
    if ((d->type & 0x10) && !(d->hi & 0x100)) {
        d->hi |= 0x100;
        sys_write(c, d->addr + 5, (d->hi >> 8) & 0xFF, 1);
    }
}

void seg_load_desc(struct cpu *c, int seg, uint16_t sel, const struct desc *d)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = d->base;
    s->limit = d->limit;
    s->flags = d->flags;
    cpu_seg_update_access(c, seg);
}

static void seg_load_null(struct cpu *c, int seg, uint16_t sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->flags = 0; /* not present: any use faults */
    cpu_seg_update_access(c, seg);
}

void cpu_load_seg(struct cpu *c, int seg, uint16_t sel)
{
    if (cpu_real(c) || cpu_is_v86(c)) {
        cpu_load_seg_real(c, seg, sel);
        if (cpu_is_v86(c)) {
            struct seg *s = &c->seg[seg];
            s->limit = 0xFFFF;
            s->flags = SEGF_P | SEGF_S | 0x3 | (3 << 5) | (seg == S_CS ? SEGF_CODE | 0x8 : 0);
            cpu_seg_update_access(c, seg);
        }
        return;
    }
    struct desc d;
    int rpl = sel & 3;
    if ((sel & ~3) == 0) {
        if (seg == S_SS)
            cpu_exception(c, EXC_GP, 0);
        seg_load_null(c, seg, sel);
        return;
    }
    if (!desc_read(c, sel, &d))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (seg == S_SS) {
        /* SDM 2A MOV: writable data, RPL = DPL = CPL. */
        if (rpl != c->cpl || d.dpl != c->cpl || (d.type & 0x1A) != 0x12)
            cpu_exception(c, EXC_GP, sel & ~3);
        if (!(d.flags & SEGF_P))
            cpu_exception(c, EXC_SS, sel & ~3);
    } else {
        /* Data or readable code. */
        if (!(d.type & 0x10) || (d.type & 0x1A) == 0x18)
            cpu_exception(c, EXC_GP, sel & ~3);
        bool conforming_code = (d.type & 0x1C) == 0x1C;
        if (!conforming_code && (rpl > d.dpl || c->cpl > d.dpl))
            cpu_exception(c, EXC_GP, sel & ~3);
        if (!(d.flags & SEGF_P))
            cpu_exception(c, EXC_NP, sel & ~3);
    }
    desc_set_accessed(c, &d);
    seg_load_desc(c, seg, sel, &d);
}

/* Load CS for a transfer to a code segment whose checks have passed. */
static void load_cs(struct cpu *c, uint16_t sel, struct desc *d, int cpl)
{
    desc_set_accessed(c, d);
    seg_load_desc(c, S_CS, (uint16_t)((sel & ~3) | cpl), d);
    if (c->cpl != cpl) {
        c->cpl = (uint8_t)cpl;
        cpu_update_hflags(c);
    }
}

/* Privilege checks for a direct transfer to a code segment (JMP/CALL). */
static void check_code_direct(struct cpu *c, uint16_t sel, const struct desc *d)
{
    if ((d->type & 0x18) != 0x18)
        cpu_exception(c, EXC_GP, sel & ~3);
    if (d->type & 0x4) { /* conforming */
        if (d->dpl > c->cpl)
            cpu_exception(c, EXC_GP, sel & ~3);
    } else if ((sel & 3) > c->cpl || d->dpl != c->cpl) {
        cpu_exception(c, EXC_GP, sel & ~3);
    }
    if (!(d->flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
}

/* Stack for privilege level `pl` from the current TSS. */
static void tss_stack(struct cpu *c, int pl, uint16_t *ss, uint32_t *esp)
{
    bool t32 = (c->tr.flags & 0x8) != 0;
    uint32_t off = t32 ? 4u + (uint32_t)pl * 8 : 2u + (uint32_t)pl * 4;
    uint32_t need = t32 ? off + 5 : off + 3;
    if (need > c->tr.limit)
        cpu_exception(c, EXC_TS, c->tr.sel & ~3);
    if (t32) {
        *esp = sys_read(c, c->tr.base + off, 4);
        *ss = (uint16_t)sys_read(c, c->tr.base + off + 4, 2);
    } else {
        *esp = sys_read(c, c->tr.base + off, 2);
        *ss = (uint16_t)sys_read(c, c->tr.base + off + 2, 2);
    }
}

/* Validate a new stack segment for privilege `pl` (#TS on failure). */
static void check_new_ss(struct cpu *c, uint16_t ss, int pl, struct desc *d)
{
    if ((ss & ~3) == 0)
        cpu_exception(c, EXC_TS, 0);
    if (!desc_read(c, ss, d))
        cpu_exception(c, EXC_TS, ss & ~3);
    if ((ss & 3) != pl || d->dpl != pl || (d->type & 0x1A) != 0x12)
        cpu_exception(c, EXC_TS, ss & ~3);
    if (!(d->flags & SEGF_P))
        cpu_exception(c, EXC_SS, ss & ~3);
}

/* Write to a stack described by (base, limit, 32-bit) before it is loaded. */
struct stk {
    uint32_t base, limit, sp, mask;
};

static void stk_push(struct cpu *c, struct stk *s, uint32_t v, int size)
{
    s->sp = (s->sp - (uint32_t)size) & s->mask;
    sys_write(c, s->base + s->sp, v, size);
}

/* JMP/CALL through a task gate: the gate's selector field names the TSS,
 * which must be in the GDT (SDM 3A §7.3, JMP/CALL "task gate" in 2A). */
static void task_via_gate(struct cpu *c, uint16_t sel, const struct desc *g, enum task_reason why)
{
    if (g->dpl < c->cpl || g->dpl < (sel & 3))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(g->flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    uint16_t tsel = (uint16_t)(g->lo >> 16);
    struct desc t;
    if ((tsel & 4) || !desc_read(c, tsel, &t))
        cpu_exception(c, EXC_GP, tsel & ~3);
    task_switch(c, tsel, &t, why, EXC_NO_ERR);
}

void pm_jmp_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32)
{
    struct desc d;
    if ((sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    if (!desc_read(c, sel, &d))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (d.type & 0x10) {
        check_code_direct(c, sel, &d);
        if (!os32)
            off &= 0xFFFF;
        if (off > d.limit)
            cpu_exception(c, EXC_GP, 0);
        load_cs(c, sel, &d, c->cpl);
        c->eip = off;
        return;
    }
    switch (d.type & 0xF) {
    case 0x4:
    case 0xC: { /* call gate: JMP stays at the same privilege */
        if (d.dpl < c->cpl || d.dpl < (sel & 3))
            cpu_exception(c, EXC_GP, sel & ~3);
        if (!(d.flags & SEGF_P))
            cpu_exception(c, EXC_NP, sel & ~3);
        uint16_t tsel = (uint16_t)(d.lo >> 16);
        uint32_t toff = (d.lo & 0xFFFF) | ((d.type & 0x8) ? (d.hi & 0xFFFF0000u) : 0);
        struct desc t;
        if ((tsel & ~3) == 0)
            cpu_exception(c, EXC_GP, 0);
        if (!desc_read(c, tsel, &t))
            cpu_exception(c, EXC_GP, tsel & ~3);
        if ((t.type & 0x18) != 0x18)
            cpu_exception(c, EXC_GP, tsel & ~3);
        if ((t.type & 0x4) ? t.dpl > c->cpl : t.dpl != c->cpl)
            cpu_exception(c, EXC_GP, tsel & ~3);
        if (!(t.flags & SEGF_P))
            cpu_exception(c, EXC_NP, tsel & ~3);
        if (toff > t.limit)
            cpu_exception(c, EXC_GP, 0);
        load_cs(c, tsel, &t, c->cpl);
        c->eip = toff;
        return;
    }
    case 0x1:
    case 0x9:
        if (d.dpl < c->cpl || d.dpl < (sel & 3))
            cpu_exception(c, EXC_GP, sel & ~3);
        task_switch(c, sel, &d, TASK_JMP, EXC_NO_ERR);
        return;
    case 0x5: task_via_gate(c, sel, &d, TASK_JMP); return;
    default: cpu_exception(c, EXC_GP, sel & ~3);
    }
}

void pm_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32)
{
    struct desc d;
    int size = os32 ? 4 : 2;
    if ((sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    if (!desc_read(c, sel, &d))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (d.type & 0x10) {
        check_code_direct(c, sel, &d);
        if (!os32)
            off &= 0xFFFF;
        if (off > d.limit)
            cpu_exception(c, EXC_GP, 0);
        uint32_t sp = sp_get(c), m = sp_mask(c);
        cpu_write(c, S_SS, (sp - (uint32_t)size) & m, c->seg[S_CS].sel, size);
        cpu_write(c, S_SS, (sp - 2u * (uint32_t)size) & m, c->eip, size);
        sp_set(c, sp - 2u * (uint32_t)size);
        load_cs(c, sel, &d, c->cpl);
        c->eip = off;
        return;
    }
    switch (d.type & 0xF) {
    case 0x4:
    case 0xC: break;
    case 0x1:
    case 0x9:
        if (d.dpl < c->cpl || d.dpl < (sel & 3))
            cpu_exception(c, EXC_GP, sel & ~3);
        task_switch(c, sel, &d, TASK_CALL, EXC_NO_ERR);
        return;
    case 0x5: task_via_gate(c, sel, &d, TASK_CALL); return;
    default: cpu_exception(c, EXC_GP, sel & ~3);
    }
    /* Call gate (SDM 3A §5.8.4). */
    if (d.dpl < c->cpl || d.dpl < (sel & 3))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(d.flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    bool gate32 = (d.type & 0x8) != 0;
    int gsize = gate32 ? 4 : 2;
    uint16_t tsel = (uint16_t)(d.lo >> 16);
    uint32_t toff = (d.lo & 0xFFFF) | (gate32 ? (d.hi & 0xFFFF0000u) : 0);
    unsigned params = d.hi & 0x1F;
    struct desc t;
    if ((tsel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    if (!desc_read(c, tsel, &t))
        cpu_exception(c, EXC_GP, tsel & ~3);
    if ((t.type & 0x18) != 0x18 || t.dpl > c->cpl)
        cpu_exception(c, EXC_GP, tsel & ~3);
    if (!(t.flags & SEGF_P))
        cpu_exception(c, EXC_NP, tsel & ~3);
    if (toff > t.limit)
        cpu_exception(c, EXC_GP, 0);
    if (!(t.type & 0x4) && t.dpl < c->cpl) {
        /* More privileged: switch to the inner stack from the TSS. */
        int pl = t.dpl;
        uint16_t nss;
        uint32_t nesp;
        tss_stack(c, pl, &nss, &nesp);
        struct desc sd;
        check_new_ss(c, nss, pl, &sd);
        struct stk s = {sd.base, sd.limit, nesp, (sd.flags & SEGF_DB) ? 0xFFFFFFFFu : 0xFFFFu};
        uint16_t oss = c->seg[S_SS].sel;
        uint32_t oesp = c->ESP, osp_base = sp_get(c), omask = sp_mask(c);
        stk_push(c, &s, oss, gsize);
        stk_push(c, &s, oesp, gsize);
        for (int k = (int)params - 1; k >= 0; k--)
            stk_push(c, &s, cpu_read(c, S_SS, (osp_base + (uint32_t)k * (uint32_t)gsize) & omask, gsize),
                     gsize);
        stk_push(c, &s, c->seg[S_CS].sel, gsize);
        stk_push(c, &s, c->eip, gsize);
        load_cs(c, tsel, &t, pl);
        desc_set_accessed(c, &sd);
        seg_load_desc(c, S_SS, nss, &sd);
        if (sd.flags & SEGF_DB)
            c->ESP = s.sp;
        else
            CPU_R16(c, R_ESP) = (uint16_t)s.sp;
    } else {
        uint32_t sp = sp_get(c), m = sp_mask(c);
        cpu_write(c, S_SS, (sp - (uint32_t)gsize) & m, c->seg[S_CS].sel, gsize);
        cpu_write(c, S_SS, (sp - 2u * (uint32_t)gsize) & m, c->eip, gsize);
        sp_set(c, sp - 2u * (uint32_t)gsize);
        load_cs(c, tsel, &t, c->cpl);
    }
    c->eip = toff;
}

/* After a return to an outer level, data segments the new level may not
 * use become null (SDM 3A §5.8.6). */
static void clear_inaccessible_segs(struct cpu *c)
{
    static const int segs[] = {S_ES, S_DS, S_FS, S_GS};
    for (int k = 0; k < 4; k++) {
        struct seg *s = &c->seg[segs[k]];
        bool conforming_code = (s->flags & 0x1C) == 0x1C;
        int dpl = (s->flags >> 5) & 3;
        if ((s->sel & ~3) != 0 && !conforming_code && dpl < c->cpl)
            seg_load_null(c, segs[k], 0);
    }
}

/* The checks RETF and IRET make of the code segment they return to
 * (SDM 2A RET/IRET): not null, code, RPL >= CPL, DPL rules for conforming
 * and non-conforming code, present, and EIP inside the limit. Returns the
 * EIP, truncated for a 16-bit return. */
static uint32_t check_return_target(struct cpu *c, uint16_t sel, uint32_t ip, bool os32, struct desc *d)
{
    if ((sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    if (!desc_read(c, sel, d))
        cpu_exception(c, EXC_GP, sel & ~3);
    int rpl = sel & 3;
    if ((d->type & 0x18) != 0x18 || rpl < c->cpl)
        cpu_exception(c, EXC_GP, sel & ~3);
    if ((d->type & 0x4) ? d->dpl > rpl : d->dpl != rpl)
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(d->flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    if (!os32)
        ip &= 0xFFFF;
    if (ip > d->limit)
        cpu_exception(c, EXC_GP, 0);
    return ip;
}

/* The stack a return to an outer level switches to: a writable data
 * segment at the new privilege, present (SDM 2A RET/IRET). */
static void check_outer_ss(struct cpu *c, uint16_t nss, int rpl, struct desc *sd)
{
    if ((nss & ~3) == 0 || !desc_read(c, nss, sd))
        cpu_exception(c, EXC_GP, nss & ~3);
    if ((nss & 3) != rpl || sd->dpl != rpl || (sd->type & 0x1A) != 0x12)
        cpu_exception(c, EXC_GP, nss & ~3);
    if (!(sd->flags & SEGF_P))
        cpu_exception(c, EXC_SS, nss & ~3);
}

void pm_ret_far(struct cpu *c, bool os32, uint16_t extra)
{
    int size = os32 ? 4 : 2;
    uint32_t sp = sp_get(c), m = sp_mask(c);
    uint32_t ip = cpu_read(c, S_SS, sp, size);
    uint16_t sel = (uint16_t)cpu_read(c, S_SS, (sp + (uint32_t)size) & m, 2);
    struct desc d;
    ip = check_return_target(c, sel, ip, os32, &d);
    int rpl = sel & 3;
    if (rpl == c->cpl) {
        load_cs(c, sel, &d, c->cpl);
        sp_set(c, sp + 2u * (uint32_t)size + extra);
        c->eip = ip;
        return;
    }
    /* Return to an outer level: the outer SS:ESP follows the parameters. */
    uint32_t base = sp + 2u * (uint32_t)size + extra;
    uint32_t nesp = cpu_read(c, S_SS, base & m, size);
    uint16_t nss = (uint16_t)cpu_read(c, S_SS, (base + (uint32_t)size) & m, 2);
    struct desc sd;
    check_outer_ss(c, nss, rpl, &sd);
    load_cs(c, sel, &d, rpl);
    desc_set_accessed(c, &sd);
    seg_load_desc(c, S_SS, nss, &sd);
    if (sd.flags & SEGF_DB)
        c->ESP = nesp + extra;
    else
        CPU_R16(c, R_ESP) = (uint16_t)(nesp + extra);
    c->eip = ip;
    clear_inaccessible_segs(c);
}

/* IRET to V86 mode from a 32-bit CPL 0 handler (SDM 2A IRET). */
static void iret_to_v86(struct cpu *c, uint32_t ip, uint16_t cs, uint32_t fl, uint32_t sp, uint32_t m)
{
    uint32_t nesp = cpu_read(c, S_SS, (sp + 12) & m, 4);
    uint16_t nss = (uint16_t)cpu_read(c, S_SS, (sp + 16) & m, 2);
    uint16_t es = (uint16_t)cpu_read(c, S_SS, (sp + 20) & m, 2);
    uint16_t ds = (uint16_t)cpu_read(c, S_SS, (sp + 24) & m, 2);
    uint16_t fs = (uint16_t)cpu_read(c, S_SS, (sp + 28) & m, 2);
    uint16_t gs = (uint16_t)cpu_read(c, S_SS, (sp + 32) & m, 2);
    c->eflags = (fl & 0x3F7FD5u) | 0x2 | F_VM;
    c->lf.op = LF_NONE;
    c->cpl = 3;
    cpu_update_hflags(c);
    cpu_load_seg(c, S_CS, cs);
    cpu_load_seg(c, S_SS, nss);
    cpu_load_seg(c, S_ES, es);
    cpu_load_seg(c, S_DS, ds);
    cpu_load_seg(c, S_FS, fs);
    cpu_load_seg(c, S_GS, gs);
    c->ESP = nesp;
    c->eip = ip & 0xFFFF;
}

void pm_iret(struct cpu *c, bool os32)
{
    if (cpu_is_v86(c)) {
        /* IRET inside V86 mode: IOPL 3 behaves as in real mode; VME lets
         * a 16-bit IRET update VIF instead. */
        int size = os32 ? 4 : 2;
        uint32_t sp = sp_get(c), m = sp_mask(c);
        uint32_t ip = cpu_read(c, S_SS, sp, size);
        uint16_t cs = (uint16_t)cpu_read(c, S_SS, (sp + (uint32_t)size) & m, 2);
        uint32_t fl = cpu_read(c, S_SS, (sp + 2u * (uint32_t)size) & m, size);
        if (cpu_iopl(c) == 3) {
            sp_set(c, sp + 3u * (uint32_t)size);
            cpu_load_seg(c, S_CS, cs);
            c->eip = os32 ? ip : (ip & 0xFFFF);
            uint32_t mask = (os32 ? 0x3F7FD5u : 0xFFFFu) & ~(F_IOPL | F_VM | F_VIF | F_VIP);
            cpu_set_eflags(c, fl, mask);
            return;
        }
        if ((c->cr[4] & 1) && !os32) {
            if ((fl & F_TF) || ((fl & F_IF) && (c->eflags & F_VIP)))
                cpu_exception(c, EXC_GP, 0);
            sp_set(c, sp + 6);
            cpu_load_seg(c, S_CS, cs);
            c->eip = ip & 0xFFFF;
            uint32_t mask = 0xFFFFu & ~(F_IOPL | F_IF);
            cpu_set_eflags(c, fl, mask);
            c->eflags = (c->eflags & ~F_VIF) | ((fl & F_IF) ? F_VIF : 0);
            return;
        }
        cpu_exception(c, EXC_GP, 0);
    }
    if (c->eflags & F_NT) {
        /* Return from a nested task: the back link in the TSS. */
        uint16_t link = (uint16_t)sys_read(c, c->tr.base, 2);
        struct desc d;
        if ((link & 4) || !desc_read(c, link, &d))
            cpu_exception(c, EXC_TS, link & ~3);
        if ((d.type & 0x17) != 0x3) /* must be a busy TSS */
            cpu_exception(c, EXC_TS, link & ~3);
        task_switch(c, link, &d, TASK_IRET, EXC_NO_ERR);
        return;
    }
    int size = os32 ? 4 : 2;
    uint32_t sp = sp_get(c), m = sp_mask(c);
    uint32_t ip = cpu_read(c, S_SS, sp, size);
    uint16_t sel = (uint16_t)cpu_read(c, S_SS, (sp + (uint32_t)size) & m, 2);
    uint32_t fl = cpu_read(c, S_SS, (sp + 2u * (uint32_t)size) & m, size);
    if (os32 && (fl & F_VM) && c->cpl == 0) {
        iret_to_v86(c, ip, sel, fl, sp, m);
        return;
    }
    struct desc d;
    ip = check_return_target(c, sel, ip, os32, &d);
    int rpl = sel & 3;
    /* Which EFLAGS bits the return may change at the old CPL. */
    uint32_t mask = F_CF | F_PF | F_AF | F_ZF | F_SF | F_TF | F_DF | F_OF | F_NT;
    if (os32)
        mask |= F_RF | F_AC | F_ID;
    if (c->cpl <= cpu_iopl(c))
        mask |= F_IF;
    if (c->cpl == 0) {
        mask |= F_IOPL;
        if (os32)
            mask |= F_VIF | F_VIP;
    }
    int old_cpl = c->cpl;
    if (rpl == old_cpl) {
        sp_set(c, sp + 3u * (uint32_t)size);
        load_cs(c, sel, &d, rpl);
        c->eip = ip;
        cpu_set_eflags(c, fl, mask);
        return;
    }
    uint32_t nesp = cpu_read(c, S_SS, (sp + 3u * (uint32_t)size) & m, size);
    uint16_t nss = (uint16_t)cpu_read(c, S_SS, (sp + 4u * (uint32_t)size) & m, 2);
    struct desc sd;
    check_outer_ss(c, nss, rpl, &sd);
    load_cs(c, sel, &d, rpl);
    c->eip = ip;
    /* Flags with the old CPL's rights, then the new stack. */
    c->cpl = (uint8_t)old_cpl;
    cpu_set_eflags(c, fl, mask);
    c->cpl = (uint8_t)rpl;
    cpu_update_hflags(c);
    desc_set_accessed(c, &sd);
    seg_load_desc(c, S_SS, nss, &sd);
    if (sd.flags & SEGF_DB)
        c->ESP = nesp;
    else
        CPU_R16(c, R_ESP) = (uint16_t)nesp;
    clear_inaccessible_segs(c);
}

void cpu_interrupt_pm(struct cpu *c, int vector, int error_code, bool soft, uint32_t return_eip)
{
    uint32_t ext = soft ? 0 : 1;
    uint32_t gerr = (uint32_t)vector * 8 + 2 + ext;
    if ((uint32_t)vector * 8 + 7 > c->idtr.limit)
        cpu_exception(c, EXC_GP, (int)gerr);
    uint32_t addr = c->idtr.base + (uint32_t)vector * 8;
    struct desc g;
    g.addr = addr;
    g.lo = sys_read(c, addr, 4);
    g.hi = sys_read(c, addr + 4, 4);
    desc_parse(&g);
    int type = g.type & 0x1F;
    if (type != 0x5 && type != 0x6 && type != 0x7 && type != 0xE && type != 0xF)
        cpu_exception(c, EXC_GP, (int)gerr);
    if (soft && g.dpl < c->cpl)
        cpu_exception(c, EXC_GP, (int)gerr);
    if (!(g.flags & SEGF_P))
        cpu_exception(c, EXC_NP, (int)gerr);
    if (type == 0x5) {
        uint16_t tsel = (uint16_t)(g.lo >> 16);
        struct desc t;
        if ((tsel & 4) || !desc_read(c, tsel, &t))
            cpu_exception(c, EXC_TS, tsel & ~3);
        c->eip = return_eip;
        task_switch(c, tsel, &t, TASK_INT, error_code);
        return;
    }
    bool gate32 = (type & 0x8) != 0;
    int gsize = gate32 ? 4 : 2;
    uint16_t tsel = (uint16_t)(g.lo >> 16);
    uint32_t toff = (g.lo & 0xFFFF) | (gate32 ? (g.hi & 0xFFFF0000u) : 0);
    struct desc t;
    if ((tsel & ~3) == 0)
        cpu_exception(c, EXC_GP, (int)ext);
    if (!desc_read(c, tsel, &t))
        cpu_exception(c, EXC_GP, (int)((tsel & ~3) | ext));
    if ((t.type & 0x18) != 0x18 || t.dpl > c->cpl)
        cpu_exception(c, EXC_GP, (int)((tsel & ~3) | ext));
    if (!(t.flags & SEGF_P))
        cpu_exception(c, EXC_NP, (int)((tsel & ~3) | ext));
    if (toff > t.limit)
        cpu_exception(c, EXC_GP, (int)ext);
    uint32_t fl = cpu_get_eflags(c);
    bool v86 = (fl & F_VM) != 0;
    bool inner = !(t.type & 0x4) && t.dpl < c->cpl;
    if (v86 && (!inner || t.dpl != 0))
        cpu_exception(c, EXC_GP, (int)((tsel & ~3) | ext));
    if (inner) {
        int pl = t.dpl;
        uint16_t nss;
        uint32_t nesp;
        tss_stack(c, pl, &nss, &nesp);
        struct desc sd;
        check_new_ss(c, nss, pl, &sd);
        struct stk s = {sd.base, sd.limit, nesp, (sd.flags & SEGF_DB) ? 0xFFFFFFFFu : 0xFFFFu};
        if (v86) {
            stk_push(c, &s, c->seg[S_GS].sel, gsize);
            stk_push(c, &s, c->seg[S_FS].sel, gsize);
            stk_push(c, &s, c->seg[S_DS].sel, gsize);
            stk_push(c, &s, c->seg[S_ES].sel, gsize);
        }
        stk_push(c, &s, c->seg[S_SS].sel, gsize);
        stk_push(c, &s, c->ESP, gsize);
        stk_push(c, &s, fl, gsize);
        stk_push(c, &s, c->seg[S_CS].sel, gsize);
        stk_push(c, &s, return_eip, gsize);
        if (error_code != EXC_NO_ERR)
            stk_push(c, &s, (uint32_t)error_code, gsize);
        if (v86) {
            c->eflags &= ~F_VM;
            seg_load_null(c, S_GS, 0);
            seg_load_null(c, S_FS, 0);
            seg_load_null(c, S_DS, 0);
            seg_load_null(c, S_ES, 0);
        }
        load_cs(c, tsel, &t, pl);
        desc_set_accessed(c, &sd);
        seg_load_desc(c, S_SS, nss, &sd);
        if (sd.flags & SEGF_DB)
            c->ESP = s.sp;
        else
            CPU_R16(c, R_ESP) = (uint16_t)s.sp;
    } else {
        uint32_t sp = sp_get(c), m = sp_mask(c);
        int n = error_code != EXC_NO_ERR ? 4 : 3;
        /* Check the whole frame before writing so a fault is clean. */
        cpu_seg_check(c, S_SS, (sp - (uint32_t)(n * gsize)) & m, n * gsize, ACC_WRITE);
        cpu_push(c, fl, gsize);
        cpu_push(c, c->seg[S_CS].sel, gsize);
        cpu_push(c, return_eip, gsize);
        if (error_code != EXC_NO_ERR)
            cpu_push(c, (uint32_t)error_code, gsize);
        load_cs(c, tsel, &t, c->cpl);
    }
    c->eip = toff;
    c->eflags &= ~(F_TF | F_NT | F_RF | F_VM);
    if (!(type & 1)) /* interrupt gate */
        c->eflags &= ~F_IF;
    cpu_update_hflags(c);
}

void cpu_v86_soft_int(struct cpu *c, int vector)
{
    if (cpu_iopl(c) == 3 && !(c->cr[4] & 1)) {
        cpu_interrupt(c, vector, EXC_NO_ERR, true, c->eip);
        return;
    }
    if (c->cr[4] & 1) {
        /* VME: the redirection bitmap sits 32 bytes below the I/O bitmap. */
        uint16_t iomap = (uint16_t)sys_read(c, c->tr.base + 0x66, 2);
        uint32_t byte = c->tr.base + iomap - 32 + (uint32_t)(vector >> 3);
        bool redirect_off = (sys_read(c, byte, 1) >> (vector & 7)) & 1;
        if (!redirect_off) {
            /* Through the V86 task's own IVT at linear 0. */
            uint16_t ip = (uint16_t)lin_read(c, (uint32_t)vector * 4, 2);
            uint16_t cs = (uint16_t)lin_read(c, (uint32_t)vector * 4 + 2, 2);
            uint32_t fl = cpu_get_eflags(c);
            if (cpu_iopl(c) < 3)
                fl = (fl & ~F_IF) | ((fl & F_VIF) ? F_IF : 0) | F_IOPL;
            cpu_push(c, fl & 0xFFFF, 2);
            cpu_push(c, c->seg[S_CS].sel, 2);
            cpu_push(c, c->eip, 2);
            cpu_load_seg(c, S_CS, cs);
            c->eip = ip;
            if (cpu_iopl(c) < 3)
                c->eflags &= ~(F_VIF | F_TF);
            else
                c->eflags &= ~(F_IF | F_TF);
            return;
        }
        if (cpu_iopl(c) == 3) {
            cpu_interrupt(c, vector, EXC_NO_ERR, true, c->eip);
            return;
        }
    }
    cpu_exception(c, EXC_GP, 0);
}

/* Differential testing: the rex86 side of a sequence -- the guest's tables
 * (GDT, TSS, IDT and a HLT stub per vector) and one run of a sequence at
 * CPL 3, through the interpreter or the JIT. */
#include "guest.h"

#include <stdbool.h>
#include <string.h>

#include "cpu/cpu_priv.h"
#include "cpu/protect.h"
#include "devices/board/machine.h"
#include "translator/jit.h"

static void put_desc(struct machine *m, uint32_t sel, uint32_t base, uint32_t limit, uint32_t access,
                     uint32_t flags)
{
    uint32_t lo = (limit & 0xFFFF) | base << 16;
    uint32_t hi =
        ((base >> 16) & 0xFF) | access << 8 | (limit & 0xF0000) | flags << 20 | (base & 0xFF000000u);
    mem_write_block(m, G_GDT + sel, &lo, 4);
    mem_write_block(m, G_GDT + sel + 4, &hi, 4);
}

static void load_seg(struct machine *m, int seg, uint16_t sel)
{
    struct desc d;
    mem_read_block(m, G_GDT + (sel & ~7u), &d.lo, 4);
    mem_read_block(m, G_GDT + (sel & ~7u) + 4, &d.hi, 4);
    d.addr = G_GDT + (sel & ~7u);
    desc_parse(&d);
    seg_load_desc(&m->cpu, seg, sel, &d);
}

static void guest_tables(struct machine *m)
{
    static const uint8_t zero[8];
    mem_write_block(m, G_GDT, zero, 8);
    put_desc(m, SEL_KCODE, 0, 0xFFFFF, 0x9B, 0xC);
    put_desc(m, SEL_KDATA, 0, 0xFFFFF, 0x93, 0xC);
    put_desc(m, SEL_UCODE & ~3u, 0, 0xFFFFF, 0xFB, 0xC);
    put_desc(m, SEL_UDATA & ~3u, 0, 0xFFFFF, 0xF3, 0xC);
    put_desc(m, SEL_TSS, G_TSS, 0x67, 0x8B, 0);
    put_desc(m, SEL_USCR & ~3u, DIFF_SCRATCH, DIFF_SCRATCH_SIZE - 1, 0xF3, 0x4);
    uint8_t tss[0x68];
    memset(tss, 0, sizeof(tss));
    uint32_t esp0 = G_KSTACK, ss0 = SEL_KDATA;
    memcpy(tss + 4, &esp0, 4);
    memcpy(tss + 8, &ss0, 4);
    mem_write_block(m, G_TSS, tss, sizeof(tss));
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t off = G_STUBS + 8 * v;
        uint32_t gate[2] = {(off & 0xFFFF) | SEL_KCODE << 16, (off & 0xFFFF0000u) | 0x8E00};
        mem_write_block(m, G_IDT + 8 * v, gate, 8);
        uint8_t hlt = 0xF4;
        mem_write_block(m, off, &hlt, 1);
    }
}

static bool has_error_code(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

void guest_run(struct machine *m, const struct diff_case *dc, struct diff_result *res, unsigned flags,
               int64_t steps)
{
    struct cpu *c = &m->cpu;
    bool hlt_stop = flags & GUEST_HLT_STOP;
    if (!(flags & GUEST_KEEP_CODE)) {
        /* Drop the last sequence's translations first, so rewriting the
         * code page is not counted as self-modifying code (a page
         * rewritten too often is left to the interpreter). */
        if (c->jit)
            jit_flush(c);
        mem_write_block(m, DIFF_CODE, dc->code, dc->code_len);
    }
    mem_write_block(m, DIFF_DATA, dc->data, DIFF_DATA_SIZE);
    if (flags & GUEST_CLEAR_LOW) {
        static const uint8_t zero[0x1000];
        for (uint32_t a = 0; a < 0x10000; a += sizeof(zero))
            mem_write_block(m, a, zero, sizeof(zero));
    }
    guest_tables(m);
    memset(&c->regs, 0, sizeof(c->regs));
    c->ESP = DIFF_STACK_TOP;
    c->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
    if (flags & GUEST_PAGING) {
        /* Fresh tables each run: the A and D bits the run sets are part of
         * what is compared. */
        static uint32_t pt[1024];
        uint32_t pd[1024];
        memset(pd, 0, sizeof(pd));
        pd[0] = G_PT | 7;
        for (uint32_t k = 0; k < 1024; k++)
            pt[k] = k < 512 ? k << 12 | 7 : 0;
        mem_write_block(m, G_PD, pd, sizeof(pd));
        mem_write_block(m, G_PT, pt, sizeof(pt));
        c->cr[3] = G_PD;
        c->cr[0] |= CR0_PG;
    }
    c->gdtr.base = G_GDT;
    c->gdtr.limit = 0x37;
    c->idtr.base = G_IDT;
    c->idtr.limit = 32 * 8 - 1;
    memset(&c->ldtr, 0, sizeof(c->ldtr));
    c->tr.sel = SEL_TSS;
    c->tr.base = G_TSS;
    c->tr.limit = 0x67;
    c->tr.flags = 0x8B;
    c->cpl = 3;
    load_seg(m, S_CS, SEL_UCODE);
    for (int s = 0; s < 6; s++)
        if (s != S_CS)
            load_seg(m, s, s == S_FS && (flags & GUEST_FS_SCRATCH) ? SEL_USCR : SEL_UDATA);
    c->eflags = 0x202;
    c->lf.op = LF_NONE;
    c->halted = false;
    c->exit_request = false; /* the last sequence's HLT may have asked to stop */
    m->stop = STOP_NONE;
    c->inhibit_irq = 0;
    c->trap_pending = false;
    c->exc_depth = 0;
    fpu_reset(c);
    cpu_update_hflags(c);
    cpu_tlb_flush(c);
    c->eip = DIFF_CODE + dc->entry;
    m->reset_request = false;

    res->magic = DIFF_MAGIC;
    res->vector = -1;
    res->fault_eip = 0;
    uint32_t stop = DIFF_CODE + dc->stop;
    if (hlt_stop) {
        /* End the sequence with a HLT, which is #GP at CPL 3, and let the
         * stub's own HLT stop cpu_run. */
        static const uint8_t hlt = 0xF4;
        if (!(flags & GUEST_KEEP_CODE))
            mem_write_block(m, stop, &hlt, 1);
        for (int n = 0; n < 16 && !c->halted && !m->reset_request; n++)
            cpu_run(c, steps / 16);
    } else {
        for (int64_t k = 0; k < steps; k++) {
            if (c->seg[S_CS].sel == SEL_KCODE || m->reset_request || c->eip == stop)
                break;
            cpu_step(c);
        }
    }
    if (c->seg[S_CS].sel == SEL_KCODE) {
        int v = (int)((c->eip - G_STUBS) / 8);
        uint32_t sp = c->ESP + (has_error_code(v) ? 4 : 0), frame[5];
        mem_read_block(m, sp, frame, sizeof(frame));
        if (hlt_stop && v == EXC_GP && frame[0] == stop) {
            mem_read_block(m, DIFF_DATA, res->data, DIFF_DATA_SIZE);
            return; /* the HLT at the end */
        }
        res->vector = v;
        res->fault_eip = frame[0];
        uint32_t regs[8];
        memcpy(regs, c->regs.r32, sizeof(regs));
        regs[R_ESP] = frame[3];
        mem_write_block(m, DIFF_CTL + CTL_OUT_REGS, regs, sizeof(regs));
        mem_write_block(m, DIFF_CTL + CTL_OUT_EFLAGS, &frame[2], 4);
    } else if (hlt_stop || c->eip != stop) {
        /* Ran away or shut down: report it as a vector no CPU raises. */
        res->vector = m->reset_request ? 256 : 257;
        res->fault_eip = c->eip;
    }
    mem_read_block(m, DIFF_DATA, res->data, DIFF_DATA_SIZE);
}

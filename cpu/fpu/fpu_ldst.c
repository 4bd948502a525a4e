/* x87 loads and stores with memory operands: FLD/FST/FSTP in the three
 * float formats, FILD/FIST/FISTP, FBLD/FBSTP, and the control-word, status
 * and environment forms of D9/DD/DF. */
#include "cpu/fpu/fpu_ops.h"

/* Whether an operation's unmasked exceptions forbid its memory store; the
 * store happens before the status word changes so a #PF restarts cleanly. */
static bool store_blocked(const struct cpu *c, const struct fx_ctx *x)
{
    return (x->flags & ~c->fpu.cw & (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE)) != 0;
}

static void load_push(struct cpu *c, struct fx_ctx *x, struct fx80 v)
{
    if (!fpu_empty(c, 7)) {
        if (fpu_overflow(c))
            fpu_push(c, fx_indefinite);
        return;
    }
    x->up = false;
    /* An unmasked DE does not stop a load (the P6 loads and reports it). */
    bool de_only = (x->flags & ~c->fpu.cw & FSW_EXC) == FSW_DE;
    if (de_only) {
        c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_C1) | x->flags);
        fpu_update_es(c);
    } else if (!fpu_commit(c, x, false)) {
        return;
    }
    fpu_push(c, v);
}

/* FLD m32fp, FLD m64fp, FILD m16/32/64int with the value read. A normal
 * float or an integer raises nothing, so with ST(7) free the load is the
 * push and C1 cleared. */
void fpu_fld_f32(struct cpu *c, uint32_t v)
{
    struct fx80 r;
    if (fx_from_f32_fast(v, &r) && fpu_push_exact(c, r))
        return;
    struct fx_ctx x = fpu_ctx(c);
    if (!fx_from_f32_fast(v, &r))
        r = fx_from_f32(&x, v);
    load_push(c, &x, r);
}

void fpu_fld_f64(struct cpu *c, uint64_t v)
{
    struct fx80 r;
    if (fx_from_f64_fast(v, &r) && fpu_push_exact(c, r))
        return;
    struct fx_ctx x = fpu_ctx(c);
    if (!fx_from_f64_fast(v, &r))
        r = fx_from_f64(&x, v);
    load_push(c, &x, r);
}

void fpu_fild(struct cpu *c, int64_t v)
{
    struct fx80 r = fx_from_i64(v);
    if (fpu_push_exact(c, r))
        return;
    struct fx_ctx x = fpu_ctx(c);
    load_push(c, &x, r);
}

/* FST/FSTP to m32fp, m64fp, m80fp. */
void fpu_store_float(struct cpu *c, const struct insn *i, uint32_t ea, int size, bool pop)
{
    struct fx_ctx x = fpu_ctx(c);
    if (fpu_empty(c, 0)) {
        /* Masked stack underflow stores the indefinite (SDM 1 §8.5.1.1). */
        if (!(c->fpu.cw & FSW_IE)) {
            fpu_underflow(c);
            return;
        }
        if (size == 4)
            cpu_write(c, i->ea_seg, ea, 0xFFC00000u, 4);
        else if (size == 8)
            fpu_write64(c, i, ea, 0xFFF8000000000000ull);
        else
            fpu_write80(c, i, ea, fx_indefinite);
        fpu_underflow(c);
        if (pop)
            fpu_pop(c);
        return;
    }
    struct fx80 v = fpu_st(c, 0);
    if (size == 10) {
        fpu_write80(c, i, ea, v);
        c->fpu.sw &= ~FSW_C1;
    } else {
        uint64_t bits = size == 4 ? fx_to_f32(&x, v) : fx_to_f64(&x, v);
        if (!store_blocked(c, &x)) {
            if (size == 4)
                cpu_write(c, i->ea_seg, ea, (uint32_t)bits, 4);
            else
                fpu_write64(c, i, ea, bits);
        }
        if (!fpu_commit(c, &x, true))
            return;
    }
    if (pop)
        fpu_pop(c);
}

void fpu_store_int(struct cpu *c, const struct insn *i, uint32_t ea, int bits, bool pop)
{
    struct fx_ctx x = fpu_ctx(c);
    int64_t v;
    if (fpu_empty(c, 0)) {
        if (!(c->fpu.cw & FSW_IE)) {
            fpu_underflow(c);
            return;
        }
        v = (int64_t)(~0ull << (bits - 1));
        x.flags = 0;
    } else {
        v = fx_to_int(&x, fpu_st(c, 0), bits, false);
    }
    if (!store_blocked(c, &x)) {
        if (bits == 64)
            fpu_write64(c, i, ea, (uint64_t)v);
        else
            cpu_write(c, i->ea_seg, ea, (uint32_t)v, bits / 8);
    }
    if (fpu_empty(c, 0))
        fpu_underflow(c);
    else if (!fpu_commit(c, &x, true))
        return;
    if (pop)
        fpu_pop(c);
}

static void fbld(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct fx80 raw = fpu_read80(c, i, ea);
    int64_t v = 0;
    for (int k = 8; k >= 0; k--) {
        unsigned b = k == 8 ? (raw.se & 0xFF) : (unsigned)(raw.sig >> (8 * k)) & 0xFF;
        v = v * 100 + (b >> 4) * 10 + (b & 15);
    }
    struct fx80 r = fx_from_i64(v);
    if (raw.se & 0x8000)
        r.se |= 0x8000;
    struct fx_ctx x = fpu_ctx(c);
    load_push(c, &x, r);
}

static void fbstp(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct fx_ctx x = fpu_ctx(c);
    struct fx80 out = {0, 0}, indef = {0xC000000000000000ull, 0xFFFF};
    bool empty = fpu_empty(c, 0);
    if (empty) {
        if (!(c->fpu.cw & FSW_IE)) {
            fpu_underflow(c);
            return;
        }
        out = indef;
    } else {
        struct fx80 a = fpu_st(c, 0);
        int64_t v = fx_to_int(&x, a, 64, false);
        uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        if (!(x.flags & FSW_IE) && mag > 999999999999999999ull) {
            x.flags = (uint16_t)((x.flags & ~FSW_PE) | FSW_IE);
            x.up = false;
        }
        if (x.flags & FSW_IE) {
            out = indef;
        } else {
            for (int k = 0; k < 9; k++) {
                unsigned lo = (unsigned)(mag % 10);
                mag /= 10;
                unsigned hi = (unsigned)(mag % 10);
                mag /= 10;
                if (k < 8)
                    out.sig |= (uint64_t)(hi << 4 | lo) << (8 * k);
                else
                    out.se = (uint16_t)(hi << 4 | lo);
            }
            if (fx_sign(a))
                out.se |= 0x8000;
        }
    }
    if (!store_blocked(c, &x))
        fpu_write80(c, i, ea, out);
    if (empty)
        fpu_underflow(c);
    else if (!fpu_commit(c, &x, true))
        return;
    fpu_pop(c);
}

void fpu_load_store_mem(struct cpu *c, const struct insn *i, uint32_t ea)
{
    int esc = i->op & 7;
    struct fx_ctx x = fpu_ctx(c);
    int seg = i->ea_seg;
    switch (esc << 3 | i->reg) {
    case 1 << 3 | 0: fpu_fld_f32(c, cpu_read(c, seg, ea, 4)); return;
    case 1 << 3 | 2: fpu_store_float(c, i, ea, 4, false); return;
    case 1 << 3 | 3: fpu_store_float(c, i, ea, 4, true); return;
    case 1 << 3 | 4: fpu_fldenv(c, i, ea); return;
    case 1 << 3 | 5: fpu_fldcw(c, (uint16_t)cpu_read(c, seg, ea, 2)); return;
    case 1 << 3 | 6: fpu_fstenv(c, i, ea); return;
    case 1 << 3 | 7: cpu_write(c, seg, ea, c->fpu.cw, 2); return;
    case 3 << 3 | 0: fpu_fild(c, (int32_t)cpu_read(c, seg, ea, 4)); return;
    case 3 << 3 | 2: fpu_store_int(c, i, ea, 32, false); return;
    case 3 << 3 | 3: fpu_store_int(c, i, ea, 32, true); return;
    case 3 << 3 | 5: load_push(c, &x, fpu_read80(c, i, ea)); return;
    case 3 << 3 | 7: fpu_store_float(c, i, ea, 10, true); return;
    case 5 << 3 | 0: fpu_fld_f64(c, fpu_read64(c, i, ea)); return;
    case 5 << 3 | 2: fpu_store_float(c, i, ea, 8, false); return;
    case 5 << 3 | 3: fpu_store_float(c, i, ea, 8, true); return;
    case 5 << 3 | 4: fpu_frstor(c, i, ea); return;
    case 5 << 3 | 6: fpu_fsave(c, i, ea); return;
    case 5 << 3 | 7: cpu_write(c, seg, ea, c->fpu.sw, 2); return;
    case 7 << 3 | 0: fpu_fild(c, (int16_t)cpu_read(c, seg, ea, 2)); return;
    case 7 << 3 | 2: fpu_store_int(c, i, ea, 16, false); return;
    case 7 << 3 | 3: fpu_store_int(c, i, ea, 16, true); return;
    case 7 << 3 | 4: fbld(c, i, ea); return;
    case 7 << 3 | 5: fpu_fild(c, (int64_t)fpu_read64(c, i, ea)); return;
    case 7 << 3 | 6: fbstp(c, i, ea); return;
    case 7 << 3 | 7: fpu_store_int(c, i, ea, 64, true); return;
    default: cpu_ud(c);
    }
}

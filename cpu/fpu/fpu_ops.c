/* The x87 escape opcodes D8-DF: decoding of the escape, the waiting and
 * pointer bookkeeping, and the register-stack arithmetic, compares and
 * transcendental instructions. Loads and stores are in fpu_ldst.c. */
#include "cpu/fpu/fpu_ops.h"
#include "cpu/fpu/fpu_jit.h"

enum { AR_ADD, AR_MUL, AR_SUB, AR_DIV };

static struct fx80 arith_do(struct fx_ctx *x, int kind, struct fx80 a, struct fx80 b)
{
    switch (kind) {
    case AR_ADD: return fx_add(x, a, b, false);
    case AR_MUL: return fx_mul(x, a, b);
    case AR_SUB: return fx_add(x, a, b, true);
    default: return fx_div(x, a, b);
    }
}

/* R(pd) = a op b, then pop, by the general functions; `flags` are those
 * of a memory operand's conversion. */
static __attribute__((noinline)) void arith_general(struct cpu *c, uint16_t flags, int kind, int pd,
                                                    struct fx80 a, struct fx80 b, bool pop)
{
    struct fx_ctx x = fpu_ctx(c);
    x.flags = flags;
    struct fx80 r = arith_do(&x, kind, a, b);
    if (!fpu_commit(c, &x, false))
        return;
    c->fpu.st[pd] = r;
    fpu_set_tag(c, pd, fpu_tag_of(r));
    if (pop)
        fpu_pop(c);
}

/* The same with the fast paths inline, where the context stays in
 * registers. */
FX_INLINE void arith(struct cpu *c, uint16_t flags, int kind, int pd, struct fx80 a, struct fx80 b, bool pop)
{
    struct fx_ctx x = fpu_ctx(c);
    x.flags = flags;
    struct fx80 r;
    bool done;
    if (kind == AR_MUL)
        done = fx_mul_fast(&x, a, b, &r);
    else if (kind == AR_DIV)
        done = fx_div_fast(&x, a, b, &r);
    else
        done = fx_add_fast(&x, a, b, kind == AR_SUB, &r);
    if (!done) {
        arith_general(c, flags, kind, pd, a, b, pop);
        return;
    }
    if (!fpu_commit(c, &x, false))
        return;
    c->fpu.st[pd] = r;
    /* A fast result is normal or zero. */
    fpu_set_tag(c, pd, r.sig ? FTAG_VALID : FTAG_ZERO);
    if (pop)
        fpu_pop(c);
}

/* Condition codes of a compare (SDM 2 FCOM table). */
static void set_cc(struct cpu *c, int r)
{
    static const uint16_t cc[4] = {FSW_C0, 0, 0, FSW_C3 | FSW_C2 | FSW_C0};
    uint16_t v = r == 0 ? FSW_C3 : cc[r < 0 ? 0 : r == 1 ? 1 : 3];
    c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_CC) | v);
}

static void compare(struct cpu *c, struct fx80 b, bool b_empty, bool quiet, int pops, struct fx_ctx *x)
{
    if (fpu_empty(c, 0) || b_empty) {
        /* Unordered even when the unmasked underflow stops the pop, as the
         * host CPU reports it. */
        bool go = fpu_underflow(c);
        set_cc(c, 2);
        if (!go)
            return;
    } else {
        int r;
        if (!fx_compare_fast(fpu_st(c, 0), b, &r))
            r = fx_compare(x, fpu_st(c, 0), b, quiet);
        x->up = false;
        /* The condition codes are set even when an unmasked exception
         * stops the pop. */
        bool go = fpu_commit(c, x, false);
        set_cc(c, r);
        if (!go)
            return;
    }
    while (pops--)
        fpu_pop(c);
}

/* FCOMI/FUCOMI: ZF PF CF like an unsigned compare (SDM 2 FCOMI). */
static void compare_eflags(struct cpu *c, int sti, bool quiet, bool pop)
{
    struct fx_ctx x = fpu_ctx(c);
    int r = 2;
    c->fpu.sw &= ~FSW_C1;
    if (fpu_empty(c, 0) || fpu_empty(c, sti)) {
        /* A stack underflow reports unordered even when unmasked (the host
         * CPU does; SDM 2 leaves the flags unset only for #IA); the pop is
         * suppressed then. */
        if (!fpu_underflow(c))
            pop = false;
    } else {
        r = fx_compare(&x, fpu_st(c, 0), fpu_st(c, sti), quiet);
        x.up = false;
        if (!fpu_commit(c, &x, false))
            pop = false;
    }
    uint32_t f = r == 0 ? F_ZF : r < 0 ? F_CF : r == 1 ? 0 : (F_ZF | F_PF | F_CF);
    cpu_set_arith(c, f);
    if (pop)
        fpu_pop(c);
}

/* Operand pair for a register arithmetic op; handles empty registers with
 * the masked response (indefinite into the destination). */
static bool reg_operands_ok(struct cpu *c, int dst, int src, bool pop)
{
    if (!fpu_empty(c, dst) && !fpu_empty(c, src))
        return true;
    if (fpu_underflow(c)) {
        fpu_write_st(c, dst, fx_indefinite);
        if (pop)
            fpu_pop(c);
    }
    return false;
}

static const int arith_kinds[8] = {AR_ADD, AR_MUL, 0, 0, AR_SUB, AR_SUB, AR_DIV, AR_DIV};

/* D8/DC/DE register arithmetic by the general functions, for whatever the
 * fast path below does not take: empty registers, special operands or
 * results, an exception to report. */
static __attribute__((noinline)) void arith_reg_slow(struct cpu *c, const struct insn *i, int esc)
{
    int op = i->reg, sti = i->rm;
    bool pop = esc == 6;
    /* DC/DE: ST(i) is the destination and the R forms swap (SDM 2 FSUB). */
    int dst = esc == 0 ? 0 : sti, src = esc == 0 ? sti : 0;
    bool rev = esc == 0 ? op & 1 : op >= 4 && !(op & 1);
    if (!reg_operands_ok(c, dst, src, pop))
        return;
    int pd = fpu_phys(c, dst), ps = fpu_phys(c, src);
    struct fx80 a = c->fpu.st[rev ? ps : pd], b = c->fpu.st[rev ? pd : ps];
    arith_general(c, 0, arith_kinds[op], pd, a, b, pop);
}

/* D8/DC/DE register arithmetic, op the reg field (not 2 or 3), for what
 * arith_reg_quick leaves. The fast path: both registers in use, nothing
 * unmasked pending, ES, B and FERR# clear, and a fast result (normal or
 * zero, at most a masked PE): then the commit only sets PE and C1, and the
 * tag is valid or zero. */
static __attribute__((noinline)) void arith_reg_mid(struct cpu *c, const struct insn *i, int esc)
{
    struct fpu *f = &c->fpu;
    int op = i->reg;
    bool pop = esc == 6;
    bool rev = esc == 0 ? op & 1 : op >= 4 && !(op & 1);
    unsigned sw = f->sw, tw = f->tw, cw = f->cw;
    unsigned top = (sw >> 11) & 7, pi = (top + i->rm) & 7;
    unsigned pd = esc == 0 ? top : pi, ps = esc == 0 ? pi : top;
    if (((tw >> (2 * top)) & 3) == FTAG_EMPTY || ((tw >> (2 * pi)) & 3) == FTAG_EMPTY ||
        ((sw & ~cw & FSW_EXC) | (sw & (FSW_ES | FSW_B)) | f->ferr)) {
        arith_reg_slow(c, i, esc);
        return;
    }
    struct fx80 a = f->st[rev ? ps : pd], b = f->st[rev ? pd : ps];
    struct fx_ctx x = fpu_ctx(c);
    struct fx80 r;
    bool done;
    int kind = arith_kinds[op];
    if (kind == AR_MUL)
        done = fx_mul_fast(&x, a, b, &r);
    else if (kind == AR_DIV)
        done = fx_div_fast(&x, a, b, &r);
    else
        done = fx_add_fast(&x, a, b, kind == AR_SUB, &r);
    if (!done || (x.flags & ~cw & FSW_PE)) {
        arith_reg_slow(c, i, esc);
        return;
    }
    f->st[pd] = r;
    tw = (tw & ~(3u << (2 * pd))) | (unsigned)(r.sig == 0) << (2 * pd);
    sw = (sw & ~FSW_C1) | x.flags | (x.up ? FSW_C1 : 0);
    if (pop) {
        tw |= 3u << (2 * top);
        sw = (sw & ~FSW_TOP) | ((top + 1) & 7) << 11;
    }
    f->tw = (uint16_t)tw;
    f->sw = (uint16_t)sw;
}

/* The dominant case straight: both registers in use, normal or zero, the
 * control word RC nearest, PC 64 or 53, every exception masked (cw &
 * 0E3Fh == 023Fh), B and FERR# clear (ES is, the callers check it), and a
 * result zero or with an exponent that stays normal after rounding. Then
 * the tag is valid or zero, and the commit sets PE and C1 from the rounding and
 * nothing else: one store each of the status and tag words. */
FX_INLINE void arith_reg(struct cpu *c, const struct insn *i, int esc, int op)
{
    struct fpu *f = &c->fpu;
    bool pop = esc == 6;
    bool rev = esc == 0 ? op & 1 : op >= 4 && !(op & 1);
    unsigned sw = f->sw, tw = f->tw, cw = f->cw;
    unsigned top = (sw >> 11) & 7, pi = (top + i->rm) & 7;
    unsigned pd = esc == 0 ? top : pi, ps = esc == 0 ? pi : top;
    /* Bit 2k of emp: R(k) empty (tag 11b). */
    unsigned emp = tw & (tw >> 1);
    if ((((emp >> (2 * top)) | (emp >> (2 * pi))) & 1) | ((cw & 0x0E3F) ^ 0x023F) | (sw & FSW_B) | f->ferr) {
        arith_reg_mid(c, i, esc);
        return;
    }
    struct fx80 a = f->st[rev ? ps : pd], b = f->st[rev ? pd : ps];
    struct fx_quick q;
    bool ok = fx_both_normal(a, b) || (fx_normal_or_zero(a) & fx_normal_or_zero(b));
    int kind = arith_kinds[op];
    if (!ok)
        ;
    else if (kind == AR_MUL)
        ok = fx_quick_mul(a, b, &q);
    else if (kind == AR_DIV)
        ok = fx_quick_div(a, b, &q);
    else
        ok = fx_quick_add(a, b, kind == AR_SUB, &q);
    if (!ok) {
        arith_reg_mid(c, i, esc);
        return;
    }
    /* The words again from memory rather than held across the arithmetic
     * (they were spilled). */
    __asm__("" ::: "memory");
    sw = f->sw, tw = f->tw;
    top = (sw >> 11) & 7;
    pd = esc == 0 ? top : (top + i->rm) & 7;
    unsigned flags;
    if (__builtin_expect(q.zero, 0)) {
        f->st[pd].sig = 0;
        f->st[pd].se = (uint16_t)q.sign;
        tw = (tw & ~(3u << (2 * pd))) | (unsigned)FTAG_ZERO << (2 * pd);
        flags = 0;
    } else {
        uint16_t se;
        bool pe, up;
        f->st[pd].sig = fx_quick_round(&q, f->cw & 0x100, &se, &pe, &up);
        f->st[pd].se = se;
        tw &= ~(3u << (2 * pd)); /* valid */
        flags = (pe ? FSW_PE : 0) | (up ? FSW_C1 : 0);
    }
    sw = (sw & ~FSW_C1) | flags;
    if (pop) {
        tw |= 3u << (2 * top);
        sw = (sw & ~FSW_TOP) | ((top + 1) & 7) << 11;
    }
    f->tw = (uint16_t)tw;
    f->sw = (uint16_t)sw;
}

static void esc_arith_reg(struct cpu *c, const struct insn *i, int esc)
{
    int op = i->reg, sti = i->rm;
    if (op == 2 || op == 3) { /* FCOM/FCOMP (D8, and the DC/DE aliases) */
        struct fx_ctx x = fpu_ctx(c);
        compare(c, fpu_st(c, sti), fpu_empty(c, sti), false, op == 3 ? 1 : 0, &x);
        return;
    }
    arith_reg_slow(c, i, esc);
}

/* D8/DA/DC/DE with a memory operand: the arithmetic group on m32fp,
 * m32int, m64fp, m16int. */
static void esc_arith_mem(struct cpu *c, const struct insn *i, int esc, uint32_t ea)
{
    struct fx_ctx x = fpu_ctx(c), xc = x;
    struct fx80 src;
    switch (esc) {
    case 0: {
        uint32_t v = cpu_read(c, i->ea_seg, ea, 4);
        if (!fx_from_f32_fast(v, &src))
            src = fx_from_f32(&xc, v);
        break;
    }
    case 2: src = fx_from_i64((int32_t)cpu_read(c, i->ea_seg, ea, 4)); break;
    case 4: {
        uint64_t v = fpu_read64(c, i, ea);
        if (!fx_from_f64_fast(v, &src))
            src = fx_from_f64(&xc, v);
        break;
    }
    default: src = fx_from_i64((int16_t)cpu_read(c, i->ea_seg, ea, 2)); break;
    }
    int op = i->reg;
    /* An SNaN operand stays an SNaN for the NaN rules: with a QNaN in ST(0)
     * the QNaN wins (SDM 1 §4.8.3.5, table 4-7), which a value quieted by
     * the conversion would not. Its fraction is nonzero below the quiet bit. */
    if ((xc.flags & FSW_IE) && fx_is_nan(src) && esc != 2 && esc != 6)
        src.sig &= ~(1ull << 62);
    /* The conversion's IE stands; its DE follows the rule for a denormal
     * operand of this operation. */
    x.flags = xc.flags & FSW_IE;
    if (xc.flags & FSW_DE) {
        static const int de_kind[8] = {FX_DE_ADD, FX_DE_MUL, FX_DE_ADD, FX_DE_ADD,
                                       FX_DE_ADD, FX_DE_ADD, FX_DE_DIV, FX_DE_DIV};
        enum fx_class a = fx_classify(fpu_st(c, 0));
        bool rev = op == 5 || op == 7;
        if (fpu_empty(c, 0) ||
            (rev ? fx_de_applies(de_kind[op], FXC_DENORMAL, a) : fx_de_applies(de_kind[op], a, FXC_DENORMAL)))
            x.flags |= FSW_DE;
    }
    if (op == 2 || op == 3) {
        compare(c, src, false, false, op == 3, &x);
        return;
    }
    if (fpu_empty(c, 0)) {
        if (fpu_underflow(c))
            fpu_write_st(c, 0, fx_indefinite);
        return;
    }
    static const int kinds[8] = {AR_ADD, AR_MUL, 0, 0, AR_SUB, AR_SUB, AR_DIV, AR_DIV};
    int top = fpu_top(c);
    struct fx80 st0 = c->fpu.st[top];
    arith(c, x.flags, kinds[op], top, op & 1 ? src : st0, op & 1 ? st0 : src, false);
}

/* A one-operand op on ST(0) with the usual empty-register response. */
static bool st0_ready(struct cpu *c)
{
    if (!fpu_empty(c, 0))
        return true;
    if (fpu_underflow(c))
        fpu_write_st(c, 0, fx_indefinite);
    return false;
}

static void fxam(struct cpu *c)
{
    struct fx80 v = fpu_st(c, 0);
    uint16_t cc;
    if (fpu_empty(c, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else {
        switch (fx_classify(v)) {
        case FXC_UNSUPPORTED: cc = 0; break;
        case FXC_QNAN:
        case FXC_SNAN: cc = FSW_C0; break;
        case FXC_NORMAL: cc = FSW_C2; break;
        case FXC_INF: cc = FSW_C2 | FSW_C0; break;
        case FXC_ZERO: cc = FSW_C3; break;
        default: cc = FSW_C3 | FSW_C2; break;
        }
    }
    if (fx_sign(v))
        cc |= FSW_C1;
    c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_CC) | cc);
}

/* The constants to 128 bits (value = sig * 2^(exp - 16383 - 127)),
 * rounded by RC as the 486 and later do (SDM 1 §8.3.8). */
static void fld_const(struct cpu *c, int k)
{
    static const struct {
        int32_t e;
        uint64_t hi, lo;
    } tab[] = {
        {FX_BIAS + 1, 0xD49A784BCD1B8AFEull, 0x492BF6FF4DAFDB4Cull}, /* log2(10) */
        {FX_BIAS + 0, 0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E88ull}, /* log2(e) */
        {FX_BIAS + 1, 0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull}, /* pi */
        {FX_BIAS - 2, 0x9A209A84FBCFF798ull, 0x8F8959AC0B7C9178ull}, /* log10(2) */
        {FX_BIAS - 1, 0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull}, /* ln(2) */
    };
    struct fx80 v;
    if (k == 0)
        v = fx_make(false, FX_BIAS, 1ull << 63);
    else if (k == 6)
        v = fx_make(false, 0, 0);
    else if (k == 7) {
        cpu_ud(c);
    } else {
        struct fx_ctx x = fpu_ctx(c);
        v = fx_const(&x, tab[k - 1].e, (u128)tab[k - 1].hi << 64 | tab[k - 1].lo);
    }
    if (!fpu_empty(c, 7)) {
        if (!fpu_overflow(c))
            return;
        v = fx_indefinite;
    } else {
        c->fpu.sw &= ~FSW_C1;
    }
    fpu_push(c, v);
}

static void set_c2(struct cpu *c, bool on)
{
    c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_C2) | (on ? FSW_C2 : 0));
}

/* D9 E0-FF: the one-byte-operand group. */
static __attribute__((noinline)) void esc_d9_misc(struct cpu *c, const struct insn *i)
{
    uint8_t m = i->modrm;
    struct fx_ctx x = fpu_ctx(c);
    struct fx80 r, r2;
    switch (m) {
    case 0xE0: /* FCHS */
    case 0xE1: /* FABS */
        if (!st0_ready(c))
            return;
        r = fpu_st(c, 0);
        r.se = m == 0xE0 ? (uint16_t)(r.se ^ 0x8000) : (uint16_t)(r.se & 0x7FFF);
        c->fpu.sw &= ~FSW_C1;
        fpu_write_st(c, 0, r);
        return;
    case 0xE4: /* FTST */ compare(c, fx_make(false, 0, 0), false, false, 0, &x); return;
    case 0xE5: fxam(c); return;
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF: fld_const(c, m - 0xE8); return;
    case 0xF0: /* F2XM1 */
        if (!st0_ready(c))
            return;
        r = fx_f2xm1(&x, fpu_st(c, 0));
        if (fpu_commit(c, &x, false))
            fpu_write_st(c, 0, r);
        return;
    case 0xF1: /* FYL2X */
    case 0xF9: /* FYL2XP1 */
    case 0xF3: /* FPATAN */
    case 0xFD: /* FSCALE */
        /* FSCALE writes ST(0); the others ST(1) and pop. */
        if (!reg_operands_ok(c, m == 0xFD ? 0 : 1, m == 0xFD ? 1 : 0, m != 0xFD))
            return;
        if (m == 0xFD)
            r = fx_scale(&x, fpu_st(c, 0), fpu_st(c, 1));
        else if (m == 0xF3)
            r = fx_atan2(&x, fpu_st(c, 1), fpu_st(c, 0));
        else
            r = fx_yl2x(&x, fpu_st(c, 0), fpu_st(c, 1), m == 0xF9);
        if (!fpu_commit(c, &x, false))
            return;
        if (m == 0xFD) {
            fpu_write_st(c, 0, r);
        } else {
            fpu_write_st(c, 1, r);
            fpu_pop(c);
        }
        return;
    case 0xF2: /* FPTAN */
    case 0xFB: /* FSINCOS */
        /* The masked stack-fault responses also clear C2 (the argument was
         * not out of range), as the host CPU does. */
        if (fpu_empty(c, 0)) {
            if (fpu_underflow(c)) {
                fpu_write_st(c, 0, fx_indefinite);
                fpu_push(c, fx_indefinite);
                set_c2(c, false);
            }
            return;
        }
        if (!fpu_empty(c, 7)) {
            if (fpu_overflow(c)) {
                fpu_write_st(c, 0, fx_indefinite);
                fpu_push(c, fx_indefinite);
                set_c2(c, false);
            }
            return;
        }
        {
            bool ok = m == 0xF2 ? fx_tan(&x, fpu_st(c, 0), &r) : fx_sincos(&x, fpu_st(c, 0), &r, &r2);
            if (m == 0xF2)
                r2 = fx_make(false, FX_BIAS, 1ull << 63);
            if (!ok) {
                set_c2(c, true);
                return;
            }
            if (!fpu_commit(c, &x, false))
                return;
            set_c2(c, false);
            /* A NaN or invalid operand gives NaN in both slots. */
            if (fx_is_nan(r) && m == 0xF2)
                r2 = r;
            fpu_write_st(c, 0, r);
            fpu_push(c, r2);
        }
        return;
    case 0xF4: /* FXTRACT */
        if (fpu_empty(c, 0)) {
            /* The masked response fills both results, pushing whatever
             * ST(7) held (as the host CPU does). */
            if (fpu_underflow(c)) {
                fpu_write_st(c, 0, fx_indefinite);
                fpu_push(c, fx_indefinite);
            }
            return;
        }
        if (!fpu_empty(c, 7)) {
            if (fpu_overflow(c)) {
                fpu_write_st(c, 0, fx_indefinite);
                fpu_push(c, fx_indefinite);
            }
            return;
        }
        {
            struct fx80 a = fpu_st(c, 0);
            enum fx_class k = fx_check(&x, a);
            if (k == FXC_UNSUPPORTED) {
                r = r2 = fx_invalid(&x);
            } else if (k == FXC_QNAN || k == FXC_SNAN) {
                r = r2 = fx_propagate_nan(&x, a, a);
            } else if (k == FXC_INF) {
                r = fx_make(false, FX_EMAX, 1ull << 63);
                r2 = a;
            } else if (k == FXC_ZERO) {
                /* SDM 2 FXTRACT: ZE, exponent -inf, significand the zero. */
                x.flags |= FSW_ZE;
                r = fx_make(true, FX_EMAX, 1ull << 63);
                r2 = a;
            } else {
                fx_flag_de(&x, k, k);
                struct fx_unp u = fx_unpack(a);
                r = fx_from_i64(u.exp - FX_BIAS);
                r2 = fx_make(u.sign, FX_BIAS, u.sig);
            }
            x.up = false;
            if (!fpu_commit(c, &x, false))
                return;
            fpu_write_st(c, 0, r);
            fpu_push(c, r2);
        }
        return;
    case 0xF5: /* FPREM1 */
    case 0xF8: /* FPREM */
        if (!reg_operands_ok(c, 0, 1, false)) {
            /* A stack underflow, masked or not, reports no partial
             * remainder (C2 clear), as the host CPU does. */
            set_c2(c, false);
            return;
        }
        {
            uint64_t q;
            bool partial;
            r = fx_rem(&x, fpu_st(c, 0), fpu_st(c, 1), m == 0xF5, &q, &partial);
            x.up = false;
            if (!fpu_commit(c, &x, false)) {
                set_c2(c, false); /* an unmasked exception: as the host CPU */
                return;
            }
            fpu_write_st(c, 0, r);
            if (fx_is_nan(r)) {
                /* A NaN or invalid operand: no quotient to report; the
                 * host CPU clears C2 and keeps C0, C1, C3. */
                set_c2(c, false);
                return;
            }
            uint16_t cc = 0;
            if (partial)
                cc = FSW_C2; /* the quotient bits are not reported */
            else if (q & 4)
                cc |= FSW_C0;
            if (!partial && (q & 2))
                cc |= FSW_C3;
            if (!partial && (q & 1))
                cc |= FSW_C1;
            c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_CC) | cc);
        }
        return;
    case 0xF6: /* FDECSTP */
    case 0xF7: /* FINCSTP */
        fpu_set_top(c, fpu_top(c) + (m == 0xF6 ? -1 : 1));
        c->fpu.sw &= ~FSW_C1;
        return;
    case 0xFA: /* FSQRT */
    case 0xFC: /* FRNDINT */
        if (!st0_ready(c))
            return;
        r = m == 0xFA ? fx_sqrt(&x, fpu_st(c, 0)) : fx_round_int(&x, fpu_st(c, 0));
        if (fpu_commit(c, &x, false))
            fpu_write_st(c, 0, r);
        return;
    case 0xFE: /* FSIN */
    case 0xFF: /* FCOS */
        if (!st0_ready(c))
            return;
        {
            bool ok =
                m == 0xFE ? fx_sincos(&x, fpu_st(c, 0), &r, NULL) : fx_sincos(&x, fpu_st(c, 0), NULL, &r);
            if (!ok) {
                set_c2(c, true);
                return;
            }
            if (!fpu_commit(c, &x, false))
                return;
            set_c2(c, false);
            fpu_write_st(c, 0, r);
        }
        return;
    default: cpu_ud(c);
    }
}

static void fxch(struct cpu *c, int sti)
{
    if (fpu_empty(c, 0) || fpu_empty(c, sti)) {
        if (!fpu_underflow(c))
            return;
        if (fpu_empty(c, 0))
            fpu_write_st(c, 0, fx_indefinite);
        if (fpu_empty(c, sti))
            fpu_write_st(c, sti, fx_indefinite);
    }
    struct fx80 a = fpu_st(c, 0), b = fpu_st(c, sti);
    fpu_write_st(c, 0, b);
    fpu_write_st(c, sti, a);
    c->fpu.sw &= ~FSW_C1;
}

/* FLD ST(i), FST/FSTP ST(i). */
static void fld_sti(struct cpu *c, int sti)
{
    struct fx80 v = fpu_st(c, sti);
    if (fpu_empty(c, sti)) {
        /* An empty source is the underflow, even when ST(7) is full too:
         * C1 says underflow and the indefinite is pushed (as the host CPU
         * does). */
        if (fpu_underflow(c))
            fpu_push(c, fx_indefinite);
        return;
    }
    if (!fpu_empty(c, 7)) {
        if (!fpu_overflow(c))
            return;
        v = fx_indefinite;
    } else {
        c->fpu.sw &= ~FSW_C1;
    }
    fpu_push(c, v);
}

static void fst_sti(struct cpu *c, int sti, bool pop)
{
    struct fx80 v = fpu_st(c, 0);
    if (fpu_empty(c, 0)) {
        if (!fpu_underflow(c))
            return;
        v = fx_indefinite;
    } else {
        c->fpu.sw &= ~FSW_C1;
    }
    fpu_write_st(c, sti, v);
    if (pop)
        fpu_pop(c);
}

static void fcmov(struct cpu *c, const struct insn *i, int esc)
{
    if (c->model < CPU_PENTIUM2)
        cpu_ud(c);
    /* DA: B E BE U; DB: the negations (SDM 2 FCMOVcc). */
    static const int cc[4] = {2, 4, 6, 10}; /* Jcc conditions B, E, BE, P */
    bool take = cpu_cond(c, cc[i->reg & 3] | (esc == 3 ? 1 : 0));
    /* An empty operand is a stack underflow whether or not the condition
     * holds: the masked response loads the indefinite (SDM 1 §8.5.1.1).
     * Without one, C1 is left as it was (SDM 2 FCMOVcc defines it only for
     * underflow; the host CPU keeps it). */
    if (fpu_empty(c, 0) || fpu_empty(c, i->rm)) {
        if (fpu_underflow(c))
            fpu_write_st(c, 0, fx_indefinite);
        return;
    }
    if (take)
        fpu_write_st(c, 0, fpu_st(c, i->rm));
}

static void esc_reg(struct cpu *c, const struct insn *i, int esc)
{
    int reg = i->reg, rm = i->rm;
    switch (esc) {
    case 0: esc_arith_reg(c, i, 0); return;
    case 1:
        switch (reg) {
        case 0: fld_sti(c, rm); return;
        case 1: fxch(c, rm); return;
        case 2:
            if (rm == 0)
                return; /* FNOP */
            break;
        case 3: fst_sti(c, rm, true); return; /* FSTP1, reserved alias */
        default: esc_d9_misc(c, i); return;
        }
        break;
    case 2:
        if (reg < 4) {
            fcmov(c, i, 2);
            return;
        }
        if (i->modrm == 0xE9) {
            struct fx_ctx x = fpu_ctx(c);
            compare(c, fpu_st(c, 1), fpu_empty(c, 1), true, 2, &x); /* FUCOMPP */
            return;
        }
        break;
    case 3:
        if (reg < 4) {
            fcmov(c, i, 3);
            return;
        }
        if (reg == 4) {
            switch (rm) {
            case 0:
            case 1:
            case 4: return; /* FNENI, FNDISI, FNSETPM: 287-only, no-ops */
            case 2: fpu_fclex(c); return;
            case 3: fpu_init_state(c); return;
            default: break;
            }
            break;
        }
        if (reg == 5 || reg == 6) {
            if (c->model < CPU_PENTIUM2)
                cpu_ud(c);
            compare_eflags(c, rm, reg == 5, false);
            return;
        }
        break;
    case 4: esc_arith_reg(c, i, 4); return;
    case 5:
        switch (reg) {
        case 0: /* FFREE */ fpu_set_tag(c, fpu_phys(c, rm), FTAG_EMPTY); return;
        case 1: fxch(c, rm); return;
        case 2: fst_sti(c, rm, false); return;
        case 3: fst_sti(c, rm, true); return;
        case 4:
        case 5: {
            struct fx_ctx x = fpu_ctx(c);
            compare(c, fpu_st(c, rm), fpu_empty(c, rm), true, reg == 5, &x);
            return;
        }
        default: break;
        }
        break;
    case 6:
        if (reg == 3) {
            if (rm != 1)
                break;
            struct fx_ctx x = fpu_ctx(c);
            compare(c, fpu_st(c, 1), fpu_empty(c, 1), false, 2, &x); /* FCOMPP */
            return;
        }
        esc_arith_reg(c, i, 6);
        return;
    case 7:
        switch (reg) {
        case 0: /* FFREEP: free, then pop (undocumented, P6 has it) */
            fpu_set_tag(c, fpu_phys(c, rm), FTAG_EMPTY);
            fpu_pop(c);
            return;
        case 1: fxch(c, rm); return;
        case 2:
        case 3: fst_sti(c, rm, true); return;
        case 4:
            if (rm == 0) {
                CPU_R16(c, R_EAX) = c->fpu.sw; /* FNSTSW AX */
                return;
            }
            break;
        case 5:
        case 6:
            if (c->model < CPU_PENTIUM2)
                cpu_ud(c);
            compare_eflags(c, rm, reg == 5, true);
            return;
        default: break;
        }
        break;
    }
    cpu_ud(c);
}

/* Control instructions (SDM 1 §8.3.12 and §8.1.8): they neither wait for
 * pending exceptions (the FN forms) nor update the instruction pointers. */
static bool is_nowait(int esc, const struct insn *i)
{
    if (i->mod != 3)
        return (esc == 1 && (i->reg == 6 || i->reg == 7)) || (esc == 5 && (i->reg == 6 || i->reg == 7));
    return (esc == 3 && i->reg == 4 && i->rm <= 4) || (esc == 7 && i->reg == 4 && i->rm == 0);
}

static inline bool is_control(int esc, const struct insn *i)
{
    if (i->mod != 3)
        return (esc == 1 && i->reg >= 4) || (esc == 5 && (i->reg == 4 || i->reg >= 6));
    return (esc == 3 && i->reg == 4 && i->rm <= 4) || (esc == 7 && i->reg == 4 && i->rm == 0);
}

/* No FPU fitted (8086-386 here): ESC computes its address and does nothing,
 * so FNSTSW leaves memory unchanged and software's FPU probe finds none;
 * CR0.EM/TS raise #NM as the manual says. */
static void esc_absent(struct cpu *c)
{
    if (c->model >= CPU_286 && (c->cr[0] & (CR0_EM | CR0_TS)))
        cpu_exception(c, EXC_NM, EXC_NO_ERR);
}

/* The bookkeeping of every instruction that is not a control one (SDM 1
 * §8.1.8): the last instruction's pointer and opcode, and for a memory
 * form the operand's. */
FX_INLINE void note_insn(struct cpu *c, const struct insn *i, int esc)
{
    struct fpu *f = &c->fpu;
    f->fip = c->insn_eip;
    f->fcs = c->seg[S_CS].sel;
    f->fop = (uint16_t)((esc << 8) | i->modrm);
}

FX_INLINE uint32_t note_mem(struct cpu *c, const struct insn *i, int esc)
{
    uint32_t ea = insn_ea(c, i);
    note_insn(c, i, esc);
    c->fpu.fdp = ea;
    c->fpu.fds = c->seg[i->ea_seg].sel;
    return ea;
}

/* Every x87 instruction goes to one handler by its form: escape, register
 * or memory, reg field. op_esc calls it after checking that the FPU may
 * run (present, CR0.EM/TS clear, no exception pending); the JIT calls it
 * directly once its own code has checked the same (fpu_jit_handler). The
 * commonest forms get a handler each, where the form is a constant and
 * the inline code straight; each does the bookkeeping itself. */

typedef void esc_reg_fn(struct cpu *c, const struct insn *i);

/* The memory forms without a handler of their own. */
static __attribute__((noinline)) void mem_other(struct cpu *c, const struct insn *i)
{
    int esc = i->op & 7;
    uint32_t ea;
    if (!is_control(esc, i))
        ea = note_mem(c, i, esc);
    else
        ea = insn_ea(c, i);
    switch (esc) {
    case 0:
    case 2:
    case 4:
    case 6: esc_arith_mem(c, i, esc, ea); return;
    default: fpu_load_store_mem(c, i, ea); return;
    }
}

/* The register forms without a handler of their own. */
static __attribute__((noinline)) void reg_other(struct cpu *c, const struct insn *i)
{
    int esc = i->op & 7;
    if (!is_control(esc, i))
        note_insn(c, i, esc);
    esc_reg(c, i, esc);
}

#define ARITH_REG(esc, op)                                                                                   \
    static __attribute__((noinline)) void reg_arith_##esc##_##op(struct cpu *c, const struct insn *i)        \
    {                                                                                                        \
        note_insn(c, i, esc);                                                                                \
        arith_reg(c, i, esc, op);                                                                            \
    }
ARITH_REG(0, 0)
ARITH_REG(0, 1)
ARITH_REG(0, 4)
ARITH_REG(0, 5)
ARITH_REG(0, 6)
ARITH_REG(0, 7)
ARITH_REG(4, 0)
ARITH_REG(4, 1)
ARITH_REG(4, 4)
ARITH_REG(4, 5)
ARITH_REG(4, 6)
ARITH_REG(4, 7)
ARITH_REG(6, 0)
ARITH_REG(6, 1)
ARITH_REG(6, 4)
ARITH_REG(6, 5)
ARITH_REG(6, 6)
ARITH_REG(6, 7)

/* FLD ST(i) with ST(i) in use and ST(7) free; else fld_sti. */
static __attribute__((noinline)) void reg_fld(struct cpu *c, const struct insn *i)
{
    note_insn(c, i, 1);
    struct fpu *f = &c->fpu;
    unsigned sw = f->sw, tw = f->tw;
    unsigned top = (sw >> 11) & 7, ps = (top + i->rm) & 7, pn = (top - 1) & 7;
    if (((tw >> (2 * ps)) & 3) == FTAG_EMPTY || ((tw >> (2 * pn)) & 3) != FTAG_EMPTY) {
        fld_sti(c, i->rm);
        return;
    }
    struct fx80 v = f->st[ps];
    f->st[pn] = v;
    f->tw = (uint16_t)((tw & ~(3u << (2 * pn))) | (unsigned)fpu_tag_of(v) << (2 * pn));
    f->sw = (uint16_t)((sw & ~(FSW_TOP | FSW_C1)) | pn << 11);
}

/* FXCH ST(i) with both in use; else fxch. */
static __attribute__((noinline)) void reg_fxch(struct cpu *c, const struct insn *i)
{
    note_insn(c, i, 1);
    struct fpu *f = &c->fpu;
    unsigned tw = f->tw;
    unsigned top = (f->sw >> 11) & 7, pi = (top + i->rm) & 7;
    unsigned t0 = (tw >> (2 * top)) & 3, ti = (tw >> (2 * pi)) & 3;
    if (t0 == FTAG_EMPTY || ti == FTAG_EMPTY) {
        fxch(c, i->rm);
        return;
    }
    struct fx80 a = f->st[top], b = f->st[pi];
    f->st[top] = b;
    f->st[pi] = a;
    /* The tags as fpu_write_st gives them: from the values. */
    tw &= ~(3u << (2 * top)) & ~(3u << (2 * pi));
    f->tw = (uint16_t)(tw | (unsigned)fpu_tag_of(b) << (2 * top) | (unsigned)fpu_tag_of(a) << (2 * pi));
    f->sw &= ~FSW_C1;
}

/* FSTP ST(i) with ST(0) in use; else fst_sti. */
static __attribute__((noinline)) void reg_fstp(struct cpu *c, const struct insn *i)
{
    note_insn(c, i, 5);
    struct fpu *f = &c->fpu;
    unsigned sw = f->sw, tw = f->tw;
    unsigned top = (sw >> 11) & 7, pi = (top + i->rm) & 7;
    if (((tw >> (2 * top)) & 3) == FTAG_EMPTY) {
        fst_sti(c, i->rm, true);
        return;
    }
    struct fx80 v = f->st[top];
    f->st[pi] = v;
    tw = (tw & ~(3u << (2 * pi))) | (unsigned)fpu_tag_of(v) << (2 * pi);
    f->tw = (uint16_t)(tw | 3u << (2 * top));
    f->sw = (uint16_t)((sw & ~(FSW_TOP | FSW_C1)) | ((top + 1) & 7) << 11);
}

/* FCOMPP of two registers in use holding zeros or normals; else esc_reg.
 * No flag can come out, so the commit only clears C1. */
static __attribute__((noinline)) void reg_de_3(struct cpu *c, const struct insn *i)
{
    note_insn(c, i, 6);
    struct fpu *f = &c->fpu;
    unsigned sw = f->sw, tw = f->tw;
    unsigned top = (sw >> 11) & 7, p1 = (top + 1) & 7;
    int r;
    if (i->rm != 1 || ((tw >> (2 * top)) & 3) == FTAG_EMPTY || ((tw >> (2 * p1)) & 3) == FTAG_EMPTY ||
        !fx_compare_fast(f->st[top], f->st[p1], &r)) {
        esc_reg(c, i, 6);
        return;
    }
    static const uint16_t cc[3] = {FSW_C0, FSW_C3, 0}; /* less, equal, greater */
    f->sw = (uint16_t)((sw & ~(FSW_CC | FSW_TOP)) | cc[r + 1] | ((top + 2) & 7) << 11);
    f->tw = (uint16_t)(tw | 3u << (2 * top) | 3u << (2 * p1));
}

/* FNSTSW AX (a control instruction: no bookkeeping); else esc_reg. */
static __attribute__((noinline)) void reg_df_4(struct cpu *c, const struct insn *i)
{
    if (i->rm != 0) {
        note_insn(c, i, 7);
        esc_reg(c, i, 7);
        return;
    }
    CPU_R16(c, R_EAX) = c->fpu.sw;
}

/* By escape (D8-DF) and reg field; the rest is reg_other's. */
static esc_reg_fn *const reg_handlers[64] = {
    [0 << 3 | 0] = reg_arith_0_0, [0 << 3 | 1] = reg_arith_0_1, [0 << 3 | 4] = reg_arith_0_4,
    [0 << 3 | 5] = reg_arith_0_5, [0 << 3 | 6] = reg_arith_0_6, [0 << 3 | 7] = reg_arith_0_7,
    [1 << 3 | 0] = reg_fld,       [1 << 3 | 1] = reg_fxch,      [4 << 3 | 0] = reg_arith_4_0,
    [4 << 3 | 1] = reg_arith_4_1, [4 << 3 | 4] = reg_arith_4_4, [4 << 3 | 5] = reg_arith_4_5,
    [4 << 3 | 6] = reg_arith_4_6, [4 << 3 | 7] = reg_arith_4_7, [5 << 3 | 3] = reg_fstp,
    [6 << 3 | 0] = reg_arith_6_0, [6 << 3 | 1] = reg_arith_6_1, [6 << 3 | 3] = reg_de_3,
    [6 << 3 | 4] = reg_arith_6_4, [6 << 3 | 5] = reg_arith_6_5, [6 << 3 | 6] = reg_arith_6_6,
    [6 << 3 | 7] = reg_arith_6_7, [7 << 3 | 4] = reg_df_4,
};

/* The commonest memory forms: loads and stores of m32fp, m64fp, m32int,
 * and the arithmetic on m32fp, m32int, m64fp. */
static __attribute__((noinline)) void mem_fld_m32(struct cpu *c, const struct insn *i)
{
    uint32_t ea = note_mem(c, i, 1);
    fpu_fld_f32(c, cpu_read(c, i->ea_seg, ea, 4));
}
static __attribute__((noinline)) void mem_fld_m64(struct cpu *c, const struct insn *i)
{
    uint32_t ea = note_mem(c, i, 5);
    fpu_fld_f64(c, fpu_read64(c, i, ea));
}
static __attribute__((noinline)) void mem_fild_m32(struct cpu *c, const struct insn *i)
{
    uint32_t ea = note_mem(c, i, 3);
    fpu_fild(c, (int32_t)cpu_read(c, i->ea_seg, ea, 4));
}
#define MEM_STORE(name, esc, fn, size)                                                                       \
    static __attribute__((noinline)) void name(struct cpu *c, const struct insn *i)                          \
    {                                                                                                        \
        uint32_t ea = note_mem(c, i, esc);                                                                   \
        fn(c, i, ea, size, i->reg == 3);                                                                     \
    }
MEM_STORE(mem_fst_m32, 1, fpu_store_float, 4)
MEM_STORE(mem_fst_m64, 5, fpu_store_float, 8)
MEM_STORE(mem_fist_m32, 3, fpu_store_int, 32)
#define MEM_ARITH(esc)                                                                                       \
    static __attribute__((noinline)) void mem_arith_##esc(struct cpu *c, const struct insn *i)               \
    {                                                                                                        \
        uint32_t ea = note_mem(c, i, esc);                                                                   \
        esc_arith_mem(c, i, esc, ea);                                                                        \
    }
MEM_ARITH(0)
MEM_ARITH(2)
MEM_ARITH(4)

/* By escape and reg field for the memory forms; the rest is mem_other's. */
static esc_reg_fn *const mem_handlers[64] = {
    [0 << 3 | 0] = mem_arith_0,  [0 << 3 | 1] = mem_arith_0,  [0 << 3 | 2] = mem_arith_0,
    [0 << 3 | 3] = mem_arith_0,  [0 << 3 | 4] = mem_arith_0,  [0 << 3 | 5] = mem_arith_0,
    [0 << 3 | 6] = mem_arith_0,  [0 << 3 | 7] = mem_arith_0,  [2 << 3 | 0] = mem_arith_2,
    [2 << 3 | 1] = mem_arith_2,  [2 << 3 | 2] = mem_arith_2,  [2 << 3 | 3] = mem_arith_2,
    [2 << 3 | 4] = mem_arith_2,  [2 << 3 | 5] = mem_arith_2,  [2 << 3 | 6] = mem_arith_2,
    [2 << 3 | 7] = mem_arith_2,  [4 << 3 | 0] = mem_arith_4,  [4 << 3 | 1] = mem_arith_4,
    [4 << 3 | 2] = mem_arith_4,  [4 << 3 | 3] = mem_arith_4,  [4 << 3 | 4] = mem_arith_4,
    [4 << 3 | 5] = mem_arith_4,  [4 << 3 | 6] = mem_arith_4,  [4 << 3 | 7] = mem_arith_4,
    [1 << 3 | 0] = mem_fld_m32,  [1 << 3 | 2] = mem_fst_m32,  [1 << 3 | 3] = mem_fst_m32,
    [3 << 3 | 0] = mem_fild_m32, [3 << 3 | 2] = mem_fist_m32, [3 << 3 | 3] = mem_fist_m32,
    [5 << 3 | 0] = mem_fld_m64,  [5 << 3 | 2] = mem_fst_m64,  [5 << 3 | 3] = mem_fst_m64,
};

static inline esc_reg_fn *esc_handler(const struct insn *i)
{
    unsigned k = (i->op & 7u) << 3 | i->reg;
    esc_reg_fn *fn = i->mod == 3 ? reg_handlers[k] : mem_handlers[k];
    return fn ? fn : i->mod == 3 ? reg_other : mem_other;
}

/* The entry when something is unusual: no FPU, CR0.EM or TS set, an
 * exception pending. */
static __attribute__((noinline)) void esc_slow(struct cpu *c, const struct insn *i)
{
    int esc = i->op & 7;
    if (!fpu_present(c)) {
        esc_absent(c);
        return;
    }
    /* SDM 3A §2.5 (CR0.EM, CR0.TS): any ESC raises #NM. */
    if (c->cr[0] & (CR0_EM | CR0_TS))
        cpu_exception(c, EXC_NM, EXC_NO_ERR);
    if (!is_nowait(esc, i) && !fpu_check_pending(c))
        return;
    esc_handler(i)(c, i);
}

void op_esc(struct cpu *c, const struct insn *i)
{
    /* The common case in one test: an FPU (fpu_present), CR0.EM and TS
     * clear, no exception pending. */
    if (UNLIKELY(c->model < CPU_486 || (c->cr[0] & (CR0_EM | CR0_TS)) || (c->fpu.sw & FSW_ES))) {
        esc_slow(c, i);
        return;
    }
    esc_handler(i)(c, i);
}

op_fn fpu_jit_handler(const struct insn *i, enum cpu_model model)
{
    if (model < CPU_486 || i->info->fn != op_esc)
        return NULL;
    return esc_handler(i);
}

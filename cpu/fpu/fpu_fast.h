/* The x87 arithmetic's fast paths, inline for the instruction handlers and
 * tried first by the general functions in fpu_soft.c: normal operands and a
 * result inside the normal exponent range, where only PE and the round-up
 * flag can come out. Everything else takes the general path. */
#ifndef REX86_FPU_FAST_H
#define REX86_FPU_FAST_H

#include "cpu/fpu/fpu_priv.h"

/* The handlers' hot paths are only fast when all of this is inlined. */
#define FX_INLINE static inline __attribute__((always_inline))

/* Normal: biased exponent 1..7FFEh and the integer bit set (SDM 1 §8.2.2). */
FX_INLINE bool fx_is_normal(struct fx80 a)
{
    return (uint16_t)((a.se & 0x7FFF) - 1) < 0x7FFE && (a.sig >> 63);
}

FX_INLINE bool fx_is_zero(struct fx80 a)
{
    return !(a.se & 0x7FFF) && !a.sig;
}

/* The biased exponents a fast result may have before rounding: one more
 * from a round-up still leaves it below 7FFFh, and at 1 or more it is
 * neither tiny nor denormal (SDM 1 §4.9.1.4, §4.9.1.5). */
FX_INLINE bool fx_fast_exp_ok(int32_t e)
{
    return e >= 1 && e <= FX_EMAX - 2;
}

/* Round the normalised significand hi:lo (bit 63 of hi set) to x->prec
 * bits by x->rc, for a biased exponent that fx_fast_exp_ok accepts. The
 * same rounding as round_core's normal case, on 64-bit words. The sign is
 * the bit of se (8000h or 0), a word: a bool here was spilled as a byte and
 * reloaded as a word, a store-forwarding stall on every operation. */
FX_INLINE struct fx80 fx_round_fast(struct fx_ctx *x, unsigned sign, int32_t e, uint64_t hi, uint64_t lo)
{
    uint64_t unit = 1ull << (64 - x->prec);
    uint64_t kept = hi & ~(unit - 1);
    /* The bits below the kept ones, the round bit at 63; for PC 24 and 53
     * the low word only matters as sticky. */
    uint64_t rest = x->prec == 64 ? lo : (hi << x->prec) | (lo != 0);
    bool inc = false;
    if (rest) {
        x->flags |= FSW_PE;
        switch (x->rc) {
        case RC_NEAR: inc = rest > (1ull << 63) || (rest == (1ull << 63) && (kept & unit)); break;
        case RC_DOWN: inc = sign; break;
        case RC_UP: inc = !sign; break;
        default: break;
        }
        if (inc) {
            kept += unit;
            if (!kept) {
                kept = 1ull << 63;
                e++;
            }
        }
    }
    x->up = inc;
    struct fx80 r = {kept, (uint16_t)(sign | (unsigned)e)};
    return r;
}

/* A sum with a zero operand and the other zero or normal: the other one
 * rounded to the precision, or the zero fx_add gives (SDM 1 §4.8.3.1). */
FX_INLINE bool fx_add_zero(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool sa, bool sb, struct fx80 *r)
{
    bool za = fx_is_zero(a), zb = fx_is_zero(b);
    if ((!za && !fx_is_normal(a)) || (!zb && !fx_is_normal(b)))
        return false;
    if (za && zb) {
        *r = fx_make(sa == sb ? sa : x->rc == RC_DOWN, 0, 0);
        return true;
    }
    struct fx80 v = za ? b : a;
    if (!fx_fast_exp_ok(fx_exp(v)))
        return false;
    *r = fx_round_fast(x, za ? (sb ? 0x8000u : 0) : (sa ? 0x8000u : 0), fx_exp(v), v.sig, 0);
    return true;
}

/* a + b (a - b when sub). Returns false, x untouched, for the general path. */
FX_INLINE bool fx_add_fast(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool sub, struct fx80 *r)
{
    if (!fx_is_normal(a) || !fx_is_normal(b))
        return fx_add_zero(x, a, b, fx_sign(a), fx_sign(b) ^ sub, r);
    unsigned sa = a.se & 0x8000u, sb = (b.se ^ (sub ? 0x8000u : 0)) & 0x8000u;
    int32_t ea = fx_exp(a), eb = fx_exp(b);
    uint64_t ma = a.sig, mb = b.sig;
    if (eb > ea || (eb == ea && mb > ma)) {
        unsigned ts = sa;
        int32_t te = ea;
        uint64_t tm = ma;
        sa = sb, ea = eb, ma = mb;
        sb = ts, eb = te, mb = tm;
    }
    /* The smaller magnitude aligned below the larger one's integer bit in
     * bh:bl, the bits shifted out of bl sticky in its bit 0: 64 guard bits
     * keep the rounding exact. */
    uint32_t d = (uint32_t)(ea - eb);
    uint64_t bh, bl;
    if (d == 0) {
        bh = mb, bl = 0;
    } else if (d < 64) {
        bh = mb >> d, bl = mb << (64 - d);
    } else if (d < 128) {
        uint32_t n = d - 64;
        bh = 0, bl = (mb >> n) | ((mb & ((1ull << n) - 1)) != 0);
    } else {
        bh = 0, bl = 1;
    }
    uint64_t hi, lo;
    int32_t e = ea;
    if (sa == sb) {
        hi = ma + bh, lo = bl;
        if (hi < ma) { /* carry out: one place right, the lost bit sticky */
            lo = (lo >> 1) | (lo & 1) | (hi << 63);
            hi = (hi >> 1) | (1ull << 63);
            e++;
        }
    } else {
        lo = 0 - bl;
        hi = ma - bh - (bl != 0);
        if (!(hi >> 63)) {
            if (!hi) {
                if (lo)
                    return false; /* d == 1 with nearly everything cancelled */
                *r = fx_make(x->rc == RC_DOWN, 0, 0);
                return true;
            }
            /* Normalise: a shift of two or more only happens for d <= 1,
             * where bl is exact. */
            int sh = __builtin_clzll(hi);
            hi = (hi << sh) | (lo >> (64 - sh));
            lo <<= sh;
            e -= sh;
        }
    }
    if (!fx_fast_exp_ok(e))
        return false;
    *r = fx_round_fast(x, sa, e, hi, lo);
    return true;
}

/* A product or quotient with a zero dividend, the other operand zero
 * (not a divisor) or normal: the signed zero, nothing raised. */
FX_INLINE bool fx_zero_result(struct fx80 a, struct fx80 b, bool div, struct fx80 *r)
{
    bool za = fx_is_zero(a), zb = fx_is_zero(b);
    if (!(za && (fx_is_normal(b) || (zb && !div))) && !(zb && !div && fx_is_normal(a)))
        return false;
    *r = fx_make(fx_sign(a) ^ fx_sign(b), 0, 0);
    return true;
}

FX_INLINE bool fx_mul_fast(struct fx_ctx *x, struct fx80 a, struct fx80 b, struct fx80 *r)
{
    if (!fx_is_normal(a) || !fx_is_normal(b))
        return fx_zero_result(a, b, false, r);
    u128 p = (u128)a.sig * b.sig; /* bit 127 or 126 set */
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    int32_t e = fx_exp(a) + fx_exp(b) - FX_BIAS + 1;
    if (!(hi >> 63)) {
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        e--;
    }
    if (!fx_fast_exp_ok(e))
        return false;
    *r = fx_round_fast(x, (a.se ^ b.se) & 0x8000u, e, hi, lo);
    return true;
}

FX_INLINE bool fx_div_fast(struct fx_ctx *x, struct fx80 a, struct fx80 b, struct fx80 *r)
{
    if (!fx_is_normal(a) || !fx_is_normal(b))
        return fx_zero_result(a, b, true, r);
    int32_t e = fx_exp(a) - fx_exp(b) + FX_BIAS;
    u128 n;
    if (a.sig >= b.sig) {
        n = (u128)a.sig << 63;
    } else {
        n = (u128)a.sig << 64;
        e--;
    }
    if (!fx_fast_exp_ok(e))
        return false;
    /* As fx_div: two 64-bit quotient digits and a sticky remainder; the
     * quotient has bit 127 set. */
    uint64_t q1 = (uint64_t)(n / b.sig);
    u128 n2 = (n % b.sig) << 64;
    uint64_t q2 = (uint64_t)(n2 / b.sig);
    q2 |= (n2 % b.sig) != 0;
    *r = fx_round_fast(x, (a.se ^ b.se) & 0x8000u, e, q1, q2);
    return true;
}

/* Compare of zeros and normals, which raise nothing: -1, 0 or 1. */
FX_INLINE bool fx_compare_fast(struct fx80 a, struct fx80 b, int *res)
{
    bool za = !(a.se & 0x7FFF) && !a.sig, zb = !(b.se & 0x7FFF) && !b.sig;
    if ((!za && !fx_is_normal(a)) || (!zb && !fx_is_normal(b)))
        return false;
    if (za && zb) {
        *res = 0;
        return true;
    }
    bool sa = fx_sign(a), sb = fx_sign(b);
    if (sa != sb) {
        *res = sa ? -1 : 1;
        return true;
    }
    /* Same sign: the magnitudes order as (exponent, significand), a zero's
     * being all zero. */
    u128 ma = (u128)(a.se & 0x7FFF) << 64 | a.sig, mb = (u128)(b.se & 0x7FFF) << 64 | b.sig;
    int m = ma > mb ? 1 : ma < mb ? -1 : 0;
    *res = sa ? -m : m;
    return true;
}

/* Memory formats in: a normal single or double is exact and raises
 * nothing. */
FX_INLINE bool fx_from_f32_fast(uint32_t v, struct fx80 *r)
{
    uint32_t e = (v >> 23) & 0xFF;
    if (e == 0 || e == 0xFF)
        return false;
    *r = fx_make(v >> 31, (int)e - 127 + FX_BIAS, (uint64_t)(v & 0x7FFFFF) << 40 | 1ull << 63);
    return true;
}

FX_INLINE bool fx_from_f64_fast(uint64_t v, struct fx80 *r)
{
    uint32_t e = (uint32_t)(v >> 52) & 0x7FF;
    if (e == 0 || e == 0x7FF)
        return false;
    *r = fx_make(v >> 63, (int)e - 1023 + FX_BIAS, (v & ((1ull << 52) - 1)) << 11 | 1ull << 63);
    return true;
}

/* The quick paths of the register arithmetic: operands normal or zero, RC
 * nearest, PC 64 or 53, every exception masked. The operation leaves its
 * exact result normalised in hi:lo (bit 63 of hi set, the low bit sticky)
 * with the biased exponent before rounding, or an exact zero (zero set,
 * the sign that RC nearest gives), or returns false (an exponent outside
 * fx_fast_exp_ok, a zero divisor) for the general path. Straight code on
 * purpose: the operands' order, the alignment, the carry and the
 * normalisation are selects, not branches. */
struct fx_quick {
    uint64_t hi, lo;
    int32_t e;
    unsigned sign; /* 8000h or 0 */
    bool zero;
};

/* Normal (biased exponent 1..7FFEh, integer bit set) or zero. */
FX_INLINE bool fx_normal_or_zero(struct fx80 a)
{
    unsigned e = a.se & 0x7FFFu;
    return ((e - 1 < 0x7FFE) & ((int64_t)a.sig < 0)) | !(e | a.sig);
}

/* Both normal, in one test: with the two biased exponents side by side in
 * 16-bit fields, adding 1 to each carries into its bit 15 only from 7FFFh,
 * subtracting 1 borrows into it only from 0 (a borrow into the upper field
 * is then beside the point); and both integer bits set. */
FX_INLINE bool fx_both_normal(struct fx80 a, struct fx80 b)
{
    uint32_t x = (a.se & 0x7FFFu) | (uint32_t)(b.se & 0x7FFFu) << 16;
    return !(((x + 0x10001u) | (x - 0x10001u)) & 0x80008000u) & ((int64_t)(a.sig & b.sig) < 0);
}

/* a + b, b's sign flipped first when sub. A zero operand is a magnitude
 * below every normal one (exponent and significand zero), so it takes the
 * same way; the sum of equal magnitudes of opposite signs is +0, of two
 * zeros of one sign that zero (SDM 1 §4.8.3.1, RC nearest). */
FX_INLINE bool fx_quick_add(struct fx80 a, struct fx80 b, bool sub, struct fx_quick *q)
{
    unsigned sea = a.se, seb = b.se ^ (sub ? 0x8000u : 0);
    u128 ka = (u128)(sea & 0x7FFF) << 64 | a.sig, kb = (u128)(seb & 0x7FFF) << 64 | b.sig;
    bool swap = kb > ka;
    uint64_t ma = swap ? b.sig : a.sig, mb = swap ? a.sig : b.sig;
    unsigned sl = swap ? seb : sea, ss = swap ? sea : seb;
    int32_t e = (int32_t)(sl & 0x7FFF);
    uint32_t d = (uint32_t)(e - (int32_t)(ss & 0x7FFF));
    /* The smaller one aligned below the larger one's integer bit in bh:bl;
     * what falls off (only for d > 64) sticky in bit 0 of bl. */
    uint64_t bh, bl;
    if (__builtin_expect(d < 64, 1)) {
        bh = mb >> d;
        bl = (mb << (63 - d)) << 1;
    } else {
        bh = 0;
        bl = d < 128 ? (mb >> (d - 64)) | ((mb << ((128 - d) & 63)) != 0 && d > 64) : mb != 0;
    }
    q->sign = sl & 0x8000u;
    q->zero = false;
    uint64_t hi, lo;
    if (!((sl ^ ss) & 0x8000)) {
        lo = bl;
        if (__builtin_add_overflow(ma, bh, &hi)) { /* one place right, the lost bit sticky */
            lo = (lo >> 1) | (lo & 1) | (hi << 63);
            hi = (hi >> 1) | (1ull << 63);
            e++;
        }
        if (!hi) { /* two zeros */
            q->zero = true;
            return true;
        }
    } else {
        lo = 0 - bl;
        hi = ma - bh - (bl != 0);
        if (!(hi >> 63)) {
            /* Normalise: more than one place only for d <= 1, where
             * nothing was lost. */
            if (!hi) {
                if (!lo) { /* equal magnitudes: +0 */
                    q->zero = true;
                    q->sign = 0;
                    return true;
                }
                hi = lo, lo = 0, e -= 64;
            }
            int sh = __builtin_clzll(hi);
            if (sh) {
                hi = (hi << sh) | (lo >> (64 - sh));
                lo <<= sh;
                e -= sh;
            }
        }
    }
    q->hi = hi, q->lo = lo, q->e = e;
    return fx_fast_exp_ok(e);
}

FX_INLINE bool fx_quick_mul(struct fx80 a, struct fx80 b, struct fx_quick *q)
{
    u128 p = (u128)a.sig * b.sig; /* bit 127 or 126 set, or zero */
    q->sign = (a.se ^ b.se) & 0x8000u;
    q->zero = !p;
    if (!p)
        return true;
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    unsigned sh = (unsigned)(~hi >> 63); /* one place left when bit 126 leads */
    q->hi = (hi << sh) | ((lo >> 63) & sh);
    q->lo = lo << sh;
    q->e = (int32_t)(a.se & 0x7FFF) + (int32_t)(b.se & 0x7FFF) - FX_BIAS + 1 - (int32_t)sh;
    return fx_fast_exp_ok(q->e);
}

FX_INLINE bool fx_quick_div(struct fx80 a, struct fx80 b, struct fx_quick *q)
{
    q->sign = (a.se ^ b.se) & 0x8000u;
    q->zero = !a.sig;
    if (!b.sig)
        return false;
    if (!a.sig)
        return true;
    unsigned sh = a.sig < b.sig;
    q->e = (int32_t)(a.se & 0x7FFF) - (int32_t)(b.se & 0x7FFF) + FX_BIAS - (int32_t)sh;
    if (!fx_fast_exp_ok(q->e))
        return false;
    /* Two 64-bit quotient digits and a sticky remainder, as fx_div. */
    u128 n = (u128)a.sig << (63 + sh);
    q->hi = (uint64_t)(n / b.sig);
    u128 n2 = (n % b.sig) << 64;
    q->lo = (uint64_t)(n2 / b.sig) | ((n2 % b.sig) != 0);
    return true;
}

/* Round q to nearest-even at 64 bits (prec64) or 53: the result's sign and
 * exponent word in *se, its significand returned; *pe when inexact, *up
 * when rounded up. Same rounding as fx_round_fast's RC_NEAR. */
FX_INLINE uint64_t fx_quick_round(const struct fx_quick *q, bool prec64, uint16_t *se, bool *pe, bool *up)
{
    unsigned s = prec64 ? 0 : 11;
    uint64_t unit = 1ull << s;
    uint64_t kept = q->hi & ~(unit - 1);
    /* The bits below the kept ones, the round bit at 63, the rest sticky
     * in bit 0. */
    uint64_t rest = prec64 ? q->lo : (q->hi << 53) | (q->lo != 0);
    /* Nearest-even: up when rest + 7FFF...F + (kept's last bit) carries. */
    uint64_t t;
    bool inc = __builtin_add_overflow(rest, 0x7FFFFFFFFFFFFFFFull + ((kept >> s) & 1), &t);
    uint64_t r = kept + (inc ? unit : 0);
    int32_t e = q->e;
    if (__builtin_expect(inc && !r, 0)) { /* 1.0 at the next exponent */
        r = 1ull << 63;
        e++;
    }
    *se = (uint16_t)(q->sign | (unsigned)e);
    *pe = rest != 0;
    *up = inc;
    return r;
}

#endif

/* Software 80-bit arithmetic for the x87: operand classes, rounding with
 * precision control and the masked/unmasked overflow and underflow
 * responses, and the basic operations add, multiply, divide, square root. */
#include "cpu/fpu/fpu_fast.h"

const struct fx80 fx_indefinite = {0xC000000000000000ull, 0xFFFF};

enum fx_class fx_classify(struct fx80 a)
{
    int e = fx_exp(a);
    if (e == 0)
        return a.sig ? FXC_DENORMAL : FXC_ZERO;
    if (!(a.sig >> 63))
        return FXC_UNSUPPORTED; /* unnormal, pseudo-NaN, pseudo-infinity */
    if (e == FX_EMAX) {
        if ((a.sig << 1) == 0)
            return FXC_INF;
        return (a.sig >> 62) & 1 ? FXC_QNAN : FXC_SNAN;
    }
    return FXC_NORMAL;
}

bool fx_is_nan(struct fx80 a)
{
    enum fx_class k = fx_classify(a);
    return k == FXC_QNAN || k == FXC_SNAN;
}

enum fx_class fx_check(struct fx_ctx *x, struct fx80 a)
{
    enum fx_class k = fx_classify(a);
    if (k == FXC_UNSUPPORTED || k == FXC_SNAN)
        x->flags |= FSW_IE;
    return k;
}

/* DE is reported only once the operation really computes with the
 * operands: NaNs, invalid operations, infinities and zero divisors decide
 * the result first (what the P6 does). */
void fx_flag_de(struct fx_ctx *x, enum fx_class a, enum fx_class b)
{
    if (a == FXC_DENORMAL || b == FXC_DENORMAL)
        x->flags |= FSW_DE;
}

static bool is_nanish(enum fx_class k)
{
    return k == FXC_QNAN || k == FXC_SNAN || k == FXC_UNSUPPORTED;
}

bool fx_de_applies(int kind, enum fx_class a, enum fx_class b)
{
    if (is_nanish(a) || is_nanish(b))
        return false;
    if (kind == FX_DE_DIV && b == FXC_ZERO)
        return false; /* a zero divisor decides (ZE or IE) first */
    return a == FXC_DENORMAL || b == FXC_DENORMAL;
}

struct fx_unp fx_unpack(struct fx80 a)
{
    struct fx_unp u = {fx_sign(a), fx_exp(a), a.sig};
    if (u.exp == 0) {
        /* Denormals and pseudo-denormals both scale as exponent 1. */
        int sh = clz64(a.sig);
        u.sig <<= sh;
        u.exp = 1 - sh;
    }
    return u;
}

struct fx80 fx_invalid(struct fx_ctx *x)
{
    x->flags |= FSW_IE;
    return fx_indefinite;
}

/* SDM 1 table 4-7: an SNaN is quieted (IE); of two NaNs a QNaN wins over an
 * SNaN, otherwise the larger significand. */
struct fx80 fx_propagate_nan(struct fx_ctx *x, struct fx80 a, struct fx80 b)
{
    bool an = fx_is_nan(a), bn = fx_is_nan(b);
    bool as = an && !((a.sig >> 62) & 1), bs = bn && !((b.sig >> 62) & 1);
    if (as || bs)
        x->flags |= FSW_IE;
    struct fx80 r;
    if (an && bn) {
        if (as != bs)
            r = as ? b : a;
        else {
            uint64_t ma = a.sig | (1ull << 62), mb = b.sig | (1ull << 62);
            r = ma > mb ? a : mb > ma ? b : (fx_sign(a) ? b : a);
        }
    } else {
        r = an ? a : b;
    }
    r.sig |= 1ull << 62;
    return r;
}

static bool round_inc(int rc, bool sign, u128 rest, u128 half, bool lsb)
{
    if (!rest)
        return false;
    switch (rc) {
    case RC_NEAR: return rest > half || (rest == half && lsb);
    case RC_DOWN: return sign;
    case RC_UP: return !sign;
    default: return false;
    }
}

/* The rounding shared by every format. *pe: biased exponent in the target
 * format on entry and exit; returns the significand with the integer bit at
 * 63 (clear for denormals). `adjust` is the unmasked-exception bias
 * adjustment (register format) or 0, when an unmasked OE/UE only flags. */
static uint64_t round_core(struct fx_ctx *x, bool sign, int32_t *pe, u128 sig, int prec, int32_t emaxf,
                           int32_t adjust)
{
    int sh = 128 - prec;
    u128 lowmask = ((u128)1 << sh) - 1;
    u128 half = (u128)1 << (sh - 1);
    int32_t e = *pe;
    x->up = false;
    if (e < 1) {
        /* x87 detects tininess after rounding (SDM 1 §4.9.1.5). */
        u128 rest = sig & lowmask;
        bool inc = round_inc(x->rc, sign, rest, half, (sig >> sh) & 1);
        bool tiny = e < 0 || !(inc && (sig | lowmask) == ~(u128)0);
        if (tiny && !(x->mask & FSW_UE)) {
            x->flags |= FSW_UE;
            if (!adjust) {
                *pe = 0;
                return 0;
            }
            e += adjust;
            if (e >= 1)
                goto normal;
            /* Still below the range after the bias adjustment (FSCALE by a
             * huge negative power): a zero with PE whatever the rounding
             * mode, as the host CPU gives. */
            x->flags |= FSW_PE;
            *pe = 0;
            return 0;
        }
        sig = shr_jam(sig, 1 - e);
        e = 0;
        rest = sig & lowmask;
        inc = round_inc(x->rc, sign, rest, half, (sig >> sh) & 1);
        if (rest)
            x->flags |= FSW_PE | (tiny ? FSW_UE : 0);
        sig &= ~lowmask;
        if (inc)
            sig += (u128)1 << sh;
        if (sig >> 127)
            e = 1;
        x->up = inc;
        *pe = e;
        return (uint64_t)(sig >> 64);
    }
normal:;
    u128 rest = sig & lowmask;
    bool inc = round_inc(x->rc, sign, rest, half, (sig >> sh) & 1);
    sig &= ~lowmask;
    if (inc) {
        sig += (u128)1 << sh;
        if (sig == 0) {
            sig = (u128)1 << 127;
            e++;
        }
    }
    if (e >= emaxf && !(x->mask & FSW_OE) && !adjust) {
        /* A memory destination takes nothing: only OE (SDM 1 §4.9.1.4). */
        x->flags |= FSW_OE;
        x->up = false;
        *pe = emaxf;
        return 0;
    }
    if (rest)
        x->flags |= FSW_PE;
    x->up = inc;
    if (e >= emaxf) {
        if (!(x->mask & FSW_OE)) {
            x->flags |= FSW_OE;
            e -= adjust;
            if (e < emaxf) {
                *pe = e;
                return (uint64_t)(sig >> 64);
            }
            /* Still too large after the adjustment (FSCALE by a huge power):
             * infinity whatever the rounding mode, as the host CPU gives. */
            x->flags |= FSW_PE;
            x->up = true;
            *pe = emaxf;
            return 1ull << 63;
        }
        x->flags |= FSW_OE | FSW_PE;
        bool to_inf = x->rc == RC_NEAR || (x->rc == RC_UP && !sign) || (x->rc == RC_DOWN && sign);
        x->up = to_inf;
        if (to_inf) {
            *pe = emaxf;
            return 1ull << 63;
        }
        *pe = emaxf - 1;
        return ~0ull << (64 - prec);
    }
    *pe = e;
    return (uint64_t)(sig >> 64);
}

struct fx80 fx_round_pack(struct fx_ctx *x, bool sign, int32_t exp, u128 sig, int prec)
{
    int32_t e = exp;
    uint64_t s = round_core(x, sign, &e, sig, prec, FX_EMAX, FX_ADJUST);
    return fx_make(sign, e, s);
}

uint64_t fx_round_mem(struct fx_ctx *x, bool sign, int32_t exp, u128 sig, int ebits)
{
    int32_t emaxf = (1 << ebits) - 1, bias = emaxf >> 1;
    int prec = ebits == 8 ? 24 : 53;
    int32_t e = exp - FX_BIAS + bias;
    uint64_t s = round_core(x, sign, &e, sig, prec, emaxf, 0);
    int fbits = prec - 1;
    uint64_t frac = (s >> (64 - prec)) & ((1ull << fbits) - 1);
    if (e >= emaxf)
        frac = 0;
    return (uint64_t)sign << (ebits + fbits) | (uint64_t)e << fbits | frac;
}

/* Normalise a nonzero 128-bit significand whose value is
 * sig * 2^(exp - 16383 - 127), then round. */
static struct fx80 norm_round(struct fx_ctx *x, bool sign, int32_t exp, u128 sig, int prec)
{
    int sh = clz128(sig);
    return fx_round_pack(x, sign, exp - sh, sig << sh, prec);
}

static struct fx80 fx_inf(bool sign)
{
    return fx_make(sign, FX_EMAX, 1ull << 63);
}

/* Two operands checked for the invalid/NaN cases shared by all the dyadic
 * operations. Returns true with *r set when the result is decided. */
static bool dyadic_special(struct fx_ctx *x, int kind, struct fx80 a, struct fx80 b, enum fx_class *ca,
                           enum fx_class *cb, struct fx80 *r)
{
    *ca = fx_check(x, a);
    *cb = fx_check(x, b);
    if (fx_de_applies(kind, *ca, *cb))
        x->flags |= FSW_DE;
    if (*ca == FXC_UNSUPPORTED || *cb == FXC_UNSUPPORTED) {
        *r = fx_invalid(x);
        return true;
    }
    if (*ca == FXC_QNAN || *ca == FXC_SNAN || *cb == FXC_QNAN || *cb == FXC_SNAN) {
        *r = fx_propagate_nan(x, a, b);
        return true;
    }
    return false;
}

struct fx80 fx_add(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool sub)
{
    enum fx_class ca, cb;
    struct fx80 r;
    if (fx_add_fast(x, a, b, sub, &r))
        return r;
    if (dyadic_special(x, FX_DE_ADD, a, b, &ca, &cb, &r))
        return r;
    bool sa = fx_sign(a), sb = fx_sign(b) ^ sub;
    if (ca == FXC_INF || cb == FXC_INF) {
        if (ca == FXC_INF && cb == FXC_INF && sa != sb)
            return fx_invalid(x);
        return fx_inf(ca == FXC_INF ? sa : sb);
    }
    if (ca == FXC_ZERO && cb == FXC_ZERO)
        return fx_make(sa == sb ? sa : x->rc == RC_DOWN, 0, 0);
    if (ca == FXC_ZERO || cb == FXC_ZERO) {
        struct fx_unp u = fx_unpack(ca == FXC_ZERO ? b : a);
        return fx_round_pack(x, ca == FXC_ZERO ? sb : sa, u.exp, (u128)u.sig << 64, x->prec);
    }
    struct fx_unp ua = fx_unpack(a), ub = fx_unpack(b);
    ub.sign = sb;
    if (ub.exp > ua.exp || (ub.exp == ua.exp && ub.sig > ua.sig)) {
        struct fx_unp t = ua;
        ua = ub;
        ub = t;
    }
    /* Significands at bits 63..126 leave room for the carry; the smaller
     * operand is shifted with its lost bits kept sticky, which rounds
     * exactly because dozens of guard bits remain. */
    u128 A = (u128)ua.sig << 63;
    u128 B = shr_jam((u128)ub.sig << 63, ua.exp - ub.exp);
    u128 S;
    if (ua.sign == ub.sign) {
        S = A + B;
    } else {
        S = A - B;
        if (S == 0)
            return fx_make(x->rc == RC_DOWN, 0, 0);
    }
    return norm_round(x, ua.sign, ua.exp + 1, S, x->prec);
}

struct fx80 fx_mul(struct fx_ctx *x, struct fx80 a, struct fx80 b)
{
    enum fx_class ca, cb;
    struct fx80 r;
    if (fx_mul_fast(x, a, b, &r))
        return r;
    if (dyadic_special(x, FX_DE_MUL, a, b, &ca, &cb, &r))
        return r;
    bool s = fx_sign(a) ^ fx_sign(b);
    if (ca == FXC_INF || cb == FXC_INF) {
        if (ca == FXC_ZERO || cb == FXC_ZERO)
            return fx_invalid(x);
        return fx_inf(s);
    }
    if (ca == FXC_ZERO || cb == FXC_ZERO)
        return fx_make(s, 0, 0);
    struct fx_unp ua = fx_unpack(a), ub = fx_unpack(b);
    u128 p = (u128)ua.sig * ub.sig;
    return norm_round(x, s, ua.exp + ub.exp - FX_BIAS + 1, p, x->prec);
}

struct fx80 fx_div(struct fx_ctx *x, struct fx80 a, struct fx80 b)
{
    enum fx_class ca, cb;
    struct fx80 r;
    if (fx_div_fast(x, a, b, &r))
        return r;
    if (dyadic_special(x, FX_DE_DIV, a, b, &ca, &cb, &r))
        return r;
    bool s = fx_sign(a) ^ fx_sign(b);
    if (ca == FXC_INF)
        return cb == FXC_INF ? fx_invalid(x) : fx_inf(s);
    if (cb == FXC_INF)
        return fx_make(s, 0, 0);
    if (cb == FXC_ZERO) {
        if (ca == FXC_ZERO)
            return fx_invalid(x);
        x->flags |= FSW_ZE;
        return fx_inf(s);
    }
    if (ca == FXC_ZERO)
        return fx_make(s, 0, 0);
    struct fx_unp ua = fx_unpack(a), ub = fx_unpack(b);
    int32_t exp = ua.exp - ub.exp + FX_BIAS;
    u128 n;
    if (ua.sig >= ub.sig) {
        n = (u128)ua.sig << 63;
    } else {
        n = (u128)ua.sig << 64;
        exp--;
    }
    /* Two 64-bit quotient digits and a sticky remainder: 128 bits. */
    uint64_t q1 = (uint64_t)(n / ub.sig);
    u128 rem = n % ub.sig;
    u128 n2 = rem << 64;
    uint64_t q2 = (uint64_t)(n2 / ub.sig);
    bool sticky = (n2 % ub.sig) != 0;
    u128 q = ((u128)q1 << 64) | q2 | sticky;
    return norm_round(x, s, exp, q, x->prec);
}

/* floor(sqrt(X)) and the remainder for X in [2^62, 2^64): Newton's
 * iteration t = (s + X/s) / 2 from an overestimate decreases to the
 * integer root and stops there (t >= s). The table's overestimates, from
 * the top six bits (16-63), are within 1/32, so three steps and the one
 * that finds no change suffice. */
static uint32_t isqrt64(uint64_t X, uint64_t *rem)
{
    static const uint64_t est[48] = {
        0x83F07B36, 0x87C3B667, 0x8B7C19A4, 0x8F1BBCDD, 0x92A475C9, 0x9617E2CB, 0x997773AC, 0x9CC470A1,
        0xA0000000, 0xA32B2AF9, 0xA646E173, 0xA953FD4F, 0xAC534526, 0xAF456E92, 0xB22B202C, 0xB504F334,
        0xB7D3750C, 0xBA97286E, 0xBD50868D, 0xC0000000, 0xC2A5FD9C, 0xC542E128, 0xC7D7060B, 0xCA62C1D7,
        0xCCE664CD, 0xCF623A52, 0xD1D68951, 0xD44394A0, 0xD6A99B4C, 0xD908D8E4, 0xDB6185C2, 0xDDB3D743,
        0xE0000000, 0xE2463001, 0xE48694EA, 0xE6C15A24, 0xE8F6A904, 0xEB26A8F1, 0xED517F7E, 0xEF77508C,
        0xF1983E63, 0xF3B469CD, 0xF5CBF22B, 0xF7DEF58B, 0xF9ED90BB, 0xFBF7DF5D, 0xFDFDFBF6, 0x100000000,
    }; /* est[i] > sqrt(X) for X < (i + 17) << 58 */
    uint64_t s = est[(X >> 58) - 16];
    for (;;) {
        uint64_t t = (s + X / s) >> 1;
        if (t >= s)
            break;
        s = t;
    }
    *rem = X - s * s;
    return (uint32_t)s;
}

/* The square root of M = hi:lo in [2^126, 2^128), to 64 bits and a round
 * and sticky word, as fx_round_fast takes them. The root of the top word
 * extends to the whole by one division step (Zimmermann's Karatsuba
 * square root, with 32-bit digits: s = s1 * 2^32 + q, at most one too
 * big); then rem = M - s^2 is in [0, 2s], and the root's fraction is
 * above one half exactly when rem > s (it is never exactly one half). */
static uint64_t sqrt128(uint64_t hi, uint64_t lo, uint64_t *round)
{
    uint64_t r1;
    uint64_t s1 = isqrt64(hi, &r1); /* r1 <= 2 * s1 < 2^33 */
    u128 n = (u128)r1 << 32 | (lo >> 32);
    uint64_t d = 2 * s1, q, u;
    if (!(n >> 64)) {
        q = (uint64_t)n / d;
        u = (uint64_t)n % d;
    } else {
        q = (uint64_t)(n / d);
        u = (uint64_t)(n % d);
    }
    u128 s = ((u128)s1 << 32) + q;
    u128 a = (u128)u << 32 | (uint32_t)lo, qq = (u128)q * q;
    u128 rem;
    if (a >= qq) {
        rem = a - qq;
    } else {
        rem = a + 2 * s - 1 - qq;
        s--;
    }
    *round = rem > s ? (1ull << 63) | 1 : rem != 0;
    return (uint64_t)s;
}

struct fx80 fx_sqrt(struct fx_ctx *x, struct fx80 a)
{
    enum fx_class ca = fx_check(x, a);
    if (ca == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (ca == FXC_QNAN || ca == FXC_SNAN)
        return fx_propagate_nan(x, a, a);
    if (ca == FXC_ZERO)
        return a;
    if (fx_sign(a))
        return fx_invalid(x);
    if (ca == FXC_INF)
        return a;
    fx_flag_de(x, ca, ca);
    struct fx_unp u = fx_unpack(a);
    /* value = sig * 2^E with E = exp - 16383 - 63; M = sig * 2^64 when E
     * is even, sig * 2^63 when odd, and the root is sqrt(M) * 2^((E - 64) / 2)
     * or 2^((E - 63) / 2): a 64-bit root with its integer bit at 63, its
     * exponent always well inside the normal range. */
    int32_t E = u.exp - FX_BIAS - 63;
    bool odd = E & 1;
    uint64_t hi = odd ? u.sig >> 1 : u.sig, lo = odd ? u.sig << 63 : 0, round;
    uint64_t root = sqrt128(hi, lo, &round);
    int32_t exp = (E - (odd ? 63 : 64)) / 2 + 63 + FX_BIAS;
    return fx_round_fast(x, 0, exp, root, round);
}

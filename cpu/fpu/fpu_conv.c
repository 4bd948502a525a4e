/* x87 conversions and the exact operations: single/double/integer formats
 * in and out, compare, round to integer, partial remainder, scale, and the
 * rounded constants. */
#include "cpu/fpu/fpu_fast.h"

/* A memory float of `ebits` exponent and `fbits` fraction bits into the
 * register format: exact, with DE for denormals and IE for SNaNs. */
static struct fx80 from_mem(struct fx_ctx *x, uint64_t v, int ebits, int fbits)
{
    bool s = (v >> (ebits + fbits)) & 1;
    int32_t emaxf = (1 << ebits) - 1, bias = emaxf >> 1;
    int32_t e = (int32_t)((v >> fbits) & (uint64_t)emaxf);
    uint64_t frac = v & ((1ull << fbits) - 1);
    uint64_t sig = frac << (63 - fbits);
    if (e == emaxf) {
        if (!frac)
            return fx_make(s, FX_EMAX, 1ull << 63);
        if (!(frac >> (fbits - 1)))
            x->flags |= FSW_IE; /* SNaN: quieted */
        return fx_make(s, FX_EMAX, sig | (3ull << 62));
    }
    if (e == 0) {
        if (!frac)
            return fx_make(s, 0, 0);
        x->flags |= FSW_DE;
        int sh = clz64(sig);
        return fx_make(s, FX_BIAS - bias + 1 - sh, sig << sh);
    }
    return fx_make(s, e - bias + FX_BIAS, sig | (1ull << 63));
}

struct fx80 fx_from_f32(struct fx_ctx *x, uint32_t v)
{
    return from_mem(x, v, 8, 23);
}
struct fx80 fx_from_f64(struct fx_ctx *x, uint64_t v)
{
    return from_mem(x, v, 11, 52);
}

static uint64_t to_mem(struct fx_ctx *x, struct fx80 a, int ebits, int fbits)
{
    uint64_t emaxf = (1u << ebits) - 1;
    uint64_t s = (uint64_t)fx_sign(a) << (ebits + fbits);
    uint64_t inf = s | emaxf << fbits;
    switch (fx_check(x, a)) {
    case FXC_UNSUPPORTED: return (1ull << (ebits + fbits)) | emaxf << fbits | 1ull << (fbits - 1);
    case FXC_QNAN:
    case FXC_SNAN: return inf | 1ull << (fbits - 1) | ((a.sig << 1) >> (64 - fbits));
    case FXC_INF: return inf;
    case FXC_ZERO: return s;
    default: break;
    }
    struct fx_unp u = fx_unpack(a);
    return fx_round_mem(x, u.sign, u.exp, (u128)u.sig << 64, ebits);
}

uint32_t fx_to_f32(struct fx_ctx *x, struct fx80 a)
{
    return (uint32_t)to_mem(x, a, 8, 23);
}
uint64_t fx_to_f64(struct fx_ctx *x, struct fx80 a)
{
    return to_mem(x, a, 11, 52);
}

struct fx80 fx_from_i64(int64_t v)
{
    if (!v)
        return fx_make(false, 0, 0);
    bool s = v < 0;
    uint64_t mag = s ? 0 - (uint64_t)v : (uint64_t)v;
    int sh = clz64(mag);
    return fx_make(s, FX_BIAS + 63 - sh, mag << sh);
}

static bool rc_inc(int rc, bool sign, uint64_t frac, bool lsb)
{
    if (!frac)
        return false;
    switch (rc) {
    case RC_NEAR: return frac > (1ull << 63) || (frac == (1ull << 63) && lsb);
    case RC_DOWN: return sign;
    case RC_UP: return !sign;
    default: return false;
    }
}

/* |a| as a 64.64 fixed-point number; *big when it does not fit. */
static u128 fixed_64_64(struct fx_unp u, bool *big)
{
    int32_t sh = FX_BIAS + 63 - u.exp; /* right shift of sig for the integer part */
    *big = sh < 0;
    if (sh < 0)
        return 0;
    return shr_jam((u128)u.sig << 64, sh);
}

int64_t fx_to_int(struct fx_ctx *x, struct fx80 a, int bits, bool trunc)
{
    int64_t indef = (int64_t)(~0ull << (bits - 1));
    enum fx_class k = fx_classify(a);
    if (k == FXC_UNSUPPORTED || k == FXC_QNAN || k == FXC_SNAN || k == FXC_INF) {
        x->flags |= FSW_IE;
        return indef;
    }
    if (k == FXC_ZERO)
        return 0;
    struct fx_unp u = fx_unpack(a);
    bool big;
    u128 v = fixed_64_64(u, &big);
    if (big) {
        x->flags |= FSW_IE;
        return indef;
    }
    uint64_t ip = (uint64_t)(v >> 64), frac = (uint64_t)v;
    bool inc = rc_inc(trunc ? RC_ZERO : x->rc, u.sign, frac, ip & 1);
    uint64_t mag = ip + inc;
    uint64_t limit = (1ull << (bits - 1)) - (u.sign ? 0 : 1);
    if (mag > limit || (inc && mag == 0)) {
        x->flags |= FSW_IE;
        return indef;
    }
    if (frac)
        x->flags |= FSW_PE;
    x->up = inc;
    return u.sign ? (int64_t)(0 - mag) : (int64_t)mag;
}

int fx_compare(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool quiet)
{
    int res;
    if (fx_compare_fast(a, b, &res))
        return res;
    enum fx_class ca = fx_check(x, a), cb = fx_check(x, b);
    if (ca == FXC_UNSUPPORTED || cb == FXC_UNSUPPORTED)
        return 2;
    if (ca == FXC_QNAN || ca == FXC_SNAN || cb == FXC_QNAN || cb == FXC_SNAN) {
        if (!quiet)
            x->flags |= FSW_IE;
        return 2;
    }
    fx_flag_de(x, ca, cb);
    bool sa = fx_sign(a), sb = fx_sign(b);
    if (ca == FXC_ZERO && cb == FXC_ZERO)
        return 0;
    if (ca == FXC_ZERO)
        return sb ? 1 : -1;
    if (cb == FXC_ZERO)
        return sa ? -1 : 1;
    if (sa != sb)
        return sa ? -1 : 1;
    struct fx_unp ua = fx_unpack(a), ub = fx_unpack(b);
    int r = ua.exp != ub.exp ? (ua.exp > ub.exp ? 1 : -1) : ua.sig != ub.sig ? (ua.sig > ub.sig ? 1 : -1) : 0;
    return sa ? -r : r;
}

struct fx80 fx_round_int(struct fx_ctx *x, struct fx80 a)
{
    enum fx_class k = fx_check(x, a);
    if (k == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (k == FXC_QNAN || k == FXC_SNAN)
        return fx_propagate_nan(x, a, a);
    if (k == FXC_ZERO || k == FXC_INF)
        return a;
    fx_flag_de(x, k, k);
    struct fx_unp u = fx_unpack(a);
    bool big;
    u128 v = fixed_64_64(u, &big);
    if (big || (uint64_t)v == 0)
        return a; /* already an integer */
    uint64_t ip = (uint64_t)(v >> 64), frac = (uint64_t)v;
    bool inc = rc_inc(x->rc, u.sign, frac, ip & 1);
    uint64_t mag = ip + inc; /* at most 2^63: fits */
    if (frac)
        x->flags |= FSW_PE;
    if (!mag) {
        x->up = inc;
        return fx_make(u.sign, 0, 0);
    }
    struct fx80 r = fx_round_pack(x, u.sign, FX_BIAS + 63 - clz64(mag), (u128)(mag << clz64(mag)) << 64, 64);
    x->up = inc;
    return r;
}

/* Reduce m * 2^steps modulo d, keeping the quotient's low bits. */
static u128 rem_loop(uint64_t m, uint64_t d, int steps, uint64_t *q)
{
    u128 r = m;
    uint64_t qq = 0;
    if (r >= d) {
        r -= d;
        qq = 1;
    }
    for (int k = 0; k < steps; k++) {
        r <<= 1;
        qq <<= 1;
        if (r >= d) {
            r -= d;
            qq |= 1;
        }
    }
    *q = qq;
    return r;
}

struct fx80 fx_rem(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool near, uint64_t *q, bool *partial)
{
    *q = 0;
    *partial = false;
    enum fx_class ca = fx_check(x, a), cb = fx_check(x, b);
    if (ca == FXC_UNSUPPORTED || cb == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (ca == FXC_QNAN || ca == FXC_SNAN || cb == FXC_QNAN || cb == FXC_SNAN)
        return fx_propagate_nan(x, a, b);
    if (ca == FXC_INF || cb == FXC_ZERO)
        return fx_invalid(x);
    fx_flag_de(x, ca, cb);
    if (ca == FXC_ZERO)
        return a;
    struct fx_unp ua = fx_unpack(a), ub = fx_unpack(b);
    if (cb == FXC_INF) {
        /* The remainder is a itself, delivered like any result: a denormal
         * is tiny (an unmasked UE gives it with the bias adjusted, as the
         * host CPU does), a pseudo-denormal comes back canonical, exponent
         * 1 (SDM 1 §8.2.2). */
        return fx_round_pack(x, ua.sign, ua.exp, (u128)ua.sig << 64, 64);
    }
    int32_t d = ua.exp - ub.exp;
    bool sign = ua.sign;
    if (d < 0) {
        /* |a| < |b|: FPREM leaves a; FPREM1 rounds the quotient to 1 when
         * |a| > |b|/2. */
        if (!near || d < -1 || ua.sig <= ub.sig)
            return fx_round_pack(x, sign, ua.exp, (u128)ua.sig << 64, 64);
        *q = 1;
        u128 r = ((u128)ub.sig << 64) - ((u128)ua.sig << 63);
        int sh = clz128(r);
        return fx_round_pack(x, !sign, ub.exp - sh, r << sh, 64);
    }
    int32_t scale = 0;
    int steps = d;
    if (d >= 64) {
        /* SDM 2 FPREM: a partial remainder reduces the exponent by 32-63 and
         * always truncates the quotient. */
        steps = 32 + (d & 31);
        scale = d - steps;
        *partial = true;
        near = false;
    }
    uint64_t qq;
    u128 r = rem_loop(ua.sig, ub.sig, steps, &qq);
    if (near && (2 * r > ub.sig || (2 * r == ub.sig && (qq & 1)))) {
        r = ub.sig - r;
        sign = !sign;
        qq++;
    }
    *q = qq;
    if (!r)
        return fx_make(ua.sign, 0, 0);
    int sh = clz128(r);
    return fx_round_pack(x, sign, ub.exp + scale + 64 - sh, r << sh, 64);
}

struct fx80 fx_scale(struct fx_ctx *x, struct fx80 a, struct fx80 b)
{
    enum fx_class ca = fx_check(x, a), cb = fx_check(x, b);
    if (ca == FXC_UNSUPPORTED || cb == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (ca == FXC_QNAN || ca == FXC_SNAN || cb == FXC_QNAN || cb == FXC_SNAN)
        return fx_propagate_nan(x, a, b);
    bool bs = fx_sign(b);
    fx_flag_de(x, ca, cb);
    if (cb == FXC_INF) {
        if ((ca == FXC_ZERO && !bs) || (ca == FXC_INF && bs))
            return fx_invalid(x);
        if (ca == FXC_ZERO || ca == FXC_INF)
            return a;
        return bs ? fx_make(fx_sign(a), 0, 0) : fx_make(fx_sign(a), FX_EMAX, 1ull << 63);
    }
    if (ca == FXC_ZERO || ca == FXC_INF)
        return a;
    int32_t n = 0;
    if (cb != FXC_ZERO) {
        struct fx_unp ub = fx_unpack(b);
        if (ub.exp >= FX_BIAS + 20)
            n = 1 << 20;
        else if (ub.exp >= FX_BIAS)
            n = (int32_t)(ub.sig >> (63 - (ub.exp - FX_BIAS)));
        if (bs)
            n = -n;
    }
    struct fx_unp ua = fx_unpack(a);
    return fx_round_pack(x, ua.sign, ua.exp + n, (u128)ua.sig << 64, 64);
}

struct fx80 fx_const(struct fx_ctx *x, int32_t exp, u128 sig)
{
    struct fx_ctx t = *x;
    t.flags = 0;
    return fx_round_pack(&t, false, exp, sig, 64);
}

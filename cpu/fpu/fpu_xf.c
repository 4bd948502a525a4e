/* Wide helper numbers for the x87 transcendentals: a 128-bit significand
 * with an unbounded exponent and a sticky low bit, so results can be
 * rounded once, correctly, to the 64-bit register format. */
#include "cpu/fpu/fpu_priv.h"

static struct xf xf_norm(bool s, int32_t e, u128 m)
{
    struct xf r = {s, 0, 0};
    if (!m)
        return r;
    int sh = clz128(m);
    r.m = m << sh;
    r.e = e - sh;
    return r;
}

struct xf xf_from_fx(struct fx80 a)
{
    if (!(a.se & 0x7FFF) && !a.sig) {
        struct xf z = {fx_sign(a), 0, 0};
        return z;
    }
    struct fx_unp u = fx_unpack(a);
    struct xf r = {u.sign, u.exp - FX_BIAS, (u128)u.sig << 64};
    return r;
}

struct xf xf_from_int(int64_t v)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return xf_norm(v < 0, 127, mag);
}

struct xf xf_ldexp(struct xf a, int n)
{
    if (a.m)
        a.e += n;
    return a;
}

/* Addition on 256 bits, then the low half folded into the sticky bit:
 * each result is the exact sum rounded to odd, so a tiny term added to an
 * exact value stays on the correct side of it. */
struct xf xf_add(struct xf a, struct xf b)
{
    if (!b.m)
        return a;
    if (!a.m)
        return b;
    if (b.e > a.e || (b.e == a.e && b.m > a.m)) {
        struct xf t = a;
        a = b;
        b = t;
    }
    u128 ah = a.m >> 1, al = a.m << 127, bh, bl;
    int64_t s = (int64_t)a.e - b.e + 1; /* one bit of headroom for the carry */
    if (s >= 256) {
        bh = 0;
        bl = 1;
    } else if (s >= 128) {
        bh = 0;
        bl = shr_jam(b.m, (int)(s - 128));
    } else {
        bh = b.m >> s;
        bl = b.m << (128 - s);
    }
    u128 hi, lo;
    if (a.s == b.s) {
        lo = al + bl;
        hi = ah + bh + (lo < al);
    } else {
        lo = al - bl;
        hi = ah - bh - (al < bl);
    }
    if (!hi && !lo) {
        struct xf z = {false, 0, 0};
        return z;
    }
    int sh = hi ? clz128(hi) : 128 + clz128(lo);
    if (sh >= 128) {
        hi = lo << (sh - 128);
        lo = 0;
    } else if (sh > 0) {
        hi = (hi << sh) | (lo >> (128 - sh));
        lo <<= sh;
    }
    struct xf r = {a.s, a.e + 1 - sh, hi | (lo != 0)};
    return r;
}

struct xf xf_sub(struct xf a, struct xf b)
{
    b.s = !b.s;
    return xf_add(a, b);
}

struct xf xf_mul(struct xf a, struct xf b)
{
    struct xf r = {a.s != b.s, 0, 0};
    if (!a.m || !b.m)
        return r;
    uint64_t ah = (uint64_t)(a.m >> 64), al = (uint64_t)a.m;
    uint64_t bh = (uint64_t)(b.m >> 64), bl = (uint64_t)b.m;
    u128 hh = (u128)ah * bh, hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    /* 256-bit product: hi:lo. */
    u128 mid = (hl & ~(uint64_t)0) + (lh & ~(uint64_t)0) + (ll >> 64);
    u128 lo_low = (uint64_t)ll;
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    u128 lo = (mid << 64) | lo_low;
    int32_t e = a.e + b.e + 1;
    if (!(hi >> 127)) {
        hi = (hi << 1) | (lo >> 127);
        lo <<= 1;
        e--;
    }
    r.m = hi | (lo != 0);
    r.e = e;
    return r;
}

struct xf xf_div(struct xf a, struct xf b)
{
    struct xf r = {a.s != b.s, 0, 0};
    if (!a.m || !b.m)
        return r;
    int32_t e = a.e - b.e;
    u128 rem = a.m, d = b.m, q = 0;
    bool top = false; /* bit 128 of the running remainder */
    if (rem < d) {
        top = rem >> 127;
        rem <<= 1;
        e--;
    }
    for (int k = 127; k >= 0; k--) {
        if (top || rem >= d) {
            rem -= d;
            q |= (u128)1 << k;
        }
        top = rem >> 127;
        rem <<= 1;
    }
    r.m = q | (rem != 0 || top);
    r.e = e;
    return r;
}

/* Square root: a 64-bit-accurate start from the register-format root, then
 * one Newton step, y' = (y + a/y) / 2, doubles the good bits. */
struct xf xf_sqrt(struct xf a)
{
    if (!a.m || a.s)
        return a;
    struct fx_ctx x = {RC_NEAR, 64, 0x3F, 0, false};
    int32_t ev = a.e & ~1; /* even part of the exponent */
    struct fx80 mid = fx_round_pack(&x, false, FX_BIAS + (a.e - ev), a.m, 64);
    struct xf y = xf_from_fx(fx_sqrt(&x, mid));
    y.e += ev / 2;
    y = xf_add(y, xf_div(a, y));
    y.e -= 1;
    return y;
}

struct fx80 xf_round(struct fx_ctx *x, struct xf a)
{
    if (!a.m)
        return fx_make(a.s, 0, 0);
    int64_t e = (int64_t)a.e + FX_BIAS;
    if (e > 0x20000)
        e = 0x20000;
    if (e < -0x20000)
        e = -0x20000;
    return fx_round_pack(x, a.s, (int32_t)e, a.m, 64);
}

struct xf xf_pi(void)
{
    struct xf r = {false, 1, (u128)0xC90FDAA22168C234ull << 64 | 0xC4C6628B80DC1CD1ull};
    return r;
}

struct xf xf_ln2(void)
{
    struct xf r = {false, -1, (u128)0xB17217F7D1CF79ABull << 64 | 0xC9E3B39803F2F6AFull};
    return r;
}

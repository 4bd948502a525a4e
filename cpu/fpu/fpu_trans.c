/* x87 transcendentals: FSIN/FCOS/FSINCOS/FPTAN with the x87's reduction by
 * a 66-bit pi, FPATAN, F2XM1, FYL2X and FYL2XP1, computed in 128-bit helper
 * arithmetic (fpu_xf.c) and rounded once by RC. */
#include "cpu/fpu/fpu_priv.h"

/* Series stop once a term is this many bits below the sum. */
#define XF_STOP 132

/* sin and cos of |r| <= pi/4 by their Taylor series. */
static struct xf xf_sin_small(struct xf r)
{
    struct xf r2 = xf_mul(r, r), term = r, sum = r;
    for (int n = 1; n < 40; n++) {
        term = xf_div(xf_mul(term, r2), xf_from_int((int64_t)(2 * n) * (2 * n + 1)));
        term.s = !term.s;
        sum = xf_add(sum, term); /* the last, tiny term still counts as sticky */
        if (!term.m || term.e < sum.e - XF_STOP)
            break;
    }
    return sum;
}

static struct xf xf_cos_small(struct xf r)
{
    struct xf r2 = xf_mul(r, r), term = xf_from_int(1), sum = term;
    for (int n = 1; n < 40; n++) {
        term = xf_div(xf_mul(term, r2), xf_from_int((int64_t)(2 * n - 1) * (2 * n)));
        term.s = !term.s;
        sum = xf_add(sum, term); /* the last, tiny term still counts as sticky */
        if (!term.m || term.e < sum.e - XF_STOP)
            break;
    }
    return sum;
}

/* The x87 reduces by pi rounded to 66 bits (SDM 1 §8.3.10): the operand
 * minus the nearest multiple k of that pi/2, exactly. Returns k mod 4. */
static int reduce_pio2(struct fx80 a, struct xf *r)
{
    struct fx_unp u = fx_unpack(a);
    int32_t e = u.exp - FX_BIAS; /* a = sig * 2^(e - 63) */
    if (e < -1) {
        *r = xf_from_fx(a);
        return 0;
    }
    /* pi66 = P * 2^-64, so pi66/2 = P * 2^-65; the operand in the same
     * units is X = sig * 2^(e + 2), below 2^128 for |a| < 2^63. */
    const u128 P = (u128)0x3 << 64 | 0x243F6A8885A308D3ull;
    u128 X = (u128)u.sig << (e + 2);
    u128 k = X / P, rem = X % P;
    bool neg = false;
    if (rem > P / 2 || (rem == P / 2 && (k & 1))) {
        k++;
        rem = P - rem;
        neg = true;
    }
    struct xf t = xf_from_int(0);
    if (rem) {
        int sh = clz128(rem);
        t.m = rem << sh;
        t.e = 127 - sh - 65;
    }
    t.s = neg != u.sign;
    *r = t;
    int q = (int)(k & 3);
    return u.sign ? (4 - q) & 3 : q;
}

/* Shared operand screening for the trig functions: returns 1 with *out set
 * when decided, -1 when out of range, 0 to compute. */
static int trig_special(struct fx_ctx *x, struct fx80 a, struct fx80 *out, bool cos_like)
{
    enum fx_class k = fx_check(x, a);
    if (k == FXC_UNSUPPORTED || k == FXC_INF) {
        *out = fx_invalid(x);
        return 1;
    }
    if (k == FXC_QNAN || k == FXC_SNAN) {
        *out = fx_propagate_nan(x, a, a);
        return 1;
    }
    if (k == FXC_ZERO) {
        *out = cos_like ? fx_make(false, FX_BIAS, 1ull << 63) : a;
        return 1;
    }
    if (fx_exp(a) >= FX_BIAS + 63)
        return -1;
    fx_flag_de(x, k, k);
    return 0;
}

bool fx_sincos(struct fx_ctx *x, struct fx80 a, struct fx80 *sin_out, struct fx80 *cos_out)
{
    struct fx80 s0, c0;
    int sp = trig_special(x, a, &s0, false);
    if (sp < 0)
        return false;
    if (sp > 0) {
        if (sin_out)
            *sin_out = s0;
        if (cos_out)
            *cos_out = fx_is_nan(s0) ? s0 : fx_make(false, FX_BIAS, 1ull << 63);
        return true;
    }
    struct xf r;
    int q = reduce_pio2(a, &r);
    struct xf s = xf_sin_small(r), c = xf_cos_small(r), sv, cv;
    switch (q) {
    case 0:
        sv = s;
        cv = c;
        break;
    case 1:
        sv = c;
        cv = s;
        cv.s = !cv.s;
        break;
    case 2:
        sv = s;
        sv.s = !sv.s;
        cv = c;
        cv.s = !cv.s;
        break;
    default:
        sv = c;
        sv.s = !sv.s;
        cv = s;
        break;
    }
    /* Both results of FSINCOS are rounded; C1 reports the sine's. */
    if (cos_out)
        c0 = xf_round(x, cv);
    if (sin_out)
        s0 = xf_round(x, sv);
    if (sin_out)
        *sin_out = s0;
    if (cos_out)
        *cos_out = c0;
    return true;
}

bool fx_tan(struct fx_ctx *x, struct fx80 a, struct fx80 *out)
{
    int sp = trig_special(x, a, out, false);
    if (sp)
        return sp > 0;
    struct xf r;
    int q = reduce_pio2(a, &r);
    struct xf s = xf_sin_small(r), c = xf_cos_small(r);
    struct xf t = (q & 1) ? xf_div(c, s) : xf_div(s, c);
    if (q & 1)
        t.s = !t.s;
    *out = xf_round(x, t);
    return true;
}

/* atan(t) for 0 <= t <= 1: three argument halvings,
 * atan(t) = 2 atan(t / (1 + sqrt(1 + t^2))), then the series. */
static struct xf xf_atan01(struct xf t)
{
    struct xf one = xf_from_int(1);
    for (int k = 0; k < 3; k++)
        t = xf_div(t, xf_add(one, xf_sqrt(xf_add(one, xf_mul(t, t)))));
    struct xf t2 = xf_mul(t, t), p = t, sum = t;
    for (int n = 1; n < 60; n++) {
        p = xf_mul(p, t2);
        p.s = !p.s;
        struct xf term = xf_div(p, xf_from_int(2 * n + 1));
        sum = xf_add(sum, term); /* the last, tiny term still counts as sticky */
        if (!term.m || term.e < sum.e - XF_STOP)
            break;
    }
    return xf_ldexp(sum, 3);
}

struct fx80 fx_atan2(struct fx_ctx *x, struct fx80 y, struct fx80 xv)
{
    enum fx_class cy = fx_check(x, y), cx = fx_check(x, xv);
    if (cy == FXC_UNSUPPORTED || cx == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (cy == FXC_QNAN || cy == FXC_SNAN || cx == FXC_QNAN || cx == FXC_SNAN)
        return fx_propagate_nan(x, xv, y);
    bool sy = fx_sign(y), sx = fx_sign(xv);
    struct xf pi = xf_pi(), res;
    fx_flag_de(x, cy, cx);
    /* SDM 2 FPATAN, table of special cases. */
    if (cy == FXC_ZERO || cx == FXC_INF || cy == FXC_INF || cx == FXC_ZERO) {
        if (cy == FXC_INF && cx == FXC_INF)
            res = sx ? xf_mul(pi, xf_div(xf_from_int(3), xf_from_int(4))) : xf_ldexp(pi, -2);
        else if (cy == FXC_INF || (cx == FXC_ZERO && cy != FXC_ZERO))
            res = xf_ldexp(pi, -1);
        else if (sx)
            res = pi;
        else
            return fx_make(sy, 0, 0);
    } else {
        struct xf ax = xf_from_fx(xv), ay = xf_from_fx(y);
        ax.s = ay.s = false;
        bool swap = ay.e > ax.e || (ay.e == ax.e && ay.m > ax.m);
        res = xf_atan01(swap ? xf_div(ax, ay) : xf_div(ay, ax));
        if (swap)
            res = xf_sub(xf_ldexp(pi, -1), res);
        if (sx)
            res = xf_sub(pi, res);
    }
    res.s = sy;
    return xf_round(x, res);
}

/* expm1(y) by its series; |y| <= ln 2 here. */
static struct xf xf_expm1(struct xf y)
{
    struct xf term = y, sum = y;
    for (int n = 2; n < 60; n++) {
        term = xf_div(xf_mul(term, y), xf_from_int(n));
        sum = xf_add(sum, term); /* the last, tiny term still counts as sticky */
        if (!term.m || term.e < sum.e - XF_STOP)
            break;
    }
    return sum;
}

struct fx80 fx_f2xm1(struct fx_ctx *x, struct fx80 a)
{
    enum fx_class k = fx_check(x, a);
    if (k == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (k == FXC_QNAN || k == FXC_SNAN)
        return fx_propagate_nan(x, a, a);
    if (k == FXC_ZERO)
        return a;
    if (k == FXC_INF)
        return fx_sign(a) ? fx_make(true, FX_BIAS, 1ull << 63) : a;
    fx_flag_de(x, k, k);
    return xf_round(x, xf_expm1(xf_mul(xf_from_fx(a), xf_ln2())));
}

/* 2 atanh(s) = ln((1+s)/(1-s)). */
static struct xf xf_2atanh(struct xf s)
{
    struct xf s2 = xf_mul(s, s), p = s, sum = s;
    for (int n = 1; n < 80; n++) {
        p = xf_mul(p, s2);
        struct xf term = xf_div(p, xf_from_int(2 * n + 1));
        sum = xf_add(sum, term); /* the last, tiny term still counts as sticky */
        if (!term.m || term.e < sum.e - XF_STOP)
            break;
    }
    return xf_ldexp(sum, 1);
}

struct fx80 fx_yl2x(struct fx_ctx *x, struct fx80 xv, struct fx80 y, bool p1)
{
    enum fx_class cx = fx_check(x, xv), cy = fx_check(x, y);
    if (cx == FXC_UNSUPPORTED || cy == FXC_UNSUPPORTED)
        return fx_invalid(x);
    if (cx == FXC_QNAN || cx == FXC_SNAN || cy == FXC_QNAN || cy == FXC_SNAN)
        return fx_propagate_nan(x, xv, y);
    bool sx = fx_sign(xv), sy = fx_sign(y);
    /* FYL2X of a negative x is invalid before any denormal operand is
     * noticed: IE alone, no DE (as the host CPU reports). */
    if (!p1 && sx && cx != FXC_ZERO)
        return fx_invalid(x);
    fx_flag_de(x, cx, cy);
    struct xf one = xf_from_int(1);
    struct xf l; /* log2 of x (or of 1 + x) */
    if (p1) {
        /* SDM 2 FYL2XP1: defined for |x| < 1 - sqrt(2)/2. */
        if (cx == FXC_ZERO) {
            if (cy == FXC_INF)
                return fx_invalid(x);
            return fx_make(sx != sy, 0, 0);
        }
        if (cx == FXC_INF)
            return fx_invalid(x);
        struct xf xx = xf_from_fx(xv);
        l = xf_div(xf_2atanh(xf_div(xx, xf_add(xf_from_int(2), xx))), xf_ln2());
    } else {
        if (sx && cx != FXC_ZERO)
            return fx_invalid(x);
        if (cx == FXC_ZERO) {
            if (cy == FXC_ZERO)
                return fx_invalid(x);
            if (cy != FXC_INF)
                x->flags |= FSW_ZE;
            return fx_make(!sy, FX_EMAX, 1ull << 63);
        }
        if (cx == FXC_INF) {
            if (cy == FXC_ZERO)
                return fx_invalid(x);
            return fx_make(sy, FX_EMAX, 1ull << 63);
        }
        struct fx_unp u = fx_unpack(xv);
        int32_t e = u.exp - FX_BIAS;
        struct xf m = {false, 0, (u128)u.sig << 64};
        /* Keep m in [sqrt(1/2), sqrt(2)) so s stays small. */
        if (u.sig > 0xB504F333F9DE6484ull) {
            m.e = -1;
            e++;
        }
        struct xf s = xf_div(xf_sub(m, one), xf_add(m, one));
        l = xf_add(xf_from_int(e), xf_div(xf_2atanh(s), xf_ln2()));
        if (!l.m) {
            if (cy == FXC_INF)
                return fx_invalid(x);
            return fx_make(sy, 0, 0);
        }
    }
    if (cy == FXC_INF)
        return fx_make(sy != l.s, FX_EMAX, 1ull << 63);
    if (cy == FXC_ZERO)
        return fx_make(sy != l.s, 0, 0);
    return xf_round(x, xf_mul(xf_from_fx(y), l));
}

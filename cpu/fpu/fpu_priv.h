/* Inside the x87: the software extended-precision arithmetic (fpu_soft.c,
 * fpu_conv.c), the wide helper numbers for transcendentals (fpu_xf.c,
 * fpu_trans.c), and the register-stack helpers shared by the op files. */
#ifndef REX86_FPU_PRIV_H
#define REX86_FPU_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu/fpu.h"

typedef unsigned __int128 u128;

/* Rounding control (CW bits 10-11) and precision control (bits 8-9). */
enum { RC_NEAR = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3 };

#define FX_BIAS 16383
#define FX_EMAX 0x7FFF
/* Bias adjustment for unmasked overflow/underflow results (SDM 1 §4.9.1.4). */
#define FX_ADJUST 24576

/* The environment of one operation: rounding, precision, masks in; the
 * raised exception flags (FSW_* low bits) and the round-up flag out. */
struct fx_ctx {
    uint8_t rc;
    uint8_t prec;   /* significand bits: 24, 53 or 64 */
    uint16_t mask;  /* CW exception masks, bits 0-5 */
    uint16_t flags; /* FSW_IE .. FSW_PE raised */
    bool up;        /* the result was rounded up in magnitude (C1) */
};

/* Operand classes. */
enum fx_class {
    FXC_ZERO,
    FXC_NORMAL,
    FXC_DENORMAL, /* includes pseudo-denormals */
    FXC_INF,
    FXC_QNAN,
    FXC_SNAN,
    FXC_UNSUPPORTED, /* unnormals, pseudo-NaNs, pseudo-infinities */
};

static inline bool fx_sign(struct fx80 a)
{
    return (a.se >> 15) != 0;
}
static inline int fx_exp(struct fx80 a)
{
    return a.se & 0x7FFF;
}
static inline struct fx80 fx_make(bool sign, int exp, uint64_t sig)
{
    struct fx80 r = {sig, (uint16_t)((sign ? 0x8000u : 0) | ((unsigned)exp & 0x7FFF))};
    return r;
}

extern const struct fx80 fx_indefinite; /* the default QNaN: sign 1, C000... */

enum fx_class fx_classify(struct fx80 a);
bool fx_is_nan(struct fx80 a);

/* Unpacked finite nonzero operand: value = sig * 2^(exp - 16383 - 63),
 * sig normalised (bit 63 set); denormals get exp < 1. */
struct fx_unp {
    bool sign;
    int32_t exp;
    uint64_t sig;
};
struct fx_unp fx_unpack(struct fx80 a);

/* Round a value sig * 2^(exp - 16383 - 127) (sig normalised, bit 127 set)
 * to `prec` bits in the register format, with the x87's masked and
 * unmasked overflow/underflow responses. */
struct fx80 fx_round_pack(struct fx_ctx *x, bool sign, int32_t exp, u128 sig, int prec);
/* Same, for a memory format: ebits 8 (single) or 11 (double). Returns the
 * encoded bits; on unmasked OE/UE the flags say so and nothing must be
 * stored. */
uint64_t fx_round_mem(struct fx_ctx *x, bool sign, int32_t exp, u128 sig, int ebits);

/* Arithmetic (fpu_soft.c). `sub` subtracts b. */
struct fx80 fx_add(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool sub);
struct fx80 fx_mul(struct fx_ctx *x, struct fx80 a, struct fx80 b);
struct fx80 fx_div(struct fx_ctx *x, struct fx80 a, struct fx80 b);
struct fx80 fx_sqrt(struct fx_ctx *x, struct fx80 a);
/* NaN operand handling of SDM 1 table 4-7; sets IE for an SNaN. */
struct fx80 fx_propagate_nan(struct fx_ctx *x, struct fx80 a, struct fx80 b);
struct fx80 fx_invalid(struct fx_ctx *x);
/* Check an operand: IE for unsupported/SNaN. Returns the class. */
enum fx_class fx_check(struct fx_ctx *x, struct fx80 a);
void fx_flag_de(struct fx_ctx *x, enum fx_class a, enum fx_class b);
/* Whether a dyadic operation of this kind reports DE for operands of these
 * classes (a denormal among them, and nothing decided before computing). */
enum { FX_DE_ADD, FX_DE_MUL, FX_DE_DIV };
bool fx_de_applies(int kind, enum fx_class a, enum fx_class b);

/* Conversions and the rest (fpu_conv.c). */
struct fx80 fx_from_f32(struct fx_ctx *x, uint32_t v);
struct fx80 fx_from_f64(struct fx_ctx *x, uint64_t v);
uint32_t fx_to_f32(struct fx_ctx *x, struct fx80 a);
uint64_t fx_to_f64(struct fx_ctx *x, struct fx80 a);
struct fx80 fx_from_i64(int64_t v);
/* To an integer of `bits` (16, 32, 64) by RC; `trunc` forces chop. On
 * invalid, returns the integer indefinite and sets IE. */
int64_t fx_to_int(struct fx_ctx *x, struct fx80 a, int bits, bool trunc);
/* Compare: returns -1, 0, 1 or 2 (unordered). `quiet` raises IE only for
 * SNaNs (FUCOM) instead of any NaN (FCOM). */
int fx_compare(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool quiet);
struct fx80 fx_round_int(struct fx_ctx *x, struct fx80 a);
/* FPREM (near = false) and FPREM1: the partial remainder, the low three
 * quotient bits in *q, and *partial when C2 must be set. */
struct fx80 fx_rem(struct fx_ctx *x, struct fx80 a, struct fx80 b, bool near, uint64_t *q, bool *partial);
struct fx80 fx_scale(struct fx_ctx *x, struct fx80 a, struct fx80 b);
/* Round a correctly-rounded value held as a 128-bit fraction. */
struct fx80 fx_const(struct fx_ctx *x, int32_t exp, u128 sig);

/* Wide helper numbers for the transcendentals (fpu_xf.c): a sign, an
 * unbounded binary exponent and a 128-bit significand with bit 127 set,
 * value = m * 2^(e - 127); m == 0 is zero. The low bit is sticky. */
struct xf {
    bool s;
    int32_t e;
    u128 m;
};
struct xf xf_from_fx(struct fx80 a);
struct xf xf_from_int(int64_t v);
struct xf xf_add(struct xf a, struct xf b);
struct xf xf_sub(struct xf a, struct xf b);
struct xf xf_mul(struct xf a, struct xf b);
struct xf xf_div(struct xf a, struct xf b);
struct xf xf_sqrt(struct xf a);
struct xf xf_ldexp(struct xf a, int n);
static inline bool xf_zero(struct xf a)
{
    return a.m == 0;
}
/* Round to the register format with ctx's RC at 64 bits. */
struct fx80 xf_round(struct fx_ctx *x, struct xf a);
/* Constants to 128 bits. */
struct xf xf_pi(void);
struct xf xf_ln2(void);

/* Transcendentals (fpu_trans.c). Each returns false when the operand is out
 * of range (C2 = 1, nothing changes). */
bool fx_sincos(struct fx_ctx *x, struct fx80 a, struct fx80 *sin_out, struct fx80 *cos_out);
bool fx_tan(struct fx_ctx *x, struct fx80 a, struct fx80 *out);
struct fx80 fx_atan2(struct fx_ctx *x, struct fx80 y, struct fx80 xv);
struct fx80 fx_f2xm1(struct fx_ctx *x, struct fx80 a);
struct fx80 fx_yl2x(struct fx_ctx *x, struct fx80 xv, struct fx80 y, bool p1);

static inline int clz64(uint64_t v)
{
    return v ? __builtin_clzll(v) : 64;
}
static inline int clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + clz64((uint64_t)v);
}
/* Shift right, OR-ing every bit shifted out into bit 0. */
static inline u128 shr_jam(u128 v, int n)
{
    if (n <= 0)
        return v;
    if (n >= 128)
        return v != 0;
    return (v >> n) | ((v & (((u128)1 << n) - 1)) != 0);
}

#endif

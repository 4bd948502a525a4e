/* Differential testing: the generator's x87 and MMX groups (Pentium II
 * set only), with the condition codes each leaves undefined, and random
 * 80-bit values for the initial x87 stack. */
#include "gen_priv.h"

/* --- x87 -------------------------------------------------------------------- */

/* Load a known double into ST(0) through the scratch buffer, for the
 * instructions whose result is undefined outside a domain. */
static void fld_double(struct gen *g, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint32_t a = DIFF_SCRATCH + 8 * rn(g, 8);
    b2(g, 0x05C7); /* mov dword [a], lo */
    b4(g, a);
    b4(g, (uint32_t)bits);
    b2(g, 0x05C7);
    b4(g, a + 4);
    b4(g, (uint32_t)(bits >> 32));
    b2(g, 0x05DD); /* fld qword [a] */
    b4(g, a);
    fflags(g, FS_CC, FS_C023);
}

/* Push an 80-bit value through the scratch buffer, freeing ST(7) first so
 * the load does not overflow the stack. */
static void fld_fx80(struct gen *g, uint64_t sig, uint32_t exp, bool neg)
{
    uint32_t a = DIFF_SCRATCH + 16 * rn(g, 4);
    b2(g, 0xC7DD); /* ffree st(7) */
    b2(g, 0x05C7); /* mov dword [a], lo */
    b4(g, a);
    b4(g, (uint32_t)sig);
    b2(g, 0x05C7);
    b4(g, a + 4);
    b4(g, (uint32_t)(sig >> 32));
    b1(g, 0x66); /* mov word [a + 8], se */
    b2(g, 0x05C7);
    b4(g, a + 8);
    b2(g, exp | (neg ? 0x8000u : 0));
    b2(g, 0x2DDB); /* fld tword [a] */
    b4(g, a);
    fflags(g, FS_CC, FS_C023);
}

/* A significand that rounds interestingly: random, all ones (a round-up
 * carries out), the integer bit alone, or halfway cases at PC 24/53/64. */
static uint64_t edge_sig(struct gen *g)
{
    switch (rn(g, 6)) {
    case 0: return ~0ull;
    case 1: return 1ull << 63;
    case 2: return ((rnd(g) | 1ull << 63) & ~0ull << 39) | 1ull << 39;
    case 3: return ((rnd(g) | 1ull << 63) & ~0ull << 10) | 1ull << 10;
    case 4: return (rnd(g) | 1ull << 63) & ~1ull;
    default: return rnd(g) | 1ull << 63;
    }
}

static uint32_t clamp_exp(int32_t e)
{
    return e < 1 ? 1 : e > 0x7FFE ? 0x7FFE : (uint32_t)e;
}

/* Arithmetic whose result lands at the edges of the exponent range (biased
 * 0-2 and 7FFCh-7FFFh, before and after rounding), under any PC and RC:
 * where the fast paths of cpu/fpu hand over to the general ones. */
static void g_edge_arith(struct gen *g)
{
    static const uint32_t pc[3] = {0, 2, 3};
    uint32_t cw = 0x40 | (chance(g, 10) ? rn(g, 64) : 0x3F) | pc[rn(g, 3)] << 8 | rn(g, 4) << 10;
    struct opnd m = gen_mem(g, 2, 0);
    b1(g, 0x66); /* mov word [m], cw; fldcw [m] */
    b1(g, 0xC7);
    gen_modrm(g, 0, &m);
    b2(g, cw);
    b1(g, 0xD9);
    gen_modrm(g, 5, &m);
    fflags(g, FS_CC, FS_CC);
    int32_t target = chance(g, 50) ? 1 : 0x7FFD, delta = (int32_t)rn(g, 5) - 2, ea, eb;
    uint32_t op = rn(g, 8); /* FADD FMUL - - FSUB FSUBR FDIV FDIVR */
    if (op == 2 || op == 3)
        op = 0;
    if (op == 1) { /* the product's exponent is ea + eb - 16383 (+1) */
        ea = target == 1 ? 16382 - (int32_t)rn(g, 32) : 16384 + (int32_t)rn(g, 32);
        eb = target + delta - ea + 16383;
    } else if (op >= 6) { /* the quotient's is ea - eb + 16383 (-1) */
        ea = target == 1 ? 1 + (int32_t)rn(g, 32) : 0x7FFE - (int32_t)rn(g, 32);
        eb = ea + 16383 - target - delta;
    } else {
        ea = target + delta;
        eb = ea - (int32_t)rn(g, 3);
    }
    fld_fx80(g, edge_sig(g), clamp_exp(eb), chance(g, 50));
    fld_fx80(g, edge_sig(g), clamp_exp(ea), chance(g, 50));
    if (chance(g, 50)) {
        b1(g, 0xD8); /* ST(0) = ST(0) op ST(1) */
        b1(g, 0xC1 | op << 3);
    } else {
        b1(g, 0xDE); /* ST(1) = ST(1) op ST(0), pop */
        b1(g, 0xC1 | op << 3);
    }
    fflags(g, FS_CC, FS_C023);
}

/* The register arithmetic's quick path in cpu/fpu and its borders: RC
 * nearest, PC 53 or 64, all masked (now and then PC 24 or another RC for
 * contrast); operands normal or zero; sums and differences with the
 * exponents 0-2, 62-66 and 126-130 apart and cancellations of nearly equal
 * significands; products and quotients near the ends of the exponent
 * range; by D8, DC and DE. */
static void g_edge_quick(struct gen *g)
{
    uint32_t cw = 0x40 | 0x3F | (chance(g, 50) ? 3u : 2u) << 8;
    if (chance(g, 10))
        cw = (cw & ~0xF00u) | (chance(g, 50) ? 0u : 3u << 8) | rn(g, 4) << 10;
    struct opnd m = gen_mem(g, 2, 0);
    b1(g, 0x66); /* mov word [m], cw; fldcw [m] */
    b1(g, 0xC7);
    gen_modrm(g, 0, &m);
    b2(g, cw);
    b1(g, 0xD9);
    gen_modrm(g, 5, &m);
    fflags(g, FS_CC, FS_CC);
    static const uint32_t ops[6] = {0, 1, 4, 5, 6, 7}; /* FADD FMUL FSUB FSUBR FDIV FDIVR */
    uint32_t op = ops[rn(g, 6)];
    uint64_t sa = edge_sig(g), sb = edge_sig(g);
    int32_t ea, eb;
    if (op == 1 || op >= 6) {
        int32_t r = (int32_t)rn(g, 4);
        ea = r == 0   ? 1 + (int32_t)rn(g, 40)
             : r == 1 ? 0x7FFE - (int32_t)rn(g, 40)
                      : 16383 + (int32_t)rn(g, 64) - 32;
        eb = r == 0   ? 16383 - (int32_t)rn(g, 40)
             : r == 1 ? (op == 1 ? 16383 + (int32_t)rn(g, 40) : 16383 - (int32_t)rn(g, 40))
                      : 16383 + (int32_t)rn(g, 64) - 32;
        if (op >= 6 && r == 0)
            eb = 16383 + (int32_t)rn(g, 40);
    } else {
        static const int32_t dist[16] = {0, 0, 1, 1, 2, 62, 63, 64, 65, 66, 126, 127, 128, 129, 130, 200};
        int32_t d = dist[rn(g, 16)];
        ea = chance(g, 10) ? (chance(g, 50) ? 0x7FFE - (int32_t)rn(g, 3) : 1 + (int32_t)rn(g, 200))
                           : 16383 + (int32_t)rn(g, 64) - 32;
        eb = ea - d;
        if (d <= 1 && chance(g, 60)) /* nearly equal: cancellation */
            sb = (sa ^ (rnd(g) >> rn(g, 64))) | 1ull << 63;
        if (chance(g, 50)) {
            int32_t t = ea;
            ea = eb, eb = t;
        }
    }
    bool za = chance(g, 12), zb = chance(g, 12);
    if (zb)
        fld_fx80(g, 0, 0, chance(g, 50));
    else
        fld_fx80(g, sb, clamp_exp(eb), chance(g, 50));
    if (za)
        fld_fx80(g, 0, 0, chance(g, 50));
    else
        fld_fx80(g, sa, clamp_exp(ea), chance(g, 50));
    static const uint8_t esc[3] = {0xD8, 0xDC, 0xDE};
    b1(g, esc[rn(g, 3)]); /* D8: ST(0) op= ST(1); DC: ST(1) op= ST(0); DE: and pop */
    b1(g, 0xC1 | op << 3);
    fflags(g, FS_CC, FS_C023);
}

/* FSQRT where its rounding is decided: exact squares (no PE), roots of
 * 25 or 54 bits (ties at PC 24 and 53 when exact, else near them), the
 * square one unit above or below, at odd and even exponents and now and
 * then a denormal, under any PC and RC. */
static void g_edge_sqrt(struct gen *g)
{
    static const uint32_t pc[3] = {0, 2, 3};
    static const int bits[4] = {12, 25, 32, 54};
    uint32_t cw = 0x40 | 0x3F | pc[rn(g, 3)] << 8 | rn(g, 4) << 10;
    struct opnd m = gen_mem(g, 2, 0);
    b1(g, 0x66); /* mov word [m], cw; fldcw [m] */
    b1(g, 0xC7);
    gen_modrm(g, 0, &m);
    b2(g, cw);
    b1(g, 0xD9);
    gen_modrm(g, 5, &m);
    fflags(g, FS_CC, FS_CC);
    int n = bits[rn(g, 4)];
    uint64_t r = (rnd(g) | 1ull << 63 | 1ull << (64 - n)) >> (64 - n);
    unsigned __int128 sq = (unsigned __int128)r * r;
    int sh = 0;
    while (!(sq >> (127 - sh)))
        sh++;
    uint64_t sig = (uint64_t)((sq << sh) >> 64);
    if (chance(g, 40))
        sig += chance(g, 50) ? 1 : (uint64_t)-1; /* stays normal: r has its low bit set */
    int32_t e = 16383 + (int32_t)rn(g, 64) - 32;
    if (chance(g, 10)) { /* a denormal */
        sig >>= 1 + rn(g, 40);
        e = 0;
    }
    fld_fx80(g, sig, (uint32_t)e, false);
    b2(g, 0xFAD9);
    fflags(g, FS_CC, FS_C023);
}

/* Make the condition codes defined before something reads them: FTST
 * writes all four. */
static void need_fsw(struct gen *g)
{
    if (!g->fundef)
        return;
    b2(g, 0xE4D9);
    g->fundef = 0;
}

/* An operand for a transcendental: always a fresh exact value, never an
 * earlier result, whose last-bit difference the function would magnify
 * (by 2^8 for a sine near a multiple of pi). `nspecial` of the special
 * values are in the function's domain. */
static void trans_arg(struct gen *g, double lo, double hi, uint32_t nspecial)
{
    /* No denormals: the host reports PE for FSIN/FPTAN/FYL2X of one where
     * rex86 does not (reported, not yet settled). */
    const double special[9] = {
        0.0,    -0.0, __builtin_nan(""), __builtin_inf(), -__builtin_inf(), 9.3e18 /* >= 2^63 */, 1e300,
        1e-300, -1.5};
    if (chance(g, 12))
        fld_double(g, special[rn(g, nspecial)]);
    else
        fld_double(g, rdouble(g, lo, hi));
}

static void g_trans(struct gen *g)
{
    switch (rn(g, 8)) {
    case 0: /* F2XM1: undefined outside -1..1 */
        trans_arg(g, -1, 1, 5);
        b2(g, 0xF0D9);
        break;
    case 1: /* FYL2XP1: undefined for |x| >= 1 - sqrt(2)/2 */
        trans_arg(g, -1e4, 1e4, 9);
        trans_arg(g, -0.29, 0.29, 3);
        b2(g, 0xF9D9);
        break;
    case 2: /* FYL2X */
        trans_arg(g, -1e4, 1e4, 9);
        trans_arg(g, 0, 1e6, 9);
        b2(g, 0xF1D9);
        break;
    case 3: /* FPATAN */
        trans_arg(g, -1e4, 1e4, 9);
        trans_arg(g, -1e4, 1e4, 9);
        b2(g, 0xF3D9);
        break;
    default: { /* FSIN FCOS FPTAN FSINCOS: C2 says out of range */
        static const uint16_t op[4] = {0xFED9, 0xFFD9, 0xF2D9, 0xFBD9};
        if (chance(g, 70))
            trans_arg(g, -10, 10, 9);
        else
            trans_arg(g, -1e5, 1e5, 9);
        b2(g, op[rn(g, 4)]);
        fflags(g, FS_CC, FS_C0 | FS_C3);
        return;
    }
    }
    fflags(g, FS_CC, FS_C023);
}

/* A valid packed BCD number for FBLD (invalid digits give an undefined
 * result). */
static void fbld(struct gen *g)
{
    uint32_t a = DIFF_SCRATCH + 16 * rn(g, 4) + 64;
    uint32_t w[3] = {0, 0, 0};
    for (int d = 0; d < 18; d++) {
        uint32_t digit = rn(g, 10);
        w[d / 8] |= digit << (4 * (d % 8));
    }
    w[2] |= chance(g, 50) ? 0x8000u : 0;
    b2(g, 0x05C7);
    b4(g, a);
    b4(g, w[0]);
    b2(g, 0x05C7);
    b4(g, a + 4);
    b4(g, w[1]);
    b1(g, 0x66);
    b2(g, 0x05C7);
    b4(g, a + 8);
    b2(g, w[2] & 0xFFFF);
    b2(g, 0x25DF); /* fbld tbyte [a] */
    b4(g, a);
    fflags(g, FS_CC, FS_C023);
}

static void fesc_mem(struct gen *g, uint32_t op, int regf, int size, bool write)
{
    struct opnd m = gen_mem(g, size, 0);
    gen_seg_prefix(g, &m, write);
    b1(g, op);
    gen_modrm(g, regf, &m);
}

/* The transcendentals class: their results may differ from the host's in
 * the last bit, which is within their specification, so what follows them
 * must not magnify that (no stores, compares, FXTRACT or arithmetic on the
 * results); ST(0-7) are compared to a few ulps. */
static void g_trans_class(struct gen *g)
{
    uint32_t i = rn(g, 8);
    switch (rn(g, 10)) {
    case 0: b2(g, 0xC8D9 + 0x100 * i); break;              /* FXCH */
    case 1: b2(g, 0xE8D9 + 0x100 * rn(g, 7)); break;       /* constants */
    case 2: b2(g, chance(g, 50) ? 0xE0D9 : 0xE1D9); break; /* FCHS FABS */
    case 3: b2(g, chance(g, 50) ? 0xF6D9 : 0xF7D9); break; /* FDECSTP FINCSTP */
    case 4: fld_double(g, rdouble(g, -100, 100)); break;
    case 5: gen_int(g); return;
    default: g_trans(g); return;
    }
    fflags(g, FS_CC, FS_C023);
}

void gen_x87(struct gen *g, bool trans)
{
    uint32_t i = rn(g, 8);
    if (trans) {
        g_trans_class(g);
        return;
    }
    switch (rn(g, 22)) {
    case 0:
    case 1: { /* arithmetic with a memory operand: m32fp m64fp m32int m16int */
        static const uint8_t esc[4] = {0xD8, 0xDC, 0xDA, 0xDE};
        static const int sz[4] = {4, 8, 4, 2};
        int k = (int)rn(g, 4), op = (int)rn(g, 8);
        fesc_mem(g, esc[k], op, sz[k], false);
        if (op == 2 || op == 3)
            fflags(g, FS_CC, 0);
        else
            fflags(g, FS_CC, FS_C023);
        break;
    }
    case 2:
    case 3: { /* arithmetic on registers, with and without pop */
        static const uint8_t escs[3] = {0xD8, 0xDC, 0xDE};
        uint32_t esc = escs[rn(g, 3)], op = rn(g, 8);
        if (esc != 0xD8 && (op == 2 || op == 3)) {
            if (esc == 0xDE && chance(g, 50)) {
                b2(g, 0xD9DE); /* FCOMPP */
                fflags(g, FS_CC, 0);
                break;
            }
            op = 0; /* DC/DE D0-DF are undocumented aliases */
        }
        b1(g, esc);
        b1(g, 0xC0 | op << 3 | i);
        fflags(g, FS_CC, op == 2 || op == 3 ? 0 : FS_C023);
        break;
    }
    case 4: { /* loads from memory */
        uint32_t k = rn(g, 7);
        if (k == 6) {
            fbld(g);
            break;
        }
        static const uint8_t esc[6] = {0xD9, 0xDD, 0xDB, 0xDF, 0xDB, 0xDF};
        static const int regf[6] = {0, 0, 5, 0, 0, 5};
        static const int sz[6] = {4, 8, 10, 2, 4, 8};
        fesc_mem(g, esc[k], regf[k], sz[k], false);
        fflags(g, FS_CC, FS_C023);
        break;
    }
    case 5: { /* stores to memory */
        static const uint8_t esc[10] = {0xD9, 0xD9, 0xDD, 0xDD, 0xDB, 0xDF, 0xDF, 0xDB, 0xDB, 0xDF};
        static const int regf[10] = {2, 3, 2, 3, 7, 2, 3, 2, 3, 7};
        static const int sz[10] = {4, 4, 8, 8, 10, 2, 2, 4, 4, 8};
        uint32_t k = rn(g, 11);
        if (k == 10)
            fesc_mem(g, 0xDF, 6, 10, true); /* FBSTP */
        else
            fesc_mem(g, esc[k], regf[k], sz[k], true);
        fflags(g, FS_CC, FS_C023);
        break;
    }
    case 6: /* FLD ST(i), FST/FSTP ST(i), FXCH */
        switch (rn(g, 4)) {
        case 0: b2(g, 0xC0D9 + 0x100 * i); break;
        case 1: b2(g, 0xD0DD + 0x100 * i); break;
        case 2: b2(g, 0xD8DD + 0x100 * i); break;
        default: b2(g, 0xC8D9 + 0x100 * i); break;
        }
        fflags(g, FS_CC, FS_C023);
        break;
    case 7: /* FCOM/FCOMP ST(i), FUCOM/FUCOMP/FUCOMPP, FTST, FXAM */
        switch (rn(g, 6)) {
        case 0: b2(g, 0xD0D8 + 0x100 * i); break;
        case 1: b2(g, 0xD8D8 + 0x100 * i); break;
        case 2: b2(g, 0xE0DD + 0x100 * i); break;
        case 3: b2(g, 0xE8DD + 0x100 * i); break;
        case 4: b2(g, 0xE9DA); break;
        default: b2(g, chance(g, 50) ? 0xE4D9 : 0xE5D9); break;
        }
        fflags(g, FS_CC, 0);
        break;
    case 8: { /* FCOMI FUCOMI FCOMIP FUCOMIP: EFLAGS, C1 only */
        static const uint16_t op[4] = {0xF0DB, 0xE8DB, 0xF0DF, 0xE8DF};
        b2(g, op[rn(g, 4)] + 0x100 * i);
        flags(g, FL_ALL, 0);
        /* SDM: C1 set to 0; AMD's APM and AMD CPUs leave it alone. */
        fflags(g, FS_C1, FS_C1);
        break;
    }
    case 9: { /* FCMOVcc */
        static const uint32_t need[4] = {FL_CF, FL_ZF, FL_CF | FL_ZF, FL_PF};
        uint32_t k = rn(g, 4);
        need_flags(g, need[k]);
        b1(g, chance(g, 50) ? 0xDA : 0xDB);
        b1(g, 0xC0 | k << 3 | i);
        fflags(g, FS_C023, FS_C023);
        break;
    }
    case 10:
    case 11: { /* FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1 */
        static const uint16_t op[8] = {0xE0D9, 0xE1D9, 0xFAD9, 0xFCD9, 0xFDD9, 0xF4D9, 0xF8D9, 0xF5D9};
        uint32_t k = rn(g, 8);
        b2(g, op[k]);
        fflags(g, FS_CC, k >= 6 ? 0 : FS_C023);
        break;
    }
    case 12: /* constants */
        b2(g, 0xE8D9 + 0x100 * rn(g, 7));
        fflags(g, FS_CC, FS_C023);
        break;
    case 13: /* FDECSTP FINCSTP FFREE FNOP FWAIT */
        switch (rn(g, 5)) {
        case 0: b2(g, 0xF6D9); break;
        case 1: b2(g, 0xF7D9); break;
        case 2: b2(g, 0xC0DD + 0x100 * i); break;
        case 3: b2(g, 0xD0D9); break;
        default: b1(g, 0x9B); return;
        }
        fflags(g, FS_CC, FS_CC);
        break;
    case 14: /* FNSTSW AX / m16 with defined condition codes */
        need_fsw(g);
        if (chance(g, 50)) {
            b2(g, 0xE0DF);
            if (chance(g, 50)) {
                b1(g, 0x9E); /* SAHF */
                flags(g, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, 0);
            }
        } else {
            fesc_mem(g, 0xDD, 7, 2, true);
        }
        fflags(g, FS_CC, FS_CC);
        break;
    case 15: { /* FLDCW with any PC and RC; now and then some exceptions
                * unmasked, so the next waiting instruction raises #MF (or
                * the sequence ends with ES set) on both sides */
        static const uint32_t pc[3] = {0, 2, 3};
        uint32_t mask = chance(g, 6) ? rn(g, 64) : 0x3F;
        uint32_t cw = 0x40 | mask | pc[rn(g, 3)] << 8 | rn(g, 4) << 10;
        struct opnd m = gen_mem(g, 2, 0);
        b1(g, 0x66);
        b1(g, 0xC7);
        gen_modrm(g, 0, &m);
        b2(g, cw);
        b1(g, 0xD9);
        gen_modrm(g, 5, &m);
        fflags(g, FS_CC, FS_CC);
        break;
    }
    case 19: { /* FNSTENV / FNSAVE (32-bit format), the full tag word */
        struct gen_seq *q = g->seq;
        if (q->nmasks + 4 > GEN_MAX_MASKS) {
            b2(g, 0xD0D9); /* FNOP */
            fflags(g, FS_CC, FS_CC);
            break;
        }
        /* Into a slot of the control page nothing else touches: other
         * instructions must not read the host-specific fields back. */
        bool save = chance(g, 50);
        struct opnd m;
        memset(&m, 0, sizeof(m));
        m.mem = true;
        m.form = M_ABS;
        m.addr = DIFF_CTL + CTL_ENV_SLOTS + CTL_ENV_SLOT_SIZE * rn(g, CTL_ENV_SLOT_COUNT);
        m.disp = (int32_t)m.addr;
        gen_seg_prefix(g, &m, true);
        b1(g, save ? 0xDD : 0xD9);
        gen_modrm(g, 6, &m);
        /* CW, SW and TW are compared; FIP/FCS/FOP/FDP/FDS and the reserved
         * halves are the host's own business. */
        struct gen_mask mk[4] = {{m.addr + 2, 2, 0},
                                 {m.addr + 4, 2, (uint16_t)~g->fundef},
                                 {m.addr + 6, 2, 0},
                                 {m.addr + 10, 18, 0}};
        for (int k = 0; k < 4; k++)
            q->mask[q->nmasks++] = mk[k];
        fflags(g, FS_CC, save ? 0 : FS_CC);
        break;
    }
    case 16: /* FNSTCW, FNCLEX, now and then FNINIT */
        if (chance(g, 60)) {
            fesc_mem(g, 0xD9, 7, 2, true);
            fflags(g, FS_CC, FS_CC);
        } else if (chance(g, 80)) {
            b2(g, 0xE2DB);
            fflags(g, FS_CC, FS_CC);
        } else {
            b2(g, 0xE3DB);
            fflags(g, FS_CC, 0);
        }
        break;
    case 17: g_edge_arith(g); break;
    case 18: g_edge_sqrt(g); break;
    case 20: g_edge_quick(g); break;
    default: gen_int(g); break;
    }
}

/* --- MMX -------------------------------------------------------------------- */

void gen_mmx(struct gen *g)
{
    /* The Pentium II's MMX opcodes (0F xx /r, mm, mm/m64); no SSE forms. */
    static const uint8_t bin[] = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A,
                                  0x6B, 0x74, 0x75, 0x76, 0xD1, 0xD2, 0xD3, 0xD5, 0xD8, 0xD9, 0xDB,
                                  0xDC, 0xDD, 0xDF, 0xE1, 0xE2, 0xE5, 0xE8, 0xE9, 0xEB, 0xEC, 0xED,
                                  0xEF, 0xF1, 0xF2, 0xF3, 0xF5, 0xF8, 0xF9, 0xFA, 0xFC, 0xFD, 0xFE};
    uint32_t mm = rn(g, 8);
    switch (rn(g, 10)) {
    case 0:
    case 1:
    case 2:
    case 3: {
        uint8_t op = bin[rn(g, sizeof(bin))];
        struct opnd s;
        memset(&s, 0, sizeof(s));
        if (chance(g, 35))
            s = gen_mem(g, 8, 0);
        else
            s.reg = (int)rn(g, 8);
        gen_seg_prefix(g, &s, false);
        b1(g, 0x0F);
        b1(g, op);
        gen_modrm(g, (int)mm, &s);
        break;
    }
    case 4: { /* shifts by imm8 */
        static const uint8_t op[8] = {0x71, 0x71, 0x71, 0x72, 0x72, 0x72, 0x73, 0x73};
        static const uint8_t rf[8] = {2, 4, 6, 2, 4, 6, 2, 6};
        uint32_t k = rn(g, 8);
        b1(g, 0x0F);
        b1(g, op[k]);
        b1(g, 0xC0 | (uint32_t)rf[k] << 3 | mm);
        b1(g, chance(g, 70) ? rn(g, 33) : rn(g, 256));
        break;
    }
    case 5: { /* MOVD mm, r/m32 */
        struct opnd s = gen_rm(g, 4, false, 0, 40);
        gen_seg_prefix(g, &s, false);
        b2(g, 0x6E0F);
        gen_modrm(g, (int)mm, &s);
        break;
    }
    case 6: { /* MOVD r/m32, mm */
        struct opnd d = gen_rm(g, 4, true, 0, 40);
        gen_seg_prefix(g, &d, true);
        b2(g, 0x7E0F);
        gen_modrm(g, (int)mm, &d);
        break;
    }
    case 7: { /* MOVQ both ways */
        bool store = chance(g, 50);
        struct opnd o;
        memset(&o, 0, sizeof(o));
        if (chance(g, 50))
            o = gen_mem(g, 8, 0);
        else
            o.reg = (int)rn(g, 8);
        gen_seg_prefix(g, &o, store);
        b1(g, 0x0F);
        b1(g, store ? 0x7F : 0x6F);
        gen_modrm(g, (int)mm, &o);
        break;
    }
    case 8:
        if (chance(g, 15)) {
            b2(g, 0x770F); /* EMMS mid-way */
            break;
        }
        /* fall through */
    default: gen_int(g); break;
    }
}

/* A random 80-bit value: mostly normal numbers near 1, with zeros,
 * denormals, infinities, NaNs and extreme exponents mixed in. */
void gen_rand_fx80(struct gen *g, uint8_t *p)
{
    uint64_t sig = rnd(g) | 1ull << 63;
    uint32_t exp;
    uint32_t r = rn(g, 100);
    if (chance(g, 30))
        sig &= ~((1ull << (rn(g, 60))) - 1); /* short significands: exact results */
    if (r < 75)
        exp = 16383 + rn(g, 129) - 64;
    else if (r < 80)
        exp = 0, sig = 0;
    else if (r < 84)
        exp = 0, sig = (rnd(g) >> 1) >> rn(g, 62);
    else if (r < 88)
        exp = 0x7FFF, sig = 1ull << 63;
    else if (r < 92)
        exp = 0x7FFF, sig |= 3ull << 62; /* quiet NaN */
    else if (r < 95)
        exp = 0x7FFF, sig = (sig & ~(1ull << 62)) | 1; /* signalling NaN */
    else
        exp = chance(g, 50) ? 1 + rn(g, 64) : 0x7FFE - rn(g, 64);
    uint16_t se = (uint16_t)(exp | (chance(g, 50) ? 0x8000u : 0));
    memcpy(p, &sig, 8);
    memcpy(p + 8, &se, 2);
}

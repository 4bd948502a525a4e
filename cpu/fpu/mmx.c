/* MMX (Pentium II): the eight 64-bit registers aliased on the x87
 * significands, the packed integer instructions, and FXSAVE/FXRSTOR. */
#include "cpu/fpu/fpu_ops.h"

/* SDM 2, MMX exception conditions: EM -> #UD, TS -> #NM, a pending x87
 * error -> #MF; the 66/F2/F3 forms are SSE/SSE2, which the P2 lacks. */
static void mmx_enter(struct cpu *c, const struct insn *i)
{
    if (i->rep || i->os32 != cs32(c))
        cpu_ud(c);
    if (c->cr[0] & CR0_EM)
        cpu_ud(c);
    if (c->cr[0] & CR0_TS)
        cpu_exception(c, EXC_NM, EXC_NO_ERR);
    if ((c->fpu.sw & FSW_ES) && !fpu_check_pending(c))
        cpu_ud(c); /* not reached on NE=1; with NE=0 IGNNE lets it go */
    /* SDM 1 §9.5.1: every MMX instruction sets TOP to 0 and all tags valid. */
    fpu_set_top(c, 0);
    c->fpu.tw = 0;
}

static uint64_t mm_get(const struct cpu *c, int n)
{
    return c->fpu.st[n & 7].sig;
}
static void mm_set(struct cpu *c, int n, uint64_t v)
{
    c->fpu.st[n & 7].sig = v;
    c->fpu.st[n & 7].se = 0xFFFF;
}

/* The source operand: mm register or m64. */
static uint64_t mm_src(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return mm_get(c, i->rm);
    return fpu_read64(c, i, insn_ea(c, i));
}

static int64_t lane_s(uint64_t v, int k, int bits)
{
    uint64_t x = (v >> (k * bits)) & (bits == 64 ? ~0ull : (1ull << bits) - 1);
    if (bits < 64 && (x >> (bits - 1)))
        x |= ~0ull << bits;
    return (int64_t)x;
}
static uint64_t lane_u(uint64_t v, int k, int bits)
{
    return (v >> (k * bits)) & (bits == 64 ? ~0ull : (1ull << bits) - 1);
}
static uint64_t lane_put(uint64_t r, int k, int bits, int64_t x)
{
    uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
    return r | (((uint64_t)x & m) << (k * bits));
}
static int64_t sat_s(int64_t x, int bits)
{
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -(1ll << (bits - 1));
    return x > hi ? hi : x < lo ? lo : x;
}
static int64_t sat_u(int64_t x, int bits)
{
    int64_t hi = (1ll << bits) - 1;
    return x > hi ? hi : x < 0 ? 0 : x;
}

enum { L_ADD, L_ADDS, L_ADDUS, L_SUB, L_SUBS, L_SUBUS, L_CMPEQ, L_CMPGT, L_MULL, L_MULH };

static uint64_t lanes(uint64_t a, uint64_t b, int bits, int op)
{
    uint64_t r = 0;
    for (int k = 0; k < 64 / bits; k++) {
        int64_t x = lane_s(a, k, bits), y = lane_s(b, k, bits), v;
        int64_t ux = (int64_t)lane_u(a, k, bits), uy = (int64_t)lane_u(b, k, bits);
        switch (op) {
        case L_ADD: v = x + y; break;
        case L_ADDS: v = sat_s(x + y, bits); break;
        case L_ADDUS: v = sat_u(ux + uy, bits); break;
        case L_SUB: v = x - y; break;
        case L_SUBS: v = sat_s(x - y, bits); break;
        case L_SUBUS: v = sat_u(ux - uy, bits); break;
        case L_CMPEQ: v = x == y ? -1 : 0; break;
        case L_CMPGT: v = x > y ? -1 : 0; break;
        case L_MULL: v = x * y; break;
        default: v = (x * y) >> 16; break;
        }
        r = lane_put(r, k, bits, v);
    }
    return r;
}

/* Shifts by a count (the whole 64-bit operand or imm8): counts past the
 * lane width give zero, or the sign for arithmetic shifts. */
enum { SH_RL, SH_RA, SH_LL };
static uint64_t shift_lanes(uint64_t a, uint64_t count, int bits, int kind)
{
    uint64_t r = 0;
    for (int k = 0; k < 64 / bits; k++) {
        uint64_t u = lane_u(a, k, bits);
        int64_t s = lane_s(a, k, bits), v;
        if (kind == SH_RA)
            v = s >> (count >= (uint64_t)bits ? bits - 1 : (int)count);
        else if (count >= (uint64_t)bits)
            v = 0;
        else
            v = (int64_t)(kind == SH_RL ? u >> count : u << count);
        r = lane_put(r, k, bits, v);
    }
    return r;
}

static uint64_t pack(uint64_t a, uint64_t b, int bits, bool unsig)
{
    uint64_t r = 0;
    int n = 64 / bits;
    for (int k = 0; k < 2 * n; k++) {
        int64_t x = k < n ? lane_s(a, k, bits) : lane_s(b, k - n, bits);
        r = lane_put(r, k, bits / 2, unsig ? sat_u(x, bits / 2) : sat_s(x, bits / 2));
    }
    return r;
}

static uint64_t unpack(uint64_t a, uint64_t b, int bits, bool high)
{
    uint64_t r = 0;
    int n = 64 / bits / 2, base = high ? n : 0;
    for (int k = 0; k < n; k++) {
        r = lane_put(r, 2 * k, bits, (int64_t)lane_u(a, base + k, bits));
        r = lane_put(r, 2 * k + 1, bits, (int64_t)lane_u(b, base + k, bits));
    }
    return r;
}

static uint64_t pmaddwd(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int k = 0; k < 2; k++) {
        int64_t v =
            lane_s(a, 2 * k, 16) * lane_s(b, 2 * k, 16) + lane_s(a, 2 * k + 1, 16) * lane_s(b, 2 * k + 1, 16);
        r = lane_put(r, k, 32, v);
    }
    return r;
}

/* 0F 60-6B, 74-76, D1-FE: mm = mm op mm/m64. */
void op_mmx(struct cpu *c, const struct insn *i)
{
    mmx_enter(c, i);
    uint64_t a = mm_get(c, i->reg), b = mm_src(c, i), r;
    switch (i->op & 0xFF) {
    case 0x60: r = unpack(a, b, 8, false); break;
    case 0x61: r = unpack(a, b, 16, false); break;
    case 0x62: r = unpack(a, b, 32, false); break;
    case 0x63: r = pack(a, b, 16, false); break;
    case 0x64: r = lanes(a, b, 8, L_CMPGT); break;
    case 0x65: r = lanes(a, b, 16, L_CMPGT); break;
    case 0x66: r = lanes(a, b, 32, L_CMPGT); break;
    case 0x67: r = pack(a, b, 16, true); break;
    case 0x68: r = unpack(a, b, 8, true); break;
    case 0x69: r = unpack(a, b, 16, true); break;
    case 0x6A: r = unpack(a, b, 32, true); break;
    case 0x6B: r = pack(a, b, 32, false); break;
    case 0x74: r = lanes(a, b, 8, L_CMPEQ); break;
    case 0x75: r = lanes(a, b, 16, L_CMPEQ); break;
    case 0x76: r = lanes(a, b, 32, L_CMPEQ); break;
    case 0xD1: r = shift_lanes(a, b, 16, SH_RL); break;
    case 0xD2: r = shift_lanes(a, b, 32, SH_RL); break;
    case 0xD3: r = shift_lanes(a, b, 64, SH_RL); break;
    case 0xD5: r = lanes(a, b, 16, L_MULL); break;
    case 0xD8: r = lanes(a, b, 8, L_SUBUS); break;
    case 0xD9: r = lanes(a, b, 16, L_SUBUS); break;
    case 0xDB: r = a & b; break;
    case 0xDC: r = lanes(a, b, 8, L_ADDUS); break;
    case 0xDD: r = lanes(a, b, 16, L_ADDUS); break;
    case 0xDF: r = ~a & b; break;
    case 0xE1: r = shift_lanes(a, b, 16, SH_RA); break;
    case 0xE2: r = shift_lanes(a, b, 32, SH_RA); break;
    case 0xE5: r = lanes(a, b, 16, L_MULH); break;
    case 0xE8: r = lanes(a, b, 8, L_SUBS); break;
    case 0xE9: r = lanes(a, b, 16, L_SUBS); break;
    case 0xEB: r = a | b; break;
    case 0xEC: r = lanes(a, b, 8, L_ADDS); break;
    case 0xED: r = lanes(a, b, 16, L_ADDS); break;
    case 0xEF: r = a ^ b; break;
    case 0xF1: r = shift_lanes(a, b, 16, SH_LL); break;
    case 0xF2: r = shift_lanes(a, b, 32, SH_LL); break;
    case 0xF3: r = shift_lanes(a, b, 64, SH_LL); break;
    case 0xF5: r = pmaddwd(a, b); break;
    case 0xF8: r = lanes(a, b, 8, L_SUB); break;
    case 0xF9: r = lanes(a, b, 16, L_SUB); break;
    case 0xFA: r = lanes(a, b, 32, L_SUB); break;
    case 0xFC: r = lanes(a, b, 8, L_ADD); break;
    case 0xFD: r = lanes(a, b, 16, L_ADD); break;
    case 0xFE: r = lanes(a, b, 32, L_ADD); break;
    default: cpu_ud(c);
    }
    mm_set(c, i->reg, r);
}

/* 0F 71/72/73 /2 /4 /6 ib: shifts by an immediate, register form only. */
void op_mmx_shift_imm(struct cpu *c, const struct insn *i)
{
    if (i->mod != 3)
        cpu_ud(c);
    mmx_enter(c, i);
    static const int bits[3] = {16, 32, 64};
    int kind = i->reg == 2 ? SH_RL : i->reg == 4 ? SH_RA : SH_LL;
    mm_set(c, i->rm, shift_lanes(mm_get(c, i->rm), i->imm & 0xFF, bits[(i->op & 0xFF) - 0x71], kind));
}

/* 0F 6E MOVD mm, r/m32; 0F 7E MOVD r/m32, mm. */
void op_movd(struct cpu *c, const struct insn *i)
{
    mmx_enter(c, i);
    if ((i->op & 0xFF) == 0x6E)
        mm_set(c, i->reg, rm_read(c, i, 4));
    else
        rm_write(c, i, (uint32_t)mm_get(c, i->reg), 4);
}

/* 0F 6F MOVQ mm, mm/m64; 0F 7F MOVQ mm/m64, mm. */
void op_movq(struct cpu *c, const struct insn *i)
{
    mmx_enter(c, i);
    if ((i->op & 0xFF) == 0x6F) {
        mm_set(c, i->reg, mm_src(c, i));
    } else if (i->mod == 3) {
        mm_set(c, i->rm, mm_get(c, i->reg));
    } else {
        fpu_write64(c, i, insn_ea(c, i), mm_get(c, i->reg));
    }
}

/* 0F 77 EMMS: all tags empty (SDM 2 EMMS). */
void op_emms(struct cpu *c, const struct insn *i)
{
    mmx_enter(c, i);
    c->fpu.tw = 0xFFFF;
}

/* 0F AE /0 FXSAVE, /1 FXRSTOR: the 512-byte image of SDM 2 FXSAVE, table
 * 3-53; the P2 has no SSE, so the MXCSR and XMM areas are left alone. */
void op_fxsave(struct cpu *c, const struct insn *i)
{
    if (c->cr[0] & (CR0_EM | CR0_TS))
        cpu_exception(c, EXC_NM, EXC_NO_ERR);
    uint32_t ea = insn_ea(c, i);
    uint32_t lin = c->seg[i->ea_seg].base + ea;
    if (lin & 15)
        cpu_exception(c, EXC_GP, 0);
    struct fpu *f = &c->fpu;
    int seg = i->ea_seg;
    if (i->reg == 0) {
        uint8_t ftw = 0;
        for (int p = 0; p < 8; p++)
            if (fpu_tag(c, p) != FTAG_EMPTY)
                ftw |= (uint8_t)(1u << p);
        /* Probe the far end first so a fault leaves memory untouched. */
        cpu_write(c, seg, fpu_ea_add(i, ea, 159), 0, 1);
        cpu_write(c, seg, ea, f->cw | (uint32_t)f->sw << 16, 4);
        cpu_write(c, seg, fpu_ea_add(i, ea, 4), ftw | (uint32_t)(f->fop & 0x7FF) << 16, 4);
        cpu_write(c, seg, fpu_ea_add(i, ea, 8), f->fip, 4);
        cpu_write(c, seg, fpu_ea_add(i, ea, 12), f->fcs, 4);
        cpu_write(c, seg, fpu_ea_add(i, ea, 16), f->fdp, 4);
        cpu_write(c, seg, fpu_ea_add(i, ea, 20), f->fds, 4);
        for (int k = 0; k < 8; k++) {
            uint32_t o = 32 + 16 * (uint32_t)k;
            struct fx80 v = fpu_st(c, k);
            fpu_write80(c, i, fpu_ea_add(i, ea, o), v);
            cpu_write(c, seg, fpu_ea_add(i, ea, o + 10), 0, 2);
            cpu_write(c, seg, fpu_ea_add(i, ea, o + 12), 0, 4);
        }
        return;
    }
    uint32_t w0 = cpu_read(c, seg, ea, 4), w1 = cpu_read(c, seg, fpu_ea_add(i, ea, 4), 4);
    uint32_t fip = cpu_read(c, seg, fpu_ea_add(i, ea, 8), 4),
             fcs = cpu_read(c, seg, fpu_ea_add(i, ea, 12), 4);
    uint32_t fdp = cpu_read(c, seg, fpu_ea_add(i, ea, 16), 4),
             fds = cpu_read(c, seg, fpu_ea_add(i, ea, 20), 4);
    struct fx80 r[8];
    for (int k = 0; k < 8; k++)
        r[k] = fpu_read80(c, i, fpu_ea_add(i, ea, 32 + 16 * (uint32_t)k));
    f->cw = (uint16_t)((w0 & 0x1F3F) | 0x0040);
    f->sw = (uint16_t)(w0 >> 16);
    f->fop = (uint16_t)((w1 >> 16) & 0x7FF);
    f->fip = fip;
    f->fcs = (uint16_t)fcs;
    f->fdp = fdp;
    f->fds = (uint16_t)fds;
    int top = fpu_top(c);
    for (int k = 0; k < 8; k++)
        f->st[(top + k) & 7] = r[k];
    /* The abridged tag: 1 = not empty; the rest is classified again. */
    for (int p = 0; p < 8; p++)
        fpu_set_tag(c, p, (w1 >> p) & 1 ? fpu_tag_of(f->st[p]) : FTAG_EMPTY);
    fpu_update_es(c);
}

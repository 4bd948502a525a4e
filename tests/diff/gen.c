/* Differential testing: a seeded generator of random Pentium II user-mode
 * instruction sequences: operands, the integer groups with the setup each
 * needs to stay inside the scratch buffer and the private stack, the
 * undefined-flag tracking (SDM Vol 2 and AMD APM Vol 3, per instruction),
 * the initial state and the sequence around them. x87 and MMX: gen_fp.c. */
#include "gen_priv.h"

/* A register value: mostly random, often small or at a boundary, since
 * that is where flags and carries get interesting. */
uint32_t gen_rval(struct gen *g)
{
    static const uint32_t edge[] = {0,          1,          0x7F,       0x80,       0xFF,       0x7FFF,
                                    0x8000,     0xFFFF,     0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
                                    0x80000001, 0x00010000, 0x0000FF00, 0x99,       0x09};
    switch (rn(g, 8)) {
    case 0:
    case 1: return rn(g, 256);
    case 2: return (uint32_t) - (int32_t)rn(g, 256);
    case 3: return edge[rn(g, sizeof(edge) / sizeof(edge[0]))];
    default: return (uint32_t)rnd(g);
    }
}

/* --- operands --------------------------------------------------------------- */

static int pick_reg(struct gen *g, uint32_t avoid)
{
    int r;
    do
        r = (int)rn(g, 8);
    while (avoid & (1u << r));
    return r;
}

/* A destination register: never ESP for 16/32-bit writes (the stack must
 * stay where the generator thinks it is). */
static int dst_reg(struct gen *g, int size)
{
    return size == 1 ? (int)rn(g, 8) : pick_reg(g, 1u << ESP);
}

static int32_t pick_disp(struct gen *g, int dsize)
{
    if (dsize == 1)
        return (int8_t)rn(g, 256);
    if (dsize == 4)
        return chance(g, 30) ? (int32_t)rnd(g) : (int32_t)rn(g, 8192) - 4096;
    return 0;
}

/* A memory operand of `size` bytes inside the scratch buffer (or the stack),
 * in one of the addressing forms; emits the MOVs that set its base and index
 * registers, never touching the ones in `avoid`. Address arithmetic may wrap
 * around 4 GB on the way, as flat segments allow. */
struct opnd gen_mem(struct gen *g, int size, uint32_t avoid)
{
    struct opnd m;
    memset(&m, 0, sizeof(m));
    m.mem = true;
    m.base = m.index = -1;
    avoid |= 1u << ESP;
    uint32_t target = DIFF_SCRATCH + 128 + rn(g, DIFF_SCRATCH_SIZE - 256 - (uint32_t)size);
    m.addr = target;
    uint32_t f = rn(g, 20);
    m.form = f < 3 ? M_ABS : f < 9 ? M_BASE : f < 16 ? M_SIB : f < 18 ? M_NOBASE : M_STACK;
    switch (m.form) {
    case M_ABS: m.disp = (int32_t)target; break;
    case M_BASE:
        m.base = pick_reg(g, avoid);
        m.dsize = (int)rn(g, 3);
        m.dsize = m.dsize == 2 ? 4 : m.dsize;
        if (m.base == EBP && m.dsize == 0)
            m.dsize = 1;
        m.disp = pick_disp(g, m.dsize);
        mov_r32(g, m.base, target - (uint32_t)m.disp);
        break;
    case M_SIB:
    case M_NOBASE: {
        m.index = pick_reg(g, avoid);
        m.scale = (int)rn(g, 4);
        uint32_t iv = chance(g, 15) ? (uint32_t)rnd(g) : (uint32_t)((int32_t)rn(g, 33) - 16);
        if (m.form == M_NOBASE) {
            m.dsize = 4;
            m.disp = (int32_t)(target - (iv << m.scale));
            mov_r32(g, m.index, iv);
            break;
        }
        m.base = pick_reg(g, avoid | (1u << m.index));
        m.dsize = (int)rn(g, 3);
        m.dsize = m.dsize == 2 ? 4 : m.dsize;
        if (m.base == EBP && m.dsize == 0)
            m.dsize = 1;
        m.disp = pick_disp(g, m.dsize);
        mov_r32(g, m.index, iv);
        mov_r32(g, m.base, target - (uint32_t)m.disp - (iv << m.scale));
        break;
    }
    case M_STACK:
        /* [esp+disp8]: ESP stays within the stack page (POP r/m takes
         * it after its own increment, still inside). */
        m.base = ESP;
        m.dsize = 1;
        m.disp = (int32_t)rn(g, 120) - 60;
        m.addr = DIFF_STACK_TOP - (uint32_t)g->depth + (uint32_t)m.disp;
        break;
    }
    return m;
}

/* A register or memory operand. */
struct opnd gen_rm(struct gen *g, int size, bool write, uint32_t avoid, int mem_pct)
{
    if (chance(g, (uint32_t)mem_pct))
        return gen_mem(g, size, avoid);
    struct opnd o;
    memset(&o, 0, sizeof(o));
    o.reg = write ? dst_reg(g, size) : (int)rn(g, 8);
    return o;
}

/* A segment override where it changes nothing on a flat machine: ES, CS
 * (reads only), SS, DS. FS and GS are Linux's TLS, so never those. */
void gen_seg_prefix(struct gen *g, const struct opnd *o, bool write)
{
    if (!o->mem || !chance(g, 12))
        return;
    static const uint8_t pfx[4] = {0x26, 0x36, 0x3E, 0x2E};
    b1(g, pfx[rn(g, write ? 3 : 4)]);
}

void gen_modrm(struct gen *g, int regf, const struct opnd *o)
{
    uint32_t rf = (uint32_t)(regf & 7) << 3;
    if (!o->mem) {
        b1(g, 0xC0 | rf | (uint32_t)o->reg);
        return;
    }
    uint32_t mod = o->dsize == 0 ? 0 : o->dsize == 1 ? 0x40 : 0x80;
    switch (o->form) {
    case M_ABS:
        b1(g, rf | 5);
        b4(g, (uint32_t)o->disp);
        return;
    case M_BASE: b1(g, mod | rf | (uint32_t)o->base); break;
    case M_SIB:
        b1(g, mod | rf | 4);
        b1(g, (uint32_t)o->scale << 6 | (uint32_t)o->index << 3 | (uint32_t)o->base);
        break;
    case M_NOBASE:
        b1(g, rf | 4);
        b1(g, (uint32_t)o->scale << 6 | (uint32_t)o->index << 3 | 5);
        b4(g, (uint32_t)o->disp);
        return;
    case M_STACK:
        b1(g, 0x40 | rf | 4);
        b1(g, 0x24);
        b1(g, (uint32_t)o->disp);
        return;
    }
    if (o->dsize == 1)
        b1(g, (uint32_t)o->disp);
    else if (o->dsize == 4)
        b4(g, (uint32_t)o->disp);
}

static void lock_prefix(struct gen *g, const struct opnd *o)
{
    if (o->mem && chance(g, 10))
        b1(g, 0xF0);
}

static int rsize(struct gen *g)
{
    uint32_t r = rn(g, 10);
    return r < 3 ? 1 : r < 5 ? 2 : 4;
}
static int rsize16(struct gen *g)
{
    return chance(g, 30) ? 2 : 4;
}

/* --- integer groups ------------------------------------------------------- */

static void g_alu(struct gen *g)
{
    int op = (int)rn(g, 8), size = rsize(g);
    bool w = op != 7;
    if (op == 2 || op == 3)
        need_flags(g, FL_CF);
    uint32_t wbit = size != 1;
    switch (rn(g, 5)) {
    case 0: { /* op r/m, reg */
        struct opnd d = gen_rm(g, size, w, 0, 50);
        o16(g, size);
        gen_seg_prefix(g, &d, w);
        if (w)
            lock_prefix(g, &d);
        b1(g, (uint32_t)op * 8 + wbit);
        gen_modrm(g, (int)rn(g, 8), &d);
        break;
    }
    case 1: { /* op reg, r/m */
        struct opnd s = gen_rm(g, size, false, 0, 50);
        o16(g, size);
        gen_seg_prefix(g, &s, false);
        b1(g, (uint32_t)op * 8 + 2 + wbit);
        gen_modrm(g, w ? dst_reg(g, size) : (int)rn(g, 8), &s);
        break;
    }
    case 2: /* op AL/eAX, imm */
        o16(g, size);
        b1(g, (uint32_t)op * 8 + 4 + wbit);
        imm(g, gen_rval(g), size);
        break;
    default: { /* 80/81/83 /op r/m, imm */
        struct opnd d = gen_rm(g, size, w, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &d, w);
        if (w)
            lock_prefix(g, &d);
        bool s8 = size != 1 && chance(g, 50);
        b1(g, size == 1 ? 0x80 : s8 ? 0x83 : 0x81);
        gen_modrm(g, op, &d);
        imm(g, gen_rval(g), s8 ? 1 : size);
        break;
    }
    }
    bool logic = op == 1 || op == 4 || op == 6;
    flags(g, FL_ALL, logic ? FL_AF : 0);
}

static void g_test(struct gen *g)
{
    int size = rsize(g);
    uint32_t wbit = size != 1;
    switch (rn(g, 3)) {
    case 0: {
        struct opnd d = gen_rm(g, size, false, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &d, false);
        b1(g, 0x84 + wbit);
        gen_modrm(g, (int)rn(g, 8), &d);
        break;
    }
    case 1:
        o16(g, size);
        b1(g, 0xA8 + wbit);
        imm(g, gen_rval(g), size);
        break;
    default: {
        struct opnd d = gen_rm(g, size, false, 0, 40);
        o16(g, size);
        b1(g, 0xF6 + wbit);
        gen_modrm(g, 0, &d);
        imm(g, gen_rval(g), size);
        break;
    }
    }
    flags(g, FL_ALL, FL_AF);
}

static void g_mov(struct gen *g)
{
    int size = rsize(g);
    uint32_t wbit = size != 1;
    switch (rn(g, 5)) {
    case 0: {
        struct opnd d = gen_rm(g, size, true, 0, 60);
        o16(g, size);
        gen_seg_prefix(g, &d, true);
        b1(g, 0x88 + wbit);
        gen_modrm(g, (int)rn(g, 8), &d);
        break;
    }
    case 1: {
        struct opnd s = gen_rm(g, size, false, 0, 60);
        o16(g, size);
        gen_seg_prefix(g, &s, false);
        b1(g, 0x8A + wbit);
        gen_modrm(g, dst_reg(g, size), &s);
        break;
    }
    case 2:
        o16(g, size);
        b1(g, (size == 1 ? 0xB0 : 0xB8) + (uint32_t)dst_reg(g, size));
        imm(g, gen_rval(g), size);
        break;
    case 3: {
        struct opnd d = gen_rm(g, size, true, 0, 70);
        o16(g, size);
        gen_seg_prefix(g, &d, true);
        b1(g, 0xC6 + wbit);
        gen_modrm(g, 0, &d);
        imm(g, gen_rval(g), size);
        break;
    }
    default: /* moffs: A0-A3 with an absolute address */
        o16(g, size);
        b1(g, 0xA0 + wbit + (chance(g, 50) ? 2 : 0));
        b4(g, DIFF_SCRATCH + 64 + rn(g, DIFF_SCRATCH_SIZE - 128));
        break;
    }
}

static void g_incdec(struct gen *g)
{
    int size = rsize(g), dec = (int)rn(g, 2);
    if (size != 1 && chance(g, 40)) {
        o16(g, size);
        b1(g, (dec ? 0x48 : 0x40) + (uint32_t)dst_reg(g, size));
    } else {
        struct opnd d = gen_rm(g, size, true, 0, 50);
        o16(g, size);
        gen_seg_prefix(g, &d, true);
        lock_prefix(g, &d);
        b1(g, size == 1 ? 0xFE : 0xFF);
        gen_modrm(g, dec, &d);
    }
    flags(g, FL_ALL & ~FL_CF, 0);
}

static void g_notneg(struct gen *g)
{
    int size = rsize(g), neg = (int)rn(g, 2);
    struct opnd d = gen_rm(g, size, true, 0, 40);
    o16(g, size);
    gen_seg_prefix(g, &d, true);
    lock_prefix(g, &d);
    b1(g, size == 1 ? 0xF6 : 0xF7);
    gen_modrm(g, 2 + neg, &d);
    if (neg)
        flags(g, FL_ALL, 0);
}

static void g_mul(struct gen *g)
{
    int size = rsize(g);
    uint32_t undef = FL_SF | FL_ZF | FL_AF | FL_PF;
    uint32_t r = rn(g, 4);
    if (r == 0 || size == 1) { /* MUL/IMUL r/m: EDX:EAX */
        struct opnd s = gen_rm(g, size, false, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &s, false);
        b1(g, size == 1 ? 0xF6 : 0xF7);
        gen_modrm(g, 4 + (int)rn(g, 2), &s);
    } else if (r == 1) { /* IMUL r, r/m */
        struct opnd s = gen_rm(g, size, false, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &s, false);
        b2(g, 0xAF0F);
        gen_modrm(g, dst_reg(g, size), &s);
    } else { /* IMUL r, r/m, imm */
        struct opnd s = gen_rm(g, size, false, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &s, false);
        bool s8 = r == 2;
        b1(g, s8 ? 0x6B : 0x69);
        gen_modrm(g, dst_reg(g, size), &s);
        imm(g, gen_rval(g), s8 ? 1 : size);
    }
    flags(g, FL_ALL, undef);
}

/* DIV/IDIV with a dividend and divisor chosen so the quotient fits (no #DE),
 * except now and then a raw one, whose #DE must then match too. */
static void g_div(struct gen *g)
{
    int size = rsize(g);
    bool sgn = chance(g, 50);
    bool raw = chance(g, 4);
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    uint32_t d;
    do
        d = gen_rval(g) & mask;
    while (d == 0 || d == mask); /* nor -1 for IDIV */
    /* The divisor must not be a register the setup changes. */
    uint32_t avoid = (1u << EAX) | (1u << EDX);
    struct opnd s;
    memset(&s, 0, sizeof(s));
    bool mem = chance(g, 40);
    if (!raw) {
        if (sgn) {
            o16(g, size == 1 ? 2 : size);
            if (size == 1) { /* CBW */
                b1(g, 0x98);
            } else {
                b1(g, 0x99); /* CWD/CDQ */
            }
        } else {
            uint32_t hi = rn(g, 1000003) % d;
            if (size == 1) {
                b1(g, 0xB4); /* mov ah, hi */
                b1(g, hi);
            } else {
                o16(g, size);
                b1(g, 0xBA);
                imm(g, hi, size);
            }
        }
    }
    if (mem) {
        s = gen_mem(g, size, avoid);
        if (!raw) {
            o16(g, size);
            b1(g, size == 1 ? 0xC6 : 0xC7);
            gen_modrm(g, 0, &s);
            imm(g, d, size);
        }
    } else {
        s.reg = size == 1 ? (int)(rn(g, 3) + 1) + (chance(g, 50) ? 4 : 0) : pick_reg(g, avoid | (1u << ESP));
        if (size == 1 && (s.reg & 3) == 0)
            s.reg = 1;
        if (!raw) {
            o16(g, size);
            b1(g, (size == 1 ? 0xB0 : 0xB8) + (uint32_t)s.reg);
            imm(g, d, size);
        }
    }
    o16(g, size);
    gen_seg_prefix(g, &s, false);
    b1(g, size == 1 ? 0xF6 : 0xF7);
    gen_modrm(g, sgn ? 7 : 6, &s);
    flags(g, FL_ALL, FL_ALL);
}

static void g_shift(struct gen *g)
{
    int size = rsize(g), op = (int)rn(g, 8);
    if (op == 6) /* the undocumented SAL alias */
        op = 4;
    int bits = 8 * size;
    uint32_t count = chance(g, 70) ? rn(g, (uint32_t)bits + 1) : rn(g, 256);
    int form = (int)rn(g, 3); /* 0: imm8, 1: by 1, 2: CL */
    if (form == 1)
        count = 1;
    if (op == 2 || op == 3)
        need_flags(g, FL_CF);
    struct opnd d = gen_rm(g, size, true, 1u << ECX, 40);
    if (form == 2) {
        b1(g, 0xB1); /* mov cl, count */
        b1(g, count);
    }
    o16(g, size);
    gen_seg_prefix(g, &d, true);
    uint32_t wbit = size != 1;
    b1(g, form == 0 ? 0xC0 + wbit : form == 1 ? 0xD0 + wbit : 0xD2 + wbit);
    gen_modrm(g, op, &d);
    if (form == 0)
        b1(g, count);
    uint32_t c = count & 31;
    if (c == 0)
        return;    /* flags unaffected */
    if (op <= 3) { /* rotates: CF, OF */
        flags(g, FL_CF | FL_OF, c == 1 ? 0 : FL_OF);
        return;
    }
    uint32_t undef = FL_AF | (c == 1 ? 0 : FL_OF);
    if (op != 7 && c >= (uint32_t)bits)
        undef |= FL_CF; /* SDM: CF undefined for SHL/SHR by >= the width */
    flags(g, FL_ALL, undef);
}

static void g_shld(struct gen *g)
{
    int size = rsize16(g);
    bool right = chance(g, 50), cl = chance(g, 50);
    /* A 16-bit count above 16 leaves the result undefined: keep it in range. */
    uint32_t count = size == 2 ? rn(g, 17) : rn(g, 32);
    if (chance(g, 10) && size == 4)
        count |= 0x20 * rn(g, 8); /* masked to 5 bits */
    struct opnd d = gen_rm(g, size, true, 1u << ECX, 40);
    int src = (int)rn(g, 8);
    if (cl) {
        if (!d.mem && d.reg == ECX)
            d.reg = EDX;
        b1(g, 0xB1);
        b1(g, count);
    }
    o16(g, size);
    gen_seg_prefix(g, &d, true);
    b1(g, 0x0F);
    b1(g, (right ? 0xAC : 0xA4) + (cl ? 1u : 0u));
    gen_modrm(g, src, &d);
    if (!cl)
        b1(g, count);
    uint32_t c = count & 31;
    if (c == 0)
        return;
    flags(g, FL_ALL, FL_AF | (c == 1 ? 0 : FL_OF));
}

static void g_bt(struct gen *g)
{
    int size = rsize16(g), op = (int)rn(g, 4); /* bt bts btr btc */
    if (chance(g, 50)) {                       /* 0F BA /4-7 ib */
        struct opnd d = gen_rm(g, size, op != 0, 0, 40);
        o16(g, size);
        gen_seg_prefix(g, &d, op != 0);
        if (op)
            lock_prefix(g, &d);
        b2(g, 0xBA0F);
        gen_modrm(g, 4 + op, &d);
        b1(g, rn(g, 256));
    } else {
        /* The bit offset register addresses memory beyond the operand:
         * keep it within a few dozen bytes either side. */
        int off = pick_reg(g, 1u << ESP);
        struct opnd d = gen_rm(g, size, op != 0, 1u << off, 40);
        if (d.mem) {
            o16(g, size);
            b1(g, 0xB8 + (uint32_t)off);
            imm(g, (uint32_t)((int32_t)rn(g, 512) - 256), size);
        }
        o16(g, size);
        gen_seg_prefix(g, &d, op != 0);
        if (op)
            lock_prefix(g, &d);
        b1(g, 0x0F);
        b1(g, 0xA3 + 8 * (uint32_t)op);
        gen_modrm(g, off, &d);
    }
    /* Intel: ZF unaffected; AMD: ZF undefined. Both: OF SF AF PF undefined. */
    flags(g, FL_ALL, FL_ALL & ~FL_CF);
}

static void g_bsf(struct gen *g)
{
    int size = rsize16(g);
    uint32_t v;
    do
        v = gen_rval(g) & (size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
    while (v == 0); /* a zero source leaves the destination undefined */
    struct opnd s = gen_rm(g, size, false, 0, 40);
    if (s.mem) {
        o16(g, size);
        b1(g, 0xC7);
        gen_modrm(g, 0, &s);
        imm(g, v, size);
    } else if (s.reg == ESP) {
        s.reg = EBX;
    }
    if (!s.mem) {
        o16(g, size);
        b1(g, 0xB8 + (uint32_t)s.reg);
        imm(g, v, size);
    }
    o16(g, size);
    gen_seg_prefix(g, &s, false);
    b1(g, 0x0F);
    b1(g, chance(g, 50) ? 0xBC : 0xBD);
    gen_modrm(g, dst_reg(g, size), &s);
    flags(g, FL_ALL, FL_ALL & ~FL_ZF);
}

static void g_setcc(struct gen *g)
{
    int cc = (int)rn(g, 16);
    need_flags(g, cc_flags(cc));
    struct opnd d = gen_rm(g, 1, true, 0, 30);
    gen_seg_prefix(g, &d, true);
    b1(g, 0x0F);
    b1(g, 0x90 + (uint32_t)cc);
    gen_modrm(g, 0, &d);
}

static void g_cmov(struct gen *g)
{
    int cc = (int)rn(g, 16), size = rsize16(g);
    need_flags(g, cc_flags(cc));
    struct opnd s = gen_rm(g, size, false, 0, 40);
    o16(g, size);
    gen_seg_prefix(g, &s, false);
    b1(g, 0x0F);
    b1(g, 0x40 + (uint32_t)cc);
    gen_modrm(g, dst_reg(g, size), &s);
}

static void g_bswap(struct gen *g)
{
    b1(g, 0x0F);
    b1(g, 0xC8 + (uint32_t)dst_reg(g, 4));
}

static void g_xchg(struct gen *g)
{
    int size = rsize(g);
    uint32_t r = rn(g, 4);
    if (r == 0 && size != 1) {
        o16(g, size);
        b1(g, 0x90 + (uint32_t)dst_reg(g, size));
        return;
    }
    struct opnd d = gen_rm(g, size, true, 0, 50);
    o16(g, size);
    gen_seg_prefix(g, &d, true);
    if (r == 1)
        lock_prefix(g, &d);
    if (r <= 1) {
        b1(g, 0x86 + (size != 1));
    } else { /* XADD, CMPXCHG */
        b1(g, 0x0F);
        b1(g, (r == 2 ? 0xC0 : 0xB0) + (size != 1));
    }
    gen_modrm(g, dst_reg(g, size), &d);
    if (r >= 2)
        flags(g, FL_ALL, 0);
}

static void g_cmpxchg8b(struct gen *g)
{
    /* EAX and EDX are loaded from the operand so the compare succeeds
     * sometimes: they must not be its base or index. */
    struct opnd d = gen_mem(g, 8, 1u << EAX | 1u << EDX);
    if (chance(g, 50)) {
        b1(g, 0x8B);
        gen_modrm(g, EAX, &d);
        struct opnd d4 = d;
        d4.disp += 4;
        if (d4.dsize == 0 && (d4.form == M_BASE || d4.form == M_SIB))
            d4.dsize = 1;
        if (d4.dsize == 1 && d4.disp > 127 && d4.form != M_STACK)
            d4.dsize = 4;
        if (chance(g, 70) && !(d4.form == M_STACK && d4.disp > 127)) {
            b1(g, 0x8B);
            gen_modrm(g, EDX, &d4);
        }
    }
    gen_seg_prefix(g, &d, true);
    lock_prefix(g, &d);
    b2(g, 0xC70F);
    gen_modrm(g, 1, &d);
    flags(g, FL_ZF, 0);
}

static void g_movx(struct gen *g)
{
    int size = rsize16(g);
    bool word = chance(g, 40);
    struct opnd s = gen_rm(g, word ? 2 : 1, false, 0, 40);
    o16(g, size);
    gen_seg_prefix(g, &s, false);
    b1(g, 0x0F);
    b1(g, (chance(g, 50) ? 0xBE : 0xB6) + (word ? 1u : 0u));
    gen_modrm(g, dst_reg(g, size), &s);
}

/* LEA reads no memory: any base, index and displacement, and the 16-bit
 * address forms (67h) too. */
static void g_lea(struct gen *g)
{
    int size = rsize16(g);
    bool a16 = chance(g, 25);
    o16(g, size);
    if (a16)
        b1(g, 0x67);
    b1(g, 0x8D);
    uint32_t mod = rn(g, 3), rm = rn(g, 8), reg = (uint32_t)dst_reg(g, size);
    b1(g, mod << 6 | reg << 3 | rm);
    if (a16) {
        if (mod == 1)
            b1(g, rn(g, 256));
        else if (mod == 2 || (mod == 0 && rm == 6))
            b2(g, (uint32_t)rnd(g));
        return;
    }
    bool sib = rm == 4;
    uint32_t base = 0;
    if (sib) {
        uint32_t sb = (uint32_t)rnd(g) & 0xFF;
        b1(g, sb);
        base = sb & 7;
    }
    if (mod == 1)
        b1(g, rn(g, 256));
    else if (mod == 2 || (mod == 0 && (sib ? base == 5 : rm == 5)))
        b4(g, (uint32_t)rnd(g));
}

static void g_misc(struct gen *g)
{
    switch (rn(g, 12)) {
    case 0: /* CBW/CWDE/CWD/CDQ */
        if (chance(g, 40))
            b1(g, 0x66);
        b1(g, chance(g, 50) ? 0x98 : 0x99);
        break;
    case 1:
        need_flags(g, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
        b1(g, 0x9F); /* LAHF */
        break;
    case 2:
        b1(g, 0x9E); /* SAHF */
        flags(g, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, 0);
        break;
    case 3:
        need_flags(g, FL_CF);
        b1(g, 0xF5); /* CMC */
        break;
    case 4:
        b1(g, chance(g, 50) ? 0xF8 : 0xF9); /* CLC/STC */
        flags(g, FL_CF, 0);
        break;
    case 5:
        b1(g, chance(g, 50) ? 0xFC : 0xFD); /* CLD/STD */
        break;
    case 6: /* XLAT */
        mov_r32(g, EBX, DIFF_SCRATCH + 64 + rn(g, DIFF_SCRATCH_SIZE - 512));
        b1(g, 0xD7);
        break;
    case 7: /* DAA/DAS */
        need_flags(g, FL_AF | FL_CF);
        b1(g, chance(g, 50) ? 0x27 : 0x2F);
        flags(g, FL_ALL, FL_OF);
        break;
    case 8: /* AAA/AAS */
        need_flags(g, FL_AF);
        b1(g, chance(g, 50) ? 0x37 : 0x3F);
        flags(g, FL_ALL, FL_OF | FL_SF | FL_ZF | FL_PF);
        break;
    case 9: { /* AAM/AAD: a zero AAM divisor is #DE, rarely on purpose */
        bool aam = chance(g, 50);
        uint32_t base = chance(g, 60) ? 10 : rn(g, 256);
        if (aam && base == 0 && !chance(g, 10))
            base = 7;
        b1(g, aam ? 0xD4 : 0xD5);
        b1(g, base);
        flags(g, FL_ALL, FL_OF | FL_AF | FL_CF);
        break;
    }
    case 10: { /* multi-byte NOP (P6) */
        struct opnd o = gen_rm(g, 4, false, 0, 80);
        if (chance(g, 30))
            b1(g, 0x66);
        b2(g, 0x1F0F);
        gen_modrm(g, 0, &o);
        break;
    }
    default: b1(g, 0x90); break;
    }
}

/* REP string ops with small counts inside the scratch buffer, both
 * directions. */
static void g_string(struct gen *g)
{
    static const uint8_t ops[5] = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
    int k = (int)rn(g, 5);
    int size = rsize(g);
    bool cmp = ops[k] == 0xA6 || ops[k] == 0xAE;
    bool src = ops[k] == 0xA4 || ops[k] == 0xA6 || ops[k] == 0xAC;
    if (chance(g, 30))
        b1(g, chance(g, 50) ? 0xFC : 0xFD);
    mov_r32(g, ESI, DIFF_SCRATCH + 512 + rn(g, DIFF_SCRATCH_SIZE - 1024));
    mov_r32(g, EDI, DIFF_SCRATCH + 512 + rn(g, DIFF_SCRATCH_SIZE - 1024));
    uint32_t rep = rn(g, 3), count = 1;
    if (rep) {
        count = chance(g, 10) ? 0 : rn(g, 13);
        mov_r32(g, ECX, count);
    }
    o16(g, size);
    if (src && chance(g, 20)) {
        static const uint8_t pfx[4] = {0x26, 0x2E, 0x36, 0x3E};
        b1(g, pfx[rn(g, 4)]);
    }
    if (rep)
        b1(g, cmp && rep == 2 ? 0xF2 : 0xF3);
    b1(g, ops[k] + (size != 1));
    if (cmp && count)
        flags(g, FL_ALL, 0);
}

static void g_stack(struct gen *g)
{
    bool up = g->depth > STACK_SLACK / 2    ? chance(g, 80)
              : g->depth < -STACK_SLACK / 2 ? chance(g, 20)
                                            : chance(g, 50);
    if (!up) { /* pushes */
        switch (rn(g, 8)) {
        case 0:
        case 1:
            b1(g, 0x50 + rn(g, 8));
            g->depth += 4;
            break;
        case 2:
            b1(g, 0x66);
            b1(g, 0x50 + rn(g, 8));
            g->depth += 2;
            break;
        case 3:
            if (chance(g, 50)) {
                b1(g, 0x68);
                b4(g, gen_rval(g));
            } else {
                b1(g, 0x6A);
                b1(g, rn(g, 256));
            }
            g->depth += 4;
            break;
        case 4: {
            struct opnd s = gen_mem(g, 4, 0);
            b1(g, 0xFF);
            gen_modrm(g, 6, &s);
            g->depth += 4;
            break;
        }
        case 5:
            b1(g, 0x60); /* PUSHAD */
            g->depth += 32;
            break;
        case 6:
            need_flags(g, FL_ALL);
            b1(g, 0x9C);
            g->depth += 4;
            break;
        default:
            b1(g, 0xE8); /* CALL $+5: pushes an absolute address */
            b4(g, 0);
            g->depth += 4;
            break;
        }
        return;
    }
    switch (rn(g, 7)) {
    case 0:
    case 1:
        b1(g, 0x58 + (uint32_t)dst_reg(g, 4));
        g->depth -= 4;
        break;
    case 2:
        b1(g, 0x66);
        b1(g, 0x58 + (uint32_t)dst_reg(g, 2));
        g->depth -= 2;
        break;
    case 3: { /* POP r/m: an ESP base is taken after the increment */
        struct opnd d = gen_mem(g, 4, 0);
        b1(g, 0x8F);
        gen_modrm(g, 0, &d);
        g->depth -= 4;
        break;
    }
    case 4:
        b1(g, 0x61); /* POPAD */
        g->depth -= 32;
        break;
    case 5: { /* POPF of a value that leaves IF, IOPL, TF and AC alone */
        uint32_t v = 0x202 | ((uint32_t)rnd(g) & (FL_ALL | FL_DF));
        bool w = chance(g, 30);
        if (w)
            b1(g, 0x66);
        b1(g, 0x68);
        imm(g, v, w ? 2 : 4);
        if (w)
            b1(g, 0x66);
        b1(g, 0x9D);
        flags(g, FL_ALL, 0);
        break;
    }
    default: { /* ENTER with a frame pointer inside the stack, then LEAVE */
        bool w = chance(g, 20);
        uint32_t esp = DIFF_STACK_TOP - (uint32_t)g->depth;
        mov_r32(g, EBP, esp - 64 + 4 * rn(g, 32));
        if (w)
            b1(g, 0x66);
        b1(g, 0xC8);
        b2(g, rn(g, 48));
        b1(g, rn(g, 5));
        if (w)
            b1(g, 0x66);
        b1(g, 0xC9);
        break;
    }
    }
}

/* A forward branch over the next one to three groups. */
static void g_branch(struct gen *g)
{
    uint32_t r = rn(g, 8);
    g->br_width = 1;
    if (r < 3) {
        int cc = (int)rn(g, 16);
        need_flags(g, cc_flags(cc));
        if (r == 2) {
            b1(g, 0x0F);
            b1(g, 0x80 + (uint32_t)cc);
            g->br_width = 4;
        } else {
            b1(g, 0x70 + (uint32_t)cc);
        }
    } else if (r == 3) {
        b1(g, 0xEB);
    } else if (r == 4) {
        b1(g, 0xE3); /* JECXZ */
    } else {
        uint32_t op = 0xE0 + rn(g, 3); /* LOOPNE LOOPE LOOP */
        if (op != 0xE2)
            need_flags(g, FL_ZF);
        if (chance(g, 50))
            mov_r32(g, ECX, rn(g, 3));
        b1(g, op);
    }
    g->br_patch = g->len;
    for (int k = 0; k < g->br_width; k++)
        b1(g, 0);
    g->br_from = g->len;
    g->br_on = true;
    g->br_groups = 1 + (int)rn(g, 3);
    g->br_undef = g->undef;
    g->br_fundef = g->fundef;
}

/* Place the branch target: from here on the flags are what either path
 * left, so undefined on either is undefined. */
static void branch_close(struct gen *g)
{
    uint32_t disp = g->len - g->br_from;
    for (int k = 0; k < g->br_width; k++)
        g->code[g->br_patch + (uint32_t)k] = (uint8_t)(disp >> (8 * k));
    g->undef |= g->br_undef;
    g->fundef |= g->br_fundef;
    g->br_on = false;
}

void gen_int(struct gen *g)
{
    static const uint8_t weights[] = {22, 6, 4, 5, 4, 4, 3, 10, 3, 4, 2, 3, 4, 2, 5, 1, 3, 3, 9, 6, 7, 4};
    uint32_t total = 0;
    for (size_t k = 0; k < sizeof(weights); k++)
        total += weights[k];
    if (g->jit && chance(g, 12)) {
        gen_jit_extra(g);
        return;
    }
    uint32_t r = rn(g, total), k = 0;
    while (r >= weights[k])
        r -= weights[k++];
    /* Inside a skipped region the stack depth must stay known, and
     * branches do not nest. */
    if (g->br_on && (k == 19 || k == 21))
        k = 0;
    switch (k) {
    case 0: g_alu(g); break;
    case 1: g_mov(g); break;
    case 2: g_test(g); break;
    case 3: g_incdec(g); break;
    case 4: g_notneg(g); break;
    case 5: g_mul(g); break;
    case 6: g_div(g); break;
    case 7: g_shift(g); break;
    case 8: g_shld(g); break;
    case 9: g_bt(g); break;
    case 10: g_bsf(g); break;
    case 11: g_setcc(g); break;
    case 12: g_cmov(g); break;
    case 13: g_bswap(g); break;
    case 14: g_xchg(g); break;
    case 15: g_cmpxchg8b(g); break;
    case 16: g_movx(g); break;
    case 17: g_lea(g); break;
    case 18: g_misc(g); break;
    case 19: g_stack(g); break;
    case 20: g_string(g); break;
    default: g_branch(g); break;
    }
}

/* --- initial state ------------------------------------------------------- */

static void init_data(struct gen *g, uint8_t *d)
{
    memset(d, 0, DIFF_DATA_SIZE);
    for (int r = 0; r < 8; r++)
        put32(d + CTL_INIT_REGS + 4 * r, r == ESP ? DIFF_STACK_TOP : gen_rval(g));
    uint32_t fl = 0x202 | ((uint32_t)rnd(g) & FL_ALL) | (chance(g, 20) ? FL_DF : 0);
    put32(d + CTL_INIT_EFLAGS, fl);
    /* The FXRSTOR image: exceptions masked, random PC/RC, TOP and stack. */
    uint8_t *fx = d + CTL_INIT_FX;
    static const uint32_t pc[3] = {0, 2, 3};
    uint16_t cw = chance(g, 50) ? 0x037F : (uint16_t)(0x7F | pc[rn(g, 3)] << 8 | rn(g, 4) << 10);
    uint32_t top = rn(g, 8), n = rn(g, 9);
    uint16_t sw = (uint16_t)(top << 11 | ((uint32_t)rnd(g) & FS_CC));
    uint8_t ftw = 0;
    for (uint32_t k = 0; k < n; k++)
        ftw |= (uint8_t)(1u << ((top + k) & 7));
    memcpy(fx, &cw, 2);
    memcpy(fx + 2, &sw, 2);
    fx[4] = ftw;
    put32(fx + 24, 0x1F80); /* MXCSR: the host's FXRSTOR checks it */
    for (int k = 0; k < 8; k++)
        gen_rand_fx80(g, fx + 32 + 16 * k);
    /* Scratch: random bytes mixed with doubles, floats and small ints, so
     * the x87 loads see ordinary numbers as well as odd encodings. */
    uint8_t *s = d + (DIFF_SCRATCH - DIFF_DATA);
    for (uint32_t o = 0; o < DIFF_SCRATCH_SIZE; o += 8) {
        uint32_t r = rn(g, 10);
        if (r < 4) {
            uint64_t v = rnd(g);
            memcpy(s + o, &v, 8);
        } else if (r < 7) {
            double v = rdouble(g, -1000, 1000);
            if (chance(g, 30))
                v = (double)(int)v;
            memcpy(s + o, &v, 8);
        } else if (r < 9) {
            float f[2] = {(float)rdouble(g, -100, 100), (float)(int)rdouble(g, -1e4, 1e4)};
            memcpy(s + o, f, 8);
        } else {
            put32(s + o, gen_rval(g));
            put32(s + o + 4, gen_rval(g));
        }
    }
    uint8_t *st = d + (DIFF_STACK - DIFF_DATA);
    for (uint32_t o = 0; o < DIFF_STACK_SIZE; o += 4)
        put32(st + o, gen_rval(g));
}

/* --- the sequence ----------------------------------------------------------- */

static void prologue(struct gen *g, struct gen_seq *s)
{
    b4(g, 0x55575653); /* push ebx, esi, edi, ebp: the runner's registers */
    b2(g, 0x2589);     /* mov [host_esp], esp */
    b4(g, DIFF_CTL + CTL_HOST_ESP);
    s->dc.entry = g->len;
    b2(g, 0xAE0F); /* fxrstor [init_fx] */
    b1(g, 0x0D);
    b4(g, DIFF_CTL + CTL_INIT_FX);
    b2(g, 0x258B); /* mov esp, [init esp] */
    b4(g, DIFF_CTL + CTL_INIT_REGS + 4 * ESP);
    b2(g, 0x35FF); /* push dword [init eflags]; popfd */
    b4(g, DIFF_CTL + CTL_INIT_EFLAGS);
    b1(g, 0x9D);
    for (int r = 0; r < 8; r++) {
        if (r == ESP)
            continue;
        b1(g, 0x8B);
        b1(g, 0x05 | (uint32_t)r << 3);
        b4(g, DIFF_CTL + CTL_INIT_REGS + 4 * (uint32_t)r);
    }
}

static void epilogue(struct gen *g, struct gen_seq *s)
{
    b1(g, 0x9C); /* pushfd; pop dword [out eflags] */
    b2(g, 0x058F);
    b4(g, DIFF_CTL + CTL_OUT_EFLAGS);
    for (int r = 0; r < 8; r++) {
        b1(g, 0x89);
        b1(g, 0x05 | (uint32_t)r << 3);
        b4(g, DIFF_CTL + CTL_OUT_REGS + 4 * (uint32_t)r);
    }
    b2(g, 0xAE0F); /* fxsave [out_fx] */
    b1(g, 0x05);
    b4(g, DIFF_CTL + CTL_OUT_FX);
    s->dc.stop = g->len;
    b2(g, 0x258B); /* mov esp, [host_esp] */
    b4(g, DIFF_CTL + CTL_HOST_ESP);
    b4(g, 0x5B5E5F5D); /* pop ebp, edi, esi, ebx */
    b1(g, 0xFC);       /* cld */
    b1(g, 0xC3);
}

const char *gen_class_name(enum gen_class c)
{
    static const char *const n[GEN_CLASSES] = {"int", "x87", "trans", "mmx"};
    return c < GEN_CLASSES ? n[c] : "?";
}

void gen_sequence(struct gen_seq *s, uint64_t seed, uint32_t index, enum gen_class only)
{
    gen_sequence_ex(s, seed, index, only, 0);
}

void gen_sequence_ex(struct gen_seq *s, uint64_t seed, uint32_t index, enum gen_class only, unsigned flags)
{
    memset(s, 0, sizeof(*s));
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.jit = (flags & GEN_F_JIT) != 0;
    g.rng = splitmix(splitmix(seed) ^ (0xD1B54A32D192ED03ull * (index + 1ull))) | 1;
    g.code = s->dc.code;
    g.seq = s;
    uint32_t r = rn(&g, 100);
    g.cls = only < GEN_CLASSES ? only : r < 50 ? GEN_INT : r < 75 ? GEN_X87 : r < 85 ? GEN_TRANS : GEN_MMX;
    s->cls = g.cls;
    init_data(&g, s->dc.data);
    prologue(&g, s);
    if (g.jit && chance(&g, 50)) {
        /* The body across a page boundary: a JMP over a gap of INT3s. */
        uint32_t at = g.len, want = 0x1000 - 16 - rn(&g, 0x200);
        b1(&g, 0xE9);
        b4(&g, want - (at + 5));
        while (g.len < want)
            b1(&g, 0xCC);
    }
    s->body_start = g.len;
    int groups = 12 + (int)rn(&g, GEN_MAX_GROUPS - 12);
    for (int n = 0; n < groups; n++) {
        if (g.br_on && (g.br_groups <= 0 || g.len - g.br_from > BRANCH_SPAN))
            branch_close(&g);
        uint32_t len = g.len, undef = g.undef;
        uint16_t fundef = g.fundef;
        switch (g.cls) {
        case GEN_INT: gen_int(&g); break;
        case GEN_X87: gen_x87(&g, false); break;
        case GEN_TRANS: gen_x87(&g, true); break;
        default: gen_mmx(&g); break;
        }
        if (g.br_on && g.br_width == 1 && g.len - g.br_from > 127) {
            /* The group would put the target out of rel8 reach: drop it
             * and place the target here instead. */
            g.len = len;
            g.undef = undef;
            g.fundef = fundef;
            branch_close(&g);
        }
        if (g.br_on)
            g.br_groups--;
        struct gen_cut *c = &s->cut[s->groups++];
        c->end = g.len;
        c->eflags_undef = g.undef | (g.br_on ? g.br_undef : 0);
        c->fsw_undef = (uint16_t)(g.fundef | (g.br_on ? g.br_fundef : 0));
        c->branch_open = g.br_on;
    }
    if (g.br_on)
        branch_close(&g);
    if (g.cls == GEN_MMX)
        b2(&g, 0x770F); /* EMMS */
    s->body_end = g.len;
    epilogue(&g, s);
    s->dc.magic = DIFF_MAGIC;
    s->dc.code_len = g.len;
    s->eflags_undef = g.undef;
    s->fsw_undef = g.fundef;
}

bool gen_truncate(const struct gen_seq *s, uint32_t groups, struct gen_seq *out)
{
    if (groups == 0 || groups > s->groups || s->cut[groups - 1].branch_open)
        return false;
    const struct gen_cut *c = &s->cut[groups - 1];
    *out = *s;
    /* The epilogue has no relative branches: it moves as it is. */
    uint32_t tail = s->dc.code_len - s->body_end;
    memcpy(out->dc.code + c->end, s->dc.code + s->body_end, tail);
    out->dc.code_len = c->end + tail;
    out->dc.stop = c->end + (s->dc.stop - s->body_end);
    out->body_end = c->end;
    out->eflags_undef = c->eflags_undef;
    out->fsw_undef = c->fsw_undef;
    out->groups = groups;
    return true;
}

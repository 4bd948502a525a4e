/* The x86-64 backend of translator/emit.h. Registers: rbx holds the CPU
 * state pointer for the whole block; T0/T1 are r12d/r13d, A is r14d and P
 * is r15 -- all callee-saved, so helper calls keep them; rax and rcx are
 * scratch inside one operation. The other eight hold the guest's general
 * registers (gr_host): a call clobbers the caller-saved ones, so they are
 * written back before and forgotten after every call. */
#if defined(__x86_64__)
#include <string.h>

#include "cpu/cpu.h"
#include "translator/emit.h"
#include "translator/translate.h"

enum {
    RAX = 0,
    RCX = 1,
    RDX = 2,
    RBX = 3,
    RSP = 4,
    RBP = 5,
    RSI = 6,
    RDI = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
    R11 = 11,
    R12 = 12,
    R13 = 13,
    R14 = 14,
    R15 = 15
};
#define NOIDX (-1)

_Static_assert(sizeof(struct tlb_entry) == 16, "the TLB index is scaled by 16");
_Static_assert(offsetof(struct tlb_entry, addend) == 8, "tlb layout");
_Static_assert(sizeof(struct jit_ibtc) == 32 && offsetof(struct jit_ibtc, eip) == 8 &&
                   offsetof(struct jit_ibtc, hflags) == 12 && offsetof(struct jit_ibtc, cs_base) == 16 &&
                   offsetof(struct jit_ibtc, entry) == 24,
               "the indirect-branch table layout the lookup code reads");

static int hreg(int t)
{
    return t == T0 ? R12 : R13;
}

/* The host register of guest register n (EAX..EDI). */
static const int gr_host[8] = {R8, R9, R10, R11, RSI, RBP, RDI, RDX};
static void gr_load_mask(struct emit *e, unsigned mask);

static void put(struct emit *e, const void *p, size_t n)
{
    if (e->pos + n > e->cap) {
        e->overflow = true;
        return;
    }
    memcpy(e->buf + e->pos, p, n);
    e->pos += n;
}
static void put8(struct emit *e, uint8_t b)
{
    put(e, &b, 1);
}
static void put32(struct emit *e, uint32_t v)
{
    put(e, &v, 4);
}
static void put64(struct emit *e, uint64_t v)
{
    put(e, &v, 8);
}

/* An immediate of an instruction of `size` bytes (1, 2 or 4). */
static void put_imm(struct emit *e, uint32_t v, int size)
{
    if (size == 1)
        put8(e, (uint8_t)v);
    else if (size == 2)
        put(e, &v, 2);
    else
        put32(e, v);
}

/* One instruction with a ModRM operand. size: 1, 2, 4 or 8 (operand size,
 * giving the 0x66 prefix and REX.W); opc: the opcode bytes for that size.
 * rm is a register, or when mem is set, [base + index + disp32]. */
struct operand {
    bool mem;
    int rm; /* register, or the base register */
    int index;
    int32_t disp;
};
static struct operand R(int r) {
    return (struct operand){false, r, NOIDX, 0};
} static struct operand M(int base, int32_t disp) {
    return (struct operand){true, base, NOIDX, disp};
} static struct operand S(size_t off) {
    return M(RBX, (int32_t)off);
}

static void
op(struct emit *e, int size, const char *opc, int nopc, int reg, struct operand o)
{
    if (size == 2)
        put8(e, 0x66);
    uint8_t rex = 0x40;
    if (size == 8)
        rex |= 8;
    if (reg >= 8)
        rex |= 4;
    if (o.mem && o.index >= 8)
        rex |= 2;
    if (o.rm >= 8)
        rex |= 1;
    /* Byte registers 4-7 are spl..dil only with a REX prefix, also as the
     * source of MOVZX/MOVSX. */
    bool byte_src =
        size == 1 || (nopc == 2 && opc[0] == 0x0F && (opc[1] == (char)0xB6 || opc[1] == (char)0xBE));
    bool byte_rex = (size == 1 && reg >= 4 && reg < 8) || (byte_src && !o.mem && o.rm >= 4 && o.rm < 8);
    if (rex != 0x40 || byte_rex)
        put8(e, rex);
    put(e, opc, (size_t)nopc);
    if (!o.mem) {
        put8(e, (uint8_t)(0xC0 | (reg & 7) << 3 | (o.rm & 7)));
        return;
    }
    /* disp8 when it fits: shorter code, the same meaning. */
    bool d8 = o.disp >= -128 && o.disp <= 127;
    uint8_t mod = d8 ? 0x40 : 0x80;
    if (o.index != NOIDX || (o.rm & 7) == 4) {
        put8(e, (uint8_t)(mod | (reg & 7) << 3 | 4));
        int idx = o.index == NOIDX ? 4 : (o.index & 7);
        put8(e, (uint8_t)(idx << 3 | (o.rm & 7)));
    } else {
        put8(e, (uint8_t)(mod | (reg & 7) << 3 | (o.rm & 7)));
    }
    if (d8)
        put8(e, (uint8_t)o.disp);
    else
        put32(e, (uint32_t)o.disp);
}

/* Forms with an 8-bit opcode (byte) and a full-size one (word/dword). */
static void op_bv(struct emit *e, int size, uint8_t opc_b, uint8_t opc_v, int reg, struct operand o)
{
    char b = (char)(size == 1 ? opc_b : opc_v);
    op(e, size, &b, 1, reg, o);
}

static void mov_r_imm32(struct emit *e, int r, uint32_t v)
{
    if (r >= 8)
        put8(e, 0x41);
    put8(e, (uint8_t)(0xB8 + (r & 7)));
    put32(e, v);
}

static void mov_r_imm64(struct emit *e, int r, uint64_t v)
{
    put8(e, (uint8_t)(r >= 8 ? 0x49 : 0x48));
    put8(e, (uint8_t)(0xB8 + (r & 7)));
    put64(e, v);
}

/* movzx/movsx/mov of `size` bytes into a 32-bit register. */
static void load_ext(struct emit *e, int r, struct operand o, int size, bool sign)
{
    if (size == 4)
        op(e, 4, "\x8b", 1, r, o);
    else if (size == 2)
        op(e, 4, sign ? "\x0f\xbf" : "\x0f\xb7", 2, r, o);
    else
        op(e, 4, sign ? "\x0f\xbe" : "\x0f\xb6", 2, r, o);
}

static size_t jump_rel32(struct emit *e, const char *opc, int n)
{
    put(e, opc, (size_t)n);
    size_t at = e->pos;
    put32(e, 0);
    return at;
}

static void patch_to(struct emit *e, size_t at, size_t target)
{
    if (e->overflow)
        return;
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(e->buf + at, &rel, 4);
}

static void jmp_epilogue(struct emit *e, const char *opc, int n)
{
    size_t at = jump_rel32(e, opc, n);
    if (e->nepi < (int)(sizeof(e->epilogue_patches) / sizeof(e->epilogue_patches[0])))
        e->epilogue_patches[e->nepi++] = at;
    else
        e->overflow = true;
}

void emit_init(struct emit *e, uint8_t *buf, size_t cap, const void *tb)
{
    memset(e, 0, sizeof(*e));
    e->buf = buf;
    e->cap = cap;
    e->tb = tb;
}

void emit_prologue(struct emit *e)
{
    put8(e, 0x53);                 /* push rbx */
    put8(e, 0x55);                 /* push rbp */
    put(e, "\x41\x54", 2);         /* push r12 */
    put(e, "\x41\x55", 2);         /* push r13 */
    put(e, "\x41\x56", 2);         /* push r14 */
    put(e, "\x41\x57", 2);         /* push r15 */
    put(e, "\x48\x83\xec\x08", 4); /* sub rsp, 8: calls see rsp 16-aligned */
    put(e, "\x48\x89\xfb", 3);     /* mov rbx, rdi */
    gr_load_mask(e, 0xFF);
    e->entry_chain = e->pos;
    /* Chained blocks arrive with all eight held, any of them changed. */
    e->gr_loaded = 0xFF;
    e->gr_dirty = 0xFF;
}

/* The guest registers in host registers. */
static size_t gr_off(int n)
{
    return offsetof(struct cpu, regs.r32[n]);
}

static void gr_store_mask(struct emit *e, unsigned mask)
{
    for (int n = 0; n < 8; n++)
        if (mask & (1u << n))
            op(e, 4, "\x89", 1, gr_host[n], S(gr_off(n)));
}

static void gr_load_mask(struct emit *e, unsigned mask)
{
    for (int n = 0; n < 8; n++)
        if (mask & (1u << n))
            op(e, 4, "\x8b", 1, gr_host[n], S(gr_off(n)));
}

/* The host register holding guest register n, loaded if it was not. */
static int gr_use(struct emit *e, int n)
{
    if (!(e->gr_loaded & (1u << n))) {
        gr_load_mask(e, 1u << n);
        e->gr_loaded |= (uint8_t)(1u << n);
    }
    return gr_host[n];
}

/* The host register for a write of guest register n: a partial write keeps
 * the other bytes, so it needs the value loaded. */
static int gr_def(struct emit *e, int n, bool whole)
{
    int h = whole ? gr_host[n] : gr_use(e, n);
    e->gr_loaded |= (uint8_t)(1u << n);
    e->gr_dirty |= (uint8_t)(1u << n);
    return h;
}

void emit_gr_flush(struct emit *e)
{
    gr_store_mask(e, e->gr_dirty);
    e->gr_dirty = 0;
}

void emit_gr_load_all(struct emit *e)
{
    gr_load_mask(e, ~e->gr_loaded & 0xFFu);
    e->gr_loaded = 0xFF;
}

/* After a call: the handler may have changed any of them. */
static void gr_forget(struct emit *e)
{
    e->gr_loaded = 0;
    e->gr_dirty = 0;
}

void emit_gr_ld(struct emit *e, int t, int n, int size, bool sign)
{
    if (size == 1 && n >= 4) {
        /* AH..BH: through eax, whose high byte has an encoding. */
        op(e, 4, "\x89", 1, gr_use(e, n - 4), R(RAX));
        put(e, sign ? "\x0f\xbe\xcc" : "\x0f\xb6\xcc", 3); /* movsx/movzx ecx, ah */
        op(e, 4, "\x89", 1, RCX, R(hreg(t)));
        return;
    }
    load_ext(e, hreg(t), R(gr_use(e, n)), size, sign);
}

void emit_gr_st(struct emit *e, int n, int t, int size)
{
    if (size == 1 && n >= 4) {
        int h = gr_def(e, n - 4, false);
        op(e, 4, "\x89", 1, h, R(RAX));
        op(e, 4, "\x89", 1, hreg(t), R(RCX));
        put(e, "\x88\xcc", 2); /* mov ah, cl */
        op(e, 4, "\x89", 1, RAX, R(h));
        return;
    }
    op_bv(e, size, 0x88, 0x89, hreg(t), R(gr_def(e, n, size == 4)));
}

void emit_gr_st_imm(struct emit *e, int n, uint32_t v, int size)
{
    if (size == 1 && n >= 4) {
        int h = gr_def(e, n - 4, false);
        op(e, 4, "\x89", 1, h, R(RAX));
        put8(e, 0xB4); /* mov ah, imm8 */
        put8(e, (uint8_t)v);
        op(e, 4, "\x89", 1, RAX, R(h));
        return;
    }
    int h = gr_def(e, n, size == 4);
    if (size == 4) {
        mov_r_imm32(e, h, v);
        return;
    }
    op_bv(e, size, 0xC6, 0xC7, 0, R(h));
    put_imm(e, v, size);
}

void emit_gr_alu(struct emit *e, int aop, int n, int m)
{
    int hs = gr_use(e, m);
    int hd = aop == 7 ? gr_use(e, n) : gr_def(e, n, false);
    char opc = (char)(aop << 3 | 1); /* op r/m32, r32 */
    op(e, 4, &opc, 1, hs, R(hd));
}

void emit_gr_alu_imm(struct emit *e, int aop, int n, uint32_t imm)
{
    int hd = aop == 7 ? gr_use(e, n) : gr_def(e, n, false);
    op(e, 4, "\x81", 1, aop, R(hd));
    put32(e, imm);
}

void emit_st_gr(struct emit *e, size_t off, int n)
{
    op(e, 4, "\x89", 1, gr_use(e, n), S(off));
}

void emit_gr_st_a(struct emit *e, int n, int size)
{
    op_bv(e, size, 0x88, 0x89, R14, R(gr_def(e, n, size == 4)));
}

void emit_a_gr(struct emit *e, int n, int32_t delta)
{
    int h = gr_use(e, n);
    if (delta)
        op(e, 4, "\x8d", 1, R14, M(h, delta)); /* lea r14d, [h + delta] */
    else
        op(e, 4, "\x89", 1, h, R(R14));
}

void emit_ld(struct emit *e, int t, size_t off, int size)
{
    load_ext(e, hreg(t), S(off), size, false);
}

void emit_lds(struct emit *e, int t, size_t off, int size)
{
    load_ext(e, hreg(t), S(off), size, true);
}

void emit_st(struct emit *e, size_t off, int t, int size)
{
    op_bv(e, size, 0x88, 0x89, hreg(t), S(off));
}

void emit_st_imm(struct emit *e, size_t off, uint32_t v, int size)
{
    op_bv(e, size, 0xC6, 0xC7, 0, S(off));
    put_imm(e, v, size);
}

void emit_imm(struct emit *e, int t, uint32_t v)
{
    mov_r_imm32(e, hreg(t), v);
}

void emit_mov(struct emit *e, int dst, int src)
{
    op(e, 4, "\x89", 1, hreg(src), R(hreg(dst)));
}

void emit_insn_state(struct emit *e, uint32_t eip, uint32_t next)
{
    emit_st_imm(e, offsetof(struct cpu, insn_eip), eip, 4);
    op(e, 4, "\x8b", 1, RAX, S(offsetof(struct cpu, regs.r32[R_ESP])));
    op(e, 4, "\x89", 1, RAX, S(offsetof(struct cpu, insn_esp)));
    emit_st_imm(e, offsetof(struct cpu, next_eip), next, 4);
    emit_st_imm(e, offsetof(struct cpu, eip), next, 4);
}

void emit_count(struct emit *e, int n)
{
    op(e, 8, "\x81", 1, 5, S(offsetof(struct cpu, cycles_left))); /* sub */
    put32(e, (uint32_t)n);
}

/* lea r14d, [base + index * 2^scale + disp32]; base may be absent (-1). */
static void lea_a_sib(struct emit *e, int base, int index, int scale, int32_t disp)
{
    put8(e, (uint8_t)(0x44 | (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0))); /* REX.R: r14 */
    put8(e, 0x8D);
    put8(e, (uint8_t)((base < 0 ? 0x00 : 0x80) | (R14 & 7) << 3 | 4));
    put8(e, (uint8_t)(scale << 6 | (index & 7) << 3 | (base < 0 ? 5 : (base & 7))));
    put32(e, (uint32_t)disp);
}

void emit_ea(struct emit *e, const struct insn *i)
{
    if (i->base == NO_REG && i->index == NO_REG) {
        mov_r_imm32(e, R14, (uint32_t)i->disp);
    } else if (i->index == NO_REG) {
        int b = gr_use(e, i->base);
        if (i->disp)
            op(e, 4, "\x8d", 1, R14, M(b, i->disp)); /* lea r14d, [b + disp] */
        else
            op(e, 4, "\x89", 1, b, R(R14));
    } else {
        int x = gr_use(e, i->index);
        int b = i->base != NO_REG ? gr_use(e, i->base) : -1;
        lea_a_sib(e, b, x, i->scale, i->disp);
    }
    if (!i->as32)
        op(e, 4, "\x0f\xb7", 2, R14, R(R14)); /* movzx r14d, r14w */
}

void emit_a_tmp(struct emit *e, int t)
{
    op(e, 4, "\x89", 1, hreg(t), R(R14));
}

void emit_tmp_a(struct emit *e, int t)
{
    op(e, 4, "\x89", 1, R14, R(hreg(t)));
}

void emit_a_wrap16(struct emit *e)
{
    op(e, 4, "\x0f\xb7", 2, R14, R(R14)); /* movzx r14d, r14w */
}

void emit_a_add(struct emit *e, int32_t delta)
{
    op(e, 4, "\x8d", 1, R14, M(R14, delta));
}

void emit_a_add_field(struct emit *e, size_t off)
{
    op(e, 4, "\x03", 1, R14, S(off)); /* add r14d, [off] */
}

void emit_rot_flags(struct emit *e, size_t off, int t, int kind, int size)
{
    int bits = 8 * size;
    op(e, 4, "\x89", 1, hreg(t), R(RAX)); /* mov eax, t */
    if (kind == 0) {
        op(e, 4, "\x89", 1, RAX, R(RCX)); /* mov ecx, eax */
        op(e, 4, "\x83", 1, 4, R(RCX));   /* and ecx, 1: CF */
        put8(e, 1);
        op(e, 4, "\xc1", 1, 5, R(RAX)); /* shr eax, bits-1: the MSB */
        put8(e, (uint8_t)(bits - 1));
    } else {
        op(e, 4, "\xc1", 1, 5, R(RAX)); /* shr eax, bits-2: the top two bits */
        put8(e, (uint8_t)(bits - 2));
        op(e, 4, "\x83", 1, 4, R(RAX)); /* and eax, 3 */
        put8(e, 3);
        op(e, 4, "\x89", 1, RAX, R(RCX)); /* mov ecx, eax */
        op(e, 4, "\xc1", 1, 5, R(RCX));   /* shr ecx, 1: CF = the MSB */
        put8(e, 1);
    }
    op(e, 4, "\x31", 1, RCX, R(RAX)); /* xor eax, ecx */
    op(e, 4, "\x83", 1, 4, R(RAX));   /* and eax, 1: OF */
    put8(e, 1);
    op(e, 4, "\xc1", 1, 4, R(RAX)); /* shl eax, 11 */
    put8(e, 11);
    op(e, 4, "\x09", 1, RCX, R(RAX)); /* or eax, ecx */
    op(e, 4, "\x81", 1, 4, S(off));   /* and [off], ~(CF|OF) */
    put32(e, ~0x801u);
    op(e, 4, "\x09", 1, RAX, S(off)); /* or [off], eax */
}

void emit_a_above_stub(struct emit *e, uint32_t max, const struct emit_stub *stub)
{
    op(e, 4, "\x81", 1, 7, R(R14)); /* cmp r14d, max */
    put32(e, max);
    emit_jcc_stub(e, 0x7, stub); /* ja */
}

void emit_tlb(struct emit *e, bool write, int size, const struct emit_stub *stub)
{
    /* The entry's offset, 16 * ((lin >> 12) & (TLB_SIZE-1)), in two steps. */
    op(e, 4, "\x89", 1, R14, R(RAX)); /* mov eax, r14d */
    put(e, "\xc1\xe8\x08", 3);        /* shr eax, 8 */
    put(e, "\x25", 1);                /* and eax, (TLB_SIZE-1) << 4 */
    put32(e, (TLB_SIZE - 1) << 4);
    op(e, 8, "\x8d", 1, RAX,
       (struct operand){true, RBX, RAX, (int32_t)e->tlb_off}); /* lea rax, [rbx+rax+tlb] */
    if (size > 1)
        op(e, 4, "\x8d", 1, RCX, M(R14, size - 1)); /* lea ecx, [r14 + size-1] */
    else
        op(e, 4, "\x89", 1, R14, R(RCX)); /* mov ecx, r14d */
    put(e, "\x81\xe1", 2);                /* and ecx, ~0xFFF */
    put32(e, 0xFFFFF000u);
    op(e, 4, "\x3b", 1, RCX, M(RAX, write ? 4 : 0)); /* cmp ecx, tag */
    emit_jcc_stub(e, CC_NE, stub);
    op(e, 8, "\x8b", 1, R15, M(RAX, 8)); /* mov r15, addend */
    op(e, 8, "\x03", 1, R15, R(R14));    /* add r15, r14 */
}

void emit_jcc_stub(struct emit *e, int cc, const struct emit_stub *stub)
{
    char opc[2] = {0x0F, (char)(0x80 + cc)};
    size_t at = jump_rel32(e, opc, 2);
    if (e->nstubs >= EMIT_MAX_STUBS) {
        e->overflow = true;
        return;
    }
    struct emit_stub *s = &e->stubs[e->nstubs++];
    *s = *stub;
    s->patch = at;
    s->gr_dirty = e->gr_dirty;
}

void emit_insn_end(struct emit *e)
{
    for (int k = e->stub_first; k < e->nstubs; k++) {
        e->stubs[k].resume = e->pos;
        e->stubs[k].gr_live = e->gr_loaded;
    }
    e->stub_first = e->nstubs;
}

void emit_ldp(struct emit *e, int t, int size)
{
    load_ext(e, hreg(t), M(R15, 0), size, false);
}

void emit_ldps(struct emit *e, int t, int size)
{
    load_ext(e, hreg(t), M(R15, 0), size, true);
}

void emit_stp(struct emit *e, int t, int size)
{
    op_bv(e, size, 0x88, 0x89, hreg(t), M(R15, 0));
}

void emit_alu(struct emit *e, int aop, int dst, int src, int size)
{
    op_bv(e, size, (uint8_t)(aop << 3), (uint8_t)(aop << 3 | 1), hreg(src), R(hreg(dst)));
}

void emit_alu_imm(struct emit *e, int aop, int dst, uint32_t imm, int size)
{
    op_bv(e, size, 0x80, 0x81, aop, R(hreg(dst)));
    put_imm(e, imm, size);
}

void emit_alu_field(struct emit *e, int aop, int dst, size_t off, int size)
{
    op_bv(e, size, (uint8_t)(aop << 3 | 2), (uint8_t)(aop << 3 | 3), hreg(dst), S(off));
}

void emit_incdec(struct emit *e, int t, bool dec, int size)
{
    op_bv(e, size, 0xFE, 0xFF, dec ? 1 : 0, R(hreg(t)));
}

void emit_imul(struct emit *e, int dst, int src, int size)
{
    op(e, size, "\x0f\xaf", 2, hreg(dst), R(hreg(src)));
}

void emit_shift_imm(struct emit *e, int t, int kind, int count, int size)
{
    op_bv(e, size, 0xC0, 0xC1, kind, R(hreg(t)));
    put8(e, (uint8_t)count);
}

void emit_shift_flags(struct emit *e, size_t off, int t, int kind, int count, int size, bool af)
{
    op(e, 1, "\x0f\x92", 2, 0, R(RAX));   /* setc al */
    op(e, 4, "\x0f\xb6", 2, RAX, R(RAX)); /* movzx eax, al */
    if (count == 1 && kind != 7) {
        op(e, 1, "\x0f\x90", 2, RCX, R(RCX)); /* seto cl: defined for one bit */
        op(e, 4, "\x0f\xb6", 2, RCX, R(RCX));
        put(e, "\xc1\xe1\x0b", 3); /* shl ecx, 11 */
        put(e, "\x09\xc8", 2);     /* or eax, ecx */
    } else if (kind == 4) {
        op(e, 4, "\x89", 1, hreg(t), R(RCX)); /* ecx = result */
        put(e, "\xc1\xe9", 2);                /* shr ecx, bits-1 */
        put8(e, (uint8_t)(8 * size - 1));
        put(e, "\x83\xe1\x01", 3); /* and ecx, 1 */
        put(e, "\x31\xc1", 2);     /* xor ecx, eax */
        put(e, "\xc1\xe1\x0b", 3); /* shl ecx, 11 */
        put(e, "\x09\xc8", 2);     /* or eax, ecx */
    }
    if (af)
        put(e, "\x83\xc8\x10", 3); /* or eax, AF */
    op(e, 4, "\x81", 1, 4, S(off));
    put32(e, ~(uint32_t)(F_CF | F_OF | F_AF));
    op(e, 4, "\x09", 1, RAX, S(off));
}

void emit_cf_from_field(struct emit *e, size_t off)
{
    op(e, 4, "\x0f\xba", 2, 4, S(off)); /* bt dword [off], 0 */
    put8(e, 0);
}

void emit_cf_of_to_field(struct emit *e, size_t off)
{
    op(e, 1, "\x0f\x92", 2, 0, R(RAX));   /* setc al */
    op(e, 4, "\x0f\xb6", 2, RAX, R(RAX)); /* movzx eax, al */
    put(e, "\x69\xc0", 2);                /* imul eax, eax, CF|OF */
    put32(e, F_CF | F_OF);
    op(e, 4, "\x81", 1, 4, S(off)); /* and [off], ~(CF|OF|AF) */
    put32(e, ~(uint32_t)(F_CF | F_OF | F_AF));
    op(e, 4, "\x09", 1, RAX, S(off)); /* or [off], eax */
}

void emit_flags_sub(struct emit *e, size_t a, size_t b, int size)
{
    op(e, 4, "\x8b", 1, RAX, S(a));
    op_bv(e, size, 0x3A, 0x3B, RAX, S(b)); /* cmp eax, [b] */
}

void emit_flags_add(struct emit *e, size_t a, size_t b, int size)
{
    op(e, 4, "\x8b", 1, RAX, S(a));
    op_bv(e, size, 0x02, 0x03, RAX, S(b)); /* add eax, [b] */
}

void emit_flags_test(struct emit *e, size_t res, int size)
{
    op(e, 4, "\x8b", 1, RAX, S(res));
    op_bv(e, size, 0x84, 0x85, RAX, R(RAX));
}

void emit_flags_nz(struct emit *e, int t)
{
    op(e, 4, "\x85", 1, hreg(t), R(hreg(t)));
}

void emit_setcc(struct emit *e, int t, int cc)
{
    char opc[2] = {0x0F, (char)(0x90 + cc)};
    op(e, 1, opc, 2, 0, R(RAX));              /* setcc al */
    op(e, 4, "\x0f\xb6", 2, hreg(t), R(RAX)); /* movzx t, al */
}

void emit_cf_to_field(struct emit *e, size_t off)
{
    op(e, 1, "\x0f\x92", 2, 0, R(RAX));   /* setc al */
    op(e, 4, "\x0f\xb6", 2, RAX, R(RAX)); /* movzx eax, al */
    op(e, 4, "\x81", 1, 4, S(off));       /* and dword [off], ~1 */
    put32(e, ~1u);
    op(e, 4, "\x09", 1, RAX, S(off)); /* or [off], eax */
}

void emit_cmov(struct emit *e, int cc, int dst, int src)
{
    char opc[2] = {0x0F, (char)(0x40 + cc)};
    op(e, 4, opc, 2, hreg(dst), R(hreg(src)));
}

void emit_shift_var(struct emit *e, int t, int kind, int count, int size)
{
    op(e, 4, "\x89", 1, hreg(count), R(RCX)); /* mov ecx, count */
    op_bv(e, size, 0xD2, 0xD3, kind, R(hreg(t)));
}

void emit_cmp_field(struct emit *e, size_t off, uint32_t imm, int size)
{
    op_bv(e, size, 0x80, 0x81, 7, S(off)); /* cmp [off], imm */
    put_imm(e, imm, size);
}

void emit_test_field(struct emit *e, size_t off, uint32_t imm, int size)
{
    op_bv(e, size, 0xF6, 0xF7, 0, S(off)); /* test [off], imm */
    put_imm(e, imm, size);
}

void emit_and_field_imm(struct emit *e, size_t off, uint32_t imm)
{
    op(e, 4, "\x81", 1, 4, S(off));
    put32(e, imm);
}

void emit_inc64(struct emit *e, const uint64_t *counter)
{
    mov_r_imm64(e, RAX, (uint64_t)(uintptr_t)counter);
    put(e, "\x48\x83\x00\x01", 4); /* add qword [rax], 1 */
}

static void call_op(struct emit *e, op_fn fn, const struct insn *insn)
{
    put(e, "\x48\x89\xdf", 3); /* mov rdi, rbx */
    mov_r_imm64(e, RSI, (uint64_t)(uintptr_t)insn);
    mov_r_imm64(e, RAX, (uint64_t)(uintptr_t)fn);
    put(e, "\xff\xd0", 2); /* call rax */
}

void emit_call_op(struct emit *e, op_fn fn, const struct insn *insn)
{
    emit_gr_flush(e);
    call_op(e, fn, insn);
    gr_forget(e);
}

static void push_pop(struct emit *e, int r, bool pop)
{
    if (r >= 8)
        put8(e, 0x41);
    put8(e, (uint8_t)((pop ? 0x58 : 0x50) + (r & 7)));
}

void emit_call_ret(struct emit *e, int t, uint32_t (*fn)(struct cpu *, uint32_t), uint32_t arg)
{
    /* The registers held stay held: the caller-saved ones are pushed
     * around the call (the helper does not touch them in the CPU state). */
    int saved[8], n = 0;
    for (int k = 0; k < 8; k++)
        if ((e->gr_loaded & (1u << k)) && gr_host[k] != RBP)
            saved[n++] = gr_host[k];
    for (int k = 0; k < n; k++)
        push_pop(e, saved[k], false);
    if (n & 1)
        put(e, "\x48\x83\xec\x08", 4); /* sub rsp, 8: rsp 16-aligned at the call */
    put(e, "\x48\x89\xdf", 3);         /* mov rdi, rbx */
    mov_r_imm32(e, RSI, arg);
    mov_r_imm64(e, RAX, (uint64_t)(uintptr_t)fn);
    put(e, "\xff\xd0", 2);                /* call rax */
    op(e, 4, "\x89", 1, RAX, R(hreg(t))); /* mov t, eax */
    if (n & 1)
        put(e, "\x48\x83\xc4\x08", 4); /* add rsp, 8 */
    for (int k = n - 1; k >= 0; k--)
        push_pop(e, saved[k], true);
}

size_t emit_jcc_fwd(struct emit *e, int cc)
{
    char opc[2] = {0x0F, (char)(0x80 + cc)};
    return jump_rel32(e, opc, 2);
}

size_t emit_jmp_fwd(struct emit *e)
{
    return jump_rel32(e, "\xe9", 1);
}

void emit_bind(struct emit *e, size_t label)
{
    patch_to(e, label, e->pos);
}

void emit_exit_if_set8(struct emit *e, size_t off, int pending)
{
    op(e, 1, "\x80", 1, 7, S(off)); /* cmp byte [off], 0 */
    put8(e, 0);
    size_t skip = emit_jcc_fwd(e, 4); /* je */
    gr_store_mask(e, e->gr_dirty);
    if (pending)
        emit_count(e, pending);
    jmp_epilogue(e, "\xe9", 1);
    emit_bind(e, skip);
}

void emit_exit(struct emit *e)
{
    gr_store_mask(e, e->gr_dirty);
    jmp_epilogue(e, "\xe9", 1);
}

int emit_exit_chain(struct emit *e, uint32_t eip)
{
    if (e->nexits >= EMIT_MAX_EXITS) {
        e->overflow = true;
        return 0;
    }
    int slot = e->nexits++;
    /* The next block wants all eight; the code after this exit (the other
     * side of a Jcc) still sees the registers as they were. */
    gr_load_mask(e, ~e->gr_loaded & 0xFFu);
    size_t out1 = emit_jcc_fwd(e, 0xE); /* jle: no cycles left */
    size_t jmp = emit_jmp_fwd(e);       /* patched to the next block */
    size_t unlink = e->pos;
    emit_bind(e, out1);
    emit_bind(e, jmp);
    gr_store_mask(e, e->gr_dirty);
    emit_st_imm(e, offsetof(struct cpu, eip), eip, 4);
    mov_r_imm64(e, RAX, (uint64_t)(uintptr_t)e->tb);
    op(e, 8, "\x89", 1, RAX, S(offsetof(struct cpu, jit_from)));
    emit_st_imm(e, offsetof(struct cpu, jit_slot), (uint32_t)slot, 1);
    jmp_epilogue(e, "\xe9", 1);
    e->exits[slot].jmp = jmp;
    e->exits[slot].unlink = unlink;
    return slot;
}

void emit_exit_lookup(struct emit *e, int pending, uint32_t cs_base, uint32_t hflags, const void *ibtc,
                      bool check_exit)
{
    size_t out[8];
    int nout = 0;
    gr_load_mask(e, ~e->gr_loaded & 0xFFu); /* the next block wants all eight */
    emit_count(e, pending);
    out[nout++] = emit_jcc_fwd(e, 0xE); /* jle: no cycles left */
    if (check_exit) {
        op(e, 1, "\x80", 1, 7, S(offsetof(struct cpu, jit_exit)));
        put8(e, 0);
        out[nout++] = emit_jcc_fwd(e, CC_NE);
    }
    /* A = CS base + EIP; the TLB gives the host address. */
    op(e, 4, "\x89", 1, R12, R(R14)); /* mov r14d, r12d */
    if (cs_base)
        op(e, 4, "\x8d", 1, R14, M(R14, (int32_t)cs_base));
    op(e, 4, "\x89", 1, R14, R(RAX));
    put(e, "\xc1\xe8\x0c", 3);        /* shr eax, 12 */
    op(e, 4, "\x89", 1, RAX, R(R13)); /* r13d = page number */
    put(e, "\x25", 1);
    put32(e, TLB_SIZE - 1);
    put(e, "\xc1\xe0\x04", 3); /* shl eax, 4 */
    op(e, 8, "\x8d", 1, RAX, (struct operand){true, RBX, RAX, (int32_t)e->tlb_off});
    op(e, 4, "\x89", 1, R14, R(RCX));
    put(e, "\x81\xe1", 2); /* and ecx, ~0xFFF */
    put32(e, 0xFFFFF000u);
    op(e, 4, "\x3b", 1, RCX, M(RAX, 0));
    out[nout++] = emit_jcc_fwd(e, CC_NE);
    op(e, 8, "\x8b", 1, R15, M(RAX, 8));
    op(e, 8, "\x03", 1, R15, R(R14)); /* r15 = host address */
    /* The table entry: index (lin ^ lin >> bits) & mask, 32 bytes each. */
    op(e, 4, "\x89", 1, R14, R(RCX));
    op(e, 4, "\x33", 1, RCX, R(R13)); /* xor ecx, r13d (lin >> 12) */
    put(e, "\x81\xe1", 2);
    put32(e, (1u << JIT_IBTC_BITS) - 1);
    put(e, "\x48\xc1\xe1\x05", 4); /* shl rcx, 5 */
    mov_r_imm64(e, RAX, (uint64_t)(uintptr_t)ibtc);
    op(e, 8, "\x03", 1, RAX, R(RCX));
    op(e, 8, "\x3b", 1, R15, M(RAX, 0)); /* host */
    out[nout++] = emit_jcc_fwd(e, CC_NE);
    op(e, 4, "\x3b", 1, R12, M(RAX, 8)); /* cmp r12d, eip */
    out[nout++] = emit_jcc_fwd(e, CC_NE);
    op(e, 4, "\x81", 1, 7, M(RAX, 12)); /* cmp hflags, imm */
    put32(e, hflags);
    out[nout++] = emit_jcc_fwd(e, CC_NE);
    op(e, 4, "\x81", 1, 7, M(RAX, 16)); /* cmp cs_base, imm */
    put32(e, cs_base);
    out[nout++] = emit_jcc_fwd(e, CC_NE);
    op(e, 4, "\xff", 1, 4, M(RAX, 24)); /* jmp [entry] */
    for (int k = 0; k < nout; k++)
        emit_bind(e, out[k]);
    gr_store_mask(e, e->gr_dirty);
    op(e, 4, "\x89", 1, R12, S(offsetof(struct cpu, eip)));
    jmp_epilogue(e, "\xe9", 1);
}

bool emit_finish(struct emit *e)
{
    for (int k = 0; k < e->nstubs; k++) {
        struct emit_stub *s = &e->stubs[k];
        patch_to(e, s->patch, e->pos);
        gr_store_mask(e, s->gr_dirty);
        emit_insn_state(e, s->eip, s->next);
        if (s->pending)
            emit_count(e, s->pending);
        call_op(e, s->fn, s->insn);
        emit_count(e, 1);
        /* The handler wrote into translated code (or asked to leave):
         * everything is counted, EIP is the handler's. */
        op(e, 1, "\x80", 1, 7, S(offsetof(struct cpu, jit_exit)));
        put8(e, 0);
        jmp_epilogue(e, "\x0f\x85", 2);
        emit_count(e, -(s->pending + 1));
        gr_load_mask(e, s->gr_live);
        if (s->t0_eip)
            op(e, 4, "\x8b", 1, R12, S(offsetof(struct cpu, eip)));
        size_t back = emit_jmp_fwd(e);
        patch_to(e, back, s->resume);
    }
    size_t epi = e->pos;
    put(e, "\x48\x83\xc4\x08", 4); /* add rsp, 8 */
    put(e, "\x41\x5f", 2);         /* pop r15 */
    put(e, "\x41\x5e", 2);         /* pop r14 */
    put(e, "\x41\x5d", 2);         /* pop r13 */
    put(e, "\x41\x5c", 2);         /* pop r12 */
    put8(e, 0x5D);                 /* pop rbp */
    put8(e, 0x5B);                 /* pop rbx */
    put8(e, 0xC3);                 /* ret */
    for (int k = 0; k < e->nepi; k++)
        patch_to(e, e->epilogue_patches[k], epi);
    return !e->overflow;
}

void emit_patch_jump(uint8_t *code_rw, const uint8_t *code_x, size_t jmp, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (code_x + jmp + 4));
    memcpy(code_rw + jmp, &rel, 4);
}
#endif

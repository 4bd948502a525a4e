/* Data movement: MOV in its forms, segment register moves, LEA, XCHG,
 * MOVZX/MOVSX, far pointer loads, XLAT, CMPXCHG/XADD/CMPXCHG8B, BSWAP. */
#include "cpu/cpu_priv.h"

static inline __attribute__((always_inline)) void mov_sized(struct cpu *c, const struct insn *i, int size)
{
    if (i->op & 2)
        reg_write(c, i->reg, rm_read(c, i, size), size);
    else
        rm_write(c, i, reg_read(c, i->reg, size), size);
}

/* One body per operand size, so the accessors fold to constants. */
void op_mov(struct cpu *c, const struct insn *i)
{
    switch (insn_bsize(i)) {
    case 1: mov_sized(c, i, 1); break;
    case 2: mov_sized(c, i, 2); break;
    default: mov_sized(c, i, 4); break;
    }
}

void op_mov_r_imm(struct cpu *c, const struct insn *i)
{
    if (i->op < 0xB8)
        reg8_write(c, i->op & 7, i->imm);
    else
        reg_write(c, i->op & 7, i->imm, insn_osize(i));
}

void op_mov_rm_imm(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->imm, insn_bsize(i));
}

void op_mov_moffs(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t off = (uint32_t)i->disp;
    if (i->op & 2)
        cpu_write(c, i->ea_seg, off, reg_read(c, R_EAX, size), size);
    else
        reg_write(c, R_EAX, cpu_read(c, i->ea_seg, off, size), size);
}

/* The 8086 decodes only two bits of the segment register field; the 286
 * rejects FS/GS encodings with #UD. */
static int sreg_field(struct cpu *c, const struct insn *i)
{
    return c->model < CPU_286 ? (i->reg & 3) : i->reg;
}

void op_mov_rm_sreg(struct cpu *c, const struct insn *i)
{
    int sreg = sreg_field(c, i);
    if (c->model == CPU_286 && sreg > 3)
        cpu_ud(c);
    if (sreg > 5)
        cpu_ud(c);
    uint16_t v = c->seg[sreg].sel;
    /* A register destination takes the operand size (upper bits zero on
     * P6); memory is always written as a word. */
    if (i->mod == 3)
        reg_write(c, i->rm, v, insn_osize(i));
    else
        rm_write(c, i, v, 2);
}

void op_mov_sreg_rm(struct cpu *c, const struct insn *i)
{
    int sreg = sreg_field(c, i);
    if (sreg > 5 || (sreg == S_CS && c->model >= CPU_286) || (c->model == CPU_286 && sreg > 3))
        cpu_ud(c);
    uint16_t v = (uint16_t)rm_read(c, i, 2);
    cpu_load_seg(c, sreg, v);
    if (sreg == S_SS)
        c->inhibit_irq = 1; /* SDM 3A §6.8.3: MOV SS inhibits interrupts */
}

void op_lea(struct cpu *c, const struct insn *i)
{
    uint32_t a = (uint32_t)i->disp;
    if (i->base != NO_REG)
        a += c->regs.r32[i->base];
    if (i->index != NO_REG)
        a += c->regs.r32[i->index] << i->scale;
    if (!i->as32)
        a &= 0xFFFF;
    reg_write(c, i->reg, a, insn_osize(i));
}

void op_nop(struct cpu *c, const struct insn *i) {}

void op_xchg(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t r = reg_read(c, i->reg, size);
    if (i->mod == 3) {
        reg_write(c, i->reg, reg_read(c, i->rm, size), size);
        reg_write(c, i->rm, r, size);
    } else {
        uint32_t off = insn_ea(c, i);
        uint32_t v = cpu_read(c, i->ea_seg, off, size);
        cpu_write(c, i->ea_seg, off, r, size);
        reg_write(c, i->reg, v, size);
    }
}

void op_xchg_ax(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i), n = i->op & 7;
    uint32_t a = reg_read(c, R_EAX, size);
    reg_write(c, R_EAX, reg_read(c, n, size), size);
    reg_write(c, n, a, size);
}

void op_movzx(struct cpu *c, const struct insn *i)
{
    uint32_t v = rm_read(c, i, (i->op & 1) ? 2 : 1);
    reg_write(c, i->reg, v, insn_osize(i));
}

void op_movsx(struct cpu *c, const struct insn *i)
{
    uint32_t v = rm_read(c, i, (i->op & 1) ? 2 : 1);
    v = (i->op & 1) ? (uint32_t)(int32_t)(int16_t)v : (uint32_t)(int32_t)(int8_t)v;
    reg_write(c, i->reg, v, insn_osize(i));
}

void op_lxs(struct cpu *c, const struct insn *i)
{
    int seg;
    switch (i->op) {
    case 0xC4: seg = S_ES; break;
    case 0xC5: seg = S_DS; break;
    case 0x1B2: seg = S_SS; break;
    case 0x1B4: seg = S_FS; break;
    default: seg = S_GS; break;
    }
    int size = insn_osize(i);
    uint32_t off = insn_ea(c, i);
    uint32_t v = cpu_read(c, i->ea_seg, off, size);
    uint16_t sel = cpu_read16(c, i->ea_seg, (off + (uint32_t)size) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu));
    cpu_load_seg(c, seg, sel);
    reg_write(c, i->reg, v, size);
}

void op_xlat(struct cpu *c, const struct insn *i)
{
    uint32_t off = (i->as32 ? c->EBX : CPU_R16(c, R_EBX)) + CPU_R8(c, 0);
    if (!i->as32)
        off &= 0xFFFF;
    CPU_R8(c, 0) = cpu_read8(c, i->seg != S_NONE ? i->seg : S_DS, off);
}

void op_cmpxchg(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t off = 0, dst;
    if (i->mod == 3) {
        dst = reg_read(c, i->rm, size);
    } else {
        off = insn_ea(c, i);
        dst = cpu_read(c, i->ea_seg, off, size);
    }
    uint32_t acc = reg_read(c, R_EAX, size);
    uint32_t m = size_mask(size);
    lf_set(c, LF_SUB, acc, dst, (acc - dst) & m, size);
    if (acc == dst) {
        uint32_t src = reg_read(c, i->reg, size);
        if (i->mod == 3)
            reg_write(c, i->rm, src, size);
        else
            cpu_write(c, i->ea_seg, off, src, size);
    } else {
        /* The destination is written back either way (a locked cycle). */
        if (i->mod != 3)
            cpu_write(c, i->ea_seg, off, dst, size);
        reg_write(c, R_EAX, dst, size);
    }
}

void op_xadd(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t src = reg_read(c, i->reg, size), m = size_mask(size);
    if (i->mod == 3) {
        uint32_t dst = reg_read(c, i->rm, size);
        uint32_t r = (dst + src) & m;
        lf_set(c, LF_ADD, dst, src, r, size);
        reg_write(c, i->reg, dst, size);
        reg_write(c, i->rm, r, size);
    } else {
        uint32_t off = insn_ea(c, i);
        uint32_t dst = cpu_read(c, i->ea_seg, off, size);
        uint32_t r = (dst + src) & m;
        cpu_write(c, i->ea_seg, off, r, size);
        lf_set(c, LF_ADD, dst, src, r, size);
        reg_write(c, i->reg, dst, size);
    }
}

void op_cmpxchg8b(struct cpu *c, const struct insn *i)
{
    uint32_t off = insn_ea(c, i);
    uint32_t mask = i->as32 ? 0xFFFFFFFFu : 0xFFFFu;
    uint32_t lo = cpu_read32(c, i->ea_seg, off), hi = cpu_read32(c, i->ea_seg, (off + 4) & mask);
    cpu_flags_commit(c);
    if (lo == c->EAX && hi == c->EDX) {
        cpu_write(c, i->ea_seg, off, c->EBX, 4);
        cpu_write(c, i->ea_seg, (off + 4) & mask, c->ECX, 4);
        c->eflags |= F_ZF;
    } else {
        cpu_write(c, i->ea_seg, off, lo, 4);
        cpu_write(c, i->ea_seg, (off + 4) & mask, hi, 4);
        c->EAX = lo;
        c->EDX = hi;
        c->eflags &= ~F_ZF;
    }
}

void op_bswap(struct cpu *c, const struct insn *i)
{
    int n = i->op & 7;
    if (i->os32)
        c->regs.r32[n] = __builtin_bswap32(c->regs.r32[n]);
    else
        CPU_R16(c, n) = 0; /* undefined for 16 bits; P6 clears the word */
}

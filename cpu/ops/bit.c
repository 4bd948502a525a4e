/* Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, SETcc and CMOVcc. */
#include "cpu/cpu_priv.h"

void op_bt(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    unsigned bits = 8u * (unsigned)size;
    int op; /* 0 BT, 1 BTS, 2 BTR, 3 BTC */
    int32_t bitoff;
    if (i->op == 0x1BA) {
        op = i->reg - 4;
        bitoff = (int32_t)(i->imm & (bits - 1));
    } else {
        op = i->op == 0x1A3 ? 0 : i->op == 0x1AB ? 1 : i->op == 0x1B3 ? 2 : 3;
        uint32_t r = reg_read(c, i->reg, size);
        bitoff = size == 2 ? (int16_t)r : (int32_t)r;
    }
    uint32_t v, off = 0;
    unsigned bit;
    if (i->mod == 3) {
        v = reg_read(c, i->rm, size);
        bit = (unsigned)bitoff & (bits - 1);
    } else {
        off = insn_ea(c, i);
        if (i->op != 0x1BA) {
            /* A register bit offset reaches outside the operand (SDM 2A BT). */
            int32_t words = bitoff >> (size == 2 ? 4 : 5);
            off += (uint32_t)(words * size);
            if (!i->as32)
                off &= 0xFFFF;
        }
        bit = (unsigned)bitoff & (bits - 1);
        v = cpu_read(c, i->ea_seg, off, size);
    }
    bool cf = (v >> bit) & 1;
    uint32_t nv = v;
    switch (op) {
    case 1: nv |= 1u << bit; break;
    case 2: nv &= ~(1u << bit); break;
    case 3: nv ^= 1u << bit; break;
    default: break;
    }
    if (op != 0) {
        if (i->mod == 3)
            reg_write(c, i->rm, nv, size);
        else
            cpu_write(c, i->ea_seg, off, nv, size);
    }
    cpu_flags_commit(c);
    c->eflags = (c->eflags & ~F_CF) | (cf ? F_CF : 0);
}

void op_bsf_bsr(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t v = rm_read(c, i, size);
    cpu_flags_commit(c);
    if (v == 0) {
        c->eflags |= F_ZF;
        return;
    }
    c->eflags &= ~F_ZF;
    uint32_t idx = i->op == 0x1BC ? (uint32_t)__builtin_ctz(v) : 31u - (uint32_t)__builtin_clz(v);
    reg_write(c, i->reg, idx, size);
}

void op_setcc(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, cpu_cond(c, i->op & 0xF) ? 1 : 0, 1);
}

void op_cmov(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t v = rm_read(c, i, size);
    if (cpu_cond(c, i->op & 0xF))
        reg_write(c, i->reg, v, size);
}

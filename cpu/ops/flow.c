/* Control flow: Jcc, JMP/CALL/RET near and far, LOOPcc/JCXZ, INT/INT3/INTO/
 * IRET, BOUND and HLT. Far transfers in protected mode go to cpu/protect.c. */
#include "cpu/cpu_priv.h"

void pm_jmp_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32);
void pm_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32);
void pm_ret_far(struct cpu *c, bool os32, uint16_t extra);
void pm_iret(struct cpu *c, bool os32);

void cpu_jump_near(struct cpu *c, uint32_t target, bool os32)
{
    if (!os32)
        target &= 0xFFFF;
    if (c->model >= CPU_286 && target > c->seg[S_CS].limit)
        cpu_exception(c, EXC_GP, 0);
    c->eip = target;
}

void op_jcc(struct cpu *c, const struct insn *i)
{
    if (cpu_cond(c, i->op & 0xF))
        cpu_jump_near(c, c->eip + i->imm, i->os32);
}

void op_jmp_rel(struct cpu *c, const struct insn *i)
{
    cpu_jump_near(c, c->eip + i->imm, i->os32);
}

void op_call_rel(struct cpu *c, const struct insn *i)
{
    uint32_t target = c->eip + i->imm;
    if (!i->os32)
        target &= 0xFFFF;
    if (c->model >= CPU_286 && target > c->seg[S_CS].limit)
        cpu_exception(c, EXC_GP, 0);
    cpu_push(c, c->eip, insn_osize(i));
    c->eip = target;
}

void op_call_rm(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t target = rm_read(c, i, size);
    if (c->model >= CPU_286 && target > c->seg[S_CS].limit)
        cpu_exception(c, EXC_GP, 0);
    cpu_push(c, c->eip, size);
    c->eip = target;
}

void op_jmp_rm(struct cpu *c, const struct insn *i)
{
    cpu_jump_near(c, rm_read(c, i, insn_osize(i)), i->os32);
}

void op_ret(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t sp = sp_get(c);
    uint32_t target = cpu_read(c, S_SS, sp, size);
    if (c->model >= CPU_286 && target > c->seg[S_CS].limit)
        cpu_exception(c, EXC_GP, 0);
    uint32_t extra = i->op == 0xC2 ? (i->imm & 0xFFFF) : 0;
    sp_set(c, sp + (uint32_t)size + extra);
    c->eip = target;
}

void cpu_jmp_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32)
{
    if (cpu_real(c) || cpu_is_v86(c)) {
        if (!os32)
            off &= 0xFFFF;
        cpu_load_seg_real(c, S_CS, sel);
        c->eip = off;
        return;
    }
    pm_jmp_far(c, sel, off, os32);
}

void cpu_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32)
{
    if (cpu_real(c) || cpu_is_v86(c)) {
        int size = os32 ? 4 : 2;
        uint32_t sp = sp_get(c), m = sp_mask(c);
        cpu_write(c, S_SS, (sp - (uint32_t)size) & m, c->seg[S_CS].sel, size);
        cpu_write(c, S_SS, (sp - 2u * (uint32_t)size) & m, c->eip, size);
        sp_set(c, sp - 2u * (uint32_t)size);
        cpu_load_seg_real(c, S_CS, sel);
        c->eip = os32 ? off : (off & 0xFFFF);
        return;
    }
    pm_call_far(c, sel, off, os32);
}

void cpu_ret_far(struct cpu *c, bool os32, uint16_t extra)
{
    if (cpu_real(c) || cpu_is_v86(c)) {
        int size = os32 ? 4 : 2;
        uint32_t sp = sp_get(c), m = sp_mask(c);
        uint32_t ip = cpu_read(c, S_SS, sp, size);
        uint16_t cs = (uint16_t)cpu_read(c, S_SS, (sp + (uint32_t)size) & m, 2);
        sp_set(c, sp + 2u * (uint32_t)size + extra);
        cpu_load_seg_real(c, S_CS, cs);
        c->eip = ip;
        return;
    }
    pm_ret_far(c, os32, extra);
}

void op_call_far(struct cpu *c, const struct insn *i)
{
    cpu_call_far(c, (uint16_t)i->imm2, i->imm, i->os32);
}
void op_jmp_far(struct cpu *c, const struct insn *i)
{
    cpu_jmp_far(c, (uint16_t)i->imm2, i->imm, i->os32);
}

void op_call_far_rm(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t off = insn_ea(c, i);
    uint32_t target = cpu_read(c, i->ea_seg, off, size);
    uint16_t sel = cpu_read16(c, i->ea_seg, (off + (uint32_t)size) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu));
    cpu_call_far(c, sel, target, i->os32);
}

void op_jmp_far_rm(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t off = insn_ea(c, i);
    uint32_t target = cpu_read(c, i->ea_seg, off, size);
    uint16_t sel = cpu_read16(c, i->ea_seg, (off + (uint32_t)size) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu));
    cpu_jmp_far(c, sel, target, i->os32);
}

void op_retf(struct cpu *c, const struct insn *i)
{
    cpu_ret_far(c, i->os32, i->op == 0xCA ? (uint16_t)i->imm : 0);
}

void op_loop(struct cpu *c, const struct insn *i)
{
    uint32_t cnt;
    if (i->as32)
        cnt = --c->ECX;
    else {
        cnt = (c->ECX - 1) & 0xFFFF;
        reg16_write(c, R_ECX, cnt);
    }
    bool take = cnt != 0;
    if (i->op == 0xE0)
        take = take && !cpu_cond(c, 4);
    else if (i->op == 0xE1)
        take = take && cpu_cond(c, 4);
    if (take)
        cpu_jump_near(c, c->eip + i->imm, i->os32);
}

void op_jcxz(struct cpu *c, const struct insn *i)
{
    uint32_t cnt = i->as32 ? c->ECX : CPU_R16(c, R_ECX);
    if (cnt == 0)
        cpu_jump_near(c, c->eip + i->imm, i->os32);
}

/* INT n in V86 mode: IOPL 3 goes through the IDT; below it #GP, except that
 * VME's redirection bitmap can send it to the V86 task's own IVT (SDM 3A
 * §20.3.3). */
void cpu_v86_soft_int(struct cpu *c, int vector);

void op_int(struct cpu *c, const struct insn *i)
{
    if (cpu_is_v86(c)) {
        cpu_v86_soft_int(c, (int)(i->imm & 0xFF));
        return;
    }
    cpu_interrupt(c, (int)(i->imm & 0xFF), EXC_NO_ERR, true, c->eip);
}

void op_int3(struct cpu *c, const struct insn *i)
{
    cpu_interrupt(c, EXC_BP, EXC_NO_ERR, true, c->eip);
}

void op_int1(struct cpu *c, const struct insn *i)
{
    cpu_interrupt(c, EXC_DB, EXC_NO_ERR, false, c->eip);
}

void op_into(struct cpu *c, const struct insn *i)
{
    if (cpu_get_eflags(c) & F_OF)
        cpu_interrupt(c, EXC_OF, EXC_NO_ERR, true, c->eip);
}

void cpu_iret(struct cpu *c, bool os32)
{
    if (cpu_real(c)) {
        int size = os32 ? 4 : 2;
        uint32_t sp = sp_get(c), m = sp_mask(c);
        uint32_t ip = cpu_read(c, S_SS, sp, size);
        uint16_t cs = (uint16_t)cpu_read(c, S_SS, (sp + (uint32_t)size) & m, 2);
        uint32_t fl = cpu_read(c, S_SS, (sp + 2u * (uint32_t)size) & m, size);
        if (c->model >= CPU_286 && ip > 0xFFFF && !os32)
            cpu_exception(c, EXC_GP, 0);
        sp_set(c, sp + 3u * (uint32_t)size);
        cpu_load_seg_real(c, S_CS, cs);
        c->eip = ip;
        uint32_t mask = os32 ? (0x3F7FD5u & ~(F_VM | F_VIP | F_VIF)) : 0xFFFFu;
        cpu_set_eflags(c, fl, mask);
        return;
    }
    pm_iret(c, os32);
}

void op_iret(struct cpu *c, const struct insn *i)
{
    cpu_iret(c, i->os32);
}

void op_bound(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t off = insn_ea(c, i);
    int32_t lo, hi, v;
    if (size == 2) {
        lo = (int16_t)cpu_read16(c, i->ea_seg, off);
        hi = (int16_t)cpu_read16(c, i->ea_seg, (off + 2) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu));
        v = (int16_t)CPU_R16(c, i->reg);
    } else {
        lo = (int32_t)cpu_read32(c, i->ea_seg, off);
        hi = (int32_t)cpu_read32(c, i->ea_seg, off + 4);
        v = (int32_t)c->regs.r32[i->reg];
    }
    if (v < lo || v > hi)
        cpu_exception(c, EXC_BR, EXC_NO_ERR);
}

void op_hlt(struct cpu *c, const struct insn *i)
{
    if (!cpu_real(c) && c->cpl != 0)
        cpu_exception(c, EXC_GP, 0);
    c->halted = true;
    c->exit_request = true;
}

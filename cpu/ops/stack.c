/* The stack: PUSH/POP of registers, segments, immediates and memory,
 * PUSHA/POPA, PUSHF/POPF with their privilege rules, ENTER/LEAVE. */
#include "cpu/cpu_priv.h"

static int sreg_of(uint16_t op)
{
    switch (op) {
    case 0x06:
    case 0x07: return S_ES;
    case 0x0E:
    case 0x0F: return S_CS;
    case 0x16:
    case 0x17: return S_SS;
    case 0x1E:
    case 0x1F: return S_DS;
    case 0x1A0:
    case 0x1A1: return S_FS;
    default: return S_GS;
    }
}

void op_push_r(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i), n = i->op & 7;
    uint32_t v = reg_read(c, n, size);
    /* The 8086 pushes SP after decrementing it. */
    if (n == R_ESP && c->model < CPU_286)
        v = (v - 2) & 0xFFFF;
    cpu_push(c, v, size);
}

void op_pop_r(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t v = cpu_pop(c, size);
    reg_write(c, i->op & 7, v, size);
}

void op_push_sreg(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint16_t sel = c->seg[sreg_of(i->op)].sel;
    if (size == 4) {
        /* A 32-bit push of a segment register writes only the low word on P6
         * class chips; the rest of the slot keeps its old contents. */
        uint32_t sp = (c->ESP - 4) & sp_mask(c);
        cpu_write(c, S_SS, sp, sel, 2);
        cpu_read(c, S_SS, sp, 4);
        sp_set(c, sp);
    } else {
        cpu_push(c, sel, 2);
    }
}

void op_pop_sreg(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    int s = sreg_of(i->op);
    uint32_t sp = sp_get(c);
    uint16_t sel = (uint16_t)cpu_read(c, S_SS, sp, 2);
    if (s == S_CS) {
        /* 8086 POP CS */
        c->seg[S_CS].sel = sel;
        cpu_load_seg_real(c, S_CS, sel);
    } else {
        cpu_load_seg(c, s, sel);
    }
    sp_set(c, sp + (uint32_t)size);
    if (s == S_SS)
        c->inhibit_irq = 1;
}

void op_push_imm(struct cpu *c, const struct insn *i)
{
    cpu_push(c, i->imm, insn_osize(i));
}

void op_push_rm(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t v = rm_read(c, i, size);
    if (i->mod == 3 && i->rm == R_ESP && c->model < CPU_286)
        v = (v - 2) & 0xFFFF;
    cpu_push(c, v, size);
}

void op_pop_rm(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t sp = sp_get(c);
    uint32_t v = cpu_read(c, S_SS, sp, size);
    if (i->mod == 3) {
        sp_set(c, sp + (uint32_t)size);
        reg_write(c, i->rm, v, size);
        return;
    }
    /* SDM: an ESP base in the address is computed after the increment. */
    sp_set(c, sp + (uint32_t)size);
    /* The 286 keeps the incremented SP when the store faults. */
    if (c->model == CPU_286)
        c->insn_esp = c->ESP;
    uint32_t esp = c->ESP;
    uint32_t off = insn_ea(c, i);
    c->ESP = esp;
    cpu_write(c, i->ea_seg, off, v, size);
}

void op_pusha(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t sp = sp_get(c), m = sp_mask(c);
    uint32_t orig = reg_read(c, R_ESP, size);
    for (int n = 0; n < 8; n++) {
        sp = (sp - (uint32_t)size) & m;
        cpu_write(c, S_SS, sp, n == R_ESP ? orig : reg_read(c, n, size), size);
    }
    sp_set(c, sp);
}

void op_popa(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t sp = sp_get(c), m = sp_mask(c);
    uint32_t v[8];
    for (int n = 7; n >= 0; n--) {
        v[n] = cpu_read(c, S_SS, sp, size);
        sp = (sp + (uint32_t)size) & m;
    }
    for (int n = 0; n < 8; n++)
        if (n != R_ESP)
            reg_write(c, n, v[n], size);
    sp_set(c, sp);
}

void op_pushf(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t f = cpu_get_eflags(c);
    if (cpu_is_v86(c) && cpu_iopl(c) < 3) {
        if (!(c->cr[4] & 1) || size == 4) /* VME lets a 16-bit PUSHF through */
            cpu_exception(c, EXC_GP, 0);
        f = (f & ~F_IF) | ((f & F_VIF) ? F_IF : 0) | F_IOPL;
    }
    /* VM and RF are never pushed. */
    cpu_push(c, f & ~(F_VM | F_RF), size);
}

void op_popf(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t sp = sp_get(c);
    uint32_t v = cpu_read(c, S_SS, sp, size);
    uint32_t mask = F_CF | F_PF | F_AF | F_ZF | F_SF | F_TF | F_DF | F_OF | F_NT | F_AC | F_ID;
    if (cpu_is_v86(c)) {
        if (cpu_iopl(c) < 3) {
            if (!(c->cr[4] & 1) || size == 4)
                cpu_exception(c, EXC_GP, 0);
            /* VME: IF goes to VIF; a set TF or a pending VIP faults. */
            if ((v & F_TF) || ((v & F_IF) && (c->eflags & F_VIP)))
                cpu_exception(c, EXC_GP, 0);
            cpu_set_eflags(c, (v & ~F_IF) | ((v & F_IF) ? F_VIF : 0), (mask & 0xFFFF) | F_VIF);
            sp_set(c, sp + (uint32_t)size);
            return;
        }
        mask |= F_IF;
    } else {
        if (c->cpl == 0 || cpu_real(c))
            mask |= F_IOPL;
        if (c->cpl <= cpu_iopl(c) || cpu_real(c))
            mask |= F_IF;
    }
    if (size == 2)
        mask &= 0xFFFF;
    sp_set(c, sp + (uint32_t)size);
    cpu_set_eflags(c, v, mask);
}

void op_enter(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t alloc = i->imm & 0xFFFF;
    unsigned level = i->imm2 & 0x1F;
    uint32_t m = sp_mask(c);
    uint32_t sp = sp_get(c);
    uint32_t bp = ss32(c) ? c->EBP : CPU_R16(c, R_EBP);
    sp = (sp - (uint32_t)size) & m;
    cpu_write(c, S_SS, sp, reg_read(c, R_EBP, size), size);
    uint32_t frame = sp;
    if (level > 0) {
        for (unsigned k = 1; k < level; k++) {
            bp = (bp - (uint32_t)size) & m;
            uint32_t v = cpu_read(c, S_SS, bp, size);
            sp = (sp - (uint32_t)size) & m;
            cpu_write(c, S_SS, sp, v, size);
        }
        sp = (sp - (uint32_t)size) & m;
        cpu_write(c, S_SS, sp, frame, size);
    }
    sp = (sp - alloc) & m;
    /* The new stack top must be writable (a fault leaves registers intact). */
    if (alloc)
        cpu_read(c, S_SS, sp, 1);
    reg_write(c, R_EBP, frame, size);
    sp_set(c, sp);
}

void op_leave(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    uint32_t bp = ss32(c) ? c->EBP : CPU_R16(c, R_EBP);
    uint32_t v = cpu_read(c, S_SS, bp, size);
    sp_set(c, bp + (uint32_t)size);
    reg_write(c, R_EBP, v, size);
}

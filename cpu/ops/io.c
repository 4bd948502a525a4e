/* Port I/O: IN/OUT and the protection checks shared with INS/OUTS
 * (SDM 3A §20.5: IOPL, then the TSS I/O permission bitmap). */
#include "cpu/cpu_priv.h"

void cpu_check_io(struct cpu *c, uint16_t port, int size)
{
    if (cpu_real(c))
        return;
    if (!cpu_is_v86(c) && c->cpl <= cpu_iopl(c))
        return;
    /* The bitmap exists only in a 32-bit TSS. */
    struct seg *tr = &c->tr;
    if ((tr->flags & 0xF) != 0x9 && (tr->flags & 0xF) != 0xB)
        cpu_exception(c, EXC_GP, 0);
    if (tr->limit < 0x67)
        cpu_exception(c, EXC_GP, 0);
    uint16_t base = (uint16_t)sys_read(c, tr->base + 0x66, 2);
    uint32_t off = base + (port >> 3);
    if (off + 1 > tr->limit)
        cpu_exception(c, EXC_GP, 0);
    uint32_t bits = sys_read(c, tr->base + off, 2);
    uint32_t want = ((1u << size) - 1) << (port & 7);
    if (bits & want)
        cpu_exception(c, EXC_GP, 0);
}

uint32_t cpu_io_in(struct cpu *c, uint16_t port, int size)
{
    cpu_check_io(c, port, size);
    return bus_io_read(c->m, port, size);
}

void cpu_io_out(struct cpu *c, uint16_t port, uint32_t v, int size)
{
    cpu_check_io(c, port, size);
    bus_io_write(c->m, port, v, size);
}

void op_in(struct cpu *c, const struct insn *i)
{
    int size = (i->op & 1) ? insn_osize(i) : 1;
    uint16_t port = i->op < 0xE8 ? (uint16_t)(i->imm & 0xFF) : CPU_R16(c, R_EDX);
    reg_write(c, R_EAX, cpu_io_in(c, port, size), size);
}

void op_out(struct cpu *c, const struct insn *i)
{
    int size = (i->op & 1) ? insn_osize(i) : 1;
    uint16_t port = i->op < 0xE8 ? (uint16_t)(i->imm & 0xFF) : CPU_R16(c, R_EDX);
    cpu_io_out(c, port, reg_read(c, R_EAX, size), size);
}

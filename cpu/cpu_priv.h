/* Inside the CPU: inline memory access through segments and the soft TLB,
 * operand access for decoded instructions, stack and lazy-flag helpers.
 * Only cpu/ and translator/ include this. */
#ifndef REX86_CPU_PRIV_H
#define REX86_CPU_PRIV_H

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "devices/board/machine.h"

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/* Slow paths (cpu/access.c). */
uint32_t cpu_read_slow(struct cpu *c, int seg, uint32_t off, int size);
void cpu_write_slow(struct cpu *c, int seg, uint32_t off, uint32_t v, int size);
uint32_t lin_read_slow(struct cpu *c, uint32_t lin, int size);
void lin_write_slow(struct cpu *c, uint32_t lin, uint32_t v, int size);
/* Translate a linear address, raising #PF on failure. */
uint32_t cpu_translate(struct cpu *c, uint32_t lin, int acc, bool user);
/* Same without raising: returns false when the access would fault. */
bool cpu_translate_probe(struct cpu *c, uint32_t lin, int acc, bool user, uint32_t *pa);
/* Translate one page for an access (raising #PF) and fill its soft-TLB
 * entry when the page is plain memory; returns the physical address. */
uint32_t cpu_tlb_fill(struct cpu *c, uint32_t lin, int acc);
/* Check a segment access (limit, type) and return the linear address. */
uint32_t cpu_seg_check(struct cpu *c, int seg, uint32_t off, int size, int acc);
void cpu_update_hflags(struct cpu *c);
/* Recompute the fast-path bits of a segment after loading it. */
void cpu_seg_update_access(struct cpu *c, int seg);

static inline uint32_t size_mask(int size)
{
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

/* A load or store of 1, 2 or 4 bytes of host memory (guest memory is
 * little-endian like the hosts). One access of the element's own width,
 * also when size is not a constant: memcpy of a variable size becomes a
 * byte loop through the stack, whose wider reload then waits for the bytes
 * (a store-forwarding stall). */
static inline uint32_t host_load(const void *p, int size)
{
    if (size == 1)
        return *(const uint8_t *)p;
    if (size == 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void host_store(void *p, uint32_t v, int size)
{
    if (size == 1) {
        *(uint8_t *)p = (uint8_t)v;
    } else if (size == 2) {
        uint16_t w = (uint16_t)v;
        memcpy(p, &w, 2);
    } else {
        memcpy(p, &v, 4);
    }
}

static inline uint32_t lin_read(struct cpu *c, uint32_t lin, int size)
{
    struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if (LIKELY(e->tag_r == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - (unsigned)size))
        return host_load((const void *)(e->addend + lin), size);
    return lin_read_slow(c, lin, size);
}

static inline void lin_write(struct cpu *c, uint32_t lin, uint32_t v, int size)
{
    struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if (LIKELY(e->tag_w == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - (unsigned)size)) {
        host_store((void *)(e->addend + lin), v, size);
        return;
    }
    lin_write_slow(c, lin, v, size);
}

/* Implicit supervisor accesses -- descriptor tables, the TSS, the inner
 * stack of a privilege change -- are checked as CPL 0 even at CPL 3 (SDM 3A
 * §4.6.1). The TLB set in use says which kind an access is: the supervisor
 * set makes the page walk a supervisor one (cpu/access.c), and a fault puts
 * the CPL's own set back (cpu/exec.c). */
static inline uint32_t sys_read(struct cpu *c, uint32_t lin, int size)
{
    struct tlb_entry *saved = c->tlb_cur;
    c->tlb_cur = c->tlb[0];
    uint32_t v = lin_read(c, lin, size);
    c->tlb_cur = saved;
    return v;
}

static inline void sys_write(struct cpu *c, uint32_t lin, uint32_t v, int size)
{
    struct tlb_entry *saved = c->tlb_cur;
    c->tlb_cur = c->tlb[0];
    lin_write(c, lin, v, size);
    c->tlb_cur = saved;
}

/* Segmented data access: the fast path needs a segment that allows the
 * access type and an offset comfortably inside the limit. */
static inline uint32_t cpu_read(struct cpu *c, int seg, uint32_t off, int size)
{
    struct seg *s = &c->seg[seg];
    if (LIKELY((s->access & SEGA_READ) && off <= s->limit - (uint32_t)(size - 1) && s->limit >= 3))
        return lin_read(c, s->base + off, size);
    return cpu_read_slow(c, seg, off, size);
}

static inline void cpu_write(struct cpu *c, int seg, uint32_t off, uint32_t v, int size)
{
    struct seg *s = &c->seg[seg];
    if (LIKELY((s->access & SEGA_WRITE) && off <= s->limit - (uint32_t)(size - 1) && s->limit >= 3)) {
        lin_write(c, s->base + off, v, size);
        return;
    }
    cpu_write_slow(c, seg, off, v, size);
}

static inline uint8_t cpu_read8(struct cpu *c, int seg, uint32_t off)
{
    return (uint8_t)cpu_read(c, seg, off, 1);
}
static inline uint16_t cpu_read16(struct cpu *c, int seg, uint32_t off)
{
    return (uint16_t)cpu_read(c, seg, off, 2);
}
static inline uint32_t cpu_read32(struct cpu *c, int seg, uint32_t off)
{
    return cpu_read(c, seg, off, 4);
}

/* Registers by size. */
static inline uint32_t reg_read(struct cpu *c, int n, int size)
{
    switch (size) {
    case 1: return CPU_R8(c, n);
    case 2: return CPU_R16(c, n);
    default: return CPU_R32(c, n);
    }
}

/* Writes of 8 and 16-bit registers store the whole 32-bit register: a
 * narrow store followed by a 32-bit load of the register (an effective
 * address, the stack pointer, a string index) cannot be forwarded and
 * stalls the host for a dozen cycles, which in 16-bit code is every few
 * instructions. */
static inline void reg16_write(struct cpu *c, int n, uint32_t v)
{
    c->regs.r32[n] = (c->regs.r32[n] & 0xFFFF0000u) | (v & 0xFFFFu);
}

/* 8-bit register n: 0-3 are AL CL DL BL, 4-7 AH CH DH BH. */
static inline void reg8_write(struct cpu *c, int n, uint32_t v)
{
    int sh = (n >> 2) * 8;
    c->regs.r32[n & 3] = (c->regs.r32[n & 3] & ~(0xFFu << sh)) | ((v & 0xFFu) << sh);
}

static inline void reg_write(struct cpu *c, int n, uint32_t v, int size)
{
    switch (size) {
    case 1: reg8_write(c, n, v); break;
    case 2: reg16_write(c, n, v); break;
    default: CPU_R32(c, n) = v; break;
    }
}

/* Operand size of a decoded instruction: byte forms have bit 0 of the
 * opcode clear in the classic encodings. */
static inline int insn_osize(const struct insn *i)
{
    return i->os32 ? 4 : 2;
}
static inline int insn_bsize(const struct insn *i)
{
    return (i->op & 1) ? insn_osize(i) : 1;
}

static inline uint32_t insn_ea(struct cpu *c, const struct insn *i)
{
    uint32_t a = (uint32_t)i->disp;
    if (i->base != NO_REG)
        a += c->regs.r32[i->base];
    if (i->index != NO_REG)
        a += c->regs.r32[i->index] << i->scale;
    return i->as32 ? a : (a & 0xFFFF);
}

static inline uint32_t rm_read(struct cpu *c, const struct insn *i, int size)
{
    if (i->mod == 3)
        return reg_read(c, i->rm, size);
    return cpu_read(c, i->ea_seg, insn_ea(c, i), size);
}

static inline void rm_write(struct cpu *c, const struct insn *i, uint32_t v, int size)
{
    if (i->mod == 3)
        reg_write(c, i->rm, v, size);
    else
        cpu_write(c, i->ea_seg, insn_ea(c, i), v, size);
}

/* Stack. */
static inline bool ss32(const struct cpu *c)
{
    return (c->seg[S_SS].flags & SEGF_DB) != 0;
}
static inline uint32_t sp_mask(const struct cpu *c)
{
    return ss32(c) ? 0xFFFFFFFFu : 0xFFFFu;
}
static inline uint32_t sp_get(const struct cpu *c)
{
    return c->ESP & sp_mask(c);
}
static inline void sp_set(struct cpu *c, uint32_t v)
{
    if (ss32(c))
        c->ESP = v;
    else
        reg16_write(c, R_ESP, v);
}

static inline void cpu_push(struct cpu *c, uint32_t v, int size)
{
    uint32_t sp = (c->ESP - (uint32_t)size) & sp_mask(c);
    cpu_write(c, S_SS, sp, v, size);
    sp_set(c, sp);
}

static inline uint32_t cpu_pop(struct cpu *c, int size)
{
    uint32_t sp = sp_get(c);
    uint32_t v = cpu_read(c, S_SS, sp, size);
    sp_set(c, sp + (uint32_t)size);
    return v;
}

/* Read the value at the top of the stack plus `off` without popping. */
static inline uint32_t cpu_stack_peek(struct cpu *c, uint32_t off, int size)
{
    return cpu_read(c, S_SS, (sp_get(c) + off) & sp_mask(c), size);
}

/* Lazy flags. */
static inline void lf_set(struct cpu *c, int op, uint32_t a, uint32_t b, uint32_t res, int size)
{
    c->lf.op = (uint8_t)op;
    c->lf.a = a;
    c->lf.b = b;
    c->lf.res = res;
    c->lf.size = (uint8_t)size;
}

/* Carry flag, fast for the common lazy kinds. */
bool cpu_get_cf(struct cpu *c);
bool cpu_get_of(struct cpu *c);

/* Set the arithmetic flags from explicit bits (for instructions whose flags
 * are computed eagerly). */
static inline void cpu_set_arith(struct cpu *c, uint32_t flags)
{
    c->lf.op = LF_NONE;
    c->eflags = (c->eflags & ~F_ARITH) | (flags & F_ARITH);
}

static inline uint32_t parity_flag(uint32_t v)
{
    return __builtin_parity(v & 0xFF) ? 0 : F_PF;
}

/* ZF/SF/PF of a result. */
static inline uint32_t szp_flags(uint32_t res, int size)
{
    uint32_t m = size_mask(size);
    uint32_t f = parity_flag(res);
    if ((res & m) == 0)
        f |= F_ZF;
    if (res & (1u << (8 * size - 1)))
        f |= F_SF;
    return f;
}

/* Mode. */
static inline bool cpu_real(const struct cpu *c)
{
    return !(c->cr[0] & CR0_PE);
}
static inline bool cpu_is_v86(const struct cpu *c)
{
    return (c->eflags & F_VM) != 0;
}
static inline bool cs32(const struct cpu *c)
{
    return (c->seg[S_CS].flags & SEGF_DB) != 0;
}
/* Whether the JIT may run the code at CS:EIP at all: protected mode outside
 * V86, or real mode on the 386 and later; no single-step, no interrupt
 * shadow. V86, the 8086 and 286 models, single-stepping and the instruction
 * in a shadow stay with the interpreter, which checks this before calling
 * jit_exec (cpu/exec.c). */
static inline bool jit_may_take(const struct cpu *c)
{
    return !(c->eflags & (F_VM | F_TF)) && !c->inhibit_irq && ((c->cr[0] & CR0_PE) || c->model >= CPU_386);
}
static inline int cpu_iopl(const struct cpu *c)
{
    return (c->eflags >> 12) & 3;
}

/* Port I/O with the protection checks of SDM 3A §20.5 / §18.3 (IOPL and the
 * TSS I/O bitmap). */
void cpu_check_io(struct cpu *c, uint16_t port, int size);
uint32_t cpu_io_in(struct cpu *c, uint16_t port, int size);
void cpu_io_out(struct cpu *c, uint16_t port, uint32_t v, int size);

/* Control transfers shared by several ops (cpu/ops/flow.c, cpu/protect.c). */
void cpu_jmp_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32);
void cpu_call_far(struct cpu *c, uint16_t sel, uint32_t off, bool os32);
void cpu_ret_far(struct cpu *c, bool os32, uint16_t extra);
void cpu_iret(struct cpu *c, bool os32);
/* Near branch target: masked to 16 bits with a 16-bit operand size, and
 * checked against the CS limit. */
void cpu_jump_near(struct cpu *c, uint32_t target, bool os32);

/* The decoded-instruction cache (cpu/exec.c). */
void cpu_dcache_init(struct cpu *c);

/* Debug: raise #UD. */
_Noreturn void cpu_ud(struct cpu *c);

#endif

/* The emitter interface: the operations translate.c builds blocks from. Each
 * host backend (emit_x64.c, later emit_a64.c) implements it; nothing above
 * this line names a host register. Generated blocks are called as
 * void block(struct cpu *c) and keep the CPU pointer in a host register.
 *
 * The model: two value temporaries (T0, T1) and an address temporary (A),
 * all 32-bit, plus a host pointer P set by a successful TLB lookup. Guest
 * state lives in struct cpu and is addressed by byte offset, except the
 * eight general registers, which the backend caches in host registers
 * across a block (the emit_gr_* operations). "Host flags" are the flags of
 * the last ALU operation emitted; an operation documented as clobbering
 * them ends their life. */
#ifndef REX86_EMIT_H
#define REX86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/decode.h"

/* Hosts with a backend. Elsewhere the JIT refuses to start (jit_init) and
 * nothing calls the emitter, so nothing refers to it either. */
#if defined(__x86_64__)
#define EMIT_HAVE_BACKEND 1
#else
#define EMIT_HAVE_BACKEND 0
#endif

enum { T0, T1 };

/* x86 condition codes 0-15 (the low nibble of Jcc). */
#define CC_E  4
#define CC_NE 5

#define EMIT_MAX_STUBS 96
#define EMIT_MAX_EXITS 2

/* A slow path: the whole instruction run by its interpreter handler, then
 * back to the instruction's end (or out of the block when the handler asked
 * to leave, e.g. it wrote into translated code). */
struct emit_stub {
    size_t patch;            /* rel32 jumping to the stub */
    uint8_t gr_dirty;        /* cached registers to write back before the handler */
    uint8_t gr_live;         /* and those to reload after it (at `resume`) */
    size_t resume;           /* where the instruction's code ends */
    const struct insn *insn; /* for the handler */
    op_fn fn;
    uint32_t eip, next;
    int pending; /* instructions retired but not yet counted */
    bool t0_eip; /* T0 = EIP after the handler (a branch's target) */
};

/* A chainable exit: a patchable jump to the next block. */
struct emit_exit {
    size_t jmp;    /* offset of the rel32 of the patchable jump */
    size_t unlink; /* where that jump points while unchained */
};

struct emit {
    uint8_t *buf; /* writable bytes */
    size_t cap;
    size_t pos;
    bool overflow;
    size_t entry_chain; /* where chained jumps enter (after the prologue) */
    size_t epilogue_patches[EMIT_MAX_STUBS * 2];
    int nepi;
    struct emit_stub stubs[EMIT_MAX_STUBS];
    int nstubs, stub_first; /* stubs of the instruction being emitted */
    struct emit_exit exits[EMIT_MAX_EXITS];
    int nexits;
    const void *tb;    /* the block, for the unchained exits */
    size_t tlb_off;    /* the soft TLB of the block's CPL, in struct cpu */
    uint8_t gr_loaded; /* guest registers (bit n) held in host registers */
    uint8_t gr_dirty;  /* ... and changed since they were loaded */
};

void emit_init(struct emit *e, uint8_t *buf, size_t cap, const void *tb);
void emit_prologue(struct emit *e);
/* Stubs and the epilogue; returns false when the buffer overflowed. */
bool emit_finish(struct emit *e);

/* Guest state. */
void emit_ld(struct emit *e, int t, size_t off, int size);  /* t = field, zero-extended */
void emit_lds(struct emit *e, int t, size_t off, int size); /* t = field, sign-extended */
void emit_st(struct emit *e, size_t off, int t, int size);
void emit_st_imm(struct emit *e, size_t off, uint32_t v, int size);
void emit_imm(struct emit *e, int t, uint32_t v);
void emit_mov(struct emit *e, int dst, int src);
/* The guest's general registers, held in host registers: written back
 * before anything outside generated code reads the CPU state (a handler
 * call, a slow path, an exit to the dispatcher) and forgotten after a
 * call, which may change them, then loaded again on first use. Between
 * chained blocks all eight stay in host registers: the prologue loads them,
 * a chained or table exit loads any that are missing, and a block entered
 * that way counts all eight as changed. n is the register number; with
 * size 1, n = 4..7 names AH..BH as in ModRM. None of these touch the host
 * flags. */
void emit_gr_ld(struct emit *e, int t, int n, int size, bool sign); /* t = n, extended */
void emit_gr_st(struct emit *e, int n, int t, int size);            /* n = low bytes of t */
void emit_gr_st_imm(struct emit *e, int n, uint32_t v, int size);
void emit_gr_st_a(struct emit *e, int n, int size);   /* n = A */
void emit_a_gr(struct emit *e, int n, int32_t delta); /* A = n + delta */
/* 32-bit ALU straight on guest registers: n = n op m, or n op imm (op as
 * emit_alu; CMP leaves n); host flags = guest flags. */
void emit_gr_alu(struct emit *e, int op, int n, int m);
void emit_gr_alu_imm(struct emit *e, int op, int n, uint32_t imm);
/* The 32-bit field at off = guest register n. */
void emit_st_gr(struct emit *e, size_t off, int n);
/* Write the changed registers back to the CPU state (they stay cached). */
void emit_gr_flush(struct emit *e);
/* Load those not held (before a branch between exits). */
void emit_gr_load_all(struct emit *e);

/* Instruction bookkeeping: insn_eip, insn_esp, next_eip and eip; reads ESP
 * from the CPU state, so the registers must have been flushed. */
void emit_insn_state(struct emit *e, uint32_t eip, uint32_t next);
/* n more instructions retired: cycles_left -= n, which also counts them
 * (cpu_icount); host flags as the subtraction leaves them. */
void emit_count(struct emit *e, int n);

/* Addresses: A = effective address of insn's ModRM memory operand. */
void emit_ea(struct emit *e, const struct insn *i);
void emit_a_tmp(struct emit *e, int t); /* A = t */
void emit_tmp_a(struct emit *e, int t); /* t = A */
void emit_a_wrap16(struct emit *e);     /* A &= 0xFFFF */
void emit_a_add(struct emit *e, int32_t delta);
/* A += the 32-bit field at off (a segment base). */
void emit_a_add_field(struct emit *e, size_t off);
/* Take the instruction's slow path (`stub`) when A > max, unsigned: an
 * access that would end past a segment limit. Clobbers host flags. */
void emit_a_above_stub(struct emit *e, uint32_t max, const struct emit_stub *stub);

/* Memory through the soft TLB: look A up for a read or a write of `size`
 * bytes (a write lookup also serves a read-modify-write); on a miss run the
 * stub. On a hit P points at the bytes. Clobbers host flags. */
void emit_tlb(struct emit *e, bool write, int size, const struct emit_stub *stub);
/* Jump to the instruction's slow path (`stub`) when cc holds on the host
 * flags. */
void emit_jcc_stub(struct emit *e, int cc, const struct emit_stub *stub);
/* The instruction's code ends here: its stubs resume at this point. */
void emit_insn_end(struct emit *e);
void emit_ldp(struct emit *e, int t, int size);  /* t = [P], zero-extended */
void emit_ldps(struct emit *e, int t, int size); /* t = [P], sign-extended */
void emit_stp(struct emit *e, int t, int size);

/* ALU: op is the x86 ALU number (0 ADD, 1 OR, 4 AND, 5 SUB, 6 XOR, 7 CMP);
 * dst = dst op src at `size`, host flags = guest flags. CMP leaves dst. */
void emit_alu(struct emit *e, int op, int dst, int src, int size);
void emit_alu_imm(struct emit *e, int op, int dst, uint32_t imm, int size);
/* dst = dst op the field at off (CMP leaves dst). */
void emit_alu_field(struct emit *e, int op, int dst, size_t off, int size);
void emit_incdec(struct emit *e, int t, bool dec, int size);
/* dst = low half of dst * src, signed (size 2 or 4); host CF = OF = the
 * product did not fit. */
void emit_imul(struct emit *e, int dst, int src, int size);
/* t = t shifted by a constant 1 <= count < 8*size: kind 4 SHL, 5 SHR,
 * 7 SAR; host CF (and OF for a count of 1) as the shift leaves them. */
void emit_shift_imm(struct emit *e, int t, int kind, int count, int size);
/* t = t shifted or rotated (kind 0 ROL, 1 ROR, 4 SHL, 5 SHR, 7 SAR) by
 * the low 5 bits of count, as x86 does it; the host flags are lost. */
void emit_shift_var(struct emit *e, int t, int kind, int count, int size);
/* Right after emit_shift_imm: the flags field at off gets CF, OF and AF
 * as rex86's interpreter defines them for that shift (OF = MSB(result) xor
 * CF for SHL, the old MSB for a one-bit SHR, else 0; AF set when af). */
void emit_shift_flags(struct emit *e, size_t off, int t, int kind, int count, int size, bool af);
/* Right after a ROL (kind 0) or ROR (1) of t by a constant: the flags field
 * at off gets CF and OF as rex86's interpreter defines them at any count
 * (CF the bit rotated in; OF MSB xor CF for ROL, the top two bits' xor for
 * ROR), worked out from the result. Clobbers the host flags. */
void emit_rot_flags(struct emit *e, size_t off, int t, int kind, int size);
/* Host CF = bit 0 of the 32-bit field at off. */
void emit_cf_from_field(struct emit *e, size_t off);
/* The flags field at off gets CF = OF = host CF and AF = 0. */
void emit_cf_of_to_field(struct emit *e, size_t off);
/* Host flags from recorded operands, as the recorded operation set them:
 * SUB/CMP of a and b, ADD of a and b, or a TEST of the result. */
void emit_flags_sub(struct emit *e, size_t a, size_t b, int size);
void emit_flags_add(struct emit *e, size_t a, size_t b, int size);
void emit_flags_test(struct emit *e, size_t res, int size);
/* Host flags as "value of t is nonzero" (NE when set). */
void emit_flags_nz(struct emit *e, int t);
/* t = 1 if condition cc holds on the host flags, else 0. */
void emit_setcc(struct emit *e, int t, int cc);
/* Host CF into bit 0 of the 32-bit field at off. */
void emit_cf_to_field(struct emit *e, size_t off);
/* dst = src if cc holds on the host flags. */
void emit_cmov(struct emit *e, int cc, int dst, int src);
/* Host flags from field - imm (size 1, 2 or 4): E when they are equal. */
void emit_cmp_field(struct emit *e, size_t off, uint32_t imm, int size);
/* Host flags from field & imm (size 1 or 4): NE when any of those bits is
 * set. Test the byte a handler last wrote as a byte or a word, so the load
 * takes its data from that store. */
void emit_test_field(struct emit *e, size_t off, uint32_t imm, int size);
/* Field &= imm (clobbers host flags). */
void emit_and_field_imm(struct emit *e, size_t off, uint32_t imm);

/* Add one to the 64-bit counter at a host address (profiling). */
void emit_inc64(struct emit *e, const uint64_t *counter);

/* Calls: the cached registers are flushed before and forgotten after. */
void emit_call_op(struct emit *e, op_fn fn, const struct insn *insn);
/* t = fn(cpu, arg) for a helper returning a 32-bit value that reads and
 * writes nothing but the flags (cpu_cond, the carry fold): the guest
 * registers held stay held (clobbers host flags). */
void emit_call_ret(struct emit *e, int t, uint32_t (*fn)(struct cpu *, uint32_t), uint32_t arg);

/* Control. Conditional forward jump over code: returns a label to bind. */
size_t emit_jcc_fwd(struct emit *e, int cc);
size_t emit_jmp_fwd(struct emit *e);
void emit_bind(struct emit *e, size_t label);
/* Leave the block (to the dispatcher) when the byte at off is nonzero, with
 * `pending` instructions still to count. */
void emit_exit_if_set8(struct emit *e, size_t off, int pending);
/* Leave the block for the dispatcher. */
void emit_exit(struct emit *e);
/* A chainable exit to guest EIP `eip` in the same page: slot number
 * returned. The caller has counted the instructions; the jump is taken only
 * while cycles remain (host flags from emit_count); EIP is stored only when
 * it is not. Interrupts need no test here: whatever raises one (a PIC or
 * APIC input, an NMI, a stop request) also sets jit_exit, which blocks test
 * after every handler call that can cause it; a guest that sets IF does so
 * with an instruction that ends its block; and a stop from outside is seen
 * when the slice's cycles run out. */
int emit_exit_chain(struct emit *e, uint32_t eip);

/* Leave after a near indirect branch to T0 (stored as EIP only when the
 * block leaves for the dispatcher): count `pending` instructions and, while
 * cycles remain (and, with check_exit, no helper asked to leave), look the
 * target up in the
 * indirect-branch table `ibtc` (translate.h) and jump straight into it when
 * host address, EIP, hflags and CS base match; otherwise leave. */
void emit_exit_lookup(struct emit *e, int pending, uint32_t cs_base, uint32_t hflags, const void *ibtc,
                      bool check_exit);

/* Chaining: point exit `jmp` (offset in block `code_rw`) at `target` (an
 * executable address), or back at its unchained path. */
void emit_patch_jump(uint8_t *code_rw, const uint8_t *code_x, size_t jmp, const uint8_t *target);

#endif

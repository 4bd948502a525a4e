/* The guest CPU: architectural state of a P6-class x86, the CPU model switch,
 * and the entry points the machine uses to run it. */
#ifndef REX86_CPU_H
#define REX86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu/fpu.h"

struct machine;

enum cpu_model {
    CPU_8086,
    CPU_186,
    CPU_286,
    CPU_386,
    CPU_486,
    CPU_PENTIUM,
    CPU_PENTIUM2,
};

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_NONE = 7 };

/* EFLAGS bits. */
#define F_CF    0x0001u
#define F_PF    0x0004u
#define F_AF    0x0010u
#define F_ZF    0x0040u
#define F_SF    0x0080u
#define F_TF    0x0100u
#define F_IF    0x0200u
#define F_DF    0x0400u
#define F_OF    0x0800u
#define F_IOPL  0x3000u
#define F_NT    0x4000u
#define F_RF    0x10000u
#define F_VM    0x20000u
#define F_AC    0x40000u
#define F_VIF   0x80000u
#define F_VIP   0x100000u
#define F_ID    0x200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* CR0 bits. */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

/* CR4 bits. */
#define CR4_PGE 0x80u /* global pages */

/* Exception vectors. */
enum {
    EXC_DE = 0,
    EXC_DB = 1,
    EXC_NMI = 2,
    EXC_BP = 3,
    EXC_OF = 4,
    EXC_BR = 5,
    EXC_UD = 6,
    EXC_NM = 7,
    EXC_DF = 8,
    EXC_TS = 10,
    EXC_NP = 11,
    EXC_SS = 12,
    EXC_GP = 13,
    EXC_PF = 14,
    EXC_MF = 16,
    EXC_AC = 17,
    EXC_MC = 18,
    EXC_XM = 19,
};
#define EXC_NO_ERR (-1)

/* A segment register with its descriptor cache. `flags` holds descriptor
 * bytes 5 and 6 (access rights in bits 0-7, AVL/D/G in bits 12-15). */
struct seg {
    uint16_t sel;
    uint32_t base;
    uint32_t limit; /* expanded byte limit */
    uint16_t flags;
    /* Derived when loaded: SEGA_* bits saying which accesses may take the
     * inline fast path (the offset is still checked against limit). */
    uint8_t access;
};
#define SEGA_READ  1u
#define SEGA_WRITE 2u
#define SEGF_P     0x0080u
#define SEGF_S     0x0010u
#define SEGF_CODE  0x0008u
#define SEGF_DB    0x4000u
#define SEGF_G     0x8000u

struct dtr {
    uint32_t base;
    uint16_t limit;
};

/* Lazy flags: arithmetic records its operands and result; flags are computed
 * when read (cpu/flags.c). */
enum lf_op {
    LF_NONE,  /* all arithmetic flags live in eflags */
    LF_ADD,   /* res = a + b (+ carry): ADD, ADC */
    LF_SUB,   /* res = a - b (- borrow): SUB, SBB, CMP, NEG */
    LF_LOGIC, /* CF = OF = AF = 0 */
    LF_INC,   /* CF taken from eflags */
    LF_DEC,   /* CF taken from eflags */
    LF_RES,   /* ZF, SF, PF from res; CF, OF, AF from eflags */
};

struct lazy_flags {
    uint32_t res, a, b; /* result, first and second operand */
    uint8_t op;         /* enum lf_op */
    uint8_t size;       /* 1, 2 or 4 bytes */
};

#define CPU_MSR_COUNT 64

/* Soft TLB: linear page -> host pointer. A tag equal to the page's linear
 * address means the access may go straight to host memory. 4096 entries
 * (16 MB) per set: with 256, Linux's boot refilled an entry every ~1200
 * instructions, mostly for entries another page had taken; a flush costs
 * only the entries filled since the one before (tlb_used). */
#define TLB_BITS    12
#define TLB_SIZE    (1u << TLB_BITS)
#define TLB_INVALID 1u /* never page-aligned, never matches */
struct tlb_entry {
    uint32_t tag_r, tag_w;
    uintptr_t addend; /* host address = addend + linear address */
};

struct cpu {
    union {
        uint32_t r32[8];
        uint16_t r16[16]; /* r16[2*n] is the low word of register n */
        uint8_t r8[32];   /* r8[4*n] low byte, r8[4*n+1] high byte */
    } regs;
    uint32_t eip;
    uint32_t eflags; /* arithmetic bits are stale while lf.op != LF_NONE */
    struct lazy_flags lf;
    struct seg seg[6];
    struct dtr gdtr, idtr;
    struct seg ldtr, tr;
    uint32_t cr[5];
    uint32_t dr[8];
    uint32_t msr_index[CPU_MSR_COUNT];
    uint64_t msr_value[CPU_MSR_COUNT];
    uint64_t tsc;
    uint8_t cpl;
    struct fpu fpu; /* x87 and MMX state (cpu/fpu/) */

    enum cpu_model model;

    /* Execution state. */
    bool halted;
    bool intr_line; /* INTR from the interrupt controller */
    bool nmi_pending;
    uint8_t inhibit_irq; /* interrupt shadow after MOV SS/POP SS/STI */
    bool exit_request;   /* leave cpu_run at the next instruction boundary */
    bool trap_pending;   /* single-step trap after the current instruction */
    int64_t cycles_left;
    uint64_t icount; /* instructions retired (cpu_icount while in_block) */
    /* Translated code counts only in cycles_left: while it runs (in_block)
     * the instructions retired are icount + block_cycles - cycles_left, and
     * jit_exec folds them into icount when it returns or faults. */
    bool in_block;
    int64_t block_cycles;

    /* State of the instruction in flight, for restarting on a fault. */
    uint32_t insn_eip;
    uint32_t insn_esp;
    uint16_t insn_cs;
    uint32_t next_eip; /* EIP of the following instruction */
    int exc_depth;     /* exceptions being delivered */
    int exc_pending_vector;
    jmp_buf fault_jmp;
    bool in_run;

    /* Two TLB sets, supervisor and user, so CPL changes need no flush. */
    struct tlb_entry tlb[2][TLB_SIZE];
    struct tlb_entry *tlb_cur;
    uint32_t tlb_mem_gen; /* mem.generation the TLB was filled under */

    /* Decoded-instruction cache of the interpreter (cpu/exec.c). */
    struct dcache_entry *dcache;

    /* The JIT (translator/), when -accel jit: NULL runs the interpreter. */
    struct jit *jit;
    uint8_t jit_exit; /* set by helpers: leave the running block now */
    uint8_t jit_slot; /* which exit of jit_from the last block left by */
    void *jit_from;   /* the block that left unchained (a struct tb) */

    /* The exception being raised (set before unwinding). */
    int exc_vector;
    int exc_error;

    struct machine *m;

    /* Per TLB entry: TLBF_GLOBAL when it maps a global page (the G bit of
     * the PTE, or of a large page's PDE, with CR4.PGE set when it was
     * filled), which a load of CR3 keeps (SDM 3A §4.10.4.1); TLBF_USED
     * while its index is in tlb_used. */
    uint8_t tlb_flags[2][TLB_SIZE];
    /* The indexes of the entries filled since the last flush, so a flush
     * touches those only; before the first flush (tlb_tracked false) the
     * flush clears every entry. */
    uint16_t tlb_used[2][TLB_SIZE];
    uint32_t tlb_nused[2];
    bool tlb_tracked;
};
#define TLBF_GLOBAL 1u
#define TLBF_USED   2u

/* Register access by architectural number. */
#define CPU_R32(c, n) ((c)->regs.r32[(n)])
#define CPU_R16(c, n) ((c)->regs.r16[(n)*2])
/* 8-bit register n: 0-3 are AL CL DL BL, 4-7 AH CH DH BH. */
#define CPU_R8(c, n) ((c)->regs.r8[((n)&3) * 4 + ((n) >> 2)])
#define EAX          regs.r32[R_EAX]
#define ECX          regs.r32[R_ECX]
#define EDX          regs.r32[R_EDX]
#define EBX          regs.r32[R_EBX]
#define ESP          regs.r32[R_ESP]
#define EBP          regs.r32[R_EBP]
#define ESI          regs.r32[R_ESI]
#define EDI          regs.r32[R_EDI]

/* Lifecycle. */
void cpu_init(struct cpu *c, struct machine *m, enum cpu_model model);
void cpu_reset(struct cpu *c);
void cpu_free(struct cpu *c);
int cpu_model_parse(const char *name, enum cpu_model *out);
const char *cpu_model_name(enum cpu_model model);

/* Run until cycles run out, the CPU halts with nothing to wake it, or an exit
 * is requested. Returns the number of instructions retired. */
uint64_t cpu_run(struct cpu *c, int64_t cycles);
/* Execute exactly one instruction (prefixes included), delivering any fault
 * it raises. Used by the conformance runner and the debugger. */
void cpu_step(struct cpu *c);

/* Flags. */
uint32_t cpu_get_eflags(struct cpu *c);
void cpu_set_eflags(struct cpu *c, uint32_t value, uint32_t mask);
/* Instructions retired, also from a handler that translated code called. */
static inline uint64_t cpu_icount(const struct cpu *c)
{
    return c->in_block ? c->icount + (uint64_t)(c->block_cycles - c->cycles_left) : c->icount;
}
bool cpu_cond(struct cpu *c, int cc); /* Jcc condition 0-15 */
void cpu_flags_commit(struct cpu *c); /* fold lazy flags into eflags */

/* Segments. */
void cpu_load_seg_real(struct cpu *c, int seg, uint16_t sel);
void cpu_load_seg(struct cpu *c, int seg, uint16_t sel); /* mode-aware */
bool cpu_pe(const struct cpu *c);
bool cpu_v86(const struct cpu *c);

/* Faults: never return; unwind to the run loop, which delivers the
 * exception with the state at the start of the instruction. */
_Noreturn void cpu_exception(struct cpu *c, int vector, int error_code);

/* The soft TLB. */
void cpu_tlb_flush(struct cpu *c);
/* What a load of CR3 invalidates: every entry but the global pages' while
 * CR4.PGE is set (with PGE clear no entry is global). */
void cpu_tlb_flush_nonglobal(struct cpu *c);
void cpu_tlb_flush_page(struct cpu *c, uint32_t lin);
/* Take write access away from every TLB entry, in either set and at any
 * linear address, that maps the 4 KB of host memory at host_page (a page
 * of RAM that now holds translated code). */
void cpu_tlb_drop_writes(struct cpu *c, uintptr_t host_page);

/* Interrupt delivery (IVT in real mode, IDT in protected mode). `soft` marks
 * INT n/INT3/INTO, whose return address is the next instruction. */
void cpu_interrupt(struct cpu *c, int vector, int error_code, bool soft, uint32_t return_eip);

/* The interrupt controller raises or drops INTR. */
void cpu_set_intr(struct cpu *c, bool level);
void cpu_raise_nmi(struct cpu *c);

#endif

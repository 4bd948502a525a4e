/* The JIT: translation blocks of decoded guest instructions, keyed by the
 * host address of their first byte (which names the physical page), the CS
 * base and the flags the code was specialised on. */
#ifndef REX86_JIT_H
#define REX86_JIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct machine;
struct cpu;

struct jit_stats {
    uint64_t blocks_translated;
    uint64_t guest_bytes;
    uint64_t host_bytes;
    uint64_t blocks_run; /* dispatches from the run loop */
    uint64_t chains;     /* direct jumps patched between blocks */
    uint64_t insns_run;
    uint64_t interp_insns; /* left to the interpreter (computed when printed) */
    uint64_t invalidations_cpu;
    uint64_t invalidations_dma;
    uint64_t flushes;
    uint64_t pages_left_to_interp;
};

/* Attach a JIT to the machine's CPU. Returns 0, or -1 with machine_error()
 * when the host has no backend or the code buffer cannot be mapped. */
int jit_init(struct machine *m);
void jit_free(struct machine *m);
/* Run the block at CS:EIP (translating it if needed). Returns false when the
 * interpreter must execute the next instruction instead. */
bool jit_exec(struct cpu *c);
void jit_flush(struct cpu *c);
/* A fault unwound out of a block. */
void jit_leave(struct cpu *c);
void jit_get_stats(struct machine *m, struct jit_stats *st);
void jit_print_stats(struct machine *m, FILE *f);
/* --jit-stats: make the generated code count block entries and handler
 * calls per opcode (a little slower; off by default). */
void jit_set_profiling(struct machine *m, bool on);

#endif

/* Differential testing: the seeded generator of random user-mode instruction
 * sequences (Pentium II integer, x87 and MMX) and their initial state. */
#ifndef REX86_DIFF_GEN_H
#define REX86_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

enum gen_class {
    GEN_INT,   /* integer, CMOV, BSWAP, string ops, BCD, stack, branches */
    GEN_X87,   /* x87 without the transcendentals, mixed with integer */
    GEN_TRANS, /* x87 with FSIN..FYL2XP1: results compared to a few ulps */
    GEN_MMX,   /* MMX mixed with integer, ending with EMMS */
    GEN_CLASSES
};

#define GEN_MAX_GROUPS 48
#define GEN_MAX_MASKS  32

struct gen_seq {
    struct diff_case dc;
    enum gen_class cls;
    uint32_t body_start, body_end; /* code offsets of the random part */
    /* What the manuals leave undefined once the sequence ends: EFLAGS bits
     * and x87 condition codes (FSW bits). */
    uint32_t eflags_undef;
    uint16_t fsw_undef;
    /* Where each group (an instruction with its setup) ends, and the masks
     * there, so a failure can be narrowed down to a prefix (gen_truncate). */
    uint32_t groups;
    struct gen_cut {
        uint32_t end;
        uint32_t eflags_undef;
        uint16_t fsw_undef;
        bool branch_open; /* a forward branch crosses this point */
    } cut[GEN_MAX_GROUPS];
    /* Memory the comparison must partly ignore: the FNSTENV/FNSAVE images'
     * instruction and operand pointers, reserved fields, and the status word's
     * undefined condition codes. Each 16-bit word in [addr, addr+len) is
     * compared under `keep`. */
    uint32_t nmasks;
    struct gen_mask {
        uint32_t addr;
        uint16_t len, keep;
    } mask[GEN_MAX_MASKS];
};

/* The sequence `index` of the run with `seed`; `only` forces a class
 * (GEN_CLASSES: the usual mix). Deterministic: no host randomness. */
void gen_sequence(struct gen_seq *s, uint64_t seed, uint32_t index, enum gen_class only);
/* The same with flags: GEN_F_JIT mixes in groups only a guest can run
 * (gen_jit.c: 16-bit addressing through FS based on the scratch buffer,
 * segment loads), for the interpreter-against-JIT comparison. */
#define GEN_F_JIT 1u
/* With GEN_F_JIT the body runs in a loop (tests/jit/diff_jit) that keeps
 * the passes left, this one included (1 in the last pass), at this offset
 * of the control page. */
#define GEN_CTL_LOOP 0xA00
void gen_sequence_ex(struct gen_seq *s, uint64_t seed, uint32_t index, enum gen_class only, unsigned flags);
const char *gen_class_name(enum gen_class c);
/* The same sequence cut after its first `groups` groups, with the same
 * epilogue; false when a branch crosses that point. */
bool gen_truncate(const struct gen_seq *s, uint32_t groups, struct gen_seq *out);

#endif

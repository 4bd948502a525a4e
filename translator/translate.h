/* Translation blocks and the translator that builds them from decoded
 * instructions through the emitter interface (translator/emit.h). */
#ifndef REX86_TRANSLATE_H
#define REX86_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/decode.h"

#define TB_MAX_INSNS  32
#define TB_MAX_CODE   (TB_MAX_INSNS * 768 + 512)
#define TB_MAX_EXITS  2
#define JIT_MAX_INSNS (1 << 20)
#define TB_NO_PAGE    0xFFFFFFFFu

struct tb {
    uintptr_t host_pc; /* host address of the first guest byte */
    uint32_t lin_pc;   /* linear address of the first byte */
    uint32_t cs_base;
    uint32_t eip;
    uint32_t hflags;
    uint32_t phys_start, phys_end; /* RAM offsets of the guest bytes */
    uint32_t page[2];              /* RAM pages it covers, or TB_NO_PAGE */
    uint16_t size;                 /* guest bytes */
    uint16_t icount;               /* guest instructions */
    size_t code_size;              /* host bytes */
    bool valid;
    void (*code)(struct cpu *c);
    struct insn *insns; /* decoded forms the helpers are called with */
    struct tb *hash_next;
    struct tb *page_next[2];
    /* Direct chaining: exit k jumps straight to jmp_to[k] once linked. */
    size_t code_off;    /* offset in the code buffer */
    size_t entry_chain; /* where chained jumps enter */
    int nexits;
    uint32_t jmp_eip[TB_MAX_EXITS];
    size_t jmp_off[TB_MAX_EXITS], jmp_unlink[TB_MAX_EXITS];
    struct tb *jmp_to[TB_MAX_EXITS];
    /* Blocks jumping here: a list threaded through their in_next. */
    struct tb *in_first;
    uint8_t in_first_slot;
    struct tb *in_next[TB_MAX_EXITS];
    uint8_t in_next_slot[TB_MAX_EXITS];
};

/* The indirect-branch table: blocks by linear address, looked up by the
 * generated code after RET and indirect JMP/CALL so they need not return to
 * the dispatcher. An entry is trusted only when host address, EIP, flags and
 * CS base all match. */
#define JIT_IBTC_BITS 12
struct jit_ibtc {
    uintptr_t host;
    uint32_t eip, hflags, cs_base, pad;
    const void *entry;
};
static inline uint32_t jit_ibtc_index(uint32_t lin)
{
    return (lin ^ (lin >> JIT_IBTC_BITS)) & ((1u << JIT_IBTC_BITS) - 1);
}

/* The flags a block is specialised on (struct tb hflags). The FLAT bits say
 * a segment has base 0, a 4 GiB limit and read/write access (SS also 32-bit),
 * so its accesses need no segment check; CS_FLAT that CS has a 4 GiB limit,
 * so near branches need no limit check. */
#define HF_CS32      0x01u
#define HF_CPL_SHIFT 1
#define HF_FLAT_ES   0x08u
#define HF_FLAT_SS   0x10u
#define HF_FLAT_DS   0x20u
#define HF_CS_FLAT   0x40u
/* A data segment with a 4 GiB limit and read/write access but a base other
 * than 0 (Linux's per-CPU FS): its accesses add the base, read at run time. */
#define HF_WIDE_ES 0x080u
#define HF_WIDE_DS 0x100u
#define HF_WIDE_FS 0x200u
#define HF_WIDE_GS 0x400u
/* Real mode (CR0.PE clear; the 386 and later only): instructions only
 * protected mode has are #UD, and SMALL segments (a 64 KB limit, expand-up:
 * every real-mode segment unless unreal mode widened it) are reached inline
 * by adding the base read at run time, after checking that the access ends
 * within the 64 KB. */
#define HF_REAL     0x800u
#define HF_SMALL_ES 0x1000u
#define HF_SMALL_CS 0x2000u
#define HF_SMALL_SS 0x4000u
#define HF_SMALL_DS 0x8000u
#define HF_SMALL_FS 0x10000u
#define HF_SMALL_GS 0x20000u

/* Decode and emit one block starting at the host bytes `guest` (the same
 * page as c's CS:EIP). Returns 0, or -1 when nothing could be translated. */
/* Counters the generated code bumps when --jit-stats asked for them. */
#define JIT_PROF_OPS (0x200 * 8)
struct jit_prof {
    uint64_t entries;              /* blocks entered, by any path */
    uint64_t helper[JIT_PROF_OPS]; /* handler calls by opcode*8 + group row */
    const char *mnem[JIT_PROF_OPS];
    bool group[JIT_PROF_OPS];
};

int translate_block(struct cpu *c, struct tb *tb, const uint8_t *guest, uint8_t *out, size_t cap,
                    const struct jit_ibtc *ibtc, struct jit_prof *prof);

#endif

/* Translation blocks and the translator that builds them from decoded
 * instructions through the emitter interface (translator/emit.h). */
#ifndef REX86_TRANSLATE_H
#define REX86_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/decode.h"

#define TB_MAX_INSNS  32
#define TB_MAX_CODE   (TB_MAX_INSNS * 96 + 64)
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
};

/* Decode and emit one block starting at the host bytes `guest` (the same
 * page as c's CS:EIP). Returns 0, or -1 when nothing could be translated. */
int translate_block(struct cpu *c, struct tb *tb, const uint8_t *guest, uint8_t *out, size_t cap);

#endif

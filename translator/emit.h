/* The emitter interface: the small set of operations translate.c uses. Each
 * host backend (emit_x64.c, later emit_a64.c) implements it; nothing above
 * this line names a host register. Generated blocks are called as
 * void block(struct cpu *c). */
#ifndef REX86_EMIT_H
#define REX86_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/decode.h"

struct emit {
    uint8_t *buf; /* writable bytes */
    size_t cap;
    size_t pos;
    bool overflow;
    /* Forward branches to the block's shared exit, patched at the end. */
    size_t exit_patches[160];
    int nexit;
};

void emit_init(struct emit *e, uint8_t *buf, size_t cap);
/* Block entry and the shared exit path. */
void emit_prologue(struct emit *e);
void emit_epilogue(struct emit *e);
/* A 32-bit store of an immediate into the CPU state at byte offset off. */
void emit_store_imm32(struct emit *e, size_t off, uint32_t v);
/* Copy a 32-bit field of the CPU state to another. */
void emit_copy32(struct emit *e, size_t dst, size_t src);
/* Add an immediate to a 64-bit field of the CPU state. */
void emit_add64_imm(struct emit *e, size_t off, int32_t v);
/* Call fn(cpu, insn): the interpreter's own handler for one instruction. */
void emit_call_op(struct emit *e, op_fn fn, const struct insn *insn);
/* Leave the block when the byte at off is nonzero. */
void emit_exit_if_set8(struct emit *e, size_t off);
/* Leave the block. */
void emit_exit(struct emit *e);

#endif

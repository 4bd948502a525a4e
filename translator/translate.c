/* The translator: decodes a block with the one decoder and emits, for each
 * instruction, the bookkeeping that makes exceptions precise (its EIP and
 * ESP, the next EIP) and a call to the interpreter's own op_* handler, so an
 * instruction is correct in the JIT the day it is correct in the
 * interpreter. A block ends at a branch, a mode change, the page end, or
 * when a helper asks to leave (self-modifying code). */
#include "translator/translate.h"

#include <stddef.h>

#include "cpu/cpu_priv.h"
#include "translator/emit.h"

/* Instructions after which the block must end although they are not
 * branches: the interrupt shadow of MOV SS and POP SS must be seen by the
 * dispatcher, and REP string instructions may resume themselves. */
static bool ends_block(const struct insn *i)
{
    if (i->info->attr & A_BRANCH)
        return true;
    /* A repeated string instruction runs in bounded chunks and points EIP
     * back at itself when work is left: the dispatcher must look at EIP. */
    if ((i->info->attr & A_STRING) && i->rep)
        return true;
    if (i->op == 0x8E || i->op == 0x17)
        return true;
    return false;
}

int translate_block(struct cpu *c, struct tb *tb, const uint8_t *guest, uint8_t *out, size_t cap)
{
    struct emit e;
    emit_init(&e, out, cap);
    emit_prologue(&e);
    bool def32 = (tb->hflags & 1) != 0;
    uint32_t page_left = 0x1000u - (tb->lin_pc & 0xFFF);
    uint32_t off = 0;
    int n = 0;
    while (n < TB_MAX_INSNS) {
        struct insn *i = &tb->insns[n];
        int avail = page_left - off < 16 ? (int)(page_left - off) : 16;
        int len = decode_insn(i, guest + off, avail, def32, c->model);
        if (len <= 0)
            break; /* crosses the page or too long: the interpreter decides */
        uint32_t eip = tb->eip + off;
        uint32_t next = eip + (uint32_t)len;
        if (!def32)
            next &= 0xFFFF;
        uint16_t attr = i->info->attr;
        op_fn fn = i->info->fn;
        /* The checks exec_one makes, decided now: the block only runs in
         * protected mode outside V86. */
        if (((attr & A_MEM) && i->mod == 3) ||
            (i->lock && c->model >= CPU_386 && (!(attr & A_LOCK) || i->mod == 3)))
            fn = op_ud;
        emit_store_imm32(&e, offsetof(struct cpu, insn_eip), eip);
        emit_copy32(&e, offsetof(struct cpu, insn_esp), offsetof(struct cpu, regs.r32[R_ESP]));
        emit_store_imm32(&e, offsetof(struct cpu, next_eip), next);
        emit_store_imm32(&e, offsetof(struct cpu, eip), next);
        emit_add64_imm(&e, offsetof(struct cpu, icount), 1);
        emit_call_op(&e, fn, i);
        off += (uint32_t)len;
        n++;
        if (ends_block(i) || fn == op_ud || e.overflow)
            break;
        /* A helper that hit this block's own bytes (or flushed the cache)
         * asks to leave after its instruction. */
        emit_exit_if_set8(&e, offsetof(struct cpu, jit_exit));
        if (off >= page_left)
            break;
    }
    emit_exit(&e);
    emit_epilogue(&e);
    if (n == 0 || e.overflow)
        return -1;
    tb->size = (uint16_t)off;
    tb->icount = (uint16_t)n;
    tb->code_size = e.pos;
    return 0;
}

/* The x86-64 backend of translator/emit.h. The CPU state pointer lives in
 * rbx (callee-saved) for the whole block; helpers are called through rax. */
#if defined(__x86_64__)
#include <string.h>

#include "translator/emit.h"

static void put(struct emit *e, const void *p, size_t n)
{
    if (e->pos + n > e->cap) {
        e->overflow = true;
        return;
    }
    memcpy(e->buf + e->pos, p, n);
    e->pos += n;
}

static void put8(struct emit *e, uint8_t b)
{
    put(e, &b, 1);
}
static void put32(struct emit *e, uint32_t v)
{
    put(e, &v, 4);
}
static void put64(struct emit *e, uint64_t v)
{
    put(e, &v, 8);
}

/* ModRM for [rbx + disp32] with the given reg field. */
static void mem_rbx(struct emit *e, int reg, size_t off)
{
    put8(e, (uint8_t)(0x80 | (reg << 3) | 3));
    put32(e, (uint32_t)off);
}

void emit_init(struct emit *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->cap = cap;
    e->pos = 0;
    e->overflow = false;
    e->nexit = 0;
}

void emit_prologue(struct emit *e)
{
    put8(e, 0x53);             /* push rbx: also aligns the stack */
    put(e, "\x48\x89\xfb", 3); /* mov rbx, rdi */
}

void emit_store_imm32(struct emit *e, size_t off, uint32_t v)
{
    put8(e, 0xC7); /* mov dword [rbx+off], imm32 */
    mem_rbx(e, 0, off);
    put32(e, v);
}

void emit_copy32(struct emit *e, size_t dst, size_t src)
{
    put8(e, 0x8B); /* mov eax, [rbx+src] */
    mem_rbx(e, 0, src);
    put8(e, 0x89); /* mov [rbx+dst], eax */
    mem_rbx(e, 0, dst);
}

void emit_add64_imm(struct emit *e, size_t off, int32_t v)
{
    put(e, "\x48\x81", 2); /* add qword [rbx+off], imm32 */
    mem_rbx(e, 0, off);
    put32(e, (uint32_t)v);
}

void emit_call_op(struct emit *e, op_fn fn, const struct insn *insn)
{
    put(e, "\x48\x89\xdf", 3); /* mov rdi, rbx */
    put(e, "\x48\xbe", 2);     /* mov rsi, imm64 */
    put64(e, (uint64_t)(uintptr_t)insn);
    put(e, "\x48\xb8", 2); /* mov rax, imm64 */
    put64(e, (uint64_t)(uintptr_t)fn);
    put(e, "\xff\xd0", 2); /* call rax */
}

void emit_exit_if_set8(struct emit *e, size_t off)
{
    put8(e, 0x80); /* cmp byte [rbx+off], 0 */
    mem_rbx(e, 7, off);
    put8(e, 0);
    put(e, "\x0f\x85", 2); /* jne rel32 -> exit */
    if (e->nexit < (int)(sizeof(e->exit_patches) / sizeof(e->exit_patches[0])))
        e->exit_patches[e->nexit++] = e->pos;
    else
        e->overflow = true;
    put32(e, 0);
}

void emit_exit(struct emit *e)
{
    put8(e, 0xE9); /* jmp rel32 -> exit */
    if (e->nexit < (int)(sizeof(e->exit_patches) / sizeof(e->exit_patches[0])))
        e->exit_patches[e->nexit++] = e->pos;
    else
        e->overflow = true;
    put32(e, 0);
}

void emit_epilogue(struct emit *e)
{
    size_t exit = e->pos;
    put8(e, 0x5B); /* pop rbx */
    put8(e, 0xC3); /* ret */
    if (e->overflow)
        return;
    for (int k = 0; k < e->nexit; k++) {
        size_t at = e->exit_patches[k];
        int32_t rel = (int32_t)(exit - (at + 4));
        memcpy(e->buf + at, &rel, 4);
    }
}
#endif

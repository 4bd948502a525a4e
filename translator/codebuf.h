/* The JIT's code buffer, W^X from day one: one mapping is written, a second
 * mapping of the same memory is executed, and neither is ever both. */
#ifndef REX86_CODEBUF_H
#define REX86_CODEBUF_H

#include <stddef.h>
#include <stdint.h>

struct codebuf {
    uint8_t *rw; /* writable view */
    uint8_t *rx; /* executable view of the same bytes */
    size_t size;
    size_t used;
    int fd;
};

int codebuf_init(struct codebuf *cb, size_t size);
void codebuf_free(struct codebuf *cb);
/* The executable address of a byte written at rw + off. */
static inline void *codebuf_exec(const struct codebuf *cb, size_t off)
{
    return cb->rx + off;
}
/* After writing [off, off+len): make the bytes visible to instruction fetch
 * (a no-op on x86, a cache flush on AArch64). */
void codebuf_commit(struct codebuf *cb, size_t off, size_t len);

#endif

/* The code buffer: a memfd mapped twice (RW and RX), so the JIT works where
 * writable-and-executable pages are refused. */
#define _GNU_SOURCE
#include "translator/codebuf.h"

#include <sys/mman.h>
#include <unistd.h>

int codebuf_init(struct codebuf *cb, size_t size)
{
    cb->fd = memfd_create("rex86-jit", MFD_CLOEXEC);
    if (cb->fd < 0)
        return -1;
    if (ftruncate(cb->fd, (off_t)size) != 0)
        goto fail;
    cb->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, cb->fd, 0);
    if (cb->rw == MAP_FAILED)
        goto fail;
    cb->rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, cb->fd, 0);
    if (cb->rx == MAP_FAILED) {
        munmap(cb->rw, size);
        goto fail;
    }
    cb->size = size;
    cb->used = 0;
    return 0;
fail:
    close(cb->fd);
    cb->fd = -1;
    return -1;
}

void codebuf_free(struct codebuf *cb)
{
    if (cb->fd < 0)
        return;
    munmap(cb->rw, cb->size);
    munmap(cb->rx, cb->size);
    close(cb->fd);
    cb->fd = -1;
}

void codebuf_commit(struct codebuf *cb, size_t off, size_t len)
{
#if defined(__aarch64__)
    __builtin___clear_cache((char *)cb->rx + off, (char *)cb->rx + off + len);
#else
    (void)cb;
    (void)off;
    (void)len;
#endif
}

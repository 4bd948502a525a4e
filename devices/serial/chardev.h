/* Character backends for guest output ports (UART, debugcon): "none",
 * "stdio" (host stdout) and "file:PATH", or a callback the frontend supplies. */
#ifndef REX86_CHARDEV_H
#define REX86_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* A sink for bytes the guest sends. write == NULL means "none". The device
 * that holds a chardev calls close (when set) once, when it is freed. */
struct chardev {
    void (*write)(void *opaque, const uint8_t *buf, size_t len);
    void (*close)(void *opaque);
    void *opaque;
};

/* Opens a backend from its spec: NULL, "" or "none"; "stdio"; "file:PATH"
 * (created or truncated). Returns 0, or -1 with the reason in m->error. */
int chardev_open(struct machine *m, struct chardev *cd, const char *spec);
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
void chardev_close(struct chardev *cd);

#endif

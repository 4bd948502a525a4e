/* Firmware debug ports 0x400-0x403: the Bochs BIOS's panic ports (0x400,
 * 0x401: a word, the source line that panicked) and its info and debug
 * character ports (0x402, 0x403), which SeaBIOS's QEMU build also uses for
 * its log (QEMU's isa-debugcon at iobase 0x402). Output only; no state. */
#include "devices/board/fwdebug.h"

#include <stdio.h>
#include <stdlib.h>

#include "devices/board/machine.h"
#include "devices/serial/chardev.h"

#define FWDEBUG_BASE 0x400
#define FWDEBUG_LEN  4

struct fwdebug {
    struct machine *m;
    struct chardev out;
};

static void fwdebug_text(struct fwdebug *d, const uint8_t *buf, size_t len)
{
    machine_text(d->m, "bioslog", buf, len);
    chardev_write(&d->out, buf, len);
}

static void fwdebug_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct fwdebug *d = opaque;
    if (port >= FWDEBUG_BASE + 2) {
        /* A character port; a wider write sends its bytes in order. */
        for (int k = 0; k < size; k++) {
            uint8_t b = (uint8_t)(value >> (8 * k));
            fwdebug_text(d, &b, 1);
        }
        return;
    }
    /* The Bochs BIOS's BX_PANIC writes its line number here, then halts
     * on its own: say so, so a stuck boot is explained. */
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "\n[firmware panic: 0x%x written to port 0x%x]\n",
                     size == 1   ? value & 0xFF
                     : size == 2 ? value & 0xFFFF
                                 : value,
                     port);
    fwdebug_text(d, (const uint8_t *)msg, (size_t)n);
}

static uint32_t fwdebug_read(void *opaque, uint16_t port, int size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0xFFFFFFFF; /* nothing decodes reads: an open bus */
}

static void fwdebug_free(void *opaque)
{
    struct fwdebug *d = opaque;
    chardev_close(&d->out);
    free(d);
}

int fwdebug_init(struct machine *m, const char *spec)
{
    struct fwdebug *d = calloc(1, sizeof(*d));
    if (!d)
        return machine_error(m, "out of memory");
    d->m = m;
    if (chardev_open(m, &d->out, spec) < 0) {
        free(d);
        return -1;
    }
    if (machine_register_device(m, "fwdebug", d, NULL, fwdebug_free) < 0) {
        fwdebug_free(d);
        return -1;
    }
    machine_device_state(m, d, 0, NULL); /* output only: nothing to save */
    if (bus_register_io(m, FWDEBUG_BASE, FWDEBUG_LEN, fwdebug_read, fwdebug_write, d, 0) < 0)
        return machine_error(m, "fwdebug: the I/O port table is full");
    return 0;
}

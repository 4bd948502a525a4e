/* Small system ports: POST code 0x80, system control port A 0x92 (fast A20
 * and reset), QEMU's isa-debug-exit at 0xF4, the Bochs/QEMU 0xE9 debug
 * console, and the Bochs shutdown port 0x8900. State is struct debugport. */
#include "devices/board/sysports.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"

#define SYSPORTS_POST           0x80
#define SYSPORTS_PORT_A         0x92
#define SYSPORTS_DEBUGCON       0xE9
#define SYSPORTS_DEBUG_EXIT     0xF4
#define SYSPORTS_DEBUG_EXIT_LEN 4
#define SYSPORTS_SHUTDOWN       0x8900

/* Port 0x92 bits (IBM PS/2 "system control port A"). */
#define PORTA_RESET 0x01
#define PORTA_A20   0x02

static const char shutdown_magic[] = "Shutdown";

struct debugport {
    uint8_t post_code;
    uint8_t port_a;       /* last value written to 0x92, bits other than A20 */
    uint8_t shutdown_pos; /* how much of "Shutdown" has been matched */

    /* Not state: wiring. */
    struct chardev debugcon;
    struct machine *m;
};

static uint32_t sysports_read(void *opaque, uint16_t port, int size)
{
    struct debugport *d = opaque;
    struct machine *m = d->m;
    (void)size;
    switch (port) {
    case SYSPORTS_POST: return d->post_code;
    case SYSPORTS_PORT_A:
        /* A20 may also have been set by the 8042: report the gate itself. */
        return (d->port_a & ~PORTA_A20) | (mem_get_a20(m) ? PORTA_A20 : 0);
    case SYSPORTS_DEBUGCON: return 0xE9; /* how Bochs and QEMU announce it */
    default: return 0xFF;
    }
}

static void sysports_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct debugport *d = opaque;
    struct machine *m = d->m;
    uint8_t b = (uint8_t)value;
    (void)size;
    switch (port) {
    case SYSPORTS_POST: d->post_code = b; break;
    case SYSPORTS_PORT_A: {
        uint8_t old = d->port_a;
        d->port_a = b & ~PORTA_A20;
        mem_set_a20(m, (b & PORTA_A20) != 0);
        /* The reset is triggered by the 0 -> 1 transition of bit 0. */
        if ((b & PORTA_RESET) && !(old & PORTA_RESET))
            machine_request_reset(m);
        break;
    }
    case SYSPORTS_DEBUGCON:
        machine_text(m, "debugcon", &b, 1);
        chardev_write(&d->debugcon, &b, 1);
        break;
    case SYSPORTS_SHUTDOWN:
        if (b == (uint8_t)shutdown_magic[d->shutdown_pos]) {
            if (++d->shutdown_pos == sizeof(shutdown_magic) - 1) {
                d->shutdown_pos = 0;
                machine_request_stop(m, STOP_POWEROFF);
            }
        } else {
            d->shutdown_pos = b == (uint8_t)shutdown_magic[0] ? 1 : 0;
        }
        break;
    }
}

/* isa-debug-exit: any write in the range ends the run with (v << 1) | 1, so
 * the host sees an odd status that cannot be mistaken for a clean exit 0. */
static void sysports_exit_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct debugport *d = opaque;
    (void)port;
    uint32_t v = size == 1 ? (value & 0xFF) : size == 2 ? (value & 0xFFFF) : value;
    d->m->exit_status = (int)((v << 1) | 1);
    machine_request_stop(d->m, STOP_EXIT_DEVICE);
}

static uint32_t sysports_exit_read(void *opaque, uint16_t port, int size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0xFFFFFFFF;
}

static void sysports_reset(void *opaque)
{
    struct debugport *d = opaque;
    d->port_a = 0;
    d->shutdown_pos = 0;
}

static void sysports_free(void *opaque)
{
    struct debugport *d = opaque;
    if (d->m->debugport == d)
        d->m->debugport = NULL;
    chardev_close(&d->debugcon);
    free(d);
}

static int sysports_state_fn(struct state *s, void *opaque);

int sysports_init(struct machine *m, const char *debugcon_spec)
{
    struct debugport *d = calloc(1, sizeof(*d));
    if (!d)
        return machine_error(m, "out of memory");
    d->m = m;
    if (chardev_open(m, &d->debugcon, debugcon_spec) < 0) {
        free(d);
        return -1;
    }
    m->debugport = d;
    if (machine_register_device(m, "sysports", d, sysports_reset, sysports_free) < 0) {
        sysports_free(d);
        return -1;
    }
    machine_device_state(m, d, 1, sysports_state_fn);
    if (bus_register_io(m, SYSPORTS_POST, 1, sysports_read, sysports_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, SYSPORTS_PORT_A, 1, sysports_read, sysports_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, SYSPORTS_DEBUGCON, 1, sysports_read, sysports_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, SYSPORTS_SHUTDOWN, 1, sysports_read, sysports_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, SYSPORTS_DEBUG_EXIT, SYSPORTS_DEBUG_EXIT_LEN, sysports_exit_read,
                        sysports_exit_write, d, 0) < 0)
        return machine_error(m, "sysports: the I/O port table is full");
    return 0;
}

void sysports_set_debugcon(struct machine *m, const struct chardev *cd)
{
    struct debugport *d = m->debugport;
    if (!d)
        return;
    chardev_close(&d->debugcon);
    d->debugcon = *cd;
}

uint8_t sysports_post_code(struct machine *m)
{
    return m->debugport ? m->debugport->post_code : 0;
}

/* The state stream's section (devices/board/state.h); A20 is the machine's. */
static int sysports_state_fn(struct state *s, void *opaque)
{
    struct debugport *d = opaque;
    STATE(s, d->post_code);
    STATE(s, d->port_a);
    STATE(s, d->shutdown_pos);
    if (state_loading(s) && d->shutdown_pos >= sizeof(shutdown_magic))
        d->shutdown_pos = 0;
    return 0;
}

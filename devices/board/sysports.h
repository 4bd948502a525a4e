/* Small system ports: POST code 0x80, fast A20/reset 0x92, isa-debug-exit
 * 0xF4, the 0xE9 debug console and the Bochs/QEMU shutdown port 0x8900. */
#ifndef REX86_SYSPORTS_H
#define REX86_SYSPORTS_H

#include <stdint.h>

#include "devices/serial/chardev.h"

struct machine;

/* debugcon_spec: a chardev spec ("none", "stdio", "file:PATH"; NULL = none)
 * that also receives what the guest writes to port 0xE9. Every such byte
 * goes to machine_text(m, "debugcon", ...) as well. Returns 0 or -1. */
int sysports_init(struct machine *m, const char *debugcon_spec);
/* Replace the debugcon backend (e.g. a frontend callback); takes ownership. */
void sysports_set_debugcon(struct machine *m, const struct chardev *cd);
/* The last value written to port 0x80. */
uint8_t sysports_post_code(struct machine *m);

#endif

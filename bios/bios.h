/* The rex86 BIOS: builds the ROM at F0000 (and its alias below 4 GB), runs
 * POST at reset and serves the BIOS interrupts in C through rex86trap. */
#ifndef REX86_BIOS_H
#define REX86_BIOS_H

#include <stdint.h>

struct machine;

/* Builds the ROM, opens the drives named in m->cfg (fda, fdb, hda, hdb,
 * cdrom) and registers the BIOS with the machine. Called by machine_create
 * when no -bios file is given. Returns 0, or -1 with machine_error() set
 * (e.g. a disk image that cannot be opened). */
int bios_init(struct machine *m);

/* Called by the CPU for opcode 0F 37 ib executed inside the BIOS ROM; num is
 * the immediate. Runs the service and returns; the CPU continues at the next
 * instruction. */
void bios_trap(struct machine *m, uint8_t num);

/* Flushes written disk images to the host (also done on machine destroy). */
int bios_flush_drives(struct machine *m);

#endif

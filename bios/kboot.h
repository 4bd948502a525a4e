/* Direct kernel boot (-kernel/-initrd/-append): Multiboot v1 kernels (ELF or
 * the a.out kludge) and Linux bzImages through the 32-bit boot protocol. */
#ifndef REX86_KBOOT_H
#define REX86_KBOOT_H

#include <stdbool.h>

struct machine;

/* Reads and checks the kernel (and initrd/modules) named in m->cfg, so a
 * bad file is reported before the guest starts. Returns 0 or -1 with
 * machine_error() set. */
int kboot_init(struct machine *m);
/* Loads the kernel into guest memory and enters it in 32-bit protected
 * mode. Called from INT 19h after POST; returns false if no kernel is set. */
bool kboot_start(struct machine *m);
void kboot_free(struct machine *m);

#endif

/* The two cascaded 8259A interrupt controllers of the PC/AT (master at
 * 0x20/0x21, slave at 0xA0/0xA1 on master IR2) and the PIIX ELCR at 0x4D0/0x4D1. */
#ifndef REX86_PIC_H
#define REX86_PIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pic;

/* Allocates the controllers, registers their ports, stores them in m->pic
 * and installs pic_intr_ack as m->intr_ack. Returns 0 or a negative error
 * (with the message in m->error). */
int pic_init(struct machine *m);
/* Drive ISA IRQ line `irq` (0-15). Edge-triggered inputs latch a request on
 * a rising edge; level-triggered ones (ELCR or ICW1.LTIM) follow the line.
 * IRQ 2 is the cascade: as on the AT bus, a device on "IRQ 2" reaches IRQ 9.
 * Calls machine_pic_intr() whenever the INTR output changes. */
void pic_set_irq(struct machine *m, int irq, bool level);
/* The INTA cycle: returns the vector (IRQ 7/15 spurious vector when no
 * request survives). m->intr_ack points here with the struct pic as opaque. */
int pic_intr_ack(void *opaque);
/* Power-on state: both chips initialised as a PC BIOS leaves them (vectors
 * 08h and 70h, cascade on IR2, 8086 mode), every IRQ masked, ELCR edge. */
void pic_reset(struct pic *p);
void pic_free(struct pic *p);
/* True while the master drives INTR. */
bool pic_intr_pending(struct machine *m);

#endif

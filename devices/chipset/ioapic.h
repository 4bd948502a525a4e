/* The 82093AA I/O APIC at FEC00000: 24 redirection entries that turn ISA
 * (and PCI) interrupt lines into messages to the local APIC. */
#ifndef REX86_IOAPIC_H
#define REX86_IOAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct ioapic;

#define IOAPIC_BASE 0xFEC00000u
#define IOAPIC_PINS 24
/* The APIC ID the BIOS gives it (the CPU's local APIC is 0). */
#define IOAPIC_DEFAULT_ID 1

/* Creates the I/O APIC, maps it at FEC00000 and stores it in m->ioapic.
 * Returns 0, or -1 with m->error set. */
int ioapic_init(struct machine *m);
void ioapic_reset(struct ioapic *io);
void ioapic_free(struct ioapic *io);

/* Drive input pin `pin` (0-23); `level` is the asserted state (the polarity
 * bit is the guest's description of the wire, already folded in here). */
void ioapic_set_pin(struct ioapic *io, int pin, bool level);
/* An ISA IRQ line as the PIC sees it: IRQ 0 (the PIT) reaches pin 2, the
 * 8259's own INTR is on pin 0 (the MP spec's default wiring, and the
 * interrupt source override of the MP/ACPI tables); the rest are 1:1. */
void ioapic_set_isa_irq(struct ioapic *io, int irq, bool level);
/* The local APIC's EOI of a level-triggered vector: clears remote IRR of
 * the entries with that vector (82093AA §3.2.4, "Remote IRR"). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif

/* The local APIC of the single Pentium/P6 CPU (SDM 3A ch. 10) at FEE00000:
 * priorities, EOI, the LVT, the timer on virtual time, self IPIs, and the
 * virtual-wire pass-through of the 8259's INTR on LINT0. */
#ifndef REX86_LAPIC_H
#define REX86_LAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct lapic;

#define LAPIC_BASE 0xFEE00000u
/* The timer counts the bus clock (SDM 3A §10.5.4): a 100 MHz P6 bus. */
#define LAPIC_BUS_HZ 100000000u

/* Register offsets (SDM 3A table 10-1). */
enum {
    LAPIC_ID = 0x020,
    LAPIC_VERSION = 0x030,
    LAPIC_TPR = 0x080,
    LAPIC_APR = 0x090,
    LAPIC_PPR = 0x0A0,
    LAPIC_EOI = 0x0B0,
    LAPIC_LDR = 0x0D0,
    LAPIC_DFR = 0x0E0,
    LAPIC_SVR = 0x0F0,
    LAPIC_ISR = 0x100,
    LAPIC_TMR = 0x180,
    LAPIC_IRR = 0x200,
    LAPIC_ESR = 0x280,
    LAPIC_ICR_LO = 0x300,
    LAPIC_ICR_HI = 0x310,
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_THERMAL = 0x330,
    LAPIC_LVT_PERF = 0x340,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_ICR = 0x380,
    LAPIC_TIMER_CCR = 0x390,
    LAPIC_TIMER_DCR = 0x3E0,
};

/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* Creates the APIC, maps it at FEE00000, stores it in m->lapic and takes
 * over m->intr_ack (keeping the 8259's acknowledge for ExtINT). Call after
 * pic_init. Returns 0, or -1 with m->error set. */
int lapic_init(struct machine *m);
void lapic_reset(struct lapic *l);
void lapic_free(struct lapic *l);

/* The INTA cycle: the APIC's highest deliverable vector (now in service),
 * or the 8259's vector for an ExtINT, or the spurious vector. */
int lapic_intr_ack(void *opaque);
/* The LINT0/LINT1 pins (lint 0 or 1): the 8259's INTR drives LINT0. */
void lapic_set_lint(struct lapic *l, int lint, bool level);
/* A message from the I/O APIC (or any bus agent) addressed to `dest` in
 * physical (logical = false) or logical mode. Fixed and lowest-priority
 * messages set the IRR (and the TMR for level); NMI raises the NMI. Returns
 * true when this APIC accepted it. */
bool lapic_deliver(struct lapic *l, uint8_t dest, bool logical, int mode, uint8_t vector, bool level);
/* The I/O APIC's ExtINT input as a level: while high, INTA goes to the 8259. */
void lapic_set_extint(struct lapic *l, bool level);

/* MSR 0x1B (IA32_APIC_BASE). */
uint64_t lapic_get_base_msr(struct lapic *l);
void lapic_set_base_msr(struct lapic *l, uint64_t v);
/* IA32_APIC_BASE[11]: CPUID reports the APIC only while this is set. */
bool lapic_hw_enabled(const struct lapic *l);

#endif

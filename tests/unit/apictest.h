/* Shared set-up for the local APIC and I/O APIC unit tests: a bare Pentium
 * II with the PICs, the local APIC and the I/O APIC, reached through MMIO. */
#ifndef REX86_TESTS_APICTEST_H
#define REX86_TESTS_APICTEST_H

#include "devtest.h"
#include "devices/chipset/ioapic.h"
#include "devices/chipset/lapic.h"

static inline struct machine *new_apic_machine(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM2, .ram_mb = 8, .deterministic = true};
    struct machine *m = new_machine_cfg(cfg);
    if (lapic_init(m) < 0 || ioapic_init(m) < 0) {
        fprintf(stderr, "setup: %s\n", m->error);
        exit(1);
    }
    return m;
}

static inline uint32_t apic_rd(struct machine *m, uint32_t off)
{
    uint32_t v = 0;
    bus_mmio_read(m, LAPIC_BASE + off, 4, &v);
    return v;
}
static inline void apic_wr(struct machine *m, uint32_t off, uint32_t v)
{
    bus_mmio_write(m, LAPIC_BASE + off, v, 4);
}
static inline uint32_t ioapic_rd(struct machine *m, uint32_t reg)
{
    uint32_t v = 0;
    bus_mmio_write(m, IOAPIC_BASE, reg, 4);
    bus_mmio_read(m, IOAPIC_BASE + 0x10, 4, &v);
    return v;
}
static inline void ioapic_wr(struct machine *m, uint32_t reg, uint32_t v)
{
    bus_mmio_write(m, IOAPIC_BASE, reg, 4);
    bus_mmio_write(m, IOAPIC_BASE + 0x10, v, 4);
}
/* Redirection entry for pin p. */
static inline void ioapic_route(struct machine *m, int p, uint32_t lo, uint8_t dest)
{
    ioapic_wr(m, 0x11 + 2 * (uint32_t)p, (uint32_t)dest << 24);
    ioapic_wr(m, 0x10 + 2 * (uint32_t)p, lo);
}

/* The CPU's INTA cycle as cpu/exec.c does it: -1 when INTR is low. */
static inline int inta(struct machine *m)
{
    if (!m->cpu.intr_line)
        return -1;
    return m->intr_ack(m->intr_opaque);
}

static inline bool apic_bit(struct machine *m, uint32_t base, int v)
{
    return (apic_rd(m, base + 0x10 * (uint32_t)(v >> 5)) >> (v & 31)) & 1;
}

#endif

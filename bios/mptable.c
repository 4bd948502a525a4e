/* The MultiProcessor Specification 1.4 tables in the BIOS ROM (floating
 * pointer and configuration table: one CPU, the buses, the I/O APIC, the
 * ISA interrupt routing) and POST's virtual wire set-up of the local APIC. */
#include <string.h>

#include "bios/bios_priv.h"
#include "devices/chipset/ioapic.h"
#include "devices/chipset/lapic.h"

/* CPUID.1:EDX of the configured model (cpu/ops/system.c). */
uint32_t cpu_feature_edx(const struct cpu *c);

/* MP spec chapter 4 entry types and interrupt types. */
enum { MP_PROC = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

struct mp_writer {
    uint8_t *p;     /* the configuration table */
    uint32_t len;   /* bytes written, header included */
    uint16_t count; /* entries */
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

uint8_t bios_checksum(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t k = 0; k < len; k++)
        sum = (uint8_t)(sum + p[k]);
    return (uint8_t)-sum;
}

static uint8_t *mp_entry(struct mp_writer *w, uint32_t size)
{
    uint8_t *e = w->p + w->len;
    w->len += size;
    w->count++;
    return e;
}

/* An I/O interrupt assignment entry (MP spec §4.3.4); flags 0 means
 * "conforms to the bus" (edge, active high on ISA). */
static void mp_ioint(struct mp_writer *w, uint8_t type, uint8_t bus, uint8_t irq, uint8_t pin)
{
    uint8_t *e = mp_entry(w, 8);
    e[0] = MP_IOINT;
    e[1] = type;
    put16(e + 2, 0);
    e[4] = bus;
    e[5] = irq;
    e[6] = IOAPIC_DEFAULT_ID;
    e[7] = pin;
}

/* Builds the floating pointer at ROM offset `fp_off` (16-byte aligned) and
 * the configuration table right after it. Returns the bytes used. */
uint32_t bios_mptable_build(struct machine *m, uint8_t *rom, uint32_t fp_off)
{
    if (!m->lapic || !m->ioapic)
        return 0;
    uint8_t *fp = rom + fp_off;
    uint32_t cfg_off = fp_off + 16;
    struct mp_writer w = {rom + cfg_off, 44, 0};

    /* The processor (§4.3.1): enabled, the bootstrap processor. */
    const struct cpu *c = &m->cpu;
    uint8_t *e = mp_entry(&w, 20);
    e[0] = MP_PROC;
    e[1] = 0;    /* local APIC ID */
    e[2] = 0x11; /* local APIC version */
    e[3] = 0x03; /* EN | BP */
    put32(e + 4, c->model >= CPU_PENTIUM2 ? 0x0652 : 0x0543);
    put32(e + 8, cpu_feature_edx(c));

    /* Buses (§4.3.2): PCI 0 when the board has one, then ISA. */
    uint8_t isa = 0;
    if (m->pci) {
        e = mp_entry(&w, 8);
        e[0] = MP_BUS;
        e[1] = 0;
        memcpy(e + 2, "PCI   ", 6);
        isa = 1;
    }
    e = mp_entry(&w, 8);
    e[0] = MP_BUS;
    e[1] = isa;
    memcpy(e + 2, "ISA   ", 6);

    /* The I/O APIC (§4.3.3). */
    e = mp_entry(&w, 8);
    e[0] = MP_IOAPIC;
    e[1] = IOAPIC_DEFAULT_ID;
    e[2] = 0x11;
    e[3] = 0x01; /* enabled */
    put32(e + 4, IOAPIC_BASE);

    /* ISA interrupts: the 8259's INTR on INTIN0 as ExtINT, IRQ 0 on
     * INTIN2 (the timer override every PC chipset has), the rest 1:1;
     * IRQ 2 is the cascade and reaches nothing. */
    mp_ioint(&w, MP_EXTINT, isa, 0, 0);
    for (uint8_t irq = 0; irq < 16; irq++)
        if (irq != 2)
            mp_ioint(&w, MP_INT, isa, irq, irq == 0 ? 2 : irq);

    /* Local interrupts (§4.3.5): LINT0 ExtINT and LINT1 NMI on every
     * local APIC, the virtual wire mode POST leaves. */
    static const uint8_t lints[2][2] = {{MP_EXTINT, 0}, {MP_NMI, 1}};
    for (int k = 0; k < 2; k++) {
        e = mp_entry(&w, 8);
        e[0] = MP_LINT;
        e[1] = lints[k][0];
        put16(e + 2, 0);
        e[4] = isa;
        e[5] = 0;
        e[6] = 0xFF;
        e[7] = lints[k][1];
    }

    /* The header (§4.1). */
    uint8_t *h = rom + cfg_off;
    memcpy(h, "PCMP", 4);
    put16(h + 4, (uint16_t)w.len);
    h[6] = 4; /* spec revision 1.4 */
    memcpy(h + 8, "REX86   ", 8);
    memcpy(h + 16, "PC          ", 12);
    put16(h + 34, w.count);
    put32(h + 36, LAPIC_BASE);
    h[7] = bios_checksum(h, w.len);

    /* The floating pointer (§4.1): no default configuration, and IMCRP
     * clear: the machine runs in virtual wire mode, not PIC mode. */
    memcpy(fp, "_MP_", 4);
    put32(fp + 4, BIOS_ROM_BASE + cfg_off);
    fp[8] = 1; /* length in paragraphs */
    fp[9] = 4;
    fp[11] = 0;
    fp[12] = 0;
    fp[10] = bios_checksum(fp, 16);
    return 16 + w.len;
}

/* POST: virtual wire mode (MP spec §3.6.2.2): the local APIC on, the 8259
 * through LINT0 as ExtINT, NMI on LINT1; the I/O APIC gets its ID. */
void bios_apic_post(struct machine *m)
{
    if (!m->lapic)
        return;
    bus_mmio_write(m, LAPIC_BASE + LAPIC_SVR, 0x1FF, 4);
    bus_mmio_write(m, LAPIC_BASE + LAPIC_LVT_LINT0, 0x700, 4);
    bus_mmio_write(m, LAPIC_BASE + LAPIC_LVT_LINT1, 0x400, 4);
    if (m->ioapic) {
        bus_mmio_write(m, IOAPIC_BASE, 0, 4);
        bus_mmio_write(m, IOAPIC_BASE + 0x10, (uint32_t)IOAPIC_DEFAULT_ID << 24, 4);
    }
}

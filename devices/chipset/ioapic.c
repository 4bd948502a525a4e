/* The Intel 82093AA I/O APIC (datasheet order no. 290566): IOREGSEL/IOWIN,
 * ID/version/arbitration, and 24 redirection entries delivered to the local
 * APIC, with remote IRR and the EOI of level-triggered interrupts. */
#include "devices/chipset/ioapic.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/lapic.h"

#define IOAPIC_MAGIC    0x4349504Fu /* "OPIC" */
#define IOAPIC_MMIO_LEN 0x20u
/* Version 11h, maximum redirection entry 17h (datasheet §3.2.2). */
#define IOAPIC_VERSION 0x00170011u

/* Redirection entry, low dword (datasheet §3.2.4). */
#define RTE_DM(v)      (((v) >> 8) & 7)
#define RTE_LOGICAL    (1u << 11)
#define RTE_DELIVS     (1u << 12)
#define RTE_POLARITY   (1u << 13)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)
/* Bits software can write: vector, delivery/destination mode, polarity,
 * trigger mode, mask; delivery status and remote IRR are read only. */
#define RTE_WRITABLE 0x0001AFFFu

struct ioapic_state {
    uint32_t magic, size;
    uint32_t id; /* bits 27-24 */
    uint32_t arb;
    uint32_t regsel;
    uint32_t rte_lo[IOAPIC_PINS], rte_hi[IOAPIC_PINS];
    uint32_t lines; /* pin levels, bit per pin */
    uint8_t extint; /* ExtINT level last sent to the local APIC */
    uint8_t pad[7];
};

struct ioapic {
    struct ioapic_state st;
    struct machine *m;
};

/* Send pin's interrupt message. Returns true if a local APIC took it. */
static bool ioapic_send(struct ioapic *io, int pin)
{
    uint32_t lo = io->st.rte_lo[pin];
    bool logical = (lo & RTE_LOGICAL) != 0;
    uint8_t dest = (uint8_t)(io->st.rte_hi[pin] >> 24);
    /* Physical destinations are the 4-bit APIC IDs of the 82093AA's APIC
     * bus; 0Fh is the broadcast. */
    if (!logical) {
        dest &= 0x0F;
        if (dest == 0x0F)
            dest = 0xFF;
    }
    return lapic_deliver(io->m->lapic, dest, logical, (int)RTE_DM(lo), (uint8_t)lo, (lo & RTE_LEVEL) != 0);
}

/* ExtINT entries are not messages with a vector: while such an unmasked
 * pin is high, the CPU's INTA goes to the 8259 (MP spec §3.6.2.3). */
static void ioapic_update_extint(struct ioapic *io)
{
    bool ext = false;
    for (int p = 0; p < IOAPIC_PINS; p++) {
        uint32_t lo = io->st.rte_lo[p];
        if (RTE_DM(lo) == APIC_DM_EXTINT && !(lo & RTE_MASKED) && ((io->st.lines >> p) & 1))
            ext = true;
    }
    if (ext != io->st.extint) {
        io->st.extint = ext;
        if (io->m->lapic)
            lapic_set_extint(io->m->lapic, ext);
    }
}

/* A level-triggered entry requests for as long as its pin is asserted:
 * one message, then none until the EOI clears remote IRR. */
static void ioapic_service_level(struct ioapic *io, int pin)
{
    uint32_t *lo = &io->st.rte_lo[pin];
    if (!(*lo & RTE_LEVEL) || (*lo & (RTE_MASKED | RTE_REMOTE_IRR)) || !((io->st.lines >> pin) & 1))
        return;
    if (RTE_DM(*lo) == APIC_DM_EXTINT)
        return;
    if (ioapic_send(io, pin) && (RTE_DM(*lo) == APIC_DM_FIXED || RTE_DM(*lo) == APIC_DM_LOWEST))
        *lo |= RTE_REMOTE_IRR;
}

void ioapic_set_pin(struct ioapic *io, int pin, bool level)
{
    if (!io || pin < 0 || pin >= IOAPIC_PINS)
        return;
    uint32_t bit = 1u << pin;
    bool old = (io->st.lines & bit) != 0;
    if (level)
        io->st.lines |= bit;
    else
        io->st.lines &= ~bit;
    uint32_t lo = io->st.rte_lo[pin];
    if (RTE_DM(lo) == APIC_DM_EXTINT) {
        ioapic_update_extint(io);
        return;
    }
    if (lo & RTE_LEVEL) {
        ioapic_service_level(io, pin);
    } else if (level && !old && !(lo & RTE_MASKED)) {
        /* Edge: a rising edge while masked is lost (datasheet §3.2.4). */
        ioapic_send(io, pin);
    }
}

void ioapic_set_isa_irq(struct ioapic *io, int irq, bool level)
{
    if (!io || irq < 0 || irq > 15)
        return;
    /* IRQ 2 is the cascade on the AT bus and reaches IRQ 9 (as the PIC
     * does); IRQ 0 is wired to INTIN2. */
    int pin = irq == 0 ? 2 : irq == 2 ? 9 : irq;
    ioapic_set_pin(io, pin, level);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    if (!io)
        return;
    for (int p = 0; p < IOAPIC_PINS; p++) {
        uint32_t *lo = &io->st.rte_lo[p];
        if ((*lo & RTE_REMOTE_IRR) && (uint8_t)*lo == vector) {
            *lo &= ~RTE_REMOTE_IRR;
            ioapic_service_level(io, p);
        }
    }
}

static uint32_t ioapic_read_reg(struct ioapic *io, uint32_t reg)
{
    switch (reg) {
    case 0x00: return io->st.id;
    case 0x01: return IOAPIC_VERSION;
    case 0x02: return io->st.arb;
    default: break;
    }
    if (reg >= 0x10 && reg < 0x10 + 2 * IOAPIC_PINS) {
        int pin = (int)(reg - 0x10) / 2;
        return (reg & 1) ? io->st.rte_hi[pin] : io->st.rte_lo[pin];
    }
    return 0;
}

static void ioapic_write_reg(struct ioapic *io, uint32_t reg, uint32_t v)
{
    if (reg == 0x00) {
        /* The arbitration ID follows the APIC ID when that is written
         * (datasheet §3.2.3). */
        io->st.id = v & 0x0F000000u;
        io->st.arb = io->st.id;
        return;
    }
    if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS)
        return;
    int pin = (int)(reg - 0x10) / 2;
    if (reg & 1) {
        io->st.rte_hi[pin] = v & 0xFF000000u;
        return;
    }
    uint32_t *lo = &io->st.rte_lo[pin];
    *lo = (*lo & ~RTE_WRITABLE) | (v & RTE_WRITABLE);
    /* An edge entry has no remote IRR. */
    if (!(*lo & RTE_LEVEL))
        *lo &= ~RTE_REMOTE_IRR;
    ioapic_update_extint(io);
    /* Unmasking a level entry whose pin is high delivers it now. */
    ioapic_service_level(io, pin);
}

static uint32_t ioapic_mmio_read(void *opaque, uint32_t addr, int size)
{
    struct ioapic *io = opaque;
    uint32_t off = addr - IOAPIC_BASE;
    uint32_t v = 0;
    if (off < 4)
        v = io->st.regsel >> (8 * off);
    else if (off >= 0x10 && off < 0x14)
        v = ioapic_read_reg(io, io->st.regsel & 0xFF) >> (8 * (off - 0x10));
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void ioapic_mmio_write(void *opaque, uint32_t addr, uint32_t value, int size)
{
    struct ioapic *io = opaque;
    uint32_t off = addr - IOAPIC_BASE;
    if (off == 0) {
        io->st.regsel = value & 0xFF;
    } else if (off >= 0x10 && off < 0x14) {
        uint32_t reg = io->st.regsel & 0xFF;
        if (size != 4 || off != 0x10) {
            unsigned sh = 8 * (off - 0x10);
            uint32_t mask = (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1) << sh;
            value = (ioapic_read_reg(io, reg) & ~mask) | ((value << sh) & mask);
        }
        ioapic_write_reg(io, reg, value);
    }
}

void ioapic_reset(struct ioapic *io)
{
    uint32_t lines = io->st.lines; /* the wires keep their levels */
    memset(&io->st, 0, sizeof(io->st));
    io->st.magic = IOAPIC_MAGIC;
    io->st.size = sizeof(io->st);
    io->st.lines = lines;
    /* ID 0 and every entry masked at reset (datasheet §3.2); the BIOS
     * gives it IOAPIC_DEFAULT_ID. */
    for (int p = 0; p < IOAPIC_PINS; p++)
        io->st.rte_lo[p] = RTE_MASKED;
    if (io->m->lapic)
        lapic_set_extint(io->m->lapic, false);
}

static void ioapic_reset_hook(void *opaque)
{
    ioapic_reset(opaque);
}
static void ioapic_free_hook(void *opaque)
{
    ioapic_free(opaque);
}

static int ioapic_state_fn(struct state *s, void *opaque);

int ioapic_init(struct machine *m)
{
    struct ioapic *io = calloc(1, sizeof(*io));
    if (!io)
        return machine_error(m, "ioapic: out of memory");
    io->m = m;
    if (bus_register_mmio(m, IOAPIC_BASE, IOAPIC_MMIO_LEN, ioapic_mmio_read, ioapic_mmio_write, io) < 0) {
        free(io);
        return -1;
    }
    m->ioapic = io;
    ioapic_reset(io);
    if (machine_register_device(m, "ioapic", io, ioapic_reset_hook, ioapic_free_hook) < 0) {
        ioapic_free(io);
        return -1;
    }
    machine_device_state(m, io, 1, ioapic_state_fn);
    return 0;
}

void ioapic_free(struct ioapic *io)
{
    if (!io)
        return;
    if (io->m->ioapic == io)
        io->m->ioapic = NULL;
    free(io);
}

/* The state stream's section (devices/board/state.h). */
static int ioapic_state_fn(struct state *s, void *opaque)
{
    struct ioapic *io = opaque;
    STATE(s, io->st.id);
    STATE(s, io->st.arb);
    STATE(s, io->st.regsel);
    STATE_ARRAY(s, io->st.rte_lo);
    STATE_ARRAY(s, io->st.rte_hi);
    STATE(s, io->st.lines);
    STATE(s, io->st.extint);
    return 0;
}

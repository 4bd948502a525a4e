/* Unit test of the 82093AA I/O APIC: registers, ISA IRQ routing (IRQ 0 on
 * pin 2), edge and level entries with remote IRR and the local APIC's EOI,
 * masking, destinations, NMI and ExtINT entries, save/load. */
#include "apictest.h"
#include "devices/board/state.h"

/* A machine with the APIC enabled, the 8259 cut off (LINT0 masked). */
static struct machine *setup(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    apic_wr(m, LAPIC_LVT_LINT0, 0x10700);
    return m;
}

static void test_registers(void)
{
    struct machine *m = setup();
    CHECK_EQ(ioapic_rd(m, 1), 0x00170011);
    CHECK_EQ(ioapic_rd(m, 0), 0);
    ioapic_wr(m, 0, 0x0A000000);
    CHECK_EQ(ioapic_rd(m, 0), 0x0A000000);
    CHECK_EQ(ioapic_rd(m, 2), 0x0A000000);
    for (int p = 0; p < 24; p++)
        CHECK_EQ(ioapic_rd(m, 0x10 + 2 * (uint32_t)p), 0x10000);
    /* Delivery status and remote IRR are read only. */
    ioapic_wr(m, 0x10, 0xFFFFFFFF);
    CHECK_EQ(ioapic_rd(m, 0x10), 0x1AFFF);
    ioapic_wr(m, 0x11, 0xFFFFFFFF);
    CHECK_EQ(ioapic_rd(m, 0x11), 0xFF000000);
    /* IOREGSEL reads back. */
    bus_mmio_write(m, IOAPIC_BASE, 0x13, 4);
    uint32_t v = 0;
    bus_mmio_read(m, IOAPIC_BASE, 4, &v);
    CHECK_EQ(v, 0x13);
    machine_destroy(m);
}

static void test_edge_routing(void)
{
    struct machine *m = setup();
    /* IRQ 0 arrives on pin 2, IRQ 1 on pin 1. */
    ioapic_route(m, 2, 0x30, 0);
    ioapic_route(m, 1, 0x31, 0);
    pic_set_irq(m, 0, true);
    CHECK_EQ(inta(m), 0x30);
    pic_set_irq(m, 0, false);
    apic_wr(m, LAPIC_EOI, 0);
    pic_set_irq(m, 1, true);
    pic_set_irq(m, 1, true); /* no new edge */
    CHECK_EQ(inta(m), 0x31);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK_EQ(inta(m), -1);
    pic_set_irq(m, 1, false);
    /* Edge entries have no remote IRR and no TMR bit. */
    CHECK(!(ioapic_rd(m, 0x12) & 0x4000));
    /* Masked: the edge is lost, unmasking does not bring it back. */
    ioapic_route(m, 4, 0x10034, 0);
    pic_set_irq(m, 4, true);
    CHECK_EQ(inta(m), -1);
    ioapic_route(m, 4, 0x34, 0);
    CHECK_EQ(inta(m), -1);
    pic_set_irq(m, 4, false);
    pic_set_irq(m, 4, true);
    CHECK_EQ(inta(m), 0x34);
    apic_wr(m, LAPIC_EOI, 0);
    /* Destinations: physical 3 misses, broadcast 0Fh hits; logical flat
     * needs our LDR bit. */
    ioapic_route(m, 5, 0x35, 3);
    pic_set_irq(m, 5, true);
    CHECK_EQ(inta(m), -1);
    pic_set_irq(m, 5, false);
    ioapic_route(m, 5, 0x35, 0x0F);
    pic_set_irq(m, 5, true);
    CHECK_EQ(inta(m), 0x35);
    apic_wr(m, LAPIC_EOI, 0);
    pic_set_irq(m, 5, false);
    apic_wr(m, LAPIC_LDR, 0x01000000);
    ioapic_route(m, 6, 0x800 | 0x100 | 0x36, 0x01); /* logical, lowest priority */
    pic_set_irq(m, 6, true);
    CHECK_EQ(inta(m), 0x36);
    apic_wr(m, LAPIC_EOI, 0);
    pic_set_irq(m, 6, false);
    /* Pins above 15: driven directly (PCI). */
    ioapic_route(m, 20, 0x44, 0);
    ioapic_set_pin(m->ioapic, 20, true);
    CHECK_EQ(inta(m), 0x44);
    apic_wr(m, LAPIC_EOI, 0);
    /* NMI entry. */
    ioapic_route(m, 7, 0x400, 0);
    m->cpu.nmi_pending = false;
    pic_set_irq(m, 7, true);
    CHECK(m->cpu.nmi_pending);
    machine_destroy(m);
}

static void test_level(void)
{
    struct machine *m = setup();
    ioapic_route(m, 10, 0x8000 | 0x3A, 0);
    pic_set_irq(m, 10, true);
    CHECK(ioapic_rd(m, 0x10 + 20) & 0x4000); /* remote IRR */
    CHECK_EQ(inta(m), 0x3A);
    CHECK(apic_bit(m, LAPIC_TMR, 0x3A));
    /* Still asserted at EOI: delivered again. */
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(ioapic_rd(m, 0x10 + 20) & 0x4000);
    CHECK_EQ(inta(m), 0x3A);
    /* The handler quiets the device, then EOIs: nothing more. */
    pic_set_irq(m, 10, false);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(!(ioapic_rd(m, 0x10 + 20) & 0x4000));
    CHECK_EQ(inta(m), -1);
    /* Masked while asserted, unmasked later: delivered then. */
    ioapic_route(m, 11, 0x18000 | 0x3B, 0);
    pic_set_irq(m, 11, true);
    CHECK_EQ(inta(m), -1);
    ioapic_route(m, 11, 0x8000 | 0x3B, 0);
    CHECK_EQ(inta(m), 0x3B);
    /* Remote IRR holds the line back even when masked and unmasked. */
    ioapic_route(m, 11, 0x18000 | 0x3B, 0);
    ioapic_route(m, 11, 0x8000 | 0x3B, 0);
    CHECK_EQ(inta(m), -1);
    pic_set_irq(m, 11, false);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK_EQ(inta(m), -1);
    /* An edge vector's EOI does not touch remote IRR of others. */
    ioapic_route(m, 12, 0x8000 | 0x3C, 0);
    ioapic_route(m, 3, 0x3D, 0);
    pic_set_irq(m, 12, true);
    pic_set_irq(m, 3, true);
    CHECK_EQ(inta(m), 0x3D);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(ioapic_rd(m, 0x10 + 24) & 0x4000);
    CHECK_EQ(inta(m), 0x3C);
    pic_set_irq(m, 12, false);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(!(ioapic_rd(m, 0x10 + 24) & 0x4000));
    machine_destroy(m);
}

static void test_extint_pin(void)
{
    struct machine *m = setup();
    /* Pin 0 as ExtINT (the 8259's INTR): INTA goes to the 8259 even with
     * LINT0 masked. */
    ioapic_route(m, 0, 0x700, 0);
    pic_set_irq(m, 1, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(inta(m), 0x09);
    CHECK(!m->cpu.intr_line);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 1, false);
    /* Masked again: the 8259 is cut off. */
    ioapic_route(m, 0, 0x10700, 0);
    pic_set_irq(m, 3, true);
    CHECK(!m->cpu.intr_line);
    machine_destroy(m);
}

static void test_save_load(void)
{
    struct machine *m = setup();
    ioapic_route(m, 9, 0x8000 | 0x39, 0);
    size_t len = 0;
    uint8_t *buf = NULL;
    CHECK(state_device_save(m, m->ioapic, &buf, &len) == 0);
    ioapic_route(m, 9, 0x10000, 0);
    CHECK(state_device_load(m, m->ioapic, buf, len) == 0);
    CHECK_EQ(ioapic_rd(m, 0x10 + 18), 0x8039);
    CHECK(state_device_load(m, m->ioapic, buf, len - 1) < 0); /* cut short */
    free(buf);
    /* Reset masks everything again. */
    machine_reset(m);
    CHECK_EQ(ioapic_rd(m, 0x10 + 18), 0x10000);
    machine_destroy(m);
}

int main(void)
{
    test_registers();
    test_edge_routing();
    test_level();
    test_extint_pin();
    test_save_load();
    if (failures) {
        fprintf(stderr, "ioapic: %d failure(s)\n", failures);
        return 1;
    }
    printf("ioapic: all tests passed\n");
    return 0;
}

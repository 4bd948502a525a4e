/* Unit test of the local APIC against SDM 3A ch. 10: reset state, the 8259
 * pass-through (disabled APIC and LINT0 ExtINT), the timer in one-shot and
 * periodic modes on virtual time, priorities/TPR/EOI, self IPIs, ESR, the
 * global disable through IA32_APIC_BASE, and save/load. */
#include "apictest.h"
#include "devices/board/state.h"

static void test_reset_state(void)
{
    struct machine *m = new_apic_machine();
    CHECK_EQ(apic_rd(m, LAPIC_VERSION), 0x00040011);
    CHECK_EQ(apic_rd(m, LAPIC_SVR), 0xFF);
    CHECK_EQ(apic_rd(m, LAPIC_DFR), 0xFFFFFFFF);
    CHECK_EQ(apic_rd(m, LAPIC_ID), 0);
    CHECK_EQ(apic_rd(m, LAPIC_LVT_LINT0), 0x10000);
    CHECK_EQ(apic_rd(m, LAPIC_LVT_TIMER), 0x10000);
    CHECK_EQ(lapic_get_base_msr(m->lapic), 0xFEE00900);
    /* Software disabled: LVT masks cannot be cleared. */
    apic_wr(m, LAPIC_LVT_TIMER, 0x40);
    CHECK_EQ(apic_rd(m, LAPIC_LVT_TIMER), 0x10040);
    /* SVR bits 0-3 are ones on the P6. */
    apic_wr(m, LAPIC_SVR, 0x1F0);
    CHECK_EQ(apic_rd(m, LAPIC_SVR), 0x1FF);
    machine_destroy(m);
}

static void test_extint_passthrough(void)
{
    struct machine *m = new_apic_machine();
    /* At reset (software disabled) the 8259 reaches the CPU as before. */
    pic_set_irq(m, 1, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(inta(m), 0x09);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 1, false);
    CHECK(!m->cpu.intr_line);
    /* Enabled with LINT0 masked: the 8259 is cut off. */
    apic_wr(m, LAPIC_SVR, 0x1FF);
    pic_set_irq(m, 1, true);
    CHECK(!m->cpu.intr_line);
    /* Virtual wire: LINT0 ExtINT passes it through, INTA goes to the 8259. */
    apic_wr(m, LAPIC_LVT_LINT0, 0x700);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(inta(m), 0x09);
    CHECK(!m->cpu.intr_line);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 1, false);
    /* The APIC's own interrupts and the ExtINT share INTR. */
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x45);
    pic_set_irq(m, 3, true);
    CHECK_EQ(inta(m), 0x0B);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 3, false);
    CHECK_EQ(inta(m), 0x45);
    CHECK_EQ(inta(m), -1);
    apic_wr(m, LAPIC_EOI, 0);
    /* Globally disabled through the MSR: pass-through again, CPUID off. */
    apic_wr(m, LAPIC_LVT_LINT0, 0x10700);
    lapic_set_base_msr(m->lapic, 0xFEE00000);
    CHECK(!lapic_hw_enabled(m->lapic));
    pic_set_irq(m, 4, true);
    CHECK_EQ(inta(m), 0x0C);
    uint32_t v;
    CHECK(bus_mmio_read(m, LAPIC_BASE + LAPIC_VERSION, 4, &v));
    CHECK_EQ(v, 0xFFFFFFFF);
    lapic_set_base_msr(m->lapic, 0xFEE00800);
    CHECK(lapic_hw_enabled(m->lapic));
    CHECK_EQ(apic_rd(m, LAPIC_SVR), 0xFF);
    machine_destroy(m);
}

/* 100 MHz bus: one count per 10 ns at divide-by-1. */
static void test_timer_oneshot(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    apic_wr(m, LAPIC_TIMER_DCR, 0xB); /* divide by 1 */
    apic_wr(m, LAPIC_LVT_TIMER, 0x40);
    apic_wr(m, LAPIC_TIMER_ICR, 1000);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 1000);
    advance_ns(m, 5000);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 500);
    CHECK(!m->cpu.intr_line);
    advance_ns(m, 4990);
    CHECK(!m->cpu.intr_line);
    advance_ns(m, 10);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 0);
    CHECK(apic_bit(m, LAPIC_IRR, 0x40));
    CHECK_EQ(inta(m), 0x40);
    CHECK(apic_bit(m, LAPIC_ISR, 0x40));
    CHECK(!apic_bit(m, LAPIC_IRR, 0x40));
    CHECK_EQ(apic_rd(m, LAPIC_PPR), 0x40);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(!apic_bit(m, LAPIC_ISR, 0x40));
    CHECK_EQ(apic_rd(m, LAPIC_PPR), 0);
    /* One-shot: nothing more. */
    advance_ns(m, 100000);
    CHECK(!m->cpu.intr_line);
    /* Divide by 16 (DCR 3): 160 ns per count. */
    apic_wr(m, LAPIC_TIMER_DCR, 0x3);
    apic_wr(m, LAPIC_TIMER_ICR, 10);
    advance_ns(m, 1599);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 1);
    advance_ns(m, 1);
    CHECK_EQ(inta(m), 0x40);
    apic_wr(m, LAPIC_EOI, 0);
    /* Masked: the count runs down, nothing is requested. */
    apic_wr(m, LAPIC_LVT_TIMER, 0x10040);
    apic_wr(m, LAPIC_TIMER_ICR, 10);
    advance_ns(m, 5000);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 0);
    /* Writing 0 stops a running timer. */
    apic_wr(m, LAPIC_LVT_TIMER, 0x40);
    apic_wr(m, LAPIC_TIMER_ICR, 100);
    apic_wr(m, LAPIC_TIMER_ICR, 0);
    advance_ns(m, 100000);
    CHECK(!m->cpu.intr_line);
    machine_destroy(m);
}

static void test_timer_periodic(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    apic_wr(m, LAPIC_TIMER_DCR, 0x0);            /* divide by 2: 20 ns */
    apic_wr(m, LAPIC_LVT_TIMER, 0x20000 | 0x41); /* periodic */
    apic_wr(m, LAPIC_TIMER_ICR, 100);            /* 2000 ns period */
    uint64_t t0 = clock_now(m);
    int fired = 0;
    uint64_t first = 0, last = 0;
    for (int k = 0; k < 20000; k++) {
        advance_ns(m, 1);
        if (m->cpu.intr_line) {
            CHECK_EQ(inta(m), 0x41);
            apic_wr(m, LAPIC_EOI, 0);
            last = clock_now(m) - t0;
            if (!fired)
                first = last;
            fired++;
        }
    }
    CHECK_EQ(fired, 10);
    CHECK_EQ(first, 2000);
    CHECK_EQ(last, 20000);
    /* The count reloads: mid-period it reads the rest of the period. */
    advance_ns(m, 500);
    CHECK_EQ(apic_rd(m, LAPIC_TIMER_CCR), 75);
    /* Back to one-shot: the running count finishes and stops. */
    apic_wr(m, LAPIC_LVT_TIMER, 0x41);
    advance_ns(m, 1500);
    CHECK_EQ(inta(m), 0x41);
    apic_wr(m, LAPIC_EOI, 0);
    advance_ns(m, 10000);
    CHECK(!m->cpu.intr_line);
    machine_destroy(m);
}

static void test_priority_eoi(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    /* Self IPIs (shorthand 01) put vectors in the IRR. */
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x50);
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x61);
    CHECK(apic_bit(m, LAPIC_IRR, 0x50) && apic_bit(m, LAPIC_IRR, 0x61));
    CHECK_EQ(apic_rd(m, LAPIC_ICR_LO) & 0x1000, 0); /* delivery idle */
    /* TPR 70h holds both back. */
    apic_wr(m, LAPIC_TPR, 0x70);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(apic_rd(m, LAPIC_PPR), 0x70);
    apic_wr(m, LAPIC_TPR, 0x55);
    CHECK_EQ(inta(m), 0x61);
    CHECK_EQ(apic_rd(m, LAPIC_PPR), 0x60);
    /* 50h is not above class 6: it waits for the EOI. */
    CHECK(!m->cpu.intr_line);
    /* A higher class nests. */
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x72);
    CHECK_EQ(inta(m), 0x72);
    apic_wr(m, LAPIC_EOI, 0); /* ends 72h, the highest in service */
    CHECK(!apic_bit(m, LAPIC_ISR, 0x72));
    CHECK(apic_bit(m, LAPIC_ISR, 0x61));
    CHECK(!m->cpu.intr_line);
    apic_wr(m, LAPIC_EOI, 0);
    /* TPR 55h: class 5 is not above it. */
    CHECK(!m->cpu.intr_line);
    apic_wr(m, LAPIC_TPR, 0x40);
    CHECK_EQ(inta(m), 0x50);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK_EQ(inta(m), -1);
    /* Spurious: INTR raised, then the TPR rises before the acknowledge. */
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x52);
    CHECK(m->cpu.intr_line);
    apic_wr(m, LAPIC_TPR, 0x60);
    CHECK_EQ(m->intr_ack(m->intr_opaque), 0xFF);
    CHECK(!apic_bit(m, LAPIC_ISR, 0x52));
    apic_wr(m, LAPIC_TPR, 0);
    CHECK_EQ(inta(m), 0x52);
    apic_wr(m, LAPIC_EOI, 0);
    /* Destination field: physical ID 0 and broadcast reach us, 3 does not;
     * logical flat with our LDR bit. */
    apic_wr(m, LAPIC_ICR_HI, 0x03000000);
    apic_wr(m, LAPIC_ICR_LO, 0x58);
    CHECK(!m->cpu.intr_line);
    apic_wr(m, LAPIC_ICR_HI, 0xFF000000);
    apic_wr(m, LAPIC_ICR_LO, 0x58);
    CHECK_EQ(inta(m), 0x58);
    apic_wr(m, LAPIC_EOI, 0);
    apic_wr(m, LAPIC_LDR, 0x01000000);
    apic_wr(m, LAPIC_ICR_HI, 0x02000000);
    apic_wr(m, LAPIC_ICR_LO, 0x800 | 0x59);
    CHECK(!m->cpu.intr_line);
    apic_wr(m, LAPIC_ICR_HI, 0x03000000);
    apic_wr(m, LAPIC_ICR_LO, 0x800 | 0x59);
    CHECK_EQ(inta(m), 0x59);
    apic_wr(m, LAPIC_EOI, 0);
    /* Cluster model: cluster 0, member bit 0. */
    apic_wr(m, LAPIC_DFR, 0x0FFFFFFF);
    apic_wr(m, LAPIC_ICR_HI, 0x11000000);
    apic_wr(m, LAPIC_ICR_LO, 0x800 | 0x5A);
    CHECK(!m->cpu.intr_line);
    apic_wr(m, LAPIC_ICR_HI, 0x01000000);
    apic_wr(m, LAPIC_ICR_LO, 0x800 | 0x5A);
    CHECK_EQ(inta(m), 0x5A);
    apic_wr(m, LAPIC_EOI, 0);
    /* All-excluding-self reaches nobody; INIT/STARTUP are accepted. */
    apic_wr(m, LAPIC_ICR_LO, 0xC0000 | 0x5B);
    apic_wr(m, LAPIC_ICR_LO, 0xC4500);
    apic_wr(m, LAPIC_ICR_LO, 0xC0600 | 0x10);
    CHECK(!m->cpu.intr_line);
    /* NMI to self. */
    m->cpu.nmi_pending = false;
    apic_wr(m, LAPIC_ICR_LO, 0x40400);
    CHECK(m->cpu.nmi_pending);
    machine_destroy(m);
}

static void test_esr_and_lint(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    /* A fixed IPI with vector 5: send illegal vector, latched by a write. */
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x05);
    CHECK_EQ(apic_rd(m, LAPIC_ESR), 0);
    apic_wr(m, LAPIC_ESR, 0);
    CHECK_EQ(apic_rd(m, LAPIC_ESR), 0x20);
    apic_wr(m, LAPIC_ESR, 0);
    CHECK_EQ(apic_rd(m, LAPIC_ESR), 0);
    /* With the error LVT unmasked the error interrupts. */
    apic_wr(m, LAPIC_LVT_ERROR, 0xFE);
    apic_wr(m, LAPIC_ICR_LO, 0x40000 | 0x07);
    CHECK_EQ(inta(m), 0xFE);
    apic_wr(m, LAPIC_EOI, 0);
    /* LINT1 as NMI (virtual wire), edge. */
    apic_wr(m, LAPIC_LVT_LINT1, 0x400);
    m->cpu.nmi_pending = false;
    lapic_set_lint(m->lapic, 1, true);
    CHECK(m->cpu.nmi_pending);
    lapic_set_lint(m->lapic, 1, false);
    /* LINT0 fixed, level: remote IRR until EOI, then again while high. */
    out8(m, 0x21, 0xFF);
    out8(m, 0xA1, 0xFF);
    apic_wr(m, LAPIC_LVT_LINT0, 0x8000 | 0x66);
    lapic_set_lint(m->lapic, 0, true);
    CHECK_EQ(inta(m), 0x66);
    CHECK(apic_rd(m, LAPIC_LVT_LINT0) & 0x4000);
    CHECK(apic_bit(m, LAPIC_TMR, 0x66));
    apic_wr(m, LAPIC_EOI, 0);
    CHECK_EQ(inta(m), 0x66);
    lapic_set_lint(m->lapic, 0, false);
    apic_wr(m, LAPIC_EOI, 0);
    CHECK(!(apic_rd(m, LAPIC_LVT_LINT0) & 0x4000));
    CHECK_EQ(inta(m), -1);
    /* Software disable sets every LVT mask. */
    apic_wr(m, LAPIC_SVR, 0xFF);
    CHECK(apic_rd(m, LAPIC_LVT_ERROR) & 0x10000);
    CHECK(apic_rd(m, LAPIC_LVT_LINT1) & 0x10000);
    machine_destroy(m);
}

static void test_save_load(void)
{
    struct machine *m = new_apic_machine();
    apic_wr(m, LAPIC_SVR, 0x1FF);
    apic_wr(m, LAPIC_TIMER_DCR, 0xB);
    apic_wr(m, LAPIC_LVT_TIMER, 0x44);
    apic_wr(m, LAPIC_TIMER_ICR, 300);
    apic_wr(m, LAPIC_TPR, 0x20);
    size_t len = 0;
    uint8_t *buf = NULL;
    CHECK(state_device_save(m, m->lapic, &buf, &len) == 0);
    apic_wr(m, LAPIC_TIMER_ICR, 0);
    apic_wr(m, LAPIC_TPR, 0);
    CHECK(state_device_load(m, m->lapic, buf, len) == 0);
    CHECK_EQ(apic_rd(m, LAPIC_TPR), 0x20);
    advance_ns(m, 3000);
    CHECK_EQ(inta(m), 0x44);
    CHECK(state_device_load(m, m->lapic, buf, len - 1) < 0); /* cut short */
    free(buf);
    machine_destroy(m);
}

int main(void)
{
    test_reset_state();
    test_extint_passthrough();
    test_timer_oneshot();
    test_timer_periodic();
    test_priority_eoi();
    test_esr_and_lint();
    test_save_load();
    if (failures) {
        fprintf(stderr, "lapic: %d failure(s)\n", failures);
        return 1;
    }
    printf("lapic: all tests passed\n");
    return 0;
}

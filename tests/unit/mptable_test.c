/* Unit test of the BIOS's MP tables (MP spec 1.4) and ACPI tables: on a
 * Pentium II machine the floating pointer is in the F segment with good
 * checksums, the configuration table lists the CPU, ISA, the I/O APIC and
 * IRQ 0 on INTIN2; RSDP -> RSDT -> FADT/MADT -> DSDT check out, and an S5
 * write to PM1a_CNT powers off; a 486 has none of it. */
#define _GNU_SOURCE /* memmem */
#include "apictest.h"

static uint8_t sum(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    for (uint32_t k = 0; k < n; k++)
        s = (uint8_t)(s + p[k]);
    return s;
}

static struct machine *full_machine(enum cpu_model model)
{
    struct machine_config cfg = {.cpu_model = model, .ram_mb = 16, .deterministic = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "setup: %s\n", err);
        exit(1);
    }
    return m;
}

/* Offset of "_MP_" on a 16-byte boundary in F0000-FFFFF, or -1. */
static long find_mp(struct machine *m, uint8_t *seg)
{
    mem_read_block(m, 0xF0000, seg, 0x10000);
    for (long off = 0; off < 0x10000; off += 16)
        if (!memcmp(seg + off, "_MP_", 4))
            return off;
    return -1;
}

static void test_pentium2(void)
{
    struct machine *m = full_machine(CPU_PENTIUM2);
    CHECK(m->lapic && m->ioapic);
    static uint8_t seg[0x10000];
    long fp = find_mp(m, seg);
    CHECK(fp >= 0);
    if (fp < 0)
        return;
    CHECK_EQ(sum(seg + fp, 16), 0);
    CHECK_EQ(seg[fp + 8], 1);
    CHECK_EQ(seg[fp + 9], 4);
    CHECK_EQ(seg[fp + 11], 0); /* not a default configuration */
    uint32_t cfg = seg[fp + 4] | seg[fp + 5] << 8 | seg[fp + 6] << 16 | (uint32_t)seg[fp + 7] << 24;
    CHECK(cfg >= 0xF0000 && cfg < 0x100000);
    const uint8_t *h = seg + (cfg - 0xF0000);
    CHECK(!memcmp(h, "PCMP", 4));
    uint16_t len = (uint16_t)(h[4] | h[5] << 8);
    CHECK_EQ(sum(h, len), 0);
    CHECK_EQ(h[36] | h[37] << 8 | h[38] << 16 | (uint32_t)h[39] << 24, LAPIC_BASE);
    uint16_t count = (uint16_t)(h[34] | h[35] << 8);
    int procs = 0, ioapics = 0, isa = -1, extint_pin0 = 0, irq0_pin = -1, lint = 0;
    const uint8_t *e = h + 44;
    int last_type = 0;
    for (int k = 0; k < count; k++) {
        CHECK(e[0] >= last_type); /* entries sorted by type */
        last_type = e[0];
        switch (e[0]) {
        case 0:
            procs++;
            CHECK_EQ(e[3], 3);
            e += 20;
            continue;
        case 1:
            if (!memcmp(e + 2, "ISA   ", 6))
                isa = e[1];
            break;
        case 2:
            ioapics++;
            CHECK_EQ(e[1], 1);
            CHECK_EQ(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24, IOAPIC_BASE);
            break;
        case 3:
            CHECK_EQ(e[4], isa);
            if (e[1] == 3 && e[7] == 0)
                extint_pin0 = 1;
            if (e[1] == 0 && e[5] == 0)
                irq0_pin = e[7];
            if (e[1] == 0 && e[5] != 0)
                CHECK_EQ(e[7], e[5]);
            break;
        case 4: lint++; break;
        }
        e += 8;
    }
    CHECK_EQ(e - h, len);
    CHECK_EQ(procs, 1);
    CHECK_EQ(ioapics, 1);
    CHECK(isa >= 0);
    CHECK(extint_pin0);
    CHECK_EQ(irq0_pin, 2);
    CHECK_EQ(lint, 2);
    /* The whole ROM still sums to zero. */
    CHECK_EQ(sum(seg, 0x10000), 0);
    machine_destroy(m);
}

static uint32_t rd32le(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An ACPI table at physical address pa inside the F segment copy. */
static const uint8_t *acpi_table(const uint8_t *seg, uint32_t pa, const char *sig)
{
    CHECK(pa >= 0xF0000 && pa < 0x100000);
    if (pa < 0xF0000 || pa >= 0x100000)
        return NULL;
    const uint8_t *t = seg + (pa - 0xF0000);
    CHECK(!memcmp(t, sig, 4));
    CHECK_EQ(sum(t, rd32le(t + 4)), 0);
    return t;
}

static void test_acpi(void)
{
    struct machine *m = full_machine(CPU_PENTIUM2);
    static uint8_t seg[0x10000];
    mem_read_block(m, 0xF0000, seg, 0x10000);
    long rsdp = -1;
    for (long off = 0; off < 0x10000; off += 16)
        if (!memcmp(seg + off, "RSD PTR ", 8))
            rsdp = off;
    CHECK(rsdp >= 0);
    if (rsdp < 0)
        return;
    CHECK_EQ(sum(seg + rsdp, 20), 0);
    const uint8_t *rsdt = acpi_table(seg, rd32le(seg + rsdp + 16), "RSDT");
    if (!rsdt)
        return;
    CHECK_EQ(rd32le(rsdt + 4), 44);
    const uint8_t *fadt = acpi_table(seg, rd32le(rsdt + 36), "FACP");
    const uint8_t *madt = acpi_table(seg, rd32le(rsdt + 40), "APIC");
    if (!fadt || !madt)
        return;
    const uint8_t *dsdt = acpi_table(seg, rd32le(fadt + 40), "DSDT");
    CHECK(dsdt != NULL);
    uint32_t facs = rd32le(fadt + 36);
    CHECK_EQ(facs & 63, 0);
    CHECK(!memcmp(seg + (facs - 0xF0000), "FACS", 4));
    CHECK_EQ(rd32le(madt + 36), LAPIC_BASE);
    /* The \_S5 package names SLP_TYP 5; PM1a_CNT powers off with it. */
    CHECK(dsdt && memmem(dsdt + 36, rd32le(dsdt + 4) - 36, "_S5_\x12\x08\x04\x0A\x05", 9) != NULL);
    uint16_t cnt = (uint16_t)rd32le(fadt + 64);
    CHECK_EQ(bus_io_read(m, cnt, 2) & 1, 1); /* SCI_EN */
    /* The PM timer runs at 3.579545 MHz on virtual time. */
    uint16_t tmr = (uint16_t)rd32le(fadt + 76);
    uint32_t t0 = bus_io_read(m, tmr, 4);
    m->cpu.icount += m->cfg.ips / 1000; /* 1 ms of instructions */
    clock_sync(m);
    uint32_t t1 = bus_io_read(m, tmr, 4);
    CHECK(((t1 - t0) & 0xFFFFFF) >= 3579 && ((t1 - t0) & 0xFFFFFF) <= 3580);
    bus_io_write(m, cnt, (5u << 10) | 1, 2); /* SLP_TYP alone: nothing */
    CHECK_EQ(m->stop, STOP_NONE);
    bus_io_write(m, cnt, (5u << 10) | (1u << 13) | 1, 2);
    CHECK_EQ(m->stop, STOP_POWEROFF);
    machine_destroy(m);
}

static void test_486(void)
{
    struct machine *m = full_machine(CPU_486);
    CHECK(!m->lapic && !m->ioapic);
    static uint8_t seg[0x10000];
    CHECK(find_mp(m, seg) < 0);
    CHECK(!memmem(seg, sizeof(seg), "RSD PTR ", 8));
    machine_destroy(m);
}

int main(void)
{
    test_pentium2();
    test_acpi();
    test_486();
    if (failures) {
        fprintf(stderr, "mptable: %d failure(s)\n", failures);
        return 1;
    }
    printf("mptable: all tests passed\n");
    return 0;
}

/* ACPI 1.0b tables in the BIOS ROM for boards with APICs: RSDP, RSDT, FADT
 * (the PM registers of devices/chipset/acpi_pm), FACS, MADT and a small
 * hand-assembled DSDT (\_S5, the CPU, the PS/2 keyboard and mouse, the
 * PCI root bridge). */
#include <string.h>

#include "bios/bios_priv.h"
#include "devices/chipset/acpi_pm.h"
#include "devices/chipset/ioapic.h"
#include "devices/chipset/lapic.h"

struct acpi_out {
    uint8_t *rom;
    uint32_t off; /* next free ROM offset */
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

/* Room for a table of len bytes at the given alignment; returns its ROM
 * offset. */
static uint32_t acpi_alloc(struct acpi_out *o, uint32_t len, uint32_t align)
{
    uint32_t at = (o->off + align - 1) & ~(align - 1);
    o->off = at + len;
    return at;
}

static uint32_t phys(uint32_t rom_off)
{
    return BIOS_ROM_BASE + rom_off;
}

/* The common description header (ACPI 1.0b §5.2.5); the checksum comes
 * last, once the body is written. */
static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "REX86 ", 6);
    memcpy(t + 16, "REX86PC ", 8);
    put32(t + 24, 1);
    memcpy(t + 28, "RX86", 4);
    put32(t + 32, 1);
}

static void acpi_sum(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = bios_checksum(t, len);
}

/* --- AML (ACPI 1.0b §16) ---------------------------------------------- */

struct aml {
    uint8_t b[512];
    uint32_t n;
};

static void aml_bytes(struct aml *a, const void *p, uint32_t len)
{
    if (a->n + len <= sizeof(a->b))
        memcpy(a->b + a->n, p, len);
    a->n += len;
}
#define AML(a, ...) aml_bytes(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* op (1 or 2 bytes), PkgLength, then the body: the length counts itself
 * (one byte below 64, else two: §16.2.4). */
static void aml_pkg(struct aml *a, const uint8_t *op, int oplen, const struct aml *body)
{
    aml_bytes(a, op, (uint32_t)oplen);
    uint32_t len = body->n + 1;
    if (len < 64) {
        AML(a, (uint8_t)len);
    } else {
        len = body->n + 2;
        AML(a, (uint8_t)(0x40 | (len & 0xF)), (uint8_t)(len >> 4));
    }
    aml_bytes(a, body->b, body->n);
}

/* Name(NAME, Buffer() {bytes}) */
static void aml_name_buffer(struct aml *a, const char *name, const uint8_t *data, uint8_t len)
{
    struct aml buf = {.n = 0};
    AML(&buf, 0x0A, len); /* BytePrefix size */
    aml_bytes(&buf, data, len);
    AML(a, 0x08);
    aml_bytes(a, name, 4);
    aml_pkg(a, (const uint8_t[]){0x11}, 1, &buf);
}

/* Device(NAME) { Name(_HID, EisaId(hid)) Name(_CRS, ResourceTemplate) } */
static void aml_device(struct aml *a, const char *name, uint32_t eisa_id, const uint8_t *crs, uint8_t crs_len)
{
    struct aml body = {.n = 0};
    aml_bytes(&body, name, 4);
    AML(&body, 0x08, '_', 'H', 'I', 'D', 0x0C, (uint8_t)eisa_id, (uint8_t)(eisa_id >> 8),
        (uint8_t)(eisa_id >> 16), (uint8_t)(eisa_id >> 24));
    aml_name_buffer(&body, "_CRS", crs, crs_len);
    aml_pkg(a, (const uint8_t[]){0x5B, 0x82}, 2, &body);
}

/* The PCI root bridge's resources (ACPI 1.0b §6.4.3): bus 0-255, I/O
 * 0-CF7h and D00h-FFFFh around the configuration ports, the VGA window
 * and everything from the top of RAM up to the I/O APIC. */
static uint8_t pci_crs(struct machine *m, uint8_t *c)
{
    static const uint8_t fixed[] = {
        0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00, 0xF7, 0x0C,
        0x00, 0x00, 0xF8, 0x0C, 0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08, 0x88, 0x0D,
        0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF3,
    };
    uint8_t n = sizeof(fixed);
    memcpy(c, fixed, n);
    uint32_t windows[2][2] = {{0xA0000, 0xBFFFF}, {m->mem.ram_size, IOAPIC_BASE - 1}};
    for (int k = 0; k < 2; k++) {
        /* DWord memory, producer, fixed min/max, cacheable, read/write. */
        static const uint8_t head[] = {0x87, 0x17, 0x00, 0x00, 0x0C, 0x03, 0, 0, 0, 0};
        memcpy(c + n, head, sizeof(head));
        put32(c + n + 10, windows[k][0]);
        put32(c + n + 14, windows[k][1]);
        put32(c + n + 18, 0);
        put32(c + n + 22, windows[k][1] - windows[k][0] + 1);
        n += 26;
    }
    c[n++] = 0x79;
    c[n++] = 0x00;
    return n;
}

static uint32_t acpi_dsdt(struct machine *m, struct acpi_out *o)
{
    struct aml a = {.n = 0};
    /* Name(\_S5, Package() {5, 5, 0, 0}): the SLP_TYP values for S5. */
    AML(&a, 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, ACPI_SLP_TYP_S5, 0x0A, ACPI_SLP_TYP_S5, 0x00,
        0x00);
    /* Processor(CPU0, 0, 0, 0): no P_BLK (no throttling or C2/C3). */
    AML(&a, 0x5B, 0x83, 0x0B, 'C', 'P', 'U', '0', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
    /* Scope(\_SB) with the 8042's keyboard (PNP0303: ports 60h/64h,
     * IRQ 1) and mouse (PNP0F13: IRQ 12): with ACPI on, Linux finds the
     * i8042 only through these. */
    static const uint8_t kbd_crs[] = {0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, /* IO 60h */
                                      0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01, /* IO 64h */
                                      0x22, 0x02, 0x00,                               /* IRQ 1 */
                                      0x79, 0x00};
    static const uint8_t mou_crs[] = {0x22, 0x00, 0x10, 0x79, 0x00}; /* IRQ 12 */
    struct aml sb = {.n = 0};
    aml_bytes(&sb, "_SB_", 4);
    aml_device(&sb, "KBD_", 0x0303D041u, kbd_crs, sizeof(kbd_crs)); /* EisaId("PNP0303") */
    aml_device(&sb, "MOU_", 0x130FD041u, mou_crs, sizeof(mou_crs)); /* EisaId("PNP0F13") */
    /* The PCI root bridge (PNP0A03): with ACPI on, Linux enumerates PCI
     * only below one. No _PRT: the PCI functions so far use ISA IRQs. */
    if (m->pci) {
        uint8_t crs[128];
        uint8_t len = pci_crs(m, crs);
        aml_device(&sb, "PCI0", 0x030AD041u, crs, len); /* EisaId("PNP0A03") */
    }
    aml_pkg(&a, (const uint8_t[]){0x10}, 1, &sb);

    uint32_t len = 36 + a.n;
    uint32_t at = acpi_alloc(o, len, 16);
    uint8_t *t = o->rom + at;
    acpi_header(t, "DSDT", len, 1);
    memcpy(t + 36, a.b, a.n);
    acpi_sum(t, len);
    return at;
}

/* --- the fixed tables ------------------------------------------------- */

static uint32_t acpi_facs(struct acpi_out *o)
{
    uint32_t at = acpi_alloc(o, 64, 64); /* §5.2.9: 64-byte aligned */
    uint8_t *t = o->rom + at;
    memcpy(t, "FACS", 4);
    put32(t + 4, 64);
    return at;
}

static uint32_t acpi_fadt(struct acpi_out *o, uint32_t facs, uint32_t dsdt)
{
    uint32_t len = 116; /* the ACPI 1.0 layout, revision 1 */
    uint32_t at = acpi_alloc(o, len, 16);
    uint8_t *t = o->rom + at;
    acpi_header(t, "FACP", len, 1);
    put32(t + 36, phys(facs));
    put32(t + 40, phys(dsdt));
    t[44] = 1; /* INT_MODEL: APIC */
    put16(t + 46, ACPI_SCI_IRQ);
    put32(t + 48, 0); /* no SMI_CMD: always in ACPI mode */
    put32(t + 56, ACPI_PM1A_EVT);
    put32(t + 64, ACPI_PM1A_CNT);
    put32(t + 76, ACPI_PM_TMR);
    put32(t + 80, ACPI_GPE0);
    t[88] = 4;           /* PM1_EVT_LEN */
    t[89] = 2;           /* PM1_CNT_LEN */
    t[91] = 4;           /* PM_TMR_LEN */
    t[92] = 4;           /* GPE0_BLK_LEN */
    put16(t + 96, 101);  /* P_LVL2_LAT > 100: no C2 */
    put16(t + 98, 1001); /* P_LVL3_LAT > 1000: no C3 */
    /* Flags: WBINVD, PROC_C1, no fixed power or sleep button; a 24-bit
     * PM timer. */
    put32(t + 112, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5));
    acpi_sum(t, len);
    return at;
}

static uint32_t acpi_madt(struct acpi_out *o)
{
    uint8_t body[64];
    uint32_t n = 0;
    /* Processor local APIC: ACPI ID 0, APIC ID 0, enabled. */
    memcpy(body + n, (const uint8_t[]){0, 8, 0, 0, 1, 0, 0, 0}, 8);
    n += 8;
    /* The I/O APIC, GSI base 0. */
    memcpy(body + n, (const uint8_t[]){1, 12, IOAPIC_DEFAULT_ID, 0}, 4);
    put32(body + n + 4, IOAPIC_BASE);
    put32(body + n + 8, 0);
    n += 12;
    /* Interrupt source overrides: ISA IRQ 0 is GSI 2 (conforming); the SCI
     * on IRQ 9 is level triggered, active high. */
    memcpy(body + n, (const uint8_t[]){2, 10, 0, 0, 2, 0, 0, 0, 0, 0}, 10);
    n += 10;
    memcpy(body + n, (const uint8_t[]){2, 10, 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0, 0, 0, 0x0D, 0}, 10);
    n += 10;
    /* Local APIC NMI: every processor, LINT1. */
    memcpy(body + n, (const uint8_t[]){4, 6, 0xFF, 0, 0, 1}, 6);
    n += 6;
    uint32_t len = 44 + n;
    uint32_t at = acpi_alloc(o, len, 16);
    uint8_t *t = o->rom + at;
    acpi_header(t, "APIC", len, 1);
    put32(t + 36, LAPIC_BASE);
    put32(t + 40, 1); /* PCAT_COMPAT: the 8259s are there too */
    memcpy(t + 44, body, n);
    acpi_sum(t, len);
    return at;
}

uint32_t bios_acpi_build(struct machine *m, uint8_t *rom, uint32_t off)
{
    if (!m->lapic || !m->ioapic || !m->acpi_pm)
        return 0;
    struct acpi_out o = {rom, off};
    uint32_t rsdp = acpi_alloc(&o, 20, 16);
    uint32_t dsdt = acpi_dsdt(m, &o);
    uint32_t facs = acpi_facs(&o);
    uint32_t fadt = acpi_fadt(&o, facs, dsdt);
    uint32_t madt = acpi_madt(&o);

    uint32_t rsdt_len = 36 + 2 * 4;
    uint32_t rsdt = acpi_alloc(&o, rsdt_len, 16);
    uint8_t *t = rom + rsdt;
    acpi_header(t, "RSDT", rsdt_len, 1);
    put32(t + 36, phys(fadt));
    put32(t + 40, phys(madt));
    acpi_sum(t, rsdt_len);

    /* RSDP (§5.2.4.3), revision 0, on a 16-byte boundary in the F segment
     * where the OS scans for it. */
    uint8_t *p = rom + rsdp;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "REX86 ", 6);
    p[15] = 0;
    put32(p + 16, phys(rsdt));
    p[8] = bios_checksum(p, 20);
    return o.off - off;
}

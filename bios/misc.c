/* Small services: INT 11h equipment, INT 12h memory size, INT 14h serial
 * through the UART ports, INT 17h printer, and the PCI BIOS (INT 1Ah B1h)
 * through configuration mechanism #1 at ports CF8h/CFCh. */
#include "bios/bios_priv.h"

void bios_int11(struct machine *m)
{
    R_AX(&m->cpu) = bios_rd16(m, BDA(0x10));
}

void bios_int12(struct machine *m)
{
    R_AX(&m->cpu) = bios_rd16(m, BDA(0x13));
}

/* INT 14h. The UART is polled a bounded number of times: the emulated
 * chip is either ready at once or has nothing to give. */
void bios_int14(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint16_t port = R_DX(c) < 4 ? bios_rd16(m, BDA(2 * R_DX(c))) : 0;
    if (!port) {
        R_AH(c) = 0x80;
        return;
    }
    switch (R_AH(c)) {
    case 0x00: {
        static const uint16_t div[8] = {1047, 768, 384, 192, 96, 48, 24, 12};
        uint8_t p = R_AL(c);
        uint16_t d = div[p >> 5];
        bios_outb(m, port + 3, 0x80);
        bios_outb(m, port, (uint8_t)d);
        bios_outb(m, port + 1, (uint8_t)(d >> 8));
        bios_outb(m, port + 3, p & 0x1F);
        bios_outb(m, port + 1, 0x00);
        R_AH(c) = bios_inb(m, port + 5);
        R_AL(c) = bios_inb(m, port + 6);
        break;
    }
    case 0x01: {
        uint8_t lsr = 0;
        for (int k = 0; k < 1000 && !((lsr = bios_inb(m, port + 5)) & 0x20); k++)
            ;
        if (!(lsr & 0x20)) {
            R_AH(c) = (uint8_t)(lsr | 0x80);
            break;
        }
        bios_outb(m, port, R_AL(c));
        R_AH(c) = bios_inb(m, port + 5);
        break;
    }
    case 0x02: {
        uint8_t lsr = bios_inb(m, port + 5);
        if (!(lsr & 0x01)) {
            R_AH(c) = (uint8_t)(lsr | 0x80);
            break;
        }
        R_AL(c) = bios_inb(m, port);
        R_AH(c) = (uint8_t)(lsr & 0x1E);
        break;
    }
    case 0x03:
        R_AH(c) = bios_inb(m, port + 5);
        R_AL(c) = bios_inb(m, port + 6);
        break;
    default: R_AH(c) = 0x80; break;
    }
}

/* INT 17h: no printer is attached; a time-out is what DOS expects then. */
void bios_int17(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint16_t port = R_DX(c) < 3 ? bios_rd16(m, BDA(0x08 + 2 * R_DX(c))) : 0;
    if (!port) {
        R_AH(c) = 0x01;
        return;
    }
    switch (R_AH(c)) {
    case 0x00:
        bios_outb(m, port, R_AL(c));
        bios_outb(m, port + 2, 0x0D);
        bios_outb(m, port + 2, 0x0C);
        R_AH(c) = (uint8_t)((bios_inb(m, port + 1) & 0xF8) ^ 0x48);
        break;
    case 0x01:
        bios_outb(m, port + 2, 0x08);
        bios_outb(m, port + 2, 0x0C);
        R_AH(c) = (uint8_t)((bios_inb(m, port + 1) & 0xF8) ^ 0x48);
        break;
    default: R_AH(c) = (uint8_t)((bios_inb(m, port + 1) & 0xF8) ^ 0x48); break;
    }
}

/* --- PCI BIOS ----------------------------------------------------------- */

static bool pci_present(struct machine *m)
{
    uint32_t old = bus_io_read(m, 0xCF8, 4);
    bus_io_write(m, 0xCF8, 0x80000000u, 4);
    bool yes = bus_io_read(m, 0xCF8, 4) == 0x80000000u;
    bus_io_write(m, 0xCF8, old, 4);
    return yes;
}

static uint32_t pci_read(struct machine *m, uint16_t bdf, uint8_t reg, int size)
{
    bus_io_write(m, 0xCF8, 0x80000000u | (uint32_t)bdf << 8 | (reg & 0xFCu), 4);
    return bus_io_read(m, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void pci_write(struct machine *m, uint16_t bdf, uint8_t reg, uint32_t v, int size)
{
    bus_io_write(m, 0xCF8, 0x80000000u | (uint32_t)bdf << 8 | (reg & 0xFCu), 4);
    bus_io_write(m, (uint16_t)(0xCFC + (reg & 3)), v, size);
}

/* Finds the n-th function on bus 0 matching (want & mask) at register reg;
 * returns the bus/device/function or -1. */
static int pci_find(struct machine *m, uint8_t reg, uint32_t want, uint32_t mask, unsigned n)
{
    for (unsigned bdf = 0; bdf < 256; bdf++) {
        uint32_t id = pci_read(m, (uint16_t)bdf, 0, 4);
        if ((id & 0xFFFF) == 0xFFFF) {
            if ((bdf & 7) == 0)
                bdf += 7; /* no function 0: no device */
            continue;
        }
        if ((pci_read(m, (uint16_t)bdf, reg, 4) & mask) == want && n-- == 0)
            return (int)bdf;
        if ((bdf & 7) == 0 && !(pci_read(m, (uint16_t)bdf, 0x0C, 4) & 0x00800000u))
            bdf += 7; /* single-function device */
    }
    return -1;
}

void bios_pci(struct machine *m)
{
    struct cpu *c = &m->cpu;
    if (!pci_present(m)) {
        bios_ret(m, 0x81); /* function not supported: no PCI here */
        return;
    }
    uint16_t bdf = R_BX(c);
    uint8_t reg = (uint8_t)R_DI(c);
    switch (R_AL(c)) {
    case 0x01:
        c->EDX = 0x20494350u; /* "PCI " */
        R_AX(c) = 0x0001;     /* AH=0 present, AL: config mechanism #1 */
        R_BX(c) = 0x0210;     /* version 2.10 */
        R_CL(c) = 0;          /* last bus */
        c->EDI = 0;           /* no protected-mode entry point */
        bios_set_cf(m, false);
        return;
    case 0x02: {
        if (R_DX(c) == 0xFFFF) {
            bios_ret(m, 0x83);
            return;
        }
        int r = pci_find(m, 0, (uint32_t)R_CX(c) << 16 | R_DX(c), 0xFFFFFFFFu, R_SI(c));
        if (r < 0) {
            bios_ret(m, 0x86);
            return;
        }
        R_BX(c) = (uint16_t)r;
        bios_ret(m, 0);
        return;
    }
    case 0x03: {
        int r = pci_find(m, 0x08, (c->ECX & 0xFFFFFF) << 8, 0xFFFFFF00u, R_SI(c));
        if (r < 0) {
            bios_ret(m, 0x86);
            return;
        }
        R_BX(c) = (uint16_t)r;
        bios_ret(m, 0);
        return;
    }
    case 0x08: R_CL(c) = (uint8_t)pci_read(m, bdf, reg, 1); break;
    case 0x09: R_CX(c) = (uint16_t)pci_read(m, bdf, reg, 2); break;
    case 0x0A: c->ECX = pci_read(m, bdf, reg, 4); break;
    case 0x0B: pci_write(m, bdf, reg, R_CL(c), 1); break;
    case 0x0C: pci_write(m, bdf, reg, R_CX(c), 2); break;
    case 0x0D: pci_write(m, bdf, reg, c->ECX, 4); break;
    default: bios_ret(m, 0x81); return;
    }
    bios_ret(m, 0);
}

/* Unit test of the PCI bus: mechanism #1 at 0xCF8/0xCFC (dword, word and
 * byte cycles), enumeration of the i440FX, PIIX3 ISA/IDE and stdvga
 * functions, BAR sizing, command/status rules, PIRQ routing to the PIC
 * with ELCR, PAM shadow RAM and the 0xCF9 reset register. */
#include "devtest.h"

#include "devices/chipset/pci.h"
#include "devices/storage/ide.h"
#include "devices/video/vga.h"

static uint32_t cfg_rd(struct machine *m, int dev, int fn, int reg, int size)
{
    bus_io_write(m, 0xCF8, 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (reg & 0xFC), 4);
    return bus_io_read(m, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void cfg_wr(struct machine *m, int dev, int fn, int reg, uint32_t v, int size)
{
    bus_io_write(m, 0xCF8, 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (reg & 0xFC), 4);
    bus_io_write(m, (uint16_t)(0xCFC + (reg & 3)), v, size);
}

static void fake_setup(void *opaque, struct pci_dev *d)
{
    pci_config_ids(d, 0x1AF4, 0x1000, 0, 0x020000, 0);
    pci_set_interrupt_pin(d, 1);
}
static const struct pci_ops fake_ops = {"fake", fake_setup, NULL};

int main(void)
{
    struct machine *m = new_machine();
    CHECK(pci_init(m) == 0);
    CHECK(ide_init(m) == 0);
    CHECK(pci_stdvga_init(m) == 0);

    /* CONFIG_ADDRESS reads back; a disabled address reads all ones. */
    bus_io_write(m, 0xCF8, 0x80000804u, 4);
    CHECK_EQ(bus_io_read(m, 0xCF8, 4), 0x80000804u);
    bus_io_write(m, 0xCF8, 0x00000000u, 4);
    CHECK_EQ(bus_io_read(m, 0xCFC, 4), 0xFFFFFFFFu);

    /* Enumeration. */
    CHECK_EQ(cfg_rd(m, 0, 0, 0, 4), 0x12378086u);
    CHECK_EQ(cfg_rd(m, 0, 0, 0x08, 4) >> 8, 0x060000u);
    CHECK_EQ(cfg_rd(m, 1, 0, 0, 4), 0x70008086u);
    CHECK_EQ(cfg_rd(m, 1, 0, 0x0E, 1), 0x80); /* multi-function */
    CHECK_EQ(cfg_rd(m, 1, 0, 0x0A, 2), 0x0601);
    CHECK_EQ(cfg_rd(m, 1, 1, 0, 4), 0x70108086u);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x08, 4) >> 8, 0x010180u);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x02, 2), 0x7010); /* word cycle at offset 2 */
    CHECK_EQ(cfg_rd(m, 1, 1, 0x03, 1), 0x70);   /* byte cycle at offset 3 */
    CHECK_EQ(cfg_rd(m, 2, 0, 0, 4), 0x11111234u);
    CHECK_EQ(cfg_rd(m, 3, 0, 0, 4), 0xFFFFFFFFu);
    CHECK_EQ(cfg_rd(m, 0, 1, 0, 4), 0xFFFFFFFFu);
    CHECK_EQ(cfg_rd(m, 1, 2, 0, 4), 0xFFFFFFFFu);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x41, 1) & 0x80, 0x80); /* IDE decode enabled */

    /* IDE BAR4: 16 bytes of I/O; sizing, then an address. */
    CHECK_EQ(cfg_rd(m, 1, 1, 0x20, 4), 0x00000001u);
    cfg_wr(m, 1, 1, 0x20, 0xFFFFFFFFu, 4);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x20, 4), 0xFFFFFFF1u);
    cfg_wr(m, 1, 1, 0x20, 0xC000, 4);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x20, 4), 0xC001u);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x10, 4), 0); /* legacy mode: no BAR0 */
    /* Command: I/O and bus master writable, memory space not. */
    cfg_wr(m, 1, 1, 0x04, 0x0007, 2);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x04, 2), 0x0005);
    /* Bus master ports decode at BAR4 once I/O is enabled. */
    out8(m, 0xC002, 0x60);
    CHECK_EQ(in8(m, 0xC002), 0x60);
    cfg_wr(m, 1, 1, 0x04, 0x0000, 2);
    CHECK_EQ(in8(m, 0xC002), 0xFF);
    /* Status: write one to clear. */
    struct pci_dev *ided = pci_find_function(m, PCI_DEVFN(1, 1));
    ided->config[0x07] |= 0x20; /* received master abort */
    cfg_wr(m, 1, 1, 0x06, 0x2000, 2);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x06, 2) & 0x2000, 0);
    CHECK_EQ(cfg_rd(m, 1, 1, 0x06, 2), 0x0280);
    /* Vendor ID is read only. */
    cfg_wr(m, 1, 1, 0x00, 0xFFFFFFFFu, 4);
    CHECK_EQ(cfg_rd(m, 1, 1, 0, 4), 0x70108086u);

    /* stdvga BAR0: 16 MB prefetchable at the fixed LFB. */
    CHECK_EQ(cfg_rd(m, 2, 0, 0x10, 4), VGA_LFB_BASE | 8u);
    cfg_wr(m, 2, 0, 0x10, 0xFFFFFFFFu, 4);
    CHECK_EQ(cfg_rd(m, 2, 0, 0x10, 4), (uint32_t) ~(VGA_VRAM_SIZE - 1) | 8u);
    cfg_wr(m, 2, 0, 0x10, 0xFD000000u, 4);
    CHECK_EQ(cfg_rd(m, 2, 0, 0x10, 4), VGA_LFB_BASE | 8u);

    /* PIRQ routing: a function in slot 5 with INTA# is on PIRQB. */
    struct pci_dev *fake = pci_register_function(m, 0, 5, 0, &fake_ops, NULL);
    CHECK(fake != NULL);
    CHECK(pci_register_function(m, 0, 5, 0, &fake_ops, NULL) == NULL);
    CHECK_EQ(cfg_rd(m, 5, 0, 0x3D, 1), 1);
    CHECK_EQ(cfg_rd(m, 1, 0, 0x60, 4), 0x80808080u);
    CHECK_EQ(pci_pirq_route(m, 1), -1);
    out8(m, 0x4D1, 0x04); /* ELCR: IRQ 10 level triggered */
    pci_set_irq(m, PCI_DEVFN(5, 0), true);
    CHECK_EQ(take_irq(m), -1); /* not routed yet */
    cfg_wr(m, 1, 0, 0x61, 10, 1);
    CHECK_EQ(pci_pirq_route(m, 1), 10);
    CHECK_EQ(take_irq(m), IRQ_VEC(10)); /* routing the active line delivers it */
    CHECK_EQ(take_irq(m), IRQ_VEC(10)); /* level: still asserted */
    pci_set_irq(m, PCI_DEVFN(5, 0), false);
    CHECK_EQ(take_irq(m), -1);
    /* INTx disable in the command register masks the line. */
    cfg_wr(m, 5, 0, 0x04, 0x0400, 2);
    pci_set_irq(m, PCI_DEVFN(5, 0), true);
    CHECK_EQ(take_irq(m), -1);
    cfg_wr(m, 5, 0, 0x04, 0x0000, 2);
    pci_set_irq(m, PCI_DEVFN(5, 0), false);
    pci_set_irq(m, PCI_DEVFN(5, 0), true);
    CHECK_EQ(take_irq(m), IRQ_VEC(10));
    /* Disabling the route drops it. */
    cfg_wr(m, 1, 0, 0x61, 0x80, 1);
    CHECK_EQ(take_irq(m), -1);
    pci_set_irq(m, PCI_DEVFN(5, 0), false);

    /* PAM: a "ROM" at F0000 until PAM0 sends reads and writes to DRAM. */
    static uint8_t rom[0x10000] __attribute__((aligned(4096)));
    memset(rom, 0xAB, sizeof(rom));
    mem_map_host(m, 0xF0000, 0x10000, rom, false);
    CHECK_EQ(mem_read8_slow(m, 0xF0000), 0xAB);
    cfg_wr(m, 0, 0, 0x59, 0x20, 1); /* write-only DRAM: reads stay on ROM */
    mem_write8_slow(m, 0xF0000, 0x55);
    CHECK_EQ(mem_read8_slow(m, 0xF0000), 0xAB);
    CHECK_EQ(m->mem.ram[0xF0000], 0x55);
    cfg_wr(m, 0, 0, 0x59, 0x30, 1);
    CHECK_EQ(mem_read8_slow(m, 0xF0000), 0x55);
    cfg_wr(m, 0, 0, 0x59, 0x10, 1); /* read-only: writes go to the ROM (dropped) */
    mem_write8_slow(m, 0xF0000, 0x66);
    CHECK_EQ(mem_read8_slow(m, 0xF0000), 0x55);
    CHECK_EQ(rom[0], 0xAB);
    /* A 16 KB field: PAM1 low nibble is C0000-C3FFF. */
    cfg_wr(m, 0, 0, 0x5A, 0x03, 1);
    mem_write8_slow(m, 0xC0000, 0x77);
    CHECK_EQ(m->mem.ram[0xC0000], 0x77);
    /* Machine reset puts PAM back to "PCI": the ROM shows again. */
    machine_reset(m);
    CHECK_EQ(cfg_rd(m, 0, 0, 0x59, 1), 0);
    CHECK_EQ(mem_read8_slow(m, 0xF0000), 0xAB);
    CHECK_EQ(cfg_rd(m, 1, 0, 0x60, 1), 0x80);

    /* 0xCF9: a 0->1 edge of bit 2 requests a reset; dword CF8 unaffected. */
    bus_io_write(m, 0xCF8, 0x80000000u, 4);
    out8(m, 0xCF9, 0x02);
    CHECK(!m->reset_request);
    out8(m, 0xCF9, 0x06);
    CHECK(m->reset_request);
    CHECK_EQ(bus_io_read(m, 0xCF8, 4), 0x80000000u);

    machine_destroy(m);
    if (failures)
        fprintf(stderr, "pci_test: %d failure(s)\n", failures);
    else
        printf("pci_test: ok\n");
    return failures ? 1 : 0;
}

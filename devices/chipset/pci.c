/* PCI bus 0 behind configuration mechanism #1: the function registry and
 * generic configuration-space rules (PCI 2.1 §3.2.2.3.2, §6.1-6.2), INTx
 * routing through the PIIX3 PIRQ registers, the i440FX host bridge (PAM
 * shadow RAM) and the PIIX3 ISA bridge with its reset control register. */
#include "devices/chipset/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/pic.h"

#define PCI_ADDR_PORT 0xCF8
#define PCI_RC_PORT   0xCF9 /* PIIX3 reset control, a byte inside the address dword */
#define PCI_DATA_PORT 0xCFC

#define PAM_FIRST 0xC0000u
#define PAM_PAGES 64 /* 0xC0000-0xFFFFF */

struct pci {
    struct machine *m;
    uint32_t addr; /* CONFIG_ADDRESS */
    uint8_t rc;    /* PIIX3 RC register (0xCF9) */
    struct pci_dev *fn[256];
    bool owned[256]; /* allocated by pci_register_function */
    struct pci_dev host, isa;
    /* PAM: the mapping of 0xC0000-0xFFFFF before the first PAM write
     * (ROMs, or RAM where nothing decodes), restored where a PAM field
     * sends accesses to "PCI" rather than to DRAM. */
    bool pam_captured;
    uint8_t *rom_rd[PAM_PAGES], *rom_wr[PAM_PAGES];
    uint16_t irq_driven; /* ISA IRQs we hold high */
};

/* --- generic configuration space --------------------------------------- */

void pci_config_ids(struct pci_dev *d, uint16_t vendor, uint16_t device, uint8_t rev, uint32_t class_code,
                    uint8_t header_type)
{
    pci_cfg_w16(d, PCI_VENDOR_ID, vendor);
    pci_cfg_w16(d, PCI_DEVICE_ID, device);
    d->config[PCI_REVISION] = rev;
    d->config[PCI_PROG_IF] = (uint8_t)class_code;
    d->config[PCI_CLASS] = (uint8_t)(class_code >> 8);
    d->config[PCI_CLASS + 1] = (uint8_t)(class_code >> 16);
    d->config[PCI_HEADER_TYPE] = header_type;
}

void pci_set_bar(struct pci_dev *d, int bar, uint32_t size, uint32_t kind, uint32_t fixed_addr)
{
    if (bar < 0 || bar > 5)
        return;
    d->bar_size[bar] = size;
    d->bar_fixed[bar] = fixed_addr;
    uint8_t reg = (uint8_t)(PCI_BAR0 + 4 * bar);
    pci_cfg_w32(d, reg, (fixed_addr & ~(size - 1)) | kind);
    for (int k = 0; k < 4; k++)
        d->wmask[reg + k] = 0xFF; /* merged, then masked in bar_fixup() */
}

uint32_t pci_bar_address(const struct pci_dev *d, int bar)
{
    if (bar < 0 || bar > 5 || !d->bar_size[bar] || d->bar_sizing[bar])
        return 0;
    uint32_t v = pci_cfg_r32(d, (uint8_t)(PCI_BAR0 + 4 * bar));
    return v & ((v & PCI_BAR_IO) ? ~3u : ~15u);
}

void pci_set_interrupt_pin(struct pci_dev *d, uint8_t pin)
{
    d->config[PCI_INTERRUPT_PIN] = pin;
}

uint16_t pci_command(const struct pci_dev *d)
{
    return pci_cfg_r16(d, PCI_COMMAND);
}

/* The header rules every function shares: the writable command bits, the
 * write-one-to-clear status bits, cache line size, latency timer and the
 * interrupt line (PCI 2.1 §6.2.2-6.2.4). */
static void header_defaults(struct pci_dev *d)
{
    pci_cfg_w16(d, PCI_STATUS, 0x0200); /* DEVSEL# medium */
    d->wmask[PCI_COMMAND] = 0x47;       /* I/O, memory, master, parity */
    d->wmask[PCI_COMMAND + 1] = 0x05;   /* SERR#, INTx disable */
    d->w1c[PCI_STATUS + 1] = 0xF9;      /* parity/abort/SERR status bits */
    d->wmask[0x0C] = 0xFF;
    d->wmask[0x0D] = 0xFF;
    d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
}

static void function_setup(struct pci_dev *d)
{
    const struct pci_ops *ops = d->ops;
    void *opaque = d->opaque;
    uint8_t devfn = d->devfn;
    memset(d, 0, sizeof(*d));
    d->ops = ops;
    d->opaque = opaque;
    d->devfn = devfn;
    header_defaults(d);
    if (ops && ops->setup)
        ops->setup(opaque, d);
}

/* A BAR after a write: the low bits that encode the size read as zero, the
 * kind bits are hard-wired, and all-ones is the size probe (§6.2.5.1). */
static void bar_fixup(struct pci_dev *d, int bar, uint32_t kind)
{
    uint8_t reg = (uint8_t)(PCI_BAR0 + 4 * bar);
    uint32_t kind_mask = (kind & PCI_BAR_IO) ? 3u : 15u;
    uint32_t v = pci_cfg_r32(d, reg);
    uint32_t mask = ~(d->bar_size[bar] - 1) & ~kind_mask;
    d->bar_sizing[bar] = (v & mask) == mask;
    if (d->bar_fixed[bar] && !d->bar_sizing[bar])
        v = d->bar_fixed[bar];
    pci_cfg_w32(d, reg, (v & mask) | kind);
}

static void cfg_write(struct pci_dev *d, uint8_t reg, uint32_t v, int size)
{
    uint8_t base = reg & 0xFC;
    uint32_t old = pci_cfg_r32(d, base);
    uint32_t bar_kind[6]; /* hard-wired low bits, before the guest's write */
    for (int b = 0; b < 6; b++)
        bar_kind[b] = d->config[PCI_BAR0 + 4 * b] & ((d->config[PCI_BAR0 + 4 * b] & 1) ? 3u : 15u);
    for (int k = 0; k < size && reg + k < 256; k++) {
        uint8_t off = (uint8_t)(reg + k), b = (uint8_t)(v >> (8 * k));
        d->config[off] = (uint8_t)((d->config[off] & ~d->wmask[off]) | (b & d->wmask[off]));
        d->config[off] &= (uint8_t) ~(b & d->w1c[off]);
    }
    for (int b = 0; b < 6; b++) {
        uint8_t r = (uint8_t)(PCI_BAR0 + 4 * b);
        if (!d->bar_size[b] || reg + size <= r || reg >= r + 4)
            continue;
        bar_fixup(d, b, bar_kind[b]);
    }
    if (d->ops && d->ops->written)
        d->ops->written(d->opaque, d, reg, size, old);
}

static struct pci_dev *lookup(struct pci *p, uint8_t devfn)
{
    struct pci_dev *d = p->fn[devfn];
    if (d)
        return d;
    /* Functions 1-7 only exist behind a multi-function function 0. */
    return NULL;
}

struct pci_dev *pci_find_function(struct machine *m, uint8_t devfn)
{
    return m->pci ? lookup(m->pci, devfn) : NULL;
}

uint32_t pci_config_read(struct machine *m, uint8_t devfn, uint8_t reg, int size)
{
    struct pci_dev *d = pci_find_function(m, devfn);
    if (!d)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (int k = 0; k < size && reg + k < 256; k++)
        v |= (uint32_t)d->config[reg + k] << (8 * k);
    return v;
}

void pci_config_write(struct machine *m, uint8_t devfn, uint8_t reg, uint32_t value, int size)
{
    struct pci_dev *d = pci_find_function(m, devfn);
    if (d)
        cfg_write(d, reg, value, size);
}

struct pci_dev *pci_register_function(struct machine *m, int bus, int dev, int fn, const struct pci_ops *ops,
                                      void *opaque)
{
    struct pci *p = m->pci;
    if (!p) {
        machine_error(m, "PCI function registered without a PCI bus");
        return NULL;
    }
    if (bus != 0 || dev < 0 || dev > 31 || fn < 0 || fn > 7) {
        machine_error(m, "PCI %02x:%02x.%x: no such slot", bus, dev, fn);
        return NULL;
    }
    uint8_t devfn = PCI_DEVFN(dev, fn);
    if (p->fn[devfn]) {
        machine_error(m, "PCI 00:%02x.%x is taken", dev, fn);
        return NULL;
    }
    struct pci_dev *d = calloc(1, sizeof(*d));
    if (!d) {
        machine_error(m, "out of memory");
        return NULL;
    }
    d->ops = ops;
    d->opaque = opaque;
    d->devfn = devfn;
    function_setup(d);
    p->fn[devfn] = d;
    p->owned[devfn] = true;
    return d;
}

/* --- interrupts ---------------------------------------------------------- */

int pci_pirq_route(struct machine *m, int pirq)
{
    struct pci *p = m->pci;
    if (!p || pirq < 0 || pirq > 3)
        return -1;
    uint8_t r = p->isa.config[0x60 + pirq];
    /* PIIX3 §2.2.13 (PIRQRC): bit 7 disables routing; IRQ 0-2, 8 and 13
     * are reserved values. */
    if (r & 0x80)
        return -1;
    r &= 0x0F;
    if (r < 3 || r == 8 || r == 13)
        return -1;
    return r;
}

static void update_irqs(struct pci *p)
{
    bool pirq[4] = {false, false, false, false};
    for (int k = 0; k < 256; k++) {
        struct pci_dev *d = p->fn[k];
        if (!d || !d->intx || !d->config[PCI_INTERRUPT_PIN] || (pci_command(d) & PCI_CMD_INTX_DISABLE))
            continue;
        pirq[((k >> 3) + d->config[PCI_INTERRUPT_PIN] - 1) & 3] = true;
    }
    uint16_t want = 0;
    for (int i = 0; i < 4; i++) {
        int irq = pci_pirq_route(p->m, i);
        if (irq >= 0 && pirq[i])
            want |= (uint16_t)(1u << irq);
    }
    uint16_t changed = want ^ p->irq_driven;
    p->irq_driven = want;
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            pic_set_irq(p->m, irq, (want >> irq) & 1);
}

void pci_set_irq(struct machine *m, uint8_t devfn, bool level)
{
    struct pci *p = m->pci;
    struct pci_dev *d = p ? p->fn[devfn] : NULL;
    if (!d || d->intx == level)
        return;
    d->intx = level;
    update_irqs(p);
}

/* --- i440FX host bridge (82441FX PMC) ------------------------------------ */

/* 82441FX §3.2.18: PAM0 (0x59 bits 5:4) covers F0000-FFFFF; PAM1-6 hold
 * two 16 KB fields each from C0000 up. Bit 0 of a field enables reads from
 * DRAM, bit 1 writes; otherwise the cycle goes to PCI (the ROM). */
static unsigned pam_attr(const struct pci_dev *h, uint32_t addr)
{
    if (addr >= 0xF0000)
        return (h->config[0x59] >> 4) & 3;
    unsigned idx = (addr - PAM_FIRST) / 0x4000;
    uint8_t r = h->config[0x5A + idx / 2];
    return ((idx & 1) ? r >> 4 : r) & 3;
}

static void pam_apply(struct pci *p)
{
    struct machine *m = p->m;
    struct mem *mm = &m->mem;
    if (!p->pam_captured) {
        for (int i = 0; i < PAM_PAGES; i++) {
            p->rom_rd[i] = mm->rd[(PAM_FIRST >> MEM_PAGE_SHIFT) + i];
            p->rom_wr[i] = mm->wr[(PAM_FIRST >> MEM_PAGE_SHIFT) + i];
        }
        p->pam_captured = true;
    }
    for (int i = 0; i < PAM_PAGES; i++) {
        uint32_t addr = PAM_FIRST + (uint32_t)i * MEM_PAGE_SIZE;
        unsigned a = pam_attr(&p->host, addr);
        uint8_t *ram = addr < mm->ram_size ? mm->ram + addr : NULL;
        mm->rd[addr >> MEM_PAGE_SHIFT] = (a & 1) && ram ? ram : p->rom_rd[i];
        mm->wr[addr >> MEM_PAGE_SHIFT] = (a & 2) && ram ? ram : p->rom_wr[i];
    }
    mm->generation++;
}

static void host_setup(void *opaque, struct pci_dev *d)
{
    struct pci *p = opaque;
    pci_config_ids(d, 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    pci_cfg_w16(d, PCI_COMMAND, 0x0006);
    pci_cfg_w16(d, PCI_STATUS, 0x0280);
    d->wmask[PCI_COMMAND] = 0x00;
    d->wmask[PCI_INTERRUPT_LINE] = 0x00;
    for (int r = 0x50; r < 0x80; r++)
        d->wmask[r] = 0xFF;
    d->config[0x51] = 0x01; /* PMCCFG */
    d->config[0x57] = 0x01; /* DRAMC */
    d->config[0x58] = 0x10; /* DRAMT */
    /* DRB0-7: cumulative row boundaries in 8 MB units, as POST would have
     * sized the memory (82441FX §3.2.19). */
    uint32_t units = (p->m->mem.ram_size + (8u << 20) - 1) >> 23;
    for (int r = 0x60; r < 0x68; r++)
        d->config[r] = (uint8_t)(units > 255 ? 255 : units);
    d->config[0x72] = 0x02; /* SMRAM: accepted, not modelled */
}

static void host_written(void *opaque, struct pci_dev *d, uint8_t reg, int size, uint32_t old)
{
    struct pci *p = opaque;
    if (reg + size > 0x59 && reg < 0x60)
        pam_apply(p);
}

static const struct pci_ops host_ops = {"i440fx", host_setup, host_written};

/* --- PIIX3 ISA bridge (function 0) --------------------------------------- */

static void isa_setup(void *opaque, struct pci_dev *d)
{
    (void)opaque;
    /* Header type bit 7: multi-function, so enumerators look for the IDE
     * function behind it. */
    pci_config_ids(d, 0x8086, 0x7000, 0x00, 0x060100, 0x80);
    pci_cfg_w16(d, PCI_COMMAND, 0x0007);
    d->wmask[PCI_COMMAND] = 0x08; /* special cycles only (PIIX3 §2.2.2) */
    d->wmask[PCI_COMMAND + 1] = 0x00;
    d->wmask[PCI_INTERRUPT_LINE] = 0x00;
    for (int r = 0x4C; r < 0x100; r++)
        d->wmask[r] = 0xFF;
    /* PIIX3 §2.2 register defaults. */
    d->config[0x4C] = 0x4D; /* IORT */
    d->config[0x4E] = 0x03; /* XBCS */
    for (int r = 0x60; r < 0x64; r++)
        d->config[r] = 0x80; /* PIRQRC: routing disabled */
    d->config[0x69] = 0x02;  /* TOM */
    d->config[0x70] = 0x80;  /* MBIRQ0 */
    d->config[0x76] = 0x0C;  /* MBDMA0/1 */
    d->config[0x77] = 0x0C;
    d->config[0xA0] = 0x08; /* SMICNTL */
    d->config[0xA8] = 0x0F; /* SMIEN etc. */
}

static void isa_written(void *opaque, struct pci_dev *d, uint8_t reg, int size, uint32_t old)
{
    struct pci *p = opaque;
    if (reg + size > 0x60 && reg < 0x64)
        update_irqs(p);
}

static const struct pci_ops isa_ops = {"piix3-isa", isa_setup, isa_written};

/* --- mechanism #1 ports --------------------------------------------------- */

static uint32_t pci_io_read(void *opaque, uint16_t port, int size)
{
    struct pci *p = opaque;
    if (port >= PCI_DATA_PORT) {
        if (!(p->addr & 0x80000000u) || (p->addr >> 16 & 0xFF) != 0)
            return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
        uint8_t reg = (uint8_t)((p->addr & 0xFC) | (port & 3));
        return pci_config_read(p->m, (uint8_t)(p->addr >> 8), reg, size);
    }
    /* PCI 2.1 §3.7.4.1: only dword accesses to 0xCF8 reach CONFIG_ADDRESS;
     * narrower ones are ordinary I/O (the PIIX3 RC register at 0xCF9). */
    if (port == PCI_ADDR_PORT && size == 4)
        return p->addr;
    if (port == PCI_RC_PORT && size == 1)
        return p->rc;
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void pci_io_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    struct pci *p = opaque;
    if (port >= PCI_DATA_PORT) {
        if (!(p->addr & 0x80000000u) || (p->addr >> 16 & 0xFF) != 0)
            return;
        uint8_t reg = (uint8_t)((p->addr & 0xFC) | (port & 3));
        pci_config_write(p->m, (uint8_t)(p->addr >> 8), reg, v, size);
        return;
    }
    if (port == PCI_ADDR_PORT && size == 4) {
        p->addr = v & 0x80FFFFFCu;
        return;
    }
    if (port == PCI_RC_PORT && size == 1) {
        /* PIIX3 §2.3.1: a 0->1 transition of bit 2 (RCPU) resets the system
         * (bit 1 picks hard or soft reset; both reset the whole PC here). */
        bool go = (v & 4) && !(p->rc & 4);
        p->rc = (uint8_t)(v & 0x02);
        if (go)
            machine_request_reset(p->m);
    }
}

/* --- lifecycle ------------------------------------------------------------ */

static void pci_reset(void *opaque)
{
    struct pci *p = opaque;
    p->addr = 0;
    p->rc = 0;
    for (int k = 0; k < 256; k++)
        if (p->fn[k])
            function_setup(p->fn[k]);
    if (p->pam_captured)
        pam_apply(p);
    update_irqs(p);
}

static void pci_free(void *opaque)
{
    struct pci *p = opaque;
    for (int k = 0; k < 256; k++)
        if (p->owned[k])
            free(p->fn[k]);
    if (p->m->pci == p)
        p->m->pci = NULL;
    free(p);
}

static int pci_state_fn(struct state *s, void *opaque);

int pci_init(struct machine *m)
{
    struct pci *p = calloc(1, sizeof(*p));
    if (!p)
        return machine_error(m, "out of memory");
    p->m = m;
    m->pci = p;
    if (machine_register_device(m, "pci", p, pci_reset, pci_free) < 0) {
        pci_free(p);
        return -1;
    }
    machine_device_state(m, p, 1, pci_state_fn);
    p->host.ops = &host_ops;
    p->host.opaque = p;
    p->host.devfn = PCI_DEVFN(0, 0);
    function_setup(&p->host);
    p->fn[p->host.devfn] = &p->host;
    p->isa.ops = &isa_ops;
    p->isa.opaque = p;
    p->isa.devfn = PCI_DEVFN(1, 0);
    function_setup(&p->isa);
    p->fn[p->isa.devfn] = &p->isa;
    if (bus_register_io(m, PCI_ADDR_PORT, 4, pci_io_read, pci_io_write, p, 0) < 0 ||
        bus_register_io(m, PCI_DATA_PORT, 4, pci_io_read, pci_io_write, p, 0) < 0)
        return -1;
    return 0;
}

/* --- Bochs/QEMU stdvga ------------------------------------------------------ */

#include "devices/video/vga.h"

/* The option ROM behind the expansion ROM BAR (PCI 2.1 §6.2.5.2): the
 * -vgabios image, so firmware that only runs ROMs it finds through PCI
 * (SeaBIOS) copies it to C0000 and runs it. */
struct stdvga {
    struct machine *m;
    uint8_t *rom;
    uint32_t rom_size; /* a power of two, or 0 */
    uint32_t mapped;   /* where the ROM is decoded now, 0 = nowhere */
};

static void stdvga_setup(void *opaque, struct pci_dev *d)
{
    struct stdvga *s = opaque;
    pci_config_ids(d, 0x1234, 0x1111, 0x02, 0x030000, 0x00);
    pci_cfg_w16(d, PCI_SUBSYS_VENDOR, 0x1AF4);
    pci_cfg_w16(d, PCI_SUBSYS_ID, 0x1100);
    /* The VGA ports and windows always decode (as a primary VGA does). */
    pci_cfg_w16(d, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEM);
    /* The framebuffer is mapped once at VGA_LFB_BASE; firmware that moves
     * BAR0 reads the true address back, as it would from a fixed BAR. */
    pci_set_bar(d, 0, VGA_VRAM_SIZE, PCI_BAR_MEM | PCI_BAR_PREFETCH, VGA_LFB_BASE);
    if (s->rom_size) {
        uint32_t mask = ~(s->rom_size - 1);
        for (int k = 0; k < 4; k++)
            d->wmask[0x30 + k] = (uint8_t)(mask >> (8 * k));
        d->wmask[0x30] |= 0x01; /* the decode enable bit */
    }
    if (s->mapped) {
        mem_unmap(s->m, s->mapped, s->rom_size);
        s->mapped = 0;
    }
}

static void stdvga_written(void *opaque, struct pci_dev *d, uint8_t reg, int size, uint32_t old)
{
    struct stdvga *s = opaque;
    if (!s->rom_size)
        return;
    uint32_t bar = pci_cfg_r32(d, 0x30);
    uint32_t want = (bar & 1) && (pci_command(d) & PCI_CMD_MEM) ? bar & ~(s->rom_size - 1) : 0;
    /* All ones is the size probe, not a place (and would wrap at 4 GB). */
    if (want == ~(s->rom_size - 1))
        want = 0;
    if (want == s->mapped)
        return;
    if (s->mapped)
        mem_unmap(s->m, s->mapped, s->rom_size);
    s->mapped = want;
    if (want)
        mem_map_host(s->m, want, s->rom_size, s->rom, false);
}

static void stdvga_free(void *opaque)
{
    struct stdvga *s = opaque;
    free(s->rom);
    free(s);
}

static const struct pci_ops stdvga_ops = {"stdvga", stdvga_setup, stdvga_written};

static bool stdvga_rom_is_pci(const uint8_t *rom, uint32_t len)
{
    if (len < 0x1A)
        return false;
    uint32_t at = rom[0x18] | (uint32_t)rom[0x19] << 8;
    return at + 8 <= len && !memcmp(rom + at, "PCIR", 4) && (rom[at + 4] | rom[at + 5] << 8) == 0x1234 &&
           (rom[at + 6] | rom[at + 7] << 8) == 0x1111;
}

int pci_stdvga_init(struct machine *m)
{
    struct stdvga *s = calloc(1, sizeof(*s));
    if (!s)
        return machine_error(m, "out of memory");
    s->m = m;
    if (machine_register_device(m, "stdvga", s, NULL, stdvga_free) < 0) {
        stdvga_free(s);
        return -1;
    }
    /* Its mapping is derived from the configuration space the bus saves. */
    machine_device_state(m, s, 0, NULL);
    /* Our BIOS has its own video services; only a foreign one runs the
     * card's ROM (vga.c also decodes it at C0000, as an ISA card would). */
    const char *path = m->cfg.bios_file ? m->cfg.vgabios_file : NULL;
    if (path) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return machine_error(m, "cannot open VGA ROM '%s'", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint32_t size = MEM_PAGE_SIZE;
        while (len > 0 && size < (uint32_t)len && size < VGA_ROM_SIZE)
            size <<= 1;
        /* Page-aligned: the memory map hands out whole pages. */
        bool ok = len > 0 && len <= (long)size && !posix_memalign((void **)&s->rom, MEM_PAGE_SIZE, size);
        if (ok) {
            memset(s->rom, 0xFF, size);
            ok = fread(s->rom, 1, (size_t)len, f) == (size_t)len;
        }
        fclose(f);
        if (!ok)
            return machine_error(m, "cannot read VGA ROM '%s' (at most %u KB)", path, VGA_ROM_SIZE >> 10);
        /* Only a PCI option ROM for this card goes behind the BAR: its
         * header points (offset 18h) to a "PCIR" data structure naming the
         * card's vendor and device (PCI 2.1 §6.3.1). An ISA VGA BIOS
         * (SeaBIOS's vgabios-isavga.bin) is then the BIOS of an ISA card,
         * decoded at C0000 only, where the Bochs BIOS's ROM scan wants it:
         * its rombios32 reads a ROM BAR it has not enabled, and would
         * copy the nothing it finds there over C0000-DFFFF. */
        if (stdvga_rom_is_pci(s->rom, (uint32_t)len))
            s->rom_size = size;
    }
    return pci_register_function(m, 0, 2, 0, &stdvga_ops, s) ? 0 : -1;
}

/* The state stream's section (devices/board/state.h): every function's
 * configuration space, then what the bus derives from it (PAM shadowing,
 * BAR mappings, PIRQ routing) rebuilt through the functions' own hooks. */
static int pci_state_fn(struct state *s, void *opaque)
{
    struct pci *p = opaque;
    STATE(s, p->addr);
    STATE(s, p->rc);
    STATE(s, p->irq_driven);
    uint32_t n = 0;
    for (int k = 0; k < 256; k++)
        n += p->fn[k] != NULL;
    uint32_t saved = n;
    STATE(s, saved);
    if (saved != n)
        return state_fail(s, "%u PCI functions saved, this machine has %u", saved, n);
    for (int k = 0, i = 0; k < 256 && (uint32_t)i < n; k++) {
        if (!state_loading(s) && !p->fn[k])
            continue;
        uint8_t devfn = (uint8_t)k;
        STATE(s, devfn);
        struct pci_dev *d = p->fn[devfn];
        if (!d)
            return state_fail(s, "no PCI function %02x.%u here", devfn >> 3, devfn & 7);
        k = devfn;
        i++;
        STATE_ARRAY(s, d->config);
        STATE_ARRAY(s, d->bar_sizing);
        STATE(s, d->intx);
    }
    if (state_loading(s) && !state_failed(s)) {
        pam_apply(p);
        for (int k = 0; k < 256; k++) {
            struct pci_dev *d = p->fn[k];
            if (d && d != &p->host && d->ops && d->ops->written)
                d->ops->written(d->opaque, d, PCI_COMMAND, 2, pci_cfg_r32(d, PCI_COMMAND));
        }
        update_irqs(p);
    }
    return 0;
}

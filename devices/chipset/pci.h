/* PCI bus 0: configuration mechanism #1 (0xCF8/0xCFC), a registry of
 * functions with 256-byte configuration spaces, INTx routing through the
 * PIIX3 PIRQ registers, and the i440FX host bridge and PIIX3 ISA bridge. */
#ifndef REX86_PCI_H
#define REX86_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pci;

/* Configuration space offsets (PCI 2.1 §6.1). */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION = 0x08,
    PCI_PROG_IF = 0x09,
    PCI_CLASS = 0x0A, /* sub-class at 0x0A, base class at 0x0B */
    PCI_HEADER_TYPE = 0x0E,
    PCI_BAR0 = 0x10,
    PCI_SUBSYS_VENDOR = 0x2C,
    PCI_SUBSYS_ID = 0x2E,
    PCI_INTERRUPT_LINE = 0x3C,
    PCI_INTERRUPT_PIN = 0x3D,
};
#define PCI_CMD_IO           0x0001u
#define PCI_CMD_MEM          0x0002u
#define PCI_CMD_MASTER       0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u

/* BAR kinds for pci_set_bar. */
#define PCI_BAR_MEM      0x0u
#define PCI_BAR_IO       0x1u
#define PCI_BAR_PREFETCH 0x8u

#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

/* One function's configuration space. config holds the register values;
 * wmask the bits the guest may write; w1c the write-one-to-clear bits.
 * All plain data, so a state stream can save it as it is. */
struct pci_dev {
    uint8_t config[256];
    uint8_t wmask[256];
    uint8_t w1c[256];
    uint32_t bar_size[6];  /* 0 = no BAR there; else a power of two */
    uint32_t bar_fixed[6]; /* nonzero: the address cannot move (see pci_set_bar) */
    bool bar_sizing[6];    /* the last write was the all-ones size probe */
    uint8_t devfn;
    bool intx; /* the function's INTx# output */
    const struct pci_ops *ops;
    void *opaque;
};

/* What a function supplies. Every hook may be NULL. */
struct pci_ops {
    const char *name;
    /* Fill the power-on configuration: called at registration and at every
     * machine reset, after config/wmask/w1c/BARs were cleared. */
    void (*setup)(void *opaque, struct pci_dev *d);
    /* After the guest wrote `size` bytes at `reg` (already merged through
     * wmask); `old` holds the dword at reg & ~3 before the write. */
    void (*written)(void *opaque, struct pci_dev *d, uint8_t reg, int size, uint32_t old);
};

/* Registers the bus (ports 0xCF8-0xCFF), the host bridge at 00:00.0 and
 * the PIIX3 ISA bridge at 00:01.0; stores it in m->pci. Returns 0 or -1. */
int pci_init(struct machine *m);
/* Adds a function on bus 0 (bus must be 0). Returns its configuration
 * space, or NULL (machine_error) when the slot is taken or invalid. */
struct pci_dev *pci_register_function(struct machine *m, int bus, int dev, int fn, const struct pci_ops *ops,
                                      void *opaque);

/* Helpers for setup hooks. class_code is base<<16 | sub<<8 | prog_if. */
void pci_config_ids(struct pci_dev *d, uint16_t vendor, uint16_t device, uint8_t rev, uint32_t class_code,
                    uint8_t header_type);
/* A BAR of `size` bytes (a power of two, at least 4 for I/O and 16 for
 * memory) of kind PCI_BAR_IO or PCI_BAR_MEM (| PCI_BAR_PREFETCH). When
 * fixed_addr is nonzero the address reads back as fixed_addr whatever is
 * written (except the size probe), for memory a device cannot move. */
void pci_set_bar(struct pci_dev *d, int bar, uint32_t size, uint32_t kind, uint32_t fixed_addr);
/* The decoded address a BAR holds now (0 when unassigned or sizing). */
uint32_t pci_bar_address(const struct pci_dev *d, int bar);
/* INTA#..INTD# = 1..4; 0 = none. */
void pci_set_interrupt_pin(struct pci_dev *d, uint8_t pin);
uint16_t pci_command(const struct pci_dev *d);

static inline void pci_cfg_w16(struct pci_dev *d, uint8_t reg, uint16_t v)
{
    d->config[reg] = (uint8_t)v;
    d->config[reg + 1] = (uint8_t)(v >> 8);
}
static inline void pci_cfg_w32(struct pci_dev *d, uint8_t reg, uint32_t v)
{
    pci_cfg_w16(d, reg, (uint16_t)v);
    pci_cfg_w16(d, (uint8_t)(reg + 2), (uint16_t)(v >> 16));
}
static inline uint16_t pci_cfg_r16(const struct pci_dev *d, uint8_t reg)
{
    return (uint16_t)(d->config[reg] | d->config[reg + 1] << 8);
}
static inline uint32_t pci_cfg_r32(const struct pci_dev *d, uint8_t reg)
{
    return pci_cfg_r16(d, reg) | (uint32_t)pci_cfg_r16(d, (uint8_t)(reg + 2)) << 16;
}

/* Drive the INTx# output of function `devfn` (level-triggered, active
 * while `level`). It reaches the ISA IRQ that the PIIX3 PIRQ register of
 * its PIRQ line names (nothing while that routing is disabled). The board
 * wires INTA# of slot `dev` to PIRQ[(dev + pin - 1) mod 4]. */
void pci_set_irq(struct machine *m, uint8_t devfn, bool level);
/* The ISA IRQ that PIRQA..D (0-3) is routed to, or -1 when disabled. */
int pci_pirq_route(struct machine *m, int pirq);

/* Configuration cycles as mechanism #1 would make them (tests, firmware). */
uint32_t pci_config_read(struct machine *m, uint8_t devfn, uint8_t reg, int size);
void pci_config_write(struct machine *m, uint8_t devfn, uint8_t reg, uint32_t value, int size);
struct pci_dev *pci_find_function(struct machine *m, uint8_t devfn);

/* The Bochs/QEMU "stdvga" function 1234:1111 at 00:02.0 describing the
 * VGA's linear framebuffer (BAR0) so PCI-aware drivers find it. */
int pci_stdvga_init(struct machine *m);

#endif

/* Inside the BIOS: struct bios, the ROM layout, guest memory and register
 * helpers shared by the service files (post.c, disk.c, keyboard.c, ...). */
#ifndef REX86_BIOS_PRIV_H
#define REX86_BIOS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "bios/bios.h"
#include "devices/board/machine.h"
#include "devices/storage/image/image.h"

#define BIOS_ROM_BASE 0xF0000u
#define BIOS_ROM_SIZE 0x10000u
#define BIOS_SEG      0xF000u

/* Traps that are not interrupt services (those use their vector number). */
enum {
    BT_POST = 0xF0,   /* POST proper; AL = shutdown-resume action */
    BT_OPTROM = 0xF1, /* enter the next option ROM, if any */
    BT_POST_END = 0xF2,
    BT_FLOPPY = 0x40, /* INT 40h: the floppy half of INT 13h */
};

/* Fixed IBM PC/AT entry points and tables inside the ROM segment (old
 * programs jump to or read them directly). */
enum {
    ROM_POST = 0xE05B,
    ROM_NMI = 0xE2C3,
    ROM_INT13_HD = 0xE3FE,
    ROM_FDPT = 0xE401, /* two 16-byte fixed disk parameter tables */
    ROM_INT19 = 0xE6F2,
    ROM_CONFIG = 0xE6F5, /* INT 15h C0h system configuration table */
    ROM_BAUD = 0xE729,
    ROM_INT14 = 0xE739,
    ROM_INT16 = 0xE82E,
    ROM_INT09 = 0xE987,
    ROM_INT13_FD = 0xEC59,
    ROM_INT0E = 0xEF57,
    ROM_DPT = 0xEFC7, /* INT 1Eh diskette parameter table */
    ROM_INT17 = 0xEFD2,
    ROM_INT10 = 0xF065,
    ROM_INT12 = 0xF841,
    ROM_INT11 = 0xF84D,
    ROM_INT15 = 0xF859,
    ROM_INT1A = 0xFE6E,
    ROM_INT08 = 0xFEA5,
    ROM_IRET = 0xFF53,
    ROM_INT05 = 0xFF54,
    ROM_RESET = 0xFFF0,
    ROM_DATE = 0xFFF5,
    ROM_MODEL = 0xFFFE,
};

/* One BIOS drive as INT 13h sees it: a whole image, or a window of the CD
 * image for El Torito emulation. Offsets and counts in bytes / 512-byte
 * sectors; CD no-emulation drives use 2048-byte sectors. */
enum bios_disk_kind { BDK_FLOPPY, BDK_HDD, BDK_CD };

struct bios_disk {
    struct disk_image *img;
    enum bios_disk_kind kind;
    uint64_t offset;  /* byte offset into the image */
    uint64_t sectors; /* in units of sector_size */
    uint32_t sector_size;
    struct disk_geometry lgeom; /* logical geometry for CHS calls */
    enum floppy_type ftype;
    bool emulated; /* El Torito emulation of a floppy/hard disk */
    uint8_t dl;    /* drive number */
};

#define BIOS_MAX_DISKS 6

struct bios {
    struct machine *m;
    uint8_t *rom; /* 64 KB */
    struct disk_image *fd_img[2], *hd_img[2], *cd_img;
    bool owns_images; /* opened here (no FDC/IDE to borrow them from) */
    struct bios_disk disks[BIOS_MAX_DISKS];
    int ndisks;
    int nfloppies, nhdds;
    /* El Torito state for INT 13h 4Bh. */
    bool cd_booted;
    uint8_t cd_media; /* boot catalog media type */
    uint32_t cd_boot_rba;
    uint16_t cd_load_seg, cd_load_count;
    uint8_t cd_emul_dl; /* drive number of the emulated disk (or CD) */

    uint16_t ivt[256]; /* F000:offset of each vector's handler, 0 = none */
    uint32_t optrom_next;
    uint16_t rom_optrom_scan;
    /* the scan trap, where option ROMs return */ /* next address the option ROM scan looks at */
    uint8_t kbd_e1_skip;                          /* bytes of a Pause sequence still to drop */

    /* Set by a service: the stub waits (and repeats the trap) or, for
     * hardware handlers, takes its alternate path. */
    bool wait, wait_hlt, signal;
};

static inline struct bios *bios_of(struct machine *m)
{
    return m->bios;
}

/* Registers. */
#define R_AL(c) CPU_R8(c, 0)
#define R_CL(c) CPU_R8(c, 1)
#define R_DL(c) CPU_R8(c, 2)
#define R_BL(c) CPU_R8(c, 3)
#define R_AH(c) CPU_R8(c, 4)
#define R_CH(c) CPU_R8(c, 5)
#define R_DH(c) CPU_R8(c, 6)
#define R_BH(c) CPU_R8(c, 7)
#define R_AX(c) CPU_R16(c, R_EAX)
#define R_CX(c) CPU_R16(c, R_ECX)
#define R_DX(c) CPU_R16(c, R_EDX)
#define R_BX(c) CPU_R16(c, R_EBX)
#define R_SP(c) CPU_R16(c, R_ESP)
#define R_BP(c) CPU_R16(c, R_EBP)
#define R_SI(c) CPU_R16(c, R_ESI)
#define R_DI(c) CPU_R16(c, R_EDI)

/* Guest memory by linear address (follows the guest's page tables when
 * paging is on, as under EMM386 or Windows). */
void bios_read(struct machine *m, uint32_t lin, void *dst, uint32_t len);
void bios_write(struct machine *m, uint32_t lin, const void *src, uint32_t len);
uint8_t bios_rd8(struct machine *m, uint32_t lin);
uint16_t bios_rd16(struct machine *m, uint32_t lin);
uint32_t bios_rd32(struct machine *m, uint32_t lin);
void bios_wr8(struct machine *m, uint32_t lin, uint8_t v);
void bios_wr16(struct machine *m, uint32_t lin, uint16_t v);
void bios_wr32(struct machine *m, uint32_t lin, uint32_t v);
#define BDA(off) (0x400u + (off))
/* Linear address of seg:off through the segment cache (real/V86 mode). */
static inline uint32_t bios_lin(struct machine *m, int seg, uint32_t off)
{
    return m->cpu.seg[seg].base + off;
}

/* The caller's FLAGS image on the stack (the IRET frame above SS:SP). */
void bios_set_caller_flags(struct machine *m, uint32_t mask, uint32_t value);
static inline void bios_set_cf(struct machine *m, bool on)
{
    bios_set_caller_flags(m, F_CF, on ? F_CF : 0);
}
static inline void bios_set_zf(struct machine *m, bool on)
{
    bios_set_caller_flags(m, F_ZF, on ? F_ZF : 0);
}
/* AH = status, CF = (status != 0): the common INT 13h/15h/1Ah return. */
void bios_ret(struct machine *m, uint8_t status);
/* Push a word onto the guest stack (SS:SP, 16-bit). */
void bios_push16(struct machine *m, uint16_t v);

/* Port I/O as the BIOS would do it. */
uint8_t bios_inb(struct machine *m, uint16_t port);
void bios_outb(struct machine *m, uint16_t port, uint8_t v);
uint8_t bios_cmos_read(struct machine *m, uint8_t reg);
void bios_cmos_write(struct machine *m, uint8_t reg, uint8_t v);

/* ROM builder (rom.c). */
void bios_rom_build(struct machine *m);

/* Services. */
int bios_disk_attach(struct machine *m); /* disk.c: open images */
void bios_disk_free(struct bios *b);
void bios_disk_table(struct bios *b);
void bios_disk_post(struct machine *m); /* BDA/CMOS/FDPT for drives */
void bios_int13(struct machine *m, bool floppy_only);
struct bios_disk *bios_disk_find(struct machine *m, uint8_t dl);
int bios_disk_rw(struct machine *m, struct bios_disk *d, bool write, uint64_t lba, uint32_t count,
                 uint32_t buf_lin);
void bios_int13_ext(struct machine *m, struct bios_disk *d); /* disk_edd.c: AH >= 41h */
/* disk_edd.c: El Torito boot: loads the boot image, returns 0 with the
 * entry segment (offset 0 / 7C00h) and the drive number for DL. */
int bios_cd_boot(struct machine *m, uint16_t *seg, uint16_t *off, uint8_t *dl);
void bios_post(struct machine *m); /* post.c */
void bios_optrom(struct machine *m);
void bios_int19(struct machine *m); /* boot.c */

/* The memory map (E820 types: 1 RAM, 2 reserved), shared by INT 15h E820
 * and the direct kernel boot. Returns the number of entries (at most 8). */
struct e820 {
    uint64_t base, len;
    uint32_t type;
};
int bios_e820_map(struct machine *m, struct e820 *e); /* system.c */
/* mptable.c: MP tables at ROM offset fp_off (returns the bytes used, 0
 * without an APIC), POST's virtual wire set-up, and the byte checksum the
 * MP and ACPI tables share. */
#define ROM_TABLES     0xC000u /* 8 KB for the MP and ACPI tables */
#define ROM_TABLES_END 0xE000u
uint32_t bios_mptable_build(struct machine *m, uint8_t *rom, uint32_t fp_off);
void bios_apic_post(struct machine *m);
uint8_t bios_checksum(const uint8_t *p, uint32_t len);
/* acpi.c: RSDP, RSDT, FADT, FACS, MADT and DSDT from ROM offset `off`
 * (returns the bytes used, 0 on a board without APICs and PM registers). */
uint32_t bios_acpi_build(struct machine *m, uint8_t *rom, uint32_t off);
void bios_int18(struct machine *m);
void bios_int09(struct machine *m); /* keyboard.c */
void bios_int16(struct machine *m);
void bios_kbd_post(struct machine *m);
void bios_int15(struct machine *m); /* system.c */
void bios_int08(struct machine *m); /* time.c */
void bios_int1a(struct machine *m);
void bios_int70(struct machine *m);
void bios_time_post(struct machine *m);
void bios_int11(struct machine *m); /* misc.c */
void bios_int12(struct machine *m);
void bios_int14(struct machine *m);
void bios_int17(struct machine *m);
void bios_pci(struct machine *m);

#endif

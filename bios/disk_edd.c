/* INT 13h extensions (EDD 41h-49h, El Torito 4Bh) and El Torito CD boot
 * in no-emulation, floppy-emulation and hard-disk-emulation modes. */
#include <string.h>

#include "bios/bios_priv.h"

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_status(struct machine *m, uint8_t dl, uint8_t st)
{
    bios_wr8(m, dl & 0x80 ? BDA(0x74) : BDA(0x41), st);
    bios_ret(m, st);
}

/* AH=42h/43h/44h/47h: the disk address packet at DS:SI. */
static uint8_t dap_transfer(struct machine *m, struct bios_disk *d, uint8_t ah)
{
    struct cpu *c = &m->cpu;
    uint32_t dap = bios_lin(m, S_DS, R_SI(c));
    uint8_t p[0x18];
    bios_read(m, dap, p, sizeof(p));
    if (p[0] < 0x10)
        return 0x01;
    uint32_t count = le16(p + 2);
    uint16_t off = le16(p + 4), seg = le16(p + 6);
    uint64_t lba = le32(p + 8) | (uint64_t)le32(p + 12) << 32;
    uint32_t buf = (uint32_t)seg * 16u + off;
    if (off == 0xFFFF && seg == 0xFFFF && p[0] >= 0x18)
        buf = le32(p + 0x10); /* EDD 3.0 flat buffer address */
    if (lba > d->sectors || count > d->sectors - lba) {
        bios_wr16(m, dap + 2, 0);
        return 0x04;
    }
    if (ah == 0x44 || ah == 0x47 || count == 0)
        return 0;
    uint8_t st = (uint8_t)bios_disk_rw(m, d, ah == 0x43, lba, count, buf);
    if (st)
        bios_wr16(m, dap + 2, 0);
    return st;
}

static uint8_t get_params(struct machine *m, struct bios_disk *d)
{
    struct cpu *c = &m->cpu;
    uint32_t at = bios_lin(m, S_DS, R_SI(c));
    uint16_t size = bios_rd16(m, at);
    if (size < 0x1A)
        return 0x01;
    uint8_t p[0x1E];
    memset(p, 0, sizeof(p));
    uint16_t out = size >= 0x1E ? 0x1E : 0x1A;
    uint16_t flags = 0x0002; /* CHS information valid */
    uint32_t cyl = d->lgeom.cylinders, heads = d->lgeom.heads, spt = d->lgeom.sectors;
    if (d->kind == BDK_HDD && !d->emulated) {
        cyl = d->img->geom.cylinders;
        heads = d->img->geom.heads;
        spt = d->img->geom.sectors;
    }
    if (d->kind == BDK_CD) {
        flags = 0x0034; /* removable, change line, lockable */
        cyl = heads = spt = 0;
    } else if (d->kind == BDK_FLOPPY) {
        flags |= 0x0014;
    }
    p[0] = (uint8_t)out;
    p[2] = (uint8_t)flags;
    p[3] = (uint8_t)(flags >> 8);
    uint32_t v[3] = {cyl, heads, spt};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 4; j++)
            p[4 + 4 * k + j] = (uint8_t)(v[k] >> (8 * j));
    for (int j = 0; j < 8; j++)
        p[16 + j] = (uint8_t)(d->sectors >> (8 * j));
    p[24] = (uint8_t)d->sector_size;
    p[25] = (uint8_t)(d->sector_size >> 8);
    if (out >= 0x1E)
        memset(p + 26, 0xFF, 4); /* no device parameter table extension */
    bios_write(m, at, p, out);
    return 0;
}

/* AH=4Bh: El Torito specification packet at DS:SI; AL=00 also ends the
 * emulation (the emulated drive stays visible: nothing relies on its
 * removal, and the boot image keeps working). */
static uint8_t eltorito_status(struct machine *m)
{
    struct bios *b = m->bios;
    struct cpu *c = &m->cpu;
    if (!b->cd_booted || R_AL(c) > 1)
        return 0x01;
    uint8_t p[0x13];
    memset(p, 0, sizeof(p));
    p[0] = 0x13;
    p[1] = b->cd_media;
    p[2] = b->cd_emul_dl;
    for (int j = 0; j < 4; j++)
        p[4 + j] = (uint8_t)(b->cd_boot_rba >> (8 * j));
    p[0x0C] = (uint8_t)b->cd_load_seg;
    p[0x0D] = (uint8_t)(b->cd_load_seg >> 8);
    p[0x0E] = (uint8_t)b->cd_load_count;
    p[0x0F] = (uint8_t)(b->cd_load_count >> 8);
    struct bios_disk *d = bios_disk_find(m, b->cd_emul_dl);
    if (d && d->kind != BDK_CD) {
        uint32_t maxc = d->lgeom.cylinders - 1;
        p[0x10] = (uint8_t)maxc;
        p[0x11] = (uint8_t)((d->lgeom.sectors & 0x3F) | ((maxc >> 2) & 0xC0));
        p[0x12] = (uint8_t)(d->lgeom.heads - 1);
    }
    bios_write(m, bios_lin(m, S_DS, R_SI(c)), p, sizeof(p));
    return 0;
}

void bios_int13_ext(struct machine *m, struct bios_disk *d)
{
    struct cpu *c = &m->cpu;
    uint8_t ah = R_AH(c), dl = R_DL(c);
    if (ah == 0x4B) {
        set_status(m, dl, eltorito_status(m));
        return;
    }
    /* EDD covers hard disks and CDs; floppies keep the CHS interface. */
    if (!d || (d->kind == BDK_FLOPPY && !d->emulated)) {
        set_status(m, dl, 0x01);
        return;
    }
    switch (ah) {
    case 0x41:
        if (R_BX(c) != 0x55AA) {
            set_status(m, dl, 0x01);
            return;
        }
        R_BX(c) = 0xAA55;
        R_CX(c) = d->kind == BDK_CD ? 0x0007 : 0x0005; /* 42h-44h,47h,48h; EDD; 45h/46h/49h for CD */
        R_AH(c) = 0x30;                                /* EDD 3.0 */
        bios_set_cf(m, false);
        return;
    case 0x42:
    case 0x43:
    case 0x44:
    case 0x47: set_status(m, dl, dap_transfer(m, d, ah)); return;
    case 0x45: /* lock/unlock: nothing ejects our media */
        R_AL(c) = 0;
        set_status(m, dl, 0);
        return;
    case 0x46: set_status(m, dl, d->kind == BDK_CD ? 0xB1 : 0x01); return;
    case 0x48: set_status(m, dl, get_params(m, d)); return;
    case 0x49: set_status(m, dl, 0); return;
    case 0x4E: set_status(m, dl, 0); return;
    default: set_status(m, dl, 0x01); return;
    }
}

static struct bios_disk *insert_disk(struct bios *b)
{
    if (b->ndisks >= BIOS_MAX_DISKS)
        return NULL;
    struct bios_disk *d = &b->disks[b->ndisks++];
    memset(d, 0, sizeof(*d));
    return d;
}

int bios_cd_boot(struct machine *m, uint16_t *seg, uint16_t *off, uint8_t *dl)
{
    struct bios *b = m->bios;
    struct disk_image *img = b->cd_img;
    uint8_t s[2048];
    if (!img || image_read(img, 17, 1, s) < 0)
        return -1;
    if (s[0] != 0 || memcmp(s + 1, "CD001", 5) || memcmp(s + 7, "EL TORITO SPECIFICATION", 23))
        return -1;
    uint32_t cat = le32(s + 0x47);
    if (image_read(img, cat, 1, s) < 0 || s[0] != 0x01 || s[0x1E] != 0x55 || s[0x1F] != 0xAA)
        return -1;
    uint16_t sum = 0;
    for (int k = 0; k < 32; k += 2)
        sum = (uint16_t)(sum + le16(s + k));
    if (sum != 0)
        return -1;
    const uint8_t *e = s + 0x20;
    if (e[0] != 0x88)
        return -1;
    uint8_t media = e[1] & 0x0F;
    uint16_t load_seg = le16(e + 2) ? le16(e + 2) : 0x07C0;
    uint16_t count = le16(e + 6);
    uint32_t rba = le32(e + 8);
    uint64_t base = (uint64_t)rba * 2048;
    if (base >= img->size)
        return -1;

    /* Re-booting (INT 19h twice) must not add the drive twice. */
    for (int k = 0; k < b->ndisks; k++)
        if (b->disks[k].img == img)
            return -1;
    struct bios_disk *d = insert_disk(b);
    if (!d)
        return -1;
    d->img = img;
    d->offset = base;
    d->emulated = media != 0;
    static const struct disk_geometry fg[4] = {{0, 0, 0}, {80, 2, 15}, {80, 2, 18}, {80, 2, 36}};
    static const enum floppy_type ft[4] = {FLOPPY_NONE, FLOPPY_1200K, FLOPPY_1440K, FLOPPY_2880K};
    uint8_t boot[512];
    if (media == 0) {
        /* No emulation: the loader itself, count virtual 512-byte sectors
         * at load_seg:0, and the CD as a 2048-byte-sector drive. */
        d->kind = BDK_CD;
        d->sector_size = 2048;
        d->offset = 0;
        d->sectors = img->sectors;
        d->dl = 0xE0;
        uint32_t bytes = (uint32_t)count * 512u;
        if (bytes == 0 || base + bytes > img->size || (uint32_t)load_seg * 16u + bytes > 0xA0000) {
            b->ndisks--;
            return -1;
        }
        uint8_t chunk[2048];
        for (uint32_t at = 0; at < bytes; at += 2048) {
            uint32_t n = bytes - at < 2048 ? bytes - at : 2048;
            if (image_read_bytes(img, base + at, n, chunk) < 0) {
                b->ndisks--;
                return -1;
            }
            bios_write(m, (uint32_t)load_seg * 16u + at, chunk, n);
        }
        *seg = load_seg;
        *off = 0;
    } else if (media <= 3) {
        d->kind = BDK_FLOPPY;
        d->sector_size = 512;
        d->lgeom = fg[media];
        d->ftype = ft[media];
        d->sectors = (uint64_t)d->lgeom.cylinders * d->lgeom.heads * d->lgeom.sectors;
        if (base + d->sectors * 512 > img->size) {
            b->ndisks--;
            return -1;
        }
        /* The emulated diskette becomes A:, real ones move up. */
        for (int k = 0; k < b->ndisks - 1; k++)
            if (b->disks[k].kind == BDK_FLOPPY)
                b->disks[k].dl++;
        d->dl = 0x00;
        b->nfloppies++;
        uint16_t eq = bios_rd16(m, BDA(0x10));
        eq = (uint16_t)((eq & ~0x00C1u) | 0x0001 | ((b->nfloppies > 1 ? 1u : 0u) << 6));
        bios_wr16(m, BDA(0x10), eq);
        if (image_read_bytes(img, base, 512, boot) < 0) {
            b->ndisks--;
            return -1;
        }
        bios_write(m, 0x7C00, boot, 512);
        *seg = 0;
        *off = 0x7C00;
    } else if (media == 4) {
        d->kind = BDK_HDD;
        d->sector_size = 512;
        if (image_read_bytes(img, base, 512, boot) < 0 || boot[510] != 0x55 || boot[511] != 0xAA) {
            b->ndisks--;
            return -1;
        }
        d->sectors = (img->size - base) / 512;
        image_guess_hdd(img->size - base, boot, &d->lgeom);
        if (d->lgeom.cylinders > 1024)
            d->lgeom.cylinders = 1024;
        for (int k = 0; k < b->ndisks - 1; k++)
            if (b->disks[k].kind == BDK_HDD)
                b->disks[k].dl++;
        d->dl = 0x80;
        b->nhdds++;
        bios_wr8(m, BDA(0x75), (uint8_t)b->nhdds);
        bios_write(m, 0x7C00, boot, 512);
        *seg = 0;
        *off = 0x7C00;
    } else {
        b->ndisks--;
        return -1;
    }
    b->cd_booted = true;
    b->cd_media = media;
    b->cd_boot_rba = rba;
    b->cd_load_seg = load_seg;
    b->cd_load_count = count;
    b->cd_emul_dl = d->dl;
    *dl = d->dl;
    return 0;
}

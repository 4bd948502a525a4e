/* INT 13h for floppies and hard disks, straight to the disk images (not
 * through the FDC/IDE models): drive table, CHS translation, read, write,
 * verify, format, parameters, type, change line. EDD is in disk_edd.c. */
#include <stdlib.h>
#include <string.h>

#include "bios/bios_priv.h"
#include "devices/storage/fdc.h"
#include "devices/storage/ide.h"

/* BIOS (logical) geometry for a hard disk: the image's own when it fits
 * the 1024-cylinder CHS interface, else LBA-assisted translation (heads
 * doubled up to 255, 63 sectors), as period BIOSes did for large disks. */
static void hdd_logical_geometry(const struct disk_image *img, struct disk_geometry *lg)
{
    *lg = img->geom;
    if (lg->cylinders <= 1024)
        return;
    uint64_t total = img->sectors;
    if (img->geom.heads != 16 || img->geom.sectors != 63) {
        /* The partition table already names a translated geometry. */
        lg->cylinders = 1024;
        return;
    }
    uint32_t heads = 16;
    while (heads < 255 && total / (heads * 63ull) > 1024)
        heads = heads == 128 ? 255 : heads * 2;
    uint64_t cyl = total / (heads * 63ull);
    lg->heads = heads;
    lg->sectors = 63;
    lg->cylinders = (uint32_t)(cyl > 1024 ? 1024 : cyl ? cyl : 1);
}

static int open_drive(struct machine *m, const char *path, enum image_type type, const char *what,
                      struct disk_image **out)
{
    char err[300];
    struct disk_image *img = image_open(path, type == IMAGE_CDROM, err, sizeof(err));
    if (!img)
        return machine_error(m, "%s: %s", what, err);
    if (image_set_type(img, type, err, sizeof(err)) < 0) {
        image_close(img);
        return machine_error(m, "%s: %s", what, err);
    }
    *out = img;
    return 0;
}

static struct bios_disk *add_disk(struct bios *b)
{
    if (b->ndisks >= BIOS_MAX_DISKS)
        return NULL;
    struct bios_disk *d = &b->disks[b->ndisks++];
    memset(d, 0, sizeof(*d));
    return d;
}

int bios_disk_attach(struct machine *m)
{
    struct bios *b = m->bios;
    const char *fpath[2] = {m->cfg.fda, m->cfg.fdb}, *hpath[2] = {m->cfg.hda, m->cfg.hdb};
    static const char *fname[2] = {"-fda", "-fdb"}, *hname[2] = {"-hda", "-hdb"};
    /* The floppy controller and the IDE own the images when they exist;
     * INT 13h borrows theirs, so each image has one owner and writes are
     * never split between two file handles. A machine without them (unit
     * tests) has the BIOS open and own the images itself. */
    b->owns_images = !m->fdc && !m->ide;
    for (int k = 0; k < 2; k++) {
        if (!b->owns_images) {
            b->fd_img[k] = fdc_drive_image(m, k);
            b->hd_img[k] = ide_drive_image(m, k);
            continue;
        }
        if (fpath[k] && fpath[k][0] && open_drive(m, fpath[k], IMAGE_FLOPPY, fname[k], &b->fd_img[k]) < 0)
            return -1;
        if (hpath[k] && hpath[k][0] && open_drive(m, hpath[k], IMAGE_HDD, hname[k], &b->hd_img[k]) < 0)
            return -1;
    }
    if (!b->owns_images)
        b->cd_img = ide_drive_image(m, 2);
    else if (m->cfg.cdrom && m->cfg.cdrom[0] &&
             open_drive(m, m->cfg.cdrom, IMAGE_CDROM, "-cdrom", &b->cd_img) < 0)
        return -1;

    bios_disk_table(b);
    return 0;
}

/* The drive table from the attached images, as at power on (INT 19h and
 * reset drop any El Torito drive added by an earlier CD boot). */
void bios_disk_table(struct bios *b)
{
    b->ndisks = b->nfloppies = b->nhdds = 0;
    for (int k = 0; k < 2; k++) {
        if (!b->fd_img[k])
            continue;
        struct bios_disk *d = add_disk(b);
        d->img = b->fd_img[k];
        d->kind = BDK_FLOPPY;
        d->sector_size = 512;
        d->sectors = d->img->sectors;
        d->lgeom = d->img->geom;
        d->ftype = d->img->floppy_type;
        d->dl = (uint8_t)b->nfloppies++;
    }
    for (int k = 0; k < 2; k++) {
        if (!b->hd_img[k])
            continue;
        struct bios_disk *d = add_disk(b);
        d->img = b->hd_img[k];
        d->kind = BDK_HDD;
        d->sector_size = 512;
        d->sectors = d->img->sectors;
        hdd_logical_geometry(d->img, &d->lgeom);
        d->dl = (uint8_t)(0x80 + b->nhdds++);
    }
}

void bios_disk_free(struct bios *b)
{
    for (int k = 0; k < 2; k++) {
        if (b->owns_images) {
            image_close(b->fd_img[k]);
            image_close(b->hd_img[k]);
        }
        b->fd_img[k] = b->hd_img[k] = NULL;
    }
    if (b->owns_images)
        image_close(b->cd_img);
    b->cd_img = NULL;
    b->ndisks = 0;
}

struct bios_disk *bios_disk_find(struct machine *m, uint8_t dl)
{
    struct bios *b = m->bios;
    for (int k = 0; k < b->ndisks; k++)
        if (b->disks[k].dl == dl)
            return &b->disks[k];
    return NULL;
}

/* CMOS drive types and the BDA's diskette state, as POST leaves them. */
void bios_disk_post(struct machine *m)
{
    struct bios *b = m->bios;
    uint8_t t[2] = {0, 0};
    for (int k = 0; k < b->ndisks; k++) {
        struct bios_disk *d = &b->disks[k];
        if (d->kind == BDK_FLOPPY && d->dl < 2) {
            t[d->dl] = (uint8_t)d->ftype;
            /* Media state: rate (500k for HD media, 250k else), established. */
            uint8_t rate = (d->ftype == FLOPPY_1440K || d->ftype == FLOPPY_1200K || d->ftype == FLOPPY_2880K)
                               ? 0x00
                               : 0x80;
            bios_wr8(m, BDA(0x90 + d->dl), (uint8_t)(rate | 0x10 | 0x07));
        }
    }
    bios_cmos_write(m, 0x10, (uint8_t)(t[0] << 4 | t[1]));
    uint8_t hd = 0;
    if (b->nhdds > 0)
        hd |= 0xF0;
    if (b->nhdds > 1)
        hd |= 0x0F;
    bios_cmos_write(m, 0x12, hd);
    bios_cmos_write(m, 0x19, b->nhdds > 0 ? 47 : 0); /* user-defined type */
    bios_cmos_write(m, 0x1A, b->nhdds > 1 ? 47 : 0);
    bios_wr8(m, BDA(0x75), (uint8_t)b->nhdds);
    bios_wr8(m, BDA(0x8F), 0x77); /* both drives: 80 tracks, change line */
}

/* Transfers between a drive and guest memory at a linear address; count in
 * the drive's sectors. Returns an INT 13h status. */
int bios_disk_rw(struct machine *m, struct bios_disk *d, bool write, uint64_t lba, uint32_t count,
                 uint32_t buf_lin)
{
    if (lba > d->sectors || count > d->sectors - lba)
        return 0x04; /* sector not found */
    if (write && d->img->readonly)
        return 0x03; /* write protected */
    uint8_t *buf = malloc(65536);
    if (!buf)
        return 0x20;
    uint64_t off = d->offset + lba * d->sector_size;
    uint64_t left = (uint64_t)count * d->sector_size;
    int st = 0;
    while (left && !st) {
        size_t n = left > 65536 ? 65536 : (size_t)left;
        if (write) {
            bios_read(m, buf_lin, buf, (uint32_t)n);
            if (image_write_bytes(d->img, off, n, buf) < 0)
                st = 0xCC; /* write fault */
        } else {
            if (image_read_bytes(d->img, off, n, buf) < 0)
                st = d->kind == BDK_FLOPPY ? 0x04 : 0x10;
            else
                bios_write(m, buf_lin, buf, (uint32_t)n);
        }
        off += n;
        buf_lin += (uint32_t)n;
        left -= n;
    }
    free(buf);
    return st;
}

static void set_status(struct machine *m, uint8_t dl, uint8_t st)
{
    bios_wr8(m, dl & 0x80 ? BDA(0x74) : BDA(0x41), st);
    bios_ret(m, st);
}

/* AH=02/03/04: CHS in CX/DH, AL sectors, ES:BX buffer. */
static uint8_t chs_rw(struct machine *m, struct bios_disk *d, uint8_t ah)
{
    struct cpu *c = &m->cpu;
    uint32_t cyl = R_CH(c) | (uint32_t)(R_CL(c) & 0xC0) << 2;
    uint32_t sec = R_CL(c) & 0x3F, head = R_DH(c), count = R_AL(c);
    const struct disk_geometry *g = &d->lgeom;
    if (d->kind == BDK_CD)
        return 0x01;
    if (count == 0 || sec == 0 || (d->kind == BDK_FLOPPY && count > 128))
        return 0x01;
    if (sec > g->sectors || head >= g->heads || cyl >= g->cylinders)
        return 0x04;
    uint64_t lba = ((uint64_t)cyl * g->heads + head) * g->sectors + sec - 1;
    if (d->kind == BDK_FLOPPY) {
        bios_wr8(m, BDA(0x3F), (uint8_t)(bios_rd8(m, BDA(0x3F)) | (1u << (d->dl & 1))));
        bios_wr8(m, BDA(0x40), 0x25); /* about two seconds until motor off */
        bios_wr8(m, BDA(0x3E), (uint8_t)(bios_rd8(m, BDA(0x3E)) | (1u << (d->dl & 1))));
    }
    if (ah == 0x04) /* verify: the data is there if it can be read */
        return lba + count <= d->sectors ? 0 : 0x04;
    return (uint8_t)bios_disk_rw(m, d, ah == 0x03, lba, count, bios_lin(m, S_ES, R_BX(c)));
}

static uint8_t format_track(struct machine *m, struct bios_disk *d)
{
    struct cpu *c = &m->cpu;
    if (d->kind != BDK_FLOPPY)
        return 0; /* hard disks: low-level format is a no-op */
    const struct disk_geometry *g = &d->lgeom;
    uint32_t cyl = R_CH(c), head = R_DH(c);
    if (head >= g->heads || cyl >= g->cylinders)
        return 0x04;
    if (d->img->readonly)
        return 0x03;
    uint8_t fill[512];
    memset(fill, 0xF6, sizeof(fill));
    uint64_t lba = ((uint64_t)cyl * g->heads + head) * g->sectors;
    for (uint32_t s = 0; s < g->sectors; s++)
        if (image_write_bytes(d->img, d->offset + (lba + s) * 512, 512, fill) < 0)
            return 0x04;
    return 0;
}

static void get_params(struct machine *m, struct bios_disk *d, uint8_t dl)
{
    struct cpu *c = &m->cpu;
    struct bios *b = m->bios;
    if (!d || d->kind == BDK_CD) {
        set_status(m, dl, 0x01);
        return;
    }
    const struct disk_geometry *g = &d->lgeom;
    uint32_t maxc = g->cylinders - 1;
    if (maxc > 1023)
        maxc = 1023;
    R_CH(c) = (uint8_t)maxc;
    R_CL(c) = (uint8_t)((g->sectors & 0x3F) | ((maxc >> 2) & 0xC0));
    R_DH(c) = (uint8_t)(g->heads - 1);
    if (d->kind == BDK_FLOPPY) {
        R_AL(c) = 0;
        R_BL(c) = (uint8_t)d->ftype;
        R_BH(c) = 0;
        R_DL(c) = (uint8_t)b->nfloppies;
        cpu_load_seg_real(c, S_ES, BIOS_SEG);
        R_DI(c) = ROM_DPT;
    } else {
        R_DL(c) = (uint8_t)b->nhdds;
    }
    set_status(m, dl, 0);
}

void bios_int13(struct machine *m, bool floppy_only)
{
    struct cpu *c = &m->cpu;
    uint8_t ah = R_AH(c), dl = R_DL(c);
    struct bios_disk *d = bios_disk_find(m, dl);
    if (floppy_only && (dl & 0x80)) {
        set_status(m, dl, 0x01);
        return;
    }
    if (ah >= 0x41 && ah <= 0x4E) {
        bios_int13_ext(m, d);
        return;
    }
    switch (ah) {
    case 0x00:
    case 0x0D: set_status(m, dl, (!d && (dl & 0x80)) ? 0x01 : 0); break;
    case 0x01: {
        uint8_t st = bios_rd8(m, dl & 0x80 ? BDA(0x74) : BDA(0x41));
        R_AH(c) = st;
        bios_set_cf(m, st != 0);
        break;
    }
    case 0x02:
    case 0x03:
    case 0x04: {
        uint8_t st = d ? chs_rw(m, d, ah) : (dl & 0x80 ? 0x01 : 0x80);
        if (st)
            R_AL(c) = 0;
        set_status(m, dl, st);
        break;
    }
    case 0x05: set_status(m, dl, d ? format_track(m, d) : 0x01); break;
    case 0x08: get_params(m, d, dl); break;
    case 0x09: /* init controller */
    case 0x0C: /* seek */
    case 0x10: /* ready */
    case 0x11: /* recalibrate */
    case 0x14: /* diagnostics */
    case 0x19: /* park */ set_status(m, dl, d ? 0 : (dl & 0x80 ? 0x01 : 0x80)); break;
    case 0x15:
        if (!d || d->kind == BDK_CD) {
            R_AH(c) = 0;
        } else if (d->kind == BDK_FLOPPY) {
            R_AH(c) = 0x02; /* change line available */
        } else {
            uint32_t n = d->lgeom.cylinders * d->lgeom.heads * d->lgeom.sectors;
            R_AH(c) = 0x03;
            R_CX(c) = (uint16_t)(n >> 16);
            R_DX(c) = (uint16_t)n;
        }
        bios_set_cf(m, false);
        break;
    case 0x16: /* disk change: images are not swapped behind DOS's back */
        set_status(m, dl, d ? 0x00 : 0x80);
        break;
    case 0x17: set_status(m, dl, d ? 0 : 0x80); break;
    case 0x18:
        if (!d) {
            set_status(m, dl, 0x80);
            break;
        }
        cpu_load_seg_real(c, S_ES, BIOS_SEG);
        R_DI(c) = ROM_DPT;
        set_status(m, dl, 0);
        break;
    default: set_status(m, dl, 0x01); break;
    }
}

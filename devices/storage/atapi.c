/* The ATAPI CD-ROM: the PACKET protocol (ATA/ATAPI-6 §9.8-9.9, byte count
 * limit, interrupt reason) and the SCSI/MMC commands a host needs to use an
 * ISO image: sense, inquiry, capacity, READ(10/12), TOC, mode pages,
 * configuration, media events, lock and eject, unit attention. */
#include <stdio.h>
#include <string.h>

#include "devices/storage/ide_priv.h"

#define CD_SECTOR 2048u

/* Sense keys and additional sense codes (SPC-3 §4.5.6, annex D). */
enum {
    SK_NOT_READY = 0x02,
    SK_MEDIUM_ERROR = 0x03,
    SK_ILLEGAL_REQUEST = 0x05,
    SK_UNIT_ATTENTION = 0x06,
};
#define ASC_INVALID_OPCODE     0x20
#define ASC_LBA_OUT_OF_RANGE   0x21
#define ASC_INVALID_FIELD      0x24
#define ASC_MEDIUM_CHANGED     0x28
#define ASC_SAVING_UNSUPPORTED 0x39
#define ASC_NO_MEDIUM          0x3A
#define ASC_REMOVAL_PREVENTED  0x53

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}
static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static uint32_t get32(const uint8_t *p)
{
    return get16(p) << 16 | get16(p + 2);
}

void atapi_signature(struct ide_channel *c)
{
    /* ATA/ATAPI-6 §9.12: the packet device signature is 14h/EBh in the
     * cylinder registers. */
    c->lcyl = 0x14;
    c->hcyl = 0xEB;
}

void atapi_reset(struct ide_drive *d)
{
    d->sense_key = d->asc = d->ascq = 0;
    d->locked = false;
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-6 §8.16). */
void atapi_identify(struct ide_channel *c, struct ide_drive *d)
{
    uint16_t w[256];
    char serial[21];
    memset(w, 0, sizeof(w));
    snprintf(serial, sizeof(serial), "REX86CD%04d", c->index * 2 + c->cur);
    /* ATAPI, CD-ROM device type 5, removable, DRQ within 50 us, 12-byte
     * packets. */
    w[0] = 0x85C0;
    ide_put_string(w, 10, 10, serial);
    ide_put_string(w, 23, 4, "1.0");
    ide_put_string(w, 27, 20, "REX86 CD-ROM");
    w[49] = 0x0B00; /* LBA, DMA, IORDY */
    w[53] = 0x0007;
    w[63] = 0x0007;
    w[64] = 0x0003;
    w[65] = 0x00B4;
    w[66] = 0x00B4;
    w[67] = 0x012C;
    w[68] = 0x00B4;
    w[71] = 30;
    w[72] = 30;
    w[80] = 0x001E; /* ATA-1 to ATA-4 */
    w[82] = 0x4010; /* NOP, PACKET */
    w[84] = 0x4000;
    w[85] = 0x4010;
    w[87] = 0x4000;
    w[88] = 0x003F;
    for (int k = 0; k < 256; k++) {
        d->buf[2 * k] = (uint8_t)w[k];
        d->buf[2 * k + 1] = (uint8_t)(w[k] >> 8);
    }
}

/* --- phases -------------------------------------------------------------------- */

static void complete(struct ide_channel *c, struct ide_drive *d)
{
    d->xfer = XFER_NONE;
    d->status = ST_DRDY;
    c->nsector = (uint8_t)((c->nsector & 0xF8) | IR_IO | IR_COD);
    ide_raise(c);
}

static void check_condition(struct ide_channel *c, struct ide_drive *d, uint8_t key, uint8_t asc)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = 0;
    d->xfer = XFER_NONE;
    /* The ATAPI error register carries the sense key in bits 7:4. */
    d->error = (uint8_t)(key << 4 | ER_ABRT);
    d->status = ST_DRDY | ST_ERR;
    c->nsector = (uint8_t)((c->nsector & 0xF8) | IR_IO | IR_COD);
    ide_raise(c);
}

/* Offers the next chunk of the reply: at most the byte count limit, and an
 * even count unless it is the last (ATA/ATAPI-6 §9.9, "byte count"). */
static void offer_chunk(struct ide_channel *c, struct ide_drive *d)
{
    uint32_t left = d->atapi_total - d->atapi_sent, n = left;
    if (n > d->byte_limit)
        n = d->byte_limit & ~1u;
    if (d->atapi_from_img) {
        if (image_read_bytes(d->img, d->atapi_img_off + d->atapi_sent, n, d->buf) < 0) {
            check_condition(c, d, SK_MEDIUM_ERROR, 0x11);
            return;
        }
        d->pos = 0;
        d->end = n;
    } else {
        d->pos = d->atapi_sent;
        d->end = d->atapi_sent + n;
    }
    d->atapi_sent += n;
    c->lcyl = (uint8_t)n;
    c->hcyl = (uint8_t)(n >> 8);
    c->nsector = (uint8_t)((c->nsector & 0xF8) | IR_IO);
    d->xfer = XFER_ATAPI_IN;
    d->status = ST_DRDY | ST_DRQ;
    ide_raise(c);
}

void atapi_data_next(struct ide_channel *c)
{
    struct ide_drive *d = ide_cur(c);
    if (d->atapi_sent < d->atapi_total)
        offer_chunk(c, d);
    else
        complete(c, d);
}

void atapi_dma_done(struct ide_channel *c, bool ok)
{
    struct ide_drive *d = ide_cur(c);
    if (ok)
        complete(c, d);
    else
        check_condition(c, d, SK_MEDIUM_ERROR, 0x11);
}

/* Sends total bytes: the first `total` bytes of buf, or image data from
 * img_off. */
static void send(struct ide_channel *c, struct ide_drive *d, uint32_t total, bool from_img, uint64_t img_off)
{
    if (!total) {
        complete(c, d);
        return;
    }
    d->atapi_total = total;
    d->atapi_sent = 0;
    d->atapi_from_img = from_img;
    d->atapi_img_off = img_off;
    if (d->atapi_dma) {
        d->dma_to_mem = true;
        d->dma_from_img = from_img;
        d->dma_img_off = img_off;
        d->dma_len = total;
        ide_dma_begin(c);
        return;
    }
    offer_chunk(c, d);
}

static void send_buf(struct ide_channel *c, struct ide_drive *d, uint32_t len, uint32_t alloc)
{
    send(c, d, len < alloc ? len : alloc, false, 0);
}

void atapi_packet_cmd(struct ide_channel *c)
{
    struct ide_drive *d = ide_cur(c);
    d->atapi_dma = c->feature & 0x01;
    d->byte_limit = c->lcyl | (uint32_t)c->hcyl << 8;
    /* A limit of 0 is not allowed; treat it, and FFFFh, as the largest
     * even count. */
    if (d->byte_limit == 0 || d->byte_limit == 0xFFFF)
        d->byte_limit = 0xFFFE;
    d->pos = 0;
    d->end = 12;
    d->xfer = XFER_PACKET;
    c->nsector = (uint8_t)((c->nsector & 0xF8) | IR_COD);
    /* IDENTIFY word 0 bits 6:5 = 10b: DRQ within 50 us, no interrupt. */
    d->status = ST_DRDY | ST_DRQ;
}

/* --- the commands ---------------------------------------------------------------------- */

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150; /* MMC: LBA 0 is MSF 00:02:00 */
    p[0] = 0;
    p[1] = (uint8_t)(lba / (75 * 60));
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
}

static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        lba_to_msf(p, lba);
    else
        put32(p, lba);
}

/* READ TOC/PMA/ATIP (MMC-3 §5.23): one data track. Returns the length or
 * -1 for an invalid field. */
static int read_toc(struct ide_drive *d, const uint8_t *cdb, uint8_t *out)
{
    bool msf = cdb[1] & 0x02;
    unsigned format = cdb[2] & 0x0F, start = cdb[6];
    if (!format)
        format = cdb[9] >> 6; /* the older SFF-8020 place */
    uint32_t leadout = (uint32_t)d->img->sectors;
    int n = 4;
    switch (format) {
    case 0:
        if (start > 1 && start != 0xAA)
            return -1;
        out[2] = 1;
        out[3] = 1;
        if (start <= 1) {
            memset(out + n, 0, 8);
            out[n + 1] = 0x14; /* ADR 1, data track */
            out[n + 2] = 1;
            put_addr(out + n + 4, 0, msf);
            n += 8;
        }
        memset(out + n, 0, 8);
        out[n + 1] = 0x14;
        out[n + 2] = 0xAA;
        put_addr(out + n + 4, leadout, msf);
        n += 8;
        break;
    case 1: /* session information: one session starting at track 1 */
        out[2] = 1;
        out[3] = 1;
        memset(out + n, 0, 8);
        out[n + 1] = 0x14;
        out[n + 2] = 1;
        put_addr(out + n + 4, 0, msf);
        n += 8;
        break;
    default: return -1;
    }
    put16(out, (uint32_t)n - 2);
    return n;
}

/* Mode pages (MMC-3 §5.5.10): 01h error recovery, 2Ah capabilities. For
 * "changeable values" every bit reads zero. */
static int mode_page(struct ide_drive *d, unsigned page, bool changeable, uint8_t *p)
{
    switch (page) {
    case 0x01:
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 0x06;
        if (!changeable)
            p[3] = 5; /* read retry count */
        return 8;
    case 0x2A:
        memset(p, 0, 22);
        p[0] = 0x2A;
        p[1] = 0x14;
        if (changeable)
            return 22;
        p[2] = 0x00;                                     /* reads CD-ROM only */
        p[4] = 0x71;                                     /* audio play, mode 2 form 1/2, multi-session */
        p[5] = 0x03;                                     /* CD-DA commands, accurate stream */
        p[6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0)); /* tray, eject, lock */
        p[7] = 0x03;
        put16(p + 8, 706);  /* 4x, KB/s */
        put16(p + 10, 256); /* volume levels */
        put16(p + 12, 512); /* buffer KB */
        put16(p + 14, 706);
        return 22;
    default: return 0;
    }
}

static int mode_sense(struct ide_drive *d, const uint8_t *cdb, bool ten, uint8_t *out)
{
    unsigned page = cdb[2] & 0x3F, pc = cdb[2] >> 6;
    int hdr = ten ? 8 : 4, n = hdr;
    if (pc == 3)
        return -2; /* saved values */
    memset(out, 0, (size_t)hdr);
    if (page == 0x3F) {
        n += mode_page(d, 0x01, pc == 1, out + n);
        n += mode_page(d, 0x2A, pc == 1, out + n);
    } else {
        int k = mode_page(d, page, pc == 1, out + n);
        if (!k)
            return -1;
        n += k;
    }
    /* Medium type: 01h 120 mm CD-ROM data only, 70h no disc (MMC-3). */
    uint8_t medium = d->img ? 0x01 : 0x70;
    if (ten) {
        put16(out, (uint32_t)n - 2);
        out[2] = medium;
    } else {
        out[0] = (uint8_t)(n - 1);
        out[1] = medium;
    }
    return n;
}

/* GET CONFIGURATION (MMC-3 §5.6): the profile list and the core feature. */
static int get_configuration(struct ide_drive *d, const uint8_t *cdb, uint8_t *out)
{
    unsigned rt = cdb[1] & 3, first = get16(cdb + 2);
    int n = 8;
    memset(out, 0, 8);
    put16(out + 6, d->img ? 0x0008 : 0); /* current profile: CD-ROM */
    if (rt == 2 ? first == 0 : first == 0) {
        uint8_t *f = out + n;
        memset(f, 0, 8);
        f[2] = 0x03; /* persistent, current */
        f[3] = 4;
        put16(f + 4, 0x0008);
        f[6] = d->img ? 0x01 : 0x00;
        n += 8;
    }
    if (rt == 2 ? first == 1 : first <= 1) {
        uint8_t *f = out + n;
        memset(f, 0, 12);
        put16(f, 0x0001);
        f[2] = 0x07; /* version 1, persistent, current */
        f[3] = 8;
        put32(f + 4, 0x00000002); /* physical interface: ATAPI */
        n += 12;
    }
    put32(out, (uint32_t)n - 4);
    return n;
}

/* Commands that do not wait for a unit attention to be collected
 * (SPC-3 §5.9.7; MMC-3 §4.1.6.1 for GET EVENT STATUS NOTIFICATION). */
static bool passes_ua(uint8_t op)
{
    return op == 0x12 || op == 0x03 || op == 0x46 || op == 0x4A;
}

static bool needs_medium(uint8_t op)
{
    return op == 0x00 || op == 0x25 || op == 0x28 || op == 0xA8 || op == 0x43 || op == 0x2B;
}

void atapi_packet_done(struct ide_channel *c)
{
    struct ide_drive *d = ide_cur(c);
    uint8_t cdb[12];
    memcpy(cdb, d->buf, 12);
    memcpy(d->packet, cdb, 12);
    uint8_t op = cdb[0], *out = d->buf;
    if (d->unit_attention && !passes_ua(op)) {
        d->unit_attention = false;
        check_condition(c, d, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED);
        return;
    }
    if (needs_medium(op) && !d->img) {
        check_condition(c, d, SK_NOT_READY, ASC_NO_MEDIUM);
        return;
    }
    switch (op) {
    case 0x00: /* TEST UNIT READY */
    case 0x2B: /* SEEK(10) */
    case 0xBB: /* SET CD SPEED */ complete(c, d); return;
    case 0x03:                   /* REQUEST SENSE: fixed format, then the sense is consumed */
        if (d->unit_attention) { /* SPC-3 §5.9.7: reported and cleared here */
            d->unit_attention = false;
            d->sense_key = SK_UNIT_ATTENTION;
            d->asc = ASC_MEDIUM_CHANGED;
            d->ascq = 0;
        }
        memset(out, 0, 18);
        out[0] = 0x70;
        out[2] = d->sense_key;
        out[7] = 10;
        out[12] = d->asc;
        out[13] = d->ascq;
        d->sense_key = d->asc = d->ascq = 0;
        send_buf(c, d, 18, cdb[4]);
        return;
    case 0x12:               /* INQUIRY */
        if (cdb[1] & 0x01) { /* no vital product data pages */
            check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        memset(out, 0, 36);
        out[0] = 0x05; /* CD/DVD device */
        out[1] = 0x80; /* removable */
        out[2] = 0x00;
        out[3] = 0x21; /* ATAPI version 2, response data format 1 */
        out[4] = 31;
        memcpy(out + 8, "REX86   ", 8);
        memcpy(out + 16, "REX86 CD-ROM    ", 16);
        memcpy(out + 32, "1.0 ", 4);
        send_buf(c, d, 36, get16(cdb + 3));
        return;
    case 0x1B: { /* START STOP UNIT */
        bool loej = cdb[4] & 0x02, start = cdb[4] & 0x01;
        if (loej && !start && d->img) {
            if (d->locked) {
                check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED);
                return;
            }
            /* The disc stays owned (the BIOS may hold it) until reloaded. */
            d->parked = d->img;
            d->img = NULL;
        } else if (loej && start && !d->img && d->parked) {
            d->img = d->parked;
            d->parked = NULL;
            d->unit_attention = true;
        }
        complete(c, d);
        return;
    }
    case 0x1E: /* PREVENT ALLOW MEDIUM REMOVAL */
        d->locked = cdb[4] & 0x01;
        complete(c, d);
        return;
    case 0x25: /* READ CAPACITY */
        put32(out, (uint32_t)d->img->sectors - 1);
        put32(out + 4, CD_SECTOR);
        send_buf(c, d, 8, 8);
        return;
    case 0x28:   /* READ(10) */
    case 0xA8: { /* READ(12) */
        uint32_t lba = get32(cdb + 2), count = op == 0x28 ? get16(cdb + 7) : get32(cdb + 6);
        if ((uint64_t)lba + count > d->img->sectors) {
            check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
            return;
        }
        uint64_t bytes = (uint64_t)count * CD_SECTOR;
        if (bytes > 0xFFFFFFFFu - CD_SECTOR) {
            check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        send(c, d, (uint32_t)bytes, true, (uint64_t)lba * CD_SECTOR);
        return;
    }
    case 0x43: { /* READ TOC */
        int n = read_toc(d, cdb, out);
        if (n < 0) {
            check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        send_buf(c, d, (uint32_t)n, get16(cdb + 7));
        return;
    }
    case 0x1A:   /* MODE SENSE(6) */
    case 0x5A: { /* MODE SENSE(10) */
        int n = mode_sense(d, cdb, op == 0x5A, out);
        if (n < 0) {
            check_condition(c, d, SK_ILLEGAL_REQUEST, n == -2 ? ASC_SAVING_UNSUPPORTED : ASC_INVALID_FIELD);
            return;
        }
        send_buf(c, d, (uint32_t)n, op == 0x5A ? get16(cdb + 7) : cdb[4]);
        return;
    }
    case 0x46: /* GET CONFIGURATION */
        send_buf(c, d, (uint32_t)get_configuration(d, cdb, out), get16(cdb + 7));
        return;
    case 0x4A: /* GET EVENT STATUS NOTIFICATION: polled, media class only */
        if (!(cdb[1] & 0x01)) {
            check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        memset(out, 0, 8);
        out[3] = 0x10; /* supported classes: media */
        if (cdb[4] & 0x10) {
            put16(out, 6);
            out[2] = 0x04;                 /* media class */
            out[5] = d->img ? 0x02 : 0x00; /* media present */
            send_buf(c, d, 8, get16(cdb + 7));
        } else {
            put16(out, 2);
            out[2] = 0x80; /* no event available */
            send_buf(c, d, 4, get16(cdb + 7));
        }
        return;
    default: check_condition(c, d, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE); return;
    }
}

/* The IDE controller: ATA task file and commands (ATA/ATAPI-6), PIO data
 * transfers, IRQ 14/15, bus-master DMA and the PIIX3 IDE PCI function; the
 * packet commands of the CD-ROM are in atapi.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/chipset/pic.h"
#include "devices/storage/ide_priv.h"

static const uint16_t ch_base[2] = {0x1F0, 0x170}, ch_ctl[2] = {0x3F6, 0x376};
static const int ch_irq[2] = {14, 15};

/* --- interrupts ----------------------------------------------------------- */

static void update_irq(struct ide_channel *c)
{
    bool line = c->intrq && !(c->devctl & DC_NIEN);
    if (line == c->irq_line)
        return;
    c->irq_line = line;
    /* Legacy ("compatibility") mode: the PIIX3 drives ISA IRQ 14/15. */
    pic_set_irq(c->ide->m, c->irq, line);
}

void ide_raise(struct ide_channel *c)
{
    c->intrq = true;
    c->bm_status |= 0x04; /* PIIX3 §2.6.2: IDEINTS follows the IRQ line */
    update_irq(c);
}

static void lower(struct ide_channel *c)
{
    c->intrq = false;
    update_irq(c);
}

void ide_abort(struct ide_channel *c)
{
    struct ide_drive *d = ide_cur(c);
    d->xfer = XFER_NONE;
    d->error = ER_ABRT;
    d->status = (uint8_t)(ST_DRDY | ST_ERR | (d->atapi ? 0 : ST_DSC));
    ide_raise(c);
}

/* --- identification ---------------------------------------------------------- */

void ide_put_string(uint16_t *words, int first, int count, const char *s)
{
    size_t n = strlen(s);
    for (int k = 0; k < count * 2; k++) {
        uint8_t ch = (size_t)k < n ? (uint8_t)s[k] : ' ';
        /* ATA-6 §3.2.9: the first character is in bits 15:8 of the word. */
        if (k & 1)
            words[first + k / 2] |= ch;
        else
            words[first + k / 2] = (uint16_t)(ch << 8);
    }
}

static void put_words(uint8_t *buf, const uint16_t *w)
{
    for (int k = 0; k < 256; k++) {
        buf[2 * k] = (uint8_t)w[k];
        buf[2 * k + 1] = (uint8_t)(w[k] >> 8);
    }
}

static uint32_t cur_cylinders(const struct ide_drive *d)
{
    uint64_t cyl = d->img->sectors / ((uint64_t)d->cur_heads * d->cur_spt);
    return cyl > 65535 ? 65535 : (uint32_t)cyl;
}

/* IDENTIFY DEVICE (ATA/ATAPI-6 §8.15, table 16). */
static void ata_identify(struct ide_channel *c, struct ide_drive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof(w));
    uint64_t total = d->img->sectors;
    char serial[21];
    snprintf(serial, sizeof(serial), "REX86HD%04d", c->index * 2 + c->cur);
    w[0] = 0x0040; /* fixed device */
    w[1] = (uint16_t)d->geom.cylinders;
    w[3] = (uint16_t)d->geom.heads;
    w[6] = (uint16_t)d->geom.sectors;
    ide_put_string(w, 10, 10, serial);
    ide_put_string(w, 23, 4, "1.0");
    ide_put_string(w, 27, 20, "REX86 HARDDISK");
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0B00; /* LBA, DMA, IORDY */
    w[50] = 0x4000;
    w[51] = 0x0200; /* PIO mode 2 timing */
    w[53] = 0x0007; /* words 54-58, 64-70 and 88 valid */
    if (d->cur_heads && d->cur_spt) {
        uint32_t cyl = cur_cylinders(d);
        uint32_t cap = cyl * d->cur_heads * d->cur_spt;
        w[54] = (uint16_t)cyl;
        w[55] = (uint16_t)d->cur_heads;
        w[56] = (uint16_t)d->cur_spt;
        w[57] = (uint16_t)cap;
        w[58] = (uint16_t)(cap >> 16);
    }
    w[59] = d->mult ? (uint16_t)(0x0100 | d->mult) : 0;
    uint32_t lba28 = total > 0x0FFFFFFF ? 0x0FFFFFFF : (uint32_t)total;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    w[63] = 0x0007; /* multiword DMA 0-2 */
    w[64] = 0x0003; /* PIO 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007E; /* ATA-1 to ATA-6 */
    w[82] = 0x4060; /* NOP, write cache, look-ahead */
    w[83] = 0x7400; /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses */
    w[84] = 0x4000;
    w[85] = (uint16_t)(0x4040 | (d->write_cache ? 0x20 : 0));
    w[86] = 0x3400;
    w[87] = 0x4000;
    w[88] = 0x003F; /* UDMA 0-5 supported */
    if (d->xfer_mode >= 0x40 && d->xfer_mode <= 0x45)
        w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    else if (d->xfer_mode >= 0x20 && d->xfer_mode <= 0x22)
        w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    w[93] = 0x6001 | 0x0008; /* device 0/1 diagnostics passed, 80-wire cable */
    for (int k = 0; k < 4; k++)
        w[100 + k] = (uint16_t)(total >> (16 * k));
    put_words(d->buf, w);
}

/* Registers after power on, reset or EXECUTE DEVICE DIAGNOSTIC
 * (ATA/ATAPI-6 §9.12 "signature"). */
static void set_signature(struct ide_channel *c)
{
    struct ide_drive *d = c->drv[0].present ? &c->drv[0] : &c->drv[1];
    c->nsector = c->sector = 1;
    c->lcyl = c->hcyl = 0;
    if (d->present && d->atapi)
        atapi_signature(c);
}

static void drive_reset(struct ide_drive *d)
{
    d->xfer = XFER_NONE;
    d->pos = d->end = 0;
    d->error = 0x01; /* diagnostic code: no error */
    d->status = d->atapi ? 0 : ST_DRDY | ST_DSC;
    if (d->atapi)
        atapi_reset(d);
}

static void channel_soft_reset(struct ide_channel *c)
{
    for (int k = 0; k < 2; k++)
        if (c->drv[k].present)
            drive_reset(&c->drv[k]);
    c->cur = 0;
    c->select &= 0xE0; /* device 0 selected after a reset */
    set_signature(c);
}

/* --- addressing ------------------------------------------------------------------- */

static bool get_lba(struct ide_channel *c, struct ide_drive *d, bool lba48, uint64_t *lba)
{
    if (lba48) {
        *lba = c->sector | (uint64_t)c->lcyl << 8 | (uint64_t)c->hcyl << 16 | (uint64_t)c->hob_sector << 24 |
               (uint64_t)c->hob_lcyl << 32 | (uint64_t)c->hob_hcyl << 40;
        return true;
    }
    if (c->select & 0x40) {
        *lba =
            c->sector | (uint64_t)c->lcyl << 8 | (uint64_t)c->hcyl << 16 | (uint64_t)(c->select & 0x0F) << 24;
        return true;
    }
    uint32_t cyl = c->lcyl | (uint32_t)c->hcyl << 8, head = c->select & 0x0F, s = c->sector;
    if (!d->cur_heads || !d->cur_spt || s == 0 || s > d->cur_spt || head >= d->cur_heads)
        return false;
    *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + s - 1;
    return true;
}

/* Back into the task file: where a transfer stopped (ATA-6 §8: "normal
 * outputs" of the read/write commands name the last sector). */
static void put_lba(struct ide_channel *c, struct ide_drive *d, uint64_t lba, bool lba48)
{
    if (lba48) {
        c->sector = (uint8_t)lba;
        c->lcyl = (uint8_t)(lba >> 8);
        c->hcyl = (uint8_t)(lba >> 16);
        c->hob_sector = (uint8_t)(lba >> 24);
        c->hob_lcyl = (uint8_t)(lba >> 32);
        c->hob_hcyl = (uint8_t)(lba >> 40);
    } else if (c->select & 0x40) {
        c->sector = (uint8_t)lba;
        c->lcyl = (uint8_t)(lba >> 8);
        c->hcyl = (uint8_t)(lba >> 16);
        c->select = (uint8_t)((c->select & 0xF0) | ((lba >> 24) & 0x0F));
    } else if (d->cur_heads && d->cur_spt) {
        uint32_t s = (uint32_t)(lba % d->cur_spt) + 1;
        uint64_t t = lba / d->cur_spt;
        uint32_t head = (uint32_t)(t % d->cur_heads), cyl = (uint32_t)(t / d->cur_heads);
        c->sector = (uint8_t)s;
        c->lcyl = (uint8_t)cyl;
        c->hcyl = (uint8_t)(cyl >> 8);
        c->select = (uint8_t)((c->select & 0xF0) | head);
    }
}

static uint32_t get_count(struct ide_channel *c, bool lba48)
{
    if (lba48) {
        uint32_t n = c->nsector | (uint32_t)c->hob_nsector << 8;
        return n ? n : 65536;
    }
    return c->nsector ? c->nsector : 256;
}

static void fail(struct ide_channel *c, uint8_t err)
{
    struct ide_drive *d = ide_cur(c);
    d->xfer = XFER_NONE;
    d->error = err;
    d->status = ST_DRDY | ST_DSC | ST_ERR;
    ide_raise(c);
}

/* --- PIO transfers -------------------------------------------------------------- */

static uint32_t block_sectors(struct ide_drive *d, bool multiple)
{
    uint32_t n = multiple ? d->mult : 1;
    return n < d->left ? n : d->left;
}

/* Loads the next block of a read into buf and offers it (DRQ + IRQ). */
static void read_block(struct ide_channel *c, struct ide_drive *d, bool multiple)
{
    uint32_t n = block_sectors(d, multiple);
    if (image_read(d->img, d->lba, n, d->buf) < 0) {
        put_lba(c, d, d->lba, d->lba48_cmd);
        fail(c, ER_UNC);
        return;
    }
    d->lba += n;
    d->left -= n;
    d->pos = 0;
    d->end = n * 512;
    d->xfer = XFER_PIO_IN;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_raise(c);
}

static void start_rw(struct ide_channel *c, struct ide_drive *d, bool write, bool lba48, bool multiple,
                     bool dma)
{
    uint64_t lba;
    uint32_t count = get_count(c, lba48);
    if (multiple && !d->mult) {
        ide_abort(c);
        return;
    }
    if (!get_lba(c, d, lba48, &lba) || lba > d->img->sectors || count > d->img->sectors - lba) {
        fail(c, ER_IDNF);
        return;
    }
    if (write && d->img->readonly) {
        ide_abort(c);
        return;
    }
    d->lba = lba;
    d->left = count;
    d->lba48_cmd = lba48;
    d->dma_to_mem = !write;
    if (dma) {
        d->dma_from_img = true;
        d->dma_img_off = lba * 512;
        d->dma_len = count * 512;
        ide_dma_begin(c);
        return;
    }
    d->multi_cmd = multiple;
    if (!write) {
        read_block(c, d, multiple);
        return;
    }
    uint32_t n = block_sectors(d, multiple);
    d->pos = 0;
    d->end = n * 512;
    d->xfer = XFER_PIO_OUT;
    /* ATA-6 §9.7 (PIO data-out): the first block is requested without an
     * interrupt. */
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
}

static void pio_in_done(struct ide_channel *c, struct ide_drive *d)
{
    if (d->xfer == XFER_ATAPI_IN) {
        atapi_data_next(c);
        return;
    }
    if (d->left) {
        read_block(c, d, d->multi_cmd);
        return;
    }
    put_lba(c, d, d->lba - 1, d->lba48_cmd);
    d->xfer = XFER_NONE;
    d->status = ST_DRDY | ST_DSC;
}

static void pio_out_done(struct ide_channel *c, struct ide_drive *d)
{
    if (d->xfer == XFER_PACKET) {
        atapi_packet_done(c);
        return;
    }
    uint32_t n = d->end / 512;
    if (image_write(d->img, d->lba, n, d->buf) < 0) {
        put_lba(c, d, d->lba, d->lba48_cmd);
        fail(c, ER_ABRT);
        return;
    }
    d->lba += n;
    d->left -= n;
    if (d->left) {
        n = block_sectors(d, d->multi_cmd);
        d->pos = 0;
        d->end = n * 512;
        d->status = ST_DRDY | ST_DSC | ST_DRQ;
    } else {
        put_lba(c, d, d->lba - 1, d->lba48_cmd);
        d->xfer = XFER_NONE;
        d->status = ST_DRDY | ST_DSC;
    }
    ide_raise(c);
}

static uint32_t data_read(struct ide_channel *c, int size)
{
    struct ide_drive *d = ide_cur(c);
    if (!d->present || (d->xfer != XFER_PIO_IN && d->xfer != XFER_ATAPI_IN) || d->pos >= d->end)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (int k = 0; k < size && d->pos < d->end; k++)
        v |= (uint32_t)d->buf[d->pos++] << (8 * k);
    if (d->pos >= d->end)
        pio_in_done(c, d);
    return v;
}

static void data_write(struct ide_channel *c, uint32_t v, int size)
{
    struct ide_drive *d = ide_cur(c);
    if (!d->present || (d->xfer != XFER_PIO_OUT && d->xfer != XFER_PACKET) || d->pos >= d->end)
        return;
    for (int k = 0; k < size && d->pos < d->end; k++)
        d->buf[d->pos++] = (uint8_t)(v >> (8 * k));
    if (d->pos >= d->end)
        pio_out_done(c, d);
}

/* --- bus-master DMA (PIIX3 §2.6, SFF-8038i) ------------------------------------ */

static void dma_finish(struct ide_channel *c, struct ide_drive *d, bool ok)
{
    d->xfer = XFER_NONE;
    if (d->atapi) {
        atapi_dma_done(c, ok);
        return;
    }
    if (ok) {
        put_lba(c, d, d->lba + d->left - 1, d->lba48_cmd);
        d->status = ST_DRDY | ST_DSC;
        ide_raise(c);
    } else {
        fail(c, ER_ABRT);
    }
}

/* Moves the pending transfer through the PRD table: each entry is a
 * physical address and a byte count (0 = 64 KB), bit 31 of the second
 * dword ends the table. */
static void dma_run(struct ide_channel *c)
{
    struct machine *m = c->ide->m;
    struct ide_drive *d = ide_cur(c);
    uint32_t done = 0, prd = c->bm_prd;
    bool eot = false, ok = true;
    while (done < d->dma_len && !eot) {
        uint8_t e[8];
        mem_read_block(m, prd, e, 8);
        prd += 8;
        uint32_t addr = (e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24) & ~1u;
        uint32_t len = (e[4] | e[5] << 8) & ~1u;
        if (!len)
            len = 65536;
        eot = e[7] & 0x80;
        if (len > d->dma_len - done)
            len = d->dma_len - done;
        while (len && ok) {
            /* Through a bounce buffer the size of buf. */
            uint32_t n = len > IDE_BUF_SIZE / 2 ? IDE_BUF_SIZE / 2 : len;
            uint8_t *tmp = d->buf + IDE_BUF_SIZE / 2;
            if (d->dma_to_mem) {
                if (d->dma_from_img)
                    ok = image_read_bytes(d->img, d->dma_img_off + done, n, tmp) == 0;
                else
                    memcpy(tmp, d->buf + done, n);
                if (ok)
                    mem_write_block(m, addr, tmp, n);
            } else {
                mem_read_block(m, addr, tmp, n);
                ok = image_write_bytes(d->img, d->dma_img_off + done, n, tmp) == 0;
            }
            addr += n;
            len -= n;
            done += n;
        }
        if (!ok)
            break;
    }
    /* SFF-8038i table 2: a table longer than the transfer leaves Active
     * set; one that ran out first clears it without the device finishing. */
    if (done < d->dma_len && ok) {
        c->bm_status &= (uint8_t)~0x01;
        c->bm_status |= 0x02;
        dma_finish(c, d, false);
        return;
    }
    if (eot)
        c->bm_status &= (uint8_t)~0x01;
    dma_finish(c, d, ok);
}

void ide_dma_begin(struct ide_channel *c)
{
    struct ide_drive *d = ide_cur(c);
    d->xfer = XFER_DMA;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (d->atapi)
        d->status = ST_DRDY | ST_DRQ;
    if (c->bm_cmd & 0x01)
        dma_run(c);
}

/* --- commands --------------------------------------------------------------------- */

static void exec_command(struct ide_channel *c, uint8_t cmd)
{
    struct ide_drive *d = ide_cur(c);
    if (cmd == 0x90) { /* EXECUTE DEVICE DIAGNOSTIC: addressed to both */
        channel_soft_reset(c);
        ide_raise(c);
        return;
    }
    if (!d->present)
        return;
    lower(c);
    d->error = 0;
    if (d->atapi) {
        switch (cmd) {
        case 0xA0: atapi_packet_cmd(c); return;
        case 0xA1:
            atapi_identify(c, d);
            d->pos = 0;
            d->end = 512;
            d->xfer = XFER_PIO_IN;
            d->status = ST_DRDY | ST_DRQ;
            ide_raise(c);
            return;
        case 0x08: /* DEVICE RESET: no interrupt (ATA-6 §8.7) */
            drive_reset(d);
            c->nsector = c->sector = 1;
            atapi_signature(c);
            return;
        case 0xEF:
        case 0xE1:
        case 0xE6:
        case 0xE0:
        case 0xE2:
        case 0xE3:
            if (cmd == 0xEF && c->feature == 0x03)
                d->xfer_mode = c->nsector;
            d->status = ST_DRDY;
            ide_raise(c);
            return;
        case 0xE5:
            c->nsector = 0xFF;
            d->status = ST_DRDY;
            ide_raise(c);
            return;
        default:
            /* ATA-6 §9.1: an ATAPI device aborts IDENTIFY DEVICE and the
             * other ATA commands and shows its signature, so hosts can tell. */
            atapi_signature(c);
            ide_abort(c);
            return;
        }
    }
    switch (cmd) {
    case 0x20:
    case 0x21: start_rw(c, d, false, false, false, false); return;
    case 0x24: start_rw(c, d, false, true, false, false); return;
    case 0xC4: start_rw(c, d, false, false, true, false); return;
    case 0x29: start_rw(c, d, false, true, true, false); return;
    case 0x30:
    case 0x31: start_rw(c, d, true, false, false, false); return;
    case 0x34: start_rw(c, d, true, true, false, false); return;
    case 0xC5: start_rw(c, d, true, false, true, false); return;
    case 0x39: start_rw(c, d, true, true, true, false); return;
    case 0xC8:
    case 0xC9: start_rw(c, d, false, false, false, true); return;
    case 0x25: start_rw(c, d, false, true, false, true); return;
    case 0xCA:
    case 0xCB: start_rw(c, d, true, false, false, true); return;
    case 0x35: start_rw(c, d, true, true, false, true); return;
    case 0x40:
    case 0x41:
    case 0x42: { /* READ VERIFY SECTORS (EXT) */
        bool lba48 = cmd == 0x42;
        uint64_t lba;
        uint32_t count = get_count(c, lba48);
        if (!get_lba(c, d, lba48, &lba) || lba > d->img->sectors || count > d->img->sectors - lba) {
            fail(c, ER_IDNF);
            return;
        }
        put_lba(c, d, lba + count - 1, lba48);
        break;
    }
    case 0xC6: /* SET MULTIPLE MODE */
        if (c->nsector > IDE_MAX_MULT || (c->nsector & (c->nsector - 1))) {
            ide_abort(c);
            return;
        }
        d->mult = c->nsector;
        break;
    case 0xE7:
    case 0xEA: /* FLUSH CACHE (EXT) */
        if (image_flush(d->img) < 0) {
            ide_abort(c);
            return;
        }
        break;
    case 0xEC:
        ata_identify(c, d);
        d->pos = 0;
        d->end = 512;
        d->xfer = XFER_PIO_IN;
        d->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_raise(c);
        return;
    case 0xEF: /* SET FEATURES */
        switch (c->feature) {
        case 0x03: d->xfer_mode = c->nsector; break;
        case 0x02: d->write_cache = true; break;
        case 0x82: d->write_cache = false; break;
        default: break; /* look-ahead, defaults on reset, ...: accepted */
        }
        break;
    case 0x91: /* INITIALIZE DEVICE PARAMETERS */
        if (!c->nsector) {
            ide_abort(c);
            return;
        }
        d->cur_heads = (c->select & 0x0F) + 1u;
        d->cur_spt = c->nsector;
        break;
    case 0xE5:
    case 0x98: c->nsector = 0xFF; break; /* CHECK POWER MODE: active */
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0xE6:
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97:
    case 0x99: break; /* standby/idle/sleep: nothing spins here */
    default:
        if ((cmd & 0xF0) == 0x10 || (cmd & 0xF0) == 0x70)
            break; /* RECALIBRATE, SEEK */
        ide_abort(c);
        return;
    }
    d->xfer = XFER_NONE;
    d->status = ST_DRDY | ST_DSC;
    ide_raise(c);
}

/* --- ports ---------------------------------------------------------------------- */

static struct ide_channel *chan_of(struct ide *ide, uint16_t port)
{
    return (port >= 0x1F0 && port <= 0x1F7) || port == 0x3F6 ? &ide->ch[0] : &ide->ch[1];
}

static bool any_drive(struct ide_channel *c)
{
    return c->drv[0].present || c->drv[1].present;
}

static uint32_t ide_reg_read(void *opaque, uint16_t port, int size);
static void ide_reg_write(void *opaque, uint16_t port, uint32_t v, int size);

/* The command block is one bus handler, so a 16/32-bit data port access is
 * not split at the boundary to port 1; wide accesses to the other
 * registers are split into bytes here. */
static uint32_t ide_io_read(void *opaque, uint16_t port, int size)
{
    if ((port & 7) == 0 || size == 1)
        return ide_reg_read(opaque, port, size);
    uint32_t v = 0;
    for (int k = 0; k < size; k++)
        v |= (ide_reg_read(opaque, (uint16_t)(port + k), 1) & 0xFF) << (8 * k);
    return v;
}

static void ide_io_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    if ((port & 7) == 0 || size == 1) {
        ide_reg_write(opaque, port, v, size);
        return;
    }
    for (int k = 0; k < size; k++)
        ide_reg_write(opaque, (uint16_t)(port + k), (v >> (8 * k)) & 0xFF, 1);
}

static uint32_t ide_reg_read(void *opaque, uint16_t port, int size)
{
    struct ide_channel *c = chan_of(opaque, port);
    struct ide_drive *d = ide_cur(c);
    unsigned reg = port & 7;
    if (!any_drive(c))
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; /* nothing pulls the bus */
    if (port == c->ctl)
        return d->present ? d->status : 0;
    if (reg == 0)
        return data_read(c, size);
    if (reg == 6)
        return c->select;
    /* ATA-6 §9.16.1: with no device 1, device 0 answers for it with zeros. */
    if (!d->present)
        return 0;
    bool hob = c->devctl & DC_HOB;
    switch (reg) {
    case 1: return d->error;
    case 2: return hob ? c->hob_nsector : c->nsector;
    case 3: return hob ? c->hob_sector : c->sector;
    case 4: return hob ? c->hob_lcyl : c->lcyl;
    case 5: return hob ? c->hob_hcyl : c->hcyl;
    default: lower(c); return d->status;
    }
}

static void ide_reg_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    struct ide_channel *c = chan_of(opaque, port);
    uint8_t b = (uint8_t)v;
    if (port == c->ctl) {
        uint8_t old = c->devctl;
        c->devctl = b;
        if ((b & DC_SRST) && !(old & DC_SRST)) {
            for (int k = 0; k < 2; k++)
                if (c->drv[k].present) {
                    c->drv[k].xfer = XFER_NONE;
                    c->drv[k].status = ST_BSY;
                }
            c->intrq = false;
        } else if (!(b & DC_SRST) && (old & DC_SRST)) {
            channel_soft_reset(c);
        }
        update_irq(c);
        return;
    }
    unsigned reg = port & 7;
    if (reg == 0) {
        data_write(c, v, size);
        return;
    }
    c->devctl &= (uint8_t)~DC_HOB;
    switch (reg) {
    case 1:
        c->hob_feature = c->feature;
        c->feature = b;
        break;
    case 2:
        c->hob_nsector = c->nsector;
        c->nsector = b;
        break;
    case 3:
        c->hob_sector = c->sector;
        c->sector = b;
        break;
    case 4:
        c->hob_lcyl = c->lcyl;
        c->lcyl = b;
        break;
    case 5:
        c->hob_hcyl = c->hcyl;
        c->hcyl = b;
        break;
    case 6:
        c->select = b;
        c->cur = (b >> 4) & 1;
        break;
    case 7:
        if (ide_cur(c)->status & ST_BSY)
            return;
        exec_command(c, b);
        break;
    }
}

static uint32_t bm_read(void *opaque, uint16_t port, int size)
{
    struct ide *ide = opaque;
    struct ide_channel *c = &ide->ch[(port - ide->bm_base) >> 3 & 1];
    switch ((port - ide->bm_base) & 7) {
    case 0: return c->bm_cmd;
    case 2: return c->bm_status;
    case 4:
    case 5:
    case 6:
    case 7: return (c->bm_prd >> (8 * ((port - ide->bm_base) & 3))) & 0xFF;
    default: return 0;
    }
}

static void bm_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    struct ide *ide = opaque;
    struct ide_channel *c = &ide->ch[(port - ide->bm_base) >> 3 & 1];
    unsigned reg = (port - ide->bm_base) & 7;
    uint8_t b = (uint8_t)v;
    if (reg == 0) {
        uint8_t old = c->bm_cmd;
        c->bm_cmd = b & 0x09;
        if ((b & 1) && !(old & 1)) {
            c->bm_status |= 0x01;
            if (ide_cur(c)->xfer == XFER_DMA)
                dma_run(c);
        } else if (!(b & 1)) {
            c->bm_status &= (uint8_t)~0x01;
        }
    } else if (reg == 2) {
        c->bm_status = (uint8_t)((c->bm_status & 0x01) | (c->bm_status & ~b & 0x06) | (b & 0x60));
    } else if (reg >= 4) {
        int sh = 8 * (int)(reg - 4);
        c->bm_prd = (c->bm_prd & ~(0xFFu << sh)) | (uint32_t)b << sh;
        c->bm_prd &= ~3u;
    }
}

/* --- the PCI function (PIIX3 §2.4) --------------------------------------------- */

static void bm_map(struct ide *ide)
{
    struct machine *m = ide->m;
    uint16_t want = 0;
    if ((pci_command(ide->pci) & PCI_CMD_IO) && pci_bar_address(ide->pci, 4) < 0x10000)
        want = (uint16_t)pci_bar_address(ide->pci, 4);
    if (want == ide->bm_base)
        return;
    if (ide->bm_base)
        bus_unregister_io(m, ide->bm_base, 16);
    ide->bm_base = want;
    if (!want)
        return;
    /* Reuse the bus slot from the first mapping: BAR4 may move often
     * (sizing, reassignment) and the bus has a fixed number of slots. */
    if (ide->bm_io_slot) {
        for (int k = 0; k < 16; k++)
            m->bus.io_map[want + k] = (uint8_t)ide->bm_io_slot;
    } else if (bus_register_io(m, want, 16, bm_read, bm_write, ide, IO_BYTES) == 0) {
        ide->bm_io_slot = m->bus.io_map[want];
    }
}

static void piix_ide_setup(void *opaque, struct pci_dev *d)
{
    (void)opaque;
    pci_config_ids(d, 0x8086, 0x7010, 0x00, 0x010180, 0x00);
    pci_cfg_w16(d, PCI_STATUS, 0x0280);
    d->wmask[PCI_COMMAND] = 0x05; /* I/O space, bus master */
    d->wmask[PCI_COMMAND + 1] = 0x00;
    pci_set_bar(d, 4, 16, PCI_BAR_IO, 0);
    for (int r = 0x40; r < 0x48; r++)
        d->wmask[r] = 0xFF;
    /* IDETIM bit 15 (IDE decode enable) for both channels, as a BIOS
     * leaves it: the ports decode from power on here, and Linux's
     * ata_piix treats a channel with the bit clear as disabled. */
    pci_cfg_w16(d, 0x40, 0x8000);
    pci_cfg_w16(d, 0x42, 0x8000);
}

static void piix_ide_written(void *opaque, struct pci_dev *d, uint8_t reg, int size, uint32_t old)
{
    bm_map(opaque);
}

static const struct pci_ops piix_ide_ops = {"piix3-ide", piix_ide_setup, piix_ide_written};

/* --- lifecycle -------------------------------------------------------------- */

static void ide_reset(void *opaque)
{
    struct ide *ide = opaque;
    for (int k = 0; k < 2; k++) {
        struct ide_channel *c = &ide->ch[k];
        c->devctl = 0;
        c->intrq = false;
        c->bm_cmd = 0;
        c->bm_status = 0;
        c->bm_prd = 0;
        c->feature = c->hob_feature = c->hob_nsector = c->hob_sector = c->hob_lcyl = c->hob_hcyl = 0;
        for (int u = 0; u < 2; u++) {
            struct ide_drive *d = &c->drv[u];
            if (!d->present)
                continue;
            d->mult = 0;
            d->xfer_mode = 0;
            d->write_cache = true;
            d->cur_heads = d->geom.heads;
            d->cur_spt = d->geom.sectors;
            drive_reset(d);
            /* Power on counts as a medium change: a host's first look
             * sees UNIT ATTENTION (MMC-5 §4.1.6). */
            if (d->atapi)
                d->unit_attention = d->img != NULL;
        }
        channel_soft_reset(c);
        update_irq(c);
    }
    if (ide->pci)
        bm_map(ide);
}

static void ide_free(void *opaque)
{
    struct ide *ide = opaque;
    for (int k = 0; k < 4; k++) {
        image_close(ide->ch[k >> 1].drv[k & 1].img);
        image_close(ide->ch[k >> 1].drv[k & 1].parked);
    }
    if (ide->m->ide == ide)
        ide->m->ide = NULL;
    free(ide);
}

static int attach(struct ide *ide, int unit, const char *path, bool cd, const char *what)
{
    struct machine *m = ide->m;
    struct ide_drive *d = &ide->ch[unit >> 1].drv[unit & 1];
    char err[300];
    d->present = true;
    d->atapi = cd;
    if (!path || !path[0])
        return 0;
    struct disk_image *img = image_open(path, cd, err, sizeof(err));
    if (!img)
        return machine_error(m, "%s: %s", what, err);
    if (image_set_type(img, cd ? IMAGE_CDROM : IMAGE_HDD, err, sizeof(err)) < 0) {
        image_close(img);
        return machine_error(m, "%s: %s", what, err);
    }
    d->img = img;
    if (cd)
        return 0;
    /* IDENTIFY's default translation must fit 16 heads and 63 sectors
     * (ATA-6 §6.2.1); a partition table's 255-head geometry does not. */
    d->geom = img->geom;
    if (d->geom.heads > 16 || d->geom.sectors > 63 || d->geom.heads == 0 || d->geom.sectors == 0) {
        d->geom.heads = 16;
        d->geom.sectors = 63;
        uint64_t cyl = img->sectors / (16 * 63);
        d->geom.cylinders = (uint32_t)(cyl ? cyl : 1);
    }
    if (d->geom.cylinders > 16383)
        d->geom.cylinders = 16383;
    return 0;
}

static int ide_state_fn(struct state *s, void *opaque);

int ide_init(struct machine *m)
{
    struct ide *ide = calloc(1, sizeof(*ide));
    if (!ide)
        return machine_error(m, "out of memory");
    ide->m = m;
    m->ide = ide;
    if (machine_register_device(m, "ide", ide, ide_reset, ide_free) < 0) {
        ide_free(ide);
        return -1;
    }
    machine_device_state(m, ide, 1, ide_state_fn);
    for (int k = 0; k < 2; k++) {
        struct ide_channel *c = &ide->ch[k];
        c->ide = ide;
        c->index = k;
        c->base = ch_base[k];
        c->ctl = ch_ctl[k];
        c->irq = ch_irq[k];
    }
    const struct machine_config *cfg = &m->cfg;
    if ((cfg->hda && cfg->hda[0] && attach(ide, 0, cfg->hda, false, "-hda") < 0) ||
        (cfg->hdb && cfg->hdb[0] && attach(ide, 1, cfg->hdb, false, "-hdb") < 0) ||
        (cfg->cdrom && attach(ide, 2, cfg->cdrom, true, "-cdrom") < 0))
        return -1;
    for (int k = 0; k < 2; k++) {
        struct ide_channel *c = &ide->ch[k];
        if (bus_register_io(m, c->base, 8, ide_io_read, ide_io_write, ide, 0) < 0 ||
            bus_register_io(m, c->ctl, 1, ide_io_read, ide_io_write, ide, IO_BYTES) < 0)
            return -1;
    }
    if (m->pci) {
        ide->pci = pci_register_function(m, 0, 1, 1, &piix_ide_ops, ide);
        if (!ide->pci)
            return -1;
    }
    ide_reset(ide);
    return 0;
}

struct disk_image *ide_drive_image(struct machine *m, int unit)
{
    if (!m->ide || unit < 0 || unit > 3)
        return NULL;
    return m->ide->ch[unit >> 1].drv[unit & 1].img;
}

int ide_flush(struct machine *m)
{
    int rc = 0;
    for (int k = 0; m->ide && k < 4; k++) {
        struct disk_image *img = m->ide->ch[k >> 1].drv[k & 1].img;
        if (img && !img->readonly && image_flush(img) < 0)
            rc = -1;
    }
    return rc;
}

int ide_cd_change(struct machine *m, int unit, struct disk_image *img)
{
    if (!m->ide || unit < 0 || unit > 3)
        return -1;
    struct ide_drive *d = &m->ide->ch[unit >> 1].drv[unit & 1];
    if (!d->present || !d->atapi || d->locked)
        return -1;
    /* The previous disc is parked, not closed: the BIOS's El Torito drive
     * may still point at the power-on image. */
    if (d->img) {
        image_close(d->parked);
        d->parked = d->img;
    }
    d->img = img;
    d->unit_attention = img != NULL;
    return 0;
}

/* --- state stream (devices/board/state.h) ------------------------------------ */

static void ide_state_drive(struct state *s, struct ide_drive *d, const char *what)
{
    bool present = d->present, atapi = d->atapi;
    STATE(s, present);
    STATE(s, atapi);
    if (state_loading(s) && (present != d->present || atapi != d->atapi)) {
        state_fail(s, "%s was %s when saved", what,
                   !present ? "absent"
                   : atapi  ? "a CD-ROM drive"
                            : "a hard disk");
        return;
    }
    if (!d->present)
        return;
    /* An ejected CD stays parked: the image is the same file either way. */
    bool ejected = !d->img && d->parked;
    STATE(s, ejected);
    if (state_loading(s)) {
        if (ejected && d->img && !d->parked) {
            d->parked = d->img;
            d->img = NULL;
        } else if (!ejected && !d->img && d->parked) {
            d->img = d->parked;
            d->parked = NULL;
        }
    }
    state_image(s, d->img ? d->img : d->parked, what);
    STATE(s, d->cur_heads);
    STATE(s, d->cur_spt);
    STATE(s, d->mult);
    STATE(s, d->status);
    STATE(s, d->error);
    STATE(s, d->xfer_mode);
    STATE(s, d->write_cache);
    STATE_ENUM(s, d->xfer);
    STATE(s, d->pos);
    STATE(s, d->end);
    if (d->pos > IDE_BUF_SIZE || d->end > IDE_BUF_SIZE || d->xfer > XFER_DMA)
        state_fail(s, "%s: transfer out of range", what);
    STATE(s, d->lba);
    STATE(s, d->left);
    STATE(s, d->lba48_cmd);
    STATE(s, d->multi_cmd);
    STATE(s, d->dma_to_mem);
    STATE(s, d->dma_from_img);
    STATE(s, d->dma_img_off);
    STATE(s, d->dma_len);
    if (d->dma_len > IDE_BUF_SIZE && !d->dma_from_img)
        state_fail(s, "%s: DMA length out of range", what);
    STATE_ARRAY(s, d->packet);
    STATE(s, d->byte_limit);
    STATE(s, d->atapi_total);
    STATE(s, d->atapi_sent);
    STATE(s, d->atapi_from_img);
    STATE(s, d->atapi_img_off);
    STATE(s, d->atapi_dma);
    STATE(s, d->sense_key);
    STATE(s, d->asc);
    STATE(s, d->ascq);
    STATE(s, d->unit_attention);
    STATE(s, d->locked);
    state_bytes(s, d->buf, sizeof(d->buf));
}

static int ide_state_fn(struct state *s, void *opaque)
{
    static const char *const names[4] = {"IDE primary master", "IDE primary slave", "IDE secondary master",
                                         "IDE secondary slave"};
    struct ide *ide = opaque;
    for (int k = 0; k < 2; k++) {
        struct ide_channel *c = &ide->ch[k];
        for (int u = 0; u < 2; u++)
            ide_state_drive(s, &c->drv[u], names[k * 2 + u]);
        STATE_INDEX(s, c->cur, 2);
        STATE(s, c->feature);
        STATE(s, c->nsector);
        STATE(s, c->sector);
        STATE(s, c->lcyl);
        STATE(s, c->hcyl);
        STATE(s, c->hob_feature);
        STATE(s, c->hob_nsector);
        STATE(s, c->hob_sector);
        STATE(s, c->hob_lcyl);
        STATE(s, c->hob_hcyl);
        STATE(s, c->select);
        STATE(s, c->devctl);
        STATE(s, c->intrq);
        STATE(s, c->irq_line);
        STATE(s, c->bm_cmd);
        STATE(s, c->bm_status);
        STATE(s, c->bm_prd);
    }
    /* The bus-master ports follow BAR4, which the PCI section restored. */
    if (state_loading(s) && ide->pci)
        bm_map(ide);
    return 0;
}

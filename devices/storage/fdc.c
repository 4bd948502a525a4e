/* The Intel 82077AA floppy disk controller (datasheet order no. 290166):
 * registers, the command/execution/result phases, DMA channel 2 transfers,
 * the post-reset interrupts, disk change and write protect. Execution
 * phases take a fixed virtual time so runs are deterministic. */
#include "devices/storage/fdc.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/dma.h"
#include "devices/chipset/pic.h"
#include "devices/storage/image/image.h"

#define FDC_BASE   0x3F0
#define FDC_IRQ    6
#define FDC_DMA    2
#define FDC_DRIVES 2

#define EXEC_NS 200000ull /* a command's execution phase */
#define STEP_NS 100000ull /* per track stepped, plus EXEC_NS */

/* Main status register. */
#define MSR_RQM  0x80
#define MSR_DIO  0x40
#define MSR_NDMA 0x20
#define MSR_CB   0x10
/* Status register 0-3 bits (datasheet table 5-x "Status Register"). */
#define ST0_ABNORMAL 0x40
#define ST0_INVALID  0x80
#define ST0_SE       0x20
#define ST0_EC       0x10
#define ST1_EN       0x80
#define ST1_OR       0x10
#define ST1_ND       0x04
#define ST1_NW       0x02
#define ST1_MA       0x01
#define ST2_WC       0x10
#define ST3_WP       0x40
#define ST3_RDY      0x20
#define ST3_T0       0x10
#define ST3_TS       0x08

enum fdc_phase { PH_CMD, PH_EXEC, PH_RESULT };

struct fdc_drive {
    struct disk_image *img; /* owned */
    uint8_t track;          /* present cylinder number (PCN) */
    uint8_t next_r;         /* sector under the head, for READ ID */
    bool dskchg;
};

struct fdc {
    struct machine *m;
    struct fdc_drive drv[FDC_DRIVES];
    uint8_t dor, tdr, rate, msr_busy; /* rate: DSR/CCR bits 1:0 */
    enum fdc_phase phase;
    uint8_t cmd[9];
    int cmd_len, cmd_pos;
    uint8_t res[10];
    int res_len, res_pos;
    bool irq, irq_line;
    /* Interrupts waiting for SENSE INTERRUPT STATUS, per drive select. */
    bool pend[4];
    uint8_t pend_st0[4];
    uint8_t pcn[4];
    uint8_t specify[2], config, pretrk, perp, last_eot;
    bool lock;
    uint8_t sector[512]; /* the sector in flight */
    struct clock_event ev;
    struct clock_event seek_ev[4];
    uint8_t seek_target[4], seek_head[4];
    bool in_reset;
};

/* --- helpers ------------------------------------------------------------------ */

static void update_irq(struct fdc *f)
{
    /* DOR bit 3 (DMA gate) also gates INT in PC-AT mode (§2.1.2). */
    bool line = f->irq && (f->dor & 0x08);
    if (line != f->irq_line) {
        f->irq_line = line;
        pic_set_irq(f->m, FDC_IRQ, line);
    }
}

static void raise_irq(struct fdc *f)
{
    f->irq = true;
    update_irq(f);
}

static void lower_irq(struct fdc *f)
{
    f->irq = false;
    update_irq(f);
}

static struct fdc_drive *drive(struct fdc *f, int ds)
{
    return ds < FDC_DRIVES ? &f->drv[ds] : NULL;
}

static bool has_media(struct fdc *f, int ds)
{
    struct fdc_drive *d = drive(f, ds);
    return d && d->img;
}

/* Under a foreign firmware (-bios) the controller behaves as the Bochs and
 * QEMU controllers do, which the Bochs BIOS was written against: it never
 * programs a data rate and never seeks before READ/WRITE DATA, so every
 * medium reads at any rate and the head moves to the cylinder a command
 * names (as with CONFIGURE's EIS). The chip does neither (the 82077AA
 * seeks implicitly only with EIS set); our BIOS and SeaBIOS do both. */
static bool emulator_compat(const struct fdc *f)
{
    return f->m->cfg.bios_file != NULL;
}

/* Data rates the medium was written at: 250/300 kbps for 9-10 sector
 * media (300 is a 360 KB disk in a 1.2 MB drive), 500 kbps up to 21
 * sectors, 1 Mbps for 2.88 MB. DSR/CCR code: 0 500k, 1 300k, 2 250k, 3 1M. */
static bool rate_ok(struct fdc *f, int ds)
{
    if (emulator_compat(f))
        return true;
    unsigned spt = f->drv[ds].img->geom.sectors;
    if (spt <= 10)
        return f->rate == 1 || f->rate == 2;
    if (spt <= 21)
        return f->rate == 0;
    return f->rate == 3;
}

static void result(struct fdc *f, const uint8_t *r, int n)
{
    memcpy(f->res, r, (size_t)n);
    f->res_len = n;
    f->res_pos = 0;
    f->phase = PH_RESULT;
}

static void result7(struct fdc *f, uint8_t st0, uint8_t st1, uint8_t st2, uint8_t c, uint8_t h, uint8_t r,
                    uint8_t n)
{
    uint8_t v[7] = {st0, st1, st2, c, h, r, n};
    result(f, v, 7);
    raise_irq(f);
}

/* --- DMA transfers -------------------------------------------------------------- */

struct xfer_ctx {
    struct fdc *f;
    uint8_t *buf;
    int pos, len;
};

static int xfer_cb(void *opaque, uint8_t *buf, int len, bool to_memory)
{
    struct xfer_ctx *x = opaque;
    int n = x->len - x->pos;
    if (n > len)
        n = len;
    if (to_memory)
        memcpy(buf, x->buf + x->pos, (size_t)n);
    else
        memcpy(x->buf + x->pos, buf, (size_t)n);
    x->pos += n;
    return n;
}

/* Moves len bytes through channel 2; returns the bytes moved (-1 when the
 * channel is not usable) and whether terminal count came. */
static int dma_move(struct fdc *f, uint8_t *buf, int len, bool *tc)
{
    struct xfer_ctx x = {f, buf, 0, len};
    *tc = false;
    int r = dma_run(f->m, FDC_DMA, xfer_cb, &x, len, tc);
    return r < 0 ? -1 : x.pos;
}

/* --- READ DATA / WRITE DATA / FORMAT TRACK ------------------------------------------ */

static void do_rw(struct fdc *f, bool write)
{
    uint8_t *c = f->cmd;
    int ds = c[1] & 3, hd = (c[1] >> 2) & 1;
    bool mt = c[0] & 0x80;
    uint8_t cyl = c[2], h = c[3], r = c[4], n = c[5], eot = c[6];
    uint8_t st0 = (uint8_t)(hd << 2 | ds), st1 = 0, st2 = 0;
    f->last_eot = eot;
    struct fdc_drive *d = drive(f, ds);
    if (!has_media(f, ds) || !rate_ok(f, ds)) {
        /* No index pulses or no readable ID: missing address mark. */
        result7(f, st0 | ST0_ABNORMAL, ST1_MA, 0, cyl, h, r, n);
        return;
    }
    if (write && d->img->readonly) {
        result7(f, st0 | ST0_ABNORMAL, ST1_NW, 0, cyl, h, r, n);
        return;
    }
    const struct disk_geometry *g = &d->img->geom;
    if ((f->config & 0x40) || emulator_compat(f)) /* implied seek (CONFIGURE EIS) */
        d->track = f->pcn[ds] = cyl;
    for (;;) {
        if (cyl != d->track || h != hd || n != 2 || r == 0 || r > g->sectors || d->track >= g->cylinders ||
            hd >= (int)g->heads) {
            /* The sector's ID never came round: no data (and a wrong
             * cylinder when the track's IDs name another one). */
            st0 |= ST0_ABNORMAL;
            st1 |= ST1_ND;
            if (cyl != d->track)
                st2 |= ST2_WC;
            break;
        }
        uint64_t lba = ((uint64_t)d->track * g->heads + (uint64_t)hd) * g->sectors + r - 1u;
        bool tc = false;
        int moved;
        if (write) {
            moved = dma_move(f, f->sector, 512, &tc);
            if (moved == 512 && image_write(d->img, lba, 1, f->sector) < 0)
                moved = -1;
        } else {
            if (image_read(d->img, lba, 1, f->sector) < 0) {
                st0 |= ST0_ABNORMAL;
                st1 |= ST1_ND;
                break;
            }
            moved = dma_move(f, f->sector, 512, &tc);
        }
        if (moved < 512) {
            /* Nobody serviced DRQ in time: overrun (datasheet, ST1 bit 4). */
            st0 |= ST0_ABNORMAL;
            st1 |= ST1_OR;
            break;
        }
        d->next_r = r;
        /* The next sector, per the datasheet's "result phase" table: at
         * EOT the multi-track bit carries to head 1, else the cylinder. */
        bool at_eot = r == eot;
        if (at_eot) {
            r = 1;
            if (mt && hd == 0) {
                hd = 1;
                h = 1;
                st0 = (uint8_t)((st0 & ~4) | 4);
            } else {
                cyl++;
                if (mt)
                    h = 0, st0 &= (uint8_t)~4;
                if (!tc) {
                    /* Ran past the end of the track without terminal
                     * count: end of cylinder. */
                    st0 |= ST0_ABNORMAL;
                    st1 |= ST1_EN;
                }
                break;
            }
        } else {
            r++;
        }
        if (tc)
            break;
    }
    result7(f, st0, st1, st2, cyl, h, r, n);
}

static void do_format(struct fdc *f)
{
    uint8_t *c = f->cmd;
    int ds = c[1] & 3, hd = (c[1] >> 2) & 1;
    uint8_t n = c[2], sc = c[3], fill = c[5];
    uint8_t st0 = (uint8_t)(hd << 2 | ds);
    struct fdc_drive *d = drive(f, ds);
    if (!has_media(f, ds) || !rate_ok(f, ds)) {
        result7(f, st0 | ST0_ABNORMAL, ST1_MA, 0, 0, (uint8_t)hd, 0, n);
        return;
    }
    if (d->img->readonly) {
        result7(f, st0 | ST0_ABNORMAL, ST1_NW, 0, 0, (uint8_t)hd, 0, n);
        return;
    }
    const struct disk_geometry *g = &d->img->geom;
    memset(f->sector, fill, 512);
    uint8_t id[4] = {d->track, (uint8_t)hd, 1, n};
    for (int k = 0; k < sc; k++) {
        bool tc;
        if (dma_move(f, id, 4, &tc) < 4) {
            result7(f, st0 | ST0_ABNORMAL, ST1_OR, 0, id[0], id[1], id[2], id[3]);
            return;
        }
        /* Only sectors the image has can be (re)written: its geometry is
         * fixed by the file size. */
        if (id[2] >= 1 && id[2] <= g->sectors && d->track < g->cylinders && hd < (int)g->heads &&
            id[3] == 2) {
            uint64_t lba = ((uint64_t)d->track * g->heads + (uint64_t)hd) * g->sectors + id[2] - 1u;
            image_write(d->img, lba, 1, f->sector);
        }
    }
    result7(f, st0, 0, 0, id[0], id[1], id[2], id[3]);
}

/* --- commands ----------------------------------------------------------------- */

static int cmd_length(uint8_t op)
{
    switch (op & 0x1F) {
    case 0x02:
    case 0x05:
    case 0x06:
    case 0x09:
    case 0x0C:
    case 0x11:
    case 0x16:
    case 0x19:
    case 0x1D: return 9;
    case 0x03: return 3;
    case 0x04:
    case 0x07:
    case 0x0A:
    case 0x12: return 2;
    case 0x0D: return 6;
    case 0x0F: return 3;
    case 0x13: return 4;
    default: return 1;
    }
}

static void start_seek(struct fdc *f, int ds, uint8_t target)
{
    struct fdc_drive *d = drive(f, ds);
    unsigned from = f->pcn[ds];
    unsigned steps = target > from ? target - from : from - target;
    f->seek_target[ds] = target;
    f->seek_head[ds] = (uint8_t)((f->cmd[1] >> 2) & 1);
    f->msr_busy |= (uint8_t)(1u << ds);
    if (d && d->img && steps)
        d->dskchg = false; /* a step pulse with a diskette in clears it */
    clock_event_arm(f->m, &f->seek_ev[ds], clock_now(f->m) + EXEC_NS + steps * STEP_NS);
}

static void exec(struct fdc *f)
{
    uint8_t *c = f->cmd, op = c[0];
    int ds = c[1] & 3;
    switch (op & 0x1F) {
    case 0x03: /* SPECIFY */
        f->specify[0] = c[1];
        f->specify[1] = c[2];
        f->phase = PH_CMD;
        return;
    case 0x04: { /* SENSE DRIVE STATUS */
        struct fdc_drive *d = drive(f, ds);
        uint8_t st3 = (uint8_t)(c[1] & 7);
        if (d) {
            st3 |= ST3_RDY | ST3_TS;
            if (d->track == 0)
                st3 |= ST3_T0;
            if (!d->img || d->img->readonly)
                st3 |= ST3_WP;
        }
        result(f, &st3, 1);
        return;
    }
    case 0x07: /* RECALIBRATE */
        f->phase = PH_CMD;
        start_seek(f, ds, 0);
        return;
    case 0x0F: /* SEEK (relative seeks, bit 7, are not modelled) */
        f->phase = PH_CMD;
        start_seek(f, ds, c[2]);
        return;
    case 0x08: { /* SENSE INTERRUPT STATUS */
        lower_irq(f);
        for (int k = 0; k < 4; k++) {
            if (f->pend[k]) {
                f->pend[k] = false;
                uint8_t r[2] = {f->pend_st0[k], f->pcn[k]};
                result(f, r, 2);
                return;
            }
        }
        uint8_t r = ST0_INVALID;
        result(f, &r, 1);
        return;
    }
    case 0x10: { /* VERSION: an 82077AA */
        uint8_t r = 0x90;
        result(f, &r, 1);
        return;
    }
    case 0x13: /* CONFIGURE */
        f->config = c[2];
        f->pretrk = c[3];
        f->phase = PH_CMD;
        return;
    case 0x14: { /* LOCK (bit 7 of the opcode is the new state) */
        f->lock = op & 0x80;
        uint8_t r = (uint8_t)(f->lock ? 0x10 : 0);
        result(f, &r, 1);
        return;
    }
    case 0x0E: { /* DUMPREG */
        uint8_t r[10] = {
            f->pcn[0],     f->pcn[1],     f->pcn[2],   f->pcn[3],
            f->specify[0], f->specify[1], f->last_eot, (uint8_t)((f->lock ? 0x80 : 0) | (f->perp & 0x7F)),
            f->config,     f->pretrk};
        result(f, r, 10);
        return;
    }
    case 0x12: /* PERPENDICULAR MODE */
        if (c[1] & 0x80)
            f->perp = c[1] & 0x3F;
        else
            f->perp = (uint8_t)((f->perp & 0x3C) | (c[1] & 0x03));
        f->phase = PH_CMD;
        return;
    case 0x05:
    case 0x06:
    case 0x0A:
    case 0x0D:
        /* READ/WRITE DATA, READ ID, FORMAT TRACK: the execution phase runs
         * on the clock. */
        f->phase = PH_EXEC;
        clock_event_arm(f->m, &f->ev, clock_now(f->m) + EXEC_NS);
        return;
    default: { /* invalid (including the scan and deleted-data commands) */
        uint8_t r = ST0_INVALID;
        result(f, &r, 1);
        return;
    }
    }
}

static void exec_event(void *opaque)
{
    struct fdc *f = opaque;
    if (f->phase != PH_EXEC)
        return;
    uint8_t *c = f->cmd;
    int ds = c[1] & 3, hd = (c[1] >> 2) & 1;
    switch (c[0] & 0x1F) {
    case 0x06: do_rw(f, false); break;
    case 0x05: do_rw(f, true); break;
    case 0x0D: do_format(f); break;
    case 0x0A: { /* READ ID */
        uint8_t st0 = (uint8_t)(hd << 2 | ds);
        struct fdc_drive *d = drive(f, ds);
        if (!has_media(f, ds) || !rate_ok(f, ds) || hd >= (int)d->img->geom.heads) {
            result7(f, st0 | ST0_ABNORMAL, ST1_MA, 0, 0, 0, 0, 0);
            break;
        }
        d->next_r = (uint8_t)(d->next_r % d->img->geom.sectors + 1);
        result7(f, st0, 0, 0, d->track, (uint8_t)hd, d->next_r, 2);
        break;
    }
    }
}

/* A seek or recalibrate ends: the drive is on its cylinder and an
 * interrupt waits for SENSE INTERRUPT STATUS. */
static void seek_finish(struct fdc *f, int ds)
{
    struct fdc_drive *d = drive(f, ds);
    uint8_t hd = f->seek_head[ds];
    f->msr_busy &= (uint8_t) ~(1u << ds);
    uint8_t st0 = (uint8_t)(ST0_SE | ds);
    if (!d) {
        /* No drive answers: track 0 never comes (equipment check). */
        st0 |= ST0_ABNORMAL | ST0_EC;
    } else {
        d->track = f->seek_target[ds];
        st0 |= (uint8_t)(hd << 2);
    }
    f->pcn[ds] = d ? d->track : f->seek_target[ds];
    f->pend[ds] = true;
    f->pend_st0[ds] = st0;
    raise_irq(f);
}

static void seek_ev0(void *o)
{
    seek_finish(o, 0);
}
static void seek_ev1(void *o)
{
    seek_finish(o, 1);
}
static void seek_ev2(void *o)
{
    seek_finish(o, 2);
}
static void seek_ev3(void *o)
{
    seek_finish(o, 3);
}

/* --- reset ---------------------------------------------------------------------- */

/* A controller reset (DOR bit 2 low, or DSR bit 7): the command state goes,
 * SPECIFY survives, and CONFIGURE survives only when LOCKed (§5.2.8). With
 * polling enabled, the reset raises an interrupt and four SENSE INTERRUPT
 * STATUS commands then report "ready changed" for drives 0-3 (§4.1). */
static void controller_reset(struct fdc *f)
{
    clock_event_cancel(f->m, &f->ev);
    for (int k = 0; k < 4; k++)
        clock_event_cancel(f->m, &f->seek_ev[k]);
    f->phase = PH_CMD;
    f->cmd_pos = f->cmd_len = f->res_pos = f->res_len = 0;
    f->msr_busy = 0;
    f->rate = 2;
    if (!f->lock) {
        f->config = 0x20;
        f->pretrk = 0;
    }
    f->perp &= 0x3C;
    lower_irq(f);
    for (int k = 0; k < 4; k++) {
        f->pend[k] = false;
        f->pcn[k] = k < FDC_DRIVES ? f->drv[k].track : 0;
    }
}

static void reset_done(struct fdc *f)
{
    if (f->config & 0x10)
        return; /* polling disabled: no interrupt */
    for (int k = 0; k < 4; k++) {
        f->pend[k] = true;
        f->pend_st0[k] = (uint8_t)(0xC0 | k);
    }
    raise_irq(f);
}

/* --- ports --------------------------------------------------------------------- */

static uint8_t msr(struct fdc *f)
{
    switch (f->phase) {
    case PH_CMD: return (uint8_t)(MSR_RQM | (f->cmd_pos ? MSR_CB : 0) | f->msr_busy);
    case PH_EXEC: return (uint8_t)(MSR_CB | f->msr_busy);
    default: return (uint8_t)(MSR_RQM | MSR_DIO | MSR_CB | f->msr_busy);
    }
}

static uint32_t fdc_read(void *opaque, uint16_t port, int size)
{
    struct fdc *f = opaque;
    int sel = f->dor & 3;
    struct fdc_drive *d = drive(f, sel);
    switch (port & 7) {
    case 0: /* SRA (PS/2 mode layout): INT pending, no second drive, nWP */
        return (uint8_t)((f->irq ? 0x80 : 0) | (f->drv[1].img ? 0 : 0x40) | (d && d->track == 0 ? 0 : 0x10) |
                         (d && d->img && !d->img->readonly ? 0x02 : 0));
    case 1: /* SRB: drive select 0 and the motor enables */
        return (uint8_t)(0xC0 | ((f->dor & 1) ? 0x20 : 0) | ((f->dor >> 4) & 3));
    case 2: return f->dor;
    case 3: return f->tdr;
    case 4: return f->in_reset ? 0 : msr(f);
    case 5: {
        if (f->phase != PH_RESULT)
            return 0xFF;
        lower_irq(f);
        uint8_t v = f->res[f->res_pos++];
        if (f->res_pos >= f->res_len)
            f->phase = PH_CMD;
        return v;
    }
    case 7: /* DIR: bit 7 is the selected drive's disk change line */ return d && d->dskchg ? 0x80 : 0x00;
    default: return 0xFF;
    }
}

static void fdc_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    struct fdc *f = opaque;
    uint8_t b = (uint8_t)v;
    switch (port & 7) {
    case 2: { /* DOR */
        uint8_t old = f->dor;
        f->dor = b;
        if (!(b & 0x04)) {
            if (!f->in_reset)
                controller_reset(f);
            f->in_reset = true;
        } else if (!(old & 0x04) || f->in_reset) {
            f->in_reset = false;
            reset_done(f);
        }
        update_irq(f);
        return;
    }
    case 3: f->tdr = b & 3; return;
    case 4: /* DSR */
        f->rate = b & 3;
        if (b & 0x80) { /* software reset, self-clearing */
            controller_reset(f);
            f->rate = b & 3;
            reset_done(f);
        }
        return;
    case 5:
        if (f->in_reset)
            return;
        if (f->phase == PH_RESULT || f->phase == PH_EXEC)
            return; /* not expecting a byte: ignored, as RQM says */
        if (f->cmd_pos == 0) {
            f->cmd_len = cmd_length(b);
            /* The new command takes over the interrupt (SENSE INTERRUPT
             * STATUS clears it itself after reading the state). */
            if ((b & 0x1F) != 0x08)
                lower_irq(f);
        }
        f->cmd[f->cmd_pos++] = b;
        if (f->cmd_pos >= f->cmd_len) {
            f->cmd_pos = 0;
            exec(f);
        }
        return;
    case 7: f->rate = b & 3; return; /* CCR */
    default: return;
    }
}

/* --- lifecycle ------------------------------------------------------------------- */

static void fdc_reset(void *opaque)
{
    struct fdc *f = opaque;
    f->lock = false;
    f->perp = 0;
    f->specify[0] = f->specify[1] = 0;
    f->last_eot = 0;
    for (int k = 0; k < FDC_DRIVES; k++) {
        f->drv[k].track = 0;
        f->drv[k].next_r = 0;
        /* Power on: the drives report a change until the first step. */
        f->drv[k].dskchg = true;
    }
    controller_reset(f);
    /* As POST leaves it: out of reset, DMA/IRQ enabled, drive A selected,
     * motors off, the reset interrupts already collected. */
    f->dor = 0x0C;
    f->in_reset = false;
    f->tdr = 0;
    update_irq(f);
}

static void fdc_free(void *opaque)
{
    struct fdc *f = opaque;
    clock_event_cancel(f->m, &f->ev);
    for (int k = 0; k < 4; k++)
        clock_event_cancel(f->m, &f->seek_ev[k]);
    for (int k = 0; k < FDC_DRIVES; k++)
        image_close(f->drv[k].img);
    if (f->m->fdc == f)
        f->m->fdc = NULL;
    free(f);
}

static int fdc_state_fn(struct state *s, void *opaque);

int fdc_init(struct machine *m)
{
    struct fdc *f = calloc(1, sizeof(*f));
    if (!f)
        return machine_error(m, "out of memory");
    f->m = m;
    m->fdc = f;
    clock_event_init(&f->ev, "fdc", exec_event, f);
    static void (*const seek_cb[4])(void *) = {seek_ev0, seek_ev1, seek_ev2, seek_ev3};
    for (int k = 0; k < 4; k++)
        clock_event_init(&f->seek_ev[k], "fdc-seek", seek_cb[k], f);
    if (machine_register_device(m, "fdc", f, fdc_reset, fdc_free) < 0) {
        fdc_free(f);
        return -1;
    }
    machine_device_state(m, f, 1, fdc_state_fn);
    const char *path[2] = {m->cfg.fda, m->cfg.fdb};
    static const char *what[2] = {"-fda", "-fdb"};
    for (int k = 0; k < FDC_DRIVES; k++) {
        if (!path[k] || !path[k][0])
            continue;
        char err[300];
        struct disk_image *img = image_open(path[k], false, err, sizeof(err));
        if (!img)
            return machine_error(m, "%s: %s", what[k], err);
        if (image_set_type(img, IMAGE_FLOPPY, err, sizeof(err)) < 0) {
            image_close(img);
            return machine_error(m, "%s: %s", what[k], err);
        }
        f->drv[k].img = img;
    }
    /* 0x3F0-0x3F5 and 0x3F7; 0x3F6 belongs to the IDE (alternate status). */
    if (bus_register_io(m, FDC_BASE, 6, fdc_read, fdc_write, f, IO_BYTES) < 0 ||
        bus_register_io(m, FDC_BASE + 7, 1, fdc_read, fdc_write, f, IO_BYTES) < 0)
        return -1;
    fdc_reset(f);
    return 0;
}

struct disk_image *fdc_drive_image(struct machine *m, int drive_no)
{
    if (!m->fdc || drive_no < 0 || drive_no >= FDC_DRIVES)
        return NULL;
    return m->fdc->drv[drive_no].img;
}

int fdc_change_disk(struct machine *m, int drive_no, struct disk_image *img)
{
    if (!m->fdc || drive_no < 0 || drive_no >= FDC_DRIVES)
        return -1;
    struct fdc_drive *d = &m->fdc->drv[drive_no];
    image_close(d->img);
    d->img = img;
    d->dskchg = true;
    return 0;
}

int fdc_flush(struct machine *m)
{
    int rc = 0;
    for (int k = 0; m->fdc && k < FDC_DRIVES; k++) {
        struct disk_image *img = m->fdc->drv[k].img;
        if (img && !img->readonly && image_flush(img) < 0)
            rc = -1;
    }
    return rc;
}

/* --- state stream (devices/board/state.h) ------------------------------------ */

static int fdc_state_fn(struct state *s, void *opaque)
{
    static const char *const names[FDC_DRIVES] = {"floppy drive A:", "floppy drive B:"};
    struct fdc *f = opaque;
    for (int k = 0; k < FDC_DRIVES; k++) {
        struct fdc_drive *d = &f->drv[k];
        state_image(s, d->img, names[k]);
        STATE(s, d->track);
        STATE(s, d->next_r);
        STATE(s, d->dskchg);
    }
    STATE(s, f->dor);
    STATE(s, f->tdr);
    STATE(s, f->rate);
    STATE(s, f->msr_busy);
    STATE_ENUM(s, f->phase);
    STATE_ARRAY(s, f->cmd);
    STATE(s, f->cmd_len);
    STATE(s, f->cmd_pos);
    STATE_ARRAY(s, f->res);
    STATE(s, f->res_len);
    STATE(s, f->res_pos);
    if (f->phase > PH_RESULT || f->cmd_len < 0 || f->cmd_len > 9 || f->cmd_pos < 0 || f->cmd_pos > 9 ||
        f->res_len < 0 || f->res_len > 10 || f->res_pos < 0 || f->res_pos > 10)
        return state_fail(s, "command phase out of range");
    STATE(s, f->irq);
    STATE(s, f->irq_line);
    STATE_ARRAY(s, f->pend);
    STATE_ARRAY(s, f->pend_st0);
    STATE_ARRAY(s, f->pcn);
    STATE_ARRAY(s, f->specify);
    STATE(s, f->config);
    STATE(s, f->pretrk);
    STATE(s, f->perp);
    STATE(s, f->last_eot);
    STATE(s, f->lock);
    STATE_ARRAY(s, f->sector);
    STATE_ARRAY(s, f->seek_target);
    STATE_ARRAY(s, f->seek_head);
    STATE(s, f->in_reset);
    state_event(s, &f->ev);
    for (int k = 0; k < 4; k++)
        state_event(s, &f->seek_ev[k]);
    return 0;
}

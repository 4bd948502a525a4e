/* Dual 8237A DMA controller (Intel 8237A datasheet, order 231466) and the
 * 74LS612 page registers of the PC/AT. Devices pull transfers with dma_run. */
#include "devices/chipset/dma.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"

#define DMA_MAGIC 0x31414d44u /* "DMA1" */
#define DMA_CHUNK 4096

/* Command register bit 2: controller disable. */
#define DMA_CMD_DISABLE 0x04u
/* Mode register fields. */
#define DMA_MODE_AUTOINIT 0x10u
#define DMA_MODE_DEC      0x20u
#define DMA_MODE_CASCADE  0xc0u

struct dma_chan {
    uint16_t base_addr, cur_addr;
    uint16_t base_count, cur_count; /* transfers - 1 */
    uint8_t mode;
    uint8_t pad[3];
};

struct dma_ctrl {
    struct dma_chan ch[4];
    uint8_t command;
    uint8_t status;   /* bits 0-3 TC reached (clear on read), 4-7 requests */
    uint8_t mask;     /* bit n masks channel n */
    uint8_t flipflop; /* byte pointer: 0 = low byte next */
    uint8_t temp;
    uint8_t pad[3];
};

struct dma_state {
    uint32_t magic;
    uint32_t size;
    struct dma_ctrl ctrl[2]; /* 0: channels 0-3, 1: channels 4-7 */
    uint8_t page[16];        /* ports 0x80-0x8F; [0] unused (POST port) */
};

struct dma {
    struct dma_state st;
    /* Pointers last: everything above is plain data. */
    struct machine *m;
};

/* Page register port (low nibble) of each channel: the AT's odd layout. */
static const uint8_t dma_page_port[8] = {0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa};

static uint8_t dma_reg_read(struct dma_ctrl *c, int reg)
{
    if (reg < 8) {
        struct dma_chan *ch = &c->ch[reg >> 1];
        uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
        uint8_t b = c->flipflop ? (uint8_t)(v >> 8) : (uint8_t)v;
        c->flipflop ^= 1;
        return b;
    }
    switch (reg) {
    case 8: {
        /* Reading the status clears the TC bits (datasheet "Status Register"). */
        uint8_t v = c->status;
        c->status &= 0xf0;
        return v;
    }
    case 0xd: return c->temp;
    case 0xf: return c->mask | 0xf0; /* PIIX and later let the mask be read */
    default: return 0xff;
    }
}

static void dma_master_clear(struct dma_ctrl *c)
{
    c->command = 0;
    c->status = 0;
    c->temp = 0;
    c->flipflop = 0;
    c->mask = 0x0f;
}

static void dma_reg_write(struct dma_ctrl *c, int reg, uint8_t v)
{
    if (reg < 8) {
        struct dma_chan *ch = &c->ch[reg >> 1];
        uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
        uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;
        if (c->flipflop)
            *base = (uint16_t)((*base & 0x00ff) | v << 8);
        else
            *base = (uint16_t)((*base & 0xff00) | v);
        /* Writing a channel register loads base and current together. */
        *cur = *base;
        c->flipflop ^= 1;
        return;
    }
    switch (reg) {
    case 8: c->command = v; break;
    case 9:
        if (v & 4)
            c->status |= (uint8_t)(0x10 << (v & 3));
        else
            c->status &= (uint8_t) ~(0x10 << (v & 3));
        break;
    case 0xa:
        if (v & 4)
            c->mask |= (uint8_t)(1 << (v & 3));
        else
            c->mask &= (uint8_t) ~(1 << (v & 3));
        break;
    case 0xb: c->ch[v & 3].mode = v; break;
    case 0xc: c->flipflop = 0; break;
    case 0xd: dma_master_clear(c); break;
    case 0xe: c->mask = 0; break;
    case 0xf: c->mask = v & 0x0f; break;
    }
}

static uint32_t dma_io_read(void *opaque, uint16_t port, int size)
{
    struct dma *d = opaque;
    (void)size; /* registered IO_BYTES */
    if (port >= 0x80 && port <= 0x8f)
        return d->st.page[port & 0xf];
    if (port < 0x10)
        return dma_reg_read(&d->st.ctrl[0], port);
    /* The 16-bit controller sits on A1-A4: registers at even addresses. */
    return dma_reg_read(&d->st.ctrl[1], (port - 0xc0) >> 1);
}

static void dma_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct dma *d = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (port >= 0x80 && port <= 0x8f)
        d->st.page[port & 0xf] = v;
    else if (port < 0x10)
        dma_reg_write(&d->st.ctrl[0], port, v);
    else
        dma_reg_write(&d->st.ctrl[1], (port - 0xc0) >> 1, v);
}

static bool dma_usable(struct dma *d, int channel)
{
    struct dma_ctrl *c = &d->st.ctrl[channel >> 2];
    int n = channel & 3;
    if ((c->command & DMA_CMD_DISABLE) || (c->mask & (1 << n)))
        return false;
    if ((c->ch[n].mode & DMA_MODE_CASCADE) == DMA_MODE_CASCADE)
        return false;
    /* Channels 0-3 reach the bus through channel 4 of the second 8237. */
    if (channel < 4) {
        struct dma_ctrl *c2 = &d->st.ctrl[1];
        if ((c2->command & DMA_CMD_DISABLE) || (c2->mask & 1))
            return false;
    }
    return true;
}

/* Physical address of transfer unit `addr` of a channel: the 8-bit side
 * puts the page on A16-A23, the 16-bit side shifts the word address left
 * and uses page bits 1-7 for A17-A23 (so neither carries into the page). */
static uint32_t dma_phys(struct dma *d, int channel, uint16_t addr)
{
    uint8_t page = d->st.page[dma_page_port[channel]];
    if (channel >= 4)
        return (uint32_t)(page & 0xfe) << 16 | (uint32_t)addr << 1;
    return (uint32_t)page << 16 | addr;
}

/* Reverse the order of `units` transfer units of `size` bytes in place. */
static void dma_reverse(uint8_t *buf, int units, int size)
{
    for (int i = 0, j = units - 1; i < j; i++, j--) {
        for (int b = 0; b < size; b++) {
            uint8_t t = buf[i * size + b];
            buf[i * size + b] = buf[j * size + b];
            buf[j * size + b] = t;
        }
    }
}

int dma_run(struct machine *m, int channel, dma_xfer_fn xfer, void *opaque, int max_bytes, bool *tc)
{
    struct dma *d = m->dma;
    if (tc)
        *tc = false;
    if (!d || channel < 0 || channel > 7 || !dma_usable(d, channel))
        return DMA_ERR_MASKED;
    struct dma_ctrl *c = &d->st.ctrl[channel >> 2];
    int n = channel & 3;
    struct dma_chan *ch = &c->ch[n];
    int unit = channel >= 4 ? 2 : 1;
    int dir = (ch->mode >> 2) & 3; /* 3 is illegal; the chip acts as verify */
    bool dec = ch->mode & DMA_MODE_DEC;
    uint8_t buf[DMA_CHUNK];
    int moved = 0;

    for (;;) {
        uint32_t left = (uint32_t)ch->cur_count + 1;
        /* Stop at the 64K (128K) wrap: the address counter wraps without
         * carrying into the page register, so the next unit is elsewhere. */
        uint32_t to_wrap = dec ? (uint32_t)ch->cur_addr + 1 : 0x10000u - ch->cur_addr;
        uint32_t k = left < to_wrap ? left : to_wrap;
        if (k > (uint32_t)(DMA_CHUNK / unit))
            k = DMA_CHUNK / unit;
        if (max_bytes >= 0 && k > (uint32_t)((max_bytes - moved) / unit))
            k = (uint32_t)((max_bytes - moved) / unit);
        if (k == 0)
            break;
        int len = (int)k * unit;
        uint16_t low = dec ? (uint16_t)(ch->cur_addr - (k - 1)) : ch->cur_addr;
        uint32_t pa = dma_phys(d, channel, low);
        int got;
        if (dir == DMA_READ) {
            mem_read_block(m, pa, buf, (uint32_t)len);
            if (dec)
                dma_reverse(buf, (int)k, unit);
            got = xfer(opaque, buf, len, false);
        } else {
            got = xfer(opaque, buf, len, true);
        }
        if (got < 0)
            got = 0;
        if (got > len)
            got = len;
        uint32_t done = (uint32_t)got / (uint32_t)unit;
        if (dir == DMA_WRITE && done) {
            if (dec) {
                /* buf[0] belongs at cur_addr, the highest address. */
                dma_reverse(buf, (int)done, unit);
                pa = dma_phys(d, channel, (uint16_t)(ch->cur_addr - (done - 1)));
            }
            mem_write_block(m, pa, buf, done * (uint32_t)unit);
        }
        ch->cur_addr = (uint16_t)(dec ? ch->cur_addr - done : ch->cur_addr + done);
        ch->cur_count = (uint16_t)(ch->cur_count - done);
        moved += (int)done * unit;
        if (done == left) {
            /* Terminal count: the count rolled over from 0 to FFFFh. */
            c->status |= (uint8_t)(1 << n);
            c->status &= (uint8_t) ~(0x10 << n);
            if (ch->mode & DMA_MODE_AUTOINIT) {
                ch->cur_addr = ch->base_addr;
                ch->cur_count = ch->base_count;
            } else {
                c->mask |= (uint8_t)(1 << n);
            }
            if (tc)
                *tc = true;
            break;
        }
        if (done < k)
            break; /* the device dropped DREQ */
    }
    return moved;
}

bool dma_channel_ready(struct machine *m, int channel)
{
    return m->dma && channel >= 0 && channel <= 7 && dma_usable(m->dma, channel);
}

static struct dma_chan *dma_chan_of(struct machine *m, int channel)
{
    if (!m->dma || channel < 0 || channel > 7)
        return NULL;
    return &m->dma->st.ctrl[channel >> 2].ch[channel & 3];
}

enum dma_dir dma_channel_dir(struct machine *m, int channel)
{
    struct dma_chan *ch = dma_chan_of(m, channel);
    int dir = ch ? (ch->mode >> 2) & 3 : 0;
    return dir == 3 ? DMA_VERIFY : (enum dma_dir)dir;
}

uint32_t dma_bytes_left(struct machine *m, int channel)
{
    struct dma_chan *ch = dma_chan_of(m, channel);
    if (!ch)
        return 0;
    return ((uint32_t)ch->cur_count + 1) * (channel >= 4 ? 2u : 1u);
}

bool dma_channel_autoinit(struct machine *m, int channel)
{
    struct dma_chan *ch = dma_chan_of(m, channel);
    return ch && (ch->mode & DMA_MODE_AUTOINIT);
}

void dma_reset(struct dma *d)
{
    memset(d->st.ctrl, 0, sizeof(d->st.ctrl));
    memset(d->st.page, 0, sizeof(d->st.page));
    dma_master_clear(&d->st.ctrl[0]);
    dma_master_clear(&d->st.ctrl[1]);
}

static void dma_reset_hook(void *opaque)
{
    dma_reset(opaque);
}

static void dma_free_hook(void *opaque)
{
    dma_free(opaque);
}

static int dma_state_fn(struct state *s, void *opaque);

int dma_init(struct machine *m)
{
    struct dma *d = calloc(1, sizeof(*d));
    if (!d)
        return machine_error(m, "dma: out of memory");
    d->m = m;
    d->st.magic = DMA_MAGIC;
    d->st.size = sizeof(d->st);
    if (bus_register_io(m, 0x00, 0x10, dma_io_read, dma_io_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, 0xc0, 0x20, dma_io_read, dma_io_write, d, IO_BYTES) < 0 ||
        bus_register_io(m, 0x81, 0x0f, dma_io_read, dma_io_write, d, IO_BYTES) < 0) {
        free(d);
        return machine_error(m, "dma: I/O port table full");
    }
    m->dma = d;
    dma_reset(d);
    if (machine_register_device(m, "dma", d, dma_reset_hook, dma_free_hook) < 0) {
        dma_free(d);
        return -1;
    }
    machine_device_state(m, d, 1, dma_state_fn);
    return 0;
}

void dma_free(struct dma *d)
{
    if (!d)
        return;
    struct machine *m = d->m;
    bus_unregister_io(m, 0x00, 0x10);
    bus_unregister_io(m, 0xc0, 0x20);
    bus_unregister_io(m, 0x81, 0x0f);
    if (m->dma == d)
        m->dma = NULL;
    free(d);
}

/* The state stream's section (devices/board/state.h). */
static int dma_state_fn(struct state *s, void *opaque)
{
    struct dma *d = opaque;
    for (int i = 0; i < 2; i++) {
        struct dma_ctrl *c = &d->st.ctrl[i];
        for (int k = 0; k < 4; k++) {
            STATE(s, c->ch[k].base_addr);
            STATE(s, c->ch[k].cur_addr);
            STATE(s, c->ch[k].base_count);
            STATE(s, c->ch[k].cur_count);
            STATE(s, c->ch[k].mode);
        }
        STATE(s, c->command);
        STATE(s, c->status);
        STATE(s, c->mask);
        STATE(s, c->flipflop);
        STATE(s, c->temp);
    }
    STATE_ARRAY(s, d->st.page);
    return 0;
}

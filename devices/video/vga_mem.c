/* The VGA memory window at 0xA0000-0xBFFFF: plane selection (chain-4,
 * odd/even, planar), latches, the four write modes and both read modes. */
#include "devices/board/machine.h"
#include "devices/video/vga_internal.h"

#define WINDOW_BASE 0xA0000u
#define WINDOW_LEN  0x20000u

static uint32_t expand8(uint8_t b)
{
    return b * 0x01010101u;
}

/* One bit per plane (bits 0-3) to a byte per plane of all ones or zeros. */
static uint32_t expand_planes(unsigned bits)
{
    uint32_t r = 0;
    for (int p = 0; p < 4; p++)
        if (bits & (1u << p))
            r |= 0xFFu << (p * 8);
    return r;
}

/* GC misc bits 2-3 select which part of 0xA0000-0xBFFFF the VGA answers. */
static bool window_offset(const struct vga *v, uint32_t addr, uint32_t *off)
{
    uint32_t a = addr - WINDOW_BASE;
    switch ((v->r.gc[6] >> 2) & 3) {
    case 0: *off = a; return true;
    case 1: *off = a; return a < 0x10000;
    case 2: *off = a - 0x10000; return a >= 0x10000 && a < 0x18000;
    default: *off = a - 0x18000; return a >= 0x18000;
    }
}

static void store_planes(struct vga *v, uint32_t po, uint32_t data, uint32_t pmask)
{
    uint8_t *p = v->vram + (po & 0xFFFFu) * 4u;
    uint32_t old;
    memcpy(&old, p, 4);
    old = (old & ~pmask) | (data & pmask);
    memcpy(p, &old, 4);
}

uint8_t vga_mem_readb(struct vga *v, uint32_t addr)
{
    const struct vga_regs *r = &v->r;
    if (vbe_enabled(v)) {
        uint32_t a = addr - WINDOW_BASE;
        if (a >= 0x10000)
            return 0xFF;
        return v->vram[((uint32_t)r->dispi[DISPI_BANK] << 16 | a) & (VGA_VRAM_SIZE - 1)];
    }
    uint32_t off;
    if (!window_offset(v, addr, &off))
        return 0xFF;
    unsigned plane;
    uint32_t po;
    if (r->seq[4] & 0x08) {
        plane = off & 3;
        po = off & ~3u;
    } else if (r->gc[5] & 0x10) {
        plane = (r->gc[4] & 2) | (off & 1);
        po = off & ~1u;
    } else {
        plane = r->gc[4] & 3;
        po = off;
    }
    uint32_t lat = vga_planes(v, po);
    v->r.latch = lat;
    if (!(r->gc[5] & 0x08))
        return (uint8_t)(lat >> (plane * 8));
    /* Read mode 1: a bit is set where every plane in Color Don't Care
     * matches the Color Compare value. */
    uint32_t care = expand_planes(r->gc[7] & 0x0F);
    uint32_t diff = (lat ^ expand_planes(r->gc[2] & 0x0F)) & care;
    diff |= diff >> 16;
    diff |= diff >> 8;
    return (uint8_t)~diff;
}

static uint8_t rotate(uint8_t val, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)((val >> n) | (val << (8 - n))) : val;
}

static uint32_t alu(uint32_t data, uint32_t latch, unsigned fn)
{
    switch (fn & 3) {
    case 1: return data & latch;
    case 2: return data | latch;
    case 3: return data ^ latch;
    default: return data;
    }
}

void vga_mem_writeb(struct vga *v, uint32_t addr, uint8_t val)
{
    const struct vga_regs *r = &v->r;
    vga_touch(v);
    if (vbe_enabled(v)) {
        uint32_t a = addr - WINDOW_BASE;
        if (a < 0x10000)
            v->vram[((uint32_t)r->dispi[DISPI_BANK] << 16 | a) & (VGA_VRAM_SIZE - 1)] = val;
        return;
    }
    uint32_t off;
    if (!window_offset(v, addr, &off))
        return;
    unsigned planes;
    uint32_t po;
    if (r->seq[4] & 0x08) {
        planes = 1u << (off & 3);
        po = off & ~3u;
    } else if (!(r->seq[4] & 0x04)) {
        planes = (off & 1) ? 0x0A : 0x05;
        po = off & ~1u;
    } else {
        planes = 0x0F;
        po = off;
    }
    planes &= r->seq[2];
    if (!planes)
        return;

    uint32_t latch = r->latch;
    uint32_t mask = expand8(r->gc[8]);
    unsigned fn = r->gc[3] >> 3;
    uint32_t data;
    switch (r->gc[5] & 3) {
    case 0: {
        uint32_t d = expand8(rotate(val, r->gc[3]));
        uint32_t sr = expand_planes(r->gc[1] & 0x0F);
        d = (d & ~sr) | (expand_planes(r->gc[0]) & sr);
        data = (alu(d, latch, fn) & mask) | (latch & ~mask);
        break;
    }
    case 1: data = latch; break;
    case 2: data = (alu(expand_planes(val), latch, fn) & mask) | (latch & ~mask); break;
    default: {
        uint32_t m3 = mask & expand8(rotate(val, r->gc[3]));
        data = (alu(expand_planes(r->gc[0]), latch, fn) & m3) | (latch & ~m3);
        break;
    }
    }
    store_planes(v, po, data, expand_planes(planes));
}

static uint32_t win_read(void *opaque, uint32_t addr, int size)
{
    uint32_t val = 0;
    for (int i = 0; i < size; i++)
        val |= (uint32_t)vga_mem_readb(opaque, addr + (uint32_t)i) << (i * 8);
    return val;
}

static void win_write(void *opaque, uint32_t addr, uint32_t value, int size)
{
    for (int i = 0; i < size; i++)
        vga_mem_writeb(opaque, addr + (uint32_t)i, (uint8_t)(value >> (i * 8)));
}

int vga_mem_register(struct vga *v)
{
    return bus_register_mmio(v->m, WINDOW_BASE, WINDOW_LEN, win_read, win_write, v);
}

/* INT 10h in graphics modes: pixels, characters drawn from the INT 43h font,
 * reading characters back, and scrolling, for the CGA, planar and 256-colour
 * modes. Planar modes go through the graphics controller like a ROM BIOS. */
#include <string.h>

#include "bios/video_priv.h"

static uint32_t page_base(struct machine *m, const struct vmode *vm, uint8_t page)
{
    uint32_t base = vm->seg * 16u;
    if (vm->kind == VM_PLANAR && page < vm->pages)
        base += page * (uint32_t)bios_rd16(m, BDA_PAGESIZE);
    return base;
}

/* Address of the byte holding pixel line y, byte column xb. CGA modes keep
 * even lines in the first 8 KB and odd lines in the second. */
static uint32_t line_addr(struct machine *m, const struct vmode *vm, uint8_t page, unsigned y, unsigned xb)
{
    uint32_t base = page_base(m, vm, page);
    switch (vm->kind) {
    case VM_CGA4:
    case VM_CGA2: return base + (y & 1) * 0x2000u + (y >> 1) * 80u + xb;
    case VM_LIN8: return base + y * 320u + xb;
    default: return base + y * (vm->width / 8u) + xb;
    }
}

void vid_gfx_pixel(struct machine *m, const struct vmode *vm, uint8_t page, unsigned x, unsigned y,
                   uint8_t color)
{
    if (x >= vm->width || y >= vm->height)
        return;
    bool xor_ = color & 0x80;
    switch (vm->kind) {
    case VM_LIN8: bios_wr8(m, line_addr(m, vm, page, y, x), color); return;
    case VM_CGA4: {
        uint32_t a = line_addr(m, vm, page, y, x / 4);
        unsigned sh = (3 - (x & 3)) * 2;
        uint8_t b = bios_rd8(m, a);
        b = xor_ ? (uint8_t)(b ^ ((color & 3) << sh)) : (uint8_t)((b & ~(3 << sh)) | ((color & 3) << sh));
        bios_wr8(m, a, b);
        return;
    }
    case VM_CGA2: {
        uint32_t a = line_addr(m, vm, page, y, x / 8);
        uint8_t bit = (uint8_t)(0x80 >> (x & 7));
        uint8_t b = bios_rd8(m, a);
        b = xor_ ? (uint8_t)(b ^ ((color & 1) ? bit : 0)) : (uint8_t)((color & 1) ? (b | bit) : (b & ~bit));
        bios_wr8(m, a, b);
        return;
    }
    default: {
        /* Write mode 2: the colour goes to all planes, the bit mask picks
         * the pixel, the latches keep the rest. */
        uint32_t a = line_addr(m, vm, page, y, x / 8);
        vid_gc(m, 0x05, 0x02);
        vid_gc(m, 0x08, (uint8_t)(0x80 >> (x & 7)));
        vid_gc(m, 0x03, xor_ ? 0x18 : 0x00);
        bios_rd8(m, a);
        bios_wr8(m, a, color & 0x0F);
        vid_gc(m, 0x03, 0x00);
        vid_gc(m, 0x08, 0xFF);
        vid_gc(m, 0x05, 0x00);
        return;
    }
    }
}

uint8_t vid_gfx_getpixel(struct machine *m, const struct vmode *vm, uint8_t page, unsigned x, unsigned y)
{
    if (x >= vm->width || y >= vm->height)
        return 0;
    switch (vm->kind) {
    case VM_LIN8: return bios_rd8(m, line_addr(m, vm, page, y, x));
    case VM_CGA4:
        return (uint8_t)((bios_rd8(m, line_addr(m, vm, page, y, x / 4)) >> ((3 - (x & 3)) * 2)) & 3);
    case VM_CGA2: return (uint8_t)((bios_rd8(m, line_addr(m, vm, page, y, x / 8)) >> (7 - (x & 7))) & 1);
    default: {
        uint32_t a = line_addr(m, vm, page, y, x / 8);
        uint8_t v = 0;
        for (int p = 0; p < 4; p++) {
            vid_gc(m, 0x04, (uint8_t)p);
            if (bios_rd8(m, a) & (0x80 >> (x & 7)))
                v |= (uint8_t)(1 << p);
        }
        vid_gc(m, 0x04, 0x00);
        return v;
    }
    }
}

static unsigned char_height(struct machine *m)
{
    unsigned h = bios_rd8(m, BDA_CHEIGHT);
    return h && h <= 32 ? h : 8;
}

static void font_glyph(struct machine *m, uint8_t ch, unsigned h, uint8_t *rows)
{
    uint32_t font = bios_rd16(m, 0x43 * 4 + 2) * 16u + bios_rd16(m, 0x43 * 4);
    bios_read(m, font + ch * h, rows, h);
}

/* Planar: write mode 0 with set/reset; the bit mask lets only the glyph's
 * pixels through (a latch read first keeps the others). */
static void planar_row(struct machine *m, uint32_t a, uint8_t bits, uint8_t color, bool bg)
{
    bool xor_ = color & 0x80;
    vid_gc(m, 0x01, 0x0F);
    if (bg && !xor_) {
        vid_gc(m, 0x00, 0x00);
        vid_gc(m, 0x08, 0xFF);
        bios_wr8(m, a, 0);
    }
    vid_gc(m, 0x00, color & 0x0F);
    vid_gc(m, 0x03, xor_ ? 0x18 : 0x00);
    vid_gc(m, 0x08, bits);
    bios_rd8(m, a);
    bios_wr8(m, a, 0xFF);
    vid_gc(m, 0x03, 0x00);
    vid_gc(m, 0x08, 0xFF);
    vid_gc(m, 0x01, 0x00);
    vid_gc(m, 0x00, 0x00);
}

void vid_gfx_char(struct machine *m, const struct vmode *vm, uint8_t page, unsigned row, unsigned col,
                  uint8_t ch, uint8_t color, bool bg)
{
    unsigned h = char_height(m);
    uint8_t rows[32];
    font_glyph(m, ch, h, rows);
    for (unsigned r = 0; r < h; r++) {
        unsigned y = row * h + r;
        if (y >= vm->height)
            break;
        if (vm->kind == VM_PLANAR) {
            planar_row(m, line_addr(m, vm, page, y, col), rows[r], color, bg);
            continue;
        }
        for (unsigned x = 0; x < 8; x++) {
            bool on = rows[r] & (0x80 >> x);
            if (on)
                vid_gfx_pixel(m, vm, page, col * 8 + x, y, color);
            else if (bg && !(color & 0x80))
                vid_gfx_pixel(m, vm, page, col * 8 + x, y, 0);
        }
    }
}

uint8_t vid_gfx_readchar(struct machine *m, const struct vmode *vm, uint8_t page, unsigned row, unsigned col)
{
    unsigned h = char_height(m);
    uint8_t cell[32];
    for (unsigned r = 0; r < h; r++) {
        cell[r] = 0;
        for (unsigned x = 0; x < 8; x++)
            if (vid_gfx_getpixel(m, vm, page, col * 8 + x, row * h + r))
                cell[r] |= (uint8_t)(0x80 >> x);
    }
    uint8_t glyph[32];
    for (unsigned ch = 0; ch < 256; ch++) {
        font_glyph(m, (uint8_t)ch, h, glyph);
        if (!memcmp(glyph, cell, h))
            return (uint8_t)ch;
    }
    return 0;
}

/* Bytes of one pixel line that one character column covers. */
static unsigned bytes_per_col(const struct vmode *vm)
{
    return vm->kind == VM_LIN8 ? 8 : vm->kind == VM_CGA4 ? 2 : 1;
}

static void copy_line(struct machine *m, const struct vmode *vm, unsigned dy, unsigned sy, unsigned xb,
                      unsigned n)
{
    uint32_t d = line_addr(m, vm, 0, dy, xb), s = line_addr(m, vm, 0, sy, xb);
    if (vm->kind == VM_PLANAR) {
        /* Write mode 1 stores the latches: one read and one write per
         * byte moves all four planes. */
        vid_gc(m, 0x05, 0x01);
        for (unsigned i = 0; i < n; i++) {
            bios_rd8(m, s + i);
            bios_wr8(m, d + i, 0);
        }
        vid_gc(m, 0x05, 0x00);
        return;
    }
    uint8_t buf[640];
    bios_read(m, s, buf, n);
    bios_write(m, d, buf, n);
}

static void fill_line(struct machine *m, const struct vmode *vm, unsigned y, unsigned xb, unsigned n,
                      uint8_t color)
{
    uint32_t d = line_addr(m, vm, 0, y, xb);
    if (vm->kind == VM_PLANAR) {
        vid_gc(m, 0x01, 0x0F);
        vid_gc(m, 0x00, color & 0x0F);
        for (unsigned i = 0; i < n; i++)
            bios_wr8(m, d + i, 0);
        vid_gc(m, 0x01, 0x00);
        vid_gc(m, 0x00, 0x00);
        return;
    }
    uint8_t v = color;
    if (vm->kind == VM_CGA4)
        v = (uint8_t)((color & 3) * 0x55);
    else if (vm->kind == VM_CGA2)
        v = (color & 1) ? 0xFF : 0x00;
    uint8_t buf[640];
    memset(buf, v, n);
    bios_write(m, d, buf, n);
}

void vid_gfx_scroll(struct machine *m, const struct vmode *vm, int lines, unsigned r0, unsigned c0,
                    unsigned r1, unsigned c1, uint8_t color)
{
    unsigned h = char_height(m), bpc = bytes_per_col(vm);
    unsigned xb = c0 * bpc, n = (c1 - c0 + 1) * bpc;
    unsigned top = r0 * h, bottom = (r1 + 1) * h; /* pixel lines [top, bottom) */
    if (bottom > vm->height)
        bottom = vm->height;
    if (top >= bottom)
        return;
    unsigned span = bottom - top, shift = (unsigned)(lines < 0 ? -lines : lines) * h;
    if (shift > span)
        shift = span;
    for (unsigned i = 0; i < span; i++) {
        unsigned y = lines > 0 ? top + i : bottom - 1 - i;
        if (i + shift < span)
            copy_line(m, vm, y, lines > 0 ? y + shift : y - shift, xb, n);
        else
            fill_line(m, vm, y, xb, n, color);
    }
}

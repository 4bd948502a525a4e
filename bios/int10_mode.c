/* Video BIOS mode setting: the standard VGA register tables, palettes, font
 * loading into plane 2, the option ROM at C0000 and POST initialisation. */
#include <string.h>

#include "bios/video_priv.h"
#include "devices/video/vga.h"

#define TEXT_ATTR                                                                                            \
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
#define EGA_ATTR                                                                                             \
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17
#define TEXT_GC   0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF
#define PLANAR_GC 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF
#define CRTC_40                                                                                              \
    0x2D, 0x27, 0x28, 0x90, 0x2B, 0xA0, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C,    \
        0x8E, 0x8F, 0x14, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
#define CRTC_80                                                                                              \
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C,    \
        0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
#define CRTC_350                                                                                             \
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x83,    \
        0x85, 0x5D, 0x28, 0x0F, 0x63, 0xBA, 0xE3, 0xFF
#define CRTC_480(mc)                                                                                         \
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xEA,    \
        0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, mc, 0xFF

/* IBM VGA register values for the standard modes (VGA Technical Reference). */
static const struct vmode modes[] = {
    {0x00,
     VM_TEXT,
     0xB800,
     8,
     320,
     400,
     {40, 24, 16, 0x00, 0x08, 0x08, 0x03, 0x00, 0x02, 0x67, CRTC_40, TEXT_ATTR, 0x0C, 0x00, 0x0F, 0x08,
      TEXT_GC}},
    {0x01,
     VM_TEXT,
     0xB800,
     8,
     320,
     400,
     {40, 24, 16, 0x00, 0x08, 0x08, 0x03, 0x00, 0x02, 0x67, CRTC_40, TEXT_ATTR, 0x0C, 0x00, 0x0F, 0x08,
      TEXT_GC}},
    {0x02,
     VM_TEXT,
     0xB800,
     8,
     640,
     400,
     {80, 24, 16, 0x00, 0x10, 0x00, 0x03, 0x00, 0x02, 0x67, CRTC_80, TEXT_ATTR, 0x0C, 0x00, 0x0F, 0x08,
      TEXT_GC}},
    {0x03,
     VM_TEXT,
     0xB800,
     8,
     640,
     400,
     {80, 24, 16, 0x00, 0x10, 0x00, 0x03, 0x00, 0x02, 0x67, CRTC_80, TEXT_ATTR, 0x0C, 0x00, 0x0F, 0x08,
      TEXT_GC}},
    {0x04, VM_CGA4, 0xB800, 1, 320, 200, {40,   24,   8,    0x00, 0x40, 0x09, 0x03, 0x00, 0x02, 0x63, 0x2D,
                                          0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9,
                                          0xA2, 0xFF, 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10,
                                          0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF}},
    {0x05, VM_CGA4, 0xB800, 1, 320, 200, {40,   24,   8,    0x00, 0x40, 0x09, 0x03, 0x00, 0x02, 0x63, 0x2D,
                                          0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9,
                                          0xA2, 0xFF, 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10,
                                          0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF}},
    {0x06, VM_CGA2, 0xB800, 1, 640, 200, {80,   24,   8,    0x00, 0x40, 0x01, 0x01, 0x00, 0x06, 0x63, 0x5F,
                                          0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x00, 0x96, 0xB9,
                                          0xC2, 0xFF, 0x00, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
                                          0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x01, 0x00, 0x01, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x00, 0xFF}},
    {0x07, VM_MTEXT, 0xB000, 8, 720, 400, {80,   24,   16,   0x00, 0x10, 0x00, 0x03, 0x00, 0x02, 0x66, 0x5F,
                                           0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E,
                                           0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x0F, 0x96, 0xB9,
                                           0xA3, 0xFF, 0x00, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x10,
                                           0x18, 0x18, 0x18, 0x18, 0x18, 0x18, 0x18, 0x0E, 0x00, 0x0F, 0x08,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0A, 0x00, 0xFF}},
    {0x0D, VM_PLANAR, 0xA000, 8, 320, 200, {40,   24,   8,    0x00, 0x20,     0x09, 0x0F, 0x00, 0x06,
                                            0x63, 0x2D, 0x27, 0x28, 0x90,     0x2B, 0x80, 0xBF, 0x1F,
                                            0x00, 0xC0, 0x00, 0x00, 0x00,     0x00, 0x00, 0x00, 0x9C,
                                            0x8E, 0x8F, 0x14, 0x00, 0x96,     0xB9, 0xE3, 0xFF, EGA_ATTR,
                                            0x01, 0x00, 0x0F, 0x00, PLANAR_GC}},
    {0x0E, VM_PLANAR, 0xA000, 4, 640, 200, {80,   24,   8,    0x00, 0x40,     0x01, 0x0F, 0x00, 0x06,
                                            0x63, 0x5F, 0x4F, 0x50, 0x82,     0x54, 0x80, 0xBF, 0x1F,
                                            0x00, 0xC0, 0x00, 0x00, 0x00,     0x00, 0x00, 0x00, 0x9C,
                                            0x8E, 0x8F, 0x28, 0x00, 0x96,     0xB9, 0xE3, 0xFF, EGA_ATTR,
                                            0x01, 0x00, 0x0F, 0x00, PLANAR_GC}},
    {0x0F, VM_PLANAR, 0xA000, 2, 640, 350, {80,       24,   14,   0x00, 0x80, 0x01, 0x0F, 0x00, 0x06, 0xA2,
                                            CRTC_350, 0x00, 0x08, 0x00, 0x00, 0x18, 0x18, 0x00, 0x00, 0x00,
                                            0x08,     0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x0B, 0x00, 0x05,
                                            0x00,     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x05, 0xFF}},
    {0x10,
     VM_PLANAR,
     0xA000,
     2,
     640,
     350,
     {80, 24, 14, 0x00, 0x80, 0x01, 0x0F, 0x00, 0x06, 0xA3, CRTC_350, TEXT_ATTR, 0x01, 0x00, 0x0F, 0x00,
      PLANAR_GC}},
    {0x11, VM_PLANAR, 0xA000, 1, 640, 480, {80,   29,   16,   0x00,           0xA0, 0x01, 0x0F,
                                            0x00, 0x06, 0xE3, CRTC_480(0xC3), 0x00, 0x3F, 0x3F,
                                            0x3F, 0x3F, 0x3F, 0x3F,           0x3F, 0x3F, 0x3F,
                                            0x3F, 0x3F, 0x3F, 0x3F,           0x3F, 0x3F, 0x01,
                                            0x00, 0x0F, 0x00, 0x00,           0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x05, 0x01,           0xFF}},
    {0x12,
     VM_PLANAR,
     0xA000,
     1,
     640,
     480,
     {80, 29, 16, 0x00, 0xA0, 0x01, 0x0F, 0x00, 0x06, 0xE3, CRTC_480(0xE3), TEXT_ATTR, 0x01, 0x00, 0x0F, 0x00,
      PLANAR_GC}},
    {0x13, VM_LIN8, 0xA000, 1, 320, 200, {40,   24,   8,    0x00, 0xFA, 0x01, 0x0F, 0x00, 0x0E, 0x63, 0x5F,
                                          0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9,
                                          0xA3, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                          0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF}},
};

/* Where each mode sits in the IBM parameter table (VGA 400-line text and
 * the VGA graphics modes use the entries after the EGA ones). */
static const uint8_t param_slot[] = {
    [0x00] = 0x17, [0x01] = 0x17, [0x02] = 0x18, [0x03] = 0x18, [0x04] = 0x04,
    [0x05] = 0x05, [0x06] = 0x06, [0x07] = 0x19, [0x0D] = 0x0D, [0x0E] = 0x0E,
    [0x0F] = 0x11, [0x10] = 0x12, [0x11] = 0x1A, [0x12] = 0x1B, [0x13] = 0x1C,
};

const struct vmode *vid_find_mode(uint8_t mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (modes[i].mode == mode)
            return &modes[i];
    return NULL;
}

const struct vmode *vid_cur_mode(struct machine *m)
{
    const struct vmode *vm = vid_find_mode(bios_rd8(m, BDA_MODE) & 0x7F);
    return vm ? vm : &modes[3];
}

/* --- register access through the ports, as a ROM BIOS does it ---------- */

void vid_seq(struct machine *m, uint8_t idx, uint8_t v)
{
    bios_outb(m, 0x3C4, idx);
    bios_outb(m, 0x3C5, v);
}

void vid_gc(struct machine *m, uint8_t idx, uint8_t v)
{
    bios_outb(m, 0x3CE, idx);
    bios_outb(m, 0x3CF, v);
}

static uint16_t crtc_port(struct machine *m)
{
    return (bios_inb(m, 0x3CC) & 1) ? 0x3D4 : 0x3B4;
}

void vid_crtc(struct machine *m, uint8_t idx, uint8_t v)
{
    uint16_t p = crtc_port(m);
    bios_outb(m, p, idx);
    bios_outb(m, (uint16_t)(p + 1), v);
}

uint8_t vid_crtc_read(struct machine *m, uint8_t idx)
{
    uint16_t p = crtc_port(m);
    bios_outb(m, p, idx);
    return bios_inb(m, (uint16_t)(p + 1));
}

/* Attribute writes leave the palette address source on, so the screen
 * shows; reading input status 1 first resets the index/data flip-flop. */
void vid_attr(struct machine *m, uint8_t idx, uint8_t v)
{
    bios_inb(m, (uint16_t)(crtc_port(m) + 6));
    bios_outb(m, 0x3C0, idx & 0x1F);
    bios_outb(m, 0x3C0, v);
    bios_outb(m, 0x3C0, 0x20);
}

uint8_t vid_attr_read(struct machine *m, uint8_t idx)
{
    bios_inb(m, (uint16_t)(crtc_port(m) + 6));
    bios_outb(m, 0x3C0, idx & 0x1F);
    uint8_t v = bios_inb(m, 0x3C1);
    bios_inb(m, (uint16_t)(crtc_port(m) + 6));
    bios_outb(m, 0x3C0, 0x20);
    return v;
}

void vid_dac_write(struct machine *m, uint8_t index, const uint8_t *rgb, unsigned count)
{
    bios_outb(m, 0x3C8, index);
    for (unsigned i = 0; i < count * 3; i++)
        bios_outb(m, 0x3C9, rgb[i]);
}

void vid_dac_read(struct machine *m, uint8_t index, uint8_t *rgb, unsigned count)
{
    bios_outb(m, 0x3C7, index);
    for (unsigned i = 0; i < count * 3; i++)
        rgb[i] = bios_inb(m, 0x3C9);
}

/* --- palettes ------------------------------------------------------------ */

/* The 64 EGA colours: bits 0-2 are 2/3-intensity blue, green, red and bits
 * 3-5 the 1/3-intensity ones. */
static void ega_palette(uint8_t pal[64][3])
{
    for (int i = 0; i < 64; i++) {
        pal[i][0] = (uint8_t)(((i >> 2) & 1) * 0x2A + ((i >> 5) & 1) * 0x15);
        pal[i][1] = (uint8_t)(((i >> 1) & 1) * 0x2A + ((i >> 4) & 1) * 0x15);
        pal[i][2] = (uint8_t)((i & 1) * 0x2A + ((i >> 3) & 1) * 0x15);
    }
}

/* Monochrome: bit 3 is video, bit 4 intensity. */
static void mono_palette(uint8_t pal[64][3])
{
    for (int i = 0; i < 64; i++) {
        uint8_t g = (uint8_t)(((i >> 3) & 1) * 0x2A + ((i >> 4) & 1) * 0x15);
        pal[i][0] = pal[i][1] = pal[i][2] = g;
    }
}

/* Mode 13h: the 16 CGA colours, a grey ramp, then 9 rings of 24 hues
 * (3 brightness levels x 3 saturations), then black. */
static void vga256_palette(uint8_t pal[256][3])
{
    static const uint8_t grey[16] = {0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63};
    static const uint8_t levels[9][5] = {
        {0, 16, 31, 47, 63}, {31, 39, 47, 55, 63}, {45, 49, 54, 58, 63},
        {0, 7, 14, 21, 28},  {14, 17, 21, 24, 28}, {20, 22, 24, 26, 28},
        {0, 4, 8, 12, 16},   {8, 10, 12, 14, 16},  {11, 12, 13, 15, 16},
    };
    memset(pal, 0, 256 * 3);
    for (int i = 0; i < 16; i++) {
        int e = (i & 7) | ((i & 8) ? 0x38 : 0);
        if (i == 6)
            e = 0x14; /* brown, not dark yellow */
        pal[i][0] = (uint8_t)(((e >> 2) & 1) * 0x2A + ((e >> 5) & 1) * 0x15);
        pal[i][1] = (uint8_t)(((e >> 1) & 1) * 0x2A + ((e >> 4) & 1) * 0x15);
        pal[i][2] = (uint8_t)((e & 1) * 0x2A + ((e >> 3) & 1) * 0x15);
        pal[16 + i][0] = pal[16 + i][1] = pal[16 + i][2] = grey[i];
    }
    for (int ring = 0; ring < 9; ring++) {
        const uint8_t *l = levels[ring];
        for (int h = 0; h < 24; h++) {
            /* blue -> magenta -> red -> yellow -> green -> cyan -> blue,
             * one component moving per step of 4 */
            int seg = h / 4, k = h % 4;
            uint8_t r, g, b;
            switch (seg) {
            case 0: r = l[k], g = l[0], b = l[4]; break;
            case 1: r = l[4], g = l[0], b = l[4 - k]; break;
            case 2: r = l[4], g = l[k], b = l[0]; break;
            case 3: r = l[4 - k], g = l[4], b = l[0]; break;
            case 4: r = l[0], g = l[4], b = l[k]; break;
            default: r = l[0], g = l[4 - k], b = l[4]; break;
            }
            uint8_t *p = pal[32 + ring * 24 + h];
            p[0] = r, p[1] = g, p[2] = b;
        }
    }
}

static void load_palette(struct machine *m, const struct vmode *vm)
{
    uint8_t pal[256][3];
    bios_outb(m, 0x3C6, 0xFF);
    if (vm->kind == VM_LIN8) {
        vga256_palette(pal);
        vid_dac_write(m, 0, pal[0], 256);
        return;
    }
    memset(pal, 0, sizeof pal);
    if (vm->kind == VM_MTEXT || vm->mode == 0x0F)
        mono_palette(pal);
    else
        ega_palette(pal);
    vid_dac_write(m, 0, pal[0], 256);
}

void vid_default_palette(struct machine *m, uint8_t mode)
{
    const struct vmode *vm = vid_find_mode(mode);
    if (vm)
        load_palette(m, vm);
}

/* --- fonts --------------------------------------------------------------- */

uint32_t vid_rom_font(unsigned height)
{
    unsigned off = height == 8 ? VROM_FONT8 : height == 14 ? VROM_FONT14 : VROM_FONT16;
    return VGA_ROM_BASE + off;
}

/* Plane 2 holds the fonts: open it for sequential CPU access at A0000,
 * copy, and put the text-mode mapping back. Block n sits at n * 16 KB for
 * n < 4, at 8 KB past that for n >= 4; every glyph gets 32 rows. */
void vid_load_font(struct machine *m, const uint8_t *font, unsigned height, unsigned first, unsigned count,
                   unsigned block)
{
    vid_seq(m, 0x02, 0x04);
    vid_seq(m, 0x04, 0x07);
    vid_gc(m, 0x04, 0x02);
    vid_gc(m, 0x05, 0x00);
    vid_gc(m, 0x06, 0x04);
    uint32_t base = 0xA0000u + (block & 3) * 0x4000u + ((block >> 2) & 1) * 0x2000u;
    uint8_t cell[32];
    for (unsigned i = 0; i < count && first + i < 256; i++) {
        memset(cell, 0, sizeof cell);
        memcpy(cell, font + (size_t)i * height, height > 32 ? 32 : height);
        bios_write(m, base + (first + i) * 32u, cell, 32);
    }
    vid_seq(m, 0x02, 0x03);
    vid_seq(m, 0x04, 0x02);
    vid_gc(m, 0x04, 0x00);
    vid_gc(m, 0x05, 0x10);
    vid_gc(m, 0x06, (bios_inb(m, 0x3CC) & 1) ? 0x0E : 0x0A);
}

/* After a font of another height: character rows, cursor and the BDA. */
void vid_font_rows(struct machine *m, unsigned height)
{
    if (height < 1 || height > 32)
        return;
    uint8_t msl = vid_crtc_read(m, 0x09);
    vid_crtc(m, 0x09, (uint8_t)((msl & 0xE0) | (height - 1)));
    vid_crtc(m, 0x0A, (uint8_t)(height > 2 ? height - 3 : 0));
    vid_crtc(m, 0x0B, (uint8_t)(height > 1 ? height - 2 : 0));
    unsigned vde = vid_crtc_read(m, 0x12) + ((vid_crtc_read(m, 0x07) & 0x02u) << 7) +
                   ((vid_crtc_read(m, 0x07) & 0x40u) << 3) + 1;
    unsigned rows = vde / height;
    unsigned cols = bios_rd16(m, BDA_COLS);
    bios_wr8(m, BDA_ROWS, (uint8_t)(rows - 1));
    bios_wr8(m, BDA_CHEIGHT, (uint8_t)height);
    bios_wr16(m, BDA_PAGESIZE, (uint16_t)(((rows * cols * 2) + 0xFF) & ~0xFFu));
}

/* --- mode set ------------------------------------------------------------ */

static void clear_memory(struct machine *m, const struct vmode *vm)
{
    uint8_t buf[4096];
    if (vm->kind == VM_TEXT || vm->kind == VM_MTEXT) {
        for (unsigned i = 0; i < sizeof buf; i += 2)
            buf[i] = 0x20, buf[i + 1] = 0x07;
        for (uint32_t off = 0; off < 0x8000; off += sizeof buf)
            bios_write(m, vm->seg * 16u + off, buf, sizeof buf);
        return;
    }
    memset(buf, 0, sizeof buf);
    uint32_t len = vm->seg == 0xA000 ? 0x10000 : 0x8000;
    for (uint32_t off = 0; off < len; off += sizeof buf)
        bios_write(m, vm->seg * 16u + off, buf, sizeof buf);
}

bool vid_set_mode(struct machine *m, uint8_t al)
{
    const struct vmode *vm = vid_find_mode(al & 0x7F);
    if (!vm || !m->vga)
        return false;
    const uint8_t *p = vm->p;
    vid_vbe_off(m);

    /* Blank while reprogramming: palette address source off. */
    bios_inb(m, 0x3DA);
    bios_inb(m, 0x3BA);
    bios_outb(m, 0x3C0, 0x00);

    vid_seq(m, 0x00, 0x01);
    for (int i = 0; i < 4; i++)
        vid_seq(m, (uint8_t)(i + 1), p[VP_SEQ + i]);
    bios_outb(m, 0x3C2, p[VP_MISC]);
    vid_seq(m, 0x00, 0x03);

    vid_crtc(m, 0x11, (uint8_t)(p[VP_CRTC + 0x11] & 0x7F));
    for (int i = 0; i < 25; i++)
        if (i != 0x11)
            vid_crtc(m, (uint8_t)i, p[VP_CRTC + i]);
    vid_crtc(m, 0x11, p[VP_CRTC + 0x11]);

    uint16_t st1 = (p[VP_MISC] & 1) ? 0x3DA : 0x3BA;
    bios_inb(m, st1);
    for (int i = 0; i < 20; i++) {
        bios_outb(m, 0x3C0, (uint8_t)i);
        bios_outb(m, 0x3C0, p[VP_ATTR + i]);
    }
    bios_outb(m, 0x3C0, 0x14);
    bios_outb(m, 0x3C0, 0x00);
    for (int i = 0; i < 9; i++)
        vid_gc(m, (uint8_t)i, p[VP_GC + i]);

    if (!(bios_rd8(m, BDA_MODESET) & 0x08))
        load_palette(m, vm);

    bool text = vm->kind == VM_TEXT || vm->kind == VM_MTEXT;
    if (text) {
        /* The font goes into plane 2 before the screen is cleared: loading
         * it borrows the A0000 mapping. */
        uint8_t font[256 * 16];
        vga_font_build(font, p[VP_CHEIGHT]);
        vid_load_font(m, font, p[VP_CHEIGHT], 0, 256, 0);
    }
    if (!(al & 0x80))
        clear_memory(m, vm);

    uint16_t eq = bios_rd16(m, BDA(0x10));
    eq = (uint16_t)((eq & ~0x30u) | (vm->kind == VM_MTEXT ? 0x30 : 0x20));
    bios_wr16(m, BDA(0x10), eq);
    bios_wr8(m, BDA_MODE, vm->mode);
    bios_wr16(m, BDA_COLS, p[VP_COLS]);
    bios_wr16(m, BDA_PAGESIZE, (uint16_t)(p[VP_PAGESIZE] | p[VP_PAGESIZE + 1] << 8));
    bios_wr16(m, BDA_PAGESTART, 0);
    for (int i = 0; i < 8; i++)
        bios_wr16(m, BDA_CURPOS + 2u * i, 0);
    bios_wr16(m, BDA_CURTYPE, 0x0607);
    bios_wr8(m, BDA_PAGE, 0);
    bios_wr16(m, BDA_CRTC, (p[VP_MISC] & 1) ? 0x3D4 : 0x3B4);
    static const uint8_t cga_mode[8] = {0x2C, 0x28, 0x2D, 0x29, 0x2A, 0x2E, 0x1E, 0x29};
    bios_wr8(m, BDA_CGAMODE, vm->mode < 8 ? cga_mode[vm->mode] : 0);
    bios_wr8(m, BDA_CGAPAL, vm->mode == 6 ? 0x3F : 0x30);
    bios_wr8(m, BDA_ROWS, p[VP_ROWS]);
    bios_wr8(m, BDA_CHEIGHT, p[VP_CHEIGHT]);
    bios_wr8(m, BDA_VIDCTL, (uint8_t)((bios_rd8(m, BDA_VIDCTL) & 0x7F) | (al & 0x80)));
    bios_wr16(m, BDA_VBE_MODE, 0);

    /* INT 43h: the font graphics modes draw characters with. */
    unsigned gh = text ? 8 : p[VP_CHEIGHT];
    bios_wr16(m, 0x43 * 4, (uint16_t)(vid_rom_font(gh) - VGA_ROM_BASE));
    bios_wr16(m, 0x43 * 4 + 2, VROM_SEG);

    bios_inb(m, st1);
    bios_outb(m, 0x3C0, 0x20);
    return true;
}

/* --- the option ROM and POST ------------------------------------------- */

static void build_rom(uint8_t *rom)
{
    memset(rom, 0, VROM_LEN);
    rom[0] = 0x55, rom[1] = 0xAA, rom[2] = VROM_LEN / 512;
    rom[3] = 0xCB; /* RETF: POST already did the work in C */
    strcpy((char *)rom + VROM_OEM, "rex86 VGA/VBE BIOS");
    strcpy((char *)rom + VROM_VENDOR, "rex86");
    strcpy((char *)rom + VROM_PRODUCT, "rex86 VGA");
    strcpy((char *)rom + VROM_REV, "1.0");
    static const uint8_t winfunc[] = {0xB8, 0x05, 0x4F, 0xCD, 0x10, 0xCB};
    memcpy(rom + VROM_WINFUNC, winfunc, sizeof winfunc);
    vid_vbe_rom(rom);

    /* Static functionality table (INT 10h AH=1Bh): modes 0-7, 0Dh-13h;
     * 200/350/400 scan lines; 8 font blocks, 2 active; the usual services. */
    static const uint8_t stat[16] = {0xFF, 0xE0, 0x0F, 0, 0, 0, 0, 0x07, 0x02, 0x08, 0xE7, 0x0C, 0, 0, 0, 0};
    memcpy(rom + VROM_STATIC, stat, sizeof stat);

    /* Video save pointer table: parameter table first, the rest unused. */
    rom[VROM_SAVEPTR + 0] = VROM_PARAMS & 0xFF;
    rom[VROM_SAVEPTR + 1] = VROM_PARAMS >> 8;
    rom[VROM_SAVEPTR + 2] = VROM_SEG & 0xFF;
    rom[VROM_SAVEPTR + 3] = VROM_SEG >> 8;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        memcpy(rom + VROM_PARAMS + param_slot[modes[i].mode] * 64u, modes[i].p, 64);

    vga_font_build(rom + VROM_FONT8, 8);
    vga_font_build(rom + VROM_FONT14, 14);
    vga_font_build(rom + VROM_FONT16, 16);

    uint8_t sum = 0;
    for (unsigned i = 0; i < VROM_LEN - 1; i++)
        sum = (uint8_t)(sum + rom[i]);
    rom[VROM_LEN - 1] = (uint8_t)-sum;
}

void bios_video_init(struct machine *m)
{
    uint8_t *rom = vga_rom(m);
    if (!rom)
        return;
    build_rom(rom);
    mem_map_host(m, VGA_ROM_BASE, VROM_LEN, rom, false);

    bios_wr16(m, 0x1F * 4, VROM_FONT8 + 128 * 8);
    bios_wr16(m, 0x1F * 4 + 2, VROM_SEG);
    bios_wr8(m, BDA_VIDCTL, 0x60); /* 256 KB, VGA active, cursor emulation */
    bios_wr8(m, BDA_SWITCHES, 0xF9);
    bios_wr8(m, BDA_MODESET, 0x51); /* VGA, 400 lines, default palette loading */
    bios_wr8(m, BDA_DCC, 0x08);
    bios_wr16(m, BDA_SAVEPTR, VROM_SAVEPTR);
    bios_wr16(m, BDA_SAVEPTR + 2, VROM_SEG);
    vid_set_mode(m, 0x03);
}

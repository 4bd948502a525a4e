/* INT 10h AX=4Fxxh: VESA BIOS Extensions 2.0 over the Bochs dispi
 * registers (0x1CE/0x1CF): controller and mode information, mode set,
 * banking, scan line length, display start, DAC width and palette. */
#include <string.h>

#include "bios/video_priv.h"
#include "devices/video/vga.h"

struct vbe_mode {
    uint16_t mode, w, h;
    uint8_t bpp;
};

static const struct vbe_mode vbe_modes[] = {
    {0x100, 640, 400, 8},   {0x101, 640, 480, 8},    {0x103, 800, 600, 8},    {0x105, 1024, 768, 8},
    {0x107, 1280, 1024, 8}, {0x10D, 320, 200, 15},   {0x10E, 320, 200, 16},   {0x10F, 320, 200, 24},
    {0x110, 640, 480, 15},  {0x111, 640, 480, 16},   {0x112, 640, 480, 24},   {0x113, 800, 600, 15},
    {0x114, 800, 600, 16},  {0x115, 800, 600, 24},   {0x116, 1024, 768, 15},  {0x117, 1024, 768, 16},
    {0x118, 1024, 768, 24}, {0x119, 1280, 1024, 15}, {0x11A, 1280, 1024, 16}, {0x11B, 1280, 1024, 24},
    {0x140, 320, 200, 32},  {0x141, 640, 400, 32},   {0x142, 640, 480, 32},   {0x143, 800, 600, 32},
    {0x144, 1024, 768, 32}, {0x145, 1280, 1024, 32}, {0x146, 320, 240, 8},    {0x147, 400, 300, 8},
    {0x148, 512, 384, 8},   {0x149, 1280, 720, 32},  {0x14A, 1920, 1080, 32},
};
#define NMODES (sizeof vbe_modes / sizeof vbe_modes[0])

/* Dispi register indices and ENABLE bits (as in devices/video/). */
enum { DI_ID, DI_XRES, DI_YRES, DI_BPP, DI_ENABLE, DI_BANK, DI_VWIDTH, DI_VHEIGHT, DI_XOFF, DI_YOFF };
#define DE_ENABLED  0x01
#define DE_8BIT_DAC 0x20
#define DE_LFB      0x40
#define DE_NOCLEAR  0x80

static uint16_t dispi_rd(struct machine *m, uint16_t idx)
{
    bus_io_write(m, 0x1CE, idx, 2);
    return (uint16_t)bus_io_read(m, 0x1CF, 2);
}

static void dispi_wr(struct machine *m, uint16_t idx, uint16_t v)
{
    bus_io_write(m, 0x1CE, idx, 2);
    bus_io_write(m, 0x1CF, v, 2);
}

static const struct vbe_mode *find_vbe(uint16_t mode)
{
    for (size_t i = 0; i < NMODES; i++)
        if (vbe_modes[i].mode == (mode & 0x1FF))
            return &vbe_modes[i];
    return NULL;
}

static unsigned bytes_pp(unsigned bpp)
{
    return (bpp + 7) / 8;
}

void vid_vbe_rom(uint8_t *rom)
{
    uint8_t *p = rom + VROM_MODES;
    for (size_t i = 0; i < NMODES; i++, p += 2) {
        p[0] = (uint8_t)vbe_modes[i].mode;
        p[1] = (uint8_t)(vbe_modes[i].mode >> 8);
    }
    p[0] = p[1] = 0xFF;
}

void vid_vbe_off(struct machine *m)
{
    uint16_t en = dispi_rd(m, DI_ENABLE);
    if (en & DE_ENABLED)
        dispi_wr(m, DI_ENABLE, en & DE_8BIT_DAC);
}

static void put16(uint8_t *b, unsigned off, uint32_t v)
{
    b[off] = (uint8_t)v;
    b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    put16(b, off, v);
    put16(b, off + 2, v >> 16);
}

static void controller_info(struct machine *m, uint32_t buf)
{
    uint8_t b[512];
    bios_read(m, buf, b, 4);
    bool vbe2 = !memcmp(b, "VBE2", 4);
    memset(b, 0, sizeof b);
    memcpy(b, "VESA", 4);
    put16(b, 4, 0x0200);
    put32(b, 6, VROM_SEG << 16 | VROM_OEM);
    put32(b, 10, 0x00000001); /* DAC switchable to 8 bits */
    put32(b, 14, VROM_SEG << 16 | VROM_MODES);
    put16(b, 18, VGA_VRAM_SIZE >> 16);
    put16(b, 20, 0x0100);
    put32(b, 22, VROM_SEG << 16 | VROM_VENDOR);
    put32(b, 26, VROM_SEG << 16 | VROM_PRODUCT);
    put32(b, 30, VROM_SEG << 16 | VROM_REV);
    bios_write(m, buf, b, vbe2 ? 512 : 256);
}

static bool mode_info(struct machine *m, uint16_t mode, uint32_t buf)
{
    const struct vbe_mode *vm = find_vbe(mode);
    if (!vm)
        return false;
    uint8_t b[256];
    memset(b, 0, sizeof b);
    unsigned line = vm->w * bytes_pp(vm->bpp);
    unsigned pages = VGA_VRAM_SIZE / (line * vm->h);
    put16(b, 0, 0x009B); /* supported, extended info, colour, graphics, LFB */
    b[2] = 0x07;         /* window A: exists, readable, writable */
    put16(b, 4, 64);
    put16(b, 6, 64);
    put16(b, 8, 0xA000);
    put32(b, 12, VROM_SEG << 16 | VROM_WINFUNC);
    put16(b, 16, line);
    put16(b, 18, vm->w);
    put16(b, 20, vm->h);
    b[22] = 8, b[23] = 16, b[24] = 1, b[25] = vm->bpp, b[26] = 1;
    b[27] = vm->bpp == 8 ? 4 : 6; /* packed pixel or direct colour */
    b[29] = (uint8_t)(pages > 256 ? 255 : pages - 1);
    b[30] = 1;
    static const uint8_t masks[4][8] = {
        {5, 10, 5, 5, 5, 0, 1, 15},
        {5, 11, 6, 5, 5, 0, 0, 0},
        {8, 16, 8, 8, 8, 0, 0, 0},
        {8, 16, 8, 8, 8, 0, 8, 24},
    };
    int mi = vm->bpp == 15 ? 0 : vm->bpp == 16 ? 1 : vm->bpp == 24 ? 2 : vm->bpp == 32 ? 3 : -1;
    if (mi >= 0) {
        memcpy(b + 31, masks[mi], 8);
        b[39] = (vm->bpp == 32 || vm->bpp == 15) ? 0x02 : 0; /* reserved bits usable */
        memcpy(b + 54, masks[mi], 8);
    }
    put32(b, 40, VGA_LFB_BASE);
    put16(b, 50, line);
    b[52] = b[29];
    b[53] = b[29];
    bios_write(m, buf, b, sizeof b);
    return true;
}

static bool set_vbe_mode(struct machine *m, uint16_t bx)
{
    if ((bx & 0x1FF) < 0x100)
        return vid_set_mode(m, (uint8_t)((bx & 0x7F) | ((bx & 0x8000) ? 0x80 : 0)));
    const struct vbe_mode *vm = find_vbe(bx);
    if (!vm)
        return false;
    uint16_t keep = dispi_rd(m, DI_ENABLE) & DE_8BIT_DAC;
    dispi_wr(m, DI_ENABLE, keep);
    dispi_wr(m, DI_BPP, vm->bpp);
    dispi_wr(m, DI_XRES, vm->w);
    dispi_wr(m, DI_YRES, vm->h);
    dispi_wr(m, DI_BANK, 0);
    dispi_wr(m, DI_ENABLE,
             (uint16_t)(keep | DE_ENABLED | ((bx & 0x4000) ? DE_LFB : 0) | ((bx & 0x8000) ? DE_NOCLEAR : 0)));
    if (vm->bpp == 8 && !(bios_rd8(m, BDA_MODESET) & 0x08)) {
        /* The 8-bit modes start with the mode 13h palette. */
        vid_default_palette(m, 0x13);
    }
    bios_wr16(m, BDA_VBE_MODE, bx);
    return true;
}

static bool scan_line(struct machine *m)
{
    struct cpu *c = &m->cpu;
    unsigned bpp = dispi_rd(m, DI_BPP), bpx = bytes_pp(bpp);
    unsigned width;
    switch (R_BL(c)) {
    case 0: width = R_CX(c); break;
    case 2: width = R_CX(c) / bpx; break;
    case 1: width = dispi_rd(m, DI_VWIDTH); break;
    case 3:
        R_BX(c) = 0xFFFF / bpx * bpx > 16384 ? (uint16_t)(16384 / bpx * bpx) : (uint16_t)(0xFFFF / bpx * bpx);
        R_CX(c) = (uint16_t)(R_BX(c) / bpx);
        R_DX(c) = (uint16_t)(VGA_VRAM_SIZE / R_BX(c) > 0xFFFF ? 0xFFFF : VGA_VRAM_SIZE / R_BX(c));
        return true;
    default: return false;
    }
    if (R_BL(c) != 1) {
        dispi_wr(m, DI_VWIDTH, (uint16_t)width);
        if (dispi_rd(m, DI_VWIDTH) != width)
            return false;
    }
    width = dispi_rd(m, DI_VWIDTH);
    R_BX(c) = (uint16_t)(width * bpx);
    R_CX(c) = (uint16_t)width;
    R_DX(c) = dispi_rd(m, DI_VHEIGHT);
    return true;
}

void vid_vbe(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint32_t es_di = bios_lin(m, S_ES, R_DI(c));
    bool ok = true;
    switch (R_AL(c)) {
    case 0x00: controller_info(m, es_di); break;
    case 0x01: ok = mode_info(m, R_CX(c), es_di); break;
    case 0x02: ok = set_vbe_mode(m, R_BX(c)); break;
    case 0x03:
        R_BX(c) = (dispi_rd(m, DI_ENABLE) & DE_ENABLED) ? bios_rd16(m, BDA_VBE_MODE) : bios_rd8(m, BDA_MODE);
        break;
    case 0x05:
        if (R_BH(c) == 0)
            dispi_wr(m, DI_BANK, R_DX(c));
        else if (R_BH(c) == 1)
            R_DX(c) = dispi_rd(m, DI_BANK);
        else
            ok = false;
        break;
    case 0x06: ok = scan_line(m); break;
    case 0x07:
        if ((R_BL(c) & 0x7F) == 0) {
            dispi_wr(m, DI_XOFF, R_CX(c));
            dispi_wr(m, DI_YOFF, R_DX(c));
        } else if (R_BL(c) == 1) {
            R_BH(c) = 0;
            R_CX(c) = dispi_rd(m, DI_XOFF);
            R_DX(c) = dispi_rd(m, DI_YOFF);
        } else {
            ok = false;
        }
        break;
    case 0x08: {
        uint16_t en = dispi_rd(m, DI_ENABLE);
        if (R_BL(c) == 0) {
            en = (uint16_t)(R_BH(c) >= 8 ? (en | DE_8BIT_DAC) : (en & ~DE_8BIT_DAC));
            dispi_wr(m, DI_ENABLE, en);
        } else if (R_BL(c) != 1) {
            ok = false;
            break;
        }
        R_BH(c) = (en & DE_8BIT_DAC) ? 8 : 6;
        break;
    }
    case 0x09: {
        unsigned n = R_CX(c), first = R_DX(c);
        if ((R_BL(c) & 0x7F) > 1 || first + n > 256) {
            ok = false;
            break;
        }
        uint8_t ent[256 * 4], rgb[256 * 3];
        if ((R_BL(c) & 0x7F) == 0) {
            bios_read(m, es_di, ent, n * 4);
            for (unsigned i = 0; i < n; i++)
                rgb[3 * i] = ent[4 * i + 2], rgb[3 * i + 1] = ent[4 * i + 1], rgb[3 * i + 2] = ent[4 * i];
            vid_dac_write(m, (uint8_t)first, rgb, n);
        } else {
            vid_dac_read(m, (uint8_t)first, rgb, n);
            for (unsigned i = 0; i < n; i++)
                ent[4 * i] = rgb[3 * i + 2], ent[4 * i + 1] = rgb[3 * i + 1], ent[4 * i + 2] = rgb[3 * i],
                        ent[4 * i + 3] = 0;
            bios_write(m, es_di, ent, n * 4);
        }
        break;
    }
    default: /* 04h state save, 0Ah protected-mode interface, 15h DDC */ ok = false; break;
    }
    R_AX(c) = ok ? 0x004F : 0x014F;
}

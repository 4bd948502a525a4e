/* INT 10h: the dispatcher and the text services (cursor, pages, scrolling,
 * characters, teletype, strings), palette, fonts, and the information
 * calls (12h, 1Ah, 1Bh). Graphics output is in int10_gfx.c, VBE in
 * int10_vbe.c, mode setting in int10_mode.c. */
#include <string.h>

#include "bios/video_priv.h"
#include "devices/video/vga.h"

static bool is_text(const struct vmode *vm)
{
    return vm->kind == VM_TEXT || vm->kind == VM_MTEXT;
}

static unsigned cols_of(struct machine *m)
{
    unsigned c = bios_rd16(m, BDA_COLS);
    return c ? c : 80;
}

static unsigned rows_of(struct machine *m)
{
    return bios_rd8(m, BDA_ROWS) + 1u;
}

static uint32_t cell_addr(struct machine *m, const struct vmode *vm, uint8_t page, unsigned row, unsigned col)
{
    return vm->seg * 16u + page * (uint32_t)bios_rd16(m, BDA_PAGESIZE) + (row * cols_of(m) + col) * 2u;
}

/* --- cursor and pages ------------------------------------------------------ */

static void get_cursor(struct machine *m, uint8_t page, unsigned *row, unsigned *col)
{
    uint16_t pos = bios_rd16(m, BDA_CURPOS + 2u * (page & 7));
    *row = pos >> 8;
    *col = pos & 0xFF;
}

void vid_set_cursor(struct machine *m, uint8_t page, uint8_t row, uint8_t col)
{
    page &= 7;
    bios_wr16(m, BDA_CURPOS + 2u * page, (uint16_t)(row << 8 | col));
    if (page != bios_rd8(m, BDA_PAGE))
        return;
    unsigned addr = bios_rd16(m, BDA_PAGESTART) / 2u + row * cols_of(m) + col;
    vid_crtc(m, 0x0E, (uint8_t)(addr >> 8));
    vid_crtc(m, 0x0F, (uint8_t)addr);
}

/* CGA programs ask for cursor lines in an 8-line cell; with cursor
 * emulation on, scale them to the real character height. */
static void set_cursor_shape(struct machine *m, uint8_t start, uint8_t end)
{
    bios_wr16(m, BDA_CURTYPE, (uint16_t)(start << 8 | end));
    unsigned ch = bios_rd8(m, BDA_CHEIGHT);
    if (!(bios_rd8(m, BDA_VIDCTL) & 0x01) && ch > 8 && start < 8 && end < 8 && !(start & 0x20)) {
        unsigned e = (end + 1u) * ch / 8u - 1u;
        if (end == 7)
            e--; /* keep the bottom line free, like the CGA cursor */
        unsigned s = start + 1u == end ? e - 1u : start * ch / 8u;
        start = (uint8_t)s;
        end = (uint8_t)e;
    }
    vid_crtc(m, 0x0A, start);
    vid_crtc(m, 0x0B, end);
}

static void set_page(struct machine *m, uint8_t page)
{
    const struct vmode *vm = vid_cur_mode(m);
    if (page >= vm->pages)
        return;
    unsigned start = page * (unsigned)bios_rd16(m, BDA_PAGESIZE);
    bios_wr8(m, BDA_PAGE, page);
    bios_wr16(m, BDA_PAGESTART, (uint16_t)start);
    unsigned ctr = is_text(vm) ? start / 2 : start;
    vid_crtc(m, 0x0C, (uint8_t)(ctr >> 8));
    vid_crtc(m, 0x0D, (uint8_t)ctr);
    unsigned row, col;
    get_cursor(m, page, &row, &col);
    vid_set_cursor(m, page, (uint8_t)row, (uint8_t)col);
}

/* --- text output ------------------------------------------------------------ */

static void scroll(struct machine *m, uint8_t page, int lines, unsigned r0, unsigned c0, unsigned r1,
                   unsigned c1, uint8_t attr)
{
    const struct vmode *vm = vid_cur_mode(m);
    unsigned rows = rows_of(m), cols = cols_of(m);
    if (r1 >= rows)
        r1 = rows - 1;
    if (c1 >= cols)
        c1 = cols - 1;
    if (r0 > r1 || c0 > c1)
        return;
    unsigned h = r1 - r0 + 1;
    if (lines == 0 || (unsigned)(lines < 0 ? -lines : lines) >= h)
        lines = (int)h; /* clear the window */
    if (!is_text(vm)) {
        vid_gfx_scroll(m, vm, lines, r0, c0, r1, c1, attr);
        return;
    }
    unsigned w = c1 - c0 + 1, n = (unsigned)(lines < 0 ? -lines : lines);
    uint8_t buf[512];
    for (unsigned i = 0; i < h; i++) {
        unsigned dst = lines > 0 ? r0 + i : r1 - i;
        bool copy = i + n < h;
        unsigned src = lines > 0 ? dst + n : dst - n;
        if (copy) {
            bios_read(m, cell_addr(m, vm, page, src, c0), buf, w * 2);
        } else {
            for (unsigned k = 0; k < w; k++)
                buf[2 * k] = ' ', buf[2 * k + 1] = attr;
        }
        bios_write(m, cell_addr(m, vm, page, dst, c0), buf, w * 2);
    }
}

static void write_cells(struct machine *m, uint8_t page, uint8_t ch, uint8_t attr, unsigned count,
                        bool with_attr)
{
    const struct vmode *vm = vid_cur_mode(m);
    unsigned row, col;
    get_cursor(m, page, &row, &col);
    unsigned cols = cols_of(m), rows = rows_of(m);
    for (unsigned i = 0; i < count && row < rows; i++) {
        if (is_text(vm)) {
            uint32_t a = cell_addr(m, vm, page, row, col);
            bios_wr8(m, a, ch);
            if (with_attr)
                bios_wr8(m, a + 1, attr);
        } else {
            vid_gfx_char(m, vm, page, row, col, ch, attr, true);
        }
        if (++col >= cols)
            col = 0, row++;
    }
}

/* Teletype output of one character on `page`. In text modes attr < 0
 * keeps the attribute on screen; in graphics modes attr is the colour. */
static void tty_out(struct machine *m, uint8_t page, uint8_t ch, int attr)
{
    const struct vmode *vm = vid_cur_mode(m);
    unsigned row, col, cols = cols_of(m), rows = rows_of(m);
    get_cursor(m, page, &row, &col);
    switch (ch) {
    case 7: break;
    case 8:
        if (col > 0)
            col--;
        break;
    case 10: row++; break;
    case 13: col = 0; break;
    default:
        if (is_text(vm)) {
            uint32_t a = cell_addr(m, vm, page, row, col);
            bios_wr8(m, a, ch);
            if (attr >= 0)
                bios_wr8(m, a + 1, (uint8_t)attr);
        } else {
            vid_gfx_char(m, vm, page, row, col, ch, (uint8_t)(attr < 0 ? 0x0F : attr), true);
        }
        col++;
        break;
    }
    if (col >= cols)
        col = 0, row++;
    if (row >= rows) {
        uint8_t fill = 0;
        if (is_text(vm))
            fill = bios_rd8(m, cell_addr(m, vm, page, rows - 1, col) + 1);
        scroll(m, page, 1, 0, 0, rows - 1, cols - 1, fill);
        row = rows - 1;
    }
    vid_set_cursor(m, page, (uint8_t)row, (uint8_t)col);
}

void vid_tty(struct machine *m, uint8_t page, uint8_t ch, uint8_t color)
{
    machine_text(m, "screen", &ch, 1);
    tty_out(m, page, ch, is_text(vid_cur_mode(m)) ? -1 : color);
}

static void read_cell(struct machine *m, uint8_t page)
{
    struct cpu *c = &m->cpu;
    const struct vmode *vm = vid_cur_mode(m);
    unsigned row, col;
    get_cursor(m, page, &row, &col);
    if (is_text(vm)) {
        R_AX(c) = bios_rd16(m, cell_addr(m, vm, page, row, col));
    } else {
        R_AL(c) = vid_gfx_readchar(m, vm, page, row, col);
        R_AH(c) = 0;
    }
}

static void write_string(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint8_t flags = R_AL(c), page = R_BH(c) & 7;
    unsigned old_row, old_col;
    get_cursor(m, page, &old_row, &old_col);
    vid_set_cursor(m, page, R_DH(c), R_DL(c));
    uint32_t s = bios_lin(m, S_ES, R_BP(c));
    for (unsigned i = 0; i < R_CX(c); i++) {
        uint8_t ch = bios_rd8(m, s++);
        int attr = R_BL(c);
        if (flags & 2)
            attr = bios_rd8(m, s++);
        machine_text(m, "screen", &ch, 1);
        if (ch == 7 || ch == 8 || ch == 10 || ch == 13)
            attr = -1;
        tty_out(m, page, ch, attr);
    }
    if (!(flags & 1))
        vid_set_cursor(m, page, (uint8_t)old_row, (uint8_t)old_col);
}

/* --- AH=0Bh and AH=10h: palettes -------------------------------------------- */

static void cga_palette(struct machine *m, uint8_t bh, uint8_t bl)
{
    const struct vmode *vm = vid_cur_mode(m);
    uint8_t pal = bios_rd8(m, BDA_CGAPAL);
    if (bh == 0) {
        pal = (uint8_t)((pal & 0xE0) | (bl & 0x1F));
        uint8_t bg = (uint8_t)((bl & 7) | ((bl & 0x10) ? 0x10 : 0));
        vid_attr(m, 0x11, bg);
        if (!is_text(vm))
            vid_attr(m, 0x00, bg);
    } else {
        pal = (uint8_t)((pal & ~0x20) | ((bl & 1) << 5));
    }
    bios_wr8(m, BDA_CGAPAL, pal);
    if (vm->kind == VM_CGA4) {
        uint8_t bright = (pal & 0x10) ? 0x10 : 0;
        for (int i = 1; i < 4; i++)
            vid_attr(m, (uint8_t)i, (uint8_t)(((pal & 0x20) ? 2 * i + 1 : 2 * i) | bright));
    }
}

static void palette_services(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint32_t buf = bios_lin(m, S_ES, R_DX(c));
    uint8_t rgb[3 * 256];
    switch (R_AL(c)) {
    case 0x00: vid_attr(m, R_BL(c) & 0x0F, R_BH(c)); break;
    case 0x01: vid_attr(m, 0x11, R_BH(c)); break;
    case 0x02:
        for (int i = 0; i < 17; i++)
            vid_attr(m, (uint8_t)(i < 16 ? i : 0x11), bios_rd8(m, buf + (uint32_t)i));
        break;
    case 0x03: {
        uint8_t mc = vid_attr_read(m, 0x10);
        vid_attr(m, 0x10, (uint8_t)((mc & ~0x08) | ((R_BL(c) & 1) << 3)));
        break;
    }
    case 0x07: R_BH(c) = vid_attr_read(m, R_BL(c) & 0x0F); break;
    case 0x08: R_BH(c) = vid_attr_read(m, 0x11); break;
    case 0x09:
        for (int i = 0; i < 17; i++)
            bios_wr8(m, buf + (uint32_t)i, vid_attr_read(m, (uint8_t)(i < 16 ? i : 0x11)));
        break;
    case 0x10:
        rgb[0] = R_DH(c), rgb[1] = R_CH(c), rgb[2] = R_CL(c);
        vid_dac_write(m, R_BL(c), rgb, 1);
        break;
    case 0x12: {
        unsigned n = R_CX(c) > 256 ? 256 : R_CX(c);
        bios_read(m, buf, rgb, n * 3);
        vid_dac_write(m, R_BL(c), rgb, n);
        break;
    }
    case 0x13: {
        uint8_t mc = vid_attr_read(m, 0x10);
        if (R_BL(c) == 0) {
            vid_attr(m, 0x10, (uint8_t)((mc & 0x7F) | ((R_BH(c) & 1) << 7)));
        } else {
            uint8_t sel = (mc & 0x80) ? (R_BH(c) & 0x0F) : (uint8_t)((R_BH(c) & 3) << 2);
            vid_attr(m, 0x14, sel);
        }
        break;
    }
    case 0x15:
        vid_dac_read(m, R_BL(c), rgb, 1);
        R_DH(c) = rgb[0], R_CH(c) = rgb[1], R_CL(c) = rgb[2];
        break;
    case 0x17: {
        unsigned n = R_CX(c) > 256 ? 256 : R_CX(c);
        vid_dac_read(m, R_BL(c), rgb, n);
        bios_write(m, buf, rgb, n * 3);
        break;
    }
    case 0x18: bios_outb(m, 0x3C6, R_BL(c)); break;
    case 0x19: R_BL(c) = bios_inb(m, 0x3C6); break;
    case 0x1A: {
        uint8_t mc = vid_attr_read(m, 0x10), cs = vid_attr_read(m, 0x14);
        R_BL(c) = mc >> 7;
        R_BH(c) = (mc & 0x80) ? (cs & 0x0F) : ((cs >> 2) & 3);
        break;
    }
    case 0x1B: {
        /* Grey-scale summing: 30% red, 59% green, 11% blue. */
        unsigned n = R_CX(c) > 256 ? 256 : R_CX(c);
        vid_dac_read(m, R_BL(c), rgb, n);
        for (unsigned i = 0; i < n; i++) {
            unsigned g = (rgb[3 * i] * 30u + rgb[3 * i + 1] * 59u + rgb[3 * i + 2] * 11u + 50) / 100;
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (uint8_t)g;
        }
        vid_dac_write(m, R_BL(c), rgb, n);
        break;
    }
    default: break;
    }
}

/* --- AH=11h: fonts ------------------------------------------------------------- */

static void set_int43(struct machine *m, uint16_t seg, uint16_t off, uint8_t height, uint8_t bl, uint8_t dl)
{
    bios_wr16(m, 0x43 * 4, off);
    bios_wr16(m, 0x43 * 4 + 2, seg);
    bios_wr8(m, BDA_CHEIGHT, height);
    static const uint8_t rows[4] = {0, 14, 25, 43};
    uint8_t r = (bl & 3) ? rows[bl & 3] : dl;
    if (r)
        bios_wr8(m, BDA_ROWS, (uint8_t)(r - 1));
}

static void font_services(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint8_t al = R_AL(c);
    uint8_t font[256 * 32];
    switch (al) {
    case 0x00:
    case 0x10: {
        unsigned h = R_BH(c) ? R_BH(c) : 16, n = R_CX(c) > 256 ? 256 : R_CX(c);
        if (h > 32)
            h = 32;
        bios_read(m, bios_lin(m, S_ES, R_BP(c)), font, n * h);
        vid_load_font(m, font, h, R_DX(c) & 0xFF, n, R_BL(c) & 7);
        if (al == 0x10)
            vid_font_rows(m, h);
        break;
    }
    case 0x01:
    case 0x02:
    case 0x04:
    case 0x11:
    case 0x12:
    case 0x14: {
        unsigned h = (al & 0x0F) == 1 ? 14 : (al & 0x0F) == 2 ? 8 : 16;
        bios_read(m, vid_rom_font(h), font, 256 * h);
        vid_load_font(m, font, h, 0, 256, R_BL(c) & 7);
        if (al & 0x10)
            vid_font_rows(m, h);
        break;
    }
    case 0x03: vid_seq(m, 0x03, R_BL(c)); break;
    case 0x20:
        bios_wr16(m, 0x1F * 4, R_BP(c));
        bios_wr16(m, 0x1F * 4 + 2, m->cpu.seg[S_ES].sel);
        break;
    case 0x21: set_int43(m, m->cpu.seg[S_ES].sel, R_BP(c), (uint8_t)R_CX(c), R_BL(c), R_DL(c)); break;
    case 0x22: set_int43(m, VROM_SEG, VROM_FONT14, 14, R_BL(c), R_DL(c)); break;
    case 0x23: set_int43(m, VROM_SEG, VROM_FONT8, 8, R_BL(c), R_DL(c)); break;
    case 0x24: set_int43(m, VROM_SEG, VROM_FONT16, 16, R_BL(c), R_DL(c)); break;
    case 0x30: {
        uint16_t seg = VROM_SEG, off = 0;
        switch (R_BH(c)) {
        case 0: off = bios_rd16(m, 0x1F * 4), seg = bios_rd16(m, 0x1F * 4 + 2); break;
        case 1: off = bios_rd16(m, 0x43 * 4), seg = bios_rd16(m, 0x43 * 4 + 2); break;
        case 2: off = VROM_FONT14; break;
        case 3: off = VROM_FONT8; break;
        case 4: off = VROM_FONT8 + 128 * 8; break;
        case 6: off = VROM_FONT16; break;
        default: off = VROM_ALT_NONE; break;
        }
        cpu_load_seg(c, S_ES, seg);
        R_BP(c) = off;
        R_CX(c) = bios_rd8(m, BDA_CHEIGHT);
        R_DL(c) = bios_rd8(m, BDA_ROWS);
        break;
    }
    default: break;
    }
}

/* --- AH=12h, 1Ah, 1Bh: information --------------------------------------- */

static void alt_select(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint8_t bl = R_BL(c), al = R_AL(c);
    switch (bl) {
    case 0x10:
        R_BH(c) = bios_rd16(m, BDA_CRTC) == 0x3B4 ? 1 : 0;
        R_BL(c) = 3; /* 256 KB */
        R_CH(c) = bios_rd8(m, BDA_SWITCHES) >> 4;
        R_CL(c) = bios_rd8(m, BDA_SWITCHES) & 0x0F;
        return;
    case 0x30: {
        if (al > 2)
            return;
        uint8_t f = bios_rd8(m, BDA_MODESET) & 0x6F;
        f |= al == 0 ? 0x80 : al == 2 ? 0x10 : 0;
        bios_wr8(m, BDA_MODESET, f);
        break;
    }
    case 0x31:
        bios_wr8(m, BDA_MODESET, (uint8_t)((bios_rd8(m, BDA_MODESET) & ~0x08) | ((al & 1) << 3)));
        break;
    case 0x32: break;
    case 0x33:
        bios_wr8(m, BDA_MODESET, (uint8_t)((bios_rd8(m, BDA_MODESET) & ~0x02) | ((~al & 1) << 1)));
        break;
    case 0x34: bios_wr8(m, BDA_VIDCTL, (uint8_t)((bios_rd8(m, BDA_VIDCTL) & ~0x01) | (al & 1))); break;
    case 0x35: break;
    case 0x36: {
        bios_outb(m, 0x3C4, 0x01);
        uint8_t v = bios_inb(m, 0x3C5);
        vid_seq(m, 0x01, (uint8_t)((v & ~0x20) | ((al & 1) << 5)));
        break;
    }
    default: return;
    }
    R_AL(c) = 0x12;
}

static void state_info(struct machine *m)
{
    struct cpu *c = &m->cpu;
    if (R_BX(c) != 0)
        return;
    const struct vmode *vm = vid_cur_mode(m);
    uint8_t s[64];
    memset(s, 0, sizeof s);
    s[0] = VROM_STATIC & 0xFF, s[1] = VROM_STATIC >> 8, s[2] = VROM_SEG & 0xFF, s[3] = VROM_SEG >> 8;
    s[4] = bios_rd8(m, BDA_MODE);
    bios_read(m, BDA_COLS, s + 5, 0x1D); /* 44Ah-466h: the same layout as 1Bh's */
    s[0x20] = bios_rd8(m, BDA_CGAMODE);
    s[0x21] = bios_rd8(m, BDA_CGAPAL);
    s[0x22] = (uint8_t)rows_of(m);
    s[0x23] = bios_rd8(m, BDA_CHEIGHT);
    s[0x24] = 0;
    s[0x25] = bios_rd8(m, BDA_DCC);
    s[0x26] = 0;
    unsigned colors = vm->kind == VM_LIN8                        ? 256
                      : vm->kind == VM_CGA4                      ? 4
                      : vm->kind == VM_CGA2                      ? 2
                      : vm->kind == VM_MTEXT || vm->mode == 0x0F ? 0
                                                                 : 16;
    s[0x27] = (uint8_t)colors, s[0x28] = (uint8_t)(colors >> 8);
    s[0x29] = vm->pages;
    unsigned lines = vm->height;
    s[0x2A] = lines <= 200 ? 0 : lines <= 350 ? 1 : lines <= 400 ? 2 : 3;
    s[0x2B] = 0, s[0x2C] = 0;
    s[0x2D] = (uint8_t)(((vid_attr_read(m, 0x10) & 0x08) ? 0x20 : 0) | 0x01);
    s[0x31] = 3;
    bios_write(m, bios_lin(m, S_ES, R_DI(c)), s, sizeof s);
    R_AL(c) = 0x1B;
}

/* --- dispatcher ------------------------------------------------------------- */

void bios_int10(struct machine *m)
{
    struct cpu *c = &m->cpu;
    if (!m->vga)
        return;
    uint8_t page = bios_rd8(m, BDA_PAGE);
    switch (R_AH(c)) {
    case 0x00: {
        uint8_t mode = R_AL(c) & 0x7F;
        if (vid_set_mode(m, R_AL(c)))
            R_AL(c) = mode > 7 ? 0x20 : mode == 6 ? 0x3F : 0x30;
        break;
    }
    case 0x01: set_cursor_shape(m, R_CH(c), R_CL(c)); break;
    case 0x02: vid_set_cursor(m, R_BH(c), R_DH(c), R_DL(c)); break;
    case 0x03: {
        unsigned row, col;
        get_cursor(m, R_BH(c), &row, &col);
        R_DH(c) = (uint8_t)row, R_DL(c) = (uint8_t)col;
        R_CX(c) = bios_rd16(m, BDA_CURTYPE);
        break;
    }
    case 0x04: R_AH(c) = 0; break;
    case 0x05: set_page(m, R_AL(c)); break;
    case 0x06:
    case 0x07: {
        int n = R_AL(c);
        scroll(m, page, R_AH(c) == 6 ? n : -n, R_CH(c), R_CL(c), R_DH(c), R_DL(c), R_BH(c));
        break;
    }
    case 0x08: read_cell(m, R_BH(c)); break;
    case 0x09: write_cells(m, R_BH(c), R_AL(c), R_BL(c), R_CX(c), true); break;
    case 0x0A: write_cells(m, R_BH(c), R_AL(c), R_BL(c), R_CX(c), false); break;
    case 0x0B: cga_palette(m, R_BH(c), R_BL(c)); break;
    case 0x0C: {
        const struct vmode *vm = vid_cur_mode(m);
        if (!is_text(vm))
            vid_gfx_pixel(m, vm, R_BH(c), R_CX(c), R_DX(c), R_AL(c));
        break;
    }
    case 0x0D: {
        const struct vmode *vm = vid_cur_mode(m);
        R_AL(c) = is_text(vm) ? 0 : vid_gfx_getpixel(m, vm, R_BH(c), R_CX(c), R_DX(c));
        break;
    }
    case 0x0E: vid_tty(m, page, R_AL(c), R_BL(c)); break;
    case 0x0F:
        R_AL(c) = (uint8_t)(bios_rd8(m, BDA_MODE) | (bios_rd8(m, BDA_VIDCTL) & 0x80));
        R_AH(c) = (uint8_t)cols_of(m);
        R_BH(c) = page;
        break;
    case 0x10: palette_services(m); break;
    case 0x11: font_services(m); break;
    case 0x12: alt_select(m); break;
    case 0x13: write_string(m); break;
    case 0x1A:
        if (R_AL(c) == 0) {
            R_BX(c) = bios_rd8(m, BDA_DCC);
        }
        if (R_AL(c) <= 1)
            R_AL(c) = 0x1A;
        break;
    case 0x1B: state_info(m); break;
    case 0x4F: vid_vbe(m); break;
    default: break;
    }
}

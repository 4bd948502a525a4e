/* Turns VGA memory and registers into pixels the way the CRTC scans them:
 * text, CGA 2/4-colour, planar 16-colour, 256-colour and VBE modes; and the
 * text snapshot for tests and --dump-screen. */
#include <stdlib.h>

#include "devices/board/machine.h"
#include "devices/video/vga_internal.h"

#define MAX_W 2048
#define MAX_H 2048

/* The CRTC geometry of the current mode, in character clocks and scan lines. */
struct scan {
    unsigned cols;     /* character clocks per line (HDE + 1) */
    unsigned lines;    /* displayed scan lines (VDE + 1) */
    unsigned char_h;   /* scan lines per character row */
    bool dscan;        /* each scan line shown twice */
    unsigned start;    /* start address, in counter units */
    unsigned pitch;    /* counter units from one row to the next */
    unsigned line_cmp; /* scan line where the address counter restarts at 0 */
};

static void get_scan(const struct vga *v, struct scan *s)
{
    const uint8_t *c = v->r.crtc;
    s->cols = c[1] + 1u;
    s->lines = c[0x12] + ((c[7] & 0x02u) << 7) + ((c[7] & 0x40u) << 3) + 1u;
    s->char_h = (c[9] & 0x1Fu) + 1u;
    s->dscan = c[9] & 0x80;
    s->start = (unsigned)c[0x0C] << 8 | c[0x0D];
    s->pitch = c[0x13] * 2u;
    s->line_cmp = c[0x18] + ((c[7] & 0x10u) << 4) + ((c[9] & 0x40u) << 3);
}

/* Counter to planar memory offset: byte, word or doubleword addressing, and
 * the CGA-compatible substitution of row-scan bits for address bits 13/14. */
static uint32_t xlate(const struct vga *v, uint32_t ctr, unsigned rs)
{
    uint8_t mc = v->r.crtc[0x17];
    uint32_t a;
    if (v->r.crtc[0x14] & 0x40)
        a = ctr << 2 | ((ctr >> 14) & 3);
    else if (!(mc & 0x40))
        a = ctr << 1 | ((ctr >> ((mc & 0x20) ? 15 : 13)) & 1);
    else
        a = ctr;
    if (!(mc & 0x01))
        a = (a & ~0x2000u) | (rs & 1u) << 13;
    if (!(mc & 0x02))
        a = (a & ~0x4000u) | (rs & 2u) << 13;
    return a & 0xFFFFu;
}

/* The attribute controller's 16 palette entries run through the DAC. */
static void attr_palette(const struct vga *v, const uint32_t *dac, uint32_t *pal16)
{
    const uint8_t *a = v->r.attr;
    for (unsigned i = 0; i < 16; i++) {
        unsigned x = a[i & a[0x12] & 0x0F];
        if (a[0x10] & 0x80)
            x = (x & 0x0F) | (a[0x14] & 3u) << 4;
        x = (x & 0x3F) | (a[0x14] & 0x0Cu) << 4;
        pal16[i] = dac[x & v->r.dac_pel_mask];
    }
}

/* Character map offsets in plane 2 for map A (attribute bit 3 set) and B. */
static void font_maps(const struct vga *v, uint32_t *map_a, uint32_t *map_b)
{
    uint8_t cm = v->r.seq[3];
    unsigned a = ((cm >> 2) & 3) | ((cm >> 3) & 4);
    unsigned b = (cm & 3) | ((cm >> 2) & 4);
    *map_a = (a & 3) * 0x4000u + (a >> 2) * 0x2000u;
    *map_b = (b & 3) * 0x4000u + (b >> 2) * 0x2000u;
}

static void render_text(struct vga *v, const struct scan *s, uint32_t *out, unsigned w, const uint32_t *pal,
                        uint64_t frame)
{
    const uint8_t *c = v->r.crtc;
    unsigned cw = (v->r.seq[1] & 1) ? 8 : 9;
    bool blink_attr = v->r.attr[0x10] & 0x08;
    bool line_gfx = v->r.attr[0x10] & 0x04;
    bool mono = v->r.attr[0x10] & 0x02;
    bool blink_on = (frame / 16) & 1;
    bool cursor_on = !((frame / 8) & 1) && !(c[0x0A] & 0x20);
    unsigned cur_addr = (unsigned)c[0x0E] << 8 | c[0x0F];
    unsigned cur_s = c[0x0A] & 0x1F, cur_e = c[0x0B] & 0x1F;
    unsigned ul = c[0x14] & 0x1F;
    uint32_t map_a, map_b;
    font_maps(v, &map_a, &map_b);

    uint32_t row_addr = s->start;
    unsigned rs = 0;
    for (unsigned y = 0; y < s->lines; y++) {
        if (y == s->line_cmp) {
            row_addr = 0;
            rs = 0;
        }
        uint32_t *o = out + (size_t)y * w;
        for (unsigned col = 0; col < s->cols; col++) {
            uint32_t ctr = (row_addr + col) & 0xFFFF;
            uint32_t pl = vga_planes(v, xlate(v, ctr, 0));
            uint8_t ch = (uint8_t)pl, at = (uint8_t)(pl >> 8);
            uint32_t fo = ((at & 0x08) ? map_a : map_b) + ch * 32u + (rs & 31);
            uint8_t bits = (uint8_t)(vga_planes(v, fo) >> 16);
            unsigned fg = at & 0x0F, bg = at >> 4;
            if (blink_attr) {
                bg &= 7;
                if ((at & 0x80) && !blink_on)
                    fg = bg;
            }
            if (mono && rs == ul && (at & 0x07) == 1)
                bits = 0xFF;
            if (cursor_on && ctr == cur_addr && rs >= cur_s && rs <= cur_e)
                bits = 0xFF;
            uint32_t *p = o + col * cw;
            for (unsigned x = 0; x < 8; x++)
                p[x] = pal[(bits & (0x80 >> x)) ? fg : bg];
            if (cw == 9) {
                bool ninth = (bits & 1) && line_gfx && ch >= 0xC0 && ch <= 0xDF;
                p[8] = pal[ninth ? fg : bg];
            }
        }
        if (!s->dscan || (y & 1)) {
            if (++rs >= s->char_h) {
                rs = 0;
                row_addr += s->pitch;
            }
        }
    }
}

enum gfx_kind { GFX_PLANAR, GFX_CGA, GFX_256 };

/* One scan line of a graphics mode into `o` (w pixels), with panning. */
static void render_gfx_line(struct vga *v, enum gfx_kind kind, uint32_t row_addr, unsigned rs, unsigned cols,
                            unsigned pan, uint32_t *o, unsigned w, const uint32_t *pal, const uint32_t *dac)
{
    uint32_t tmp[MAX_W + 16];
    unsigned n = 0;
    uint8_t pmask = v->r.attr[0x12] & 0x0F;
    for (unsigned col = 0; col <= cols && n + 8 <= MAX_W + 16; col++) {
        uint32_t pl = vga_planes(v, xlate(v, (row_addr + col) & 0xFFFF, rs));
        uint8_t b0 = (uint8_t)pl, b1 = (uint8_t)(pl >> 8), b2 = (uint8_t)(pl >> 16), b3 = (uint8_t)(pl >> 24);
        switch (kind) {
        case GFX_256:
            tmp[n++] = dac[b0 & v->r.dac_pel_mask];
            tmp[n++] = dac[b1 & v->r.dac_pel_mask];
            tmp[n++] = dac[b2 & v->r.dac_pel_mask];
            tmp[n++] = dac[b3 & v->r.dac_pel_mask];
            break;
        case GFX_CGA:
            for (unsigned x = 0; x < 8; x++) {
                uint8_t lo = x < 4 ? b0 : b1, hi = x < 4 ? b2 : b3;
                unsigned sh = 6 - (x & 3) * 2;
                unsigned px = ((lo >> sh) & 3) | ((hi >> sh) & 3) << 2;
                tmp[n++] = pal[px & pmask];
            }
            break;
        default:
            for (unsigned x = 0; x < 8; x++) {
                unsigned sh = 7 - x;
                unsigned px =
                    ((b0 >> sh) & 1) | ((b1 >> sh) & 1) << 1 | ((b2 >> sh) & 1) << 2 | ((b3 >> sh) & 1) << 3;
                tmp[n++] = pal[px & pmask];
            }
            break;
        }
    }
    for (unsigned x = 0; x < w; x++)
        o[x] = x + pan < n ? tmp[x + pan] : 0xFF000000u;
}

static void render_gfx(struct vga *v, const struct scan *s, uint32_t *out, unsigned w, unsigned rep,
                       const uint32_t *pal, const uint32_t *dac)
{
    enum gfx_kind kind = (v->r.gc[5] & 0x40) ? GFX_256 : (v->r.gc[5] & 0x20) ? GFX_CGA : GFX_PLANAR;
    unsigned pan = v->r.attr[0x13] & 0x0F;
    pan = kind == GFX_256 ? (pan >> 1) & 3 : pan & 7;
    bool pan_top_only = v->r.attr[0x10] & 0x20;
    uint32_t row_addr = s->start;
    unsigned rs = 0;
    for (unsigned y = 0; y < s->lines; y++) {
        if (y == s->line_cmp) {
            row_addr = 0;
            rs = 0;
            if (pan_top_only)
                pan = 0;
        }
        if (y % rep == 0 && y / rep < MAX_H)
            render_gfx_line(v, kind, row_addr, rs, s->cols, pan, out + (size_t)(y / rep) * w, w, pal, dac);
        if (!s->dscan || (y & 1)) {
            if (++rs >= s->char_h) {
                rs = 0;
                row_addr += s->pitch;
            }
        }
    }
}

static bool is_text(const struct vga *v)
{
    return !(v->r.attr[0x10] & 0x01);
}

static int ensure_fb(struct vga *v, unsigned w, unsigned h)
{
    size_t need = (size_t)w * h;
    if (need > v->fb_cap) {
        uint32_t *p = realloc(v->fb, need * sizeof *p);
        if (!p)
            return -1;
        v->fb = p;
        v->fb_cap = need;
    }
    return 0;
}

int vga_render(struct machine *m, uint32_t **pixels, int *width, int *height)
{
    struct vga *v = vga_of(m);
    if (!v)
        return -1;
    uint32_t dac[256], pal[16];
    for (unsigned i = 0; i < 256; i++)
        dac[i] = vga_dac_rgb(v, i);
    attr_palette(v, dac, pal);
    bool vr, blank;
    uint64_t frame;
    vga_timing(v, &vr, &blank, &frame);

    unsigned w, h;
    uint64_t key;
    struct scan s;
    get_scan(v, &s);
    bool text = is_text(v);
    unsigned rep = 1;
    if (vbe_enabled(v)) {
        w = v->r.dispi[DISPI_XRES];
        h = v->r.dispi[DISPI_YRES];
        key = 1; /* the LFB is written directly: no way to know, always redraw */
        v->dirty = true;
    } else if (text) {
        w = s.cols * ((v->r.seq[1] & 1) ? 8 : 9);
        h = s.lines;
        key = 2 | (frame / 8) << 2;
    } else {
        unsigned per_clock = (v->r.gc[5] & 0x40) ? 4 : 8;
        w = s.cols * per_clock;
        /* Lines that repeat the same memory (double scan, or several scan
         * lines per row without CGA bank substitution) are drawn once. */
        rep = s.dscan ? 2 : 1;
        if ((v->r.crtc[0x17] & 3) == 3)
            rep *= s.char_h;
        h = (s.lines + rep - 1) / rep;
        key = 3;
    }
    if (w < 8 || h < 8)
        w = 640, h = 480;
    if (w > MAX_W)
        w = MAX_W;
    if (h > MAX_H)
        h = MAX_H;
    key ^= (uint64_t)w << 32 ^ (uint64_t)h << 48;
    if (ensure_fb(v, w, h) < 0)
        return -1;

    bool off = (v->r.seq[1] & 0x20) || !(v->r.attr_index & 0x20);
    if (off) {
        for (size_t i = 0; i < (size_t)w * h; i++)
            v->fb[i] = 0xFF000000u;
    } else if (vbe_enabled(v)) {
        vbe_render(v, v->fb, dac);
    } else if (text) {
        if (s.lines > h)
            s.lines = h;
        if (s.cols * ((v->r.seq[1] & 1) ? 8u : 9u) > w)
            s.cols = w / ((v->r.seq[1] & 1) ? 8u : 9u);
        render_text(v, &s, v->fb, w, pal, frame);
    } else {
        /* A 256-colour character clock is 4 pixels, not 8 (w was sized so). */
        unsigned per_clock = (v->r.gc[5] & 0x40) ? 4 : 8;
        if (s.cols * per_clock > w)
            s.cols = w / per_clock;
        if (s.lines > h * rep)
            s.lines = h * rep;
        render_gfx(v, &s, v->fb, w, rep, pal, dac);
    }
    *pixels = v->fb;
    *width = (int)w;
    *height = (int)h;
    int changed = v->dirty || key != v->last_key;
    v->dirty = false;
    v->last_key = key;
    return changed;
}

int vga_text_dump(struct machine *m, char *buf, size_t len)
{
    struct vga *v = vga_of(m);
    if (!v || vbe_enabled(v) || !is_text(v))
        return -1;
    struct scan s;
    get_scan(v, &s);
    unsigned rows = s.lines / (s.char_h * (s.dscan ? 2 : 1));
    if (rows > 128)
        rows = 128;
    if (s.cols > 256)
        s.cols = 256;
    size_t n = 0;
    for (unsigned r = 0; r < rows; r++) {
        char line[260];
        unsigned ll = 0;
        for (unsigned c = 0; c < s.cols; c++) {
            uint32_t ctr = (s.start + r * s.pitch + c) & 0xFFFF;
            line[ll++] = vga_cp437_ascii((uint8_t)vga_planes(v, xlate(v, ctr, 0)));
        }
        while (ll && line[ll - 1] == ' ')
            ll--;
        for (unsigned i = 0; i < ll + (r + 1 < rows); i++) {
            char ch = i < ll ? line[i] : '\n';
            if (n + 1 < len)
                buf[n] = ch;
            n++;
        }
    }
    if (len)
        buf[n < len ? n : len - 1] = 0;
    return (int)(n < len ? n : (len ? len - 1 : 0));
}

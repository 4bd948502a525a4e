/* The Bochs VBE "dispi" extension: index/data ports 0x1CE/0x1CF, the banked
 * window, the linear framebuffer at VGA_LFB_BASE and its rendering. */
#include "devices/board/machine.h"
#include "devices/video/vga_internal.h"

bool vbe_enabled(const struct vga *v)
{
    return v->r.dispi[DISPI_ENABLE] & DISPI_ENABLED;
}

unsigned vbe_bytes_pp(const struct vga *v)
{
    return (v->r.dispi[DISPI_BPP] + 7u) / 8u;
}

unsigned vbe_line_bytes(const struct vga *v)
{
    return v->r.dispi[DISPI_VIRT_WIDTH] * vbe_bytes_pp(v);
}

void vbe_reset(struct vga *v)
{
    memset(v->r.dispi, 0, sizeof v->r.dispi);
    v->r.dispi[DISPI_ID] = DISPI_ID5;
    v->r.dispi[DISPI_XRES] = 640;
    v->r.dispi[DISPI_YRES] = 480;
    v->r.dispi[DISPI_BPP] = 8;
    v->r.dispi[DISPI_VIRT_WIDTH] = 640;
    v->r.dispi[DISPI_VIDEO_MEMORY_64K] = (uint16_t)(VGA_VRAM_SIZE >> 16);
}

static bool valid_bpp(unsigned bpp)
{
    return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/* The virtual height follows from the virtual width: all of video memory. */
static void update_virt(struct vga *v)
{
    uint16_t *d = v->r.dispi;
    if (d[DISPI_VIRT_WIDTH] < d[DISPI_XRES])
        d[DISPI_VIRT_WIDTH] = d[DISPI_XRES];
    unsigned line = vbe_line_bytes(v);
    unsigned h = line ? VGA_VRAM_SIZE / line : 0;
    d[DISPI_VIRT_HEIGHT] = (uint16_t)(h > 0xFFFF ? 0xFFFF : h);
}

static uint16_t dispi_read(struct vga *v)
{
    uint16_t *d = v->r.dispi;
    unsigned i = v->r.dispi_index;
    if (i >= DISPI_COUNT)
        return 0;
    if (d[DISPI_ENABLE] & DISPI_GETCAPS) {
        if (i == DISPI_XRES)
            return DISPI_MAX_XRES;
        if (i == DISPI_YRES)
            return DISPI_MAX_YRES;
        if (i == DISPI_BPP)
            return DISPI_MAX_BPP;
    }
    return d[i];
}

static void dispi_write(struct vga *v, uint16_t val)
{
    uint16_t *d = v->r.dispi;
    unsigned i = v->r.dispi_index;
    vga_touch(v);
    switch (i) {
    case DISPI_ID:
        if (val >= DISPI_ID0 && val <= DISPI_ID5)
            d[DISPI_ID] = val;
        break;
    case DISPI_XRES:
    case DISPI_YRES:
    case DISPI_BPP:
        /* Geometry changes only while disabled, as on Bochs. */
        if (vbe_enabled(v))
            break;
        if (i == DISPI_BPP && val == 0)
            val = 8;
        if (i == DISPI_BPP && !valid_bpp(val))
            break;
        if (i == DISPI_XRES && (val == 0 || val > DISPI_MAX_XRES))
            break;
        if (i == DISPI_YRES && (val == 0 || val > DISPI_MAX_YRES))
            break;
        d[i] = val;
        break;
    case DISPI_ENABLE: {
        bool was = vbe_enabled(v);
        d[DISPI_ENABLE] =
            val & (DISPI_ENABLED | DISPI_GETCAPS | DISPI_8BIT_DAC | DISPI_LFB_ENABLED | DISPI_NOCLEARMEM);
        if ((val & DISPI_ENABLED) && !was) {
            d[DISPI_VIRT_WIDTH] = d[DISPI_XRES];
            d[DISPI_X_OFFSET] = d[DISPI_Y_OFFSET] = 0;
            d[DISPI_BANK] = 0;
            update_virt(v);
            if (!(val & DISPI_NOCLEARMEM)) {
                size_t n = (size_t)vbe_line_bytes(v) * d[DISPI_YRES];
                memset(v->vram, 0, n < VGA_VRAM_SIZE ? n : VGA_VRAM_SIZE);
            }
        }
        break;
    }
    case DISPI_BANK:
        if (val < (VGA_VRAM_SIZE >> 16))
            d[DISPI_BANK] = val;
        break;
    case DISPI_VIRT_WIDTH:
        if (val >= d[DISPI_XRES] && (uint32_t)val * vbe_bytes_pp(v) * d[DISPI_YRES] <= VGA_VRAM_SIZE) {
            d[DISPI_VIRT_WIDTH] = val;
            update_virt(v);
        }
        break;
    case DISPI_X_OFFSET:
    case DISPI_Y_OFFSET: d[i] = val; break;
    default: break;
    }
}

static uint32_t dispi_io_read(void *opaque, uint16_t port, int size)
{
    struct vga *v = opaque;
    uint32_t val = port == 0x1CE ? v->r.dispi_index : dispi_read(v);
    return size == 1 ? (val & 0xFF) : val;
}

static void dispi_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct vga *v = opaque;
    if (port == 0x1CE) {
        v->r.dispi_index = (uint16_t)value;
        if (size == 4) /* index and data in one dword access */
            dispi_write(v, (uint16_t)(value >> 16));
    } else {
        dispi_write(v, (uint16_t)value);
    }
}

int vbe_register(struct vga *v)
{
    mem_map_host(v->m, VGA_LFB_BASE, VGA_VRAM_SIZE, v->vram, true);
    /* 0x1D0 too: a 16-bit access to the data port at 0x1CF covers it, and
     * the bus splits accesses that straddle two handlers. */
    return bus_register_io(v->m, 0x1CE, 3, dispi_io_read, dispi_io_write, v, 0);
}

/* Draw the visible part of the virtual screen, starting at the x/y offset.
 * 4 bpp (planar) is shown as 8 bpp; nothing here uses it. */
int vbe_render(struct vga *v, uint32_t *out, const uint32_t *dac_rgb)
{
    const uint16_t *d = v->r.dispi;
    unsigned w = d[DISPI_XRES], h = d[DISPI_YRES];
    unsigned bpp = d[DISPI_BPP], bytes = vbe_bytes_pp(v), line = vbe_line_bytes(v);
    uint64_t base = (uint64_t)d[DISPI_Y_OFFSET] * line + (uint64_t)d[DISPI_X_OFFSET] * bytes;
    for (unsigned y = 0; y < h; y++) {
        uint32_t *o = out + (size_t)y * w;
        uint64_t row = base + (uint64_t)y * line;
        if (row + (uint64_t)w * bytes > VGA_VRAM_SIZE) {
            memset(o, 0, w * sizeof *o);
            continue;
        }
        const uint8_t *s = v->vram + row;
        for (unsigned x = 0; x < w; x++) {
            uint32_t px;
            switch (bpp) {
            case 15: {
                unsigned p = s[x * 2] | s[x * 2 + 1] << 8;
                unsigned r = (p >> 10) & 31, g = (p >> 5) & 31, b = p & 31;
                px = (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
                break;
            }
            case 16: {
                unsigned p = s[x * 2] | s[x * 2 + 1] << 8;
                unsigned r = (p >> 11) & 31, g = (p >> 5) & 63, b = p & 31;
                px = (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
                break;
            }
            case 24: px = (uint32_t)s[x * 3 + 2] << 16 | (uint32_t)s[x * 3 + 1] << 8 | s[x * 3]; break;
            case 32: px = (uint32_t)s[x * 4 + 2] << 16 | (uint32_t)s[x * 4 + 1] << 8 | s[x * 4]; break;
            default: px = dac_rgb[s[x]]; break;
            }
            o[x] = 0xFF000000u | px;
        }
    }
    return 0;
}

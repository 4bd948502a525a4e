/* The VGA's state, shared by the files of devices/video/ only: registers as
 * a plain struct, video memory beside it. */
#ifndef REX86_VGA_INTERNAL_H
#define REX86_VGA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "devices/video/vga.h"

/* Bochs VBE dispi register indices and ENABLE bits. */
enum {
    DISPI_ID,
    DISPI_XRES,
    DISPI_YRES,
    DISPI_BPP,
    DISPI_ENABLE,
    DISPI_BANK,
    DISPI_VIRT_WIDTH,
    DISPI_VIRT_HEIGHT,
    DISPI_X_OFFSET,
    DISPI_Y_OFFSET,
    DISPI_VIDEO_MEMORY_64K,
    DISPI_COUNT = 16
};
#define DISPI_ENABLED     0x01
#define DISPI_GETCAPS     0x02
#define DISPI_8BIT_DAC    0x20
#define DISPI_LFB_ENABLED 0x40
#define DISPI_NOCLEARMEM  0x80
#define DISPI_ID0         0xB0C0
#define DISPI_ID5         0xB0C5
#define DISPI_MAX_XRES    1920
#define DISPI_MAX_YRES    1200
#define DISPI_MAX_BPP     32

/* Planar memory is the first 256 KB of vram, stored interleaved: planar
 * offset o, plane p is vram[o * 4 + p], so the four latches are one uint32. */
#define VGA_PLANAR_SIZE (256u << 10)

struct vga_regs {
    uint8_t misc;
    uint8_t feature;
    uint8_t seq_index;
    uint8_t seq[8];
    uint8_t crtc_index;
    uint8_t crtc[64];
    uint8_t gc_index;
    uint8_t gc[16];
    uint8_t attr_index; /* bit 5 is the palette address source */
    uint8_t attr[32];
    bool attr_flipflop; /* false: next 0x3C0 write is an index */
    uint8_t dac_write_index, dac_read_index, dac_sub, dac_state, dac_pel_mask;
    uint8_t dac_latch[3];
    uint8_t dac[256][3];
    uint32_t latch;
    uint16_t dispi_index;
    uint16_t dispi[DISPI_COUNT];
};

struct vga {
    struct machine *m;
    struct vga_regs r;
    uint8_t *vram;     /* VGA_VRAM_SIZE bytes, also the LFB */
    uint8_t *rom;      /* VGA_ROM_SIZE bytes */
    bool rom_external; /* holds a user-supplied VGA BIOS image */
    /* Render output and change tracking. */
    uint32_t *fb;
    size_t fb_cap;
    bool dirty;
    uint64_t last_key;
    /* Moves with every write to the registers or the memory window (not
     * the LFB, which is host memory): vga_change_count. */
    uint64_t changes;
};

/* The picture, or the text on the screen, may have changed. */
static inline void vga_touch(struct vga *v)
{
    v->dirty = true;
    v->changes++;
}

/* vga.c */
struct vga *vga_of(struct machine *m);
/* Raster position from virtual time: vertical retrace, display disabled,
 * and the frame number (for blinking). */
void vga_timing(struct vga *v, bool *vretrace, bool *blank, uint64_t *frame);

/* vga_mem.c: the 0xA0000-0xBFFFF window as the CPU sees it. */
uint8_t vga_mem_readb(struct vga *v, uint32_t addr);
void vga_mem_writeb(struct vga *v, uint32_t addr, uint8_t val);
int vga_mem_register(struct vga *v);

/* vbe.c */
int vbe_register(struct vga *v);
void vbe_reset(struct vga *v);
bool vbe_enabled(const struct vga *v);
/* Bytes per pixel (15 bpp counts as 2) and bytes per scan line. */
unsigned vbe_bytes_pp(const struct vga *v);
unsigned vbe_line_bytes(const struct vga *v);
int vbe_render(struct vga *v, uint32_t *out, const uint32_t *dac_rgb);

static inline uint32_t vga_planes(const struct vga *v, uint32_t off)
{
    uint32_t x;
    memcpy(&x, v->vram + (off & 0xFFFFu) * 4u, 4);
    return x;
}

static inline uint32_t vga_dac_rgb(const struct vga *v, unsigned i)
{
    const uint8_t *c = v->r.dac[i & 0xFF];
    if (v->r.dispi[DISPI_ENABLE] & DISPI_8BIT_DAC)
        return 0xFF000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
    uint32_t r = (c[0] & 63u) << 2 | (c[0] & 63u) >> 4;
    uint32_t g = (c[1] & 63u) << 2 | (c[1] & 63u) >> 4;
    uint32_t b = (c[2] & 63u) << 2 | (c[2] & 63u) >> 4;
    return 0xFF000000u | r << 16 | g << 8 | b;
}

#endif

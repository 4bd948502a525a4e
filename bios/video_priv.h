/* Inside the video BIOS: mode descriptions, the option ROM layout, and the
 * helpers shared by int10*.c. */
#ifndef REX86_BIOS_VIDEO_PRIV_H
#define REX86_BIOS_VIDEO_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "bios/bios_priv.h"
#include "bios/video.h"

enum vmode_kind { VM_TEXT, VM_MTEXT, VM_CGA4, VM_CGA2, VM_PLANAR, VM_LIN8 };

/* A standard mode. p[] is the IBM video parameter table entry: columns,
 * rows-1, character height, page size, sequencer 1-4, misc output, CRTC
 * 0-24, attribute 0-19, graphics controller 0-8. */
struct vmode {
    uint8_t mode;
    uint8_t kind;
    uint16_t seg; /* A000, B000 or B800 */
    uint8_t pages;
    uint16_t width, height; /* pixels (graphics) */
    uint8_t p[64];
};
enum {
    VP_COLS = 0,
    VP_ROWS = 1,
    VP_CHEIGHT = 2,
    VP_PAGESIZE = 3,
    VP_SEQ = 5,
    VP_MISC = 9,
    VP_CRTC = 10,
    VP_ATTR = 35,
    VP_GC = 55
};

/* The option ROM at C000:0000 (VGA_ROM_BASE). */
enum {
    VROM_LEN = 0x4000,
    VROM_OEM = 0x0010, /* OEM string */
    VROM_VENDOR = 0x0040,
    VROM_PRODUCT = 0x0050,
    VROM_REV = 0x0060,
    VROM_WINFUNC = 0x0080,  /* VBE window function: INT 10h AX=4F05h, RETF */
    VROM_MODES = 0x0090,    /* VBE mode list, FFFFh-terminated */
    VROM_STATIC = 0x0100,   /* INT 10h 1Bh static functionality table */
    VROM_SAVEPTR = 0x0110,  /* video save pointer table (BDA 4A8h) */
    VROM_ALT_NONE = 0x0180, /* empty 9x14/9x16 alternate font tables */
    VROM_PARAMS = 0x0200,   /* video parameter table, 29 entries of 64 bytes */
    VROM_FONT8 = 0x1000,
    VROM_FONT14 = 0x1800,
    VROM_FONT16 = 0x2600,
};
#define VROM_SEG 0xC000u

/* BDA fields. */
#define BDA_MODE      BDA(0x49)
#define BDA_COLS      BDA(0x4A)
#define BDA_PAGESIZE  BDA(0x4C)
#define BDA_PAGESTART BDA(0x4E)
#define BDA_CURPOS    BDA(0x50)
#define BDA_CURTYPE   BDA(0x60)
#define BDA_PAGE      BDA(0x62)
#define BDA_CRTC      BDA(0x63)
#define BDA_CGAMODE   BDA(0x65)
#define BDA_CGAPAL    BDA(0x66)
#define BDA_ROWS      BDA(0x84)
#define BDA_CHEIGHT   BDA(0x85)
#define BDA_VIDCTL    BDA(0x87)
#define BDA_SWITCHES  BDA(0x88)
#define BDA_MODESET   BDA(0x89)
#define BDA_DCC       BDA(0x8A)
#define BDA_SAVEPTR   BDA(0xA8)
#define BDA_VBE_MODE  BDA(0xBA)

/* int10_mode.c */
const struct vmode *vid_find_mode(uint8_t mode);
const struct vmode *vid_cur_mode(struct machine *m);
bool vid_set_mode(struct machine *m, uint8_t al);
void vid_load_font(struct machine *m, const uint8_t *font, unsigned height, unsigned first, unsigned count,
                   unsigned block);
void vid_font_rows(struct machine *m, unsigned height);
void vid_default_palette(struct machine *m, uint8_t mode);
uint32_t vid_rom_font(unsigned height); /* linear address of a ROM font */
void vid_seq(struct machine *m, uint8_t idx, uint8_t v);
void vid_gc(struct machine *m, uint8_t idx, uint8_t v);
void vid_crtc(struct machine *m, uint8_t idx, uint8_t v);
uint8_t vid_crtc_read(struct machine *m, uint8_t idx);
void vid_attr(struct machine *m, uint8_t idx, uint8_t v);
uint8_t vid_attr_read(struct machine *m, uint8_t idx);
void vid_dac_write(struct machine *m, uint8_t index, const uint8_t *rgb, unsigned count);
void vid_dac_read(struct machine *m, uint8_t index, uint8_t *rgb, unsigned count);

/* int10.c */
void vid_set_cursor(struct machine *m, uint8_t page, uint8_t row, uint8_t col);
void vid_tty(struct machine *m, uint8_t page, uint8_t ch, uint8_t color);

/* int10_gfx.c: graphics-mode output. */
void vid_gfx_pixel(struct machine *m, const struct vmode *vm, uint8_t page, unsigned x, unsigned y,
                   uint8_t color);
uint8_t vid_gfx_getpixel(struct machine *m, const struct vmode *vm, uint8_t page, unsigned x, unsigned y);
void vid_gfx_char(struct machine *m, const struct vmode *vm, uint8_t page, unsigned row, unsigned col,
                  uint8_t ch, uint8_t color, bool bg);
uint8_t vid_gfx_readchar(struct machine *m, const struct vmode *vm, uint8_t page, unsigned row, unsigned col);
void vid_gfx_scroll(struct machine *m, const struct vmode *vm, int lines, unsigned r0, unsigned c0,
                    unsigned r1, unsigned c1, uint8_t color);

/* int10_vbe.c */
void vid_vbe(struct machine *m);
void vid_vbe_rom(uint8_t *rom);
void vid_vbe_off(struct machine *m);

#endif

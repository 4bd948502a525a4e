/* The VGA: an IBM VGA-compatible adapter (sequencer, CRTC, graphics and
 * attribute controllers, DAC, 256 KB of planar memory) plus the Bochs VBE
 * "dispi" extension with a linear framebuffer. */
#ifndef REX86_VGA_H
#define REX86_VGA_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* Where the Bochs VBE linear framebuffer sits and how big video memory is. */
#define VGA_LFB_BASE  0xE0000000u
#define VGA_VRAM_SIZE (16u << 20)
/* The video BIOS option ROM (fonts, tables) at 0xC0000. */
#define VGA_ROM_BASE 0xC0000u
#define VGA_ROM_SIZE 0x10000u

/* Create the adapter, register its ports (0x3B0-0x3DF, 0x1CE/0x1CF), the
 * 0xA0000-0xBFFFF window, the LFB and its reset/free hooks; map
 * cfg.vgabios_file at 0xC0000 if given. Returns 0 or -1 (machine_error). */
int vga_init(struct machine *m);
void vga_reset(struct machine *m);
/* machine_destroy calls this through the registered hook. */
void vga_free(struct machine *m);

/* Render the current picture as 0xAARRGGBB pixels. *pixels stays owned by
 * the VGA and is valid until the next call. Returns 1 when the picture may
 * have changed since the last call, 0 when it has not, -1 without a VGA. */
int vga_render(struct machine *m, uint32_t **pixels, int *width, int *height);

/* The current text screen as ASCII lines separated by '\n', trailing blanks
 * trimmed, NUL-terminated (truncated to len). CP437 graphics map to ASCII
 * look-alikes, anything else to '?'. Returns the length written, or -1 in a
 * graphics mode. */
int vga_text_dump(struct machine *m, char *buf, size_t len);
/* A count that moves whenever the guest writes the VGA's registers or its
 * memory window at 0xA0000 (or a saved state is loaded): while it stands
 * still, vga_text_dump gives the same text, unless the guest wrote the
 * video memory through the linear framebuffer, which nothing sees. 0
 * without a VGA. */
uint64_t vga_change_count(struct machine *m);

/* The option ROM buffer (VGA_ROM_SIZE bytes) the video BIOS fills and maps
 * read-only at VGA_ROM_BASE; NULL without a VGA, or when a VGA BIOS image
 * (cfg.vgabios_file) occupies it. */
uint8_t *vga_rom(struct machine *m);

/* The built-in text font (rex86's own glyphs): writes 256 glyphs of `height`
 * rows (8, 14 or 16) to dst, one byte per row, bit 7 leftmost. */
void vga_font_build(uint8_t *dst, int height);
/* CP437 code to a printable ASCII character for text dumps. */
char vga_cp437_ascii(uint8_t ch);

#endif

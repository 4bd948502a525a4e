/* The video BIOS of rex86's own BIOS: INT 10h (VGA modes, text and graphics
 * output, palette, fonts, VBE 2.0) over the VGA in devices/video/. */
#ifndef REX86_BIOS_VIDEO_H
#define REX86_BIOS_VIDEO_H

struct machine;

/* POST: builds the video option ROM (fonts, tables) at C0000, sets the
 * BDA video fields and INT 1Fh/43h, and sets mode 3. No-op without a VGA. */
void bios_video_init(struct machine *m);
/* INT 10h with the caller's registers in m->cpu. */
void bios_int10(struct machine *m);

#endif

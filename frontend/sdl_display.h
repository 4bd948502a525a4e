/* The SDL2 window: a streaming texture holding the guest's picture, drawn
 * at the mode's aspect ratio with integer or smooth scaling. */
#ifndef REX86_FRONTEND_SDL_DISPLAY_H
#define REX86_FRONTEND_SDL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sdl_display;

/* Opens the window (SDL's video subsystem must be initialised). Returns
 * NULL with a sentence in err when no window can be made. */
struct sdl_display *sdl_display_open(const char *title, char *err, size_t errlen);
void sdl_display_close(struct sdl_display *d);

/* A new picture (0xAARRGGBB, width x height); copied into the texture. */
void sdl_display_update(struct sdl_display *d, const uint32_t *pixels, int width, int height);
/* Draws the texture and presents it. */
void sdl_display_present(struct sdl_display *d);
void sdl_display_set_title(struct sdl_display *d, const char *title);
void sdl_display_toggle_fullscreen(struct sdl_display *d);
/* Integer scaling (sharp, possibly with borders) or smooth (fills the
 * window, filtered). Returns the new state: true = smooth. */
bool sdl_display_toggle_smooth(struct sdl_display *d);
/* The SDL window id, to match window events. */
uint32_t sdl_display_window_id(struct sdl_display *d);

/* The shape a width x height guest picture is shown in: 200-, 350- and
 * 400-line pictures (320x200, 640x350, 640x400, 720x400 text...) are shown
 * 4:3; the rest have square pixels. */
void sdl_display_aspect(int width, int height, int *shown_w, int *shown_h);

#endif

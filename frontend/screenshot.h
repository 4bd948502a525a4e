/* Screenshots of the guest's screen as PNG files (--screenshot and the
 * Ctrl+Alt+S host key), at the picture's own resolution. */
#ifndef REX86_FRONTEND_SCREENSHOT_H
#define REX86_FRONTEND_SCREENSHOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* Writes a width x height picture to path. Returns 0, or -1 after printing
 * one sentence naming the file. */
int screenshot_write(const char *path, const uint32_t *pixels, int width, int height);
/* Renders the screen now and writes it (the exit-time --screenshot). */
int screenshot_machine(struct machine *m, const char *path);
/* The first rex86-<n>.png in the current directory that does not exist. */
void screenshot_next_name(char *buf, size_t len);

#endif

/* PNG screenshots: the exit-time --screenshot FILE and the numbered files
 * the host key writes, through the zlib-only writer in lib/png.c. */
#include "frontend/screenshot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/video/vga.h"
#include "frontend/lib/png.h"

int screenshot_write(const char *path, const uint32_t *pixels, int width, int height)
{
    errno = 0;
    if (png_write_file(path, pixels, width, height) < 0) {
        fprintf(stderr, "rex86: cannot write the screenshot '%s'%s%s.\n", path, errno ? ": " : "",
                errno ? strerror(errno) : "");
        return -1;
    }
    return 0;
}

int screenshot_machine(struct machine *m, const char *path)
{
    uint32_t *pixels;
    int w, h;
    if (vga_render(m, &pixels, &w, &h) < 0) {
        fprintf(stderr, "rex86: no screenshot '%s': this machine has no display adapter.\n", path);
        return -1;
    }
    return screenshot_write(path, pixels, w, h);
}

void screenshot_next_name(char *buf, size_t len)
{
    for (unsigned n = 1;; n++) {
        snprintf(buf, len, "rex86-%u.png", n);
        if (access(buf, F_OK) != 0 || n >= 100000)
            return;
    }
}

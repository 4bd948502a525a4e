/* Character backends: the stdio and file sinks behind struct chardev. Writing
 * guest output to the host is the whole job of these two, so they may touch
 * stdout; nothing else in the core does. */
#include "devices/serial/chardev.h"

#include <stdio.h>
#include <string.h>

#include "devices/board/machine.h"

static void chardev_file_write(void *opaque, const uint8_t *buf, size_t len)
{
    FILE *f = opaque;
    fwrite(buf, 1, len, f);
    /* The frontend and the user watch this output live (and a test may kill
     * the process), so nothing may linger in the stdio buffer. */
    fflush(f);
}

static void chardev_file_close(void *opaque)
{
    fclose(opaque);
}

int chardev_open(struct machine *m, struct chardev *cd, const char *spec)
{
    memset(cd, 0, sizeof(*cd));
    if (!spec || !spec[0] || !strcmp(spec, "none") || !strcmp(spec, "null"))
        return 0;
    if (!strcmp(spec, "stdio")) {
        cd->write = chardev_file_write;
        cd->opaque = stdout;
        return 0;
    }
    if (!strncmp(spec, "file:", 5)) {
        if (!spec[5])
            return machine_error(m, "character backend 'file:' needs a path");
        FILE *f = fopen(spec + 5, "wb");
        if (!f)
            return machine_error(m, "cannot create '%s' for guest output", spec + 5);
        cd->write = chardev_file_write;
        cd->close = chardev_file_close;
        cd->opaque = f;
        return 0;
    }
    return machine_error(m, "unknown character backend '%s' (use none, stdio or file:PATH)", spec);
}

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    if (cd->write && len)
        cd->write(cd->opaque, buf, len);
}

void chardev_close(struct chardev *cd)
{
    if (cd->close)
        cd->close(cd->opaque);
    memset(cd, 0, sizeof(*cd));
}

/* --exit-on: watches the guest's text streams (serial, debugcon, BIOS
 * teletype) and the text screen for a string, without buffering the output. */
#ifndef REX86_FRONTEND_WATCH_H
#define REX86_FRONTEND_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

#define WATCH_MAX_SOURCES 8

/* One partial match per source, so text interleaved from two ports (or a
 * string split across writes) is matched as each port sent it. */
struct watch_source {
    char name[16]; /* the core's source tag ("com1", "debugcon", ...) */
    size_t state;  /* characters of the needle matched so far */
};

struct watch {
    struct machine *m;
    const char *needle; /* NULL: watch nothing */
    size_t len;
    size_t *fail; /* KMP failure table */
    struct watch_source src[WATCH_MAX_SOURCES];
    int nsrc;
    bool matched;
};

void watch_init(struct watch *w, struct machine *m, const char *needle);
void watch_free(struct watch *w);
/* Feeds guest output from `src`; true once the needle has been seen. */
bool watch_feed(struct watch *w, const char *src, const uint8_t *buf, size_t len);
/* Looks for the needle in a snapshot of the text screen. */
bool watch_screen(struct watch *w, const char *screen, size_t len);

#endif

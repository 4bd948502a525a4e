/* --exit-on: a streaming Knuth-Morris-Pratt match per guest text source, and
 * a plain search over text-screen snapshots. */
#include "frontend/watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void watch_init(struct watch *w, struct machine *m, const char *needle)
{
    memset(w, 0, sizeof(*w));
    w->m = m;
    if (!needle || !*needle)
        return;
    w->needle = needle;
    w->len = strlen(needle);
    w->fail = calloc(w->len, sizeof(*w->fail));
    if (!w->fail) {
        w->needle = NULL;
        return;
    }
    for (size_t i = 1, k = 0; i < w->len; i++) {
        while (k && needle[i] != needle[k])
            k = w->fail[k - 1];
        if (needle[i] == needle[k])
            k++;
        w->fail[i] = k;
    }
}

void watch_free(struct watch *w)
{
    free(w->fail);
    w->fail = NULL;
}

static struct watch_source *find_source(struct watch *w, const char *name)
{
    if (!name)
        name = "";
    for (int i = 0; i < w->nsrc; i++)
        if (!strncmp(w->src[i].name, name, sizeof(w->src[i].name) - 1))
            return &w->src[i];
    /* More sources than slots: share the last one rather than miss text. */
    if (w->nsrc == WATCH_MAX_SOURCES)
        return &w->src[WATCH_MAX_SOURCES - 1];
    struct watch_source *s = &w->src[w->nsrc++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->state = 0;
    return s;
}

bool watch_feed(struct watch *w, const char *src, const uint8_t *buf, size_t len)
{
    if (!w->needle || w->matched)
        return w->matched;
    struct watch_source *s = find_source(w, src);
    size_t k = s->state;
    for (size_t i = 0; i < len; i++) {
        char c = (char)buf[i];
        while (k && c != w->needle[k])
            k = w->fail[k - 1];
        if (c == w->needle[k])
            k++;
        if (k == w->len) {
            w->matched = true;
            k = 0;
            break;
        }
    }
    s->state = k;
    return w->matched;
}

bool watch_screen(struct watch *w, const char *screen, size_t len)
{
    if (!w->needle || w->matched)
        return w->matched;
    for (size_t i = 0; i + w->len <= len && !w->matched; i++)
        w->matched = !memcmp(screen + i, w->needle, w->len);
    return w->matched;
}

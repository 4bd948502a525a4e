/* The control API's commands (status, pause, resume, screenshot,
 * screen-text, type, key, wait-text, savevm, loadvm, quit, help) and the one-line JSON
 * replies they send; docs/control.md is the reference. */
#include "frontend/control_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/chipset/kbc.h"
#include "devices/video/vga.h"
#include "frontend/keynames.h"
#include "frontend/lib/json.h"
#include "frontend/lib/png.h"

#define DEFAULT_TIMEOUT 30.0 /* seconds, for wait-text, type and key */
#define MAX_TIMEOUT     86400.0

/* ---- replies ---- */

static void jout_put(struct jout *j, const char *s, size_t n)
{
    if (j->oom)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        char *nb = realloc(j->buf, cap);
        if (!nb) {
            j->oom = true;
            return;
        }
        j->buf = nb;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = 0;
}

void jout_raw(struct jout *j, const char *text)
{
    jout_put(j, text, strlen(text));
}

/* A JSON string. Bytes outside printable ASCII are escaped, so a reply is
 * valid JSON whatever the guest put on its screen. */
void jout_string_n(struct jout *j, const char *s, size_t n)
{
    jout_put(j, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            jout_put(j, esc, 2);
        } else if (ch == '\n') {
            jout_put(j, "\\n", 2);
        } else if (ch == '\t') {
            jout_put(j, "\\t", 2);
        } else if (ch < 0x20 || ch >= 0x7F) {
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
            jout_put(j, esc, 6);
        } else {
            jout_put(j, (const char *)&ch, 1);
        }
    }
    jout_put(j, "\"", 1);
}

void jout_key(struct jout *j, const char *key)
{
    jout_put(j, ",", 1);
    jout_string_n(j, key, strlen(key));
    jout_put(j, ":", 1);
}

void jout_string(struct jout *j, const char *key, const char *value)
{
    jout_key(j, key);
    jout_string_n(j, value, strlen(value));
}

void jout_number(struct jout *j, const char *key, double value)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.6g", isfinite(value) ? value : 0.0);
    jout_key(j, key);
    jout_raw(j, buf);
}

void jout_u64(struct jout *j, const char *key, uint64_t value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
    jout_key(j, key);
    jout_raw(j, buf);
}

void jout_bool(struct jout *j, const char *key, bool value)
{
    jout_key(j, key);
    jout_raw(j, value ? "true" : "false");
}

void jout_begin(struct jout *j, bool ok, const char *id)
{
    memset(j, 0, sizeof(*j));
    jout_raw(j, ok ? "{\"ok\":true" : "{\"ok\":false");
    if (id && *id) {
        jout_key(j, "id");
        jout_raw(j, id);
    }
}

void jout_end(struct jout *j, struct control *c, int i)
{
    jout_raw(j, "}\n");
    if (!j->oom)
        control_send(c, i, j->buf, j->len);
    free(j->buf);
    memset(j, 0, sizeof(*j));
}

void control_error(struct control *c, int i, const char *id, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct jout j;
    jout_begin(&j, false, id);
    jout_string(&j, "error", msg);
    jout_end(&j, c, i);
}

/* ---- requests ---- */

/* The request's "id" as JSON text to echo: a string or a number. */
static int request_id(const struct json_value *req, char *id, size_t len)
{
    const struct json_value *v = json_get(req, "id");
    id[0] = 0;
    if (!v)
        return 0;
    if (v->type == JSON_NUMBER) {
        if (v->u.number.is_int)
            snprintf(id, len, "%lld", (long long)v->u.number.i);
        else
            snprintf(id, len, "%.17g", v->u.number.value);
        return 0;
    }
    if (v->type == JSON_STRING && v->u.string.len <= 64) {
        struct jout j = {0};
        jout_string_n(&j, v->u.string.ptr, v->u.string.len);
        snprintf(id, len, "%s", j.buf ? j.buf : "");
        free(j.buf);
        return 0;
    }
    return -1;
}

/* "timeout": seconds > 0, DEFAULT_TIMEOUT when absent. */
static int request_timeout(struct control *c, int i, const char *id, const struct json_value *req,
                           double *out)
{
    const struct json_value *v = json_get(req, "timeout");
    *out = DEFAULT_TIMEOUT;
    if (!v)
        return 0;
    if (!json_number(v, out) || !(*out > 0) || *out > MAX_TIMEOUT) {
        control_error(c, i, id, "\"timeout\" must be a number of seconds above 0 and at most %g",
                      MAX_TIMEOUT);
        return -1;
    }
    return 0;
}

static const char *stop_name(enum machine_stop s)
{
    switch (s) {
    case STOP_NONE: return "none";
    case STOP_EXIT_DEVICE: return "exit-device";
    case STOP_HALTED: return "halted";
    case STOP_SHUTDOWN: return "shutdown";
    case STOP_POWEROFF: return "poweroff";
    case STOP_REQUESTED: return "requested";
    case STOP_SLICE: return "slice";
    }
    return "unknown";
}

static void cmd_status(struct control *c, int i, const char *id)
{
    struct machine *m = c->m;
    double host = control_now() - c->start_s;
    uint64_t insns = m->cpu.icount;
    char dump[8];
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "state", c->paused || c->window_paused ? "paused" : "running");
    jout_number(&j, "virtual_time", (double)clock_now(m) * 1e-9);
    jout_u64(&j, "instructions", insns);
    jout_number(&j, "mips", host > 0 ? (double)(insns - c->start_icount) / host / 1e6 : 0.0);
    jout_string(&j, "stop", stop_name(c->last_stop));
    jout_u64(&j, "slices", c->slices);
    jout_bool(&j, "typing", kbc_typing(m));
    jout_string(&j, "screen",
                !m->vga                                    ? "none"
                : vga_text_dump(m, dump, sizeof(dump)) < 0 ? "graphics"
                                                           : "text");
    jout_end(&j, c, i);
}

static void cmd_screenshot(struct control *c, int i, const char *id, const struct json_value *req)
{
    const char *file = json_string(json_get(req, "file"));
    if (!file || !*file) {
        control_error(c, i, id,
                      "screenshot needs \"file\": the PNG file to write, as in "
                      "{\"cmd\":\"screenshot\",\"file\":\"shot.png\"}");
        return;
    }
    uint32_t *px;
    int w, h;
    if (!c->m->vga || vga_render(c->m, &px, &w, &h) < 0) {
        control_error(c, i, id, "this machine has no display to take a screenshot of");
        return;
    }
    errno = 0;
    if (png_write_file(file, px, w, h) < 0) {
        control_error(c, i, id, "cannot write the screenshot to '%s': %s", file,
                      errno ? strerror(errno) : "the PNG encoder failed");
        return;
    }
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "file", file);
    jout_u64(&j, "width", (uint64_t)w);
    jout_u64(&j, "height", (uint64_t)h);
    jout_end(&j, c, i);
}

static void cmd_screen_text(struct control *c, int i, const char *id)
{
    int n = c->m->vga ? vga_text_dump(c->m, c->screen, sizeof(c->screen)) : -1;
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "mode", n < 0 ? "graphics" : "text");
    jout_key(&j, "lines");
    jout_raw(&j, "[");
    if (n >= 0) {
        /* Rows are separated by '\n' (none after the last), and a blank
         * last row is still a row. */
        for (const char *p = c->screen;; p++) {
            size_t len = strcspn(p, "\n");
            if (p != c->screen)
                jout_raw(&j, ",");
            jout_string_n(&j, p, len);
            p += len;
            if (!*p)
                break;
        }
    }
    jout_raw(&j, "]");
    jout_end(&j, c, i);
}

/* type and key answer once the guest has read every key ("typed":"done"),
 * or at once with "wait": false ("typed":"queued"). */
static void typed_reply(struct control *c, int i, const char *id, const struct json_value *req, int skipped)
{
    bool wait = true;
    const struct json_value *w = json_get(req, "wait");
    double timeout;
    if (w && !json_bool(w, &wait)) {
        control_error(c, i, id, "\"wait\" must be true or false");
        return;
    }
    if (request_timeout(c, i, id, req, &timeout) < 0)
        return;
    if (wait && kbc_typing(c->m)) {
        struct pending *p = control_pending_new(c, i, id);
        if (p) {
            p->kind = PEND_TYPED;
            p->skipped = skipped;
            p->timeout = timeout;
            p->deadline = control_now() + timeout;
            return;
        }
        /* No slot to wait in: say it is queued rather than fail. */
    }
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "typed", kbc_typing(c->m) ? "queued" : "done");
    jout_u64(&j, "skipped", (uint64_t)skipped);
    jout_end(&j, c, i);
}

static void cmd_type(struct control *c, int i, const char *id, const struct json_value *req)
{
    const struct json_value *t = json_get(req, "text");
    if (!json_string(t)) {
        control_error(c, i, id,
                      "type needs \"text\": the characters to type, as in "
                      "{\"cmd\":\"type\",\"text\":\"dir\\n\"}");
        return;
    }
    if (!c->m->kbc) {
        control_error(c, i, id, "this machine has no keyboard");
        return;
    }
    if (strlen(t->u.string.ptr) != t->u.string.len) {
        control_error(c, i, id, "\"text\" holds a NUL character, which no key types");
        return;
    }
    int skipped = kbc_type_text(c->m, t->u.string.ptr);
    typed_reply(c, i, id, req, skipped);
}

/* "keys": combinations separated by blanks ("ctrl-alt-del", "alt-f x"),
 * each pressed in order and released in reverse. All are checked before
 * any is sent, so a typo sends nothing. */
static void cmd_key(struct control *c, int i, const char *id, const struct json_value *req)
{
    const char *keys = json_string(json_get(req, "keys"));
    if (!keys || !*keys) {
        control_error(c, i, id, "key needs \"keys\": a combination such as \"ctrl-alt-del\" or \"f1\"");
        return;
    }
    if (!c->m->kbc) {
        control_error(c, i, id, "this machine has no keyboard");
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *p = keys;
        while (*p) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            if (!len)
                break;
            char combo[128];
            uint16_t codes[KEYNAMES_MAX_COMBO];
            char err[256];
            snprintf(combo, sizeof(combo), "%.*s", (int)len, p);
            int n = len < sizeof(combo) ? keynames_parse(combo, codes, err, sizeof(err)) : -1;
            if (n < 0) {
                if (len >= sizeof(combo))
                    snprintf(err, sizeof(err), "a key combination is at most %zu characters",
                             sizeof(combo) - 1);
                control_error(c, i, id, "%s", err);
                return;
            }
            if (pass == 1) {
                for (int k = 0; k < n; k++)
                    kbc_type_key(c->m, codes[k], true);
                for (int k = n - 1; k >= 0; k--)
                    kbc_type_key(c->m, codes[k], false);
            }
            p += len;
        }
    }
    typed_reply(c, i, id, req, 0);
}

static void cmd_wait_text(struct control *c, int i, const char *id, const struct json_value *req)
{
    const struct json_value *t = json_get(req, "text");
    double timeout;
    if (!json_string(t) || !t->u.string.len || strlen(t->u.string.ptr) != t->u.string.len) {
        control_error(c, i, id,
                      "wait-text needs \"text\": what to wait for, as in "
                      "{\"cmd\":\"wait-text\",\"text\":\"A:\\\\>\",\"timeout\":30}");
        return;
    }
    if (request_timeout(c, i, id, req, &timeout) < 0)
        return;
    struct pending *p = control_pending_new(c, i, id);
    if (!p) {
        control_error(c, i, id, "%d requests are already waiting; wait for one of them first",
                      CONTROL_MAX_PENDING);
        return;
    }
    p->kind = PEND_WAIT_TEXT;
    p->needle = strdup(t->u.string.ptr);
    p->timeout = timeout;
    p->deadline = control_now() + timeout;
    watch_init(&p->w, c->m, p->needle);
    if (!p->needle || !p->w.needle) {
        control_pending_free(p);
        control_error(c, i, id, "out of memory");
    }
    /* The screen is checked at the end of this poll, so text already there
     * answers at once. */
}

static void cmd_simple(struct control *c, int i, const char *id, const char *state)
{
    struct jout j;
    jout_begin(&j, true, id);
    if (state)
        jout_string(&j, "state", state);
    jout_end(&j, c, i);
}

static const char *const commands =
    "status, pause, resume, screenshot, screen-text, type, key, wait-text, savevm, loadvm, quit, help";

void control_run_line(struct control *c, int i, const char *line, size_t len)
{
    size_t k = 0;
    while (k < len && (line[k] == ' ' || line[k] == '\t'))
        k++;
    if (k == len)
        return; /* blank lines are ignored */
    struct json_error jerr;
    struct json_value *req = json_parse(line, len, &jerr);
    if (!req) {
        control_error(c, i, NULL,
                      "that line is not JSON (column %u: %s); send one object per line, like "
                      "{\"cmd\":\"status\"}",
                      jerr.column, jerr.msg);
        return;
    }
    char id[CONTROL_ID_MAX];
    const char *cmd = json_string(json_get(req, "cmd"));
    if (req->type != JSON_OBJECT) {
        control_error(c, i, NULL, "a request is a JSON object, like {\"cmd\":\"status\"}, not this %s",
                      json_type_name(req->type));
    } else if (request_id(req, id, sizeof(id)) < 0) {
        control_error(c, i, NULL, "\"id\" must be a string (up to 64 characters) or a number");
    } else if (!cmd) {
        control_error(c, i, id, "the request has no \"cmd\" string; the commands are %s", commands);
    } else if (!strcmp(cmd, "status")) {
        cmd_status(c, i, id);
    } else if (!strcmp(cmd, "pause")) {
        c->paused = true;
        cmd_simple(c, i, id, "paused");
    } else if (!strcmp(cmd, "resume")) {
        c->paused = false;
        /* The window's own pause holds until Ctrl+Alt+P there. */
        cmd_simple(c, i, id, c->window_paused ? "paused" : "running");
    } else if (!strcmp(cmd, "screenshot")) {
        cmd_screenshot(c, i, id, req);
    } else if (!strcmp(cmd, "screen-text")) {
        cmd_screen_text(c, i, id);
    } else if (!strcmp(cmd, "type")) {
        cmd_type(c, i, id, req);
    } else if (!strcmp(cmd, "key")) {
        cmd_key(c, i, id, req);
    } else if (!strcmp(cmd, "wait-text")) {
        cmd_wait_text(c, i, id, req);
    } else if (!strcmp(cmd, "savevm")) {
        control_cmd_savevm(c, i, id, req);
    } else if (!strcmp(cmd, "loadvm")) {
        control_cmd_loadvm(c, i, id, req);
    } else if (!strcmp(cmd, "quit")) {
        if (!c->quit) {
            c->quit = true;
            c->quit_client = i;
            snprintf(c->quit_id, sizeof(c->quit_id), "%s", id);
        }
    } else if (!strcmp(cmd, "help")) {
        struct jout j;
        jout_begin(&j, true, id);
        jout_string(&j, "commands", commands);
        jout_end(&j, c, i);
    } else {
        control_error(c, i, id, "'%s' is not a command; the commands are %s", cmd, commands);
    }
    json_free(req);
}

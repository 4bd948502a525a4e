/* The INI reader behind -config: one line at a time, so every error can name
 * its line. The syntax is documented in docs/config.md. */
#include "frontend/lib/ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INI_MAX_FILE (1u << 20) /* a config file is small; refuse anything huge */

static int ini_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ini_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static char *dup_lower(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = (char)tolower((unsigned char)s[i]);
    d[n] = 0;
    return d;
}

/* After a value or a section header only blanks and a comment may follow. */
static bool only_comment(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p == end || *p == '#' || *p == ';';
}

/* A quoted value: "..." with \" \\ \n \t escapes, or '...' taken literally.
 * Writes the value to out (which has room for end - p bytes). */
static int parse_quoted(const char *p, const char *end, char *out, char *err, size_t errlen)
{
    char q = *p++;
    size_t n = 0;
    for (;;) {
        if (p == end)
            return ini_fail(err, errlen, "the value's opening %c quote is never closed", q);
        char c = *p++;
        if (c == q)
            break;
        if (c == '\\' && q == '"') {
            if (p == end)
                return ini_fail(err, errlen, "the value's opening \" quote is never closed");
            c = *p++;
            switch (c) {
            case '"':
            case '\\': break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            default:
                return ini_fail(
                    err, errlen,
                    "'\\%c' is not an escape rex86 knows inside \"...\" (use \\\" \\\\ \\n or \\t)", c);
            }
        }
        out[n++] = c;
    }
    out[n] = 0;
    if (!only_comment(p, end))
        return ini_fail(err, errlen, "there is text after the value's closing quote");
    return 0;
}

static int add_entry(struct ini *ini, unsigned line, const char *section, unsigned section_line,
                     const char *key, size_t key_len, char *value)
{
    struct ini_entry *ne = realloc(ini->entries, (ini->count + 1) * sizeof(*ne));
    if (!ne)
        return -1;
    ini->entries = ne;
    struct ini_entry *e = &ne[ini->count];
    e->line = line;
    e->section_line = section_line;
    e->section = dup_lower(section, strlen(section));
    e->key = dup_lower(key, key_len);
    e->value = value;
    if (!e->section || !e->key) {
        free(e->section);
        free(e->key);
        return -1;
    }
    ini->count++;
    return 0;
}

/* One line, without its '\n'. *section is the current section (owned). */
static int parse_line(struct ini *ini, unsigned line, const char *p, const char *end, char **section,
                      unsigned *section_line, char *err, size_t errlen)
{
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p == end || *p == '#' || *p == ';')
        return 0;

    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close)
            return ini_fail(err, errlen, "the section header has no closing ']'");
        const char *s = p + 1, *e = close;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        if (s == e)
            return ini_fail(err, errlen, "the section header names no section");
        for (const char *c = s; c < e; c++)
            if (!is_name_char(*c))
                return ini_fail(err, errlen, "'%.*s' is not a section name (letters, digits, - and _)",
                                (int)(e - s), s);
        if (!only_comment(close + 1, end))
            return ini_fail(err, errlen, "there is text after the section header's ']'");
        char *name = dup_lower(s, (size_t)(e - s));
        if (!name)
            return ini_fail(err, errlen, "out of memory");
        free(*section);
        *section = name;
        *section_line = line;
        return 0;
    }

    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eq)
        return ini_fail(err, errlen, "'%.*s' is not a setting: write key = value", (int)(end - p), p);
    const char *ke = eq;
    while (ke > p && is_space(ke[-1]))
        ke--;
    if (ke == p)
        return ini_fail(err, errlen, "the setting has no key before '='");
    for (const char *c = p; c < ke; c++)
        if (!is_name_char(*c))
            return ini_fail(err, errlen, "'%.*s' is not a key name (letters, digits, - and _)", (int)(ke - p),
                            p);

    const char *v = eq + 1;
    while (v < end && is_space(*v))
        v++;
    char *value = malloc((size_t)(end - v) + 1);
    if (!value)
        return ini_fail(err, errlen, "out of memory");
    if (v < end && (*v == '"' || *v == '\'')) {
        if (parse_quoted(v, end, value, err, errlen) < 0) {
            free(value);
            return -1;
        }
    } else {
        /* A # or ; after a blank starts a comment; quote a value to keep one. */
        const char *ve = v;
        while (ve < end && !((*ve == '#' || *ve == ';') && ve > v && is_space(ve[-1])))
            ve++;
        while (ve > v && is_space(ve[-1]))
            ve--;
        memcpy(value, v, (size_t)(ve - v));
        value[ve - v] = 0;
    }
    if (add_entry(ini, line, *section ? *section : "", *section_line, p, (size_t)(ke - p), value) < 0) {
        free(value);
        return ini_fail(err, errlen, "out of memory");
    }
    return 0;
}

int ini_parse(struct ini *ini, const char *text, size_t len, unsigned *err_line, char *err, size_t errlen)
{
    memset(ini, 0, sizeof(*ini));
    *err_line = 0;
    if (memchr(text, 0, len)) {
        *err_line = 1;
        for (size_t i = 0; text[i]; i++)
            *err_line += text[i] == '\n';
        return ini_fail(err, errlen, "the file holds a NUL byte, so it is not a text config file");
    }
    char *section = NULL;
    unsigned section_line = 0;
    const char *p = text, *end = text + len;
    /* A UTF-8 byte-order mark is what some editors put first; skip it. */
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    for (unsigned line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (parse_line(ini, line, p, le, &section, &section_line, err, errlen) < 0) {
            *err_line = line;
            free(section);
            ini_free(ini);
            return -1;
        }
        p = nl ? nl + 1 : end;
    }
    free(section);
    return 0;
}

int ini_load(struct ini *ini, const char *path, unsigned *err_line, char *err, size_t errlen)
{
    memset(ini, 0, sizeof(*ini));
    *err_line = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ini_fail(err, errlen, "cannot open config file '%s': %s", path, strerror(errno));
    char *buf = malloc(INI_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, INI_MAX_FILE + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ini_fail(err, errlen, "cannot read config file '%s'", path);
    }
    if (n > INI_MAX_FILE) {
        free(buf);
        return ini_fail(err, errlen, "config file '%s' is over 1 MB; that is not a config file", path);
    }
    int r = ini_parse(ini, buf, n, err_line, err, errlen);
    free(buf);
    return r;
}

void ini_free(struct ini *ini)
{
    for (size_t i = 0; i < ini->count; i++) {
        free(ini->entries[i].section);
        free(ini->entries[i].key);
        free(ini->entries[i].value);
    }
    free(ini->entries);
    ini->entries = NULL;
    ini->count = 0;
}

bool ini_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

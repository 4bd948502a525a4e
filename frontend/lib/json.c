/* The JSON parser behind json.h: recursive descent with a depth limit, strict
 * RFC 8259 grammar, UTF-8 validation and \u escapes (surrogate pairs joined). */
#include "frontend/lib/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    struct json_error *err;
    bool failed;
};

/* A growable byte buffer for strings being unescaped. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void fail_at(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err)
        return;
    /* Line and column are recomputed only on failure, keeping the hot loop
     * free of bookkeeping. */
    unsigned line = 1, col = 1;
    for (size_t k = 0; k < at && k < p->len; k++) {
        if (p->s[k] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    p->err->offset = at;
    p->err->line = line;
    p->err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
}

static const char *describe(struct parser *p, char *buf, size_t n)
{
    if (p->pos >= p->len)
        return "end of input";
    unsigned char ch = (unsigned char)p->s[p->pos];
    if (ch >= 0x20 && ch < 0x7F)
        snprintf(buf, n, "'%c'", ch);
    else
        snprintf(buf, n, "byte 0x%02X", ch);
    return buf;
}

static void fail_unexpected(struct parser *p, const char *wanted)
{
    char buf[16];
    fail_at(p, p->pos, "expected %s, found %s", wanted, describe(p, buf, sizeof buf));
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char ch = p->s[p->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        p->pos++;
    }
}

static bool sbuf_put(struct sbuf *b, const char *src, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return false;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int hex4(struct parser *p, uint32_t *out)
{
    if (p->len - p->pos < 4) {
        fail_at(p, p->pos, "truncated \\u escape");
        return -1;
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = p->s[p->pos + k];
        int d;
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else {
            fail_at(p, p->pos + k, "bad hex digit in \\u escape");
            return -1;
        }
        v = v << 4 | (uint32_t)d;
    }
    p->pos += 4;
    *out = v;
    return 0;
}

/* Parses a string starting at the opening quote; the result is malloc'd. */
static char *parse_string_raw(struct parser *p, size_t *out_len)
{
    struct sbuf b = {0};
    size_t start = p->pos;
    p->pos++; /* opening quote */
    for (;;) {
        /* Copy the longest run of plain bytes in one go. */
        size_t run = p->pos;
        while (run < p->len) {
            unsigned char ch = (unsigned char)p->s[run];
            if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x80)
                break;
            run++;
        }
        if (run > p->pos && !sbuf_put(&b, p->s + p->pos, run - p->pos))
            goto oom;
        p->pos = run;
        if (p->pos >= p->len) {
            fail_at(p, start, "unterminated string");
            goto bad;
        }
        unsigned char ch = (unsigned char)p->s[p->pos];
        if (ch == '"') {
            p->pos++;
            break;
        }
        if (ch < 0x20) {
            fail_at(p, p->pos, "control character 0x%02X in string (must be escaped)", ch);
            goto bad;
        }
        if (ch >= 0x80) {
            size_t n = utf8_valid((const unsigned char *)p->s + p->pos, p->len - p->pos);
            if (!n) {
                fail_at(p, p->pos, "invalid UTF-8 in string");
                goto bad;
            }
            if (!sbuf_put(&b, p->s + p->pos, n))
                goto oom;
            p->pos += n;
            continue;
        }
        /* Backslash escape. */
        size_t esc = p->pos;
        p->pos++;
        if (p->pos >= p->len) {
            fail_at(p, start, "unterminated string");
            goto bad;
        }
        char e = p->s[p->pos++];
        char c1;
        switch (e) {
        case '"': c1 = '"'; break;
        case '\\': c1 = '\\'; break;
        case '/': c1 = '/'; break;
        case 'b': c1 = '\b'; break;
        case 'f': c1 = '\f'; break;
        case 'n': c1 = '\n'; break;
        case 'r': c1 = '\r'; break;
        case 't': c1 = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (hex4(p, &cp) < 0)
                goto bad;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_at(p, esc, "lone low surrogate in \\u escape");
                goto bad;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    fail_at(p, esc, "high surrogate not followed by a low surrogate");
                    goto bad;
                }
                p->pos += 2;
                if (hex4(p, &lo) < 0)
                    goto bad;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail_at(p, esc, "high surrogate not followed by a low surrogate");
                    goto bad;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            char u[4];
            if (!sbuf_put(&b, u, utf8_encode(cp, u)))
                goto oom;
            continue;
        }
        default: fail_at(p, esc, "unknown escape '\\%c'", (e >= 0x20 && e < 0x7F) ? e : '?'); goto bad;
        }
        if (!sbuf_put(&b, &c1, 1))
            goto oom;
    }
    if (!b.p && !sbuf_put(&b, "", 0))
        goto oom;
    *out_len = b.len;
    return b.p;
oom:
    fail_at(p, p->pos, "out of memory");
bad:
    free(b.p);
    return NULL;
}

static struct json_value *new_value(struct parser *p, enum json_type type)
{
    struct json_value *v = calloc(1, sizeof *v);
    if (!v)
        fail_at(p, p->pos, "out of memory");
    else
        v->type = type;
    return v;
}

static struct json_value *parse_number(struct parser *p)
{
    size_t start = p->pos, k = p->pos;
    bool integral = true;
    if (k < p->len && p->s[k] == '-')
        k++;
    if (k >= p->len || p->s[k] < '0' || p->s[k] > '9') {
        fail_at(p, k, "malformed number");
        return NULL;
    }
    if (p->s[k] == '0') {
        k++;
        if (k < p->len && p->s[k] >= '0' && p->s[k] <= '9') {
            fail_at(p, start, "leading zero in number");
            return NULL;
        }
    } else {
        while (k < p->len && p->s[k] >= '0' && p->s[k] <= '9')
            k++;
    }
    if (k < p->len && p->s[k] == '.') {
        integral = false;
        k++;
        if (k >= p->len || p->s[k] < '0' || p->s[k] > '9') {
            fail_at(p, k, "digit expected after decimal point");
            return NULL;
        }
        while (k < p->len && p->s[k] >= '0' && p->s[k] <= '9')
            k++;
    }
    if (k < p->len && (p->s[k] == 'e' || p->s[k] == 'E')) {
        integral = false;
        k++;
        if (k < p->len && (p->s[k] == '+' || p->s[k] == '-'))
            k++;
        if (k >= p->len || p->s[k] < '0' || p->s[k] > '9') {
            fail_at(p, k, "digit expected in exponent");
            return NULL;
        }
        while (k < p->len && p->s[k] >= '0' && p->s[k] <= '9')
            k++;
    }
    struct json_value *v = new_value(p, JSON_NUMBER);
    if (!v)
        return NULL;
    size_t n = k - start;
    /* The input need not be NUL-terminated, so convert from a copy. */
    char small[64];
    char *copy = n < sizeof small ? small : malloc(n + 1);
    if (!copy) {
        free(v);
        fail_at(p, start, "out of memory");
        return NULL;
    }
    memcpy(copy, p->s + start, n);
    copy[n] = '\0';
    if (integral) {
        errno = 0;
        long long i = strtoll(copy, NULL, 10);
        if (errno == 0) {
            v->u.number.is_int = true;
            v->u.number.i = i;
            v->u.number.value = (double)i;
        }
    }
    if (!v->u.number.is_int) {
        /* strtod follows LC_NUMERIC; the grammar above already admitted only
         * '.', and the core never changes the locale. */
        v->u.number.value = strtod(copy, NULL);
    }
    if (copy != small)
        free(copy);
    p->pos = k;
    return v;
}

static struct json_value *parse_value(struct parser *p, int depth);

static struct json_value *parse_array(struct parser *p, int depth)
{
    struct json_value *v = new_value(p, JSON_ARRAY);
    if (!v)
        return NULL;
    size_t cap = 0;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return v;
    }
    for (;;) {
        struct json_value *item = parse_value(p, depth + 1);
        if (!item)
            goto bad;
        if (v->u.array.count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct json_value **q = realloc(v->u.array.items, ncap * sizeof *q);
            if (!q) {
                json_free(item);
                fail_at(p, p->pos, "out of memory");
                goto bad;
            }
            v->u.array.items = q;
            cap = ncap;
        }
        v->u.array.items[v->u.array.count++] = item;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return v;
        }
        fail_unexpected(p, "',' or ']' in array");
        goto bad;
    }
bad:
    json_free(v);
    return NULL;
}

static struct json_value *parse_object(struct parser *p, int depth)
{
    struct json_value *v = new_value(p, JSON_OBJECT);
    if (!v)
        return NULL;
    size_t cap = 0;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return v;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            fail_unexpected(p, "a string key in object");
            goto bad;
        }
        size_t key_len;
        char *key = parse_string_raw(p, &key_len);
        if (!key)
            goto bad;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            free(key);
            fail_unexpected(p, "':' after object key");
            goto bad;
        }
        p->pos++;
        struct json_value *item = parse_value(p, depth + 1);
        if (!item) {
            free(key);
            goto bad;
        }
        if (v->u.object.count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct json_member *q = realloc(v->u.object.members, ncap * sizeof *q);
            if (!q) {
                free(key);
                json_free(item);
                fail_at(p, p->pos, "out of memory");
                goto bad;
            }
            v->u.object.members = q;
            cap = ncap;
        }
        struct json_member *mb = &v->u.object.members[v->u.object.count++];
        mb->key = key;
        mb->key_len = key_len;
        mb->value = item;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return v;
        }
        fail_unexpected(p, "',' or '}' in object");
        goto bad;
    }
bad:
    json_free(v);
    return NULL;
}

static bool match_word(struct parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static struct json_value *parse_value(struct parser *p, int depth)
{
    if (depth >= JSON_MAX_DEPTH) {
        fail_at(p, p->pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return NULL;
    }
    skip_ws(p);
    if (p->pos >= p->len) {
        fail_unexpected(p, "a value");
        return NULL;
    }
    char ch = p->s[p->pos];
    struct json_value *v;
    switch (ch) {
    case '{': return parse_object(p, depth);
    case '[': return parse_array(p, depth);
    case '"': {
        size_t len;
        char *s = parse_string_raw(p, &len);
        if (!s)
            return NULL;
        v = new_value(p, JSON_STRING);
        if (!v) {
            free(s);
            return NULL;
        }
        v->u.string.ptr = s;
        v->u.string.len = len;
        return v;
    }
    case 't':
    case 'f':
        if (match_word(p, "true") || match_word(p, "false")) {
            v = new_value(p, JSON_BOOL);
            if (v)
                v->u.boolean = ch == 't';
            return v;
        }
        break;
    case 'n':
        if (match_word(p, "null"))
            return new_value(p, JSON_NULL);
        break;
    default:
        if (ch == '-' || (ch >= '0' && ch <= '9'))
            return parse_number(p);
        break;
    }
    fail_unexpected(p, "a value");
    return NULL;
}

struct json_value *json_parse(const char *text, size_t len, struct json_error *err)
{
    struct parser p = {.s = text, .len = len, .err = err};
    if (err)
        memset(err, 0, sizeof *err);
    if (!text) {
        fail_at(&p, 0, "no input");
        return NULL;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    struct json_value *v = parse_value(&p, 0);
    if (!v)
        return NULL;
    skip_ws(&p);
    if (p.pos != p.len) {
        fail_unexpected(&p, "end of input after the value");
        json_free(v);
        return NULL;
    }
    return v;
}

struct json_value *json_parse_file(const char *path, struct json_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err)
            snprintf(err->msg, sizeof err->msg, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            char *q = realloc(buf, ncap);
            if (!q) {
                free(buf);
                fclose(f);
                if (err)
                    snprintf(err->msg, sizeof err->msg, "out of memory");
                return NULL;
            }
            buf = q;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool ioerr = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (ioerr) {
        free(buf);
        if (err)
            snprintf(err->msg, sizeof err->msg, "read error: %s", strerror(saved));
        return NULL;
    }
    struct json_value *v = json_parse(buf, len, err);
    free(buf);
    return v;
}

void json_free(struct json_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case JSON_STRING: free(v->u.string.ptr); break;
    case JSON_ARRAY:
        for (size_t k = 0; k < v->u.array.count; k++)
            json_free(v->u.array.items[k]);
        free(v->u.array.items);
        break;
    case JSON_OBJECT:
        for (size_t k = 0; k < v->u.object.count; k++) {
            free(v->u.object.members[k].key);
            json_free(v->u.object.members[k].value);
        }
        free(v->u.object.members);
        break;
    default: break;
    }
    free(v);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT || !key)
        return NULL;
    size_t n = strlen(key);
    for (size_t k = obj->u.object.count; k-- > 0;) {
        const struct json_member *mb = &obj->u.object.members[k];
        if (mb->key_len == n && memcmp(mb->key, key, n) == 0)
            return mb->value;
    }
    return NULL;
}

const struct json_value *json_at(const struct json_value *arr, size_t index)
{
    if (!arr || arr->type != JSON_ARRAY || index >= arr->u.array.count)
        return NULL;
    return arr->u.array.items[index];
}

size_t json_count(const struct json_value *v)
{
    if (!v)
        return 0;
    if (v->type == JSON_ARRAY)
        return v->u.array.count;
    if (v->type == JSON_OBJECT)
        return v->u.object.count;
    return 0;
}

const char *json_string(const struct json_value *v)
{
    return v && v->type == JSON_STRING ? v->u.string.ptr : NULL;
}

bool json_number(const struct json_value *v, double *out)
{
    if (!v || v->type != JSON_NUMBER)
        return false;
    if (out)
        *out = v->u.number.value;
    return true;
}

bool json_int(const struct json_value *v, int64_t min, int64_t max, int64_t *out)
{
    if (!v || v->type != JSON_NUMBER)
        return false;
    int64_t i;
    if (v->u.number.is_int) {
        i = v->u.number.i;
    } else {
        /* 1e3 or 2.0 are integers too, as long as the double is exact. */
        double d = v->u.number.value;
        if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
            return false;
        i = (int64_t)d;
    }
    if (i < min || i > max)
        return false;
    if (out)
        *out = i;
    return true;
}

bool json_bool(const struct json_value *v, bool *out)
{
    if (!v || v->type != JSON_BOOL)
        return false;
    if (out)
        *out = v->u.boolean;
    return true;
}

const char *json_type_name(enum json_type type)
{
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "?";
}

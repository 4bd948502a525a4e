/* MOO file loading: gzread the whole file, then walk the chunk tree with
 * bounds checks on every length, so a truncated or corrupt file ends in an
 * error message instead of a wild read. */
#include "tests/conformance/moo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const char *const moo_reg_names[MOO_NREGS] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
};

/* A bounded view of a chunk payload. */
struct span {
    const uint8_t *p;
    size_t len;
};

struct chunk {
    char id[5];
    struct span body;
    size_t offset; /* of the chunk header within the file, for messages */
};

static int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Takes the next chunk from *s. Returns 1, 0 at the end, -1 when the chunk
 * header or payload runs past the enclosing span. */
static int next_chunk(struct span *s, const uint8_t *file, struct chunk *c)
{
    if (s->len == 0)
        return 0;
    c->offset = (size_t)(s->p - file);
    if (s->len < 8)
        return -1;
    memcpy(c->id, s->p, 4);
    c->id[4] = '\0';
    uint32_t n = rd32(s->p + 4);
    if (n > s->len - 8)
        return -1;
    c->body.p = s->p + 8;
    c->body.len = n;
    s->p += 8 + (size_t)n;
    s->len -= 8 + (size_t)n;
    return 1;
}

static bool is_id(const struct chunk *c, const char *id)
{
    return memcmp(c->id, id, 4) == 0;
}

/* Printable form of a chunk id for messages (corrupt ids hold any bytes). */
static const char *show_id(const struct chunk *c, char out[20])
{
    bool ok = true;
    for (int k = 0; k < 4; k++)
        ok &= c->id[k] >= 0x20 && c->id[k] < 0x7F;
    if (ok)
        snprintf(out, 20, "'%s'", c->id);
    else
        snprintf(out, 20, "0x%02X%02X%02X%02X", (uint8_t)c->id[0], (uint8_t)c->id[1], (uint8_t)c->id[2],
                 (uint8_t)c->id[3]);
    return out;
}

static int parse_regs(const struct chunk *c, uint16_t *present, uint16_t vals[MOO_NREGS], char *err,
                      size_t errlen)
{
    if (c->body.len < 2)
        return errf(err, errlen, "%s chunk at offset %zu is too short", c->id, c->offset);
    uint16_t mask = rd16(c->body.p);
    if (mask & ~MOO_ALL_REGS)
        return errf(err, errlen, "%s chunk at offset %zu names unknown registers (mask 0x%04X)", c->id,
                    c->offset, mask);
    size_t need = 2;
    for (int r = 0; r < MOO_NREGS; r++)
        need += (mask >> r & 1) * 2u;
    if (c->body.len < need)
        return errf(err, errlen, "%s chunk at offset %zu is truncated", c->id, c->offset);
    const uint8_t *p = c->body.p + 2;
    for (int r = 0; r < MOO_NREGS; r++) {
        if (mask >> r & 1) {
            vals[r] = rd16(p);
            p += 2;
        }
    }
    *present = mask;
    return 0;
}

static int parse_state(const struct chunk *c, const uint8_t *file, struct moo_state *st, char *err,
                       size_t errlen)
{
    struct span s = c->body;
    struct chunk sub;
    int r;
    bool have_regs = false;
    memset(st, 0, sizeof *st);
    while ((r = next_chunk(&s, file, &sub)) > 0) {
        if (is_id(&sub, "REGS")) {
            if (parse_regs(&sub, &st->regs_present, st->regs, err, errlen) < 0)
                return -1;
            have_regs = true;
        } else if (is_id(&sub, "RMSK")) {
            if (parse_regs(&sub, &st->rmsk_present, st->rmsk, err, errlen) < 0)
                return -1;
        } else if (is_id(&sub, "RAM ")) {
            if (sub.body.len < 4)
                return errf(err, errlen, "RAM chunk at offset %zu is too short", sub.offset);
            uint32_t n = rd32(sub.body.p);
            if (n > (sub.body.len - 4) / 5)
                return errf(err, errlen, "RAM chunk at offset %zu claims %u entries but holds %zu",
                            sub.offset, n, (sub.body.len - 4) / 5);
            st->ram = sub.body.p + 4;
            st->ram_count = n;
        }
        /* QUEU, RG32, EA32 and future chunks: not needed here. */
    }
    if (r < 0)
        return errf(err, errlen,
                    "%s chunk at offset %zu: a sub-chunk runs past its end (corrupt or truncated)", c->id,
                    c->offset);
    if (!have_regs)
        return errf(err, errlen, "%s chunk at offset %zu has no REGS", c->id, c->offset);
    return 0;
}

static int parse_test(const struct chunk *c, const uint8_t *file, struct moo_test *t, char *err,
                      size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (c->body.len < 4)
        return errf(err, errlen, "TEST chunk at offset %zu is too short", c->offset);
    t->index = rd32(c->body.p);
    struct span s = {c->body.p + 4, c->body.len - 4};
    struct chunk sub;
    int r;
    bool have_init = false, have_fina = false;
    while ((r = next_chunk(&s, file, &sub)) > 0) {
        if (is_id(&sub, "NAME") || is_id(&sub, "BYTS")) {
            /* Both carry their own (redundant) length first. */
            if (sub.body.len < 4 || rd32(sub.body.p) > sub.body.len - 4)
                return errf(err, errlen, "test %u: %s chunk at offset %zu is truncated", t->index, sub.id,
                            sub.offset);
            if (is_id(&sub, "NAME")) {
                t->name = (const char *)sub.body.p + 4;
                t->name_len = rd32(sub.body.p);
            } else {
                t->bytes = sub.body.p + 4;
                t->byte_count = rd32(sub.body.p);
            }
        } else if (is_id(&sub, "INIT")) {
            if (parse_state(&sub, file, &t->init, err, errlen) < 0)
                return -1;
            if (t->init.regs_present != MOO_ALL_REGS)
                return errf(err, errlen, "test %u: INIT lacks some registers (mask 0x%04X)", t->index,
                            t->init.regs_present);
            have_init = true;
        } else if (is_id(&sub, "FINA")) {
            if (parse_state(&sub, file, &t->fina, err, errlen) < 0)
                return -1;
            have_fina = true;
        } else if (is_id(&sub, "EXCP")) {
            if (sub.body.len < 5)
                return errf(err, errlen, "test %u: EXCP chunk at offset %zu is too short", t->index,
                            sub.offset);
            t->has_excp = true;
            t->excp_vector = sub.body.p[0];
            t->excp_flags_addr = rd32(sub.body.p + 1);
        }
    }
    if (r < 0)
        return errf(err, errlen,
                    "test %u: a sub-chunk at offset %zu runs past the TEST chunk (corrupt or truncated)",
                    t->index, sub.offset);
    if (!have_init || !have_fina)
        return errf(err, errlen, "test %u: missing %s chunk", t->index, have_init ? "FINA" : "INIT");
    if (!t->name) {
        t->name = "";
        t->name_len = 0;
    }
    return 0;
}

/* zlib prefixes its messages with the path, which the caller adds anyway. */
static const char *gz_msg(gzFile gz, const char *path, int *code)
{
    const char *msg = gzerror(gz, code);
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    return msg;
}

/* Reads the whole (decompressed) file. gzread passes non-gzip input through
 * unchanged, so plain MOO files load too. */
static int read_all(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return errf(err, errlen, "cannot open: %s", errno ? strerror(errno) : "out of memory");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 1u << 20;
            if (ncap > (size_t)MOO_MAX_SIZE + 65536) {
                free(buf);
                gzclose(gz);
                return errf(err, errlen, "decompresses to more than %u MiB: not a MOO file",
                            MOO_MAX_SIZE >> 20);
            }
            uint8_t *q = realloc(buf, ncap);
            if (!q) {
                free(buf);
                gzclose(gz);
                return errf(err, errlen, "out of memory");
            }
            buf = q;
            cap = ncap;
        }
        int n = gzread(gz, buf + len, (unsigned)(cap - len));
        if (n < 0) {
            int code;
            const char *msg = gz_msg(gz, path, &code);
            if (code == Z_ERRNO)
                msg = strerror(errno);
            errf(err, errlen, "read error: %s (corrupt gzip data?)", msg);
            free(buf);
            gzclose(gz);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    /* A gzip stream cut short reads as a clean end on some zlib versions; the
     * error is only visible through gzerror/gzclose. */
    int code;
    const char *msg = gz_msg(gz, path, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
        errf(err, errlen, "read error: %s (truncated or corrupt gzip data)", msg);
        free(buf);
        gzclose(gz);
        return -1;
    }
    int rc = gzclose(gz);
    if (rc != Z_OK) {
        free(buf);
        return errf(err, errlen, "read error: %s (truncated or corrupt gzip data)",
                    rc == Z_BUF_ERROR ? "unexpected end of file" : "gzclose failed");
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int moo_load(struct moo_file *f, const char *path, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (read_all(path, &f->data, &f->len, err, errlen) < 0)
        return -1;
    struct span s = {f->data, f->len};
    struct chunk c;
    char idbuf[20];
    int r = next_chunk(&s, f->data, &c);
    if (r <= 0 || !is_id(&c, "MOO ")) {
        if (r == 0)
            errf(err, errlen, "file is empty: not a MOO file");
        else if (r < 0 && f->len >= 4 && memcmp(f->data, "MOO ", 4) == 0)
            errf(err, errlen, "MOO header is truncated");
        else
            errf(err, errlen, "not a MOO file (no 'MOO ' header chunk)");
        moo_free(f);
        return -1;
    }
    if (c.body.len < 12) {
        errf(err, errlen, "MOO header chunk is too short (%zu bytes)", c.body.len);
        moo_free(f);
        return -1;
    }
    f->major = c.body.p[0];
    f->minor = c.body.p[1];
    uint32_t declared = rd32(c.body.p + 4);
    memcpy(f->cpu, c.body.p + 8, 4);
    f->cpu[4] = '\0';
    if (f->major != 1) {
        errf(err, errlen, "unsupported MOO version %u.%u", f->major, f->minor);
        moo_free(f);
        return -1;
    }
    /* Each test takes well over 16 bytes, so a count beyond len/16 is a lie
     * and must not size an allocation. */
    if (declared > f->len / 16) {
        errf(err, errlen, "header claims %u tests, more than the file can hold (corrupt or truncated)",
             declared);
        moo_free(f);
        return -1;
    }
    f->tests = calloc(declared ? declared : 1, sizeof *f->tests);
    if (!f->tests) {
        errf(err, errlen, "out of memory");
        moo_free(f);
        return -1;
    }
    while ((r = next_chunk(&s, f->data, &c)) > 0) {
        if (is_id(&c, "TEST")) {
            if (f->test_count == declared) {
                errf(err, errlen, "more TEST chunks than the %u the header declares (corrupt)", declared);
                moo_free(f);
                return -1;
            }
            if (parse_test(&c, f->data, &f->tests[f->test_count], err, errlen) < 0) {
                moo_free(f);
                return -1;
            }
            f->test_count++;
        } else if (is_id(&c, "META")) {
            if (c.body.len < 15) {
                errf(err, errlen, "META chunk at offset %zu is too short", c.offset);
                moo_free(f);
                return -1;
            }
            f->has_meta = true;
            f->meta_opcode = rd32(c.body.p + 3);
            memcpy(f->mnemonic, c.body.p + 7, 8);
            f->mnemonic[8] = '\0';
        } else if (is_id(&c, "RMSK")) {
            if (parse_regs(&c, &f->rmsk_present, f->rmsk, err, errlen) < 0) {
                moo_free(f);
                return -1;
            }
        } else if (show_id(&c, idbuf)[0] != '\'') {
            /* Unknown chunks are skipped by the format's rules, but an id of
             * non-text bytes means we are reading garbage. */
            errf(err, errlen, "chunk with id %s at offset %zu is not a MOO chunk (corrupt)",
                 show_id(&c, idbuf), c.offset);
            moo_free(f);
            return -1;
        }
    }
    if (r < 0) {
        errf(err, errlen,
             "chunk at offset %zu runs past the end of the file after %u of %u tests (truncated or corrupt)",
             c.offset, f->test_count, declared);
        moo_free(f);
        return -1;
    }
    if (f->test_count != declared) {
        errf(err, errlen, "file ends after %u of the %u tests its header declares (truncated)", f->test_count,
             declared);
        moo_free(f);
        return -1;
    }
    return 0;
}

void moo_free(struct moo_file *f)
{
    free(f->data);
    free(f->tests);
    memset(f, 0, sizeof *f);
}

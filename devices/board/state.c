/* The state stream: header, section framing, zlib and CRC-32, and the field
 * codec (little-endian on every host) that device state functions call. The
 * walk over the machine's parts is in state_machine.c. */
#include "devices/board/state.h"
#include "devices/board/state_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/board/machine.h"
#include "frontend/options.h" /* REX86_VERSION */

/* ---- growable byte buffer ---- */

int sbuf_reserve(struct sbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void sbuf_put(struct sbuf *b, const void *p, size_t n)
{
    if (n == 0 || sbuf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- the field codec ---- */

bool state_loading(const struct state *s)
{
    return s->loading;
}

unsigned state_version(const struct state *s)
{
    return s->version;
}

struct machine *state_machine(const struct state *s)
{
    return s->m;
}

int state_fail(struct state *s, const char *fmt, ...)
{
    if (!s->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof(s->why), fmt, ap);
        va_end(ap);
        s->failed = true;
    }
    return -1;
}

bool state_failed(const struct state *s)
{
    return s->failed;
}

/* n little-endian bytes of *v: out on save, in on load (zero past the end). */
static uint64_t state_int(struct state *s, uint64_t v, int n)
{
    if (!s->loading) {
        uint8_t b[8];
        put_le(b, v, n);
        sbuf_put(&s->out, b, (size_t)n);
        return v;
    }
    if (s->len - s->pos < (size_t)n) {
        state_fail(s, "it ends early");
        s->pos = s->len;
        return 0;
    }
    v = get_le(s->in + s->pos, n);
    s->pos += (size_t)n;
    return v;
}

void state_u8(struct state *s, uint8_t *v)
{
    *v = (uint8_t)state_int(s, *v, 1);
}

void state_u16(struct state *s, uint16_t *v)
{
    *v = (uint16_t)state_int(s, *v, 2);
}

void state_u32(struct state *s, uint32_t *v)
{
    *v = (uint32_t)state_int(s, *v, 4);
}

void state_u64(struct state *s, uint64_t *v)
{
    *v = state_int(s, *v, 8);
}

void state_i8(struct state *s, int8_t *v)
{
    *v = (int8_t)(uint8_t)state_int(s, (uint8_t)*v, 1);
}

void state_i16(struct state *s, int16_t *v)
{
    *v = (int16_t)(uint16_t)state_int(s, (uint16_t)*v, 2);
}

void state_i32(struct state *s, int32_t *v)
{
    *v = (int32_t)(uint32_t)state_int(s, (uint32_t)*v, 4);
}

void state_i64(struct state *s, int64_t *v)
{
    *v = (int64_t)state_int(s, (uint64_t)*v, 8);
}

void state_bool(struct state *s, bool *v)
{
    uint64_t b = state_int(s, *v ? 1 : 0, 1);
    if (b > 1)
        state_fail(s, "a flag holds %u", (unsigned)b);
    *v = b != 0;
}

void state_bytes(struct state *s, void *p, size_t len)
{
    if (!s->loading) {
        sbuf_put(&s->out, p, len);
        return;
    }
    if (s->len - s->pos < len) {
        state_fail(s, "it ends early");
        s->pos = s->len;
        memset(p, 0, len);
        return;
    }
    memcpy(p, s->in + s->pos, len);
    s->pos += len;
}

/* Page by page: a flag byte, and the page only when it is not all zeros, so
 * a large guest's untouched memory costs the compressor nothing. */
void state_pages(struct state *s, uint8_t *p, size_t len)
{
    static const uint8_t zero[4096];
    for (size_t off = 0; off < len && !s->failed; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        uint8_t used = s->loading ? 0 : memcmp(p + off, zero, n) != 0;
        state_u8(s, &used);
        if (used > 1)
            state_fail(s, "a page flag holds %u", used);
        else if (used)
            state_bytes(s, p + off, n);
        else if (s->loading)
            memset(p + off, 0, n);
    }
}

/* ---- the stream ---- */

struct state_header {
    uint32_t format;
    char creator[16];
    struct state_config cfg;
    uint64_t payload_len, packed_len;
    uint32_t payload_crc;
};

static void header_encode(uint8_t *h, const struct state_header *sh)
{
    memset(h, 0, STATE_HEADER_SIZE);
    memcpy(h, STATE_MAGIC, 8);
    put_le(h + 8, sh->format, 4);
    memcpy(h + 12, sh->creator, 16);
    put_le(h + 28, sh->cfg.cpu_model, 4);
    put_le(h + 32, sh->cfg.ram_size, 4);
    put_le(h + 36, sh->cfg.flags, 4);
    put_le(h + 40, sh->payload_len, 8);
    put_le(h + 48, sh->packed_len, 8);
    put_le(h + 56, sh->payload_crc, 4);
    put_le(h + 60, crc32(0, h, 60), 4);
}

void state_writer_init(struct state_writer *w)
{
    memset(w, 0, sizeof(*w));
    w->z.zalloc = Z_NULL;
    w->z.zfree = Z_NULL;
    w->ok = deflateInit(&w->z, 1) == Z_OK;
    w->crc = crc32(0, Z_NULL, 0);
    /* Room for the header, written last. */
    uint8_t zero[STATE_HEADER_SIZE] = {0};
    sbuf_put(&w->file, zero, sizeof(zero));
}

/* Payload bytes through the CRC and the compressor into w->file. */
void state_writer_put(struct state_writer *w, const void *p, size_t n, bool finish)
{
    if (!w->ok)
        return;
    w->crc = crc32_z(w->crc, p, n);
    w->payload_len += n;
    w->z.next_in = (Bytef *)p;
    w->z.avail_in = 0;
    size_t left = n;
    const uint8_t *src = p;
    do {
        size_t chunk = left > (1u << 30) ? (1u << 30) : left;
        w->z.next_in = (Bytef *)src;
        w->z.avail_in = (uInt)chunk;
        src += chunk;
        left -= chunk;
        int flush = finish && left == 0 ? Z_FINISH : Z_NO_FLUSH;
        int rc;
        do {
            if (sbuf_reserve(&w->file, 65536) < 0) {
                w->ok = false;
                return;
            }
            w->z.next_out = w->file.data + w->file.len;
            w->z.avail_out = 65536;
            rc = deflate(&w->z, flush);
            w->file.len += 65536 - w->z.avail_out;
            if (rc == Z_STREAM_ERROR) {
                w->ok = false;
                return;
            }
        } while (w->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    } while (left);
}

void state_writer_section(struct state_writer *w, const char *name, unsigned version, const void *body,
                          size_t len)
{
    uint8_t h[1 + 255 + 2 + 8];
    size_t nl = strlen(name);
    if (nl > 255)
        nl = 255;
    h[0] = (uint8_t)nl;
    memcpy(h + 1, name, nl);
    put_le(h + 1 + nl, version, 2);
    put_le(h + 3 + nl, len, 8);
    state_writer_put(w, h, nl + 11, false);
    state_writer_put(w, body, len, false);
}

int state_writer_finish(struct state_writer *w, const struct state_config *cfg, uint8_t **buf, size_t *len)
{
    state_writer_put(w, "", 0, true);
    deflateEnd(&w->z);
    if (!w->ok || w->file.oom) {
        free(w->file.data);
        return -1;
    }
    struct state_header sh = {.format = STATE_FORMAT_VERSION, .cfg = *cfg};
    snprintf(sh.creator, sizeof(sh.creator), "rex86 %s", REX86_VERSION);
    sh.payload_len = w->payload_len;
    sh.packed_len = w->file.len - STATE_HEADER_SIZE;
    sh.payload_crc = (uint32_t)w->crc;
    header_encode(w->file.data, &sh);
    *buf = w->file.data;
    *len = w->file.len;
    return 0;
}

static const char *model_name(uint32_t model)
{
    return model <= CPU_PENTIUM2 ? cpu_model_name((enum cpu_model)model) : "unknown CPU";
}

int state_unpack(struct machine *m, const uint8_t *buf, size_t len, const struct state_config *want,
                 uint64_t max_payload, uint8_t **payload, size_t *payload_len)
{
    if (len < 8 || memcmp(buf, STATE_MAGIC, 8) != 0)
        return machine_error(m, "is not a rex86 state file");
    if (len < STATE_HEADER_SIZE)
        return machine_error(m, "is truncated (it ends inside the header)");
    if (get_le(buf + 60, 4) != crc32(0, buf, 60))
        return machine_error(m, "is corrupt (the header checksum does not match)");
    uint32_t format = (uint32_t)get_le(buf + 8, 4);
    if (format != STATE_FORMAT_VERSION) {
        char creator[17];
        memcpy(creator, buf + 12, 16);
        creator[16] = 0;
        for (char *q = creator; *q; q++)
            if (*q < ' ' || *q > '~')
                *q = '?';
        return machine_error(m, "has state format version %u (written by %s); rex86 %s reads version %u",
                             format, creator, REX86_VERSION, STATE_FORMAT_VERSION);
    }
    struct state_config got = {(uint32_t)get_le(buf + 28, 4), (uint32_t)get_le(buf + 32, 4),
                               (uint32_t)get_le(buf + 36, 4)};
    if (got.cpu_model != want->cpu_model || got.ram_size != want->ram_size)
        return machine_error(m,
                             "was saved from a %s with %u MB of RAM, but this machine is a %s with %u MB "
                             "(give the same -cpu and -m)",
                             model_name(got.cpu_model), got.ram_size >> 20, model_name(want->cpu_model),
                             want->ram_size >> 20);
    if (got.flags != want->flags)
        return machine_error(m, "was saved from a machine with other firmware or devices (%s)",
                             (got.flags ^ want->flags) & STATE_CFG_BARE       ? "a bare machine"
                             : (got.flags ^ want->flags) & STATE_CFG_FIRMWARE ? "-bios differs"
                                                                              : "-kernel differs");
    uint64_t plen = get_le(buf + 40, 8), packed = get_le(buf + 48, 8);
    if (packed > len - STATE_HEADER_SIZE)
        return machine_error(m, "is truncated (%zu of %llu bytes)", len,
                             (unsigned long long)(packed + STATE_HEADER_SIZE));
    if (packed < len - STATE_HEADER_SIZE)
        return machine_error(m, "has %zu bytes of junk after its end",
                             (size_t)(len - STATE_HEADER_SIZE - packed));
    if (plen > max_payload)
        return machine_error(m, "is corrupt (it claims %llu bytes of state)", (unsigned long long)plen);
    uint8_t *out = malloc(plen ? plen : 1);
    if (!out)
        return machine_error(m, "cannot allocate %llu bytes to read it", (unsigned long long)plen);
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK) {
        free(out);
        return machine_error(m, "cannot be read: zlib did not start");
    }
    const uint8_t *src = buf + STATE_HEADER_SIZE;
    uint64_t src_left = packed, done = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
        uInt in_chunk = src_left > (1u << 30) ? (1u << 30) : (uInt)src_left;
        uInt out_chunk = plen - done > (1u << 30) ? (1u << 30) : (uInt)(plen - done);
        z.next_in = (Bytef *)src;
        z.avail_in = in_chunk;
        z.next_out = out + done;
        z.avail_out = out_chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        src += in_chunk - z.avail_in;
        src_left -= in_chunk - z.avail_in;
        done += out_chunk - z.avail_out;
        if (rc == Z_BUF_ERROR && (in_chunk - z.avail_in) == 0 && (out_chunk - z.avail_out) == 0)
            break;
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || done != plen || src_left != 0) {
        free(out);
        return machine_error(m, "is corrupt (its compressed data does not unpack)");
    }
    if (crc32_z(0, out, plen) != get_le(buf + 56, 4)) {
        free(out);
        return machine_error(m, "is corrupt (the checksum does not match)");
    }
    *payload = out;
    *payload_len = plen;
    return 0;
}

int state_sections_parse(struct machine *m, const uint8_t *p, size_t len, struct state_section **out,
                         int *count)
{
    struct state_section *v = NULL;
    int n = 0, cap = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t nl = p[pos];
        if (len - pos < 1 + nl + 10) {
            free(v);
            return machine_error(m, "is corrupt (a section header is cut short)");
        }
        struct state_section sec = {0};
        memcpy(sec.name, p + pos + 1, nl);
        sec.name[nl] = 0;
        sec.version = (unsigned)get_le(p + pos + 1 + nl, 2);
        uint64_t sl = get_le(p + pos + 3 + nl, 8);
        pos += 11 + nl;
        if (sl > len - pos) {
            free(v);
            return machine_error(m, "is corrupt (section '%s' runs past the end)", sec.name);
        }
        sec.data = p + pos;
        sec.len = (size_t)sl;
        pos += (size_t)sl;
        for (int k = 0; k < n; k++) {
            if (strcmp(v[k].name, sec.name) == 0) {
                free(v);
                return machine_error(m, "is corrupt (section '%s' appears twice)", sec.name);
            }
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            struct state_section *nv = realloc(v, (size_t)cap * sizeof(*v));
            if (!nv) {
                free(v);
                return machine_error(m, "out of memory");
            }
            v = nv;
        }
        v[n++] = sec;
    }
    *out = v;
    *count = n;
    return 0;
}

/* ---- files ---- */

int state_save_file(struct machine *m, const char *path)
{
    uint8_t *buf;
    size_t len;
    if (state_save_mem(m, &buf, &len) < 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(buf);
        return machine_error(m, "cannot create state file '%s'", path);
    }
    bool ok = fwrite(buf, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    free(buf);
    if (!ok)
        return machine_error(m, "cannot write state file '%s' (disk full?)", path);
    return 0;
}

int state_load_file(struct machine *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return machine_error(m, "cannot open state file '%s'", path);
    /* Look at the magic before reading a file that may be a disk image. */
    uint8_t magic[8];
    if (fread(magic, 1, sizeof(magic), f) != sizeof(magic) || memcmp(magic, STATE_MAGIC, 8) != 0) {
        fclose(f);
        return machine_error(m, "state file '%s' is not a rex86 state file", path);
    }
    rewind(f);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return machine_error(m, "state file '%s' is too large to read", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return machine_error(m, "cannot read state file '%s'", path);
    }
    int rc = state_load_checked(m, buf, len);
    free(buf);
    if (rc < 0) {
        char why[sizeof(m->error)];
        snprintf(why, sizeof(why), "%s", m->error);
        machine_error(m, "state file '%s' %s", path, why);
    }
    return rc;
}

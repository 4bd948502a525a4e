/* moo_gen: writes the small MOO files the rex86-sst self-tests run on: a
 * folder of good vectors with metadata.json, and broken files (truncated,
 * corrupt, not MOO at all) that must give a clear error, never a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) {
            fprintf(stderr, "moo_gen: out of memory\n");
            exit(1);
        }
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put8(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16(struct buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

/* Appends a chunk holding `body`. */
static void chunk(struct buf *b, const char *id, const struct buf *body)
{
    put(b, id, 4);
    put32(b, (uint32_t)body->len);
    put(b, body->p, body->len);
}

struct regs {
    uint16_t mask;
    uint16_t v[14];
};

static void regs_chunk(struct buf *b, const struct regs *r)
{
    struct buf c = {0};
    put16(&c, r->mask);
    for (int k = 0; k < 14; k++) {
        if (r->mask >> k & 1)
            put16(&c, r->v[k]);
    }
    chunk(b, "REGS", &c);
    free(c.p);
}

static void ram_chunk(struct buf *b, const uint32_t *addr, const uint8_t *val, int n)
{
    struct buf c = {0};
    put32(&c, (uint32_t)n);
    for (int k = 0; k < n; k++) {
        put32(&c, addr[k]);
        put8(&c, val[k]);
    }
    chunk(b, "RAM ", &c);
    free(c.p);
}

/* One 8086-style test of a one-byte instruction at 1000:0100. */
static void test_chunk(struct buf *b, uint32_t index, const char *name, uint8_t opcode,
                       const struct regs *init, const struct regs *fina)
{
    struct buf t = {0}, c = {0};
    put32(&t, index);
    put32(&c, (uint32_t)strlen(name));
    put(&c, name, strlen(name));
    chunk(&t, "NAME", &c);
    c.len = 0;
    put32(&c, 1);
    put8(&c, opcode);
    chunk(&t, "BYTS", &c);
    uint32_t addr = 0x10100;
    c.len = 0;
    regs_chunk(&c, init);
    ram_chunk(&c, &addr, &opcode, 1);
    chunk(&t, "INIT", &c);
    c.len = 0;
    regs_chunk(&c, fina);
    ram_chunk(&c, &addr, &opcode, 1);
    chunk(&t, "FINA", &c);
    chunk(b, "TEST", &t);
    free(t.p);
    free(c.p);
}

static struct regs base_regs(void)
{
    struct regs r = {0x3FFF,
                     {0x1234, 0x2345, 0x3456, 0x4567, 0x1000, 0x2000, 0x3000, 0x4000, 0xFFF0, 0x5678, 0x6789,
                      0x789A, 0x0100, 0xF002}};
    return r;
}

/* A whole MOO file whose tests all run `opcode`: NOP-like when fina_ip_only,
 * else INC AX on AX=00FF. declared is the header's test count. */
static void moo_file(struct buf *b, uint8_t opcode, int ntests, uint32_t declared)
{
    struct buf c = {0};
    put8(&c, 1);
    put8(&c, 1);
    put16(&c, 0);
    put32(&c, declared);
    put(&c, "8086", 4);
    chunk(b, "MOO ", &c);
    free(c.p);
    for (int k = 0; k < ntests; k++) {
        struct regs init = base_regs(), fina = {0};
        fina.mask = 1u << 12;
        fina.v[12] = 0x0101;
        if (opcode == 0x40) {
            /* 00FF + 1 = 0100: AF from the low nibble, PF from an all-zero
             * low byte, no ZF/SF/OF. */
            init.v[0] = 0x00FF;
            fina.mask |= 1u << 0 | 1u << 13;
            fina.v[0] = 0x0100;
            fina.v[13] = 0xF002 | 0x0010 | 0x0004;
        }
        test_chunk(b, (uint32_t)k,
                   opcode == 0x40   ? "inc ax"
                   : opcode == 0x90 ? "nop"
                                    : "esc",
                   opcode, &init, &fina);
    }
}

static int write_gz(const char *path, const void *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    if (!gz || gzwrite(gz, data, (unsigned)len) != (int)len || gzclose(gz) != Z_OK) {
        fprintf(stderr, "moo_gen: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "moo_gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Compress to a file, then cut the file to `keep` of its bytes. */
static int write_gz_truncated(const char *path, const void *data, size_t len, double keep)
{
    if (write_gz(path, data, len) < 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t tmp[65536];
    size_t n = fread(tmp, 1, sizeof tmp, f);
    fclose(f);
    return write_raw(path, tmp, (size_t)((double)n * keep));
}

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "moo_gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: moo_gen OUTDIR\n");
        return 2;
    }
    const char *out = argv[1];
    char p[4096];
    int rc = 0;
    rc |= mkdir_p(out);
    snprintf(p, sizeof p, "%s/good", out);
    rc |= mkdir_p(p);
    snprintf(p, sizeof p, "%s/bad", out);
    rc |= mkdir_p(p);
    snprintf(p, sizeof p, "%s/mixed", out);
    rc |= mkdir_p(p);
    snprintf(p, sizeof p, "%s/empty", out);
    rc |= mkdir_p(p);
    if (rc)
        return 1;

    static const char meta[] = "{\n  \"cpu\": \"8086\",\n  \"opcodes\": {\n"
                               "    \"40\": {\"status\": \"normal\"},\n"
                               "    \"90\": {\"status\": \"normal\"},\n"
                               "    \"D8\": {\"status\": \"fpu\"}\n  }\n}\n";
    struct buf nop = {0}, inc = {0}, esc = {0}, shortcount = {0};
    moo_file(&nop, 0x90, 3, 3);
    moo_file(&inc, 0x40, 2, 2);
    moo_file(&esc, 0xD8, 4, 4);
    moo_file(&shortcount, 0x90, 2, 3);

    /* good/: 5 tests pass, 4 skipped as fpu. */
    snprintf(p, sizeof p, "%s/good/metadata.json", out);
    rc |= write_raw(p, meta, strlen(meta));
    snprintf(p, sizeof p, "%s/good/90.MOO.gz", out);
    rc |= write_gz(p, nop.p, nop.len);
    snprintf(p, sizeof p, "%s/good/40.MOO.gz", out);
    rc |= write_gz(p, inc.p, inc.len);
    snprintf(p, sizeof p, "%s/good/D8.MOO.gz", out);
    rc |= write_gz(p, esc.p, esc.len);

    /* bad/: one file per way to be broken. */
    snprintf(p, sizeof p, "%s/bad/truncated.MOO.gz", out);
    rc |= write_gz_truncated(p, inc.p, inc.len, 0.6);
    snprintf(p, sizeof p, "%s/bad/shortcount.MOO.gz", out);
    rc |= write_gz(p, shortcount.p, shortcount.len);
    /* Plain MOO cut inside a chunk: gzip is fine, the chunk tree is not. */
    snprintf(p, sizeof p, "%s/bad/cutchunk.MOO.gz", out);
    rc |= write_gz(p, inc.p, inc.len - 7);
    /* A TEST chunk length far beyond the file. */
    struct buf corrupt = {0};
    put(&corrupt, inc.p, inc.len);
    corrupt.p[20 + 4] = 0xFF; /* first TEST chunk follows the 20-byte MOO header chunk */
    corrupt.p[20 + 7] = 0x7F;
    snprintf(p, sizeof p, "%s/bad/corrupt.MOO.gz", out);
    rc |= write_gz(p, corrupt.p, corrupt.len);
    static const char text[] = "this is not a MOO file\n";
    snprintf(p, sizeof p, "%s/bad/notmoo.MOO.gz", out);
    rc |= write_gz(p, text, strlen(text));
    static const uint8_t badgz[] = {0x1F, 0x8B, 0x08, 0x00, 0,    0,    0,    0,    0,    0x03, 0xDE,
                                    0xAD, 0xBE, 0xEF, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
    snprintf(p, sizeof p, "%s/bad/badgzip.MOO.gz", out);
    rc |= write_raw(p, badgz, sizeof badgz);
    snprintf(p, sizeof p, "%s/bad/empty.MOO.gz", out);
    rc |= write_raw(p, "", 0);

    /* mixed/: the good file must still run next to a broken one. */
    snprintf(p, sizeof p, "%s/mixed/90.MOO.gz", out);
    rc |= write_gz(p, nop.p, nop.len);
    snprintf(p, sizeof p, "%s/mixed/91.MOO.gz", out);
    rc |= write_gz_truncated(p, inc.p, inc.len, 0.5);

    free(nop.p);
    free(inc.p);
    free(esc.p);
    free(shortcount.p);
    free(corrupt.p);
    return rc ? 1 : 0;
}

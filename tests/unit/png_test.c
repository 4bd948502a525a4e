/* PNG writer test: encodes known images, then walks the file chunk by chunk
 * (CRCs checked with zlib's crc32), inflates IDAT and compares every pixel. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "frontend/lib/png.h"

static int failures, checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        checks++;                                                                                            \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes what png_encode writes (8-bit RGB, filter 0) back into 0xFFRRGGBB
 * pixels; returns the pixel buffer or NULL after reporting what was wrong. */
static uint32_t *decode(const uint8_t *png, size_t len, int *w, int *h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    CHECK(len > 8 && memcmp(png, sig, 8) == 0);
    size_t pos = 8;
    uint8_t *idat = NULL;
    size_t idat_len = 0;
    int chunks = 0;
    bool seen_end = false;
    *w = *h = 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(png + pos);
        const uint8_t *type = png + pos + 4;
        if (pos + 12 + n > len) {
            CHECK(!"chunk runs past the end");
            break;
        }
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, n + 4);
        CHECK(crc == be32(png + pos + 8 + n));
        if (chunks == 0) {
            CHECK(memcmp(type, "IHDR", 4) == 0 && n == 13);
            *w = (int)be32(type + 4);
            *h = (int)be32(type + 8);
            CHECK(type[12] == 8 && type[13] == 2 && type[14] == 0 && type[15] == 0 && type[16] == 0);
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, idat_len + n);
            memcpy(idat + idat_len, type + 4, n);
            idat_len += n;
        } else if (!memcmp(type, "IEND", 4)) {
            CHECK(n == 0);
            seen_end = true;
            pos += 12 + n;
            break;
        }
        chunks++;
        pos += 12 + n;
    }
    CHECK(seen_end && pos == len);
    if (*w <= 0 || *h <= 0 || !idat) {
        free(idat);
        return NULL;
    }
    size_t stride = (size_t)*w * 3 + 1;
    uLongf raw_len = (uLongf)(stride * (size_t)*h);
    uint8_t *raw = malloc(raw_len + 1);
    uLongf got = raw_len + 1;
    CHECK(uncompress(raw, &got, idat, (uLong)idat_len) == Z_OK);
    CHECK(got == raw_len);
    free(idat);
    uint32_t *px = malloc((size_t)*w * (size_t)*h * 4);
    for (int y = 0; y < *h; y++) {
        const uint8_t *row = raw + (size_t)y * stride;
        CHECK(row[0] == 0);
        for (int x = 0; x < *w; x++)
            px[(size_t)y * (size_t)*w + (size_t)x] =
                0xFF000000u | (uint32_t)row[1 + 3 * x] << 16 | (uint32_t)row[2 + 3 * x] << 8 | row[3 + 3 * x];
    }
    free(raw);
    return px;
}

static void round_trip(int w, int h, uint32_t seed)
{
    uint32_t *src = malloc((size_t)w * (size_t)h * 4);
    uint32_t s = seed;
    for (int i = 0; i < w * h; i++) {
        /* Mix gradients (compressible) with noise (not), alpha garbage. */
        s = s * 1103515245u + 12345u;
        src[i] = (i & 1) ? s : (uint32_t)((i % w) * 0x010203u + (i / w) * 0x030100u) | 0x5A000000u;
    }
    uint8_t *png;
    size_t len;
    CHECK(png_encode(src, w, h, &png, &len) == 0);
    int dw, dh;
    uint32_t *back = decode(png, len, &dw, &dh);
    CHECK(back && dw == w && dh == h);
    int bad = 0;
    for (int i = 0; back && i < w * h; i++)
        bad += back[i] != (src[i] | 0xFF000000u);
    CHECK(bad == 0);
    free(back);
    free(png);
    free(src);
}

int main(void)
{
    round_trip(1, 1, 1);
    round_trip(320, 200, 2);
    round_trip(640, 480, 3);
    round_trip(7, 3, 4);

    /* A known 2x2 image: red, green / blue, white. */
    uint32_t four[4] = {0xFFFF0000u, 0xFF00FF00u, 0xFF0000FFu, 0xFFFFFFFFu};
    uint8_t *png;
    size_t len;
    CHECK(png_encode(four, 2, 2, &png, &len) == 0);
    int w, h;
    uint32_t *back = decode(png, len, &w, &h);
    CHECK(back && w == 2 && h == 2 && !memcmp(back, four, sizeof(four)));
    free(back);

    /* The file writer writes the same bytes. */
    char path[] = "/tmp/rex86-png-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd);
        CHECK(png_write_file(path, four, 2, 2) == 0);
        FILE *f = fopen(path, "rb");
        uint8_t buf[4096];
        size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
            fclose(f);
        CHECK(n == len && !memcmp(buf, png, len));
        unlink(path);
    }
    free(png);

    /* Bad sizes are refused, not encoded. */
    CHECK(png_encode(four, 0, 2, &png, &len) < 0);
    CHECK(png_write_file("/nonexistent-dir/x.png", four, 2, 2) < 0);

    printf("png: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}

/* The PNG writer behind --screenshot and the screenshot host key: signature,
 * IHDR, one zlib-compressed IDAT of filter-0 scanlines, IEND. */
#include "frontend/lib/png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A chunk is length, type, data, and a CRC over type and data (PNG spec
 * §5.3); returns the bytes written at dst. */
static size_t put_chunk(uint8_t *dst, const char type[4], const uint8_t *data, size_t len)
{
    put_be32(dst, (uint32_t)len);
    memcpy(dst + 4, type, 4);
    if (len)
        memcpy(dst + 8, data, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, dst + 4, (uInt)(len + 4));
    put_be32(dst + 8 + len, (uint32_t)crc);
    return len + 12;
}

int png_encode(const uint32_t *pixels, int width, int height, uint8_t **out, size_t *out_len)
{
    if (width <= 0 || height <= 0 || width > 1 << 16 || height > 1 << 16)
        return -1;
    /* Each scanline is a filter byte (0, none) and RGB triples; screenshots
     * are small enough that filtering would buy little. */
    size_t stride = (size_t)width * 3 + 1;
    size_t raw_len = stride * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    if (!raw)
        return -1;
    for (int y = 0; y < height; y++) {
        uint8_t *row = raw + (size_t)y * stride;
        const uint32_t *src = pixels + (size_t)y * (size_t)width;
        row[0] = 0;
        for (int x = 0; x < width; x++) {
            row[1 + x * 3] = (uint8_t)(src[x] >> 16);
            row[2 + x * 3] = (uint8_t)(src[x] >> 8);
            row[3 + x * 3] = (uint8_t)src[x];
        }
    }
    uLongf z_len = compressBound((uLong)raw_len);
    /* signature + IHDR + IDAT header/CRC + IEND, then the compressed data. */
    size_t cap = 8 + 25 + 12 + 12 + (size_t)z_len;
    uint8_t *png = malloc(cap);
    uint8_t *z = malloc(z_len);
    if (!png || !z || compress2(z, &z_len, raw, (uLong)raw_len, Z_BEST_COMPRESSION) != Z_OK) {
        free(raw);
        free(png);
        free(z);
        return -1;
    }
    free(raw);

    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bits per sample */
    ihdr[9] = 2;  /* colour type: truecolour RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering, one filter byte per line */
    ihdr[12] = 0; /* not interlaced */

    size_t n = 0;
    memcpy(png, signature, 8);
    n += 8;
    n += put_chunk(png + n, "IHDR", ihdr, sizeof(ihdr));
    n += put_chunk(png + n, "IDAT", z, z_len);
    n += put_chunk(png + n, "IEND", NULL, 0);
    free(z);
    *out = png;
    *out_len = n;
    return 0;
}

int png_write_file(const char *path, const uint32_t *pixels, int width, int height)
{
    uint8_t *png;
    size_t len;
    if (png_encode(pixels, width, height, &png, &len) < 0)
        return -1;
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(png, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    free(png);
    return ok ? 0 : -1;
}

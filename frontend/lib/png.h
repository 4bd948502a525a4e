/* A small PNG writer for screenshots: 8-bit RGB, one IDAT compressed with
 * zlib, CRCs from zlib's crc32. No other image library. */
#ifndef REX86_FRONTEND_PNG_H
#define REX86_FRONTEND_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Encodes width x height pixels of 0xAARRGGBB (alpha ignored; the guest's
 * picture is opaque) into a malloc'ed PNG. Returns 0 and sets *out and *out_len,
 * or -1 when memory or zlib fails. */
int png_encode(const uint32_t *pixels, int width, int height, uint8_t **out, size_t *out_len);

/* png_encode to a file. Returns 0, or -1 with errno-style failure (the
 * caller names the file in its message). */
int png_write_file(const char *path, const uint32_t *pixels, int width, int height);

#endif

/* Raw disk images (floppy, hard disk, ISO CD): open, bounds-checked sector
 * I/O with write-through, flush, and geometry guessing from size or MBR. */
#ifndef REX86_IMAGE_H
#define REX86_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum image_type {
    IMAGE_RAW, /* opened, not yet typed: 512-byte sectors, no geometry */
    IMAGE_FLOPPY,
    IMAGE_HDD,
    IMAGE_CDROM, /* 2048-byte sectors, always read-only */
};

struct disk_geometry {
    uint32_t cylinders, heads, sectors;
};

/* Floppy drive/media types as CMOS register 10h and INT 13h AH=08h name
 * them: 1 = 360K, 2 = 1.2M, 3 = 720K, 4 = 1.44M, 5 = 2.88M. */
enum floppy_type {
    FLOPPY_NONE = 0,
    FLOPPY_360K = 1,
    FLOPPY_1200K = 2,
    FLOPPY_720K = 3,
    FLOPPY_1440K = 4,
    FLOPPY_2880K = 5,
};

struct disk_image {
    int fd;
    char *path;
    uint64_t size;        /* bytes */
    uint32_t sector_size; /* 512, or 2048 for CD */
    uint64_t sectors;     /* whole sectors in the image */
    bool readonly;
    enum image_type type;
    struct disk_geometry geom; /* floppy: the media; hard disk: physical */
    enum floppy_type floppy_type;
};

/* Opens an image. readonly=false falls back to read-only (reported in
 * img->readonly) when the file itself is not writable. NULL with a one
 * sentence message in err when it cannot be used. */
struct disk_image *image_open(const char *path, bool readonly, char *err, size_t errlen);
/* Give an opened image its role: checks the size and sets geometry and the
 * sector size. Returns 0 or -1 with a message in err. */
int image_set_type(struct disk_image *img, enum image_type type, char *err, size_t errlen);
/* Sector I/O in units of img->sector_size. Return 0, or -1 when out of
 * range, -2 when the image is read-only, -3 on a host I/O error. Writes go
 * to the file at once (write-through). */
int image_read(struct disk_image *img, uint64_t lba, uint32_t count, void *buf);
int image_write(struct disk_image *img, uint64_t lba, uint32_t count, const void *buf);
/* The same at byte granularity (El Torito windows into a CD image). */
int image_read_bytes(struct disk_image *img, uint64_t off, size_t len, void *buf);
int image_write_bytes(struct disk_image *img, uint64_t off, size_t len, const void *buf);
/* Make written data durable on the host. Returns 0 or -3. */
int image_flush(struct disk_image *img);
/* Flushes and frees. NULL is fine. */
void image_close(struct disk_image *img);

/* Geometry guessing, usable without a file. Floppy: 0 and the geometry when
 * the size is a known format, else -1. */
int image_guess_floppy(uint64_t size, struct disk_geometry *g, enum floppy_type *type);
/* Hard disk: from the MBR's partition table when it is consistent (mbr may
 * be NULL), else 16 heads and 63 sectors per track. */
void image_guess_hdd(uint64_t size, const uint8_t *mbr, struct disk_geometry *g);

#endif

/* Raw disk images: open/type checks, write-through sector I/O with bounds
 * checks, and geometry guessing for floppies (from size) and hard disks
 * (from the MBR partition table or size). */
#define _GNU_SOURCE
#include "devices/storage/image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Known floppy formats by byte size. */
static const struct floppy_format {
    uint32_t size;
    struct disk_geometry g;
    enum floppy_type type; /* the drive type that reads it */
} floppy_formats[] = {
    {163840, {40, 1, 8}, FLOPPY_360K},    {184320, {40, 1, 9}, FLOPPY_360K},
    {327680, {40, 2, 8}, FLOPPY_360K},    {368640, {40, 2, 9}, FLOPPY_360K},
    {737280, {80, 2, 9}, FLOPPY_720K},    {1228800, {80, 2, 15}, FLOPPY_1200K},
    {1474560, {80, 2, 18}, FLOPPY_1440K}, {1720320, {80, 2, 21}, FLOPPY_1440K}, /* DMF */
    {1763328, {82, 2, 21}, FLOPPY_1440K}, {2949120, {80, 2, 36}, FLOPPY_2880K},
};

int image_guess_floppy(uint64_t size, struct disk_geometry *g, enum floppy_type *type)
{
    for (size_t k = 0; k < sizeof(floppy_formats) / sizeof(floppy_formats[0]); k++) {
        if (floppy_formats[k].size == size) {
            *g = floppy_formats[k].g;
            if (type)
                *type = floppy_formats[k].type;
            return 0;
        }
    }
    return -1;
}

/* The MBR's ending CHS fields tell the geometry the disk was partitioned
 * with; trust them only when every used entry agrees. */
static bool geometry_from_mbr(const uint8_t *mbr, uint32_t *heads, uint32_t *sectors)
{
    if (mbr[510] != 0x55 || mbr[511] != 0xAA)
        return false;
    uint32_t h = 0, s = 0;
    for (int k = 0; k < 4; k++) {
        const uint8_t *e = mbr + 446 + 16 * k;
        if (e[4] == 0)
            continue;
        if (e[0] != 0 && e[0] != 0x80)
            return false;
        uint32_t eh = e[5] + 1u, es = e[6] & 63u;
        if (es == 0)
            return false;
        if (h && (h != eh || s != es))
            return false;
        h = eh;
        s = es;
    }
    if (!h)
        return false;
    *heads = h;
    *sectors = s;
    return true;
}

void image_guess_hdd(uint64_t size, const uint8_t *mbr, struct disk_geometry *g)
{
    uint32_t heads = 16, sectors = 63;
    if (mbr)
        geometry_from_mbr(mbr, &heads, &sectors);
    uint64_t cyl = size / (512ull * heads * sectors);
    if (cyl == 0)
        cyl = 1;
    if (cyl > 65535)
        cyl = 65535;
    g->cylinders = (uint32_t)cyl;
    g->heads = heads;
    g->sectors = sectors;
}

struct disk_image *image_open(const char *path, bool readonly, char *err, size_t errlen)
{
    int fd = -1;
    bool ro = readonly;
    /* A file with no write permission bits is read-only even to root, so a
     * shared, write-protected image is never changed by a guest. */
    struct stat pst;
    if (!ro && stat(path, &pst) == 0 && S_ISREG(pst.st_mode) && !(pst.st_mode & 0222))
        ro = true;
    if (!ro) {
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
            ro = true;
        else if (fd < 0) {
            snprintf(err, errlen, "cannot open disk image '%s': %s", path, strerror(errno));
            return NULL;
        }
    }
    if (ro) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open disk image '%s': %s", path, strerror(errno));
            return NULL;
        }
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot read disk image '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "disk image '%s' is a directory", path);
        close(fd);
        return NULL;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (!S_ISREG(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? (uint64_t)end : 0;
    }
    if (size == 0) {
        snprintf(err, errlen, "disk image '%s' is empty", path);
        close(fd);
        return NULL;
    }
    /* A quick read proves the file is readable, not just openable. */
    uint8_t probe[1];
    if (pread(fd, probe, 1, 0) != 1) {
        snprintf(err, errlen, "cannot read disk image '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct disk_image *img = calloc(1, sizeof(*img));
    char *p = strdup(path);
    if (!img || !p) {
        free(img);
        free(p);
        close(fd);
        snprintf(err, errlen, "out of memory opening '%s'", path);
        return NULL;
    }
    img->fd = fd;
    img->path = p;
    img->size = size;
    img->readonly = ro;
    img->sector_size = 512;
    img->sectors = size / 512;
    img->type = IMAGE_RAW;
    return img;
}

int image_set_type(struct disk_image *img, enum image_type type, char *err, size_t errlen)
{
    switch (type) {
    case IMAGE_RAW: break;
    case IMAGE_FLOPPY:
        if (image_guess_floppy(img->size, &img->geom, &img->floppy_type) < 0) {
            snprintf(err, errlen,
                     "floppy image '%s' has %llu bytes, which is no floppy format "
                     "(160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M, 2.88M)",
                     img->path, (unsigned long long)img->size);
            return -1;
        }
        img->sector_size = 512;
        break;
    case IMAGE_HDD: {
        if (img->size < 512 || img->size % 512) {
            snprintf(err, errlen,
                     "hard disk image '%s' has %llu bytes, not a whole number of 512-byte sectors", img->path,
                     (unsigned long long)img->size);
            return -1;
        }
        if (img->size > (1ull << 41)) {
            snprintf(err, errlen, "hard disk image '%s' is larger than 2 TB", img->path);
            return -1;
        }
        uint8_t mbr[512];
        const uint8_t *pm = pread(img->fd, mbr, 512, 0) == 512 ? mbr : NULL;
        image_guess_hdd(img->size, pm, &img->geom);
        img->sector_size = 512;
        break;
    }
    case IMAGE_CDROM:
        if (img->size < 18 * 2048ull) {
            snprintf(err, errlen, "CD image '%s' has %llu bytes, too small for an ISO 9660 image", img->path,
                     (unsigned long long)img->size);
            return -1;
        }
        img->sector_size = 2048;
        img->readonly = true;
        break;
    }
    img->type = type;
    img->sectors = img->size / img->sector_size;
    return 0;
}

int image_read_bytes(struct disk_image *img, uint64_t off, size_t len, void *buf)
{
    if (off > img->size || len > img->size - off)
        return -1;
    uint8_t *d = buf;
    while (len) {
        ssize_t n = pread(img->fd, d, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -3;
        d += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int image_write_bytes(struct disk_image *img, uint64_t off, size_t len, const void *buf)
{
    if (off > img->size || len > img->size - off)
        return -1;
    if (img->readonly)
        return -2;
    const uint8_t *s = buf;
    while (len) {
        ssize_t n = pwrite(img->fd, s, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -3;
        s += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int image_read(struct disk_image *img, uint64_t lba, uint32_t count, void *buf)
{
    if (lba > img->sectors || count > img->sectors - lba)
        return -1;
    return image_read_bytes(img, lba * img->sector_size, (size_t)count * img->sector_size, buf);
}

int image_write(struct disk_image *img, uint64_t lba, uint32_t count, const void *buf)
{
    if (lba > img->sectors || count > img->sectors - lba)
        return -1;
    return image_write_bytes(img, lba * img->sector_size, (size_t)count * img->sector_size, buf);
}

int image_flush(struct disk_image *img)
{
    if (img->readonly)
        return 0;
    return fsync(img->fd) < 0 && errno != EINVAL ? -3 : 0;
}

void image_close(struct disk_image *img)
{
    if (!img)
        return;
    image_flush(img);
    close(img->fd);
    free(img->path);
    free(img);
}

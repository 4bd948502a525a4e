/* Disk image tests: floppy/hard disk geometry guessing, bad images (missing,
 * empty, impossible sizes, directories), bounds checks and write-through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/storage/image/image.h"

static int failures, checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        checks++;                                                                                            \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

static char tmpdir[256];

static const char *make_file(const char *name, size_t size, const uint8_t *head, size_t headlen)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size) {
        uint8_t *buf = calloc(1, size);
        if (head)
            memcpy(buf, head, headlen);
        fwrite(buf, 1, size, f);
        free(buf);
    }
    fclose(f);
    return path;
}

static void test_floppy_sizes(void)
{
    static const struct {
        uint32_t size, c, h, s;
        enum floppy_type t;
    } cases[] = {
        {163840, 40, 1, 8, FLOPPY_360K},    {184320, 40, 1, 9, FLOPPY_360K},
        {327680, 40, 2, 8, FLOPPY_360K},    {368640, 40, 2, 9, FLOPPY_360K},
        {737280, 80, 2, 9, FLOPPY_720K},    {1228800, 80, 2, 15, FLOPPY_1200K},
        {1474560, 80, 2, 18, FLOPPY_1440K}, {2949120, 80, 2, 36, FLOPPY_2880K},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct disk_geometry g;
        enum floppy_type t;
        CHECK(image_guess_floppy(cases[k].size, &g, &t) == 0);
        CHECK(g.cylinders == cases[k].c && g.heads == cases[k].h && g.sectors == cases[k].s);
        CHECK(t == cases[k].t);
    }
    struct disk_geometry g;
    CHECK(image_guess_floppy(1000000, &g, NULL) < 0);
    CHECK(image_guess_floppy(0, &g, NULL) < 0);
}

static void test_hdd_geometry(void)
{
    struct disk_geometry g;
    image_guess_hdd(10ull * 16 * 63 * 512, NULL, &g);
    CHECK(g.cylinders == 10 && g.heads == 16 && g.sectors == 63);
    /* A partition table made with 255 heads / 63 sectors wins. */
    uint8_t mbr[512];
    memset(mbr, 0, sizeof(mbr));
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    uint8_t *e = mbr + 446;
    e[0] = 0x80;
    e[4] = 0x06;
    e[5] = 254; /* end head */
    e[6] = 63;  /* end sector */
    image_guess_hdd(100ull * 255 * 63 * 512, mbr, &g);
    CHECK(g.heads == 255 && g.sectors == 63 && g.cylinders == 100);
    /* Inconsistent entries are ignored. */
    e[16 + 4] = 0x83;
    e[16 + 5] = 15;
    e[16 + 6] = 32;
    image_guess_hdd(20ull * 16 * 63 * 512, mbr, &g);
    CHECK(g.heads == 16 && g.sectors == 63 && g.cylinders == 20);
    /* No signature: the default. */
    mbr[510] = 0;
    image_guess_hdd(20ull * 16 * 63 * 512, mbr, &g);
    CHECK(g.heads == 16 && g.cylinders == 20);
}

static void test_bad_images(void)
{
    char err[512];
    char path[600];
    snprintf(path, sizeof(path), "%s/missing.img", tmpdir);
    err[0] = 0;
    CHECK(image_open(path, false, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "missing.img") != NULL && strstr(err, "No such file") != NULL);

    err[0] = 0;
    CHECK(image_open(make_file("empty.img", 0, NULL, 0), false, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "empty") != NULL);

    err[0] = 0;
    CHECK(image_open(tmpdir, true, err, sizeof(err)) == NULL);
    CHECK(err[0] != 0);

    struct disk_image *img = image_open(make_file("odd.img", 1000, NULL, 0), false, err, sizeof(err));
    CHECK(img != NULL);
    if (img) {
        err[0] = 0;
        CHECK(image_set_type(img, IMAGE_FLOPPY, err, sizeof(err)) < 0);
        CHECK(strstr(err, "no floppy format") != NULL);
        err[0] = 0;
        CHECK(image_set_type(img, IMAGE_HDD, err, sizeof(err)) < 0);
        CHECK(strstr(err, "512-byte") != NULL);
        err[0] = 0;
        CHECK(image_set_type(img, IMAGE_CDROM, err, sizeof(err)) < 0);
        CHECK(err[0] != 0);
        image_close(img);
    }
}

static void test_io(void)
{
    char err[512];
    uint8_t boot[4] = {0xEB, 0x3C, 0x90, 'M'};
    const char *p = make_file("a.img", 1474560, boot, sizeof(boot));
    char path[512];
    snprintf(path, sizeof(path), "%s", p);
    struct disk_image *img = image_open(path, false, err, sizeof(err));
    CHECK(img != NULL);
    if (!img)
        return;
    CHECK(image_set_type(img, IMAGE_FLOPPY, err, sizeof(err)) == 0);
    CHECK(img->sectors == 2880 && img->geom.sectors == 18 && !img->readonly);
    uint8_t s[512], w[512];
    CHECK(image_read(img, 0, 1, s) == 0 && s[0] == 0xEB && s[3] == 'M');
    CHECK(image_read(img, 2880, 1, s) == -1);
    CHECK(image_read(img, 2879, 2, s) == -1);
    CHECK(image_read(img, 2879, 1, s) == 0);
    CHECK(image_read(img, UINT64_MAX, 1, s) == -1);
    memset(w, 0xA5, sizeof(w));
    CHECK(image_write(img, 100, 1, w) == 0);
    CHECK(image_write(img, 2880, 1, w) == -1);
    CHECK(image_flush(img) == 0);
    image_close(img);
    /* Write-through: the data is in the file. */
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 100 * 512, SEEK_SET);
        CHECK(fread(s, 1, 512, f) == 512 && memcmp(s, w, 512) == 0);
        fclose(f);
    }
    /* A file without write permission opens read-only, even for root. */
    chmod(path, 0444);
    img = image_open(path, false, err, sizeof(err));
    CHECK(img && img->readonly);
    if (img) {
        CHECK(image_write(img, 0, 1, w) == -2);
        image_close(img);
    }
    chmod(path, 0644);
    /* Read-only opens refuse writes. */
    img = image_open(path, true, err, sizeof(err));
    CHECK(img && img->readonly);
    if (img) {
        CHECK(image_write(img, 0, 1, w) == -2);
        image_close(img);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rex86-image-test-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_floppy_sizes();
    test_hdd_geometry();
    test_bad_images();
    test_io();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

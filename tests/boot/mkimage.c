/* Test image builder for the boot tests:
 *   mkimage iso OUT BOOTFILE noemu|floppy  -- El Torito ISO 9660 image
 *   mkimage hdd OUT MB BOOTSECTOR          -- raw disk with marker sectors
 * Small on purpose: only what the BIOS and the test programs read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = calloc(1, (size_t)*len + 2048);
    if (!buf || fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return buf;
}

static void put32both(unsigned char *p, unsigned v)
{
    for (int k = 0; k < 4; k++) {
        p[k] = (unsigned char)(v >> (8 * k));
        p[7 - k] = (unsigned char)(v >> (8 * k));
    }
}

static void put16both(unsigned char *p, unsigned v)
{
    p[0] = p[3] = (unsigned char)v;
    p[1] = p[2] = (unsigned char)(v >> 8);
}

static void dir_record(unsigned char *p, unsigned lba, unsigned size, unsigned char name)
{
    p[0] = 34;
    put32both(p + 2, lba);
    put32both(p + 10, size);
    p[25] = 0x02; /* directory */
    put16both(p + 28, 1);
    p[32] = 1;
    p[33] = name;
}

static int make_iso(const char *out, const char *bootfile, const char *mode)
{
    long blen;
    unsigned char *boot = slurp(bootfile, &blen);
    int media;
    if (!strcmp(mode, "noemu"))
        media = 0;
    else if (!strcmp(mode, "floppy"))
        media = blen == 1228800 ? 1 : blen == 1474560 ? 2 : blen == 2949120 ? 3 : -1;
    else
        media = -1;
    if (media < 0) {
        fprintf(stderr, "bad mode or floppy size\n");
        return 1;
    }
    unsigned boot_lba = 22, boot_secs = (unsigned)((blen + 2047) / 2048);
    unsigned total = boot_lba + boot_secs;
    unsigned char *iso = calloc(total, 2048);
    unsigned char *s;
    /* Primary volume descriptor. */
    s = iso + 16 * 2048;
    s[0] = 1;
    memcpy(s + 1, "CD001", 5);
    s[6] = 1;
    memset(s + 8, ' ', 64);
    memcpy(s + 40, "REX86TEST", 9);
    put32both(s + 80, total);
    put16both(s + 120, 1);
    put16both(s + 124, 1);
    put16both(s + 128, 2048);
    dir_record(s + 156, 21, 2048, 0);
    s[881] = 1;
    /* Boot record volume descriptor. */
    s = iso + 17 * 2048;
    s[0] = 0;
    memcpy(s + 1, "CD001", 5);
    s[6] = 1;
    memcpy(s + 7, "EL TORITO SPECIFICATION", 23);
    s[0x47] = 19;
    /* Terminator. */
    s = iso + 18 * 2048;
    s[0] = 255;
    memcpy(s + 1, "CD001", 5);
    s[6] = 1;
    /* Boot catalog: validation entry, then the initial entry. */
    s = iso + 19 * 2048;
    s[0] = 1;
    memcpy(s + 4, "rex86", 5);
    s[0x1E] = 0x55;
    s[0x1F] = 0xAA;
    unsigned sum = 0;
    for (int k = 0; k < 32; k += 2)
        sum += s[k] | s[k + 1] << 8;
    unsigned ck = (0x10000 - (sum & 0xFFFF)) & 0xFFFF;
    s[0x1C] = (unsigned char)ck;
    s[0x1D] = (unsigned char)(ck >> 8);
    unsigned char *e = s + 0x20;
    e[0] = 0x88;
    e[1] = (unsigned char)media;
    unsigned count = media == 0 ? (unsigned)((blen + 511) / 512) : 1;
    e[6] = (unsigned char)count;
    e[7] = (unsigned char)(count >> 8);
    for (int k = 0; k < 4; k++)
        e[8 + k] = (unsigned char)(boot_lba >> (8 * k));
    /* Root directory: "." and "..". */
    s = iso + 21 * 2048;
    dir_record(s, 21, 2048, 0);
    dir_record(s + 34, 21, 2048, 1);
    memcpy(iso + boot_lba * 2048, boot, (size_t)blen);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(iso, 2048, total, f) != total) {
        perror(out);
        return 1;
    }
    fclose(f);
    return 0;
}

/* Sector n (n >= 1) starts with a marker the test program checks. */
static int make_hdd(const char *out, const char *mbstr, const char *bootsector)
{
    long blen;
    unsigned char *boot = slurp(bootsector, &blen);
    long mb = atol(mbstr);
    if (blen != 512 || mb <= 0) {
        fprintf(stderr, "need a 512-byte boot sector and a size in MB\n");
        return 1;
    }
    FILE *f = fopen(out, "wb");
    if (!f) {
        perror(out);
        return 1;
    }
    fwrite(boot, 1, 512, f);
    unsigned char sec[512];
    for (long n = 1; n < mb * 2048; n++) {
        memset(sec, 0, sizeof(sec));
        if (n == 1)
            memcpy(sec, "HD", 2);
        else if (n == 2)
            memcpy(sec, "X2", 2);
        fwrite(sec, 1, 512, f);
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "iso"))
        return make_iso(argv[2], argv[3], argv[4]);
    if (argc == 5 && !strcmp(argv[1], "hdd"))
        return make_hdd(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: mkimage iso OUT BOOTFILE noemu|floppy | mkimage hdd OUT MB BOOTSECTOR\n");
    return 2;
}

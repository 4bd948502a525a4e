/* Unit test of the 82077AA floppy controller: the reset sequence and its
 * four interrupts, SPECIFY/RECALIBRATE/SEEK with SENSE INTERRUPT STATUS,
 * the disk change line, READ DATA and WRITE DATA by DMA (multi-track, end
 * of track), READ ID, FORMAT, write protect, VERSION/CONFIGURE/LOCK/DUMPREG
 * and invalid commands. */
#include <unistd.h>

#include "devtest.h"
#include "devices/chipset/dma.h"
#include "devices/storage/fdc.h"
#include "devices/storage/image/image.h"

#define FLOPPY_SECTORS 2880u /* 80 x 2 x 18 */

static void fill_sector(uint8_t *s, uint32_t lba)
{
    for (int k = 0; k < 512; k++)
        s[k] = (uint8_t)(lba * 3 + (uint32_t)k);
    memcpy(s, &lba, 4);
}

static uint8_t msr(struct machine *m)
{
    return in8(m, 0x3F4);
}

static void cmd(struct machine *m, const uint8_t *b, int n)
{
    for (int k = 0; k < n; k++) {
        CHECK_EQ(msr(m) & 0xC0, 0x80);
        out8(m, 0x3F5, b[k]);
    }
}

/* Lets the execution phase finish, then reads the result bytes. */
static int result(struct machine *m, uint8_t *r)
{
    for (int k = 0; k < 100 && (msr(m) & 0xC0) != 0xC0; k++)
        advance_ns(m, 100000);
    int n = 0;
    while ((msr(m) & 0xC0) == 0xC0 && n < 16)
        r[n++] = in8(m, 0x3F5);
    CHECK_EQ(msr(m) & 0xD0, 0x80);
    return n;
}

static void sense_int(struct machine *m, uint8_t *st0, uint8_t *pcn)
{
    uint8_t c = 0x08, r[16];
    cmd(m, &c, 1);
    int n = result(m, r);
    *st0 = r[0];
    *pcn = n > 1 ? r[1] : 0xFF;
}

/* DMA channel 2, single mode: mode 0x46 device-to-memory, 0x4A the other way. */
static void dma_setup(struct machine *m, uint8_t mode, uint32_t addr, uint32_t len)
{
    out8(m, 0x0A, 0x06);
    out8(m, 0x0B, mode);
    out8(m, 0x0C, 0);
    out8(m, 0x04, (uint8_t)addr);
    out8(m, 0x04, (uint8_t)(addr >> 8));
    out8(m, 0x81, (uint8_t)(addr >> 16));
    out8(m, 0x05, (uint8_t)(len - 1));
    out8(m, 0x05, (uint8_t)((len - 1) >> 8));
    out8(m, 0x0A, 0x02);
}

static void seek(struct machine *m, uint8_t head, uint8_t cyl)
{
    uint8_t c[3] = {0x0F, (uint8_t)(head << 2), cyl}, st0, pcn;
    while (take_irq(m) >= 0) /* earlier results' edges */
        ;
    cmd(m, c, 3);
    for (int k = 0; k < 100 && take_irq(m) < 0; k++)
        advance_ns(m, 100000);
    sense_int(m, &st0, &pcn);
    CHECK_EQ(st0, 0x20 | head << 2);
    CHECK_EQ(pcn, cyl);
}

int main(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/rex86_fdc_%d.img", (int)getpid());
    FILE *f = fopen(path, "wb");
    uint8_t s[512], r[16], want[512];
    for (uint32_t i = 0; i < FLOPPY_SECTORS; i++) {
        fill_sector(s, i);
        fwrite(s, 1, 512, f);
    }
    fclose(f);
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 32, .deterministic = true};
    cfg.fda = path;
    struct machine *m = new_machine_cfg(cfg);
    CHECK(dma_init(m) == 0);
    CHECK(fdc_init(m) == 0);
    out8(m, 0xD6, 0xC0); /* channel 4 cascade, unmasked */
    out8(m, 0xD4, 0x00);

    /* Out of reset as POST leaves it; the change line is active. */
    CHECK_EQ(in8(m, 0x3F2), 0x0C);
    CHECK_EQ(msr(m), 0x80);
    CHECK_EQ(in8(m, 0x3F7) & 0x80, 0x80);

    /* Reset through the DOR: one interrupt, then four SENSE INTERRUPTs. */
    out8(m, 0x3F2, 0x08);
    out8(m, 0x3F2, 0x1C);
    CHECK_EQ(take_irq(m), IRQ_VEC(6));
    uint8_t st0, pcn;
    for (int k = 0; k < 4; k++) {
        sense_int(m, &st0, &pcn);
        CHECK_EQ(st0, 0xC0 | k);
        CHECK_EQ(pcn, 0);
    }
    sense_int(m, &st0, &pcn); /* nothing left: invalid */
    CHECK_EQ(st0, 0x80);
    CHECK_EQ(pcn, 0xFF);

    /* VERSION, SPECIFY, CONFIGURE, LOCK, DUMPREG, invalid. */
    uint8_t c1 = 0x10;
    cmd(m, &c1, 1);
    CHECK_EQ(result(m, r), 1);
    CHECK_EQ(r[0], 0x90);
    uint8_t spec[3] = {0x03, 0xDF, 0x02};
    cmd(m, spec, 3);
    CHECK_EQ(msr(m), 0x80);
    uint8_t conf[4] = {0x13, 0x00, 0x57, 0x05};
    cmd(m, conf, 4);
    c1 = 0x94;
    cmd(m, &c1, 1);
    CHECK_EQ(result(m, r), 1);
    CHECK_EQ(r[0], 0x10);
    out8(m, 0x3F4, 0x80); /* DSR software reset: a locked CONFIGURE stays */
    for (int k = 0; k < 4; k++)
        sense_int(m, &st0, &pcn);
    out8(m, 0x3F7, 0x00); /* 500 kbps */
    c1 = 0x0E;
    cmd(m, &c1, 1);
    CHECK_EQ(result(m, r), 10);
    CHECK_EQ(r[4], 0xDF);
    CHECK_EQ(r[5], 0x02);
    CHECK_EQ(r[7] & 0x80, 0x80);
    CHECK_EQ(r[8], 0x57);
    CHECK_EQ(r[9], 0x05);
    c1 = 0x14; /* unlock; CONFIGURE back to implied seek off */
    cmd(m, &c1, 1);
    result(m, r);
    uint8_t conf2[4] = {0x13, 0x00, 0x20, 0x00};
    cmd(m, conf2, 4);
    c1 = 0x1F;
    cmd(m, &c1, 1);
    CHECK_EQ(result(m, r), 1);
    CHECK_EQ(r[0], 0x80);

    /* RECALIBRATE then SEEK; the seek clears the change line. */
    uint8_t recal[2] = {0x07, 0x00};
    cmd(m, recal, 2);
    CHECK_EQ(msr(m) & 0x01, 0x01); /* drive 0 busy seeking */
    for (int k = 0; k < 100 && take_irq(m) < 0; k++)
        advance_ns(m, 100000);
    sense_int(m, &st0, &pcn);
    CHECK_EQ(st0, 0x20);
    CHECK_EQ(pcn, 0);
    CHECK_EQ(in8(m, 0x3F7) & 0x80, 0x80); /* no step happened */
    seek(m, 0, 2);
    CHECK_EQ(in8(m, 0x3F7) & 0x80, 0x00);
    /* SENSE DRIVE STATUS: ready, two-sided, not track 0, writable. */
    uint8_t sds[2] = {0x04, 0x00};
    cmd(m, sds, 2);
    CHECK_EQ(result(m, r), 1);
    CHECK_EQ(r[0], 0x28);

    /* READ DATA: cylinder 2, head 0, sectors 1-2 into 0x20000 by DMA. */
    dma_setup(m, 0x46, 0x20000, 1024);
    uint8_t rd[9] = {0xE6, 0x00, 2, 0, 1, 2, 18, 0x1B, 0xFF};
    cmd(m, rd, 9);
    CHECK_EQ(msr(m) & 0x90, 0x10); /* execution phase: busy, no RQM */
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(take_irq(m), IRQ_VEC(6));
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[1], 0x00);
    CHECK_EQ(r[2], 0x00);
    CHECK_EQ(r[3], 2);
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 3);
    CHECK_EQ(r[6], 2);
    fill_sector(want, 2 * 36 + 0);
    CHECK(memcmp(m->mem.ram + 0x20000, want, 512) == 0);
    fill_sector(want, 2 * 36 + 1);
    CHECK(memcmp(m->mem.ram + 0x20200, want, 512) == 0);
    CHECK(in8(m, 0x08) & 0x04); /* DMA terminal count on channel 2 */

    /* Multi-track: sector 18 of head 0, then sector 1 of head 1. */
    dma_setup(m, 0x46, 0x30000, 1024);
    uint8_t rd2[9] = {0xE6, 0x00, 2, 0, 18, 2, 18, 0x1B, 0xFF};
    cmd(m, rd2, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x04); /* ended on head 1 */
    CHECK_EQ(r[4], 1);
    CHECK_EQ(r[5], 2);
    fill_sector(want, 2 * 36 + 18);
    CHECK(memcmp(m->mem.ram + 0x30200, want, 512) == 0);
    /* Without MT and more DMA than the track holds: end of cylinder. */
    dma_setup(m, 0x46, 0x30000, 2048);
    uint8_t rd3[9] = {0x46, 0x00, 2, 0, 17, 2, 18, 0x1B, 0xFF};
    cmd(m, rd3, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], 0x80);
    CHECK_EQ(r[3], 3);
    CHECK_EQ(r[5], 1);
    /* Wrong cylinder (the head is on 2): no data. */
    dma_setup(m, 0x46, 0x30000, 512);
    uint8_t rd4[9] = {0x46, 0x00, 5, 0, 1, 2, 18, 0x1B, 0xFF};
    cmd(m, rd4, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], 0x04);
    CHECK_EQ(r[2], 0x10);
    /* Wrong data rate: missing address mark. */
    out8(m, 0x3F7, 0x02);
    cmd(m, rd, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[1], 0x01);
    out8(m, 0x3F7, 0x00);

    /* WRITE DATA: cylinder 2 head 1 sector 5 from memory, reaches the file. */
    memset(m->mem.ram + 0x40000, 0xC3, 512);
    dma_setup(m, 0x4A, 0x40000, 512);
    uint8_t wr[9] = {0xC5, 0x04, 2, 1, 5, 2, 18, 0x1B, 0xFF};
    cmd(m, wr, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[5], 6);
    CHECK_EQ(fdc_flush(m), 0);
    FILE *g = fopen(path, "rb");
    fseek(g, (long)(2 * 36 + 18 + 4) * 512, SEEK_SET);
    CHECK_EQ(fread(s, 1, 512, g), 512);
    fclose(g);
    CHECK_EQ(s[0], 0xC3);
    CHECK_EQ(s[511], 0xC3);

    /* READ ID. */
    uint8_t rid[2] = {0x4A, 0x00};
    cmd(m, rid, 2);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[3], 2);
    CHECK_EQ(r[6], 2);

    /* FORMAT TRACK 2 head 0 with 18 sectors, filler 0xF6. */
    uint8_t ids[18 * 4];
    for (int k = 0; k < 18; k++) {
        ids[k * 4] = 2;
        ids[k * 4 + 1] = 0;
        ids[k * 4 + 2] = (uint8_t)(k + 1);
        ids[k * 4 + 3] = 2;
    }
    mem_write_block(m, 0x50000, ids, sizeof(ids));
    dma_setup(m, 0x4A, 0x50000, sizeof(ids));
    uint8_t fmt[6] = {0x4D, 0x00, 2, 18, 0x54, 0xF6};
    cmd(m, fmt, 6);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x00);
    struct disk_image *img = fdc_drive_image(m, 0);
    CHECK(img != NULL);
    CHECK(image_read(img, 2 * 36 + 7, 1, s) == 0);
    CHECK_EQ(s[0], 0xF6);
    CHECK_EQ(s[511], 0xF6);

    /* Write protect: a read-only medium refuses WRITE DATA (NW). */
    char err[200];
    struct disk_image *ro = image_open(path, true, err, sizeof(err));
    CHECK(ro && image_set_type(ro, IMAGE_FLOPPY, err, sizeof(err)) == 0);
    CHECK_EQ(fdc_change_disk(m, 0, ro), 0);
    CHECK_EQ(in8(m, 0x3F7) & 0x80, 0x80); /* disk changed */
    cmd(m, sds, 2);
    result(m, r);
    CHECK_EQ(r[0] & 0x40, 0x40);
    dma_setup(m, 0x4A, 0x40000, 512);
    cmd(m, wr, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x44);
    CHECK_EQ(r[1], 0x02);
    seek(m, 0, 3);
    CHECK_EQ(in8(m, 0x3F7) & 0x80, 0x00);

    /* No medium in drive B: READ DATA fails, recalibrate still reports. */
    uint8_t rdb[9] = {0x46, 0x01, 0, 0, 1, 2, 18, 0x1B, 0xFF};
    cmd(m, rdb, 9);
    CHECK_EQ(result(m, r), 7);
    CHECK_EQ(r[0], 0x41);
    CHECK_EQ(r[1], 0x01);

    machine_destroy(m);
    unlink(path);
    if (failures)
        fprintf(stderr, "fdc_test: %d failure(s)\n", failures);
    else
        printf("fdc_test: ok\n");
    return failures ? 1 : 0;
}

/* Unit test of the IDE controller: IDENTIFY, LBA28/LBA48/CHS PIO reads and
 * writes that reach the image file, READ/WRITE MULTIPLE, FLUSH, errors,
 * SRST and signatures, IRQ 14, bus-master DMA, and the ATAPI CD-ROM
 * (unit attention, INQUIRY, READ CAPACITY, READ(10) in byte-count-limited
 * chunks, READ TOC, MODE SENSE). */
#include <fcntl.h>
#include <unistd.h>

#include "devtest.h"
#include "devices/chipset/dma.h"
#include "devices/chipset/pci.h"
#include "devices/storage/ide.h"

#define HD_SECTORS 16320u /* 16 x 63 x 16 */
#define CD_SECTORS 100u

static void fill_sector(uint8_t *s, uint32_t lba, uint32_t size)
{
    for (uint32_t k = 0; k < size; k++)
        s[k] = (uint8_t)(lba * 7 + k);
    memcpy(s, &lba, 4);
}

static char *make_image(const char *tag, uint32_t sectors, uint32_t size)
{
    static char paths[2][64];
    char *p = paths[tag[0] == 'c'];
    snprintf(p, 64, "/tmp/rex86_ide_%s_%d.img", tag, (int)getpid());
    FILE *f = fopen(p, "wb");
    uint8_t s[2048];
    for (uint32_t i = 0; i < sectors; i++) {
        fill_sector(s, i, size);
        fwrite(s, 1, size, f);
    }
    fclose(f);
    return p;
}

static void file_sector(const char *path, uint32_t lba, uint8_t *out)
{
    int fd = open(path, O_RDONLY);
    CHECK(pread(fd, out, 512, (off_t)lba * 512) == 512);
    close(fd);
}

static uint16_t in16(struct machine *m, uint16_t port)
{
    return (uint16_t)bus_io_read(m, port, 2);
}

static void read_words(struct machine *m, uint16_t base, uint8_t *buf, int bytes)
{
    for (int k = 0; k < bytes; k += 2) {
        uint16_t w = in16(m, base);
        buf[k] = (uint8_t)w;
        buf[k + 1] = (uint8_t)(w >> 8);
    }
}

static void lba28(struct machine *m, uint32_t lba, uint8_t count, uint8_t cmd)
{
    out8(m, 0x1F6, (uint8_t)(0xE0 | (lba >> 24)));
    out8(m, 0x1F2, count);
    out8(m, 0x1F3, (uint8_t)lba);
    out8(m, 0x1F4, (uint8_t)(lba >> 8));
    out8(m, 0x1F5, (uint8_t)(lba >> 16));
    out8(m, 0x1F7, cmd);
}

static void lba48(struct machine *m, uint64_t lba, uint16_t count, uint8_t cmd)
{
    out8(m, 0x1F6, 0x40);
    out8(m, 0x1F2, (uint8_t)(count >> 8));
    out8(m, 0x1F3, (uint8_t)(lba >> 24));
    out8(m, 0x1F4, (uint8_t)(lba >> 32));
    out8(m, 0x1F5, (uint8_t)(lba >> 40));
    out8(m, 0x1F2, (uint8_t)count);
    out8(m, 0x1F3, (uint8_t)lba);
    out8(m, 0x1F4, (uint8_t)(lba >> 8));
    out8(m, 0x1F5, (uint8_t)(lba >> 16));
    out8(m, 0x1F7, cmd);
}

/* An ATAPI packet on the secondary channel; returns the data bytes read
 * (in chunks of at most `limit`), with the chunk count in *chunks. */
static int packet(struct machine *m, const uint8_t *cdb, uint16_t limit, uint8_t *out, int *chunks)
{
    out8(m, 0x176, 0xA0);
    out8(m, 0x171, 0);
    out8(m, 0x174, (uint8_t)limit);
    out8(m, 0x175, (uint8_t)(limit >> 8));
    out8(m, 0x177, 0xA0);
    CHECK_EQ(in8(m, 0x376) & 0x88, 0x08);
    CHECK_EQ(in8(m, 0x172) & 3, 1); /* CoD, to the device */
    for (int k = 0; k < 12; k += 2)
        bus_io_write(m, 0x170, (uint32_t)(cdb[k] | cdb[k + 1] << 8), 2);
    int n = 0;
    *chunks = 0;
    while (in8(m, 0x177) & 0x08) {
        int len = in8(m, 0x174) | in8(m, 0x175) << 8;
        CHECK(len <= limit);
        CHECK_EQ(in8(m, 0x172) & 3, 2); /* IO, to the host */
        read_words(m, 0x170, out + n, len);
        n += len;
        (*chunks)++;
    }
    return n;
}

static uint8_t atapi_status(struct machine *m)
{
    return in8(m, 0x177);
}

int main(void)
{
    char *hd = make_image("hd", HD_SECTORS, 512);
    char *cd = make_image("cd", CD_SECTORS, 2048);
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 32, .deterministic = true};
    cfg.hda = hd;
    cfg.cdrom = cd;
    struct machine *m = new_machine_cfg(cfg);
    CHECK(pci_init(m) == 0);
    CHECK(ide_init(m) == 0);
    uint8_t buf[65536], want[2048];

    /* Signature after power on. */
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    CHECK_EQ(in8(m, 0x1F2), 1);
    CHECK_EQ(in8(m, 0x1F3), 1);
    CHECK_EQ(in8(m, 0x1F4), 0);
    CHECK_EQ(in8(m, 0x1F5), 0);
    CHECK_EQ(in8(m, 0x174), 0x14);
    CHECK_EQ(in8(m, 0x175), 0xEB);
    /* No slave: device 0 answers for it with zeros. */
    out8(m, 0x1F6, 0xB0);
    CHECK_EQ(in8(m, 0x1F2), 0);
    CHECK_EQ(in8(m, 0x1F7), 0);
    out8(m, 0x1F6, 0xA0);

    /* IDENTIFY DEVICE with IRQ 14. */
    out8(m, 0x3F6, 0x00);
    out8(m, 0x1F7, 0xEC);
    CHECK_EQ(take_irq(m), IRQ_VEC(14));
    CHECK_EQ(in8(m, 0x3F6), 0x58);
    read_words(m, 0x1F0, buf, 512);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    uint16_t *w = (uint16_t *)buf;
    CHECK(memcmp(buf + 54, "ER8X 6AHDRIDKS", 14) == 0); /* "REX86 HARDDISK", bytes swapped per word */
    CHECK_EQ(w[0], 0x0040);
    CHECK_EQ(w[1], 16);
    CHECK_EQ(w[3], 16);
    CHECK_EQ(w[6], 63);
    CHECK_EQ(w[60] | (uint32_t)w[61] << 16, HD_SECTORS);
    CHECK_EQ(w[100], HD_SECTORS);
    CHECK(w[83] & (1 << 10));
    CHECK(w[49] & (1 << 9));
    CHECK_EQ(w[47] & 0xFF, 16);

    /* READ SECTORS, LBA28, two sectors, 32-bit data port. */
    lba28(m, 5, 2, 0x20);
    CHECK_EQ(take_irq(m), IRQ_VEC(14));
    for (int k = 0; k < 1024; k += 4) {
        uint32_t v = bus_io_read(m, 0x1F0, 4);
        memcpy(buf + k, &v, 4);
    }
    fill_sector(want, 5, 512);
    CHECK(memcmp(buf, want, 512) == 0);
    fill_sector(want, 6, 512);
    CHECK(memcmp(buf + 512, want, 512) == 0);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    CHECK_EQ(in8(m, 0x1F3), 6); /* the last sector read */

    /* WRITE SECTORS LBA28: reaches the file. */
    lba28(m, 100, 1, 0x30);
    CHECK_EQ(in8(m, 0x1F7), 0x58);
    CHECK_EQ(take_irq(m), -1); /* no interrupt before the first block */
    for (int k = 0; k < 256; k++)
        bus_io_write(m, 0x1F0, (uint32_t)(0xBEEF + k), 2);
    CHECK_EQ(take_irq(m), IRQ_VEC(14));
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F7, 0xE7); /* FLUSH CACHE */
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    file_sector(hd, 100, buf);
    CHECK_EQ(buf[0] | buf[1] << 8, 0xBEEF);
    CHECK_EQ(buf[510] | buf[511] << 8, 0xBEEF + 255);

    /* LBA48 READ SECTORS EXT and WRITE SECTORS EXT. */
    lba48(m, 7, 1, 0x24);
    read_words(m, 0x1F0, buf, 512);
    fill_sector(want, 7, 512);
    CHECK(memcmp(buf, want, 512) == 0);
    lba48(m, 16000, 2, 0x34);
    for (int k = 0; k < 512; k++)
        bus_io_write(m, 0x1F0, (uint32_t)(0x1200 + k), 2);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F7, 0xEA); /* FLUSH CACHE EXT */
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    file_sector(hd, 16001, buf);
    CHECK_EQ(buf[0] | buf[1] << 8, 0x1200 + 256);
    /* HOB reads back the high bytes. */
    out8(m, 0x3F6, 0x80);
    CHECK_EQ(in8(m, 0x1F3), 0); /* LBA bits 24-31 of 16001 */
    out8(m, 0x3F6, 0x00);
    CHECK_EQ(in8(m, 0x1F3), (uint8_t)16001);
    /* Beyond the end: IDNF. */
    lba48(m, HD_SECTORS - 1, 2, 0x24);
    CHECK_EQ(in8(m, 0x1F7), 0x51);
    CHECK_EQ(in8(m, 0x1F1), 0x10);

    /* READ MULTIPLE: needs SET MULTIPLE first; then 4-sector blocks. */
    lba28(m, 0, 8, 0xC4);
    CHECK_EQ(in8(m, 0x1F7), 0x51);
    CHECK_EQ(in8(m, 0x1F1), 0x04);
    out8(m, 0x1F2, 4);
    out8(m, 0x1F7, 0xC6);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    lba28(m, 20, 8, 0xC4);
    int irqs = 0;
    for (int blk = 0; blk < 2; blk++) {
        irqs += take_irq(m) == IRQ_VEC(14);
        CHECK_EQ(in8(m, 0x1F7), 0x58); /* the status read clears INTRQ */
        read_words(m, 0x1F0, buf + blk * 2048, 2048);
    }
    CHECK_EQ(irqs, 2);
    fill_sector(want, 27, 512);
    CHECK(memcmp(buf + 7 * 512, want, 512) == 0);
    /* WRITE MULTIPLE. */
    lba28(m, 300, 5, 0xC5);
    for (int k = 0; k < 5 * 256; k++)
        bus_io_write(m, 0x1F0, (uint32_t)k, 2);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    file_sector(hd, 304, buf);
    CHECK_EQ(buf[0] | buf[1] << 8, 4 * 256);

    /* CHS: cylinder 1, head 2, sector 3 with 16 heads and 63 sectors. */
    out8(m, 0x1F6, 0xA2);
    out8(m, 0x1F2, 1);
    out8(m, 0x1F3, 3);
    out8(m, 0x1F4, 1);
    out8(m, 0x1F5, 0);
    out8(m, 0x1F7, 0x20);
    read_words(m, 0x1F0, buf, 512);
    fill_sector(want, (1 * 16 + 2) * 63 + 2, 512);
    CHECK(memcmp(buf, want, 512) == 0);
    /* INITIALIZE DEVICE PARAMETERS changes the translation: 4 heads, 17. */
    out8(m, 0x1F6, 0xA3);
    out8(m, 0x1F2, 17);
    out8(m, 0x1F7, 0x91);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F6, 0xA1);
    out8(m, 0x1F2, 1);
    out8(m, 0x1F3, 1);
    out8(m, 0x1F4, 2);
    out8(m, 0x1F5, 0);
    out8(m, 0x1F7, 0x20);
    read_words(m, 0x1F0, buf, 512);
    fill_sector(want, (2 * 4 + 1) * 17, 512);
    CHECK(memcmp(buf, want, 512) == 0);

    /* Unknown command: ABRT. nIEN keeps IRQ 14 quiet. */
    while (take_irq(m) >= 0)
        ;
    out8(m, 0x3F6, 0x02);
    out8(m, 0x1F6, 0xE0);
    out8(m, 0x1F7, 0xFF);
    CHECK_EQ(in8(m, 0x1F7), 0x51);
    CHECK_EQ(in8(m, 0x1F1), 0x04);
    CHECK_EQ(take_irq(m), -1);
    /* SET FEATURES, IDLE, CHECK POWER MODE, VERIFY, SEEK, RECALIBRATE. */
    out8(m, 0x1F1, 0x03);
    out8(m, 0x1F2, 0x22);
    out8(m, 0x1F7, 0xEF);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F7, 0xE5);
    CHECK_EQ(in8(m, 0x1F2), 0xFF);
    lba28(m, 10, 4, 0x40);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F7, 0x10);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0x1F7, 0x70);
    CHECK_EQ(in8(m, 0x1F7), 0x50);

    /* Software reset through the device control register. */
    out8(m, 0x3F6, 0x06);
    CHECK_EQ(in8(m, 0x3F6) & 0x80, 0x80);
    out8(m, 0x3F6, 0x02);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    CHECK_EQ(in8(m, 0x1F1), 0x01);
    CHECK_EQ(in8(m, 0x1F2), 1);
    out8(m, 0x3F6, 0x00);

    /* Bus-master DMA: BAR4 at 0xC000, PRD table at 0x10000. */
    pci_config_write(m, PCI_DEVFN(1, 1), 0x20, 0xC000, 4);
    pci_config_write(m, PCI_DEVFN(1, 1), 0x04, 0x0005, 2);
    uint32_t prd[4] = {0x20000, 512, 0x30000, 0x80000000u | 512};
    mem_write_block(m, 0x10000, prd, sizeof(prd));
    bus_io_write(m, 0xC004, 0x10000, 4);
    lba28(m, 40, 2, 0xC8); /* READ DMA */
    out8(m, 0xC000, 0x09); /* start, device to memory */
    CHECK_EQ(take_irq(m), IRQ_VEC(14));
    CHECK_EQ(in8(m, 0xC002) & 0x07, 0x04); /* interrupt, no longer active */
    fill_sector(want, 40, 512);
    CHECK(memcmp(m->mem.ram + 0x20000, want, 512) == 0);
    fill_sector(want, 41, 512);
    CHECK(memcmp(m->mem.ram + 0x30000, want, 512) == 0);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0xC000, 0x00);
    out8(m, 0xC002, 0x04);
    CHECK_EQ(in8(m, 0xC002) & 0x04, 0);
    /* WRITE DMA from memory. */
    memset(m->mem.ram + 0x20000, 0x5A, 512);
    memset(m->mem.ram + 0x30000, 0xA5, 512);
    lba28(m, 500, 2, 0xCA);
    out8(m, 0xC000, 0x01);
    CHECK_EQ(in8(m, 0x1F7), 0x50);
    out8(m, 0xC000, 0x00);
    out8(m, 0x1F7, 0xE7);
    file_sector(hd, 501, buf);
    CHECK_EQ(buf[0], 0xA5);
    CHECK_EQ(buf[511], 0xA5);

    /* --- ATAPI on the secondary master. --- */
    out8(m, 0x176, 0xA0);
    CHECK_EQ(in8(m, 0x177), 0x00); /* no DRDY after reset for a packet device */
    out8(m, 0x177, 0xEC);          /* IDENTIFY DEVICE: aborted, signature */
    CHECK_EQ(in8(m, 0x177) & 0x01, 0x01);
    CHECK_EQ(in8(m, 0x174), 0x14);
    CHECK_EQ(in8(m, 0x175), 0xEB);
    out8(m, 0x177, 0xA1);
    read_words(m, 0x170, buf, 512);
    CHECK_EQ(w[0], 0x85C0);
    CHECK(memcmp(buf + 54, "ER8X 6DCR-MO", 12) == 0);

    int chunks;
    uint8_t cdb[12];
    memset(cdb, 0, 12); /* TEST UNIT READY: unit attention first */
    packet(m, cdb, 2048, buf, &chunks);
    CHECK_EQ(atapi_status(m) & 0x01, 0x01);
    CHECK_EQ(in8(m, 0x171) >> 4, 6);
    memset(cdb, 0, 12);
    cdb[0] = 0x03; /* REQUEST SENSE */
    cdb[4] = 18;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 18);
    CHECK_EQ(buf[2], 6);
    CHECK_EQ(buf[12], 0x28);
    CHECK_EQ(in8(m, 0x172) & 3, 3); /* CoD|IO: status phase */
    memset(cdb, 0, 12);
    packet(m, cdb, 2048, buf, &chunks); /* now ready */
    CHECK_EQ(atapi_status(m), 0x40);

    memset(cdb, 0, 12); /* INQUIRY */
    cdb[0] = 0x12;
    cdb[4] = 36;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 36);
    CHECK_EQ(buf[0], 0x05);
    CHECK_EQ(buf[1], 0x80);
    CHECK(memcmp(buf + 16, "REX86 CD-ROM", 12) == 0);

    memset(cdb, 0, 12); /* READ CAPACITY */
    cdb[0] = 0x25;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 8);
    CHECK_EQ(buf[3], CD_SECTORS - 1);
    CHECK_EQ(buf[6] << 8 | buf[7], 2048);

    memset(cdb, 0, 12); /* READ(10) of 3 sectors at 10, 1000-byte chunks */
    cdb[0] = 0x28;
    cdb[5] = 10;
    cdb[8] = 3;
    CHECK_EQ(packet(m, cdb, 1000, buf, &chunks), 3 * 2048);
    CHECK_EQ(chunks, 7);
    for (int k = 0; k < 3; k++) {
        fill_sector(want, 10u + (uint32_t)k, 2048);
        CHECK(memcmp(buf + k * 2048, want, 2048) == 0);
    }
    CHECK_EQ(atapi_status(m), 0x40);
    cdb[0] = 0xA8; /* READ(12) */
    memset(cdb + 6, 0, 4);
    cdb[9] = 1;
    cdb[5] = 99;
    CHECK_EQ(packet(m, cdb, 0xFFFE, buf, &chunks), 2048);
    fill_sector(want, 99, 2048);
    CHECK(memcmp(buf, want, 2048) == 0);
    cdb[5] = 100; /* past the end */
    packet(m, cdb, 0xFFFE, buf, &chunks);
    CHECK_EQ(atapi_status(m) & 0x01, 0x01);
    CHECK_EQ(in8(m, 0x171) >> 4, 5);

    memset(cdb, 0, 12); /* READ TOC format 0, LBA */
    cdb[0] = 0x43;
    cdb[8] = 100;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 20);
    CHECK_EQ(buf[1], 18);
    CHECK_EQ(buf[2], 1);
    CHECK_EQ(buf[3], 1);
    CHECK_EQ(buf[6], 1);
    CHECK_EQ(buf[14], 0xAA);
    CHECK_EQ(buf[19], CD_SECTORS);
    cdb[1] = 0x02; /* MSF: lead-out 250 frames = 00:03:25 */
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 20);
    CHECK_EQ(buf[10], 2);
    CHECK_EQ(buf[17], 0);
    CHECK_EQ(buf[18], 3);
    CHECK_EQ(buf[19], 25);
    cdb[1] = 0;
    cdb[2] = 1; /* session info */
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 12);
    CHECK_EQ(buf[1], 10);

    memset(cdb, 0, 12); /* MODE SENSE(10), capabilities page */
    cdb[0] = 0x5A;
    cdb[2] = 0x2A;
    cdb[8] = 255;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 30);
    CHECK_EQ(buf[8], 0x2A);
    cdb[2] = 0x3F;
    CHECK_EQ(packet(m, cdb, 2048, buf, &chunks), 38);
    memset(cdb, 0, 12); /* GET CONFIGURATION: current profile CD-ROM */
    cdb[0] = 0x46;
    cdb[8] = 64;
    CHECK(packet(m, cdb, 2048, buf, &chunks) >= 16);
    CHECK_EQ(buf[7], 0x08);
    memset(cdb, 0, 12); /* PREVENT, then eject refused */
    cdb[0] = 0x1E;
    cdb[4] = 1;
    packet(m, cdb, 2048, buf, &chunks);
    CHECK_EQ(atapi_status(m), 0x40);
    memset(cdb, 0, 12);
    cdb[0] = 0x1B;
    cdb[4] = 0x02;
    packet(m, cdb, 2048, buf, &chunks);
    CHECK_EQ(atapi_status(m) & 0x01, 0x01);
    memset(cdb, 0, 12);
    cdb[0] = 0xFF; /* invalid opcode: ILLEGAL REQUEST */
    packet(m, cdb, 2048, buf, &chunks);
    CHECK_EQ(in8(m, 0x171) >> 4, 5);

    /* ATAPI READ(10) by bus-master DMA on the secondary channel. */
    bus_io_write(m, 0xC00C, 0x10000, 4);
    uint32_t prd2[2] = {0x40000, 0x80000000u | 4096};
    mem_write_block(m, 0x10000, prd2, sizeof(prd2));
    memset(cdb, 0, 12);
    cdb[0] = 0x28;
    cdb[5] = 50;
    cdb[8] = 2;
    out8(m, 0x171, 0x01); /* DMA */
    out8(m, 0x177, 0xA0);
    for (int k = 0; k < 12; k += 2)
        bus_io_write(m, 0x170, (uint32_t)(cdb[k] | cdb[k + 1] << 8), 2);
    out8(m, 0xC008, 0x09);
    CHECK_EQ(atapi_status(m), 0x40);
    fill_sector(want, 51, 2048);
    CHECK(memcmp(m->mem.ram + 0x40000 + 2048, want, 2048) == 0);

    CHECK(ide_drive_image(m, 0) != NULL);
    CHECK(ide_drive_image(m, 1) == NULL);
    CHECK(ide_drive_image(m, 2) != NULL);
    CHECK_EQ(ide_flush(m), 0);
    machine_destroy(m);
    unlink(hd);
    unlink(cd);
    if (failures)
        fprintf(stderr, "ide_test: %d failure(s)\n", failures);
    else
        printf("ide_test: ok\n");
    return failures ? 1 : 0;
}

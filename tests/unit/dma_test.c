/* Unit test of the dual 8237A: programming through the ports, transfers in
 * both directions, address decrement, auto-init, terminal count status and
 * masking, 16-bit channels, the 64K wrap, the cascade, and save/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "devices/chipset/dma.h"

#include "check.h"
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                                                  \
        if (a_ != b_) {                                                                                      \
            fprintf(stderr, "%s:%d: %s == %#llx, expected %s == %#llx\n", __FILE__, __LINE__, #a, a_, #b,    \
                    b_);                                                                                     \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static void out8(struct machine *m, uint16_t port, uint8_t v)
{
    bus_io_write(m, port, v, 1);
}

static uint8_t in8(struct machine *m, uint16_t port)
{
    return (uint8_t)bus_io_read(m, port, 1);
}

/* Two reads through the byte flip-flop: low byte, then high byte. */
static unsigned read16(struct machine *m, uint16_t port)
{
    unsigned lo = in8(m, port);
    return lo | (unsigned)in8(m, port) << 8;
}

static struct machine *new_machine(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 4, .ips = 1000000000, .bare = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m || dma_init(m) < 0) {
        fprintf(stderr, "setup: %s\n", m ? m->error : err);
        exit(1);
    }
    /* As a BIOS does: channel 4 in cascade mode and unmasked. */
    out8(m, 0xd6, 0xc0);
    out8(m, 0xd4, 0x00);
    return m;
}

/* A device: a source of bytes (counting from `next`) or a sink. */
struct dev {
    uint8_t next;
    uint8_t sink[70000];
    int taken;
    int limit; /* bytes it will move before dropping DREQ; -1 = any */
    int calls;
};

static int dev_xfer(void *opaque, uint8_t *buf, int len, bool to_memory)
{
    struct dev *d = opaque;
    d->calls++;
    int n = len;
    if (d->limit >= 0 && n > d->limit - d->taken)
        n = d->limit - d->taken;
    for (int i = 0; i < n; i++) {
        if (to_memory)
            buf[i] = d->next++;
        else
            d->sink[d->taken + i] = buf[i];
    }
    d->taken += n;
    return n;
}

/* Program an 8-bit channel (0-3) the way the floppy driver does. */
static void setup8(struct machine *m, int ch, uint8_t mode, uint8_t page, uint16_t addr, uint16_t count)
{
    static const uint8_t page_port[4] = {0x87, 0x83, 0x81, 0x82};
    out8(m, 0x0a, 0x04 | ch);
    out8(m, 0x0b, (uint8_t)(mode | ch));
    out8(m, 0x0c, 0);
    out8(m, (uint16_t)(ch * 2), addr & 0xff);
    out8(m, (uint16_t)(ch * 2), addr >> 8);
    out8(m, page_port[ch], page);
    out8(m, (uint16_t)(ch * 2 + 1), count & 0xff);
    out8(m, (uint16_t)(ch * 2 + 1), count >> 8);
    out8(m, 0x0a, ch);
}

static void test_basic(void)
{
    struct machine *m = new_machine();
    static struct dev d;
    uint8_t mem[600];
    bool tc;

    /* Single mode, write (device to memory), channel 2, 512 bytes at
     * 0x21000. */
    setup8(m, 2, 0x44, 0x02, 0x1000, 511);
    CHECK(dma_channel_ready(m, 2));
    CHECK_EQ(dma_channel_dir(m, 2), DMA_WRITE);
    CHECK_EQ(dma_bytes_left(m, 2), 512);
    memset(&d, 0, sizeof(d));
    d.limit = -1;
    d.next = 1;
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, 100, &tc), 100); /* a partial request */
    CHECK(!tc);
    CHECK_EQ(dma_bytes_left(m, 2), 412);
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, -1, &tc), 412);
    CHECK(tc);
    mem_read_block(m, 0x21000, mem, 513);
    for (int i = 0; i < 512; i++)
        CHECK_EQ(mem[i], (uint8_t)(i + 1));
    CHECK_EQ(mem[512], 0);
    /* Current address and count after terminal count. */
    out8(m, 0x0c, 0);
    CHECK_EQ(read16(m, 0x04), 0x1200);
    CHECK_EQ(read16(m, 0x05), 0xffff);
    /* TC bit 2 in the status, cleared by reading it; the channel masked
     * itself (no auto-init). */
    CHECK_EQ(in8(m, 0x08) & 0x0f, 0x04);
    CHECK_EQ(in8(m, 0x08) & 0x0f, 0x00);
    CHECK(!dma_channel_ready(m, 2));
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, -1, &tc), DMA_ERR_MASKED);
    CHECK_EQ(in8(m, 0x0f) & 0x04, 0x04);

    /* Read (memory to device), channel 1, stops when the device drops DREQ. */
    setup8(m, 1, 0x48, 0x02, 0x1000, 511);
    memset(&d, 0, sizeof(d));
    d.limit = 300;
    CHECK_EQ(dma_run(m, 1, dev_xfer, &d, -1, &tc), 300);
    CHECK(!tc);
    for (int i = 0; i < 300; i++)
        CHECK_EQ(d.sink[i], (uint8_t)(i + 1));
    CHECK_EQ(dma_bytes_left(m, 1), 212);
    d.limit = -1;
    CHECK_EQ(dma_run(m, 1, dev_xfer, &d, -1, &tc), 212);
    CHECK(tc);
    CHECK_EQ(d.sink[511], 0);

    /* Address decrement: the first byte goes to the programmed address,
     * the next one below it. */
    setup8(m, 3, 0x64, 0x03, 0x0100, 3);
    memset(&d, 0, sizeof(d));
    d.limit = -1;
    d.next = 0xa0;
    CHECK_EQ(dma_run(m, 3, dev_xfer, &d, -1, &tc), 4);
    mem_read_block(m, 0x300fd, mem, 4);
    CHECK(mem[0] == 0xa3 && mem[1] == 0xa2 && mem[2] == 0xa1 && mem[3] == 0xa0);
    out8(m, 0x0c, 0);
    CHECK_EQ(read16(m, 0x06), 0x00fc);
    /* ...and reads in that order too. */
    setup8(m, 3, 0x68, 0x03, 0x0100, 3);
    memset(&d, 0, sizeof(d));
    d.limit = -1;
    CHECK_EQ(dma_run(m, 3, dev_xfer, &d, -1, &tc), 4);
    CHECK(d.sink[0] == 0xa0 && d.sink[3] == 0xa3);

    /* Auto-init: at terminal count the base registers come back and the
     * channel stays unmasked (the Sound Blaster's ring buffer). */
    setup8(m, 1, 0x58, 0x02, 0x1000, 15);
    CHECK(dma_channel_autoinit(m, 1));
    memset(&d, 0, sizeof(d));
    d.limit = -1;
    CHECK_EQ(dma_run(m, 1, dev_xfer, &d, -1, &tc), 16);
    CHECK(tc);
    CHECK(dma_channel_ready(m, 1));
    CHECK_EQ(dma_bytes_left(m, 1), 16);
    CHECK_EQ(dma_run(m, 1, dev_xfer, &d, 8, &tc), 8);
    CHECK(!tc);
    CHECK_EQ(d.sink[16], d.sink[0]);

    /* The address wraps inside the 64K page: no carry into the page. */
    setup8(m, 2, 0x44, 0x05, 0xfffe, 3);
    memset(&d, 0, sizeof(d));
    d.limit = -1;
    d.next = 0x10;
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, -1, &tc), 4);
    mem_read_block(m, 0x5fffe, mem, 2);
    CHECK(mem[0] == 0x10 && mem[1] == 0x11);
    mem_read_block(m, 0x50000, mem, 2);
    CHECK(mem[0] == 0x12 && mem[1] == 0x13);
    mem_read_block(m, 0x60000, mem, 1);
    CHECK_EQ(mem[0], 0);

    /* Channels 0-3 are blocked when cascade channel 4 is masked, and by
     * the controller-disable bit. */
    setup8(m, 2, 0x44, 0x02, 0x1000, 3);
    out8(m, 0xd4, 0x04);
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, -1, &tc), DMA_ERR_MASKED);
    out8(m, 0xd4, 0x00);
    out8(m, 0x08, 0x04);
    CHECK_EQ(dma_run(m, 2, dev_xfer, &d, -1, &tc), DMA_ERR_MASKED);
    out8(m, 0x08, 0x00);
    CHECK(dma_channel_ready(m, 2));

    /* Software request bits show in the status. */
    out8(m, 0x09, 0x05);
    CHECK_EQ(in8(m, 0x08) & 0xf0, 0x20);
    out8(m, 0x09, 0x01);
    CHECK_EQ(in8(m, 0x08) & 0xf0, 0x00);

    /* Master clear masks everything. */
    out8(m, 0x0d, 0);
    CHECK_EQ(in8(m, 0x0f) & 0x0f, 0x0f);
    out8(m, 0x0e, 0);
    CHECK_EQ(in8(m, 0x0f) & 0x0f, 0x00);
    out8(m, 0x0f, 0x0a);
    CHECK_EQ(in8(m, 0x0f) & 0x0f, 0x0a);
    machine_destroy(m);
}

static void test_wide_and_pages(void)
{
    struct machine *m = new_machine();
    static struct dev d;
    uint8_t mem[16];
    bool tc;

    /* Channel 5: word address 0x0800 is byte offset 0x1000; page 0x03
     * gives 0x20000 because page bit 0 is not an address bit on the 16-bit
     * side (A16 comes from the address register). Count 3 is four words. */
    out8(m, 0xd4, 0x05);
    out8(m, 0xd6, 0x45);
    out8(m, 0xd8, 0);
    out8(m, 0xc4, 0x00);
    out8(m, 0xc4, 0x08);
    out8(m, 0x8b, 0x03);
    out8(m, 0xc6, 3);
    out8(m, 0xc6, 0);
    out8(m, 0xd4, 0x01);
    CHECK_EQ(dma_bytes_left(m, 5), 8);
    memset(&d, 0, sizeof(d));
    d.limit = 5; /* an odd amount: only whole words move */
    d.next = 0x40;
    CHECK_EQ(dma_run(m, 5, dev_xfer, &d, -1, &tc), 4);
    d.limit = -1;
    d.next = 0x44;
    CHECK_EQ(dma_run(m, 5, dev_xfer, &d, -1, &tc), 4);
    CHECK(tc);
    mem_read_block(m, 0x31000, mem, 8);
    CHECK_EQ(mem[0], 0);
    mem_read_block(m, 0x21000, mem, 9);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(mem[i], 0x40 + i);
    CHECK_EQ(mem[8], 0);
    out8(m, 0xd8, 0);
    CHECK_EQ(read16(m, 0xc4), 0x0804);
    CHECK_EQ(in8(m, 0xd0) & 0x0f, 0x02); /* TC of channel 5 = bit 1 */

    /* Page registers and the scratch ones read back; 0x80 is not ours. */
    for (int p = 0x81; p <= 0x8f; p++)
        out8(m, (uint16_t)p, (uint8_t)(p ^ 0x5a));
    for (int p = 0x81; p <= 0x8f; p++)
        CHECK_EQ(in8(m, (uint16_t)p), (uint8_t)(p ^ 0x5a));
    CHECK_EQ(in8(m, 0x80), 0xff);

    /* Save/load round trip. */
    out8(m, 0x0f, 0x05);
    size_t len = 0;
    uint8_t *buf = NULL;
    CHECK(state_device_save(m, m->dma, &buf, &len) == 0);
    out8(m, 0x0d, 0);
    out8(m, 0x83, 0);
    CHECK(state_device_load(m, m->dma, buf, len) == 0);
    CHECK_EQ(in8(m, 0x83), 0x83 ^ 0x5a);
    CHECK_EQ(in8(m, 0x0f) & 0x0f, 0x05);                   /* the mask as saved, not the master clear's */
    CHECK(state_device_load(m, m->dma, buf, len - 1) < 0); /* cut short */
    free(buf);
    machine_destroy(m);
}

int main(void)
{
    test_basic();
    test_wide_and_pages();
    if (failures) {
        fprintf(stderr, "dma_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("dma_test: ok\n");
    return 0;
}

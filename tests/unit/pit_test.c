/* Unit test of the 8254 PIT and port 0x61 against the datasheet's mode
 * descriptions: IRQ0 periods in modes 0, 2 and 3, OUT waveforms and count
 * sequences of all six modes, gates, latches, read-back, BCD, access modes,
 * the refresh toggle, the speaker query and save/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "devices/chipset/pic.h"
#include "devices/chipset/pit.h"

#include "check.h"
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                       \
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

/* 1 instruction = 1 ns, so icount is virtual time. */
static struct machine *new_machine(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 1, .ips = 1000000000, .bare = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m || pic_init(m) < 0 || pit_init(m) < 0) {
        fprintf(stderr, "setup: %s\n", m ? m->error : err);
        exit(1);
    }
    static const uint8_t icw[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0xa0, 0x11},
                                     {0xa1, 0x70}, {0xa1, 0x02}, {0xa1, 0x01}, {0x21, 0xfe}, {0xa1, 0xff}};
    for (size_t i = 0; i < sizeof(icw) / sizeof(icw[0]); i++)
        out8(m, icw[i][0], icw[i][1]);
    return m;
}

/* The virtual ns at which PIT tick t happens. */
static uint64_t tick_ns(uint64_t t)
{
    return (t * PIT_CLK_DEN + PIT_CLK_NUM - 1) / PIT_CLK_NUM;
}

static uint64_t now_tick(struct machine *m)
{
    return pit_ticks_at(clock_now(m));
}

#define MAX_IRQS 4096
struct irq_log {
    uint64_t at[MAX_IRQS];
    int n;
};

/* Run the way machine_run does (to each deadline, then sync), taking every
 * IRQ0 at once with an EOI, until virtual time `end`. */
static void run_until(struct machine *m, uint64_t end, struct irq_log *log)
{
    while (clock_now(m) < end) {
        uint64_t b = (uint64_t)clock_budget(m);
        if (clock_now(m) + b > end)
            b = end - clock_now(m);
        m->cpu.icount += b;
        clock_sync(m);
        while (m->cpu.intr_line) {
            int v = m->intr_ack(m->intr_opaque);
            if (v == 0x08 && log && log->n < MAX_IRQS)
                log->at[log->n++] = clock_now(m);
            out8(m, 0x20, 0x20);
        }
    }
}

static void goto_tick(struct machine *m, uint64_t t, struct irq_log *log)
{
    run_until(m, tick_ns(t), log);
}

static uint16_t latch_read(struct machine *m, int ch)
{
    out8(m, 0x43, (uint8_t)(ch << 6)); /* counter latch command */
    uint8_t lo = in8(m, 0x40 + ch);
    uint8_t hi = in8(m, 0x40 + ch);
    return (uint16_t)(lo | hi << 8);
}

static bool out2(struct machine *m)
{
    return (in8(m, 0x61) >> 5) & 1;
}

static void test_irq_rates(void)
{
    struct machine *m = new_machine();
    static struct irq_log log;

    /* Mode 2, count 1000: one IRQ per 1000 input clocks, on the rising edge
     * that ends each CE = 1 clock. */
    memset(&log, 0, sizeof(log));
    out8(m, 0x43, 0x34);
    out8(m, 0x40, 1000 & 0xff);
    out8(m, 0x40, 1000 >> 8);
    uint64_t start = now_tick(m) + 1;
    uint64_t t0 = clock_now(m);
    run_until(m, t0 + 1000000000, &log);
    CHECK_EQ(log.n, (pit_ticks_at(t0 + 1000000000) - start) / 1000);
    CHECK(log.n == 1193);
    for (int i = 0; i < log.n && i < 50; i++)
        CHECK_EQ(log.at[i], tick_ns(start + 1000 * (uint64_t)(i + 1)));

    /* Mode 3 with count 0 (65536): the BIOS's 18.2 Hz tick. */
    memset(&log, 0, sizeof(log));
    out8(m, 0x43, 0x36);
    out8(m, 0x40, 0);
    out8(m, 0x40, 0);
    start = now_tick(m) + 1;
    t0 = clock_now(m);
    run_until(m, t0 + 1000000000, &log);
    CHECK_EQ(log.n, 18);
    CHECK_EQ(log.at[0], tick_ns(start + 65536));
    CHECK_EQ(log.at[17], tick_ns(start + 18 * 65536ull));

    /* Mode 2: a count written while counting starts at the end of the
     * current period. */
    memset(&log, 0, sizeof(log));
    out8(m, 0x43, 0x34);
    out8(m, 0x40, 1000 & 0xff);
    out8(m, 0x40, 1000 >> 8);
    start = now_tick(m) + 1;
    goto_tick(m, start + 1500, &log);
    CHECK_EQ(log.n, 1);
    out8(m, 0x40, 200);
    out8(m, 0x40, 0);
    goto_tick(m, start + 2500, &log);
    CHECK_EQ(log.n, 4);
    CHECK_EQ(log.at[1], tick_ns(start + 2000));
    CHECK_EQ(log.at[2], tick_ns(start + 2200));
    CHECK_EQ(log.at[3], tick_ns(start + 2400));

    /* Mode 0: OUT falls at the control word, rises N clocks after the count
     * is loaded (N+1 after it is written), once; CE then wraps to FFFFh. */
    memset(&log, 0, sizeof(log));
    out8(m, 0x43, 0x30);
    CHECK(!pit_get_out(m, 0));
    out8(m, 0x40, 100);
    out8(m, 0x40, 0);
    start = now_tick(m) + 1;
    goto_tick(m, start + 10, &log);
    CHECK_EQ(latch_read(m, 0), 90);
    goto_tick(m, start + 99, &log);
    CHECK(!pit_get_out(m, 0));
    CHECK_EQ(log.n, 0);
    goto_tick(m, start + 100, &log);
    CHECK(pit_get_out(m, 0));
    CHECK_EQ(log.n, 1);
    CHECK_EQ(log.at[0], tick_ns(start + 100));
    goto_tick(m, start + 101, &log);
    CHECK_EQ(latch_read(m, 0), 0xffff);
    goto_tick(m, start + 100000, &log);
    CHECK_EQ(log.n, 1);

    /* Mode 0: writing the LSB stops the count and drops OUT; the MSB
     * reloads. */
    out8(m, 0x40, 0x34);
    uint16_t held = latch_read(m, 0);
    CHECK(!pit_get_out(m, 0));
    goto_tick(m, now_tick(m) + 50, &log);
    CHECK_EQ(latch_read(m, 0), held);
    out8(m, 0x40, 0x12);
    start = now_tick(m) + 1;
    goto_tick(m, start + 5, &log);
    CHECK_EQ(latch_read(m, 0), 0x1234 - 5);
    machine_destroy(m);
}

static void test_waveforms(void)
{
    struct machine *m = new_machine();
    out8(m, 0x61, 0x01); /* gate 2 high, speaker off */

    /* Mode 3, even count 10: OUT high 5 clocks, low 5; CE counts down by 2
     * in each half: 10 8 6 4 2 | 10 8 6 4 2. */
    out8(m, 0x43, 0xb6);
    out8(m, 0x42, 10);
    out8(m, 0x42, 0);
    uint64_t start = now_tick(m) + 1;
    for (uint64_t k = 0; k < 30; k++) {
        goto_tick(m, start + k, NULL);
        CHECK_EQ(out2(m), (k % 10) < 5);
        CHECK_EQ(latch_read(m, 2), 10 - 2 * (k % 5));
    }

    /* Mode 3, odd count 5: high 3 clocks, low 2; CE 5 4 2 | 5 2 (the
     * datasheet's mode 3 waveform for N = 5). */
    static const uint16_t seq5[5] = {5, 4, 2, 5, 2};
    out8(m, 0x43, 0xb6);
    out8(m, 0x42, 5);
    out8(m, 0x42, 0);
    start = now_tick(m) + 1;
    for (uint64_t k = 0; k < 15; k++) {
        goto_tick(m, start + k, NULL);
        CHECK_EQ(out2(m), (k % 5) < 3);
        CHECK_EQ(latch_read(m, 2), seq5[k % 5]);
    }

    /* Mode 2, count 4: CE 4 3 2 1, OUT low only while CE is 1. */
    out8(m, 0x43, 0xb4);
    out8(m, 0x42, 4);
    out8(m, 0x42, 0);
    start = now_tick(m) + 1;
    for (uint64_t k = 0; k < 12; k++) {
        goto_tick(m, start + k, NULL);
        CHECK_EQ(out2(m), (k % 4) != 3);
        CHECK_EQ(latch_read(m, 2), 4 - k % 4);
    }
    /* GATE low stops the count and forces OUT high; GATE high reloads. */
    goto_tick(m, start + 14, NULL); /* CE = 2 */
    out8(m, 0x61, 0x00);
    goto_tick(m, start + 15, NULL); /* would be CE = 1, OUT low */
    CHECK(out2(m));
    uint16_t held = latch_read(m, 2);
    goto_tick(m, start + 200, NULL);
    CHECK_EQ(latch_read(m, 2), held);
    out8(m, 0x61, 0x01);
    uint64_t rs = now_tick(m) + 1;
    goto_tick(m, rs, NULL);
    CHECK_EQ(latch_read(m, 2), 4);
    goto_tick(m, rs + 3, NULL);
    CHECK(!out2(m));

    /* Mode 4, count 5: OUT high, one clock low when CE reaches 0. */
    out8(m, 0x43, 0xb8);
    CHECK(out2(m));
    out8(m, 0x42, 5);
    out8(m, 0x42, 0);
    start = now_tick(m) + 1;
    goto_tick(m, start + 4, NULL);
    CHECK(out2(m));
    goto_tick(m, start + 5, NULL);
    CHECK(!out2(m));
    goto_tick(m, start + 6, NULL);
    CHECK(out2(m));
    goto_tick(m, start + 20, NULL);
    CHECK(out2(m)); /* once only */

    /* Mode 1, count 10: nothing until a GATE rising edge, then OUT low for
     * N clocks; a retrigger restarts the count. */
    out8(m, 0x61, 0x00);
    out8(m, 0x43, 0xb2);
    out8(m, 0x42, 10);
    out8(m, 0x42, 0);
    goto_tick(m, now_tick(m) + 30, NULL);
    CHECK(out2(m));
    out8(m, 0x61, 0x01);
    start = now_tick(m) + 1;
    goto_tick(m, start, NULL);
    CHECK(!out2(m));
    goto_tick(m, start + 5, NULL);
    CHECK_EQ(latch_read(m, 2), 5);
    out8(m, 0x61, 0x00);
    CHECK(!out2(m)); /* GATE level does not matter in mode 1 */
    out8(m, 0x61, 0x01);
    uint64_t re = now_tick(m) + 1;
    goto_tick(m, start + 10, NULL);
    CHECK(!out2(m));
    goto_tick(m, re + 9, NULL);
    CHECK(!out2(m));
    goto_tick(m, re + 10, NULL);
    CHECK(out2(m));

    /* Mode 5, count 5: the strobe comes 5 clocks after a GATE trigger. */
    out8(m, 0x61, 0x00);
    out8(m, 0x43, 0xba);
    out8(m, 0x42, 5);
    out8(m, 0x42, 0);
    goto_tick(m, now_tick(m) + 30, NULL);
    CHECK(out2(m));
    out8(m, 0x61, 0x01);
    start = now_tick(m) + 1;
    goto_tick(m, start + 4, NULL);
    CHECK(out2(m));
    goto_tick(m, start + 5, NULL);
    CHECK(!out2(m));
    goto_tick(m, start + 6, NULL);
    CHECK(out2(m));

    /* Mode 0 with GATE low holds the count; counting resumes on GATE high. */
    out8(m, 0x61, 0x00);
    out8(m, 0x43, 0xb0);
    out8(m, 0x42, 20);
    out8(m, 0x42, 0);
    goto_tick(m, now_tick(m) + 50, NULL);
    CHECK_EQ(latch_read(m, 2), 20);
    CHECK(!out2(m));
    out8(m, 0x61, 0x01);
    start = now_tick(m);
    goto_tick(m, start + 19, NULL);
    CHECK(!out2(m));
    goto_tick(m, start + 20, NULL);
    CHECK(out2(m));
    machine_destroy(m);
}

static void test_latches_and_formats(void)
{
    struct machine *m = new_machine();
    out8(m, 0x61, 0x01);

    /* Read-back of status after the control word: OUT high (mode 2), null
     * count set, RW/mode/BCD as programmed. */
    out8(m, 0x43, 0xb4);
    out8(m, 0x43, 0xe8); /* read-back, status only, counter 2 */
    CHECK_EQ(in8(m, 0x42), 0xc0 | 0x34);
    out8(m, 0x42, 0x00);
    out8(m, 0x42, 0x10); /* 0x1000 */
    uint64_t start = now_tick(m) + 1;
    goto_tick(m, start + 0x10, NULL);
    /* Read-back of status and count: status first, then the count; a
     * second latch before reading is ignored. */
    out8(m, 0x43, 0xc8);
    goto_tick(m, start + 0x20, NULL);
    out8(m, 0x43, 0xc8);
    CHECK_EQ(in8(m, 0x42), 0x80 | 0x34); /* null count now clear */
    CHECK_EQ(in8(m, 0x42), 0xf0);
    CHECK_EQ(in8(m, 0x42), 0x0f);
    /* Unlatched reads follow the counter, LSB then MSB. */
    goto_tick(m, start + 0x30, NULL);
    CHECK_EQ(in8(m, 0x42), 0xd0);
    CHECK_EQ(in8(m, 0x42), 0x0f);
    /* The counter latch holds the value while CE moves on. */
    goto_tick(m, start + 0x40, NULL);
    out8(m, 0x43, 0x80);
    goto_tick(m, start + 0x90, NULL);
    CHECK_EQ(in8(m, 0x42), 0xc0);
    CHECK_EQ(in8(m, 0x42), 0x0f);
    CHECK_EQ(latch_read(m, 2), 0x1000 - 0x90);

    /* BCD: count 0100 BCD counts 100 decimal; 0 means 10000. */
    out8(m, 0x43, 0xb5);
    out8(m, 0x42, 0x00);
    out8(m, 0x42, 0x01);
    start = now_tick(m) + 1;
    goto_tick(m, start + 10, NULL);
    CHECK_EQ(latch_read(m, 2), 0x0090);
    goto_tick(m, start + 99, NULL);
    CHECK(!out2(m));
    goto_tick(m, start + 100, NULL);
    CHECK(out2(m));
    out8(m, 0x43, 0xb1); /* mode 0, BCD */
    out8(m, 0x42, 0x00);
    out8(m, 0x42, 0x00);
    start = now_tick(m) + 1;
    goto_tick(m, start + 1, NULL);
    CHECK_EQ(latch_read(m, 2), 0x9999);

    /* LSB-only and MSB-only access. */
    out8(m, 0x43, 0x94); /* counter 2, LSB only, mode 2 */
    out8(m, 0x42, 50);
    start = now_tick(m) + 1;
    goto_tick(m, start + 7, NULL);
    out8(m, 0x43, 0x80);
    CHECK_EQ(in8(m, 0x42), 43);
    CHECK_EQ(in8(m, 0x42), 50 - (now_tick(m) - start) % 50); /* latch gone */
    /* Counter 2, MSB only, mode 2, count 0x200. */
    out8(m, 0x43, 0xa4);
    out8(m, 0x42, 0x02);
    start = now_tick(m) + 1;
    goto_tick(m, start + 0x101, NULL);
    out8(m, 0x43, 0x80);
    CHECK_EQ(in8(m, 0x42), 0x00); /* CE = 0x0ff: MSB */

    /* Port 0x61: bits 0-3 read back, bit 4 toggles every refresh period
     * (~15 us), bit 5 is OUT2. */
    out8(m, 0x61, 0xf1);
    CHECK_EQ(in8(m, 0x61) & 0x0f, 0x01);
    uint8_t r0 = in8(m, 0x61) & 0x10;
    goto_tick(m, now_tick(m) + 18, NULL);
    CHECK((in8(m, 0x61) & 0x10) != r0);
    uint64_t t = clock_now(m);
    int flips = 0;
    uint8_t prev = in8(m, 0x61) & 0x10;
    while (clock_now(m) < t + 1000000) { /* 1 ms: about 66 flips */
        run_until(m, clock_now(m) + 1000, NULL);
        uint8_t r = in8(m, 0x61) & 0x10;
        flips += r != prev;
        prev = r;
    }
    CHECK(flips >= 65 && flips <= 67);

    /* The speaker: channel 2 in mode 3 with gate and data enabled. */
    uint32_t hz = 0;
    out8(m, 0x43, 0xb6);
    out8(m, 0x42, 1193 & 0xff);
    out8(m, 0x42, 1193 >> 8);
    out8(m, 0x61, 0x03);
    goto_tick(m, now_tick(m) + 2, NULL);
    CHECK(pit_speaker_active(m, &hz));
    CHECK_EQ(hz, 1000);
    out8(m, 0x61, 0x01);
    CHECK(!pit_speaker_active(m, &hz));
    machine_destroy(m);
}

static void test_save_load(void)
{
    struct machine *m = new_machine();
    static struct irq_log log;
    out8(m, 0x43, 0x34);
    out8(m, 0x40, 0x00);
    out8(m, 0x40, 0x10); /* mode 2, 4096 */
    uint64_t start = now_tick(m) + 1;
    goto_tick(m, start + 100, &log);
    size_t len = 0;
    uint8_t *buf = NULL;
    CHECK(state_device_save(m, m->pit, &buf, &len) == 0);
    uint16_t before = latch_read(m, 0);
    out8(m, 0x43, 0x30); /* wreck it */
    CHECK(state_device_load(m, m->pit, buf, len) == 0);
    CHECK_EQ(latch_read(m, 0), before);
    memset(&log, 0, sizeof(log));
    goto_tick(m, start + 4096 * 3, &log);
    CHECK_EQ(log.n, 3);
    CHECK_EQ(log.at[0], tick_ns(start + 4096));
    CHECK(state_device_load(m, m->pit, buf, len - 1) < 0); /* cut short */
    free(buf);
    machine_destroy(m);
}

int main(void)
{
    test_irq_rates();
    test_waveforms();
    test_latches_and_formats();
    test_save_load();
    if (failures) {
        fprintf(stderr, "pit_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("pit_test: ok\n");
    return 0;
}

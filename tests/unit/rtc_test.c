/* Unit test of the MC146818 RTC/CMOS: the deterministic epoch, BCD and binary
 * modes, 12-hour mode, time advancing with virtual time, UIP, the periodic,
 * update-ended and alarm interrupts through register C, the CMOS layout and
 * checksum, and the shutdown byte. */
#include "devices/chipset/rtc.h"

#include "devtest.h"

#define SEC 1000000000ull

static uint8_t cmos(struct machine *m, uint8_t index)
{
    out8(m, 0x70, index);
    return in8(m, 0x71);
}

static void cmos_set(struct machine *m, uint8_t index, uint8_t v)
{
    out8(m, 0x70, index);
    out8(m, 0x71, v);
}

static void test_time(void)
{
    struct machine *m = new_machine();
    CHECK(rtc_init(m) == 0);
    /* 2000-01-01 00:00:00, a Saturday, in BCD and 24-hour mode. */
    CHECK_EQ(cmos(m, 0x0B), 0x02);
    CHECK_EQ(cmos(m, 0x0A), 0x26);
    CHECK_EQ(cmos(m, 0x0D), 0x80);
    CHECK_EQ(cmos(m, 0x00), 0x00);
    CHECK_EQ(cmos(m, 0x06), 7);
    CHECK_EQ(cmos(m, 0x07), 0x01);
    CHECK_EQ(cmos(m, 0x08), 0x01);
    CHECK_EQ(cmos(m, 0x09), 0x00);
    CHECK_EQ(cmos(m, 0x32), 0x20);

    /* Time moves with virtual time only. */
    advance_ns(m, 59 * SEC + SEC / 2);
    CHECK_EQ(cmos(m, 0x00), 0x59);
    advance_ns(m, SEC);
    CHECK_EQ(cmos(m, 0x00), 0x00);
    CHECK_EQ(cmos(m, 0x02), 0x01);

    /* UIP is set just before the update, clear otherwise. */
    CHECK_EQ(cmos(m, 0x0A) & 0x80, 0);
    advance_ns(m, SEC / 2 - 1000000); /* 1 ms before the next update */
    CHECK_EQ(cmos(m, 0x0A) & 0x80, 0x80);

    /* Binary mode, set the clock with SET held: 23:59:58 on 1999-12-31. */
    cmos_set(m, 0x0B, 0x80 | 0x04 | 0x02);
    cmos_set(m, 0x00, 58);
    cmos_set(m, 0x02, 59);
    cmos_set(m, 0x04, 23);
    cmos_set(m, 0x07, 31);
    cmos_set(m, 0x08, 12);
    cmos_set(m, 0x09, 99);
    cmos_set(m, 0x32, 19);
    advance_ns(m, 5 * SEC); /* SET stops the clock */
    CHECK_EQ(cmos(m, 0x00), 58);
    cmos_set(m, 0x0B, 0x04 | 0x02);
    advance_ns(m, 2 * SEC);
    CHECK_EQ(cmos(m, 0x00), 0);
    CHECK_EQ(cmos(m, 0x04), 0);
    CHECK_EQ(cmos(m, 0x07), 1);
    CHECK_EQ(cmos(m, 0x08), 1);
    CHECK_EQ(cmos(m, 0x09), 0);
    CHECK_EQ(cmos(m, 0x32), 20);

    /* 12-hour BCD: 13:xx reads as 01 PM (bit 7). */
    cmos_set(m, 0x0B, 0x80);
    cmos_set(m, 0x04, 0x81); /* 1 PM */
    cmos_set(m, 0x0B, 0x02);
    CHECK_EQ(cmos(m, 0x04), 0x13);
    cmos_set(m, 0x0B, 0x00);
    CHECK_EQ(cmos(m, 0x04), 0x81);
    cmos_set(m, 0x04, 0x12); /* 12 AM = midnight */
    cmos_set(m, 0x0B, 0x02);
    CHECK_EQ(cmos(m, 0x04), 0x00);

    /* Divider held in reset: the clock stops. */
    uint8_t min = cmos(m, 0x02);
    cmos_set(m, 0x0A, 0x70);
    advance_ns(m, 120 * SEC);
    CHECK_EQ(cmos(m, 0x02), min);
    machine_destroy(m);
}

static void test_interrupts(void)
{
    struct machine *m = new_machine();
    CHECK(rtc_init(m) == 0);
    take_irq(m);
    /* PF is set at the rate even without PIE; no interrupt then. */
    cmos_set(m, 0x0A, 0x26); /* 1024 Hz */
    advance_ns(m, 2000000);
    CHECK_EQ(cmos(m, 0x0C) & 0x40, 0x40);
    CHECK_EQ(cmos(m, 0x0C), 0x00); /* read clears */
    CHECK_EQ(take_irq(m), -1);

    /* PIE: IRQ 8 at 1024 Hz, and again only after register C is read. */
    cmos_set(m, 0x0B, 0x42);
    cmos(m, 0x0C);
    int count = 0;
    for (int i = 0; i < 1000; i++) {
        advance_ns(m, 10000); /* 10 ms in all */
        if (take_irq(m) == IRQ_VEC(8)) {
            count++;
            CHECK_EQ(cmos(m, 0x0C), 0xC0);
        }
    }
    CHECK(count >= 10 && count <= 11);
    /* Without reading C the line stays high: no second edge. */
    advance_ns(m, 1000000);
    CHECK_EQ(take_irq(m), IRQ_VEC(8));
    advance_ns(m, 5000000);
    CHECK_EQ(take_irq(m), -1);
    cmos(m, 0x0C);
    /* A slower rate: RS = 15 is 2 Hz. */
    cmos_set(m, 0x0A, 0x2F);
    cmos(m, 0x0C);
    advance_ns(m, 400000000);
    CHECK_EQ(take_irq(m), -1);
    advance_ns(m, 200000000);
    CHECK_EQ(take_irq(m), IRQ_VEC(8));
    cmos_set(m, 0x0B, 0x02);
    cmos(m, 0x0C);

    /* Update-ended interrupt once a second. */
    cmos_set(m, 0x0B, 0x12);
    advance_ns(m, SEC + 1);
    CHECK_EQ(take_irq(m), IRQ_VEC(8));
    CHECK_EQ(cmos(m, 0x0C) & 0x90, 0x90);
    cmos_set(m, 0x0B, 0x02);

    /* Alarm: hh:mm:ss with "don't care" hours and minutes. */
    uint8_t s = cmos(m, 0x00);
    uint8_t target = (uint8_t)(((s >> 4) * 10 + (s & 15) + 3) % 60);
    cmos_set(m, 0x01, (uint8_t)((target / 10) << 4 | target % 10));
    cmos_set(m, 0x03, 0xC0);
    cmos_set(m, 0x05, 0xFF);
    cmos(m, 0x0C);
    cmos_set(m, 0x0B, 0x22);
    int fired_at = -1;
    for (int i = 0; i < 6 && fired_at < 0; i++) {
        advance_ns(m, SEC);
        if (take_irq(m) == IRQ_VEC(8)) {
            fired_at = i;
            CHECK_EQ(cmos(m, 0x0C) & 0xA0, 0xA0);
        }
    }
    CHECK(fired_at >= 1 && fired_at <= 3);
    machine_destroy(m);
}

static void test_cmos_layout(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 64, .deterministic = true};
    cfg.fda = "a.img";
    struct machine *m = new_machine_cfg(cfg);
    CHECK(rtc_init(m) == 0);
    CHECK_EQ(cmos(m, 0x15) | cmos(m, 0x16) << 8, 640);
    CHECK_EQ(cmos(m, 0x17) | cmos(m, 0x18) << 8, 63 * 1024);
    CHECK_EQ(cmos(m, 0x30) | cmos(m, 0x31) << 8, 63 * 1024);
    CHECK_EQ(cmos(m, 0x34) | cmos(m, 0x35) << 8, (64 - 16) * 16);
    CHECK_EQ(cmos(m, 0x10), 0x40);
    CHECK_EQ(cmos(m, 0x14) & 0xC1, 0x01);

    rtc_set_floppy_types(m, RTC_FLOPPY_1440K, RTC_FLOPPY_1200K);
    rtc_set_hard_disk(m, 0, 1024, 16, 63);
    CHECK_EQ(cmos(m, 0x10), 0x42);
    CHECK_EQ(cmos(m, 0x14) & 0xC1, 0x41);
    CHECK_EQ(cmos(m, 0x12), 0xF0);
    CHECK_EQ(cmos(m, 0x19), 47);
    CHECK_EQ(cmos(m, 0x1B) | cmos(m, 0x1C) << 8, 1024);
    CHECK_EQ(cmos(m, 0x1D), 16);
    CHECK_EQ(cmos(m, 0x23), 63);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += cmos(m, (uint8_t)i);
    CHECK_EQ(cmos(m, 0x2E) << 8 | cmos(m, 0x2F), sum);

    rtc_set_boot_order(m, "dca");
    CHECK_EQ(cmos(m, 0x3D), 0x23);
    CHECK_EQ(cmos(m, 0x38) >> 4, 1);

    /* The shutdown byte and free RAM keep what is written, across a reset. */
    cmos_set(m, 0x0F, 0x0A);
    cmos_set(m, 0x50, 0x77);
    CHECK_EQ(rtc_cmos_read(m, 0x0F), 0x0A);
    rtc_cmos_write(m, 0x51, 0x66);
    machine_reset(m);
    CHECK_EQ(cmos(m, 0x0F), 0x0A);
    CHECK_EQ(cmos(m, 0x50), 0x77);
    CHECK_EQ(cmos(m, 0x51), 0x66);

    /* Bit 7 of port 0x70 masks NMI and does not change the index. */
    out8(m, 0x70, 0x80 | 0x50);
    CHECK(!rtc_nmi_enabled(m));
    CHECK_EQ(in8(m, 0x71), 0x77);
    out8(m, 0x70, 0x50);
    CHECK(rtc_nmi_enabled(m));
    machine_destroy(m);

    /* A small 8086 machine: 640 KB base, no extended memory. */
    struct machine_config small = {.cpu_model = CPU_8086, .ram_mb = 1, .deterministic = true};
    m = new_machine_cfg(small);
    CHECK(rtc_init(m) == 0);
    CHECK_EQ(cmos(m, 0x15) | cmos(m, 0x16) << 8, 640);
    CHECK_EQ(cmos(m, 0x17) | cmos(m, 0x18) << 8, 0);
    machine_destroy(m);
}

int main(void)
{
    test_time();
    test_interrupts();
    test_cmos_layout();
    if (failures) {
        fprintf(stderr, "rtc_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("rtc_test: ok\n");
    return 0;
}

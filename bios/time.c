/* Time services: the INT 08h tick, INT 1Ah (ticks, RTC time/date/alarm,
 * PCI BIOS dispatch), INT 70h (RTC periodic interrupt for INT 15h waits). */
#include "bios/bios_priv.h"

#define TICKS_PER_DAY 0x1800B0u

static uint8_t to_bcd(unsigned v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}
static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 15u);
}

/* The RTC may run in binary mode (register B bit 2); INT 1Ah speaks BCD. */
static bool rtc_binary(struct machine *m)
{
    return (bios_cmos_read(m, 0x0B) & 0x04) != 0;
}

static uint8_t rtc_get(struct machine *m, uint8_t reg)
{
    uint8_t v = bios_cmos_read(m, reg);
    if (!rtc_binary(m))
        return v;
    if (reg == 0x04 && (v & 0x80)) /* 12-hour binary PM flag stays */
        return (uint8_t)(to_bcd(v & 0x7F) | 0x80);
    return to_bcd(v);
}

static void rtc_put(struct machine *m, uint8_t reg, uint8_t bcd)
{
    bios_cmos_write(m, reg, rtc_binary(m) ? (uint8_t)from_bcd(bcd) : bcd);
}

void bios_time_post(struct machine *m)
{
    bios_cmos_write(m, 0x0A, 0x26); /* 32.768 kHz base, 1024 Hz periodic */
    uint8_t regb = bios_cmos_read(m, 0x0B);
    bios_cmos_write(m, 0x0B, (uint8_t)((regb & 0x06) | 0x02)); /* 24 h, no interrupts */
    bios_cmos_read(m, 0x0C);
    bios_cmos_read(m, 0x0D);
    unsigned h = from_bcd(rtc_get(m, 0x04) & 0x3F), mi = from_bcd(rtc_get(m, 0x02)),
             s = from_bcd(rtc_get(m, 0x00));
    uint64_t secs = h * 3600u + mi * 60u + s;
    uint32_t ticks = (uint32_t)(secs * 1193182u / 65536u);
    if (ticks >= TICKS_PER_DAY)
        ticks = 0;
    bios_wr32(m, BDA(0x6C), ticks);
    bios_wr8(m, BDA(0x70), 0);
}

void bios_int08(struct machine *m)
{
    uint32_t t = bios_rd32(m, BDA(0x6C)) + 1;
    if (t >= TICKS_PER_DAY) {
        t = 0;
        bios_wr8(m, BDA(0x70), 1);
    }
    bios_wr32(m, BDA(0x6C), t);
    /* Diskette motor timeout: the motors "turn off" when it runs out (our
     * INT 13h reads images directly, so only the BDA bits matter). */
    uint8_t mt = bios_rd8(m, BDA(0x40));
    if (mt) {
        mt--;
        bios_wr8(m, BDA(0x40), mt);
        if (mt == 0)
            bios_wr8(m, BDA(0x3F), bios_rd8(m, BDA(0x3F)) & 0xF0);
    }
}

/* Sets the alarm and enables its interrupt; CF=1 if one is already set. */
static void alarm_set(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint8_t b = bios_cmos_read(m, 0x0B);
    if (b & 0x20) {
        bios_set_cf(m, true);
        return;
    }
    rtc_put(m, 0x05, R_CH(c));
    rtc_put(m, 0x03, R_CL(c));
    rtc_put(m, 0x01, R_DH(c));
    bios_cmos_write(m, 0x0B, b | 0x20);
    bios_outb(m, 0xA1, bios_inb(m, 0xA1) & 0xFE);
    bios_set_cf(m, false);
}

void bios_int1a(struct machine *m)
{
    struct cpu *c = &m->cpu;
    switch (R_AH(c)) {
    case 0x00: {
        uint32_t t = bios_rd32(m, BDA(0x6C));
        R_CX(c) = (uint16_t)(t >> 16);
        R_DX(c) = (uint16_t)t;
        R_AL(c) = bios_rd8(m, BDA(0x70));
        bios_wr8(m, BDA(0x70), 0);
        bios_set_cf(m, false);
        break;
    }
    case 0x01:
        bios_wr32(m, BDA(0x6C), (uint32_t)R_CX(c) << 16 | R_DX(c));
        bios_wr8(m, BDA(0x70), 0);
        bios_set_cf(m, false);
        break;
    case 0x02:
        R_CH(c) = rtc_get(m, 0x04);
        R_CL(c) = rtc_get(m, 0x02);
        R_DH(c) = rtc_get(m, 0x00);
        R_DL(c) = bios_cmos_read(m, 0x0B) & 1;
        bios_set_cf(m, false);
        break;
    case 0x03: {
        uint8_t b = bios_cmos_read(m, 0x0B);
        bios_cmos_write(m, 0x0B, b | 0x80); /* SET: hold updates */
        rtc_put(m, 0x04, R_CH(c));
        rtc_put(m, 0x02, R_CL(c));
        rtc_put(m, 0x00, R_DH(c));
        bios_cmos_write(m, 0x0B, (uint8_t)((b & 0x7E) | (R_DL(c) & 1) | 0x02));
        bios_set_cf(m, false);
        break;
    }
    case 0x04:
        R_CH(c) = rtc_get(m, 0x32);
        R_CL(c) = rtc_get(m, 0x09);
        R_DH(c) = rtc_get(m, 0x08);
        R_DL(c) = rtc_get(m, 0x07);
        bios_set_cf(m, false);
        break;
    case 0x05: {
        uint8_t b = bios_cmos_read(m, 0x0B);
        bios_cmos_write(m, 0x0B, b | 0x80);
        rtc_put(m, 0x32, R_CH(c));
        rtc_put(m, 0x09, R_CL(c));
        rtc_put(m, 0x08, R_DH(c));
        rtc_put(m, 0x07, R_DL(c));
        bios_cmos_write(m, 0x0B, b & 0x7F);
        bios_set_cf(m, false);
        break;
    }
    case 0x06: alarm_set(m); break;
    case 0x07:
        bios_cmos_write(m, 0x0B, bios_cmos_read(m, 0x0B) & ~0x20);
        bios_set_cf(m, false);
        break;
    case 0xB1: bios_pci(m); break;
    default: bios_set_cf(m, true); break;
    }
}

/* INT 70h with AL = RTC register C. The periodic interrupt (1024 Hz)
 * counts down an INT 15h 83h/86h wait; the alarm goes on to INT 4Ah. */
void bios_int70(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint8_t regc = R_AL(c);
    if ((regc & 0x40) && (bios_rd8(m, BDA(0xA0)) & 0x01)) {
        int32_t left = (int32_t)bios_rd32(m, BDA(0x9C)) - 976;
        bios_wr32(m, BDA(0x9C), (uint32_t)left);
        if (left <= 0) {
            uint32_t flag = (uint32_t)bios_rd16(m, BDA(0x9A)) * 16u + bios_rd16(m, BDA(0x98));
            bios_wr8(m, BDA(0xA0), bios_rd8(m, BDA(0xA0)) & ~0x01);
            bios_wr8(m, flag, bios_rd8(m, flag) | 0x80);
            bios_cmos_write(m, 0x0B, bios_cmos_read(m, 0x0B) & ~0x40);
        }
    }
    if (regc & 0x20)
        m->bios->signal = true;
}

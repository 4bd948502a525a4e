/* MC146818A real-time clock and CMOS RAM (Motorola MC146818A datasheet):
 * time of day in BCD or binary, 12/24 h, update-in-progress, periodic, alarm
 * and update-ended interrupts on IRQ 8, 128 bytes of battery-backed RAM. */
#include "devices/chipset/rtc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/board/machine.h"
#include "devices/chipset/pic.h"

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71
#define RTC_IRQ        8
#define NS_PER_SEC     1000000000ull
#define RTC_TICK_HZ    32768ull

/* Time registers. */
enum {
    REG_SEC = 0,
    REG_SEC_ALARM = 1,
    REG_MIN = 2,
    REG_MIN_ALARM = 3,
    REG_HOUR = 4,
    REG_HOUR_ALARM = 5,
    REG_DOW = 6,
    REG_MDAY = 7,
    REG_MONTH = 8,
    REG_YEAR = 9,
    REG_A = 0x0A,
    REG_B = 0x0B,
    REG_C = 0x0C,
    REG_D = 0x0D,
};

#define A_UIP  0x80
#define A_DV   0x70
#define A_RS   0x0F
#define B_SET  0x80
#define B_PIE  0x40
#define B_AIE  0x20
#define B_UIE  0x10
#define B_SQWE 0x08
#define B_DM   0x04 /* 1 = binary, 0 = BCD */
#define B_24H  0x02
#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10
#define D_VRT  0x80

/* Datasheet timing with a 32.768 kHz time base: UIP rises 244 us before the
 * update cycle, which then lasts 1984 us; the registers change inside it. */
#define RTC_UIP_LEAD_NS 244000ull
#define RTC_UPDATE_NS   1984000ull

/* CMOS layout (IBM AT technical reference, plus the Bochs/QEMU bytes that
 * SeaBIOS reads). */
#define CMOS_FLOPPY       0x10
#define CMOS_DISK         0x12
#define CMOS_EQUIPMENT    0x14
#define CMOS_BASE_LO      0x15
#define CMOS_EXT_LO       0x17
#define CMOS_DISK0_TYPE   0x19
#define CMOS_DISK1_TYPE   0x1A
#define CMOS_DISK0_PARAMS 0x1B
#define CMOS_DISK1_PARAMS 0x24
#define CMOS_CSUM_FIRST   0x10
#define CMOS_CSUM_LAST    0x2D
#define CMOS_CSUM_HI      0x2E
#define CMOS_EXT2_LO      0x30
#define CMOS_BOOT_3       0x38
#define CMOS_HIGH_LO      0x34 /* RAM above 16 MB in 64 KB units */
#define CMOS_BOOT_12      0x3D

struct rtc {
    uint8_t cmos[128]; /* raw RAM; bytes 0, 2, 4, 6-9 live in the fields below */
    uint8_t index;
    bool nmi_masked;
    /* Current time, binary: hour 0-23, year 0-99 (century in cmos[0x32]). */
    uint8_t sec, min, hour, dow, mday, month, year;
    bool irq_level;
    uint64_t sec_start_ns; /* virtual time the current second began */
    uint64_t chain_ns;     /* the divider chain's origin: periodic ticks count from here */
    uint64_t per_next_ns;  /* next periodic boundary not yet counted */

    /* Not state: events and wiring. */
    struct clock_event update_ev;
    struct clock_event periodic_ev;
    struct machine *m;
};

static bool rtc_running(const struct rtc *r)
{
    return (r->cmos[REG_A] & 0x60) != 0x60;
}

static uint8_t rtc_to_bcd(unsigned v)
{
    return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}
static unsigned rtc_from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0x0F);
}

static uint8_t rtc_enc(const struct rtc *r, unsigned v)
{
    return (r->cmos[REG_B] & B_DM) ? (uint8_t)v : rtc_to_bcd(v);
}

static unsigned rtc_dec(const struct rtc *r, uint8_t v)
{
    return (r->cmos[REG_B] & B_DM) ? v : rtc_from_bcd(v);
}

static uint8_t rtc_enc_hour(const struct rtc *r, unsigned h)
{
    if (r->cmos[REG_B] & B_24H)
        return rtc_enc(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return rtc_enc(r, h12) | (h >= 12 ? 0x80 : 0);
}

static unsigned rtc_dec_hour(const struct rtc *r, uint8_t v)
{
    if (r->cmos[REG_B] & B_24H)
        return rtc_dec(r, v);
    unsigned h = rtc_dec(r, v & 0x7F) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* The chip's own leap rule (year divisible by 4) is right for 1901-2099. */
static unsigned rtc_month_days(unsigned month, unsigned year)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 31;
    return days[month - 1] + (month == 2 && year % 4 == 0);
}

static void rtc_next_day(struct rtc *r)
{
    r->dow = r->dow >= 7 ? 1 : r->dow + 1;
    if (++r->mday <= rtc_month_days(r->month, r->year))
        return;
    r->mday = 1;
    if (++r->month <= 12)
        return;
    r->month = 1;
    if (++r->year <= 99)
        return;
    r->year = 0;
    /* The chip knows no century; the byte at 0x32 is the BIOS's, kept here
     * so a guest running across the rollover sees a consistent date. */
    uint8_t c = r->cmos[RTC_CMOS_CENTURY];
    r->cmos[RTC_CMOS_CENTURY] = (r->cmos[REG_B] & B_DM) ? (uint8_t)(c + 1) : rtc_to_bcd(rtc_from_bcd(c) + 1);
}

static void rtc_next_second(struct rtc *r)
{
    if (++r->sec < 60)
        return;
    r->sec = 0;
    if (++r->min < 60)
        return;
    r->min = 0;
    if (++r->hour < 24)
        return;
    r->hour = 0;
    rtc_next_day(r);
}

/* An alarm byte with its two top bits set matches any value. */
static bool rtc_alarm_match(const struct rtc *r)
{
    uint8_t as = r->cmos[REG_SEC_ALARM], am = r->cmos[REG_MIN_ALARM], ah = r->cmos[REG_HOUR_ALARM];
    return ((as & 0xC0) == 0xC0 || as == rtc_enc(r, r->sec)) &&
           ((am & 0xC0) == 0xC0 || am == rtc_enc(r, r->min)) &&
           ((ah & 0xC0) == 0xC0 || ah == rtc_enc_hour(r, r->hour));
}

static void rtc_update_irq(struct rtc *r)
{
    uint8_t c = r->cmos[REG_C] & (C_PF | C_AF | C_UF);
    uint8_t en = r->cmos[REG_B] & (B_PIE | B_AIE | B_UIE);
    /* PF/AF/UF line up with PIE/AIE/UIE bit for bit. */
    if (c & en)
        c |= C_IRQF;
    r->cmos[REG_C] = c;
    bool level = (c & C_IRQF) != 0;
    if (level != r->irq_level) {
        r->irq_level = level;
        pic_set_irq(r->m, RTC_IRQ, level);
    }
}

/* Periodic rate select (datasheet Table 5, 32.768 kHz): RS 1 and 2 give 256
 * and 128 Hz, RS 3-15 give 32768 >> (RS - 1) Hz; 0 is off. Returns the
 * period in 32.768 kHz ticks, or 0. */
static uint64_t rtc_period_ticks(const struct rtc *r)
{
    unsigned rs = r->cmos[REG_A] & A_RS;
    if (!rs)
        return 0;
    if (rs <= 2)
        return 1ull << (rs + 6);
    return 1ull << (rs - 1);
}

static uint64_t rtc_ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_SEC * RTC_TICK_HZ + ns % NS_PER_SEC * RTC_TICK_HZ / NS_PER_SEC;
}

/* First nanosecond at which `ticks` have elapsed. */
static uint64_t rtc_ticks_to_ns(uint64_t ticks)
{
    return ticks / RTC_TICK_HZ * NS_PER_SEC +
           (ticks % RTC_TICK_HZ * NS_PER_SEC + RTC_TICK_HZ - 1) / RTC_TICK_HZ;
}

/* Next periodic boundary strictly after `now`. */
static uint64_t rtc_next_boundary(const struct rtc *r, uint64_t now)
{
    uint64_t p = rtc_period_ticks(r);
    uint64_t t = rtc_ns_to_ticks(now - r->chain_ns);
    return r->chain_ns + rtc_ticks_to_ns((t / p + 1) * p);
}

/* Bring the time and the flags up to the present. PF, AF and UF are set at
 * their moments whether or not the interrupt is enabled (datasheet: the flag
 * bits are independent of the enable bits). */
static void rtc_catch_up(struct rtc *r)
{
    struct machine *m = r->m;
    uint64_t now = clock_now(m);
    if (!rtc_running(r))
        return;
    if (now >= r->sec_start_ns + NS_PER_SEC) {
        uint64_t n = (now - r->sec_start_ns) / NS_PER_SEC;
        r->sec_start_ns += n * NS_PER_SEC;
        if (!(r->cmos[REG_B] & B_SET)) {
            /* Whole days first, so a long gap does not cost a loop per second. */
            while (n > 2 * 86400) {
                rtc_next_day(r);
                n -= 86400;
            }
            bool alarm = false;
            while (n--) {
                rtc_next_second(r);
                alarm |= rtc_alarm_match(r);
            }
            r->cmos[REG_C] |= C_UF | (alarm ? C_AF : 0);
        }
    }
    if (rtc_period_ticks(r) && now >= r->per_next_ns) {
        r->cmos[REG_C] |= C_PF;
        r->per_next_ns = rtc_next_boundary(r, now);
    }
    rtc_update_irq(r);
}

/* Keep the events armed: the update event every second while the divider
 * runs, the periodic one only while PIE wants an interrupt (otherwise PF is
 * worked out when register C is read). */
static void rtc_arm(struct rtc *r)
{
    struct machine *m = r->m;
    if (rtc_running(r))
        clock_event_arm(m, &r->update_ev, r->sec_start_ns + NS_PER_SEC);
    else
        clock_event_cancel(m, &r->update_ev);
    if (rtc_running(r) && rtc_period_ticks(r) && (r->cmos[REG_B] & B_PIE))
        clock_event_arm(m, &r->periodic_ev, r->per_next_ns);
    else
        clock_event_cancel(m, &r->periodic_ev);
}

static void rtc_event(void *opaque)
{
    struct rtc *r = opaque;
    rtc_catch_up(r);
    rtc_arm(r);
}

static uint8_t rtc_read_reg(struct rtc *r, unsigned index)
{
    rtc_catch_up(r);
    switch (index) {
    case REG_SEC: return rtc_enc(r, r->sec);
    case REG_MIN: return rtc_enc(r, r->min);
    case REG_HOUR: return rtc_enc_hour(r, r->hour);
    case REG_DOW: return rtc_enc(r, r->dow);
    case REG_MDAY: return rtc_enc(r, r->mday);
    case REG_MONTH: return rtc_enc(r, r->month);
    case REG_YEAR: return rtc_enc(r, r->year);
    case REG_A: {
        uint8_t v = r->cmos[REG_A] & ~A_UIP;
        if (rtc_running(r) && !(r->cmos[REG_B] & B_SET)) {
            /* The registers change at the second boundary here, so UIP
             * covers the 244 us lead plus the cycle just before it: whoever
             * sees UIP clear has at least 244 us to read a stable time. */
            uint64_t phase = clock_now(r->m) - r->sec_start_ns;
            if (phase >= NS_PER_SEC - RTC_UIP_LEAD_NS - RTC_UPDATE_NS)
                v |= A_UIP;
        }
        return v;
    }
    case REG_C: {
        uint8_t v = r->cmos[REG_C];
        r->cmos[REG_C] = 0; /* reading C clears every flag and drops IRQ */
        rtc_update_irq(r);
        return v;
    }
    case REG_D: return D_VRT; /* the battery is always good */
    default: return r->cmos[index];
    }
}

static void rtc_write_reg(struct rtc *r, unsigned index, uint8_t v)
{
    struct machine *m = r->m;
    rtc_catch_up(r);
    switch (index) {
    case REG_SEC: r->sec = (uint8_t)rtc_dec(r, v); break;
    case REG_MIN: r->min = (uint8_t)rtc_dec(r, v); break;
    case REG_HOUR: r->hour = (uint8_t)rtc_dec_hour(r, v); break;
    case REG_DOW: r->dow = (uint8_t)rtc_dec(r, v); break;
    case REG_MDAY: r->mday = (uint8_t)rtc_dec(r, v); break;
    case REG_MONTH: r->month = (uint8_t)rtc_dec(r, v); break;
    case REG_YEAR: r->year = (uint8_t)rtc_dec(r, v); break;
    case REG_A: {
        bool was = rtc_running(r);
        uint8_t old_rs = r->cmos[REG_A] & A_RS;
        r->cmos[REG_A] = v & ~A_UIP;
        uint64_t now = clock_now(m);
        if (!was && rtc_running(r)) {
            /* Leaving divider reset: the first update comes half a second
             * later (datasheet, "Divider Control"). */
            r->sec_start_ns = now >= NS_PER_SEC / 2 ? now - NS_PER_SEC / 2 : 0;
            r->chain_ns = now;
        }
        if (rtc_period_ticks(r) && (!was || old_rs != (v & A_RS)))
            r->per_next_ns = rtc_next_boundary(r, now);
        break;
    }
    case REG_B:
        /* SET stops updates so the time can be written; it also clears UIE. */
        if (v & B_SET)
            v &= ~B_UIE;
        r->cmos[REG_B] = v;
        if (r->cmos[REG_B] & B_PIE && rtc_period_ticks(r) && r->per_next_ns <= clock_now(m))
            r->per_next_ns = rtc_next_boundary(r, clock_now(m));
        rtc_update_irq(r);
        break;
    case REG_C:
    case REG_D: break; /* read-only */
    default: r->cmos[index] = v; break;
    }
    rtc_arm(r);
}

static uint32_t rtc_io_read(void *opaque, uint16_t port, int size)
{
    struct rtc *r = opaque;
    (void)size;
    if (port == RTC_INDEX_PORT)
        return 0xFF; /* the index register is write-only */
    return rtc_read_reg(r, r->index);
}

static void rtc_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct rtc *r = opaque;
    (void)size;
    if (port == RTC_INDEX_PORT) {
        r->index = value & 0x7F;
        r->nmi_masked = (value & 0x80) != 0;
    } else {
        rtc_write_reg(r, r->index, (uint8_t)value);
    }
}

void rtc_update_checksum(struct machine *m)
{
    struct rtc *r = m->rtc;
    if (!r)
        return;
    unsigned sum = 0;
    for (int i = CMOS_CSUM_FIRST; i <= CMOS_CSUM_LAST; i++)
        sum += r->cmos[i];
    r->cmos[CMOS_CSUM_HI] = (uint8_t)(sum >> 8);
    r->cmos[CMOS_CSUM_HI + 1] = (uint8_t)sum;
}

static void rtc_put16(struct rtc *r, int index, unsigned v)
{
    r->cmos[index] = (uint8_t)v;
    r->cmos[index + 1] = (uint8_t)(v >> 8);
}

/* Day of the week, 1 = Sunday, for a Gregorian date. */
static unsigned rtc_weekday(int y, int mon, int d)
{
    static const int offs[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (mon < 3)
        y--;
    return (unsigned)((y + y / 4 - y / 100 + y / 400 + offs[(mon - 1) % 12] + d) % 7) + 1;
}

void rtc_set_time(struct machine *m, int year, int month, int day, int hour, int min, int sec)
{
    struct rtc *r = m->rtc;
    if (!r)
        return;
    rtc_catch_up(r);
    r->year = (uint8_t)(year % 100);
    r->month = (uint8_t)month;
    r->mday = (uint8_t)day;
    r->hour = (uint8_t)hour;
    r->min = (uint8_t)min;
    r->sec = (uint8_t)sec;
    r->dow = (uint8_t)rtc_weekday(year, month, day);
    /* The century byte is BCD by IBM convention whatever register B says. */
    r->cmos[RTC_CMOS_CENTURY] = rtc_to_bcd((unsigned)(year / 100));
    rtc_update_checksum(m);
}

void rtc_set_floppy_types(struct machine *m, int a, int b)
{
    struct rtc *r = m->rtc;
    if (!r)
        return;
    r->cmos[CMOS_FLOPPY] = (uint8_t)((a & 0x0F) << 4 | (b & 0x0F));
    int n = (a != 0) + (b != 0);
    uint8_t eq = r->cmos[CMOS_EQUIPMENT] & ~0xC1;
    /* Equipment byte: bit 0 = drives present, bits 7-6 = count - 1. */
    if (n)
        eq |= 0x01 | (uint8_t)((n - 1) << 6);
    r->cmos[CMOS_EQUIPMENT] = eq;
    rtc_update_checksum(m);
}

void rtc_set_hard_disk(struct machine *m, int drive, unsigned cylinders, unsigned heads, unsigned sectors)
{
    struct rtc *r = m->rtc;
    if (!r || drive < 0 || drive > 1)
        return;
    int shift = drive ? 0 : 4;
    int p = drive ? CMOS_DISK1_PARAMS : CMOS_DISK0_PARAMS;
    r->cmos[CMOS_DISK] &= (uint8_t) ~(0x0F << shift);
    memset(&r->cmos[p], 0, 9);
    r->cmos[drive ? CMOS_DISK1_TYPE : CMOS_DISK0_TYPE] = 0;
    if (cylinders) {
        /* Type 15 in the nibble says "see the extended byte"; 47 is the
         * user-defined type whose geometry follows. */
        r->cmos[CMOS_DISK] |= (uint8_t)(0x0F << shift);
        r->cmos[drive ? CMOS_DISK1_TYPE : CMOS_DISK0_TYPE] = 47;
        rtc_put16(r, p + 0, cylinders);           /* cylinders */
        r->cmos[p + 2] = (uint8_t)heads;          /* heads */
        rtc_put16(r, p + 3, 0xFFFF);              /* write precompensation: none */
        r->cmos[p + 5] = heads > 8 ? 0xC8 : 0xC0; /* control byte */
        rtc_put16(r, p + 6, cylinders);           /* landing zone */
        r->cmos[p + 8] = (uint8_t)sectors;        /* sectors per track */
    }
    rtc_update_checksum(m);
}

void rtc_set_boot_order(struct machine *m, const char *order)
{
    struct rtc *r = m->rtc;
    if (!r)
        return;
    uint8_t dev[3] = {0, 0, 0};
    for (int i = 0, n = 0; order && order[i] && n < 3; i++) {
        switch (order[i]) {
        case 'a': dev[n++] = 1; break;
        case 'c': dev[n++] = 2; break;
        case 'd': dev[n++] = 3; break;
        case 'n': dev[n++] = 4; break;
        default: break;
        }
    }
    r->cmos[CMOS_BOOT_12] = (uint8_t)(dev[1] << 4 | dev[0]);
    r->cmos[CMOS_BOOT_3] = (uint8_t)((r->cmos[CMOS_BOOT_3] & 0x0F) | dev[2] << 4);
}

static void rtc_fill_cmos(struct rtc *r)
{
    struct machine *m = r->m;
    uint64_t ram = (uint64_t)m->mem.ram_size;
    if (!ram)
        ram = (uint64_t)m->cfg.ram_mb << 20;
    r->cmos[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
    r->cmos[REG_B] = B_24H;
    r->cmos[REG_D] = D_VRT;
    uint64_t base_kb = ram / 1024 < 640 ? ram / 1024 : 640;
    rtc_put16(r, CMOS_BASE_LO, (unsigned)base_kb);
    uint64_t ext_kb = ram > 0x100000 ? (ram - 0x100000) / 1024 : 0;
    if (ext_kb > 0xFFFF)
        ext_kb = 0xFFFF;
    rtc_put16(r, CMOS_EXT_LO, (unsigned)ext_kb);
    rtc_put16(r, CMOS_EXT2_LO, (unsigned)ext_kb);
    uint64_t high = ram > 0x1000000 ? (ram - 0x1000000) / 65536 : 0;
    if (high > 0xFFFF)
        high = 0xFFFF;
    rtc_put16(r, CMOS_HIGH_LO, (unsigned)high);
    /* Equipment: VGA (bits 5-4 = 0) and a coprocessor, which rex86 always
     * emulates. Floppy bits follow the drives. */
    r->cmos[CMOS_EQUIPMENT] = 0x02;
    rtc_set_floppy_types(m, m->cfg.fda ? RTC_FLOPPY_1440K : RTC_FLOPPY_NONE,
                         m->cfg.fdb ? RTC_FLOPPY_1440K : RTC_FLOPPY_NONE);
    rtc_set_boot_order(m, m->cfg.boot_order[0] ? m->cfg.boot_order : "cad");
    rtc_update_checksum(m);
}

static void rtc_start_clock(struct rtc *r)
{
    struct machine *m = r->m;
    if (m->cfg.deterministic) {
        rtc_set_time(m, 2000, 1, 1, 0, 0, 0);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        /* PC convention: the RTC keeps local time. */
        if (localtime_r(&t, &tm))
            rtc_set_time(m, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        else
            rtc_set_time(m, 2000, 1, 1, 0, 0, 0);
    }
    uint64_t now = clock_now(m);
    r->sec_start_ns = now;
    r->chain_ns = now;
    r->per_next_ns = rtc_next_boundary(r, now);
    r->cmos[REG_C] = 0; /* setting the time is not an update cycle */
}

/* The chip's RESET input (datasheet, "RESET"): interrupt enables and flags
 * go, the time and RAM stay. */
static void rtc_reset(void *opaque)
{
    struct rtc *r = opaque;
    r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    r->cmos[REG_C] = 0;
    r->nmi_masked = false;
    r->index = 0;
    rtc_update_irq(r);
    rtc_arm(r);
}

static void rtc_free(void *opaque)
{
    struct rtc *r = opaque;
    clock_event_cancel(r->m, &r->update_ev);
    clock_event_cancel(r->m, &r->periodic_ev);
    if (r->m->rtc == r)
        r->m->rtc = NULL;
    free(r);
}

static int rtc_state_fn(struct state *s, void *opaque);

int rtc_init(struct machine *m)
{
    struct rtc *r = calloc(1, sizeof(*r));
    if (!r)
        return machine_error(m, "out of memory");
    r->m = m;
    m->rtc = r;
    clock_event_init(&r->update_ev, "rtc-update", rtc_event, r);
    clock_event_init(&r->periodic_ev, "rtc-periodic", rtc_event, r);
    if (machine_register_device(m, "rtc", r, rtc_reset, rtc_free) < 0) {
        rtc_free(r);
        return -1;
    }
    machine_device_state(m, r, 1, rtc_state_fn);
    rtc_fill_cmos(r);
    rtc_start_clock(r);
    rtc_arm(r);
    if (bus_register_io(m, RTC_INDEX_PORT, 2, rtc_io_read, rtc_io_write, r, IO_BYTES) < 0)
        return machine_error(m, "rtc: the I/O port table is full");
    return 0;
}

uint8_t rtc_cmos_read(struct machine *m, int index)
{
    if (!m->rtc)
        return 0xFF;
    return rtc_read_reg(m->rtc, (unsigned)index & 0x7F);
}

void rtc_cmos_write(struct machine *m, int index, uint8_t v)
{
    if (m->rtc)
        rtc_write_reg(m->rtc, (unsigned)index & 0x7F, v);
}

bool rtc_nmi_enabled(struct machine *m)
{
    return !m->rtc || !m->rtc->nmi_masked;
}

/* The state stream's section (devices/board/state.h). */
static int rtc_state_fn(struct state *s, void *opaque)
{
    struct rtc *r = opaque;
    STATE_ARRAY(s, r->cmos);
    STATE(s, r->index);
    STATE(s, r->nmi_masked);
    STATE(s, r->sec);
    STATE(s, r->min);
    STATE(s, r->hour);
    STATE(s, r->dow);
    STATE(s, r->mday);
    STATE(s, r->month);
    STATE(s, r->year);
    STATE(s, r->irq_level);
    STATE(s, r->sec_start_ns);
    STATE(s, r->chain_ns);
    STATE(s, r->per_next_ns);
    state_event(s, &r->update_ev);
    state_event(s, &r->periodic_ev);
    if (state_loading(s))
        r->index &= 0x7F;
    return 0;
}

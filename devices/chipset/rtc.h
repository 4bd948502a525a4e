/* MC146818 real-time clock and CMOS RAM at ports 0x70/0x71 (IRQ 8), with the
 * IBM AT CMOS layout filled from the machine configuration. */
#ifndef REX86_RTC_H
#define REX86_RTC_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* CMOS floppy drive types (byte 0x10). */
enum rtc_floppy {
    RTC_FLOPPY_NONE = 0,
    RTC_FLOPPY_360K = 1,
    RTC_FLOPPY_1200K = 2,
    RTC_FLOPPY_720K = 3,
    RTC_FLOPPY_1440K = 4,
    RTC_FLOPPY_2880K = 5,
};

/* Well-known CMOS bytes. */
#define RTC_CMOS_SHUTDOWN 0x0F /* shutdown status: what POST does after a CPU reset */
#define RTC_CMOS_CENTURY  0x32

/* Allocates the RTC, registers ports 0x70/0x71, stores it in m->rtc and fills
 * the CMOS from m->cfg. The clock starts from host local time, or from
 * 2000-01-01 00:00:00 when m->cfg.deterministic, and then runs on virtual
 * time. Returns 0 or -1 (message in m->error). */
int rtc_init(struct machine *m);

/* Read or write CMOS byte `index` (0-127) exactly as the guest would through
 * port 0x71 (time registers, register C clearing its flags on read), without
 * touching the port-0x70 index latch. Writes are raw: a caller changing bytes
 * 0x10-0x2D calls rtc_update_checksum() afterwards. */
uint8_t rtc_cmos_read(struct machine *m, int index);
void rtc_cmos_write(struct machine *m, int index, uint8_t v);
/* Recompute the standard checksum (sum of 0x10-0x2D, big-endian at 0x2E). */
void rtc_update_checksum(struct machine *m);

/* Configuration setters for the BIOS and the frontend; each keeps the
 * equipment byte and the checksum consistent. */
void rtc_set_floppy_types(struct machine *m, int a, int b); /* enum rtc_floppy */
/* drive 0 or 1; cylinders 0 removes the drive. Uses user type 47 with the
 * parameters at 0x1B (drive 0) / 0x24 (drive 1), AMI/Award layout. */
void rtc_set_hard_disk(struct machine *m, int drive, unsigned cylinders, unsigned heads, unsigned sectors);
/* Boot order as QEMU/Bochs/SeaBIOS read it (bytes 0x3D and 0x38): letters
 * a (floppy), c (hard disk), d (CD-ROM), n (network), first three used. */
void rtc_set_boot_order(struct machine *m, const char *order);
/* Set the clock (full year, month 1-12, day 1-31, 24-hour time). */
void rtc_set_time(struct machine *m, int year, int month, int day, int hour, int min, int sec);

/* False while the guest has set bit 7 of port 0x70 (NMI masked). */
bool rtc_nmi_enabled(struct machine *m);

#endif

/* The PC itself: one struct machine owns the CPU, memory, buses, clock and
 * every device. Nothing in the core keeps state outside it. */
#ifndef REX86_MACHINE_H
#define REX86_MACHINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "devices/board/bus.h"
#include "devices/board/clock.h"
#include "devices/board/mem.h"
#include "devices/board/state.h"

/* Why machine_run returned. */
enum machine_stop {
    STOP_NONE,
    STOP_EXIT_DEVICE, /* isa-debug-exit written; exit_status holds the status */
    STOP_HALTED,      /* HLT with interrupts disabled and nothing to wake it */
    STOP_SHUTDOWN,    /* triple fault with reset disabled, or power off */
    STOP_POWEROFF,    /* ACPI/APM power off */
    STOP_REQUESTED,   /* machine_request_stop() from the frontend */
    STOP_SLICE,       /* the requested time slice ran out */
};

struct pic;
struct lapic;
struct ioapic;
struct acpi_pm;
struct pit;
struct rtc;
struct uart;
struct kbc;
struct vga;
struct dma;
struct fdc;
struct ide;
struct pci;
struct bios;
struct debugport;
struct kboot;

/* Output sink for text the guest prints (serial, debugcon, BIOS teletype):
 * the frontend watches it for --exit-on and echoes it. */
typedef void (*machine_text_fn)(void *opaque, const char *src, const uint8_t *buf, size_t len);

struct machine_config {
    enum cpu_model cpu_model;
    uint32_t ram_mb;
    uint64_t ips;       /* virtual instructions per second */
    bool deterministic; /* fixed RTC epoch etc. */
    bool bare;          /* CPU and memory only: no devices, no BIOS */
    bool jit;           /* -accel jit: translate hot protected-mode code */

    /* Drives and boot (QEMU's option names in the frontend). */
    const char *fda, *fdb, *hda, *hdb, *cdrom;
    char boot_order[8]; /* e.g. "cad": a floppy, c hard disk, d CD */
    const char *kernel, *initrd, *append;
    const char *bios_file;    /* a real firmware image instead of ours */
    const char *vgabios_file; /* the stdvga option ROM (with bios_file only) */

    /* Character backends: "stdio", "file:PATH", "none" (NULL = none). */
    const char *serial[4];
    const char *debugcon;
    const char *bios_log; /* a foreign firmware's ports 0x400-0x403 */
};

/* Every device registers its lifecycle hooks here from its *_init(), so the
 * machine can reset, free, save and load them without knowing them. A device
 * must also call machine_device_state(): with its state function, or with
 * NULL to say it has no state; the machine refuses to save otherwise. */
struct machine_device {
    const char *name;
    void *opaque;
    void (*reset)(void *opaque);
    void (*free)(void *opaque);
    state_fn state;         /* its section of the state stream */
    unsigned state_version; /* that section's layout version */
    bool stateless;         /* said explicitly: nothing to save */
};
#define MACHINE_MAX_DEVICES 48

struct machine {
    struct machine_config cfg;
    struct cpu cpu;
    struct mem mem;
    struct bus bus;
    struct clock clock;

    /* Devices (opaque; only their own .c files know the layout). */
    struct pic *pic;
    struct lapic *lapic;     /* NULL before the Pentium */
    struct ioapic *ioapic;   /* present with the local APIC */
    struct acpi_pm *acpi_pm; /* ACPI PM registers, with the APICs */
    struct pit *pit;
    struct rtc *rtc;
    struct uart *uart[4];
    struct kbc *kbc;
    struct vga *vga;
    struct dma *dma;
    struct fdc *fdc;
    struct ide *ide;
    struct pci *pci;
    struct bios *bios;
    struct debugport *debugport;
    struct kboot *kboot;

    struct machine_device devices[MACHINE_MAX_DEVICES];
    int device_count;

    /* The interrupt acknowledge cycle: returns the vector for INTR. */
    int (*intr_ack)(void *opaque);
    void *intr_opaque;

    machine_text_fn text_out;
    void *text_opaque;

    enum machine_stop stop;
    int exit_status;
    bool reset_request;

    uint8_t *firmware; /* -bios image */

    char error[256]; /* last error message for the frontend */
};

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);
void machine_reset(struct machine *m);
/* Run for at most `ns` of virtual time (0 = until a stop). */
enum machine_stop machine_run(struct machine *m, uint64_t ns);
void machine_request_stop(struct machine *m, enum machine_stop why);
/* A reset of the whole machine at the next instruction boundary (8042 pulse,
 * port 0x92, triple fault). */
void machine_request_reset(struct machine *m);
int machine_register_device(struct machine *m, const char *name, void *opaque, void (*reset)(void *),
                            void (*free_fn)(void *));
/* The save/load of the device registered with `opaque` (devices/board/
 * state.h): fn describes its fields at section layout `version`; fn NULL
 * says the device keeps no state worth saving. */
int machine_device_state(struct machine *m, void *opaque, unsigned version, state_fn fn);
/* The 8259's INTR output: to LINT0 of the local APIC and INTIN0 of the I/O
 * APIC when the board has them, else straight to the CPU. */
void machine_pic_intr(struct machine *m, bool level);
/* Guest text to the frontend. */
void machine_text(struct machine *m, const char *src, const uint8_t *buf, size_t len);
/* Remember an error message (printf-style) and return -1. */
int machine_error(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

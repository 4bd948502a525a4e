/* The PC board: creates the CPU, memory and buses, wires the devices, loads
 * firmware, and runs the CPU against the virtual clock. */
#include "devices/board/machine.h"
#include "bios/kboot.h"
#include "translator/jit.h"
#include "bios/bios.h"
#include "devices/chipset/dma.h"
#include "devices/chipset/pic.h"
#include "devices/chipset/lapic.h"
#include "devices/chipset/ioapic.h"
#include "devices/chipset/acpi_pm.h"
#include "devices/chipset/pit.h"
#include "devices/chipset/kbc.h"
#include "devices/chipset/pci.h"
#include "devices/storage/fdc.h"
#include "devices/storage/ide.h"
#include "devices/chipset/rtc.h"
#include "devices/serial/uart.h"
#include "devices/video/vga.h"
#include "devices/board/sysports.h"
#include "devices/board/fwdebug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t model_addr_mask(enum cpu_model model)
{
    switch (model) {
    case CPU_8086:
    case CPU_186: return 0xFFFFF;
    case CPU_286: return 0xFFFFFF;
    default: return 0xFFFFFFFF;
    }
}

int machine_error(struct machine *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof(m->error), fmt, ap);
    va_end(ap);
    return -1;
}

int machine_register_device(struct machine *m, const char *name, void *opaque, void (*reset)(void *),
                            void (*free_fn)(void *))
{
    if (m->device_count >= MACHINE_MAX_DEVICES)
        return machine_error(m, "too many devices");
    m->devices[m->device_count++] =
        (struct machine_device){.name = name, .opaque = opaque, .reset = reset, .free = free_fn};
    return 0;
}

int machine_device_state(struct machine *m, void *opaque, unsigned version, state_fn fn)
{
    for (int k = m->device_count - 1; k >= 0; k--) {
        struct machine_device *d = &m->devices[k];
        if (d->opaque == opaque) {
            d->state = fn;
            d->state_version = version;
            d->stateless = fn == NULL;
            return 0;
        }
    }
    return machine_error(m, "save/load given for a device that is not registered");
}

void machine_text(struct machine *m, const char *src, const uint8_t *buf, size_t len)
{
    if (m->text_out)
        m->text_out(m->text_opaque, src, buf, len);
}

void machine_pic_intr(struct machine *m, bool level)
{
    if (m->ioapic)
        ioapic_set_pin(m->ioapic, 0, level);
    if (m->lapic)
        lapic_set_lint(m->lapic, 0, level);
    else
        cpu_set_intr(&m->cpu, level);
}

void machine_request_stop(struct machine *m, enum machine_stop why)
{
    if (m->stop == STOP_NONE)
        m->stop = why;
    m->cpu.exit_request = true;
    m->cpu.jit_exit = 1; /* leave a translated block at once */
}

void machine_request_reset(struct machine *m)
{
    m->reset_request = true;
    m->cpu.exit_request = true;
    m->cpu.jit_exit = 1;
}

/* A firmware image (-bios): mapped so that it ends at 1 MB and at 4 GB, the
 * way the chipset decodes the BIOS flash. */
static int load_firmware(struct machine *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return machine_error(m, "cannot open BIOS image '%s'", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size <= 0 || size > 2 * 1024 * 1024) {
        fclose(f);
        return machine_error(m, "BIOS image '%s' has an impossible size (%ld bytes)", path, size);
    }
    uint32_t mapped = ((uint32_t)size + 0xFFFF) & ~0xFFFFu;
    uint8_t *rom = calloc(1, mapped);
    if (!rom || fread(rom + (mapped - (uint32_t)size), 1, (size_t)size, f) != (size_t)size) {
        free(rom);
        fclose(f);
        return machine_error(m, "cannot read BIOS image '%s'", path);
    }
    fclose(f);
    m->firmware = rom;
    /* The top 128 KB (or less) appears below 1 MB; all of it below 4 GB. */
    uint32_t low = mapped > 0x20000 ? 0x20000 : mapped;
    mem_map_host(m, 0x100000 - low, low, rom + (mapped - low), false);
    if (model_addr_mask(m->cfg.cpu_model) == 0xFFFFFFFF)
        mem_map_host(m, (uint32_t)(0x100000000ull - mapped), mapped, rom, false);
    else if (model_addr_mask(m->cfg.cpu_model) == 0xFFFFFF)
        mem_map_host(m, 0x1000000 - low, low, rom + (mapped - low), false);
    return 0;
}

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen)
{
    struct machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (m->cfg.ram_mb == 0)
        m->cfg.ram_mb = cfg->cpu_model <= CPU_186 ? 1 : 32;
    if (m->cfg.ram_mb > 3072) {
        snprintf(err, errlen, "-m %u: at most 3072 MB of guest RAM is supported", m->cfg.ram_mb);
        free(m);
        return NULL;
    }
    if (m->cfg.ips == 0)
        m->cfg.ips = 100000000;
    uint32_t ram = m->cfg.ram_mb << 20;
    if (cfg->cpu_model <= CPU_186 && ram > 0x100000)
        ram = 0x100000;
    if (mem_init(m, ram, model_addr_mask(cfg->cpu_model)) < 0)
        goto fail;
    clock_init(m, m->cfg.ips);
    cpu_init(&m->cpu, m, cfg->cpu_model);

    if (!cfg->bare) {
        /* --- device wiring: each *_init registers its ports/MMIO on the bus
         * and its reset/free hooks with machine_register_device(). --- */
        /* Interrupt controller first: the PIT drives IRQ0 from its reset. */
        if (pic_init(m) < 0 || fpu_ports_init(m) < 0 || dma_init(m) < 0 || pit_init(m) < 0)
            goto fail;
        /* The Pentium and the P6 have a local APIC; the board then has an
         * 82093AA too, so MP-aware systems route ISA IRQs through it, and
         * the ACPI PM registers the BIOS's FADT describes. */
        if (cfg->cpu_model >= CPU_PENTIUM && (lapic_init(m) < 0 || ioapic_init(m) < 0 || acpi_pm_init(m) < 0))
            goto fail;
        /* Platform: RTC/CMOS (filled from cfg), 8042 + PS/2, COM1-4, and
         * the POST/0x92/debug-exit/debugcon/shutdown ports. */
        if (rtc_init(m) < 0 || kbc_init(m) < 0 || sysports_init(m, cfg->debugcon) < 0)
            goto fail;
        for (int i = 0; i < UART_COUNT; i++)
            if (uart_init(m, i, cfg->serial[i]) < 0)
                goto fail;
        /* The PCI bus (i440FX, PIIX3) before the functions on it; the
         * floppy controller and the IDE open and own the drive images,
         * which the BIOS's INT 13h then borrows. */
        if (pci_init(m) < 0 || fdc_init(m) < 0 || ide_init(m) < 0)
            goto fail;
        /* VGA before the BIOS: POST sets mode 3 through its ports. */
        if (vga_init(m) < 0 || pci_stdvga_init(m) < 0)
            goto fail;

        /* Our BIOS last: POST programs the devices above through their
         * ports, and bios_init opens the drive images. */
        if (!cfg->bios_file && bios_init(m) < 0)
            goto fail;
        /* --- end of device wiring --- */
        if (cfg->kernel && cfg->bios_file) {
            machine_error(m, "-kernel needs rex86's own BIOS; it cannot be combined with -bios");
            goto fail;
        }
        if (kboot_init(m) < 0)
            goto fail;
        if (cfg->jit && jit_init(m) < 0)
            goto fail;
        if (cfg->bios_file && (load_firmware(m, cfg->bios_file) < 0 || fwdebug_init(m, cfg->bios_log) < 0))
            goto fail;
    }
    machine_reset(m);
    return m;
fail:
    snprintf(err, errlen, "%s", m->error[0] ? m->error : "cannot create the machine");
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    for (int k = m->device_count - 1; k >= 0; k--)
        if (m->devices[k].free)
            m->devices[k].free(m->devices[k].opaque);
    kboot_free(m);
    jit_free(m);
    cpu_free(&m->cpu);
    free(m->firmware);
    mem_free(m);
    free(m);
}

void machine_reset(struct machine *m)
{
    m->reset_request = false;
    /* A20 comes up enabled, as on QEMU's PC: the reset vector of the 386
     * and later sits at FFFFFFF0, which a masked A20 would move. The BIOS
     * and the 8042 gate it from there. */
    mem_set_a20(m, true);
    for (int k = 0; k < m->device_count; k++)
        if (m->devices[k].reset)
            m->devices[k].reset(m->devices[k].opaque);
    cpu_reset(&m->cpu);
}

enum machine_stop machine_run(struct machine *m, uint64_t ns)
{
    uint64_t deadline = ns ? clock_now(m) + ns : UINT64_MAX;
    m->stop = STOP_NONE;
    for (;;) {
        if (m->reset_request)
            machine_reset(m);
        if (m->stop != STOP_NONE)
            break;
        uint64_t now = clock_now(m);
        if (now >= deadline)
            return STOP_SLICE;
        int64_t budget = clock_budget(m);
        uint64_t left_ns = deadline - now;
        int64_t slice_cap = (int64_t)(left_ns * m->clock.ips / 1000000000ull) + 1;
        if (budget > slice_cap)
            budget = slice_cap;
        m->cpu.exit_request = false;
        cpu_run(&m->cpu, budget);
        clock_sync(m);
        if (m->cpu.halted && m->stop == STOP_NONE && !m->reset_request) {
            bool can_wake = (m->cpu.eflags & F_IF) || m->cpu.nmi_pending;
            if (m->cpu.intr_line && (m->cpu.eflags & F_IF))
                continue;
            if (!can_wake) {
                machine_request_stop(m, STOP_HALTED);
                break;
            }
            /* Idle: jump virtual time to the next device event, but not
             * past the slice's end. The frontend reads the keyboard and
             * the control API between slices; a jump to a timer 55 ms
             * away (DOS) or seconds away (a tickless kernel) would be
             * paced out in host time before a key typed meanwhile is
             * seen. */
            if (!clock_skip_until(m, deadline)) {
                machine_request_stop(m, STOP_HALTED);
                break;
            }
        }
    }
    enum machine_stop s = m->stop;
    return s;
}

/* ACPI PM1a event/control registers, the PM timer and GPE0 (ACPI 1.0b
 * §4.7.3): the machine is always in ACPI mode (no SMI_CMD, SCI_EN set), and
 * S5 through SLP_TYP/SLP_EN turns it off. */
#include "devices/chipset/acpi_pm.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"

/* PM1 bits (ACPI 1.0b tables 4-12 and 4-16). */
#define PM1_TMR_STS    0x0001u
#define PM1_WAK_STS    0x8000u
#define PM1_SCI_EN     0x0001u
#define PM1_SLP_EN     0x2000u
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)

struct acpi_pm {
    struct machine *m;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe0_sts, gpe0_en;
};

/* 3.579545 MHz since power-on, split so the product never overflows. */
uint32_t acpi_pm_timer_at(uint64_t ns)
{
    uint64_t s = ns / 1000000000u, rem = ns % 1000000000u;
    uint64_t ticks = s * ACPI_PM_TIMER_HZ + rem * ACPI_PM_TIMER_HZ / 1000000000u;
    return (uint32_t)(ticks & 0xFFFFFF);
}

static uint16_t rd16(struct acpi_pm *p, uint16_t reg)
{
    switch (reg) {
    case ACPI_PM1A_EVT: return p->pm1_sts;
    case ACPI_PM1A_EVT + 2: return p->pm1_en;
    case ACPI_PM1A_CNT: return p->pm1_cnt; /* SLP_EN reads as zero */
    case ACPI_GPE0: return p->gpe0_sts;
    case ACPI_GPE0 + 2: return p->gpe0_en;
    default: return 0;
    }
}

static uint32_t acpi_pm_read(void *opaque, uint16_t port, int size)
{
    struct acpi_pm *p = opaque;
    if (port >= ACPI_PM_TMR && port < ACPI_PM_TMR + 4) {
        uint32_t v = acpi_pm_timer_at(clock_now(p->m)) >> (8 * (port - ACPI_PM_TMR));
        return size == 4 ? v : v & ((1u << (8 * size)) - 1);
    }
    uint32_t v = 0;
    for (int k = 0; k < size; k++) {
        uint16_t at = (uint16_t)(port + k);
        uint16_t reg = at & ~1u;
        v |= (uint32_t)((rd16(p, reg) >> (8 * (at & 1))) & 0xFF) << (8 * k);
    }
    return v;
}

static void wr16(struct acpi_pm *p, uint16_t reg, uint16_t v, uint16_t mask)
{
    switch (reg) {
    case ACPI_PM1A_EVT: p->pm1_sts &= ~(v & mask); break; /* write one to clear */
    case ACPI_PM1A_EVT + 2: p->pm1_en = (uint16_t)((p->pm1_en & ~mask) | (v & mask)); break;
    case ACPI_PM1A_CNT: {
        uint16_t cnt = (uint16_t)((p->pm1_cnt & ~mask) | (v & mask));
        /* SCI_EN stays set: there is no legacy mode to return to. */
        p->pm1_cnt = (uint16_t)((cnt & ~PM1_SLP_EN) | PM1_SCI_EN);
        if ((cnt & PM1_SLP_EN) && (mask & PM1_SLP_EN) && PM1_SLP_TYP(cnt) == ACPI_SLP_TYP_S5)
            machine_request_stop(p->m, STOP_POWEROFF);
        break;
    }
    case ACPI_GPE0: p->gpe0_sts &= ~(v & mask); break;
    case ACPI_GPE0 + 2: p->gpe0_en = (uint16_t)((p->gpe0_en & ~mask) | (v & mask)); break;
    default: break;
    }
}

static void acpi_pm_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct acpi_pm *p = opaque;
    /* Gather the bytes per 16-bit register so a word write of PM1_CNT is
     * one write (SLP_TYP and SLP_EN together). */
    for (int k = 0; k < size;) {
        uint16_t at = (uint16_t)(port + k);
        uint16_t reg = at & ~1u;
        uint16_t v = 0, mask = 0;
        while (k < size && (uint16_t)((port + k) & ~1u) == reg) {
            unsigned sh = 8 * ((port + k) & 1);
            v |= (uint16_t)(((value >> (8 * k)) & 0xFF) << sh);
            mask |= (uint16_t)(0xFF << sh);
            k++;
        }
        wr16(p, reg, v, mask);
    }
}

static void acpi_pm_reset(void *opaque)
{
    struct acpi_pm *p = opaque;
    p->pm1_sts = p->pm1_en = 0;
    p->pm1_cnt = PM1_SCI_EN;
    p->gpe0_sts = p->gpe0_en = 0;
}

static void acpi_pm_free(void *opaque)
{
    struct acpi_pm *p = opaque;
    bus_unregister_io(p->m, ACPI_PM_BASE, ACPI_PM_LEN);
    if (p->m->acpi_pm == p)
        p->m->acpi_pm = NULL;
    free(p);
}

static int acpi_pm_state_fn(struct state *s, void *opaque);

int acpi_pm_init(struct machine *m)
{
    struct acpi_pm *p = calloc(1, sizeof(*p));
    if (!p)
        return machine_error(m, "acpi_pm: out of memory");
    p->m = m;
    if (bus_register_io(m, ACPI_PM_BASE, ACPI_PM_LEN, acpi_pm_read, acpi_pm_write, p, 0) < 0) {
        free(p);
        return machine_error(m, "acpi_pm: I/O port table full");
    }
    m->acpi_pm = p;
    acpi_pm_reset(p);
    if (machine_register_device(m, "acpi_pm", p, acpi_pm_reset, acpi_pm_free) < 0) {
        acpi_pm_free(p);
        return -1;
    }
    machine_device_state(m, p, 1, acpi_pm_state_fn);
    return 0;
}

/* The state stream's section (devices/board/state.h); the PM timer is
 * virtual time itself. */
static int acpi_pm_state_fn(struct state *s, void *opaque)
{
    struct acpi_pm *p = opaque;
    STATE(s, p->pm1_sts);
    STATE(s, p->pm1_en);
    STATE(s, p->pm1_cnt);
    STATE(s, p->gpe0_sts);
    STATE(s, p->gpe0_en);
    return 0;
}

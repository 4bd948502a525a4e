/* The ACPI fixed-feature hardware the FADT describes (ACPI 1.0b §4.7):
 * PM1a event and control blocks, the 24-bit PM timer and GPE0, at fixed
 * ports; SLP_EN with the S5 sleep type powers the machine off. */
#ifndef REX86_ACPI_PM_H
#define REX86_ACPI_PM_H

#include <stdint.h>

struct machine;
struct acpi_pm;

#define ACPI_PM_BASE  0x600u
#define ACPI_PM1A_EVT (ACPI_PM_BASE + 0x0) /* PM1_STS, PM1_EN: 2 + 2 bytes */
#define ACPI_PM1A_CNT (ACPI_PM_BASE + 0x4) /* PM1_CNT: 2 bytes */
#define ACPI_PM_TMR   (ACPI_PM_BASE + 0x8) /* 4 bytes */
#define ACPI_GPE0     (ACPI_PM_BASE + 0xC) /* GPE0_STS, GPE0_EN: 2 + 2 bytes */
#define ACPI_PM_LEN   0x10u
#define ACPI_SCI_IRQ  9
/* The SLP_TYP value the DSDT's \_S5 package names. */
#define ACPI_SLP_TYP_S5  5
#define ACPI_PM_TIMER_HZ 3579545u

/* Registers the ports and stores the device in m->acpi_pm. Returns 0 or -1
 * with m->error set. */
int acpi_pm_init(struct machine *m);
/* The PM timer's count at virtual time ns (24 bits). */
uint32_t acpi_pm_timer_at(uint64_t ns);

#endif

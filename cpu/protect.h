/* Descriptors and task switches shared by cpu/protect.c, cpu/task.c and the
 * system instructions. */
#ifndef REX86_PROTECT_H
#define REX86_PROTECT_H

#include "cpu/cpu.h"

struct desc {
    uint32_t lo, hi; /* raw descriptor */
    uint32_t addr;   /* linear address of the descriptor */
    uint32_t base, limit;
    uint16_t flags; /* as in struct seg */
    uint8_t dpl;
    uint8_t type; /* S bit (0x10) and the four type bits */
};

bool desc_read(struct cpu *c, uint16_t sel, struct desc *d);
void desc_parse(struct desc *d);
void desc_set_accessed(struct cpu *c, struct desc *d);
void seg_load_desc(struct cpu *c, int seg, uint16_t sel, const struct desc *d);

enum task_reason { TASK_JMP, TASK_CALL, TASK_INT, TASK_IRET };
void task_switch(struct cpu *c, uint16_t sel, struct desc *d, enum task_reason why, int error_code);

#endif

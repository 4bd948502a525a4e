/* Differential testing: the rex86 side of a sequence. A bare Pentium II
 * guest at CPL 3 with flat segments and the shared layout (layout.h), its
 * tables, and one run of a sequence; shared by diff_host (against the host
 * CPU) and tests/jit/diff_jit (interpreter against JIT). */
#ifndef REX86_DIFF_GUEST_H
#define REX86_DIFF_GUEST_H

#include <stdint.h>

#include "layout.h"

struct machine;

/* Guest-only tables, above the shared layout: GDT, TSS, the ring-0 stack
 * faults are delivered on, IDT and one stub per vector. */
#define G_GDT      0x00130000u
#define G_TSS      0x00131000u
#define G_KSTACK   0x00133000u
#define G_IDT      0x00134000u
#define G_STUBS    0x00135000u
#define G_PD       0x00136000u
#define G_PT       0x00137000u
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UCODE  0x1B
#define SEL_UDATA  0x23
#define SEL_TSS    0x28
#define SEL_USCR   0x33 /* 4 KB user data on the scratch buffer (GUEST_FS_SCRATCH) */
#define STEP_LIMIT 200000

/* guest_run flags. */
#define GUEST_HLT_STOP                                                                                       \
    1u                       /* end at a HLT written at `stop` (#GP at CPL 3), not by watching EIP:          \
                                translated blocks run past any EIP the harness could watch */
#define GUEST_KEEP_CODE  2u  /* the same code as the last run: neither flushed nor rewritten */
#define GUEST_FS_SCRATCH 4u  /* FS = SEL_USCR instead of flat */
#define GUEST_CLEAR_LOW  8u  /* zero the low 64 KB first: 16-bit addresses through flat segments land there */
#define GUEST_PAGING     16u /* paging on: the first 2 MB identity-mapped by user pages (G_PD, G_PT) */

/* Run one sequence from the end of the native-only prologue to the
 * epilogue's stop, `steps` instructions at most; a fault lands in a ring-0
 * stub, whose frame gives the faulting EIP and the user ESP and EFLAGS. */
void guest_run(struct machine *m, const struct diff_case *dc, struct diff_result *res, unsigned flags,
               int64_t steps);

#endif

/* Differential testing against the host CPU: the memory layout and the pipe
 * protocol shared by the 64-bit harness and the 32-bit native runner. */
#ifndef REX86_DIFF_LAYOUT_H
#define REX86_DIFF_LAYOUT_H

#include <stdint.h>

/* Both sides place everything at the same linear addresses, so absolute
 * addresses in the generated code (moffs, disp32, CALL's return address)
 * mean the same thing natively and in the guest. Linux leaves the low
 * megabytes of a 32-bit process free; the guest has them as plain RAM. */
#define DIFF_CODE      0x00100000u
#define DIFF_CODE_SIZE 0x4000u
#define DIFF_DATA      0x00110000u
#define DIFF_DATA_SIZE 0x3000u
#define DIFF_MAP_SIZE  0x20000u /* code and data, one mapping natively */

/* The data block: a control page, the scratch buffer memory operands point
 * into, and the private stack. All but the control page's inputs and the
 * runner's own word is compared. */
#define DIFF_CTL          DIFF_DATA
#define DIFF_SCRATCH      (DIFF_DATA + 0x1000u)
#define DIFF_SCRATCH_SIZE 0x1000u
#define DIFF_STACK        (DIFF_DATA + 0x2000u)
#define DIFF_STACK_SIZE   0x1000u
#define DIFF_STACK_TOP    (DIFF_STACK + 0x800u) /* initial ESP: room both ways */

/* Offsets in the control page. */
#define CTL_INIT_REGS      0x000 /* 8 GPRs in EAX..EDI order, ESP included */
#define CTL_INIT_EFLAGS    0x020
#define CTL_HOST_ESP       0x024 /* the runner's ESP while the sequence runs */
#define CTL_OUT_REGS       0x040
#define CTL_OUT_EFLAGS     0x060
#define CTL_INIT_FX        0x200 /* FXRSTOR image (16-byte aligned) */
#define CTL_OUT_FX         0x400 /* FXSAVE image */
#define FX_SIZE            512
#define CTL_ENV_SLOTS      0x600 /* FNSTENV/FNSAVE images, compared with masks */
#define CTL_ENV_SLOT_SIZE  112
#define CTL_ENV_SLOT_COUNT 8

/* One sequence from the harness to the runner. The code holds a prologue
 * (its first `entry` bytes are native only: they save the runner's
 * registers), the random body, and an epilogue that stores the state into
 * the control page; the guest stops at `stop`, where the native code goes
 * back to the runner. */
#define DIFF_MAGIC 0x46464944u /* "DIFF" */
struct diff_case {
    uint32_t magic;
    uint32_t code_len;
    uint32_t entry;
    uint32_t stop;
    uint8_t code[DIFF_CODE_SIZE];
    uint8_t data[DIFF_DATA_SIZE];
};

/* The runner's answer: the data block after the run, and how it ended. On
 * a fault, the control page's output registers hold the state at the
 * faulting instruction and `vector` the exception (trap number). */
#define DIFF_VEC_TIMEOUT 258 /* the native run did not end */
struct diff_result {
    uint32_t magic;
    int32_t vector; /* -1: ran to the end */
    uint32_t fault_eip;
    uint32_t pad;
    uint8_t data[DIFF_DATA_SIZE];
};

#endif

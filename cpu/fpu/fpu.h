/* x87 FPU and MMX state held in struct cpu, and the FPU's entry points for
 * the rest of the machine. The arithmetic lives in the other cpu/fpu files. */
#ifndef REX86_FPU_H
#define REX86_FPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;
struct machine;

/* One 80-bit register: explicit-integer-bit significand, sign in bit 15 of
 * se above the 15-bit biased exponent (SDM 1 §4.2.2, figure 4-3). */
struct fx80 {
    uint64_t sig;
    uint16_t se;
};

/* Status word bits (SDM 1 §8.1.3). */
#define FSW_IE  0x0001u
#define FSW_DE  0x0002u
#define FSW_ZE  0x0004u
#define FSW_OE  0x0008u
#define FSW_UE  0x0010u
#define FSW_PE  0x0020u
#define FSW_SF  0x0040u
#define FSW_ES  0x0080u
#define FSW_C0  0x0100u
#define FSW_C1  0x0200u
#define FSW_C2  0x0400u
#define FSW_TOP 0x3800u
#define FSW_C3  0x4000u
#define FSW_B   0x8000u
#define FSW_EXC 0x003Fu
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* Tag values (SDM 1 §8.1.7). */
enum { FTAG_VALID = 0, FTAG_ZERO = 1, FTAG_SPECIAL = 2, FTAG_EMPTY = 3 };

struct fpu {
    struct fx80 st[8]; /* physical registers R0-R7; ST(i) is R((TOP+i)&7);
                          MMX register n is the significand of R(n) */
    uint16_t cw;       /* control word */
    uint16_t sw;       /* status word, TOP in bits 11-13 */
    uint16_t tw;       /* tag word, two bits per physical register */
    uint16_t fop;      /* last opcode: low 3 bits of the first byte, ModRM */
    uint32_t fip, fdp; /* last instruction and operand offsets */
    uint16_t fcs, fds; /* and their selectors */
    bool ferr;         /* FERR# drives IRQ 13 (CR0.NE=0, SDM 1 §D.2) */
    bool ignne;        /* IGNNE# after a write to port F0h */
};

/* Power-on/RESET state (SDM 3A §9.1.1, table 9-1). */
void fpu_reset(struct cpu *c);
/* FNINIT. */
void fpu_init_state(struct cpu *c);
/* Whether this CPU model has an FPU (the 486 and later integrate one). */
bool fpu_present(const struct cpu *c);
/* Register port F0h (clear FERR#/IRQ 13 latch) on the bus; called from the
 * machine's device wiring after the PIC. Returns 0 or a negative error. */
int fpu_ports_init(struct machine *m);

#endif

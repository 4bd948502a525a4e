/* The one decoder: bytes -> struct insn, driven by cpu/opcodes.def. The
 * interpreter and the JIT both use it. */
#ifndef REX86_DECODE_H
#define REX86_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct insn;
typedef void (*op_fn)(struct cpu *c, const struct insn *i);

/* Operand formats: whether a ModRM byte follows and which immediates. */
enum {
    FMT_NONE,
    FMT_M,    /* ModRM */
    FMT_M_B,  /* ModRM, imm8 */
    FMT_M_BS, /* ModRM, imm8 sign-extended to the operand size */
    FMT_M_V,  /* ModRM, imm16/32 by operand size */
    FMT_B,    /* imm8 */
    FMT_BS,   /* imm8 sign-extended */
    FMT_W,    /* imm16 */
    FMT_V,    /* imm16/32 by operand size */
    FMT_JB,   /* rel8, sign-extended into imm */
    FMT_JV,   /* rel16/32 by operand size, sign-extended into imm */
    FMT_A,    /* moffs16/32 by address size, into disp */
    FMT_P,    /* far pointer: offset16/32 in imm, selector in imm2 */
    FMT_WB,   /* imm16 in imm, imm8 in imm2 (ENTER) */
};

/* Attributes. */
#define A_LOCK   0x0001u /* LOCK allowed (with a memory destination) */
#define A_MEM    0x0002u /* ModRM must name memory, else #UD */
#define A_REG    0x0004u /* ModRM mod field ignored: always a register */
#define A_STRING 0x0008u /* REP prefixes apply */
#define A_BRANCH 0x0010u /* may change EIP or the mode: ends a block */
#define A_FPU    0x0020u /* x87 escape */
#define A_PM     0x0040u /* #UD in real and V86 mode */
#define A_UNDOC  0x0080u /* undocumented form */
#define A_GROUP  0x0100u /* ModRM reg selects the row (set by the table builder) */
#define A_MODREG 0x0200u /* ModRM must name a register, else invalid (#UD): MMX shifts by imm8 */

struct opinfo {
    const char *mnem;
    op_fn fn;
    uint8_t fmt;
    uint8_t model; /* oldest enum cpu_model that has it */
    uint16_t attr;
};

#define NO_REG 0xFF

struct insn {
    const struct opinfo *info;
    uint16_t op;   /* 0x00-0xFF, 0x100 + xx for 0F xx */
    uint8_t len;   /* total length including prefixes */
    uint8_t modrm; /* raw ModRM byte when present */
    uint8_t mod, reg, rm;
    bool os32, as32; /* effective operand and address size is 32 bits */
    bool lock;
    uint8_t rep;                /* 0, 0xF2 or 0xF3 */
    uint8_t seg;                /* segment override prefix, or S_NONE */
    uint8_t ea_seg;             /* segment of the memory operand (override applied) */
    uint8_t base, index, scale; /* EA parts: NO_REG when absent */
    int32_t disp;
    uint32_t imm, imm2;
};

#define DECODE_MAX_LEN 15

/* Decode from buf (avail bytes). def32: the code segment's D bit. Returns the
 * length, or 0 if more bytes than avail are needed, or -1 when the
 * instruction exceeds the architectural length limit (#GP). An unknown opcode
 * decodes with info->fn == op_ud. */
int decode_insn(struct insn *i, const uint8_t *buf, int avail, bool def32, enum cpu_model model);

/* The table rows, for tools (capstone cross-check, disassembly). */
const struct opinfo *decode_lookup(int code, int reg, enum cpu_model model);
bool decode_has_group(int code);

/* Every op_* handler, declared from the table. */
#define OP(code, mnem, fn, fmt, model, attr)       void fn(struct cpu *c, const struct insn *i);
#define GRP(code, reg, mnem, fn, fmt, model, attr) void fn(struct cpu *c, const struct insn *i);
#include "cpu/opcodes.def"
#undef OP
#undef GRP
void op_ud(struct cpu *c, const struct insn *i);

#endif

/* Differential testing: the generator's insides shared by gen.c (integer
 * groups, initial state, the sequence) and gen_fp.c (x87 and MMX groups). */
#ifndef REX86_DIFF_GEN_PRIV_H
#define REX86_DIFF_GEN_PRIV_H

#include <string.h>

#include "gen.h"

#define FL_CF   0x001u
#define FL_PF   0x004u
#define FL_AF   0x010u
#define FL_ZF   0x040u
#define FL_SF   0x080u
#define FL_DF   0x400u
#define FL_OF   0x800u
#define FL_ALL  (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FS_C0   0x0100u
#define FS_C1   0x0200u
#define FS_C2   0x0400u
#define FS_C3   0x4000u
#define FS_CC   (FS_C0 | FS_C1 | FS_C2 | FS_C3)
#define FS_C023 (FS_C0 | FS_C2 | FS_C3)

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* The largest group (one instruction with its setup) is well under this, so
 * a short forward branch closed after this many bytes always fits rel8. */
#define BRANCH_SPAN 60
#define STACK_SLACK 1024

#define GEN_SMC_SLOTS 8

struct gen {
    uint8_t *code;
    uint32_t len;
    uint64_t rng;
    enum gen_class cls;
    bool jit;        /* GEN_F_JIT: the groups of gen_jit.c too */
    uint32_t undef;  /* EFLAGS bits undefined now */
    uint16_t fundef; /* x87 condition codes undefined now */
    int32_t depth;   /* bytes pushed below DIFF_STACK_TOP */
    /* Code offsets of immediates self-modifying code may rewrite. */
    uint32_t smc[GEN_SMC_SLOTS];
    int nsmc;
    /* A forward branch whose target is not placed yet. */
    struct gen_seq *seq; /* for the memory masks */
    bool br_on;
    uint8_t br_width;
    uint32_t br_patch, br_from;
    int br_groups;
    uint32_t br_undef;
    uint16_t br_fundef;
};

/* --- randomness (xorshift64*, seeded by splitmix64) ---------------------- */

static inline uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t rnd(struct gen *g)
{
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return g->rng * 0x2545F4914F6CDD1Dull;
}

static inline uint32_t rn(struct gen *g, uint32_t n)
{
    return (uint32_t)((rnd(g) >> 32) % n);
}
static inline bool chance(struct gen *g, uint32_t pct)
{
    return rn(g, 100) < pct;
}

/* --- code emission -------------------------------------------------------- */

static inline void b1(struct gen *g, uint32_t v)
{
    if (g->len < DIFF_CODE_SIZE)
        g->code[g->len++] = (uint8_t)v;
}
static inline void b2(struct gen *g, uint32_t v)
{
    b1(g, v);
    b1(g, v >> 8);
}
static inline void b4(struct gen *g, uint32_t v)
{
    b2(g, v);
    b2(g, v >> 16);
}
static inline void imm(struct gen *g, uint32_t v, int size)
{
    if (size == 1)
        b1(g, v);
    else if (size == 2)
        b2(g, v);
    else
        b4(g, v);
}
static inline void o16(struct gen *g, int size)
{
    if (size == 2)
        b1(g, 0x66);
}
static inline void mov_r32(struct gen *g, int r, uint32_t v)
{
    b1(g, 0xB8 + (uint32_t)r);
    b4(g, v);
}

/* Flags the instruction writes, and which of them it leaves undefined. */
static inline void flags(struct gen *g, uint32_t written, uint32_t undefined)
{
    g->undef = (g->undef & ~written) | undefined;
}
static inline void fflags(struct gen *g, uint16_t written, uint16_t undefined)
{
    g->fundef = (uint16_t)((g->fundef & ~written) | undefined);
}

/* Before an instruction that reads flags: make the ones it reads defined
 * with a CMP, which writes all six. */
static inline void need_flags(struct gen *g, uint32_t mask)
{
    if (!(g->undef & mask))
        return;
    b1(g, 0x83);
    b1(g, 0xF8 | rn(g, 8));
    b1(g, rn(g, 256));
    g->undef = 0;
}

/* Which flags condition code cc (Jcc/SETcc/CMOVcc) reads. */
static inline uint32_t cc_flags(int cc)
{
    static const uint32_t f[8] = {FL_OF, FL_CF, FL_ZF,         FL_CF | FL_ZF,
                                  FL_SF, FL_PF, FL_SF | FL_OF, FL_ZF | FL_SF | FL_OF};
    return f[(cc >> 1) & 7];
}

static inline double rdouble(struct gen *g, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(rnd(g) >> 11) / 9007199254740992.0);
}

enum { M_ABS, M_BASE, M_SIB, M_NOBASE, M_STACK };

struct opnd {
    uint32_t addr; /* the address a memory operand names */
    bool mem;
    int reg;
    int form, base, index, scale, dsize;
    int32_t disp;
};

uint32_t gen_rval(struct gen *g);
struct opnd gen_mem(struct gen *g, int size, uint32_t avoid);
struct opnd gen_rm(struct gen *g, int size, bool write, uint32_t avoid, int mem_pct);
void gen_seg_prefix(struct gen *g, const struct opnd *o, bool write);
void gen_modrm(struct gen *g, int regf, const struct opnd *o);
void gen_int(struct gen *g);
void gen_x87(struct gen *g, bool trans);
void gen_mmx(struct gen *g);
void gen_jit_extra(struct gen *g);
void gen_rand_fx80(struct gen *g, uint8_t *p);

static inline void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

#endif

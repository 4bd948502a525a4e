/* The x87 register stack, tags and exception reporting shared by the
 * instruction handlers in cpu/fpu (fpu_ops.c, fpu_ldst.c, fpu_env.c, mmx.c). */
#ifndef REX86_FPU_OPS_H
#define REX86_FPU_OPS_H

#include "cpu/cpu_priv.h"
#include "cpu/fpu/fpu_fast.h"

static inline int fpu_top(const struct cpu *c)
{
    return (c->fpu.sw >> 11) & 7;
}
static inline void fpu_set_top(struct cpu *c, int t)
{
    c->fpu.sw = (uint16_t)((c->fpu.sw & ~FSW_TOP) | ((t & 7) << 11));
}
static inline int fpu_phys(const struct cpu *c, int i)
{
    return (fpu_top(c) + i) & 7;
}
static inline int fpu_tag(const struct cpu *c, int phys)
{
    return (c->fpu.tw >> (2 * phys)) & 3;
}
static inline void fpu_set_tag(struct cpu *c, int phys, int tag)
{
    c->fpu.tw = (uint16_t)((c->fpu.tw & ~(3u << (2 * phys))) | ((unsigned)tag << (2 * phys)));
}
static inline bool fpu_empty(const struct cpu *c, int i)
{
    return fpu_tag(c, fpu_phys(c, i)) == FTAG_EMPTY;
}
static inline struct fx80 fpu_st(const struct cpu *c, int i)
{
    return c->fpu.st[fpu_phys(c, i)];
}

/* The tag a value gets when written (SDM 1 §8.1.7): fx_classify's answer,
 * reduced to the three tags. The register-stack helpers below are inline:
 * every x87 instruction runs several of them. */
static inline int fpu_tag_of(struct fx80 v)
{
    if (fx_is_normal(v))
        return FTAG_VALID;
    return !(v.se & 0x7FFF) && !v.sig ? FTAG_ZERO : FTAG_SPECIAL;
}

static inline void fpu_write_st(struct cpu *c, int i, struct fx80 v)
{
    int p = fpu_phys(c, i);
    c->fpu.st[p] = v;
    fpu_set_tag(c, p, fpu_tag_of(v));
}

static inline void fpu_push(struct cpu *c, struct fx80 v)
{
    fpu_set_top(c, fpu_top(c) - 1);
    fpu_write_st(c, 0, v);
}

static inline void fpu_pop(struct cpu *c)
{
    fpu_set_tag(c, fpu_top(c), FTAG_EMPTY);
    fpu_set_top(c, fpu_top(c) + 1);
}

/* The operation environment from the control word. */
static inline struct fx_ctx fpu_ctx(const struct cpu *c)
{
    static const uint8_t prec[4] = {24, 64, 53, 64}; /* PC 01 is reserved */
    struct fx_ctx x = {(uint8_t)((c->fpu.cw >> 10) & 3), prec[(c->fpu.cw >> 8) & 3],
                       (uint16_t)(c->fpu.cw & 0x3F), 0, false};
    return x;
}
/* Merge an operation's flags into the status word and set C1 from its
 * rounding. Returns false when an unmasked exception forbids writing the
 * result: IE, DE, ZE always, OE and UE too for a memory destination. */
bool fpu_commit_slow(struct cpu *c, uint16_t flags, bool up, bool mem_dest);
static inline bool fpu_commit(struct cpu *c, const struct fx_ctx *x, bool mem_dest)
{
    struct fpu *f = &c->fpu;
    /* Nothing unmasked before or after, ES, B and FERR# clear: the flags
     * and C1 go in and fpu_update_es would change nothing. */
    if (!((x->flags | f->sw) & ~f->cw & FSW_EXC) && !(f->sw & (FSW_ES | FSW_B)) && !f->ferr) {
        f->sw = (uint16_t)((f->sw & ~FSW_C1) | x->flags | (x->up ? FSW_C1 : 0));
        return true;
    }
    return fpu_commit_slow(c, x->flags, x->up, mem_dest);
}
/* Recompute ES/B from the flags and masks, driving FERR# as needed. */
void fpu_update_es(struct cpu *c);
/* Stack underflow (reading an empty register) and overflow (pushing onto a
 * full one): IE+SF with C1 = 0 or 1. Return true when IE is masked and the
 * masked response (the indefinite) should proceed. */
bool fpu_underflow(struct cpu *c);
bool fpu_overflow(struct cpu *c);
/* A waiting instruction with an unmasked exception pending: #MF when
 * CR0.NE=1, else FERR# (IRQ 13) and a freeze until IGNNE#. Returns false
 * when the instruction must not run yet (it will be retried). */
bool fpu_check_pending(struct cpu *c);

/* Memory operands: offset k bytes after the effective address. */
uint32_t fpu_ea_add(const struct insn *i, uint32_t ea, uint32_t k);
uint64_t fpu_read64(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_write64(struct cpu *c, const struct insn *i, uint32_t ea, uint64_t v);
struct fx80 fpu_read80(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_write80(struct cpu *c, const struct insn *i, uint32_t ea, struct fx80 v);

/* Push a value that raised nothing: with ST(7) free (else false, for the
 * general path) the commit only clears C1, and the tag is the value's. */
static inline bool fpu_push_exact(struct cpu *c, struct fx80 v)
{
    struct fpu *f = &c->fpu;
    unsigned sw = f->sw, tw = f->tw, pn = ((sw >> 11) - 1) & 7;
    if (((tw >> (2 * pn)) & 3) != FTAG_EMPTY)
        return false;
    f->st[pn] = v;
    f->tw = (uint16_t)((tw & ~(3u << (2 * pn))) | (unsigned)fpu_tag_of(v) << (2 * pn));
    f->sw = (uint16_t)((sw & ~(FSW_TOP | FSW_C1)) | pn << 11);
    return true;
}

/* Handlers by escape byte (fpu_ldst.c, fpu_env.c). */
void fpu_fld_f32(struct cpu *c, uint32_t v);
void fpu_fld_f64(struct cpu *c, uint64_t v);
void fpu_fild(struct cpu *c, int64_t v);
void fpu_store_float(struct cpu *c, const struct insn *i, uint32_t ea, int size, bool pop);
void fpu_store_int(struct cpu *c, const struct insn *i, uint32_t ea, int bits, bool pop);
void fpu_load_store_mem(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_int_mem(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_fldenv(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_fstenv(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_frstor(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_fsave(struct cpu *c, const struct insn *i, uint32_t ea);
void fpu_fldcw(struct cpu *c, uint16_t cw);
void fpu_fclex(struct cpu *c);

#endif

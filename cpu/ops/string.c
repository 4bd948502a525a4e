/* String instructions with REP/REPE/REPNE. A repeated instruction runs in
 * bounded chunks: registers are updated every iteration so a fault or an
 * interrupt between chunks resumes exactly where it stopped. */
#include "cpu/cpu_priv.h"

#define REP_CHUNK 4096

struct strctx {
    uint32_t amask;
    int32_t delta;
    int size;
    int src_seg;
};

static inline void str_init(struct cpu *c, const struct insn *i, struct strctx *s)
{
    s->size = insn_bsize(i);
    s->amask = i->as32 ? 0xFFFFFFFFu : 0xFFFFu;
    s->delta = (c->eflags & F_DF) ? -s->size : s->size;
    s->src_seg = i->seg != S_NONE ? i->seg : S_DS;
}

static inline uint32_t areg(struct cpu *c, int n, const struct strctx *s)
{
    return c->regs.r32[n] & s->amask;
}

static inline void areg_add(struct cpu *c, int n, const struct strctx *s)
{
    if (s->amask == 0xFFFFFFFFu)
        c->regs.r32[n] += (uint32_t)s->delta;
    else
        CPU_R16(c, n) = (uint16_t)(CPU_R16(c, n) + s->delta);
}

static inline uint32_t count_get(struct cpu *c, const struct strctx *s)
{
    return c->ECX & s->amask;
}

static inline void count_dec(struct cpu *c, const struct strctx *s)
{
    if (s->amask == 0xFFFFFFFFu)
        c->ECX--;
    else
        CPU_R16(c, R_ECX)--;
}

/* The 286 advances the index register before it notices that a word at
 * offset FFFF overruns the segment (measured by the conformance vectors). */
static inline bool overrun_286(struct cpu *c, int seg, int reg, const struct strctx *s)
{
    return c->model == CPU_286 && s->size == 2 && areg(c, reg, s) > c->seg[seg].limit - 1;
}

static inline void str_access_286(struct cpu *c, int seg, int reg, const struct strctx *s)
{
    if (overrun_286(c, seg, reg, s)) {
        areg_add(c, reg, s);
        cpu_exception(c, EXC_GP, 0);
    }
}

/* Two-operand forms: MOVS has advanced SI and CMPS has advanced DI when an
 * overrun of either operand is reported. */
static inline void str_pair_286(struct cpu *c, int src_seg, int adv_reg, const struct strctx *s)
{
    if (overrun_286(c, src_seg, R_ESI, s) || overrun_286(c, S_ES, R_EDI, s)) {
        areg_add(c, adv_reg, s);
        cpu_exception(c, EXC_GP, 0);
    }
}

/* Run body up to REP_CHUNK times; re-executes the instruction if work is
 * left (eip back at its start). cmp: 0 none, else the REPE/REPNE test. */
#define REP_LOOP(c, i, s, body, is_cmp)                                                                      \
    do {                                                                                                     \
        if (!(i)->rep) {                                                                                     \
            body;                                                                                            \
            break;                                                                                           \
        }                                                                                                    \
        int n_ = 0;                                                                                          \
        while (count_get(c, s)) {                                                                            \
            body;                                                                                            \
            count_dec(c, s);                                                                                 \
            if ((is_cmp) && (cpu_cond(c, 4) != ((i)->rep == 0xF3)))                                          \
                break;                                                                                       \
            if (++n_ >= REP_CHUNK) {                                                                         \
                if (count_get(c, s))                                                                         \
                    (c)->eip = (c)->insn_eip;                                                                \
                break;                                                                                       \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

void op_movs(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    REP_LOOP(
        c, i, &s,
        {
            str_pair_286(c, s.src_seg, R_ESI, &s);
            uint32_t v = cpu_read(c, s.src_seg, areg(c, R_ESI, &s), s.size);
            cpu_write(c, S_ES, areg(c, R_EDI, &s), v, s.size);
            areg_add(c, R_ESI, &s);
            areg_add(c, R_EDI, &s);
        },
        0);
}

void op_stos(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    uint32_t v = reg_read(c, R_EAX, s.size);
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, S_ES, R_EDI, &s);
            cpu_write(c, S_ES, areg(c, R_EDI, &s), v, s.size);
            areg_add(c, R_EDI, &s);
        },
        0);
}

void op_lods(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, s.src_seg, R_ESI, &s);
            reg_write(c, R_EAX, cpu_read(c, s.src_seg, areg(c, R_ESI, &s), s.size), s.size);
            areg_add(c, R_ESI, &s);
        },
        0);
}

void op_cmps(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    uint32_t m = size_mask(s.size);
    REP_LOOP(
        c, i, &s,
        {
            str_pair_286(c, s.src_seg, R_EDI, &s);
            uint32_t a = cpu_read(c, s.src_seg, areg(c, R_ESI, &s), s.size);
            uint32_t b = cpu_read(c, S_ES, areg(c, R_EDI, &s), s.size);
            lf_set(c, LF_SUB, a, b, (a - b) & m, s.size);
            areg_add(c, R_ESI, &s);
            areg_add(c, R_EDI, &s);
        },
        1);
}

void op_scas(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    uint32_t m = size_mask(s.size);
    uint32_t a = reg_read(c, R_EAX, s.size);
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, S_ES, R_EDI, &s);
            uint32_t b = cpu_read(c, S_ES, areg(c, R_EDI, &s), s.size);
            lf_set(c, LF_SUB, a, b, (a - b) & m, s.size);
            areg_add(c, R_EDI, &s);
        },
        1);
}

void op_ins(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    uint16_t port = CPU_R16(c, R_EDX);
    cpu_check_io(c, port, s.size);
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, S_ES, R_EDI, &s);
            /* Probe the destination first so a fault loses no input. */
            cpu_write(c, S_ES, areg(c, R_EDI, &s), 0, s.size);
            uint32_t v = bus_io_read(c->m, port, s.size);
            cpu_write(c, S_ES, areg(c, R_EDI, &s), v, s.size);
            areg_add(c, R_EDI, &s);
        },
        0);
}

void op_outs(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    uint16_t port = CPU_R16(c, R_EDX);
    cpu_check_io(c, port, s.size);
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, s.src_seg, R_ESI, &s);
            uint32_t v = cpu_read(c, s.src_seg, areg(c, R_ESI, &s), s.size);
            bus_io_write(c->m, port, v, s.size);
            areg_add(c, R_ESI, &s);
        },
        0);
}

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
        reg16_write(c, n, c->regs.r32[n] + (uint32_t)s->delta);
}

static inline uint32_t count_get(struct cpu *c, const struct strctx *s)
{
    return c->ECX & s->amask;
}

static inline void count_sub(struct cpu *c, const struct strctx *s, uint32_t n)
{
    if (s->amask == 0xFFFFFFFFu)
        c->ECX -= n;
    else
        reg16_write(c, R_ECX, c->ECX - n);
}

static inline void count_dec(struct cpu *c, const struct strctx *s)
{
    if (s->amask == 0xFFFFFFFFu)
        c->ECX--;
    else
        reg16_write(c, R_ECX, c->ECX - 1);
}

/* A word at offset FFFF overruns a 286 real-mode segment (interrupt 13).
 * The chip reports it late: every index register of the accesses made so
 * far, the faulting one included, has been advanced, and under REP CX has
 * already counted part of the element. The counts below are what the
 * conformance vectors measure on the chip. */
static inline bool overrun_286(struct cpu *c, int seg, int reg, const struct strctx *s)
{
    return c->model == CPU_286 && s->size == 2 && areg(c, reg, s) > c->seg[seg].limit - 1;
}

static void fault_286(struct cpu *c, const struct insn *i, const struct strctx *s, int adv1, int adv2,
                      int cx_dec)
{
    areg_add(c, adv1, s);
    if (adv2 >= 0)
        areg_add(c, adv2, s);
    if (i->rep)
        for (int k = 0; k < cx_dec; k++)
            count_dec(c, s);
    cpu_exception(c, EXC_GP, 0);
}

/* One-operand forms: reg is the index register, cx_dec the REP count. */
static inline void str_access_286(struct cpu *c, const struct insn *i, int seg, int reg,
                                  const struct strctx *s, int cx_dec)
{
    if (overrun_286(c, seg, reg, s))
        fault_286(c, i, s, reg, -1, cx_dec);
}

/* MOVS reads [SI] then writes [DI]; CMPS reads [DI] first, then [SI]. */
static inline void str_movs_286(struct cpu *c, const struct insn *i, const struct strctx *s)
{
    if (overrun_286(c, s->src_seg, R_ESI, s))
        fault_286(c, i, s, R_ESI, -1, 1);
    if (overrun_286(c, S_ES, R_EDI, s))
        fault_286(c, i, s, R_ESI, R_EDI, 2);
}

static inline void str_cmps_286(struct cpu *c, const struct insn *i, const struct strctx *s)
{
    if (overrun_286(c, S_ES, R_EDI, s))
        fault_286(c, i, s, R_EDI, -1, 0);
    if (overrun_286(c, s->src_seg, R_ESI, s))
        fault_286(c, i, s, R_EDI, R_ESI, 1);
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

/* REP MOVS and REP STOS, forward on the 386 and later, move whole runs of
 * elements at once where nothing can fault or needs the slow path (with
 * 16-bit addresses, runs end before an offset wraps at 64 KB). The result is that of the element-by-element
 * loop: the same registers after every chunk of REP_CHUNK elements, and an element that may fault, reach MMIO
 * or write a page holding translated code goes through cpu_read/cpu_write on its own, with the registers of
 * the elements before it already updated. */

/* How many whole elements, starting at off in seg, the segment allows for
 * the access without a fault and lie in one page the soft TLB maps to host
 * memory for it; *host points at the first. 0 when the first does not. */
static uint32_t bulk_span(struct cpu *c, int seg, uint32_t off, int size, bool write, uint8_t **host)
{
    const struct seg *s = &c->seg[seg];
    uint32_t last = s->limit - (uint32_t)(size - 1); /* the highest offset an element may start at */
    if (!(s->access & (write ? SEGA_WRITE : SEGA_READ)) || s->limit < 3 || off > last)
        return 0;
    uint32_t lin = s->base + off;
    const struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if ((write ? e->tag_w : e->tag_r) != (lin & ~0xFFFu))
        return 0;
    uint32_t n = (0x1000u - (lin & 0xFFFu)) / (uint32_t)size;
    uint32_t by_limit = (last - off) / (uint32_t)size + 1;
    *host = (uint8_t *)(e->addend + lin);
    return n < by_limit ? n : by_limit;
}

/* 32-bit and 16-bit addresses (SI, DI and CX, offsets wrapping at 64 KB);
 * the 8086 and 286 keep the element loop with their quirks. */
static bool rep_bulk_ok(const struct cpu *c, const struct insn *i, const struct strctx *s)
{
    return i->rep && s->delta > 0 && c->model >= CPU_386;
}

/* How many whole elements fit from offset off to the 64 KB wrap of a 16-bit
 * address (no limit with 32-bit addresses). */
static uint32_t before_wrap(uint32_t off, const struct strctx *s)
{
    return s->amask == 0xFFFFFFFFu ? 0xFFFFFFFFu : (0x10000u - off) / (uint32_t)s->size;
}

/* Advance an index register (ESI/EDI, or SI/DI with 16-bit addresses) by
 * a number of bytes. */
static void areg_add_n(struct cpu *c, int r, const struct strctx *s, uint32_t bytes)
{
    if (s->amask == 0xFFFFFFFFu)
        c->regs.r32[r] += bytes;
    else
        reg16_write(c, r, c->regs.r32[r] + bytes);
}

/* n more elements of a bulk run done: when the chunk's budget is spent,
 * end this execution and, with a count left, come back to the instruction. */
static bool chunk_spent(struct cpu *c, const struct strctx *s, uint32_t *budget, uint32_t n)
{
    *budget -= n;
    if (*budget)
        return false;
    if (count_get(c, s))
        c->eip = c->insn_eip;
    return true;
}

static void rep_movs_bulk(struct cpu *c, const struct strctx *s)
{
    uint32_t size = (uint32_t)s->size, budget = REP_CHUNK;
    uint32_t cx;
    while ((cx = count_get(c, s)) != 0) {
        uint32_t si = areg(c, R_ESI, s), di = areg(c, R_EDI, s);
        uint8_t *src, *dst;
        uint32_t n = bulk_span(c, s->src_seg, si, s->size, false, &src);
        if (n) {
            uint32_t nd = bulk_span(c, S_ES, di, s->size, true, &dst);
            n = nd < n ? nd : n;
            uint32_t w = before_wrap(si, s), wd = before_wrap(di, s);
            n = w < n ? w : n;
            n = wd < n ? wd : n;
        }
        if (n > cx)
            n = cx;
        if (n > budget)
            n = budget;
        if (n == 0) {
            uint32_t v = cpu_read(c, s->src_seg, si, s->size);
            cpu_write(c, S_ES, di, v, s->size);
            n = 1;
        } else if ((uintptr_t)dst + n * size <= (uintptr_t)src ||
                   (uintptr_t)src + n * size <= (uintptr_t)dst) {
            memcpy(dst, src, n * size);
        } else {
            /* Overlapping (also through two linear aliases of one page):
             * element by element, forward, as the chip does. */
            for (uint32_t k = 0; k < n * size; k += size) {
                uint32_t v; /* read all of the element, then write it */
                memcpy(&v, src + k, size);
                memcpy(dst + k, &v, size);
            }
        }
        areg_add_n(c, R_ESI, s, n * size);
        areg_add_n(c, R_EDI, s, n * size);
        count_sub(c, s, n);
        if (chunk_spent(c, s, &budget, n))
            return;
    }
}

static void rep_stos_bulk(struct cpu *c, const struct strctx *s, uint32_t v)
{
    uint32_t size = (uint32_t)s->size, budget = REP_CHUNK;
    /* The element as bytes: one memset when they are all the same. */
    bool uniform = size == 1 || (size == 2 ? (v & 0xFF) == (v >> 8 & 0xFF) : v == (v & 0xFF) * 0x01010101u);
    uint32_t cx;
    while ((cx = count_get(c, s)) != 0) {
        uint32_t di = areg(c, R_EDI, s);
        uint8_t *dst;
        uint32_t n = bulk_span(c, S_ES, di, s->size, true, &dst);
        if (n) {
            uint32_t w = before_wrap(di, s);
            n = w < n ? w : n;
        }
        if (n > cx)
            n = cx;
        if (n > budget)
            n = budget;
        if (n == 0) {
            cpu_write(c, S_ES, di, v, s->size);
            n = 1;
        } else if (uniform) {
            memset(dst, (int)(v & 0xFF), n * size);
        } else {
            for (uint32_t k = 0; k < n * size; k += size)
                memcpy(dst + k, &v, size);
        }
        areg_add_n(c, R_EDI, s, n * size);
        count_sub(c, s, n);
        if (chunk_spent(c, s, &budget, n))
            return;
    }
}

void op_movs(struct cpu *c, const struct insn *i)
{
    struct strctx s;
    str_init(c, i, &s);
    if (rep_bulk_ok(c, i, &s)) {
        rep_movs_bulk(c, &s);
        return;
    }
    REP_LOOP(
        c, i, &s,
        {
            str_movs_286(c, i, &s);
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
    if (rep_bulk_ok(c, i, &s)) {
        rep_stos_bulk(c, &s, v);
        return;
    }
    REP_LOOP(
        c, i, &s,
        {
            str_access_286(c, i, S_ES, R_EDI, &s, 2);
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
            str_access_286(c, i, s.src_seg, R_ESI, &s, 1);
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
            str_cmps_286(c, i, &s);
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
            str_access_286(c, i, S_ES, R_EDI, &s, 1);
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
            str_access_286(c, i, S_ES, R_EDI, &s, 2);
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
            str_access_286(c, i, s.src_seg, R_ESI, &s, 1);
            uint32_t v = cpu_read(c, s.src_seg, areg(c, R_ESI, &s), s.size);
            bus_io_write(c->m, port, v, s.size);
            areg_add(c, R_ESI, &s);
        },
        0);
}

/* CPU lifecycle and models: reset state, the model switch, EFLAGS with the
 * model's fixed bits, and the lazy-flag evaluator. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu_priv.h"

static const char *const model_names[] = {"8086", "186", "286", "386", "486", "pentium", "pentium2"};

int cpu_model_parse(const char *name, enum cpu_model *out)
{
    for (unsigned k = 0; k < sizeof(model_names) / sizeof(model_names[0]); k++) {
        if (!strcasecmp(name, model_names[k])) {
            *out = (enum cpu_model)k;
            return 0;
        }
    }
    static const struct {
        const char *alias;
        enum cpu_model model;
    } aliases[] = {{"8088", CPU_8086},   {"80186", CPU_186},          {"80286", CPU_286}, {"80386", CPU_386},
                   {"i386", CPU_386},    {"80486", CPU_486},          {"i486", CPU_486},  {"p5", CPU_PENTIUM},
                   {"p2", CPU_PENTIUM2}, {"pentium-ii", CPU_PENTIUM2}};
    for (unsigned k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++) {
        if (!strcasecmp(name, aliases[k].alias)) {
            *out = aliases[k].model;
            return 0;
        }
    }
    return -1;
}

const char *cpu_model_name(enum cpu_model model)
{
    return (unsigned)model < sizeof(model_names) / sizeof(model_names[0]) ? model_names[model] : "?";
}

void cpu_init(struct cpu *c, struct machine *m, enum cpu_model model)
{
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->model = model;
    c->tlb_cur = c->tlb[0];
    cpu_dcache_init(c);
}

void cpu_free(struct cpu *c)
{
    free(c->dcache);
    c->dcache = NULL;
}

void cpu_seg_update_access(struct cpu *c, int seg)
{
    struct seg *s = &c->seg[seg];
    if (cpu_real(c) || cpu_is_v86(c)) {
        s->access = SEGA_READ | SEGA_WRITE;
        return;
    }
    uint16_t f = s->flags;
    uint8_t a = 0;
    if ((f & SEGF_P) && (f & SEGF_S)) {
        if (f & SEGF_CODE) {
            if (f & 0x2) /* readable code */
                a = SEGA_READ;
        } else if (!(f & 0x4)) { /* expand-down data takes the slow path */
            a = SEGA_READ;
            if (f & 0x2)
                a |= SEGA_WRITE;
        }
    }
    /* A null selector in a data segment register faults on use. */
    if (seg != S_CS && seg != S_SS && (s->sel & ~3) == 0)
        a = 0;
    s->access = a;
}

void cpu_load_seg_real(struct cpu *c, int seg, uint16_t sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    /* Real mode keeps the cached limit and attributes (unreal mode), except
     * that the 8086 has nothing else. */
    if (c->model < CPU_286) {
        s->limit = 0xFFFF;
        s->flags = SEGF_P | SEGF_S | 0x2 | (seg == S_CS ? SEGF_CODE : 0);
    }
    cpu_seg_update_access(c, seg);
}

void cpu_reset(struct cpu *c)
{
    struct machine *m = c->m;
    enum cpu_model model = c->model;
    /* Keep MSR storage layout but clear values. */
    memset(&c->regs, 0, sizeof(c->regs));
    memset(&c->lf, 0, sizeof(c->lf));
    memset(c->seg, 0, sizeof(c->seg));
    memset(c->cr, 0, sizeof(c->cr));
    memset(c->dr, 0, sizeof(c->dr));
    memset(c->msr_index, 0, sizeof(c->msr_index));
    memset(c->msr_value, 0, sizeof(c->msr_value));
    c->m = m;
    c->model = model;
    c->eflags = 0x2;
    if (model < CPU_286)
        c->eflags |= 0xF000;
    c->cpl = 0;
    c->halted = false;
    c->nmi_pending = false;
    c->inhibit_irq = 0;
    c->trap_pending = false;
    c->exc_depth = 0;
    c->tsc = 0;
    if (model >= CPU_386)
        c->cr[0] = 0x60000010; /* CD, NW, ET */
    if (model == CPU_286)
        c->cr[0] = 0xFFF0; /* the MSW's unused bits read as ones */
    c->dr[6] = 0xFFFF0FF0;
    c->dr[7] = 0x400;
    for (int s = 0; s < 6; s++) {
        c->seg[s].limit = 0xFFFF;
        c->seg[s].flags = SEGF_P | SEGF_S | 0x2 | 0x1; /* present, data, writable, accessed */
        c->seg[s].sel = 0;
        c->seg[s].base = 0;
    }
    c->seg[S_CS].flags = SEGF_P | SEGF_S | SEGF_CODE | 0x2 | 0x1;
    /* The reset vector: CS=F000 (base FFFF0000 on the 386 and later, FF0000 on
     * the 286, F0000 on the 8086), IP=FFF0. */
    c->seg[S_CS].sel = 0xF000;
    if (model >= CPU_386)
        c->seg[S_CS].base = 0xFFFF0000u;
    else if (model == CPU_286)
        c->seg[S_CS].base = 0xFF0000u;
    else
        c->seg[S_CS].base = 0xF0000u;
    c->eip = 0xFFF0;
    if (model >= CPU_386)
        c->EDX = model >= CPU_PENTIUM2  ? 0x0652
                 : model == CPU_PENTIUM ? 0x0543
                 : model == CPU_486     ? 0x0480
                                        : 0x0308;
    c->idtr.base = 0;
    c->idtr.limit = 0x3FF;
    c->gdtr.base = 0;
    c->gdtr.limit = 0xFFFF;
    memset(&c->ldtr, 0, sizeof(c->ldtr));
    memset(&c->tr, 0, sizeof(c->tr));
    c->ldtr.limit = 0xFFFF;
    c->tr.limit = 0xFFFF;
    c->tr.flags = SEGF_P | 0x3; /* busy 16-bit TSS */
    for (int s = 0; s < 6; s++)
        cpu_seg_update_access(c, s);
    c->tlb_cur = c->tlb[0];
    cpu_tlb_flush(c);
    fpu_reset(c);
}

/* EFLAGS bits that exist on each model; the rest read as their fixed value. */
static uint32_t eflags_writable(const struct cpu *c)
{
    uint32_t w = F_CF | F_PF | F_AF | F_ZF | F_SF | F_TF | F_IF | F_DF | F_OF;
    if (c->model >= CPU_286 && !cpu_real(c))
        w |= F_IOPL | F_NT;
    if (c->model >= CPU_386) {
        w |= F_IOPL | F_NT | F_RF | F_VM;
        if (c->model == CPU_286)
            w &= ~(F_RF | F_VM);
    }
    if (c->model >= CPU_486)
        w |= F_AC | F_ID;
    if (c->model >= CPU_PENTIUM)
        w |= F_VIF | F_VIP;
    return w;
}

static uint32_t lazy_arith(const struct cpu *c)
{
    const struct lazy_flags *lf = &c->lf;
    int bits = 8 * lf->size;
    uint32_t msb = 1u << (bits - 1);
    uint32_t m = size_mask(lf->size);
    uint32_t res = lf->res & m, a = lf->a & m, b = lf->b & m;
    uint32_t f = szp_flags(res, lf->size);
    switch (lf->op) {
    case LF_ADD:
        if (((a & b) | ((a | b) & ~res)) & msb)
            f |= F_CF;
        if ((a ^ res) & (b ^ res) & msb)
            f |= F_OF;
        f |= (a ^ b ^ res) & F_AF;
        break;
    case LF_SUB:
        if (((~a & b) | ((~a | b) & res)) & msb)
            f |= F_CF;
        if ((a ^ b) & (a ^ res) & msb)
            f |= F_OF;
        f |= (a ^ b ^ res) & F_AF;
        break;
    case LF_LOGIC: break;
    case LF_INC:
        f |= c->eflags & F_CF;
        if (res == msb)
            f |= F_OF;
        if ((res & 0xF) == 0)
            f |= F_AF;
        break;
    case LF_DEC:
        f |= c->eflags & F_CF;
        if (res == msb - 1)
            f |= F_OF;
        if ((res & 0xF) == 0xF)
            f |= F_AF;
        break;
    case LF_RES: f |= c->eflags & (F_CF | F_OF | F_AF); break;
    default: break;
    }
    return f;
}

uint32_t cpu_get_eflags(struct cpu *c)
{
    if (c->lf.op == LF_NONE)
        return c->eflags;
    return (c->eflags & ~F_ARITH) | lazy_arith(c);
}

void cpu_flags_commit(struct cpu *c)
{
    if (c->lf.op != LF_NONE) {
        c->eflags = (c->eflags & ~F_ARITH) | lazy_arith(c);
        c->lf.op = LF_NONE;
    }
}

/* CF and OF of the lazy kinds that compute them, straight from the sign
 * bits of the operands and the result (the formulas of lazy_arith); no
 * masking is needed, only bit `msb` of each is looked at. */
static inline bool lazy_cf(const struct cpu *c, uint32_t msb)
{
    const struct lazy_flags *lf = &c->lf;
    uint32_t a = lf->a, b = lf->b, res = lf->res;
    switch (lf->op) {
    case LF_ADD: return (((a & b) | ((a | b) & ~res)) & msb) != 0;
    case LF_SUB: return (((~a & b) | ((~a | b) & res)) & msb) != 0;
    case LF_LOGIC: return false;
    default: return (c->eflags & F_CF) != 0; /* INC, DEC, RES */
    }
}

static inline bool lazy_of(const struct cpu *c, uint32_t msb)
{
    const struct lazy_flags *lf = &c->lf;
    uint32_t a = lf->a, b = lf->b, res = lf->res;
    switch (lf->op) {
    case LF_ADD: return ((a ^ res) & (b ^ res) & msb) != 0;
    case LF_SUB: return ((a ^ b) & (a ^ res) & msb) != 0;
    case LF_LOGIC: return false;
    case LF_INC: return (res & (2 * msb - 1)) == msb;
    case LF_DEC: return (res & (2 * msb - 1)) == msb - 1;
    default: return (c->eflags & F_OF) != 0; /* RES */
    }
}

bool cpu_get_cf(struct cpu *c)
{
    const struct lazy_flags *lf = &c->lf;
    if (lf->op == LF_NONE || lf->op > LF_RES)
        return (cpu_get_eflags(c) & F_CF) != 0;
    return lazy_cf(c, 1u << (8 * lf->size - 1));
}

bool cpu_get_of(struct cpu *c)
{
    const struct lazy_flags *lf = &c->lf;
    if (lf->op == LF_NONE || lf->op > LF_RES)
        return (cpu_get_eflags(c) & F_OF) != 0;
    return lazy_of(c, 1u << (8 * lf->size - 1));
}

void cpu_set_eflags(struct cpu *c, uint32_t value, uint32_t mask)
{
    cpu_flags_commit(c);
    uint32_t old = c->eflags;
    mask &= eflags_writable(c);
    uint32_t v = (c->eflags & ~mask) | (value & mask);
    v |= 0x2;
    v &= ~(0x8u | 0x20u | 0x8000u);
    if (c->model < CPU_286)
        v |= 0xF000;
    else if (c->model == CPU_286 && cpu_real(c))
        v &= ~0xF000u;
    c->eflags = v;
    if ((old ^ v) & (F_VM | F_IOPL | F_TF | F_AC))
        cpu_update_hflags(c);
}

/* A Jcc/SETcc/CMOVcc condition. Called by translated code for every
 * condition it cannot take from host flags, so it computes only the flags
 * the condition reads, never the whole of EFLAGS. */
bool cpu_cond(struct cpu *c, int cc)
{
    const struct lazy_flags *lf = &c->lf;
    bool r;
    if (lf->op == LF_NONE || lf->op > LF_RES) {
        uint32_t f = cpu_get_eflags(c);
        switch (cc >> 1) {
        case 0: r = f & F_OF; break;
        case 1: r = f & F_CF; break;
        case 2: r = f & F_ZF; break;
        case 3: r = f & (F_CF | F_ZF); break;
        case 4: r = f & F_SF; break;
        case 5: r = f & F_PF; break;
        case 6: r = !(f & F_SF) != !(f & F_OF); break;
        default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
        }
        return (cc & 1) ? !r : r;
    }
    uint32_t msb = 1u << (8 * lf->size - 1);
    uint32_t res = lf->res & (2 * msb - 1);
    bool zf = res == 0, sf = (res & msb) != 0;
    switch (cc >> 1) {
    case 0: r = lazy_of(c, msb); break;
    case 1: r = lazy_cf(c, msb); break;
    case 2: r = zf; break;
    case 3: r = zf || lazy_cf(c, msb); break;
    case 4: r = sf; break;
    case 5: r = parity_flag(res) != 0; break;
    case 6: r = sf != lazy_of(c, msb); break;
    default: r = zf || sf != lazy_of(c, msb); break;
    }
    return (cc & 1) ? !r : r;
}

bool cpu_pe(const struct cpu *c)
{
    return (c->cr[0] & CR0_PE) != 0;
}
bool cpu_v86(const struct cpu *c)
{
    return (c->eflags & F_VM) != 0;
}

void cpu_set_intr(struct cpu *c, bool level)
{
    c->intr_line = level;
    /* Taken at the next instruction boundary: a translated block that
     * raised it (an OUT, an APIC write) leaves after that instruction. */
    if (level)
        c->jit_exit = 1;
}

void cpu_raise_nmi(struct cpu *c)
{
    c->nmi_pending = true;
    c->jit_exit = 1;
}

/* Differential testing, interpreter against JIT: random protected-mode
 * sequences from the diff-host generator (tests/diff/gen.c, with the
 * guest-only groups of gen_jit.c: 16-bit addressing, segment loads, SMC,
 * indirect branches, late faults), each body wrapped in a loop so its
 * blocks get hot, run on two bare machines -- one interpreting, one
 * translating (twice: fresh, then with its blocks cached) -- with paging
 * off or on (identity-mapped user pages, whose A and D bits are compared
 * too), and the complete end states compared: GPRs, EFLAGS with only the
 * undefined bits masked, segment registers, the exception frame, the x87
 * image and every byte of RAM. A seed and an index reproduce any failure;
 * the shortest failing prefix of the body is printed with it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_priv.h"
#include "devices/board/machine.h"
#include "translator/jit.h"
#include "diff_cmp.h"
#include "gen.h"
#include "guest.h"

#define SKIP_CODE 77
#define RAM_MB    2
/* Control-page slots of the loop (past the FNSTENV/FNSAVE slots). */
#define CTL_LOOP     GEN_CTL_LOOP
#define CTL_ECX_SAVE 0xA04
#define MAX_ITERS    40
/* The longest a looped sequence may run: iterations x body, and a margin. */
#define LOOP_STEPS ((int64_t)STEP_LIMIT * 8)

struct options {
    uint64_t seed;
    uint32_t count, first;
    int64_t index;
    int max_fail;
    uint32_t iters; /* the most loop iterations */
    int paging;     /* 0 off, 1 on, 2 every other sequence (by the seed) */
    enum gen_class only;
    bool verbose;
};

struct engines {
    struct machine *interp, *jit;
    bool paging; /* this sequence runs with paging on */
};

/* --- the sequence ------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* How many times sequence `index` runs its body: often once or a few
 * times, else up to `max` (hot enough to be translated and chained). */
static uint32_t pick_iters(uint64_t seed, uint32_t index, uint32_t max)
{
    uint64_t r = mix(mix(seed ^ 0x4C4F4F50ull) + index);
    uint32_t k = (uint32_t)(r % 4);
    if (max <= 1 || k == 0)
        return 1;
    uint32_t few = 2 + (uint32_t)((r >> 8) % 3);
    if (k == 1)
        return few < max ? few : max;
    return 1 + (uint32_t)((r >> 16) % max);
}

static uint32_t put(uint8_t *c, uint32_t p, const uint8_t *b, uint32_t n)
{
    memcpy(c + p, b, n);
    return p + n;
}

static uint32_t put_modrm_abs(uint8_t *c, uint32_t p, uint8_t op, uint8_t modrm, uint32_t addr)
{
    uint8_t b[6] = {
        op, modrm, (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16), (uint8_t)(addr >> 24)};
    return put(c, p, b, 6);
}

/* Wrap the body in a loop of `n` iterations. Each pass after the first
 * starts from the registers and memory the last one left, with ESP, EFLAGS
 * and the x87 reloaded from the initial state (so no pass reads a flag or
 * condition code the last one left undefined). The counter lives in the
 * control page and is stepped with MOV, LEA and JECXZ, which leave the
 * flags alone, so the last pass's flags reach the epilogue. */
static void make_loop(struct gen_seq *s, uint32_t n)
{
    uint8_t *c = s->dc.code;
    uint8_t epi[128];
    uint32_t epi_len = s->dc.stop - s->body_end;
    memcpy(epi, c + s->body_end, epi_len);
    uint32_t p = s->body_end;
    const uint32_t ctl = DIFF_CTL;
    if (p + 64 + epi_len + 1 > DIFF_CODE_SIZE) {
        fprintf(stderr, "diff_jit: a sequence too long to loop (%u bytes)\n", p);
        exit(2);
    }
    p = put_modrm_abs(c, p, 0x89, 0x0D, ctl + CTL_ECX_SAVE); /* mov [save], ecx */
    p = put_modrm_abs(c, p, 0x8B, 0x0D, ctl + CTL_LOOP);     /* mov ecx, [loop] */
    p = put(c, p, (const uint8_t[]){0x8D, 0x49, 0xFF}, 3);   /* lea ecx, [ecx-1] */
    p = put_modrm_abs(c, p, 0x89, 0x0D, ctl + CTL_LOOP);     /* mov [loop], ecx */
    uint32_t jz = p;
    p = put(c, p, (const uint8_t[]){0xE3, 0x00}, 2);         /* jecxz out */
    p = put_modrm_abs(c, p, 0x8B, 0x0D, ctl + CTL_ECX_SAVE); /* mov ecx, [save] */
    p = put(c, p, (const uint8_t[]){0x0F}, 1);               /* fxrstor [init fx] */
    p = put_modrm_abs(c, p, 0xAE, 0x0D, ctl + CTL_INIT_FX);
    p = put_modrm_abs(c, p, 0x8B, 0x25, ctl + CTL_INIT_REGS + 4 * 4); /* mov esp, [init esp] */
    p = put_modrm_abs(c, p, 0xFF, 0x35, ctl + CTL_INIT_EFLAGS);       /* push dword [init eflags] */
    p = put(c, p, (const uint8_t[]){0x9D}, 1);                        /* popfd */
    int32_t rel = (int32_t)s->body_start - (int32_t)(p + 5);
    uint8_t jmp[5] = {0xE9, (uint8_t)rel, (uint8_t)(rel >> 8), (uint8_t)(rel >> 16), (uint8_t)(rel >> 24)};
    p = put(c, p, jmp, 5);
    c[jz + 1] = (uint8_t)(p - (jz + 2));
    p = put_modrm_abs(c, p, 0x8B, 0x0D, ctl + CTL_ECX_SAVE); /* out: mov ecx, [save] */
    uint32_t tail = p;
    p = put(c, p, epi, epi_len);
    s->dc.stop = p;
    c[p] = 0xF4; /* the HLT guest_run also writes */
    s->dc.code_len = p + 1;
    s->body_end = tail;
    uint32_t zero = 0;
    memcpy(s->dc.data + CTL_LOOP, &n, 4);
    memcpy(s->dc.data + CTL_ECX_SAVE, &zero, 4);
}

/* The sequence as generated (`orig`, which gen_truncate cuts) and looped. */
static void build(struct gen_seq *orig, struct gen_seq *s, const struct options *o, uint32_t index,
                  uint32_t *iters)
{
    gen_sequence_ex(orig, o->seed, index, o->only, GEN_F_JIT);
    *iters = pick_iters(o->seed, index, o->iters);
    *s = *orig;
    make_loop(s, *iters);
}

/* --- running and comparing ------------------------------------------------------ */

/* What the CPU held where it stopped. */
struct snap {
    struct seg seg[6];
    uint32_t regs[8];
    uint32_t eip, cr0, cr2;
    int cpl;
    bool halted;
    uint64_t insns; /* retired: virtual time must not depend on the engine */
};

struct outcome {
    struct diff_result res;
    struct snap cpu;
};

static void run(struct machine *m, const struct gen_seq *s, struct outcome *out, bool keep, bool paging)
{
    unsigned fl = GUEST_HLT_STOP | GUEST_FS_SCRATCH | GUEST_CLEAR_LOW | (keep ? GUEST_KEEP_CODE : 0) |
                  (paging ? GUEST_PAGING : 0);
    uint64_t before = m->cpu.icount;
    guest_run(m, &s->dc, &out->res, fl, LOOP_STEPS);
    const struct cpu *c = &m->cpu;
    out->cpu.insns = c->icount - before;
    memcpy(out->cpu.seg, c->seg, sizeof(out->cpu.seg));
    memcpy(out->cpu.regs, c->regs.r32, sizeof(out->cpu.regs));
    out->cpu.eip = c->eip;
    out->cpu.cr0 = c->cr[0];
    out->cpu.cr2 = c->cr[2];
    out->cpu.cpl = c->cpl;
    out->cpu.halted = c->halted;
}

static bool has_error_code(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

static void print_ram_diff(FILE *f, const uint8_t *ra, const uint8_t *rb, uint32_t from, uint32_t to,
                           int *shown)
{
    for (uint32_t k = from; k < to && *shown < 8; k++)
        if (ra[k] != rb[k]) {
            fprintf(f, "  ram %08x: interp %02x jit %02x\n", k, ra[k], rb[k]);
            ++*shown;
        }
}

static const char *const seg_name[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

/* Everything diff_compare does not see: the segment registers, where the
 * CPU stopped, the frame of the exception that ended the sequence (EFLAGS
 * there masked like the output EFLAGS), and every byte of RAM outside the
 * data block (diff_compare's) and below the frame. */
static bool compare_rest(const struct gen_seq *s, const struct engines *e, const struct outcome *a,
                         const struct outcome *b, FILE *f)
{
    bool ok = true;
    const struct snap *x = &a->cpu, *y = &b->cpu;
    for (int k = 0; k < 6; k++) {
        const struct seg *p = &x->seg[k], *q = &y->seg[k];
        if (p->sel != q->sel || p->base != q->base || p->limit != q->limit || p->flags != q->flags) {
            ok = false;
            if (f)
                fprintf(
                    f,
                    "  %s: interp %04x base %08x limit %08x flags %04x, jit %04x base %08x limit %08x flags "
                    "%04x\n",
                    seg_name[k], p->sel, p->base, p->limit, (unsigned)p->flags, q->sel, q->base, q->limit,
                    (unsigned)q->flags);
        }
    }
    if (x->insns != y->insns) {
        ok = false;
        if (f)
            fprintf(f, "  instructions retired: interp %llu jit %llu\n", (unsigned long long)x->insns,
                    (unsigned long long)y->insns);
    }
    for (int r = 0; r < 8; r++)
        if (x->regs[r] != y->regs[r]) {
            ok = false;
            if (f)
                fprintf(f, "  cpu reg %d: interp %08x jit %08x\n", r, x->regs[r], y->regs[r]);
        }
    if (x->eip != y->eip || x->cpl != y->cpl || x->halted != y->halted || x->cr0 != y->cr0 ||
        x->cr2 != y->cr2) {
        ok = false;
        if (f)
            fprintf(f,
                    "  stopped: interp eip %08x cpl %d halted %d cr0 %08x cr2 %08x, jit eip %08x cpl %d "
                    "halted %d "
                    "cr0 %08x cr2 %08x\n",
                    x->eip, x->cpl, x->halted, x->cr0, x->cr2, y->eip, y->cpl, y->halted, y->cr0, y->cr2);
    }
    /* RAM, byte for byte but for a few masked bytes: the EFLAGS in the frame
     * of the exception that ended the run (a normal end is HLT's #GP),
     * masked like the output EFLAGS; and with paging, the A bits of the
     * PTEs of the code pages, which an instruction fetch may set for bytes
     * it looks ahead at (SDM 3A §4.8: accessed flags may be set
     * speculatively), so the interpreter's decoder sets it for the page
     * after a block and the JIT need not. */
    const uint8_t *ra = e->interp->mem.ram, *rb = e->jit->mem.ram;
    uint32_t size = e->interp->mem.ram_size;
    int v = a->res.vector >= 0 ? a->res.vector : EXC_GP;
    uint32_t fl = x->regs[R_ESP] + (has_error_code(v) ? 4u : 0u) + 8u;
    uint32_t fmask = 0x2u | 0x200u | 0x400u | (a->res.vector >= 0 ? 0 : 0x8D5u & ~s->eflags_undef);
    struct masked {
        uint32_t addr;
        uint8_t keep;
    } mk[12];
    int nmk = 0;
    if (fl + 4 <= size && !(fl >= DIFF_DATA && fl < DIFF_DATA + DIFF_DATA_SIZE))
        for (uint32_t k = 0; k < 4; k++)
            mk[nmk++] = (struct masked){fl + k, (uint8_t)(fmask >> (8 * k))};
    /* (Also with paging off: the tables stay from the last run with it.) */
    for (uint32_t pg = DIFF_CODE >> 12; pg < (DIFF_CODE + DIFF_CODE_SIZE) >> 12; pg++)
        mk[nmk++] = (struct masked){G_PT + 4 * pg, (uint8_t)~0x20u};
    /* In address order, the data block (diff_compare's) left out. */
    for (int i = 1; i < nmk; i++)
        for (int j = i; j > 0 && mk[j - 1].addr > mk[j].addr; j--) {
            struct masked t = mk[j];
            mk[j] = mk[j - 1];
            mk[j - 1] = t;
        }
    int shown = 0;
    uint32_t from = 0;
    for (int i = 0; i <= nmk; i++) {
        uint32_t to = i < nmk ? mk[i].addr : size;
        uint32_t cuts[2][2] = {{from, to}, {0, 0}};
        if (from < DIFF_DATA + DIFF_DATA_SIZE && to > DIFF_DATA) {
            cuts[0][1] = from < DIFF_DATA ? DIFF_DATA : from;
            cuts[1][0] = DIFF_DATA + DIFF_DATA_SIZE > to ? to : DIFF_DATA + DIFF_DATA_SIZE;
            cuts[1][1] = to;
        }
        for (int k = 0; k < 2; k++) {
            uint32_t lo = cuts[k][0], hi = cuts[k][1];
            if (hi > lo && memcmp(ra + lo, rb + lo, hi - lo)) {
                ok = false;
                if (f)
                    print_ram_diff(f, ra, rb, lo, hi, &shown);
            }
        }
        if (i == nmk)
            break;
        if ((ra[to] ^ rb[to]) & mk[i].keep) {
            ok = false;
            if (f && shown++ < 8)
                fprintf(f, "  ram %08x: interp %02x jit %02x (compared %02x)\n", to, ra[to], rb[to],
                        mk[i].keep);
        }
        from = to + 1;
    }
    return ok;
}

static bool compare(const struct gen_seq *s, struct engines *e, const struct outcome *a,
                    const struct outcome *b, FILE *f)
{
    static const char *const names[2] = {"interp", "jit"};
    bool ok = diff_compare_ex(s, &a->res, &b->res, f, names, true);
    ok &= compare_rest(s, e, a, b, f);
    return ok;
}

/* One sequence on both engines; true when they agree (both JIT runs). */
static bool check(struct engines *e, const struct gen_seq *s, FILE *f, struct outcome *a, struct outcome *b)
{
    run(e->interp, s, a, false, e->paging);
    run(e->jit, s, b, false, e->paging);
    if (!compare(s, e, a, b, f)) {
        if (f)
            fprintf(f, "  (the JIT's first run, its blocks translated as it went)\n");
        return false;
    }
    run(e->jit, s, b, true, e->paging);
    if (!compare(s, e, a, b, f)) {
        if (f)
            fprintf(f, "  (the JIT's second run, over the blocks of the first)\n");
        return false;
    }
    return true;
}

/* The shortest prefix of whole groups that already differs. */
static void narrow(FILE *f, struct engines *e, const struct gen_seq *s, uint32_t iters)
{
    static struct gen_seq t;
    static struct outcome a, b;
    for (uint32_t k = 1; k <= s->groups; k++) {
        if (!gen_truncate(s, k, &t))
            continue;
        make_loop(&t, iters);
        if (check(e, &t, NULL, &a, &b))
            continue;
        /* The group itself (a group whose branch target closed on it may
         * be empty: then the one before). */
        uint32_t to = s->cut[k - 1].end, from = s->body_start;
        for (uint32_t j = k - 1; j-- > 0;)
            if (s->cut[j].end < to) {
                from = s->cut[j].end;
                break;
            }
        fprintf(f, "first differs after group %u of %u, which ends:\n", k, s->groups);
        diff_disassemble(f, &t, from, to);
        fprintf(f, "undefined there: eflags %03x, fsw %04x\n", t.eflags_undef, t.fsw_undef);
        check(e, &t, f, &a, &b);
        return;
    }
}

/* The self-modifying groups rewrite the code page often enough that the
 * JIT leaves it to the interpreter for good, which would test nothing
 * more: then a fresh JIT (its figures added to `total`). */
static void add_stats(struct jit_stats *to, const struct jit_stats *from)
{
    to->blocks_translated += from->blocks_translated;
    to->insns_run += from->insns_run;
    to->invalidations_cpu += from->invalidations_cpu;
    to->invalidations_dma += from->invalidations_dma;
    to->flushes += from->flushes;
    to->pages_left_to_interp += from->pages_left_to_interp;
}

static void fresh_jit(struct engines *e, struct jit_stats *total)
{
    struct jit_stats st;
    jit_get_stats(e->jit, &st);
    if (!st.pages_left_to_interp)
        return;
    add_stats(total, &st);
    jit_free(e->jit);
    if (jit_init(e->jit) < 0) {
        fprintf(stderr, "diff_jit: jit_init: %s\n", e->jit->error);
        exit(2);
    }
}

/* --- main ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: diff_jit [--seed N] [--count M] [--first K] [--index I] [--iters MAX]\n"
            "                [--class int|x87|trans|mmx] [--paging off|on|mix] [--max-fail N] [--verbose]\n"
            "  REX86_DIFF_JIT_COUNT overrides --count (a long local run)\n");
}

static int parse(int argc, char **argv, struct options *o)
{
    o->seed = 1;
    o->count = 2000;
    o->index = -1;
    o->max_fail = 5;
    o->iters = MAX_ITERS;
    o->paging = 2;
    o->only = GEN_CLASSES;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o->verbose = true;
            continue;
        }
        if (!v) {
            usage();
            return -1;
        }
        k++;
        if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--count"))
            o->count = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--first"))
            o->first = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--index"))
            o->index = (int64_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--iters"))
            o->iters = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--paging")) {
            o->paging = !strcmp(v, "off") ? 0 : !strcmp(v, "on") ? 1 : !strcmp(v, "mix") ? 2 : -1;
            if (o->paging < 0) {
                usage();
                return -1;
            }
        } else if (!strcmp(a, "--max-fail"))
            o->max_fail = atoi(v);
        else if (!strcmp(a, "--class")) {
            o->only = GEN_CLASSES;
            for (int c = 0; c < GEN_CLASSES; c++)
                if (!strcmp(v, gen_class_name((enum gen_class)c)))
                    o->only = (enum gen_class)c;
            if (o->only == GEN_CLASSES) {
                fprintf(stderr, "diff_jit: unknown class '%s'\n", v);
                return -1;
            }
        } else {
            usage();
            return -1;
        }
    }
    const char *env = getenv("REX86_DIFF_JIT_COUNT");
    if (env && *env)
        o->count = (uint32_t)strtoul(env, NULL, 0);
    if (o->iters == 0)
        o->iters = 1;
    return 0;
}

static struct machine *make_machine(bool jit)
{
    struct machine_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.cpu_model = CPU_PENTIUM2;
    cfg.ram_mb = RAM_MB;
    cfg.deterministic = true;
    cfg.bare = true;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "diff_jit: machine_create: %s\n", err);
        return NULL;
    }
    if (jit && jit_init(m) < 0) {
        printf("SKIP: no JIT on this host: %s\n", m->error);
        machine_destroy(m);
        return NULL;
    }
    return m;
}

int main(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof(o));
    if (parse(argc, argv, &o))
        return 2;
    struct engines e;
    e.interp = make_machine(false);
    if (!e.interp)
        return 2;
    e.jit = make_machine(true);
    if (!e.jit) {
        machine_destroy(e.interp);
        return SKIP_CODE;
    }
    static struct gen_seq orig, s;
    static struct outcome a, b;
    uint32_t first = o.index >= 0 ? (uint32_t)o.index : o.first;
    uint32_t count = o.index >= 0 ? 1 : o.count;
    uint32_t passed = 0, failed = 0, faults = 0;
    uint64_t insns = 0;
    struct jit_stats total;
    memset(&total, 0, sizeof(total));
    for (uint32_t n = 0; n < count; n++) {
        uint32_t index = first + n, iters;
        build(&orig, &s, &o, index, &iters);
        e.paging = o.paging == 2 ? (mix(mix(o.seed ^ 0x50474E47ull) + index) & 1) != 0 : o.paging == 1;
        uint64_t before = e.interp->cpu.icount;
        bool ok = check(&e, &s, NULL, &a, &b);
        insns += e.interp->cpu.icount - before;
        fresh_jit(&e, &total);
        if (ok) {
            passed++;
            if (a.res.vector >= 0)
                faults++;
            if (o.index >= 0 || o.verbose) {
                printf("PASS seed=%" PRIu64 " index=%u class=%s iterations=%u paging=%s%s\n", o.seed, index,
                       gen_class_name(s.cls), iters, e.paging ? "on" : "off",
                       a.res.vector >= 0 ? " (both faulted alike)" : "");
                if (o.index >= 0)
                    diff_disassemble(stdout, &s, s.body_start, s.dc.stop);
            }
            continue;
        }
        failed++;
        if ((int)failed > o.max_fail)
            continue;
        printf("\nFAIL seed=%" PRIu64
               " index=%u class=%s iterations=%u paging=%s (reproduce: diff_jit --seed %" PRIu64
               " --index %u --paging %s)\n",
               o.seed, index, gen_class_name(s.cls), iters, e.paging ? "on" : "off", o.seed, index,
               e.paging ? "on" : "off");
        diff_disassemble(stdout, &s, s.body_start, s.dc.stop);
        diff_print_init(stdout, &s);
        printf("undefined at the end: eflags %03x, fsw %04x\n", s.eflags_undef, s.fsw_undef);
        check(&e, &s, stdout, &a, &b);
        narrow(stdout, &e, &orig, iters);
    }
    struct jit_stats st;
    jit_get_stats(e.jit, &st);
    add_stats(&st, &total);
    printf("JIT: %" PRIu64 " blocks translated, %" PRIu64 " instructions run translated, %" PRIu64
           " invalidations, %" PRIu64 " flushes\n",
           st.blocks_translated, st.insns_run, st.invalidations_cpu + st.invalidations_dma, st.flushes);
    printf("     %" PRIu64 " times a page was left to the interpreter (each time a fresh JIT)\n",
           st.pages_left_to_interp);
    printf("\ndiff_jit: seed %" PRIu64
           ", sequences %u..%u: %u passed, %u failed (%u ended in a fault on both "
           "engines), %" PRIu64 " guest instructions each side\n",
           o.seed, first, first + count - 1, passed, failed, faults, insns);
    machine_destroy(e.jit);
    machine_destroy(e.interp);
    return failed ? 1 : 0;
}

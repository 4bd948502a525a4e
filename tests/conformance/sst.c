/* rex86-sst: runs the SingleStepTests MOO vectors (8086 and 80286 real mode)
 * through the interpreter on a bare machine, and reports per-file
 * pass/fail/skip counts with a register/memory diff of the first failure. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cpu/cpu.h"
#include "cpu/cpu_priv.h"
#include "devices/board/machine.h"
#include "translator/jit.h"
#include "devices/board/mem.h"
#include "frontend/lib/json.h"
#include "tests/conformance/moo.h"

/* The 286 set ends each test with HLT; a test needs the instruction, maybe a
 * jump target, and the HLT. More than this means the CPU went astray. */
#define STEP_CAP_286 64
/* REP string ops run in chunks if the core chooses to; CX is at most 127 in
 * the vectors, so this only stops a core that never finishes one. */
#define REP_STEP_CAP 4096

enum cpu_choice { CHOICE_AUTO, CHOICE_8086, CHOICE_286 };

struct options {
    enum cpu_choice cpu;
    bool have_min_pass;
    double min_pass;
    bool verbose;
    bool undefined;      /* run the tests marked 'undefined' too */
    bool diff_jit;       /* the JIT against the interpreter, not the chip */
    char filters[64][8]; /* upper-case opcode names: "F7" or "F7.6" */
    int filter_count;
};

struct totals {
    uint64_t passed, failed, skipped;
    int errors; /* unreadable files and paths */
};

/* metadata.json of the folder being run, reloaded when the folder changes. */
struct meta_cache {
    char dir[4096];
    bool valid;
    struct json_value *root; /* NULL when absent or unreadable */
};

/* State kept across files: the folder's metadata and one bare machine per
 * CPU model. Creating a machine maps and clears 16 MB of RAM, which costs
 * more than running a file's tests; every test resets the CPU and zeroes
 * the bytes it touched, so reusing the machine leaks nothing. */
struct session {
    struct meta_cache meta;
    struct machine *machine[2];     /* 8086, 286 */
    struct machine *diff[2];        /* --diff-jit: Pentium II, interpreting and translating */
    uint64_t jit_blocks, jit_insns; /* what the JIT ran, over the machines replaced */
};

/* What metadata.json says about one opcode file. */
struct op_meta {
    const char *status; /* NULL when unknown */
    uint16_t flags_mask;
};

/* Everything a test run of one file needs. */
struct file_ctx {
    struct machine *m;
    bool is286;
    uint16_t flags_mask;
    uint16_t rmsk_present, rmsk[MOO_NREGS];
};

/* One difference found by check_test. */
struct mismatch {
    bool is_ram;
    int reg;
    uint32_t addr;
    uint16_t expected, got, mask;
};
#define MAX_MISMATCH 32

struct result {
    int count; /* may exceed MAX_MISMATCH; only the first are kept */
    struct mismatch mm[MAX_MISMATCH];
    int steps;
    bool ran_away;       /* hit a step cap */
    bool diff;           /* --diff-jit: "expected" is the interpreter, "got" the JIT */
    uint64_t retired[2]; /* --diff-jit: instructions each engine retired */
};

/* MOO register index -> our GPR number or segment, -1 when not one. */
static const int8_t moo_gpr[MOO_NREGS] = {R_EAX, R_EBX, R_ECX, R_EDX, -1,    -1, -1,
                                          -1,    R_ESP, R_EBP, R_ESI, R_EDI, -1, -1};
static const int8_t moo_seg[MOO_NREGS] = {-1, -1, -1, -1, S_CS, S_SS, S_DS, S_ES, -1, -1, -1, -1, -1, -1};

static void usage(FILE *out)
{
    fprintf(out, "usage: rex86-sst [--cpu 8086|286] [--min-pass PCT] [--verbose] [--undefined]\n"
                 "                 [--filter HEX[,HEX...]] FILE_OR_DIR...\n"
                 "Runs SingleStepTests MOO vectors (*.MOO.gz) through the rex86 interpreter.\n"
                 "  --cpu 8086|286   CPU rules to apply (default: from each file's header)\n"
                 "  --min-pass PCT   succeed when at least PCT%% of the tests that ran passed\n"
                 "  --verbose        show every failure, not only the first of each file\n"
                 "  --undefined      run the tests marked 'undefined' too (rex86 models what\n"
                 "                   the chips do there)\n"
                 "  --diff-jit       run each test on a Pentium II model twice, in the\n"
                 "                   interpreter and in the JIT (real mode), and compare the\n"
                 "                   two end states instead of the chip's (an 8086 test gets a\n"
                 "                   HLT after its instruction)\n"
                 "  --filter HEX     only opcode files named HEX (F7 matches F7 and F7.0-F7.7)\n"
                 "Tests whose metadata.json status is 'fpu', or 'undefined' without --undefined,\n"
                 "are skipped and counted.\n");
}

static void error_msg(struct totals *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error_msg(struct totals *t, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("rex86-sst: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    t->errors++;
}

/* "dir/F7.6.MOO.gz" -> op "F7", reg "6" (empty when not a group file). */
static void opcode_of_path(const char *path, char op[8], char reg[4])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    if (n > 7)
        n = 7;
    for (size_t k = 0; k < n; k++)
        op[k] = (char)(base[k] >= 'a' && base[k] <= 'f' ? base[k] - 32 : base[k]);
    op[n] = '\0';
    reg[0] = '\0';
    if (base[n] == '.' && base[n + 1] >= '0' && base[n + 1] <= '7' && base[n + 2] == '.') {
        reg[0] = base[n + 1];
        reg[1] = '\0';
    }
}

static bool filter_match(const struct options *o, const char *op, const char *reg)
{
    if (o->filter_count == 0)
        return true;
    char full[12];
    snprintf(full, sizeof full, "%s%s%s", op, reg[0] ? "." : "", reg);
    for (int k = 0; k < o->filter_count; k++) {
        if (strcmp(o->filters[k], op) == 0 || strcmp(o->filters[k], full) == 0)
            return true;
    }
    return false;
}

static const struct json_value *meta_for(struct meta_cache *mc, const char *path, struct totals *tot)
{
    char dir[sizeof mc->dir];
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            n = sizeof dir - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
    } else {
        strcpy(dir, ".");
    }
    if (mc->valid && strcmp(mc->dir, dir) == 0)
        return mc->root;
    json_free(mc->root);
    mc->root = NULL;
    mc->valid = true;
    snprintf(mc->dir, sizeof mc->dir, "%s", dir);

    char mpath[sizeof dir + 32];
    snprintf(mpath, sizeof mpath, "%s/metadata.json", dir);
    struct stat st;
    if (stat(mpath, &st) != 0) {
        fflush(stdout);
        fprintf(stderr, "rex86-sst: note: no %s: no flag masks applied, nothing skipped\n", mpath);
        return NULL;
    }
    struct json_error je;
    mc->root = json_parse_file(mpath, &je);
    if (!mc->root) {
        if (je.line)
            error_msg(tot, "%s:%u:%u: %s", mpath, je.line, je.column, je.msg);
        else
            error_msg(tot, "%s: %s", mpath, je.msg);
    } else if (!json_get(mc->root, "opcodes")) {
        error_msg(tot, "%s: no \"opcodes\" object", mpath);
    }
    return mc->root;
}

/* The op-level entry, refined by the reg-level one (reg "0"-"7", or "" for
 * the op level alone). */
static struct op_meta lookup_meta(const struct json_value *root, const char *op, const char *reg)
{
    struct op_meta om = {NULL, 0xFFFF};
    const struct json_value *e = json_get(json_get(root, "opcodes"), op);
    if (!e)
        return om;
    int64_t mask;
    om.status = json_string(json_get(e, "status"));
    if (json_int(json_get(e, "flags-mask"), 0, 0xFFFF, &mask))
        om.flags_mask = (uint16_t)mask;
    if (reg[0]) {
        const struct json_value *r = json_get(json_get(e, "reg"), reg);
        if (r) {
            const char *s = json_string(json_get(r, "status"));
            if (s)
                om.status = s;
            if (json_int(json_get(r, "flags-mask"), 0, 0xFFFF, &mask))
                om.flags_mask = (uint16_t)mask;
        }
    }
    return om;
}

static bool meta_skips(const struct options *o, const struct op_meta *om)
{
    return om->status &&
           ((!o->undefined && strcmp(om->status, "undefined") == 0) || strcmp(om->status, "fpu") == 0);
}

/* ModRM reg field of a test's instruction (after its prefixes). */
static int modrm_reg(const struct moo_test *t)
{
    uint32_t k = 0;
    while (k < t->byte_count &&
           (t->bytes[k] == 0x26 || t->bytes[k] == 0x2E || t->bytes[k] == 0x36 || t->bytes[k] == 0x3E ||
            t->bytes[k] == 0xF0 || t->bytes[k] == 0xF2 || t->bytes[k] == 0xF3))
        k++;
    return k + 1 < t->byte_count ? t->bytes[k + 1] >> 3 & 7 : 0;
}

static uint16_t get_reg(struct cpu *c, int r)
{
    if (moo_gpr[r] >= 0)
        return CPU_R16(c, moo_gpr[r]);
    if (moo_seg[r] >= 0)
        return c->seg[moo_seg[r]].sel;
    if (r == MOO_IP)
        return (uint16_t)c->eip;
    return (uint16_t)cpu_get_eflags(c);
}

/* The INIT value the test starts from, as we load it: a 286 in real mode
 * cannot hold IOPL/NT, which the vectors' LOADALL set at random (upstream
 * README), so those four bits are dropped, both to load and as the expected
 * value when the flags do not change. */
static uint16_t init_value(const struct file_ctx *fc, const struct moo_test *t, int r)
{
    uint16_t v = t->init.regs[r];
    if (r == MOO_FLAGS && fc->is286)
        v &= 0x0FFF;
    return v;
}

static void load_test_on(const struct file_ctx *fc, struct machine *m, const struct moo_test *t)
{
    struct cpu *c = &m->cpu;
    cpu_reset(c);
    c->halted = false;
    for (int r = 0; r < MOO_NREGS; r++) {
        if (moo_gpr[r] >= 0)
            CPU_R32(c, moo_gpr[r]) = t->init.regs[r];
        else if (moo_seg[r] >= 0)
            cpu_load_seg_real(c, moo_seg[r], t->init.regs[r]);
    }
    c->eip = t->init.regs[MOO_IP];
    cpu_set_eflags(c, init_value(fc, t, MOO_FLAGS), 0xFFFF);
    for (uint32_t k = 0; k < t->init.ram_count; k++) {
        uint8_t v = moo_ram_value(&t->init, k);
        mem_write_block(m, moo_ram_addr(&t->init, k), &v, 1);
    }
}

static void load_test(const struct file_ctx *fc, const struct moo_test *t)
{
    load_test_on(fc, fc->m, t);
}

/* Zero the bytes the test touched so nothing leaks into the next test. */
static void unload_test_on(struct machine *m, const struct moo_test *t)
{
    static const uint8_t zero = 0;
    for (uint32_t k = 0; k < t->init.ram_count; k++)
        mem_write_block(m, moo_ram_addr(&t->init, k), &zero, 1);
    for (uint32_t k = 0; k < t->fina.ram_count; k++)
        mem_write_block(m, moo_ram_addr(&t->fina, k), &zero, 1);
}

static void unload_test(const struct file_ctx *fc, const struct moo_test *t)
{
    unload_test_on(fc->m, t);
}

static bool has_rep_prefix(const struct moo_test *t)
{
    /* Prefixes: segment overrides, LOCK, REPNE/REP. */
    for (uint32_t k = 0; k < t->byte_count; k++) {
        uint8_t b = t->bytes[k];
        if (b == 0xF2 || b == 0xF3)
            return true;
        if (b != 0x26 && b != 0x2E && b != 0x36 && b != 0x3E && b != 0xF0)
            return false;
    }
    return false;
}

static void execute_test(const struct file_ctx *fc, const struct moo_test *t, struct result *res)
{
    struct cpu *c = &fc->m->cpu;
    if (fc->is286) {
        /* Run through the HLT that ends every 286 test. */
        int cap = has_rep_prefix(t) ? REP_STEP_CAP : STEP_CAP_286;
        while (!c->halted && res->steps < cap) {
            cpu_step(c);
            res->steps++;
        }
        res->ran_away = !c->halted;
        return;
    }
    /* 8086: exactly one instruction. Should the core run a REP in chunks,
     * it leaves CS:IP on the instruction with CX left to do: finish it. */
    uint16_t cs = c->seg[S_CS].sel;
    uint32_t ip = c->eip;
    cpu_step(c);
    res->steps = 1;
    if (!has_rep_prefix(t))
        return;
    while (c->seg[S_CS].sel == cs && c->eip == ip && CPU_R16(c, R_ECX) != 0 && !c->halted) {
        if (res->steps >= REP_STEP_CAP) {
            res->ran_away = true;
            return;
        }
        cpu_step(c);
        res->steps++;
    }
}

static void add_mismatch(struct result *res, bool is_ram, int reg, uint32_t addr, uint16_t exp, uint16_t got,
                         uint16_t mask)
{
    if (res->count < MAX_MISMATCH)
        res->mm[res->count] = (struct mismatch){is_ram, reg, addr, exp, got, mask};
    res->count++;
}

/* Where the test's final registers put a just-pushed interrupt frame's
 * flags word: SS:SP+4 (IP, CS, flags pushed in that order). */
static uint32_t frame_flags_addr(const struct file_ctx *fc, const struct moo_test *t)
{
    const struct moo_state *f = &t->fina;
    uint16_t sp = (f->regs_present & (1u << MOO_SP)) ? f->regs[MOO_SP] : t->init.regs[MOO_SP];
    uint16_t ss = (f->regs_present & (1u << MOO_SS)) ? f->regs[MOO_SS] : t->init.regs[MOO_SS];
    return (((uint32_t)ss << 4) + (uint16_t)(sp + 4)) & (fc->is286 ? 0xFFFFFFu : 0xFFFFFu);
}

/* Address of the flags word an exception pushed, if the test raised one, so
 * its undefined bits can be masked like the flags register's. */
static bool exception_flags_addr(const struct file_ctx *fc, const struct moo_test *t, uint32_t *addr)
{
    if (t->has_excp) {
        /* EXCP gives the bus address of the word, rounded down to even when
         * SP is odd; the frame itself says which byte the word starts at. */
        uint32_t fa = frame_flags_addr(fc, t);
        *addr = (fa & ~1u) == (t->excp_flags_addr & ~1u) ? fa : t->excp_flags_addr;
        return true;
    }
    if (fc->is286)
        return false;
    /* The 8086 vectors carry no EXCP chunk. A divide error is recognised by
     * its result: CS:IP at the INT 0 vector (IVT bytes 0-3 in INIT RAM) and
     * a three-word frame pushed. */
    uint8_t ivt[4];
    unsigned found = 0;
    for (uint32_t k = 0; k < t->init.ram_count; k++) {
        uint32_t a = moo_ram_addr(&t->init, k);
        if (a < 4) {
            ivt[a] = moo_ram_value(&t->init, k);
            found |= 1u << a;
        }
    }
    const struct moo_state *f = &t->fina;
    if (found != 0xF || !(f->regs_present & (1u << MOO_IP)) || !(f->regs_present & (1u << MOO_SP)))
        return false;
    uint16_t ip = f->regs[MOO_IP];
    uint16_t cs = (f->regs_present & (1u << MOO_CS)) ? f->regs[MOO_CS] : t->init.regs[MOO_CS];
    if (ip != (uint16_t)(ivt[0] | ivt[1] << 8) || cs != (uint16_t)(ivt[2] | ivt[3] << 8) ||
        f->regs[MOO_SP] != (uint16_t)(t->init.regs[MOO_SP] - 6))
        return false;
    *addr = frame_flags_addr(fc, t);
    return true;
}

static uint8_t ram_mask(uint32_t addr, bool have_fa, uint32_t fa, uint16_t flags_mask)
{
    if (have_fa && addr == fa)
        return (uint8_t)flags_mask;
    if (have_fa && addr == fa + 1)
        return (uint8_t)(flags_mask >> 8);
    return 0xFF;
}

static void check_test(const struct file_ctx *fc, const struct moo_test *t, struct result *res)
{
    struct cpu *c = &fc->m->cpu;
    for (int r = 0; r < MOO_NREGS; r++) {
        uint16_t exp = (t->fina.regs_present >> r & 1) ? t->fina.regs[r] : init_value(fc, t, r);
        uint16_t got = get_reg(c, r);
        uint16_t mask = 0xFFFF;
        if (r == MOO_FLAGS)
            mask &= fc->flags_mask;
        if (fc->rmsk_present >> r & 1)
            mask &= fc->rmsk[r];
        if (t->fina.rmsk_present >> r & 1)
            mask &= t->fina.rmsk[r];
        if ((exp ^ got) & mask)
            add_mismatch(res, false, r, 0, exp, got, mask);
    }

    uint32_t fa = 0;
    bool have_fa = fc->flags_mask != 0xFFFF && exception_flags_addr(fc, t, &fa);
    for (uint32_t k = 0; k < t->fina.ram_count; k++) {
        uint32_t a = moo_ram_addr(&t->fina, k);
        uint8_t exp = moo_ram_value(&t->fina, k), got;
        mem_read_block(fc->m, a, &got, 1);
        uint8_t mask = ram_mask(a, have_fa, fa, fc->flags_mask);
        if ((exp ^ got) & mask)
            add_mismatch(res, true, 0, a, exp, got, mask);
    }
    /* The 286 vectors list only the bytes that changed: every other INIT
     * byte must still hold its value (the last INIT entry for an address
     * wins, as it did when loading). */
    for (uint32_t k = 0; k < t->init.ram_count; k++) {
        uint32_t a = moo_ram_addr(&t->init, k);
        bool later = false;
        for (uint32_t j = k + 1; j < t->init.ram_count && !later; j++)
            later = moo_ram_addr(&t->init, j) == a;
        for (uint32_t j = 0; j < t->fina.ram_count && !later; j++)
            later = moo_ram_addr(&t->fina, j) == a;
        if (later)
            continue;
        uint8_t exp = moo_ram_value(&t->init, k), got;
        mem_read_block(fc->m, a, &got, 1);
        uint8_t mask = ram_mask(a, have_fa, fa, fc->flags_mask);
        if ((exp ^ got) & mask)
            add_mismatch(res, true, 0, a, exp, got, mask);
    }
}

static void flag_letters(uint16_t bits, char *out)
{
    static const struct {
        uint16_t bit;
        char ch;
    } names[] = {{F_OF, 'O'}, {F_DF, 'D'}, {F_IF, 'I'}, {F_TF, 'T'}, {F_SF, 'S'},
                 {F_ZF, 'Z'}, {F_AF, 'A'}, {F_PF, 'P'}, {F_CF, 'C'}};
    int n = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (bits & names[k].bit)
            out[n++] = names[k].ch;
    }
    uint16_t other = bits & (uint16_t) ~(F_OF | F_DF | F_IF | F_TF | F_SF | F_ZF | F_AF | F_PF | F_CF);
    if (other)
        n += sprintf(out + n, "+%04X", other);
    out[n] = '\0';
}

/* Tests are numbered by position in the file: the 8086 files leave every
 * TEST index at 0. */
static void print_failure(const struct moo_test *t, uint32_t pos, const struct result *res)
{
    printf("    test #%u \"%.*s\" bytes", pos, (int)t->name_len, t->name);
    for (uint32_t k = 0; k < t->byte_count && k < 16; k++)
        printf(" %02x", t->bytes[k]);
    if (t->has_excp)
        printf(" (expects exception %u)", t->excp_vector);
    if (res->ran_away)
        printf(" (stopped after %d steps without reaching the end)", res->steps);
    if (res->diff)
        printf("\n      interpreter (\"expected\") against JIT (\"got\"): %llu and %llu instructions retired",
               (unsigned long long)res->retired[0], (unsigned long long)res->retired[1]);
    printf("\n      init:");
    for (int r = 0; r < MOO_NREGS; r++)
        printf(" %s=%04X", moo_reg_names[r], t->init.regs[r]);
    printf("\n");
    int shown = res->count < MAX_MISMATCH ? res->count : MAX_MISMATCH;
    for (int k = 0; k < shown; k++) {
        const struct mismatch *mm = &res->mm[k];
        if (mm->is_ram) {
            printf("      [%06X] expected %02X got %02X", mm->addr, mm->expected, mm->got);
            if (mm->mask != 0xFF)
                printf(" (mask %02X)", mm->mask);
        } else {
            printf("      %-5s expected %04X got %04X", mm->addr ? "upper" : moo_reg_names[mm->reg],
                   mm->expected, mm->got);
            if (mm->addr)
                printf(" (bits 16-31 of %s)", moo_reg_names[mm->reg]);
            if (mm->mask != 0xFFFF)
                printf(" (mask %04X)", mm->mask);
            if (mm->reg == MOO_FLAGS) {
                char diff[32];
                flag_letters((uint16_t)((mm->expected ^ mm->got) & mm->mask), diff);
                printf(" differ: %s", diff);
            }
        }
        printf("\n");
    }
    if (res->count > shown)
        printf("      ... and %d more differences\n", res->count - shown);
}

static bool choose_cpu(const struct options *o, const struct moo_file *mf, bool *is286)
{
    if (o->cpu != CHOICE_AUTO) {
        *is286 = o->cpu == CHOICE_286;
        return true;
    }
    if (strcmp(mf->cpu, "8086") == 0 || strcmp(mf->cpu, "8088") == 0) {
        *is286 = false;
        return true;
    }
    if (strcmp(mf->cpu, "C286") == 0 || strcmp(mf->cpu, "286 ") == 0) {
        *is286 = true;
        return true;
    }
    return false;
}

/* --- --diff-jit ----------------------------------------------------------- */

/* The machines --diff-jit compares, [0] interpreting and [1] translating. A
 * JIT that has left a page to the interpreter (the tests rewrite the same
 * pages over and over) is replaced, so every test is translated. */
static void diff_retire(struct session *ss)
{
    struct jit_stats st;
    jit_get_stats(ss->diff[1], &st);
    ss->jit_blocks += st.blocks_translated;
    ss->jit_insns += st.insns_run;
    machine_destroy(ss->diff[1]);
    ss->diff[1] = NULL;
}

static struct machine *diff_machine(struct session *ss, int k, char *err, size_t errlen)
{
    if (k == 1 && ss->diff[1]) {
        struct jit_stats st;
        jit_get_stats(ss->diff[1], &st);
        if (st.pages_left_to_interp)
            diff_retire(ss);
    }
    if (!ss->diff[k]) {
        struct machine_config cfg = {
            .cpu_model = CPU_PENTIUM2,
            .ram_mb = 16,
            .deterministic = true,
            .bare = true,
            .jit = k == 1,
        };
        ss->diff[k] = machine_create(&cfg, err, errlen);
        if (k == 1 && ss->diff[1] && jit_init(ss->diff[1]) < 0) {
            snprintf(err, errlen, "%s", ss->diff[1]->error);
            machine_destroy(ss->diff[1]);
            ss->diff[1] = NULL;
        }
    }
    return ss->diff[k];
}

/* Run to the HLT that ends a 286 test, or past `cap` instructions (a block
 * may run on beyond it); returns the instructions retired. */
static uint64_t diff_run(struct machine *m, uint64_t cap)
{
    struct cpu *c = &m->cpu;
    uint64_t start = c->icount;
    /* Steps too: an instruction that faults retires nothing. */
    for (uint64_t steps = 0; !c->halted && c->icount - start < cap && steps < cap; steps++)
        cpu_step(c);
    return c->icount - start;
}

/* Both engines' end states: every register (the flags but for the bits
 * the opcode leaves undefined, the upper halves of the 32-bit ones too), the
 * instructions retired and every byte the test lists. "expected" is the
 * interpreter, "got" the JIT. */
static void diff_test(const struct file_ctx *fc, const struct moo_test *t, struct machine *mi,
                      struct machine *mj, struct result *res)
{
    int cap = has_rep_prefix(t) ? REP_STEP_CAP : STEP_CAP_286;
    res->diff = true;
    res->retired[0] = diff_run(mi, (uint64_t)cap);
    if (!mi->cpu.halted) {
        res->ran_away = true; /* no end to compare: skipped */
        return;
    }
    /* A warm TLB (real mode cannot fault filling it): the JIT takes the
     * instruction itself, not only the HLT after the interpreter filled the
     * entry, and its memory operands take the inline path. */
    struct cpu *cj = &mj->cpu;
    cpu_tlb_fill(cj, cj->seg[S_CS].base + cj->eip, ACC_EXEC);
    for (uint32_t k = 0; k < t->init.ram_count; k++)
        cpu_tlb_fill(cj, moo_ram_addr(&t->init, k), ACC_WRITE);
    res->retired[1] = diff_run(mj, (uint64_t)cap);
    struct cpu *a = &mi->cpu, *b = &mj->cpu;
    for (int r = 0; r < MOO_NREGS; r++) {
        uint16_t mask = r == MOO_FLAGS ? fc->flags_mask : 0xFFFF;
        uint16_t va = get_reg(a, r), vb = get_reg(b, r);
        if ((va ^ vb) & mask)
            add_mismatch(res, false, r, 0, va, vb, mask);
    }
    for (int r = 0; r < MOO_NREGS; r++) {
        int g = moo_gpr[r];
        if (g >= 0 && (CPU_R32(a, g) ^ CPU_R32(b, g)) >> 16)
            add_mismatch(res, false, r, 1, (uint16_t)(CPU_R32(a, g) >> 16), (uint16_t)(CPU_R32(b, g) >> 16),
                         0xFFFF);
    }
    for (int pass = 0; pass < 2; pass++) {
        const struct moo_state *st = pass ? &t->fina : &t->init;
        for (uint32_t k = 0; k < st->ram_count; k++) {
            uint32_t addr = moo_ram_addr(st, k);
            uint8_t va, vb;
            mem_read_block(mi, addr, &va, 1);
            mem_read_block(mj, addr, &vb, 1);
            if (va != vb)
                add_mismatch(res, true, 0, addr, va, vb, 0xFF);
        }
    }
    if (res->retired[0] != res->retired[1] || a->halted != b->halted)
        res->count++;
}

static void run_file(const char *path, const struct options *o, struct session *ss, struct totals *tot)
{
    char op[8], reg[4];
    opcode_of_path(path, op, reg);
    if (!filter_match(o, op, reg))
        return;

    struct moo_file mf;
    char err[256];
    if (moo_load(&mf, path, err, sizeof err) < 0) {
        error_msg(tot, "%s: %s", path, err);
        return;
    }
    bool is286;
    if (!choose_cpu(o, &mf, &is286)) {
        error_msg(tot, "%s: unknown CPU id '%s' in the MOO header; give --cpu 8086 or --cpu 286", path,
                  mf.cpu);
        moo_free(&mf);
        return;
    }

    /* Metadata per test: a group file XX.Y takes reg Y's entry; a file XX
     * whose entry is split by reg (8086 C6/C7/8F hold every reg value) takes
     * the entry of each test's own ModRM reg. */
    const struct json_value *meta = meta_for(&ss->meta, path, tot);
    struct op_meta om = lookup_meta(meta, op, reg);
    struct op_meta om_reg[8];
    bool by_modrm = !reg[0] && json_get(json_get(json_get(meta, "opcodes"), op), "reg") != NULL;
    for (int r = 0; r < 8; r++) {
        char rs[2] = {(char)('0' + r), '\0'};
        om_reg[r] = by_modrm ? lookup_meta(meta, op, rs) : om;
    }
    uint64_t passed = 0, failed = 0, skipped = 0;
    if (!by_modrm && meta_skips(o, &om)) {
        skipped = mf.test_count;
        printf("%s: %llu passed, %llu failed, %llu skipped (status %s)\n", path, 0ull, 0ull,
               (unsigned long long)skipped, om.status);
        tot->skipped += skipped;
        moo_free(&mf);
        return;
    }

    struct machine *m = ss->machine[is286];
    if (!m) {
        struct machine_config cfg = {
            .cpu_model = is286 ? CPU_286 : CPU_8086,
            .ram_mb = 16,
            .deterministic = true,
            .bare = true,
        };
        m = machine_create(&cfg, err, sizeof err);
        if (!m) {
            error_msg(tot, "%s: cannot create a bare %s machine: %s", path, is286 ? "286" : "8086", err);
            moo_free(&mf);
            return;
        }
        ss->machine[is286] = m;
    }
    struct file_ctx fc = {.m = m, .is286 = is286, .rmsk_present = mf.rmsk_present};
    memcpy(fc.rmsk, mf.rmsk, sizeof fc.rmsk);

    const struct moo_test *first_fail = NULL;
    uint32_t first_pos = 0;
    struct result first_res;
    for (uint32_t k = 0; k < mf.test_count; k++) {
        const struct moo_test *t = &mf.tests[k];
        const struct op_meta *tm = by_modrm ? &om_reg[modrm_reg(t)] : &om;
        if (meta_skips(o, tm)) {
            skipped++;
            continue;
        }
        fc.flags_mask = tm->flags_mask;
        struct result res;
        res.count = 0;
        res.steps = 0;
        res.ran_away = false;
        if (o->diff_jit) {
            struct machine *mi = diff_machine(ss, 0, err, sizeof err);
            struct machine *mj = mi ? diff_machine(ss, 1, err, sizeof err) : NULL;
            if (!mj) {
                error_msg(tot, "%s: cannot create a Pentium II machine for --diff-jit: %s", path, err);
                break;
            }
            /* An 8086 vector whose instruction branches (the chip left CS:IP
             * anywhere but after it) would run on into memory nobody set:
             * skipped without running it. */
            uint16_t next_ip = (uint16_t)(t->init.regs[MOO_IP] + t->byte_count);
            if (!is286 && (((t->fina.regs_present >> MOO_IP) & 1 && t->fina.regs[MOO_IP] != next_ip) ||
                           ((t->fina.regs_present >> MOO_CS) & 1))) {
                skipped++;
                continue;
            }
            load_test_on(&fc, mi, t);
            load_test_on(&fc, mj, t);
            /* The 8086 vectors end after the one instruction: a HLT right
             * after it (over the prefetched byte there) ends them too. */
            uint32_t hlt_at =
                ((uint32_t)t->init.regs[MOO_CS] << 4) + ((t->init.regs[MOO_IP] + t->byte_count) & 0xFFFFu);
            static const uint8_t hlt = 0xF4, zero = 0;
            if (!is286) {
                mem_write_block(mi, hlt_at, &hlt, 1);
                mem_write_block(mj, hlt_at, &hlt, 1);
            }
            diff_test(&fc, t, mi, mj, &res);
            unload_test_on(mi, t);
            unload_test_on(mj, t);
            if (!is286) {
                mem_write_block(mi, hlt_at, &zero, 1);
                mem_write_block(mj, hlt_at, &zero, 1);
            }
            if (res.ran_away) {
                /* What it wrote beyond the bytes listed stays behind:
                 * both machines start afresh. */
                diff_retire(ss);
                machine_destroy(ss->diff[0]);
                ss->diff[0] = NULL;
                skipped++;
                continue;
            }
        } else {
            load_test(&fc, t);
            execute_test(&fc, t, &res);
            check_test(&fc, t, &res);
            unload_test(&fc, t);
        }
        if (res.count == 0 && !res.ran_away) {
            passed++;
            continue;
        }
        failed++;
        if (!first_fail) {
            first_fail = t;
            first_pos = k;
            first_res = res;
            if (o->verbose)
                printf("%s: failures:\n", path);
        }
        /* Verbose failures print as they happen, before the file's summary
         * line; otherwise only the first, after it. */
        if (o->verbose)
            print_failure(t, k, &res);
    }

    printf("%s: %llu passed, %llu failed, %llu skipped", path, (unsigned long long)passed,
           (unsigned long long)failed, (unsigned long long)skipped);
    if (first_fail) {
        printf("; first failure #%u %.*s\n", first_pos, (int)first_fail->name_len, first_fail->name);
        if (!o->verbose)
            print_failure(first_fail, first_pos, &first_res);
    } else {
        printf("\n");
    }
    tot->passed += passed;
    tot->failed += failed;
    tot->skipped += skipped;
    moo_free(&mf);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *path, const struct options *o, struct session *ss, struct totals *tot)
{
    DIR *d = opendir(path);
    if (!d) {
        error_msg(tot, "%s: cannot open folder: %s", path, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!ends_with(de->d_name, ".MOO.gz"))
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 512;
            char **q = realloc(names, cap * sizeof *q);
            if (!q)
                break;
            names = q;
        }
        size_t n = strlen(path) + strlen(de->d_name) + 2;
        names[count] = malloc(n);
        if (!names[count])
            break;
        snprintf(names[count], n, "%s%s%s", path, ends_with(path, "/") ? "" : "/", de->d_name);
        count++;
    }
    closedir(d);
    if (count == 0)
        error_msg(tot, "%s: no *.MOO.gz files in this folder", path);
    qsort(names, count, sizeof *names, cmp_str);
    for (size_t k = 0; k < count; k++) {
        run_file(names[k], o, ss, tot);
        free(names[k]);
    }
    free(names);
}

static int parse_filters(struct options *o, const char *arg)
{
    const char *p = arg;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof o->filters[0] ||
            o->filter_count == (int)(sizeof o->filters / sizeof o->filters[0]))
            return -1;
        for (size_t k = 0; k < n; k++) {
            char ch = p[k];
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 32);
            if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') || ch == '.'))
                return -1;
            o->filters[o->filter_count][k] = ch;
        }
        o->filters[o->filter_count][n] = '\0';
        o->filter_count++;
        p += n;
        if (*p == ',')
            p++;
    }
    return o->filter_count ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct options o = {.cpu = CHOICE_AUTO};
    struct totals tot = {0};
    struct session ss = {.meta = {.valid = false}};
    const char **paths = calloc((size_t)argc, sizeof *paths);
    int npaths = 0;
    bool opts_done = false;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!paths)
        return 2;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (opts_done || a[0] != '-' || a[1] == '\0') {
            paths[npaths++] = a;
        } else if (strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(paths);
            return 0;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else if (strcmp(a, "--undefined") == 0) {
            o.undefined = true;
        } else if (strcmp(a, "--diff-jit") == 0) {
            o.diff_jit = true;
        } else if (strcmp(a, "--cpu") == 0 || strcmp(a, "--min-pass") == 0 || strcmp(a, "--filter") == 0) {
            if (k + 1 >= argc) {
                fprintf(stderr, "rex86-sst: error: %s needs a value\n", a);
                free(paths);
                return 2;
            }
            const char *v = argv[++k];
            if (strcmp(a, "--cpu") == 0) {
                if (strcmp(v, "8086") == 0 || strcmp(v, "8088") == 0)
                    o.cpu = CHOICE_8086;
                else if (strcmp(v, "286") == 0 || strcmp(v, "80286") == 0)
                    o.cpu = CHOICE_286;
                else {
                    fprintf(stderr, "rex86-sst: error: --cpu must be 8086 or 286, not '%s'\n", v);
                    free(paths);
                    return 2;
                }
            } else if (strcmp(a, "--min-pass") == 0) {
                char *end;
                errno = 0;
                o.min_pass = strtod(v, &end);
                if (errno || end == v || *end != '\0' || !(o.min_pass >= 0 && o.min_pass <= 100)) {
                    fprintf(stderr,
                            "rex86-sst: error: --min-pass must be a percentage from 0 to 100, not '%s'\n", v);
                    free(paths);
                    return 2;
                }
                o.have_min_pass = true;
            } else if (parse_filters(&o, v) < 0) {
                fprintf(stderr,
                        "rex86-sst: error: --filter takes opcode names like F7 or F7.6,D0, not '%s'\n", v);
                free(paths);
                return 2;
            }
        } else {
            fprintf(stderr, "rex86-sst: error: unknown option '%s'\n", a);
            usage(stderr);
            free(paths);
            return 2;
        }
    }
    if (npaths == 0) {
        usage(stderr);
        free(paths);
        return 2;
    }

    for (int k = 0; k < npaths; k++) {
        struct stat st;
        if (stat(paths[k], &st) != 0) {
            error_msg(&tot, "%s: %s", paths[k], strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode))
            run_dir(paths[k], &o, &ss, &tot);
        else
            run_file(paths[k], &o, &ss, &tot);
    }
    json_free(ss.meta.root);
    for (int k = 0; k < 2; k++) {
        if (ss.machine[k])
            machine_destroy(ss.machine[k]);
    }
    if (ss.diff[1])
        diff_retire(&ss);
    if (ss.diff[0])
        machine_destroy(ss.diff[0]);
    if (o.diff_jit)
        printf("diff-jit: the JIT translated %llu blocks and ran %llu instructions in them\n",
               (unsigned long long)ss.jit_blocks, (unsigned long long)ss.jit_insns);
    free(paths);

    uint64_t ran = tot.passed + tot.failed;
    double rate = ran ? 100.0 * (double)tot.passed / (double)ran : 100.0;
    int status = 0;
    if (o.have_min_pass) {
        if (rate < o.min_pass) {
            printf("pass rate %.3f%% is below --min-pass %g%%\n", rate, o.min_pass);
            status = 1;
        } else if (tot.failed) {
            printf("pass rate %.3f%% meets --min-pass %g%%\n", rate, o.min_pass);
        }
    } else if (tot.failed) {
        status = 1;
    }
    if (tot.errors) {
        fflush(stdout);
        fprintf(stderr, "rex86-sst: %d error%s (see above)\n", tot.errors, tot.errors == 1 ? "" : "s");
        status = 2;
    }
    printf("%llu passed, %llu failed, %llu skipped\n", (unsigned long long)tot.passed,
           (unsigned long long)tot.failed, (unsigned long long)tot.skipped);
    return status;
}

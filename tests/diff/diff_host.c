/* Differential testing against the host CPU: generates random sequences,
 * runs each natively through the 32-bit runner and as a rex86 guest (bare
 * Pentium II, flat CPL 3), and compares registers, flags, memory and the
 * x87/MMX state, masking only what the manuals leave undefined. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "cpu/cpu_priv.h"
#include "cpu/protect.h"
#include "devices/board/machine.h"
#include "translator/jit.h"
#include "diff_cmp.h"
#include "gen.h"

#define SKIP_CODE 77

/* Guest-only tables, above the shared layout: GDT, TSS, the ring-0 stack
 * faults are delivered on, IDT and one stub per vector. */
#define G_GDT      0x00130000u
#define G_TSS      0x00131000u
#define G_KSTACK   0x00133000u
#define G_IDT      0x00134000u
#define G_STUBS    0x00135000u
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UCODE  0x1B
#define SEL_UDATA  0x23
#define SEL_TSS    0x28
#define STEP_LIMIT 200000

struct options {
    uint64_t seed;
    uint32_t count, first;
    int64_t index; /* one sequence, verbose; -1: a run */
    int max_fail;
    enum gen_class only;
    const char *runner;
    bool verbose;
    bool jit;
};

/* --- the native side --------------------------------------------------------- */

struct runner {
    pid_t pid;
    int to, from;
};

static int runner_start(struct runner *r, const char *path)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        return -1;
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    r->to = in[1];
    r->from = out[0];
    return 0;
}

static int io_full(int fd, void *buf, size_t len, bool wr)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int runner_run(struct runner *r, const struct diff_case *dc, struct diff_result *res)
{
    if (io_full(r->to, (void *)dc, sizeof(*dc), true) || io_full(r->from, res, sizeof(*res), false))
        return -1;
    return res->magic == DIFF_MAGIC ? 0 : -1;
}

static int runner_stop(struct runner *r)
{
    close(r->to);
    close(r->from);
    int st = 0;
    waitpid(r->pid, &st, 0);
    return st;
}

/* --- the guest side ----------------------------------------------------------- */

static void put_desc(struct machine *m, uint32_t sel, uint32_t base, uint32_t limit, uint32_t access,
                     uint32_t flags)
{
    uint32_t lo = (limit & 0xFFFF) | base << 16;
    uint32_t hi =
        ((base >> 16) & 0xFF) | access << 8 | (limit & 0xF0000) | flags << 20 | (base & 0xFF000000u);
    mem_write_block(m, G_GDT + sel, &lo, 4);
    mem_write_block(m, G_GDT + sel + 4, &hi, 4);
}

static void load_seg(struct machine *m, int seg, uint16_t sel)
{
    struct desc d;
    mem_read_block(m, G_GDT + (sel & ~7u), &d.lo, 4);
    mem_read_block(m, G_GDT + (sel & ~7u) + 4, &d.hi, 4);
    d.addr = G_GDT + (sel & ~7u);
    desc_parse(&d);
    seg_load_desc(&m->cpu, seg, sel, &d);
}

static void guest_tables(struct machine *m)
{
    static const uint8_t zero[8];
    mem_write_block(m, G_GDT, zero, 8);
    put_desc(m, SEL_KCODE, 0, 0xFFFFF, 0x9B, 0xC);
    put_desc(m, SEL_KDATA, 0, 0xFFFFF, 0x93, 0xC);
    put_desc(m, SEL_UCODE & ~3u, 0, 0xFFFFF, 0xFB, 0xC);
    put_desc(m, SEL_UDATA & ~3u, 0, 0xFFFFF, 0xF3, 0xC);
    put_desc(m, SEL_TSS, G_TSS, 0x67, 0x8B, 0);
    uint8_t tss[0x68];
    memset(tss, 0, sizeof(tss));
    uint32_t esp0 = G_KSTACK, ss0 = SEL_KDATA;
    memcpy(tss + 4, &esp0, 4);
    memcpy(tss + 8, &ss0, 4);
    mem_write_block(m, G_TSS, tss, sizeof(tss));
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t off = G_STUBS + 8 * v;
        uint32_t gate[2] = {(off & 0xFFFF) | SEL_KCODE << 16, (off & 0xFFFF0000u) | 0x8E00};
        mem_write_block(m, G_IDT + 8 * v, gate, 8);
        uint8_t hlt = 0xF4;
        mem_write_block(m, off, &hlt, 1);
    }
}

static bool has_error_code(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* Run one sequence in the guest from the end of the native-only prologue to
 * the epilogue's stop; a fault lands in a ring-0 stub, whose frame gives the
 * faulting EIP and the user ESP and EFLAGS. */
static void guest_run(struct machine *m, const struct diff_case *dc, struct diff_result *res)
{
    struct cpu *c = &m->cpu;
    bool jit = c->jit != NULL;
    /* Drop the last sequence's translations first, so rewriting the code
     * page is not counted as self-modifying code (a page rewritten too
     * often is left to the interpreter). */
    if (jit)
        jit_flush(c);
    mem_write_block(m, DIFF_CODE, dc->code, dc->code_len);
    mem_write_block(m, DIFF_DATA, dc->data, DIFF_DATA_SIZE);
    guest_tables(m);
    memset(&c->regs, 0, sizeof(c->regs));
    c->ESP = DIFF_STACK_TOP;
    c->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
    c->gdtr.base = G_GDT;
    c->gdtr.limit = 0x2F;
    c->idtr.base = G_IDT;
    c->idtr.limit = 32 * 8 - 1;
    memset(&c->ldtr, 0, sizeof(c->ldtr));
    c->tr.sel = SEL_TSS;
    c->tr.base = G_TSS;
    c->tr.limit = 0x67;
    c->tr.flags = 0x8B;
    c->cpl = 3;
    load_seg(m, S_CS, SEL_UCODE);
    for (int s = 0; s < 6; s++)
        if (s != S_CS)
            load_seg(m, s, SEL_UDATA);
    c->eflags = 0x202;
    c->lf.op = LF_NONE;
    c->halted = false;
    c->exit_request = false; /* the last sequence's HLT may have asked to stop */
    m->stop = STOP_NONE;
    c->inhibit_irq = 0;
    c->trap_pending = false;
    c->exc_depth = 0;
    fpu_reset(c);
    cpu_update_hflags(c);
    cpu_tlb_flush(c);
    c->eip = DIFF_CODE + dc->entry;
    m->reset_request = false;

    res->magic = DIFF_MAGIC;
    res->vector = -1;
    res->fault_eip = 0;
    uint32_t stop = DIFF_CODE + dc->stop;
    if (jit) {
        /* Translated blocks run past any EIP we could watch: end the
         * sequence with a HLT, which is #GP at CPL 3, and let the stub's own
         * HLT stop cpu_run. */
        static const uint8_t hlt = 0xF4;
        mem_write_block(m, stop, &hlt, 1);
        for (int n = 0; n < 16 && !c->halted && !m->reset_request; n++)
            cpu_run(c, STEP_LIMIT / 16);
    } else {
        for (int steps = 0; steps < STEP_LIMIT; steps++) {
            if (c->seg[S_CS].sel == SEL_KCODE || m->reset_request || c->eip == stop)
                break;
            cpu_step(c);
        }
    }
    if (c->seg[S_CS].sel == SEL_KCODE) {
        int v = (int)((c->eip - G_STUBS) / 8);
        uint32_t sp = c->ESP + (has_error_code(v) ? 4 : 0), frame[5];
        mem_read_block(m, sp, frame, sizeof(frame));
        if (jit && v == EXC_GP && frame[0] == stop) {
            mem_read_block(m, DIFF_DATA, res->data, DIFF_DATA_SIZE);
            return; /* the HLT at the end */
        }
        res->vector = v;
        res->fault_eip = frame[0];
        uint32_t regs[8];
        memcpy(regs, c->regs.r32, sizeof(regs));
        regs[R_ESP] = frame[3];
        mem_write_block(m, DIFF_CTL + CTL_OUT_REGS, regs, sizeof(regs));
        mem_write_block(m, DIFF_CTL + CTL_OUT_EFLAGS, &frame[2], 4);
    } else if (jit || c->eip != stop) {
        /* Ran away or shut down: report it as a vector no CPU raises. */
        res->vector = m->reset_request ? 256 : 257;
        res->fault_eip = c->eip;
    }
    mem_read_block(m, DIFF_DATA, res->data, DIFF_DATA_SIZE);
}

/* --- reporting ---------------------------------------------------------------- */

static void disassemble(FILE *f, const struct gen_seq *s, uint32_t from)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable)\n");
        return;
    }
    const uint8_t *p = s->dc.code + from;
    size_t len = s->body_end - from;
    uint64_t addr = DIFF_CODE + from;
    while (len) {
        cs_insn *insn;
        size_t n = cs_disasm(h, p, len, addr, 1, &insn);
        if (n == 0) {
            fprintf(f, "  %08" PRIx64 ":  %02x                      (bad)\n", addr, p[0]);
            p++;
            len--;
            addr++;
            continue;
        }
        char hex[64] = "";
        for (size_t k = 0; k < insn->size && k < 15; k++)
            snprintf(hex + 2 * k, sizeof(hex) - 2 * k, "%02x", insn->bytes[k]);
        fprintf(f, "  %08" PRIx64 ":  %-24s %s %s\n", addr, hex, insn->mnemonic, insn->op_str);
        p += insn->size;
        len -= insn->size;
        addr += insn->size;
        cs_free(insn, n);
    }
    cs_close(&h);
}

static void print_fx(FILE *f, const char *what, const uint8_t *fx, const uint8_t *regs)
{
    uint16_t cw, sw;
    memcpy(&cw, fx, 2);
    memcpy(&sw, fx + 2, 2);
    uint32_t fl;
    memcpy(&fl, regs + (CTL_OUT_EFLAGS - CTL_OUT_REGS), 4);
    fprintf(f, "%s: fcw=%04x fsw=%04x ftw=%02x eflags=%08x\n", what, cw, sw, fx[4], fl);
    for (int k = 0; k < 8; k++) {
        uint64_t sig;
        uint16_t se;
        memcpy(&sig, fx + 32 + 16 * k, 8);
        memcpy(&se, fx + 40 + 16 * k, 2);
        fprintf(f, "  st%d=%04x:%016" PRIx64 "%s", k, se, sig, k % 2 ? "\n" : "");
    }
}

static void print_init(FILE *f, const struct gen_seq *s)
{
    static const char *const rn[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    const uint8_t *d = s->dc.data;
    fprintf(f, "initial state:\n ");
    for (int r = 0; r < 8; r++) {
        uint32_t v;
        memcpy(&v, d + CTL_INIT_REGS + 4 * r, 4);
        fprintf(f, " %s=%08x", rn[r], v);
    }
    uint32_t fl;
    memcpy(&fl, d + CTL_INIT_EFLAGS, 4);
    fprintf(f, " eflags=%08x\n", fl);
    if (s->cls != GEN_INT)
        print_fx(f, " ", d + CTL_INIT_FX, d + CTL_INIT_REGS);
}

static void report(FILE *f, const struct options *o, uint32_t index, const struct gen_seq *s,
                   const struct diff_result *nat, const struct diff_result *emu)
{
    fprintf(
        f, "\nFAIL seed=%" PRIu64 " index=%u class=%s (reproduce: diff_host --seed %" PRIu64 " --index %u)\n",
        o->seed, index, gen_class_name(s->cls), o->seed, index);
    disassemble(f, s, s->body_start);
    print_init(f, s);
    fprintf(f, "undefined at the end: eflags %03x, fsw %04x\n", s->eflags_undef, s->fsw_undef);
    diff_compare(s, nat, emu, f);
}

/* Narrow a failure down: the shortest prefix of whole groups that already
 * differs, and its last group. */
static void narrow(FILE *f, struct runner *r, struct machine *m, const struct gen_seq *s)
{
    static struct gen_seq t;
    static struct diff_result nat, emu;
    for (uint32_t k = 1; k <= s->groups; k++) {
        if (!gen_truncate(s, k, &t))
            continue;
        if (runner_run(r, &t.dc, &nat))
            return;
        guest_run(m, &t.dc, &emu);
        if (diff_compare(&t, &nat, &emu, NULL))
            continue;
        uint32_t from = k >= 2 ? s->cut[k - 2].end : s->body_start;
        fprintf(f, "first differs after group %u of %u, which is:\n", k, s->groups);
        if (s->cls != GEN_INT && k >= 2 && gen_truncate(s, k - 1, &t) && !runner_run(r, &t.dc, &nat))
            print_fx(f, "native x87 state before it", nat.data + CTL_OUT_FX, nat.data + CTL_OUT_REGS);
        gen_truncate(s, k, &t);
        runner_run(r, &t.dc, &nat);
        disassemble(f, &t, from);
        fprintf(f, "undefined there: eflags %03x, fsw %04x\n", t.eflags_undef, t.fsw_undef);
        diff_compare(&t, &nat, &emu, f);
        return;
    }
}

/* --- main ----------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: diff_host [--seed N] [--count M] [--first K] [--index I] [--class "
                    "int|x87|trans|mmx]\n"
                    "                 [--max-fail N] [--verbose] [--jit] --runner PATH\n");
}

static int parse(int argc, char **argv, struct options *o)
{
    o->seed = 1;
    o->count = 10000;
    o->first = 0;
    o->index = -1;
    o->max_fail = 10;
    o->only = GEN_CLASSES;
    o->runner = NULL;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o->verbose = true;
            continue;
        }
        if (!strcmp(a, "--jit")) {
            o->jit = true;
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
        else if (!strcmp(a, "--max-fail"))
            o->max_fail = atoi(v);
        else if (!strcmp(a, "--runner"))
            o->runner = v;
        else if (!strcmp(a, "--class")) {
            o->only = GEN_CLASSES;
            for (int c = 0; c < GEN_CLASSES; c++)
                if (!strcmp(v, gen_class_name((enum gen_class)c)))
                    o->only = (enum gen_class)c;
            if (o->only == GEN_CLASSES) {
                fprintf(stderr, "diff_host: unknown class '%s'\n", v);
                return -1;
            }
        } else {
            usage();
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof(o));
    if (parse(argc, argv, &o))
        return 2;
#if !defined(__x86_64__) && !defined(__i386__)
    printf("SKIP: the host is not x86, so there is no native CPU to compare with\n");
    return SKIP_CODE;
#endif
    if (!o.runner || !*o.runner || access(o.runner, X_OK) != 0) {
        printf("SKIP: no 32-bit native runner (gcc -m32 / gcc-multilib missing at build time)\n");
        return SKIP_CODE;
    }
    signal(SIGPIPE, SIG_IGN);
    struct runner r;
    if (runner_start(&r, o.runner)) {
        perror("diff_host: cannot start the runner");
        return 2;
    }
    struct machine_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.cpu_model = CPU_PENTIUM2;
    cfg.ram_mb = 4;
    cfg.deterministic = true;
    cfg.bare = true;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "diff_host: machine_create: %s\n", err);
        return 2;
    }
    /* A bare machine has no JIT unless asked for one. */
    if (o.jit && jit_init(m) < 0) {
        printf("SKIP: no JIT on this host: %s\n", m->error);
        runner_stop(&r);
        machine_destroy(m);
        return SKIP_CODE;
    }

    static struct gen_seq s;
    static struct diff_result nat, emu;
    uint32_t first = o.index >= 0 ? (uint32_t)o.index : o.first;
    uint32_t count = o.index >= 0 ? 1 : o.count;
    uint32_t passed = 0, failed = 0, faults = 0;
    uint32_t per_class[GEN_CLASSES][2];
    memset(per_class, 0, sizeof(per_class));
    for (uint32_t n = 0; n < count; n++) {
        uint32_t index = first + n;
        gen_sequence(&s, o.seed, index, o.only);
        if (runner_run(&r, &s.dc, &nat)) {
            int st = runner_stop(&r);
            /* 2: it cannot map its fixed addresses; 127: the kernel runs no
             * 32-bit programs. Neither is rex86's fault. */
            if (n == 0 && WIFEXITED(st) && (WEXITSTATUS(st) == 2 || WEXITSTATUS(st) == 127)) {
                printf("SKIP: the native runner cannot run here (exit status %d)\n", WEXITSTATUS(st));
                return SKIP_CODE;
            }
            fprintf(stderr, "diff_host: the native runner died at seed=%" PRIu64 " index=%u (status %#x)\n",
                    o.seed, index, st);
            return 1;
        }
        guest_run(m, &s.dc, &emu);
        bool ok = diff_compare(&s, &nat, &emu, NULL);
        per_class[s.cls][ok ? 0 : 1]++;
        if (ok && nat.vector >= 0)
            faults++;
        if (ok) {
            passed++;
            if (o.index >= 0 || o.verbose) {
                printf("PASS seed=%" PRIu64 " index=%u class=%s%s\n", o.seed, index, gen_class_name(s.cls),
                       nat.vector >= 0 ? " (both faulted alike)" : "");
                if (o.index >= 0)
                    disassemble(stdout, &s, s.body_start);
            }
            continue;
        }
        failed++;
        if ((int)failed <= o.max_fail) {
            report(stdout, &o, index, &s, &nat, &emu);
            narrow(stdout, &r, m, &s);
        }
    }
    runner_stop(&r);
    if (o.jit) {
        /* Show that the blocks really ran translated. */
        struct jit_stats st;
        jit_get_stats(m, &st);
        printf("JIT: %" PRIu64 " blocks translated, %" PRIu64 " instructions run translated, %" PRIu64
               " left to the interpreter\n",
               st.blocks_translated, st.insns_run, st.interp_insns);
    }
    machine_destroy(m);
    printf("\ndiff_host%s: seed %" PRIu64 ", sequences %u..%u: %u passed, %u failed (%u ended in a fault on "
           "both sides)\n",
           o.jit ? " (JIT)" : "", o.seed, first, first + count - 1, passed, failed, faults);
    for (int c = 0; c < GEN_CLASSES; c++)
        printf("  %-5s %u passed, %u failed\n", gen_class_name((enum gen_class)c), per_class[c][0],
               per_class[c][1]);
    return failed ? 1 : 0;
}

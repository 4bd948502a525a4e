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

#include "cpu/cpu_priv.h"
#include "cpu/protect.h"
#include "devices/board/machine.h"
#include "translator/jit.h"
#include "diff_cmp.h"
#include "gen.h"
#include "guest.h"

#define SKIP_CODE 77

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

/* --- reporting ---------------------------------------------------------------- */

static void report(FILE *f, const struct options *o, uint32_t index, const struct gen_seq *s,
                   const struct diff_result *nat, const struct diff_result *emu)
{
    fprintf(
        f, "\nFAIL seed=%" PRIu64 " index=%u class=%s (reproduce: diff_host --seed %" PRIu64 " --index %u)\n",
        o->seed, index, gen_class_name(s->cls), o->seed, index);
    diff_disassemble(f, s, s->body_start, s->body_end);
    diff_print_init(f, s);
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
        guest_run(m, &t.dc, &emu, m->cpu.jit ? GUEST_HLT_STOP : 0, STEP_LIMIT);
        if (diff_compare(&t, &nat, &emu, NULL))
            continue;
        uint32_t from = k >= 2 ? s->cut[k - 2].end : s->body_start;
        fprintf(f, "first differs after group %u of %u, which is:\n", k, s->groups);
        if (s->cls != GEN_INT && k >= 2 && gen_truncate(s, k - 1, &t) && !runner_run(r, &t.dc, &nat))
            diff_print_fx(f, "native x87 state before it", nat.data + CTL_OUT_FX, nat.data + CTL_OUT_REGS);
        gen_truncate(s, k, &t);
        runner_run(r, &t.dc, &nat);
        diff_disassemble(f, &t, from, t.body_end);
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
        guest_run(m, &s.dc, &emu, o.jit ? GUEST_HLT_STOP : 0, STEP_LIMIT);
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
                    diff_disassemble(stdout, &s, s.body_start, s.body_end);
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

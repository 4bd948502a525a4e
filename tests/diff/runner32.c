/* Differential testing: the native side. A 32-bit Linux program (gcc -m32)
 * that runs each sequence the harness sends on stdin on the host CPU and
 * answers on stdout with the data block after the run (see layout.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "layout.h"

#if !defined(__i386__)
#error "runner32.c is built with -m32: it runs the sequences as a 32-bit process"
#endif

static sigjmp_buf fault_jmp;
static volatile int fault_vector;
static volatile uint32_t fault_eip;

/* A fault in the sequence: keep the trap number and the registers at the
 * faulting instruction, then leave it. The handler runs on its own stack so
 * the private stack the sequence uses stays as the sequence left it. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    uint32_t *out = (uint32_t *)(uintptr_t)(DIFF_CTL + CTL_OUT_REGS);
    out[0] = (uint32_t)g[REG_EAX];
    out[1] = (uint32_t)g[REG_ECX];
    out[2] = (uint32_t)g[REG_EDX];
    out[3] = (uint32_t)g[REG_EBX];
    out[4] = (uint32_t)g[REG_ESP];
    out[5] = (uint32_t)g[REG_EBP];
    out[6] = (uint32_t)g[REG_ESI];
    out[7] = (uint32_t)g[REG_EDI];
    *(uint32_t *)(uintptr_t)(DIFF_CTL + CTL_OUT_EFLAGS) = (uint32_t)g[REG_EFL];
    fault_vector = (int)g[REG_TRAPNO];
    fault_eip = (uint32_t)g[REG_EIP];
    (void)sig;
    (void)si;
    siglongjmp(fault_jmp, 1);
}

/* A sequence that never ends (a generator bug): give up on it. */
static void on_alarm(int sig)
{
    (void)sig;
    fault_vector = DIFF_VEC_TIMEOUT;
    siglongjmp(fault_jmp, 1);
}

static int read_full(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = read(0, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_full(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(void)
{
    void *want = (void *)(uintptr_t)DIFF_CODE;
    void *got = mmap(want, DIFF_MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got != want) {
        fprintf(stderr, "runner32: cannot map %#x: %s\n", DIFF_CODE,
                got == MAP_FAILED ? strerror(errno) : "taken");
        return 2;
    }
    static uint8_t altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    if (sigaltstack(&ss, NULL) != 0) {
        perror("runner32: sigaltstack");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
        sigaction(sigs[k], &sa, NULL);

    struct sigaction al;
    memset(&al, 0, sizeof(al));
    al.sa_handler = on_alarm;
    al.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&al.sa_mask);
    sigaction(SIGALRM, &al, NULL);

    static struct diff_case dc;
    static struct diff_result res;
    while (read_full(&dc, sizeof(dc)) == 0) {
        if (dc.magic != DIFF_MAGIC || dc.code_len > DIFF_CODE_SIZE) {
            fprintf(stderr, "runner32: bad case from the harness\n");
            return 2;
        }
        memcpy((void *)(uintptr_t)DIFF_CODE, dc.code, dc.code_len);
        memcpy((void *)(uintptr_t)DIFF_DATA, dc.data, DIFF_DATA_SIZE);
        fault_vector = -1;
        fault_eip = 0;
        if (sigsetjmp(fault_jmp, 1) == 0) {
            alarm(2);
            ((void (*)(void))want)();
        }
        alarm(0);
        /* Leave the x87 as C code expects it, whatever the sequence did. */
        __asm__ volatile("fninit\n\tcld" ::: "memory");
        res.magic = DIFF_MAGIC;
        res.vector = fault_vector;
        res.fault_eip = fault_eip;
        memcpy(res.data, (void *)(uintptr_t)DIFF_DATA, DIFF_DATA_SIZE);
        if (write_full(&res, sizeof(res)) != 0)
            return 2;
    }
    return 0;
}

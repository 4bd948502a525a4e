/* The run loop of the interpreter: fetch and decode at CS:EIP, dispatch to
 * the op_* handler, deliver interrupts and exceptions (with #DF and the
 * triple-fault shutdown), the interrupt shadow and single-step traps. */
#include <stddef.h>
#include <stdlib.h>

#include "cpu/cpu_priv.h"
#include "translator/jit.h"

/* Protected-mode delivery through the IDT (cpu/protect.c). */
void cpu_interrupt_pm(struct cpu *c, int vector, int error_code, bool soft, uint32_t return_eip);

_Noreturn void cpu_exception(struct cpu *c, int vector, int error_code)
{
    c->exc_vector = vector;
    c->exc_error = error_code;
    longjmp(c->fault_jmp, 1);
}

_Noreturn void cpu_ud(struct cpu *c)
{
    cpu_exception(c, EXC_UD, EXC_NO_ERR);
}

void op_ud(struct cpu *c, const struct insn *i)
{
    cpu_ud(c);
}

static void interrupt_real(struct cpu *c, int vector, uint32_t return_eip)
{
    uint32_t off = (uint32_t)vector * 4;
    if (c->model >= CPU_286 && off + 3 > c->idtr.limit)
        cpu_exception(c, EXC_GP, vector * 8 + 2);
    uint32_t base = c->model >= CPU_286 ? c->idtr.base : 0;
    uint16_t ip = (uint16_t)lin_read(c, base + off, 2);
    uint16_t cs = (uint16_t)lin_read(c, base + off + 2, 2);
    uint32_t flags = cpu_get_eflags(c);
    cpu_push(c, flags & 0xFFFF, 2);
    cpu_push(c, c->seg[S_CS].sel, 2);
    cpu_push(c, return_eip & 0xFFFF, 2);
    c->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
    cpu_load_seg_real(c, S_CS, cs);
    c->eip = ip;
}

void cpu_interrupt(struct cpu *c, int vector, int error_code, bool soft, uint32_t return_eip)
{
    c->halted = false;
    if (cpu_real(c))
        interrupt_real(c, vector, return_eip);
    else
        cpu_interrupt_pm(c, vector, error_code, soft, return_eip);
}

/* Exceptions whose delivery pushes an error code in protected mode. */
static bool has_error_code(int v)
{
    return v == EXC_DF || (v >= EXC_TS && v <= EXC_PF) || v == EXC_AC;
}

static bool contributory(int v)
{
    return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* A fault unwound to the run loop: restore the instruction's starting state
 * and deliver it; a fault while delivering escalates (SDM 3A §6.15, table
 * 6-5): contributory or #PF twice -> #DF, a fault during #DF -> shutdown. */
static void deliver_fault(struct cpu *c)
{
    int vec = c->exc_vector;
    int err = c->exc_error;
    c->eip = c->insn_eip;
    c->ESP = c->insn_esp;
    c->halted = false;
    c->inhibit_irq = 0;
    c->tlb_cur = c->tlb[c->cpl == 3 ? 1 : 0]; /* a fault in a sys_read/sys_write */
    if (c->exc_depth > 0 && c->model >= CPU_286) {
        int prev = c->exc_pending_vector;
        if (prev == EXC_DF) {
            /* Triple fault: the chip shuts down; the board turns that into a
             * reset (the 286 BIOS trick). */
            c->exc_depth = 0;
            machine_request_reset(c->m);
            return;
        }
        bool df = (contributory(prev) && contributory(vec)) ||
                  (prev == EXC_PF && (contributory(vec) || vec == EXC_PF));
        if (df) {
            vec = EXC_DF;
            err = 0;
        }
    }
    c->exc_pending_vector = vec;
    c->exc_depth++;
    uint32_t ret = c->eip;
    /* The 8086 pushes the address after a divide that overflowed. */
    if (vec == EXC_DE && c->model < CPU_286)
        ret = c->next_eip;
    if (cpu_real(c) || !has_error_code(vec))
        err = EXC_NO_ERR;
    cpu_interrupt(c, vec, err, false, ret);
    c->exc_depth = 0;
}

/* The interpreter's decode cache: decoding costs more than running most
 * instructions, so decoded forms are kept by linear address and reused when
 * the bytes in memory still match the bytes they were decoded from. The byte
 * comparison makes self-modifying code safe without any invalidation. An
 * entry is one 64-byte line: the key, the 16 bytes at the address when it
 * was decoded, and the decoded form (whose len says how many of the bytes
 * count). */
#define DCACHE_BITS 12
#define DCACHE_SIZE (1u << DCACHE_BITS)

struct dcache_entry {
    uint64_t key; /* dcache_key(); 0: empty */
    uint64_t bytes[2];
    struct insn insn;
};

_Static_assert(sizeof(struct dcache_entry) == 64, "a decode-cache entry fills one cache line");

static inline uint64_t dcache_key(uint32_t lin, bool def32)
{
    return lin | (uint64_t)def32 << 32 | 1ull << 33;
}

/* Set in the key of an entry whose instruction may raise #UD for its form
 * (insn_check): the inline fast path does not match it, so it goes through
 * fetch_decode_slow, which checks. */
#define DCACHE_CHECK (1ull << 34)

/* Whether the decoded form may be #UD whatever the operands: a
 * protected-mode-only instruction, a memory-only form with a register, a
 * LOCK where it is not allowed (SDM 2A §3.2 LOCK; the 8086 and 286 ignore
 * it). Only A_PM depends on the mode; insn_check decides. */
static bool insn_may_ud(const struct cpu *c, const struct insn *i)
{
    uint16_t attr = i->info->attr;
    return (attr & A_PM) || ((attr & A_MEM) && i->mod == 3) ||
           (i->lock && c->model >= CPU_386 && (!(attr & A_LOCK) || i->mod == 3));
}

static const struct insn *insn_check(struct cpu *c, const struct insn *i)
{
    uint16_t attr = i->info->attr;
    if (UNLIKELY(attr & (A_PM | A_MEM)) || UNLIKELY(i->lock)) {
        if ((attr & A_PM) && (cpu_real(c) || cpu_is_v86(c)))
            cpu_ud(c);
        if ((attr & A_MEM) && i->mod == 3)
            cpu_ud(c);
        if (i->lock && c->model >= CPU_386 && (!(attr & A_LOCK) || i->mod == 3))
            cpu_ud(c);
    }
    return i;
}

/* dcache_mask[len]: the bits of the 16 bytes that a len-byte instruction
 * occupies. */
#define DM(n) ((n) >= 8 ? ~0ull : (1ull << ((n)*8)) - 1)
#define DM2(n)                                                                                               \
    {                                                                                                        \
        DM(n), (n) <= 8 ? 0 : DM((n)-8)                                                                      \
    }
static const uint64_t dcache_mask[DECODE_MAX_LEN + 1][2] = {
    DM2(0), DM2(1), DM2(2),  DM2(3),  DM2(4),  DM2(5),  DM2(6),  DM2(7),
    DM2(8), DM2(9), DM2(10), DM2(11), DM2(12), DM2(13), DM2(14), DM2(15),
};
#undef DM
#undef DM2

/* Whether the 16 bytes at p still hold the entry's instruction. */
static inline bool dcache_match(const struct dcache_entry *d, const uint8_t *p)
{
    uint64_t b0, b1;
    memcpy(&b0, p, 8);
    memcpy(&b1, p + 8, 8);
    const uint64_t *m = dcache_mask[d->insn.len];
    return (((b0 ^ d->bytes[0]) & m[0]) | ((b1 ^ d->bytes[1]) & m[1])) == 0;
}

static inline uint32_t dcache_index(uint32_t lin)
{
    return (lin ^ (lin >> DCACHE_BITS)) & (DCACHE_SIZE - 1);
}

void cpu_dcache_init(struct cpu *c)
{
    if (!c->dcache) {
        size_t n = DCACHE_SIZE * sizeof(struct dcache_entry);
        c->dcache = aligned_alloc(64, n);
        if (c->dcache)
            memset(c->dcache, 0, n);
    }
}

/* Fetch the instruction at CS:EIP and decode it, the slow way: near a page
 * or limit edge, on a decode-cache miss, or for an instruction that may be
 * #UD for its form (checked here). Near an edge the bytes are
 * gathered one at a time, and a fault is raised only for a byte the
 * instruction really needs. */
static __attribute__((noinline)) const struct insn *fetch_decode_slow(struct cpu *c, struct insn *i)
{
    struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    bool def32 = (cs->flags & SEGF_DB) != 0;
    if ((uint64_t)eip + DECODE_MAX_LEN <= cs->limit) {
        uint32_t lin = cs->base + eip;
        struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
        /* A TLB miss on the first byte: that byte is needed whatever the
         * instruction is, so a fault on it is the fetch's own fault. Fill
         * the entry, which walks the tables once, and stay on the fast
         * path. (The JIT leaves code whose page is not in the TLB to this
         * instruction, so this is the common way in here.) */
        if (e->tag_r != (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - 16)
            cpu_tlb_fill(c, lin, ACC_EXEC);
        if (e->tag_r == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - 16) {
            const uint8_t *p = (const uint8_t *)(e->addend + lin);
            struct dcache_entry *d = &c->dcache[dcache_index(lin)];
            uint64_t key = dcache_key(lin, def32);
            if ((d->key & ~DCACHE_CHECK) == key && dcache_match(d, p))
                return insn_check(c, &d->insn);
            int n = decode_insn(&d->insn, p, 16, def32, c->model);
            if (LIKELY(n > 0)) {
                d->key = key | (insn_may_ud(c, &d->insn) ? DCACHE_CHECK : 0);
                memcpy(d->bytes, p, 16);
                return insn_check(c, &d->insn);
            }
            d->key = 0;
            if (n < 0)
                cpu_exception(c, EXC_GP, 0);
        }
    }
    uint8_t buf[16];
    int avail = 0;
    bool user = c->cpl == 3;
    uint32_t probed = 1; /* the linear page last probed; never page-aligned */
    for (; avail < 16; avail++) {
        uint32_t off = eip + (uint32_t)avail;
        if (c->model < CPU_286)
            off &= 0xFFFF;
        else if (off > cs->limit || off < eip)
            break;
        uint32_t lin = cs->base + off, pa;
        /* One probe per page the bytes lie in, not one per byte. */
        if ((lin & ~0xFFFu) != probed) {
            if (!cpu_translate_probe(c, lin, ACC_EXEC, user, &pa))
                break;
            probed = lin & ~0xFFFu;
        }
        buf[avail] = (uint8_t)lin_read(c, lin, 1);
    }
    int n = decode_insn(i, buf, avail, def32, c->model);
    if (n > 0)
        return insn_check(c, i);
    if (n < 0)
        cpu_exception(c, EXC_GP, 0);
    /* The instruction needs byte `avail`, which faults. */
    uint32_t off = eip + (uint32_t)avail;
    if (off > cs->limit || off < eip || avail >= 16)
        cpu_exception(c, EXC_GP, 0);
    cpu_translate(c, cs->base + off, ACC_EXEC, user);
    cpu_exception(c, EXC_GP, 0); /* not reached: the translation faults */
}

/* The fast path: CS:EIP well inside CS (on the 8086 and 186 too: their
 * limit is always FFFF, so no byte of the instruction wraps IP), a page the
 * soft TLB maps, and the decode cache holding the instruction that is
 * there, one that cannot be #UD for its form. */
static inline __attribute__((always_inline)) const struct insn *fetch_decode(struct cpu *c, struct insn *i)
{
    const struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (LIKELY((uint64_t)eip + DECODE_MAX_LEN <= cs->limit)) {
        uint32_t lin = cs->base + eip;
        const struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
        if (LIKELY(e->tag_r == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - 16)) {
            const struct dcache_entry *d = &c->dcache[dcache_index(lin)];
            if (LIKELY(d->key == dcache_key(lin, (cs->flags & SEGF_DB) != 0) &&
                       dcache_match(d, (const uint8_t *)(e->addend + lin))))
                return &d->insn;
        }
    }
    return fetch_decode_slow(c, i);
}

static inline __attribute__((always_inline)) void exec_one(struct cpu *c)
{
    struct insn buf;
    uint32_t eip = c->eip, esp = c->ESP;
    /* Two 32-bit loads: the compiler would otherwise read eip and esp as
     * 64-bit loads together with their neighbours in struct cpu and pair
     * them up with vector instructions, and a 64-bit load of a register
     * just written with 32 bits stalls (no store forwarding). */
    __asm__("" : "+r"(eip), "+r"(esp));
    c->insn_eip = eip;
    c->insn_esp = esp;
    const struct insn *i = fetch_decode(c, &buf);
    uint32_t next = c->eip + i->len;
    if (!(c->seg[S_CS].flags & SEGF_DB))
        next &= 0xFFFF;
    c->next_eip = next;
    c->eip = next;
    i->info->fn(c, i);
    c->icount++;
}

static void check_interrupts(struct cpu *c)
{
    if (c->nmi_pending) {
        c->nmi_pending = false;
        c->insn_eip = c->eip;
        c->insn_esp = c->ESP;
        cpu_interrupt(c, EXC_NMI, EXC_NO_ERR, false, c->eip);
        return;
    }
    if (c->intr_line && (c->eflags & F_IF) && c->m->intr_ack) {
        c->insn_eip = c->eip;
        c->insn_esp = c->ESP;
        int vec = c->m->intr_ack(c->m->intr_opaque);
        if (vec >= 0)
            cpu_interrupt(c, vec, EXC_NO_ERR, false, c->eip);
    }
}

/* The four flags that stop a run of interpreted instructions, read as one
 * word: halted, INTR raised (maybe masked: the loop in cpu_run looks closer),
 * NMI pending, interrupt shadow. */
_Static_assert(offsetof(struct cpu, intr_line) == offsetof(struct cpu, halted) + 1 &&
                   offsetof(struct cpu, nmi_pending) == offsetof(struct cpu, halted) + 2 &&
                   offsetof(struct cpu, inhibit_irq) == offsetof(struct cpu, halted) + 3 && sizeof(bool) == 1,
               "halted, intr_line, nmi_pending and inhibit_irq are four adjacent bytes");

static inline bool stop_flags(const struct cpu *c)
{
    uint32_t w;
    memcpy(&w, &c->halted, 4);
    return w != 0;
}

/* Whether the next instruction can run straight after the last one in the
 * interpreter: cycles left, no exit asked for, nothing for the checks at the
 * top of cpu_run's loop (interrupts, the shadow, halt), no single-step trap
 * to raise after it and no code the JIT would take. */
static inline bool interp_run_on(const struct cpu *c)
{
    return c->cycles_left > 0 && !c->exit_request && !stop_flags(c) && !(c->eflags & F_TF) &&
           !(c->jit && jit_may_take(c));
}

/* The loop of cpu_run, in a function of its own: a fault unwinds past it
 * to the setjmp in cpu_run, and the loop's own variables stay in host
 * registers (in the function that calls setjmp they live on the stack). */
static __attribute__((noinline)) void run_loop(struct cpu *c)
{
    while (c->cycles_left > 0 && !c->exit_request) {
        /* The instruction in an interrupt shadow runs alone, in the
         * interpreter: interrupts are looked at again right after it. */
        bool shadow = c->inhibit_irq != 0;
        if (shadow) {
            c->inhibit_irq = 0;
        } else if (UNLIKELY(c->nmi_pending || (c->intr_line && (c->eflags & F_IF)))) {
            check_interrupts(c);
        }
        if (UNLIKELY(c->halted))
            break;
        /* Generated code counts its instructions in icount and cycles_left.
         * Real mode, V86 and single-stepping stay with the interpreter
         * (jit_exec would refuse them): no call per instruction for them. */
        if (c->jit && !shadow) {
            if (jit_may_take(c)) {
                if (jit_exec(c))
                    continue;
            } else {
                c->jit_from = NULL; /* what jit_exec does on its way out */
            }
        }
        bool tf = (c->eflags & F_TF) != 0;
        exec_one(c);
        c->cycles_left--;
        if (UNLIKELY(tf) && !c->inhibit_irq) {
            /* Single-step trap after the instruction (SDM 3A §17.3.1.4). */
            c->dr[6] |= 0x4000;
            c->insn_eip = c->eip;
            c->insn_esp = c->ESP;
            cpu_interrupt(c, EXC_DB, EXC_NO_ERR, false, c->eip);
            continue;
        }
        /* Real mode and V86 run here instruction after instruction (what
         * the checks above would do for them when none of them applies). */
        while (LIKELY(interp_run_on(c))) {
            exec_one(c);
            c->cycles_left--;
        }
    }
}

uint64_t cpu_run(struct cpu *c, int64_t cycles)
{
    uint64_t start = c->icount;
    c->cycles_left = cycles;
    c->in_run = true; /* clock_event_arm may shorten cycles_left from here */
    if (setjmp(c->fault_jmp)) {
        if (c->jit)
            jit_leave(c);
        deliver_fault(c);
        c->cycles_left--;
    }
    run_loop(c);
    c->in_run = false;
    return c->icount - start;
}

void cpu_step(struct cpu *c)
{
    bool saved = c->exit_request;
    c->exit_request = false;
    cpu_run(c, 1);
    c->exit_request = saved;
}

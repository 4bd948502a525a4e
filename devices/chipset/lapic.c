/* The local APIC (Intel SDM vol. 3A ch. 10) of a Pentium or P6: register
 * file, priority arbitration, EOI (with the level EOI to the I/O APIC), the
 * LVT, the timer counting the bus clock on virtual time, and self IPIs. */
#include "devices/chipset/lapic.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/ioapic.h"

#define LAPIC_MAGIC    0x4349504Cu /* "LPIC" */
#define LAPIC_MMIO_LEN 0x1000u

/* IA32_APIC_BASE bits (SDM 3A §10.4.4). */
#define BASE_BSP    (1u << 8)
#define BASE_ENABLE (1u << 11)

/* LVT fields (SDM 3A figure 10-8). */
#define LVT_MASKED     (1u << 16)
#define LVT_LEVEL      (1u << 15)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_PERIODIC   (1u << 17)
#define LVT_DM(v)      (((v) >> 8) & 7)

#define SVR_ENABLE (1u << 8)

/* ESR bits (SDM 3A §10.5.3). */
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG  (1u << 7)

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Writable bits of each LVT entry; delivery status and remote IRR are read
 * only and kept apart. */
static const uint32_t lvt_writable[LVT_COUNT] = {
    0x000300FFu, /* timer: vector, mask, periodic */
    0x000107FFu, /* thermal: vector, delivery mode, mask */
    0x000107FFu, /* performance counters */
    0x0001A7FFu, /* LINT0: vector, mode, polarity, trigger, mask */
    0x0001A7FFu, /* LINT1 */
    0x000100FFu, /* error: vector, mask */
};

struct lapic_state {
    uint32_t magic, size;
    uint64_t base_msr;
    uint32_t id, tpr, ldr, dfr, svr;
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t timer_icr, timer_dcr;
    uint64_t timer_start;    /* virtual ns at which the count was (re)loaded */
    uint64_t timer_deadline; /* virtual ns the count reaches zero; 0 = idle */
    uint8_t lint[2];         /* LINT0/LINT1 pin levels */
    uint8_t extint_io;       /* ExtINT level from the I/O APIC */
    uint8_t intr;            /* INTR as last reported to the CPU */
    uint32_t pad;
};

struct lapic {
    struct lapic_state st;
    /* Not state: wiring fixed at creation. */
    uint32_t version;
    struct machine *m;
    struct clock_event timer_ev;
    int (*pic_ack)(void *opaque);
    void *pic_opaque;
};

/* --- 256-bit registers and priorities -------------------------------- */

static void bit_set(uint32_t *r, int v)
{
    r[v >> 5] |= 1u << (v & 31);
}
static void bit_clear(uint32_t *r, int v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}
static bool bit_test(const uint32_t *r, int v)
{
    return (r[v >> 5] >> (v & 31)) & 1;
}

static int highest(const uint32_t *r)
{
    for (int k = 7; k >= 0; k--)
        if (r[k])
            return k * 32 + 31 - __builtin_clz(r[k]);
    return -1;
}

/* PPR (SDM 3A §10.8.3.1): TPR when its class is at least the class of the
 * highest vector in service, else that class with a zero sub-class. */
static uint32_t lapic_ppr(const struct lapic *l)
{
    int isrv = highest(l->st.isr);
    uint32_t tpr = l->st.tpr & 0xFF;
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    return (tpr & 0xF0) >= isr_class ? tpr : isr_class;
}

/* The vector the APIC would hand the CPU now, or -1: the highest IRR entry
 * whose class is above the PPR's (SDM 3A §10.8.3.1). */
static int lapic_pending(const struct lapic *l)
{
    int irrv = highest(l->st.irr);
    if (irrv < 0 || ((uint32_t)irrv & 0xF0) <= (lapic_ppr(l) & 0xF0))
        return -1;
    return irrv;
}

static bool hw_enabled(const struct lapic *l)
{
    return (l->st.base_msr & BASE_ENABLE) != 0;
}
static bool sw_enabled(const struct lapic *l)
{
    return hw_enabled(l) && (l->st.svr & SVR_ENABLE);
}

/* Whether the 8259's INTR reaches the CPU as an ExtINT: always while the
 * APIC is disabled (a P6 with its APIC off wires LINT0 to INTR, SDM 3A
 * §10.4.3; software disabled is the state at reset, before any BIOS set up
 * virtual wire mode), else when LINT0 is an unmasked ExtINT entry (the
 * MP spec's virtual wire mode, §3.6.2.2); and from the I/O APIC. */
static bool extint_pending(const struct lapic *l)
{
    if (l->st.extint_io)
        return true;
    if (!l->st.lint[0])
        return false;
    if (!sw_enabled(l))
        return true;
    uint32_t lvt = l->st.lvt[LVT_LINT0];
    return !(lvt & LVT_MASKED) && LVT_DM(lvt) == APIC_DM_EXTINT;
}

static void lapic_update(struct lapic *l)
{
    bool out = extint_pending(l) || (hw_enabled(l) && lapic_pending(l) >= 0);
    l->st.intr = out;
    cpu_set_intr(&l->m->cpu, out);
}

/* A fixed interrupt accepted into the IRR (SDM 3A §10.8.4). Vectors 0-15
 * are illegal and only set the receive error. */
static void lapic_accept(struct lapic *l, uint8_t vector, bool level);

static void lapic_error(struct lapic *l, uint32_t bits)
{
    l->st.esr_pending |= bits;
    uint32_t lvt = l->st.lvt[LVT_ERROR];
    if (!(lvt & LVT_MASKED) && (lvt & 0xFF) >= 16)
        lapic_accept(l, (uint8_t)lvt, false);
}

static void lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        lapic_error(l, ESR_RECV_ILLEGAL);
        return;
    }
    bit_set(l->st.irr, vector);
    if (level)
        bit_set(l->st.tmr, vector);
    else
        bit_clear(l->st.tmr, vector);
    lapic_update(l);
}

/* An interrupt from an LVT entry: fixed sets the IRR, NMI raises the NMI,
 * ExtINT is the pass-through (handled at INTA). */
static void lvt_fire(struct lapic *l, int entry)
{
    uint32_t lvt = l->st.lvt[entry];
    if (lvt & LVT_MASKED)
        return;
    switch (entry == LVT_TIMER || entry == LVT_ERROR ? APIC_DM_FIXED : LVT_DM(lvt)) {
    case APIC_DM_FIXED: lapic_accept(l, (uint8_t)lvt, entry >= LVT_LINT0 && (lvt & LVT_LEVEL)); break;
    case APIC_DM_NMI: cpu_raise_nmi(&l->m->cpu); break;
    default: break; /* SMI, INIT: nothing on this machine; ExtINT: at INTA */
    }
}

/* --- timer (SDM 3A §10.5.4) ------------------------------------------ */

/* Divide configuration: bits 3,1,0 encode 2, 4, ... 128, and 111b is 1. */
static uint64_t timer_tick_ns_x(const struct lapic *l)
{
    uint32_t d = l->st.timer_dcr;
    unsigned code = ((d >> 1) & 4) | (d & 3);
    unsigned div = code == 7 ? 1 : 2u << code;
    return (uint64_t)div * (1000000000u / LAPIC_BUS_HZ);
}

static uint32_t timer_current(struct lapic *l)
{
    if (!l->st.timer_deadline || !l->st.timer_icr)
        return 0;
    uint64_t now = clock_now(l->m);
    uint64_t tick = timer_tick_ns_x(l);
    uint64_t elapsed = now > l->st.timer_start ? (now - l->st.timer_start) / tick : 0;
    if (elapsed >= l->st.timer_icr) {
        if (!(l->st.lvt[LVT_TIMER] & LVT_PERIODIC))
            return 0;
        elapsed %= l->st.timer_icr;
    }
    return l->st.timer_icr - (uint32_t)elapsed;
}

static void timer_arm(struct lapic *l)
{
    if (!l->st.timer_icr) {
        l->st.timer_deadline = 0;
        clock_event_cancel(l->m, &l->timer_ev);
        return;
    }
    l->st.timer_deadline = l->st.timer_start + (uint64_t)l->st.timer_icr * timer_tick_ns_x(l);
    clock_event_arm(l->m, &l->timer_ev, l->st.timer_deadline);
    /* Let the run loop recompute its slice: the deadline may be nearer
     * than the end of the current one (and leave a translated block). */
    l->m->cpu.exit_request = true;
    l->m->cpu.jit_exit = 1;
}

static void timer_expired(void *opaque)
{
    struct lapic *l = opaque;
    if (!l->st.timer_deadline)
        return;
    lvt_fire(l, LVT_TIMER);
    if (!(l->st.lvt[LVT_TIMER] & LVT_PERIODIC)) {
        l->st.timer_deadline = 0;
        return;
    }
    /* Periodic: reload from the deadline, not from now, so the period does
     * not drift; periods the machine slept through are coalesced. */
    uint64_t period = (uint64_t)l->st.timer_icr * timer_tick_ns_x(l);
    uint64_t now = clock_now(l->m);
    uint64_t start = l->st.timer_deadline;
    if (start + period <= now)
        start += (now - start) / period * period;
    l->st.timer_start = start;
    l->st.timer_deadline = start + period;
    clock_event_arm(l->m, &l->timer_ev, l->st.timer_deadline);
}

/* --- EOI and IPIs ---------------------------------------------------- */

static void lapic_eoi(struct lapic *l)
{
    int v = highest(l->st.isr);
    if (v < 0)
        return;
    bit_clear(l->st.isr, v);
    /* A level-triggered vector: the EOI goes to the I/O APICs, which clear
     * their remote IRR (SDM 3A §10.8.5). */
    if (bit_test(l->st.tmr, v)) {
        if (l->m->ioapic)
            ioapic_eoi(l->m->ioapic, (uint8_t)v);
        /* A level LINT entry's remote IRR clears at its EOI; a pin still
         * high requests again (§10.5.1). */
        for (int e = LVT_LINT0; e <= LVT_LINT1; e++) {
            uint32_t *lvt = &l->st.lvt[e];
            if ((*lvt & LVT_REMOTE_IRR) && (*lvt & 0xFF) == (uint32_t)v) {
                *lvt &= ~LVT_REMOTE_IRR;
                if (l->st.lint[e - LVT_LINT0] && !(*lvt & LVT_MASKED)) {
                    *lvt |= LVT_REMOTE_IRR;
                    lvt_fire(l, e);
                }
            }
        }
    }
    lapic_update(l);
}

/* Logical destination match (SDM 3A §10.6.2.2): flat model ANDs the 8-bit
 * masks; cluster model compares the cluster and ANDs the member bits. */
static bool logical_match(const struct lapic *l, uint8_t dest)
{
    uint8_t ldr = (uint8_t)(l->st.ldr >> 24);
    if ((l->st.dfr >> 28) == 0xF)
        return (dest & ldr) != 0;
    if ((dest >> 4) != 0xF && (dest >> 4) != (ldr >> 4))
        return false;
    return (dest & ldr & 0x0F) != 0;
}

bool lapic_deliver(struct lapic *l, uint8_t dest, bool logical, int mode, uint8_t vector, bool level)
{
    if (!l || !hw_enabled(l))
        return false;
    bool match = logical ? logical_match(l, dest) : (dest == 0xFF || dest == (uint8_t)(l->st.id >> 24));
    if (!match)
        return false;
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* A software-disabled APIC takes no fixed interrupts (§10.4.7.2). */
        if (sw_enabled(l))
            lapic_accept(l, vector, level);
        break;
    case APIC_DM_NMI: cpu_raise_nmi(&l->m->cpu); break;
    default: break; /* SMI, INIT, STARTUP: the single CPU is already running */
    }
    return true;
}

/* Writing the ICR's low half sends the IPI (SDM 3A §10.6.1). With one CPU
 * the only possible target is this APIC; INIT and STARTUP are accepted
 * and have nothing to start. */
static void lapic_send_ipi(struct lapic *l)
{
    uint32_t lo = l->st.icr_lo;
    int mode = (int)((lo >> 8) & 7);
    uint8_t vector = (uint8_t)lo;
    int shorthand = (int)((lo >> 18) & 3);
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        lapic_error(l, ESR_SEND_ILLEGAL);
        return;
    }
    switch (shorthand) {
    case 0: lapic_deliver(l, (uint8_t)(l->st.icr_hi >> 24), (lo >> 11) & 1, mode, vector, false); break;
    case 1:
    case 2:
        if (mode == APIC_DM_FIXED || mode == APIC_DM_NMI)
            lapic_deliver(l, 0xFF, false, mode, vector, false);
        break;
    default: break; /* all excluding self: nobody else */
    }
}

/* --- the register file ----------------------------------------------- */

static uint32_t lapic_read_reg(struct lapic *l, uint32_t off)
{
    struct lapic_state *s = &l->st;
    if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
        return s->isr[(off - LAPIC_ISR) >> 4];
    if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
        return s->tmr[(off - LAPIC_TMR) >> 4];
    if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
        return s->irr[(off - LAPIC_IRR) >> 4];
    if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR) {
        int e = (int)(off - LAPIC_LVT_TIMER) >> 4;
        uint32_t v = s->lvt[e];
        /* P6 has no thermal LVT (max LVT 4): the slot reads as zero. */
        if (e == LVT_THERMAL && ((l->version >> 16) & 0xFF) < 5)
            return 0;
        return v;
    }
    switch (off) {
    case LAPIC_ID: return s->id;
    case LAPIC_VERSION: return l->version;
    case LAPIC_TPR: return s->tpr;
    case LAPIC_APR: {
        /* Arbitration priority (§10.8.3.2): the larger of TPR, ISRV and
         * IRRV classes. Only used for lowest-priority arbitration. */
        uint32_t p = lapic_ppr(l);
        int irrv = highest(s->irr);
        if (irrv >= 0 && ((uint32_t)irrv & 0xF0) > (p & 0xF0))
            p = (uint32_t)irrv & 0xF0;
        return p;
    }
    case LAPIC_PPR: return lapic_ppr(l);
    case LAPIC_LDR: return s->ldr;
    case LAPIC_DFR: return s->dfr;
    case LAPIC_SVR: return s->svr;
    case LAPIC_ESR: return s->esr;
    case LAPIC_ICR_LO: return s->icr_lo & ~(1u << 12); /* delivery status: idle */
    case LAPIC_ICR_HI: return s->icr_hi;
    case LAPIC_TIMER_ICR: return s->timer_icr;
    case LAPIC_TIMER_CCR: return timer_current(l);
    case LAPIC_TIMER_DCR: return s->timer_dcr;
    case LAPIC_EOI: return 0;
    default: lapic_error(l, ESR_ILLEGAL_REG); return 0;
    }
}

static void lapic_write_lvt(struct lapic *l, int e, uint32_t v)
{
    struct lapic_state *s = &l->st;
    uint32_t keep = s->lvt[e] & ~lvt_writable[e];
    if (!(s->svr & SVR_ENABLE))
        v |= LVT_MASKED; /* masks stay set while software disabled (§10.4.7.2) */
    uint32_t old = s->lvt[e];
    s->lvt[e] = keep | (v & lvt_writable[e]);
    if (e == LVT_TIMER && ((old ^ s->lvt[e]) & LVT_PERIODIC) && s->timer_deadline) {
        /* A mode change re-derives the deadline from the running count. */
        uint32_t cur = timer_current(l);
        uint64_t now = clock_now(l->m);
        uint64_t tick = timer_tick_ns_x(l);
        s->timer_start = now - (uint64_t)(s->timer_icr - cur) * tick;
        if (cur)
            timer_arm(l);
    }
    /* A level input unmasked while its pin is high. */
    if ((e == LVT_LINT0 || e == LVT_LINT1) && s->lint[e - LVT_LINT0] && (s->lvt[e] & LVT_LEVEL) &&
        !(s->lvt[e] & (LVT_MASKED | LVT_REMOTE_IRR)) && LVT_DM(s->lvt[e]) == APIC_DM_FIXED) {
        s->lvt[e] |= LVT_REMOTE_IRR;
        lvt_fire(l, e);
    }
    lapic_update(l);
}

static void lapic_write_reg(struct lapic *l, uint32_t off, uint32_t v)
{
    struct lapic_state *s = &l->st;
    if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR) {
        lapic_write_lvt(l, (int)(off - LAPIC_LVT_TIMER) >> 4, v);
        return;
    }
    switch (off) {
    case LAPIC_ID: s->id = v & 0x0F000000u; break;
    case LAPIC_TPR:
        s->tpr = v & 0xFF;
        lapic_update(l);
        break;
    case LAPIC_EOI: lapic_eoi(l); break;
    case LAPIC_LDR: s->ldr = v & 0xFF000000u; break;
    case LAPIC_DFR: s->dfr = (v & 0xF0000000u) | 0x0FFFFFFFu; break;
    case LAPIC_SVR:
        /* Pentium and P6: vector bits 0-3 are hardwired to ones. */
        s->svr = (v & 0x3F0u) | 0xFu;
        if (!(s->svr & SVR_ENABLE))
            for (int e = 0; e < LVT_COUNT; e++)
                s->lvt[e] |= LVT_MASKED;
        lapic_update(l);
        break;
    case LAPIC_ESR:
        /* A write latches the errors seen since the last one (§10.5.3). */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case LAPIC_ICR_LO:
        s->icr_lo = v & 0x000CCFFFu;
        lapic_send_ipi(l);
        break;
    case LAPIC_ICR_HI: s->icr_hi = v & 0xFF000000u; break;
    case LAPIC_TIMER_ICR:
        s->timer_icr = v;
        s->timer_start = clock_now(l->m);
        timer_arm(l);
        break;
    case LAPIC_TIMER_DCR: {
        uint32_t cur = timer_current(l);
        s->timer_dcr = v & 0xB;
        if (s->timer_deadline && cur) {
            s->timer_start = clock_now(l->m) - (uint64_t)(s->timer_icr - cur) * timer_tick_ns_x(l);
            timer_arm(l);
        }
        break;
    }
    case LAPIC_VERSION:
    case LAPIC_APR:
    case LAPIC_PPR:
    case LAPIC_TIMER_CCR: break; /* read only */
    default:
        if (!((off >= LAPIC_ISR && off < LAPIC_IRR + 0x80)))
            lapic_error(l, ESR_ILLEGAL_REG);
        break;
    }
}

/* Registers are 32 bits on 16-byte boundaries; narrower accesses see
 * their part of the aligned dword. */
static uint32_t lapic_mmio_read(void *opaque, uint32_t addr, int size)
{
    struct lapic *l = opaque;
    if (!hw_enabled(l))
        return 0xFFFFFFFFu;
    uint32_t off = addr & 0xFFF;
    uint32_t v = (off & 0xF) >= 4 ? 0 : lapic_read_reg(l, off & 0xFF0);
    v >>= 8 * (off & 3);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void lapic_mmio_write(void *opaque, uint32_t addr, uint32_t value, int size)
{
    struct lapic *l = opaque;
    uint32_t off = addr & 0xFFF;
    if (!hw_enabled(l) || (off & 0xF) >= 4)
        return;
    if (size != 4 || (off & 3))
        value = (lapic_read_reg(l, off & 0xFF0) & ~(((1u << (8 * size)) - 1) << (8 * (off & 3)))) |
                (value << (8 * (off & 3)));
    lapic_write_reg(l, off & 0xFF0, value);
}

/* --- the pins and the acknowledge ------------------------------------ */

void lapic_set_lint(struct lapic *l, int lint, bool level)
{
    int e = LVT_LINT0 + lint;
    bool old = l->st.lint[lint];
    l->st.lint[lint] = level;
    uint32_t lvt = l->st.lvt[e];
    if (lint == 1 && level && !old && !sw_enabled(l)) {
        cpu_raise_nmi(&l->m->cpu); /* APIC off: LINT1 is the NMI pin */
    } else if (sw_enabled(l) && !(lvt & LVT_MASKED) && LVT_DM(lvt) != APIC_DM_EXTINT) {
        if (LVT_DM(lvt) == APIC_DM_FIXED && (lvt & LVT_LEVEL)) {
            if (level && !(lvt & LVT_REMOTE_IRR)) {
                l->st.lvt[e] |= LVT_REMOTE_IRR;
                lvt_fire(l, e);
            }
        } else if (level && !old) {
            lvt_fire(l, e);
        }
    }
    lapic_update(l);
}

void lapic_set_extint(struct lapic *l, bool level)
{
    l->st.extint_io = level;
    lapic_update(l);
}

int lapic_intr_ack(void *opaque)
{
    struct lapic *l = opaque;
    if (extint_pending(l) && l->pic_ack) {
        int v = l->pic_ack(l->pic_opaque);
        lapic_update(l);
        return v;
    }
    int v = lapic_pending(l);
    if (v < 0) {
        /* Nothing survived to the acknowledge (§10.9): spurious vector,
         * nothing put in service. */
        lapic_update(l);
        return (int)(l->st.svr & 0xFF);
    }
    bit_clear(l->st.irr, v);
    bit_set(l->st.isr, v);
    lapic_update(l);
    return v;
}

uint64_t lapic_get_base_msr(struct lapic *l)
{
    return l->st.base_msr;
}

void lapic_set_base_msr(struct lapic *l, uint64_t v)
{
    /* The registers stay at FEE00000: relocation is not modelled (the
     * base field reads back as written). Clearing the enable bit turns the
     * APIC off and hands the 8259 straight to the CPU. */
    l->st.base_msr = (v & 0xFFFFF000ull & 0xFFFFFFFFull) | (v & BASE_ENABLE) | BASE_BSP;
    if (!hw_enabled(l)) {
        /* SDM 3A §10.4.3: disabling through the MSR is like a reset of the
         * APIC's interrupt state. */
        memset(l->st.irr, 0, sizeof(l->st.irr));
        memset(l->st.isr, 0, sizeof(l->st.isr));
        memset(l->st.tmr, 0, sizeof(l->st.tmr));
        l->st.svr = 0xFF;
        for (int e = 0; e < LVT_COUNT; e++)
            l->st.lvt[e] |= LVT_MASKED;
    }
    lapic_update(l);
}

bool lapic_hw_enabled(const struct lapic *l)
{
    return hw_enabled(l);
}

/* --- lifecycle ------------------------------------------------------- */

void lapic_reset(struct lapic *l)
{
    /* SDM 3A §10.4.7.1: everything zero except the LVT masks, DFR all ones,
     * SVR FFh (software disabled); the pins keep their levels. */
    uint8_t lint0 = l->st.lint[0], lint1 = l->st.lint[1], extint = l->st.extint_io;
    memset(&l->st, 0, sizeof(l->st));
    l->st.magic = LAPIC_MAGIC;
    l->st.size = sizeof(l->st);
    l->st.base_msr = LAPIC_BASE | BASE_ENABLE | BASE_BSP;
    l->st.dfr = 0xFFFFFFFFu;
    l->st.svr = 0xFF;
    for (int e = 0; e < LVT_COUNT; e++)
        l->st.lvt[e] = LVT_MASKED;
    /* Under a foreign firmware (-bios), LINT0 comes up as an unmasked
     * ExtINT, as QEMU resets its boot CPU: the Bochs BIOS's rombios32
     * software-enables the APIC and never sets up virtual wire mode, which
     * on the chip cuts the 8259 off (the timer tick never comes). Our BIOS
     * and SeaBIOS program LINT0 themselves. */
    if (l->m->cfg.bios_file)
        l->st.lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    l->st.lint[0] = lint0;
    l->st.lint[1] = lint1;
    l->st.extint_io = extint;
    clock_event_cancel(l->m, &l->timer_ev);
    lapic_update(l);
}

static void lapic_reset_hook(void *opaque)
{
    lapic_reset(opaque);
}
static void lapic_free_hook(void *opaque)
{
    lapic_free(opaque);
}

static int lapic_state_fn(struct state *s, void *opaque);

int lapic_init(struct machine *m)
{
    struct lapic *l = calloc(1, sizeof(*l));
    if (!l)
        return machine_error(m, "lapic: out of memory");
    l->m = m;
    /* Version register (SDM 3A §10.4.8): 10h-15h integrated APIC; max LVT
     * entry 4 on the P6 family (5 entries), 3 on the Pentium. */
    l->version = m->cfg.cpu_model >= CPU_PENTIUM2 ? 0x00040011u : 0x00030010u;
    clock_event_init(&l->timer_ev, "lapic-timer", timer_expired, l);
    if (bus_register_mmio(m, LAPIC_BASE, LAPIC_MMIO_LEN, lapic_mmio_read, lapic_mmio_write, l) < 0) {
        free(l);
        return -1;
    }
    l->pic_ack = m->intr_ack;
    l->pic_opaque = m->intr_opaque;
    m->intr_ack = lapic_intr_ack;
    m->intr_opaque = l;
    m->lapic = l;
    lapic_reset(l);
    if (machine_register_device(m, "lapic", l, lapic_reset_hook, lapic_free_hook) < 0) {
        lapic_free(l);
        return -1;
    }
    machine_device_state(m, l, 1, lapic_state_fn);
    return 0;
}

void lapic_free(struct lapic *l)
{
    if (!l)
        return;
    struct machine *m = l->m;
    clock_event_cancel(m, &l->timer_ev);
    if (m->intr_opaque == l) {
        m->intr_ack = l->pic_ack;
        m->intr_opaque = l->pic_opaque;
    }
    if (m->lapic == l)
        m->lapic = NULL;
    free(l);
}

/* The state stream's section (devices/board/state.h). */
static int lapic_state_fn(struct state *s, void *opaque)
{
    struct lapic *l = opaque;
    struct lapic_state *st = &l->st;
    STATE(s, st->base_msr);
    STATE(s, st->id);
    STATE(s, st->tpr);
    STATE(s, st->ldr);
    STATE(s, st->dfr);
    STATE(s, st->svr);
    STATE_ARRAY(s, st->irr);
    STATE_ARRAY(s, st->isr);
    STATE_ARRAY(s, st->tmr);
    STATE(s, st->esr);
    STATE(s, st->esr_pending);
    STATE(s, st->icr_lo);
    STATE(s, st->icr_hi);
    STATE_ARRAY(s, st->lvt);
    STATE(s, st->timer_icr);
    STATE(s, st->timer_dcr);
    STATE(s, st->timer_start);
    STATE(s, st->timer_deadline);
    STATE_ARRAY(s, st->lint);
    STATE(s, st->extint_io);
    STATE(s, st->intr);
    state_event(s, &l->timer_ev);
    if (state_loading(s) && !state_failed(s))
        lapic_update(l);
    return 0;
}

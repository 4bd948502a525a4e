/* Virtual time and the event scheduler: time is derived from the CPU's
 * retired-instruction count at clock.ips, never from the host. */
#include "devices/board/clock.h"

#include "devices/board/machine.h"

#define NS_PER_SEC 1000000000ull
/* A device whose callback keeps re-arming itself in the past would hang the
 * machine; past this many firings per sync the rest wait for the next one. */
#define CLOCK_MAX_FIRES_PER_SYNC 100000

static uint64_t clock_clamp_ips(uint64_t ips)
{
    if (ips == 0)
        return CLOCK_DEFAULT_IPS;
    return ips > CLOCK_MAX_IPS ? CLOCK_MAX_IPS : ips;
}

void clock_init(struct machine *m, uint64_t ips)
{
    struct clock *c = &m->clock;
    c->now_ns = 0;
    c->frac = 0;
    c->ips = clock_clamp_ips(ips);
    c->icount_base = cpu_icount(&m->cpu);
    c->head = NULL;
}

/* Nanoseconds (and the new remainder) that `delta` instructions add to a
 * clock whose remainder is `frac`. Split so nothing overflows 64 bits while
 * ips <= CLOCK_MAX_IPS. */
static uint64_t clock_insns_to_ns(const struct clock *c, uint64_t delta, uint64_t *frac)
{
    uint64_t q = delta / c->ips, r = delta % c->ips;
    uint64_t part = r * NS_PER_SEC + c->frac;
    if (frac)
        *frac = part % c->ips;
    return q * NS_PER_SEC + part / c->ips;
}

static uint64_t clock_elapsed_insns(struct machine *m)
{
    uint64_t ic = cpu_icount(&m->cpu);
    /* A CPU reset may restart icount; time then simply stands still. */
    return ic >= m->clock.icount_base ? ic - m->clock.icount_base : 0;
}

uint64_t clock_now(struct machine *m)
{
    return m->clock.now_ns + clock_insns_to_ns(&m->clock, clock_elapsed_insns(m), NULL);
}

/* Fold the instructions retired since the last sync into now_ns. */
static void clock_advance(struct machine *m)
{
    struct clock *c = &m->clock;
    uint64_t frac;
    c->now_ns += clock_insns_to_ns(c, clock_elapsed_insns(m), &frac);
    c->frac = frac;
    c->icount_base = cpu_icount(&m->cpu);
}

void clock_event_init(struct clock_event *ev, const char *name, clock_cb cb, void *opaque)
{
    ev->when = 0;
    ev->cb = cb;
    ev->opaque = opaque;
    ev->name = name;
    ev->armed = false;
    ev->next = NULL;
}

static void clock_unlink(struct clock *c, struct clock_event *ev)
{
    for (struct clock_event **pp = &c->head; *pp; pp = &(*pp)->next) {
        if (*pp == ev) {
            *pp = ev->next;
            break;
        }
    }
    ev->next = NULL;
    ev->armed = false;
}

void clock_event_arm(struct machine *m, struct clock_event *ev, uint64_t when_ns)
{
    struct clock *c = &m->clock;
    if (ev->armed)
        clock_unlink(c, ev);
    ev->when = when_ns;
    /* Events due at the same time fire in the order they were armed, so a
     * run never depends on anything but the guest's own actions. */
    struct clock_event **pp = &c->head;
    while (*pp && (*pp)->when <= when_ns)
        pp = &(*pp)->next;
    ev->next = *pp;
    *pp = ev;
    ev->armed = true;
    /* Armed by the guest mid-slice (an OUT to a timer) for earlier than the
     * slice would run: end the slice there, so the event fires on time. */
    if (m->cpu.in_run && c->head == ev) {
        int64_t budget = clock_budget(m);
        if (budget < m->cpu.cycles_left) {
            if (m->cpu.in_block) /* cpu_icount must not move */
                m->cpu.block_cycles -= m->cpu.cycles_left - budget;
            m->cpu.cycles_left = budget;
        }
    }
}

void clock_event_cancel(struct machine *m, struct clock_event *ev)
{
    if (ev->armed)
        clock_unlink(&m->clock, ev);
}

int64_t clock_budget(struct machine *m)
{
    struct clock *c = &m->clock;
    uint64_t now = clock_now(m);
    uint64_t target = now + CLOCK_MAX_SLICE_NS;
    if (c->head && c->head->when < target)
        target = c->head->when;
    if (target <= c->now_ns)
        return 1;
    /* Smallest d with now_ns + floor((d * 1e9 + frac) / ips) >= target,
     * counted from icount_base; the span is at most a slice plus whatever
     * ran since the last sync, so the product stays far from overflow. */
    uint64_t need = (target - c->now_ns) * c->ips;
    uint64_t d = need > c->frac ? (need - c->frac + NS_PER_SEC - 1) / NS_PER_SEC : 0;
    uint64_t done = clock_elapsed_insns(m);
    if (d <= done)
        return 1;
    return (int64_t)(d - done);
}

static void clock_fire_due(struct machine *m)
{
    struct clock *c = &m->clock;
    for (int n = 0; n < CLOCK_MAX_FIRES_PER_SYNC; n++) {
        struct clock_event *ev = c->head;
        if (!ev || ev->when > c->now_ns)
            break;
        c->head = ev->next;
        ev->next = NULL;
        ev->armed = false;
        ev->cb(ev->opaque);
    }
}

void clock_sync(struct machine *m)
{
    clock_advance(m);
    clock_fire_due(m);
}

bool clock_skip_until(struct machine *m, uint64_t limit)
{
    struct clock *c = &m->clock;
    clock_advance(m);
    if (!c->head)
        return false;
    uint64_t to = c->head->when < limit ? c->head->when : limit;
    if (to > c->now_ns) {
        c->now_ns = to;
        c->frac = 0;
    }
    clock_fire_due(m);
    return true;
}

bool clock_skip_to_next(struct machine *m)
{
    return clock_skip_until(m, UINT64_MAX);
}

uint64_t clock_next_deadline(struct machine *m)
{
    return m->clock.head ? m->clock.head->when : UINT64_MAX;
}

void clock_save(struct machine *m, struct clock_state *st)
{
    clock_advance(m);
    st->now_ns = m->clock.now_ns;
    st->frac = m->clock.frac;
    st->ips = m->clock.ips;
}

void clock_load(struct machine *m, const struct clock_state *st)
{
    struct clock *c = &m->clock;
    c->ips = clock_clamp_ips(st->ips);
    c->now_ns = st->now_ns;
    c->frac = st->frac < c->ips ? st->frac : 0;
    c->icount_base = cpu_icount(&m->cpu);
}

/* Virtual time: advances with retired instructions at a configured rate;
 * devices schedule events on it, and the CPU runs to the next deadline. */
#ifndef REX86_CLOCK_H
#define REX86_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

typedef void (*clock_cb)(void *opaque);

struct clock_event {
    uint64_t when; /* virtual ns */
    clock_cb cb;
    void *opaque;
    const char *name;
    bool armed;
    struct clock_event *next;
};

struct clock {
    uint64_t now_ns;          /* virtual time at the last sync */
    uint64_t ips;             /* guest instructions per virtual second */
    uint64_t icount_base;     /* cpu icount at the last sync */
    struct clock_event *head; /* armed events sorted by time */
    /* Sub-nanosecond remainder of now_ns, in units of 1/ips ns, so the
     * instruction->time conversion never drifts however often we sync. */
    uint64_t frac;
};

/* The part of struct clock a state stream saves: plain data. Events are not
 * in it: each device saves its own deadlines and re-arms them on load. */
struct clock_state {
    uint64_t now_ns;
    uint64_t frac;
    uint64_t ips;
};

/* ips 0 selects CLOCK_DEFAULT_IPS; values are clamped to [1, CLOCK_MAX_IPS]. */
#define CLOCK_DEFAULT_IPS 100000000ull
#define CLOCK_MAX_IPS     10000000000ull
/* clock_budget never hands out more than this much virtual time at once. */
#define CLOCK_MAX_SLICE_NS 1000000ull
void clock_init(struct machine *m, uint64_t ips);
/* Virtual time now, counting instructions retired in the current slice. */
uint64_t clock_now(struct machine *m);
void clock_event_init(struct clock_event *ev, const char *name, clock_cb cb, void *opaque);
void clock_event_arm(struct machine *m, struct clock_event *ev, uint64_t when_ns);
void clock_event_cancel(struct machine *m, struct clock_event *ev);
/* Instructions the CPU may run before the next event is due. */
int64_t clock_budget(struct machine *m);
/* Bring virtual time up to the CPU's icount and fire due events. */
void clock_sync(struct machine *m);
/* Jump virtual time to the next event (the CPU is halted). Returns false when
 * no event is armed. */
bool clock_skip_to_next(struct machine *m);

/* The same, but never past `limit` (virtual ns): an idle run loop stops at
 * its slice's end to look at input instead of sleeping to a far timer. */
bool clock_skip_until(struct machine *m, uint64_t limit);
/* Virtual time of the next armed event (UINT64_MAX when none). */
uint64_t clock_next_deadline(struct machine *m);
/* Save/restore virtual time. clock_load rebases on the CPU's current icount
 * and keeps the armed events; devices re-arm theirs from their own state. */
void clock_save(struct machine *m, struct clock_state *st);
void clock_load(struct machine *m, const struct clock_state *st);

#endif

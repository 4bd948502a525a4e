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
    uint64_t now_ns;       /* virtual time at the last sync */
    uint64_t ips;          /* guest instructions per virtual second */
    uint64_t icount_base;  /* cpu icount at the last sync */
    struct clock_event *head; /* armed events sorted by time */
};

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

#endif

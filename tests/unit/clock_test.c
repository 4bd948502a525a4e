/* Unit test of the virtual clock: instruction-to-time conversion without
 * drift, event order, budgets, re-arming callbacks, halted skips, save/load. */
#include <stdio.h>
#include <stdlib.h>

#include "devices/board/machine.h"

#include "check.h"
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                       \
        if (a_ != b_) {                                                                                      \
            fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", __FILE__, __LINE__, #a, a_, #b, b_); \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static struct machine *new_machine(uint64_t ips)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 1, .ips = ips, .bare = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        exit(1);
    }
    return m;
}

static void run(struct machine *m, uint64_t insns)
{
    m->cpu.icount += insns;
    clock_sync(m);
}

struct log {
    char buf[64];
    int n;
};

struct tagged {
    struct log *log;
    char tag;
    struct clock_event ev;
};

static void log_cb(void *opaque)
{
    struct tagged *t = opaque;
    if (t->log->n < 63)
        t->log->buf[t->log->n++] = t->tag;
}

struct periodic {
    struct machine *m;
    struct clock_event ev;
    uint64_t period;
    int fired;
    uint64_t last_now;
};

static void periodic_cb(void *opaque)
{
    struct periodic *p = opaque;
    p->fired++;
    p->last_now = clock_now(p->m);
    /* Re-arm relative to the deadline, not to "now", so no drift. */
    clock_event_arm(p->m, &p->ev, p->ev.when + p->period);
}

static void test_conversion(void)
{
    struct machine *m = new_machine(1000000000);
    uint64_t t0 = clock_now(m);
    run(m, 1000);
    CHECK_EQ(clock_now(m) - t0, 1000);
    m->cpu.icount += 250; /* not synced yet: clock_now still counts it */
    CHECK_EQ(clock_now(m) - t0, 1250);
    machine_destroy(m);

    /* 7 instructions per second: each one is 142857142.857 ns. Syncing
     * after every instruction must still land on exactly one second. */
    m = new_machine(7);
    t0 = clock_now(m);
    for (int i = 0; i < 7; i++)
        run(m, 1);
    CHECK_EQ(clock_now(m) - t0, 1000000000);
    run(m, 1);
    CHECK_EQ(clock_now(m) - t0, 1142857142);
    machine_destroy(m);
}

static void test_order_and_budget(void)
{
    struct machine *m = new_machine(1000000000);
    struct log log = {.n = 0};
    struct tagged a = {&log, 'a', {0}}, b = {&log, 'b', {0}}, c = {&log, 'c', {0}};
    clock_event_init(&a.ev, "a", log_cb, &a);
    clock_event_init(&b.ev, "b", log_cb, &b);
    clock_event_init(&c.ev, "c", log_cb, &c);
    uint64_t t0 = clock_now(m);

    /* No event: the budget is capped at one slice of virtual time. */
    CHECK_EQ(clock_budget(m), CLOCK_MAX_SLICE_NS);

    clock_event_arm(m, &a.ev, t0 + 500);
    clock_event_arm(m, &b.ev, t0 + 300);
    clock_event_arm(m, &c.ev, t0 + 300); /* same deadline: fires after b */
    CHECK_EQ(clock_next_deadline(m), t0 + 300);
    CHECK_EQ(clock_budget(m), 300);
    run(m, 299);
    CHECK_EQ(log.n, 0);
    CHECK_EQ(clock_budget(m), 1);
    m->cpu.icount += 100; /* overshoot without sync: budget never below 1 */
    CHECK_EQ(clock_budget(m), 1);
    m->cpu.icount -= 100;
    run(m, 1);
    CHECK_EQ(log.n, 2);
    CHECK(log.buf[0] == 'b' && log.buf[1] == 'c');
    CHECK(!b.ev.armed && a.ev.armed);

    /* Re-arming moves an event; cancelling removes it. */
    clock_event_arm(m, &a.ev, t0 + 1000);
    CHECK_EQ(clock_budget(m), 700);
    clock_event_cancel(m, &a.ev);
    CHECK(!a.ev.armed);
    CHECK_EQ(clock_next_deadline(m), UINT64_MAX);
    run(m, 5000);
    CHECK_EQ(log.n, 2);
    machine_destroy(m);

    /* A fractional rate: the budget is the first instruction count whose
     * time reaches the deadline. 3 MIPS: one instruction is 333.3 ns. */
    m = new_machine(3000000);
    struct tagged d = {&log, 'd', {0}};
    clock_event_init(&d.ev, "d", log_cb, &d);
    t0 = clock_now(m);
    clock_event_arm(m, &d.ev, t0 + 334);
    CHECK_EQ(clock_budget(m), 2);
    clock_event_arm(m, &d.ev, t0 + 333);
    CHECK_EQ(clock_budget(m), 1);
    clock_event_arm(m, &d.ev, t0 + 1000);
    CHECK_EQ(clock_budget(m), 3);
    run(m, 2);
    CHECK_EQ(log.n, 2);
    run(m, 1);
    CHECK_EQ(log.n, 3);
    machine_destroy(m);

    /* The slice cap: at 3 instructions per second, 1 ms is one instruction. */
    m = new_machine(3);
    CHECK_EQ(clock_budget(m), 1);
    machine_destroy(m);
}

static void test_periodic(void)
{
    struct machine *m = new_machine(1000000000);
    struct periodic p = {.m = m, .period = 100};
    clock_event_init(&p.ev, "tick", periodic_cb, &p);
    uint64_t t0 = clock_now(m);
    clock_event_arm(m, &p.ev, t0 + 100);
    /* Run the way machine_run does: up to the budget, then sync. */
    while (clock_now(m) < t0 + 1000) {
        int64_t b = clock_budget(m);
        CHECK(b >= 1);
        run(m, (uint64_t)b);
        CHECK_EQ(p.last_now % 100, t0 % 100); /* fired exactly on time */
    }
    CHECK_EQ(p.fired, 10);
    /* A long stretch fires every deadline it covers. */
    run(m, 1000);
    CHECK_EQ(p.fired, 20);
    clock_event_cancel(m, &p.ev);
    machine_destroy(m);
}

static void test_skip_and_save(void)
{
    struct machine *m = new_machine(1000000000);
    struct log log = {.n = 0};
    struct tagged a = {&log, 'a', {0}};
    clock_event_init(&a.ev, "a", log_cb, &a);
    CHECK(!clock_skip_to_next(m));
    uint64_t t0 = clock_now(m);
    clock_event_arm(m, &a.ev, t0 + 123456789);
    uint64_t ic = m->cpu.icount;
    CHECK(clock_skip_to_next(m));
    CHECK_EQ(clock_now(m), t0 + 123456789);
    CHECK_EQ(m->cpu.icount, ic); /* a halted CPU retired nothing */
    CHECK_EQ(log.n, 1);
    run(m, 10);
    CHECK_EQ(clock_now(m), t0 + 123456799);

    struct clock_state st;
    clock_save(m, &st);
    run(m, 5000);
    clock_load(m, &st);
    CHECK_EQ(clock_now(m), t0 + 123456799);
    run(m, 1);
    CHECK_EQ(clock_now(m), t0 + 123456800);
    machine_destroy(m);
}

/* A guest halted with interrupts on, its next timer a second away: each
 * machine_run slice ends on time instead of skipping to the timer, so the
 * frontend sees input every slice (the latency of a key typed at an idle
 * DOS prompt or a tickless kernel), and the timer still fires on time. */
static void test_idle_slices(void)
{
    struct machine *m = new_machine(100000000);
    struct log log = {.n = 0};
    struct tagged a = {&log, 'a', {0}};
    clock_event_init(&a.ev, "a", log_cb, &a);
    uint64_t t0 = clock_now(m);
    clock_event_arm(m, &a.ev, t0 + 1000000000);
    m->cpu.halted = true;
    m->cpu.eflags |= F_IF;
    int slices = 0;
    while (log.n == 0 && slices < 1000) {
        uint64_t before = clock_now(m);
        enum machine_stop why = machine_run(m, 5000000);
        CHECK_EQ(why, STOP_SLICE);
        CHECK_EQ(clock_now(m) - before, 5000000);
        slices++;
    }
    CHECK_EQ(slices, 200);
    CHECK_EQ(log.n, 1);
    CHECK_EQ(clock_now(m), t0 + 1000000000);
    CHECK(m->cpu.halted);
    /* Nothing armed and nothing else to wake it: the run says so. */
    CHECK_EQ(machine_run(m, 5000000), STOP_HALTED);
    machine_destroy(m);
}

int main(void)
{
    test_conversion();
    test_order_and_budget();
    test_periodic();
    test_skip_and_save();
    test_idle_slices();
    if (failures) {
        fprintf(stderr, "clock_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("clock_test: ok\n");
    return 0;
}

/* Real-time pacing: keeps the guest's virtual clock in step with the host's
 * and measures guest MIPS and % of real time for the window title. */
#ifndef REX86_FRONTEND_PACING_H
#define REX86_FRONTEND_PACING_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* PACE_MAX runs flat out (benchmarks, tests, headless). PACE_FIXED paces
 * virtual time to real time at a fixed instruction rate: since virtual time
 * is icount / ips, that caps the guest at ips instructions per host second
 * (DOSBox's fixed cycles). PACE_AUTO paces too but lowers ips when the host
 * cannot keep up, so the guest's clocks stay real, and raises it back
 * towards the ceiling when there is room (DOSBox's cycles=max). */
enum pace_mode { PACE_MAX, PACE_FIXED, PACE_AUTO };

#define PACE_MIN_IPS 1000000ull /* the lowest rate the host keys go to */

struct pacing {
    enum pace_mode mode;
    enum pace_mode unlimited_from; /* the mode pacing_toggle_max returns to */
    bool paused;                   /* no figures, no rate changes meanwhile */
    uint64_t ceiling_ips;          /* PACE_AUTO never goes above this */
    /* The anchor: host and virtual time that correspond. */
    uint64_t host_base, virt_base;
    /* The measurement window behind mips/percent. */
    uint64_t win_host, win_virt, win_icount, win_slept;
    uint64_t last_virt; /* virtual time at the previous slice's end */
    double mips;        /* guest instructions per host second / 1e6 */
    double percent;     /* virtual seconds per host second * 100 */
};

uint64_t pacing_host_ns(void);

/* Starts pacing from the machine's current virtual time. */
void pacing_init(struct pacing *p, struct machine *m, enum pace_mode mode);
/* Called after every slice: sleeps while virtual time is ahead of host
 * time (never more than a fraction of a second at once, so the window stays
 * responsive), and in PACE_AUTO adjusts the rate. Returns true when the
 * speed figures were updated (about twice a second). */
bool pacing_after_slice(struct pacing *p, struct machine *m);
/* Forget the anchor (after a pause, a speed change, a long stall), so the
 * guest does not race to catch up. */
void pacing_rebase(struct pacing *p, struct machine *m);
/* Sets the virtual instruction rate (clamped to PACE_MIN_IPS..CLOCK_MAX_IPS),
 * keeping virtual time continuous. */
void pacing_set_ips(struct pacing *p, struct machine *m, uint64_t ips);
/* A paused guest retires nothing; that must not read as a slow host. */
void pacing_pause(struct pacing *p, struct machine *m, bool paused);
/* Unlimited speed on, or back to the mode before it. */
void pacing_toggle_max(struct pacing *p, struct machine *m);
/* The host keys: one step up or down (about 25%); a step down from max
 * caps the guest a step below the speed it had. */
void pacing_step(struct pacing *p, struct machine *m, int dir);

#endif

/* Real-time pacing of virtual time against CLOCK_MONOTONIC, the speed
 * figures for the title, and the instruction-rate changes behind --speed. */
#include "frontend/pacing.h"

#include <time.h>

#include "devices/board/machine.h"

#define WINDOW_NS 500000000ull /* speed figures refresh twice a second */
#define MAX_SLEEP 100000000ull /* sleep at most this long per slice */
#define MAX_LAG   200000000ull /* further behind than this: give up catching up */
/* An idle guest jumps virtual time to its next timer event; a jump this far
 * ahead (a tickless guest) is not waited out, or input would stall. */
#define MAX_LEAD   1000000000ull
#define NS_PER_SEC 1000000000ull

uint64_t pacing_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS_PER_SEC), (long)(ns % NS_PER_SEC)};
    nanosleep(&ts, NULL);
}

static void start_window(struct pacing *p, struct machine *m, uint64_t host)
{
    p->win_host = host;
    p->win_virt = clock_now(m);
    p->win_icount = m->cpu.icount;
    p->win_slept = 0;
}

void pacing_rebase(struct pacing *p, struct machine *m)
{
    p->host_base = pacing_host_ns();
    p->virt_base = clock_now(m);
}

void pacing_init(struct pacing *p, struct machine *m, enum pace_mode mode)
{
    p->mode = mode;
    p->unlimited_from = mode;
    p->paused = false;
    p->last_virt = UINT64_MAX;
    p->ceiling_ips = m->clock.ips;
    p->mips = 0;
    p->percent = 0;
    pacing_rebase(p, m);
    start_window(p, m, p->host_base);
}

void pacing_set_ips(struct pacing *p, struct machine *m, uint64_t ips)
{
    if (ips < PACE_MIN_IPS)
        ips = PACE_MIN_IPS;
    if (ips > CLOCK_MAX_IPS)
        ips = CLOCK_MAX_IPS;
    /* clock_save folds the instructions run so far into virtual time at the
     * old rate; clock_load rebases on the current icount at the new one. The
     * remainder is in units of the old rate, so it is dropped (< 1 ns). */
    struct clock_state st;
    clock_save(m, &st);
    st.ips = ips;
    st.frac = 0;
    clock_load(m, &st);
    m->cfg.ips = ips;
    pacing_rebase(p, m);
}

void pacing_pause(struct pacing *p, struct machine *m, bool paused)
{
    p->paused = paused;
    pacing_rebase(p, m);
    start_window(p, m, p->host_base);
}

void pacing_toggle_max(struct pacing *p, struct machine *m)
{
    if (p->mode == PACE_MAX) {
        p->mode = p->unlimited_from == PACE_MAX ? PACE_FIXED : p->unlimited_from;
    } else {
        p->unlimited_from = p->mode;
        p->mode = PACE_MAX;
    }
    pacing_rebase(p, m);
}

void pacing_step(struct pacing *p, struct machine *m, int dir)
{
    uint64_t ips = m->clock.ips;
    if (p->mode == PACE_MAX) {
        /* Nothing is faster than max. Slower starts from the speed the
         * title shows, not from the virtual rate (which may be far above
         * what the host achieves). */
        if (dir > 0)
            return;
        if (p->mips > 0 && p->mips * 1e6 < (double)ips)
            ips = (uint64_t)(p->mips * 1e6);
    }
    p->mode = PACE_FIXED;
    ips = dir > 0 ? ips + ips / 4 : ips - ips / 5;
    /* Round to two significant digits so the title shows tidy numbers. */
    uint64_t scale = 1;
    while (ips / scale >= 100)
        scale *= 10;
    ips = (ips + scale / 2) / scale * scale;
    pacing_set_ips(p, m, ips);
}

/* PACE_AUTO: when the guest fell behind real time while the host never had
 * to wait, the rate is more than the host gives; settle just under what it
 * achieved. When the host slept a good part of the window, there is room to
 * go back up towards the ceiling. */
static void auto_adjust(struct pacing *p, struct machine *m, uint64_t host_span)
{
    uint64_t ips = m->clock.ips;
    double achieved = p->mips * 1e6;
    if (p->percent < 90 && p->win_slept < host_span / 20 && achieved > 0) {
        uint64_t want = (uint64_t)(achieved * 0.92);
        if (want < ips)
            pacing_set_ips(p, m, want);
    } else if (p->percent >= 97 && p->win_slept > host_span / 4 && ips < p->ceiling_ips) {
        uint64_t want = ips + ips / 8;
        pacing_set_ips(p, m, want > p->ceiling_ips ? p->ceiling_ips : want);
    }
}

bool pacing_after_slice(struct pacing *p, struct machine *m)
{
    uint64_t host = pacing_host_ns();
    uint64_t virt = clock_now(m);
    /* No virtual progress at all: the run loop ran no slice (a pause, from
     * the window or the control API). Waiting is not slowness. */
    if (p->paused || virt == p->last_virt) {
        p->last_virt = virt;
        pacing_rebase(p, m);
        start_window(p, m, p->host_base);
        return false;
    }
    p->last_virt = virt;
    if (p->mode != PACE_MAX) {
        uint64_t virt_span = virt - p->virt_base;
        uint64_t host_span = host - p->host_base;
        if (virt_span > host_span) {
            uint64_t ahead = virt_span - host_span;
            if (ahead > MAX_LEAD)
                pacing_rebase(p, m);
            if (ahead > MAX_SLEEP)
                ahead = MAX_SLEEP;
            sleep_ns(ahead);
            p->win_slept += ahead;
            host = pacing_host_ns();
        } else if (host_span - virt_span > MAX_LAG) {
            pacing_rebase(p, m);
        }
    }
    uint64_t span = host - p->win_host;
    if (span < WINDOW_NS)
        return false;
    /* A CPU reset may restart icount. */
    uint64_t insns = m->cpu.icount >= p->win_icount ? m->cpu.icount - p->win_icount : 0;
    p->mips = (double)insns * 1e3 / (double)span;
    p->percent = (double)(virt - p->win_virt) * 100.0 / (double)span;
    if (p->mode == PACE_AUTO)
        auto_adjust(p, m, span);
    start_window(p, m, host);
    return true;
}

/* The rex86 program: parses the command line, builds the machine and runs it
 * headless in short virtual-time slices, watching for the ways a run ends. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "translator/jit.h"
#include "frontend/control.h"
#include "frontend/options.h"
#include "devices/video/vga.h"
#include "frontend/pacing.h"
#include "frontend/screenshot.h"
#include "frontend/sdl_ui.h"
#include "frontend/watch.h"

/* Short slices keep --timeout, --exit-on on the screen and Ctrl-C prompt
 * without costing the CPU loop anything measurable. */
#define SLICE_NS   5000000ull /* 5 ms of virtual time */
#define SCREEN_MAX 16384      /* 132x60 text plus line ends fits easily */
/* --exit-on reads the text screen after a slice only when the VGA saw a
 * write since the last reading (a dump and a search cost about as much as
 * a short slice of guest code); every this many slices it reads it anyway,
 * for text written through the linear framebuffer, which the VGA never
 * sees. */
#define SCREEN_RECHECK 64
/* After --exit-on matches, the guest runs this much longer so the rest of
 * the line it was printing reaches the terminal. */
#define DRAIN_NS 1000000ull

static volatile sig_atomic_t stop_signal;
/* -control: guest text goes to its waits as well as to --exit-on. */
static struct control *control;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static double host_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints "rex86: MSG." with the message's first letter kept as written. */
static void say(const char *msg)
{
    size_t n = strlen(msg);
    fprintf(stderr, "rex86: %s%s\n", msg, n && msg[n - 1] != '.' ? "." : "");
}

static void guest_text(void *opaque, const char *src, const uint8_t *buf, size_t len)
{
    struct watch *w = opaque;
    bool before = w->matched;
    if (watch_feed(w, src, buf, len) && !before)
        machine_request_stop(w->m, STOP_REQUESTED);
    control_guest_text(control, src, buf, len);
}

/* The text screen as lines of characters; empty when there is no VGA. */
static size_t screen_text(struct machine *m, char *buf, size_t len)
{
    buf[0] = 0;
    if (m->vga && vga_text_dump(m, buf, len) < 0)
        buf[0] = 0; /* a graphics mode has no text */
    buf[len - 1] = 0;
    return strlen(buf);
}

static void dump_screen(struct machine *m, const char *path)
{
    static char buf[SCREEN_MAX];
    size_t n = screen_text(m, buf, sizeof(buf));
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "rex86: cannot write the screen dump to '%s'.\n", path);
        return;
    }
}

static void print_stats(struct machine *m, double host_s)
{
    uint64_t insns = m->cpu.icount;
    double virt_s = (double)clock_now(m) * 1e-9;
    double mips = host_s > 0 ? (double)insns / host_s / 1e6 : 0;
    fprintf(stderr,
            "rex86: stats: %llu instructions retired, %.3f s virtual time, %.3f s host time, %.2f MIPS\n",
            (unsigned long long)insns, virt_s, host_s, mips);
}

/* Runs until the guest or the user ends it; returns the exit status. */
static int run(struct machine *m, const struct options *o, struct watch *w, struct ui *ui,
               struct pacing *pace)
{
    static char screen[SCREEN_MAX];
    double start = host_seconds();
    uint64_t screen_seen = vga_change_count(m) - 1; /* read it after the first slice */
    unsigned screen_skipped = 0;
    for (;;) {
        /* Paused: no slice, but the window, the signals and --timeout are
         * still served below. */
        bool paused = (ui && ui_paused(ui)) || control_paused(control);
        enum machine_stop why = paused ? STOP_NONE : machine_run(m, SLICE_NS);
        if (w->matched) {
            if (why == STOP_REQUESTED)
                machine_run(m, DRAIN_NS);
            return EXIT_OK;
        }
        switch (why) {
        case STOP_EXIT_DEVICE: return m->exit_status;
        case STOP_HALTED:
            /* Text the guest put on the screen just before it halted is
             * there all the same: the screen is looked at between slices,
             * and the halt can come first. */
            if (o->exit_on && watch_screen(w, screen, screen_text(m, screen, sizeof(screen))))
                return EXIT_OK;
            if (m->cpu.eflags & F_IF)
                say("the guest halted and no device is left that could wake it");
            else
                say("the guest halted with interrupts disabled");
            return EXIT_HALTED;
        case STOP_SHUTDOWN: say("the guest shut the machine down (triple fault)"); return EXIT_SHUTDOWN;
        case STOP_POWEROFF: return EXIT_OK;
        case STOP_REQUESTED:
        case STOP_NONE:
        case STOP_SLICE: break;
        }
        if (o->exit_on) {
            uint64_t changes = vga_change_count(m);
            if (changes != screen_seen || ++screen_skipped >= SCREEN_RECHECK) {
                screen_seen = changes;
                screen_skipped = 0;
                if (watch_screen(w, screen, screen_text(m, screen, sizeof(screen))))
                    return EXIT_OK;
            }
        }
        fflush(stdout);
        if (stop_signal) {
            fprintf(stderr, "rex86: stopped by signal %d.\n", (int)stop_signal);
            return 128 + stop_signal;
        }
        if (o->timeout_s > 0 && host_seconds() - start >= o->timeout_s) {
            fprintf(stderr, "rex86: the timeout of %g seconds was reached; stopping the guest.\n",
                    o->timeout_s);
            return EXIT_TIMEOUT;
        }
        if (ui && ui_update(ui) == UI_QUIT)
            return EXIT_OK;
        /* A pause from the window (above) holds from now on: the control
         * API reports it as a run loop with no slice. */
        if (ui && ui_paused(ui))
            why = STOP_NONE;
        /* Zero wait between slices; paused without a window, poll sleeps. */
        uint64_t virt = clock_now(m);
        if (control && control_poll(control, why, paused && !ui ? 20 : 0) == CONTROL_QUIT)
            return EXIT_OK;
        /* A loadvm moved virtual time: pace from the loaded machine's. */
        if (clock_now(m) != virt)
            pacing_rebase(pace, m);
        pacing_after_slice(pace, m);
    }
}

int main(int argc, char **argv)
{
    struct options opts;
    char err[512];
    switch (options_parse(&opts, argc, argv, err, sizeof(err))) {
    case OPTIONS_EXIT: options_free(&opts); return EXIT_OK;
    case OPTIONS_ERROR:
        say(err);
        options_free(&opts);
        return EXIT_USAGE;
    case OPTIONS_RUN: break;
    }
    if (opts.notes[0])
        fprintf(stderr, "%s\n", opts.notes);

    struct machine *m = machine_create(&opts.cfg, err, sizeof(err));
    if (m && opts.jit_stats)
        jit_set_profiling(m, true);
    if (!m) {
        say(err);
        options_free(&opts);
        return EXIT_USAGE;
    }
    /* -loadvm: the saved machine replaces the one just built, which gave
     * it the same devices and drive images. */
    if (opts.loadvm && state_load_file(m, opts.loadvm) < 0) {
        say(m->error);
        machine_destroy(m);
        options_free(&opts);
        return EXIT_USAGE;
    }
    struct watch w;
    watch_init(&w, m, opts.exit_on);
    m->text_out = guest_text;
    m->text_opaque = &w;
    if (opts.control && !(control = control_open(opts.control, m, err, sizeof(err)))) {
        say(err);
        watch_free(&w);
        machine_destroy(m);
        options_free(&opts);
        return EXIT_USAGE;
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* The window: when asked for, or by default when there is a desktop
     * to show it on (and then quietly headless if it will not open). */
    struct pacing pace;
    struct ui *ui = NULL;
    if (opts.display == DISPLAY_SDL || (!opts.display_given && ui_desktop_present())) {
        ui = ui_open(m, &pace, err, sizeof(err));
        if (!ui && opts.display == DISPLAY_SDL) {
            say(err);
            control_close(control);
            watch_free(&w);
            machine_destroy(m);
            options_free(&opts);
            return EXIT_USAGE;
        }
    }
    pacing_init(&pace, m,
                opts.speed_max   ? PACE_MAX
                : opts.speed_ips ? PACE_FIXED
                : ui             ? PACE_AUTO
                                 : PACE_MAX);

    double start = host_seconds();
    int status = run(m, &opts, &w, ui, &pace);
    double host_s = host_seconds() - start;
    fflush(stdout);

    if (opts.dump_screen)
        dump_screen(m, opts.dump_screen);
    if (opts.screenshot)
        screenshot_machine(m, opts.screenshot);
    if (opts.stats)
        print_stats(m, host_s);
    if (opts.jit_stats)
        jit_print_stats(m, stderr);
    watch_free(&w);
    machine_destroy(m);     /* flushes every disk image */
    control_close(control); /* answers "quit" now that the disks are flushed */
    ui_close(ui);
    options_free(&opts);
    return status;
}

/* -display sdl: SDL events to the guest's keyboard and mouse, the host keys
 * (Ctrl+Alt+...), the speaker, redraws at the guest's refresh rate and the
 * window title with the speed figures. */
#include "frontend/sdl_ui.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bios/bios.h"
#include "devices/board/machine.h"
#include "devices/chipset/kbc.h"
#include "devices/chipset/pit.h"
#include "devices/video/vga.h"
#include "frontend/pacing.h"
#include "frontend/screenshot.h"
#include "frontend/sdl_audio.h"
#include "frontend/sdl_display.h"
#include "frontend/sdl_keymap.h"

/* A VGA refreshes at 60-70 Hz; the picture is fetched once per 70 Hz frame
 * of virtual time, but never more often than the host can show (8 ms) and
 * never less than 30 times a host second, whatever the guest's speed. */
#define FRAME_VIRT_NS 14285714ull
#define FRAME_MIN_NS  8000000ull
#define FRAME_MAX_NS  33000000ull
#define TITLE_NS      500000000ull
#define PAUSE_WAIT_MS 30

struct ui {
    struct machine *m;
    struct pacing *pace;
    struct sdl_display *display;
    struct sdl_audio *audio;
    char name[96];
    const char *dash; /* the title's separator */
    bool paused;
    bool grabbed;      /* the mouse is captured (relative mode) */
    bool redraw;       /* the window needs presenting (exposed, resized) */
    bool have_picture; /* the texture holds a picture */
    /* Keys the guest believes are down, by SDL scancode: their key-up is
     * owed, and only theirs (a host key's release is not the guest's). */
    bool held[SDL_NUM_SCANCODES];
    unsigned buttons; /* mouse buttons the guest believes are down */
    uint64_t frame_virt, frame_host, title_host;
};

static const char *model_title(enum cpu_model model)
{
    switch (model) {
    case CPU_8086: return "8086";
    case CPU_186: return "80186";
    case CPU_286: return "286";
    case CPU_386: return "386";
    case CPU_486: return "486";
    case CPU_PENTIUM: return "Pentium";
    case CPU_PENTIUM2: return "Pentium II";
    }
    return "x86";
}

void ui_machine_name(const struct machine *m, char *buf, size_t len)
{
    const struct machine_config *c = &m->cfg;
    const char *image = c->kernel;
    /* The first drive in the boot order that holds an image. */
    for (const char *b = c->boot_order; !image && *b; b++) {
        if (*b == 'a')
            image = c->fda;
        else if (*b == 'c')
            image = c->hda;
        else if (*b == 'd')
            image = c->cdrom;
    }
    if (image) {
        const char *slash = strrchr(image, '/');
        snprintf(buf, len, "%s", slash ? slash + 1 : image);
    } else {
        snprintf(buf, len, "%s, %u MB", model_title(c->cpu_model), (unsigned)c->ram_mb);
    }
}

static void update_title(struct ui *ui)
{
    char title[256], speed[96];
    const struct pacing *p = ui->pace;
    if (ui->paused) {
        snprintf(title, sizeof(title), "rex86%s%s%sPaused%sCtrl+Alt+P resumes", ui->dash, ui->name, ui->dash,
                 ui->dash);
    } else {
        double cap = (double)ui->m->clock.ips / 1e6;
        if (p->mode == PACE_MAX)
            snprintf(speed, sizeof(speed), "%.1f MIPS (max), %.0f%%", p->mips, p->percent);
        else if (p->mode == PACE_FIXED)
            snprintf(speed, sizeof(speed), "%.1f MIPS (cap %.4g), %.0f%%", p->mips, cap, p->percent);
        else
            snprintf(speed, sizeof(speed), "%.1f MIPS, %.0f%%", p->mips, p->percent);
        snprintf(title, sizeof(title), "rex86%s%s%s%s%s%s", ui->dash, ui->name, ui->dash, speed, ui->dash,
                 ui->grabbed ? "Ctrl+Alt+G releases the mouse" : "click to capture the mouse");
    }
    sdl_display_set_title(ui->display, title);
}

bool ui_desktop_present(void)
{
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (wl && *wl);
}

/* Whether a sound server or card is there to try. Without one, SDL's ALSA
 * back end still probes and libasound fills the terminal with errors; the
 * user asked for none of that, one note says it better. */
static bool audio_present(void)
{
    if (getenv("SDL_AUDIODRIVER") || getenv("PULSE_SERVER") || access("/dev/snd", F_OK) == 0)
        return true;
    const char *run = getenv("XDG_RUNTIME_DIR");
    char path[512];
    static const char *const sockets[] = {"pulse/native", "pipewire-0"};
    for (size_t i = 0; run && i < sizeof(sockets) / sizeof(sockets[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", run, sockets[i]);
        if (access(path, F_OK) == 0)
            return true;
    }
    return false;
}

struct ui *ui_open(struct machine *m, struct pacing *pace, char *err, size_t errlen)
{
    /* Without a desktop SDL falls back to drivers that draw nowhere
     * (offscreen, dummy): a window nobody sees that never closes. Only a
     * user who names a driver gets one. */
    bool driver_chosen = getenv("SDL_VIDEODRIVER") != NULL;
    if (!driver_chosen && !ui_desktop_present()) {
        snprintf(err, errlen,
                 "no desktop to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset); "
                 "use -display none");
        return NULL;
    }
    /* Only the kind of desktop that is named is tried: probing the other
     * one prints the other library's complaints on the terminal. */
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if (!driver_chosen && !(x && *x && wl && *wl))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, wl && *wl ? "wayland" : "x11");
    /* SIGINT and SIGTERM stay the run loop's: it ends the run cleanly. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        snprintf(err, errlen, "cannot open the SDL display: %s", SDL_GetError());
        return NULL;
    }
    const char *driver = SDL_GetCurrentVideoDriver();
    if (!driver_chosen && driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy"))) {
        snprintf(err, errlen, "no desktop could be reached (SDL found only its '%s' video driver)", driver);
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
        return NULL;
    }
    struct ui *ui = calloc(1, sizeof(*ui));
    if (!ui) {
        snprintf(err, errlen, "out of memory for the window");
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
        return NULL;
    }
    ui->m = m;
    ui->pace = pace;
    /* The title stays ASCII: X clients in a non-UTF-8 locale (window
     * lists, xdotool in a bare CI environment) read a UTF-8 title as
     * empty. */
    ui->dash = " - ";
    ui_machine_name(m, ui->name, sizeof(ui->name));
    ui->display = sdl_display_open("rex86", err, errlen);
    if (!ui->display) {
        free(ui);
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
        return NULL;
    }
    if (audio_present() && SDL_InitSubSystem(SDL_INIT_AUDIO) == 0)
        ui->audio = sdl_audio_open();
    if (!ui->audio)
        fprintf(stderr, "rex86: no audio device could be opened; the PC speaker is silent.\n");
    update_title(ui);
    return ui;
}

void ui_close(struct ui *ui)
{
    if (!ui)
        return;
    sdl_audio_close(ui->audio);
    sdl_display_close(ui->display);
    free(ui);
    SDL_Quit();
}

bool ui_paused(const struct ui *ui)
{
    return ui->paused;
}

static void send_key(struct ui *ui, int scancode, bool down)
{
    uint16_t key = sdl_keymap_pc_key(scancode);
    if (!key || ui->held[scancode] == down)
        return;
    ui->held[scancode] = down;
    kbc_key(ui->m, key, down);
}

/* Focus loss, pause, capture release: the guest must not keep a key or a
 * button down that the user let go of elsewhere. */
static void release_all(struct ui *ui)
{
    for (int sc = 0; sc < SDL_NUM_SCANCODES; sc++)
        if (ui->held[sc])
            send_key(ui, sc, false);
    if (ui->buttons) {
        ui->buttons = 0;
        kbc_mouse_move(ui->m, 0, 0, 0, 0);
    }
}

static void set_grab(struct ui *ui, bool on)
{
    if (ui->grabbed == on)
        return;
    ui->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    if (!on && ui->buttons) {
        ui->buttons = 0;
        kbc_mouse_move(ui->m, 0, 0, 0, 0);
    }
    update_title(ui);
}

void ui_set_paused(struct ui *ui, bool paused)
{
    if (ui->paused == paused)
        return;
    ui->paused = paused;
    if (paused) {
        release_all(ui);
        set_grab(ui, false);
        sdl_audio_speaker(ui->audio, false, 0);
        /* A pause is when a user may copy the disk: make it whole. */
        bios_flush_drives(ui->m);
    }
    pacing_pause(ui->pace, ui->m, paused);
    update_title(ui);
}

/* Fetches the picture; refreshes the texture when it changed. */
static void fetch_picture(struct ui *ui, uint32_t **pixels, int *w, int *h)
{
    int changed = vga_render(ui->m, pixels, w, h);
    if (changed < 0)
        return;
    if (changed || !ui->have_picture) {
        sdl_display_update(ui->display, *pixels, *w, *h);
        ui->have_picture = true;
        ui->redraw = true;
    }
}

static void take_screenshot(struct ui *ui)
{
    uint32_t *pixels = NULL;
    int w = 0, h = 0;
    char path[64];
    fetch_picture(ui, &pixels, &w, &h);
    if (!pixels)
        return;
    screenshot_next_name(path, sizeof(path));
    if (screenshot_write(path, pixels, w, h) == 0)
        fprintf(stderr, "rex86: screenshot written to %s.\n", path);
}

/* Ctrl+Alt+key: returns true when the key is the host's, not the guest's. */
static bool host_key(struct ui *ui, SDL_Scancode sc, enum ui_result *result)
{
    switch (sc) {
    case SDL_SCANCODE_G: set_grab(ui, false); return true;
    case SDL_SCANCODE_F: sdl_display_toggle_fullscreen(ui->display); return true;
    case SDL_SCANCODE_I:
        sdl_display_toggle_smooth(ui->display);
        ui->redraw = true;
        return true;
    case SDL_SCANCODE_P: ui_set_paused(ui, !ui->paused); return true;
    case SDL_SCANCODE_Q: *result = UI_QUIT; return true;
    case SDL_SCANCODE_S: take_screenshot(ui); return true;
    case SDL_SCANCODE_END:
        /* The guest already holds Ctrl and Alt: add Delete. */
        if (!ui->paused) {
            kbc_key(ui->m, 0xE053, true);
            kbc_key(ui->m, 0xE053, false);
        }
        return true;
    case SDL_SCANCODE_EQUALS:
    case SDL_SCANCODE_KP_PLUS:
        pacing_step(ui->pace, ui->m, +1);
        update_title(ui);
        return true;
    case SDL_SCANCODE_MINUS:
    case SDL_SCANCODE_KP_MINUS:
        pacing_step(ui->pace, ui->m, -1);
        update_title(ui);
        return true;
    case SDL_SCANCODE_M:
        pacing_toggle_max(ui->pace, ui->m);
        update_title(ui);
        return true;
    default: return false;
    }
}

static void on_key(struct ui *ui, const SDL_KeyboardEvent *k, enum ui_result *result)
{
    SDL_Scancode sc = k->keysym.scancode;
    bool down = k->type == SDL_KEYDOWN;
    if (down && (k->keysym.mod & KMOD_CTRL) && (k->keysym.mod & KMOD_ALT)) {
        if (k->repeat)
            return;
        if (host_key(ui, sc, result))
            return;
    }
    /* The keyboard repeats held keys itself, at the guest's typematic rate. */
    if (k->repeat || ui->paused)
        return;
    send_key(ui, sc, down);
}

/* The PS/2 button bit of an SDL button: left, right, middle, then the two
 * side buttons of a five-button (IntelliMouse Explorer) mouse. */
static unsigned button_bit(Uint8 button)
{
    switch (button) {
    case SDL_BUTTON_LEFT: return 1;
    case SDL_BUTTON_RIGHT: return 2;
    case SDL_BUTTON_MIDDLE: return 4;
    case SDL_BUTTON_X1: return 8;
    case SDL_BUTTON_X2: return 16;
    }
    return 0;
}

static void handle_event(struct ui *ui, const SDL_Event *ev, enum ui_result *result, int *dx, int *dy)
{
    switch (ev->type) {
    case SDL_QUIT: *result = UI_QUIT; break;
    case SDL_WINDOWEVENT:
        switch (ev->window.event) {
        case SDL_WINDOWEVENT_FOCUS_LOST:
            release_all(ui);
            set_grab(ui, false);
            break;
        case SDL_WINDOWEVENT_CLOSE: *result = UI_QUIT; break;
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_RESIZED:
        case SDL_WINDOWEVENT_SIZE_CHANGED: ui->redraw = true; break;
        }
        break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: on_key(ui, &ev->key, result); break;
    case SDL_MOUSEBUTTONDOWN:
        if (!ui->grabbed) {
            /* This click only captures; the guest does not see it. */
            if (!ui->paused)
                set_grab(ui, true);
            break;
        }
        /* fall through */
    case SDL_MOUSEBUTTONUP:
        if (ui->grabbed && !ui->paused) {
            unsigned bit = button_bit(ev->button.button);
            unsigned b = ev->type == SDL_MOUSEBUTTONDOWN ? ui->buttons | bit : ui->buttons & ~bit;
            if (b != ui->buttons) {
                kbc_mouse_move(ui->m, *dx, *dy, 0, b);
                *dx = *dy = 0;
                ui->buttons = b;
            }
        }
        break;
    case SDL_MOUSEMOTION:
        if (ui->grabbed && !ui->paused) {
            *dx += ev->motion.xrel;
            *dy += ev->motion.yrel;
        }
        break;
    case SDL_MOUSEWHEEL:
        if (ui->grabbed && !ui->paused) {
            int steps = ev->wheel.y;
            if (ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED)
                steps = -steps;
            /* SDL counts away from the user; the PS/2 Z axis towards. */
            kbc_mouse_move(ui->m, *dx, *dy, -steps, ui->buttons);
            *dx = *dy = 0;
        }
        break;
    }
}

enum ui_result ui_update(struct ui *ui)
{
    enum ui_result result = UI_RUN;
    if (ui->paused)
        SDL_WaitEventTimeout(NULL, PAUSE_WAIT_MS);
    SDL_Event ev;
    int dx = 0, dy = 0; /* motion is summed over the batch: one packet */
    while (SDL_PollEvent(&ev))
        handle_event(ui, &ev, &result, &dx, &dy);
    if (dx || dy)
        kbc_mouse_move(ui->m, dx, dy, 0, ui->buttons);

    if (!ui->paused) {
        uint32_t freq = 0;
        bool on = pit_speaker_active(ui->m, &freq);
        sdl_audio_speaker(ui->audio, on, freq);
    }

    uint64_t host = pacing_host_ns();
    uint64_t virt = clock_now(ui->m);
    uint64_t since = host - ui->frame_host;
    if ((virt - ui->frame_virt >= FRAME_VIRT_NS && since >= FRAME_MIN_NS) || since >= FRAME_MAX_NS) {
        uint32_t *pixels = NULL;
        int w, h;
        fetch_picture(ui, &pixels, &w, &h);
        ui->frame_virt = virt;
        ui->frame_host = host;
    }
    if (ui->redraw) {
        sdl_display_present(ui->display);
        ui->redraw = false;
    }
    if (host - ui->title_host >= TITLE_NS) {
        ui->title_host = host;
        update_title(ui);
    }
    return result;
}

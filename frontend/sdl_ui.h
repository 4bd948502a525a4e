/* -display sdl: the window, keyboard, mouse and speaker around a running
 * machine. The run loop calls ui_update after every slice; nothing here
 * blocks the guest except a pause the user asked for. */
#ifndef REX86_FRONTEND_SDL_UI_H
#define REX86_FRONTEND_SDL_UI_H

#include <stdbool.h>
#include <stddef.h>

struct machine;
struct pacing;
struct ui;

enum ui_result {
    UI_RUN,  /* carry on */
    UI_QUIT, /* the user closed the window or pressed Ctrl+Alt+Q */
};

/* Opens SDL, the window and (if there is one) the audio device. Returns
 * NULL with a sentence in err when no window can be opened. pace may be
 * changed by the speed keys and is shown in the title. */
struct ui *ui_open(struct machine *m, struct pacing *pace, char *err, size_t errlen);
void ui_close(struct ui *ui);
/* Events, speaker, redraw and title; cheap when there is nothing to do.
 * While paused it waits a little for events instead of returning at once. */
enum ui_result ui_update(struct ui *ui);
/* The run loop runs no slices while this is true. */
bool ui_paused(const struct ui *ui);
void ui_set_paused(struct ui *ui, bool paused);

/* True when $DISPLAY or $WAYLAND_DISPLAY names a desktop to open on. */
bool ui_desktop_present(void);

/* "freedos.img" (the boot image's name) or "Pentium II, 128 MB". */
void ui_machine_name(const struct machine *m, char *buf, size_t len);

#endif

/* -control unix:PATH | stdio: the JSON control API, one object per line each
 * way (docs/control.md). Served between slices with non-blocking I/O, so a
 * client waiting for text never stops the guest. */
#ifndef REX86_FRONTEND_CONTROL_H
#define REX86_FRONTEND_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/board/machine.h"

struct control;

enum control_result {
    CONTROL_RUN,  /* carry on */
    CONTROL_QUIT, /* a client asked to quit: end the run with status 0 */
};

/* Opens the channel for machine m: "stdio" (requests on stdin, replies on
 * stdout) or "unix:PATH" (a listening socket; up to 8 clients at once, and
 * new ones may connect at any time). Returns NULL with a sentence in err. */
struct control *control_open(const char *spec, struct machine *m, char *err, size_t errlen);
/* Sends what replies are still queued (briefly blocking), closes every
 * connection and removes the socket file. NULL is fine. */
void control_close(struct control *c);

/* Accepts clients, reads and runs requests, finishes waits whose text has
 * appeared or whose keys have been typed, and writes replies. `last` is why
 * the last slice ended (for "status"); wait_ms is how long it may block for
 * input (0 between slices; a little while paused, so a paused rex86 sleeps). */
enum control_result control_poll(struct control *c, enum machine_stop last, int wait_ms);
/* True while a client has paused the guest: the run loop runs no slices. */
bool control_paused(const struct control *c);
/* Guest output (serial, debug console, BIOS teletype) for "wait-text". */
void control_guest_text(struct control *c, const char *src, const uint8_t *buf, size_t len);

#endif

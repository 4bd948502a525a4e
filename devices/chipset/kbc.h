/* The 8042 keyboard controller at ports 0x60/0x64 with a PS/2 keyboard
 * (IRQ 1) and a PS/2 mouse on the aux port (IRQ 12). Port 0x61 is the PIT's. */
#ifndef REX86_KBC_H
#define REX86_KBC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/chipset/ps2_keys.h"

struct machine;

/* Allocates the controller and its two devices, registers the ports and
 * stores it in m->kbc. Returns 0 or -1 (message in m->error). */
int kbc_init(struct machine *m);

/* A key went down or up. pc_key is the set-1 make code (0xE0xx for E0 keys,
 * PS2_KEY_PAUSE, PS2_KEY_PRINTSCREEN); the keyboard sends it in its current
 * scan code set and auto-repeats a held key at the guest's typematic rate,
 * so the frontend should pass only real transitions. */
void kbc_key(struct machine *m, uint16_t pc_key, bool down);
/* Types ASCII text on a US layout (shift for capitals and symbols, '\n' =
 * Enter, '\t', '\b', ESC). Codes are fed one key at a time, only once the
 * guest has read the previous ones, so none is lost. Returns the number of
 * characters that no key produces (they are skipped). */
int kbc_type_text(struct machine *m, const char *text);
/* One key transition queued behind the typed text and paced the same way,
 * for key combinations sent by a script (the control API's "key"). */
void kbc_type_key(struct machine *m, uint16_t pc_key, bool down);
/* True while typed text is still waiting to reach the guest. */
bool kbc_typing(struct machine *m);
/* Mouse motion in counts: dx right, dy down (screen direction), dz wheel
 * steps towards the user; buttons bit 0 left, 1 right, 2 middle, 3-4 the
 * side buttons. */
void kbc_mouse_move(struct machine *m, int dx, int dy, int dz, unsigned buttons);
/* Keyboard LEDs as the guest set them: bit 0 Scroll, 1 Num, 2 Caps Lock. */
uint8_t kbc_leds(struct machine *m);

#endif

/* The 8254 programmable interval timer at 0x40-0x43 (channel 0 -> IRQ0,
 * channel 1 refresh, channel 2 -> PC speaker) and system control port B
 * (0x61: timer 2 gate, speaker enable, refresh toggle, OUT2). */
#ifndef REX86_PIT_H
#define REX86_PIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pit;

/* The 8254 input clock, 105/88 MHz (14.31818 MHz / 12), as an exact
 * fraction: PIT_CLK_NUM ticks every PIT_CLK_DEN ns. */
#define PIT_CLK_NUM 105u
#define PIT_CLK_DEN 88000u
#define PIT_HZ      1193182u

/* Allocates the timer, registers 0x40-0x43 and 0x61, stores it in m->pit.
 * Needs m->pic for IRQ0 (pic_init first; without a PIC, IRQ0 goes nowhere).
 * Returns 0 or a negative error (message in m->error). */
int pit_init(struct machine *m);
/* Power-on: every channel unprogrammed (OUT high, not counting), gate 2
 * low, port 0x61 zero. */
void pit_reset(struct pit *p);
void pit_free(struct pit *p);

/* System control port B, also reachable from other devices (the keyboard
 * controller model on XT-style boards, the frontend's debugger). Reads:
 * bits 0-3 as written, bit 4 refresh request toggle, bit 5 OUT2. */
uint8_t pit_port61_read(struct machine *m);
void pit_port61_write(struct machine *m, uint8_t value);

/* True when the speaker is driven by a counting channel 2 (gate and speaker
 * data enabled, mode 2 or 3); *freq_hz gets the tone. */
bool pit_speaker_active(struct machine *m, uint32_t *freq_hz);
/* OUT level of a channel (0-2) now; for tests and the sound code. */
bool pit_get_out(struct machine *m, int channel);
/* Ticks of the 1.193182 MHz clock at virtual time ns. */
uint64_t pit_ticks_at(uint64_t ns);

#endif

/* The PC speaker through SDL audio: a square wave at the frequency PIT
 * channel 2 drives, with short amplitude ramps so starts and stops do not
 * click. */
#ifndef REX86_FRONTEND_SDL_AUDIO_H
#define REX86_FRONTEND_SDL_AUDIO_H

#include <stdbool.h>
#include <stdint.h>

struct sdl_audio;

/* Opens the default output (SDL's audio subsystem must be initialised).
 * Returns NULL when there is no device; the caller runs silently. */
struct sdl_audio *sdl_audio_open(void);
void sdl_audio_close(struct sdl_audio *a);
/* The speaker's state now: on at freq_hz, or off. Called from the run loop
 * after every slice; the audio thread picks it up. */
void sdl_audio_speaker(struct sdl_audio *a, bool on, uint32_t freq_hz);

#endif

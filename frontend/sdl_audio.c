/* PC speaker synthesis in SDL's audio thread. The run loop publishes the
 * tone (on/off and frequency) through one atomic word; the callback keeps
 * its own phase and ramps the amplitude towards the target, so an idle
 * guest produces exact silence and a tone starts and stops without a click. */
#include "frontend/sdl_audio.h"

#include <SDL.h>
#include <stdlib.h>

#define RATE      48000
#define AMPLITUDE 6000             /* of 32767: a speaker, not a sound card */
#define RAMP_STEP (AMPLITUDE / 96) /* ~2 ms from silence to full */
/* A speaker cone cannot follow ultrasonic tones; programs that park the
 * PIT at such rates (or at divisor 1) mean silence. */
#define MAX_TONE_HZ 20000

struct sdl_audio {
    SDL_AudioDeviceID dev;
    SDL_atomic_t tone; /* frequency in Hz, 0 = off */
    /* Owned by the audio thread. */
    uint32_t freq;  /* the tone being played (kept while ramping down) */
    uint64_t phase; /* position in the period, in 1/RATE-second units x freq */
    int level;      /* current amplitude */
};

static void fill(void *opaque, Uint8 *stream, int len)
{
    struct sdl_audio *a = opaque;
    int16_t *out = (int16_t *)stream;
    int n = len / (int)sizeof(int16_t);
    uint32_t want = (uint32_t)SDL_AtomicGet(&a->tone);
    if (want > MAX_TONE_HZ)
        want = 0;
    /* A new pitch takes effect at once; only silence fades in and out. */
    if (want)
        a->freq = want;
    int target = want ? AMPLITUDE : 0;
    for (int i = 0; i < n; i++) {
        if (a->level < target)
            a->level = a->level + RAMP_STEP > target ? target : a->level + RAMP_STEP;
        else if (a->level > target)
            a->level = a->level - RAMP_STEP < target ? target : a->level - RAMP_STEP;
        if (a->level == 0 || a->freq == 0) {
            out[i] = 0;
            continue;
        }
        /* The square wave's sign: first half of each period high. phase
         * counts freq per sample, wrapping at RATE (one period). */
        a->phase += a->freq;
        a->phase %= RATE;
        out[i] = (int16_t)(a->phase < RATE / 2 ? a->level : -a->level);
    }
}

struct sdl_audio *sdl_audio_open(void)
{
    struct sdl_audio *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    SDL_AudioSpec want = {0}, have;
    want.freq = RATE;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 512; /* ~11 ms: a tone follows the guest closely */
    want.callback = fill;
    want.userdata = a;
    a->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (!a->dev) {
        free(a);
        return NULL;
    }
    SDL_PauseAudioDevice(a->dev, 0);
    return a;
}

void sdl_audio_close(struct sdl_audio *a)
{
    if (!a)
        return;
    SDL_CloseAudioDevice(a->dev);
    free(a);
}

void sdl_audio_speaker(struct sdl_audio *a, bool on, uint32_t freq_hz)
{
    if (a)
        SDL_AtomicSet(&a->tone, on ? (int)freq_hz : 0);
}

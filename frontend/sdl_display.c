/* The SDL2 window of -display sdl: texture upload, aspect-correct scaling
 * (integer by default, smooth on request), resizing and fullscreen. */
#include "frontend/sdl_display.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

struct sdl_display {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h; /* the texture's size: the guest picture's */
    bool smooth;
    bool fullscreen;
};

void sdl_display_aspect(int width, int height, int *shown_w, int *shown_h)
{
    *shown_w = width;
    *shown_h = height;
    /* The 200-, 350- and 400-line modes (CGA and EGA heritage, text, mode
     * 13h) filled the same 4:3 tube as 480 lines did: their pixels are
     * taller than wide. */
    if (height == 200 || height == 350 || height == 400)
        *shown_h = width * 3 / 4;
}

struct sdl_display *sdl_display_open(const char *title, char *err, size_t errlen)
{
    struct sdl_display *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory for the window");
        return NULL;
    }
    /* 720x400 text shown 4:3, doubled: a comfortable first size. */
    d->window = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 720, 540,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!d->window) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        free(d);
        return NULL;
    }
    SDL_SetWindowMinimumSize(d->window, 320, 200);
    /* No vsync: presenting must never hold the guest up. */
    d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_ACCELERATED);
    if (!d->renderer)
        d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_SOFTWARE);
    if (!d->renderer) {
        snprintf(err, errlen, "cannot draw in the window: %s", SDL_GetError());
        SDL_DestroyWindow(d->window);
        free(d);
        return NULL;
    }
    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    SDL_RenderPresent(d->renderer);
    return d;
}

void sdl_display_close(struct sdl_display *d)
{
    if (!d)
        return;
    if (d->texture)
        SDL_DestroyTexture(d->texture);
    SDL_DestroyRenderer(d->renderer);
    SDL_DestroyWindow(d->window);
    free(d);
}

void sdl_display_update(struct sdl_display *d, const uint32_t *pixels, int width, int height)
{
    if (width <= 0 || height <= 0)
        return;
    if (!d->texture || width != d->tex_w || height != d->tex_h) {
        if (d->texture)
            SDL_DestroyTexture(d->texture);
        d->texture = SDL_CreateTexture(d->renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                                       width, height);
        if (!d->texture)
            return;
        SDL_SetTextureScaleMode(d->texture, d->smooth ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
        d->tex_w = width;
        d->tex_h = height;
    }
    SDL_UpdateTexture(d->texture, NULL, pixels, width * 4);
}

/* Where the picture goes in an out_w x out_h drawable. Integer scaling uses
 * the largest whole multiple of the shown size that fits (pixels stay
 * sharp); when even 1x does not fit, or in smooth mode, the picture fills
 * the window at its aspect ratio. */
static SDL_Rect place(const struct sdl_display *d, int out_w, int out_h)
{
    int sw, sh;
    sdl_display_aspect(d->tex_w, d->tex_h, &sw, &sh);
    int w, h;
    int k = out_w / sw < out_h / sh ? out_w / sw : out_h / sh;
    if (!d->smooth && k >= 1) {
        w = sw * k;
        h = sh * k;
    } else if ((long)out_w * sh <= (long)out_h * sw) {
        w = out_w;
        h = (int)((long)out_w * sh / sw);
    } else {
        h = out_h;
        w = (int)((long)out_h * sw / sh);
    }
    SDL_Rect r = {(out_w - w) / 2, (out_h - h) / 2, w, h};
    return r;
}

void sdl_display_present(struct sdl_display *d)
{
    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    if (d->texture) {
        int out_w, out_h;
        SDL_GetRendererOutputSize(d->renderer, &out_w, &out_h);
        SDL_Rect dst = place(d, out_w, out_h);
        SDL_RenderCopy(d->renderer, d->texture, NULL, &dst);
    }
    SDL_RenderPresent(d->renderer);
}

void sdl_display_set_title(struct sdl_display *d, const char *title)
{
    SDL_SetWindowTitle(d->window, title);
}

void sdl_display_toggle_fullscreen(struct sdl_display *d)
{
    d->fullscreen = !d->fullscreen;
    /* Desktop fullscreen keeps the host's mode: no flicker, no mode switch. */
    SDL_SetWindowFullscreen(d->window, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
}

bool sdl_display_toggle_smooth(struct sdl_display *d)
{
    d->smooth = !d->smooth;
    if (d->texture)
        SDL_SetTextureScaleMode(d->texture, d->smooth ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
    return d->smooth;
}

uint32_t sdl_display_window_id(struct sdl_display *d)
{
    return SDL_GetWindowID(d->window);
}

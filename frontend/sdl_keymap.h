/* SDL scancodes (USB HID usage numbers) to PC keys, named by their set-1
 * make code as kbc_key takes them. */
#ifndef REX86_FRONTEND_SDL_KEYMAP_H
#define REX86_FRONTEND_SDL_KEYMAP_H

#include <stdint.h>

/* The PC key for an SDL_Scancode, or 0 for a key the PC keyboard lacks. */
uint16_t sdl_keymap_pc_key(int sdl_scancode);

#endif

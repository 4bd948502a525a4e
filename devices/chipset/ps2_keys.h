/* PC keyboard scan codes: the set-1 key numbering the frontend uses, its
 * conversion to sets 2 and 3, the 8042's set-2-to-set-1 translation, and the
 * US layout used to type ASCII text. */
#ifndef REX86_PS2_KEYS_H
#define REX86_PS2_KEYS_H

#include <stdbool.h>
#include <stdint.h>

/* A key is named by its set-1 make code: 0x00xx, or 0xE0xx for the E0-
 * prefixed keys. Two keys have longer codes and get names of their own. */
#define PS2_KEY_PRINTSCREEN 0xE037 /* sends E0 2A E0 37 / E0 B7 E0 AA */
#define PS2_KEY_PAUSE       0xE11D /* sends E1 1D 45 E1 9D C5, no break */
#define PS2_KEY_LSHIFT      0x002A

#define PS2_SEQ_MAX 8

/* Writes the bytes a keyboard in scan code set `set` (1, 2 or 3) sends for
 * the key going down or up; returns how many (0 for an unknown key). */
int ps2_key_bytes(uint16_t key, bool down, int set, uint8_t out[PS2_SEQ_MAX]);
/* The 8042 translation of one set-2 byte to set 1 (the F0 break prefix is
 * handled by the controller, which ORs 0x80 into the next byte). */
uint8_t ps2_translate(uint8_t set2);
/* The key and shift state that type ASCII character c on a US keyboard.
 * Returns false for characters no key produces. */
bool ps2_ascii_key(char c, uint16_t *key, bool *shift);

#endif

/* Key names for the control API's "key" command: "ctrl-alt-del", "f1",
 * "shift-a" ... to set-1 key codes (the numbering kbc_key takes). */
#ifndef REX86_FRONTEND_KEYNAMES_H
#define REX86_FRONTEND_KEYNAMES_H

#include <stddef.h>
#include <stdint.h>

#define KEYNAMES_MAX_COMBO 8 /* keys held together in one combination */

/* Parses one combination: key names joined by '-' or '+' (any case), e.g.
 * "ctrl-alt-del", "Shift+F10", "a". Returns the number of keys written to
 * keys[] in press order, or -1 with err naming the unknown part. */
int keynames_parse(const char *combo, uint16_t keys[KEYNAMES_MAX_COMBO], char *err, size_t errlen);

#endif

/* Key names to set-1 codes for the control API. Letters, digits and
 * punctuation come from the US layout table the core types text with, so
 * the two never disagree; the rest are named here. */
#include "frontend/keynames.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "devices/chipset/ps2_keys.h"

struct key_name {
    const char *name;
    uint16_t code;
};

static const struct key_name key_names[] = {
    {"ctrl", 0x1D},
    {"lctrl", 0x1D},
    {"control", 0x1D},
    {"rctrl", 0xE01D},
    {"alt", 0x38},
    {"lalt", 0x38},
    {"ralt", 0xE038},
    {"altgr", 0xE038},
    {"shift", 0x2A},
    {"lshift", 0x2A},
    {"rshift", 0x36},
    {"win", 0xE05B},
    {"lwin", 0xE05B},
    {"super", 0xE05B},
    {"meta", 0xE05B},
    {"rwin", 0xE05C},
    {"menu", 0xE05D},
    {"esc", 0x01},
    {"escape", 0x01},
    {"enter", 0x1C},
    {"return", 0x1C},
    {"ret", 0x1C},
    {"kpenter", 0xE01C},
    {"tab", 0x0F},
    {"backspace", 0x0E},
    {"bs", 0x0E},
    {"space", 0x39},
    {"spc", 0x39},
    {"capslock", 0x3A},
    {"numlock", 0x45},
    {"scrolllock", 0x46},
    {"del", 0xE053},
    {"delete", 0xE053},
    {"ins", 0xE052},
    {"insert", 0xE052},
    {"home", 0xE047},
    {"end", 0xE04F},
    {"pgup", 0xE049},
    {"pageup", 0xE049},
    {"pgdn", 0xE051},
    {"pagedown", 0xE051},
    {"up", 0xE048},
    {"down", 0xE050},
    {"left", 0xE04B},
    {"right", 0xE04D},
    {"f1", 0x3B},
    {"f2", 0x3C},
    {"f3", 0x3D},
    {"f4", 0x3E},
    {"f5", 0x3F},
    {"f6", 0x40},
    {"f7", 0x41},
    {"f8", 0x42},
    {"f9", 0x43},
    {"f10", 0x44},
    {"f11", 0x57},
    {"f12", 0x58},
    {"minus", 0x0C},
    {"dash", 0x0C},
    {"equal", 0x0D},
    {"equals", 0x0D},
    {"plus", 0x0D},
    {"sysrq", PS2_KEY_PRINTSCREEN},
    {"print", PS2_KEY_PRINTSCREEN},
    {"printscreen", PS2_KEY_PRINTSCREEN},
    {"prtsc", PS2_KEY_PRINTSCREEN},
    {"pause", PS2_KEY_PAUSE},
    {"break", PS2_KEY_PAUSE},
    {"kp0", 0x52},
    {"kp1", 0x4F},
    {"kp2", 0x50},
    {"kp3", 0x51},
    {"kp4", 0x4B},
    {"kp5", 0x4C},
    {"kp6", 0x4D},
    {"kp7", 0x47},
    {"kp8", 0x48},
    {"kp9", 0x49},
    {"kpdot", 0x53},
    {"kpplus", 0x4E},
    {"kpminus", 0x4A},
    {"kpmul", 0x37},
    {"kpdiv", 0xE035},
};

/* One key name: a named key, or a single character a US keyboard has. */
static bool key_lookup(const char *name, size_t len, uint16_t *code)
{
    for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
        if (strlen(key_names[i].name) == len && !strncasecmp(key_names[i].name, name, len)) {
            *code = key_names[i].code;
            return true;
        }
    if (len == 1 && name[0] != ' ') {
        bool shift;
        char c = name[0];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a'); /* "ctrl-C" means the C key */
        return ps2_ascii_key(c, code, &shift);
    }
    return false;
}

int keynames_parse(const char *combo, uint16_t keys[KEYNAMES_MAX_COMBO], char *err, size_t errlen)
{
    int n = 0;
    const char *p = combo;
    if (!*p) {
        snprintf(err, errlen, "no key named");
        return -1;
    }
    for (;;) {
        /* A separator right at the start of a part is the key itself, so
         * "ctrl--" and "shift-+" name the minus and plus-sign keys. */
        if (!*p) {
            snprintf(err, errlen, "'%s' ends in a separator; name a key after it", combo);
            return -1;
        }
        size_t len = 1 + strcspn(p + 1, "-+");
        uint16_t code;
        if (!key_lookup(p, len, &code)) {
            snprintf(err, errlen, "'%.*s' in '%s' is not a key name rex86 knows (docs/control.md lists them)",
                     (int)len, p, combo);
            return -1;
        }
        if (n == KEYNAMES_MAX_COMBO) {
            snprintf(err, errlen, "'%s' holds more than %d keys at once", combo, KEYNAMES_MAX_COMBO);
            return -1;
        }
        keys[n++] = code;
        p += len;
        if (!*p)
            return n;
        p++; /* the separator */
    }
}

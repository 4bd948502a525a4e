/* Scan code tables (IBM PS/2 keyboard technical reference, scan code sets 1,
 * 2 and 3): set-1 codes are the key names, everything else derives from the
 * two tables below. */
#include "devices/chipset/ps2_keys.h"

#include <stddef.h>

/* Set-1 make code -> set-2 make code; 0 = no such key. E0 keys use the
 * same table for the byte after E0. */
static const uint8_t set1_to_set2[0x80] = {
    [0x01] = 0x76,
    [0x02] = 0x16,
    [0x03] = 0x1E,
    [0x04] = 0x26,
    [0x05] = 0x25,
    [0x06] = 0x2E,
    [0x07] = 0x36,
    [0x08] = 0x3D,
    [0x09] = 0x3E,
    [0x0A] = 0x46,
    [0x0B] = 0x45,
    [0x0C] = 0x4E,
    [0x0D] = 0x55,
    [0x0E] = 0x66,
    [0x0F] = 0x0D,
    [0x10] = 0x15,
    [0x11] = 0x1D,
    [0x12] = 0x24,
    [0x13] = 0x2D,
    [0x14] = 0x2C,
    [0x15] = 0x35,
    [0x16] = 0x3C,
    [0x17] = 0x43,
    [0x18] = 0x44,
    [0x19] = 0x4D,
    [0x1A] = 0x54,
    [0x1B] = 0x5B,
    [0x1C] = 0x5A,
    [0x1D] = 0x14,
    [0x1E] = 0x1C,
    [0x1F] = 0x1B,
    [0x20] = 0x23,
    [0x21] = 0x2B,
    [0x22] = 0x34,
    [0x23] = 0x33,
    [0x24] = 0x3B,
    [0x25] = 0x42,
    [0x26] = 0x4B,
    [0x27] = 0x4C,
    [0x28] = 0x52,
    [0x29] = 0x0E,
    [0x2A] = 0x12,
    [0x2B] = 0x5D,
    [0x2C] = 0x1A,
    [0x2D] = 0x22,
    [0x2E] = 0x21,
    [0x2F] = 0x2A,
    [0x30] = 0x32,
    [0x31] = 0x31,
    [0x32] = 0x3A,
    [0x33] = 0x41,
    [0x34] = 0x49,
    [0x35] = 0x4A,
    [0x36] = 0x59,
    [0x37] = 0x7C,
    [0x38] = 0x11,
    [0x39] = 0x29,
    [0x3A] = 0x58,
    [0x3B] = 0x05,
    [0x3C] = 0x06,
    [0x3D] = 0x04,
    [0x3E] = 0x0C,
    [0x3F] = 0x03,
    [0x40] = 0x0B,
    [0x41] = 0x83,
    [0x42] = 0x0A,
    [0x43] = 0x01,
    [0x44] = 0x09,
    [0x45] = 0x77,
    [0x46] = 0x7E,
    [0x47] = 0x6C,
    [0x48] = 0x75,
    [0x49] = 0x7D,
    [0x4A] = 0x7B,
    [0x4B] = 0x6B,
    [0x4C] = 0x73,
    [0x4D] = 0x74,
    [0x4E] = 0x79,
    [0x4F] = 0x69,
    [0x50] = 0x72,
    [0x51] = 0x7A,
    [0x52] = 0x70,
    [0x53] = 0x71,
    [0x54] = 0x84,
    [0x56] = 0x61,
    [0x57] = 0x78,
    [0x58] = 0x07,
    /* Windows keys: only ever after E0. */
    [0x5B] = 0x1F,
    [0x5C] = 0x27,
    [0x5D] = 0x2F,
};

/* Set 3 differs from set 2 in these keys (set-1 code -> set-3 code). */
struct ps2_set3_diff {
    uint16_t key;
    uint8_t code;
};
static const struct ps2_set3_diff set3_diffs[] = {
    {0x0001, 0x08},        {0x001D, 0x11}, {0x0038, 0x19}, {0x002B, 0x5C}, {0x0037, 0x7E}, {0x003A, 0x14},
    {0x003B, 0x07},        {0x003C, 0x0F}, {0x003D, 0x17}, {0x003E, 0x1F}, {0x003F, 0x27}, {0x0040, 0x2F},
    {0x0041, 0x37},        {0x0042, 0x3F}, {0x0043, 0x47}, {0x0044, 0x4F}, {0x0057, 0x56}, {0x0058, 0x5E},
    {0x0045, 0x76},        {0x0046, 0x5F}, {0x004A, 0x84}, {0x004E, 0x7C}, {0x0056, 0x13}, {0x0054, 0x57},
    {0xE01D, 0x58},        {0xE038, 0x39}, {0xE01C, 0x79}, {0xE035, 0x77}, {0xE047, 0x6E}, {0xE048, 0x63},
    {0xE049, 0x6F},        {0xE04B, 0x61}, {0xE04D, 0x6A}, {0xE04F, 0x65}, {0xE050, 0x60}, {0xE051, 0x6D},
    {0xE052, 0x67},        {0xE053, 0x64}, {0xE037, 0x57}, {0xE05B, 0x8B}, {0xE05C, 0x8C}, {0xE05D, 0x8D},
    {PS2_KEY_PAUSE, 0x62},
};

static bool ps2_key_valid(uint16_t key)
{
    if (key == PS2_KEY_PAUSE)
        return true;
    uint8_t c = key & 0xFF;
    if ((key >> 8) != 0 && (key >> 8) != 0xE0)
        return false;
    return c < 0x80 && set1_to_set2[c] != 0;
}

/* The set-1 sequence; sets 2 and 3 are derived from it. */
static int ps2_set1_bytes(uint16_t key, bool down, uint8_t *out)
{
    int n = 0;
    if (key == PS2_KEY_PAUSE) {
        if (!down)
            return 0; /* Pause sends its break codes with the make */
        static const uint8_t pause[6] = {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5};
        for (n = 0; n < 6; n++)
            out[n] = pause[n];
        return n;
    }
    if (key == PS2_KEY_PRINTSCREEN) {
        /* Print Screen wraps itself in a fake left shift. */
        static const uint8_t make[4] = {0xE0, 0x2A, 0xE0, 0x37}, brk[4] = {0xE0, 0xB7, 0xE0, 0xAA};
        for (n = 0; n < 4; n++)
            out[n] = down ? make[n] : brk[n];
        return n;
    }
    if (key >> 8)
        out[n++] = 0xE0;
    out[n++] = (uint8_t)((key & 0x7F) | (down ? 0 : 0x80));
    return n;
}

int ps2_key_bytes(uint16_t key, bool down, int set, uint8_t out[PS2_SEQ_MAX])
{
    if (!ps2_key_valid(key))
        return 0;
    if (set == 3) {
        uint8_t code = set1_to_set2[key & 0x7F];
        if (key == PS2_KEY_PAUSE)
            code = 0;
        for (size_t i = 0; i < sizeof(set3_diffs) / sizeof(set3_diffs[0]); i++)
            if (set3_diffs[i].key == key)
                code = set3_diffs[i].code;
        if (!code)
            return 0;
        int n = 0;
        if (!down)
            out[n++] = 0xF0;
        out[n++] = code;
        return n;
    }
    uint8_t s1[PS2_SEQ_MAX];
    int n1 = ps2_set1_bytes(key, down, s1);
    if (set == 1) {
        for (int i = 0; i < n1; i++)
            out[i] = s1[i];
        return n1;
    }
    int n = 0;
    for (int i = 0; i < n1 && n < PS2_SEQ_MAX - 1; i++) {
        uint8_t b = s1[i];
        if (b == 0xE0 || b == 0xE1) {
            out[n++] = b;
            continue;
        }
        if (b & 0x80)
            out[n++] = 0xF0;
        out[n++] = set1_to_set2[b & 0x7F];
    }
    return n;
}

uint8_t ps2_translate(uint8_t set2)
{
    /* The 8042's table is the inverse of set1_to_set2 for real keys. Two
     * more entries are known from behaviour: the keyboard's "set 2" reply
     * to F0 00 reads 0x41 translated, and 0x00 (overrun) becomes 0xFF. */
    if (set2 == 0x00)
        return 0xFF;
    if (set2 == 0x02)
        return 0x41;
    for (unsigned c = 0; c < 0x80; c++)
        if (set1_to_set2[c] == set2)
            return (uint8_t)c;
    return set2; /* protocol bytes (FA, AA, EE, FE, E0, E1...) pass through */
}

bool ps2_ascii_key(char ch, uint16_t *key, bool *shift)
{
    static const char row_q[] = "qwertyuiop", row_a[] = "asdfghjkl", row_z[] = "zxcvbnm";
    static const char digits[] = "1234567890", shifted_digits[] = "!@#$%^&*()";
    static const char plain[] = "-=[];'`\\,./ ", shifted[] = "_+{}:\"~|<>?";
    static const uint8_t punct_keys[] = {0x0C, 0x0D, 0x1A, 0x1B, 0x27, 0x28,
                                         0x29, 0x2B, 0x33, 0x34, 0x35, 0x39};
    unsigned char c = (unsigned char)ch;
    *shift = false;
    if (c >= 'A' && c <= 'Z') {
        *shift = true;
        c = (unsigned char)(c - 'A' + 'a');
    }
    for (int i = 0; row_q[i]; i++)
        if (c == (unsigned char)row_q[i])
            return *key = (uint16_t)(0x10 + i), true;
    for (int i = 0; row_a[i]; i++)
        if (c == (unsigned char)row_a[i])
            return *key = (uint16_t)(0x1E + i), true;
    for (int i = 0; row_z[i]; i++)
        if (c == (unsigned char)row_z[i])
            return *key = (uint16_t)(0x2C + i), true;
    if (*shift)
        return false;
    for (int i = 0; digits[i]; i++) {
        if (c == (unsigned char)digits[i])
            return *key = (uint16_t)(0x02 + i), true;
        if (c == (unsigned char)shifted_digits[i])
            return *key = (uint16_t)(0x02 + i), *shift = true, true;
    }
    for (int i = 0; plain[i]; i++)
        if (c == (unsigned char)plain[i])
            return *key = punct_keys[i], true;
    for (int i = 0; shifted[i]; i++)
        if (c == (unsigned char)shifted[i])
            return *key = punct_keys[i], *shift = true, true;
    switch (c) {
    case '\n':
    case '\r': *key = 0x1C; return true;
    case '\t': *key = 0x0F; return true;
    case '\b': *key = 0x0E; return true;
    case 0x1B: *key = 0x01; return true;
    default: return false;
    }
}

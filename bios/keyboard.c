/* The keyboard: INT 09h turns set-1 scan codes into BIOS key codes in the
 * BDA ring buffer (shift states, Caps/Num Lock, E0 keys, Alt+keypad,
 * Ctrl-Break, Ctrl-Alt-Del); INT 16h reads, peeks and stuffs keys. */
#include "bios/bios_priv.h"

/* BDA keyboard fields. */
#define KF1    BDA(0x17) /* shift flags */
#define KF2    BDA(0x18) /* keys held */
#define KALT   BDA(0x19) /* Alt+keypad number being typed */
#define KHEAD  BDA(0x1A)
#define KTAIL  BDA(0x1C)
#define KSTART BDA(0x80)
#define KEND   BDA(0x82)
#define KF3    BDA(0x96) /* E0/E1 seen, right Ctrl/Alt held, 101 keys */

enum {
    KF1_RSHIFT = 1,
    KF1_LSHIFT = 2,
    KF1_CTRL = 4,
    KF1_ALT = 8,
    KF1_SCROLL = 16,
    KF1_NUM = 32,
    KF1_CAPS = 64,
    KF1_INSERT = 128
};

/* Key codes (scan << 8 | ascii) for scan codes 00h-58h: plain, Shift,
 * Ctrl, Alt; 0 = no key. IBM PC AT / PS/2 BIOS conventions. */
static const uint16_t keymap[0x59][4] = {
    [0x01] = {0x011B, 0x011B, 0x011B, 0x0100}, [0x02] = {0x0231, 0x0221, 0, 0x7800},
    [0x03] = {0x0332, 0x0340, 0x0300, 0x7900}, [0x04] = {0x0433, 0x0423, 0, 0x7A00},
    [0x05] = {0x0534, 0x0524, 0, 0x7B00},      [0x06] = {0x0635, 0x0625, 0, 0x7C00},
    [0x07] = {0x0736, 0x075E, 0x071E, 0x7D00}, [0x08] = {0x0837, 0x0826, 0, 0x7E00},
    [0x09] = {0x0938, 0x092A, 0, 0x7F00},      [0x0A] = {0x0A39, 0x0A28, 0, 0x8000},
    [0x0B] = {0x0B30, 0x0B29, 0, 0x8100},      [0x0C] = {0x0C2D, 0x0C5F, 0x0C1F, 0x8200},
    [0x0D] = {0x0D3D, 0x0D2B, 0, 0x8300},      [0x0E] = {0x0E08, 0x0E08, 0x0E7F, 0x0E00},
    [0x0F] = {0x0F09, 0x0F00, 0x9400, 0xA500}, [0x10] = {0x1071, 0x1051, 0x1011, 0x1000},
    [0x11] = {0x1177, 0x1157, 0x1117, 0x1100}, [0x12] = {0x1265, 0x1245, 0x1205, 0x1200},
    [0x13] = {0x1372, 0x1352, 0x1312, 0x1300}, [0x14] = {0x1474, 0x1454, 0x1414, 0x1400},
    [0x15] = {0x1579, 0x1559, 0x1519, 0x1500}, [0x16] = {0x1675, 0x1655, 0x1615, 0x1600},
    [0x17] = {0x1769, 0x1749, 0x1709, 0x1700}, [0x18] = {0x186F, 0x184F, 0x180F, 0x1800},
    [0x19] = {0x1970, 0x1950, 0x1910, 0x1900}, [0x1A] = {0x1A5B, 0x1A7B, 0x1A1B, 0x1A00},
    [0x1B] = {0x1B5D, 0x1B7D, 0x1B1D, 0x1B00}, [0x1C] = {0x1C0D, 0x1C0D, 0x1C0A, 0x1C00},
    [0x1E] = {0x1E61, 0x1E41, 0x1E01, 0x1E00}, [0x1F] = {0x1F73, 0x1F53, 0x1F13, 0x1F00},
    [0x20] = {0x2064, 0x2044, 0x2004, 0x2000}, [0x21] = {0x2166, 0x2146, 0x2106, 0x2100},
    [0x22] = {0x2267, 0x2247, 0x2207, 0x2200}, [0x23] = {0x2368, 0x2348, 0x2308, 0x2300},
    [0x24] = {0x246A, 0x244A, 0x240A, 0x2400}, [0x25] = {0x256B, 0x254B, 0x250B, 0x2500},
    [0x26] = {0x266C, 0x264C, 0x260C, 0x2600}, [0x27] = {0x273B, 0x273A, 0, 0x2700},
    [0x28] = {0x2827, 0x2822, 0, 0x2800},      [0x29] = {0x2960, 0x297E, 0, 0x2900},
    [0x2B] = {0x2B5C, 0x2B7C, 0x2B1C, 0x2B00}, [0x2C] = {0x2C7A, 0x2C5A, 0x2C1A, 0x2C00},
    [0x2D] = {0x2D78, 0x2D58, 0x2D18, 0x2D00}, [0x2E] = {0x2E63, 0x2E43, 0x2E03, 0x2E00},
    [0x2F] = {0x2F76, 0x2F56, 0x2F16, 0x2F00}, [0x30] = {0x3062, 0x3042, 0x3002, 0x3000},
    [0x31] = {0x316E, 0x314E, 0x310E, 0x3100}, [0x32] = {0x326D, 0x324D, 0x320D, 0x3200},
    [0x33] = {0x332C, 0x333C, 0, 0x3300},      [0x34] = {0x342E, 0x343E, 0, 0x3400},
    [0x35] = {0x352F, 0x353F, 0, 0x3500},      [0x37] = {0x372A, 0x372A, 0x9600, 0x3700},
    [0x39] = {0x3920, 0x3920, 0x3920, 0x3920}, [0x3B] = {0x3B00, 0x5400, 0x5E00, 0x6800},
    [0x3C] = {0x3C00, 0x5500, 0x5F00, 0x6900}, [0x3D] = {0x3D00, 0x5600, 0x6000, 0x6A00},
    [0x3E] = {0x3E00, 0x5700, 0x6100, 0x6B00}, [0x3F] = {0x3F00, 0x5800, 0x6200, 0x6C00},
    [0x40] = {0x4000, 0x5900, 0x6300, 0x6D00}, [0x41] = {0x4100, 0x5A00, 0x6400, 0x6E00},
    [0x42] = {0x4200, 0x5B00, 0x6500, 0x6F00}, [0x43] = {0x4300, 0x5C00, 0x6600, 0x7000},
    [0x44] = {0x4400, 0x5D00, 0x6700, 0x7100}, [0x47] = {0x4700, 0x4737, 0x7700, 0},
    [0x48] = {0x4800, 0x4838, 0x8D00, 0},      [0x49] = {0x4900, 0x4939, 0x8400, 0},
    [0x4A] = {0x4A2D, 0x4A2D, 0x8E00, 0x4A00}, [0x4B] = {0x4B00, 0x4B34, 0x7300, 0},
    [0x4C] = {0x4C00, 0x4C35, 0x8F00, 0},      [0x4D] = {0x4D00, 0x4D36, 0x7400, 0},
    [0x4E] = {0x4E2B, 0x4E2B, 0x9000, 0x4E00}, [0x4F] = {0x4F00, 0x4F31, 0x7500, 0},
    [0x50] = {0x5000, 0x5032, 0x9100, 0},      [0x51] = {0x5100, 0x5133, 0x7600, 0},
    [0x52] = {0x5200, 0x5230, 0x9200, 0},      [0x53] = {0x5300, 0x532E, 0x9300, 0},
    [0x56] = {0x565C, 0x567C, 0, 0},           [0x57] = {0x8500, 0x8700, 0x8900, 0x8B00},
    [0x58] = {0x8600, 0x8800, 0x8A00, 0x8C00},
};

/* Gray keys (E0 prefix): plain/Shift, Ctrl, Alt. */
static uint16_t gray_key(uint8_t sc, int mode)
{
    static const struct {
        uint8_t sc;
        uint16_t k[3];
    } gray[] = {
        {0x1C, {0xE00D, 0xE00A, 0xA600}}, {0x35, {0xE02F, 0x9500, 0xA400}}, {0x47, {0x47E0, 0x77E0, 0x9700}},
        {0x48, {0x48E0, 0x8DE0, 0x9800}}, {0x49, {0x49E0, 0x84E0, 0x9900}}, {0x4B, {0x4BE0, 0x73E0, 0x9B00}},
        {0x4D, {0x4DE0, 0x74E0, 0x9D00}}, {0x4F, {0x4FE0, 0x75E0, 0x9F00}}, {0x50, {0x50E0, 0x91E0, 0xA000}},
        {0x51, {0x51E0, 0x76E0, 0xA100}}, {0x52, {0x52E0, 0x92E0, 0xA200}}, {0x53, {0x53E0, 0x93E0, 0xA300}},
    };
    for (size_t k = 0; k < sizeof(gray) / sizeof(gray[0]); k++)
        if (gray[k].sc == sc)
            return gray[k].k[mode];
    return 0;
}

/* Appends a key to the ring buffer; false when it is full. */
static bool kbd_put(struct machine *m, uint16_t key)
{
    uint16_t head = bios_rd16(m, KHEAD), tail = bios_rd16(m, KTAIL);
    uint16_t start = bios_rd16(m, KSTART), end = bios_rd16(m, KEND);
    uint16_t next = (uint16_t)(tail + 2);
    if (next >= end)
        next = start;
    if (next == head)
        return false;
    bios_wr16(m, BDA(tail), key);
    bios_wr16(m, KTAIL, next);
    return true;
}

static bool kbd_peek(struct machine *m, uint16_t *key)
{
    uint16_t head = bios_rd16(m, KHEAD);
    if (head == bios_rd16(m, KTAIL))
        return false;
    *key = bios_rd16(m, BDA(head));
    return true;
}

static void kbd_drop(struct machine *m)
{
    uint16_t head = (uint16_t)(bios_rd16(m, KHEAD) + 2);
    if (head >= bios_rd16(m, KEND))
        head = bios_rd16(m, KSTART);
    bios_wr16(m, KHEAD, head);
}

void bios_kbd_post(struct machine *m)
{
    bios_wr8(m, KF1, 0);
    bios_wr8(m, KF2, 0);
    bios_wr8(m, KALT, 0);
    bios_wr8(m, KF3, 0x10);
    bios_wr8(m, BDA(0x97), 0);
    m->bios->kbd_e1_skip = 0;
}

static void set_bits(struct machine *m, uint32_t at, uint8_t bits, bool on)
{
    uint8_t v = bios_rd8(m, at);
    bios_wr8(m, at, on ? (uint8_t)(v | bits) : (uint8_t)(v & ~bits));
}

/* Modifier and lock keys; returns true when sc was one. */
static bool shift_key(struct machine *m, uint8_t sc, bool up, bool e0)
{
    uint8_t f1 = bios_rd8(m, KF1), f2 = bios_rd8(m, KF2), f3 = bios_rd8(m, KF3);
    switch (sc) {
    case 0x2A:
        if (e0) /* fake shift around gray keys */
            return true;
        set_bits(m, KF1, KF1_LSHIFT, !up);
        return true;
    case 0x36:
        if (e0)
            return true;
        set_bits(m, KF1, KF1_RSHIFT, !up);
        return true;
    case 0x1D:
        if (e0)
            f3 = up ? (uint8_t)(f3 & ~0x04) : (uint8_t)(f3 | 0x04);
        else
            f2 = up ? (uint8_t)(f2 & ~0x01) : (uint8_t)(f2 | 0x01);
        bios_wr8(m, KF3, f3);
        bios_wr8(m, KF2, f2);
        set_bits(m, KF1, KF1_CTRL, (f3 & 0x04) || (f2 & 0x01));
        return true;
    case 0x38:
        if (e0)
            f3 = up ? (uint8_t)(f3 & ~0x08) : (uint8_t)(f3 | 0x08);
        else
            f2 = up ? (uint8_t)(f2 & ~0x02) : (uint8_t)(f2 | 0x02);
        bios_wr8(m, KF3, f3);
        bios_wr8(m, KF2, f2);
        set_bits(m, KF1, KF1_ALT, (f3 & 0x08) || (f2 & 0x02));
        if (up && !((f3 & 0x08) || (f2 & 0x02))) {
            /* Alt released: deliver an Alt+keypad code. */
            uint8_t n = bios_rd8(m, KALT);
            if (n)
                kbd_put(m, n);
            bios_wr8(m, KALT, 0);
        }
        return true;
    case 0x3A: /* Caps Lock toggles on the press, not the repeat */
        if (!up && !(f2 & 0x40))
            f1 ^= KF1_CAPS;
        f2 = up ? (uint8_t)(f2 & ~0x40) : (uint8_t)(f2 | 0x40);
        break;
    case 0x45:
        if (f1 & KF1_CTRL)
            return false; /* Ctrl+NumLock is Pause on old keyboards */
        if (!up && !(f2 & 0x20))
            f1 ^= KF1_NUM;
        f2 = up ? (uint8_t)(f2 & ~0x20) : (uint8_t)(f2 | 0x20);
        break;
    case 0x46:
        if (e0 || (f1 & KF1_CTRL))
            return false; /* Ctrl+ScrollLock / Break */
        if (!up && !(f2 & 0x10))
            f1 ^= KF1_SCROLL;
        f2 = up ? (uint8_t)(f2 & ~0x10) : (uint8_t)(f2 | 0x10);
        break;
    default: return false;
    }
    bios_wr8(m, KF1, f1);
    bios_wr8(m, KF2, f2);
    uint8_t leds =
        (uint8_t)(((f1 & KF1_SCROLL) ? 1 : 0) | ((f1 & KF1_NUM) ? 2 : 0) | ((f1 & KF1_CAPS) ? 4 : 0));
    bios_wr8(m, BDA(0x97), (uint8_t)((bios_rd8(m, BDA(0x97)) & ~7u) | leds));
    return true;
}

/* INT 09h with AL = the scan code from port 60h. */
void bios_int09(struct machine *m)
{
    struct bios *b = m->bios;
    uint8_t code = R_AL(&m->cpu);
    uint8_t f3 = bios_rd8(m, KF3);
    if (b->kbd_e1_skip) { /* rest of the Pause sequence E1 1D 45 E1 9D C5 */
        b->kbd_e1_skip--;
        return;
    }
    if (code == 0xE1) {
        b->kbd_e1_skip = 5;
        return;
    }
    if (code == 0xE0) {
        bios_wr8(m, KF3, f3 | 0x02);
        return;
    }
    /* Overrun, ACK, resend. (0xAA is not filtered: it is also the Left
     * Shift break code.) */
    if (code == 0x00 || code == 0xFF || code == 0xFA || code == 0xFE)
        return;
    bool e0 = (f3 & 0x02) != 0;
    bios_wr8(m, KF3, f3 & ~0x02);
    bool up = (code & 0x80) != 0;
    uint8_t sc = code & 0x7F;

    if (shift_key(m, sc, up, e0))
        return;
    if (sc == 0x52 && !up) /* Insert toggles its state on the press */
        set_bits(m, KF1, KF1_INSERT, !(bios_rd8(m, KF1) & KF1_INSERT));
    if (up)
        return;

    uint8_t f1 = bios_rd8(m, KF1);
    bool shift = (f1 & (KF1_LSHIFT | KF1_RSHIFT)) != 0;
    bool ctrl = (f1 & KF1_CTRL) != 0, alt = (f1 & KF1_ALT) != 0;

    if (sc == 0x53 && ctrl && alt) {
        bios_wr16(m, BDA(0x72), 0x1234); /* warm boot */
        machine_request_reset(m);
        return;
    }
    if ((sc == 0x46 && ctrl) || (e0 && sc == 0x46)) {
        /* Ctrl-Break: empty the buffer, flag it, queue 0000, run INT 1Bh. */
        bios_wr16(m, KHEAD, bios_rd16(m, KSTART));
        bios_wr16(m, KTAIL, bios_rd16(m, KSTART));
        bios_wr8(m, BDA(0x71), 0x80);
        kbd_put(m, 0x0000);
        b->signal = true;
        return;
    }
    if (sc == 0x37 && e0)
        return; /* Print Screen: nothing to print on */
    if (sc == 0x54)
        return; /* SysRq */

    uint16_t key = 0;
    if (e0) {
        key = gray_key(sc, alt ? 2 : ctrl ? 1 : 0);
    } else if (sc < 0x59) {
        bool keypad = sc >= 0x47 && sc <= 0x53 && sc != 0x4A && sc != 0x4E;
        if (alt && keypad && keymap[sc][1] && (keymap[sc][1] & 0xFF) >= '0' &&
            (keymap[sc][1] & 0xFF) <= '9') {
            /* Alt + keypad digits build a character code. */
            uint8_t n = bios_rd8(m, KALT);
            bios_wr8(m, KALT, (uint8_t)(n * 10 + ((keymap[sc][1] & 0xFF) - '0')));
            return;
        }
        if (alt)
            key = keymap[sc][3];
        else if (ctrl)
            key = keymap[sc][2];
        else {
            bool sh = shift;
            uint8_t ascii = (uint8_t)keymap[sc][0];
            if ((f1 & KF1_CAPS) && ascii >= 'a' && ascii <= 'z')
                sh = !sh;
            if (keypad && (f1 & KF1_NUM))
                sh = !sh;
            key = keymap[sc][sh ? 1 : 0];
        }
    }
    if (key)
        kbd_put(m, key);
}

/* Converts an extended key code for the old AH=00h/01h calls; false when
 * the key has no old-style code and is thrown away. */
static bool classic_key(uint16_t *key)
{
    uint8_t sc = (uint8_t)(*key >> 8), ch = (uint8_t)*key;
    if (sc == 0xE0) { /* gray Enter and / */
        *key = (uint16_t)((ch == 0x2F ? 0x35 : 0x1C) << 8 | ch);
        return true;
    }
    if (sc > 0x84 && sc != 0xE0)
        return false; /* F11, F12 and other 101-key-only codes */
    if ((ch == 0xE0 || ch == 0xF0) && sc)
        *key = (uint16_t)(sc << 8);
    return true;
}

void bios_int16(struct machine *m)
{
    struct cpu *c = &m->cpu;
    struct bios *b = m->bios;
    uint16_t key;
    switch (R_AH(c)) {
    case 0x00:
    case 0x10:
        for (;;) {
            if (!kbd_peek(m, &key)) {
                b->wait = b->wait_hlt = true; /* the stub halts until an IRQ */
                return;
            }
            kbd_drop(m);
            if (R_AH(c) == 0x10 || classic_key(&key))
                break;
        }
        if (R_AH(c) == 0x10 && (key & 0xFF) == 0xF0 && (key >> 8))
            key &= 0xFF00;
        R_AX(c) = key;
        break;
    case 0x01:
    case 0x11:
        for (;;) {
            if (!kbd_peek(m, &key)) {
                bios_set_zf(m, true);
                return;
            }
            if (R_AH(c) == 0x11 || classic_key(&key))
                break;
            kbd_drop(m);
        }
        R_AX(c) = key;
        bios_set_zf(m, false);
        break;
    case 0x02: R_AL(c) = bios_rd8(m, KF1); break;
    case 0x12: {
        uint8_t f2 = bios_rd8(m, KF2), f3 = bios_rd8(m, KF3);
        uint8_t hi = (uint8_t)((f2 & 0x01) | ((f2 & 0x02) ? 0x02 : 0) | ((f3 & 0x04) ? 0x04 : 0) |
                               ((f3 & 0x08) ? 0x08 : 0) | (f2 & 0x70) | ((f2 & 0x04) ? 0x80 : 0));
        R_AL(c) = bios_rd8(m, KF1);
        R_AH(c) = hi;
        break;
    }
    case 0x03: break; /* typematic rate: the host decides */
    case 0x05: R_AL(c) = kbd_put(m, R_CX(c)) ? 0 : 1; break;
    case 0x0A: R_BX(c) = 0x41AB; break; /* MF2 keyboard ID */
    default: break;
    }
}

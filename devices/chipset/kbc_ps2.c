/* The PS/2 keyboard (commands, scan sets, typematic), typed text and the
 * PS/2 mouse (stream/remote mode, IntelliMouse) behind the 8042 (IBM PS/2
 * keyboard and mouse technical references). */
#include "devices/chipset/kbc_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- keyboard ---- */

void kbc_kbd_defaults(struct kbc *k)
{
    k->kbd_set = 2;
    k->kbd_typematic = 0x2B; /* 500 ms delay, 10.9 characters per second */
    k->kbd_leds = 0;
    k->kbd_pending = 0;
    k->kbc_kbd_repeat = 0;
    memset(k->kbd_down, 0, sizeof(k->kbd_down));
    k->kbd_mods = 0;
    clock_event_cancel(k->m, &k->repeat_ev);
}

void kbc_kbd_write(struct kbc *k, uint8_t v)
{
    uint8_t arg_for = k->kbd_pending;
    k->kbd_pending = 0;
    /* A command byte where an argument was expected starts a new command. */
    if (arg_for && !(v >= 0xED && arg_for != 0xF0)) {
        switch (arg_for) {
        case 0xED:
            k->kbd_leds = v & 7;
            kbc_kbd_send(k, PS2_ACK);
            return;
        case 0xF3:
            k->kbd_typematic = v & 0x7F;
            kbc_kbd_send(k, PS2_ACK);
            return;
        case 0xF0:
            if (v == 0) {
                kbc_kbd_send(k, PS2_ACK);
                kbc_kbd_send(k, k->kbd_set);
            } else if (v <= 3) {
                k->kbd_set = v;
                kbc_kbd_send(k, PS2_ACK);
            } else {
                kbc_kbd_send(k, PS2_RESEND);
            }
            return;
        default: /* FB-FD: a list of set-3 keys, each acknowledged */
            k->kbd_pending = arg_for;
            kbc_kbd_send(k, PS2_ACK);
            return;
        }
    }
    switch (v) {
    case 0xED:
    case 0xF0:
    case 0xF3:
    case 0xFB:
    case 0xFC:
    case 0xFD:
        k->kbd_pending = v;
        kbc_kbd_send(k, PS2_ACK);
        break;
    case 0xEE: kbc_kbd_send(k, 0xEE); break; /* echo */
    case 0xF2:                               /* identify: MF2 keyboard */
        kbc_kbd_send(k, PS2_ACK);
        kbc_kbd_send(k, 0xAB);
        kbc_kbd_send(k, 0x83);
        break;
    case 0xF4: /* enable: the keyboard clears its buffer and scans */
        kbc_q_clear(&k->kbd_q);
        k->kbd_scanning = true;
        kbc_kbd_send(k, PS2_ACK);
        break;
    case 0xF5: /* default and disable */
        kbc_q_clear(&k->kbd_q);
        kbc_kbd_defaults(k);
        k->kbd_scanning = false;
        kbc_kbd_send(k, PS2_ACK);
        break;
    case 0xF6:
        kbc_q_clear(&k->kbd_q);
        kbc_kbd_defaults(k);
        kbc_kbd_send(k, PS2_ACK);
        break;
    case 0xF7:
    case 0xF8:
    case 0xF9:
    case 0xFA: kbc_kbd_send(k, PS2_ACK); break; /* set-3 key types: all keys make/break here */
    case 0xFE: {
        uint8_t last = k->kbd_last;
        kbc_kbd_send(k, last);
        break;
    }
    case 0xFF:
        kbc_q_clear(&k->kbd_q);
        kbc_kbd_defaults(k);
        k->kbd_scanning = true;
        kbc_kbd_send(k, PS2_ACK);
        kbc_kbd_send(k, PS2_BAT_OK);
        break;
    default: kbc_kbd_send(k, PS2_RESEND); break;
    }
}

static unsigned kbd_key_bit(uint16_t key)
{
    return (key & 0xFF) | ((key >> 8) ? 0x100u : 0);
}

static void kbd_send_key(struct kbc *k, uint16_t key, bool down)
{
    uint8_t seq[PS2_SEQ_MAX];
    int n = ps2_key_bytes(key, down, k->kbd_set, seq);
    for (int i = 0; i < n; i++)
        kbc_kbd_send(k, seq[i]);
}

static uint8_t kbd_mod_bit(uint16_t key)
{
    switch (key) {
    case 0x001D: return KBD_MOD_LCTRL;
    case 0xE01D: return KBD_MOD_RCTRL;
    case 0x0038: return KBD_MOD_LALT;
    case 0xE038: return KBD_MOD_RALT;
    }
    return 0;
}

static void kbd_emit(struct kbc *k, uint16_t key, bool down)
{
    uint8_t mod = kbd_mod_bit(key);
    if (mod)
        k->kbd_mods = (uint8_t)(down ? k->kbd_mods | mod : k->kbd_mods & ~mod);
    /* Two keys send other codes under a modifier, as a real keyboard's
     * firmware does: Ctrl+Pause is Break (E0 46 made and broken at once,
     * nothing on release, set 1) and Alt+PrintScreen is SysRq (54). */
    if (key == PS2_KEY_PAUSE && (k->kbd_mods & (KBD_MOD_LCTRL | KBD_MOD_RCTRL))) {
        if (down) {
            kbd_send_key(k, 0xE046, true);
            kbd_send_key(k, 0xE046, false);
        }
        return;
    }
    if (key == PS2_KEY_PRINTSCREEN && (k->kbd_mods & (KBD_MOD_LALT | KBD_MOD_RALT)))
        key = 0x0054;
    kbd_send_key(k, key, down);
}

/* Typematic delay and period from the F3 byte (IBM keyboard reference):
 * delay (1 + bits 5-6) * 250 ms; period (8 + bits 0-2) * 2^(bits 3-4) / 240 s. */
static uint64_t kbd_repeat_delay_ns(const struct kbc *k)
{
    return (1 + ((k->kbd_typematic >> 5) & 3)) * 250000000ull;
}

static uint64_t kbd_repeat_period_ns(const struct kbc *k)
{
    unsigned a = k->kbd_typematic & 7, b = (k->kbd_typematic >> 3) & 3;
    return (8 + a) * (1ull << b) * 1000000000ull / 240;
}

void kbc_kbd_repeat(void *opaque)
{
    struct kbc *k = opaque;
    if (!k->kbc_kbd_repeat || !k->kbd_scanning)
        return;
    /* Do not pile repeats into a buffer the guest is not draining. */
    if (k->kbd_q.count < KBC_QUEUE / 4) {
        kbd_emit(k, k->kbc_kbd_repeat, true);
        kbc_fill(k);
    }
    clock_event_arm(k->m, &k->repeat_ev, clock_now(k->m) + kbd_repeat_period_ns(k));
}

void kbc_key(struct machine *m, uint16_t pc_key, bool down)
{
    struct kbc *k = m->kbc;
    if (!k || !k->kbd_scanning)
        return;
    unsigned bit = kbd_key_bit(pc_key);
    bool held = k->kbd_down[bit / 8] & (1u << (bit % 8));
    if (down == held && pc_key != PS2_KEY_PAUSE)
        return; /* host auto-repeat or a lost transition: we repeat ourselves */
    if (down)
        k->kbd_down[bit / 8] |= (uint8_t)(1u << (bit % 8));
    else
        k->kbd_down[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
    kbd_emit(k, pc_key, down);
    if (down && pc_key != PS2_KEY_PAUSE) {
        k->kbc_kbd_repeat = pc_key;
        clock_event_arm(m, &k->repeat_ev, clock_now(m) + kbd_repeat_delay_ns(k));
    } else if (!down && pc_key == k->kbc_kbd_repeat) {
        k->kbc_kbd_repeat = 0;
        clock_event_cancel(m, &k->repeat_ev);
    }
    kbc_fill(k);
}

/* ---- typed text ---- */

static bool text_push(struct kbc *k, uint32_t ev)
{
    if (k->text_len == k->text_cap) {
        size_t cap = k->text_cap ? k->text_cap * 2 : 256;
        uint32_t *nb = malloc(cap * sizeof(*nb));
        if (!nb)
            return false;
        for (size_t i = 0; i < k->text_len; i++)
            nb[i] = k->text[(k->text_head + i) % k->text_cap];
        free(k->text);
        k->text = nb;
        k->text_cap = cap;
        k->text_head = 0;
    }
    k->text[(k->text_head + k->text_len) % k->text_cap] = ev;
    k->text_len++;
    return true;
}

/* Hand the keyboard the next typed key event, only when everything before
 * it has been read by the guest and the keyboard is listening. */
void kbc_kbd_feed_text(struct kbc *k)
{
    if (!k->text_len || !k->kbd_scanning || (kbc_cmdbyte(k) & CB_KBD_OFF))
        return;
    uint32_t ev = k->text[k->text_head];
    k->text_head = (k->text_head + 1) % k->text_cap;
    k->text_len--;
    kbd_emit(k, (uint16_t)ev, (ev >> 16) & 1);
}

int kbc_type_text(struct machine *m, const char *text)
{
    struct kbc *k = m->kbc;
    int skipped = 0;
    if (!k || !text)
        return 0;
    for (size_t i = 0; text[i]; i++) {
        uint16_t key;
        bool shift;
        if (text[i] == '\n' && i > 0 && text[i - 1] == '\r')
            continue; /* CR LF is one Enter */
        if (!ps2_ascii_key(text[i], &key, &shift)) {
            skipped++;
            continue;
        }
        if (shift)
            text_push(k, PS2_KEY_LSHIFT | 1u << 16);
        text_push(k, key | 1u << 16);
        text_push(k, key);
        if (shift)
            text_push(k, PS2_KEY_LSHIFT);
    }
    kbc_fill(k);
    return skipped;
}

void kbc_type_key(struct machine *m, uint16_t pc_key, bool down)
{
    struct kbc *k = m->kbc;
    if (!k)
        return;
    text_push(k, pc_key | (down ? 1u << 16 : 0));
    kbc_fill(k);
}

bool kbc_typing(struct machine *m)
{
    return m->kbc && m->kbc->text_len;
}

uint8_t kbc_leds(struct machine *m)
{
    return m->kbc ? m->kbc->kbd_leds : 0;
}

/* ---- mouse ---- */

void kbc_ms_defaults(struct kbc *k)
{
    k->ms_rate = 100;
    k->ms_res = 2; /* 4 counts per mm */
    k->ms_scale21 = false;
    k->ms_remote = false;
    k->ms_enabled = false;
    k->ms_pending = 0;
    k->ms_dx = k->ms_dy = k->ms_dz = 0;
    k->ms_dirty = false;
}

static int ms_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling (stream mode only): 1->1, 2->1, 3->3, 4->6, 5->9, else 2x. */
static int ms_scale(int v)
{
    static const int table[6] = {0, 1, 1, 3, 6, 9};
    int a = v < 0 ? -v : v;
    int s = a < 6 ? table[a] : 2 * a;
    return v < 0 ? -s : s;
}

static void ms_packet(struct kbc *k, bool stream)
{
    int dx = ms_clamp(k->ms_dx, -255, 255), dy = ms_clamp(k->ms_dy, -255, 255);
    int dz = ms_clamp(k->ms_dz, -8, 7);
    k->ms_dx -= dx;
    k->ms_dy -= dy;
    k->ms_dz -= dz;
    k->ms_dirty = k->ms_dx || k->ms_dy || k->ms_dz;
    if (stream && k->ms_scale21) {
        dx = ms_clamp(ms_scale(dx), -255, 255);
        dy = ms_clamp(ms_scale(dy), -255, 255);
    }
    /* PS/2 Y counts upwards. */
    int y = -dy;
    uint8_t b0 = 0x08 | (k->ms_buttons & 7) | (dx < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0);
    kbc_aux_send(k, b0);
    kbc_aux_send(k, (uint8_t)dx);
    kbc_aux_send(k, (uint8_t)y);
    if (k->ms_id == 3)
        kbc_aux_send(k, (uint8_t)dz);
    else if (k->ms_id == 4)
        kbc_aux_send(k, (uint8_t)((dz & 0x0F) | ((k->ms_buttons & 0x18) << 1)));
}

/* In stream mode a packet goes out only when the previous one has been read,
 * so motion accumulates instead of overflowing the queue. */
void kbc_ms_flush(struct kbc *k)
{
    if (!k->ms_dirty || !k->ms_enabled || k->ms_remote || k->ms_wrap || k->aux_q.count)
        return;
    ms_packet(k, true);
}

void kbc_mouse_move(struct machine *m, int dx, int dy, int dz, unsigned buttons)
{
    struct kbc *k = m->kbc;
    if (!k)
        return;
    if (!k->ms_enabled && !k->ms_remote) {
        k->ms_buttons = (uint8_t)(buttons & 0x1F);
        return; /* a disabled mouse in stream mode reports nothing */
    }
    k->ms_dx += dx;
    k->ms_dy += dy;
    k->ms_dz += dz;
    if (dx || dy || dz || (buttons & 0x1F) != k->ms_buttons)
        k->ms_dirty = true;
    k->ms_buttons = (uint8_t)(buttons & 0x1F);
    kbc_ms_flush(k);
    kbc_fill(k);
}

void kbc_ms_write(struct kbc *k, uint8_t v)
{
    if (k->ms_wrap && v != 0xEC && v != 0xFF) {
        kbc_aux_send(k, v); /* wrap mode echoes */
        return;
    }
    if (k->ms_pending) {
        uint8_t cmd = k->ms_pending;
        k->ms_pending = 0;
        if (cmd == 0xF3) {
            k->ms_rate = v;
            k->ms_rates[0] = k->ms_rates[1];
            k->ms_rates[1] = k->ms_rates[2];
            k->ms_rates[2] = v;
            /* The IntelliMouse knock: rates 200, 100, 80 turn on the wheel
             * (id 3); then 200, 200, 80 the side buttons (id 4). */
            if (k->ms_rates[0] == 200 && k->ms_rates[1] == 100 && k->ms_rates[2] == 80)
                k->ms_id = k->ms_id == 0 ? 3 : k->ms_id;
            else if (k->ms_rates[0] == 200 && k->ms_rates[1] == 200 && k->ms_rates[2] == 80 && k->ms_id == 3)
                k->ms_id = 4;
        } else {
            k->ms_res = v & 3;
        }
        kbc_aux_send(k, PS2_ACK);
        return;
    }
    switch (v) {
    case 0xFF:
        kbc_q_clear(&k->aux_q);
        kbc_ms_defaults(k);
        k->ms_wrap = false;
        k->ms_id = 0;
        kbc_aux_send(k, PS2_ACK);
        kbc_aux_send(k, PS2_BAT_OK);
        kbc_aux_send(k, 0x00);
        break;
    case 0xFE: {
        uint8_t last = k->ms_last;
        kbc_aux_send(k, last);
        break;
    }
    case 0xF6:
        kbc_ms_defaults(k);
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xF5:
        k->ms_enabled = false;
        k->ms_dirty = false;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xF4:
        k->ms_enabled = true;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xF3:
    case 0xE8:
        k->ms_pending = v;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xF2:
        kbc_aux_send(k, PS2_ACK);
        kbc_aux_send(k, k->ms_id);
        break;
    case 0xF0:
        k->ms_remote = true;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xEE:
        k->ms_wrap = true;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xEC:
        k->ms_wrap = false;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xEB:
        kbc_aux_send(k, PS2_ACK);
        ms_packet(k, false);
        break;
    case 0xEA:
        k->ms_remote = false;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xE9: {
        /* Status: mode, enable, scaling, then left/middle/right in 2/1/0. */
        uint8_t b = k->ms_buttons;
        uint8_t s = (uint8_t)((k->ms_remote ? 0x40 : 0) | (k->ms_enabled ? 0x20 : 0) |
                              (k->ms_scale21 ? 0x10 : 0) | ((b & 1) << 2) | ((b & 4) >> 1) | ((b & 2) >> 1));
        kbc_aux_send(k, PS2_ACK);
        kbc_aux_send(k, s);
        kbc_aux_send(k, k->ms_res);
        kbc_aux_send(k, k->ms_rate);
        break;
    }
    case 0xE7:
        k->ms_scale21 = true;
        kbc_aux_send(k, PS2_ACK);
        break;
    case 0xE6:
        k->ms_scale21 = false;
        kbc_aux_send(k, PS2_ACK);
        break;
    default: kbc_aux_send(k, PS2_RESEND); break;
    }
}

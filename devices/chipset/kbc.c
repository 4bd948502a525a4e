/* 8042 keyboard controller (IBM PS/2 and AT technical references): status
 * and command byte, controller commands, output port (A20, reset), set-2 to
 * set-1 translation, and the PS/2 keyboard and mouse behind it. */
#include "devices/chipset/kbc.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/pic.h"

#define KBC_DATA 0x60
#define KBC_CMD  0x64

/* Status register. */
#define ST_OBF  0x01
#define ST_IBF  0x02
#define ST_SYS  0x04
#define ST_A2   0x08 /* last write was a command (port 0x64) */
#define ST_INH  0x10 /* 1 = keyboard not inhibited by the keylock */
#define ST_AUXB 0x20

/* Command byte (controller RAM byte 0). */
#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS     0x04
#define CB_KBD_OFF 0x10
#define CB_AUX_OFF 0x20
#define CB_XLAT    0x40

/* Output port. */
#define OP_RESET   0x01 /* low = CPU held in reset */
#define OP_A20     0x02
#define OP_KBD_OBF 0x10
#define OP_AUX_OBF 0x20

#define PS2_ACK    0xFA
#define PS2_RESEND 0xFE
#define PS2_BAT_OK 0xAA

/* A PS/2 device sends a byte in about a millisecond (11 bits at 10-16.7 kHz).
 * The next byte is not offered sooner after the guest read one, so an INT 9
 * handler that reads port 0x60 twice still sees the same byte. */
#define KBC_BYTE_NS 1000000ull

#define KBC_QUEUE 32
#define Q_AUX     0x100 /* queue entry came from the aux side */

struct kbc_queue {
    uint16_t buf[KBC_QUEUE];
    uint8_t head, count;
};

struct kbc {
    /* Controller. */
    uint8_t ram[32]; /* ram[0] is the command byte */
    uint8_t status;
    uint8_t out;     /* output buffer */
    uint8_t outport; /* output port, A20 bit excluded (the gate is the truth) */
    uint8_t pending; /* controller command waiting for its data byte, or 0 */
    bool xlat_break; /* translation saw F0: OR 0x80 into the next byte */
    bool byte_wait;  /* a byte was just read: devices wait KBC_BYTE_NS */
    bool irq1, irq12;
    struct kbc_queue ctrl_q; /* controller replies: before anything else */
    struct kbc_queue kbd_q;  /* the keyboard's own buffer */
    struct kbc_queue aux_q;  /* the mouse's */

    /* Keyboard. */
    uint8_t kbd_set;
    uint8_t kbd_leds;
    uint8_t kbd_typematic;
    bool kbd_scanning;
    uint8_t kbd_pending;  /* command waiting for its argument, or 0 */
    uint8_t kbd_last;     /* for Resend */
    uint16_t kbd_repeat;  /* key auto-repeating, or 0 */
    uint8_t kbd_down[64]; /* bitmap of held keys: 256 plain + 256 E0 codes */

    /* Mouse. */
    uint8_t ms_rate, ms_res, ms_id;
    bool ms_enabled, ms_remote, ms_wrap, ms_scale21;
    uint8_t ms_pending, ms_last;
    uint8_t ms_rates[3]; /* last three sample rates, for the IntelliMouse knock */
    uint8_t ms_buttons;
    int32_t ms_dx, ms_dy, ms_dz;
    bool ms_dirty;

    /* Typed text: a ring of key events (key | down << 16). */
    size_t text_head, text_len, text_cap;

    /* Not state: buffers, events and wiring. */
    uint32_t *text;
    struct clock_event byte_ev;
    struct clock_event repeat_ev;
    struct machine *m;
};

static void kbc_fill(struct kbc *k);

/* ---- queues ---- */

static bool q_push(struct kbc_queue *q, uint16_t v)
{
    if (q->count >= KBC_QUEUE)
        return false;
    q->buf[(q->head + q->count) % KBC_QUEUE] = v;
    q->count++;
    return true;
}

static uint16_t q_pop(struct kbc_queue *q)
{
    uint16_t v = q->buf[q->head];
    q->head = (q->head + 1) % KBC_QUEUE;
    q->count--;
    return v;
}

static void q_clear(struct kbc_queue *q)
{
    q->head = q->count = 0;
}

/* ---- controller ---- */

static uint8_t kbc_cmdbyte(const struct kbc *k)
{
    return k->ram[0];
}

static void kbc_update_irq(struct kbc *k)
{
    bool full = k->status & ST_OBF, aux = k->status & ST_AUXB;
    bool irq1 = full && !aux && (kbc_cmdbyte(k) & CB_KBD_INT);
    bool irq12 = full && aux && (kbc_cmdbyte(k) & CB_AUX_INT);
    if (irq1 != k->irq1) {
        k->irq1 = irq1;
        pic_set_irq(k->m, 1, irq1);
    }
    if (irq12 != k->irq12) {
        k->irq12 = irq12;
        pic_set_irq(k->m, 12, irq12);
    }
}

static void kbc_reply(struct kbc *k, uint8_t v)
{
    q_push(&k->ctrl_q, v);
    kbc_fill(k);
}

static void kbd_send(struct kbc *k, uint8_t v)
{
    if (!q_push(&k->kbd_q, v)) {
        /* Buffer overrun: the last slot becomes the overrun code. */
        k->kbd_q.buf[(k->kbd_q.head + KBC_QUEUE - 1) % KBC_QUEUE] = k->kbd_set == 1 ? 0xFF : 0x00;
    }
    k->kbd_last = v;
}

static void aux_send(struct kbc *k, uint8_t v)
{
    q_push(&k->aux_q, v);
    k->ms_last = v;
}

static void kbc_feed_text(struct kbc *k);
static void ms_flush(struct kbc *k);

static void kbc_load(struct kbc *k, uint8_t v, bool aux)
{
    k->out = v;
    k->status = (uint8_t)((k->status & ~ST_AUXB) | ST_OBF | (aux ? ST_AUXB : 0));
}

/* Offer the next byte to the guest when the output buffer is free. */
static void kbc_fill(struct kbc *k)
{
    if (!(k->status & ST_OBF)) {
        if (k->ctrl_q.count) {
            uint16_t v = q_pop(&k->ctrl_q);
            kbc_load(k, (uint8_t)v, v & Q_AUX);
        } else if (!k->byte_wait) {
            if (!k->kbd_q.count && !k->aux_q.count)
                kbc_feed_text(k);
            if (!k->kbd_q.count && !k->aux_q.count && k->ms_dirty)
                ms_flush(k);
            while (k->kbd_q.count && !(kbc_cmdbyte(k) & CB_KBD_OFF)) {
                uint8_t b = (uint8_t)q_pop(&k->kbd_q);
                if (kbc_cmdbyte(k) & CB_XLAT) {
                    if (b == 0xF0) {
                        k->xlat_break = true;
                        continue;
                    }
                    b = ps2_translate(b) | (k->xlat_break ? 0x80 : 0);
                    k->xlat_break = false;
                }
                kbc_load(k, b, false);
                break;
            }
            if (!(k->status & ST_OBF) && k->aux_q.count && !(kbc_cmdbyte(k) & CB_AUX_OFF))
                kbc_load(k, (uint8_t)q_pop(&k->aux_q), true);
        }
    }
    kbc_update_irq(k);
}

static void kbc_byte_done(void *opaque)
{
    struct kbc *k = opaque;
    k->byte_wait = false;
    kbc_fill(k);
}

static uint8_t kbc_outport(struct kbc *k)
{
    uint8_t v = (uint8_t)(k->outport & ~(OP_A20 | OP_KBD_OBF | OP_AUX_OBF));
    if (mem_get_a20(k->m))
        v |= OP_A20;
    if (k->status & ST_OBF)
        v |= (k->status & ST_AUXB) ? OP_AUX_OBF : OP_KBD_OBF;
    return v;
}

static void kbc_write_outport(struct kbc *k, uint8_t v)
{
    mem_set_a20(k->m, (v & OP_A20) != 0);
    /* The reset line is held only as long as the CPU needs; it reads back
     * high once the machine is running again. */
    k->outport = v | OP_RESET;
    if (!(v & OP_RESET))
        machine_request_reset(k->m);
}

static void kbd_write(struct kbc *k, uint8_t v);
static void ms_write(struct kbc *k, uint8_t v);

static void kbc_data_for_command(struct kbc *k, uint8_t cmd, uint8_t v)
{
    if (cmd >= 0x60 && cmd <= 0x7F) {
        k->ram[cmd & 0x1F] = v;
        if (!(cmd & 0x1F))
            k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CB_SYS));
        kbc_fill(k);
        return;
    }
    switch (cmd) {
    case 0xA5: /* load password: bytes up to a zero, which we accept and forget */
        if (v)
            k->pending = cmd;
        break;
    case 0xD1: kbc_write_outport(k, v); break;
    case 0xD2:
        q_push(&k->ctrl_q, v);
        kbc_fill(k);
        break;
    case 0xD3:
        q_push(&k->ctrl_q, v | Q_AUX);
        kbc_fill(k);
        break;
    case 0xD4:
        /* Talking to a device re-enables its interface, as the 8042 pulls
         * the clock line high to send. */
        k->ram[0] &= ~CB_AUX_OFF;
        ms_write(k, v);
        kbc_fill(k);
        break;
    default: break;
    }
}

static void kbc_command(struct kbc *k, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd <= 0x3F) {
        kbc_reply(k, k->ram[cmd & 0x1F]);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4) || cmd == 0xA5) {
        k->pending = cmd;
        return;
    }
    if (cmd >= 0xF0) {
        /* Pulse output port bits 0-3 low for those clear in the command;
         * bit 0 is the CPU reset line. */
        if (!(cmd & 0x01))
            machine_request_reset(k->m);
        return;
    }
    switch (cmd) {
    case 0xA4: kbc_reply(k, 0xF1); break; /* no password installed */
    case 0xA7:
        k->ram[0] |= CB_AUX_OFF;
        kbc_fill(k);
        break;
    case 0xA8:
        k->ram[0] &= ~CB_AUX_OFF;
        kbc_fill(k);
        break;
    case 0xA9: kbc_reply(k, 0x00); break; /* aux interface test: no error */
    case 0xAA:
        k->status |= ST_SYS; /* a passed self-test sets the system flag */
        kbc_reply(k, 0x55);
        break;
    case 0xAB: kbc_reply(k, 0x00); break; /* keyboard interface test: no error */
    case 0xAD:
        k->ram[0] |= CB_KBD_OFF;
        kbc_fill(k);
        break;
    case 0xAE:
        k->ram[0] &= ~CB_KBD_OFF;
        kbc_fill(k);
        break;
    case 0xC0: kbc_reply(k, 0xA0); break; /* input port: keylock open, no jumper */
    case 0xD0: kbc_reply(k, kbc_outport(k)); break;
    case 0xDD: mem_set_a20(k->m, false); break; /* HP Vectra style A20 control */
    case 0xDF: mem_set_a20(k->m, true); break;
    case 0xE0: kbc_reply(k, 0x00); break; /* test inputs T0/T1 */
    default: break;
    }
}

static uint32_t kbc_read(void *opaque, uint16_t port, int size)
{
    struct kbc *k = opaque;
    (void)size;
    if (port == KBC_CMD)
        return k->status | ST_INH;
    uint8_t v = k->out;
    if (k->status & ST_OBF) {
        k->status &= ~(ST_OBF | ST_AUXB);
        k->byte_wait = true;
        clock_event_arm(k->m, &k->byte_ev, clock_now(k->m) + KBC_BYTE_NS);
        kbc_fill(k);
    }
    /* An empty buffer still reads as the last byte, as on the chip. */
    return v;
}

static void kbc_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct kbc *k = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (port == KBC_CMD) {
        k->status |= ST_A2;
        k->pending = 0;
        kbc_command(k, v);
        return;
    }
    k->status &= ~ST_A2;
    if (k->pending) {
        uint8_t cmd = k->pending;
        k->pending = 0;
        kbc_data_for_command(k, cmd, v);
        return;
    }
    k->ram[0] &= ~CB_KBD_OFF; /* sending to the keyboard re-enables it */
    kbd_write(k, v);
    kbc_fill(k);
}

/* ---- keyboard ---- */

static void kbd_defaults(struct kbc *k)
{
    k->kbd_set = 2;
    k->kbd_typematic = 0x2B; /* 500 ms delay, 10.9 characters per second */
    k->kbd_leds = 0;
    k->kbd_pending = 0;
    k->kbd_repeat = 0;
    memset(k->kbd_down, 0, sizeof(k->kbd_down));
    clock_event_cancel(k->m, &k->repeat_ev);
}

static void kbd_write(struct kbc *k, uint8_t v)
{
    uint8_t arg_for = k->kbd_pending;
    k->kbd_pending = 0;
    /* A command byte where an argument was expected starts a new command. */
    if (arg_for && !(v >= 0xED && arg_for != 0xF0)) {
        switch (arg_for) {
        case 0xED:
            k->kbd_leds = v & 7;
            kbd_send(k, PS2_ACK);
            return;
        case 0xF3:
            k->kbd_typematic = v & 0x7F;
            kbd_send(k, PS2_ACK);
            return;
        case 0xF0:
            if (v == 0) {
                kbd_send(k, PS2_ACK);
                kbd_send(k, k->kbd_set);
            } else if (v <= 3) {
                k->kbd_set = v;
                kbd_send(k, PS2_ACK);
            } else {
                kbd_send(k, PS2_RESEND);
            }
            return;
        default: /* FB-FD: a list of set-3 keys, each acknowledged */
            k->kbd_pending = arg_for;
            kbd_send(k, PS2_ACK);
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
        kbd_send(k, PS2_ACK);
        break;
    case 0xEE: kbd_send(k, 0xEE); break; /* echo */
    case 0xF2:                           /* identify: MF2 keyboard */
        kbd_send(k, PS2_ACK);
        kbd_send(k, 0xAB);
        kbd_send(k, 0x83);
        break;
    case 0xF4: /* enable: the keyboard clears its buffer and scans */
        q_clear(&k->kbd_q);
        k->kbd_scanning = true;
        kbd_send(k, PS2_ACK);
        break;
    case 0xF5: /* default and disable */
        q_clear(&k->kbd_q);
        kbd_defaults(k);
        k->kbd_scanning = false;
        kbd_send(k, PS2_ACK);
        break;
    case 0xF6:
        q_clear(&k->kbd_q);
        kbd_defaults(k);
        kbd_send(k, PS2_ACK);
        break;
    case 0xF7:
    case 0xF8:
    case 0xF9:
    case 0xFA: kbd_send(k, PS2_ACK); break; /* set-3 key types: all keys make/break here */
    case 0xFE: {
        uint8_t last = k->kbd_last;
        kbd_send(k, last);
        break;
    }
    case 0xFF:
        q_clear(&k->kbd_q);
        kbd_defaults(k);
        k->kbd_scanning = true;
        kbd_send(k, PS2_ACK);
        kbd_send(k, PS2_BAT_OK);
        break;
    default: kbd_send(k, PS2_RESEND); break;
    }
}

static unsigned kbd_key_bit(uint16_t key)
{
    return (key & 0xFF) | ((key >> 8) ? 0x100u : 0);
}

static void kbd_emit(struct kbc *k, uint16_t key, bool down)
{
    uint8_t seq[PS2_SEQ_MAX];
    int n = ps2_key_bytes(key, down, k->kbd_set, seq);
    for (int i = 0; i < n; i++)
        kbd_send(k, seq[i]);
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

static void kbd_repeat(void *opaque)
{
    struct kbc *k = opaque;
    if (!k->kbd_repeat || !k->kbd_scanning)
        return;
    /* Do not pile repeats into a buffer the guest is not draining. */
    if (k->kbd_q.count < KBC_QUEUE / 4) {
        kbd_emit(k, k->kbd_repeat, true);
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
        k->kbd_repeat = pc_key;
        clock_event_arm(m, &k->repeat_ev, clock_now(m) + kbd_repeat_delay_ns(k));
    } else if (!down && pc_key == k->kbd_repeat) {
        k->kbd_repeat = 0;
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
static void kbc_feed_text(struct kbc *k)
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

bool kbc_typing(struct machine *m)
{
    return m->kbc && m->kbc->text_len;
}

uint8_t kbc_leds(struct machine *m)
{
    return m->kbc ? m->kbc->kbd_leds : 0;
}

/* ---- mouse ---- */

static void ms_defaults(struct kbc *k)
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
    aux_send(k, b0);
    aux_send(k, (uint8_t)dx);
    aux_send(k, (uint8_t)y);
    if (k->ms_id == 3)
        aux_send(k, (uint8_t)dz);
    else if (k->ms_id == 4)
        aux_send(k, (uint8_t)((dz & 0x0F) | ((k->ms_buttons & 0x18) << 1)));
}

/* In stream mode a packet goes out only when the previous one has been read,
 * so motion accumulates instead of overflowing the queue. */
static void ms_flush(struct kbc *k)
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
    ms_flush(k);
    kbc_fill(k);
}

static void ms_write(struct kbc *k, uint8_t v)
{
    if (k->ms_wrap && v != 0xEC && v != 0xFF) {
        aux_send(k, v); /* wrap mode echoes */
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
        aux_send(k, PS2_ACK);
        return;
    }
    switch (v) {
    case 0xFF:
        q_clear(&k->aux_q);
        ms_defaults(k);
        k->ms_wrap = false;
        k->ms_id = 0;
        aux_send(k, PS2_ACK);
        aux_send(k, PS2_BAT_OK);
        aux_send(k, 0x00);
        break;
    case 0xFE: {
        uint8_t last = k->ms_last;
        aux_send(k, last);
        break;
    }
    case 0xF6:
        ms_defaults(k);
        aux_send(k, PS2_ACK);
        break;
    case 0xF5:
        k->ms_enabled = false;
        k->ms_dirty = false;
        aux_send(k, PS2_ACK);
        break;
    case 0xF4:
        k->ms_enabled = true;
        aux_send(k, PS2_ACK);
        break;
    case 0xF3:
    case 0xE8:
        k->ms_pending = v;
        aux_send(k, PS2_ACK);
        break;
    case 0xF2:
        aux_send(k, PS2_ACK);
        aux_send(k, k->ms_id);
        break;
    case 0xF0:
        k->ms_remote = true;
        aux_send(k, PS2_ACK);
        break;
    case 0xEE:
        k->ms_wrap = true;
        aux_send(k, PS2_ACK);
        break;
    case 0xEC:
        k->ms_wrap = false;
        aux_send(k, PS2_ACK);
        break;
    case 0xEB:
        aux_send(k, PS2_ACK);
        ms_packet(k, false);
        break;
    case 0xEA:
        k->ms_remote = false;
        aux_send(k, PS2_ACK);
        break;
    case 0xE9: {
        /* Status: mode, enable, scaling, then left/middle/right in 2/1/0. */
        uint8_t b = k->ms_buttons;
        uint8_t s = (uint8_t)((k->ms_remote ? 0x40 : 0) | (k->ms_enabled ? 0x20 : 0) |
                              (k->ms_scale21 ? 0x10 : 0) | ((b & 1) << 2) | ((b & 4) >> 1) | ((b & 2) >> 1));
        aux_send(k, PS2_ACK);
        aux_send(k, s);
        aux_send(k, k->ms_res);
        aux_send(k, k->ms_rate);
        break;
    }
    case 0xE7:
        k->ms_scale21 = true;
        aux_send(k, PS2_ACK);
        break;
    case 0xE6:
        k->ms_scale21 = false;
        aux_send(k, PS2_ACK);
        break;
    default: aux_send(k, PS2_RESEND); break;
    }
}

/* ---- lifecycle ---- */

static void kbc_reset(void *opaque)
{
    struct kbc *k = opaque;
    /* The system flag survives: a CPU reset does not reset the 8042, and the
     * BIOS reads SYS to tell a warm reset from power-on. */
    uint8_t sys = k->status & ST_SYS;
    memset(k->ram, 0, sizeof(k->ram));
    k->ram[0] = CB_XLAT | CB_AUX_OFF | CB_KBD_INT | sys;
    k->status = sys;
    k->out = 0;
    k->outport = 0xCD | OP_RESET; /* clock and data high, A20 from the gate */
    k->pending = 0;
    k->xlat_break = false;
    k->byte_wait = false;
    clock_event_cancel(k->m, &k->byte_ev);
    q_clear(&k->ctrl_q);
    q_clear(&k->kbd_q);
    q_clear(&k->aux_q);
    kbd_defaults(k);
    k->kbd_scanning = true;
    ms_defaults(k);
    k->ms_wrap = false;
    k->ms_id = 0;
    k->ms_buttons = 0;
    memset(k->ms_rates, 0, sizeof(k->ms_rates));
    if (k->irq1)
        pic_set_irq(k->m, 1, false);
    if (k->irq12)
        pic_set_irq(k->m, 12, false);
    k->irq1 = k->irq12 = false;
    kbc_fill(k);
}

static void kbc_free(void *opaque)
{
    struct kbc *k = opaque;
    clock_event_cancel(k->m, &k->byte_ev);
    clock_event_cancel(k->m, &k->repeat_ev);
    if (k->m->kbc == k)
        k->m->kbc = NULL;
    free(k->text);
    free(k);
}

int kbc_init(struct machine *m)
{
    struct kbc *k = calloc(1, sizeof(*k));
    if (!k)
        return machine_error(m, "out of memory");
    k->m = m;
    m->kbc = k;
    clock_event_init(&k->byte_ev, "kbc-byte", kbc_byte_done, k);
    clock_event_init(&k->repeat_ev, "kbd-repeat", kbd_repeat, k);
    if (machine_register_device(m, "kbc", k, kbc_reset, kbc_free) < 0) {
        kbc_free(k);
        return -1;
    }
    kbc_reset(k);
    if (bus_register_io(m, KBC_DATA, 1, kbc_read, kbc_write, k, IO_BYTES) < 0 ||
        bus_register_io(m, KBC_CMD, 1, kbc_read, kbc_write, k, IO_BYTES) < 0)
        return machine_error(m, "kbc: the I/O port table is full");
    return 0;
}

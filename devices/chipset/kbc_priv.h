/* The 8042 and its PS/2 devices, shared between kbc.c (the controller) and
 * kbc_ps2.c (the keyboard, the mouse and typed text). Private to the two. */
#ifndef REX86_KBC_PRIV_H
#define REX86_KBC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/board/machine.h"
#include "devices/chipset/kbc.h"

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
#define KBD_MOD_LCTRL 1
#define KBD_MOD_RCTRL 2
#define KBD_MOD_LALT  4
#define KBD_MOD_RALT  8
    uint8_t kbd_set;
    uint8_t kbd_leds;
    uint8_t kbd_typematic;
    bool kbd_scanning;
    uint8_t kbd_pending;     /* command waiting for its argument, or 0 */
    uint8_t kbd_last;        /* for Resend */
    uint16_t kbc_kbd_repeat; /* key auto-repeating, or 0 */
    uint8_t kbd_down[64];    /* bitmap of held keys: 256 plain + 256 E0 codes */
    uint8_t kbd_mods;        /* KBD_MOD_* sent down, typed or real (Break, SysRq) */

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

/* ---- queues ---- */

static inline bool kbc_q_push(struct kbc_queue *q, uint16_t v)
{
    if (q->count >= KBC_QUEUE)
        return false;
    q->buf[(q->head + q->count) % KBC_QUEUE] = v;
    q->count++;
    return true;
}

static inline uint16_t kbc_q_pop(struct kbc_queue *q)
{
    uint16_t v = q->buf[q->head];
    q->head = (q->head + 1) % KBC_QUEUE;
    q->count--;
    return v;
}

static inline void kbc_q_clear(struct kbc_queue *q)
{
    q->head = q->count = 0;
}

static inline uint8_t kbc_cmdbyte(const struct kbc *k)
{
    return k->ram[0];
}

/* kbc.c: offer the next queued byte to the guest; the devices' sending side. */
void kbc_fill(struct kbc *k);
void kbc_kbd_send(struct kbc *k, uint8_t v);
void kbc_aux_send(struct kbc *k, uint8_t v);

/* kbc_ps2.c */
void kbc_kbd_write(struct kbc *k, uint8_t v);
void kbc_ms_write(struct kbc *k, uint8_t v);
void kbc_kbd_defaults(struct kbc *k);
void kbc_ms_defaults(struct kbc *k);
void kbc_kbd_feed_text(struct kbc *k);
void kbc_ms_flush(struct kbc *k);
void kbc_kbd_repeat(void *opaque);

#endif

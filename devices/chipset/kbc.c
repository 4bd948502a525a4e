/* 8042 keyboard controller (IBM PS/2 and AT technical references): status
 * and command byte, controller commands, output port (A20, reset) and the
 * set-2 to set-1 translation. The devices behind it are in kbc_ps2.c. */
#include "devices/chipset/kbc_priv.h"

#include <stdlib.h>
#include <string.h>

#include "devices/chipset/pic.h"

/* ---- controller ---- */

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
    kbc_q_push(&k->ctrl_q, v);
    kbc_fill(k);
}

void kbc_kbd_send(struct kbc *k, uint8_t v)
{
    if (!kbc_q_push(&k->kbd_q, v)) {
        /* Buffer overrun: the last slot becomes the overrun code. */
        k->kbd_q.buf[(k->kbd_q.head + KBC_QUEUE - 1) % KBC_QUEUE] = k->kbd_set == 1 ? 0xFF : 0x00;
    }
    k->kbd_last = v;
}

void kbc_aux_send(struct kbc *k, uint8_t v)
{
    kbc_q_push(&k->aux_q, v);
    k->ms_last = v;
}

static void kbc_load(struct kbc *k, uint8_t v, bool aux)
{
    k->out = v;
    k->status = (uint8_t)((k->status & ~ST_AUXB) | ST_OBF | (aux ? ST_AUXB : 0));
}

/* Offer the next byte to the guest when the output buffer is free. */
void kbc_fill(struct kbc *k)
{
    if (!(k->status & ST_OBF)) {
        if (k->ctrl_q.count) {
            uint16_t v = kbc_q_pop(&k->ctrl_q);
            kbc_load(k, (uint8_t)v, v & Q_AUX);
        } else if (!k->byte_wait) {
            if (!k->kbd_q.count && !k->aux_q.count)
                kbc_kbd_feed_text(k);
            if (!k->kbd_q.count && !k->aux_q.count && k->ms_dirty)
                kbc_ms_flush(k);
            while (k->kbd_q.count && !(kbc_cmdbyte(k) & CB_KBD_OFF)) {
                uint8_t b = (uint8_t)kbc_q_pop(&k->kbd_q);
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
                kbc_load(k, (uint8_t)kbc_q_pop(&k->aux_q), true);
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
        kbc_q_push(&k->ctrl_q, v);
        kbc_fill(k);
        break;
    case 0xD3:
        kbc_q_push(&k->ctrl_q, v | Q_AUX);
        kbc_fill(k);
        break;
    case 0xD4:
        /* Talking to a device re-enables its interface, as the 8042 pulls
         * the clock line high to send. */
        k->ram[0] &= ~CB_AUX_OFF;
        kbc_ms_write(k, v);
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
    kbc_kbd_write(k, v);
    kbc_fill(k);
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
    kbc_q_clear(&k->ctrl_q);
    kbc_q_clear(&k->kbd_q);
    kbc_q_clear(&k->aux_q);
    kbc_kbd_defaults(k);
    k->kbd_scanning = true;
    kbc_ms_defaults(k);
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

static int kbc_state_fn(struct state *s, void *opaque);

int kbc_init(struct machine *m)
{
    struct kbc *k = calloc(1, sizeof(*k));
    if (!k)
        return machine_error(m, "out of memory");
    k->m = m;
    m->kbc = k;
    clock_event_init(&k->byte_ev, "kbc-byte", kbc_byte_done, k);
    clock_event_init(&k->repeat_ev, "kbd-repeat", kbc_kbd_repeat, k);
    if (machine_register_device(m, "kbc", k, kbc_reset, kbc_free) < 0) {
        kbc_free(k);
        return -1;
    }
    machine_device_state(m, k, 1, kbc_state_fn);
    kbc_reset(k);
    if (bus_register_io(m, KBC_DATA, 1, kbc_read, kbc_write, k, IO_BYTES) < 0 ||
        bus_register_io(m, KBC_CMD, 1, kbc_read, kbc_write, k, IO_BYTES) < 0)
        return machine_error(m, "kbc: the I/O port table is full");
    return 0;
}

/* The state stream's section (devices/board/state.h). */
static void kbc_state_queue(struct state *s, struct kbc_queue *q)
{
    STATE_ARRAY(s, q->buf);
    STATE_INDEX(s, q->head, KBC_QUEUE);
    STATE(s, q->count);
    if (q->count > KBC_QUEUE)
        state_fail(s, "a queue holds %u bytes", q->count);
}

static int kbc_state_fn(struct state *s, void *opaque)
{
    struct kbc *k = opaque;
    STATE_ARRAY(s, k->ram);
    STATE(s, k->status);
    STATE(s, k->out);
    STATE(s, k->outport);
    STATE(s, k->pending);
    STATE(s, k->xlat_break);
    STATE(s, k->byte_wait);
    STATE(s, k->irq1);
    STATE(s, k->irq12);
    kbc_state_queue(s, &k->ctrl_q);
    kbc_state_queue(s, &k->kbd_q);
    kbc_state_queue(s, &k->aux_q);
    STATE(s, k->kbd_set);
    STATE(s, k->kbd_leds);
    STATE(s, k->kbd_typematic);
    STATE(s, k->kbd_scanning);
    STATE(s, k->kbd_pending);
    STATE(s, k->kbd_last);
    STATE(s, k->kbc_kbd_repeat);
    STATE_ARRAY(s, k->kbd_down);
    STATE(s, k->ms_rate);
    STATE(s, k->ms_res);
    STATE(s, k->ms_id);
    STATE(s, k->ms_enabled);
    STATE(s, k->ms_remote);
    STATE(s, k->ms_wrap);
    STATE(s, k->ms_scale21);
    STATE(s, k->ms_pending);
    STATE(s, k->ms_last);
    STATE_ARRAY(s, k->ms_rates);
    STATE(s, k->ms_buttons);
    STATE(s, k->ms_dx);
    STATE(s, k->ms_dy);
    STATE(s, k->ms_dz);
    STATE(s, k->ms_dirty);
    /* Text typed but not yet sent, in order. */
    uint32_t n = (uint32_t)k->text_len;
    STATE(s, n);
    if (state_loading(s)) {
        if (n > (1u << 20))
            return state_fail(s, "%u keys of typed text", n);
        free(k->text);
        k->text = n ? malloc(n * sizeof(*k->text)) : NULL;
        if (n && !k->text)
            return state_fail(s, "out of memory");
        k->text_head = 0;
        k->text_len = k->text_cap = n;
    }
    for (uint32_t i = 0; i < n; i++)
        STATE(s, k->text[(k->text_head + i) % k->text_cap]);
    state_event(s, &k->byte_ev);
    state_event(s, &k->repeat_ev);
    return 0;
}

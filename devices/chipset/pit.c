/* 8254 programmable interval timer (Intel 8254 datasheet, order 231164) and
 * port 0x61. Counters are evaluated lazily from virtual time; the clock only
 * carries an event for the next rising edge of OUT0, the one IRQ0 sees. */
#include "devices/chipset/pit.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/pic.h"

#define PIT_MAGIC 0x31544950u /* "PIT1" */
#define PIT_NEVER UINT64_MAX
/* On the AT, channel 1 is programmed to 18 counts (15.08 us) for DRAM
 * refresh and port 0x61 bit 4 flips with each refresh request; DOS and BIOS
 * delay loops count those flips. We derive it from the same clock. */
#define PIT_REFRESH_TICKS 18u

struct pit_channel {
    uint64_t start;        /* tick at which CE holds `count` (segment start) */
    uint64_t freeze_tick;  /* while frozen: the tick the counter stopped at */
    uint64_t next_start;   /* modes 2/3: tick a newly written count takes over */
    uint64_t ncount_clear; /* tick at which the null count flag clears */
    uint32_t count;        /* N of the current segment: 1..65536 (10000 BCD) */
    uint32_t next_count;
    uint16_t cr;     /* count register as written (binary or BCD) */
    uint16_t pre_ce; /* CE before the segment starts */
    uint16_t ol;     /* output latch */
    uint8_t ctrl;    /* control word bits 5-0: RW, M2-M0, BCD */
    uint8_t mode;    /* effective mode 0-5 */
    uint8_t rw;      /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t bcd;
    uint8_t gate;
    uint8_t loaded; /* a count is in CE (or will be at `start`) */
    uint8_t frozen; /* counting suspended by GATE or a mode 0 write */
    uint8_t next_pending;
    uint8_t pre_out;  /* OUT before the segment starts */
    uint8_t cr_valid; /* a complete count was written since the control word */
    uint8_t null_count;
    uint8_t wr_msb; /* LSB/MSB mode: next written byte is the MSB */
    uint8_t rd_msb; /* LSB/MSB mode: next read byte is the MSB */
    uint8_t cr_lsb;
    uint8_t ol_latched;
    uint8_t ol_msb;
    uint8_t status;
    uint8_t status_latched;
    uint8_t pad[5];
};

struct pit_state {
    uint32_t magic;
    uint32_t size;
    struct pit_channel ch[3];
    uint64_t irq_when; /* the IRQ0 event's deadline, when armed */
    uint8_t irq_armed;
    uint8_t port61; /* bits 0-3 as written */
    uint8_t pad[6];
};

struct pit {
    struct pit_state st;
    /* Pointers last: everything above is plain data. */
    struct clock_event irq_event;
    struct machine *m;
};

uint64_t pit_ticks_at(uint64_t ns)
{
    return (ns / PIT_CLK_DEN) * PIT_CLK_NUM + (ns % PIT_CLK_DEN) * PIT_CLK_NUM / PIT_CLK_DEN;
}

/* The first virtual ns at which `tick` has happened. */
static uint64_t pit_tick_ns(uint64_t tick)
{
    return (tick / PIT_CLK_NUM) * PIT_CLK_DEN +
           ((tick % PIT_CLK_NUM) * PIT_CLK_DEN + PIT_CLK_NUM - 1) / PIT_CLK_NUM;
}

static uint64_t pit_now(struct pit *p)
{
    return pit_ticks_at(clock_now(p->m));
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v >> 12 & 15) * 1000 + (v >> 8 & 15) * 100 + (v >> 4 & 15) * 10 + (v & 15);
}

static uint16_t pit_to_bcd(uint32_t v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/* The count register as a period: 0 means the maximum, 2^16 or 10^4. */
static uint32_t pit_cr_count(const struct pit_channel *c)
{
    uint32_t v = c->bcd ? pit_from_bcd(c->cr) : c->cr;
    return v ? v : pit_modulus(c);
}

/* CE as the chip shows it (binary or BCD) from a value modulo 2^16/10^4. */
static uint16_t pit_ce_reg(const struct pit_channel *c, uint64_t v)
{
    v %= pit_modulus(c);
    return c->bcd ? pit_to_bcd((uint32_t)v) : (uint16_t)v;
}

/* A count written in mode 2/3 during counting takes over at the period's end. */
static void pit_normalize(struct pit_channel *c, uint64_t t)
{
    if (c->next_pending && !c->frozen && t >= c->next_start) {
        c->start = c->next_start;
        c->count = c->next_count;
        c->next_pending = 0;
    }
    if (c->null_count && t >= c->ncount_clear)
        c->null_count = 0;
}

/* CE (register encoding) and OUT at tick t, per the mode descriptions in
 * the datasheet's "Mode Definitions". */
static void pit_eval(const struct pit_channel *c, uint64_t t, uint16_t *ce, bool *out)
{
    if (!c->loaded || t < c->start) {
        *ce = c->pre_ce;
        *out = c->pre_out;
        return;
    }
    if (c->frozen && c->freeze_tick < t)
        t = c->freeze_tick < c->start ? c->start : c->freeze_tick;
    uint64_t d = t - c->start, n = c->count, m = pit_modulus(c);
    uint64_t v, ph;
    bool o;
    switch (c->mode) {
    case 0: /* interrupt on terminal count: low until CE reaches 0 */
    case 1: /* one-shot: low from the trigger until CE reaches 0 */
        o = d >= n;
        v = n + m - d % m;
        break;
    case 2: /* rate generator: low while CE is 1, then reload */
        ph = d % n;
        v = n - ph;
        o = ph != n - 1;
        break;
    case 3: { /* square wave: high (N+1)/2 counts, low N/2, CE steps by 2 */
        uint64_t hi = (n + 1) / 2;
        ph = d % n;
        o = ph < hi;
        if (!o)
            ph -= hi;
        /* Odd N: the first clock of each half takes 1 (high) or 3 (low). */
        if (n & 1)
            v = ph == 0 ? n : (o ? n + 1 - 2 * ph : n - 1 - 2 * ph);
        else
            v = n - 2 * ph;
        break;
    }
    default: /* 4 and 5: strobe, OUT low for one clock when CE reaches 0 */
        o = d != n;
        v = n + m - d % m;
        break;
    }
    /* Modes 2 and 3 force OUT high while GATE holds them. */
    if (c->frozen && (c->mode == 2 || c->mode == 3))
        o = true;
    *ce = pit_ce_reg(c, v);
    *out = o;
}

/* The first tick after t at which OUT rises, or PIT_NEVER. */
static uint64_t pit_next_rise(const struct pit_channel *c, uint64_t t)
{
    if (!c->loaded || c->frozen)
        return PIT_NEVER;
    uint64_t e = PIT_NEVER, n = c->count;
    uint64_t dmin = t < c->start ? 0 : t - c->start + 1;
    uint16_t ce0;
    bool out0;
    pit_eval(c, c->start, &ce0, &out0);
    if (dmin == 0 && !c->pre_out && out0) {
        e = c->start;
    } else {
        switch (c->mode) {
        case 0:
        case 1:
            if (dmin <= n)
                e = c->start + n;
            break;
        case 2:
        case 3:
            if (n > 1) {
                uint64_t k = (dmin + n - 1) / n;
                e = c->start + (k ? k : 1) * n;
            }
            break;
        default:
            if (dmin <= n + 1)
                e = c->start + n + 1;
            break;
        }
    }
    if (c->next_pending && c->next_start < e)
        e = c->next_start;
    return e;
}

static void pit_set_irq_line(struct pit *p, bool level)
{
    if (p->m->pic)
        pic_set_irq(p->m, 0, level);
}

static void pit_arm_irq(struct pit *p, uint64_t t)
{
    uint64_t e = pit_next_rise(&p->st.ch[0], t);
    if (e == PIT_NEVER) {
        clock_event_cancel(p->m, &p->irq_event);
        p->st.irq_armed = 0;
        return;
    }
    p->st.irq_when = pit_tick_ns(e);
    p->st.irq_armed = 1;
    clock_event_arm(p->m, &p->irq_event, p->st.irq_when);
}

/* After the guest touched channel 0: OUT0 onto IRQ0, next edge scheduled. */
static void pit_ch0_changed(struct pit *p, uint64_t t)
{
    uint16_t ce;
    bool out;
    pit_normalize(&p->st.ch[0], t);
    pit_eval(&p->st.ch[0], t, &ce, &out);
    pit_set_irq_line(p, out);
    pit_arm_irq(p, t);
}

/* A rising edge of OUT0 is due. Falling edges are never scheduled: the PIC
 * input is edge triggered, so each rising edge is delivered as a low-high
 * pulse and the line then left at OUT0's current level. */
static void pit_irq_event(void *opaque)
{
    struct pit *p = opaque;
    uint64_t t = pit_now(p);
    uint16_t ce;
    bool out;
    p->st.irq_armed = 0;
    pit_normalize(&p->st.ch[0], t);
    pit_eval(&p->st.ch[0], t, &ce, &out);
    pit_set_irq_line(p, false);
    pit_set_irq_line(p, true);
    if (!out)
        pit_set_irq_line(p, false);
    pit_arm_irq(p, t);
}

/* Start a segment: CE takes `n` on the next clock (datasheet: a count is
 * loaded on the CLK pulse after it is written). */
static void pit_load_segment(struct pit_channel *c, uint64_t t, uint32_t n, bool pre_out)
{
    uint16_t ce;
    bool out;
    pit_eval(c, t, &ce, &out);
    c->pre_ce = ce;
    c->pre_out = pre_out;
    c->start = t + 1;
    c->count = n;
    c->loaded = 1;
    c->frozen = 0;
    c->next_pending = 0;
    if (c->null_count)
        c->ncount_clear = t + 1;
}

static void pit_count_written(struct pit_channel *c, uint64_t t)
{
    uint32_t n = pit_cr_count(c);
    c->cr_valid = 1;
    c->null_count = 1;
    c->ncount_clear = PIT_NEVER;
    switch (c->mode) {
    case 0:
    case 4:
        /* Mode 0 drops OUT at once; mode 4 keeps it high. GATE low holds
         * the new count until it rises. */
        pit_load_segment(c, t, n, c->mode == 4);
        if (!c->gate) {
            c->frozen = 1;
            c->freeze_tick = c->start;
        }
        break;
    case 2:
    case 3:
        if (!c->loaded || t < c->start) {
            pit_load_segment(c, t, n, true);
            if (!c->gate) {
                c->frozen = 1;
                c->freeze_tick = c->start;
            }
        } else if (c->gate && !c->frozen) {
            /* Counting: the new count is used at the next reload. (The 8254
             * switches a mode 3 count at the end of the half cycle; we use the
             * end of the period.) */
            uint64_t d = t - c->start;
            c->next_start = c->start + (d / c->count + 1) * c->count;
            c->next_count = n;
            c->next_pending = 1;
            c->ncount_clear = c->next_start;
        }
        /* GATE low: the rising edge loads the count register. */
        break;
    default: break; /* modes 1 and 5 wait for a GATE trigger */
    }
}

static void pit_set_gate(struct pit_channel *c, bool g, uint64_t t)
{
    if (g == !!c->gate)
        return;
    pit_normalize(c, t);
    c->gate = g;
    uint16_t ce;
    bool out;
    if (g) {
        switch (c->mode) {
        case 1:
        case 5: /* trigger: (re)load the count and start */
        case 2:
        case 3: /* GATE rising reloads */
            if (c->cr_valid) {
                pit_eval(c, t, &ce, &out);
                pit_load_segment(c, t, pit_cr_count(c), c->mode == 1 ? out : true);
            }
            break;
        default: /* 0 and 4: counting resumes where it stopped */
            if (c->loaded && c->frozen) {
                if (t > c->freeze_tick)
                    c->start += t - c->freeze_tick;
                c->frozen = 0;
            }
            break;
        }
        return;
    }
    switch (c->mode) {
    case 0:
    case 4:
    case 2:
    case 3:
        if (c->loaded && !c->frozen) {
            /* Keep CE where it is; modes 2/3 also raise OUT (pit_eval). */
            c->freeze_tick = t < c->start ? c->start : t;
            c->frozen = 1;
            c->next_pending = 0;
        }
        break;
    default: break; /* modes 1 and 5 do not look at the GATE level */
    }
}

static void pit_program(struct pit_channel *c, uint8_t v, uint64_t t)
{
    uint16_t ce;
    bool out;
    pit_eval(c, t, &ce, &out);
    c->ctrl = v & 0x3f;
    c->rw = (v >> 4) & 3;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* M2 is "don't care" for modes 2 and 3 */
    c->bcd = v & 1;
    /* "When a Control Word is written to a Counter, all Control Logic is
     * immediately reset and OUT goes to a known initial state." */
    c->pre_ce = ce;
    c->pre_out = c->mode != 0;
    c->loaded = 0;
    c->frozen = 0;
    c->next_pending = 0;
    c->cr_valid = 0;
    c->null_count = 1;
    c->ncount_clear = PIT_NEVER;
    c->wr_msb = 0;
    c->rd_msb = 0;
    c->ol_latched = 0;
    c->ol_msb = 0;
    c->status_latched = 0;
}

static void pit_latch_count(struct pit_channel *c, uint64_t t)
{
    if (c->ol_latched)
        return; /* a second latch before the read is ignored */
    bool out;
    pit_eval(c, t, &c->ol, &out);
    c->ol_latched = 1;
    c->ol_msb = 0;
}

static void pit_latch_status(struct pit_channel *c, uint64_t t)
{
    if (c->status_latched)
        return;
    uint16_t ce;
    bool out;
    pit_eval(c, t, &ce, &out);
    c->status = (uint8_t)(out << 7 | (c->null_count ? 0x40 : 0) | c->ctrl);
    c->status_latched = 1;
}

static void pit_write_control(struct pit *p, uint8_t v, uint64_t t)
{
    int sc = v >> 6;
    if (sc == 3) {
        /* Read-back: bit 5 low latches counts, bit 4 low latches status,
         * bits 1-3 select counters 0-2. */
        for (int i = 0; i < 3; i++) {
            if (!(v & (2 << i)))
                continue;
            struct pit_channel *c = &p->st.ch[i];
            pit_normalize(c, t);
            if (!(v & 0x20))
                pit_latch_count(c, t);
            if (!(v & 0x10))
                pit_latch_status(c, t);
        }
        return;
    }
    struct pit_channel *c = &p->st.ch[sc];
    pit_normalize(c, t);
    if (((v >> 4) & 3) == 0) {
        pit_latch_count(c, t);
        return;
    }
    pit_program(c, v, t);
    if (sc == 0)
        pit_ch0_changed(p, t);
}

static void pit_write_counter(struct pit *p, int i, uint8_t v, uint64_t t)
{
    struct pit_channel *c = &p->st.ch[i];
    pit_normalize(c, t);
    switch (c->rw) {
    case 1: c->cr = v; break;
    case 2: c->cr = (uint16_t)(v << 8); break;
    default:
        if (!c->wr_msb) {
            c->cr_lsb = v;
            c->wr_msb = 1;
            if (c->mode == 0) {
                /* "Writing the first byte disables counting. OUT is set low
                 * immediately." */
                uint16_t ce;
                bool out;
                pit_eval(c, t, &ce, &out);
                c->pre_ce = ce;
                c->pre_out = 0;
                c->loaded = 0;
                if (i == 0)
                    pit_ch0_changed(p, t);
            }
            return;
        }
        c->cr = (uint16_t)(c->cr_lsb | v << 8);
        c->wr_msb = 0;
        break;
    }
    pit_count_written(c, t);
    if (i == 0)
        pit_ch0_changed(p, t);
}

static uint8_t pit_read_counter(struct pit *p, int i, uint64_t t)
{
    struct pit_channel *c = &p->st.ch[i];
    pit_normalize(c, t);
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    uint16_t v;
    bool msb;
    if (c->ol_latched) {
        v = c->ol;
        if (c->rw == 3 && !c->ol_msb) {
            c->ol_msb = 1;
            msb = false;
        } else {
            msb = c->rw == 2 || c->rw == 3;
            c->ol_latched = 0;
            c->ol_msb = 0;
        }
    } else {
        bool out;
        pit_eval(c, t, &v, &out);
        if (c->rw == 3) {
            msb = c->rd_msb;
            c->rd_msb ^= 1;
        } else {
            msb = c->rw == 2;
        }
    }
    return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint8_t pit_p61_read(struct pit *p)
{
    uint64_t t = pit_now(p);
    struct pit_channel *c = &p->st.ch[2];
    uint16_t ce;
    bool out;
    pit_normalize(c, t);
    pit_eval(c, t, &ce, &out);
    uint8_t refresh = (t / PIT_REFRESH_TICKS) & 1;
    return (uint8_t)((p->st.port61 & 0x0f) | refresh << 4 | out << 5);
}

static void pit_p61_write(struct pit *p, uint8_t v)
{
    /* Bits 2-3 (parity/IOCHK check enables) are kept for reading back;
     * bits 4-7 are read-only. */
    p->st.port61 = v & 0x0f;
    pit_set_gate(&p->st.ch[2], v & 1, pit_now(p));
}

static uint32_t pit_io_read(void *opaque, uint16_t port, int size)
{
    struct pit *p = opaque;
    (void)size; /* registered IO_BYTES */
    if (port == 0x61)
        return pit_p61_read(p);
    if (port == 0x43)
        return 0xff; /* the control word register cannot be read */
    return pit_read_counter(p, port & 3, pit_now(p));
}

static void pit_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct pit *p = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    if (port == 0x61)
        pit_p61_write(p, v);
    else if (port == 0x43)
        pit_write_control(p, v, pit_now(p));
    else
        pit_write_counter(p, port & 3, v, pit_now(p));
}

uint8_t pit_port61_read(struct machine *m)
{
    return m->pit ? pit_p61_read(m->pit) : 0;
}

void pit_port61_write(struct machine *m, uint8_t value)
{
    if (m->pit)
        pit_p61_write(m->pit, value);
}

bool pit_get_out(struct machine *m, int channel)
{
    struct pit *p = m->pit;
    if (!p || channel < 0 || channel > 2)
        return false;
    uint64_t t = pit_now(p);
    uint16_t ce;
    bool out;
    pit_normalize(&p->st.ch[channel], t);
    pit_eval(&p->st.ch[channel], t, &ce, &out);
    return out;
}

bool pit_speaker_active(struct machine *m, uint32_t *freq_hz)
{
    struct pit *p = m->pit;
    if (!p || (p->st.port61 & 3) != 3)
        return false;
    struct pit_channel *c = &p->st.ch[2];
    pit_normalize(c, pit_now(p));
    if (!c->loaded || c->frozen || (c->mode != 2 && c->mode != 3))
        return false;
    if (freq_hz)
        *freq_hz = (PIT_HZ + c->count / 2) / c->count;
    return true;
}

void pit_reset(struct pit *p)
{
    memset(p->st.ch, 0, sizeof(p->st.ch));
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->st.ch[i];
        c->ctrl = 0x36; /* LSB/MSB, mode 3, binary: nothing loaded yet */
        c->mode = 3;
        c->rw = 3;
        c->pre_out = 1;
        c->gate = i != 2; /* gates 0 and 1 are tied high on the board */
        c->ncount_clear = PIT_NEVER;
    }
    p->st.port61 = 0;
    clock_event_cancel(p->m, &p->irq_event);
    p->st.irq_armed = 0;
    pit_set_irq_line(p, true);
}

static int pit_state_fn(struct state *s, void *opaque);

static void pit_reset_hook(void *opaque)
{
    pit_reset(opaque);
}

static void pit_free_hook(void *opaque)
{
    pit_free(opaque);
}

int pit_init(struct machine *m)
{
    struct pit *p = calloc(1, sizeof(*p));
    if (!p)
        return machine_error(m, "pit: out of memory");
    p->m = m;
    p->st.magic = PIT_MAGIC;
    p->st.size = sizeof(p->st);
    clock_event_init(&p->irq_event, "pit-irq0", pit_irq_event, p);
    if (bus_register_io(m, 0x40, 4, pit_io_read, pit_io_write, p, IO_BYTES) < 0 ||
        bus_register_io(m, 0x61, 1, pit_io_read, pit_io_write, p, IO_BYTES) < 0) {
        free(p);
        return machine_error(m, "pit: I/O port table full");
    }
    m->pit = p;
    pit_reset(p);
    if (machine_register_device(m, "pit", p, pit_reset_hook, pit_free_hook) < 0) {
        pit_free(p);
        return -1;
    }
    machine_device_state(m, p, 1, pit_state_fn);
    return 0;
}

void pit_free(struct pit *p)
{
    if (!p)
        return;
    struct machine *m = p->m;
    clock_event_cancel(m, &p->irq_event);
    bus_unregister_io(m, 0x40, 4);
    bus_unregister_io(m, 0x61, 1);
    if (m->pit == p)
        m->pit = NULL;
    free(p);
}

/* The state stream's section (devices/board/state.h). */
static int pit_state_fn(struct state *s, void *opaque)
{
    struct pit *p = opaque;
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->st.ch[i];
        STATE(s, c->start);
        STATE(s, c->freeze_tick);
        STATE(s, c->next_start);
        STATE(s, c->ncount_clear);
        STATE(s, c->count);
        STATE(s, c->next_count);
        STATE(s, c->cr);
        STATE(s, c->pre_ce);
        STATE(s, c->ol);
        STATE(s, c->ctrl);
        STATE_INDEX(s, c->mode, 6);
        STATE(s, c->rw);
        STATE(s, c->bcd);
        STATE(s, c->gate);
        STATE(s, c->loaded);
        STATE(s, c->frozen);
        STATE(s, c->next_pending);
        STATE(s, c->pre_out);
        STATE(s, c->cr_valid);
        STATE(s, c->null_count);
        STATE(s, c->wr_msb);
        STATE(s, c->rd_msb);
        STATE(s, c->cr_lsb);
        STATE(s, c->ol_latched);
        STATE(s, c->ol_msb);
        STATE(s, c->status);
        STATE(s, c->status_latched);
    }
    STATE(s, p->st.port61);
    STATE(s, p->st.irq_armed);
    STATE(s, p->st.irq_when);
    state_event(s, &p->irq_event);
    return 0;
}

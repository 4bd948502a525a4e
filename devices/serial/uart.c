/* 16550A UART (National Semiconductor PC16550D datasheet): registers, 16-byte
 * receive FIFO with trigger levels and character timeout, interrupt
 * priorities, loopback. Transmission completes at once, so THRE and TEMT are
 * set whenever the guest looks. */
#include "devices/serial/uart.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/pic.h"

/* Register offsets. */
enum {
    REG_RBR = 0,
    REG_IER = 1,
    REG_IIR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7
};

#define IER_RDA  0x01
#define IER_THRE 0x02
#define IER_RLS  0x04
#define IER_MS   0x08

#define IIR_NONE    0x01
#define IIR_RLS     0x06
#define IIR_RDA     0x04
#define IIR_TIMEOUT 0x0C
#define IIR_THRE    0x02
#define IIR_MS      0x00
#define IIR_FIFO    0xC0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

#define UART_FIFO     16
#define UART_CLOCK_HZ 1843200u /* the PC's crystal; baud = clock / (16 * divisor) */

static const uint16_t uart_bases[UART_COUNT] = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
static const uint8_t uart_irqs[UART_COUNT] = {4, 3, 4, 3};
static const char *const uart_names[UART_COUNT] = {"com1", "com2", "com3", "com4"};

struct uart {
    uint8_t rx[UART_FIFO];
    uint8_t rx_head, rx_count;
    uint8_t rbr_last; /* RBR keeps the last byte once the FIFO is empty */
    uint8_t ier, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
    bool thre_int;    /* THRE interrupt latched (cleared by IIR read / THR write) */
    bool timeout_int; /* character timeout indication */
    uint8_t index, irq;
    uint16_t base;

    /* Host input not yet in the FIFO: a ring of backlog_cap bytes. */
    size_t backlog_head, backlog_len, backlog_cap;

    /* Not plain state: buffers, events and wiring. */
    uint8_t *backlog;
    struct clock_event rx_ev;      /* next byte off the wire */
    struct clock_event timeout_ev; /* 4 character times of silence */
    struct chardev be;
    struct machine *m;
};

static bool uart_fifo_on(const struct uart *u)
{
    return u->fcr & FCR_ENABLE;
}

static unsigned uart_trigger(const struct uart *u)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};
    return levels[u->fcr >> 6];
}

/* One character on the wire: start bit, data bits, parity, stop bits. */
static uint64_t uart_char_ns(const struct uart *u)
{
    unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
    unsigned divisor = u->dll | (u->dlm << 8);
    if (!divisor)
        divisor = 1;
    return (uint64_t)bits * divisor * 16u * 1000000000ull / UART_CLOCK_HZ;
}

/* The highest-priority pending source, as IIR bits 0-3 (PC16550D Table 4). */
static uint8_t uart_iir_id(const struct uart *u)
{
    if ((u->ier & IER_RLS) && (u->lsr & LSR_ERRORS))
        return IIR_RLS;
    if (u->ier & IER_RDA) {
        if (uart_fifo_on(u)) {
            if (u->rx_count >= uart_trigger(u))
                return IIR_RDA;
            if (u->timeout_int && u->rx_count)
                return IIR_TIMEOUT;
        } else if (u->rx_count) {
            return IIR_RDA;
        }
    }
    if ((u->ier & IER_THRE) && u->thre_int)
        return IIR_THRE;
    if ((u->ier & IER_MS) && (u->msr & 0x0F))
        return IIR_MS;
    return IIR_NONE;
}

/* COM1/COM3 and COM2/COM4 share a line, so the line is the OR of every UART
 * on it. On the PC the INTR pin reaches the bus only through a gate driven by
 * OUT2; in loopback the chip forces OUT2 inactive (PC16550D §8.6), so a
 * looped-back UART raises no bus interrupt. */
static void uart_update_irq(struct uart *u)
{
    struct machine *m = u->m;
    bool level = false;
    for (int i = 0; i < UART_COUNT; i++) {
        struct uart *o = m->uart[i];
        if (!o || o->irq != u->irq)
            continue;
        if ((o->mcr & MCR_OUT2) && !(o->mcr & MCR_LOOP) && uart_iir_id(o) != IIR_NONE)
            level = true;
    }
    pic_set_irq(m, u->irq, level);
}

/* Modem status inputs: the MCR outputs in loopback, else a backend counts as
 * a terminal that is present and ready (CTS, DSR, DCD). */
static uint8_t uart_msr_inputs(const struct uart *u)
{
    if (u->mcr & MCR_LOOP) {
        uint8_t v = 0;
        if (u->mcr & MCR_RTS)
            v |= MSR_CTS;
        if (u->mcr & MCR_DTR)
            v |= MSR_DSR;
        if (u->mcr & MCR_OUT1)
            v |= MSR_RI;
        if (u->mcr & MCR_OUT2)
            v |= MSR_DCD;
        return v;
    }
    return u->be.write ? (MSR_CTS | MSR_DSR | MSR_DCD) : 0;
}

static void uart_msr_update(struct uart *u)
{
    uint8_t now = uart_msr_inputs(u), old = u->msr & 0xF0, d = 0;
    if ((now ^ old) & MSR_CTS)
        d |= MSR_DCTS;
    if ((now ^ old) & MSR_DSR)
        d |= MSR_DDSR;
    if ((old & MSR_RI) && !(now & MSR_RI)) /* trailing edge only */
        d |= MSR_TERI;
    if ((now ^ old) & MSR_DCD)
        d |= MSR_DDCD;
    u->msr = now | (u->msr & 0x0F) | d;
}

static void uart_rx_clear(struct uart *u)
{
    u->rx_head = u->rx_count = 0;
    u->timeout_int = false;
    clock_event_cancel(u->m, &u->timeout_ev);
}

static void uart_arm_timeout(struct uart *u)
{
    u->timeout_int = false;
    if (uart_fifo_on(u) && u->rx_count)
        clock_event_arm(u->m, &u->timeout_ev, clock_now(u->m) + 4 * uart_char_ns(u));
    else
        clock_event_cancel(u->m, &u->timeout_ev);
}

/* A character arrives at the receiver (from the wire or from loopback). */
static void uart_rx_put(struct uart *u, uint8_t b)
{
    unsigned cap = uart_fifo_on(u) ? UART_FIFO : 1;
    if (u->rx_count >= cap) {
        /* FIFO mode: the character in the shift register is lost and the
         * FIFO kept; 8250 mode: the holding register is overwritten. */
        u->lsr |= LSR_OE;
        if (!uart_fifo_on(u))
            u->rx[u->rx_head] = b;
    } else {
        u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = b;
        u->rx_count++;
    }
    uart_arm_timeout(u);
    uart_update_irq(u);
}

static bool uart_rx_room(const struct uart *u)
{
    return u->rx_count < (uart_fifo_on(u) ? UART_FIFO : 1);
}

/* Move one backlog byte onto the wire if the receiver has room; keep the
 * event running while there is more, so bytes arrive at the line rate. */
static void uart_feed(void *opaque)
{
    struct uart *u = opaque;
    if (!u->backlog_len)
        return;
    /* Hold the input while the receiver is full (resumed when the guest
     * reads RBR) or cut off the wire by loopback (resumed when it ends). */
    if (!uart_rx_room(u) || (u->mcr & MCR_LOOP))
        return;
    uint8_t b = u->backlog[u->backlog_head];
    u->backlog_head = (u->backlog_head + 1) % u->backlog_cap;
    u->backlog_len--;
    uart_rx_put(u, b);
    if (u->backlog_len)
        clock_event_arm(u->m, &u->rx_ev, clock_now(u->m) + uart_char_ns(u));
}

static void uart_kick_feed(struct uart *u)
{
    if (u->backlog_len && !u->rx_ev.armed)
        clock_event_arm(u->m, &u->rx_ev, clock_now(u->m) + uart_char_ns(u));
}

static void uart_timeout(void *opaque)
{
    struct uart *u = opaque;
    if (uart_fifo_on(u) && u->rx_count) {
        u->timeout_int = true;
        uart_update_irq(u);
    }
}

static void uart_transmit(struct uart *u, uint8_t b)
{
    /* The holding register empties at once; drop THRE for the write and raise
     * it again so an edge-triggered PIC sees a fresh interrupt, as it would
     * when the real shift register takes the byte. */
    u->thre_int = false;
    uart_update_irq(u);
    if (u->mcr & MCR_LOOP) {
        uart_rx_put(u, b);
    } else {
        chardev_write(&u->be, &b, 1);
        machine_text(u->m, uart_names[u->index], &b, 1);
    }
    u->thre_int = true;
    uart_update_irq(u);
}

static uint8_t uart_read_rbr(struct uart *u)
{
    if (u->rx_count) {
        u->rbr_last = u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % UART_FIFO;
        u->rx_count--;
        uart_arm_timeout(u);
        uart_kick_feed(u);
    }
    u->timeout_int = false;
    uart_update_irq(u);
    return u->rbr_last;
}

static uint32_t uart_read(void *opaque, uint16_t port, int size)
{
    struct uart *u = opaque;
    (void)size;
    switch (port - u->base) {
    case REG_RBR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        return uart_read_rbr(u);
    case REG_IER:
        if (u->lcr & LCR_DLAB)
            return u->dlm;
        return u->ier;
    case REG_IIR: {
        uint8_t id = uart_iir_id(u);
        /* Reading IIR is how a THRE interrupt is acknowledged. */
        if (id == IIR_THRE) {
            u->thre_int = false;
            uart_update_irq(u);
        }
        return id | (uart_fifo_on(u) ? IIR_FIFO : 0);
    }
    case REG_LCR: return u->lcr;
    case REG_MCR: return u->mcr;
    case REG_LSR: {
        uint8_t v = u->lsr | LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
        u->lsr &= ~LSR_ERRORS;
        uart_update_irq(u);
        return v;
    }
    case REG_MSR: {
        uint8_t v = u->msr;
        u->msr &= 0xF0;
        uart_update_irq(u);
        return v;
    }
    default: return u->scr;
    }
}

static void uart_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct uart *u = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (port - u->base) {
    case REG_RBR:
        if (u->lcr & LCR_DLAB)
            u->dll = v;
        else
            uart_transmit(u, v);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = v;
        } else {
            uint8_t old = u->ier;
            u->ier = v & 0x0F;
            /* Enabling ETBEI while the holding register is empty interrupts
             * at once; drivers start transmission this way. */
            if ((u->ier & IER_THRE) && !(old & IER_THRE))
                u->thre_int = true;
            uart_update_irq(u);
        }
        break;
    case REG_IIR: { /* FCR */
        bool on = v & FCR_ENABLE;
        if (on != uart_fifo_on(u))
            uart_rx_clear(u); /* changing FCR0 resets both FIFOs */
        if (on && (v & FCR_CLEAR_RX))
            uart_rx_clear(u);
        /* The other bits can only be written together with FCR0 set. */
        u->fcr = on ? (v & 0xC9) : 0;
        uart_kick_feed(u);
        uart_update_irq(u);
        break;
    }
    case REG_LCR: u->lcr = v; break;
    case REG_MCR:
        u->mcr = v & 0x1F;
        uart_msr_update(u);
        uart_kick_feed(u);
        uart_update_irq(u);
        break;
    case REG_LSR: break; /* factory test only */
    case REG_MSR: break;
    default: u->scr = v; break;
    }
}

/* Master reset (PC16550D Table 2): divisor and SCR are kept. */
static void uart_reset(void *opaque)
{
    struct uart *u = opaque;
    u->ier = u->fcr = u->lcr = u->mcr = 0;
    u->lsr = 0;
    u->thre_int = false;
    uart_rx_clear(u);
    u->msr = 0;
    uart_msr_update(u);
    u->msr &= 0xF0; /* no deltas straight out of reset */
    clock_event_cancel(u->m, &u->rx_ev);
    uart_kick_feed(u);
    uart_update_irq(u);
}

static void uart_free(void *opaque)
{
    struct uart *u = opaque;
    clock_event_cancel(u->m, &u->rx_ev);
    clock_event_cancel(u->m, &u->timeout_ev);
    if (u->m->uart[u->index] == u)
        u->m->uart[u->index] = NULL;
    chardev_close(&u->be);
    free(u->backlog);
    free(u);
}

static int uart_state_fn(struct state *s, void *opaque);

int uart_init(struct machine *m, int index, const char *backend_spec)
{
    if (index < 0 || index >= UART_COUNT)
        return machine_error(m, "there is no COM%d", index + 1);
    struct uart *u = calloc(1, sizeof(*u));
    if (!u)
        return machine_error(m, "out of memory");
    u->m = m;
    u->index = (uint8_t)index;
    u->base = uart_bases[index];
    u->irq = uart_irqs[index];
    u->dll = 12; /* 9600 baud until the guest programs it */
    if (chardev_open(m, &u->be, backend_spec) < 0) {
        free(u);
        return -1;
    }
    clock_event_init(&u->rx_ev, uart_names[index], uart_feed, u);
    clock_event_init(&u->timeout_ev, uart_names[index], uart_timeout, u);
    m->uart[index] = u;
    if (machine_register_device(m, uart_names[index], u, uart_reset, uart_free) < 0) {
        uart_free(u);
        return -1;
    }
    machine_device_state(m, u, 1, uart_state_fn);
    if (bus_register_io(m, u->base, 8, uart_read, uart_write, u, IO_BYTES) < 0)
        return machine_error(m, "%s: the I/O port table is full", uart_names[index]);
    uart_reset(u);
    return 0;
}

void uart_set_backend(struct machine *m, int index, const struct chardev *cd)
{
    if (index < 0 || index >= UART_COUNT || !m->uart[index])
        return;
    struct uart *u = m->uart[index];
    chardev_close(&u->be);
    u->be = *cd;
    uart_msr_update(u);
    uart_update_irq(u);
}

void uart_receive(struct machine *m, int index, const uint8_t *buf, size_t len)
{
    if (index < 0 || index >= UART_COUNT || !m->uart[index] || !len)
        return;
    struct uart *u = m->uart[index];
    if (u->backlog_len + len > u->backlog_cap) {
        size_t cap = u->backlog_cap ? u->backlog_cap : 256;
        while (cap < u->backlog_len + len)
            cap *= 2;
        uint8_t *nb = malloc(cap);
        if (!nb)
            return; /* host out of memory: the input is dropped */
        for (size_t i = 0; i < u->backlog_len; i++)
            nb[i] = u->backlog[(u->backlog_head + i) % u->backlog_cap];
        free(u->backlog);
        u->backlog = nb;
        u->backlog_cap = cap;
        u->backlog_head = 0;
    }
    for (size_t i = 0; i < len; i++)
        u->backlog[(u->backlog_head + u->backlog_len + i) % u->backlog_cap] = buf[i];
    u->backlog_len += len;
    /* The first byte lands at once when the line is idle. */
    if (!u->rx_ev.armed)
        uart_feed(u);
}

size_t uart_receive_backlog(struct machine *m, int index)
{
    if (index < 0 || index >= UART_COUNT || !m->uart[index])
        return 0;
    return m->uart[index]->backlog_len;
}

/* The state stream's section (devices/board/state.h): the chip and the
 * input still on its way, never the host backend. */
static int uart_state_fn(struct state *s, void *opaque)
{
    struct uart *u = opaque;
    STATE_ARRAY(s, u->rx);
    STATE_INDEX(s, u->rx_head, UART_FIFO);
    STATE(s, u->rx_count);
    if (u->rx_count > UART_FIFO)
        return state_fail(s, "the FIFO holds %u bytes", u->rx_count);
    STATE(s, u->rbr_last);
    STATE(s, u->ier);
    STATE(s, u->fcr);
    STATE(s, u->lcr);
    STATE(s, u->mcr);
    STATE(s, u->lsr);
    STATE(s, u->msr);
    STATE(s, u->scr);
    STATE(s, u->dll);
    STATE(s, u->dlm);
    STATE(s, u->thre_int);
    STATE(s, u->timeout_int);
    uint32_t n = (uint32_t)u->backlog_len;
    STATE(s, n);
    if (state_loading(s)) {
        if (n > (16u << 20))
            return state_fail(s, "%u bytes of input", n);
        free(u->backlog);
        u->backlog = n ? malloc(n) : NULL;
        if (n && !u->backlog)
            return state_fail(s, "out of memory");
        u->backlog_head = 0;
        u->backlog_len = u->backlog_cap = n;
    }
    for (uint32_t i = 0; i < n; i++)
        STATE(s, u->backlog[(u->backlog_head + i) % u->backlog_cap]);
    state_event(s, &u->rx_ev);
    state_event(s, &u->timeout_ev);
    return 0;
}

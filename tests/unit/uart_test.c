/* Unit test of the 16550A UARTs: divisor latch, LSR THRE/TEMT, IIR priority
 * and FIFO bits, FIFO trigger levels and character timeout, loopback with the
 * modem lines, OUT2 gating and IRQ sharing, and lossless host input. */
#include "devices/serial/uart.h"

#include "devtest.h"

#define COM1 0x3F8
#define COM2 0x2F8
#define COM3 0x3E8

static struct machine *uart_machine(struct text_log *log)
{
    struct machine *m = new_machine();
    m->text_out = text_sink;
    m->text_opaque = log;
    for (int i = 0; i < 4; i++)
        CHECK(uart_init(m, i, "none") == 0);
    return m;
}

static void test_registers(void)
{
    struct text_log log = {0};
    struct machine *m = uart_machine(&log);
    CHECK_EQ(in8(m, COM1 + 5), 0x60); /* THRE + TEMT after reset */
    CHECK_EQ(in8(m, COM1 + 2), 0x01); /* no interrupt, no FIFO */
    CHECK_EQ(in8(m, COM1 + 4), 0x00);
    out8(m, COM1 + 3, 0x80); /* DLAB */
    out8(m, COM1 + 0, 0x01);
    out8(m, COM1 + 1, 0x00);
    CHECK_EQ(in8(m, COM1 + 0), 0x01);
    CHECK_EQ(in8(m, COM1 + 1), 0x00);
    out8(m, COM1 + 3, 0x03); /* 8N1 */
    CHECK_EQ(in8(m, COM1 + 3), 0x03);
    out8(m, COM1 + 7, 0xA5);
    CHECK_EQ(in8(m, COM1 + 7), 0xA5);
    out8(m, COM1 + 1, 0xFF);
    CHECK_EQ(in8(m, COM1 + 1), 0x0F); /* IER bits 4-7 read zero */
    out8(m, COM1 + 1, 0x00);

    /* Polled transmit: THRE and TEMT stay set, bytes reach the frontend. */
    for (const char *s = "OK\n"; *s; s++) {
        CHECK((in8(m, COM1 + 5) & 0x60) == 0x60);
        out8(m, COM1, (uint8_t)*s);
    }
    CHECK(!strcmp(log.buf, "OK\n"));
    CHECK(!strcmp(log.src, "com1"));
    out8(m, COM2, 'x');
    CHECK(!strcmp(log.src, "com2"));

    /* FIFO enable shows in IIR bits 6-7. */
    out8(m, COM1 + 2, 0x07);
    CHECK_EQ(in8(m, COM1 + 2) & 0xC0, 0xC0);
    out8(m, COM1 + 2, 0x00);
    CHECK_EQ(in8(m, COM1 + 2) & 0xC0, 0x00);
    machine_destroy(m);
}

static void test_loopback_and_priority(void)
{
    struct text_log log = {0};
    struct machine *m = uart_machine(&log);
    out8(m, COM1 + 3, 0x03);
    out8(m, COM1 + 4, 0x10 | 0x08); /* loopback, OUT2 */

    /* Modem lines loop back: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    in8(m, COM1 + 6);
    out8(m, COM1 + 4, 0x10 | 0x01 | 0x02 | 0x04);
    uint8_t msr = in8(m, COM1 + 6);
    CHECK_EQ(msr & 0xF0, 0x70);
    CHECK_EQ(msr & 0x0B, 0x0B); /* DCTS, DDSR, DDCD (OUT2 dropped) */
    out8(m, COM1 + 4, 0x10);
    CHECK_EQ(in8(m, COM1 + 6) & 0x04, 0x04); /* TERI on RI's falling edge */
    CHECK_EQ(in8(m, COM1 + 6) & 0x0F, 0x00); /* deltas clear on read */

    /* A byte sent in loopback comes back and does not leave the chip. */
    out8(m, COM1 + 1, 0x0F);
    out8(m, COM1, 'A');
    CHECK_EQ(log.len, 0);
    CHECK_EQ(in8(m, COM1 + 5) & 0x01, 0x01);
    /* Priorities: received data (0x04) outranks THRE (0x02). */
    CHECK_EQ(in8(m, COM1 + 2), 0x04);
    CHECK_EQ(in8(m, COM1), 'A');
    CHECK_EQ(in8(m, COM1 + 2), 0x02);
    CHECK_EQ(in8(m, COM1 + 2), 0x01); /* reading IIR acknowledged THRE */
    /* Overrun: a second byte without reading (8250 mode) -> line status. */
    out8(m, COM1, 'B');
    out8(m, COM1 + 1, 0x0D); /* no THRE noise */
    out8(m, COM1, 'C');
    CHECK_EQ(in8(m, COM1 + 2), 0x06); /* receiver line status is highest */
    CHECK_EQ(in8(m, COM1 + 5) & 0x03, 0x03);
    CHECK_EQ(in8(m, COM1 + 2), 0x04);
    CHECK_EQ(in8(m, COM1), 'C');
    /* Modem status is lowest. */
    out8(m, COM1 + 4, 0x10 | 0x02);
    CHECK_EQ(in8(m, COM1 + 2), 0x00);
    in8(m, COM1 + 6);
    CHECK_EQ(in8(m, COM1 + 2), 0x01);
    machine_destroy(m);
}

static void test_fifo_trigger_and_timeout(void)
{
    struct text_log log = {0};
    struct machine *m = uart_machine(&log);
    out8(m, COM1 + 3, 0x83);
    out8(m, COM1 + 0, 1); /* 115200 baud: ~87 us a character */
    out8(m, COM1 + 3, 0x03);
    out8(m, COM1 + 2, 0x81); /* FIFO on, trigger 8 */
    out8(m, COM1 + 4, 0x18); /* loopback + OUT2 */
    out8(m, COM1 + 1, 0x01); /* received data only */
    for (int i = 0; i < 7; i++)
        out8(m, COM1, (uint8_t)('0' + i));
    CHECK_EQ(in8(m, COM1 + 2), 0xC1); /* below the trigger: nothing yet */
    out8(m, COM1, '7');
    CHECK_EQ(in8(m, COM1 + 2), 0xC4); /* 8 bytes: data available */
    for (int i = 0; i < 8; i++)
        CHECK_EQ(in8(m, COM1), '0' + i);
    CHECK_EQ(in8(m, COM1 + 5) & 0x01, 0);

    /* Two bytes and silence: the character timeout after 4 char times. */
    out8(m, COM1, 'x');
    out8(m, COM1, 'y');
    CHECK_EQ(in8(m, COM1 + 2), 0xC1);
    advance_ns(m, 400000);
    CHECK_EQ(in8(m, COM1 + 2), 0xCC);
    CHECK_EQ(in8(m, COM1), 'x');
    CHECK_EQ(in8(m, COM1 + 2), 0xC1); /* a read clears the timeout */
    advance_ns(m, 400000);
    CHECK_EQ(in8(m, COM1 + 2), 0xCC);
    CHECK_EQ(in8(m, COM1), 'y');

    /* 16 bytes fill the FIFO; the 17th overruns and is lost. */
    out8(m, COM1 + 2, 0xC7); /* clear, trigger 14 */
    for (int i = 0; i < 17; i++)
        out8(m, COM1, (uint8_t)i);
    CHECK_EQ(in8(m, COM1 + 5) & 0x03, 0x03);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(in8(m, COM1), i);
    CHECK_EQ(in8(m, COM1 + 5) & 0x01, 0);
    machine_destroy(m);
}

static void test_irq_gating_and_sharing(void)
{
    struct text_log log = {0};
    struct machine *m = uart_machine(&log);
    take_irq(m);
    /* THRE interrupt, enabled without OUT2: nothing reaches the PIC. */
    out8(m, COM1 + 1, 0x02);
    CHECK_EQ(in8(m, COM1 + 2), 0x02);
    CHECK_EQ(take_irq(m), -1);
    out8(m, COM1 + 1, 0x00);
    out8(m, COM1 + 4, 0x08); /* OUT2 opens the gate */
    out8(m, COM1 + 1, 0x02);
    CHECK_EQ(take_irq(m), IRQ_VEC(4));
    CHECK_EQ(in8(m, COM1 + 2), 0x02); /* acknowledge */
    /* Writing THR gives a fresh THRE interrupt. */
    out8(m, COM1, 'z');
    CHECK_EQ(take_irq(m), IRQ_VEC(4));
    CHECK_EQ(in8(m, COM1 + 2), 0x02);

    /* COM3 shares IRQ 4: its line must not be dropped by COM1. */
    out8(m, COM3 + 4, 0x08);
    out8(m, COM3 + 1, 0x02);
    CHECK_EQ(take_irq(m), IRQ_VEC(4));
    out8(m, COM1 + 1, 0x00); /* COM1 quiet; COM3 still asserts */
    CHECK_EQ(in8(m, COM3 + 2), 0x02);
    CHECK_EQ(take_irq(m), -1);

    /* COM2 is on IRQ 3. */
    out8(m, COM2 + 4, 0x08);
    out8(m, COM2 + 1, 0x02);
    CHECK_EQ(take_irq(m), IRQ_VEC(3));
    machine_destroy(m);
}

static void test_host_input(void)
{
    struct text_log log = {0};
    struct machine *m = uart_machine(&log);
    out8(m, COM1 + 3, 0x83);
    out8(m, COM1 + 0, 1);
    out8(m, COM1 + 3, 0x03);
    out8(m, COM1 + 4, 0x0B);
    out8(m, COM1 + 1, 0x01);
    const char *msg = "hello, polled 8250 world";
    uart_receive(m, 0, (const uint8_t *)msg, strlen(msg));
    /* Non-FIFO: one byte at a time, the next only after a character time
     * once the guest read it; nothing is lost however long the guest waits. */
    char got[64] = {0};
    size_t n = 0;
    CHECK_EQ(take_irq(m), IRQ_VEC(4));
    for (int spin = 0; spin < 1000 && n < strlen(msg); spin++) {
        if (in8(m, COM1 + 5) & 0x01)
            got[n++] = (char)in8(m, COM1);
        advance_ns(m, spin % 7 == 0 ? 5000000 : 20000);
    }
    CHECK(!strcmp(got, msg));
    CHECK_EQ(in8(m, COM1 + 5) & 0x02, 0); /* no overrun */
    CHECK_EQ(uart_receive_backlog(m, 0), 0);
    machine_destroy(m);
}

int main(void)
{
    test_registers();
    test_loopback_and_priority();
    test_fifo_trigger_and_timeout();
    test_irq_gating_and_sharing();
    test_host_input();
    if (failures) {
        fprintf(stderr, "uart_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("uart_test: ok\n");
    return 0;
}

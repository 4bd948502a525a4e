/* Unit test of the 8042 and its PS/2 devices: self-test and interface tests,
 * command byte, A20 and reset through the output port, keyboard reset/echo/
 * identify, scan sets with and without translation, one byte at a time with
 * IRQ 1, paced typing, and the mouse (reset, stream packets, IntelliMouse). */
#include "devices/chipset/kbc.h"

#include "devtest.h"

#define BYTE_NS 2000000ull /* more than one PS/2 byte time */

/* Poll like a BIOS: wait for OBF, then read port 0x60. Returns -1 when
 * nothing arrives. */
static int kbc_get(struct machine *m)
{
    for (int i = 0; i < 10; i++) {
        if (in8(m, 0x64) & 0x01)
            return in8(m, 0x60);
        advance_ns(m, BYTE_NS);
    }
    return -1;
}

static void kbc_cmd(struct machine *m, uint8_t cmd)
{
    out8(m, 0x64, cmd);
}

static void kbc_drain(struct machine *m)
{
    while (kbc_get(m) >= 0)
        ;
}

static void test_controller(void)
{
    struct machine *m = new_machine();
    CHECK(kbc_init(m) == 0);
    kbc_drain(m);
    CHECK_EQ(in8(m, 0x64) & 0x04, 0); /* SYS clear at power-on */
    kbc_cmd(m, 0xAA);
    CHECK_EQ(in8(m, 0x64) & 0x09, 0x09); /* OBF, and A2: last write was a command */
    CHECK_EQ(kbc_get(m), 0x55);
    CHECK_EQ(in8(m, 0x64) & 0x04, 0x04);
    kbc_cmd(m, 0xAB);
    CHECK_EQ(kbc_get(m), 0x00);
    kbc_cmd(m, 0xA9);
    CHECK_EQ(kbc_get(m), 0x00);

    /* Command byte round trip. */
    kbc_cmd(m, 0x60);
    out8(m, 0x60, 0x47);
    CHECK_EQ(in8(m, 0x64) & 0x08, 0);
    kbc_cmd(m, 0x20);
    CHECK_EQ(kbc_get(m), 0x47);
    kbc_cmd(m, 0xAD);
    kbc_cmd(m, 0x20);
    CHECK_EQ(kbc_get(m), 0x57);
    kbc_cmd(m, 0xAE);
    kbc_cmd(m, 0xA7);
    kbc_cmd(m, 0x20);
    CHECK_EQ(kbc_get(m), 0x67);
    kbc_cmd(m, 0xA8);
    kbc_cmd(m, 0x20);
    CHECK_EQ(kbc_get(m), 0x47);

    /* A20 through the output port, as HIMEM does it. */
    kbc_cmd(m, 0xD1);
    out8(m, 0x60, 0xDD);
    CHECK(!mem_get_a20(m));
    kbc_cmd(m, 0xD0);
    CHECK_EQ(kbc_get(m) & 0x03, 0x01);
    kbc_cmd(m, 0xD1);
    out8(m, 0x60, 0xDF);
    CHECK(mem_get_a20(m));
    kbc_cmd(m, 0xD0);
    CHECK_EQ(kbc_get(m) & 0x03, 0x03);
    CHECK(!m->reset_request);

    /* 0xD2 writes the keyboard output buffer with IRQ 1; 0xD3 the aux one. */
    take_irq(m);
    kbc_cmd(m, 0xD2);
    out8(m, 0x60, 0x42);
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x01);
    CHECK_EQ(take_irq(m), IRQ_VEC(1));
    CHECK_EQ(in8(m, 0x60), 0x42);
    kbc_cmd(m, 0x60);
    out8(m, 0x60, 0x47 | 0x02); /* aux interrupt on */
    kbc_cmd(m, 0xD3);
    out8(m, 0x60, 0x99);
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x21);
    CHECK_EQ(take_irq(m), IRQ_VEC(12));
    CHECK_EQ(in8(m, 0x60), 0x99);
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x00);

    /* Reset pulses. */
    kbc_cmd(m, 0xFF);
    CHECK(!m->reset_request);
    kbc_cmd(m, 0xFE);
    CHECK(m->reset_request);
    m->reset_request = false;
    kbc_cmd(m, 0xD1);
    out8(m, 0x60, 0xDE);
    CHECK(m->reset_request);
    /* The system flag survives the reset. */
    machine_reset(m);
    CHECK_EQ(in8(m, 0x64) & 0x04, 0x04);
    machine_destroy(m);
}

static void test_keyboard(void)
{
    struct machine *m = new_machine();
    CHECK(kbc_init(m) == 0);
    kbc_drain(m);
    out8(m, 0x60, 0xFF);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0xAA);
    out8(m, 0x60, 0xEE);
    CHECK_EQ(kbc_get(m), 0xEE);
    out8(m, 0x60, 0xF2);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0xAB);
    CHECK_EQ(kbc_get(m), 0x41); /* 0x83 translated */
    out8(m, 0x60, 0xED);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x05);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_leds(m), 5);
    out8(m, 0x60, 0x12); /* not a command */
    CHECK_EQ(kbc_get(m), 0xFE);
    out8(m, 0x60, 0xFE); /* resend the last byte */
    CHECK_EQ(kbc_get(m), 0xFE);

    /* Scan set 2 with translation (the default): set-1 codes come out. */
    out8(m, 0x60, 0xF0);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x00);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0x41); /* "set 2", translated */
    kbc_key(m, 0x1E, true);     /* A */
    kbc_key(m, 0x1E, false);
    kbc_key(m, 0xE048, true); /* Up */
    kbc_key(m, 0xE048, false);
    int expect1[] = {0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(kbc_get(m), expect1[i]);

    /* Translation off: raw set 2. */
    kbc_cmd(m, 0x60);
    out8(m, 0x60, 0x05);
    kbc_key(m, 0x1E, true);
    kbc_key(m, 0x1E, false);
    kbc_key(m, 0xE048, true);
    kbc_key(m, 0xE048, false);
    int expect2[] = {0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75};
    for (int i = 0; i < 8; i++)
        CHECK_EQ(kbc_get(m), expect2[i]);
    out8(m, 0x60, 0xF0);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x00);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0x02);

    /* Set 1, untranslated. */
    out8(m, 0x60, 0xF0);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x01);
    CHECK_EQ(kbc_get(m), 0xFA);
    kbc_key(m, 0x1E, true);
    kbc_key(m, 0x1E, false);
    CHECK_EQ(kbc_get(m), 0x1E);
    CHECK_EQ(kbc_get(m), 0x9E);

    /* Set 3: its own codes, F0 breaks, no E0. */
    out8(m, 0x60, 0xF0);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x03);
    CHECK_EQ(kbc_get(m), 0xFA);
    kbc_key(m, 0x01, true); /* Esc is 08 in set 3 */
    kbc_key(m, 0x01, false);
    kbc_key(m, 0xE048, true);
    CHECK_EQ(kbc_get(m), 0x08);
    CHECK_EQ(kbc_get(m), 0xF0);
    CHECK_EQ(kbc_get(m), 0x08);
    CHECK_EQ(kbc_get(m), 0x63);
    kbc_key(m, 0xE048, false);
    kbc_drain(m);

    /* Pause in set 2 translated is the classic set-1 sequence. */
    out8(m, 0x60, 0xF0);
    kbc_get(m);
    out8(m, 0x60, 0x02);
    kbc_get(m);
    kbc_cmd(m, 0x60);
    out8(m, 0x60, 0x45);
    kbc_key(m, PS2_KEY_PAUSE, true);
    int pause[] = {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(kbc_get(m), pause[i]);
    /* Ctrl+Pause is Break: E0 46 E0 C6 at once, nothing on release. */
    kbc_key(m, 0x1D, true);
    CHECK_EQ(kbc_get(m), 0x1D);
    kbc_key(m, PS2_KEY_PAUSE, true);
    int brk[] = {0xE0, 0x46, 0xE0, 0xC6};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(kbc_get(m), brk[i]);
    kbc_key(m, PS2_KEY_PAUSE, false);
    kbc_key(m, 0x1D, false);
    CHECK_EQ(kbc_get(m), 0x9D);
    /* Alt+PrintScreen is SysRq, 54 / D4; alone it is E0 2A E0 37. */
    kbc_key(m, 0x38, true);
    CHECK_EQ(kbc_get(m), 0x38);
    kbc_key(m, PS2_KEY_PRINTSCREEN, true);
    CHECK_EQ(kbc_get(m), 0x54);
    kbc_key(m, PS2_KEY_PRINTSCREEN, false);
    CHECK_EQ(kbc_get(m), 0xD4);
    kbc_key(m, 0x38, false);
    CHECK_EQ(kbc_get(m), 0xB8);
    kbc_key(m, PS2_KEY_PRINTSCREEN, true);
    int prtsc[] = {0xE0, 0x2A, 0xE0, 0x37};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(kbc_get(m), prtsc[i]);
    kbc_key(m, PS2_KEY_PRINTSCREEN, false);
    kbc_drain(m);

    /* Disabled scanning drops keys; F4 brings them back. */
    out8(m, 0x60, 0xF5);
    CHECK_EQ(kbc_get(m), 0xFA);
    kbc_key(m, 0x1E, true);
    kbc_key(m, 0x1E, false);
    CHECK_EQ(kbc_get(m), -1);
    out8(m, 0x60, 0xF4);
    CHECK_EQ(kbc_get(m), 0xFA);

    /* Typematic: a held key repeats after the delay (F3 00: 250 ms, 30/s). */
    out8(m, 0x60, 0xF3);
    CHECK_EQ(kbc_get(m), 0xFA);
    out8(m, 0x60, 0x00);
    CHECK_EQ(kbc_get(m), 0xFA);
    kbc_key(m, 0x1E, true);
    CHECK_EQ(kbc_get(m), 0x1E);
    advance_ns(m, 200000000);
    CHECK_EQ(in8(m, 0x64) & 1, 0);
    int repeats = 0;
    for (int i = 0; i < 100; i++) {
        advance_ns(m, 1000000);
        if (in8(m, 0x64) & 1) {
            CHECK_EQ(in8(m, 0x60), 0x1E);
            repeats++;
        }
    }
    CHECK(repeats >= 2 && repeats <= 4);
    kbc_key(m, 0x1E, false);
    CHECK_EQ(kbc_get(m), 0x9E);
    advance_ns(m, 500000000);
    CHECK_EQ(kbc_get(m), -1);
    machine_destroy(m);
}

/* An INT 9 handler: read 0x60 (twice, as chained handlers do), EOI. */
static void test_one_byte_at_a_time(void)
{
    struct machine *m = new_machine();
    CHECK(kbc_init(m) == 0);
    kbc_drain(m);
    take_irq(m);
    CHECK_EQ(kbc_type_text(m, "Hi!\n"), 0);
    CHECK(kbc_typing(m));
    int want[] = {0x2A, 0x23, 0xA3, 0xAA, 0x17, 0x97, 0x2A, 0x02, 0x82, 0xAA, 0x1C, 0x9C};
    int n = 0;
    for (int spin = 0; spin < 200 && n < 12; spin++) {
        if (take_irq(m) == IRQ_VEC(1)) {
            uint8_t a = in8(m, 0x60), b = in8(m, 0x60);
            CHECK_EQ(a, b);
            CHECK_EQ(a, want[n]);
            n++;
            CHECK_EQ(take_irq(m), -1); /* nothing new inside the handler */
        }
        /* A slow guest: the codes wait for it. */
        advance_ns(m, spin % 3 ? 300000 : 40000000);
    }
    CHECK_EQ(n, 12);
    CHECK(!kbc_typing(m));
    CHECK_EQ(kbc_type_text(m, "\x01"), 1);
    machine_destroy(m);
}

static void test_mouse(void)
{
    struct machine *m = new_machine();
    CHECK(kbc_init(m) == 0);
    kbc_drain(m);
    kbc_cmd(m, 0x60);
    out8(m, 0x60, 0x47); /* both interrupts on, aux enabled */
    kbc_cmd(m, 0xD4);
    out8(m, 0x60, 0xFF);
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x21);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0xAA);
    CHECK_EQ(kbc_get(m), 0x00);

    /* Status request: defaults 100 samples/s, resolution 2, disabled. */
    kbc_cmd(m, 0xD4);
    out8(m, 0x60, 0xE9);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0x00);
    CHECK_EQ(kbc_get(m), 0x02);
    CHECK_EQ(kbc_get(m), 100);

    /* IntelliMouse knock. */
    int rates[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        kbc_cmd(m, 0xD4);
        out8(m, 0x60, 0xF3);
        CHECK_EQ(kbc_get(m), 0xFA);
        kbc_cmd(m, 0xD4);
        out8(m, 0x60, (uint8_t)rates[i]);
        CHECK_EQ(kbc_get(m), 0xFA);
    }
    kbc_cmd(m, 0xD4);
    out8(m, 0x60, 0xF2);
    CHECK_EQ(kbc_get(m), 0xFA);
    CHECK_EQ(kbc_get(m), 0x03);

    /* Stream mode: 4-byte packets on IRQ 12 with AUXB set. */
    kbc_cmd(m, 0xD4);
    out8(m, 0x60, 0xF4);
    CHECK_EQ(kbc_get(m), 0xFA);
    take_irq(m);
    kbc_mouse_move(m, 5, 3, -1, 0x01);
    advance_ns(m, BYTE_NS); /* the ACK was just read: one byte time first */
    CHECK_EQ(take_irq(m), IRQ_VEC(12));
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x21);
    CHECK_EQ(kbc_get(m), 0x08 | 0x01 | 0x20); /* left, Y negative (moved down) */
    CHECK_EQ(kbc_get(m), 5);
    CHECK_EQ(kbc_get(m), 0xFD);
    CHECK_EQ(kbc_get(m), 0xFF);
    /* Large motion is split into packets, one at a time. */
    kbc_mouse_move(m, 300, 0, 0, 0x01);
    int total = 0;
    for (int p = 0; p < 2; p++) {
        int b0 = kbc_get(m), dx = kbc_get(m);
        kbc_get(m);
        kbc_get(m);
        CHECK_EQ(b0 & 0x10, 0);
        total += dx;
    }
    CHECK_EQ(total, 300);
    CHECK_EQ(kbc_get(m), -1);

    /* The keyboard still works beside it, and AUXB tells the two apart. */
    kbc_key(m, 0x1E, true);
    CHECK_EQ(in8(m, 0x64) & 0x21, 0x01);
    CHECK_EQ(kbc_get(m), 0x1E);
    kbc_key(m, 0x1E, false);
    kbc_drain(m);

    /* Disabling the aux interface holds its data back. */
    kbc_cmd(m, 0xA7);
    kbc_mouse_move(m, 1, 0, 0, 0);
    CHECK_EQ(kbc_get(m), -1);
    kbc_cmd(m, 0xA8);
    CHECK_EQ(kbc_get(m), 0x08);
    machine_destroy(m);
}

int main(void)
{
    test_controller();
    test_keyboard();
    test_one_byte_at_a_time();
    test_mouse();
    if (failures) {
        fprintf(stderr, "kbc_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("kbc_test: ok\n");
    return 0;
}

/* Unit test of the dual 8259A: initialisation, priority and nesting, EOI
 * forms, rotation, AEOI, poll, special mask, special fully nested, cascade, ELCR level inputs,
 * spurious IRQ 7, and state save/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "devices/chipset/pic.h"

#include "check.h"
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                       \
        if (a_ != b_) {                                                                                      \
            fprintf(stderr, "%s:%d: %s == %#llx, expected %s == %#llx\n", __FILE__, __LINE__, #a, a_, #b,    \
                    b_);                                                                                     \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static struct machine *new_machine(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 1, .ips = 1000000000, .bare = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m || pic_init(m) < 0) {
        fprintf(stderr, "setup: %s\n", m ? m->error : err);
        exit(1);
    }
    return m;
}

static void out8(struct machine *m, uint16_t port, uint8_t v)
{
    bus_io_write(m, port, v, 1);
}

static uint8_t in8(struct machine *m, uint16_t port)
{
    return (uint8_t)bus_io_read(m, port, 1);
}

/* The PC BIOS sequence: ICW1 edge/cascade/ICW4, vectors 08h and 70h,
 * slave on IR2, 8086 mode (plus AEOI if asked), then every IRQ unmasked. */
static void init_pics(struct machine *m, uint8_t icw4_master)
{
    out8(m, 0x20, 0x11);
    out8(m, 0x21, 0x08);
    out8(m, 0x21, 0x04);
    out8(m, 0x21, icw4_master);
    out8(m, 0xa0, 0x11);
    out8(m, 0xa1, 0x70);
    out8(m, 0xa1, 0x02);
    out8(m, 0xa1, 0x01);
    out8(m, 0x21, 0x00);
    out8(m, 0xa1, 0x00);
}

static int ack(struct machine *m)
{
    return m->intr_ack(m->intr_opaque);
}

static uint8_t read_isr(struct machine *m, uint16_t base)
{
    out8(m, base, 0x0b); /* OCW3: read ISR */
    return in8(m, base);
}

static uint8_t read_irr(struct machine *m, uint16_t base)
{
    out8(m, base, 0x0a); /* OCW3: read IRR */
    return in8(m, base);
}

static void test_basic(void)
{
    struct machine *m = new_machine();
    CHECK(m->pic && m->intr_ack);
    /* Power-on: everything masked. */
    CHECK_EQ(in8(m, 0x21), 0xff);
    pic_set_irq(m, 0, true);
    CHECK(!m->cpu.intr_line);
    pic_set_irq(m, 0, false);

    init_pics(m, 0x01);
    CHECK_EQ(in8(m, 0x21), 0x00);
    CHECK(!m->cpu.intr_line); /* ICW1 reset the edge latch of that old IRQ 0 */
    pic_set_irq(m, 0, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(read_irr(m, 0x20), 0x01);
    CHECK_EQ(ack(m), 0x08);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(read_isr(m, 0x20), 0x01);
    CHECK_EQ(read_irr(m, 0x20), 0x00); /* the edge request was consumed */
    out8(m, 0x20, 0x20);               /* non-specific EOI */
    CHECK_EQ(read_isr(m, 0x20), 0x00);
    /* Edge triggered: a line held high does not request again... */
    CHECK(!m->cpu.intr_line);
    /* ...a new rising edge does. */
    pic_set_irq(m, 0, false);
    pic_set_irq(m, 0, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x08);
    out8(m, 0x20, 0x60); /* specific EOI for IR0 */
    CHECK_EQ(read_isr(m, 0x20), 0x00);
    pic_set_irq(m, 0, false);

    /* An edge latched while masked is kept in IRR and served on unmask. */
    out8(m, 0x21, 0x10);
    pic_set_irq(m, 4, true);
    pic_set_irq(m, 4, false);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(read_irr(m, 0x20), 0x10);
    out8(m, 0x21, 0x00);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x0c);
    out8(m, 0x20, 0x20);

    /* IRQ 2 on the ISA bus arrives as IRQ 9. */
    pic_set_irq(m, 2, true);
    CHECK_EQ(ack(m), 0x71);
    out8(m, 0xa0, 0x20);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 2, false);

    /* ICW1 in the middle of a request drops INTR until initialised. */
    pic_set_irq(m, 5, true);
    CHECK(m->cpu.intr_line);
    out8(m, 0x20, 0x11);
    CHECK(!m->cpu.intr_line);
    out8(m, 0x21, 0x08);
    out8(m, 0x21, 0x04);
    out8(m, 0x21, 0x01);
    CHECK(!m->cpu.intr_line); /* edge sense was reset: needs a new edge */
    pic_set_irq(m, 5, false);
    machine_destroy(m);
}

static void test_priority(void)
{
    struct machine *m = new_machine();
    init_pics(m, 0x01);
    pic_set_irq(m, 3, true);
    pic_set_irq(m, 1, true);
    CHECK_EQ(ack(m), 0x09);   /* IR1 outranks IR3 */
    CHECK(!m->cpu.intr_line); /* IR3 waits behind IR1 in service */
    pic_set_irq(m, 0, true);
    CHECK(m->cpu.intr_line); /* IR0 outranks IR1: nests */
    CHECK_EQ(ack(m), 0x08);
    CHECK_EQ(read_isr(m, 0x20), 0x03);
    out8(m, 0x20, 0x20); /* clears the highest in service, IR0 */
    CHECK_EQ(read_isr(m, 0x20), 0x02);
    CHECK(!m->cpu.intr_line);
    out8(m, 0x20, 0x20);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x0b);
    out8(m, 0x20, 0x20);
    for (int i = 0; i < 4; i++)
        pic_set_irq(m, i, false);

    /* Rotate on non-specific EOI: the served level becomes the lowest. */
    pic_set_irq(m, 0, true);
    CHECK_EQ(ack(m), 0x08);
    out8(m, 0x20, 0xa0);
    pic_set_irq(m, 0, false);
    pic_set_irq(m, 0, true);
    pic_set_irq(m, 1, true);
    CHECK_EQ(ack(m), 0x09);
    out8(m, 0x20, 0xe1); /* rotate on specific EOI for IR1: IR1 lowest, IR2 highest */
    CHECK_EQ(ack(m), 0x08);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 0, false);
    pic_set_irq(m, 1, false);

    /* Set priority: IR4 lowest, so IR5 highest. */
    out8(m, 0x20, 0xc4);
    pic_set_irq(m, 3, true);
    pic_set_irq(m, 6, true);
    CHECK_EQ(ack(m), 0x0e);
    out8(m, 0x20, 0x20);
    CHECK_EQ(ack(m), 0x0b);
    out8(m, 0x20, 0x20);
    out8(m, 0x20, 0xc7); /* back to IR0 highest */
    pic_set_irq(m, 3, false);
    pic_set_irq(m, 6, false);

    /* Special mask mode: IR3 in service masks itself and lets IR5 in. */
    pic_set_irq(m, 3, true);
    CHECK_EQ(ack(m), 0x0b);
    pic_set_irq(m, 5, true);
    CHECK(!m->cpu.intr_line);
    out8(m, 0x21, 0x08);
    CHECK(!m->cpu.intr_line); /* plain masking does not unblock */
    out8(m, 0x20, 0x68);      /* OCW3: set special mask */
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x0d);
    out8(m, 0x20, 0x65); /* specific EOI IR5 */
    out8(m, 0x20, 0x48); /* reset special mask */
    out8(m, 0x20, 0x63);
    out8(m, 0x21, 0x00);
    CHECK_EQ(read_isr(m, 0x20), 0x00);
    machine_destroy(m);
}

static void test_cascade_level_spurious(void)
{
    struct machine *m = new_machine();
    init_pics(m, 0x01);
    pic_set_irq(m, 10, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x72);
    CHECK_EQ(read_isr(m, 0x20), 0x04);
    CHECK_EQ(read_isr(m, 0xa0), 0x04);
    /* A slave request outranking the in-service one is still blocked at the
     * master in fully nested mode (IR2 in service). */
    pic_set_irq(m, 8, true);
    CHECK(!m->cpu.intr_line);
    /* But a master IR1 request gets through. */
    pic_set_irq(m, 1, true);
    CHECK_EQ(ack(m), 0x09);
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 1, false);
    out8(m, 0xa0, 0x20); /* slave EOI: IR8 now pending at the slave */
    out8(m, 0x20, 0x20); /* master EOI: the slave's INT reaches the CPU */
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x70);
    out8(m, 0xa0, 0x20);
    out8(m, 0x20, 0x20);
    CHECK(!m->cpu.intr_line);
    pic_set_irq(m, 8, false);
    pic_set_irq(m, 10, false);

    /* ELCR: only the bits that exist stick (IRQ 0-2, 8, 13 are edge only). */
    out8(m, 0x4d0, 0xff);
    out8(m, 0x4d1, 0xff);
    CHECK_EQ(in8(m, 0x4d0), 0xf8);
    CHECK_EQ(in8(m, 0x4d1), 0xde);
    out8(m, 0x4d0, 0x08); /* IRQ 3 level */
    out8(m, 0x4d1, 0x08); /* IRQ 11 level */

    /* Level: the request follows the line and comes back after EOI while
     * the line stays high. */
    pic_set_irq(m, 11, true);
    CHECK_EQ(ack(m), 0x73);
    out8(m, 0xa0, 0x20);
    out8(m, 0x20, 0x20);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x73);
    pic_set_irq(m, 11, false); /* the handler quiets the device */
    out8(m, 0xa0, 0x20);
    out8(m, 0x20, 0x20);
    CHECK(!m->cpu.intr_line);

    /* Spurious IRQ 7: the level request vanishes before INTA. The vector is
     * IR7's and no ISR bit is set. */
    pic_set_irq(m, 3, true);
    CHECK(m->cpu.intr_line);
    pic_set_irq(m, 3, false);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x0f);
    CHECK_EQ(read_isr(m, 0x20), 0x00);

    /* A slave request that goes away before INTA takes the master's IR2
     * request with it (the slave's INT is a level output), so an INTA
     * there is a master spurious IRQ 7 and no ISR bit is set anywhere. */
    pic_set_irq(m, 11, true);
    CHECK(m->cpu.intr_line);
    out8(m, 0xa1, 0x08);
    CHECK(!m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x0f);
    CHECK_EQ(read_isr(m, 0xa0), 0x00);
    CHECK_EQ(read_isr(m, 0x20), 0x00);
    out8(m, 0xa1, 0x00);
    CHECK(m->cpu.intr_line); /* unmasked again: the level is still there */
    pic_set_irq(m, 11, false);
    CHECK(!m->cpu.intr_line);
    machine_destroy(m);
}

static void test_aeoi_poll_save(void)
{
    struct machine *m = new_machine();
    init_pics(m, 0x03); /* master in auto-EOI */
    pic_set_irq(m, 4, true);
    pic_set_irq(m, 6, true);
    CHECK_EQ(ack(m), 0x0c);
    CHECK_EQ(read_isr(m, 0x20), 0x00);
    CHECK(m->cpu.intr_line); /* nothing in service, IR6 goes next */
    CHECK_EQ(ack(m), 0x0e);
    pic_set_irq(m, 4, false);
    pic_set_irq(m, 6, false);

    /* Slave requests through an AEOI master: two pending slave IRs must both
     * be delivered (the cascade input sees a fresh edge). */
    out8(m, 0xa0, 0x11);
    out8(m, 0xa1, 0x70);
    out8(m, 0xa1, 0x02);
    out8(m, 0xa1, 0x03);
    out8(m, 0xa1, 0x00);
    pic_set_irq(m, 12, true);
    pic_set_irq(m, 14, true);
    CHECK_EQ(ack(m), 0x74);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x76);
    CHECK(!m->cpu.intr_line);
    pic_set_irq(m, 12, false);
    pic_set_irq(m, 14, false);

    /* Special fully nested mode (ICW4.SFNM on the master): a higher slave
     * request gets through while another slave IR is in service. */
    init_pics(m, 0x11);
    pic_set_irq(m, 10, true);
    CHECK_EQ(ack(m), 0x72);
    pic_set_irq(m, 9, true);
    CHECK(m->cpu.intr_line);
    CHECK_EQ(ack(m), 0x71);
    CHECK_EQ(read_isr(m, 0xa0), 0x06);
    out8(m, 0xa0, 0x20);
    out8(m, 0xa0, 0x20);
    out8(m, 0x20, 0x20);
    CHECK(!m->cpu.intr_line);
    pic_set_irq(m, 9, false);
    pic_set_irq(m, 10, false);

    /* Poll mode: the read is the acknowledge. */
    init_pics(m, 0x01);
    pic_set_irq(m, 5, true);
    out8(m, 0x20, 0x0c);
    CHECK_EQ(in8(m, 0x20), 0x85);
    CHECK_EQ(read_isr(m, 0x20), 0x20);
    out8(m, 0x20, 0x0c);
    CHECK_EQ(in8(m, 0x20), 0x00); /* nothing requested */
    out8(m, 0x20, 0x20);
    pic_set_irq(m, 5, false);

    /* Save/load round trip. */
    out8(m, 0x21, 0xda);
    pic_set_irq(m, 7, true);
    size_t len = 0;
    uint8_t *buf = NULL;
    CHECK(state_device_save(m, m->pic, &buf, &len) == 0);
    out8(m, 0x21, 0x00);
    CHECK(m->cpu.intr_line);
    CHECK(state_device_load(m, m->pic, buf, len) == 0);
    CHECK_EQ(in8(m, 0x21), 0xda);
    CHECK(!m->cpu.intr_line); /* IR7 masked again */
    out8(m, 0x21, 0x00);
    CHECK_EQ(ack(m), 0x0f);
    CHECK_EQ(read_isr(m, 0x20), 0x80);                     /* a real IR7 this time */
    CHECK(state_device_load(m, m->pic, buf, len - 1) < 0); /* cut short */
    free(buf);

    /* Two machines are independent. */
    struct machine *m2 = new_machine();
    init_pics(m2, 0x01);
    pic_set_irq(m2, 1, true);
    CHECK(m2->cpu.intr_line);
    CHECK_EQ(read_irr(m, 0x20) & 0x02, 0);
    machine_destroy(m2);
    machine_destroy(m);
}

int main(void)
{
    test_basic();
    test_priority();
    test_cascade_level_spurious();
    test_aeoi_poll_save();
    if (failures) {
        fprintf(stderr, "pic_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("pic_test: ok\n");
    return 0;
}

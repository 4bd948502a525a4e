/* Dual 8259A programmable interrupt controller (Intel 8259A datasheet,
 * order no. 231468) with the PIIX edge/level control registers (ELCR). */
#include "devices/chipset/pic.h"

#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/ioapic.h"

#define PIC_MAGIC 0x31434950u /* "PIC1" */

/* ICW1 and ICW4 bits. */
#define ICW1_IC4  0x01u
#define ICW1_SNGL 0x02u
#define ICW1_LTIM 0x08u
#define ICW4_AEOI 0x02u
#define ICW4_SFNM 0x10u

#define PIC_CASCADE_IRQ 2

struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t lines;     /* levels of the IR inputs */
    uint8_t elcr;      /* 1 = level triggered (PIIX ELCR) */
    uint8_t elcr_mask; /* ELCR bits that exist: IRQ 0-2, 8 and 13 are edge only */
    uint8_t icw1, icw2, icw3, icw4;
    uint8_t init_step; /* 0 = operational, else the ICW expected next (2-4) */
    uint8_t lowest;    /* IR with the lowest priority; rotation moves it */
    uint8_t read_isr;  /* OCW3 RR/RIS: port A0=0 reads ISR instead of IRR */
    uint8_t poll;      /* OCW3 P: next read is a poll */
    uint8_t special_mask;
    uint8_t rotate_aeoi;
    uint8_t is_master;
    uint8_t pad;
};

struct pic_state {
    uint32_t magic;
    uint32_t size;
    struct pic_chip chip[2]; /* 0 master, 1 slave */
    uint8_t intr;            /* INTR output as last reported to the CPU */
    uint8_t pad[7];
};

struct pic {
    struct pic_state st;
    /* Pointers last: everything above is plain data. */
    struct machine *m;
};

static uint8_t pic_level_mask(const struct pic_chip *c)
{
    /* ICW1.LTIM makes every input level triggered; otherwise the ELCR picks. */
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* Priority rank of an IR: 0 is served first. */
static int pic_rank(const struct pic_chip *c, int irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* The highest-priority IR set in `bits`, or -1. */
static int pic_highest(const struct pic_chip *c, uint8_t bits)
{
    if (!bits)
        return -1;
    for (int k = 0; k < 8; k++) {
        int irq = (c->lowest + 1 + k) & 7;
        if (bits & (1u << irq))
            return irq;
    }
    return -1;
}

static bool pic_is_cascade(const struct pic_chip *c, int irq)
{
    return c->is_master && !(c->icw1 & ICW1_SNGL) && (c->icw3 & (1u << irq));
}

/* The IR this chip would hand out on INTA now, or -1: the best unmasked
 * request that outranks everything in service (datasheet "Priority
 * Resolver"). */
static int pic_chip_pending(const struct pic_chip *c)
{
    if (c->init_step)
        return -1;
    int req = pic_highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    uint8_t ins = c->isr;
    /* Special mask mode: a masked level no longer inhibits lower ones. */
    if (c->special_mask)
        ins &= ~c->imr;
    int cur = pic_highest(c, ins);
    if (cur < 0 || pic_rank(c, req) < pic_rank(c, cur))
        return req;
    /* Special fully nested mode: the master takes a further request from a
     * slave that is already in service (datasheet "Special Fully Nest Mode"). */
    if (req == cur && (c->icw4 & ICW4_SFNM) && pic_is_cascade(c, req))
        return req;
    return -1;
}

static void pic_chip_set_line(struct pic_chip *c, int irq, bool level)
{
    uint8_t bit = 1u << irq;
    if (pic_level_mask(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit; /* rising edge */
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= ~bit;
}

/* Propagate the slave's INT to master IR2 and the master's INT to the CPU. */
static void pic_update(struct pic *p)
{
    struct pic_chip *ms = &p->st.chip[0], *sl = &p->st.chip[1];
    bool slave_int = pic_chip_pending(sl) >= 0;
    pic_chip_set_line(ms, PIC_CASCADE_IRQ, slave_int);
    /* Device lines keep an edge request latched, but the slave's INT is a
     * level output: when it falls (the slave's request was masked or went
     * away) the master no longer sees one, as the 8259A's IRR, which ANDs
     * the edge latch with the input level, would not. */
    if (!slave_int)
        ms->irr &= ~(1u << PIC_CASCADE_IRQ);
    uint8_t intr = pic_chip_pending(ms) >= 0;
    if (intr != p->st.intr) {
        p->st.intr = intr;
        machine_pic_intr(p->m, intr);
    }
}

/* One acknowledge (INTA or poll) on one chip: returns the IR or -1 when
 * nothing is requested any more (the caller reports IR7, spurious, and no
 * ISR bit is set, per the datasheet's note on spurious interrupts). */
static int pic_chip_ack(struct pic_chip *c)
{
    int irq = pic_chip_pending(c);
    if (irq < 0)
        return -1;
    uint8_t bit = 1u << irq;
    /* An edge request is consumed; a level one stays as long as the line. */
    if (!(pic_level_mask(c) & bit))
        c->irr &= ~bit;
    if (c->icw4 & ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = irq;
    } else {
        c->isr |= bit;
    }
    return irq;
}

int pic_intr_ack(void *opaque)
{
    struct pic *p = opaque;
    struct pic_chip *ms = &p->st.chip[0], *sl = &p->st.chip[1];
    int vector;
    int irq = pic_chip_ack(ms);
    if (irq < 0) {
        vector = (ms->icw2 & 0xf8) | 7;
    } else if (pic_is_cascade(ms, irq) && irq == PIC_CASCADE_IRQ) {
        int sirq = pic_chip_ack(sl);
        vector = (sl->icw2 & 0xf8) | (sirq < 0 ? 7 : sirq);
        /* The cascade input is edge triggered: drop it so that a slave that
         * still requests (AEOI, or several IRs pending) makes a fresh edge. */
        ms->lines &= ~(1u << PIC_CASCADE_IRQ);
    } else {
        vector = (ms->icw2 & 0xf8) | irq;
    }
    pic_update(p);
    return vector;
}

static void pic_chip_eoi(struct pic_chip *c, int irq, bool rotate)
{
    if (irq < 0)
        return;
    c->isr &= ~(1u << irq);
    if (rotate)
        c->lowest = irq;
}

static void pic_chip_write(struct pic_chip *c, int a0, uint8_t v)
{
    if (!a0) {
        if (v & 0x10) {
            /* ICW1 starts initialisation: IMR cleared, IR7 lowest, special
             * mask off, status read = IRR, edge sense reset (so an edge
             * input needs a fresh rising edge), ICW4 cleared unless IC4. */
            c->icw1 = v;
            c->init_step = 2;
            c->imr = 0;
            c->isr = 0;
            c->irr &= pic_level_mask(c);
            c->irr |= c->lines & pic_level_mask(c);
            c->lowest = 7;
            c->special_mask = 0;
            c->read_isr = 0;
            c->poll = 0;
            c->rotate_aeoi = 0;
            if (!(v & ICW1_IC4))
                c->icw4 = 0;
        } else if (v & 0x08) {
            /* OCW3 */
            if (v & 0x04)
                c->poll = 1;
            if (v & 0x02)
                c->read_isr = v & 1;
            if (v & 0x40)
                c->special_mask = (v >> 5) & 1;
        } else {
            /* OCW2: R, SL, EOI in bits 7-5, the level in bits 2-0. */
            int level = v & 7;
            switch (v >> 5) {
            case 0: c->rotate_aeoi = 0; break;
            case 1: pic_chip_eoi(c, pic_highest(c, c->isr), false); break;
            case 2: break;
            case 3: pic_chip_eoi(c, level, false); break;
            case 4: c->rotate_aeoi = 1; break;
            case 5: pic_chip_eoi(c, pic_highest(c, c->isr), true); break;
            case 6: c->lowest = level; break;
            case 7: pic_chip_eoi(c, level, true); break;
            }
        }
        return;
    }
    switch (c->init_step) {
    case 2:
        c->icw2 = v;
        if (!(c->icw1 & ICW1_SNGL))
            c->init_step = 3;
        else
            c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 4:
        c->icw4 = v;
        c->init_step = 0;
        break;
    default:
        c->imr = v; /* OCW1 */
        break;
    }
}

static uint8_t pic_chip_read(struct pic_chip *c, int a0)
{
    if (c->poll) {
        /* Poll: this read is the acknowledge; bit 7 says whether anything
         * was requested, bits 2-0 which level (datasheet "The Poll Command"). */
        c->poll = 0;
        int irq = pic_chip_ack(c);
        return irq < 0 ? 0 : (uint8_t)(0x80 | irq);
    }
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static uint32_t pic_io_read(void *opaque, uint16_t port, int size)
{
    struct pic *p = opaque;
    uint8_t v;
    (void)size; /* registered IO_BYTES: always 1 */
    switch (port) {
    case 0x4d0: return p->st.chip[0].elcr;
    case 0x4d1: return p->st.chip[1].elcr;
    }
    struct pic_chip *c = &p->st.chip[port >= 0xa0];
    bool polled = c->poll;
    v = pic_chip_read(c, port & 1);
    if (polled)
        pic_update(p);
    return v;
}

static void pic_set_elcr(struct pic_chip *c, uint8_t v)
{
    c->elcr = v & c->elcr_mask;
    uint8_t lvl = pic_level_mask(c);
    c->irr = (c->irr & ~lvl) | (c->lines & lvl);
}

static void pic_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct pic *p = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (port) {
    case 0x4d0: pic_set_elcr(&p->st.chip[0], v); break;
    case 0x4d1: pic_set_elcr(&p->st.chip[1], v); break;
    default: pic_chip_write(&p->st.chip[port >= 0xa0], port & 1, v); break;
    }
    pic_update(p);
}

void pic_set_irq(struct machine *m, int irq, bool level)
{
    struct pic *p = m->pic;
    if (!p || irq < 0 || irq > 15)
        return;
    /* Every ISA line also reaches the I/O APIC (MP spec §5.1 default
     * configurations: both controllers see the IRQs). */
    if (m->ioapic)
        ioapic_set_isa_irq(m->ioapic, irq, level);
    /* On the AT bus the old IRQ 2 pin is wired to slave IR1 (IRQ 9); master
     * IR2 belongs to the slave's INT output. */
    if (irq == PIC_CASCADE_IRQ)
        irq = 9;
    pic_chip_set_line(&p->st.chip[irq >> 3], irq & 7, level);
    pic_update(p);
}

bool pic_intr_pending(struct machine *m)
{
    return m->pic && m->pic->st.intr;
}

static void pic_chip_reset(struct pic_chip *c, bool master)
{
    uint8_t lines = c->lines; /* the wires keep whatever the devices drive */
    memset(c, 0, sizeof(*c));
    c->lines = lines;
    c->is_master = master;
    c->elcr_mask = master ? 0xf8 : 0xde;
    c->icw1 = ICW1_IC4 | 0x10;
    c->icw2 = master ? 0x08 : 0x70;
    c->icw3 = master ? 1u << PIC_CASCADE_IRQ : PIC_CASCADE_IRQ;
    c->icw4 = 0x01; /* 8086 mode */
    c->imr = 0xff;
    c->lowest = 7;
}

void pic_reset(struct pic *p)
{
    pic_chip_reset(&p->st.chip[0], true);
    pic_chip_reset(&p->st.chip[1], false);
    p->st.intr = 0;
    machine_pic_intr(p->m, false);
    pic_update(p);
}

static void pic_reset_hook(void *opaque)
{
    pic_reset(opaque);
}

static int pic_state_fn(struct state *s, void *opaque);

static void pic_free_hook(void *opaque)
{
    pic_free(opaque);
}

int pic_init(struct machine *m)
{
    struct pic *p = calloc(1, sizeof(*p));
    if (!p)
        return machine_error(m, "pic: out of memory");
    p->m = m;
    p->st.magic = PIC_MAGIC;
    p->st.size = sizeof(p->st);
    if (bus_register_io(m, 0x20, 2, pic_io_read, pic_io_write, p, IO_BYTES) < 0 ||
        bus_register_io(m, 0xa0, 2, pic_io_read, pic_io_write, p, IO_BYTES) < 0 ||
        bus_register_io(m, 0x4d0, 2, pic_io_read, pic_io_write, p, IO_BYTES) < 0) {
        free(p);
        return machine_error(m, "pic: I/O port table full");
    }
    m->pic = p;
    m->intr_ack = pic_intr_ack;
    m->intr_opaque = p;
    pic_reset(p);
    if (machine_register_device(m, "pic", p, pic_reset_hook, pic_free_hook) < 0) {
        pic_free(p);
        return -1;
    }
    machine_device_state(m, p, 1, pic_state_fn);
    return 0;
}

void pic_free(struct pic *p)
{
    if (!p)
        return;
    struct machine *m = p->m;
    bus_unregister_io(m, 0x20, 2);
    bus_unregister_io(m, 0xa0, 2);
    bus_unregister_io(m, 0x4d0, 2);
    if (m->pic == p)
        m->pic = NULL;
    if (m->intr_opaque == p) {
        m->intr_ack = NULL;
        m->intr_opaque = NULL;
    }
    free(p);
}

/* The state stream's section (devices/board/state.h). */
static int pic_state_fn(struct state *s, void *opaque)
{
    struct pic *p = opaque;
    for (int i = 0; i < 2; i++) {
        struct pic_chip *c = &p->st.chip[i];
        STATE(s, c->irr);
        STATE(s, c->isr);
        STATE(s, c->imr);
        STATE(s, c->lines);
        STATE(s, c->elcr);
        STATE(s, c->elcr_mask);
        STATE(s, c->icw1);
        STATE(s, c->icw2);
        STATE(s, c->icw3);
        STATE(s, c->icw4);
        STATE(s, c->init_step);
        STATE_INDEX(s, c->lowest, 8);
        STATE(s, c->read_isr);
        STATE(s, c->poll);
        STATE(s, c->special_mask);
        STATE(s, c->rotate_aeoi);
        STATE(s, c->is_master);
    }
    STATE(s, p->st.intr);
    if (state_loading(s) && !state_failed(s)) {
        machine_pic_intr(p->m, p->st.intr);
        pic_update(p);
    }
    return 0;
}

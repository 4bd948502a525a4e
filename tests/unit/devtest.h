/* Shared helpers for the device unit tests (rtc, kbc, uart, sysports): a
 * bare machine with the PICs programmed as a PC BIOS leaves them, port
 * access, virtual time, and interrupt checks. */
#ifndef REX86_TESTS_DEVTEST_H
#define REX86_TESTS_DEVTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
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

static inline void out8(struct machine *m, uint16_t port, uint8_t v)
{
    bus_io_write(m, port, v, 1);
}
static inline uint8_t in8(struct machine *m, uint16_t port)
{
    return (uint8_t)bus_io_read(m, port, 1);
}

/* Text the machine hands to the frontend, collected per source. */
struct text_log {
    char src[16];
    char buf[4096];
    size_t len;
};

static inline void text_sink(void *opaque, const char *src, const uint8_t *buf, size_t len)
{
    struct text_log *t = opaque;
    snprintf(t->src, sizeof(t->src), "%s", src);
    for (size_t i = 0; i < len && t->len < sizeof(t->buf) - 1; i++)
        t->buf[t->len++] = (char)buf[i];
    t->buf[t->len] = 0;
}

/* 1 GHz virtual clock: one instruction is one nanosecond. */
static inline struct machine *new_machine_cfg(struct machine_config cfg)
{
    char err[256];
    cfg.bare = true;
    cfg.ips = 1000000000;
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m || pic_init(m) < 0) {
        fprintf(stderr, "setup: %s\n", m ? m->error : err);
        exit(1);
    }
    /* ICW1-4 as a PC BIOS: vectors 08h/70h, cascade on IR2, all unmasked. */
    out8(m, 0x20, 0x11);
    out8(m, 0x21, 0x08);
    out8(m, 0x21, 0x04);
    out8(m, 0x21, 0x01);
    out8(m, 0xA0, 0x11);
    out8(m, 0xA1, 0x70);
    out8(m, 0xA1, 0x02);
    out8(m, 0xA1, 0x01);
    out8(m, 0x21, 0x00);
    out8(m, 0xA1, 0x00);
    return m;
}

static inline struct machine *new_machine(void)
{
    struct machine_config cfg = {.cpu_model = CPU_PENTIUM, .ram_mb = 32, .deterministic = true};
    return new_machine_cfg(cfg);
}

/* Let ns of virtual time pass, firing the events that fall due. */
static inline void advance_ns(struct machine *m, uint64_t ns)
{
    m->cpu.icount += ns;
    clock_sync(m);
}

/* The vector the PIC delivers now (acknowledged and EOI'd), or -1. */
static inline int take_irq(struct machine *m)
{
    if (!pic_intr_pending(m))
        return -1;
    int v = m->intr_ack(m->intr_opaque);
    if (v >= 0x70)
        out8(m, 0xA0, 0x20);
    out8(m, 0x20, 0x20);
    return v;
}

#define IRQ_VEC(irq) ((irq) < 8 ? 0x08 + (irq) : 0x70 + (irq)-8)

#endif

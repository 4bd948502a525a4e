/* 16550A UARTs: COM1-COM4 at 0x3F8/0x2F8/0x3E8/0x2E8 on IRQ 4/3/4/3, with
 * FIFOs, loopback and OUT2-gated interrupts; output goes to a chardev. */
#ifndef REX86_UART_H
#define REX86_UART_H

#include <stddef.h>
#include <stdint.h>

#include "devices/serial/chardev.h"

struct machine;

#define UART_COUNT 4

/* Creates COM(index+1) (index 0-3) with its output going to the chardev spec
 * ("none", "stdio", "file:PATH"; NULL = none). Every byte the guest sends is
 * also passed to machine_text(m, "com1".."com4", ...). Returns 0 or -1. */
int uart_init(struct machine *m, int index, const char *backend_spec);
/* Replace the port's backend (e.g. a frontend callback); takes ownership. */
void uart_set_backend(struct machine *m, int index, const struct chardev *cd);
/* Bytes from the outside world for the guest. They are queued without limit
 * and delivered at the line rate the guest programmed, never faster than the
 * receive FIFO drains, so no byte is lost however slow the guest is. */
void uart_receive(struct machine *m, int index, const uint8_t *buf, size_t len);
/* Bytes received but not yet delivered to the guest. */
size_t uart_receive_backlog(struct machine *m, int index);

#endif

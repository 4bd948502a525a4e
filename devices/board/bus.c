/* The port-I/O and MMIO buses: registration tables and dispatch. */
#include "devices/board/bus.h"

#include "devices/board/machine.h"

int bus_register_io(struct machine *m, uint16_t base, uint32_t count, io_read_fn rd, io_write_fn wr,
                    void *opaque, unsigned flags)
{
    struct bus *b = &m->bus;
    if (b->io_count == 0)
        b->io_count = 1; /* slot 0 means unclaimed */
    if (b->io_count >= BUS_MAX_IO)
        return machine_error(m, "too many I/O port ranges registered");
    int idx = b->io_count++;
    b->io[idx] = (struct io_handler){rd, wr, opaque, flags};
    for (uint32_t p = base; p < (uint32_t)base + count && p < 65536; p++)
        b->io_map[p] = (uint8_t)idx;
    return 0;
}

void bus_unregister_io(struct machine *m, uint16_t base, uint32_t count)
{
    for (uint32_t p = base; p < (uint32_t)base + count && p < 65536; p++)
        m->bus.io_map[p] = 0;
}

int bus_register_mmio(struct machine *m, uint32_t base, uint32_t len, mmio_read_fn rd, mmio_write_fn wr,
                      void *opaque)
{
    struct bus *b = &m->bus;
    if (b->mmio_count >= BUS_MAX_MMIO)
        return machine_error(m, "too many MMIO regions registered");
    b->mmio[b->mmio_count++] = (struct mmio_region){base, len, rd, wr, opaque};
    uint32_t first = base & ~(MEM_PAGE_SIZE - 1);
    uint64_t end = (uint64_t)base + len;
    mem_unmap(m, first, (uint32_t)(((end + MEM_PAGE_SIZE - 1) & ~(uint64_t)(MEM_PAGE_SIZE - 1)) - first));
    return 0;
}

static uint32_t io_read_one(struct machine *m, uint16_t port, int size)
{
    struct io_handler *h = &m->bus.io[m->bus.io_map[port]];
    if (!m->bus.io_map[port] || !h->read)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if ((h->flags & IO_BYTES) && size > 1) {
        uint32_t v = 0;
        for (int k = 0; k < size; k++)
            v |= io_read_one(m, (uint16_t)(port + k), 1) << (8 * k);
        return v;
    }
    return h->read(h->opaque, port, size);
}

uint32_t bus_io_read(struct machine *m, uint16_t port, int size)
{
    struct io_handler *h = &m->bus.io[m->bus.io_map[port]];
    /* A wide access that spans two devices is split into bytes. */
    if (size > 1 && m->bus.io_map[port] != m->bus.io_map[(uint16_t)(port + size - 1)]) {
        uint32_t v = 0;
        for (int k = 0; k < size; k++)
            v |= io_read_one(m, (uint16_t)(port + k), 1) << (8 * k);
        return v;
    }
    (void)h;
    return io_read_one(m, port, size);
}

static void io_write_one(struct machine *m, uint16_t port, uint32_t value, int size)
{
    struct io_handler *h = &m->bus.io[m->bus.io_map[port]];
    if (!m->bus.io_map[port] || !h->write)
        return;
    if ((h->flags & IO_BYTES) && size > 1) {
        for (int k = 0; k < size; k++)
            io_write_one(m, (uint16_t)(port + k), (value >> (8 * k)) & 0xFF, 1);
        return;
    }
    h->write(h->opaque, port, value, size);
}

void bus_io_write(struct machine *m, uint16_t port, uint32_t value, int size)
{
    if (size > 1 && m->bus.io_map[port] != m->bus.io_map[(uint16_t)(port + size - 1)]) {
        for (int k = 0; k < size; k++)
            io_write_one(m, (uint16_t)(port + k), (value >> (8 * k)) & 0xFF, 1);
        return;
    }
    io_write_one(m, port, value, size);
}

static struct mmio_region *mmio_find(struct machine *m, uint32_t addr)
{
    for (int k = 0; k < m->bus.mmio_count; k++) {
        struct mmio_region *r = &m->bus.mmio[k];
        if (addr - r->base < r->len)
            return r;
    }
    return NULL;
}

int bus_mmio_read(struct machine *m, uint32_t addr, int size, uint32_t *value)
{
    struct mmio_region *r = mmio_find(m, addr);
    if (!r)
        return 0;
    *value = r->read ? r->read(r->opaque, addr, size) : 0xFFFFFFFFu;
    return 1;
}

int bus_mmio_write(struct machine *m, uint32_t addr, uint32_t value, int size)
{
    struct mmio_region *r = mmio_find(m, addr);
    if (!r)
        return 0;
    if (r->write)
        r->write(r->opaque, addr, value, size);
    return 1;
}

/* The port-I/O and MMIO buses: devices register ranges with an opaque pointer;
 * the CPU and DMA reach them through bus_io_* and bus_mmio_*. */
#ifndef REX86_BUS_H
#define REX86_BUS_H

#include <stdint.h>

struct machine;

/* size is 1, 2 or 4. Reads of an unclaimed port return all ones. */
typedef uint32_t (*io_read_fn)(void *opaque, uint16_t port, int size);
typedef void (*io_write_fn)(void *opaque, uint16_t port, uint32_t value, int size);
typedef uint32_t (*mmio_read_fn)(void *opaque, uint32_t addr, int size);
typedef void (*mmio_write_fn)(void *opaque, uint32_t addr, uint32_t value, int size);

/* With IO_BYTES the bus splits 16- and 32-bit accesses into byte accesses of
 * consecutive ports, so a byte-wide device sees only size 1. */
#define IO_BYTES 1u

#define BUS_MAX_IO   128
#define BUS_MAX_MMIO 32

struct io_handler {
    io_read_fn read;
    io_write_fn write;
    void *opaque;
    unsigned flags;
};

struct mmio_region {
    uint32_t base, len;
    mmio_read_fn read;
    mmio_write_fn write;
    void *opaque;
};

struct bus {
    uint8_t io_map[65536]; /* index into io[], 0 = unclaimed */
    struct io_handler io[BUS_MAX_IO];
    int io_count;
    struct mmio_region mmio[BUS_MAX_MMIO];
    int mmio_count;
};

/* Returns 0, or a negative value when the table is full. A later
 * registration of the same port replaces the earlier one. */
int bus_register_io(struct machine *m, uint16_t base, uint32_t count, io_read_fn rd, io_write_fn wr,
                    void *opaque, unsigned flags);
void bus_unregister_io(struct machine *m, uint16_t base, uint32_t count);
/* MMIO regions take the pages they cover out of the RAM/ROM map. */
int bus_register_mmio(struct machine *m, uint32_t base, uint32_t len, mmio_read_fn rd, mmio_write_fn wr,
                      void *opaque);

uint32_t bus_io_read(struct machine *m, uint16_t port, int size);
void bus_io_write(struct machine *m, uint16_t port, uint32_t value, int size);
/* Returns 1 and fills *value if addr lies in an MMIO region. */
int bus_mmio_read(struct machine *m, uint32_t addr, int size, uint32_t *value);
int bus_mmio_write(struct machine *m, uint32_t addr, uint32_t value, int size);

#endif

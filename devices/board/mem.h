/* Guest physical memory: RAM, ROM regions and the page map that sends every
 * physical page to host memory (RAM/ROM) or to the MMIO bus. A20 is applied
 * here. */
#ifndef REX86_MEM_H
#define REX86_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct machine;

#define MEM_PAGE_SHIFT 12
#define MEM_PAGE_SIZE  4096u
#define MEM_PAGES      (1u << (32 - MEM_PAGE_SHIFT))

struct mem {
    uint8_t *ram;
    uint32_t ram_size;
    size_t ram_alloc; /* the size of the mapping behind ram */
    /* Host pointer to the start of each physical page, or NULL when the page
     * is MMIO/unmapped (read) or ROM/MMIO/unmapped (write). */
    uint8_t **rd;
    uint8_t **wr;
    uint32_t addr_mask; /* the CPU's address lines (20, 24 or 32) */
    bool a20;
    uint32_t mask; /* addr_mask with bit 20 cleared when A20 is off */
    /* Bumped whenever the map or A20 changes, so caches of it (TLB) refill. */
    uint32_t generation;
    /* Self-modifying code: one byte per RAM page, nonzero while translated
     * code was made from it. Writes to such a page take the slow path and
     * call code_write, which invalidates the translations they overlap. */
    uint8_t *code;
    void (*code_write)(void *opaque, uint32_t pa, uint32_t len);
    void *code_opaque;
};

/* A write of len bytes at RAM address pa (already A20-masked). */
static inline void mem_note_write(struct mem *mm, uint32_t pa, uint32_t len)
{
    if (mm->code && pa < mm->ram_size &&
        (mm->code[pa >> MEM_PAGE_SHIFT] ||
         mm->code[(pa + len - 1 < mm->ram_size ? pa + len - 1 : pa) >> MEM_PAGE_SHIFT]))
        mm->code_write(mm->code_opaque, pa, len);
}

int mem_init(struct machine *m, uint32_t ram_size, uint32_t addr_mask);
void mem_free(struct machine *m);
/* Map host memory at guest physical [base, base+len): writable RAM or
 * read-only ROM. base and len are page-aligned. */
void mem_map_host(struct machine *m, uint32_t base, uint32_t len, uint8_t *host, bool writable);
void mem_unmap(struct machine *m, uint32_t base, uint32_t len);
void mem_set_a20(struct machine *m, bool on);
bool mem_get_a20(struct machine *m);

uint8_t mem_read8_slow(struct machine *m, uint32_t pa);
void mem_write8_slow(struct machine *m, uint32_t pa, uint8_t v);
uint32_t mem_read_slow(struct machine *m, uint32_t pa, int size);
void mem_write_slow(struct machine *m, uint32_t pa, uint32_t v, int size);

/* Copy between guest physical memory and a host buffer (DMA, loaders, BIOS). */
void mem_read_block(struct machine *m, uint32_t pa, void *dst, uint32_t len);
void mem_write_block(struct machine *m, uint32_t pa, const void *src, uint32_t len);

#endif

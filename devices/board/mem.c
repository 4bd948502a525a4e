/* Guest physical memory: the RAM allocation, the per-page host map for RAM
 * and ROM, A20 masking, and the slow paths that fall through to MMIO. */
#include "devices/board/mem.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "devices/board/machine.h"

/* Guest RAM comes straight from the kernel as anonymous memory: it is zero
 * already, and pages the guest never touches are never faulted in (a 128 MB
 * guest booting Linux touches well under half). Where the host has
 * transparent huge pages on request, RAM asks for them: the JIT's loads and
 * stores to guest memory then miss the host TLB far less, and filling RAM
 * takes one fault per 2 MB instead of one per 4 KB. */
static uint8_t *ram_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE); /* a hint: refused is fine */
#endif
    return p;
}

int mem_init(struct machine *m, uint32_t ram_size, uint32_t addr_mask)
{
    struct mem *mm = &m->mem;
    mm->ram_size = ram_size;
    /* Page-aligned (mmap) so host pointers can be handed out per page. */
    mm->ram_alloc = ram_size ? ram_size : MEM_PAGE_SIZE;
    mm->ram = ram_alloc(mm->ram_alloc);
    if (!mm->ram)
        return machine_error(m, "cannot allocate %u MB of guest RAM", ram_size >> 20);
    mm->rd = calloc(MEM_PAGES, sizeof(*mm->rd));
    mm->wr = calloc(MEM_PAGES, sizeof(*mm->wr));
    if (!mm->rd || !mm->wr)
        return machine_error(m, "cannot allocate the guest page map");
    mm->addr_mask = addr_mask;
    mem_map_host(m, 0, ram_size, mm->ram, true);
    mm->a20 = true;
    mm->mask = addr_mask;
    return 0;
}

void mem_free(struct machine *m)
{
    if (m->mem.ram)
        munmap(m->mem.ram, m->mem.ram_alloc);
    free(m->mem.rd);
    free(m->mem.wr);
    free(m->mem.code);
    m->mem.code = NULL;
    m->mem.ram = NULL;
    m->mem.rd = m->mem.wr = NULL;
}

void mem_map_host(struct machine *m, uint32_t base, uint32_t len, uint8_t *host, bool writable)
{
    uint64_t end = (uint64_t)base + len;
    for (uint64_t a = base; a < end; a += MEM_PAGE_SIZE) {
        uint8_t *p = host + (a - base);
        m->mem.rd[a >> MEM_PAGE_SHIFT] = p;
        m->mem.wr[a >> MEM_PAGE_SHIFT] = writable ? p : NULL;
    }
    m->mem.generation++;
}

void mem_unmap(struct machine *m, uint32_t base, uint32_t len)
{
    uint64_t end = (uint64_t)base + len;
    for (uint64_t a = base; a < end; a += MEM_PAGE_SIZE) {
        m->mem.rd[a >> MEM_PAGE_SHIFT] = NULL;
        m->mem.wr[a >> MEM_PAGE_SHIFT] = NULL;
    }
    m->mem.generation++;
}

void mem_set_a20(struct machine *m, bool on)
{
    if (m->mem.a20 == on)
        return;
    m->mem.a20 = on;
    m->mem.mask = on ? m->mem.addr_mask : (m->mem.addr_mask & ~(1u << 20));
    m->mem.generation++;
    /* The soft TLB folds A20 into its host addends: entries filled under
     * the old gate must go now, not at the next miss. */
    cpu_tlb_flush(&m->cpu);
}

bool mem_get_a20(struct machine *m)
{
    return m->mem.a20;
}

uint8_t mem_read8_slow(struct machine *m, uint32_t pa)
{
    pa &= m->mem.mask;
    uint8_t *p = m->mem.rd[pa >> MEM_PAGE_SHIFT];
    if (p)
        return p[pa & (MEM_PAGE_SIZE - 1)];
    uint32_t v;
    if (bus_mmio_read(m, pa, 1, &v))
        return (uint8_t)v;
    return 0xFF;
}

void mem_write8_slow(struct machine *m, uint32_t pa, uint8_t v)
{
    pa &= m->mem.mask;
    uint8_t *p = m->mem.wr[pa >> MEM_PAGE_SHIFT];
    if (p) {
        p[pa & (MEM_PAGE_SIZE - 1)] = v;
        mem_note_write(&m->mem, pa, 1);
        return;
    }
    bus_mmio_write(m, pa, v, 1);
}

uint32_t mem_read_slow(struct machine *m, uint32_t pa, int size)
{
    pa &= m->mem.mask;
    uint32_t off = pa & (MEM_PAGE_SIZE - 1);
    if (off + (uint32_t)size <= MEM_PAGE_SIZE) {
        uint8_t *p = m->mem.rd[pa >> MEM_PAGE_SHIFT];
        if (p) {
            uint32_t v = 0;
            memcpy(&v, p + off, (size_t)size);
            return v;
        }
        uint32_t v;
        if (bus_mmio_read(m, pa, size, &v))
            return v;
    }
    uint32_t v = 0;
    for (int k = 0; k < size; k++)
        v |= (uint32_t)mem_read8_slow(m, pa + (uint32_t)k) << (8 * k);
    return v;
}

void mem_write_slow(struct machine *m, uint32_t pa, uint32_t v, int size)
{
    pa &= m->mem.mask;
    uint32_t off = pa & (MEM_PAGE_SIZE - 1);
    if (off + (uint32_t)size <= MEM_PAGE_SIZE) {
        uint8_t *p = m->mem.wr[pa >> MEM_PAGE_SHIFT];
        if (p) {
            memcpy(p + off, &v, (size_t)size);
            mem_note_write(&m->mem, pa, (uint32_t)size);
            return;
        }
        if (!m->mem.rd[pa >> MEM_PAGE_SHIFT] && bus_mmio_write(m, pa, v, size))
            return;
    }
    for (int k = 0; k < size; k++)
        mem_write8_slow(m, pa + (uint32_t)k, (uint8_t)(v >> (8 * k)));
}

void mem_read_block(struct machine *m, uint32_t pa, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t a = pa & m->mem.mask;
        uint32_t off = a & (MEM_PAGE_SIZE - 1);
        uint32_t n = MEM_PAGE_SIZE - off;
        if (n > len)
            n = len;
        uint8_t *p = m->mem.rd[a >> MEM_PAGE_SHIFT];
        if (p)
            memcpy(d, p + off, n);
        else
            for (uint32_t k = 0; k < n; k++)
                d[k] = mem_read8_slow(m, a + k);
        d += n;
        pa += n;
        len -= n;
    }
}

void mem_write_block(struct machine *m, uint32_t pa, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t a = pa & m->mem.mask;
        uint32_t off = a & (MEM_PAGE_SIZE - 1);
        uint32_t n = MEM_PAGE_SIZE - off;
        if (n > len)
            n = len;
        uint8_t *p = m->mem.wr[a >> MEM_PAGE_SHIFT];
        if (p) {
            memcpy(p + off, s, n);
            mem_note_write(&m->mem, a, n);
        } else
            for (uint32_t k = 0; k < n; k++)
                mem_write8_slow(m, a + k, s[k]);
        s += n;
        pa += n;
        len -= n;
    }
}

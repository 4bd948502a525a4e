/* Memory access slow paths: segment limit and type checks, the page walk
 * (4K/4M pages, A/D bits, WP, PAE), soft-TLB fill and flush, and accesses that
 * cross pages or land on MMIO. */
#include "cpu/cpu_priv.h"

_Static_assert(TLB_SIZE <= 65536, "tlb_used holds 16-bit indexes");

/* Invalidate the entries filled since the last flush, keeping those that
 * map global pages when keep_global is set. */
static void tlb_flush_tracked(struct cpu *c, bool keep_global)
{
    if (!c->tlb_tracked) {
        for (int s = 0; s < 2; s++) {
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                c->tlb[s][k].tag_r = c->tlb[s][k].tag_w = TLB_INVALID;
                c->tlb_flags[s][k] = 0;
            }
            c->tlb_nused[s] = 0;
        }
        c->tlb_tracked = true;
        return;
    }
    for (int s = 0; s < 2; s++) {
        uint32_t kept = 0;
        for (uint32_t n = 0; n < c->tlb_nused[s]; n++) {
            uint16_t k = c->tlb_used[s][n];
            if (keep_global && (c->tlb_flags[s][k] & TLBF_GLOBAL)) {
                c->tlb_used[s][kept++] = k;
                continue;
            }
            c->tlb[s][k].tag_r = c->tlb[s][k].tag_w = TLB_INVALID;
            c->tlb_flags[s][k] = 0;
        }
        c->tlb_nused[s] = kept;
    }
}

void cpu_tlb_flush(struct cpu *c)
{
    tlb_flush_tracked(c, false);
    c->tlb_mem_gen = c->m ? c->m->mem.generation : 0;
}

void cpu_tlb_flush_nonglobal(struct cpu *c)
{
    /* With CR4.PGE clear no entry was filled as global. */
    tlb_flush_tracked(c, true);
}

void cpu_tlb_flush_page(struct cpu *c, uint32_t lin)
{
    for (int s = 0; s < 2; s++) {
        struct tlb_entry *e = &c->tlb[s][(lin >> 12) & (TLB_SIZE - 1)];
        e->tag_r = e->tag_w = TLB_INVALID;
    }
}

void cpu_tlb_drop_writes(struct cpu *c, uintptr_t host_page)
{
    if (!c->tlb_tracked) {
        cpu_tlb_flush(c);
        return;
    }
    for (int s = 0; s < 2; s++)
        for (uint32_t n = 0; n < c->tlb_nused[s]; n++) {
            struct tlb_entry *e = &c->tlb[s][c->tlb_used[s][n]];
            if (e->tag_w != TLB_INVALID && e->addend + e->tag_w == host_page)
                e->tag_w = TLB_INVALID;
        }
}

void cpu_update_hflags(struct cpu *c)
{
    c->tlb_cur = c->tlb[c->cpl == 3 ? 1 : 0];
    for (int s = 0; s < 6; s++)
        cpu_seg_update_access(c, s);
}

/* The page walk of SDM 3A §4.3 (32-bit) and §4.4 (PAE). Returns the
 * physical address or, when `fault` is false and the access would fault,
 * UINT64_MAX. Sets *writable to whether a write would be allowed without
 * setting a dirty bit (so the TLB can cache write access), and *global to
 * whether the translation is global (G in the entry that maps the page,
 * honoured only with CR4.PGE). */
static uint64_t page_walk(struct cpu *c, uint32_t lin, int acc, bool user, bool fault, bool *writable,
                          bool *global)
{
    struct machine *m = c->m;
    bool write = acc == ACC_WRITE;
    bool wp = (c->cr[0] & CR0_WP) != 0;
    uint32_t err = (write ? 2u : 0u) | (user ? 4u : 0u);
    uint64_t pa;
    if (c->cr[4] & 0x20) { /* PAE */
        uint32_t pdpt = (c->cr[3] & ~0x1Fu) + ((lin >> 30) & 3) * 8;
        uint64_t pdpte = (uint64_t)mem_read_slow(m, pdpt, 4) | (uint64_t)mem_read_slow(m, pdpt + 4, 4) << 32;
        if (!(pdpte & 1))
            goto not_present;
        uint32_t pde_a = (uint32_t)(pdpte & 0xFFFFF000u) + ((lin >> 21) & 0x1FF) * 8;
        uint64_t pde = (uint64_t)mem_read_slow(m, pde_a, 4) | (uint64_t)mem_read_slow(m, pde_a + 4, 4) << 32;
        if (!(pde & 1))
            goto not_present;
        bool rw = pde & 2, us = pde & 4;
        if (pde & 0x80) {
            if ((user && !us) || (write && !rw && (user || wp)))
                goto protection;
            uint32_t nv = (uint32_t)pde | 0x20 | (write ? 0x40 : 0);
            if (nv != (uint32_t)pde)
                mem_write_slow(m, pde_a, nv, 4);
            *writable = (nv & 0x40) && (rw || (!user && !wp));
            *global = (pde & 0x100) && (c->cr[4] & CR4_PGE);
            return ((pde & 0xFFFE00000ull) | (lin & 0x1FFFFF)) & 0xFFFFFFFFull;
        }
        uint32_t pte_a = (uint32_t)(pde & 0xFFFFF000u) + ((lin >> 12) & 0x1FF) * 8;
        uint64_t pte = (uint64_t)mem_read_slow(m, pte_a, 4) | (uint64_t)mem_read_slow(m, pte_a + 4, 4) << 32;
        if (!(pte & 1))
            goto not_present;
        rw = rw && (pte & 2);
        us = us && (pte & 4);
        if ((user && !us) || (write && !rw && (user || wp)))
            goto protection;
        if (!(pde & 0x20))
            mem_write_slow(m, pde_a, (uint32_t)pde | 0x20, 4);
        uint32_t nv = (uint32_t)pte | 0x20 | (write ? 0x40 : 0);
        if (nv != (uint32_t)pte)
            mem_write_slow(m, pte_a, nv, 4);
        *writable = (nv & 0x40) && (rw || (!user && !wp));
        *global = (pte & 0x100) && (c->cr[4] & CR4_PGE);
        pa = (pte & 0xFFFFFF000ull) | (lin & 0xFFF);
        return pa & 0xFFFFFFFFull;
    }
    uint32_t pde_a = (c->cr[3] & ~0xFFFu) + (lin >> 22) * 4;
    uint32_t pde = mem_read_slow(m, pde_a, 4);
    if (!(pde & 1))
        goto not_present;
    bool rw = pde & 2, us = pde & 4;
    if ((pde & 0x80) && (c->cr[4] & 0x10)) { /* 4 MB page with PSE */
        if ((user && !us) || (write && !rw && (user || wp)))
            goto protection;
        uint32_t nv = pde | 0x20 | (write ? 0x40 : 0);
        if (nv != pde)
            mem_write_slow(m, pde_a, nv, 4);
        *writable = (nv & 0x40) && (rw || (!user && !wp));
        *global = (pde & 0x100) && (c->cr[4] & CR4_PGE);
        return (pde & 0xFFC00000u) | (lin & 0x3FFFFF);
    }
    uint32_t pte_a = (pde & ~0xFFFu) + ((lin >> 12) & 0x3FF) * 4;
    uint32_t pte = mem_read_slow(m, pte_a, 4);
    if (!(pte & 1))
        goto not_present;
    rw = rw && (pte & 2);
    us = us && (pte & 4);
    if ((user && !us) || (write && !rw && (user || wp)))
        goto protection;
    if (!(pde & 0x20))
        mem_write_slow(m, pde_a, pde | 0x20, 4);
    uint32_t nv = pte | 0x20 | (write ? 0x40 : 0);
    if (nv != pte)
        mem_write_slow(m, pte_a, nv, 4);
    *writable = (nv & 0x40) && (rw || (!user && !wp));
    *global = (pte & 0x100) && (c->cr[4] & CR4_PGE);
    return (pte & ~0xFFFu) | (lin & 0xFFF);

protection:
    err |= 1;
not_present:
    if (!fault)
        return UINT64_MAX;
    c->cr[2] = lin;
    cpu_exception(c, EXC_PF, (int)err);
}

uint32_t cpu_translate(struct cpu *c, uint32_t lin, int acc, bool user)
{
    if (!(c->cr[0] & CR0_PG))
        return lin;
    bool w, g;
    return (uint32_t)page_walk(c, lin, acc, user, true, &w, &g);
}

bool cpu_translate_probe(struct cpu *c, uint32_t lin, int acc, bool user, uint32_t *pa)
{
    if (!(c->cr[0] & CR0_PG)) {
        *pa = lin;
        return true;
    }
    bool w, g;
    uint64_t r = page_walk(c, lin, acc, user, false, &w, &g);
    if (r == UINT64_MAX)
        return false;
    *pa = (uint32_t)r;
    return true;
}

/* Translate one page for an access and fill the TLB when the page is plain
 * memory. Returns the physical address. */
uint32_t cpu_tlb_fill(struct cpu *c, uint32_t lin, int acc)
{
    struct machine *m = c->m;
    if (c->tlb_mem_gen != m->mem.generation)
        cpu_tlb_flush(c);
    bool user = c->tlb_cur == c->tlb[1]; /* not for implicit supervisor accesses */
    bool writable = true, global = false;
    uint32_t pa;
    if (c->cr[0] & CR0_PG)
        pa = (uint32_t)page_walk(c, lin, acc, user, true, &writable, &global);
    else
        pa = lin;
    uint32_t pam = pa & m->mem.mask;
    uint32_t page = pam >> MEM_PAGE_SHIFT;
    unsigned idx = (lin >> 12) & (TLB_SIZE - 1);
    struct tlb_entry *e = &c->tlb_cur[idx];
    int set = c->tlb_cur == c->tlb[1];
    uint8_t *flags = &c->tlb_flags[set][idx];
    if (!(*flags & TLBF_USED) && c->tlb_tracked)
        c->tlb_used[set][c->tlb_nused[set]++] = (uint16_t)idx;
    *flags = TLBF_USED | (global ? TLBF_GLOBAL : 0);
    uint8_t *rd = m->mem.rd[page], *wr = m->mem.wr[page];
    uint8_t *host = rd ? rd : wr;
    if (host) {
        uint32_t lp = lin & ~0xFFFu;
        e->addend = (uintptr_t)host - lp;
        e->tag_r = rd ? lp : TLB_INVALID;
        /* Pages holding translated code are written through the slow path,
         * which tells the translator (mem_note_write). */
        bool code = m->mem.code && pam < m->mem.ram_size && m->mem.code[pam >> MEM_PAGE_SHIFT];
        e->tag_w = (wr && wr == host && writable && !code) ? lp : TLB_INVALID;
    } else {
        e->tag_r = e->tag_w = TLB_INVALID;
    }
    return pa;
}

uint32_t lin_read_slow(struct cpu *c, uint32_t lin, int size)
{
    if ((lin & 0xFFF) > 0x1000u - (unsigned)size) {
        /* Crosses a page: both pages must be readable before anything is
         * returned; byte reads do that in order. */
        uint32_t v = 0;
        for (int k = 0; k < size; k++)
            v |= (uint32_t)(uint8_t)lin_read_slow(c, lin + (uint32_t)k, 1) << (8 * k);
        return v;
    }
    uint32_t pa = cpu_tlb_fill(c, lin, ACC_READ);
    struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_r == (lin & ~0xFFFu)) {
        uint32_t v = 0;
        memcpy(&v, (void *)(e->addend + lin), (size_t)size);
        return v;
    }
    return mem_read_slow(c->m, pa, size);
}

void lin_write_slow(struct cpu *c, uint32_t lin, uint32_t v, int size)
{
    if ((lin & 0xFFF) > 0x1000u - (unsigned)size) {
        /* Check every page first so a fault leaves memory untouched. */
        uint32_t pa[4];
        for (int k = 0; k < size; k++)
            pa[k] = cpu_translate(c, lin + (uint32_t)k, ACC_WRITE, c->tlb_cur == c->tlb[1]);
        for (int k = 0; k < size; k++)
            mem_write8_slow(c->m, pa[k], (uint8_t)(v >> (8 * k)));
        return;
    }
    uint32_t pa = cpu_tlb_fill(c, lin, ACC_WRITE);
    struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_w == (lin & ~0xFFFu)) {
        memcpy((void *)(e->addend + lin), &v, (size_t)size);
        return;
    }
    mem_write_slow(c->m, pa, v, size);
}

/* Segment checks of SDM 3A §5.3 (limit) and §5.4/5.5 (type); real mode on
 * the 286 and later checks the limit too (interrupt 13, "segment overrun").
 * The 8086 wraps offsets within the 64 KB segment. */
uint32_t cpu_seg_check(struct cpu *c, int seg, uint32_t off, int size, int acc)
{
    struct seg *s = &c->seg[seg];
    /* The 286 reports every real-mode overrun as interrupt 13. */
    int vec = seg == S_SS && !(c->model == CPU_286 && cpu_real(c)) ? EXC_SS : EXC_GP;
    if (!cpu_real(c) && !cpu_is_v86(c)) {
        if ((s->sel & ~3) == 0 && seg != S_CS && seg != S_SS)
            cpu_exception(c, EXC_GP, 0);
        if (!(s->flags & SEGF_P))
            cpu_exception(c, vec, 0);
        if (acc == ACC_WRITE && ((s->flags & SEGF_CODE) || !(s->flags & 0x2)))
            cpu_exception(c, vec, 0);
        if (acc == ACC_READ && (s->flags & SEGF_CODE) && !(s->flags & 0x2))
            cpu_exception(c, vec, 0);
    }
    uint32_t last = off + (uint32_t)(size - 1);
    if (!(s->flags & SEGF_CODE) && (s->flags & 0x4) && (s->flags & SEGF_S)) {
        /* Expand-down: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF. */
        uint32_t top = (s->flags & SEGF_DB) ? 0xFFFFFFFFu : 0xFFFFu;
        if (off <= s->limit || last > top || last < off)
            cpu_exception(c, vec, 0);
    } else if (last > s->limit || last < off) {
        cpu_exception(c, vec, 0);
    }
    return s->base + off;
}

uint32_t cpu_read_slow(struct cpu *c, int seg, uint32_t off, int size)
{
    if (c->model < CPU_286) {
        /* 8086: each byte's offset wraps at 64 KB. */
        uint32_t v = 0;
        for (int k = 0; k < size; k++)
            v |= lin_read(c, c->seg[seg].base + ((off + (uint32_t)k) & 0xFFFF), 1) << (8 * k);
        return v;
    }
    uint32_t lin = cpu_seg_check(c, seg, off, size, ACC_READ);
    return lin_read(c, lin, size);
}

void cpu_write_slow(struct cpu *c, int seg, uint32_t off, uint32_t v, int size)
{
    if (c->model < CPU_286) {
        for (int k = 0; k < size; k++)
            lin_write(c, c->seg[seg].base + ((off + (uint32_t)k) & 0xFFFF), (v >> (8 * k)) & 0xFF, 1);
        return;
    }
    uint32_t lin = cpu_seg_check(c, seg, off, size, ACC_WRITE);
    lin_write(c, lin, v, size);
}

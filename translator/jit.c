/* The translation cache: block lookup (per-CPU jump cache, then a hash of
 * host pc, CS base and flags), translation on a miss, execution, and
 * self-modifying-code invalidation through the per-page block lists that
 * the memory system calls into (mem_note_write). A full cache is flushed
 * whole; a page invalidated over and over is left to the interpreter. */
#include "translator/jit.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_priv.h"
#include "translator/codebuf.h"
#include "translator/emit.h"
#include "translator/translate.h"

#define JIT_CODE_SIZE        (32u << 20)
#define JIT_MAX_TBS          65536
#define JIT_HASH_BITS        16
#define JIT_JC_BITS          12
#define JIT_PAGE_INVAL_LIMIT 64

struct jit {
    struct machine *m;
    struct codebuf cb;
    struct tb *tbs;
    int ntbs;
    struct insn *insns;
    int ninsns;
    struct tb *hash[1u << JIT_HASH_BITS];
    struct tb *jc[1u << JIT_JC_BITS]; /* by linear pc */
    struct jit_ibtc ibtc[1u << JIT_IBTC_BITS];
    struct tb **page_tbs; /* per RAM page: blocks touching it */
    uint8_t *page_inval;  /* per RAM page: invalidation count */
    uint32_t npages;
    bool running;
    struct jit_prof *prof; /* --jit-stats: counters in the generated code */
    uint32_t mem_gen;
    struct jit_stats st;
};

static uint32_t tb_hash(uintptr_t host, uint32_t cs_base, uint32_t hflags)
{
    uint64_t h = (uint64_t)host * 0x9E3779B97F4A7C15ull ^ cs_base * 0x85EBCA6Bu ^ hflags;
    return (uint32_t)(h >> (64 - JIT_HASH_BITS));
}

/* Returns true when the page was not tracked before. */
static bool page_list_add(struct jit *j, struct tb *tb, int n, uint32_t page)
{
    tb->page[n] = page;
    tb->page_next[n] = j->page_tbs[page];
    j->page_tbs[page] = tb;
    bool fresh = !j->m->mem.code[page];
    j->m->mem.code[page] = 1;
    return fresh;
}

static void page_list_remove(struct jit *j, struct tb *tb, int n)
{
    uint32_t page = tb->page[n];
    struct tb **pp = &j->page_tbs[page];
    while (*pp) {
        struct tb *t = *pp;
        int k = t->page[0] == page ? 0 : 1;
        if (t == tb) {
            *pp = t->page_next[k];
            break;
        }
        pp = &t->page_next[k];
    }
    if (!j->page_tbs[page])
        j->m->mem.code[page] = 0;
}

/* Point exit `slot` of `from` back at its unchained path. */
static void tb_unlink_exit(struct jit *j, struct tb *from, int slot)
{
#if EMIT_HAVE_BACKEND
    emit_patch_jump(j->cb.rw + from->code_off, (const uint8_t *)from->code, from->jmp_off[slot],
                    (const uint8_t *)from->code + from->jmp_unlink[slot]);
#else
    (void)j;
#endif
    from->jmp_to[slot] = NULL;
}

static void tb_link(struct jit *j, struct tb *from, int slot, struct tb *to)
{
#if EMIT_HAVE_BACKEND
    emit_patch_jump(j->cb.rw + from->code_off, (const uint8_t *)from->code, from->jmp_off[slot],
                    (const uint8_t *)to->code + to->entry_chain);
#endif
    from->jmp_to[slot] = to;
    from->in_next[slot] = to->in_first;
    from->in_next_slot[slot] = to->in_first_slot;
    to->in_first = from;
    to->in_first_slot = (uint8_t)slot;
    j->st.chains++;
}

/* Remove every chained jump into tb and out of it. */
static void tb_unchain(struct jit *j, struct tb *tb)
{
    struct tb *from = tb->in_first;
    int slot = tb->in_first_slot;
    while (from) {
        struct tb *next = from->in_next[slot];
        int next_slot = from->in_next_slot[slot];
        if (from->jmp_to[slot] == tb)
            tb_unlink_exit(j, from, slot);
        from = next;
        slot = next_slot;
    }
    tb->in_first = NULL;
    for (int k = 0; k < tb->nexits; k++) {
        struct tb *to = tb->jmp_to[k];
        if (!to)
            continue;
        /* Drop (tb, k) from to's list of incoming jumps. */
        struct tb **pp = &to->in_first;
        uint8_t *ps = &to->in_first_slot;
        while (*pp) {
            struct tb *f = *pp;
            int fs = *ps;
            if (f == tb && fs == k) {
                *pp = f->in_next[fs];
                *ps = f->in_next_slot[fs];
                break;
            }
            pp = &f->in_next[fs];
            ps = &f->in_next_slot[fs];
        }
        tb_unlink_exit(j, tb, k);
    }
}

static void tb_remove(struct jit *j, struct tb *tb)
{
    if (!tb->valid)
        return;
    tb->valid = false;
    tb_unchain(j, tb);
    struct jit_ibtc *ib = &j->ibtc[jit_ibtc_index(tb->lin_pc)];
    if (ib->entry == (const uint8_t *)tb->code + tb->entry_chain)
        memset(ib, 0, sizeof(*ib));
    struct tb **pp = &j->hash[tb_hash(tb->host_pc, tb->cs_base, tb->hflags)];
    while (*pp && *pp != tb)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = tb->hash_next;
    if (tb->page[0] != TB_NO_PAGE)
        page_list_remove(j, tb, 0);
    if (tb->page[1] != TB_NO_PAGE)
        page_list_remove(j, tb, 1);
    /* Chained blocks run without the dispatcher knowing which: any
     * invalidation while generated code runs makes it leave. */
    if (j->running)
        j->m->cpu.jit_exit = 1;
}

void jit_flush(struct cpu *c)
{
    struct jit *j = c->jit;
    if (!j)
        return;
    memset(j->hash, 0, sizeof(j->hash));
    memset(j->jc, 0, sizeof(j->jc));
    memset(j->ibtc, 0, sizeof(j->ibtc));
    memset(j->page_tbs, 0, j->npages * sizeof(*j->page_tbs));
    memset(j->m->mem.code, 0, j->npages);
    j->ntbs = 0;
    j->ninsns = 0;
    j->cb.used = 0;
    j->st.flushes++;
    c->jit_from = NULL;
    if (j->running)
        c->jit_exit = 1;
}

/* mem_note_write: a write to a page with translated code. */
static void jit_code_write(void *opaque, uint32_t pa, uint32_t len)
{
    struct jit *j = opaque;
    uint32_t first = pa >> MEM_PAGE_SHIFT, last = (pa + len - 1) >> MEM_PAGE_SHIFT;
    if (last >= j->npages)
        last = j->npages - 1;
    bool by_cpu = j->running;
    for (uint32_t page = first; page <= last; page++) {
        struct tb *tb = j->page_tbs[page];
        bool hit = false;
        while (tb) {
            int k = tb->page[0] == page ? 0 : 1;
            struct tb *next = tb->page_next[k];
            /* Fine-grained: only blocks whose bytes overlap the write. */
            if (pa < tb->phys_end && pa + len > tb->phys_start) {
                tb_remove(j, tb);
                hit = true;
            }
            tb = next;
        }
        if (hit) {
            if (by_cpu)
                j->st.invalidations_cpu++;
            else
                j->st.invalidations_dma++;
            if (j->page_inval[page] < 255 && ++j->page_inval[page] == JIT_PAGE_INVAL_LIMIT)
                j->st.pages_left_to_interp++;
        }
    }
}

int jit_init(struct machine *m)
{
#if !defined(__x86_64__)
    return machine_error(m, "the JIT has no backend for this host yet; use -accel interp");
#else
    struct jit *j = calloc(1, sizeof(*j));
    if (!j)
        return machine_error(m, "out of memory for the JIT");
    j->m = m;
    j->npages = m->mem.ram_size >> MEM_PAGE_SHIFT;
    j->tbs = calloc(JIT_MAX_TBS, sizeof(*j->tbs));
    j->insns = calloc(JIT_MAX_INSNS, sizeof(*j->insns));
    j->page_tbs = calloc(j->npages ? j->npages : 1, sizeof(*j->page_tbs));
    j->page_inval = calloc(j->npages ? j->npages : 1, 1);
    m->mem.code = calloc(j->npages ? j->npages : 1, 1);
    if (!j->tbs || !j->insns || !j->page_tbs || !j->page_inval || !m->mem.code ||
        codebuf_init(&j->cb, JIT_CODE_SIZE) < 0) {
        m->cpu.jit = j;
        jit_free(m);
        return machine_error(m, "cannot set up the JIT's code buffer");
    }
    m->mem.code_write = jit_code_write;
    m->mem.code_opaque = j;
    j->mem_gen = m->mem.generation;
    m->cpu.jit = j;
    return 0;
#endif
}

void jit_free(struct machine *m)
{
    struct jit *j = m->cpu.jit;
    if (!j)
        return;
    codebuf_free(&j->cb);
    free(j->prof);
    free(j->tbs);
    free(j->insns);
    free(j->page_tbs);
    free(j->page_inval);
    free(m->mem.code);
    m->mem.code = NULL;
    m->mem.code_write = NULL;
    free(j);
    m->cpu.jit = NULL;
}

static bool seg_is_flat(const struct seg *s)
{
    return s->base == 0 && s->limit == 0xFFFFFFFFu &&
           (s->access & (SEGA_READ | SEGA_WRITE)) == (SEGA_READ | SEGA_WRITE);
}

/* The flags a block was specialised on: the code size (decoding), CPL, and
 * which segments are flat (translate.h). Handlers read everything else from
 * the CPU state as they run. */
static uint32_t cur_hflags(const struct cpu *c)
{
    uint32_t hf = (c->seg[S_CS].flags & SEGF_DB) ? HF_CS32 : 0;
    hf |= (uint32_t)c->cpl << HF_CPL_SHIFT;
    if (seg_is_flat(&c->seg[S_ES]))
        hf |= HF_FLAT_ES;
    if (seg_is_flat(&c->seg[S_SS]) && (c->seg[S_SS].flags & SEGF_DB))
        hf |= HF_FLAT_SS;
    if (seg_is_flat(&c->seg[S_DS]))
        hf |= HF_FLAT_DS;
    if (c->seg[S_CS].limit == 0xFFFFFFFFu)
        hf |= HF_CS_FLAT;
    static const struct {
        int seg;
        uint32_t bit;
    } wide[] = {{S_ES, HF_WIDE_ES}, {S_DS, HF_WIDE_DS}, {S_FS, HF_WIDE_FS}, {S_GS, HF_WIDE_GS}};
    for (size_t k = 0; k < sizeof(wide) / sizeof(wide[0]); k++) {
        const struct seg *s = &c->seg[wide[k].seg];
        if (s->base != 0 && s->limit == 0xFFFFFFFFu &&
            (s->access & (SEGA_READ | SEGA_WRITE)) == (SEGA_READ | SEGA_WRITE))
            hf |= wide[k].bit;
    }
    if (!(c->cr[0] & CR0_PE)) {
        /* Real mode checks only the limit (cpu_seg_check). */
        hf |= HF_REAL;
        for (int s = 0; s < 6; s++) {
            const struct seg *sg = &c->seg[s];
            bool expand_down = (sg->flags & (SEGF_S | SEGF_CODE | 0x4)) == (SEGF_S | 0x4);
            /* SS only as a 16-bit stack: SP wraps at 64 KB. */
            if (sg->limit == 0xFFFF && !expand_down && !(s == S_SS && (sg->flags & SEGF_DB)))
                hf |= HF_SMALL_ES << s;
        }
    }
    return hf;
}

static struct tb *tb_translate(struct jit *j, struct cpu *c, uintptr_t host, uint32_t lin, uint32_t hflags)
{
    if (j->ntbs >= JIT_MAX_TBS || j->ninsns + TB_MAX_INSNS > JIT_MAX_INSNS ||
        j->cb.used + TB_MAX_CODE > j->cb.size)
        jit_flush(c);
    struct tb *tb = &j->tbs[j->ntbs];
    memset(tb, 0, sizeof(*tb));
    tb->host_pc = host;
    tb->lin_pc = lin;
    tb->cs_base = c->seg[S_CS].base;
    tb->eip = c->eip;
    tb->hflags = hflags;
    tb->insns = &j->insns[j->ninsns];
    tb->page[0] = tb->page[1] = TB_NO_PAGE;
    size_t code_off = j->cb.used;
    tb->code_off = code_off;
#if EMIT_HAVE_BACKEND
    if (translate_block(c, tb, (const uint8_t *)host, j->cb.rw + code_off, j->cb.size - code_off, j->ibtc,
                        j->prof) < 0)
        return NULL;
#else
    return NULL;
#endif
    tb->code = (void (*)(struct cpu *))codebuf_exec(&j->cb, code_off);
    codebuf_commit(&j->cb, code_off, tb->code_size);
    j->cb.used += (tb->code_size + 15) & ~(size_t)15;
    j->ninsns += tb->icount;
    j->ntbs++;
    tb->valid = true;
    uint32_t h = tb_hash(host, tb->cs_base, hflags);
    tb->hash_next = j->hash[h];
    j->hash[h] = tb;
    /* RAM pages holding its bytes get write tracking. */
    struct mem *mm = &j->m->mem;
    if (host >= (uintptr_t)mm->ram && host < (uintptr_t)mm->ram + mm->ram_size) {
        uint32_t start = (uint32_t)(host - (uintptr_t)mm->ram);
        tb->phys_start = start;
        tb->phys_end = start + tb->size;
        uint32_t first = start >> MEM_PAGE_SHIFT, last = (tb->phys_end - 1) >> MEM_PAGE_SHIFT;
        /* Writes through the TLB fast path to a page that now holds code
         * must take the slow path. */
        if (page_list_add(j, tb, 0, first))
            cpu_tlb_drop_writes(c, (uintptr_t)mm->ram + ((uintptr_t)first << MEM_PAGE_SHIFT));
        if (last != tb->page[0] && page_list_add(j, tb, 1, last))
            cpu_tlb_drop_writes(c, (uintptr_t)mm->ram + ((uintptr_t)last << MEM_PAGE_SHIFT));
    } else {
        tb->phys_start = tb->phys_end = 0;
    }
    /* REX86_JIT_DUMP=FILE appends every block (guest EIP, guest length, host
     * code) for inspection with objdump -b binary -m i386:x86-64. */
    static const char *dump_path;
    static bool dump_checked;
    if (!dump_checked) {
        dump_path = getenv("REX86_JIT_DUMP");
        dump_checked = true;
    }
    if (dump_path) {
        FILE *df = fopen(dump_path, "ab");
        if (df) {
            fprintf(df, "block eip=%08x guest=%u host=%zu off=%zx:", tb->eip, tb->size, tb->code_size,
                    (size_t)code_off);
            for (size_t k = 0; k < tb->code_size; k++)
                fprintf(df, " %02x", j->cb.rw[code_off + k]);
            fprintf(df, "\n");
            fclose(df);
        }
    }
    j->st.blocks_translated++;
    j->st.guest_bytes += tb->size;
    j->st.host_bytes += tb->code_size;
    return tb;
}

bool jit_exec(struct cpu *c)
{
    struct jit *j = c->jit;
    struct machine *m = c->m;
    struct tb *from = c->jit_from;
    int from_slot = c->jit_slot;
    c->jit_from = NULL;
    if (!jit_may_take(c))
        return false;
    if (j->mem_gen != m->mem.generation) {
        jit_flush(c);
        j->mem_gen = m->mem.generation;
        from = NULL;
    }
    struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (eip > cs->limit)
        return false;
    uint32_t lin = cs->base + eip;
    struct tlb_entry *e = &c->tlb_cur[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_r != (lin & ~0xFFFu))
        return false; /* the interpreter fills the TLB (and raises #PF) */
    uintptr_t host = e->addend + lin;
    uint32_t hflags = cur_hflags(c);
    struct tb **jc = &j->jc[(lin ^ (lin >> JIT_JC_BITS)) & ((1u << JIT_JC_BITS) - 1)];
    struct tb *tb = *jc;
    if (!tb || !tb->valid || tb->host_pc != host || tb->cs_base != cs->base || tb->hflags != hflags ||
        tb->eip != eip) {
        tb = j->hash[tb_hash(host, cs->base, hflags)];
        while (tb && !(tb->valid && tb->host_pc == host && tb->cs_base == cs->base && tb->hflags == hflags &&
                       tb->eip == eip))
            tb = tb->hash_next;
        if (!tb) {
            struct mem *mm = &m->mem;
            if (host >= (uintptr_t)mm->ram && host < (uintptr_t)mm->ram + mm->ram_size &&
                j->page_inval[(host - (uintptr_t)mm->ram) >> MEM_PAGE_SHIFT] >= JIT_PAGE_INVAL_LIMIT)
                return false;
            tb = tb_translate(j, c, host, lin, hflags);
            if (!tb)
                return false;
            from = NULL; /* a flush may have come with the translation */
        }
        *jc = tb;
    }
    /* The block must lie inside CS (its limit may have shrunk since). */
    if (tb->eip + tb->size - 1 > cs->limit)
        return false;
    /* The previous block left by a direct exit to this one: chain them when
     * both lie in the same page under the same key. */
    if (from && from->valid && from_slot < from->nexits && !from->jmp_to[from_slot] &&
        from->jmp_eip[from_slot] == eip && from->cs_base == tb->cs_base && from->hflags == hflags &&
        (from->host_pc >> 12) == (tb->host_pc >> 12))
        tb_link(j, from, from_slot, tb);
    if (hflags & (HF_CS_FLAT | HF_SMALL_CS)) {
        struct jit_ibtc *ib = &j->ibtc[jit_ibtc_index(lin)];
        ib->host = host;
        ib->eip = eip;
        ib->hflags = hflags;
        ib->cs_base = cs->base;
        ib->entry = (const uint8_t *)tb->code + tb->entry_chain;
    }
    uint64_t before = c->icount;
    c->jit_exit = 0;
    j->running = true;
    c->block_cycles = c->cycles_left;
    c->in_block = true;
    tb->code(c);
    c->in_block = false;
    c->icount += (uint64_t)(c->block_cycles - c->cycles_left);
    j->running = false;
    j->st.blocks_run++;
    j->st.insns_run += c->icount - before;
    return true;
}

void jit_leave(struct cpu *c)
{
    struct jit *j = c->jit;
    j->running = false;
    c->jit_from = NULL;
    if (c->in_block) { /* a handler faulted: what ran before it counts */
        c->in_block = false;
        c->icount += (uint64_t)(c->block_cycles - c->cycles_left);
    }
}

void jit_get_stats(struct machine *m, struct jit_stats *st)
{
    if (m->cpu.jit)
        *st = m->cpu.jit->st;
    else
        memset(st, 0, sizeof(*st));
}

void jit_set_profiling(struct machine *m, bool on)
{
    struct jit *j = m->cpu.jit;
    if (!j || !on || j->prof)
        return;
    j->prof = calloc(1, sizeof(*j->prof));
    jit_flush(&m->cpu); /* blocks translated from now on count */
}

static const uint64_t *sort_counts; /* qsort has no context argument in C11 */

static int cmp_count_desc(const void *a, const void *b)
{
    const uint64_t *h = sort_counts;
    uint64_t x = h[*(const int *)a], y = h[*(const int *)b];
    return x < y ? 1 : x > y ? -1 : 0;
}

void jit_print_stats(struct machine *m, FILE *f)
{
    struct jit_stats s;
    jit_get_stats(m, &s);
    /* Whatever the blocks did not run, the interpreter did. */
    s.interp_insns = m->cpu.icount > s.insns_run ? m->cpu.icount - s.insns_run : 0;
    fprintf(f,
            "rex86: jit: %llu blocks translated, %.1f host bytes per guest byte, %llu dispatches, %llu "
            "chains linked, "
            "%llu instructions in blocks, %llu in the interpreter, invalidations %llu by the CPU and "
            "%llu by devices, %llu cache flushes, %llu pages left to the interpreter\n",
            (unsigned long long)s.blocks_translated,
            s.guest_bytes ? (double)s.host_bytes / (double)s.guest_bytes : 0.0,
            (unsigned long long)s.blocks_run, (unsigned long long)s.chains, (unsigned long long)s.insns_run,
            (unsigned long long)s.interp_insns, (unsigned long long)s.invalidations_cpu,
            (unsigned long long)s.invalidations_dma, (unsigned long long)s.flushes,
            (unsigned long long)s.pages_left_to_interp);
    struct jit_prof *p = m->cpu.jit ? m->cpu.jit->prof : NULL;
    if (!p)
        return;
    /* Every entry not made by the dispatcher came through a chained jump or
     * the indirect-branch table. */
    uint64_t linked = p->entries > s.blocks_run ? p->entries - s.blocks_run : 0;
    fprintf(f, "rex86: jit: chain rate %.1f%% (%llu block entries, %llu from the dispatcher)\n",
            p->entries ? 100.0 * (double)linked / (double)p->entries : 0.0, (unsigned long long)p->entries,
            (unsigned long long)s.blocks_run);
    static int order[JIT_PROF_OPS];

    int n = 0;
    uint64_t total = 0;
    for (int k = 0; k < JIT_PROF_OPS; k++) {
        if (p->helper[k]) {
            order[n++] = k;
            total += p->helper[k];
        }
    }
    sort_counts = p->helper;
    qsort(order, (size_t)n, sizeof(order[0]), cmp_count_desc);
    fprintf(f, "rex86: jit: %llu helper calls (%.3f per instruction in blocks); the most called:",
            (unsigned long long)total, s.insns_run ? (double)total / (double)s.insns_run : 0.0);
    for (int k = 0; k < n && k < 12; k++) {
        int row = order[k];
        int code = row / 8;
        char form[16];
        snprintf(form, sizeof(form), "%s%02X", code >= 0x100 ? "0F" : "", code & 0xFF);
        if (p->group[row])
            snprintf(form + strlen(form), sizeof(form) - strlen(form), "/%d", row & 7);
        fprintf(f, " %s(%s)=%llu", p->mnem[row] ? p->mnem[row] : "?", form,
                (unsigned long long)p->helper[row]);
    }
    fprintf(f, "\n");
}

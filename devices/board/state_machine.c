/* Saving and loading a whole machine: the core sections (machine, CPU,
 * clock, RAM), one section per registered device, the clock events they
 * re-arm, and the caches a load must drop. Refuses a device that has not
 * said how it is saved, so none can be forgotten. */
#include "devices/board/state.h"
#include "devices/board/state_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_priv.h"
#include "cpu/cpu_state.h"
#include "devices/board/machine.h"
#include "devices/storage/image/image.h"
#include "translator/jit.h"

#define MACHINE_STATE_VERSION 1
#define CLOCK_STATE_VERSION   1
#define RAM_STATE_VERSION     1

/* Room for everything that is not RAM (VRAM, device buffers) in a sane file. */
#define STATE_MAX_EXTRA (256ull << 20)

static struct state_config state_config_of(struct machine *m)
{
    struct state_config c = {(uint32_t)m->cfg.cpu_model, m->mem.ram_size, 0};
    if (m->cfg.bare)
        c.flags |= STATE_CFG_BARE;
    if (m->cfg.bios_file)
        c.flags |= STATE_CFG_FIRMWARE;
    if (m->cfg.kernel)
        c.flags |= STATE_CFG_KERNEL;
    return c;
}

void state_event(struct state *s, struct clock_event *ev)
{
    bool armed = ev->armed;
    uint64_t when = armed ? ev->when : 0; /* a stale deadline is not state */
    uint32_t rank = 0;
    if (!s->loading && armed) {
        for (struct clock_event *e = s->m->clock.head; e && e != ev; e = e->next)
            rank++;
        s->events_saved++;
    }
    state_bool(s, &armed);
    state_u64(s, &when);
    state_u32(s, &rank);
    if (s->loading)
        clock_event_cancel(s->m, ev); /* armed again below, or not at all */
    if (!s->loading || !armed || s->failed)
        return;
    if (s->npending == s->pending_cap) {
        int cap = s->pending_cap ? s->pending_cap * 2 : 16;
        struct state_pending_event *p = realloc(s->pending, (size_t)cap * sizeof(*p));
        if (!p) {
            state_fail(s, "out of memory");
            return;
        }
        s->pending = p;
        s->pending_cap = cap;
    }
    s->pending[s->npending++] = (struct state_pending_event){ev, when, rank};
}

void state_image(struct state *s, struct disk_image *img, const char *what)
{
    bool present = img != NULL;
    uint64_t size = img ? img->size : 0;
    const char *path = img && img->path ? img->path : "";
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char name[256];
    snprintf(name, sizeof(name), "%s", base);
    uint8_t nl = (uint8_t)strlen(name);
    STATE(s, present);
    STATE(s, size);
    STATE(s, nl);
    state_bytes(s, name, nl);
    if (!state_loading(s) || state_failed(s))
        return;
    name[nl] = 0;
    if (present && !img)
        state_fail(s, "%s held image '%s' when saved, and is empty now", what, name);
    else if (!present && img)
        state_fail(s, "%s was empty when saved, and holds '%s' now", what, base);
    else if (present && (size != img->size || strcmp(name, base) != 0))
        state_fail(s, "%s held '%s' (%llu bytes) when saved, and holds '%s' (%llu bytes) now", what, name,
                   (unsigned long long)size, base, (unsigned long long)img->size);
}

/* ---- the core sections ---- */

static int machine_section(struct state *s, void *opaque)
{
    struct machine *m = opaque;
    bool a20 = m->mem.a20;
    STATE(s, a20);
    STATE(s, m->reset_request);
    if (state_loading(s))
        mem_set_a20(m, a20);
    return 0;
}

static int clock_section(struct state *s, void *opaque)
{
    struct machine *m = opaque;
    struct clock_state cs = {0};
    if (!state_loading(s))
        clock_save(m, &cs);
    STATE(s, cs.now_ns);
    STATE(s, cs.frac);
    STATE(s, cs.ips);
    if (state_loading(s))
        clock_load(m, &cs); /* after the CPU: it rebases on cpu.icount */
    return 0;
}

static int ram_section(struct state *s, void *opaque)
{
    struct machine *m = opaque;
    uint32_t size = m->mem.ram_size;
    STATE(s, size);
    if (size != m->mem.ram_size)
        return state_fail(s, "%u bytes of RAM saved, this machine has %u", size, m->mem.ram_size);
    state_pages(s, m->mem.ram, size);
    return 0;
}

struct core_section {
    const char *name;
    unsigned version;
    state_fn fn;
};

static int cpu_section(struct state *s, void *opaque)
{
    return cpu_state(s, &((struct machine *)opaque)->cpu);
}

static const struct core_section core_sections[] = {
    {"machine", MACHINE_STATE_VERSION, machine_section},
    {"cpu", CPU_STATE_VERSION, cpu_section},
    {"clock", CLOCK_STATE_VERSION, clock_section},
    {"ram", RAM_STATE_VERSION, ram_section},
};
#define CORE_COUNT ((int)(sizeof(core_sections) / sizeof(core_sections[0])))

/* ---- save ---- */

static int run_save(struct state *s, struct state_writer *w, const char *name, unsigned version, state_fn fn,
                    void *opaque)
{
    s->out.len = 0;
    s->version = version;
    s->failed = false;
    if (fn(s, opaque) < 0 || s->failed || s->out.oom)
        return machine_error(s->m, "cannot save '%s': %s", name, s->failed ? s->why : "out of memory");
    state_writer_section(w, name, version, s->out.data, s->out.len);
    return 0;
}

int state_save_mem(struct machine *m, uint8_t **buf, size_t *len)
{
    for (int k = 0; k < m->device_count; k++) {
        const struct machine_device *d = &m->devices[k];
        if (!d->state && !d->stateless)
            return machine_error(m, "the machine cannot be saved: device '%s' has no save/load", d->name);
        for (int j = 0; j < k; j++)
            if (strcmp(m->devices[j].name, d->name) == 0)
                return machine_error(m, "the machine cannot be saved: two devices are named '%s'", d->name);
    }
    struct state s = {.m = m};
    struct state_writer w;
    state_writer_init(&w);
    int rc = 0;
    for (int k = 0; k < CORE_COUNT && rc == 0; k++)
        rc = run_save(&s, &w, core_sections[k].name, core_sections[k].version, core_sections[k].fn, m);
    for (int k = 0; k < m->device_count && rc == 0; k++) {
        const struct machine_device *d = &m->devices[k];
        if (d->state)
            rc = run_save(&s, &w, d->name, d->state_version, d->state, d->opaque);
    }
    free(s.out.data);
    if (rc == 0) {
        uint32_t armed = 0;
        const char *orphan = NULL;
        for (struct clock_event *e = m->clock.head; e; e = e->next, armed++)
            orphan = e->name;
        if (armed != s.events_saved)
            rc = machine_error(m, "the machine cannot be saved: clock event '%s' belongs to no saved device",
                               orphan ? orphan : "?");
    }
    if (rc < 0) {
        deflateEnd(&w.z);
        free(w.file.data);
        return -1;
    }
    struct state_config c = state_config_of(m);
    if (state_writer_finish(&w, &c, buf, len) < 0)
        return machine_error(m, "out of memory while saving the machine");
    return 0;
}

/* ---- one device ---- */

static int cmp_rank(const void *a, const void *b)
{
    const struct state_pending_event *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static struct machine_device *state_device(struct machine *m, void *opaque)
{
    for (int k = 0; k < m->device_count; k++)
        if (m->devices[k].opaque == opaque && m->devices[k].state)
            return &m->devices[k];
    return NULL;
}

int state_device_save(struct machine *m, void *opaque, uint8_t **buf, size_t *len)
{
    struct machine_device *d = state_device(m, opaque);
    if (!d)
        return machine_error(m, "that device has no save/load");
    struct state s = {.m = m, .version = d->state_version};
    if (d->state(&s, d->opaque) < 0 || s.failed || s.out.oom || sbuf_reserve(&s.out, 1) < 0) {
        free(s.out.data);
        return machine_error(m, "cannot save '%s': %s", d->name, s.failed ? s.why : "out of memory");
    }
    *buf = s.out.data;
    *len = s.out.len;
    return 0;
}

int state_device_load(struct machine *m, void *opaque, const uint8_t *buf, size_t len)
{
    struct machine_device *d = state_device(m, opaque);
    if (!d)
        return machine_error(m, "that device has no save/load");
    struct state s = {.m = m, .loading = true, .in = buf, .len = len, .version = d->state_version};
    int rc = 0;
    if (d->state(&s, d->opaque) < 0 || s.failed)
        rc = machine_error(m, "bad '%s' state: %s", d->name, s.failed ? s.why : "refused");
    else if (s.pos != s.len)
        rc = machine_error(m, "bad '%s' state: %zu bytes too many", d->name, s.len - s.pos);
    if (rc == 0) {
        if (s.npending > 0) /* qsort's array may not be NULL, even empty */
            qsort(s.pending, (size_t)s.npending, sizeof(*s.pending), cmp_rank);
        for (int k = 0; k < s.npending; k++)
            clock_event_arm(m, s.pending[k].ev, s.pending[k].when);
    }
    free(s.pending);
    return rc;
}

/* ---- load ---- */

static struct state_section *find_section(struct state_section *v, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v[k].name, name) == 0)
            return &v[k];
    return NULL;
}

static int check_section(struct machine *m, struct state_section *v, int n, const char *name,
                         unsigned version)
{
    struct state_section *sec = find_section(v, n, name);
    if (!sec)
        return machine_error(m, "has no state for '%s' (saved by a machine without it)", name);
    if (sec->version > version)
        return machine_error(m, "holds '%s' state version %u; this rex86 reads up to %u", name, sec->version,
                             version);
    sec->used = true;
    return 0;
}

static int run_load(struct state *s, struct state_section *sec, state_fn fn, void *opaque)
{
    s->in = sec->data;
    s->len = sec->len;
    s->pos = 0;
    s->version = sec->version;
    s->failed = false;
    if (fn(s, opaque) < 0 || s->failed)
        return machine_error(s->m, "has bad '%s' state: %s", sec->name, s->failed ? s->why : "refused");
    if (s->pos != s->len)
        return machine_error(s->m, "has bad '%s' state: %zu bytes too many", sec->name, s->len - s->pos);
    return 0;
}

/* Drop everything derived from the old state: armed events (their owners
 * re-arm them), the soft TLB, decoded instructions and translations. */
static void state_drop_caches(struct machine *m)
{
    struct cpu *c = &m->cpu;
    cpu_update_hflags(c);
    cpu_tlb_flush(c);
    free(c->dcache);
    c->dcache = NULL;
    cpu_dcache_init(c);
    if (c->jit)
        jit_flush(c);
    c->exit_request = true;
    c->jit_exit = 1;
}

static int state_apply(struct machine *m, struct state_section *v, int n)
{
    while (m->clock.head) {
        struct clock_event *e = m->clock.head;
        m->clock.head = e->next;
        e->next = NULL;
        e->armed = false;
    }
    struct state s = {.m = m, .loading = true};
    int rc = 0;
    /* The CPU before the clock, which rebases on its instruction count. */
    for (int k = 0; k < CORE_COUNT && rc == 0; k++)
        rc = run_load(&s, find_section(v, n, core_sections[k].name), core_sections[k].fn, m);
    for (int k = 0; k < m->device_count && rc == 0; k++) {
        const struct machine_device *d = &m->devices[k];
        if (d->state)
            rc = run_load(&s, find_section(v, n, d->name), d->state, d->opaque);
    }
    if (rc == 0) {
        if (s.npending > 0) /* qsort's array may not be NULL, even empty */
            qsort(s.pending, (size_t)s.npending, sizeof(*s.pending), cmp_rank);
        for (int k = 0; k < s.npending; k++)
            clock_event_arm(m, s.pending[k].ev, s.pending[k].when);
    }
    free(s.pending);
    state_drop_caches(m);
    return rc;
}

int state_load_checked(struct machine *m, const uint8_t *buf, size_t len)
{
    struct state_config want = state_config_of(m);
    uint8_t *payload;
    size_t plen;
    if (state_unpack(m, buf, len, &want, (uint64_t)m->mem.ram_size + STATE_MAX_EXTRA, &payload, &plen) < 0)
        return -1;
    struct state_section *v = NULL;
    int n = 0;
    int rc = state_sections_parse(m, payload, plen, &v, &n);
    for (int k = 0; k < CORE_COUNT && rc == 0; k++)
        rc = check_section(m, v, n, core_sections[k].name, core_sections[k].version);
    for (int k = 0; k < m->device_count && rc == 0; k++) {
        const struct machine_device *d = &m->devices[k];
        if (d->state)
            rc = check_section(m, v, n, d->name, d->state_version);
        else if (!d->stateless)
            rc = machine_error(m, "cannot be loaded: device '%s' has no save/load", d->name);
    }
    for (int k = 0; k < n && rc == 0; k++)
        if (!v[k].used)
            rc = machine_error(m, "holds state for '%s', which this machine does not have", v[k].name);
    if (rc == 0) {
        /* Keep the machine as it is, to go back to if a section is refused
         * half-way through. */
        uint8_t *backup;
        size_t blen;
        char why[sizeof(m->error)];
        if (state_save_mem(m, &backup, &blen) < 0) {
            rc = -1;
        } else {
            if (state_apply(m, v, n) < 0) {
                snprintf(why, sizeof(why), "%s", m->error);
                struct state_section *bv = NULL;
                int bn = 0;
                uint8_t *bp;
                size_t bpl;
                if (state_unpack(m, backup, blen, &want, UINT64_MAX, &bp, &bpl) == 0) {
                    if (state_sections_parse(m, bp, bpl, &bv, &bn) == 0)
                        state_apply(m, bv, bn);
                    free(bv);
                    free(bp);
                }
                snprintf(m->error, sizeof(m->error), "%s", why);
                rc = -1;
            }
            free(backup);
        }
    }
    free(v);
    free(payload);
    return rc;
}

int state_load_mem(struct machine *m, const uint8_t *buf, size_t len)
{
    if (state_load_checked(m, buf, len) == 0)
        return 0;
    char why[sizeof(m->error)];
    snprintf(why, sizeof(why), "%s", m->error);
    return machine_error(m, "the state %s", why);
}

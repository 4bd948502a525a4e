/* Inside the state stream: the codec's context, the compressing writer and
 * the parsed sections, shared by state.c and state_machine.c only. */
#ifndef REX86_STATE_PRIV_H
#define REX86_STATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "devices/board/state.h"

struct sbuf {
    uint8_t *data;
    size_t len, cap;
    bool oom;
};
int sbuf_reserve(struct sbuf *b, size_t more);
void sbuf_put(struct sbuf *b, const void *p, size_t n);

/* A clock event met while loading, re-armed after every section is in. */
struct state_pending_event {
    struct clock_event *ev;
    uint64_t when;
    uint32_t rank; /* its place in the event list when saved */
};

struct state {
    struct machine *m;
    bool loading;
    unsigned version;
    /* Save: the section body. Load: the section being read. */
    struct sbuf out;
    const uint8_t *in;
    size_t len, pos;
    bool failed;
    char why[160];
    /* Events: counted when saving, collected when loading. */
    uint32_t events_saved;
    struct state_pending_event *pending;
    int npending, pending_cap;
};

/* The header's summary of the machine: a mismatch is refused up front. */
#define STATE_CFG_BARE     1u /* no devices */
#define STATE_CFG_FIRMWARE 2u /* -bios image instead of rex86's BIOS */
#define STATE_CFG_KERNEL   4u /* -kernel */
struct state_config {
    uint32_t cpu_model;
    uint32_t ram_size;
    uint32_t flags;
};

struct state_writer {
    struct sbuf file;
    z_stream z;
    bool ok;
    unsigned long crc;
    uint64_t payload_len;
};
void state_writer_init(struct state_writer *w);
void state_writer_put(struct state_writer *w, const void *p, size_t n, bool finish);
void state_writer_section(struct state_writer *w, const char *name, unsigned version, const void *body,
                          size_t len);
/* Hands the finished file to the caller (0), or frees it (-1). */
int state_writer_finish(struct state_writer *w, const struct state_config *cfg, uint8_t **buf, size_t *len);

struct state_section {
    char name[256];
    unsigned version;
    const uint8_t *data;
    size_t len;
    bool used;
};
/* Check the header against `want`, inflate and verify the payload. Errors
 * are predicates ("is corrupt (...)") for the caller to give a subject. */
int state_unpack(struct machine *m, const uint8_t *buf, size_t len, const struct state_config *want,
                 uint64_t max_payload, uint8_t **payload, size_t *payload_len);
int state_sections_parse(struct machine *m, const uint8_t *p, size_t len, struct state_section **out,
                         int *count);

/* state_load_mem without the subject on its error ("is corrupt ..."). */
int state_load_checked(struct machine *m, const uint8_t *buf, size_t len);

#endif

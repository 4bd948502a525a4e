/* Machine state streams: the versioned, checksummed, zlib-compressed file
 * that holds CPU, RAM and every device, and the field codec devices use to
 * write and read their sections (explicit little-endian, never raw structs). */
#ifndef REX86_STATE_H
#define REX86_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct clock_event;

/* The format this rex86 writes and reads. Bump it when the header or the
 * section framing changes; a device's own layout has its section version. */
#define STATE_FORMAT_VERSION 1
#define STATE_MAGIC          "REX86ST\x1a"
#define STATE_HEADER_SIZE    64

/* One section being written or read: a device's state function gets it and
 * calls the field functions below, which store in a save and fill in a load,
 * so one function describes both directions and they cannot drift apart. */
struct state;

/* Each device registers one of these (machine_device_state): it describes
 * the device's fields through `s`; when loading it also re-derives whatever
 * it keeps outside them (bus mappings, IRQ lines, armed events). Returns 0,
 * or state_fail() for impossible content. */
typedef int (*state_fn)(struct state *s, void *opaque);

bool state_loading(const struct state *s);
/* The section version being read (the current one when saving). */
unsigned state_version(const struct state *s);
struct machine *state_machine(const struct state *s);
/* Reject the section's content with a reason (printf-style); returns -1. */
int state_fail(struct state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool state_failed(const struct state *s);

void state_u8(struct state *s, uint8_t *v);
void state_u16(struct state *s, uint16_t *v);
void state_u32(struct state *s, uint32_t *v);
void state_u64(struct state *s, uint64_t *v);
void state_i8(struct state *s, int8_t *v);
void state_i16(struct state *s, int16_t *v);
void state_i32(struct state *s, int32_t *v);
void state_i64(struct state *s, int64_t *v);
void state_bool(struct state *s, bool *v);
void state_bytes(struct state *s, void *p, size_t len);
/* A large buffer (RAM, video memory): all-zero pages cost a byte. */
void state_pages(struct state *s, uint8_t *p, size_t len);
/* A clock event: whether it is armed and when, and its place among events
 * due at the same time. On load it is re-armed by its owner (never from a
 * saved pointer) once every section is in. */
void state_event(struct state *s, struct clock_event *ev);

/* A disk image a device holds (NULL: none). Images stay files: the stream
 * records the file's name and size, and a load refuses a machine whose
 * drive holds another (or no) image. */
struct disk_image;
void state_image(struct state *s, struct disk_image *img, const char *what);

/* Any integer or bool lvalue, by its type. */
#define STATE_FIELD(s, p)                                                                                    \
    _Generic((p), uint8_t *: state_u8, uint16_t *: state_u16, uint32_t *: state_u32,               \
             uint64_t *: state_u64, int8_t *: state_i8, int16_t *: state_i16, int32_t *: state_i32, \
             int64_t *: state_i64, bool *: state_bool)(s, p)
#define STATE(s, lv) STATE_FIELD(s, &(lv))
/* Every element of a fixed array. */
#define STATE_ARRAY(s, arr)                                                                                  \
    do {                                                                                                     \
        for (size_t i_ = 0; i_ < sizeof(arr) / sizeof((arr)[0]); i_++)                                       \
            STATE_FIELD(s, &(arr)[i_]);                                                                      \
    } while (0)
/* An enum (or bitfield): stored as 32 bits. */
#define STATE_ENUM(s, lv)                                                                                    \
    do {                                                                                                     \
        uint32_t t_ = (uint32_t)(lv);                                                                        \
        state_u32(s, &t_);                                                                                   \
        if (state_loading(s))                                                                                \
            (lv) = t_;                                                                                       \
    } while (0)
/* An index loaded from the stream, checked before anything uses it. */
#define STATE_INDEX(s, lv, n)                                                                                \
    do {                                                                                                     \
        STATE(s, lv);                                                                                        \
        if ((uint64_t)(lv) >= (uint64_t)(n)) {                                                               \
            state_fail(s, "%s out of range", #lv);                                                           \
            (lv) = 0;                                                                                        \
        }                                                                                                    \
    } while (0)

/* Whole machines. The stream lives in memory (malloc'd, freed by the
 * caller) or in a file. Each returns 0, or -1 with machine_error() set to
 * one sentence. A failed load leaves the machine as it was. */
int state_save_mem(struct machine *m, uint8_t **buf, size_t *len);
int state_load_mem(struct machine *m, const uint8_t *buf, size_t len);
int state_save_file(struct machine *m, const char *path);
int state_load_file(struct machine *m, const char *path);

/* One device's section alone, without header or checksum (device unit
 * tests). The device is the one registered with `opaque`. A refused load
 * may leave the device half loaded; the whole-machine load does not. */
int state_device_save(struct machine *m, void *opaque, uint8_t **buf, size_t *len);
int state_device_load(struct machine *m, void *opaque, const uint8_t *buf, size_t len);

#endif

/* A small strict JSON (RFC 8259) parser into a DOM tree, with lookup helpers.
 * Shared by the conformance runner (metadata.json), the config loader and the
 * control API. Never prints; errors come back with a line/column position. */
#ifndef REX86_JSON_H
#define REX86_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json_value;

struct json_member {
    char *key; /* NUL-terminated UTF-8 (may also hold an escaped NUL: see key_len) */
    size_t key_len;
    struct json_value *value;
};

struct json_value {
    enum json_type type;
    union {
        bool boolean;
        struct {
            double value;
            /* Integer literals that fit are also kept exactly: doubles lose
             * precision above 2^53 and addresses/masks must not. */
            bool is_int;
            int64_t i;
        } number;
        struct {
            char *ptr; /* NUL-terminated UTF-8 */
            size_t len;
        } string;
        struct {
            struct json_value **items;
            size_t count;
        } array;
        struct {
            struct json_member *members; /* in document order */
            size_t count;
        } object;
    } u;
};

/* Where and why parsing failed. line and column count from 1; column counts
 * bytes. */
struct json_error {
    size_t offset;
    unsigned line, column;
    char msg[128];
};

/* Nesting deeper than this is refused rather than risking the host stack. */
#define JSON_MAX_DEPTH 256

/* Parse exactly one JSON value (surrounded by optional whitespace and an
 * optional UTF-8 byte-order mark) from text[0..len). Returns the tree, or
 * NULL with *err filled (err may be NULL). */
struct json_value *json_parse(const char *text, size_t len, struct json_error *err);
/* Read and parse a whole file. On failure err->msg names the cause (I/O
 * errors report line 0). */
struct json_value *json_parse_file(const char *path, struct json_error *err);
void json_free(struct json_value *v);

/* Lookups: each returns NULL/false when v is NULL or of another type, so
 * calls chain safely: json_get(json_get(root, "a"), "b"). */
const struct json_value *json_get(const struct json_value *obj, const char *key); /* last duplicate wins */
const struct json_value *json_at(const struct json_value *arr, size_t index);
size_t json_count(const struct json_value *v); /* array items or object members, else 0 */
const char *json_string(const struct json_value *v);
bool json_number(const struct json_value *v, double *out);
/* Only when the value is an integer (exact) in [min, max]. */
bool json_int(const struct json_value *v, int64_t min, int64_t max, int64_t *out);
bool json_bool(const struct json_value *v, bool *out);
const char *json_type_name(enum json_type type);

#endif

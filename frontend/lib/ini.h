/* A small INI reader for rex86's -config files: [sections], key = value,
 * # and ; comments, quoted values. It only splits the text; what the keys
 * mean is frontend/config.c's business. Never prints. */
#ifndef REX86_INI_H
#define REX86_INI_H

#include <stdbool.h>
#include <stddef.h>

struct ini_entry {
    unsigned line;         /* from 1, for messages */
    char *section;         /* lower case; "" before the first [section] */
    unsigned section_line; /* where that [section] header is (0 for "") */
    char *key;             /* lower case */
    char *value;           /* unquoted, escapes resolved; may be "" */
};

struct ini {
    struct ini_entry *entries; /* in file order */
    size_t count;
};

/* Parses text[0..len) into *ini (which it initialises). On a syntax error
 * returns -1 with *err_line set and err holding the reason (no file name:
 * the caller knows it); *ini is then empty. */
int ini_parse(struct ini *ini, const char *text, size_t len, unsigned *err_line, char *err, size_t errlen);
/* Reads and parses a file; an I/O error reports line 0. */
int ini_load(struct ini *ini, const char *path, unsigned *err_line, char *err, size_t errlen);
void ini_free(struct ini *ini);

/* yes/no, true/false, on/off, 1/0 (any case). False for anything else. */
bool ini_bool(const char *s, bool *out);

#endif

/* -config FILE: maps the INI file's [section] key = value settings onto the
 * command-line options they mirror and applies them; see docs/config.md. */
#include "frontend/config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/lib/ini.h"
#include "frontend/options.h"

/* A key, the section it lives in, and the option it stands for. `com` is
 * 1-4 for the serial ports, which have one key each where the command line
 * repeats -serial. `flag` options take yes/no in the file. */
struct config_key {
    const char *section, *key, *option;
    int com;
    bool flag;
};

static const struct config_key config_keys[] = {
    {"machine", "cpu", "cpu", 0, false},
    {"machine", "memory", "m", 0, false},
    {"machine", "m", "m", 0, false},
    {"machine", "bios", "bios", 0, false},
    {"machine", "vga-rom", "vga-rom", 0, false},
    {"machine", "accel", "accel", 0, false},
    {"machine", "ips", "ips", 0, false},
    {"machine", "deterministic", "deterministic", 0, true},
    {"drives", "fda", "fda", 0, false},
    {"drives", "fdb", "fdb", 0, false},
    {"drives", "hda", "hda", 0, false},
    {"drives", "hdb", "hdb", 0, false},
    {"drives", "cdrom", "cdrom", 0, false},
    {"drives", "boot", "boot", 0, false},
    {"kernel", "kernel", "kernel", 0, false},
    {"kernel", "initrd", "initrd", 0, false},
    {"kernel", "append", "append", 0, false},
    {"serial", "com1", "serial", 1, false},
    {"serial", "com2", "serial", 2, false},
    {"serial", "com3", "serial", 3, false},
    {"serial", "com4", "serial", 4, false},
    {"serial", "debugcon", "debugcon", 0, false},
    {"serial", "bios-log", "bios-log", 0, false},
    {"display", "display", "display", 0, false},
    {"display", "nographic", "nographic", 0, true},
    {"run", "control", "control", 0, false},
    {"run", "exit-on", "exit-on", 0, false},
    {"run", "timeout", "timeout", 0, false},
    {"run", "dump-screen", "dump-screen", 0, false},
    {"run", "loadvm", "loadvm", 0, false},
    {"run", "stats", "stats", 0, true},
    {"run", "jit-stats", "jit-stats", 0, true},
};
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static const char *const config_sections[] = {"machine", "drives", "kernel", "serial", "display", "run"};
#define NSECTIONS (sizeof(config_sections) / sizeof(config_sections[0]))

void config_usage(FILE *f)
{
    fputs("Config file (-config FILE; docs/config.md): INI sections and keys named like the options,\n"
          "# or ; comments, \"quoted\" values; the command line overrides the file:\n",
          f);
    for (size_t s = 0; s < NSECTIONS; s++) {
        fprintf(f, "  [%s]", config_sections[s]);
        for (size_t k = 0; k < NKEYS; k++)
            if (!strcmp(config_keys[k].section, config_sections[s]))
                fprintf(f, " %s", config_keys[k].key);
        fputc('\n', f);
    }
}

static bool known_section(const char *name)
{
    for (size_t s = 0; s < NSECTIONS; s++)
        if (!strcmp(config_sections[s], name))
            return true;
    return false;
}

/* Settings before the first [section] may be any key (the flat form). */
static const struct config_key *find_key(const char *section, const char *key, const char **elsewhere)
{
    *elsewhere = NULL;
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(config_keys[k].key, key))
            continue;
        if (!*section || !strcmp(config_keys[k].section, section))
            return &config_keys[k];
        *elsewhere = config_keys[k].section;
    }
    return NULL;
}

/* On an error, *what is the key the error is about (NULL for a section). */
static int apply_entry(struct options *o, const struct ini_entry *e, const char **what, char *err,
                       size_t errlen)
{
    *what = e->key;
    if (*e->section && !known_section(e->section)) {
        *what = NULL;
        snprintf(err, errlen,
                 "[%s] is not a section rex86 knows: use [machine], [drives], [kernel], [serial], [display] "
                 "or [run]",
                 e->section);
        return -1;
    }
    const char *elsewhere;
    const struct config_key *k = find_key(e->section, e->key, &elsewhere);
    if (!k) {
        if (elsewhere)
            snprintf(err, errlen, "'%s' belongs in [%s], not in [%s]", e->key, elsewhere, e->section);
        else
            snprintf(err, errlen, "'%s' is not a setting rex86 knows; rex86 --help lists them", e->key);
        return -1;
    }
    if (k->flag) {
        bool on;
        if (!ini_bool(e->value, &on)) {
            snprintf(err, errlen, "'%s' takes yes or no, not '%s'", e->key, e->value);
            return -1;
        }
        /* Flags are off unless given, so "no" has nothing to undo. */
        return on ? options_set(o, k->option, NULL, err, errlen) : 0;
    }
    if (k->com)
        return options_set_serial(o, k->com - 1, e->value, err, errlen);
    return options_set(o, k->option, e->value, err, errlen);
}

int config_apply(struct options *o, const char *path, char *err, size_t errlen)
{
    struct ini *ini = calloc(1, sizeof(*ini));
    if (!ini) {
        snprintf(err, errlen, "out of memory reading config file '%s'", path);
        return -1;
    }
    o->config = ini;
    unsigned line;
    char why[400];
    if (ini_load(ini, path, &line, why, sizeof(why)) < 0) {
        if (line)
            snprintf(err, errlen, "config file '%s', line %u: %s", path, line, why);
        else
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        const char *what;
        if (apply_entry(o, e, &what, why, sizeof(why)) < 0) {
            if (what)
                snprintf(err, errlen, "config file '%s', line %u (%s): %s", path, e->line, what, why);
            else
                snprintf(err, errlen, "config file '%s', line %u: %s", path, e->section_line, why);
            return -1;
        }
    }
    return 0;
}

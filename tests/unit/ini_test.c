/* The -config file reader (frontend/lib/ini.c): sections, comments, quoting,
 * line numbers, and a syntax error named by its line for every bad form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/lib/ini.h"

static int failures, checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        checks++;                                                                                            \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

static int parse(struct ini *ini, const char *text, unsigned *line, char *err, size_t errlen)
{
    return ini_parse(ini, text, strlen(text), line, err, errlen);
}

static bool entry_is(const struct ini *ini, size_t i, unsigned line, const char *section, const char *key,
                     const char *value)
{
    if (i >= ini->count)
        return false;
    const struct ini_entry *e = &ini->entries[i];
    return e->line == line && !strcmp(e->section, section) && !strcmp(e->key, key) &&
           !strcmp(e->value, value);
}

static void test_good_file(void)
{
    const char *text = "\xEF\xBB\xBF# rex86 config\n"
                       "cpu = 486\n"
                       "\n"
                       "  ; another comment\n"
                       "[Machine]   # the machine\n"
                       "Memory=64\r\n"
                       "bios =\n"
                       "[ drives ]\n"
                       "fda = \"my floppy.img\"   ; quoted, with a comment after\n"
                       "hda = C:\\disk#1.img\n"
                       "cdrom = 'a \\n b'\n"
                       "[kernel]\n"
                       "append = \"console=ttyS0 \\\"quoted\\\" \\\\ done\"\n"
                       "initrd = a.img # comment\n"
                       "kernel = 'x;y' ; c\n";
    struct ini ini;
    unsigned line;
    char err[256];
    int r = parse(&ini, text, &line, err, sizeof(err));
    CHECK(r == 0);
    if (r < 0)
        fprintf(stderr, "line %u: %s\n", line, err);
    CHECK(ini.count == 9);
    CHECK(entry_is(&ini, 0, 2, "", "cpu", "486"));
    CHECK(entry_is(&ini, 1, 6, "machine", "memory", "64"));
    CHECK(ini.count > 1 && ini.entries[1].section_line == 5);
    CHECK(entry_is(&ini, 2, 7, "machine", "bios", ""));
    CHECK(entry_is(&ini, 3, 9, "drives", "fda", "my floppy.img"));
    /* '#' not after a blank is part of the value. */
    CHECK(entry_is(&ini, 4, 10, "drives", "hda", "C:\\disk#1.img"));
    CHECK(entry_is(&ini, 5, 11, "drives", "cdrom", "a \\n b")); /* '...' keeps backslashes */
    CHECK(entry_is(&ini, 6, 13, "kernel", "append", "console=ttyS0 \"quoted\" \\ done"));
    CHECK(entry_is(&ini, 7, 14, "kernel", "initrd", "a.img"));
    CHECK(entry_is(&ini, 8, 15, "kernel", "kernel", "x;y"));
    ini_free(&ini);
}

static void test_errors(void)
{
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } cases[] = {
        {"[machine\ncpu = 486\n", 1, "no closing ']'"},
        {"cpu = 486\n[]\n", 2, "names no section"},
        {"[a b]\n", 1, "not a section name"},
        {"[run] extra\n", 1, "after the section header"},
        {"\n\njust words\n", 3, "write key = value"},
        {"= 5\n", 1, "no key"},
        {"bad key = 5\n", 1, "not a key name"},
        {"append = \"open\n", 1, "never closed"},
        {"append = 'open\n", 1, "never closed"},
        {"append = \"a\" b\n", 1, "after the value's closing quote"},
        {"append = \"a\\q\"\n", 1, "not an escape"},
        {"cpu = 486\nm = 1\0\n", 2, "NUL byte"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ini ini;
        unsigned line = 99;
        char err[256] = "";
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].msg, "NUL"))
            len += 2; /* the text runs on past its NUL */
        int r = ini_parse(&ini, cases[i].text, len, &line, err, sizeof(err));
        CHECK(r == -1);
        CHECK(line == cases[i].line);
        CHECK(strstr(err, cases[i].msg) != NULL);
        CHECK(ini.count == 0 && ini.entries == NULL);
        if (r != -1 || line != cases[i].line || !strstr(err, cases[i].msg))
            fprintf(stderr, "case %zu: r=%d line=%u err='%s'\n", i, r, line, err);
    }
}

static void test_bool(void)
{
    bool b = false;
    CHECK(ini_bool("yes", &b) && b);
    CHECK(ini_bool("On", &b) && b);
    CHECK(ini_bool("1", &b) && b);
    CHECK(ini_bool("FALSE", &b) && !b);
    CHECK(ini_bool("no", &b) && !b);
    CHECK(!ini_bool("maybe", &b));
    CHECK(!ini_bool("", &b));
}

static void test_load(void)
{
    struct ini ini;
    unsigned line = 7;
    char err[256];
    CHECK(ini_load(&ini, "/nonexistent/rex86.ini", &line, err, sizeof(err)) == -1);
    CHECK(line == 0 && strstr(err, "cannot open config file"));
    char path[] = "/tmp/rex86-ini-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs("[serial]\ncom1 = file:out.txt\n", f);
    fclose(f);
    CHECK(ini_load(&ini, path, &line, err, sizeof(err)) == 0);
    CHECK(entry_is(&ini, 0, 2, "serial", "com1", "file:out.txt"));
    ini_free(&ini);
    remove(path);
}

int main(void)
{
    test_good_file();
    test_errors();
    test_bool();
    test_load();
    printf("ini: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}

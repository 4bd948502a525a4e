/* The rex86 command line: QEMU's option spellings plus rex86's own, parsed
 * into a machine_config and the frontend's run settings. */
#ifndef REX86_FRONTEND_OPTIONS_H
#define REX86_FRONTEND_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/board/machine.h"
#include "devices/storage/image/image.h"

struct ini;

#define REX86_VERSION "0.1.0"

/* Exit statuses of the rex86 program (also listed in --help). The
 * isa-debug-exit device at port 0xF4 gives (value << 1) | 1 on top of these. */
enum {
    EXIT_OK = 0,        /* --exit-on matched, or the guest powered off */
    EXIT_USAGE = 1,     /* bad option, missing image, machine could not start */
    EXIT_HALTED = 2,    /* the guest halted with interrupts disabled */
    EXIT_TIMEOUT = 3,   /* --timeout reached */
    EXIT_SHUTDOWN = 4,  /* triple fault / shutdown */
    EXIT_INTERRUPT = 5, /* stopped by SIGINT/SIGTERM */
};

enum display_kind { DISPLAY_NONE, DISPLAY_SDL };
enum accel_kind { ACCEL_INTERP, ACCEL_JIT };

struct options {
    struct machine_config cfg;

    enum display_kind display;
    enum accel_kind accel;
    const char *exit_on;     /* NULL = none */
    double timeout_s;        /* host seconds; 0 = none */
    const char *dump_screen; /* NULL = none */
    const char *loadvm;      /* -loadvm: a saved state to start from */
    bool stats;
    bool jit_stats;
    bool display_given;     /* -display/-nographic seen: no guessing */
    const char *screenshot; /* --screenshot FILE.png at exit; NULL = none */
    /* --speed: a MIPS cap paced to real time, or max (no pacing). Neither
     * given: paced with the window, flat out headless. */
    uint64_t speed_ips;
    bool speed_max;

    const char *control; /* -control: "stdio" or "unix:PATH"; NULL = none */
    const char *config_file;
    struct ini *config; /* the parsed -config file: its strings back values above */

    int serial_count; /* -serial options seen so far */
    bool serial_given;
    bool serial_from_file; /* the -config file set COM ports; -serial replaces them */
    bool vga_rom_given;    /* --vga-rom FILE or none: no default VGA BIOS */
    bool help, version, cpu_help;
    /* Notes for the user that are not errors (e.g. "jit not built yet"). */
    char notes[512];
};

enum options_result {
    OPTIONS_RUN,   /* start the machine */
    OPTIONS_EXIT,  /* --help or --version was printed: exit 0 */
    OPTIONS_ERROR, /* err holds one sentence: exit EXIT_USAGE */
};

/* Parses argv into *o. Prints nothing except --help/--version (to stdout);
 * errors come back in err. Strings in *o point into argv. */
enum options_result options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen);
void options_usage(FILE *f);
/* Releases what options_parse allocated (the -config file). */
void options_free(struct options *o);

/* One option by name, as the command line spells it without dashes (value
 * NULL for options that take none); -config uses these. */
int options_set(struct options *o, const char *name, const char *value, char *err, size_t errlen);
/* COM port `index` (0-3) to stdio, file:PATH or none. */
int options_set_serial(struct options *o, int index, const char *value, char *err, size_t errlen);

/* Guesses what an image is from its size and content: a standard floppy
 * size, an ISO9660 volume ("CD001" at 0x8001) or else a hard disk
 * (IMAGE_FLOPPY, IMAGE_CDROM or IMAGE_HDD). Returns -1 and fills err when the
 * file cannot be read. */
int image_guess(const char *path, enum image_type *type, char *err, size_t errlen);

#endif

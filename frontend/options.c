/* The rex86 command line: QEMU's spellings (-m, -cpu, -fda, -hda, -cdrom,
 * -boot, -kernel, -bios, -serial, -debugcon, -display, -accel, -nographic)
 * and rex86's own (--exit-on, --timeout, --dump-screen, --stats, ...). */
#include "frontend/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/storage/image/image.h"
#include "frontend/config.h"
#include "frontend/lib/ini.h"
#include "devices/video/vga.h"

#define MAX_RAM_MB     3072u /* what the board maps below the PCI hole */
#define MAX_BIOS_BYTES (2u << 20)

enum opt_id {
    O_M,
    O_CPU,
    O_FDA,
    O_FDB,
    O_HDA,
    O_HDB,
    O_CDROM,
    O_BOOT,
    O_KERNEL,
    O_INITRD,
    O_APPEND,
    O_BIOS,
    O_VGA_ROM,
    O_BIOS_LOG,
    O_SERIAL,
    O_DEBUGCON,
    O_DISPLAY,
    O_SPEED,
    O_SCREENSHOT,
    O_ACCEL,
    O_JIT_STATS,
    O_NOGRAPHIC,
    O_VERSION,
    O_HELP,
    O_EXIT_ON,
    O_TIMEOUT,
    O_DUMP_SCREEN,
    O_LOADVM,
    O_DETERMINISTIC,
    O_IPS,
    O_STATS,
    O_CONFIG,
    O_CONTROL,
};

struct opt_def {
    const char *name; /* without the leading dashes */
    enum opt_id id;
    bool has_arg;
};

static const struct opt_def opt_defs[] = {
    {"m", O_M, true},
    {"cpu", O_CPU, true},
    {"fda", O_FDA, true},
    {"fdb", O_FDB, true},
    {"hda", O_HDA, true},
    {"hdb", O_HDB, true},
    {"cdrom", O_CDROM, true},
    {"boot", O_BOOT, true},
    {"kernel", O_KERNEL, true},
    {"initrd", O_INITRD, true},
    {"append", O_APPEND, true},
    {"bios", O_BIOS, true},
    {"vga-rom", O_VGA_ROM, true},
    {"bios-log", O_BIOS_LOG, true},
    {"serial", O_SERIAL, true},
    {"debugcon", O_DEBUGCON, true},
    {"display", O_DISPLAY, true},
    {"speed", O_SPEED, true},
    {"screenshot", O_SCREENSHOT, true},
    {"accel", O_ACCEL, true},
    {"nographic", O_NOGRAPHIC, false},
    {"version", O_VERSION, false},
    {"h", O_HELP, false},
    {"help", O_HELP, false},
    {"exit-on", O_EXIT_ON, true},
    {"timeout", O_TIMEOUT, true},
    {"dump-screen", O_DUMP_SCREEN, true},
    {"loadvm", O_LOADVM, true},
    {"deterministic", O_DETERMINISTIC, false},
    {"ips", O_IPS, true},
    {"stats", O_STATS, false},
    {"jit-stats", O_JIT_STATS, false},
    {"config", O_CONFIG, true},
    {"control", O_CONTROL, true},
};

/* With no drive, kernel or firmware named, rex86 boots memtest86+ from the
 * distribution's package (Debian's names, newest first): the Linux boot
 * protocol of -kernel starts it, and a newcomer sees a real guest. */
static const char *const default_guests[] = {
    "/boot/memtest86+ia32.bin",
    "/boot/memtest86+x32.bin",
    "/boot/memtest86+.bin",
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void add_note(struct options *o, const char *text)
{
    size_t used = strlen(o->notes);
    snprintf(o->notes + used, sizeof(o->notes) - used, "%s%s", used ? "\n" : "", text);
}

void options_usage(FILE *f)
{
    fputs("Usage: rex86 [options] [disk-image]\n"
          "A full-system x86 PC emulator. A disk image given without an option is\n"
          "guessed: a standard floppy size is a floppy, an ISO9660 volume a CD-ROM,\n"
          "anything else a hard disk. With no image, kernel, firmware or -boot at all,\n"
          "rex86 boots memtest86+ from /boot (Debian's package memtest86+) if it is there.\n"
          "\n"
          "Machine:\n"
          "  -m MB                 guest RAM in megabytes (suffix M or G allowed; default 128)\n"
          "  -cpu MODEL            8086, 286, 386, 486, pentium or pentium2 (default); -cpu help lists them\n"
          "  -bios FILE            firmware image instead of rex86's BIOS; an image under 64 KB\n"
          "                        ends at 0xFFFFF with the reset vector at F000:FFF0\n"
          "  --vga-rom FILE|none   the VGA BIOS a foreign -bios runs, at C0000 and (a PCI ROM\n"
          "                        for the card) behind its ROM BAR; default: the first of\n"
          "                        /usr/share/seabios/vgabios-stdvga.bin and\n"
          "                        /usr/share/vgabios/vgabios.bin (packages seabios, vgabios);\n"
          "                        BIOS-bochs-latest wants /usr/share/seabios/vgabios-isavga.bin\n"
          "  --bios-log DEV        a foreign -bios's debug ports 0x400-0x403 (SeaBIOS's log on\n"
          "                        0x402, the Bochs BIOS's panic/info/debug): stdio, file:PATH, none\n"
          "  -accel interp|jit     execution engine (default jit on x86-64 hosts, interp elsewhere;\n"
          "                        the JIT translates protected-mode code and leaves real mode,\n"
          "                        V86 mode and single-stepping to the interpreter)\n"
          "  --jit-stats           print the JIT's statistics at exit\n"
          "\n"
          "Drives and boot:\n"
          "  -fda FILE, -fdb FILE  floppy images (160K to 2.88M)\n"
          "  -hda FILE, -hdb FILE  hard-disk images (raw, whole 512-byte sectors)\n"
          "  -cdrom FILE           CD-ROM image (ISO)\n"
          "  -boot ORDER           boot order: a floppy, c hard disk, d CD-ROM (default cad)\n"
          "  -kernel FILE          boot a Linux bzImage or Multiboot kernel directly\n"
          "  -initrd FILE          initial ramdisk for -kernel\n"
          "  -append CMDLINE       kernel command line for -kernel\n"
          "\n"
          "Input and output:\n"
          "  -serial DEV           COM1..COM4 in order of use: stdio, file:PATH or none;\n"
          "                        with -display none, COM1 defaults to stdio\n"
          "  -debugcon DEV         the 0xE9 debug console: stdio, file:PATH or none\n"
          "  -display none|sdl     headless, or the SDL window (the default when $DISPLAY or\n"
          "                        $WAYLAND_DISPLAY is set and a window opens). Host keys, all\n"
          "                        Ctrl+Alt+: G release the mouse, F fullscreen, I integer/smooth\n"
          "                        scaling, P pause, Q quit, S screenshot (rex86-N.png), End sends\n"
          "                        Ctrl+Alt+Del, +/- speed cap up/down, M unlimited speed\n"
          "  --speed MIPS|max      pace the guest to real time at MIPS million instructions per\n"
          "                        second (a cap), or max: no pacing. Default: paced with the\n"
          "                        window (lowered when the host is slower), max headless\n"
          "  --screenshot FILE     write the screen as a PNG image at exit\n"
          "  -nographic            same as -display none -serial stdio\n"
          "\n"
          "rex86's own:\n"
          "  --exit-on TEXT        exit with status 0 as soon as TEXT appears on a serial port,\n"
          "                        the debug console, the BIOS teletype or the VGA text screen\n"
          "  --timeout SECONDS     stop after this much host time (exit status 3)\n"
          "  --dump-screen FILE    write the VGA text screen to FILE at exit\n"
          "  -loadvm FILE          start from a machine state saved by the control API's savevm\n"
          "                        (give the same -m, -cpu and drive images as when it was saved)\n"
          "  --deterministic       fixed RTC epoch and no host-dependent input: same run every time\n"
          "  --ips N               virtual instructions per second (suffix K, M or G allowed)\n"
          "  --stats               print instructions retired, virtual and host time, and MIPS at exit\n"
          "  -config FILE          read settings from an INI file first (see below)\n"
          "  -control SPEC         the JSON control API (docs/control.md) on unix:PATH (a socket;\n"
          "                        several clients at once) or stdio (stdin/stdout)\n"
          "  --version             print the version and exit\n"
          "  -h, --help            print this help and exit\n"
          "\n"
          "Exit status:\n"
          "  0  --exit-on matched, or the guest powered the machine off\n"
          "  1  bad option or value, unreadable image, or the machine could not start\n"
          "  2  the guest halted with interrupts disabled\n"
          "  3  --timeout was reached\n"
          "  4  the guest shut the machine down (triple fault)\n"
          "  5  interrupted by a signal (SIGINT/SIGTERM)\n"
          "  N  the guest wrote V to the isa-debug-exit port 0xF4: N = (V << 1) | 1\n"
          "\n",
          f);
    config_usage(f);
}

/* A decimal number with an optional K/M/G suffix, scaled by `unit` per
 * suffix step (1024 for sizes, 1000 for rates). */
static int parse_scaled(const char *s, uint64_t unit, char default_suffix, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    char suffix = *end ? *end : default_suffix;
    if (*end && end[1])
        return -1;
    int steps;
    switch (suffix) {
    case 0: steps = 0; break;
    case 'k':
    case 'K': steps = 1; break;
    case 'm':
    case 'M': steps = 2; break;
    case 'g':
    case 'G': steps = 3; break;
    default: return -1;
    }
    for (int i = 0; i < steps; i++) {
        if (v > UINT64_MAX / unit)
            return -1;
        v *= unit;
    }
    *out = v;
    return 0;
}

/* Opens nothing but checks that `path` is a readable regular file, and
 * returns its size. */
static int check_file(const char *what, const char *path, uint64_t *size, char *err, size_t errlen)
{
    struct stat st;
    if (!*path)
        return fail(err, errlen, "the %s image needs a file name", what);
    if (stat(path, &st) != 0)
        return fail(err, errlen, "cannot open %s image '%s': %s", what, path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s image '%s' is a directory, not an image file", what, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "cannot read %s image '%s': %s", what, path, strerror(errno));
    /* stat's size is 0 for block devices; ask the file itself. */
    uint64_t len = (uint64_t)st.st_size;
    if (fseeko(f, 0, SEEK_END) == 0) {
        off_t end = ftello(f);
        if (end > 0)
            len = (uint64_t)end;
    }
    fclose(f);
    if (len == 0)
        return fail(err, errlen, "%s image '%s' is empty", what, path);
    *size = len;
    return 0;
}

/* A VGA BIOS is an ISA option ROM (IBM PC/AT Technical Reference, "ROM
 * scan"): 55 AA, then its length in 512-byte blocks; the card decodes 64 KB
 * of it at C0000. */
#define MAX_VGA_ROM_BYTES VGA_ROM_SIZE
static int check_vga_rom(const char *path, char *err, size_t errlen)
{
    uint64_t n;
    if (check_file("VGA ROM", path, &n, err, errlen) < 0)
        return -1;
    if (n < 512 || n > MAX_VGA_ROM_BYTES)
        return fail(err, errlen,
                    "VGA ROM '%s' has %llu bytes; a VGA BIOS is an option ROM of 512 bytes to 64 KB", path,
                    (unsigned long long)n);
    FILE *f = fopen(path, "rb");
    uint8_t head[3] = {0};
    bool ok = f && fread(head, 1, 3, f) == 3;
    if (f)
        fclose(f);
    if (!ok || head[0] != 0x55 || head[1] != 0xAA)
        return fail(err, errlen, "VGA ROM '%s' is not an option ROM: it does not begin with the bytes 55 AA",
                    path);
    return 0;
}

/* The distribution's VGA BIOSes for the Bochs/QEMU stdvga, in the order a
 * foreign -bios gets one when --vga-rom is not given (Debian's packages
 * seabios and vgabios). */
static const char *const default_vga_roms[] = {
    "/usr/share/seabios/vgabios-stdvga.bin",
    "/usr/share/vgabios/vgabios.bin",
    "/usr/share/vgabios/vgabios-stdvga.bin",
};

/* The image layer decides what a usable image is, so the frontend and the
 * drives agree; this only opens it early to report a bad one before start. */
static int check_image(const char *path, enum image_type type, char *err, size_t errlen)
{
    struct disk_image *img = image_open(path, true, err, errlen);
    if (!img)
        return -1;
    int r = image_set_type(img, type, err, errlen);
    image_close(img);
    return r;
}

int image_guess(const char *path, enum image_type *type, char *err, size_t errlen)
{
    uint64_t size;
    struct disk_geometry g;
    if (check_file("disk", path, &size, err, errlen) < 0)
        return -1;
    if (image_guess_floppy(size, &g, NULL) == 0) {
        *type = IMAGE_FLOPPY;
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "cannot read disk image '%s': %s", path, strerror(errno));
    char magic[5] = {0};
    bool iso =
        fseeko(f, 0x8001, SEEK_SET) == 0 && fread(magic, 1, 5, f) == 5 && memcmp(magic, "CD001", 5) == 0;
    fclose(f);
    *type = iso ? IMAGE_CDROM : IMAGE_HDD;
    return 0;
}

/* stdio, file:PATH or none (QEMU's "null" too). NULL means none. */
static int parse_chardev(const char *opt, const char *value, const char **out, char *err, size_t errlen)
{
    if (!strcmp(value, "none") || !strcmp(value, "null")) {
        *out = NULL;
        return 0;
    }
    if (!strcmp(value, "stdio")) {
        *out = value;
        return 0;
    }
    if (!strncmp(value, "file:", 5)) {
        if (!value[5])
            return fail(err, errlen, "%s file: needs a path, as in %s file:out.txt", opt, opt);
        *out = value;
        return 0;
    }
    return fail(err, errlen, "%s '%s' is not a character device rex86 knows: use stdio, file:PATH or none",
                opt, value);
}

static int parse_boot(struct options *o, const char *value, char *err, size_t errlen)
{
    const char *order = value;
    char buf[64];
    /* QEMU also takes order=ORDER / once=ORDER, comma-separated. */
    if (strchr(value, '=')) {
        snprintf(buf, sizeof(buf), "%s", value);
        order = NULL;
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            if (!strncmp(tok, "order=", 6) || !strncmp(tok, "once=", 5))
                order = value + (strchr(tok, '=') + 1 - buf);
            else if (strncmp(tok, "menu=", 5) && strncmp(tok, "strict=", 7))
                return fail(err, errlen,
                            "-boot setting '%s' is not supported: use -boot ORDER, e.g. -boot cad", tok);
        }
        if (!order)
            return fail(err, errlen, "-boot '%s' has no order: use -boot ORDER, e.g. -boot cad", value);
    }
    size_t n = strcspn(order, ",");
    if (n == 0 || n >= sizeof(o->cfg.boot_order))
        return fail(err, errlen, "-boot order '%s' must have 1 to %zu letters out of a, c and d", value,
                    sizeof(o->cfg.boot_order) - 1);
    for (size_t i = 0; i < n; i++)
        if (order[i] != 'a' && order[i] != 'c' && order[i] != 'd')
            return fail(err, errlen,
                        "-boot '%s': '%c' is not a boot device (a floppy, c hard disk, d CD-ROM)", value,
                        order[i]);
    memcpy(o->cfg.boot_order, order, n);
    o->cfg.boot_order[n] = 0;
    return 0;
}

static void print_cpu_models(void)
{
    printf("CPU models:");
    for (int m = CPU_8086; m <= CPU_PENTIUM2; m++)
        if (m != CPU_186)
            printf(" %s", cpu_model_name((enum cpu_model)m));
    printf("\n");
}

static const struct opt_def *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
        if (strlen(opt_defs[i].name) == len && !strncmp(opt_defs[i].name, name, len))
            return &opt_defs[i];
    return NULL;
}

static int set_drive(const char **slot, const char *path, enum image_type type, char *err, size_t errlen)
{
    if (check_image(path, type, err, errlen) < 0)
        return -1;
    *slot = path;
    return 0;
}

static int apply(struct options *o, const struct opt_def *d, const char *v, char *err, size_t errlen)
{
    struct machine_config *c = &o->cfg;
    uint64_t n;
    switch (d->id) {
    case O_M:
        if (!strncmp(v, "size=", 5))
            v += 5;
        if (parse_scaled(v, 1024, 0, &n) < 0)
            return fail(err, errlen, "-m '%s' is not a memory size: give megabytes, as in -m 64 or -m 1G", v);
        /* A bare number is megabytes; with a suffix, bytes scaled. */
        if (v[strlen(v) - 1] < '0' || v[strlen(v) - 1] > '9')
            n >>= 20;
        if (n < 1 || n > MAX_RAM_MB)
            return fail(err, errlen, "-m '%s' is out of range: rex86 takes 1 to %u MB of RAM", v, MAX_RAM_MB);
        c->ram_mb = (uint32_t)n;
        return 0;
    case O_CPU: {
        if (!strcmp(v, "help") || !strcmp(v, "?")) {
            o->cpu_help = true;
            return 0;
        }
        enum cpu_model model;
        if (cpu_model_parse(v, &model) < 0)
            return fail(err, errlen,
                        "-cpu '%s' is not a CPU model: use 8086, 286, 386, 486, pentium or pentium2", v);
        c->cpu_model = model;
        return 0;
    }
    case O_FDA: return set_drive(&c->fda, v, IMAGE_FLOPPY, err, errlen);
    case O_FDB: return set_drive(&c->fdb, v, IMAGE_FLOPPY, err, errlen);
    case O_HDA: return set_drive(&c->hda, v, IMAGE_HDD, err, errlen);
    case O_HDB: return set_drive(&c->hdb, v, IMAGE_HDD, err, errlen);
    case O_CDROM: return set_drive(&c->cdrom, v, IMAGE_CDROM, err, errlen);
    case O_BOOT: return parse_boot(o, v, err, errlen);
    case O_KERNEL:
        if (check_file("kernel", v, &n, err, errlen) < 0)
            return -1;
        c->kernel = v;
        return 0;
    case O_INITRD:
        if (check_file("initrd", v, &n, err, errlen) < 0)
            return -1;
        c->initrd = v;
        return 0;
    case O_APPEND: c->append = v; return 0;
    case O_BIOS:
        if (check_file("BIOS", v, &n, err, errlen) < 0)
            return -1;
        if (n > MAX_BIOS_BYTES)
            return fail(err, errlen, "BIOS image '%s' has %llu bytes; a firmware image is at most 2 MB", v,
                        (unsigned long long)n);
        c->bios_file = v;
        return 0;
    case O_VGA_ROM:
        o->vga_rom_given = true;
        if (!strcmp(v, "none")) {
            c->vgabios_file = NULL;
            return 0;
        }
        if (check_vga_rom(v, err, errlen) < 0)
            return -1;
        c->vgabios_file = v;
        return 0;
    case O_BIOS_LOG: return parse_chardev("--bios-log", v, &c->bios_log, err, errlen);
    case O_SERIAL:
        /* The command line's -serial list replaces the file's COM ports. */
        if (o->serial_from_file) {
            memset(c->serial, 0, sizeof(c->serial));
            o->serial_from_file = false;
        }
        if (o->serial_count >= 4)
            return fail(err, errlen, "-serial was given more than four times; the PC has COM1 to COM4");
        o->serial_given = true;
        return parse_chardev("-serial", v, &c->serial[o->serial_count++], err, errlen);
    case O_DEBUGCON: return parse_chardev("-debugcon", v, &c->debugcon, err, errlen);
    case O_DISPLAY: {
        size_t len = strcspn(v, ",");
        o->display_given = true;
        if (len == 4 && !strncmp(v, "none", 4)) {
            o->display = DISPLAY_NONE;
            return 0;
        }
        if (len == 3 && !strncmp(v, "sdl", 3)) {
            o->display = DISPLAY_SDL;
            return 0;
        }
        return fail(err, errlen, "-display '%s' is not a display rex86 has: use none or sdl", v);
    }
    case O_SPEED: {
        if (!strcmp(v, "max")) {
            o->speed_max = true;
            o->speed_ips = 0;
            return 0;
        }
        char *end;
        errno = 0;
        double mips = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(mips) || mips < 0.1 || mips > CLOCK_MAX_IPS / 1e6)
            return fail(err, errlen, "--speed '%s' is not max or a rate in MIPS between 0.1 and 10000", v);
        /* Virtual time is icount / ips: pacing it to real time at this
         * rate is what caps the guest at this many instructions a second. */
        o->speed_ips = (uint64_t)(mips * 1e6 + 0.5);
        o->speed_max = false;
        c->ips = o->speed_ips;
        return 0;
    }
    case O_SCREENSHOT:
        if (!*v)
            return fail(err, errlen, "--screenshot needs a file name");
        o->screenshot = v;
        return 0;
    case O_ACCEL:
        if (!strcmp(v, "interp")) {
            o->accel = ACCEL_INTERP;
            o->cfg.jit = false;
            return 0;
        }
        if (!strcmp(v, "jit") || !strcmp(v, "tcg")) {
            o->accel = ACCEL_JIT;
            o->cfg.jit = true;
            return 0;
        }
        return fail(err, errlen, "-accel '%s' is not an execution engine: use interp or jit", v);
    case O_NOGRAPHIC:
        /* COM1 on stdio follows from the headless default below. */
        o->display = DISPLAY_NONE;
        o->display_given = true;
        return 0;
    case O_VERSION: o->version = true; return 0;
    case O_HELP: o->help = true; return 0;
    case O_EXIT_ON:
        if (!*v)
            return fail(err, errlen, "--exit-on needs some text to wait for");
        o->exit_on = v;
        return 0;
    case O_TIMEOUT: {
        char *end;
        errno = 0;
        double t = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(t) || t <= 0 || t > 1e7)
            return fail(err, errlen, "--timeout '%s' is not a number of seconds greater than zero", v);
        o->timeout_s = t;
        return 0;
    }
    case O_DUMP_SCREEN:
        if (!*v)
            return fail(err, errlen, "--dump-screen needs a file name");
        o->dump_screen = v;
        return 0;
    case O_LOADVM:
        if (!*v)
            return fail(err, errlen, "-loadvm needs the file a savevm wrote");
        o->loadvm = v;
        return 0;
    case O_DETERMINISTIC: c->deterministic = true; return 0;
    case O_IPS:
        if (parse_scaled(v, 1000, 0, &n) < 0 || n < 1000 || n > CLOCK_MAX_IPS)
            return fail(err, errlen,
                        "--ips '%s' is not an instruction rate between 1000 and 10G per second (e.g. 50M)",
                        v);
        c->ips = n;
        return 0;
    case O_STATS: o->stats = true; return 0;
    case O_JIT_STATS: o->jit_stats = true; return 0;
    case O_CONFIG: return 0; /* read before the other options, in options_parse */
    case O_CONTROL:
        if (strcmp(v, "stdio") && (strncmp(v, "unix:", 5) || !v[5]))
            return fail(err, errlen, "-control '%s' is not a control channel: use unix:PATH or stdio", v);
        o->control = v;
        return 0;
    }
    return 0;
}

int options_set(struct options *o, const char *name, const char *value, char *err, size_t errlen)
{
    const struct opt_def *d = find_opt(name, strlen(name));
    if (!d || d->id == O_CONFIG || d->id == O_HELP || d->id == O_VERSION)
        return fail(err, errlen, "'%s' is not a setting rex86 knows", name);
    if (d->has_arg != (value != NULL))
        return fail(err, errlen, "'%s' %s", name, d->has_arg ? "needs a value" : "takes no value");
    return apply(o, d, value, err, errlen);
}

int options_set_serial(struct options *o, int index, const char *value, char *err, size_t errlen)
{
    if (index < 0 || index > 3)
        return fail(err, errlen, "the PC has COM1 to COM4");
    char opt[8] = "com1";
    opt[3] = (char)('1' + index);
    o->serial_given = true;
    o->serial_from_file = true;
    return parse_chardev(opt, value, &o->cfg.serial[index], err, errlen);
}

void options_free(struct options *o)
{
    if (o->config) {
        ini_free(o->config);
        free(o->config);
        o->config = NULL;
    }
}

/* -config is read before every other option, wherever it stands, so the
 * command line overrides the file. Errors in the rest of argv are left for
 * the main pass to report. */
static int read_config(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || !arg[1])
            continue;
        const char *name = arg + 1 + (arg[1] == '-');
        const char *eq = strchr(name, '=');
        const struct opt_def *d = find_opt(name, eq ? (size_t)(eq - name) : strlen(name));
        const char *value = NULL;
        if (d && d->has_arg)
            value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!d || d->id != O_CONFIG || !value)
            continue;
        if (o->config_file)
            return fail(err, errlen, "-config was given twice; rex86 reads one config file");
        o->config_file = value;
    }
    if (o->config_file && config_apply(o, o->config_file, err, errlen) < 0)
        return -1;
    return 0;
}

enum options_result options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->cfg.cpu_model = CPU_PENTIUM2;
    o->cfg.ram_mb = 128;
    o->display = DISPLAY_NONE;
    /* The JIT where this host has a code generator (translator/emit_*.c). */
#if defined(__x86_64__)
    o->accel = ACCEL_JIT;
    o->cfg.jit = true;
#else
    o->accel = ACCEL_INTERP;
#endif
    err[0] = 0;
    if (read_config(o, argc, argv, err, errlen) < 0)
        return OPTIONS_ERROR;
    /* What the file set, so a disk image named on the command line may
     * replace the file's drive instead of clashing with it. */
    const struct machine_config file_cfg = o->cfg;
    const bool boot_given_by_file = o->cfg.boot_order[0] != 0;

    const char *positional = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || !arg[1]) {
            if (positional) {
                fail(err, errlen,
                     "two disk images were given without an option ('%s' and '%s'); use -fda, -hda or -cdrom",
                     positional, arg);
                return OPTIONS_ERROR;
            }
            positional = arg;
            continue;
        }
        /* QEMU takes -opt and --opt alike; --opt=value is also accepted. */
        const char *name = arg + 1;
        if (*name == '-')
            name++;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt_def *d = find_opt(name, name_len);
        if (!d) {
            fail(err, errlen, "unknown option '%s'; rex86 --help lists the options", arg);
            return OPTIONS_ERROR;
        }
        const char *value = NULL;
        if (d->has_arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                fail(err, errlen, "option '%s' needs a value; rex86 --help says which", arg);
                return OPTIONS_ERROR;
            }
        } else if (eq) {
            fail(err, errlen, "option '%.*s' takes no value", (int)(eq - arg), arg);
            return OPTIONS_ERROR;
        }
        if (apply(o, d, value, err, errlen) < 0)
            return OPTIONS_ERROR;
        if (o->help || o->version || o->cpu_help)
            break;
    }

    if (o->version)
        printf("rex86 %s\n", REX86_VERSION);
    else if (o->cpu_help)
        print_cpu_models();
    else if (o->help)
        options_usage(stdout);
    if (o->help || o->version || o->cpu_help)
        return OPTIONS_EXIT;

    if (positional) {
        enum image_type kind;
        if (image_guess(positional, &kind, err, errlen) < 0)
            return OPTIONS_ERROR;
        const char **slot = kind == IMAGE_FLOPPY  ? &o->cfg.fda
                            : kind == IMAGE_CDROM ? &o->cfg.cdrom
                                                  : &o->cfg.hda;
        const char *from_file = kind == IMAGE_FLOPPY  ? file_cfg.fda
                                : kind == IMAGE_CDROM ? file_cfg.cdrom
                                                      : file_cfg.hda;
        if (*slot && *slot != from_file) {
            fail(err, errlen, "disk image '%s' looks like a %s, but %s is already given", positional,
                 kind == IMAGE_FLOPPY  ? "floppy"
                 : kind == IMAGE_CDROM ? "CD-ROM"
                                       : "hard disk",
                 kind == IMAGE_FLOPPY  ? "-fda"
                 : kind == IMAGE_CDROM ? "-cdrom"
                                       : "-hda");
            return OPTIONS_ERROR;
        }
        if (check_image(positional, kind, err, errlen) < 0)
            return OPTIONS_ERROR;
        *slot = positional;
        /* Boot the image the user named, unless told otherwise. */
        if (!o->cfg.boot_order[0] || (boot_given_by_file && !strcmp(o->cfg.boot_order, file_cfg.boot_order)))
            snprintf(o->cfg.boot_order, sizeof(o->cfg.boot_order), "%s",
                     kind == IMAGE_FLOPPY  ? "a"
                     : kind == IMAGE_CDROM ? "dc"
                                           : "c");
    }
    const struct machine_config *c = &o->cfg;
    /* (-initrd or -append alone is an error, reported below, not a default.) */
    if (!c->fda && !c->fdb && !c->hda && !c->hdb && !c->cdrom && !c->kernel && !c->bios_file &&
        !c->boot_order[0] && !c->initrd && !c->append) {
        struct stat st;
        for (size_t i = 0; i < sizeof(default_guests) / sizeof(default_guests[0]) && !c->kernel; i++)
            if (stat(default_guests[i], &st) == 0 && S_ISREG(st.st_mode))
                o->cfg.kernel = default_guests[i];
        if (c->kernel) {
            char note[256];
            snprintf(note, sizeof(note),
                     "rex86: no disk image given, so booting memtest86+ (%s); rex86 disk.img boots an image.",
                     c->kernel);
            add_note(o, note);
        }
        if (!c->kernel) {
            fail(err, errlen,
                 "there is nothing to boot: give a disk image (rex86 disk.img, or -fda/-hda/-cdrom FILE), "
                 "or install the memtest86+ package for a demo guest");
            return OPTIONS_ERROR;
        }
    }
    if (o->cfg.vgabios_file && !o->cfg.bios_file) {
        fail(err, errlen, "--vga-rom works with -bios only: rex86's own BIOS has its own video services");
        return OPTIONS_ERROR;
    }
    /* A foreign firmware has no video services of its own: like QEMU's
     * default -vga std, the card comes with the distribution's VGA BIOS. */
    if (o->cfg.bios_file && !o->vga_rom_given) {
        char vga_err[256];
        for (size_t i = 0; i < sizeof(default_vga_roms) / sizeof(default_vga_roms[0]); i++)
            if (check_vga_rom(default_vga_roms[i], vga_err, sizeof(vga_err)) == 0) {
                o->cfg.vgabios_file = default_vga_roms[i];
                break;
            }
    }
    if (!o->cfg.boot_order[0])
        snprintf(o->cfg.boot_order, sizeof(o->cfg.boot_order), "cad");

    if ((o->cfg.initrd || o->cfg.append) && !o->cfg.kernel) {
        fail(err, errlen, "%s only works with -kernel", o->cfg.initrd ? "-initrd" : "-append");
        return OPTIONS_ERROR;
    }
    if (o->control && !strcmp(o->control, "stdio")) {
        /* stdout carries the control replies and nothing else. */
        for (int i = 0; i < 4; i++)
            if (c->serial[i] && !strcmp(c->serial[i], "stdio")) {
                fail(err, errlen, "COM%d and -control both want stdio; send the port to file:PATH instead",
                     i + 1);
                return OPTIONS_ERROR;
            }
        if (c->debugcon && !strcmp(c->debugcon, "stdio")) {
            fail(err, errlen, "-debugcon and -control both want stdio; send one of them elsewhere");
            return OPTIONS_ERROR;
        }
        return OPTIONS_RUN;
    }
    /* Headless with no serial option: show COM1 on the terminal, so a guest
     * that talks over serial is seen. */
    if (o->display == DISPLAY_NONE && !o->serial_given)
        o->cfg.serial[0] = "stdio";
    return OPTIONS_RUN;
}

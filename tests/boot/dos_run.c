/* Scripted DOS session for the boot tests: boots a private copy of the
 * floppy given first (so nothing the guest writes reaches the original, and
 * tests can share one image), then runs the steps that follow, each bounded in virtual time:
 *   wait TEXT        until TEXT appears (serial, teletype or the text screen)
 *   type TEXT        type TEXT through the 8042 ("\r" is Enter)
 *   screen TEXT      until the VGA text screen shows TEXT
 *   mode13 COLOURS PERCENT
 *                    until the BIOS video mode (BDA 0x449) is 13h and the
 *                    rendered 320x200 picture has at least COLOURS
 *                    distinct colours and PERCENT % of its pixels not black
 *   ppm FILE         write the rendered picture (for a human to look at)
 *   show             print the text screen
 * Exit status 0 when every step is reached, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/board/machine.h"
#include "devices/chipset/kbc.h"
#include "devices/video/vga.h"

#define SLICE_NS  20000000ull     /* 20 ms of virtual time per check */
#define BUDGET_NS 120000000000ull /* 120 s of virtual time per step */

struct seen {
    char text[1 << 16];
    size_t len;
};

static void on_text(void *opaque, const char *src, const uint8_t *buf, size_t len)
{
    struct seen *s = opaque;
    (void)src;
    for (size_t k = 0; k < len; k++) {
        if (s->len + 1 >= sizeof(s->text)) { /* keep the recent half */
            memmove(s->text, s->text + sizeof(s->text) / 2, sizeof(s->text) / 2);
            s->len -= sizeof(s->text) / 2;
        }
        s->text[s->len++] = (char)buf[k];
    }
    s->text[s->len] = 0;
}

static char screen[16384];

static const char *text_screen(struct machine *m)
{
    if (vga_text_dump(m, screen, sizeof(screen)) < 0)
        screen[0] = 0;
    screen[sizeof(screen) - 1] = 0;
    return screen;
}

struct picture {
    int width, height, colours;
    double lit; /* fraction of pixels that are not black */
};

static int count_picture(struct machine *m, struct picture *p)
{
    uint32_t *px;
    memset(p, 0, sizeof(*p));
    if (vga_render(m, &px, &p->width, &p->height) < 0 || p->width <= 0 || p->height <= 0)
        return -1;
    size_t n = (size_t)p->width * (size_t)p->height;
    static uint8_t used[1 << 24 >> 3];
    memset(used, 0, sizeof(used));
    size_t lit = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t rgb = px[k] & 0xFFFFFF;
        if (rgb)
            lit++;
        if (!(used[rgb >> 3] & (1u << (rgb & 7)))) {
            used[rgb >> 3] |= (uint8_t)(1u << (rgb & 7));
            p->colours++;
        }
    }
    p->lit = (double)lit / (double)n;
    return 0;
}

static int write_ppm(struct machine *m, const char *path)
{
    uint32_t *px;
    int w, h;
    if (vga_render(m, &px, &w, &h) < 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "P6\n%d %d\n255\n", w, h);
    for (long k = 0; k < (long)w * h; k++) {
        uint8_t rgb[3] = {(uint8_t)(px[k] >> 16), (uint8_t)(px[k] >> 8), (uint8_t)px[k]};
        fwrite(rgb, 1, 3, f);
    }
    return fclose(f);
}

/* Turns the two characters "\r" and "\n" of an argument into Enter. */
static void unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (s[0] == '\\' && (s[1] == 'r' || s[1] == 'n')) {
            *d++ = '\r';
            s++;
        } else {
            *d++ = *s;
        }
    }
    *d = 0;
}

/* Copies the image at src to a new temporary file; returns its path. */
static char *private_copy(const char *src)
{
    static char path[] = "/tmp/rex86-dos_run-XXXXXX";
    int fd = mkstemp(path);
    FILE *in = fopen(src, "rb");
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    bool ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "dos_run: cannot copy '%s' to '%s'\n", src, path);
        if (fd >= 0)
            unlink(path);
        return NULL;
    }
    return path;
}

enum goal { G_TEXT, G_SCREEN, G_MODE13 };

static bool reached(struct machine *m, struct seen *s, enum goal g, const char *arg, int colours,
                    double percent)
{
    struct picture p;
    switch (g) {
    case G_TEXT: return strstr(s->text, arg) || strstr(text_screen(m), arg);
    case G_SCREEN: return strstr(text_screen(m), arg) != NULL;
    case G_MODE13:
        if (m->mem.ram[0x449] != 0x13 || count_picture(m, &p) < 0 || p.width != 320 || p.height != 200)
            return false;
        return p.colours >= colours && p.lit * 100.0 >= percent;
    }
    return false;
}

static bool run_until(struct machine *m, struct seen *s, enum goal g, const char *arg, int colours,
                      double percent)
{
    for (uint64_t t = 0; t < BUDGET_NS; t += SLICE_NS) {
        if (reached(m, s, g, arg, colours, percent))
            return true;
        enum machine_stop why = machine_run(m, SLICE_NS);
        if (why != STOP_SLICE) {
            fprintf(stderr, "dos_run: the machine stopped (%d)\n", why);
            return false;
        }
    }
    return reached(m, s, g, arg, colours, percent);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dos_run FLOPPY.img STEP...\n");
        return 2;
    }
    struct machine_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.cpu_model = CPU_PENTIUM2;
    cfg.ram_mb = 16;
    cfg.deterministic = true;
    char *copy = private_copy(argv[1]);
    if (!copy)
        return 1;
    cfg.fda = copy;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "dos_run: %s\n", err);
        unlink(copy);
        return 1;
    }
    static struct seen s;
    m->text_out = on_text;
    m->text_opaque = &s;
    int rc = 0;
    for (int k = 2; k < argc && rc == 0; k++) {
        const char *step = argv[k];
        const char *arg = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(step, "show")) {
            printf("--- text screen ---\n%s\n-------------------\n", text_screen(m));
            continue;
        }
        if (!arg) {
            fprintf(stderr, "dos_run: '%s' needs an argument\n", step);
            rc = 2;
            break;
        }
        k++;
        if (!strcmp(step, "wait") || !strcmp(step, "screen")) {
            bool ok = run_until(m, &s, step[0] == 'w' ? G_TEXT : G_SCREEN, arg, 0, 0);
            printf("%s \"%s\": %s\n", step, arg, ok ? "seen" : "NOT SEEN");
            rc = ok ? 0 : 1;
        } else if (!strcmp(step, "type")) {
            char line[512];
            snprintf(line, sizeof(line), "%s", arg);
            unescape(line);
            if (kbc_type_text(m, line) != 0) {
                fprintf(stderr, "dos_run: cannot type '%s'\n", arg);
                rc = 1;
            }
        } else if (!strcmp(step, "mode13") && k + 1 < argc) {
            int colours = atoi(arg);
            double percent = atof(argv[++k]);
            bool ok = run_until(m, &s, G_MODE13, NULL, colours, percent);
            struct picture p;
            count_picture(m, &p);
            printf("BIOS mode byte %02Xh, picture %dx%d: %d colours, %.1f%% not black (want >= %d, >= %g%%): "
                   "%s\n",
                   m->mem.ram[0x449], p.width, p.height, p.colours, p.lit * 100.0, colours, percent,
                   ok ? "ok" : "NOT REACHED");
            rc = ok ? 0 : 1;
        } else if (!strcmp(step, "ppm")) {
            if (write_ppm(m, arg) != 0)
                fprintf(stderr, "dos_run: cannot write '%s'\n", arg);
        } else {
            fprintf(stderr, "dos_run: unknown step '%s'\n", step);
            rc = 2;
        }
    }
    if (rc) {
        struct cpu *c = &m->cpu;
        printf("cpu: CS:EIP %04X:%08X SS:ESP %04X:%08X DS %04X ES %04X EAX %08X EBX %08X ECX %08X "
               "EDX %08X ESI %08X EDI %08X EBP %08X EFLAGS %08X CR0 %08X\n",
               c->seg[S_CS].sel, c->eip, c->seg[S_SS].sel, c->ESP, c->seg[S_DS].sel, c->seg[S_ES].sel, c->EAX,
               c->EBX, c->ECX, c->EDX, c->ESI, c->EDI, c->EBP, cpu_get_eflags(c), c->cr[0]);
        printf("--- guest text ---\n%s\n--- text screen ---\n%s\n------------------\n", s.text,
               text_screen(m));
    }
    printf("dos_run: %s\n", rc ? "FAILED" : "all steps reached");
    machine_destroy(m);
    unlink(copy);
    return rc;
}

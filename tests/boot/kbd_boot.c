/* Keyboard path test: boots FreeDOS from the floppy given as argv[1], types
 * a command line through the 8042 (kbc_type_text) and waits, in virtual
 * time, for DOS to echo it back: INT 09h translation, the BDA buffer and
 * INT 16h together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/chipset/kbc.h"

struct seen {
    char text[1 << 16];
    size_t len;
};

static void on_text(void *opaque, const char *src, const uint8_t *buf, size_t len)
{
    struct seen *s = opaque;
    if (strcmp(src, "debugcon") == 0)
        return;
    for (size_t k = 0; k < len && s->len + 1 < sizeof(s->text); k++)
        s->text[s->len++] = (char)buf[k];
    s->text[s->len] = 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Runs up to `slices` x 50 ms of virtual time until `want` appears `times`. */
static bool run_until(struct machine *m, struct seen *s, const char *want, int times, int slices)
{
    for (int k = 0; k < slices; k++) {
        if (count(s->text, want) >= times)
            return true;
        enum machine_stop why = machine_run(m, 50000000ull);
        if (why != STOP_SLICE) {
            fprintf(stderr, "machine stopped (%d)\n", why);
            return false;
        }
    }
    return count(s->text, want) >= times;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kbd_boot FLOPPY.img\n");
        return 2;
    }
    struct machine_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.cpu_model = CPU_PENTIUM2;
    cfg.ram_mb = 16;
    cfg.deterministic = true;
    cfg.fda = argv[1];
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "kbd_boot: %s\n", err);
        return 1;
    }
    static struct seen s;
    m->text_out = on_text;
    m->text_opaque = &s;
    int rc = 1;
    static const char line[] = "echo Hello, World! {Ok} ~@#$*()_+?";
    static const char want[] = "Hello, World! {Ok} ~@#$*()_+?";
    if (!run_until(m, &s, "A:\\>", 1, 1200)) {
        fprintf(stderr, "kbd_boot: no DOS prompt\n");
    } else if (kbc_type_text(m, line) < 0 || kbc_type_text(m, "\r") < 0) {
        fprintf(stderr, "kbd_boot: cannot type\n");
    } else if (!run_until(m, &s, want, 2, 1200)) {
        fprintf(stderr, "kbd_boot: the typed line did not come back\n");
    } else {
        rc = 0;
    }
    printf("--- guest text ---\n%s\n------------------\n", s.text);
    printf("%s\n", rc ? "1 passed, 1 failed" : "1 passed, 0 failed");
    machine_destroy(m);
    return rc;
}

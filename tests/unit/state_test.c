/* Machine state streams: a booted PC saved, loaded into a fresh machine and
 * saved again gives the same bytes, section by section (every device); both
 * then run on identically; damaged, truncated, foreign and mismatched
 * streams are refused with one sentence and leave the machine untouched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "devices/chipset/kbc.h"
#include "devices/serial/uart.h"
#include "devices/board/state_priv.h"

#include "check.h"

static char fda_path[64], hda_path[64];

static struct machine_config test_config(enum cpu_model model, uint32_t ram_mb)
{
    struct machine_config cfg = {0};
    cfg.cpu_model = model;
    cfg.ram_mb = ram_mb;
    cfg.deterministic = true;
    cfg.fda = fda_path;
    cfg.hda = hda_path;
    snprintf(cfg.boot_order, sizeof(cfg.boot_order), "ac");
    return cfg;
}

static const char *firmware; /* set: boot a foreign BIOS instead of ours */

static struct machine *make(enum cpu_model model, uint32_t ram_mb)
{
    char err[256];
    struct machine_config cfg = test_config(model, ram_mb);
    if (firmware) {
        cfg.bios_file = firmware;
        cfg.vgabios_file = "/usr/share/seabios/vgabios-stdvga.bin";
        if (access(cfg.vgabios_file, R_OK) != 0)
            cfg.vgabios_file = NULL;
    }
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m)
        fprintf(stderr, "machine_create: %s\n", err);
    return m;
}

static bool save(struct machine *m, uint8_t **buf, size_t *len)
{
    if (state_save_mem(m, buf, len) == 0)
        return true;
    fprintf(stderr, "save: %s\n", m->error);
    failures++;
    *buf = NULL;
    *len = 0;
    return false;
}

/* Name the sections that differ between two streams of the same machine. */
static void diff_sections(struct machine *m, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    struct state_config want = {(uint32_t)m->cfg.cpu_model, m->mem.ram_size,
                                m->cfg.bios_file ? STATE_CFG_FIRMWARE : 0};
    uint8_t *pa, *pb;
    size_t la, lb;
    if (state_unpack(m, a, alen, &want, UINT64_MAX, &pa, &la) < 0 ||
        state_unpack(m, b, blen, &want, UINT64_MAX, &pb, &lb) < 0) {
        fprintf(stderr, "  cannot unpack: %s\n", m->error);
        return;
    }
    struct state_section *sa, *sb;
    int na, nb;
    if (state_sections_parse(m, pa, la, &sa, &na) == 0 && state_sections_parse(m, pb, lb, &sb, &nb) == 0) {
        for (int k = 0; k < na && k < nb; k++) {
            if (sa[k].len != sb[k].len || memcmp(sa[k].data, sb[k].data, sa[k].len) != 0) {
                size_t at = 0;
                while (at < sa[k].len && at < sb[k].len && sa[k].data[at] == sb[k].data[at])
                    at++;
                fprintf(stderr, "  section '%s' differs (%zu vs %zu bytes, first at byte %zu)\n", sa[k].name,
                        sa[k].len, sb[k].len, at);
            }
        }
        free(sa);
        free(sb);
    }
    free(pa);
    free(pb);
}

static bool same_stream(struct machine *m, const char *what, const uint8_t *a, size_t alen, const uint8_t *b,
                        size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return true;
    fprintf(stderr, "%s: the streams differ\n", what);
    diff_sections(m, a, alen, b, blen);
    failures++;
    return false;
}

/* Leave devices in the middle of things, so the stream has more than idle
 * registers: typed keys and serial input still queued, an IDE PIO read
 * half done, a floppy command half written, PIT channel 2 and the RTC's
 * periodic interrupt running, the local APIC timer armed. */
static void poke_devices(struct machine *m)
{
    kbc_type_text(m, "dir\n");
    const uint8_t line[] = "hello COM1";
    uart_receive(m, 0, line, sizeof(line) - 1);
    bus_io_write(m, 0x3F9, 0x01, 1); /* COM1 IER: received data */
    bus_io_write(m, 0x1F6, 0xA0, 1);
    bus_io_write(m, 0x1F7, 0xEC, 1); /* IDENTIFY DEVICE */
    for (int k = 0; k < 10; k++)
        bus_io_read(m, 0x1F0, 2);
    bus_io_write(m, 0x3F5, 0x46, 1); /* READ DATA, parameters still to come */
    bus_io_write(m, 0x3F5, 0x00, 1);
    bus_io_write(m, 0x43, 0xB6, 1);
    bus_io_write(m, 0x42, 0x34, 1);
    bus_io_write(m, 0x42, 0x12, 1);
    bus_io_write(m, 0x61, bus_io_read(m, 0x61, 1) | 1, 1);
    bus_io_write(m, 0x70, 0x0B, 1);
    bus_io_write(m, 0x71, bus_io_read(m, 0x71, 1) | 0x40, 1);
    if (m->lapic) {
        bus_mmio_write(m, 0xFEE003E0, 0x0B, 4);    /* divide by 1 */
        bus_mmio_write(m, 0xFEE00320, 0x20030, 4); /* periodic, vector 30h */
        bus_mmio_write(m, 0xFEE00380, 1000000, 4);
    }
}

/* Save a machine that ran `ns`, load it into a fresh one, save again: the
 * same bytes. Then both run on and must still agree. */
static void round_trip(enum cpu_model model, uint32_t ram_mb, uint64_t ns, bool poke)
{
    struct machine *a = make(model, ram_mb), *b = make(model, ram_mb);
    if (!a || !b) {
        failures++;
        machine_destroy(a);
        machine_destroy(b);
        return;
    }
    machine_run(a, ns);
    if (poke)
        poke_devices(a);
    uint8_t *s1 = NULL, *s2 = NULL;
    size_t l1, l2;
    char what[64];
    snprintf(what, sizeof(what), "%s%s: save, load, save", cpu_model_name(model), poke ? " (busy)" : "");
    if (save(a, &s1, &l1)) {
        if (state_load_mem(b, s1, l1) < 0) {
            fprintf(stderr, "%s: load: %s\n", what, b->error);
            failures++;
        } else if (save(b, &s2, &l2)) {
            same_stream(b, what, s1, l1, s2, l2);
        }
    }
    free(s1);
    free(s2);
    machine_run(a, 30000000ull);
    machine_run(b, 30000000ull);
    snprintf(what, sizeof(what), "%s%s: running on", cpu_model_name(model), poke ? " (busy)" : "");
    if (save(a, &s1, &l1) && save(b, &s2, &l2))
        same_stream(b, what, s1, l1, s2, l2);
    free(s1);
    free(s2);
    machine_destroy(a);
    machine_destroy(b);
}

static bool expect_refused(struct machine *m, const uint8_t *buf, size_t len, const char *what,
                           const char *word)
{
    m->error[0] = 0;
    if (state_load_mem(m, buf, len) == 0) {
        fprintf(stderr, "%s: loaded\n", what);
        failures++;
        return false;
    }
    /* One sentence: no newline, not empty, and the expected reason. */
    if (!m->error[0] || strchr(m->error, '\n') || (word && !strstr(m->error, word))) {
        fprintf(stderr, "%s: message '%s' (wanted '%s')\n", what, m->error, word ? word : "");
        failures++;
        return false;
    }
    return true;
}

/* Flip bytes inside the sections (RAM and video memory excepted, where any
 * value is valid) and repack them with good checksums. */
static void fuzz_content(struct machine *m, const uint8_t *s1, size_t l1, const uint8_t *now, size_t now_len)
{
    struct state_config want = {(uint32_t)m->cfg.cpu_model, m->mem.ram_size, 0};
    uint8_t *p;
    size_t pl;
    struct state_section *sec;
    int n;
    if (state_unpack(m, s1, l1, &want, UINT64_MAX, &p, &pl) < 0 ||
        state_sections_parse(m, p, pl, &sec, &n) < 0) {
        failures++;
        return;
    }
    uint8_t *q = malloc(pl);
    int refused = 0, loaded = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(q, p, pl);
        const struct state_section *t = &sec[rand() % n];
        if (!strcmp(t->name, "ram") || t->len == 0) {
            i--;
            continue;
        }
        size_t len = strcmp(t->name, "vga") ? t->len : 2048; /* registers only */
        size_t at = (size_t)(t->data - p) + (size_t)rand() % len;
        q[at] ^= (uint8_t)(1u << (rand() % 8));
        if (rand() % 4 == 0)
            q[at] = 0xFF;
        struct state_writer w;
        state_writer_init(&w);
        state_writer_put(&w, q, pl, false);
        uint8_t *f;
        size_t fl;
        struct state_config cfg = want;
        cfg.flags = 0;
        if (state_writer_finish(&w, &cfg, &f, &fl) < 0) {
            failures++;
            break;
        }
        if (state_load_mem(m, f, fl) == 0) {
            loaded++;
            state_load_mem(m, now, now_len);
        } else {
            refused++;
            CHECK(m->error[0] && !strchr(m->error, '\n'));
            uint8_t *t2;
            size_t tl2;
            if (save(m, &t2, &tl2))
                same_stream(m, "after a refused load", now, now_len, t2, tl2);
            free(t2);
        }
        free(f);
    }
    printf("content fuzz: %d loaded, %d refused\n", loaded, refused);
    free(q);
    free(sec);
    free(p);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int main(void)
{
    snprintf(fda_path, sizeof(fda_path), "/tmp/rex86-state-fda-%d.img", (int)getpid());
    snprintf(hda_path, sizeof(hda_path), "/tmp/rex86-state-hda-%d.img", (int)getpid());
    FILE *f = fopen(fda_path, "wb");
    CHECK(f && ftruncate(fileno(f), 1474560) == 0);
    fclose(f);
    f = fopen(hda_path, "wb");
    CHECK(f && ftruncate(fileno(f), 4 << 20) == 0);
    fclose(f);

    /* Every CPU model's board, idle and busy. */
    round_trip(CPU_8086, 1, 200000000ull, false);
    round_trip(CPU_286, 4, 200000000ull, true);
    round_trip(CPU_486, 8, 200000000ull, true);
    round_trip(CPU_PENTIUM2, 8, 300000000ull, true);
    /* SeaBIOS (package seabios), when installed: shadow RAM through PAM,
     * its VGA option ROM, the firmware debug ports. */
    if (access("/usr/share/seabios/bios.bin", R_OK) == 0) {
        firmware = "/usr/share/seabios/bios.bin";
        round_trip(CPU_PENTIUM2, 16, 300000000ull, false);
        firmware = NULL;
    }

    /* A Pentium II (local APIC, I/O APIC, ACPI PM) through POST and the
     * failed boot from empty disks: every device has been programmed. */
    struct machine *a = make(CPU_PENTIUM2, 8);
    if (!a)
        return 1;
    machine_run(a, 400000000ull);
    uint8_t *s1, *s2, *s3, *s4;
    size_t l1, l2, l3, l4;
    if (!save(a, &s1, &l1))
        return 1;

    /* Into a fresh machine and out again: the same bytes. */
    struct machine *b = make(CPU_PENTIUM2, 8);
    if (state_load_mem(b, s1, l1) < 0) {
        fprintf(stderr, "load: %s\n", b->error);
        return 1;
    }
    if (save(b, &s2, &l2))
        same_stream(b, "save, load, save", s1, l1, s2, l2);

    /* Both run on the same way: time, events and devices came back. */
    machine_run(a, 50000000ull);
    machine_run(b, 50000000ull);
    if (save(a, &s3, &l3) && save(b, &s4, &l4))
        same_stream(b, "after running on", s3, l3, s4, l4);
    free(s2);
    free(s3);
    free(s4);

    /* Damaged streams: each refused, and the machine is as it was. */
    if (!save(b, &s2, &l2))
        return 1;
    uint8_t *bad = malloc(l1);
    static const size_t cuts[] = {0, 4, 8, 40, 63, 64, 65, 100, 1000};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        if (cuts[i] < l1)
            expect_refused(b, s1, cuts[i], "truncated", NULL);
    expect_refused(b, s1, l1 - 1, "truncated by one", "truncated");
    expect_refused(b, s1, l1 / 2, "truncated by half", "truncated");
    /* Bit flips in the file: refused, or (deflate has bits that change
     * nothing) exactly the saved machine. */
    srand(86);
    for (int i = 0; i < 64; i++) {
        memcpy(bad, s1, l1);
        size_t at = (size_t)rand() % l1;
        bad[at] ^= (uint8_t)(1u << (rand() % 8));
        if (state_load_mem(b, bad, l1) == 0) {
            uint8_t *t;
            size_t tl;
            char what[64];
            snprintf(what, sizeof(what), "bit flipped at %zu of %zu", at, l1);
            if (save(b, &t, &tl))
                same_stream(b, what, s1, l1, t, tl);
            free(t);
            state_load_mem(b, s2, l2);
        } else {
            CHECK(b->error[0] && !strchr(b->error, '\n'));
        }
    }
    /* Bit flips in the content with the checksums made right again: the
     * device loaders see them; each load succeeds or is refused cleanly,
     * and a refused one leaves the machine as it was. */
    fuzz_content(b, s1, l1, s2, l2);
    memcpy(bad, s1, l1);
    bad[0] = 'X';
    expect_refused(b, bad, l1, "bad magic", "not a rex86 state");
    memcpy(bad, s1, l1);
    put32(bad + 8, STATE_FORMAT_VERSION + 1);
    put32(bad + 60, (uint32_t)crc32(0, bad, 60));
    expect_refused(b, bad, l1, "newer format", "format version");
    memcpy(bad, s1, l1);
    bad[l1 - 10] ^= 0x55; /* the compressed data, header intact */
    expect_refused(b, bad, l1, "bad payload", "corrupt");
    free(bad);
    if (save(b, &s3, &l3))
        same_stream(b, "after refused loads", s2, l2, s3, l3);
    free(s2);
    free(s3);

    /* Another machine: one clear sentence naming the difference. */
    struct machine *c = make(CPU_486, 8);
    if (c)
        expect_refused(c, s1, l1, "other CPU", "-cpu");
    machine_destroy(c);
    c = make(CPU_PENTIUM2, 16);
    if (c)
        expect_refused(c, s1, l1, "other RAM", "-m");
    machine_destroy(c);

    /* Files: a missing one, and a round trip through one. */
    char path[64];
    snprintf(path, sizeof(path), "/tmp/rex86-state-%d.rxs", (int)getpid());
    CHECK(state_load_file(b, "/nonexistent/rex86.state") < 0 && strstr(b->error, "cannot open"));
    CHECK(state_save_file(a, path) == 0);
    CHECK(state_load_file(b, path) == 0);
    if (save(a, &s3, &l3) && save(b, &s4, &l4))
        same_stream(b, "through a file", s3, l3, s4, l4);
    free(s3);
    free(s4);
    /* A different floppy image in drive A: is refused. */
    f = fopen(fda_path, "r+b");
    CHECK(f && ftruncate(fileno(f), 737280) == 0);
    fclose(f);
    c = make(CPU_PENTIUM2, 8);
    if (c)
        CHECK(state_load_file(c, path) < 0 && strstr(c->error, "floppy drive A:"));
    machine_destroy(c);

    /* A device that has not said how it is saved stops a save (so none is
     * forgotten), and so does a clock event no saved device owns. */
    static int dummy;
    CHECK(machine_register_device(b, "dummy", &dummy, NULL, NULL) == 0);
    CHECK(state_save_mem(b, &s3, &l3) < 0 && strstr(b->error, "'dummy' has no save/load"));
    CHECK(state_load_mem(b, s1, l1) < 0 && strstr(b->error, "'dummy' has no save/load"));
    CHECK(machine_device_state(b, &dummy, 0, NULL) == 0);
    struct clock_event stray;
    clock_event_init(&stray, "stray", NULL, NULL);
    clock_event_arm(b, &stray, UINT64_MAX);
    CHECK(state_save_mem(b, &s3, &l3) < 0 && strstr(b->error, "'stray' belongs to no saved device"));
    clock_event_cancel(b, &stray);
    if (save(b, &s3, &l3))
        free(s3);

    unlink(path);
    unlink(fda_path);
    unlink(hda_path);
    free(s1);
    machine_destroy(a);
    machine_destroy(b);
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("state: ok\n");
    return 0;
}

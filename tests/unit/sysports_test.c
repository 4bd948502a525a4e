/* Unit test of the system ports: POST code readback, port 0x92 A20 and reset,
 * isa-debug-exit status, the 0xE9 debug console and the 0x8900 shutdown port. */
#include "devices/board/sysports.h"

#include <unistd.h>

#include "devtest.h"

static void test_post_and_port92(void)
{
    struct machine *m = new_machine();
    CHECK(sysports_init(m, NULL) == 0);
    out8(m, 0x80, 0x5A);
    CHECK_EQ(in8(m, 0x80), 0x5A);
    CHECK_EQ(sysports_post_code(m), 0x5A);

    out8(m, 0x92, 0x00);
    CHECK(!mem_get_a20(m));
    CHECK_EQ(in8(m, 0x92) & 0x02, 0);
    out8(m, 0x92, 0x02);
    CHECK(mem_get_a20(m));
    CHECK_EQ(in8(m, 0x92) & 0x02, 0x02);
    CHECK(!m->reset_request);
    out8(m, 0x92, 0x03); /* bit 0 rising: fast reset */
    CHECK(m->reset_request);
    m->reset_request = false;
    out8(m, 0x92, 0x03); /* no new edge, no new reset */
    CHECK(!m->reset_request);
    machine_destroy(m);
}

static void test_debug_exit(void)
{
    struct machine *m = new_machine();
    CHECK(sysports_init(m, "none") == 0);
    out8(m, 0xF4, 0x10);
    CHECK_EQ(m->stop, STOP_EXIT_DEVICE);
    CHECK_EQ(m->exit_status, 0x21);
    m->stop = STOP_NONE;
    bus_io_write(m, 0xF4, 0x0, 4);
    CHECK_EQ(m->exit_status, 1);
    machine_destroy(m);
}

static void test_debugcon_and_shutdown(void)
{
    struct machine *m = new_machine();
    struct text_log log = {0};
    m->text_out = text_sink;
    m->text_opaque = &log;
    char path[] = "/tmp/rex86-debugcon-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    CHECK(sysports_init(m, spec) == 0);
    CHECK_EQ(in8(m, 0xE9), 0xE9);
    for (const char *s = "hi\n"; *s; s++)
        out8(m, 0xE9, (uint8_t)*s);
    CHECK(!strcmp(log.src, "debugcon"));
    CHECK(!strcmp(log.buf, "hi\n"));

    for (const char *s = "ShutShutdown"; *s; s++) /* a false start first */
        out8(m, 0x8900, (uint8_t)*s);
    CHECK_EQ(m->stop, STOP_POWEROFF);
    machine_destroy(m); /* closes the file */

    FILE *f = fopen(path, "rb");
    char buf[16] = {0};
    CHECK(f && fread(buf, 1, sizeof(buf) - 1, f) == 3);
    CHECK(!strcmp(buf, "hi\n"));
    if (f)
        fclose(f);
    unlink(path);

    struct machine *m2 = new_machine();
    CHECK(sysports_init(m2, "bogus") < 0);
    CHECK(strstr(m2->error, "bogus") != NULL);
    machine_destroy(m2);
}

int main(void)
{
    test_post_and_port92();
    test_debug_exit();
    test_debugcon_and_shutdown();
    if (failures) {
        fprintf(stderr, "sysports_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("sysports_test: ok\n");
    return 0;
}

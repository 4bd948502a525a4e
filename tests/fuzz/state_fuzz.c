/* libFuzzer target for state loading: the input is a state payload (the
 * sections), packed behind a good header and checksums so the fuzzer
 * reaches the section parser and every device's loader. A load either
 * succeeds or is refused with one sentence; nothing may crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/board/machine.h"
#include "devices/board/state.h"
#include "devices/board/state_priv.h"

static struct machine *fuzz_machine(uint8_t **base, size_t *base_len)
{
    static struct machine *m;
    static uint8_t *saved;
    static size_t saved_len;
    if (!m) {
        struct machine_config cfg = {.cpu_model = CPU_PENTIUM2, .ram_mb = 2, .deterministic = true};
        char err[256];
        m = machine_create(&cfg, err, sizeof(err));
        if (!m) {
            fprintf(stderr, "state_fuzz: %s\n", err);
            abort();
        }
        machine_run(m, 50000000ull);
        if (state_save_mem(m, &saved, &saved_len) < 0)
            abort();
    }
    *base = saved;
    *base_len = saved_len;
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *base;
    size_t base_len;
    struct machine *m = fuzz_machine(&base, &base_len);
    struct state_writer w;
    state_writer_init(&w);
    state_writer_put(&w, data, size, false);
    struct state_config cfg = {(uint32_t)m->cfg.cpu_model, m->mem.ram_size, 0};
    uint8_t *file;
    size_t len;
    if (state_writer_finish(&w, &cfg, &file, &len) < 0)
        return 0;
    if (state_load_mem(m, file, len) == 0) {
        if (state_load_mem(m, base, base_len) < 0)
            abort();
    } else if (!m->error[0] || strchr(m->error, '\n')) {
        abort();
    }
    free(file);
    return 0;
}

/* The control API's savevm and loadvm: the whole machine to a state file
 * and back (devices/board/state.h), between two slices of guest time. */
#include "frontend/control_priv.h"

#include <sys/stat.h>

#include "devices/board/state.h"
#include "frontend/lib/json.h"

static const char *state_file_arg(struct control *c, int i, const char *id, const struct json_value *req,
                                  const char *cmd)
{
    const char *file = json_string(json_get(req, "file"));
    if (!file || !*file)
        control_error(c, i, id,
                      "%s needs \"file\": the state file, as in {\"cmd\":\"%s\",\"file\":\"dos.rxs\"}", cmd,
                      cmd);
    return file && *file ? file : NULL;
}

void control_cmd_savevm(struct control *c, int i, const char *id, const struct json_value *req)
{
    const char *file = state_file_arg(c, i, id, req, "savevm");
    if (!file)
        return;
    if (state_save_file(c->m, file) < 0) {
        control_error(c, i, id, "%s", c->m->error);
        return;
    }
    struct stat st;
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "file", file);
    jout_u64(&j, "bytes", stat(file, &st) == 0 ? (uint64_t)st.st_size : 0);
    jout_number(&j, "virtual_time", (double)clock_now(c->m) * 1e-9);
    jout_end(&j, c, i);
}

void control_cmd_loadvm(struct control *c, int i, const char *id, const struct json_value *req)
{
    const char *file = state_file_arg(c, i, id, req, "loadvm");
    if (!file)
        return;
    /* A refused file leaves the machine as it was. */
    if (state_load_file(c->m, file) < 0) {
        control_error(c, i, id, "%s", c->m->error);
        return;
    }
    /* status's MIPS counts from here: the instruction count came back
     * with the CPU. */
    c->start_icount = c->m->cpu.icount;
    c->start_s = control_now();
    struct jout j;
    jout_begin(&j, true, id);
    jout_string(&j, "file", file);
    jout_number(&j, "virtual_time", (double)clock_now(c->m) * 1e-9);
    jout_end(&j, c, i);
}

/* The control API's insides, shared by control.c (connections, waits) and
 * control_cmd.c (the commands and the JSON replies). */
#ifndef REX86_FRONTEND_CONTROL_PRIV_H
#define REX86_FRONTEND_CONTROL_PRIV_H

#include "frontend/control.h"
#include "frontend/watch.h"

#define CONTROL_MAX_CLIENTS 8
#define CONTROL_MAX_LINE    65536 /* a longer request is refused, not buffered forever */
#define CONTROL_MAX_PENDING 32
#define CONTROL_ID_MAX      400   /* the echoed "id", as JSON text */
#define CONTROL_SCREEN_MAX  16384 /* 132x60 text plus line ends */

struct client {
    bool used;
    bool is_stdio;   /* reads fd 0, writes fd 1 with blocking writes */
    bool eof;        /* the client sent all it will; close once answered */
    bool discarding; /* dropping the rest of an over-long line */
    int fd;          /* the socket (in and out), or -1 for stdio */
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_cap;
};

/* A request whose reply waits: text to appear, or typed keys to be read. */
enum pending_kind { PEND_WAIT_TEXT, PEND_TYPED };

struct pending {
    bool used;
    enum pending_kind kind;
    int client;
    char id[CONTROL_ID_MAX]; /* "" when the request had none */
    double deadline;         /* host seconds */
    double timeout;          /* as asked, for the message */
    /* wait-text */
    char *needle;
    struct watch w;
    char where[16]; /* the source that showed it */
    /* type / key */
    int skipped;
};

/* A reply being built: one JSON object on one line. */
struct jout {
    char *buf;
    size_t len, cap;
    bool oom;
};

struct control {
    struct machine *m;
    int listen_fd; /* -1 with stdio */
    char *sock_path;
    struct client cl[CONTROL_MAX_CLIENTS];
    struct pending pend[CONTROL_MAX_PENDING];
    bool paused, quit;
    int quit_client; /* who asked to quit (-1: nobody), answered by control_close */
    char quit_id[CONTROL_ID_MAX];
    enum machine_stop last_stop;
    bool window_paused; /* paused by the window's Ctrl+Alt+P, not by a client */
    uint64_t slices;    /* slices run since the API opened */
    double start_s;     /* host time when the control API opened, for MIPS */
    uint64_t start_icount;
    char screen[CONTROL_SCREEN_MAX];
};

double control_now(void);
/* Queue a finished line (ending in '\n') for client i. */
void control_send(struct control *c, int i, const char *line, size_t len);
/* Run one request line from client i. */
void control_run_line(struct control *c, int i, const char *line, size_t len);
/* A free pending slot for client i, or NULL when all are taken. */
struct pending *control_pending_new(struct control *c, int i, const char *id);
void control_pending_free(struct pending *p);

/* The reply builder. jout_begin opens {"ok":...,"id":... and jout_end closes
 * the object, sends it to client i and frees the buffer. */
void jout_begin(struct jout *j, bool ok, const char *id);
void jout_key(struct jout *j, const char *key);
void jout_string(struct jout *j, const char *key, const char *value);
void jout_string_n(struct jout *j, const char *value, size_t len); /* a bare string value */
void jout_raw(struct jout *j, const char *text);
void jout_number(struct jout *j, const char *key, double value);
void jout_u64(struct jout *j, const char *key, uint64_t value);
void jout_bool(struct jout *j, const char *key, bool value);
void jout_end(struct jout *j, struct control *c, int i);
/* control_state.c: savevm {"file"} and loadvm {"file"}. */
struct json_value;
void control_cmd_savevm(struct control *c, int i, const char *id, const struct json_value *req);
void control_cmd_loadvm(struct control *c, int i, const char *id, const struct json_value *req);
/* {"ok":false,"error":MSG} with the id, in one call. */
void control_error(struct control *c, int i, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

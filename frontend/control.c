/* The control API's connections: the unix socket or stdio, line framing,
 * non-blocking reads and writes polled between slices, and the requests
 * whose replies wait for text on the screen or for typed keys. */
#define _GNU_SOURCE /* accept4 */
#include "frontend/control_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "devices/chipset/kbc.h"
#include "devices/video/vga.h"

double control_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int client_add(struct control *c, int fd, bool is_stdio)
{
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (!c->cl[i].used) {
            memset(&c->cl[i], 0, sizeof(c->cl[i]));
            c->cl[i].used = true;
            c->cl[i].fd = fd;
            c->cl[i].is_stdio = is_stdio;
            return i;
        }
    return -1;
}

/* A client that left takes its waiting requests with it. */
static void client_drop(struct control *c, int i)
{
    struct client *cl = &c->cl[i];
    for (int k = 0; k < CONTROL_MAX_PENDING; k++)
        if (c->pend[k].used && c->pend[k].client == i)
            control_pending_free(&c->pend[k]);
    if (cl->fd >= 0)
        close(cl->fd);
    free(cl->in);
    free(cl->out);
    memset(cl, 0, sizeof(*cl));
}

struct control *control_open(const char *spec, struct machine *m, char *err, size_t errlen)
{
    struct control *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory opening the control channel");
        return NULL;
    }
    c->m = m;
    c->listen_fd = -1;
    c->start_s = control_now();
    c->start_icount = m->cpu.icount;
    c->last_stop = STOP_NONE;
    c->quit_client = -1;
    /* A client that hangs up mid-reply must not kill rex86 with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    if (!strcmp(spec, "stdio")) {
        client_add(c, -1, true);
        return c;
    }
    const char *path = spec + 5; /* options.c checked the "unix:" prefix */
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strncmp(spec, "unix:", 5) || !*path) {
        snprintf(err, errlen, "-control '%s' is not a control channel: use unix:PATH or stdio", spec);
        free(c);
        return NULL;
    }
    if (strlen(path) >= sizeof(addr.sun_path)) {
        snprintf(err, errlen,
                 "the control socket path '%s' is longer than the %zu bytes a unix socket allows", path,
                 sizeof(addr.sun_path) - 1);
        free(c);
        return NULL;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    /* A socket left by a run that died is replaced; any other file is not. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "'%s' exists and is not a socket, so rex86 will not replace it", path);
            free(c);
            return NULL;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
        snprintf(err, errlen, "cannot listen on control socket '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(c);
        return NULL;
    }
    c->listen_fd = fd;
    c->sock_path = strdup(path);
    return c;
}

/* Writes what the socket takes now; stdio writes block (a terminal or a
 * pipe that a script reads). Returns -1 when the client is gone. */
static int client_flush(struct client *cl)
{
    while (cl->out_len) {
        ssize_t n = cl->is_stdio ? write(1, cl->out, cl->out_len)
                                 : send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
        cl->out_len -= (size_t)n;
    }
    return 0;
}

void control_send(struct control *c, int i, const char *line, size_t len)
{
    struct client *cl = &c->cl[i];
    if (!cl->used)
        return;
    if (cl->out_len + len > cl->out_cap) {
        size_t cap = cl->out_cap ? cl->out_cap : 4096;
        while (cap < cl->out_len + len)
            cap *= 2;
        char *nb = realloc(cl->out, cap);
        if (!nb)
            return; /* the reply is lost; the client sees a timeout, rex86 carries on */
        cl->out = nb;
        cl->out_cap = cap;
    }
    memcpy(cl->out + cl->out_len, line, len);
    cl->out_len += len;
}

void control_close(struct control *c)
{
    if (!c)
        return;
    /* "quit" is answered only now, after the disks were flushed, so a
     * client that sees the answer may use the images at once. */
    if (c->quit_client >= 0) {
        struct jout j;
        jout_begin(&j, true, c->quit_id);
        jout_string(&j, "state", "quit");
        jout_end(&j, c, c->quit_client);
    }
    /* "quit" has just been answered: give each client a moment to take it. */
    double until = control_now() + 1.0;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        struct client *cl = &c->cl[i];
        while (cl->used && cl->out_len && control_now() < until) {
            if (client_flush(cl) < 0)
                break;
            if (cl->out_len && !cl->is_stdio) {
                struct pollfd p = {.fd = cl->fd, .events = POLLOUT};
                poll(&p, 1, 50);
            }
        }
        if (cl->used)
            client_drop(c, i);
    }
    for (int k = 0; k < CONTROL_MAX_PENDING; k++)
        if (c->pend[k].used)
            control_pending_free(&c->pend[k]);
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->sock_path);
    }
    free(c->sock_path);
    free(c);
}

bool control_paused(const struct control *c)
{
    return c && c->paused;
}

struct pending *control_pending_new(struct control *c, int i, const char *id)
{
    for (int k = 0; k < CONTROL_MAX_PENDING; k++) {
        struct pending *p = &c->pend[k];
        if (!p->used) {
            memset(p, 0, sizeof(*p));
            p->used = true;
            p->client = i;
            snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
            return p;
        }
    }
    return NULL;
}

void control_pending_free(struct pending *p)
{
    if (p->kind == PEND_WAIT_TEXT)
        watch_free(&p->w);
    free(p->needle);
    memset(p, 0, sizeof(*p));
}

void control_guest_text(struct control *c, const char *src, const uint8_t *buf, size_t len)
{
    if (!c)
        return;
    for (int k = 0; k < CONTROL_MAX_PENDING; k++) {
        struct pending *p = &c->pend[k];
        if (!p->used || p->kind != PEND_WAIT_TEXT || p->w.matched)
            continue;
        if (watch_feed(&p->w, src, buf, len))
            snprintf(p->where, sizeof(p->where), "%s", src ? src : "guest");
    }
}

/* Finishes the waits that can be finished: text seen, keys read, or time up. */
static void pending_check(struct control *c)
{
    double now = control_now();
    bool screen_read = false;
    size_t screen_len = 0;
    for (int k = 0; k < CONTROL_MAX_PENDING; k++) {
        struct pending *p = &c->pend[k];
        if (!p->used)
            continue;
        bool done = false;
        if (p->kind == PEND_WAIT_TEXT && !p->w.matched) {
            if (!screen_read) {
                /* One snapshot of the screen serves every wait. */
                int n = c->m->vga ? vga_text_dump(c->m, c->screen, sizeof(c->screen)) : -1;
                screen_len = n > 0 ? strlen(c->screen) : 0;
                screen_read = true;
            }
            if (watch_screen(&p->w, c->screen, screen_len))
                snprintf(p->where, sizeof(p->where), "screen");
        }
        if (p->kind == PEND_WAIT_TEXT && p->w.matched) {
            struct jout j;
            jout_begin(&j, true, p->id);
            jout_string(&j, "where", p->where);
            jout_end(&j, c, p->client);
            done = true;
        } else if (p->kind == PEND_TYPED && !kbc_typing(c->m)) {
            struct jout j;
            jout_begin(&j, true, p->id);
            jout_string(&j, "typed", "done");
            jout_u64(&j, "skipped", (uint64_t)p->skipped);
            jout_end(&j, c, p->client);
            done = true;
        } else if (now >= p->deadline) {
            if (p->kind == PEND_WAIT_TEXT)
                control_error(c, p->client, p->id, "'%s' did not appear within %g seconds", p->needle,
                              p->timeout);
            else
                control_error(c, p->client, p->id,
                              "the guest did not read the keys within %g seconds (the rest stay queued)",
                              p->timeout);
            done = true;
        }
        if (done)
            control_pending_free(p);
    }
}

/* Splits what arrived into lines and runs each. */
static void client_lines(struct control *c, int i)
{
    struct client *cl = &c->cl[i];
    size_t start = 0;
    for (size_t k = 0; k < cl->in_len && cl->used; k++) {
        if (cl->in[k] != '\n')
            continue;
        size_t len = k - start;
        if (len && cl->in[start + len - 1] == '\r')
            len--;
        if (cl->discarding)
            cl->discarding = false;
        else
            control_run_line(c, i, cl->in + start, len);
        start = k + 1;
    }
    if (!cl->used)
        return;
    memmove(cl->in, cl->in + start, cl->in_len - start);
    cl->in_len -= start;
    if (cl->in_len > CONTROL_MAX_LINE) {
        if (!cl->discarding)
            control_error(c, i, NULL, "the request is longer than %d bytes; send one JSON object per line",
                          CONTROL_MAX_LINE);
        cl->discarding = true;
        cl->in_len = 0;
    }
    /* The last line of a client that is leaving needs no newline. */
    if (cl->eof && cl->in_len) {
        if (!cl->discarding)
            control_run_line(c, i, cl->in, cl->in_len);
        cl->in_len = 0;
    }
}

/* Reads what is there without blocking. Returns -1 on a broken connection. */
static int client_read(struct client *cl)
{
    for (;;) {
        if (cl->in_cap - cl->in_len < 4096) {
            size_t cap = cl->in_cap ? cl->in_cap * 2 : 8192;
            char *nb = realloc(cl->in, cap);
            if (!nb)
                return -1;
            cl->in = nb;
            cl->in_cap = cap;
        }
        ssize_t n = cl->is_stdio ? read(0, cl->in + cl->in_len, cl->in_cap - cl->in_len)
                                 : recv(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len, MSG_DONTWAIT);
        if (n > 0) {
            cl->in_len += (size_t)n;
            /* stdin is read once per poll: it is not non-blocking, and
             * making it so would change the shell's terminal too. */
            if (cl->is_stdio || cl->in_len > CONTROL_MAX_LINE)
                return 0;
            continue;
        }
        if (n == 0) {
            cl->eof = true;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -1;
    }
}

static void accept_clients(struct control *c)
{
    for (;;) {
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (client_add(c, fd, false) < 0) {
            static const char busy[] = "{\"ok\":false,\"error\":\"rex86 already has 8 control clients\"}\n";
            if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* it is being turned away either way */
            }
            close(fd);
        }
    }
}

enum control_result control_poll(struct control *c, enum machine_stop last, int wait_ms)
{
    c->last_stop = last;
    /* No slice ran though the API had not paused: the window's pause. */
    c->window_paused = last == STOP_NONE && !c->paused;
    if (last != STOP_NONE)
        c->slices++;
    struct pollfd fds[CONTROL_MAX_CLIENTS + 1];
    int who[CONTROL_MAX_CLIENTS + 1];
    int n = 0;
    if (c->listen_fd >= 0) {
        fds[n] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
        who[n++] = -1;
    }
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        struct client *cl = &c->cl[i];
        if (!cl->used || (cl->is_stdio && cl->eof))
            continue;
        short ev = cl->eof ? 0 : POLLIN;
        if (cl->out_len && !cl->is_stdio)
            ev |= POLLOUT;
        fds[n] = (struct pollfd){.fd = cl->is_stdio ? 0 : cl->fd, .events = ev};
        who[n++] = i;
    }
    /* Waits are timed here too, so sleeping while paused stays short. */
    if (wait_ms > 50)
        wait_ms = 50;
    int r = poll(fds, (nfds_t)n, wait_ms);
    for (int k = 0; r > 0 && k < n; k++) {
        if (!fds[k].revents)
            continue;
        if (who[k] < 0) {
            accept_clients(c);
            continue;
        }
        struct client *cl = &c->cl[who[k]];
        if ((fds[k].revents & (POLLIN | POLLHUP)) && client_read(cl) < 0) {
            client_drop(c, who[k]);
            continue;
        }
        if ((fds[k].revents & POLLERR) || ((fds[k].revents & POLLHUP) && cl->eof && !cl->is_stdio)) {
            /* The peer is gone for good: nothing more to read or write. */
            client_lines(c, who[k]);
            if (cl->used && !cl->out_len)
                client_drop(c, who[k]);
        }
        if (cl->used)
            client_lines(c, who[k]);
    }
    pending_check(c);
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        struct client *cl = &c->cl[i];
        if (!cl->used)
            continue;
        if (client_flush(cl) < 0) {
            if (cl->is_stdio)
                cl->out_len = 0; /* stdout is gone: nobody to tell */
            else
                client_drop(c, i);
            continue;
        }
        /* A socket client that hung up leaves once it has every reply. */
        bool waiting = false;
        for (int k = 0; k < CONTROL_MAX_PENDING; k++)
            waiting |= c->pend[k].used && c->pend[k].client == i;
        if (cl->eof && !cl->is_stdio && !cl->out_len && !waiting)
            client_drop(c, i);
    }
    return c->quit ? CONTROL_QUIT : CONTROL_RUN;
}

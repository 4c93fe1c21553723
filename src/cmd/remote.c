/* remote.c - the remote-control socket (see remote.h). */
#include "cmd/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/events.h"
#include "core/loop.h"
#include "ui/ui.h"

#define MAX_REQUEST (64 * 1024)
#define MAX_UNSENT (4 * 1024 * 1024) /* reply bytes kept for a slow client */
#define CLIENT_TIMEOUT_MS 5000       /* to send the request; then per stall of the reply */
/* Event lines kept for a client of the event stream that reads slowly; what
 * does not fit is dropped and counted (see queue_event). */
#define MAX_EVENT_BACKLOG (256 * 1024)
#define EVENTS_REQUEST "?events"
#define MAX_EVENT_CLIENTS 32 /* streams at once: each may hold a full backlog */

/* One connection: it sends its request, then natter answers through the
 * main loop (the socket is non-blocking and nothing waits for it). */
typedef struct {
    int fd;
    unsigned watch, timer;
    GString *buf;          /* the request, until the client closes its side */
    GString *reply;        /* the answer, or NULL while reading the request */
    size_t sent;           /* bytes of reply written */
    bool replying;         /* the request is served: only the reply is left */
    unsigned sink;         /* an event-stream client (events_add_sink), 0 if not */
    unsigned long dropped; /* events it missed since its last "dropped" line */
} client;

static unsigned event_clients; /* clients with a sink */
static int listen_fd = -1;
static unsigned listen_watch;
static char *sock_path;
static GList *clients; /* client*: connections being served */

/* $XDG_RUNTIME_DIR/natter, else natter-UID in the temporary directory,
 * shared with every other user: it is used only when it is a directory
 * (not a symlink) of ours with mode 0700, since whoever else can write to it
 * could swap the socket. */
static char *socket_dir(char **err)
{
    const char *rt = g_getenv("XDG_RUNTIME_DIR");
    char *dir = (rt && g_path_is_absolute(rt))
                    ? g_build_filename(rt, "natter", NULL)
                    : g_strdup_printf("%s/natter-%u", g_get_tmp_dir(), (unsigned)getuid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        *err = g_strdup_printf("cannot create %s: %s", dir, g_strerror(errno));
        g_free(dir);
        return NULL;
    }
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
        *err = g_strdup_printf("%s is not a directory of ours; not using it", dir);
        g_free(dir);
        return NULL;
    }
    if ((st.st_mode & 07777) != 0700) {
        *err = g_strdup_printf("%s has mode %04o, not 0700; not using it", dir,
                               (unsigned)(st.st_mode & 07777));
        g_free(dir);
        return NULL;
    }
    return dir;
}

/* NAME as the start of a file name: "default" when none, no '/'. */
static char *name_part(const char *name)
{
    char *part = g_strdup(name && *name ? name : "default");
    for (char *p = part; *p; p++)
        if (*p == '/')
            *p = '_';
    return part;
}

/* This process's socket for NAME: DIR/NAME.PID.sock, so that two natters
 * (even of one account) never share one. */
static char *socket_path(const char *name, char **err)
{
    char *dir = socket_dir(err);
    if (!dir)
        return NULL;
    char *part = name_part(name);
    char *file = g_strdup_printf("%s.%ld.sock", part, (long)getpid());
    char *path = g_build_filename(dir, file, NULL);
    g_free(file);
    g_free(part);
    g_free(dir);
    return path;
}

/* The account part of socket file FILE (g_free), or NULL when FILE is not
 * NAME.PID.sock. */
static char *socket_account(const char *file)
{
    if (!g_str_has_suffix(file, ".sock"))
        return NULL;
    char *base = g_strndup(file, strlen(file) - strlen(".sock"));
    char *dot = strrchr(base, '.');
    bool ok = dot && dot > base && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1);
    if (!ok) {
        g_free(base);
        return NULL;
    }
    *dot = '\0';
    return base;
}

static void client_close(client *c)
{
    if (c->sink) {
        events_remove_sink(c->sink);
        event_clients--;
    }
    if (c->watch)
        loop_remove_fd(c->watch);
    if (c->timer)
        loop_cancel_timer(c->timer);
    close(c->fd);
    g_string_free(c->buf, TRUE);
    if (c->reply)
        g_string_free(c->reply, TRUE);
    clients = g_list_remove(clients, c);
    g_free(c);
}

static void on_client_timeout(void *ud);
static void reply_and_close(client *c, const char *text, size_t len);

/* Event stream: write what the socket takes now and watch for room when
 * some is left. False when C was closed (the reader went away). */
static bool flush_events(client *c)
{
    while (c->sent < c->reply->len) {
        ssize_t w = send(c->fd, c->reply->str + c->sent, c->reply->len - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_close(c);
            return false;
        }
        c->sent += (size_t)w;
    }
    if (c->sent == c->reply->len) {
        g_string_truncate(c->reply, 0);
        c->sent = 0;
    } else if (c->sent > MAX_EVENT_BACKLOG / 2) {
        g_string_erase(c->reply, 0, (gssize)c->sent);
        c->sent = 0;
    }
    /* Once half the backlog has gone out, tell the reader what it missed. */
    if (c->dropped && c->reply->len - c->sent < MAX_EVENT_BACKLOG / 2) {
        char *line = events_dropped(c->dropped);
        g_string_append(c->reply, line);
        g_free(line);
        c->dropped = 0;
        return flush_events(c);
    }
    loop_fd_set_events(c->watch, c->sent < c->reply->len ? POLLIN | POLLOUT : POLLIN);
    return true;
}

/* A line for an event-stream client. A reader that falls behind never
 * blocks natter: its backlog is bounded, and events that do not fit are
 * dropped and counted; the reader gets {"type":"dropped","count":N} in
 * their place as soon as it has caught up, so it knows there is a gap and
 * goes on without having to connect again. */
static void queue_event(const char *line, size_t len, void *ud)
{
    client *c = ud;
    if (c->dropped || c->reply->len - c->sent + len > MAX_EVENT_BACKLOG) {
        c->dropped++;
        return;
    }
    g_string_append_len(c->reply, line, (gssize)len);
    /* Written when the loop polls next, right after this pass: a burst
     * of events costs one write, not one each. */
    loop_fd_set_events(c->watch, POLLIN | POLLOUT);
}

/* Turn C into an event-stream client for the kinds in FILTER (the rest of
 * its "?events" request line). */
static void start_events(client *c, const char *filter)
{
    unsigned mask;
    char *err = NULL;
    if (event_clients >= MAX_EVENT_CLIENTS)
        err = g_strdup_printf("too many event streams at once (%d)", MAX_EVENT_CLIENTS);
    if (err || !events_parse_filter(filter, &mask, &err)) {
        char *msg = g_strdup_printf("error: %s\n", err);
        g_free(err);
        reply_and_close(c, msg, strlen(msg));
        g_free(msg);
        return;
    }
    if (c->timer)
        loop_cancel_timer(c->timer); /* it stays as long as it likes */
    c->timer = 0;
    c->reply = g_string_new(NULL);
    c->sent = 0;
    char *hello = events_hello(mask);
    g_string_append(c->reply, hello);
    g_free(hello);
    c->sink = events_add_sink(mask, queue_event, c);
    event_clients++;
    flush_events(c);
}

static void restart_timer(client *c)
{
    if (c->timer)
        loop_cancel_timer(c->timer);
    c->timer = loop_add_timer(CLIENT_TIMEOUT_MS, on_client_timeout, c);
}

/* Write what the socket takes now. False when C was closed: the reply is
 * all out, the client went away, or it left too much unread. */
static bool flush_reply(client *c)
{
    bool progress = false;
    while (c->sent < c->reply->len) {
        ssize_t w = send(c->fd, c->reply->str + c->sent, c->reply->len - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_close(c);
            return false;
        }
        c->sent += (size_t)w;
        progress = true;
    }
    if (c->sent == c->reply->len || c->reply->len - c->sent > MAX_UNSENT) {
        client_close(c); /* done, or a client that does not read: dropped */
        return false;
    }
    if (progress)
        restart_timer(c); /* a slow reader is fine; a stalled one times out */
    return true;
}

/* Stop reading C and send it TEXT, then close it; the main loop writes
 * what the socket does not take at once. */
static void reply_and_close(client *c, const char *text, size_t len)
{
    c->replying = true;
    c->reply = g_string_new_len(text, (gssize)len);
    c->sent = 0;
    loop_fd_set_events(c->watch, POLLOUT);
    restart_timer(c);
    flush_reply(c);
}

/* Run the request's command lines and answer. */
static void serve(client *c)
{
    GString *answer = g_string_new(NULL);
    bool failed = false;
    char **lines = g_strsplit(c->buf->str, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (!**l)
            continue;
        if (**l != '/') {
            g_string_append_printf(answer, "error: not a command: %s\n", *l);
            failed = true;
            continue;
        }
        /* The reply carries what the command printed, its error too (shown
         * on the screen as well); ok or error comes from its result. */
        ui_capture_begin();
        char *err = NULL;
        if (cmd_execute(*l, &err) != CMD_OK) {
            cmd_show_error(NULL, err);
            g_free(err);
            failed = true;
        }
        char *out = ui_capture_end();
        g_string_append(answer, out);
        g_free(out);
    }
    g_strfreev(lines);
    g_string_append(answer, failed ? "error\n" : "ok\n");
    reply_and_close(c, answer->str, answer->len);
    g_string_free(answer, TRUE);
}

static void on_client_timeout(void *ud)
{
    client *c = ud;
    c->timer = 0;
    if (c->replying) {
        client_close(c); /* it stopped reading the reply */
        return;
    }
    static const char msg[] = "error: request not finished in time\n";
    reply_and_close(c, msg, sizeof(msg) - 1);
}

static void on_client(int fd, short revents, void *ud)
{
    client *c = ud;
    if (c->replying) {
        flush_reply(c);
        return;
    }
    char buf[4096];
    if (c->sink) {
        /* An event-stream client has nothing more to say: what it sends is
         * ignored, and its end (or an error) ends the stream. */
        if (revents & POLLOUT && !flush_events(c))
            return;
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                client_close(c);
        }
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        if (c->buf->len + (size_t)n > MAX_REQUEST) {
            static const char msg[] = "error: request too long\n";
            reply_and_close(c, msg, sizeof(msg) - 1);
            return;
        }
        g_string_append_len(c->buf, buf, n);
        const char *nl = memchr(c->buf->str, '\n', c->buf->len);
        if (nl && g_str_has_prefix(c->buf->str, EVENTS_REQUEST) &&
            (c->buf->str[strlen(EVENTS_REQUEST)] == ' ' ||
             c->buf->str + strlen(EVENTS_REQUEST) == nl)) {
            char *filter = g_strndup(c->buf->str + strlen(EVENTS_REQUEST),
                                     (gsize)(nl - c->buf->str) - strlen(EVENTS_REQUEST));
            start_events(c, g_strstrip(filter));
            g_free(filter);
        }
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n == 0 && g_utf8_validate(c->buf->str, (gssize)c->buf->len, NULL) &&
        !memchr(c->buf->str, '\0', c->buf->len)) {
        serve(c);
    } else if (n == 0) {
        static const char msg[] = "error: request is not UTF-8 text\n";
        reply_and_close(c, msg, sizeof(msg) - 1);
    } else {
        client_close(c);
    }
}

static void on_accept(int fd, short revents, void *ud)
{
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
        close(cfd); /* only the same user may drive natter */
        return;
    }
    client *c = g_new0(client, 1);
    c->fd = cfd;
    c->buf = g_string_new(NULL);
    c->watch = loop_add_fd(cfd, POLLIN, on_client, c);
    c->timer = loop_add_timer(CLIENT_TIMEOUT_MS, on_client_timeout, c);
    clients = g_list_prepend(clients, c);
}

/* True when something answers on PATH (another natter). */
static bool socket_alive(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    bool alive = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return alive;
}

bool remote_init(const char *name, char **err)
{
    char *path = socket_path(name, err);
    if (!path)
        return false;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        *err = g_strdup_printf("socket path too long: %s", path);
        g_free(path);
        return false;
    }
    if (socket_alive(path)) {
        *err = g_strdup_printf("another natter already listens on %s", path);
        g_free(path);
        return false;
    }
    unlink(path); /* a stale socket of a natter that died */
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    mode_t old = umask(0177);
    bool ok = listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              listen(listen_fd, 8) == 0;
    umask(old);
    if (!ok) {
        *err = g_strdup_printf("cannot listen on %s: %s", path, g_strerror(errno));
        if (listen_fd >= 0)
            close(listen_fd);
        listen_fd = -1;
        g_free(path);
        return false;
    }
    chmod(path, 0600);
    sock_path = path;
    listen_watch = loop_add_fd(listen_fd, POLLIN, on_accept, NULL);
    events_init();
    return true;
}

void remote_deinit(void)
{
    while (clients)
        client_close(clients->data);
    if (listen_watch)
        events_deinit();
    if (listen_watch)
        loop_remove_fd(listen_watch);
    listen_watch = 0;
    if (listen_fd >= 0)
        close(listen_fd);
    listen_fd = -1;
    if (sock_path)
        unlink(sock_path);
    g_clear_pointer(&sock_path, g_free);
}

/* The socket of the one natter running for NAME (NULL: of any account),
 * for --remote. When none or several answer, NULL with *ERR naming what
 * runs. */
static char *find_socket(const char *name, char **err)
{
    char *dir = socket_dir(err);
    if (!dir)
        return NULL;
    char *want = name ? name_part(name) : NULL;
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    GString *names = g_string_new(NULL);
    const char *e;
    while (d && (e = g_dir_read_name(d))) {
        char *acc = socket_account(e);
        char *p = acc && (!want || !strcmp(acc, want)) ? g_build_filename(dir, e, NULL) : NULL;
        if (p && socket_alive(p)) {
            g_ptr_array_add(found, p);
            const char *pid = e + strlen(acc) + 1;
            g_string_append_printf(names, "%s%s (process %.*s)", names->len ? ", " : "", acc,
                                   (int)(strlen(pid) - strlen(".sock")), pid);
        } else {
            g_free(p);
        }
        g_free(acc);
    }
    if (d)
        g_dir_close(d);
    char *path = NULL;
    if (found->len == 1)
        path = g_strdup(g_ptr_array_index(found, 0));
    else if (found->len == 0 && want)
        *err = g_strdup_printf("no natter is running for account %s (nothing listens in %s)", name,
                               dir);
    else if (found->len == 0)
        *err = g_strdup_printf("no natter is running (nothing listens in %s)", dir);
    else if (want)
        *err = g_strdup_printf("several natters are running for account %s: %s", name, names->str);
    else
        *err = g_strdup_printf("several natters are running: %s; choose one with -a ACCOUNT",
                               names->str);
    g_string_free(names, TRUE);
    g_ptr_array_unref(found);
    g_free(want);
    g_free(dir);
    return path;
}

/* Client side (a process of its own, no main loop): write all of S,
 * waiting up to a second whenever the socket is full. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) <= 0)
                return;
            continue;
        }
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Client side: connect to the natter running for NAME. -1 after saying
 * why on stderr. */
static int connect_running(const char *name)
{
    char *err = NULL;
    char *path = find_socket(name, &err);
    if (!path) {
        fprintf(stderr, "natter: %s\n", err);
        g_free(err);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "natter: no natter answers on %s: %s\n", path, g_strerror(errno));
        g_free(path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    g_free(path);
    return fd;
}

int remote_events(const char *name, const char *filter)
{
    unsigned mask;
    char *err = NULL;
    if (!events_parse_filter(filter, &mask, &err)) {
        fprintf(stderr, "natter: --filter: %s\n", err);
        g_free(err);
        return 2;
    }
    int fd = connect_running(name);
    if (fd < 0)
        return 2;
    char *req = g_strdup_printf(EVENTS_REQUEST " %s\n", filter ? filter : "");
    write_all(fd, req, strlen(req));
    g_free(req);
    /* Pass whole lines on as they come, each flushed at once: a script
     * reading our output line by line sees every event when it happens. */
    GString *pending = g_string_new(NULL);
    char buf[8192];
    ssize_t n;
    int status = 0;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        g_string_append_len(pending, buf, n);
        char *nl = memrchr(pending->str, '\n', pending->len);
        if (!nl)
            continue;
        size_t whole = (size_t)(nl - pending->str) + 1;
        if (g_str_has_prefix(pending->str, "error: ")) {
            fwrite(pending->str + strlen("error: "), 1, whole - strlen("error: "), stderr);
            status = 2;
            break;
        }
        if (fwrite(pending->str, 1, whole, stdout) != whole || fflush(stdout) != 0)
            break; /* nobody reads our output any more */
        g_string_erase(pending, 0, (gssize)whole);
    }
    g_string_free(pending, TRUE);
    close(fd);
    return status;
}

int remote_run(const char *name, char **commands)
{
    int fd = connect_running(name);
    if (fd < 0)
        return 2;
    for (char **c = commands; c && *c; c++) {
        write_all(fd, *c, strlen(*c));
        write_all(fd, "\n", 1);
    }
    shutdown(fd, SHUT_WR);
    GString *answer = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, 10000) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        g_string_append_len(answer, buf, n);
    close(fd);
    fputs(answer->str, stdout);
    bool ok = g_str_has_suffix(answer->str, "ok\n");
    g_string_free(answer, TRUE);
    return ok ? 0 : 1;
}

/* spawn.c - asynchronous shell commands through the main loop. */
#include "core/spawn.h"

#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/loop.h"

typedef struct {
    GPid pid;
    int fd;
    unsigned watch, timer, reap_timer;
    GString *out;
    size_t max;
    bool timed_out;
    int reap_tries;
    spawn_done_cb cb;
    void *ud;
} job;

static void finish(job *j, int status, const char *err)
{
    if (j->watch)
        loop_remove_fd(j->watch);
    if (j->timer)
        loop_cancel_timer(j->timer);
    if (j->fd >= 0)
        close(j->fd);
    j->cb(status, j->out->str, err, j->ud);
    g_string_free(j->out, TRUE);
    g_free(j);
}

static void try_reap(void *ud)
{
    job *j = ud;
    j->reap_timer = 0;
    int st;
    pid_t r = waitpid(j->pid, &st, WNOHANG);
    if (r == j->pid) {
        if (j->timed_out)
            finish(j, -1, "took too long and was stopped");
        else if (WIFEXITED(st))
            finish(j, WEXITSTATUS(st), NULL);
        else
            finish(j, -1, "was killed by a signal");
        return;
    }
    if (r < 0) {
        finish(j, -1, g_strerror(errno));
        return;
    }
    if (++j->reap_tries > 500) { /* closed stdout but lingers: stop it */
        kill(j->pid, SIGKILL);
        j->timed_out = true;
    }
    j->reap_timer = loop_add_timer(10, try_reap, j);
}

static void on_output(int fd, short revents, void *ud)
{
    job *j = ud;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        size_t room = j->out->len < j->max ? j->max - j->out->len : 0;
        g_string_append_len(j->out, buf, (gssize)((size_t)n < room ? (size_t)n : room));
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    loop_remove_fd(j->watch);
    j->watch = 0;
    close(j->fd);
    j->fd = -1;
    try_reap(j);
}

static void on_timeout(void *ud)
{
    job *j = ud;
    j->timer = 0;
    j->timed_out = true;
    kill(j->pid, SIGKILL);
}

bool spawn_shell(const char *command, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                 void *ud, char **err)
{
    const char *argv[] = {"/bin/sh", "-c", command, NULL};
    GError *e = NULL;
    job *j = g_new0(job, 1);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                  NULL, &j->pid, NULL, &j->fd, NULL, &e)) {
        *err = g_strdup(e->message);
        g_error_free(e);
        g_free(j);
        return false;
    }
    j->out = g_string_new(NULL);
    j->max = max_output;
    j->cb = cb;
    j->ud = ud;
    g_unix_set_fd_nonblocking(j->fd, TRUE, NULL);
    j->watch = loop_add_fd(j->fd, POLLIN, on_output, j);
    j->timer = loop_add_timer(timeout_ms, on_timeout, j);
    return true;
}

/* spawn.c - asynchronous shell commands through the main loop. */
#include "core/spawn.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/loop.h"

#define REAP_STEP_MS 10
#define KILL_GRACE_MS 1000

typedef struct {
    unsigned id;
    GPid pid;
    int fd;
    unsigned watch, timer, reap_timer, kill_timer;
    GString *out;     /* collected output (spawn_shell) */
    size_t max, seen; /* byte limit, bytes read so far */
    bool stopped;     /* we stopped it (time limit or spawn_kill) */
    bool timed_out;
    int reap_tries;
    spawn_output_cb out_cb;
    spawn_done_cb cb;
    void *ud;
} job;

static GHashTable *jobs;     /* id -> job* */
static GPtrArray *child_env; /* char*: name, value (or NULL), name, value... */
static unsigned next_id = 1;

static void job_free(job *j)
{
    if (j->watch)
        loop_remove_fd(j->watch);
    if (j->timer)
        loop_cancel_timer(j->timer);
    if (j->reap_timer)
        loop_cancel_timer(j->reap_timer);
    if (j->kill_timer)
        loop_cancel_timer(j->kill_timer);
    if (j->fd >= 0)
        close(j->fd);
    g_string_free(j->out, TRUE);
    g_free(j);
}

static void finish(job *j, int status, const char *err)
{
    g_hash_table_steal(jobs, GUINT_TO_POINTER(j->id));
    spawn_done_cb cb = j->cb;
    void *ud = j->ud;
    char *out = g_strdup(j->out->str);
    job_free(j);
    cb(status, out, err, ud);
    g_free(out);
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
        else if (j->stopped)
            finish(j, -1, "was stopped");
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
    /* Output closed but the process lingers (it may have detached): it
     * still counts against the time limit, which stops it. */
    j->reap_tries++;
    j->reap_timer = loop_add_timer(j->reap_tries < 100 ? REAP_STEP_MS : 200, try_reap, j);
}

static void on_output(int fd, short revents, void *ud)
{
    job *j = ud;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        size_t room = j->seen < j->max ? j->max - j->seen : 0;
        size_t take = (size_t)n < room ? (size_t)n : room;
        j->seen += (size_t)n;
        if (take && j->out_cb)
            j->out_cb(buf, take, j->ud);
        else if (take)
            g_string_append_len(j->out, buf, (gssize)take);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    loop_remove_fd(j->watch);
    j->watch = 0;
    close(j->fd);
    j->fd = -1;
    if (j->reap_timer) { /* already polling (the job was stopped) */
        loop_cancel_timer(j->reap_timer);
        j->reap_timer = 0;
    }
    try_reap(j);
}

static void on_hard_kill(void *ud)
{
    job *j = ud;
    j->kill_timer = 0;
    kill(-j->pid, SIGKILL);
    kill(j->pid, SIGKILL);
}

static void try_reap(void *ud);

static void stop_job(job *j)
{
    j->stopped = true;
    kill(-j->pid, SIGTERM);
    kill(j->pid, SIGTERM);
    if (!j->kill_timer)
        j->kill_timer = loop_add_timer(KILL_GRACE_MS, on_hard_kill, j);
    /* Something detached may hold the output open: finish once the
     * command itself is gone, whether or not the pipe closes. */
    if (!j->reap_timer)
        j->reap_timer = loop_add_timer(REAP_STEP_MS, try_reap, j);
}

static void on_timeout(void *ud)
{
    job *j = ud;
    j->timer = 0;
    j->timed_out = true;
    stop_job(j);
}

void spawn_child_env(const char *name, const char *value)
{
    if (!child_env)
        child_env = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(child_env, g_strdup(name));
    g_ptr_array_add(child_env, g_strdup(value));
}

/* In the child, before exec: own process group; stderr joins stdout when
 * asked (streamed commands). */
static void child_setup_merge(gpointer ud)
{
    setpgid(0, 0);
    if (ud)
        dup2(STDOUT_FILENO, STDERR_FILENO);
}

static unsigned start(const char *const *argv, unsigned timeout_ms, size_t max_output,
                      spawn_output_cb out, spawn_done_cb done, void *ud, char **err)
{
    GError *e = NULL;
    job *j = g_new0(job, 1);
    j->fd = -1;
    GSpawnFlags flags =
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | (out ? 0 : G_SPAWN_STDERR_TO_DEV_NULL);
    char **envp = NULL;
    if (child_env) {
        envp = g_get_environ();
        for (guint i = 0; i + 1 < child_env->len; i += 2) {
            const char *name = g_ptr_array_index(child_env, i);
            const char *value = g_ptr_array_index(child_env, i + 1);
            envp =
                value ? g_environ_setenv(envp, name, value, TRUE) : g_environ_unsetenv(envp, name);
        }
    }
    bool ok =
        g_spawn_async_with_pipes(NULL, (char **)argv, envp, flags, child_setup_merge,
                                 out ? GINT_TO_POINTER(1) : NULL, &j->pid, NULL, &j->fd, NULL, &e);
    g_strfreev(envp);
    if (!ok) {
        *err = g_strdup(e->message);
        g_error_free(e);
        g_free(j);
        return 0;
    }
    if (!jobs)
        jobs = g_hash_table_new(g_direct_hash, g_direct_equal);
    j->id = next_id++;
    j->out = g_string_new(NULL);
    j->max = max_output;
    j->out_cb = out;
    j->cb = done;
    j->ud = ud;
    g_unix_set_fd_nonblocking(j->fd, TRUE, NULL);
    j->watch = loop_add_fd(j->fd, POLLIN, on_output, j);
    if (timeout_ms)
        j->timer = loop_add_timer(timeout_ms, on_timeout, j);
    g_hash_table_insert(jobs, GUINT_TO_POINTER(j->id), j);
    return j->id;
}

bool spawn_shell(const char *command, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                 void *ud, char **err)
{
    const char *argv[] = {"/bin/sh", "-c", command, NULL};
    return start(argv, timeout_ms, max_output, NULL, cb, ud, err) != 0;
}

bool spawn_argv(const char *const *argv, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                void *ud, char **err)
{
    if (!argv || !argv[0] || !*argv[0]) {
        *err = g_strdup("no command");
        return false;
    }
    return start(argv, timeout_ms, max_output, NULL, cb, ud, err) != 0;
}

unsigned spawn_stream(const char *command, unsigned timeout_ms, size_t max_output,
                      spawn_output_cb out, spawn_done_cb done, void *ud, char **err)
{
    const char *argv[] = {"/bin/sh", "-c", command, NULL};
    return start(argv, timeout_ms, max_output, out, done, ud, err);
}

bool spawn_kill(unsigned id)
{
    job *j = jobs ? g_hash_table_lookup(jobs, GUINT_TO_POINTER(id)) : NULL;
    if (!j)
        return false;
    stop_job(j);
    return true;
}

int spawn_pid(unsigned id)
{
    job *j = jobs ? g_hash_table_lookup(jobs, GUINT_TO_POINTER(id)) : NULL;
    return j ? (int)j->pid : 0;
}

void spawn_deinit(void)
{
    if (!jobs)
        return;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, jobs);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        job *j = v;
        kill(-j->pid, SIGKILL);
        kill(j->pid, SIGKILL);
        waitpid(j->pid, NULL, 0);
        job_free(j);
    }
    g_hash_table_destroy(jobs);
    jobs = NULL;
}

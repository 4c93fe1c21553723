/* loop.c - single-threaded poll() loop with timers, prepare hooks and
 * signals delivered through a self-pipe. */
#include "core/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    unsigned id;
    int fd;
    short events;
    loop_fd_cb cb;
    void *ud;
    bool removed;
} fd_watch;

typedef struct {
    unsigned id;
    int64_t due;
    loop_timer_cb cb;
    void *ud;
} timer_entry;

typedef struct {
    int priority;
    loop_prepare_cb cb;
    void *ud;
} prepare_hook;

typedef struct {
    loop_signal_cb cb;
    void *ud;
} signal_hook;

static GArray *watches;     /* fd_watch */
static GArray *timers;      /* timer_entry, unsorted (few of them) */
static GArray *prepares;    /* prepare_hook, sorted by priority */
static GArray *dispatching; /* timer_entry: the due timers of this pass */
static signal_hook signal_hooks[65];
static int self_pipe[2] = {-1, -1};
static volatile sig_atomic_t pending_signals[65];
static unsigned next_id = 1;
static bool running;
static uint64_t wakeups;

int64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_nonblock_cloexec(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

bool loop_init(void)
{
    if (pipe(self_pipe) < 0)
        return false;
    set_nonblock_cloexec(self_pipe[0]);
    set_nonblock_cloexec(self_pipe[1]);
    watches = g_array_new(FALSE, TRUE, sizeof(fd_watch));
    timers = g_array_new(FALSE, TRUE, sizeof(timer_entry));
    prepares = g_array_new(FALSE, TRUE, sizeof(prepare_hook));
    return true;
}

void loop_deinit(void)
{
    for (int s = 1; s < 65; s++)
        if (signal_hooks[s].cb)
            signal(s, SIG_DFL);
    memset(signal_hooks, 0, sizeof(signal_hooks));
    if (self_pipe[0] >= 0) {
        close(self_pipe[0]);
        close(self_pipe[1]);
        self_pipe[0] = self_pipe[1] = -1;
    }
    if (watches)
        g_array_free(watches, TRUE);
    if (timers)
        g_array_free(timers, TRUE);
    if (prepares)
        g_array_free(prepares, TRUE);
    watches = timers = prepares = NULL;
}

unsigned loop_add_fd(int fd, short events, loop_fd_cb cb, void *ud)
{
    fd_watch w = {next_id++, fd, events, cb, ud, false};
    g_array_append_val(watches, w);
    return w.id;
}

static fd_watch *find_watch(unsigned id)
{
    for (guint i = 0; i < watches->len; i++) {
        fd_watch *w = &g_array_index(watches, fd_watch, i);
        if (w->id == id && !w->removed)
            return w;
    }
    return NULL;
}

void loop_fd_set_events(unsigned id, short events)
{
    fd_watch *w = find_watch(id);
    if (w)
        w->events = events;
}

void loop_remove_fd(unsigned id)
{
    fd_watch *w = find_watch(id);
    if (w)
        w->removed = true; /* compacted after dispatch */
}

unsigned loop_add_timer(unsigned ms, loop_timer_cb cb, void *ud)
{
    timer_entry t = {next_id++, loop_now_ms() + ms, cb, ud};
    g_array_append_val(timers, t);
    return t.id;
}

void loop_cancel_timer(unsigned id)
{
    for (guint i = 0; i < timers->len; i++) {
        if (g_array_index(timers, timer_entry, i).id == id) {
            g_array_remove_index_fast(timers, i);
            return;
        }
    }
    /* Already taken out to run in this pass: it must not run now. */
    for (guint i = 0; dispatching && i < dispatching->len; i++) {
        timer_entry *t = &g_array_index(dispatching, timer_entry, i);
        if (t->id == id) {
            t->cb = NULL;
            return;
        }
    }
}

static gint prepare_cmp(gconstpointer a, gconstpointer b)
{
    return ((const prepare_hook *)a)->priority - ((const prepare_hook *)b)->priority;
}

void loop_add_prepare(int priority, loop_prepare_cb cb, void *ud)
{
    prepare_hook h = {priority, cb, ud};
    g_array_append_val(prepares, h);
    g_array_sort(prepares, prepare_cmp);
}

static void on_signal(int signo)
{
    int saved = errno;
    if (signo > 0 && signo < 65)
        pending_signals[signo] = 1;
    ssize_t r = write(self_pipe[1], "s", 1);
    (void)r;
    errno = saved;
}

bool loop_on_signal(int signo, loop_signal_cb cb, void *ud)
{
    if (signo <= 0 || signo >= 65)
        return false;
    signal_hooks[signo].cb = cb;
    signal_hooks[signo].ud = ud;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(signo, &sa, NULL) == 0;
}

static void dispatch_signals(void)
{
    char buf[64];
    while (read(self_pipe[0], buf, sizeof(buf)) > 0)
        ;
    for (int s = 1; s < 65; s++) {
        if (pending_signals[s]) {
            pending_signals[s] = 0;
            if (signal_hooks[s].cb)
                signal_hooks[s].cb(s, signal_hooks[s].ud);
        }
    }
}

static int next_timer_timeout(void)
{
    if (timers->len == 0)
        return -1;
    int64_t now = loop_now_ms(), best = INT64_MAX;
    for (guint i = 0; i < timers->len; i++) {
        int64_t due = g_array_index(timers, timer_entry, i).due;
        if (due < best)
            best = due;
    }
    int64_t d = best - now;
    if (d < 0)
        d = 0;
    return d > INT32_MAX ? INT32_MAX : (int)d;
}

static void run_due_timers(void)
{
    int64_t now = loop_now_ms();
    /* Collect first: callbacks may add or cancel timers. */
    GArray *due = NULL;
    for (guint i = 0; i < timers->len;) {
        timer_entry *t = &g_array_index(timers, timer_entry, i);
        if (t->due <= now) {
            if (!due)
                due = g_array_new(FALSE, FALSE, sizeof(timer_entry));
            g_array_append_val(due, *t);
            g_array_remove_index_fast(timers, i);
        } else {
            i++;
        }
    }
    if (!due)
        return;
    dispatching = due;
    for (guint i = 0; i < due->len; i++) {
        timer_entry t = g_array_index(due, timer_entry, i);
        if (t.cb) /* NULL: cancelled by an earlier callback of this pass */
            t.cb(t.ud);
    }
    dispatching = NULL;
    g_array_free(due, TRUE);
}

static int min_timeout(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static void loop_pass(void)
{
    int timeout = -1;
    for (guint i = 0; i < prepares->len; i++) {
        prepare_hook h = g_array_index(prepares, prepare_hook, i);
        timeout = min_timeout(timeout, h.cb(h.ud));
    }
    if (!running)
        return;
    timeout = min_timeout(timeout, next_timer_timeout());

    guint n = watches->len;
    struct pollfd *pfds = g_newa(struct pollfd, n + 1);
    unsigned *ids = g_newa(unsigned, n + 1);
    guint np = 0;
    pfds[np].fd = self_pipe[0];
    pfds[np].events = POLLIN;
    ids[np++] = 0;
    for (guint i = 0; i < n; i++) {
        fd_watch *w = &g_array_index(watches, fd_watch, i);
        if (w->removed || w->events == 0 || w->fd < 0)
            continue;
        pfds[np].fd = w->fd;
        pfds[np].events = w->events;
        ids[np++] = w->id;
    }
    int r = poll(pfds, np, timeout);
    wakeups++;
    if (r < 0 && errno != EINTR)
        g_warning("poll: %s", g_strerror(errno));
    for (guint i = 1; r > 0 && i < np; i++) {
        if (!pfds[i].revents)
            continue;
        fd_watch *w = find_watch(ids[i]);
        if (w)
            w->cb(w->fd, pfds[i].revents, w->ud);
    }
    run_due_timers();
    if (r > 0 && pfds[0].revents)
        dispatch_signals();
    else if (r < 0)
        dispatch_signals();
    for (guint i = 0; i < watches->len;) {
        if (g_array_index(watches, fd_watch, i).removed)
            g_array_remove_index(watches, i);
        else
            i++;
    }
}

void loop_run(void)
{
    running = true;
    while (running)
        loop_pass();
}

void loop_quit(void)
{
    running = false;
}

uint64_t loop_wakeups(void)
{
    return wakeups;
}

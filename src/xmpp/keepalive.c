/* keepalive.c - noticing a dead connection: after some seconds of silence
 * natter pings the server (XEP-0199) and waits a bounded time for anything
 * to arrive; nothing means the connection is gone. The silence is timed on
 * the clock that keeps running while the machine sleeps (CLOCK_BOOTTIME),
 * so a laptop waking from suspend checks its connection at once instead
 * of trusting a socket that died while it slept. */
#include "xmpp/internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"

#define SUSPEND_SLACK_MS 3000 /* more time asleep than this: the machine slept */

static int tfd = -1;           /* timerfd on CLOCK_BOOTTIME: the next check */
static unsigned tfd_watch;     /* its loop watch */
static unsigned timeout_timer; /* waiting for an answer */
static bool running;
static int64_t last_heard;           /* CLOCK_BOOTTIME ms of the last data read */
static int64_t last_mono, last_boot; /* both clocks at the last check */

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm_check(int64_t in_ms)
{
    if (tfd < 0)
        return;
    if (in_ms < 1)
        in_ms = 1;
    struct itimerspec its = {0};
    its.it_value.tv_sec = in_ms / 1000;
    its.it_value.tv_nsec = (long)(in_ms % 1000) * 1000000L;
    timerfd_settime(tfd, 0, &its, NULL);
}

static void disarm_check(void)
{
    if (tfd >= 0) {
        struct itimerspec its = {0};
        timerfd_settime(tfd, 0, &its, NULL);
    }
}

static void on_timeout(void *ud)
{
    timeout_timer = 0;
    long secs = settings_get_int("keepalive_timeout");
    char *why =
        g_strdup_printf("no answer from the server for %ld second%s", secs, secs == 1 ? "" : "s");
    nx_conn_lost(why);
    g_free(why);
}

static int on_pong(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    return 0; /* any data read already counted as a sign of life */
}

/* Ping the server now, unless an answer is awaited already. */
static void ping_now(void)
{
    xmpp_conn_t *c = nx_conn();
    if (!c || timeout_timer)
        return;
    char *id = nx_new_id();
    xmpp_stanza_t *iq = xmpp_iq_new(nx_ctx(), "get", id);
    const char *own = nx_own_bare();
    const char *at = own ? strchr(own, '@') : NULL;
    if (own)
        xmpp_stanza_set_to(iq, at ? at + 1 : own);
    nx_add_child(iq, "ping", NS_PING);
    xmpp_id_handler_add(c, on_pong, id, NULL);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
    g_free(id);
    long secs = settings_get_int("keepalive_timeout");
    timeout_timer = loop_add_timer((unsigned)secs * 1000, on_timeout, NULL);
}

/* The check: ping after a silence of `keepalive` seconds, or at once when
 * the machine has slept since the last check. */
static void on_check(int fd, short revents, void *ud)
{
    uint64_t n;
    if (read(tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        log_debug("keepalive", "timerfd read: %s", g_strerror(errno));
    if (!running)
        return;
    long secs = settings_get_int("keepalive");
    int64_t boot = clock_ms(CLOCK_BOOTTIME), mono = clock_ms(CLOCK_MONOTONIC);
    bool slept = (boot - last_boot) - (mono - last_mono) > SUSPEND_SLACK_MS;
    last_boot = boot;
    last_mono = mono;
    if (slept) {
        log_debug("keepalive", "the machine slept: checking the connection");
        ping_now();
    } else if (secs > 0 && boot - last_heard >= secs * 1000 - 50) {
        ping_now();
    }
    if (secs > 0) {
        int64_t next = last_heard + secs * 1000 - boot;
        arm_check(next > 0 ? next : secs * 1000);
    }
}

void nx_keepalive_start(void)
{
    if (tfd < 0) {
        tfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (tfd < 0) {
            log_debug("keepalive", "no timerfd: %s", g_strerror(errno));
            return;
        }
        tfd_watch = loop_add_fd(tfd, POLLIN, on_check, NULL);
    }
    running = true;
    last_heard = last_boot = clock_ms(CLOCK_BOOTTIME);
    last_mono = clock_ms(CLOCK_MONOTONIC);
    long secs = settings_get_int("keepalive");
    if (secs > 0)
        arm_check(secs * 1000);
}

void nx_keepalive_stop(void)
{
    running = false;
    disarm_check();
    if (timeout_timer)
        loop_cancel_timer(timeout_timer);
    timeout_timer = 0;
}

void nx_keepalive_heard(void)
{
    if (!running)
        return;
    last_heard = clock_ms(CLOCK_BOOTTIME);
    if (timeout_timer) {
        loop_cancel_timer(timeout_timer);
        timeout_timer = 0;
    }
}

void nx_keepalive_deinit(void)
{
    nx_keepalive_stop();
    if (tfd_watch)
        loop_remove_fd(tfd_watch);
    tfd_watch = 0;
    if (tfd >= 0)
        close(tfd);
    tfd = -1;
}

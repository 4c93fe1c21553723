/* conn.c - the XMPP connection: libstrophe context, login, the poll-loop
 * integration, closing a broken connection at once and reconnecting with
 * backoff, or resuming the session (stream management, with sm.c). */
#include "xmpp/internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "config/instance.h"
#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"

#define PUMP_MAX_ROUNDS 256 /* bound on back-to-back reads per wake-up */
#define BUSY_POLL_MS 250    /* libstrophe's own timeouts while (dis)connecting */
#define SM_WAIT_MS 10000    /* longest wait for the answer to <enable/> */
#define RECONNECT_FIRST_MS 1000
#define STABLE_MS 60000 /* a connection this old resets the backoff */

static xmpp_ctx_t *ctx;
static xmpp_log_t strophe_logger;
static xmpp_conn_t *conn;    /* the current connection object, or NULL */
static GPtrArray *graveyard; /* conns to release outside callbacks */
static account_t *account;   /* copy of the account being used */
static char *password;
static conn_state state = CONN_DISCONNECTED;
static char *own_full, *own_bare;
static bool user_disconnect, auth_failed, tls_refused, ever_connected, no_reconnect;
static char *last_error; /* last error libstrophe logged */
/* The TLS layer's last failure, from libstrophe's log: the code it passes
 * to conn_handler is then OpenSSL's, not an errno. */
static char *tls_error_name; /* "SSL_ERROR_SSL", ... or NULL */
static char *tls_error_text; /* OpenSSL's reason ("wrong version number") */
static int tls_errno;        /* the errno behind SSL_ERROR_SYSCALL */
static int connect_errno;    /* why the TCP connection failed (logged only) */
static unsigned fd_watch, reconnect_timer, sm_wait_timer;
static int sock_fd = -1;   /* the connection's socket, while it has one */
static char *lost_reason;  /* why natter closed the connection itself */
static bool xml_error;     /* the parser failed on what the server sent */
static bool awaiting_sm;   /* logged in, waiting for the answer to <enable/> */
static bool reset_pending; /* state kept for a resume not cleared yet */
static bool tried_resume;  /* this attempt carries a session to resume */
static int attempts;
static int64_t connected_at; /* when the current connection was established */
static bool saw_data;
static bool reconnect_asap; /* start again as soon as the old conn is gone */

static void schedule_reconnect(void);
static void on_reconnect_timer(void *ud);

/* The domain of the account's JID (what TLS verifies). */
static const char *account_domain(void)
{
    const char *at = strchr(account->jid, '@');
    return at ? at + 1 : account->jid;
}
static void start_connect(void);

/* Release C, with whatever its unanswered iqs held. */
static void release_conn(xmpp_conn_t *c)
{
    nx_iq_forget(c);
    xmpp_conn_release(c);
}

xmpp_ctx_t *nx_ctx(void)
{
    return ctx;
}

xmpp_conn_t *nx_conn(void)
{
    return state == CONN_CONNECTED ? conn : NULL;
}

conn_state nx_state(void)
{
    return state;
}

const char *nx_account_name(void)
{
    return account ? account->name : NULL;
}

const char *nx_own_bare(void)
{
    return own_bare;
}

const char *nx_own_full(void)
{
    return own_full;
}

bool nx_from_own_account(const char *from)
{
    if (!from || !*from)
        return true;
    if (!own_bare)
        return false;
    if (own_full && strcmp(from, own_full) == 0)
        return true;
    jid_t *j = jid_new(from);
    bool ok = j && !j->resource && strcmp(j->bare, own_bare) == 0;
    jid_free(j);
    return ok;
}

bool nx_from_own_server(const char *from)
{
    if (!from || !*from)
        return true;
    const char *at = own_bare ? strchr(own_bare, '@') : NULL;
    return at && g_ascii_strcasecmp(from, at + 1) == 0;
}

static void clear_logged_errors(void)
{
    g_clear_pointer(&tls_error_name, g_free);
    g_clear_pointer(&tls_error_text, g_free);
    tls_errno = connect_errno = 0;
}

/* Remember a TLS failure that libstrophe logs (as debug lines:
 * "error=SSL_ERROR_SSL(1) errno=0 ..." and OpenSSL's queue,
 * "error:0A00010B:SSL routines::wrong version number"). */
static void note_tls_error(const char *msg)
{
    if (g_str_has_prefix(msg, "error=SSL_ERROR_")) {
        const char *name = msg + strlen("error=");
        size_t len = strcspn(name, "( ");
        if (!strncmp(name, "SSL_ERROR_WANT_", strlen("SSL_ERROR_WANT_")))
            return;
        g_free(tls_error_name);
        tls_error_name = g_strndup(name, len);
        const char *e = strstr(msg, "errno=");
        tls_errno = e ? (int)g_ascii_strtoll(e + strlen("errno="), NULL, 10) : 0;
    } else if (g_str_has_prefix(msg, "error:")) {
        const char *why = strrchr(msg, ':');
        if (why && why[1]) {
            g_free(tls_error_text);
            tls_error_text = g_strdup(why + 1);
        }
    }
}

/* Why the TLS layer failed (g_free), or NULL when it did not. */
static char *tls_failure(void)
{
    if (!tls_error_name)
        return NULL;
    /* OpenSSL 3 calls a peer that just went away an error. */
    if (tls_error_text && strstr(tls_error_text, "unexpected eof"))
        return g_strdup("the connection was closed");
    if (tls_error_text)
        return g_strdup_printf("TLS failed: %s", tls_error_text);
    if (!strcmp(tls_error_name, "SSL_ERROR_SYSCALL") && tls_errno > 0)
        return g_strdup(g_strerror(tls_errno));
    if (!strcmp(tls_error_name, "SSL_ERROR_SYSCALL") ||
        !strcmp(tls_error_name, "SSL_ERROR_ZERO_RETURN"))
        return g_strdup("the connection was closed");
    return g_strdup_printf("TLS failed (%s)", tls_error_name);
}

/* Where natter connects: the server and port when the account names them
 * (g_free). Without a server the domain's SRV records choose. */
static char *connect_target(void)
{
    if (!account->server)
        return g_strdup(account_domain());
    int port = account->port ? account->port : account->tls == ACCOUNT_TLS_DIRECT ? 5223 : 5222;
    return g_strdup_printf("%s:%d", account->server, port);
}

/* libstrophe's log: the only place we learn that bytes were read (so we can
 * drain TLS-buffered data) and why a login failed. */
static void strophe_log_cb(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
    if (strncmp(msg, "RECV: ", 6) == 0) {
        saw_data = true;
        nx_keepalive_heard();
        nx_sm_read(msg + 6);
        if (state != CONN_CONNECTED && strstr(msg, "<failure") && strstr(msg, "xmpp-sasl"))
            auth_failed = true;
    }
    if (level >= XMPP_LEVEL_ERROR) {
        g_free(last_error);
        last_error = g_strdup(msg);
    }
    if (!g_strcmp0(area, "tls"))
        note_tls_error(msg);
    if (!g_strcmp0(area, "conn") && g_str_has_prefix(msg, "SENT: "))
        nx_sm_written(msg + 6);
    if (!g_strcmp0(area, "xmpp") && g_str_has_prefix(msg, "parse error"))
        xml_error = true;
    if (!g_strcmp0(area, "xmpp") && g_str_has_prefix(msg, "connection failed, error "))
        connect_errno = (int)g_ascii_strtoll(msg + strlen("connection failed, error "), NULL, 10);
    if (!log_enabled())
        return;
    if (strstr(msg, "<auth") || strstr(msg, "<response") || strstr(msg, "<challenge") ||
        strstr(msg, "<success") || strstr(msg, "assword")) {
        log_write("DEBUG", area, "[authentication data redacted]");
        return;
    }
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    log_write(names[level & 3], area, "%s", msg);
}

static void finish_login(xmpp_conn_t *c);

/* What libstrophe's last pass revealed: a parse error, a server that
 * miscounts, the answer to <enable/>. Acted on here, outside its calls. */
static void after_pass(void)
{
    if (!conn)
        return;
    if (xml_error) {
        xml_error = false;
        char *why = nx_xml_error_take();
        nx_conn_lost(why);
        g_free(why);
        return;
    }
    char *violation = nx_sm_violation_take();
    if (violation) {
        /* XEP-0198: a count higher than what was sent ends the stream. */
        xmpp_send_raw_string(conn,
                             "<stream:error><undefined-condition "
                             "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                             "<handled-count-too-high xmlns='urn:xmpp:sm:3'/></stream:error>");
        for (int i = 0; i < 4 && xmpp_conn_send_queue_len(conn) > 0; i++)
            xmpp_run_once(ctx, 0);
        nx_conn_lost(violation);
        g_free(violation);
        return;
    }
    if (awaiting_sm && nx_sm_settled())
        finish_login(conn);
    if (state == CONN_CONNECTED)
        nx_sm_after_pass(conn);
}

static unsigned pump_timer; /* more to read after a long pump */

static void pump(void);

static void on_pump_timer(void *ud)
{
    pump_timer = 0;
    pump();
}

/* Read and handle what the connection has. libstrophe reads at most 4 KiB
 * a pass, and decrypted TLS data it has not read yet is invisible to
 * poll(): keep going while passes move data (a pass that ends inside a big
 * stanza, such as a roster of thousands, logs no stanza but feeds the
 * parser). After many rounds, go on at the next loop pass so the screen
 * keeps up. */
static void pump(void)
{
    if (!ctx)
        return;
    bool moved = true;
    for (int i = 0; i < PUMP_MAX_ROUNDS; i++) {
        saw_data = false;
        unsigned long before = nx_xml_bytes_fed();
        xmpp_run_once(ctx, 0);
        after_pass();
        moved = saw_data || nx_xml_bytes_fed() != before;
        if (!moved && i > 0) /* one more: writes what the last read queued */
            break;
    }
    if (moved && ctx && !pump_timer)
        pump_timer = loop_add_timer(0, on_pump_timer, NULL);
}

void nx_conn_lost(const char *why)
{
    if (!conn || lost_reason)
        return;
    lost_reason = g_strdup(why);
    /* No </stream:stream>: the server keeps the session for a resume, and
     * a dead peer would not answer it anyway. libstrophe reads the end of
     * the socket at its next pass and reports the disconnection. */
    if (sock_fd >= 0 && shutdown(sock_fd, SHUT_RDWR) == 0)
        return;
    xmpp_disconnect(conn);
}

static void on_socket(int fd, short revents, void *ud)
{
    pump();
}

static int sockopt_cb(xmpp_conn_t *c, void *sock)
{
    int fd = *(int *)sock;
    sock_fd = fd;
    if (fd_watch)
        loop_remove_fd(fd_watch);
    fd_watch = loop_add_fd(fd, POLLIN, on_socket, NULL);
    /* An interactive client: what natter writes goes out at once. With
     * Nagle's algorithm a second small stanza (a room's join presence
     * after its disco#info) waited for the server's delayed ACK. */
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        log_debug("conn", "TCP_NODELAY not set: %s", g_strerror(errno));
    return xmpp_sockopt_cb_keepalive(c, sock);
}

static int prepare_cb(void *ud)
{
    for (guint i = 0; graveyard && i < graveyard->len; i++)
        release_conn(g_ptr_array_index(graveyard, i));
    if (graveyard)
        g_ptr_array_set_size(graveyard, 0);
    if (!conn)
        return -1;
    bool busy = state != CONN_CONNECTED || xmpp_conn_is_connecting(conn);
    if (busy || xmpp_conn_send_queue_len(conn) > 0)
        pump();
    if (!conn)
        return -1;
    /* POLLOUT only while a TCP connect is in progress or data waits to be
     * written; otherwise an always-writable socket would spin the loop. */
    bool want_out = xmpp_conn_is_connecting(conn) || xmpp_conn_send_queue_len(conn) > 0;
    if (fd_watch)
        loop_fd_set_events(fd_watch, POLLIN | (want_out ? POLLOUT : 0));
    return (state != CONN_CONNECTED || xmpp_conn_is_disconnected(conn)) ? BUSY_POLL_MS : -1;
}

static void stop_timers(void)
{
    nx_keepalive_stop();
    if (sm_wait_timer)
        loop_cancel_timer(sm_wait_timer);
    sm_wait_timer = 0;
}

static void set_state(conn_state s, const char *reason)
{
    state = s;
    ev_conn_state ev = {s, account ? account->name : NULL, own_full, own_bare, reason};
    event_emit(EV_CONN_STATE, &ev);
}

static char *stream_error_text(const xmpp_stream_error_t *se)
{
    static const char *const names[] = {"bad-format",
                                        "bad-namespace-prefix",
                                        "conflict",
                                        "connection-timeout",
                                        "host-gone",
                                        "host-unknown",
                                        "improper-addressing",
                                        "internal-server-error",
                                        "invalid-from",
                                        "invalid-id",
                                        "invalid-namespace",
                                        "invalid-xml",
                                        "not-authorized",
                                        "policy-violation",
                                        "remote-connection-failed",
                                        "resource-constraint",
                                        "restricted-xml",
                                        "see-other-host",
                                        "system-shutdown",
                                        "undefined-condition",
                                        "unsupported-encoding",
                                        "unsupported-stanza-type",
                                        "unsupported-version",
                                        "xml-not-well-formed"};
    const char *name =
        (unsigned)se->type < G_N_ELEMENTS(names) ? names[se->type] : "undefined-condition";
    if (se->type == XMPP_SE_CONFLICT)
        return g_strdup("another client logged in with the same resource (conflict)");
    if (se->type == XMPP_SE_SYSTEM_SHUTDOWN)
        return g_strdup("the server is shutting down");
    if (se->text && *se->text)
        return g_strdup_printf("the server closed the stream (%s: %s)", name, se->text);
    return g_strdup_printf("the server closed the stream (%s)", name);
}

/* Forget what the server knew about this session: presences, rooms, the
 * catch-up. Deferred while a resume may bring the session back. */
static void reset_session_state(void)
{
    reset_pending = false;
    roster_clear_presence();
    nx_roster_reset();
    nx_mam_reset();
    nx_muc_offline();
    nx_bookmarks_reset();
    nx_upload_reset();
    nx_blocking_reset();
    nx_muc_list_reset();
}

/* Logged in afresh (the answer to <enable/> is in, or none is coming). */
static void finish_login(xmpp_conn_t *c)
{
    awaiting_sm = false;
    if (sm_wait_timer)
        loop_cancel_timer(sm_wait_timer);
    sm_wait_timer = 0;
    set_state(CONN_CONNECTED, NULL);
    event_log(LOG_INFO, NULL, "Connected as %s%s", own_full,
              xmpp_conn_is_secured(c) ? "" : " (WITHOUT encryption)");
    nx_roster_request(c);
    nx_keepalive_start();
}

static void on_sm_wait(void *ud)
{
    sm_wait_timer = 0;
    if (conn && awaiting_sm) {
        log_debug("conn", "no answer to <enable/>: going on without acknowledgements");
        finish_login(conn);
    }
}

static void conn_handler(xmpp_conn_t *c, xmpp_conn_event_t status, int error,
                         xmpp_stream_error_t *stream_error, void *ud)
{
    if (c != conn)
        return;
    if (status == XMPP_CONN_CONNECT) {
        g_free(own_full);
        own_full = g_strdup(xmpp_conn_get_bound_jid(c));
        connected_at = loop_now_ms();
        ever_connected = true;
        g_clear_pointer(&last_error, g_free);
        clear_logged_errors();
        nx_tls_reset();
        if (nx_sm_resumed()) {
            /* The server kept the session: rooms, presence and the roster
             * are as they were, and it resends what we had not received. */
            reset_pending = false;
            set_state(CONN_CONNECTED, NULL);
            event_log(LOG_INFO, NULL, "Connection restored as %s (session resumed)", own_full);
            nx_keepalive_start();
            /* What libstrophe does not write again, and what was written
             * offline, follow once its resends are out. */
            nx_sm_resume_fence(c);
            return;
        }
        if (reset_pending)
            reset_session_state();
        if (tried_resume)
            event_log(LOG_INFO, NULL, "The server had ended the session: logging in again.");
        if (nx_sm_offered() && !nx_sm_settled()) {
            /* Nothing is sent before the server answers <enable/>: what is
             * sent meanwhile would be counted by the server but not by
             * libstrophe, and acknowledgements would be misread. */
            awaiting_sm = true;
            sm_wait_timer = loop_add_timer(SM_WAIT_MS, on_sm_wait, NULL);
            return;
        }
        finish_login(c);
        return;
    }
    if (status == XMPP_CONN_RAW_CONNECT)
        return;

    /* Disconnected or failed. */
    stop_timers();
    if (fd_watch)
        loop_remove_fd(fd_watch);
    fd_watch = 0;
    sock_fd = -1;
    bool was_connected = state == CONN_CONNECTED;
    bool logged_in = was_connected || awaiting_sm;
    awaiting_sm = false;
    /* Only a connection that held for a while resets the backoff: a server
     * that accepts and drops at once is not hammered every second. */
    if (was_connected && loop_now_ms() - connected_at > STABLE_MS)
        attempts = 0;
    const char *host = account_domain();
    char *reason = NULL;
    bool retry = !user_disconnect && !no_reconnect;
    if (auth_failed) {
        event_log(LOG_ERROR, NULL, "Login failed for %s: wrong password or unknown account",
                  account->jid);
        reason = g_strdup("login failed");
        retry = false;
    } else if (tls_refused) {
        reason = g_strdup("certificate not trusted");
        retry = false;
    } else if (lost_reason) {
        reason = g_strdup(lost_reason);
    } else if (stream_error) {
        reason = stream_error_text(stream_error);
        if (stream_error->type == XMPP_SE_CONFLICT || stream_error->type == XMPP_SE_NOT_AUTHORIZED)
            retry = false;
    } else if ((reason = tls_failure())) {
        /* error is OpenSSL's code here, which g_strerror would misname. */
    } else if (error || connect_errno) {
        reason = g_strdup(g_strerror(error ? error : connect_errno));
    } else if (last_error) {
        reason = g_strdup(last_error);
    } else {
        reason = g_strdup(was_connected ? "connection closed" : "could not connect");
    }
    g_clear_pointer(&lost_reason, g_free);
    bool will_retry = (retry && settings_get_bool("reconnect")) || reconnect_asap;
    if (nx_sm_disconnected(c, logged_in, will_retry && !user_disconnect)) {
        reset_pending = true; /* a resume may keep it all */
    } else if (logged_in || reset_pending) {
        reset_session_state();
    }
    g_ptr_array_add(graveyard, conn);
    conn = NULL;
    set_state(CONN_DISCONNECTED, reason);
    if (user_disconnect) {
        event_log(LOG_INFO, NULL, "Disconnected.");
    } else if (!auth_failed && !tls_refused && was_connected) {
        event_log(LOG_ERROR, NULL, "Disconnected from %s: %s", host, reason);
    } else if (!auth_failed && !tls_refused) {
        char *target = connect_target();
        event_log(LOG_ERROR, NULL, "Could not connect to %s: %s", target, reason);
        g_free(target);
    }
    g_free(reason);
    if (reconnect_asap && !user_disconnect) {
        reconnect_asap = false;
        reconnect_timer = loop_add_timer(0, on_reconnect_timer, NULL);
    } else if (retry && settings_get_bool("reconnect")) {
        schedule_reconnect();
    }
}

static void on_reconnect_timer(void *ud)
{
    reconnect_timer = 0;
    if (state == CONN_DISCONNECTED && !conn && account)
        start_connect();
}

static void schedule_reconnect(void)
{
    long max_ms = settings_get_int("reconnect_max_delay") * 1000L;
    long delay = RECONNECT_FIRST_MS;
    for (int i = 0; i < attempts && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    /* Jitter of +-25% so many clients do not hammer a server in step. */
    delay = delay * 3 / 4 + g_random_int_range(0, (gint32)(delay / 2 + 1));
    attempts++;
    if (reconnect_timer)
        loop_cancel_timer(reconnect_timer);
    reconnect_timer = loop_add_timer((unsigned)delay, on_reconnect_timer, NULL);
    long secs = (delay + 500) / 1000;
    event_log(LOG_INFO, NULL, "Reconnecting in %ld second%s", secs, secs == 1 ? "" : "s");
}

/* True when HOST certainly does not exist (the resolver says no such name,
 * rather than "cannot ask now"). */
static bool name_unknown(const char *host)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (res)
        freeaddrinfo(res);
    return rc == EAI_NONAME
#ifdef EAI_NODATA
           || rc == EAI_NODATA
#endif
        ;
}

static void start_connect(void)
{
    auth_failed = tls_refused = user_disconnect = no_reconnect = false;
    g_clear_pointer(&last_error, g_free);
    clear_logged_errors();
    conn = xmpp_conn_new(ctx);
    tried_resume = reset_pending;
    nx_sm_connecting(conn, true);
    char *full = g_strdup_printf("%s/%s", account->jid, account->resource);
    xmpp_conn_set_jid(conn, full);
    g_free(full);
    xmpp_conn_set_pass(conn, password);
    long flags = 0;
    switch (account->tls) {
    case ACCOUNT_TLS_FORCE:
        flags = XMPP_CONN_FLAG_MANDATORY_TLS;
        break;
    case ACCOUNT_TLS_DIRECT:
        flags = XMPP_CONN_FLAG_LEGACY_SSL;
        break;
    case ACCOUNT_TLS_ALLOW_PLAIN:
        flags = 0;
        break;
    }
    xmpp_conn_set_flags(conn, flags);
    const char *cafile = account->ca_file ? account->ca_file : settings_get("ca_file");
    const char *capath = account->ca_path ? account->ca_path : settings_get("ca_path");
    if (cafile && *cafile)
        xmpp_conn_set_cafile(conn, cafile);
    if (capath && *capath)
        xmpp_conn_set_capath(conn, capath);
    xmpp_conn_set_certfail_handler(conn, nx_tls_certfail);
    xmpp_conn_set_sockopt_callback(conn, sockopt_cb);
    nx_tls_set_account(account->name, account_domain(), account->pinned_certs);

    nx_roster_setup(conn);
    nx_presence_setup(conn);
    nx_message_setup(conn);
    nx_disco_setup(conn);

    set_state(CONN_CONNECTING, NULL);
    const char *host = account->server ? account->server : account_domain();
    char port[16] = "";
    if (account->port)
        g_snprintf(port, sizeof(port), ":%d", account->port);
    event_log(LOG_INFO, NULL, "Connecting to %s%s as %s...", host, port, account->jid);
    int rc = xmpp_connect_client(conn, account->server, (unsigned short)account->port, conn_handler,
                                 NULL);
    if (rc != XMPP_EOK) {
        g_ptr_array_add(graveyard, conn);
        conn = NULL;
        /* A name that does not exist is a mistake to fix, not an outage to
         * wait out, unless it worked before (a network without DNS yet
         * answers "try again", and that is retried). */
        bool unknown = name_unknown(host);
        char *reason = unknown ? g_strdup_printf("the name %s does not exist", host)
                               : g_strdup_printf("cannot resolve or reach %s", host);
        char *target = connect_target();
        if (reset_pending)
            reset_session_state();
        set_state(CONN_DISCONNECTED, reason);
        event_log(LOG_ERROR, NULL, "Could not connect to %s: %s", target, reason);
        if (unknown && !ever_connected)
            event_log(LOG_INFO, NULL,
                      "Check the server name (/account set %s server HOST), then /connect.",
                      account->name);
        else if (settings_get_bool("reconnect"))
            schedule_reconnect();
        g_free(target);
        g_free(reason);
    }
}

/* The account to connect with: an account without a resource of its own
 * uses the "resource" setting, else one unique to this installation (two
 * clients with one resource log each other out). */
static account_t *account_copy(const account_t *a)
{
    account_t *c = accounts_copy(a);
    if (!c->resource) {
        const char *global = settings_get("resource");
        c->resource = global && *global ? g_strdup(global) : instance_resource(c->name);
    }
    return c;
}

void nx_ca_paths(const char **ca_file, const char **ca_path)
{
    *ca_file = account && account->ca_file ? account->ca_file : settings_get("ca_file");
    *ca_path = account && account->ca_path ? account->ca_path : settings_get("ca_path");
}

static void forget_password(void)
{
    if (password) {
        explicit_bzero(password, strlen(password));
        g_free(password);
        password = NULL;
    }
}

void nx_select_account(const account_t *a)
{
    if (conn || !jid_is_valid_bare(a->jid))
        return;
    g_free(own_bare);
    own_bare = jid_bare_of(a->jid);
    ev_account ev = {.account = a->name, .jid_bare = own_bare};
    event_emit(EV_ACCOUNT, &ev);
    nx_queue_reload();
}

bool nx_connect_account(const account_t *a, const char *pw, char **err)
{
    if (!jid_is_valid_bare(a->jid)) {
        *err = g_strdup_printf("account %s has an invalid JID '%s'", a->name, a->jid);
        return false;
    }
    if (conn) {
        *err = g_strdup("already connected or connecting; /disconnect first");
        return false;
    }
    if (reconnect_timer)
        loop_cancel_timer(reconnect_timer);
    reconnect_timer = 0;
    reconnect_asap = false;
    /* Another account (or the same, asked for anew): no resume. */
    nx_sm_forget_session();
    if (reset_pending)
        reset_session_state();
    accounts_free_copy(account);
    account = account_copy(a);
    forget_password();
    password = g_strdup(pw);
    nx_select_account(a);
    attempts = 0;
    ever_connected = false;
    start_connect();
    return true;
}

/* Reconnect now with the same account (after a TLS decision). */
void nx_reconnect_now(void)
{
    if (!account)
        return;
    if (conn) {
        /* The refused attempt is still closing: go again once it has. */
        reconnect_asap = true;
        return;
    }
    if (reconnect_timer)
        loop_cancel_timer(reconnect_timer);
    reconnect_timer = 0;
    start_connect();
}

/* Called by tls.c when a certificate was refused. */
void nx_tls_refused(void)
{
    tls_refused = true;
}

/* Pin support: update the stored copy of the account. */
void nx_add_pin(const char *fp)
{
    if (!account)
        return;
    guint n = g_strv_length(account->pinned_certs);
    account->pinned_certs = g_renew(char *, account->pinned_certs, n + 2);
    account->pinned_certs[n] = g_strdup(fp);
    account->pinned_certs[n + 1] = NULL;
}

void nx_disconnect_user(void)
{
    reconnect_asap = false;
    if (reconnect_timer) {
        loop_cancel_timer(reconnect_timer);
        reconnect_timer = 0;
        event_log(LOG_INFO, NULL, "Reconnecting cancelled.");
    }
    if (!conn) {
        nx_sm_forget_session();
        if (reset_pending)
            reset_session_state();
        return;
    }
    user_disconnect = true;
    if (state == CONN_CONNECTED) {
        xmpp_stanza_t *pres = xmpp_presence_new(ctx);
        xmpp_stanza_set_type(pres, "unavailable");
        xmpp_send(conn, pres);
        xmpp_stanza_release(pres);
    }
    xmpp_disconnect(conn);
}

void nx_roster_ready(void)
{
    xmpp_conn_t *c = nx_conn();
    if (!c)
        return;
    /* Archive first (live messages are held meanwhile), then presence:
     * a server asked for its archive first does not also push the
     * messages it kept offline (they are in the archive). The catch-up
     * counts on this presence following its first query at once. */
    nx_carbons_enable(c);
    nx_mam_start(c, true);
    nx_presence_send_current(c);
    /* What the server never acknowledged before the connection was lost,
     * then what was written while offline: in the order written. */
    unsigned resent = nx_sm_resend(c);
    if (resent)
        event_log(LOG_INFO, NULL, "Sent %u unacknowledged message%s again.", resent,
                  resent == 1 ? "" : "s");
    nx_message_flush_queue(c);
    /* Rooms joined before a reconnect, then the bookmarks' autojoin. */
    nx_muc_online(c);
    nx_bookmarks_fetch(c);
    nx_blocking_fetch(c);
}

bool nx_init(void)
{
    xmpp_initialize();
    strophe_logger.handler = strophe_log_cb;
    strophe_logger.userdata = NULL;
    ctx = xmpp_ctx_new(NULL, &strophe_logger);
    if (!ctx)
        return false;
    graveyard = g_ptr_array_new();
    loop_add_prepare(0, prepare_cb, NULL);
    nx_muc_init();
    nx_markers_init();
    return true;
}

void nx_deinit(void)
{
    stop_timers();
    if (pump_timer)
        loop_cancel_timer(pump_timer);
    pump_timer = 0;
    if (conn) {
        if (state == CONN_CONNECTED) {
            user_disconnect = true;
            xmpp_disconnect(conn);
            /* Give the goodbye a short, bounded chance to leave. */
            for (int i = 0; i < 20 && conn; i++)
                xmpp_run_once(ctx, 10);
        }
        if (conn)
            release_conn(conn);
        conn = NULL;
    }
    for (guint i = 0; graveyard && i < graveyard->len; i++)
        release_conn(g_ptr_array_index(graveyard, i));
    if (graveyard)
        g_ptr_array_free(graveyard, TRUE);
    graveyard = NULL;
    nx_message_deinit();
    nx_reaction_deinit();
    nx_sm_deinit();
    nx_keepalive_deinit();
    nx_mam_reset();
    nx_muc_deinit();
    nx_muc_admin_deinit();
    nx_bookmarks_reset();
    nx_markers_reset();
    nx_blocking_reset();
    nx_muc_list_reset();
    nx_disco_deinit();
    nx_tls_deinit();
    if (ctx)
        xmpp_ctx_free(ctx);
    ctx = NULL;
    xmpp_shutdown();
    accounts_free_copy(account);
    account = NULL;
    forget_password();
    g_clear_pointer(&own_full, g_free);
    g_clear_pointer(&own_bare, g_free);
    clear_logged_errors();
    g_clear_pointer(&last_error, g_free);
    g_clear_pointer(&lost_reason, g_free);
}

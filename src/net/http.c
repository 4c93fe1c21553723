/* http.c - libcurl's multi interface on natter's loop (see http.h). */
#include "net/http.h"

/* libcurl's header without its type-checking setopt macros: the functions
 * are called through the pointers below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"

/* libcurl is loaded on the first transfer, not at start: it and what it
 * pulls in (GnuTLS, Kerberos, LDAP, SSH, IDN...) cost some 4 MB of resident
 * memory that a session without transfers never needs. configure still
 * checks for it; the header gives the types and the soname is stable. */
#define CURL_SONAME "libcurl.so.4"

static struct {
    void *handle;
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *e);
    CURLcode (*easy_setopt)(CURL *e, CURLoption opt, ...);
    CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode rc);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *m);
    CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
    CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
    CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
    CURLMcode (*multi_assign)(CURLM *m, curl_socket_t s, void *p);
    CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t s, int mask, int *running);
    CURLMsg *(*multi_info_read)(CURLM *m, int *left);
    const char *(*multi_strerror)(CURLMcode rc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} lib;

/* The rest of this file keeps libcurl's names (the header makes some of
 * them macros already). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init lib.global_init
#define curl_global_cleanup lib.global_cleanup
#define curl_easy_init lib.easy_init
#define curl_easy_cleanup lib.easy_cleanup
#define curl_easy_setopt lib.easy_setopt
#define curl_easy_getinfo lib.easy_getinfo
#define curl_easy_strerror lib.easy_strerror
#define curl_multi_init lib.multi_init
#define curl_multi_cleanup lib.multi_cleanup
#define curl_multi_setopt lib.multi_setopt
#define curl_multi_add_handle lib.multi_add_handle
#define curl_multi_remove_handle lib.multi_remove_handle
#define curl_multi_assign lib.multi_assign
#define curl_multi_socket_action lib.multi_socket_action
#define curl_multi_info_read lib.multi_info_read
#define curl_multi_strerror lib.multi_strerror
#define curl_slist_append lib.slist_append
#define curl_slist_free_all lib.slist_free_all

/* Load libcurl and its functions once (kept loaded: unloading it would
 * also unload the TLS libraries it brought). False with *ERR when it is not
 * installed or lacks a function. */
static bool load_curl(char **err)
{
    if (lib.handle)
        return true;
    void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *err =
            g_strdup_printf("HTTP transfers need libcurl, which cannot be loaded (%s)", dlerror());
        return false;
    }
    struct {
        const char *name;
        void **fn;
    } const fns[] = {
        {"curl_global_init", (void **)&lib.global_init},
        {"curl_global_cleanup", (void **)&lib.global_cleanup},
        {"curl_easy_init", (void **)&lib.easy_init},
        {"curl_easy_cleanup", (void **)&lib.easy_cleanup},
        {"curl_easy_setopt", (void **)&lib.easy_setopt},
        {"curl_easy_getinfo", (void **)&lib.easy_getinfo},
        {"curl_easy_strerror", (void **)&lib.easy_strerror},
        {"curl_multi_init", (void **)&lib.multi_init},
        {"curl_multi_cleanup", (void **)&lib.multi_cleanup},
        {"curl_multi_setopt", (void **)&lib.multi_setopt},
        {"curl_multi_add_handle", (void **)&lib.multi_add_handle},
        {"curl_multi_remove_handle", (void **)&lib.multi_remove_handle},
        {"curl_multi_assign", (void **)&lib.multi_assign},
        {"curl_multi_socket_action", (void **)&lib.multi_socket_action},
        {"curl_multi_info_read", (void **)&lib.multi_info_read},
        {"curl_multi_strerror", (void **)&lib.multi_strerror},
        {"curl_slist_append", (void **)&lib.slist_append},
        {"curl_slist_free_all", (void **)&lib.slist_free_all},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fns); i++) {
        /* POSIX: a function pointer is read through a void * this way */
        *fns[i].fn = dlsym(h, fns[i].name);
        if (!*fns[i].fn) {
            *err = g_strdup_printf("HTTP transfers need libcurl, and %s lacks %s", CURL_SONAME,
                                   fns[i].name);
            dlclose(h);
            return false;
        }
    }
    lib.handle = h;
    return true;
}

/* Progress at most this often: enough for a live figure, not per packet. */
#define PROGRESS_MS 250
/* A transfer that moves less than 1 byte a second for this long is dead. */
#define STALL_SECONDS 60L

struct http_transfer {
    CURL *easy;
    int fd;
    bool upload;
    uint64_t size;     /* PUT: bytes to send */
    uint64_t max_size; /* GET: refuse more (0: no limit) */
    uint64_t written;  /* GET: bytes written to fd */
    bool too_big, write_failed, read_failed;
    struct curl_slist *headers;
    char *ca_file, *ca_path;
    http_options opt;
    int64_t last_progress;
    char errbuf[CURL_ERROR_SIZE];
};

typedef struct {
    unsigned watch;
} sock_watch;

static CURLM *multi;
static unsigned timer_id;
static GHashTable *transfers; /* http_transfer* set */

static void transfer_free(http_transfer *t)
{
    if (t->easy) {
        curl_multi_remove_handle(multi, t->easy);
        curl_easy_cleanup(t->easy);
    }
    if (t->fd >= 0)
        close(t->fd);
    curl_slist_free_all(t->headers);
    g_free(t->ca_file);
    g_free(t->ca_path);
    g_free(t);
}

/* ---------- the transfer's data ---------- */

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
    http_transfer *t = ud;
    for (;;) {
        ssize_t got =
            t->opt.source ? t->opt.source(buf, size * n, t->opt.ud) : read(t->fd, buf, size * n);
        if (got >= 0)
            return (size_t)got;
        if (errno != EINTR) {
            t->read_failed = true;
            return CURL_READFUNC_ABORT;
        }
    }
}

static size_t write_cb(char *buf, size_t size, size_t n, void *ud)
{
    http_transfer *t = ud;
    size_t len = size * n;
    if (t->max_size && t->written + len > t->max_size) {
        t->too_big = true;
        return 0; /* curl stops with a write error */
    }
    if (t->opt.sink) {
        if (!t->opt.sink(buf, len, t->opt.ud)) {
            t->write_failed = true;
            return 0;
        }
        t->written += len;
        return len;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(t->fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            t->write_failed = true;
            return 0;
        }
        off += (size_t)w;
    }
    t->written += len;
    return len;
}

static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    http_transfer *t = ud;
    int64_t now = loop_now_ms();
    if (!t->opt.progress || now - t->last_progress < PROGRESS_MS)
        return 0;
    t->last_progress = now;
    if (t->upload)
        t->opt.progress(t, (uint64_t)ulnow, t->size, t->opt.ud);
    else
        t->opt.progress(t, (uint64_t)dlnow, (uint64_t)(dltotal > 0 ? dltotal : 0), t->opt.ud);
    return 0;
}

/* The system's trust store stays; the account's CA file or directory is
 * added to it (as for the XMPP connection). */
static CURLcode ssl_ctx_cb(CURL *easy, void *ssl_ctx, void *ud)
{
    http_transfer *t = ud;
    if ((t->ca_file || t->ca_path) &&
        SSL_CTX_load_verify_locations(ssl_ctx, t->ca_file, t->ca_path) != 1)
        log_warn("http", "cannot load CA %s", t->ca_file ? t->ca_file : t->ca_path);
    return CURLE_OK;
}

/* ---------- the loop ---------- */

static void finish(http_transfer *t, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char *error = NULL;
    if (t->too_big)
        error = g_strdup_printf("larger than %" G_GUINT64_FORMAT " bytes", t->max_size);
    else if (t->write_failed)
        error = g_strdup_printf("cannot write the file (%s)", g_strerror(errno));
    else if (t->read_failed)
        error = g_strdup_printf("cannot read the file (%s)", g_strerror(errno));
    else if (rc != CURLE_OK)
        error = g_strdup(t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        error = g_strdup_printf("the server answered HTTP %ld", status);
    g_hash_table_remove(transfers, t);
    curl_multi_remove_handle(multi, t->easy);
    curl_easy_cleanup(t->easy);
    t->easy = NULL;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    if (t->opt.progress && !error) {
        uint64_t total = t->upload ? t->size : t->written;
        t->opt.progress(t, total, total, t->opt.ud);
    }
    if (t->opt.done)
        t->opt.done(t, error == NULL, status, error, t->opt.ud);
    g_free(error);
    transfer_free(t);
}

static void check_done(void)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        http_transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t && g_hash_table_contains(transfers, t))
            finish(t, m->data.result);
    }
}

static void on_fd(int fd, short revents, void *ud)
{
    int flags = 0;
    if (revents & POLLIN)
        flags |= CURL_CSELECT_IN;
    if (revents & POLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        flags |= CURL_CSELECT_ERR;
    int running;
    curl_multi_socket_action(multi, fd, flags, &running);
    check_done();
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *ud, void *sockp)
{
    sock_watch *w = sockp;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            loop_remove_fd(w->watch);
            g_free(w);
        }
        curl_multi_assign(multi, s, NULL);
        return 0;
    }
    short events =
        (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    if (!w) {
        w = g_new0(sock_watch, 1);
        w->watch = loop_add_fd(s, events, on_fd, NULL);
        curl_multi_assign(multi, s, w);
    } else {
        loop_fd_set_events(w->watch, events);
    }
    return 0;
}

static void on_timer(void *ud)
{
    timer_id = 0;
    int running;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done();
}

static int timer_cb(CURLM *m, long timeout_ms, void *ud)
{
    if (timer_id)
        loop_cancel_timer(timer_id);
    timer_id = timeout_ms >= 0 ? loop_add_timer((unsigned)timeout_ms, on_timer, NULL) : 0;
    return 0;
}

bool http_init(char **err)
{
    if (multi)
        return true;
    if (!load_curl(err))
        return false;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        *err = g_strdup("cannot initialise libcurl");
        return false;
    }
    multi = curl_multi_init();
    if (!multi) {
        *err = g_strdup("cannot initialise libcurl");
        curl_global_cleanup();
        return false;
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    transfers = g_hash_table_new(g_direct_hash, g_direct_equal);
    return true;
}

void http_deinit(void)
{
    if (!multi)
        return;
    GList *all = g_hash_table_get_keys(transfers);
    for (GList *l = all; l; l = l->next)
        http_cancel(l->data);
    g_list_free(all);
    g_hash_table_destroy(transfers);
    transfers = NULL;
    if (timer_id)
        loop_cancel_timer(timer_id);
    timer_id = 0;
    curl_multi_cleanup(multi);
    multi = NULL;
    curl_global_cleanup();
}

/* ---------- starting and stopping ---------- */

static http_transfer *transfer_new(const char *url, int fd, const http_options *opt, char **err)
{
    if (!multi && !http_init(err)) {
        close(fd);
        return NULL;
    }
    http_transfer *t = g_new0(http_transfer, 1);
    t->fd = fd;
    t->opt = *opt;
    t->ca_file = opt->ca_file && *opt->ca_file ? g_strdup(opt->ca_file) : NULL;
    t->ca_path = opt->ca_path && *opt->ca_path ? g_strdup(opt->ca_path) : NULL;
    t->easy = curl_easy_init();
    if (!t->easy) {
        *err = g_strdup("cannot start a transfer");
        transfer_free(t);
        return NULL;
    }
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, t);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "natter/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
    if (opt->max_speed) {
        curl_easy_setopt(e, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)opt->max_speed);
        curl_easy_setopt(e, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)opt->max_speed);
    }
    return t;
}

static http_transfer *start(http_transfer *t, char **err)
{
    CURLMcode rc = curl_multi_add_handle(multi, t->easy);
    if (rc != CURLM_OK) {
        *err = g_strdup(curl_multi_strerror(rc));
        transfer_free(t);
        return NULL;
    }
    g_hash_table_add(transfers, t);
    return t;
}

/* The body of a PUT's answer (a few bytes of status text) is not needed;
 * without a function of its own curl would print it on the terminal. */
static size_t discard_cb(char *buf, size_t size, size_t n, void *ud)
{
    return size * n;
}

http_transfer *http_put(const char *url, int fd, uint64_t size, const char *content_type,
                        const char *const *headers, const http_options *opt, char **err)
{
    http_transfer *t = transfer_new(url, fd, opt, err);
    if (!t)
        return NULL;
    t->upload = true;
    t->size = size;
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    char *ct = g_strdup_printf("Content-Type: %s",
                               content_type ? content_type : "application/octet-stream");
    t->headers = curl_slist_append(t->headers, ct);
    g_free(ct);
    for (size_t i = 0; headers && headers[i]; i++)
        t->headers = curl_slist_append(t->headers, headers[i]);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    return start(t, err);
}

http_transfer *http_get(const char *url, int fd, uint64_t max_size, const http_options *opt,
                        char **err)
{
    http_transfer *t = transfer_new(url, fd, opt, err);
    if (!t)
        return NULL;
    t->max_size = max_size;
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    /* A redirect may never leave HTTPS: it would send the request (and for
     * aesgcm:// files, reveal which file) in the clear. */
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    if (max_size)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_size);
    return start(t, err);
}

void http_cancel(http_transfer *t)
{
    if (!t || !transfers || !g_hash_table_remove(transfers, t))
        return;
    transfer_free(t);
}

unsigned http_running(void)
{
    return transfers ? g_hash_table_size(transfers) : 0;
}

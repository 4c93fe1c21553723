/* download.c - received files (see download.h). */
#include "files/download.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/loop.h"
#include "core/spawn.h"
#include "files/aesgcm.h"
#include "files/names.h"
#include "net/http.h"
#include "store/attachments.h"
#include "xmpp/xmpp.h"

/* Tries at "name (N).ext" before giving up. */
#define MAX_NUMBERED 1000

typedef struct {
    download_info info;
    long long attachment;
    char *url;       /* what is fetched (https://) */
    char *dir;       /* where it goes */
    char *name;      /* the name it gets (numbered when taken) */
    bool exact;      /* the user chose the name: never numbered */
    char *tmp;       /* the hidden file written meanwhile */
    int fd;          /* aesgcm: the plaintext file (plain downloads: http.c has it) */
    aesgcm_dec *dec; /* aesgcm: the decryptor, or NULL */
    http_transfer *http;
    int64_t last_ms;
    uint64_t last_done;
} download_t;

static GPtrArray *downloads; /* download_t*, oldest first */

#define TMP_PREFIX ".natter-download-"
/* A hidden file of ours untouched this long was left by a natter that
 * stopped mid-download (a crash, a power cut): a live download writes to
 * its file far more often, and the transfer gives up long before. */
#define STALE_TMP_SECS (6 * 3600)

/* ---------- recording attachments ---------- */

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (!ev->result || ev->result->rowid <= 0 || ev->result->retracted)
        return;
    char *link = files_link_of(ev->result->body ? ev->result->body : ev->body);
    if (!link && ev->oob_url)
        link = files_link_of(ev->oob_url);
    if (!link)
        return;
    char *name = files_name_from_url(link);
    store_attachment_add(ev->result->rowid, link, name);
    g_free(name);
    g_free(link);
}

/* A correction that links to another file: the message's File line (and
 * /download N) is that file now, not the one the sender replaced; one
 * without a link leaves the message without a file. */
static void on_correction(event_type t, const void *p, void *ud)
{
    const ev_correction *ev = p;
    if (!ev->result || ev->result->rejected || ev->result->rowid <= 0 || !ev->body)
        return;
    char *link = files_link_of(ev->body);
    if (!link) {
        store_attachment_unlink(ev->result->rowid);
        return;
    }
    char *name = files_name_from_url(link);
    store_attachment_relink(ev->result->rowid, link, name);
    g_free(name);
    g_free(link);
}

void files_attach_init(void)
{
    event_subscribe(EV_MESSAGE, EV_STAGE_MODEL, on_message, NULL);
    event_subscribe(EV_CORRECTION, EV_STAGE_MODEL, on_correction, NULL);
}

void files_attach_deinit(void)
{
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_CORRECTION, on_correction, NULL);
}

/* ---------- the list ---------- */

static void download_free(download_t *d)
{
    if (d->http)
        http_cancel(d->http);
    if (d->fd >= 0)
        close(d->fd);
    if (d->tmp)
        unlink(d->tmp); /* nothing half-written stays behind */
    aesgcm_dec_free(d->dec);
    g_free(d->info.peer);
    g_free(d->info.path);
    g_free(d->info.name);
    g_free(d->url);
    g_free(d->dir);
    g_free(d->name);
    g_free(d->tmp);
    g_free(d);
}

static download_t *find(unsigned num)
{
    for (guint i = 0; downloads && i < downloads->len; i++) {
        download_t *d = g_ptr_array_index(downloads, i);
        if (d->info.num == num)
            return d;
    }
    return NULL;
}

static void drop(download_t *d)
{
    g_ptr_array_remove(downloads, d);
    download_free(d);
}

static void announce(const download_t *d, transfer_state state, const char *path, const char *error)
{
    ev_transfer ev = {.num = d->info.num,
                      .upload = false,
                      .state = state,
                      .peer = d->info.peer,
                      .name = d->info.name,
                      .done = d->info.done,
                      .total = d->info.size,
                      .rate = d->info.rate,
                      .error = error,
                      .path = path,
                      .attachment = d->attachment};
    event_emit(EV_TRANSFER, &ev);
}

/* ---------- where files go ---------- */

static char *expand_home(const char *path)
{
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
        return g_build_filename(g_get_home_dir(), path + 1, NULL);
    return g_strdup(path);
}

char *files_download_dir(void)
{
    const char *set = settings_get("download_dir");
    if (set && *set)
        return expand_home(set);
    const char *xdg = g_getenv("XDG_DOWNLOAD_DIR");
    if (xdg && g_path_is_absolute(xdg))
        return g_strdup(xdg);
    return g_build_filename(g_get_home_dir(), "Downloads", NULL);
}

/* Give the finished TMP its name in DIR without replacing anything: NAME,
 * else "NAME (1)", ... (only NAME when EXACT). Returns the path (g_free),
 * or NULL with *ERR. */
static char *place(const char *tmp, const char *dir, const char *name, bool exact, char **err)
{
    for (unsigned n = 0; n < (exact ? 1 : MAX_NUMBERED); n++) {
        char *try_name = files_numbered_name(name, n);
        char *path = g_build_filename(dir, try_name, NULL);
        g_free(try_name);
        int rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
        if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
            /* The file system cannot rename without replacing: a hard link
             * fails just the same when the name is taken. */
            rc = link(tmp, path);
            if (rc == 0)
                unlink(tmp);
        }
        if (rc == 0)
            return path;
        int e = errno;
        g_free(path);
        if (e != EEXIST) {
            *err = g_strdup_printf("cannot save it in %s: %s", dir, g_strerror(e));
            return NULL;
        }
    }
    *err = exact ? g_strdup_printf("%s/%s exists already", dir, name)
                 : g_strdup_printf("too many files named like %s in %s", name, dir);
    return NULL;
}

/* ---------- the HTTP part ---------- */

static bool sink(const void *buf, size_t len, void *ud)
{
    download_t *d = find(GPOINTER_TO_UINT(ud));
    return d && d->dec && aesgcm_dec_feed(d->dec, buf, len);
}

static void on_progress(http_transfer *t, uint64_t done, uint64_t total, void *ud)
{
    download_t *d = find(GPOINTER_TO_UINT(ud));
    if (!d)
        return;
    int64_t now = loop_now_ms();
    if (now > d->last_ms && done >= d->last_done) {
        double instant = (double)(done - d->last_done) * 1000.0 / (double)(now - d->last_ms);
        d->info.rate = d->info.rate > 0 ? 0.7 * d->info.rate + 0.3 * instant : instant;
    }
    d->last_ms = now;
    d->last_done = done;
    d->info.done = done;
    if (total)
        d->info.size = total;
    announce(d, TRANSFER_PROGRESS, NULL, NULL);
}

static void on_get_done(http_transfer *t, bool ok, long status, const char *error, void *ud)
{
    download_t *d = find(GPOINTER_TO_UINT(ud));
    if (!d)
        return;
    d->http = NULL; /* freed by http.c */
    char *err = NULL;
    if (!ok)
        err = g_strdup(error);
    else if (d->dec)
        aesgcm_dec_finish(d->dec, &err); /* a bad tag: ERR says so */
    uint64_t size = d->info.done;
    if (d->dec && size >= AESGCM_TAG_LEN)
        size -= AESGCM_TAG_LEN;
    if (!err && d->fd >= 0 && close(d->fd) < 0)
        err = g_strdup_printf("cannot write the file (%s)", g_strerror(errno));
    d->fd = -1;
    char *path = err ? NULL : place(d->tmp, d->dir, d->name, d->exact, &err);
    if (path) {
        g_clear_pointer(&d->tmp, g_free); /* it has its name now */
        d->info.done = d->info.size = size;
        store_attachment_saved(d->attachment, path, (int64_t)size);
        announce(d, TRANSFER_DONE, path, NULL);
    } else {
        announce(d, TRANSFER_FAILED, NULL, err);
    }
    g_free(path);
    g_free(err);
    drop(d);
}

/* ---------- starting, listing, stopping ---------- */

/* Where attachment A goes for DEST (see files_download): fills D's dir,
 * name and exact. False with *ERR. */
static bool target(download_t *d, const store_attachment *a, const char *dest, char **err)
{
    if (!dest || !*dest) {
        d->dir = files_download_dir();
        if (g_mkdir_with_parents(d->dir, 0700) < 0) {
            *err = g_strdup_printf("cannot make %s: %s", d->dir, g_strerror(errno));
            return false;
        }
        d->name = g_strdup(a->name);
        return true;
    }
    char *full = expand_home(dest);
    if (!g_path_is_absolute(full)) {
        /* Relative to download_dir, not to wherever natter was started
         * (a directory the user of a full-screen program does not see). */
        char *base = files_download_dir();
        if (g_mkdir_with_parents(base, 0700) < 0) {
            *err = g_strdup_printf("cannot make %s: %s", base, g_strerror(errno));
            g_free(base);
            g_free(full);
            return false;
        }
        char *abs = g_build_filename(base, full, NULL);
        g_free(base);
        g_free(full);
        full = abs;
    }
    if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
        d->dir = full;
        d->name = g_strdup(a->name);
        return true;
    }
    d->dir = g_path_get_dirname(full);
    d->name = g_path_get_basename(full);
    d->exact = true;
    bool exists = g_file_test(full, G_FILE_TEST_EXISTS);
    if (exists)
        *err = g_strdup_printf("%s exists already", full);
    g_free(full);
    if (exists)
        return false;
    if (!g_file_test(d->dir, G_FILE_TEST_IS_DIR)) {
        *err = g_strdup_printf("there is no folder %s", d->dir);
        return false;
    }
    return true;
}

/* Remove what an interrupted natter left half-written in DIR. */
static void remove_stale_tmp(const char *dir)
{
    GDir *gd = g_dir_open(dir, 0, NULL);
    if (!gd)
        return;
    time_t now = time(NULL);
    const char *entry;
    while ((entry = g_dir_read_name(gd))) {
        if (!g_str_has_prefix(entry, TMP_PREFIX))
            continue;
        char *path = g_build_filename(dir, entry, NULL);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == getuid() &&
            now - sb.st_mtime > STALE_TMP_SECS)
            unlink(path);
        g_free(path);
    }
    g_dir_close(gd);
}

bool files_download(long long id, const char *dest, unsigned *num, char **err)
{
    store_attachment *a = store_attachment_get(id);
    if (!a) {
        *err = g_strdup_printf("there is no file %lld", id);
        return false;
    }
    download_t *d = g_new0(download_t, 1);
    d->fd = -1;
    d->attachment = id;
    aesgcm_key key;
    bool encrypted = files_is_aesgcm(a->url);
    bool ok = encrypted ? aesgcm_parse_link(a->url, &d->url, &key, err) : true;
    if (!encrypted)
        d->url = g_strndup(a->url, strcspn(a->url, "#"));
    if (ok)
        ok = target(d, a, dest, err);
    int fd = -1;
    if (ok) {
        remove_stale_tmp(d->dir);
        d->tmp = g_build_filename(d->dir, TMP_PREFIX "XXXXXX", NULL);
        fd = g_mkstemp_full(d->tmp, O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            *err = g_strdup_printf("cannot write in %s: %s", d->dir, g_strerror(errno));
            g_clear_pointer(&d->tmp, g_free);
            ok = false;
        }
    }
    if (ok) {
        /* Readable as any file the user makes, once it is complete. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    if (ok && encrypted) {
        d->dec = aesgcm_dec_new(&key, fd);
        if (!d->dec) {
            *err = g_strdup("cannot set up AES-256-GCM");
            ok = false;
        }
    }
    memset(&key, 0, sizeof(key));
    d->info.num = files_transfer_num();
    d->info.peer = g_strdup(a->peer);
    d->info.name = g_strdup(d->name ? d->name : a->name);
    d->info.path = g_strdup(d->dir);
    d->info.size = a->size > 0 ? (uint64_t)a->size : 0;
    d->info.sending = true;
    store_attachment_free(a);
    if (!downloads)
        downloads = g_ptr_array_new();
    g_ptr_array_add(downloads, d);
    if (!ok) {
        if (fd >= 0)
            close(fd);
        drop(d);
        return false;
    }
    const char *ca_file, *ca_path;
    nx_ca_paths(&ca_file, &ca_path);
    http_options opt = {.ca_file = ca_file,
                        .ca_path = ca_path,
                        .max_speed = (uint64_t)settings_get_int("transfer_rate_limit") * 1024,
                        .progress = on_progress,
                        .done = on_get_done,
                        .ud = GUINT_TO_POINTER(d->info.num),
                        .sink = encrypted ? sink : NULL};
    if (encrypted)
        d->fd = fd; /* kept here: the decryptor writes to it */
    d->last_ms = loop_now_ms();
    d->http = http_get(d->url, encrypted ? -1 : fd, 0, &opt, err);
    if (!d->http) {
        drop(d);
        return false;
    }
    *num = d->info.num;
    announce(d, TRANSFER_STARTED, NULL, NULL);
    return true;
}

const GPtrArray *files_downloads(void)
{
    static GPtrArray *view;
    if (!view)
        view = g_ptr_array_new();
    g_ptr_array_set_size(view, 0);
    for (guint i = 0; downloads && i < downloads->len; i++)
        g_ptr_array_add(view, &((download_t *)g_ptr_array_index(downloads, i))->info);
    return view;
}

bool files_download_cancel(unsigned num, char **err)
{
    download_t *d = find(num);
    if (!d) {
        *err = g_strdup_printf("there is no download %u (/download -list shows them)", num);
        return false;
    }
    announce(d, TRANSFER_CANCELLED, NULL, NULL);
    drop(d);
    return true;
}

/* A running open_command: its name, and the conversation of the file. */
typedef struct {
    char *cmd, *peer;
} opener_t;

static void on_opener_done(int status, const char *output, const char *err, void *ud)
{
    opener_t *o = ud;
    /* Said where the file's File line is, where /open is typed. */
    if (status != 0)
        event_log(LOG_ERROR, o->peer, "%s did not open the file: %s", o->cmd,
                  err ? err : "it exited with an error");
    g_free(o->cmd);
    g_free(o->peer);
    g_free(o);
}

bool files_open(long long id, char **err)
{
    store_attachment *a = store_attachment_get(id);
    if (!a) {
        *err = g_strdup_printf("there is no file %lld", id);
        return false;
    }
    if (!a->saved || !g_file_test(a->saved, G_FILE_TEST_IS_REGULAR)) {
        *err = a->saved
                   ? g_strdup_printf("%s is gone (/download %lld fetches it again)", a->saved, id)
                   : g_strdup_printf("file %lld is not downloaded yet (/download %lld)", id, id);
        store_attachment_free(a);
        return false;
    }
    const char *command = settings_get("open_command");
    gchar **argv = NULL;
    GError *e = NULL;
    if (!command || !*command || !g_shell_parse_argv(command, NULL, &argv, &e)) {
        *err = g_strdup_printf("open_command is not a command: %s", e ? e->message : "empty");
        g_clear_error(&e);
        store_attachment_free(a);
        return false;
    }
    /* The file is one argument of its own, whatever its name. */
    guint n = g_strv_length(argv);
    argv = g_renew(gchar *, argv, n + 2);
    argv[n] = g_strdup(a->saved);
    argv[n + 1] = NULL;
    opener_t *o = g_new0(opener_t, 1);
    o->cmd = g_strdup(argv[0]);
    o->peer = g_strdup(a->peer);
    bool ok = spawn_argv((const char *const *)argv, 0, 4096, on_opener_done, o, err);
    if (!ok) {
        g_free(o->cmd);
        g_free(o->peer);
        g_free(o);
    }
    g_strfreev(argv);
    store_attachment_free(a);
    return ok;
}

void files_download_deinit(void)
{
    while (downloads && downloads->len)
        drop(g_ptr_array_index(downloads, 0));
    g_clear_pointer(&downloads, g_ptr_array_unref);
}

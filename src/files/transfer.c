/* transfer.c - file uploads (see transfer.h). In an OMEMO chat the file is
 * encrypted (AES-256-GCM, XEP-0454) as it is sent, and its aesgcm:// link
 * goes inside an encrypted message only: the server never sees the
 * plaintext, nor the link's key. */
#include "files/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/log.h"
#include "core/loop.h"
#include "e2e/e2e.h"
#include "files/aesgcm.h"
#include "net/http.h"
#include "xmpp/xmpp.h"

typedef struct {
    upload_info info;
    char *type;
    int fd;
    http_transfer *http;
    char *get_url;      /* where the file will be, once the slot came */
    int64_t last_ms;    /* time of the last progress report */
    uint64_t last_done; /* bytes at that time */
    bool encrypted;     /* for an OMEMO chat: sent as aesgcm:// */
    aesgcm_key key;     /* ... with this key */
    aesgcm_enc *enc;    /* ... encrypting from FD (which stays ours) */
} upload_t;

static GPtrArray *uploads; /* upload_t*, oldest first */
static unsigned next_num = 1;

unsigned files_transfer_num(void)
{
    return next_num++;
}

static void upload_free(upload_t *u)
{
    if (u->http)
        http_cancel(u->http); /* closes the file too (unless encrypted) */
    if (u->fd >= 0)           /* not handed to http.c: encrypted, or not started */
        close(u->fd);
    aesgcm_enc_free(u->enc);
    aesgcm_key_wipe(&u->key);
    g_free(u->info.peer);
    g_free(u->info.path);
    g_free(u->info.name);
    g_free(u->type);
    g_free(u->get_url);
    g_free(u);
}

static upload_t *find(unsigned num)
{
    for (guint i = 0; uploads && i < uploads->len; i++) {
        upload_t *u = g_ptr_array_index(uploads, i);
        if (u->info.num == num)
            return u;
    }
    return NULL;
}

static void announce(const upload_t *u, transfer_state state, const char *url, const char *error)
{
    ev_transfer ev = {.num = u->info.num,
                      .upload = true,
                      .state = state,
                      .peer = u->info.peer,
                      .name = u->info.name,
                      .done = u->info.done,
                      .total = u->info.size,
                      .rate = u->info.rate,
                      .url = url,
                      .error = error};
    event_emit(EV_TRANSFER, &ev);
}

/* Remove U from the list and free it (after its last announcement). */
static void drop(upload_t *u)
{
    g_ptr_array_remove(uploads, u);
    upload_free(u);
}

/* ---------- content types ---------- */

/* What receiving clients need to show a file inline; the rest is a file. */
static const char *content_type(const char *name)
{
    static const char *const table[][2] = {
        {"png", "image/png"},       {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},       {"webp", "image/webp"},       {"svg", "image/svg+xml"},
        {"mp4", "video/mp4"},       {"webm", "video/webm"},       {"mkv", "video/x-matroska"},
        {"ogg", "audio/ogg"},       {"opus", "audio/ogg"},        {"mp3", "audio/mpeg"},
        {"m4a", "audio/mp4"},       {"pdf", "application/pdf"},   {"txt", "text/plain"},
        {"log", "text/plain"},      {"md", "text/markdown"},      {"zip", "application/zip"},
        {"gz", "application/gzip"}, {"tar", "application/x-tar"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < G_N_ELEMENTS(table); i++) {
        if (g_ascii_strcasecmp(dot + 1, table[i][0]) == 0)
            return table[i][1];
    }
    return "application/octet-stream";
}

/* The name the service and the other side see: the base name, valid UTF-8,
 * control characters replaced (g_free). */
static char *wire_name(const char *path)
{
    char *base = g_path_get_basename(path);
    char *valid = g_utf8_make_valid(base, -1);
    g_free(base);
    for (char *p = valid; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '_';
    }
    return valid;
}

/* ---------- the HTTP part ---------- */

static void on_progress(http_transfer *t, uint64_t done, uint64_t total, void *ud)
{
    upload_t *u = find(GPOINTER_TO_UINT(ud));
    if (!u)
        return;
    int64_t now = loop_now_ms();
    if (now > u->last_ms && done >= u->last_done) {
        double instant = (double)(done - u->last_done) * 1000.0 / (double)(now - u->last_ms);
        /* Smoothed, so "time left" does not jump with every report. */
        u->info.rate = u->info.rate > 0 ? 0.7 * u->info.rate + 0.3 * instant : instant;
    }
    u->last_ms = now;
    u->last_done = done;
    u->info.done = done;
    announce(u, TRANSFER_PROGRESS, NULL, NULL);
}

/* The encrypted body of the PUT, as curl asks for it. */
static ssize_t encrypted_source(void *buf, size_t len, void *ud)
{
    upload_t *u = find(GPOINTER_TO_UINT(ud));
    if (!u || !u->enc) {
        errno = ECANCELED;
        return -1;
    }
    return aesgcm_enc_read(u->enc, buf, len);
}

/* Send the link of U's uploaded file: in an encrypted chat the aesgcm://
 * link inside an OMEMO message (the https:// address alone never goes). */
static bool send_link(upload_t *u, char **err)
{
    if (!u->encrypted)
        return nx_send_file_link(u->info.peer, u->get_url, err);
    char *link = aesgcm_link(u->get_url, &u->key);
    bool ok = e2e_send(u->info.peer, link, err);
    memset(link, 0, strlen(link));
    g_free(link);
    return ok;
}

static void on_put_done(http_transfer *t, bool ok, long status, const char *error, void *ud)
{
    upload_t *u = find(GPOINTER_TO_UINT(ud));
    if (!u)
        return;
    u->http = NULL; /* http.c frees it, and closed the file (when it had it) */
    if (!u->encrypted)
        u->fd = -1;
    if (!ok) {
        announce(u, TRANSFER_FAILED, NULL, error);
        drop(u);
        return;
    }
    u->info.done = u->info.size;
    char *err = NULL;
    if (!send_link(u, &err)) {
        char *why = g_strdup_printf("uploaded, but the link could not be sent: %s", err);
        announce(u, TRANSFER_FAILED, u->get_url, why);
        g_free(why);
        g_free(err);
    } else {
        announce(u, TRANSFER_DONE, u->get_url, NULL);
    }
    drop(u);
}

/* ---------- the slot ---------- */

static void on_slot(bool ok, const char *put_url, const char *get_url, const char *const *headers,
                    const char *error, void *ud)
{
    upload_t *u = find(GPOINTER_TO_UINT(ud));
    if (!u)
        return; /* cancelled meanwhile */
    if (!ok) {
        announce(u, TRANSFER_FAILED, NULL, error);
        drop(u);
        return;
    }
    u->get_url = g_strdup(get_url);
    const char *ca_file, *ca_path;
    nx_ca_paths(&ca_file, &ca_path);
    http_options opt = {.ca_file = ca_file,
                        .ca_path = ca_path,
                        .max_speed = (uint64_t)settings_get_int("transfer_rate_limit") * 1024,
                        .progress = on_progress,
                        .done = on_put_done,
                        .source = u->encrypted ? encrypted_source : NULL,
                        .ud = GUINT_TO_POINTER(u->info.num)};
    char *err = NULL;
    int fd = -1;
    if (!u->encrypted) {
        fd = u->fd;
        u->fd = -1; /* http.c owns it now, whatever happens */
    }
    u->last_ms = loop_now_ms();
    u->http = http_put(put_url, fd, u->info.size, u->type, headers, &opt, &err);
    if (!u->http) {
        announce(u, TRANSFER_FAILED, NULL, err);
        g_free(err);
        drop(u);
        return;
    }
    u->info.sending = true;
    announce(u, TRANSFER_PROGRESS, NULL, NULL);
}

/* ---------- starting, listing, stopping ---------- */

bool files_upload(const char *peer, const char *path, unsigned *num, char **err)
{
    char *full = path[0] == '~' && (path[1] == '/' || path[1] == '\0')
                     ? g_build_filename(g_get_home_dir(), path + 1, NULL)
                     : g_strdup(path);
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        *err = g_strdup_printf("cannot open %s: %s", full, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        g_free(full);
        return false;
    }
    if (!S_ISREG(sb.st_mode)) {
        *err = g_strdup_printf("%s is not a file", full);
        close(fd);
        g_free(full);
        return false;
    }
    /* An encrypted chat gets the file encrypted, or not at all. */
    bool encrypted = e2e_chat_enabled(peer);
    if (encrypted && !e2e_own_device()) {
        *err = g_strdup("this chat is encrypted and OMEMO is not set up yet (it starts when you "
                        "are connected): the file is not sent unencrypted");
        close(fd);
        g_free(full);
        return false;
    }
    /* What the server stores: with encryption, the tag comes after. */
    uint64_t size = (uint64_t)sb.st_size + (encrypted ? AESGCM_TAG_LEN : 0);
    uint64_t limit = nx_upload_limit();
    if (limit && size > limit) {
        *err = g_strdup_printf("%s is %" G_GUINT64_FORMAT "%s; the server accepts at most "
                               "%" G_GUINT64_FORMAT,
                               full, size, encrypted ? " bytes encrypted" : " bytes", limit);
        close(fd);
        g_free(full);
        return false;
    }
    upload_t *u = g_new0(upload_t, 1);
    u->fd = fd;
    u->info.num = files_transfer_num();
    u->info.peer = g_strdup(peer);
    u->info.path = full;
    u->info.name = wire_name(full);
    u->info.size = size;
    /* The content type would tell the server what an encrypted file is. */
    u->type = g_strdup(encrypted ? "application/octet-stream" : content_type(u->info.name));
    u->encrypted = u->info.encrypted = encrypted;
    if (encrypted && (!aesgcm_new_key(&u->key, err) || !(u->enc = aesgcm_enc_new(&u->key, fd)))) {
        if (!*err)
            *err = g_strdup("cannot set up the file's encryption: it is not sent unencrypted");
        upload_free(u);
        return false;
    }
    if (!uploads)
        uploads = g_ptr_array_new();
    g_ptr_array_add(uploads, u);
    unsigned n = u->info.num;
    *num = n;
    if (!nx_upload_slot(u->info.name, u->info.size, u->type, on_slot, GUINT_TO_POINTER(n), err)) {
        drop(u);
        return false;
    }
    /* A refusal may have come at once (the server is known to have no
     * upload service): then it was announced as failed already. */
    if (find(n))
        announce(u, TRANSFER_STARTED, NULL, NULL);
    return true;
}

const GPtrArray *files_uploads(void)
{
    static GPtrArray *view;
    if (!view)
        view = g_ptr_array_new();
    g_ptr_array_set_size(view, 0);
    for (guint i = 0; uploads && i < uploads->len; i++)
        g_ptr_array_add(view, &((upload_t *)g_ptr_array_index(uploads, i))->info);
    return view;
}

bool files_cancel(unsigned num, char **err)
{
    upload_t *u = find(num);
    if (!u) {
        *err = g_strdup_printf("there is no upload %u (/upload -list shows them)", num);
        return false;
    }
    announce(u, TRANSFER_CANCELLED, NULL, NULL);
    drop(u);
    return true;
}

void files_deinit(void)
{
    while (uploads && uploads->len)
        drop(g_ptr_array_index(uploads, 0));
    g_clear_pointer(&uploads, g_ptr_array_unref);
}

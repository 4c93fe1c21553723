/* upload.c - XEP-0363 HTTP File Upload: finding the server's upload service
 * and asking it for slots. The HTTP transfer itself is not done here.
 *
 * The service is looked for once per login, when the first slot is asked
 * for: the server's items (disco#items) and the server itself are asked for
 * their features; the first that speaks urn:xmpp:http:upload:0 is used,
 * with the size limit its form gives. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "model/jid.h"

#define NS_UPLOAD "urn:xmpp:http:upload:0"

typedef struct {
    char *name, *type;
    uint64_t size;
    nx_slot_fn cb;
    void *ud;
    bool answered;
} slot_request;

typedef enum { SVC_UNKNOWN, SVC_LOOKING, SVC_FOUND, SVC_NONE } svc_state;

static svc_state state;
static char *service;      /* the upload service's JID, once found */
static uint64_t max_size;  /* its limit in bytes (0: none given) */
static unsigned asked;     /* disco#info answers still awaited */
static GPtrArray *waiting; /* slot_request* until the service is known */

static void request_free(slot_request *r)
{
    if (!r->answered && r->cb)
        r->cb(false, NULL, NULL, NULL, "the connection was lost", r->ud);
    g_free(r->name);
    g_free(r->type);
    g_free(r);
}

static void answer(slot_request *r, bool ok, const char *put, const char *get,
                   const char *const *headers, const char *error)
{
    r->answered = true;
    if (r->cb)
        r->cb(ok, put, get, headers, error, r->ud);
}

/* ---------- the slot ---------- */

/* Only the headers XEP-0363 allows, with line breaks removed: a service
 * must not make natter send anything else to the HTTP server. */
static char *allowed_header(xmpp_stanza_t *h)
{
    const char *name = xmpp_stanza_get_attribute(h, "name");
    if (!name ||
        (g_ascii_strcasecmp(name, "Authorization") != 0 &&
         g_ascii_strcasecmp(name, "Cookie") != 0 && g_ascii_strcasecmp(name, "Expires") != 0))
        return NULL;
    char *value = xmpp_stanza_get_text(h);
    GString *line = g_string_new(name);
    g_string_append(line, ": ");
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p != '\r' && *p != '\n')
            g_string_append_c(line, *p);
    }
    if (value)
        xmpp_free(nx_ctx(), value);
    return g_string_free(line, FALSE);
}

static bool https_url(const char *url)
{
    return url && g_ascii_strncasecmp(url, "https://", 8) == 0 && !strpbrk(url, " \r\n\t");
}

static int on_slot(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    slot_request *r = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !service || !jid_bare_equal(from, service))
        return 1; /* not the service's answer: keep waiting */
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        char *msg = g_strdup_printf("the upload service refused: %s", why);
        answer(r, false, NULL, NULL, NULL, msg);
        g_free(msg);
        g_free(why);
        request_free(r);
        return 0;
    }
    xmpp_stanza_t *slot = nx_child(st, "slot", NS_UPLOAD);
    xmpp_stanza_t *put = slot ? nx_child(slot, "put", NULL) : NULL;
    xmpp_stanza_t *get = slot ? nx_child(slot, "get", NULL) : NULL;
    const char *put_url = put ? xmpp_stanza_get_attribute(put, "url") : NULL;
    const char *get_url = get ? xmpp_stanza_get_attribute(get, "url") : NULL;
    if (!https_url(put_url) || !https_url(get_url)) {
        answer(r, false, NULL, NULL, NULL,
               put_url && get_url ? "the upload service gave an address that is not HTTPS"
                                  : "the upload service sent no usable slot");
        request_free(r);
        return 0;
    }
    GPtrArray *headers = g_ptr_array_new_with_free_func(g_free);
    for (xmpp_stanza_t *h = xmpp_stanza_get_children(put); h; h = xmpp_stanza_get_next(h)) {
        if (!xmpp_stanza_is_tag(h) || g_strcmp0(xmpp_stanza_get_name(h), "header") != 0)
            continue;
        char *line = allowed_header(h);
        if (line)
            g_ptr_array_add(headers, line);
    }
    g_ptr_array_add(headers, NULL);
    answer(r, true, put_url, get_url, (const char *const *)headers->pdata, NULL);
    g_ptr_array_unref(headers);
    request_free(r);
    return 0;
}

static void send_request(xmpp_conn_t *c, slot_request *r)
{
    if (state == SVC_NONE || !service) {
        answer(r, false, NULL, NULL, NULL, "this server offers no file upload (XEP-0363)");
        request_free(r);
        return;
    }
    if (max_size && r->size > max_size) {
        char *msg = g_strdup_printf("the file is %" G_GUINT64_FORMAT
                                    " bytes; the server accepts at most %" G_GUINT64_FORMAT,
                                    r->size, max_size);
        answer(r, false, NULL, NULL, NULL, msg);
        g_free(msg);
        request_free(r);
        return;
    }
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, service);
    xmpp_stanza_t *req = nx_add_child(iq, "request", NS_UPLOAD);
    xmpp_stanza_set_attribute(req, "filename", r->name);
    char size[32];
    g_snprintf(size, sizeof(size), "%" G_GUINT64_FORMAT, r->size);
    xmpp_stanza_set_attribute(req, "size", size);
    if (r->type)
        xmpp_stanza_set_attribute(req, "content-type", r->type);
    nx_send_iq(c, iq, on_slot, r, (GDestroyNotify)request_free);
}

static void release_waiting(xmpp_conn_t *c)
{
    GPtrArray *w = waiting;
    waiting = NULL;
    for (guint i = 0; w && i < w->len; i++)
        send_request(c, g_ptr_array_index(w, i));
    if (w)
        g_ptr_array_free(w, TRUE);
}

/* ---------- finding the service ---------- */

/* The limit in the upload form of a disco#info QUERY (0: none). */
static uint64_t form_max_size(xmpp_stanza_t *q)
{
    for (xmpp_stanza_t *x = xmpp_stanza_get_children(q); x; x = xmpp_stanza_get_next(x)) {
        if (!xmpp_stanza_is_tag(x) || g_strcmp0(xmpp_stanza_get_ns(x), NS_DATA) != 0)
            continue;
        bool ours = false;
        uint64_t limit = 0;
        for (xmpp_stanza_t *f = xmpp_stanza_get_children(x); f; f = xmpp_stanza_get_next(f)) {
            const char *var = xmpp_stanza_is_tag(f) ? xmpp_stanza_get_attribute(f, "var") : NULL;
            char *v = var ? nx_child_text(f, "value") : NULL;
            if (var && !strcmp(var, "FORM_TYPE"))
                ours = v && !strcmp(v, NS_UPLOAD);
            else if (var && !strcmp(var, "max-file-size") && v)
                limit = g_ascii_strtoull(v, NULL, 10);
            g_free(v);
        }
        if (ours)
            return limit;
    }
    return 0;
}

static int on_info(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *jid = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, jid))
        return 1;
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    bool has = false;
    for (xmpp_stanza_t *f = q ? xmpp_stanza_get_children(q) : NULL; f;
         f = xmpp_stanza_get_next(f)) {
        if (xmpp_stanza_is_tag(f) && !g_strcmp0(xmpp_stanza_get_name(f), "feature") &&
            !g_strcmp0(xmpp_stanza_get_attribute(f, "var"), NS_UPLOAD))
            has = true;
    }
    if (has && state == SVC_LOOKING && g_strcmp0(xmpp_stanza_get_type(st), "result") == 0) {
        state = SVC_FOUND;
        service = g_strdup(jid);
        max_size = form_max_size(q);
        log_debug("upload", "upload service %s, limit %" G_GUINT64_FORMAT, service, max_size);
    }
    if (asked)
        asked--;
    if (state == SVC_LOOKING && asked == 0)
        state = SVC_NONE;
    if (state != SVC_LOOKING)
        release_waiting(c);
    g_free(jid);
    return 0;
}

static void ask_info(xmpp_conn_t *c, const char *jid)
{
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, jid);
    nx_add_child(iq, "query", NS_DISCO_INFO);
    asked++;
    nx_send_iq(c, iq, on_info, g_strdup(jid), g_free);
}

static int on_items(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_server(xmpp_stanza_get_from(st)))
        return 1;
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_ITEMS);
    for (xmpp_stanza_t *i = q ? xmpp_stanza_get_children(q) : NULL; i;
         i = xmpp_stanza_get_next(i)) {
        const char *jid = xmpp_stanza_is_tag(i) && !g_strcmp0(xmpp_stanza_get_name(i), "item")
                              ? xmpp_stanza_get_attribute(i, "jid")
                              : NULL;
        if (jid && jid_is_valid(jid))
            ask_info(c, jid);
    }
    /* The answer for the server itself was counted before. */
    if (asked)
        asked--;
    if (state == SVC_LOOKING && asked == 0) {
        state = SVC_NONE;
        release_waiting(c);
    }
    return 0;
}

static void discover(xmpp_conn_t *c)
{
    const char *own = nx_own_bare();
    const char *domain = own && strchr(own, '@') ? strchr(own, '@') + 1 : own;
    if (!domain)
        return;
    state = SVC_LOOKING;
    asked = 1; /* the items answer */
    ask_info(c, domain);
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, domain);
    nx_add_child(iq, "query", NS_DISCO_ITEMS);
    nx_send_iq(c, iq, on_items, NULL, NULL);
}

bool nx_upload_slot(const char *name, uint64_t size, const char *type, nx_slot_fn cb, void *ud,
                    char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    slot_request *r = g_new0(slot_request, 1);
    r->name = g_strdup(name);
    r->type = g_strdup(type);
    r->size = size;
    r->cb = cb;
    r->ud = ud;
    if (state == SVC_UNKNOWN)
        discover(c);
    if (state == SVC_LOOKING) {
        if (!waiting)
            waiting = g_ptr_array_new();
        g_ptr_array_add(waiting, r);
        return true;
    }
    send_request(c, r);
    return true;
}

uint64_t nx_upload_limit(void)
{
    return state == SVC_FOUND ? max_size : 0;
}

void nx_upload_reset(void)
{
    state = SVC_UNKNOWN;
    g_clear_pointer(&service, g_free);
    max_size = 0;
    asked = 0;
    GPtrArray *w = waiting;
    waiting = NULL;
    for (guint i = 0; w && i < w->len; i++)
        request_free(g_ptr_array_index(w, i));
    if (w)
        g_ptr_array_free(w, TRUE);
}

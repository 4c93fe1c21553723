/* info.c - asking others about themselves: ping (XEP-0199), software
 * version (XEP-0092), entity time (XEP-0202), last activity (XEP-0012),
 * the vCard's nickname (XEP-0054) and a resource's features (XEP-0030 /
 * XEP-0115). Every answer, refusal or silence becomes one line (features:
 * a few) in the window the question was asked from (EV_LOG); an answer
 * counts only from the address that was asked. */
#include "xmpp/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "model/jid.h"

#define NS_VERSION "jabber:iq:version"
#define NS_TIME "urn:xmpp:time"
#define NS_LAST "jabber:iq:last"
#define NS_VCARD "vcard-temp"

/* How long an answer may take before the question is given up. */
#define QUERY_TIMEOUT_MS 15000

typedef enum { Q_PING, Q_VERSION, Q_TIME, Q_LAST, Q_VCARD, Q_CAPS } query_kind;

static const char *const kind_names[] = {"ping",  "software version", "time", "last activity",
                                         "vCard", "features"};

typedef struct {
    query_kind kind;
    char *target; /* what was asked (normalised), NULL: our server */
    char *shown;  /* how the target is named in lines */
    char *win;    /* window of the command (NULL: console) */
    int64_t sent; /* loop_now_ms() when it left */
    unsigned timer;
    bool over; /* answered or given up: later answers are ignored */
} query;

static void query_free(query *q)
{
    if (q->timer)
        loop_cancel_timer(q->timer);
    g_free(q->target);
    g_free(q->shown);
    g_free(q->win);
    g_free(q);
}

char *nx_format_duration(long secs)
{
    if (secs < 0)
        secs = 0;
    if (secs < 60)
        return g_strdup_printf("%ld s", secs);
    if (secs < 3600)
        return g_strdup_printf("%ld min", secs / 60);
    if (secs < 86400)
        return g_strdup_printf("%ld h %ld min", secs / 3600, secs / 60 % 60);
    return g_strdup_printf("%ld day%s %ld h", secs / 86400, secs / 86400 == 1 ? "" : "s",
                           secs / 3600 % 24);
}

/* True when FROM is the address Q asked. */
static bool from_target(const query *q, const char *from)
{
    if (!q->target)
        return nx_from_own_server(from);
    if (!from)
        return nx_own_bare() && !strcmp(q->target, nx_own_bare());
    jid_t *j = jid_new(from);
    if (!j)
        return false;
    char *norm = j->resource ? g_strdup_printf("%s/%s", j->bare, j->resource) : g_strdup(j->bare);
    bool ok = strcmp(norm, q->target) == 0;
    g_free(norm);
    jid_free(j);
    return ok;
}

static void on_timeout(void *ud)
{
    query *q = ud;
    q->timer = 0;
    q->over = true;
    event_log(LOG_ERROR, q->win, "No %s answer from %s within %d s.",
              q->kind == Q_PING ? "ping" : kind_names[q->kind], q->shown, QUERY_TIMEOUT_MS / 1000);
}

static void show_version(query *q, xmpp_stanza_t *st)
{
    xmpp_stanza_t *r = nx_child(st, "query", NS_VERSION);
    char *name = r ? nx_child_text(r, "name") : NULL;
    char *version = r ? nx_child_text(r, "version") : NULL;
    char *os = r ? nx_child_text(r, "os") : NULL;
    if (!name || !*name)
        event_log(LOG_ERROR, q->win, "%s did not name its software.", q->shown);
    else
        event_log(LOG_INFO, q->win, "%s runs %s%s%s%s%s%s", q->shown, name,
                  version && *version ? " " : "", version && *version ? version : "",
                  os && *os ? " (" : "", os && *os ? os : "", os && *os ? ")" : "");
    g_free(name);
    g_free(version);
    g_free(os);
}

static void show_time(query *q, xmpp_stanza_t *st)
{
    xmpp_stanza_t *t = nx_child(st, "time", NS_TIME);
    char *utc = t ? nx_child_text(t, "utc") : NULL;
    char *tzo = t ? nx_child_text(t, "tzo") : NULL;
    GDateTime *dt = utc ? g_date_time_new_from_iso8601(utc, NULL) : NULL;
    GTimeZone *tz = tzo ? g_time_zone_new_identifier(tzo) : NULL;
    if (!dt) {
        event_log(LOG_ERROR, q->win, "%s sent no usable time.", q->shown);
    } else {
        GDateTime *local = tz ? g_date_time_to_timezone(dt, tz) : g_date_time_ref(dt);
        char *there = g_date_time_format(local, "%Y-%m-%d %H:%M:%S");
        char *off = g_date_time_format(local, "%:z");
        event_log(LOG_INFO, q->win, "Time at %s: %s (UTC%s)", q->shown, there,
                  tz ? off : " offset unknown");
        g_free(there);
        g_free(off);
        g_date_time_unref(local);
    }
    if (dt)
        g_date_time_unref(dt);
    if (tz)
        g_time_zone_unref(tz);
    g_free(utc);
    g_free(tzo);
}

static void show_last(query *q, xmpp_stanza_t *st)
{
    xmpp_stanza_t *r = nx_child(st, "query", NS_LAST);
    const char *s = r ? xmpp_stanza_get_attribute(r, "seconds") : NULL;
    char *end = NULL;
    long secs = s ? strtol(s, &end, 10) : -1;
    if (!s || !end || *end || secs < 0) {
        event_log(LOG_ERROR, q->win, "%s sent no usable last activity.", q->shown);
        return;
    }
    char *text = xmpp_stanza_get_text(r);
    char *d = nx_format_duration(secs);
    bool has_text = text && *text;
    if (!q->target || !strchr(q->target, '@'))
        event_log(LOG_INFO, q->win, "%s has been up for %s.", q->shown, d);
    else if (strchr(q->target, '/'))
        event_log(LOG_INFO, q->win, "%s has been idle for %s.", q->shown, d);
    else if (secs == 0 && !has_text)
        event_log(LOG_INFO, q->win, "%s: no last activity known (online, or never seen).",
                  q->shown);
    else
        event_log(LOG_INFO, q->win, "%s was last seen %s ago%s%s%s", q->shown, d,
                  has_text ? " (\"" : ".", has_text ? text : "", has_text ? "\")." : "");
    g_free(d);
    if (text)
        xmpp_free(nx_ctx(), text);
}

static void show_vcard(query *q, xmpp_stanza_t *st)
{
    xmpp_stanza_t *v = nx_child(st, "vCard", NS_VCARD);
    char *nick = v ? nx_child_text(v, "NICKNAME") : NULL;
    char *fn = v ? nx_child_text(v, "FN") : NULL;
    if (nick && *nick)
        event_log(LOG_INFO, q->win, "%s's nickname (vCard): %s", q->shown, nick);
    if (fn && *fn)
        event_log(LOG_INFO, q->win, "%s's full name (vCard): %s", q->shown, fn);
    if (!(nick && *nick) && !(fn && *fn))
        event_log(LOG_INFO, q->win, "%s has no nickname in its vCard.", q->shown);
    g_free(nick);
    g_free(fn);
}

static void show_caps(query *q, xmpp_stanza_t *st)
{
    xmpp_stanza_t *r = nx_child(st, "query", NS_DISCO_INFO);
    GPtrArray *feats = g_ptr_array_new();
    const char *who = NULL, *cat = NULL, *type = NULL;
    for (xmpp_stanza_t *c = r ? xmpp_stanza_get_children(r) : NULL; c;
         c = xmpp_stanza_get_next(c)) {
        const char *n = xmpp_stanza_get_name(c);
        if (!n)
            continue;
        if (!strcmp(n, "feature") && xmpp_stanza_get_attribute(c, "var"))
            g_ptr_array_add(feats, (gpointer)xmpp_stanza_get_attribute(c, "var"));
        else if (!strcmp(n, "identity") && !cat) {
            who = xmpp_stanza_get_attribute(c, "name");
            cat = xmpp_stanza_get_attribute(c, "category");
            type = xmpp_stanza_get_attribute(c, "type");
        }
    }
    GString *head = g_string_new(q->shown);
    if (cat)
        g_string_append_printf(head, " (%s/%s%s%s)", cat, type ? type : "?", who ? " " : "",
                               who ? who : "");
    event_log(LOG_INFO, q->win, "%s has %u feature%s%s", head->str, feats->len,
              feats->len == 1 ? "" : "s", feats->len ? ":" : ".");
    g_string_free(head, TRUE);
    for (guint i = 0; i < feats->len; i++)
        event_log(LOG_INFO, q->win, "  %s", (const char *)g_ptr_array_index(feats, i));
    g_ptr_array_free(feats, TRUE);
}

static int on_answer(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    query *q = ud;
    if (!from_target(q, xmpp_stanza_get_from(st)))
        return 1; /* someone else: keep waiting for the real answer */
    if (q->over) {
        query_free(q);
        return 0;
    }
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error") && q->kind == Q_VCARD &&
        !strcmp(nx_error_condition(st), "item-not-found")) {
        event_log(LOG_INFO, q->win, "%s has no vCard.", q->shown);
        query_free(q);
        return 0;
    }
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, q->win, "No %s from %s: %s", kind_names[q->kind], q->shown, why);
        g_free(why);
        query_free(q);
        return 0;
    }
    switch (q->kind) {
    case Q_PING:
        event_log(LOG_INFO, q->win, "Pong from %s in %lld ms.", q->shown,
                  (long long)(loop_now_ms() - q->sent));
        break;
    case Q_VERSION:
        show_version(q, st);
        break;
    case Q_TIME:
        show_time(q, st);
        break;
    case Q_LAST:
        show_last(q, st);
        break;
    case Q_VCARD:
        show_vcard(q, st);
        break;
    case Q_CAPS:
        show_caps(q, st);
        break;
    }
    query_free(q);
    return 0;
}

/* The element that asks KIND. */
static void add_payload(xmpp_stanza_t *iq, query_kind kind)
{
    switch (kind) {
    case Q_PING:
        nx_add_child(iq, "ping", NS_PING);
        break;
    case Q_VERSION:
        nx_add_child(iq, "query", NS_VERSION);
        break;
    case Q_TIME:
        nx_add_child(iq, "time", NS_TIME);
        break;
    case Q_LAST:
        nx_add_child(iq, "query", NS_LAST);
        break;
    case Q_VCARD:
        nx_add_child(iq, "vCard", NS_VCARD);
        break;
    case Q_CAPS:
        nx_add_child(iq, "query", NS_DISCO_INFO);
        break;
    }
}

static bool ask(query_kind kind, const char *jid, const char *win, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    query *q = g_new0(query, 1);
    q->kind = kind;
    if (jid) {
        jid_t *j = jid_new(jid);
        if (!j) {
            g_free(q);
            *err = g_strdup_printf("'%s' is not a valid JID", jid);
            return false;
        }
        q->target =
            j->resource ? g_strdup_printf("%s/%s", j->bare, j->resource) : g_strdup(j->bare);
        jid_free(j);
        q->shown = g_strdup(q->target);
    } else {
        const char *own = nx_own_bare();
        const char *at = own ? strchr(own, '@') : NULL;
        q->shown = g_strdup(at ? at + 1 : "the server");
    }
    q->win = g_strdup(win);
    xmpp_stanza_t *iq = nx_iq_new("get");
    if (q->target)
        xmpp_stanza_set_to(iq, q->target);
    add_payload(iq, kind);
    q->sent = loop_now_ms();
    q->timer = loop_add_timer(QUERY_TIMEOUT_MS, on_timeout, q);
    nx_send_iq(c, iq, on_answer, q, (GDestroyNotify)query_free);
    return true;
}

bool nx_ping(const char *jid, const char *win, char **err)
{
    return ask(Q_PING, jid, win, err);
}

bool nx_query_version(const char *jid, const char *win, char **err)
{
    return ask(Q_VERSION, jid, win, err);
}

bool nx_query_time(const char *jid, const char *win, char **err)
{
    return ask(Q_TIME, jid, win, err);
}

bool nx_query_last(const char *jid, const char *win, char **err)
{
    return ask(Q_LAST, jid, win, err);
}

bool nx_query_vcard(const char *jid, const char *win, char **err)
{
    return ask(Q_VCARD, jid, win, err);
}

bool nx_query_features(const char *jid, const char *win, char **err)
{
    return ask(Q_CAPS, jid, win, err);
}

/* bookmarks.c - rooms the user keeps, stored on the server: XEP-0402 (PEP
 * node urn:xmpp:bookmarks:1) when the account advertises
 * urn:xmpp:bookmarks:1#compat, else XEP-0048 in private storage (XEP-0049).
 * Fetched after every login; autojoin bookmarks are joined then. Changes
 * pushed by the server (PEP notifications) are accepted only from our own
 * account. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "model/jid.h"

#define NS_BOOKMARKS "urn:xmpp:bookmarks:1"
#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_PUBSUB_EVENT "http://jabber.org/protocol/pubsub#event"
#define NS_PRIVATE "jabber:iq:private"
#define NS_STORAGE "storage:bookmarks"

static GPtrArray *marks; /* nx_bookmark*, NULL until fetched */
static bool use_pep;     /* XEP-0402 (true) or XEP-0048 */
static bool fetched;     /* the list of this login arrived */
static bool no_storage;  /* the server keeps no bookmarks at all */

static void mark_free(nx_bookmark *b)
{
    if (!b)
        return;
    g_free(b->jid);
    g_free(b->name);
    g_free(b->nick);
    g_free(b->password);
    g_free(b);
}

const GPtrArray *nx_bookmarks(void)
{
    return fetched ? marks : NULL;
}

static nx_bookmark *find(const char *jid, guint *index)
{
    for (guint i = 0; marks && i < marks->len; i++) {
        nx_bookmark *b = g_ptr_array_index(marks, i);
        if (jid_bare_equal(b->jid, jid)) {
            if (index)
                *index = i;
            return b;
        }
    }
    return NULL;
}

static bool truthy(const char *v)
{
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* One <conference/> (either XEP) into a bookmark, or NULL when invalid. */
static nx_bookmark *parse_conference(xmpp_stanza_t *conf, const char *jid)
{
    if (!jid || !jid_is_valid_bare(jid) || !strchr(jid, '@'))
        return NULL;
    nx_bookmark *b = g_new0(nx_bookmark, 1);
    b->jid = jid_bare_of(jid);
    b->name = g_strdup(xmpp_stanza_get_attribute(conf, "name"));
    b->autojoin = truthy(xmpp_stanza_get_attribute(conf, "autojoin"));
    b->nick = nx_child_text(conf, "nick");
    b->password = nx_child_text(conf, "password");
    if (b->nick && !*b->nick)
        g_clear_pointer(&b->nick, g_free);
    return b;
}

/* Add B as a <conference/> (namespace NS, NULL: the parent's) to PARENT;
 * the other half of parse_conference. The room's JID is the caller's:
 * an attribute in XEP-0048, the item id in XEP-0402. */
static xmpp_stanza_t *add_conference(xmpp_stanza_t *parent, const char *ns, const nx_bookmark *b)
{
    xmpp_stanza_t *conf = nx_add_child(parent, "conference", ns);
    xmpp_stanza_set_attribute(conf, "autojoin", b->autojoin ? "true" : "false");
    if (b->name)
        xmpp_stanza_set_attribute(conf, "name", b->name);
    if (b->nick)
        nx_add_text(conf, "nick", b->nick);
    if (b->password)
        nx_add_text(conf, "password", b->password);
    return conf;
}

static void put(nx_bookmark *b)
{
    guint i;
    if (!marks)
        marks = g_ptr_array_new_with_free_func((GDestroyNotify)mark_free);
    if (find(b->jid, &i))
        g_ptr_array_remove_index(marks, i);
    g_ptr_array_add(marks, b);
}

static void autojoin(const nx_bookmark *b)
{
    if (!b->autojoin)
        return;
    muc_room *r = muc_room_find(b->jid);
    if (r && r->state != MUC_STATE_LEFT)
        return;
    char *err = NULL;
    if (!nx_muc_join(b->jid, b->nick, b->password, &err)) {
        event_log(LOG_ERROR, NULL, "Cannot join bookmarked room %s: %s", b->jid, err);
        g_free(err);
    }
}

static void announce(void)
{
    event_emit(EV_BOOKMARKS, NULL);
}

static void loaded(void)
{
    fetched = true;
    announce();
    for (guint i = 0; marks && i < marks->len; i++)
        autojoin(g_ptr_array_index(marks, i));
}

/* The answer ST to a fetch arrived (FAILED: say why): the list is known. */
static void fetch_done(xmpp_stanza_t *st, bool failed)
{
    if (failed) {
        const char *cond = nx_error_condition(st);
        if (!strcmp(cond, "service-unavailable") || !strcmp(cond, "feature-not-implemented")) {
            /* An optional service this server does not offer: nothing is
             * wrong, there is just nowhere to keep bookmarks. */
            no_storage = true;
            log_debug("bookmarks", "the server keeps no bookmarks (%s)", cond);
            return;
        }
        /* The list stays unknown: saving one bookmark now would write a
         * list of one over whatever the server holds. */
        char *why = nx_error_text(st);
        event_log(LOG_WARN, NULL, "Bookmarks could not be read (not changed until they are): %s",
                  why);
        g_free(why);
        return;
    }
    loaded();
}

/* ---------- XEP-0048 (private storage) ---------- */

static int on_private(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    if (marks)
        g_ptr_array_set_size(marks, 0);
    xmpp_stanza_t *q = nx_child(st, "query", NS_PRIVATE);
    xmpp_stanza_t *s = q ? nx_child(q, "storage", NS_STORAGE) : NULL;
    for (xmpp_stanza_t *e = s ? xmpp_stanza_get_children(s) : NULL; e;
         e = xmpp_stanza_get_next(e)) {
        if (!xmpp_stanza_is_tag(e) || g_strcmp0(xmpp_stanza_get_name(e), "conference"))
            continue;
        nx_bookmark *b = parse_conference(e, xmpp_stanza_get_attribute(e, "jid"));
        if (b)
            put(b);
    }
    fetch_done(st, g_strcmp0(xmpp_stanza_get_type(st), "result") != 0);
    return 0;
}

static void private_fetch(xmpp_conn_t *c)
{
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_PRIVATE);
    nx_add_child(q, "storage", NS_STORAGE);
    nx_send_iq(c, iq, on_private, NULL, NULL);
}

static int on_saved(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *what = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, NULL, "The server did not save the bookmark change (%s): %s", what,
                  why);
        g_free(why);
    }
    g_free(what);
    return 0;
}

static void private_store(xmpp_conn_t *c, const char *what)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_PRIVATE);
    xmpp_stanza_t *s = nx_add_child(q, "storage", NS_STORAGE);
    for (guint i = 0; marks && i < marks->len; i++) {
        nx_bookmark *b = g_ptr_array_index(marks, i);
        xmpp_stanza_set_attribute(add_conference(s, NULL, b), "jid", b->jid);
    }
    nx_send_iq(c, iq, on_saved, g_strdup(what), g_free);
}

/* ---------- XEP-0402 (PEP) ---------- */

static void pep_items(xmpp_stanza_t *items)
{
    for (xmpp_stanza_t *it = xmpp_stanza_get_children(items); it; it = xmpp_stanza_get_next(it)) {
        if (!xmpp_stanza_is_tag(it))
            continue;
        const char *name = xmpp_stanza_get_name(it);
        const char *id = xmpp_stanza_get_attribute(it, "id");
        if (!strcmp(name, "retract") && id) {
            guint i;
            if (find(id, &i))
                g_ptr_array_remove_index(marks, i);
            continue;
        }
        if (strcmp(name, "item") != 0)
            continue;
        xmpp_stanza_t *conf = nx_child(it, "conference", NS_BOOKMARKS);
        nx_bookmark *b = conf ? parse_conference(conf, id) : NULL;
        if (b)
            put(b);
    }
}

static int on_pep_items(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    if (marks)
        g_ptr_array_set_size(marks, 0);
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *ps = nx_child(st, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *items = ps ? nx_child(ps, "items", NULL) : NULL;
    if (items)
        pep_items(items);
    /* item-not-found: no bookmark was ever published. */
    fetch_done(st, !items && g_strcmp0(type, "result") != 0 &&
                       g_strcmp0(nx_error_condition(st), "item-not-found") != 0);
    return 0;
}

static void pep_fetch(xmpp_conn_t *c)
{
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *items = nx_add_child(ps, "items", NULL);
    xmpp_stanza_set_attribute(items, "node", NS_BOOKMARKS);
    nx_send_iq(c, iq, on_pep_items, NULL, NULL);
}

static void publish_option(xmpp_stanza_t *form, const char *var, const char *value)
{
    nx_add_field(form, var, NULL, value);
}

static void pep_publish(xmpp_conn_t *c, const nx_bookmark *b)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *pub = nx_add_child(ps, "publish", NULL);
    xmpp_stanza_set_attribute(pub, "node", NS_BOOKMARKS);
    xmpp_stanza_t *item = nx_add_child(pub, "item", NULL);
    xmpp_stanza_set_attribute(item, "id", b->jid);
    add_conference(item, NS_BOOKMARKS, b);
    /* Private, kept, as many as there are (XEP-0402 section 3). */
    xmpp_stanza_t *po = nx_add_child(ps, "publish-options", NULL);
    xmpp_stanza_t *form = nx_add_child(po, "x", NS_DATA);
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", "http://jabber.org/protocol/pubsub#publish-options");
    publish_option(form, "pubsub#persist_items", "true");
    publish_option(form, "pubsub#max_items", "max");
    publish_option(form, "pubsub#send_last_published_item", "never");
    publish_option(form, "pubsub#access_model", "whitelist");
    nx_send_iq(c, iq, on_saved, g_strdup_printf("add %s", b->jid), g_free);
}

static void pep_retract(xmpp_conn_t *c, const char *jid)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *r = nx_add_child(ps, "retract", NULL);
    xmpp_stanza_set_attribute(r, "node", NS_BOOKMARKS);
    xmpp_stanza_set_attribute(r, "notify", "true");
    xmpp_stanza_t *item = nx_add_child(r, "item", NULL);
    xmpp_stanza_set_attribute(item, "id", jid);
    nx_send_iq(c, iq, on_saved, g_strdup_printf("remove %s", jid), g_free);
}

bool nx_bookmarks_handle_event(xmpp_stanza_t *st)
{
    xmpp_stanza_t *ev = nx_child(st, "event", NS_PUBSUB_EVENT);
    xmpp_stanza_t *items = ev ? nx_child(ev, "items", NULL) : NULL;
    if (!items || g_strcmp0(xmpp_stanza_get_attribute(items, "node"), NS_BOOKMARKS))
        return false;
    /* Only our own account publishes our bookmarks. */
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !nx_own_bare() || !jid_bare_equal(from, nx_own_bare()) || strchr(from, '/')) {
        log_warn("bookmarks", "ignored a bookmarks notification from %s", from ? from : "nobody");
        return true;
    }
    if (!use_pep || !fetched)
        return true; /* the fetch brings the full list */
    pep_items(items);
    announce();
    /* A bookmark added elsewhere with autojoin: join it here too. */
    for (xmpp_stanza_t *it = xmpp_stanza_get_children(items); it; it = xmpp_stanza_get_next(it)) {
        const char *id = xmpp_stanza_is_tag(it) && !g_strcmp0(xmpp_stanza_get_name(it), "item")
                             ? xmpp_stanza_get_attribute(it, "id")
                             : NULL;
        nx_bookmark *b = id ? find(id, NULL) : NULL;
        if (b)
            autojoin(b);
    }
    return true;
}

/* ---------- choosing the kind, the public face ---------- */

static int on_account_info(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    use_pep = false;
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    for (xmpp_stanza_t *f = q ? xmpp_stanza_get_children(q) : NULL; f; f = xmpp_stanza_get_next(f))
        if (xmpp_stanza_is_tag(f) &&
            !g_strcmp0(xmpp_stanza_get_attribute(f, "var"), NS_BOOKMARKS "#compat"))
            use_pep = true;
    log_debug("bookmarks", "using %s", use_pep ? "XEP-0402" : "XEP-0048");
    if (use_pep)
        pep_fetch(c);
    else
        private_fetch(c);
    return 0;
}

void nx_bookmarks_fetch(xmpp_conn_t *c)
{
    fetched = no_storage = false;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, nx_own_bare());
    nx_add_child(iq, "query", NS_DISCO_INFO);
    nx_send_iq(c, iq, on_account_info, NULL, NULL);
}

bool nx_bookmarks_unsupported(void)
{
    return no_storage;
}

void nx_bookmarks_reset(void)
{
    fetched = false;
    if (marks)
        g_ptr_array_unref(marks);
    marks = NULL;
}

bool nx_bookmark_set(const char *room, const char *nick, const char *password, bool autojoin_,
                     char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c || !fetched) {
        *err = g_strdup(!c           ? "not connected"
                        : no_storage ? "this server does not store bookmarks"
                                     : "the bookmarks have not arrived yet");
        return false;
    }
    if (!room || !jid_is_valid_bare(room) || !strchr(room, '@')) {
        *err = g_strdup_printf("'%s' is not a valid room address", room ? room : "");
        return false;
    }
    nx_bookmark *b = g_new0(nx_bookmark, 1);
    b->jid = jid_bare_of(room);
    nx_bookmark *old = find(b->jid, NULL);
    b->name = old ? g_strdup(old->name) : NULL;
    b->nick = g_strdup(nick ? nick : (old ? old->nick : NULL));
    b->password = g_strdup(password ? password : (old ? old->password : NULL));
    b->autojoin = autojoin_;
    put(b);
    if (use_pep)
        pep_publish(c, b);
    else
        private_store(c, "add");
    announce();
    return true;
}

bool nx_bookmark_remove(const char *room, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c || !fetched) {
        *err = g_strdup(!c           ? "not connected"
                        : no_storage ? "this server does not store bookmarks"
                                     : "the bookmarks have not arrived yet");
        return false;
    }
    guint i;
    if (!find(room, &i)) {
        *err = g_strdup_printf("%s is not bookmarked", room);
        return false;
    }
    char *jid = g_strdup(((nx_bookmark *)g_ptr_array_index(marks, i))->jid);
    g_ptr_array_remove_index(marks, i);
    if (use_pep)
        pep_retract(c, jid);
    else
        private_store(c, "remove");
    g_free(jid);
    announce();
    return true;
}

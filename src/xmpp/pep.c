/* pep.c - publishing to and reading from PEP nodes (XEP-0163, XEP-0060),
 * and the notifications of followed nodes (see pep.h). */
#include "xmpp/pep.h"

#include <string.h>

#include "core/log.h"
#include "model/jid.h"
#include "xmpp/internal.h"

#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_PUBSUB_OWNER NS_PUBSUB "#owner"
#define NS_PUBSUB_EVENT NS_PUBSUB "#event"
#define NS_PUBSUB_ERRORS NS_PUBSUB "#errors"

/* ---------- publishing ---------- */

typedef struct {
    char *node, *item_id;
    xmpp_stanza_t *payload; /* a copy, kept for the second attempt */
    bool reconfigured;
    nx_pep_done_fn cb;
    void *ud;
    bool done; /* CB was called */
} publish_op;

static void publish_free(void *p)
{
    publish_op *op = p;
    if (!op->done && op->cb)
        op->cb(false, "the connection was lost", op->ud);
    g_free(op->node);
    g_free(op->item_id);
    if (op->payload)
        xmpp_stanza_release(op->payload);
    g_free(op);
}

static void finish(publish_op *op, bool ok, const char *error)
{
    op->done = true;
    if (op->cb)
        op->cb(ok, error, op->ud);
    publish_free(op);
}

static void send_publish(xmpp_conn_t *c, publish_op *op);

static int on_configured(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    publish_op *op = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        char *line = g_strdup_printf("cannot open node %s to everyone: %s", op->node, why);
        finish(op, false, line);
        g_free(line);
        g_free(why);
        return 0;
    }
    if (op->payload)
        send_publish(c, op);
    else
        finish(op, true, NULL);
    return 0;
}

/* Make NODE readable by anyone (XEP-0060 8.2, owner configuration). */
static void send_configure(xmpp_conn_t *c, publish_op *op)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB_OWNER);
    xmpp_stanza_t *conf = nx_add_child(ps, "configure", NULL);
    xmpp_stanza_set_attribute(conf, "node", op->node);
    xmpp_stanza_t *form = nx_add_child(conf, "x", NS_DATA);
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", NS_PUBSUB "#node_config");
    nx_add_field(form, "pubsub#access_model", NULL, "open");
    nx_send_iq(c, iq, on_configured, op, publish_free);
}

static int on_published(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    publish_op *op = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        xmpp_stanza_t *err = nx_child(st, "error", NULL);
        if (!op->reconfigured && nx_child(err, "precondition-not-met", NS_PUBSUB_ERRORS)) {
            log_debug("pep", "node %s has another configuration: opening it", op->node);
            op->reconfigured = true;
            send_configure(c, op);
            return 0;
        }
        char *why = nx_error_text(st);
        char *line = g_strdup_printf("cannot publish to %s: %s", op->node, why);
        finish(op, false, line);
        g_free(line);
        g_free(why);
        return 0;
    }
    finish(op, true, NULL);
    return 0;
}

static void send_publish(xmpp_conn_t *c, publish_op *op)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *pub = nx_add_child(ps, "publish", NULL);
    xmpp_stanza_set_attribute(pub, "node", op->node);
    xmpp_stanza_t *item = nx_add_child(pub, "item", NULL);
    xmpp_stanza_set_attribute(item, "id", op->item_id);
    xmpp_stanza_t *copy = xmpp_stanza_copy(op->payload);
    xmpp_stanza_add_child_ex(item, copy, 0);
    xmpp_stanza_t *po = nx_add_child(ps, "publish-options", NULL);
    xmpp_stanza_t *form = nx_add_child(po, "x", NS_DATA);
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", NS_PUBSUB "#publish-options");
    nx_add_field(form, "pubsub#access_model", NULL, "open");
    nx_send_iq(c, iq, on_published, op, publish_free);
}

bool nx_pep_publish_open(const char *node, const char *item_id, xmpp_stanza_t *payload,
                         nx_pep_done_fn cb, void *ud)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        xmpp_stanza_release(payload);
        return false;
    }
    publish_op *op = g_new0(publish_op, 1);
    op->node = g_strdup(node);
    op->item_id = g_strdup(item_id);
    op->payload = payload;
    op->cb = cb;
    op->ud = ud;
    send_publish(c, op);
    return true;
}

/* ---------- reading the configuration back ---------- */

/* The value of field VAR of the data form FORM (borrowed), or NULL. */
static const char *form_value(xmpp_stanza_t *form, const char *var, char **text)
{
    for (xmpp_stanza_t *f = form ? xmpp_stanza_get_children(form) : NULL; f;
         f = xmpp_stanza_get_next(f)) {
        if (!xmpp_stanza_is_tag(f) || g_strcmp0(xmpp_stanza_get_attribute(f, "var"), var))
            continue;
        *text = nx_child_text(f, "value");
        return *text;
    }
    return NULL;
}

static int on_config(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    publish_op *op = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        char *line = g_strdup_printf("cannot read the configuration of %s: %s", op->node, why);
        finish(op, false, line);
        g_free(line);
        g_free(why);
        return 0;
    }
    xmpp_stanza_t *ps = nx_child(st, "pubsub", NS_PUBSUB_OWNER);
    xmpp_stanza_t *conf = ps ? nx_child(ps, "configure", NULL) : NULL;
    char *text = NULL;
    const char *access =
        form_value(conf ? nx_child(conf, "x", NS_DATA) : NULL, "pubsub#access_model", &text);
    bool open = !g_strcmp0(access, "open");
    log_debug("pep", "node %s has access model %s", op->node, access ? access : "(none)");
    g_free(text);
    if (open) {
        finish(op, true, NULL);
        return 0;
    }
    /* Only the configuration changes: no item to publish afterwards. */
    op->reconfigured = true;
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps2 = nx_add_child(iq, "pubsub", NS_PUBSUB_OWNER);
    xmpp_stanza_t *conf2 = nx_add_child(ps2, "configure", NULL);
    xmpp_stanza_set_attribute(conf2, "node", op->node);
    xmpp_stanza_t *form = nx_add_child(conf2, "x", NS_DATA);
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", NS_PUBSUB "#node_config");
    nx_add_field(form, "pubsub#access_model", NULL, "open");
    nx_send_iq(c, iq, on_configured, op, publish_free);
    return 0;
}

bool nx_pep_check_open(const char *node, nx_pep_done_fn cb, void *ud)
{
    xmpp_conn_t *c = nx_conn();
    if (!c)
        return false;
    publish_op *op = g_new0(publish_op, 1);
    op->node = g_strdup(node);
    op->cb = cb;
    op->ud = ud;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB_OWNER);
    xmpp_stanza_set_attribute(nx_add_child(ps, "configure", NULL), "node", node);
    nx_send_iq(c, iq, on_config, op, publish_free);
    return true;
}

/* ---------- fetching ---------- */

typedef struct {
    char *jid;
    nx_pep_item_fn cb;
    void *ud;
    bool done;
} fetch_op;

static void fetch_free(void *p)
{
    fetch_op *op = p;
    if (!op->done)
        op->cb(false, NULL, "the connection was lost", op->ud);
    g_free(op->jid);
    g_free(op);
}

static int on_items(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    fetch_op *op = ud;
    const char *from = xmpp_stanza_get_from(st);
    bool own = nx_own_bare() && jid_bare_equal(op->jid, nx_own_bare());
    bool right = own ? nx_from_own_account(from)
                     : from && !strchr(from, '/') && jid_bare_equal(from, op->jid);
    if (!right)
        return 1;
    op->done = true;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        xmpp_stanza_t *err = nx_child(st, "error", NULL);
        char *why = nx_error_text(st);
        op->cb(false, NULL, nx_child(err, "item-not-found", NULL) ? "item-not-found" : why, op->ud);
        g_free(why);
    } else {
        xmpp_stanza_t *ps = nx_child(st, "pubsub", NS_PUBSUB);
        xmpp_stanza_t *items = ps ? nx_child(ps, "items", NULL) : NULL;
        xmpp_stanza_t *item = items ? nx_child(items, "item", NULL) : NULL;
        xmpp_stanza_t *payload = NULL;
        for (xmpp_stanza_t *e = item ? xmpp_stanza_get_children(item) : NULL; e && !payload;
             e = xmpp_stanza_get_next(e))
            if (xmpp_stanza_is_tag(e))
                payload = e;
        op->cb(true, payload, NULL, op->ud);
    }
    fetch_free(op);
    return 0;
}

bool nx_pep_fetch(const char *jid, const char *node, const char *item_id, nx_pep_item_fn cb,
                  void *ud)
{
    xmpp_conn_t *c = nx_conn();
    if (!c)
        return false;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, jid);
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *items = nx_add_child(ps, "items", NULL);
    xmpp_stanza_set_attribute(items, "node", node);
    if (item_id)
        xmpp_stanza_set_attribute(nx_add_child(items, "item", NULL), "id", item_id);
    else
        xmpp_stanza_set_attribute(items, "max_items", "1");
    fetch_op *op = g_new0(fetch_op, 1);
    op->jid = g_strdup(jid);
    op->cb = cb;
    op->ud = ud;
    nx_send_iq(c, iq, on_items, op, fetch_free);
    return true;
}

/* ---------- notifications ---------- */

static char *hook_node;
static nx_pep_event_fn hook_fn;

void nx_pep_set_event_hook(const char *node, nx_pep_event_fn fn)
{
    g_free(hook_node);
    hook_node = fn ? g_strdup(node) : NULL;
    hook_fn = fn;
}

bool nx_pep_handle_event(xmpp_stanza_t *st)
{
    xmpp_stanza_t *ev = nx_child(st, "event", NS_PUBSUB_EVENT);
    xmpp_stanza_t *items = ev ? nx_child(ev, "items", NULL) : NULL;
    if (!items || !hook_fn || g_strcmp0(xmpp_stanza_get_attribute(items, "node"), hook_node))
        return false;
    /* The PEP service of an account speaks for it with its bare JID (our own
     * has no 'from' at all on some servers). */
    const char *from = xmpp_stanza_get_from(st);
    if (from && strchr(from, '/'))
        return true;
    jid_t *j = jid_new(from ? from : nx_own_bare() ? nx_own_bare() : "");
    if (!j)
        return true;
    xmpp_stanza_t *item = nx_child(items, "item", NULL);
    xmpp_stanza_t *payload = NULL;
    for (xmpp_stanza_t *e = item ? xmpp_stanza_get_children(item) : NULL; e && !payload;
         e = xmpp_stanza_get_next(e))
        if (xmpp_stanza_is_tag(e))
            payload = e;
    if (payload)
        hook_fn(j->bare, payload);
    jid_free(j);
    return true;
}

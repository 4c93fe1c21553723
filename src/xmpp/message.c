/* message.c - one-to-one chat messages in and out (RFC 6121), with delay
 * stamps (XEP-0203), chat states (XEP-0085), receipts (XEP-0184) and
 * origin ids (XEP-0359); a queue for messages written while offline. */
#include "xmpp/internal.h"

#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "model/jid.h"

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_DELAY "urn:xmpp:delay"
#define NS_SID "urn:xmpp:sid:0"

typedef struct {
    char *to;
    char *body;
    char *id;
} queued_message;

static GQueue offline_queue = G_QUEUE_INIT;

static void queued_free(gpointer p)
{
    queued_message *q = p;
    g_free(q->to);
    g_free(q->body);
    g_free(q->id);
    g_free(q);
}

static time_t parse_delay(xmpp_stanza_t *st, bool *delayed)
{
    xmpp_stanza_t *d = xmpp_internal_child(st, "delay", NS_DELAY);
    const char *stamp = d ? xmpp_stanza_get_attribute(d, "stamp") : NULL;
    if (stamp) {
        GDateTime *dt = g_date_time_new_from_iso8601(stamp, NULL);
        if (dt) {
            time_t t = (time_t)g_date_time_to_unix(dt);
            g_date_time_unref(dt);
            *delayed = true;
            return t;
        }
    }
    *delayed = false;
    return time(NULL);
}

static void handle_chatstate(xmpp_stanza_t *st, const char *peer)
{
    static const char *const names[] = {"active", "composing", "paused", "inactive", "gone"};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        if (xmpp_internal_child(st, names[i], NS_CHATSTATES)) {
            ev_chatstate ev = {peer, (chatstate)i};
            event_emit(EV_CHATSTATE, &ev);
            return;
        }
    }
}

static void send_receipt(xmpp_conn_t *c, const char *to, const char *id)
{
    xmpp_ctx_t *x = xmpp_internal_ctx();
    xmpp_stanza_t *m = xmpp_message_new(x, NULL, to, NULL);
    xmpp_stanza_t *r = xmpp_stanza_new(x);
    xmpp_stanza_set_name(r, "received");
    xmpp_stanza_set_ns(r, NS_RECEIPTS);
    xmpp_stanza_set_attribute(r, "id", id);
    xmpp_stanza_add_child_ex(m, r, 0);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

static int on_message(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *from = xmpp_stanza_get_from(st);
    const char *type = xmpp_stanza_get_type(st);
    const char *id = xmpp_stanza_get_id(st);
    jid_t *j = from ? jid_new(from) : NULL;
    if (!j) {
        log_debug("message", "dropped message with missing or invalid from");
        return 1;
    }
    if (type && strcmp(type, "groupchat") == 0) {
        jid_free(j); /* group chat arrives with a later release */
        return 1;
    }
    if (type && strcmp(type, "error") == 0) {
        xmpp_stanza_t *e = xmpp_internal_child(st, "error", NULL);
        xmpp_stanza_t *cond = e ? xmpp_stanza_get_children(e) : NULL;
        while (cond && !xmpp_stanza_is_tag(cond))
            cond = xmpp_stanza_get_next(cond);
        char *text = e ? xmpp_internal_child_text(e, "text") : NULL;
        char *msg = g_strdup_printf("%s%s%s", cond ? xmpp_stanza_get_name(cond) : "error",
                                    text ? ": " : "", text ? text : "");
        ev_message_error ev = {j->bare, id, msg};
        event_emit(EV_MESSAGE_ERROR, &ev);
        g_free(msg);
        g_free(text);
        jid_free(j);
        return 1;
    }
    handle_chatstate(st, j->bare);
    char *body = xmpp_internal_child_text(st, "body");
    if (body && *body) {
        if (!g_utf8_validate(body, -1, NULL)) {
            char *fixed = g_utf8_make_valid(body, -1);
            g_free(body);
            body = fixed;
        }
        bool delayed = false;
        time_t ts = parse_delay(st, &delayed);
        ev_message ev = {.peer = j->bare,
                         .from = j->full,
                         .body = body,
                         .id = id,
                         .outgoing = false,
                         .queued = false,
                         .timestamp = ts,
                         .delayed = delayed};
        event_emit(EV_MESSAGE, &ev);
        roster_contact *rc = roster_find(j->bare);
        /* Receipts only to contacts we share presence with (no leak to
         * strangers that we are online). */
        if (id && settings_get_bool("receipts") && xmpp_internal_child(st, "request", NS_RECEIPTS) &&
            rc && rc->in_roster &&
            (!strcmp(rc->subscription, "from") || !strcmp(rc->subscription, "both")))
            send_receipt(c, j->full, id);
    }
    g_free(body);
    jid_free(j);
    return 1;
}

void xmpp_message_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_message, NULL, "message", NULL, NULL);
}

static void add_child_ns(xmpp_stanza_t *parent, const char *name, const char *ns)
{
    xmpp_stanza_t *e = xmpp_stanza_new(xmpp_internal_ctx());
    xmpp_stanza_set_name(e, name);
    xmpp_stanza_set_ns(e, ns);
    xmpp_stanza_add_child_ex(parent, e, 0);
}

static void send_now(xmpp_conn_t *c, const char *to, const char *body, const char *id)
{
    xmpp_ctx_t *x = xmpp_internal_ctx();
    xmpp_stanza_t *m = xmpp_message_new(x, "chat", to, id);
    xmpp_message_set_body(m, body);
    xmpp_stanza_t *oid = xmpp_stanza_new(x);
    xmpp_stanza_set_name(oid, "origin-id");
    xmpp_stanza_set_ns(oid, NS_SID);
    xmpp_stanza_set_attribute(oid, "id", id);
    xmpp_stanza_add_child_ex(m, oid, 0);
    if (settings_get_bool("receipts"))
        add_child_ns(m, "request", NS_RECEIPTS);
    if (settings_get_bool("chat_states"))
        add_child_ns(m, "active", NS_CHATSTATES);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

bool xmpp_send_chat(const char *to, const char *body, char **err)
{
    jid_t *j = jid_new(to);
    if (!j) {
        *err = g_strdup_printf("'%s' is not a valid JID", to);
        return false;
    }
    if (!body || !*body) {
        jid_free(j);
        *err = g_strdup("nothing to send");
        return false;
    }
    if (!g_utf8_validate(body, -1, NULL)) {
        jid_free(j);
        *err = g_strdup("the message is not valid UTF-8");
        return false;
    }
    char *id = xmpp_internal_new_id();
    xmpp_conn_t *c = xmpp_internal_conn();
    bool queued = c == NULL;
    if (c) {
        send_now(c, j->full, body, id);
    } else {
        queued_message *q = g_new0(queued_message, 1);
        q->to = g_strdup(j->full);
        q->body = g_strdup(body);
        q->id = g_strdup(id);
        g_queue_push_tail(&offline_queue, q);
    }
    const char *own = xmpp_own_full() ? xmpp_own_full() : (xmpp_own_bare() ? xmpp_own_bare() : "");
    ev_message ev = {.peer = j->bare,
                     .from = own,
                     .body = body,
                     .id = id,
                     .outgoing = true,
                     .queued = queued,
                     .timestamp = time(NULL),
                     .delayed = false};
    event_emit(EV_MESSAGE, &ev);
    if (queued)
        event_log(LOG_WARN, j->bare,
                  "Not connected: message queued and will be sent when reconnected.");
    g_free(id);
    jid_free(j);
    return true;
}

unsigned xmpp_queued_count(void)
{
    return g_queue_get_length(&offline_queue);
}

void xmpp_message_flush_queue(xmpp_conn_t *c)
{
    unsigned n = 0;
    queued_message *q;
    while ((q = g_queue_pop_head(&offline_queue))) {
        send_now(c, q->to, q->body, q->id);
        queued_free(q);
        n++;
    }
    if (n)
        event_log(LOG_INFO, NULL, "Sent %u queued message%s.", n, n == 1 ? "" : "s");
}

void xmpp_send_chatstate(const char *to, chatstate state)
{
    static const char *const names[] = {"active", "composing", "paused", "inactive", "gone"};
    xmpp_conn_t *c = xmpp_internal_conn();
    if (!c || !settings_get_bool("chat_states") || (unsigned)state >= G_N_ELEMENTS(names))
        return;
    xmpp_stanza_t *m = xmpp_message_new(xmpp_internal_ctx(), "chat", to, NULL);
    add_child_ns(m, names[state], NS_CHATSTATES);
    add_child_ns(m, "no-store", "urn:xmpp:hints");
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

void xmpp_message_deinit(void)
{
    g_queue_clear_full(&offline_queue, queued_free);
}

/* roster.c - RFC 6121 roster: fetch at login, accept pushes only from our
 * own account, and send changes. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"

#define NS_ROSTER "jabber:iq:roster"
#define ROSTER_TIMEOUT_MS 30000 /* log in without the roster after this */

static unsigned roster_timer; /* pending initial roster request */

static void on_roster_timeout(void *ud)
{
    roster_timer = 0;
    event_log(LOG_WARN, NULL,
              "The server did not send the roster in %d seconds; going "
              "online without it.",
              ROSTER_TIMEOUT_MS / 1000);
    nx_roster_ready();
}

/* Apply one <item/> to the model; returns false when it was malformed. */
static bool apply_item(xmpp_stanza_t *item, bool emit)
{
    const char *jid = xmpp_stanza_get_attribute(item, "jid");
    char *bare = jid ? jid_bare_of(jid) : NULL;
    if (!bare)
        return false;
    const char *sub = xmpp_stanza_get_attribute(item, "subscription");
    if (sub && strcmp(sub, "remove") == 0) {
        roster_remove_item(bare);
    } else {
        GPtrArray *groups = g_ptr_array_new_with_free_func(g_free);
        for (xmpp_stanza_t *g = xmpp_stanza_get_children(item); g; g = xmpp_stanza_get_next(g)) {
            if (!xmpp_stanza_is_tag(g) || g_strcmp0(xmpp_stanza_get_name(g), "group"))
                continue;
            char *t = xmpp_stanza_get_text(g);
            if (t && *t && g_utf8_validate(t, -1, NULL))
                g_ptr_array_add(groups, g_strdup(t));
            if (t)
                xmpp_free(nx_ctx(), t);
        }
        g_ptr_array_add(groups, NULL);
        const char *name = xmpp_stanza_get_attribute(item, "name");
        const char *ask = xmpp_stanza_get_attribute(item, "ask");
        if (sub && strcmp(sub, "none") && strcmp(sub, "to") && strcmp(sub, "from") &&
            strcmp(sub, "both"))
            sub = "none";
        roster_set_item(bare, name, (const char *const *)groups->pdata, sub,
                        ask && strcmp(ask, "subscribe") == 0);
        g_ptr_array_free(groups, TRUE);
    }
    if (emit) {
        ev_roster_item ev = {bare, sub && strcmp(sub, "remove") == 0};
        event_emit(EV_ROSTER_ITEM, &ev);
    }
    g_free(bare);
    return true;
}

static int on_roster_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1;                  /* not the reply we wait for; keep waiting */
    bool late = roster_timer == 0; /* went online without it already */
    if (roster_timer)
        loop_cancel_timer(roster_timer);
    roster_timer = 0;
    if (type && strcmp(type, "result") == 0) {
        xmpp_stanza_t *q = nx_child(st, "query", NS_ROSTER);
        roster_clear();
        for (xmpp_stanza_t *it = q ? xmpp_stanza_get_children(q) : NULL; it;
             it = xmpp_stanza_get_next(it))
            if (xmpp_stanza_is_tag(it) && !g_strcmp0(xmpp_stanza_get_name(it), "item"))
                apply_item(it, false);
        event_emit(EV_ROSTER_LOADED, NULL);
    } else {
        event_log(LOG_WARN, NULL, "The server refused to send the roster.");
    }
    if (!late)
        nx_roster_ready();
    return 0;
}

static int on_roster_push(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    if (!type || strcmp(type, "set") != 0)
        return 1;
    const char *from = xmpp_stanza_get_from(st);
    if (!nx_from_own_account(from)) {
        /* RFC 6121 2.1.6: only our own account may push roster changes. */
        log_warn("roster", "ignored roster push from %s", from);
        nx_send_iq_error(st, "service-unavailable");
        return 1;
    }
    xmpp_stanza_t *q = nx_child(st, "query", NS_ROSTER);
    int items = 0;
    for (xmpp_stanza_t *it = q ? xmpp_stanza_get_children(q) : NULL; it;
         it = xmpp_stanza_get_next(it))
        if (xmpp_stanza_is_tag(it) && !g_strcmp0(xmpp_stanza_get_name(it), "item"))
            items += apply_item(it, true) ? 1 : 0;
    if (items != 1) {
        nx_send_iq_error(st, "bad-request");
    } else {
        xmpp_stanza_t *reply = nx_iq_reply(st, "result");
        xmpp_send(c, reply);
        xmpp_stanza_release(reply);
    }
    return 1;
}

void nx_roster_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_roster_push, NS_ROSTER, "iq", "set", NULL);
}

void nx_roster_request(xmpp_conn_t *c)
{
    char *id = nx_new_id();
    xmpp_stanza_t *iq = xmpp_iq_new(nx_ctx(), "get", id);
    xmpp_stanza_t *q = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(q, "query");
    xmpp_stanza_set_ns(q, NS_ROSTER);
    xmpp_stanza_add_child_ex(iq, q, 0);
    xmpp_id_handler_add(c, on_roster_result, id, NULL);
    if (roster_timer)
        loop_cancel_timer(roster_timer);
    roster_timer = loop_add_timer(ROSTER_TIMEOUT_MS, on_roster_timeout, NULL);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
    g_free(id);
}

static int on_set_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *what = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    const char *type = xmpp_stanza_get_type(st);
    if (type && strcmp(type, "error") == 0)
        event_log(LOG_ERROR, NULL, "The server refused to %s.", what);
    g_free(what);
    return 0;
}

/* Send a roster set for BARE with NAME and GROUP; REMOVE deletes it. */
static bool roster_set(const char *jid, const char *name, const char *group, bool remove,
                       const char *what, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    char *bare = jid_bare_of(jid);
    if (!bare) {
        *err = g_strdup_printf("'%s' is not a valid JID", jid);
        return false;
    }
    roster_contact *rc = roster_find(bare);
    xmpp_ctx_t *x = nx_ctx();
    char *id = nx_new_id();
    xmpp_stanza_t *iq = xmpp_iq_new(x, "set", id);
    xmpp_stanza_t *q = xmpp_stanza_new(x);
    xmpp_stanza_set_name(q, "query");
    xmpp_stanza_set_ns(q, NS_ROSTER);
    xmpp_stanza_t *item = xmpp_stanza_new(x);
    xmpp_stanza_set_name(item, "item");
    xmpp_stanza_set_attribute(item, "jid", bare);
    if (remove) {
        xmpp_stanza_set_attribute(item, "subscription", "remove");
    } else {
        const char *nm = name ? name : (rc && rc->in_roster ? rc->name : NULL);
        if (nm && *nm)
            xmpp_stanza_set_attribute(item, "name", nm);
        GPtrArray *groups = g_ptr_array_new();
        if (group) {
            if (*group)
                g_ptr_array_add(groups, (gpointer)group);
        } else if (rc && rc->in_roster) {
            for (char **g = rc->groups; *g; g++)
                g_ptr_array_add(groups, *g);
        }
        for (guint i = 0; i < groups->len; i++) {
            xmpp_stanza_t *g = xmpp_stanza_new(x);
            xmpp_stanza_set_name(g, "group");
            xmpp_stanza_t *t = xmpp_stanza_new(x);
            xmpp_stanza_set_text(t, g_ptr_array_index(groups, i));
            xmpp_stanza_add_child_ex(g, t, 0);
            xmpp_stanza_add_child_ex(item, g, 0);
        }
        g_ptr_array_free(groups, TRUE);
    }
    xmpp_stanza_add_child_ex(q, item, 0);
    xmpp_stanza_add_child_ex(iq, q, 0);
    nx_send_iq(c, iq, on_set_result, g_strdup_printf("%s %s", what, bare), g_free);
    g_free(id);
    g_free(bare);
    return true;
}

bool nx_roster_add(const char *jid, const char *name, char **err)
{
    return roster_set(jid, name, NULL, false, "add", err);
}

bool nx_roster_remove(const char *jid, char **err)
{
    return roster_set(jid, NULL, NULL, true, "remove", err);
}

bool nx_roster_set_name(const char *jid, const char *name, char **err)
{
    return roster_set(jid, name ? name : "", NULL, false, "rename", err);
}

bool nx_roster_set_group(const char *jid, const char *group, char **err)
{
    return roster_set(jid, NULL, group ? group : "", false, "regroup", err);
}

void nx_roster_reset(void)
{
    if (roster_timer)
        loop_cancel_timer(roster_timer);
    roster_timer = 0;
}

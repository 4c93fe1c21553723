/* presence.c - our presence, contacts' presence and subscriptions. */
#include "xmpp/internal.h"

#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "model/jid.h"

static presence_show own_show = PRESENCE_ONLINE;
static char *own_status;

presence_show nx_own_show(void)
{
    return own_show;
}

const char *nx_own_status(void)
{
    return own_status;
}

presence_show nx_presence_show(xmpp_stanza_t *st)
{
    char *show = nx_child_text(st, "show");
    presence_show s = PRESENCE_ONLINE;
    if (show) {
        if (!strcmp(show, "away"))
            s = PRESENCE_AWAY;
        else if (!strcmp(show, "xa"))
            s = PRESENCE_XA;
        else if (!strcmp(show, "dnd"))
            s = PRESENCE_DND;
        else if (!strcmp(show, "chat"))
            s = PRESENCE_CHAT;
    }
    g_free(show);
    return s;
}

/* The XEP-0319 idle stamp of presence ST (UTC seconds), 0 when none. A
 * stamp in the future means nothing. */
static time_t idle_of(xmpp_stanza_t *st)
{
    xmpp_stanza_t *idle = nx_child(st, "idle", NS_IDLE);
    const char *since = idle ? xmpp_stanza_get_attribute(idle, "since") : NULL;
    GDateTime *dt = since ? g_date_time_new_from_iso8601(since, NULL) : NULL;
    if (!dt)
        return 0;
    time_t t = (time_t)g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t > 0 && t <= time(NULL) ? t : 0;
}

bool nx_drop_stranger(const char *bare)
{
    if (strcmp(settings_get("strangers"), "drop") != 0 || !strchr(bare, '@'))
        return false;
    if (nx_own_bare() && !strcmp(bare, nx_own_bare()))
        return false;
    roster_contact *rc = roster_find(bare);
    return !(rc && rc->in_roster);
}

static void handle_subscription(const char *type, const char *bare, xmpp_stanza_t *st)
{
    if (!strcmp(type, "subscribe") && nx_drop_stranger(bare)) {
        /* Left pending on the server: the user may still answer it later. */
        log_debug("presence", "subscription request from %s not shown (strangers = drop)", bare);
        return;
    }
    ev_subscription ev = {SUB_REQUEST, bare, NULL};
    char *status = nx_child_text(st, "status");
    ev.text = status;
    if (!strcmp(type, "subscribe")) {
        ev.kind = SUB_REQUEST;
        event_emit(EV_SUBSCRIPTION, &ev);
    } else if (!strcmp(type, "subscribed")) {
        ev.kind = SUB_APPROVED;
        event_emit(EV_SUBSCRIPTION, &ev);
    } else if (!strcmp(type, "unsubscribed")) {
        ev.kind = SUB_REVOKED;
        event_emit(EV_SUBSCRIPTION, &ev);
    } else if (!strcmp(type, "unsubscribe")) {
        ev.kind = SUB_UNSUBSCRIBED;
        event_emit(EV_SUBSCRIPTION, &ev);
    }
    g_free(status);
}

static int on_presence(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (nx_muc_handle_presence(c, st))
        return 1;
    const char *from = xmpp_stanza_get_from(st);
    jid_t *j = from ? jid_new(from) : NULL;
    if (!j)
        return 1;
    const char *type = xmpp_stanza_get_type(st);
    if (type && strcmp(type, "unavailable") != 0) {
        if (strcmp(type, "error") == 0) {
            log_debug("presence", "presence error from %s", j->full);
        } else if (strcmp(type, "probe") != 0) {
            handle_subscription(type, j->bare, st);
        }
        jid_free(j);
        return 1;
    }
    /* Our own other resources are not contacts. */
    if (nx_own_bare() && strcmp(j->bare, nx_own_bare()) == 0) {
        jid_free(j);
        return 1;
    }
    /* Presence of strangers is not kept: anyone can send it from endless
     * addresses, and nothing shows it. */
    roster_contact *known = roster_find(j->bare);
    if (!known || (!type && !known->in_roster)) {
        jid_free(j);
        return 1;
    }
    presence_show show = type ? PRESENCE_OFFLINE : nx_presence_show(st);
    char *status = nx_child_text(st, "status");
    char *prio = nx_child_text(st, "priority");
    int priority = prio ? (int)strtol(prio, NULL, 10) : 0;
    presence_show old = PRESENCE_OFFLINE;
    bool changed = roster_set_presence(j->bare, j->resource, show, status, priority, &old);
    if (show != PRESENCE_OFFLINE)
        roster_set_idle(j->bare, j->resource, idle_of(st));
    if (changed) {
        roster_contact *rc = roster_find(j->bare);
        ev_presence ev = {j->bare, j->resource, rc ? (int)rc->show : (int)show, (int)old,
                          rc ? rc->status : status};
        event_emit(EV_PRESENCE, &ev);
    }
    g_free(status);
    g_free(prio);
    jid_free(j);
    return 1;
}

void nx_presence_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_presence, NULL, "presence", NULL, NULL);
}

void nx_presence_send_current(xmpp_conn_t *c)
{
    xmpp_ctx_t *x = nx_ctx();
    xmpp_stanza_t *pres = xmpp_presence_new(x);
    if (own_show != PRESENCE_ONLINE) {
        xmpp_stanza_t *show = xmpp_stanza_new(x);
        xmpp_stanza_set_name(show, "show");
        xmpp_stanza_t *t = xmpp_stanza_new(x);
        xmpp_stanza_set_text(t, presence_show_name(own_show));
        xmpp_stanza_add_child_ex(show, t, 0);
        xmpp_stanza_add_child_ex(pres, show, 0);
    }
    if (own_status && *own_status) {
        xmpp_stanza_t *status = xmpp_stanza_new(x);
        xmpp_stanza_set_name(status, "status");
        xmpp_stanza_t *t = xmpp_stanza_new(x);
        xmpp_stanza_set_text(t, own_status);
        xmpp_stanza_add_child_ex(status, t, 0);
        xmpp_stanza_add_child_ex(pres, status, 0);
    }
    xmpp_stanza_add_child_ex(pres, nx_disco_caps_element(x), 0);
    /* Away and idle: say since when (XEP-0319), as auto-away does. */
    time_t last = nx_last_input();
    if (last && own_show != PRESENCE_ONLINE && own_show != PRESENCE_CHAT && last < time(NULL)) {
        GDateTime *dt = g_date_time_new_from_unix_utc(last);
        char *stamp = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
        xmpp_stanza_t *idle = nx_add_child(pres, "idle", NS_IDLE);
        xmpp_stanza_set_attribute(idle, "since", stamp);
        g_free(stamp);
        g_date_time_unref(dt);
    }
    xmpp_send(c, pres);
    xmpp_stanza_release(pres);
}

void nx_set_presence(presence_show show, const char *status)
{
    own_show = show == PRESENCE_OFFLINE ? PRESENCE_ONLINE : show;
    g_free(own_status);
    own_status = (status && *status) ? g_strdup(status) : NULL;
    xmpp_conn_t *c = nx_conn();
    if (c) {
        nx_presence_send_current(c);
        nx_muc_presence_broadcast(c);
    }
    ev_own_presence ev = {own_show, own_status};
    event_emit(EV_OWN_PRESENCE, &ev);
}

static void send_typed(const char *to, const char *type)
{
    xmpp_conn_t *c = nx_conn();
    xmpp_stanza_t *p = xmpp_presence_new(nx_ctx());
    xmpp_stanza_set_type(p, type);
    xmpp_stanza_set_to(p, to);
    xmpp_send(c, p);
    xmpp_stanza_release(p);
}

bool nx_subscription(const char *action, const char *jid, char **err)
{
    if (!nx_conn()) {
        *err = g_strdup("not connected");
        return false;
    }
    char *bare = jid_bare_of(jid);
    if (!bare) {
        *err = g_strdup_printf("'%s' is not a valid JID", jid);
        return false;
    }
    bool ok = true;
    if (!strcmp(action, "request"))
        send_typed(bare, "subscribe");
    else if (!strcmp(action, "allow"))
        send_typed(bare, "subscribed");
    else if (!strcmp(action, "deny"))
        send_typed(bare, "unsubscribed");
    else if (!strcmp(action, "cancel"))
        send_typed(bare, "unsubscribe");
    else {
        *err = g_strdup_printf("unknown action '%s' (request, allow, deny or cancel)", action);
        ok = false;
    }
    g_free(bare);
    return ok;
}

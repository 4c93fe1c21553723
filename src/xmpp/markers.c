/* markers.c - read state: chat markers to contacts (XEP-0333, the
 * "displayed" marker) and the displayed state shared with our own devices
 * through PEP (XEP-0490, message displayed synchronisation).
 *
 * The screen says when the user has seen a conversation (nx_markers_seen);
 * this file decides what may be sent: a marker only to a contact who may
 * see our presence anyway (subscription from or both), only when the
 * send_read_markers setting allows it and the message asked for one; the
 * PEP item only with the stanza-id our own server gave the message (in
 * rooms: the room gave it). Rooms get no chat markers from natter (they
 * would tell every occupant), only the displayed state for our devices. */
#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"
#include "xmpp/internal.h"

#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_PUBSUB_EVENT "http://jabber.org/protocol/pubsub#event"

/* peer -> the stanza-id last published for it (no need to say it twice). */
static GHashTable *published;

/* Publications are spaced: in a busy chat every message seen would be one
 * PEP publication (and a notification to each of our devices). The first
 * goes at once; what is seen within MDS_GAP_MS after it is published when
 * the gap is over, only the newest point of each chat. */
#define MDS_GAP_MS 2000
static gint64 last_publish_us; /* monotonic time of the last publication */
static unsigned gap_timer;
static GHashTable *pending; /* peer -> "BY STANZA_ID" (g_strjoin'ed with ' ') */
static bool unsupported;    /* the server refused: no more until the next login */

/* A contact who may see our presence: telling it that we read its
 * messages says no more than our presence does (XEP-0333 section 9). */
static bool sees_presence(const char *bare)
{
    roster_contact *rc = roster_find(bare);
    return rc && rc->in_roster && rc->subscription &&
           (!strcmp(rc->subscription, "from") || !strcmp(rc->subscription, "both"));
}

static void send_displayed(xmpp_conn_t *c, const char *peer, const char *id)
{
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "chat", peer, NULL);
    xmpp_stanza_t *d = nx_add_child(m, "displayed", NS_MARKERS);
    xmpp_stanza_set_attribute(d, "id", id);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

static int on_published(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    if (type && !strcmp(type, "error")) {
        char *why = nx_error_text(st);
        log_warn("mds", "publishing the displayed state of %s failed: %s", (const char *)ud, why);
        g_free(why);
        const char *cond = nx_error_condition(st);
        /* A server without PEP (or without publish-options) says the same
         * every time: stop asking until the next login. */
        if (cond && (!strcmp(cond, "service-unavailable") ||
                     !strcmp(cond, "feature-not-implemented") || !strcmp(cond, "not-allowed")))
            unsupported = true;
        if (published)
            g_hash_table_remove(published, ud); /* try again next time */
    }
    return 0;
}

/* Send the publication that PEER was displayed up to the message BY
 * stamped STANZA_ID. */
static void send_mds(xmpp_conn_t *c, const char *peer, const char *by, const char *stanza_id)
{
    if (!published)
        published = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    const char *last = g_hash_table_lookup(published, peer);
    if (last && !strcmp(last, stanza_id))
        return;
    g_hash_table_replace(published, g_strdup(peer), g_strdup(stanza_id));
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *ps = nx_add_child(iq, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *pub = nx_add_child(ps, "publish", NULL);
    xmpp_stanza_set_attribute(pub, "node", NS_MDS);
    xmpp_stanza_t *item = nx_add_child(pub, "item", NULL);
    xmpp_stanza_set_attribute(item, "id", peer);
    xmpp_stanza_t *disp = nx_add_child(item, "displayed", NS_MDS);
    xmpp_stanza_t *sid = nx_add_child(disp, "stanza-id", NS_SID);
    xmpp_stanza_set_attribute(sid, "by", by);
    xmpp_stanza_set_attribute(sid, "id", stanza_id);
    /* Private to our account, kept, one item per chat (XEP-0490 section 4.2). */
    xmpp_stanza_t *po = nx_add_child(ps, "publish-options", NULL);
    xmpp_stanza_t *form = nx_add_child(po, "x", NS_DATA);
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", "http://jabber.org/protocol/pubsub#publish-options");
    nx_add_field(form, "pubsub#persist_items", NULL, "true");
    nx_add_field(form, "pubsub#max_items", NULL, "max");
    nx_add_field(form, "pubsub#send_last_published_item", NULL, "never");
    nx_add_field(form, "pubsub#access_model", NULL, "whitelist");
    nx_send_iq(c, iq, on_published, g_strdup(peer), g_free);
    last_publish_us = g_get_monotonic_time();
}

static void on_gap_over(void *ud)
{
    gap_timer = 0;
    xmpp_conn_t *c = nx_conn();
    GHashTableIter it;
    gpointer peer, val;
    g_hash_table_iter_init(&it, pending);
    while (c && g_hash_table_iter_next(&it, &peer, &val)) {
        char **parts = g_strsplit(val, " ", 2);
        if (parts[0] && parts[1])
            send_mds(c, peer, parts[0], parts[1]);
        g_strfreev(parts);
    }
    g_hash_table_remove_all(pending);
}

/* Publish (now, or when the gap since the last one is over) that PEER was
 * displayed up to the message BY stamped STANZA_ID. */
static void publish_mds(xmpp_conn_t *c, const char *peer, const char *by, const char *stanza_id)
{
    if (unsupported || !by || strchr(by, ' ') || strchr(stanza_id, ' '))
        return; /* (no JID has a space; a stanza-id with one is not ours to store) */
    gint64 since_ms = (g_get_monotonic_time() - last_publish_us) / 1000;
    if (!gap_timer && (!last_publish_us || since_ms >= MDS_GAP_MS)) {
        send_mds(c, peer, by, stanza_id);
        return;
    }
    if (!pending)
        pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_replace(pending, g_strdup(peer), g_strjoin(" ", by, stanza_id, NULL));
    if (!gap_timer)
        gap_timer = loop_add_timer(
            (unsigned)(since_ms >= 0 && since_ms < MDS_GAP_MS ? MDS_GAP_MS - since_ms : 0),
            on_gap_over, NULL);
}

void nx_markers_seen(const char *peer, const char *id, const char *stanza_id, bool markable)
{
    xmpp_conn_t *c = nx_conn();
    if (!c || !peer || strchr(peer, '/'))
        return; /* offline, or a private chat in a room */
    if (markable && id && settings_get_bool("send_read_markers") && sees_presence(peer))
        send_displayed(c, peer, id);
    if (stanza_id)
        publish_mds(c, peer, nx_own_bare(), stanza_id);
}

void nx_markers_room_seen(const char *room, const char *stanza_id)
{
    xmpp_conn_t *c = nx_conn();
    if (c && room && stanza_id && muc_room_find(room))
        publish_mds(c, room, room, stanza_id);
}

/* Announce the displayed state in the <item/>s of ITEMS (a PEP
 * notification's or our fetch's), which our own account sent. */
static void announce_items(xmpp_stanza_t *items)
{
    const char *own = nx_own_bare();
    for (xmpp_stanza_t *it = xmpp_stanza_get_children(items); own && it;
         it = xmpp_stanza_get_next(it)) {
        if (!xmpp_stanza_is_tag(it) || g_strcmp0(xmpp_stanza_get_name(it), "item"))
            continue;
        const char *peer = xmpp_stanza_get_attribute(it, "id");
        xmpp_stanza_t *disp = nx_child(it, "displayed", NS_MDS);
        xmpp_stanza_t *sid = disp ? nx_child(disp, "stanza-id", NS_SID) : NULL;
        const char *by = sid ? xmpp_stanza_get_attribute(sid, "by") : NULL;
        const char *id = sid ? xmpp_stanza_get_attribute(sid, "id") : NULL;
        /* One-to-one chats: the stanza-id is our server's; rooms we know:
         * the room's. */
        if (!peer || !id || !by || strchr(peer, '/') || strchr(by, '/'))
            continue;
        if (!jid_bare_equal(by, own) && !(jid_bare_equal(by, peer) && muc_room_find(peer)))
            continue;
        ev_mds m = {peer, id};
        event_emit(EV_MDS, &m);
    }
}

bool nx_mds_handle_event(xmpp_stanza_t *st)
{
    xmpp_stanza_t *ev = nx_child(st, "event", NS_PUBSUB_EVENT);
    xmpp_stanza_t *items = ev ? nx_child(ev, "items", NULL) : NULL;
    if (!items || g_strcmp0(xmpp_stanza_get_attribute(items, "node"), NS_MDS))
        return false;
    /* Only our own account says what we have read elsewhere. */
    const char *from = xmpp_stanza_get_from(st);
    const char *own = nx_own_bare();
    if (!from || !own || strchr(from, '/') || !jid_bare_equal(from, own)) {
        log_warn("mds", "ignored a displayed-state notification from %s", from ? from : "nobody");
        return true;
    }
    announce_items(items);
    return true;
}

static int on_fetched(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    if (!nx_from_own_account(xmpp_stanza_get_from(st)) || !type || strcmp(type, "result"))
        return 0; /* no node yet (nothing read elsewhere), or no PEP */
    xmpp_stanza_t *ps = nx_child(st, "pubsub", NS_PUBSUB);
    xmpp_stanza_t *items = ps ? nx_child(ps, "items", NULL) : NULL;
    if (items && !g_strcmp0(xmpp_stanza_get_attribute(items, "node"), NS_MDS))
        announce_items(items);
    return 0;
}

/* After the login catch-up, what our other devices read while we were away
 * (XEP-0490 section 4.4): only then are the caught-up messages known. */
static void on_sync(event_type t, const void *p, void *ud)
{
    const ev_archive_sync *ev = p;
    xmpp_conn_t *c = nx_conn();
    if (!ev->done || ev->peer || !c)
        return;
    unsupported = false; /* a new login: perhaps another server */
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_t *items = nx_add_child(nx_add_child(iq, "pubsub", NS_PUBSUB), "items", NULL);
    xmpp_stanza_set_attribute(items, "node", NS_MDS);
    nx_send_iq(c, iq, on_fetched, NULL, NULL);
}

void nx_markers_init(void)
{
    event_subscribe(EV_ARCHIVE_SYNC, EV_STAGE_PROTO, on_sync, NULL);
}

void nx_markers_reset(void)
{
    event_unsubscribe(EV_ARCHIVE_SYNC, on_sync, NULL);
    if (gap_timer)
        loop_cancel_timer(gap_timer);
    gap_timer = 0;
    last_publish_us = 0;
    unsupported = false;
    g_clear_pointer(&pending, g_hash_table_destroy);
    g_clear_pointer(&published, g_hash_table_destroy);
}

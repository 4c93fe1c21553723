/* muc.c - being in group chats (XEP-0045): joining, leaving, nick changes,
 * finding the server's MUC service, rejoining after a reconnect, and
 * XEP-0410 self-pings that notice when a room silently dropped us.
 *
 * The presence a room sends about its occupants and about us is read in
 * muc_presence.c, messages in rooms in muc_message.c, moderation and
 * configuration in muc_admin.c. */
#include "xmpp/internal.h"

#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"
#include "model/muc.h"

#define SELFPING_TIMEOUT_MS 30000
/* A removal this soon after the room let us in counts as a quick one
 * (nx_muc_rejoin_later). */
#define QUICK_REMOVAL_US ((gint64)60 * G_USEC_PER_SEC)

static char *service;          /* the server's MUC service, once found */
static int disco_pending = -1; /* service lookups out (-1: not started) */
typedef struct {
    char *name, *nick, *password;
} pending_join;
static GPtrArray *pending_joins; /* joins waiting for the service */
static unsigned ping_timer;
static GHashTable *protos; /* room jid -> muc_proto* */

/* ---------- per-room protocol state ---------- */

static void proto_free(muc_proto *p)
{
    if (!p)
        return;
    if (p->sync_timer)
        loop_cancel_timer(p->sync_timer);
    if (p->rejoin_timer)
        loop_cancel_timer(p->rejoin_timer);
    if (p->since_join)
        g_hash_table_destroy(p->since_join);
    g_free(p->room);
    g_free(p->last_sid);
    g_free(p->mam_qid);
    g_free(p->mam_iq);
    g_free(p);
}

muc_proto *nx_muc_proto(const char *room)
{
    if (!protos)
        protos = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)proto_free);
    muc_proto *p = g_hash_table_lookup(protos, room);
    if (!p) {
        p = g_new0(muc_proto, 1);
        p->room = g_strdup(room);
        g_hash_table_insert(protos, p->room, p);
        /* The sync point survives restarts: "<ms> <stanza-id>". */
        char *key = g_strdup_printf("muc_last:%s", room);
        char *v = nx_persist_get(key);
        if (v) {
            char *sp = strchr(v, ' ');
            if (sp) {
                p->last_ts = g_ascii_strtoll(v, NULL, 10);
                p->last_sid = g_strdup(sp + 1);
            }
        }
        g_free(v);
        g_free(key);
    }
    return p;
}

void nx_muc_persist(muc_proto *p)
{
    if (!p || !p->last_sid || !p->unsaved)
        return;
    char *key = g_strdup_printf("muc_last:%s", p->room);
    char *v = g_strdup_printf("%lld %s", (long long)p->last_ts, p->last_sid);
    nx_persist_set(key, v);
    g_free(v);
    g_free(key);
    p->unsaved = 0;
}

void nx_muc_room_event(muc_ev_kind kind, muc_room *r, const char *nick, const char *actor,
                       const char *reason, const char *text)
{
    ev_muc_room ev = {.kind = kind,
                      .room = r->jid,
                      .nick = nick,
                      .actor = actor,
                      .reason = reason,
                      .text = text,
                      .count = muc_room_count(r)};
    event_emit(EV_MUC_ROOM, &ev);
}

/* ---------- the MUC service ---------- */

const char *nx_muc_service(void)
{
    return service;
}

static void pending_free(pending_join *p)
{
    g_free(p->name);
    g_free(p->nick);
    g_free(p->password);
    g_free(p);
}

/* The service lookup ended (found or not): run the joins that waited. */
static void service_known(void)
{
    if (!pending_joins)
        return;
    GPtrArray *list = pending_joins;
    pending_joins = NULL;
    for (guint i = 0; i < list->len; i++) {
        pending_join *p = g_ptr_array_index(list, i);
        char *err = NULL;
        if (!nx_muc_join(p->name, p->nick, p->password, &err)) {
            event_log(LOG_ERROR, NULL, "Cannot join %s: %s", p->name, err);
            g_free(err);
        }
    }
    g_ptr_array_unref(list);
}

static int on_item_info(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *item = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, item))
        return 1; /* not the answer we wait for: keep waiting */
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    if (!service && q && !g_strcmp0(xmpp_stanza_get_type(st), "result")) {
        for (xmpp_stanza_t *i = xmpp_stanza_get_children(q); i; i = xmpp_stanza_get_next(i)) {
            if (xmpp_stanza_is_tag(i) && !g_strcmp0(xmpp_stanza_get_name(i), "identity") &&
                !g_strcmp0(xmpp_stanza_get_attribute(i, "category"), "conference") &&
                !g_strcmp0(xmpp_stanza_get_attribute(i, "type"), "text")) {
                service = g_strdup(item);
                log_debug("muc", "group chat service: %s", service);
                break;
            }
        }
    }
    g_free(item);
    if (disco_pending > 0)
        disco_pending--;
    if (service || disco_pending == 0) {
        disco_pending = 0;
        service_known();
    }
    return 0;
}

static int on_server_items(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_server(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_ITEMS);
    if (!q) {
        disco_pending = 0;
        service_known();
        return 0;
    }
    unsigned asked = 0;
    for (xmpp_stanza_t *i = xmpp_stanza_get_children(q); i && asked < 50;
         i = xmpp_stanza_get_next(i)) {
        const char *jid = xmpp_stanza_is_tag(i) ? xmpp_stanza_get_attribute(i, "jid") : NULL;
        if (!jid || !jid_is_valid(jid) || strchr(jid, '@') || strchr(jid, '/'))
            continue;
        xmpp_stanza_t *iq = nx_iq_new("get");
        xmpp_stanza_set_to(iq, jid);
        nx_add_child(iq, "query", NS_DISCO_INFO);
        nx_send_iq(c, iq, on_item_info, g_strdup(jid), g_free);
        asked++;
    }
    disco_pending = (int)asked;
    if (!asked)
        service_known();
    return 0;
}

static void discover_service(xmpp_conn_t *c)
{
    if (service)
        return;
    const char *own = nx_own_bare();
    const char *at = own ? strchr(own, '@') : NULL;
    if (!at)
        return;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, at + 1);
    nx_add_child(iq, "query", NS_DISCO_ITEMS);
    disco_pending = 1;
    nx_send_iq(c, iq, on_server_items, NULL, NULL);
}

/* ---------- joining ---------- */

static void send_join_presence(xmpp_conn_t *c, muc_room *r);

/* Take the features of room R from its disco#info QUERY. */
static void apply_room_features(muc_room *r, xmpp_stanza_t *q)
{
    r->has_mam = r->has_moderation = r->has_occupant_id = r->has_stanza_id = false;
    r->nonanonymous = r->members_only = false;
    g_clear_pointer(&r->moderation_ns, g_free);
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(q); f; f = xmpp_stanza_get_next(f)) {
        const char *var = xmpp_stanza_is_tag(f) && !g_strcmp0(xmpp_stanza_get_name(f), "feature")
                              ? xmpp_stanza_get_attribute(f, "var")
                              : NULL;
        if (!var)
            continue;
        if (!strcmp(var, NS_MAM))
            r->has_mam = true;
        else if (!strcmp(var, NS_OCCUPANT_ID))
            r->has_occupant_id = true;
        else if (!strcmp(var, NS_SID))
            r->has_stanza_id = true;
        else if (!strcmp(var, "muc_nonanonymous"))
            r->nonanonymous = true;
        else if (!strcmp(var, "muc_membersonly"))
            r->members_only = true;
        else if (!strcmp(var, "urn:xmpp:message-moderate:1") ||
                 (!strcmp(var, "urn:xmpp:message-moderate:0") && !r->moderation_ns)) {
            r->has_moderation = true;
            g_free(r->moderation_ns);
            r->moderation_ns = g_strdup(var);
        }
    }
    nx_reaction_room_info(r->jid, q);
}

/* True when ST comes from ROOM itself (not an occupant, not anyone else). */
static bool from_room(xmpp_stanza_t *st, const char *room)
{
    const char *from = xmpp_stanza_get_from(st);
    return from && jid_bare_equal(from, room) && !strchr(from, '/');
}

static int on_room_info(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *room = ud;
    if (!from_room(st, room))
        return 1; /* not the answer we wait for: keep waiting */
    muc_room *r = muc_room_find(room);
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    if (r && q && !g_strcmp0(xmpp_stanza_get_type(st), "result"))
        apply_room_features(r, q);
    if (r) {
        /* Without features (the room may not exist yet) the join decides;
         * a room we create is asked again once it exists. */
        nx_muc_proto(r->jid)->info_done = true;
        send_join_presence(c, r);
        if (r->state == MUC_STATE_JOINED)
            nx_muc_sync_start(c, r);
    }
    g_free(room);
    return 0;
}

static int on_room_info_again(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *room = ud;
    if (!from_room(st, room))
        return 1;
    muc_room *r = muc_room_find(room);
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    if (r && q && !g_strcmp0(xmpp_stanza_get_type(st), "result"))
        apply_room_features(r, q);
    g_free(room);
    return 0;
}

void nx_muc_refresh_info(xmpp_conn_t *c, const char *room)
{
    if (!c || !muc_room_find(room))
        return;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, room);
    nx_add_child(iq, "query", NS_DISCO_INFO);
    nx_send_iq(c, iq, on_room_info_again, g_strdup(room), g_free);
}

static void on_sync_timeout(void *ud)
{
    muc_proto *p = ud;
    p->sync_timer = 0;
    muc_room *r = muc_room_find(p->room);
    if (r && p->syncing && r->state == MUC_STATE_JOINING) {
        /* No answer to the join at all: say so (a reconnect tries again). */
        p->syncing = false;
        r->state = MUC_STATE_LEFT;
        muc_room_clear_occupants(r);
        nx_muc_room_event(MUC_EV_JOIN_FAILED, r, r->nick, NULL, NULL, "the room did not answer");
        nx_muc_rejoin_later(r, false);
    } else if (r && p->syncing) {
        nx_muc_sync_finish(r, "the room did not send its history in time");
    }
}

static void send_join(xmpp_conn_t *c, muc_room *r)
{
    muc_proto *p = nx_muc_proto(r->jid);
    r->state = MUC_STATE_JOINING;
    muc_room_clear_occupants(r);
    p->got_subject = false;
    p->syncing = true;
    p->ping_busy = false;
    p->info_done = false;
    p->mam_done = false;
    p->fetched = 0;
    p->tail_page = false;
    g_clear_pointer(&p->mam_qid, g_free);
    g_clear_pointer(&p->mam_iq, g_free);
    if (p->since_join)
        g_hash_table_remove_all(p->since_join);
    if (p->rejoin_timer)
        loop_cancel_timer(p->rejoin_timer);
    p->rejoin_timer = 0;
    if (p->sync_timer)
        loop_cancel_timer(p->sync_timer);
    p->sync_timer = loop_add_timer(30000, on_sync_timeout, p);
    nx_muc_room_event(MUC_EV_JOINING, r, r->nick, NULL, NULL, NULL);

    /* What the room supports (archive, moderation, occupant ids). */
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, r->jid);
    nx_add_child(iq, "query", NS_DISCO_INFO);
    p->presence_sent = false;
    nx_send_iq(c, iq, on_room_info, g_strdup(r->jid), g_free);
}

/* The join presence, once the room's features are known: a room with an
 * archive sends no discussion history (the archive brings the same messages
 * in order; history and archive interleaved within a second would not be). */
static void send_join_presence(xmpp_conn_t *c, muc_room *r)
{
    xmpp_ctx_t *x = nx_ctx();
    muc_proto *p = nx_muc_proto(r->jid);
    if (p->presence_sent || r->state != MUC_STATE_JOINING || !p->syncing)
        return;
    p->presence_sent = true;
    char *to = g_strdup_printf("%s/%s", r->jid, r->nick);
    xmpp_stanza_t *pres = xmpp_presence_new(x);
    xmpp_stanza_set_to(pres, to);
    xmpp_stanza_t *mx = nx_add_child(pres, "x", NS_MUC);
    xmpp_stanza_t *hist = nx_add_child(mx, "history", NULL);
    if (r->has_mam) {
        /* Also on a rejoin: discussion history since the sync point would
         * come first, and the archive's older part of the same second after. */
        xmpp_stanza_set_attribute(hist, "maxstanzas", "0");
    } else if (p->last_ts > 0) {
        /* Only what we have not seen; duplicates of the boundary second
         * are dropped by the history's dedup. */
        GDateTime *dt = g_date_time_new_from_unix_utc(p->last_ts / 1000);
        char *since = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
        if (since)
            xmpp_stanza_set_attribute(hist, "since", since);
        g_free(since);
        if (dt)
            g_date_time_unref(dt);
    } else {
        char n[16];
        g_snprintf(n, sizeof(n), "%ld", (long)settings_get_int("muc_history"));
        xmpp_stanza_set_attribute(hist, "maxstanzas", n);
    }
    if (r->password)
        nx_add_text(mx, "password", r->password);
    presence_show show = nx_own_show();
    if (show != PRESENCE_ONLINE)
        nx_add_text(pres, "show", presence_show_name(show));
    if (nx_own_status())
        nx_add_text(pres, "status", nx_own_status());
    xmpp_stanza_add_child_ex(pres, nx_disco_caps_element(x), 0);
    xmpp_send(c, pres);
    xmpp_stanza_release(pres);
    g_free(to);
}

/* "ROOM" or "ROOM@SERVICE" into a normalised bare JID (g_free), or NULL
 * with *ERR. */
static char *room_jid(const char *name, char **err)
{
    char *full = strchr(name, '@') ? g_strdup(name)
                 : service         ? g_strdup_printf("%s@%s", name, service)
                                   : NULL;
    if (!full) {
        *err = g_strdup_printf("no group chat service is known on this server: give the room "
                               "as %s@SERVICE",
                               name);
        return NULL;
    }
    jid_t *j = jid_new(full);
    g_free(full);
    if (!j || j->resource || !j->local) {
        jid_free(j);
        *err = g_strdup_printf("'%s' is not a valid room address", name);
        return NULL;
    }
    char *bare = g_strdup(j->bare);
    jid_free(j);
    return bare;
}

bool nx_muc_valid_nick(const char *nick)
{
    if (!nick || !*nick || strlen(nick) > 1023 || !g_utf8_validate(nick, -1, NULL))
        return false;
    for (const char *p = nick; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

char *nx_muc_room_jid(const char *name, char **err)
{
    return room_jid(name, err);
}

bool nx_muc_join(const char *name, const char *nick, const char *password, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!strchr(name, '@') && !service && (!c || disco_pending != 0)) {
        /* The service is still being looked for (or we are offline): join
         * once it is known. */
        pending_join *p = g_new0(pending_join, 1);
        p->name = g_strdup(name);
        p->nick = g_strdup(nick);
        p->password = g_strdup(password);
        if (!pending_joins)
            pending_joins = g_ptr_array_new_with_free_func((GDestroyNotify)pending_free);
        g_ptr_array_add(pending_joins, p);
        event_log(LOG_INFO, NULL, "Joining %s as soon as the server's group chat service is known.",
                  name);
        return true;
    }
    char *room = room_jid(name, err);
    if (!room)
        return false;
    muc_room *r = muc_room_find(room);
    const char *use = nick && *nick ? nick : (r && r->nick ? r->nick : NULL);
    char *dflt = NULL;
    if (!use) {
        dflt = jid_short_name(nx_own_bare() ? nx_own_bare() : "me");
        use = dflt;
    }
    if (!nx_muc_valid_nick(use)) {
        *err = g_strdup("a nick must be text without control characters");
        g_free(room);
        g_free(dflt);
        return false;
    }
    r = muc_room_ensure(room);
    g_free(room);
    bool same = r->nick && !strcmp(r->nick, use);
    if (r->state == MUC_STATE_JOINED && !same && c) {
        /* In the room already: another nick is a nick change (a second
         * join would get no occupant list or subject). */
        bool ok = nx_muc_change_nick(r->jid, use, err);
        g_free(dflt);
        nx_muc_room_event(MUC_EV_JOINED, r, r->nick, NULL, NULL, "again");
        return ok;
    }
    if (r->state != MUC_STATE_LEFT && same) {
        g_free(dflt);
        nx_muc_room_event(r->state == MUC_STATE_JOINED ? MUC_EV_JOINED : MUC_EV_JOINING, r, r->nick,
                          NULL, NULL, "again");
        return true; /* already there (or on the way) */
    }
    /* USE and PASSWORD may be the room's own strings: copy before freeing. */
    char *nick_copy = g_strdup(use);
    g_free(r->nick);
    r->nick = nick_copy;
    g_free(dflt);
    if (password) {
        char *pw_copy = g_strdup(password);
        g_free(r->password);
        r->password = pw_copy;
    }
    r->wanted = true;
    if (!c) {
        nx_muc_room_event(MUC_EV_JOINING, r, r->nick, NULL, NULL, NULL);
        event_log(LOG_WARN, r->jid, "Not connected: natter joins %s after the next login.", r->jid);
        return true;
    }
    send_join(c, r);
    return true;
}

/* ---------- rejoining after the service shut down ---------- */

static void on_rejoin_timer(void *ud)
{
    muc_proto *p = ud;
    p->rejoin_timer = 0;
    muc_room *r = muc_room_find(p->room);
    xmpp_conn_t *c = nx_conn();
    if (!r || !r->wanted || r->state != MUC_STATE_LEFT || !c)
        return; /* left meanwhile, or offline: the next login rejoins */
    nx_muc_room_event(MUC_EV_REJOINING, r, r->nick, NULL, NULL,
                      p->rejoin_why ? p->rejoin_why : "the group chat service had shut down");
    send_join(c, r);
}

bool nx_muc_rejoin_later(muc_room *r, bool after_shutdown)
{
    muc_proto *p = nx_muc_proto(r->jid);
    if (after_shutdown) {
        /* A room that removes us again each time soon after we are back
         * is not retried every two seconds for ever: those removals add
         * up in the backoff; a removal after a settled stay starts it
         * afresh. */
        bool quick = p->joined_us && g_get_monotonic_time() - p->joined_us < QUICK_REMOVAL_US;
        p->quick_removals = quick ? p->quick_removals + 1 : 0;
        p->rejoin_pending = true;
        p->rejoin_attempts = p->quick_removals;
    } else if (!p->rejoin_pending || !r->wanted) {
        return false;
    }
    /* 2 s, 4 s, 8 s ... up to the reconnect limit, +-25% so that a room's
     * occupants do not all come back in the same second. */
    gint64 max_ms = (gint64)settings_get_int("reconnect_max_delay") * 1000;
    gint64 delay = 2000;
    for (unsigned i = 0; i < p->rejoin_attempts && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    delay = delay * 3 / 4 + g_random_int_range(0, (gint32)(delay / 2 + 1));
    p->rejoin_attempts++;
    if (p->rejoin_timer)
        loop_cancel_timer(p->rejoin_timer);
    p->rejoin_timer = loop_add_timer((unsigned)delay, on_rejoin_timer, p);
    long secs = (long)((delay + 500) / 1000);
    event_log(LOG_INFO, r->jid, "Joining %s again in %ld second%s", r->jid, secs,
              secs == 1 ? "" : "s");
    return true;
}

static void rejoin_cancel(muc_proto *p)
{
    p->quick_removals = 0;
    if (p->rejoin_timer)
        loop_cancel_timer(p->rejoin_timer);
    p->rejoin_timer = 0;
    p->rejoin_pending = false;
    p->rejoin_attempts = 0;
}

static void send_unavailable(xmpp_conn_t *c, muc_room *r, const char *reason)
{
    char *to = g_strdup_printf("%s/%s", r->jid, r->nick);
    xmpp_stanza_t *pres = xmpp_presence_new(nx_ctx());
    xmpp_stanza_set_type(pres, "unavailable");
    xmpp_stanza_set_to(pres, to);
    if (reason && *reason)
        nx_add_text(pres, "status", reason);
    xmpp_send(c, pres);
    xmpp_stanza_release(pres);
    g_free(to);
}

bool nx_muc_leave(const char *room, const char *reason, char **err)
{
    muc_room *r = muc_room_find(room);
    if (!r) {
        *err = g_strdup_printf("%s is not a room natter knows", room);
        return false;
    }
    r->wanted = false;
    rejoin_cancel(nx_muc_proto(r->jid));
    xmpp_conn_t *c = nx_conn();
    if (r->state == MUC_STATE_LEFT || !c) {
        r->state = MUC_STATE_LEFT;
        muc_room_clear_occupants(r);
        nx_muc_room_event(MUC_EV_LEFT, r, r->nick, NULL, reason, NULL);
        return true;
    }
    send_unavailable(c, r, reason);
    /* The room answers with our unavailable presence; until then we are
     * on the way out. */
    return true;
}

void nx_muc_forget(const char *room)
{
    muc_room *r = muc_room_find(room);
    if (!r)
        return;
    xmpp_conn_t *c = nx_conn();
    if (c && r->state != MUC_STATE_LEFT)
        send_unavailable(c, r, NULL);
    muc_proto *p = protos ? g_hash_table_lookup(protos, r->jid) : NULL;
    if (p) {
        nx_muc_persist(p);
        g_hash_table_remove(protos, r->jid);
    }
    muc_room_forget(r);
}

bool nx_muc_change_nick(const char *room, const char *nick, char **err)
{
    muc_room *r = muc_room_find(room);
    xmpp_conn_t *c = nx_conn();
    if (!r || r->state != MUC_STATE_JOINED || !c) {
        *err = g_strdup_printf("you are not in %s", room);
        return false;
    }
    if (!nx_muc_valid_nick(nick)) {
        *err = g_strdup("a nick must be text without control characters");
        return false;
    }
    char *to = g_strdup_printf("%s/%s", r->jid, nick);
    if (!jid_is_valid(to)) {
        g_free(to);
        *err = g_strdup_printf("'%s' cannot be a nick", nick);
        return false;
    }
    xmpp_stanza_t *pres = xmpp_presence_new(nx_ctx());
    xmpp_stanza_set_to(pres, to);
    xmpp_send(c, pres);
    xmpp_stanza_release(pres);
    g_free(to);
    return true;
}

/* ---------- XEP-0410 self-ping ---------- */

static int on_selfping(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *room = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, room))
        return 1; /* not the answer we wait for: keep waiting */
    muc_room *r = muc_room_find(room);
    muc_proto *p = r ? nx_muc_proto(r->jid) : NULL;
    if (p)
        p->ping_busy = false; /* answered, whatever it says */
    if (p && r->state == MUC_STATE_JOINED) {
        const char *type = xmpp_stanza_get_type(st);
        if (type && !strcmp(type, "error")) {
            const char *cond = nx_error_condition(st);
            /* Still joined: the ping reached a client that does not
             * answer pings, or the room took a while. */
            bool joined =
                !strcmp(cond, "service-unavailable") || !strcmp(cond, "feature-not-implemented") ||
                !strcmp(cond, "remote-server-timeout") || !strcmp(cond, "remote-server-not-found");
            if (!joined) {
                nx_muc_room_event(MUC_EV_REJOINING, r, r->nick, NULL, NULL, NULL);
                send_join(c, r);
            }
        }
    }
    g_free(room);
    return 0;
}

static void arm_selfping(void);

static void on_selfping_timer(void *ud)
{
    ping_timer = 0;
    xmpp_conn_t *c = nx_conn();
    const GPtrArray *rooms = muc_rooms();
    for (guint i = 0; c && i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        if (r->state != MUC_STATE_JOINED)
            continue;
        muc_proto *p = nx_muc_proto(r->jid);
        if (p->ping_busy) {
            /* Still out: an unanswered ping means the room or its server
             * is gone; joining again finds out. */
            if (loop_now_ms() - p->ping_sent < SELFPING_TIMEOUT_MS)
                continue;
            p->ping_busy = false;
            nx_muc_room_event(MUC_EV_REJOINING, r, r->nick, NULL, NULL, NULL);
            send_join(c, r);
            continue;
        }
        p->ping_busy = true;
        p->ping_sent = loop_now_ms();
        char *to = g_strdup_printf("%s/%s", r->jid, r->nick);
        xmpp_stanza_t *iq = nx_iq_new("get");
        xmpp_stanza_set_to(iq, to);
        nx_add_child(iq, "ping", NS_PING);
        nx_send_iq(c, iq, on_selfping, g_strdup(r->jid), g_free);
        g_free(to);
    }
    arm_selfping();
}

static void arm_selfping(void)
{
    long secs = settings_get_int("muc_selfping");
    if (ping_timer || secs <= 0 || !nx_conn())
        return;
    ping_timer = loop_add_timer((unsigned)secs * 1000, on_selfping_timer, NULL);
}

/* ---------- login, logout ---------- */

void nx_muc_online(xmpp_conn_t *c)
{
    disco_pending = -1;
    discover_service(c);
    const GPtrArray *rooms = muc_rooms();
    for (guint i = 0; i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        if (r->wanted && r->state == MUC_STATE_LEFT)
            send_join(c, r);
    }
    arm_selfping();
}

void nx_muc_offline(void)
{
    if (ping_timer)
        loop_cancel_timer(ping_timer);
    ping_timer = 0;
    const GPtrArray *rooms = muc_rooms();
    for (guint i = 0; i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        muc_proto *p = nx_muc_proto(r->jid);
        nx_muc_persist(p);
        p->syncing = p->ping_busy = false;
        if (p->sync_timer)
            loop_cancel_timer(p->sync_timer);
        p->sync_timer = 0;
        rejoin_cancel(p); /* the next login rejoins every wanted room */
        if (r->state == MUC_STATE_LEFT)
            continue;
        r->state = MUC_STATE_LEFT;
        muc_room_clear_occupants(r);
        nx_muc_room_event(MUC_EV_LEFT, r, r->nick, NULL, NULL, "disconnected");
    }
}

/* The self-ping interval changed: re-arm the timer with it. */
static void on_setting(event_type t, const void *p, void *ud)
{
    const ev_setting *ev = p;
    if (strcmp(ev->key, "muc_selfping") != 0)
        return;
    if (ping_timer)
        loop_cancel_timer(ping_timer);
    ping_timer = 0;
    arm_selfping();
}

void nx_muc_init(void)
{
    event_subscribe(EV_SETTING, EV_STAGE_PROTO, on_setting, NULL);
}

void nx_muc_deinit(void)
{
    event_unsubscribe(EV_SETTING, on_setting, NULL);
    if (ping_timer)
        loop_cancel_timer(ping_timer);
    ping_timer = 0;
    if (protos) {
        GHashTableIter it;
        gpointer v;
        g_hash_table_iter_init(&it, protos);
        while (g_hash_table_iter_next(&it, NULL, &v))
            nx_muc_persist(v);
        g_hash_table_destroy(protos);
    }
    protos = NULL;
    g_clear_pointer(&service, g_free);
    if (pending_joins)
        g_ptr_array_unref(pending_joins);
    pending_joins = NULL;
}

/* muc_presence.c - the presence a group chat sends (XEP-0045): occupants
 * joining, leaving, changing nick, role or status, and what happens to us
 * (joined, kicked, banned, removed, join errors).
 *
 * Only presence from a room the user asked to join is taken as occupant
 * data; an occupant's real JID comes only from the room's <item jid=''/>. */
#include "xmpp/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "model/jid.h"
#include "model/muc.h"

/* ---------- presence from rooms ---------- */

typedef struct {
    bool self;
    bool codes[1000];
    const char *role, *affiliation, *jid, *item_nick, *actor, *occupant_id;
    char *reason;
    bool destroyed; /* the room is gone (<destroy/>) */
    bool seen_item; /* only the first <item/> counts */
} muc_user_info;

static void parse_muc_user(xmpp_stanza_t *st, muc_room *r, muc_user_info *u)
{
    memset(u, 0, sizeof(*u));
    xmpp_stanza_t *x = nx_child(st, "x", NS_MUC_USER);
    if (r->has_occupant_id) {
        xmpp_stanza_t *oid = nx_child(st, "occupant-id", NS_OCCUPANT_ID);
        u->occupant_id = oid ? xmpp_stanza_get_attribute(oid, "id") : NULL;
    }
    if (!x)
        return;
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(x); c; c = xmpp_stanza_get_next(c)) {
        if (!xmpp_stanza_is_tag(c))
            continue;
        const char *name = xmpp_stanza_get_name(c);
        if (!strcmp(name, "status")) {
            const char *code = xmpp_stanza_get_attribute(c, "code");
            long n = code ? strtol(code, NULL, 10) : 0;
            if (n > 0 && n < 1000)
                u->codes[n] = true;
        } else if (!strcmp(name, "item") && !u->seen_item) {
            u->seen_item = true;
            u->role = xmpp_stanza_get_attribute(c, "role");
            u->affiliation = xmpp_stanza_get_attribute(c, "affiliation");
            u->jid = xmpp_stanza_get_attribute(c, "jid");
            u->item_nick = xmpp_stanza_get_attribute(c, "nick");
            xmpp_stanza_t *actor = nx_child(c, "actor", NULL);
            if (actor)
                u->actor = xmpp_stanza_get_attribute(actor, "nick")
                               ? xmpp_stanza_get_attribute(actor, "nick")
                               : xmpp_stanza_get_attribute(actor, "jid");
            u->reason = nx_child_text(c, "reason");
        }
    }
    u->self = u->codes[110];
    xmpp_stanza_t *destroy = nx_child(x, "destroy", NULL);
    if (destroy) {
        u->destroyed = true;
        g_free(u->reason);
        u->reason = nx_child_text(destroy, "reason");
    }
}

static void occ_event(occ_ev_kind k, muc_room *r, const char *nick, const char *new_nick,
                      const muc_user_info *u, bool initial)
{
    ev_muc_occupant ev = {k,
                          r->jid,
                          nick,
                          new_nick,
                          u ? u->actor : NULL,
                          u && u->reason && *u->reason ? u->reason : NULL,
                          initial};
    event_emit(EV_MUC_OCCUPANT, &ev);
}

/* Why a join failed, in words. */
static char *join_error_text(muc_room *r, xmpp_stanza_t *st)
{
    const char *cond = nx_error_condition(st);
    if (!strcmp(cond, "conflict"))
        return g_strdup_printf("the nickname %s is taken (try /join %s nick OTHER)", r->nick,
                               r->jid);
    if (!strcmp(cond, "forbidden"))
        return g_strdup("you are banned from it");
    if (!strcmp(cond, "registration-required"))
        return g_strdup("it is members-only and you are not a member");
    if (!strcmp(cond, "not-authorized"))
        return r->password
                   ? g_strdup("the password is wrong")
                   : g_strdup_printf("a password is required (/join %s password PW)", r->jid);
    if (!strcmp(cond, "item-not-found") || !strcmp(cond, "not-allowed"))
        return g_strdup("it does not exist and cannot be created here");
    if (!strcmp(cond, "service-unavailable"))
        return g_strdup("the room is full or unavailable");
    if (!strcmp(cond, "jid-malformed"))
        return g_strdup("the nick is not acceptable");
    if (!strcmp(cond, "remote-server-not-found") || !strcmp(cond, "remote-server-timeout"))
        return g_strdup("its server cannot be reached");
    return nx_error_text(st);
}

static void self_removed(muc_room *r, const muc_user_info *u)
{
    muc_proto *p = nx_muc_proto(r->jid);
    nx_muc_persist(p);
    p->syncing = false;
    p->ping_busy = false;
    g_clear_pointer(&p->mam_qid, g_free); /* pages still on the way are dropped */
    g_clear_pointer(&p->mam_iq, g_free);
    if (p->sync_timer)
        loop_cancel_timer(p->sync_timer);
    p->sync_timer = 0;
    r->state = MUC_STATE_LEFT;
    muc_room_clear_occupants(r);
    const char *reason = u->reason && *u->reason ? u->reason : NULL;
    if (u->codes[301]) {
        r->wanted = false;
        nx_muc_room_event(MUC_EV_BANNED, r, r->nick, u->actor, reason, NULL);
    } else if (u->codes[307]) {
        r->wanted = false;
        nx_muc_room_event(MUC_EV_KICKED, r, r->nick, u->actor, reason, NULL);
    } else if (u->codes[321] || u->codes[322]) {
        r->wanted = false;
        nx_muc_room_event(MUC_EV_REMOVED, r, r->nick, u->actor, reason,
                          u->codes[321] ? "your affiliation changed"
                                        : "the room is now members-only");
    } else if (u->destroyed) {
        r->wanted = false;
        nx_muc_room_event(MUC_EV_REMOVED, r, r->nick, NULL, reason, "the room was destroyed");
    } else if (u->codes[332]) {
        /* The service is shutting down: stay wanted and come back after a
         * while (a reconnect rejoins too). */
        nx_muc_room_event(MUC_EV_REMOVED, r, r->nick, NULL, reason, "the service is shutting down");
        nx_muc_proto(r->jid)->rejoin_why = "the group chat service had shut down";
        nx_muc_rejoin_later(r, true);
    } else if (u->codes[333]) {
        /* Something the room sent us bounced (our connection was lost, our
         * server restarted): we did not leave, so stay wanted and come
         * back (a reconnect rejoins too). */
        nx_muc_room_event(MUC_EV_REMOVED, r, r->nick, NULL, reason,
                          "the room could not reach natter");
        nx_muc_proto(r->jid)->rejoin_why = "the room had lost contact with natter";
        nx_muc_rejoin_later(r, true);
    } else {
        r->wanted = false;
        nx_muc_room_event(MUC_EV_LEFT, r, r->nick, NULL, reason, NULL);
    }
}

static void handle_self(xmpp_conn_t *c, muc_room *r, const char *nick, xmpp_stanza_t *st,
                        const muc_user_info *u, bool unavailable)
{
    if (unavailable) {
        if (u->codes[303] && u->item_nick && nx_muc_valid_nick(u->item_nick)) {
            /* Our nick changes: the available presence follows. */
            char *old = r->nick;
            r->nick = g_strdup(u->item_nick);
            muc_occupant_rename(r, nick, u->item_nick);
            ev_muc_room ev = {.kind = MUC_EV_NICK,
                              .room = r->jid,
                              .nick = r->nick,
                              .old_nick = old,
                              .count = muc_room_count(r)};
            event_emit(EV_MUC_ROOM, &ev);
            g_free(old);
            return;
        }
        self_removed(r, u);
        return;
    }
    muc_role role = MUC_ROLE_PARTICIPANT;
    muc_affiliation aff = MUC_AFF_NONE;
    if (u->role)
        muc_role_parse(u->role, &role);
    if (u->affiliation)
        muc_affiliation_parse(u->affiliation, &aff);
    muc_occupant *me = muc_occupant_find(r, nick);
    muc_role old_role = me ? me->role : role;
    muc_occupant_set(r, nick, role, aff, u->jid, u->occupant_id, nx_presence_show(st), NULL, NULL);
    if (r->state == MUC_STATE_JOINED) {
        if (strcmp(r->nick, nick) != 0) {
            /* The room renamed us (210) after a nick change. */
            g_free(r->nick);
            r->nick = g_strdup(nick);
        }
        /* Our own presence update: a new role (voice, moderator) matters. */
        occ_event(old_role != role ? OCC_ROLE : OCC_PRESENCE, r, nick, NULL, u, false);
        return;
    }
    if (strcmp(r->nick, nick) != 0) {
        g_free(r->nick);
        r->nick = g_strdup(nick); /* 210: the room chose another nick */
    }
    r->state = MUC_STATE_JOINED;
    muc_proto *p = nx_muc_proto(r->jid);
    p->rejoin_pending = false;
    p->rejoin_attempts = 0;
    p->joined_us = g_get_monotonic_time();
    nx_muc_room_event(MUC_EV_JOINED, r, r->nick, NULL, NULL, NULL);
    if (u->codes[201])
        nx_muc_accept_instant(c, r);
    if (p->info_done)
        nx_muc_sync_start(c, r);
}

static void handle_error(muc_room *r, const char *nick, xmpp_stanza_t *st)
{
    if (r->state == MUC_STATE_JOINING) {
        char *why = join_error_text(r, st);
        r->state = MUC_STATE_LEFT;
        /* A refusal stops the rejoins after reconnects; an unreachable or
         * overloaded server does not. */
        const char *cond = nx_error_condition(st);
        muc_proto *p = nx_muc_proto(r->jid);
        bool transient =
            !strcmp(cond, "remote-server-timeout") || !strcmp(cond, "remote-server-not-found") ||
            !strcmp(cond, "internal-server-error") || !strcmp(cond, "resource-constraint");
        /* A service on its way back after a shutdown may not answer yet. */
        if (p->rejoin_pending)
            transient = transient || !strcmp(cond, "service-unavailable") ||
                        !strcmp(cond, "recipient-unavailable");
        r->wanted = r->wanted && transient;
        p->syncing = false;
        if (p->sync_timer)
            loop_cancel_timer(p->sync_timer);
        p->sync_timer = 0;
        nx_muc_room_event(MUC_EV_JOIN_FAILED, r, r->nick, NULL, NULL, why);
        g_free(why);
        if (r->wanted)
            nx_muc_rejoin_later(r, false);
        else
            p->rejoin_pending = false;
    } else if (nick && r->nick && strcmp(nick, r->nick) != 0) {
        const char *cond = nx_error_condition(st);
        char *why =
            !strcmp(cond, "conflict") ? g_strdup("the nickname is taken") : nx_error_text(st);
        event_log(LOG_ERROR, r->jid, "Cannot change your nick to %s: %s", nick, why);
        g_free(why);
    } else {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, r->jid, "The room sent an error: %s", why);
        g_free(why);
    }
}

bool nx_muc_handle_presence(xmpp_conn_t *c, xmpp_stanza_t *st)
{
    const char *from = xmpp_stanza_get_from(st);
    if (muc_rooms()->len == 0)
        return false; /* no rooms: every presence is a contact's (no parse) */
    jid_t *j = from ? jid_new(from) : NULL;
    muc_room *r = j ? muc_room_find(j->bare) : NULL;
    if (!r) {
        jid_free(j);
        return false;
    }
    const char *type = xmpp_stanza_get_type(st);
    const char *nick = j->resource;
    if (type && !strcmp(type, "error")) {
        handle_error(r, nick, st);
        goto done;
    }
    if (!nick || (type && strcmp(type, "unavailable") != 0))
        goto done; /* the room's bare JID has no presence of interest */
    if (r->state == MUC_STATE_LEFT)
        goto done; /* stale presence after we left */
    bool unavailable = type != NULL;
    muc_user_info u;
    parse_muc_user(st, r, &u);
    /* Our own presence: status 110, or (servers without it) our nick while
     * joining. */
    if (u.self || (!u.codes[110] && r->nick && !strcmp(nick, r->nick) &&
                   r->state == MUC_STATE_JOINING && !nx_child(st, "x", NS_MUC_USER))) {
        handle_self(c, r, nick, st, &u, unavailable);
        g_free(u.reason);
        goto done;
    }
    bool initial = r->state == MUC_STATE_JOINING;
    if (unavailable) {
        if (u.codes[303] && u.item_nick && nx_muc_valid_nick(u.item_nick)) {
            muc_occupant_rename(r, nick, u.item_nick);
            nx_muc_occupant_renamed(nx_muc_proto(r->jid), nick, u.item_nick);
            occ_event(OCC_NICK, r, nick, u.item_nick, &u, initial);
        } else {
            bool known = muc_occupant_find(r, nick) != NULL;
            muc_occupant_remove(r, nick);
            nx_muc_occupant_reset(nx_muc_proto(r->jid), nick);
            if (!u.reason || !*u.reason) {
                /* Someone who leaves says why in the presence's status. */
                g_free(u.reason);
                u.reason = nx_child_text(st, "status");
            }
            if (known || u.codes[301] || u.codes[307])
                occ_event(u.codes[301]                     ? OCC_BANNED
                          : u.codes[307]                   ? OCC_KICKED
                          : (u.codes[321] || u.codes[322]) ? OCC_REMOVED
                                                           : OCC_LEFT,
                          r, nick, NULL, &u, initial);
        }
        g_free(u.reason);
        goto done;
    }
    muc_role role = MUC_ROLE_PARTICIPANT;
    muc_affiliation aff = MUC_AFF_NONE;
    if (u.role)
        muc_role_parse(u.role, &role);
    if (u.affiliation)
        muc_affiliation_parse(u.affiliation, &aff);
    muc_occupant *old = muc_occupant_find(r, nick);
    muc_role old_role = old ? old->role : role;
    char *status = nx_child_text(st, "status");
    bool added = false;
    muc_occupant_set(r, nick, role, aff, u.jid, u.occupant_id, nx_presence_show(st), status,
                     &added);
    g_free(status);
    if (added) {
        /* A new join: whoever had this nick before is someone else. */
        nx_muc_occupant_reset(nx_muc_proto(r->jid), nick);
        occ_event(OCC_JOINED, r, nick, NULL, &u, initial);
    } else if (old_role != role)
        occ_event(OCC_ROLE, r, nick, NULL, &u, initial);
    else
        occ_event(OCC_PRESENCE, r, nick, NULL, &u, initial);
    g_free(u.reason);
done:
    jid_free(j);
    return true;
}

void nx_muc_presence_broadcast(xmpp_conn_t *c)
{
    /* Directed presence does not follow the broadcast: tell each room. */
    const GPtrArray *rooms = muc_rooms();
    for (guint i = 0; i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        if (r->state != MUC_STATE_JOINED)
            continue;
        char *to = g_strdup_printf("%s/%s", r->jid, r->nick);
        xmpp_stanza_t *pres = xmpp_presence_new(nx_ctx());
        xmpp_stanza_set_to(pres, to);
        presence_show show = nx_own_show();
        if (show != PRESENCE_ONLINE)
            nx_add_text(pres, "show", presence_show_name(show));
        if (nx_own_status())
            nx_add_text(pres, "status", nx_own_status());
        xmpp_send(c, pres);
        xmpp_stanza_release(pres);
        g_free(to);
    }
}

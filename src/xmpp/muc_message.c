/* muc_message.c - what rooms say: group chat messages, the subject,
 * corrections and retractions by occupants, moderation (XEP-0425),
 * invitations (XEP-0249 direct, XEP-0045 mediated), and the history sync
 * on join: the room's discussion history plus its archive (MUC MAM),
 * deduplicated by the history store.
 *
 * Trust: a room's message is taken only from a room natter joined; the
 * author is the occupant nick in the 'from'; stanza ids and occupant ids
 * only when the room itself stamped them; moderation only from the room's
 * bare JID; archive results only from the room, for our query. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"
#include "model/muc.h"
#include "xmpp/muc_omemo.h"

#define SYNC_PAGE 100
#define SYNC_MAX 2000     /* archive messages fetched per join at most */
#define FIRST_SYNC 50     /* without a sync point: the newest page */
#define PERSIST_EVERY 100 /* messages between sync point writes */

static void note_sync_point(muc_proto *p, const char *sid, time_t ts)
{
    gint64 ms = (gint64)ts * 1000;
    if (!sid || ms < p->last_ts)
        return;
    g_free(p->last_sid);
    p->last_sid = g_strdup(sid);
    p->last_ts = ms;
    if (++p->unsaved >= PERSIST_EVERY)
        nx_muc_persist(p);
}

/* A moderation notice (XEP-0425, versions 0 and 1) from the room itself. */
static bool handle_moderation(muc_room *r, xmpp_stanza_t *st)
{
    const char *target = NULL, *by = NULL;
    char *reason = NULL;
    xmpp_stanza_t *retract = nx_child(st, "retract", NS_RETRACT);
    xmpp_stanza_t *mod =
        retract ? nx_child(retract, "moderated", "urn:xmpp:message-moderate:1") : NULL;
    if (mod) {
        target = xmpp_stanza_get_attribute(retract, "id");
        by = xmpp_stanza_get_attribute(mod, "by");
        reason = nx_child_text(retract, "reason");
    } else {
        xmpp_stanza_t *apply = nx_child(st, "apply-to", "urn:xmpp:fasten:0");
        mod = apply ? nx_child(apply, "moderated", "urn:xmpp:message-moderate:0") : NULL;
        if (!mod || !nx_child(mod, "retract", "urn:xmpp:message-retract:0"))
            return false;
        target = xmpp_stanza_get_attribute(apply, "id");
        by = xmpp_stanza_get_attribute(mod, "by");
        reason = nx_child_text(mod, "reason");
    }
    if (target) {
        char *who = by ? jid_resource_of(by) : NULL;
        ev_result res = {0};
        ev_retraction ev = {.peer = r->jid,
                            .from = r->jid,
                            .retract_id = target,
                            .groupchat = true,
                            .moderation = true,
                            .moderator = who ? who : by,
                            .reason = reason && *reason ? reason : NULL,
                            .result = &res};
        event_emit(EV_RETRACTION, &ev);
        g_free(who);
    }
    g_free(reason);
    return true;
}

static void handle_subject(xmpp_conn_t *c, muc_room *r, const char *nick, xmpp_stanza_t *st)
{
    muc_proto *p = nx_muc_proto(r->jid);
    char *subject = nx_child_text(st, "subject");
    if (subject && !g_utf8_validate(subject, -1, NULL)) {
        char *fixed = g_utf8_make_valid(subject, -1);
        g_free(subject);
        subject = fixed;
    }
    g_free(r->subject);
    r->subject = subject && *subject ? g_strdup(subject) : NULL;
    g_free(r->subject_by);
    r->subject_by = g_strdup(nick);
    bool initial = !p->got_subject;
    p->got_subject = true;
    ev_muc_room ev = {.kind = MUC_EV_SUBJECT,
                      .room = r->jid,
                      .nick = nick,
                      .text = r->subject,
                      .initial = initial,
                      .count = muc_room_count(r)};
    event_emit(EV_MUC_ROOM, &ev);
    g_free(subject);
    /* The subject ends the discussion history: the sync may be over. */
    if (p->syncing && (p->mam_done || !r->has_mam))
        nx_muc_sync_finish(r, NULL);
}

/* ---------- who may correct what (XEP-0308 in rooms) ---------- */

/* Ids kept per occupant: enough for "last message" corrections and for
 * retractions of what was said a while ago, bounded for floods. */
#define SINCE_JOIN_MAX 64

void nx_muc_occupant_reset(muc_proto *p, const char *nick)
{
    if (p->since_join && nick)
        g_hash_table_remove(p->since_join, nick);
}

void nx_muc_occupant_renamed(muc_proto *p, const char *nick, const char *new_nick)
{
    gpointer key, ids;
    if (!p->since_join || !g_hash_table_steal_extended(p->since_join, nick, &key, &ids))
        return;
    g_free(key);
    g_hash_table_replace(p->since_join, g_strdup(new_nick), ids);
}

void nx_muc_occupant_sent(muc_proto *p, const char *nick, const char *const ids[], size_t n)
{
    if (!p->since_join)
        p->since_join = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)g_ptr_array_unref);
    GPtrArray *a = g_hash_table_lookup(p->since_join, nick);
    if (!a) {
        a = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_insert(p->since_join, g_strdup(nick), a);
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] && *ids[i])
            g_ptr_array_add(a, g_strdup(ids[i]));
    }
    if (a->len > SINCE_JOIN_MAX)
        g_ptr_array_remove_range(a, 0, a->len - SINCE_JOIN_MAX);
}

bool nx_muc_occupant_sent_since_join(muc_proto *p, const char *nick, const char *id)
{
    GPtrArray *a = p->since_join ? g_hash_table_lookup(p->since_join, nick) : NULL;
    for (guint i = 0; a && id && i < a->len; i++) {
        if (!strcmp(g_ptr_array_index(a, i), id))
            return true;
    }
    return false;
}

/* A live correction or retraction of ID by NICK when the room vouches for
 * nobody (no occupant id): allowed only for a message NICK sent since its
 * current join, as XEP-0308 asks. Someone who takes a departed member's nick
 * must not rewrite that member's words. */
static bool may_change(muc_proto *p, const char *nick, const char *occupant_id, const char *id,
                       const msg_source *src, bool delayed, bool outgoing)
{
    /* The author key (occupant id) or the archive decides; our own nick is
     * ours while we are in the room, and natter only edits its own words. */
    if (occupant_id || src->archive || delayed || outgoing)
        return true;
    return nx_muc_occupant_sent_since_join(p, nick, id);
}

void nx_muc_message(xmpp_conn_t *c, xmpp_stanza_t *st, const msg_source *src)
{
    const char *from = xmpp_stanza_get_from(st);
    jid_t *fj = from ? jid_new(from) : NULL;
    muc_room *r = fj ? muc_room_find(fj->bare) : NULL;
    if (!r) {
        log_debug("muc", "dropped a group chat message from %s: not a room of ours",
                  from ? from : "(nobody)");
        jid_free(fj);
        return;
    }
    const char *nick = fj->resource;
    const char *type = xmpp_stanza_get_type(st);
    muc_proto *p = nx_muc_proto(r->jid);
    if (type && !strcmp(type, "error")) {
        if (!src->archive) {
            char *why = nx_error_text(st);
            event_log(LOG_ERROR, r->jid, "The room refused a message: %s", why);
            g_free(why);
        }
        goto out;
    }
    char *body = nx_body(st);
    if (!src->archive && nx_child(st, "subject", NULL) && !(body && *body)) {
        handle_subject(c, r, nick, st);
        g_free(body);
        goto out;
    }
    if (!nick) {
        /* The room speaks for itself: moderation, a notice, or (104) its
         * configuration changed, and with it perhaps its features. */
        xmpp_stanza_t *ux = nx_child(st, "x", NS_MUC_USER);
        for (xmpp_stanza_t *sc = ux ? xmpp_stanza_get_children(ux) : NULL; sc && !src->archive;
             sc = xmpp_stanza_get_next(sc)) {
            if (xmpp_stanza_is_tag(sc) && !g_strcmp0(xmpp_stanza_get_name(sc), "status") &&
                !g_strcmp0(xmpp_stanza_get_attribute(sc, "code"), "104")) {
                nx_muc_refresh_info(c, r->jid);
                break;
            }
        }
        if (!handle_moderation(r, st) && body && *body && !src->archive)
            event_log(LOG_INFO, r->jid, "%s: %s", r->jid, body);
        g_free(body);
        goto out;
    }
    char *full = g_strdup_printf("%s/%s", r->jid, nick);
    bool outgoing = r->nick && !strcmp(nick, r->nick);
    const char *occupant_id = NULL;
    if (r->has_occupant_id) {
        xmpp_stanza_t *oid = nx_child(st, "occupant-id", NS_OCCUPANT_ID);
        occupant_id = oid ? xmpp_stanza_get_attribute(oid, "id") : NULL;
    }
    /* XEP-0359: a room that does not announce stanza-ids leaves an
     * occupant's forged one in place. */
    const char *sid = src->archive       ? src->archive_id
                      : r->has_stanza_id ? nx_stanza_id_by(st, r->jid)
                                         : NULL;
    /* Only the room dates a message (discussion history, the archive): a
     * delay stamp an occupant wrote itself would let it backdate. */
    bool delayed = false;
    int64_t ts_us = g_get_real_time();
    xmpp_stanza_t *delay = nx_child(st, "delay", NS_DELAY);
    const char *dfrom = delay ? xmpp_stanza_get_attribute(delay, "from") : NULL;
    if (src->archive || (dfrom && !strchr(dfrom, '/') && jid_bare_equal(dfrom, r->jid)))
        ts_us = nx_message_time_us(st, src, r->jid, &delayed);
    time_t ts = (time_t)(ts_us / G_USEC_PER_SEC);
    note_sync_point(p, sid, ts);

    /* OMEMO: the text is what the decryption hook made of it. */
    bool encrypted = false, untrusted = false;
    uint32_t device = 0;
    char *plain = NULL;
    if (nx_muc_encrypted_text(st, r->jid, nick, outgoing, src->archive || delayed, src->backfill,
                              &plain, &device, &untrusted)) {
        g_free(body);
        body = plain;
        encrypted = body != NULL;
        if (!body)
            goto done;
    }
    if (nx_reaction_handle(st, r->jid, full, outgoing, true, occupant_id, ts,
                           src->archive || delayed))
        goto done;
    char *reply_id = NULL, *reply_to = NULL;

    xmpp_stanza_t *retract = nx_child(st, "retract", NS_RETRACT);
    xmpp_stanza_t *repl = nx_child(st, "replace", NS_CORRECT);
    const char *retract_id = retract ? xmpp_stanza_get_attribute(retract, "id") : NULL;
    const char *replace_id = repl && body && *body ? xmpp_stanza_get_attribute(repl, "id") : NULL;
    if (retract_id && !may_change(p, nick, occupant_id, retract_id, src, delayed, outgoing)) {
        log_debug("muc", "%s: ignored a retraction by %s of a message from before their join",
                  r->jid, nick);
        goto free_reply;
    }
    if (replace_id && !may_change(p, nick, occupant_id, replace_id, src, delayed, outgoing)) {
        /* Not a correction we can attribute: the text stays, as a message. */
        log_debug("muc",
                  "%s: a correction by %s of a message from before their join is shown as new",
                  r->jid, nick);
        replace_id = NULL;
    }
    nx_reply_read(st, &body, &reply_id, &reply_to);
    if (!src->archive && !delayed && !retract_id && body && *body) {
        xmpp_stanza_t *origin = nx_child(st, "origin-id", NS_SID);
        const char *ids[] = {xmpp_stanza_get_id(st),
                             origin ? xmpp_stanza_get_attribute(origin, "id") : NULL, sid};
        nx_muc_occupant_sent(p, nick, ids, G_N_ELEMENTS(ids));
    }
    if (retract_id) {
        ev_result res = {0};
        ev_retraction ev = {.peer = r->jid,
                            .from = full,
                            .outgoing = outgoing,
                            .retract_id = retract_id,
                            .groupchat = true,
                            .occupant_id = occupant_id,
                            .result = &res};
        event_emit(EV_RETRACTION, &ev);
    } else if (body && *body) {
        xmpp_stanza_t *oid = nx_child(st, "origin-id", NS_SID);
        ev_result res = {0};
        if (replace_id) {
            ev_correction ev = {.peer = r->jid,
                                .from = full,
                                .outgoing = outgoing,
                                .replace_id = replace_id,
                                .body = body,
                                .id = xmpp_stanza_get_id(st),
                                .timestamp = ts,
                                .time_us = ts_us,
                                .groupchat = true,
                                .occupant_id = occupant_id,
                                .encrypted = encrypted,
                                .result = &res};
            event_emit(EV_CORRECTION, &ev);
        } else {
            char *oob = nx_child_text(nx_child(st, "x", NS_OOB), "url");
            ev_message ev = {.peer = r->jid,
                             .from = full,
                             .body = body,
                             .id = xmpp_stanza_get_id(st),
                             .outgoing = outgoing,
                             .timestamp = ts,
                             .time_us = ts_us,
                             .delayed = delayed || src->archive,
                             .stanza_id = sid,
                             .origin_id = oid ? xmpp_stanza_get_attribute(oid, "id") : NULL,
                             .from_archive = src->archive || (delayed && p->syncing),
                             .backfill = src->backfill,
                             .groupchat = true,
                             .occupant_id = occupant_id,
                             .unstyled = nx_child(st, "unstyled", NS_STYLING) != NULL,
                             .oob_url = oob,
                             .reply_id = reply_id,
                             .reply_to = reply_to,
                             .encrypted = encrypted,
                             .device = device,
                             .untrusted = untrusted,
                             .result = &res};
            event_emit(EV_MESSAGE, &ev);
            g_free(oob);
        }
    }
free_reply:
    g_free(reply_id);
    g_free(reply_to);
done:
    g_free(full);
    g_free(body);
out:
    jid_free(fj);
}

/* ---------- invitations ---------- */

/* A mediated invitation (or decline) relayed by the room FROM. */
static bool mediated_invite(xmpp_stanza_t *x, const char *from)
{
    xmpp_stanza_t *inv = nx_child(x, "invite", NULL);
    xmpp_stanza_t *dec = inv ? NULL : nx_child(x, "decline", NULL);
    xmpp_stanza_t *e = inv ? inv : dec;
    if (!e)
        return false;
    if (!jid_is_valid_bare(from) || !strchr(from, '@'))
        return true;
    char *reason = nx_child_text(e, "reason");
    char *password = nx_child_text(x, "password");
    const char *who = xmpp_stanza_get_attribute(e, "from");
    ev_muc_invite ev = {from,
                        who ? who : from,
                        reason && *reason ? reason : NULL,
                        password && *password ? password : NULL,
                        true,
                        dec != NULL};
    event_emit(EV_MUC_INVITE, &ev);
    g_free(reason);
    g_free(password);
    return true;
}

bool nx_muc_handle_invite(xmpp_stanza_t *st)
{
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !g_strcmp0(xmpp_stanza_get_type(st), "error") ||
        !g_strcmp0(xmpp_stanza_get_type(st), "groupchat"))
        return false;
    /* Mediated first: rooms add a jabber:x:conference copy for old clients,
     * which would hide who invited. */
    xmpp_stanza_t *x = nx_child(st, "x", NS_MUC_USER);
    if (x && !strchr(from, '/') && mediated_invite(x, from))
        return true;
    xmpp_stanza_t *direct = nx_child(st, "x", NS_CONFERENCE);
    if (!direct)
        return false;
    const char *room = xmpp_stanza_get_attribute(direct, "jid");
    if (room && jid_is_valid_bare(room) && strchr(room, '@')) {
        ev_muc_invite ev = {room,
                            from,
                            xmpp_stanza_get_attribute(direct, "reason"),
                            xmpp_stanza_get_attribute(direct, "password"),
                            false,
                            false};
        event_emit(EV_MUC_INVITE, &ev);
    }
    return true;
}

/* ---------- history sync on join ---------- */

static void sync_timer_cancel(muc_proto *p)
{
    if (p->sync_timer)
        loop_cancel_timer(p->sync_timer);
    p->sync_timer = 0;
}

void nx_muc_sync_finish(muc_room *r, const char *error)
{
    muc_proto *p = nx_muc_proto(r->jid);
    if (!p->syncing)
        return;
    p->syncing = false;
    p->mam_done = true;
    g_clear_pointer(&p->mam_qid, g_free);
    g_clear_pointer(&p->mam_iq, g_free);
    sync_timer_cancel(p);
    nx_muc_persist(p);
    ev_muc_room ev = {
        .kind = MUC_EV_SYNCED, .room = r->jid, .nick = r->nick, .text = error, .count = p->fetched};
    event_emit(EV_MUC_ROOM, &ev);
}

static void send_page(xmpp_conn_t *c, muc_room *r, const char *after);

static int on_page_done(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *room = ud;
    muc_room *r = muc_room_find(room);
    muc_proto *p = r ? nx_muc_proto(r->jid) : NULL;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, room) || strchr(from, '/'))
        return 1; /* not the answer we wait for: keep waiting */
    if (!p || !p->mam_iq || g_strcmp0(xmpp_stanza_get_id(st), p->mam_iq)) {
        g_free(room);
        return 0;
    }
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *fin = nx_child(st, "fin", NS_MAM);
    bool complete = fin && (!g_strcmp0(xmpp_stanza_get_attribute(fin, "complete"), "true") ||
                            !g_strcmp0(xmpp_stanza_get_attribute(fin, "complete"), "1"));
    xmpp_stanza_t *set = fin ? nx_child(fin, "set", NS_RSM) : NULL;
    char *last = set ? nx_child_text(set, "last") : NULL;
    bool stale = g_strcmp0(type, "result") != 0 && p->last_sid && !p->tail_page &&
                 !g_strcmp0(nx_error_condition(st), "item-not-found");
    if (stale) {
        /* The archive no longer knows our sync point: start from the
         * newest page instead. */
        g_clear_pointer(&p->last_sid, g_free);
        p->last_ts = 0;
        p->tail_page = true;
        send_page(c, r, NULL);
    } else if (g_strcmp0(type, "result") != 0) {
        char *why = nx_error_text(st);
        char *msg = g_strdup_printf("the room's archive refused: %s", why);
        p->mam_done = true;
        if (p->got_subject)
            nx_muc_sync_finish(r, msg);
        g_free(msg);
        g_free(why);
    } else if (!complete && last && p->fetched < SYNC_MAX && p->fetched > 0 && !p->tail_page) {
        send_page(c, r, last);
    } else if (!complete && p->fetched >= SYNC_MAX && !p->tail_page) {
        /* Too much since the last visit: the newest page, so the window
         * ends where the room is now. */
        p->tail_page = true;
        send_page(c, r, NULL);
    } else {
        p->mam_done = true;
        if (p->got_subject)
            nx_muc_sync_finish(r, p->tail_page && p->fetched > SYNC_MAX
                                      ? "more happened while natter was away than it "
                                        "fetches at once; some messages before the newest "
                                        "stay in the room's archive only"
                                      : NULL);
    }
    g_free(last);
    g_free(room);
    return 0;
}

/* Ask the room's archive for what follows AFTER (NULL: the newest page). */
static void send_page(xmpp_conn_t *c, muc_room *r, const char *after)
{
    muc_proto *p = nx_muc_proto(r->jid);
    g_free(p->mam_qid);
    p->mam_qid = nx_new_id();
    g_free(p->mam_iq);
    p->mam_iq = nx_new_id();
    xmpp_stanza_t *iq =
        nx_mam_query(p->mam_iq, p->mam_qid, NULL, NULL, after ? SYNC_PAGE : FIRST_SYNC, after, "");
    xmpp_stanza_set_to(iq, r->jid);
    nx_send_iq(c, iq, on_page_done, g_strdup(r->jid), g_free);
}

void nx_muc_sync_start(xmpp_conn_t *c, muc_room *r)
{
    muc_proto *p = nx_muc_proto(r->jid);
    if (!p->syncing || p->mam_qid || p->mam_done)
        return;
    if (!r->has_mam) {
        p->mam_done = true;
        if (p->got_subject)
            nx_muc_sync_finish(r, NULL);
        return;
    }
    /* Forward from the sync point; without one, the newest page. */
    send_page(c, r, p->last_sid);
}

bool nx_muc_handle_archive(xmpp_conn_t *c, xmpp_stanza_t *st)
{
    xmpp_stanza_t *res = nx_child(st, "result", NS_MAM);
    const char *from = xmpp_stanza_get_from(st);
    if (!res || !from || !strchr(from, '@') || nx_from_own_account(from))
        return false; /* not from a room: mam.c decides */
    muc_room *r = muc_room_find(from);
    muc_proto *p = r && !strchr(from, '/') ? nx_muc_proto(r->jid) : NULL;
    const char *qid = xmpp_stanza_get_attribute(res, "queryid");
    if (!p || !p->mam_qid || !qid || strcmp(qid, p->mam_qid) != 0)
        return false; /* maybe older history (mam.c), else dropped there */
    xmpp_stanza_t *fwd = nx_child(res, "forwarded", NS_FORWARD);
    xmpp_stanza_t *inner = fwd ? nx_child(fwd, "message", NULL) : NULL;
    const char *inner_from = inner ? xmpp_stanza_get_from(inner) : NULL;
    /* The archived message must be the room's own. */
    if (!inner || !inner_from || !jid_bare_equal(inner_from, r->jid))
        return true;
    msg_source src = {.archive = true,
                      .archive_id = xmpp_stanza_get_attribute(res, "id"),
                      .archive_ts = nx_delay_of(fwd),
                      .archive_us = nx_delay_us_of(fwd),
                      .room = true};
    p->fetched++;
    nx_muc_message(c, inner, &src);
    return true;
}

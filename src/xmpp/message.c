/* message.c - incoming one-to-one messages (RFC 6121) from every source:
 * live, carbon copies (XEP-0280, via carbons.c) and the archive (XEP-0313,
 * via mam.c). One path turns a <message/> into events: chat states
 * (XEP-0085), receipts (XEP-0184), corrections (XEP-0308), retractions
 * (XEP-0424), delay stamps (XEP-0203) and stanza ids (XEP-0359); replies
 * (XEP-0461, reply.c) and reactions (XEP-0444, reaction.c). */
#include "xmpp/internal.h"

#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "model/jid.h"
#include "xmpp/omemo_wire.h"

static nx_decrypt_fn decrypt_hook;

void nx_omemo_set_decrypt_hook(nx_decrypt_fn fn)
{
    decrypt_hook = fn;
}

/* The text of ST to show: its body, or for an end-to-end encrypted message
 * what the decryption hook made of it (NULL: nothing to show; a notice is
 * shown here). *ENCRYPTED and *DEVICE describe the text. */
static char *message_text(xmpp_stanza_t *st, const char *sender, const char *peer, bool outgoing,
                          const msg_source *src, bool *encrypted, uint32_t *device, bool *untrusted,
                          bool *verified)
{
    xmpp_stanza_t *enc = nx_child(st, "encrypted", NS_OMEMO);
    xmpp_stanza_t *eme = nx_child(st, "encryption", "urn:xmpp:eme:0");
    if (!enc && (nx_child(st, "encrypted", NS_OMEMO2) ||
                 (eme && !g_strcmp0(xmpp_stanza_get_attribute(eme, "namespace"), NS_OMEMO2)))) {
        /* Its body is only a fallback that says so in other words. */
        if (nx_child(st, "body", NULL) && !src->backfill)
            event_log(LOG_WARN, peer,
                      "%s sent a message with OMEMO 2, which natter does not "
                      "support yet.",
                      outgoing ? "You" : sender);
        return NULL;
    }
    if (!enc)
        return nx_body(st);
    nx_decrypted d = {0};
    nx_decrypt_result r = NX_DECRYPT_NOTICE;
    if (decrypt_hook)
        r = decrypt_hook(sender, peer, outgoing, src->archive, enc, &d);
    else
        d.text = g_strdup("An OMEMO encrypted message arrived, but OMEMO is not available here.");
    if (r == NX_DECRYPT_TEXT) {
        *encrypted = true;
        *device = d.device;
        *untrusted = d.untrusted;
        *verified = d.verified;
        return d.text;
    }
    /* Older history paged in shows no notices: they would land below,
     * out of their place. */
    if (r == NX_DECRYPT_NOTICE && d.text && !src->backfill)
        event_log(LOG_WARN, peer, "%s", d.text);
    g_free(d.text);
    return NULL;
}

/* Whether the <delay/> in ST was written by someone who may date it: the
 * room ROOM when given, else our server (offline messages) or our own
 * account. A stamp from anyone else (the sender itself, or a JID it names)
 * would let a contact backdate what it sends. */
static bool delay_trusted(xmpp_stanza_t *st, const char *room)
{
    xmpp_stanza_t *delay = nx_child(st, "delay", NS_DELAY);
    const char *dfrom = delay ? xmpp_stanza_get_attribute(delay, "from") : NULL;
    if (!dfrom || strchr(dfrom, '/'))
        return false;
    if (room)
        return jid_bare_equal(dfrom, room);
    const char *own = nx_own_bare();
    if (!own)
        return false;
    if (jid_bare_equal(dfrom, own))
        return true;
    jid_t *oj = jid_new(own);
    bool ok = oj && jid_bare_equal(dfrom, oj->domain);
    jid_free(oj);
    return ok;
}

int64_t nx_message_time_us(xmpp_stanza_t *st, const msg_source *src, const char *room,
                           bool *delayed)
{
    int64_t us = src->archive_us           ? src->archive_us
                 : src->archive_ts         ? (int64_t)src->archive_ts * G_USEC_PER_SEC
                 : delay_trusted(st, room) ? nx_delay_us_of(st)
                                           : 0;
    int64_t now = g_get_real_time();
    /* A stamp in the future is a lie (or a wrong clock): use now. */
    if (us > now + 300 * G_USEC_PER_SEC)
        us = 0;
    *delayed = us != 0;
    return us ? us : now;
}

time_t nx_message_time(xmpp_stanza_t *st, const msg_source *src, const char *room, bool *delayed)
{
    int64_t us = nx_message_time_us(st, src, room, delayed);
    return (time_t)(us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
}

static void handle_chatstate(xmpp_stanza_t *st, const char *peer)
{
    static const char *const names[] = {"active", "composing", "paused", "inactive", "gone"};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        if (nx_child(st, names[i], NS_CHATSTATES)) {
            ev_chatstate ev = {peer, (chatstate)i};
            event_emit(EV_CHATSTATE, &ev);
            return;
        }
    }
}

static void send_receipt(xmpp_conn_t *c, const char *to, const char *id)
{
    xmpp_ctx_t *x = nx_ctx();
    xmpp_stanza_t *m = xmpp_message_new(x, NULL, to, NULL);
    xmpp_stanza_t *r = xmpp_stanza_new(x);
    xmpp_stanza_set_name(r, "received");
    xmpp_stanza_set_ns(r, NS_RECEIPTS);
    xmpp_stanza_set_attribute(r, "id", id);
    xmpp_stanza_add_child_ex(m, r, 0);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

/* Receipts only to contacts that may see our presence anyway, so strangers
 * cannot probe whether we are online. */
static bool may_send_receipt(const char *bare)
{
    roster_contact *rc = roster_find(bare);
    return rc && rc->in_roster &&
           (!strcmp(rc->subscription, "from") || !strcmp(rc->subscription, "both"));
}

static void emit_error(xmpp_stanza_t *st, const char *peer, const char *id)
{
    char *msg = nx_error_text(st);
    ev_message_error ev = {peer, id, msg};
    event_emit(EV_MESSAGE_ERROR, &ev);
    g_free(msg);
}

void nx_message_process(xmpp_conn_t *c, xmpp_stanza_t *st, const msg_source *src)
{
    const char *own = nx_own_bare();
    const char *type = xmpp_stanza_get_type(st);
    bool room_error = false;
    if (type && !strcmp(type, "error") && xmpp_stanza_get_from(st) &&
        !strchr(xmpp_stanza_get_from(st), '/')) {
        muc_room *r = muc_room_find(xmpp_stanza_get_from(st));
        room_error = r != NULL;
    }
    if ((type && strcmp(type, "groupchat") == 0) || room_error) {
        /* Live, or from the room's own archive: our account's archive and
         * carbons never vouch for rooms. */
        if (!src->carbon && (!src->archive || src->room))
            nx_muc_message(c, st, src);
        return;
    }
    if (!src->archive)
        nx_mam_note_live(st);
    if (!src->carbon && !src->archive && nx_muc_handle_invite(st))
        return;
    if (!src->carbon && !src->archive && nx_bookmarks_handle_event(st))
        return;
    if (!src->carbon && !src->archive && nx_mds_handle_event(st))
        return;
    if (!src->carbon && !src->archive && nx_pep_handle_event(st))
        return;
    const char *from = xmpp_stanza_get_from(st);
    const char *to = xmpp_stanza_get_to(st);
    jid_t *fj = from ? jid_new(from) : (own ? jid_new(own) : NULL);
    if (!fj) {
        log_debug("message", "dropped message with an invalid from");
        return;
    }
    bool outgoing = own && strcmp(fj->bare, own) == 0 && (src->carbon_sent || src->archive);
    jid_t *tj = to ? jid_new(to) : NULL;
    if (outgoing && !tj) {
        jid_free(fj);
        return;
    }
    const char *peer = outgoing ? tj->bare : fj->bare;
    /* A private message with a room occupant: the conversation is room/nick. */
    jid_t *pj = outgoing ? tj : fj;
    /* (A contact cannot split its chat into windows by claiming it.) */
    roster_contact *rc = roster_find(pj->bare);
    bool muc_private =
        pj->resource && (muc_room_find(pj->bare) != NULL ||
                         (nx_child(st, "x", NS_MUC_USER) != NULL && !(rc && rc->in_roster)));
    if (muc_private)
        peer = pj->full;
    const char *id = xmpp_stanza_get_id(st);
    bool live = !src->carbon && !src->archive;
    if (!outgoing && !muc_private && nx_drop_stranger(fj->bare)) {
        log_debug("message", "dropped a message from %s (strangers = drop)", fj->bare);
        goto out;
    }

    if (type && strcmp(type, "error") == 0) {
        if (live && !nx_reaction_bounced(st, peer, id))
            emit_error(st, peer, id);
        goto out;
    }
    if (!outgoing && !src->archive)
        handle_chatstate(st, peer);

    xmpp_stanza_t *rcv = nx_child(st, "received", NS_RECEIPTS);
    if (rcv && !outgoing && xmpp_stanza_get_attribute(rcv, "id")) {
        ev_receipt ev = {peer, xmpp_stanza_get_attribute(rcv, "id")};
        event_emit(EV_RECEIPT, &ev);
    }
    /* Chat markers (XEP-0333): only the contact's own say-so about our
     * messages; the screen matches ID against our lines only. */
    xmpp_stanza_t *disp = nx_child(st, "displayed", NS_MARKERS);
    if (disp && !outgoing && !muc_private && xmpp_stanza_get_attribute(disp, "id")) {
        ev_receipt ev = {peer, xmpp_stanza_get_attribute(disp, "id")};
        event_emit(EV_DISPLAYED, &ev);
    }

    xmpp_stanza_t *retract = nx_child(st, "retract", NS_RETRACT);
    if (retract && xmpp_stanza_get_attribute(retract, "id")) {
        ev_result res = {0};
        ev_retraction ev = {.peer = peer,
                            .from = fj->full,
                            .outgoing = outgoing,
                            .retract_id = xmpp_stanza_get_attribute(retract, "id"),
                            .result = &res};
        event_emit(EV_RETRACTION, &ev);
        goto out;
    }

    if (nx_child(st, "reactions", NS_REACTIONS)) {
        bool rdelayed;
        time_t rts = nx_message_time(st, src, NULL, &rdelayed);
        nx_reaction_handle(st, peer, fj->full, outgoing, false, NULL, rts, src->archive);
        goto out;
    }

    bool encrypted = false;
    uint32_t device = 0;
    bool untrusted = false, verified = false;
    char *body =
        message_text(st, fj->bare, peer, outgoing, src, &encrypted, &device, &untrusted, &verified);
    char *reply_id = NULL, *reply_to = NULL;
    nx_reply_read(st, &body, &reply_id, &reply_to);
    if (body && *body) {
        bool delayed;
        int64_t ts_us = nx_message_time_us(st, src, NULL, &delayed);
        time_t ts = (time_t)(ts_us / G_USEC_PER_SEC);
        xmpp_stanza_t *oid = nx_child(st, "origin-id", NS_SID);
        xmpp_stanza_t *repl = nx_child(st, "replace", NS_CORRECT);
        ev_result res = {0};
        if (repl && xmpp_stanza_get_attribute(repl, "id")) {
            ev_correction ev = {.peer = peer,
                                .from = fj->full,
                                .outgoing = outgoing,
                                .replace_id = xmpp_stanza_get_attribute(repl, "id"),
                                .body = body,
                                .id = id,
                                .timestamp = ts,
                                .time_us = ts_us,
                                .encrypted = encrypted,
                                .result = &res};
            event_emit(EV_CORRECTION, &ev);
        } else {
            char *oob = nx_child_text(nx_child(st, "x", NS_OOB), "url");
            ev_message ev = {.peer = peer,
                             .from = fj->full,
                             .body = body,
                             .id = id,
                             .outgoing = outgoing,
                             .timestamp = ts,
                             .time_us = ts_us,
                             .delayed = delayed || src->archive,
                             .stanza_id = src->archive ? src->archive_id : nx_stanza_id_by(st, own),
                             .origin_id = oid ? xmpp_stanza_get_attribute(oid, "id") : NULL,
                             .carbon = src->carbon,
                             .from_archive = src->archive,
                             .receipt_requested = outgoing && nx_child(st, "request", NS_RECEIPTS),
                             .backfill = src->backfill,
                             .muc_private = muc_private,
                             .unstyled = nx_child(st, "unstyled", NS_STYLING) != NULL,
                             .oob_url = oob,
                             .reply_id = reply_id,
                             .reply_to = reply_to,
                             .encrypted = encrypted,
                             .device = device,
                             .untrusted = untrusted,
                             .verified = verified,
                             .result = &res,
                             .markable = !outgoing && nx_child(st, "markable", NS_MARKERS)};
            event_emit(EV_MESSAGE, &ev);
            g_free(oob);
        }
        if (live && id && settings_get_bool("receipts") && nx_child(st, "request", NS_RECEIPTS) &&
            may_send_receipt(peer))
            send_receipt(c, fj->full, id);
    }
    g_free(body);
    g_free(reply_id);
    g_free(reply_to);
out:
    jid_free(fj);
    jid_free(tj);
}

static int on_message(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (nx_carbons_handle(c, st))
        return 1;
    if (nx_muc_handle_archive(c, st))
        return 1;
    if (nx_mam_handle_result(c, st))
        return 1;
    if (nx_mam_hold(st))
        return 1;
    msg_source live = {0};
    nx_message_process(c, st, &live);
    return 1;
}

void nx_message_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_message, NULL, "message", NULL, NULL);
}

/* send.c - outgoing one-to-one messages: chat, corrections (XEP-0308),
 * retractions (XEP-0424), chat states (XEP-0085), with origin ids
 * (XEP-0359) and receipt requests (XEP-0184); a queue for what the user
 * writes while offline, sent in order after the next login. */
#include "xmpp/internal.h"

#include <string.h>

#include "config/settings.h"
#include "model/jid.h"
#include "xmpp/omemo_wire.h"

typedef enum { OUT_CHAT, OUT_CORRECTION, OUT_RETRACTION } out_kind;

typedef struct {
    out_kind kind;
    char *account; /* bare JID of the account it was written with */
    char *peer;    /* the conversation it is stored in */
    char *to;
    char *body;
    char *id;
    char *ref_id; /* corrected / retracted message */
    bool oob;     /* the body is a file's URL: also as XEP-0066 data */
    bool resend;  /* sent by an earlier run, never acknowledged */
    /* A reply (XEP-0461): the message it answers, and how many code points
     * at the start of BODY are its fallback quote. */
    char *reply_id, *reply_to;
    size_t quote_len;
} queued_message;

static GQueue offline_queue = G_QUEUE_INIT;
static nx_queue_load_fn queue_load; /* what earlier runs left queued */
static guint restore_pos;           /* where the next restored message goes */

static void queued_free(gpointer p)
{
    queued_message *q = p;
    g_free(q->account);
    g_free(q->peer);
    g_free(q->to);
    g_free(q->body);
    g_free(q->id);
    g_free(q->ref_id);
    g_free(q->reply_id);
    g_free(q->reply_to);
    g_free(q);
}

/* Append an empty <NAME xmlns=NS id=ID/> to PARENT. */
static void add_child_id(xmpp_stanza_t *parent, const char *name, const char *ns, const char *id)
{
    xmpp_stanza_set_attribute(nx_add_child(parent, name, ns), "id", id);
}

/* Where a message to TO goes: a room we are in, an occupant, or a
 * contact. */
typedef enum { DEST_CONTACT, DEST_ROOM, DEST_OCCUPANT } dest_kind;

static dest_kind dest_of(const jid_t *j)
{
    if (!muc_room_find(j->bare))
        return DEST_CONTACT;
    return j->resource ? DEST_OCCUPANT : DEST_ROOM;
}

/* Send Q on C. Returns whether the server's acknowledgement will be
 * followed (stream management). */
static bool send_now(xmpp_conn_t *c, const queued_message *q)
{
    xmpp_ctx_t *x = nx_ctx();
    jid_t *j = jid_new(q->to);
    dest_kind dest = j ? dest_of(j) : DEST_CONTACT;
    jid_free(j);
    xmpp_stanza_t *m = xmpp_message_new(x, dest == DEST_ROOM ? "groupchat" : "chat", q->to, q->id);
    if (dest == DEST_OCCUPANT)
        nx_add_child(m, "x", NS_MUC_USER);
    if (q->kind == OUT_RETRACTION) {
        add_child_id(m, "retract", NS_RETRACT, q->ref_id);
        xmpp_stanza_set_attribute(nx_add_child(m, "fallback", "urn:xmpp:fallback:0"), "for",
                                  NS_RETRACT);
        xmpp_message_set_body(m, "This person attempted to retract a previous message, but "
                                 "it's unsupported by your client.");
        nx_add_child(m, "store", "urn:xmpp:hints");
    } else {
        xmpp_message_set_body(m, q->body);
        if (q->kind == OUT_CORRECTION)
            add_child_id(m, "replace", NS_CORRECT, q->ref_id);
        if (q->oob)
            nx_add_text(nx_add_child(m, "x", NS_OOB), "url", q->body);
        if (q->reply_id)
            nx_reply_add(m, q->reply_id, q->reply_to, q->quote_len);
        /* No receipts in rooms (XEP-0184 section 5.3). */
        if (settings_get_bool("receipts") && dest == DEST_CONTACT)
            nx_add_child(m, "request", NS_RECEIPTS);
        if (settings_get_bool("chat_states") && dest != DEST_ROOM)
            nx_add_child(m, "active", NS_CHATSTATES);
        /* Ask contacts to say when they have seen it (XEP-0333). */
        if (dest == DEST_CONTACT && q->kind != OUT_CORRECTION)
            nx_add_child(m, "markable", NS_MARKERS);
    }
    add_child_id(m, "origin-id", NS_SID, q->id);
    xmpp_send(c, m);
    /* Room messages are confirmed by the room's reflection. */
    bool tracked = dest != DEST_ROOM && nx_sm_track(q->peer, q->id, m);
    xmpp_stanza_release(m);
    return tracked;
}

/* What a reply adds to a message (send_or_queue). */
typedef struct {
    const char *id, *to;
    size_t quote_len;   /* code points of the quote at the start of the body */
    size_t quote_bytes; /* ... in bytes: what is shown and stored is after it */
} reply_ref;

/* Validate, send or queue, and announce one outgoing message. */
static bool send_or_queue(out_kind kind, const char *to, const char *body, const char *ref_id,
                          bool oob, const reply_ref *reply, char **err)
{
    jid_t *j = jid_new(to);
    if (!j) {
        *err = g_strdup_printf("'%s' is not a valid JID", to);
        return false;
    }
    if (kind != OUT_RETRACTION && (!body || !*body)) {
        jid_free(j);
        *err = g_strdup("nothing to send");
        return false;
    }
    if (body && !g_utf8_validate(body, -1, NULL)) {
        jid_free(j);
        *err = g_strdup("the message is not valid UTF-8");
        return false;
    }
    dest_kind dest = dest_of(j);
    if (dest != DEST_CONTACT) {
        muc_room *r = muc_room_find(j->bare);
        if (r->state != MUC_STATE_JOINED || !nx_conn()) {
            *err = g_strdup_printf("you are not in %s (/join %s)", r->jid, r->jid);
            jid_free(j);
            return false;
        }
    }
    queued_message *q = g_new0(queued_message, 1);
    q->kind = kind;
    q->account = g_strdup(nx_own_bare());
    q->peer = g_strdup(dest == DEST_OCCUPANT ? j->full : j->bare);
    q->to = g_strdup(j->full);
    q->body = g_strdup(body);
    q->id = nx_new_id();
    q->ref_id = g_strdup(ref_id);
    q->oob = oob;
    if (reply) {
        q->reply_id = g_strdup(reply->id);
        q->reply_to = g_strdup(reply->to);
        q->quote_len = reply->quote_len;
    }
    xmpp_conn_t *c = nx_conn();
    bool queued = c == NULL;
    bool tracked = false;
    if (c)
        tracked = send_now(c, q);
    else
        g_queue_push_tail(&offline_queue, q);

    if (dest == DEST_ROOM) {
        /* The room reflects it back to us: shown and stored then, with the
         * room's stanza-id, like everyone else sees it. */
        queued_free(q);
        jid_free(j);
        return true;
    }
    const char *peer = dest == DEST_OCCUPANT ? j->full : j->bare;
    /* Before any account is chosen the sender is unknown (""): the first
     * account that logs in sends it. */
    const char *own = nx_own_full() ? nx_own_full() : (nx_own_bare() ? nx_own_bare() : "");
    gint64 now = g_get_real_time();
    ev_result res = {0};
    if (kind == OUT_CHAT) {
        ev_message ev = {.peer = peer,
                         .from = own,
                         .body = reply ? body + reply->quote_bytes : body,
                         .id = q->id,
                         .outgoing = true,
                         .queued = queued,
                         .timestamp = (time_t)(now / G_USEC_PER_SEC),
                         .time_us = now,
                         .origin_id = q->id,
                         .receipt_requested = settings_get_bool("receipts") && dest == DEST_CONTACT,
                         .ack_pending = tracked,
                         .muc_private = dest == DEST_OCCUPANT,
                         .reply_id = reply ? reply->id : NULL,
                         .reply_to = reply ? reply->to : NULL,
                         .result = &res};
        event_emit(EV_MESSAGE, &ev);
    } else if (kind == OUT_CORRECTION) {
        ev_correction ev = {.peer = peer,
                            .from = own,
                            .outgoing = true,
                            .replace_id = ref_id,
                            .body = reply ? body + reply->quote_bytes : body,
                            .id = q->id,
                            .timestamp = (time_t)(now / G_USEC_PER_SEC),
                            .time_us = now,
                            .result = &res};
        event_emit(EV_CORRECTION, &ev);
    } else {
        ev_retraction ev = {
            .peer = peer, .from = own, .outgoing = true, .retract_id = ref_id, .result = &res};
        event_emit(EV_RETRACTION, &ev);
    }
    if (queued)
        event_log(LOG_WARN, peer,
                  "Not connected: message queued and will be sent when reconnected.");
    if (!queued)
        queued_free(q);
    jid_free(j);
    return true;
}

bool nx_send_encrypted(const char *to, xmpp_stanza_t *encrypted, const char *text, uint32_t device,
                       const char *replace_id, const nx_enc_reply *reply, char **err)
{
    xmpp_conn_t *c = nx_conn();
    jid_t *j = jid_new(to);
    if (!c || !j) {
        *err =
            g_strdup(c ? "not a valid JID" : "not connected (encrypted messages are not queued)");
        jid_free(j);
        xmpp_stanza_release(encrypted);
        return false;
    }
    char *id = nx_new_id();
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "chat", j->bare, id);
    xmpp_message_set_body(m, NX_OMEMO_FALLBACK);
    xmpp_stanza_add_child_ex(m, encrypted, 0);
    /* As other OMEMO clients do: which message it corrects is not secret. */
    if (replace_id)
        add_child_id(m, "replace", NS_CORRECT, replace_id);
    if (reply)
        nx_reply_add(m, reply->id, reply->to, reply->quote_len);
    nx_add_child(m, "store", "urn:xmpp:hints");
    xmpp_stanza_t *eme = nx_add_child(m, "encryption", "urn:xmpp:eme:0");
    xmpp_stanza_set_attribute(eme, "namespace", NS_OMEMO);
    xmpp_stanza_set_attribute(eme, "name", "OMEMO");
    bool receipts = settings_get_bool("receipts");
    if (receipts)
        nx_add_child(m, "request", NS_RECEIPTS);
    if (settings_get_bool("chat_states"))
        nx_add_child(m, "active", NS_CHATSTATES);
    add_child_id(m, "origin-id", NS_SID, id);
    xmpp_send(c, m);
    bool tracked = nx_sm_track(j->bare, id, m);
    xmpp_stanza_release(m);
    gint64 now = g_get_real_time();
    ev_result res = {0};
    const char *from = nx_own_full() ? nx_own_full() : j->bare;
    /* What is shown and stored: the text after the quote. */
    const char *shown =
        reply && reply->quote_bytes <= strlen(text) ? text + reply->quote_bytes : text;
    if (replace_id) {
        ev_correction cev = {.peer = j->bare,
                             .from = from,
                             .outgoing = true,
                             .replace_id = replace_id,
                             .body = shown,
                             .id = id,
                             .timestamp = (time_t)(now / G_USEC_PER_SEC),
                             .time_us = now,
                             .encrypted = true,
                             .result = &res};
        event_emit(EV_CORRECTION, &cev);
        g_free(id);
        jid_free(j);
        return true;
    }
    ev_message ev = {.peer = j->bare,
                     .from = from,
                     .body = shown,
                     .id = id,
                     .outgoing = true,
                     .timestamp = (time_t)(now / G_USEC_PER_SEC),
                     .time_us = now,
                     .origin_id = id,
                     .reply_id = reply ? reply->id : NULL,
                     .reply_to = reply ? reply->to : NULL,
                     .receipt_requested = receipts,
                     .ack_pending = tracked,
                     .encrypted = true,
                     .device = device,
                     .result = &res};
    event_emit(EV_MESSAGE, &ev);
    g_free(id);
    jid_free(j);
    return true;
}

bool nx_send_chat(const char *to, const char *body, char **err)
{
    return send_or_queue(OUT_CHAT, to, body, NULL, false, NULL, err);
}

bool nx_send_key_transport(const char *to, xmpp_stanza_t *encrypted, char **err)
{
    xmpp_conn_t *c = nx_conn();
    jid_t *j = jid_new(to);
    if (!c || !j) {
        *err = g_strdup(c ? "not a valid JID" : "not connected");
        jid_free(j);
        xmpp_stanza_release(encrypted);
        return false;
    }
    char *id = nx_new_id();
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "chat", j->bare, id);
    xmpp_stanza_add_child_ex(m, encrypted, 0);
    /* Kept for a device that is offline now, like any OMEMO message. */
    nx_add_child(m, "store", "urn:xmpp:hints");
    xmpp_send(c, m);
    xmpp_stanza_release(m);
    g_free(id);
    jid_free(j);
    return true;
}

bool nx_send_file_link(const char *to, const char *url, char **err)
{
    return send_or_queue(OUT_CHAT, to, url, NULL, true, NULL, err);
}

bool nx_send_correction(const char *to, const char *replace_id, const char *body, char **err)
{
    if (!replace_id || !*replace_id) {
        *err = g_strdup("no message to correct");
        return false;
    }
    return send_or_queue(OUT_CORRECTION, to, body, replace_id, false, NULL, err);
}

bool nx_send_retraction(const char *to, const char *retract_id, char **err)
{
    if (!retract_id || !*retract_id) {
        *err = g_strdup("no message to retract");
        return false;
    }
    return send_or_queue(OUT_RETRACTION, to, NULL, retract_id, false, NULL, err);
}

/* Send (KIND OUT_CHAT) or correct (OUT_CORRECTION of REPLACE_ID) a reply
 * to REPLY_ID: QUOTE, the fallback for clients without replies, goes in
 * front of TEXT and is marked as such. */
static bool send_reply_as(out_kind kind, const char *to, const char *replace_id,
                          const char *reply_id, const char *reply_to, const char *quote,
                          const char *text, char **err)
{
    if (!text || !*text) {
        *err = g_strdup("nothing to send");
        return false;
    }
    if (quote && !g_utf8_validate(quote, -1, NULL)) {
        *err = g_strdup("the quote is not valid UTF-8");
        return false;
    }
    reply_ref ref = {.id = reply_id, .to = reply_to};
    char *body = g_strconcat(quote ? quote : "", text, NULL);
    if (quote) {
        ref.quote_len = (size_t)g_utf8_strlen(quote, -1);
        ref.quote_bytes = strlen(quote);
    }
    bool ok = send_or_queue(kind, to, body, replace_id, false, &ref, err);
    g_free(body);
    return ok;
}

bool nx_send_reply(const char *to, const char *reply_id, const char *reply_to, const char *quote,
                   const char *text, char **err)
{
    if (!reply_id || !*reply_id) {
        *err = g_strdup("the message has no id to reply to");
        return false;
    }
    return send_reply_as(OUT_CHAT, to, NULL, reply_id, reply_to, quote, text, err);
}

bool nx_send_reply_correction(const char *to, const char *replace_id, const char *reply_id,
                              const char *reply_to, const char *quote, const char *text, char **err)
{
    if (!replace_id || !*replace_id) {
        *err = g_strdup("no message to correct");
        return false;
    }
    if (!reply_id || !*reply_id)
        return nx_send_correction(to, replace_id, text, err);
    return send_reply_as(OUT_CORRECTION, to, replace_id, reply_id, reply_to, quote, text, err);
}

unsigned nx_queued_count(void)
{
    return g_queue_get_length(&offline_queue);
}

unsigned nx_queued_edits(void)
{
    unsigned n = 0;
    for (GList *l = offline_queue.head; l; l = l->next)
        n += ((queued_message *)l->data)->kind != OUT_CHAT;
    return n;
}

void nx_set_queue_hook(nx_queue_load_fn load)
{
    queue_load = load;
}

void nx_queue_restore(const char *peer, const char *body, const char *id, bool resend)
{
    nx_queue_restore_reply(peer, body, id, resend, NULL, NULL, NULL);
}

void nx_queue_restore_reply(const char *peer, const char *body, const char *id, bool resend,
                            const char *reply_id, const char *reply_to, const char *quote)
{
    if (!peer || !body || !*body || !id || !nx_own_bare())
        return;
    if (nx_sm_follows(id))
        return; /* sent in this run: its acknowledgement is awaited */
    for (GList *l = offline_queue.head; l; l = l->next)
        if (strcmp(((queued_message *)l->data)->id, id) == 0)
            return; /* written in this run: queued already */
    queued_message *q = g_new0(queued_message, 1);
    q->kind = OUT_CHAT;
    q->account = g_strdup(nx_own_bare());
    q->peer = g_strdup(peer);
    q->to = g_strdup(peer);
    q->body = g_strdup(body);
    q->id = g_strdup(id);
    q->resend = resend;
    if (reply_id && *reply_id) {
        /* A reply stays one: its reference and fallback quote again. */
        q->reply_id = g_strdup(reply_id);
        q->reply_to = g_strdup(reply_to);
        if (quote && g_utf8_validate(quote, -1, NULL)) {
            g_free(q->body);
            q->body = g_strconcat(quote, body, NULL);
            q->quote_len = (size_t)g_utf8_strlen(quote, -1);
        }
    }
    /* Older than anything written in this run: in front, in their order. */
    g_queue_push_nth(&offline_queue, q, (gint)restore_pos++);
}

/* Take back what earlier runs of this account left queued in its history
 * (it has just been opened for the account). */
void nx_queue_reload(void)
{
    restore_pos = 0;
    if (queue_load)
        queue_load();
}

void nx_message_flush_queue(xmpp_conn_t *c)
{
    unsigned n = 0;
    queued_message *q;
    unsigned dropped = 0;
    while ((q = g_queue_pop_head(&offline_queue))) {
        /* Written as another account: never send it from this one. */
        if (q->account && nx_own_bare() && strcmp(q->account, nx_own_bare()) != 0) {
            dropped++;
        } else {
            send_now(c, q);
            n++;
            if (q->kind == OUT_CHAT) {
                /* Stored and shown as queued (or waiting) until now. */
                ev_receipt ev = {.peer = q->peer, .id = q->id};
                event_emit(q->resend ? EV_MESSAGE_RESENT : EV_QUEUE_SENT, &ev);
            }
        }
        queued_free(q);
    }
    if (dropped)
        event_log(LOG_WARN, NULL,
                  "%u queued message%s written as another account %s not sent from this one.",
                  dropped, dropped == 1 ? "" : "s", dropped == 1 ? "was" : "were");
    if (n)
        event_log(LOG_INFO, NULL, "Sent %u queued message%s.", n, n == 1 ? "" : "s");
}

void nx_send_chatstate(const char *to, chatstate state)
{
    static const char *const names[] = {"active", "composing", "paused", "inactive", "gone"};
    xmpp_conn_t *c = nx_conn();
    if (!c || !settings_get_bool("chat_states") || (unsigned)state >= G_N_ELEMENTS(names))
        return;
    jid_t *j = jid_new(to);
    bool skip = !j || (!j->resource && muc_room_find(j->bare));
    jid_free(j);
    if (skip)
        return; /* not in rooms: a thousand occupants need not know */
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "chat", to, NULL);
    nx_add_child(m, names[state], NS_CHATSTATES);
    nx_add_child(m, "no-store", "urn:xmpp:hints");
    xmpp_send(c, m);
    xmpp_stanza_release(m);
}

void nx_message_deinit(void)
{
    g_queue_clear_full(&offline_queue, queued_free);
}

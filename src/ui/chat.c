/* chat.c - what happens in one-to-one chats, as lines of their windows:
 * messages in and out (and private messages in rooms), delivery receipts,
 * corrections, retractions, the contact's typing state, bounced messages,
 * presence changes and subscription requests; also log lines and the
 * outcome of the archive catch-up. Group chat messages go to room.c. */
#include <string.h>

#include "config/settings.h"
#include "core/event.h"
#include "e2e/e2e.h"
#include "model/conversation.h"
#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "ui/history.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "ui/sanitize.h"
#include "ui/strangers.h"
#include "xmpp/xmpp.h"

static line_kind level_kind(ev_log_level l)
{
    return l == LOG_ERROR || l == LOG_WARN ? LINE_ERROR : LINE_INFO;
}

static void on_log(event_type t, const void *p, void *ud)
{
    const ev_log *ev = p;
    win_t *w = ev->jid ? win_find(ev->jid) : NULL;
    if (!ev->jid && ui_in_command())
        w = win_current(); /* an answer to the command being run */
    ui_add_line(w ? w : win_console(), level_kind(ev->level), ev->text);
}

static void show_message(const ev_message *ev)
{
    if (ev->result && ev->result->duplicate)
        return; /* already shown once (archive or carbon of a known message) */
    /* A retraction or correction that came first was applied as it was stored. */
    bool retracted = ev->result && ev->result->retracted;
    const char *body = retracted                        ? "(message retracted)"
                       : ev->result && ev->result->body ? ev->result->body
                                                        : ev->body;
    if (ev->backfill)
        return; /* older history: shown from the database when the page is complete */
    if (strangers_message(ev))
        return;
    win_t *w = win_find(ev->peer);
    if (!w) {
        w = win_open_chat(ev->peer);
        /* The store wrote this message first: the newest page includes it
         * (and whatever arrived in the same second before it). */
        if (ev->result && ev->result->rowid > 0) {
            history_load_latest(w, 0);
            win_line *last = w->lines.tail ? w->lines.tail->data : NULL;
            if (last && last->rowid == ev->result->rowid) {
                if (w != win_current() && !ev->outgoing)
                    w->act = ACT_HIGHLIGHT;
                if (!ev->outgoing && !ev->from_archive && !ev->backfill) {
                    char *who = ui_contact_name(ev->peer);
                    notify_message(w, who, body, NULL);
                    g_free(who);
                }
                ui_dirty(DIRTY_STATUS | DIRTY_TITLE | DIRTY_MAIN);
                return;
            }
        }
    }
    char *nick;
    muc_room *pm_room = NULL;
    if (ev->muc_private) {
        char *bare = jid_bare_of(ev->peer);
        pm_room = bare ? muc_room_find(bare) : NULL;
        g_free(bare);
    }
    if (ev->muc_private) {
        char *res = jid_resource_of(ev->peer);
        nick = sanitize_nick(ev->outgoing ? (pm_room ? pm_room->nick : NULL) : res);
        g_free(res);
    } else if (ev->outgoing) {
        nick = jid_short_name(nx_own_bare() ? nx_own_bare() : ev->from);
    } else {
        nick = ui_contact_name(ev->peer);
        if (!ev->from_archive)
            w->typing = CHATSTATE_ACTIVE;
    }
    if (!nick)
        nick = g_strdup("?");
    bool action = g_str_has_prefix(body, "/me ");
    line_kind k = ev->outgoing ? (action ? LINE_ACTION_OUT : LINE_MSG_OUT)
                               : (action ? LINE_ACTION_IN : LINE_MSG_IN);
    win_line *l = win_line_new(k, nick, action ? body + 4 : body, ev->timestamp);
    g_free(nick);
    l->delayed = ev->delayed;
    l->queued = ev->queued;
    l->rowid = ev->result ? ev->result->rowid : 0;
    l->id = g_strdup(ev->id);
    l->origin_id = g_strdup(ev->origin_id);
    l->sender_bare = win_shared(jid_bare_of(ev->from));
    l->unstyled = ev->unstyled;
    l->receipt_pending = ev->outgoing && ev->receipt_requested;
    l->retracted = retracted;
    l->corrected = ev->result && ev->result->body;
    react_decorate(l, ev->peer, false, ev->reply_id);
    if (ev->encrypted)
        l->e2e = ev->untrusted ? '?' : '~';
    else if (!ev->outgoing && !ev->muc_private && e2e_chat_enabled(ev->peer))
        l->e2e = '!'; /* plain text in an encrypted chat */
    if (w->detached) {
        /* Showing older history: the new line is in the database and the
         * window shows it when the user goes back to the bottom. */
        win_line_free(l);
        if (w != win_current() && !ev->outgoing)
            w->act = ACT_HIGHLIGHT;
    } else {
        long long rowid = l->rowid;
        win_add_line(w, l);
        if (!retracted)
            attach_add(w, rowid);
    }
    if (w == win_current())
        ui_dirty(DIRTY_MAIN);
    if (!ev->outgoing && !ev->from_archive && !ev->backfill) {
        char *name = ui_contact_name(ev->peer);
        notify_message(w, name, body, NULL);
        g_free(name);
    }
    ui_dirty(DIRTY_STATUS | DIRTY_TITLE);
}

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (ev->groupchat)
        room_on_message(ev);
    else
        show_message(ev);
    /* What arrives in the window the user is in counts as read (the model
     * counted it as unread in its stage). */
    const char *here = win_current()->jid;
    if (here && strcmp(here, ev->peer) == 0)
        conv_mark_read(ev->peer);
}

static void on_receipt(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->id, nx_own_bare()) : NULL;
    if (l && (l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT)) {
        l->delivered = true;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
}

/* The server confirmed our message, or it was sent again. */
static void on_server_ack(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->id, nx_own_bare()) : NULL;
    if (!l || (l->kind != LINE_MSG_OUT && l->kind != LINE_ACTION_OUT))
        return;
    if (t == EV_MESSAGE_RESENT) {
        l->resent = true;
        l->acked = false;
    } else {
        l->acked = true;
    }
    win_touch();
    ui_dirty(DIRTY_MAIN);
}

static void on_queue_sent(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->id, nx_own_bare()) : NULL;
    if (l && l->queued) {
        l->queued = false;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
    ui_dirty(DIRTY_STATUS); /* the queued count */
}

static void on_correction(event_type t, const void *p, void *ud)
{
    const ev_correction *ev = p;
    if (ev->result && ev->result->rejected)
        return; /* not the author of the original: ignored */
    char *bare =
        ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id) : jid_bare_of(ev->from);
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->replace_id, bare) : NULL;
    if (l) {
        bool action = g_str_has_prefix(ev->body, "/me ");
        g_free(l->text);
        win_line *tmp = win_line_new(l->kind, NULL, action ? ev->body + 4 : ev->body, 0);
        l->text = tmp->text;
        tmp->text = NULL;
        win_line_free(tmp);
        l->corrected = true;
        attach_refresh(w, l);
        win_touch();
        ui_dirty(DIRTY_MAIN);
    } else if (!(w && win_find_message(w, ev->replace_id, NULL)) && ev->result &&
               ev->result->rowid == 0) {
        /* The original is unknown here: show the corrected text as new. */
        ev_message m = {.peer = ev->peer,
                        .from = ev->from,
                        .body = ev->body,
                        .id = ev->id,
                        .outgoing = ev->outgoing,
                        .timestamp = ev->timestamp,
                        .groupchat = ev->groupchat,
                        .occupant_id = ev->occupant_id};
        on_message(EV_MESSAGE, &m, NULL);
        w = win_find(ev->peer);
        win_line *nl = w ? win_find_message(w, ev->id, NULL) : NULL;
        if (nl)
            nl->corrected = true;
    }
    g_free(bare);
}

static void on_retraction(event_type t, const void *p, void *ud)
{
    const ev_retraction *ev = p;
    if (ev->result && ev->result->rejected)
        return;
    win_t *w = win_find(ev->peer);
    if (!w)
        return;
    win_line *l;
    char *text;
    if (ev->moderation) {
        /* The room removed a message: found by the id the room gave it. */
        l = win_find_by_stanza_id(w, ev->retract_id, NULL);
        text = g_strdup_printf("[removed by %s%s%s]", ev->moderator ? ev->moderator : "a moderator",
                               ev->reason ? ": " : "", ev->reason ? ev->reason : "");
    } else {
        char *bare = ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id)
                                   : jid_bare_of(ev->from);
        l = win_find_message(w, ev->retract_id, bare);
        /* In rooms a retraction names the room's stanza-id (XEP-0424). */
        if (!l && ev->groupchat && bare)
            l = win_find_by_stanza_id(w, ev->retract_id, bare);
        g_free(bare);
        text = g_strdup("(message retracted)");
    }
    if (l) {
        g_free(l->text);
        l->text = sanitize_text(text, -1, SANITIZE_EXPAND_TAB);
        l->retracted = true;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
    g_free(text);
}

static void on_archive_sync(event_type t, const void *p, void *ud)
{
    const ev_archive_sync *ev = p;
    if (!ev->done)
        return;
    if (ev->peer) {
        win_t *w = win_find(ev->peer);
        if (w)
            history_archive_done(w, ev->count, ev->error, ev->first_id, ev->complete);
        ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
        return;
    }
    if (ev->error && ev->count)
        ui_console("Fetched %u message%s from the server archive, then stopped: %s. The rest "
                   "follows at the next login.",
                   ev->count, ev->count == 1 ? "" : "s", ev->error);
    else if (ev->error)
        ui_console("History from the server archive was not fetched: %s.", ev->error);
    else if (ev->count)
        ui_console("Fetched %u message%s from the server archive.", ev->count,
                   ev->count == 1 ? "" : "s");
}

static void on_presence(event_type t, const void *p, void *ud)
{
    const ev_presence *ev = p;
    ui_dirty(DIRTY_ROSTER | DIRTY_TITLE);
    win_t *w = win_find(ev->jid);
    if (!w || w->type != WIN_CHAT)
        return;
    /* Only what differs from the last line shown: the same presence sent
     * again (after each reconnect, or by another resource) says nothing. */
    const char *status = ev->status && *ev->status ? ev->status : NULL;
    if (ev->show == w->shown_show && g_strcmp0(status, w->shown_status) == 0)
        return;
    w->shown_show = ev->show;
    g_free(w->shown_status);
    w->shown_status = g_strdup(status);
    char *name = ui_contact_name(ev->jid);
    char *text =
        ev->status && *ev->status
            ? g_strdup_printf("%s is now %s: %s", name, presence_show_name(ev->show), ev->status)
            : g_strdup_printf("%s is now %s", name, presence_show_name(ev->show));
    ui_add_line(w, LINE_PRESENCE, text);
    g_free(text);
    g_free(name);
}

static void on_subscription(event_type t, const void *p, void *ud)
{
    const ev_subscription *ev = p;
    char *text = NULL;
    switch (ev->kind) {
    case SUB_REQUEST:
        text = g_strdup_printf("%s asks to see your presence: /sub allow %s or /sub deny %s%s%s",
                               ev->jid, ev->jid, ev->jid, ev->text ? " -- they say: " : "",
                               ev->text ? ev->text : "");
        break;
    case SUB_APPROVED:
        text = g_strdup_printf("%s allowed you to see their presence.", ev->jid);
        break;
    case SUB_REVOKED:
        text =
            g_strdup_printf("%s denied or removed your subscription to their presence.", ev->jid);
        break;
    case SUB_UNSUBSCRIBED:
        text = g_strdup_printf("%s no longer wants to see your presence.", ev->jid);
        break;
    }
    if (ev->kind == SUB_REQUEST && strangers_line(ev->jid, text)) {
        g_free(text);
        return;
    }
    ui_add_line(win_console(), LINE_INFO, text);
    win_t *w = win_find(ev->jid);
    if (w)
        ui_add_line(w, LINE_INFO, text);
    g_free(text);
}

static void on_chatstate(event_type t, const void *p, void *ud)
{
    const ev_chatstate *ev = p;
    win_t *w = win_find(ev->peer);
    if (w && settings_get_bool("chat_states")) {
        w->typing = ev->state;
        ui_dirty(DIRTY_TITLE);
    }
}

static void on_message_error(event_type t, const void *p, void *ud)
{
    const ev_message_error *ev = p;
    win_t *w = win_find(ev->peer);
    char *text = g_strdup_printf("Message to %s could not be delivered: %s", ev->peer, ev->error);
    ui_add_line(w ? w : win_console(), LINE_ERROR, text);
    g_free(text);
}

void chat_init(void)
{
    event_subscribe(EV_LOG, EV_STAGE_SCREEN, on_log, NULL);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, on_message, NULL);
    event_subscribe(EV_PRESENCE, EV_STAGE_SCREEN, on_presence, NULL);
    event_subscribe(EV_SUBSCRIPTION, EV_STAGE_SCREEN, on_subscription, NULL);
    event_subscribe(EV_CHATSTATE, EV_STAGE_SCREEN, on_chatstate, NULL);
    event_subscribe(EV_MESSAGE_ERROR, EV_STAGE_SCREEN, on_message_error, NULL);
    event_subscribe(EV_RECEIPT, EV_STAGE_SCREEN, on_receipt, NULL);
    event_subscribe(EV_QUEUE_SENT, EV_STAGE_SCREEN, on_queue_sent, NULL);
    event_subscribe(EV_MESSAGE_ACKED, EV_STAGE_SCREEN, on_server_ack, NULL);
    event_subscribe(EV_MESSAGE_RESENT, EV_STAGE_SCREEN, on_server_ack, NULL);
    event_subscribe(EV_CORRECTION, EV_STAGE_SCREEN, on_correction, NULL);
    event_subscribe(EV_RETRACTION, EV_STAGE_SCREEN, on_retraction, NULL);
    event_subscribe(EV_ARCHIVE_SYNC, EV_STAGE_SCREEN, on_archive_sync, NULL);
}

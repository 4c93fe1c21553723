/* room.c - group chats on screen: room windows and private windows with
 * occupants, what happens in rooms (joins, leaves, nick changes, kicks,
 * topics) as lines, messages with mentions, invitations, and nicks made
 * safe to look at.
 *
 * The join of a room brings its history twice over (the room's discussion
 * history and its archive); both go to the history store, which drops the
 * duplicates, and the window shows the result from the database once the
 * room says the history is complete. */
#include <string.h>

#include "config/settings.h"
#include "e2e/e2e.h"
#include "model/ignore.h"
#include "model/jid.h"
#include "model/muc.h"
#include "ui/history.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "ui/sanitize.h"
#include "xmpp/xmpp.h"

/* ---------- nicks ---------- */

/* The nick shown for FROM (room/nick). */
static char *nick_of(const char *from)
{
    char *res = jid_resource_of(from);
    char *v = sanitize_nick(res);
    g_free(res);
    return v;
}

/* ---------- windows ---------- */

static void add(win_t *w, line_kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(win_t *w, line_kind k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    win_add(w, k, NULL, text, 0, false, false);
    g_free(text);
    ui_dirty(w == win_current() ? DIRTY_MAIN | DIRTY_STATUS : DIRTY_STATUS);
}

static win_t *room_window(const char *room)
{
    win_t *w = win_find(room);
    if (!w) {
        w = win_open_room(room);
        history_load_latest(w, 0);
        ui_dirty(DIRTY_STATUS);
    }
    return w;
}

bool room_mentions(const char *room, const char *body)
{
    muc_room *r = muc_room_find(room);
    return r && r->nick && notify_mentions(body, r->nick);
}

/* ---------- messages ---------- */

void room_on_message(const ev_message *ev)
{
    if ((ev->result && ev->result->duplicate) || ev->backfill)
        return; /* known, or older history: shown from the database per page */
    win_t *w = room_window(ev->peer);
    if (w->syncing)
        return; /* stored; shown from the database when the sync ends */
    if (!ev->outgoing) {
        char *author = jid_resource_of(ev->from);
        bool ignored = ignore_has(ev->peer, author);
        g_free(author);
        if (ignored)
            return; /* stored (history and search keep it), not shown (/ignore) */
    }
    /* A retraction or correction that came first was applied as it was stored. */
    bool retracted = ev->result && ev->result->retracted;
    const char *body = retracted                        ? "(message retracted)"
                       : ev->result && ev->result->body ? ev->result->body
                                                        : ev->body;
    bool action = g_str_has_prefix(body, "/me ");
    line_kind k = ev->outgoing ? (action ? LINE_ACTION_OUT : LINE_MSG_OUT)
                               : (action ? LINE_ACTION_IN : LINE_MSG_IN);
    char *nick = nick_of(ev->from);
    win_line *l = win_line_new(k, nick, action ? body + 4 : body, ev->timestamp);
    l->delayed = ev->delayed;
    l->rowid = ev->result ? ev->result->rowid : 0;
    l->id = g_strdup(ev->id);
    l->origin_id = g_strdup(ev->origin_id);
    l->sender_bare = win_shared(muc_author_key(ev->peer, ev->from, ev->occupant_id));
    l->stanza_id = g_strdup(ev->stanza_id);
    l->unstyled = ev->unstyled;
    l->retracted = retracted;
    l->corrected = ev->result && ev->result->body;
    l->mention = !ev->outgoing && room_mentions(ev->peer, body);
    react_decorate(l, ev->peer, true, ev->reply_id);
    if (ev->encrypted)
        l->e2e = ev->untrusted ? '?' : '~';
    else if (!ev->outgoing && e2e_chat_enabled(ev->peer))
        l->e2e = '!'; /* plain text in an encrypted room */
    bool mention = l->mention;
    if (w->detached) {
        win_line_free(l);
        if (w != win_current() && !ev->outgoing)
            w->act = mention ? ACT_HIGHLIGHT : (w->act > ACT_MSG ? w->act : ACT_MSG);
    } else {
        long long rowid = l->rowid;
        win_add_line(w, l);
        if (!retracted)
            attach_add(w, rowid);
    }
    if (!ev->outgoing && !ev->from_archive) {
        muc_room *r = muc_room_find(ev->peer);
        notify_message(w, nick, body, r ? r->nick : NULL);
    }
    g_free(nick);
    ui_dirty(w == win_current() ? DIRTY_MAIN | DIRTY_STATUS : DIRTY_STATUS);
}

/* ---------- our own state in rooms ---------- */

static char *expected; /* a /join waiting for the service: focus it when it starts */

void ui_focus_room_when_joining(const char *name)
{
    g_free(expected);
    expected = g_strdup(name);
}

static bool is_message(const win_line *l)
{
    return l->kind == LINE_MSG_IN || l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_IN ||
           l->kind == LINE_ACTION_OUT;
}

static void show_synced(win_t *w, muc_room *r, const ev_muc_room *ev)
{
    /* The history of the join is in the database: the window's messages
     * are replaced by the newest page from there (each once, in order),
     * and what else the window said (joins, kicks, errors) stays, merged
     * in by time. */
    GPtrArray *keep = g_ptr_array_new();
    for (GList *it = w->lines.head; it; it = it->next) {
        win_line *l = it->data;
        if (is_message(l))
            win_line_free(l);
        else
            g_ptr_array_add(keep, l);
    }
    g_queue_clear(&w->lines);
    w->scroll = 0;
    w->detached = false;
    w->history_done = false;
    w->syncing = false;
    history_load_latest(w, 0);
    GList *pos = w->lines.head;
    for (guint k = 0; k < keep->len; k++) {
        win_line *l = g_ptr_array_index(keep, k);
        while (pos && ((win_line *)pos->data)->ts <= l->ts)
            pos = pos->next;
        if (pos)
            g_queue_insert_before(&w->lines, pos, l);
        else
            g_queue_push_tail(&w->lines, l);
    }
    g_ptr_array_free(keep, TRUE);
    char *nick = sanitize_nick(r->nick);
    add(w, LINE_INFO, "You joined %s as %s (%u occupant%s)", r->jid, nick, muc_room_count(r),
        muc_room_count(r) == 1 ? "" : "s");
    g_free(nick);
    if (r->subject)
        add(w, LINE_INFO, "Topic: %s", r->subject);
    if (ev->text)
        add(w, LINE_ERROR, "The room's history is incomplete: %s", ev->text);
    win_touch();
}

static void on_room(event_type t, const void *p, void *ud)
{
    const ev_muc_room *ev = p;
    muc_room *r = muc_room_find(ev->room);
    if (!r)
        return;
    win_t *w = room_window(ev->room);
    char *nick = sanitize_nick(ev->nick);
    const char *reason = ev->reason;
    switch (ev->kind) {
    case MUC_EV_JOINING:
        if (!ev->text)
            w->syncing = true;
        if (expected) {
            char *local = jid_short_name(r->jid);
            if (!g_strcmp0(local, expected) || jid_bare_equal(expected, r->jid)) {
                g_clear_pointer(&expected, g_free);
                ui_focus(w);
            }
            g_free(local);
        }
        break;
    case MUC_EV_JOINED:
        if (ev->text) /* "again": /join of a room we are in */
            break;
        break;
    case MUC_EV_SYNCED:
        show_synced(w, r, ev);
        break;
    case MUC_EV_JOIN_FAILED:
        w->syncing = false;
        add(w, LINE_ERROR, "Cannot join %s: %s", r->jid, ev->text ? ev->text : "unknown error");
        break;
    case MUC_EV_LEFT:
        w->syncing = false;
        if (ev->text && !strcmp(ev->text, "disconnected"))
            add(w, LINE_INFO, "Disconnected: natter rejoins %s after reconnecting", r->jid);
        else
            add(w, LINE_INFO, "You left %s%s%s%s", r->jid, reason ? " (" : "", reason ? reason : "",
                reason ? ")" : "");
        break;
    case MUC_EV_KICKED:
    case MUC_EV_BANNED:
        w->syncing = false;
        add(w, LINE_ERROR, "You were %s from %s%s%s%s%s%s",
            ev->kind == MUC_EV_KICKED ? "kicked" : "banned", r->jid, ev->actor ? " by " : "",
            ev->actor ? ev->actor : "", reason ? " (" : "", reason ? reason : "",
            reason ? ")" : "");
        break;
    case MUC_EV_REMOVED:
        w->syncing = false;
        add(w, LINE_ERROR, "You were removed from %s: %s%s%s%s", r->jid, ev->text ? ev->text : "",
            reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
        break;
    case MUC_EV_NICK:
        add(w, LINE_PRESENCE, "You are now known as %s", nick);
        break;
    case MUC_EV_SUBJECT:
        if (!ev->initial) {
            if (ev->text)
                add(w, LINE_INFO, "%s changed the topic to: %s", ev->nick ? nick : r->jid,
                    ev->text);
            else
                add(w, LINE_INFO, "%s cleared the topic", ev->nick ? nick : r->jid);
        }
        break;
    case MUC_EV_CREATED:
        add(w, LINE_INFO,
            "Room %s created with the default configuration (/room config to change it)", r->jid);
        break;
    case MUC_EV_REJOINING:
        add(w, LINE_ERROR, "Rejoining %s: %s", r->jid,
            ev->text ? ev->text : "natter was no longer in the room");
        break;
    }
    g_free(nick);
    ui_dirty(DIRTY_TITLE | DIRTY_STATUS | DIRTY_ROSTER | (w == win_current() ? DIRTY_MAIN : 0));
}

/* ---------- occupants ---------- */

/* Joins and leaves in a big room: one line that counts them. */
static bool fold(win_t *w, muc_room *r, bool join)
{
    long limit = settings_get_int("muc_fold");
    if (muc_room_count(r) <= (guint)limit && limit > 0)
        return false;
    win_line *last = w->lines.tail ? w->lines.tail->data : NULL;
    if (!last || !(last->fold_joins || last->fold_leaves)) {
        last = win_line_new(LINE_PRESENCE, NULL, "", 0);
        win_add_line(w, last);
    }
    if (join)
        last->fold_joins++;
    else
        last->fold_leaves++;
    g_free(last->text);
    last->text = g_strdup_printf("%u joined, %u left", last->fold_joins, last->fold_leaves);
    last->ts = time(NULL);
    win_touch();
    ui_dirty(w == win_current() ? DIRTY_MAIN | DIRTY_STATUS : DIRTY_STATUS);
    return true;
}

static void on_occupant(event_type t, const void *p, void *ud)
{
    const ev_muc_occupant *ev = p;
    muc_room *r = muc_room_find(ev->room);
    win_t *w = r ? win_find(ev->room) : NULL;
    if (!w)
        return;
    bool current = w == win_current();
    ui_dirty((current ? DIRTY_ROSTER | DIRTY_TITLE : 0));
    if (ev->initial || w->syncing)
        return; /* the occupant list sent while we join: the pane shows it */
    char *nick = sanitize_nick(ev->nick);
    const char *reason = ev->reason;
    const char *ro = reason ? " (" : "", *rr = reason ? reason : "", *rc = reason ? ")" : "";
    switch (ev->kind) {
    case OCC_JOINED:
        if (!fold(w, r, true))
            add(w, LINE_PRESENCE, "\u2192 %s joined", nick);
        break;
    case OCC_LEFT:
        if (!fold(w, r, false))
            add(w, LINE_PRESENCE, "\u2190 %s left%s%s%s", nick, ro, rr, rc);
        break;
    case OCC_NICK: {
        char *nn = sanitize_nick(ev->new_nick);
        add(w, LINE_PRESENCE, "%s is now known as %s", nick, nn);
        g_free(nn);
        break;
    }
    case OCC_KICKED:
    case OCC_BANNED:
        add(w, LINE_PRESENCE, "%s was %s%s%s%s%s%s", nick,
            ev->kind == OCC_KICKED ? "kicked" : "banned", ev->actor ? " by " : "",
            ev->actor ? ev->actor : "", ro, rr, rc);
        break;
    case OCC_REMOVED:
        add(w, LINE_PRESENCE, "%s was removed from the room%s%s%s", nick, ro, rr, rc);
        break;
    case OCC_ROLE: {
        muc_occupant *o = muc_occupant_find(r, ev->nick);
        bool me = r->nick && !strcmp(r->nick, ev->nick);
        if (o && me)
            add(w, LINE_PRESENCE, "You are now a %s", muc_role_name(o->role));
        else if (o)
            add(w, LINE_PRESENCE, "%s is now a %s", nick, muc_role_name(o->role));
        break;
    }
    case OCC_PRESENCE:
        break;
    }
    g_free(nick);
}

/* ---------- invitations ---------- */

/* Say who invites to which room; model/conversation.c remembers it for
 * /join and /decline. */
static void on_invite(event_type t, const void *p, void *ud)
{
    const ev_muc_invite *ev = p;
    if (ev->declined) {
        win_t *w = win_find(ev->room);
        add(w ? w : win_console(), LINE_INFO, "%s declined your invitation to %s%s%s", ev->from,
            ev->room, ev->reason ? ": " : "", ev->reason ? ev->reason : "");
        return;
    }
    if (ev->mediated)
        /* Relayed: only the room vouches for who invites, so it is the
         * room that says so. */
        add(win_console(), LINE_INFO,
            "%s says %s invites you%s%s. /join %s to accept, /decline %s to refuse.", ev->room,
            ev->from, ev->reason ? ": " : "", ev->reason ? ev->reason : "", ev->room, ev->room);
    else
        add(win_console(), LINE_INFO,
            "%s invites you to %s%s%s. /join %s to accept, /decline %s to refuse.", ev->from,
            ev->room, ev->reason ? ": " : "", ev->reason ? ev->reason : "", ev->room, ev->room);
    notify_message(win_console(), ev->from, "invites you to a group chat", NULL);
}

static void on_bookmarks(event_type t, const void *p, void *ud)
{
    ui_dirty(DIRTY_STATUS);
}

void room_init(void)
{
    event_subscribe(EV_MUC_ROOM, EV_STAGE_SCREEN, on_room, NULL);
    event_subscribe(EV_MUC_OCCUPANT, EV_STAGE_SCREEN, on_occupant, NULL);
    event_subscribe(EV_MUC_INVITE, EV_STAGE_SCREEN, on_invite, NULL);
    event_subscribe(EV_BOOKMARKS, EV_STAGE_SCREEN, on_bookmarks, NULL);
}

void room_deinit(void)
{
    g_clear_pointer(&expected, g_free);
}

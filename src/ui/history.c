/* history.c - windows backed by the history database: the latest page when
 * a chat opens, older pages on PgUp, search results and jump-to-context. */
#include "ui/history.h"

#include <string.h>

#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/react.h"
#include "store/readmarks.h"
#include "store/store.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "xmpp/xmpp.h"

#define PAGE 100

/* Nick shown for a message of PEER (outgoing: our localpart). */
/* Whether M was said in a room, known from the room model or, for a room
 * not joined now (after a restart, from /context), from its author: an
 * occupant of the conversation's JID ("room/nick" or "room#occupant-id"). */
static bool history_is_room(const store_msg *m)
{
    if (strchr(m->peer, '/'))
        return false;
    if (muc_room_find(m->peer))
        return true;
    size_t n = strlen(m->peer);
    return m->author && strncmp(m->author, m->peer, n) == 0 &&
           (m->author[n] == '/' || m->author[n] == '#');
}

static char *nick_for(const store_msg *m)
{
    if (strchr(m->peer, '/')) {
        /* A private conversation with a room occupant. */
        muc_room *r = NULL;
        char *bare = jid_bare_of(m->peer);
        r = bare ? muc_room_find(bare) : NULL;
        g_free(bare);
        if (m->outgoing && r && r->nick)
            return sanitize_nick(r->nick);
        if (!m->outgoing) {
            char *res = jid_resource_of(m->peer);
            char *v = sanitize_nick(res);
            g_free(res);
            return v;
        }
    } else if (history_is_room(m)) {
        /* A room: the author is the sender's nick. */
        char *res = jid_resource_of(m->sender);
        char *v = sanitize_nick(res);
        g_free(res);
        return v;
    }
    if (m->outgoing) {
        char *own = jid_short_name(nx_own_bare() ? nx_own_bare() : m->sender);
        return own ? own : g_strdup("me");
    }
    return ui_contact_name(m->peer);
}

win_line *history_line(const store_msg *m)
{
    bool action = m->body && g_str_has_prefix(m->body, "/me ");
    line_kind k = m->outgoing ? (action ? LINE_ACTION_OUT : LINE_MSG_OUT)
                              : (action ? LINE_ACTION_IN : LINE_MSG_IN);
    char *nick = nick_for(m);
    const char *text = m->retracted ? "(message retracted)" : (action ? m->body + 4 : m->body);
    win_line *l = win_line_new(k, nick, text ? text : "", (time_t)(m->ts / 1000));
    g_free(nick);
    l->rowid = m->rowid;
    l->id = g_strdup(m->msg_id);
    l->origin_id = g_strdup(m->origin_id);
    bool room = history_is_room(m);
    /* In rooms the author is the occupant (room/nick). */
    l->sender_bare = win_shared(room && m->author ? g_strdup(m->author) : jid_bare_of(m->sender));
    if (room) {
        l->stanza_id = g_strdup(m->stanza_id);
        l->mention = !m->outgoing && !m->retracted && m->body && room_mentions(m->peer, m->body);
    }
    l->delivered = m->receipt == STORE_RECEIPT_DELIVERED;
    l->receipt_pending = m->receipt == STORE_RECEIPT_PENDING;
    l->corrected = m->corrected;
    l->retracted = m->retracted;
    /* The mark as it was when the message came, not as trust is now. */
    if (m->encryption == STORE_ENC_OMEMO)
        l->e2e = m->trust == STORE_TRUST_UNTRUSTED ? '?' : '~';
    else if (m->trust == STORE_TRUST_PLAIN)
        l->e2e = '!'; /* plain text in a chat that was encrypted */
    l->delayed = true;
    l->queued = m->queued; /* written offline, not sent yet */
    l->acked = m->server_ack == STORE_ACK_DONE;
    l->resent = m->resent;
    l->unstyled = m->unstyled;
    /* The contact displayed our messages up to its read mark (one-to-one
     * chats only: markers in rooms are not shown). */
    if (m->outgoing && !room && !strchr(m->peer, '/'))
        l->read = m->ts <= store_read_upto(m->peer);
    char *reply_id = m->rowid > 0 ? store_reply_of(m->rowid) : NULL;
    react_decorate(l, m->peer, room, reply_id);
    g_free(reply_id);
    return l;
}

static GPtrArray *to_lines(GPtrArray *msgs)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func((GDestroyNotify)win_line_free);
    for (guint i = 0; i < msgs->len; i++) {
        const store_msg *m = g_ptr_array_index(msgs, i);
        g_ptr_array_add(lines, history_line(m));
        if (!m->retracted)
            attach_append(lines, m->rowid, (time_t)(m->ts / 1000));
    }
    return lines;
}

void history_load_latest(win_t *w, long long before_rowid)
{
    if (!w->jid || !store_is_open())
        return;
    GPtrArray *msgs = store_page(w->jid, before_rowid, PAGE);
    if (!msgs)
        return;
    if (msgs->len < PAGE)
        w->history_done = true;
    GPtrArray *lines = to_lines(msgs);
    win_prepend_lines(w, lines);
    g_ptr_array_unref(lines);
    g_ptr_array_unref(msgs);
    ui_dirty(DIRTY_MAIN);
}

/* The database has nothing older: ask the server archive (once at a time). */
static void fetch_from_archive(win_t *w)
{
    if (w->archive_done || w->archive_busy || nx_state() != CONN_CONNECTED)
        return;
    /* Continue before the oldest archive id we have; without one, before
     * the oldest line's second. */
    char *before = w->archive_cursor ? g_strdup(w->archive_cursor) : store_oldest_stanza_id(w->jid);
    long long end_ms = (long long)time(NULL) * 1000;
    if (w->lines.head)
        end_ms = (long long)((win_line *)w->lines.head->data)->ts * 1000 - 1000;
    char *err = NULL;
    bool ok = nx_mam_fetch_before(w->jid, before, end_ms, PAGE / 2, &err);
    g_free(before);
    if (ok) {
        w->archive_busy = true;
        win_add(w, LINE_INFO, NULL, "Fetching older messages from the server archive...", 0, false,
                false);
    }
    g_free(err);
}

void history_archive_done(win_t *w, unsigned count, const char *error, const char *first_id,
                          bool complete)
{
    w->archive_busy = false;
    if (first_id) {
        g_free(w->archive_cursor);
        w->archive_cursor = g_strdup(first_id);
    }
    /* Drop the "Fetching..." note. */
    win_line *last = w->lines.tail ? w->lines.tail->data : NULL;
    if (last && last->kind == LINE_INFO && g_str_has_prefix(last->text, "Fetching older"))
        win_line_free(g_queue_pop_tail(&w->lines));
    if (error) {
        char *text = g_strdup_printf("Older messages not fetched: %s (PgUp tries again).", error);
        win_add(w, LINE_ERROR, NULL, text, 0, false, false);
        g_free(text);
        return;
    }
    if (count > 0) {
        /* The archive's messages are in the database now. */
        w->history_done = false;
        history_load_older(w);
    }
    if (count == 0 || complete) {
        w->archive_done = true;
        win_line *first = w->lines.head ? w->lines.head->data : NULL;
        if (!first || !g_str_has_prefix(first->text, "Beginning of the history")) {
            GPtrArray *one = g_ptr_array_new();
            g_ptr_array_add(one, win_line_new(LINE_INFO, NULL,
                                              "Beginning of the history with this contact.", 0));
            win_prepend_lines(w, one);
            g_ptr_array_unref(one);
        }
    }
}

bool history_load_older(win_t *w)
{
    if (!w->jid || !store_is_open())
        return false;
    if (w->history_done) {
        fetch_from_archive(w);
        return false;
    }
    long long oldest = 0;
    for (GList *it = w->lines.head; it; it = it->next) {
        win_line *l = it->data;
        if (l->rowid > 0) {
            oldest = l->rowid;
            break;
        }
    }
    if (!oldest) {
        w->history_done = true;
        fetch_from_archive(w);
        return false;
    }
    GPtrArray *msgs = store_page(w->jid, oldest, PAGE);
    if (!msgs)
        return false;
    bool got = msgs->len > 0;
    if (msgs->len < PAGE)
        w->history_done = true;
    GPtrArray *lines = to_lines(msgs);
    win_prepend_lines(w, lines);
    g_ptr_array_unref(lines);
    g_ptr_array_unref(msgs);
    return got;
}

void history_reattach(win_t *w)
{
    if (!w->detached)
        return;
    win_clear(w);
    history_load_latest(w, 0);
}

/* Results of the latest search, for /context typed outside a results
 * window (rowid and peer per number). */
static GPtrArray *last_results; /* store_msg* */

/* The results window of TITLE, or NULL. */
static win_t *find_search(const char *title)
{
    for (guint i = 0; i < win_count(); i++) {
        win_t *w = win_at(i);
        if (w->type == WIN_SEARCH && !g_strcmp0(w->title, title))
            return w;
    }
    return NULL;
}

bool history_search(const char *query, const char *peer, char **err)
{
    GPtrArray *res = store_is_open() ? store_search(query, peer, 200, err) : NULL;
    if (!res) {
        if (!*err)
            *err = g_strdup("no history database is open (connect an account first)");
        return false;
    }
    /* One window per query: searching again refreshes it. */
    char *title = g_strdup_printf("search: %s%s%s", query, peer ? " in " : "", peer ? peer : "");
    win_t *w = find_search(title);
    if (w)
        win_clear(w);
    else {
        w = win_open_search(title);
        w->query = sanitize_nick(query);
    }
    g_free(title);
    if (last_results)
        g_ptr_array_unref(last_results);
    last_results = g_ptr_array_ref(res);
    if (w->results)
        g_ptr_array_unref(w->results);
    w->results = res;
    /* A query that is one "phrase" shows its own quotes. */
    bool quoted = query[0] == '"';
    char *head = g_strdup_printf("%u result%s for %s%s%s%s%s (newest first; /context N shows "
                                 "one in its conversation):",
                                 res->len, res->len == 1 ? "" : "s", quoted ? "" : "\"", query,
                                 quoted ? "" : "\"", peer ? " in " : "", peer ? peer : "");
    win_add(w, LINE_INFO, NULL, head, 0, false, false);
    g_free(head);
    for (guint i = 0; i < res->len; i++) {
        store_msg *m = g_ptr_array_index(res, i);
        char *nick = nick_for(m);
        char *text = g_strdup_printf("%u. [%s] <%s> %s", i + 1, m->peer, nick,
                                     m->retracted ? "(message retracted)" : m->body);
        win_add(w, LINE_INFO, NULL, text, (time_t)(m->ts / 1000), true, false);
        g_free(text);
        g_free(nick);
    }
    ui_focus(w);
    ui_dirty(DIRTY_ALL);
    return true;
}

bool history_context(int n, char **err)
{
    /* Typed in a results window: its results; elsewhere the latest search's. */
    win_t *here = win_current();
    GPtrArray *results = here->type == WIN_SEARCH && here->results ? here->results : last_results;
    if (!results || n < 1 || (guint)n > results->len) {
        *err = g_strdup_printf("no search result %d (search first with /search TEXT)", n);
        return false;
    }
    store_msg *hit = g_ptr_array_index(results, (guint)n - 1);
    GPtrArray *msgs = store_context(hit->peer, hit->rowid, 15);
    if (!msgs) {
        *err = g_strdup("could not read the history database");
        return false;
    }
    win_t *w = history_is_room(hit) ? win_open_room(hit->peer) : win_open_chat(hit->peer);
    win_clear(w);
    GPtrArray *lines = to_lines(msgs);
    for (guint i = 0; i < lines->len; i++) {
        win_line *l = g_ptr_array_index(lines, i);
        l->highlight = l->rowid == hit->rowid;
    }
    win_prepend_lines(w, lines);
    g_ptr_array_unref(lines);
    g_ptr_array_unref(msgs);
    w->detached = true; /* PgDn at the bottom goes back to the latest messages */
    ui_focus(w);
    ui_dirty(DIRTY_ALL);
    return true;
}

void history_deinit(void)
{
    if (last_results)
        g_ptr_array_unref(last_results);
    last_results = NULL;
}

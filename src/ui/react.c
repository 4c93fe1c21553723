/* react.c - replies and reactions on screen: the one-row quote above a
 * reply (what it answers, found in the history, or "message not
 * available"), and the reactions under a message as counts ("👍 2  ❤ 1"),
 * updated in place when someone's set changes; quotes follow the message
 * they quote (it arrives later, is corrected or retracted). Everything from the
 * network passes the sanitiser; the screen measures emoji with the
 * terminal's widths (textwidth.c). */
#include <string.h>

#include "model/jid.h"
#include "model/muc.h"
#include "store/react.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "xmpp/xmpp.h"

#define QUOTE_CHARS 60   /* characters of the answered message in the quote */
#define WAITING_MAX 1024 /* replies to unknown messages remembered at most */

/* Replies shown with "message not available", by "PEER\nID" of the message
 * they answer: when it comes, they are quoted again (the common case of a
 * catch-up that brings a reply before what it answers). Bounded: past
 * WAITING_MAX the oldest knowledge is dropped and those quotes stay. */
static GHashTable *waiting;

static void wait_for(const char *peer, const char *id)
{
    if (!waiting)
        waiting = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (g_hash_table_size(waiting) >= WAITING_MAX)
        g_hash_table_remove_all(waiting);
    g_hash_table_add(waiting, g_strdup_printf("%s\n%s", peer, id));
}

/* True (once) when replies in PEER wait for the message ID. */
static bool waited_for(const char *peer, const char *id)
{
    if (!waiting || !id || g_hash_table_size(waiting) == 0)
        return false;
    char *key = g_strdup_printf("%s\n%s", peer, id);
    bool found = g_hash_table_remove(waiting, key);
    g_free(key);
    return found;
}

/* Who wrote M, as the quote names them (g_free). */
static char *author_of(const store_msg *m, bool room)
{
    if (room || (!m->outgoing && strchr(m->peer, '/'))) {
        char *res = jid_resource_of(room ? m->sender : m->peer);
        char *v = sanitize_nick(res ? res : "?");
        g_free(res);
        return v;
    }
    if (m->outgoing) {
        char *own = jid_short_name(nx_own_bare() ? nx_own_bare() : m->sender);
        return own ? own : g_strdup("me");
    }
    return ui_contact_name(m->peer);
}

/* The quote row of a reply to ID in PEER (g_free, sanitised). */
static char *quote_for(const char *peer, bool room, const char *id)
{
    store_msg *m = store_is_open() ? store_find_by_id(peer, id, room) : NULL;
    if (!m) {
        wait_for(peer, id);
        return g_strdup("> (message not available)");
    }
    char *who = author_of(m, room);
    const char *body = m->retracted ? "(message retracted)" : (m->body ? m->body : "");
    if (g_str_has_prefix(body, "/me "))
        body += 4;
    /* The first line, cut to QUOTE_CHARS characters. */
    size_t n = strcspn(body, "\n");
    glong chars = g_utf8_strlen(body, (gssize)n);
    if (chars > QUOTE_CHARS)
        n = (size_t)(g_utf8_offset_to_pointer(body, QUOTE_CHARS) - body);
    char *first = g_strndup(body, n);
    bool cut = chars > QUOTE_CHARS || body[strcspn(body, "\n")] != '\0';
    char *safe = sanitize_text(first, -1, SANITIZE_EXPAND_TAB);
    char *q = g_strdup_printf("> %s: %s%s", who, safe, cut ? "\u2026" : "");
    g_free(safe);
    g_free(first);
    g_free(who);
    store_msg_free(m);
    return q;
}

/* "👍 2  ❤ 1" for REACTIONS (store_reaction*): each emoji and how many gave
 * it, sanitised; NULL when none. */
static char *summary_of(GPtrArray *reactions)
{
    GPtrArray *emojis = g_ptr_array_new(); /* borrowed, first seen first */
    GArray *counts = g_array_new(FALSE, TRUE, sizeof(unsigned));
    for (guint i = 0; i < reactions->len; i++) {
        store_reaction *r = g_ptr_array_index(reactions, i);
        for (guint k = 0; k < r->emojis->len; k++) {
            const char *e = g_ptr_array_index(r->emojis, k);
            guint at = 0;
            while (at < emojis->len && strcmp(g_ptr_array_index(emojis, at), e) != 0)
                at++;
            if (at == emojis->len) {
                g_ptr_array_add(emojis, (gpointer)e);
                unsigned zero = 0;
                g_array_append_val(counts, zero);
            }
            g_array_index(counts, unsigned, at)++;
        }
    }
    /* The most given first; ties in a fixed order, so that the row looks
     * the same after a restart whatever order the sets came in. */
    for (guint i = 1; i < emojis->len; i++) {
        for (guint k = i; k > 0; k--) {
            unsigned ca = g_array_index(counts, unsigned, k - 1),
                     cb = g_array_index(counts, unsigned, k);
            const char *ea = g_ptr_array_index(emojis, k - 1), *eb = g_ptr_array_index(emojis, k);
            if (ca > cb || (ca == cb && strcmp(ea, eb) <= 0))
                break;
            emojis->pdata[k - 1] = (gpointer)eb;
            emojis->pdata[k] = (gpointer)ea;
            g_array_index(counts, unsigned, k - 1) = cb;
            g_array_index(counts, unsigned, k) = ca;
        }
    }
    char *out = NULL;
    if (emojis->len) {
        GString *s = g_string_new(NULL);
        for (guint i = 0; i < emojis->len; i++)
            g_string_append_printf(s, "%s%s %u", i ? "  " : "",
                                   (const char *)g_ptr_array_index(emojis, i),
                                   g_array_index(counts, unsigned, i));
        out = sanitize_text(s->str, -1, SANITIZE_EXPAND_TAB);
        g_string_free(s, TRUE);
    }
    g_ptr_array_unref(emojis);
    g_array_unref(counts);
    return out;
}

/* Fill in the reactions of L from the history. */
static void refresh_reactions(win_line *l, const char *peer, bool room)
{
    g_clear_pointer(&l->reactions, g_free);
    if (!store_is_open() || !peer || l->retracted)
        return;
    const char *ids[] = {room ? l->stanza_id : l->origin_id, room ? NULL : l->id};
    GPtrArray *r = store_reactions_of(peer, ids, G_N_ELEMENTS(ids));
    l->reactions = summary_of(r);
    g_ptr_array_unref(r);
}

void react_decorate(win_line *l, const char *peer, bool room, const char *reply_id)
{
    if (!peer)
        return;
    if (reply_id && *reply_id) {
        g_free(l->reply_id);
        l->reply_id = g_strdup(reply_id);
        g_free(l->quote);
        l->quote = quote_for(peer, room, reply_id);
    }
    refresh_reactions(l, peer, room);
}

/* Someone's reactions changed: redraw the counts under their message. */
static void on_reaction(event_type t, const void *p, void *ud)
{
    const ev_reaction *ev = p;
    if (ev->result && ev->result->rejected)
        return;
    win_t *w = win_find(ev->peer);
    if (!w)
        return;
    bool room = w->type == WIN_ROOM;
    bool changed = false;
    /* Every line of that message (history and live lines may both show it). */
    for (GList *it = w->lines.tail; it; it = it->prev) {
        win_line *l = it->data;
        bool named = room ? !g_strcmp0(l->stanza_id, ev->target)
                          : (!g_strcmp0(l->id, ev->target) || !g_strcmp0(l->origin_id, ev->target));
        if (!named)
            continue;
        refresh_reactions(l, ev->peer, room);
        changed = true;
    }
    if (changed) {
        win_touch();
        if (w == win_current())
            ui_dirty(DIRTY_MAIN);
    }
}

/* Quote again, from the history, the replies in the window of PEER that
 * answer ID (NULL: every reply there). */
static void requote(const char *peer, const char *id)
{
    win_t *w = win_find(peer);
    if (!w)
        return;
    bool changed = false;
    for (GList *it = w->lines.head; it; it = it->next) {
        win_line *l = it->data;
        if (!l->reply_id || (id && strcmp(l->reply_id, id) != 0))
            continue;
        g_free(l->quote);
        l->quote = quote_for(peer, w->type == WIN_ROOM, l->reply_id);
        changed = true;
    }
    if (changed) {
        win_touch();
        if (w == win_current())
            ui_dirty(DIRTY_MAIN);
    }
}

/* A message that replies shown earlier answer has come: quote it. */
static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if ((ev->result && ev->result->duplicate) || ev->backfill)
        return;
    if (ev->groupchat) {
        if (waited_for(ev->peer, ev->stanza_id))
            requote(ev->peer, ev->stanza_id);
        return;
    }
    if (waited_for(ev->peer, ev->id))
        requote(ev->peer, ev->id);
    if (g_strcmp0(ev->origin_id, ev->id) && waited_for(ev->peer, ev->origin_id))
        requote(ev->peer, ev->origin_id);
}

/* A message was corrected or retracted: the quotes of replies to it say so
 * (a retracted text must not stay on screen in a quote). The id they name
 * may differ from the one the edit names (rooms), so all are quoted again;
 * edits are rare. */
static void on_edit(event_type t, const void *p, void *ud)
{
    const ev_result *res = t == EV_CORRECTION ? ((const ev_correction *)p)->result
                                              : ((const ev_retraction *)p)->result;
    const char *peer =
        t == EV_CORRECTION ? ((const ev_correction *)p)->peer : ((const ev_retraction *)p)->peer;
    if (res && res->rejected)
        return;
    requote(peer, NULL);
}

void react_ui_init(void)
{
    event_subscribe(EV_REACTION, EV_STAGE_SCREEN, on_reaction, NULL);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, on_message, NULL);
    event_subscribe(EV_CORRECTION, EV_STAGE_SCREEN, on_edit, NULL);
    event_subscribe(EV_RETRACTION, EV_STAGE_SCREEN, on_edit, NULL);
}

void react_ui_deinit(void)
{
    event_unsubscribe(EV_REACTION, on_reaction, NULL);
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_CORRECTION, on_edit, NULL);
    event_unsubscribe(EV_RETRACTION, on_edit, NULL);
    g_clear_pointer(&waiting, g_hash_table_destroy);
}

/* react.c - replies and reactions on screen: the one-row quote above a
 * reply (what it answers, found in the history, or "message not
 * available"), and the reactions under a message as counts ("👍 2  ❤ 1"),
 * updated in place when someone's set changes. Everything from the
 * network passes the sanitiser; the screen measures emoji with the
 * terminal's widths (textwidth.c). */
#include <string.h>

#include "model/jid.h"
#include "model/muc.h"
#include "store/react.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "xmpp/xmpp.h"

#define QUOTE_CHARS 60 /* characters of the answered message in the quote */

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
    if (!m)
        return g_strdup("> (message not available)");
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

void react_ui_init(void)
{
    event_subscribe(EV_REACTION, EV_STAGE_SCREEN, on_reaction, NULL);
}

void react_ui_deinit(void)
{
    event_unsubscribe(EV_REACTION, on_reaction, NULL);
}

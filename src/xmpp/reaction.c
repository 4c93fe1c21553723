/* reaction.c - message reactions (XEP-0444) on the wire: reading an
 * incoming <reactions/> into one EV_REACTION (the sender's whole set for a
 * message), sending our own set, and the restrictions a room advertises
 * (a form of type urn:xmpp:reactions:0:restrictions in its disco#info:
 * how many reactions a user may put on a message, which emojis).
 *
 * Who reacts is decided by the callers, which checked the sender: in a
 * one-to-one chat the conversation is the sender's bare JID, so a reaction
 * only ever counts in the sender's own conversation (never on a message of
 * another); in rooms the reactor is the occupant (its occupant id when the
 * room vouches for one). */
#include "xmpp/internal.h"

#include <string.h>

#include "model/jid.h"

#define NS_RESTRICTIONS "urn:xmpp:reactions:0:restrictions"
#define MAX_TARGET 256 /* longer ids are not ids any client sends */

typedef struct {
    unsigned max_per_user; /* 0: no limit */
    GPtrArray *allowlist;  /* char*, NULL: any emoji */
} room_rules;

static GHashTable *rules; /* room JID -> room_rules* */

/* Our reactions sent in one-to-one chats lately, to take one back when it
 * bounces (XEP-0444 4.3: the sender reverts to the previous state). */
typedef struct {
    char *id, *peer, *target;
    GPtrArray *before; /* char*: our set before it */
} sent_reaction;

#define SENT_KEEP 32
static GQueue sent = G_QUEUE_INIT;

static void sent_free(gpointer p)
{
    sent_reaction *s = p;
    g_free(s->id);
    g_free(s->peer);
    g_free(s->target);
    g_ptr_array_unref(s->before);
    g_free(s);
}

static void rules_free(gpointer p)
{
    room_rules *r = p;
    if (r->allowlist)
        g_ptr_array_unref(r->allowlist);
    g_free(r);
}

/* A reaction's text, trimmed, or NULL when it is no reaction: empty,
 * longer than NX_REACTION_MAX bytes, not UTF-8, or holding spaces, line
 * breaks, controls or format characters (g_free). */
static char *reaction_text(const char *raw)
{
    if (!raw || !g_utf8_validate(raw, -1, NULL))
        return NULL;
    char *t = g_strstrip(g_strdup(raw));
    bool ok = *t && strlen(t) <= NX_REACTION_MAX;
    for (const char *p = t; ok && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        /* ZWJ and variation selectors belong in emoji sequences. */
        if (c == 0x200d || (c >= 0xfe00 && c <= 0xfe0f))
            continue;
        GUnicodeType k = g_unichar_type(c);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || k == G_UNICODE_CONTROL ||
            k == G_UNICODE_FORMAT || k == G_UNICODE_LINE_SEPARATOR ||
            k == G_UNICODE_PARAGRAPH_SEPARATOR || k == G_UNICODE_SPACE_SEPARATOR ||
            k == G_UNICODE_UNASSIGNED || k == G_UNICODE_SURROGATE)
            ok = false;
    }
    if (!ok) {
        g_free(t);
        return NULL;
    }
    return t;
}

bool nx_reaction_valid(const char *emoji)
{
    char *t = reaction_text(emoji);
    bool ok = t && !strcmp(t, emoji);
    g_free(t);
    return ok;
}

bool nx_reaction_handle(xmpp_stanza_t *st, const char *peer, const char *from, bool outgoing,
                        bool groupchat, const char *occupant_id, time_t ts, bool archive)
{
    xmpp_stanza_t *rx = nx_child(st, "reactions", NS_REACTIONS);
    if (!rx)
        return false;
    const char *target = xmpp_stanza_get_attribute(rx, "id");
    if (!target || !*target || strlen(target) > MAX_TARGET || !g_utf8_validate(target, -1, NULL))
        return true; /* names no message: nothing to apply */
    GPtrArray *set = g_ptr_array_new_with_free_func(g_free);
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(rx); c && set->len < NX_REACTIONS_MAX;
         c = xmpp_stanza_get_next(c)) {
        if (!xmpp_stanza_is_tag(c) || g_strcmp0(xmpp_stanza_get_name(c), "reaction"))
            continue;
        char *raw = xmpp_stanza_get_text(c);
        char *t = reaction_text(raw);
        xmpp_free(nx_ctx(), raw);
        bool seen = false;
        for (guint i = 0; t && i < set->len && !seen; i++)
            seen = !strcmp(g_ptr_array_index(set, i), t);
        if (t && !seen)
            g_ptr_array_add(set, t); /* a duplicate counts once (XEP-0444 5) */
        else
            g_free(t);
    }
    ev_result res = {0};
    ev_reaction ev = {.peer = peer,
                      .from = from,
                      .outgoing = outgoing,
                      .groupchat = groupchat,
                      .occupant_id = occupant_id,
                      .target = target,
                      .emojis = (const char *const *)set->pdata,
                      .n = set->len,
                      .timestamp = ts,
                      .from_archive = archive,
                      .result = &res};
    event_emit(EV_REACTION, &ev);
    g_ptr_array_unref(set);
    return true;
}

/* The values of the field VAR of FORM (char*, new array). */
static GPtrArray *field_values(xmpp_stanza_t *form, const char *var)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(form); f; f = xmpp_stanza_get_next(f)) {
        if (!xmpp_stanza_is_tag(f) || g_strcmp0(xmpp_stanza_get_name(f), "field") ||
            g_strcmp0(xmpp_stanza_get_attribute(f, "var"), var))
            continue;
        for (xmpp_stanza_t *v = xmpp_stanza_get_children(f); v; v = xmpp_stanza_get_next(v)) {
            if (!xmpp_stanza_is_tag(v) || g_strcmp0(xmpp_stanza_get_name(v), "value"))
                continue;
            char *raw = xmpp_stanza_get_text(v);
            char *t = reaction_text(raw);
            xmpp_free(nx_ctx(), raw);
            if (t && a->len < 256)
                g_ptr_array_add(a, t);
            else
                g_free(t);
        }
    }
    return a;
}

void nx_reaction_room_info(const char *room, xmpp_stanza_t *query)
{
    if (!rules)
        rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rules_free);
    g_hash_table_remove(rules, room);
    for (xmpp_stanza_t *x = xmpp_stanza_get_children(query); x; x = xmpp_stanza_get_next(x)) {
        if (!xmpp_stanza_is_tag(x) || g_strcmp0(xmpp_stanza_get_name(x), "x") ||
            g_strcmp0(xmpp_stanza_get_ns(x), NS_DATA))
            continue;
        GPtrArray *type = field_values(x, "FORM_TYPE");
        bool ours = type->len == 1 && !strcmp(g_ptr_array_index(type, 0), NS_RESTRICTIONS);
        g_ptr_array_unref(type);
        if (!ours)
            continue;
        room_rules *r = g_new0(room_rules, 1);
        GPtrArray *max = field_values(x, "max_reactions_per_user");
        if (max->len == 1) {
            guint64 v = 0;
            if (g_ascii_string_to_unsigned(g_ptr_array_index(max, 0), 10, 1, 1000, &v, NULL))
                r->max_per_user = (unsigned)v;
        }
        g_ptr_array_unref(max);
        GPtrArray *allow = field_values(x, "allowlist");
        if (allow->len)
            r->allowlist = allow;
        else
            g_ptr_array_unref(allow);
        g_hash_table_replace(rules, g_strdup(room), r);
        return;
    }
}

bool nx_reactions_allowed(const char *room, const char *const *emojis, unsigned n, char **err)
{
    room_rules *r = rules && room ? g_hash_table_lookup(rules, room) : NULL;
    if (!r)
        return true;
    if (r->max_per_user && n > r->max_per_user) {
        *err = g_strdup_printf("this room allows %u reaction%s per message; remove one first",
                               r->max_per_user, r->max_per_user == 1 ? "" : "s");
        return false;
    }
    for (unsigned i = 0; r->allowlist && i < n; i++) {
        bool found = false;
        for (guint k = 0; k < r->allowlist->len && !found; k++)
            found = !strcmp(g_ptr_array_index(r->allowlist, k), emojis[i]);
        if (!found) {
            GString *list = g_string_new(NULL);
            for (guint k = 0; k < r->allowlist->len; k++)
                g_string_append_printf(list, "%s%s", k ? " " : "",
                                       (char *)g_ptr_array_index(r->allowlist, k));
            *err = g_strdup_printf("this room allows only these reactions: %s", list->str);
            g_string_free(list, TRUE);
            return false;
        }
    }
    return true;
}

bool nx_send_reactions(const char *to, const char *target, const char *const *emojis, unsigned n,
                       const char *const *before, unsigned n_before, char **err)
{
    xmpp_conn_t *c = nx_conn();
    jid_t *j = to ? jid_new(to) : NULL;
    if (!j) {
        *err = g_strdup_printf("'%s' is not a valid JID", to ? to : "");
        return false;
    }
    muc_room *room = muc_room_find(j->bare);
    bool groupchat = room && !j->resource;
    bool ok = false;
    if (!c) {
        *err = g_strdup("not connected; reactions are not queued");
    } else if (room && room->state != MUC_STATE_JOINED) {
        *err = g_strdup_printf("you are not in %s (/join %s)", room->jid, room->jid);
    } else if (!target || !*target) {
        *err = g_strdup("the message has no id to react to");
    } else if (groupchat && !nx_reactions_allowed(room->jid, emojis, n, err)) {
        ;
    } else {
        ok = true;
    }
    for (unsigned i = 0; ok && i < n; i++) {
        if (!nx_reaction_valid(emojis[i])) {
            *err = g_strdup_printf("'%s' is not a reaction (one emoji, no spaces)", emojis[i]);
            ok = false;
        }
    }
    if (!ok) {
        jid_free(j);
        return false;
    }
    char *id = nx_new_id();
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), groupchat ? "groupchat" : "chat", j->full, id);
    if (room && j->resource)
        nx_add_child(m, "x", NS_MUC_USER);
    xmpp_stanza_t *rx = nx_add_child(m, "reactions", NS_REACTIONS);
    xmpp_stanza_set_attribute(rx, "id", target);
    for (unsigned i = 0; i < n; i++)
        xmpp_stanza_add_child_ex(rx, nx_text_element("reaction", emojis[i]), 0);
    nx_add_child(m, "store", "urn:xmpp:hints");
    xmpp_stanza_set_attribute(nx_add_child(m, "origin-id", NS_SID), "id", id);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
    if (!groupchat) {
        /* Rooms reflect it back (then it counts, as for everyone); here it
         * counts now, and is taken back if it bounces. */
        sent_reaction *s = g_new0(sent_reaction, 1);
        s->id = g_strdup(id);
        s->peer = g_strdup(room ? j->full : j->bare);
        s->target = g_strdup(target);
        s->before = g_ptr_array_new_with_free_func(g_free);
        for (unsigned i = 0; i < n_before; i++)
            g_ptr_array_add(s->before, g_strdup(before[i]));
        g_queue_push_tail(&sent, s);
        while (g_queue_get_length(&sent) > SENT_KEEP)
            sent_free(g_queue_pop_head(&sent));
        ev_result res = {0};
        ev_reaction ev = {.peer = room ? j->full : j->bare,
                          .from = nx_own_full() ? nx_own_full() : nx_own_bare(),
                          .outgoing = true,
                          .target = target,
                          .emojis = emojis,
                          .n = n,
                          .timestamp = time(NULL),
                          .result = &res};
        event_emit(EV_REACTION, &ev);
    }
    g_free(id);
    jid_free(j);
    return true;
}

bool nx_reaction_bounced(xmpp_stanza_t *st, const char *peer, const char *id)
{
    GList *it = sent.head;
    while (it && !(id && !strcmp(((sent_reaction *)it->data)->id, id) &&
                   !strcmp(((sent_reaction *)it->data)->peer, peer)))
        it = it->next;
    if (!it)
        return false;
    sent_reaction *s = it->data;
    g_queue_delete_link(&sent, it);
    char *why = nx_error_text(st);
    event_log(LOG_ERROR, s->peer, "Your reaction was refused (%s); it was taken back.", why);
    g_free(why);
    ev_result res = {0};
    ev_reaction ev = {.peer = s->peer,
                      .from = nx_own_full() ? nx_own_full() : nx_own_bare(),
                      .outgoing = true,
                      .target = s->target,
                      .emojis = (const char *const *)s->before->pdata,
                      .n = s->before->len,
                      .timestamp = time(NULL),
                      .result = &res};
    event_emit(EV_REACTION, &ev);
    sent_free(s);
    return true;
}

void nx_reaction_deinit(void)
{
    g_clear_pointer(&rules, g_hash_table_destroy);
    g_queue_clear_full(&sent, sent_free);
}

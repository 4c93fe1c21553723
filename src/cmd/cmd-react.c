/* cmd-react.c - /reply, /react and /reactions: answering a message
 * (XEP-0461) and reacting to one (XEP-0444).
 *
 * A message is named the same way by all three, so that scripts and the
 * message selection can fill the number in:
 *   N      the Nth newest message of the conversation (1: the newest),
 *          counted in the history, so it works after /clear and a restart;
 *   #ROW   the message's history row, which never changes (what a script
 *          or the selection keeps);
 *   ID     anything else: the message's id (in rooms the room's stanza-id,
 *          elsewhere its id or origin-id).
 * Targets come from the history (store/react.h), never from the lines on
 * screen, as /correct and /retract do. */
#include <stdlib.h>
#include <string.h>

#include "cmd/internal.h"
#include "e2e/e2e.h"
#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/react.h"
#include "store/store.h"
#include "ui/sanitize.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

#define QUOTE_MAX 200 /* characters of the answered message quoted in the fallback */

/* True when JID is a room's window (not a private chat with an occupant). */
static bool is_room(const char *jid)
{
    return !strchr(jid, '/') && muc_room_find(jid) != NULL;
}

/* True when S is 1 to 9 decimal digits. */
static bool all_digits(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 9 && s[n] == '\0';
}

store_msg *cmd_find_message(const char *jid, const char *what, char **why)
{
    store_msg *m = NULL;
    if (all_digits(what))
        m = store_nth_newest(jid, atoi(what));
    else if (what[0] == '#' && all_digits(what + 1))
        m = store_get_row(jid, g_ascii_strtoll(what + 1, NULL, 10));
    else
        m = store_find_by_id(jid, what, is_room(jid));
    if (!m)
        *why = g_strdup_printf("No message %s in this window (N: 1 is the newest message, #ROW, "
                               "or an id).",
                               what);
    return m;
}

/* The message WHAT names in the conversation JID (see the top of the file),
 * or NULL after cmd_fail (store_msg_free). */
static store_msg *find_target(const char *jid, const char *what, const char *cmd)
{
    if (!store_is_open()) {
        cmd_fail("/%s needs the history, which is not open.", cmd);
        return NULL;
    }
    char *why = NULL;
    store_msg *m = cmd_find_message(jid, what, &why);
    if (!m)
        cmd_fail("%s", why);
    g_free(why);
    return m;
}

/* The id that names M on the wire (g_free'd by nobody: borrowed from M):
 * in rooms the room's stanza-id, else its origin-id, else its id. */
static const char *wire_id(const store_msg *m, bool room)
{
    if (room)
        return m->stanza_id;
    return m->origin_id ? m->origin_id : m->msg_id;
}

/* The fallback quote of M for clients without replies: "> " before each
 * line, at most QUOTE_MAX characters, and a line break (g_free). */
static char *fallback_quote(const store_msg *m)
{
    const char *body = m->body ? m->body : "";
    glong chars = g_utf8_strlen(body, -1);
    char *text =
        chars > QUOTE_MAX
            ? g_strdup_printf("%.*s\u2026", (int)(g_utf8_offset_to_pointer(body, QUOTE_MAX) - body),
                              body)
            : g_strdup(body);
    GString *q = g_string_new(NULL);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        g_string_append_printf(q, "> %s\n", *l);
    g_strfreev(lines);
    g_free(text);
    return g_string_free(q, FALSE);
}

bool cmd_reply_of(const char *jid, int64_t rowid, char **reply_id, char **reply_to, char **quote)
{
    *reply_id = rowid > 0 ? store_reply_of(rowid) : NULL;
    *reply_to = *quote = NULL;
    if (!*reply_id)
        return false;
    bool room = is_room(jid);
    store_msg *t = store_find_by_id(jid, *reply_id, room);
    if (t) {
        const char *to = t->outgoing && !room ? nx_own_bare() : t->sender;
        *reply_to = g_strdup(to);
        *quote = fallback_quote(t);
        store_msg_free(t);
    }
    return true;
}

static cmd_result cmd_reply(char **argv, int argc, const char *jid)
{
    if (!jid)
        return cmd_fail("/reply works in a chat or room window.");
    if (argc < 2 || !*argv[1])
        return cmd_fail("Usage: /reply N TEXT (N: 1 is the newest message, #ROW, or an id)");
    store_msg *m = find_target(jid, argv[0], "reply");
    if (!m)
        return CMD_ERROR;
    bool room = is_room(jid);
    const char *id = wire_id(m, room);
    cmd_result result = CMD_OK;
    char *err = NULL;
    if (m->retracted) {
        result = cmd_fail("That message was retracted.");
    } else if (!id) {
        result = cmd_fail(room ? "The room gave that message no id: it cannot be replied to."
                               : "That message has no id: it cannot be replied to.");
    } else {
        char *quote = fallback_quote(m);
        /* The author as XEP-0461 names them: their full JID (room/nick). */
        const char *to = m->outgoing && !room ? nx_own_bare() : m->sender;
        /* An encrypted chat replies encrypted: the quote only inside. */
        if (e2e_chat_enabled(jid)) {
            if (!e2e_send_reply(jid, argv[1], NULL, id, to, quote, &err))
                result = cmd_fail_err("Not sent (OMEMO)", err);
        } else if (!nx_send_reply(jid, id, to, quote, argv[1], &err)) {
            result = cmd_fail_err("Not sent", err);
        }
        g_free(quote);
    }
    store_msg_free(m);
    return result;
}

/* Who we are as a reactor in the conversation JID, as the store keeps it
 * (g_free), or NULL when unknown (not in the room). */
static char *own_reactor(const char *jid, bool room)
{
    if (!room)
        return nx_own_bare() ? g_strdup(nx_own_bare()) : NULL;
    muc_room *r = muc_room_find(jid);
    if (!r || !r->nick)
        return NULL;
    muc_occupant *o = muc_occupant_find(r, r->nick);
    char *from = g_strdup_printf("%s/%s", r->jid, r->nick);
    char *key = muc_author_key(r->jid, from, r->has_occupant_id && o ? o->occupant_id : NULL);
    g_free(from);
    return key;
}

/* True when TEXT has an ASCII letter: a word or a :shortcode:, which no
 * emoji contains (keycaps hold digits, # and *, flags hold tag letters). */
static bool has_latin_letter(const char *text)
{
    for (const char *p = text; *p; p++)
        if (g_ascii_isalpha(*p))
            return true;
    return false;
}

static cmd_result cmd_react(char **argv, int argc, const char *jid)
{
    if (!jid)
        return cmd_fail("/react works in a chat or room window.");
    bool plain = argc >= 1 && !strcmp(argv[0], "-plain");
    if (plain) {
        argv++;
        argc--;
    }
    if (argc > 2)
        return cmd_fail_extra("react", "[-plain] N EMOJI");
    if (argc < 2 || !*argv[1])
        return cmd_fail("Usage: /react [-plain] N EMOJI (again to take it back)");
    if (has_latin_letter(argv[1]))
        return cmd_fail("'%s' is not a reaction: type the emoji itself, not its name.", argv[1]);
    if (!nx_reaction_valid(argv[1]))
        return cmd_fail("'%s' is not a reaction: one emoji (at most %d bytes, no spaces).", argv[1],
                        NX_REACTION_MAX);
    /* OMEMO encrypts a message's text only: a reaction would go out in
     * clear in a chat the user expects to be private. */
    if (!plain && e2e_chat_enabled(jid))
        return cmd_fail("Reactions cannot be encrypted (OMEMO encrypts only a message's text): "
                        "the server would see the emoji. /react -plain %s %s sends it anyway.",
                        argv[0], argv[1]);
    store_msg *m = find_target(jid, argv[0], "react");
    if (!m)
        return CMD_ERROR;
    bool room = is_room(jid);
    const char *id = wire_id(m, room);
    char *me = own_reactor(jid, room);
    cmd_result result = CMD_OK;
    if (m->retracted) {
        result = cmd_fail("That message was retracted.");
    } else if (!id) {
        result = cmd_fail(room ? "The room gave that message no id: it cannot be reacted to."
                               : "That message has no id: it cannot be reacted to.");
    } else if (!me) {
        result = cmd_fail("You are not in %s (/join %s).", jid, jid);
    } else {
        /* Our set now, with EMOJI added, or taken out when it was there. */
        GPtrArray *all = store_reactions_of_msg(m, room);
        GPtrArray *set = g_ptr_array_new(), *before = g_ptr_array_new();
        bool removed = false;
        for (guint i = 0; i < all->len; i++) {
            store_reaction *r = g_ptr_array_index(all, i);
            if (strcmp(r->reactor, me) != 0)
                continue;
            for (guint k = 0; k < r->emojis->len; k++) {
                char *e = g_ptr_array_index(r->emojis, k);
                g_ptr_array_add(before, e);
                if (!strcmp(e, argv[1]))
                    removed = true;
                else
                    g_ptr_array_add(set, e);
            }
        }
        if (!removed)
            g_ptr_array_add(set, argv[1]);
        char *err = NULL;
        if (set->len > NX_REACTIONS_MAX)
            result = cmd_fail("At most %d reactions on one message.", NX_REACTIONS_MAX);
        else if (!nx_send_reactions(jid, id, (const char *const *)set->pdata, set->len,
                                    (const char *const *)before->pdata, before->len, &err))
            result = cmd_fail_err("Not sent", err);
        g_ptr_array_unref(set);
        g_ptr_array_unref(before);
        g_ptr_array_unref(all);
    }
    g_free(me);
    store_msg_free(m);
    return result;
}

/* How a reactor is named in the conversation JID (g_free; nicks made
 * safe to tell apart, the line is sanitised when shown). */
static char *reactor_name(const char *jid, bool room, const char *reactor, const char *me)
{
    if (me && !strcmp(reactor, me))
        return g_strdup("you");
    if (!room)
        return roster_display_name(reactor);
    size_t n = strlen(jid);
    if (!strncmp(reactor, jid, n) && reactor[n] == '/')
        return sanitize_nick(reactor + n + 1);
    if (!strncmp(reactor, jid, n) && reactor[n] == '#') {
        /* An occupant id: whoever has it now. */
        muc_room *r = muc_room_find(jid);
        GHashTableIter it;
        gpointer k, v;
        if (r)
            g_hash_table_iter_init(&it, r->occupants);
        while (r && g_hash_table_iter_next(&it, &k, &v)) {
            muc_occupant *o = v;
            if (o->occupant_id && !strcmp(o->occupant_id, reactor + n + 1))
                return sanitize_nick(o->nick);
        }
        return g_strdup("(someone who left)");
    }
    return g_strdup(reactor);
}

static void string_free(gpointer s)
{
    g_string_free(s, TRUE);
}

static cmd_result cmd_reactions(char **argv, int argc, const char *jid)
{
    if (!jid)
        return cmd_fail("/reactions works in a chat or room window.");
    store_msg *m = find_target(jid, argc > 0 ? argv[0] : "1", "reactions");
    if (!m)
        return CMD_ERROR;
    bool room = is_room(jid);
    char *me = own_reactor(jid, room);
    GPtrArray *all = store_reactions_of_msg(m, room);
    /* Per emoji, in the order first given: who. */
    GPtrArray *emojis = g_ptr_array_new();
    GPtrArray *who = g_ptr_array_new_with_free_func(string_free);
    for (guint i = 0; i < all->len; i++) {
        store_reaction *r = g_ptr_array_index(all, i);
        char *name = reactor_name(jid, room, r->reactor, me);
        for (guint k = 0; k < r->emojis->len; k++) {
            const char *e = g_ptr_array_index(r->emojis, k);
            guint at = 0;
            while (at < emojis->len && strcmp(g_ptr_array_index(emojis, at), e) != 0)
                at++;
            if (at == emojis->len) {
                g_ptr_array_add(emojis, (gpointer)e);
                g_ptr_array_add(who, g_string_new(NULL));
            }
            GString *s = g_ptr_array_index(who, at);
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", name);
        }
        g_free(name);
    }
    char *first = g_strndup(m->body ? m->body : "", strcspn(m->body ? m->body : "", "\n"));
    if (emojis->len == 0)
        ui_info("No reactions on #%lld (%s).", (long long)m->rowid, first);
    else
        ui_info("Reactions on #%lld (%s):", (long long)m->rowid, first);
    for (guint i = 0; i < emojis->len; i++)
        ui_info("  %s %s", (const char *)g_ptr_array_index(emojis, i),
                ((GString *)g_ptr_array_index(who, i))->str);
    g_free(first);
    g_ptr_array_unref(who);
    g_ptr_array_unref(emojis);
    g_ptr_array_unref(all);
    g_free(me);
    store_msg_free(m);
    return CMD_OK;
}

static const cmd_def defs[] = {
    {
        .name = "reply",
        .args = "N TEXT",
        .summary = "Reply to message N of this window (XEP-0461)",
        .help = "N is 1 for the newest message of the conversation, 2 for the one before, and\n"
                "so on (counted in the history, so it works after /clear); #ROW names a\n"
                "message by its history row (/reactions shows it), anything else is a\n"
                "message id (in rooms the room's id). The reply shows the message it answers;\n"
                "clients without replies see it quoted with \"> \" before your text. In an\n"
                "encrypted chat the quote and text are encrypted (the id it answers is not).",
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "chat",
        .example = "/reply 2 yes, six is fine",
        .run = cmd_reply,
    },
    {
        .name = "react",
        .args = "[-plain] N EMOJI",
        .summary = "React to message N of this window with EMOJI, or take it back (XEP-0444)",
        .help = "N as for /reply. The same EMOJI again removes your reaction. Reactions show\n"
                "under the message as counts; a room may limit how many and which emojis\n"
                "(natter says so before sending). Only while connected.\n"
                "OMEMO cannot encrypt reactions: in an encrypted chat /react refuses, and\n"
                "-plain sends the reaction unencrypted all the same (the server sees it).",
        .max_words = 3,
        .topic = "chat",
        .example = "/react 1 \U0001F44D",
        .run = cmd_react,
    },
    {
        .name = "reactions",
        .args = "[N]",
        .summary = "List who reacted to message N (default 1, the newest) with what",
        .help = "N as for /reply. Also shows the message's #ROW.",
        .max_words = 1,
        .topic = "chat",
        .example = "/reactions 3",
        .run = cmd_reactions,
    },
};

void cmd_react_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

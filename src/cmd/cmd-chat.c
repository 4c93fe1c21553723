/* cmd-chat.c - /msg, /me, /status: one-to-one chat and own presence.
 *
 * /msg takes a JID only when it has an '@' ("@example.org" is the server
 * example.org itself); a word without one is a contact's roster name or
 * user name, or in a room an occupant's nick. A name that matches nobody is
 * refused with the close matches, never taken for a server address. While
 * the first roster of a login has not arrived (commands run at start),
 * /msg with a name waits for it. */
#include <string.h>

#include "cmd/internal.h"
#include "e2e/e2e.h"
#include "core/event.h"
#include "core/loop.h"
#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/store.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* How far apart two names are: edits (insert, delete, replace, swap two
 * neighbours) between the casefolded A and B, up to LIMIT + 1. */
static guint name_distance(const char *a, const char *b, guint limit)
{
    char *fa = g_utf8_casefold(a, -1), *fb = g_utf8_casefold(b, -1);
    glong n = 0, m = 0;
    gunichar *x = g_utf8_to_ucs4_fast(fa, -1, &n), *y = g_utf8_to_ucs4_fast(fb, -1, &m);
    guint d = limit + 1;
    if ((guint)ABS(n - m) <= limit) {
        guint *row = g_new(guint, (gsize)((n + 1) * (m + 1)));
#define D(i, j) row[(i) * (m + 1) + (j)]
        for (glong i = 0; i <= n; i++)
            for (glong j = 0; j <= m; j++) {
                if (i == 0 || j == 0) {
                    D(i, j) = (guint)(i + j);
                    continue;
                }
                guint best = MIN(D(i - 1, j) + 1, D(i, j - 1) + 1);
                best = MIN(best, D(i - 1, j - 1) + (x[i - 1] != y[j - 1]));
                if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
                    best = MIN(best, D(i - 2, j - 2) + 1);
                D(i, j) = best;
            }
        d = MIN(D(n, m), limit + 1);
#undef D
        g_free(row);
    }
    g_free(x);
    g_free(y);
    g_free(fa);
    g_free(fb);
    return d;
}

static bool same_name(const char *a, const char *b)
{
    return a && b && name_distance(a, b, 0) == 0;
}

/* Resolve what the user typed to a bare JID (a new string): a JID with an
 * '@' ("@domain" for a server), or the roster name or user name of exactly
 * one contact. NULL when it names nobody or several: then *WHY (g_free)
 * says so with the candidates. */
static char *resolve_contact(const char *who, char **why)
{
    if (who[0] == '@') {
        char *bare = jid_bare_of(who + 1);
        if (bare && !strchr(bare, '@'))
            return bare;
        g_free(bare);
        *why = g_strdup_printf("'%s' is not a valid server address.", who);
        return NULL;
    }
    if (strchr(who, '@')) {
        char *bare = jid_bare_of(who);
        if (!bare)
            *why = g_strdup_printf("'%s' is not a valid JID.", who);
        return bare;
    }
    GPtrArray *all = roster_sorted();
    GPtrArray *exact = g_ptr_array_new();
    GPtrArray *close = g_ptr_array_new();
    guint limit = g_utf8_strlen(who, -1) > 4 ? 2 : 1;
    for (guint i = 0; i < all->len; i++) {
        roster_contact *c = g_ptr_array_index(all, i);
        char *local = jid_short_name(c->jid);
        if (same_name(c->name, who) || same_name(local, who))
            g_ptr_array_add(exact, c);
        else if ((c->name && name_distance(c->name, who, limit) <= limit) ||
                 (local && name_distance(local, who, limit) <= limit))
            g_ptr_array_add(close, c);
        g_free(local);
    }
    char *found = NULL;
    GPtrArray *list = exact->len ? exact : close;
    if (exact->len == 1) {
        found = g_strdup(((roster_contact *)g_ptr_array_index(exact, 0))->jid);
    } else {
        GString *s = g_string_new(NULL);
        if (exact->len > 1)
            g_string_printf(s, "'%s' is more than one contact: ", who);
        else
            g_string_printf(s, "No contact is called '%s'", who);
        for (guint i = 0; i < list->len; i++) {
            roster_contact *c = g_ptr_array_index(list, i);
            char *name = roster_display_name(c->jid);
            g_string_append_printf(
                s, "%s%s (%s)", i ? ", " : (exact->len > 1 ? "" : "; did you mean "), name, c->jid);
            g_free(name);
        }
        g_string_append_printf(s, "%s Give a JID (user@server; @server for a server itself).",
                               list->len && exact->len <= 1 ? "?" : ".");
        *why = g_string_free(s, FALSE);
    }
    g_ptr_array_free(exact, TRUE);
    g_ptr_array_free(close, TRUE);
    return found;
}

char *cmd_resolve_contact(const char *who, char **why)
{
    return resolve_contact(who, why);
}

/* /msg with a name, typed before the first roster of the login arrived:
 * run once it has (or the login failed). */
typedef struct {
    char *who;
    char *text; /* NULL: only open the window */
} waiting_msg;

static GQueue waiting = G_QUEUE_INIT;
static bool roster_seen;    /* a roster arrived since natter started */
static unsigned wait_timer; /* gives up when no roster ever comes */

#define ROSTER_WAIT_MS 30000

static void waiting_free(gpointer p)
{
    waiting_msg *w = p;
    g_free(w->who);
    g_free(w->text);
    g_free(w);
}

static cmd_result open_and_send(const char *to, const char *text);

/* Run what waited for the roster; REASON set: there will be none. */
static void run_waiting(const char *reason)
{
    if (wait_timer)
        loop_cancel_timer(wait_timer);
    wait_timer = 0;
    waiting_msg *w;
    while ((w = g_queue_pop_head(&waiting))) {
        char *why = NULL;
        char *to = reason ? NULL : resolve_contact(w->who, &why);
        if (to)
            (void)open_and_send(to, w->text);
        else if (w->text)
            ui_error("/msg %s: not sent (%s): %s", w->who, reason ? reason : why, w->text);
        else
            ui_error("/msg %s: %s", w->who, reason ? reason : why);
        g_free(why);
        g_free(to);
        waiting_free(w);
    }
}

static void on_wait_timeout(void *ud)
{
    wait_timer = 0;
    run_waiting("no roster arrived to find the name in");
}

static void on_roster_loaded(event_type t, const void *p, void *ud)
{
    roster_seen = true;
    run_waiting(NULL);
}

static void on_conn_state(event_type t, const void *p, void *ud)
{
    const ev_conn_state *ev = p;
    if (ev->state == CONN_DISCONNECTED && !g_queue_is_empty(&waiting))
        run_waiting("the login failed before the roster arrived");
}

cmd_result cmd_chat_send(const char *jid, const char *text)
{
    char *err = NULL;
    if (e2e_chat_enabled(jid)) {
        /* An encrypted chat sends encrypted or not at all. */
        if (!e2e_send(jid, text, &err))
            return cmd_fail_err("Not sent (OMEMO)", err);
        return CMD_OK;
    }
    if (!nx_send_chat(jid, text, &err))
        return cmd_fail_err("Not sent", err);
    return CMD_OK;
}

static cmd_result open_and_send(const char *to, const char *text)
{
    ui_open_chat(to);
    return text && *text ? cmd_chat_send(to, text) : CMD_OK;
}

static cmd_result cmd_msg(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /msg JID|NICK [TEXT]");
    const char *text = argc > 1 ? argv[1] : NULL;
    /* In a room, a nick means a private conversation with that occupant. */
    muc_room *room = jid && ui_current_is_room() ? muc_room_find(jid) : NULL;
    if (room && muc_occupant_find(room, argv[0])) {
        char *to = g_strdup_printf("%s/%s", room->jid, argv[0]);
        cmd_result result = open_and_send(to, text);
        g_free(to);
        return result;
    }
    char *why = NULL;
    char *to = resolve_contact(argv[0], &why);
    if (!to && !roster_seen && nx_own_bare() && !strchr(argv[0], '@')) {
        /* Run at start, before the login brought the roster: wait for it. */
        g_free(why);
        waiting_msg *w = g_new0(waiting_msg, 1);
        w->who = g_strdup(argv[0]);
        w->text = text && *text ? g_strdup(text) : NULL;
        g_queue_push_tail(&waiting, w);
        if (!wait_timer)
            wait_timer = loop_add_timer(ROSTER_WAIT_MS, on_wait_timeout, NULL);
        ui_info("/msg %s: waiting for the roster to find who that is.", argv[0]);
        return CMD_OK;
    }
    if (!to) {
        cmd_result result = cmd_fail("%s", why);
        g_free(why);
        return result;
    }
    cmd_result result = open_and_send(to, text);
    g_free(to);
    return result;
}

static cmd_result cmd_me(char **argv, int argc, const char *jid)
{
    if (!jid)
        return cmd_fail("/me works in a chat window.");
    if (argc == 0)
        return cmd_fail("Usage: /me ACTION");
    char *text = g_strconcat("/me ", argv[0], NULL);
    cmd_result result = cmd_chat_send(jid, text);
    g_free(text);
    return result;
}

static cmd_result cmd_status(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        const char *st = nx_own_status();
        if (nx_state() != CONN_CONNECTED) {
            ui_info("You are offline%s (when connected: %s%s%s).",
                    nx_state() == CONN_DISCONNECTED ? "" : ", connecting",
                    presence_show_name(nx_own_show()), st ? ": " : "", st ? st : "");
            return CMD_OK;
        }
        ui_info("You are %s%s%s.", presence_show_name(nx_own_show()), st ? ": " : "", st ? st : "");
        return CMD_OK;
    }
    bool ok;
    presence_show show = presence_show_parse(argv[0], &ok);
    if (!ok || show == PRESENCE_OFFLINE)
        return cmd_fail("Usage: /status online|chat|away|xa|dnd [MESSAGE]");
    nx_set_presence(show, argc > 1 ? argv[1] : NULL);
    ui_info("Status: %s%s%s%s", presence_show_name(show), argc > 1 ? ": " : "",
            argc > 1 ? argv[1] : "", nx_state() == CONN_CONNECTED ? "" : " (sent when connected)");
    return CMD_OK;
}

/* What /correct and /retract act on: message NUM when given (it must be
 * the user's and not retracted), else the user's newest here. NULL with
 * *WHY (g_free) when there is none. */
static store_msg *own_target(const char *jid, const char *num, const char *what, char **why)
{
    if (!num) {
        store_msg *last = store_last_by(jid, NULL);
        if (!last)
            *why = g_strdup_printf("No message of yours to %s in this window.", what);
        return last;
    }
    store_msg *m = cmd_find_message(jid, num, why);
    if (m && (!m->outgoing || m->retracted)) {
        *why = g_strdup_printf(m->retracted ? "Message %s is retracted already."
                                            : "Message %s is not yours: only your own can be %s.",
                               num, m->retracted ? "" : what);
        store_msg_free(m);
        m = NULL;
    }
    return m;
}

static cmd_result cmd_correct(char **argv, int argc, const char *jid)
{
    if (!jid) {
        return cmd_fail("/correct works in a chat window.");
    }
    if (argc == 0 || !*argv[0]) {
        return cmd_fail("Usage: /correct [-n N] NEW TEXT (replaces your last message here, or "
                        "message N)");
    }
    const char *text = argv[0];
    char *num = NULL;
    if (g_str_has_prefix(text, "-n ")) {
        /* "-n NUMBER TEXT": the rest of the line holds all three. */
        const char *p = text + 3;
        while (*p == ' ')
            p++;
        const char *sp = strchr(p, ' ');
        num = g_strndup(p, sp ? (gsize)(sp - p) : strlen(p));
        text = sp ? sp + 1 : "";
        while (*text == ' ')
            text++;
        if (!*text) {
            g_free(num);
            return cmd_fail("Usage: /correct -n N NEW TEXT");
        }
    }
    char *why = NULL;
    store_msg *m = own_target(jid, num, "corrected", &why);
    g_free(num);
    if (!m) {
        cmd_result r = cmd_fail("%s", why);
        g_free(why);
        return r;
    }
    /* XEP-0308 names the original by its id (we send origin-id and id alike). */
    const char *id = m->origin_id ? m->origin_id : m->msg_id;
    char *err = NULL;
    cmd_result result = CMD_OK;
    if (!id)
        result = cmd_fail("That message has no id to name it by; it cannot be corrected.");
    else if (e2e_chat_enabled(jid)) {
        /* An encrypted chat corrects encrypted; a reply stays one. */
        char *reply_id = NULL, *reply_to = NULL, *quote = NULL;
        cmd_reply_of(jid, m->rowid, &reply_id, &reply_to, &quote);
        if (!e2e_send_reply(jid, text, id, reply_id, reply_to, quote, &err))
            result = cmd_fail_err("Not sent (OMEMO)", err);
        g_free(reply_id);
        g_free(reply_to);
        g_free(quote);
    } else if (m->encryption == STORE_ENC_OMEMO)
        result = cmd_fail("That message was encrypted: turn OMEMO on (/omemo on) to correct it.");
    else {
        /* A correction replaces the whole message: a reply stays one. */
        char *reply_id = NULL, *reply_to = NULL, *quote = NULL;
        bool ok = cmd_reply_of(jid, m->rowid, &reply_id, &reply_to, &quote)
                      ? nx_send_reply_correction(jid, id, reply_id, reply_to, quote, text, &err)
                      : nx_send_correction(jid, id, text, &err);
        if (!ok)
            result = cmd_fail_err("Not sent", err);
        g_free(reply_id);
        g_free(reply_to);
        g_free(quote);
    }
    store_msg_free(m);
    return result;
}

/* /retract N on someone else's message in a room where the user is a
 * moderator: ask the room to remove it (XEP-0425). */
static cmd_result moderate_numbered(const char *jid, const store_msg *m, const char *reason)
{
    muc_room *r = muc_room_find(jid);
    muc_occupant *me = r && r->nick ? muc_occupant_find(r, r->nick) : NULL;
    if (!me || me->role != MUC_ROLE_MODERATOR)
        return cmd_fail("Not allowed: only your own messages can be retracted%s.",
                        r ? " (and others' by the room's moderators)" : "");
    if (!m->stanza_id)
        return cmd_fail("The room gave that message no id; it cannot be moderated.");
    char *nick = jid_resource_of(m->sender);
    char *err = NULL;
    bool ok = nx_muc_moderate(r->jid, m->stanza_id, nick ? nick : "", reason, &err);
    g_free(nick);
    return ok ? CMD_OK : cmd_fail_err("Cannot moderate", err);
}

static cmd_result cmd_retract(char **argv, int argc, const char *jid)
{
    if (!jid) {
        return cmd_fail("/retract works in a chat window.");
    }
    const char *num = argc > 0 ? argv[0] : NULL;
    char *why = NULL;
    store_msg *m;
    if (num && muc_room_find(jid)) {
        /* In a room, another's message is a moderator's to remove. */
        m = cmd_find_message(jid, num, &why);
        if (m && !m->outgoing && !m->retracted) {
            cmd_result r = moderate_numbered(jid, m, argc > 1 ? argv[1] : NULL);
            store_msg_free(m);
            return r;
        }
        store_msg_free(m);
        g_clear_pointer(&why, g_free);
    }
    m = own_target(jid, num, "retracted", &why);
    if (!m) {
        cmd_result r = cmd_fail("%s", why);
        g_free(why);
        return r;
    }
    /* XEP-0424: in rooms a message is named by the id the room gave it. */
    const char *id = muc_room_find(jid) && m->stanza_id ? m->stanza_id
                     : m->origin_id                     ? m->origin_id
                                                        : m->msg_id;
    char *err = NULL;
    cmd_result result = CMD_OK;
    if (!id)
        result = cmd_fail("That message has no id to name it by; it cannot be retracted.");
    else if (!nx_send_retraction(jid, id, &err))
        result = cmd_fail_err("Not sent", err);
    store_msg_free(m);
    return result;
}

static cmd_result cmd_select(char **argv, int argc, const char *jid)
{
    char *err = NULL;
    if (!select_enter(&err)) {
        cmd_result r = cmd_fail("%s", err);
        g_free(err);
        return r;
    }
    return CMD_OK;
}

static const char *const status_choices[] = {"online", "chat", "away", "xa", "dnd", NULL};

static const char *const msg_settings[] = {"receipts", "chat_states", NULL};

static const char *const select_settings[] = {"osc52_copy", NULL};

static const cmd_def defs[] = {
    {
        .name = "msg",
        .args = "JID|NICK [TEXT]",
        .summary = "Open a chat window with JID, and send TEXT if given",
        .help = "JID is user@server; @server is the server itself. A word without '@' is a\n"
                "contact's roster name or user name (any case), or in a room an occupant's\n"
                "nick (a private conversation); a name that matches nobody is refused with\n"
                "the close matches. At start (-c, the startup file) a name waits for the\n"
                "roster. Text typed in a chat window is sent to its contact; start it with //\n"
                "to send a leading slash.",
        .complete = {COMPLETE_JID},
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "chat",
        .example = "/msg bob@example.org see you at five",
        .settings = msg_settings,
        .run = cmd_msg,
    },
    {
        .name = "me",
        .args = "ACTION",
        .summary = "Send an action (\"* you ACTION\") in this chat",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "chat",
        .example = "/me waves",
        .run = cmd_me,
    },
    {
        .name = "correct",
        .args = "[-n N] NEW TEXT",
        .summary = "Correct your last message or message N (XEP-0308)",
        .help = "Ctrl-Up on the input line fills in /correct with your last message; e on a\n"
                "message of yours in the message cursor (Alt+Up, /select) fills in\n"
                "/correct -n #ROW with its text. N names a message as for /reply: 1 is\n"
                "the newest here, #ROW its history row (the cursor's i shows it), or its\n"
                "id. The original stays in your history;\n"
                "clients without support see a new message, and some apply a correction\n"
                "only to the last message.",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "chat",
        .example = "/correct see you at six",
        .run = cmd_correct,
    },
    {
        .name = "retract",
        .args = "[N [REASON]]",
        .summary = "Retract your last message or message N (XEP-0424)",
        .help = "Asks the contact's client to remove it; it cannot be forced. N names a\n"
                "message as for /reply: 1 is the newest here, #ROW its history row (the\n"
                "message cursor's i shows it; d there fills it in), or its id. In a room\n"
                "where you are a moderator, N may be someone\n"
                "else's message: the room removes it for everyone (XEP-0425), with REASON.",
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "chat",
        .example = "/retract",
        .run = cmd_retract,
    },
    {
        .name = "select",
        .args = "",
        .summary = "Move a cursor over messages to act on one",
        .help = "Up/Down (j/k), PgUp/PgDn, Home/End move it; older history is loaded past\n"
                "the oldest line. On the selected message: r reply, e correct (yours),\n"
                "d retract (yours; others' in a room you moderate), + react, c copy (OSC 52,\n"
                "setting osc52_copy), o download its attachment, i details (times, sender,\n"
                "encryption, delivery, ids and its number N). Esc or q leaves.",
        .topic = "chat",
        .example = "/select",
        .settings = select_settings,
        .run = cmd_select,
    },
    {
        .name = "status",
        .args = "[online|chat|away|xa|dnd] [MESSAGE]",
        .summary = "Show or set your presence",
        .choices = status_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 2,
        .rest = CMD_REST_VALUE,
        .topic = "chat",
        .example = "/status away \"back at two\"",
        .run = cmd_status,
    },
};

void cmd_chat_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
    event_subscribe(EV_ROSTER_LOADED, EV_STAGE_CONTROL, on_roster_loaded, NULL);
    event_subscribe(EV_CONN_STATE, EV_STAGE_CONTROL, on_conn_state, NULL);
}

void cmd_chat_deinit(void)
{
    event_unsubscribe(EV_ROSTER_LOADED, on_roster_loaded, NULL);
    event_unsubscribe(EV_CONN_STATE, on_conn_state, NULL);
    if (wait_timer)
        loop_cancel_timer(wait_timer);
    wait_timer = 0;
    g_queue_clear_full(&waiting, waiting_free);
    roster_seen = false;
}

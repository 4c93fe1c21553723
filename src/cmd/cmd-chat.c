/* cmd-chat.c - /msg, /me, /status: one-to-one chat and own presence. */
#include <string.h>

#include "cmd/internal.h"
#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/store.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* Resolve what the user typed to a bare JID: a JID, or a contact's roster
 * name (unique, case-insensitive). Returns a new string or NULL. */
static char *resolve_contact(const char *who)
{
    if (strchr(who, '@') || strchr(who, '.'))
        return jid_bare_of(who);
    GPtrArray *all = roster_sorted();
    char *found = NULL;
    for (guint i = 0; i < all->len; i++) {
        roster_contact *c = g_ptr_array_index(all, i);
        char *local = jid_short_name(c->jid);
        bool match = (c->name && g_utf8_collate(c->name, who) == 0) ||
                     (local && g_ascii_strcasecmp(local, who) == 0);
        g_free(local);
        if (match) {
            if (found) {
                g_free(found);
                return NULL; /* ambiguous */
            }
            found = g_strdup(c->jid);
        }
    }
    return found ? found : jid_bare_of(who);
}

cmd_result cmd_chat_send(const char *jid, const char *text)
{
    char *err = NULL;
    if (!nx_send_chat(jid, text, &err))
        return cmd_fail_err("Not sent", err);
    return CMD_OK;
}

static cmd_result cmd_msg(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /msg JID [TEXT]");
    /* In a room, a nick means a private conversation with that occupant. */
    muc_room *room = jid && ui_current_is_room() ? muc_room_find(jid) : NULL;
    char *to = room && muc_occupant_find(room, argv[0])
                   ? g_strdup_printf("%s/%s", room->jid, argv[0])
                   : resolve_contact(argv[0]);
    if (!to)
        return cmd_fail("'%s' is not a valid JID or a unique contact name.", argv[0]);
    ui_open_chat(to);
    cmd_result result = CMD_OK;
    if (argc > 1 && *argv[1])
        result = cmd_chat_send(to, argv[1]);
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

static cmd_result cmd_correct(char **argv, int argc, const char *jid)
{
    if (!jid) {
        return cmd_fail("/correct works in a chat window.");
    }
    if (argc == 0 || !*argv[0]) {
        return cmd_fail("Usage: /correct NEW TEXT (replaces your last message here)");
    }
    store_msg *last = store_last_by(jid, NULL);
    const char *id = last ? (last->origin_id ? last->origin_id : last->msg_id) : NULL;
    char *err = NULL;
    cmd_result result = CMD_OK;
    if (!id)
        result = cmd_fail("No message of yours to correct in this window.");
    else if (!nx_send_correction(jid, id, argv[0], &err))
        result = cmd_fail_err("Not sent", err);
    store_msg_free(last);
    return result;
}

static cmd_result cmd_retract(char **argv, int argc, const char *jid)
{
    if (!jid) {
        return cmd_fail("/retract works in a chat window.");
    }
    store_msg *last = store_last_by(jid, NULL);
    /* XEP-0424: in rooms a message is named by the id the room gave it. */
    const char *id = !last                                   ? NULL
                     : muc_room_find(jid) && last->stanza_id ? last->stanza_id
                     : last->origin_id                       ? last->origin_id
                                                             : last->msg_id;
    char *err = NULL;
    cmd_result result = CMD_OK;
    if (!id)
        result = cmd_fail("No message of yours to retract in this window.");
    else if (!nx_send_retraction(jid, id, &err))
        result = cmd_fail_err("Not sent", err);
    store_msg_free(last);
    return result;
}

static const char *const status_choices[] = {"online", "chat", "away", "xa", "dnd", NULL};

static const cmd_def defs[] = {
    {
        .name = "msg",
        .args = "JID|NICK [TEXT]",
        .summary = "Open a chat window with JID, and send TEXT if given",
        .help = "JID may also be a contact's roster name, or in a room an occupant's nick (a\n"
                "private conversation). Text typed in a chat window is sent to its contact;\n"
                "start it with // to send a leading slash.",
        .max_words = 2,
        .complete = {COMPLETE_JID},
        .run = cmd_msg,
    },
    {
        .name = "me",
        .args = "ACTION",
        .summary = "Send an action (\"* you ACTION\") in this chat",
        .max_words = 1,
        .run = cmd_me,
    },
    {
        .name = "correct",
        .args = "NEW TEXT",
        .summary = "Replace your last message in this chat (XEP-0308)",
        .help = "Up on an empty input line in a chat fills in /correct with your last message.\n"
                "The original stays in your history; clients without support see a new message.",
        .max_words = 1,
        .run = cmd_correct,
    },
    {
        .name = "retract",
        .args = "",
        .summary = "Retract your last message in this chat (XEP-0424)",
        .help = "Asks the contact's client to remove it; it cannot be forced.",
        .run = cmd_retract,
    },
    {
        .name = "status",
        .args = "[online|chat|away|xa|dnd] [MESSAGE]",
        .summary = "Show or set your presence",
        .max_words = 2,
        .choices = status_choices,
        .complete = {COMPLETE_CHOICES},
        .run = cmd_status,
    },
};

void cmd_chat_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

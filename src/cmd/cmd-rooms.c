/* cmd-rooms.c - finding rooms and living in them: /rooms (a service's
 * public rooms, paged), /invites (invitations waiting for an answer),
 * /ignore and /unignore (occupants whose messages a room's window does not
 * show; they are still stored, so history and search keep them). */
#include <string.h>
#include <time.h>

#include "cmd/internal.h"
#include "model/conversation.h"
#include "model/ignore.h"
#include "model/jid.h"
#include "model/muc.h"
#include "ui/sanitize.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

static cmd_result cmd_rooms(char **argv, int argc, const char *win)
{
    if (argc > 1)
        return cmd_fail("Usage: /rooms [SERVICE | more]");
    char *err = NULL;
    bool ok = argc && !strcmp(argv[0], "more")
                  ? nx_muc_list_more(win, &err)
                  : nx_muc_list_rooms(argc ? argv[0] : NULL, win, &err);
    if (!ok)
        return cmd_fail_err("Cannot list rooms", err);
    return CMD_OK;
}

static cmd_result cmd_invites(char **argv, int argc, const char *win)
{
    if (argc)
        return cmd_fail("Usage: /invites");
    GPtrArray *all = conv_invites();
    if (all->len == 0)
        ui_info("No invitations are waiting.");
    else
        ui_info("Invitations waiting (%u): /join ROOM accepts, /decline ROOM refuses", all->len);
    gint64 now = g_get_real_time();
    for (guint i = 0; i < all->len; i++) {
        const conv_invite *inv = g_ptr_array_index(all, i);
        long mins = (long)((now - inv->when) / G_USEC_PER_SEC / 60);
        char *ago = mins < 1 ? g_strdup("just now") : g_strdup_printf("%ld min ago", mins);
        ui_info("  %s from %s, %s%s%s%s%s", inv->room, inv->from, ago, inv->reason ? ": \"" : "",
                inv->reason ? inv->reason : "", inv->reason ? "\"" : "",
                inv->password ? " (with password)" : "");
        g_free(ago);
    }
    g_ptr_array_unref(all);
    return CMD_OK;
}

/* The room of window WIN, or NULL after cmd_fail. */
static muc_room *room_here(const char *win, const char *cmd)
{
    muc_room *r = win && ui_current_is_room() ? muc_room_find(win) : NULL;
    if (!r)
        cmd_fail("/%s works in a room window.", cmd);
    return r;
}

static cmd_result cmd_ignore(char **argv, int argc, const char *win)
{
    muc_room *r = room_here(win, "ignore");
    if (!r)
        return CMD_ERROR;
    if (argc == 0) {
        GPtrArray *list = ignore_list(r->jid);
        if (list->len == 0)
            ui_info("Nobody is ignored in %s.", r->jid);
        for (guint i = 0; i < list->len; i++) {
            char *nick = sanitize_nick(g_ptr_array_index(list, i));
            ui_info("%s %s", i ? "   " : "Ignored:", nick);
            g_free(nick);
        }
        g_ptr_array_unref(list);
        return CMD_OK;
    }
    if (r->nick && !strcmp(argv[0], r->nick))
        return cmd_fail("That is your own nick.");
    char *nick = sanitize_nick(argv[0]);
    if (!ignore_add(r->jid, argv[0]))
        ui_info("%s is already ignored here.", nick);
    else
        ui_info("Ignoring %s in %s: their messages are stored but not shown (/unignore %s).", nick,
                r->jid, nick);
    g_free(nick);
    return CMD_OK;
}

static cmd_result cmd_unignore(char **argv, int argc, const char *win)
{
    muc_room *r = room_here(win, "unignore");
    if (!r)
        return CMD_ERROR;
    if (argc != 1)
        return cmd_fail("Usage: /unignore NICK");
    char *nick = sanitize_nick(argv[0]);
    cmd_result res = CMD_OK;
    if (ignore_remove(r->jid, argv[0]))
        ui_info("No longer ignoring %s in %s.", nick, r->jid);
    else
        res = cmd_fail("%s is not ignored here.", nick);
    g_free(nick);
    return res;
}

static const char *const rooms_choices[] = {"more", NULL};

static const cmd_def defs[] = {
    {
        .name = "rooms",
        .args = "[SERVICE | more]",
        .summary = "List the public rooms of a group chat service",
        .help = "Without SERVICE: your server's group chat service. A page at a time;\n"
                "/rooms more shows the next page. Example: /rooms conference.example.org",
        .max_words = 1,
        .choices = rooms_choices,
        .complete = {COMPLETE_CHOICES},
        .topic = "rooms",
        .example = "/rooms conference.example.org",
        .run = cmd_rooms,
    },
    {
        .name = "invites",
        .args = "",
        .summary = "Room invitations waiting for an answer",
        .help = "/join ROOM accepts one, /decline ROOM refuses it.",
        .max_words = 0,
        .topic = "rooms",
        .example = "/invites",
        .run = cmd_invites,
    },
    {
        .name = "ignore",
        .args = "[NICK]",
        .summary = "Hide an occupant's messages in this room (or list who is ignored)",
        .help = "Their messages are still stored: /search and the history show them, and\n"
                "/unignore shows new ones again. For this session only. Example: /ignore troll",
        .max_words = 1,
        .complete = {COMPLETE_NICK},
        .topic = "rooms",
        .example = "/ignore troll",
        .run = cmd_ignore,
    },
    {
        .name = "unignore",
        .args = "NICK",
        .summary = "Show an ignored occupant's messages again",
        .max_words = 1,
        .complete = {COMPLETE_NICK},
        .topic = "rooms",
        .example = "/unignore troll",
        .run = cmd_unignore,
    },
};

void cmd_rooms_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

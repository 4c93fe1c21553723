/* cmd-muc.c - group chat commands: joining and leaving rooms, nicks,
 * topics, invitations, the occupants pane, moderation, the room
 * configuration and bookmarks. */
#include <string.h>

#include "cmd/internal.h"
#include "model/conversation.h"
#include "model/jid.h"
#include "model/muc.h"
#include "store/store.h"
#include "ui/sanitize.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* CMD_OK, or the error "WHAT: ERR" (ERR is freed). */
static cmd_result report(bool ok, char *err, const char *what)
{
    if (!ok)
        return cmd_fail_err(what, err);
    return CMD_OK;
}

/* The room of the current window, or NULL after cmd_fail. */
static muc_room *here(const char *jid, const char *cmd)
{
    muc_room *r = jid && ui_current_is_room() ? muc_room_find(jid) : NULL;
    if (!r)
        cmd_fail("/%s works in a room window.", cmd);
    return r;
}

/* /join ROOM [nick NICK] [password PW] */
static cmd_result cmd_join(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        return cmd_fail("Usage: /join ROOM[@SERVICE] [nick NICK] [password PASSWORD]");
    }
    const char *nick = NULL, *password = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            return cmd_fail("'%s' needs a value (/join ROOM nick NICK password PASSWORD)", argv[i]);
        }
        if (!strcmp(argv[i], "nick"))
            nick = argv[i + 1];
        else if (!strcmp(argv[i], "password"))
            password = argv[i + 1];
        else {
            return cmd_fail("Unknown option '%s' (nick or password)", argv[i]);
        }
    }
    char *err = NULL;
    if (!strchr(argv[0], '@') && !nx_muc_service()) {
        /* Joined once the server's group chat service is known. */
        if (nx_muc_join(argv[0], nick, password, &err))
            ui_focus_room_when_joining(argv[0]);
        else
            return report(false, err, "Cannot join");
        return CMD_OK;
    }
    char *room = nx_muc_room_jid(argv[0], &err);
    if (!room) {
        return report(false, err, "Cannot join");
    }
    const conv_invite *inv = conv_invite_find(room);
    if (!password && inv)
        password = inv->password;
    char *pw = g_strdup(password);
    cmd_result result = CMD_OK;
    if (nx_muc_join(room, nick, pw, &err)) {
        ui_open_room(room);
        conv_invite_forget(room);
    } else {
        result = report(false, err, "Cannot join");
    }
    g_free(pw);
    g_free(room);
    return result;
}

static cmd_result cmd_leave(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "leave");
    if (!r)
        return CMD_ERROR;
    char *err = NULL;
    bool ok = nx_muc_leave(r->jid, argc ? argv[0] : NULL, &err);
    return report(ok, err, "Cannot leave");
}

static cmd_result cmd_nick(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "nick");
    if (!r)
        return CMD_ERROR;
    if (argc == 0) {
        ui_info("Your nick in %s is %s.", r->jid, r->nick ? r->nick : "(none)");
        return CMD_OK;
    }
    char *err = NULL;
    bool ok = nx_muc_change_nick(r->jid, argv[0], &err);
    return report(ok, err, "Cannot change nick");
}

static cmd_result cmd_topic(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "topic");
    if (!r)
        return CMD_ERROR;
    if (argc == 0) {
        if (r->subject)
            ui_info("Topic: %s", r->subject);
        else
            ui_info("%s has no topic.", r->jid);
        return CMD_OK;
    }
    char *err = NULL;
    bool ok = nx_muc_set_subject(r->jid, argv[0], &err);
    return report(ok, err, "Cannot set the topic");
}

static cmd_result cmd_room(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "room");
    if (!r)
        return CMD_ERROR;
    char *err = NULL;
    const char *sub = argc ? argv[0] : "info";
    if (strcmp(sub, "set") != 0 && argc > 1)
        return cmd_fail_extra("room", sub);
    if (!strcmp(sub, "config")) {
        bool ok = nx_muc_config_request(r->jid, &err);
        return report(ok, err, "Cannot configure");
    }
    if (!strcmp(sub, "set")) {
        if (argc < 3)
            return cmd_fail("Usage: /room set FIELD VALUE");
        bool ok = nx_muc_config_set(r->jid, argv[1], argv[2], &err);
        return report(ok, err, "Cannot set");
    }
    if (!strcmp(sub, "submit") || !strcmp(sub, "cancel")) {
        bool ok = nx_muc_config_submit(r->jid, !strcmp(sub, "cancel"), &err);
        return report(ok, err, "Cannot configure");
    }
    if (strcmp(sub, "info") != 0)
        return cmd_fail("Usage: /room config|set FIELD VALUE|submit|cancel|info");
    ui_info("%s: %s; you are %s; %u occupant%s", r->jid,
            r->state == MUC_STATE_JOINED    ? "joined"
            : r->state == MUC_STATE_JOINING ? "joining"
                                            : "not joined",
            r->nick ? r->nick : "-", muc_room_count(r), muc_room_count(r) == 1 ? "" : "s");
    ui_info("Archive (MUC MAM): %s; moderation (XEP-0425): %s; occupant ids: %s; "
            "%s; %s",
            r->has_mam ? "yes" : "no", r->has_moderation ? "yes" : "no",
            r->has_occupant_id ? "yes" : "no",
            r->nonanonymous ? "everyone sees real JIDs" : "real JIDs hidden",
            r->members_only ? "members only" : "open");
    return CMD_OK;
}

static cmd_result cmd_invite(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "invite");
    if (!r)
        return CMD_ERROR;
    /* One word holds it all: [-mediated] JID [REASON...]. */
    const char *rest = argc > 0 ? argv[0] : "";
    bool mediated = g_str_has_prefix(rest, "-mediated") && (rest[9] == ' ' || !rest[9]);
    if (mediated)
        rest += 9;
    char *line = g_strdup(rest), *who = g_strstrip(line);
    char *sp = strchr(who, ' ');
    const char *reason = NULL;
    if (sp) {
        *sp = '\0';
        reason = g_strstrip(sp + 1);
    }
    if (!*who) {
        g_free(line);
        return cmd_fail("Usage: /invite [-mediated] JID [REASON]");
    }
    char *err = NULL;
    bool ok = nx_muc_invite(r->jid, who, reason && *reason ? reason : NULL, mediated, &err);
    g_free(line);
    return report(ok, err, "Cannot invite");
}

static cmd_result cmd_decline(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        return cmd_fail("Usage: /decline ROOM [REASON]");
    }
    char *room = jid_bare_of(argv[0]);
    const conv_invite *inv = room ? conv_invite_find(room) : NULL;
    if (!inv) {
        g_free(room);
        return cmd_fail("No invitation to %s is waiting.", argv[0]);
    }
    char *err = NULL;
    cmd_result result = CMD_OK;
    /* A direct invitation needs no answer; a mediated one is declined
     * through the room. */
    if (!inv->mediated || nx_muc_decline(room, inv->from, argc > 1 ? argv[1] : NULL, &err)) {
        ui_info("Declined the invitation to %s.", room);
        conv_invite_forget(room);
    } else {
        result = report(false, err, "Cannot decline");
    }
    g_free(room);
    return result;
}

static cmd_result cmd_occupants(char **argv, int argc, const char *jid)
{
    bool on = ui_toggle_occupants();
    ui_info("Occupants pane %s.", on ? "on" : "off");
    return CMD_OK;
}

static cmd_result cmd_whois(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "whois");
    if (!r)
        return CMD_ERROR;
    if (argc == 0)
        return cmd_fail("Usage: /whois NICK");
    muc_occupant *o = muc_occupant_find(r, argv[0]);
    if (!o)
        return cmd_fail("Nobody called '%s' is in %s.", argv[0], r->jid);
    char *nick = sanitize_nick(o->nick);
    ui_info("%s: %s, %s%s%s; %s%s%s", nick, muc_role_name(o->role),
            muc_affiliation_name(o->affiliation), o->jid ? "; real JID " : "", o->jid ? o->jid : "",
            presence_show_name(o->show), o->status ? ": " : "", o->status ? o->status : "");
    if (o->occupant_id)
        ui_info("%s: occupant id %s", nick, o->occupant_id);
    if (muc_nick_lookalike(r, o->nick))
        ui_info("%s looks like another occupant's nick: check before trusting it.", nick);
    g_free(nick);
    return CMD_OK;
}

/* ---------- moderation ---------- */

static cmd_result set_role(const char *jid, const char *cmd, const char *nick, muc_role role,
                           const char *reason)
{
    muc_room *r = here(jid, cmd);
    if (!r)
        return CMD_ERROR;
    char *err = NULL;
    bool ok = nx_muc_set_role(r->jid, nick, role, reason, cmd, &err);
    char *what = g_strdup_printf("Cannot %s %s", cmd, nick);
    cmd_result result = report(ok, err, what);
    g_free(what);
    return result;
}

static cmd_result cmd_kick(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /kick NICK [REASON]");
    return set_role(jid, "kick", argv[0], MUC_ROLE_NONE, argc > 1 ? argv[1] : NULL);
}

static cmd_result cmd_voice(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /voice NICK");
    return set_role(jid, "voice", argv[0], MUC_ROLE_PARTICIPANT, NULL);
}

static cmd_result cmd_devoice(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /devoice NICK");
    return set_role(jid, "devoice", argv[0], MUC_ROLE_VISITOR, NULL);
}

static cmd_result cmd_role(char **argv, int argc, const char *jid)
{
    muc_role role;
    if (argc < 2 || !muc_role_parse(argv[1], &role))
        return cmd_fail("Usage: /role NICK moderator|participant|visitor|none [REASON]");
    return set_role(jid, "role", argv[0], role, argc > 2 ? argv[2] : NULL);
}

static cmd_result set_affiliation(const char *jid, const char *cmd, const char *who,
                                  muc_affiliation aff, const char *reason)
{
    muc_room *r = here(jid, cmd);
    if (!r)
        return CMD_ERROR;
    char *err = NULL;
    bool ok = nx_muc_set_affiliation(r->jid, who, aff, reason, cmd, &err);
    char *what = g_strdup_printf("Cannot %s %s", cmd, who);
    cmd_result result = report(ok, err, what);
    g_free(what);
    return result;
}

static cmd_result cmd_ban(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /ban NICK|JID [REASON]");
    return set_affiliation(jid, "ban", argv[0], MUC_AFF_OUTCAST, argc > 1 ? argv[1] : NULL);
}

static cmd_result cmd_affiliation(char **argv, int argc, const char *jid)
{
    muc_affiliation aff;
    if (argc < 2 || !muc_affiliation_parse(argv[1], &aff))
        return cmd_fail("Usage: /affiliation NICK|JID owner|admin|member|outcast|none [REASON]");
    return set_affiliation(jid, "affiliation", argv[0], aff, argc > 2 ? argv[2] : NULL);
}

/* The room's id (stanza-id) of the newest message NICK wrote in R, as
 * the history knows it (g_free), or NULL. */
static char *last_stanza_id_of(muc_room *r, const char *nick)
{
    muc_occupant *o = muc_occupant_find(r, nick);
    char *full = g_strdup_printf("%s/%s", r->jid, nick);
    char *author = muc_author_key(r->jid, full, o ? o->occupant_id : NULL);
    store_msg *m = store_last_by(r->jid, author);
    char *sid = m ? g_strdup(m->stanza_id) : NULL;
    store_msg_free(m);
    g_free(author);
    g_free(full);
    return sid;
}

static cmd_result cmd_moderate(char **argv, int argc, const char *jid)
{
    muc_room *r = here(jid, "moderate");
    if (!r)
        return CMD_ERROR;
    if (argc == 0) {
        return cmd_fail("Usage: /moderate NICK [REASON] (removes NICK's last message)");
    }
    char *sid = last_stanza_id_of(r, argv[0]);
    char *err = NULL;
    bool ok = nx_muc_moderate(r->jid, sid, argv[0], argc > 1 ? argv[1] : NULL, &err);
    cmd_result result = report(ok, err, "Cannot moderate");
    g_free(sid);
    return result;
}

/* ---------- bookmarks ---------- */

static cmd_result cmd_bookmark(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    char *err = NULL;
    if (!strcmp(sub, "list")) {
        const GPtrArray *b = nx_bookmarks();
        if (!b && nx_bookmarks_unsupported())
            return cmd_fail("This server does not store bookmarks.");
        if (!b)
            return cmd_fail("The bookmarks have not arrived yet (are you connected?).");
        if (b->len == 0)
            ui_info("No bookmarks. /bookmark add in a room keeps it.");
        for (guint i = 0; i < b->len; i++) {
            const nx_bookmark *m = g_ptr_array_index(b, i);
            ui_info("%s%s%s%s", m->jid, m->nick ? "  nick " : "", m->nick ? m->nick : "",
                    m->autojoin ? "  autojoin" : "");
        }
        return CMD_OK;
    }
    bool add = !strcmp(sub, "add");
    if (!add && strcmp(sub, "remove") != 0)
        return cmd_fail("Usage: /bookmark add [ROOM] [nick N] [password P] [autojoin on|off] | "
                        "remove [ROOM] | list");
    int i = 1;
    char *room = NULL;
    if (argc > 1 && strcmp(argv[1], "nick") && strcmp(argv[1], "password") &&
        strcmp(argv[1], "autojoin")) {
        room = nx_muc_room_jid(argv[1], &err);
        if (!room)
            return report(false, err, "Cannot bookmark");
        i = 2;
    } else if (jid && ui_current_is_room()) {
        room = g_strdup(jid);
    } else {
        return cmd_fail("Give the room, or use /bookmark in a room window.");
    }
    bool ok;
    if (add) {
        muc_room *r = muc_room_find(room);
        const char *nick = r ? r->nick : NULL, *password = NULL;
        bool autojoin = true;
        for (; i < argc; i += 2) {
            if (i + 1 >= argc) {
                g_free(room);
                return cmd_fail("'%s' needs a value", argv[i]);
            }
            if (!strcmp(argv[i], "nick"))
                nick = argv[i + 1];
            else if (!strcmp(argv[i], "password"))
                password = argv[i + 1];
            else if (!strcmp(argv[i], "autojoin") &&
                     (!strcmp(argv[i + 1], "on") || !strcmp(argv[i + 1], "off")))
                autojoin = !strcmp(argv[i + 1], "on");
            else {
                g_free(room);
                return cmd_fail("Unknown option '%s %s' (nick N, password P, autojoin on|off)",
                                argv[i], argv[i + 1]);
            }
        }
        char *n = g_strdup(nick);
        ok = nx_bookmark_set(room, n, password, autojoin, &err);
        g_free(n);
        if (ok)
            ui_info("Bookmarked %s%s.", room, autojoin ? " (joined at every login)" : "");
    } else {
        ok = nx_bookmark_remove(room, &err);
        if (ok)
            ui_info("Removed the bookmark of %s.", room);
    }
    g_free(room);
    return report(ok, err, "Bookmark not changed");
}

static const char *const room_choices[] = {"config", "set", "submit", "cancel", "info", NULL};
static const char *const bookmark_choices[] = {"add", "remove", "list", NULL};

static const char *const join_settings[] = {"muc_history", "muc_selfping", NULL};
static const char *const occupants_settings[] = {"occupants_pane", "occupants_width", NULL};

static const cmd_def defs[] = {
    {
        .name = "join",
        .args = "ROOM[@SERVICE] [nick NICK] [password PASSWORD]",
        .summary = "Join a group chat",
        .help = "Without @SERVICE the server's own group chat service is used. The room window\n"
                "opens at once; history is shown when the room has sent it.",
        .complete = {COMPLETE_ROOM},
        .max_words = CMD_WORDS_ANY,
        .topic = "rooms",
        .example = "/join natter@conference.example.org",
        .settings = join_settings,
        .run = cmd_join,
    },
    {
        .name = "leave",
        .args = "[REASON]",
        .summary = "Leave the room of this window (the window stays)",
        .help = "/close leaves and closes the window.",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/leave see you",
        .run = cmd_leave,
    },
    {
        .name = "nick",
        .args = "[NEWNICK]",
        .summary = "Show or change your nick in this room",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/nick alice_away",
        .run = cmd_nick,
    },
    {
        .name = "topic",
        .args = "[TEXT]",
        .summary = "Show or set this room's topic",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/topic Release on Friday",
        .run = cmd_topic,
    },
    {
        .name = "room",
        .args = "config|set FIELD VALUE|submit|cancel|info",
        .summary = "Configure this room, or show it",
        .help = "/room config shows the room's configuration form; /room set changes a field\n"
                "(on/off for yes/no fields, a comma-separated list for lists); /room submit sends\n"
                "the form, /room cancel drops it.",
        .choices = room_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 3,
        .rest = CMD_REST_VALUE,
        .topic = "rooms",
        .example = "/room set muc#roomconfig_roomname Lunch",
        .run = cmd_room,
    },
    {
        .name = "invite",
        .args = "[-mediated] JID [REASON]",
        .summary = "Invite someone to this room",
        .help = "Direct invitations (XEP-0249) by default; -mediated sends it through the room.",
        .complete = {COMPLETE_JID, COMPLETE_JID},
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/invite bob@example.org",
        .run = cmd_invite,
    },
    {
        .name = "decline",
        .args = "ROOM [REASON]",
        .summary = "Refuse an invitation",
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/decline room@conference.example.org",
        .run = cmd_decline,
    },
    {
        .name = "occupants",
        .args = "",
        .summary = "Show or hide the occupants pane beside rooms",
        .topic = "rooms",
        .example = "/occupants",
        .settings = occupants_settings,
        .run = cmd_occupants,
    },
    {
        .name = "whois",
        .args = "NICK",
        .summary = "Show what the room tells about an occupant",
        .complete = {COMPLETE_NICK},
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "rooms",
        .example = "/whois bob",
        .run = cmd_whois,
    },
    {
        .name = "kick",
        .args = "NICK [REASON]",
        .summary = "Kick an occupant out of this room",
        .complete = {COMPLETE_NICK},
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/kick spammer flooding",
        .run = cmd_kick,
    },
    {
        .name = "ban",
        .args = "NICK|JID [REASON]",
        .summary = "Ban someone from this room",
        .complete = {COMPLETE_NICK},
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/ban spammer@example.org",
        .run = cmd_ban,
    },
    {
        .name = "role",
        .args = "NICK ROLE [REASON]",
        .summary = "Set an occupant's role (moderator, participant, visitor)",
        .complete = {COMPLETE_NICK},
        .max_words = 3,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/role bob moderator",
        .run = cmd_role,
    },
    {
        .name = "affiliation",
        .args = "NICK|JID AFFILIATION [REASON]",
        .summary = "Set an affiliation (owner, admin, member, outcast, none)",
        .complete = {COMPLETE_NICK},
        .max_words = 3,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/affiliation bob member",
        .run = cmd_affiliation,
    },
    {
        .name = "voice",
        .args = "NICK",
        .summary = "Let a visitor speak in a moderated room",
        .complete = {COMPLETE_NICK},
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/voice bob",
        .run = cmd_voice,
    },
    {
        .name = "devoice",
        .args = "NICK",
        .summary = "Make a participant a visitor",
        .complete = {COMPLETE_NICK},
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/devoice bob",
        .run = cmd_devoice,
    },
    {
        .name = "moderate",
        .args = "NICK [REASON]",
        .summary = "Remove NICK's last message for everyone (XEP-0425)",
        .complete = {COMPLETE_NICK},
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "moderation",
        .example = "/moderate spammer spam",
        .run = cmd_moderate,
    },
    {
        .name = "bookmark",
        .args = "add [ROOM] [nick N] [password P] [autojoin on|off] | remove [ROOM] | list",
        .summary = "Keep rooms on the server; autojoin ones are joined at every login",
        .help = "Stored with XEP-0402 when the server supports it, else XEP-0048.",
        .choices = bookmark_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = CMD_WORDS_ANY,
        .topic = "rooms",
        .example = "/bookmark add autojoin on",
        .run = cmd_bookmark,
    },
};

void cmd_muc_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

/* cmd-roster.c - /roster and /sub: contacts and presence subscriptions. */
#include <string.h>

#include "cmd/internal.h"
#include "model/jid.h"
#include "model/roster.h"
#include "ui/rosterpane.h"
#include "ui/sanitize.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* Done (WHAT says so) or failed with ERR, which is freed. */
static cmd_result report(bool ok, const char *what, char *err)
{
    if (!ok)
        return cmd_fail_err(NULL, err);
    ui_info("%s", what);
    return CMD_OK;
}

/* /roster filter [TEXT], /roster collapse|expand GROUP: the roster pane. */
static cmd_result roster_pane(const char *sub, char **argv, int argc)
{
    char *text = argc ? g_strjoinv(" ", argv) : NULL;
    cmd_result r = CMD_OK;
    char *err = NULL;
    if (!strcmp(sub, "filter")) {
        rosterpane_set_filter(text);
        if (text)
            ui_info("The roster pane shows contacts matching '%s' (/roster filter clears it).",
                    text);
        else
            ui_info("The roster pane shows every contact.");
    } else if (!text) {
        r = cmd_fail("Usage: /roster %s GROUP", sub);
    } else if (!rosterpane_collapse(text, !strcmp(sub, "collapse"), &err)) {
        r = cmd_fail_err(NULL, err);
    }
    g_free(text);
    return r;
}

static cmd_result cmd_roster(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    char *err = NULL;
    if (!strcmp(sub, "list")) {
        if (argc > 1)
            return cmd_fail_extra("roster", "list");
        GPtrArray *all = roster_sorted();
        ui_info("%u contact%s:", all->len, all->len == 1 ? "" : "s");
        for (guint i = 0; i < all->len; i++) {
            roster_contact *c = g_ptr_array_index(all, i);
            char *name = c->name ? sanitize_nick(c->name) : NULL;
            ui_info("  %s%s%s%s  [%s] %s%s%s", c->jid, name ? " (" : "", name ? name : "",
                    name ? ")" : "", c->subscription, presence_show_name(c->show),
                    c->status ? ": " : "", c->status ? c->status : "");
            g_free(name);
        }
        return CMD_OK;
    }
    if (!strcmp(sub, "filter") || !strcmp(sub, "collapse") || !strcmp(sub, "expand"))
        return roster_pane(sub, argv + 1, argc - 1);
    if (argc < 2)
        return cmd_fail("Usage: /roster add JID [NAME] | remove JID | name JID [NAME] | group JID "
                        "[GROUP]");
    const char *who = argv[1];
    const char *val = argc > 2 ? argv[2] : NULL;
    /* The call must finish before ERR is read: a function's arguments are
     * evaluated in no set order, so it cannot be one of report's. */
    bool ok;
    const char *what;
    if (!strcmp(sub, "add")) {
        ok = nx_roster_add(who, val, &err);
        what = "Adding to the roster...";
    } else if (!strcmp(sub, "remove")) {
        if (argc > 2)
            return cmd_fail_extra("roster", "remove JID");
        ok = nx_roster_remove(who, &err);
        what = "Removing from the roster...";
    } else if (!strcmp(sub, "name")) {
        ok = nx_roster_set_name(who, val, &err);
        what = "Renaming...";
    } else if (!strcmp(sub, "group")) {
        ok = nx_roster_set_group(who, val, &err);
        what = "Changing group...";
    } else {
        return cmd_fail("Unknown /roster subcommand '%s'. /help roster", sub);
    }
    return report(ok, what, err);
}

static cmd_result cmd_sub(char **argv, int argc, const char *jid)
{
    if (argc < 1)
        return cmd_fail("Usage: /sub request|allow|deny|cancel [JID]");
    const char *who = argc > 1 ? argv[1] : jid;
    if (!who)
        return cmd_fail("/sub %s: which JID?", argv[0]);
    char *err = NULL;
    if (!nx_subscription(argv[0], who, &err))
        return cmd_fail_err("/sub", err);
    if (!strcmp(argv[0], "request"))
        ui_info("Asked %s to see their presence.", who);
    else if (!strcmp(argv[0], "allow"))
        ui_info("Allowed %s to see your presence.", who);
    else if (!strcmp(argv[0], "deny"))
        ui_info("Denied %s your presence.", who);
    else
        ui_info("Stopped seeing the presence of %s.", who);
    return CMD_OK;
}

static const char *const roster_choices[] = {"list",   "add",      "remove", "name", "group",
                                             "filter", "collapse", "expand", NULL};
static const char *const sub_choices[] = {"request", "allow", "deny", "cancel", NULL};

static const char *const roster_settings[] = {"roster_show_offline", NULL};

static const cmd_def defs[] = {
    {
        .name = "roster",
        .args = "[list | add JID [NAME] | remove JID | name JID [NAME] | group JID [GROUP] | "
                "filter [TEXT] | collapse GROUP | expand GROUP]",
        .summary = "Show or change your contacts",
        .help = "The roster pane beside chats shows contacts grouped, with presence marks:\n"
                "+ online, ~ away, - extended away, ! do not disturb, blank offline.\n"
                "/roster collapse GROUP folds a group into one row (online/shown), expand\n"
                "opens it; /roster filter TEXT shows only matching contacts, /roster filter\n"
                "alone shows all again. Example: /roster collapse Work",
        .choices = roster_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_JID},
        .max_words = 3,
        .rest = CMD_REST_VALUE,
        .topic = "contacts",
        .example = "/roster add bob@example.org Bob",
        .settings = roster_settings,
        .run = cmd_roster,
    },
    {
        .name = "sub",
        .args = "request|allow|deny|cancel [JID]",
        .summary = "Presence subscriptions",
        .help = "request: ask to see JID's presence; allow/deny: answer JID's request;\n"
                "cancel: stop seeing JID's presence. Without JID: the current chat.",
        .choices = sub_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_JID},
        .max_words = 2,
        .topic = "contacts",
        .example = "/sub allow bob@example.org",
        .run = cmd_sub,
    },
};

void cmd_roster_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

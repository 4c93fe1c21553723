/* cmd-core.c - /help, /quit, /set, /save, /win, /close, /lastlog, /clear,
 * /redraw. */
#include <string.h>

#include "cmd/internal.h"
#include "cmd/parse.h"
#include "config/settings.h"
#include "core/loop.h"
#include "store/store.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

static void help_command(const cmd_def *d)
{
    ui_info("/%s %s", d->name, d->args ? d->args : "");
    ui_info("  %s", d->summary);
    if (d->help) {
        char **lines = g_strsplit(d->help, "\n", -1);
        for (char **l = lines; *l; l++)
            ui_info("  %s", *l);
        g_strfreev(lines);
    }
}

static void help_setting(const setting_def *s)
{
    GString *range = g_string_new(NULL);
    switch (s->type) {
    case SETTING_BOOL:
        g_string_append(range, "on or off");
        break;
    case SETTING_INT:
        g_string_append_printf(range, "%ld to %ld", s->min, s->max);
        break;
    case SETTING_ENUM:
        for (const char *const *c = s->choices; c && *c; c++)
            g_string_append_printf(range, "%s%s", c == s->choices ? "" : ", ", *c);
        break;
    case SETTING_PATH:
        g_string_append(range, "a path");
        break;
    default:
        g_string_append(range, "text");
        break;
    }
    ui_info("%s = %s  (%s; default %s; %s)", s->key, settings_get(s->key), range->str,
            *s->def ? s->def : "unset", s->group);
    ui_info("  %s", s->help);
    g_string_free(range, TRUE);
}

static cmd_result cmd_help(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        ui_info("Commands (/help COMMAND for details, /help set KEY for a setting):");
        GPtrArray *all = cmd_all();
        for (guint i = 0; i < all->len; i++) {
            const cmd_def *d = g_ptr_array_index(all, i);
            ui_info("  /%-11s %s", d->name, d->summary);
        }
        ui_info("Keys: Alt+1..0 or Alt+Left/Right switch windows, Alt+A to activity, PgUp/PgDn "
                "scroll, Home/End on an empty line to the top/bottom, Alt+Enter new line, Tab "
                "cycles completions, Up input history, Alt+Up edits your last message, "
                "Ctrl-L redraws.");
        return CMD_OK;
    }
    const char *name = argv[0][0] == '/' ? argv[0] + 1 : argv[0];
    if (strcmp(name, "set") == 0 && argc > 1) {
        const setting_def *s = settings_find(argv[1]);
        if (!s)
            return cmd_fail("No setting '%s'. /set lists them.", argv[1]);
        help_setting(s);
        return CMD_OK;
    }
    const cmd_def *d = cmd_find(name);
    if (!d)
        return cmd_fail("No command /%s. /help lists them.", name);
    help_command(d);
    return CMD_OK;
}

/* Queued messages are kept in the history and sent at the next login, so
 * /quit leaves at once (natter says on the terminal what is still queued:
 * asking would stop scripts and remote control for nothing). Only when
 * quitting would lose something (the history cannot keep the messages, or
 * corrections and retractions, which live in memory only, wait) does the
 * first /quit say so; a second one leaves anyway. */
static cmd_result cmd_quit(char **argv, int argc, const char *jid)
{
    static bool warned;
    unsigned q = nx_queued_count(), edits = nx_queued_edits();
    if (!warned && q && (!store_is_open() || store_pending_count() > 0)) {
        warned = true;
        return cmd_fail("%u queued message%s cannot be saved (the history is not open) and "
                        "would be lost; /quit again to leave anyway.",
                        q, q == 1 ? "" : "s");
    }
    if (!warned && edits) {
        warned = true;
        return cmd_fail("%u correction%s or retraction%s written offline would be lost (only "
                        "messages are kept until the next login); /quit again to leave anyway.",
                        edits, edits == 1 ? "" : "s", edits == 1 ? "" : "s");
    }
    loop_quit();
    return CMD_OK;
}

static cmd_result cmd_set(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        size_t n;
        const setting_def *t = settings_table(&n);
        const char *group = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!group || strcmp(group, t[i].group) != 0) {
                group = t[i].group;
                ui_info("[%s]", group);
            }
            ui_info("  %-20s %s", t[i].key, settings_get(t[i].key));
        }
        ui_info("/set KEY VALUE changes one, /help set KEY explains it, /save keeps them.");
        return CMD_OK;
    }
    if (argc == 1) {
        const setting_def *s = settings_find(argv[0]);
        if (!s)
            return cmd_fail("Unknown setting '%s'. /set lists them.", argv[0]);
        help_setting(s);
        return CMD_OK;
    }
    char *err = NULL;
    if (!settings_set(argv[0], argv[1], &err))
        return cmd_fail_err(NULL, err);
    ui_info("%s = %s", argv[0], settings_get(argv[0]));
    return CMD_OK;
}

static cmd_result cmd_save(char **argv, int argc, const char *jid)
{
    char *err = NULL;
    if (!settings_save(&err))
        return cmd_fail_err("Could not save settings", err);
    ui_info("Settings saved.");
    return CMD_OK;
}

static cmd_result cmd_win(char **argv, int argc, const char *jid)
{
    if (argc == 0 || strcmp(argv[0], "list") == 0) {
        char **list = ui_window_list();
        for (char **l = list; *l; l++)
            ui_info("  %s", *l);
        g_strfreev(list);
        return CMD_OK;
    }
    if (strcmp(argv[0], "next") == 0) {
        ui_cycle_window(1);
        return CMD_OK;
    }
    if (strcmp(argv[0], "prev") == 0) {
        ui_cycle_window(-1);
        return CMD_OK;
    }
    if (strcmp(argv[0], "renumber") == 0) {
        ui_renumber_windows();
        ui_info("Windows renumbered 1 to %d.", ui_window_count());
        return CMD_OK;
    }
    long n;
    if (!parse_int(argv[0], 1, 1000, &n) || !ui_switch_window((int)n))
        return cmd_fail("No window %s. /win list shows them.", argv[0]);
    return CMD_OK;
}

/* Close window NUM; closing a room's window leaves the room. */
static bool close_number(int num)
{
    bool room;
    const char *wjid = ui_window_jid(num, &room);
    if (!wjid)
        return false;
    if (room)
        nx_muc_forget(wjid);
    return ui_close_window_num(num);
}

static cmd_result cmd_close(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        if (ui_current_is_room())
            nx_muc_forget(ui_current_jid());
        if (!ui_close_window())
            return cmd_fail("The console cannot be closed; /quit leaves natter.");
        return CMD_OK;
    }
    if (strcmp(argv[0], "all") == 0 || strcmp(argv[0], "read") == 0) {
        bool only_read = strcmp(argv[0], "read") == 0;
        int count;
        int *nums = ui_window_numbers(only_read, &count);
        for (int i = 0; i < count; i++)
            close_number(nums[i]);
        g_free(nums);
        if (count == 0)
            ui_info("No window to close%s.", only_read ? " without unread messages" : "");
        else
            ui_info("Closed %d window%s.", count, count == 1 ? "" : "s");
        return CMD_OK;
    }
    long n;
    if (!parse_int(argv[0], 1, 100000, &n))
        return cmd_fail("Usage: /close [N | all | read]");
    if (n == 1)
        return cmd_fail("The console cannot be closed; /quit leaves natter.");
    if (!close_number((int)n))
        return cmd_fail("No window %ld. /win list shows them.", n);
    return CMD_OK;
}

static cmd_result cmd_lastlog(char **argv, int argc, const char *jid)
{
    if (argc == 0 || !*argv[0])
        return cmd_fail("Usage: /lastlog TEXT");
    ui_lastlog(argv[0]);
    return CMD_OK;
}

static cmd_result cmd_clear(char **argv, int argc, const char *jid)
{
    ui_clear_window();
    return CMD_OK;
}

static cmd_result cmd_redraw(char **argv, int argc, const char *jid)
{
    ui_redraw();
    return CMD_OK;
}

static cmd_result cmd_notify(char **argv, int argc, const char *jid)
{
    char *err = NULL;
    if (!ui_notify_rule(argc ? argv[0] : NULL, &err))
        return cmd_fail_err("/notify", err);
    return CMD_OK;
}

static const char *const notify_choices[] = {"all", "mentions", "none", "default", NULL};

static const char *const win_choices[] = {"list", "next", "prev", "renumber", NULL};
static const char *const close_choices[] = {"all", "read", NULL};

static const cmd_def defs[] = {
    {
        .name = "help",
        .args = "[COMMAND | set KEY]",
        .summary = "Show commands, or help for one command or setting",
        .complete = {COMPLETE_COMMAND, COMPLETE_SETTING},
        .run = cmd_help,
    },
    {
        .name = "quit",
        .args = "",
        .summary = "Leave natter (disconnects cleanly)",
        .help = "Messages written while offline stay queued in the history and are sent at the\n"
                "next login; natter says how many on leaving. If quitting would lose some (the\n"
                "history cannot keep them, or corrections and retractions written offline\n"
                "wait), the first /quit says so and a second one leaves anyway.",
        .run = cmd_quit,
    },
    {
        .name = "set",
        .args = "[KEY [VALUE]]",
        .summary = "List settings, show one, or change one",
        .help = "Values are checked: an unknown key or a bad value is refused with the reason.\n"
                "Changes apply at once; /save writes them to the settings file.",
        .max_words = 2,
        .complete = {COMPLETE_SETTING, COMPLETE_SETVALUE},
        .run = cmd_set,
    },
    {
        .name = "save",
        .args = "",
        .summary = "Write the current settings to the settings file",
        .run = cmd_save,
    },
    {
        .name = "win",
        .args = "[N | list | next | prev | renumber]",
        .summary = "Switch to window N, or list windows",
        .help = "Alt+1..Alt+0 switch to windows 1-10, Alt+Left/Right to the previous/next,\n"
                "Alt+A to the next window with activity. Numbers stay when a window closes;\n"
                "/win renumber closes the gaps.",
        .max_words = 1,
        .choices = win_choices,
        .complete = {COMPLETE_CHOICES},
        .run = cmd_win,
    },
    {
        .name = "close",
        .args = "[N | all | read]",
        .summary = "Close the current window, window N, all windows or those without unread",
        .help = "Closing a room's window leaves the room. The console stays.\n"
                "Example: /close read",
        .max_words = 1,
        .choices = close_choices,
        .complete = {COMPLETE_CHOICES},
        .run = cmd_close,
    },
    {
        .name = "lastlog",
        .args = "TEXT",
        .summary = "Show the lines of this window that contain TEXT",
        .help = "Case does not matter. Example: /lastlog meeting",
        .max_words = 1,
        .run = cmd_lastlog,
    },
    {
        .name = "notify",
        .args = "[all | mentions | none | default]",
        .summary = "Notification rule for this window",
        .help = "default follows the notify setting. How: beep (bell, marks the tmux window),\n"
                "notify_osc (OSC 777 / OSC 9 desktop notifications over SSH), notify_command;\n"
                "quiet_hours silences them. Nothing notifies while you look at the window.",
        .max_words = 1,
        .choices = notify_choices,
        .complete = {COMPLETE_CHOICES},
        .run = cmd_notify,
    },
    {
        .name = "clear",
        .args = "",
        .summary = "Clear the current window",
        .run = cmd_clear,
    },
    {
        .name = "redraw",
        .args = "",
        .summary = "Redraw the screen (also Ctrl-L)",
        .run = cmd_redraw,
    },
};

void cmd_core_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

/* cmd-core.c - /help, /quit, /set, /unset, /save, /win, /close, /clear, /redraw, /notify. */
#include <string.h>

#include "cmd/internal.h"
#include "cmd/parse.h"
#include "config/settings.h"
#include "core/loop.h"
#include "store/store.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* VALUE of a setting as shown: an empty one says so. */
static const char *shown(const char *value)
{
    return *value ? value : "(empty)";
}

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
    if (d->example)
        ui_info("  Example: %s", d->example);
    if (d->settings) {
        char *list = g_strjoinv(", ", (char **)d->settings);
        ui_info("  Settings: %s (/help set KEY explains one)", list);
        g_free(list);
    }
}

/* /help lines are at most this wide, so that the overview fits an 80x24
 * terminal with the roster pane: 21 rows of 49 columns after the time. */
#define HELP_WIDTH 48

static bool known_topic(const char *topic)
{
    for (const char *const *t = cmd_topics; topic && *t; t++)
        if (!strcmp(*t, topic))
            return true;
    return false;
}

/* The overview's rows after its header (the 22nd row of an 80x24 terminal
 * is the status bar's neighbour: 21 rows with the header). */
#define HELP_ROWS 20

/* One topic of the overview: its rows of commands (wrapped) and the example
 * of its first command. TOPIC NULL: the commands of no known topic. */
typedef struct {
    GPtrArray *rows; /* char* */
    const char *example;
} help_block;

static help_block help_topic(const char *topic)
{
    help_block b = {g_ptr_array_new_with_free_func(g_free), NULL};
    GPtrArray *all = cmd_in_order();
    GString *line = g_string_new(NULL);
    g_string_printf(line, "%s:", topic ? topic : "other");
    bool any = false;
    for (guint i = 0; i < all->len; i++) {
        const cmd_def *d = g_ptr_array_index(all, i);
        if (topic ? g_strcmp0(d->topic, topic) != 0 : known_topic(d->topic))
            continue;
        if (!b.example)
            b.example = d->example;
        if (line->len + 2 + strlen(d->name) > HELP_WIDTH) {
            g_ptr_array_add(b.rows, g_strdup(line->str));
            g_string_assign(line, " ");
        }
        g_string_append_printf(line, " /%s", d->name);
        any = true;
    }
    if (any)
        g_ptr_array_add(b.rows, g_strdup(line->str));
    else
        b.example = NULL;
    g_string_free(line, TRUE);
    return b;
}

static void help_overview(void)
{
    /* Examples of these topics go first when the rows run short; the
     * others are what a newcomer looks for. */
    static const char *const spare[] = {"moderation", "contacts", "windows", "accounts", NULL};
    size_t n = 0;
    for (const char *const *t = cmd_topics; *t; t++)
        n++;
    help_block *blocks = g_new0(help_block, n + 1);
    guint rows = 0;
    for (size_t i = 0; i <= n; i++) {
        const char *topic = i < n ? cmd_topics[i] : NULL;
        if (topic && !strcmp(topic, "basics"))
            continue; /* /help and /quit: said at start */
        blocks[i] = help_topic(topic);
        rows += blocks[i].rows->len + (blocks[i].example ? 1 : 0);
    }
    for (const char *const *s = spare; *s && rows > HELP_ROWS; s++) {
        for (size_t i = 0; i < n; i++) {
            if (blocks[i].rows && !strcmp(cmd_topics[i], *s) && blocks[i].example) {
                blocks[i].example = NULL;
                rows--;
            }
        }
    }
    ui_info("By topic. /help NAME: one; /help all; /help keys");
    for (size_t i = 0; i <= n; i++) {
        if (!blocks[i].rows)
            continue;
        for (guint r = 0; r < blocks[i].rows->len; r++)
            ui_info("%s", (char *)g_ptr_array_index(blocks[i].rows, r));
        if (blocks[i].example)
            ui_info("  e.g. %s", blocks[i].example);
        g_ptr_array_unref(blocks[i].rows);
    }
    g_free(blocks);
}

static void help_keys(void)
{
    ui_info("Keys: Alt+1..0 or Alt+Left/Right switch windows, Alt+A to activity, PgUp/PgDn "
            "scroll, Home/End on an empty line to the top/bottom, Alt+Enter new line, Tab "
            "cycles completions, Up input history, Ctrl-Up edits your last message, Alt+Up "
            "selects a message to act on, Ctrl-L redraws.");
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
    ui_info("%s = %s  (%s; default %s; %s)", s->key, shown(settings_get(s->key)), range->str,
            *s->def ? s->def : "unset", s->group);
    ui_info("  %s", s->help);
    g_string_free(range, TRUE);
}

static cmd_result cmd_help(char **argv, int argc, const char *jid)
{
    if (argc == 0) {
        help_overview();
        return CMD_OK;
    }
    if (argc == 1 && !strcmp(argv[0], "all")) {
        ui_info("Commands (/help COMMAND for details, /help set KEY for a setting):");
        GPtrArray *all = cmd_all();
        for (guint i = 0; i < all->len; i++) {
            const cmd_def *d = g_ptr_array_index(all, i);
            ui_info("  /%-11s %s", d->name, d->summary);
        }
        help_keys();
        return CMD_OK;
    }
    if (argc == 1 && !strcmp(argv[0], "keys")) {
        help_keys();
        return CMD_OK;
    }
    const char *name = argv[0][0] == '/' ? argv[0] + 1 : argv[0];
    if (argc > 1 && strcmp(name, "set") != 0)
        return cmd_fail_extra("help", "[COMMAND | all | keys | set KEY]");
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

/* /quit leaves at once when nothing is waiting. When something is (text
 * typed in other windows and not sent, messages queued while offline, edits
 * written offline), the first /quit says what and a second one right after
 * it (or /quit -f, for scripts) leaves. Queued messages are kept in the
 * history and sent at the next login unless the history cannot keep them. */
static cmd_result cmd_quit(char **argv, int argc, const char *jid)
{
    static unsigned warned_at; /* the command that asked; 0: none */
    if (argc == 1 && strcmp(argv[0], "-f") != 0)
        return cmd_fail("Usage: /quit [-f] (-f: leave without asking)");
    /* Only the very next command answers the question. */
    bool force = argc == 1 || (warned_at && cmd_serial() == warned_at + 1);
    char **drafts = ui_drafts();
    unsigned q = nx_queued_count(), edits = nx_queued_edits();
    unsigned msgs = q > edits ? q - edits : 0;
    GString *why = g_string_new(NULL);
    guint nd = g_strv_length(drafts);
    if (nd) {
        char *names = g_strjoinv(", ", drafts);
        g_string_append_printf(why, "unsent text in %u window%s (%s)", nd, nd == 1 ? "" : "s",
                               names);
        g_free(names);
    }
    if (msgs) {
        bool kept = store_is_open() && store_pending_count() == 0;
        g_string_append_printf(why, "%s%u queued message%s (%s)", why->len ? "; " : "", msgs,
                               msgs == 1 ? "" : "s",
                               kept ? "kept, and sent at the next login"
                                    : "the history is not open: they would be lost");
    }
    if (edits)
        g_string_append_printf(why,
                               "%s%u correction%s or retraction%s written offline (lost on "
                               "quitting)",
                               why->len ? "; " : "", edits, edits == 1 ? "" : "s",
                               edits == 1 ? "" : "s");
    g_strfreev(drafts);
    if (!force && why->len) {
        warned_at = cmd_serial();
        cmd_result result =
            cmd_fail("Not quitting yet: %s. /quit again (or /quit -f) leaves.", why->str);
        g_string_free(why, TRUE);
        return result;
    }
    g_string_free(why, TRUE);
    loop_quit();
    return CMD_OK;
}

/* Setting KEY was changed: write the settings file (settings persist as
 * soon as they are set) and show the value. */
static cmd_result saved(const char *key)
{
    char *err = NULL;
    const setting_def *s = settings_find(key);
    const char *value = shown(settings_get(s->key));
    if (!settings_save(&err)) {
        cmd_result result = cmd_fail("%s = %s (in use, but not saved: %s)", s->key, value, err);
        g_free(err);
        return result;
    }
    ui_info("%s = %s%s", s->key, value, strcmp(s->def, settings_get(s->key)) ? "" : " (default)");
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
            ui_info("  %-20s %s", t[i].key, shown(settings_get(t[i].key)));
        }
        ui_info("/set KEY VALUE changes one (and saves it), /set KEY \"\" empties it, /unset KEY "
                "resets it, /help set KEY explains it.");
        return CMD_OK;
    }
    if (argc == 1) {
        const setting_def *s = settings_find(argv[0]);
        if (!s)
            return cmd_fail("Unknown setting '%s'. /set lists them.", argv[0]);
        help_setting(s);
        return CMD_OK;
    }
    if (!strcmp(argv[0], "theme") && *argv[1])
        return cmd_theme_use(argv[1]); /* checked before it is taken */
    char *err = NULL;
    if (!settings_set(argv[0], argv[1], &err))
        return cmd_fail_err(NULL, err);
    return saved(argv[0]);
}

static cmd_result cmd_unset(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /unset KEY (back to its default)");
    if (!settings_reset(argv[0]))
        return cmd_fail("Unknown setting '%s'. /set lists them.", argv[0]);
    return saved(argv[0]);
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
    char *room = NULL;
    if (!ui_close_window_num(num, &room))
        return false;
    if (room)
        nx_muc_forget(room);
    g_free(room);
    return true;
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
        return cmd_fail("Window 1 is the console: it cannot be closed; /quit leaves natter.");
    if (!close_number((int)n))
        return cmd_fail("No window %ld. /win list shows them.", n);
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

static const char *const notify_settings[] = {"notify",         "beep",        "notify_osc",
                                              "notify_command", "quiet_hours", NULL};

static const cmd_def defs[] = {
    {
        .name = "help",
        .args = "[COMMAND | all | keys | set KEY]",
        .summary = "Show commands by topic, or help for one command or setting",
        .help = "/help all lists every command with its summary; /help keys the keys.",
        .complete = {COMPLETE_COMMAND, COMPLETE_SETTING},
        .max_words = 2,
        .topic = "basics",
        .example = "/help msg",
        .run = cmd_help,
    },
    {
        .name = "quit",
        .args = "[-f]",
        .summary = "Leave natter (disconnects cleanly)",
        .help = "When other windows hold text not sent yet, or messages wait in the offline\n"
                "queue (kept in the history and sent at the next login), or corrections written\n"
                "offline would be lost, the first /quit says so and /quit again leaves.\n"
                "-f leaves without asking (for scripts).",
        .max_words = 1,
        .topic = "basics",
        .example = "/quit",
        .run = cmd_quit,
    },
    {
        .name = "set",
        .args = "[KEY [VALUE]]",
        .summary = "List settings, show one, or change one",
        .help = "Values are checked: an unknown key or a bad value is refused with the reason.\n"
                "Changes apply at once and are written to the settings file. VALUE is the rest\n"
                "of the line; \"quotes\" around all of it are dropped, so /set KEY \"\" empties a\n"
                "text setting.",
        .complete = {COMPLETE_SETTING, COMPLETE_SETVALUE},
        .max_words = 2,
        .rest = CMD_REST_VALUE,
        .topic = "settings",
        .example = "/set time_format %H:%M:%S",
        .run = cmd_set,
    },
    {
        .name = "unset",
        .args = "KEY",
        .summary = "Put a setting back to its default (and save)",
        .complete = {COMPLETE_SETTING},
        .max_words = 1,
        .topic = "settings",
        .example = "/unset time_format",
        .run = cmd_unset,
    },
    {
        .name = "save",
        .args = "",
        .summary = "Write the current settings to the settings file",
        .topic = "settings",
        .example = "/save",
        .run = cmd_save,
    },
    {
        .name = "win",
        .args = "[N | list | next | prev | renumber]",
        .summary = "Switch to window N, or list windows",
        .help = "Alt+1..Alt+0 switch to windows 1-10, Alt+Left/Right to the previous/next,\n"
                "Alt+A to the next window with activity. Numbers stay when a window closes;\n"
                "/win renumber closes the gaps.",
        .choices = win_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 1,
        .topic = "windows",
        .example = "/win 2",
        .run = cmd_win,
    },
    {
        .name = "close",
        .args = "[N | all | read]",
        .summary = "Close the current window, window N, all windows or those without unread",
        .help = "Closing a room's window leaves the room. The console stays.",
        .max_words = 1,
        .choices = close_choices,
        .complete = {COMPLETE_CHOICES},
        .topic = "windows",
        .example = "/close read",
        .run = cmd_close,
    },
    {
        .name = "notify",
        .args = "[all | mentions | none | default]",
        .summary = "Notification rule for this window",
        .help = "default follows the notify setting. How: beep (bell, marks the tmux window),\n"
                "notify_osc (OSC 777 / OSC 9 desktop notifications over SSH), notify_command;\n"
                "quiet_hours silences them. Nothing notifies while you look at the window.",
        .choices = notify_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 1,
        .topic = "windows",
        .example = "/notify mentions",
        .settings = notify_settings,
        .run = cmd_notify,
    },
    {
        .name = "clear",
        .args = "",
        .summary = "Clear the current window",
        .topic = "windows",
        .example = "/clear",
        .run = cmd_clear,
    },
    {
        .name = "redraw",
        .args = "",
        .summary = "Redraw the screen (also Ctrl-L)",
        .topic = "windows",
        .example = "/redraw",
        .run = cmd_redraw,
    },
};

void cmd_core_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

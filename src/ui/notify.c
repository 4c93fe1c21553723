/* notify.c - notifications (see notify.h). */
#include "ui/notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ncurses.h>

#include "config/atomicfile.h"
#include "config/settings.h"
#include "config/values.h"
#include "core/paths.h"
#include "core/spawn.h"
#include "model/jid.h"
#include "xmpp/xmpp.h"

#define OSC_TEXT_MAX 200

static GHashTable *rules; /* window key (bare JID or "console") -> level name */
static bool focused = true;
static bool focus_reported;  /* the terminal sends focus reports */
static gint64 last_input_us; /* monotonic time of the last key */

static const char *window_key(const win_t *w)
{
    return w->jid ? w->jid : "console";
}

static char *rules_path(void)
{
    return paths_config_file("notify");
}

void notify_init(void)
{
    last_input_us = g_get_monotonic_time();
    rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char *path = rules_path();
    GKeyFile *kf = g_key_file_new();
    if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
        char **keys = g_key_file_get_keys(kf, "windows", NULL, NULL);
        for (char **k = keys; k && *k; k++) {
            char *v = g_key_file_get_string(kf, "windows", *k, NULL);
            notify_level l;
            if (v && notify_level_parse(v, &l))
                g_hash_table_replace(rules, g_strdup(*k), g_strdup(notify_level_name(l)));
            g_free(v);
        }
        g_strfreev(keys);
    }
    g_key_file_free(kf);
    g_free(path);
}

void notify_deinit(void)
{
    if (rules)
        g_hash_table_destroy(rules);
    rules = NULL;
}

notify_level notify_window_level(const win_t *w)
{
    const char *v = rules ? g_hash_table_lookup(rules, window_key(w)) : NULL;
    notify_level l = NOTIFY_DEFAULT;
    if (v)
        notify_level_parse(v, &l);
    return l;
}

bool notify_set_window_level(const win_t *w, notify_level l, char **err)
{
    if (w->type == WIN_SEARCH) {
        *err = g_strdup("search windows have no notifications");
        return false;
    }
    if (l == NOTIFY_DEFAULT)
        g_hash_table_remove(rules, window_key(w));
    else
        g_hash_table_replace(rules, g_strdup(window_key(w)), g_strdup(notify_level_name(l)));
    char *path = rules_path();
    bool ok = atomicfile_write_group(path, "windows", rules, err);
    g_free(path);
    return ok;
}

void notify_set_focus(bool f)
{
    focused = f;
    focus_reported = true;
}

void notify_input_seen(void)
{
    last_input_us = g_get_monotonic_time();
}

/* Whether the user looks at the screen. With focus reports the terminal
 * says so; without them (tmux's default is focus-events off) a screen that
 * got no key for notify_idle seconds counts as unseen. */
static bool looking(void)
{
    if (focus_reported)
        return focused;
    long idle = settings_get_int("notify_idle");
    return idle <= 0 || g_get_monotonic_time() - last_input_us < (gint64)idle * G_USEC_PER_SEC;
}

bool notify_user_looking(void)
{
    return looking();
}

static bool quiet_now(void)
{
    int from, to;
    bool on;
    if (!config_parse_time_range(settings_get("quiet_hours"), &from, &to, &on) || !on)
        return false;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return notify_in_quiet(tm.tm_hour * 60 + tm.tm_min, from, to);
}

/* Text safe inside an OSC sequence: no controls at all, no ';' in titles,
 * bounded. */
static char *osc_text(const char *s, bool title)
{
    GString *out = g_string_new(NULL);
    for (const char *p = s; *p && out->len < OSC_TEXT_MAX; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (title && c == ';'))
            g_string_append_c(out, ' ');
        else
            g_string_append_unichar(out, c);
    }
    return g_string_free(out, FALSE);
}

#define MAX_COMMANDS 2 /* notify_command processes at once; more are dropped */
static unsigned commands_running;

static void on_command_done(int status, const char *output, const char *err, void *ud)
{
    commands_running--;
}

void notify_message(win_t *w, const char *from_name, const char *body, const char *mention_nick)
{
    if (!g_utf8_validate(body, -1, NULL) || !g_utf8_validate(from_name, -1, NULL))
        return;
    notify_level global = NOTIFY_ALL;
    notify_level_parse(settings_get("notify"), &global);
    char *own = mention_nick    ? g_strdup(mention_nick)
                : nx_own_bare() ? jid_short_name(nx_own_bare())
                                : NULL;
    notify_input in = {
        .global = global,
        .window = notify_window_level(w),
        .mention = own && notify_mentions(body, own),
        .seen = looking() && w == win_current() && w->scroll == 0,
        .quiet = quiet_now(),
        .room = w->type == WIN_ROOM,
    };
    g_free(own);
    if (!notify_decide(&in))
        return;
    if (settings_get_bool("beep"))
        beep();
    const char *osc = settings_get("notify_osc");
    if (strcmp(osc, "off") != 0) {
        char *title = osc_text(from_name, true), *text = osc_text(body, false);
        if (!strcmp(osc, "777"))
            printf("\033]777;notify;%s;%s\033\\", title, text);
        else
            printf("\033]9;%s: %s\033\\", title, text);
        fflush(stdout);
        g_free(title);
        g_free(text);
    }
    const char *cmd = settings_get("notify_command");
    if (cmd && *cmd && commands_running < MAX_COMMANDS) {
        /* The text goes through the environment, never into the command
         * line: "$NATTER_TEXT" in the command is safe to expand. */
        g_setenv("NATTER_FROM", from_name, TRUE);
        g_setenv("NATTER_TEXT", body, TRUE);
        char *err = NULL;
        if (spawn_shell(cmd, 10000, 4096, on_command_done, NULL, &err))
            commands_running++;
        else
            g_free(err);
        g_unsetenv("NATTER_FROM");
        g_unsetenv("NATTER_TEXT");
    }
}

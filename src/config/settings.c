/* settings.c - global settings: a typed, validated table stored as INI.
 *
 * Values live in memory in normalised string form (booleans "on"/"off",
 * integers in plain decimal, enums in the table's spelling), one slot per
 * table entry; NULL means "the default". The key file read at start-up is
 * kept, so that saving keeps the user's comments, other groups and keys this
 * version does not know (perhaps from a newer natter), and only rewrites
 * what changed.
 */
#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config/atomicfile.h"
#include "config/values.h"
#include "core/event.h"

#define SETTINGS_GROUP "settings"

static const char *const notify_choices[] = {"all", "mentions", "none", NULL};
static const char *const osc_choices[] = {"off", "777", "9", NULL};
static const char *const side_choices[] = {"left", "right", NULL};
static const char *const strangers_choices[] = {"quiet", "notify", "drop", NULL};
static const char *const styling_choices[] = {"on", "raw", NULL};
static const char *const omemo_policy_choices[] = {"manual", "automatic", "always", NULL};
static const char *const omemo_trust_choices[] = {"blind", "manual", NULL};

/* The one table of all settings, listed by group. */
static const setting_def table[] = {
    /* ui */
    {"time_format", SETTING_STRING, "%H:%M", 0, 0, NULL, "ui",
     "strftime format for message timestamps"},
    {"roster_pane", SETTING_BOOL, "on", 0, 0, NULL, "ui", "show the roster pane beside chats"},
    {"roster_width", SETTING_INT, "24", 10, 80, NULL, "ui", "columns of the roster pane"},
    {"roster_show_offline", SETTING_BOOL, "on", 0, 0, NULL, "ui",
     "list offline contacts in the roster pane"},
    {"roster_side", SETTING_ENUM, "right", 0, 0, side_choices, "ui",
     "which side of the screen the roster pane is on"},
    /* Older lines page in from the history (50 in about 0.15 ms); each line
     * kept costs about 250 bytes, per window. */
    {"scrollback_lines", SETTING_INT, "1000", 100, 1000000, NULL, "ui",
     "lines kept in memory per window"},
    {"input_history", SETTING_INT, "500", 0, 100000, NULL, "ui",
     "lines of input history kept per window"},
    {"theme", SETTING_STRING, "default", 0, 0, NULL, "ui",
     "colour theme (/theme list shows them; a theme that fails to load is refused)"},
    {"styling", SETTING_ENUM, "on", 0, 0, styling_choices, "ui",
     "message styling (XEP-0393): on draws *strong*, _emphasis_, ~strike~, `code` and > quotes "
     "with the theme's attributes and the directives dimmed; raw shows messages as sent, without "
     "attributes"},
    /* connection */
    {"reconnect", SETTING_BOOL, "on", 0, 0, NULL, "connection",
     "reconnect after the connection is lost"},
    {"reconnect_max_delay", SETTING_INT, "300", 5, 3600, NULL, "connection",
     "longest wait between reconnection attempts, in seconds"},
    {"ca_file", SETTING_PATH, "", 0, 0, NULL, "connection", "extra CA file for every account"},
    {"ca_path", SETTING_PATH, "", 0, 0, NULL, "connection", "extra CA directory for every account"},
    {"resource", SETTING_STRING, "", 0, 0, NULL, "connection",
     "resource for accounts without one of their own (empty: natter.ID, unique to this "
     "installation)"},
    {"keepalive", SETTING_INT, "60", 0, 3600, NULL, "connection",
     "seconds of silence before natter pings the server (0: never)"},
    {"keepalive_timeout", SETTING_INT, "15", 1, 300, NULL, "connection",
     "seconds to wait for the server's answer to a ping before reconnecting"},
    {"transfer_rate_limit", SETTING_INT, "0", 0, 1000000, NULL, "connection",
     "largest speed of each file upload or download, in KiB/s (0: no limit)"},
    {"download_dir", SETTING_PATH, "", 0, 0, NULL, "connection",
     "folder /download saves files in (empty: $XDG_DOWNLOAD_DIR, else ~/Downloads)"},
    {"open_command", SETTING_STRING, "xdg-open", 0, 0, NULL, "connection",
     "program /open runs on a downloaded file, which is added as its last argument (no shell)"},
    {"osc52_copy", SETTING_BOOL, "off", 0, 0, NULL, "ui",
     "copy to the terminal's clipboard with OSC 52: /url copies the link, c in the message cursor "
     "the text (the terminal must allow it)"},
    /* chat */
    {"strangers", SETTING_ENUM, "quiet", 0, 0, strangers_choices, "chat",
     "messages and subscription requests from people not in the roster: quiet (one "
     "\"strangers\" window, no notification), notify (the same, with notifications) or drop"},
    {"auto_away", SETTING_INT, "15", 0, 1440, NULL, "chat",
     "minutes without input before natter sets you away, with your idle time (0: never)"},
    {"version_os", SETTING_BOOL, "on", 0, 0, NULL, "chat",
     "tell others which operating system natter runs on when they ask for its version"},
    {"omemo_policy", SETTING_ENUM, "manual", 0, 0, omemo_policy_choices, "chat",
     "when a chat is end-to-end encrypted (OMEMO) unless /omemo on|off chose for it: manual "
     "(never), automatic (when the contact has OMEMO devices) or always; rooms only when "
     "members-only and non-anonymous"},
    {"omemo_trust", SETTING_ENUM, "blind", 0, 0, omemo_trust_choices, "chat",
     "which OMEMO devices are encrypted for: blind (new devices of a contact, until you verify "
     "one of them with /omemo trust; then only verified ones) or manual (only verified ones)"},
    {"receipts", SETTING_BOOL, "on", 0, 0, NULL, "chat",
     "ask for and send message delivery receipts"},
    {"chat_states", SETTING_BOOL, "on", 0, 0, NULL, "chat", "send and show typing notifications"},
    {"send_read_markers", SETTING_BOOL, "on", 0, 0, NULL, "chat",
     "tell contacts who may see your presence when you have seen their messages (XEP-0333)"},
    /* group chat */
    {"occupants_pane", SETTING_BOOL, "on", 0, 0, NULL, "muc",
     "show the occupants pane beside room windows (/occupants toggles it)"},
    {"occupants_width", SETTING_INT, "24", 10, 80, NULL, "muc", "columns of the occupants pane"},
    {"muc_fold", SETTING_INT, "50", 0, 1000000, NULL, "muc",
     "in rooms with more occupants, fold consecutive joins and leaves into one line (0: always)"},
    {"muc_selfping", SETTING_INT, "300", 0, 86400, NULL, "muc",
     "seconds between checks that natter is still in its rooms (XEP-0410; 0: off)"},
    {"muc_history", SETTING_INT, "50", 0, 1000, NULL, "muc",
     "messages of discussion history to ask for on the first join of a room"},
    {"beep", SETTING_BOOL, "on", 0, 0, NULL, "notify",
     "ring the terminal bell to notify (tmux and terminals then mark the window)"},
    {"notify", SETTING_ENUM, "all", 0, 0, notify_choices, "notify",
     "which messages notify: all, mentions (of your name) or none (/notify per window)"},
    {"notify_osc", SETTING_ENUM, "off", 0, 0, osc_choices, "notify",
     "desktop notifications through the terminal: off, 777 (OSC 777) or 9 (OSC 9)"},
    {"notify_command", SETTING_STRING, "", 0, 0, NULL, "notify",
     "command run to notify, with $NATTER_FROM and $NATTER_TEXT (e.g. notify-send)"},
    {"quiet_hours", SETTING_STRING, "", 0, 0, NULL, "notify",
     "HH:MM-HH:MM without notifications (may wrap midnight; empty: none)"},
    {"notify_idle", SETTING_INT, "60", 0, 86400, NULL, "notify",
     "without focus reports from the terminal, seconds without a key after which the window on "
     "screen notifies too (0: never)"},
};

#define N_SETTINGS (sizeof table / sizeof table[0])

/* Checks beyond the type for a few settings. */
typedef bool (*setting_check)(const setting_def *d, const char *value, char **err);

/* time_format: 1 to 64 characters. */
static bool check_time_format(const setting_def *d, const char *value, char **err)
{
    glong n = g_utf8_strlen(value, -1);
    if (n < 1 || n > 64) {
        *err = g_strdup_printf("%s must be 1 to 64 characters long", d->key);
        return false;
    }
    return true;
}

/* quiet_hours: "" or HH:MM-HH:MM. */
static bool check_quiet_hours(const setting_def *d, const char *value, char **err)
{
    int f, t;
    bool on;
    if (!config_parse_time_range(value, &f, &t, &on)) {
        *err = g_strdup_printf("%s must be HH:MM-HH:MM (e.g. 23:00-07:00) or empty", d->key);
        return false;
    }
    return true;
}

/* Any string but "". */
static bool check_not_empty(const setting_def *d, const char *value, char **err)
{
    if (*value == '\0') {
        *err = g_strdup_printf("%s must not be empty", d->key);
        return false;
    }
    return true;
}

static const struct {
    const char *key;
    setting_check check;
} extra_checks[] = {
    {"time_format", check_time_format},
    {"theme", check_not_empty},
    {"quiet_hours", check_quiet_hours},
};

static struct {
    char *path;                 /* NULL: nothing is saved */
    GKeyFile *file;             /* as loaded, updated on save; NULL before */
    bool load_failed;           /* the file exists but could not be loaded */
    char *values[N_SETTINGS];   /* normalised; NULL: default */
    char *expanded[N_SETTINGS]; /* SETTING_PATH: "~/" expanded, cached */
} st;

/* Table index + 1 by key, made at the first lookup: the screen reads
 * settings for every message shown, and a walk of the table with strcmp
 * cost 2% of natter's CPU in a flood. */
static GHashTable *index_of_key;

/* Index of KEY in the table, or -1. */
static int find_index(const char *key)
{
    if (key == NULL)
        return -1;
    if (!index_of_key) {
        index_of_key = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = N_SETTINGS; i > 0; i--) /* the first of a key wins, as before */
            g_hash_table_insert(index_of_key, (gpointer)table[i - 1].key, GSIZE_TO_POINTER(i));
    }
    return (int)GPOINTER_TO_SIZE(g_hash_table_lookup(index_of_key, key)) - 1;
}

/* "a, b or c" for the choices of an enum (g_free). */
static char *choices_text(const char *const *choices)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; choices[i]; i++) {
        if (i > 0)
            g_string_append(s, choices[i + 1] ? ", " : " or ");
        g_string_append(s, choices[i]);
    }
    return g_string_free(s, FALSE);
}

/* Validate VALUE for D. Returns the normalised value (g_free), or NULL with
 * *ERR set to one line. */
static char *normalise(const setting_def *d, const char *value, char **err)
{
    if (value == NULL) {
        *err = g_strdup_printf("%s needs a value", d->key);
        return NULL;
    }
    if (!g_utf8_validate(value, -1, NULL)) {
        *err = g_strdup_printf("%s must be valid UTF-8 text", d->key);
        return NULL;
    }
    char *norm = NULL;
    switch (d->type) {
    case SETTING_BOOL: {
        bool b;
        if (!config_parse_bool(value, &b)) {
            *err = g_strdup_printf("%s must be on or off", d->key);
            return NULL;
        }
        norm = g_strdup(b ? "on" : "off");
        break;
    }
    case SETTING_INT: {
        gint64 n;
        if (!g_ascii_string_to_signed(value, 10, d->min, d->max, &n, NULL)) {
            *err = g_strdup_printf("%s must be a number from %ld to %ld", d->key, d->min, d->max);
            return NULL;
        }
        norm = g_strdup_printf("%" G_GINT64_FORMAT, n);
        break;
    }
    case SETTING_ENUM:
        for (size_t i = 0; d->choices[i]; i++) {
            if (g_ascii_strcasecmp(value, d->choices[i]) == 0)
                norm = g_strdup(d->choices[i]);
        }
        if (norm == NULL) {
            char *list = choices_text(d->choices);
            *err = g_strdup_printf("%s must be %s", d->key, list);
            g_free(list);
            return NULL;
        }
        break;
    case SETTING_STRING:
    case SETTING_PATH:
        if (config_has_control(value)) {
            *err = g_strdup_printf("%s must not contain control characters", d->key);
            return NULL;
        }
        norm = g_strdup(value);
        break;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extra_checks); i++) {
        if (strcmp(extra_checks[i].key, d->key) == 0 && !extra_checks[i].check(d, norm, err)) {
            g_free(norm);
            return NULL;
        }
    }
    return norm;
}

/* The current value of entry I (borrowed). */
static const char *current(size_t i)
{
    return st.values[i] ? st.values[i] : table[i].def;
}

/* Store the normalised value NORM (taken over) for entry I. */
static void store(size_t i, char *norm)
{
    g_clear_pointer(&st.values[i], g_free);
    g_clear_pointer(&st.expanded[i], g_free);
    if (norm && strcmp(norm, table[i].def) != 0)
        st.values[i] = norm;
    else
        g_free(norm);
}

/* "~" or "~/..." with the home directory put in (g_free). */
static char *expand_home(const char *path)
{
    if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
        return g_build_filename(g_get_home_dir(), path[1] ? path + 2 : NULL, NULL);
    return g_strdup(path);
}

/* The number of the line of TEXT on which GROUP starts (KEY NULL) or on
 * which KEY is last set inside GROUP, read the way GKeyFile reads lines;
 * 0 when not found. */
static int find_line(const char *text, const char *group, const char *key)
{
    char **lines = g_strsplit(text, "\n", -1);
    int found = 0;
    bool in_group = false;
    for (int n = 0; lines[n]; n++) {
        char *line = g_strstrip(lines[n]);
        if (*line == '\0' || *line == '#')
            continue;
        if (*line == '[') {
            char *end = strrchr(line, ']');
            if (end)
                *end = '\0';
            in_group = strcmp(line + 1, group) == 0;
            if (in_group && key == NULL) {
                found = n + 1;
                break;
            }
            continue;
        }
        char *eq = strchr(line, '=');
        if (!in_group || key == NULL || eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(g_strchomp(line), key) == 0)
            found = n + 1;
    }
    g_strfreev(lines);
    return found;
}

/* How many of the first N entries of KEYS are KEY. */
static size_t count_in(char **keys, size_t n, const char *key)
{
    size_t c = 0;
    for (size_t j = 0; j < n && keys[j]; j++)
        c += strcmp(keys[j], key) == 0;
    return c;
}

/* How many times KEY is set in GROUP of KF. */
static size_t key_count(GKeyFile *kf, const char *group, const char *key)
{
    gsize n = 0;
    char **keys = g_key_file_get_keys(kf, group, &n, NULL);
    size_t c = keys ? count_in(keys, n, key) : 0;
    g_strfreev(keys);
    return c;
}

/* The unescaped string value of KEY in GROUP of KF (g_free), or NULL when it
 * is absent, has a bad escape sequence or is not UTF-8. */
static char *get_string(GKeyFile *kf, const char *group, const char *key)
{
    GError *gerr = NULL;
    char *value = g_key_file_get_string(kf, group, key, &gerr);
    if (gerr) {
        g_error_free(gerr);
        g_free(value);
        return NULL;
    }
    return value;
}

/* Append "PATH:LINE: MESSAGE" to the error list ERRS. */
static void add_file_error(GPtrArray *errs, const char *text, const char *group, const char *key,
                           const char *message)
{
    int line = find_line(text, group, key);
    if (line > 0)
        g_ptr_array_add(errs, g_strdup_printf("%s:%d: %s", st.path, line, message));
    else
        g_ptr_array_add(errs, g_strdup_printf("%s: %s", st.path, message));
}

/* Take the values of the [settings] group of the loaded file; report
 * problems into ERRS. */
static void apply_settings_group(const char *text, GPtrArray *errs)
{
    char **keys = g_key_file_get_keys(st.file, SETTINGS_GROUP, NULL, NULL);
    for (size_t k = 0; keys && keys[k]; k++) {
        char *msg = NULL;
        size_t before = count_in(keys, k, keys[k]);
        if (before > 0) {
            /* GKeyFile uses the last one; say so, once */
            if (before == 1)
                msg = g_strdup_printf("'%s' is set more than once; this last line counts", keys[k]);
        } else if (find_index(keys[k]) < 0) {
            msg = g_strdup_printf("unknown setting '%s'", keys[k]);
        } else {
            int i = find_index(keys[k]);
            char *raw = get_string(st.file, SETTINGS_GROUP, keys[k]);
            char *norm = raw ? normalise(&table[i], raw, &msg) : NULL;
            if (raw == NULL)
                msg = g_strdup_printf("the value of '%s' is not valid (a bad escape or not UTF-8)",
                                      keys[k]);
            else if (norm)
                store((size_t)i, norm);
            g_free(raw);
        }
        if (msg) {
            add_file_error(errs, text, SETTINGS_GROUP, keys[k], msg);
            g_free(msg);
        }
    }
    g_strfreev(keys);
}

/* Take the settings from the loaded file, group by group in file order;
 * report problems into ERRS. */
static void apply_file(const char *text, GPtrArray *errs)
{
    char **groups = g_key_file_get_groups(st.file, NULL);
    for (size_t g = 0; groups[g]; g++) {
        if (strcmp(groups[g], SETTINGS_GROUP) == 0) {
            apply_settings_group(text, errs);
        } else {
            char *msg = g_strdup_printf("unknown group [%s] (ignored)", groups[g]);
            add_file_error(errs, text, groups[g], NULL, msg);
            g_free(msg);
        }
    }
    g_strfreev(groups);
}

/* Load settings from PATH (a missing file is fine: defaults). Unknown keys
 * and invalid values in the file are reported through *ERRORS (a g_malloc'ed
 * string of "file:line: message" lines joined by '\n', or NULL when none;
 * caller frees) and ignored; the rest still load. Returns false only when
 * the file exists but cannot be read or parsed at all (message in *ERRORS);
 * the settings are then the defaults and settings_save() refuses to
 * overwrite that file. PATH NULL: defaults only, nothing is ever saved. */
bool settings_init(const char *path, char **errors)
{
    settings_deinit();
    if (errors)
        *errors = NULL;
    if (path == NULL)
        return true;
    st.path = g_strdup(path);

    char *text = NULL;
    size_t len = 0;
    char *err = NULL;
    if (!atomicfile_read(path, &text, &len, &err)) {
        st.load_failed = true;
        if (errors)
            *errors = err;
        else
            g_free(err);
        return false;
    }
    st.file = g_key_file_new();
    if (text == NULL)
        return true;

    GError *gerr = NULL;
    if (!g_key_file_load_from_data(st.file, text, len, G_KEY_FILE_KEEP_COMMENTS, &gerr)) {
        st.load_failed = true;
        if (errors)
            *errors = g_strdup_printf("cannot load %s: %s", path, gerr->message);
        g_error_free(gerr);
        g_free(text);
        return false;
    }
    GPtrArray *errs = g_ptr_array_new_with_free_func(g_free);
    apply_file(text, errs);
    if (errs->len > 0 && errors) {
        g_ptr_array_add(errs, NULL);
        *errors = g_strjoinv("\n", (char **)errs->pdata);
    }
    g_ptr_array_free(errs, TRUE);
    g_free(text);
    return true;
}

/* Free everything. */
void settings_deinit(void)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        store(i, NULL);
    g_clear_pointer(&st.path, g_free);
    g_clear_pointer(&st.file, g_key_file_free);
    g_clear_pointer(&index_of_key, g_hash_table_destroy);
    st.load_failed = false;
}

/* The table of all settings; *N receives its length. */
const setting_def *settings_table(size_t *n)
{
    if (n)
        *n = N_SETTINGS;
    return table;
}

/* The definition of KEY, or NULL when there is no such setting. */
const setting_def *settings_find(const char *key)
{
    int i = find_index(key);
    return i < 0 ? NULL : &table[i];
}

/* Current value of KEY in string form (borrowed, valid until the next set
 * or reset of KEY); NULL for an unknown key. A SETTING_PATH value comes with
 * a leading "~/" expanded. */
const char *settings_get(const char *key)
{
    int i = find_index(key);
    if (i < 0)
        return NULL;
    if (table[i].type != SETTING_PATH)
        return current((size_t)i);
    if (st.expanded[i] == NULL)
        st.expanded[i] = expand_home(current((size_t)i));
    return st.expanded[i];
}

/* The entry for KEY when it has type TYPE, else NULL with a warning. */
static const setting_def *typed(const char *key, setting_type type, const char *getter)
{
    const setting_def *d = settings_find(key);
    if (d == NULL || d->type != type) {
        g_warning("%s: '%s' is %s", getter, key ? key : "(null)",
                  d ? "of another type" : "not a setting");
        return NULL;
    }
    return d;
}

/* Value of integer setting KEY; 0 (and a warning) when KEY is unknown or
 * not an integer. */
long settings_get_int(const char *key)
{
    if (typed(key, SETTING_INT, "settings_get_int") == NULL)
        return 0;
    return strtol(settings_get(key), NULL, 10);
}

/* Value of boolean setting KEY; false (and a warning) when KEY is unknown
 * or not a boolean. */
bool settings_get_bool(const char *key)
{
    if (typed(key, SETTING_BOOL, "settings_get_bool") == NULL)
        return false;
    return strcmp(settings_get(key), "on") == 0;
}

/* Tell whoever listens (EV_SETTING) that KEY changed. */
static void notify(const char *key)
{
    ev_setting ev = {key};
    event_emit(EV_SETTING, &ev);
}

/* Validate and set KEY to VALUE (in memory). On failure returns false and
 * *ERR (g_free; may be NULL) gets one clear line such as "unknown setting
 * 'foo'" or "roster_width must be a number from 10 to 80". Values are stored
 * normalised: booleans as "on"/"off", integers in plain decimal, enum
 * choices in the table's spelling. */
bool settings_set(const char *key, const char *value, char **err)
{
    int i = find_index(key);
    char *msg = NULL;
    char *norm = NULL;
    if (i < 0)
        msg = g_strdup_printf("unknown setting '%s'", key ? key : "");
    else
        norm = normalise(&table[i], value, &msg);
    if (norm == NULL) {
        if (err)
            *err = msg;
        else
            g_free(msg);
        return false;
    }
    store((size_t)i, norm);
    notify(table[i].key);
    return true;
}

/* Reset KEY to its default. Returns false for an unknown key. */
bool settings_reset(const char *key)
{
    int i = find_index(key);
    if (i < 0)
        return false;
    store((size_t)i, NULL);
    notify(table[i].key);
    return true;
}

/* True when the file already holds entry I with a value that means the
 * current one (so a hand-written "yes" is not rewritten as "on"). */
static bool file_agrees(size_t i)
{
    char *raw = get_string(st.file, SETTINGS_GROUP, table[i].key);
    if (raw == NULL)
        return false;
    char *msg = NULL;
    char *norm = normalise(&table[i], raw, &msg);
    bool same = norm && strcmp(norm, current(i)) == 0;
    g_free(msg);
    g_free(norm);
    g_free(raw);
    return same;
}

/* Write all non-default values to the file given to settings_init,
 * atomically (temp file + rename, 0600, parent dir 0700), keeping comments,
 * other groups and unknown keys. A setting whose line already means the
 * current value is left as written; one that is back to its default loses
 * its line. Returns false with *ERR (g_free; may be NULL) on failure. */
bool settings_save(char **err)
{
    if (st.path == NULL || st.load_failed) {
        if (err)
            *err = st.path ? g_strdup_printf("not overwriting %s: it could not be loaded at "
                                             "start-up; fix or remove it and restart",
                                             st.path)
                           : g_strdup("settings are not saved: no settings file in use");
        return false;
    }
    if (st.file == NULL)
        st.file = g_key_file_new();
    bool was_empty = !g_key_file_has_group(st.file, SETTINGS_GROUP);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (file_agrees(i))
            continue;
        /* GKeyFile cannot remove every copy of a repeated key, so the last
         * copy, the one that counts, gets the value even when it is the
         * default. */
        if (st.values[i] || key_count(st.file, SETTINGS_GROUP, table[i].key) > 1)
            g_key_file_set_string(st.file, SETTINGS_GROUP, table[i].key, current(i));
        else
            g_key_file_remove_key(st.file, SETTINGS_GROUP, table[i].key, NULL);
    }
    if (was_empty && g_key_file_has_group(st.file, SETTINGS_GROUP))
        g_key_file_set_comment(st.file, SETTINGS_GROUP, NULL,
                               " natter settings: /set lists them, /help set explains them", NULL);
    gsize len = 0;
    char *data = g_key_file_to_data(st.file, &len, NULL);
    bool ok = atomicfile_write(st.path, data, len, err);
    g_free(data);
    return ok;
}

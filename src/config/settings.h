/* settings.h - global settings: a typed, validated table stored as INI.
 *
 * Every setting is declared once in settings.c's table (key, type, default,
 * bounds or choices, group, one-line help). /set, /help set, completion and
 * the man page read that table. The file is
 * $XDG_CONFIG_HOME/natter/settings (GKeyFile, group [settings]), written
 * atomically with mode 0600.
 */
#ifndef NATTER_CONFIG_SETTINGS_H
#define NATTER_CONFIG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SETTING_BOOL,   /* "on"/"off" (also accepts true/false, yes/no, 1/0) */
    SETTING_INT,    /* decimal integer within [min, max] */
    SETTING_STRING, /* any UTF-8 without control characters */
    SETTING_ENUM,   /* one of choices[] */
    SETTING_PATH,   /* a path; "~/" expanded when read; empty means unset */
} setting_type;

typedef struct {
    const char *key;
    setting_type type;
    const char *def;            /* default, in string form */
    long min, max;              /* SETTING_INT bounds */
    const char *const *choices; /* SETTING_ENUM: NULL-terminated */
    const char *group;          /* for listing: "ui", "connection", ... */
    const char *help;           /* one line */
} setting_def;

/* Load settings from PATH (a missing file is fine: defaults). Unknown keys
 * and invalid values in the file are reported through *ERRORS (a g_malloc'ed
 * string of "file:line: message" lines, or NULL when none; caller frees) and
 * ignored; the rest still load. Returns false only when the file exists but
 * cannot be read or parsed at all (message in *ERRORS). PATH NULL: defaults
 * only, nothing is ever saved. */
bool settings_init(const char *path, char **errors);

/* Free everything. */
void settings_deinit(void);

/* The table of all settings; *N receives its length. */
const setting_def *settings_table(size_t *n);

/* The definition of KEY, or NULL when there is no such setting. */
const setting_def *settings_find(const char *key);

/* Current value of KEY in string form (borrowed, valid until the next set);
 * NULL for an unknown key. */
const char *settings_get(const char *key);
/* Typed getters; an unknown key or wrong type is a programming error and
 * returns 0/false/"" (and logs). */
long settings_get_int(const char *key);
bool settings_get_bool(const char *key);

/* Validate and set KEY to VALUE (in memory). On failure returns false and
 * *ERR gets one clear line such as "unknown setting 'foo'" or
 * "roster_width must be a number from 10 to 80" (g_free). Booleans are stored
 * normalised as "on"/"off". */
bool settings_set(const char *key, const char *value, char **err);

/* Reset KEY to its default. Returns false for an unknown key. */
bool settings_reset(const char *key);

/* Write all non-default values to the file given to settings_init,
 * atomically (temp file + rename, 0600, parent dir 0700). Returns false with
 * *ERR (g_free) on failure. */
bool settings_save(char **err);

/* A successful settings_set() or settings_reset() emits EV_SETTING with
 * the key (core/event.h): subscribe to it to follow changes. */

#endif

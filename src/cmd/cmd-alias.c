/* cmd-alias.c - /alias: user-defined commands, kept in
 * $XDG_CONFIG_HOME/natter/aliases (INI, group [aliases], 0600).
 *
 * "/NAME ARGS" runs the alias's command with "$*" replaced by ARGS (or
 * ARGS appended when it has no "$*"). Aliases cannot shadow built-in
 * commands, and expansion is bounded so an alias cannot loop. */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/internal.h"
#include "config/atomicfile.h"
#include "core/paths.h"
#include "ui/ui.h"

#define MAX_DEPTH 5

static GHashTable *aliases; /* name -> command */
static int depth;

static bool valid_name(const char *name)
{
    if (!*name || strlen(name) > 32)
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return false;
    return true;
}

static char *aliases_path(void)
{
    return paths_config_file("aliases");
}

static bool save(char **err)
{
    char *path = aliases_path();
    bool ok = atomicfile_write_group(path, "aliases", aliases, err);
    g_free(path);
    return ok;
}

static void load(void)
{
    char *path = aliases_path();
    GKeyFile *kf = g_key_file_new();
    GError *e = NULL;
    if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
        char **keys = g_key_file_get_keys(kf, "aliases", NULL, NULL);
        for (char **k = keys; k && *k; k++) {
            char *v = g_key_file_get_string(kf, "aliases", *k, NULL);
            if (v && valid_name(*k) && !cmd_find(*k) && v[0] == '/')
                g_hash_table_replace(aliases, g_ascii_strdown(*k, -1), v);
            else {
                ui_error("%s: alias '%s' ignored (bad name, built-in name, or not a command)", path,
                         *k);
                g_free(v);
            }
        }
        g_strfreev(keys);
    } else if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        ui_error("Cannot read %s: %s", path, e->message);
    }
    if (e)
        g_error_free(e);
    g_key_file_free(kf);
    g_free(path);
}

bool cmd_alias_run(const char *name, const char *args, const char *jid, cmd_result *result)
{
    const char *expansion = aliases ? g_hash_table_lookup(aliases, name) : NULL;
    if (!expansion)
        return false;
    if (depth >= MAX_DEPTH) {
        *result = cmd_fail("Alias /%s: aliases nested too deep (a loop?)", name);
        return true;
    }
    char *line;
    const char *star = strstr(expansion, "$*");
    if (star)
        line = g_strdup_printf("%.*s%s%s", (int)(star - expansion), expansion, args, star + 2);
    else
        line = *args ? g_strdup_printf("%s %s", expansion, args) : g_strdup(expansion);
    depth++;
    *result = cmd_run_line(line, jid);
    depth--;
    g_free(line);
    return true;
}

static cmd_result cmd_alias(char **argv, int argc, const char *jid)
{
    char *err = NULL;
    if (argc == 0) {
        if (g_hash_table_size(aliases) == 0)
            ui_info("No aliases. /alias NAME COMMAND adds one.");
        GList *keys = g_list_sort(g_hash_table_get_keys(aliases), (GCompareFunc)strcmp);
        for (GList *k = keys; k; k = k->next)
            ui_info("  /%s = %s", (char *)k->data, (char *)g_hash_table_lookup(aliases, k->data));
        g_list_free(keys);
        return CMD_OK;
    }
    /* Command names are case-insensitive: aliases too. */
    g_autofree char *lname = g_ascii_strdown(argv[0][0] == '/' ? argv[0] + 1 : argv[0], -1);
    const char *name = lname;
    if (!strcmp(name, "-remove")) {
        const char *which = argc > 1 ? argv[1] : "";
        if (which[0] == '/')
            which++;
        if (!g_hash_table_remove(aliases, which))
            return cmd_fail("No alias '%s'.", which);
        if (!save(&err))
            return cmd_fail_err("Could not save aliases", err);
        ui_info("Alias /%s removed.", which);
        return CMD_OK;
    }
    if (!valid_name(name))
        return cmd_fail("Alias names are 1-32 letters, digits, '-' or '_'.");
    if (cmd_find(name))
        return cmd_fail("/%s is a built-in command; choose another name.", name);
    if (argc < 2) {
        const char *v = g_hash_table_lookup(aliases, name);
        if (!v)
            return cmd_fail("No alias '%s'. Usage: /alias NAME COMMAND", name);
        ui_info("/%s = %s", name, v);
        return CMD_OK;
    }
    const char *command = argv[1];
    if (command[0] != '/')
        return cmd_fail("An alias runs a command: it must start with '/' (e.g. /msg bob $*).");
    g_hash_table_replace(aliases, g_strdup(name), g_strdup(command));
    if (!save(&err))
        return cmd_fail_err("Alias set for this session, but not saved", err);
    ui_info("/%s = %s", name, command);
    return CMD_OK;
}

void cmd_alias_init(void)
{
    aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    load();
}

void cmd_alias_deinit(void)
{
    if (aliases)
        g_hash_table_destroy(aliases);
    aliases = NULL;
}

static const cmd_def defs[] = {
    {
        .name = "alias",
        .args = "[NAME [COMMAND] | -remove NAME]",
        .summary = "Define your own commands",
        .help = "/alias NAME COMMAND makes /NAME run COMMAND, with $* replaced by what follows\n"
                "/NAME (or appended when COMMAND has no $*).\n"
                "Aliases are saved in $XDG_CONFIG_HOME/natter/aliases.",
        .max_words = 2,
        .rest = CMD_REST_TEXT,
        .topic = "scripting",
        .example = "/alias b /msg bob@example.org $*",
        .run = cmd_alias,
    },
};

void cmd_alias_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

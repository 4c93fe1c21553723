/* cmd-theme.c - /theme: list, load and preview colour themes. */
#include <string.h>

#include "cmd/internal.h"
#include "config/settings.h"
#include "ui/theme.h"
#include "ui/ui.h"

cmd_result cmd_theme_use(const char *name)
{
    /* A theme that does not load is refused here, as the command's one
     * error (with its place when it comes from a script), and the current
     * one stays. */
    int attrs[THEME__COUNT];
    char *err = NULL;
    bool builtin = !strcmp(name, "default"); /* needs no file */
    if (!theme_preview(name, attrs, &err) && !(builtin && g_str_has_prefix(err, "no theme"))) {
        /* A missing theme or a file that is no theme at all is one line; a
         * theme file with errors lists them (file:line), then says so. */
        if (g_str_has_prefix(err, "no theme") || strstr(err, ": not a theme ("))
            return cmd_fail_err(NULL, err);
        cmd_result result = cmd_fail("%s\nTheme '%s' not loaded; keeping '%s'.", g_strchomp(err),
                                     name, theme_current());
        g_free(err);
        return result;
    }
    g_clear_pointer(&err, g_free);
    if (!settings_set("theme", name, &err))
        return cmd_fail_err(NULL, err);
    if (strcmp(theme_current(), name) != 0)
        return cmd_fail("Theme %s not loaded; keeping %s.", name, theme_current());
    if (!settings_save(&err))
        return cmd_fail_err("Theme loaded, but not saved", err);
    ui_info("Theme %s loaded (and saved).", name);
    return CMD_OK;
}

static cmd_result cmd_theme(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    if (!strcmp(sub, "list")) {
        if (argc > 1)
            return cmd_fail_extra("theme", "list");
        char **names = theme_list();
        ui_info("Themes (%s in use; /theme preview NAME, /theme load NAME):", theme_current());
        for (char **n = names; *n; n++)
            ui_info("  %s%s", *n, strcmp(*n, theme_current()) ? "" : " *");
        g_strfreev(names);
        return CMD_OK;
    }
    if (argc < 2)
        return cmd_fail("Usage: /theme list | load NAME | preview NAME");
    if (!strcmp(sub, "preview")) {
        char *errors = NULL;
        if (!ui_theme_preview(argv[1], &errors))
            return cmd_fail_err(NULL, errors); /* one line per error of the file */
        g_free(errors);
        return CMD_OK;
    }
    if (!strcmp(sub, "load"))
        return cmd_theme_use(argv[1]);
    return cmd_fail("Usage: /theme list | load NAME | preview NAME");
}

static const char *const theme_choices[] = {"list", "load", "preview", NULL};

static const char *const theme_settings[] = {"theme", NULL};

static const cmd_def defs[] = {
    {
        .name = "theme",
        .args = "[list | load NAME | preview NAME]",
        .summary = "Colour themes",
        .help =
            "Themes are NAME.theme files in $XDG_CONFIG_HOME/natter/themes (yours) and natter's\n"
            "themes directory. A theme with errors is refused with file and line, and the\n"
            "current one stays. Colours become the nearest the terminal can show.",
        .choices = theme_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 2,
        .topic = "settings",
        .example = "/theme load dark",
        .settings = theme_settings,
        .run = cmd_theme,
    },
};

void cmd_theme_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

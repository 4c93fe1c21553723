/* cmd-theme.c - /theme: list, load and preview colour themes. */
#include <string.h>

#include "cmd/internal.h"
#include "config/settings.h"
#include "ui/theme.h"
#include "ui/ui.h"

static cmd_result cmd_theme(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    if (!strcmp(sub, "list")) {
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
    if (!strcmp(sub, "load")) {
        /* Through the setting, so /save keeps it; a theme that does not
         * load is reported and the current one stays. */
        char *err = NULL;
        if (!settings_set("theme", argv[1], &err))
            return cmd_fail_err(NULL, err);
        if (!strcmp(theme_current(), argv[1]))
            ui_info("Theme %s loaded (/save keeps it).", argv[1]);
        return CMD_OK;
    }
    return cmd_fail("Usage: /theme list | load NAME | preview NAME");
}

static const char *const theme_choices[] = {"list", "load", "preview", NULL};

static const cmd_def defs[] = {
    {
        .name = "theme",
        .args = "[list | load NAME | preview NAME]",
        .summary = "Colour themes",
        .help =
            "Themes are NAME.theme files in $XDG_CONFIG_HOME/natter/themes (yours) and natter's\n"
            "themes directory. A theme with errors is refused with file and line, and the\n"
            "current one stays. Colours become the nearest the terminal can show.",
        .max_words = 2,
        .choices = theme_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_THEME},
        .run = cmd_theme,
    },
};

void cmd_theme_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

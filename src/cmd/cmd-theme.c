/* cmd-theme.c - /theme: list, load and preview colour themes. */
#include <string.h>

#include "cmd/internal.h"
#include "config/settings.h"
#include "ui/theme.h"
#include "ui/ui.h"

static void cmd_theme(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    if (!strcmp(sub, "list")) {
        char **names = theme_list();
        ui_info("Themes (%s in use; /theme preview NAME, /theme load NAME):", theme_current());
        for (char **n = names; *n; n++)
            ui_info("  %s%s", *n, strcmp(*n, theme_current()) ? "" : " *");
        g_strfreev(names);
        return;
    }
    if (argc < 2) {
        ui_error("Usage: /theme list | load NAME | preview NAME");
        return;
    }
    char *errors = NULL;
    if (!strcmp(sub, "preview")) {
        if (!ui_theme_preview(argv[1], &errors)) {
            char **lines = g_strsplit(errors ? errors : "", "\n", -1);
            for (char **l = lines; *l; l++)
                if (**l)
                    ui_error("%s", *l);
            g_strfreev(lines);
        }
    } else if (!strcmp(sub, "load")) {
        /* Through the setting, so /save keeps it; a theme that does not
         * load is reported and the current one stays. */
        char *err = NULL;
        if (!settings_set("theme", argv[1], &err)) {
            ui_error("%s", err);
            g_free(err);
        } else if (!strcmp(theme_current(), argv[1])) {
            ui_info("Theme %s loaded (/save keeps it).", argv[1]);
        }
    } else {
        ui_error("Usage: /theme list | load NAME | preview NAME");
    }
    g_free(errors);
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
        .complete = {COMPLETE_CHOICES},
        .run = cmd_theme,
    },
};

void cmd_theme_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

/* main.c - start-up order, command-line options and the main loop. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cmd/cmd.h"
#include "config/accounts.h"
#include "config/settings.h"
#include "core/event.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/paths.h"
#include "model/roster.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

static char *opt_account;
static char **opt_commands;
static char *opt_log;
static char *opt_dump_man;
static gboolean opt_version;

static const GOptionEntry options[] = {
    {"account", 'a', 0, G_OPTION_ARG_STRING, &opt_account, "Connect ACCOUNT at start", "ACCOUNT"},
    {"command", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &opt_commands,
     "Run COMMAND after start (repeatable)", "COMMAND"},
    {"log", 0, 0, G_OPTION_ARG_FILENAME, &opt_log, "Write a debug log to FILE (no passwords)",
     "FILE"},
    {"version", 'v', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL},
    {"dump-man", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_dump_man,
     "Write the man page from TEMPLATE to stdout", "TEMPLATE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static void on_quit_signal(int signo, void *ud)
{
    loop_quit();
}

static char *config_errors;

static void load_config(void)
{
    char *err = NULL, *path = paths_config_file("settings");
    settings_init(path, &err);
    if (err)
        config_errors = g_strdup_printf("%s", err);
    g_free(err);
    g_free(path);
    err = NULL;
    path = paths_config_file("accounts");
    accounts_init(path, &err);
    if (err) {
        char *both = g_strconcat(config_errors ? config_errors : "", config_errors ? "\n" : "",
                                 err, NULL);
        g_free(config_errors);
        config_errors = both;
    }
    g_free(err);
    g_free(path);
}

static void show_config_errors(void)
{
    if (!config_errors)
        return;
    char **lines = g_strsplit(config_errors, "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l)
            event_log(LOG_ERROR, NULL, "%s", *l);
    g_strfreev(lines);
    g_clear_pointer(&config_errors, g_free);
}

static char **complete_cb(const char *line, int start, const char *word)
{
    return cmd_complete(line, start, word);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    GError *error = NULL;
    GOptionContext *oc = g_option_context_new("- a terminal XMPP client");
    g_option_context_add_main_entries(oc, options, NULL);
    g_option_context_set_summary(
        oc, "Chat over XMPP from a terminal. Type /help inside natter for commands.");
    g_option_context_set_description(
        oc, "Files: $XDG_CONFIG_HOME/natter/{settings,accounts}. See natter(1).");
    if (!g_option_context_parse(oc, &argc, &argv, &error)) {
        fprintf(stderr, "natter: %s (try --help)\n", error->message);
        g_error_free(error);
        g_option_context_free(oc);
        return 2;
    }
    g_option_context_free(oc);
    if (opt_version) {
        printf("natter %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (opt_dump_man) {
        settings_init(NULL, NULL);
        cmd_init();
        char *err = NULL;
        bool ok = cmd_write_man(opt_dump_man, stdout, &err);
        if (!ok)
            fprintf(stderr, "natter: %s\n", err);
        g_free(err);
        cmd_deinit();
        settings_deinit();
        return ok ? 0 : 1;
    }
    if (opt_log) {
        char *err = NULL;
        if (!log_open(opt_log, &err)) {
            fprintf(stderr, "natter: %s\n", err);
            g_free(err);
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    load_config();
    if (!loop_init()) {
        fprintf(stderr, "natter: cannot set up the main loop\n");
        return 1;
    }
    roster_init();
    if (!xmpp_init()) {
        fprintf(stderr, "natter: cannot initialise libstrophe\n");
        return 1;
    }
    char *err = NULL;
    if (!ui_init(&err)) {
        fprintf(stderr, "natter: %s\n", err);
        g_free(err);
        return 1;
    }
    cmd_init();
    ui_set_line_handler(cmd_handle_line);
    ui_set_completer(complete_cb);
    loop_on_signal(SIGTERM, on_quit_signal, NULL);
    loop_on_signal(SIGHUP, on_quit_signal, NULL);
    loop_on_signal(SIGINT, on_quit_signal, NULL);

    ui_console("natter %s - type /help for commands, /quit to leave.", PACKAGE_VERSION);
    show_config_errors();
    if (opt_account) {
        cmd_connect_account(opt_account);
    } else {
        for (size_t i = 0; i < accounts_count(); i++)
            if (accounts_nth(i)->autoconnect)
                cmd_connect_account(accounts_nth(i)->name);
        if (accounts_count() == 0)
            ui_console("No account yet: /account add NAME JID, then /connect NAME.");
    }
    for (char **c = opt_commands; c && *c; c++)
        if (!cmd_execute(*c))
            ui_error("-c: '%s' is not a command", *c);

    loop_run();

    xmpp_deinit();
    cmd_deinit();
    ui_deinit();
    roster_deinit();
    accounts_deinit();
    settings_deinit();
    event_deinit();
    loop_deinit();
    log_close();
    g_free(opt_account);
    g_strfreev(opt_commands);
    g_free(opt_log);
    return 0;
}

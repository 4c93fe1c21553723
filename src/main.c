/* main.c - start-up order, command-line options and the main loop. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cmd/autoaway.h"
#include "cmd/chatstate.h"
#include "cmd/cmd.h"
#include "cmd/remote.h"
#include "config/accounts.h"
#include "config/instance.h"
#include "config/settings.h"
#include "files/download.h"
#include "files/transfer.h"
#include "net/castore.h"
#include "net/http.h"
#include "core/event.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/paths.h"
#include "e2e/e2e.h"
#include "model/jid.h"
#include "model/conversation.h"
#include "model/ignore.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/recorder.h"
#include "store/store.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

static char *opt_account;
static char **opt_commands;
static char *opt_log;
static char *opt_dump_man;
static gboolean opt_version;
static char *opt_export;
static char **opt_remote;
static char *opt_commands_file;
static char *opt_format;
static gboolean opt_events;
static char *opt_filter;

static const GOptionEntry options[] = {
    {"account", 'a', 0, G_OPTION_ARG_STRING, &opt_account, "Connect ACCOUNT at start", "ACCOUNT"},
    {"command", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &opt_commands,
     "Run COMMAND after start (repeatable)", "COMMAND"},
    {"log", 0, 0, G_OPTION_ARG_FILENAME, &opt_log, "Write a debug log to FILE (no passwords)",
     "FILE"},
    {"version", 'v', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL},
    {"export", 0, 0, G_OPTION_ARG_STRING, &opt_export,
     "Print the history with JID (or 'all') of the account (-a, or the only one) and exit", "JID"},
    {"remote", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &opt_remote,
     "Run COMMAND in the natter already running (-a picks which); repeatable", "COMMAND"},
    {"events", 0, 0, G_OPTION_ARG_NONE, &opt_events,
     "With --remote: print what happens in the running natter as JSON lines", NULL},
    {"filter", 0, 0, G_OPTION_ARG_STRING, &opt_filter,
     "With --events: only these kinds (messages,receipts,chatstates,presence,rooms,connection,"
     "transfers)",
     "KINDS"},
    {"commands-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_commands_file,
     "Run the commands in FILE at start (default: $XDG_CONFIG_HOME/natter/startup)", "FILE"},
    {"format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "Export format: text (default) or json",
     "FORMAT"},
    {"dump-man", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_dump_man,
     "Write the man page from TEMPLATE to stdout", "TEMPLATE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

/* Input activity: typing notifications, and the user is back. */
static void on_input(const char *jid, const char *text, bool entered)
{
    chatstate_input(jid, text, entered);
    autoaway_input();
}

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
        char *both =
            g_strconcat(config_errors ? config_errors : "", config_errors ? "\n" : "", err, NULL);
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

/* natter --export: history to stdout, no terminal needed. */
static int run_export(void)
{
    store_export_format fmt = STORE_EXPORT_TEXT;
    if (opt_format && !strcmp(opt_format, "json"))
        fmt = STORE_EXPORT_JSON;
    else if (opt_format && strcmp(opt_format, "text") != 0) {
        fprintf(stderr, "natter: --format must be text or json\n");
        return 2;
    }
    const account_t *a = opt_account             ? accounts_find(opt_account)
                         : accounts_count() == 1 ? accounts_nth(0)
                                                 : NULL;
    if (!a) {
        fprintf(stderr, "natter: --export needs -a ACCOUNT (one of the accounts file)\n");
        return 2;
    }
    char *peer = NULL;
    if (strcmp(opt_export, "all") != 0) {
        peer = jid_bare_of(opt_export);
        if (!peer) {
            fprintf(stderr, "natter: '%s' is not a valid JID\n", opt_export);
            return 2;
        }
    }
    char *err = NULL;
    if (!store_open(paths_data_dir(), a->jid, &err)) {
        fprintf(stderr, "natter: cannot open the history of %s: %s\n", a->jid, err);
        g_free(err);
        g_free(peer);
        return 1;
    }
    if (peer && store_oldest_ts(peer) == 0) {
        fprintf(stderr, "natter: no history with %s in %s's history; nothing exported\n", peer,
                a->jid);
        g_free(peer);
        store_close();
        return 1;
    }
    bool ok = store_export(peer, fmt, stdout, &err);
    if (ok && fflush(stdout) != 0)
        ok = false;
    /* A reader that stopped reading (natter --export | head) is not an
     * error: it has what it wanted. */
    bool closed = !ok && (errno == EPIPE || (err && strstr(err, g_strerror(EPIPE))));
    if (!ok && !closed)
        fprintf(stderr, "natter: %s\n", err ? err : "export failed: write error");
    g_free(err);
    g_free(peer);
    store_close();
    return ok || closed ? 0 : 1;
}

/* Run the command LINE; a failure is reported once, after WHERE (the place
 * the line came from). */
static void run_reporting(const char *line, const char *where)
{
    char *err = NULL;
    if (cmd_execute(line, &err) != CMD_OK) {
        cmd_show_error(where, err);
        g_free(err);
    }
}

/* Commands run at start: one per line, '#' comments, from --commands-file
 * or $XDG_CONFIG_HOME/natter/startup when it exists. */
static void run_startup_file(void)
{
    char *path = opt_commands_file ? g_strdup(opt_commands_file) : paths_config_file("startup");
    char *text = NULL;
    GError *e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e)) {
        if (opt_commands_file)
            ui_error("Cannot read %s: %s", path, e->message);
        g_error_free(e);
        g_free(path);
        return;
    }
    char **lines = g_strsplit(text, "\n", -1);
    int n = 0;
    for (char **l = lines; *l; l++) {
        n++;
        char *line = g_strstrip(*l);
        if (!*line || *line == '#')
            continue;
        if (!g_utf8_validate(line, -1, NULL) || *line != '/') {
            ui_error("%s:%d: not a command: %s", path, n, line);
            continue;
        }
        char *where = g_strdup_printf("%s:%d: ", path, n);
        run_reporting(line, where);
        g_free(where);
    }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
}

/* The -c commands, in order. */
static void run_command_options(void)
{
    for (char **c = opt_commands; c && *c; c++) {
        char *where = g_strdup_printf("-c '%s': ", *c);
        run_reporting(*c, where);
        g_free(where);
    }
}

/* Hand what earlier runs left queued in the account's history to xmpp/,
 * which sends it at the next login. */
static void load_queue(void)
{
    GPtrArray *msgs = store_queued();
    for (guint i = 0; i < msgs->len; i++) {
        const store_msg *m = g_ptr_array_index(msgs, i);
        char *reply_id = NULL, *reply_to = NULL, *quote = NULL;
        cmd_reply_of(m->peer, m->rowid, &reply_id, &reply_to, &quote);
        nx_queue_restore_reply(m->peer, m->body, m->origin_id ? m->origin_id : m->msg_id,
                               !m->queued && m->server_ack == STORE_ACK_PENDING, reply_id, reply_to,
                               quote);
        g_free(reply_id);
        g_free(reply_to);
        g_free(quote);
    }
    g_ptr_array_unref(msgs);
}

/* Said on the terminal once the screen is gone, where the user reads it
 * after natter left: what did not leave and when it will. */
static void report_queue(unsigned queued, unsigned edits)
{
    if (edits)
        fprintf(stderr, "natter: %u correction%s or retraction%s written offline %s not sent.\n",
                edits, edits == 1 ? "" : "s", edits == 1 ? "" : "s", edits == 1 ? "was" : "were");
    queued -= edits;
    if (!queued)
        return;
    if (store_is_open() && store_pending_count() == 0)
        fprintf(stderr, "natter: %u message%s still queued; %s sent at the next login.\n", queued,
                queued == 1 ? " is" : "s are", queued == 1 ? "it will be" : "they will be");
    else
        fprintf(stderr, "natter: %u queued message%s could not be saved and %s lost.\n", queued,
                queued == 1 ? "" : "s", queued == 1 ? "was" : "were");
}

static char **complete_cb(const char *line, int start, const char *word)
{
    return cmd_complete(line, start, word);
}

/* `--remote --events`: --remote takes a command, so this would make
 * "--events" its command. Take that pair as --events (which implies
 * --remote) before the options are parsed. */
static void take_remote_events(int *argc, char **argv)
{
    for (int i = 1; i + 1 < *argc; i++) {
        if (!strcmp(argv[i], "--"))
            return;
        if ((!strcmp(argv[i], "--remote") || !strcmp(argv[i], "-r")) &&
            !strcmp(argv[i + 1], "--events")) {
            memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)(*argc - i));
            (*argc)--;
            return;
        }
    }
}

/* Convert the history of ACCOUNT when an older natter made it, saying so
 * on the terminal: for a big history this takes seconds, and once the
 * screen is up natter would seem to hang meanwhile. */
static void upgrade_history(const account_t *a)
{
    if (!a || !a->jid || !store_needs_upgrade(paths_data_dir(), a->jid))
        return;
    fprintf(stderr, "natter: converting the history of %s to this version's format (once)...\n",
            a->jid);
    char *err = NULL;
    if (!store_open(paths_data_dir(), a->jid, &err)) {
        /* said again, in the window, when the account connects */
        fprintf(stderr, "natter: %s\n", err ? err : "the history cannot be opened");
        g_free(err);
    }
    store_close();
}

/* The histories of the accounts this start connects. */
static void upgrade_histories(void)
{
    if (opt_account) {
        upgrade_history(accounts_find(opt_account));
        return;
    }
    for (size_t i = 0; i < accounts_count(); i++)
        if (accounts_nth(i)->autoconnect)
            upgrade_history(accounts_nth(i));
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    GError *error = NULL;
    take_remote_events(&argc, argv);
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
    if (opt_filter && !opt_events) {
        fprintf(stderr, "natter: --filter goes with --remote --events\n");
        return 2;
    }
    if (opt_events) {
        if (opt_remote) {
            fprintf(stderr, "natter: --events takes no commands; run them with another --remote\n");
            return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        return remote_events(opt_account, opt_filter);
    }
    if (opt_remote) {
        signal(SIGPIPE, SIG_IGN);
        return remote_run(opt_account, opt_remote);
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
    castore_prefer_directory();
    load_config();
    if (opt_export) {
        int rc = run_export();
        accounts_deinit();
        settings_deinit();
        return rc;
    }
    if (!loop_init()) {
        fprintf(stderr, "natter: cannot set up the main loop\n");
        return 1;
    }
    roster_init();
    muc_model_init();
    conv_init();
    recorder_init();
    recorder_set_encrypted_hook(e2e_chat_enabled);
    files_attach_init();
    if (!nx_init()) {
        fprintf(stderr, "natter: cannot initialise libstrophe\n");
        return 1;
    }
    nx_set_state_hooks(recorder_state_get, recorder_state_set);
    nx_set_queue_hook(load_queue);
    e2e_init();
    upgrade_histories();
    char *err = NULL;
    if (!ui_init(&err)) {
        fprintf(stderr, "natter: %s\n", err);
        g_free(err);
        return 1;
    }
    cmd_init();
    cmd_load_user_config();
    ui_set_line_handler(cmd_handle_line);
    ui_set_completer(complete_cb);
    ui_set_input_handler(on_input);
    autoaway_init();
    loop_on_signal(SIGTERM, on_quit_signal, NULL);
    loop_on_signal(SIGHUP, on_quit_signal, NULL);
    loop_on_signal(SIGINT, on_quit_signal, NULL);

    ui_console("natter %s - type /help for commands, /quit to leave.", PACKAGE_VERSION);
    show_config_errors();
    /* The remote-control socket is named for the account natter runs
     * (`natter -a NAME --remote` finds it), "default" when it runs none or
     * several. */
    char *remote_name = g_strdup(opt_account);
    unsigned autoconnected = 0;
    if (opt_account) {
        cmd_connect_account(opt_account);
    } else {
        for (size_t i = 0; i < accounts_count(); i++) {
            if (accounts_nth(i)->autoconnect) {
                cmd_connect_account(accounts_nth(i)->name);
                g_free(remote_name);
                remote_name = autoconnected++ ? NULL : g_strdup(accounts_nth(i)->name);
            }
        }
        if (accounts_count() == 0)
            ui_console("No account yet: /account add NAME JID, then /connect NAME.");
    }
    run_startup_file();
    run_command_options();
    char *rerr = NULL;
    if (!remote_init(remote_name, &rerr)) {
        ui_error("Remote control is off: %s", rerr);
        g_free(rerr);
    }
    g_free(remote_name);

    loop_run();

    unsigned queued = nx_queued_count(), edits = nx_queued_edits();
    files_deinit();          /* uploads still running are abandoned */
    files_download_deinit(); /* and downloads, with what they wrote */
    files_attach_deinit();
    http_deinit();
    remote_deinit();
    nx_deinit();
    e2e_deinit();
    cmd_deinit();
    chatstate_deinit();
    autoaway_deinit();
    ui_deinit();
    report_queue(queued, edits);
    recorder_deinit();
    conv_deinit();
    ignore_deinit();
    muc_model_deinit();
    roster_deinit();
    accounts_deinit();
    instance_release();
    settings_deinit();
    event_deinit();
    loop_deinit();
    log_close();
    g_free(opt_account);
    g_strfreev(opt_commands);
    g_free(opt_log);
    g_free(opt_export);
    g_strfreev(opt_remote);
    g_free(opt_filter);
    g_free(opt_commands_file);
    g_free(opt_format);
    return 0;
}

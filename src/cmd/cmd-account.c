/* cmd-account.c - /account, /connect, /disconnect, /tls.
 *
 * Passwords: a saved one (only when the user asked with /account password),
 * else the account's eval_password command (run without blocking, first line
 * of its output), else asked for in the input line with the text hidden.
 * They are handed to the XMPP layer and never printed or logged.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/internal.h"
#include "cmd/parse.h"
#include "config/accounts.h"
#include "core/spawn.h"
#include "model/jid.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

#define EVAL_TIMEOUT_MS 30000

/* A connection waiting for its password. */
typedef struct {
    account_t *acct;     /* a copy without secrets */
    char *save_to;       /* /account password: save into this account instead */
    unsigned generation; /* eval_password jobs: valid while it equals eval_generation */
} pending_login;

static pending_login *pending;   /* the login waiting at the password prompt */
static account_t *adhoc;         /* the last /connect JID not in the accounts file */
static unsigned eval_generation; /* bumped to cancel running eval_password jobs */

static void pending_free(pending_login *p)
{
    if (!p)
        return;
    accounts_free_copy(p->acct);
    g_free(p->save_to);
    g_free(p);
}

static pending_login *pending_from(const account_t *a)
{
    pending_login *p = g_new0(pending_login, 1);
    p->acct = accounts_copy(a);
    return p;
}

/* Start the login of P (from a command, or a callback: then an error is
 * only shown). */
static cmd_result do_connect(pending_login *p, const char *password)
{
    char *err = NULL;
    if (!nx_connect_account(p->acct, password, &err))
        return cmd_fail_err("Cannot connect", err);
    return CMD_OK;
}

static void on_secret(const char *secret, void *ud)
{
    pending_login *p = pending;
    pending = NULL;
    if (!p)
        return;
    if (!secret) {
        ui_info("Cancelled.");
    } else if (p->save_to) {
        char *err = NULL;
        if (!accounts_set(p->save_to, "password", secret, &err) || !accounts_save(&err)) {
            ui_error("Could not save the password: %s", err);
            g_free(err);
        } else {
            ui_info("Password saved for account %s (in the accounts file, mode 0600).", p->save_to);
        }
    } else if (!*secret) {
        ui_error("Empty password; not connecting.");
    } else {
        (void)do_connect(p, secret);
    }
    pending_free(p);
}

/* The eval_password job owns its login (UD) and frees it here, whatever
 * happened meanwhile; a login started or cancelled since makes it stale. */
static void on_eval_done(int status, const char *output, const char *err, void *ud)
{
    pending_login *p = ud;
    if (p->generation != eval_generation || nx_state() != CONN_DISCONNECTED) {
        pending_free(p);
        return;
    }
    if (err || status != 0) {
        ui_error("eval_password for %s failed: %s", p->acct->name,
                 err ? err : (status > 0 ? "the command exited with an error" : "no output"));
        pending_free(p);
        return;
    }
    const char *nl = strchr(output, '\n');
    char *pw = g_strndup(output, nl ? (gsize)(nl - output) : strlen(output));
    if (!*pw)
        ui_error("eval_password for %s printed nothing.", p->acct->name);
    else
        (void)do_connect(p, pw);
    explicit_bzero(pw, strlen(pw));
    g_free(pw);
    pending_free(p);
}

static cmd_result login(const account_t *a)
{
    if (nx_state() != CONN_DISCONNECTED)
        return cmd_fail("Already connected or connecting; /disconnect first.");
    /* A new login replaces any earlier one still waiting. */
    pending_free(pending);
    pending = NULL;
    eval_generation++;
    /* Commands run while the password is asked for or computed (-c, the
     * startup file) already write as this account. */
    nx_select_account(a);
    if (a->password) {
        pending_login *p = pending_from(a);
        cmd_result result = do_connect(p, a->password);
        pending_free(p);
        return result;
    }
    if (a->eval_password) {
        pending_login *p = pending_from(a);
        p->generation = eval_generation;
        char *err = NULL;
        if (!spawn_shell(a->eval_password, EVAL_TIMEOUT_MS, 4096, on_eval_done, p, &err)) {
            pending_free(p);
            cmd_result result = cmd_fail("Cannot run eval_password for %s: %s", a->name, err);
            g_free(err);
            return result;
        }
        return CMD_OK;
    }
    pending = pending_from(a);
    char *prompt = g_strdup_printf("Password for %s: ", a->jid);
    ui_ask_secret(prompt, on_secret, NULL);
    g_free(prompt);
    return CMD_OK;
}

void cmd_connect_account(const char *name)
{
    const account_t *a = accounts_find(name);
    if (!a) {
        ui_error("No account '%s'. /account list shows them, /account add NAME JID adds one.",
                 name);
        return;
    }
    (void)login(a);
}

static cmd_result cmd_connect(char **argv, int argc, const char *jid)
{
    const account_t *a = NULL;
    int optstart = 1;
    if (argc == 0 || (argc % 2 == 0 && accounts_count() == 1)) {
        if (accounts_count() != 1)
            return cmd_fail(
                "Which account? /connect ACCOUNT or /connect JID (accounts: /account list)");
        a = accounts_nth(0);
        optstart = 0;
    } else {
        a = accounts_find(argv[0]);
    }
    account_t tmp = {0};
    if (a) {
        tmp = *a;
    } else {
        if (!jid_is_valid_bare(argv[0]))
            return cmd_fail("'%s' is neither an account nor a valid JID (user@server).", argv[0]);
        tmp.name = argv[0];
        tmp.jid = argv[0];
        tmp.tls = ACCOUNT_TLS_FORCE;
        static char *no_pins[] = {NULL};
        tmp.pinned_certs = no_pins;
    }
    bool is_adhoc = !a;
    static const char *const keys[] = {"server", "port", "tls", NULL};
    const char *vals[3];
    char *err = NULL;
    if (!parse_options(argv, argc, optstart, keys, vals, &err))
        return cmd_fail_err("/connect", err);
    if (vals[0])
        tmp.server = (char *)vals[0];
    if (vals[1]) {
        long port;
        if (!parse_int(vals[1], 1, 65535, &port))
            return cmd_fail("/connect: port must be a number from 1 to 65535");
        tmp.port = (int)port;
    }
    if (vals[2]) {
        if (!strcmp(vals[2], "force"))
            tmp.tls = ACCOUNT_TLS_FORCE;
        else if (!strcmp(vals[2], "direct"))
            tmp.tls = ACCOUNT_TLS_DIRECT;
        else if (!strcmp(vals[2], "allow-plain"))
            tmp.tls = ACCOUNT_TLS_ALLOW_PLAIN;
        else
            return cmd_fail("/connect: tls must be force, direct or allow-plain");
    }
    if (is_adhoc) {
        accounts_free_copy(adhoc);
        adhoc = accounts_copy(&tmp);
    }
    return login(&tmp);
}

static cmd_result cmd_disconnect(char **argv, int argc, const char *jid)
{
    eval_generation++; /* a password command still running is forgotten */
    if (pending) {
        pending_free(pending);
        pending = NULL;
    }
    nx_disconnect_user(); /* also cancels a pending reconnect */
    return CMD_OK;
}

static void show_account(const account_t *a)
{
    ui_info("%s: %s", a->name, a->jid);
    char *port = a->port
                     ? g_strdup_printf("%d", a->port)
                     : g_strdup_printf("default (%d)", a->tls == ACCOUNT_TLS_DIRECT ? 5223 : 5222);
    ui_info("  resource %s, server %s, port %s, tls %s",
            a->resource ? a->resource : "(unique to this installation)",
            a->server ? a->server : "(from the JID)", port, accounts_tls_name(a->tls));
    g_free(port);
    ui_info("  password: %s", a->password        ? "saved"
                              : a->eval_password ? "from eval_password"
                                                 : "asked at login");
    if (a->ca_file)
        ui_info("  ca_file %s", a->ca_file);
    if (a->ca_path)
        ui_info("  ca_path %s", a->ca_path);
    for (char **p = a->pinned_certs; p && *p; p++)
        ui_info("  pinned certificate %s", *p);
}

static cmd_result save_accounts(const char *what)
{
    char *err = NULL;
    if (!accounts_save(&err))
        return cmd_fail_err("Could not save accounts", err);
    ui_info("%s", what);
    return CMD_OK;
}

/* Words each /account subcommand takes, itself included ("set" takes the
 * rest of the line as its value). */
static const struct {
    const char *name;
    int words;
    const char *usage;
} account_subs[] = {
    {"list", 1, "list"},
    {"add", 3, "add NAME JID"},
    {"remove", 3, "remove NAME [-f]"},
    {"show", 2, "show NAME"},
    {"set", 4, "set NAME KEY [VALUE]"},
    {"password", 2, "password NAME"},
    {"forget", 2, "forget NAME"},
};

/* The account removal that waits for a second /account remove right after
 * it: removing the account in use asks first. */
static char *remove_asked;
static unsigned remove_asked_at; /* cmd_serial() when it asked */

static cmd_result cmd_account(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "list";
    char *err = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(account_subs); i++)
        if (!strcmp(sub, account_subs[i].name) && argc > account_subs[i].words)
            return cmd_fail_extra("account", account_subs[i].usage);
    if (!strcmp(sub, "list")) {
        if (accounts_count() == 0)
            ui_info("No accounts. /account add NAME JID adds one.");
        for (size_t i = 0; i < accounts_count(); i++) {
            const account_t *a = accounts_nth(i);
            ui_info("  %s: %s%s", a->name, a->jid,
                    g_strcmp0(nx_account_name(), a->name) == 0 ? " (in use)" : "");
        }
        return CMD_OK;
    }
    if (!strcmp(sub, "add")) {
        if (argc < 3)
            return cmd_fail("Usage: /account add NAME JID");
        if (!accounts_add(argv[1], argv[2], &err))
            return cmd_fail_err("/account add", err);
        char *msg = g_strdup_printf("Account %s added. /connect %s logs in; /account set %s KEY "
                                    "VALUE sets server, port, tls, eval_password...",
                                    argv[1], argv[1], argv[1]);
        cmd_result result = save_accounts(msg);
        g_free(msg);
        return result;
    }
    if (!strcmp(sub, "remove")) {
        const account_t *a = argc > 1 ? accounts_find(argv[1]) : NULL;
        if (argc == 3 && strcmp(argv[2], "-f") != 0)
            return cmd_fail_extra("account", "remove NAME [-f]");
        bool in_use =
            a && !g_strcmp0(nx_account_name(), a->name) && nx_state() != CONN_DISCONNECTED;
        bool again = a && remove_asked && !strcmp(remove_asked, a->name) &&
                     cmd_serial() == remove_asked_at + 1;
        g_clear_pointer(&remove_asked, g_free);
        if (in_use && argc < 3 && !again) {
            remove_asked = g_strdup(a->name);
            remove_asked_at = cmd_serial();
            return cmd_fail("Account %s is in use (connected). /account remove %s again (or "
                            "/account remove %s -f) removes it; natter stays connected until "
                            "/disconnect.",
                            a->name, a->name, a->name);
        }
        if (argc < 2 || !accounts_remove(argv[1]))
            return cmd_fail("Usage: /account remove NAME (an existing account)");
        return save_accounts("Account removed.");
    }
    if (!strcmp(sub, "show")) {
        const account_t *a = argc > 1 ? accounts_find(argv[1]) : NULL;
        if (!a)
            return cmd_fail("Usage: /account show NAME (an existing account)");
        show_account(a);
        return CMD_OK;
    }
    if (!strcmp(sub, "set")) {
        if (argc < 3)
            return cmd_fail("Usage: /account set NAME KEY [VALUE]");
        if (!strcmp(argv[2], "password"))
            return cmd_fail("Use /account password NAME: it asks without showing what you type.");
        if (!accounts_set(argv[1], argv[2], argc > 3 ? argv[3] : NULL, &err))
            return cmd_fail_err("/account set", err);
        return save_accounts("Account updated.");
    }
    if (!strcmp(sub, "password")) {
        const account_t *a = argc > 1 ? accounts_find(argv[1]) : NULL;
        if (!a)
            return cmd_fail("Usage: /account password NAME (an existing account)");
        pending_free(pending);
        pending = pending_from(a);
        pending->save_to = g_strdup(a->name);
        char *prompt = g_strdup_printf("Password to save for %s: ", a->jid);
        ui_ask_secret(prompt, on_secret, NULL);
        g_free(prompt);
        return CMD_OK;
    }
    if (!strcmp(sub, "forget")) {
        if (argc < 2 || !accounts_set(argv[1], "password", NULL, &err)) {
            cmd_result result =
                cmd_fail("Usage: /account forget NAME%s%s", err ? ": " : "", err ? err : "");
            g_free(err);
            return result;
        }
        return save_accounts("Saved password removed.");
    }
    return cmd_fail("Unknown /account subcommand '%s'. /help account", sub);
}

/* /tls pin for a login with /connect JID: the pin must live in an account,
 * so that login becomes one (named after the JID, with its server, port and
 * tls) in the accounts file. */
static bool adopt_adhoc(char **err)
{
    const char *name = nx_account_name();
    if (!name || accounts_find(name) || !adhoc || strcmp(adhoc->name, name) != 0)
        return true; /* nx_tls_pin says what is wrong, if anything */
    if (!accounts_add(adhoc->name, adhoc->jid, err))
        return false;
    char port[16];
    g_snprintf(port, sizeof port, "%d", adhoc->port);
    if ((adhoc->server && !accounts_set(adhoc->name, "server", adhoc->server, err)) ||
        (adhoc->port && !accounts_set(adhoc->name, "port", port, err)) ||
        !accounts_set(adhoc->name, "tls", accounts_tls_name(adhoc->tls), err)) {
        accounts_remove(adhoc->name);
        return false;
    }
    ui_info("Account %s added to the accounts file, to keep the pinned certificate.", adhoc->name);
    return true;
}

static cmd_result cmd_tls(char **argv, int argc, const char *jid)
{
    const char *sub = argc ? argv[0] : "info";
    char *err = NULL;
    bool ok = true;
    if (!strcmp(sub, "trust")) {
        ok = nx_tls_trust_once(&err);
    } else if (!strcmp(sub, "pin")) {
        ok = adopt_adhoc(&err) && nx_tls_pin(&err);
    } else if (!strcmp(sub, "info")) {
        char *d = nx_tls_describe();
        ui_info("%s", d);
        g_free(d);
    } else {
        return cmd_fail("Usage: /tls trust|pin|info");
    }
    if (!ok) {
        cmd_result result = cmd_fail("/tls %s: %s", sub, err);
        g_free(err);
        return result;
    }
    return CMD_OK;
}

void cmd_account_deinit(void)
{
    accounts_free_copy(adhoc);
    adhoc = NULL;
    g_clear_pointer(&remove_asked, g_free);
    eval_generation++;
    pending_free(pending);
    pending = NULL;
}

static const char *const account_choices[] = {"list", "add",      "remove", "show",
                                              "set",  "password", "forget", NULL};
static const char *const tls_choices[] = {"trust", "pin", "info", NULL};

static const char *const connect_settings[] = {
    "ca_file", "ca_path", "resource", "reconnect", "reconnect_max_delay", "keepalive", NULL};

static const cmd_def defs[] = {
    {
        .name = "account",
        .args = "[list | add NAME JID | remove NAME [-f] | show NAME | set NAME KEY [VALUE] | "
                "password NAME | forget NAME]",
        .summary = "Manage accounts",
        .help = "Keys for set: jid, resource, server, port, tls (force, direct, allow-plain),\n"
                "eval_password (a command printing the password), ca_file, ca_path, autoconnect.\n"
                "password asks for the password with hidden input and saves it (0600 file);\n"
                "forget removes a saved password.",
        .choices = account_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_ACCOUNT},
        .max_words = 4,
        .rest = CMD_REST_VALUE,
        .topic = "accounts",
        .example = "/account add work alice@example.org",
        .run = cmd_account,
    },
    {
        .name = "connect",
        .args = "[ACCOUNT | JID] [server HOST] [port N] [tls force|direct|allow-plain]",
        .summary = "Log in",
        .help = "TLS is required by default and the certificate verified against the system's\n"
                "trust store (SSL_CERT_FILE/SSL_CERT_DIR work) plus ca_file/ca_path.\n"
                "The password is asked for unless the account has eval_password or a saved one.",
        .complete = {COMPLETE_ACCOUNT},
        .max_words = CMD_WORDS_ANY,
        .topic = "accounts",
        .example = "/connect work",
        .settings = connect_settings,
        .run = cmd_connect,
    },
    {
        .name = "disconnect",
        .args = "",
        .summary = "Log out (and stop reconnecting)",
        .topic = "accounts",
        .example = "/disconnect",
        .run = cmd_disconnect,
    },
    {
        .name = "tls",
        .args = "[trust | pin | info]",
        .summary = "Decide about a refused certificate",
        .help = "trust: connect once with the certificate that was just refused.\n"
                "pin: trust that certificate for this account from now on (saved).",
        .choices = tls_choices,
        .complete = {COMPLETE_CHOICES},
        .max_words = 1,
        .topic = "accounts",
        .example = "/tls pin",
        .run = cmd_tls,
    },
};

void cmd_account_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

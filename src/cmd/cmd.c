/* cmd.c - the command table, dispatch, /help and the man page. */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <string.h>

#include "cmd/internal.h"
#include "cmd/parse.h"
#include "config/settings.h"
#include "ui/ui.h"

static GHashTable *commands; /* name -> const cmd_def* */
static GPtrArray *sorted;
static GPtrArray *in_order; /* as registered: the tables' order, for /help */

const char *const cmd_topics[] = {"chat",      "rooms",   "moderation", "contacts",
                                  "history",   "windows", "settings",   "accounts",
                                  "scripting", "basics",  NULL};

static gint def_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(const cmd_def *const *)a)->name, (*(const cmd_def *const *)b)->name);
}

void cmd_register(const cmd_def *defs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        g_hash_table_insert(commands, (gpointer)defs[i].name, (gpointer)&defs[i]);
        g_ptr_array_add(sorted, (gpointer)&defs[i]);
        g_ptr_array_add(in_order, (gpointer)&defs[i]);
    }
    g_ptr_array_sort(sorted, def_cmp);
}

const cmd_def *cmd_find(const char *name)
{
    return g_hash_table_lookup(commands, name);
}

GPtrArray *cmd_all(void)
{
    return sorted;
}

GPtrArray *cmd_in_order(void)
{
    return in_order;
}

void cmd_init(void)
{
    commands = g_hash_table_new(g_str_hash, g_str_equal);
    sorted = g_ptr_array_new();
    in_order = g_ptr_array_new();
    cmd_core_register();
    cmd_account_register();
    cmd_chat_register();
    cmd_react_register();
    cmd_roster_register();
    cmd_history_register();
    cmd_exec_register();
    cmd_alias_register();
    cmd_theme_register();
    cmd_omemo_register();
    cmd_muc_register();
    cmd_files_register();
    cmd_contact_register();
    cmd_rooms_register();
}

void cmd_load_user_config(void)
{
    cmd_alias_init();
}

void cmd_deinit(void)
{
    cmd_account_deinit();
    cmd_chat_deinit();
    cmd_exec_deinit();
    cmd_alias_deinit();
    if (commands)
        g_hash_table_destroy(commands);
    if (sorted)
        g_ptr_array_free(sorted, TRUE);
    if (in_order)
        g_ptr_array_free(in_order, TRUE);
    commands = NULL;
    sorted = NULL;
    in_order = NULL;
}

/* ---------- running commands ---------- */

/* The command being run by cmd_execute: where cmd_fail keeps its message. */
typedef struct {
    bool quiet;    /* the caller reports the error: do not show it */
    char *message; /* the first error, or NULL */
} run_context;

static run_context *context;

void cmd_show_error(const char *prefix, const char *message)
{
    char **lines = g_strsplit(message, "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l)
            ui_error("%s%s", prefix ? prefix : "", *l);
    g_strfreev(lines);
}

cmd_result cmd_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (context && !context->message) {
        if (!context->quiet)
            cmd_show_error(NULL, message);
        context->message = message;
    } else {
        /* Outside a command, or a second error: nothing else would show it. */
        cmd_show_error(NULL, message);
        g_free(message);
    }
    return CMD_ERROR;
}

cmd_result cmd_fail_err(const char *what, char *err)
{
    const char *why = err ? err : "failed";
    cmd_result result = what ? cmd_fail("%s: %s", what, why) : cmd_fail("%s", why);
    g_free(err);
    return result;
}

bool cmd_split_args(const cmd_def *d, const char *args, char ***words, int *count, char **err)
{
    int limit = d->rest != CMD_REST_NONE && d->max_words > 0 ? d->max_words : 0;
    if (!parse_words(args, limit, words, count, err))
        return false;
    if (d->max_words != CMD_WORDS_ANY && *count > d->max_words) {
        if (d->max_words == 0)
            *err = g_strdup_printf("/%s: too many arguments (it takes none)", d->name);
        else
            *err = g_strdup_printf("/%s: too many arguments (usage: /%s %s)", d->name, d->name,
                                   d->args ? d->args : "");
        g_strfreev(*words);
        *words = NULL;
        return false;
    }
    if (d->rest == CMD_REST_VALUE && *count == d->max_words) {
        char *plain = parse_unquote((*words)[*count - 1]);
        if (plain) {
            g_free((*words)[*count - 1]);
            (*words)[*count - 1] = plain;
        }
    }
    return true;
}

cmd_result cmd_fail_extra(const char *name, const char *usage)
{
    return cmd_fail("/%s: too many arguments (usage: /%s %s)", name, name, usage);
}

static cmd_result run_parsed(const char *line, const char *jid);

static unsigned serial;

unsigned cmd_serial(void)
{
    return serial;
}

/* Run LINE: what it says while it runs goes to the window it was typed in. */
static cmd_result run_command(const char *line, const char *jid)
{
    serial++;
    ui_command_begin();
    cmd_result result = run_parsed(line, jid);
    ui_command_end();
    return result;
}

static cmd_result run_parsed(const char *line, const char *jid)
{
    char *name;
    const char *args;
    if (!parse_command(line, &name, &args))
        return cmd_fail("not a command: %s", line);
    const cmd_def *def = cmd_find(name);
    cmd_result result;
    if (!def && cmd_alias_run(name, args, jid, &result)) {
        g_free(name);
        return result;
    }
    if (!def) {
        result = cmd_fail("Unknown command /%s. Type /help for the list.", name);
        g_free(name);
        return result;
    }
    char **words;
    int count;
    char *err = NULL;
    if (cmd_split_args(def, args, &words, &count, &err)) {
        result = def->run(words, count, jid);
        g_strfreev(words);
    } else {
        result = g_str_has_prefix(err, "/") ? cmd_fail("%s", err) : cmd_fail("/%s: %s", name, err);
        g_free(err);
    }
    g_free(name);
    return result;
}

cmd_result cmd_run_line(const char *line, const char *jid)
{
    if (line[0] == '/' && line[1] != '/') {
        char *name;
        const char *args;
        if (!parse_command(line, &name, &args))
            return cmd_fail(
                "Type /help for commands; start a message with // to send a leading /.");
        g_free(name);
        return run_command(line, jid);
    }
    const char *text = line[0] == '/' ? line + 1 : line; /* "//x" sends "/x" */
    if (!jid)
        return cmd_fail("This is the console: use /msg JID to chat, /help for commands.");
    return cmd_chat_send(jid, text);
}

void cmd_handle_line(const char *line, const char *jid)
{
    (void)cmd_run_line(line, jid); /* typed: its error is shown already */
}

cmd_result cmd_execute(const char *line, char **err)
{
    run_context ctx = {.quiet = err != NULL};
    run_context *outer = context;
    context = &ctx;
    cmd_result result = run_command(line, ui_current_jid());
    context = outer;
    if (result != CMD_OK && err) {
        *err = ctx.message ? ctx.message : g_strdup("the command failed");
        return result;
    }
    if (result == CMD_OK && ctx.message && ctx.quiet)
        cmd_show_error(NULL, ctx.message); /* failed in part, yet ok: still say it */
    g_free(ctx.message);
    return result;
}

/* ---------- man page ---------- */

static void man_escape(FILE *out, const char *s)
{
    bool bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = false;
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else if (*s == '\n') {
            fputc('\n', out);
            bol = true;
        } else
            fputc(*s, out);
    }
}

static void man_commands(FILE *out)
{
    for (guint i = 0; i < sorted->len; i++) {
        const cmd_def *d = g_ptr_array_index(sorted, i);
        fputs(".TP\n.BI \"/", out);
        man_escape(out, d->name);
        fputs(" \" \"", out);
        man_escape(out, d->args ? d->args : "");
        fputs("\"\n", out);
        man_escape(out, d->summary);
        fputs("\n", out);
        if (d->help && *d->help) {
            fputs(".br\n", out);
            char **lines = g_strsplit(d->help, "\n", -1);
            for (char **l = lines; *l; l++) {
                man_escape(out, *l);
                fputs(l[1] ? "\n.br\n" : "\n", out);
            }
            g_strfreev(lines);
        }
        if (d->example) {
            fputs(".br\nExample: ", out);
            man_escape(out, d->example);
            fputs("\n", out);
        }
        if (d->settings) {
            fputs(".br\nSettings: ", out);
            for (const char *const *s = d->settings; *s; s++) {
                man_escape(out, *s);
                fputs(s[1] ? ", " : "\n", out);
            }
        }
    }
}

static void man_settings(FILE *out)
{
    size_t n;
    const setting_def *t = settings_table(&n);
    for (size_t i = 0; i < n; i++) {
        fputs(".TP\n.B ", out);
        man_escape(out, t[i].key);
        fputs("\n", out);
        man_escape(out, t[i].help);
        fputs(" (", out);
        man_escape(out, t[i].group);
        fputs("; default: ", out);
        man_escape(out, *t[i].def ? t[i].def : "unset");
        fputs(")\n", out);
    }
}

bool cmd_write_man(const char *template_path, FILE *out, char **err)
{
    char *text;
    GError *e = NULL;
    if (!g_file_get_contents(template_path, &text, NULL, &e)) {
        *err = g_strdup(e->message);
        g_error_free(e);
        return false;
    }
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (strcmp(*l, "@COMMANDS@") == 0)
            man_commands(out);
        else if (strcmp(*l, "@SETTINGS@") == 0)
            man_settings(out);
        else if (**l || l[1])
            fprintf(out, "%s\n", *l);
    }
    g_strfreev(lines);
    g_free(text);
    return true;
}

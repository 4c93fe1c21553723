/* cmd-exec.c - /exec: run a shell command without freezing the screen.
 *
 * Output is read through the main loop and shown line by line in the window
 * the command was started from (or, with -o, sent there as one message when
 * the command ends). Output and time are bounded; -list and -kill manage
 * running commands. */
#include <string.h>

#include "cmd/internal.h"
#include "cmd/parse.h"
#include "e2e/e2e.h"
#include "core/spawn.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

#define DEFAULT_TIMEOUT_S 60
#define MAX_TIMEOUT_S 86400
#define MAX_SHOWN_BYTES (256 * 1024)
#define MAX_SENT_BYTES (16 * 1024)

typedef struct {
    unsigned id;     /* spawn job id */
    unsigned number; /* what the user sees: /exec -kill N */
    char *command;
    char *jid;          /* window it belongs to (NULL: console) */
    bool send;          /* -o: send the output as a message */
    bool quiet;         /* -n: do not show the output, only the exit status */
    GString *partial;   /* an unfinished line */
    GString *collected; /* -o: everything, to send */
    size_t bytes;
    bool truncated;
} exec_job;

static GPtrArray *running; /* exec_job* */
static unsigned next_number = 1;

static void job_free(exec_job *j)
{
    g_free(j->command);
    g_free(j->jid);
    g_string_free(j->partial, TRUE);
    g_string_free(j->collected, TRUE);
    g_free(j);
}

static void show_line(exec_job *j, const char *line)
{
    if (j->quiet || j->send)
        return;
    ui_print_in(j->jid, false, "%s", line);
}

static void on_output(const char *data, size_t len, void *ud)
{
    exec_job *j = ud;
    j->bytes += len;
    if (j->send) {
        size_t room = j->collected->len < MAX_SENT_BYTES ? MAX_SENT_BYTES - j->collected->len : 0;
        g_string_append_len(j->collected, data, (gssize)(len < room ? len : room));
        if (len > room)
            j->truncated = true;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            show_line(j, j->partial->str);
            g_string_truncate(j->partial, 0);
        } else if (j->partial->len < 4096) {
            g_string_append_c(j->partial, data[i]);
        }
    }
}

static void on_done(int status, const char *output, const char *err, void *ud)
{
    exec_job *j = ud;
    g_ptr_array_remove(running, j);
    if (j->partial->len)
        show_line(j, j->partial->str);
    if (j->bytes >= MAX_SHOWN_BYTES && !j->send)
        ui_print_in(j->jid, true, "[exec %u] output cut at %d KiB", j->number,
                    MAX_SHOWN_BYTES / 1024);
    if (j->send && status == 0) {
        char *text = g_strdup(j->collected->str);
        g_strchomp(text);
        if (!*text) {
            ui_print_in(j->jid, true, "[exec %u] no output to send", j->number);
        } else if (!g_utf8_validate(text, -1, NULL)) {
            ui_print_in(j->jid, true, "[exec %u] output is not UTF-8 text; not sent", j->number);
        } else {
            char *e = NULL;
            /* An encrypted chat sends encrypted or not at all. */
            bool sent = e2e_chat_enabled(j->jid) ? e2e_send(j->jid, text, &e)
                                                 : nx_send_chat(j->jid, text, &e);
            if (!sent) {
                ui_print_in(j->jid, true, "[exec %u] not sent: %s", j->number, e);
                g_free(e);
            } else if (j->truncated) {
                ui_print_in(j->jid, true, "[exec %u] output cut at %d KiB before sending",
                            j->number, MAX_SENT_BYTES / 1024);
            }
        }
        g_free(text);
    } else if (j->send) {
        ui_print_in(j->jid, true, "[exec %u] not sent: the command failed", j->number);
    }
    if (err)
        ui_print_in(j->jid, true, "[exec %u] '%s' %s", j->number, j->command, err);
    else
        ui_print_in(j->jid, status != 0, "[exec %u] '%s' exited with status %d", j->number,
                    j->command, status);
    job_free(j);
}

static cmd_result list_jobs(void)
{
    if (!running || running->len == 0) {
        ui_info("No commands running.");
        return CMD_OK;
    }
    for (guint i = 0; i < running->len; i++) {
        exec_job *j = g_ptr_array_index(running, i);
        ui_info("  %u: pid %d, %s%s", j->number, spawn_pid(j->id), j->command,
                j->send ? " (output will be sent)" : "");
    }
    return CMD_OK;
}

static cmd_result kill_job(const char *arg)
{
    long n;
    if (!arg || !parse_int(arg, 1, 1000000, &n))
        return cmd_fail("Usage: /exec -kill N (see /exec -list)");
    for (guint i = 0; running && i < running->len; i++) {
        exec_job *j = g_ptr_array_index(running, i);
        if (j->number == (unsigned)n) {
            spawn_kill(j->id);
            ui_info("Stopping command %ld.", n);
            return CMD_OK;
        }
    }
    return cmd_fail("No running command %ld (see /exec -list).", n);
}

static cmd_result cmd_exec(char **argv, int argc, const char *jid)
{
    const char *rest = argc ? argv[0] : "";
    bool send = false, quiet = false;
    long timeout = DEFAULT_TIMEOUT_S;
    /* Options come first; the rest of the line is the command, untouched. */
    while (*rest == '-') {
        const char *end = rest;
        while (*end && *end != ' ')
            end++;
        char *opt = g_strndup(rest, (gsize)(end - rest));
        while (*end == ' ')
            end++;
        if (!strcmp(opt, "-list")) {
            g_free(opt);
            return list_jobs();
        } else if (!strcmp(opt, "-kill")) {
            g_free(opt);
            return kill_job(*end ? end : NULL);
        } else if (!strcmp(opt, "-o")) {
            send = true;
        } else if (!strcmp(opt, "-n")) {
            quiet = true;
        } else if (!strcmp(opt, "-w")) {
            const char *v = end;
            while (*end && *end != ' ')
                end++;
            char *num = g_strndup(v, (gsize)(end - v));
            bool ok = parse_int(num, 1, MAX_TIMEOUT_S, &timeout);
            g_free(num);
            while (*end == ' ')
                end++;
            if (!ok) {
                g_free(opt);
                return cmd_fail("/exec: -w needs a number of seconds from 1 to %d", MAX_TIMEOUT_S);
            }
        } else if (!strcmp(opt, "--")) {
            g_free(opt);
            rest = end;
            break;
        } else {
            cmd_result result =
                cmd_fail("/exec: unknown option %s (-o, -n, -w SECONDS, -list, -kill N)", opt);
            g_free(opt);
            return result;
        }
        g_free(opt);
        rest = end;
    }
    if (!*rest)
        return cmd_fail("Usage: /exec [-o] [-n] [-w SECONDS] COMMAND");
    if (send && !jid)
        return cmd_fail("/exec -o sends the output to a chat: use it in a chat window.");
    exec_job *j = g_new0(exec_job, 1);
    j->number = next_number++;
    j->command = g_strdup(rest);
    j->jid = g_strdup(jid);
    j->send = send;
    j->quiet = quiet;
    j->partial = g_string_new(NULL);
    j->collected = g_string_new(NULL);
    char *err = NULL;
    j->id =
        spawn_stream(rest, (unsigned)timeout * 1000, MAX_SHOWN_BYTES, on_output, on_done, j, &err);
    if (!j->id) {
        job_free(j);
        return cmd_fail_err("/exec: cannot run the command", err);
    }
    if (!running)
        running = g_ptr_array_new();
    g_ptr_array_add(running, j);
    ui_info("[exec %u] started: %s", j->number, j->command);
    return CMD_OK;
}

void cmd_exec_deinit(void)
{
    spawn_deinit(); /* no callbacks: the jobs are freed below */
    for (guint i = 0; running && i < running->len; i++)
        job_free(g_ptr_array_index(running, i));
    if (running)
        g_ptr_array_free(running, TRUE);
    running = NULL;
}

static const cmd_def defs[] = {
    {
        .name = "exec",
        .args = "[-o] [-n] [-w SECONDS] COMMAND | -list | -kill N",
        .summary = "Run a shell command; show its output here, or send it (-o)",
        .help = "The command runs in the background: typing and chatting go on meanwhile.\n"
                "-o sends the output to this chat as one message when the command ends (exit 0);\n"
                "-n shows only the exit status; -w sets the time limit (default 60 s), after\n"
                "which the command and its pipeline are stopped. Output shown is cut at 256 KiB.\n"
                "-list shows running commands, -kill N stops one.",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "scripting",
        .example = "/exec -o uptime",
        .run = cmd_exec,
    },
};

void cmd_exec_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

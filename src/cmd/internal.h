/* internal.h - shared between the files of cmd/ only. */
#ifndef NATTER_CMD_INTERNAL_H
#define NATTER_CMD_INTERNAL_H

#include <glib.h>
#include <stdbool.h>

#include "cmd/cmd.h"

/* What to complete for a word of a command's arguments. */
typedef enum {
    COMPLETE_NONE,
    COMPLETE_JID,      /* contacts */
    COMPLETE_ACCOUNT,  /* account names */
    COMPLETE_SETTING,  /* setting keys */
    COMPLETE_COMMAND,  /* command names (for /help) */
    COMPLETE_CHOICES,  /* the entry's choices list */
    COMPLETE_SETVALUE, /* values of the setting named by the previous word */
    COMPLETE_NICK,     /* occupants of the current room */
    COMPLETE_ROOM,     /* bookmarked and known rooms */
    COMPLETE_PATH,     /* files and directories ("~/" expanded) */
} cmd_complete_kind;

/* A command gets the split words, their count and the bare JID of the
 * window the command was typed in (NULL for the console). It returns CMD_OK,
 * or the result of cmd_fail. */
typedef cmd_result (*cmd_run_fn)(char **argv, int argc, const char *jid);

/* One command. Tables list them with designated initializers; fields left
 * out are NULL or 0. */
typedef struct {
    const char *name;              /* without the '/' */
    const char *args;              /* syntax of the arguments: "JID [TEXT]" */
    const char *summary;           /* one line */
    const char *help;              /* several lines, '\n'-separated, or NULL */
    int max_words;                 /* how parse_words splits the arguments (0: no limit) */
    const char *const *choices;    /* first-word choices (subcommands), or NULL */
    cmd_complete_kind complete[3]; /* per word position (COMPLETE_NONE beyond) */
    cmd_run_fn run;
} cmd_def;

/* Fail the command being run with the message FMT: shown as one error line
 * (as ui_error does) and kept as the command's message, which cmd_execute
 * hands to its caller instead of showing. Returns CMD_ERROR, so a command
 * ends with: return cmd_fail("Usage: ..."); Outside a command (callbacks
 * run later) it only shows the line. */
cmd_result cmd_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* cmd_fail with "WHAT: ERR" (ERR alone when WHAT is NULL), for the ERR of a
 * call that failed; frees ERR. Returns CMD_ERROR. */
cmd_result cmd_fail_err(const char *what, char *err);

/* Run LINE typed in the window of bare JID: a command, or text to send
 * there. Used by aliases, so errors count for the command being run. */
cmd_result cmd_run_line(const char *line, const char *jid);

/* Register COUNT commands (the array must outlive the program). */
void cmd_register(const cmd_def *defs, size_t count);
/* The command NAME, or NULL. */
const cmd_def *cmd_find(const char *name);
/* All commands sorted by name (borrowed). */
GPtrArray *cmd_all(void);

/* Families. */
void cmd_core_register(void);
void cmd_account_register(void);
void cmd_chat_register(void);
void cmd_chat_deinit(void);
void cmd_roster_register(void);
void cmd_history_register(void);
void cmd_exec_register(void);
void cmd_exec_deinit(void);
void cmd_alias_register(void);
void cmd_theme_register(void);
void cmd_files_register(void);
void cmd_muc_register(void);
/* Load saved aliases (after the built-in commands are registered). */
void cmd_alias_init(void);
void cmd_alias_deinit(void);
/* Run alias NAME with ARGS typed in the window of JID, its result in
 * *RESULT; false when NAME is no alias. */
bool cmd_alias_run(const char *name, const char *args, const char *jid, cmd_result *result);

/* cmd-chat.c: send TEXT to bare JID. */
cmd_result cmd_chat_send(const char *jid, const char *text);

/* cmd-account.c */
void cmd_account_deinit(void);

#endif

/* internal.h - shared between the files of cmd/ only. */
#ifndef NATTER_CMD_INTERNAL_H
#define NATTER_CMD_INTERNAL_H

#include <glib.h>
#include <stdbool.h>

#include "cmd/cmd.h"
#include "store/store.h"

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
    COMPLETE_THEME,    /* theme names */
    COMPLETE_FIELD,    /* fields of the room configuration form being edited */
    COMPLETE_FIELDVAL, /* values of the form field named by the previous word */
    COMPLETE_PATH,     /* files and directories ("~/" expanded) */
} cmd_complete_kind;

/* A command gets the split words, their count and the bare JID of the
 * window the command was typed in (NULL for the console). It returns CMD_OK,
 * or the result of cmd_fail. */
typedef cmd_result (*cmd_run_fn)(char **argv, int argc, const char *jid);

/* What the last word of a command with .rest takes. */
typedef enum {
    CMD_REST_NONE,  /* words only: more than max_words is an error */
    CMD_REST_TEXT,  /* the last word is the rest of the line as typed (a message) */
    CMD_REST_VALUE, /* the same, but a rest that is one "quoted" word loses its quotes */
} cmd_rest;

/* max_words for a command that takes any number of words (options). */
#define CMD_WORDS_ANY (-1)

/* One command. Tables list them with designated initializers; fields left
 * out are NULL or 0. */
typedef struct {
    const char *name;              /* without the '/' */
    const char *args;              /* syntax of the arguments: "JID [TEXT]" */
    const char *summary;           /* one line */
    const char *help;              /* several lines, '\n'-separated, or NULL */
    int max_words;                 /* most words taken: 0 none, CMD_WORDS_ANY no limit */
    cmd_rest rest;                 /* whether the last word takes the rest of the line */
    const char *const *choices;    /* first-word choices (subcommands), or NULL */
    cmd_complete_kind complete[3]; /* per word position (COMPLETE_NONE beyond) */
    const char *topic;             /* what /help groups it under: "chat", "rooms", ... */
    const char *example;           /* one typical use, as typed: "/msg bob@example.org hi" */
    const char *const *settings;   /* settings it reads (NULL-terminated), or NULL */
    cmd_run_fn run;
} cmd_def;

/* Fail the command being run with the message FMT: shown as one error line
 * (as ui_error does) and kept as the command's message, which cmd_execute
 * hands to its caller instead of showing. Returns CMD_ERROR, so a command
 * ends with: return cmd_fail("Usage: ..."); Outside a command (callbacks
 * run later) it only shows the line. */
cmd_result cmd_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* cmd_fail for words beyond what the subcommand takes: "too many arguments
 * (usage: /NAME USAGE)". Returns CMD_ERROR. */
cmd_result cmd_fail_extra(const char *name, const char *usage);
/* cmd_fail with "WHAT: ERR" (ERR alone when WHAT is NULL), for the ERR of a
 * call that failed; frees ERR. Returns CMD_ERROR. */
cmd_result cmd_fail_err(const char *what, char *err);

/* Run LINE typed in the window of bare JID: a command, or text to send
 * there. Used by aliases, so errors count for the command being run. */
cmd_result cmd_run_line(const char *line, const char *jid);

/* Split ARGS, typed after /NAME of D, into *WORDS (g_strfreev) and *COUNT
 * as D says (max_words, rest). Returns false with *ERR (g_free) for an
 * unterminated quote or more words than D takes. */
bool cmd_split_args(const cmd_def *d, const char *args, char ***words, int *count, char **err);

/* How many commands have started running so far: a command that asks
 * "again?" knows whether the next one is the answer (the count then is one
 * more than when it asked). */
unsigned cmd_serial(void);

/* Register COUNT commands (the array must outlive the program). */
void cmd_register(const cmd_def *defs, size_t count);
/* The command NAME, or NULL. */
const cmd_def *cmd_find(const char *name);
/* All commands sorted by name (borrowed). */
GPtrArray *cmd_all(void);
/* All commands in the order their tables list them (borrowed). */
GPtrArray *cmd_in_order(void);

/* The topics of /help, in the order it shows them (NULL-terminated). */
extern const char *const cmd_topics[];

/* Families. */
void cmd_core_register(void);
void cmd_account_register(void);
void cmd_chat_register(void);
void cmd_react_register(void);
void cmd_chat_deinit(void);
void cmd_roster_register(void);
void cmd_history_register(void);
void cmd_exec_register(void);
void cmd_exec_deinit(void);
void cmd_alias_register(void);
void cmd_theme_register(void);
void cmd_files_register(void);
void cmd_muc_register(void);
void cmd_contact_register(void);
void cmd_rooms_register(void);
/* Load saved aliases (after the built-in commands are registered). */
void cmd_alias_init(void);
void cmd_alias_deinit(void);
/* Run alias NAME with ARGS typed in the window of JID, its result in
 * *RESULT; false when NAME is no alias. */
bool cmd_alias_run(const char *name, const char *args, const char *jid, cmd_result *result);

/* cmd-chat.c: the bare JID (g_free) that WHO means: a JID, or the name of
 * exactly one contact; NULL with *WHY (g_free) naming the candidates. */
char *cmd_resolve_contact(const char *who, char **why);

/* cmd-chat.c: send TEXT to bare JID. */
cmd_result cmd_chat_send(const char *jid, const char *text);

/* The message WHAT names in the conversation JID, as /reply, /react,
 * /correct -n and /retract take it: N counts back from the newest (1), #ROW
 * is its history row, anything else its id (in rooms the stanza-id).
 * NULL with *WHY (g_free) when there is none (store_msg_free). */
store_msg *cmd_find_message(const char *jid, const char *what, char **why);

/* cmd-theme.c: use theme NAME (/theme load, /set theme): refused when it
 * does not load; saved. */
cmd_result cmd_theme_use(const char *name);

/* cmd-account.c */
void cmd_account_deinit(void);

#endif

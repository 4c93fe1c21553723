/* cmd.h - the command table: every /command is one entry (name, arguments,
 * summary, help, completion, handler). /help, tab completion and the man
 * page are all generated from it.
 */
#ifndef NATTER_CMD_CMD_H
#define NATTER_CMD_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What running a command came to (in the spirit of tmux's cmd_retval). */
typedef enum {
    CMD_OK,    /* done, or started (answers from the server arrive later) */
    CMD_ERROR, /* refused or failed; the command's message says why */
} cmd_result;

/* When message ROWID of the conversation JID answers another (XEP-0461),
 * what sending it again (a correction, a message left queued by an earlier
 * run) must carry: the answered id, its author and the fallback quote, as
 * /reply made them (each g_free; the last two NULL when the answered
 * message is not in the history). False when it is no reply. */
bool cmd_reply_of(const char *jid, int64_t rowid, char **reply_id, char **reply_to, char **quote);

/* Register the built-in commands. */
void cmd_init(void);
void cmd_deinit(void);
/* Load the user's aliases (needs the UI for its error lines). */
void cmd_load_user_config(void);

/* Handle one line typed in the window of bare JID (NULL: console): a
 * command, or text to send to that window's contact. */
void cmd_handle_line(const char *line, const char *jid);

/* Run the command LINE as if typed in the current window (for -c, the
 * startup file and remote control). An unknown command, a line that does not
 * parse and a command that fails give CMD_ERROR with *ERR (g_free) its
 * message, which is not shown: the caller reports it with where the line came
 * from. With ERR NULL the message is shown as for a typed command. */
cmd_result cmd_execute(const char *line, char **err);

/* Show MESSAGE as error lines, one per non-empty line of it, each after
 * PREFIX (NULL: none). */
void cmd_show_error(const char *prefix, const char *message);

/* Completion candidates for the word WORD starting at byte START of LINE
 * (NULL-terminated, g_strfreev), or NULL. */
char **cmd_complete(const char *line, int start, const char *word);

/* Write the man page: TEMPLATE with its @COMMANDS@ and @SETTINGS@ lines
 * replaced by generated sections. Returns false with *ERR. */
bool cmd_write_man(const char *template_path, FILE *out, char **err);

/* Connect the account named NAME (or with that JID) as natter -a does. */
void cmd_connect_account(const char *name);

#endif

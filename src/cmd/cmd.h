/* cmd.h - the command table: every /command is one entry (name, arguments,
 * summary, help, completion, handler). /help, tab completion and the man
 * page are all generated from it.
 */
#ifndef NATTER_CMD_CMD_H
#define NATTER_CMD_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Register the built-in commands. */
void cmd_init(void);
void cmd_deinit(void);
/* Load the user's aliases (needs the UI for its error lines). */
void cmd_load_user_config(void);

/* Handle one line typed in the window of bare JID (NULL: console): a
 * command, or text to send to that window's contact. */
void cmd_handle_line(const char *line, const char *jid);

/* Run a command line as if typed (for -c and scripts). Returns false when
 * it was not a known command. */
bool cmd_execute(const char *line);

/* Completion candidates for the word WORD starting at byte START of LINE
 * (NULL-terminated, g_strfreev), or NULL. */
char **cmd_complete(const char *line, int start, const char *word);

/* Write the man page: TEMPLATE with its @COMMANDS@ and @SETTINGS@ lines
 * replaced by generated sections. Returns false with *ERR. */
bool cmd_write_man(const char *template_path, FILE *out, char **err);

/* Connect the account named NAME (or with that JID) as natter -a does. */
void cmd_connect_account(const char *name);

#endif

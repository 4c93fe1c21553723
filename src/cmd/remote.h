/* remote.h - remote control for scripts: a per-user Unix socket through
 * which `natter --remote '/msg bob hi'` runs commands in a running natter.
 *
 * The socket is $XDG_RUNTIME_DIR/natter/NAME.PID.sock (without
 * XDG_RUNTIME_DIR, natter-UID in the temporary directory; NAME: the account,
 * else "default"; PID: natter's process id, so two natters never share one).
 * The directory must be ours, not a symlink, and 0700; the socket is 0600,
 * and a connection is served only when the peer's user id (SO_PEERCRED) is
 * ours.
 * The client sends command lines and closes its side; natter answers with
 * what the commands printed (a failing command's message as "error: ..."),
 * then "ok" when every command succeeded, else "error". The reply is written
 * through the main loop: a client that stops reading it never blocks natter,
 * and is dropped after 5 s without progress or with 4 MiB left unread.
 *
 * A client whose first line is "?events [FILTER]" gets the event stream
 * instead (cmd/events.h): JSON lines for as long as it stays connected.
 */
#ifndef NATTER_CMD_REMOTE_H
#define NATTER_CMD_REMOTE_H

#include <stdbool.h>

/* Listen on the socket for NAME. Returns false with *ERR (g_free). */
bool remote_init(const char *name, char **err);
void remote_deinit(void);

/* Client side (no terminal needed): send COMMANDS (NULL-terminated) to the
 * natter running for account NAME (NULL: the only one running; when none or
 * several run, says which do). Prints the answer; returns the process exit
 * status (0 ok, 1 error, 2 no natter or no single one). */
int remote_run(const char *name, char **commands);

/* Client side of the event stream (`natter --remote --events`): ask the
 * natter running for NAME for the events of the kinds in FILTER (NULL: all,
 * see events_parse_filter) and copy its JSON lines to stdout, each flushed,
 * until natter ends or stdout is closed. Returns the exit status (0 natter
 * ended the stream, 2 no natter or a bad filter). */
int remote_events(const char *name, const char *filter);

#endif

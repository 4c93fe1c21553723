/* spawn.h - run a shell command without blocking the main loop, collecting
 * its standard output (bounded in size and time). */
#ifndef NATTER_CORE_SPAWN_H
#define NATTER_CORE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* Called once: STATUS is the exit status (or -1 when killed for taking too
 * long / failed), OUTPUT the collected stdout (borrowed), ERR a one-line
 * reason when it failed (or NULL). */
typedef void (*spawn_done_cb)(int status, const char *output, const char *err, void *ud);

/* Run "sh -c COMMAND" with stdin from /dev/null and stderr discarded.
 * Output beyond MAX_OUTPUT bytes is dropped; after TIMEOUT_MS the child is
 * killed. Returns false with *ERR (g_free) when it cannot start. */
bool spawn_shell(const char *command, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                 void *ud, char **err);

#endif

/* spawn.h - run shell commands without blocking the main loop: output is
 * read through the loop, bounded in size, and the command is stopped after
 * a time limit. Each command runs in its own process group, so stopping it
 * stops its pipeline too. */
#ifndef NATTER_CORE_SPAWN_H
#define NATTER_CORE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* Called once at the end: STATUS is the exit status (or -1 when it was
 * stopped or failed), OUTPUT what was collected (spawn_shell; "" for
 * streamed commands), ERR a one-line reason when it did not exit on its
 * own (or NULL). */
typedef void (*spawn_done_cb)(int status, const char *output, const char *err, void *ud);

/* Called for each chunk of output as it arrives (streamed commands). */
typedef void (*spawn_output_cb)(const char *data, size_t len, void *ud);

/* Run "sh -c COMMAND" with stdin from /dev/null and stderr discarded,
 * collecting at most MAX_OUTPUT bytes of stdout; stopped after TIMEOUT_MS.
 * Returns false with *ERR (g_free) when it cannot start. */
bool spawn_shell(const char *command, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                 void *ud, char **err);

/* Like spawn_shell, but run ARGV (NULL-terminated; ARGV[0] looked up in
 * PATH) directly, without a shell: nothing in the arguments is interpreted.
 * TIMEOUT_MS 0: no limit. */
bool spawn_argv(const char *const *argv, unsigned timeout_ms, size_t max_output, spawn_done_cb cb,
                void *ud, char **err);

/* Run "sh -c COMMAND" with stdout and stderr together handed to OUT as they
 * arrive (at most MAX_OUTPUT bytes; the rest is read and dropped, and
 * *TRUNCATED-style notice is the caller's), stopped after TIMEOUT_MS (0: no
 * limit). Returns a job id (> 0), or 0 with *ERR (g_free). */
unsigned spawn_stream(const char *command, unsigned timeout_ms, size_t max_output,
                      spawn_output_cb out, spawn_done_cb done, void *ud, char **err);

/* Stop job ID (SIGTERM to its process group, SIGKILL a second later).
 * Returns false when there is no such job. */
bool spawn_kill(unsigned id);

/* Process id of job ID, or 0. */
int spawn_pid(unsigned id);

/* Stop all jobs and forget them (at exit; no callbacks). */
void spawn_deinit(void);

/* Children started from now on get NAME=VALUE in their environment, or no
 * NAME when VALUE is NULL, whatever natter's own (for a variable natter set
 * for itself only: they get what natter was started with). */
void spawn_child_env(const char *name, const char *value);

#endif

/* loop.h - the one main loop: a single poll() over file descriptors, signals
 * (through a self-pipe) and the nearest timer. When nothing is due natter
 * sleeps in poll() with no timeout: no periodic wake-ups.
 *
 * Each pass: run "prepare" hooks (in priority order; each may lower the poll
 * timeout and change watched events), poll(), dispatch ready fds, then due
 * timers, then signals.
 */
#ifndef NATTER_CORE_LOOP_H
#define NATTER_CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*loop_fd_cb)(int fd, short revents, void *ud);
typedef void (*loop_timer_cb)(void *ud);
/* Return the longest time in ms the loop may sleep (-1: no limit). */
typedef int (*loop_prepare_cb)(void *ud);
typedef void (*loop_signal_cb)(int signo, void *ud);

/* Set up the loop (self-pipe). Returns false on failure. */
bool loop_init(void);
void loop_deinit(void);

/* Watch FD for EVENTS (POLLIN/POLLOUT). Returns a watch id (> 0). */
unsigned loop_add_fd(int fd, short events, loop_fd_cb cb, void *ud);
/* Change the events watched by ID (0 suspends without removing). */
void loop_fd_set_events(unsigned id, short events);
/* Stop watching; safe from inside a callback. */
void loop_remove_fd(unsigned id);

/* Call CB once after MS milliseconds. Returns a timer id (> 0). */
unsigned loop_add_timer(unsigned ms, loop_timer_cb cb, void *ud);
/* Cancel a pending timer (an id that already fired is ignored). */
void loop_cancel_timer(unsigned id);

/* Run CB before every poll(); lower PRIORITY runs first. */
void loop_add_prepare(int priority, loop_prepare_cb cb, void *ud);

/* Deliver SIGNO through the loop (not in signal context). */
bool loop_on_signal(int signo, loop_signal_cb cb, void *ud);

/* Run until loop_quit(). */
void loop_run(void);
void loop_quit(void);

/* Number of poll() wake-ups so far (for measurements and tests). */
uint64_t loop_wakeups(void);

/* Monotonic milliseconds. */
int64_t loop_now_ms(void);

#endif

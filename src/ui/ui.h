/* ui.h - the screen: title bar, main window, roster pane, status bar and
 * input line, drawn with ncursesw and refreshed once per loop pass.
 *
 * ui/ listens to the event bus; cmd/ and main.c call these functions.
 */
#ifndef NATTER_UI_UI_H
#define NATTER_UI_UI_H

#include <stdbool.h>

/* Take over the terminal and subscribe to events. Returns false with *ERR
 * (g_free) when the terminal cannot be used. */
bool ui_init(char **err);
/* Give the terminal back. */
void ui_deinit(void);

/* What to do with an entered line (typed in window with bare JID JID, NULL
 * for the console). */
typedef void (*ui_line_cb)(const char *line, const char *jid);
void ui_set_line_handler(ui_line_cb cb);

/* Input activity: after each batch of keys, TEXT is the input line as it
 * now is ("" when empty) and ENTERED false; when a line is entered, TEXT is
 * that line and ENTERED true (before the line handler gets it). JID is the
 * bare JID of the current window, NULL for the console. Password prompts
 * are not reported. */
typedef void (*ui_input_cb)(const char *jid, const char *text, bool entered);
void ui_set_input_handler(ui_input_cb cb);

/* Completion: return a NULL-terminated g_malloc'ed array of candidates for
 * the word WORD that starts at byte START of LINE (readline semantics: the
 * caller frees it with g_strfreev), or NULL for none. */
typedef char **(*ui_complete_cb)(const char *line, int start, const char *word);
void ui_set_completer(ui_complete_cb cb);

/* One line of feedback in the current window. */
void ui_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy TEXT to the terminal's clipboard with OSC 52 (where the terminal
 * allows it). */
void ui_clipboard_copy(const char *text);
/* One line in the window of bare JID (the console when JID is NULL or its
 * window is gone); ERROR marks it as an error. */
void ui_print_in(const char *jid, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* While a command runs (between begin and end, nested), lines logged for
 * no window in particular (EV_LOG without a JID: "Connecting...", "Pinned
 * ...") are its answers and go to the window it was typed in, the current
 * one, instead of the console. */
void ui_command_begin(void);
void ui_command_end(void);
/* One line in the console. */
void ui_console(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bare JID of the current window, NULL for the console. */
const char *ui_current_jid(void);
/* Focus the chat window for bare JID, opening it when needed. */
void ui_open_chat(const char *jid);
/* Focus window NUM (1-based). Returns false when there is none. */
bool ui_switch_window(int num);
/* Focus the next (DIR 1) or previous (DIR -1) window. */
void ui_cycle_window(int dir);
/* Focus the window with the most important activity (Alt+A); false when
 * no other window has any. */
bool ui_next_active_window(void);
/* Close the current window; false for the console. Only the window: whether
 * closing a room's window also leaves the room is for the caller. */
bool ui_close_window(void);
/* Close window NUM (1-based); the window in front stays in front unless it
 * is that one. False when there is no such window or it is the console.
 * *ROOM receives the JID of the room whose window it was (g_free), or NULL. */
bool ui_close_window_num(int num, char **room);
/* Numbers of the windows other than the console (g_free), *COUNT of them;
 * with ONLY_READ only those without unread messages. */
int *ui_window_numbers(bool only_read, int *count);
/* Number the windows 1, 2, 3... again, closing the gaps left by /close. */
void ui_renumber_windows(void);
/* How many windows there are. */
int ui_window_count(void);
/* The number of the window of bare JID (a chat or a room), 0 when it has
 * none. */
int ui_window_of(const char *jid);
/* True while the current window is scrolled up or a search in it (Ctrl-R,
 * ui_find_back) goes on. */
bool ui_in_scrollback(void);
/* Ctrl-R in the scrollback: show and mark the next older line of the
 * current window that contains TEXT (any case); a new TEXT starts from the
 * newest line. Rings the bell when there is none. */
void ui_find_back(const char *text);
/* Show the lines of the current window that contain TEXT (any case), below
 * its other lines, with a heading that says how many. */
void ui_lastlog(const char *text);
/* Empty the current window. */
void ui_clear_window(void);
/* Scroll the current window by pages (positive: back in time). */
void ui_scroll_pages(int pages);
/* Scroll the current window to the oldest line in memory (TOP) or to the
 * newest. */
void ui_scroll_edge(bool top);
/* Names of the windows other than the current one whose input line holds
 * unsent text (g_strfreev; empty when none). */
char **ui_drafts(void);
/* Windows as "N:name" for /win list (g_strfreev). */
char **ui_window_list(void);

/* Ask for a secret (password) in the input line: typed text is not shown
 * and not kept in history. CB gets it on Enter, or NULL when cancelled
 * (Ctrl-C / Esc). */
typedef void (*ui_secret_cb)(const char *secret, void *ud);
void ui_ask_secret(const char *prompt, ui_secret_cb cb, void *ud);

/* Search history into a results window; jump to result N. Return false
 * with *ERR (g_free). */
bool ui_search(const char *query, const char *peer, char **err);
bool ui_search_context(int n, char **err);

/* Collect the text of lines printed until ui_capture_end (for remote
 * control; error lines start with "error: "); the end returns it (g_free).
 * Whether the command failed is its result (cmd_execute), not its lines. */
void ui_capture_begin(void);
char *ui_capture_end(void);

/* Show every role of theme NAME in the current window. Returns false with
 * *ERRORS (g_free) when it does not load. */
bool ui_theme_preview(const char *name, char **errors);

/* Show (LEVEL NULL) or set the notification rule of the current window:
 * all, mentions, none, default. Returns false with *ERR. */
bool ui_notify_rule(const char *level, char **err);

/* Redraw everything (Ctrl-L). */
void ui_redraw(void);

/* select.c: put the message cursor on the newest message of the current
 * window (Alt+Up, /select). Returns false with *ERR (g_free) when the
 * window has no message. */
bool select_enter(char **err);

/* Open (if needed) and focus the window of room JID. */
void ui_open_room(const char *jid);
/* Focus the window of room NAME (local part or JID) once its join starts. */
void ui_focus_room_when_joining(const char *name);
/* True when the current window is a room's. */
bool ui_current_is_room(void);
/* Switch the occupants pane on or off (saved like /set); returns the new state. */
bool ui_toggle_occupants(void);

#endif

/* internal.h - shared between the files of ui/ only. */
#ifndef NATTER_UI_INTERNAL_H
#define NATTER_UI_INTERNAL_H

#include <ncurses.h>
#include <stdbool.h>

#include "ui/ui.h"
#include "model/roster.h"
#include "ui/win.h"

enum {
    DIRTY_TITLE = 1 << 0,
    DIRTY_MAIN = 1 << 1,
    DIRTY_ROSTER = 1 << 2,
    DIRTY_STATUS = 1 << 3,
    DIRTY_INPUT = 1 << 4,
    DIRTY_ALL = 0x1f,
};

typedef struct {
    WINDOW *title, *main, *roster, *status, *input;
    int rows, cols;
    int main_x, main_w, main_h;
    int roster_x, roster_w; /* roster_w 0: hidden */
} ui_layout;

extern ui_layout ui_lay;

/* screen.c: ask for a redraw of the parts in FLAGS at the end of this loop
 * pass. */
void ui_dirty(unsigned flags);
/* screen.c: take over the terminal (stdin and stdout must be a tty), set up
 * colours and lay the screen out. Returns false with *ERR (g_free) when the
 * terminal cannot be used; then the terminal is as it was. */
bool screen_open(char **err);
/* screen.c: follow resizes, settings, the connection, the roster and the
 * clock, and redraw what is dirty once per loop pass. */
void screen_start(void);
/* screen.c: load the theme the settings name (errors go to the current
 * window, so the windows must exist). */
void screen_load_theme(void);
/* screen.c: give the terminal back (nothing when it was not taken). */
void screen_close(void);
/* screen.c: true between screen_open() and screen_close(). */
bool screen_is_open(void);
/* screen.c: the current window changed from PREV: lay the screen out again
 * when the side pane's width differs, and redraw it all. */
void screen_focused(const win_t *prev);
/* screen.c: Ctrl-Z: give the terminal back, stop, and redraw everything
 * when continued. */
void screen_suspend(void);
/* screen.c: rows that line L of W and the lines after it take. */
int screen_rows_from(const win_t *w, const win_line *l);
/* screen.c: rows that the lines of W take at the current width. */
int screen_window_rows(const win_t *w);

/* ui.c: focus a window (saves/restores input state). */
void ui_focus(win_t *w);
/* ui.c: add one line of kind K with TEXT to window W (and to the text
 * captured for a remote command) and ask for its redraw. */
void ui_add_line(win_t *w, line_kind k, const char *text);

/* ui.c: the name of contact BARE as the screen shows it (g_free): its
 * roster name or JID, with invisible characters made visible by the same
 * rules as room nicks (sanitize_nick), so "Bo<U+200B>b" is not "Bob". */
char *ui_contact_name(const char *bare);

/* ui.c: the completer main.c installed (or NULL). */
ui_complete_cb ui_internal_completer(void);

/* ui.c: tell the input handler main.c installed that the input line of the
 * current window now holds TEXT, or that TEXT was ENTERED there. */
void ui_report_input(const char *text, bool entered);

/* bars.c */
void bars_draw_title(void);
void bars_draw_status(void);
/* Name shown for window W in bars (g_free). */
char *bars_window_name(const win_t *w);

/* rosterpane.c */
void rosterpane_draw(void);
/* One presence character and the attribute for presence S. */
char ui_presence_mark(presence_show s);
int ui_presence_attr(presence_show s);
/* Draw sanitised TEXT at Y, X of pane W, clipped to WIDTH columns. */
void ui_pane_row(WINDOW *w, int y, int x, int width, int attr, const char *text);

/* occupantpane.c: the occupants of the current room window. */
void occupantpane_draw(void);

/* chat.c: turn the events of one-to-one chats into lines of windows. */
void chat_init(void);

/* seen.c: when the user has seen a chat (read markers out), read marks on
 * our lines, and other devices' read state in the status bar. */
void seen_init(void);
void seen_deinit(void);

/* transfers.c: file transfers in their windows and the status bar. */
void transfers_init(void);
void transfers_deinit(void);
/* "[up N: P% RATE/s] " while transfers run, else NULL (g_free). */
char *transfers_status(void);

/* attachments.c: the line under a message that links to a file. */
/* Add the attachment line of message ROWID (when it has one) to W. */
void attach_add(win_t *w, long long rowid);
/* The same, appended to LINES (win_line*), dated TS (history pages). */
void attach_append(GPtrArray *lines, long long rowid, time_t ts);
/* Attachment ID of PEER's window changed (downloaded): redraw its line. */
void attach_update(const char *peer, long long id);
/* After a correction of message line MSG of W: its File line shows the
 * attachment the history has for it now (added when there was none). */
void attach_refresh(win_t *w, win_line *msg);

/* room.c */
void room_init(void);
/* react.c: show replies' quotes and reactions under messages. */
void react_ui_init(void);
void react_ui_deinit(void);
/* react.c: fill in L's quote (REPLY_ID: the id it answers, NULL: none)
 * and its reactions from the history; ROOM: L is a room's message (named
 * by its stanza-id). PEER is its conversation. */
void react_decorate(win_line *l, const char *peer, bool room, const char *reply_id);
void room_deinit(void);
/* A group chat message (EV_MESSAGE with groupchat set). */
void room_on_message(const ev_message *ev);
/* True when BODY mentions our nick in ROOM. */
bool room_mentions(const char *room, const char *body);

/* input.c: set up readline on stdin; returns false with *ERR (g_free),
 * having changed nothing, when it cannot be. */
bool input_init(char **err);
void input_deinit(void);
void input_draw(void);
/* Save the current input into FROM and load TO's history and draft. */
void input_switch(win_t *from, win_t *to);
void input_set_line_handler(void (*cb)(const char *line));
/* Take the terminal's input side (ON: non-blocking stdin, bracketed paste and
 * focus reports) or give it back as it was. */
void input_terminal(bool on);
void input_set_secret(const char *prompt, void (*cb)(const char *secret, void *ud), void *ud);
/* Put TEXT in the input line, cursor at its end (what was typed goes to the
 * window's input history). */
void input_prefill(const char *text);
/* Run LINE as if it had been typed and entered in the current window. */
void input_run_line(const char *line);

/* select.c: the message cursor (select_enter is in ui.h). */
/* True while the mode is on in the current window (it ends when the
 * window is left). */
bool select_active(void);
/* End the mode (nothing when it is off). */
void select_leave(void);
/* Handle the key at BUF (LEN bytes) in the mode; returns the bytes it used,
 * 0 when the mode ended and readline should have the key. */
size_t select_key(const unsigned char *buf, size_t len);
/* The selected line of the current window (borrowed), or NULL. */
const win_line *select_line(void);
/* For drawing W from the selection: its link in W->lines and the rows of
 * the lines after it. False when there is no selection in W. */
bool select_anchor(const win_t *w, GList **link, int *below);
/* The one-line key help shown in the input line (static), in at most
 * WIDTH columns when it can: a shorter form on a narrow terminal. */
const char *select_help(int width);
/* screen.c: rows line L of W takes on screen (with the unread marker). */
int screen_line_rows(const win_t *w, const win_line *l);

/* True while a command runs (ui_command_begin): its log lines go to the
 * current window. */
bool ui_in_command(void);

#endif

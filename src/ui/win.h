/* win.h - numbered windows and their bounded line buffers.
 *
 * Window 1 is the console (server and system messages); the others are chat
 * windows, one per bare JID. Numbers are positions in the list: closing a
 * window moves the ones after it down by one. All text is sanitised when it
 * is added, so the buffer only holds terminal-safe UTF-8.
 */
#ifndef NATTER_UI_WIN_H
#define NATTER_UI_WIN_H

#include <glib.h>
#include <stdbool.h>
#include <time.h>

#include "core/event.h"

typedef enum { WIN_CONSOLE, WIN_CHAT } win_type;

typedef enum { ACT_NONE, ACT_INFO, ACT_MSG, ACT_HIGHLIGHT } win_activity;

typedef enum {
    LINE_INFO,
    LINE_ERROR,
    LINE_PRESENCE,
    LINE_MSG_IN,
    LINE_MSG_OUT,
    LINE_ACTION_IN,
    LINE_ACTION_OUT,
} line_kind;

typedef struct {
    time_t ts;
    line_kind kind;
    char *nick; /* sanitised, NULL for info lines */
    char *text; /* sanitised, may hold '\n' */
    bool delayed;
    bool queued;
} win_line;

typedef struct {
    win_type type;
    char *jid;         /* bare JID of a chat, NULL for the console */
    GQueue lines;      /* win_line*, oldest first */
    int scroll;        /* rows scrolled up from the bottom */
    win_activity act;  /* since last viewed */
    unsigned unread;   /* messages since last viewed */
    chatstate typing;  /* contact's chat state */
    GPtrArray *history; /* input history of this window (char*) */
    char *draft;       /* unsent input kept when switching away */
} win_t;

void win_init(void);
void win_deinit(void);

/* Number of windows and the window at 1-based NUM (NULL when none). */
guint win_count(void);
win_t *win_nth(guint num);
/* 1-based number of W. */
guint win_number(const win_t *w);

win_t *win_console(void);
win_t *win_current(void);

/* Chat window for bare JID, or NULL. */
win_t *win_find(const char *jid);
/* Find or create the chat window for bare JID (not focused). */
win_t *win_open_chat(const char *jid);

/* Make W current: clears its activity. Returns the previous window. */
win_t *win_focus(win_t *w);
/* Close W (not the console); focus moves to the previous window. */
void win_close(win_t *w);

/* Append a line (texts are sanitised here). Marks activity when W is not
 * current, keeps the view still when W is scrolled up, and drops the oldest
 * line beyond the scrollback limit. */
void win_add(win_t *w, line_kind kind, const char *nick, const char *text, time_t ts,
             bool delayed, bool queued);
/* Drop all lines. */
void win_clear(win_t *w);

/* Scroll W by ROWS (positive: back in time); clamped at the bottom. */
void win_scroll(win_t *w, int rows);

/* Incremented whenever any window's content, list or focus changes. */
guint64 win_version(void);

#endif

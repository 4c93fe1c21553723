/* win.h - numbered windows and their bounded line buffers.
 *
 * Window 1 is the console (server and system messages); the others are chat
 * windows, one per bare JID. Numbers are stable: a new window takes the
 * lowest free number, and closing one leaves the others' numbers alone until
 * win_renumber() closes the gaps. All text is sanitised when it is added, so
 * the buffer only holds terminal-safe UTF-8.
 */
#ifndef NATTER_UI_WIN_H
#define NATTER_UI_WIN_H

#include <glib.h>
#include <stdbool.h>
#include <time.h>

#include "core/event.h"

typedef enum {
    WIN_CONSOLE,
    WIN_CHAT, /* a contact (bare JID) or a room occupant (room/nick) */
    WIN_SEARCH,
    WIN_ROOM,      /* a group chat (bare room JID) */
    WIN_STRANGERS, /* messages and requests from people outside the roster (strangers.c) */
} win_type;

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

/* Thousands of these stay in memory per window: the fields are ordered and
 * the flags packed so that one line takes 104 bytes. */
typedef struct {
    time_t ts;
    long long rowid; /* messages: history row, 0 when not stored */
    char *nick;      /* sanitised, shared (win_shared), NULL for info lines */
    char *text;      /* sanitised, may hold '\n' */
    /* Messages only: */
    char *id;          /* message id (raw, for matching) */
    char *origin_id;   /* origin-id (raw) */
    char *sender_bare; /* who wrote it (raw bare JID), shared (win_shared) */
    char *stanza_id;   /* rooms: the id the room gave it (moderation) */
    char *quote;       /* a reply: what it answers, one row (sanitised, react.c), or NULL */
    char *reply_id;    /* a reply: the id of the message it answers (raw), or NULL */
    char *reactions;   /* reactions as counts, "👍 2  ❤ 1" (sanitised, react.c), or NULL */
    unsigned fold_joins, fold_leaves; /* a folded join/leave line: counts */
    int attr;                         /* explicit attributes (theme previews) ... */
    line_kind kind : 8;
    char e2e; /* OMEMO mark: '~' encrypted, '?' from an untrusted device,
               * '!' plain text in an encrypted chat, 0: none */
    bool delayed : 1;
    bool queued : 1;
    bool receipt_pending : 1;
    bool delivered : 1;
    bool acked : 1;  /* the server confirmed it: "sent" */
    bool resent : 1; /* sent again after the connection was lost */
    bool read : 1;   /* the contact displayed it (XEP-0333 marker) */
    bool corrected : 1;
    bool retracted : 1;
    bool highlight : 1; /* the line a search jumped to */
    bool mention : 1;   /* rooms: it mentions our nick */
    bool use_attr : 1;  /* ... when set; otherwise by kind */
    bool unstyled : 1;  /* the sender asked for no styling (XEP-0393) */
} win_line;

typedef struct {
    win_type type;
    guint num;              /* the window's number (1 is the console) */
    char *jid;              /* bare JID of a chat, NULL for the console */
    GQueue lines;           /* win_line*, oldest first */
    int scroll;             /* rows scrolled up from the bottom */
    win_activity act;       /* since last viewed */
    chatstate typing;       /* contact's chat state */
    GPtrArray *history;     /* input history of this window (char*) */
    char *draft;            /* unsent input kept when switching away */
    char *title;            /* search windows: what was searched */
    char *query;            /* search windows: the words, its name in the status bar */
    GPtrArray *results;     /* search windows: the results (store_msg*), for /context */
    bool history_done;      /* no older history left in the database */
    bool detached;          /* showing older history: live lines are not appended */
    bool archive_done;      /* the server archive has nothing older either */
    bool archive_busy;      /* an older page is being fetched from the server */
    char *archive_cursor;   /* RSM: fetch the archive before this id next */
    bool syncing;           /* rooms: history of the join still arriving (stored, not shown) */
    win_line *first_unread; /* the first line added while the window was not looked at */
    unsigned new_below;     /* lines added while the window was scrolled up */
    int shown_show;         /* chats: the contact's presence as last shown (or at opening) */
    char *shown_status;     /* ... and its status text */
} win_t;

void win_init(void);
void win_deinit(void);

/* Number of windows, and the window at 0-based position I in number order
 * (NULL past the end). */
guint win_count(void);
win_t *win_at(guint i);
/* The window numbered NUM (NULL when none). */
win_t *win_nth(guint num);
/* The number of W. */
guint win_number(const win_t *w);
/* Number the windows 1, 2, 3... again in their order, closing the gaps. */
void win_renumber(void);

win_t *win_console(void);
win_t *win_current(void);

/* Chat window for bare JID, or NULL. */
win_t *win_find(const char *jid);
/* Find or create the chat window for bare JID (not focused). */
win_t *win_open_chat(const char *jid);
/* Find or create the window of room JID (not focused). */
win_t *win_open_room(const char *jid);

/* Make W current: clears its activity. Returns the previous window. */
win_t *win_focus(win_t *w);
/* Close W (not the console); when it was current, focus moves to the window
 * before it in the list. */
void win_close(win_t *w);

/* Append a line (texts are sanitised here). Marks activity when W is not
 * current, keeps the view still when W is scrolled up, and drops the oldest
 * line beyond the scrollback limit. */
void win_add(win_t *w, line_kind kind, const char *nick, const char *text, time_t ts, bool delayed,
             bool queued);
/* A new message line with sanitised copies of NICK and TEXT (raw ids kept
 * for matching). Free with win_line_free unless handed to win_add_line. */
win_line *win_line_new(line_kind kind, const char *nick, const char *text, time_t ts);
void win_line_free(win_line *l);

/* S (taken: freed here) as a shared string: every line showing the same
 * nick or author holds one interned copy. NULL stays NULL. Lines free it
 * themselves (win_line_free). */
char *win_shared(char *s);
/* Append L (taken over) with the same rules as win_add. */
void win_add_line(win_t *w, win_line *l);
/* Put LINES (win_line*, oldest first, taken over; the array is emptied) before
 * the first line, dropping the newest lines beyond the scrollback limit (the
 * window is then detached from the live end). */
void win_prepend_lines(win_t *w, GPtrArray *lines);
/* The newest line whose id or origin-id is ID (and, when SENDER_BARE is not
 * NULL, written by it), or NULL. */
win_line *win_find_message(win_t *w, const char *id, const char *sender_bare);
/* The line the room stamped with STANZA_ID, if written by SENDER_BARE (the
 * author key in rooms; NULL: anyone), or NULL. */
win_line *win_find_by_stanza_id(win_t *w, const char *stanza_id, const char *sender_bare);
/* The newest line the user wrote (outgoing, not retracted), or NULL. */
win_line *win_last_own(win_t *w);
/* The one strangers window, opened when needed (not focused). */
win_t *win_open_strangers(void);
/* Open a search results window titled TITLE (not focused). */
win_t *win_open_search(const char *title);
/* Mark content changed (after editing a line in place). */
void win_touch(void);

/* Drop all lines. */
void win_clear(win_t *w);

/* Scroll W by ROWS (positive: back in time); clamped at the bottom. */
void win_scroll(win_t *w, int rows);

/* Incremented whenever any window's content, list or focus changes. */
guint64 win_version(void);

#endif

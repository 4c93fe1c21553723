/* history.h - windows backed by the history database (store/). */
#ifndef NATTER_UI_HISTORY_H
#define NATTER_UI_HISTORY_H

#include <stdbool.h>

#include "store/store.h"
#include "ui/win.h"

/* A window line for a stored message (caller owns it). */
win_line *history_line(const store_msg *m);
/* Fill chat window W with its newest page older than BEFORE_ROWID (0: the
 * very newest). */
void history_load_latest(win_t *w, long long before_rowid);
/* Put the page before W's oldest line in front. Returns false when there
 * is no older history. */
bool history_load_older(win_t *w);
/* The server archive answered W's request for older messages. */
void history_archive_done(win_t *w, unsigned count, const char *error, const char *first_id,
                          bool complete);
/* W shows older history (detached): go back to the latest page. */
void history_reattach(win_t *w);
/* Search QUERY in PEER (NULL: everywhere) into a new results window. */
bool history_search(const char *query, const char *peer, char **err);
/* Show result N of the last search in its conversation, highlighted. */
bool history_context(int n, char **err);
void history_deinit(void);

#endif

/* rosterpane.h - what commands may change about the roster pane: which
 * groups are collapsed and which contacts a filter shows. For this
 * session; nothing is saved. */
#ifndef NATTER_UI_ROSTERPANE_H
#define NATTER_UI_ROSTERPANE_H

#include <stdbool.h>

/* Show only contacts whose name or JID contains TEXT (any case); NULL or
 * "" shows everyone again. While a filter is set, collapsed groups open. */
void rosterpane_set_filter(const char *text);
/* The filter in force (borrowed), or NULL. */
const char *rosterpane_filter(void);

/* Collapse (COLLAPSE true) or expand GROUP ("General": contacts without a
 * group), as the group is spelled in the roster (any case). Returns false
 * with *ERR (g_free) when no contact is in GROUP. */
bool rosterpane_collapse(const char *group, bool collapse, char **err);

#endif

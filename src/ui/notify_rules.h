/* notify_rules.h - when a message deserves a notification: pure rules,
 * no I/O (unit-tested). */
#ifndef NATTER_UI_NOTIFY_RULES_H
#define NATTER_UI_NOTIFY_RULES_H

#include <stdbool.h>

typedef enum { NOTIFY_ALL, NOTIFY_MENTIONS, NOTIFY_NONE, NOTIFY_DEFAULT } notify_level;

/* "all", "mentions", "none", "default" (a window following the global
 * setting); false for anything else. */
bool notify_level_parse(const char *s, notify_level *out);
const char *notify_level_name(notify_level l);

/* True when MINUTE (0-1439) falls in quiet hours [FROM, TO). */
bool notify_in_quiet(int minute, int from_min, int to_min);

/* True when BODY mentions NICK: NICK as a whole word, ignoring case. */
bool notify_mentions(const char *body, const char *nick);

typedef struct {
    notify_level global; /* the notify setting */
    notify_level window; /* the window's own rule (NOTIFY_DEFAULT: global) */
    bool mention;        /* the message mentions the user */
    bool seen;           /* the user is looking at it (window current, terminal focused) */
    bool quiet;          /* quiet hours now */
    bool room;           /* a group chat: "all" there means mentions, unless the
                          * window's own rule says otherwise */
} notify_input;

/* Whether to notify. */
bool notify_decide(const notify_input *in);

#endif

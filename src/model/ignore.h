/* ignore.h - the occupants the user ignores, per room (/ignore): plain
 * data, no I/O. Their messages are still stored; the room's window does
 * not show them as they arrive. Kept for the session. */
#ifndef NATTER_MODEL_IGNORE_H
#define NATTER_MODEL_IGNORE_H

#include <glib.h>
#include <stdbool.h>

/* Ignore NICK in ROOM (bare room JID); false when already ignored. */
bool ignore_add(const char *room, const char *nick);
/* Stop ignoring NICK in ROOM; false when it was not ignored. */
bool ignore_remove(const char *room, const char *nick);
/* True when NICK is ignored in ROOM. */
bool ignore_has(const char *room, const char *nick);
/* The nicks ignored in ROOM, sorted (new array of strings,
 * g_ptr_array_unref). */
GPtrArray *ignore_list(const char *room);
/* Forget everything. */
void ignore_deinit(void);

#endif

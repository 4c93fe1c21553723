/* react.h - what the history keeps of replies (XEP-0461) and reactions
 * (XEP-0444), and finding a message by the number or id a user gives.
 *
 * Replies: one row per message that answers another (replies: messages.id
 * -> the id it names). Reactions: one row per conversation, message id and
 * reactor (reactions: peer, target, reactor -> the reactor's whole set and
 * its time). They are keyed by the id the reaction names rather than by a
 * message row, so a reaction that arrives before its message (history
 * comes newest first, a catch-up may stop short) waits in the same table
 * and counts as soon as the message is there. The reactor is a bare JID in
 * one-to-one chats and the occupant's author key in rooms
 * (muc_author_key). */
#ifndef NATTER_STORE_REACT_H
#define NATTER_STORE_REACT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Subscribe the store's side of replies and reactions to the event bus
 * (store stage, after the recorder): called by recorder_init. */
void store_react_init(void);
void store_react_deinit(void);

/* Remember that message ROWID answers the message named TARGET (written
 * by TARGET_TO, may be NULL). Returns false when nothing could be written. */
bool store_reply_set(int64_t rowid, const char *target, const char *target_to);
/* The id message ROWID answers (g_free), or NULL when it is no reply. */
char *store_reply_of(int64_t rowid);

/* The message of PEER named ID: in a room (ROOM) by the room's stanza-id,
 * else by its message id or origin-id; the newest such. NULL when none
 * (store_msg_free). */
store_msg *store_find_by_id(const char *peer, const char *id, bool room);
/* The Nth newest message of PEER (1: the newest), or NULL. */
store_msg *store_nth_newest(const char *peer, int n);
/* Message ROWID, if it belongs to PEER, or NULL. */
store_msg *store_get_row(const char *peer, int64_t rowid);

/* One reactor's set of reactions. */
typedef struct {
    char *reactor;     /* bare JID, or the occupant's author key */
    GPtrArray *emojis; /* char*, in the order given; empty: removed */
    int64_t ts;        /* UTC ms of the set */
} store_reaction;

void store_reaction_free(store_reaction *r);

/* Make EMOJIS (N) the set of REACTOR on the message named TARGET in PEER,
 * written at TS (UTC ms). A set older than the one stored is refused (a
 * delayed reaction must not undo a newer one). Returns 1 when stored, 0
 * when refused, -1 when it could not be written. */
int store_reaction_set(const char *peer, const char *target, const char *reactor,
                       const char *const *emojis, unsigned n, int64_t ts);
/* The reactions on a message of PEER known by any of the N ids IDS (NULL
 * entries skipped): per reactor its newest set, non-empty sets only, the
 * oldest first (GPtrArray of store_reaction*, g_ptr_array_unref). */
GPtrArray *store_reactions_of(const char *peer, const char *const *ids, unsigned n);
/* The same for message M (by its ids: in rooms the stanza-id). */
GPtrArray *store_reactions_of_msg(const store_msg *m, bool room);

#endif

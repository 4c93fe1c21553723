/* conversation.h - what natter keeps about each conversation besides its
 * messages (those are in store/): how many arrived unread, and the room
 * invitations waiting for an answer.
 *
 * Fed by the event bus in the model stage (after the store has written a
 * message, before the screen draws it), so it does not depend on which
 * lines a window still shows: /clear or a trimmed scrollback change
 * nothing here.
 */
#ifndef NATTER_MODEL_CONVERSATION_H
#define NATTER_MODEL_CONVERSATION_H

#include <glib.h>
#include <stdbool.h>

/* At most this many invitations are remembered at once: anyone can send
 * them. A newer invitation to a room already remembered replaces it. */
#define CONV_MAX_INVITES 100
/* The stanza-ids of at most this many unread messages are kept per
 * conversation, for another device's "displayed up to" (EV_MDS). */
#define CONV_MAX_TRACKED 1000

/* An invitation to a room (XEP-0249 direct, or XEP-0045 mediated). */
typedef struct {
    char *room;     /* bare room JID */
    char *from;     /* who invites (for mediated ones: as the room says) */
    char *reason;   /* or NULL */
    char *password; /* or NULL */
    bool mediated;  /* relayed by the room */
    gint64 when;    /* g_get_real_time() when it arrived */
} conv_invite;

/* Subscribe to the events that feed the conversations. */
void conv_init(void);
/* Forget everything and unsubscribe. */
void conv_deinit(void);

/* Incoming messages in PEER (bare JID, or room/nick for a private chat)
 * since conv_mark_read(PEER). Live and caught-up messages count; older
 * history fetched for scrolling, duplicates and own messages do not. */
unsigned conv_unread(const char *peer);
/* The user has seen PEER's conversation: its unread count becomes 0.
 * Another device of ours saying it displayed PEER up to a message (EV_MDS)
 * leaves only the messages after that one unread. */
void conv_mark_read(const char *peer);

/* The pending invitation to ROOM (borrowed, valid until the next event or
 * conv_invite_forget), or NULL. */
const conv_invite *conv_invite_find(const char *room);
/* The invitation to ROOM was used (joined) or declined. */
void conv_invite_forget(const char *room);
/* All pending invitations, oldest first (const conv_invite*, borrowed;
 * g_ptr_array_unref the array). */
GPtrArray *conv_invites(void);

#endif

/* muc.h - group chat rooms and their occupants (XEP-0045): plain data, no I/O.
 *
 * A room is known from the moment the user asks to join it until natter
 * forgets it (/close). Occupants are kept in a hash table by nick, so a
 * join, leave or presence change costs O(1); the sorted view the occupants
 * pane draws is rebuilt lazily, once per change burst, in O(n log n).
 *
 * The order the occupants pane draws (role, then nick) is kept in a balanced
 * tree as occupants come and go: a join costs O(log n), drawing the first
 * rows O(rows), so joining a room of n occupants is O(n log n) overall.
 *
 * Nicks are untrusted text. Each occupant carries a "skeleton" of its nick
 * (unichar_lookalike_key: NFKC, case-folded, confusables reduced to one
 * prototype, without invisible characters and spaces); two
 * occupants with the same skeleton are look-alikes and the UI marks them.
 */
#ifndef NATTER_MODEL_MUC_H
#define NATTER_MODEL_MUC_H

#include <glib.h>
#include <stdbool.h>

#include "model/roster.h"

typedef enum { MUC_ROLE_NONE, MUC_ROLE_VISITOR, MUC_ROLE_PARTICIPANT, MUC_ROLE_MODERATOR } muc_role;

typedef enum {
    MUC_AFF_OUTCAST,
    MUC_AFF_NONE,
    MUC_AFF_MEMBER,
    MUC_AFF_ADMIN,
    MUC_AFF_OWNER,
} muc_affiliation;

typedef struct {
    char *nick;
    char *jid;         /* real JID, only when the room's presence said so */
    char *occupant_id; /* XEP-0421, only when the room advertises it */
    muc_role role;
    muc_affiliation affiliation;
    presence_show show;
    char *status;
    char *skeleton;     /* look-alike key (see above) */
    char *sort_key;     /* the nick folded (unichar_fold_key): pane order */
    GSequenceIter *pos; /* place in the room's order */
} muc_occupant;

typedef enum {
    MUC_STATE_JOINING, /* presence sent, our own presence not back yet */
    MUC_STATE_JOINED,
    MUC_STATE_LEFT, /* left, kicked, failed or disconnected */
} muc_state;

typedef struct {
    char *jid;      /* bare room JID, normalised */
    char *nick;     /* our nick (asked for, then the one the room gave) */
    char *password; /* or NULL */
    muc_state state;
    bool wanted;      /* the user wants to be in it: rejoin after reconnect */
    char *subject;    /* or NULL */
    char *subject_by; /* nick that set it, or NULL */
    /* Features from the room's disco#info. */
    bool has_mam, has_moderation, has_occupant_id, nonanonymous, members_only;
    bool has_stanza_id;    /* XEP-0359: its stanza-ids may be trusted */
    char *moderation_ns;   /* the XEP-0425 namespace the room speaks, or NULL */
    GHashTable *occupants; /* nick -> muc_occupant* */
    GHashTable *skeletons; /* skeleton -> count (look-alikes) */
    GSequence *order;      /* muc_occupant* by role, then nick (borrowed) */
    unsigned role_count[4];
} muc_room;

void muc_model_init(void);
void muc_model_deinit(void);

/* The room with bare JID, or NULL (borrowed). */
muc_room *muc_room_find(const char *jid);
/* Find or create the room JID (normalised bare JID). */
muc_room *muc_room_ensure(const char *jid);
/* Forget ROOM (freed). */
void muc_room_forget(muc_room *room);
/* All rooms (muc_room*, borrowed), in the order they were added. */
const GPtrArray *muc_rooms(void);
/* Forget every occupant of ROOM (we left, or are joining again). */
void muc_room_clear_occupants(muc_room *room);

/* The occupant NICK of ROOM, or NULL (borrowed). */
muc_occupant *muc_occupant_find(muc_room *room, const char *nick);
/* Add or update occupant NICK. JID / OCCUPANT_ID / STATUS may be NULL.
 * Returns it and sets *ADDED when it is new. */
muc_occupant *muc_occupant_set(muc_room *room, const char *nick, muc_role role, muc_affiliation aff,
                               const char *jid, const char *occupant_id, presence_show show,
                               const char *status, bool *added);
/* Remove occupant NICK (no-op when absent). */
void muc_occupant_remove(muc_room *room, const char *nick);
/* Rename OLD to NEW (keeps the rest). False when OLD is unknown. */
bool muc_occupant_rename(muc_room *room, const char *old_nick, const char *new_nick);
/* Occupants by role (moderators first), then nick: walk it with
 * g_sequence_get_begin_iter() (borrowed, valid until ROOM changes). */
GSequence *muc_room_order(muc_room *room);
/* Number of occupants. */
guint muc_room_count(const muc_room *room);
/* True when another occupant's nick looks like NICK (same skeleton). */
bool muc_nick_lookalike(const muc_room *room, const char *nick);

/* Who wrote a message in ROOM, for telling authors apart (corrections,
 * retractions, dedup): the occupant id (XEP-0421) when the room vouches
 * for one, else FROM (room/nick). g_free. */
char *muc_author_key(const char *room, const char *from, const char *occupant_id);

/* The look-alike key of NICK (g_free). */
char *muc_nick_skeleton(const char *nick);

/* Names of roles and affiliations as XEP-0045 spells them; parsing returns
 * false for unknown words. */
const char *muc_role_name(muc_role r);
bool muc_role_parse(const char *s, muc_role *out);
const char *muc_affiliation_name(muc_affiliation a);
bool muc_affiliation_parse(const char *s, muc_affiliation *out);

#endif

/* event.h - the typed event bus: how lower layers tell upper layers what
 * happened, without knowing who listens.
 *
 * xmpp/ and config/ emit; store/, model/, xmpp/, ui/ and cmd/ subscribe.
 * Events are delivered synchronously. Every subscriber names its stage,
 * and stages run in the order of event_stage, whatever the order in which
 * modules were initialised: the store writes a message before the screen
 * draws it, so the screen can show whether it was stored. Within a stage,
 * subscribers run in subscription order. Payload pointers are borrowed for
 * the duration of the call only.
 *
 * The catalogue (one payload struct per type):
 */
#ifndef NATTER_CORE_EVENT_H
#define NATTER_CORE_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef enum {
    EV_LOG,            /* ev_log: a line for a window (console when jid NULL) */
    EV_ACCOUNT,        /* ev_account: the account natter works with was chosen */
    EV_CONN_STATE,     /* ev_conn_state: connecting/connected/disconnected */
    EV_TLS_UNTRUSTED,  /* ev_tls_untrusted: certificate verification failed */
    EV_ROSTER_LOADED,  /* no payload: full roster replaced (model/roster.h) */
    EV_ROSTER_ITEM,    /* ev_roster_item: one item added/changed/removed */
    EV_PRESENCE,       /* ev_presence: a contact's aggregated presence changed */
    EV_SUBSCRIPTION,   /* ev_subscription: someone asks for / answers subscription */
    EV_MESSAGE,        /* ev_message: a chat message in or out */
    EV_MESSAGE_ERROR,  /* ev_message_error: a sent message bounced */
    EV_CHATSTATE,      /* ev_chatstate: a contact is typing / stopped */
    EV_OWN_PRESENCE,   /* ev_own_presence: our own presence changed */
    EV_RECEIPT,        /* ev_receipt: a contact confirmed delivery (XEP-0184) */
    EV_QUEUE_SENT,     /* ev_receipt: a message that waited for a connection left */
    EV_MESSAGE_ACKED,  /* ev_receipt: the server acknowledged our message (XEP-0198) */
    EV_MESSAGE_RESENT, /* ev_receipt: our unacknowledged message was sent again */
    EV_CORRECTION,     /* ev_correction: a message was corrected (XEP-0308) */
    EV_RETRACTION,     /* ev_retraction: a message was retracted (XEP-0424) */
    EV_ARCHIVE_SYNC,   /* ev_archive_sync: MAM catch-up started / finished */
    EV_MUC_ROOM,       /* ev_muc_room: our own state in a group chat changed */
    EV_MUC_OCCUPANT,   /* ev_muc_occupant: someone joined, left or changed in a room */
    EV_MUC_INVITE,     /* ev_muc_invite: an invitation to a room arrived */
    EV_BOOKMARKS,      /* no payload: the bookmark list (nx_bookmarks()) changed */
    EV_SETTING,        /* ev_setting: a setting was changed (config/settings.h) */
    EV_TRANSFER,       /* ev_transfer: a file upload or download started, moved or ended */
    EV_REACTION,       /* ev_reaction: someone's set of reactions to a message (XEP-0444) */
    EV_DISPLAYED,      /* ev_receipt: the contact displayed our messages up to ID (XEP-0333) */
    EV_MDS,            /* ev_mds: another device of ours displayed PEER up to STANZA_ID */
    EV__COUNT
} event_type;

typedef enum { LOG_INFO, LOG_WARN, LOG_ERROR } ev_log_level;

typedef struct {
    ev_log_level level;
    const char *jid;  /* window to show it in (bare JID), NULL: console */
    const char *text; /* already plain text; the UI still sanitises it */
} ev_log;

/* Sent when a login is asked for, before the password is known and the
 * connection starts: from then on messages are written as this account (its
 * history is open, its JID is the sender of what is queued). */
typedef struct {
    const char *account;  /* account name */
    const char *jid_bare; /* the account's bare JID */
} ev_account;

typedef enum {
    CONN_DISCONNECTED,
    CONN_CONNECTING,
    CONN_CONNECTED,
} conn_state;

typedef struct {
    conn_state state;
    const char *account;  /* account name */
    const char *jid;      /* full JID when connected */
    const char *jid_bare; /* the account's bare JID (always set) */
    const char *reason;   /* why we disconnected, or NULL */
} ev_conn_state;

typedef struct {
    const char *host;
    const char *reason;
    const char *subject;
    const char *issuer;
    const char *fingerprint; /* SHA-256, "AB:CD:..." */
} ev_tls_untrusted;

typedef struct {
    const char *jid;
    bool removed;
} ev_roster_item;

typedef struct {
    const char *jid;      /* bare JID */
    const char *resource; /* resource that changed, or NULL */
    int show;             /* presence_show (model/roster.h), aggregated */
    int old_show;         /* before the change */
    const char *status;   /* aggregated status text or NULL */
} ev_presence;

typedef enum { SUB_REQUEST, SUB_APPROVED, SUB_REVOKED, SUB_UNSUBSCRIBED } sub_kind;

typedef struct {
    sub_kind kind;
    const char *jid;  /* bare JID of the other side */
    const char *text; /* optional status text with the request */
} ev_subscription;

/* Filled in by the store's subscriber (it runs first), read by the UI. */
typedef struct {
    long long rowid;  /* history row, 0 when not stored (yet) */
    bool duplicate;   /* already in history: do not show it again */
    bool rejected;    /* (corrections) refused: not from the original sender, or
                       * its message is retracted already */
    bool retracted;   /* (messages) stored retracted: its retraction came first */
    const char *body; /* (messages) stored with this text, a correction that came
                       * first (borrowed for the delivery), or NULL */
} ev_result;

typedef struct {
    const char *peer; /* bare JID of the conversation */
    const char *from; /* full JID of the sender */
    const char *body;
    const char *id; /* message id or NULL */
    bool outgoing;
    bool queued;             /* outgoing, not yet sent (offline) */
    time_t timestamp;        /* original time (XEP-0203 delay) or now */
    int64_t time_us;         /* the same time in UTC microseconds, with the stamp's
                              * fraction of a second (0: only TIMESTAMP is known) */
    bool delayed;            /* carried a delay stamp */
    const char *stanza_id;   /* XEP-0359, only when 'by' is our own bare JID */
    const char *origin_id;   /* XEP-0359 origin-id */
    bool carbon;             /* copy from another of our devices (XEP-0280) */
    bool from_archive;       /* from MAM (XEP-0313) */
    bool receipt_requested;  /* outgoing: we asked for a receipt */
    bool ack_pending;        /* outgoing: the server's acknowledgement will tell */
    bool backfill;           /* older history fetched for a scrolled-up window */
    bool groupchat;          /* a room message: PEER is the room, FROM room/nick */
    bool muc_private;        /* a private message with an occupant: PEER is room/nick */
    const char *occupant_id; /* XEP-0421, only when the room vouches for it */
    bool unstyled;           /* XEP-0393: the sender asked for no styling (<unstyled/>) */
    const char *oob_url;     /* XEP-0066 <url> the message carries, or NULL */
    const char *reply_id;    /* XEP-0461: the id of the message it answers, or NULL
                              * (BODY is then without the quote marked as fallback) */
    const char *reply_to;    /* XEP-0461: the answered message's author as named, or NULL */
    bool encrypted;          /* end-to-end encrypted (OMEMO): BODY is the decrypted text */
    uint32_t device;         /* ... sent by this OMEMO device of FROM's account */
    bool untrusted;          /* ... which the user does not trust (not verified) */
    bool verified;           /* ... which the user verified */
    ev_result *result;       /* may be NULL */
    bool markable;           /* incoming: the sender asks for chat markers (XEP-0333) */
} ev_message;

typedef struct {
    const char *peer;
    const char *id; /* id of our message that was delivered (EV_QUEUE_SENT: sent,
                     EV_MESSAGE_ACKED: acknowledged, EV_MESSAGE_RESENT: resent) */
} ev_receipt;

typedef struct {
    const char *peer;
    const char *from; /* full JID of who sent the correction */
    bool outgoing;
    const char *replace_id; /* id of the corrected message */
    const char *body;       /* new text */
    const char *id;         /* the correction's own id */
    time_t timestamp;
    int64_t time_us;         /* TIMESTAMP in UTC microseconds (0: only TIMESTAMP is known) */
    bool groupchat;          /* FROM is room/nick: the author is the occupant */
    const char *occupant_id; /* rooms: XEP-0421 id when the room vouches for it */
    bool encrypted;          /* the correction came end-to-end encrypted (OMEMO) */
    ev_result *result;
} ev_correction;

typedef struct {
    const char *peer;
    const char *from;
    bool outgoing;
    const char *retract_id;  /* origin-id/id of the retracted message */
    bool groupchat;          /* FROM is room/nick: the author is the occupant */
    const char *occupant_id; /* rooms: XEP-0421 id when the room vouches for it */
    /* Moderation (XEP-0425): the room removed a message. RETRACT_ID is then
     * the room's stanza-id, and only the room itself can say this. */
    bool moderation;
    const char *moderator; /* nick (or JID) of the moderator, may be NULL */
    const char *reason;    /* may be NULL */
    ev_result *result;
} ev_retraction;

typedef struct {
    bool done;            /* false: started */
    unsigned count;       /* messages received from the archive (when done) */
    const char *error;    /* why it stopped early, or NULL */
    const char *peer;     /* NULL: login catch-up; else older history of PEER */
    const char *first_id; /* older history: the oldest archive id of the page */
    bool complete;        /* older history: the archive has nothing older */
} ev_archive_sync;

typedef struct {
    const char *peer;
    const char *id;
    const char *error; /* condition/text */
} ev_message_error;

typedef enum {
    CHATSTATE_ACTIVE,
    CHATSTATE_COMPOSING,
    CHATSTATE_PAUSED,
    CHATSTATE_INACTIVE,
    CHATSTATE_GONE
} chatstate;

typedef struct {
    const char *peer;
    chatstate state;
} ev_chatstate;

typedef struct {
    int show;
    const char *status;
} ev_own_presence;

typedef enum {
    MUC_EV_JOINING,     /* a join was sent (open the room's window) */
    MUC_EV_JOINED,      /* our own presence came back: in the room as NICK */
    MUC_EV_SYNCED,      /* the room's history (discussion history, archive) is stored */
    MUC_EV_JOIN_FAILED, /* TEXT says why */
    MUC_EV_LEFT,        /* we left (or lost the connection) */
    MUC_EV_KICKED,      /* removed by ACTOR for REASON */
    MUC_EV_BANNED,
    MUC_EV_REMOVED,   /* removed for another reason (TEXT) */
    MUC_EV_NICK,      /* our nick is now NICK (OLD_NICK before) */
    MUC_EV_SUBJECT,   /* the subject is TEXT, set by NICK (INITIAL: sent on join) */
    MUC_EV_CREATED,   /* we created the room (instant configuration applied) */
    MUC_EV_REJOINING, /* joining again: TEXT says why (NULL: self-ping found us out) */
} muc_ev_kind;

typedef struct {
    muc_ev_kind kind;
    const char *room; /* bare room JID */
    const char *nick; /* see kind */
    const char *old_nick;
    const char *actor;  /* who kicked/banned, or NULL */
    const char *reason; /* or NULL */
    const char *text;   /* see kind */
    bool initial;       /* subject: the one sent on join */
    unsigned count;     /* joined: occupants; synced: messages fetched from the archive */
} ev_muc_room;

typedef enum {
    OCC_JOINED,
    OCC_LEFT,
    OCC_NICK, /* NICK is now NEW_NICK */
    OCC_KICKED,
    OCC_BANNED,
    OCC_REMOVED,  /* affiliation change or members-only */
    OCC_ROLE,     /* role changed (see model/muc.h for the occupant) */
    OCC_PRESENCE, /* show/status changed */
} occ_ev_kind;

typedef struct {
    occ_ev_kind kind;
    const char *room;
    const char *nick;
    const char *new_nick;
    const char *actor;
    const char *reason;
    bool initial; /* part of the occupant list sent while we join */
} ev_muc_occupant;

typedef struct {
    const char *room;
    const char *from;     /* who invites (bare or full JID) */
    const char *reason;   /* or NULL */
    const char *password; /* or NULL */
    bool mediated;        /* XEP-0045 (through the room) rather than XEP-0249 */
    bool declined;        /* someone declined OUR mediated invitation */
} ev_muc_invite;

typedef struct {
    const char *key; /* the setting's name */
} ev_setting;

/* A reaction message (XEP-0444): the whole set of emojis one person now
 * has on a message (none: all removed). The store keeps one set per
 * reactor and message; RESULT->rejected when an older (delayed) set came
 * after a newer one and changed nothing. */
typedef struct {
    const char *peer;          /* the conversation (bare JID, room, or room/nick) */
    const char *from;          /* full JID of the reactor (rooms: room/nick) */
    bool outgoing;             /* ours (sent here, a carbon, or the room's reflection) */
    bool groupchat;            /* FROM is an occupant: the reactor is the occupant */
    const char *occupant_id;   /* rooms: XEP-0421 id when the room vouches for it */
    const char *target;        /* the id it names (rooms: the room's stanza-id) */
    const char *const *emojis; /* N distinct reactions (validated UTF-8, no controls) */
    unsigned n;
    time_t timestamp;  /* when it was sent (delay stamp, archive) or now */
    bool from_archive; /* from MAM or a room's history */
    ev_result *result; /* may be NULL */
} ev_reaction;
/* XEP-0490: our account's PEP says the conversation with PEER (bare JID)
 * was displayed up to the message with STANZA_ID: the one our server gave
 * it, or for a room the room's. Only our own account can say this. */
typedef struct {
    const char *peer;
    const char *stanza_id;
} ev_mds;

/* Who runs when: every subscriber of an event in an earlier stage has run
 * before any subscriber in a later one is called. */
typedef enum {
    EV_STAGE_STORE,   /* store/: history is written first (fills ev_result) */
    EV_STAGE_MODEL,   /* model/: state kept from events (reads ev_result) */
    EV_STAGE_PROTO,   /* xmpp/: protocol reactions (a setting changed) */
    EV_STAGE_SCREEN,  /* ui/: drawing and notifications */
    EV_STAGE_CONTROL, /* cmd/: scripts and remote control see the outcome */
    EV_STAGE__COUNT
} event_stage;

typedef void (*event_cb)(event_type type, const void *payload, void *ud);

/* Call CB(type, payload, UD) in STAGE for every future event of TYPE. A
 * subscription made while an event is being delivered takes effect from
 * the next event on. */
void event_subscribe(event_type type, event_stage stage, event_cb cb, void *ud);

/* Remove a subscription made with the same CB and UD. It takes effect at
 * once, also during a delivery (CB is not called again), and never makes
 * the delivery skip another subscriber. */
void event_unsubscribe(event_type type, event_cb cb, void *ud);

/* Deliver PAYLOAD to every subscriber of TYPE, synchronously, stage by
 * stage. A subscriber may emit other events (they are delivered at once). */
void event_emit(event_type type, const void *payload);

/* The stage of the subscription CB/UD to TYPE, or -1 when there is none
 * (lets tests check who runs before whom). */
int event_stage_of(event_type type, event_cb cb, void *ud);

/* Convenience: emit EV_LOG with a printf-style text. JID NULL: console. */
void event_log(ev_log_level level, const char *jid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Drop all subscriptions. */
void event_deinit(void);

typedef enum {
    TRANSFER_STARTED,  /* asking for a slot, or connecting */
    TRANSFER_PROGRESS, /* DONE of TOTAL bytes, RATE bytes a second */
    TRANSFER_DONE,     /* URL is where the file is now (uploads) */
    TRANSFER_FAILED,   /* ERROR says why */
    TRANSFER_CANCELLED,
} transfer_state;

typedef struct {
    unsigned num; /* the transfer's number (/upload -cancel N) */
    bool upload;  /* false: a download */
    transfer_state state;
    const char *peer; /* the conversation it belongs to (bare JID) */
    const char *name; /* the file's name */
    uint64_t done, total;
    double rate;          /* bytes a second, 0 while unknown */
    const char *url;      /* DONE: the link */
    const char *error;    /* FAILED: why */
    const char *path;     /* downloads, DONE: where the file was saved */
    long long attachment; /* downloads: the attachment's number (/download N) */
} ev_transfer;

#endif

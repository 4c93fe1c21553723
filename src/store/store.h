/* store.h - local history in SQLite: one database per account.
 *
 * $XDG_DATA_HOME/natter/<account bare JID>.db (directory 0700, file 0600),
 * WAL journal, synchronous=NORMAL, schema versioned with PRAGMA user_version
 * and migrated on open. Timestamps are UTC milliseconds since the epoch.
 * Every SQL value is a bound parameter. Full-text search uses FTS5 (an
 * external-content table kept in step by triggers).
 *
 * Faults (locked, corrupt, full disk, read-only): a write that fails is kept
 * in memory, in order, and retried (store_retry_pending(), also tried before
 * every new write); the caller gets one clear error line through *ERR and
 * natter keeps chatting. Nothing that was handed to store_add() is dropped
 * while natter runs.
 */
#ifndef NATTER_STORE_STORE_H
#define NATTER_STORE_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    STORE_RECEIPT_NONE = 0,  /* incoming, or receipts not requested */
    STORE_RECEIPT_PENDING,   /* outgoing, receipt requested */
    STORE_RECEIPT_DELIVERED, /* outgoing, receipt received */
} store_receipt;

/* Whether the server confirmed an outgoing message (stream management). */
typedef enum {
    STORE_ACK_NONE = 0, /* nothing to know: incoming, rooms, no stream management */
    STORE_ACK_PENDING,  /* written, the server's acknowledgement not yet in */
    STORE_ACK_DONE,     /* the server acknowledged it */
} store_ack;

typedef enum {
    STORE_ENC_NONE = 0,
    STORE_ENC_OMEMO = 1,
} store_encryption;

/* The trust of the OMEMO device that sent a message, when it came. */
typedef enum {
    STORE_TRUST_NONE = 0,      /* not encrypted, ours, or stored before natter kept it */
    STORE_TRUST_BLIND = 1,     /* trusted without verification (blind trust) */
    STORE_TRUST_VERIFIED = 2,  /* its fingerprint was verified */
    STORE_TRUST_UNTRUSTED = 3, /* decrypted, but the user does not trust it */
    STORE_TRUST_PLAIN = 4,     /* came in clear in a chat that was encrypted then */
} store_trust;

/* One message as stored. Strings are owned by the struct (store_msg_free)
 * except where noted. */
typedef struct {
    int64_t rowid;      /* 0 until stored */
    char *peer;         /* bare JID of the conversation (required) */
    char *sender;       /* full (or bare) JID of who wrote it (required) */
    bool outgoing;      /* written by the account's user */
    char *body;         /* current text (after corrections); "" if retracted */
    int64_t ts;         /* original time, UTC ms (required) */
    char *stanza_id;    /* XEP-0359 stanza-id, or NULL */
    char *stanza_id_by; /* its 'by' (must be the own bare JID for 1:1), or NULL */
    char *origin_id;    /* XEP-0359 origin-id, or NULL */
    char *msg_id;       /* the message's id attribute, or NULL */
    store_encryption encryption;
    uint32_t device;   /* OMEMO device of the sender (0: none) */
    store_trust trust; /* ... and its trust when the message came */
    store_receipt receipt;
    bool corrected;       /* body was replaced by a correction (XEP-0308) */
    char *original_body;  /* first body when corrected, else NULL */
    bool retracted;       /* XEP-0424 */
    bool from_archive;    /* arrived through MAM */
    bool queued;          /* outgoing, written offline and not sent yet */
    store_ack server_ack; /* outgoing: what the server confirmed (XEP-0198) */
    bool resent;          /* outgoing: sent again after the connection was lost */
    bool unstyled;        /* XEP-0393: the sender asked for no styling */
    int64_t received;     /* incoming: when natter got it, UTC ms (0: unknown;
                           * written, not read back: store_received_of) */
    char *author;         /* who wrote it, for dedup and corrections: NULL = the
                           * bare JID of SENDER; in rooms the occupant
                           * (muc_author_key); read back from the database */
} store_msg;

/* A new empty message (g_new0) / free one (NULL is fine). */
store_msg *store_msg_new(void);
void store_msg_free(store_msg *m);
/* A deep copy of M (store_msg_free). */
store_msg *store_msg_copy(const store_msg *m);

/* Open (creating or migrating) the database of ACCOUNT_JID in DATA_DIR.
 * Returns false with *ERR (g_free) when it cannot be opened; natter then
 * keeps messages in memory (store_add still accepts them and keeps them
 * pending). Only one database is open at a time. */
bool store_open(const char *data_dir, const char *account_jid, char **err);

/* True when ACCOUNT_JID has a history file in DATA_DIR made by an older
 * natter: opening it converts it, which takes a while for a big one. */
bool store_needs_upgrade(const char *data_dir, const char *account_jid);
/* Open a database at an explicit PATH (tests, benchmarks, export tool).
 * Opening again the path already tried keeps the pending messages and
 * writes them; another path drops them (as store_close). A read-only file
 * opens for reading; its writes are kept pending until it is writable. */
bool store_open_path(const char *path, char **err);
/* Flush what can be flushed and close. Messages still pending after that
 * are dropped (check store_pending_count() first to tell the user). */
void store_close(void);
/* True when a database is open. */
bool store_is_open(void);

typedef enum {
    STORE_ADDED,     /* stored, m->rowid set */
    STORE_DUPLICATE, /* already stored (m->rowid set to the existing row) */
    STORE_PENDING,   /* could not be written now; kept in memory and retried */
} store_add_result;

/* Store M (copied; the caller keeps M). Duplicates are recognised, in this
 * order: same stanza_id with the same stanza_id_by (both set); same
 * origin_id from the same bare sender in the same peer; same msg_id from the
 * same bare sender in the same peer within 5 minutes (ts); a message with
 * none of these ids is never a duplicate. A duplicate found by origin_id or
 * msg_id that was stored without a stanza-id learns M's. The message is
 * committed when this returns (one transaction per call). On STORE_PENDING,
 * *ERR (if not NULL) receives one clear line (g_free) the first time a run
 * of failures starts (then NULL until the store works again); messages
 * added while others are pending queue behind them, in order, and every
 * add first retries the queue without waiting for locks. A message without
 * peer or sender is a programming error (g_critical, STORE_DUPLICATE). */
store_add_result store_add(store_msg *m, char **err);

/* Store N messages in one transaction (a MAM page, an import): each is
 * handled as by store_add, its result in RESULTS[i] and MSGS[i]->rowid set.
 * Returns true when none had to be kept pending, else false with *ERR as
 * for store_add. */
bool store_add_batch(store_msg **msgs, guint n, store_add_result *results, char **err);

/* Batching for a main loop: between store_batch_begin() and
 * store_batch_end() adds share one transaction, committed by
 * store_batch_end() (natter calls it once per loop pass, before the screen
 * is redrawn, so whatever is shown is on disk). If the commit fails, what
 * the batch held is kept pending like any failed add, and *ERR (g_free)
 * gets the fault line; returns false then. */
void store_batch_begin(void);
bool store_batch_end(char **err);

/* Try to write pending messages now, waiting for locks and reopening a
 * database that was not open, read-only or damaged. Returns how many are
 * still pending. */
guint store_retry_pending(void);
guint store_pending_count(void);

/* Messages of PEER older than BEFORE_ROWID (0: from the newest), at most
 * LIMIT, returned oldest first (GPtrArray of store_msg*, free with
 * g_ptr_array_unref). "Older" is time order: ts, then rowid for equal ts.
 * Pending (unwritten, rowid 0) messages of PEER follow at the end when
 * BEFORE_ROWID is 0 (not counted in LIMIT). An unknown BEFORE_ROWID gives
 * an empty array. */
GPtrArray *store_page(const char *peer, int64_t before_rowid, int limit);

/* Messages of PEER around ROWID (COUNT before, the message, COUNT after),
 * oldest first, for jump-to-context. */
GPtrArray *store_context(const char *peer, int64_t rowid, int count);

/* Mark the outgoing message with MSG_ID (or origin_id) in PEER delivered
 * (stored or pending). Returns true when a message changed. */
bool store_mark_delivered(const char *peer, const char *msg_id);

/* Mark the outgoing message ID (msg_id or origin_id) of PEER sent: it is
 * no longer queued (stored or pending). Returns true when a message changed. */
bool store_mark_sent(const char *peer, const char *id);

/* Record what the server confirmed of our message ID (msg_id or origin_id)
 * in PEER: RESENT marks it sent again and waiting, otherwise it is
 * acknowledged (stored or pending). Returns true when a message changed. */
bool store_mark_server_ack(const char *peer, const char *id, bool resent);

/* The outgoing messages written while offline and not sent yet (queued),
 * or sent but never acknowledged by the server (server_ack pending), and
 * not retracted since, oldest first, from the database and from what still
 * waits to be written (GPtrArray of store_msg*, free with
 * g_ptr_array_unref). They survive a quit and a crash and are sent (again)
 * at the next login. */
GPtrArray *store_queued(void);

/* Apply a correction: REPLACE_ID (msg_id, else origin_id of the original)
 * in PEER, written by bare SENDER_BARE, gets NEW_BODY; the first body is
 * kept as original_body. Only a message by the same bare sender is
 * corrected; a retracted one stays retracted (its rowid is returned).
 * Returns the rowid corrected, 0 when there is no such message or it cannot
 * be written now (the caller then stores the correction as a message), or
 * -1 when the message exists but was written by someone else (a forged
 * correction, which changes nothing). */
int64_t store_correct(const char *peer, const char *sender_bare, const char *replace_id,
                      const char *new_body);

/* Retract (XEP-0424) the message with ID (origin_id, else msg_id) by
 * SENDER_BARE in PEER: body becomes "", retracted set, original kept as
 * original_body (the first body if it was corrected). Returns the rowid, 0
 * when there is no such message or it cannot be written now, or -1 when it
 * was written by someone else (nothing changes). */
int64_t store_retract(const char *peer, const char *sender_bare, const char *id);

/* As store_correct / store_retract, but an id that belongs to a message in
 * another conversation also gives -1 (what the recorder uses). */
int64_t store_correct_checked(const char *peer, const char *sender_bare, const char *replace_id,
                              const char *new_body);
int64_t store_retract_checked(const char *peer, const char *sender_bare, const char *id);

/* Retract the message the room BY stamped with STANZA_ID: for moderation
 * (XEP-0425, AUTHOR NULL: only the room itself may ask) or for its author
 * (XEP-0424 in rooms names the room's id; AUTHOR must be who wrote it).
 * Returns the rowid, 0 when not stored, -1 when AUTHOR did not write it. */
int64_t store_retract_stanza(const char *by, const char *stanza_id, const char *author);

/* Keep an edit of a message that is not stored yet (older history comes
 * newest first; a catch-up may not reach the original): TARGET is the id
 * it names (msg_id, origin_id, or a room's stanza-id), AUTHOR who must have
 * written the message (a bare JID or muc_author_key; NULL: the room's
 * moderation, matched by the room's stanza-id only). A retraction (RETRACT)
 * also retracts a message of PEER still waiting to be written, and the rows
 * that stand in for corrections of TARGET (their text is dropped); a
 * correction keeps BODY, written at TS (UTC ms; the newest wins), and the
 * row STANDIN (0: none) that shows it meanwhile. When the message is
 * stored, a waiting retraction empties it before it is written, else the
 * newest correction becomes its body, and the stand-ins are deleted.
 * Returns false when nothing could be kept (or, for a correction, when a
 * retraction of TARGET waits already: the correction changes nothing). */
bool store_edit_wait(const char *peer, const char *author, const char *target, bool retract,
                     const char *body, int64_t ts, int64_t standin);

/* True when a retraction of TARGET by AUTHOR in PEER waits for it. */
bool store_edit_retracted(const char *peer, const char *author, const char *target);

/* The oldest archive id (XEP-0359 stanza-id) stored for PEER (g_free), or
 * NULL: where paging back through the server archive continues. */
char *store_oldest_stanza_id(const char *peer);

/* The newest message in PEER that is not retracted and was written by the
 * user (AUTHOR NULL) or by AUTHOR (a bare JID; in rooms the occupant's
 * author key, muc_author_key), from the database or from what still waits
 * to be written; NULL when there is none (store_msg_free). This is what
 * /correct, /retract and /moderate act on: it survives /clear, a trimmed
 * scrollback and a restart. */
store_msg *store_last_by(const char *peer, const char *author);

/* Time (UTC ms) of the oldest message stored for PEER, 0 when none. */
int64_t store_oldest_ts(const char *peer);

/* The time (UTC ms) of the stored message ROWID of PEER, 0 when none. */
int64_t store_row_ts(const char *peer, int64_t rowid);

/* Where a message of PEER stamped with the whole second SECOND_MS (UTC ms,
 * a multiple of 1000: a stamp without a fraction) goes: SECOND_MS, or the
 * newest time already stored for PEER within that second, so that it
 * follows what natter learnt of before it in that second (ties keep the
 * order of arrival). */
int64_t store_place_in_second(const char *peer, int64_t second_ms);

/* Full-text search for the user's words QUERY (plain words, quoted phrases;
 * FTS syntax characters are treated as text, never as operators, so no query
 * can raise an FTS error; all words must match) in PEER or everywhere (PEER
 * NULL); newest stored first, at most LIMIT (<= 0: all). Returns NULL with
 * *ERR (g_free) for an empty query or a failure. */
GPtrArray *store_search(const char *query, const char *peer, int limit, char **err);

/* The newest MAM archive id seen for the account archive (g_free), or NULL. */
char *store_get_state(const char *key);
bool store_set_state(const char *key, const char *value);

/* Records of end-to-end encryption (keys.c): opaque DATA by KIND, JID ("" for
 * our own) and ID, in the open account's database. get returns NULL when
 * there is none (g_bytes_unref); put and del return false when nothing
 * could be written; ids lists the ids of KIND and JID (g_array_unref,
 * guint32 elements; empty when closed). */
GBytes *store_key_get(int kind, const char *jid, uint32_t id);
bool store_key_put(int kind, const char *jid, uint32_t id, GBytes *data);
bool store_key_del(int kind, const char *jid, uint32_t id);
GArray *store_key_ids(int kind, const char *jid);
/* Whether the stored message ID (its id or origin-id) in PEER came
 * end-to-end encrypted. */
bool store_msg_is_encrypted(const char *peer, const char *id);

/* Conversations (peers) with their last message time, newest first
 * (GPtrArray of g_strdup'ed bare JIDs). */
GPtrArray *store_peers(void);

typedef enum { STORE_EXPORT_TEXT, STORE_EXPORT_JSON } store_export_format;

/* Write the history of PEER (NULL: all conversations) to OUT, oldest first.
 * Text: "YYYY-MM-DD HH:MM:SS <sender> body" per line (UTC, continuation lines
 * of multi-line bodies indented by a tab). JSON: one array of objects with
 * peer, sender, outgoing, ts (ISO 8601 UTC), body, ids, flags. Returns false
 * with *ERR. */
bool store_export(const char *peer, store_export_format fmt, FILE *out, char **err);

/* Number of stored messages (all peers). */
int64_t store_count(void);

#endif

/* internal.h - what the files of store/ share with each other (and with
 * tests/unit/test_store.c); nothing outside src/store includes this.
 *
 * store.c    connection: open/close/reopen, pragmas, statement cache, fault
 *            wording, key/value state, counts, peers, store_msg helpers
 * schema.c   the schema and its migrations (PRAGMA user_version)
 * history.c  add/dedup, the pending queue, paging, receipts, corrections
 * edits.c    corrections and retractions that wait for their message
 * search.c   FTS5 indexing of new rows, query building, search, export
 * keys.c     records of end-to-end encryption (OMEMO keys and sessions)
 */
#ifndef NATTER_STORE_INTERNAL_H
#define NATTER_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 15

/* A GLOB pattern for text in scripts written without spaces between words
 * (Thai, Lao, Tibetan, Myanmar, Hangul, Khmer, kana, CJK ideographs, Yi):
 * the word index cannot find a word inside such a run, so rows that match
 * are also in a trigram index (schema.c), and search terms that match use
 * it (search.c). Every range starts at U+0E00 or above. */
#define STORE_UNSPACED_GLOB                                                                        \
    "*[\u0E00-\u109F\u1100-\u11FF\u1780-\u17FF\u2E80-\uA4CF\uAC00-\uD7FF\uF900-\uFAFF"             \
    "\uFF66-\uFFDC\U0001B000-\U0001B2FF\U00020000-\U000323AF]*"

/* How long a statement waits for another connection's lock. */
#define STORE_BUSY_TIMEOUT_MS 200

/* Dedup rule 3: the same msg_id counts as a duplicate within this window. */
#define STORE_MSGID_WINDOW_MS (5 * 60 * 1000)

/* Every SQL statement natter runs, prepared once and reused. The SQL text
 * is in store.c (store_stmt_sql). */
typedef enum {
    ST_BEGIN, /* BEGIN IMMEDIATE */
    ST_COMMIT,
    ST_PEER_ADD,         /* ?1 peer: number it (peers) unless it is */
    ST_INSERT,           /* 23 columns, see store.c */
    ST_DUP_STANZA,       /* ?1 stanza_id ?2 stanza_id_by -> id */
    ST_DUP_ORIGIN,       /* ?1 peer ?2 origin_id ?3 sender_bare -> id, stanza_id */
    ST_DUP_MSGID,        /* ?1 peer ?2 msg_id ?3 sender_bare ?4 ts -> id, stanza_id */
    ST_LEARN_STANZA,     /* ?1 id ?2 stanza_id ?3 by: fill a missing stanza-id */
    ST_CURSOR,           /* ?1 id ?2 peer -> ts */
    ST_PAGE_NEWEST,      /* ?1 peer ?2 limit */
    ST_PAGE_BEFORE,      /* ?1 peer ?2 ts ?3 id ?4 limit (newest first) */
    ST_PAGE_AFTER,       /* ?1 peer ?2 ts ?3 id ?4 limit (oldest first) */
    ST_GET_ROW,          /* ?1 id */
    ST_FIND_MSGID,       /* ?1 peer ?2 msg_id ?3 sender_bare -> id, retracted */
    ST_FIND_ORIGIN,      /* ?1 peer ?2 origin_id ?3 sender_bare -> id, retracted */
    ST_ANY_MSGID,        /* ?1 peer ?2 msg_id -> id (any sender) */
    ST_ANY_ORIGIN,       /* ?1 peer ?2 origin_id -> id (any sender) */
    ST_CORRECT,          /* ?1 id ?2 new body */
    ST_RETRACT,          /* ?1 id */
    ST_DELIVERED_MSGID,  /* ?1 peer ?2 msg_id */
    ST_DELIVERED_ORIGIN, /* ?1 peer ?2 origin_id */
    ST_STATE_GET,
    ST_STATE_SET,
    ST_STATE_DEL,
    ST_COUNT,
    ST_PEERS,
    ST_SEARCH_ALL,  /* ?1 fts query ?2 limit */
    ST_FTS_IDS,     /* ?1 fts query -> rowid, newest stored first */
    ST_ROW_PEER,    /* ?1 id -> peer (its number) */
    ST_PEER_NUMBER, /* ?1 peer -> its number (peers) */
    ST_PEER_IDS,    /* ?1 peer -> id (any order) */
    ST_EXPORT_ALL,
    ST_EXPORT_PEER,   /* ?1 peer */
    ST_OLDEST_TS,     /* ?1 peer: time of its oldest message */
    ST_ID_ANYWHERE,   /* ?1 msg id, in any conversation */
    ST_OLDEST_STANZA, /* ?1 peer: its oldest archive id */
    ST_STANZA_AUTHOR, /* ?1 stanza_id ?2 stanza_id_by -> id, sender_bare */
    ST_LAST_OWN,      /* ?1 peer: the newest outgoing message, not retracted */
    ST_LAST_BY,       /* ?1 peer ?2 author: its newest message, not retracted */
    ST_QUEUED,        /* outgoing messages waiting for a connection, oldest first */
    ST_SENT_MSGID,    /* ?1 peer ?2 msg_id: no longer queued */
    ST_SENT_ORIGIN,   /* ?1 peer ?2 origin_id: no longer queued */
    ST_KEY_GET,       /* ?1 kind ?2 jid ?3 id -> data (keys.c) */
    ST_KEY_PUT,       /* ?1 kind ?2 jid ?3 id ?4 data */
    ST_KEY_DEL,       /* ?1 kind ?2 jid ?3 id */
    ST_KEY_IDS,       /* ?1 kind ?2 jid -> id */
    ST_SECOND_MAX,    /* ?1 peer ?2 ts: the newest ts of PEER in [?2, ?2 + 1000) */
    ST_EDIT_COUNT,    /* how many edits wait for their message */
    ST_EDIT_FIND,     /* ?1 peer ?2 ?3 ?4 ids -> id, author, retract, body, ts, standin */
    ST_EDIT_ADD,      /* ?1 peer ?2 author ?3 target ?4 retract ?5 body ?6 ts ?7 standin */
    ST_EDIT_OF,       /* ?1 peer ?2 target ?3 author -> id, retract, standin */
    ST_EDIT_DEL,      /* ?1 id */
    ST_EDIT_NOBODY,   /* ?1 id: a correction of a retracted message loses its text */
    ST_DELETE_ROW,    /* ?1 id: a correction's stand-in, once applied */
    ST_ACK_MSGID,     /* ?1 peer ?2 msg_id ?3 server_ack ?4 resent */
    ST_ACK_ORIGIN,    /* ?1 peer ?2 origin_id ?3 server_ack ?4 resent */
    ST_FTS_WORDS,     /* ?1 id ?2 body: into the word index (store_index_add) */
    ST_FTS_TRIGRAMS,  /* ?1 id ?2 body: into the trigram index */
    ST_FTS_UNSPACED,  /* ?1 id: into messages_unspaced */
    ST__COUNT
} store_stmt_id;

/* Short forms (schema step 14). A message row names most of its JIDs and ids
 * by what the row already holds: a BLOB in a TEXT column is such a short
 * form (natter never writes a BLOB there otherwise), and text is the value
 * itself, as in every row written before. store_msg_from_row() reads them
 * back; the SQL below compares either form.
 *   sender        a BLOB R: the peer followed by R (X'': the peer; a
 *                 resource: '/resource')
 *   sender_bare   a BLOB R: the peer followed by R (X'': the peer; in a
 *                 room '#...' of the author key, muc_author_key)
 *   stanza_id_by  X'' the peer (a room); X'00' the account (store_account)
 *   origin_id     X'' the same as msg_id
 *   received      X'' the same as ts */
// clang-format off
#define STORE_ACCOUNT_SQL "(SELECT value FROM state WHERE key = 'account')"
/* A row's peer is a number (schema step 14, the table peers): the number
 * of the conversation X (a bound JID), and the JID of the number in
 * column COL. */
#define PEER_KEY(x) "(SELECT peer_key FROM peers WHERE jid = " x ")"
#define PEER_JID(col) "(SELECT jid FROM peers WHERE peer_key = " col ")"
/* the row is in the conversation ?1 (?2) */
#define PEER_IS_1 "peer = " PEER_KEY("?1")
#define PEER_IS_2 "peer = " PEER_KEY("?2")
/* the row's bare sender is X (a bound parameter), in a statement whose ?1
 * is the row's peer (PEER_IS_1) */
#define BARE_IS(x) \
    "(sender_bare = " x " OR typeof(sender_bare) = 'blob' AND ?1 || sender_bare = " x ")"
/* the row's bare sender, in full */
#define BARE_OF_ROW \
    "CASE typeof(sender_bare) WHEN 'blob' THEN " PEER_JID("peer") " || sender_bare" \
    " ELSE sender_bare END"
/* the row's stanza-id was given by X */
#define BY_IS(x) \
    "(stanza_id_by = " x \
    " OR stanza_id_by = X'' AND peer = " PEER_KEY(x) \
    " OR stanza_id_by = X'00' AND " x " = " STORE_ACCOUNT_SQL ")"
/* when the row's message was received */
#define RECEIVED_OF_ROW "CASE WHEN received = X'' THEN ts ELSE received END"
/* the row's origin-id is X, and its id too */
#define ORIGIN_SAME(x) "(origin_id = " x " OR origin_id = X'')"
/* the row has an origin-id of its own, other than its id: the rows of the
 * index messages_origin_id (schema.c), whose condition this repeats */
#define ORIGIN_OWN "origin_id IS NOT msg_id AND typeof(origin_id) = 'text'"

/* The columns every message-returning statement selects, in the order
 * store_msg_from_row() reads them. */
#define STORE_MSG_COLS STORE_MSG_COLS_OF("")
/* the same of the table (alias) T, given as "t." */
#define STORE_MSG_COLS_OF(t) \
    t "id, " PEER_JID(t "peer") ", " t "sender, " t "outgoing, " t "body, " t "ts, " \
    t "stanza_id, " t "stanza_id_by, " t "origin_id, " t "msg_id, " t "encryption, " \
    t "receipt, " t "corrected, " t "original_body, " t "retracted, " t "from_archive, " \
    t "sender_bare, " t "queued, " t "server_ack, " t "resent, " t "unstyled, " \
    t "sender_device, " t "sender_trust"
// clang-format on

/* ---- store.c ---- */

/* The open connection, or NULL. Borrowed. */
sqlite3 *store_db(void);

/* The statement for SQL (a static string: it is the key), reset and
 * unbound, prepared once per database; NULL when no database is open or it
 * does not prepare. Borrowed: reset it when done. */
sqlite3_stmt *store_cached_stmt(const char *sql);
/* Finalize the statements store_cached_stmt() kept. */
void store_cached_stmts_clear(void);
/* The path of the database last opened or tried (borrowed), or NULL. */
const char *store_db_path(void);
/* The cached prepared statement ID, reset and ready to bind; NULL (with
 * *RC set when RC is not NULL) when nothing is open or preparing fails. */
sqlite3_stmt *store_stmt(store_stmt_id id, int *rc);
/* The SQL text of statement ID (static). */
const char *store_stmt_sql(store_stmt_id id);
/* Step a statement that returns no rows (or whose rows are ignored) and
 * reset it. Returns the SQLite result code (SQLITE_DONE on success). */
int store_stmt_run(sqlite3_stmt *st);
/* Bind a string or NULL to parameter I. */
int store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A store_msg built from the current row of a statement selecting
 * STORE_MSG_COLS (caller frees). */
store_msg *store_msg_from_row(sqlite3_stmt *st);
/* One clear line (g_free) for a failed write with SQLite code RC. */
char *store_fault_line(int rc);
/* True when RC (extended or primary) is a fault that reopening the
 * database might cure (read-only, damaged, cannot open). */
bool store_fault_needs_reopen(int rc);
/* Close and open the last path again (keeping the pending queue). Returns
 * false with *ERR (g_free; ERR may be NULL). */
bool store_reopen(char **err);
/* The account whose history the open database holds (borrowed; the
 * state table's 'account'), or NULL when it is not known. */
const char *store_account(void);
/* The error line of the last failed open (borrowed), or NULL. */
const char *store_open_error(void);
/* The part of JID before the first '/' (g_free). */
char *store_bare_of(const char *jid);

/* ---- schema.c ---- */

/* One migration step: turns a database of version TO-1 into version TO. */
typedef struct {
    int to;          /* the version after this step */
    const char *sql; /* statements run inside the migration transaction */
} store_migration;

/* natter's steps, in order (STEPS[i].to == i + 1); *N gets the count. */
const store_migration *store_schema_steps(int *n);
/* Bring DB from its user_version up to the last step's version, all steps in
 * one transaction (all or nothing). A database newer than the steps is
 * refused. Returns false with *ERR (g_free). */
bool store_schema_migrate(sqlite3 *db, const store_migration *steps, int n, char **err);

/* ---- history.c ---- */

/* Try to write the pending queue. WAIT: use the normal busy timeout and
 * reopen a broken connection; otherwise fail fast (used before every add).
 * Returns how many are still pending. */
guint store_pending_flush(bool wait);
/* Drop every pending message (store_close). Returns how many there were. */
guint store_pending_clear(void);
/* Forget which conversation was numbered last (another database, a
 * rolled-back transaction). */
void store_peer_forget(void);
/* Forget that a fault was reported (a new run of faults reports again). */
void store_fault_reset(void);
/* Retract what is still pending (not yet written) of PEER with id ID by
 * AUTHOR (NULL: the room's stanza-id). Returns true when one changed. */
bool store_pending_retract(const char *peer, const char *author, const char *id);

/* ---- edits.c ---- */

/* Forget what is known about the pending edits table (another database, a
 * rolled-back transaction). */
void store_edits_forget(void);
/* Apply to M (bare sender BARE), before it is inserted, the edits that wait
 * for it (store_edit_wait), inside the add's transaction. Returns SQLITE_OK
 * or the fault. */
int store_edits_apply(store_msg *m, const char *bare);

/* ---- search.c ---- */

/* Index the new row ROWID, whose text is BODY (not NULL), for search:
 * the word index, and for text without spaces the trigram index and
 * messages_unspaced. history.c calls it right after the row's INSERT, in
 * the same transaction (schema version 14 dropped the triggers that did
 * this: a trigger that writes an FTS5 table makes every INSERT open a
 * statement savepoint, and FTS5 writes its pending terms to disk at each
 * one). Returns SQLITE_OK or the fault. */
int store_index_add(int64_t rowid, const char *body);

/* A user's search, split by the index that answers each term. */
typedef struct {
    char *words;      /* FTS5 expression for messages_fts (unicode61), or NULL */
    char *trigrams;   /* FTS5 expression for messages_fts_tri: the terms in
                       * STORE_UNSPACED_GLOB scripts of 3 or more characters,
                       * or NULL */
    GPtrArray *likes; /* LIKE patterns (ESCAPE '\') for such terms of 1-2
                       * characters (char *, owned) */
} store_query;

/* Split the user's TEXT into Q (cleared first; store_query_clear): every
 * word and every "quoted phrase" becomes a double-quoted FTS5 string (inner
 * quotes doubled), ANDed, in the word index unless it holds text of a
 * script written without spaces, which is matched as a substring. Returns
 * false with *ERR (g_free; ERR may be NULL) when nothing searchable is left. */
bool store_query_parse(const char *text, store_query *q, char **err);
/* Free what Q holds. */
void store_query_clear(store_query *q);

#endif

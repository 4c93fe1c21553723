/* store.c - the history database connection: open and close, pragmas, the
 * prepared-statement cache, fault wording, key/value state, counts, peers
 * and the store_msg helpers. Adding, paging and search live in history.c and
 * search.c; the schema in schema.c. */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "core/log.h"
#include "core/paths.h"

/* The module's state: one connection at a time. */
static struct {
    sqlite3 *db;
    char *path;       /* last path opened or tried (for reopening) */
    char *open_error; /* the line of the last failed open, or NULL */
    char *account;    /* the state table's 'account', or NULL */
    sqlite3_stmt *stmts[ST__COUNT];
} S;

/* ---- SQL ---- */

/* (SQL built with the macros of internal.h: laid out by hand) */
// clang-format off
static const char *const sql_text[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_PEER_ADD] = "INSERT INTO peers (jid) VALUES (?1) ON CONFLICT (jid) DO NOTHING",
    [ST_INSERT] = "INSERT INTO messages (peer, sender, sender_bare, outgoing, body, ts, "
                  "stanza_id, stanza_id_by, origin_id, msg_id, encryption, receipt, corrected, "
                  "original_body, retracted, from_archive, queued, server_ack, resent, unstyled, "
                  "sender_device, received, sender_trust) "
                  "VALUES (" PEER_KEY("?1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                  "?17, ?18, ?19, ?20, ?21, ?22, ?23)",
    [ST_DUP_STANZA] = "SELECT id FROM messages WHERE stanza_id = ?1 AND " BY_IS("?2") " LIMIT 1",
    /* origin-id lookups: rows whose origin-id differs from their id are in
     * messages_origin_id, the others in messages_by_msg_id (schema.c) */
    [ST_DUP_ORIGIN] = "SELECT id, stanza_id FROM messages WHERE " PEER_IS_1 " AND origin_id = ?2 "
                      "AND " ORIGIN_OWN " AND " BARE_IS("?3") " "
                      "UNION ALL "
                      "SELECT id, stanza_id FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 "
                      "AND " ORIGIN_SAME("?2") " AND " BARE_IS("?3") " LIMIT 1",
    [ST_DUP_MSGID] = "SELECT id, stanza_id FROM messages "
                     "WHERE " PEER_IS_1 " AND msg_id = ?2 AND " BARE_IS("?3") " "
                     /* +ts: look up by the id, then check the time */
                     "AND +ts BETWEEN ?4 - 300000 AND ?4 + 300000 LIMIT 1",
    [ST_LEARN_STANZA] = "UPDATE messages SET stanza_id = ?2, stanza_id_by = CASE ?3 "
                        "WHEN " PEER_JID("peer") " THEN X'' WHEN " STORE_ACCOUNT_SQL " THEN X'00' ELSE ?3 END "
                        "WHERE id = ?1 AND stanza_id IS NULL",
    [ST_CURSOR] = "SELECT ts FROM messages WHERE id = ?1 AND " PEER_IS_2,
    [ST_PAGE_NEWEST] = "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " "
                       "ORDER BY ts DESC, id DESC LIMIT ?2",
    [ST_PAGE_BEFORE] = "SELECT " STORE_MSG_COLS " FROM messages "
                       "WHERE " PEER_IS_1 " AND (ts, id) < (?2, ?3) "
                       "ORDER BY ts DESC, id DESC LIMIT ?4",
    [ST_PAGE_AFTER] = "SELECT " STORE_MSG_COLS " FROM messages "
                      "WHERE " PEER_IS_1 " AND (ts, id) > (?2, ?3) "
                      "ORDER BY ts ASC, id ASC LIMIT ?4",
    [ST_GET_ROW] = "SELECT " STORE_MSG_COLS " FROM messages WHERE id = ?1",
    [ST_FIND_MSGID] = "SELECT id, retracted FROM messages "
                      "WHERE " PEER_IS_1 " AND msg_id = ?2 AND " BARE_IS("?3") " "
                      "ORDER BY id DESC LIMIT 1",
    [ST_FIND_ORIGIN] = "SELECT id, retracted FROM ("
                       "SELECT id, retracted FROM messages WHERE " PEER_IS_1 " AND origin_id = ?2 "
                       "AND " ORIGIN_OWN " AND " BARE_IS("?3") " "
                       "UNION ALL "
                       "SELECT id, retracted FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 "
                       "AND " ORIGIN_SAME("?2") " AND " BARE_IS("?3") ") "
                       "ORDER BY id DESC LIMIT 1",
    [ST_ANY_MSGID] = "SELECT id FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 LIMIT 1",
    [ST_ANY_ORIGIN] = "SELECT id FROM messages WHERE " PEER_IS_1 " AND origin_id = ?2 "
                      "AND " ORIGIN_OWN " "
                      "UNION ALL "
                      "SELECT id FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 "
                      "AND " ORIGIN_SAME("?2") " LIMIT 1",
    [ST_CORRECT] = "UPDATE messages SET original_body = coalesce(original_body, body), "
                   "body = ?2, corrected = 1 WHERE id = ?1",
    /* A retracted text is not kept, not even as the first body. */
    [ST_RETRACT] = "UPDATE messages SET original_body = NULL, body = '', retracted = 1 "
                   "WHERE id = ?1",
    [ST_DELIVERED_MSGID] = "UPDATE messages SET receipt = 2 "
                           "WHERE " PEER_IS_1 " AND msg_id = ?2 AND outgoing = 1 AND receipt <> 2",
    /* (origin-id equal to the id: ST_DELIVERED_MSGID has it) */
    [ST_DELIVERED_ORIGIN] = "UPDATE messages SET receipt = 2 "
                            "WHERE " PEER_IS_1 " AND origin_id = ?2 AND " ORIGIN_OWN " "
                            "AND outgoing = 1 AND receipt <> 2",
    [ST_STATE_GET] = "SELECT value FROM state WHERE key = ?1",
    [ST_STATE_SET] = "INSERT INTO state (key, value) VALUES (?1, ?2) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_STATE_DEL] = "DELETE FROM state WHERE key = ?1",
    [ST_COUNT] = "SELECT count(*) FROM messages",
    /* Each numbered peer's newest message: one seek in (peer, ts) per peer
     * instead of a scan of every message; a peer whose messages are all
     * gone is left out. */
    [ST_PEERS] = "SELECT jid, (SELECT max(ts) FROM messages m WHERE m.peer = p.peer_key) AS last"
                 " FROM peers p WHERE last IS NOT NULL ORDER BY last DESC, jid",
    [ST_SEARCH_ALL] = "SELECT " STORE_MSG_COLS_OF("m.") " "
                      "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                      "WHERE messages_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2",
    /* search in one conversation: search.c walks the matches itself */
    [ST_FTS_IDS] = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 "
                   "ORDER BY rowid DESC",
    [ST_ROW_PEER] = "SELECT peer FROM messages WHERE id = ?1",
    [ST_PEER_NUMBER] = "SELECT peer_key FROM peers WHERE jid = ?1",
    [ST_PEER_IDS] = "SELECT id FROM messages WHERE " PEER_IS_1,
    [ST_OLDEST_TS] = "SELECT min(ts) FROM messages WHERE " PEER_IS_1,
    [ST_ID_ANYWHERE] = "SELECT id FROM messages WHERE msg_id = ?1 LIMIT 1",
    [ST_STANZA_AUTHOR] = "SELECT id, " BARE_OF_ROW " FROM messages "
                         "WHERE stanza_id = ?1 AND " BY_IS("?2") " LIMIT 1",
    [ST_OLDEST_STANZA] = "SELECT stanza_id FROM messages WHERE " PEER_IS_1 " "
                         "AND stanza_id IS NOT NULL ORDER BY ts, id LIMIT 1",
    /* (peer, ts) walked from the newest end: the user's own messages are
     * rarely far from it */
    [ST_LAST_OWN] = "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " "
                    "AND outgoing = 1 AND retracted = 0 ORDER BY ts DESC, id DESC LIMIT 1",
    [ST_LAST_BY] = "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " "
                   "AND " BARE_IS("?2") " AND retracted = 0 ORDER BY ts DESC, id DESC LIMIT 1",
    [ST_QUEUED] = "SELECT " STORE_MSG_COLS " FROM messages WHERE (queued = 1 OR server_ack = 1) "
                  /* an encrypted message is never sent again as plain text */
                  "AND encryption = 0 AND outgoing = 1 AND retracted = 0 ORDER BY ts, id",
    [ST_SENT_MSGID] = "UPDATE messages SET queued = 0 "
                      "WHERE " PEER_IS_1 " AND msg_id = ?2 AND outgoing = 1 AND queued = 1",
    [ST_SENT_ORIGIN] = "UPDATE messages SET queued = 0 "
                       "WHERE " PEER_IS_1 " AND origin_id = ?2 AND " ORIGIN_OWN " "
                       "AND outgoing = 1 AND queued = 1",
    [ST_KEY_GET] = "SELECT data FROM omemo_keys WHERE kind = ?1 AND jid = ?2 AND id = ?3",
    [ST_KEY_PUT] =
        "INSERT OR REPLACE INTO omemo_keys (kind, jid, id, data) VALUES (?1, ?2, ?3, ?4)",
    [ST_KEY_DEL] = "DELETE FROM omemo_keys WHERE kind = ?1 AND jid = ?2 AND id = ?3",
    [ST_KEY_IDS] = "SELECT id FROM omemo_keys WHERE kind = ?1 AND jid = ?2",
    [ST_SECOND_MAX] =
        "SELECT max(ts) FROM messages WHERE " PEER_IS_1 " AND ts >= ?2 AND ts < ?2 + 1000",
    [ST_EDIT_COUNT] = "SELECT count(*) FROM pending_edits",
    [ST_EDIT_FIND] = "SELECT id, author, retract, body, ts, standin FROM pending_edits "
                     "WHERE peer = ?1 AND target IN (?2, ?3, ?4)",
    [ST_EDIT_ADD] = "INSERT INTO pending_edits (peer, author, target, retract, body, ts, standin) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_EDIT_OF] = "SELECT id, retract, standin FROM pending_edits "
                   "WHERE peer = ?1 AND target = ?2 AND author IS ?3",
    [ST_EDIT_DEL] = "DELETE FROM pending_edits WHERE id = ?1",
    [ST_EDIT_NOBODY] = "UPDATE pending_edits SET body = NULL WHERE id = ?1",
    [ST_DELETE_ROW] = "DELETE FROM messages WHERE id = ?1",
    [ST_ACK_MSGID] = "UPDATE messages SET server_ack = ?3, resent = max(resent, ?4) "
                     "WHERE " PEER_IS_1 " AND msg_id = ?2 AND outgoing = 1",
    [ST_ACK_ORIGIN] = "UPDATE messages SET server_ack = ?3, resent = max(resent, ?4) "
                      "WHERE " PEER_IS_1 " AND origin_id = ?2 AND " ORIGIN_OWN " "
                      "AND outgoing = 1",
    [ST_FTS_WORDS] = "INSERT INTO messages_fts (rowid, body) VALUES (?1, ?2)",
    [ST_FTS_TRIGRAMS] = "INSERT INTO messages_fts_tri (rowid, body) VALUES (?1, ?2)",
    [ST_FTS_UNSPACED] = "INSERT INTO messages_unspaced (id) VALUES (?1)",
    /* conversations in the order of their JIDs */
    [ST_EXPORT_ALL] = "SELECT " STORE_MSG_COLS_OF("m.") " FROM peers p JOIN messages m"
                      " ON m.peer = p.peer_key ORDER BY p.jid, m.ts, m.id",
    [ST_EXPORT_PEER] = "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " "
                       "ORDER BY ts, id",
};
// clang-format on

/* The SQL text of statement ID (static; see internal.h). */
const char *store_stmt_sql(store_stmt_id id)
{
    g_return_val_if_fail(id < ST__COUNT, NULL);
    return sql_text[id];
}

/* Statements of the store's other files (react.c, readmarks.c,
 * attachments.c), prepared once per database by their SQL text (static
 * strings); one left from a database closed since (the store closes with
 * sqlite3_close_v2, so its handle stays until the statement goes) is
 * prepared again. */
static GHashTable *stmt_cache; /* const char *sql -> sqlite3_stmt* */

static void stmt_finalize(gpointer st)
{
    sqlite3_finalize(st);
}

sqlite3_stmt *store_cached_stmt(const char *sql)
{
    sqlite3 *db = store_db();
    if (!db)
        return NULL;
    if (!stmt_cache)
        stmt_cache = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stmt_finalize);
    sqlite3_stmt *st = g_hash_table_lookup(stmt_cache, sql);
    if (st && sqlite3_db_handle(st) == db) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    g_hash_table_remove(stmt_cache, sql);
    st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_debug("store", "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    g_hash_table_insert(stmt_cache, (gpointer)sql, st);
    return st;
}

void store_cached_stmts_clear(void)
{
    g_clear_pointer(&stmt_cache, g_hash_table_destroy);
}

/* The open connection (borrowed), or NULL. */
sqlite3 *store_db(void)
{
    return S.db;
}

/* The path last opened or tried (borrowed), or NULL. */
const char *store_db_path(void)
{
    return S.path;
}

/* The line of the last failed open (borrowed), or NULL. */
const char *store_open_error(void)
{
    return S.open_error;
}

/* The cached statement ID, prepared on first use and reset (borrowed);
 * NULL with *RC when nothing is open or it cannot be prepared. */
sqlite3_stmt *store_stmt(store_stmt_id id, int *rc)
{
    g_return_val_if_fail(id < ST__COUNT, NULL);
    if (!S.db) {
        if (rc)
            *rc = SQLITE_MISUSE;
        return NULL;
    }
    if (!S.stmts[id]) {
        int r = sqlite3_prepare_v3(S.db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &S.stmts[id],
                                   NULL);
        if (r != SQLITE_OK) {
            g_warning("store: cannot prepare statement %d: %s", (int)id, sqlite3_errmsg(S.db));
            sqlite3_finalize(S.stmts[id]);
            S.stmts[id] = NULL;
            if (rc)
                *rc = r;
            return NULL;
        }
    }
    sqlite3_reset(S.stmts[id]);
    return S.stmts[id];
}

/* Step ST to its end and reset it. Returns SQLITE_DONE or the error code. */
int store_stmt_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = SQLITE_DONE;
    int rc2 = sqlite3_reset(st);
    /* sqlite3_reset repeats the step's error; keep the step's own code. */
    return rc == SQLITE_DONE ? (rc2 == SQLITE_OK ? SQLITE_DONE : rc2) : rc;
}

/* Bind S (copied) or NULL to parameter I of ST. Returns the SQLite code. */
int store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* The text of column I, copied (g_free), or NULL. */
static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* Column I of a message row in full (g_free), or NULL: its text, or what
 * its short form (a BLOB, internal.h) stands for: X'' is SAME; another
 * BLOB is PREFIX followed by it when PREFIX is not NULL, else X'00' is the
 * account. */
static char *col_full(sqlite3_stmt *st, int i, const char *same, const char *prefix)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB)
        return col_dup(st, i);
    int n = sqlite3_column_bytes(st, i);
    const char *b = sqlite3_column_blob(st, i);
    if (n == 0)
        return g_strdup(same);
    if (prefix)
        return g_strdup_printf("%s%.*s", prefix, n, b);
    if (n == 1 && b[0] == 0)
        return g_strdup(S.account);
    return NULL;
}

/* A new store_msg from the current row of ST selecting STORE_MSG_COLS
 * (store_msg_free). */
store_msg *store_msg_from_row(sqlite3_stmt *st)
{
    store_msg *m = store_msg_new();
    m->rowid = sqlite3_column_int64(st, 0);
    m->peer = col_dup(st, 1);
    m->sender = col_full(st, 2, m->peer, m->peer);
    m->outgoing = sqlite3_column_int(st, 3) != 0;
    m->body = col_dup(st, 4);
    if (!m->body)
        m->body = g_strdup("");
    m->ts = sqlite3_column_int64(st, 5);
    m->stanza_id = col_dup(st, 6);
    m->stanza_id_by = col_full(st, 7, m->peer, NULL);
    m->msg_id = col_dup(st, 9);
    m->origin_id = col_full(st, 8, m->msg_id, NULL);
    m->encryption =
        sqlite3_column_int(st, 10) == STORE_ENC_OMEMO ? STORE_ENC_OMEMO : STORE_ENC_NONE;
    int r = sqlite3_column_int(st, 11);
    m->receipt = (r >= STORE_RECEIPT_NONE && r <= STORE_RECEIPT_DELIVERED) ? (store_receipt)r
                                                                           : STORE_RECEIPT_NONE;
    m->corrected = sqlite3_column_int(st, 12) != 0;
    m->original_body = col_dup(st, 13);
    m->retracted = sqlite3_column_int(st, 14) != 0;
    m->from_archive = sqlite3_column_int(st, 15) != 0;
    m->author = col_full(st, 16, m->peer, m->peer);
    m->queued = sqlite3_column_int(st, 17) != 0;
    int a = sqlite3_column_int(st, 18);
    m->server_ack = a == STORE_ACK_PENDING || a == STORE_ACK_DONE ? (store_ack)a : STORE_ACK_NONE;
    m->resent = sqlite3_column_int(st, 19) != 0;
    m->unstyled = sqlite3_column_int(st, 20) != 0;
    m->device = (uint32_t)sqlite3_column_int64(st, 21);
    int t = sqlite3_column_int(st, 22);
    m->trust = t >= STORE_TRUST_NONE && t <= STORE_TRUST_PLAIN ? (store_trust)t : STORE_TRUST_NONE;
    return m;
}

/* JID without its resource (g_free), or NULL for NULL. */
char *store_bare_of(const char *jid)
{
    if (!jid)
        return NULL;
    const char *slash = strchr(jid, '/');
    return slash ? g_strndup(jid, (gsize)(slash - jid)) : g_strdup(jid);
}

/* ---- store_msg ---- */

/* A new empty message (g_new0; free with store_msg_free). */
store_msg *store_msg_new(void)
{
    return g_new0(store_msg, 1);
}

/* Free M and the strings it owns (NULL is fine). */
void store_msg_free(store_msg *m)
{
    if (!m)
        return;
    g_free(m->peer);
    g_free(m->sender);
    g_free(m->body);
    g_free(m->stanza_id);
    g_free(m->stanza_id_by);
    g_free(m->origin_id);
    g_free(m->msg_id);
    g_free(m->original_body);
    g_free(m->author);
    g_free(m);
}

/* A deep copy of M (store_msg_free). */
store_msg *store_msg_copy(const store_msg *m)
{
    store_msg *c = store_msg_new();
    *c = *m;
    c->peer = g_strdup(m->peer);
    c->sender = g_strdup(m->sender);
    c->body = g_strdup(m->body);
    c->stanza_id = g_strdup(m->stanza_id);
    c->stanza_id_by = g_strdup(m->stanza_id_by);
    c->origin_id = g_strdup(m->origin_id);
    c->msg_id = g_strdup(m->msg_id);
    c->original_body = g_strdup(m->original_body);
    c->author = g_strdup(m->author);
    return c;
}

/* ---- faults ---- */

/* True when the fault RC may be cured by opening the database again. */
bool store_fault_needs_reopen(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_MISUSE: /* nothing open */
        return true;
    default:
        return false;
    }
}

/* The one line (g_free) telling the user that writes fail with RC and
 * messages are kept in memory. */
char *store_fault_line(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return g_strdup("history database is locked (another natter?): messages are kept in "
                        "memory and will be saved when it is free");
    case SQLITE_FULL:
        return g_strdup("disk full: the history database cannot grow; messages are kept in "
                        "memory and will be saved when there is space");
    case SQLITE_IOERR:
        return g_strdup_printf("cannot write the history database (%s): messages are kept in "
                               "memory and will be saved when it works again",
                               sqlite3_errstr(rc));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return g_strdup_printf("history database %s is damaged (%s): messages are kept in "
                               "memory; move the file away to start a new history",
                               S.path ? S.path : "", sqlite3_errstr(rc));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return g_strdup_printf("history database %s is read-only: messages are kept in memory "
                               "and will be saved when it is writable",
                               S.path ? S.path : "");
    case SQLITE_MISUSE:
        if (S.open_error)
            return g_strdup(S.open_error);
        return g_strdup("no history database is open: messages are kept in memory and will be "
                        "saved when it opens");
    default:
        return g_strdup_printf("cannot write the history database (%s): messages are kept in "
                               "memory and will be retried",
                               sqlite3_errstr(rc));
    }
}

/* The line for an open of PATH that failed with RC and SQLite's MSG. */
static char *open_fault_line(const char *path, int rc, const char *msg)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return g_strdup_printf("history database %s is locked (another natter?): messages are "
                               "kept in memory and will be saved when it is free",
                               path);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return g_strdup_printf("history database %s is damaged (%s): messages are kept in "
                               "memory; move the file away to start a new history",
                               path, msg);
    default:
        return g_strdup_printf("cannot open history database %s (%s): messages are kept in "
                               "memory",
                               path, msg);
    }
}

/* ---- open / close ---- */

static void finalize_all(void)
{
    for (int i = 0; i < ST__COUNT; i++) {
        sqlite3_finalize(S.stmts[i]);
        S.stmts[i] = NULL;
    }
}

static void close_db(void)
{
    finalize_all();
    /* before the close: a statement left unfinalized would keep the
     * connection (and its file) open after sqlite3_close_v2 */
    store_cached_stmts_clear();
    store_edits_forget();
    store_peer_forget();
    if (S.db) {
        sqlite3_close_v2(S.db);
        S.db = NULL;
    }
}

/* Run one pragma (or other row-less statement) on DB. Returns the code. */
static int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Create PATH with mode 0600 when it does not exist, and take group/other
 * bits away when it does (a file made read-only on purpose stays so). The
 * -wal and -shm files get the database's mode: left read-only from a time
 * the database was read-only, they would keep it read-only after the user
 * made the database writable again. */
static void prepare_file(const char *path)
{
    int fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return;
    }
    GStatBuf sb;
    if (g_stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return;
    mode_t mode = sb.st_mode & 0700;
    if (sb.st_mode & 077)
        g_chmod(path, mode);
    const char *suffixes[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        char *side = g_strconcat(path, suffixes[i], NULL);
        GStatBuf ss;
        if (g_lstat(side, &ss) == 0 && S_ISREG(ss.st_mode) && ss.st_uid == sb.st_uid &&
            (ss.st_mode & 0777) != mode)
            g_chmod(side, mode);
        g_free(side);
    }
}

/* Note ACCOUNT (when not NULL) as the account of DB unless one is noted
 * already, and load the one noted into S.account: rows name it in short
 * (internal.h), and they must read right whatever opens the file later.
 * A read-only file may note nothing; then nothing is written short. */
static void load_account(sqlite3 *db, const char *account)
{
    g_clear_pointer(&S.account, g_free);
    sqlite3_stmt *st = NULL;
    if (account && sqlite3_prepare_v2(db,
                                      "INSERT INTO state (key, value) VALUES ('account', ?1) "
                                      "ON CONFLICT (key) DO NOTHING",
                                      -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM state WHERE key = 'account'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        S.account = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The account of the open database (borrowed), or NULL. */
const char *store_account(void)
{
    return S.db ? S.account : NULL;
}

/* Open PATH into S.db: pragmas and migrations; ACCOUNT (may be NULL) is
 * the account it is for. Returns false with S.open_error set (and copied
 * to *ERR when ERR is not NULL). */
static bool open_db(const char *path, const char *account, char **err)
{
    g_clear_pointer(&S.open_error, g_free);
    prepare_file(path);
    /* No allocation statistics: natter never reads them, and keeping them
     * takes a mutex and counters on every SQLite malloc and free (~2% of
     * natter's samples in perf on a 5,000-message flood). Only possible
     * before SQLite's first use; later it is refused and nothing changes. */
    static bool configured;
    if (!configured) {
        configured = true;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    char *mig_err = NULL;
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
        /* journal_mode returns the mode; on a read-only file it stays what
         * it was, which is fine: writes then fail and are kept pending. */
        rc = exec_sql(db, "PRAGMA journal_mode = WAL");
        if (rc == SQLITE_OK)
            rc = exec_sql(db, "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;"
                              /* 1 MiB. 2 MiB was most of SQLite's part of the peak
                               * heap in a 5,000-message flood; at 200,000 messages
                               * 1 MiB costs batched (archive) inserts ~10% more CPU,
                               * live inserts, paging and search nothing measurable,
                               * 512 KiB +25% on batches */
                              "PRAGMA cache_size = -1024;"
                              /* freed space is zeroed: a retracted text is gone */
                              "PRAGMA secure_delete = ON;"
                              /* checkpoint every ~64 MB of WAL: pages changed by many
                               * commits are copied once (measured: -20% per insert at
                               * 150,000 messages); replaying such a WAL after a
                               * crash took 11 ms */
                              "PRAGMA wal_autocheckpoint = 16000");
        if (rc == SQLITE_OK) {
            int n = 0;
            const store_migration *steps = store_schema_steps(&n);
            if (!store_schema_migrate(db, steps, n, &mig_err))
                rc = SQLITE_ERROR;
        }
    }
    if (rc != SQLITE_OK) {
        if (mig_err)
            S.open_error = g_strdup_printf("history database %s: %s: messages are kept in memory",
                                           path, mig_err);
        else
            S.open_error = open_fault_line(path, rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        g_free(mig_err);
        sqlite3_close_v2(db);
        if (err)
            *err = g_strdup(S.open_error);
        return false;
    }
    S.db = db;
    load_account(db, account);
    return true;
}

/* store_open_path() for ACCOUNT (NULL: the one the file names, if any). */
static bool open_path(const char *path, const char *account, char **err)
{
    g_return_val_if_fail(path != NULL, false);
    /* Pending messages belong to the database they were meant for: a
     * different database drops them (store_close); the same path keeps them. */
    if (S.path && strcmp(S.path, path) != 0)
        store_close();
    close_db();
    if (!S.path)
        S.path = g_strdup(path);
    if (!open_db(path, account, err))
        return false;
    store_fault_reset();
    store_pending_flush(true);
    return true;
}

/* Open the database at PATH (creating or migrating it). Returns false with
 * *ERR (g_free); messages added meanwhile are kept pending and written when
 * an open succeeds. */
bool store_open_path(const char *path, char **err)
{
    return open_path(path, NULL, err);
}

/* Open DATA_DIR/<ACCOUNT_JID>.db, creating DATA_DIR (0700). Returns false
 * with *ERR (g_free). */
/* The file of ACCOUNT_JID's history in DATA_DIR (g_free). */
static char *account_db_path(const char *data_dir, const char *account_jid)
{
    /* A bare JID cannot hold '/', but the name must stay in DATA_DIR
     * whatever it is given. */
    char *name = g_strdup_printf("%s.db", account_jid);
    g_strdelimit(name, "/\\", '_');
    if (name[0] == '.')
        name[0] = '_';
    char *path = g_build_filename(data_dir, name, NULL);
    g_free(name);
    return path;
}

bool store_open(const char *data_dir, const char *account_jid, char **err)
{
    g_return_val_if_fail(data_dir != NULL && account_jid != NULL, false);
    if (!paths_ensure_dir(data_dir, err))
        return false;
    char *path = account_db_path(data_dir, account_jid);
    bool ok = open_path(path, account_jid, err);
    g_free(path);
    return ok;
}

bool store_needs_upgrade(const char *data_dir, const char *account_jid)
{
    char *path = account_db_path(data_dir, account_jid);
    sqlite3 *db = NULL;
    int version = -1;
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    g_free(path);
    return version > 0 && version < STORE_SCHEMA_VERSION;
}

/* Close and open the last path again, keeping the pending queue.
 * Returns false with *ERR (g_free; ERR may be NULL). */
bool store_reopen(char **err)
{
    if (!S.path) {
        if (err)
            *err = g_strdup("no history database was opened");
        return false;
    }
    close_db();
    char *path = g_strdup(S.path);
    bool ok = open_db(path, NULL, err);
    g_free(path);
    return ok;
}

/* Write what can be written, then close. Messages still pending are
 * dropped (check store_pending_count() first to warn the user). */
void store_close(void)
{
    if (S.path) /* a last try, reopening if need be */
        store_pending_flush(true);
    guint lost = store_pending_clear();
    if (lost)
        g_warning("store: %u messages could not be saved", lost);
    close_db();
    g_clear_pointer(&S.path, g_free);
    g_clear_pointer(&S.open_error, g_free);
    g_clear_pointer(&S.account, g_free);
    store_fault_reset();
}

/* True when a database is open. */
bool store_is_open(void)
{
    return S.db != NULL;
}

/* ---- key/value state ---- */

/* The value stored under KEY (g_free), or NULL. */
char *store_get_state(const char *key)
{
    sqlite3_stmt *st = store_stmt(ST_STATE_GET, NULL);
    if (!st || !key)
        return NULL;
    store_bind_text(st, 1, key);
    char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = col_dup(st, 0);
    sqlite3_reset(st);
    return v;
}

/* Store VALUE under KEY (VALUE NULL deletes it). Returns false when it
 * could not be written. */
bool store_set_state(const char *key, const char *value)
{
    g_return_val_if_fail(key != NULL, false);
    sqlite3_stmt *st = store_stmt(value ? ST_STATE_SET : ST_STATE_DEL, NULL);
    if (!st)
        return false;
    store_bind_text(st, 1, key);
    if (value)
        store_bind_text(st, 2, value);
    return store_stmt_run(st) == SQLITE_DONE;
}

/* ---- counts and peers ---- */

/* Number of stored messages (pending ones not counted); 0 when closed. */
int64_t store_count(void)
{
    sqlite3_stmt *st = store_stmt(ST_COUNT, NULL);
    if (!st)
        return 0;
    int64_t n = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

/* Peers with stored messages, the most recent conversation first
 * (GPtrArray of g_strdup'ed bare JIDs, free with g_ptr_array_unref). */
GPtrArray *store_peers(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st = store_stmt(ST_PEERS, NULL);
    if (!st)
        return out;
    while (sqlite3_step(st) == SQLITE_ROW)
        g_ptr_array_add(out, col_dup(st, 0));
    sqlite3_reset(st);
    return out;
}

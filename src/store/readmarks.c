/* readmarks.c - read marks and receive times in the history (see
 * readmarks.h). A mark is one row per conversation: a displayed marker
 * costs one small write however long the chat is, and a page of history
 * asks it once per line of ours. */
#include "store/readmarks.h"

#include "core/log.h"
#include "store/internal.h"

/* The cached statement for SQL (store_cached_stmt), or NULL. */
static sqlite3_stmt *prepare(const char *sql)
{
    return store_cached_stmt(sql);
}

/* The single integer ST's first row has (after binding), or 0. */
static int64_t one_int(sqlite3_stmt *st)
{
    int64_t v = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

bool store_mark_read(const char *peer, const char *id)
{
    if (!peer || !id)
        return false;
    /* Our message by its id, or by an origin-id that differs from it (the
     * two partial indexes of schema.c). */
    sqlite3_stmt *st = prepare("SELECT max(ts) FROM ("
                               "SELECT ts FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 "
                               "AND outgoing = 1 "
                               "UNION ALL "
                               "SELECT ts FROM messages WHERE " PEER_IS_1 " AND origin_id = ?2 "
                               "AND " ORIGIN_OWN " AND outgoing = 1)");
    if (!st)
        return false;
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, id);
    int64_t ts = one_int(st);
    if (ts <= 0)
        return false;
    st = prepare("INSERT INTO read_marks (peer, ts) VALUES (?1, ?2) "
                 "ON CONFLICT (peer) DO UPDATE SET ts = excluded.ts WHERE excluded.ts > ts");
    if (!st)
        return false;
    store_bind_text(st, 1, peer);
    sqlite3_bind_int64(st, 2, ts);
    int rc = sqlite3_step(st);
    bool moved = rc == SQLITE_DONE && sqlite3_changes(store_db()) > 0;
    if (rc != SQLITE_DONE)
        log_debug("store", "read mark: %s", sqlite3_errmsg(store_db()));
    sqlite3_reset(st);
    return moved;
}

int64_t store_read_upto(const char *peer)
{
    sqlite3_stmt *st = peer ? prepare("SELECT ts FROM read_marks WHERE peer = ?1") : NULL;
    if (!st)
        return 0;
    store_bind_text(st, 1, peer);
    return one_int(st);
}

int64_t store_received_of(int64_t rowid)
{
    sqlite3_stmt *st =
        rowid > 0 ? prepare("SELECT " RECEIVED_OF_ROW " FROM messages WHERE id = ?1") : NULL;
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, rowid);
    return one_int(st);
}

void store_readmarks_deinit(void)
{
    store_cached_stmts_clear();
}

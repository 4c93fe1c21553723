/* keys.c - the records of end-to-end encryption in the account's history
 * database: opaque blobs by kind, JID and id (omemo/ decides what they
 * mean). They are written like everything else the store writes: inside the
 * open batch transaction when there is one, so a session's new state lands
 * together with the message it decrypted. */
#include <string.h>

#include "store/internal.h"

static sqlite3_stmt *prepared(store_stmt_id id, int kind, const char *jid)
{
    sqlite3_stmt *st = store_stmt(id, NULL);
    if (!st)
        return NULL;
    sqlite3_bind_int(st, 1, kind);
    store_bind_text(st, 2, jid ? jid : "");
    return st;
}

GBytes *store_key_get(int kind, const char *jid, uint32_t id)
{
    sqlite3_stmt *st = prepared(ST_KEY_GET, kind, jid);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 3, id);
    GBytes *b = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        b = g_bytes_new(sqlite3_column_blob(st, 0), (gsize)sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    return b;
}

bool store_key_put(int kind, const char *jid, uint32_t id, GBytes *data)
{
    sqlite3_stmt *st = prepared(ST_KEY_PUT, kind, jid);
    if (!st)
        return false;
    gsize n = 0;
    const void *d = g_bytes_get_data(data, &n);
    sqlite3_bind_int64(st, 3, id);
    /* A zero-length blob must still be a blob, not NULL. */
    sqlite3_bind_blob(st, 4, d ? d : "", (int)n, SQLITE_TRANSIENT);
    return store_stmt_run(st) == SQLITE_DONE;
}

bool store_key_del(int kind, const char *jid, uint32_t id)
{
    sqlite3_stmt *st = prepared(ST_KEY_DEL, kind, jid);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 3, id);
    return store_stmt_run(st) == SQLITE_DONE;
}

GArray *store_key_ids(int kind, const char *jid)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    sqlite3_stmt *st = prepared(ST_KEY_IDS, kind, jid);
    if (!st)
        return ids;
    while (sqlite3_step(st) == SQLITE_ROW) {
        guint32 id = (guint32)sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
    }
    sqlite3_reset(st);
    return ids;
}

bool store_msg_is_encrypted(const char *peer, const char *id)
{
    sqlite3 *db = store_db();
    sqlite3_stmt *st = NULL;
    if (!db || !peer || !id ||
        sqlite3_prepare_v2(db,
                           "SELECT encryption FROM messages WHERE " PEER_IS_1 " AND "
                           "(msg_id = ?2 OR origin_id = ?2) ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return false;
    }
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, id);
    bool enc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == STORE_ENC_OMEMO;
    sqlite3_finalize(st);
    return enc;
}

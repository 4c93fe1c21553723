/* history.c - adding messages (with dedup), the pending queue, paging,
 * receipts, corrections and retractions.
 *
 * Every add is its own committed transaction (WAL, synchronous=NORMAL), so
 * a message is on disk when store_add returns and kill -9 cannot lose it;
 * store_add_batch writes many in one transaction. A write that fails keeps
 * the message in memory, in order, and later messages queue behind it so
 * that the history keeps the order in which messages arrived.
 */
#include "store/internal.h"

#include <string.h>

#include <glib.h>

/* A message that could not be written yet. */
typedef struct {
    store_msg *m;
    char *bare; /* bare sender */
} pend;

static GQueue pending = G_QUEUE_INIT;
static bool fault_reported; /* the current run of faults has been told */
static int last_fault_rc;   /* SQLite code of the last failed write, 0 if none */
static gint64 last_reopen_us;

/* Batching (store_batch_begin/end): adds share one transaction that is
 * committed at the end of a main-loop pass, before anything is drawn. */
static bool batch_wanted;     /* a batch is open */
static bool batch_txn;        /* ... and its transaction has begun */
static GPtrArray *batch_rows; /* pend* copies of what the transaction holds */

/* Retries before an add do not wait for locks, and reopen a broken
 * database at most this often. */
#define REOPEN_INTERVAL_US (1000 * 1000)

static void pend_free(gpointer p)
{
    pend *e = p;
    store_msg_free(e->m);
    g_free(e->bare);
    g_free(e);
}

/* End the current run of faults: the next fault is reported again. */
void store_fault_reset(void)
{
    fault_reported = false;
    last_fault_rc = 0;
}

/* Remember a fault RC; the first of a run puts its line into *ERR. */
static void note_fault(int rc, char **err)
{
    last_fault_rc = rc;
    if (fault_reported)
        return;
    fault_reported = true;
    if (err)
        *err = store_fault_line(rc);
}

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The dedup rules (store.h) between two messages: A with bare sender ABARE
 * against B with BBARE. */
static bool same_message(const store_msg *a, const char *abare, const store_msg *b,
                         const char *bbare)
{
    if (a->stanza_id && a->stanza_id_by && str_eq(a->stanza_id, b->stanza_id) &&
        str_eq(a->stanza_id_by, b->stanza_id_by))
        return true;
    if (!str_eq(a->peer, b->peer) || !str_eq(abare, bbare))
        return false;
    if (a->origin_id && str_eq(a->origin_id, b->origin_id))
        return true;
    if (a->msg_id && str_eq(a->msg_id, b->msg_id)) {
        /* |a - b| without overflow, whatever times the network sent */
        uint64_t d =
            a->ts >= b->ts ? (uint64_t)a->ts - (uint64_t)b->ts : (uint64_t)b->ts - (uint64_t)a->ts;
        return d <= STORE_MSGID_WINDOW_MS;
    }
    return false;
}

/* A pending message that M (bare sender BARE) duplicates, or NULL. */
static pend *find_pending_dup(const store_msg *m, const char *bare)
{
    for (GList *l = pending.head; l; l = l->next) {
        pend *e = l->data;
        if (same_message(m, bare, e->m, e->bare))
            return e;
    }
    return NULL;
}

/* Run a lookup statement ST (already bound) and return column 0 of its
 * first row, or 0; *STANZA (when not NULL) gets whether column 1 is NULL.
 * Returns -1 with *RC on error. */
static int64_t lookup_id(sqlite3_stmt *st, bool *stanza_missing, int *rc)
{
    int64_t id = 0;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        if (stanza_missing)
            *stanza_missing = sqlite3_column_type(st, 1) == SQLITE_NULL;
    } else if (r != SQLITE_DONE) {
        *rc = r;
        id = -1;
    }
    sqlite3_reset(st);
    return id;
}

/* The rowid of a stored message that M (bare sender BARE) duplicates, 0 if
 * none, -1 with *RC on error. With LEARN, a duplicate found by origin-id or
 * id that lacks a stanza-id gets M's (a MAM copy of our own live message). */
static int64_t find_stored_dup(const store_msg *m, const char *bare, bool learn, int *rc)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    bool missing = false;

    if (m->stanza_id && m->stanza_id_by) {
        if (!(st = store_stmt(ST_DUP_STANZA, rc)))
            return -1;
        store_bind_text(st, 1, m->stanza_id);
        store_bind_text(st, 2, m->stanza_id_by);
        if ((id = lookup_id(st, NULL, rc)) != 0)
            return id;
    }
    if (m->origin_id) {
        if (!(st = store_stmt(ST_DUP_ORIGIN, rc)))
            return -1;
        store_bind_text(st, 1, m->peer);
        store_bind_text(st, 2, m->origin_id);
        store_bind_text(st, 3, bare);
        id = lookup_id(st, &missing, rc);
    }
    if (id == 0 && m->msg_id) {
        if (!(st = store_stmt(ST_DUP_MSGID, rc)))
            return -1;
        store_bind_text(st, 1, m->peer);
        store_bind_text(st, 2, m->msg_id);
        store_bind_text(st, 3, bare);
        sqlite3_bind_int64(st, 4, m->ts);
        id = lookup_id(st, &missing, rc);
    }
    if (id > 0 && learn && missing && m->stanza_id && m->stanza_id_by) {
        if (!(st = store_stmt(ST_LEARN_STANZA, rc)))
            return -1;
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(st, 2, m->stanza_id);
        store_bind_text(st, 3, m->stanza_id_by);
        int r = store_stmt_run(st);
        if (r != SQLITE_DONE) {
            *rc = r;
            return -1;
        }
    }
    return id;
}

/* The conversation last numbered (peers), so that a run of its messages
 * asks once; trusted only once the transaction that numbered it committed
 * (a rolled-back number is gone). */
static struct {
    char *jid;
    bool committed;
} numbered;

/* Number PEER (ST_PEER_ADD) unless it is the one just numbered. Returns
 * SQLITE_DONE or the fault. */
static int number_peer(const char *peer)
{
    if (numbered.jid && strcmp(numbered.jid, peer) == 0)
        return SQLITE_DONE;
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(ST_PEER_ADD, &rc);
    if (!st)
        return rc;
    store_bind_text(st, 1, peer);
    rc = store_stmt_run(st);
    if (rc == SQLITE_DONE) {
        g_free(numbered.jid);
        numbered.jid = g_strdup(peer);
        numbered.committed = false;
    }
    return rc;
}

void store_peer_forget(void)
{
    g_clear_pointer(&numbered.jid, g_free);
}

/* Bind to parameter I of ST the short form X'' (internal.h) when VALUE is
 * SAME, else VALUE. */
static void bind_short(sqlite3_stmt *st, int i, const char *value, const char *same)
{
    if (value && same && *value && strcmp(value, same) == 0)
        sqlite3_bind_zeroblob(st, i, 0);
    else
        store_bind_text(st, i, value);
}

/* Bind VALUE (a sender or bare sender of PEER's conversation) to
 * parameter I of ST: in short (a BLOB of what follows PEER) when it starts
 * with PEER. */
static void bind_after_peer(sqlite3_stmt *st, int i, const char *value, const char *peer)
{
    size_t n = strlen(peer);
    if (value && n && strncmp(value, peer, n) == 0)
        sqlite3_bind_blob(st, i, value + n, (int)strlen(value + n), SQLITE_TRANSIENT);
    else
        store_bind_text(st, i, value);
}

/* Bind M's stanza_id_by to parameter I of ST: in short when it is the peer
 * (X'', a room) or the account (X'00'). */
static void bind_by(sqlite3_stmt *st, int i, const store_msg *m)
{
    const char *by = m->stanza_id_by, *account = store_account();
    if (by && *by && strcmp(by, m->peer) != 0 && account && strcmp(by, account) == 0)
        sqlite3_bind_blob(st, i, "", 1, SQLITE_STATIC); /* X'00': the NUL */
    else
        bind_short(st, i, by, m->peer);
}

/* Insert M (bare sender BARE) unless it is a duplicate; inside an open
 * transaction. Sets M->rowid and *RES. Returns SQLITE_OK or the fault. */
static int write_one(store_msg *m, const char *bare, store_add_result *res)
{
    int rc = SQLITE_OK;
    int64_t dup = find_stored_dup(m, bare, true, &rc);
    if (dup < 0)
        return rc;
    if (dup > 0) {
        m->rowid = dup;
        *res = STORE_DUPLICATE;
        return SQLITE_OK;
    }
    rc = store_edits_apply(m, bare);
    if (rc != SQLITE_OK)
        return rc;
    /* the conversation's number first (ST_INSERT takes its JID) */
    rc = number_peer(m->peer);
    if (rc != SQLITE_DONE)
        return rc;
    sqlite3_stmt *st = store_stmt(ST_INSERT, &rc);
    if (!st)
        return rc;
    /* the short forms: internal.h */
    store_bind_text(st, 1, m->peer);
    bind_after_peer(st, 2, m->sender, m->peer);
    bind_after_peer(st, 3, bare, m->peer);
    sqlite3_bind_int(st, 4, m->outgoing ? 1 : 0);
    store_bind_text(st, 5, m->body ? m->body : "");
    sqlite3_bind_int64(st, 6, m->ts);
    store_bind_text(st, 7, m->stanza_id);
    bind_by(st, 8, m);
    bind_short(st, 9, m->origin_id, m->msg_id);
    store_bind_text(st, 10, m->msg_id);
    sqlite3_bind_int(st, 11, (int)m->encryption);
    sqlite3_bind_int(st, 12, (int)m->receipt);
    sqlite3_bind_int(st, 13, m->corrected ? 1 : 0);
    store_bind_text(st, 14, m->original_body);
    sqlite3_bind_int(st, 15, m->retracted ? 1 : 0);
    sqlite3_bind_int(st, 16, m->from_archive ? 1 : 0);
    sqlite3_bind_int(st, 17, m->queued ? 1 : 0);
    sqlite3_bind_int(st, 18, (int)m->server_ack);
    sqlite3_bind_int(st, 19, m->resent ? 1 : 0);
    sqlite3_bind_int(st, 20, m->unstyled ? 1 : 0);
    sqlite3_bind_int64(st, 21, m->device);
    if (m->received > 0 && m->received == m->ts)
        sqlite3_bind_zeroblob(st, 22, 0); /* X'': the same as ts */
    else if (m->received > 0)
        sqlite3_bind_int64(st, 22, m->received);
    else
        sqlite3_bind_null(st, 22);
    sqlite3_bind_int(st, 23, (int)m->trust);
    rc = store_stmt_run(st);
    if (rc != SQLITE_DONE)
        return rc;
    int64_t rowid = sqlite3_last_insert_rowid(store_db());
    rc = store_index_add(rowid, m->body ? m->body : "");
    if (rc != SQLITE_OK)
        return rc;
    m->rowid = rowid;
    *res = STORE_ADDED;
    return SQLITE_OK;
}

/* Run BEGIN IMMEDIATE / COMMIT. Returns SQLITE_OK or the fault. */
static int txn(store_stmt_id id)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(id, &rc);
    if (!st)
        return rc;
    /* a number given in a transaction that did not commit may be gone */
    if (id == ST_BEGIN && !numbered.committed)
        store_peer_forget();
    rc = store_stmt_run(st);
    if (id == ST_COMMIT && rc == SQLITE_DONE)
        numbered.committed = true;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void rollback(void)
{
    store_edits_forget(); /* what the transaction changed there is undone */
    store_peer_forget();
    sqlite3 *db = store_db();
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Write N messages (bare senders BARES) in one transaction. Returns SQLITE_OK,
 * or the fault after rolling back (rowids reset to 0). */
/* The open batch failed: its transaction is gone, so what it held goes
 * back to the pending queue, in order, ahead of anything newer. */
static void batch_abort(void)
{
    rollback();
    batch_txn = false;
    if (!batch_rows)
        return;
    for (guint i = batch_rows->len; i > 0; i--)
        g_queue_push_head(&pending, g_ptr_array_index(batch_rows, i - 1));
    g_ptr_array_set_size(batch_rows, 0);
}

/* An open batch commits once it holds this many messages, so the copies
 * it keeps for a rollback stay bounded when thousands arrive in one loop
 * pass (heaptrack saw 1 MB of them in a 5,000-message flood). */
#define BATCH_ROWS_MAX 256

/* The open batch committed: its copies are no longer needed. */
static void batch_forget(void)
{
    batch_txn = false;
    if (batch_rows) {
        g_ptr_array_set_free_func(batch_rows, pend_free);
        g_ptr_array_set_size(batch_rows, 0);
        g_ptr_array_set_free_func(batch_rows, NULL);
    }
}

static int write_many(store_msg **msgs, char **bares, guint n, store_add_result *res)
{
    if (!store_db())
        return SQLITE_MISUSE;
    int rc = SQLITE_OK;
    if (batch_wanted) {
        if (batch_txn && batch_rows && batch_rows->len >= BATCH_ROWS_MAX) {
            rc = txn(ST_COMMIT);
            if (rc != SQLITE_OK) {
                batch_abort();
                return rc;
            }
            batch_forget();
        }
        if (!batch_txn) {
            rc = txn(ST_BEGIN);
            if (rc != SQLITE_OK)
                return rc;
            batch_txn = true;
        }
        for (guint i = 0; i < n && rc == SQLITE_OK; i++)
            if (msgs[i])
                rc = write_one(msgs[i], bares[i], &res[i]);
        if (rc != SQLITE_OK) {
            batch_abort();
            for (guint i = 0; i < n; i++)
                if (msgs[i])
                    msgs[i]->rowid = 0;
            return rc;
        }
        if (!batch_rows)
            batch_rows = g_ptr_array_new();
        for (guint i = 0; i < n; i++) {
            if (!msgs[i] || res[i] != STORE_ADDED)
                continue;
            pend *e = g_new0(pend, 1);
            e->m = store_msg_copy(msgs[i]);
            e->m->rowid = 0;
            e->bare = g_strdup(bares[i]);
            g_ptr_array_add(batch_rows, e);
        }
        return SQLITE_OK;
    }
    rc = txn(ST_BEGIN);
    if (rc != SQLITE_OK)
        return rc;
    for (guint i = 0; i < n && rc == SQLITE_OK; i++)
        if (msgs[i])
            rc = write_one(msgs[i], bares[i], &res[i]);
    if (rc == SQLITE_OK)
        rc = txn(ST_COMMIT);
    if (rc != SQLITE_OK) {
        rollback();
        for (guint i = 0; i < n; i++)
            if (msgs[i])
                msgs[i]->rowid = 0;
    }
    return rc;
}

/* Start a batch: later adds share one transaction until store_batch_end. */
void store_batch_begin(void)
{
    batch_wanted = true;
}

/* Commit the batch. On failure what it held is kept pending (and retried)
 * and *ERR gets the fault line as for store_add. Returns false then. */
bool store_batch_end(char **err)
{
    if (err)
        *err = NULL;
    batch_wanted = false;
    if (!batch_txn)
        return true;
    int rc = txn(ST_COMMIT);
    if (rc != SQLITE_OK) {
        batch_abort();
        note_fault(rc, err);
        return false;
    }
    batch_forget();
    store_fault_reset();
    return true;
}

/* Write the pending queue in one transaction (see internal.h for WAIT).
 * Returns how many are still pending. */
guint store_pending_flush(bool wait)
{
    if (g_queue_is_empty(&pending))
        return 0;
    if (!store_db() || store_fault_needs_reopen(last_fault_rc)) {
        gint64 now = g_get_monotonic_time();
        if (!wait && now - last_reopen_us < REOPEN_INTERVAL_US)
            return pending.length;
        last_reopen_us = now;
        if (!store_reopen(NULL)) {
            last_fault_rc = SQLITE_MISUSE;
            return pending.length;
        }
    }
    guint n = pending.length;
    store_msg **msgs = g_new(store_msg *, n);
    char **bares = g_new(char *, n);
    store_add_result *res = g_new(store_add_result, n);
    guint i = 0;
    for (GList *l = pending.head; l; l = l->next, i++) {
        pend *e = l->data;
        msgs[i] = e->m;
        bares[i] = e->bare;
    }
    if (!wait)
        sqlite3_busy_timeout(store_db(), 0);
    int rc = write_many(msgs, bares, n, res);
    if (!wait)
        sqlite3_busy_timeout(store_db(), STORE_BUSY_TIMEOUT_MS);
    g_free(msgs);
    g_free(bares);
    g_free(res);
    if (rc != SQLITE_OK) {
        last_fault_rc = rc;
        return pending.length;
    }
    g_queue_clear_full(&pending, pend_free);
    /* In a batch nothing is on disk before its commit: that ends the run. */
    if (!batch_wanted)
        store_fault_reset();
    return 0;
}

/* Drop the pending queue. Returns how many messages it held. */
guint store_pending_clear(void)
{
    guint n = pending.length;
    g_queue_clear_full(&pending, pend_free);
    return n;
}

/* Try to write the pending messages now (waiting for locks, reopening a
 * broken database). Returns how many are still pending. */
guint store_retry_pending(void)
{
    return store_pending_flush(true);
}

/* How many messages are kept in memory, not yet written. */
guint store_pending_count(void)
{
    return pending.length;
}

/* Store N messages in one transaction (a MAM page): each is handled as by
 * store_add, its result in RESULTS[i] (MSGS[i]->rowid set). Returns true
 * when none had to be kept pending; otherwise false and *ERR (g_free; ERR
 * may be NULL) as for store_add. */
bool store_add_batch(store_msg **msgs, guint n, store_add_result *results, char **err)
{
    if (err)
        *err = NULL;
    if (n == 0)
        return true;
    g_return_val_if_fail(msgs && results, false);
    store_msg **ok = g_new0(store_msg *, n);
    char **bares = g_new0(char *, n);
    for (guint i = 0; i < n; i++) {
        store_msg *m = msgs[i];
        results[i] = STORE_DUPLICATE;
        if (!m || !m->peer || !m->sender) {
            g_critical("store_add: a message needs a peer and a sender");
            continue;
        }
        m->rowid = 0;
        ok[i] = m;
        bares[i] = m->author ? g_strdup(m->author) : store_bare_of(m->sender);
    }

    int rc = SQLITE_MISUSE;
    if (!g_queue_is_empty(&pending))
        store_pending_flush(false);
    if (g_queue_is_empty(&pending)) {
        rc = write_many(ok, bares, n, results);
        if (rc == SQLITE_OK && !batch_wanted)
            store_fault_reset();
    } else {
        rc = last_fault_rc ? last_fault_rc : SQLITE_MISUSE;
    }

    bool all_written = true;
    if (rc != SQLITE_OK) {
        /* Keep them in order; still recognise duplicates as far as the
         * queue and a readable database allow. */
        for (guint i = 0; i < n; i++) {
            if (!ok[i])
                continue;
            int rrc = SQLITE_OK;
            int64_t dup = 0;
            if (find_pending_dup(ok[i], bares[i]))
                dup = -2;
            else if (store_db())
                dup = find_stored_dup(ok[i], bares[i], false, &rrc);
            if (dup > 0 || dup == -2) {
                ok[i]->rowid = dup > 0 ? dup : 0;
                results[i] = STORE_DUPLICATE;
                continue;
            }
            pend *e = g_new0(pend, 1);
            e->m = store_msg_copy(ok[i]);
            e->bare = bares[i];
            bares[i] = NULL;
            g_queue_push_tail(&pending, e);
            results[i] = STORE_PENDING;
            all_written = false;
        }
        if (!all_written)
            note_fault(rc, err);
    }
    for (guint i = 0; i < n; i++)
        g_free(bares[i]);
    g_free(bares);
    g_free(ok);
    return all_written;
}

/* Store M (copied; M->rowid set); see store.h for the dedup rules. */
store_add_result store_add(store_msg *m, char **err)
{
    store_add_result r = STORE_DUPLICATE;
    store_add_batch(&m, 1, &r, err);
    return r;
}

/* ---- reading ---- */

/* Step ST (bound) and append each row to OUT. */
static void collect(sqlite3_stmt *st, GPtrArray *out)
{
    while (sqlite3_step(st) == SQLITE_ROW)
        g_ptr_array_add(out, store_msg_from_row(st));
    sqlite3_reset(st);
}

static void reverse(GPtrArray *a)
{
    for (guint i = 0, j = a->len ? a->len - 1 : 0; i < j; i++, j--) {
        gpointer t = a->pdata[i];
        a->pdata[i] = a->pdata[j];
        a->pdata[j] = t;
    }
}

/* The ts of row ROWID of PEER into *TS; false when there is no such row. */
static bool cursor_ts(const char *peer, int64_t rowid, int64_t *ts)
{
    sqlite3_stmt *st = store_stmt(ST_CURSOR, NULL);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, rowid);
    store_bind_text(st, 2, peer);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        *ts = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return found;
}

/* Rows of PEER before (ts, id) = (TS, ROWID), at most LIMIT, appended to OUT
 * oldest first. AFTER: the rows after instead. */
static void rows_around(const char *peer, int64_t ts, int64_t rowid, int limit, bool after,
                        GPtrArray *out)
{
    sqlite3_stmt *st = store_stmt(after ? ST_PAGE_AFTER : ST_PAGE_BEFORE, NULL);
    if (!st)
        return;
    store_bind_text(st, 1, peer);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_int64(st, 3, rowid);
    sqlite3_bind_int(st, 4, limit);
    if (after) {
        collect(st, out);
        return;
    }
    GPtrArray *tmp = g_ptr_array_new();
    collect(st, tmp);
    reverse(tmp);
    for (guint i = 0; i < tmp->len; i++)
        g_ptr_array_add(out, tmp->pdata[i]);
    g_ptr_array_free(tmp, TRUE);
}

/* The time (UTC ms) of row ROWID of PEER, 0 when there is none. */
int64_t store_row_ts(const char *peer, int64_t rowid)
{
    int64_t ts = 0;
    if (!peer || rowid <= 0 || !cursor_ts(peer, rowid, &ts))
        return 0;
    return ts;
}

/* Messages of PEER in time order (ts, then rowid) older than BEFORE_ROWID
 * (0: the newest), at most LIMIT stored ones, oldest first; with
 * BEFORE_ROWID 0 the pending messages of PEER follow (rowid 0). Free with
 * g_ptr_array_unref. */
GPtrArray *store_page(const char *peer, int64_t before_rowid, int limit)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_msg_free);
    if (!peer)
        return out;
    if (limit > 0 && store_db()) {
        if (before_rowid == 0) {
            sqlite3_stmt *st = store_stmt(ST_PAGE_NEWEST, NULL);
            if (st) {
                store_bind_text(st, 1, peer);
                sqlite3_bind_int(st, 2, limit);
                collect(st, out);
                reverse(out);
            }
        } else {
            int64_t ts;
            if (cursor_ts(peer, before_rowid, &ts))
                rows_around(peer, ts, before_rowid, limit, false, out);
        }
    }
    if (before_rowid == 0) {
        for (GList *l = pending.head; l; l = l->next) {
            pend *e = l->data;
            if (str_eq(e->m->peer, peer))
                g_ptr_array_add(out, store_msg_copy(e->m));
        }
    }
    return out;
}

/* COUNT messages of PEER before ROWID, the message itself and COUNT after,
 * oldest first (empty when ROWID is not a message of PEER). Free with
 * g_ptr_array_unref. */
GPtrArray *store_context(const char *peer, int64_t rowid, int count)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_msg_free);
    int64_t ts;
    if (!peer || !store_db() || !cursor_ts(peer, rowid, &ts))
        return out;
    if (count > 0)
        rows_around(peer, ts, rowid, count, false, out);
    sqlite3_stmt *st = store_stmt(ST_GET_ROW, NULL);
    if (st) {
        sqlite3_bind_int64(st, 1, rowid);
        collect(st, out);
    }
    if (count > 0)
        rows_around(peer, ts, rowid, count, true, out);
    return out;
}

/* ---- receipts, corrections, retractions ---- */

/* Mark our message MSG_ID (its id or origin-id) in PEER delivered, stored
 * or pending. Returns true when a message changed. */
bool store_mark_delivered(const char *peer, const char *msg_id)
{
    if (!peer || !msg_id)
        return false;
    bool changed = false;
    for (GList *l = pending.head; l; l = l->next) {
        store_msg *m = ((pend *)l->data)->m;
        if (m->outgoing && str_eq(m->peer, peer) &&
            (str_eq(m->msg_id, msg_id) || str_eq(m->origin_id, msg_id)) &&
            m->receipt != STORE_RECEIPT_DELIVERED) {
            m->receipt = STORE_RECEIPT_DELIVERED;
            changed = true;
        }
    }
    store_stmt_id ids[2] = {ST_DELIVERED_MSGID, ST_DELIVERED_ORIGIN};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(ids[i], NULL);
        if (!st)
            break;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, msg_id);
        if (store_stmt_run(st) == SQLITE_DONE && sqlite3_changes(store_db()) > 0)
            changed = true;
    }
    return changed;
}

/* Mark the outgoing message ID (msg_id or origin_id) of PEER sent: no
 * longer queued (stored or pending). Returns true when a message changed. */
bool store_mark_sent(const char *peer, const char *id)
{
    if (!peer || !id)
        return false;
    bool changed = false;
    for (GList *l = pending.head; l; l = l->next) {
        store_msg *m = ((pend *)l->data)->m;
        if (m->outgoing && m->queued && str_eq(m->peer, peer) &&
            (str_eq(m->msg_id, id) || str_eq(m->origin_id, id))) {
            m->queued = false;
            changed = true;
        }
    }
    store_stmt_id ids[2] = {ST_SENT_MSGID, ST_SENT_ORIGIN};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(ids[i], NULL);
        if (!st)
            break;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, id);
        if (store_stmt_run(st) == SQLITE_DONE && sqlite3_changes(store_db()) > 0)
            changed = true;
    }
    return changed;
}

/* Record the server's confirmation (or a resend) of our message ID in PEER,
 * stored or pending. Returns true when a message changed. */
bool store_mark_server_ack(const char *peer, const char *id, bool resent)
{
    if (!peer || !id)
        return false;
    store_ack ack = resent ? STORE_ACK_PENDING : STORE_ACK_DONE;
    bool changed = false;
    for (GList *l = pending.head; l; l = l->next) {
        store_msg *m = ((pend *)l->data)->m;
        if (m->outgoing && str_eq(m->peer, peer) &&
            (str_eq(m->msg_id, id) || str_eq(m->origin_id, id))) {
            m->server_ack = ack;
            m->resent = m->resent || resent;
            changed = true;
        }
    }
    store_stmt_id ids[2] = {ST_ACK_MSGID, ST_ACK_ORIGIN};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(ids[i], NULL);
        if (!st)
            break;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, id);
        sqlite3_bind_int(st, 3, (int)ack);
        sqlite3_bind_int(st, 4, resent ? 1 : 0);
        if (store_stmt_run(st) == SQLITE_DONE && sqlite3_changes(store_db()) > 0)
            changed = true;
    }
    return changed;
}

/* The outgoing messages still queued, or sent and never acknowledged by
 * the server, oldest first: stored ones, then those waiting to be written
 * (GPtrArray of store_msg*, g_ptr_array_unref). */
GPtrArray *store_queued(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_msg_free);
    sqlite3_stmt *st = store_stmt(ST_QUEUED, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        g_ptr_array_add(out, store_msg_from_row(st));
    if (st)
        sqlite3_reset(st);
    for (GList *l = pending.head; l; l = l->next) {
        store_msg *m = ((pend *)l->data)->m;
        /* An encrypted message is never sent again (it would go in plain text). */
        if (m->outgoing && (m->queued || m->server_ack == STORE_ACK_PENDING) && !m->retracted &&
            m->encryption == STORE_ENC_NONE)
            g_ptr_array_add(out, store_msg_copy(m));
    }
    return out;
}

/* Step the bound lookup ST: column 0 of the first row, or 0; *FLAG (when
 * not NULL) gets column 1 as a boolean. */
static int64_t first_id(sqlite3_stmt *st, bool *flag)
{
    int64_t row = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        row = sqlite3_column_int64(st, 0);
        if (flag)
            *flag = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    return row;
}

/* The newest message of PEER by SENDER_BARE whose id (looked up by MSGID_FIRST
 * ? msg_id then origin_id : the other way round) is ID: its rowid, 0 when
 * there is none, -1 when the id belongs to another sender's message in
 * PEER. *RETRACTED says whether the message found is retracted. */
static int64_t find_target(bool msgid_first, const char *peer, const char *sender_bare,
                           const char *id, bool *retracted)
{
    store_stmt_id own[2] = {ST_FIND_MSGID, ST_FIND_ORIGIN};
    store_stmt_id any[2] = {ST_ANY_MSGID, ST_ANY_ORIGIN};
    for (int k = 0; k < 2; k++) {
        int i = msgid_first ? k : 1 - k;
        sqlite3_stmt *st = store_stmt(own[i], NULL);
        if (!st)
            return 0;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, id);
        store_bind_text(st, 3, sender_bare);
        int64_t row = first_id(st, retracted);
        if (row)
            return row;
    }
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(any[i], NULL);
        if (!st)
            return 0;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, id);
        if (first_id(st, NULL))
            return -1;
    }
    return 0;
}

/* Replace the body of the message REPLACE_ID (its id, else its origin-id) by
 * SENDER_BARE in PEER with NEW_BODY, keeping the first body. A retracted
 * message stays retracted (its rowid is returned, nothing changes). Returns
 * the rowid; 0 when there is no such stored message or it cannot be written
 * now (the caller then stores the correction as a message); -1 when the id
 * is another sender's (forged: nothing changes). */
int64_t store_correct(const char *peer, const char *sender_bare, const char *replace_id,
                      const char *new_body)
{
    if (!peer || !sender_bare || !replace_id || !new_body)
        return 0;
    bool retracted = false;
    int64_t row = find_target(true, peer, sender_bare, replace_id, &retracted);
    if (row <= 0 || retracted)
        return row;
    sqlite3_stmt *st = store_stmt(ST_CORRECT, NULL);
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, row);
    store_bind_text(st, 2, new_body);
    return store_stmt_run(st) == SQLITE_DONE ? row : 0;
}

/* Retract the message ID (its origin-id, else its id) by SENDER_BARE in PEER:
 * body "" and no original_body (its text is not kept), retracted set. Returns the
 * rowid; 0 when there is no such stored message or it cannot be written
 * now; -1 when the id is another sender's (forged: nothing changes). */
int64_t store_retract(const char *peer, const char *sender_bare, const char *id)
{
    if (!peer || !sender_bare || !id)
        return 0;
    bool retracted = false;
    int64_t row = find_target(false, peer, sender_bare, id, &retracted);
    if (row <= 0 || retracted)
        return row;
    sqlite3_stmt *st = store_stmt(ST_RETRACT, NULL);
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, row);
    return store_stmt_run(st) == SQLITE_DONE ? row : 0;
}

int64_t store_retract_stanza(const char *by, const char *stanza_id, const char *author)
{
    if (!by || !stanza_id)
        return 0;
    sqlite3_stmt *st = store_stmt(ST_STANZA_AUTHOR, NULL);
    if (!st)
        return 0;
    store_bind_text(st, 1, stanza_id);
    store_bind_text(st, 2, by);
    int64_t row = 0;
    bool same = true;
    if (sqlite3_step(st) == SQLITE_ROW) {
        row = sqlite3_column_int64(st, 0);
        const char *who = (const char *)sqlite3_column_text(st, 1);
        same = !author || (who && !strcmp(who, author));
    }
    sqlite3_reset(st);
    if (row <= 0)
        return 0;
    if (!same)
        return -1; /* someone else's message */
    sqlite3_stmt *up = store_stmt(ST_RETRACT, NULL);
    if (!up)
        return 0;
    sqlite3_bind_int64(up, 1, row);
    return store_stmt_run(up) == SQLITE_DONE ? row : 0;
}

/* Retract the pending (not yet written) message ID by AUTHOR in PEER (see
 * internal.h). */
bool store_pending_retract(const char *peer, const char *author, const char *id)
{
    bool found = false;
    for (GList *l = pending.head; l; l = l->next) {
        pend *e = l->data;
        store_msg *m = e->m;
        bool by = author ? str_eq(e->bare, author) : str_eq(m->stanza_id_by, peer);
        bool named =
            author ? (str_eq(m->origin_id, id) || str_eq(m->msg_id, id) || str_eq(m->stanza_id, id))
                   : str_eq(m->stanza_id, id);
        if (!str_eq(m->peer, peer) || !by || !named)
            continue;
        g_free(m->body);
        m->body = g_strdup("");
        g_clear_pointer(&m->original_body, g_free);
        m->retracted = true;
        found = true;
    }
    return found;
}

/* True when a message with id ID is stored in any conversation. */
static bool id_anywhere(const char *id)
{
    sqlite3_stmt *st = store_stmt(ST_ID_ANYWHERE, NULL);
    if (!st)
        return false;
    store_bind_text(st, 1, id);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return found;
}

/* store_correct/store_retract, refusing ids that belong to a message in
 * another conversation: nobody may edit a message of a different chat. */
int64_t store_correct_checked(const char *peer, const char *sender_bare, const char *replace_id,
                              const char *new_body)
{
    int64_t row = store_correct(peer, sender_bare, replace_id, new_body);
    if (row == 0 && replace_id && id_anywhere(replace_id))
        return -1;
    return row;
}

int64_t store_retract_checked(const char *peer, const char *sender_bare, const char *id)
{
    int64_t row = store_retract(peer, sender_bare, id);
    if (row == 0 && id && id_anywhere(id))
        return -1;
    return row;
}

/* The oldest archive id (stanza-id) stored for PEER (g_free), or NULL. */
char *store_oldest_stanza_id(const char *peer)
{
    sqlite3_stmt *st = store_stmt(ST_OLDEST_STANZA, NULL);
    if (!st)
        return NULL;
    store_bind_text(st, 1, peer);
    char *id = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        id = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return id;
}

/* Time (UTC ms) of the oldest message stored for PEER, 0 when none. */
int64_t store_oldest_ts(const char *peer)
{
    sqlite3_stmt *st = store_stmt(ST_OLDEST_TS, NULL);
    if (!st)
        return 0;
    store_bind_text(st, 1, peer);
    int64_t ts = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        ts = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return ts;
}

/* SECOND_MS, or the newest ts of PEER within that second (store.h). */
int64_t store_place_in_second(const char *peer, int64_t second_ms)
{
    sqlite3_stmt *st = peer ? store_stmt(ST_SECOND_MAX, NULL) : NULL;
    if (!st)
        return second_ms;
    store_bind_text(st, 1, peer);
    sqlite3_bind_int64(st, 2, second_ms);
    int64_t ts = second_ms;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        ts = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return ts > second_ms ? ts : second_ms;
}

/* The newest pending (not yet written) message of PEER that is outgoing
 * (AUTHOR NULL) or by AUTHOR, or NULL (borrowed). */
static const store_msg *pending_last(const char *peer, const char *author)
{
    for (GList *it = pending.tail; it; it = it->prev) {
        const pend *e = it->data;
        if (e->m->retracted || strcmp(e->m->peer, peer) != 0)
            continue;
        if (author ? g_strcmp0(e->bare, author) == 0 : e->m->outgoing)
            return e->m;
    }
    return NULL;
}

store_msg *store_last_by(const char *peer, const char *author)
{
    const store_msg *held = pending_last(peer, author);
    if (held) /* written after everything in the database */
        return store_msg_copy(held);
    sqlite3_stmt *st = store_stmt(author ? ST_LAST_BY : ST_LAST_OWN, NULL);
    if (!st)
        return NULL;
    store_bind_text(st, 1, peer);
    if (author)
        store_bind_text(st, 2, author);
    store_msg *m = sqlite3_step(st) == SQLITE_ROW ? store_msg_from_row(st) : NULL;
    sqlite3_reset(st);
    return m;
}

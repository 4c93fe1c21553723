/* edits.c - corrections and retractions that arrive before the message
 * they change (older history comes newest first, the first login fetches
 * the newest page only, another device retracts what natter never had).
 * They wait in pending_edits and are applied as the message is stored: a
 * retracted text is never written, not to the table and not to the FTS
 * index, and the rows that stood in for corrections are removed. */
#include "store/internal.h"

#include <string.h>

#include <glib.h>

/* Rows of pending_edits: -1 unknown. Adds look for edits only when some
 * wait, so a flood costs no extra lookup. */
static int64_t edits_waiting = -1;

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Forget the count of waiting edits (internal.h). */
void store_edits_forget(void)
{
    edits_waiting = -1;
}

/* How many edits wait (counted once per open database). */
static int64_t edits_count(void)
{
    if (edits_waiting < 0) {
        sqlite3_stmt *st = store_stmt(ST_EDIT_COUNT, NULL);
        if (!st)
            return 0;
        if (sqlite3_step(st) == SQLITE_ROW)
            edits_waiting = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return edits_waiting > 0 ? edits_waiting : 0;
}

/* Run ST_EDIT_DEL, ST_EDIT_NOBODY or ST_DELETE_ROW on ID. Returns the
 * SQLite code. */
static int delete_id(store_stmt_id which, int64_t id)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(which, &rc);
    if (!st)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = store_stmt_run(st);
    if (rc == SQLITE_DONE && which == ST_EDIT_DEL && edits_waiting > 0)
        edits_waiting--;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Apply to M (bare sender BARE), before it is inserted, the edits that
 * waited for it: a retraction empties it (its text is never written), else
 * the newest correction replaces its body. The edits and the rows that
 * stood in for corrections are deleted. Inside the add's transaction.
 * Returns SQLITE_OK or the fault. */
int store_edits_apply(store_msg *m, const char *bare)
{
    if (edits_count() == 0 || (!m->msg_id && !m->origin_id && !m->stanza_id))
        return SQLITE_OK;
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(ST_EDIT_FIND, &rc);
    if (!st)
        return rc;
    store_bind_text(st, 1, m->peer);
    store_bind_text(st, 2, m->msg_id);
    store_bind_text(st, 3, m->origin_id);
    /* only the room's own ids name a room message (moderation) */
    store_bind_text(st, 4, m->stanza_id);
    GArray *done = g_array_new(FALSE, FALSE, sizeof(int64_t));
    GArray *standins = g_array_new(FALSE, FALSE, sizeof(int64_t));
    bool retract = false;
    int64_t best_ts = INT64_MIN;
    char *best_body = NULL;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *author = (const char *)sqlite3_column_text(st, 1);
        bool moderation = author == NULL;
        /* The room may remove any message it stamped; anyone else only
         * their own. */
        if (moderation ? !str_eq(m->stanza_id_by, m->peer) : !str_eq(author, bare))
            continue;
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(done, id);
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
            int64_t row = sqlite3_column_int64(st, 5);
            g_array_append_val(standins, row);
        }
        if (sqlite3_column_int(st, 2)) {
            retract = true;
        } else if (sqlite3_column_int64(st, 4) >= best_ts && sqlite3_column_text(st, 3)) {
            best_ts = sqlite3_column_int64(st, 4);
            g_free(best_body);
            best_body = g_strdup((const char *)sqlite3_column_text(st, 3));
        }
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        rc = r;
    if (rc == SQLITE_OK && retract) {
        g_free(m->body);
        m->body = g_strdup("");
        g_clear_pointer(&m->original_body, g_free);
        m->retracted = true;
    } else if (rc == SQLITE_OK && best_body && !m->retracted) {
        if (!m->original_body)
            m->original_body = m->body;
        else
            g_free(m->body);
        m->body = best_body;
        best_body = NULL;
        m->corrected = true;
    }
    for (guint i = 0; i < standins->len && rc == SQLITE_OK; i++)
        rc = delete_id(ST_DELETE_ROW, g_array_index(standins, int64_t, i));
    for (guint i = 0; i < done->len && rc == SQLITE_OK; i++)
        rc = delete_id(ST_EDIT_DEL, g_array_index(done, int64_t, i));
    g_free(best_body);
    g_array_unref(done);
    g_array_unref(standins);
    return rc;
}

/* The edits of TARGET by AUTHOR in PEER that wait: whether one is a
 * retraction (*RETRACTED), and (with WIPE) the corrections among them lose
 * their text and the rows standing in for them are retracted. Returns the
 * code. */
static int edits_of(const char *peer, const char *author, const char *target, bool wipe,
                    bool *retracted)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(ST_EDIT_OF, &rc);
    if (!st)
        return rc;
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, target);
    store_bind_text(st, 3, author);
    GArray *drop = g_array_new(FALSE, FALSE, sizeof(int64_t));
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 1)) {
            *retracted = true;
            continue;
        }
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(drop, id);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            int64_t row = sqlite3_column_int64(st, 2);
            g_array_append_val(rows, row);
        }
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        rc = r;
    for (guint i = 0; wipe && i < rows->len && rc == SQLITE_OK; i++) {
        sqlite3_stmt *up = store_stmt(ST_RETRACT, &rc);
        if (!up)
            break;
        sqlite3_bind_int64(up, 1, g_array_index(rows, int64_t, i));
        rc = store_stmt_run(up);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    /* (kept without their text: the stand-ins go when the message comes) */
    for (guint i = 0; wipe && i < drop->len && rc == SQLITE_OK; i++)
        rc = delete_id(ST_EDIT_NOBODY, g_array_index(drop, int64_t, i));
    g_array_unref(drop);
    g_array_unref(rows);
    return rc;
}

/* Keep an edit of a message that is not stored (store.h). */
bool store_edit_wait(const char *peer, const char *author, const char *target, bool retract,
                     const char *body, int64_t ts, int64_t standin)
{
    if (!peer || !target || (!retract && !body))
        return false;
    if (retract)
        store_pending_retract(peer, author, target);
    if (!store_db())
        return false;
    bool retracted = false;
    if (edits_of(peer, author, target, retract, &retracted) != SQLITE_OK)
        return false;
    if (retracted)
        return retract; /* a retraction waits already: nothing more to keep */
    sqlite3_stmt *st = store_stmt(ST_EDIT_ADD, NULL);
    if (!st)
        return false;
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, author);
    store_bind_text(st, 3, target);
    sqlite3_bind_int(st, 4, retract ? 1 : 0);
    store_bind_text(st, 5, retract ? NULL : body);
    sqlite3_bind_int64(st, 6, ts);
    if (standin > 0)
        sqlite3_bind_int64(st, 7, standin);
    else
        sqlite3_bind_null(st, 7);
    if (store_stmt_run(st) != SQLITE_DONE)
        return false;
    if (edits_waiting >= 0)
        edits_waiting++;
    return true;
}

/* True when a retraction of TARGET by AUTHOR in PEER waits for it. */
bool store_edit_retracted(const char *peer, const char *author, const char *target)
{
    bool retracted = false;
    if (peer && target && store_db())
        edits_of(peer, author, target, false, &retracted);
    return retracted;
}

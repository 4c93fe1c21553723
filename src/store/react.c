/* react.c - replies and reactions in the history (see react.h), and the
 * look-ups that /reply, /react and the screen use to find a message by
 * number or id. */
#include "store/react.h"

#include <string.h>

#include "core/event.h"
#include "core/log.h"
#include "model/jid.h"
#include "model/muc.h"
#include "store/internal.h"

/* The cached statement for SQL (store_cached_stmt), or NULL. */
static sqlite3_stmt *prepare(const char *sql)
{
    return store_cached_stmt(sql);
}

/* Done with ST: reset it, so it holds no lock and no row. */
static void done(sqlite3_stmt *st)
{
    if (st)
        sqlite3_reset(st);
}

bool store_reply_set(int64_t rowid, const char *target, const char *target_to)
{
    sqlite3_stmt *st = prepare("INSERT OR REPLACE INTO replies (id, target, target_to) "
                               "VALUES (?1, ?2, ?3)");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, rowid);
    store_bind_text(st, 2, target);
    store_bind_text(st, 3, target_to);
    int rc = sqlite3_step(st);
    done(st);
    return rc == SQLITE_DONE;
}

char *store_reply_of(int64_t rowid)
{
    sqlite3_stmt *st = prepare("SELECT target FROM replies WHERE id = ?1");
    char *v = NULL;
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, rowid);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = g_strdup((const char *)sqlite3_column_text(st, 0));
    done(st);
    return v;
}

/* The first message the statement ST (bound) returns, or NULL; finalizes ST. */
static store_msg *one_msg(sqlite3_stmt *st)
{
    store_msg *m = st && sqlite3_step(st) == SQLITE_ROW ? store_msg_from_row(st) : NULL;
    done(st);
    return m;
}

store_msg *store_find_by_id(const char *peer, const char *id, bool room)
{
    if (!peer || !id || !*id)
        return NULL;
    static const char *const room_sql = "SELECT " STORE_MSG_COLS " FROM messages "
                                        "WHERE stanza_id = ?2 AND " PEER_IS_1 " "
                                        "ORDER BY id DESC LIMIT 1";
    static const char *const chat_sql[] = {
        "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " AND msg_id = ?2 "
        "ORDER BY id DESC LIMIT 1",
        "SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " AND origin_id = ?2 "
        "AND " ORIGIN_OWN " ORDER BY id DESC LIMIT 1",
    };
    for (int i = 0; i < (room ? 1 : 2); i++) {
        sqlite3_stmt *st = prepare(room ? room_sql : chat_sql[i]);
        if (!st)
            return NULL;
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, id);
        store_msg *m = one_msg(st);
        if (m)
            return m;
    }
    return NULL;
}

store_msg *store_nth_newest(const char *peer, int n)
{
    if (!peer || n < 1)
        return NULL;
    sqlite3_stmt *st = prepare("SELECT " STORE_MSG_COLS " FROM messages WHERE " PEER_IS_1 " "
                               "ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?2");
    if (!st)
        return NULL;
    store_bind_text(st, 1, peer);
    sqlite3_bind_int(st, 2, n - 1);
    return one_msg(st);
}

store_msg *store_get_row(const char *peer, int64_t rowid)
{
    sqlite3_stmt *st = prepare("SELECT " STORE_MSG_COLS " FROM messages WHERE id = ?1");
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, rowid);
    store_msg *m = one_msg(st);
    if (m && peer && strcmp(m->peer, peer) != 0) {
        store_msg_free(m);
        m = NULL;
    }
    return m;
}

void store_reaction_free(store_reaction *r)
{
    if (!r)
        return;
    g_free(r->reactor);
    if (r->emojis)
        g_ptr_array_unref(r->emojis);
    g_free(r);
}

int store_reaction_set(const char *peer, const char *target, const char *reactor,
                       const char *const *emojis, unsigned n, int64_t ts)
{
    if (!peer || !target || !reactor)
        return -1;
    sqlite3_stmt *st = prepare("SELECT ts FROM reactions WHERE peer = ?1 AND target = ?2 "
                               "AND reactor = ?3");
    if (!st)
        return -1;
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, target);
    store_bind_text(st, 3, reactor);
    bool older = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > ts;
    done(st);
    if (older)
        return 0;
    GString *set = g_string_new(NULL);
    for (unsigned i = 0; i < n; i++)
        g_string_append_printf(set, "%s%s", i ? "\n" : "", emojis[i]);
    st = prepare("INSERT OR REPLACE INTO reactions (peer, target, reactor, emojis, ts) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    int rc = SQLITE_ERROR;
    if (st) {
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, target);
        store_bind_text(st, 3, reactor);
        store_bind_text(st, 4, set->str);
        sqlite3_bind_int64(st, 5, ts);
        rc = sqlite3_step(st);
        done(st);
    }
    g_string_free(set, TRUE);
    return rc == SQLITE_DONE ? 1 : -1;
}

GPtrArray *store_reactions_of(const char *peer, const char *const *ids, unsigned n)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_reaction_free);
    GHashTable *by = g_hash_table_new(g_str_hash, g_str_equal); /* reactor -> store_reaction* */
    sqlite3_stmt *st = peer ? prepare("SELECT reactor, emojis, ts FROM reactions "
                                      "WHERE peer = ?1 AND target = ?2")
                            : NULL;
    for (unsigned i = 0; st && i < n; i++) {
        if (!ids[i] || !*ids[i])
            continue;
        bool seen = false;
        for (unsigned k = 0; k < i && !seen; k++)
            seen = ids[k] && !strcmp(ids[k], ids[i]);
        if (seen)
            continue;
        sqlite3_reset(st);
        store_bind_text(st, 1, peer);
        store_bind_text(st, 2, ids[i]);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *who = (const char *)sqlite3_column_text(st, 0);
            const char *set = (const char *)sqlite3_column_text(st, 1);
            int64_t ts = sqlite3_column_int64(st, 2);
            store_reaction *r = who ? g_hash_table_lookup(by, who) : NULL;
            if (!who || (r && r->ts >= ts))
                continue;
            if (!r) {
                r = g_new0(store_reaction, 1);
                r->reactor = g_strdup(who);
                g_ptr_array_add(out, r);
                g_hash_table_insert(by, r->reactor, r);
            }
            if (r->emojis)
                g_ptr_array_unref(r->emojis);
            r->emojis = g_ptr_array_new_with_free_func(g_free);
            r->ts = ts;
            char **parts = g_strsplit(set ? set : "", "\n", -1);
            for (char **p = parts; *p; p++)
                if (**p)
                    g_ptr_array_add(r->emojis, g_strdup(*p));
            g_strfreev(parts);
        }
    }
    done(st);
    g_hash_table_destroy(by);
    /* Oldest first; removed sets say nothing. */
    for (guint i = out->len; i-- > 0;) {
        store_reaction *r = g_ptr_array_index(out, i);
        if (!r->emojis || r->emojis->len == 0)
            g_ptr_array_remove_index(out, i);
    }
    for (guint i = 1; i < out->len; i++) {
        for (guint k = i; k > 0; k--) {
            store_reaction *a = g_ptr_array_index(out, k - 1), *b = g_ptr_array_index(out, k);
            if (a->ts <= b->ts)
                break;
            out->pdata[k - 1] = b;
            out->pdata[k] = a;
        }
    }
    return out;
}

GPtrArray *store_reactions_of_msg(const store_msg *m, bool room)
{
    const char *ids[] = {room ? m->stanza_id : m->origin_id, room ? NULL : m->msg_id};
    return store_reactions_of(m->peer, ids, G_N_ELEMENTS(ids));
}

/* ---------- the event bus ---------- */

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (!ev->reply_id || !ev->result || ev->result->duplicate || ev->result->rowid <= 0)
        return;
    if (!store_reply_set(ev->result->rowid, ev->reply_id, ev->reply_to))
        log_debug("store", "the reply of row %lld was not kept", ev->result->rowid);
}

static void on_reaction(event_type t, const void *p, void *ud)
{
    const ev_reaction *ev = p;
    char *reactor =
        ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id) : jid_bare_of(ev->from);
    int r = reactor ? store_reaction_set(ev->peer, ev->target, reactor, ev->emojis, ev->n,
                                         (int64_t)ev->timestamp * 1000)
                    : 0;
    if (r < 0)
        event_log(LOG_ERROR, NULL, "A reaction could not be saved in the history.");
    if (ev->result)
        ev->result->rejected = r == 0;
    g_free(reactor);
}

void store_react_init(void)
{
    event_subscribe(EV_MESSAGE, EV_STAGE_STORE, on_message, NULL);
    event_subscribe(EV_REACTION, EV_STAGE_STORE, on_reaction, NULL);
}

void store_react_deinit(void)
{
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_REACTION, on_reaction, NULL);
    store_cached_stmts_clear();
}

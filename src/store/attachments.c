/* attachments.c - the attachments table (see attachments.h). Written like
 * everything else the store writes: inside the loop pass's transaction when
 * one is open, so an attachment lands with its message. Statements are
 * prepared once (store_cached_stmt): the lookup by message runs for every
 * message line drawn. */
#include "store/attachments.h"

#include <glib.h>
#include <string.h>

#include "store/internal.h"

static sqlite3_stmt *prepare(const char *sql)
{
    return store_cached_stmt(sql);
}

/* the JID of the message's conversation */
#define M_PEER_JID PEER_JID("m.peer")
#define SELECT_ATTACHMENT                                                                          \
    "SELECT a.id, a.msg, " M_PEER_JID ", a.url, a.name, a.size, a.saved"                           \
    " FROM attachments a JOIN messages m ON m.id = a.msg WHERE "
static const char by_id[] = SELECT_ATTACHMENT "a.id = ?1";
static const char by_msg[] = SELECT_ATTACHMENT "a.msg = ?1";

int64_t store_attachment_add(int64_t msg, const char *url, const char *name)
{
    if (msg <= 0 || !url || !name)
        return 0;
    store_attachment *old = store_attachment_of_msg(msg);
    if (old) {
        int64_t id = old->id;
        store_attachment_free(old);
        return id;
    }
    sqlite3_stmt *st = prepare("INSERT INTO attachments (msg, url, name) VALUES (?1, ?2, ?3)");
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, msg);
    store_bind_text(st, 2, url);
    store_bind_text(st, 3, name);
    int64_t id = sqlite3_step(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db()) : 0;
    sqlite3_reset(st);
    return id;
}

int64_t store_attachment_relink(int64_t msg, const char *url, const char *name)
{
    if (msg <= 0 || !url || !name)
        return 0;
    store_attachment *old = store_attachment_of_msg(msg);
    if (!old)
        return store_attachment_add(msg, url, name);
    int64_t id = old->id;
    bool same = strcmp(old->url, url) == 0;
    store_attachment_free(old);
    if (same)
        return id;
    /* Another file: what was known of the old one (size, where it was
     * saved) is not true of it. */
    sqlite3_stmt *st = prepare("UPDATE attachments SET url = ?2, name = ?3, size = NULL, "
                               "saved = NULL WHERE id = ?1");
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, url);
    store_bind_text(st, 3, name);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok ? id : 0;
}

bool store_attachment_unlink(int64_t msg)
{
    sqlite3_stmt *st = msg > 0 ? prepare("DELETE FROM attachments WHERE msg = ?1") : NULL;
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, msg);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

static store_attachment *get(const char *sql, int64_t key)
{
    sqlite3_stmt *st = prepare(sql);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, key);
    store_attachment *a = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        a = g_new0(store_attachment, 1);
        a->id = sqlite3_column_int64(st, 0);
        a->msg = sqlite3_column_int64(st, 1);
        a->peer = g_strdup((const char *)sqlite3_column_text(st, 2));
        a->url = g_strdup((const char *)sqlite3_column_text(st, 3));
        a->name = g_strdup((const char *)sqlite3_column_text(st, 4));
        a->size = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
        a->saved = g_strdup((const char *)sqlite3_column_text(st, 6));
    }
    sqlite3_reset(st);
    return a;
}

store_attachment *store_attachment_get(int64_t id)
{
    return get(by_id, id);
}

store_attachment *store_attachment_of_msg(int64_t msg)
{
    return get(by_msg, msg);
}

bool store_attachment_saved(int64_t id, const char *path, int64_t size)
{
    sqlite3_stmt *st = prepare("UPDATE attachments SET saved = ?2, size = ?3 WHERE id = ?1");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, path);
    sqlite3_bind_int64(st, 3, size);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

void store_attachment_free(store_attachment *a)
{
    if (!a)
        return;
    g_free(a->peer);
    g_free(a->url);
    g_free(a->name);
    g_free(a->saved);
    g_free(a);
}

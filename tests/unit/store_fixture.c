/* store_fixture.c - shared helpers of the store's unit tests (see
 * store_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/store.h"
#include "fixture.h"
#include "store_fixture.h"

int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->dir = fx_tmpdir();
    f->db = g_build_filename(f->dir, "test.db", NULL);
    *state = f;
    return 0;
}

int setup_open(void **state)
{
    setup(state);
    fixture *f = *state;
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_null(err);
    return 0;
}

int teardown(void **state)
{
    fixture *f = *state;
    store_close();
    fx_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->db);
    g_free(f);
    return 0;
}

/* A message (store_msg_free). ID arguments may be NULL. */
store_msg *mk(const char *peer, const char *sender, const char *body, int64_t ts,
              const char *stanza_id, const char *by, const char *origin_id, const char *msg_id)
{
    store_msg *m = store_msg_new();
    m->peer = g_strdup(peer);
    m->sender = g_strdup(sender);
    m->outgoing = g_str_has_prefix(sender, ME);
    m->body = g_strdup(body);
    m->ts = ts;
    m->stanza_id = g_strdup(stanza_id);
    m->stanza_id_by = g_strdup(by);
    m->origin_id = g_strdup(origin_id);
    m->msg_id = g_strdup(msg_id);
    return m;
}

/* Add a message, expecting RESULT; returns its rowid. */
int64_t add_expect(store_msg *m, store_add_result expected)
{
    char *err = NULL;
    store_add_result r = store_add(m, &err);
    if (r != expected)
        fail_msg("store_add of '%s': result %d, expected %d (%s)", m->body, r, expected,
                 err ? err : "no error");
    g_free(err);
    int64_t id = m->rowid;
    store_msg_free(m);
    return id;
}

/* A plain incoming message from alice's phone without ids. */
int64_t add_plain(const char *peer, const char *body, int64_t ts)
{
    char *sender = g_strdup_printf("%s/phone", peer);
    int64_t id = add_expect(mk(peer, sender, body, ts, NULL, NULL, NULL, NULL), STORE_ADDED);
    g_free(sender);
    return id;
}

/* The bodies of A joined by '|'. */
char *bodies(GPtrArray *a)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < a->len; i++) {
        store_msg *m = a->pdata[i];
        if (i)
            g_string_append_c(s, '|');
        g_string_append(s, m->body);
    }
    return g_string_free(s, FALSE);
}

void assert_bodies(GPtrArray *a, const char *expected)
{
    assert_non_null(a);
    char *b = bodies(a);
    assert_string_equal(b, expected);
    g_free(b);
}

/* An integer from SQL on a separate connection to PATH. */
int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 1000);
    return db;
}

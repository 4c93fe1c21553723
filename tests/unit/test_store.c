/* test_store.c - unit tests for src/store: opening and migrating the
 * database, deduplication, paging, receipts, corrections and retractions. */
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

/* ---- opening and schema ---- */

static void test_open_private_files(void **state)
{
    fixture *f = *state;
    char *data = g_build_filename(f->dir, "data", "natter", NULL);
    char *err = NULL;
    assert_true(store_open(data, ME, &err));
    assert_null(err);
    assert_true(store_is_open());
    add_plain(ALICE, "hello", T0);

    GStatBuf sb;
    assert_int_equal(g_stat(data, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    char *file = g_build_filename(data, ME ".db", NULL);
    assert_int_equal(g_stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *wal = g_strconcat(file, "-wal", NULL);
    assert_int_equal(g_stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    assert_int_equal(sql_int(file, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    sqlite3 *db = store_db();
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1); /* NORMAL */
    sqlite3_finalize(st);

    /* A file left group-readable is tightened on open. */
    store_close();
    g_chmod(file, 0644);
    assert_true(store_open(data, ME, &err));
    assert_int_equal(g_stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(store_count(), 1);
    g_free(wal);
    g_free(file);
    g_free(data);
}

/* An empty (v0) file gets the whole schema. */
static void test_migrate_empty_file(void **state)
{
    fixture *f = *state;
    fx_write_text(f->db, "");
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_null(err);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                    "AND name IN ('messages', 'state', 'messages_fts')"),
                     3);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                    "AND tbl_name = 'messages' AND sql IS NOT NULL"),
                     6);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"),
                     5);
}

/* A v0 database with other content keeps it and gains the schema. */
static void test_migrate_v0_with_content(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f->db);
    exec_ok(db, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept');");
    sqlite3_close(db);
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM notes"), 1);
    add_plain(ALICE, "after migration", T0);
    assert_int_equal(store_count(), 1);
}

/* A version 1 database (natter 0.1 before the offline queue was kept)
 * gains the queued column; its messages are not queued. */
static void test_migrate_v1_to_v2(void **state)
{
    fixture *f = *state;
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, own, 1, &err));
    exec_ok(db, "INSERT INTO messages (peer, sender, sender_bare, outgoing, body, ts) "
                "VALUES ('alice@example.org', 'me@example.org', 'me@example.org', 1, 'old', 1)");
    sqlite3_close(db);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "old");
    assert_false(((store_msg *)g_ptr_array_index(p, 0))->queued);
    g_ptr_array_unref(p);
    GPtrArray *q = store_queued();
    assert_int_equal(q->len, 0);
    g_ptr_array_unref(q);
}

/* The step that adds pending edits also empties retracted rows that an
 * older natter stored with their text, in the table and in the FTS index. */
static void test_migrate_scrubs_retracted_text(void **state)
{
    fixture *f = *state;
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, own, 2, &err));
    exec_ok(db, "INSERT INTO messages (peer, sender, sender_bare, body, ts, retracted, "
                "original_body) VALUES ('alice@example.org', 'alice@example.org', "
                "'alice@example.org', 'secretword', 1, 1, 'secretword')");
    sqlite3_close(db);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages WHERE body = '' AND "
                                    "original_body IS NULL AND retracted = 1"),
                     1);
    assert_int_equal(
        sql_int(f->db, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'secretword'"),
        0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM pending_edits"), 0);
}

/* Version 7 folds the two message-id indexes into one: a version 6
 * database keeps its rows and row ids, and its ids are still found (a
 * duplicate by id, in its conversation only) and its text searched. */
static void test_migrate_v6_one_id_index(void **state)
{
    fixture *f = *state;
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, own, 6, &err));
    exec_ok(db, "INSERT INTO messages (id, peer, sender, sender_bare, body, ts, msg_id) VALUES "
                "(40, 'alice@example.org', 'alice@example.org/a', 'alice@example.org', "
                "'first kettle', 1000, 'M1'),"
                "(41, 'bob@example.org', 'bob@example.org/b', 'bob@example.org', "
                "'second kettle', 1001, 'M1')");
    sqlite3_close(db);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                    "AND name IN ('messages_msg_id', 'messages_msg_id_any')"),
                     0);
    assert_int_equal(sql_int(f->db, "SELECT id FROM messages WHERE peer = (SELECT peer_key"
                                    " FROM peers WHERE jid = 'bob@example.org')"),
                     41);
    store_msg *m = mk(ALICE, ALICE "/a", "first kettle", 1000, NULL, NULL, NULL, "M1");
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
    assert_int_equal(m->rowid, 40);
    store_msg_free(m);
    add_expect(mk("carol@example.org", "carol@example.org/c", "x", 1000, NULL, NULL, NULL, "M1"),
               STORE_ADDED);
    GPtrArray *hits = store_search("kettle", NULL, 10, &err);
    assert_non_null(hits);
    assert_int_equal(hits->len, 2);
    g_ptr_array_unref(hits);
}

/* Re-opening a v1 database runs no step and keeps everything. */
static void test_reopen_v1(void **state)
{
    fixture *f = *state;
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    add_plain(ALICE, "one", T0);
    add_plain(ALICE, "two", T0 + 1);
    assert_true(store_set_state("mam-last", "abc"));
    store_close();
    assert_false(store_is_open());
    assert_true(store_open_path(f->db, &err));
    assert_null(err);
    assert_int_equal(store_count(), 2);
    char *v = store_get_state("mam-last");
    assert_string_equal(v, "abc");
    g_free(v);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "one|two");
    g_ptr_array_unref(p);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
}

/* The runner applies only the steps a database lacks: a version 2 step
 * slots in after version 1. */
static void test_migration_steps(void **state)
{
    fixture *f = *state;
    static const store_migration steps[] = {
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (2, 'two');"},
    };
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, steps, 1, &err));
    exec_ok(db, "INSERT INTO a VALUES (1)");
    sqlite3_close(db);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 1);

    db = raw_open(f->db);
    assert_true(store_schema_migrate(db, steps, 2, &err));
    assert_true(store_schema_migrate(db, steps, 2, &err)); /* again: nothing to do */
    sqlite3_close(db);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 2);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM a"), 2);
    assert_int_equal(sql_int(f->db, "SELECT x FROM a WHERE y = 'two'"), 2);

    /* natter's own list starts at version 1 and ends at the current one. */
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    assert_int_equal(n, STORE_SCHEMA_VERSION);
    for (int i = 0; i < n; i++)
        assert_int_equal(own[i].to, i + 1);
}

/* A failing step leaves the database as it was. */
static void test_migration_failure_rolls_back(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f->db);
    exec_ok(db, "CREATE TABLE messages (whatever TEXT)");
    sqlite3_close(db);
    char *err = NULL;
    assert_false(store_open_path(f->db, &err));
    char *expected = g_strdup_printf("history database %s: cannot upgrade the schema to version "
                                     "1 (table messages already exists): messages are kept in "
                                     "memory",
                                     f->db);
    assert_string_equal(err, expected);
    g_free(expected);
    g_free(err);
    assert_false(store_is_open());
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE name = 'state'"), 0);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    int future = STORE_SCHEMA_VERSION + 1;
    sqlite3 *db = raw_open(f->db);
    char *sql = g_strdup_printf("CREATE TABLE future (x); PRAGMA user_version = %d;", future);
    exec_ok(db, sql);
    g_free(sql);
    sqlite3_close(db);
    char *err = NULL;
    assert_false(store_open_path(f->db, &err));
    char *expected = g_strdup_printf("history database %s: it was written by a newer natter "
                                     "(schema version %d, this natter knows %d) and is left "
                                     "untouched: messages are kept in memory",
                                     f->db, future, STORE_SCHEMA_VERSION);
    assert_string_equal(err, expected);
    g_free(expected);
    g_free(err);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), future);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE name = 'messages'"),
                     0);
}

/* Every lookup uses an index: no statement scans the messages table. */
static void test_query_plans_use_indexes(void **state)
{
    sqlite3 *db = store_db();
    for (int id = 0; id < ST__COUNT; id++) {
        if (id == ST_BEGIN || id == ST_COMMIT)
            continue;
        char *sql = g_strdup_printf("EXPLAIN QUERY PLAN %s", store_stmt_sql(id));
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("statement %d: %s", id, sqlite3_errmsg(db));
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 3);
            bool full_scan =
                (g_str_has_prefix(d, "SCAN messages") || g_str_has_prefix(d, "SCAN m ")) &&
                !strstr(d, "INDEX");
            /* Export of everything reads the whole table through the
             * (peer, ts) index; count(*) scans the smallest index. */
            if (full_scan || (strstr(d, "TEMP B-TREE") && id != ST_PEERS))
                fail_msg("statement %d (%s): %s", id, store_stmt_sql(id), d);
        }
        sqlite3_finalize(st);
        g_free(sql);
    }
    /* The lookups that matter use the index made for them. */
#define BY_MSGID "SEARCH messages USING INDEX messages_by_msg_id (msg_id=?)"
#define BY_ORIGIN "SEARCH messages USING INDEX messages_origin_id (peer=? AND origin_id=?)"
    static const struct {
        store_stmt_id id;
        const char *plan; /* every line of the plan, joined by '|' */
    } expect[] = {
        /* the account, once per statement (a stanza-id it gave, in short) */
        {ST_DUP_STANZA, "SEARCH messages USING INDEX messages_stanza_id (stanza_id=?)"},
        {ST_DUP_ORIGIN, "COMPOUND QUERY|LEFT-MOST SUBQUERY|" BY_ORIGIN "|UNION ALL|" BY_MSGID},
        {ST_DUP_MSGID, BY_MSGID},
        {ST_FIND_MSGID, BY_MSGID},
        {ST_FIND_ORIGIN, "MERGE (UNION ALL)|LEFT|" BY_ORIGIN "|RIGHT|" BY_MSGID},
        {ST_ANY_ORIGIN, "COMPOUND QUERY|LEFT-MOST SUBQUERY|" BY_ORIGIN "|UNION ALL|" BY_MSGID},
        {ST_DELIVERED_MSGID, BY_MSGID},
        {ST_DELIVERED_ORIGIN, BY_ORIGIN},
        {ST_PAGE_NEWEST, "SEARCH messages USING INDEX messages_peer_ts (peer=?)"},
        {ST_PAGE_BEFORE, "SEARCH messages USING INDEX messages_peer_ts (peer=? AND ts<?)"},
        {ST_PAGE_AFTER, "SEARCH messages USING INDEX messages_peer_ts (peer=? AND ts>?)"},
        {ST_CURSOR, "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)"},
        {ST_SEARCH_ALL,
         "SCAN f VIRTUAL TABLE INDEX 192:M1|SEARCH m USING INTEGER PRIMARY KEY (rowid=?)"},
        {ST_FTS_IDS, "SCAN messages_fts VIRTUAL TABLE INDEX 192:M1"},
        {ST_ROW_PEER, "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)"},
        {ST_PEER_IDS, "SEARCH messages USING COVERING INDEX messages_peer_ts (peer=?)"},
        {ST_LAST_OWN, "SEARCH messages USING INDEX messages_peer_ts (peer=?)"},
        {ST_LAST_BY, "SEARCH messages USING INDEX messages_peer_ts (peer=?)"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
        char *sql = g_strdup_printf("EXPLAIN QUERY PLAN %s", store_stmt_sql(expect[i].id));
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        GString *plan = g_string_new(NULL);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 3);
            /* a conversation's number, its JID, the account: lookups by
             * key, left out */
            if (g_str_has_prefix(d, "SCALAR SUBQUERY ") ||
                g_str_has_prefix(d, "CORRELATED SCALAR SUBQUERY ") ||
                strcmp(d, "SEARCH peers USING COVERING INDEX sqlite_autoindex_peers_1 (jid=?)") ==
                    0 ||
                strcmp(d, "SEARCH peers USING INTEGER PRIMARY KEY (rowid=?)") == 0 ||
                strcmp(d, "SEARCH state USING PRIMARY KEY (key=?)") == 0)
                continue;
            if (plan->len)
                g_string_append_c(plan, '|');
            g_string_append(plan, d);
        }
        if (strcmp(plan->str, expect[i].plan) != 0)
            fail_msg("statement %d: plan '%s', expected '%s'", expect[i].id, plan->str,
                     expect[i].plan);
        g_string_free(plan, TRUE);
        sqlite3_finalize(st);
        g_free(sql);
    }
    /* Statements are prepared once and reused. */
    sqlite3_stmt *a = store_stmt(ST_INSERT, NULL);
    assert_ptr_equal(store_stmt(ST_INSERT, NULL), a);
}

/* ---- dedup ---- */

static void test_dedup_stanza_id(void **state)
{
    int64_t id = add_expect(mk(ALICE, ALICE "/a", "one", T0, "S1", ME, NULL, NULL), STORE_ADDED);
    store_msg *m = mk(ALICE, ALICE "/b", "one again", T0 + 999999, "S1", ME, "other", "other");
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
    assert_int_equal(m->rowid, id);
    store_msg_free(m);
    /* same stanza-id from another 'by' is another message */
    add_expect(mk(ALICE, ALICE "/a", "by room", T0, "S1", "room@muc.example.org", NULL, NULL),
               STORE_ADDED);
    /* a stanza-id without 'by' is not a dedup key */
    add_expect(mk(ALICE, ALICE "/a", "no by", T0, "S1", NULL, NULL, NULL), STORE_ADDED);
    add_expect(mk(ALICE, ALICE "/a", "no by", T0, "S1", NULL, NULL, NULL), STORE_ADDED);
    assert_int_equal(store_count(), 4);
}

static void test_dedup_origin_id(void **state)
{
    int64_t id = add_expect(mk(ALICE, ALICE "/a", "o", T0, NULL, NULL, "O1", NULL), STORE_ADDED);
    /* other resource of the same sender, much later: still the same */
    store_msg *m = mk(ALICE, ALICE "/b", "o", T0 + 86400000, NULL, NULL, "O1", NULL);
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
    assert_int_equal(m->rowid, id);
    store_msg_free(m);
    /* another sender, or another conversation: not a duplicate */
    add_expect(mk(ALICE, "mallory@evil.example/x", "o", T0, NULL, NULL, "O1", NULL), STORE_ADDED);
    add_expect(mk(BOB, ALICE "/a", "o", T0, NULL, NULL, "O1", NULL), STORE_ADDED);
    assert_int_equal(store_count(), 3);
}

/* Origin-ids equal to the id and different from it are both found (they
 * live in different indexes). */
static void test_origin_id_forms(void **state)
{
    int64_t same = add_expect(mk(ALICE, ME "/n", "same", T0, NULL, NULL, "X1", "X1"), STORE_ADDED);
    int64_t diff =
        add_expect(mk(ALICE, ME "/n", "diff", T0 + 1, NULL, NULL, "X2", "Y2"), STORE_ADDED);
    int64_t noid =
        add_expect(mk(ALICE, ME "/n", "noid", T0 + 2, NULL, NULL, "X3", NULL), STORE_ADDED);
    int64_t expect_ids[3] = {same, diff, noid};
    const char *origins[3] = {"X1", "X2", "X3"};
    for (int i = 0; i < 3; i++) {
        store_msg *m = mk(ALICE, ME "/other", "dup", T0 + 86400000, NULL, NULL, origins[i], NULL);
        assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
        assert_int_equal(m->rowid, expect_ids[i]);
        store_msg_free(m);
        assert_int_equal(store_retract(ALICE, ME, origins[i]), expect_ids[i]);
        assert_int_equal(store_retract(ALICE, BOB, origins[i]), -1);
    }
    store_msg *m = mk(ALICE, ME "/n", "out", T0 + 3, NULL, NULL, "X4", "Y4");
    m->receipt = STORE_RECEIPT_PENDING;
    add_expect(m, STORE_ADDED);
    assert_true(store_mark_delivered(ALICE, "X4"));
    assert_false(store_mark_delivered(ALICE, "Y4"));
    assert_int_equal(store_count(), 4);
}

static void test_dedup_msg_id_window(void **state)
{
    int64_t id = add_expect(mk(ALICE, ALICE "/a", "m", T0, NULL, NULL, NULL, "M1"), STORE_ADDED);
    store_msg *m = mk(ALICE, ALICE "/b", "m", T0 + 300000, NULL, NULL, NULL, "M1");
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE); /* exactly 5 minutes later */
    assert_int_equal(m->rowid, id);
    store_msg_free(m);
    m = mk(ALICE, ALICE "/b", "m", T0 - 300000, NULL, NULL, NULL, "M1");
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE); /* 5 minutes earlier */
    store_msg_free(m);
    add_expect(mk(ALICE, ALICE "/a", "m", T0 + 300001, NULL, NULL, NULL, "M1"), STORE_ADDED);
    add_expect(mk(ALICE, "carol@example.org/a", "m", T0, NULL, NULL, NULL, "M1"), STORE_ADDED);
    add_expect(mk(BOB, ALICE "/a", "m", T0, NULL, NULL, NULL, "M1"), STORE_ADDED);
    assert_int_equal(store_count(), 4);
}

static void test_dedup_no_ids_never(void **state)
{
    add_expect(mk(ALICE, ALICE "/a", "same", T0, NULL, NULL, NULL, NULL), STORE_ADDED);
    add_expect(mk(ALICE, ALICE "/a", "same", T0, NULL, NULL, NULL, NULL), STORE_ADDED);
    assert_int_equal(store_count(), 2);
}

/* Our own message stored live (origin-id) comes back from MAM with a
 * stanza-id: a duplicate, and the row learns the stanza-id. */
static void test_dedup_learns_stanza_id(void **state)
{
    fixture *f = *state;
    int64_t id =
        add_expect(mk(ALICE, ME "/natter", "mine", T0, NULL, NULL, "O9", "O9"), STORE_ADDED);
    store_msg *m = mk(ALICE, ME "/natter", "mine", T0 + 10, "A77", ME, "O9", "O9");
    m->from_archive = true;
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
    assert_int_equal(m->rowid, id);
    store_msg_free(m);
    store_close();
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages WHERE stanza_id = 'A77' "
                                    "AND stanza_id_by = '" ME "'"),
                     1);
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    /* now the stanza-id alone identifies it */
    m = mk(ALICE, ME "/natter", "mine", T0 + 86400000, "A77", ME, NULL, NULL);
    assert_int_equal(store_add(m, NULL), STORE_DUPLICATE);
    assert_int_equal(m->rowid, id);
    store_msg_free(m);
}

static void test_batch(void **state)
{
    store_msg *msgs[4] = {
        mk(ALICE, ALICE "/a", "b1", T0, "S1", ME, NULL, NULL),
        mk(ALICE, ALICE "/a", "b2", T0 + 1, "S2", ME, NULL, NULL),
        mk(ALICE, ALICE "/a", "b1 again", T0, "S1", ME, NULL, NULL), /* dup within the batch */
        mk(BOB, BOB "/a", "b3", T0 + 2, "S3", ME, NULL, NULL),
    };
    store_add_result res[4];
    char *err = NULL;
    assert_true(store_add_batch(msgs, 4, res, &err));
    assert_null(err);
    assert_int_equal(res[0], STORE_ADDED);
    assert_int_equal(res[1], STORE_ADDED);
    assert_int_equal(res[2], STORE_DUPLICATE);
    assert_int_equal(res[3], STORE_ADDED);
    assert_int_equal(msgs[2]->rowid, msgs[0]->rowid);
    assert_int_equal(msgs[1]->rowid, msgs[0]->rowid + 1);
    assert_int_equal(store_count(), 3);
    for (int i = 0; i < 4; i++)
        store_msg_free(msgs[i]);
}

/* A loop pass's batch that grows large commits as it goes: what another
 * connection sees grows before the batch ends, and nothing is lost or
 * doubled (the copies kept for a rollback stay bounded). */
static void test_batch_commits_as_it_grows(void **state)
{
    fixture *f = *state;
    store_batch_begin();
    for (int i = 0; i < 600; i++) {
        char body[16];
        g_snprintf(body, sizeof body, "m%d", i);
        add_expect(mk(ALICE, ALICE "/a", body, T0 + i, NULL, NULL, NULL, NULL), STORE_ADDED);
    }
    int64_t seen = sql_int(f->db, "SELECT count(*) FROM messages");
    assert_true(seen >= 512 && seen < 600);
    char *err = NULL;
    assert_true(store_batch_end(&err));
    assert_null(err);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages"), 600);
    assert_int_equal(store_count(), 600);
}

/* ---- reading ---- */

static void test_page(void **state)
{
    int64_t ids[120];
    for (int i = 0; i < 120; i++) {
        char body[16];
        g_snprintf(body, sizeof body, "a%d", i);
        ids[i] = add_plain(ALICE, body, T0 + i * 1000);
        add_plain(BOB, "b", T0 + i * 1000);
    }
    GPtrArray *p = store_page(ALICE, 0, 50);
    assert_int_equal(p->len, 50);
    assert_string_equal(((store_msg *)p->pdata[0])->body, "a70");
    assert_string_equal(((store_msg *)p->pdata[49])->body, "a119");
    assert_int_equal(((store_msg *)p->pdata[49])->rowid, ids[119]);
    int64_t first = ((store_msg *)p->pdata[0])->rowid;
    g_ptr_array_unref(p);

    p = store_page(ALICE, first, 50);
    assert_int_equal(p->len, 50);
    assert_string_equal(((store_msg *)p->pdata[0])->body, "a20");
    assert_string_equal(((store_msg *)p->pdata[49])->body, "a69");
    first = ((store_msg *)p->pdata[0])->rowid;
    g_ptr_array_unref(p);

    p = store_page(ALICE, first, 50);
    assert_int_equal(p->len, 20);
    assert_string_equal(((store_msg *)p->pdata[0])->body, "a0");
    first = ((store_msg *)p->pdata[0])->rowid;
    g_ptr_array_unref(p);

    p = store_page(ALICE, first, 50);
    assert_int_equal(p->len, 0);
    g_ptr_array_unref(p);

    /* a rowid of another conversation is no cursor here */
    p = store_page(BOB, ids[5], 50);
    assert_int_equal(p->len, 0);
    g_ptr_array_unref(p);
}

/* Time order: a delayed message lands at its time; equal times keep the
 * order of arrival, and paging does not skip or repeat them. */
static void test_page_time_order(void **state)
{
    add_plain(ALICE, "t10", T0 + 10);
    add_plain(ALICE, "t30", T0 + 30);
    add_plain(ALICE, "t20 delayed", T0 + 20);
    add_plain(ALICE, "t30 second", T0 + 30);
    add_plain(ALICE, "t30 third", T0 + 30);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "t10|t20 delayed|t30|t30 second|t30 third");
    g_ptr_array_unref(p);
    p = store_page(ALICE, 0, 2);
    assert_bodies(p, "t30 second|t30 third");
    int64_t cur = ((store_msg *)p->pdata[0])->rowid;
    g_ptr_array_unref(p);
    p = store_page(ALICE, cur, 2);
    assert_bodies(p, "t20 delayed|t30");
    cur = ((store_msg *)p->pdata[0])->rowid;
    g_ptr_array_unref(p);
    p = store_page(ALICE, cur, 2);
    assert_bodies(p, "t10");
    g_ptr_array_unref(p);
}

/* A stamp without a fraction goes after what is stored from its second
 * (a live message timed to the millisecond), never before it. */
static void test_place_in_second(void **state)
{
    assert_int_equal(store_place_in_second(ALICE, T0), T0);
    add_plain(ALICE, "live at .250", T0 + 250);
    add_plain(ALICE, "next second", T0 + 1000);
    add_plain(BOB, "other chat", T0 + 900);
    assert_int_equal(store_place_in_second(ALICE, T0), T0 + 250);
    assert_int_equal(store_place_in_second(ALICE, T0 + 1000), T0 + 1000);
    assert_int_equal(store_place_in_second(BOB, T0), T0 + 900);
    add_plain(ALICE, "archived, same second", store_place_in_second(ALICE, T0));
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "live at .250|archived, same second|next second");
    g_ptr_array_unref(p);
}

/* ---- edits that come before their message ---- */

static int64_t fts_hits(const char *word)
{
    char *sql =
        g_strdup_printf("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '%s'", word);
    int64_t n = sql_int(store_db_path(), sql);
    g_free(sql);
    return n;
}

static void test_retraction_before_its_message(void **state)
{
    assert_true(store_edit_wait(ALICE, ALICE, "m1", true, NULL, T0 + 9, 0));
    int64_t row = add_expect(mk(ALICE, ALICE "/phone", "secretword", T0, NULL, NULL, NULL, "m1"),
                             STORE_ADDED);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_int_equal(p->len, 1);
    store_msg *m = g_ptr_array_index(p, 0);
    assert_int_equal(m->rowid, row);
    assert_true(m->retracted);
    assert_string_equal(m->body, "");
    assert_null(m->original_body);
    g_ptr_array_unref(p);
    assert_int_equal(fts_hits("secretword"), 0);
    assert_int_equal(sql_int(store_db_path(), "SELECT count(*) FROM pending_edits"), 0);
    /* a later copy (carbon, archive) is a duplicate and changes nothing */
    add_expect(mk(ALICE, ALICE "/phone", "secretword", T0, NULL, NULL, NULL, "m1"),
               STORE_DUPLICATE);
    assert_int_equal(fts_hits("secretword"), 0);
}

static void test_correction_before_its_message(void **state)
{
    /* the correction is shown on its own meanwhile (its stand-in row) */
    store_msg *c = mk(ALICE, ALICE "/phone", "fixed", T0 + 5, NULL, NULL, NULL, "c1");
    c->corrected = true;
    int64_t standin = add_expect(c, STORE_ADDED);
    assert_true(store_edit_wait(ALICE, ALICE, "m2", false, "fixed", T0 + 5, standin));
    assert_true(store_edit_wait(ALICE, ALICE, "m2", false, "fixed twice", T0 + 7, 0));
    assert_true(store_edit_wait(ALICE, ALICE, "m2", false, "older fix", T0 + 6, 0));
    add_expect(mk(ALICE, ALICE "/phone", "typo", T0, NULL, NULL, NULL, "m2"), STORE_ADDED);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "fixed twice");
    store_msg *m = g_ptr_array_index(p, 0);
    assert_true(m->corrected);
    assert_string_equal(m->original_body, "typo");
    g_ptr_array_unref(p);
}

static void test_correction_then_retraction_before_the_message(void **state)
{
    store_msg *c = mk(ALICE, ALICE "/phone", "fixedword", T0 + 5, NULL, NULL, NULL, "c1");
    c->corrected = true;
    int64_t standin = add_expect(c, STORE_ADDED);
    assert_true(store_edit_wait(ALICE, ALICE, "m3", false, "fixedword", T0 + 5, standin));
    assert_true(store_edit_wait(ALICE, ALICE, "m3", true, NULL, T0 + 8, 0));
    /* the stand-in loses its text at once; a later correction is dropped */
    assert_int_equal(fts_hits("fixedword"), 0);
    assert_true(store_edit_retracted(ALICE, ALICE, "m3"));
    assert_false(store_edit_wait(ALICE, ALICE, "m3", false, "again", T0 + 9, 0));
    add_expect(mk(ALICE, ALICE "/phone", "typoword", T0, NULL, NULL, "m3", "m3"), STORE_ADDED);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_int_equal(p->len, 1); /* the stand-in is gone */
    assert_true(((store_msg *)g_ptr_array_index(p, 0))->retracted);
    g_ptr_array_unref(p);
    assert_int_equal(fts_hits("typoword"), 0);
    assert_int_equal(fts_hits("fixedword"), 0);
    assert_int_equal(sql_int(store_db_path(), "SELECT count(*) FROM pending_edits"), 0);
}

static void test_waiting_edit_of_someone_else(void **state)
{
    /* bob cannot retract alice's message in advance, nor a room member
     * another's; only the room itself removes by its own stanza-id */
    assert_true(store_edit_wait(ALICE, BOB, "m4", true, NULL, T0, 0));
    add_expect(mk(ALICE, ALICE "/phone", "still here", T0, NULL, NULL, NULL, "m4"), STORE_ADDED);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_bodies(p, "still here");
    g_ptr_array_unref(p);

    const char *room = "room@muc.example.org";
    assert_true(store_edit_wait(room, NULL, "sid-1", true, NULL, T0, 0));
    assert_true(store_edit_wait(room, NULL, "sid-2", true, NULL, T0, 0));
    add_expect(mk(room, "room@muc.example.org/carol", "moderated", T0, "sid-1", room, NULL, NULL),
               STORE_ADDED);
    /* the same id stamped by someone else than the room is not the room's */
    add_expect(mk(room, "room@muc.example.org/dave", "kept", T0 + 1, "sid-2", "evil@example.org",
                  NULL, NULL),
               STORE_ADDED);
    p = store_page(room, 0, 10);
    assert_bodies(p, "|kept");
    g_ptr_array_unref(p);
}

static void test_context(void **state)
{
    int64_t ids[10];
    for (int i = 0; i < 10; i++) {
        char body[8];
        g_snprintf(body, sizeof body, "c%d", i);
        ids[i] = add_plain(ALICE, body, T0 + i);
        add_plain(BOB, "other", T0 + i);
    }
    GPtrArray *c = store_context(ALICE, ids[5], 2);
    assert_bodies(c, "c3|c4|c5|c6|c7");
    g_ptr_array_unref(c);
    c = store_context(ALICE, ids[0], 3);
    assert_bodies(c, "c0|c1|c2|c3");
    g_ptr_array_unref(c);
    c = store_context(ALICE, ids[9], 0);
    assert_bodies(c, "c9");
    g_ptr_array_unref(c);
    c = store_context(BOB, ids[9], 2);
    assert_int_equal(c->len, 0);
    g_ptr_array_unref(c);
}

static void test_peers_and_state(void **state)
{
    add_plain(ALICE, "x", T0 + 5);
    add_plain(BOB, "y", T0 + 9);
    add_plain("carol@example.org", "z", T0 + 1);
    add_plain(ALICE, "x2", T0 + 7);
    GPtrArray *p = store_peers();
    assert_int_equal(p->len, 3);
    assert_string_equal(p->pdata[0], BOB);
    assert_string_equal(p->pdata[1], ALICE);
    assert_string_equal(p->pdata[2], "carol@example.org");
    g_ptr_array_unref(p);

    assert_null(store_get_state("k"));
    assert_true(store_set_state("k", "v1"));
    assert_true(store_set_state("k", "v2"));
    char *v = store_get_state("k");
    assert_string_equal(v, "v2");
    g_free(v);
    assert_true(store_set_state("k", NULL));
    assert_null(store_get_state("k"));
}

/* ---- receipts, corrections, retractions ---- */

static void test_mark_delivered(void **state)
{
    store_msg *m = mk(ALICE, ME "/natter", "out", T0, NULL, NULL, "OR1", "ID1");
    m->receipt = STORE_RECEIPT_PENDING;
    int64_t out1 = add_expect(m, STORE_ADDED);
    m = mk(ALICE, ME "/natter", "out2", T0 + 1, NULL, NULL, "OR2", "ID2");
    m->receipt = STORE_RECEIPT_PENDING;
    int64_t out2 = add_expect(m, STORE_ADDED);
    add_expect(mk(ALICE, ALICE "/a", "in", T0 + 2, NULL, NULL, NULL, "ID3"), STORE_ADDED);

    assert_true(store_mark_delivered(ALICE, "ID1"));
    assert_false(store_mark_delivered(ALICE, "ID1")); /* already */
    assert_true(store_mark_delivered(ALICE, "OR2"));  /* by origin-id */
    assert_false(store_mark_delivered(ALICE, "ID3")); /* incoming: not ours */
    assert_false(store_mark_delivered(BOB, "ID1"));   /* other conversation */
    GPtrArray *c = store_context(ALICE, out1, 0);
    assert_int_equal(((store_msg *)c->pdata[0])->receipt, STORE_RECEIPT_DELIVERED);
    g_ptr_array_unref(c);
    c = store_context(ALICE, out2, 0);
    assert_int_equal(((store_msg *)c->pdata[0])->receipt, STORE_RECEIPT_DELIVERED);
    g_ptr_array_unref(c);
}

static void test_correct(void **state)
{
    int64_t id =
        add_expect(mk(ALICE, ALICE "/a", "helo wrold", T0, NULL, NULL, "O1", "M1"), STORE_ADDED);
    assert_int_equal(store_correct(ALICE, ALICE, "M1", "hello wrold"), id);
    assert_int_equal(store_correct(ALICE, ALICE, "O1", "hello world"), id); /* by origin-id */
    GPtrArray *c = store_context(ALICE, id, 0);
    store_msg *m = c->pdata[0];
    assert_string_equal(m->body, "hello world");
    assert_string_equal(m->original_body, "helo wrold");
    assert_true(m->corrected);
    g_ptr_array_unref(c);

    /* someone else cannot correct it; unknown ids are 0 */
    assert_int_equal(store_correct(ALICE, "mallory@evil.example", "M1", "pwned"), -1);
    assert_int_equal(store_correct(ALICE, ALICE, "nope", "x"), 0);
    assert_int_equal(store_correct(BOB, ALICE, "M1", "x"), 0);

    /* the index follows the body */
    char *err = NULL;
    GPtrArray *r = store_search("world", NULL, 10, &err);
    assert_int_equal(r->len, 1);
    g_ptr_array_unref(r);
    r = store_search("wrold", NULL, 10, &err);
    assert_int_equal(r->len, 0);
    g_ptr_array_unref(r);
    r = store_search("pwned", NULL, 10, &err);
    assert_int_equal(r->len, 0);
    g_ptr_array_unref(r);
}

static void test_retract(void **state)
{
    int64_t id =
        add_expect(mk(ALICE, ALICE "/a", "secret plan", T0, NULL, NULL, "O1", "M1"), STORE_ADDED);
    assert_int_equal(store_retract(ALICE, "mallory@evil.example", "O1"), -1);
    assert_int_equal(store_retract(ALICE, ALICE, "O1"), id);
    GPtrArray *c = store_context(ALICE, id, 0);
    store_msg *m = c->pdata[0];
    assert_string_equal(m->body, "");
    assert_null(m->original_body); /* its text is not kept */
    assert_true(m->retracted);
    g_ptr_array_unref(c);
    /* a correction does not bring it back */
    assert_int_equal(store_correct(ALICE, ALICE, "M1", "secret plan v2"), id);
    c = store_context(ALICE, id, 0);
    assert_string_equal(((store_msg *)c->pdata[0])->body, "");
    g_ptr_array_unref(c);
    char *err = NULL;
    GPtrArray *r = store_search("secret", NULL, 10, &err);
    assert_int_equal(r->len, 0);
    g_ptr_array_unref(r);
    assert_int_equal(store_retract(ALICE, ALICE, "unknown"), 0);
}

/* Rooms: the author is the occupant (its occupant id), not the room; the
 * room's stanza-id (by the room) dedups; moderation finds the message by
 * the room's id. */
static void test_room_authors(void **state)
{
    const char *room = "lounge@conference.example";
    store_msg *a =
        mk(room, "lounge@conference.example/bob", "room hello", T0, "S1", room, NULL, "M1");
    a->author = g_strdup("lounge@conference.example#OCC-BOB");
    int64_t id = add_expect(a, STORE_ADDED);
    /* the same message again (discussion history and archive) */
    store_msg *b =
        mk(room, "lounge@conference.example/bob", "room hello", T0, "S1", room, NULL, "M1");
    b->author = g_strdup("lounge@conference.example#OCC-BOB");
    assert_int_equal(add_expect(b, STORE_DUPLICATE), id);
    /* without the room's id: the message id by the same author dedups */
    store_msg *c =
        mk(room, "lounge@conference.example/bob", "room hello", T0 + 1000, NULL, NULL, NULL, "M1");
    c->author = g_strdup("lounge@conference.example#OCC-BOB");
    assert_int_equal(add_expect(c, STORE_DUPLICATE), id);
    /* someone else who took the nick cannot correct it; bob can, under a new nick */
    assert_int_equal(store_correct(room, "lounge@conference.example#OCC-EVE", "M1", "x"), -1);
    assert_int_equal(store_correct(room, "lounge@conference.example#OCC-BOB", "M1", "fixed"), id);
    GPtrArray *ctx = store_context(room, id, 0);
    store_msg *m = ctx->pdata[0];
    assert_string_equal(m->body, "fixed");
    assert_string_equal(m->author, "lounge@conference.example#OCC-BOB");
    g_ptr_array_unref(ctx);
    /* moderation: by the room's stanza-id, only that room's */
    assert_int_equal(store_retract_stanza("other@conference.example", "S1", NULL), 0);
    assert_int_equal(store_retract_stanza(room, "nope", NULL), 0);
    /* the author's own retraction by the room's id: only the author */
    assert_int_equal(store_retract_stanza(room, "S1", "lounge@conference.example#OCC-EVE"), -1);
    assert_int_equal(store_retract_stanza(room, "S1", "lounge@conference.example#OCC-BOB"), id);
    assert_int_equal(store_retract_stanza(room, "S1", NULL), id);
    ctx = store_context(room, id, 0);
    assert_true(((store_msg *)ctx->pdata[0])->retracted);
    g_ptr_array_unref(ctx);
}

/* What /correct, /retract and /moderate act on: the newest message of the
 * user (or of an author) that is not retracted, whatever the screen shows. */
static void test_last_by(void **state)
{
    const char *room = "lounge@conference.example";
    assert_null(store_last_by(ALICE, NULL));
    add_expect(mk(ALICE, ME "/natter", "first", T0, NULL, NULL, "O1", "M1"), STORE_ADDED);
    add_expect(mk(ALICE, ME "/natter", "second", T0 + 1000, NULL, NULL, NULL, "M2"), STORE_ADDED);
    add_plain(ALICE, "alice answers", T0 + 2000);
    add_expect(mk(BOB, ME "/natter", "to bob", T0 + 3000, NULL, NULL, NULL, "M3"), STORE_ADDED);
    store_msg *m = store_last_by(ALICE, NULL);
    assert_non_null(m);
    assert_string_equal(m->body, "second");
    assert_string_equal(m->msg_id, "M2");
    store_msg_free(m);
    /* a retracted message is skipped: the one before it is the last */
    assert_true(store_retract(ALICE, ME, "M2") > 0);
    m = store_last_by(ALICE, NULL);
    assert_string_equal(m->origin_id, "O1");
    store_msg_free(m);
    /* by author: the contact's own newest */
    m = store_last_by(ALICE, ALICE);
    assert_string_equal(m->body, "alice answers");
    store_msg_free(m);
    assert_null(store_last_by(ALICE, "mallory@example.org"));
    /* rooms: by the occupant's author key, with the room's id */
    store_msg *r =
        mk(room, "lounge@conference.example/bob", "bob in the room", T0, "RS1", room, NULL, "R1");
    r->author = g_strdup("lounge@conference.example#OCC-BOB");
    add_expect(r, STORE_ADDED);
    m = store_last_by(room, "lounge@conference.example#OCC-BOB");
    assert_string_equal(m->stanza_id, "RS1");
    store_msg_free(m);
    assert_null(store_last_by(room, "lounge@conference.example#OCC-EVE"));
}

/* What was written offline stays queued, across a reopen, until sent. */
static void test_queued(void **state)
{
    fixture *f = *state;
    store_msg *m = mk(ALICE, ME, "written offline", T0, NULL, NULL, "Q1", "Q1");
    m->outgoing = true;
    m->queued = true;
    add_expect(m, STORE_ADDED);
    store_msg *sent = mk(ALICE, ME, "sent at once", T0 + 1, NULL, NULL, "S1", "S1");
    sent->outgoing = true;
    add_expect(sent, STORE_ADDED);
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    GPtrArray *q = store_queued();
    assert_bodies(q, "written offline");
    assert_true(((store_msg *)g_ptr_array_index(q, 0))->queued);
    g_ptr_array_unref(q);
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_true(((store_msg *)g_ptr_array_index(p, 0))->queued);
    assert_false(((store_msg *)g_ptr_array_index(p, 1))->queued);
    g_ptr_array_unref(p);
    assert_false(store_mark_sent(BOB, "Q1")); /* another conversation */
    assert_false(store_mark_sent(ALICE, "S1"));
    assert_true(store_mark_sent(ALICE, "Q1"));
    q = store_queued();
    assert_int_equal(q->len, 0);
    g_ptr_array_unref(q);
}

/* What the server confirmed of an outgoing message, and a resend, survive
 * a reopen; the first state of a new outgoing message is kept as given. */
static void test_server_ack(void **state)
{
    fixture *f = *state;
    store_msg *m = mk(ALICE, ME, "waiting", T0, NULL, NULL, "A1", "A1");
    m->outgoing = true;
    m->server_ack = STORE_ACK_PENDING;
    add_expect(m, STORE_ADDED);
    store_msg *r = mk(ALICE, ME, "lost and resent", T0 + 1, NULL, NULL, "A2", "A2");
    r->outgoing = true;
    r->server_ack = STORE_ACK_PENDING;
    add_expect(r, STORE_ADDED);
    assert_true(store_mark_server_ack(ALICE, "A2", true)); /* still pending */
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    GPtrArray *p = store_page(ALICE, 0, 10);
    store_msg *a = g_ptr_array_index(p, 0), *b = g_ptr_array_index(p, 1);
    assert_int_equal(a->server_ack, STORE_ACK_PENDING);
    assert_false(a->resent);
    assert_int_equal(b->server_ack, STORE_ACK_PENDING);
    assert_true(b->resent);
    g_ptr_array_unref(p);
    assert_false(store_mark_server_ack(BOB, "A1", false)); /* another conversation */
    assert_true(store_mark_server_ack(ALICE, "A1", false));
    assert_true(store_mark_server_ack(ALICE, "A2", false));
    p = store_page(ALICE, 0, 10);
    a = g_ptr_array_index(p, 0);
    b = g_ptr_array_index(p, 1);
    assert_int_equal(a->server_ack, STORE_ACK_DONE);
    assert_int_equal(b->server_ack, STORE_ACK_DONE);
    assert_true(b->resent); /* a resend stays told */
    g_ptr_array_unref(p);
}

/* A message whose sender asked for no styling (XEP-0393) is still shown
 * unstyled from history after a reopen; others are styled. */
static void test_unstyled_kept(void **state)
{
    fixture *f = *state;
    store_msg *m = mk(ALICE, ALICE, "*as written*", T0, NULL, NULL, "U1", "U1");
    m->unstyled = true;
    add_expect(m, STORE_ADDED);
    add_expect(mk(ALICE, ALICE, "*styled*", T0 + 1, NULL, NULL, "U2", "U2"), STORE_ADDED);
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_int_equal(p->len, 2);
    assert_true(((store_msg *)g_ptr_array_index(p, 0))->unstyled);
    assert_false(((store_msg *)g_ptr_array_index(p, 1))->unstyled);
    g_ptr_array_unref(p);
}

/* The sending OMEMO device and its trust when the message came are read
 * back (the '?' mark of a line after a restart comes from them). */
static void test_sender_trust_kept(void **state)
{
    fixture *f = *state;
    store_msg *m = mk(ALICE, ALICE, "from an untrusted device", T0, NULL, NULL, "E1", "E1");
    m->encryption = STORE_ENC_OMEMO;
    m->device = 4000000001u;
    m->trust = STORE_TRUST_UNTRUSTED;
    add_expect(m, STORE_ADDED);
    m = mk(ALICE, ALICE, "from a verified one", T0 + 1, NULL, NULL, "E2", "E2");
    m->encryption = STORE_ENC_OMEMO;
    m->device = 7;
    m->trust = STORE_TRUST_VERIFIED;
    add_expect(m, STORE_ADDED);
    add_expect(mk(ALICE, ALICE, "plain", T0 + 2, NULL, NULL, "E3", "E3"), STORE_ADDED);
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    GPtrArray *p = store_page(ALICE, 0, 10);
    assert_int_equal(p->len, 3);
    const store_msg *a = g_ptr_array_index(p, 0), *b = g_ptr_array_index(p, 1),
                    *c = g_ptr_array_index(p, 2);
    assert_int_equal(a->trust, STORE_TRUST_UNTRUSTED);
    assert_int_equal(a->device, 4000000001u);
    assert_int_equal(b->trust, STORE_TRUST_VERIFIED);
    assert_int_equal(c->trust, STORE_TRUST_NONE);
    assert_int_equal(c->device, 0);
    g_ptr_array_unref(p);
}

/* What was sent but never acknowledged is handed back at the next start,
 * like what was written offline; acknowledged messages are not. */
static void test_unacknowledged_come_back(void **state)
{
    fixture *f = *state;
    store_msg *q = mk(ALICE, ME, "written offline", T0, NULL, NULL, "Q1", "Q1");
    q->outgoing = true;
    q->queued = true;
    add_expect(q, STORE_ADDED);
    store_msg *u = mk(ALICE, ME, "never acknowledged", T0 + 1, NULL, NULL, "U1", "U1");
    u->outgoing = true;
    u->server_ack = STORE_ACK_PENDING;
    add_expect(u, STORE_ADDED);
    store_msg *a = mk(ALICE, ME, "acknowledged", T0 + 2, NULL, NULL, "A1", "A1");
    a->outgoing = true;
    a->server_ack = STORE_ACK_PENDING;
    add_expect(a, STORE_ADDED);
    assert_true(store_mark_server_ack(ALICE, "A1", false));
    GPtrArray *w = store_queued(); /* still waiting to be written */
    assert_bodies(w, "written offline|never acknowledged");
    g_ptr_array_unref(w);
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    w = store_queued();
    assert_bodies(w, "written offline|never acknowledged");
    g_ptr_array_unref(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_private_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v0_with_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_scrubs_retracted_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1_to_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v6_one_id_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_plans_use_indexes, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_stanza_id, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_origin_id, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_origin_id_forms, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_msg_id_window, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_no_ids_never, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_learns_stanza_id, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_batch_commits_as_it_grows, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_page, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_page_time_order, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_place_in_second, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_retraction_before_its_message, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_correction_before_its_message, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_correction_then_retraction_before_the_message,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_edit_of_someone_else, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_context, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_peers_and_state, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_mark_delivered, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_correct, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_retract, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_room_authors, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_last_by, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_queued, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_unstyled_kept, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_sender_trust_kept, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_server_ack, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_unacknowledged_come_back, setup_open, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

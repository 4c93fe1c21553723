/* test_store_short.c - unit tests for the short forms of message rows
 * (store/internal.h): rows written in short and rows written in full, as
 * before schema step 14, give the same answers to every reader; and a
 * version-13 database migrates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store/internal.h"
#include "store/react.h"
#include "store/readmarks.h"
#include "store/store.h"
#include "fixture.h"
#include "store_fixture.h"

#define ROOM "room@muc.example.org"
#define AUTHOR ROOM "#occupant1"
/* how many rows the index messages_origin_id holds (its condition) */
#define ORIGIN_ROWS "SELECT count(*) FROM messages WHERE origin_id IS NOT NULL AND " ORIGIN_OWN

/* The rows both databases hold: a one-to-one message whose origin-id is its
 * id and whose stanza-id our account gave, one of ours whose origin-id
 * differs, a message without ids, and a room's message stamped by the room. */
static void add_rows(void)
{
    store_msg *first = mk(BOB, BOB "/phone", "hello there", T0, "s1", ME, "o1", "o1");
    first->received = T0; /* live: received when it was sent */
    add_expect(first, STORE_ADDED);
    store_msg *m = mk(BOB, ME "/natter", "mine", T0 + 1, "s2", ME, "o2", "m2");
    m->receipt = STORE_RECEIPT_PENDING;
    add_expect(m, STORE_ADDED);
    add_expect(mk(BOB, BOB, "bare sender", T0 + 2, NULL, NULL, NULL, "m3"), STORE_ADDED);
    m = mk(ROOM, ROOM "/nick", "room hello", T0 + 3, "rs1", ROOM, "ro1", "rm1");
    m->author = g_strdup(AUTHOR);
    add_expect(m, STORE_ADDED);
    /* no stanza-id yet: learnt from a copy later */
    m = mk(BOB, BOB "/phone", "late", T0 + 4, NULL, NULL, "o4", "o4");
    m->received = T0 + 60000; /* from the archive, a minute later */
    add_expect(m, STORE_ADDED);
}

#define ROW_PEER PEER_JID("peer")
/* Rewrite every short form of the database at PATH in full, as a natter
 * before step 14 wrote it. */
static void write_out_in_full(const char *path)
{
    sqlite3 *db = raw_open(path);
    exec_ok(db, "UPDATE messages SET"
                " sender = CASE typeof(sender) WHEN 'blob' THEN " ROW_PEER " || sender"
                "  ELSE sender END,"
                " sender_bare = CASE typeof(sender_bare) WHEN 'blob' THEN " ROW_PEER
                "  || sender_bare ELSE sender_bare END,"
                " stanza_id_by = CASE WHEN stanza_id_by = X'' THEN " ROW_PEER
                "  WHEN stanza_id_by = X'00' THEN " STORE_ACCOUNT_SQL " ELSE stanza_id_by END,"
                " origin_id = CASE WHEN origin_id = X'' THEN msg_id ELSE origin_id END,"
                " received = CASE WHEN received = X'' THEN ts ELSE received END");
    sqlite3_close(db);
}

/* How many values of the database at PATH are in short. */
static int64_t short_count(const char *path)
{
    return sql_int(path, "SELECT sum((typeof(sender) = 'blob') + (typeof(sender_bare) = 'blob')"
                         " + (typeof(stanza_id_by) = 'blob') + (typeof(origin_id) = 'blob')"
                         " + (typeof(received) = 'blob'))"
                         " FROM messages");
}

static void append_msg(GString *s, const store_msg *m)
{
    if (!m) {
        g_string_append(s, "(none)\n");
        return;
    }
    g_string_append_printf(s, "%s|%s|%s|%s|%s|%s|%s|%s|c%d r%d rc%d\n", m->peer, m->sender,
                           m->author ? m->author : "-", m->body, m->stanza_id ? m->stanza_id : "-",
                           m->stanza_id_by ? m->stanza_id_by : "-",
                           m->origin_id ? m->origin_id : "-", m->msg_id ? m->msg_id : "-",
                           m->corrected, m->retracted, (int)m->receipt);
}

static void append_page(GString *s, const char *peer)
{
    GPtrArray *a = store_page(peer, 0, 50);
    assert_non_null(a);
    for (guint i = 0; i < a->len; i++)
        append_msg(s, a->pdata[i]);
    g_ptr_array_unref(a);
}

static void append_owned(GString *s, store_msg *m)
{
    append_msg(s, m);
    store_msg_free(m);
}

/* What every reader of the short-form columns answers, asked in the same
 * order of the store opened at PATH (for ME): dedup, the learnt stanza-id,
 * lookups by id, receipts, corrections, retractions, search and export. */
static char *answers(const char *dir)
{
    char *err = NULL;
    assert_true(store_open(dir, ME, &err));
    GString *s = g_string_new(NULL);
    append_page(s, BOB);
    append_page(s, ROOM);
    for (int64_t id = 1; id <= 5; id++)
        g_string_append_printf(s, "received %" PRId64 "\n", store_received_of(id));

    /* dedup: by stanza-id (ours, the room's), by origin-id, by id; then
     * not duplicates: another sender's id, another account's stanza-id */
    store_msg *dups[] = {
        mk(BOB, BOB "/phone", "hello there", T0, "s1", ME, NULL, NULL),
        mk(BOB, BOB "/tablet", "hello there", T0, NULL, NULL, "o1", NULL),
        mk(BOB, ME "/natter", "mine", T0 + 1, NULL, NULL, "o2", NULL),
        mk(BOB, BOB, "bare sender", T0 + 2, NULL, NULL, NULL, "m3"),
        mk(ROOM, ROOM "/other", "room hello", T0 + 3, "rs1", ROOM, NULL, NULL),
        mk(BOB, ALICE "/x", "x", T0 + 5, NULL, NULL, NULL, "m3"),
        mk(BOB, BOB "/phone", "y", T0 + 6, "s1", ALICE, NULL, NULL),
        /* the copy with a stanza-id teaches it to the stored row */
        mk(BOB, BOB "/phone", "late", T0 + 4, "s4", ME, "o4", "o4"),
    };
    g_string_append(s, "add");
    for (guint i = 0; i < G_N_ELEMENTS(dups); i++) {
        g_string_append_printf(s, " %d", (int)store_add(dups[i], NULL));
        store_msg_free(dups[i]);
    }
    g_string_append_c(s, '\n');

    append_owned(s, store_find_by_id(BOB, "o1", false));
    append_owned(s, store_find_by_id(BOB, "o2", false));
    append_owned(s, store_find_by_id(BOB, "m2", false));
    append_owned(s, store_find_by_id(ROOM, "rs1", true));
    append_owned(s, store_last_by(BOB, BOB));
    append_owned(s, store_last_by(BOB, ME));
    append_owned(s, store_last_by(ROOM, AUTHOR));

    bool d1 = store_mark_delivered(BOB, "o2");
    bool d2 = store_mark_delivered(BOB, "m2");
    g_string_append_printf(s, "delivered %d %d\n", d1, d2);
    /* corrections: only by the same bare sender, by id or origin-id */
    int64_t c1 = store_correct(BOB, ME, "o1", "forged");
    int64_t c2 = store_correct(BOB, BOB, "o1", "hello again");
    int64_t c3 = store_correct(BOB, ME, "o2", "mine, fixed");
    g_string_append_printf(s, "correct %d %d %d\n", c1 > 0 ? 1 : (int)c1, c2 > 0, c3 > 0);
    int64_t r1 = store_retract_stanza(ROOM, "rs1", ROOM "#someone-else");
    int64_t r2 = store_retract_stanza(ROOM, "rs1", AUTHOR);
    int64_t r3 = store_retract(BOB, BOB, "m3");
    g_string_append_printf(s, "retract %d %d %d\n", (int)r1, r2 > 0, r3 > 0);
    append_page(s, BOB);
    append_page(s, ROOM);

    GPtrArray *hits = store_search("hello", NULL, 10, &err);
    assert_non_null(hits);
    for (guint i = 0; i < hits->len; i++)
        append_msg(s, hits->pdata[i]);
    g_ptr_array_unref(hits);

    hits = store_search("hello", BOB, 10, &err);
    assert_non_null(hits);
    for (guint i = 0; i < hits->len; i++)
        append_msg(s, hits->pdata[i]);
    g_ptr_array_unref(hits);
    GPtrArray *peers = store_peers();
    for (guint i = 0; i < peers->len; i++)
        g_string_append_printf(s, "peer %s\n", (const char *)peers->pdata[i]);
    g_ptr_array_unref(peers);

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_true(store_export(NULL, STORE_EXPORT_JSON, out, &err));
    assert_true(store_export(BOB, STORE_EXPORT_TEXT, out, &err));
    fclose(out);
    g_string_append(s, buf);
    free(buf);
    store_close();
    return g_string_free(s, FALSE);
}

/* Rows in short and the same rows in full answer alike, and the short
 * forms are what is written. */
static void test_short_and_full_rows_answer_alike(void **state)
{
    fixture *f = *state;
    char *dirs[2], *paths[2];
    for (int i = 0; i < 2; i++) {
        dirs[i] = g_strdup_printf("%s/d%d", f->dir, i);
        paths[i] = g_build_filename(dirs[i], ME ".db", NULL);
        char *err = NULL;
        assert_true(store_open(dirs[i], ME, &err));
        add_rows();
        store_close();
    }
    /* sender x4 (3 of bob's, the room's), sender_bare x4, by x3
     * (ours x2, the room's), origin-id x2 (o1, o4), received x1 */
    assert_int_equal(short_count(paths[0]), 14);
    assert_int_equal(sql_int(paths[0], ORIGIN_ROWS), 2);
    assert_int_equal(sql_int(paths[0], "SELECT typeof(sender) = 'text' FROM messages"
                                       " WHERE msg_id = 'm2'"),
                     1);
    write_out_in_full(paths[1]);
    assert_int_equal(short_count(paths[1]), 0);

    char *a = answers(dirs[0]);
    char *b = answers(dirs[1]);
    assert_string_equal(a, b);
    /* and the answers are the right ones */
    assert_non_null(strstr(a, BOB "|" BOB "/phone|" BOB "|hello there|s1|" ME "|o1|o1|"));
    assert_non_null(strstr(a, ROOM "|" ROOM "/nick|" AUTHOR "|room hello|rs1|" ROOM "|ro1|rm1|"));
    assert_non_null(strstr(a, BOB "|" BOB "|" BOB "|bare sender|-|-|-|m3|"));
    assert_non_null(strstr(a, "|late|s4|" ME "|o4|o4|"));
    assert_non_null(strstr(a, "add 1 1 1 1 1 0 0 1\n"));
    assert_non_null(strstr(a, "received 1700000000000\nreceived 0\nreceived 0\nreceived 0\n"
                              "received 1700000060000\n"));
    assert_non_null(strstr(a, "delivered 1 0\n"));
    assert_non_null(strstr(a, "correct -1 1 1\n"));
    assert_non_null(strstr(a, "retract -1 1 1\n"));
    assert_non_null(strstr(a, "peer " BOB "\npeer " ROOM "\n"));
    assert_non_null(strstr(a, "\"sender\": \"" BOB "/phone\""));
    assert_non_null(strstr(a, "\"stanza_id_by\": \"" ME "\""));
    for (int i = 0; i < 2; i++) {
        g_free(dirs[i]);
        g_free(paths[i]);
    }
    g_free(a);
    g_free(b);
}

/* Without a known account (a file opened by path that never had one), the
 * account's stanza-ids are written out in full and still found. */
static void test_no_account_writes_in_full(void **state)
{
    fixture *f = *state;
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_null(store_account());
    add_expect(mk(BOB, BOB "/phone", "hi", T0, "s1", ME, NULL, "m1"), STORE_ADDED);
    add_expect(mk(BOB, BOB "/phone", "hi", T0, "s1", ME, NULL, NULL), STORE_DUPLICATE);
    store_close();
    assert_int_equal(sql_int(f->db, "SELECT stanza_id_by = '" ME "' FROM messages"), 1);
}

/* A version-13 database with rows in full, an origin-id of its own among
 * them, migrates to 14: the rows stay, read and are found as before, and
 * new rows beside them are written in short. */
/* An older natter's file is known as such before it is opened (natter
 * says it is converting it), and no longer once it is. */
static void test_needs_upgrade(void **state)
{
    fixture *f = *state;
    char *dir = g_path_get_dirname(f->db);
    char *path = g_build_filename(dir, ME ".db", NULL);
    sqlite3 *db = raw_open(path);
    int n = 0;
    const store_migration *steps = store_schema_steps(&n);
    char *err = NULL;
    assert_true(store_schema_migrate(db, steps, 13, &err));
    sqlite3_close(db);
    assert_true(store_needs_upgrade(dir, ME));
    assert_false(store_needs_upgrade(dir, "nobody@localhost")); /* no file */
    assert_true(store_open(dir, ME, &err));
    store_close();
    assert_false(store_needs_upgrade(dir, ME));
    g_unlink(path);
    g_free(path);
    g_free(dir);
}

static void test_migrate_v13(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f->db);
    int n = 0;
    const store_migration *steps = store_schema_steps(&n);
    char *err = NULL;
    assert_true(store_schema_migrate(db, steps, 13, &err));
    exec_ok(db, "INSERT INTO messages (peer, sender, sender_bare, outgoing, body, ts, stanza_id,"
                " stanza_id_by, origin_id, msg_id, receipt) VALUES"
                " ('" BOB "', '" ME "/natter', '" ME "', 1, 'old mine', 1, 's1', '" ME
                "', 'o1', 'm1', 1),"
                " ('" BOB "', '" BOB "/phone', '" BOB "', 0, 'old hello', 2, 's2', '" ME
                "', 'o2', 'o2', 0)");
    exec_ok(db, "INSERT INTO replies (id, target) VALUES (2, 'm1');"
                "INSERT INTO attachments (msg, url, name) VALUES (1, 'https://x/a.png', 'a.png')");
    sqlite3_close(db);

    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT group_concat(name) = 'messages_by_msg_id'"
                                    " FROM sqlite_schema WHERE name LIKE '%msg_id%'"),
                     1);
    assert_int_equal(sql_int(f->db, "SELECT sql LIKE '%typeof(origin_id)%' FROM sqlite_schema"
                                    " WHERE name = 'messages_origin_id'"),
                     1);
    assert_int_equal(sql_int(f->db, ORIGIN_ROWS), 1);
    /* the account is not known by path: found when natter opens it */
    store_close();
    char *dir = g_path_get_dirname(f->db);
    char *path = g_build_filename(dir, ME ".db", NULL);
    assert_int_equal(g_rename(f->db, path), 0);
    g_unlink(f->db);
    assert_true(store_open(dir, ME, &err));
    assert_string_equal(store_account(), ME);

    /* the table written anew: conversations by number, the same row ids,
     * the text index and its triggers still in step */
    assert_int_equal(sql_int(path,
                             "SELECT count(*) FROM messages WHERE typeof(peer) = 'integer'"
                             " AND peer = (SELECT peer_key FROM peers WHERE jid = '" BOB "')"),
                     2);
    assert_int_equal(sql_int(path, "SELECT group_concat(id) = '1,2' FROM messages"), 1);
    GPtrArray *hits = store_search("old", BOB, 10, &err);
    assert_bodies(hits, "old hello|old mine");
    g_ptr_array_unref(hits);
    GPtrArray *peers = store_peers();
    assert_int_equal(peers->len, 1);
    assert_string_equal(peers->pdata[0], BOB);
    g_ptr_array_unref(peers);

    store_msg *m = store_find_by_id(BOB, "o1", false);
    assert_non_null(m);
    assert_string_equal(m->body, "old mine");
    assert_string_equal(m->origin_id, "o1");
    assert_string_equal(m->sender, ME "/natter");
    store_msg_free(m);
    assert_true(store_mark_delivered(BOB, "o1"));
    add_expect(mk(BOB, BOB "/tablet", "old hello", 2, NULL, NULL, "o2", NULL), STORE_DUPLICATE);
    add_expect(mk(BOB, BOB "/phone", "x", 3, "s2", ME, NULL, NULL), STORE_DUPLICATE);
    assert_true(store_correct(BOB, BOB, "o2", "new hello") > 0);
    add_expect(mk(BOB, BOB "/phone", "new row", 4, "s3", ME, "o3", "o3"), STORE_ADDED);
    hits = store_search("hello", BOB, 10, &err);
    assert_bodies(hits, "new hello");
    g_ptr_array_unref(hits);
    GPtrArray *a = store_page(BOB, 0, 10);
    assert_bodies(a, "old mine|new hello|new row");
    store_msg *last = a->pdata[2];
    assert_string_equal(last->sender, BOB "/phone");
    assert_string_equal(last->stanza_id_by, ME);
    assert_string_equal(last->origin_id, "o3");
    g_ptr_array_unref(a);
    store_close();
    assert_int_equal(short_count(path), 4);
    assert_int_equal(sql_int(path, ORIGIN_ROWS), 1);
    /* what points at rows by id still does, and the triggers made again
     * follow a deleted row */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM attachments a JOIN messages m"
                                   " ON m.id = a.msg WHERE m.body = 'old mine'"),
                     1);
    sqlite3 *raw = raw_open(path);
    exec_ok(raw, "DELETE FROM messages WHERE id = 2");
    sqlite3_close(raw);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM replies"), 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH"
                                   " 'hello'"),
                     0);
    g_free(path);
    g_free(dir);
}

/* A conversation numbered in a transaction that rolled back has no number:
 * its messages, written again, are numbered again. */
static void test_rolled_back_number(void **state)
{
    (void)state;
    add_plain(ALICE, "first", T0);
    exec_ok(store_db(), "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.messages"
                        " WHEN new.body = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    store_msg *msgs[] = {
        mk(BOB, BOB "/b", "ok", T0 + 1, NULL, NULL, NULL, "b1"),
        mk(BOB, BOB "/b", "boom", T0 + 2, NULL, NULL, NULL, "b2"),
    };
    store_add_result res[2];
    char *err = NULL;
    assert_false(store_add_batch(msgs, 2, res, &err));
    g_free(err);
    assert_int_equal(store_pending_count(), 2);
    exec_ok(store_db(), "DROP TRIGGER temp.boom");
    assert_int_equal(store_retry_pending(), 0);
    add_expect(mk(BOB, BOB "/b", "after", T0 + 3, NULL, NULL, NULL, "b3"), STORE_ADDED);
    GPtrArray *a = store_page(BOB, 0, 10);
    assert_bodies(a, "ok|boom|after");
    g_ptr_array_unref(a);
    for (guint i = 0; i < G_N_ELEMENTS(msgs); i++)
        store_msg_free(msgs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_short_and_full_rows_answer_alike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_account_writes_in_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v13, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_number, setup_open, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

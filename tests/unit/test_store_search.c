/* test_store_search.c - unit tests for src/store: full-text search and
 * export. */
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

/* ---- search ---- */

/* The parts of the parsed TEXT as "[words][trigrams][like,like]". */
static char *query_parts(const char *text, char **err)
{
    store_query q;
    if (!store_query_parse(text, &q, err))
        return NULL;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "[%s][%s][", q.words ? q.words : "", q.trigrams ? q.trigrams : "");
    for (guint i = 0; i < q.likes->len; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (char *)g_ptr_array_index(q.likes, i));
    g_string_append_c(s, ']');
    store_query_clear(&q);
    return g_string_free(s, FALSE);
}

/* TEXT gives the word-index expression EXPECTED and nothing else. */
static void expect_query(const char *text, const char *expected)
{
    char *err = NULL;
    char *q = query_parts(text, &err);
    if (!q)
        fail_msg("'%s': %s", text, err);
    char *want = g_strdup_printf("[%s][][]", expected);
    assert_string_equal(q, want);
    g_free(want);
    g_free(q);
}

static void expect_query_error(const char *text, const char *expected)
{
    char *err = NULL;
    char *q = query_parts(text, &err);
    if (q)
        fail_msg("'%s' gave %s", text, q);
    assert_string_equal(err, expected);
    g_free(err);
}

/* Terms in scripts without spaces go to the trigram index, or to LIKE when
 * shorter than a trigram. */
static void test_query_unspaced(void **state)
{
    char *err = NULL;
    char *q = query_parts("café 日本語 日本 \"東京 タワー\" %日 _日 \\日 x%_日", &err);
    assert_string_equal(q, "[\"café\"][\"日本語\" AND \"東京 タワー\" AND \"x%_日\"]"
                           "[%日本%,%\\%日%,%\\_日%,%\\\\日%]");
    g_free(q);
    q = query_parts("ภาษาไทย 한국어", &err);
    assert_string_equal(q, "[][\"ภาษาไทย\" AND \"한국어\"][]");
    g_free(q);
}

static void test_fts_query_building(void **state)
{
    expect_query("hello", "\"hello\"");
    expect_query("  hello   world ", "\"hello\" AND \"world\"");
    expect_query("\"hello world\" foo", "\"hello world\" AND \"foo\"");
    expect_query("\"unterminated phrase", "\"unterminated phrase\"");
    expect_query("a\"b c\"", "\"a\" AND \"b c\"");
    expect_query("it's", "\"it's\"");
    expect_query("foo* -bar ^baz", "\"foo*\" AND \"-bar\" AND \"^baz\"");
    expect_query("NEAR(a b)", "\"NEAR(a\" AND \"b)\"");
    expect_query("a OR b AND NOT c",
                 "\"a\" AND \"OR\" AND \"b\" AND \"AND\" AND \"NOT\" AND \"c\"");
    expect_query("body:x {body}: y", "\"body:x\" AND \"{body}:\" AND \"y\"");
    expect_query("café naïve", "\"café\" AND \"naïve\"");
    expect_query("* hello ***", "\"hello\""); /* punctuation-only words go */
    expect_query("'; DROP TABLE messages; --", "\"DROP\" AND \"TABLE\" AND \"messages;\"");
    expect_query_error("", "empty search: type the words to look for");
    expect_query_error(" \t ", "empty search: type the words to look for");
    expect_query_error(NULL, "empty search: type the words to look for");
    expect_query_error("* - ^", "nothing to search for in \"* - ^\": search matches words of "
                                "letters and digits");
    expect_query_error("\"\"", "nothing to search for in \"\"\"\": search matches words of "
                               "letters and digits");
}

/* Search through the store for TEXT (in PEER) and expect these bodies. */
static void expect_search(const char *text, const char *peer, const char *expected)
{
    char *err = NULL;
    GPtrArray *r = store_search(text, peer, 50, &err);
    if (!r)
        fail_msg("search '%s': %s", text, err);
    char *b = bodies(r);
    if (strcmp(b, expected) != 0)
        fail_msg("search '%s': got '%s', expected '%s'", text, b, expected);
    g_free(b);
    g_ptr_array_unref(r);
}

static void test_search(void **state)
{
    const char *texts[] = {
        "hello world",
        "say \"quoted\" text",
        "it's a test",
        "use foo* and -bar ^baz",
        "NEAR the river AND OR NOT",
        "call f(x): done",
        "Café au lait",
        "日本語のテキスト",
        "world hello",
        "food court",
    };
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++)
        add_plain(i % 2 ? BOB : ALICE, texts[i], T0 + i);
    expect_search("hello world", NULL, "world hello|hello world");
    expect_search("\"hello world\"", NULL, "hello world");
    expect_search("HELLO", ALICE, "world hello|hello world");
    expect_search("hello", BOB, "");
    expect_search("\"quoted\"", NULL, "say \"quoted\" text");
    expect_search("say \"quoted", NULL, "say \"quoted\" text");
    expect_search("it's", NULL, "it's a test");
    expect_search("foo*", NULL, "use foo* and -bar ^baz"); /* no prefix search */
    expect_search("-bar", NULL, "use foo* and -bar ^baz"); /* no NOT */
    expect_search("^baz", NULL, "use foo* and -bar ^baz");
    expect_search("NEAR", NULL, "NEAR the river AND OR NOT");
    expect_search("river OR hello", NULL, ""); /* OR is a word, ANDed */
    expect_search("AND NOT", NULL, "NEAR the river AND OR NOT");
    expect_search("f(x):", NULL, "call f(x): done");
    expect_search("(x)", NULL, "call f(x): done");
    expect_search("body:hello", NULL, "");
    expect_search("cafe", NULL, "Café au lait");
    expect_search("CAFÉ", NULL, "Café au lait");
    expect_search("日本語", NULL, "日本語のテキスト");
    expect_search("'; DROP TABLE messages; --", NULL, "");
    assert_int_equal(store_count(), 10);

    char *err = NULL;
    assert_null(store_search("'", NULL, 10, &err));
    assert_string_equal(err, "nothing to search for in \"'\": search matches words of letters "
                             "and digits");
    g_free(err);
    err = NULL;
    GPtrArray *r = store_search("hello", NULL, 1, &err);
    assert_bodies(r, "world hello");
    g_ptr_array_unref(r);
}

/* A search in all chats gives whole messages, like one in a chat: who
 * wrote a room message (its author key) and the rest of the row. */
static void test_search_all_gives_whole_rows(void **state)
{
    const char *room = "room@conference.example.org";
    store_msg *m = mk(room, "room@conference.example.org/carol", "lunch in the park", T0, "s1",
                      room, NULL, "m1");
    m->author = g_strdup("room@conference.example.org/carol");
    add_expect(m, STORE_ADDED);
    for (int i = 0; i < 2; i++) {
        char *err = NULL;
        GPtrArray *r = store_search("park", i ? room : NULL, 10, &err);
        assert_bodies(r, "lunch in the park");
        store_msg *got = g_ptr_array_index(r, 0);
        assert_string_equal(got->peer, room);
        assert_string_equal(got->sender, "room@conference.example.org/carol");
        assert_non_null(got->author);
        assert_string_equal(got->author, "room@conference.example.org/carol");
        g_ptr_array_unref(r);
    }
}

/* Words inside runs of text without spaces: found as substrings, with
 * the other rules (AND, phrases, one conversation) as for other words. */
static void test_search_unspaced(void **state)
{
    const char *texts[] = {
        "日本語のテキスト",     "東京と日本",      "今日は天気がいい hello",
        "ภาษาไทยง่าย",           "한국어를 배워요", "plain english 100%",
        "日本語 is hard, cafe", "テキスト",        "東京タワー x_y",
    };
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++)
        add_plain(i % 2 ? BOB : ALICE, texts[i], T0 + i);
    expect_search("日本語", NULL, "日本語 is hard, cafe|日本語のテキスト");
    expect_search("のテキ", NULL, "日本語のテキスト");
    expect_search("テキスト", NULL, "テキスト|日本語のテキスト");
    expect_search("日本", NULL, "日本語 is hard, cafe|東京と日本|日本語のテキスト");
    expect_search("日", NULL,
                  "日本語 is hard, cafe|今日は天気がいい hello|東京と日本|日本語のテキスト");
    expect_search("日本 東京", NULL, "東京と日本");
    expect_search("天気 hello", NULL, "今日は天気がいい hello");
    expect_search("天気 hellooo", NULL, "");
    expect_search("日本語 café", NULL, "日本語 is hard, cafe"); /* diacritics folded as before */
    expect_search("日本語", ALICE, "日本語 is hard, cafe|日本語のテキスト");
    expect_search("日本", BOB, "東京と日本");
    expect_search("ไทย", NULL, "ภาษาไทยง่าย");
    expect_search("한국어", NULL, "한국어를 배워요");
    expect_search("\"と日本\"", NULL, "東京と日本");
    expect_search("本%", NULL, ""); /* LIKE characters are plain text */
    expect_search("タ_", NULL, "");
    expect_search("100%", NULL, "plain english 100%");
    char *err = NULL;
    GPtrArray *r = store_search("日本", NULL, 1, &err);
    assert_bodies(r, "日本語 is hard, cafe");
    g_ptr_array_unref(r);
    /* a correction moves a message in and out of the trigram index */
    r = store_search("plain", NULL, 1, &err);
    int64_t id = ((store_msg *)g_ptr_array_index(r, 0))->rowid;
    g_ptr_array_unref(r);
    sqlite3 *db = store_db();
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE messages SET body = ?1 WHERE id = ?2", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, "直した日本語", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    expect_search("した日本", NULL, "直した日本語");
    sqlite3_bind_text(st, 1, "plain again", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    expect_search("した日本", NULL, "");
    expect_search("直", NULL, "");
    expect_search("plain", NULL, "plain again");
}

/* A database from before the trigram index (version 2) gets its text
 * without spaces indexed when it is opened. */
static void test_migrate_unspaced(void **state)
{
    fixture *f = *state;
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, own, 2, &err));
    exec_ok(db, "INSERT INTO messages (peer, sender, sender_bare, body, ts) VALUES "
                "('alice@example.org', 'alice@example.org', 'alice@example.org', "
                "'日本語のテキスト', 1), "
                "('alice@example.org', 'alice@example.org', 'alice@example.org', 'plain', 2)");
    sqlite3_close(db);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages_unspaced"), 1);
    expect_search("日本語", NULL, "日本語のテキスト");
    expect_search("のテ", NULL, "日本語のテキスト");
    expect_search("plain", NULL, "plain");
}

/* The word index holds exactly the text of the rows (FTS5 compares an
 * external-content index with its table when the rank is 1); the trigram
 * index, which holds some rows only, is consistent in itself. */
static void assert_indexes_match(const char *path)
{
    sqlite3 *db = raw_open(path);
    exec_ok(db, "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    exec_ok(db, "INSERT INTO messages_fts_tri (messages_fts_tri) VALUES ('integrity-check')");
    sqlite3_close(db);
}

/* A batch of messages (one transaction, as in a flood) writes the word
 * index once, at the commit: no segment per message. Until schema 14 a
 * trigger wrote the index, which made each INSERT a statement savepoint,
 * and FTS5 flushes its pending terms at every savepoint. */
static void test_batch_indexes_once(void **state)
{
    fixture *f = *state;
    char *err = NULL;
    store_batch_begin();
    for (int i = 0; i < 100; i++) {
        char *body = g_strdup_printf("%s %d the quick brown fox", i % 10 ? "word" : "日本語", i);
        add_plain(ALICE, body, T0 + i);
        g_free(body);
    }
    assert_true(store_batch_end(&err));
    /* the structure record, the averages record, one segment's leaf */
    assert_true(sql_int(f->db, "SELECT count(*) FROM messages_fts_data") <= 3);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages_unspaced"), 10);
    assert_int_equal(
        sql_int(f->db, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'fox'"), 100);
    assert_indexes_match(f->db);
    expect_search("日本", NULL,
                  "日本語 90 the quick brown fox|日本語 80 the quick brown fox|"
                  "日本語 70 the quick brown fox|日本語 60 the quick brown fox|"
                  "日本語 50 the quick brown fox|日本語 40 the quick brown fox|"
                  "日本語 30 the quick brown fox|日本語 20 the quick brown fox|"
                  "日本語 10 the quick brown fox|日本語 0 the quick brown fox");
}

/* A version 13 database (indexed by triggers) keeps its rows searchable,
 * and rows added after the upgrade are indexed once. */
static void test_migrate_v13_index(void **state)
{
    fixture *f = *state;
    int n = 0;
    const store_migration *own = store_schema_steps(&n);
    char *err = NULL;
    sqlite3 *db = raw_open(f->db);
    assert_true(store_schema_migrate(db, own, 13, &err));
    exec_ok(db, "INSERT INTO messages (peer, sender, sender_bare, body, ts) VALUES "
                "('alice@example.org', 'alice@example.org', 'alice@example.org', "
                "'東京の古い kettle', 1)");
    sqlite3_close(db);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                                    "AND name IN ('messages_fts_ai', 'messages_tri_ai')"),
                     0);
    add_plain(ALICE, "東京の新しい kettle", T0);
    expect_search("kettle", NULL, "東京の新しい kettle|東京の古い kettle");
    expect_search("東京の", NULL, "東京の新しい kettle|東京の古い kettle");
    expect_search("新しい", NULL, "東京の新しい kettle");
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM messages_unspaced"), 2);
    store_close();
    assert_indexes_match(f->db);
}

/* A search in one conversation finds its matches past the first 2,000 of
 * other conversations (the merge with the conversation's own ids). */
static void test_search_peer_many_matches(void **state)
{
    struct {
        const char *peer;
        const char *body;
        int n;
    } runs[] = {
        {ALICE, "common A1", 1}, {BOB, "common b", 300},  {ALICE, "common A2", 1},
        {BOB, "common b", 300},  {ALICE, "common A3", 1}, {BOB, "common b", 2500},
        {ALICE, "common A4", 1}, {BOB, "common b", 10},   {ALICE, "other", 5},
    };
    int64_t ts = T0;
    for (guint r = 0; r < G_N_ELEMENTS(runs); r++) {
        store_msg **msgs = g_new(store_msg *, runs[r].n);
        store_add_result *res = g_new(store_add_result, runs[r].n);
        for (int i = 0; i < runs[r].n; i++)
            msgs[i] = mk(runs[r].peer, runs[r].peer, runs[r].body, ts++, NULL, NULL, NULL, NULL);
        assert_true(store_add_batch(msgs, (guint)runs[r].n, res, NULL));
        for (int i = 0; i < runs[r].n; i++)
            store_msg_free(msgs[i]);
        g_free(msgs);
        g_free(res);
    }
    expect_search("common", ALICE, "common A4|common A3|common A2|common A1");
    expect_search("a2", ALICE, "common A2");
    expect_search("other", BOB, "");
    char *err = NULL;
    GPtrArray *r = store_search("common", ALICE, 3, &err);
    assert_bodies(r, "common A4|common A3|common A2");
    g_ptr_array_unref(r);
    r = store_search("common", ALICE, 0, &err);
    assert_int_equal(r->len, 4);
    g_ptr_array_unref(r);
    r = store_search("common", BOB, 0, &err);
    assert_int_equal(r->len, 3110);
    g_ptr_array_unref(r);
}

/* ---- export ---- */

static char *export_str(const char *peer, store_export_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char *err = NULL;
    if (!store_export(peer, fmt, f, &err))
        fail_msg("export: %s", err);
    fclose(f);
    return buf;
}

static void add_export_sample(void)
{
    store_msg *m = mk(ALICE, ALICE "/phone", "hi\nsecond line", T0 + 123, "s1", ME, NULL, "m1");
    add_expect(m, STORE_ADDED);
    m = mk(ALICE, ME "/natter", "tab\there \"q\" \\ ok\x1b[31m", T0 + 60000, NULL, NULL, "o2",
           "o2");
    m->receipt = STORE_RECEIPT_PENDING;
    m->encryption = STORE_ENC_OMEMO;
    add_expect(m, STORE_ADDED);
    add_expect(mk(BOB, BOB "/x", "gone", T0 + 1000, NULL, NULL, "b1", NULL), STORE_ADDED);
    assert_int_equal(store_retract(BOB, BOB, "b1") > 0, 1);
}

static void test_export_text(void **state)
{
    add_export_sample();
    char *s = export_str(ALICE, STORE_EXPORT_TEXT);
    assert_string_equal(s, "2023-11-14 22:13:20 <alice@example.org/phone> hi\n"
                           "\tsecond line\n"
                           "2023-11-14 22:14:20 <me@example.org/natter> tab\there \"q\" \\ "
                           "ok\xef\xbf\xbd[31m\n");
    free(s);
    s = export_str(NULL, STORE_EXPORT_TEXT);
    assert_string_equal(s, "# alice@example.org\n"
                           "2023-11-14 22:13:20 <alice@example.org/phone> hi\n"
                           "\tsecond line\n"
                           "2023-11-14 22:14:20 <me@example.org/natter> tab\there \"q\" \\ "
                           "ok\xef\xbf\xbd[31m\n"
                           "\n# bob@example.org\n"
                           "2023-11-14 22:13:21 <bob@example.org/x> (message retracted)\n");
    free(s);
}

static void test_export_json(void **state)
{
    add_export_sample();
    char *s = export_str(ALICE, STORE_EXPORT_JSON);
    assert_string_equal(
        s, "[\n"
           "  {\"peer\": \"alice@example.org\", \"sender\": \"alice@example.org/phone\", "
           "\"outgoing\": false, \"ts\": \"2023-11-14T22:13:20.123Z\", \"body\": \"hi\\nsecond "
           "line\", \"stanza_id\": \"s1\", \"stanza_id_by\": \"me@example.org\", \"origin_id\": "
           "null, \"msg_id\": \"m1\", \"encryption\": \"none\", \"receipt\": \"none\", "
           "\"corrected\": false, \"original_body\": null, \"retracted\": false, "
           "\"from_archive\": false},\n"
           "  {\"peer\": \"alice@example.org\", \"sender\": \"me@example.org/natter\", "
           "\"outgoing\": true, \"ts\": \"2023-11-14T22:14:20.000Z\", \"body\": \"tab\\there "
           "\\\"q\\\" \\\\ ok\\u001b[31m\", \"stanza_id\": null, \"stanza_id_by\": null, "
           "\"origin_id\": \"o2\", \"msg_id\": \"o2\", \"encryption\": \"omemo\", \"receipt\": "
           "\"pending\", \"corrected\": false, \"original_body\": null, \"retracted\": false, "
           "\"from_archive\": false}\n"
           "]\n");
    free(s);
    s = export_str("nobody@example.org", STORE_EXPORT_JSON);
    assert_string_equal(s, "[]\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fts_query_building),
        cmocka_unit_test(test_query_unspaced),
        cmocka_unit_test_setup_teardown(test_search_unspaced, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_search_all_gives_whole_rows, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_unspaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_batch_indexes_once, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v13_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_peer_many_matches, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_export_text, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_export_json, setup_open, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

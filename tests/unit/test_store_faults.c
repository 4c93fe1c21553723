/* test_store_faults.c - unit tests for src/store when the database
 * fails: locked, corrupt, full, read-only, not open, killed. */
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

/* ---- faults ---- */

static const char locked_line[] = "history database is locked (another natter?): messages are "
                                  "kept in memory and will be saved when it is free";

/* A second connection holding the write lock, as another natter would. */
static sqlite3 *hold_lock(const char *path)
{
    sqlite3 *other = raw_open(path);
    exec_ok(other, "BEGIN IMMEDIATE");
    return other;
}

static void test_locked(void **state)
{
    fixture *f = *state;
    add_plain(ALICE, "before", T0);
    sqlite3 *other = hold_lock(f->db);

    char *err = NULL;
    gint64 t = g_get_monotonic_time();
    store_msg *m = mk(ALICE, ME "/natter", "during 1", T0 + 1, NULL, NULL, "P1", "P1");
    m->receipt = STORE_RECEIPT_PENDING;
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_int_equal(m->rowid, 0);
    store_msg_free(m);
    gint64 waited_ms = (g_get_monotonic_time() - t) / 1000;
    assert_true(waited_ms < 2000); /* the busy timeout, not forever */
    assert_string_equal(err, locked_line);
    g_free(err);
    err = NULL;
    /* the next one is queued behind it without a second error line */
    m = mk(ALICE, ALICE "/a", "during 2", T0 + 2, "S2", ME, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_null(err);
    store_msg_free(m);
    /* a duplicate of a pending message is recognised */
    m = mk(ALICE, ALICE "/a", "during 2", T0 + 2, "S2", ME, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_DUPLICATE);
    store_msg_free(m);
    assert_int_equal(store_pending_count(), 2);
    assert_true(store_mark_delivered(ALICE, "P1"));

    GPtrArray *p = store_page(ALICE, 0, 50);
    assert_bodies(p, "before|during 1|during 2");
    assert_int_equal(((store_msg *)p->pdata[1])->rowid, 0);
    assert_int_equal(((store_msg *)p->pdata[1])->receipt, STORE_RECEIPT_DELIVERED);
    g_ptr_array_unref(p);

    exec_ok(other, "ROLLBACK");
    /* the next add writes the queue first, in order */
    int64_t id =
        add_expect(mk(ALICE, ALICE "/a", "after", T0 + 3, NULL, NULL, NULL, NULL), STORE_ADDED);
    assert_int_equal(store_pending_count(), 0);
    p = store_page(ALICE, 0, 50);
    assert_bodies(p, "before|during 1|during 2|after");
    assert_int_equal(((store_msg *)p->pdata[3])->rowid, id);
    assert_int_equal(((store_msg *)p->pdata[2])->rowid, id - 1);
    assert_int_equal(((store_msg *)p->pdata[1])->receipt, STORE_RECEIPT_DELIVERED);
    g_ptr_array_unref(p);

    /* a new run of faults is reported again */
    exec_ok(other, "BEGIN IMMEDIATE");
    m = mk(ALICE, ALICE "/a", "again", T0 + 4, NULL, NULL, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_string_equal(err, locked_line);
    g_free(err);
    store_msg_free(m);
    exec_ok(other, "ROLLBACK");
    assert_int_equal(store_retry_pending(), 0);
    assert_int_equal(store_count(), 5);
    sqlite3_close(other);
}

static void test_batch_locked(void **state)
{
    fixture *f = *state;
    sqlite3 *other = hold_lock(f->db);
    store_msg *msgs[3] = {
        mk(ALICE, ALICE "/a", "p1", T0, "S1", ME, NULL, NULL),
        mk(ALICE, ALICE "/a", "p2", T0 + 1, "S2", ME, NULL, NULL),
        mk(ALICE, ALICE "/a", "p1", T0, "S1", ME, NULL, NULL),
    };
    store_add_result res[3];
    char *err = NULL;
    assert_false(store_add_batch(msgs, 3, res, &err));
    assert_string_equal(err, locked_line);
    g_free(err);
    assert_int_equal(res[0], STORE_PENDING);
    assert_int_equal(res[1], STORE_PENDING);
    assert_int_equal(res[2], STORE_DUPLICATE);
    assert_int_equal(store_pending_count(), 2);
    assert_int_equal(store_retry_pending(), 2); /* still locked */
    exec_ok(other, "ROLLBACK");
    sqlite3_close(other);
    assert_int_equal(store_retry_pending(), 0);
    assert_int_equal(store_count(), 2);
    for (int i = 0; i < 3; i++)
        store_msg_free(msgs[i]);
}

/* A message still waiting to be written (locked database) is the newest. */
static void test_last_by_pending(void **state)
{
    fixture *f = *state;
    add_expect(mk(ALICE, ME "/natter", "written", T0, NULL, NULL, NULL, "M1"), STORE_ADDED);
    sqlite3 *other = hold_lock(f->db);
    char *err = NULL;
    store_msg *m = mk(ALICE, ME "/natter", "held", T0 + 1000, NULL, NULL, NULL, "M2");
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    store_msg_free(m);
    g_free(err);
    m = store_last_by(ALICE, NULL);
    assert_non_null(m);
    assert_string_equal(m->msg_id, "M2");
    store_msg_free(m);
    exec_ok(other, "ROLLBACK");
    sqlite3_close(other);
}

/* A retraction of a message that still waits in memory (the database was
 * locked): its text is never written once the database is free. */
static void test_retract_pending(void **state)
{
    fixture *f = *state;
    sqlite3 *other = hold_lock(f->db);
    char *err = NULL;
    store_msg *m = mk(ALICE, ALICE "/a", "heldsecret", T0, NULL, NULL, NULL, "H1");
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    store_msg_free(m);
    g_free(err);
    store_edit_wait(ALICE, ALICE, "H1", true, NULL, T0 + 1, 0);
    exec_ok(other, "ROLLBACK");
    sqlite3_close(other);
    assert_int_equal(store_retry_pending(), 0);
    GPtrArray *p = store_page(ALICE, 0, 5);
    assert_int_equal(p->len, 1);
    assert_true(((store_msg *)p->pdata[0])->retracted);
    assert_string_equal(((store_msg *)p->pdata[0])->body, "");
    g_ptr_array_unref(p);
    assert_int_equal(
        sql_int(f->db, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'heldsecret'"),
        0);
}

/* A file that is not a database: open fails with one clear line, messages
 * wait in memory, and are written once the file is moved away. */
static void test_corrupt_file(void **state)
{
    fixture *f = *state;
    GString *junk = g_string_new(NULL);
    for (int i = 0; i < 400; i++)
        g_string_append(junk, "this is not a database. ");
    fx_write_text(f->db, junk->str);
    g_string_free(junk, TRUE);

    char *err = NULL;
    assert_false(store_open_path(f->db, &err));
    char *expected = g_strdup_printf("history database %s is damaged (file is not a database): "
                                     "messages are kept in memory; move the file away to start "
                                     "a new history",
                                     f->db);
    assert_string_equal(err, expected);
    g_free(err);
    err = NULL;
    assert_false(store_is_open());

    store_msg *m = mk(ALICE, ALICE "/a", "kept", T0, NULL, NULL, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_string_equal(err, expected);
    g_free(err);
    store_msg_free(m);
    GPtrArray *p = store_page(ALICE, 0, 50);
    assert_bodies(p, "kept");
    g_ptr_array_unref(p);
    assert_int_equal(store_retry_pending(), 1); /* still garbage */

    char *moved = g_strconcat(f->db, ".broken", NULL);
    assert_int_equal(g_rename(f->db, moved), 0);
    assert_int_equal(store_retry_pending(), 0);
    assert_true(store_is_open());
    assert_int_equal(store_count(), 1);
    g_free(moved);
    g_free(expected);
}

/* A full disk (here: the page limit reached) keeps messages pending. */
static void test_full_disk(void **state)
{
    add_plain(ALICE, "small", T0);
    sqlite3 *db = store_db();
    exec_ok(db, "PRAGMA max_page_count = 1"); /* clamps to the current size */
    char *big = g_strnfill(200000, 'x');
    char *err = NULL;
    store_msg *m = mk(ALICE, ALICE "/a", big, T0 + 1, NULL, NULL, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_string_equal(err, "disk full: the history database cannot grow; messages are kept in "
                             "memory and will be saved when there is space");
    g_free(err);
    store_msg_free(m);
    assert_int_equal(store_retry_pending(), 1);
    exec_ok(db, "PRAGMA max_page_count = 1000000");
    assert_int_equal(store_retry_pending(), 0);
    GPtrArray *p = store_page(ALICE, 0, 5);
    assert_int_equal(p->len, 2);
    assert_int_equal(strlen(((store_msg *)p->pdata[1])->body), 200000);
    g_ptr_array_unref(p);
    g_free(big);
}

/* A read-only file opens for reading; writes wait in memory until it is
 * writable again. Root ignores file modes, so the test drops to nobody. */
static void test_read_only_file(void **state)
{
    fixture *f = *state;
    add_plain(ALICE, "old", T0);
    store_close();
    bool root = geteuid() == 0;
    if (root) {
        assert_int_equal(chown(f->dir, 65534, 65534), 0);
        assert_int_equal(chown(f->db, 65534, 65534), 0);
        assert_int_equal(setegid(65534), 0);
        assert_int_equal(seteuid(65534), 0);
    }
    assert_int_equal(g_chmod(f->db, 0400), 0);

    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    GPtrArray *p = store_page(ALICE, 0, 5);
    assert_bodies(p, "old");
    g_ptr_array_unref(p);
    store_msg *m = mk(ALICE, ALICE "/a", "new", T0 + 1, NULL, NULL, NULL, NULL);
    store_add_result r = store_add(m, &err);
    store_msg_free(m);
    char *expected = g_strdup_printf("history database %s is read-only: messages are kept in "
                                     "memory and will be saved when it is writable",
                                     f->db);
    bool ok = r == STORE_PENDING && err && strcmp(err, expected) == 0;
    char *got = g_strdup(err ? err : "(none)");
    g_free(err);
    g_chmod(f->db, 0600);
    guint left = store_retry_pending();
    int64_t count = store_count();
    store_close();
    if (root) {
        assert_int_equal(seteuid(0), 0);
        assert_int_equal(setegid(0), 0);
    }
    if (!ok)
        fail_msg("result %d, error '%s'", r, got);
    assert_int_equal(left, 0);
    assert_int_equal(count, 2);
    g_free(got);
    g_free(expected);
}

/* Messages added before any database is open wait and are written by the
 * open. */
static void test_not_open(void **state)
{
    fixture *f = *state;
    char *err = NULL;
    store_msg *m = mk(ALICE, ALICE "/a", "early", T0, NULL, NULL, NULL, NULL);
    assert_int_equal(store_add(m, &err), STORE_PENDING);
    assert_string_equal(err, "no history database is open: messages are kept in memory and "
                             "will be saved when it opens");
    g_free(err);
    store_msg_free(m);
    assert_null(store_search("early", NULL, 5, &err));
    assert_string_equal(err, "search failed: no history database is open");
    g_free(err);
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(store_pending_count(), 0);
    assert_int_equal(store_count(), 1);
}

/* kill -9 right after store_add returned loses nothing. */
static void test_kill9_keeps_acknowledged(void **state)
{
    fixture *f = *state;
    store_close();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (!store_open_path(f->db, NULL))
            _exit(2);
        for (int i = 0;; i++) {
            store_msg *m = mk(ALICE, ALICE "/a", "flood", T0 + i, NULL, NULL, NULL, NULL);
            if (store_add(m, NULL) != STORE_ADDED)
                _exit(3);
            int64_t id = m->rowid;
            store_msg_free(m);
            if (write(fds[1], &id, sizeof id) != sizeof id)
                _exit(4);
        }
    }
    close(fds[1]);
    int64_t id = 0, last = 0;
    int acked = 0;
    while (acked < 300 && read(fds[0], &id, sizeof id) == sizeof id) {
        last = id;
        acked++;
    }
    kill(pid, SIGKILL);
    while (read(fds[0], &id, sizeof id) == sizeof id) {
        last = id;
        acked++;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_true(acked >= 300);
    char *sql =
        g_strdup_printf("SELECT count(*) FROM messages WHERE id <= %" G_GINT64_FORMAT, last);
    assert_int_equal(sql_int(f->db, sql), acked);
    g_free(sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_last_by_pending, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_batch_locked, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_retract_pending, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_file, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_not_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_keeps_acknowledged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

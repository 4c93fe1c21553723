/* test_store_readmarks.c - read marks and receive times in the history
 * (src/store/readmarks.c): a contact's displayed marker moves a chat's mark
 * forward only, names only our own messages there, and both survive a
 * reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/readmarks.h"
#include "store_fixture.h"

static void test_marks_move_forward_only(void **state)
{
    fixture *f = *state;
    add_expect(mk(ALICE, ME, "one", T0, NULL, NULL, "O1", "O1"), STORE_ADDED);
    add_expect(mk(ALICE, ME, "two", T0 + 1000, NULL, NULL, "X2", "O2"), STORE_ADDED);
    add_expect(mk(ALICE, ME, "three", T0 + 2000, NULL, NULL, "O3", "O3"), STORE_ADDED);
    add_expect(mk(ALICE, ALICE "/phone", "hers", T0 + 3000, NULL, NULL, "A1", "A1"), STORE_ADDED);
    add_expect(mk(BOB, ME, "to bob", T0 + 4000, NULL, NULL, "B1", "B1"), STORE_ADDED);
    assert_int_equal(store_read_upto(ALICE), 0);

    /* By the id or by an origin-id that differs from it. */
    assert_true(store_mark_read(ALICE, "X2"));
    assert_int_equal(store_read_upto(ALICE), T0 + 1000);
    assert_false(store_mark_read(ALICE, "O1")); /* older: the mark stays */
    assert_int_equal(store_read_upto(ALICE), T0 + 1000);
    /* Not ours, not in this chat, unknown: nothing changes. */
    assert_false(store_mark_read(ALICE, "A1"));
    assert_false(store_mark_read(ALICE, "B1"));
    assert_false(store_mark_read(ALICE, "nope"));
    assert_false(store_mark_read(NULL, "O3"));
    assert_int_equal(store_read_upto(ALICE), T0 + 1000);
    assert_int_equal(store_read_upto(BOB), 0);
    assert_false(store_mark_read(ALICE, "O2")); /* the same message, by its id */
    assert_true(store_mark_read(ALICE, "O3"));
    assert_int_equal(store_read_upto(ALICE), T0 + 2000);

    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(store_read_upto(ALICE), T0 + 2000);
    store_readmarks_deinit();
}

static void test_received_time(void **state)
{
    fixture *f = *state;
    store_msg *in = mk(ALICE, ALICE "/phone", "late", T0, NULL, NULL, "L1", "L1");
    in->received = T0 + 60000;
    int64_t got = add_expect(in, STORE_ADDED);
    int64_t ours = add_expect(mk(ALICE, ME, "mine", T0 + 1, NULL, NULL, "M1", "M1"), STORE_ADDED);
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    assert_int_equal(store_received_of(got), T0 + 60000);
    assert_int_equal(store_received_of(ours), 0);
    assert_int_equal(store_received_of(0), 0);
    store_readmarks_deinit();
}

static void test_nothing_open(void **state)
{
    assert_false(store_mark_read(ALICE, "O1"));
    assert_int_equal(store_read_upto(ALICE), 0);
    assert_int_equal(store_received_of(1), 0);
    store_readmarks_deinit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_marks_move_forward_only, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_received_time, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

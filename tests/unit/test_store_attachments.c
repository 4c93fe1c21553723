/* test_store_attachments.c - the attachments table (src/store/attachments.c):
 * one per message, kept across a reopen with where the file was saved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/attachments.h"
#include "store_fixture.h"

static void test_add_get_saved(void **state)
{
    fixture *f = *state;
    int64_t msg = add_plain(BOB, "https://up.example.org/s/a.png", T0);
    int64_t other = add_plain(BOB, "hello", T0 + 1000);
    assert_null(store_attachment_of_msg(msg));
    int64_t id = store_attachment_add(msg, "https://up.example.org/s/a.png", "a.png");
    assert_true(id > 0);
    /* One per message: adding again gives the same number. */
    assert_int_equal(store_attachment_add(msg, "https://elsewhere/b", "b"), id);
    assert_int_equal(store_attachment_add(0, "https://x/y", "y"), 0);
    assert_null(store_attachment_of_msg(other));

    store_attachment *a = store_attachment_get(id);
    assert_non_null(a);
    assert_int_equal(a->msg, msg);
    assert_string_equal(a->peer, BOB);
    assert_string_equal(a->url, "https://up.example.org/s/a.png");
    assert_string_equal(a->name, "a.png");
    assert_int_equal(a->size, -1);
    assert_null(a->saved);
    store_attachment_free(a);

    assert_true(store_attachment_saved(id, "/home/me/Downloads/a.png", 1234));
    store_close();
    char *err = NULL;
    assert_true(store_open_path(f->db, &err));
    a = store_attachment_of_msg(msg);
    assert_non_null(a);
    assert_int_equal(a->id, id);
    assert_string_equal(a->saved, "/home/me/Downloads/a.png");
    assert_int_equal(a->size, 1234);
    store_attachment_free(a);
    assert_null(store_attachment_get(id + 1));
}

static void test_nothing_open(void **state)
{
    assert_int_equal(store_attachment_add(1, "https://x/y", "y"), 0);
    assert_null(store_attachment_get(1));
    assert_false(store_attachment_saved(1, "/tmp/y", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_get_saved, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

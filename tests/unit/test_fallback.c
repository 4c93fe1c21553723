/* test_fallback.c - taking a reply's fallback quote out of a body
 * (xmpp/fallback.c, XEP-0428 ranges in code points): the examples of
 * XEP-0461 and XEP-0428, text outside ASCII, and ranges that are out of
 * the body, backwards, overlapping or not numbers at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "xmpp/fallback.h"

/* BODY without the range START..END (attribute values, NULL: absent). */
static char *strip1(const char *body, const char *start, const char *end)
{
    nx_fallback_range r;
    nx_fallback_range_parse(start, end, &r);
    return nx_fallback_strip(body, &r, 1);
}

static void check1(const char *body, const char *start, const char *end, const char *want)
{
    char *got = strip1(body, start, end);
    assert_string_equal(got, want);
    g_free(got);
}

/* XEP-0461 example 4 (the body without the example's indentation). */
static void test_xep0461_example(void **state)
{
    check1("> Anna wrote:\n> We should bake a cake\nGreat idea!", "0", "38", "Great idea!");
}

/* XEP-0428 example 1. */
static void test_xep0428_example(void **state)
{
    check1("> Anna wrote:\n> Hi, how are you?\nGreat", "0", "33", "Great");
}

/* Offsets count code points, not bytes nor UTF-16 units: an emoji outside
 * the BMP is one, an accented letter is one. */
static void test_code_points(void **state)
{
    /* "> 👋 héllo\n" is 10 code points (15 bytes in UTF-8). */
    check1("> \U0001F44B h\u00e9llo\nok", "0", "10", "ok");
    /* A range in the middle. */
    check1("a\u00e9\U0001F600b", "1", "3", "ab");
}

/* A range that does not fit the body hides nothing: the body is not what
 * the sender measured, so nothing is known to be fallback. */
static void test_out_of_range(void **state)
{
    check1("> hi\nyes", "0", "9", "> hi\nyes");
    check1("> hi\nyes", "0", "4000000000", "> hi\nyes");
    check1("short", "10", "12", "short");
    check1("", "0", "1", "");
    /* The whole body exactly is allowed. */
    check1("> hi\n", "0", "5", "");
}

static void test_backwards_and_empty(void **state)
{
    check1("> hi\nyes", "5", "0", "> hi\nyes");
    check1("> hi\nyes", "3", "3", "> hi\nyes");
}

static void test_garbage_attributes(void **state)
{
    const char *bad[] = {"", "-1", "+3", " 3", "3 ", "0x3", "3.0", "abc", "99999999999", "１"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        nx_fallback_range r;
        assert_false(nx_fallback_range_parse(bad[i], "3", &r));
        assert_false(nx_fallback_range_parse("0", bad[i], &r));
        check1("> hi\nyes", bad[i], "5", "> hi\nyes");
        check1("> hi\nyes", "0", bad[i], "> hi\nyes");
    }
    /* Only one of the two: not a range. */
    check1("> hi\nyes", "0", NULL, "> hi\nyes");
    check1("> hi\nyes", NULL, "5", "> hi\nyes");
    /* Neither: the whole body. */
    check1("> hi\nyes", NULL, NULL, "");
}

/* Overlapping and repeated ranges hide their union, in any order; a bad
 * range among good ones is skipped alone. */
static void test_several_ranges(void **state)
{
    nx_fallback_range r[4];
    nx_fallback_range_parse("3", "8", &r[0]);
    nx_fallback_range_parse("0", "5", &r[1]);
    nx_fallback_range_parse("0", "5", &r[2]);
    nx_fallback_range_parse("0", "99", &r[3]);
    char *got = nx_fallback_strip("0123456789", r, 4);
    assert_string_equal(got, "89");
    g_free(got);
    nx_fallback_range_parse("8", "10", &r[1]);
    got = nx_fallback_strip("0123456789", r, 2);
    assert_string_equal(got, "012");
    g_free(got);
}

/* Malformed UTF-8 is never made worse: each bad byte counts as one, and
 * what is kept is kept byte for byte. */
static void test_invalid_utf8(void **state)
{
    check1("\xff\xfe> x\nrest", "0", "6", "rest");
    check1("ab\xe2\x82", "0", "2", "\xe2\x82");
    check1("ab\xe2\x82", "2", "4", "ab");
    char *none = nx_fallback_strip(NULL, NULL, 0);
    assert_null(none);
    char *same = nx_fallback_strip("text", NULL, 0);
    assert_string_equal(same, "text");
    g_free(same);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xep0461_example),     cmocka_unit_test(test_xep0428_example),
        cmocka_unit_test(test_code_points),         cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_backwards_and_empty), cmocka_unit_test(test_garbage_attributes),
        cmocka_unit_test(test_several_ranges),      cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

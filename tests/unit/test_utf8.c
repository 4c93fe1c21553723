/* test_utf8.c - the common prefix of completion candidates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/utf8.h"

static size_t prefix_of(char *a, char *b)
{
    char *strs[] = {a, b};
    return utf8_common_prefix(strs, 2);
}

static void test_ascii(void **state)
{
    char *strs[] = {"bob@example.org", "bobby@example.org", "bo"};
    assert_int_equal(utf8_common_prefix(strs, 3), 2);
    assert_int_equal(utf8_common_prefix(strs, 2), 3);
    assert_int_equal(utf8_common_prefix(strs, 1), strlen(strs[0]));
    assert_int_equal(utf8_common_prefix(strs, 0), 0);
    assert_int_equal(prefix_of("alice", "bob"), 0);
    assert_int_equal(prefix_of("same", "same"), 4);
    assert_int_equal(prefix_of("", "x"), 0);
}

/* Letters whose encodings share their first bytes: the prefix stops before
 * the character, never inside it. */
static void test_stops_at_a_character_boundary(void **state)
{
    /* é is C3 A9, è is C3 A8 */
    assert_int_equal(prefix_of("\xc3\xa9mile", "\xc3\xa8ric"), 0);
    assert_int_equal(prefix_of("J\xc3\xa9r\xc3\xb4me", "J\xc3\xa9r\xc3\xa9my"), 4);
    /* three bytes: 中 E4 B8 AD and 丫 E4 B8 AB share two */
    assert_int_equal(prefix_of("x\xe4\xb8\xad", "x\xe4\xb8\xab"), 1);
    /* four bytes: 😀 F0 9F 98 80 and 😁 F0 9F 98 81 share three */
    assert_int_equal(prefix_of("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x81!"), 0);
    assert_int_equal(prefix_of("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80?"), 4);
    /* one string ends inside the other's character */
    assert_int_equal(prefix_of("a\xc3\xa9", "a\xc3"), 1);
}

/* Bytes that are not UTF-8 count one by one, and nothing is read past the
 * end of a string. */
static void test_invalid_bytes(void **state)
{
    assert_int_equal(prefix_of("\xff\xfey", "\xff\xfez"), 2);
    /* a lead byte without its continuation bytes */
    assert_int_equal(prefix_of("\xe4xy", "\xe4xz"), 2);
    assert_int_equal(prefix_of("\xe4", "\xe4"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_stops_at_a_character_boundary),
        cmocka_unit_test(test_invalid_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

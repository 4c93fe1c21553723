/* test_unichar.c - unit tests for src/core/unichar.c: the look-alike key
 * (confusable skeletons, UTS #39). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "core/unichar.h"

static void expect_alike(const char *a, const char *b, bool alike)
{
    char *ka = unichar_lookalike_key(a), *kb = unichar_lookalike_key(b);
    if ((strcmp(ka, kb) == 0) != alike)
        fail_msg("'%s' and '%s' %s alike (keys '%s', '%s')", a, b,
                 alike ? "should look" : "should not look", ka, kb);
    g_free(ka);
    g_free(kb);
}

static void test_confusables(void **state)
{
    expect_alike("bob", "b\u043eb", true);            /* Cyrillic small o */
    expect_alike("bob", "\u0432o\u0432", false);      /* Cyrillic ve is not b */
    expect_alike("paypal", "p\u0430yp\u0430l", true); /* Cyrillic a */
    expect_alike("alice", "\u0430lice", true);
    expect_alike("alice", "a1ice", true); /* digit one */
    expect_alike("modem", "rnodern", true);
    expect_alike("Scott", "\u0405cott", true); /* Cyrillic DZE */
    expect_alike("bob", "bobby", false);
    expect_alike("bob", "rob", false);
    expect_alike("日本", "日本", true);
    expect_alike("日本", "日木", false);
}

static void test_case_width_invisible(void **state)
{
    expect_alike("alice", "Alice", true);
    expect_alike("alice", "ALICE", true);
    expect_alike("alice", "alice ", true);
    expect_alike("alice", "al\u200bice", true);
    expect_alike("alice", "\uff41lice", true); /* fullwidth a */
    expect_alike("alice", "alicia", false);
    char *k = unichar_lookalike_key(NULL);
    assert_string_equal(k, "");
    g_free(k);
    k = unichar_lookalike_key("\xff\xfe bad");
    assert_non_null(k); /* invalid UTF-8 gets a key, no crash */
    g_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confusables),
        cmocka_unit_test(test_case_width_invisible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_unichar.c - unit tests for src/core/unichar.c: the look-alike key
 * (confusable skeletons, UTS #39). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include <unicode/uspoof.h>

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

/* ICU's skeleton of S (g_free), as natter computed it before it had a
 * table of its own. */
static char *icu_skeleton(USpoofChecker *sc, const char *s)
{
    char out[1024];
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)strlen(s), out, sizeof out, &status);
    assert_true(U_SUCCESS(status) && n < (int32_t)sizeof out);
    out[n] = '\0';
    return g_strdup(out);
}

static void expect_as_icu(USpoofChecker *sc, const char *s)
{
    char *fold = unichar_fold_key(s);
    char *want = icu_skeleton(sc, fold);
    char *got = unichar_lookalike_key(s);
    if (strcmp(want, got) != 0)
        fail_msg("'%s': key '%s', ICU '%s'", s, got, want);
    g_free(fold);
    g_free(want);
    g_free(got);
}

/* The built-in table gives ICU's skeleton: for every code point (each on
 * its own, and between two letters, where decomposition and reordering
 * meet the neighbours) and for names mixing scripts and marks. */
static void test_table_matches_icu(void **state)
{
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&status);
    assert_true(U_SUCCESS(status));
    for (gunichar c = 1; c <= 0x10FFFF; c++) {
        if ((c >= 0xD800 && c <= 0xDFFF) || (c >= 0x40000 && c < 0xE0000) || c >= 0xF0000)
            continue;
        char one[8] = {0}, three[16] = {0};
        g_unichar_to_utf8(c, one);
        expect_as_icu(sc, one);
        if (c < 0x30000) {
            g_snprintf(three, sizeof three, "a%sb", one);
            expect_as_icu(sc, three);
        }
    }
    const char *names[] = {"p\u0430yp\u0430l",    "\u0405cott",         "rnodern",
                           "e\u0301\u0327x",      "\u1e9b\u0323",       "\u00c5ngstr\u00f6m",
                           "\u212bngstro\u0308m", "\u0639\u0644\u064a", "\u65e5\u672c",
                           "\u1100\u1161\u11a8"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        expect_as_icu(sc, names[i]);
    uspoof_close(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confusables),
        cmocka_unit_test(test_table_matches_icu),
        cmocka_unit_test(test_case_width_invisible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

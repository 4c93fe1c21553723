/* test_jid.c - unit tests for src/model/jid.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "model/jid.h"

/* Parse S, expecting success, and check every field. */
static void expect_jid(const char *s, const char *local, const char *domain, const char *resource,
                       const char *bare, const char *full)
{
    jid_t *j = jid_new(s);
    if (j == NULL)
        fail_msg("'%s' was rejected", s);
    if (local)
        assert_string_equal(j->local, local);
    else
        assert_null(j->local);
    assert_string_equal(j->domain, domain);
    if (resource)
        assert_string_equal(j->resource, resource);
    else
        assert_null(j->resource);
    assert_string_equal(j->bare, bare);
    assert_string_equal(j->full, full);
    assert_true(jid_is_valid(s));
    jid_free(j);
}

/* Expect S to be rejected by every entry point. */
static void expect_invalid(const char *s)
{
    jid_t *j = jid_new(s);
    if (j != NULL) {
        jid_free(j);
        fail_msg("'%s' was accepted", s ? s : "(null)");
    }
    assert_false(jid_is_valid(s));
    assert_false(jid_is_valid_bare(s));
    assert_null(jid_bare_of(s));
    assert_null(jid_resource_of(s));
    assert_null(jid_short_name(s));
    assert_false(jid_bare_equal(s, s));
}

/* A string of N copies of C (g_free). */
static char *repeat(char c, size_t n)
{
    char *s = g_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_valid_forms(void **state)
{
    expect_jid("user@example.org", "user", "example.org", NULL, "user@example.org",
               "user@example.org");
    expect_jid("example.org", NULL, "example.org", NULL, "example.org", "example.org");
    expect_jid("user@example.org/phone", "user", "example.org", "phone", "user@example.org",
               "user@example.org/phone");
    expect_jid("example.org/res", NULL, "example.org", "res", "example.org", "example.org/res");
    expect_jid("localhost", NULL, "localhost", NULL, "localhost", "localhost");
    expect_jid("a@b", "a", "b", NULL, "a@b", "a@b");
    expect_jid("x@127.0.0.1", "x", "127.0.0.1", NULL, "x@127.0.0.1", "x@127.0.0.1");
    expect_jid("room@conference.example.org/Nick Name", "room", "conference.example.org",
               "Nick Name", "room@conference.example.org", "room@conference.example.org/Nick Name");
    expect_jid("first.last+tag@my-host.example", "first.last+tag", "my-host.example", NULL,
               "first.last+tag@my-host.example", "first.last+tag@my-host.example");
}

static void test_resource_takes_rest(void **state)
{
    /* The first '/' starts the resource; '@' and '/' after it belong to it. */
    expect_jid("user@example.org/a/b@c", "user", "example.org", "a/b@c", "user@example.org",
               "user@example.org/a/b@c");
    expect_jid("example.org/user@host", NULL, "example.org", "user@host", "example.org",
               "example.org/user@host");
    expect_jid("a@b//", "a", "b", "/", "a@b", "a@b//");
}

static void test_empty_parts(void **state)
{
    expect_invalid(NULL);
    expect_invalid("");
    expect_invalid("@");
    expect_invalid("/");
    expect_invalid("@/");
    expect_invalid("@domain");
    expect_invalid("@example.org/res");
    expect_invalid("user@");
    expect_invalid("user@/res");
    expect_invalid("a@b/");
    expect_invalid("b/");
    expect_invalid("/res");
    expect_invalid("user@.");
    expect_invalid(".");
}

static void test_misplaced_at(void **state)
{
    expect_invalid("a@b@c");
    expect_invalid("a@@b");
    expect_invalid("a@b@c/res");
}

static void test_spaces_and_controls(void **state)
{
    expect_invalid("us er@example.org");
    expect_invalid("user@exa mple.org");
    expect_invalid(" user@example.org");
    expect_invalid("user@example.org ");
    expect_invalid("user\t@example.org");
    expect_invalid("user@example.org\n");
    expect_invalid("user\r@example.org");
    expect_invalid("us\x01"
                   "er@example.org");
    expect_invalid("user@exam\x7fple.org");
    expect_invalid("us\xc2\x85"
                   "er@example.org"); /* C1 NEL */
    expect_invalid("us\xc2\xa0"
                   "er@example.org"); /* no-break space */
    expect_invalid("us\xe3\x80\x80"
                   "er@example.org"); /* ideographic space */
    expect_invalid("us\xe2\x80\xae"
                   "er@example.org"); /* right-to-left override */
    expect_invalid("user@example.org/re\x01s");
    expect_invalid("user@example.org/res\x7f");
    expect_invalid("user@example.org/\x1b[31m");
    expect_invalid("user@example.org/\xc2\x9b"); /* C1 CSI */
    /* a space is fine in a resource */
    assert_true(jid_is_valid("user@example.org/my phone"));
    assert_true(jid_is_valid("user@example.org/ lead and trail "));
}

static void test_localpart_forbidden_chars(void **state)
{
    const char *bad[] = {"\"q\"@x.org", "a&b@x.org", "it's@x.org",
                         "a:b@x.org",   "a<b@x.org", "a>b@x.org"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        expect_invalid(bad[i]);
}

static void test_domain_labels(void **state)
{
    expect_invalid("user@example..org");
    expect_invalid("user@.example.org");
    expect_invalid("user@-example.org");
    expect_invalid("user@example-.org");
    expect_invalid("user@exa!mple.org");
    expect_invalid("user@exa:mple.org");
    expect_invalid("user@example.org..");
    expect_invalid("user@exa\"mple.org");
    assert_true(jid_is_valid("user@ex-ample.org"));
    assert_true(jid_is_valid("user@_xmpp.example.org"));

    char *label63 = repeat('a', 63);
    char *label64 = repeat('a', 64);
    char *ok = g_strdup_printf("u@%s.org", label63);
    char *bad = g_strdup_printf("u@%s.org", label64);
    assert_true(jid_is_valid(ok));
    expect_invalid(bad);
    g_free(label63);
    g_free(label64);
    g_free(ok);
    g_free(bad);
}

static void test_trailing_dot(void **state)
{
    expect_jid("user@example.org.", "user", "example.org", NULL, "user@example.org",
               "user@example.org");
    expect_jid("example.org./r", NULL, "example.org", "r", "example.org", "example.org/r");
    assert_true(jid_bare_equal("user@example.org.", "user@example.org"));
}

static void test_case_normalisation(void **state)
{
    expect_jid("User@EXAMPLE.Org/Phone", "user", "example.org", "Phone", "user@example.org",
               "user@example.org/Phone");
    /* Non-ASCII letters are kept (no full PRECIS), ASCII ones folded. */
    expect_jid("J\xc3\x9cRGEN@Example.ORG", "j\xc3\x9crgen", "example.org", NULL,
               "j\xc3\x9crgen@example.org", "j\xc3\x9crgen@example.org");
    /* Internationalised domain in Unicode form. */
    expect_jid("anna@B\xc3\xbc"
               "cher.example",
               "anna",
               "b\xc3\xbc"
               "cher.example",
               NULL,
               "anna@b\xc3\xbc"
               "cher.example",
               "anna@b\xc3\xbc"
               "cher.example");
}

static void test_ipv6_literal(void **state)
{
    expect_jid("[::1]", NULL, "[::1]", NULL, "[::1]", "[::1]");
    expect_jid("user@[::1]/res", "user", "[::1]", "res", "user@[::1]", "user@[::1]/res");
    expect_jid("user@[2001:DB8::A]", "user", "[2001:db8::a]", NULL, "user@[2001:db8::a]",
               "user@[2001:db8::a]");
    expect_invalid("user@[::1");
    expect_invalid("user@::1]");
    expect_invalid("user@[]");
    expect_invalid("user@[::g]");
    expect_invalid("user@[1.2.3.4]");
    expect_invalid("user@[::1].");
    expect_invalid("user@[::1]x");
    expect_invalid("user@x[::1]");
    expect_invalid("user@::1");
}

static void test_invalid_utf8(void **state)
{
    expect_invalid("\xff@example.org");
    expect_invalid("us\xc3@example.org"); /* truncated sequence */
    expect_invalid("\xc0\xaf"
                   "user@example.org");              /* overlong '/' */
    expect_invalid("user@example.org/\xed\xa0\x80"); /* UTF-16 surrogate */
    expect_invalid("user@exam\xfe"
                   "ple.org");
    expect_invalid("user@example.org/r\xf8\x88\x80\x80\x80");
}

static void test_part_lengths(void **state)
{
    char *l1023 = repeat('l', 1023);
    char *l1024 = repeat('l', 1024);
    char *s;

    s = g_strdup_printf("%s@example.org", l1023);
    assert_true(jid_is_valid(s));
    g_free(s);
    s = g_strdup_printf("%s@example.org", l1024);
    expect_invalid(s);
    g_free(s);

    s = g_strdup_printf("u@example.org/%s", l1023);
    assert_true(jid_is_valid(s));
    g_free(s);
    s = g_strdup_printf("u@example.org/%s", l1024);
    expect_invalid(s);
    g_free(s);

    /* Domain: at most 1023 bytes, made of labels of at most 63. */
    GString *dom = g_string_new(NULL);
    for (int i = 0; i < 16; i++)
        g_string_append_printf(dom, "%s%.63s", i ? "." : "", l1023);
    assert_int_equal(dom->len, 1023);
    assert_true(jid_is_valid(dom->str));
    /* The trailing dot does not count. */
    g_string_append_c(dom, '.');
    assert_true(jid_is_valid(dom->str));
    g_string_truncate(dom, 0);
    for (int i = 0; i < 15; i++)
        g_string_append_printf(dom, "%s%.63s", i ? "." : "", l1023);
    g_string_append_printf(dom, ".%.31s.%.32s", l1023, l1023);
    assert_int_equal(dom->len, 1024);
    expect_invalid(dom->str);
    g_string_free(dom, TRUE);
    g_free(l1023);
    g_free(l1024);
}

static void test_is_valid_bare(void **state)
{
    assert_true(jid_is_valid_bare("user@example.org"));
    assert_true(jid_is_valid_bare("example.org"));
    assert_true(jid_is_valid_bare("User@Example.org."));
    assert_false(jid_is_valid_bare("user@example.org/res"));
    assert_false(jid_is_valid_bare("example.org/res"));
    assert_false(jid_is_valid_bare("user@"));
    assert_false(jid_is_valid_bare(NULL));
}

static void test_bare_and_resource_of(void **state)
{
    char *s = jid_bare_of("User@Example.ORG./Res");
    assert_string_equal(s, "user@example.org");
    g_free(s);
    s = jid_bare_of("example.org");
    assert_string_equal(s, "example.org");
    g_free(s);

    s = jid_resource_of("a@b/R es/x");
    assert_string_equal(s, "R es/x");
    g_free(s);
    assert_null(jid_resource_of("a@b"));
    assert_null(jid_resource_of("a@b/"));
}

static void test_bare_equal(void **state)
{
    assert_true(jid_bare_equal("a@b", "a@b"));
    assert_true(jid_bare_equal("alice@example.org/phone", "ALICE@Example.Org./laptop"));
    assert_true(jid_bare_equal("example.org", "EXAMPLE.ORG/x"));
    assert_false(jid_bare_equal("a@b", "a@c"));
    assert_false(jid_bare_equal("a@b", "b"));
    assert_false(jid_bare_equal("a@b", "aa@b"));
    assert_false(jid_bare_equal("\xc3\x84@x", "\xc3\xa4@x")); /* non-ASCII case is exact */
    assert_false(jid_bare_equal("a@b", NULL));
    assert_false(jid_bare_equal(NULL, NULL));
    assert_false(jid_bare_equal("", ""));
    assert_false(jid_bare_equal("a b@c", "a b@c"));
}

static void test_short_name(void **state)
{
    char *s = jid_short_name("Alice@example.org/phone");
    assert_string_equal(s, "alice");
    g_free(s);
    s = jid_short_name("Example.org/res");
    assert_string_equal(s, "example.org");
    g_free(s);
    assert_null(jid_short_name("@example.org"));
}

static void test_free_null(void **state)
{
    jid_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_forms),
        cmocka_unit_test(test_resource_takes_rest),
        cmocka_unit_test(test_empty_parts),
        cmocka_unit_test(test_misplaced_at),
        cmocka_unit_test(test_spaces_and_controls),
        cmocka_unit_test(test_localpart_forbidden_chars),
        cmocka_unit_test(test_domain_labels),
        cmocka_unit_test(test_trailing_dot),
        cmocka_unit_test(test_case_normalisation),
        cmocka_unit_test(test_ipv6_literal),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_part_lengths),
        cmocka_unit_test(test_is_valid_bare),
        cmocka_unit_test(test_bare_and_resource_of),
        cmocka_unit_test(test_bare_equal),
        cmocka_unit_test(test_short_name),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_parse.c - command line splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "cmd/parse.h"

static void test_command_name(void **state)
{
    char *name;
    const char *args;
    assert_true(parse_command("/MSG  bob hi", &name, &args));
    assert_string_equal(name, "msg");
    assert_string_equal(args, "bob hi");
    g_free(name);
    assert_true(parse_command("/quit", &name, &args));
    assert_string_equal(name, "quit");
    assert_string_equal(args, "");
    g_free(name);
    assert_false(parse_command("//not a command", &name, &args));
    assert_false(parse_command("hello", &name, &args));
    assert_false(parse_command("/", &name, &args));
    assert_false(parse_command("/ x", &name, &args));
    assert_false(parse_command("", &name, &args));
}

static void test_words_rest(void **state)
{
    char **w;
    int n;
    char *err = NULL;
    assert_true(parse_words("bob@example.org  hello   world ", 2, &w, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(w[0], "bob@example.org");
    assert_string_equal(w[1], "hello   world ");
    assert_null(w[2]);
    g_strfreev(w);
}

static void test_words_quotes(void **state)
{
    char **w;
    int n;
    char *err = NULL;
    assert_true(parse_words("add \"My Friends\" \"a \\\"b\\\" \\\\c\" x", 0, &w, &n, &err));
    assert_int_equal(n, 4);
    assert_string_equal(w[1], "My Friends");
    assert_string_equal(w[2], "a \"b\" \\c");
    assert_string_equal(w[3], "x");
    g_strfreev(w);
    assert_true(parse_words("\"\"", 0, &w, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(w[0], "");
    g_strfreev(w);
}

static void test_words_errors(void **state)
{
    char **w = NULL;
    int n = -1;
    char *err = NULL;
    assert_false(parse_words("a \"unterminated", 0, &w, &n, &err));
    assert_non_null(err);
    assert_string_equal(err, "unterminated quote");
    g_free(err);
    assert_true(parse_words("   ", 0, &w, &n, &err));
    assert_int_equal(n, 0);
    assert_null(w[0]);
    g_strfreev(w);
    assert_true(parse_words(NULL, 3, &w, &n, &err));
    assert_int_equal(n, 0);
    g_strfreev(w);
}

static void test_options(void **state)
{
    char **w;
    int n;
    char *err = NULL;
    static const char *const keys[] = {"server", "port", "tls", NULL};
    const char *vals[3];
    assert_true(parse_words("me@x.org server 127.0.0.1 tls direct", 0, &w, &n, &err));
    assert_true(parse_options(w, n, 1, keys, vals, &err));
    assert_string_equal(vals[0], "127.0.0.1");
    assert_null(vals[1]);
    assert_string_equal(vals[2], "direct");
    g_strfreev(w);

    assert_true(parse_words("me@x.org bogus 1", 0, &w, &n, &err));
    assert_false(parse_options(w, n, 1, keys, vals, &err));
    assert_non_null(strstr(err, "unknown option 'bogus'"));
    g_free(err);
    g_strfreev(w);

    assert_true(parse_words("me@x.org port", 0, &w, &n, &err));
    assert_false(parse_options(w, n, 1, keys, vals, &err));
    assert_string_equal(err, "option 'port' needs a value");
    g_free(err);
    g_strfreev(w);

    assert_true(parse_words("me@x.org port 1 port 2", 0, &w, &n, &err));
    assert_false(parse_options(w, n, 1, keys, vals, &err));
    assert_string_equal(err, "option 'port' given twice");
    g_free(err);
    g_strfreev(w);
}

static void test_int(void **state)
{
    long v = 0;
    assert_true(parse_int("5222", 1, 65535, &v));
    assert_int_equal(v, 5222);
    assert_false(parse_int("0", 1, 65535, &v));
    assert_false(parse_int("65536", 1, 65535, &v));
    assert_false(parse_int("12x", 1, 65535, &v));
    assert_false(parse_int("", 1, 65535, &v));
    assert_false(parse_int("99999999999999999999999", 1, 65535, &v));
}

static void test_unquote(void **state)
{
    char *s = parse_unquote("\"\"");
    assert_string_equal(s, "");
    g_free(s);
    s = parse_unquote("  \"gone fishing\"");
    assert_string_equal(s, "gone fishing");
    g_free(s);
    s = parse_unquote("\"say \\\"hi\\\"\"");
    assert_string_equal(s, "say \"hi\"");
    g_free(s);
    /* not one quoted word: kept as typed */
    assert_null(parse_unquote("plain"));
    assert_null(parse_unquote("\"a\" \"b\""));
    assert_null(parse_unquote("\"a\"b"));
    assert_null(parse_unquote("\"open"));
    assert_null(parse_unquote("x \"a\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_name), cmocka_unit_test(test_words_rest),
        cmocka_unit_test(test_words_quotes), cmocka_unit_test(test_words_errors),
        cmocka_unit_test(test_options),      cmocka_unit_test(test_int),
        cmocka_unit_test(test_unquote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

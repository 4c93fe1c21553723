/* test_json.c - JSON strings for the event stream: escaping that never lets
 * a control character, a terminal escape or invalid UTF-8 through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/json.h"

static char *quoted(const char *s)
{
    GString *out = g_string_new(NULL);
    json_append_string(out, s);
    return g_string_free(out, FALSE);
}

#define assert_quoted(in, want)                                                                    \
    do {                                                                                           \
        char *got_ = quoted(in);                                                                   \
        assert_string_equal(got_, want);                                                           \
        g_free(got_);                                                                              \
    } while (0)

static void test_plain_and_null(void **state)
{
    assert_quoted("hello", "\"hello\"");
    assert_quoted("", "\"\"");
    assert_quoted(NULL, "null");
    assert_quoted("caf\xc3\xa9 \xf0\x9f\x91\x8d", "\"caf\xc3\xa9 \xf0\x9f\x91\x8d\"");
}

static void test_quotes_backslash_and_whitespace(void **state)
{
    assert_quoted("a\"b\\c", "\"a\\\"b\\\\c\"");
    assert_quoted("one\ntwo\r\tthree", "\"one\\ntwo\\r\\tthree\"");
}

/* ESC, BEL, DEL and the C1 controls (CSI U+009B) never pass raw. */
static void test_controls_escaped(void **state)
{
    assert_quoted("\x1b[31mred\x07", "\"\\u001b[31mred\\u0007\"");
    assert_quoted("\x01\x7f", "\"\\u0001\\u007f\"");
    assert_quoted("\xc2\x9b"
                  "2J",
                  "\"\\u009b2J\"");
    assert_quoted("a\xe2\x80\xa8"
                  "b\xe2\x80\xa9",
                  "\"a\\u2028b\\u2029\"");
}

static void test_invalid_utf8_replaced(void **state)
{
    assert_quoted("a\xff"
                  "b",
                  "\"a\\ufffdb\"");
    assert_quoted("\xc3", "\"\\ufffd\"");                       /* cut sequence */
    assert_quoted("\xc0\xaf", "\"\\ufffd\\ufffd\"");            /* overlong */
    assert_quoted("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
    assert_quoted("\xe2\x82"
                  "x",
                  "\"\\ufffd\\ufffdx\"");
}

static void test_members(void **state)
{
    GString *out = g_string_new("{");
    json_add_int(out, "v", 1);
    json_add_string(out, "type", "message");
    json_add_string(out, "left out", NULL);
    json_add_bool(out, "outgoing", false);
    json_add_int(out, "row", -5);
    g_string_append_c(out, '}');
    assert_string_equal(out->str, "{\"v\":1,\"type\":\"message\",\"outgoing\":false,\"row\":-5}");
    g_string_free(out, TRUE);
}

/* Arrays of strings (a reaction's emojis) and nested objects (a message's
 * attachment): members escaped like any string, NULL ones left out. */
static void test_array_and_object(void **state)
{
    GString *out = g_string_new("{");
    const char *emojis[] = {"\xf0\x9f\x91\x8d", NULL, "a\"\x1b"};
    json_add_string_array(out, "emojis", emojis, 3);
    json_add_string_array(out, "none", emojis, 0);
    json_open_object(out, "attachment");
    json_add_string(out, "url", "http://127.0.0.1/f");
    json_add_int(out, "num", 3);
    g_string_append(out, "}}");
    assert_string_equal(out->str, "{\"emojis\":[\"\xf0\x9f\x91\x8d\",\"a\\\"\\u001b\"],"
                                  "\"none\":[],"
                                  "\"attachment\":{\"url\":\"http://127.0.0.1/f\",\"num\":3}}");
    g_string_free(out, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_null),
        cmocka_unit_test(test_quotes_backslash_and_whitespace),
        cmocka_unit_test(test_controls_escaped),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_array_and_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

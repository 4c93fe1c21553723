/* test_qr.c - the text drawing of QR codes (src/cmd/qr.c): reading the half
 * blocks back gives libqrencode's symbol, with the quiet zone around it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <qrencode.h>

#include "cmd/qr.h"

/* Module (X, Y) as drawn: true when light (drawn). */
static bool drawn(char **lines, int x, int y)
{
    const char *p = lines[y / 2];
    for (int i = 0; i < x; i++)
        p = g_utf8_next_char(p);
    gunichar c = g_utf8_get_char(p);
    bool top = c == 0x2588 || c == 0x2580;
    bool bottom = c == 0x2588 || c == 0x2584;
    return y % 2 ? bottom : top;
}

static void test_round_trip(void **state)
{
    const char *uri = "xmpp:alice@example.org?omemo-sid-1234567890="
                      "9e76a564d29ae9348f16516f0a51612458f82bf5381523359cb40f9abb82f675";
    char *err = NULL;
    char **lines = qr_lines(uri, &err);
    assert_non_null(lines);
    QRcode *q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int size = q->width + 2 * QR_QUIET;
    assert_int_equal(g_strv_length(lines), (size + 1) / 2);
    for (int y = 0; y < size; y++) {
        assert_int_equal(g_utf8_strlen(lines[y / 2], -1), size);
        for (int x = 0; x < size; x++) {
            int mx = x - QR_QUIET, my = y - QR_QUIET;
            bool quiet = mx < 0 || my < 0 || mx >= q->width || my >= q->width;
            bool dark = !quiet && (q->data[my * q->width + mx] & 1);
            if (drawn(lines, x, y) != !dark)
                fail_msg("module %d,%d differs", x, y);
        }
    }
    QRcode_free(q);
    g_strfreev(lines);
}

static void test_too_long(void **state)
{
    char *big = g_strnfill(8000, 'x'); /* more than a version 40 symbol holds */
    char *err = NULL;
    assert_null(qr_lines(big, &err));
    assert_non_null(err);
    g_free(err);
    g_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

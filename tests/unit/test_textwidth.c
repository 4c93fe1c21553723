/* test_textwidth.c - unit tests for src/ui/textwidth.c */
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>
#include <glib.h>

#include "ui/textwidth.h"

/* Test text, spelled out as bytes. */
#define ZH "\xe4\xb8\xad"       /* U+4E2D, width 2 */
#define WEN "\xe6\x96\x87"      /* U+6587, width 2 */
#define GRIN "\xf0\x9f\x98\x80" /* U+1F600 emoji, width 2 */
#define ACUTE "\xcc\x81"        /* U+0301 COMBINING ACUTE ACCENT, width 0 */
#define E_ACUTE "e" ACUTE       /* decomposed e-acute, width 1 */
#define PRECOMP "\xc3\xa9"      /* U+00E9, width 1 */
#define ZWJ "\xe2\x80\x8d"      /* U+200D ZERO WIDTH JOINER */
#define REPL "\xef\xbf\xbd"     /* U+FFFD, width 1 */

static void test_width_ascii_and_empty(void **state)
{
    assert_int_equal(textwidth_str(""), 0);
    assert_int_equal(textwidth_str(NULL), 0);
    assert_int_equal(textwidth_str("a"), 1);
    assert_int_equal(textwidth_str("hello, world"), 12);
    assert_int_equal(textwidth_str("   "), 3);
    assert_int_equal(textwidth_n("hello", 0), 0);
    assert_int_equal(textwidth_n("hello", 3), 3);
    assert_int_equal(textwidth_n(NULL, 3), 0);
}

static void test_width_wide_characters(void **state)
{
    assert_int_equal(textwidth_str(ZH WEN), 4);
    assert_int_equal(textwidth_str(GRIN), 2);
    assert_int_equal(textwidth_str("a" GRIN "b"), 4);
    assert_int_equal(textwidth_str("x" ZH "y" WEN "z"), 7);
    assert_int_equal(textwidth_str("\xe3\x80\x80"), 2); /* U+3000 */
    assert_int_equal(textwidth_str("\xea\xb0\x80"), 2); /* U+AC00 */
    assert_int_equal(textwidth_str(PRECOMP), 1);
    assert_int_equal(textwidth_str(REPL), 1);
    /* Control pictures, as put there by the sanitiser, are narrow. */
    assert_int_equal(textwidth_str("\xe2\x90\x9b[31m"), 5);
}

static void test_width_combining_and_zero_width(void **state)
{
    assert_int_equal(textwidth_str(E_ACUTE), 1);
    assert_int_equal(textwidth_str(E_ACUTE ACUTE ACUTE), 1);
    assert_int_equal(textwidth_str("caf" E_ACUTE), 4);
    assert_int_equal(textwidth_str(ZH ACUTE), 2);
    assert_int_equal(textwidth_str("a\xe2\x80\x8b"
                                   "b"),
                     2); /* ZWSP */
    /* woman ZWJ laptop: measured per character, as wcwidth does. */
    assert_int_equal(textwidth_str("\xf0\x9f\x91\xa9" ZWJ "\xf0\x9f\x92\xbb"), 4);
    /* A lone combining mark takes no column. */
    assert_int_equal(textwidth_str(ACUTE), 0);
}

static void test_width_rejected_characters(void **state)
{
    /* wcwidth() rejects these; each is counted as one column. */
    assert_int_equal(textwidth_str("\t"), 1);
    assert_int_equal(textwidth_str("a\nb"), 3);
    assert_int_equal(textwidth_str("\x1b"), 1);
    assert_int_equal(textwidth_str("\xef\xbf\xbf"), 1);     /* U+FFFF */
    assert_int_equal(textwidth_str("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
    /* Ill-formed UTF-8: one column per maximal ill-formed subpart. */
    assert_int_equal(textwidth_str("\xff"), 1);
    assert_int_equal(textwidth_str("\xc0\x80"), 2);
    assert_int_equal(textwidth_str("\xed\xa0\x80"), 3);
    assert_int_equal(textwidth_str("\xe4\xb8"), 1);
    assert_int_equal(textwidth_str("\xe4\xb8"
                                   "a"),
                     2);
    assert_int_equal(textwidth_str("a\x80" ACUTE), 2);
}

static void test_width_n_stops(void **state)
{
    /* Length counts bytes; a character cut in two is one bad column. */
    assert_int_equal(textwidth_n(ZH WEN, 3), 2);
    assert_int_equal(textwidth_n(ZH WEN, 6), 4);
    assert_int_equal(textwidth_n(ZH WEN, 4), 3);
    assert_int_equal(textwidth_n(ZH WEN, 2), 1);
    /* The combining mark past LEN is not looked at. */
    assert_int_equal(textwidth_n(E_ACUTE "x", 1), 1);
    assert_int_equal(textwidth_n(E_ACUTE "x", 4), 2);
    /* A NUL ends the text even when LEN goes further. */
    assert_int_equal(textwidth_n("ab\0cd", 5), 2);
    assert_int_equal(textwidth_n("ab", 1000), 2);
    assert_int_equal(textwidth_n("ab", SIZE_MAX), 2);
}

static void test_fit(void **state)
{
    int cols = -1;

    assert_int_equal(textwidth_fit("hello", 3, &cols), 3);
    assert_int_equal(cols, 3);
    assert_int_equal(textwidth_fit("hello", 5, &cols), 5);
    assert_int_equal(cols, 5);
    assert_int_equal(textwidth_fit("hello", 80, &cols), 5);
    assert_int_equal(cols, 5);
    assert_int_equal(textwidth_fit("hello", 0, &cols), 0);
    assert_int_equal(cols, 0);
    cols = -1;
    assert_int_equal(textwidth_fit("hello", -4, &cols), 0);
    assert_int_equal(cols, 0);
    assert_int_equal(textwidth_fit("", 10, &cols), 0);
    assert_int_equal(cols, 0);
    cols = -1;
    assert_int_equal(textwidth_fit(NULL, 10, &cols), 0);
    assert_int_equal(cols, 0);
    assert_int_equal(textwidth_fit("abc", 2, NULL), 2);
}

static void test_fit_wide_and_combining(void **state)
{
    int cols = -1;

    /* A wide character that would overflow is left out entirely. */
    assert_int_equal(textwidth_fit(ZH WEN, 3, &cols), 3);
    assert_int_equal(cols, 2);
    assert_int_equal(textwidth_fit(ZH WEN, 1, &cols), 0);
    assert_int_equal(cols, 0);
    assert_int_equal(textwidth_fit(ZH WEN, 4, &cols), 6);
    assert_int_equal(cols, 4);
    assert_int_equal(textwidth_fit("a" GRIN "b", 2, &cols), 1);
    assert_int_equal(cols, 1);
    assert_int_equal(textwidth_fit("a" GRIN "b", 3, &cols), 5);
    assert_int_equal(cols, 3);
    /* Marks stay with their base: "e" + U+0301 is taken whole. */
    assert_int_equal(textwidth_fit(E_ACUTE "x", 1, &cols), 3);
    assert_int_equal(cols, 1);
    assert_int_equal(textwidth_fit(E_ACUTE ACUTE "x", 1, &cols), 5);
    assert_int_equal(cols, 1);
    assert_int_equal(textwidth_fit("ab" E_ACUTE "cd", 3, &cols), 5);
    assert_int_equal(cols, 3);
    assert_int_equal(textwidth_fit(ZH ACUTE "x", 2, &cols), 5);
    assert_int_equal(cols, 2);
    /* A leading mark with no base fits in zero columns. */
    assert_int_equal(textwidth_fit(ACUTE "a", 0, &cols), 2);
    assert_int_equal(cols, 0);
    cols = -1;
    assert_int_equal(textwidth_fit(ACUTE "a", -3, &cols), 2); /* as for 0 */
    assert_int_equal(cols, 0);
    /* An ill-formed byte counts as one column. */
    assert_int_equal(textwidth_fit("\xff\xfe"
                                   "a",
                                   2, &cols),
                     2);
    assert_int_equal(cols, 2);
}

/* Wrap S at WIDTH and check the rows against the N strings in WANT, and the
 * count returned without an array against the one returned with it. */
static void check_wrap(const char *s, int width, const char *const *want, size_t n)
{
    textwidth_row *rows = NULL;
    size_t got = textwidth_wrap(s, width, &rows);
    size_t slen = s != NULL ? strlen(s) : 0;

    assert_non_null(rows);
    if (got != n)
        fail_msg("wrap(\"%s\", %d): %zu rows, expected %zu", s, width, got, n);
    for (size_t i = 0; i < n; i++) {
        char *row = g_strndup(s != NULL ? s + rows[i].start : "", rows[i].len);

        assert_true(rows[i].start + rows[i].len <= slen);
        if (i > 0)
            assert_true(rows[i].start >= rows[i - 1].start + rows[i - 1].len);
        if (strcmp(row, want[i]) != 0)
            fail_msg("wrap(\"%s\", %d) row %zu: \"%s\", expected \"%s\"", s, width, i, row,
                     want[i]);
        g_free(row);
    }
    assert_int_equal(textwidth_wrap(s, width, NULL), got);
    g_free(rows);
}

#define ROWS(...)                                                                                  \
    (const char *const[])                                                                          \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
#define NROWS(...) (sizeof(ROWS(__VA_ARGS__)) / sizeof(const char *))
#define WRAP(s, w, ...) check_wrap((s), (w), ROWS(__VA_ARGS__), NROWS(__VA_ARGS__))

static void test_wrap_empty(void **state)
{
    textwidth_row *rows = NULL;

    assert_int_equal(textwidth_wrap("", 10, &rows), 1);
    assert_int_equal(rows[0].start, 0);
    assert_int_equal(rows[0].len, 0);
    g_free(rows);
    WRAP("", 1, "");
    WRAP(NULL, 5, "");
}

static void test_wrap_fits(void **state)
{
    textwidth_row *rows = NULL;

    WRAP("hello", 5, "hello");
    WRAP("hello world", 11, "hello world");
    WRAP("hello world", 80, "hello world");
    assert_int_equal(textwidth_wrap("hello world", 11, &rows), 1);
    assert_int_equal(rows[0].start, 0);
    assert_int_equal(rows[0].len, 11);
    g_free(rows);
}

static void test_wrap_at_spaces(void **state)
{
    textwidth_row *rows = NULL;

    WRAP("hello world", 5, "hello", "world");
    WRAP("hello world", 8, "hello", "world");
    WRAP("hello world", 10, "hello", "world");
    WRAP("the quick brown fox", 10, "the quick", "brown fox");
    WRAP("the quick brown fox jumps", 15, "the quick brown", "fox jumps");
    WRAP("a b c d e", 3, "a b", "c d", "e");
    /* The space at the break is dropped: check the exact byte ranges. */
    assert_int_equal(textwidth_wrap("hello world", 7, &rows), 2);
    assert_int_equal(rows[0].start, 0);
    assert_int_equal(rows[0].len, 5);
    assert_int_equal(rows[1].start, 6);
    assert_int_equal(rows[1].len, 5);
    g_free(rows);
    /* A break at a trailing space makes no empty row after it. */
    WRAP("abc ", 3, "abc");
    WRAP("abc def ", 3, "abc", "def");
    /* Only the one space at the break goes; other spaces are kept. */
    WRAP("ab  cd", 3, "ab ", "cd");
    WRAP("a  b", 1, "a", " ", "b");
    /* A leading space is not a break point: it stays on the first row. */
    WRAP(" abcdef", 3, " ab", "cde", "f");
}

static void test_wrap_hard_break(void **state)
{
    textwidth_row *rows = NULL;

    WRAP("abcdefghij", 4, "abcd", "efgh", "ij");
    WRAP("abcdefgh", 4, "abcd", "efgh");
    WRAP("hi abcdefghij", 4, "hi", "abcd", "efgh", "ij");
    WRAP("abcdefghij xy", 5, "abcde", "fghij", "xy");
    /* A long word after a short one moves to its own row first. */
    WRAP("ab cdefghijk", 5, "ab", "cdefg", "hijk");
    assert_int_equal(textwidth_wrap("abcdefghij", 4, &rows), 3);
    assert_int_equal(rows[1].start, 4);
    assert_int_equal(rows[1].len, 4);
    assert_int_equal(rows[2].start, 8);
    assert_int_equal(rows[2].len, 2);
    g_free(rows);
}

static void test_wrap_wide_characters(void **state)
{
    /* A wide character never straddles two rows. */
    WRAP(ZH WEN ZH WEN, 3, ZH, WEN, ZH, WEN);
    WRAP(ZH WEN ZH WEN, 4, ZH WEN, ZH WEN);
    WRAP(ZH WEN ZH WEN, 5, ZH WEN, ZH WEN);
    WRAP(ZH WEN ZH WEN, 8, ZH WEN ZH WEN);
    WRAP("a" ZH, 2, "a", ZH);
    WRAP("ab" ZH "c", 3, "ab", ZH "c");
    WRAP(GRIN GRIN GRIN, 4, GRIN GRIN, GRIN);
    WRAP(GRIN GRIN GRIN, 5, GRIN GRIN, GRIN);
    WRAP("ok " GRIN GRIN, 4, "ok", GRIN GRIN);
    WRAP(ZH " " WEN, 2, ZH, WEN);
}

static void test_wrap_combining_marks(void **state)
{
    /* Hard breaks never separate a base from its marks. */
    WRAP(E_ACUTE E_ACUTE E_ACUTE, 2, E_ACUTE E_ACUTE, E_ACUTE);
    WRAP(E_ACUTE E_ACUTE, 1, E_ACUTE, E_ACUTE);
    WRAP("ab" E_ACUTE ACUTE "cd", 3, "ab" E_ACUTE ACUTE, "cd");
    WRAP(ZH ACUTE WEN, 2, ZH ACUTE, WEN);
    /* A space carrying a mark is a character, not a break point. */
    WRAP("ab " ACUTE "cd", 3, "ab " ACUTE, "cd");
    WRAP("ab " ACUTE "cd", 4, "ab " ACUTE "c", "d");
    /* Marks at the end of a fitting row stay on it. */
    WRAP("abc" ACUTE " de", 3, "abc" ACUTE, "de");
}

static void test_wrap_newlines(void **state)
{
    WRAP("ab\ncd", 10, "ab", "cd");
    WRAP("ab\n\ncd", 10, "ab", "", "cd");
    WRAP("\n", 10, "", "");
    WRAP("abc\n", 10, "abc", "");
    WRAP("\nabc", 10, "", "abc");
    WRAP("hello world\nbye", 5, "hello", "world", "bye");
    WRAP("abcdef\ngh", 3, "abc", "def", "gh");
    /* A newline right at a break still gives only the one break. */
    WRAP("abc\ndef", 3, "abc", "def");
    WRAP("abc \ndef", 3, "abc", "def");
    /* A mark after a newline does not reach back over it. */
    WRAP("a\n" ACUTE "b", 5, "a", ACUTE "b");
}

static void test_wrap_width_one(void **state)
{
    WRAP("abc", 1, "a", "b", "c");
    WRAP("a b", 1, "a", "b");
    WRAP(" ", 1, " ");
    WRAP("a ", 1, "a");
    /* A wide character wider than the row still gets a row of its own. */
    WRAP(ZH, 1, ZH);
    WRAP("a" ZH "b", 1, "a", ZH, "b");
    WRAP(GRIN GRIN, 1, GRIN, GRIN);
    WRAP(ZH ACUTE "x", 1, ZH ACUTE, "x");
    /* Width below one is treated as one. */
    WRAP("ab", 0, "a", "b");
    WRAP("ab", -7, "a", "b");
}

/* Deterministic pseudo-random numbers (xorshift32) so a failure reproduces. */
static uint32_t rnd_next(uint32_t *st)
{
    uint32_t x = *st;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *st = x;
    return x;
}

/* Build a random NUL-terminated text of well-formed pieces into BUF. */
static void random_text(uint32_t *st, char *buf, size_t cap)
{
    static const char *const pieces[] = {
        "a",   "bc", "defgh", "ijklmnopqrs", ZH,   WEN,  GRIN,    E_ACUTE,
        ACUTE, " ",  " ",     " ",           "  ", "\n", PRECOMP, ZWJ,
    };
    size_t n = 0, want = rnd_next(st) % 60;

    while (n < want) {
        const char *pc = pieces[rnd_next(st) % G_N_ELEMENTS(pieces)];
        size_t k = strlen(pc);

        if (n + k >= cap)
            break;
        memcpy(buf + n, pc, k);
        n += k;
    }
    buf[n] = '\0';
}

/* Width of the character at P (wcwidth, rejected ones count 1). */
static int char_width(const char *p)
{
    int w = wcwidth((wchar_t)g_utf8_get_char(p));

    return w < 0 ? 1 : w;
}

static void test_fit_random_properties(void **state)
{
    uint32_t st = 0x9e3779b9u;

    for (int iter = 0; iter < 3000; iter++) {
        char buf[256];

        random_text(&st, buf, sizeof buf);
        for (int c = 0; c < 14; c++) {
            int cols = -1;
            size_t len = textwidth_fit(buf, c, &cols);

            assert_true(len <= strlen(buf));
            assert_in_range(cols, 0, c);
            assert_int_equal(textwidth_n(buf, len), cols);
            assert_true(g_utf8_validate(buf, (gssize)len, NULL));
            /* The cut is before a character that starts a unit and that
             * would not have fitted. */
            if (buf[len] != '\0') {
                assert_int_not_equal(char_width(buf + len), 0);
                assert_true(cols + char_width(buf + len) > c);
            }
        }
        assert_int_equal(textwidth_fit(buf, INT_MAX, NULL), strlen(buf));
    }
}

static void test_wrap_random_properties(void **state)
{
    uint32_t st = 0x1234567u;

    for (int iter = 0; iter < 3000; iter++) {
        char buf[256];
        textwidth_row *rows = NULL;
        size_t n, end = 0, slen;
        int width = 1 + (int)(rnd_next(&st) % 12);

        random_text(&st, buf, sizeof buf);
        slen = strlen(buf);
        n = textwidth_wrap(buf, width, &rows);
        assert_true(n >= 1);
        assert_int_equal(textwidth_wrap(buf, width, NULL), n);
        assert_int_equal(rows[0].start, 0);
        for (size_t i = 0; i < n; i++) {
            const char *row = buf + rows[i].start;
            size_t gap = rows[i].start - end;
            int w = textwidth_n(row, rows[i].len);

            assert_true(rows[i].start >= end);
            assert_true(rows[i].start + rows[i].len <= slen);
            assert_null(memchr(row, '\n', rows[i].len));
            assert_true(g_utf8_validate(row, (gssize)rows[i].len, NULL));
            if (i > 0) {
                /* Rows are separated by nothing (hard break), by the one
                 * dropped space, by a newline, or by a space dropped at the
                 * end of a line and that line's newline. */
                assert_in_range(gap, 0, 2);
                if (gap == 1)
                    assert_true(buf[end] == ' ' || buf[end] == '\n');
                if (gap == 2)
                    assert_memory_equal(buf + end, " \n", 2);
                /* Away from a newline, a row never starts with a mark. */
                if ((gap == 0 || (gap == 1 && buf[end] == ' ')) && rows[i].len > 0)
                    assert_int_not_equal(char_width(row), 0);
                /* Only a newline makes an empty row. */
                if (rows[i].len == 0)
                    assert_int_equal(buf[rows[i].start - 1], '\n');
            }
            /* Rows fit, except a lone wide unit on a one-column row. */
            if (w > width) {
                assert_int_equal(width, 1);
                assert_int_equal(w, 2);
                assert_int_equal(textwidth_fit(row, 1, NULL), 0);
                assert_true(textwidth_fit(row, 2, NULL) >= rows[i].len);
            }
            end = rows[i].start + rows[i].len;
        }
        /* Everything up to the end is covered; at most a dropped space or
         * nothing is left after the last row. */
        assert_true(end == slen || (end + 1 == slen && buf[end] == ' '));
        g_free(rows);
    }
}

/* Emoji sequences are taken apart for drawing as terminals measure them. */
static void test_terminal_emoji_sequences(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        /* man ZWJ woman ZWJ girl: the joiners go */
        {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
         "\xF0\x9F\x91\xA8\xF0\x9F\x91\xA9\xF0\x9F\x91\xA7"},
        /* heart + VS16 (narrow base): the selector goes */
        {"a\xE2\x9D\xA4\xEF\xB8\x8F b", "a\xE2\x9D\xA4 b"},
        /* grinning face + VS16 (wide base): kept */
        {"\xF0\x9F\x98\x80\xEF\xB8\x8F", "\xF0\x9F\x98\x80\xEF\xB8\x8F"},
        /* Devanagari KSSA with ZWJ (shaping): kept */
        {"\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7",
         "\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7"},
        {"plain text", "plain text"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = textwidth_terminal(cases[i].in);
        assert_string_equal(got, cases[i].out);
        g_free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_ascii_and_empty),
        cmocka_unit_test(test_width_wide_characters),
        cmocka_unit_test(test_width_combining_and_zero_width),
        cmocka_unit_test(test_width_rejected_characters),
        cmocka_unit_test(test_width_n_stops),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_fit_wide_and_combining),
        cmocka_unit_test(test_wrap_empty),
        cmocka_unit_test(test_wrap_fits),
        cmocka_unit_test(test_wrap_at_spaces),
        cmocka_unit_test(test_wrap_hard_break),
        cmocka_unit_test(test_wrap_wide_characters),
        cmocka_unit_test(test_wrap_combining_marks),
        cmocka_unit_test(test_wrap_newlines),
        cmocka_unit_test(test_wrap_width_one),
        cmocka_unit_test(test_fit_random_properties),
        cmocka_unit_test(test_wrap_random_properties),
        cmocka_unit_test(test_terminal_emoji_sequences),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
        fprintf(stderr, "test_textwidth: cannot set locale C.UTF-8\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

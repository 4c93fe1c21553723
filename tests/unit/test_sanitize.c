/* test_sanitize.c - unit tests for src/ui/sanitize.c */
#include <locale.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "ui/sanitize.h"

/* Output fragments, spelled out as bytes so that a typo cannot hide. */
#define REPL "\xef\xbf\xbd"    /* U+FFFD REPLACEMENT CHARACTER */
#define PIC_NUL "\xe2\x90\x80" /* U+2400 SYMBOL FOR NULL */
#define PIC_BEL "\xe2\x90\x87" /* U+2407 SYMBOL FOR BELL */
#define PIC_BS "\xe2\x90\x88"  /* U+2408 SYMBOL FOR BACKSPACE */
#define PIC_TAB "\xe2\x90\x89" /* U+2409 SYMBOL FOR HORIZONTAL TABULATION */
#define PIC_LF "\xe2\x90\x8a"  /* U+240A SYMBOL FOR LINE FEED */
#define PIC_CR "\xe2\x90\x8d"  /* U+240D SYMBOL FOR CARRIAGE RETURN */
#define PIC_ESC "\xe2\x90\x9b" /* U+241B SYMBOL FOR ESCAPE */
#define PIC_US "\xe2\x90\x9f"  /* U+241F SYMBOL FOR UNIT SEPARATOR */
#define PIC_DEL "\xe2\x90\xa1" /* U+2421 SYMBOL FOR DELETE */

/* Sanitise IN (LEN bytes, or NUL-terminated when LEN < 0) with FLAGS and
 * check the result byte for byte against EXPECTED.  For NUL-terminated input
 * also check that sanitize_needed() agrees with what happened. */
static void check(const char *in, long len, unsigned flags, const char *expected)
{
    char *out = sanitize_text(in, len, flags);

    assert_non_null(out);
    assert_string_equal(out, expected);
    assert_int_equal(strlen(out), strlen(expected));
    assert_true(g_utf8_validate(out, -1, NULL));
    if (len < 0 && in != NULL)
        assert_int_equal(sanitize_needed(in, flags), strcmp(in, out) != 0);
    g_free(out);
}

static void test_null_and_empty(void **state)
{
    char *out = sanitize_text(NULL, -1, 0);

    assert_string_equal(out, "");
    g_free(out);
    out = sanitize_text(NULL, 5, SANITIZE_KEEP_NEWLINE);
    assert_string_equal(out, "");
    g_free(out);
    check("", -1, 0, "");
    check("abc", 0, 0, "");
    assert_int_equal(sanitize_needed(NULL, 0), 0);
    assert_int_equal(sanitize_needed("", 0), 0);
}

static void test_plain_text_unchanged(void **state)
{
    check("hello, world", -1, 0, "hello, world");
    check(" !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~", -1, 0,
          " !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~");
    /* Multi-byte text of every length passes through untouched. */
    check("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", -1, 0,
          "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80");
    /* e + COMBINING ACUTE ACCENT, NBSP U+00A0, ZWJ emoji sequence. */
    check("e\xcc\x81\xc2\xa0\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", -1, 0,
          "e\xcc\x81\xc2\xa0\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb");
    /* A literal U+FFFD is already safe. */
    check(REPL, -1, 0, REPL);
    assert_int_equal(sanitize_needed("caf\xc3\xa9", 0), 0);
}

static void test_csi_escape_sequence(void **state)
{
    check("\x1b[31mred\x1b[0m", -1, 0, PIC_ESC "[31mred" PIC_ESC "[0m");
    check("\x1b[2J\x1b[H", -1, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB,
          PIC_ESC "[2J" PIC_ESC "[H");
    assert_int_equal(sanitize_needed("\x1b[31m", 0), 1);
}

static void test_osc_title_sequence(void **state)
{
    check("\x1b]0;title\x07", -1, 0, PIC_ESC "]0;title" PIC_BEL);
    /* OSC 52 clipboard write ended by ST (ESC \). */
    check("\x1b]52;c;aGk=\x1b\\x", -1, 0, PIC_ESC "]52;c;aGk=" PIC_ESC "\\x");
}

static void test_every_c0_control(void **state)
{
    for (unsigned c = 1; c < 0x20; c++) {
        char in[4] = {'<', (char)c, '>', '\0'};
        char want[6] = {'<', '\xe2', '\x90', (char)(0x80 + c), '>', '\0'};

        check(in, -1, 0, want);
    }
    check("\x1f", -1, 0, PIC_US);
    check("a\x08"
          "b\rc",
          -1, SANITIZE_KEEP_NEWLINE, "a" PIC_BS "b" PIC_CR "c");
    check("\x7f", -1, 0, PIC_DEL);
    check("x\x7fy", -1, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB, "x" PIC_DEL "y");
}

static void test_newline_flag(void **state)
{
    check("one\ntwo\n", -1, 0, "one" PIC_LF "two" PIC_LF);
    check("one\ntwo\n", -1, SANITIZE_KEEP_NEWLINE, "one\ntwo\n");
    /* Only '\n' is kept: CR of a CRLF pair and VT/FF stay visible. */
    check("a\r\nb\x0b\x0c", -1, SANITIZE_KEEP_NEWLINE, "a" PIC_CR "\nb\xe2\x90\x8b\xe2\x90\x8c");
    /* The tab flag does not keep newlines. */
    check("a\nb", -1, SANITIZE_EXPAND_TAB, "a" PIC_LF "b");
    assert_int_equal(sanitize_needed("a\nb", SANITIZE_KEEP_NEWLINE), 0);
    assert_int_equal(sanitize_needed("a\nb", 0), 1);
}

static void test_tab_flag(void **state)
{
    check("a\tb", -1, 0, "a" PIC_TAB "b");
    check("a\tb\t\t", -1, SANITIZE_EXPAND_TAB, "a b  ");
    check("a\tb", -1, SANITIZE_KEEP_NEWLINE, "a" PIC_TAB "b");
    check("\t\n", -1, SANITIZE_EXPAND_TAB | SANITIZE_KEEP_NEWLINE, " \n");
    /* Expanding a tab changes the string, so it is "needed". */
    assert_int_equal(sanitize_needed("a\tb", SANITIZE_EXPAND_TAB), 1);
}

static void test_c1_controls(void **state)
{
    /* U+009B CSI encoded as UTF-8: an 8-bit "ESC [" on some terminals. */
    check("\xc2\x9b"
          "31m",
          -1, 0, REPL "31m");
    check("\xc2\x80", -1, 0, REPL);                     /* U+0080, first C1 */
    check("\xc2\x85", -1, SANITIZE_KEEP_NEWLINE, REPL); /* NEL is no newline */
    check("\xc2\x9d"
          "0;t\xc2\x9c",
          -1, 0, REPL "0;t" REPL);                        /* OSC ... ST */
    check("\xc2\x9f", -1, 0, REPL);                       /* U+009F, last C1 */
    check("\xc2\xa0\xc2\xbf", -1, 0, "\xc2\xa0\xc2\xbf"); /* U+00A0.. kept */
    check("\xc2\x7f", -1, 0, REPL PIC_DEL);               /* not a C1: broken + DEL */
    /* A raw 0x9B byte is not UTF-8 at all. */
    check("\x9b"
          "31m",
          -1, 0, REPL "31m");
    for (unsigned c = 0x80; c <= 0x9f; c++) {
        char in[3] = {'\xc2', (char)c, '\0'};

        check(in, -1, 0, REPL);
    }
}

static void test_bidi_controls(void **state)
{
    /* RIGHT-TO-LEFT OVERRIDE, the classic "gpj.exe" trick. */
    check("evil\xe2\x80\xaegpj.exe", -1, 0, "evil" REPL "gpj.exe");
    /* U+202A..U+202E: LRE RLE PDF LRO RLO. */
    check("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae", -1, 0,
          REPL REPL REPL REPL REPL);
    /* U+2066..U+2069: LRI RLI FSI PDI. */
    check("a\xe2\x81\xa6"
          "b\xe2\x81\xa7"
          "c\xe2\x81\xa8"
          "d\xe2\x81\xa9",
          -1, 0, "a" REPL "b" REPL "c" REPL "d" REPL);
    /* U+061C ARABIC LETTER MARK. */
    check("\xd8\x9c", -1, 0, REPL);
    /* Neighbours are left alone: U+202F NNBSP, U+2065, U+206A, U+061B,
     * U+061D, and the LRM/RLM marks U+200E/U+200F, which embed nothing. */
    check("\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b\xd8\x9d\xe2\x80\x8e\xe2\x80\x8f", -1, 0,
          "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b\xd8\x9d\xe2\x80\x8e\xe2\x80\x8f");
    assert_int_equal(sanitize_needed("x\xe2\x81\xa6y", 0), 1);
    assert_int_equal(sanitize_needed("\xd8\x9c", 0), 1);
}

static void test_line_paragraph_separators(void **state)
{
    check("a\xe2\x80\xa8"
          "b\xe2\x80\xa9"
          "c",
          -1, 0, "a" REPL "b" REPL "c");
    check("a\xe2\x80\xa8"
          "b",
          -1, SANITIZE_KEEP_NEWLINE, "a" REPL "b");
    check("\xe2\x80\xa7", -1, 0, "\xe2\x80\xa7"); /* U+2027 HYPHENATION POINT */
}

static void test_overlong_sequences(void **state)
{
    /* C0/C1 can only start overlongs: each byte is its own subpart. */
    check("\xc0\x80", -1, 0, REPL REPL);
    check("\xc1\xbf", -1, 0, REPL REPL);
    check("a\xc0\xafz", -1, 0, "a" REPL REPL "z"); /* overlong '/' */
    /* E0 needs A0..BF next, F0 needs 90..BF. */
    check("\xe0\x80\x80", -1, 0, REPL REPL REPL);
    check("\xe0\x9f\xbf", -1, 0, REPL REPL REPL);
    check("\xe0\xa0\x80", -1, 0, "\xe0\xa0\x80"); /* U+0800 */
    check("\xf0\x80\x80\x80", -1, 0, REPL REPL REPL REPL);
    check("\xf0\x8f\xbf\xbf", -1, 0, REPL REPL REPL REPL);
    check("\xf0\x90\x80\x80", -1, 0, "\xf0\x90\x80\x80"); /* U+10000 */
    check("\xdf\xbf", -1, 0, "\xdf\xbf");                 /* U+07FF */
    check("\xc2\xa9", -1, 0, "\xc2\xa9");                 /* U+00A9 */
}

static void test_surrogates(void **state)
{
    check("\xed\xa0\x80", -1, 0, REPL REPL REPL); /* U+D800 */
    check("\xed\xbf\xbf", -1, 0, REPL REPL REPL); /* U+DFFF */
    /* CESU-8 style pair for U+1F600. */
    check("\xed\xa0\xbd\xed\xb8\x80", -1, 0, REPL REPL REPL REPL REPL REPL);
    check("\xed\x9f\xbf", -1, 0, "\xed\x9f\xbf"); /* U+D7FF */
    check("\xee\x80\x80", -1, 0, "\xee\x80\x80"); /* U+E000 */
}

static void test_beyond_max_and_bad_leads(void **state)
{
    check("\xf4\x8f\xbf\xbf", -1, 0, "\xf4\x8f\xbf\xbf");  /* U+10FFFF */
    check("\xf4\x90\x80\x80", -1, 0, REPL REPL REPL REPL); /* U+110000 */
    check("\xf5\x80\x80\x80", -1, 0, REPL REPL REPL REPL);
    check("\xf7\xbf\xbf\xbf", -1, 0, REPL REPL REPL REPL);
    check("\xf8\x88\x80\x80\x80", -1, 0, REPL REPL REPL REPL REPL);
    check("\xfc\x84\x80\x80\x80\x80", -1, 0, REPL REPL REPL REPL REPL REPL);
    check("a\xfe\xff"
          "b",
          -1, 0, "a" REPL REPL "b");
    check("\x80", -1, 0, REPL);
    check("\x80\xbf\x80", -1, 0, REPL REPL REPL);
}

static void test_truncated_sequences(void **state)
{
    /* One U+FFFD per maximal subpart, then decoding resumes. */
    check("\xc3", -1, 0, REPL);
    check("\xe2\x82", -1, 0, REPL);
    check("\xe2\x82"
          "A",
          -1, 0, REPL "A");
    check("\xe2"
          "A",
          -1, 0, REPL "A");
    check("\xf0\x9f\x98", -1, 0, REPL);
    check("\xf0\x9f\x98"
          "x",
          -1, 0, REPL "x");
    check("\xf0\x9f"
          "\xf0\x9f\x98\x80",
          -1, 0, REPL "\xf0\x9f\x98\x80");
    check("\xe2\x28\xa1", -1, 0, REPL "(" REPL);
    /* A truncated sequence followed by a control: the control is not eaten. */
    check("\xe2\x82\x1b[m", -1, 0, REPL PIC_ESC "[m");
    /* Example from the Unicode Standard, chapter 3, "U+FFFD Substitution of
     * Maximal Subparts": 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64. */
    check("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", -1, 0,
          "a" REPL REPL REPL "b" REPL "c" REPL REPL "d");
    /* An explicit length that cuts a character in two. */
    check("\xc3\xa9", 1, 0, REPL);
    check("\xe4\xb8\xad\xe6\x96\x87", 5, 0, "\xe4\xb8\xad" REPL);
    check("\xf0\x9f\x98\x80", 3, 0, REPL);
}

static void test_explicit_length_with_nul(void **state)
{
    static const char in[] = "a\0b\0\x1b[1m\0";
    char *out;

    check("a\0b", 3, 0, "a" PIC_NUL "b");
    check("\0", 1, 0, PIC_NUL);
    check("\0\0", 2, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB, PIC_NUL PIC_NUL);
    check(in, (long)sizeof in - 1, 0, "a" PIC_NUL "b" PIC_NUL PIC_ESC "[1m" PIC_NUL);
    /* A NUL in the middle of a multi-byte sequence ends it. */
    check("\xe4\xb8\0x", 4, 0, REPL PIC_NUL "x");
    /* Without a length the string ends at the first NUL. */
    check("a\0b", -1, 0, "a");
    /* A length shorter than the string only reads that far. */
    check("abcdef", 3, 0, "abc");
    out = sanitize_text(in, (long)sizeof in - 1, 0);
    assert_int_equal(strlen(out), 1 + 3 + 1 + 3 + 3 + 3 + 3);
    g_free(out);
}

static void test_needed(void **state)
{
    static const struct {
        const char *s;
        unsigned flags;
        int want;
    } cases[] = {
        {"plain", 0, 0},
        {"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 0, 0},
        {"\x1b", 0, 1},
        {"x\x07", 0, 1},
        {"\x7f", 0, 1},
        {"\xc2\x9b", 0, 1},
        {"\x9b", 0, 1},
        {"\xe2\x80\xae", 0, 1},
        {"\xe2\x81\xa9", 0, 1},
        {"\xe2\x80\xa9", 0, 1},
        {"\xc0\x80", 0, 1},
        {"\xed\xa0\x80", 0, 1},
        {"\xf4\x90\x80\x80", 0, 1},
        {"\xe2\x82", 0, 1},
        {"\xff", 0, 1},
        {"line\nline", SANITIZE_KEEP_NEWLINE, 0},
        {"line\nline", SANITIZE_EXPAND_TAB, 1},
        {"tab\there", SANITIZE_EXPAND_TAB, 1},
        {"tab\there", SANITIZE_KEEP_NEWLINE, 1},
        {"crlf\r\n", SANITIZE_KEEP_NEWLINE, 1},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *out = sanitize_text(cases[i].s, -1, cases[i].flags);

        if (sanitize_needed(cases[i].s, cases[i].flags) != cases[i].want)
            fail_msg("case %zu: sanitize_needed gave %d", i, !cases[i].want);
        /* needed() must agree with what sanitize_text() actually does. */
        assert_int_equal(strcmp(out, cases[i].s) != 0, cases[i].want);
        g_free(out);
    }
}

/* Fail unless OUT is safe under FLAGS: valid UTF-8 of exactly N bytes (no NUL)
 * with none of the characters the sanitiser must remove. */
static void assert_safe(const char *out, size_t n, unsigned flags)
{
    const char *p;

    assert_int_equal(strlen(out), n);
    assert_true(g_utf8_validate(out, (gssize)n, NULL));
    for (p = out; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (c == '\n' && (flags & SANITIZE_KEEP_NEWLINE))
            continue;
        assert_false(c < 0x20);
        assert_false(c >= 0x7f && c <= 0x9f);
        assert_false(c == 0x061c);
        assert_false(c >= 0x2028 && c <= 0x202e);
        assert_false(c >= 0x2066 && c <= 0x2069);
    }
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

static void test_random_input_properties(void **state)
{
    /* Pieces that make interesting neighbours for random bytes. */
    static const char *const pieces[] = {
        "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xe2\x80\xae", "\xc2\x9b",  "\x1b[",
        "\n",       "\t",           "\xed\xa0\x80",     "\xf4\x90",     "e\xcc\x81", "ab ",
    };
    uint32_t st = 0x2545f491u;

    for (int iter = 0; iter < 20000; iter++) {
        char buf[96];
        size_t n = 0, want = rnd_next(&st) % 64;
        unsigned flags = rnd_next(&st) % 4;
        char *out, *again;
        int has_nul;

        while (n < want) {
            uint32_t r = rnd_next(&st);

            if (r % 3 == 0) {
                const char *pc = pieces[(r >> 8) % G_N_ELEMENTS(pieces)];
                size_t k = strlen(pc);

                memcpy(buf + n, pc, k);
                n += k;
            } else {
                buf[n++] = (char)(r >> 16);
            }
        }
        buf[n] = '\0';
        has_nul = memchr(buf, '\0', n) != NULL;

        out = sanitize_text(buf, (long)n, flags);
        assert_safe(out, strlen(out), flags);
        /* Sanitising is idempotent and its output needs nothing more. */
        again = sanitize_text(out, -1, flags);
        assert_string_equal(again, out);
        assert_int_equal(sanitize_needed(out, flags), 0);
        if (!has_nul) {
            assert_int_equal(sanitize_needed(buf, flags), strcmp(buf, out) != 0);
        } else {
            /* A NUL ends no more than the sequence it interrupts: the text
             * before it comes out as it would on its own, then U+2400. */
            char *head = sanitize_text(buf, -1, flags);
            size_t hn = strlen(head);

            assert_memory_equal(out, head, hn);
            assert_memory_equal(out + hn, PIC_NUL, 3);
            g_free(head);
        }
        g_free(again);
        g_free(out);
    }
}

/* Nicks: look-alikes stay visibly distinct. */
static void expect_nick(const char *in, const char *out)
{
    char *got = sanitize_nick(in);
    assert_string_equal(got, out);
    g_free(got);
}

static void test_nick_lookalikes(void **state)
{
    expect_nick("alice", "alice");
    expect_nick(NULL, "?");
    expect_nick("", "\u2423");
    expect_nick("bob ", "bob\u2423");
    expect_nick("  bob", "\u2423\u2423bob");
    expect_nick("a b", "a b"); /* inner spaces are ordinary */
    expect_nick("bob\u200b", "bob<U+200B>");
    expect_nick("b\u200do\u2060b", "b<U+200D>o<U+2060>b");
    expect_nick("\u202eevil", "<U+202E>evil");
    expect_nick("bob\u00a0", "bob<U+00A0>");
    expect_nick("bo\u3164b", "bo<U+3164>b"); /* Hangul filler: blank but a letter */
    expect_nick("bob\u17b4", "bob<U+17B4>"); /* Khmer inherent vowel: a mark drawn as nothing */
    expect_nick("bob\U000E0041", "bob<U+E0041>"); /* tag character */
    expect_nick("zo\u00eb", "zo\u00eb");
    /* invalid UTF-8 becomes U+FFFD, never raw bytes */
    expect_nick("bad\xff", "bad\ufffd");
    /* controls are left for sanitize_text (which makes them pictures) */
    char *n = sanitize_nick("x\x1b[31m");
    char *t = sanitize_text(n, -1, 0);
    assert_null(strchr(t, 0x1b));
    g_free(n);
    g_free(t);
}

/* The scrollback keeps thousands of sanitised strings: each takes about
 * its own size, not a rounded-up buffer, whether or not it changed. */
static void test_exact_size(void **state)
{
    (void)state;
    char *plain = sanitize_text("bob", -1, SANITIZE_EXPAND_TAB);
    assert_string_equal(plain, "bob");
    assert_true(malloc_usable_size(plain) < 32);
    char *changed = sanitize_text("a\x1b"
                                  "b",
                                  -1, SANITIZE_EXPAND_TAB);
    assert_string_equal(changed, "a" PIC_ESC "b");
    assert_true(malloc_usable_size(changed) < 32);
    g_free(plain);
    g_free(changed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_size),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_csi_escape_sequence),
        cmocka_unit_test(test_osc_title_sequence),
        cmocka_unit_test(test_every_c0_control),
        cmocka_unit_test(test_newline_flag),
        cmocka_unit_test(test_tab_flag),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_bidi_controls),
        cmocka_unit_test(test_line_paragraph_separators),
        cmocka_unit_test(test_overlong_sequences),
        cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_beyond_max_and_bad_leads),
        cmocka_unit_test(test_truncated_sequences),
        cmocka_unit_test(test_explicit_length_with_nul),
        cmocka_unit_test(test_needed),
        cmocka_unit_test(test_random_input_properties),
        cmocka_unit_test(test_nick_lookalikes),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
        fprintf(stderr, "test_sanitize: cannot set locale C.UTF-8\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_styling.c - the XEP-0393 parser, with the examples of the XEP.
 *
 * Results are written as markup: every styled range becomes
 * "<FLAGS|text>", where FLAGS has s (strong), e (emphasis), x (strike),
 * p (preformatted), q (quote) and m (the directive itself); plain text
 * stays as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <string.h>
#include <time.h>

#include "ui/styling.h"

static char *markup(const char *text)
{
    size_t len = strlen(text);
    size_t n = styling_parse(text, len, NULL, 0);
    styling_span *sp = g_new0(styling_span, n + 1);
    assert_int_equal(styling_parse(text, len, sp, n), n);
    GString *s = g_string_new(NULL);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(sp[i].start >= at && sp[i].start < sp[i].end && sp[i].end <= len);
        g_string_append_len(s, text + at, (gssize)(sp[i].start - at));
        g_string_append_c(s, '<');
        const char *letters = "sexpqm";
        for (int b = 0; b < 6; b++)
            if (sp[i].flags & (1u << b))
                g_string_append_c(s, letters[b]);
        g_string_append_c(s, '|');
        g_string_append_len(s, text + sp[i].start, (gssize)(sp[i].end - sp[i].start));
        g_string_append_c(s, '>');
        at = sp[i].end;
    }
    g_string_append(s, text + at);
    g_free(sp);
    return g_string_free(s, FALSE);
}

#define assert_markup(text, expected)                                                              \
    do {                                                                                           \
        char *got_ = markup(text);                                                                 \
        assert_string_equal(got_, expected);                                                       \
        g_free(got_);                                                                              \
    } while (0)

/* Nothing styled: the markup is the text. */
#define assert_plain(text) assert_markup(text, text)

/* XEP-0393 "Spans": the strings styled as the XEP shows. */
static void test_spans_styled(void **state)
{
    assert_markup("*strong*", "<sm|*><s|strong><sm|*>");
    assert_markup("plain *strong* plain", "plain <sm|*><s|strong><sm|*> plain");
    assert_markup("*strong* plain *strong*", "<sm|*><s|strong><sm|*> plain <sm|*><s|strong><sm|*>");
    assert_markup("*strong*plain*", "<sm|*><s|strong><sm|*>plain*");
    assert_markup("* plain *strong*", "* plain <sm|*><s|strong><sm|*>");
}

/* XEP-0393 "Spans": nothing styled in these. */
static void test_spans_not_styled(void **state)
{
    assert_plain("not strong*");
    assert_plain("*not strong");
    assert_plain("*not \n strong*");
    assert_plain("*not *strong");
    assert_plain("**");
    assert_plain("****");
    assert_plain("* *");
    assert_plain("a*b*");     /* no whitespace before the opening */
    assert_plain("*b *");     /* whitespace before the closing */
    assert_plain("**bold**"); /* not a XEP-0393 directive */
}

/* The glossary's and the sections' examples. */
static void test_kinds(void **state)
{
    assert_markup("_emphasized span containing *strong span*_",
                  "<em|_><e|emphasized span containing ><sem|*><se|strong span><sem|*><em|_>");
    assert_markup("The full title is _Twelfth Night, or What You Will_ but\n"
                  "_most_ people shorten it.",
                  "The full title is <em|_><e|Twelfth Night, or What You Will><em|_> but\n"
                  "<em|_><e|most><em|_> people shorten it.");
    assert_markup("Everyone ~dis~likes cake.", "Everyone <xm|~><x|dis><xm|~>likes cake.");
    assert_markup("Wow, I can write in `monospace`!",
                  "Wow, I can write in <pm|`><p|monospace><pm|`>!");
    assert_markup("Two spans, both *alike in dignity*",
                  "Two spans, both <sm|*><s|alike in dignity><sm|*>");
}

/* Nothing inside a preformatted span is styled; a span may hold one. */
static void test_preformatted_span(void **state)
{
    assert_markup("This is `monospace`", "This is <pm|`><p|monospace><pm|`>");
    assert_markup("This is `*monospace*`", "This is <pm|`><p|*monospace*><pm|`>");
    assert_markup("This is *`monospace and bold`*",
                  "This is <sm|*><spm|`><sp|monospace and bold><spm|`><sm|*>");
    assert_markup("`a *b* _c_ ~d~`", "<pm|`><p|a *b* _c_ ~d~><pm|`>");
    assert_markup("`a` `b`", "<pm|`><p|a><pm|`> <pm|`><p|b><pm|`>");
}

/* XEP-0393 "Plain": spans do not escape their line. */
static void test_plain_blocks(void **state)
{
    assert_plain("(There are three blocks in this body marked by parens,)\n"
                 "(but there is no *formatting)\n"
                 "(as spans* may not escape blocks.)");
}

/* XEP-0393 "Preformatted Text". */
static void test_preformatted_block(void **state)
{
    assert_markup("```ignored\n"
                  "(println \"Hello, *world*!\")\n"
                  "```\n"
                  "\n"
                  "This should show up as monospace, preformatted text *now*",
                  "<pm|```ignored>\n"
                  "<p|(println \"Hello, *world*!\")>\n"
                  "<pm|```>\n"
                  "\n"
                  "This should show up as monospace, preformatted text <sm|*><s|now><sm|*>");
    /* No closing line: to the end of the message. */
    assert_markup("```\n> *a*\nb", "<pm|```>\n<p|> *a*>\n<p|b>");
    /* Only a line of exactly ``` closes it; ``` inside a line is text. */
    assert_markup("```\nx ```\n```x\n```", "<pm|```>\n<p|x ```>\n<p|```x>\n<pm|```>");
    assert_markup("say ```x``` now", "say ```x``` now");
}

/* XEP-0393 "Quotations", nested, and a block ending with its quote. */
static void test_quotes(void **state)
{
    assert_markup("> That that is, is.\n\nSaid the old hermit of Prague.",
                  "<qm|> ><q|That that is, is.>\n\nSaid the old hermit of Prague.");
    assert_markup(">> That that is, is.\n> Said the old hermit of Prague.\n\nWho?",
                  "<qm|>> ><q|That that is, is.>\n<qm|> ><q|Said the old hermit of Prague.>\n\n"
                  "Who?");
    assert_markup("> > *deep*", "<qm|> > ><sqm|*><sq|deep><sqm|*>");
    /* Only one whitespace character is trimmed: the next one is text. */
    assert_markup(">  *a*", "<qm|> ><q| ><sqm|*><sq|a><sqm|*>");
    assert_markup(">", "<qm|>>");
    /* The XEP's block quote holding an unclosed preformatted block. */
    assert_markup("> ```\n"
                  "> (println \"Hello, world!\")\n"
                  "\n"
                  "The entire blockquote is a preformatted text block, but this line\n"
                  "is *plaintext*!",
                  "<qm|> ><pqm|```>\n"
                  "<qm|> ><pq|(println \"Hello, world!\")>\n"
                  "\n"
                  "The entire blockquote is a preformatted text block, but this line\n"
                  "is <sm|*><s|plaintext><sm|*>!");
    /* Inside a block at depth 1, more '>' are text; its ``` closes it. */
    assert_markup(
        "> ```\n>> x\n> ```\n> *y*",
        "<qm|> ><pqm|```>\n<qm|>><pq|> x>\n<qm|> ><pqm|```>\n<qm|> ><sqm|*><sq|y><sqm|*>");
    /* A '>' later in a line is no quote. */
    assert_plain("a > b");
}

/* Whitespace is Unicode's: no-break space before an opening counts, a
 * letter does not; a directive after a multibyte letter is no opening. */
static void test_unicode(void **state)
{
    assert_markup("a\xc2\xa0*b*", "a\xc2\xa0<sm|*><s|b><sm|*>");
    assert_plain("\xc3\xa9*b*");
    assert_markup("*\xc3\xa9t\xc3\xa9*", "<sm|*><s|\xc3\xa9t\xc3\xa9><sm|*>");
    assert_plain("*\xe3\x80\x80x*"); /* ideographic space after the opening */
    assert_plain("*x\xe2\x80\x83*"); /* em space before the closing */
    /* Ill-formed bytes are no whitespace and are not read past. */
    assert_markup("\xff *a*", "\xff <sm|*><s|a><sm|*>");
    assert_plain("\xe2\x80*a*");
}

/* The count is the same whatever the room given, and what fits is what
 * a larger array gets. */
static void test_capacity(void **state)
{
    const char *t = "*a* _b_ ~c~ `d`\n> e";
    size_t n = styling_parse(t, strlen(t), NULL, 0);
    assert_int_equal(n, 14);
    styling_span all[32], few[3];
    assert_int_equal(styling_parse(t, strlen(t), all, 32), n);
    assert_int_equal(styling_parse(t, strlen(t), few, 3), n);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(all[i].start, few[i].start);
        assert_int_equal(all[i].end, few[i].end);
        assert_int_equal(all[i].flags, few[i].flags);
    }
    /* LEN is respected: no NUL needed, nothing read past it. */
    assert_int_equal(styling_parse("*a* rest", 3, all, 32), 3);
    assert_int_equal(styling_parse("", 0, all, 32), 0);
}

/* Hostile text costs a few passes, not one per directive: a long line of
 * openings without closings, and one of many tiny spans. */
static void test_linear_time(void **state)
{
    size_t len = 3 * 200000;
    char *t = g_malloc(len + 1);
    for (size_t i = 0; i < len; i += 3)
        memcpy(t + i, "*a ", 3);
    t[len] = '\0';
    clock_t start = clock();
    assert_int_equal(styling_parse(t, len, NULL, 0), 0);
    for (size_t i = 0; i < len; i += 3)
        memcpy(t + i, i % 2 ? "_a " : "~a ", 3);
    assert_int_equal(styling_parse(t, len, NULL, 0), 0);
    for (size_t i = 0; i < len; i += 3)
        memcpy(t + i, "*a*", 3);
    t[len - 1] = ' ';
    styling_parse(t, len, NULL, 0);
    double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
    assert_true(secs < 1.0);
    g_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans_styled), cmocka_unit_test(test_spans_not_styled),
        cmocka_unit_test(test_kinds),        cmocka_unit_test(test_preformatted_span),
        cmocka_unit_test(test_plain_blocks), cmocka_unit_test(test_preformatted_block),
        cmocka_unit_test(test_quotes),       cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_capacity),     cmocka_unit_test(test_linear_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

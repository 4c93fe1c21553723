/* unichar.c - small Unicode facts (see unichar.h): invisible characters and
 * the look-alike key of names (NFKC, case folding and the confusable
 * skeletons of UTS #39, from a table made from ICU at build time). */
#include "core/unichar.h"

#include <stdint.h>
#include <string.h>

bool unichar_invisible(gunichar c)
{
    GUnicodeType t = g_unichar_type(c);
    if (t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
        t == G_UNICODE_PARAGRAPH_SEPARATOR || (t == G_UNICODE_SPACE_SEPARATOR && c != ' '))
        return true;
    return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
           (c >= 0x180B && c <= 0x180F) || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) ||
           c == 0xFFA0 || (c >= 0xFFF0 && c <= 0xFFF8) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
           (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE0FFF);
}

/* Left out of a look-alike key: whatever draws as nothing or as a blank. */
static bool blank(gunichar c)
{
    GUnicodeType t = g_unichar_type(c);
    return c == ' ' || unichar_invisible(c) || t == G_UNICODE_CONTROL || t == G_UNICODE_UNASSIGNED;
}

/* One confusable prototype: code point CP (its own NFD) looks like the
 * LEN bytes of UTF-8 at OFF in confusable_pool. */
typedef struct {
    uint32_t cp;
    uint16_t off;
    uint8_t len;
} confusable;

/* The table, sorted by code point, made at build time from ICU by
 * confusables-gen.c: natter does not load ICU (and the C++ runtime with
 * it), some 4 MB of resident memory, to compare names. */
#include "core/confusables.inc"

static const confusable *prototype(gunichar c)
{
    size_t lo = 0, hi = G_N_ELEMENTS(confusables);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (confusables[mid].cp == c)
            return &confusables[mid];
        if (confusables[mid].cp < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The confusable skeleton of valid UTF-8 S (g_free) as UTS #39 defines it:
 * NFD, each character replaced by the prototype of its confusable class,
 * NFD again. "bоb" with a Cyrillic о and "bob" give the same string. */
static char *confusable_skeleton(const char *s)
{
    char *nfd = g_utf8_normalize(s, -1, G_NORMALIZE_NFD);
    if (!nfd)
        return g_strdup(s);
    GString *out = g_string_sized_new(strlen(nfd) + 8);
    for (const char *p = nfd; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        const confusable *k = prototype(c);
        if (k)
            g_string_append_len(out, confusable_pool + k->off, k->len);
        else
            g_string_append_unichar(out, c);
    }
    g_free(nfd);
    char *key = g_utf8_normalize(out->str, (gssize)out->len, G_NORMALIZE_NFD);
    g_string_free(out, TRUE);
    return key ? key : g_strdup(s);
}

char *unichar_fold_key(const char *s)
{
    if (!s)
        return g_strdup("");
    char *valid = g_utf8_make_valid(s, -1);
    char *norm = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
    char *fold = g_utf8_casefold(norm ? norm : valid, -1);
    GString *out = g_string_sized_new(strlen(fold));
    for (const char *p = fold; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!blank(c))
            g_string_append_unichar(out, c);
    }
    g_free(valid);
    g_free(norm);
    g_free(fold);
    return g_string_free(out, FALSE);
}

char *unichar_lookalike_key(const char *s)
{
    /* Case first: a skeleton keeps case (capital I is a look-alike of small
     * l), and folding afterwards would turn such prototypes into other
     * letters ("ALICE" would become "allce"). In a terminal's monospace
     * font I and l differ anyway. */
    char *fold = unichar_fold_key(s);
    char *key = confusable_skeleton(fold);
    g_free(fold);
    return key;
}

/* textwidth.c - terminal column widths and word wrapping of UTF-8 text.
 *
 * Text is measured in "units": one character followed by every zero-width
 * character after it (combining marks, ZWJ, variation selectors...).  A unit
 * is never split: fitting and wrapping only cut between units, so a base
 * character keeps its marks.  A zero-width character with nothing before it
 * (at the very start of the text or of a line) forms a unit of width 0.
 *
 * Although the input should already be sanitised, ill-formed UTF-8 is
 * tolerated: each maximal ill-formed subpart counts as one unit of width 1,
 * exactly the width of the U+FFFD that sanitize_text() would put there.
 */
#if !defined(_GNU_SOURCE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* wcwidth() */
#endif

#include "ui/textwidth.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include <glib.h>

#define TW_BAD 0xFFFFFFFFu /* ill-formed sequence, shown as one column */

/* Decode one UTF-8 character at P with AVAIL (>= 1) bytes readable.  Sets *CP
 * to the code point, or TW_BAD for an ill-formed sequence, and returns the
 * bytes used: the whole character, or the maximal ill-formed subpart (at least
 * one byte).  Never reads past a NUL byte, so AVAIL may be SIZE_MAX for a
 * NUL-terminated string. */
static size_t tw_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned char b = p[0];
    unsigned char min2 = 0x80, max2 = 0xBF; /* allowed range of byte 2 */
    size_t len;
    uint32_t acc;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        acc = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        acc = b & 0x0Fu;
        min2 = b == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        max2 = b == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        acc = b & 0x07u;
        min2 = b == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        max2 = b == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else {
        *cp = TW_BAD;
        return 1;
    }

    for (size_t k = 1; k < len; k++) {
        unsigned char c;

        if (k >= avail)
            goto bad;
        c = p[k];
        if (k == 1 ? (c < min2 || c > max2) : (c < 0x80 || c > 0xBF))
            goto bad;
        acc = (acc << 6) | (c & 0x3Fu);
        continue;
    bad:
        *cp = TW_BAD;
        return k;
    }
    *cp = acc;
    return len;
}

/* Columns taken by the single character CP (TW_BAD allowed): wcwidth() in the
 * current locale, 1 for anything it rejects. */
static int tw_char_width(uint32_t cp)
{
    int w;

    if (cp == TW_BAD || cp > 0x10FFFF)
        return 1;
    w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

/* Measure the unit starting at P (AVAIL >= 1 readable bytes, P[0] != NUL):
 * one character plus the zero-width characters that follow it, stopping at a
 * NUL byte or after AVAIL bytes.  Stores its width in *W and returns its byte
 * length. */
static size_t tw_unit(const unsigned char *p, size_t avail, int *w)
{
    uint32_t cp;
    size_t len;

    /* Printable ASCII not followed by a possible combining mark. */
    if (p[0] >= 0x20 && p[0] < 0x7F && (avail == 1 || p[1] < 0x80)) {
        *w = 1;
        return 1;
    }
    len = tw_decode(p, avail, &cp);
    *w = tw_char_width(cp);
    while (len < avail && p[len] != '\0') {
        size_t k;

        if (p[len] < 0x80) /* ASCII is never zero-width except NUL */
            break;
        k = tw_decode(p + len, avail - len, &cp);
        if (cp == TW_BAD || tw_char_width(cp) != 0)
            break;
        len += k;
    }
    return len;
}

/* Add B to the running width *TOTAL, saturating at INT_MAX. */
static void tw_add(int *total, int b)
{
    *total = *total > INT_MAX - b ? INT_MAX : *total + b;
}

/* Column width of the NUL-terminated UTF-8 string S (0 for NULL). */
int textwidth_str(const char *s)
{
    return s == NULL ? 0 : textwidth_n(s, SIZE_MAX);
}

/* Column width of the first LEN bytes of S; stops early at a NUL byte, so
 * LEN may exceed the length of a NUL-terminated string.  A character cut off
 * by LEN counts as one ill-formed column. */
int textwidth_n(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int total = 0;

    if (s == NULL)
        return 0;
    while (i < len && p[i] != '\0') {
        int w;

        i += tw_unit(p + i, len - i, &w);
        tw_add(&total, w);
    }
    return total;
}

/* Byte length of the longest prefix of the NUL-terminated S that fits in COLS
 * columns (COLS < 0 counts as 0), cutting only between units, so never inside
 * a character nor between a base character and its combining marks.  Stores
 * the prefix's width in *OUT_COLS when it is not NULL. */
size_t textwidth_fit(const char *s, int cols, int *out_cols)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int used = 0;

    if (cols < 0)
        cols = 0;
    if (s != NULL) {
        while (p[i] != '\0') {
            int w;
            size_t k = tw_unit(p + i, SIZE_MAX, &w);

            if (w > cols - used)
                break;
            used += w;
            i += k;
        }
    }
    if (out_cols != NULL)
        *out_cols = used;
    return i;
}

/* Growable array of rows. */
typedef struct {
    textwidth_row *v;
    size_t n, cap;
} tw_rowvec;

/* Append the row [START, START+LEN) to RV (only counted when RV->v is not
 * wanted, i.e. RV->cap is SIZE_MAX). */
static void tw_push(tw_rowvec *rv, size_t start, size_t len)
{
    if (rv->cap != SIZE_MAX) {
        if (rv->n == rv->cap) {
            rv->cap = rv->cap ? rv->cap * 2 : 8;
            rv->v = g_renew(textwidth_row, rv->v, rv->cap);
        }
        rv->v[rv->n].start = start;
        rv->v[rv->n].len = len;
    }
    rv->n++;
}

/* Wrap the line S[LS, LE) (no '\n' inside) into rows of WIDTH (>= 1) columns,
 * appending them to RV.  An empty line gives one empty row. */
static void tw_wrap_line(const unsigned char *s, size_t ls, size_t le, int width, tw_rowvec *rv)
{
    size_t pos = ls;

    do {
        size_t p = pos, ulen = 0, space = 0;
        int used = 0;

        /* Take units while they fit; remember the last lone space after the
         * row's first unit, including one that would overflow the row. */
        while (p < le) {
            int w;

            ulen = tw_unit(s + p, le - p, &w);
            if (p > pos && ulen == 1 && s[p] == ' ')
                space = p;
            if (w > width - used)
                break;
            used += w;
            p += ulen;
        }
        if (p >= le) { /* the rest of the line fits */
            tw_push(rv, pos, le - pos);
            return;
        }
        if (space > pos) { /* break at the space and drop it */
            tw_push(rv, pos, space - pos);
            pos = space + 1;
        } else if (p == pos) { /* one unit wider than a row: alone on it */
            tw_push(rv, pos, ulen);
            pos += ulen;
        } else { /* a word longer than a row: hard break */
            tw_push(rv, pos, p - pos);
            pos = p;
        }
    } while (pos < le);
}

/* Word-wrap the NUL-terminated S into rows of at most WIDTH columns (WIDTH < 1
 * counts as 1; NULL S as "").  See textwidth.h for the rules.  A unit wider
 * than WIDTH (a wide character when WIDTH is 1) gets a row of its own even
 * though it overflows it.  Only the single space at a break is dropped; any
 * other spaces stay in the text.  Returns the row count (>= 1); when ROWS is
 * not NULL, *ROWS receives a g_malloc'ed array of that many rows, which the
 * caller frees with g_free(). */
size_t textwidth_wrap(const char *s, int width, textwidth_row **rows)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    tw_rowvec rv = {NULL, 0, rows != NULL ? 0 : SIZE_MAX};
    size_t ls = 0;

    if (width < 1)
        width = 1;
    for (;;) {
        size_t le = ls + strcspn((const char *)p + ls, "\n");

        tw_wrap_line(p, ls, le, width, &rv);
        if (p[le] == '\0')
            break;
        ls = le + 1;
    }
    if (rows != NULL)
        *rows = rv.v;
    return rv.n;
}

/* Emoji and other pictographs: joined by ZWJ in emoji sequences. Scripts
 * that need ZWJ for shaping (Indic, Arabic) lie below U+2000. */
static bool tw_pictograph(uint32_t cp)
{
    return cp >= 0x2190 && cp != TW_BAD && !(cp >= 0xFE00 && cp <= 0xFE0F);
}

char *textwidth_terminal(const char *s)
{
    GString *out = g_string_sized_new(strlen(s));
    const unsigned char *p = (const unsigned char *)s;
    uint32_t base = 0; /* the last character that is not a variation selector */
    while (*p) {
        uint32_t cp;
        size_t k = tw_decode(p, SIZE_MAX, &cp);
        bool drop = false;
        if (cp == 0x200D)
            drop = tw_pictograph(base);
        else if (cp == 0xFE0F)
            drop = base != 0 && base != TW_BAD && base != 0x200D && tw_char_width(base) == 1;
        if (!drop)
            g_string_append_len(out, (const char *)p, (gssize)k);
        if (cp != 0xFE0F && cp != 0xFE0E)
            base = cp;
        p += k;
    }
    return g_string_free(out, FALSE);
}

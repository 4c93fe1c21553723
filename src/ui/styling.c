/* styling.c - the XEP-0393 message styling parser (see styling.h): blocks
 * line by line, spans within a line, ranges written to the caller's array.
 *
 * Cost: every byte is looked at a bounded number of times. A span's closing
 * directive is searched once per opening directive, but once a search for a
 * kind of directive has run to the end of its line (or enclosing span)
 * without finding one, later openings of that kind in the same stretch are
 * not searched again: they cannot find one either. So a line of "*a *a *a"
 * costs a few passes, not one per asterisk. */
#include "ui/styling.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    styling_span *out;
    size_t cap;
    size_t n;
    /* The last range, kept here so that merging does not depend on CAP. */
    size_t last_end;
    unsigned last_flags;
} emitter;

static void emit(emitter *e, size_t start, size_t end, unsigned flags)
{
    if (start >= end || !flags)
        return;
    if (e->n && e->last_end == start && e->last_flags == flags) {
        if (e->n <= e->cap)
            e->out[e->n - 1].end = end;
        e->last_end = end;
        return;
    }
    if (e->n < e->cap)
        e->out[e->n] = (styling_span){start, end, flags};
    e->n++;
    e->last_end = end;
    e->last_flags = flags;
}

/* Unicode White_Space or category Z (XEP-0393's whitespace). */
static bool is_space_cp(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* Decode the character at T[I] (before END): its code point in *CP and its
 * length; ill-formed bytes count as one byte of U+FFFD. */
static size_t decode(const char *t, size_t i, size_t end, uint32_t *cp)
{
    unsigned char b = (unsigned char)t[i];
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 1) {
        *cp = b;
        return 1;
    }
    if (!n || i + n > end) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t c = b & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        unsigned char cb = (unsigned char)t[i + k];
        if ((cb & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = c << 6 | (cb & 0x3f);
    }
    *cp = c;
    return n;
}

/* Length of the whitespace character at T[I] (before END), 0 if none. */
static size_t space_at(const char *t, size_t i, size_t end)
{
    if (i >= end)
        return 0;
    uint32_t cp;
    size_t n = decode(t, i, end, &cp);
    return is_space_cp(cp) ? n : 0;
}

/* Whether the character ending just before T[I] (not before START) is
 * whitespace. */
static bool space_before(const char *t, size_t i, size_t start)
{
    size_t k = i;
    /* Back over continuation bytes to the lead byte (at most 3). */
    do {
        if (k == start)
            return false;
        k--;
    } while (i - k < 4 && ((unsigned char)t[k] & 0xc0) == 0x80);
    uint32_t cp;
    return decode(t, k, i, &cp) == i - k && is_space_cp(cp);
}

static unsigned directive_style(char c)
{
    switch (c) {
    case '*':
        return STYLING_STRONG;
    case '_':
        return STYLING_EMPH;
    case '~':
        return STYLING_STRIKE;
    case '`':
        return STYLING_PRE;
    default:
        return 0;
    }
}

/* Spans of T[A, B) (one line, or the inside of a span), inside FLAGS. */
static void spans(emitter *e, const char *t, size_t a, size_t b, unsigned flags)
{
    unsigned searched_out = 0; /* kinds with no closing directive left in [p, B) */
    size_t p = a, plain = a;
    while (p < b) {
        unsigned st = directive_style(t[p]);
        if (!st || (searched_out & st) || (p > a && !space_before(t, p, a)) || p + 1 >= b ||
            space_at(t, p + 1, b)) {
            p++;
            continue;
        }
        /* The first closing directive: same character, not after whitespace. */
        size_t q = p + 1;
        while (q < b && (t[q] != t[p] || space_before(t, q, a)))
            q++;
        if (q == b) {
            searched_out |= st;
            p++;
            continue;
        }
        if (q == p + 1) { /* nothing inside: no span */
            p++;
            continue;
        }
        emit(e, plain, p, flags);
        emit(e, p, p + 1, flags | st | STYLING_MARKER);
        if (st == STYLING_PRE)
            emit(e, p + 1, q, flags | st); /* nothing styled inside */
        else
            spans(e, t, p + 1, q, flags | st);
        emit(e, q, q + 1, flags | st | STYLING_MARKER);
        p = plain = q + 1;
    }
    emit(e, plain, b, flags);
}

size_t styling_parse(const char *text, size_t len, styling_span *out, size_t cap)
{
    emitter e = {out, out ? cap : 0, 0, 0, 0};
    bool pre = false;     /* inside a ``` block ... */
    size_t pre_depth = 0; /* ... opened at this quote depth */
    for (size_t ls = 0; ls <= len;) {
        const char *nl = memchr(text + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - text) : len;
        /* Quote markers, each with one whitespace character after it;
         * none inside a preformatted block (at its own depth). */
        size_t i = ls, depth = 0;
        while (i < le && text[i] == '>' && !(pre && depth == pre_depth)) {
            size_t w = space_at(text, i + 1, le);
            emit(&e, i, i + 1 + w, STYLING_QUOTE | STYLING_MARKER);
            i += 1 + w;
            depth++;
        }
        if (pre && depth < pre_depth)
            pre = false; /* its quote ended, and the block with it */
        unsigned qf = depth ? STYLING_QUOTE : 0;
        bool fence = le - i >= 3 && !memcmp(text + i, "```", 3);
        if (pre) {
            bool close = fence && le - i == 3;
            emit(&e, i, le, qf | STYLING_PRE | (close ? STYLING_MARKER : 0));
            pre = !close;
        } else if (fence) {
            /* The opening line, with whatever follows the ``` (a language
             * hint, ignored), is the directive. */
            emit(&e, i, le, qf | STYLING_PRE | STYLING_MARKER);
            pre = true;
            pre_depth = depth;
        } else {
            spans(&e, text, i, le, qf);
        }
        if (!nl)
            break;
        ls = le + 1;
    }
    return e.n;
}

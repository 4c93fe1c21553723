/* sanitize.c - make untrusted text safe to put on a terminal.
 *
 * The input is walked one UTF-8 sequence at a time.  Runs of bytes that stay
 * as they are get copied in one go; everything else is replaced by a visible,
 * inert code point (see sanitize.h for the rules).  Decoding follows the
 * Unicode "maximal subpart" practice (Unicode 15, section 3.9, U+FFFD
 * substitution): an invalid sequence yields one U+FFFD for its longest prefix
 * that could still have started a well-formed character, then decoding
 * resumes at the first byte that broke it.
 */
#include "ui/sanitize.h"

#include "core/unichar.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

/* Marker for "no code point": an ill-formed sequence. */
#define SAN_BAD 0xFFFFFFFFu

#define SAN_REPLACEMENT 0xFFFDu
#define SAN_PICTURE_BASE 0x2400u /* U+2400 SYMBOL FOR NULL, + c for C0 */
#define SAN_PICTURE_DEL 0x2421u  /* U+2421 SYMBOL FOR DELETE */

/* Decode the UTF-8 sequence at P, with AVAIL (>= 1) bytes readable.  Stores the
 * code point in *CP, or SAN_BAD when the sequence is ill-formed, and returns
 * the number of bytes consumed (always >= 1).  For an ill-formed sequence that
 * is the maximal subpart: the lead byte plus every continuation byte that was
 * still acceptable at its position.  A NUL byte is never a continuation, so a
 * NUL-terminated buffer may be passed with AVAIL = SIZE_MAX. */
static size_t san_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned char lead = p[0];
    unsigned char lo = 0x80, hi = 0xBF; /* range allowed for the 2nd byte */
    size_t need;
    uint32_t v;

    if (lead < 0x80) {
        *cp = lead;
        return 1;
    }
    if (lead < 0xC2) { /* stray continuation, or overlong 2-byte lead C0/C1 */
        *cp = SAN_BAD;
        return 1;
    }
    if (lead < 0xE0) {
        need = 1;
        v = lead & 0x1Fu;
    } else if (lead < 0xF0) {
        need = 2;
        v = lead & 0x0Fu;
        if (lead == 0xE0)
            lo = 0xA0; /* below: overlong */
        else if (lead == 0xED)
            hi = 0x9F; /* above: UTF-16 surrogates */
    } else if (lead < 0xF5) {
        need = 3;
        v = lead & 0x07u;
        if (lead == 0xF0)
            lo = 0x90; /* below: overlong */
        else if (lead == 0xF4)
            hi = 0x8F; /* above: beyond U+10FFFF */
    } else {           /* F5..FF can never appear in UTF-8 */
        *cp = SAN_BAD;
        return 1;
    }

    for (size_t i = 1; i <= need; i++) {
        if (i >= avail || p[i] < lo || p[i] > hi) {
            *cp = SAN_BAD;
            return i;
        }
        v = (v << 6) | (p[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need + 1;
}

/* Return the code point to show for CP (SAN_BAD allowed) under FLAGS; CP
 * itself when it may pass through unchanged. */
static uint32_t san_map(uint32_t cp, unsigned flags)
{
    if (cp == SAN_BAD)
        return SAN_REPLACEMENT;
    if (cp < 0x20) {
        if (cp == '\n' && (flags & SANITIZE_KEEP_NEWLINE))
            return cp;
        if (cp == '\t' && (flags & SANITIZE_EXPAND_TAB))
            return ' ';
        return SAN_PICTURE_BASE + cp;
    }
    if (cp < 0x7F)
        return cp;
    if (cp == 0x7F)
        return SAN_PICTURE_DEL;
    if (cp <= 0x9F) /* C1 controls, e.g. U+009B CSI */
        return SAN_REPLACEMENT;
    if (cp == 0x061C) /* ARABIC LETTER MARK */
        return SAN_REPLACEMENT;
    if (cp >= 0x2028 && cp <= 0x202E) /* LS, PS, LRE, RLE, PDF, LRO, RLO */
        return SAN_REPLACEMENT;
    if (cp >= 0x2066 && cp <= 0x2069) /* LRI, RLI, FSI, PDI */
        return SAN_REPLACEMENT;
    return cp;
}

/* Sanitise LEN bytes of S (LEN < 0: up to the first NUL).  Explicit-length
 * input may contain NUL bytes; each becomes U+2400.  Returns a g_malloc'ed,
 * NUL-terminated, valid UTF-8 string the caller frees with g_free(); never
 * NULL, and NULL input gives "". */
char *sanitize_text(const char *s, long len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, i = 0, run = 0; /* run: start of bytes not yet copied */
    GString *out;

    if (s == NULL)
        return g_strdup("");
    n = len < 0 ? strlen(s) : (size_t)len;
    /* Most text needs no change: copy it at its exact size (the scrollback
     * keeps thousands of these strings, and a GString's rounded-up buffer
     * would double what they cost). */
    while (i < n) {
        uint32_t cp;
        size_t k;

        if (p[i] >= 0x20 && p[i] < 0x7F) {
            i++;
            continue;
        }
        k = san_decode(p + i, n - i, &cp);
        if (san_map(cp, flags) != cp)
            break;
        i += k;
    }
    if (i == n) {
        char *copy = g_malloc(n + 1);
        memcpy(copy, s, n);
        copy[n] = '\0';
        return copy;
    }
    out = g_string_sized_new(n + 8);

    while (i < n) {
        uint32_t cp, shown;
        size_t k;

        if (p[i] >= 0x20 && p[i] < 0x7F) { /* printable ASCII: fast path */
            i++;
            continue;
        }
        k = san_decode(p + i, n - i, &cp);
        shown = san_map(cp, flags);
        if (shown != cp) {
            g_string_append_len(out, s + run, (gssize)(i - run));
            g_string_append_unichar(out, (gunichar)shown);
            run = i + k;
        }
        i += k;
    }
    g_string_append_len(out, s + run, (gssize)(n - run));
    char *exact = g_strndup(out->str, out->len);
    g_string_free(out, TRUE);
    return exact;
}

/* Return 1 when the NUL-terminated S would come out of sanitize_text(S, -1,
 * FLAGS) different, 0 when it is already safe (also for NULL).  Allocates
 * nothing and stops at the first offending byte. */
int sanitize_needed(const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL)
        return 0;
    while (*p != '\0') {
        uint32_t cp;
        size_t k;

        if (*p >= 0x20 && *p < 0x7F) {
            p++;
            continue;
        }
        k = san_decode(p, SIZE_MAX, &cp);
        if (san_map(cp, flags) != cp)
            return 1;
        p += k;
    }
    return 0;
}

/* ---------- nicks ---------- */

/* Invisible in a nick: format characters (zero-width, bidi controls, ...),
 * and separators other than the plain space. */
char *sanitize_nick(const char *nick)
{
    if (!nick)
        return g_strdup("?");
    char *valid = g_utf8_make_valid(nick, -1);
    GString *out = g_string_sized_new(strlen(valid) + 8);
    const char *first = valid, *end = valid + strlen(valid);
    /* Leading and trailing spaces are shown, so "bob " is not "bob". */
    while (*first == ' ') {
        g_string_append(out, "\u2423");
        first++;
    }
    const char *last = end;
    while (last > first && last[-1] == ' ')
        last--;
    for (const char *p = first; p < last; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (unichar_invisible(c))
            g_string_append_printf(out, "<U+%04X>", c);
        else
            g_string_append_unichar(out, c);
    }
    for (const char *p = last; p < end; p++)
        g_string_append(out, "\u2423");
    if (out->len == 0)
        g_string_append(out, "\u2423");
    g_free(valid);
    return g_string_free(out, FALSE);
}

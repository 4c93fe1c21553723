/* fuzz_text.c - the sanitiser, the JID parser and the stripping of a
 * reply's fallback quote on arbitrary bytes.
 *
 * Besides crashes, each target checks what its header promises and
 * aborts when a promise is broken. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/jid.h"
#include "ui/sanitize.h"
#include "ui/styling.h"
#include "xmpp/fallback.h"

/* Abort (a crash for the fuzzer) when COND is false. */
#define require(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            g_printerr("%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* True when S holds nothing a terminal would act on (sanitize.h). */
static bool inert(const char *s, unsigned flags)
{
    if (!g_utf8_validate(s, -1, NULL))
        return false;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == '\n' && (flags & SANITIZE_KEEP_NEWLINE))
            continue;
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
            (c >= 0x2066 && c <= 0x2069) || c == 0x061c || c == 0x2028 || c == 0x2029)
            return false;
    }
    return true;
}

int fuzz_sanitize(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *s = g_strndup((const char *)data, size); /* up to the first NUL */
    for (unsigned flags = 0; flags < 4; flags++) {
        char *out = sanitize_text((const char *)data, (long)size, flags);
        require(inert(out, flags));
        char *again = sanitize_text(out, -1, flags);
        require(!strcmp(again, out)); /* what is safe stays as it is */
        g_free(again);
        g_free(out);

        out = sanitize_text(s, -1, flags);
        require(inert(out, flags));
        require(sanitize_needed(s, flags) == (strcmp(out, s) != 0));
        g_free(out);
    }
    char *nick = sanitize_nick(s);
    require(nick != NULL);
    char *shown = sanitize_text(nick, -1, 0);
    require(inert(shown, 0));
    g_free(shown);
    g_free(nick);
    g_free(s);
    return 0;
}

int fuzz_jid(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    /* The input is one JID, or two separated by a NUL byte. */
    char *a = g_strndup((const char *)data, size);
    size_t alen = strlen(a);
    char *b = alen < size ? g_strndup((const char *)data + alen + 1, size - alen - 1) : NULL;

    jid_t *j = jid_new(a);
    char *bare = jid_bare_of(a);
    char *res = jid_resource_of(a);
    char *shortname = jid_short_name(a);
    require(jid_is_valid(a) == (j != NULL));
    if (j) {
        require(j->domain && j->bare && j->full);
        require(!g_strcmp0(bare, j->bare));
        require(!g_strcmp0(res, j->resource));
        require(jid_is_valid_bare(a) == (j->resource == NULL));
        require(jid_bare_equal(a, j->bare));
        require(shortname != NULL);
        /* Normalising is idempotent. */
        jid_t *again = jid_new(j->full);
        require(again && !strcmp(again->full, j->full) && !strcmp(again->bare, j->bare));
        jid_free(again);
    } else {
        require(!bare && !res && !shortname && !jid_is_valid_bare(a));
    }
    if (b)
        require(jid_bare_equal(a, b) == jid_bare_equal(b, a));
    g_free(shortname);
    g_free(res);
    g_free(bare);
    jid_free(j);
    g_free(b);
    g_free(a);
    return 0;
}

int fuzz_styling(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    /* The parser reads sanitised text, but must be safe on any bytes. */
    const char *t = (const char *)data;
    size_t n = styling_parse(t, size, NULL, 0);
    styling_span few[4];
    require(styling_parse(t, size, few, G_N_ELEMENTS(few)) == n);
    styling_span *sp = g_new(styling_span, n ? n : 1);
    require(styling_parse(t, size, sp, n) == n);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        /* In order, not overlapping, inside the text, never empty. */
        require(sp[i].start >= at && sp[i].start < sp[i].end && sp[i].end <= size);
        require(sp[i].flags && !(sp[i].flags & ~0x3fu));
        if (i < G_N_ELEMENTS(few))
            require(few[i].start == sp[i].start && few[i].end == sp[i].end &&
                    few[i].flags == sp[i].flags);
        /* A directive starts with a directive character (a quote's
         * '>' takes the whitespace after it, a ``` line all of it). */
        if (sp[i].flags & STYLING_MARKER)
            require(t[sp[i].start] && strchr("*_~`>", t[sp[i].start]));
        at = sp[i].end;
    }
    /* Styling never crosses a line, except a quote's or a block's own. */
    for (size_t i = 0; i < n; i++)
        if (sp[i].flags & (STYLING_STRONG | STYLING_EMPH | STYLING_STRIKE))
            require(!memchr(t + sp[i].start, '\n', sp[i].end - sp[i].start));
    g_free(sp);
    return 0;
}

/* True when OUT is BODY with some bytes left out (kept ones in order). */
static bool subsequence(const char *out, const char *body)
{
    for (; *out; out++) {
        body = strchr(body, *out);
        if (!body)
            return false;
        body++;
    }
    return true;
}

int fuzz_fallback(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *spec = g_strndup((const char *)data, size);
    size_t slen = strlen(spec);
    char *body =
        slen < size ? g_strndup((const char *)data + slen + 1, size - slen - 1) : g_strdup("");
    char **words = g_strsplit_set(spec, " \n", -1);
    nx_fallback_range r[16];
    size_t n = 0;
    bool any_fits = false; /* some range lies inside the (valid UTF-8) body */
    glong len = g_utf8_validate(body, -1, NULL) ? g_utf8_strlen(body, -1) : -1;
    for (char **w = words; w[0] && w[1] && n < G_N_ELEMENTS(r); w += 2) {
        const char *s = strcmp(w[0], "-") ? w[0] : NULL, *e = strcmp(w[1], "-") ? w[1] : NULL;
        if (nx_fallback_range_parse(s, e, &r[n]) && len >= 0 &&
            (r[n].whole || (r[n].start < r[n].end && r[n].end <= (size_t)len)))
            any_fits = true;
        n++;
    }
    char *out = nx_fallback_strip(body, r, n);
    require(out != NULL);
    require(strlen(out) <= strlen(body));
    require(subsequence(out, body));
    if (len >= 0) {
        require(g_utf8_validate(out, -1, NULL));
        if (!any_fits)
            require(!strcmp(out, body));
        else
            require(g_utf8_strlen(out, -1) < len || len == 0);
    }
    g_free(out);
    g_strfreev(words);
    g_free(body);
    g_free(spec);
    return 0;
}

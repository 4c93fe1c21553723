/* fallback.c - taking the compatibility fallback (XEP-0428) out of a body:
 * ranges in code points, bounds-checked, overlaps merged. */
#include "xmpp/fallback.h"

#include <glib.h>
#include <string.h>

/* A plain decimal number of at most 10 digits into *V. */
static bool parse_index(const char *s, size_t *v)
{
    size_t n = strlen(s);
    if (n == 0 || n > 10)
        return false;
    guint64 x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (guint64)(s[i] - '0');
    }
    *v = (size_t)x;
    return true;
}

bool nx_fallback_range_parse(const char *start, const char *end, nx_fallback_range *r)
{
    memset(r, 0, sizeof *r);
    if (!start && !end) {
        r->whole = r->valid = true;
        return true;
    }
    r->valid = start && end && parse_index(start, &r->start) && parse_index(end, &r->end);
    return r->valid;
}

/* Code points in BODY: each well-formed UTF-8 sequence counts one, each
 * byte of a malformed one counts one too (what the sender counted is
 * unknown then; the range check below keeps it from going wrong). */
static size_t next_char(const char *p)
{
    const char *q = g_utf8_find_next_char(p, NULL);
    gunichar c = g_utf8_get_char_validated(p, -1);
    if (c == (gunichar)-1 || c == (gunichar)-2 || !q)
        return 1;
    return (size_t)(q - p);
}

char *nx_fallback_strip(const char *body, const nx_fallback_range *r, size_t n)
{
    if (!body)
        return NULL;
    size_t len = 0; /* in code points */
    for (const char *p = body; *p; p += next_char(p))
        len++;
    /* Which code points are hidden. */
    guint8 *hide = g_malloc0(len + 1);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!r[i].valid)
            continue;
        size_t s = r[i].whole ? 0 : r[i].start, e = r[i].whole ? len : r[i].end;
        if (s >= e || e > len)
            continue;
        memset(hide + s, 1, e - s);
        any = true;
    }
    if (!any) {
        g_free(hide);
        return g_strdup(body);
    }
    GString *out = g_string_sized_new(strlen(body));
    size_t i = 0;
    for (const char *p = body; *p; i++) {
        size_t step = next_char(p);
        if (!hide[i])
            g_string_append_len(out, p, (gssize)step);
        p += step;
    }
    g_free(hide);
    return g_string_free(out, FALSE);
}

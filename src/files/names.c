/* names.c - safe file names and file links (see names.h). */
#include "files/names.h"

#include <glib.h>
#include <string.h>

/* Characters that must not reach a file name: controls and the bidi
 * controls that make a name read differently from what it is. */
static bool unwanted(gunichar c)
{
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
        return true;
    if ((c >= 0x200e && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069) || c == 0x061c)
        return true;
    return false;
}

/* Cut S to at most MAX bytes on a character boundary, keeping a short
 * extension. */
static void shorten(GString *s, size_t max)
{
    if (s->len <= max)
        return;
    const char *dot = strrchr(s->str, '.');
    size_t ext = dot && dot != s->str && strlen(dot) <= 16 ? strlen(dot) : 0;
    char *tail = g_strdup(dot && ext ? dot : "");
    size_t keep = max - ext;
    while (keep > 0 && (s->str[keep] & 0xc0) == 0x80)
        keep--; /* do not split a character */
    g_string_truncate(s, keep);
    g_string_append(s, tail);
    g_free(tail);
}

char *files_safe_name(const char *raw)
{
    char *valid = g_utf8_make_valid(raw ? raw : "", -1);
    const char *base = valid;
    for (const char *p = valid; *p; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    GString *s = g_string_new(NULL);
    for (const char *p = base; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (unwanted(c))
            g_string_append_c(s, '_');
        else
            g_string_append_unichar(s, c);
    }
    g_free(valid);
    /* No hidden files, nothing that starts like an option or a path. */
    size_t lead = 0;
    while (lead < s->len && (s->str[lead] == '.' || s->str[lead] == ' ' || s->str[lead] == '-'))
        lead++;
    g_string_erase(s, 0, (gssize)lead);
    while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
        g_string_truncate(s, s->len - 1);
    shorten(s, FILES_NAME_MAX);
    if (s->len == 0)
        g_string_assign(s, "download");
    return g_string_free(s, FALSE);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* LEN bytes of S with %XX decoded once; a decoded NUL becomes '_'. */
static char *percent_decode(const char *s, size_t len)
{
    GString *out = g_string_sized_new(len);
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            char c = (char)(hi * 16 + lo);
            g_string_append_c(out, c ? c : '_');
            i += 2;
        } else {
            g_string_append_c(out, s[i]);
        }
    }
    return g_string_free(out, FALSE);
}

char *files_name_from_url(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    p = p ? p + 3 : (url ? url : "");
    size_t end = strcspn(p, "?#");
    const char *path = memchr(p, '/', end);
    if (!path)
        return g_strdup("download");
    size_t plen = end - (size_t)(path - p);
    /* The last segment: what follows the last (undecoded) slash. */
    const char *seg = path;
    for (size_t i = 0; i < plen; i++) {
        if (path[i] == '/')
            seg = path + i + 1;
    }
    char *decoded = percent_decode(seg, plen - (size_t)(seg - path));
    char *name = files_safe_name(decoded);
    g_free(decoded);
    return name;
}

char *files_numbered_name(const char *name, unsigned n)
{
    if (n == 0)
        return g_strdup(name);
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return g_strdup_printf("%s (%u)", name, n);
    return g_strdup_printf("%.*s (%u)%s", (int)(dot - name), name, n, dot);
}

bool files_is_aesgcm(const char *url)
{
    return url && g_ascii_strncasecmp(url, "aesgcm://", 9) == 0;
}

char *files_link_of(const char *text)
{
    if (!text)
        return NULL;
    char *t = g_strstrip(g_strdup(text));
    bool https = g_ascii_strncasecmp(t, "https://", 8) == 0;
    bool aesgcm = files_is_aesgcm(t);
    size_t skip = https ? 8 : 9;
    bool ok = (https || aesgcm) && strlen(t) > skip;
    for (const char *p = t; ok && *p; p++) {
        if (g_ascii_isspace(*p) || (unsigned char)*p < 0x20 || *p == 0x7f)
            ok = false;
    }
    /* A file has a path after the host: "https://example.org" is a site. */
    const char *slash = ok ? strchr(t + skip, '/') : NULL;
    if (!slash || slash == t + skip || slash[1] == '\0' || slash[1] == '?' || slash[1] == '#')
        ok = false;
    if (!ok) {
        g_free(t);
        return NULL;
    }
    return t;
}

/* jid.c - XMPP addresses (RFC 7622): parse, validate, compare.
 *
 * The split follows RFC 7622 section 3.1: the resource starts after the first
 * '/', and the localpart ends at the first '@' before that '/'. Each part is
 * then checked on its own and normalised (see jid.h).
 */
#include "model/jid.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>

/* RFC 7622 3.1: each part is 1 to 1023 octets. */
#define JID_PART_MAX 1023
/* A DNS label is at most 63 octets (RFC 1035); checked for ASCII labels. */
#define JID_LABEL_MAX 63

/* True for C0 and C1 control characters and DEL. */
static bool is_control(gunichar c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* True when C may not appear in a localpart: controls, any kind of space,
 * invisible format characters (such as bidi overrides), unassigned code
 * points and the characters RFC 7622 3.3.1 excludes. */
static bool local_char_bad(gunichar c)
{
    if (is_control(c) || g_unichar_isspace(c))
        return true;
    GUnicodeType t = g_unichar_type(c);
    if (t == G_UNICODE_SPACE_SEPARATOR || t == G_UNICODE_FORMAT || t == G_UNICODE_UNASSIGNED)
        return true;
    return c < 0x80 && strchr("\"&'/:<>@", (int)c) != NULL;
}

/* Check a localpart of LEN bytes at S (already known to be valid UTF-8). */
static bool local_ok(const char *s, size_t len)
{
    if (len == 0 || len > JID_PART_MAX)
        return false;
    for (const char *p = s; p < s + len; p = g_utf8_next_char(p)) {
        if (local_char_bad(g_utf8_get_char(p)))
            return false;
    }
    return true;
}

/* Check a resourcepart (RFC 7622 3.4, OpaqueString): any characters but
 * controls; spaces are allowed. */
static bool resource_ok(const char *s, size_t len)
{
    if (len == 0 || len > JID_PART_MAX)
        return false;
    for (const char *p = s; p < s + len; p = g_utf8_next_char(p)) {
        if (is_control(g_utf8_get_char(p)))
            return false;
    }
    return true;
}

/* Check an IPv6 literal "[...]" of LEN bytes at S. */
static bool ipv6_literal_ok(const char *s, size_t len)
{
    if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 > INET6_ADDRSTRLEN)
        return false;
    char inner[INET6_ADDRSTRLEN + 1];
    memcpy(inner, s + 1, len - 2);
    inner[len - 2] = '\0';
    struct in6_addr addr;
    return inet_pton(AF_INET6, inner, &addr) == 1;
}

/* Check one DNS label of LEN bytes at S: not empty, no hyphen at either
 * end, ASCII limited to letters, digits, '-' and '_', non-ASCII limited to
 * printable non-space characters. */
static bool label_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] == '-' || s[len - 1] == '-')
        return false;
    bool ascii = true;
    for (const char *p = s; p < s + len; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x80) {
            if (!g_ascii_isalnum((char)c) && c != '-' && c != '_')
                return false;
        } else {
            ascii = false;
            if (is_control(c) || g_unichar_isspace(c) || !g_unichar_isprint(c))
                return false;
        }
    }
    return !ascii || len <= JID_LABEL_MAX;
}

/* Check a domainpart of LEN bytes at S, after the trailing dot was
 * removed. */
static bool domain_ok(const char *s, size_t len)
{
    if (len == 0 || len > JID_PART_MAX)
        return false;
    if (s[0] == '[')
        return ipv6_literal_ok(s, len);
    const char *end = s + len;
    const char *label = s;
    for (const char *p = s; p <= end; p++) {
        if (p == end || *p == '.') {
            if (!label_ok(label, (size_t)(p - label)))
                return false;
            label = p + 1;
        }
    }
    return true;
}

/* Lower-case the ASCII letters of S in place. */
static void ascii_down_in_place(char *s)
{
    for (char *p = s; *p; p++)
        *p = g_ascii_tolower(*p);
}

/* Parse S into a new jid_t, or return NULL when S is not a valid JID.
 * Free with jid_free(). */
jid_t *jid_new(const char *s)
{
    if (s == NULL || *s == '\0' || !g_utf8_validate(s, -1, NULL))
        return NULL;

    const char *slash = strchr(s, '/');
    size_t bare_len = slash ? (size_t)(slash - s) : strlen(s);
    const char *at = memchr(s, '@', bare_len);

    const char *dom = at ? at + 1 : s;
    size_t dom_len = bare_len - (size_t)(dom - s);
    /* RFC 7622 3.2: one trailing dot is ignored. */
    if (dom_len > 1 && dom[dom_len - 1] == '.' && dom[0] != '[')
        dom_len--;

    if (at && !local_ok(s, (size_t)(at - s)))
        return NULL;
    if (!domain_ok(dom, dom_len))
        return NULL;
    if (slash && !resource_ok(slash + 1, strlen(slash + 1)))
        return NULL;

    jid_t *jid = g_new0(jid_t, 1);
    if (at) {
        jid->local = g_strndup(s, (size_t)(at - s));
        ascii_down_in_place(jid->local);
    }
    jid->domain = g_strndup(dom, dom_len);
    ascii_down_in_place(jid->domain);
    if (slash)
        jid->resource = g_strdup(slash + 1);
    jid->bare =
        jid->local ? g_strconcat(jid->local, "@", jid->domain, NULL) : g_strdup(jid->domain);
    jid->full =
        jid->resource ? g_strconcat(jid->bare, "/", jid->resource, NULL) : g_strdup(jid->bare);
    return jid;
}

/* Free a jid_t (NULL is fine). */
void jid_free(jid_t *jid)
{
    if (jid == NULL)
        return;
    g_free(jid->local);
    g_free(jid->domain);
    g_free(jid->resource);
    g_free(jid->bare);
    g_free(jid->full);
    g_free(jid);
}

/* True when S is a valid JID. */
bool jid_is_valid(const char *s)
{
    jid_t *jid = jid_new(s);
    bool ok = jid != NULL;
    jid_free(jid);
    return ok;
}

/* True when S is a valid bare JID (no resource). */
bool jid_is_valid_bare(const char *s)
{
    jid_t *jid = jid_new(s);
    bool ok = jid != NULL && jid->resource == NULL;
    jid_free(jid);
    return ok;
}

/* The normalised bare JID of S as a new string (g_free), or NULL when S is
 * not a valid JID. */
char *jid_bare_of(const char *s)
{
    jid_t *jid = jid_new(s);
    if (jid == NULL)
        return NULL;
    char *bare = g_steal_pointer(&jid->bare);
    jid_free(jid);
    return bare;
}

/* The resource of S as a new string (g_free), or NULL when there is none or
 * S is invalid. */
char *jid_resource_of(const char *s)
{
    jid_t *jid = jid_new(s);
    if (jid == NULL)
        return NULL;
    char *res = g_steal_pointer(&jid->resource);
    jid_free(jid);
    return res;
}

/* True when A and B (any strings) name the same bare JID after
 * normalisation; false when either is invalid. */
bool jid_bare_equal(const char *a, const char *b)
{
    jid_t *ja = jid_new(a);
    jid_t *jb = jid_new(b);
    bool eq = ja != NULL && jb != NULL && strcmp(ja->bare, jb->bare) == 0;
    jid_free(ja);
    jid_free(jb);
    return eq;
}

/* The localpart of S, or its domain when it has none, as a new string (for
 * showing a short name); NULL when S is invalid. */
char *jid_short_name(const char *s)
{
    jid_t *jid = jid_new(s);
    if (jid == NULL)
        return NULL;
    char *name = jid->local ? g_steal_pointer(&jid->local) : g_steal_pointer(&jid->domain);
    jid_free(jid);
    return name;
}

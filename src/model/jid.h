/* jid.h - XMPP addresses (RFC 7622): parse, validate, compare.
 *
 * A JID is [localpart@]domainpart[/resourcepart]. The resource starts at
 * the first '/' and may itself contain '@' and '/'. Parsing is strict enough
 * to reject what a server would reject (empty parts, parts over 1023 bytes,
 * invalid UTF-8, '@' or '/' misplacement, spaces or control characters in the
 * localpart or domainpart, control characters in the resource, the
 * characters " & ' / : < > @ in the localpart, DNS labels that are empty,
 * start or end with '-' or exceed 63 bytes) and normalises what RFC 7622
 * allows us to: the domainpart is lower-cased (ASCII) with one trailing dot
 * removed, and the localpart is case-folded for ASCII letters (full PRECIS is
 * out of scope; a comparison of non-ASCII localparts is exact). An IPv6
 * literal domain is written in brackets ("[::1]"). The resource is kept as
 * is (spaces allowed).
 */
#ifndef NATTER_MODEL_JID_H
#define NATTER_MODEL_JID_H

#include <stdbool.h>

typedef struct {
    char *local;    /* NULL when absent */
    char *domain;   /* never NULL */
    char *resource; /* NULL when absent */
    char *bare;     /* "local@domain" or "domain" */
    char *full;     /* bare plus "/resource" when there is one */
} jid_t;

/* Parse S into a new jid_t, or return NULL when S is not a valid JID.
 * Free with jid_free(). */
jid_t *jid_new(const char *s);

/* Free a jid_t (NULL is fine). */
void jid_free(jid_t *jid);

/* True when S is a valid JID. */
bool jid_is_valid(const char *s);

/* True when S is a valid bare JID (no resource). */
bool jid_is_valid_bare(const char *s);

/* The normalised bare JID of S as a new string (g_free), or NULL when S is
 * not a valid JID. */
char *jid_bare_of(const char *s);

/* The resource of S as a new string (g_free), or NULL when there is none or S
 * is invalid. */
char *jid_resource_of(const char *s);

/* True when A and B (any strings) name the same bare JID after
 * normalisation; false when either is invalid. */
bool jid_bare_equal(const char *a, const char *b);

/* The localpart of S, or its domain when it has none, as a new string (for
 * showing a short name); NULL when S is invalid. */
char *jid_short_name(const char *s);

#endif

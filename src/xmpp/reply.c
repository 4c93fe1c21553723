/* reply.c - message replies (XEP-0461) on the wire: reading the <reply/>
 * of an incoming message and taking out the quote its sender marked as a
 * compatibility fallback (XEP-0428, fallback.c), and adding both to what
 * natter sends (send.c). Which id names a message: in rooms the room's
 * stanza-id, elsewhere the origin-id, else the message's id (the caller,
 * cmd/, picks it from the history). */
#include "xmpp/internal.h"

#include <string.h>

#include "xmpp/fallback.h"

#define NS_FALLBACK "urn:xmpp:fallback:0"
#define MAX_RANGES 16 /* fallback <body/> ranges read per message */
#define MAX_ID 256    /* longer ids are not ids any client sends */

/* The ranges of BODY marked as the reply's fallback in ST, into R (at
 * most MAX_RANGES); returns how many. */
static size_t fallback_ranges(xmpp_stanza_t *st, nx_fallback_range *r)
{
    size_t n = 0;
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(st); f; f = xmpp_stanza_get_next(f)) {
        if (!xmpp_stanza_is_tag(f) || g_strcmp0(xmpp_stanza_get_name(f), "fallback") ||
            g_strcmp0(xmpp_stanza_get_ns(f), NS_FALLBACK) ||
            g_strcmp0(xmpp_stanza_get_attribute(f, "for"), NS_REPLY))
            continue;
        bool children = false;
        for (xmpp_stanza_t *b = xmpp_stanza_get_children(f); b && n < MAX_RANGES;
             b = xmpp_stanza_get_next(b)) {
            if (!xmpp_stanza_is_tag(b))
                continue;
            children = true;
            if (g_strcmp0(xmpp_stanza_get_name(b), "body"))
                continue; /* a <subject/> range: natter shows no subject of a message */
            nx_fallback_range_parse(xmpp_stanza_get_attribute(b, "start"),
                                    xmpp_stanza_get_attribute(b, "end"), &r[n++]);
        }
        /* No child: the whole body (and subject) is the fallback. */
        if (!children && n < MAX_RANGES)
            nx_fallback_range_parse(NULL, NULL, &r[n++]);
    }
    return n;
}

bool nx_reply_read(xmpp_stanza_t *st, char **body, char **id, char **to)
{
    *id = *to = NULL;
    xmpp_stanza_t *reply = nx_child(st, "reply", NS_REPLY);
    const char *rid = reply ? xmpp_stanza_get_attribute(reply, "id") : NULL;
    if (!rid || !*rid || strlen(rid) > MAX_ID || !g_utf8_validate(rid, -1, NULL))
        return false;
    const char *rto = xmpp_stanza_get_attribute(reply, "to");
    *id = g_strdup(rid);
    *to = rto && g_utf8_validate(rto, -1, NULL) ? g_strdup(rto) : NULL;
    if (!body || !*body)
        return true;
    nx_fallback_range r[MAX_RANGES];
    size_t n = fallback_ranges(st, r);
    if (n == 0)
        return true;
    char *rest = nx_fallback_strip(*body, r, n);
    /* Nothing but the quote: show what was sent rather than nothing. */
    if (!rest || strspn(rest, " \t\r\n") == strlen(rest)) {
        g_free(rest);
        return true;
    }
    g_free(*body);
    *body = rest;
    return true;
}

void nx_reply_add(xmpp_stanza_t *m, const char *id, const char *to, size_t fallback_end)
{
    xmpp_stanza_t *reply = nx_add_child(m, "reply", NS_REPLY);
    xmpp_stanza_set_attribute(reply, "id", id);
    if (to && *to)
        xmpp_stanza_set_attribute(reply, "to", to);
    if (fallback_end == 0)
        return;
    xmpp_stanza_t *fb = nx_add_child(m, "fallback", NS_FALLBACK);
    xmpp_stanza_set_attribute(fb, "for", NS_REPLY);
    xmpp_stanza_t *b = nx_add_child(fb, "body", NULL);
    char end[24];
    g_snprintf(end, sizeof end, "%zu", fallback_end);
    xmpp_stanza_set_attribute(b, "start", "0");
    xmpp_stanza_set_attribute(b, "end", end);
}

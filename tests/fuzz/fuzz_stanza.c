/* fuzz_stanza.c - stanzas from a hostile server, through natter's real
 * handlers.
 *
 * The input is XML: one or more stanzas one after the other. They are
 * parsed by libstrophe into stanzas and delivered, in order, by the
 * protocol test harness (tests/unit/proto.c), which logs in without a
 * server, joins a room and records what natter would have sent.
 *
 * Answers to natter's own queries can only be reached with their random
 * ids, so an attribute whose whole value is one of these placeholders is
 * replaced before its stanza is delivered:
 *   $0 ... $9  the id of an iq natter still waits an answer for (the Nth
 *              in the order sent, modulo how many there are)
 *   $Q         the queryid of the newest query of our own archive
 *   $R         the queryid of the newest query of the room's archive
 * (README.md lists which iq is which in each situation.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "../unit/proto.h"
#include "fuzz.h"

static const char *const room_features[] = {NS_MAM, NS_OCCUPANT_ID, "urn:xmpp:message-moderate:1",
                                            NULL};

/* The queryid of the newest archive query sent to TO (NULL: ours). */
static const char *queryid(const char *to)
{
    xmpp_stanza_t *iq = ph_sent("iq", to, NS_MAM);
    xmpp_stanza_t *q = iq ? xmpp_stanza_get_child_by_ns(iq, NS_MAM) : NULL;
    return q ? xmpp_stanza_get_attribute(q, "queryid") : NULL;
}

/* What placeholder VALUE stands for, or NULL when it is none. */
static const char *placeholder(const char *value)
{
    if (value[0] != '$' || !value[1] || value[2])
        return NULL;
    char c = value[1];
    if (c >= '0' && c <= '9')
        return ph_pending_count() ? ph_pending_id((unsigned)(c - '0') % ph_pending_count()) : NULL;
    if (c == 'Q')
        return queryid(NULL);
    if (c == 'R')
        return queryid(ROOM);
    return NULL;
}

/* Replace the placeholders in the attributes of ST and its descendants. */
static void substitute(xmpp_stanza_t *st)
{
    if (!xmpp_stanza_is_tag(st))
        return;
    int n = xmpp_stanza_get_attribute_count(st);
    if (n > 0) {
        const char **attrs = g_new0(const char *, 2 * (size_t)n);
        n = xmpp_stanza_get_attributes(st, attrs, 2 * n);
        for (int i = 0; i + 1 < n; i += 2) {
            const char *by = placeholder(attrs[i + 1]);
            if (!by)
                continue;
            char *name = g_strdup(attrs[i]);
            char *value = g_strdup(by); /* may belong to a stanza we change */
            xmpp_stanza_set_attribute(st, name, value);
            g_free(name);
            g_free(value);
        }
        g_free(attrs);
    }
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c))
        substitute(c);
}

/* Where the stanzas find natter. */
typedef enum {
    IN_ROOM,     /* logged in, the room joined */
    CATCHING_UP, /* the same during the login's archive catch-up */
    JOINING,     /* logged in, the room's join sent and unanswered */
} situation;

/* Deliver the stanzas of DATA to natter in situation SIT. */
static int run(const uint8_t *data, size_t size, situation sit)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    if (sit == CATCHING_UP)
        ph_setup_catching_up(NULL);
    else
        ph_setup(NULL);
    if (sit == JOINING) {
        char *err = NULL;
        nx_muc_join(ROOM, "me", NULL, &err);
        g_free(err);
    } else {
        ph_join(ROOM, "me", room_features);
    }
    /* A wrapper element makes one parse give a sequence of stanzas. */
    GString *xml = g_string_new("<fuzz>");
    g_string_append_len(xml, (const char *)data, (gssize)size);
    g_string_append(xml, "</fuzz>");
    /* libstrophe reads a C string: a NUL ends the input early. */
    xmpp_stanza_t *all = xmpp_stanza_new_from_string(nx_ctx(), xml->str);
    g_string_free(xml, TRUE);
    for (xmpp_stanza_t *st = all ? xmpp_stanza_get_children(all) : NULL; st;
         st = xmpp_stanza_get_next(st)) {
        if (!xmpp_stanza_is_tag(st))
            continue;
        substitute(st);
        ph_deliver(st);
    }
    if (all)
        xmpp_stanza_release(all);
    ph_teardown(NULL);
    return 0;
}

int fuzz_stanza(const uint8_t *data, size_t size)
{
    return run(data, size, IN_ROOM);
}

int fuzz_catchup(const uint8_t *data, size_t size)
{
    return run(data, size, CATCHING_UP);
}

int fuzz_join(const uint8_t *data, size_t size)
{
    return run(data, size, JOINING);
}

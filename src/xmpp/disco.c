/* disco.c - what we tell others about ourselves: service discovery
 * (XEP-0030) from a reply prepared once, entity capabilities (XEP-0115),
 * ping (XEP-0199), and the required error for every other request
 * (answers.c and blocking.c answer theirs). */
#include "xmpp/internal.h"

#include <string.h>

#define NS_CAPS "http://jabber.org/protocol/caps"
#define NS_ROSTER "jabber:iq:roster"
#define CAPS_NODE "https://natter.invalid/caps"

static const char *const features[] = {
    NS_DISCO_INFO,
    NS_CAPS,
    "http://jabber.org/protocol/chatstates",
    NS_PING,
    "urn:xmpp:receipts",
    "urn:xmpp:sid:0",
    "urn:xmpp:delay",
    "http://jabber.org/protocol/muc",
    "jabber:x:conference",
    "urn:xmpp:bookmarks:1+notify",
    "eu.siacs.conversations.axolotl.devicelist+notify",
    "urn:xmpp:message-correct:0",
    "urn:xmpp:message-retract:1",
    "urn:xmpp:reply:0",
    "urn:xmpp:reactions:0",
    "jabber:iq:version",
    "urn:xmpp:time",
    "jabber:iq:last",
    "urn:xmpp:idle:1",
    "urn:xmpp:chat-markers:0",
    "urn:xmpp:mds:displayed:0+notify",
};

static char *caps_ver; /* computed once */

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* XEP-0115 5.1: SHA-1 over identities and sorted features, base64. */
static const char *caps_hash(void)
{
    if (caps_ver)
        return caps_ver;
    GPtrArray *f = g_ptr_array_new();
    for (unsigned i = 0; i < G_N_ELEMENTS(features); i++)
        g_ptr_array_add(f, (gpointer)features[i]);
    g_ptr_array_sort(f, cmp_str);
    GString *s = g_string_new("client/console//natter<");
    for (guint i = 0; i < f->len; i++)
        g_string_append_printf(s, "%s<", (const char *)g_ptr_array_index(f, i));
    g_ptr_array_free(f, TRUE);
    guint8 digest[20];
    gsize len = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(ck, (const guchar *)s->str, (gssize)s->len);
    g_checksum_get_digest(ck, digest, &len);
    g_checksum_free(ck);
    g_string_free(s, TRUE);
    caps_ver = g_base64_encode(digest, len);
    return caps_ver;
}

xmpp_stanza_t *nx_disco_caps_element(xmpp_ctx_t *x)
{
    xmpp_stanza_t *c = xmpp_stanza_new(x);
    xmpp_stanza_set_name(c, "c");
    xmpp_stanza_set_ns(c, NS_CAPS);
    xmpp_stanza_set_attribute(c, "hash", "sha-1");
    xmpp_stanza_set_attribute(c, "node", CAPS_NODE);
    xmpp_stanza_set_attribute(c, "ver", caps_hash());
    return c;
}

static int on_disco_info(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    xmpp_ctx_t *x = nx_ctx();
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_INFO);
    const char *node = q ? xmpp_stanza_get_attribute(q, "node") : NULL;
    char *ours = g_strdup_printf("%s#%s", CAPS_NODE, caps_hash());
    if (node && strcmp(node, ours) != 0) {
        g_free(ours);
        nx_send_iq_error(st, "item-not-found");
        return 1;
    }
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_stanza_t *rq = xmpp_stanza_new(x);
    xmpp_stanza_set_name(rq, "query");
    xmpp_stanza_set_ns(rq, NS_DISCO_INFO);
    if (node)
        xmpp_stanza_set_attribute(rq, "node", node);
    xmpp_stanza_t *id = xmpp_stanza_new(x);
    xmpp_stanza_set_name(id, "identity");
    xmpp_stanza_set_attribute(id, "category", "client");
    xmpp_stanza_set_attribute(id, "type", "console");
    xmpp_stanza_set_attribute(id, "name", "natter");
    xmpp_stanza_add_child_ex(rq, id, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(features); i++) {
        xmpp_stanza_t *f = xmpp_stanza_new(x);
        xmpp_stanza_set_name(f, "feature");
        xmpp_stanza_set_attribute(f, "var", features[i]);
        xmpp_stanza_add_child_ex(rq, f, 0);
    }
    xmpp_stanza_add_child_ex(reply, rq, 0);
    xmpp_send(c, reply);
    xmpp_stanza_release(reply);
    g_free(ours);
    return 1;
}

static int on_ping(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_send(c, reply);
    xmpp_stanza_release(reply);
    return 1;
}

/* RFC 6120 8.4: every iq get/set must be answered; refuse what we do not
 * understand. */
static int on_any_iq(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    if (!type || (strcmp(type, "get") && strcmp(type, "set")))
        return 1;
    xmpp_stanza_t *child = xmpp_stanza_get_children(st);
    while (child && !xmpp_stanza_is_tag(child))
        child = xmpp_stanza_get_next(child);
    const char *ns = child ? xmpp_stanza_get_ns(child) : NULL;
    if (ns && !strcmp(type, "get") && (!strcmp(ns, NS_DISCO_INFO) || !strcmp(ns, NS_PING)))
        return 1;
    if (ns && !strcmp(type, "set") && !strcmp(ns, NS_ROSTER))
        return 1; /* roster.c answers (or refuses) pushes */
    if (nx_answers_handles(type, ns))
        return 1;
    nx_send_iq_error(st, "service-unavailable");
    return 1;
}

void nx_disco_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_disco_info, NS_DISCO_INFO, "iq", "get", NULL);
    xmpp_handler_add(c, on_ping, NS_PING, "iq", "get", NULL);
    xmpp_handler_add(c, on_any_iq, NULL, "iq", NULL, NULL);
    nx_answers_setup(c);
    nx_blocking_setup(c);
}

void nx_disco_deinit(void)
{
    g_clear_pointer(&caps_ver, g_free);
}

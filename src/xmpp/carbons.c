/* carbons.c - message carbons (XEP-0280): copies of what our other devices
 * send and receive. A carbon is accepted only when our own server sent it,
 * i.e. from our bare JID exactly; anything else claiming to be a carbon is
 * a spoofing attempt (CVE-2017-5592 and relatives) and is dropped. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "model/jid.h"

static bool enabled;

static int on_enable_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for: keep waiting */
    const char *type = xmpp_stanza_get_type(st);
    enabled = type && strcmp(type, "result") == 0;
    if (!enabled)
        log_info("carbons", "the server did not enable message carbons");
    return 0;
}

void nx_carbons_enable(xmpp_conn_t *c)
{
    enabled = false;
    char *id = nx_new_id();
    xmpp_stanza_t *iq = xmpp_iq_new(nx_ctx(), "set", id);
    xmpp_stanza_t *en = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(en, "enable");
    xmpp_stanza_set_ns(en, NS_CARBONS);
    xmpp_stanza_add_child_ex(iq, en, 0);
    xmpp_id_handler_add(c, on_enable_result, id, NULL);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
    g_free(id);
}

/* The <message/> inside <WRAPPER><forwarded><message/></forwarded>. */
static xmpp_stanza_t *forwarded_message(xmpp_stanza_t *wrapper)
{
    xmpp_stanza_t *fwd = nx_child(wrapper, "forwarded", NS_FORWARD);
    return fwd ? nx_child(fwd, "message", NULL) : NULL;
}

bool nx_carbons_handle(xmpp_conn_t *c, xmpp_stanza_t *st)
{
    xmpp_stanza_t *w = nx_child(st, "received", NS_CARBONS);
    bool sent = false;
    if (!w) {
        w = nx_child(st, "sent", NS_CARBONS);
        sent = w != NULL;
    }
    if (!w)
        return false;
    const char *from = xmpp_stanza_get_from(st);
    const char *own = nx_own_bare();
    jid_t *fj = from ? jid_new(from) : NULL;
    bool trusted = fj && own && !fj->resource && strcmp(fj->bare, own) == 0;
    jid_free(fj);
    if (!trusted) {
        log_warn("carbons", "dropped a carbon from %s: only our own account may send them",
                 from ? from : "(nobody)");
        return true; /* consumed: never process it as a normal message */
    }
    xmpp_stanza_t *inner = forwarded_message(w);
    if (!inner)
        return true;
    msg_source src = {.carbon = true, .carbon_sent = sent};
    nx_message_process(c, inner, &src);
    return true;
}

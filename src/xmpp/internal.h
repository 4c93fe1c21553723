/* internal.h - shared between the files of xmpp/ only. */
#ifndef NATTER_XMPP_INTERNAL_H
#define NATTER_XMPP_INTERNAL_H

#include <strophe.h>

#include "xmpp/xmpp.h"

/* conn.c */
xmpp_ctx_t *xmpp_internal_ctx(void);
/* The live connection when connected (stanzas may be sent), else NULL. */
xmpp_conn_t *xmpp_internal_conn(void);
/* A new id for an outgoing stanza (g_free). */
char *xmpp_internal_new_id(void);
/* Send an <iq type='error'> reply with CONDITION (cancel type) to STANZA. */
void xmpp_internal_send_error(xmpp_stanza_t *stanza, const char *condition);
/* Find a child by name and namespace. */
xmpp_stanza_t *xmpp_internal_child(xmpp_stanza_t *st, const char *name, const char *ns);
/* Text of child NAME of ST (new string, g_free) or NULL. */
char *xmpp_internal_child_text(xmpp_stanza_t *st, const char *name);
/* True when FROM (attribute value, may be NULL) is our server-side account:
 * absent, our bare JID, or our full JID. */
bool xmpp_internal_from_own_account(const char *from);
/* Called by roster.c once the initial roster arrived. */
void xmpp_internal_roster_ready(void);

/* Reconnect now with the same account (after a TLS decision). */
void xmpp_internal_reconnect_now(void);
/* tls.c tells conn.c that it refused a certificate (no auto-reconnect). */
void xmpp_internal_tls_refused(void);
/* Add a pinned fingerprint to the in-memory account copy. */
void xmpp_internal_add_pin(const char *fp);

/* tls.c */
int xmpp_tls_certfail(const xmpp_tlscert_t *cert, const char *errormsg);
void xmpp_tls_reset(void);
void xmpp_tls_set_account(const char *account_name, const char *host, char **pinned);
void xmpp_tls_deinit(void);

/* roster.c */
void xmpp_roster_setup(xmpp_conn_t *conn);
void xmpp_roster_request(xmpp_conn_t *conn);

/* presence.c */
void xmpp_presence_setup(xmpp_conn_t *conn);
void xmpp_presence_send_current(xmpp_conn_t *conn);

/* message.c */
void xmpp_message_setup(xmpp_conn_t *conn);
void xmpp_message_flush_queue(xmpp_conn_t *conn);
void xmpp_message_deinit(void);

/* disco.c */
void xmpp_disco_setup(xmpp_conn_t *conn);
/* Our caps <c/> element for presence (caller releases). */
xmpp_stanza_t *xmpp_disco_caps_element(xmpp_ctx_t *ctx);
void xmpp_disco_deinit(void);

#endif

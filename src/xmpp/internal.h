/* internal.h - shared between the files of xmpp/ only. */
#ifndef NATTER_XMPP_INTERNAL_H
#define NATTER_XMPP_INTERNAL_H

#include <strophe.h>

#include "xmpp/xmpp.h"

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_DELAY "urn:xmpp:delay"
#define NS_SID "urn:xmpp:sid:0"
#define NS_CORRECT "urn:xmpp:message-correct:0"
#define NS_RETRACT "urn:xmpp:message-retract:1"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_MAM "urn:xmpp:mam:2"
#define NS_RSM "http://jabber.org/protocol/rsm"

/* Where an incoming <message/> came from (message.c decides what it means). */
typedef struct {
    bool carbon;            /* XEP-0280 copy, already checked by carbons.c */
    bool carbon_sent;       /* ... of a message one of our devices sent */
    bool archive;           /* XEP-0313 result, already checked by mam.c */
    const char *archive_id; /* its archive id (a stanza-id by our account) */
    time_t archive_ts;      /* its archive time, 0 when unknown */
    bool backfill;          /* older history asked for by a scrolled window */
} msg_source;

/* conn.c */
xmpp_ctx_t *xmpp_internal_ctx(void);
/* The live connection when connected (stanzas may be sent), else NULL. */
xmpp_conn_t *xmpp_internal_conn(void);
/* A new id for an outgoing stanza (g_free). */
char *xmpp_internal_new_id(void);
/* An empty <iq/> of TYPE answering ST (same id, to its sender). */
xmpp_stanza_t *xmpp_internal_iq_reply(xmpp_stanza_t *st, const char *type);
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
/* Forget the pending roster request (connection lost). */
void xmpp_roster_reset(void);

/* presence.c */
void xmpp_presence_setup(xmpp_conn_t *conn);
void xmpp_presence_send_current(xmpp_conn_t *conn);

/* message.c */
void xmpp_message_setup(xmpp_conn_t *conn);
/* The XEP-0203 <delay/> stamp inside PARENT as UTC seconds, 0 when none. */
time_t xmpp_internal_delay_of(xmpp_stanza_t *parent);
/* Turn one <message/> into events (see msg_source). */
void xmpp_message_process(xmpp_conn_t *conn, xmpp_stanza_t *st, const msg_source *src);

/* send.c */
void xmpp_message_flush_queue(xmpp_conn_t *conn);
void xmpp_message_deinit(void);

/* carbons.c: enable after login; handle (and consume) a carbon, returning
 * false when ST is not one. */
void xmpp_carbons_enable(xmpp_conn_t *conn);
bool xmpp_carbons_handle(xmpp_conn_t *conn, xmpp_stanza_t *st);

/* mam.c: catch up after login; consume archive results (false when ST is
 * not one); hold live messages while catching up (true when held). */
void xmpp_mam_start(xmpp_conn_t *conn, bool server_has_mam);
bool xmpp_mam_handle_result(xmpp_conn_t *conn, xmpp_stanza_t *st);
bool xmpp_mam_hold(xmpp_stanza_t *st);
void xmpp_mam_reset(void);

/* disco.c */
void xmpp_disco_setup(xmpp_conn_t *conn);
/* Our caps <c/> element for presence (caller releases). */
xmpp_stanza_t *xmpp_disco_caps_element(xmpp_ctx_t *ctx);
void xmpp_disco_deinit(void);

#endif

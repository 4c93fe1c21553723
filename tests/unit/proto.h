/* proto.h - a harness for unit tests of the protocol rules in src/xmpp/.
 *
 * The tests link natter's real xmpp/, model/, config/ and core/ code and
 * libstrophe, but the linker (-Wl,--wrap=..., see Makefile.am) sends the
 * few libstrophe calls that touch the network or the handler tables here:
 *
 *   xmpp_connect_client      never connects; the harness itself tells
 *                            conn.c that the login succeeded
 *   xmpp_conn_get_bound_jid  the JID the "server" bound: ME_FULL
 *   xmpp_disconnect          reports the end of the connection at once
 *   xmpp_handler_add,
 *   xmpp_id_handler_add      kept here; ph_receive() fires them the way
 *                            libstrophe does (id handlers first, one-shot
 *                            when they return 0, then the matching ones)
 *   xmpp_send                kept for the test to read (ph_sent)
 *
 * Parsing and building stanzas stay libstrophe's own. Nothing waits:
 * timers are armed on the main loop but the loop never runs.
 *
 * Events that natter emits are recorded by a subscriber in the screen
 * stage (after the store and the model would have run).
 */
#ifndef NATTER_TESTS_PROTO_H
#define NATTER_TESTS_PROTO_H

#include <stdbool.h>
#include <time.h>

#include "xmpp/internal.h"

#define ME "me@example.org"
#define ME_FULL "me@example.org/natter" /* the JID the server bound */
#define ME_PHONE "me@example.org/phone" /* another device of ours */
#define ALICE "alice@example.org"       /* a contact (subscription both) */
#define ALICE_FULL "alice@example.org/laptop"
#define MALLORY "mallory@evil.example" /* a stranger */
#define MALLORY_FULL "mallory@evil.example/x"
#define SERVICE "conference.example.org"
#define ROOM "room@conference.example.org"
#define STAMP "2020-01-01T00:00:00Z" /* a time in delay stamps ... */
#define STAMP_T ((time_t)1577836800) /* ... and in seconds */

/* One recorded event: the fields of its payload that the tests read,
 * copied (payloads are borrowed). Unused fields are NULL / 0. */
typedef struct {
    event_type type;
    int kind;          /* sub_kind, muc_ev_kind, occ_ev_kind, chatstate */
    char *peer;        /* peer; room (muc, invitations); jid (roster, presence, log) */
    char *from;        /* from; invitations: who invites */
    char *nick;        /* rooms: nick; occupants: nick */
    char *body;        /* message and correction body */
    char *text;        /* log text; room text; bounce text; sync error */
    char *id;          /* message / correction / receipt / bounce id */
    char *ref_id;      /* replace_id, retract_id */
    char *stanza_id;   /* XEP-0359 */
    char *origin_id;   /* XEP-0359 */
    char *occupant_id; /* XEP-0421 */
    char *moderator;   /* XEP-0425 */
    char *reason;      /* retraction, room, occupant, invitation */
    bool outgoing, carbon, from_archive, delayed, groupchat, muc_private, backfill;
    bool moderation, mediated, declined, removed, done, initial, receipt_requested;
    time_t timestamp;
    int64_t time_us; /* messages and corrections: the time in microseconds */
    unsigned count;
} ph_event;

/* cmocka setup: settings at their defaults, the roster and room models,
 * a login as ME_FULL with a roster holding ALICE (both), the archive
 * catch-up over. The events of the login are forgotten; the stanzas it
 * sent are kept (the answers to some are up to the test). */
int ph_setup(void **state);
/* The same, but the archive catch-up is still running: its query is the
 * newest one sent (ph_sent_iq(NULL, NS_MAM)). */
int ph_setup_catching_up(void **state);
/* The same, but only connected: the roster query (jabber:iq:roster) is
 * still unanswered. */
int ph_setup_connected(void **state);
/* Log out, free everything. */
int ph_teardown(void **state);

/* The server delivers the stanza written in XML (printf format); the
 * test fails when it does not parse. */
void ph_receive(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The server delivers ST, a stanza of nx_ctx() (borrowed): the id
 * handlers waiting for its id run first, then the matching handlers. */
void ph_deliver(xmpp_stanza_t *st);
/* How many iqs natter waits an answer for, and the id of the Ith of them
 * (in the order they were sent; NULL when I is out of range). */
unsigned ph_pending_count(void);
const char *ph_pending_id(unsigned i);

/* The server delivers our own server's copy (XEP-0280) of INNER, a
 * <message/>: KIND is "received" or "sent", FROM the carbon's sender (NULL:
 * no 'from'). */
void ph_receive_carbon(const char *from, const char *kind, const char *inner);
/* The archive FROM (NULL: no 'from', our own server) delivers a result
 * (XEP-0313) for QUERYID: archive id ID, archived at STAMP, holding INNER. */
void ph_receive_result(const char *from, const char *queryid, const char *id, const char *inner);

/* Events of TYPE recorded since the last ph_forget(). */
unsigned ph_count(event_type type);
/* ... of TYPE and KIND (ph_event.kind). */
unsigned ph_count_kind(event_type type, int kind);
/* The newest event of TYPE (fails the test when there is none). */
const ph_event *ph_last(event_type type);
/* Forget the recorded events and the stanzas sent so far. */
void ph_forget(void);

/* The newest stanza sent since the last ph_forget() named NAME
 * ("message", "iq", "presence") to TO (NULL: with no 'to') with a child in
 * namespace NS (NULL: any), or NULL. */
xmpp_stanza_t *ph_sent(const char *name, const char *to, const char *ns);
/* The same for an iq that must have been sent (fails the test if not). */
xmpp_stanza_t *ph_sent_iq(const char *to, const char *ns);
/* The queryid of the newest archive query sent to TO (NULL: our own). */
const char *ph_mam_queryid(const char *to);
/* End the login catch-up: an empty, complete answer to its query and to
 * the one asked after the initial presence. */
void ph_answer_catch_up(void);

/* Join ROOM as NICK; the room answers disco#info with FEATURES (a NULL-
 * terminated list, may be NULL) and our own presence. The room's archive
 * query, when it advertised one, is then in flight. */
void ph_join(const char *room, const char *nick, const char *const *features);

#endif

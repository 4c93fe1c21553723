/* internal.h - shared between the files of xmpp/ only. */
#ifndef NATTER_XMPP_INTERNAL_H
#define NATTER_XMPP_INTERNAL_H

#include <strophe.h>

#include "model/muc.h"
#include "xmpp/xmpp.h"

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_DELAY "urn:xmpp:delay"
#define NS_SID "urn:xmpp:sid:0"
#define NS_STYLING "urn:xmpp:styling:0"
#define NS_CORRECT "urn:xmpp:message-correct:0"
#define NS_RETRACT "urn:xmpp:message-retract:1"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_MAM "urn:xmpp:mam:2"
#define NS_RSM "http://jabber.org/protocol/rsm"
#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_MUC_ADMIN "http://jabber.org/protocol/muc#admin"
#define NS_MUC_OWNER "http://jabber.org/protocol/muc#owner"
#define NS_DATA "jabber:x:data"
#define NS_CONFERENCE "jabber:x:conference"
#define NS_OCCUPANT_ID "urn:xmpp:occupant-id:0"
#define NS_PING "urn:xmpp:ping"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_OOB "jabber:x:oob"
#define NS_IDLE "urn:xmpp:idle:1"
#define NS_REPLY "urn:xmpp:reply:0"
#define NS_REACTIONS "urn:xmpp:reactions:0"
#define NS_MARKERS "urn:xmpp:chat-markers:0"
#define NS_MDS "urn:xmpp:mds:displayed:0"

/* Where an incoming <message/> came from (message.c decides what it means). */
typedef struct {
    bool carbon;            /* XEP-0280 copy, already checked by carbons.c */
    bool carbon_sent;       /* ... of a message one of our devices sent */
    bool archive;           /* XEP-0313 result, already checked by mam.c */
    const char *archive_id; /* its archive id (a stanza-id by our account) */
    time_t archive_ts;      /* its archive time, 0 when unknown */
    int64_t archive_us;     /* ... in UTC microseconds (0: use ARCHIVE_TS) */
    bool backfill;          /* older history asked for by a scrolled window */
    bool room;              /* ... from a room's archive (checked by mam.c) */
} msg_source;

/* stanza.c: reading and building stanzas. */
/* A new id for an outgoing stanza (g_free). */
char *nx_new_id(void);
/* A new <iq type=TYPE/> with a fresh id (send it with nx_send_iq). */
xmpp_stanza_t *nx_iq_new(const char *type);
/* Send IQ (released here); HANDLER(conn, answer, UD) gets its answer. The
 * handler returns 0 when done (it frees UD then), or 1 to keep waiting: an
 * answer from the wrong sender must not end the wait for the real one.
 * UD_FREE (may be NULL) frees UD if the connection goes first. */
void nx_send_iq(xmpp_conn_t *conn, xmpp_stanza_t *iq, xmpp_handler handler, void *ud,
                GDestroyNotify ud_free);
/* Forget the iqs still waiting on CONN (about to be released). */
void nx_iq_forget(xmpp_conn_t *conn);
/* An empty <iq/> of TYPE answering ST (same id, to its sender). */
xmpp_stanza_t *nx_iq_reply(xmpp_stanza_t *st, const char *type);
/* Send an <iq type='error'> reply with CONDITION (cancel type) to STANZA. */
void nx_send_iq_error(xmpp_stanza_t *stanza, const char *condition);
/* Find a child by name and namespace. */
xmpp_stanza_t *nx_child(xmpp_stanza_t *st, const char *name, const char *ns);
/* Text of child NAME of ST (new string, g_free) or NULL. */
char *nx_child_text(xmpp_stanza_t *st, const char *name);
/* The XEP-0203 <delay/> stamp inside PARENT as UTC seconds, 0 when none. */
time_t nx_delay_of(xmpp_stanza_t *parent);
/* The same stamp in UTC microseconds, with its fraction of a second (0: none). */
int64_t nx_delay_us_of(xmpp_stanza_t *parent);
/* The <body/> of ST as valid UTF-8 (g_free), or NULL. */
char *nx_body(xmpp_stanza_t *st);
/* An element NAME holding TEXT (NULL: empty); the caller adds it somewhere. */
xmpp_stanza_t *nx_text_element(const char *name, const char *text);
/* Append a data form field VAR (TYPE may be NULL) with one VALUE to FORM. */
void nx_add_field(xmpp_stanza_t *form, const char *var, const char *type, const char *value);
/* Error condition of an error stanza ST ("error" when none; borrowed) and
 * "condition: text" (g_free). */
const char *nx_error_condition(xmpp_stanza_t *st);
char *nx_error_text(xmpp_stanza_t *st);
/* A new child NAME (namespace NS, may be NULL) of PARENT (borrowed). */
xmpp_stanza_t *nx_add_child(xmpp_stanza_t *parent, const char *name, const char *ns);
/* Append <NAME>TEXT</NAME> to PARENT. */
void nx_add_text(xmpp_stanza_t *parent, const char *name, const char *text);
/* The id of the XEP-0359 <stanza-id/> in ST that BY_JID (a bare JID: our
 * account, or a room) stamped, or NULL (borrowed). A stanza-id 'by' anyone
 * else, or by a full JID, could have been written by the sender. */
const char *nx_stanza_id_by(xmpp_stanza_t *st, const char *by_jid);

/* sm.c: stream management (XEP-0198) acknowledgements of our messages. */
/* What libstrophe read (XML, a serialised element; from its log). */
void nx_sm_read(const char *xml);
/* What libstrophe wrote (XML; from its log). */
void nx_sm_written(const char *xml);
/* Follow our message ID to PEER, just sent as ST, until the server
 * acknowledges it. False when this stream has no acknowledgements. */
bool nx_sm_track(const char *peer, const char *id, xmpp_stanza_t *st);
/* Whether our message ID is followed, waiting for its acknowledgement. */
bool nx_sm_follows(const char *id);
/* Whether the server offered stream management after login. */
bool nx_sm_offered(void);
/* Whether the server answered <enable/> (or resumed the session). */
bool nx_sm_settled(void);
/* Whether this connection resumed the previous session. */
bool nx_sm_resumed(void);
/* What the server got wrong in its counts (g_free), or NULL. */
char *nx_sm_violation_take(void);
/* After a fresh login (no resume): send again, marked as resent, what the
 * server never acknowledged. Returns how many. */
unsigned nx_sm_resend(xmpp_conn_t *c);
/* Resumed on C: send a ping behind the library's resends; once it is
 * written, nx_sm_after_pass sends what the library did not, then the
 * offline queue. */
void nx_sm_resume_fence(xmpp_conn_t *c);
void nx_sm_after_pass(xmpp_conn_t *c);
/* A new connection C is about to connect: hand it the kept session when
 * SAME_ACCOUNT. */
void nx_sm_connecting(xmpp_conn_t *c, bool same_account);
/* C went down (LOGGED_IN: it had been up): keep its session for a resume
 * when KEEP and the server allows it. Returns whether one is kept. */
bool nx_sm_disconnected(xmpp_conn_t *c, bool logged_in, bool keep);
/* Drop a kept session (no resume). */
void nx_sm_forget_session(void);
void nx_sm_deinit(void);

/* keepalive.c: pings after silence, and after the machine slept. */
/* Start watching the connection (logged in) / stop. */
void nx_keepalive_start(void);
void nx_keepalive_stop(void);
/* Something was read: the connection lives. */
void nx_keepalive_heard(void);
void nx_keepalive_deinit(void);

/* xmlguard.c: why the XML parser stopped (g_free), for the user. */
char *nx_xml_error_take(void);
/* How many bytes libstrophe has handed to its XML parsers so far: a read
 * that ends inside a stanza logs nothing, but it moves this. */
unsigned long nx_xml_bytes_fed(void);

/* conn.c */
/* The connection is dead or unusable for WHY: close it at once, without
 * the goodbye a live stream gets (so the session can still be resumed),
 * and reconnect. */
void nx_conn_lost(const char *why);
xmpp_ctx_t *nx_ctx(void);
/* The live connection when connected (stanzas may be sent), else NULL. */
xmpp_conn_t *nx_conn(void);
/* True when FROM (attribute value, may be NULL) is our server-side account:
 * absent, our bare JID, or our full JID. */
bool nx_from_own_account(const char *from);
/* Called by roster.c once the initial roster arrived. */
void nx_roster_ready(void);

/* Reconnect now with the same account (after a TLS decision). */
void nx_reconnect_now(void);
/* tls.c tells conn.c that it refused a certificate (no auto-reconnect). */
void nx_tls_refused(void);
/* Add a pinned fingerprint to the in-memory account copy. */
void nx_add_pin(const char *fp);

/* tls.c */
int nx_tls_certfail(const xmpp_tlscert_t *cert, const char *errormsg);
void nx_tls_reset(void);
void nx_tls_set_account(const char *account_name, const char *host, char **pinned);
void nx_tls_deinit(void);

/* roster.c */
void nx_roster_setup(xmpp_conn_t *conn);
void nx_roster_request(xmpp_conn_t *conn);
/* Forget the pending roster request (connection lost). */
void nx_roster_reset(void);

/* presence.c */
void nx_presence_setup(xmpp_conn_t *conn);
void nx_presence_send_current(xmpp_conn_t *conn);
/* True when what BARE sends is to be dropped: the strangers setting says
 * drop and BARE is a user (not a server) outside our roster. */
bool nx_drop_stranger(const char *bare);
/* The <show/> of presence ST (available, no <show/>: PRESENCE_ONLINE). */
presence_show nx_presence_show(xmpp_stanza_t *st);

/* message.c */
void nx_message_setup(xmpp_conn_t *conn);
/* When message ST was written (the archive's time, its delay stamp, else
 * now; *DELAYED says whether it was stamped). A delay stamp counts only
 * from ROOM when given (a room message), else from our server or our own
 * account: anyone else would backdate. */
time_t nx_message_time(xmpp_stanza_t *st, const msg_source *src, const char *room, bool *delayed);
/* The same time in UTC microseconds (sub-second order within a burst). */
int64_t nx_message_time_us(xmpp_stanza_t *st, const msg_source *src, const char *room,
                           bool *delayed);
/* Turn one <message/> into events (see msg_source). */
void nx_message_process(xmpp_conn_t *conn, xmpp_stanza_t *st, const msg_source *src);

/* pep.c: a PEP notification of a followed node (consumed: true). */
bool nx_pep_handle_event(xmpp_stanza_t *st);
/* send.c */
void nx_message_flush_queue(xmpp_conn_t *conn);
void nx_queue_reload(void);
void nx_message_deinit(void);

/* carbons.c: enable after login; handle (and consume) a carbon, returning
 * false when ST is not one. */
void nx_carbons_enable(xmpp_conn_t *conn);
bool nx_carbons_handle(xmpp_conn_t *conn, xmpp_stanza_t *st);

/* mam.c: catch up after login (the caller sends its initial presence
 * right after nx_mam_start); consume archive results (false when ST is
 * not one); hold live messages while catching up (true when held). */
void nx_mam_start(xmpp_conn_t *conn, bool server_has_mam);
bool nx_mam_handle_result(xmpp_conn_t *conn, xmpp_stanza_t *st);
bool nx_mam_hold(xmpp_stanza_t *st);
/* A message (or carbon) that came live: its id in our archive becomes the
 * point the next login's catch-up continues from, once this session has
 * caught up. */
void nx_mam_note_live(xmpp_stanza_t *st);
void nx_mam_reset(void);
/* A MAM query <iq type='set' id=IQ_ID> with queryid QID: WITH and END
 * filters (may be NULL), MAX results, after AFTER or else before BEFORE
 * ("" or NULL: the newest page). The caller sets 'to' and releases it. */
xmpp_stanza_t *nx_mam_query(const char *iq_id, const char *qid, const char *with, const char *end,
                            int max_n, const char *after, const char *before);

/* muc.c, muc_message.c, muc_admin.c: protocol state of one room. */
typedef struct {
    char *room;
    bool got_subject;   /* the subject (end of the join's history) arrived */
    bool syncing;       /* history of this join not complete yet */
    bool info_done;     /* the room's disco#info answered (or failed) */
    bool presence_sent; /* the join presence went out (after disco#info) */
    bool mam_done;      /* the archive part of the sync is over */
    bool ping_busy;     /* a self-ping is out */
    int64_t ping_sent;  /* loop_now_ms() when it left */
    unsigned sync_timer;
    char *mam_qid, *mam_iq; /* archive query in flight */
    unsigned fetched;       /* archive messages of this sync */
    bool tail_page;         /* the archive query in flight is the newest page, asked for
                             * after forward paging gave up (stale or too far back) */
    char *last_sid;         /* the newest stanza-id the room gave us ... */
    gint64 last_ts;         /* ... and its time (UTC ms): the sync point */
    unsigned unsaved;       /* sync point changes not yet persisted */
    /* Ids (id, origin-id, stanza-id) of the live messages each occupant sent
     * since its current join: nick -> GPtrArray of ids. Without occupant ids
     * this is all that says a correction is the original author's. */
    GHashTable *since_join;
    unsigned rejoin_timer;    /* rejoin after the service shut down (332) */
    unsigned rejoin_attempts; /* failed rejoins since then (the backoff) */
    bool rejoin_pending;      /* a 332 rejoin is under way: retry on failure */
    gint64 joined_us;         /* when the room last let us in (monotonic) */
    unsigned quick_removals;  /* removals (332, 333) each soon after a join */
    const char *rejoin_why;   /* why we were out of the room (static text) */
} muc_proto;

/* The protocol state of ROOM (created with its persisted sync point). */
muc_proto *nx_muc_proto(const char *room);
/* Persist P's sync point if it changed. */
void nx_muc_persist(muc_proto *p);
/* Tell the screen about our own state in room R (see muc_ev_kind). */
void nx_muc_room_event(muc_ev_kind kind, muc_room *r, const char *nick, const char *actor,
                       const char *reason, const char *text);
/* True when NICK is usable as a room nick (UTF-8, no controls, < 1 KiB). */
bool nx_muc_valid_nick(const char *nick);
/* muc_presence.c: presence from a room natter joined (consumed: true),
 * else false. */
bool nx_muc_handle_presence(xmpp_conn_t *conn, xmpp_stanza_t *st);
/* After login / on disconnect: rejoin wanted rooms / mark all rooms left. */
void nx_muc_online(xmpp_conn_t *conn);
void nx_muc_offline(void);
/* Our presence changed: tell every joined room. */
void nx_muc_presence_broadcast(xmpp_conn_t *conn);
/* Follow the settings that matter to rooms (muc_selfping). */
void nx_muc_init(void);
void nx_muc_deinit(void);
/* muc_message.c: a type='groupchat' message (SRC: live or room archive). */
void nx_muc_message(xmpp_conn_t *conn, xmpp_stanza_t *st, const msg_source *src);
/* Invitations (XEP-0249 direct, XEP-0045 mediated) and declines:
 * consumed (true) or not one. */
bool nx_muc_handle_invite(xmpp_stanza_t *st);
/* A room archive result (consumed: true), else false. */
bool nx_muc_handle_archive(xmpp_conn_t *conn, xmpp_stanza_t *st);
/* Start / end the history sync of a room we just joined. */
void nx_muc_sync_start(xmpp_conn_t *conn, muc_room *room);
void nx_muc_sync_finish(muc_room *room, const char *error);
/* Ask ROOM for its features again (after creating or configuring it). */
void nx_muc_refresh_info(xmpp_conn_t *conn, const char *room);
/* The service shut down (332), the room removed us after an error (333),
 * or a rejoin after either failed: join R again after a backoff (false: a
 * rejoin was not under way, nothing scheduled). */
bool nx_muc_rejoin_later(muc_room *r, bool after_shutdown);
/* An occupant's messages since its join: NICK (re)joined or left (forget
 * them), changed its nick (NEW_NICK keeps them), or sent the ids. */
void nx_muc_occupant_reset(muc_proto *p, const char *nick);
void nx_muc_occupant_renamed(muc_proto *p, const char *nick, const char *new_nick);
void nx_muc_occupant_sent(muc_proto *p, const char *nick, const char *const ids[], size_t n);
/* True when ID is one of NICK's messages since its current join. */
bool nx_muc_occupant_sent_since_join(muc_proto *p, const char *nick, const char *id);
/* upload.c: forget the upload service (a new login looks again). */
void nx_upload_reset(void);
/* muc_admin.c: accept the default configuration of a room we created. */
void nx_muc_accept_instant(xmpp_conn_t *conn, muc_room *room);

/* True when FROM is absent or our own server's domain. */
bool nx_from_own_server(const char *from);
/* The persistent state hooks (NULL when none is set). */
char *nx_persist_get(const char *key);
bool nx_persist_set(const char *key, const char *value);

/* bookmarks.c: fetch after login (autojoin), forget on disconnect. */
void nx_bookmarks_fetch(xmpp_conn_t *conn);
void nx_bookmarks_reset(void);
/* A PEP notification of the bookmarks node (consumed: true). */
bool nx_bookmarks_handle_event(xmpp_stanza_t *st);
/* markers.c: a PEP notification of our displayed state (XEP-0490): true
 * when ST was one (handled, or ignored when not from our own account). */
bool nx_mds_handle_event(xmpp_stanza_t *st);
/* markers.c: fetch our displayed state after each login catch-up (init);
 * forget what was published and stop (shutdown). */
void nx_markers_init(void);
void nx_markers_reset(void);

/* blocking.c: follow the server's blocklist pushes; fetch the list after
 * login; forget it on disconnect. */
void nx_blocking_setup(xmpp_conn_t *conn);
void nx_blocking_fetch(xmpp_conn_t *conn);
void nx_blocking_reset(void);

/* answers.c: answer version, time and last activity requests; true when
 * it (or blocking.c) answers iqs of TYPE with payload namespace NS. */
void nx_answers_setup(xmpp_conn_t *conn);
bool nx_answers_handles(const char *type, const char *ns);

/* disco.c */
void nx_disco_setup(xmpp_conn_t *conn);
/* Our caps <c/> element for presence (caller releases). */
xmpp_stanza_t *nx_disco_caps_element(xmpp_ctx_t *ctx);
void nx_disco_deinit(void);

/* reply.c: the <reply/> of ST (XEP-0461): true when there is one, with
 * *ID and *TO (g_free; TO may be NULL), and *BODY (g_free'd and replaced)
 * without the quote the sender marked as its fallback (XEP-0428), unless
 * nothing else would be left. */
bool nx_reply_read(xmpp_stanza_t *st, char **body, char **id, char **to);
/* Add to M a <reply/> naming ID (by TO, may be NULL) and, when
 * FALLBACK_END is not 0, the fallback marking the first FALLBACK_END code
 * points of the body as its quote. */
void nx_reply_add(xmpp_stanza_t *m, const char *id, const char *to, size_t fallback_end);

/* reaction.c: when ST holds <reactions/> (XEP-0444), emit EV_REACTION for
 * it (the caller checked the sender: PEER, FROM, OUTGOING, GROUPCHAT and
 * OCCUPANT_ID as in ev_reaction; TS its time; ARCHIVE from history) and
 * return true: the message is consumed. */
bool nx_reaction_handle(xmpp_stanza_t *st, const char *peer, const char *from, bool outgoing,
                        bool groupchat, const char *occupant_id, time_t ts, bool archive);
/* The restrictions room ROOM advertises in its disco#info QUERY (a form
 * urn:xmpp:reactions:0:restrictions), replacing what was known. */
void nx_reaction_room_info(const char *room, xmpp_stanza_t *query);
/* When the bounce ST (from PEER, for our message ID) is one of our
 * reactions, take it back (EV_REACTION with our set before it, and an
 * error line) and return true. */
bool nx_reaction_bounced(xmpp_stanza_t *st, const char *peer, const char *id);
/* Forget every room's restrictions and the reactions sent. */
void nx_reaction_deinit(void);

#endif

/* xmpp.h - the XMPP layer's public face (used by cmd/ and main.c).
 *
 * Every function natter defines in xmpp/ starts with nx_; anything called
 * xmpp_* is libstrophe's. One account is connected at a time. Everything
 * that happens on the wire is announced on the event bus (core/event.h);
 * nothing here knows about the screen.
 */
#ifndef NATTER_XMPP_XMPP_H
#define NATTER_XMPP_XMPP_H

#include <stdbool.h>
#include <stdint.h>

#include "config/accounts.h"
#include "core/event.h"
#include "model/muc.h"
#include "model/roster.h"

/* Create the libstrophe context and hook it into the main loop. */
bool nx_init(void);
void nx_deinit(void);

/* Connect ACCOUNT (copied) with PASSWORD (kept in memory for reconnects,
 * never logged). Returns false with *ERR (g_free) when the attempt cannot
 * even start; connection results arrive as EV_CONN_STATE / EV_LOG. */
bool nx_connect_account(const account_t *account, const char *password, char **err);

/* Make ACCOUNT the one natter works with, before its login can start (the
 * password may still have to be asked for or computed): announces
 * EV_ACCOUNT, so its history opens and what is written meanwhile is queued
 * as this account. Does nothing while a connection is up or starting. */
void nx_select_account(const account_t *account);

/* Disconnect at the user's request (no automatic reconnect). */
void nx_disconnect_user(void);

/* Current state, the connected account's name (or NULL), own JIDs. */
conn_state nx_state(void);
const char *nx_account_name(void);
const char *nx_own_bare(void);
const char *nx_own_full(void);

/* Send a chat message BODY to the bare or full JID TO. While not connected
 * the message is queued and sent after the next login (and EV_MESSAGE says
 * queued). ACTION is informational only (/me is part of the body). Returns
 * false with *ERR for an invalid JID or empty body. */
bool nx_send_chat(const char *to, const char *body, char **err);
/* Send the link URL to a shared file as a message to TO: the body is the URL
 * and XEP-0066 out-of-band data carries it too, so other clients show the
 * file inline. Queued like a chat message when offline. */
bool nx_send_file_link(const char *to, const char *url, char **err);

/* The user has seen the one-to-one chat with bare JID PEER up to its latest
 * incoming message (ID, our server's STANZA_ID, whether it was MARKABLE):
 * tells the contact (XEP-0333 displayed, when allowed: send_read_markers,
 * a contact who may see our presence) and our other devices (XEP-0490).
 * Nothing while offline. */
void nx_markers_seen(const char *peer, const char *id, const char *stanza_id, bool markable);
/* The user has seen ROOM up to the message the room stamped STANZA_ID: only
 * our other devices are told (XEP-0490); rooms get no chat markers. */
void nx_markers_room_seen(const char *room, const char *stanza_id);

/* The answer to nx_upload_slot: OK with the PUT and GET addresses (HTTPS)
 * and the headers to send with the PUT ("Name: value", NULL-terminated,
 * only those XEP-0363 allows), or not OK with ERROR. Called exactly once. */
typedef void (*nx_slot_fn)(bool ok, const char *put_url, const char *get_url,
                           const char *const *put_headers, const char *error, void *ud);
/* Ask the server's upload service (XEP-0363, found on first use) for a slot
 * for a file NAME of SIZE bytes and content TYPE (may be NULL). False with
 * *ERR when offline; every other failure comes through CB. */
bool nx_upload_slot(const char *name, uint64_t size, const char *type, nx_slot_fn cb, void *ud,
                    char **err);
/* The CA file and directory HTTPS checks use besides the system's: those of
 * the account in use, else the ca_file/ca_path settings (each may be ""). */
void nx_ca_paths(const char **ca_file, const char **ca_path);
/* The upload service's size limit in bytes, once known (0: unknown or none). */
uint64_t nx_upload_limit(void);

/* Correct our message REPLACE_ID sent to TO with BODY (XEP-0308), or
 * retract it (XEP-0424). Queued like messages while offline. */
bool nx_send_correction(const char *to, const char *replace_id, const char *body, char **err);
bool nx_send_retraction(const char *to, const char *retract_id, char **err);
/* Send TEXT to TO as a reply (XEP-0461) to the message REPLY_ID written by
 * REPLY_TO (a full JID, room/nick in rooms; may be NULL), with QUOTE (may
 * be NULL) in front of it as the fallback quote (XEP-0428) for clients
 * without replies. Queued like nx_send_chat while offline. */
bool nx_send_reply(const char *to, const char *reply_id, const char *reply_to, const char *quote,
                   const char *text, char **err);
/* Correct our reply REPLACE_ID sent to TO with TEXT: the correction
 * answers REPLY_ID again (REPLY_TO, QUOTE as for nx_send_reply), since it
 * replaces the whole message for the receivers. */
bool nx_send_reply_correction(const char *to, const char *replace_id, const char *reply_id,
                              const char *reply_to, const char *quote, const char *text,
                              char **err);

/* ---------- reactions (XEP-0444): reaction.c ---------- */

#define NX_REACTION_MAX 64  /* bytes of one reaction at most */
#define NX_REACTIONS_MAX 20 /* reactions of one person on one message at most */

/* Send our whole set of reactions (N EMOJIS, none: remove all) to the
 * message TARGET (rooms: the room's stanza-id; else its origin-id or id)
 * in the conversation TO. Only while connected. In rooms, the room's
 * restrictions are checked first (*ERR says which). Outside rooms the set
 * counts at once; if the message bounces, our set goes back to BEFORE
 * (N_BEFORE emojis). */
bool nx_send_reactions(const char *to, const char *target, const char *const *emojis, unsigned n,
                       const char *const *before, unsigned n_before, char **err);
/* True when EMOJI is something natter sends as a reaction: non-empty,
 * at most NX_REACTION_MAX bytes, no spaces around it, no controls. */
bool nx_reaction_valid(const char *emoji);
/* True when room ROOM allows our set of N EMOJIS on one message; else
 * *ERR (g_free) says what it allows. */
bool nx_reactions_allowed(const char *room, const char *const *emojis, unsigned n, char **err);

/* Fetch up to MAX archived messages with PEER from the server archive:
 * those before archive id BEFORE_ID, or (BEFORE_ID NULL) up to END_MS (UTC
 * ms). They arrive as EV_MESSAGE with backfill set, then EV_ARCHIVE_SYNC
 * with peer set (count 0 and no error: nothing older). One at a time. */
bool nx_mam_fetch_before(const char *peer, const char *before_id, long long end_ms, int max,
                         char **err);

/* Persistent key/value state the XMPP layer needs across runs (the archive
 * sync point), provided by whoever owns storage (main.c wires store/). GET
 * returns a new string (g_free) or NULL. */
typedef char *(*nx_state_get_fn)(const char *key);
typedef bool (*nx_state_set_fn)(const char *key, const char *value);
void nx_set_state_hooks(nx_state_get_fn get, nx_state_set_fn set);

/* Number of messages waiting for a connection. */
unsigned nx_queued_count(void);
/* How many of them are corrections or retractions: those are kept in
 * memory only (the history keeps messages), so quitting drops them. */
unsigned nx_queued_edits(void);

/* Messages written offline are stored as queued by whoever owns storage;
 * when an account is chosen (EV_ACCOUNT, its history is open then) LOAD is
 * called and hands each message that an earlier run left queued, oldest
 * first, to nx_queue_restore: it is sent at the next login like one
 * written now (main.c wires store/). PEER is the conversation, ID the
 * message's id (kept when sent, so receipts and dedup still match).
 * RESEND: it was sent before but the server never acknowledged it; it is
 * sent again and announced as resent (EV_MESSAGE_RESENT). */
typedef void (*nx_queue_load_fn)(void);
void nx_set_queue_hook(nx_queue_load_fn load);
void nx_queue_restore(const char *peer, const char *body, const char *id, bool resend);
/* The same for a reply: it answers REPLY_ID (by REPLY_TO, may be NULL) with
 * QUOTE (may be NULL) as its fallback quote, as nx_send_reply sends it. */
void nx_queue_restore_reply(const char *peer, const char *body, const char *id, bool resend,
                            const char *reply_id, const char *reply_to, const char *quote);

/* Set our presence (also remembered for reconnects). */
void nx_set_presence(presence_show show, const char *status);
presence_show nx_own_show(void);
const char *nx_own_status(void);

/* Roster management (results arrive as roster pushes). NAME/GROUP may be
 * NULL. Return false with *ERR when offline or the JID is invalid. */
bool nx_roster_add(const char *jid, const char *name, char **err);
bool nx_roster_remove(const char *jid, char **err);
bool nx_roster_set_name(const char *jid, const char *name, char **err);
bool nx_roster_set_group(const char *jid, const char *group, char **err);

/* Subscription management: "request", "allow", "deny", "cancel". */
bool nx_subscription(const char *action, const char *jid, char **err);

/* The certificate that was refused last: trust it for the next connection
 * only, or pin it in the account (saved). Both reconnect. */
bool nx_tls_trust_once(char **err);
bool nx_tls_pin(char **err);
/* Describe the current connection's TLS state in one line (g_free). */
char *nx_tls_describe(void);

/* Send a chat state notification to a bare JID (respects settings). */
void nx_send_chatstate(const char *to, chatstate state);

/* ---------- blocking (XEP-0191, XEP-0377): blocking.c ---------- */

/* Block JID (bare, domain or full), reporting it as REPORT ("spam",
 * "abuse" or NULL: no report). The outcome is a line in window WIN (bare
 * JID, NULL: console). False with *ERR when offline or JID is invalid. */
bool nx_block(const char *jid, const char *report, const char *win, char **err);
/* Unblock JID (NULL: everyone); the outcome is a line in WIN. */
bool nx_unblock(const char *jid, const char *win, char **err);
/* The blocked JIDs, sorted (new array of strings, g_ptr_array_unref), or
 * NULL when the list is not known (offline, or the server has none). */
GPtrArray *nx_blocklist(void);
/* True when JID is on the known blocklist. */
bool nx_is_blocked(const char *jid);

/* ---------- asking others: info.c ---------- */

/* Ask JID (NULL: our server) for a ping (XEP-0199), its software version
 * (XEP-0092), its time (XEP-0202), its last activity or idle time
 * (XEP-0012), its vCard's nickname (XEP-0054) or its features (XEP-0030).
 * The answer, error or silence (after 15 s) is a line in window WIN (bare
 * JID, NULL: console). False with *ERR when offline or JID is invalid. */
bool nx_ping(const char *jid, const char *win, char **err);
bool nx_query_version(const char *jid, const char *win, char **err);
bool nx_query_time(const char *jid, const char *win, char **err);
bool nx_query_last(const char *jid, const char *win, char **err);
bool nx_query_vcard(const char *jid, const char *win, char **err);
bool nx_query_features(const char *jid, const char *win, char **err);
/* SECS as "42 s", "5 min", "2 h 5 min", "3 days 4 h" (g_free). */
char *nx_format_duration(long secs);

/* ---------- our idle time: answers.c, presence.c ---------- */

/* When the user last typed (0: unknown). Answers last-activity requests;
 * while we are away our presence says since when we are idle (XEP-0319). */
void nx_set_last_input(time_t when);
time_t nx_last_input(void);

/* ---------- group chat (XEP-0045): muc.c, muc_admin.c ---------- */

/* The server's group chat service found at login, or NULL. */
const char *nx_muc_service(void);
/* NAME ("room" or "room@service") as a normalised room JID (g_free), or
 * NULL with *ERR. */
char *nx_muc_room_jid(const char *name, char **err);
/* Join NAME as NICK (NULL: the room's last nick or our localpart), with
 * PASSWORD (may be NULL). Progress arrives as EV_MUC_ROOM; while offline
 * the room is joined after the next login. */
bool nx_muc_join(const char *name, const char *nick, const char *password, char **err);
/* Leave ROOM (REASON may be NULL); it is not rejoined. */
bool nx_muc_leave(const char *room, const char *reason, char **err);
/* Leave (if in it) and forget ROOM entirely. */
void nx_muc_forget(const char *room);
bool nx_muc_change_nick(const char *room, const char *nick, char **err);
bool nx_muc_set_subject(const char *room, const char *subject, char **err);
/* Change NICK's role / WHO's (nick or JID) affiliation; WHAT names the
 * action in an error line ("kick", "ban", ...). */
bool nx_muc_set_role(const char *room, const char *nick, muc_role role, const char *reason,
                     const char *what, char **err);
bool nx_muc_set_affiliation(const char *room, const char *who, muc_affiliation aff,
                            const char *reason, const char *what, char **err);
/* Ask the room to remove the message with the room's STANZA_ID, written by
 * NICK (XEP-0425). */
bool nx_muc_moderate(const char *room, const char *stanza_id, const char *nick, const char *reason,
                     char **err);
/* Invite JID to ROOM (XEP-0249 direct, or MEDIATED through the room). */
bool nx_muc_invite(const char *room, const char *jid, const char *reason, bool mediated,
                   char **err);
/* Decline a mediated invitation to ROOM from INVITER. */
bool nx_muc_decline(const char *room, const char *inviter, const char *reason, char **err);
/* The room configuration form: fetch and show it, change a field, send
 * (or CANCEL) it. */
bool nx_muc_config_request(const char *room, char **err);
bool nx_muc_config_set(const char *room, const char *var, const char *value, char **err);
bool nx_muc_config_submit(const char *room, bool cancel, char **err);
/* The names of the fields of ROOM's open configuration form, for
 * completion (g_strfreev), or NULL when no form of ROOM is open. A field
 * is set by this name, its full var, or its label (or a unique start). */
char **nx_muc_config_names(const char *room);
/* The values field NAME (as nx_muc_config_set takes it) of ROOM's open form
 * offers, for completion: yes and no, or its options (g_strfreev); NULL
 * when no form of ROOM is open or NAME is no field of it. */
char **nx_muc_config_values(const char *room, const char *name);
void nx_muc_admin_deinit(void);

/* List the public rooms of SERVICE (NULL: our server's group chat
 * service) a page at a time, as lines in window WIN; then show the next
 * page. False with *ERR when offline, SERVICE is not a service address,
 * or nothing more is left. */
bool nx_muc_list_rooms(const char *service, const char *win, char **err);
bool nx_muc_list_more(const char *win, char **err);
/* Forget the listing (disconnected). */
void nx_muc_list_reset(void);

/* ---------- bookmarks (XEP-0402 / XEP-0048): bookmarks.c ---------- */

typedef struct {
    char *jid;      /* room */
    char *name;     /* or NULL */
    char *nick;     /* or NULL */
    char *password; /* or NULL */
    bool autojoin;
} nx_bookmark;

/* The bookmarks (nx_bookmark*, borrowed), NULL until fetched. */
const GPtrArray *nx_bookmarks(void);
/* True when this server keeps no bookmarks (no PEP bookmarks, no private
 * storage): a missing optional service, not an error. */
bool nx_bookmarks_unsupported(void);
/* Add or change the bookmark of ROOM (NICK/PASSWORD NULL: keep). */
bool nx_bookmark_set(const char *room, const char *nick, const char *password, bool autojoin,
                     char **err);
bool nx_bookmark_remove(const char *room, char **err);

#endif

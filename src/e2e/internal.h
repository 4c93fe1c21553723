/* internal.h - shared between the files of e2e/ only. */
#ifndef NATTER_E2E_INTERNAL_H
#define NATTER_E2E_INTERNAL_H

#include <strophe.h>

#include "e2e/e2e.h"
#include "omemo/omemo.h"
#include "xmpp/omemo_wire.h"

/* omemo.c (e2e/): the account and device lists. */

/* The open OMEMO account (borrowed), NULL while none. */
omemo_account *e2e_account(void);
/* Our own bare JID while an account is open (borrowed). */
const char *e2e_own_jid(void);
/* The device ids last seen in JID's device list (borrowed, guint32), NULL
 * when not known. FRESH: fetched or pushed during this connection. */
const GArray *e2e_devicelist(const char *jid, bool *fresh);
/* Fetch JID's device list now; DONE(ud) is called when it is known (or
 * not: the list then stays what it was). False when offline. */
bool e2e_fetch_devicelist(const char *jid, void (*done)(void *ud), void *ud);
/* Publish the bundle again soon (a pre-key was used up). */
void e2e_bundle_changed(void);

/* recv.c: the decryption hook. */
void e2e_recv_init(void);
void e2e_recv_deinit(void);

/* send.c: the queue of messages waiting for sessions. */
void e2e_send_reset(void);
/* Send an empty OMEMO message (key transport, no text) to DEVICE of JID,
 * which must have a session: it tells a device that built the session with
 * a pre-key message that it is complete. False with *ERR. */
bool e2e_send_key_transport(const char *jid, uint32_t device, char **err);

/* recv.c: decrypt ENC from SENDER (bare JID) in the conversation PEER, as
 * the hook does (nx_decrypt_fn). */
nx_decrypt_result e2e_recv_decrypt(const char *sender, const char *peer, bool outgoing,
                                   bool archive, xmpp_stanza_t *enc, nx_decrypted *out);

/* room.c: group chats. */
void e2e_room_init(void);
void e2e_room_deinit(void);
/* Forget what belonged to the connection (member lists, awaited reflections). */
void e2e_room_reset(void);
/* Ask ROOM for its member list; DONE(ud) when answered. False: not asked. */
bool e2e_room_fetch_members(const char *room, void (*done)(void *ud), void *ud);
/* Learn the member list of ROOM (when it fits) and its members' devices,
 * in the background. */
void e2e_room_prepare(const char *room);
/* Whether omemo_policy turns OMEMO on in ROOM (it must fit, see e2e.h). */
bool e2e_room_by_policy(const char *room);
/* Whether every device of every member of ROOM is verified. */
bool e2e_room_verified(const char *room);
/* Remember TEXT, sent encrypted with origin-id ID, for its reflection. */
void e2e_room_sent(const char *id, const char *text);

#endif

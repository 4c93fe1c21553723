/* muc_omemo.h - OMEMO in group chats, on the wire: sending an <encrypted/>
 * message to a room, the hook that decrypts what occupants send (given the
 * sender's real JID from the room's own presence, never from the message),
 * and the member list (muc#admin affiliation queries) whose devices an
 * encrypted room message is for. Plain data in and out, like omemo_wire.h. */
#ifndef NATTER_XMPP_MUC_OMEMO_H
#define NATTER_XMPP_MUC_OMEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <strophe.h>

#include "xmpp/omemo_wire.h"

/* Send ENCRYPTED (an <encrypted/> element, released here) to the room ROOM
 * as a group chat message with the fallback body, a storage hint, the
 * XEP-0380 marker and an origin-id; with REPLACE_ID it corrects our message
 * of that id; with REPLY (may be NULL) it is a reply. Nothing is announced: the room's reflection
 * is what is shown. *ID gets the id (also the origin-id; g_free). False with *ERR when not in the
 * room or offline. */
bool nx_muc_send_encrypted(const char *room, xmpp_stanza_t *encrypted, const char *replace_id,
                           const nx_enc_reply *reply, char **id, char **err);

/* Decrypt ENCRYPTED that the occupant NICK of ROOM sent. REAL_JID: its bare
 * JID as the room's presence gave it (NULL: the room does not say).
 * OUTGOING: NICK is ours (the room's reflection, or the archive's copy, of
 * what we sent); ORIGIN_ID then names our message. ARCHIVE: from the room's
 * archive or discussion history. */
typedef nx_decrypt_result (*nx_muc_decrypt_fn)(const char *room, const char *nick,
                                               const char *real_jid, bool outgoing, bool archive,
                                               const char *origin_id, xmpp_stanza_t *encrypted,
                                               nx_decrypted *out);

/* Set the one hook for encrypted room messages (NULL: none; such messages
 * then show a line saying they cannot be read here). */
void nx_muc_set_decrypt_hook(nx_muc_decrypt_fn fn);

/* The bare JIDs with affiliation member, admin or owner in ROOM, asked of
 * the room (muc#admin): DONE(jids, ud) gets them (a GPtrArray of char*,
 * owned by the caller; NULL when no list could be read, e.g. the room
 * refused to tell). False when offline or not in the room. */
bool nx_muc_fetch_members(const char *room, void (*done)(GPtrArray *jids, void *ud), void *ud);

/* For muc_message.c: whether the group chat message ST from NICK of ROOM
 * is end-to-end encrypted (OMEMO 0.3 or 2). When it is, *TEXT gets what to
 * show (g_free; NULL: nothing, a notice went to the room's window unless
 * BACKFILL) and *DEVICE / *UNTRUSTED describe it. */
bool nx_muc_encrypted_text(xmpp_stanza_t *st, const char *room, const char *nick, bool outgoing,
                           bool archive, bool backfill, char **text, uint32_t *device,
                           bool *untrusted);

#endif

/* e2e.h - end-to-end encryption (OMEMO 0.3) for one-to-one chats: the
 * bridge between the wire (xmpp/), the cryptography (omemo/) and the keys
 * in the history database (store/). It owns this device's publication
 * (device list and bundle on PEP), the device lists of contacts, the
 * sessions built from bundles, the decryption of every incoming encrypted
 * message and the encryption of what the user sends in an encrypted chat.
 * The screen and the commands (above) ask it; it tells them by events. */
#ifndef NATTER_E2E_E2E_H
#define NATTER_E2E_E2E_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* Follow the connection and register the decryption hook / stop. */
void e2e_init(void);
void e2e_deinit(void);

/* This device's id (0 while no account is open) and its fingerprint
 * (g_free; NULL while none). */
uint32_t e2e_own_device(void);
char *e2e_own_fingerprint(void);

/* Whether what the user writes to the bare JID JID is sent encrypted: the
 * choice made with /omemo on|off for that chat, else the omemo_policy
 * setting (for a room only when it fits, see below). Never for private
 * chats with room occupants. */
bool e2e_chat_enabled(const char *jid);
/* Whether the room ROOM can be encrypted: members-only and non-anonymous
 * (so the real JID of every member is known). False with *WHY (one line)
 * when not. */
bool e2e_room_fits(const char *room, char **why);
/* The real bare JIDs of ROOM's members but ourselves: its occupants' (as
 * the room's presence gave them) and its member list's (g_ptr_array_unref). */
GPtrArray *e2e_room_members(const char *room);
/* Remember ON for JID's chat (kept in the account's history). False with
 * *ERR when no account is open. */
bool e2e_set_chat(const char *jid, bool on, char **err);

/* Encrypt TEXT for every device of JID (a room: of each of its members)
 * and our own other devices and send it. Sessions still missing are built from bundles fetched in
 * the background first; the message is announced (EV_MESSAGE) once it left, and what went wrong is
 * a line in JID's window. False with *ERR when it cannot even start (offline, OMEMO not ready).
 * Never sends plain text. */
bool e2e_send(const char *jid, const char *text, char **err);
/* The same for a correction (XEP-0308) of our message REPLACE_ID. */
bool e2e_send_correction(const char *jid, const char *text, const char *replace_id, char **err);
/* The same for a reply (XEP-0461) to the message REPLY_ID by REPLY_TO
 * (may be NULL), correcting our message REPLACE_ID unless NULL: QUOTE (may
 * be NULL) and TEXT are encrypted together, the quote marked as the
 * fallback; the reference and that marker go unencrypted beside them. */
bool e2e_send_reply(const char *jid, const char *text, const char *replace_id, const char *reply_id,
                    const char *reply_to, const char *quote, char **err);

/* One known device of a JID, for /omemo devices. */
typedef struct {
    uint32_t id;
    char *fingerprint; /* NULL: its identity key is not known yet */
    bool session;      /* a session exists */
    bool active;       /* in the JID's current device list */
    const char
        *trust; /* "verified", "untrusted", "trusted (blind)", "not verified", "this device" */
} e2e_device;

/* The devices known for JID (own: our own bare JID) (g_ptr_array_unref). */
GPtrArray *e2e_devices(const char *jid);

/* Mark the device of JID whose fingerprint is FINGERPRINT (as shown or
 * typed: groups, separators, upper case) verified (VERIFY) or untrusted.
 * False with *ERR when no known device of JID has it. *DEVICE gets its id. */
bool e2e_trust(const char *jid, const char *fingerprint, bool verify, uint32_t *device, char **err);

/* Whether every device of JID in its list is verified (the title says so). */
bool e2e_chat_verified(const char *jid);

#endif

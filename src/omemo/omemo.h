/* omemo.h - one account's OMEMO 0.3 state on libsignal-protocol-c: its own
 * device (identity key, device id, signed pre-key, 100 one-time pre-keys),
 * sessions with other devices, and the encryption and decryption of
 * messages. Nothing here knows XML or the screen: the wire format lives in
 * xmpp/, the records in whatever implements omemo_storage (the history
 * database), and trust decisions are the caller's.
 *
 * Only libsignal calls that libomemo-c also exports are used, so OMEMO 2 can
 * later come from building against that library instead. */
#ifndef NATTER_OMEMO_OMEMO_H
#define NATTER_OMEMO_OMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define OMEMO_PREKEYS 100 /* one-time pre-keys kept published */

/* What is stored. OWN records have JID "" (id 1: the identity key pair,
 * id 2: the device's numbers); PREKEY and SIGNED_PREKEY are ours too. */
typedef enum {
    OMEMO_REC_OWN,
    OMEMO_REC_SESSION,
    OMEMO_REC_PREKEY,
    OMEMO_REC_SIGNED_PREKEY,
    OMEMO_REC_IDENTITY, /* the identity key a device of JID showed */
    OMEMO_REC_TRUST,    /* the user's decision on a device of JID (trust.c) */
} omemo_rec_kind;

/* Where the records live. get returns a new reference or NULL; put and del
 * return false when the record could not be written (the operation then
 * fails: a key never used once not kept is safer than a lost session). */
typedef struct {
    GBytes *(*get)(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id);
    bool (*put)(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id, GBytes *data);
    bool (*del)(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id);
    /* The ids stored for KIND and JID (g_array_unref; guint32 elements). */
    GArray *(*ids)(void *ud, omemo_rec_kind kind, const char *jid);
    void *ud;
} omemo_storage;

typedef struct omemo_account omemo_account;

/* A device's public bundle (XEP-0384 0.3): what others need to start a
 * session with it without it being online. Keys are serialized curve
 * points (33 bytes, 0x05 first), the signature 64 bytes. */
typedef struct {
    uint32_t id;
    GBytes *key;
} omemo_prekey_pub;

typedef struct {
    GBytes *identity_key;
    uint32_t signed_id;
    GBytes *signed_key;
    GBytes *signature;
    GPtrArray *prekeys; /* omemo_prekey_pub* */
} omemo_bundle;

/* A recipient device, and the key one message carries for it. */
typedef struct {
    char *jid;
    uint32_t device;
} omemo_device;

typedef struct {
    char *jid;
    uint32_t device;
    bool prekey; /* the message also starts the session (PreKeySignalMessage) */
    GBytes *data;
} omemo_key;

typedef struct {
    GBytes *payload; /* NULL: a key transport message (no text) */
    uint8_t iv[12];
    GPtrArray *keys; /* omemo_key*, one per device with a session */
} omemo_message;

/* Open the OMEMO state of the account OWN_JID in STORAGE (copied), making a
 * device the first time: a random device id not in TAKEN (the ids already in
 * the account's device list, may be NULL), an identity key, a signed pre-key
 * and OMEMO_PREKEYS pre-keys. NULL with *ERR when the records cannot be read
 * or written. */
omemo_account *omemo_account_open(const char *own_jid, const omemo_storage *storage,
                                  const GArray *taken, char **err);
void omemo_account_free(omemo_account *a);

/* This device's id. */
uint32_t omemo_device_id(const omemo_account *a);
/* This device's identity key, serialized (33 bytes; g_bytes_unref). */
GBytes *omemo_identity_key(const omemo_account *a);

/* This device's bundle to publish (omemo_bundle_free). */
omemo_bundle *omemo_own_bundle(omemo_account *a);
void omemo_bundle_free(omemo_bundle *b);

/* Start a session with DEVICE of JID from its BUNDLE, with one of its
 * pre-keys chosen at random. False with *ERR for a bundle that does not
 * verify (bad signature, no pre-keys, malformed keys). */
bool omemo_start_session(omemo_account *a, const char *jid, uint32_t device,
                         const omemo_bundle *bundle, char **err);
bool omemo_has_session(omemo_account *a, const char *jid, uint32_t device);

/* Encrypt TEXT (NULL: a key transport message) for every device in
 * RECIPIENTS (omemo_device*) that has a session; NULL with *ERR when none
 * has or encryption fails. */
omemo_message *omemo_encrypt(omemo_account *a, const char *text, const GPtrArray *recipients,
                             char **err);
void omemo_message_free(omemo_message *m);

typedef struct {
    char *text;          /* NULL: a key transport message, nothing to show */
    bool bundle_changed; /* a pre-key was used up and replaced: republish */
    bool duplicate;      /* (on failure) it was decrypted before: a copy or a replay */
} omemo_plain;

/* Decrypt what DEVICE of JID sent: KEY (the data of the <key> for this
 * device, PREKEY its attribute), IV and PAYLOAD (NULL for key transport).
 * False with *ERR when the key cannot be decrypted or the payload does not
 * authenticate; OUT's text is g_free'd by the caller. */
bool omemo_decrypt(omemo_account *a, const char *jid, uint32_t device, const uint8_t *key,
                   size_t key_len, bool prekey, const uint8_t *iv, size_t iv_len,
                   const uint8_t *payload, size_t payload_len, omemo_plain *out, char **err);

/* Replace the signed pre-key when it is older than MAX_AGE_MS (keeping the
 * previous one for messages on their way); true when it was replaced and
 * the bundle must be published again. */
bool omemo_rotate_signed_prekey(omemo_account *a, int64_t now_ms, int64_t max_age_ms, char **err);

/* "05 1a2b ..." style fingerprint of a serialized identity KEY: 64 hex
 * digits (the 0x05 type byte left out) in groups of 8 (g_free). */
char *omemo_fingerprint(GBytes *key);

/* ---------- trust (trust.c) ---------- */

/* What the user decided about a device. */
typedef enum {
    OMEMO_TRUST_UNDECIDED = 0, /* nothing: blind trust decides */
    OMEMO_TRUST_VERIFIED = 1,  /* its fingerprint was compared and trusted */
    OMEMO_TRUST_UNTRUSTED = 2, /* refused: never encrypted for */
} omemo_trust;

/* The trust rule. A device with decision T of a JID that has (ANY_VERIFIED)
 * or has not a verified device may be encrypted for when: it is verified;
 * or, undecided, MANUAL is off (blind trust before verification) and no
 * device of the JID has been verified yet. An untrusted device never. */
bool omemo_trust_allows(omemo_trust t, bool any_verified, bool manual);

/* The decision stored for DEVICE of JID. */
omemo_trust omemo_get_trust(omemo_account *a, const char *jid, uint32_t device);
/* Store decision T for DEVICE of JID; false with *ERR when not written. */
bool omemo_set_trust(omemo_account *a, const char *jid, uint32_t device, omemo_trust t, char **err);
/* Whether any device of JID is verified. */
bool omemo_any_verified(omemo_account *a, const char *jid);
/* omemo_trust_allows for DEVICE of JID with the stored decisions. */
bool omemo_device_trusted(omemo_account *a, const char *jid, uint32_t device, bool manual);

/* Normalise a fingerprint the user typed (spaces, '-' or ':' between
 * groups, upper case, the 66-digit form with the 05 type byte) to 64
 * lowercase hex digits (g_free); NULL when it is not a fingerprint. */
char *omemo_fingerprint_normalise(const char *text);

/* The storage of A (for trust.c). */
const omemo_storage *omemo_account_storage(omemo_account *a);

#endif

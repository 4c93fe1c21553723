/* omemo_wire.h - OMEMO 0.3 on the wire (XEP-0384 version 0.3, namespace
 * eu.siacs.conversations.axolotl): device lists, bundles and <encrypted>
 * elements, read strictly and written exactly. Plain data in and out (byte
 * strings and ids): the cryptography is in src/omemo, which this layer does
 * not know; whoever connects the two converts. */
#ifndef NATTER_XMPP_OMEMO_WIRE_H
#define NATTER_XMPP_OMEMO_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <strophe.h>

#define NS_OMEMO "eu.siacs.conversations.axolotl"
#define NS_OMEMO_DEVICELIST NS_OMEMO ".devicelist"
#define NS_OMEMO_BUNDLES NS_OMEMO ".bundles"
#define NS_OMEMO2 "urn:xmpp:omemo:2"

/* Limits against hostile peers: more is refused or cut. */
#define NX_OMEMO_MAX_DEVICES 200
#define NX_OMEMO_MAX_PREKEYS 200
#define NX_OMEMO_MAX_KEYS 1000

typedef struct {
    uint32_t id;
    GBytes *key; /* 33 bytes, 0x05 first */
} nx_omemo_prekey;

typedef struct {
    GBytes *identity_key; /* 33 bytes */
    uint32_t signed_id;
    GBytes *signed_key; /* 33 bytes */
    GBytes *signature;  /* 64 bytes */
    GPtrArray *prekeys; /* nx_omemo_prekey*, at least one */
} nx_omemo_bundle;

typedef struct {
    uint32_t rid; /* the device it is for */
    bool prekey;  /* it starts a session */
    GBytes *data;
} nx_omemo_key;

typedef struct {
    uint32_t sid;    /* the sending device */
    GBytes *iv;      /* 12 or 16 bytes */
    GPtrArray *keys; /* nx_omemo_key* */
    GBytes *payload; /* NULL: a key transport message */
} nx_omemo_encrypted;

/* The device ids of a <list xmlns=NS_OMEMO> (duplicates and invalid ids
 * dropped, at most NX_OMEMO_MAX_DEVICES; g_array_unref, guint32). NULL when
 * LIST is not a device list. */
GArray *nx_omemo_parse_devicelist(xmpp_stanza_t *list);
/* <list xmlns=NS_OMEMO> with IDS (guint32). */
xmpp_stanza_t *nx_omemo_devicelist_element(const GArray *ids);

/* A <bundle xmlns=NS_OMEMO>: NULL with *ERR when a key has the wrong size or
 * encoding, or no pre-key is usable (bad pre-keys alone are skipped). */
nx_omemo_bundle *nx_omemo_parse_bundle(xmpp_stanza_t *bundle, char **err);
xmpp_stanza_t *nx_omemo_bundle_element(const nx_omemo_bundle *b);
void nx_omemo_bundle_free(nx_omemo_bundle *b);

/* An <encrypted xmlns=NS_OMEMO>: NULL with *ERR when it is malformed. */
nx_omemo_encrypted *nx_omemo_parse_encrypted(xmpp_stanza_t *enc, char **err);
xmpp_stanza_t *nx_omemo_encrypted_element(const nx_omemo_encrypted *e);
void nx_omemo_encrypted_free(nx_omemo_encrypted *e);

/* Strict base64: only the alphabet, '=' padding at the end and whitespace
 * (g_bytes_unref), NULL for anything else. */
GBytes *nx_base64_strict(const char *text);

/* What clients without OMEMO show instead of an encrypted message. */
#define NX_OMEMO_FALLBACK                                                                          \
    "I sent you an OMEMO encrypted message but your client doesn't seem to support that."

/* A reply (XEP-0461) an encrypted message carries: the <reply/> and the
 * <fallback/> marking its quote go next to <encrypted/> (who and what it
 * answers is not secret, as in other OMEMO clients); the quote itself is
 * the first QUOTE_BYTES (QUOTE_LEN code points) of the encrypted text. */
typedef struct {
    const char *id, *to;
    size_t quote_len, quote_bytes;
} nx_enc_reply;

/* Send the encrypted message ENCRYPTED (an <encrypted/> element, released
 * here) to the bare JID TO, with the fallback body, a storage hint and the
 * XEP-0380 encryption marker, and announce it as EV_MESSAGE with TEXT (the
 * plain text, never put on the wire) from our DEVICE; with REPLACE_ID (not
 * NULL) it corrects our message of that id (XEP-0308) and is announced as
 * EV_CORRECTION. With REPLY (may be NULL) it is a reply: TEXT starts with
 * the quote, and what is announced is the text after it. An encrypted
 * message is never queued: false with *ERR when
 * offline. */
bool nx_send_encrypted(const char *to, xmpp_stanza_t *encrypted, const char *text, uint32_t device,
                       const char *replace_id, const nx_enc_reply *reply, char **err);

/* Send the key transport message ENCRYPTED (an <encrypted/> without
 * payload, released here) to the bare JID TO: no body, a storage hint, not
 * announced (nothing to show or store). False with *ERR when offline. */
bool nx_send_key_transport(const char *to, xmpp_stanza_t *encrypted, char **err);

/* ---------- the incoming decryption hook ---------- */

/* What became of an <encrypted/> message handed to the hook. */
typedef enum {
    NX_DECRYPT_TEXT,   /* OUT's text is the message's text */
    NX_DECRYPT_SILENT, /* nothing to show: key transport, a replay, our own copy */
    NX_DECRYPT_NOTICE, /* OUT's text is one line to show in the chat instead */
} nx_decrypt_result;

typedef struct {
    char *text;      /* g_free'd by message.c */
    uint32_t device; /* the sender's device */
    bool untrusted;  /* decrypted, but from a device the user does not trust */
    bool verified;   /* decrypted, from a device the user verified */
} nx_decrypted;

/* Decrypt ENCRYPTED (an <encrypted xmlns=NS_OMEMO/>) that SENDER (bare JID,
 * checked by message.c) sent in the conversation with PEER; OUTGOING when
 * it is ours (a carbon or an archive copy of what one of our devices sent).
 * ARCHIVE: it comes from the archive (it may have been decrypted before). */
typedef nx_decrypt_result (*nx_decrypt_fn)(const char *sender, const char *peer, bool outgoing,
                                           bool archive, xmpp_stanza_t *encrypted,
                                           nx_decrypted *out);

/* Set the one hook that decrypts OMEMO messages (NULL: none; such
 * messages then show a line saying they cannot be read here). */
void nx_omemo_set_decrypt_hook(nx_decrypt_fn fn);

#endif

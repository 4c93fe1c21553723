/* crypto.h - OMEMO's cryptography on OpenSSL 3, the one crypto library natter
 * links: the provider libsignal-protocol-c calls for randomness, HMAC-SHA256,
 * SHA-512 and AES (CBC with PKCS#5 padding, CTR), and the OMEMO 0.3 payload
 * cipher (AES-128-GCM, XEP-0384 version 0.3), which is natter's own code.
 *
 * The provider uses only what libomemo-c's provider interface also has, so
 * the same code serves both libraries. */
#ifndef NATTER_OMEMO_CRYPTO_H
#define NATTER_OMEMO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signal_protocol.h>

/* Sizes of the OMEMO 0.3 payload cipher. */
#define OMEMO_KEY_LEN 16 /* AES-128 key */
#define OMEMO_TAG_LEN 16 /* GCM tag, sent with the key */
#define OMEMO_IV_LEN 12  /* the IV natter sends (16 is accepted) */
#define OMEMO_KEY_MATERIAL (OMEMO_KEY_LEN + OMEMO_TAG_LEN)

/* Fill PROVIDER with natter's OpenSSL callbacks (user_data is NULL). */
void omemo_crypto_provider(signal_crypto_provider *provider);

/* Encrypt PLAIN (LEN bytes) for an OMEMO 0.3 message: a fresh random key and
 * IV, AES-128-GCM. *CIPHER (g_free, LEN bytes) is the payload without its
 * tag; KEY_MATERIAL gets key||tag (what each device's session encrypts);
 * IV gets the 12-byte IV. False only if OpenSSL fails. */
bool omemo_payload_encrypt(const uint8_t *plain, size_t len, uint8_t **cipher,
                           uint8_t key_material[OMEMO_KEY_MATERIAL], uint8_t iv[OMEMO_IV_LEN]);

/* Decrypt an OMEMO 0.3 payload: KEY (KEY_LEN bytes: at least key||tag, the
 * first 16 bytes the key and the next 16 the tag), IV of 12 or 16 bytes.
 * *PLAIN (g_free, *PLAIN_LEN bytes, NUL-terminated for convenience) on
 * success; false with *ERR (g_free) when the key material is short, the IV
 * has another size, or the tag does not match (tampered or wrong key). */
bool omemo_payload_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
                           const uint8_t *cipher, size_t len, uint8_t **plain, size_t *plain_len,
                           char **err);

#endif

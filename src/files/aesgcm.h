/* aesgcm.h - files encrypted for aesgcm:// links (XEP-0454): AES-256-GCM,
 * the ciphertext followed by the 16-byte tag, the IV and key in the link's
 * fragment as hex (12- or 16-byte IV, then the 32-byte key). Streaming both
 * ways: memory does not grow with the file. */
#ifndef NATTER_FILES_AESGCM_H
#define NATTER_FILES_AESGCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AESGCM_KEY_LEN 32
#define AESGCM_TAG_LEN 16

typedef struct {
    uint8_t key[AESGCM_KEY_LEN];
    uint8_t iv[16];
    size_t iv_len; /* 12 or 16 */
} aesgcm_key;

/* Parse FRAGMENT (the text after '#': 24 or 32 hex digits of IV, then 64 of
 * key) into *K. False with *ERR (g_free) when it is empty, of another
 * length or not hex. */
bool aesgcm_parse_fragment(const char *fragment, aesgcm_key *k, char **err);

/* Split the aesgcm:// LINK into the https:// URL to fetch (g_free, without
 * the fragment) and its key. False with *ERR (g_free). */
bool aesgcm_parse_link(const char *link, char **https_url, aesgcm_key *k, char **err);

/* A fresh random key with a 12-byte IV. False with *ERR (g_free). */
bool aesgcm_new_key(aesgcm_key *k, char **err);

/* The aesgcm:// link for the file at HTTPS_URL encrypted with K (g_free). */
char *aesgcm_link(const char *https_url, const aesgcm_key *k);

/* Encrypt everything read from IN_FD into OUT_FD (ciphertext, then tag).
 * False with *ERR (g_free). Neither descriptor is closed. */
bool aesgcm_encrypt_fd(const aesgcm_key *k, int in_fd, int out_fd, char **err);

/* Streaming encryption from a file descriptor, pulled by whoever sends
 * the result (an HTTP upload): the ciphertext as the file is read, then the
 * 16-byte tag. The plaintext never goes anywhere else. */
typedef struct aesgcm_enc aesgcm_enc;

/* An encryptor reading the plaintext from IN_FD (not closed by it). NULL
 * when the cipher cannot be set up. */
aesgcm_enc *aesgcm_enc_new(const aesgcm_key *k, int in_fd);
/* Up to LEN more bytes of ciphertext (then tag) into BUF: how many, 0 at
 * the end, -1 when reading or encrypting fails (errno tells why). */
ssize_t aesgcm_enc_read(aesgcm_enc *e, void *buf, size_t len);
/* Free E (NULL is fine). */
void aesgcm_enc_free(aesgcm_enc *e);

/* Overwrite K's key material. */
void aesgcm_key_wipe(aesgcm_key *k);

/* Streaming decryption into a file descriptor: feed the downloaded bytes as
 * they come; the last 16 are held back as the tag, which finish checks. */
typedef struct aesgcm_dec aesgcm_dec;

/* A decryptor writing plaintext to OUT_FD (not closed by it). NULL when the
 * cipher cannot be set up. */
aesgcm_dec *aesgcm_dec_new(const aesgcm_key *k, int out_fd);
/* Decrypt LEN more bytes. False when writing fails (errno tells why). */
bool aesgcm_dec_feed(aesgcm_dec *d, const void *buf, size_t len);
/* Check the tag after the last byte. False with *ERR (g_free) when the file
 * is too short or the tag does not match (the plaintext written must then
 * be thrown away). */
bool aesgcm_dec_finish(aesgcm_dec *d, char **err);
/* Free D (NULL is fine). */
void aesgcm_dec_free(aesgcm_dec *d);

#endif

/* crypto.c - OMEMO's cryptography on OpenSSL 3 (see crypto.h). */
#include "omemo/crypto.h"

#include <glib.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

/* ---------- randomness ---------- */

static int random_bytes(uint8_t *data, size_t len, void *ud)
{
    return len <= INT_MAX && RAND_bytes(data, (int)len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

/* ---------- HMAC-SHA256 ---------- */

static EVP_MAC *hmac; /* fetched once */

static int hmac_init(void **ctx, const uint8_t *key, size_t key_len, void *ud)
{
    if (!hmac)
        hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    if (!c)
        return SG_ERR_NOMEM;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    /* A NULL key would make OpenSSL reuse the previous one: never pass it. */
    static const uint8_t empty[1];
    if (EVP_MAC_init(c, key ? key : empty, key ? key_len : 0, params) != 1) {
        EVP_MAC_CTX_free(c);
        return SG_ERR_UNKNOWN;
    }
    *ctx = c;
    return 0;
}

static int hmac_update(void *ctx, const uint8_t *data, size_t len, void *ud)
{
    return EVP_MAC_update(ctx, data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

static int hmac_final(void *ctx, signal_buffer **out, void *ud)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    size_t n = 0;
    if (EVP_MAC_final(ctx, md, &n, sizeof(md)) != 1)
        return SG_ERR_UNKNOWN;
    *out = signal_buffer_create(md, n);
    return *out ? 0 : SG_ERR_NOMEM;
}

static void hmac_cleanup(void *ctx, void *ud)
{
    EVP_MAC_CTX_free(ctx);
}

/* ---------- SHA-512 ---------- */

static int sha512_init(void **ctx, void *ud)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        return SG_ERR_NOMEM;
    if (EVP_DigestInit_ex(c, EVP_sha512(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        return SG_ERR_UNKNOWN;
    }
    *ctx = c;
    return 0;
}

static int sha512_update(void *ctx, const uint8_t *data, size_t len, void *ud)
{
    return EVP_DigestUpdate(ctx, data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

static int sha512_final(void *ctx, signal_buffer **out, void *ud)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_DigestFinal_ex(ctx, md, &n) != 1)
        return SG_ERR_UNKNOWN;
    /* The library reuses the context: it must be ready for a new digest. */
    if (EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) != 1)
        return SG_ERR_UNKNOWN;
    *out = signal_buffer_create(md, n);
    return *out ? 0 : SG_ERR_NOMEM;
}

static void sha512_cleanup(void *ctx, void *ud)
{
    EVP_MD_CTX_free(ctx);
}

/* ---------- AES for the ratchet's message keys ---------- */

static const EVP_CIPHER *aes_cipher(int mode, size_t key_len)
{
    bool cbc = mode == SG_CIPHER_AES_CBC_PKCS5;
    if (!cbc && mode != SG_CIPHER_AES_CTR_NOPADDING)
        return NULL;
    switch (key_len) {
    case 16:
        return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
    case 24:
        return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
    case 32:
        return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
    default:
        return NULL;
    }
}

/* Run AES (ENCRYPT or decrypt) over IN: OUT gets a new signal_buffer. A
 * failed final block (wrong padding on decryption) is an error, so a
 * tampered message cannot turn into garbage plaintext. */
static int aes_run(bool encrypt, signal_buffer **out, int mode, const uint8_t *key, size_t key_len,
                   const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len)
{
    const EVP_CIPHER *cipher = aes_cipher(mode, key_len);
    if (!cipher || iv_len != 16 || len > INT_MAX - 32)
        return SG_ERR_INVAL;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t *buf = g_malloc(len + 32);
    int n = 0, m = 0, rc = SG_ERR_UNKNOWN;
    if (!c)
        goto out;
    if (EVP_CipherInit_ex2(c, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1)
        goto out;
    if (mode == SG_CIPHER_AES_CTR_NOPADDING)
        EVP_CIPHER_CTX_set_padding(c, 0);
    if (EVP_CipherUpdate(c, buf, &n, in, (int)len) != 1)
        goto out;
    if (EVP_CipherFinal_ex(c, buf + n, &m) != 1)
        goto out;
    *out = signal_buffer_create(buf, (size_t)(n + m));
    rc = *out ? 0 : SG_ERR_NOMEM;
out:
    OPENSSL_cleanse(buf, len + 32);
    g_free(buf);
    EVP_CIPHER_CTX_free(c);
    return rc;
}

static int aes_encrypt(signal_buffer **out, int mode, const uint8_t *key, size_t key_len,
                       const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len, void *ud)
{
    return aes_run(true, out, mode, key, key_len, iv, iv_len, in, len);
}

static int aes_decrypt(signal_buffer **out, int mode, const uint8_t *key, size_t key_len,
                       const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t len, void *ud)
{
    return aes_run(false, out, mode, key, key_len, iv, iv_len, in, len);
}

void omemo_crypto_provider(signal_crypto_provider *p)
{
    memset(p, 0, sizeof(*p));
    p->random_func = random_bytes;
    p->hmac_sha256_init_func = hmac_init;
    p->hmac_sha256_update_func = hmac_update;
    p->hmac_sha256_final_func = hmac_final;
    p->hmac_sha256_cleanup_func = hmac_cleanup;
    p->sha512_digest_init_func = sha512_init;
    p->sha512_digest_update_func = sha512_update;
    p->sha512_digest_final_func = sha512_final;
    p->sha512_digest_cleanup_func = sha512_cleanup;
    p->encrypt_func = aes_encrypt;
    p->decrypt_func = aes_decrypt;
}

/* ---------- the OMEMO 0.3 payload: AES-128-GCM ---------- */

bool omemo_payload_encrypt(const uint8_t *plain, size_t len, uint8_t **cipher,
                           uint8_t key_material[OMEMO_KEY_MATERIAL], uint8_t iv[OMEMO_IV_LEN])
{
    if (len > INT_MAX)
        return false;
    uint8_t *key = key_material; /* the key, then the tag after it */
    if (RAND_priv_bytes(key, OMEMO_KEY_LEN) != 1 || RAND_bytes(iv, OMEMO_IV_LEN) != 1)
        return false;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t *out = g_malloc(len + 16);
    int n = 0, m = 0;
    bool ok = c && EVP_EncryptInit_ex2(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, OMEMO_IV_LEN, NULL) == 1 &&
              EVP_EncryptInit_ex2(c, NULL, key, iv, NULL) == 1 &&
              EVP_EncryptUpdate(c, out, &n, plain, (int)len) == 1 &&
              EVP_EncryptFinal_ex(c, out + n, &m) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, OMEMO_TAG_LEN,
                                  key_material + OMEMO_KEY_LEN) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        OPENSSL_cleanse(key_material, OMEMO_KEY_MATERIAL);
        g_free(out);
        return false;
    }
    *cipher = out;
    return true;
}

bool omemo_payload_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
                           const uint8_t *cipher, size_t len, uint8_t **plain, size_t *plain_len,
                           char **err)
{
    if (key_len < OMEMO_KEY_MATERIAL) {
        *err = g_strdup_printf("the key material is %zu bytes, not %d (key and tag)", key_len,
                               OMEMO_KEY_MATERIAL);
        return false;
    }
    if (iv_len != 12 && iv_len != 16) {
        *err = g_strdup_printf("the IV is %zu bytes, not 12 or 16", iv_len);
        return false;
    }
    if (len > INT_MAX - 1) {
        *err = g_strdup("the payload is too large");
        return false;
    }
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t *out = g_malloc(len + 1);
    int n = 0, m = 0;
    bool ok = c && EVP_DecryptInit_ex2(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len, NULL) == 1 &&
              EVP_DecryptInit_ex2(c, NULL, key, iv, NULL) == 1 &&
              EVP_DecryptUpdate(c, out, &n, cipher, (int)len) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, OMEMO_TAG_LEN,
                                  (void *)(key + OMEMO_KEY_LEN)) == 1;
    /* The tag is checked here: nothing is returned unless it matches. */
    ok = ok && EVP_DecryptFinal_ex(c, out + n, &m) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        OPENSSL_cleanse(out, len + 1);
        g_free(out);
        *err = g_strdup("the message does not authenticate (tampered, or not for this key)");
        return false;
    }
    out[n + m] = '\0';
    *plain = out;
    *plain_len = (size_t)(n + m);
    return true;
}

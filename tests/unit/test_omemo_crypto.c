/* test_omemo_crypto.c - natter's OpenSSL provider for libsignal-protocol-c and
 * the OMEMO 0.3 payload cipher: published test vectors (RFC 4231, FIPS 180-2,
 * NIST SP 800-38A) and hostile input (bad padding, short keys, tampered
 * tags). A real session on this provider runs in test_omemo.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <openssl/evp.h>

#include <signal_protocol.h>

#include "omemo/crypto.h"

static signal_crypto_provider P;

static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = g_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] =
            (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
    *len = n;
    return out;
}

static void assert_buffer_hex(signal_buffer *b, const char *hex)
{
    size_t n;
    uint8_t *want = unhex(hex, &n);
    assert_int_equal(signal_buffer_len(b), n);
    assert_memory_equal(signal_buffer_data(b), want, n);
    g_free(want);
}

/* ---------- the provider ---------- */

static void test_hmac_sha256_rfc4231(void **state)
{
    void *ctx = NULL;
    assert_int_equal(P.hmac_sha256_init_func(&ctx, (const uint8_t *)"Jefe", 4, NULL), 0);
    const char *data = "what do ya want for nothing?";
    /* In two parts: update must accumulate. */
    assert_int_equal(P.hmac_sha256_update_func(ctx, (const uint8_t *)data, 10, NULL), 0);
    assert_int_equal(
        P.hmac_sha256_update_func(ctx, (const uint8_t *)data + 10, strlen(data) - 10, NULL), 0);
    signal_buffer *out = NULL;
    assert_int_equal(P.hmac_sha256_final_func(ctx, &out, NULL), 0);
    assert_buffer_hex(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    signal_buffer_free(out);
    P.hmac_sha256_cleanup_func(ctx, NULL);
}

static void test_sha512_fips180_and_reuse(void **state)
{
    static const char *abc = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                             "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    void *ctx = NULL;
    assert_int_equal(P.sha512_digest_init_func(&ctx, NULL), 0);
    for (int round = 0; round < 2; round++) {
        /* The library reuses the context after final: the second digest must
         * not include the first. */
        assert_int_equal(P.sha512_digest_update_func(ctx, (const uint8_t *)"abc", 3, NULL), 0);
        signal_buffer *out = NULL;
        assert_int_equal(P.sha512_digest_final_func(ctx, &out, NULL), 0);
        assert_buffer_hex(out, abc);
        signal_buffer_free(out);
    }
    P.sha512_digest_cleanup_func(ctx, NULL);
}

#define NIST_KEY256 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define NIST_BLOCK1 "6bc1bee22e409f96e93d7e117393172a"

static void test_aes256_cbc_sp800_38a(void **state)
{
    size_t kl, il, pl;
    uint8_t *key = unhex(NIST_KEY256, &kl), *iv = unhex("000102030405060708090a0b0c0d0e0f", &il);
    uint8_t *pt = unhex(NIST_BLOCK1, &pl);
    signal_buffer *ct = NULL, *back = NULL;
    assert_int_equal(P.encrypt_func(&ct, SG_CIPHER_AES_CBC_PKCS5, key, kl, iv, il, pt, pl, NULL),
                     0);
    /* One block of data, then one of PKCS#5 padding. */
    assert_int_equal(signal_buffer_len(ct), 32);
    size_t wl;
    uint8_t *want = unhex("f58c4c04d6e5f1ba779eabfb5f7bfbd6", &wl);
    assert_memory_equal(signal_buffer_data(ct), want, 16);
    assert_int_equal(P.decrypt_func(&back, SG_CIPHER_AES_CBC_PKCS5, key, kl, iv, il,
                                    signal_buffer_data(ct), signal_buffer_len(ct), NULL),
                     0);
    assert_int_equal(signal_buffer_len(back), pl);
    assert_memory_equal(signal_buffer_data(back), pt, pl);
    signal_buffer_free(back);
    /* A tampered last block breaks the padding: an error, not garbage. */
    uint8_t *bad = g_memdup2(signal_buffer_data(ct), 32);
    bad[31] ^= 0x5a;
    back = NULL;
    assert_true(P.decrypt_func(&back, SG_CIPHER_AES_CBC_PKCS5, key, kl, iv, il, bad, 32, NULL) < 0);
    assert_null(back);
    /* Not a whole number of blocks, a wrong IV length, a wrong key length. */
    assert_true(P.decrypt_func(&back, SG_CIPHER_AES_CBC_PKCS5, key, kl, iv, il, bad, 31, NULL) < 0);
    assert_true(P.decrypt_func(&back, SG_CIPHER_AES_CBC_PKCS5, key, kl, iv, 12, bad, 32, NULL) < 0);
    assert_true(P.decrypt_func(&back, SG_CIPHER_AES_CBC_PKCS5, key, 20, iv, il, bad, 32, NULL) < 0);
    assert_true(P.encrypt_func(&back, 7, key, kl, iv, il, pt, pl, NULL) < 0);
    signal_buffer_free(ct);
    g_free(bad);
    g_free(want);
    g_free(key);
    g_free(iv);
    g_free(pt);
}

static void test_aes256_ctr_sp800_38a(void **state)
{
    size_t kl, il, pl;
    uint8_t *key = unhex(NIST_KEY256, &kl), *iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", &il);
    uint8_t *pt = unhex(NIST_BLOCK1 "ae2d", &pl); /* not a whole block: no padding in CTR */
    signal_buffer *ct = NULL, *back = NULL;
    assert_int_equal(
        P.encrypt_func(&ct, SG_CIPHER_AES_CTR_NOPADDING, key, kl, iv, il, pt, pl, NULL), 0);
    assert_int_equal(signal_buffer_len(ct), pl);
    size_t wl;
    uint8_t *want = unhex("601ec313775789a5b7a7f504bbf3d228", &wl);
    assert_memory_equal(signal_buffer_data(ct), want, 16);
    assert_int_equal(P.decrypt_func(&back, SG_CIPHER_AES_CTR_NOPADDING, key, kl, iv, il,
                                    signal_buffer_data(ct), signal_buffer_len(ct), NULL),
                     0);
    assert_memory_equal(signal_buffer_data(back), pt, pl);
    signal_buffer_free(ct);
    signal_buffer_free(back);
    g_free(want);
    g_free(key);
    g_free(iv);
    g_free(pt);
}

static void test_random(void **state)
{
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    assert_int_equal(P.random_func(a, sizeof(a), NULL), 0);
    assert_int_equal(P.random_func(b, sizeof(b), NULL), 0);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, b, sizeof(a));
}

/* ---------- the OMEMO 0.3 payload ---------- */

static void test_payload_round_trip_and_tamper(void **state)
{
    const char *text = "Hello, OMEMO! \xe2\x9c\x93";
    uint8_t *ct = NULL, km[OMEMO_KEY_MATERIAL], iv[OMEMO_IV_LEN];
    assert_true(omemo_payload_encrypt((const uint8_t *)text, strlen(text), &ct, km, iv));
    uint8_t *pt = NULL;
    size_t pl = 0;
    char *err = NULL;
    assert_true(
        omemo_payload_decrypt(km, sizeof(km), iv, sizeof(iv), ct, strlen(text), &pt, &pl, &err));
    assert_int_equal(pl, strlen(text));
    assert_string_equal((char *)pt, text);
    g_free(pt);
    /* A flipped bit anywhere: refused, nothing returned. */
    ct[3] ^= 1;
    pt = NULL;
    assert_false(
        omemo_payload_decrypt(km, sizeof(km), iv, sizeof(iv), ct, strlen(text), &pt, &pl, &err));
    assert_null(pt);
    assert_non_null(strstr(err, "does not authenticate"));
    g_clear_pointer(&err, g_free);
    ct[3] ^= 1;
    km[OMEMO_KEY_LEN] ^= 1; /* the tag */
    assert_false(
        omemo_payload_decrypt(km, sizeof(km), iv, sizeof(iv), ct, strlen(text), &pt, &pl, &err));
    g_clear_pointer(&err, g_free);
    km[OMEMO_KEY_LEN] ^= 1;
    /* Key transport from some clients carries only 16 bytes: no tag, no payload. */
    assert_false(omemo_payload_decrypt(km, 16, iv, sizeof(iv), ct, strlen(text), &pt, &pl, &err));
    assert_non_null(strstr(err, "key material"));
    g_clear_pointer(&err, g_free);
    assert_false(omemo_payload_decrypt(km, sizeof(km), iv, 8, ct, strlen(text), &pt, &pl, &err));
    g_clear_pointer(&err, g_free);
    /* Fresh key and IV each time. */
    uint8_t *ct2 = NULL, km2[OMEMO_KEY_MATERIAL], iv2[OMEMO_IV_LEN];
    assert_true(omemo_payload_encrypt((const uint8_t *)text, strlen(text), &ct2, km2, iv2));
    assert_memory_not_equal(km, km2, OMEMO_KEY_LEN);
    assert_memory_not_equal(iv, iv2, OMEMO_IV_LEN);
    g_free(ct);
    g_free(ct2);
}

/* Old Conversations and Converse.js sent 16-byte IVs: accepted. The
 * sender side is written here with EVP directly, as theirs would be. */
static void test_payload_accepts_16_byte_iv(void **state)
{
    uint8_t key[OMEMO_KEY_MATERIAL], iv[16];
    memset(key, 0x11, OMEMO_KEY_LEN);
    memset(iv, 0x22, sizeof(iv));
    const char *text = "sixteen";
    uint8_t ct[64];
    int n = 0, m = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_aes_128_gcm(), NULL, NULL, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 16, NULL), 1);
    assert_int_equal(EVP_EncryptInit_ex2(c, NULL, key, iv, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ct, &n, (const uint8_t *)text, (int)strlen(text)), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, ct + n, &m), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, key + OMEMO_KEY_LEN), 1);
    EVP_CIPHER_CTX_free(c);
    uint8_t *pt = NULL;
    size_t pl = 0;
    char *err = NULL;
    assert_true(omemo_payload_decrypt(key, sizeof(key), iv, sizeof(iv), ct, (size_t)(n + m), &pt,
                                      &pl, &err));
    assert_string_equal((char *)pt, text);
    g_free(pt);
}

int main(void)
{
    omemo_crypto_provider(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_sha512_fips180_and_reuse),
        cmocka_unit_test(test_aes256_cbc_sp800_38a),
        cmocka_unit_test(test_aes256_ctr_sp800_38a),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_payload_round_trip_and_tamper),
        cmocka_unit_test(test_payload_accepts_16_byte_iv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

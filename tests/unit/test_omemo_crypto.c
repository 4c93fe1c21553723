/* test_omemo_crypto.c - natter's OpenSSL provider for libsignal-protocol-c and
 * the OMEMO 0.3 payload cipher: published test vectors (RFC 4231, FIPS 180-2,
 * NIST SP 800-38A), hostile input (bad padding, short keys, tampered tags),
 * and a real X3DH session between two parties run by libsignal on this
 * provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <openssl/evp.h>

#include <key_helper.h>
#include <protocol.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
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

/* ---------- a real session on this provider ---------- */

/* One party: its own keys and the four stores libsignal needs, in memory. */
typedef struct {
    signal_context *ctx;
    signal_protocol_store_context *store;
    ratchet_identity_key_pair *identity;
    uint32_t registration_id;
    GHashTable *sessions;    /* "name:device" -> GBytes */
    GHashTable *prekeys;     /* id -> GBytes */
    GHashTable *signed_keys; /* id -> GBytes */
} party;

static char *addr_key(const signal_protocol_address *a)
{
    return g_strdup_printf("%.*s:%d", (int)a->name_len, a->name, a->device_id);
}

static int put_bytes(GHashTable *t, gpointer key, const uint8_t *data, size_t len)
{
    g_hash_table_replace(t, key, g_bytes_new(data, len));
    return 0;
}

static int get_bytes(GHashTable *t, gconstpointer key, signal_buffer **out)
{
    GBytes *b = g_hash_table_lookup(t, key);
    if (!b)
        return 0;
    gsize n;
    const uint8_t *d = g_bytes_get_data(b, &n);
    *out = signal_buffer_create(d, n);
    return 1;
}

static int load_session(signal_buffer **rec, signal_buffer **user, const signal_protocol_address *a,
                        void *ud)
{
    char *k = addr_key(a);
    int rc = get_bytes(((party *)ud)->sessions, k, rec);
    g_free(k);
    return rc;
}

static int store_session(const signal_protocol_address *a, uint8_t *rec, size_t len, uint8_t *user,
                         size_t ulen, void *ud)
{
    return put_bytes(((party *)ud)->sessions, addr_key(a), rec, len);
}

static int contains_session(const signal_protocol_address *a, void *ud)
{
    char *k = addr_key(a);
    int rc = g_hash_table_contains(((party *)ud)->sessions, k);
    g_free(k);
    return rc;
}

static int sub_devices(signal_int_list **out, const char *name, size_t len, void *ud)
{
    *out = signal_int_list_alloc();
    return 0;
}

static int delete_session(const signal_protocol_address *a, void *ud)
{
    char *k = addr_key(a);
    g_hash_table_remove(((party *)ud)->sessions, k);
    g_free(k);
    return 1;
}

static int delete_all(const char *name, size_t len, void *ud)
{
    return 0;
}

static int load_prekey(signal_buffer **rec, uint32_t id, void *ud)
{
    return get_bytes(((party *)ud)->prekeys, GUINT_TO_POINTER(id), rec) ? SG_SUCCESS
                                                                        : SG_ERR_INVALID_KEY_ID;
}

static int store_prekey(uint32_t id, uint8_t *rec, size_t len, void *ud)
{
    return put_bytes(((party *)ud)->prekeys, GUINT_TO_POINTER(id), rec, len);
}

static int contains_prekey(uint32_t id, void *ud)
{
    return g_hash_table_contains(((party *)ud)->prekeys, GUINT_TO_POINTER(id));
}

static int remove_prekey(uint32_t id, void *ud)
{
    g_hash_table_remove(((party *)ud)->prekeys, GUINT_TO_POINTER(id));
    return 0;
}

static int load_signed(signal_buffer **rec, uint32_t id, void *ud)
{
    return get_bytes(((party *)ud)->signed_keys, GUINT_TO_POINTER(id), rec) ? SG_SUCCESS
                                                                            : SG_ERR_INVALID_KEY_ID;
}

static int store_signed(uint32_t id, uint8_t *rec, size_t len, void *ud)
{
    return put_bytes(((party *)ud)->signed_keys, GUINT_TO_POINTER(id), rec, len);
}

static int contains_signed(uint32_t id, void *ud)
{
    return g_hash_table_contains(((party *)ud)->signed_keys, GUINT_TO_POINTER(id));
}

static int remove_signed(uint32_t id, void *ud)
{
    g_hash_table_remove(((party *)ud)->signed_keys, GUINT_TO_POINTER(id));
    return 0;
}

static int identity_pair(signal_buffer **pub, signal_buffer **priv, void *ud)
{
    party *p = ud;
    ec_public_key_serialize(pub, ratchet_identity_key_pair_get_public(p->identity));
    ec_private_key_serialize(priv, ratchet_identity_key_pair_get_private(p->identity));
    return 0;
}

static int registration(void *ud, uint32_t *id)
{
    *id = ((party *)ud)->registration_id;
    return 0;
}

static int save_identity(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
    return 0;
}

static int trusted(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
    return 1;
}

static void party_init(party *p)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(signal_context_create(&p->ctx, p), 0);
    assert_int_equal(signal_context_set_crypto_provider(p->ctx, &P), 0);
    assert_int_equal(signal_protocol_store_context_create(&p->store, p->ctx), 0);
    p->sessions =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    p->prekeys = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
    p->signed_keys = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
    signal_protocol_session_store ss = {.load_session_func = load_session,
                                        .get_sub_device_sessions_func = sub_devices,
                                        .store_session_func = store_session,
                                        .contains_session_func = contains_session,
                                        .delete_session_func = delete_session,
                                        .delete_all_sessions_func = delete_all,
                                        .user_data = p};
    signal_protocol_pre_key_store ps = {.load_pre_key = load_prekey,
                                        .store_pre_key = store_prekey,
                                        .contains_pre_key = contains_prekey,
                                        .remove_pre_key = remove_prekey,
                                        .user_data = p};
    signal_protocol_signed_pre_key_store sps = {.load_signed_pre_key = load_signed,
                                                .store_signed_pre_key = store_signed,
                                                .contains_signed_pre_key = contains_signed,
                                                .remove_signed_pre_key = remove_signed,
                                                .user_data = p};
    signal_protocol_identity_key_store is = {.get_identity_key_pair = identity_pair,
                                             .get_local_registration_id = registration,
                                             .save_identity = save_identity,
                                             .is_trusted_identity = trusted,
                                             .user_data = p};
    signal_protocol_store_context_set_session_store(p->store, &ss);
    signal_protocol_store_context_set_pre_key_store(p->store, &ps);
    signal_protocol_store_context_set_signed_pre_key_store(p->store, &sps);
    signal_protocol_store_context_set_identity_key_store(p->store, &is);
    assert_int_equal(signal_protocol_key_helper_generate_identity_key_pair(&p->identity, p->ctx),
                     0);
    assert_int_equal(
        signal_protocol_key_helper_generate_registration_id(&p->registration_id, 0, p->ctx), 0);
}

static void party_free(party *p)
{
    SIGNAL_UNREF(p->identity);
    signal_protocol_store_context_destroy(p->store);
    signal_context_destroy(p->ctx);
    g_hash_table_destroy(p->sessions);
    g_hash_table_destroy(p->prekeys);
    g_hash_table_destroy(p->signed_keys);
}

static void test_x3dh_session_on_this_provider(void **state)
{
    party alice, bob;
    party_init(&alice);
    party_init(&bob);

    /* Bob's bundle: a signed pre-key and a one-time pre-key. */
    signal_protocol_key_helper_pre_key_list_node *head = NULL;
    assert_int_equal(signal_protocol_key_helper_generate_pre_keys(&head, 1, 3, bob.ctx), 0);
    session_pre_key *pk = signal_protocol_key_helper_key_list_element(head);
    signal_buffer *ser = NULL;
    assert_int_equal(session_pre_key_serialize(&ser, pk), 0);
    store_prekey(session_pre_key_get_id(pk), signal_buffer_data(ser), signal_buffer_len(ser), &bob);
    signal_buffer_free(ser);
    session_signed_pre_key *spk = NULL;
    assert_int_equal(signal_protocol_key_helper_generate_signed_pre_key(&spk, bob.identity, 7,
                                                                        1700000000000ULL, bob.ctx),
                     0);
    assert_int_equal(session_signed_pre_key_serialize(&ser, spk), 0);
    store_signed(7, signal_buffer_data(ser), signal_buffer_len(ser), &bob);
    signal_buffer_free(ser);
    session_pre_key_bundle *bundle = NULL;
    assert_int_equal(session_pre_key_bundle_create(
                         &bundle, bob.registration_id, 42, session_pre_key_get_id(pk),
                         ec_key_pair_get_public(session_pre_key_get_key_pair(pk)), 7,
                         ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)),
                         session_signed_pre_key_get_signature(spk),
                         session_signed_pre_key_get_signature_len(spk),
                         ratchet_identity_key_pair_get_public(bob.identity)),
                     0);

    /* Alice builds the session from it and encrypts the key material. */
    signal_protocol_address bob_addr = {"bob@example.org", 15, 42};
    signal_protocol_address alice_addr = {"alice@example.org", 17, 1};
    session_builder *builder = NULL;
    assert_int_equal(session_builder_create(&builder, alice.store, &bob_addr, alice.ctx), 0);
    assert_int_equal(session_builder_process_pre_key_bundle(builder, bundle), 0);
    session_cipher *ac = NULL, *bc = NULL;
    assert_int_equal(session_cipher_create(&ac, alice.store, &bob_addr, alice.ctx), 0);
    assert_int_equal(session_cipher_create(&bc, bob.store, &alice_addr, bob.ctx), 0);
    const char *text = "the payload key and tag, 32 bytes";
    for (int i = 0; i < 3; i++) {
        ciphertext_message *msg = NULL;
        assert_int_equal(session_cipher_encrypt(ac, (const uint8_t *)text, 32, &msg), 0);
        /* Until bob answers, every message carries the key exchange. */
        assert_int_equal(ciphertext_message_get_type(msg), CIPHERTEXT_PREKEY_TYPE);
        signal_buffer *wire = ciphertext_message_get_serialized(msg);
        pre_key_signal_message *pkm = NULL;
        assert_int_equal(pre_key_signal_message_deserialize(&pkm, signal_buffer_data(wire),
                                                            signal_buffer_len(wire), bob.ctx),
                         0);
        signal_buffer *plain = NULL;
        assert_int_equal(session_cipher_decrypt_pre_key_signal_message(bc, pkm, NULL, &plain), 0);
        assert_int_equal(signal_buffer_len(plain), 32);
        assert_memory_equal(signal_buffer_data(plain), text, 32);
        signal_buffer_free(plain);
        SIGNAL_UNREF(pkm);
        SIGNAL_UNREF(msg);
    }
    /* The one-time pre-key was used up (natter must replace it). */
    assert_false(contains_prekey(session_pre_key_get_id(pk), &bob));

    /* Bob answers: a plain ratchet message, and alice reads it. */
    ciphertext_message *reply = NULL;
    assert_int_equal(session_cipher_encrypt(bc, (const uint8_t *)"reply", 5, &reply), 0);
    assert_int_equal(ciphertext_message_get_type(reply), CIPHERTEXT_SIGNAL_TYPE);
    signal_buffer *wire = ciphertext_message_get_serialized(reply);
    signal_message *sm = NULL;
    assert_int_equal(signal_message_deserialize(&sm, signal_buffer_data(wire),
                                                signal_buffer_len(wire), alice.ctx),
                     0);
    signal_buffer *plain = NULL;
    assert_int_equal(session_cipher_decrypt_signal_message(ac, sm, NULL, &plain), 0);
    assert_int_equal(signal_buffer_len(plain), 5);
    assert_memory_equal(signal_buffer_data(plain), "reply", 5);
    signal_buffer_free(plain);
    /* Replayed: refused (the message key is gone). */
    assert_true(session_cipher_decrypt_signal_message(ac, sm, NULL, &plain) < 0);
    SIGNAL_UNREF(sm);
    SIGNAL_UNREF(reply);

    session_cipher_free(ac);
    session_cipher_free(bc);
    session_builder_free(builder);
    SIGNAL_UNREF(bundle);
    SIGNAL_UNREF(spk);
    signal_protocol_key_helper_key_list_free(head);
    party_free(&alice);
    party_free(&bob);
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
        cmocka_unit_test(test_x3dh_session_on_this_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

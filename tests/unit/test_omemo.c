/* test_omemo.c - one account's OMEMO state (src/omemo/omemo.c) with the
 * records in memory: devices made once and kept, bundles, sessions both
 * ways, pre-keys replaced with new ids, key transport, tampering, rotation,
 * and storage that cannot write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "omemo/omemo.h"
#include "omemo_mem.h"

static guint count_kind(mem_store *m, omemo_rec_kind kind, const char *jid)
{
    GArray *ids = mem_ids(m, kind, jid);
    guint n = ids->len;
    g_array_unref(ids);
    return n;
}

static omemo_account *open_ok(const char *jid, mem_store *m)
{
    omemo_storage s = storage_of(m);
    char *err = NULL;
    omemo_account *a = omemo_account_open(jid, &s, NULL, &err);
    if (!a)
        fail_msg("open %s: %s", jid, err);
    return a;
}

static GPtrArray *to(const char *jid, uint32_t device)
{
    GPtrArray *r = g_ptr_array_new_with_free_func(g_free);
    omemo_device *d = g_new0(omemo_device, 1);
    d->jid = (char *)jid;
    d->device = device;
    g_ptr_array_add(r, d);
    return r;
}

/* Deliver M's key for DEVICE of RJID to account R as from SJID/SDEVICE. */
static bool deliver(omemo_account *r, const char *sjid, uint32_t sdevice, const omemo_message *m,
                    uint32_t device, omemo_plain *out, char **err)
{
    for (guint i = 0; i < m->keys->len; i++) {
        const omemo_key *k = g_ptr_array_index(m->keys, i);
        if (k->device != device)
            continue;
        gsize kl, pl = 0;
        const uint8_t *kd = g_bytes_get_data(k->data, &kl);
        const uint8_t *pd = m->payload ? g_bytes_get_data(m->payload, &pl) : NULL;
        return omemo_decrypt(r, sjid, sdevice, kd, kl, k->prekey, m->iv, sizeof(m->iv), pd, pl, out,
                             err);
    }
    fail_msg("no key for device %u", device);
    return false;
}

/* ---------- tests ---------- */

static void test_device_made_once_and_kept(void **state)
{
    mem_store *m = mem_new();
    omemo_account *a = open_ok("alice@example.org", m);
    uint32_t id = omemo_device_id(a);
    assert_true(id > 0 && id < 0x80000000u);
    assert_int_equal(count_kind(m, OMEMO_REC_PREKEY, ""), OMEMO_PREKEYS);
    GBytes *key = omemo_identity_key(a);
    assert_int_equal(g_bytes_get_size(key), 33);
    omemo_bundle *b = omemo_own_bundle(a);
    assert_int_equal(b->prekeys->len, OMEMO_PREKEYS);
    assert_int_equal(g_bytes_get_size(b->signature), 64);
    assert_int_equal(g_bytes_get_size(b->signed_key), 33);
    omemo_bundle_free(b);
    omemo_account_free(a);
    /* The same records: the same device and identity. */
    a = open_ok("alice@example.org", m);
    assert_int_equal(omemo_device_id(a), id);
    GBytes *again = omemo_identity_key(a);
    assert_true(g_bytes_equal(key, again));
    char *fp = omemo_fingerprint(key);
    assert_int_equal(strlen(fp), 64 + 7); /* 8 groups of 8 hex digits */
    g_free(fp);
    g_bytes_unref(key);
    g_bytes_unref(again);
    omemo_account_free(a);
    mem_free(m);
}

static void test_device_id_avoids_taken(void **state)
{
    /* Whatever id it picks is not one of the account's other devices. */
    for (int round = 0; round < 20; round++) {
        mem_store *m = mem_new();
        omemo_storage s = storage_of(m);
        GArray *taken = g_array_new(FALSE, FALSE, sizeof(guint32));
        char *err = NULL;
        omemo_account *a = omemo_account_open("a@example.org", &s, taken, &err);
        guint32 id = omemo_device_id(a);
        omemo_account_free(a);
        mem_free(m);
        g_array_append_val(taken, id);
        m = mem_new();
        s = storage_of(m);
        a = omemo_account_open("a@example.org", &s, taken, &err);
        assert_int_not_equal(omemo_device_id(a), id);
        omemo_account_free(a);
        mem_free(m);
        g_array_unref(taken);
    }
}

static void test_conversation_both_ways(void **state)
{
    mem_store *ma = mem_new(), *mb = mem_new();
    omemo_account *alice = open_ok("alice@example.org", ma);
    omemo_account *bob = open_ok("bob@example.org", mb);
    uint32_t aid = omemo_device_id(alice), bid = omemo_device_id(bob);
    char *err = NULL;

    omemo_bundle *bb = omemo_own_bundle(bob);
    assert_true(omemo_start_session(alice, "bob@example.org", bid, bb, &err));
    assert_true(omemo_has_session(alice, "bob@example.org", bid));
    omemo_bundle_free(bb);

    GPtrArray *rcpt = to("bob@example.org", bid);
    omemo_message *msg = omemo_encrypt(alice, "Hi Bob \xf0\x9f\x94\x92", rcpt, &err);
    assert_non_null(msg);
    assert_int_equal(msg->keys->len, 1);
    assert_true(((omemo_key *)g_ptr_array_index(msg->keys, 0))->prekey);
    omemo_plain p;
    assert_true(deliver(bob, "alice@example.org", aid, msg, bid, &p, &err));
    assert_string_equal(p.text, "Hi Bob \xf0\x9f\x94\x92");
    /* The one-time pre-key is gone and replaced by one with a new id. */
    assert_true(p.bundle_changed);
    assert_int_equal(count_kind(mb, OMEMO_REC_PREKEY, ""), OMEMO_PREKEYS);
    GBytes *fresh = mem_get(mb, OMEMO_REC_PREKEY, "", OMEMO_PREKEYS + 1);
    assert_non_null(fresh);
    g_bytes_unref(fresh);
    g_free(p.text);
    /* Delivered twice (an archive copy): refused, nothing shown twice. */
    assert_false(deliver(bob, "alice@example.org", aid, msg, bid, &p, &err));
    assert_null(p.text);
    g_clear_pointer(&err, g_free);
    omemo_message_free(msg);
    g_ptr_array_unref(rcpt);

    /* Bob answers on the session alice's message made. */
    rcpt = to("alice@example.org", aid);
    msg = omemo_encrypt(bob, "Hi Alice", rcpt, &err);
    assert_false(((omemo_key *)g_ptr_array_index(msg->keys, 0))->prekey);
    assert_true(deliver(alice, "bob@example.org", bid, msg, aid, &p, &err));
    assert_string_equal(p.text, "Hi Alice");
    assert_false(p.bundle_changed);
    g_free(p.text);
    omemo_message_free(msg);

    /* A key transport message: a key, no text. */
    msg = omemo_encrypt(bob, NULL, rcpt, &err);
    assert_null(msg->payload);
    assert_true(deliver(alice, "bob@example.org", bid, msg, aid, &p, &err));
    assert_null(p.text);
    omemo_message_free(msg);
    g_ptr_array_unref(rcpt);

    /* Alice restarts: the session survives in her records. */
    omemo_account_free(alice);
    alice = open_ok("alice@example.org", ma);
    rcpt = to("bob@example.org", bid);
    msg = omemo_encrypt(alice, "after a restart", rcpt, &err);
    assert_non_null(msg);
    assert_true(deliver(bob, "alice@example.org", aid, msg, bid, &p, &err));
    assert_string_equal(p.text, "after a restart");
    g_free(p.text);
    omemo_message_free(msg);
    /* A tampered payload: an error, no text. */
    msg = omemo_encrypt(alice, "tamper me", rcpt, &err);
    gsize n;
    const void *orig = g_bytes_get_data(msg->payload, &n);
    uint8_t *bad = g_memdup2(orig, n);
    bad[0] ^= 0x80;
    g_bytes_unref(msg->payload);
    msg->payload = g_bytes_new_take(bad, n);
    assert_false(deliver(bob, "alice@example.org", aid, msg, bid, &p, &err));
    assert_null(p.text);
    assert_non_null(strstr(err, "does not authenticate"));
    g_clear_pointer(&err, g_free);
    omemo_message_free(msg);
    g_ptr_array_unref(rcpt);

    omemo_account_free(alice);
    omemo_account_free(bob);
    mem_free(ma);
    mem_free(mb);
}

static void test_bad_bundles_refused(void **state)
{
    mem_store *ma = mem_new(), *mb = mem_new();
    omemo_account *alice = open_ok("alice@example.org", ma);
    omemo_account *bob = open_ok("bob@example.org", mb);
    char *err = NULL;
    omemo_bundle *bb = omemo_own_bundle(bob);
    /* A forged signature. */
    gsize n;
    const void *orig = g_bytes_get_data(bb->signature, &n);
    uint8_t *sig = g_memdup2(orig, n);
    sig[10] ^= 1;
    GBytes *good = bb->signature;
    bb->signature = g_bytes_new_take(sig, n);
    assert_false(omemo_start_session(alice, "bob@example.org", 5, bb, &err));
    assert_non_null(strstr(err, "does not verify"));
    g_clear_pointer(&err, g_free);
    g_bytes_unref(bb->signature);
    bb->signature = good;
    /* No pre-keys at all (Profanity divided by zero here). */
    GPtrArray *keep = bb->prekeys;
    bb->prekeys = g_ptr_array_new();
    assert_false(omemo_start_session(alice, "bob@example.org", 5, bb, &err));
    assert_non_null(strstr(err, "no pre-keys"));
    g_clear_pointer(&err, g_free);
    g_ptr_array_unref(bb->prekeys);
    bb->prekeys = keep;
    /* A key that is not a curve point. */
    GBytes *id = bb->identity_key;
    bb->identity_key = g_bytes_new("\x05short", 6);
    assert_false(omemo_start_session(alice, "bob@example.org", 5, bb, &err));
    g_clear_pointer(&err, g_free);
    g_bytes_unref(bb->identity_key);
    bb->identity_key = id;
    assert_false(omemo_has_session(alice, "bob@example.org", 5));
    /* Without any session there is nothing to encrypt for. */
    GPtrArray *rcpt = to("bob@example.org", 5);
    assert_null(omemo_encrypt(alice, "x", rcpt, &err));
    assert_non_null(strstr(err, "no device"));
    g_clear_pointer(&err, g_free);
    g_ptr_array_unref(rcpt);
    omemo_bundle_free(bb);
    omemo_account_free(alice);
    omemo_account_free(bob);
    mem_free(ma);
    mem_free(mb);
}

static void test_garbage_keys_are_errors(void **state)
{
    mem_store *m = mem_new();
    omemo_account *a = open_ok("alice@example.org", m);
    omemo_plain p;
    char *err = NULL;
    uint8_t junk[64];
    memset(junk, 0x41, sizeof(junk));
    uint8_t iv[12] = {0};
    assert_false(
        omemo_decrypt(a, "x@example.org", 3, junk, sizeof(junk), true, iv, 12, junk, 8, &p, &err));
    g_clear_pointer(&err, g_free);
    assert_false(
        omemo_decrypt(a, "x@example.org", 3, junk, sizeof(junk), false, iv, 12, NULL, 0, &p, &err));
    g_clear_pointer(&err, g_free);
    assert_false(omemo_decrypt(a, "x@example.org", 3, junk, 0, false, iv, 12, NULL, 0, &p, &err));
    g_clear_pointer(&err, g_free);
    omemo_account_free(a);
    mem_free(m);
}

static void test_signed_prekey_rotation(void **state)
{
    mem_store *m = mem_new();
    omemo_account *a = open_ok("alice@example.org", m);
    char *err = NULL;
    int64_t now = g_get_real_time() / 1000;
    int64_t week = 7LL * 24 * 3600 * 1000;
    assert_false(omemo_rotate_signed_prekey(a, now, week, &err));
    omemo_bundle *before = omemo_own_bundle(a);
    assert_true(omemo_rotate_signed_prekey(a, now + week + 1, week, &err));
    omemo_bundle *after = omemo_own_bundle(a);
    assert_int_not_equal(before->signed_id, after->signed_id);
    assert_false(g_bytes_equal(before->signed_key, after->signed_key));
    /* The previous one stays for messages on their way; older ones go. */
    assert_int_equal(count_kind(m, OMEMO_REC_SIGNED_PREKEY, ""), 2);
    assert_true(omemo_rotate_signed_prekey(a, now + 3 * week, week, &err));
    assert_int_equal(count_kind(m, OMEMO_REC_SIGNED_PREKEY, ""), 2);
    omemo_bundle_free(before);
    omemo_bundle_free(after);
    omemo_account_free(a);
    mem_free(m);
}

static void test_storage_that_cannot_write(void **state)
{
    mem_store *m = mem_new();
    m->read_only = true;
    omemo_storage s = storage_of(m);
    char *err = NULL;
    assert_null(omemo_account_open("alice@example.org", &s, NULL, &err));
    assert_non_null(err);
    g_free(err);
    mem_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_made_once_and_kept),
        cmocka_unit_test(test_device_id_avoids_taken),
        cmocka_unit_test(test_conversation_both_ways),
        cmocka_unit_test(test_bad_bundles_refused),
        cmocka_unit_test(test_garbage_keys_are_errors),
        cmocka_unit_test(test_signed_prekey_rotation),
        cmocka_unit_test(test_storage_that_cannot_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

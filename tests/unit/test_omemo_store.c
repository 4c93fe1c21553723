/* test_omemo_store.c - OMEMO records in the history database (store/keys.c):
 * blobs by kind, JID and id, and one account's OMEMO state kept there across
 * a close and reopen while its partner's lives in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "omemo/omemo.h"
#include "omemo_mem.h"
#include "store_fixture.h"

static void test_key_records(void **state)
{
    GBytes *a = g_bytes_new("\x00\x01\x02", 3), *b = g_bytes_new("", 0);
    assert_null(store_key_get(1, "bob@example.org", 7));
    assert_true(store_key_put(1, "bob@example.org", 7, a));
    assert_true(store_key_put(1, "bob@example.org", 8, b)); /* empty, not NULL */
    assert_true(store_key_put(2, "bob@example.org", 7, b));
    assert_true(store_key_put(1, "", 7, b));
    GBytes *got = store_key_get(1, "bob@example.org", 7);
    assert_true(g_bytes_equal(got, a));
    g_bytes_unref(got);
    got = store_key_get(1, "bob@example.org", 8);
    assert_non_null(got);
    assert_int_equal(g_bytes_get_size(got), 0);
    g_bytes_unref(got);
    GArray *ids = store_key_ids(1, "bob@example.org");
    assert_int_equal(ids->len, 2);
    g_array_unref(ids);
    /* Replace, then delete. */
    assert_true(store_key_put(1, "bob@example.org", 7, b));
    got = store_key_get(1, "bob@example.org", 7);
    assert_int_equal(g_bytes_get_size(got), 0);
    g_bytes_unref(got);
    assert_true(store_key_del(1, "bob@example.org", 7));
    assert_null(store_key_get(1, "bob@example.org", 7));
    ids = store_key_ids(1, "bob@example.org");
    assert_int_equal(ids->len, 1);
    g_array_unref(ids);
    g_bytes_unref(a);
    g_bytes_unref(b);
}

/* omemo_storage on the store (as the client wires it). */
static GBytes *db_get(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    return store_key_get((int)kind, jid, id);
}

static bool db_put(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id, GBytes *data)
{
    return store_key_put((int)kind, jid, id, data);
}

static bool db_del(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    return store_key_del((int)kind, jid, id);
}

static GArray *db_ids(void *ud, omemo_rec_kind kind, const char *jid)
{
    return store_key_ids((int)kind, jid);
}

static const omemo_storage db_storage = {db_get, db_put, db_del, db_ids, NULL};

static bool exchange(omemo_account *from, const char *from_jid, omemo_account *to_acc,
                     const char *to_jid, const char *text)
{
    GPtrArray *rcpt = g_ptr_array_new_with_free_func(g_free);
    omemo_device *d = g_new0(omemo_device, 1);
    d->jid = (char *)to_jid;
    d->device = omemo_device_id(to_acc);
    g_ptr_array_add(rcpt, d);
    char *err = NULL;
    omemo_message *m = omemo_encrypt(from, text, rcpt, &err);
    g_ptr_array_unref(rcpt);
    if (!m)
        fail_msg("encrypt: %s", err);
    const omemo_key *k = g_ptr_array_index(m->keys, 0);
    gsize kl, pl;
    const uint8_t *kd = g_bytes_get_data(k->data, &kl);
    const uint8_t *pd = g_bytes_get_data(m->payload, &pl);
    omemo_plain p;
    bool ok = omemo_decrypt(to_acc, from_jid, omemo_device_id(from), kd, kl, k->prekey, m->iv,
                            sizeof(m->iv), pd, pl, &p, &err);
    if (ok)
        assert_string_equal(p.text, text);
    g_free(p.text);
    g_free(err);
    omemo_message_free(m);
    return ok;
}

static void test_account_in_the_database(void **state)
{
    fixture *f = *state;
    char *err = NULL;
    omemo_account *alice = omemo_account_open(ALICE, &db_storage, NULL, &err);
    assert_non_null(alice);
    uint32_t id = omemo_device_id(alice);
    mem_store *mb = mem_new();
    omemo_storage ms = storage_of(mb);
    omemo_account *bob = omemo_account_open(BOB, &ms, NULL, &err);
    omemo_bundle *bb = omemo_own_bundle(bob);
    assert_true(omemo_start_session(alice, BOB, omemo_device_id(bob), bb, &err));
    omemo_bundle_free(bb);
    assert_true(exchange(alice, ALICE, bob, BOB, "first, starting the session"));
    assert_true(exchange(bob, BOB, alice, ALICE, "answer"));
    omemo_account_free(alice);

    /* natter restarts: the database is closed and opened again. */
    store_close();
    assert_true(store_open_path(f->db, &err));
    alice = omemo_account_open(ALICE, &db_storage, NULL, &err);
    assert_int_equal(omemo_device_id(alice), id);
    assert_true(omemo_has_session(alice, BOB, omemo_device_id(bob)));
    assert_true(exchange(alice, ALICE, bob, BOB, "still talking after a restart"));
    assert_true(exchange(bob, BOB, alice, ALICE, "and back"));
    omemo_account_free(alice);
    omemo_account_free(bob);
    mem_free(mb);
}

/* Encrypted messages in the history: flag and device kept, never handed
 * back to be sent again (that would be in plain text), and a correction is
 * told whether its target came encrypted. */
static void test_encrypted_messages(void **state)
{
    fixture *f = *state;
    store_msg *m = mk(BOB, ME "/natter", "secret words", T0, NULL, NULL, "o1", "o1");
    m->encryption = STORE_ENC_OMEMO;
    m->device = 123456;
    m->server_ack = STORE_ACK_PENDING; /* the server never confirmed it */
    add_expect(m, STORE_ADDED);
    m = mk(BOB, ME "/natter", "plain words", T0 + 1, NULL, NULL, "o2", "o2");
    m->server_ack = STORE_ACK_PENDING;
    add_expect(m, STORE_ADDED);
    GPtrArray *again = store_queued();
    assert_bodies(again, "plain words");
    g_ptr_array_unref(again);
    assert_int_equal(sql_int(f->db, "SELECT sender_device FROM messages WHERE msg_id = 'o1'"),
                     123456);
    assert_int_equal(sql_int(f->db, "SELECT encryption FROM messages WHERE msg_id = 'o1'"), 1);
    assert_true(store_msg_is_encrypted(BOB, "o1"));
    assert_false(store_msg_is_encrypted(BOB, "o2"));
    assert_false(store_msg_is_encrypted(ALICE, "o1")); /* another chat */
    assert_false(store_msg_is_encrypted(BOB, "nothing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_records, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_account_in_the_database, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_messages, setup_open, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

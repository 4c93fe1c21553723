/* test_proto_mam.c - where the next login's catch-up continues from
 * (mam.c): the archive's id of each message that came live, once this
 * session's catch-up reached the archive's end; never an id someone else
 * stamped, and never past a gap a failed catch-up left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"

#define NS_SID "urn:xmpp:sid:0"
#define LAST_ID "mam_last_id"

static GHashTable *kv; /* the key/value state the store would keep */

static char *kv_get(const char *key)
{
    return g_strdup(g_hash_table_lookup(kv, key));
}

static bool kv_set(const char *key, const char *value)
{
    if (value)
        g_hash_table_replace(kv, g_strdup(key), g_strdup(value));
    else
        g_hash_table_remove(kv, key);
    return true;
}

static void hooks_on(void)
{
    kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    nx_set_state_hooks(kv_get, kv_set);
}

static int setup_caught_up(void **state)
{
    hooks_on();
    return ph_setup(state);
}

/* A login that continues from a1, where the previous session left off. */
static int setup_catching_up(void **state)
{
    hooks_on();
    kv_set(LAST_ID, "a1");
    return ph_setup_catching_up(state);
}

static int teardown(void **state)
{
    int rc = ph_teardown(state);
    nx_set_state_hooks(NULL, NULL);
    g_clear_pointer(&kv, g_hash_table_destroy);
    return rc;
}

/* Alice says something live; the server stamped it with id SID by BY. */
static void live_from_alice(const char *by, const char *sid)
{
    ph_receive("<message from='" ALICE_FULL "' to='" ME_FULL "' type='chat'><body>hi</body>"
               "<stanza-id xmlns='" NS_SID "' by='%s' id='%s'/></message>",
               by, sid);
}

static void test_live_message_moves_the_sync_point(void **state)
{
    live_from_alice(ME, "s1");
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "s1");
    live_from_alice(ME, "s2");
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "s2");
}

/* Only our archive's id says where our archive continues. */
static void test_id_stamped_by_someone_else_ignored(void **state)
{
    live_from_alice(ALICE, "forged");
    live_from_alice(ME_PHONE, "forged2");
    assert_null(g_hash_table_lookup(kv, LAST_ID));
}

/* Held while the catch-up runs, then processed: newer than the last page. */
static void test_message_held_during_catch_up_counts_after_it(void **state)
{
    const char *iq = xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM));
    char *id = g_strdup(iq);
    live_from_alice(ME, "s9");
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "a1");
    ph_receive("<iq type='result' id='%s'><fin xmlns='" NS_MAM "' complete='true'>"
               "<set xmlns='http://jabber.org/protocol/rsm'><last>a5</last></set></fin></iq>",
               id);
    g_free(id);
    /* asked once more after the presence: nothing new */
    ph_receive("<iq type='result' id='%s'><fin xmlns='" NS_MAM "' complete='true'/></iq>",
               xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM)));
    assert_true(ph_last(EV_ARCHIVE_SYNC)->done);
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "s9");
}

/* The first answer was fixed before the server saw our presence: what
 * came in between is only in the archive, so the catch-up asks once more,
 * after the last id it got, and ends only with that answer. */
static void test_first_answer_is_followed_by_one_more_query(void **state)
{
    char *first = g_strdup(xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM)));
    ph_receive("<iq type='result' id='%s'><fin xmlns='" NS_MAM "' complete='true'>"
               "<set xmlns='http://jabber.org/protocol/rsm'><last>a5</last></set></fin></iq>",
               first);
    assert_false(ph_count(EV_ARCHIVE_SYNC) && ph_last(EV_ARCHIVE_SYNC)->done);
    xmpp_stanza_t *again = ph_sent_iq(NULL, NS_MAM);
    assert_string_not_equal(xmpp_stanza_get_id(again), first);
    g_free(first);
    xmpp_stanza_t *q = xmpp_stanza_get_child_by_ns(again, NS_MAM);
    xmpp_stanza_t *set = xmpp_stanza_get_child_by_ns(q, "http://jabber.org/protocol/rsm");
    char *after = xmpp_stanza_get_text(xmpp_stanza_get_child_by_name(set, "after"));
    assert_string_equal(after, "a5");
    xmpp_free(xmpp_stanza_get_context(again), after);
    ph_receive("<iq type='result' id='%s'><fin xmlns='" NS_MAM "' complete='true'>"
               "<set xmlns='http://jabber.org/protocol/rsm'><last>a6</last></set></fin></iq>",
               xmpp_stanza_get_id(again));
    assert_true(ph_last(EV_ARCHIVE_SYNC)->done);
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "a6");
    /* and no third query */
    assert_ptr_equal(ph_sent_iq(NULL, NS_MAM), again);
}

/* A catch-up that stopped halfway keeps its place: what came live after
 * it must not skip the rest of the archive. */
static void test_failed_catch_up_keeps_its_place(void **state)
{
    char *id = g_strdup(xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM)));
    ph_receive("<iq type='result' id='%s'><fin xmlns='" NS_MAM "'>"
               "<set xmlns='http://jabber.org/protocol/rsm'><last>a5</last></set></fin></iq>",
               id);
    g_free(id);
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "a5");
    xmpp_stanza_t *next = ph_sent_iq(NULL, NS_MAM);
    ph_receive("<iq type='error' id='%s'><error type='wait'><resource-constraint "
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
               xmpp_stanza_get_id(next));
    assert_non_null(ph_last(EV_ARCHIVE_SYNC)->text);
    live_from_alice(ME, "s9");
    assert_string_equal(g_hash_table_lookup(kv, LAST_ID), "a5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_live_message_moves_the_sync_point, setup_caught_up,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_id_stamped_by_someone_else_ignored, setup_caught_up,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_message_held_during_catch_up_counts_after_it,
                                        setup_catching_up, teardown),
        cmocka_unit_test_setup_teardown(test_failed_catch_up_keeps_its_place, setup_catching_up,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_answer_is_followed_by_one_more_query,
                                        setup_catching_up, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

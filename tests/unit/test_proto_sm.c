/* test_proto_sm.c - how natter reads stream management (XEP-0198, sm.c):
 * a message counts as acknowledged only once the server's count covers
 * it, a count higher than what was written or one that is not a number is
 * a violation, and a resumed session acknowledges what its count covers
 * and nothing more. What libstrophe wrote and read reaches sm.c as text
 * (from the library's log); the tests hand it that text directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"

#define SM_NS "urn:xmpp:sm:3"

/* The server offers stream management and enables it. */
static void enable(void)
{
    nx_sm_read("<features xmlns=\"http://etherx.jabber.org/streams\"><bind "
               "xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/><sm xmlns=\"" SM_NS "\"/></features>");
    nx_sm_written("<enable xmlns=\"" SM_NS "\" resume=\"true\"/>");
    nx_sm_read("<enabled id=\"S1\" xmlns=\"" SM_NS "\" resume=\"true\"/>");
}

/* natter sends a chat message ID to ALICE: followed, then written. */
static void send_msg(const char *id, bool write)
{
    char *xml = g_strdup_printf("<message id=\"%s\" to=\"%s\" type=\"chat\"><body>hi</body>"
                                "</message>",
                                id, ALICE);
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(nx_ctx(), xml);
    assert_true(nx_sm_track(ALICE, id, st));
    xmpp_stanza_release(st);
    if (write)
        nx_sm_written(xml);
    g_free(xml);
}

static void ack(const char *h)
{
    char *xml = g_strdup_printf("<a h=\"%s\" xmlns=\"" SM_NS "\"/>", h);
    nx_sm_read(xml);
    g_free(xml);
}

static int setup(void **state)
{
    int rc = ph_setup(state);
    nx_sm_deinit(); /* nothing followed from an earlier test */
    enable();
    ph_forget();
    return rc;
}

static void test_not_followed_without_stream_management(void **state)
{
    nx_sm_read("<failed xmlns=\"" SM_NS "\"><feature-not-implemented "
               "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(nx_ctx(), "<message id='x'/>");
    assert_false(nx_sm_track(ALICE, "x", st));
    xmpp_stanza_release(st);
}

static void test_acknowledged_once_covered(void **state)
{
    nx_sm_written("<iq id=\"q1\" type=\"get\"/>"); /* stanza 1 */
    send_msg("m1", true);                          /* stanza 2 */
    nx_sm_written("<r xmlns='" SM_NS "'/>");       /* not a stanza */
    send_msg("m2", true);                          /* stanza 3 */
    ack("1");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 0);
    ack("2");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 1);
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->id, "m1");
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->peer, ALICE);
    ack("3");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 2);
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->id, "m2");
    assert_null(nx_sm_violation_take());
}

static void test_unwritten_message_is_not_acknowledged(void **state)
{
    send_msg("m1", true);
    send_msg("m2", false); /* still in libstrophe's queue */
    ack("1");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 1);
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->id, "m1");
    assert_true(nx_sm_follows("m2"));
    assert_false(nx_sm_follows("m1"));
}

static void test_count_above_what_was_written(void **state)
{
    send_msg("m1", true);
    ack("5");
    char *v = nx_sm_violation_take();
    assert_non_null(v);
    assert_non_null(strstr(v, "acknowledged 5 stanzas, but natter sent 1"));
    g_free(v);
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 0); /* nothing taken as sent */
    assert_true(nx_sm_follows("m1"));
}

static void test_malformed_counts(void **state)
{
    static const char *const bad[] = {"1x", "", "-1", "+1", " 1", "4294967296", "99999999999"};
    send_msg("m1", true);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ack(bad[i]);
        char *v = nx_sm_violation_take();
        assert_non_null(v);
        g_free(v);
    }
    nx_sm_read("<a xmlns=\"" SM_NS "\"/>"); /* no count at all */
    char *v = nx_sm_violation_take();
    assert_non_null(v);
    g_free(v);
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 0);
}

static void test_resumed_acknowledges_what_it_covers(void **state)
{
    send_msg("m1", true);
    send_msg("m2", true);
    send_msg("m3", false);
    /* the connection breaks; the new one resumes with the server's count */
    nx_sm_written("<resume h=\"0\" previd=\"S1\" xmlns=\"" SM_NS "\"/>");
    nx_sm_read("<resumed h=\"1\" previd=\"S1\" xmlns=\"" SM_NS "\"/>");
    assert_true(nx_sm_resumed());
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 1);
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->id, "m1");
    assert_null(nx_sm_violation_take());
    /* the library writes m2 again, natter m3: counted from 1 on */
    nx_sm_written("<message id=\"m2\" to=\"" ALICE "\"/>");
    nx_sm_written("<message id=\"m3\" to=\"" ALICE "\"/>");
    ack("3");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 3);
    assert_string_equal(ph_last(EV_MESSAGE_ACKED)->id, "m3");
}

static void test_resumed_with_a_count_too_high(void **state)
{
    send_msg("m1", true);
    nx_sm_written("<resume h=\"0\" previd=\"S1\" xmlns=\"" SM_NS "\"/>");
    nx_sm_read("<resumed h=\"7\" previd=\"S1\" xmlns=\"" SM_NS "\"/>");
    char *v = nx_sm_violation_take();
    assert_non_null(v);
    g_free(v);
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 0);
}

static void test_lost_session_resends_marked(void **state)
{
    send_msg("m1", true);
    send_msg("m2", false);
    /* a fresh login on a new stream: both go again, marked */
    enable();
    assert_int_equal(nx_sm_resend(nx_conn()), 2);
    assert_int_equal(ph_count(EV_MESSAGE_RESENT), 2);
    assert_string_equal(ph_last(EV_MESSAGE_RESENT)->id, "m2");
    /* ... and are followed on the new stream */
    nx_sm_written("<message id=\"m1\" to=\"" ALICE "\"/>");
    nx_sm_written("<message id=\"m2\" to=\"" ALICE "\"/>");
    ack("2");
    assert_int_equal(ph_count(EV_MESSAGE_ACKED), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_followed_without_stream_management, setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_acknowledged_once_covered, setup, ph_teardown),
        cmocka_unit_test_setup_teardown(test_unwritten_message_is_not_acknowledged, setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_count_above_what_was_written, setup, ph_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_counts, setup, ph_teardown),
        cmocka_unit_test_setup_teardown(test_resumed_acknowledges_what_it_covers, setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_resumed_with_a_count_too_high, setup, ph_teardown),
        cmocka_unit_test_setup_teardown(test_lost_session_resends_marked, setup, ph_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_chat.c - the trust rules of one-to-one messages (message.c,
 * carbons.c): who may send carbons, whose stanza-id counts, who gets
 * receipts, and which author, peer and direction corrections and
 * retractions carry from a live message, a carbon and the archive.
 *
 * Whether a correction or retraction may change the message it names is
 * decided later, by the history store (store_correct_checked and
 * store_retract_checked compare the author; tests/unit/test_store.c). The
 * xmpp/ side, tested here, must hand the store the true author: the
 * sender the server stamped, never one the stanza claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"

#define BODY "<body>hello</body>"

/* A chat message from FROM to TO with EXTRA inside (a string literal). */
#define CHAT(from, to, extra)                                                                      \
    "<message from='" from "' to='" to "' type='chat' id='m1'>" extra "</message>"

static void assert_no(event_type type)
{
    assert_int_equal(ph_count(type), 0);
}

/* ---------- carbons (XEP-0280) ---------- */

static void test_carbon_received_from_own_account(void **state)
{
    ph_receive_carbon(ME, "received", CHAT(ALICE_FULL, ME_PHONE, BODY));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->from, ALICE_FULL);
    assert_true(e->carbon);
    assert_false(e->outgoing);
}

static void test_carbon_sent_from_own_account(void **state)
{
    ph_receive_carbon(ME, "sent", CHAT(ME_PHONE, ALICE_FULL, BODY));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->from, ME_PHONE);
    assert_true(e->carbon);
    assert_true(e->outgoing);
}

/* A contact forges what we "said" to someone else (CVE-2017-5592). */
static void test_carbon_from_contact_refused(void **state)
{
    ph_receive_carbon(ALICE, "sent", CHAT(ME_PHONE, MALLORY, BODY));
    ph_receive_carbon(ALICE_FULL, "received", CHAT(MALLORY_FULL, ME_PHONE, BODY));
    assert_no(EV_MESSAGE);
}

/* Only the bare JID: a full JID of ours is a client, not our server. */
static void test_carbon_from_our_full_jid_refused(void **state)
{
    ph_receive_carbon(ME_FULL, "sent", CHAT(ME_PHONE, ALICE_FULL, BODY));
    assert_no(EV_MESSAGE);
}

static void test_carbon_from_other_resource_refused(void **state)
{
    ph_receive_carbon(ME_PHONE, "sent", CHAT(ME_PHONE, ALICE_FULL, BODY));
    assert_no(EV_MESSAGE);
}

/* XEP-0280 11: copies must come from the bare JID; no 'from' is not it. */
static void test_carbon_without_from_refused(void **state)
{
    ph_receive_carbon(NULL, "sent", CHAT(ME_PHONE, ALICE_FULL, BODY));
    assert_no(EV_MESSAGE);
}

/* ---------- stanza ids (XEP-0359) ---------- */

static void test_stanza_id_by_own_account(void **state)
{
    ph_receive(
        CHAT(ALICE_FULL, ME_FULL, BODY "<stanza-id xmlns='" NS_SID "' by='" ME "' id='s1'/>"));
    assert_string_equal(ph_last(EV_MESSAGE)->stanza_id, "s1");
}

/* The sender may write any stanza-id; only our server's is an archive id. */
static void test_stanza_id_by_sender_refused(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL,
                    BODY "<stanza-id xmlns='" NS_SID "' by='" ALICE "' id='forged'/>"));
    assert_null(ph_last(EV_MESSAGE)->stanza_id);
}

/* Our server strips forged stanza-ids 'by' our bare JID, not 'by' a full
 * JID of ours: that one is the sender's, even when it comes first. */
static void test_stanza_id_by_own_full_jid_refused(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL,
                    BODY "<stanza-id xmlns='" NS_SID "' by='" ME_FULL "' id='forged'/>"
                         "<stanza-id xmlns='" NS_SID "' by='" ME "' id='s1'/>"));
    assert_string_equal(ph_last(EV_MESSAGE)->stanza_id, "s1");
}

/* ---------- receipts (XEP-0184) ---------- */

static void test_receipt_sent_to_contact(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY "<request xmlns='" NS_RECEIPTS "'/>"));
    xmpp_stanza_t *m = ph_sent("message", ALICE_FULL, NS_RECEIPTS);
    assert_non_null(m);
    xmpp_stanza_t *r = xmpp_stanza_get_child_by_ns(m, NS_RECEIPTS);
    assert_string_equal(xmpp_stanza_get_name(r), "received");
    assert_string_equal(xmpp_stanza_get_attribute(r, "id"), "m1");
}

/* A stranger must not learn that we are online. */
static void test_receipt_not_sent_to_stranger(void **state)
{
    ph_receive(CHAT(MALLORY_FULL, ME_FULL, BODY "<request xmlns='" NS_RECEIPTS "'/>"));
    assert_int_equal(ph_count(EV_MESSAGE), 1);
    assert_null(ph_sent("message", MALLORY_FULL, NULL));
}

/* The device that received the message answers, not every copy. */
static void test_receipt_not_sent_for_carbon(void **state)
{
    ph_receive_carbon(ME, "received",
                      CHAT(ALICE_FULL, ME_PHONE, BODY "<request xmlns='" NS_RECEIPTS "'/>"));
    assert_int_equal(ph_count(EV_MESSAGE), 1);
    assert_null(ph_sent("message", ALICE_FULL, NULL));
}

static void test_receipt_from_contact(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, "<received xmlns='" NS_RECEIPTS "' id='out1'/>"));
    const ph_event *e = ph_last(EV_RECEIPT);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->id, "out1");
}

/* Our other device acknowledging Alice's message is not Alice's receipt. */
static void test_receipt_in_sent_carbon_refused(void **state)
{
    ph_receive_carbon(ME, "sent",
                      CHAT(ME_PHONE, ALICE_FULL, "<received xmlns='" NS_RECEIPTS "' id='in1'/>"));
    assert_no(EV_RECEIPT);
}

/* ---------- chat states (XEP-0085) and bounces ---------- */

static void test_chatstate_from_contact(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, "<composing xmlns='" NS_CHATSTATES "'/>"));
    const ph_event *e = ph_last(EV_CHATSTATE);
    assert_string_equal(e->peer, ALICE);
    assert_int_equal(e->kind, CHATSTATE_COMPOSING);
}

/* Our own typing on another device is not the contact typing. */
static void test_chatstate_in_sent_carbon_refused(void **state)
{
    ph_receive_carbon(ME, "sent",
                      CHAT(ME_PHONE, ALICE_FULL, "<composing xmlns='" NS_CHATSTATES "'/>"));
    assert_no(EV_CHATSTATE);
}

static void test_bounce_live(void **state)
{
    ph_receive("<message from='" ALICE_FULL "' type='error' id='out1'><error type='cancel'>"
               "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    const ph_event *e = ph_last(EV_MESSAGE_ERROR);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->id, "out1");
    assert_string_equal(e->text, "item-not-found");
}

/* A bounce of what another device sent is that device's business. */
static void test_bounce_in_carbon_refused(void **state)
{
    ph_receive_carbon(ME, "received",
                      "<message from='" ALICE_FULL "' type='error' id='out1'><error type='cancel'>"
                      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                      "</message>");
    assert_no(EV_MESSAGE_ERROR);
}

/* ---------- private messages through rooms ---------- */

static void test_private_message_from_occupant(void **state)
{
    ph_receive("<message from='other@" SERVICE "/bob' to='" ME_FULL "' type='chat'>" BODY
               "<x xmlns='" NS_MUC_USER "'/></message>");
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->muc_private);
    assert_string_equal(e->peer, "other@" SERVICE "/bob");
}

/* A contact cannot split its chat into windows by claiming to be a room. */
static void test_contact_cannot_claim_private_message(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY "<x xmlns='" NS_MUC_USER "'/>"));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_false(e->muc_private);
    assert_string_equal(e->peer, ALICE);
}

/* ---------- corrections (XEP-0308): who, with whom, which direction ---------- */

#define REPLACE "<body>fixed</body><replace xmlns='" NS_CORRECT "' id='orig'/>"

static void expect_correction(const char *peer, const char *from, bool outgoing)
{
    assert_int_equal(ph_count(EV_CORRECTION), 1);
    assert_no(EV_MESSAGE);
    const ph_event *e = ph_last(EV_CORRECTION);
    assert_string_equal(e->peer, peer);
    assert_string_equal(e->from, from);
    assert_string_equal(e->ref_id, "orig");
    assert_string_equal(e->body, "fixed");
    assert_int_equal(e->outgoing, outgoing);
    assert_false(e->groupchat);
}

static void test_correction_live(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, REPLACE));
    expect_correction(ALICE, ALICE_FULL, false);
}

static void test_correction_in_sent_carbon(void **state)
{
    ph_receive_carbon(ME, "sent", CHAT(ME_PHONE, ALICE_FULL, REPLACE));
    expect_correction(ALICE, ME_PHONE, true);
}

static void test_correction_in_received_carbon(void **state)
{
    ph_receive_carbon(ME, "received", CHAT(ALICE_FULL, ME_PHONE, REPLACE));
    expect_correction(ALICE, ALICE_FULL, false);
}

static void test_correction_from_archive(void **state)
{
    char *qid = g_strdup(ph_mam_queryid(NULL));
    ph_receive_result(NULL, qid, "a1", CHAT(ME_PHONE, ALICE_FULL, REPLACE));
    expect_correction(ALICE, ME_PHONE, true);
    assert_int_equal(ph_last(EV_CORRECTION)->timestamp, STAMP_T);
    ph_forget();
    ph_receive_result(ME, qid, "a2", CHAT(ALICE_FULL, ME_FULL, REPLACE));
    expect_correction(ALICE, ALICE_FULL, false);
    g_free(qid);
}

/* A stranger naming Alice's message corrects only in its own
 * conversation, as itself: the store finds nothing of its to change. */
static void test_correction_by_stranger_stays_its_own(void **state)
{
    ph_receive(CHAT(MALLORY_FULL, ME_FULL, REPLACE));
    expect_correction(MALLORY, MALLORY_FULL, false);
}

/* Another device of ours writing to us directly is not our outgoing
 * message: only a sent carbon or our archive says that. */
static void test_live_message_from_own_account_not_outgoing(void **state)
{
    ph_receive(CHAT(ME_PHONE, ME_FULL, REPLACE));
    expect_correction(ME, ME_PHONE, false);
}

static void test_received_carbon_not_outgoing(void **state)
{
    ph_receive_carbon(ME, "received", CHAT(ME_PHONE, ME_FULL, REPLACE));
    expect_correction(ME, ME_PHONE, false);
}

static void test_correction_in_forged_carbon_refused(void **state)
{
    ph_receive_carbon(ALICE, "sent", CHAT(ME_PHONE, ALICE_FULL, REPLACE));
    assert_no(EV_CORRECTION);
}

/* ---------- retractions (XEP-0424) ---------- */

#define RETRACT "<retract xmlns='" NS_RETRACT "' id='orig'/><body>retracted</body>"

static void expect_retraction(const char *peer, const char *from, bool outgoing)
{
    assert_int_equal(ph_count(EV_RETRACTION), 1);
    assert_no(EV_MESSAGE);
    const ph_event *e = ph_last(EV_RETRACTION);
    assert_string_equal(e->peer, peer);
    assert_string_equal(e->from, from);
    assert_string_equal(e->ref_id, "orig");
    assert_int_equal(e->outgoing, outgoing);
    assert_false(e->moderation);
    assert_false(e->groupchat);
}

static void test_retraction_live(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, RETRACT));
    expect_retraction(ALICE, ALICE_FULL, false);
}

static void test_retraction_in_sent_carbon(void **state)
{
    ph_receive_carbon(ME, "sent", CHAT(ME_PHONE, ALICE_FULL, RETRACT));
    expect_retraction(ALICE, ME_PHONE, true);
}

static void test_retraction_from_archive(void **state)
{
    char *qid = g_strdup(ph_mam_queryid(NULL));
    ph_receive_result(NULL, qid, "a1", CHAT(ME_PHONE, ALICE_FULL, RETRACT));
    expect_retraction(ALICE, ME_PHONE, true);
    ph_forget();
    ph_receive_result(NULL, qid, "a2", CHAT(ALICE_FULL, ME_FULL, RETRACT));
    expect_retraction(ALICE, ALICE_FULL, false);
    g_free(qid);
}

static void test_retraction_by_stranger_stays_its_own(void **state)
{
    ph_receive(CHAT(MALLORY_FULL, ME_FULL, RETRACT));
    expect_retraction(MALLORY, MALLORY_FULL, false);
}

static void test_retraction_in_forged_carbon_refused(void **state)
{
    ph_receive_carbon(MALLORY, "sent", CHAT(ME_PHONE, ALICE_FULL, RETRACT));
    assert_no(EV_RETRACTION);
}

/* Our retraction's fallback body says what it stands in for (XEP-0428),
 * so clients that know retractions can hide it. */
static void test_sent_retraction_fallback_names_retract(void **state)
{
    char *err = NULL;
    assert_true(nx_send_retraction(ALICE, "m0", &err));
    xmpp_stanza_t *m = ph_sent("message", ALICE, NS_RETRACT);
    assert_non_null(m);
    xmpp_stanza_t *fb = nx_child(m, "fallback", "urn:xmpp:fallback:0");
    assert_non_null(fb);
    assert_string_equal(xmpp_stanza_get_attribute(fb, "for") ? xmpp_stanza_get_attribute(fb, "for")
                                                             : "(none)",
                        NS_RETRACT);
}

/* ---------- delay stamps (XEP-0203) ---------- */

#define DELAY_BY(by) "<delay xmlns='urn:xmpp:delay' from='" by "' stamp='" STAMP "'/>"

/* A message dated at the time natter received it, not by its stamp. */
static void expect_received_now(time_t before)
{
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_false(e->delayed);
    assert_true(e->timestamp >= before && e->timestamp <= time(NULL));
}

/* Our server delivers a message kept while we were offline: its time. */
static void test_delay_from_own_server(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY DELAY_BY("example.org")));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->delayed);
    assert_int_equal(e->timestamp, STAMP_T);
}

/* XEP-0082 fractions of a second are kept (a burst keeps its order). */
static void test_delay_keeps_the_fraction(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL,
                    BODY "<delay xmlns='urn:xmpp:delay' from='example.org' "
                         "stamp='2020-01-01T00:00:00.123456Z'/>"));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_int_equal(e->timestamp, STAMP_T);
    assert_int_equal(e->time_us, (int64_t)STAMP_T * 1000000 + 123456);
    ph_forget();
    ph_receive(CHAT(ALICE_FULL, ME_FULL,
                    BODY "<delay xmlns='urn:xmpp:delay' from='example.org' "
                         "stamp='2020-01-01T01:00:00.5+01:00'/>"));
    assert_int_equal(ph_last(EV_MESSAGE)->time_us, (int64_t)STAMP_T * 1000000 + 500000);
}

/* An archive result's time, to the microsecond. */
static void test_archive_time_keeps_the_fraction(void **state)
{
    char *qid = g_strdup(ph_mam_queryid(NULL));
    ph_receive("<message to='" ME_FULL "'><result xmlns='urn:xmpp:mam:2' queryid='%s' id='f1'>"
               "<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
               "stamp='2020-01-01T00:00:00.000250Z'/>"
               "<message xmlns='jabber:client' from='" ALICE_FULL "' to='" ME_FULL "' type='chat' "
               "id='f1m'><body>hi</body></message></forwarded></result></message>",
               qid);
    assert_int_equal(ph_last(EV_MESSAGE)->time_us, (int64_t)STAMP_T * 1000000 + 250);
    g_free(qid);
}

static void test_delay_from_own_account(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY DELAY_BY(ME)));
    assert_int_equal(ph_last(EV_MESSAGE)->timestamp, STAMP_T);
}

/* A contact backdates its message with a stamp of its own, of another
 * server, of another JID or of no one. */
static void test_forged_delay_refused(void **state)
{
    time_t before = time(NULL);
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY DELAY_BY(ALICE)));
    expect_received_now(before);
    ph_forget();
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY DELAY_BY("evil.example")));
    expect_received_now(before);
    ph_forget();
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY DELAY_BY("example.org/x")));
    expect_received_now(before);
    ph_forget();
    ph_receive(CHAT(ALICE_FULL, ME_FULL, BODY "<delay xmlns='urn:xmpp:delay' stamp='" STAMP "'/>"));
    expect_received_now(before);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ph_setup, ph_teardown)
#define T_SYNC(f) cmocka_unit_test_setup_teardown(f, ph_setup_catching_up, ph_teardown)
    const struct CMUnitTest tests[] = {
        T(test_carbon_received_from_own_account),
        T(test_carbon_sent_from_own_account),
        T(test_carbon_from_contact_refused),
        T(test_carbon_from_our_full_jid_refused),
        T(test_carbon_from_other_resource_refused),
        T(test_carbon_without_from_refused),
        T(test_stanza_id_by_own_account),
        T(test_stanza_id_by_sender_refused),
        T(test_stanza_id_by_own_full_jid_refused),
        T(test_receipt_sent_to_contact),
        T(test_receipt_not_sent_to_stranger),
        T(test_receipt_not_sent_for_carbon),
        T(test_receipt_from_contact),
        T(test_receipt_in_sent_carbon_refused),
        T(test_chatstate_from_contact),
        T(test_chatstate_in_sent_carbon_refused),
        T(test_bounce_live),
        T(test_bounce_in_carbon_refused),
        T(test_private_message_from_occupant),
        T(test_contact_cannot_claim_private_message),
        T(test_correction_live),
        T(test_correction_in_sent_carbon),
        T(test_correction_in_received_carbon),
        T_SYNC(test_correction_from_archive),
        T(test_correction_by_stranger_stays_its_own),
        T(test_live_message_from_own_account_not_outgoing),
        T(test_received_carbon_not_outgoing),
        T(test_correction_in_forged_carbon_refused),
        T(test_retraction_live),
        T(test_retraction_in_sent_carbon),
        T_SYNC(test_retraction_from_archive),
        T(test_retraction_by_stranger_stays_its_own),
        T(test_retraction_in_forged_carbon_refused),
        T(test_sent_retraction_fallback_names_retract),
        T(test_delay_from_own_server),
        T(test_delay_keeps_the_fraction),
        T_SYNC(test_archive_time_keeps_the_fraction),
        T(test_delay_from_own_account),
        T(test_forged_delay_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

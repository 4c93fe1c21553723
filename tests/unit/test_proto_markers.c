/* test_proto_markers.c - the trust rules of read state (markers.c,
 * message.c): our messages ask for chat markers; a displayed marker counts
 * only from the contact, never from our own devices' copies; "displayed"
 * goes only to a contact who may see our presence, and never with
 * send_read_markers off; the displayed state of our other devices
 * (XEP-0490) counts only from our own account, and for rooms only with
 * the stanza-id of a room we know. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "config/settings.h"
#include "proto.h"
#include "xmpp/xmpp.h"

#define CHAT(from, to, extra)                                                                      \
    "<message from='" from "' to='" to "' type='chat' id='m1'>" extra "</message>"
#define DISPLAYED(id) "<displayed xmlns='" NS_MARKERS "' id='" id "'/>"
#define MDS_EVENT(from, item, by, sid)                                                             \
    "<message from='" from "' to='" ME_FULL "' type='headline'>"                                   \
    "<event xmlns='http://jabber.org/protocol/pubsub#event'>"                                      \
    "<items node='" NS_MDS "'><item id='" item "'><displayed xmlns='" NS_MDS "'>"                  \
    "<stanza-id xmlns='" NS_SID "' by='" by "' id='" sid "'/></displayed></item></items>"          \
    "</event></message>"

static void test_outgoing_chat_is_markable(void **state)
{
    char *err = NULL;
    assert_true(nx_send_chat(ALICE, "hello", &err));
    assert_non_null(ph_sent("message", ALICE, NS_MARKERS));
}

static void test_displayed_from_contact(void **state)
{
    ph_receive(CHAT(ALICE_FULL, ME_FULL, DISPLAYED("out1")));
    const ph_event *e = ph_last(EV_DISPLAYED);
    assert_non_null(e);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->id, "out1");
    assert_int_equal(ph_count(EV_MESSAGE), 0);
}

/* Our phone telling Alice it saw her message is not Alice seeing ours. */
static void test_displayed_in_sent_carbon_refused(void **state)
{
    ph_receive_carbon(ME, "sent", CHAT(ME_PHONE, ALICE_FULL, DISPLAYED("in1")));
    assert_int_equal(ph_count(EV_DISPLAYED), 0);
}

static xmpp_stanza_t *sent_displayed(const char *to)
{
    xmpp_stanza_t *m = ph_sent("message", to, NS_MARKERS);
    return m ? xmpp_stanza_get_child_by_ns(m, NS_MARKERS) : NULL;
}

static void test_seen_tells_contact_and_own_devices(void **state)
{
    nx_markers_seen(ALICE, "m1", "sid1", true);
    xmpp_stanza_t *d = sent_displayed(ALICE);
    assert_non_null(d);
    assert_string_equal(xmpp_stanza_get_name(d), "displayed");
    assert_string_equal(xmpp_stanza_get_attribute(d, "id"), "m1");
    xmpp_stanza_t *iq = ph_sent_iq(NULL, "http://jabber.org/protocol/pubsub");
    xmpp_stanza_t *ps = xmpp_stanza_get_child_by_name(iq, "pubsub");
    xmpp_stanza_t *pub = xmpp_stanza_get_child_by_name(ps, "publish");
    assert_string_equal(xmpp_stanza_get_attribute(pub, "node"), NS_MDS);
    xmpp_stanza_t *item = xmpp_stanza_get_child_by_name(pub, "item");
    assert_string_equal(xmpp_stanza_get_attribute(item, "id"), ALICE);
    xmpp_stanza_t *sid =
        xmpp_stanza_get_child_by_ns(xmpp_stanza_get_child_by_ns(item, NS_MDS), NS_SID);
    assert_string_equal(xmpp_stanza_get_attribute(sid, "id"), "sid1");
    assert_string_equal(xmpp_stanza_get_attribute(sid, "by"), ME);
    assert_non_null(xmpp_stanza_get_child_by_name(ps, "publish-options"));
}

static const char *published_sid(void)
{
    xmpp_stanza_t *iq = ph_sent_iq(NULL, "http://jabber.org/protocol/pubsub");
    xmpp_stanza_t *item = xmpp_stanza_get_child_by_name(
        xmpp_stanza_get_child_by_name(xmpp_stanza_get_child_by_name(iq, "pubsub"), "publish"),
        "item");
    xmpp_stanza_t *sid =
        xmpp_stanza_get_child_by_ns(xmpp_stanza_get_child_by_ns(item, NS_MDS), NS_SID);
    return xmpp_stanza_get_attribute(sid, "id");
}

/* A busy chat is not one publication per message: the next one waits for
 * the gap (and then names only the newest point). */
static void test_seen_publications_spaced(void **state)
{
    nx_markers_seen(ALICE, "m1", "sid1", true);
    nx_markers_seen(ALICE, "m2", "sid2", true);
    nx_markers_seen(ALICE, "m3", "sid3", true);
    assert_string_equal(published_sid(), "sid1");
    assert_string_equal(xmpp_stanza_get_attribute(sent_displayed(ALICE), "id"), "m3");
}

/* A stranger does not learn that we read (and so that we are online). */
static void test_seen_no_marker_to_stranger(void **state)
{
    nx_markers_seen(MALLORY, "m1", "sid1", true);
    assert_null(sent_displayed(MALLORY));
}

static void test_seen_no_marker_with_setting_off(void **state)
{
    char *err = NULL;
    assert_true(settings_set("send_read_markers", "off", &err));
    nx_markers_seen(ALICE, "m1", "sid1", true);
    assert_null(sent_displayed(ALICE));
}

static void test_seen_no_marker_unless_asked(void **state)
{
    nx_markers_seen(ALICE, "m1", "sid1", false);
    assert_null(sent_displayed(ALICE));
}

static void test_mds_from_own_account(void **state)
{
    ph_receive(MDS_EVENT(ME, ALICE, ME, "sid7"));
    const ph_event *e = ph_last(EV_MDS);
    assert_non_null(e);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->stanza_id, "sid7");
    assert_int_equal(ph_count(EV_MESSAGE), 0);
}

static void test_mds_from_contact_refused(void **state)
{
    ph_receive(MDS_EVENT(ALICE, ALICE, ME, "sid7"));
    ph_receive(MDS_EVENT(ALICE_FULL, ALICE, ME, "sid7"));
    assert_int_equal(ph_count(EV_MDS), 0);
    assert_int_equal(ph_count(EV_MESSAGE), 0);
}

/* PEP notifications come from the bare JID: a full one is a client. */
static void test_mds_from_own_device_refused(void **state)
{
    ph_receive(MDS_EVENT(ME_PHONE, ALICE, ME, "sid7"));
    assert_int_equal(ph_count(EV_MDS), 0);
}

/* A one-to-one chat's stanza-id is our server's; another's is meaningless. */
static void test_mds_stanza_id_by_other_refused(void **state)
{
    ph_receive(MDS_EVENT(ME, ALICE, ALICE, "sid7"));
    assert_int_equal(ph_count(EV_MDS), 0);
}

/* Rooms: the displayed state names the room's stanza-id, for a room we
 * know; a room gets no chat marker. */
static void test_room_seen_publishes_with_room_stanza_id(void **state)
{
    ph_join(ROOM, "me", NULL);
    ph_forget();
    nx_markers_room_seen(ROOM, "rsid1");
    xmpp_stanza_t *iq = ph_sent_iq(NULL, "http://jabber.org/protocol/pubsub");
    xmpp_stanza_t *item = xmpp_stanza_get_child_by_name(
        xmpp_stanza_get_child_by_name(xmpp_stanza_get_child_by_name(iq, "pubsub"), "publish"),
        "item");
    assert_string_equal(xmpp_stanza_get_attribute(item, "id"), ROOM);
    xmpp_stanza_t *sid =
        xmpp_stanza_get_child_by_ns(xmpp_stanza_get_child_by_ns(item, NS_MDS), NS_SID);
    assert_string_equal(xmpp_stanza_get_attribute(sid, "by"), ROOM);
    assert_string_equal(xmpp_stanza_get_attribute(sid, "id"), "rsid1");
    assert_null(ph_sent("message", ROOM, NULL));
}

static void test_mds_for_room(void **state)
{
    ph_join(ROOM, "me", NULL);
    ph_forget();
    ph_receive(MDS_EVENT(ME, ROOM, ROOM, "rsid2"));
    const ph_event *e = ph_last(EV_MDS);
    assert_non_null(e);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->stanza_id, "rsid2");
}

/* A stanza-id "by" a JID that is not a room we know counts for nothing. */
static void test_mds_for_unknown_room_refused(void **state)
{
    ph_receive(MDS_EVENT(ME, ROOM, ROOM, "rsid2"));
    ph_receive(MDS_EVENT(ME, ALICE, ALICE, "rsid3"));
    assert_int_equal(ph_count(EV_MDS), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ph_setup, ph_teardown)
    const struct CMUnitTest tests[] = {
        T(test_outgoing_chat_is_markable),
        T(test_displayed_from_contact),
        T(test_displayed_in_sent_carbon_refused),
        T(test_seen_tells_contact_and_own_devices),
        T(test_seen_publications_spaced),
        T(test_seen_no_marker_to_stranger),
        T(test_seen_no_marker_with_setting_off),
        T(test_seen_no_marker_unless_asked),
        T(test_mds_from_own_account),
        T(test_mds_from_contact_refused),
        T(test_mds_from_own_device_refused),
        T(test_mds_stanza_id_by_other_refused),
        T(test_room_seen_publishes_with_room_stanza_id),
        T(test_mds_for_room),
        T(test_mds_for_unknown_room_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

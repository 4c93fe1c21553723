/* test_proto_account.c - what only our own account may tell us: roster
 * pushes and the roster (roster.c), our archive (mam.c), our bookmarks
 * (bookmarks.c), our server's group chat service (muc.c); and whose
 * presence natter keeps (presence.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"

#define NS_ROSTER "jabber:iq:roster"
#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_BOOKMARKS "urn:xmpp:bookmarks:1"
#define EVE "eve@example.org"
#define CHAT_FROM_ALICE                                                                            \
    "<message from='" ALICE_FULL "' to='" ME_FULL "' type='chat'><body>old</body></message>"

static void assert_no(event_type type)
{
    assert_int_equal(ph_count(type), 0);
}

/* ' from="FROM"' or "" (g_free). */
static char *from_attr(const char *from)
{
    return from ? g_strdup_printf(" from='%s'", from) : g_strdup("");
}

/* ---------- roster pushes (RFC 6121 2.1.6) ---------- */

/* A push from FROM (NULL: none) that sets ITEM. */
static void push(const char *from, const char *item)
{
    char *attr = from_attr(from);
    ph_receive("<iq type='set' id='push1'%s to='" ME_FULL "'>"
               "<query xmlns='" NS_ROSTER "'>%s</query></iq>",
               attr, item);
    g_free(attr);
}

#define ADD_EVE "<item jid='" EVE "' subscription='both' name='Eve'/>"
#define REMOVE_ALICE "<item jid='" ALICE "' subscription='remove'/>"

static void expect_push_taken(const char *from)
{
    push(from, ADD_EVE);
    assert_string_equal(ph_last(EV_ROSTER_ITEM)->peer, EVE);
    assert_true(roster_find(EVE)->in_roster);
    xmpp_stanza_t *reply = ph_sent("iq", from, NULL);
    assert_non_null(reply);
    assert_string_equal(xmpp_stanza_get_type(reply), "result");
    assert_string_equal(xmpp_stanza_get_id(reply), "push1");
}

static void expect_push_refused(const char *from)
{
    push(from, REMOVE_ALICE);
    assert_no(EV_ROSTER_ITEM);
    assert_true(roster_find(ALICE)->in_roster);
    xmpp_stanza_t *reply = ph_sent("iq", from, NULL);
    assert_non_null(reply);
    assert_string_equal(xmpp_stanza_get_type(reply), "error");
    assert_string_equal(nx_error_condition(reply), "service-unavailable");
}

static void test_roster_push_without_from(void **state)
{
    expect_push_taken(NULL);
}

static void test_roster_push_from_own_bare_jid(void **state)
{
    expect_push_taken(ME);
}

static void test_roster_push_from_contact_refused(void **state)
{
    expect_push_refused(ALICE_FULL);
}

static void test_roster_push_from_other_resource_refused(void **state)
{
    expect_push_refused(ME_PHONE);
}

static void test_roster_push_from_our_server_refused(void **state)
{
    expect_push_refused("example.org");
}

/* The answer to our roster query: a stranger who guessed its id is not
 * our account, and the real answer still counts. */
static void test_roster_answer_from_stranger_ignored(void **state)
{
    const char *id = xmpp_stanza_get_id(ph_sent_iq(NULL, NS_ROSTER));
    ph_receive("<iq type='result' id='%s' from='" MALLORY_FULL "'><query xmlns='" NS_ROSTER "'>"
               "<item jid='" MALLORY "' subscription='both'/></query></iq>",
               id);
    assert_no(EV_ROSTER_LOADED);
    assert_null(roster_find(MALLORY));
    ph_receive("<iq type='result' id='%s'><query xmlns='" NS_ROSTER "'>" ADD_EVE "</query></iq>",
               id);
    assert_int_equal(ph_count(EV_ROSTER_LOADED), 1);
    assert_true(roster_find(EVE)->in_roster);
}

/* ---------- the blocklist (XEP-0191) ---------- */

#define NS_BLOCKING "urn:xmpp:blocking"

/* Answer the blocklist query of the login: EVE is blocked. */
static void blocklist_known(void)
{
    const char *id = xmpp_stanza_get_id(ph_sent_iq(NULL, NS_BLOCKING));
    ph_receive("<iq type='result' id='%s'><blocklist xmlns='" NS_BLOCKING "'><item jid='" EVE
               "'/></blocklist></iq>",
               id);
    assert_true(nx_is_blocked(EVE));
}

/* A push from FROM (NULL: none) that blocks MALLORY; the reply to it. */
static xmpp_stanza_t *block_push(const char *from)
{
    blocklist_known();
    char *attr = from_attr(from);
    ph_receive("<iq type='set' id='bl1'%s to='" ME_FULL "'><block xmlns='" NS_BLOCKING
               "'><item jid='" MALLORY "'/></block></iq>",
               attr);
    g_free(attr);
    xmpp_stanza_t *reply = ph_sent("iq", from, NULL);
    assert_non_null(reply);
    assert_string_equal(xmpp_stanza_get_id(reply), "bl1");
    return reply;
}

static void test_block_push_without_from(void **state)
{
    assert_string_equal(xmpp_stanza_get_type(block_push(NULL)), "result");
    assert_true(nx_is_blocked(MALLORY));
}

static void test_block_push_from_own_bare_jid(void **state)
{
    assert_string_equal(xmpp_stanza_get_type(block_push(ME)), "result");
    assert_true(nx_is_blocked(MALLORY));
}

static void test_block_push_from_contact_refused(void **state)
{
    xmpp_stanza_t *reply = block_push(ALICE_FULL);
    assert_string_equal(xmpp_stanza_get_type(reply), "error");
    assert_string_equal(nx_error_condition(reply), "forbidden");
    assert_false(nx_is_blocked(MALLORY));
}

static void test_block_push_from_other_resource_refused(void **state)
{
    assert_string_equal(xmpp_stanza_get_type(block_push(ME_PHONE)), "error");
    assert_false(nx_is_blocked(MALLORY));
}

/* The answer to our blocklist query counts only from our account. */
static void test_blocklist_answer_from_stranger_ignored(void **state)
{
    const char *id = xmpp_stanza_get_id(ph_sent_iq(NULL, NS_BLOCKING));
    ph_receive("<iq type='result' id='%s' from='" MALLORY_FULL "'><blocklist xmlns='" NS_BLOCKING
               "'><item jid='" ALICE "'/></blocklist></iq>",
               id);
    assert_null(nx_blocklist());
    blocklist_known();
    assert_false(nx_is_blocked(ALICE));
}

/* ---------- what natter tells about itself (XEP-0012) ---------- */

/* Idle time only for who may see our presence: ALICE (both), not MALLORY. */
static void test_last_activity_only_for_contacts(void **state)
{
    ph_receive("<iq type='get' id='last1' from='" ALICE_FULL "' to='" ME_FULL
               "'><query xmlns='jabber:iq:last'/></iq>");
    xmpp_stanza_t *reply = ph_sent("iq", ALICE_FULL, NULL);
    assert_non_null(reply);
    assert_string_equal(xmpp_stanza_get_type(reply), "result");
    ph_receive("<iq type='get' id='last2' from='" MALLORY_FULL "' to='" ME_FULL
               "'><query xmlns='jabber:iq:last'/></iq>");
    reply = ph_sent("iq", MALLORY_FULL, NULL);
    assert_non_null(reply);
    assert_string_equal(xmpp_stanza_get_type(reply), "error");
    assert_string_equal(nx_error_condition(reply), "forbidden");
}

/* ---------- our archive: the catch-up after login (XEP-0313) ---------- */

static void test_archive_result_for_our_query(void **state)
{
    const char *qid = ph_mam_queryid(NULL);
    ph_receive_result(NULL, qid, "a1", CHAT_FROM_ALICE);
    ph_receive_result(ME, qid, "a2", CHAT_FROM_ALICE);
    assert_int_equal(ph_count(EV_MESSAGE), 2);
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->from, ALICE_FULL);
    assert_string_equal(e->stanza_id, "a2");
    assert_true(e->from_archive);
    assert_true(e->delayed);
    assert_int_equal(e->timestamp, STAMP_T);
}

static void test_archive_result_unknown_queryid_refused(void **state)
{
    ph_receive_result(NULL, "not-ours", "a1", CHAT_FROM_ALICE);
    assert_no(EV_MESSAGE);
}

/* Alice could otherwise put words into our history with anyone. */
static void test_archive_result_from_contact_refused(void **state)
{
    ph_receive_result(ALICE_FULL, ph_mam_queryid(NULL), "a1", CHAT_FROM_ALICE);
    ph_receive_result(ALICE, ph_mam_queryid(NULL), "a2", CHAT_FROM_ALICE);
    assert_no(EV_MESSAGE);
}

static void test_archive_result_from_other_resource_refused(void **state)
{
    ph_receive_result(ME_PHONE, ph_mam_queryid(NULL), "a1", CHAT_FROM_ALICE);
    assert_no(EV_MESSAGE);
}

/* Once the catch-up is over its queryid answers nothing. */
static void test_archive_result_after_catch_up_refused(void **state)
{
    char *qid = g_strdup(ph_mam_queryid(NULL));
    ph_answer_catch_up();
    ph_receive_result(NULL, qid, "a1", CHAT_FROM_ALICE);
    assert_no(EV_MESSAGE);
    g_free(qid);
}

/* Only our server ends the catch-up. */
static void test_archive_answer_from_contact_ignored(void **state)
{
    const char *id = xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM));
    ph_receive("<iq type='result' id='%s' from='" ALICE_FULL "'>"
               "<fin xmlns='" NS_MAM "' complete='true'/></iq>",
               id);
    assert_no(EV_ARCHIVE_SYNC);
    ph_answer_catch_up();
}

/* ---------- our archive: older history of a conversation ---------- */

/* Ask for what is older than a1 with Alice; returns the query's iq. */
static xmpp_stanza_t *fetch_older(void)
{
    char *err = NULL;
    assert_true(nx_mam_fetch_before(ALICE, "a9", 0, 20, &err));
    assert_null(err);
    return ph_sent_iq(NULL, NS_MAM);
}

static void answer_page(xmpp_stanza_t *iq, const char *from)
{
    char *attr = from_attr(from);
    ph_receive("<iq type='result' id='%s'%s><fin xmlns='" NS_MAM "' complete='true'>"
               "<set xmlns='" NS_RSM "'><first>a1</first></set></fin></iq>",
               xmpp_stanza_get_id(iq), attr);
    g_free(attr);
}

static void test_older_history_from_own_archive(void **state)
{
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(NULL, ph_mam_queryid(NULL), "a1", CHAT_FROM_ALICE);
    answer_page(iq, ME);
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->backfill);
    assert_true(e->from_archive);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->stanza_id, "a1");
    const ph_event *sync = ph_last(EV_ARCHIVE_SYNC);
    assert_string_equal(sync->peer, ALICE);
    assert_int_equal(sync->count, 1);
}

static void test_older_history_from_contact_refused(void **state)
{
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(ALICE_FULL, ph_mam_queryid(NULL), "a1", CHAT_FROM_ALICE);
    answer_page(iq, NULL);
    assert_no(EV_MESSAGE);
    assert_int_equal(ph_last(EV_ARCHIVE_SYNC)->count, 0);
}

static void test_older_history_answer_from_contact_ignored(void **state)
{
    xmpp_stanza_t *iq = fetch_older();
    answer_page(iq, ALICE_FULL);
    assert_no(EV_ARCHIVE_SYNC);
    answer_page(iq, NULL);
    assert_string_equal(ph_last(EV_ARCHIVE_SYNC)->peer, ALICE);
}

/* ---------- bookmarks (XEP-0402, XEP-0048) ---------- */

#define CONFERENCE                                                                                 \
    "<conference xmlns='" NS_BOOKMARKS "' name='Room' "                                            \
    "autojoin='true'><nick>me</nick></conference>"
#define ITEMS "<items node='" NS_BOOKMARKS "'><item id='" ROOM "'>" CONFERENCE "</item></items>"
#define NOTIFICATION "<event xmlns='http://jabber.org/protocol/pubsub#event'>" ITEMS "</event>"

/* Our account answers which kind of bookmarks it keeps (PEP: with the
 * XEP-0402 compat feature); natter then asks for the list. */
static void answer_account_info(bool pep)
{
    ph_receive("<iq type='result' id='%s' from='" ME "'><query xmlns='" NS_DISCO_INFO "'>"
               "<identity category='account' type='registered'/>%s</query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ME, NS_DISCO_INFO)),
               pep ? "<feature var='" NS_BOOKMARKS "#compat'/>" : "");
}

/* The answer to the PEP bookmark query from FROM, holding CONTENT. */
static void answer_pep_list(const char *from, const char *content)
{
    char *attr = from_attr(from);
    ph_receive("<iq type='result' id='%s'%s><pubsub xmlns='" NS_PUBSUB "'>%s</pubsub></iq>",
               xmpp_stanza_get_id(ph_sent_iq(NULL, NS_PUBSUB)), attr, content);
    g_free(attr);
}

/* Bookmarks fetched (an empty list) and nothing recorded yet. */
static void bookmarks_ready(void)
{
    answer_account_info(true);
    answer_pep_list(NULL, "<items node='" NS_BOOKMARKS "'/>");
    assert_int_equal(ph_count(EV_BOOKMARKS), 1);
    assert_null(nx_bookmarks()); /* none ever published */
    ph_forget();
}

static void expect_bookmark_taken(void)
{
    assert_int_equal(ph_count(EV_BOOKMARKS), 1);
    const GPtrArray *marks = nx_bookmarks();
    assert_int_equal(marks->len, 1);
    assert_string_equal(((nx_bookmark *)g_ptr_array_index(marks, 0))->jid, ROOM);
    /* autojoin: natter asks what the room supports, then joins it */
    ph_receive("<iq type='result' from='" ROOM "' id='%s'><query xmlns='" NS_DISCO_INFO "'/></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ROOM, NS_DISCO_INFO)));
    assert_non_null(ph_sent("presence", ROOM "/me", NS_MUC));
}

static void expect_bookmark_refused(void)
{
    assert_no(EV_BOOKMARKS);
    const GPtrArray *marks = nx_bookmarks();
    assert_true(!marks || marks->len == 0);
    assert_null(muc_room_find(ROOM));
    assert_null(ph_sent("presence", ROOM "/me", NULL));
}

static void notify(const char *from)
{
    char *attr = from_attr(from);
    ph_receive("<message%s to='" ME_FULL "' type='headline'>" NOTIFICATION "</message>", attr);
    g_free(attr);
}

static void test_bookmark_notification_from_own_account(void **state)
{
    bookmarks_ready();
    notify(ME);
    expect_bookmark_taken();
}

/* A contact must not make us join rooms. */
static void test_bookmark_notification_from_contact_refused(void **state)
{
    bookmarks_ready();
    notify(ALICE);
    expect_bookmark_refused();
}

static void test_bookmark_notification_from_other_resource_refused(void **state)
{
    bookmarks_ready();
    notify(ME_PHONE);
    expect_bookmark_refused();
}

/* XEP-0163: notifications come from the account's bare JID. */
static void test_bookmark_notification_without_from_refused(void **state)
{
    bookmarks_ready();
    notify(NULL);
    expect_bookmark_refused();
}

/* Carbons and the archive hold copies, never instructions. */
static void test_bookmark_notification_in_carbon_refused(void **state)
{
    bookmarks_ready();
    ph_receive_carbon(ME, "received",
                      "<message from='" ME "' to='" ME_PHONE "' type='headline'>" NOTIFICATION
                      "</message>");
    expect_bookmark_refused();
}

static void test_bookmark_list_from_own_account(void **state)
{
    answer_account_info(true);
    answer_pep_list(ME, ITEMS);
    expect_bookmark_taken();
}

static void test_bookmark_list_from_contact_refused(void **state)
{
    answer_account_info(true);
    answer_pep_list(ALICE, ITEMS);
    expect_bookmark_refused();
    assert_null(nx_bookmarks());
}

/* XEP-0048 in private storage (servers without XEP-0402). */
static void answer_private_list(const char *from)
{
    char *attr = from_attr(from);
    ph_receive("<iq type='result' id='%s'%s><query xmlns='jabber:iq:private'>"
               "<storage xmlns='storage:bookmarks'><conference jid='" ROOM "' autojoin='true'>"
               "<nick>me</nick></conference></storage></query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(NULL, "jabber:iq:private")), attr);
    g_free(attr);
}

static void test_private_bookmarks_from_own_account(void **state)
{
    answer_account_info(false);
    answer_private_list(NULL);
    expect_bookmark_taken();
}

static void test_private_bookmarks_from_contact_refused(void **state)
{
    answer_account_info(false);
    answer_private_list(ALICE_FULL);
    expect_bookmark_refused();
}

/* Which kind the account keeps is for the account to say. */
/* The newest pubsub iq sent about the bookmarks node, or NULL (the login
 * also fetches other nodes, such as the displayed state of XEP-0490). */
static xmpp_stanza_t *sent_bookmarks_pubsub(void)
{
    xmpp_stanza_t *iq = ph_sent("iq", NULL, NS_PUBSUB);
    xmpp_stanza_t *ps = iq ? xmpp_stanza_get_child_by_ns(iq, NS_PUBSUB) : NULL;
    xmpp_stanza_t *op = ps ? xmpp_stanza_get_children(ps) : NULL;
    return op && !g_strcmp0(xmpp_stanza_get_attribute(op, "node"), NS_BOOKMARKS) ? iq : NULL;
}

static void test_account_info_from_contact_refused(void **state)
{
    ph_receive("<iq type='result' id='%s' from='" ALICE "'><query xmlns='" NS_DISCO_INFO "'>"
               "<feature var='" NS_BOOKMARKS "#compat'/></query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ME, NS_DISCO_INFO)));
    assert_null(sent_bookmarks_pubsub());
    assert_null(ph_sent("iq", NULL, "jabber:iq:private"));
}

/* A forged early answer must not make natter drop the real one. */
static void test_account_info_after_forged_answer(void **state)
{
    ph_receive("<iq type='result' id='%s' from='" ALICE "'><query xmlns='" NS_DISCO_INFO "'/></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ME, NS_DISCO_INFO)));
    answer_account_info(true);
    assert_non_null(ph_sent("iq", NULL, NS_PUBSUB));
}

static void test_bookmark_list_after_forged_answer(void **state)
{
    answer_account_info(true);
    answer_pep_list(ALICE, "<items node='" NS_BOOKMARKS "'/>");
    answer_pep_list(ME, ITEMS);
    expect_bookmark_taken();
}

static void test_private_bookmarks_after_forged_answer(void **state)
{
    answer_account_info(false);
    answer_private_list(ALICE_FULL);
    answer_private_list(NULL);
    expect_bookmark_taken();
}

/* ---------- presence (RFC 6121) ---------- */

static void test_presence_from_contact(void **state)
{
    ph_receive("<presence from='" ALICE_FULL "'><show>away</show></presence>");
    const ph_event *e = ph_last(EV_PRESENCE);
    assert_string_equal(e->peer, ALICE);
    assert_string_equal(e->nick, "laptop");
    assert_int_equal(roster_find(ALICE)->show, PRESENCE_AWAY);
}

/* Anyone can send presence from endless addresses: strangers are not kept. */
static void test_presence_from_stranger_not_kept(void **state)
{
    ph_receive("<presence from='" MALLORY_FULL "'/>");
    assert_no(EV_PRESENCE);
    assert_null(roster_find(MALLORY));
}

/* Our own account in our roster: its other devices are not a contact. */
static void test_presence_from_own_device_not_a_contact(void **state)
{
    push(NULL, "<item jid='" ME "' subscription='both'/>");
    assert_true(roster_find(ME)->in_roster);
    ph_receive("<presence from='" ME_PHONE "'/>");
    assert_no(EV_PRESENCE);
    assert_int_equal(roster_find(ME)->show, PRESENCE_OFFLINE);
}

/* ---------- our server's group chat service (XEP-0030) ---------- */

static void answer_items(const char *from, const char *item)
{
    ph_receive("<iq type='result' id='%s' from='%s'><query xmlns='" NS_DISCO_ITEMS "'>"
               "<item jid='%s'/></query></iq>",
               xmpp_stanza_get_id(ph_sent_iq("example.org", NS_DISCO_ITEMS)), from, item);
}

static void answer_service_info(const char *from)
{
    ph_receive("<iq type='result' id='%s' from='%s'><query xmlns='" NS_DISCO_INFO "'>"
               "<identity category='conference' type='text'/></query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(SERVICE, NS_DISCO_INFO)), from);
}

static void test_muc_service_from_own_server(void **state)
{
    answer_items("example.org", SERVICE);
    answer_service_info(SERVICE);
    assert_string_equal(nx_muc_service(), SERVICE);
}

/* Another server must not pick where "/join room" goes. */
static void test_muc_service_list_from_elsewhere_refused(void **state)
{
    answer_items("evil.example", "conference.evil.example");
    assert_null(ph_sent("iq", "conference.evil.example", NULL));
    assert_null(nx_muc_service());
}

static void test_muc_service_info_from_elsewhere_refused(void **state)
{
    answer_items("example.org", SERVICE);
    answer_service_info("conference.evil.example");
    assert_null(nx_muc_service());
}

static void test_muc_service_after_forged_answers(void **state)
{
    answer_items("evil.example", "conference.evil.example");
    answer_items("example.org", SERVICE);
    answer_service_info("conference.evil.example");
    answer_service_info(SERVICE);
    assert_string_equal(nx_muc_service(), SERVICE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ph_setup, ph_teardown)
#define T_SYNC(f) cmocka_unit_test_setup_teardown(f, ph_setup_catching_up, ph_teardown)
#define T_LOGIN(f) cmocka_unit_test_setup_teardown(f, ph_setup_connected, ph_teardown)
    const struct CMUnitTest tests[] = {
        T(test_roster_push_without_from),
        T(test_roster_push_from_own_bare_jid),
        T(test_roster_push_from_contact_refused),
        T(test_roster_push_from_other_resource_refused),
        T(test_roster_push_from_our_server_refused),
        T_LOGIN(test_roster_answer_from_stranger_ignored),
        T_SYNC(test_archive_result_for_our_query),
        T_SYNC(test_archive_result_unknown_queryid_refused),
        T_SYNC(test_archive_result_from_contact_refused),
        T_SYNC(test_archive_result_from_other_resource_refused),
        T_SYNC(test_archive_result_after_catch_up_refused),
        T_SYNC(test_archive_answer_from_contact_ignored),
        T(test_older_history_from_own_archive),
        T(test_older_history_from_contact_refused),
        T(test_older_history_answer_from_contact_ignored),
        T(test_bookmark_notification_from_own_account),
        T(test_bookmark_notification_from_contact_refused),
        T(test_bookmark_notification_from_other_resource_refused),
        T(test_bookmark_notification_without_from_refused),
        T(test_bookmark_notification_in_carbon_refused),
        T(test_bookmark_list_from_own_account),
        T(test_bookmark_list_from_contact_refused),
        T(test_private_bookmarks_from_own_account),
        T(test_private_bookmarks_from_contact_refused),
        T(test_account_info_from_contact_refused),
        T(test_account_info_after_forged_answer),
        T(test_bookmark_list_after_forged_answer),
        T(test_private_bookmarks_after_forged_answer),
        T(test_presence_from_contact),
        T(test_presence_from_stranger_not_kept),
        T(test_presence_from_own_device_not_a_contact),
        T(test_muc_service_from_own_server),
        T(test_muc_service_list_from_elsewhere_refused),
        T(test_muc_service_info_from_elsewhere_refused),
        T(test_muc_service_after_forged_answers),
        T(test_block_push_without_from),
        T(test_block_push_from_own_bare_jid),
        T(test_block_push_from_contact_refused),
        T(test_block_push_from_other_resource_refused),
        T(test_blocklist_answer_from_stranger_ignored),
        T(test_last_activity_only_for_contacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

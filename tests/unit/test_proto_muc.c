/* test_proto_muc.c - the trust rules of group chats (muc.c,
 * muc_message.c, and the room parts of message.c and mam.c): a room
 * speaks only for itself, and only a room natter joined is heard; its
 * time stamps, stanza ids and occupant ids count only when the room
 * itself vouches for them; its archive answers only our query; and who
 * is shown as inviting us.
 *
 * As for one-to-one chats, whether an occupant's correction or retraction
 * may change a message is the history store's decision (author keys,
 * store_correct_checked; tests/unit/test_store.c): here, that the events
 * carry the occupant the room named, with the occupant id only when the
 * room vouches for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"

#define ROOM2 "other@" SERVICE
#define UNKNOWN_ROOM "unknown@" SERVICE
#define NS_MODERATE "urn:xmpp:message-moderate:1"
#define NS_SID "urn:xmpp:sid:0"

static const char *const plain[] = {NULL};
static const char *const with_occupant_id[] = {NS_OCCUPANT_ID, NULL};
static const char *const with_mam[] = {NS_MAM, NULL};
static const char *const with_stanza_id[] = {NS_SID, NULL};

/* A group chat message from FROM with EXTRA inside (string literals). */
#define GROUPCHAT(from, extra)                                                                     \
    "<message from='" from "' to='" ME_FULL "' type='groupchat' id='g1'>" extra "</message>"
#define GROUPCHAT_ID(from, id, extra)                                                              \
    "<message from='" from "' to='" ME_FULL "' type='groupchat' id='" id "'>" extra "</message>"
#define BODY "<body>hello</body>"
#define OCCUPANT_ID "<occupant-id xmlns='" NS_OCCUPANT_ID "' id='oid-alice'/>"

static void assert_no(event_type type)
{
    assert_int_equal(ph_count(type), 0);
}

/* ---------- messages ---------- */

static void test_room_message_from_joined_room(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(GROUPCHAT(ROOM "/alice", BODY));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->groupchat);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->from, ROOM "/alice");
    assert_false(e->outgoing);
    ph_receive(GROUPCHAT(ROOM "/me", BODY));
    assert_true(ph_last(EV_MESSAGE)->outgoing);
}

static void test_room_message_from_unknown_room_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(GROUPCHAT(UNKNOWN_ROOM "/alice", BODY));
    assert_no(EV_MESSAGE);
    assert_null(muc_room_find(UNKNOWN_ROOM));
}

/* Discussion history: the room dates what it replays. */
static void test_room_delay_from_room(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(GROUPCHAT(ROOM "/alice",
                         BODY "<delay xmlns='" NS_DELAY "' from='" ROOM "' stamp='" STAMP "'/>"));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->delayed);
    assert_int_equal(e->timestamp, STAMP_T);
}

/* An occupant's own stamp would let it backdate what it says. */
static void test_room_delay_from_occupant_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    time_t before = time(NULL);
    ph_receive(GROUPCHAT(ROOM "/alice", BODY "<delay xmlns='" NS_DELAY "' from='" ROOM
                                             "/alice' stamp='" STAMP "'/>"));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_false(e->delayed);
    assert_true(e->timestamp >= before);
}

static void test_room_delay_from_elsewhere_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    time_t before = time(NULL);
    ph_receive(GROUPCHAT(ROOM "/alice",
                         BODY "<delay xmlns='" NS_DELAY "' from='" ALICE "' stamp='" STAMP "'/>"));
    assert_false(ph_last(EV_MESSAGE)->delayed);
    ph_receive(GROUPCHAT(ROOM "/alice", BODY "<delay xmlns='" NS_DELAY "' stamp='" STAMP "'/>"));
    assert_false(ph_last(EV_MESSAGE)->delayed);
    assert_true(ph_last(EV_MESSAGE)->timestamp >= before);
}

/* ---------- occupant ids (XEP-0421) ---------- */

static void test_occupant_id_when_room_advertises_it(void **state)
{
    ph_join(ROOM, "me", with_occupant_id);
    ph_receive("<presence from='" ROOM "/alice'>" OCCUPANT_ID "</presence>");
    assert_string_equal(muc_occupant_find(muc_room_find(ROOM), "alice")->occupant_id, "oid-alice");
    ph_receive(GROUPCHAT(ROOM "/alice", BODY OCCUPANT_ID));
    assert_string_equal(ph_last(EV_MESSAGE)->occupant_id, "oid-alice");
}

/* Without the room's word, the id is whatever the occupant wrote. */
static void test_occupant_id_not_advertised_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive("<presence from='" ROOM "/alice'>" OCCUPANT_ID "</presence>");
    assert_null(muc_occupant_find(muc_room_find(ROOM), "alice")->occupant_id);
    ph_receive(GROUPCHAT(ROOM "/alice", BODY OCCUPANT_ID));
    assert_null(ph_last(EV_MESSAGE)->occupant_id);
}

/* ... and an occupant's forged answer does not hide the room's own. */
static void test_room_features_after_forged_answer(void **state)
{
    char *err = NULL;
    assert_true(nx_muc_join(ROOM, "me", NULL, &err));
    const char *id = xmpp_stanza_get_id(ph_sent_iq(ROOM, NS_DISCO_INFO));
    ph_receive("<iq type='result' from='" ROOM "/mallory' id='%s'>"
               "<query xmlns='" NS_DISCO_INFO "'/></iq>",
               id);
    ph_receive("<iq type='result' from='" ROOM "' id='%s'>"
               "<query xmlns='" NS_DISCO_INFO "'><feature var='" NS_OCCUPANT_ID "'/></query></iq>",
               id);
    assert_true(muc_room_find(ROOM)->has_occupant_id);
}

/* The features are the room's to tell, not an occupant's. */
static void test_room_features_from_occupant_refused(void **state)
{
    char *err = NULL;
    assert_true(nx_muc_join(ROOM, "me", NULL, &err));
    ph_receive("<iq type='result' from='" ROOM "/mallory' id='%s'>"
               "<query xmlns='" NS_DISCO_INFO "'><feature var='" NS_OCCUPANT_ID "'/></query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ROOM, NS_DISCO_INFO)));
    ph_receive("<presence from='" ROOM "/me'><x xmlns='" NS_MUC_USER "'>"
               "<status code='110'/></x></presence>");
    assert_int_equal(muc_room_find(ROOM)->state, MUC_STATE_JOINED);
    assert_false(muc_room_find(ROOM)->has_occupant_id);
    ph_receive(GROUPCHAT(ROOM "/alice", BODY OCCUPANT_ID));
    assert_null(ph_last(EV_MESSAGE)->occupant_id);
}

/* ---------- stanza ids (XEP-0359) ---------- */

static void test_room_stanza_id_by_room(void **state)
{
    ph_join(ROOM, "me", with_stanza_id);
    ph_receive(
        GROUPCHAT(ROOM "/alice", BODY "<stanza-id xmlns='" NS_SID "' by='" ROOM "' id='r1'/>"));
    assert_string_equal(ph_last(EV_MESSAGE)->stanza_id, "r1");
}

/* XEP-0359: a room that does not announce stanza-ids does not strip an
 * occupant's forged one 'by' the room. */
static void test_room_stanza_id_not_announced_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(
        GROUPCHAT(ROOM "/alice", BODY "<stanza-id xmlns='" NS_SID "' by='" ROOM "' id='r1'/>"));
    assert_null(ph_last(EV_MESSAGE)->stanza_id);
}

static void test_room_stanza_id_by_others_refused(void **state)
{
    ph_join(ROOM, "me", with_stanza_id);
    ph_receive(GROUPCHAT(ROOM "/alice",
                         BODY "<stanza-id xmlns='" NS_SID "' by='" ROOM "/alice' id='forged'/>"));
    assert_null(ph_last(EV_MESSAGE)->stanza_id);
    ph_receive(
        GROUPCHAT(ROOM "/alice", BODY "<stanza-id xmlns='" NS_SID "' by='" ME "' id='forged'/>"));
    assert_null(ph_last(EV_MESSAGE)->stanza_id);
}

/* ---------- corrections, retractions, moderation ---------- */

static void test_room_correction_and_retraction_carry_occupant(void **state)
{
    ph_join(ROOM, "me", with_occupant_id);
    ph_receive(GROUPCHAT(ROOM "/alice", "<body>fixed</body><replace xmlns='" NS_CORRECT
                                        "' id='orig'/>" OCCUPANT_ID));
    const ph_event *c = ph_last(EV_CORRECTION);
    assert_true(c->groupchat);
    assert_string_equal(c->peer, ROOM);
    assert_string_equal(c->from, ROOM "/alice");
    assert_string_equal(c->occupant_id, "oid-alice");
    assert_string_equal(c->ref_id, "orig");
    assert_false(c->outgoing);
    ph_receive(GROUPCHAT(ROOM "/me", "<retract xmlns='" NS_RETRACT "' id='mine'/>"));
    const ph_event *r = ph_last(EV_RETRACTION);
    assert_true(r->groupchat);
    assert_string_equal(r->from, ROOM "/me");
    assert_true(r->outgoing);
    assert_false(r->moderation);
    assert_no(EV_MESSAGE);
}

#define MODERATED                                                                                  \
    "<retract xmlns='" NS_RETRACT "' id='sid-9'><moderated xmlns='" NS_MODERATE "' by='" ROOM      \
    "/mod'/><reason>spam</reason></retract>"

static void test_moderation_by_room(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(GROUPCHAT(ROOM, MODERATED));
    const ph_event *e = ph_last(EV_RETRACTION);
    assert_true(e->moderation);
    assert_string_equal(e->moderator, "mod");
    assert_string_equal(e->ref_id, "sid-9");
    assert_string_equal(e->reason, "spam");
}

/* An occupant claiming moderation retracts, at most, its own message: in a
 * room without occupant ids, one it sent since it joined. */
static void test_moderation_claimed_by_occupant_refused(void **state)
{
    ph_join(ROOM, "me", with_stanza_id);
    ph_receive(GROUPCHAT(ROOM "/mallory", MODERATED));
    assert_no(EV_RETRACTION);
    ph_receive(GROUPCHAT(ROOM "/mallory",
                         BODY "<stanza-id xmlns='" NS_SID "' by='" ROOM "' id='sid-9'/>"));
    ph_receive(GROUPCHAT(ROOM "/mallory", MODERATED));
    const ph_event *e = ph_last(EV_RETRACTION);
    assert_false(e->moderation);
    assert_string_equal(e->from, ROOM "/mallory");
}

#define OCCUPANT_PRESENCE(nick, type)                                                              \
    "<presence from='" ROOM "/" nick "'" type "><x xmlns='" NS_MUC_USER "'>"                       \
    "<item affiliation='none' role='participant'/></x></presence>"

/* XEP-0308 in a room that vouches for nobody: a correction applies only to a
 * message the corrector sent since its current join; else its text is a
 * message of its own (whoever has the nick now may not be who wrote it). */
static void test_room_correction_only_since_join(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive(OCCUPANT_PRESENCE("bob", ""));
    ph_receive(GROUPCHAT(ROOM "/bob", BODY));
    ph_receive(GROUPCHAT_ID(ROOM "/bob", "c1",
                            "<body>fixed</body><replace xmlns='" NS_CORRECT "' id='g1'/>"));
    assert_string_equal(ph_last(EV_CORRECTION)->ref_id, "g1");
    assert_int_equal(ph_count(EV_MESSAGE), 1);
    ph_receive(OCCUPANT_PRESENCE("bob", " type='unavailable'"));
    ph_receive(OCCUPANT_PRESENCE("bob", ""));
    ph_receive(GROUPCHAT_ID(ROOM "/bob", "c2",
                            "<body>rewritten</body><replace xmlns='" NS_CORRECT "' id='g1'/>"));
    assert_int_equal(ph_count(EV_CORRECTION), 1);
    assert_int_equal(ph_count(EV_MESSAGE), 2);
    assert_string_equal(ph_last(EV_MESSAGE)->body, "rewritten");
    ph_receive(GROUPCHAT_ID(ROOM "/bob", "r1", "<retract xmlns='" NS_RETRACT "' id='g1'/>"));
    assert_no(EV_RETRACTION);
}

/* ---------- copies are not the room ---------- */

static void test_room_message_in_carbon_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive_carbon(ME, "received", GROUPCHAT(ROOM "/alice", BODY));
    assert_no(EV_MESSAGE);
}

/* Our account's archive does not speak for rooms (the room's does). */
static void test_room_message_in_own_archive_refused(void **state)
{
    char *qid = g_strdup(ph_mam_queryid(NULL));
    ph_join(ROOM, "me", plain);
    ph_receive_result(NULL, qid, "a1", GROUPCHAT(ROOM "/alice", BODY));
    assert_no(EV_MESSAGE);
    g_free(qid);
}

/* ---------- presence ---------- */

static void test_presence_from_joined_room(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive("<presence from='" ROOM "/alice'><x xmlns='" NS_MUC_USER "'>"
               "<item affiliation='member' role='participant' jid='" ALICE_FULL "'/></x>"
               "</presence>");
    const ph_event *e = ph_last(EV_MUC_OCCUPANT);
    assert_int_equal(e->kind, OCC_JOINED);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->nick, "alice");
    assert_string_equal(muc_occupant_find(muc_room_find(ROOM), "alice")->jid, ALICE_FULL);
}

static void test_presence_from_unknown_room_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    ph_receive("<presence from='" UNKNOWN_ROOM "/alice'><x xmlns='" NS_MUC_USER "'>"
               "<item affiliation='member' role='participant'/></x></presence>");
    assert_no(EV_MUC_OCCUPANT);
    assert_null(muc_room_find(UNKNOWN_ROOM));
}

static void test_presence_from_left_room_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    char *err = NULL;
    assert_true(nx_muc_leave(ROOM, NULL, &err));
    ph_receive("<presence from='" ROOM "/me' type='unavailable'><x xmlns='" NS_MUC_USER "'>"
               "<status code='110'/></x></presence>");
    assert_int_equal(muc_room_find(ROOM)->state, MUC_STATE_LEFT);
    ph_forget();
    ph_receive("<presence from='" ROOM "/bob'><x xmlns='" NS_MUC_USER "'>"
               "<item affiliation='member' role='participant'/></x></presence>");
    assert_no(EV_MUC_OCCUPANT);
    assert_null(muc_occupant_find(muc_room_find(ROOM), "bob"));
}

/* ---------- the room's archive: the sync on join ---------- */

#define OLD_FROM(room) GROUPCHAT(room "/alice", "<body>old</body>")

static void test_room_archive_for_our_query(void **state)
{
    ph_join(ROOM, "me", with_mam);
    ph_receive_result(ROOM, ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM));
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->groupchat);
    assert_true(e->from_archive);
    assert_string_equal(e->from, ROOM "/alice");
    assert_string_equal(e->stanza_id, "r1");
    assert_int_equal(e->timestamp, STAMP_T);
}

static void test_room_archive_unknown_queryid_refused(void **state)
{
    ph_join(ROOM, "me", with_mam);
    ph_receive_result(ROOM, "not-ours", "r1", OLD_FROM(ROOM));
    assert_no(EV_MESSAGE);
}

static void test_room_archive_from_occupant_refused(void **state)
{
    ph_join(ROOM, "me", with_mam);
    ph_receive_result(ROOM "/mallory", ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM));
    assert_no(EV_MESSAGE);
}

/* A room's archive holds that room's messages only. */
static void test_room_archive_of_other_room_refused(void **state)
{
    ph_join(ROOM2, "me", plain);
    ph_join(ROOM, "me", with_mam);
    ph_receive_result(ROOM, ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM2));
    assert_no(EV_MESSAGE);
}

/* Only the room ends its archive sync. */
static void test_room_archive_answer_from_occupant_ignored(void **state)
{
    ph_join(ROOM, "me", with_mam);
    ph_receive(GROUPCHAT(ROOM "/alice", "<subject>topic</subject>"));
    ph_receive("<iq type='result' from='" ROOM "/mallory' id='%s'>"
               "<fin xmlns='" NS_MAM "' complete='true'/></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ROOM, NS_MAM)));
    assert_int_equal(ph_count_kind(EV_MUC_ROOM, MUC_EV_SYNCED), 0);
    assert_true(nx_muc_proto(ROOM)->syncing);
}

/* ---------- the join presence ---------- */

/* The maxstanzas the join presence asked for. */
static const char *join_maxstanzas(void)
{
    xmpp_stanza_t *pres = ph_sent("presence", ROOM "/me", NS_MUC);
    assert_non_null(pres);
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(pres, NS_MUC);
    xmpp_stanza_t *hist = x ? xmpp_stanza_get_child_by_name(x, "history") : NULL;
    assert_non_null(hist);
    return xmpp_stanza_get_attribute(hist, "maxstanzas");
}

/* A room with an archive: no discussion history, the archive brings it. */
static void test_join_with_archive_asks_no_discussion_history(void **state)
{
    ph_join(ROOM, "me", with_mam);
    assert_string_equal(join_maxstanzas(), "0");
}

/* Without an archive the discussion history is all there is. */
static void test_join_without_archive_asks_discussion_history(void **state)
{
    ph_join(ROOM, "me", plain);
    assert_string_not_equal(join_maxstanzas(), "0");
}

/* ---------- the room's archive: older history ---------- */

static xmpp_stanza_t *fetch_older(void)
{
    char *err = NULL;
    assert_true(nx_mam_fetch_before(ROOM, "r9", 0, 20, &err));
    assert_null(err);
    return ph_sent_iq(ROOM, NS_MAM);
}

static void answer_page(xmpp_stanza_t *iq)
{
    ph_receive("<iq type='result' from='" ROOM "' id='%s'><fin xmlns='" NS_MAM "' complete='true'/>"
               "</iq>",
               xmpp_stanza_get_id(iq));
}

static void test_room_older_history_from_room(void **state)
{
    ph_join(ROOM, "me", plain);
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(ROOM, ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM));
    answer_page(iq);
    const ph_event *e = ph_last(EV_MESSAGE);
    assert_true(e->backfill);
    assert_true(e->groupchat);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->stanza_id, "r1");
    assert_int_equal(ph_last(EV_ARCHIVE_SYNC)->count, 1);
}

/* The room keeps its archive; our server does not answer for it. */
static void test_room_older_history_from_own_account_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(ME, ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM));
    ph_receive_result(NULL, ph_mam_queryid(ROOM), "r2", OLD_FROM(ROOM));
    answer_page(iq);
    assert_no(EV_MESSAGE);
}

static void test_room_older_history_from_occupant_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(ROOM "/mallory", ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM));
    answer_page(iq);
    assert_no(EV_MESSAGE);
}

static void test_room_older_history_of_other_room_refused(void **state)
{
    ph_join(ROOM2, "me", plain);
    ph_join(ROOM, "me", plain);
    xmpp_stanza_t *iq = fetch_older();
    ph_receive_result(ROOM, ph_mam_queryid(ROOM), "r1", OLD_FROM(ROOM2));
    answer_page(iq);
    assert_no(EV_MESSAGE);
}

/* ---------- the configuration form (XEP-0045 10.2) ---------- */

#define ROOMNAME "muc#roomconfig_roomname"

static void answer_config(const char *from)
{
    char *err = NULL;
    assert_true(nx_muc_config_request(ROOM, &err));
    ph_receive("<iq type='result' from='%s' id='%s'><query xmlns='" NS_MUC_OWNER "'>"
               "<x xmlns='" NS_DATA "' type='form'>"
               "<field var='" ROOMNAME "' type='text-single'><value>Room</value></field>"
               "</x></query></iq>",
               from, xmpp_stanza_get_id(ph_sent_iq(ROOM, NS_MUC_OWNER)));
}

static void test_config_form_from_room(void **state)
{
    ph_join(ROOM, "me", plain);
    answer_config(ROOM);
    char *err = NULL;
    assert_true(nx_muc_config_set(ROOM, ROOMNAME, "Our room", &err));
    assert_null(err);
}

/* An occupant must not put a form of its own before the user. */
static void test_config_form_from_occupant_refused(void **state)
{
    ph_join(ROOM, "me", plain);
    answer_config(ROOM "/mallory");
    char *err = NULL;
    assert_false(nx_muc_config_set(ROOM, ROOMNAME, "Our room", &err));
    assert_non_null(err);
    g_free(err);
}

/* ---------- invitations ---------- */

#define DIRECT_INVITE                                                                              \
    "<message from='" ALICE_FULL "' to='" ME_FULL "'><x xmlns='" NS_CONFERENCE "' jid='" ROOM      \
    "' reason='come'/></message>"

static void test_direct_invite(void **state)
{
    ph_receive(DIRECT_INVITE);
    const ph_event *e = ph_last(EV_MUC_INVITE);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->from, ALICE_FULL);
    assert_string_equal(e->reason, "come");
    assert_false(e->mediated);
}

/* Copies of old invitations do not ask again. */
static void test_direct_invite_in_carbon_refused(void **state)
{
    ph_receive_carbon(ME, "received", DIRECT_INVITE);
    assert_no(EV_MUC_INVITE);
}

static void test_direct_invite_from_archive_refused(void **state)
{
    ph_receive_result(NULL, ph_mam_queryid(NULL), "a1", DIRECT_INVITE);
    assert_no(EV_MUC_INVITE);
}

/* The room relays it: it says who invites (and adds an old-style copy). */
static void test_mediated_invite_from_room(void **state)
{
    ph_receive("<message from='" ROOM "' to='" ME_FULL "'><x xmlns='" NS_MUC_USER "'>"
               "<invite from='" ALICE_FULL "'><reason>come</reason></invite>"
               "<password>pw</password></x>"
               "<x xmlns='" NS_CONFERENCE "' jid='" ROOM "'/></message>");
    assert_int_equal(ph_count(EV_MUC_INVITE), 1);
    const ph_event *e = ph_last(EV_MUC_INVITE);
    assert_string_equal(e->peer, ROOM);
    assert_string_equal(e->from, ALICE_FULL);
    assert_string_equal(e->reason, "come");
    assert_true(e->mediated);
    assert_false(e->declined);
}

static void test_mediated_invite_without_inviter(void **state)
{
    ph_receive("<message from='" ROOM "' to='" ME_FULL "'><x xmlns='" NS_MUC_USER "'>"
               "<invite/></x></message>");
    const ph_event *e = ph_last(EV_MUC_INVITE);
    assert_string_equal(e->from, ROOM);
    assert_true(e->mediated);
}

static void test_mediated_decline(void **state)
{
    ph_receive("<message from='" ROOM "' to='" ME_FULL "'><x xmlns='" NS_MUC_USER "'>"
               "<decline from='" ALICE_FULL "'/></x></message>");
    const ph_event *e = ph_last(EV_MUC_INVITE);
    assert_string_equal(e->from, ALICE_FULL);
    assert_true(e->declined);
}

/* Alice cannot relay an invitation "from Bob": only a room relays. */
static void test_mediated_invite_from_full_jid_refused(void **state)
{
    ph_receive("<message from='" ALICE_FULL "' to='" ME_FULL "'><x xmlns='" NS_MUC_USER "'>"
               "<invite from='bob@example.org'/></x></message>");
    assert_no(EV_MUC_INVITE);
}

static void test_mediated_invite_from_server_refused(void **state)
{
    ph_receive("<message from='evil.example' to='" ME_FULL "'><x xmlns='" NS_MUC_USER "'>"
               "<invite from='bob@example.org'/></x></message>");
    assert_no(EV_MUC_INVITE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ph_setup, ph_teardown)
#define T_SYNC(f) cmocka_unit_test_setup_teardown(f, ph_setup_catching_up, ph_teardown)
    const struct CMUnitTest tests[] = {
        T(test_room_message_from_joined_room),
        T(test_room_message_from_unknown_room_refused),
        T(test_room_delay_from_room),
        T(test_room_delay_from_occupant_refused),
        T(test_room_delay_from_elsewhere_refused),
        T(test_occupant_id_when_room_advertises_it),
        T(test_occupant_id_not_advertised_refused),
        T(test_room_features_from_occupant_refused),
        T(test_room_features_after_forged_answer),
        T(test_room_stanza_id_by_room),
        T(test_room_stanza_id_not_announced_refused),
        T(test_room_stanza_id_by_others_refused),
        T(test_room_correction_and_retraction_carry_occupant),
        T(test_moderation_by_room),
        T(test_moderation_claimed_by_occupant_refused),
        T(test_room_correction_only_since_join),
        T(test_room_message_in_carbon_refused),
        T_SYNC(test_room_message_in_own_archive_refused),
        T(test_presence_from_joined_room),
        T(test_presence_from_unknown_room_refused),
        T(test_presence_from_left_room_refused),
        T(test_room_archive_for_our_query),
        T(test_room_archive_unknown_queryid_refused),
        T(test_room_archive_from_occupant_refused),
        T(test_room_archive_of_other_room_refused),
        T(test_room_archive_answer_from_occupant_ignored),
        T(test_join_with_archive_asks_no_discussion_history),
        T(test_join_without_archive_asks_discussion_history),
        T(test_room_older_history_from_room),
        T(test_room_older_history_from_own_account_refused),
        T(test_room_older_history_from_occupant_refused),
        T(test_room_older_history_of_other_room_refused),
        T(test_config_form_from_room),
        T(test_config_form_from_occupant_refused),
        T(test_direct_invite),
        T(test_direct_invite_in_carbon_refused),
        T_SYNC(test_direct_invite_from_archive_refused),
        T(test_mediated_invite_from_room),
        T(test_mediated_invite_without_inviter),
        T(test_mediated_decline),
        T(test_mediated_invite_from_full_jid_refused),
        T(test_mediated_invite_from_server_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_react.c - replies (XEP-0461, reply.c) and reactions
 * (XEP-0444, reaction.c) as message.c and muc_message.c read them: the
 * fallback quote is taken out only where the sender marked it, a reaction
 * names its reactor as the server stamped it (the sender's conversation in
 * one-to-one chats, the occupant in rooms, never a room speaking for
 * itself), and what natter sends carries the right ids and fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"
#include "xmpp/xmpp.h"

#define NS_FB "urn:xmpp:fallback:0"
#define CHAT(from, extra)                                                                          \
    "<message from='" from "' to='" ME_FULL "' type='chat' id='m2'>" extra "</message>"
#define GROUPCHAT(from, extra)                                                                     \
    "<message from='" from "' to='" ME_FULL "' type='groupchat' id='g1'>" extra "</message>"
#define REPLY_EL "<reply xmlns='" NS_REPLY "' id='m1' to='" ALICE_FULL "'/>"
#define QUOTE_BODY "<body>&gt; Anna wrote:\n&gt; We should bake a cake\nGreat idea!</body>"
#define FB(range) "<fallback xmlns='" NS_FB "' for='" NS_REPLY "'>" range "</fallback>"
#define REACT(id, inner) "<reactions xmlns='" NS_REACTIONS "' id='" id "'>" inner "</reactions>"

/* What the tests read of the events, copied. */
static char *reply_id, *reply_to, *body;
static char *r_peer, *r_from, *r_target, *r_occupant, *r_set;
static unsigned reactions;
static bool r_outgoing, r_groupchat;

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    g_free(reply_id);
    g_free(reply_to);
    g_free(body);
    reply_id = g_strdup(ev->reply_id);
    reply_to = g_strdup(ev->reply_to);
    body = g_strdup(ev->body);
}

static void on_reaction(event_type t, const void *p, void *ud)
{
    const ev_reaction *ev = p;
    reactions++;
    g_free(r_peer);
    g_free(r_from);
    g_free(r_target);
    g_free(r_occupant);
    g_free(r_set);
    r_peer = g_strdup(ev->peer);
    r_from = g_strdup(ev->from);
    r_target = g_strdup(ev->target);
    r_occupant = g_strdup(ev->occupant_id);
    GString *set = g_string_new(NULL);
    for (unsigned i = 0; i < ev->n; i++)
        g_string_append_printf(set, "%s%s", i ? " " : "", ev->emojis[i]);
    r_set = g_string_free(set, FALSE);
    r_outgoing = ev->outgoing;
    r_groupchat = ev->groupchat;
}

static void clear(void)
{
    g_clear_pointer(&reply_id, g_free);
    g_clear_pointer(&reply_to, g_free);
    g_clear_pointer(&body, g_free);
    g_clear_pointer(&r_peer, g_free);
    g_clear_pointer(&r_from, g_free);
    g_clear_pointer(&r_target, g_free);
    g_clear_pointer(&r_occupant, g_free);
    g_clear_pointer(&r_set, g_free);
    reactions = 0;
}

static int setup(void **state)
{
    int rc = ph_setup(state);
    event_subscribe(EV_MESSAGE, EV_STAGE_CONTROL, on_message, NULL);
    event_subscribe(EV_REACTION, EV_STAGE_CONTROL, on_reaction, NULL);
    clear();
    return rc;
}

static int teardown(void **state)
{
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_REACTION, on_reaction, NULL);
    clear();
    return ph_teardown(state);
}

/* ---------- replies ---------- */

static void test_reply_fallback_stripped(void **state)
{
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY REPLY_EL FB("<body start='0' end='38'/>")));
    assert_string_equal(reply_id, "m1");
    assert_string_equal(reply_to, ALICE_FULL);
    assert_string_equal(body, "Great idea!");
}

/* Without a fallback element the quote is text the sender wrote. */
static void test_reply_without_fallback_keeps_body(void **state)
{
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY REPLY_EL));
    assert_string_equal(reply_id, "m1");
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
}

/* A fallback for something else, or without a reply, hides nothing. */
static void test_fallback_for_other_or_no_reply(void **state)
{
    ph_receive(CHAT(ALICE_FULL,
                    QUOTE_BODY REPLY_EL "<fallback xmlns='" NS_FB "' for='urn:example:other'>"
                                        "<body start='0' end='38'/></fallback>"));
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY FB("<body start='0' end='38'/>")));
    assert_null(reply_id);
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
}

/* A range past the end, or a fallback covering everything: the text as
 * sent (never an empty message). */
static void test_reply_bad_ranges(void **state)
{
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY REPLY_EL FB("<body start='0' end='500'/>")));
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY REPLY_EL FB("")));
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
    ph_receive(CHAT(ALICE_FULL, QUOTE_BODY REPLY_EL FB("<body start='x' end='38'/>")));
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
}

static void test_reply_without_id_is_no_reply(void **state)
{
    ph_receive(CHAT(ALICE_FULL,
                    QUOTE_BODY "<reply xmlns='" NS_REPLY "'/>" FB("<body start='0' end='38'/>")));
    assert_null(reply_id);
    assert_string_equal(body, "> Anna wrote:\n> We should bake a cake\nGreat idea!");
}

static void test_reply_in_room(void **state)
{
    ph_join(ROOM, "me", NULL);
    ph_receive(GROUPCHAT(ROOM "/alice",
                         QUOTE_BODY "<reply xmlns='" NS_REPLY "' id='sid-1' to='" ROOM
                                    "/bob'/>" FB("<body start='0' end='38'/>")));
    assert_string_equal(reply_id, "sid-1");
    assert_string_equal(reply_to, ROOM "/bob");
    assert_string_equal(body, "Great idea!");
}

/* What /reply sends: the reply, the quote marked in code points. */
static void test_send_reply(void **state)
{
    char *err = NULL;
    assert_true(nx_send_reply(ALICE, "m1", ALICE_FULL, "> h\u00e9\n", "yes", &err));
    assert_null(err);
    assert_string_equal(body, "yes"); /* shown and stored without the quote */
    assert_string_equal(reply_id, "m1");
    xmpp_stanza_t *m = ph_sent("message", ALICE, NS_REPLY);
    assert_non_null(m);
    char *text = xmpp_message_get_body(m);
    assert_string_equal(text, "> h\u00e9\nyes");
    xmpp_free(nx_ctx(), text);
    xmpp_stanza_t *r = xmpp_stanza_get_child_by_ns(m, NS_REPLY);
    assert_string_equal(xmpp_stanza_get_attribute(r, "id"), "m1");
    assert_string_equal(xmpp_stanza_get_attribute(r, "to"), ALICE_FULL);
    xmpp_stanza_t *fb = xmpp_stanza_get_child_by_ns(m, NS_FB);
    assert_string_equal(xmpp_stanza_get_attribute(fb, "for"), NS_REPLY);
    xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(fb, "body");
    assert_string_equal(xmpp_stanza_get_attribute(b, "start"), "0");
    assert_string_equal(xmpp_stanza_get_attribute(b, "end"), "5"); /* not 6 bytes */
}

/* ---------- reactions ---------- */

static void test_reaction_from_contact(void **state)
{
    ph_receive(CHAT(ALICE_FULL, REACT("m1", "<reaction>\U0001F44D</reaction>"
                                            "<reaction>\u2764\ufe0f</reaction>"
                                            "<reaction>\U0001F44D</reaction>")));
    assert_int_equal(reactions, 1);
    assert_string_equal(r_peer, ALICE);
    assert_string_equal(r_from, ALICE_FULL);
    assert_string_equal(r_target, "m1");
    assert_string_equal(r_set, "\U0001F44D \u2764\ufe0f"); /* the duplicate once */
    assert_false(r_outgoing);
    assert_false(r_groupchat);
    assert_null(body); /* not a message */
}

/* A stranger's reaction lands in the stranger's own conversation: it can
 * never count on a message of ALICE's, whatever id it names. */
static void test_reaction_counts_in_senders_conversation(void **state)
{
    ph_receive(CHAT(MALLORY_FULL, REACT("m1", "<reaction>x</reaction>")));
    if (reactions)
        assert_string_equal(r_peer, MALLORY);
}

/* Empty: all removed. Bad reactions are skipped, not the set. */
static void test_reaction_empty_and_bad(void **state)
{
    ph_receive(CHAT(ALICE_FULL, REACT("m1", "")));
    assert_int_equal(reactions, 1);
    assert_string_equal(r_set, "");
    ph_receive(CHAT(ALICE_FULL, REACT("m1", "<reaction>a\nb</reaction><reaction></reaction>"
                                            "<reaction>\u202e</reaction><reaction>ok</reaction>")));
    assert_string_equal(r_set, "ok");
    /* No id: no message to apply it to. */
    ph_receive("<message from='" ALICE_FULL "' type='chat'><reactions xmlns='" NS_REACTIONS
               "'><reaction>x</reaction></reactions></message>");
    assert_int_equal(reactions, 2);
}

/* Our own reaction from another device (a carbon) is ours. */
static void test_reaction_carbon_is_outgoing(void **state)
{
    ph_receive_carbon(ME, "sent",
                      "<message from='" ME_PHONE "' to='" ALICE_FULL "' type='chat' id='x'>" REACT(
                          "m1", "<reaction>\U0001F44D</reaction>") "</message>");
    assert_int_equal(reactions, 1);
    assert_string_equal(r_peer, ALICE);
    assert_true(r_outgoing);
}

static void test_reaction_in_room(void **state)
{
    static const char *const oid[] = {NS_OCCUPANT_ID, NULL};
    ph_join(ROOM, "me", oid);
    ph_receive(GROUPCHAT(
        ROOM "/alice",
        REACT("sid-1", "<reaction>\U0001F44D</reaction>") "<occupant-id xmlns='" NS_OCCUPANT_ID
                                                          "' id='oid-alice'/>"));
    assert_int_equal(reactions, 1);
    assert_string_equal(r_peer, ROOM);
    assert_string_equal(r_from, ROOM "/alice");
    assert_string_equal(r_occupant, "oid-alice");
    assert_true(r_groupchat);
    /* Our reflection. */
    ph_receive(GROUPCHAT(ROOM "/me", REACT("sid-1", "<reaction>\U0001F44D</reaction>")));
    assert_true(r_outgoing);
}

/* The room itself (no nick) reacts for nobody. */
static void test_room_cannot_react(void **state)
{
    ph_join(ROOM, "me", NULL);
    ph_receive(GROUPCHAT(ROOM, REACT("sid-1", "<reaction>\U0001F44D</reaction>")));
    assert_int_equal(reactions, 0);
}

/* What /react sends: to the room with its stanza-id, a store hint, no body. */
static void test_send_reactions(void **state)
{
    ph_join(ROOM, "me", NULL);
    const char *set[] = {"\U0001F44D", "\u2764"};
    char *err = NULL;
    assert_true(nx_send_reactions(ROOM, "sid-1", set, 2, NULL, 0, &err));
    xmpp_stanza_t *m = ph_sent("message", ROOM, NS_REACTIONS);
    assert_non_null(m);
    assert_string_equal(xmpp_stanza_get_type(m), "groupchat");
    assert_null(xmpp_stanza_get_child_by_name(m, "body"));
    xmpp_stanza_t *rx = xmpp_stanza_get_child_by_ns(m, NS_REACTIONS);
    assert_string_equal(xmpp_stanza_get_attribute(rx, "id"), "sid-1");
    assert_int_equal(reactions, 0); /* rooms: counted when reflected */
    /* One-to-one: counted at once, as ours. */
    assert_true(nx_send_reactions(ALICE, "m1", set, 1, NULL, 0, &err));
    assert_int_equal(reactions, 1);
    assert_true(r_outgoing);
    assert_string_equal(r_peer, ALICE);
    assert_false(nx_send_reactions(ALICE, "m1", (const char *[]){"two words"}, 1, NULL, 0, &err));
    assert_non_null(err);
    g_free(err);
}

/* A room's restrictions (XEP-0444 3.2) are checked before sending. */
static void test_room_restrictions(void **state)
{
    ph_join(ROOM, "me", NULL);
    xmpp_stanza_t *q = xmpp_stanza_new_from_string(
        nx_ctx(), "<query xmlns='" NS_DISCO_INFO "'><feature var='" NS_REACTIONS "'/>"
                  "<x xmlns='jabber:x:data' type='result'>"
                  "<field var='FORM_TYPE' type='hidden'>"
                  "<value>urn:xmpp:reactions:0:restrictions</value></field>"
                  "<field var='max_reactions_per_user'><value>1</value></field>"
                  "<field var='allowlist'><value>\U0001F498</value><value>\u2764\ufe0f</value>"
                  "</field></x></query>");
    nx_reaction_room_info(ROOM, q);
    xmpp_stanza_release(q);
    char *err = NULL;
    const char *one[] = {"\U0001F498"}, *two[] = {"\U0001F498", "\u2764\ufe0f"},
               *other[] = {"\U0001F44D"};
    assert_true(nx_reactions_allowed(ROOM, one, 1, &err));
    assert_false(nx_reactions_allowed(ROOM, two, 2, &err));
    assert_non_null(strstr(err, "1 reaction per message"));
    g_clear_pointer(&err, g_free);
    assert_false(nx_reactions_allowed(ROOM, other, 1, &err));
    assert_non_null(strstr(err, "only these"));
    g_clear_pointer(&err, g_free);
    assert_false(nx_send_reactions(ROOM, "sid-1", other, 1, NULL, 0, &err));
    g_clear_pointer(&err, g_free);
    assert_null(ph_sent("message", ROOM, NS_REACTIONS));
    /* Elsewhere nothing is restricted. */
    assert_true(nx_reactions_allowed(ALICE, two, 2, &err));
}

/* A reaction that bounces (XEP-0444 4.3) is taken back: our set goes back
 * to what it was. Only the conversation it went to can bounce it. */
static void test_bounced_reaction_taken_back(void **state)
{
    const char *before[] = {"\u2764"}, *now[] = {"\u2764", "\U0001F44D"};
    char *err = NULL;
    assert_true(nx_send_reactions(ALICE, "m1", now, 2, before, 1, &err));
    xmpp_stanza_t *m = ph_sent("message", ALICE, NS_REACTIONS);
    char *id = g_strdup(xmpp_stanza_get_id(m));
    assert_int_equal(reactions, 1);
    assert_string_equal(r_set, "\u2764 \U0001F44D");
    /* A stranger bouncing it changes nothing. */
    ph_receive("<message from='" MALLORY_FULL "' type='error' id='%s'><error type='modify'>"
               "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
               id);
    assert_int_equal(reactions, 1);
    ph_forget();
    ph_receive("<message from='" ALICE "' type='error' id='%s'><error type='modify'>"
               "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
               id);
    assert_int_equal(reactions, 2);
    assert_true(r_outgoing);
    assert_string_equal(r_target, "m1");
    assert_string_equal(r_set, "\u2764");
    assert_int_equal(ph_count(EV_MESSAGE_ERROR), 0); /* told as a reaction, not a message */
    /* Only once. */
    ph_receive("<message from='" ALICE "' type='error' id='%s'><error type='modify'>"
               "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
               id);
    assert_int_equal(reactions, 2);
    g_free(id);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_reply_fallback_stripped),
        T(test_reply_without_fallback_keeps_body),
        T(test_fallback_for_other_or_no_reply),
        T(test_reply_bad_ranges),
        T(test_reply_without_id_is_no_reply),
        T(test_reply_in_room),
        T(test_send_reply),
        T(test_reaction_from_contact),
        T(test_reaction_counts_in_senders_conversation),
        T(test_reaction_empty_and_bad),
        T(test_reaction_carbon_is_outgoing),
        T(test_reaction_in_room),
        T(test_room_cannot_react),
        T(test_send_reactions),
        T(test_room_restrictions),
        T(test_bounced_reaction_taken_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_conversation.c - per-conversation state kept from events: unread
 * counts and pending invitations (model/conversation.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "core/event.h"
#include "model/conversation.h"

static int setup(void **state)
{
    conv_init();
    return 0;
}

static int teardown(void **state)
{
    conv_deinit();
    event_deinit();
    return 0;
}

static void message(const char *peer, bool outgoing, bool backfill, bool duplicate)
{
    ev_result res = {.duplicate = duplicate};
    ev_message ev = {.peer = peer,
                     .from = peer,
                     .body = "hi",
                     .outgoing = outgoing,
                     .backfill = backfill,
                     .result = &res};
    event_emit(EV_MESSAGE, &ev);
}

static void test_unread(void **state)
{
    message("alice@example.org", false, false, false);
    message("alice@example.org", false, false, false);
    message("alice@example.org", true, false, false); /* our own */
    message("alice@example.org", false, true, false); /* older history */
    message("alice@example.org", false, false, true); /* seen before */
    message("lounge@conference.example/bob", false, false, false);
    assert_int_equal(conv_unread("alice@example.org"), 2);
    assert_int_equal(conv_unread("lounge@conference.example/bob"), 1);
    assert_int_equal(conv_unread("nobody@example.org"), 0);
    conv_mark_read("alice@example.org");
    assert_int_equal(conv_unread("alice@example.org"), 0);
    assert_int_equal(conv_unread("lounge@conference.example/bob"), 1);
}

static void message_sid(const char *peer, const char *stanza_id)
{
    ev_result res = {0};
    ev_message ev = {
        .peer = peer, .from = peer, .body = "hi", .stanza_id = stanza_id, .result = &res};
    event_emit(EV_MESSAGE, &ev);
}

static void mds(const char *peer, const char *stanza_id)
{
    ev_mds ev = {peer, stanza_id};
    event_emit(EV_MDS, &ev);
}

/* Another device read up to a message (XEP-0490): what follows it stays
 * unread; an unknown or older point changes nothing. */
static void test_displayed_elsewhere(void **state)
{
    const char *bob = "bob@example.org";
    message_sid(bob, "s1");
    message_sid(bob, NULL);
    message_sid(bob, "s3");
    message_sid(bob, "s4");
    message_sid("carol@example.org", "c1");
    mds(bob, "nope");
    assert_int_equal(conv_unread(bob), 4);
    mds(bob, "s3");
    assert_int_equal(conv_unread(bob), 1);
    mds(bob, "s1"); /* older than what is left: the state only moves forward */
    assert_int_equal(conv_unread(bob), 1);
    mds("carol@example.org", "s4"); /* another chat's message */
    assert_int_equal(conv_unread("carol@example.org"), 1);
    mds(bob, "s4");
    assert_int_equal(conv_unread(bob), 0);
    mds("nobody@example.org", "s4");
    assert_int_equal(conv_unread("nobody@example.org"), 0);
}

/* Only the newest CONV_MAX_TRACKED unread are matched; older ones are
 * counted, and cleared with them. */
static void test_displayed_elsewhere_bounded(void **state)
{
    const char *bob = "bob@example.org";
    for (int i = 0; i < CONV_MAX_TRACKED + 5; i++) {
        char sid[16];
        g_snprintf(sid, sizeof(sid), "s%d", i);
        message_sid(bob, sid);
    }
    mds(bob, "s0"); /* no longer tracked */
    assert_int_equal(conv_unread(bob), CONV_MAX_TRACKED + 5);
    mds(bob, "s10");
    assert_int_equal(conv_unread(bob), CONV_MAX_TRACKED + 5 - 11);
}

static void invite(const char *room, const char *from, const char *password, bool mediated,
                   bool declined)
{
    ev_muc_invite ev = {.room = room,
                        .from = from,
                        .password = password,
                        .mediated = mediated,
                        .declined = declined};
    event_emit(EV_MUC_INVITE, &ev);
}

static void test_invites(void **state)
{
    invite("a@conference.example", "bob@example.org", "secret", false, false);
    invite("b@conference.example", "carol@example.org", NULL, true, false);
    /* someone declining OUR invitation is no invitation to us */
    invite("c@conference.example", "dave@example.org", NULL, true, true);
    const conv_invite *i = conv_invite_find("a@conference.example");
    assert_non_null(i);
    assert_string_equal(i->from, "bob@example.org");
    assert_string_equal(i->password, "secret");
    assert_false(i->mediated);
    assert_true(conv_invite_find("b@conference.example")->mediated);
    assert_null(conv_invite_find("c@conference.example"));
    GPtrArray *all = conv_invites();
    assert_int_equal(all->len, 2);
    g_ptr_array_unref(all);
    /* a newer invitation to the same room replaces the older */
    invite("a@conference.example", "eve@example.org", NULL, false, false);
    assert_string_equal(conv_invite_find("a@conference.example")->from, "eve@example.org");
    assert_null(conv_invite_find("a@conference.example")->password);
    conv_invite_forget("a@conference.example");
    assert_null(conv_invite_find("a@conference.example"));
}

/* Anyone can send invitations: only so many are kept, but a newer one to
 * a room already remembered still replaces it. */
static void test_invites_bounded(void **state)
{
    for (int n = 0; n < CONV_MAX_INVITES + 50; n++) {
        char *room = g_strdup_printf("room%d@conference.example", n);
        invite(room, "spammer@example.org", NULL, false, false);
        g_free(room);
    }
    GPtrArray *all = conv_invites();
    assert_int_equal(all->len, CONV_MAX_INVITES);
    g_ptr_array_unref(all);
    assert_null(conv_invite_find("room120@conference.example"));
    invite("room0@conference.example", "friend@example.org", NULL, false, false);
    assert_string_equal(conv_invite_find("room0@conference.example")->from, "friend@example.org");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_displayed_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_displayed_elsewhere_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invites_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

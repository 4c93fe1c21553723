/* test_muc.c - unit tests for src/model/muc.c: occupants, their order,
 * look-alike nicks and author keys. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "model/muc.h"

static int setup(void **state)
{
    muc_model_init();
    *state = muc_room_ensure("room@conference.example");
    return 0;
}

static int teardown(void **state)
{
    muc_model_deinit();
    return 0;
}

static muc_occupant *add(muc_room *r, const char *nick, muc_role role)
{
    bool added = false;
    muc_occupant *o =
        muc_occupant_set(r, nick, role, MUC_AFF_NONE, NULL, NULL, PRESENCE_ONLINE, NULL, &added);
    assert_true(added);
    return o;
}

/* The pane's order as "nick,nick,...". */
static char *order(muc_room *r)
{
    GString *s = g_string_new(NULL);
    GSequenceIter *it = g_sequence_get_begin_iter(muc_room_order(r));
    for (; !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it))
        g_string_append_printf(s, "%s%s", s->len ? "," : "",
                               ((muc_occupant *)g_sequence_get(it))->nick);
    return g_string_free(s, FALSE);
}

static void expect_order(muc_room *r, const char *want)
{
    char *got = order(r);
    assert_string_equal(got, want);
    g_free(got);
}

static void test_find_rooms(void **state)
{
    muc_room *r = *state;
    assert_ptr_equal(muc_room_find("room@conference.example"), r);
    assert_ptr_equal(muc_room_find("Room@Conference.Example"), r);
    assert_ptr_equal(muc_room_find("room@conference.example/nick"), r);
    assert_null(muc_room_find("other@conference.example"));
    assert_null(muc_room_find(NULL));
    assert_ptr_equal(muc_room_ensure("room@conference.example"), r);
    assert_int_equal(muc_rooms()->len, 1);
}

static void test_order_by_role_then_nick(void **state)
{
    muc_room *r = *state;
    add(r, "zed", MUC_ROLE_PARTICIPANT);
    add(r, "Anna", MUC_ROLE_PARTICIPANT);
    add(r, "mod", MUC_ROLE_MODERATOR);
    add(r, "quiet", MUC_ROLE_VISITOR);
    add(r, "bob", MUC_ROLE_PARTICIPANT);
    expect_order(r, "mod,Anna,bob,zed,quiet");
    assert_int_equal(muc_room_count(r), 5);
    assert_int_equal(r->role_count[MUC_ROLE_PARTICIPANT], 3);
    /* A role change moves the occupant. */
    muc_occupant_set(r, "zed", MUC_ROLE_MODERATOR, MUC_AFF_ADMIN, "zed@example", NULL,
                     PRESENCE_AWAY, "brb", NULL);
    expect_order(r, "mod,zed,Anna,bob,quiet");
    assert_int_equal(r->role_count[MUC_ROLE_MODERATOR], 2);
    muc_occupant *z = muc_occupant_find(r, "zed");
    assert_string_equal(z->jid, "zed@example");
    assert_string_equal(z->status, "brb");
    /* Rename keeps the rest and re-sorts. */
    assert_true(muc_occupant_rename(r, "bob", "aaron"));
    expect_order(r, "mod,zed,aaron,Anna,quiet");
    assert_null(muc_occupant_find(r, "bob"));
    assert_false(muc_occupant_rename(r, "nobody", "x"));
    muc_occupant_remove(r, "Anna");
    muc_occupant_remove(r, "Anna"); /* twice: no-op */
    expect_order(r, "mod,zed,aaron,quiet");
    assert_int_equal(r->role_count[MUC_ROLE_PARTICIPANT], 1);
    muc_room_clear_occupants(r);
    expect_order(r, "");
    assert_int_equal(muc_room_count(r), 0);
}

static void test_many_occupants_stay_sorted(void **state)
{
    muc_room *r = *state;
    for (int i = 999; i >= 0; i--) {
        char nick[16];
        g_snprintf(nick, sizeof(nick), "n%04d", i);
        add(r, nick, i % 10 == 0 ? MUC_ROLE_MODERATOR : MUC_ROLE_PARTICIPANT);
    }
    assert_int_equal(muc_room_count(r), 1000);
    const muc_occupant *prev = NULL;
    GSequenceIter *it = g_sequence_get_begin_iter(muc_room_order(r));
    for (; !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it)) {
        const muc_occupant *o = g_sequence_get(it);
        if (prev && prev->role == o->role)
            assert_true(strcmp(prev->nick, o->nick) < 0);
        if (prev)
            assert_true(prev->role >= o->role);
        prev = o;
    }
    assert_int_equal(r->role_count[MUC_ROLE_MODERATOR], 100);
}

static void test_lookalikes(void **state)
{
    muc_room *r = *state;
    add(r, "alice", MUC_ROLE_PARTICIPANT);
    assert_false(muc_nick_lookalike(r, "alice"));
    assert_true(muc_nick_lookalike(r, "Alice"));
    assert_true(muc_nick_lookalike(r, "alice "));
    assert_true(muc_nick_lookalike(r, "al\u200bice"));
    assert_true(muc_nick_lookalike(r, "\uff41lice")); /* fullwidth a (NFKC) */
    assert_false(muc_nick_lookalike(r, "alicia"));
    assert_true(muc_nick_lookalike(r, "\u0430lice")); /* Cyrillic a (UTS #39) */
    assert_true(muc_nick_lookalike(r, "a1ice"));      /* digit one */
    add(r, "ALICE\u200b", MUC_ROLE_PARTICIPANT);
    assert_true(muc_nick_lookalike(r, "alice"));
    assert_true(muc_nick_lookalike(r, "ALICE\u200b"));
    muc_occupant_remove(r, "ALICE\u200b");
    assert_false(muc_nick_lookalike(r, "alice"));
    char *sk = muc_nick_skeleton("A\u00a0B\u202e");
    assert_string_equal(sk, "ab");
    g_free(sk);
}

static void test_author_key(void **state)
{
    char *a = muc_author_key("room@c.example", "room@c.example/bob", NULL);
    char *b = muc_author_key("room@c.example", "room@c.example/bob", "X1==");
    char *c = muc_author_key("room@c.example", "room@c.example/eve", "X1==");
    assert_string_equal(a, "room@c.example/bob");
    assert_string_equal(b, "room@c.example#X1==");
    assert_string_equal(b, c); /* same person under another nick */
    g_free(a);
    g_free(b);
    g_free(c);
}

static void test_names(void **state)
{
    muc_role role;
    muc_affiliation aff;
    assert_true(muc_role_parse("moderator", &role));
    assert_int_equal(role, MUC_ROLE_MODERATOR);
    assert_false(muc_role_parse("admin", &role));
    assert_false(muc_role_parse(NULL, &role));
    assert_true(muc_affiliation_parse("outcast", &aff));
    assert_int_equal(aff, MUC_AFF_OUTCAST);
    assert_false(muc_affiliation_parse("Owner", &aff));
    assert_string_equal(muc_role_name(MUC_ROLE_VISITOR), "visitor");
    assert_string_equal(muc_affiliation_name(MUC_AFF_MEMBER), "member");
    assert_string_equal(muc_role_name((muc_role)99), "none");
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_rooms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_by_role_then_nick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_occupants_stay_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookalikes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_author_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

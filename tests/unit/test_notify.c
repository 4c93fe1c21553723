/* test_notify.c - notification rules, quiet hours and mentions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <locale.h>

#include "config/values.h"
#include "ui/notify_rules.h"

static void test_levels(void **state)
{
    notify_level l;
    assert_true(notify_level_parse("all", &l));
    assert_int_equal(l, NOTIFY_ALL);
    assert_true(notify_level_parse("Mentions", &l));
    assert_int_equal(l, NOTIFY_MENTIONS);
    assert_true(notify_level_parse("none", &l));
    assert_int_equal(l, NOTIFY_NONE);
    assert_false(notify_level_parse("some", &l));
    assert_false(notify_level_parse(NULL, &l));
    assert_string_equal(notify_level_name(NOTIFY_MENTIONS), "mentions");
}

static void test_quiet_parse(void **state)
{
    int f = -1, t = -1;
    bool on = true;
    assert_true(config_parse_time_range("", &f, &t, &on));
    assert_false(on);
    assert_true(config_parse_time_range("23:00-07:30", &f, &t, &on));
    assert_true(on);
    assert_int_equal(f, 23 * 60);
    assert_int_equal(t, 7 * 60 + 30);
    assert_false(config_parse_time_range("24:00-07:00", &f, &t, &on));
    assert_false(on);
    assert_false(config_parse_time_range("7:00-08:00", &f, &t, &on));
    assert_false(config_parse_time_range("07:00-07:00", &f, &t, &on));
    assert_false(config_parse_time_range("07:00", &f, &t, &on));
    assert_false(config_parse_time_range("07:00-08:00-09:00", &f, &t, &on));
    assert_false(config_parse_time_range("aa:bb-cc:dd", &f, &t, &on));
}

static void test_quiet_window(void **state)
{
    /* 23:00-07:00 wraps midnight */
    assert_true(notify_in_quiet(23 * 60, 23 * 60, 7 * 60));
    assert_true(notify_in_quiet(3 * 60, 23 * 60, 7 * 60));
    assert_false(notify_in_quiet(7 * 60, 23 * 60, 7 * 60));
    assert_false(notify_in_quiet(12 * 60, 23 * 60, 7 * 60));
    /* 12:00-13:00 does not */
    assert_true(notify_in_quiet(12 * 60 + 30, 12 * 60, 13 * 60));
    assert_false(notify_in_quiet(13 * 60, 12 * 60, 13 * 60));
    assert_false(notify_in_quiet(11 * 60, 12 * 60, 13 * 60));
}

static void test_mentions(void **state)
{
    assert_true(notify_mentions("hey alice, look", "alice"));
    assert_true(notify_mentions("ALICE!", "alice"));
    assert_true(notify_mentions("alice", "alice"));
    assert_false(notify_mentions("malice aforethought", "alice"));
    assert_false(notify_mentions("alice_bot says hi", "alice"));
    assert_false(notify_mentions("alices", "alice"));
    assert_true(notify_mentions("not malice but alice", "alice"));
    assert_true(notify_mentions("héllo Zoë", "zoë"));
    assert_false(notify_mentions("anything", ""));
    assert_false(notify_mentions(NULL, "alice"));
}

static void test_decide(void **state)
{
    notify_input in = {NOTIFY_ALL, NOTIFY_DEFAULT, false, false, false, false};
    assert_true(notify_decide(&in));
    in.seen = true;
    assert_false(notify_decide(&in));
    in.seen = false;
    in.quiet = true;
    assert_false(notify_decide(&in));
    in.quiet = false;
    in.global = NOTIFY_MENTIONS;
    assert_false(notify_decide(&in));
    in.mention = true;
    assert_true(notify_decide(&in));
    in.window = NOTIFY_NONE; /* the window's rule wins */
    assert_false(notify_decide(&in));
    in.global = NOTIFY_NONE;
    in.window = NOTIFY_ALL;
    in.mention = false;
    assert_true(notify_decide(&in));
}

/* In rooms "all" means mentions, unless the room's own rule says all. */
static void test_decide_room(void **state)
{
    notify_input in = {NOTIFY_ALL, NOTIFY_DEFAULT, false, false, false, true};
    assert_false(notify_decide(&in));
    in.mention = true;
    assert_true(notify_decide(&in));
    in.mention = false;
    in.window = NOTIFY_ALL;
    assert_true(notify_decide(&in));
    in.window = NOTIFY_NONE;
    in.mention = true;
    assert_false(notify_decide(&in));
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),       cmocka_unit_test(test_quiet_parse),
        cmocka_unit_test(test_quiet_window), cmocka_unit_test(test_mentions),
        cmocka_unit_test(test_decide),       cmocka_unit_test(test_decide_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_settings.c - unit tests for src/config/settings.c and
 * src/config/atomicfile.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config/atomicfile.h"
#include "config/settings.h"
#include "core/event.h"
#include "fixture.h"

/* ---- helpers ---- */

/* Each test gets a temporary directory (*state) and default settings
 * afterwards. */
static int teardown(void **state)
{
    settings_deinit();
    return fx_teardown_tmpdir(state);
}

/* settings_set must fail for KEY=VALUE with exactly the message WANT. */
static void expect_set_error(const char *key, const char *value, const char *want)
{
    char *err = NULL;
    const char *before = settings_get(key);
    char *saved = g_strdup(before);
    if (settings_set(key, value, &err))
        fail_msg("%s=%s was accepted", key, value ? value : "(null)");
    assert_non_null(err);
    assert_string_equal(err, want);
    g_free(err);
    if (saved)
        assert_string_equal(settings_get(key), saved);
    g_free(saved);
}

/* settings_set must accept KEY=VALUE and store it as WANT. */
static void expect_set(const char *key, const char *value, const char *want)
{
    char *err = NULL;
    if (!settings_set(key, value, &err))
        fail_msg("%s=%s was rejected: %s", key, value, err);
    assert_null(err);
    assert_string_equal(settings_get(key), want);
}

/* ---- the table ---- */

static void test_table_sane(void **state)
{
    size_t n = 0;
    const setting_def *t = settings_table(&n);
    assert_int_equal(n, 39);
    assert_true(settings_init(NULL, NULL));
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].key);
        assert_true(t[i].help && *t[i].help);
        assert_true(t[i].group && *t[i].group);
        assert_ptr_equal(settings_find(t[i].key), &t[i]);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(t[i].key, t[j].key);
        /* every default passes its own validation */
        char *err = NULL;
        if (!settings_set(t[i].key, t[i].def, &err))
            fail_msg("default of %s is invalid: %s", t[i].key, err);
        if (t[i].type == SETTING_ENUM)
            assert_non_null(t[i].choices);
        if (t[i].type == SETTING_INT)
            assert_true(t[i].min <= t[i].max);
    }
    assert_null(settings_find("nonexistent"));
    assert_null(settings_find(NULL));
}

static void test_defaults(void **state)
{
    char *errors = (char *)0x1;
    assert_true(settings_init(NULL, &errors));
    assert_null(errors);
    assert_string_equal(settings_get("time_format"), "%H:%M");
    assert_true(settings_get_bool("roster_pane"));
    assert_int_equal(settings_get_int("roster_width"), 24);
    assert_true(settings_get_bool("roster_show_offline"));
    assert_string_equal(settings_get("roster_side"), "right");
    assert_int_equal(settings_get_int("scrollback_lines"), 1000);
    assert_int_equal(settings_get_int("input_history"), 500);
    assert_string_equal(settings_get("theme"), "default");
    assert_false(settings_get_bool("osc52_copy"));
    assert_true(settings_get_bool("reconnect"));
    assert_int_equal(settings_get_int("reconnect_max_delay"), 300);
    assert_string_equal(settings_get("ca_file"), "");
    assert_string_equal(settings_get("ca_path"), "");
    assert_string_equal(settings_get("resource"), "");
    assert_int_equal(settings_get_int("keepalive"), 60);
    assert_true(settings_get_bool("receipts"));
    assert_true(settings_get_bool("chat_states"));
    assert_true(settings_get_bool("beep"));
    assert_null(settings_get("nope"));
}

/* Counts warnings instead of printing them. */
static void count_warning(const char *domain, GLogLevelFlags level, const char *message, void *ud)
{
    (*(int *)ud)++;
}

static void test_typed_getters_misuse(void **state)
{
    int warnings = 0;
    guint handler = g_log_set_handler(NULL, G_LOG_LEVEL_WARNING, count_warning, &warnings);
    assert_true(settings_init(NULL, NULL));
    assert_true(settings_set("beep", "on", NULL));
    /* wrong type or unknown key: 0 / false */
    assert_int_equal(settings_get_int("beep"), 0);
    assert_int_equal(settings_get_int("nope"), 0);
    assert_false(settings_get_bool("roster_width"));
    assert_false(settings_get_bool("nope"));
    assert_int_equal(warnings, 4);
    assert_true(settings_get_bool("beep"));
    assert_int_equal(settings_get_int("keepalive"), 60);
    assert_int_equal(warnings, 4);
    g_log_remove_handler(NULL, handler);
}

/* ---- validation ---- */

static void test_unknown_key(void **state)
{
    assert_true(settings_init(NULL, NULL));
    expect_set_error("colour", "blue", "unknown setting 'colour'");
    expect_set_error("", "x", "unknown setting ''");
    assert_false(settings_set(NULL, "x", NULL)); /* ERR may be NULL */
    assert_false(settings_reset("colour"));
}

static void test_int_values(void **state)
{
    const char *msg = "roster_width must be a number from 10 to 80";
    assert_true(settings_init(NULL, NULL));
    expect_set_error("roster_width", "abc", msg);
    expect_set_error("roster_width", "", msg);
    expect_set_error("roster_width", "30x", msg);
    expect_set_error("roster_width", "3.5", msg);
    expect_set_error("roster_width", "0x20", msg);
    expect_set_error("roster_width", "9", msg);
    expect_set_error("roster_width", "81", msg);
    expect_set_error("roster_width", "-30", msg);
    expect_set_error("roster_width", "99999999999999999999999", msg);
    expect_set_error("roster_width", NULL, "roster_width needs a value");
    expect_set("roster_width", "10", "10");
    assert_int_equal(settings_get_int("roster_width"), 10);
    expect_set("roster_width", "80", "80");
    expect_set("roster_width", "030", "30");
    assert_int_equal(settings_get_int("roster_width"), 30);

    expect_set_error("keepalive", "-1", "keepalive must be a number from 0 to 3600");
    expect_set("keepalive", "0", "0");
    expect_set_error("scrollback_lines", "99",
                     "scrollback_lines must be a number from 100 to 1000000");
    expect_set("scrollback_lines", "1000000", "1000000");
    expect_set_error("input_history", "100001", "input_history must be a number from 0 to 100000");
    expect_set_error("reconnect_max_delay", "4",
                     "reconnect_max_delay must be a number from 5 to 3600");
}

static void test_bool_values(void **state)
{
    const char *yes[] = {"on", "ON", "true", "True", "yes", "YES", "1"};
    const char *no[] = {"off", "Off", "false", "FALSE", "no", "No", "0"};
    assert_true(settings_init(NULL, NULL));
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        expect_set("beep", yes[i], "on");
        assert_true(settings_get_bool("beep"));
        expect_set("beep", no[i], "off");
        assert_false(settings_get_bool("beep"));
    }
    const char *bad[] = {"", "maybe", "2", "onn", " on", "y"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        expect_set_error("beep", bad[i], "beep must be on or off");
}

static void test_enum_values(void **state)
{
    assert_true(settings_init(NULL, NULL));
    expect_set("roster_side", "left", "left");
    expect_set("roster_side", "RIGHT", "right");
    expect_set_error("roster_side", "middle", "roster_side must be left or right");
    expect_set_error("roster_side", "", "roster_side must be left or right");
    assert_string_equal(settings_get("roster_side"), "right");
    /* people outside the roster */
    assert_string_equal(settings_get("strangers"), "quiet");
    expect_set("strangers", "drop", "drop");
    expect_set("strangers", "Notify", "notify");
    expect_set_error("strangers", "hide", "strangers must be quiet, notify or drop");
    /* auto-away: minutes, 0 for never, at most a day */
    expect_set("auto_away", "0", "0");
    expect_set("auto_away", "1440", "1440");
    expect_set_error("auto_away", "1441", "auto_away must be a number from 0 to 1440");
}

static void test_string_values(void **state)
{
    assert_true(settings_init(NULL, NULL));
    const char *msg = "time_format must be 1 to 64 characters long";
    expect_set_error("time_format", "", msg);
    char *s64 = g_strnfill(64, 'x');
    char *s65 = g_strnfill(65, 'x');
    expect_set("time_format", s64, s64);
    expect_set_error("time_format", s65, msg);
    /* 64 two-byte characters are 64 characters */
    GString *wide = g_string_new(NULL);
    for (int i = 0; i < 64; i++)
        g_string_append(wide, "\xc3\xa9");
    expect_set("time_format", wide->str, wide->str);
    g_string_append(wide, "\xc3\xa9");
    expect_set_error("time_format", wide->str, msg);
    g_string_free(wide, TRUE);
    g_free(s64);
    g_free(s65);

    expect_set("time_format", "[%H:%M:%S] ", "[%H:%M:%S] ");
    expect_set_error("time_format", "\x1b[1m%H", "time_format must not contain control characters");
    expect_set_error("time_format", "%H\n", "time_format must not contain control characters");
    expect_set_error("time_format", "%H\xc2\x9b",
                     "time_format must not contain control characters");
    expect_set_error("time_format", "\xff%H", "time_format must be valid UTF-8 text");
    expect_set_error("theme", "", "theme must not be empty");
    expect_set("theme", "solarized", "solarized");
}

static void test_path_values(void **state)
{
    assert_true(settings_init(NULL, NULL));
    expect_set("ca_file", "/etc/ssl/my.pem", "/etc/ssl/my.pem");
    char *want = g_build_filename(g_get_home_dir(), "certs", "ca.pem", NULL);
    assert_true(settings_set("ca_file", "~/certs/ca.pem", NULL));
    assert_string_equal(settings_get("ca_file"), want);
    g_free(want);
    assert_true(settings_set("ca_path", "~", NULL));
    assert_string_equal(settings_get("ca_path"), g_get_home_dir());
    /* "~user" is not expanded */
    expect_set("ca_path", "~other/x", "~other/x");
    expect_set("ca_file", "", "");
    expect_set_error("ca_file", "/tmp/\x07", "ca_file must not contain control characters");
}

/* What the change listener saw. */
struct changes {
    int calls;
    char last[64];
};

static void on_change(event_type t, const void *p, void *ud)
{
    struct changes *c = ud;
    c->calls++;
    g_strlcpy(c->last, ((const ev_setting *)p)->key, sizeof c->last);
}

static void test_reset_and_callback(void **state)
{
    struct changes c = {0};
    assert_true(settings_init(NULL, NULL));
    assert_true(settings_set("beep", "on", NULL)); /* no listener yet */

    event_subscribe(EV_SETTING, EV_STAGE_SCREEN, on_change, &c);
    assert_true(settings_set("roster_width", "40", NULL));
    assert_int_equal(c.calls, 1);
    assert_string_equal(c.last, "roster_width");
    assert_false(settings_set("roster_width", "4", NULL)); /* failed: no call */
    assert_int_equal(c.calls, 1);
    assert_int_equal(settings_get_int("roster_width"), 40);
    assert_true(settings_reset("roster_width"));
    assert_int_equal(c.calls, 2);
    assert_int_equal(settings_get_int("roster_width"), 24);
    assert_false(settings_reset("bogus"));
    assert_int_equal(c.calls, 2);
    /* the subscription survives a re-init */
    assert_true(settings_init(NULL, NULL));
    assert_true(settings_set("time_format", "%H", NULL));
    assert_int_equal(c.calls, 3);
    assert_string_equal(c.last, "time_format");
    event_unsubscribe(EV_SETTING, on_change, &c);
    assert_true(settings_reset("time_format"));
    assert_int_equal(c.calls, 3);
    assert_string_equal(settings_get("time_format"), "%H:%M");
}

/* ---- loading ---- */

static const char sample[] = "# my settings\n"          /* 1 */
                             "[settings]\n"             /* 2 */
                             "time_format = %H:%M:%S\n" /* 3 */
                             "roster_width = 500\n"     /* 4 */
                             "colour = blue\n"          /* 5 */
                             "\n"                       /* 6 */
                             "  beep=no\n"              /* 7 */
                             "roster_side = middle\n"   /* 8 */
                             "\n"                       /* 9 */
                             "[other]\n"                /* 10 */
                             "x = 1\n";                 /* 11 */

static void test_load_with_problems(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, sample);
    char *errors = NULL;
    assert_true(settings_init(path, &errors));
    assert_non_null(errors);

    char *want4 = g_strdup_printf("%s:4: roster_width must be a number from 10 to 80", path);
    char *want5 = g_strdup_printf("%s:5: unknown setting 'colour'", path);
    char *want8 = g_strdup_printf("%s:8: roster_side must be left or right", path);
    char *want10 = g_strdup_printf("%s:10: unknown group [other] (ignored)", path);
    char **lines = g_strsplit(errors, "\n", -1);
    assert_int_equal(g_strv_length(lines), 4);
    /* in file order */
    assert_string_equal(lines[0], want4);
    assert_string_equal(lines[1], want5);
    assert_string_equal(lines[2], want8);
    assert_string_equal(lines[3], want10);
    g_strfreev(lines);

    /* the good values loaded, the bad ones stayed at their defaults */
    assert_string_equal(settings_get("time_format"), "%H:%M:%S");
    assert_false(settings_get_bool("beep"));
    assert_int_equal(settings_get_int("roster_width"), 24);
    assert_string_equal(settings_get("roster_side"), "right");

    g_free(want4);
    g_free(want5);
    g_free(want8);
    g_free(want10);
    g_free(errors);
    g_free(path);
}

static void test_load_duplicate_key_reports_last_line(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, "[settings]\nroster_width = 30\n# again\nroster_width = 7\n");
    char *errors = NULL;
    assert_true(settings_init(path, &errors));
    char *want = g_strdup_printf("%s:4: roster_width must be a number from 10 to 80\n"
                                 "%s:4: 'roster_width' is set more than once; this last line "
                                 "counts",
                                 path, path);
    assert_string_equal(errors, want);
    g_free(want);
    g_free(errors);
    assert_int_equal(settings_get_int("roster_width"), 24);

    /* a reset cannot bring the first copy back */
    fx_write_text(path, "[settings]\nbeep = off\nbeep = off\n");
    assert_true(settings_init(path, NULL));
    assert_false(settings_get_bool("beep"));
    assert_true(settings_reset("beep"));
    assert_true(settings_save(NULL));
    assert_true(settings_init(path, NULL));
    assert_true(settings_get_bool("beep"));
    g_free(path);
}

static void test_load_missing_file(void **state)
{
    char *path = g_build_filename(*state, "nothing-here", NULL);
    char *errors = (char *)0x1;
    assert_true(settings_init(path, &errors));
    assert_null(errors);
    assert_int_equal(settings_get_int("roster_width"), 24);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(path);
}

static void test_load_clean_file(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, "[settings]\nroster_width=33\nroster_side=left\nca_file=~/ca.pem\n");
    char *errors = (char *)0x1;
    assert_true(settings_init(path, &errors));
    assert_null(errors);
    assert_int_equal(settings_get_int("roster_width"), 33);
    assert_string_equal(settings_get("roster_side"), "left");
    char *want = g_build_filename(g_get_home_dir(), "ca.pem", NULL);
    assert_string_equal(settings_get("ca_file"), want);
    g_free(want);
    g_free(path);
}

static void test_load_unparsable(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    const char *text = "[settings]\nthis line is garbage\n";
    fx_write_text(path, text);
    char *errors = NULL;
    assert_false(settings_init(path, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, path));
    assert_null(strchr(errors, '\n'));
    g_free(errors);
    /* defaults, and the broken file is not overwritten */
    assert_int_equal(settings_get_int("roster_width"), 24);
    assert_true(settings_set("beep", "on", NULL));
    char *err = NULL;
    assert_false(settings_save(&err));
    assert_non_null(err);
    assert_non_null(strstr(err, "not overwriting"));
    g_free(err);
    char *after = fx_read_text(path);
    assert_string_equal(after, text);
    g_free(after);
    g_free(path);
}

static void test_load_unreadable(void **state)
{
    /* a directory where the file should be */
    char *path = g_build_filename(*state, "settings", NULL);
    assert_int_equal(g_mkdir(path, 0700), 0);
    char *errors = NULL;
    assert_false(settings_init(path, &errors));
    char *want = g_strdup_printf("cannot read %s: %s", path, g_strerror(EISDIR));
    assert_string_equal(errors, want);
    g_free(want);
    g_free(errors);
    assert_false(settings_init(path, NULL)); /* ERRORS may be NULL */
    g_free(path);
}

static void test_load_bad_escape_and_utf8(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, "[settings]\ntheme=a\\qb\nroster_width=20\ntime_format=%H\xff\n");
    char *errors = NULL;
    assert_true(settings_init(path, &errors));
    assert_non_null(errors);
    char **lines = g_strsplit(errors, "\n", -1);
    assert_int_equal(g_strv_length(lines), 2);
    char *prefix = g_strdup_printf("%s:2: ", path);
    assert_true(g_str_has_prefix(lines[0], prefix));
    g_free(prefix);
    prefix = g_strdup_printf("%s:4: ", path);
    assert_true(g_str_has_prefix(lines[1], prefix));
    g_free(prefix);
    g_strfreev(lines);
    assert_string_equal(settings_get("theme"), "default");
    assert_false(settings_get_bool("osc52_copy"));
    assert_string_equal(settings_get("time_format"), "%H:%M");
    assert_int_equal(settings_get_int("roster_width"), 20);
    g_free(errors);
    g_free(path);
}

/* ---- saving ---- */

static void test_save_roundtrip(void **state)
{
    char *dir = g_build_filename(*state, "a", "b", NULL);
    char *path = g_build_filename(dir, "settings", NULL);
    assert_true(settings_init(path, NULL));
    assert_true(settings_set("roster_width", "42", NULL));
    assert_true(settings_set("beep", "no", NULL));
    assert_true(settings_set("roster_pane", "off", NULL));
    assert_true(settings_set("roster_side", "left", NULL));
    assert_true(settings_set("time_format", " %H:%M ; # x=y \\ ", NULL));
    assert_true(settings_set("resource", "d\xc3\xa9j\xc3\xa0 vu", NULL));
    assert_true(settings_set("ca_file", "~/my ca.pem", NULL));
    char *err = NULL;
    assert_true(settings_save(&err));
    assert_null(err);

    assert_int_equal(fx_mode_of(path), 0600);
    assert_int_equal(fx_mode_of(dir), 0700);
    char *parent = g_path_get_dirname(dir);
    assert_int_equal(fx_mode_of(parent), 0700);
    g_free(parent);
    assert_int_equal(fx_count_entries(dir), 1); /* no temp file left behind */

    char *text = fx_read_text(path);
    /* only non-defaults are written */
    assert_non_null(strstr(text, "roster_width=42"));
    assert_non_null(strstr(text, "beep=off"));
    assert_null(strstr(text, "keepalive"));
    assert_null(strstr(text, "reconnect"));
    /* the path is written as given, not expanded */
    assert_non_null(strstr(text, "ca_file=~/my ca.pem"));
    g_free(text);

    settings_deinit();
    assert_int_equal(settings_get_int("roster_width"), 24); /* deinit forgot */
    char *errors = NULL;
    assert_true(settings_init(path, &errors));
    assert_null(errors);
    assert_int_equal(settings_get_int("roster_width"), 42);
    assert_false(settings_get_bool("beep"));
    assert_false(settings_get_bool("roster_pane"));
    assert_string_equal(settings_get("roster_side"), "left");
    assert_string_equal(settings_get("time_format"), " %H:%M ; # x=y \\ ");
    assert_string_equal(settings_get("resource"), "d\xc3\xa9j\xc3\xa0 vu");
    char *want = g_build_filename(g_get_home_dir(), "my ca.pem", NULL);
    assert_string_equal(settings_get("ca_file"), want);
    g_free(want);
    g_free(dir);
    g_free(path);
}

static void test_save_keeps_comments_and_unknown(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, sample);
    char *errors = NULL;
    assert_true(settings_init(path, &errors));
    g_free(errors);
    assert_true(settings_set("keepalive", "120", NULL));
    assert_true(settings_save(NULL));

    char *text = fx_read_text(path);
    assert_non_null(strstr(text, "# my settings"));
    assert_non_null(strstr(text, "colour=blue"));   /* unknown key kept */
    assert_non_null(strstr(text, "[other]"));       /* unknown group kept */
    assert_non_null(strstr(text, "beep=no"));       /* unchanged, as written */
    assert_non_null(strstr(text, "keepalive=120")); /* new */
    assert_null(strstr(text, "roster_width"));      /* invalid, now the default */
    assert_null(strstr(text, "middle"));
    assert_non_null(strstr(text, "time_format=%H:%M:%S"));
    g_free(text);
    g_free(path);
}

static void test_save_drops_reset_values(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    assert_true(settings_init(path, NULL));
    assert_true(settings_set("beep", "off", NULL));
    assert_true(settings_set("keepalive", "30", NULL));
    assert_true(settings_save(NULL));
    assert_true(settings_reset("beep"));
    assert_true(settings_set("keepalive", "60", NULL)); /* the default */
    assert_true(settings_save(NULL));
    char *text = fx_read_text(path);
    assert_null(strstr(text, "beep"));
    assert_null(strstr(text, "keepalive"));
    g_free(text);
    g_free(path);
}

static void test_save_replaces_loose_mode(void **state)
{
    char *path = g_build_filename(*state, "settings", NULL);
    fx_write_text(path, "[settings]\nbeep=on\n");
    assert_int_equal(chmod(path, 0644), 0);
    assert_true(settings_init(path, NULL));
    assert_true(settings_set("beep", "off", NULL));
    assert_true(settings_save(NULL));
    assert_int_equal(fx_mode_of(path), 0600);
    g_free(path);
}

static void test_save_without_path(void **state)
{
    assert_true(settings_init(NULL, NULL));
    assert_true(settings_set("beep", "on", NULL));
    char *err = NULL;
    assert_false(settings_save(&err));
    assert_non_null(err);
    g_free(err);
}

static void test_save_failure(void **state)
{
    /* the parent directory is missing at start-up and then turns out to be
     * a regular file */
    char *blocker = g_build_filename(*state, "blocker", NULL);
    char *path = g_build_filename(blocker, "settings", NULL);
    assert_true(settings_init(path, NULL));
    fx_write_text(blocker, "x");
    assert_true(settings_set("beep", "on", NULL));
    char *err = NULL;
    assert_false(settings_save(&err));
    char *prefix = g_strdup_printf("cannot write %s: ", path);
    assert_non_null(err);
    assert_true(g_str_has_prefix(err, prefix));
    assert_null(strchr(err, '\n'));
    g_free(prefix);
    g_free(err);
    g_free(path);
    g_free(blocker);
}

/* ---- atomicfile ---- */

static void test_atomic_write_and_read(void **state)
{
    char *path = g_build_filename(*state, "new", "deeper", "file", NULL);
    char *err = NULL;
    assert_true(atomicfile_write(path, "hello\0world", 11, &err));
    assert_null(err);
    char *data = NULL;
    size_t len = 0;
    assert_true(atomicfile_read(path, &data, &len, &err));
    assert_int_equal(len, 11);
    assert_memory_equal(data, "hello\0world", 11);
    assert_int_equal(data[11], '\0');
    g_free(data);
    assert_int_equal(fx_mode_of(path), 0600);
    char *dir = g_path_get_dirname(path);
    assert_int_equal(fx_mode_of(dir), 0700);
    assert_int_equal(fx_count_entries(dir), 1);

    /* empty data */
    assert_true(atomicfile_write(path, NULL, 0, NULL));
    assert_true(atomicfile_read(path, &data, &len, NULL));
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    g_free(data);

    /* missing: true and NULL */
    char *missing = g_build_filename(dir, "missing", NULL);
    data = (char *)0x1;
    assert_true(atomicfile_read(missing, &data, NULL, NULL));
    assert_null(data);
    g_free(missing);
    g_free(dir);
    g_free(path);
}

static void test_atomic_write_umask(void **state)
{
    char *path = g_build_filename(*state, "sub", "f", NULL);
    mode_t old = umask(0);
    bool ok = atomicfile_write(path, "x", 1, NULL);
    umask(old);
    assert_true(ok);
    assert_int_equal(fx_mode_of(path), 0600);
    char *dir = g_path_get_dirname(path);
    assert_int_equal(fx_mode_of(dir), 0700);
    g_free(dir);
    g_free(path);
}

static void test_atomic_write_keeps_symlink(void **state)
{
    char *real = g_build_filename(*state, "real", NULL);
    char *link = g_build_filename(*state, "link", NULL);
    fx_write_text(real, "old");
    assert_int_equal(symlink("real", link), 0);
    assert_true(atomicfile_write(link, "new", 3, NULL));
    assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
    char *text = fx_read_text(real);
    assert_string_equal(text, "new");
    g_free(text);

    /* a dangling link is an error, and nothing is created */
    char *dangling = g_build_filename(*state, "dangling", NULL);
    assert_int_equal(symlink("nowhere/x", dangling), 0);
    char *err = NULL;
    assert_false(atomicfile_write(dangling, "x", 1, &err));
    assert_non_null(err);
    g_free(err);
    char *nowhere = g_build_filename(*state, "nowhere", NULL);
    assert_false(g_file_test(nowhere, G_FILE_TEST_EXISTS));
    g_free(nowhere);
    g_free(dangling);
    g_free(real);
    g_free(link);
}

static void test_atomic_write_failures(void **state)
{
    char *err = NULL;
    /* target is a directory: rename fails, the temp file is removed */
    char *dir = g_build_filename(*state, "isdir", NULL);
    assert_int_equal(g_mkdir(dir, 0700), 0);
    assert_false(atomicfile_write(dir, "x", 1, &err));
    char *want = g_strdup_printf("cannot write %s: %s", dir, g_strerror(EISDIR));
    assert_string_equal(err, want);
    g_free(want);
    g_free(err);
    err = NULL;
    assert_int_equal(fx_count_entries(*state), 1);

    /* old content survives a failed write */
    char *blocker = g_build_filename(*state, "blocker", NULL);
    fx_write_text(blocker, "keep");
    char *under = g_build_filename(blocker, "x", NULL);
    assert_false(atomicfile_write(under, "y", 1, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, g_strerror(ENOTDIR)));
    g_free(err);
    char *text = fx_read_text(blocker);
    assert_string_equal(text, "keep");
    g_free(text);

    assert_false(atomicfile_write("", "x", 1, NULL));
    err = NULL;
    assert_false(atomicfile_ensure_dir(under, &err));
    want = g_strdup_printf("cannot create directory %s: %s", under, g_strerror(ENOTDIR));
    assert_string_equal(err, want);
    g_free(want);
    g_free(err);
    assert_true(atomicfile_ensure_dir(*state, NULL));
    assert_false(atomicfile_ensure_dir("", NULL));

    /* unreadable: a directory */
    char *data = NULL;
    err = NULL;
    assert_false(atomicfile_read(dir, &data, NULL, &err));
    assert_null(data);
    assert_non_null(err);
    g_free(err);

    g_free(under);
    g_free(blocker);
    g_free(dir);
}

static void test_atomic_write_no_permission(void **state)
{
    if (geteuid() == 0)
        skip(); /* root ignores directory permissions */
    char *dir = g_build_filename(*state, "ro", NULL);
    assert_int_equal(g_mkdir(dir, 0500), 0);
    char *path = g_build_filename(dir, "f", NULL);
    char *err = NULL;
    assert_false(atomicfile_write(path, "x", 1, &err));
    char *want = g_strdup_printf("cannot write %s: %s", path, g_strerror(EACCES));
    assert_string_equal(err, want);
    g_free(want);
    g_free(err);
    chmod(dir, 0700);
    g_free(path);
    g_free(dir);
}

/* Existing directories keep their mode. */
static void test_ensure_dir_existing(void **state)
{
    char *dir = g_build_filename(*state, "open", NULL);
    assert_int_equal(g_mkdir(dir, 0755), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_true(atomicfile_ensure_dir(dir, NULL));
    assert_int_equal(fx_mode_of(dir), 0755);
    char *sub = g_build_filename(dir, "x", "y", NULL);
    assert_true(atomicfile_ensure_dir(sub, NULL));
    assert_int_equal(fx_mode_of(sub), 0700);
    char *x = g_path_get_dirname(sub);
    assert_int_equal(fx_mode_of(x), 0700);
    g_free(x);
    g_free(sub);
    g_free(dir);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup_tmpdir, teardown)
    const struct CMUnitTest tests[] = {
        T(test_table_sane),
        T(test_defaults),
        T(test_typed_getters_misuse),
        T(test_unknown_key),
        T(test_int_values),
        T(test_bool_values),
        T(test_enum_values),
        T(test_string_values),
        T(test_path_values),
        T(test_reset_and_callback),
        T(test_load_with_problems),
        T(test_load_duplicate_key_reports_last_line),
        T(test_load_missing_file),
        T(test_load_clean_file),
        T(test_load_unparsable),
        T(test_load_unreadable),
        T(test_load_bad_escape_and_utf8),
        T(test_save_roundtrip),
        T(test_save_keeps_comments_and_unknown),
        T(test_save_drops_reset_values),
        T(test_save_replaces_loose_mode),
        T(test_save_without_path),
        T(test_save_failure),
        T(test_atomic_write_and_read),
        T(test_atomic_write_umask),
        T(test_atomic_write_keeps_symlink),
        T(test_atomic_write_failures),
        T(test_atomic_write_no_permission),
        T(test_ensure_dir_existing),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

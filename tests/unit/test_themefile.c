/* test_themefile.c - theme file parsing, palette mapping, XEP-0392 hues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "ui/themefile.h"

static void test_style(void **state)
{
    trole r;
    char *err = NULL;
    assert_true(themefile_parse_style("white on blue bold", &r, &err));
    assert_int_equal(r.fg.kind, TCOL_INDEX);
    assert_int_equal(r.fg.index, 7);
    assert_int_equal(r.bg.index, 4);
    assert_int_equal(r.attrs, TATTR_BOLD);
    assert_true(themefile_parse_style("BrightRed underline reverse", &r, &err));
    assert_int_equal(r.fg.index, 9);
    assert_int_equal(r.bg.kind, TCOL_DEFAULT);
    assert_int_equal(r.attrs, TATTR_UNDERLINE | TATTR_REVERSE);
    assert_true(themefile_parse_style("#5fd700 on color236", &r, &err));
    assert_int_equal(r.fg.kind, TCOL_RGB);
    assert_int_equal(r.fg.rgb, 0x5fd700);
    assert_int_equal(r.bg.index, 236);
    assert_true(themefile_parse_style("default dim", &r, &err));
    assert_int_equal(r.fg.kind, TCOL_DEFAULT);

    assert_false(themefile_parse_style("purple", &r, &err));
    assert_string_equal(err, "unknown colour or attribute 'purple'");
    g_free(err);
    err = NULL;
    assert_false(themefile_parse_style("red on", &r, &err));
    assert_string_equal(err, "'on' needs a background colour, got 'nothing'");
    g_free(err);
    err = NULL;
    assert_false(themefile_parse_style("color256", &r, &err));
    g_free(err);
    err = NULL;
    assert_false(themefile_parse_style("#12345", &r, &err));
    g_free(err);
    err = NULL;
    assert_false(themefile_parse_style("red blue", &r, &err)); /* two foregrounds */
    g_free(err);
}

static void test_file_ok(void **state)
{
    theme_spec spec;
    char *errors = NULL;
    const char *text = "[theme]\ndescription = x\ncontact_colours = false\n"
                       "[colours]\ntitle = black on cyan\nnick_own = green bold\n";
    assert_true(themefile_parse("t.theme", text, &spec, &errors));
    assert_null(errors);
    assert_false(spec.contact_colours);
    assert_string_equal(spec.description, "x");
    assert_true(spec.roles[THEME_TITLE].set);
    assert_int_equal(spec.roles[THEME_TITLE].bg.index, 6);
    assert_true(spec.roles[THEME_NICK_OWN].set);
    assert_false(spec.roles[THEME_TEXT].set);
    themefile_spec_clear(&spec);
}

static void test_file_errors_have_lines(void **state)
{
    theme_spec spec;
    char *errors = NULL;
    const char *text = "[theme]\n"           /* 1 */
                       "description = bad\n" /* 2 */
                       "[colours]\n"         /* 3 */
                       "title = purple\n"    /* 4 */
                       "# comment\n"         /* 5 */
                       "nosuch = red\n"      /* 6 */
                       "[extra]\n"           /* 7 */
                       "x = 1\n";
    assert_false(themefile_parse("b.theme", text, &spec, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, "b.theme:4: title: unknown colour or attribute 'purple'"));
    assert_non_null(strstr(errors, "b.theme:6: unknown role 'nosuch'"));
    assert_non_null(strstr(errors, "b.theme:7: unknown section [extra]"));
    g_free(errors);
    errors = NULL;
    assert_false(themefile_parse("c.theme", "not an ini file [", &spec, &errors));
    assert_true(g_str_has_prefix(errors, "c.theme: "));
    g_free(errors);
}

static void test_palette(void **state)
{
    assert_int_equal(themefile_palette(1), 0xcd0000);
    assert_int_equal(themefile_palette(16), 0x000000);
    assert_int_equal(themefile_palette(196), 0xff0000);
    assert_int_equal(themefile_palette(231), 0xffffff);
    assert_int_equal(themefile_palette(244), 0x808080);
    assert_int_equal(themefile_nearest(0xff0000, 256), 9); /* first exact match */
    assert_int_equal(themefile_nearest(0x5fd700, 256), 76);
    assert_int_equal(themefile_nearest(0xff0000, 8), 1); /* red */
    assert_int_equal(themefile_nearest(0x0000ff, 8), 4); /* blue */
    assert_int_equal(themefile_nearest(0xfafafa, 8), 7); /* white */
    assert_int_equal(themefile_nearest(0x101010, 8), 0); /* black */
}

static void test_consistent_colour(void **state)
{
    /* XEP-0392 test vectors (angles). */
    assert_true(fabs(themefile_hue("Romeo") - 327.255249) < 0.001);
    assert_true(fabs(themefile_hue("juliet@capulet.lit") - 209.410400) < 0.0001);
    assert_true(fabs(themefile_hue("council") - 359.994507) < 0.001);
    /* The same input always gives the same colour; different ones differ. */
    assert_int_equal(themefile_consistent_rgb("Romeo"), themefile_consistent_rgb("Romeo"));
    assert_int_not_equal(themefile_consistent_rgb("Romeo"),
                         themefile_consistent_rgb("juliet@capulet.lit"));
    assert_true(fabs(themefile_hue("Board") - 171.430664) < 0.0001);
    /* The XEP's RGB test vectors (HSLuv, saturation 100, lightness 50). */
    static const struct {
        const char *s;
        double r, g, b;
    } v[] = {{"Romeo", 0.865, 0.000, 0.686},
             {"juliet@capulet.lit", 0.000, 0.515, 0.573},
             {"\xf0\x9f\x98\xba", 0.872, 0.000, 0.659},
             {"council", 0.918, 0.000, 0.394},
             {"Board", 0.000, 0.527, 0.457}};
    for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        double rgb[3];
        themefile_consistent_rgbf(v[i].s, rgb);
        if (fabs(rgb[0] - v[i].r) > 0.001 || fabs(rgb[1] - v[i].g) > 0.001 ||
            fabs(rgb[2] - v[i].b) > 0.001)
            fail_msg("%s: got %.3f %.3f %.3f, want %.3f %.3f %.3f", v[i].s, rgb[0], rgb[1], rgb[2],
                     v[i].r, v[i].g, v[i].b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_style),
        cmocka_unit_test(test_file_ok),
        cmocka_unit_test(test_file_errors_have_lines),
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_consistent_colour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* themefile.c - parsing theme files and colour arithmetic. */
#include "ui/themefile.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[THEME__COUNT] = {
    [THEME_TEXT] = "text",
    [THEME_TIME] = "time",
    [THEME_TITLE] = "title",
    [THEME_STATUS] = "status",
    [THEME_STATUS_ACTIVE] = "status_active",
    [THEME_STATUS_HIGHLIGHT] = "status_highlight",
    [THEME_STATUS_CURRENT] = "status_current",
    [THEME_NICK_OWN] = "nick_own",
    [THEME_NICK_OTHER] = "nick_other",
    [THEME_INFO] = "info",
    [THEME_ERROR] = "error",
    [THEME_PRESENCE] = "presence",
    [THEME_ROSTER_GROUP] = "roster_group",
    [THEME_ROSTER_ONLINE] = "roster_online",
    [THEME_ROSTER_AWAY] = "roster_away",
    [THEME_ROSTER_DND] = "roster_dnd",
    [THEME_ROSTER_OFFLINE] = "roster_offline",
    [THEME_INPUT] = "input",
    [THEME_STYLE_STRONG] = "style_strong",
    [THEME_STYLE_EMPHASIS] = "style_emphasis",
    [THEME_STYLE_STRIKE] = "style_strike",
    [THEME_STYLE_CODE] = "style_code",
    [THEME_STYLE_QUOTE] = "style_quote",
    [THEME_STYLE_MARKER] = "style_marker",
    [THEME_SELECTED] = "selected",
};

static const char *const colour_names[8] = {"black", "red",     "green", "yellow",
                                            "blue",  "magenta", "cyan",  "white"};

const char *themefile_role_name(theme_role role)
{
    return (unsigned)role < THEME__COUNT ? role_names[role] : "?";
}

static bool parse_colour(const char *w, tcol *out)
{
    if (!strcmp(w, "default")) {
        *out = (tcol){TCOL_DEFAULT, -1, 0};
        return true;
    }
    for (int i = 0; i < 8; i++) {
        if (!strcmp(w, colour_names[i])) {
            *out = (tcol){TCOL_INDEX, i, 0};
            return true;
        }
        if ((g_str_has_prefix(w, "bright") && !strcmp(w + 6, colour_names[i])) ||
            (g_str_has_prefix(w, "light") && !strcmp(w + 5, colour_names[i]))) {
            *out = (tcol){TCOL_INDEX, i + 8, 0};
            return true;
        }
    }
    if (g_str_has_prefix(w, "color") || g_str_has_prefix(w, "colour")) {
        const char *num = w + (w[5] == 'u' ? 6 : 5);
        char *end;
        long n = strtol(num, &end, 10);
        if (*num && !*end && n >= 0 && n <= 255) {
            *out = (tcol){TCOL_INDEX, (int)n, 0};
            return true;
        }
        return false;
    }
    if (w[0] == '#' && strlen(w) == 7) {
        for (int i = 1; i < 7; i++)
            if (!g_ascii_isxdigit(w[i]))
                return false;
        *out = (tcol){TCOL_RGB, -1, (uint32_t)strtoul(w + 1, NULL, 16)};
        return true;
    }
    return false;
}

static bool parse_attr(const char *w, unsigned *attrs)
{
    static const struct {
        const char *name;
        unsigned flag;
    } names[] = {{"bold", TATTR_BOLD},
                 {"dim", TATTR_DIM},
                 {"underline", TATTR_UNDERLINE},
                 {"reverse", TATTR_REVERSE},
                 {"italic", TATTR_ITALIC}};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(w, names[i].name)) {
            *attrs |= names[i].flag;
            return true;
        }
    }
    return false;
}

bool themefile_parse_style(const char *value, trole *out, char **err)
{
    trole r = {true, {TCOL_DEFAULT, -1, 0}, {TCOL_DEFAULT, -1, 0}, 0};
    char **words = g_strsplit_set(value, " \t", -1);
    bool have_fg = false, ok = true;
    for (int i = 0; words[i] && ok; i++) {
        char *w = g_ascii_strdown(words[i], -1);
        if (!*w) {
            g_free(w);
            continue;
        }
        if (!strcmp(w, "on")) {
            char *bg = words[i + 1] ? g_ascii_strdown(words[i + 1], -1) : NULL;
            if (!bg || !parse_colour(bg, &r.bg)) {
                *err = g_strdup_printf("'on' needs a background colour, got '%s'",
                                       bg ? bg : "nothing");
                ok = false;
            }
            g_free(bg);
            if (words[i + 1])
                i++;
        } else if (!have_fg && parse_colour(w, &r.fg)) {
            have_fg = true;
        } else if (!parse_attr(w, &r.attrs)) {
            *err = g_strdup_printf("unknown colour or attribute '%s'", words[i]);
            ok = false;
        }
        g_free(w);
    }
    g_strfreev(words);
    if (ok)
        *out = r;
    return ok;
}

/* Line number of "KEY =" inside [GROUP] in TEXT (0 when not found). */
static int line_of(const char *text, const char *group, const char *key)
{
    char **lines = g_strsplit(text, "\n", -1);
    bool in_group = group == NULL;
    int found = 0;
    for (int i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);
        if (l[0] == '[') {
            in_group = group && g_str_has_prefix(l + 1, group) && l[1 + strlen(group)] == ']';
            if (!key && in_group) {
                found = i + 1;
                break;
            }
            continue;
        }
        if (in_group && key && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '=') {
                found = i + 1;
                break;
            }
        }
    }
    g_strfreev(lines);
    return found;
}

void themefile_spec_clear(theme_spec *spec)
{
    g_free(spec->description);
    memset(spec, 0, sizeof(*spec));
}

bool themefile_parse(const char *file, const char *text, theme_spec *spec, char **errors)
{
    memset(spec, 0, sizeof(*spec));
    spec->contact_colours = true;
    GString *errs = g_string_new(NULL);
    GKeyFile *kf = g_key_file_new();
    GError *e = NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &e)) {
        g_string_append_printf(errs, "%s: %s\n", file, e->message);
        g_error_free(e);
        g_key_file_free(kf);
        *errors = g_string_free(errs, FALSE);
        return false;
    }
    gsize ngroups = 0;
    char **groups = g_key_file_get_groups(kf, &ngroups);
    for (gsize g = 0; g < ngroups; g++)
        if (strcmp(groups[g], "theme") && strcmp(groups[g], "colours") &&
            strcmp(groups[g], "colors"))
            g_string_append_printf(errs, "%s:%d: unknown section [%s]\n", file,
                                   line_of(text, groups[g], NULL), groups[g]);
    g_strfreev(groups);
    spec->description = g_key_file_get_string(kf, "theme", "description", NULL);
    if (g_key_file_has_key(kf, "theme", "contact_colours", NULL)) {
        spec->contact_colours = g_key_file_get_boolean(kf, "theme", "contact_colours", &e);
        if (e) {
            g_string_append_printf(errs, "%s:%d: contact_colours must be true or false\n", file,
                                   line_of(text, "theme", "contact_colours"));
            g_clear_error(&e);
        }
    }
    const char *cgroup = g_key_file_has_group(kf, "colours") ? "colours" : "colors";
    gsize nkeys = 0;
    char **keys = g_key_file_get_keys(kf, cgroup, &nkeys, NULL);
    for (gsize k = 0; k < nkeys; k++) {
        int role = -1;
        for (int r = 0; r < THEME__COUNT; r++)
            if (!strcmp(keys[k], role_names[r]))
                role = r;
        int line = line_of(text, cgroup, keys[k]);
        if (role < 0) {
            g_string_append_printf(errs, "%s:%d: unknown role '%s'\n", file, line, keys[k]);
            continue;
        }
        char *value = g_key_file_get_string(kf, cgroup, keys[k], NULL);
        char *err = NULL;
        if (!value || !themefile_parse_style(value, &spec->roles[role], &err)) {
            g_string_append_printf(errs, "%s:%d: %s: %s\n", file, line, keys[k],
                                   err ? err : "bad value");
        }
        g_free(err);
        g_free(value);
    }
    g_strfreev(keys);
    g_key_file_free(kf);
    if (errs->len) {
        *errors = g_string_free(errs, FALSE);
        themefile_spec_clear(spec);
        return false;
    }
    g_string_free(errs, TRUE);
    *errors = NULL;
    return true;
}

uint32_t themefile_palette(int i)
{
    static const uint32_t base[16] = {0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
                                      0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
                                      0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff};
    if (i < 16)
        return base[i < 0 ? 0 : i];
    if (i < 232) {
        static const int steps[6] = {0, 95, 135, 175, 215, 255};
        int n = i - 16;
        return (uint32_t)(steps[n / 36] << 16 | steps[(n / 6) % 6] << 8 | steps[n % 6]);
    }
    int v = 8 + 10 * (i - 232);
    return (uint32_t)(v << 16 | v << 8 | v);
}

int themefile_nearest(uint32_t rgb, int n)
{
    int r = (int)(rgb >> 16 & 0xff), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < n && i < 256; i++) {
        uint32_t p = themefile_palette(i);
        long dr = r - (long)(p >> 16 & 0xff), dg = g - (long)(p >> 8 & 0xff),
             db = b - (long)(p & 0xff);
        /* Weighted for the eye's greater sensitivity to green. */
        long d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

double themefile_hue(const char *s)
{
    guint8 digest[20];
    gsize len = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
    g_checksum_get_digest(ck, digest, &len);
    g_checksum_free(ck);
    /* XEP-0392 5.1: the first two bytes, little endian, scaled to 360. */
    unsigned v = (unsigned)digest[0] | (unsigned)digest[1] << 8;
    return (double)v / 65536.0 * 360.0;
}

/* HSLuv (the XEP's colour space) to sRGB, components 0..1. */
static const double M[3][3] = {
    {3.240969941904521, -1.537383177570093, -0.498610760293},
    {-0.96924363628087, 1.87596750150772, 0.041555057407175},
    {0.055630079696993, -0.20397695888897, 1.056971514242878},
};
#define REF_U 0.19783000664283
#define REF_V 0.46831999493879
#define KAPPA 903.2962962
#define EPSILON 0.0088564516

/* Largest chroma for lightness L and hue H (degrees) that stays in sRGB:
 * the nearest of the six lines where a channel reaches 0 or 1. */
static double max_chroma(double l, double h)
{
    double sub1 = pow(l + 16, 3) / 1560896.0;
    double sub2 = sub1 > EPSILON ? sub1 : l / KAPPA;
    double hrad = h / 360.0 * 2 * M_PI;
    double best = INFINITY;
    for (int c = 0; c < 3; c++) {
        double m1 = M[c][0], m2 = M[c][1], m3 = M[c][2];
        for (int t = 0; t < 2; t++) {
            double top1 = (284517 * m1 - 94839 * m3) * sub2;
            double top2 = (838422 * m3 + 769860 * m2 + 731718 * m1) * l * sub2 - 769860.0 * t * l;
            double bottom = (632260 * m3 - 126452 * m2) * sub2 + 126452.0 * t;
            double slope = top1 / bottom, intercept = top2 / bottom;
            double len = intercept / (sin(hrad) - slope * cos(hrad));
            if (len >= 0 && len < best)
                best = len;
        }
    }
    return best;
}

static double from_linear(double c)
{
    return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
}

static void hsluv_to_rgb(double h, double s, double l, double rgb[3])
{
    /* HSLuv -> LCh(uv) */
    double c = (l > 99.9999999 || l < 1e-8) ? 0 : max_chroma(l, h) / 100 * s;
    double hrad = h / 360.0 * 2 * M_PI;
    /* LCh -> Luv */
    double u = cos(hrad) * c, v = sin(hrad) * c;
    /* Luv -> XYZ */
    double x = 0, y = 0, z = 0;
    if (l > 0) {
        double var_u = u / (13 * l) + REF_U, var_v = v / (13 * l) + REF_V;
        y = l <= 8 ? l / KAPPA : pow((l + 16) / 116, 3);
        x = 0 - (9 * y * var_u) / ((var_u - 4) * var_v - var_u * var_v);
        z = (9 * y - 15 * var_v * y - var_v * x) / (3 * var_v);
    }
    /* XYZ -> sRGB */
    for (int i = 0; i < 3; i++) {
        double lin = M[i][0] * x + M[i][1] * y + M[i][2] * z;
        double g = from_linear(lin);
        rgb[i] = g < 0 ? 0 : (g > 1 ? 1 : g);
    }
}

void themefile_consistent_rgbf(const char *s, double rgb[3])
{
    /* XEP-0392 5.2: saturation 100, lightness 50 in HSLuv. */
    hsluv_to_rgb(themefile_hue(s), 100, 50, rgb);
}

uint32_t themefile_consistent_rgb(const char *s)
{
    double rgb[3];
    themefile_consistent_rgbf(s, rgb);
    return (uint32_t)lround(rgb[0] * 255) << 16 | (uint32_t)lround(rgb[1] * 255) << 8 |
           (uint32_t)lround(rgb[2] * 255);
}

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
    } names[] = {{"bold", TATTR_BOLD},       {"dim", TATTR_DIM},
                 {"underline", TATTR_UNDERLINE}, {"reverse", TATTR_REVERSE},
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

uint32_t themefile_consistent_rgb(const char *s)
{
    /* HSL with saturation 1 and lightness 0.5 (the XEP asks for HSLuv; on
     * a terminal palette the nearest colour is what shows either way). */
    double h = themefile_hue(s) / 60.0;
    double x = 1.0 - fabs(fmod(h, 2.0) - 1.0);
    double r = 0, g = 0, b = 0;
    switch ((int)h % 6) {
    case 0: r = 1, g = x; break;
    case 1: r = x, g = 1; break;
    case 2: g = 1, b = x; break;
    case 3: g = x, b = 1; break;
    case 4: r = x, b = 1; break;
    default: r = 1, b = x; break;
    }
    return (uint32_t)lround(r * 255) << 16 | (uint32_t)lround(g * 255) << 8 |
           (uint32_t)lround(b * 255);
}

/* theme.c - applying themes to the terminal: colour pairs, degrading
 * colours to what the terminal has, loading theme files. */
#include "ui/theme.h"

#include <glib.h>
#include <ncurses.h>
#include <string.h>

#include "config/settings.h"
#include "core/paths.h"
#include "ui/themefile.h"

#ifndef NATTER_THEMES_DIR
#define NATTER_THEMES_DIR "/usr/local/share/natter/themes"
#endif

typedef struct {
    short fg, bg;
    int attrs;      /* with colour */
    int mono_attrs; /* without colour */
} role_style;

/* The built-in default: 8 colours, attributes without colour. */
static const role_style defaults[THEME__COUNT] = {
    [THEME_TEXT] = {-1, -1, 0, 0},
    [THEME_TIME] = {COLOR_CYAN, -1, 0, A_DIM},
    [THEME_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [THEME_STATUS] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
    [THEME_STATUS_ACTIVE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [THEME_STATUS_HIGHLIGHT] = {COLOR_MAGENTA, COLOR_BLUE, A_BOLD,
                                A_REVERSE | A_BOLD | A_UNDERLINE},
    [THEME_STATUS_CURRENT] = {COLOR_WHITE, COLOR_BLUE, A_BOLD | A_UNDERLINE,
                              A_REVERSE | A_UNDERLINE},
    [THEME_NICK_OWN] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [THEME_NICK_OTHER] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [THEME_INFO] = {COLOR_CYAN, -1, 0, 0},
    [THEME_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [THEME_PRESENCE] = {COLOR_MAGENTA, -1, 0, A_DIM},
    [THEME_ROSTER_GROUP] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [THEME_ROSTER_ONLINE] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [THEME_ROSTER_AWAY] = {COLOR_YELLOW, -1, 0, 0},
    [THEME_ROSTER_DND] = {COLOR_RED, -1, 0, 0},
    [THEME_ROSTER_OFFLINE] = {COLOR_BLUE, -1, A_DIM, A_DIM},
    [THEME_INPUT] = {-1, -1, 0, 0},
    [THEME_STYLE_STRONG] = {-1, -1, A_BOLD, A_BOLD},
    [THEME_STYLE_EMPHASIS] = {-1, -1, A_ITALIC, A_ITALIC},
    [THEME_STYLE_STRIKE] = {-1, -1, A_DIM, A_DIM},
    [THEME_STYLE_CODE] = {COLOR_CYAN, -1, 0, 0},
    [THEME_STYLE_QUOTE] = {COLOR_GREEN, -1, 0, 0},
    [THEME_STYLE_MARKER] = {-1, -1, A_DIM, A_DIM},
    [THEME_SELECTED] = {-1, -1, A_REVERSE, A_REVERSE},
};

static bool is_style_role(int r)
{
    return r >= THEME_STYLE_STRONG && r <= THEME_STYLE_MARKER;
}

static int attrs[THEME__COUNT];
static bool colour;
static bool contact_colours = true;
static char *current;
static GHashTable *pairs; /* (fg << 16 | bg) -> pair number */
static short next_pair = 1;

/* A colour pair for FG/BG (ncurses numbers, -1 default), reused. */
static int pair_for(short fg, short bg)
{
    guint key = (guint)(fg + 1) << 16 | (guint)(bg + 1);
    gpointer v = g_hash_table_lookup(pairs, GUINT_TO_POINTER(key));
    if (v)
        return GPOINTER_TO_INT(v);
    if (next_pair >= COLOR_PAIRS || next_pair >= 32767)
        return 0; /* out of pairs: plain */
    init_pair(next_pair, fg, bg);
    g_hash_table_insert(pairs, GUINT_TO_POINTER(key), GINT_TO_POINTER((int)next_pair));
    return next_pair++;
}

/* A theme colour as the terminal can show it; *BOLD is set when an 8-colour
 * terminal shows a bright colour as bold. */
static short terminal_colour(tcol c, bool *bold)
{
    if (c.kind == TCOL_DEFAULT)
        return -1;
    int n = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
    int idx = c.kind == TCOL_RGB ? themefile_nearest(c.rgb, n) : c.index;
    /* Bright named colours on 8 colours: the base colour in bold (below);
     * anything else beyond the palette: the nearest colour it has. */
    if (idx >= n && !(n == 8 && idx < 16))
        idx = themefile_nearest(themefile_palette(idx), n);
    if (n == 8 && idx >= 8) {
        idx -= 8;
        if (bold)
            *bold = true;
    }
    return (short)idx;
}

static int style_attrs(unsigned a)
{
    int r = 0;
    if (a & TATTR_BOLD)
        r |= A_BOLD;
    if (a & TATTR_DIM)
        r |= A_DIM;
    if (a & TATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & TATTR_REVERSE)
        r |= A_REVERSE;
    if (a & TATTR_ITALIC)
        r |= A_ITALIC;
    return r;
}

/* Attributes of every role for SPEC (NULL: the built-in default). */
static void compute(const theme_spec *spec, int *out)
{
    for (int r = 0; r < THEME__COUNT; r++) {
        const trole *t = spec ? &spec->roles[r] : NULL;
        if (!colour) {
            out[r] = t && t->set ? style_attrs(t->attrs) : defaults[r].mono_attrs;
            if (t && t->set && !out[r] && (r == THEME_TITLE || r == THEME_STATUS))
                out[r] = A_REVERSE; /* bars stay visible without colour */
        } else if (!t || !t->set) {
            /* Styling roles in default colours keep the line's colour. */
            bool plain = is_style_role(r) && defaults[r].fg == -1 && defaults[r].bg == -1;
            out[r] = (plain ? 0 : (int)COLOR_PAIR(pair_for(defaults[r].fg, defaults[r].bg))) |
                     defaults[r].attrs;
        } else {
            bool bold = false;
            short fg = terminal_colour(t->fg, &bold), bg = terminal_colour(t->bg, NULL);
            bool plain = is_style_role(r) && fg == -1 && bg == -1;
            out[r] = (plain ? 0 : (int)COLOR_PAIR(pair_for(fg, bg))) | style_attrs(t->attrs) |
                     (bold ? A_BOLD : 0);
        }
        /* Emphasis where the terminal cannot draw italics: underlined. */
        if (is_style_role(r) && (out[r] & A_ITALIC) && !(term_attrs() & A_ITALIC))
            out[r] = (out[r] & ~A_ITALIC) | A_UNDERLINE;
    }
}

void theme_init(void)
{
    pairs = g_hash_table_new(g_direct_hash, g_direct_equal);
    colour = has_colors() && start_color() == OK;
    if (colour)
        use_default_colors();
    compute(NULL, attrs);
    g_free(current);
    current = g_strdup("default");
    contact_colours = true;
}

void theme_deinit(void)
{
    if (pairs)
        g_hash_table_destroy(pairs);
    pairs = NULL;
    g_clear_pointer(&current, g_free);
}

int theme_attr(theme_role role)
{
    return (unsigned)role < THEME__COUNT ? attrs[role] : 0;
}

int theme_style(int base, theme_role role)
{
    int s = theme_attr(role), colour_bits = (int)A_COLOR;
    return (s & colour_bits) ? ((base & ~colour_bits) | s) : (base | s);
}

const char *theme_current(void)
{
    return current ? current : "default";
}

/* Directories searched, user's first. */
static char **theme_dirs(void)
{
    char **dirs = g_new0(char *, 5);
    int n = 0;
    dirs[n++] = g_build_filename(paths_config_dir(), "themes", NULL);
    const char *env = g_getenv("NATTER_THEMES_DIR");
    if (env && *env)
        dirs[n++] = g_strdup(env);
    dirs[n++] = g_strdup(NATTER_THEMES_DIR);
#ifdef NATTER_SOURCE_THEMES_DIR
    /* Running from the build tree, before make install. */
    dirs[n++] = g_strdup(NATTER_SOURCE_THEMES_DIR);
#endif
    return dirs;
}

static bool valid_name(const char *name)
{
    if (!*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    return name[0] != '.';
}

/* Read and parse theme NAME. */
static bool read_spec(const char *name, theme_spec *spec, char **errors)
{
    if (!valid_name(name)) {
        *errors = g_strdup_printf("'%s' is not a theme name (letters, digits, - _ .)", name);
        return false;
    }
    char **dirs = theme_dirs();
    char *file = g_strdup_printf("%s.theme", name);
    bool ok = false, found = false;
    for (char **d = dirs; *d && !found; d++) {
        char *path = g_build_filename(*d, file, NULL);
        char *text = NULL;
        gsize len = 0;
        if (g_file_get_contents(path, &text, &len, NULL)) {
            found = true;
            /* The whole file, NUL bytes included: a binary file whose start
             * happens to parse is no theme. */
            if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
                *errors =
                    g_strdup_printf("%s: not a theme (binary data; a theme is UTF-8 text)", path);
            } else {
                ok = themefile_parse(path, text, spec, errors);
            }
            g_free(text);
        }
        g_free(path);
    }
    if (!found)
        *errors = g_strdup_printf("no theme '%s' (/theme list shows them)", name);
    g_free(file);
    g_strfreev(dirs);
    return ok;
}

bool theme_load(const char *name, char **errors)
{
    *errors = NULL;
    theme_spec spec;
    if (read_spec(name, &spec, errors)) {
        compute(&spec, attrs);
        contact_colours = spec.contact_colours;
        themefile_spec_clear(&spec);
    } else if (!strcmp(name, "default") && g_str_has_prefix(*errors, "no theme")) {
        /* The built-in default needs no file. */
        g_clear_pointer(errors, g_free);
        compute(NULL, attrs);
        contact_colours = true;
    } else {
        return false;
    }
    g_free(current);
    current = g_strdup(name);
    return true;
}

bool theme_preview(const char *name, int *out, char **errors)
{
    *errors = NULL;
    theme_spec spec;
    if (!read_spec(name, &spec, errors))
        return false;
    compute(&spec, out);
    themefile_spec_clear(&spec);
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **theme_list(void)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_add(seen, g_strdup("default"));
    char **dirs = theme_dirs();
    for (char **d = dirs; *d; d++) {
        GDir *dir = g_dir_open(*d, 0, NULL);
        const char *e;
        while (dir && (e = g_dir_read_name(dir)))
            if (g_str_has_suffix(e, ".theme") && strlen(e) > 6)
                g_hash_table_add(seen, g_strndup(e, strlen(e) - 6));
        if (dir)
            g_dir_close(dir);
    }
    g_strfreev(dirs);
    guint n;
    char **names = (char **)g_hash_table_get_keys_as_array(seen, &n);
    char **out = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        out[i] = g_strdup(names[i]);
    g_free(names);
    g_hash_table_destroy(seen);
    qsort(out, n, sizeof(char *), cmp_names);
    return out;
}

int theme_contact_attr(const char *s)
{
    if (!colour || !contact_colours || !s)
        return theme_attr(THEME_NICK_OTHER);
    tcol c = {TCOL_RGB, -1, themefile_consistent_rgb(s)};
    int n = COLORS >= 256 ? 256 : 8;
    if (n == 8) {
        /* Only the six colours that read on any background. */
        static const short six[] = {COLOR_RED,  COLOR_GREEN,   COLOR_YELLOW,
                                    COLOR_BLUE, COLOR_MAGENTA, COLOR_CYAN};
        int best = themefile_nearest(c.rgb, 8);
        short fg = best >= 1 && best <= 6 ? six[best - 1] : COLOR_CYAN;
        return (int)COLOR_PAIR(pair_for(fg, -1)) | A_BOLD;
    }
    return (int)COLOR_PAIR(pair_for(terminal_colour(c, NULL), -1)) | A_BOLD;
}

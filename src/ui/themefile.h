/* themefile.h - theme files: parsing and colour arithmetic, no ncurses.
 *
 * A theme is an INI file (GKeyFile):
 *
 *   [theme]
 *   description = Light background
 *   contact_colours = true          # XEP-0392 nick colours (default true)
 *   [colours]
 *   title = white on blue bold      # FG [on BG] [bold|dim|underline|reverse|italic]...
 *   nick_own = #5fd700
 *   time = color244
 *
 * Colours: default, the 8 names (black red green yellow blue magenta cyan
 * white), their bright variants (brightred...), colorN (0-255) and #rrggbb.
 * Roles not set keep the built-in default. Every problem is reported as
 * "FILE:LINE: message" and the theme is then not used.
 */
#ifndef NATTER_UI_THEMEFILE_H
#define NATTER_UI_THEMEFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/theme.h"

typedef enum { TCOL_DEFAULT, TCOL_INDEX, TCOL_RGB } tcol_kind;

typedef struct {
    tcol_kind kind;
    int index;    /* TCOL_INDEX: 0-255 */
    uint32_t rgb; /* TCOL_RGB: 0xRRGGBB */
} tcol;

enum {
    TATTR_BOLD = 1 << 0,
    TATTR_DIM = 1 << 1,
    TATTR_UNDERLINE = 1 << 2,
    TATTR_REVERSE = 1 << 3,
    TATTR_ITALIC = 1 << 4,
};

typedef struct {
    bool set; /* given in the file */
    tcol fg, bg;
    unsigned attrs;
} trole;

typedef struct {
    char *description;
    bool contact_colours;
    trole roles[THEME__COUNT];
} theme_spec;

/* The file name of ROLE in theme files ("title", "nick_own", ...). */
const char *themefile_role_name(theme_role role);

/* Parse one "FG [on BG] [attrs...]" value. Returns false with *ERR
 * (g_free) naming the bad word. */
bool themefile_parse_style(const char *value, trole *out, char **err);

/* Parse theme TEXT (from FILE, for messages) into *SPEC. Returns false with
 * *ERRORS (g_free; "FILE:LINE: message" lines) when anything is wrong. */
bool themefile_parse(const char *file, const char *text, theme_spec *spec, char **errors);
void themefile_spec_clear(theme_spec *spec);

/* The palette index nearest to RGB among the first N colours of the
 * xterm palette (N = 8, 16 or 256). */
int themefile_nearest(uint32_t rgb, int n);
/* The xterm palette's RGB value of index I (0-255). */
uint32_t themefile_palette(int i);

/* XEP-0392 consistent colour of S: the hue angle (0-360) from SHA-1, and
 * its colour in HSLuv with saturation 100 and lightness 50, as sRGB
 * components 0..1 (RGBF) or 0xRRGGBB. */
double themefile_hue(const char *s);
void themefile_consistent_rgbf(const char *s, double rgb[3]);
uint32_t themefile_consistent_rgb(const char *s);

#endif

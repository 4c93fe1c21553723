/* theme.c - the built-in default theme. */
#include "ui/theme.h"

#include <ncurses.h>

typedef struct {
    short fg, bg;
    int attrs;      /* with colour */
    int mono_attrs; /* without colour */
} role_style;

static const role_style defaults[THEME__COUNT] = {
    [THEME_TEXT] = {-1, -1, 0, 0},
    [THEME_TIME] = {COLOR_CYAN, -1, 0, A_DIM},
    [THEME_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [THEME_STATUS] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
    [THEME_STATUS_ACTIVE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [THEME_STATUS_HIGHLIGHT] = {COLOR_MAGENTA, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE},
    [THEME_STATUS_CURRENT] = {COLOR_WHITE, COLOR_BLUE, A_BOLD | A_UNDERLINE, A_REVERSE | A_UNDERLINE},
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
};

static int attrs[THEME__COUNT];

void theme_init(void)
{
    bool colour = has_colors() && start_color() == OK;
    if (colour)
        use_default_colors();
    for (int r = 0; r < THEME__COUNT; r++) {
        if (colour && COLOR_PAIRS > r + 1) {
            init_pair((short)(r + 1), defaults[r].fg, defaults[r].bg);
            attrs[r] = (int)COLOR_PAIR(r + 1) | defaults[r].attrs;
        } else {
            attrs[r] = defaults[r].mono_attrs;
        }
    }
}

int theme_attr(theme_role role)
{
    return (unsigned)role < THEME__COUNT ? attrs[role] : 0;
}

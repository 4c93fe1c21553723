/* theme.h - colour roles, themes and their ncurses attributes.
 *
 * Code asks for a role (THEME_TITLE, THEME_NICK_OWN, ...); the theme maps
 * roles to colours. Themes are files (see themefile.h) found in
 * $XDG_CONFIG_HOME/natter/themes, then natter's installed themes directory.
 * Colours degrade to what the terminal has: 256-colour and #rrggbb values
 * become the nearest of 256, 16 or 8 colours, and without colour the
 * built-in attributes (bold, reverse, ...) are used.
 */
#ifndef NATTER_UI_THEME_H
#define NATTER_UI_THEME_H

#include <stdbool.h>

typedef enum {
    THEME_TEXT,
    THEME_TIME,
    THEME_TITLE,
    THEME_STATUS,
    THEME_STATUS_ACTIVE,    /* window with activity */
    THEME_STATUS_HIGHLIGHT, /* window with a message for you */
    THEME_STATUS_CURRENT,
    THEME_NICK_OWN,
    THEME_NICK_OTHER,
    THEME_INFO,
    THEME_ERROR,
    THEME_PRESENCE,
    THEME_ROSTER_GROUP,
    THEME_ROSTER_ONLINE,
    THEME_ROSTER_AWAY,
    THEME_ROSTER_DND,
    THEME_ROSTER_OFFLINE,
    THEME_INPUT,
    /* Message styling (XEP-0393), laid over the line's own attribute: a
     * role with default colours adds only its attributes (theme_style). */
    THEME_STYLE_STRONG,
    THEME_STYLE_EMPHASIS, /* italic, or underline where the terminal has no italic */
    THEME_STYLE_STRIKE,   /* curses has no strikethrough: dim by default */
    THEME_STYLE_CODE,
    THEME_STYLE_QUOTE,
    THEME_STYLE_MARKER, /* the directives themselves: dimmed, never hidden */
    THEME_SELECTED,     /* the message under the cursor (select.c) */
    THEME__COUNT
} theme_role;

/* Set up colours (after initscr) with the built-in default theme. */
void theme_init(void);
void theme_deinit(void);
/* The attribute (colour pair and flags) for ROLE. */
int theme_attr(theme_role role);

/* Load theme NAME (a file NAME.theme in the theme directories). On failure
 * the current theme stays and *ERRORS (g_free) lists every problem as
 * "FILE:LINE: message". */
bool theme_load(const char *name, char **errors);
/* Name of the theme in use. */
const char *theme_current(void);
/* Names of all themes found (g_strfreev), sorted, "default" included. */
char **theme_list(void);
/* Attribute ROLE would have in theme NAME (for previews); false with
 * *ERRORS when NAME does not load. ATTRS receives THEME__COUNT values. */
bool theme_preview(const char *name, int *attrs, char **errors);

/* BASE with the styling role ROLE laid over it: ROLE's attributes added,
 * and its colour instead of BASE's when the theme gives it one. */
int theme_style(int base, theme_role role);

/* The XEP-0392 colour attribute for a contact named S (nick or JID), or
 * the THEME_NICK_OTHER attribute when contact colours are off. */
int theme_contact_attr(const char *s);

#endif

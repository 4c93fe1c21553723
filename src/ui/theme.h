/* theme.h - colour roles and their ncurses attributes.
 *
 * Code asks for a role (THEME_TITLE, THEME_NICK_OWN, ...); the theme maps
 * roles to colours. The built-in default works on 8-colour terminals and
 * degrades to attributes (bold/reverse) without colour.
 */
#ifndef NATTER_UI_THEME_H
#define NATTER_UI_THEME_H

typedef enum {
    THEME_TEXT,
    THEME_TIME,
    THEME_TITLE,
    THEME_STATUS,
    THEME_STATUS_ACTIVE,   /* window with activity */
    THEME_STATUS_HIGHLIGHT,/* window with a message for you */
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
    THEME__COUNT
} theme_role;

/* Set up colour pairs (after initscr). */
void theme_init(void);
/* The attribute (colour pair and flags) for ROLE. */
int theme_attr(theme_role role);

#endif

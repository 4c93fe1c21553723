/* notify.h - telling the user about a message that needs them: terminal
 * bell (which also marks the tmux or terminal window urgent), OSC 777 / OSC 9
 * desktop notifications (they travel over SSH), and an optional command
 * such as notify-send. Rules: the notify setting, per-window rules
 * (/notify), quiet hours; nothing while the user is looking at it. */
#ifndef NATTER_UI_NOTIFY_H
#define NATTER_UI_NOTIFY_H

#include <stdbool.h>

#include "ui/notify_rules.h"
#include "ui/win.h"

/* Load per-window rules from $XDG_CONFIG_HOME/natter/notify. */
void notify_init(void);
void notify_deinit(void);

/* A message BODY from FROM_NAME arrived in W: notify when the rules say.
 * MENTION_NICK is the name a mention must contain (NULL: our localpart). */
void notify_message(win_t *w, const char *from_name, const char *body, const char *mention_nick);

/* The terminal gained or lost focus (focus reporting). */
void notify_set_focus(bool focused);
/* The user pressed a key (without focus reports, a window on screen that got
 * no key for notify_idle seconds counts as not looked at). */
void notify_input_seen(void);
/* Whether the user looks at the screen now: the terminal has focus (with
 * focus reports), else a key came within notify_idle seconds. */
bool notify_user_looking(void);

/* W's own rule, and setting it (saved). Returns false with *ERR. */
notify_level notify_window_level(const win_t *w);
bool notify_set_window_level(const win_t *w, notify_level l, char **err);

#endif

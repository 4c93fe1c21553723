/* strangers.h - the one window for people outside the roster (ui/ only). */
#ifndef NATTER_UI_STRANGERS_H
#define NATTER_UI_STRANGERS_H

#include <stdbool.h>

#include "core/event.h"

/* Show EV in the strangers window when it comes from someone outside the
 * roster who has no window of their own: true when it was taken (or was a
 * duplicate of one taken before). */
bool strangers_message(const ev_message *ev);

/* Add TEXT (about bare JID BARE) to the strangers window when BARE is a
 * stranger: true when taken. */
bool strangers_line(const char *bare, const char *text);

#endif

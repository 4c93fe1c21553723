/* chatstate.h - our own typing notifications (XEP-0085): what happens in
 * the input line becomes composing, paused and active for the contact of
 * the window it is typed in. The UI reports; this decides what to send. */
#ifndef NATTER_CMD_CHATSTATE_H
#define NATTER_CMD_CHATSTATE_H

#include <stdbool.h>

/* The input handler (ui_set_input_handler): the input line of the window
 * of bare JID (NULL: console) holds TEXT, or TEXT was ENTERED. Sends
 * <composing/> when a message is started, <paused/> after five seconds
 * without a key or when the typing moves to another contact, <active/>
 * when the line is emptied; nothing when it is sent (the message carries
 * <active/>) or while a command is typed. */
void chatstate_input(const char *jid, const char *text, bool entered);

/* Forget whom we told we were typing, without telling them. */
void chatstate_deinit(void);

#endif

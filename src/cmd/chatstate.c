/* chatstate.c - our own typing notifications (see chatstate.h): the input
 * line's activity becomes XEP-0085 chat states, with the timing of a
 * pause decided here. */
#include "cmd/chatstate.h"

#include <glib.h>
#include <string.h>

#include "core/loop.h"
#include "xmpp/xmpp.h"

#define PAUSED_AFTER_MS 5000

static char *typing_to; /* bare JID we told "composing", or NULL */
static unsigned typing_timer;

/* Stop typing: tell the contact ST when SEND, and forget them. */
static void typing_stop(chatstate st, bool send)
{
    if (typing_timer)
        loop_cancel_timer(typing_timer);
    typing_timer = 0;
    if (typing_to && send)
        nx_send_chatstate(typing_to, st);
    g_clear_pointer(&typing_to, g_free);
}

static void on_typing_pause(void *ud)
{
    typing_timer = 0;
    typing_stop(CHATSTATE_PAUSED, true);
}

void chatstate_input(const char *jid, const char *text, bool entered)
{
    /* A command is not a message: typing one tells the contact nothing. */
    bool writing = !entered && text[0] && text[0] != '/';
    if (!writing || !jid) {
        /* A sent message carries <active/> itself; a cleared line says it. */
        typing_stop(CHATSTATE_ACTIVE, !entered);
        return;
    }
    if (!typing_to || strcmp(typing_to, jid) != 0) {
        typing_stop(CHATSTATE_PAUSED, true);
        typing_to = g_strdup(jid);
        nx_send_chatstate(jid, CHATSTATE_COMPOSING);
    }
    if (typing_timer)
        loop_cancel_timer(typing_timer);
    typing_timer = loop_add_timer(PAUSED_AFTER_MS, on_typing_pause, NULL);
}

void chatstate_deinit(void)
{
    typing_stop(CHATSTATE_ACTIVE, false);
}

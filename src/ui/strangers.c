/* strangers.c - one quiet window for people who are not in the roster:
 * their messages and subscription requests land there, one line each,
 * instead of opening a window per sender (spam comes from endless
 * addresses). The strangers setting says whether they notify (quiet,
 * notify); with drop, xmpp/ never passes them on. Once the user opens a
 * chat with someone (/msg), that person's messages go to the chat. */
#include "ui/strangers.h"

#include <string.h>

#include "config/settings.h"
#include "model/roster.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "ui/sanitize.h"

static bool is_stranger(const char *bare)
{
    if (!bare || !strchr(bare, '@') || strchr(bare, '/'))
        return false; /* servers and room occupants are not strangers */
    roster_contact *rc = roster_find(bare);
    return !(rc && rc->in_roster) && !win_find(bare);
}

static win_t *open_window(void)
{
    win_t *w = win_open_strangers();
    if (!w->lines.length)
        ui_add_line(w, LINE_INFO,
                    "People who are not in your roster write here. /msg JID answers (their "
                    "messages then go to that chat), /roster add JID adds them, /block JID "
                    "blocks them; /set strangers drop ignores them all.");
    return w;
}

bool strangers_message(const ev_message *ev)
{
    if (ev->outgoing || ev->groupchat || ev->muc_private || ev->backfill || !is_stranger(ev->peer))
        return false;
    if (ev->result && ev->result->duplicate)
        return true;
    win_t *w = open_window();
    bool action = g_str_has_prefix(ev->body, "/me ");
    win_line *l = win_line_new(action ? LINE_ACTION_IN : LINE_MSG_IN, ev->peer,
                               action ? ev->body + 4 : ev->body, ev->timestamp);
    l->delayed = ev->delayed;
    l->rowid = ev->result ? ev->result->rowid : 0;
    l->id = g_strdup(ev->id);
    l->sender_bare = win_shared(g_strdup(ev->peer));
    win_add_line(w, l);
    if (!ev->from_archive && !strcmp(settings_get("strangers"), "notify"))
        notify_message(w, ev->peer, ev->body, NULL);
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
    return true;
}

bool strangers_line(const char *bare, const char *text)
{
    if (!is_stranger(bare))
        return false;
    ui_add_line(open_window(), LINE_INFO, text);
    return true;
}

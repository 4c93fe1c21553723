/* seen.c - when the user has actually seen a chat or a room: its window is
 * the one on screen, showing its newest lines (not scrolled up), and the
 * user looks at the terminal (focus reports, else a key within
 * notify_idle seconds, see notify.c). A message in a window behind another
 * one is not seen until the user switches there. Once per loop pass, the
 * newest incoming message of the window on screen is reported to xmpp/
 * (nx_markers_seen, nx_markers_room_seen), which decides what to tell
 * whom. */
#include <string.h>

#include "core/event.h"
#include "core/loop.h"
#include "model/conversation.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "xmpp/xmpp.h"

typedef struct {
    char *id, *stanza_id;
    bool markable;
    bool room;     /* a room's message: STANZA_ID is the room's */
    bool reported; /* nx_markers_seen was told */
} newest_in;

static GHashTable *newest; /* peer -> newest_in*: the latest incoming message */
static bool catching_up;   /* the login catch-up runs: newer messages may follow */

static void newest_free(newest_in *n)
{
    g_free(n->id);
    g_free(n->stanza_id);
    g_free(n);
}

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (ev->outgoing || ev->muc_private || ev->backfill || (ev->result && ev->result->duplicate))
        return; /* our own messages are neutral */
    if (ev->groupchat && !ev->stanza_id)
        return; /* nothing to name it by in a room */
    newest_in *n = g_new0(newest_in, 1);
    n->id = g_strdup(ev->id);
    n->stanza_id = g_strdup(ev->stanza_id);
    n->markable = ev->markable && !ev->groupchat;
    n->room = ev->groupchat;
    g_hash_table_replace(newest, g_strdup(ev->peer), n);
}

/* Markers only once the catch-up has brought the newest messages
 * (XEP-0333 section 8.1): not one for each page of the archive. */
static void on_sync(event_type t, const void *p, void *ud)
{
    const ev_archive_sync *ev = p;
    if (!ev->peer)
        catching_up = !ev->done;
}

/* A catch-up cut short by a lost connection says nothing more. */
static void on_conn(event_type t, const void *p, void *ud)
{
    if (((const ev_conn_state *)p)->state == CONN_DISCONNECTED)
        catching_up = false;
}

static int check_seen(void *ud)
{
    win_t *w = win_current();
    if (!newest || catching_up || !w || (w->type != WIN_CHAT && w->type != WIN_ROOM) || !w->jid ||
        w->scroll > 0 || w->detached || w->syncing)
        return -1;
    newest_in *n = g_hash_table_lookup(newest, w->jid);
    if (!n || n->reported || !notify_user_looking() || nx_state() != CONN_CONNECTED)
        return -1; /* offline: told once connected again, if still on screen */
    n->reported = true;
    if (n->room)
        nx_markers_room_seen(w->jid, n->stanza_id);
    else
        nx_markers_seen(w->jid, n->id, n->stanza_id, n->markable);
    return -1;
}

/* The contact displayed our messages up to ID (a marker is inclusive):
 * mark that line of ours read, and our lines before it. IDs that are not
 * our own messages in this chat change nothing. */
static void on_displayed(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    win_t *w = win_find(ev->peer);
    const char *own = nx_own_bare();
    if (!w || w->type != WIN_CHAT || !own || !ev->id)
        return;
    GList *it = w->lines.tail;
    for (; it; it = it->prev) {
        win_line *l = it->data;
        bool ours = (l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT) && l->sender_bare &&
                    !strcmp(l->sender_bare, own);
        if (ours &&
            ((l->id && !strcmp(l->id, ev->id)) || (l->origin_id && !strcmp(l->origin_id, ev->id))))
            break;
    }
    bool changed = false;
    for (; it; it = it->prev) {
        win_line *l = it->data;
        if (l->kind != LINE_MSG_OUT && l->kind != LINE_ACTION_OUT)
            continue;
        if (l->read)
            break; /* and those before it were marked then */
        l->read = true;
        changed = true;
    }
    if (changed) {
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
}

/* Another device of ours read PEER's chat: the status bar shows the
 * model's new unread count, and no activity once nothing is left unread. */
static void on_mds(event_type t, const void *p, void *ud)
{
    const ev_mds *ev = p;
    win_t *w = win_find(ev->peer);
    if (!w)
        return;
    if (conv_unread(ev->peer) == 0)
        w->act = ACT_NONE;
    ui_dirty(DIRTY_STATUS);
}

void seen_init(void)
{
    newest = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)newest_free);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, on_message, NULL);
    event_subscribe(EV_DISPLAYED, EV_STAGE_SCREEN, on_displayed, NULL);
    event_subscribe(EV_MDS, EV_STAGE_SCREEN, on_mds, NULL);
    event_subscribe(EV_ARCHIVE_SYNC, EV_STAGE_SCREEN, on_sync, NULL);
    event_subscribe(EV_CONN_STATE, EV_STAGE_SCREEN, on_conn, NULL);
    /* Before libstrophe's hook (0) sends what is queued: a marker decided
     * here leaves in this pass, not after the next wake-up. */
    loop_add_prepare(-10, check_seen, NULL);
}

void seen_deinit(void)
{
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_DISPLAYED, on_displayed, NULL);
    event_unsubscribe(EV_MDS, on_mds, NULL);
    event_unsubscribe(EV_ARCHIVE_SYNC, on_sync, NULL);
    event_unsubscribe(EV_CONN_STATE, on_conn, NULL);
    g_clear_pointer(&newest, g_hash_table_destroy);
}

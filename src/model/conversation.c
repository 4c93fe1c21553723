/* conversation.c - per-conversation state kept from events: unread counts
 * and pending room invitations (see conversation.h). */
#include "model/conversation.h"

#include <string.h>

#include "core/event.h"

/* What is unread in a conversation: how many, and the stanza-ids our
 * server gave them (NULL when none), oldest first, so that another device
 * saying "displayed up to X" (XEP-0490) clears exactly those up to X. */
typedef struct {
    unsigned count;
    GQueue sids; /* char*, the newest CONV_MAX_TRACKED of the unread */
} unread_t;

static GHashTable *unread;  /* peer -> unread_t* */
static GHashTable *invites; /* room -> conv_invite* */

static void invite_free(conv_invite *i)
{
    g_free(i->room);
    g_free(i->from);
    g_free(i->reason);
    g_free(i->password);
    g_free(i);
}

static void unread_free(unread_t *u)
{
    g_queue_clear_full(&u->sids, g_free);
    g_free(u);
}

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (ev->outgoing || ev->backfill || (ev->result && ev->result->duplicate))
        return;
    unread_t *u = g_hash_table_lookup(unread, ev->peer);
    if (!u) {
        u = g_new0(unread_t, 1);
        g_hash_table_replace(unread, g_strdup(ev->peer), u);
    }
    u->count++;
    g_queue_push_tail(&u->sids, g_strdup(ev->stanza_id));
    if (u->sids.length > CONV_MAX_TRACKED)
        g_free(g_queue_pop_head(&u->sids));
}

/* Another device of ours displayed PEER up to a message: what came before
 * it, and it, are read. A stanza-id not among the unread is older than all
 * of them or unknown: nothing changes (the state only moves forward). */
static void on_mds(event_type t, const void *p, void *ud)
{
    const ev_mds *ev = p;
    unread_t *u = g_hash_table_lookup(unread, ev->peer);
    if (!u)
        return;
    guint upto = 0;
    guint i = 0;
    for (GList *l = u->sids.head; l; l = l->next, i++)
        if (l->data && !strcmp(l->data, ev->stanza_id))
            upto = i + 1;
    if (!upto)
        return;
    for (guint k = 0; k < upto; k++)
        g_free(g_queue_pop_head(&u->sids));
    u->count = u->sids.length; /* those left are newer than X; untracked ones were older */
    if (!u->count)
        g_hash_table_remove(unread, ev->peer);
}

static void on_invite(event_type t, const void *p, void *ud)
{
    const ev_muc_invite *ev = p;
    if (ev->declined || !ev->room || !ev->from)
        return;
    if (g_hash_table_size(invites) >= CONV_MAX_INVITES && !g_hash_table_contains(invites, ev->room))
        return;
    conv_invite *i = g_new0(conv_invite, 1);
    i->room = g_strdup(ev->room);
    i->from = g_strdup(ev->from);
    i->reason = g_strdup(ev->reason);
    i->password = g_strdup(ev->password);
    i->mediated = ev->mediated;
    i->when = g_get_real_time();
    g_hash_table_replace(invites, g_strdup(ev->room), i);
}

void conv_init(void)
{
    unread = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)unread_free);
    invites = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)invite_free);
    event_subscribe(EV_MESSAGE, EV_STAGE_MODEL, on_message, NULL);
    event_subscribe(EV_MUC_INVITE, EV_STAGE_MODEL, on_invite, NULL);
    event_subscribe(EV_MDS, EV_STAGE_MODEL, on_mds, NULL);
}

void conv_deinit(void)
{
    event_unsubscribe(EV_MESSAGE, on_message, NULL);
    event_unsubscribe(EV_MUC_INVITE, on_invite, NULL);
    event_unsubscribe(EV_MDS, on_mds, NULL);
    g_clear_pointer(&unread, g_hash_table_destroy);
    g_clear_pointer(&invites, g_hash_table_destroy);
}

unsigned conv_unread(const char *peer)
{
    unread_t *u = unread && peer ? g_hash_table_lookup(unread, peer) : NULL;
    return u ? u->count : 0;
}

void conv_mark_read(const char *peer)
{
    if (unread && peer)
        g_hash_table_remove(unread, peer);
}

const conv_invite *conv_invite_find(const char *room)
{
    return invites && room ? g_hash_table_lookup(invites, room) : NULL;
}

void conv_invite_forget(const char *room)
{
    if (invites && room)
        g_hash_table_remove(invites, room);
}

static gint by_arrival(gconstpointer a, gconstpointer b)
{
    const conv_invite *x = *(const conv_invite *const *)a, *y = *(const conv_invite *const *)b;
    return x->when < y->when ? -1 : x->when > y->when;
}

GPtrArray *conv_invites(void)
{
    GPtrArray *out = g_ptr_array_new();
    if (invites) {
        GHashTableIter it;
        gpointer v;
        g_hash_table_iter_init(&it, invites);
        while (g_hash_table_iter_next(&it, NULL, &v))
            g_ptr_array_add(out, v);
    }
    g_ptr_array_sort(out, by_arrival);
    return out;
}

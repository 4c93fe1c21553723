/* room.c - OMEMO in group chats: which rooms may be encrypted (members-only
 * and non-anonymous, so every member's real JID is known), who the members
 * are (the real JIDs of the room's presence and its member list), their
 * device lists fetched in the background as occupants come, and the
 * decryption hook for room messages: the sender's real JID comes from the
 * room's presence, and the room's reflection of what we sent is known by
 * its origin-id and shown once, with the text we wrote. */
#include <string.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/log.h"
#include "e2e/internal.h"
#include "model/jid.h"
#include "model/muc.h"
#include "xmpp/muc_omemo.h"

static GHashTable *member_lists; /* room -> GPtrArray of bare JIDs (muc#admin), this connection */
static GHashTable *sent;         /* origin-id -> text of our encrypted room messages */

#define SENT_MAX 500 /* reflections still awaited, at most */

bool e2e_room_fits(const char *room, char **why)
{
    muc_room *r = muc_room_find(room);
    if (!r) {
        *why = g_strdup("not a room");
        return false;
    }
    if (!r->nonanonymous || !r->members_only) {
        *why = g_strdup_printf(
            "OMEMO needs a members-only, non-anonymous room, and %s is %s%s%s", r->jid,
            !r->nonanonymous ? "anonymous (members' real JIDs are hidden, so their devices "
                               "cannot be found)"
                             : "",
            !r->nonanonymous && !r->members_only ? " and " : "",
            !r->members_only ? "open to anyone (not members-only)" : "");
        return false;
    }
    return true;
}

GPtrArray *e2e_room_members(const char *room)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    muc_room *r = muc_room_find(room);
    const char *own = e2e_own_jid();
    if (!r)
        return out;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->occupants);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const muc_occupant *o = v;
        if (o->jid)
            g_ptr_array_add(out, jid_bare_of(o->jid));
    }
    GPtrArray *listed = member_lists ? g_hash_table_lookup(member_lists, r->jid) : NULL;
    for (guint i = 0; listed && i < listed->len; i++)
        g_ptr_array_add(out, g_strdup(g_ptr_array_index(listed, i)));
    /* Without ourselves (our devices are added apart) and without repeats. */
    for (guint i = 0; i < out->len;) {
        const char *j = g_ptr_array_index(out, i);
        bool drop = !j || (own && jid_bare_equal(j, own));
        for (guint k = 0; k < i && !drop; k++)
            drop = jid_bare_equal(g_ptr_array_index(out, k), j);
        if (drop)
            g_ptr_array_remove_index(out, i);
        else
            i++;
    }
    return out;
}

typedef struct {
    char *room;
    void (*done)(void *ud);
    void *ud;
} members_wait;

static void on_members(GPtrArray *jids, void *ud)
{
    members_wait *m = ud;
    if (jids) {
        if (member_lists)
            g_hash_table_replace(member_lists, g_strdup(m->room), jids);
        else
            g_ptr_array_unref(jids);
    }
    m->done(m->ud);
    g_free(m->room);
    g_free(m);
}

bool e2e_room_fetch_members(const char *room, void (*done)(void *ud), void *ud)
{
    if (!member_lists)
        return false;
    members_wait *m = g_new0(members_wait, 1);
    m->room = g_strdup(room);
    m->done = done;
    m->ud = ud;
    if (!nx_muc_fetch_members(room, on_members, m)) {
        g_free(m->room);
        g_free(m);
        return false;
    }
    return true;
}

bool e2e_room_by_policy(const char *room)
{
    char *why = NULL;
    if (!e2e_room_fits(room, &why)) {
        g_free(why);
        return false;
    }
    const char *policy = settings_get("omemo_policy");
    if (!g_strcmp0(policy, "always"))
        return true;
    if (g_strcmp0(policy, "automatic") || !e2e_account())
        return false;
    /* Automatic: when a member is known to have OMEMO devices. */
    GPtrArray *members = e2e_room_members(room);
    bool any = false;
    for (guint i = 0; i < members->len && !any; i++) {
        const GArray *ids = e2e_devicelist(g_ptr_array_index(members, i), NULL);
        any = ids && ids->len > 0;
    }
    g_ptr_array_unref(members);
    return any;
}

bool e2e_room_verified(const char *room)
{
    GPtrArray *members = e2e_room_members(room);
    bool all = members->len > 0;
    for (guint i = 0; i < members->len && all; i++)
        all = e2e_chat_verified(g_ptr_array_index(members, i));
    g_ptr_array_unref(members);
    return all;
}

void e2e_room_sent(const char *id, const char *text)
{
    if (!sent)
        return;
    if (g_hash_table_size(sent) >= SENT_MAX)
        g_hash_table_remove_all(sent); /* reflections that never came */
    g_hash_table_replace(sent, g_strdup(id), g_strdup(text));
}

/* ---------- receiving ---------- */

static nx_decrypt_result room_decrypt(const char *room, const char *nick, const char *real_jid,
                                      bool outgoing, bool archive, const char *origin_id,
                                      xmpp_stanza_t *enc, nx_decrypted *out)
{
    if (outgoing && origin_id && sent) {
        /* The room's reflection of what this device sent: it was not
         * encrypted for us, and we know its text. */
        char *text = NULL, *key = NULL;
        if (g_hash_table_steal_extended(sent, origin_id, (gpointer *)&key, (gpointer *)&text)) {
            g_free(key);
            out->text = text;
            out->device = e2e_own_device();
            return NX_DECRYPT_TEXT;
        }
    }
    if (!real_jid) {
        out->text = g_strdup_printf("An OMEMO message from %s cannot be read: the room does not "
                                    "say who %s is.",
                                    nick, nick);
        return NX_DECRYPT_NOTICE;
    }
    return e2e_recv_decrypt(real_jid, room, outgoing, archive, enc, out);
}

/* ---------- following the members ---------- */

/* An occupant came into a room that can be encrypted: learn its devices
 * early (the title, the automatic policy and the first message need them). */
static void on_occupant(event_type t, const void *p, void *ud)
{
    const ev_muc_occupant *ev = p;
    (void)t;
    (void)ud;
    if (ev->kind != OCC_JOINED || !e2e_account())
        return;
    muc_room *r = muc_room_find(ev->room);
    muc_occupant *o = r ? muc_occupant_find(r, ev->nick) : NULL;
    char *why = NULL;
    if (!o || !o->jid || !e2e_room_fits(ev->room, &why)) {
        g_free(why);
        return;
    }
    char *bare = jid_bare_of(o->jid);
    bool fresh = false;
    if (bare && !jid_bare_equal(bare, e2e_own_jid()) && !e2e_devicelist(bare, &fresh))
        e2e_fetch_devicelist(bare, NULL, NULL);
    g_free(bare);
}

static void learn_devices(void *ud)
{
    char *room = ud;
    GPtrArray *members = e2e_account() ? e2e_room_members(room) : NULL;
    for (guint i = 0; members && i < members->len; i++) {
        const char *jid = g_ptr_array_index(members, i);
        if (!e2e_devicelist(jid, NULL))
            e2e_fetch_devicelist(jid, NULL, NULL);
    }
    if (members)
        g_ptr_array_unref(members);
    g_free(room);
}

void e2e_room_prepare(const char *room)
{
    char *why = NULL;
    if (!e2e_account() || !e2e_room_fits(room, &why)) {
        g_free(why);
        return;
    }
    char *key = g_strdup(room);
    if (!e2e_room_fetch_members(room, learn_devices, key))
        learn_devices(key);
}

/* We are in a room: when it is encrypted, learn its members' devices. */
static void on_room(event_type t, const void *p, void *ud)
{
    const ev_muc_room *ev = p;
    (void)t;
    (void)ud;
    if (ev->kind == MUC_EV_JOINED && e2e_chat_enabled(ev->room))
        e2e_room_prepare(ev->room);
}

void e2e_room_reset(void)
{
    if (member_lists)
        g_hash_table_remove_all(member_lists);
    if (sent)
        g_hash_table_remove_all(sent);
}

void e2e_room_init(void)
{
    member_lists =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    event_subscribe(EV_MUC_OCCUPANT, EV_STAGE_PROTO, on_occupant, NULL);
    event_subscribe(EV_MUC_ROOM, EV_STAGE_PROTO, on_room, NULL);
    nx_muc_set_decrypt_hook(room_decrypt);
}

void e2e_room_deinit(void)
{
    event_unsubscribe(EV_MUC_OCCUPANT, on_occupant, NULL);
    event_unsubscribe(EV_MUC_ROOM, on_room, NULL);
    nx_muc_set_decrypt_hook(NULL);
    g_clear_pointer(&member_lists, g_hash_table_destroy);
    g_clear_pointer(&sent, g_hash_table_destroy);
}

/* muc.c - rooms and occupants (see muc.h). */
#include "model/muc.h"

#include <string.h>

#include "core/unichar.h"
#include "model/jid.h"

static GPtrArray *rooms; /* muc_room*, owned */

static void occupant_free(muc_occupant *o)
{
    if (!o)
        return;
    g_free(o->nick);
    g_free(o->jid);
    g_free(o->occupant_id);
    g_free(o->status);
    g_free(o->skeleton);
    g_free(o->sort_key);
    g_free(o);
}

static void room_free(muc_room *r)
{
    if (!r)
        return;
    g_free(r->jid);
    g_free(r->nick);
    g_free(r->password);
    g_free(r->subject);
    g_free(r->subject_by);
    g_free(r->moderation_ns);
    g_hash_table_destroy(r->occupants);
    g_sequence_free(r->order);
    g_hash_table_destroy(r->skeletons);
    g_free(r);
}

void muc_model_init(void)
{
    if (!rooms)
        rooms = g_ptr_array_new_with_free_func((GDestroyNotify)room_free);
}

void muc_model_deinit(void)
{
    if (rooms)
        g_ptr_array_unref(rooms);
    rooms = NULL;
}

muc_room *muc_room_find(const char *jid)
{
    if (!rooms || !jid || rooms->len == 0)
        return NULL;
    /* Callers mostly pass the normalised bare JID: compare as is first. */
    for (guint i = 0; i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        if (strcmp(r->jid, jid) == 0)
            return r;
    }
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)jid; *p && plain; p++)
        plain = !(*p == '/' || (*p >= 'A' && *p <= 'Z') || *p >= 0x80);
    if (plain)
        return NULL;
    jid_t *j = jid_new(jid);
    muc_room *found = NULL;
    for (guint i = 0; j && !found && i < rooms->len; i++) {
        muc_room *r = g_ptr_array_index(rooms, i);
        if (strcmp(r->jid, j->bare) == 0)
            found = r;
    }
    jid_free(j);
    return found;
}

muc_room *muc_room_ensure(const char *jid)
{
    muc_model_init();
    muc_room *r = muc_room_find(jid);
    if (r)
        return r;
    r = g_new0(muc_room, 1);
    r->jid = g_strdup(jid);
    r->state = MUC_STATE_LEFT;
    r->occupants =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)occupant_free);
    r->skeletons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->order = g_sequence_new(NULL);
    g_ptr_array_add(rooms, r);
    return r;
}

void muc_room_forget(muc_room *room)
{
    if (rooms && room)
        g_ptr_array_remove(rooms, room);
}

const GPtrArray *muc_rooms(void)
{
    muc_model_init();
    return rooms;
}

static gint by_role_then_nick(gconstpointer a, gconstpointer b, gpointer ud)
{
    const muc_occupant *x = a, *y = b;
    if (x->role != y->role)
        return (int)y->role - (int)x->role;
    int c = g_strcmp0(x->sort_key, y->sort_key);
    return c ? c : strcmp(x->nick, y->nick);
}

static void place(muc_room *room, muc_occupant *o)
{
    o->pos = g_sequence_insert_sorted(room->order, o, by_role_then_nick, NULL);
}

static void unplace(muc_occupant *o)
{
    if (o->pos)
        g_sequence_remove(o->pos);
    o->pos = NULL;
}

void muc_room_clear_occupants(muc_room *room)
{
    g_sequence_remove_range(g_sequence_get_begin_iter(room->order),
                            g_sequence_get_end_iter(room->order));
    g_hash_table_remove_all(room->occupants);
    g_hash_table_remove_all(room->skeletons);
    memset(room->role_count, 0, sizeof(room->role_count));
}

muc_occupant *muc_occupant_find(muc_room *room, const char *nick)
{
    return room && nick ? g_hash_table_lookup(room->occupants, nick) : NULL;
}

char *muc_nick_skeleton(const char *nick)
{
    return unichar_lookalike_key(nick);
}

char *muc_author_key(const char *room, const char *from, const char *occupant_id)
{
    if (occupant_id && *occupant_id)
        return g_strdup_printf("%s#%s", room, occupant_id);
    return g_strdup(from);
}

static void skeleton_add(muc_room *room, const char *sk, int delta)
{
    gpointer key, val;
    if (g_hash_table_lookup_extended(room->skeletons, sk, &key, &val)) {
        int n = GPOINTER_TO_INT(val) + delta;
        if (n <= 0)
            g_hash_table_remove(room->skeletons, sk);
        else
            g_hash_table_insert(room->skeletons, g_strdup(sk), GINT_TO_POINTER(n));
    } else if (delta > 0) {
        g_hash_table_insert(room->skeletons, g_strdup(sk), GINT_TO_POINTER(delta));
    }
}

muc_occupant *muc_occupant_set(muc_room *room, const char *nick, muc_role role, muc_affiliation aff,
                               const char *jid, const char *occupant_id, presence_show show,
                               const char *status, bool *added)
{
    muc_occupant *o = g_hash_table_lookup(room->occupants, nick);
    if (added)
        *added = o == NULL;
    if (!o) {
        o = g_new0(muc_occupant, 1);
        o->nick = g_strdup(nick);
        o->skeleton = muc_nick_skeleton(nick);
        o->sort_key = unichar_fold_key(nick);
        skeleton_add(room, o->skeleton, 1);
        g_hash_table_insert(room->occupants, o->nick, o);
        room->role_count[role]++;
        o->role = role;
        place(room, o);
    } else if (o->role != role) {
        room->role_count[o->role]--;
        room->role_count[role]++;
        unplace(o);
        o->role = role;
        place(room, o);
    }
    o->affiliation = aff;
    if (jid && g_strcmp0(o->jid, jid)) {
        g_free(o->jid);
        o->jid = g_strdup(jid);
    }
    if (occupant_id && g_strcmp0(o->occupant_id, occupant_id)) {
        g_free(o->occupant_id);
        o->occupant_id = g_strdup(occupant_id);
    }
    o->show = show;
    if (g_strcmp0(o->status, status)) {
        g_free(o->status);
        o->status = g_strdup(status);
    }
    return o;
}

void muc_occupant_remove(muc_room *room, const char *nick)
{
    muc_occupant *o = muc_occupant_find(room, nick);
    if (!o)
        return;
    room->role_count[o->role]--;
    skeleton_add(room, o->skeleton, -1);
    unplace(o);
    g_hash_table_remove(room->occupants, nick);
}

bool muc_occupant_rename(muc_room *room, const char *old_nick, const char *new_nick)
{
    muc_occupant *o = muc_occupant_find(room, old_nick);
    if (!o)
        return false;
    g_hash_table_steal(room->occupants, old_nick);
    skeleton_add(room, o->skeleton, -1);
    unplace(o);
    muc_occupant *clash = g_hash_table_lookup(room->occupants, new_nick);
    if (clash)
        muc_occupant_remove(room, new_nick);
    g_free(o->nick);
    g_free(o->skeleton);
    g_free(o->sort_key);
    o->nick = g_strdup(new_nick);
    o->skeleton = muc_nick_skeleton(new_nick);
    o->sort_key = unichar_fold_key(new_nick);
    skeleton_add(room, o->skeleton, 1);
    g_hash_table_insert(room->occupants, o->nick, o);
    place(room, o);
    return true;
}

GSequence *muc_room_order(muc_room *room)
{
    return room->order;
}

guint muc_room_count(const muc_room *room)
{
    return g_hash_table_size(room->occupants);
}

bool muc_nick_lookalike(const muc_room *room, const char *nick)
{
    char *sk = muc_nick_skeleton(nick);
    int n = GPOINTER_TO_INT(g_hash_table_lookup(room->skeletons, sk));
    bool present = g_hash_table_contains(room->occupants, nick);
    g_free(sk);
    return n > (present ? 1 : 0);
}

static const char *const role_names[] = {"none", "visitor", "participant", "moderator"};
static const char *const aff_names[] = {"outcast", "none", "member", "admin", "owner"};

/* The index of S in NAMES (N of them), or -1. */
static int name_index(const char *const *names, unsigned n, const char *s)
{
    for (unsigned i = 0; s && i < n; i++)
        if (!strcmp(s, names[i]))
            return (int)i;
    return -1;
}

const char *muc_role_name(muc_role r)
{
    return (unsigned)r < G_N_ELEMENTS(role_names) ? role_names[r] : "none";
}

bool muc_role_parse(const char *s, muc_role *out)
{
    int i = name_index(role_names, G_N_ELEMENTS(role_names), s);
    if (i >= 0)
        *out = (muc_role)i;
    return i >= 0;
}

const char *muc_affiliation_name(muc_affiliation a)
{
    return (unsigned)a < G_N_ELEMENTS(aff_names) ? aff_names[a] : "none";
}

bool muc_affiliation_parse(const char *s, muc_affiliation *out)
{
    int i = name_index(aff_names, G_N_ELEMENTS(aff_names), s);
    if (i >= 0)
        *out = (muc_affiliation)i;
    return i >= 0;
}

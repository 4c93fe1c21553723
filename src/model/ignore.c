/* ignore.c - per-room ignored nicks: room JID -> set of nicks. */
#include "model/ignore.h"

#include <string.h>

static GHashTable *rooms; /* room -> GHashTable of nicks */

static GHashTable *set_of(const char *room, bool create)
{
    if (!rooms) {
        if (!create)
            return NULL;
        rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)g_hash_table_unref);
    }
    GHashTable *s = g_hash_table_lookup(rooms, room);
    if (!s && create) {
        s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_insert(rooms, g_strdup(room), s);
    }
    return s;
}

bool ignore_add(const char *room, const char *nick)
{
    return g_hash_table_add(set_of(room, true), g_strdup(nick));
}

bool ignore_remove(const char *room, const char *nick)
{
    GHashTable *s = set_of(room, false);
    return s && g_hash_table_remove(s, nick);
}

bool ignore_has(const char *room, const char *nick)
{
    GHashTable *s = room && nick ? set_of(room, false) : NULL;
    return s && g_hash_table_contains(s, nick);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *ignore_list(const char *room)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GHashTable *s = set_of(room, false);
    if (s) {
        GHashTableIter it;
        gpointer k;
        g_hash_table_iter_init(&it, s);
        while (g_hash_table_iter_next(&it, &k, NULL))
            g_ptr_array_add(out, g_strdup(k));
    }
    g_ptr_array_sort(out, cmp_str);
    return out;
}

void ignore_deinit(void)
{
    g_clear_pointer(&rooms, g_hash_table_unref);
}

/* omemo_mem.c - OMEMO records in memory (see omemo_mem.h). */
#include "omemo_mem.h"

#include <string.h>

static char *row_key(omemo_rec_kind kind, const char *jid, uint32_t id)
{
    return g_strdup_printf("%d|%s|%u", (int)kind, jid, id);
}

GBytes *mem_get(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    mem_store *m = ud;
    char *k = row_key(kind, jid, id);
    GBytes *b = g_hash_table_lookup(m->rows, k);
    g_free(k);
    return b ? g_bytes_ref(b) : NULL;
}

static bool mem_put(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id, GBytes *data)
{
    mem_store *m = ud;
    if (m->read_only)
        return false;
    g_hash_table_replace(m->rows, row_key(kind, jid, id), g_bytes_ref(data));
    return true;
}

static bool mem_del(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    mem_store *m = ud;
    if (m->read_only)
        return false;
    char *k = row_key(kind, jid, id);
    g_hash_table_remove(m->rows, k);
    g_free(k);
    return true;
}

GArray *mem_ids(void *ud, omemo_rec_kind kind, const char *jid)
{
    mem_store *m = ud;
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    char *prefix = g_strdup_printf("%d|%s|", (int)kind, jid);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, m->rows);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (g_str_has_prefix(key, prefix)) {
            guint32 id = (guint32)g_ascii_strtoull((char *)key + strlen(prefix), NULL, 10);
            g_array_append_val(out, id);
        }
    }
    g_free(prefix);
    return out;
}

omemo_storage storage_of(mem_store *m)
{
    omemo_storage s = {mem_get, mem_put, mem_del, mem_ids, m};
    return s;
}

mem_store *mem_new(void)
{
    mem_store *m = g_new0(mem_store, 1);
    m->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    return m;
}

void mem_free(mem_store *m)
{
    g_hash_table_destroy(m->rows);
    g_free(m);
}

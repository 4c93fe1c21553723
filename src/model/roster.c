/* roster.c - the roster and presence model. */
#include "model/roster.h"

#include "model/jid.h"

#include <string.h>

static GHashTable *contacts; /* bare -> roster_contact* */
static GPtrArray *sorted;    /* cache of roster_sorted() */
static guint64 version;

static void resource_free(gpointer p)
{
    roster_resource *r = p;
    g_free(r->name);
    g_free(r->status);
    g_free(r);
}

static void contact_free(gpointer p)
{
    roster_contact *c = p;
    g_free(c->jid);
    g_free(c->name);
    g_strfreev(c->groups);
    g_free(c->subscription);
    g_hash_table_destroy(c->resources);
    g_free(c->status);
    g_free(c);
}

static void changed(void)
{
    version++;
    if (sorted) {
        g_ptr_array_unref(sorted);
        sorted = NULL;
    }
}

void roster_init(void)
{
    contacts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, contact_free);
}

void roster_deinit(void)
{
    if (sorted)
        g_ptr_array_unref(sorted);
    sorted = NULL;
    if (contacts)
        g_hash_table_destroy(contacts);
    contacts = NULL;
}

void roster_clear(void)
{
    g_hash_table_remove_all(contacts);
    changed();
}

roster_contact *roster_find(const char *bare)
{
    if (!bare)
        return NULL;
    return g_hash_table_lookup(contacts, bare);
}

static roster_contact *contact_get(const char *bare)
{
    roster_contact *c = g_hash_table_lookup(contacts, bare);
    if (!c) {
        c = g_new0(roster_contact, 1);
        c->jid = g_strdup(bare);
        c->groups = g_new0(char *, 1);
        c->subscription = g_strdup("none");
        c->resources = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, resource_free);
        g_hash_table_insert(contacts, c->jid, c);
    }
    return c;
}

roster_contact *roster_set_item(const char *bare, const char *name, const char *const *groups,
                                const char *subscription, bool ask)
{
    roster_contact *c = contact_get(bare);
    g_free(c->name);
    c->name = (name && *name) ? g_strdup(name) : NULL;
    g_strfreev(c->groups);
    c->groups = groups ? g_strdupv((char **)groups) : g_new0(char *, 1);
    g_free(c->subscription);
    c->subscription = g_strdup(subscription ? subscription : "none");
    c->ask = ask;
    c->in_roster = true;
    changed();
    return c;
}

void roster_remove_item(const char *bare)
{
    roster_contact *c = roster_find(bare);
    if (!c)
        return;
    c->in_roster = false;
    g_free(c->subscription);
    c->subscription = g_strdup("none");
    c->ask = false;
    changed();
}

static int show_rank(presence_show s)
{
    /* More available is better when priorities tie. */
    switch (s) {
    case PRESENCE_CHAT:
        return 5;
    case PRESENCE_ONLINE:
        return 4;
    case PRESENCE_AWAY:
        return 3;
    case PRESENCE_DND:
        return 2;
    case PRESENCE_XA:
        return 1;
    default:
        return 0;
    }
}

static void aggregate(roster_contact *c)
{
    GHashTableIter it;
    gpointer v;
    roster_resource *best = NULL;
    g_hash_table_iter_init(&it, c->resources);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        roster_resource *r = v;
        if (!best || r->priority > best->priority ||
            (r->priority == best->priority && show_rank(r->show) > show_rank(best->show)))
            best = r;
    }
    c->show = best ? best->show : PRESENCE_OFFLINE;
    g_free(c->status);
    c->status = (best && best->status) ? g_strdup(best->status) : NULL;
}

bool roster_set_presence(const char *bare, const char *resource, presence_show show,
                         const char *status, int priority, presence_show *old_show)
{
    roster_contact *c = show == PRESENCE_OFFLINE ? roster_find(bare) : contact_get(bare);
    if (!c) {
        if (old_show)
            *old_show = PRESENCE_OFFLINE;
        return false;
    }
    presence_show before = c->show;
    char *before_status = g_strdup(c->status);
    const char *res = resource ? resource : "";
    if (show == PRESENCE_OFFLINE) {
        g_hash_table_remove(c->resources, res);
        /* Unavailable without resource: the whole contact went offline. */
        if (!*res)
            g_hash_table_remove_all(c->resources);
        if (g_hash_table_size(c->resources) == 0 && status) {
            aggregate(c);
            g_free(c->status);
            c->status = g_strdup(status);
        } else {
            aggregate(c);
        }
    } else {
        roster_resource *r = g_hash_table_lookup(c->resources, res);
        if (!r) {
            r = g_new0(roster_resource, 1);
            r->name = g_strdup(res);
            g_hash_table_insert(c->resources, r->name, r);
        }
        r->show = show;
        g_free(r->status);
        r->status = status ? g_strdup(status) : NULL;
        r->priority = priority;
        aggregate(c);
    }
    if (old_show)
        *old_show = before;
    bool diff = before != c->show || g_strcmp0(before_status, c->status) != 0;
    g_free(before_status);
    if (diff)
        changed();
    return diff;
}

void roster_set_idle(const char *bare, const char *resource, time_t since)
{
    roster_contact *c = roster_find(bare);
    roster_resource *r = c ? g_hash_table_lookup(c->resources, resource ? resource : "") : NULL;
    if (r)
        r->idle_since = since;
}

void roster_clear_presence(void)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, contacts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        roster_contact *c = v;
        g_hash_table_remove_all(c->resources);
        c->show = PRESENCE_OFFLINE;
        g_clear_pointer(&c->status, g_free);
    }
    changed();
}

static const char *first_group(const roster_contact *c)
{
    return (c->groups && c->groups[0]) ? c->groups[0] : NULL;
}

static const char *sort_name(const roster_contact *c)
{
    return c->name ? c->name : c->jid;
}

static gint contact_cmp(gconstpointer a, gconstpointer b)
{
    const roster_contact *x = *(roster_contact *const *)a;
    const roster_contact *y = *(roster_contact *const *)b;
    const char *gx = first_group(x), *gy = first_group(y);
    if (gx != gy) {
        if (!gx)
            return 1;
        if (!gy)
            return -1;
        int r = g_ascii_strcasecmp(gx, gy);
        if (r)
            return r;
    }
    int r = g_utf8_collate(sort_name(x), sort_name(y));
    return r ? r : strcmp(x->jid, y->jid);
}

GPtrArray *roster_sorted(void)
{
    if (sorted)
        return sorted;
    sorted = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, contacts);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (((roster_contact *)v)->in_roster)
            g_ptr_array_add(sorted, v);
    g_ptr_array_sort(sorted, contact_cmp);
    return sorted;
}

guint roster_count(void)
{
    return roster_sorted()->len;
}

guint64 roster_version(void)
{
    return version;
}

char *roster_display_name(const char *bare)
{
    roster_contact *c = roster_find(bare);
    if (c && c->in_roster && c->name)
        return g_strdup(c->name);
    char *s = jid_short_name(bare);
    return s ? s : g_strdup(bare);
}

static const char *const show_names[] = {"offline", "xa", "away", "dnd", "online", "chat"};

const char *presence_show_name(presence_show show)
{
    if ((unsigned)show < G_N_ELEMENTS(show_names))
        return show_names[show];
    return "online";
}

presence_show presence_show_parse(const char *s, bool *ok)
{
    for (unsigned i = 0; s && i < G_N_ELEMENTS(show_names); i++) {
        if (g_ascii_strcasecmp(s, show_names[i]) == 0) {
            if (ok)
                *ok = true;
            return (presence_show)i;
        }
    }
    if (ok)
        *ok = false;
    return PRESENCE_ONLINE;
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *roster_complete(const char *prefix)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    size_t n = strlen(prefix);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, contacts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        roster_contact *c = v;
        if (!c->in_roster && c->show == PRESENCE_OFFLINE)
            continue;
        if (g_ascii_strncasecmp(c->jid, prefix, n) == 0)
            g_ptr_array_add(out, g_strdup(c->jid));
    }
    g_ptr_array_sort(out, str_ptr_cmp);
    return out;
}

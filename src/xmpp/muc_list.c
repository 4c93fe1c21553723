/* muc_list.c - the public rooms of a group chat service (/rooms): a
 * disco#items query (XEP-0030) paged with RSM (XEP-0059). A service that
 * pages answers with a <set/> and the next page is asked for after its
 * last item; one that ignores paging sends everything, and natter shows
 * it a page at a time. Lines go to the window the command was typed in. */
#include "xmpp/internal.h"

#include <string.h>

#include "model/jid.h"

#define ROOMS_PAGE 20

typedef struct {
    char *jid, *name;
} room_item;

static struct {
    char *service; /* the listing under way or shown, NULL: none */
    char *win;
    GPtrArray *held; /* room_item*: items received and not shown yet */
    char *rsm_last;  /* the service pages: ask after this next */
    int rsm_count;   /* the service's total, -1 when not told */
    unsigned shown;  /* items shown so far */
    bool busy;       /* a query is out */
} ls;

static void item_free(room_item *i)
{
    g_free(i->jid);
    g_free(i->name);
    g_free(i);
}

static void listing_drop(void)
{
    g_clear_pointer(&ls.service, g_free);
    g_clear_pointer(&ls.win, g_free);
    g_clear_pointer(&ls.rsm_last, g_free);
    if (ls.held)
        g_ptr_array_unref(ls.held);
    ls.held = NULL;
    ls.shown = 0;
    ls.rsm_count = -1;
    ls.busy = false;
}

/* Show up to a page of what is held, then say what is left. */
static void show_page(void)
{
    guint n = MIN(ls.held->len, ROOMS_PAGE);
    unsigned first = ls.shown + 1;
    if (n == 0 && ls.shown == 0) {
        event_log(LOG_INFO, ls.win, "%s lists no public rooms.", ls.service);
        listing_drop();
        return;
    }
    GString *total = g_string_new(NULL);
    if (ls.rsm_count >= 0)
        g_string_printf(total, " of %d", ls.rsm_count);
    else if (!ls.rsm_last)
        g_string_printf(total, " of %u", ls.shown + ls.held->len);
    event_log(LOG_INFO, ls.win, "Rooms on %s (%u-%u%s):", ls.service, first, ls.shown + n,
              total->str);
    g_string_free(total, TRUE);
    for (guint i = 0; i < n; i++) {
        room_item *it = g_ptr_array_index(ls.held, i);
        event_log(LOG_INFO, ls.win, "  %s%s%s", it->jid, it->name ? "  " : "",
                  it->name ? it->name : "");
    }
    g_ptr_array_remove_range(ls.held, 0, n);
    ls.shown += n;
    if (ls.held->len || ls.rsm_last)
        event_log(LOG_INFO, ls.win, "More: /rooms more. Join one with /join ROOM.");
    else
        event_log(LOG_INFO, ls.win, "That is all. Join one with /join ROOM.");
}

static void ask_page(xmpp_conn_t *c);

static gint cmp_item(gconstpointer a, gconstpointer b)
{
    return strcmp((*(room_item *const *)a)->jid, (*(room_item *const *)b)->jid);
}

static int on_items(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *service = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, service) || strchr(from, '/') || strchr(from, '@'))
        return 1; /* not the answer we wait for */
    if (!ls.service || strcmp(ls.service, service) != 0 || !ls.busy) {
        g_free(service); /* a listing replaced by a newer one */
        return 0;
    }
    g_free(service);
    ls.busy = false;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, ls.win, "Cannot list the rooms of %s: %s", ls.service, why);
        g_free(why);
        listing_drop();
        return 0;
    }
    xmpp_stanza_t *q = nx_child(st, "query", NS_DISCO_ITEMS);
    for (xmpp_stanza_t *e = q ? xmpp_stanza_get_children(q) : NULL; e;
         e = xmpp_stanza_get_next(e)) {
        if (!xmpp_stanza_is_tag(e) || g_strcmp0(xmpp_stanza_get_name(e), "item"))
            continue;
        const char *jid = xmpp_stanza_get_attribute(e, "jid");
        if (!jid || !jid_is_valid(jid))
            continue;
        room_item *it = g_new0(room_item, 1);
        it->jid = g_strdup(jid);
        const char *name = xmpp_stanza_get_attribute(e, "name");
        it->name = name && *name ? g_strdup(name) : NULL;
        g_ptr_array_add(ls.held, it);
    }
    /* A page of a service that pages: continue after its last item, as
     * long as this page brought something. */
    g_clear_pointer(&ls.rsm_last, g_free);
    xmpp_stanza_t *set = q ? nx_child(q, "set", NS_RSM) : NULL;
    if (set) {
        char *last = nx_child_text(set, "last");
        char *count = nx_child_text(set, "count");
        if (count)
            ls.rsm_count = (int)g_ascii_strtoll(count, NULL, 10);
        bool more = ls.rsm_count < 0 || (int)(ls.shown + ls.held->len) < ls.rsm_count;
        if (last && *last && ls.held->len && more)
            ls.rsm_last = g_strdup(last);
        g_free(last);
        g_free(count);
    }
    if (!set) /* everything at once: in a stable order */
        g_ptr_array_sort(ls.held, cmp_item);
    show_page();
    return 0;
}

static void ask_page(xmpp_conn_t *c)
{
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, ls.service);
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_DISCO_ITEMS);
    xmpp_stanza_t *set = nx_add_child(q, "set", NS_RSM);
    char max[16];
    g_snprintf(max, sizeof(max), "%d", ROOMS_PAGE);
    nx_add_text(set, "max", max);
    if (ls.rsm_last)
        nx_add_text(set, "after", ls.rsm_last);
    ls.busy = true;
    nx_send_iq(c, iq, on_items, g_strdup(ls.service), g_free);
}

bool nx_muc_list_rooms(const char *service, const char *win, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    if (!service)
        service = nx_muc_service();
    if (!service) {
        *err = g_strdup("your server has no group chat service; give one: /rooms SERVICE");
        return false;
    }
    jid_t *j = jid_new(service);
    if (!j || j->local || j->resource) {
        jid_free(j);
        *err =
            g_strdup_printf("'%s' is not a service address (like conference.example.org)", service);
        return false;
    }
    listing_drop();
    ls.service = g_strdup(j->bare);
    jid_free(j);
    ls.win = g_strdup(win);
    ls.held = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
    ask_page(c);
    return true;
}

bool nx_muc_list_more(const char *win, char **err)
{
    if (!ls.service || (!ls.held->len && !ls.rsm_last)) {
        *err = g_strdup("no more rooms to show: /rooms [SERVICE] lists them");
        return false;
    }
    if (ls.busy) {
        *err = g_strdup("the next page is on its way");
        return false;
    }
    g_free(ls.win);
    ls.win = g_strdup(win);
    if (ls.held->len) {
        show_page();
        return true;
    }
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    ask_page(c);
    return true;
}

void nx_muc_list_reset(void)
{
    listing_drop();
}

/* blocking.c - the account's blocklist (XEP-0191) and spam reports
 * (XEP-0377): fetched after login, followed through the server's pushes
 * (accepted only from our own account), changed by /block and /unblock.
 * Answers come back as lines in the window the command was typed in
 * (EV_LOG). */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "model/jid.h"

#define NS_BLOCKING "urn:xmpp:blocking"
#define NS_REPORTING "urn:xmpp:reporting:1"

static GHashTable *blocked; /* normalised JID -> NULL; NULL until fetched */

/* What a block/unblock request was for, to word its answer. */
typedef struct {
    char *win;    /* window of the command (NULL: console) */
    char *target; /* JID, or NULL for "everyone" */
    bool block;
    char *report; /* reason of a spam report, or NULL */
} block_ctx;

static void ctx_free(block_ctx *b)
{
    g_free(b->win);
    g_free(b->target);
    g_free(b->report);
    g_free(b);
}

/* A blocklist item names a bare JID, a domain or a full JID: keep it as the
 * server would compare it (the bare part normalised, the resource as is). */
static char *normalise_item(const char *s)
{
    jid_t *j = s ? jid_new(s) : NULL;
    if (!j)
        return NULL;
    char *r = j->resource ? g_strdup_printf("%s/%s", j->bare, j->resource) : g_strdup(j->bare);
    jid_free(j);
    return r;
}

/* Apply the <item/>s of EL (a <block/> or <unblock/>) to the list. An
 * <unblock/> without items unblocks everyone. */
static void apply(xmpp_stanza_t *el, bool block)
{
    if (!blocked)
        blocked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    bool any = false;
    for (xmpp_stanza_t *it = xmpp_stanza_get_children(el); it; it = xmpp_stanza_get_next(it)) {
        const char *name = xmpp_stanza_get_name(it);
        if (!name || strcmp(name, "item") != 0)
            continue;
        char *j = normalise_item(xmpp_stanza_get_attribute(it, "jid"));
        if (!j)
            continue;
        any = true;
        if (block)
            g_hash_table_add(blocked, j);
        else {
            g_hash_table_remove(blocked, j);
            g_free(j);
        }
    }
    if (!block && !any)
        g_hash_table_remove_all(blocked);
}

static int on_blocklist(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not the answer we wait for */
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        log_debug("blocking", "no blocklist: %s", nx_error_condition(st));
        return 0;
    }
    if (blocked)
        g_hash_table_remove_all(blocked);
    xmpp_stanza_t *list = nx_child(st, "blocklist", NS_BLOCKING);
    if (list)
        apply(list, true);
    else if (!blocked)
        blocked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return 0;
}

/* The server tells every interested resource what changed (XEP-0191 3.3);
 * only our own account may say so. */
static int on_push(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    xmpp_stanza_t *block = nx_child(st, "block", NS_BLOCKING);
    xmpp_stanza_t *unblock = nx_child(st, "unblock", NS_BLOCKING);
    if (!block && !unblock)
        return 1;
    const char *from = xmpp_stanza_get_from(st);
    if (!nx_from_own_account(from)) {
        log_debug("blocking", "blocklist push from %s refused", from);
        nx_send_iq_error(st, "forbidden");
        return 1;
    }
    if (!blocked) {
        /* Not fetched yet: the fetch that is under way gives the whole list. */
        xmpp_stanza_t *reply = nx_iq_reply(st, "result");
        xmpp_send(c, reply);
        xmpp_stanza_release(reply);
        return 1;
    }
    apply(block ? block : unblock, block != NULL);
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_send(c, reply);
    xmpp_stanza_release(reply);
    return 1;
}

void nx_blocking_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_push, NS_BLOCKING, "iq", "set", NULL);
}

void nx_blocking_fetch(xmpp_conn_t *c)
{
    xmpp_stanza_t *iq = nx_iq_new("get");
    nx_add_child(iq, "blocklist", NS_BLOCKING);
    nx_send_iq(c, iq, on_blocklist, NULL, NULL);
}

void nx_blocking_reset(void)
{
    g_clear_pointer(&blocked, g_hash_table_unref);
}

static int on_block_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    block_ctx *b = ud;
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1;
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        if (b->target)
            event_log(LOG_ERROR, b->win, "Cannot %s %s: %s", b->block ? "block" : "unblock",
                      b->target, why);
        else
            event_log(LOG_ERROR, b->win, "Cannot unblock everyone: %s", why);
        g_free(why);
    } else if (b->block && b->report) {
        event_log(LOG_INFO, b->win, "Blocked %s and reported it to the server as %s.", b->target,
                  b->report);
    } else if (b->block) {
        event_log(LOG_INFO, b->win, "Blocked %s.", b->target);
    } else if (b->target) {
        event_log(LOG_INFO, b->win, "Unblocked %s.", b->target);
    } else {
        event_log(LOG_INFO, b->win, "Unblocked everyone.");
    }
    ctx_free(b);
    return 0;
}

bool nx_block(const char *jid, const char *report, const char *win, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    char *item = normalise_item(jid);
    if (!item) {
        *err = g_strdup_printf("'%s' is not a valid JID", jid);
        return false;
    }
    if (report && strcmp(report, "spam") && strcmp(report, "abuse")) {
        g_free(item);
        *err = g_strdup_printf("unknown report reason '%s' (spam or abuse)", report);
        return false;
    }
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *el = nx_add_child(iq, "block", NS_BLOCKING);
    xmpp_stanza_t *it = nx_add_child(el, "item", NULL);
    xmpp_stanza_set_attribute(it, "jid", item);
    if (report) {
        xmpp_stanza_t *r = nx_add_child(it, "report", NS_REPORTING);
        char *reason = g_strdup_printf("urn:xmpp:reporting:%s", report);
        xmpp_stanza_set_attribute(r, "reason", reason);
        g_free(reason);
    }
    block_ctx *b = g_new0(block_ctx, 1);
    b->win = g_strdup(win);
    b->target = item;
    b->block = true;
    b->report = g_strdup(report);
    nx_send_iq(c, iq, on_block_result, b, (GDestroyNotify)ctx_free);
    return true;
}

bool nx_unblock(const char *jid, const char *win, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    char *item = NULL;
    if (jid && !(item = normalise_item(jid))) {
        *err = g_strdup_printf("'%s' is not a valid JID", jid);
        return false;
    }
    if (item && blocked && !g_hash_table_contains(blocked, item)) {
        *err = g_strdup_printf("%s is not blocked", item);
        g_free(item);
        return false;
    }
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *el = nx_add_child(iq, "unblock", NS_BLOCKING);
    if (item) {
        xmpp_stanza_t *it = nx_add_child(el, "item", NULL);
        xmpp_stanza_set_attribute(it, "jid", item);
    }
    block_ctx *b = g_new0(block_ctx, 1);
    b->win = g_strdup(win);
    b->target = item;
    nx_send_iq(c, iq, on_block_result, b, (GDestroyNotify)ctx_free);
    return true;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *nx_blocklist(void)
{
    if (!blocked)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, blocked);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(out, g_strdup(key));
    g_ptr_array_sort(out, cmp_str);
    return out;
}

bool nx_is_blocked(const char *jid)
{
    if (!blocked || !jid)
        return false;
    char *n = normalise_item(jid);
    bool r = n && g_hash_table_contains(blocked, n);
    g_free(n);
    return r;
}

/* account.c - this device's OMEMO identity and what others see of it: the
 * account's keys opened from the history database when a connection comes
 * up, our id merged into the account's device list on PEP (never dropping
 * the user's other clients), the bundle published with open access, and
 * the device lists of contacts followed through PEP notifications. */
#include <string.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/log.h"
#include "core/loop.h"
#include "e2e/internal.h"
#include "model/jid.h"
#include "model/muc.h"
#include "store/store.h"
#include "xmpp/omemo_wire.h"
#include "xmpp/pep.h"
#include "xmpp/xmpp.h"

/* Records of e2e/ itself in the key table, next to omemo/'s kinds. */
#define REC_DEVICELIST 100 /* JID, id 0: the ids of its device list, text */
#define SIGNED_PREKEY_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
#define STATE_CHAT "omemo_chat:" /* + bare JID: "on" or "off" */

typedef struct {
    GArray *ids; /* guint32 */
    bool fresh;  /* fetched or pushed during this connection */
} devlist;

static omemo_account *omemo_acct;
static char *own;
static GHashTable *lists; /* bare JID -> devlist* */
static unsigned publish_timer;
static unsigned conn_serial; /* counts connections (one check of the nodes each) */

/* ---------- omemo_storage on the history database ---------- */

static GBytes *st_get(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    return store_key_get((int)kind, jid, id);
}

static bool st_put(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id, GBytes *data)
{
    return store_key_put((int)kind, jid, id, data);
}

static bool st_del(void *ud, omemo_rec_kind kind, const char *jid, uint32_t id)
{
    return store_key_del((int)kind, jid, id);
}

static GArray *st_ids(void *ud, omemo_rec_kind kind, const char *jid)
{
    return store_key_ids((int)kind, jid);
}

static const omemo_storage storage = {st_get, st_put, st_del, st_ids, NULL};

/* ---------- device lists ---------- */

static void devlist_free(gpointer p)
{
    devlist *d = p;
    if (d->ids)
        g_array_unref(d->ids);
    g_free(d);
}

static bool has_id(const GArray *ids, uint32_t id)
{
    for (guint i = 0; ids && i < ids->len; i++)
        if (g_array_index(ids, guint32, i) == id)
            return true;
    return false;
}

static GArray *load_list(const char *jid)
{
    GBytes *b = store_key_get(REC_DEVICELIST, jid, 0);
    if (!b)
        return NULL;
    gsize n;
    const char *d = g_bytes_get_data(b, &n);
    char *text = g_strndup(d, n);
    g_bytes_unref(b);
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    char **parts = g_strsplit(text, ",", -1);
    for (char **p = parts; *p; p++) {
        guint64 v = g_ascii_strtoull(*p, NULL, 10);
        if (v > 0 && v <= 0x7fffffff) {
            guint32 id = (guint32)v;
            g_array_append_val(ids, id);
        }
    }
    g_strfreev(parts);
    g_free(text);
    return ids;
}

static void save_list(const char *jid, const GArray *ids)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ids->len; i++)
        g_string_append_printf(s, "%s%u", i ? "," : "", g_array_index(ids, guint32, i));
    GBytes *b = g_bytes_new(s->str, s->len);
    store_key_put(REC_DEVICELIST, jid, 0, b);
    g_bytes_unref(b);
    g_string_free(s, TRUE);
}

const GArray *e2e_devicelist(const char *jid, bool *fresh)
{
    if (fresh)
        *fresh = false;
    if (!lists)
        return NULL;
    devlist *d = g_hash_table_lookup(lists, jid);
    if (!d) {
        GArray *ids = load_list(jid);
        if (!ids)
            return NULL;
        d = g_new0(devlist, 1);
        d->ids = ids;
        g_hash_table_insert(lists, g_strdup(jid), d);
    }
    if (fresh)
        *fresh = d->fresh;
    return d->ids;
}

static void publish_own_list(const GArray *ids);

/* JID's device list is IDS now (taken): keep it, announce new devices of a
 * contact, and put our own id back when our list lost it. */
static void list_learnt(const char *jid, GArray *ids)
{
    bool had_fresh;
    const GArray *old = e2e_devicelist(jid, &had_fresh);
    bool mine = own && jid_bare_equal(jid, own);
    if (old && !mine) {
        for (guint i = 0; i < ids->len; i++) {
            uint32_t id = g_array_index(ids, guint32, i);
            if (!has_id(old, id))
                event_log(LOG_INFO, jid, "%s has a new OMEMO device %u.", jid, id);
        }
    }
    if (mine && omemo_acct && !has_id(ids, omemo_device_id(omemo_acct))) {
        /* Another client wrote the list without us: add us back (XEP-0384). */
        uint32_t me = omemo_device_id(omemo_acct);
        g_array_append_val(ids, me);
        publish_own_list(ids);
    }
    devlist *d = g_new0(devlist, 1);
    d->ids = ids;
    d->fresh = true;
    g_hash_table_insert(lists, g_strdup(jid), d);
    save_list(jid, ids);
}

static void on_list_push(const char *from, xmpp_stanza_t *payload)
{
    if (!omemo_acct)
        return;
    GArray *ids = nx_omemo_parse_devicelist(payload);
    if (!ids) {
        log_debug("omemo", "ignored a malformed device list from %s", from);
        return;
    }
    list_learnt(from, ids);
}

typedef struct {
    char *jid;
    void (*done)(void *ud);
    void *ud;
} list_fetch;

static void on_list(bool ok, xmpp_stanza_t *payload, const char *error, void *ud)
{
    list_fetch *f = ud;
    if (omemo_acct && lists) {
        GArray *ids = ok && payload ? nx_omemo_parse_devicelist(payload) : NULL;
        if (ids)
            list_learnt(f->jid, ids);
        else if ((ok && !payload) || !g_strcmp0(error, "item-not-found"))
            list_learnt(f->jid, g_array_new(FALSE, FALSE, sizeof(guint32)));
        else
            log_debug("omemo", "no device list of %s: %s", f->jid, error ? error : "malformed");
    }
    if (f->done)
        f->done(f->ud);
    g_free(f->jid);
    g_free(f);
}

bool e2e_fetch_devicelist(const char *jid, void (*done)(void *ud), void *ud)
{
    list_fetch *f = g_new0(list_fetch, 1);
    f->jid = g_strdup(jid);
    f->done = done;
    f->ud = ud;
    if (!nx_pep_fetch(jid, NS_OMEMO_DEVICELIST, NULL, on_list, f)) {
        g_free(f->jid);
        g_free(f);
        return false;
    }
    return true;
}

/* ---------- publishing ourselves ---------- */

static void on_published(bool ok, const char *error, void *ud)
{
    if (!ok)
        event_log(LOG_WARN, NULL, "OMEMO: %s", error);
}

/* The bundle went out: read its node's configuration back, once per
 * connection (a server may ignore publish-options, and a bundle only
 * contacts can read keeps strangers from writing to us). */
static void on_bundle_published(bool ok, const char *error, void *ud)
{
    static unsigned checked_conn;
    on_published(ok, error, NULL);
    if (!ok || !omemo_acct || checked_conn == conn_serial)
        return;
    checked_conn = conn_serial;
    char *node = g_strdup_printf("%s:%u", NS_OMEMO_BUNDLES, omemo_device_id(omemo_acct));
    nx_pep_check_open(node, on_published, NULL);
    nx_pep_check_open(NS_OMEMO_DEVICELIST, on_published, NULL);
    g_free(node);
}

static void publish_own_list(const GArray *ids)
{
    nx_pep_publish_open(NS_OMEMO_DEVICELIST, "current", nx_omemo_devicelist_element(ids),
                        on_published, NULL);
}

static void publish_bundle(void)
{
    if (!omemo_acct)
        return;
    omemo_bundle *b = omemo_own_bundle(omemo_acct);
    nx_omemo_bundle nb = {.identity_key = b->identity_key,
                          .signed_id = b->signed_id,
                          .signed_key = b->signed_key,
                          .signature = b->signature,
                          .prekeys = g_ptr_array_new_with_free_func(g_free)};
    for (guint i = 0; i < b->prekeys->len; i++) {
        const omemo_prekey_pub *p = g_ptr_array_index(b->prekeys, i);
        nx_omemo_prekey *np = g_new0(nx_omemo_prekey, 1);
        np->id = p->id;
        np->key = p->key; /* borrowed from B */
        g_ptr_array_add(nb.prekeys, np);
    }
    char *node = g_strdup_printf("%s:%u", NS_OMEMO_BUNDLES, omemo_device_id(omemo_acct));
    nx_pep_publish_open(node, "current", nx_omemo_bundle_element(&nb), on_bundle_published, NULL);
    g_free(node);
    g_ptr_array_unref(nb.prekeys);
    omemo_bundle_free(b);
}

static void on_publish_timer(void *ud)
{
    publish_timer = 0;
    publish_bundle();
}

void e2e_bundle_changed(void)
{
    /* A burst of first messages uses up several pre-keys: publish once. */
    if (!publish_timer)
        publish_timer = loop_add_timer(500, on_publish_timer, NULL);
}

/* Our own device list is known (or the fetch failed): make sure we are in
 * it, then publish our bundle. */
static void on_own_list(void *ud)
{
    if (!omemo_acct)
        return;
    bool fresh;
    const GArray *ids = e2e_devicelist(own, &fresh);
    if (!fresh) {
        event_log(LOG_WARN, NULL,
                  "OMEMO: cannot read this account's device list; this device "
                  "is not announced.");
        return;
    }
    if (!has_id(ids, omemo_device_id(omemo_acct))) {
        GArray *merged = g_array_copy((GArray *)ids);
        uint32_t me = omemo_device_id(omemo_acct);
        g_array_append_val(merged, me);
        publish_own_list(merged);
        list_learnt(own, merged);
    }
    char *err = NULL;
    omemo_rotate_signed_prekey(omemo_acct, g_get_real_time() / 1000, SIGNED_PREKEY_MAX_AGE_MS,
                               &err);
    if (err) {
        log_warn("omemo", "%s", err);
        g_free(err);
    }
    publish_bundle();
}

static void close_account(void)
{
    e2e_send_reset();
    omemo_account_free(omemo_acct);
    omemo_acct = NULL;
    g_clear_pointer(&own, g_free);
    if (lists)
        g_hash_table_remove_all(lists);
    if (publish_timer)
        loop_cancel_timer(publish_timer);
    publish_timer = 0;
}

static void on_conn(event_type t, const void *p, void *ud)
{
    const ev_conn_state *ev = p;
    if (ev->state == CONN_DISCONNECTED) {
        e2e_send_reset();
        GHashTableIter it;
        gpointer v;
        g_hash_table_iter_init(&it, lists);
        while (g_hash_table_iter_next(&it, NULL, &v))
            ((devlist *)v)->fresh = false;
        return;
    }
    if (ev->state != CONN_CONNECTED || !ev->jid_bare)
        return;
    conn_serial++;
    if (omemo_acct && g_strcmp0(own, ev->jid_bare) != 0)
        close_account();
    if (!omemo_acct) {
        char *err = NULL;
        omemo_acct = omemo_account_open(ev->jid_bare, &storage, NULL, &err);
        if (!omemo_acct) {
            event_log(LOG_ERROR, NULL, "OMEMO is not available: %s", err);
            g_free(err);
            return;
        }
        own = g_strdup(ev->jid_bare);
        log_debug("omemo", "this device is %u", omemo_device_id(omemo_acct));
    }
    if (!e2e_fetch_devicelist(own, on_own_list, NULL))
        log_debug("omemo", "cannot fetch our own device list");
}

static void on_account(event_type t, const void *p, void *ud)
{
    const ev_account *ev = p;
    if (omemo_acct && g_strcmp0(own, ev->jid_bare) != 0)
        close_account();
}

omemo_account *e2e_account(void)
{
    return omemo_acct;
}

const char *e2e_own_jid(void)
{
    return omemo_acct ? own : NULL;
}

uint32_t e2e_own_device(void)
{
    return omemo_acct ? omemo_device_id(omemo_acct) : 0;
}

char *e2e_own_fingerprint(void)
{
    if (!omemo_acct)
        return NULL;
    GBytes *k = omemo_identity_key(omemo_acct);
    char *fp = omemo_fingerprint(k);
    g_bytes_unref(k);
    return fp;
}

GPtrArray *e2e_devices(const char *jid)
{
    GPtrArray *out = g_ptr_array_new();
    if (!omemo_acct)
        return out;
    const GArray *ids = e2e_devicelist(jid, NULL);
    GArray *all = ids ? g_array_copy((GArray *)ids) : g_array_new(FALSE, FALSE, sizeof(guint32));
    GArray *known = store_key_ids(OMEMO_REC_IDENTITY, jid);
    for (guint i = 0; known && i < known->len; i++)
        if (!has_id(all, g_array_index(known, guint32, i)))
            g_array_append_val(all, g_array_index(known, guint32, i));
    for (guint i = 0; i < all->len; i++) {
        uint32_t id = g_array_index(all, guint32, i);
        e2e_device *d = g_new0(e2e_device, 1);
        d->id = id;
        d->active = has_id(ids, id);
        d->session = omemo_has_session(omemo_acct, jid, id);
        bool manual = !g_strcmp0(settings_get("omemo_trust"), "manual");
        omemo_trust t = omemo_get_trust(omemo_acct, jid, id);
        d->trust = t == OMEMO_TRUST_VERIFIED                           ? "verified"
                   : t == OMEMO_TRUST_UNTRUSTED                        ? "untrusted"
                   : omemo_device_trusted(omemo_acct, jid, id, manual) ? "trusted (blind)"
                                                                       : "not verified";
        GBytes *key = store_key_get(OMEMO_REC_IDENTITY, jid, id);
        if (!key && jid_bare_equal(jid, own) && id == omemo_device_id(omemo_acct))
            key = omemo_identity_key(omemo_acct);
        if (key) {
            d->fingerprint = omemo_fingerprint(key);
            g_bytes_unref(key);
        }
        g_ptr_array_add(out, d);
    }
    if (known)
        g_array_unref(known);
    g_array_unref(all);
    return out;
}

bool e2e_trust(const char *jid, const char *fingerprint, bool verify, uint32_t *device, char **err)
{
    if (!omemo_acct) {
        *err = g_strdup("OMEMO is not set up yet");
        return false;
    }
    char *want = omemo_fingerprint_normalise(fingerprint);
    if (!want) {
        *err = g_strdup("that is not a fingerprint (64 hexadecimal digits)");
        return false;
    }
    GArray *known = store_key_ids(OMEMO_REC_IDENTITY, jid);
    bool found = false;
    for (guint i = 0; known && i < known->len && !found; i++) {
        uint32_t id = g_array_index(known, guint32, i);
        GBytes *key = store_key_get(OMEMO_REC_IDENTITY, jid, id);
        char *fp = key ? omemo_fingerprint(key) : NULL;
        char *norm = fp ? omemo_fingerprint_normalise(fp) : NULL;
        if (norm && !strcmp(norm, want)) {
            found = true;
            *device = id;
        }
        g_free(norm);
        g_free(fp);
        if (key)
            g_bytes_unref(key);
    }
    if (known)
        g_array_unref(known);
    g_free(want);
    if (!found) {
        *err = g_strdup_printf("no known device of %s has that fingerprint (natter learns a "
                               "device's key when a session with it starts)",
                               jid);
        return false;
    }
    return omemo_set_trust(omemo_acct, jid, *device,
                           verify ? OMEMO_TRUST_VERIFIED : OMEMO_TRUST_UNTRUSTED, err);
}

bool e2e_chat_verified(const char *jid)
{
    if (muc_room_find(jid))
        return e2e_room_verified(jid);
    const GArray *ids = omemo_acct ? e2e_devicelist(jid, NULL) : NULL;
    if (!ids || ids->len == 0)
        return false;
    for (guint i = 0; i < ids->len; i++)
        if (omemo_get_trust(omemo_acct, jid, g_array_index(ids, guint32, i)) !=
            OMEMO_TRUST_VERIFIED)
            return false;
    return true;
}

/* ---------- the choice per chat ---------- */

bool e2e_chat_enabled(const char *jid)
{
    /* Private chats with room occupants are not encrypted. */
    if (!jid || strchr(jid, '/'))
        return false;
    char *key = g_strconcat(STATE_CHAT, jid, NULL);
    char *v = store_get_state(key);
    g_free(key);
    bool on;
    if (v) {
        on = !strcmp(v, "on");
    } else if (muc_room_find(jid)) {
        on = e2e_room_by_policy(jid);
    } else {
        const char *policy = settings_get("omemo_policy");
        const GArray *ids = omemo_acct ? e2e_devicelist(jid, NULL) : NULL;
        on = !g_strcmp0(policy, "always") ||
             (!g_strcmp0(policy, "automatic") && ids && ids->len > 0);
    }
    g_free(v);
    return on;
}

bool e2e_set_chat(const char *jid, bool on, char **err)
{
    char *key = g_strconcat(STATE_CHAT, jid, NULL);
    bool ok = store_set_state(key, on ? "on" : "off");
    g_free(key);
    if (ok && on && muc_room_find(jid))
        e2e_room_prepare(jid);
    if (!ok)
        *err = g_strdup("the choice cannot be saved (no history database open)");
    return ok;
}

/* ---------- set-up ---------- */

void e2e_init(void)
{
    lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, devlist_free);
    event_subscribe(EV_CONN_STATE, EV_STAGE_PROTO, on_conn, NULL);
    event_subscribe(EV_ACCOUNT, EV_STAGE_PROTO, on_account, NULL);
    nx_pep_set_event_hook(NS_OMEMO_DEVICELIST, on_list_push);
    e2e_recv_init();
    e2e_room_init();
}

void e2e_deinit(void)
{
    event_unsubscribe(EV_CONN_STATE, on_conn, NULL);
    event_unsubscribe(EV_ACCOUNT, on_account, NULL);
    nx_pep_set_event_hook(NS_OMEMO_DEVICELIST, NULL);
    e2e_recv_deinit();
    e2e_room_deinit();
    close_account();
    g_clear_pointer(&lists, g_hash_table_destroy);
}

/* send.c - sending in an encrypted chat. A message waits here while the
 * device lists and bundles it needs are fetched (in the background: typing
 * and drawing go on), then it is encrypted for every device of the contact
 * and our own other devices that has a session, and sent. A device whose
 * bundle is missing or bad is named and skipped; when no device of the
 * contact can be reached, nothing is sent, and never in plain text. */
#include <string.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/log.h"
#include "e2e/internal.h"
#include "model/jid.h"
#include "model/muc.h"
#include "xmpp/muc_omemo.h"
#include "xmpp/omemo_wire.h"
#include "xmpp/pep.h"
#include "xmpp/xmpp.h"

/* The messages to one contact waiting for sessions. */
typedef struct {
    char *jid;
    GQueue texts;      /* outgoing*, in the order written */
    unsigned inflight; /* fetches not answered yet */
} waiting;

static GHashTable *waits;  /* bare JID -> waiting* */
static GHashTable *failed; /* "jid/device" -> why its bundle failed (this connection) */
static GHashTable *warned; /* "jid/device": said to be untrusted (this connection) */

/* One message waiting: its text (a reply's starts with its quote), what
 * it corrects and what it answers (NULL: nothing). */
typedef struct {
    char *text;
    char *replace_id;
    char *reply_id, *reply_to;
    size_t quote_len, quote_bytes;
} outgoing;

static void outgoing_free(gpointer p)
{
    outgoing *o = p;
    g_free(o->text);
    g_free(o->replace_id);
    g_free(o->reply_id);
    g_free(o->reply_to);
    g_free(o);
}

static void waiting_free(gpointer p)
{
    waiting *w = p;
    g_queue_clear_full(&w->texts, outgoing_free);
    g_free(w->jid);
    g_free(w);
}

void e2e_send_reset(void)
{
    if (waits) {
        GHashTableIter it;
        gpointer v;
        g_hash_table_iter_init(&it, waits);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
            waiting *w = v;
            if (w->texts.length)
                event_log(LOG_ERROR, w->jid,
                          "Not sent: %u encrypted message(s) waited for keys when the connection "
                          "was lost.",
                          w->texts.length);
        }
    }
    g_clear_pointer(&waits, g_hash_table_destroy);
    g_clear_pointer(&failed, g_hash_table_destroy);
    g_clear_pointer(&warned, g_hash_table_destroy);
    e2e_room_reset();
}

static char *dev_key(const char *jid, uint32_t id)
{
    return g_strdup_printf("%s/%u", jid, id);
}

/* ---------- encrypting and sending ---------- */

/* Whether DEVICE of JID may be encrypted for (the trust rules); says so
 * once per connection when not. */
static bool trusted(const char *wait_jid, const char *jid, uint32_t device)
{
    omemo_account *a = e2e_account();
    if (omemo_device_trusted(a, jid, device, !g_strcmp0(settings_get("omemo_trust"), "manual")))
        return true;
    char *k = dev_key(jid, device);
    if (warned && !g_hash_table_contains(warned, k)) {
        event_log(LOG_WARN, wait_jid,
                  "OMEMO: device %u of %s is not trusted: skipped (/omemo devices %s, then "
                  "/omemo trust %s FINGERPRINT).",
                  device, jid, jid, jid);
        g_hash_table_add(warned, k);
    } else {
        g_free(k);
    }
    return false;
}

static void add_targets(GPtrArray *targets, const char *wait_jid, const char *jid, uint32_t skip)
{
    omemo_account *a = e2e_account();
    const GArray *ids = e2e_devicelist(jid, NULL);
    for (guint i = 0; ids && i < ids->len; i++) {
        uint32_t id = g_array_index(ids, guint32, i);
        if (id == skip || !omemo_has_session(a, jid, id) || !trusted(wait_jid, jid, id))
            continue;
        omemo_device *d = g_new0(omemo_device, 1);
        d->jid = g_strdup(jid);
        d->device = id;
        g_ptr_array_add(targets, d);
    }
}

static void device_free(gpointer p)
{
    omemo_device *d = p;
    g_free(d->jid);
    g_free(d);
}

/* Why no device of JID can be encrypted for (g_free). */
static char *why_none(const char *jid)
{
    const GArray *ids = e2e_devicelist(jid, NULL);
    if (!ids || ids->len == 0)
        return g_strdup_printf("%s has no OMEMO device (or its device list cannot be read)", jid);
    GString *s = g_string_new(NULL);
    g_string_printf(s, "no device of %s can be encrypted for", jid);
    for (guint i = 0; i < ids->len; i++) {
        uint32_t id = g_array_index(ids, guint32, i);
        char *k = dev_key(jid, id);
        const char *why = failed ? g_hash_table_lookup(failed, k) : NULL;
        if (!why && warned && g_hash_table_contains(warned, k))
            why = "not trusted";
        g_string_append_printf(s, "%s device %u: %s", i ? ";" : " (", id, why ? why : "no session");
        g_free(k);
    }
    g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}

/* The <encrypted/> element of M sent by our device ME (M is freed). */
static xmpp_stanza_t *wire_element(omemo_message *m, uint32_t me)
{
    nx_omemo_encrypted e = {.sid = me,
                            .iv = g_bytes_new(m->iv, sizeof(m->iv)),
                            .keys = g_ptr_array_new_with_free_func(g_free),
                            .payload = m->payload};
    for (guint i = 0; i < m->keys->len; i++) {
        const omemo_key *k = g_ptr_array_index(m->keys, i);
        nx_omemo_key *nk = g_new0(nx_omemo_key, 1);
        nk->rid = k->device;
        nk->prekey = k->prekey;
        nk->data = k->data; /* borrowed from M */
        g_ptr_array_add(e.keys, nk);
    }
    xmpp_stanza_t *el = nx_omemo_encrypted_element(&e);
    g_ptr_array_unref(e.keys);
    g_bytes_unref(e.iv);
    omemo_message_free(m);
    return el;
}

/* A room: encrypted for every device of every member (those without a
 * usable device are named) and our own other devices. */
static bool room_encrypt_and_send(const char *room, const outgoing *o, const nx_enc_reply *reply,
                                  char **err)
{
    const char *text = o->text;
    if (!e2e_room_fits(room, err))
        return false;
    omemo_account *a = e2e_account();
    uint32_t me = omemo_device_id(a);
    GPtrArray *members = e2e_room_members(room);
    GPtrArray *targets = g_ptr_array_new_with_free_func(device_free);
    GString *none = g_string_new(NULL);
    for (guint i = 0; i < members->len; i++) {
        const char *jid = g_ptr_array_index(members, i);
        guint before = targets->len;
        add_targets(targets, room, jid, 0);
        if (targets->len == before)
            g_string_append_printf(none, "%s%s", none->len ? ", " : "", jid);
    }
    bool ok = false;
    if (targets->len == 0) {
        *err = members->len
                   ? g_strdup_printf("no member of %s can be encrypted for (no usable "
                                     "OMEMO device: %s)",
                                     room, none->str)
                   : g_strdup_printf("no other member of %s is known to encrypt for", room);
    } else {
        if (none->len)
            event_log(LOG_WARN, room,
                      "OMEMO: not encrypted for %s (no usable device): they cannot read it.",
                      none->str);
        add_targets(targets, room, e2e_own_jid(), me);
        omemo_message *m = omemo_encrypt(a, text, targets, err);
        if (m) {
            xmpp_stanza_t *el = wire_element(m, me);
            char *id = NULL;
            ok = nx_muc_send_encrypted(room, el, o->replace_id, reply, &id, err);
            if (ok)
                e2e_room_sent(id, text);
            g_free(id);
        }
    }
    g_string_free(none, TRUE);
    g_ptr_array_unref(targets);
    g_ptr_array_unref(members);
    return ok;
}

static bool encrypt_and_send(const char *jid, const outgoing *o, char **err)
{
    /* A reply's reference and fallback marker go next to <encrypted/>;
     * its quote only inside it, as the start of the text. */
    nx_enc_reply r = {.id = o->reply_id,
                      .to = o->reply_to,
                      .quote_len = o->quote_len,
                      .quote_bytes = o->quote_bytes};
    const nx_enc_reply *reply = o->reply_id ? &r : NULL;
    const char *text = o->text;
    if (e2e_account() && muc_room_find(jid))
        return room_encrypt_and_send(jid, o, reply, err);
    omemo_account *a = e2e_account();
    if (!a) {
        *err = g_strdup("OMEMO is not set up");
        return false;
    }
    uint32_t me = omemo_device_id(a);
    GPtrArray *targets = g_ptr_array_new_with_free_func(device_free);
    add_targets(targets, jid, jid, 0);
    if (targets->len == 0) {
        *err = why_none(jid);
        g_ptr_array_unref(targets);
        return false;
    }
    if (!jid_bare_equal(jid, e2e_own_jid()))
        add_targets(targets, jid, e2e_own_jid(), me);
    omemo_message *m = omemo_encrypt(a, text, targets, err);
    g_ptr_array_unref(targets);
    if (!m)
        return false;
    return nx_send_encrypted(jid, wire_element(m, me), text, me, o->replace_id, reply, err);
}

bool e2e_send_key_transport(const char *jid, uint32_t device, char **err)
{
    omemo_account *a = e2e_account();
    if (!a || nx_state() != CONN_CONNECTED) {
        *err = g_strdup(a ? "not connected" : "OMEMO is not set up");
        return false;
    }
    GPtrArray *targets = g_ptr_array_new_with_free_func(device_free);
    omemo_device *d = g_new0(omemo_device, 1);
    d->jid = g_strdup(jid);
    d->device = device;
    g_ptr_array_add(targets, d);
    omemo_message *m = omemo_encrypt(a, NULL, targets, err);
    g_ptr_array_unref(targets);
    if (!m)
        return false;
    return nx_send_key_transport(jid, wire_element(m, omemo_device_id(a)), err);
}

/* Everything W waited for is there: send its messages, in order. */
static void flush(waiting *w)
{
    while (w->texts.length) {
        outgoing *o = g_queue_pop_head(&w->texts);
        char *err = NULL;
        if (!encrypt_and_send(w->jid, o, &err)) {
            event_log(LOG_ERROR, w->jid, "Not sent (OMEMO): %s.", err);
            g_free(err);
        }
        outgoing_free(o);
    }
    g_hash_table_remove(waits, w->jid);
}

/* ---------- fetching what is missing ---------- */

typedef struct {
    char *wait_jid; /* whose messages wait for it */
    char *jid;
    uint32_t device;
} bundle_fetch;

static void answered(const char *wait_jid)
{
    waiting *w = waits ? g_hash_table_lookup(waits, wait_jid) : NULL;
    if (w && w->inflight > 0 && --w->inflight == 0)
        flush(w);
}

static void on_bundle(bool ok, xmpp_stanza_t *payload, const char *error, void *ud)
{
    bundle_fetch *f = ud;
    omemo_account *a = e2e_account();
    char *why = NULL;
    if (a && ok && payload) {
        nx_omemo_bundle *nb = nx_omemo_parse_bundle(payload, &why);
        if (nb) {
            omemo_bundle b = {.identity_key = nb->identity_key,
                              .signed_id = nb->signed_id,
                              .signed_key = nb->signed_key,
                              .signature = nb->signature,
                              .prekeys = g_ptr_array_new_with_free_func(g_free)};
            for (guint i = 0; i < nb->prekeys->len; i++) {
                const nx_omemo_prekey *p = g_ptr_array_index(nb->prekeys, i);
                omemo_prekey_pub *op = g_new0(omemo_prekey_pub, 1);
                op->id = p->id;
                op->key = p->key; /* borrowed from NB */
                g_ptr_array_add(b.prekeys, op);
            }
            omemo_start_session(a, f->jid, f->device, &b, &why);
            g_ptr_array_unref(b.prekeys);
            nx_omemo_bundle_free(nb);
        }
    } else if (a) {
        why = g_strdup(ok ? "it published no bundle" : error);
    }
    if (why && a && failed) {
        event_log(LOG_WARN, f->wait_jid, "OMEMO: device %u of %s is skipped: %s.", f->device,
                  f->jid, why);
        g_hash_table_replace(failed, dev_key(f->jid, f->device), why);
    } else {
        g_free(why);
    }
    answered(f->wait_jid);
    g_free(f->wait_jid);
    g_free(f->jid);
    g_free(f);
}

/* Fetch the bundles of JID's devices without a session that were not
 * found unusable before; counted in W. */
static void fetch_bundles(waiting *w, const char *jid, uint32_t skip)
{
    omemo_account *a = e2e_account();
    const GArray *ids = e2e_devicelist(jid, NULL);
    for (guint i = 0; a && ids && i < ids->len; i++) {
        uint32_t id = g_array_index(ids, guint32, i);
        char *k = dev_key(jid, id);
        bool bad = g_hash_table_contains(failed, k);
        g_free(k);
        /* Untrusted devices get a session too (it teaches their identity
         * key, for /omemo devices and trust); nothing is encrypted for them. */
        if (id == skip || bad || omemo_has_session(a, jid, id))
            continue;
        bundle_fetch *f = g_new0(bundle_fetch, 1);
        f->wait_jid = g_strdup(w->jid);
        f->jid = g_strdup(jid);
        f->device = id;
        char *node = g_strdup_printf("%s:%u", NS_OMEMO_BUNDLES, id);
        if (nx_pep_fetch(jid, node, NULL, on_bundle, f)) {
            w->inflight++;
        } else {
            g_free(f->wait_jid);
            g_free(f->jid);
            g_free(f);
        }
        g_free(node);
    }
}

static void on_lists(void *ud)
{
    char *jid = ud;
    waiting *w = waits ? g_hash_table_lookup(waits, jid) : NULL;
    if (w && e2e_account()) {
        /* Keep one count while the bundle fetches are started. */
        fetch_bundles(w, w->jid, 0);
        if (!jid_bare_equal(w->jid, e2e_own_jid()))
            fetch_bundles(w, e2e_own_jid(), omemo_device_id(e2e_account()));
    }
    answered(jid);
    g_free(jid);
}

/* ---------- rooms: the members, then their device lists ---------- */

typedef struct {
    char *room, *jid;
} member_fetch;

static void on_member_list(void *ud)
{
    member_fetch *f = ud;
    waiting *w = waits ? g_hash_table_lookup(waits, f->room) : NULL;
    if (w && e2e_account())
        fetch_bundles(w, f->jid, 0);
    answered(f->room);
    g_free(f->room);
    g_free(f->jid);
    g_free(f);
}

static void on_room_members(void *ud)
{
    char *room = ud;
    waiting *w = waits ? g_hash_table_lookup(waits, room) : NULL;
    if (w && e2e_account()) {
        GPtrArray *members = e2e_room_members(room);
        for (guint i = 0; i < members->len; i++) {
            const char *jid = g_ptr_array_index(members, i);
            bool fresh = false;
            e2e_devicelist(jid, &fresh);
            member_fetch *f = g_new0(member_fetch, 1);
            f->room = g_strdup(room);
            f->jid = g_strdup(jid);
            w->inflight++;
            if (fresh || !e2e_fetch_devicelist(jid, on_member_list, f))
                on_member_list(f);
        }
        g_ptr_array_unref(members);
        fetch_bundles(w, e2e_own_jid(), omemo_device_id(e2e_account()));
    }
    answered(room);
    g_free(room);
}

bool e2e_send(const char *jid, const char *text, char **err)
{
    return e2e_send_correction(jid, text, NULL, err);
}

bool e2e_send_correction(const char *jid, const char *text, const char *replace_id, char **err)
{
    return e2e_send_reply(jid, text, replace_id, NULL, NULL, NULL, err);
}

bool e2e_send_reply(const char *jid, const char *text, const char *replace_id, const char *reply_id,
                    const char *reply_to, const char *quote, char **err)
{
    if (!e2e_account()) {
        *err = g_strdup("OMEMO is not set up yet (it starts when you are connected)");
        return false;
    }
    if (nx_state() != CONN_CONNECTED) {
        *err = g_strdup("not connected (encrypted messages are not queued)");
        return false;
    }
    if (!text || !*text) {
        *err = g_strdup("nothing to send");
        return false;
    }
    muc_room *room = muc_room_find(jid);
    if (room && (room->state != MUC_STATE_JOINED || !e2e_room_fits(jid, err))) {
        if (room->state != MUC_STATE_JOINED)
            *err = g_strdup_printf("you are not in %s", jid);
        return false;
    }
    if (!waits)
        waits = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, waiting_free);
    if (!failed)
        failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!warned)
        warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (reply_id && (!*reply_id || (quote && !g_utf8_validate(quote, -1, NULL)))) {
        *err = g_strdup(*reply_id ? "the quote is not valid UTF-8"
                                  : "the message has no id to reply to");
        return false;
    }
    outgoing *o = g_new0(outgoing, 1);
    o->replace_id = g_strdup(replace_id);
    if (reply_id) {
        o->text = g_strconcat(quote ? quote : "", text, NULL);
        o->reply_id = g_strdup(reply_id);
        o->reply_to = g_strdup(reply_to);
        o->quote_len = quote ? (size_t)g_utf8_strlen(quote, -1) : 0;
        o->quote_bytes = quote ? strlen(quote) : 0;
    } else {
        o->text = g_strdup(text);
    }
    waiting *w = g_hash_table_lookup(waits, jid);
    if (w) {
        g_queue_push_tail(&w->texts, o);
        return true; /* after those before it */
    }
    w = g_new0(waiting, 1);
    w->jid = g_strdup(jid);
    g_queue_push_tail(&w->texts, o);
    g_hash_table_insert(waits, w->jid, w);
    /* One count for the device list step itself. */
    w->inflight = 1;
    if (room) {
        /* Who the members are first (the room's list), then their devices. */
        char *rkey = g_strdup(jid);
        if (!e2e_room_fetch_members(jid, on_room_members, rkey))
            on_room_members(rkey);
        return true;
    }
    bool fresh;
    e2e_devicelist(jid, &fresh);
    char *key = g_strdup(jid);
    if (fresh || !e2e_fetch_devicelist(jid, on_lists, key))
        on_lists(key);
    return true;
}

/* omemo.c - one account's OMEMO 0.3 state on libsignal-protocol-c (see
 * omemo.h). The library's four stores are served from omemo_storage. */
#include "omemo/omemo.h"

#include <curve.h>
#include <openssl/crypto.h>
#include <key_helper.h>
#include <protocol.h>
#include <ratchet.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
#include <signal_protocol.h>
#include <stdio.h>
#include <string.h>

#include "omemo/crypto.h"

#define OWN_IDENTITY 1
#define OWN_NUMBERS 2

struct omemo_account {
    char *jid;
    omemo_storage st;
    signal_crypto_provider provider;
    signal_context *ctx;
    signal_protocol_store_context *store;
    ratchet_identity_key_pair *identity;
    uint32_t device_id, registration_id;
    uint32_t next_prekey_id; /* ids are never reused */
    uint32_t signed_id, old_signed_id;
    int64_t signed_ms; /* when the signed pre-key was made */
    bool prekey_used;  /* the library removed a pre-key */
};

/* ---------- the library's stores on omemo_storage ---------- */

static char *addr_jid(const signal_protocol_address *addr)
{
    return g_strndup(addr->name, addr->name_len);
}

static int copy_out(GBytes *b, signal_buffer **out)
{
    if (!b)
        return 0;
    gsize n;
    const uint8_t *d = g_bytes_get_data(b, &n);
    *out = signal_buffer_create(d, n);
    g_bytes_unref(b);
    return *out ? 1 : SG_ERR_NOMEM;
}

static int put_record(omemo_account *a, omemo_rec_kind kind, const char *jid, uint32_t id,
                      const uint8_t *data, size_t len)
{
    GBytes *b = g_bytes_new(data, len);
    bool ok = a->st.put(a->st.ud, kind, jid, id, b);
    g_bytes_unref(b);
    return ok ? 0 : SG_ERR_UNKNOWN;
}

static int load_session(signal_buffer **rec, signal_buffer **user,
                        const signal_protocol_address *addr, void *ud)
{
    omemo_account *a = ud;
    char *jid = addr_jid(addr);
    int rc = copy_out(a->st.get(a->st.ud, OMEMO_REC_SESSION, jid, (uint32_t)addr->device_id), rec);
    g_free(jid);
    return rc;
}

static int sub_device_sessions(signal_int_list **out, const char *name, size_t len, void *ud)
{
    omemo_account *a = ud;
    char *jid = g_strndup(name, len);
    GArray *ids = a->st.ids(a->st.ud, OMEMO_REC_SESSION, jid);
    g_free(jid);
    signal_int_list *l = signal_int_list_alloc();
    if (!l) {
        g_array_unref(ids);
        return SG_ERR_NOMEM;
    }
    for (guint i = 0; ids && i < ids->len; i++)
        signal_int_list_push_back(l, (int)g_array_index(ids, guint32, i));
    if (ids)
        g_array_unref(ids);
    *out = l;
    return (int)signal_int_list_size(l);
}

static int store_session(const signal_protocol_address *addr, uint8_t *rec, size_t len,
                         uint8_t *user, size_t user_len, void *ud)
{
    char *jid = addr_jid(addr);
    int rc = put_record(ud, OMEMO_REC_SESSION, jid, (uint32_t)addr->device_id, rec, len);
    g_free(jid);
    return rc;
}

static int contains_session(const signal_protocol_address *addr, void *ud)
{
    omemo_account *a = ud;
    char *jid = addr_jid(addr);
    GBytes *b = a->st.get(a->st.ud, OMEMO_REC_SESSION, jid, (uint32_t)addr->device_id);
    g_free(jid);
    if (b)
        g_bytes_unref(b);
    return b != NULL;
}

static int delete_session(const signal_protocol_address *addr, void *ud)
{
    omemo_account *a = ud;
    char *jid = addr_jid(addr);
    bool ok = a->st.del(a->st.ud, OMEMO_REC_SESSION, jid, (uint32_t)addr->device_id);
    g_free(jid);
    return ok ? 1 : SG_ERR_UNKNOWN;
}

static int delete_all_sessions(const char *name, size_t len, void *ud)
{
    omemo_account *a = ud;
    char *jid = g_strndup(name, len);
    GArray *ids = a->st.ids(a->st.ud, OMEMO_REC_SESSION, jid);
    int n = 0;
    for (guint i = 0; ids && i < ids->len; i++)
        n += a->st.del(a->st.ud, OMEMO_REC_SESSION, jid, g_array_index(ids, guint32, i));
    if (ids)
        g_array_unref(ids);
    g_free(jid);
    return n;
}

static int load_prekey(signal_buffer **rec, uint32_t id, void *ud)
{
    omemo_account *a = ud;
    int rc = copy_out(a->st.get(a->st.ud, OMEMO_REC_PREKEY, "", id), rec);
    return rc == 1 ? SG_SUCCESS : rc == 0 ? SG_ERR_INVALID_KEY_ID : rc;
}

static int store_prekey(uint32_t id, uint8_t *rec, size_t len, void *ud)
{
    return put_record(ud, OMEMO_REC_PREKEY, "", id, rec, len);
}

static int contains_prekey(uint32_t id, void *ud)
{
    omemo_account *a = ud;
    GBytes *b = a->st.get(a->st.ud, OMEMO_REC_PREKEY, "", id);
    if (b)
        g_bytes_unref(b);
    return b != NULL;
}

/* The library removes a one-time pre-key once a session was built with it:
 * natter replaces it with a new id after the message is handled. */
static int remove_prekey(uint32_t id, void *ud)
{
    omemo_account *a = ud;
    a->prekey_used = true;
    return a->st.del(a->st.ud, OMEMO_REC_PREKEY, "", id) ? 0 : SG_ERR_UNKNOWN;
}

static int load_signed(signal_buffer **rec, uint32_t id, void *ud)
{
    omemo_account *a = ud;
    int rc = copy_out(a->st.get(a->st.ud, OMEMO_REC_SIGNED_PREKEY, "", id), rec);
    return rc == 1 ? SG_SUCCESS : rc == 0 ? SG_ERR_INVALID_KEY_ID : rc;
}

static int store_signed(uint32_t id, uint8_t *rec, size_t len, void *ud)
{
    return put_record(ud, OMEMO_REC_SIGNED_PREKEY, "", id, rec, len);
}

static int contains_signed(uint32_t id, void *ud)
{
    omemo_account *a = ud;
    GBytes *b = a->st.get(a->st.ud, OMEMO_REC_SIGNED_PREKEY, "", id);
    if (b)
        g_bytes_unref(b);
    return b != NULL;
}

static int remove_signed(uint32_t id, void *ud)
{
    omemo_account *a = ud;
    return a->st.del(a->st.ud, OMEMO_REC_SIGNED_PREKEY, "", id) ? 0 : SG_ERR_UNKNOWN;
}

static int identity_pair(signal_buffer **pub, signal_buffer **priv, void *ud)
{
    omemo_account *a = ud;
    int rc = ec_public_key_serialize(pub, ratchet_identity_key_pair_get_public(a->identity));
    if (rc == 0)
        rc = ec_private_key_serialize(priv, ratchet_identity_key_pair_get_private(a->identity));
    return rc;
}

static int registration_id(void *ud, uint32_t *id)
{
    *id = ((omemo_account *)ud)->registration_id;
    return 0;
}

static int save_identity(const signal_protocol_address *addr, uint8_t *key, size_t len, void *ud)
{
    omemo_account *a = ud;
    char *jid = addr_jid(addr);
    int rc = key ? put_record(a, OMEMO_REC_IDENTITY, jid, (uint32_t)addr->device_id, key, len)
                 : (a->st.del(a->st.ud, OMEMO_REC_IDENTITY, jid, (uint32_t)addr->device_id)
                        ? 0
                        : SG_ERR_UNKNOWN);
    g_free(jid);
    return rc;
}

/* Trust is decided by natter before it encrypts to a device (and shown when
 * it decrypts), not by the library: XEP-0384 0.3 says the same. */
static int is_trusted(const signal_protocol_address *addr, uint8_t *key, size_t len, void *ud)
{
    return 1;
}

static bool setup_library(omemo_account *a, char **err)
{
    omemo_crypto_provider(&a->provider);
    if (signal_context_create(&a->ctx, a) != 0 ||
        signal_context_set_crypto_provider(a->ctx, &a->provider) != 0 ||
        signal_protocol_store_context_create(&a->store, a->ctx) != 0) {
        *err = g_strdup("cannot set up the OMEMO library");
        return false;
    }
    signal_protocol_session_store ss = {.load_session_func = load_session,
                                        .get_sub_device_sessions_func = sub_device_sessions,
                                        .store_session_func = store_session,
                                        .contains_session_func = contains_session,
                                        .delete_session_func = delete_session,
                                        .delete_all_sessions_func = delete_all_sessions,
                                        .user_data = a};
    signal_protocol_pre_key_store ps = {.load_pre_key = load_prekey,
                                        .store_pre_key = store_prekey,
                                        .contains_pre_key = contains_prekey,
                                        .remove_pre_key = remove_prekey,
                                        .user_data = a};
    signal_protocol_signed_pre_key_store sps = {.load_signed_pre_key = load_signed,
                                                .store_signed_pre_key = store_signed,
                                                .contains_signed_pre_key = contains_signed,
                                                .remove_signed_pre_key = remove_signed,
                                                .user_data = a};
    signal_protocol_identity_key_store is = {.get_identity_key_pair = identity_pair,
                                             .get_local_registration_id = registration_id,
                                             .save_identity = save_identity,
                                             .is_trusted_identity = is_trusted,
                                             .user_data = a};
    signal_protocol_store_context_set_session_store(a->store, &ss);
    signal_protocol_store_context_set_pre_key_store(a->store, &ps);
    signal_protocol_store_context_set_signed_pre_key_store(a->store, &sps);
    signal_protocol_store_context_set_identity_key_store(a->store, &is);
    return true;
}

/* ---------- our own device ---------- */

static bool save_numbers(omemo_account *a)
{
    char *text = g_strdup_printf("device=%u registration=%u next_prekey=%u signed=%u "
                                 "old_signed=%u signed_ms=%" G_GINT64_FORMAT,
                                 a->device_id, a->registration_id, a->next_prekey_id, a->signed_id,
                                 a->old_signed_id, a->signed_ms);
    int rc = put_record(a, OMEMO_REC_OWN, "", OWN_NUMBERS, (const uint8_t *)text, strlen(text));
    g_free(text);
    return rc == 0;
}

static bool load_numbers(omemo_account *a)
{
    GBytes *b = a->st.get(a->st.ud, OMEMO_REC_OWN, "", OWN_NUMBERS);
    if (!b)
        return false;
    gsize n;
    const char *d = g_bytes_get_data(b, &n);
    char *text = g_strndup(d, n);
    g_bytes_unref(b);
    gint64 ms = 0;
    int got = sscanf(text,
                     "device=%u registration=%u next_prekey=%u signed=%u old_signed=%u "
                     "signed_ms=%" G_GINT64_FORMAT,
                     &a->device_id, &a->registration_id, &a->next_prekey_id, &a->signed_id,
                     &a->old_signed_id, &ms);
    g_free(text);
    a->signed_ms = ms;
    return got == 6 && a->device_id > 0;
}

/* Make and store COUNT pre-keys with fresh ids. */
static bool add_prekeys(omemo_account *a, unsigned count)
{
    signal_protocol_key_helper_pre_key_list_node *head = NULL;
    /* Ids run from 1 to 0xFFFFFE and wrap (the library's own limit). */
    if (a->next_prekey_id == 0 || a->next_prekey_id > 0xFFFFFE)
        a->next_prekey_id = 1;
    if (signal_protocol_key_helper_generate_pre_keys(&head, a->next_prekey_id, count, a->ctx) != 0)
        return false;
    bool ok = true;
    for (signal_protocol_key_helper_pre_key_list_node *n = head; n && ok;
         n = signal_protocol_key_helper_key_list_next(n)) {
        session_pre_key *pk = signal_protocol_key_helper_key_list_element(n);
        signal_buffer *ser = NULL;
        ok = session_pre_key_serialize(&ser, pk) == 0 &&
             store_prekey(session_pre_key_get_id(pk), signal_buffer_data(ser),
                          signal_buffer_len(ser), a) == 0;
        signal_buffer_bzero_free(ser);
    }
    signal_protocol_key_helper_key_list_free(head);
    a->next_prekey_id += count;
    return ok;
}

static bool new_signed_prekey(omemo_account *a, uint32_t id, int64_t now_ms)
{
    session_signed_pre_key *spk = NULL;
    if (signal_protocol_key_helper_generate_signed_pre_key(&spk, a->identity, id, (uint64_t)now_ms,
                                                           a->ctx) != 0)
        return false;
    signal_buffer *ser = NULL;
    bool ok = session_signed_pre_key_serialize(&ser, spk) == 0 &&
              store_signed(id, signal_buffer_data(ser), signal_buffer_len(ser), a) == 0;
    signal_buffer_bzero_free(ser);
    SIGNAL_UNREF(spk);
    return ok;
}

static uint32_t random_device_id(omemo_account *a, const GArray *taken)
{
    for (;;) {
        uint32_t id = 0;
        a->provider.random_func((uint8_t *)&id, sizeof(id), NULL);
        id &= 0x7fffffff;
        bool used = id == 0;
        for (guint i = 0; taken && !used && i < taken->len; i++)
            used = g_array_index(taken, guint32, i) == id;
        if (!used)
            return id;
    }
}

static bool create_device(omemo_account *a, const GArray *taken)
{
    if (signal_protocol_key_helper_generate_identity_key_pair(&a->identity, a->ctx) != 0 ||
        signal_protocol_key_helper_generate_registration_id(&a->registration_id, 0, a->ctx) != 0)
        return false;
    a->device_id = random_device_id(a, taken);
    a->next_prekey_id = 1;
    a->signed_id = 1;
    a->old_signed_id = 0;
    a->signed_ms = g_get_real_time() / 1000;
    signal_buffer *ser = NULL;
    bool ok = add_prekeys(a, OMEMO_PREKEYS) && new_signed_prekey(a, a->signed_id, a->signed_ms) &&
              ratchet_identity_key_pair_serialize(&ser, a->identity) == 0 &&
              put_record(a, OMEMO_REC_OWN, "", OWN_IDENTITY, signal_buffer_data(ser),
                         signal_buffer_len(ser)) == 0 &&
              save_numbers(a); /* last: its presence says the device is complete */
    signal_buffer_bzero_free(ser);
    return ok;
}

static bool load_device(omemo_account *a)
{
    if (!load_numbers(a))
        return false;
    GBytes *b = a->st.get(a->st.ud, OMEMO_REC_OWN, "", OWN_IDENTITY);
    if (!b)
        return false;
    gsize n;
    const uint8_t *d = g_bytes_get_data(b, &n);
    int rc = ratchet_identity_key_pair_deserialize(&a->identity, d, n, a->ctx);
    g_bytes_unref(b);
    return rc == 0;
}

omemo_account *omemo_account_open(const char *own_jid, const omemo_storage *storage,
                                  const GArray *taken, char **err)
{
    omemo_account *a = g_new0(omemo_account, 1);
    a->jid = g_strdup(own_jid);
    a->st = *storage;
    if (!setup_library(a, err)) {
        omemo_account_free(a);
        return NULL;
    }
    if (!load_device(a)) {
        SIGNAL_UNREF(a->identity);
        if (!create_device(a, taken)) {
            *err = g_strdup("cannot create and save this device's OMEMO keys");
            omemo_account_free(a);
            return NULL;
        }
    }
    /* Pre-keys used up while their replacement could not be saved: top up. */
    GArray *ids = a->st.ids(a->st.ud, OMEMO_REC_PREKEY, "");
    guint have = ids ? ids->len : 0;
    if (ids)
        g_array_unref(ids);
    if (have < OMEMO_PREKEYS && (!add_prekeys(a, OMEMO_PREKEYS - have) || !save_numbers(a))) {
        *err = g_strdup("cannot save new OMEMO pre-keys");
        omemo_account_free(a);
        return NULL;
    }
    return a;
}

void omemo_account_free(omemo_account *a)
{
    if (!a)
        return;
    SIGNAL_UNREF(a->identity);
    if (a->store)
        signal_protocol_store_context_destroy(a->store);
    if (a->ctx)
        signal_context_destroy(a->ctx);
    g_free(a->jid);
    g_free(a);
}

const omemo_storage *omemo_account_storage(omemo_account *a)
{
    return &a->st;
}

uint32_t omemo_device_id(const omemo_account *a)
{
    return a->device_id;
}

static GBytes *public_bytes(ec_public_key *key)
{
    signal_buffer *ser = NULL;
    if (ec_public_key_serialize(&ser, key) != 0)
        return NULL;
    GBytes *b = g_bytes_new(signal_buffer_data(ser), signal_buffer_len(ser));
    signal_buffer_free(ser);
    return b;
}

GBytes *omemo_identity_key(const omemo_account *a)
{
    return public_bytes(ratchet_identity_key_pair_get_public(a->identity));
}

omemo_bundle *omemo_own_bundle(omemo_account *a)
{
    omemo_bundle *b = g_new0(omemo_bundle, 1);
    b->prekeys = g_ptr_array_new();
    b->identity_key = omemo_identity_key(a);
    b->signed_id = a->signed_id;
    GBytes *rec = a->st.get(a->st.ud, OMEMO_REC_SIGNED_PREKEY, "", a->signed_id);
    session_signed_pre_key *spk = NULL;
    if (rec) {
        gsize n;
        const uint8_t *d = g_bytes_get_data(rec, &n);
        if (session_signed_pre_key_deserialize(&spk, d, n, a->ctx) == 0) {
            b->signed_key =
                public_bytes(ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)));
            b->signature = g_bytes_new(session_signed_pre_key_get_signature(spk),
                                       session_signed_pre_key_get_signature_len(spk));
        }
        SIGNAL_UNREF(spk);
        g_bytes_unref(rec);
    }
    GArray *ids = a->st.ids(a->st.ud, OMEMO_REC_PREKEY, "");
    for (guint i = 0; ids && i < ids->len; i++) {
        uint32_t id = g_array_index(ids, guint32, i);
        GBytes *r = a->st.get(a->st.ud, OMEMO_REC_PREKEY, "", id);
        session_pre_key *pk = NULL;
        gsize n;
        const uint8_t *d = r ? g_bytes_get_data(r, &n) : NULL;
        if (d && session_pre_key_deserialize(&pk, d, n, a->ctx) == 0) {
            omemo_prekey_pub *p = g_new0(omemo_prekey_pub, 1);
            p->id = id;
            p->key = public_bytes(ec_key_pair_get_public(session_pre_key_get_key_pair(pk)));
            g_ptr_array_add(b->prekeys, p);
        }
        SIGNAL_UNREF(pk);
        if (r)
            g_bytes_unref(r);
    }
    if (ids)
        g_array_unref(ids);
    return b;
}

void omemo_bundle_free(omemo_bundle *b)
{
    if (!b)
        return;
    for (guint i = 0; b->prekeys && i < b->prekeys->len; i++) {
        omemo_prekey_pub *p = g_ptr_array_index(b->prekeys, i);
        if (p->key)
            g_bytes_unref(p->key);
        g_free(p);
    }
    if (b->prekeys)
        g_ptr_array_unref(b->prekeys);
    g_clear_pointer(&b->identity_key, g_bytes_unref);
    g_clear_pointer(&b->signed_key, g_bytes_unref);
    g_clear_pointer(&b->signature, g_bytes_unref);
    g_free(b);
}

/* ---------- sessions ---------- */

static ec_public_key *decode(omemo_account *a, GBytes *b)
{
    ec_public_key *k = NULL;
    gsize n = 0;
    const uint8_t *d = b ? g_bytes_get_data(b, &n) : NULL;
    if (!d || curve_decode_point(&k, d, n, a->ctx) != 0)
        return NULL;
    return k;
}

bool omemo_start_session(omemo_account *a, const char *jid, uint32_t device,
                         const omemo_bundle *bundle, char **err)
{
    /* An empty pre-key list must not become a division by zero. */
    if (!bundle->prekeys || bundle->prekeys->len == 0) {
        *err = g_strdup("the device's bundle has no pre-keys");
        return false;
    }
    uint32_t pick = 0;
    a->provider.random_func((uint8_t *)&pick, sizeof(pick), NULL);
    const omemo_prekey_pub *p = g_ptr_array_index(bundle->prekeys, pick % bundle->prekeys->len);
    ec_public_key *identity = decode(a, bundle->identity_key);
    ec_public_key *spk = decode(a, bundle->signed_key);
    ec_public_key *pk = decode(a, p->key);
    gsize sig_len = 0;
    const uint8_t *sig = bundle->signature ? g_bytes_get_data(bundle->signature, &sig_len) : NULL;
    session_pre_key_bundle *b = NULL;
    session_builder *builder = NULL;
    bool ok = false;
    if (!identity || !spk || !pk || !sig) {
        *err = g_strdup("the device's bundle has malformed keys");
        goto out;
    }
    if (session_pre_key_bundle_create(&b, 0, (int)device, p->id, pk, bundle->signed_id, spk, sig,
                                      sig_len, identity) != 0) {
        *err = g_strdup("the device's bundle is not usable");
        goto out;
    }
    signal_protocol_address addr = {jid, strlen(jid), (int32_t)device};
    if (session_builder_create(&builder, a->store, &addr, a->ctx) != 0) {
        *err = g_strdup("cannot start a session");
        goto out;
    }
    int rc = session_builder_process_pre_key_bundle(builder, b);
    if (rc == SG_ERR_INVALID_KEY)
        *err = g_strdup("the signature on the device's pre-key does not verify");
    else if (rc != 0)
        *err = g_strdup_printf("cannot start a session (libsignal error %d)", rc);
    ok = rc == 0;
out:
    if (builder)
        session_builder_free(builder);
    SIGNAL_UNREF(b);
    SIGNAL_UNREF(identity);
    SIGNAL_UNREF(spk);
    SIGNAL_UNREF(pk);
    return ok;
}

bool omemo_has_session(omemo_account *a, const char *jid, uint32_t device)
{
    signal_protocol_address addr = {jid, strlen(jid), (int32_t)device};
    return signal_protocol_session_contains_session(a->store, &addr) == 1;
}

/* ---------- messages ---------- */

static void key_free(omemo_key *k)
{
    g_free(k->jid);
    if (k->data)
        g_bytes_unref(k->data);
    g_free(k);
}

void omemo_message_free(omemo_message *m)
{
    if (!m)
        return;
    if (m->payload)
        g_bytes_unref(m->payload);
    if (m->keys)
        g_ptr_array_unref(m->keys);
    g_free(m);
}

omemo_message *omemo_encrypt(omemo_account *a, const char *text, const GPtrArray *recipients,
                             char **err)
{
    omemo_message *m = g_new0(omemo_message, 1);
    m->keys = g_ptr_array_new_with_free_func((GDestroyNotify)key_free);
    uint8_t km[OMEMO_KEY_MATERIAL];
    if (text) {
        uint8_t *cipher = NULL;
        size_t len = strlen(text);
        if (!omemo_payload_encrypt((const uint8_t *)text, len, &cipher, km, m->iv)) {
            *err = g_strdup("cannot encrypt the message");
            omemo_message_free(m);
            return NULL;
        }
        m->payload = g_bytes_new_take(cipher, len);
    } else if (a->provider.random_func(km, sizeof(km), NULL) != 0 ||
               a->provider.random_func(m->iv, sizeof(m->iv), NULL) != 0) {
        *err = g_strdup("no randomness for a key transport message");
        omemo_message_free(m);
        return NULL;
    }
    for (guint i = 0; recipients && i < recipients->len; i++) {
        const omemo_device *d = g_ptr_array_index(recipients, i);
        signal_protocol_address addr = {d->jid, strlen(d->jid), (int32_t)d->device};
        if (signal_protocol_session_contains_session(a->store, &addr) != 1)
            continue; /* the caller starts sessions first */
        session_cipher *c = NULL;
        ciphertext_message *msg = NULL;
        if (session_cipher_create(&c, a->store, &addr, a->ctx) == 0 &&
            session_cipher_encrypt(c, km, sizeof(km), &msg) == 0) {
            signal_buffer *wire = ciphertext_message_get_serialized(msg);
            omemo_key *k = g_new0(omemo_key, 1);
            k->jid = g_strdup(d->jid);
            k->device = d->device;
            k->prekey = ciphertext_message_get_type(msg) == CIPHERTEXT_PREKEY_TYPE;
            k->data = g_bytes_new(signal_buffer_data(wire), signal_buffer_len(wire));
            g_ptr_array_add(m->keys, k);
        }
        SIGNAL_UNREF(msg);
        if (c)
            session_cipher_free(c);
    }
    OPENSSL_cleanse(km, sizeof(km));
    if (m->keys->len == 0) {
        *err = g_strdup("no device to encrypt for (no session with any of them)");
        omemo_message_free(m);
        return NULL;
    }
    return m;
}

static const char *decrypt_error(int rc)
{
    switch (rc) {
    case SG_ERR_DUPLICATE_MESSAGE:
        return "it was decrypted before (a duplicate)";
    case SG_ERR_NO_SESSION:
        return "there is no session with that device";
    case SG_ERR_INVALID_KEY_ID:
        return "it names a pre-key this device no longer has";
    case SG_ERR_LEGACY_MESSAGE:
        return "it uses an old protocol version";
    case SG_ERR_UNTRUSTED_IDENTITY:
        return "the device's identity key is not trusted";
    default:
        return "it cannot be decrypted";
    }
}

bool omemo_decrypt(omemo_account *a, const char *jid, uint32_t device, const uint8_t *key,
                   size_t key_len, bool prekey, const uint8_t *iv, size_t iv_len,
                   const uint8_t *payload, size_t payload_len, omemo_plain *out, char **err)
{
    memset(out, 0, sizeof(*out));
    signal_protocol_address addr = {jid, strlen(jid), (int32_t)device};
    session_cipher *c = NULL;
    signal_buffer *km = NULL;
    int rc = session_cipher_create(&c, a->store, &addr, a->ctx);
    a->prekey_used = false;
    if (rc == 0 && prekey) {
        pre_key_signal_message *pm = NULL;
        rc = pre_key_signal_message_deserialize(&pm, key, key_len, a->ctx);
        if (rc == 0)
            rc = session_cipher_decrypt_pre_key_signal_message(c, pm, NULL, &km);
        SIGNAL_UNREF(pm);
    } else if (rc == 0) {
        signal_message *sm = NULL;
        rc = signal_message_deserialize(&sm, key, key_len, a->ctx);
        if (rc == 0)
            rc = session_cipher_decrypt_signal_message(c, sm, NULL, &km);
        SIGNAL_UNREF(sm);
    }
    if (c)
        session_cipher_free(c);
    /* A used pre-key is replaced with a new id whatever happens next. */
    if (a->prekey_used) {
        a->prekey_used = false;
        out->bundle_changed = add_prekeys(a, 1) && save_numbers(a);
    }
    if (rc != 0) {
        out->duplicate = rc == SG_ERR_DUPLICATE_MESSAGE;
        *err = g_strdup_printf("the message's key for this device: %s", decrypt_error(rc));
        return false;
    }
    bool ok = true;
    if (payload) {
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        ok = omemo_payload_decrypt(signal_buffer_data(km), signal_buffer_len(km), iv, iv_len,
                                   payload, payload_len, &plain, &plain_len, err);
        if (ok && (memchr(plain, '\0', plain_len) || !g_utf8_validate((char *)plain, -1, NULL))) {
            g_free(plain);
            *err = g_strdup("the decrypted text is not valid UTF-8");
            ok = false;
        } else if (ok) {
            out->text = (char *)plain;
        }
    }
    signal_buffer_bzero_free(km);
    return ok;
}

bool omemo_rotate_signed_prekey(omemo_account *a, int64_t now_ms, int64_t max_age_ms, char **err)
{
    if (now_ms - a->signed_ms < max_age_ms)
        return false;
    uint32_t id = a->signed_id >= 0xFFFFFE ? 1 : a->signed_id + 1;
    if (!new_signed_prekey(a, id, now_ms)) {
        *err = g_strdup("cannot save a new signed pre-key");
        return false;
    }
    /* Keep the previous one for messages already on their way. */
    if (a->old_signed_id && a->old_signed_id != id)
        a->st.del(a->st.ud, OMEMO_REC_SIGNED_PREKEY, "", a->old_signed_id);
    a->old_signed_id = a->signed_id;
    a->signed_id = id;
    a->signed_ms = now_ms;
    if (!save_numbers(a)) {
        *err = g_strdup("cannot save the OMEMO key numbers");
        return false;
    }
    return true;
}

char *omemo_fingerprint(GBytes *key)
{
    gsize n = 0;
    const uint8_t *d = key ? g_bytes_get_data(key, &n) : NULL;
    GString *s = g_string_new(NULL);
    /* The first byte is the key type (0x05), not part of what people compare. */
    for (gsize i = n == 33 ? 1 : 0, k = 0; d && i < n; i++, k++) {
        if (k && k % 4 == 0)
            g_string_append_c(s, ' ');
        g_string_append_printf(s, "%02x", d[i]);
    }
    return g_string_free(s, FALSE);
}

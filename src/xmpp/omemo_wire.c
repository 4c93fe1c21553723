/* omemo_wire.c - OMEMO 0.3 elements, read strictly and written exactly
 * (see omemo_wire.h). The element order follows XEP-0384 0.3's examples:
 * header (keys, then iv), then payload. */
#include "xmpp/omemo_wire.h"

#include <string.h>

#include "xmpp/internal.h"

#define KEY_LEN 33 /* a serialized curve point: type byte 0x05 and 32 bytes */
#define SIG_LEN 64

/* ---------- small helpers ---------- */

GBytes *nx_base64_strict(const char *text)
{
    if (!text)
        return NULL;
    GString *clean = g_string_new(NULL);
    bool padding = false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            padding = true;
        } else if (padding || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            g_string_free(clean, TRUE);
            return NULL; /* a character outside the alphabet, or data after '=' */
        }
        g_string_append_c(clean, c);
    }
    if (clean->len == 0 || clean->len % 4 != 0) {
        g_string_free(clean, TRUE);
        return NULL;
    }
    gsize n = 0;
    guchar *data = g_base64_decode(clean->str, &n);
    g_string_free(clean, TRUE);
    return g_bytes_new_take(data, n);
}

/* The base64 text of child NAME of ST as bytes, NULL when absent or bad. */
static GBytes *child_bytes(xmpp_stanza_t *st, const char *name)
{
    char *text = nx_child_text(st, name);
    GBytes *b = nx_base64_strict(text);
    g_free(text);
    return b;
}

static bool is_key(GBytes *b)
{
    gsize n = 0;
    const uint8_t *d = b ? g_bytes_get_data(b, &n) : NULL;
    return d && n == KEY_LEN && d[0] == 0x05;
}

/* A device or key id: a decimal number from 1 to 2^31-1 (XEP-0384). */
static bool parse_id(const char *s, uint32_t *out)
{
    if (!s || !*s || strlen(s) > 10)
        return false;
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return false;
    }
    guint64 v = g_ascii_strtoull(s, NULL, 10);
    if (v == 0 || v > 0x7fffffffu)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void set_id(xmpp_stanza_t *e, const char *attr, uint32_t id)
{
    char buf[16];
    g_snprintf(buf, sizeof(buf), "%u", id);
    xmpp_stanza_set_attribute(e, attr, buf);
}

/* <NAME>base64 of B</NAME> appended to PARENT; returns the element. */
static xmpp_stanza_t *add_bytes(xmpp_stanza_t *parent, const char *name, GBytes *b)
{
    gsize n = 0;
    const guchar *d = b ? g_bytes_get_data(b, &n) : NULL;
    char *text = g_base64_encode(d, n);
    xmpp_stanza_t *e = nx_text_element(name, text);
    xmpp_stanza_add_child_ex(parent, e, 0);
    g_free(text);
    return e;
}

static bool named(xmpp_stanza_t *e, const char *name)
{
    return xmpp_stanza_is_tag(e) && !g_strcmp0(xmpp_stanza_get_name(e), name);
}

/* ---------- device lists ---------- */

GArray *nx_omemo_parse_devicelist(xmpp_stanza_t *list)
{
    if (!list || !named(list, "list") || g_strcmp0(xmpp_stanza_get_ns(list), NS_OMEMO) != 0)
        return NULL;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (xmpp_stanza_t *d = xmpp_stanza_get_children(list); d; d = xmpp_stanza_get_next(d)) {
        uint32_t id;
        if (!named(d, "device") || !parse_id(xmpp_stanza_get_attribute(d, "id"), &id))
            continue;
        bool dup = false;
        for (guint i = 0; i < ids->len && !dup; i++)
            dup = g_array_index(ids, guint32, i) == id;
        if (!dup)
            g_array_append_val(ids, id);
        if (ids->len >= NX_OMEMO_MAX_DEVICES)
            break;
    }
    return ids;
}

xmpp_stanza_t *nx_omemo_devicelist_element(const GArray *ids)
{
    xmpp_stanza_t *list = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(list, "list");
    xmpp_stanza_set_ns(list, NS_OMEMO);
    for (guint i = 0; ids && i < ids->len; i++)
        set_id(nx_add_child(list, "device", NULL), "id", g_array_index(ids, guint32, i));
    return list;
}

/* ---------- bundles ---------- */

static void prekey_free(nx_omemo_prekey *p)
{
    if (p->key)
        g_bytes_unref(p->key);
    g_free(p);
}

void nx_omemo_bundle_free(nx_omemo_bundle *b)
{
    if (!b)
        return;
    g_clear_pointer(&b->identity_key, g_bytes_unref);
    g_clear_pointer(&b->signed_key, g_bytes_unref);
    g_clear_pointer(&b->signature, g_bytes_unref);
    if (b->prekeys)
        g_ptr_array_unref(b->prekeys);
    g_free(b);
}

nx_omemo_bundle *nx_omemo_parse_bundle(xmpp_stanza_t *bundle, char **err)
{
    if (!bundle || !named(bundle, "bundle") ||
        g_strcmp0(xmpp_stanza_get_ns(bundle), NS_OMEMO) != 0) {
        *err = g_strdup("not an OMEMO bundle");
        return NULL;
    }
    nx_omemo_bundle *b = g_new0(nx_omemo_bundle, 1);
    b->prekeys = g_ptr_array_new_with_free_func((GDestroyNotify)prekey_free);
    xmpp_stanza_t *spk = nx_child(bundle, "signedPreKeyPublic", NULL);
    b->signed_key = child_bytes(bundle, "signedPreKeyPublic");
    b->signature = child_bytes(bundle, "signedPreKeySignature");
    b->identity_key = child_bytes(bundle, "identityKey");
    gsize sig_len = b->signature ? g_bytes_get_size(b->signature) : 0;
    if (!spk || !parse_id(xmpp_stanza_get_attribute(spk, "signedPreKeyId"), &b->signed_id) ||
        !is_key(b->signed_key) || sig_len != SIG_LEN || !is_key(b->identity_key)) {
        *err = g_strdup("the bundle's identity key, signed pre-key or signature is malformed");
        nx_omemo_bundle_free(b);
        return NULL;
    }
    xmpp_stanza_t *pks = nx_child(bundle, "prekeys", NULL);
    for (xmpp_stanza_t *p = pks ? xmpp_stanza_get_children(pks) : NULL;
         p && b->prekeys->len < NX_OMEMO_MAX_PREKEYS; p = xmpp_stanza_get_next(p)) {
        uint32_t id;
        if (!named(p, "preKeyPublic") || !parse_id(xmpp_stanza_get_attribute(p, "preKeyId"), &id))
            continue;
        char *text = xmpp_stanza_get_text(p);
        GBytes *key = nx_base64_strict(text);
        if (text)
            xmpp_free(nx_ctx(), text);
        if (!is_key(key)) {
            if (key)
                g_bytes_unref(key);
            continue; /* one bad pre-key does not spoil the others */
        }
        nx_omemo_prekey *pk = g_new0(nx_omemo_prekey, 1);
        pk->id = id;
        pk->key = key;
        g_ptr_array_add(b->prekeys, pk);
    }
    if (b->prekeys->len == 0) {
        *err = g_strdup("the bundle has no usable pre-key");
        nx_omemo_bundle_free(b);
        return NULL;
    }
    return b;
}

xmpp_stanza_t *nx_omemo_bundle_element(const nx_omemo_bundle *b)
{
    xmpp_stanza_t *bundle = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(bundle, "bundle");
    xmpp_stanza_set_ns(bundle, NS_OMEMO);
    set_id(add_bytes(bundle, "signedPreKeyPublic", b->signed_key), "signedPreKeyId", b->signed_id);
    add_bytes(bundle, "signedPreKeySignature", b->signature);
    add_bytes(bundle, "identityKey", b->identity_key);
    xmpp_stanza_t *pks = nx_add_child(bundle, "prekeys", NULL);
    for (guint i = 0; b->prekeys && i < b->prekeys->len; i++) {
        const nx_omemo_prekey *p = g_ptr_array_index(b->prekeys, i);
        set_id(add_bytes(pks, "preKeyPublic", p->key), "preKeyId", p->id);
    }
    return bundle;
}

/* ---------- encrypted messages ---------- */

static void key_free(nx_omemo_key *k)
{
    if (k->data)
        g_bytes_unref(k->data);
    g_free(k);
}

void nx_omemo_encrypted_free(nx_omemo_encrypted *e)
{
    if (!e)
        return;
    g_clear_pointer(&e->iv, g_bytes_unref);
    g_clear_pointer(&e->payload, g_bytes_unref);
    if (e->keys)
        g_ptr_array_unref(e->keys);
    g_free(e);
}

/* xs:boolean: "true" or "1". */
static bool xs_true(const char *v)
{
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

nx_omemo_encrypted *nx_omemo_parse_encrypted(xmpp_stanza_t *enc, char **err)
{
    xmpp_stanza_t *header = enc ? nx_child(enc, "header", NULL) : NULL;
    nx_omemo_encrypted *e = g_new0(nx_omemo_encrypted, 1);
    e->keys = g_ptr_array_new_with_free_func((GDestroyNotify)key_free);
    if (!header || !parse_id(xmpp_stanza_get_attribute(header, "sid"), &e->sid)) {
        *err = g_strdup("the encrypted message has no valid sender device");
        goto fail;
    }
    e->iv = child_bytes(header, "iv");
    gsize iv_len = e->iv ? g_bytes_get_size(e->iv) : 0;
    if (iv_len != 12 && iv_len != 16) {
        *err = g_strdup("the encrypted message's IV is missing or of a wrong size");
        goto fail;
    }
    for (xmpp_stanza_t *k = xmpp_stanza_get_children(header); k && e->keys->len < NX_OMEMO_MAX_KEYS;
         k = xmpp_stanza_get_next(k)) {
        uint32_t rid;
        if (!named(k, "key") || !parse_id(xmpp_stanza_get_attribute(k, "rid"), &rid))
            continue;
        char *text = xmpp_stanza_get_text(k);
        GBytes *data = nx_base64_strict(text);
        if (text)
            xmpp_free(nx_ctx(), text);
        if (!data)
            continue;
        nx_omemo_key *key = g_new0(nx_omemo_key, 1);
        key->rid = rid;
        key->prekey = xs_true(xmpp_stanza_get_attribute(k, "prekey"));
        key->data = data;
        g_ptr_array_add(e->keys, key);
    }
    xmpp_stanza_t *payload = nx_child(enc, "payload", NULL);
    if (payload) {
        e->payload = child_bytes(enc, "payload");
        if (!e->payload) {
            *err = g_strdup("the encrypted message's payload is not base64");
            goto fail;
        }
    }
    return e;
fail:
    nx_omemo_encrypted_free(e);
    return NULL;
}

xmpp_stanza_t *nx_omemo_encrypted_element(const nx_omemo_encrypted *e)
{
    xmpp_stanza_t *enc = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(enc, "encrypted");
    xmpp_stanza_set_ns(enc, NS_OMEMO);
    xmpp_stanza_t *header = nx_add_child(enc, "header", NULL);
    set_id(header, "sid", e->sid);
    for (guint i = 0; e->keys && i < e->keys->len; i++) {
        const nx_omemo_key *k = g_ptr_array_index(e->keys, i);
        xmpp_stanza_t *ke = add_bytes(header, "key", k->data);
        /* Only when true: some readers take any value of it as true. */
        if (k->prekey)
            xmpp_stanza_set_attribute(ke, "prekey", "true");
        set_id(ke, "rid", k->rid);
    }
    add_bytes(header, "iv", e->iv);
    if (e->payload)
        add_bytes(enc, "payload", e->payload);
    return enc;
}

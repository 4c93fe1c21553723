/* recv.c - the decryption of incoming OMEMO messages, wherever they come
 * from (live, carbons, offline storage, the archive): xmpp/message.c hands
 * every <encrypted/> to the hook set here and gets back the text, nothing
 * (key transport, replays, our own copies) or one line saying why there is
 * no text. Key material never reaches the log. */
#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"
#include "e2e/internal.h"
#include "model/jid.h"
#include "xmpp/omemo_wire.h"

static nx_decrypt_result notice(nx_decrypted *out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Devices that started a session with a pre-key message and get an empty
 * message back ("jid/device" -> NULL), sent once the stanzas being handled
 * now are done: one answer for a run of such messages. */
static GHashTable *heartbeats;
static unsigned heartbeat_timer;

static void send_heartbeats(void *ud)
{
    heartbeat_timer = 0;
    GHashTable *due = heartbeats;
    heartbeats = NULL;
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, due);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        char *slash = strrchr(k, '/');
        char *jid = g_strndup(k, (gsize)(slash - (char *)k));
        uint32_t device = (uint32_t)g_ascii_strtoull(slash + 1, NULL, 10);
        char *err = NULL;
        if (e2e_send_key_transport(jid, device, &err))
            log_debug("omemo", "session with %s (device %u) completed by an empty message", jid,
                      device);
        else
            log_debug("omemo", "no empty message to %s (device %u): %s", jid, device, err);
        g_free(err);
        g_free(jid);
    }
    g_hash_table_destroy(due);
}

/* SENDER's DEVICE built its session with us from a pre-key message: until
 * it hears from us it keeps sending pre-key messages (as Conversations and
 * python-omemo do, answer with an empty one). */
static void heartbeat_later(const char *sender, uint32_t device)
{
    if (!heartbeats)
        heartbeats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_add(heartbeats, g_strdup_printf("%s/%u", sender, device));
    if (!heartbeat_timer)
        heartbeat_timer = loop_add_timer(0, send_heartbeats, NULL);
}

static nx_decrypt_result notice(nx_decrypted *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out->text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return NX_DECRYPT_NOTICE;
}

static nx_decrypt_result decrypt(const char *sender, const char *peer, bool outgoing, bool archive,
                                 xmpp_stanza_t *enc, nx_decrypted *out)
{
    omemo_account *a = e2e_account();
    const char *who = outgoing ? "You" : sender;
    char *err = NULL;
    nx_omemo_encrypted *e = nx_omemo_parse_encrypted(enc, &err);
    if (!e) {
        nx_decrypt_result r = notice(out, "An OMEMO message from %s cannot be read: %s.",
                                     outgoing ? "you" : sender, err);
        g_free(err);
        return r;
    }
    out->device = e->sid;
    nx_decrypt_result r = NX_DECRYPT_SILENT;
    const nx_omemo_key *mine = NULL;
    uint32_t me = a ? omemo_device_id(a) : 0;
    for (guint i = 0; a && i < e->keys->len && !mine; i++) {
        const nx_omemo_key *k = g_ptr_array_index(e->keys, i);
        if (k->rid == me)
            mine = k;
    }
    if (!a) {
        r = e->payload
                ? notice(out, "%s sent an OMEMO message, but OMEMO is not set up here yet.", who)
                : NX_DECRYPT_SILENT;
    } else if (e->sid == me && jid_bare_equal(sender, e2e_own_jid())) {
        /* What this device sent, back from the archive or as a carbon:
         * the history has it already. */
        r = NX_DECRYPT_SILENT;
    } else if (!mine) {
        if (e->payload)
            r = notice(out,
                       "%s sent an OMEMO message (device %u) encrypted for your other devices, "
                       "not this one.",
                       who, e->sid);
    } else {
        gsize klen = 0, ivlen = 0, plen = 0;
        const uint8_t *k = g_bytes_get_data(mine->data, &klen);
        const uint8_t *iv = g_bytes_get_data(e->iv, &ivlen);
        const uint8_t *pl = e->payload ? g_bytes_get_data(e->payload, &plen) : NULL;
        omemo_plain plain;
        bool ok =
            omemo_decrypt(a, sender, e->sid, k, klen, mine->prekey, iv, ivlen,
                          e->payload ? (pl ? pl : (const uint8_t *)"") : NULL, plen, &plain, &err);
        if (plain.bundle_changed)
            e2e_bundle_changed();
        /* Not to a device the user refused: nothing goes to it at all. */
        if (ok && mine->prekey && omemo_get_trust(a, sender, e->sid) != OMEMO_TRUST_UNTRUSTED)
            heartbeat_later(sender, e->sid);
        if (!ok && plain.duplicate) {
            log_debug("omemo", "a copy of an OMEMO message from %s (device %u) dropped", sender,
                      e->sid);
        } else if (!ok) {
            r = notice(out, "The OMEMO message from %s (device %u) could not be decrypted: %s.",
                       outgoing ? "you" : sender, e->sid, err);
        } else if (plain.text) {
            out->text = plain.text;
            out->untrusted = !omemo_device_trusted(
                a, sender, e->sid, !g_strcmp0(settings_get("omemo_trust"), "manual"));
            out->verified = omemo_get_trust(a, sender, e->sid) == OMEMO_TRUST_VERIFIED;
            r = NX_DECRYPT_TEXT;
        }
        g_free(err);
    }
    (void)peer;
    (void)archive;
    nx_omemo_encrypted_free(e);
    return r;
}

nx_decrypt_result e2e_recv_decrypt(const char *sender, const char *peer, bool outgoing,
                                   bool archive, xmpp_stanza_t *enc, nx_decrypted *out)
{
    return decrypt(sender, peer, outgoing, archive, enc, out);
}

void e2e_recv_init(void)
{
    nx_omemo_set_decrypt_hook(decrypt);
}

void e2e_recv_deinit(void)
{
    nx_omemo_set_decrypt_hook(NULL);
    if (heartbeat_timer)
        loop_cancel_timer(heartbeat_timer);
    heartbeat_timer = 0;
    g_clear_pointer(&heartbeats, g_hash_table_destroy);
}

/* muc_omemo.c - OMEMO in group chats, on the wire: encrypted messages to a
 * room, the decryption hook for what occupants send (their real JID taken
 * from the room's presence only), and the room's member list. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"

#include "model/jid.h"
#include "model/muc.h"
#include "xmpp/muc_omemo.h"

static nx_muc_decrypt_fn muc_decrypt_hook;

void nx_muc_set_decrypt_hook(nx_muc_decrypt_fn fn)
{
    muc_decrypt_hook = fn;
}

bool nx_muc_send_encrypted(const char *room, xmpp_stanza_t *encrypted, const char *replace_id,
                           const nx_enc_reply *reply, char **id, char **err)
{
    xmpp_conn_t *c = nx_conn();
    muc_room *r = room ? muc_room_find(room) : NULL;
    if (!c || !r || r->state != MUC_STATE_JOINED) {
        *err = g_strdup(!c ? "not connected (encrypted messages are not queued)"
                           : "you are not in the room");
        xmpp_stanza_release(encrypted);
        return false;
    }
    char *mid = nx_new_id();
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "groupchat", r->jid, mid);
    xmpp_message_set_body(m, NX_OMEMO_FALLBACK);
    xmpp_stanza_add_child_ex(m, encrypted, 0);
    if (replace_id)
        xmpp_stanza_set_attribute(nx_add_child(m, "replace", NS_CORRECT), "id", replace_id);
    if (reply)
        nx_reply_add(m, reply->id, reply->to, reply->quote_len);
    nx_add_child(m, "store", "urn:xmpp:hints");
    xmpp_stanza_t *eme = nx_add_child(m, "encryption", "urn:xmpp:eme:0");
    xmpp_stanza_set_attribute(eme, "namespace", NS_OMEMO);
    xmpp_stanza_set_attribute(eme, "name", "OMEMO");
    xmpp_stanza_set_attribute(nx_add_child(m, "origin-id", NS_SID), "id", mid);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
    *id = mid;
    return true;
}

bool nx_muc_encrypted_text(xmpp_stanza_t *st, const char *room, const char *nick, bool outgoing,
                           bool archive, bool backfill, char **text, uint32_t *device,
                           bool *untrusted)
{
    *text = NULL;
    xmpp_stanza_t *enc = nx_child(st, "encrypted", NS_OMEMO);
    xmpp_stanza_t *eme = nx_child(st, "encryption", "urn:xmpp:eme:0");
    if (!enc) {
        if (!nx_child(st, "encrypted", NS_OMEMO2) &&
            !(eme && !g_strcmp0(xmpp_stanza_get_attribute(eme, "namespace"), NS_OMEMO2)))
            return false;
        if (!backfill)
            event_log(LOG_WARN, room,
                      "%s sent a message with OMEMO 2, which natter does not support yet.",
                      outgoing ? "You" : nick);
        return true;
    }
    /* Who sent it: the room's presence says (occupant items), or, for our
     * own nick, we did. Never what the message itself claims. */
    char *real = NULL;
    muc_room *r = muc_room_find(room);
    if (outgoing) {
        real = g_strdup(nx_own_bare());
    } else {
        muc_occupant *o = r ? muc_occupant_find(r, nick) : NULL;
        real = o && o->jid ? jid_bare_of(o->jid) : NULL;
    }
    xmpp_stanza_t *origin = nx_child(st, "origin-id", NS_SID);
    const char *origin_id = origin ? xmpp_stanza_get_attribute(origin, "id") : NULL;
    nx_decrypted d = {0};
    nx_decrypt_result res = NX_DECRYPT_NOTICE;
    if (muc_decrypt_hook)
        res = muc_decrypt_hook(room, nick, real, outgoing, archive, origin_id, enc, &d);
    else
        d.text = g_strdup("An OMEMO encrypted message arrived, but OMEMO is not available here.");
    g_free(real);
    if (res == NX_DECRYPT_TEXT) {
        *text = d.text;
        *device = d.device;
        *untrusted = d.untrusted;
        return true;
    }
    if (res == NX_DECRYPT_NOTICE && d.text && !backfill)
        event_log(LOG_WARN, room, "%s", d.text);
    g_free(d.text);
    return true;
}

/* ---------- the member list ---------- */

typedef struct {
    char *room;
    GPtrArray *jids;
    unsigned pending; /* queries not answered */
    bool any;         /* at least one list was read */
    void (*done)(GPtrArray *jids, void *ud);
    void *ud;
} members_fetch;

static const char *const member_affs[] = {"member", "admin", "owner"};

static void members_answered(members_fetch *f)
{
    if (--f->pending > 0)
        return;
    GPtrArray *out = f->any ? f->jids : NULL;
    if (!f->any)
        g_ptr_array_unref(f->jids);
    f->done(out, f->ud);
    g_free(f->room);
    g_free(f);
}

static void members_gone(void *ud)
{
    /* The connection went before the answer: the caller is told anyway. */
    members_answered(ud);
}

static int on_members(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    members_fetch *f = ud;
    (void)c;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, f->room) || strchr(from, '/'))
        return 1; /* not the room's answer: keep waiting */
    xmpp_stanza_t *q = nx_child(st, "query", NS_MUC_ADMIN);
    if (!g_strcmp0(xmpp_stanza_get_type(st), "result") && q) {
        f->any = true;
        for (xmpp_stanza_t *it = xmpp_stanza_get_children(q); it; it = xmpp_stanza_get_next(it)) {
            const char *jid = xmpp_stanza_is_tag(it) && !g_strcmp0(xmpp_stanza_get_name(it), "item")
                                  ? xmpp_stanza_get_attribute(it, "jid")
                                  : NULL;
            jid_t *j = jid ? jid_new(jid) : NULL;
            if (j && j->local && f->jids->len < 1000) {
                bool seen = false;
                for (guint i = 0; i < f->jids->len && !seen; i++)
                    seen = jid_bare_equal(g_ptr_array_index(f->jids, i), j->bare);
                if (!seen)
                    g_ptr_array_add(f->jids, g_strdup(j->bare));
            }
            jid_free(j);
        }
    } else {
        char *why = nx_error_text(st);
        log_debug("muc", "%s: the member list cannot be read: %s", f->room, why);
        g_free(why);
    }
    members_answered(f);
    return 0;
}

bool nx_muc_fetch_members(const char *room, void (*done)(GPtrArray *jids, void *ud), void *ud)
{
    xmpp_conn_t *c = nx_conn();
    muc_room *r = room ? muc_room_find(room) : NULL;
    if (!c || !r || r->state != MUC_STATE_JOINED)
        return false;
    members_fetch *f = g_new0(members_fetch, 1);
    f->room = g_strdup(r->jid);
    f->jids = g_ptr_array_new_with_free_func(g_free);
    f->done = done;
    f->ud = ud;
    f->pending = G_N_ELEMENTS(member_affs);
    for (size_t i = 0; i < G_N_ELEMENTS(member_affs); i++) {
        xmpp_stanza_t *iq = nx_iq_new("get");
        xmpp_stanza_set_to(iq, r->jid);
        xmpp_stanza_t *q = nx_add_child(iq, "query", NS_MUC_ADMIN);
        xmpp_stanza_set_attribute(nx_add_child(q, "item", NULL), "affiliation", member_affs[i]);
        nx_send_iq(c, iq, on_members, f, members_gone);
    }
    return true;
}

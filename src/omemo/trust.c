/* trust.c - the user's trust in other devices (see omemo.h): blind trust
 * before verification by default, as Conversations and Dino do, or only
 * verified devices (manual). libsignal is told every identity is trusted;
 * natter applies these rules before it encrypts for a device. */
#include <string.h>

#include "omemo/omemo.h"

bool omemo_trust_allows(omemo_trust t, bool any_verified, bool manual)
{
    if (t == OMEMO_TRUST_VERIFIED)
        return true;
    if (t == OMEMO_TRUST_UNTRUSTED)
        return false;
    /* Undecided: blind trust ends with the first verified device. */
    return !manual && !any_verified;
}

omemo_trust omemo_get_trust(omemo_account *a, const char *jid, uint32_t device)
{
    const omemo_storage *st = omemo_account_storage(a);
    GBytes *b = st->get(st->ud, OMEMO_REC_TRUST, jid, device);
    if (!b)
        return OMEMO_TRUST_UNDECIDED;
    gsize n = 0;
    const uint8_t *d = g_bytes_get_data(b, &n);
    omemo_trust t =
        n == 1 && d[0] <= OMEMO_TRUST_UNTRUSTED ? (omemo_trust)d[0] : OMEMO_TRUST_UNTRUSTED;
    g_bytes_unref(b);
    return t;
}

bool omemo_set_trust(omemo_account *a, const char *jid, uint32_t device, omemo_trust t, char **err)
{
    const omemo_storage *st = omemo_account_storage(a);
    uint8_t v = (uint8_t)t;
    GBytes *b = g_bytes_new(&v, 1);
    bool ok = st->put(st->ud, OMEMO_REC_TRUST, jid, device, b);
    g_bytes_unref(b);
    if (!ok)
        *err = g_strdup("the decision cannot be saved");
    return ok;
}

bool omemo_any_verified(omemo_account *a, const char *jid)
{
    const omemo_storage *st = omemo_account_storage(a);
    GArray *ids = st->ids(st->ud, OMEMO_REC_TRUST, jid);
    bool any = false;
    for (guint i = 0; ids && i < ids->len && !any; i++)
        any = omemo_get_trust(a, jid, g_array_index(ids, guint32, i)) == OMEMO_TRUST_VERIFIED;
    if (ids)
        g_array_unref(ids);
    return any;
}

bool omemo_device_trusted(omemo_account *a, const char *jid, uint32_t device, bool manual)
{
    return omemo_trust_allows(omemo_get_trust(a, jid, device), omemo_any_verified(a, jid), manual);
}

char *omemo_fingerprint_normalise(const char *text)
{
    GString *s = g_string_new(NULL);
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == ':' || *p == '\t')
            continue;
        if (!g_ascii_isxdigit(*p)) {
            g_string_free(s, TRUE);
            return NULL;
        }
        g_string_append_c(s, g_ascii_tolower(*p));
    }
    if (s->len == 66 && !strncmp(s->str, "05", 2))
        g_string_erase(s, 0, 2);
    if (s->len != 64) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

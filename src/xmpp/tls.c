/* tls.c - what happens when a server certificate does not verify: refuse,
 * tell the user exactly what was presented, and let them trust it once or
 * pin it. Never accepted silently. */
#include "xmpp/internal.h"

#include <string.h>

#include "config/accounts.h"

typedef struct {
    char *host, *reason, *subject, *issuer, *fingerprint;
} refused_cert;

static refused_cert last_refused;
static char *trust_once_fp; /* accepted for the next connection only */
static char *trusted_fp;    /* what trust_once_fp let in: /tls pin may still pin it */
static char *account_name;
static char *tls_host; /* the domain we are verifying */
static char **pinned;

static void refused_clear(void)
{
    g_free(last_refused.host);
    g_free(last_refused.reason);
    g_free(last_refused.subject);
    g_free(last_refused.issuer);
    g_free(last_refused.fingerprint);
    memset(&last_refused, 0, sizeof(last_refused));
}

/* Normalise "ab:cd..." / "ABCD..." to upper-case colon-separated hex. */
static char *normalise_fp(const char *fp)
{
    GString *hex = g_string_new(NULL);
    for (const char *p = fp; p && *p; p++)
        if (g_ascii_isxdigit(*p))
            g_string_append_c(hex, g_ascii_toupper(*p));
    GString *out = g_string_new(NULL);
    for (gsize i = 0; i < hex->len; i++) {
        if (i && i % 2 == 0)
            g_string_append_c(out, ':');
        g_string_append_c(out, hex->str[i]);
    }
    g_string_free(hex, TRUE);
    return g_string_free(out, FALSE);
}

void nx_tls_set_account(const char *name, const char *host, char **pins)
{
    /* A refusal belongs to the account it happened to: /tls pin must not
     * pin another account's certificate. */
    if (g_strcmp0(name, account_name) != 0) {
        refused_clear();
        g_clear_pointer(&trust_once_fp, g_free);
        g_clear_pointer(&trusted_fp, g_free);
    }
    g_free(tls_host);
    tls_host = g_strdup(host);
    g_free(account_name);
    account_name = g_strdup(name);
    g_strfreev(pinned);
    pinned = g_strdupv(pins);
}

void nx_tls_reset(void)
{
    /* A successful login used up the one-time trust, and there is no
     * refusal left to decide about; the certificate trusted once stays
     * known, so that it can still be pinned. */
    if (trust_once_fp) {
        g_free(trusted_fp);
        trusted_fp = trust_once_fp;
        trust_once_fp = NULL;
    }
    refused_clear();
}

int nx_tls_certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
    char *fp = normalise_fp(xmpp_tlscert_get_string(cert, XMPP_CERT_FINGERPRINT_SHA256));
    if (trust_once_fp && strcmp(fp, trust_once_fp) == 0) {
        g_free(fp);
        return 1;
    }
    for (char **p = pinned; p && *p; p++) {
        char *pin = normalise_fp(*p);
        bool match = strcmp(pin, fp) == 0;
        g_free(pin);
        if (match) {
            g_free(fp);
            return 1;
        }
    }
    refused_clear();
    /* libstrophe does not tie the certificate to its connection while
     * verifying, so the host comes from the account being connected. */
    char *host = g_strdup(tls_host ? tls_host : "the server");
    last_refused.host = host;
    last_refused.reason = g_strdup(errormsg && *errormsg ? errormsg : "verification failed");
    last_refused.subject = g_strdup(xmpp_tlscert_get_string(cert, XMPP_CERT_SUBJECT));
    last_refused.issuer = g_strdup(xmpp_tlscert_get_string(cert, XMPP_CERT_ISSUER));
    last_refused.fingerprint = fp;
    nx_tls_refused();

    ev_tls_untrusted ev = {last_refused.host, last_refused.reason, last_refused.subject,
                           last_refused.issuer, last_refused.fingerprint};
    event_emit(EV_TLS_UNTRUSTED, &ev);
    event_log(LOG_ERROR, NULL, "TLS certificate of %s is not trusted: %s", last_refused.host,
              last_refused.reason);
    event_log(LOG_ERROR, NULL, "  subject: %s",
              last_refused.subject ? last_refused.subject : "(none)");
    event_log(LOG_ERROR, NULL, "  issuer:  %s",
              last_refused.issuer ? last_refused.issuer : "(none)");
    event_log(LOG_ERROR, NULL, "  SHA-256: %s", last_refused.fingerprint);
    event_log(LOG_ERROR, NULL,
              "Type /tls trust to connect once, or /tls pin to always trust this certificate.");
    return 0;
}

bool nx_tls_trust_once(char **err)
{
    if (!last_refused.fingerprint) {
        *err = g_strdup("no certificate was refused; nothing to trust");
        return false;
    }
    g_free(trust_once_fp);
    trust_once_fp = g_strdup(last_refused.fingerprint);
    event_log(LOG_INFO, NULL, "Trusting %s once for %s.", trust_once_fp, last_refused.host);
    nx_reconnect_now();
    return true;
}

bool nx_tls_pin(char **err)
{
    const char *fp = last_refused.fingerprint ? last_refused.fingerprint : trusted_fp;
    if (!fp) {
        *err = g_strdup("no certificate was refused or trusted once; nothing to pin");
        return false;
    }
    if (!account_name || !accounts_find(account_name)) {
        *err = g_strdup("the account is not in the accounts file; cannot pin");
        return false;
    }
    char *pin = g_strdup(fp);
    if (!accounts_pin_cert(account_name, pin, err) || !accounts_save(err)) {
        g_free(pin);
        return false;
    }
    nx_add_pin(pin);
    char **np = g_new0(char *, g_strv_length(pinned) + 2);
    guint i = 0;
    for (; pinned && pinned[i]; i++)
        np[i] = g_strdup(pinned[i]);
    np[i] = pin;
    g_strfreev(pinned);
    pinned = np;
    event_log(LOG_INFO, NULL, "Pinned %s for account %s.", pin, account_name);
    if (last_refused.fingerprint) /* else it is the connection in use */
        nx_reconnect_now();
    g_clear_pointer(&trusted_fp, g_free);
    return true;
}

char *nx_tls_describe(void)
{
    xmpp_conn_t *c = nx_conn();
    if (!c)
        return g_strdup("not connected");
    return g_strdup(xmpp_conn_is_secured(c) ? "connection is encrypted with TLS"
                                            : "connection is NOT encrypted");
}

void nx_tls_deinit(void)
{
    refused_clear();
    g_clear_pointer(&trust_once_fp, g_free);
    g_clear_pointer(&trusted_fp, g_free);
    g_clear_pointer(&account_name, g_free);
    g_clear_pointer(&tls_host, g_free);
    g_strfreev(pinned);
    pinned = NULL;
}

/* accounts.h - the accounts file: one INI group per account.
 *
 * $XDG_CONFIG_HOME/natter/accounts (GKeyFile), mode 0600, written atomically.
 * Keys per account:
 *   jid            bare JID (required, validated)
 *   resource       resource to bind (default: natter.ID, unique to this installation)
 *   server, port   host and port to connect to instead of SRV/domain (optional;
 *                  port 1-65535)
 *   tls            force (default: STARTTLS required) | direct (TLS from the
 *                  first byte, XEP-0368) | allow-plain (TLS when offered)
 *   password       only present when the user asked to save it
 *   eval_password  a shell command whose first output line is the password
 *   ca_file, ca_path  extra trust anchors for this account
 *   pinned_certs   ';'-separated SHA-256 fingerprints ("AB:CD:...") trusted
 *                  for this account even when verification fails
 *   autoconnect    on/off
 */
#ifndef NATTER_CONFIG_ACCOUNTS_H
#define NATTER_CONFIG_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ACCOUNT_TLS_FORCE = 0,
    ACCOUNT_TLS_DIRECT,
    ACCOUNT_TLS_ALLOW_PLAIN,
} account_tls;

typedef struct {
    char *name;     /* group name; never NULL */
    char *jid;      /* bare JID; never NULL */
    char *resource; /* NULL: the installation's own (config/instance.h) */
    char *server;   /* NULL: use the JID's domain */
    int port;       /* 0: default */
    account_tls tls;
    char *password;      /* NULL unless saved */
    char *eval_password; /* NULL unless set */
    char *ca_file;       /* NULL unless set */
    char *ca_path;       /* NULL unless set */
    char **pinned_certs; /* NULL-terminated, never NULL (may be empty) */
    bool autoconnect;
} account_t;

/* Load PATH (missing file: no accounts). Problems in individual accounts are
 * reported in *ERRORS (g_malloc'ed "file: account 'x': message" lines or
 * NULL; caller frees) and those accounts skipped. Returns false only when the
 * file cannot be read or parsed (message in *ERRORS). PATH NULL: in-memory
 * only. */
bool accounts_init(const char *path, char **errors);
void accounts_deinit(void);

/* Number of accounts and the I-th one (borrowed), in file order. */
size_t accounts_count(void);
const account_t *accounts_nth(size_t i);

/* Account by name, or else by bare JID; NULL when none (borrowed). */
const account_t *accounts_find(const char *name_or_jid);

/* Add an account NAME for JID (validated: name is 1-64 chars of letters,
 * digits, '.', '_', '-', '@'; JID a valid bare JID; name not taken). Returns
 * false with *ERR (g_free) on failure. */
bool accounts_add(const char *name, const char *jid, char **err);

/* Remove an account. Returns false when it does not exist. */
bool accounts_remove(const char *name);

/* Validate and set KEY (one of the keys above except jid... jid too, validated)
 * to VALUE for account NAME; VALUE NULL or "" unsets optional keys. Returns
 * false with *ERR (g_free) on failure ("unknown account", "port must be ...",
 * "tls must be force, direct or allow-plain", "unknown key"). */
bool accounts_set(const char *name, const char *key, const char *value, char **err);

/* Add a pinned certificate fingerprint to account NAME. */
bool accounts_pin_cert(const char *name, const char *fingerprint, char **err);

/* Write the file atomically (temp + rename, 0600, dir 0700). */
bool accounts_save(char **err);

/* A copy of A for connecting with, without its password and eval_password
 * (secrets stay in the accounts table). Free with accounts_free_copy(). */
account_t *accounts_copy(const account_t *a);
void accounts_free_copy(account_t *a);

/* "force", "direct" or "allow-plain". */
const char *accounts_tls_name(account_tls tls);

#endif

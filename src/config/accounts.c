/* accounts.c - the accounts file: one INI group per account.
 *
 * Every key goes through one validator (normalise()) whether it comes from
 * the file or from /account set, and is kept in normalised form. The key file
 * read at start-up is kept: saving rewrites only the keys whose meaning
 * changed, so comments, unknown keys and accounts that failed to load stay
 * as the user wrote them.
 */
#include "config/accounts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "config/atomicfile.h"
#include "config/values.h"
#include "model/jid.h"

#define NAME_MAX_LEN 64
#define SERVER_MAX_LEN 255
#define FINGERPRINT_BYTES 32

/* The keys of an account, in the order they are written. */
static const char *const keys[] = {
    "jid",           "resource", "server",  "port",         "tls",         "password",
    "eval_password", "ca_file",  "ca_path", "pinned_certs", "autoconnect",
};

static const char *const tls_names[] = {
    [ACCOUNT_TLS_FORCE] = "force",
    [ACCOUNT_TLS_DIRECT] = "direct",
    [ACCOUNT_TLS_ALLOW_PLAIN] = "allow-plain",
};

static struct {
    char *path;        /* NULL: in memory only */
    GKeyFile *file;    /* as loaded, updated on save */
    bool load_failed;  /* the file exists but could not be loaded */
    GPtrArray *list;   /* account_t *, in file order */
    GPtrArray *broken; /* names of groups that failed to load (char *) */
} st;

/* "force", "direct" or "allow-plain". */
const char *accounts_tls_name(account_tls tls)
{
    if ((size_t)tls < G_N_ELEMENTS(tls_names))
        return tls_names[tls];
    return "force";
}

/* Free account A, wiping its password from memory first. */
static void account_free(account_t *a)
{
    if (a == NULL)
        return;
    g_free(a->name);
    g_free(a->jid);
    g_free(a->resource);
    g_free(a->server);
    if (a->password) {
        memset(a->password, 0, strlen(a->password));
        g_free(a->password);
    }
    g_free(a->eval_password);
    g_free(a->ca_file);
    g_free(a->ca_path);
    g_strfreev(a->pinned_certs);
    g_free(a);
}

account_t *accounts_copy(const account_t *a)
{
    account_t *c = g_new0(account_t, 1);
    c->name = g_strdup(a->name);
    c->jid = g_strdup(a->jid);
    c->resource = a->resource && *a->resource ? g_strdup(a->resource) : NULL;
    c->server = g_strdup(a->server);
    c->port = a->port;
    c->tls = a->tls;
    c->ca_file = g_strdup(a->ca_file);
    c->ca_path = g_strdup(a->ca_path);
    c->pinned_certs = a->pinned_certs ? g_strdupv(a->pinned_certs) : g_new0(char *, 1);
    c->autoconnect = a->autoconnect;
    return c;
}

void accounts_free_copy(account_t *a)
{
    account_free(a);
}

/* account_free() for a GPtrArray. */
static void account_free_cb(void *a)
{
    account_free(a);
}

/* A new account NAME for the normalised bare JID JID, all else default. */
static account_t *account_new(const char *name, const char *jid)
{
    account_t *a = g_new0(account_t, 1);
    a->name = g_strdup(name);
    a->jid = g_strdup(jid);
    a->tls = ACCOUNT_TLS_FORCE;
    a->pinned_certs = g_new0(char *, 1);
    return a;
}

/* True when NAME is 1-64 ASCII letters, digits, '.', '_', '-' or '@'. */
static bool name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && strchr("._-@", *p) == NULL)
            return false;
    }
    return true;
}

/* A SHA-256 fingerprint "AB:CD:..." (32 pairs) or 64 hex digits, in any
 * case, as upper-case pairs joined by ':' (g_free); NULL when malformed. */
static char *normalise_fingerprint(const char *s)
{
    char *copy = g_strstrip(g_strdup(s));
    GString *hex = g_string_new(NULL);
    bool colons = strchr(copy, ':') != NULL;
    bool ok = true;
    for (size_t i = 0; copy[i] && ok; i++) {
        if (g_ascii_isxdigit(copy[i]))
            g_string_append_c(hex, g_ascii_toupper(copy[i]));
        /* With colons, one must follow every pair but the last. */
        else if (!(colons && copy[i] == ':' && i % 3 == 2))
            ok = false;
    }
    if (colons && strlen(copy) != FINGERPRINT_BYTES * 3 - 1)
        ok = false;
    g_free(copy);
    if (!ok || hex->len != FINGERPRINT_BYTES * 2) {
        g_string_free(hex, TRUE);
        return NULL;
    }
    GString *out = g_string_sized_new(FINGERPRINT_BYTES * 3);
    for (size_t i = 0; i < hex->len; i += 2) {
        if (i > 0)
            g_string_append_c(out, ':');
        g_string_append_len(out, hex->str + i, 2);
    }
    g_string_free(hex, TRUE);
    return g_string_free(out, FALSE);
}

/* True when the NULL-terminated list V holds S. */
static bool strv_has(char **v, const char *s)
{
    return g_strv_contains((const char *const *)v, s);
}

/* The fingerprints of a ';'-separated list, normalised and without
 * duplicates, joined by ';' (g_free); NULL with *ERR when one is
 * malformed. */
static char *parse_fingerprints(const char *value, char **err)
{
    char **parts = g_strsplit(value, ";", -1);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(out, NULL); /* keep it a NULL-terminated vector */
    bool ok = true;
    for (size_t i = 0; parts[i] && ok; i++) {
        if (*g_strstrip(parts[i]) == '\0')
            continue;
        char *fp = normalise_fingerprint(parts[i]);
        if (fp == NULL) {
            *err = g_strdup_printf("pinned certificate '%s' is not a SHA-256 fingerprint "
                                   "(32 hex bytes such as AB:CD:...)",
                                   parts[i]);
            ok = false;
        } else if (strv_has((char **)out->pdata, fp)) {
            g_free(fp);
        } else {
            g_ptr_array_insert(out, (int)out->len - 1, fp);
        }
    }
    char *joined = ok ? g_strjoinv(";", (char **)out->pdata) : NULL;
    g_ptr_array_free(out, TRUE);
    g_strfreev(parts);
    return joined;
}

/* "~" or "~/..." with the home directory put in (g_free). */
static char *expand_home(const char *path)
{
    if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
        return g_build_filename(g_get_home_dir(), path[1] ? path + 2 : NULL, NULL);
    return g_strdup(path);
}

/* True when KEY is one of the account keys. */
static bool key_known(const char *key)
{
    for (size_t i = 0; key && i < G_N_ELEMENTS(keys); i++) {
        if (strcmp(keys[i], key) == 0)
            return true;
    }
    return false;
}

/* Validate a non-empty VALUE for KEY. Returns it normalised (g_free), or
 * NULL with *ERR set to one line (which never repeats a password). */
static char *normalise(const char *key, const char *value, char **err)
{
    if (!g_utf8_validate(value, -1, NULL)) {
        *err = g_strdup_printf("%s must be valid UTF-8 text", key);
        return NULL;
    }
    if (strcmp(key, "password") == 0)
        return g_strdup(value);
    if (config_has_control(value)) {
        *err = g_strdup_printf("%s must not contain control characters", key);
        return NULL;
    }
    if (strcmp(key, "jid") == 0) {
        /* An account is a user on a server: a server's own address has no
         * '@' and cannot log in. */
        char *bare = jid_is_valid_bare(value) && strchr(value, '@') ? jid_bare_of(value) : NULL;
        if (bare == NULL)
            *err =
                g_strdup_printf("jid '%s' is not a valid bare JID such as user@example.org", value);
        return bare;
    }
    if (strcmp(key, "resource") == 0) {
        char *full = g_strconcat("x@example.org/", value, NULL);
        bool ok = jid_is_valid(full);
        g_free(full);
        if (!ok)
            *err = g_strdup("resource must be 1 to 1023 bytes without control characters");
        return ok ? g_strdup(value) : NULL;
    }
    if (strcmp(key, "server") == 0) {
        bool ok = strlen(value) <= SERVER_MAX_LEN && strpbrk(value, " /@") == NULL;
        for (const char *p = value; ok && *p; p = g_utf8_next_char(p))
            ok = !g_unichar_isspace(g_utf8_get_char(p));
        if (!ok)
            *err = g_strdup_printf("server '%s' is not a host name or address", value);
        return ok ? g_strdup(value) : NULL;
    }
    if (strcmp(key, "port") == 0) {
        gint64 port;
        if (!g_ascii_string_to_signed(value, 10, 1, 65535, &port, NULL)) {
            *err = g_strdup("port must be a number from 1 to 65535");
            return NULL;
        }
        return g_strdup_printf("%d", (int)port);
    }
    if (strcmp(key, "tls") == 0) {
        for (size_t i = 0; i < G_N_ELEMENTS(tls_names); i++) {
            if (g_ascii_strcasecmp(value, tls_names[i]) == 0)
                return g_strdup(tls_names[i]);
        }
        *err = g_strdup("tls must be force, direct or allow-plain");
        return NULL;
    }
    if (strcmp(key, "autoconnect") == 0) {
        bool b;
        if (!config_parse_bool(value, &b)) {
            *err = g_strdup("autoconnect must be on or off");
            return NULL;
        }
        return g_strdup(b ? "on" : "off");
    }
    if (strcmp(key, "pinned_certs") == 0)
        return parse_fingerprints(value, err);
    if (strcmp(key, "ca_file") == 0 || strcmp(key, "ca_path") == 0)
        return expand_home(value);
    if (strcmp(key, "eval_password") == 0)
        return g_strdup(value);
    *err = g_strdup_printf("unknown key '%s'", key);
    return NULL;
}

/* Replace the string *FIELD by NORM (taken over; NULL unsets). */
static void set_field(char **field, char *norm)
{
    g_free(*field);
    *field = norm;
}

/* Put the normalised value NORM (taken over; NULL: back to the default)
 * of KEY into A. KEY is known; jid is never unset. */
static void apply(account_t *a, const char *key, char *norm)
{
    if (strcmp(key, "jid") == 0) {
        set_field(&a->jid, norm);
    } else if (strcmp(key, "resource") == 0) {
        set_field(&a->resource, norm);
    } else if (strcmp(key, "server") == 0) {
        set_field(&a->server, norm);
    } else if (strcmp(key, "port") == 0) {
        a->port = norm ? atoi(norm) : 0;
        g_free(norm);
    } else if (strcmp(key, "tls") == 0) {
        a->tls = ACCOUNT_TLS_FORCE;
        for (size_t i = 0; norm && i < G_N_ELEMENTS(tls_names); i++) {
            if (strcmp(norm, tls_names[i]) == 0)
                a->tls = (account_tls)i;
        }
        g_free(norm);
    } else if (strcmp(key, "password") == 0) {
        if (a->password)
            memset(a->password, 0, strlen(a->password));
        set_field(&a->password, norm);
    } else if (strcmp(key, "eval_password") == 0) {
        set_field(&a->eval_password, norm);
    } else if (strcmp(key, "ca_file") == 0) {
        set_field(&a->ca_file, norm);
    } else if (strcmp(key, "ca_path") == 0) {
        set_field(&a->ca_path, norm);
    } else if (strcmp(key, "pinned_certs") == 0) {
        g_strfreev(a->pinned_certs);
        /* "" (a list of only separators) splits into no fingerprints */
        a->pinned_certs = g_strsplit(norm ? norm : "", ";", -1);
        g_free(norm);
    } else if (strcmp(key, "autoconnect") == 0) {
        a->autoconnect = norm && strcmp(norm, "on") == 0;
        g_free(norm);
    }
}

/* The value of KEY in A as the normalised string (g_free), or NULL when it
 * is unset; *IS_DEFAULT tells whether it is what an absent key means. */
static char *value_of(const account_t *a, const char *key, bool *is_default)
{
    *is_default = false;
    const char *s = NULL;
    if (strcmp(key, "jid") == 0) {
        s = a->jid;
    } else if (strcmp(key, "resource") == 0) {
        *is_default = a->resource == NULL;
        s = a->resource;
    } else if (strcmp(key, "server") == 0) {
        s = a->server;
    } else if (strcmp(key, "port") == 0) {
        *is_default = a->port == 0;
        return a->port ? g_strdup_printf("%d", a->port) : NULL;
    } else if (strcmp(key, "tls") == 0) {
        *is_default = a->tls == ACCOUNT_TLS_FORCE;
        s = accounts_tls_name(a->tls);
    } else if (strcmp(key, "password") == 0) {
        s = a->password;
    } else if (strcmp(key, "eval_password") == 0) {
        s = a->eval_password;
    } else if (strcmp(key, "ca_file") == 0) {
        s = a->ca_file;
    } else if (strcmp(key, "ca_path") == 0) {
        s = a->ca_path;
    } else if (strcmp(key, "pinned_certs") == 0) {
        *is_default = a->pinned_certs[0] == NULL;
        return *is_default ? NULL : g_strjoinv(";", a->pinned_certs);
    } else if (strcmp(key, "autoconnect") == 0) {
        *is_default = !a->autoconnect;
        s = a->autoconnect ? "on" : "off";
    }
    if (s == NULL)
        *is_default = true;
    return g_strdup(s);
}

/* Index of the account named NAME in the list, or -1. */
static int index_of(const char *name)
{
    for (guint i = 0; name && st.list && i < st.list->len; i++) {
        const account_t *a = g_ptr_array_index(st.list, i);
        if (strcmp(a->name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* Index of NAME among the groups that failed to load, or -1. */
static int broken_index(const char *name)
{
    for (guint i = 0; name && st.broken && i < st.broken->len; i++) {
        if (strcmp(g_ptr_array_index(st.broken, i), name) == 0)
            return (int)i;
    }
    return -1;
}

/* The unescaped string value of KEY in group NAME of the file (g_free), or
 * NULL when it is absent, has a bad escape sequence or is not UTF-8. */
static char *get_string(const char *name, const char *key)
{
    GError *gerr = NULL;
    char *value = g_key_file_get_string(st.file, name, key, &gerr);
    if (gerr) {
        g_error_free(gerr);
        g_free(value);
        return NULL;
    }
    return value;
}

/* How many times KEY is set in group NAME of the file. */
static size_t key_count(const char *name, const char *key)
{
    char **ks = g_key_file_get_keys(st.file, name, NULL, NULL);
    size_t c = 0;
    for (size_t i = 0; ks && ks[i]; i++)
        c += strcmp(ks[i], key) == 0;
    g_strfreev(ks);
    return c;
}

/* Build the account of group NAME from the loaded file. Returns NULL with
 * *ERR when it is unusable; unknown keys only add lines to NOTES. */
static account_t *load_account(const char *name, GPtrArray *notes, char **err)
{
    if (!name_ok(name)) {
        *err = g_strdup("invalid account name (use 1 to 64 letters, digits, '.', '_', '-' "
                        "or '@')");
        return NULL;
    }
    if (!g_key_file_has_key(st.file, name, "jid", NULL)) {
        *err = g_strdup("missing jid");
        return NULL;
    }
    account_t *a = account_new(name, "");
    char **ks = g_key_file_get_keys(st.file, name, NULL, NULL);
    for (size_t i = 0; ks && ks[i] && *err == NULL; i++) {
        size_t before = 0;
        for (size_t j = 0; j < i; j++)
            before += strcmp(ks[j], ks[i]) == 0;
        if (before > 0) {
            if (before == 1)
                g_ptr_array_add(notes, g_strdup_printf("%s: account '%s': '%s' is set more than "
                                                       "once; the last one counts",
                                                       st.path, name, ks[i]));
            continue;
        }
        if (!key_known(ks[i])) {
            g_ptr_array_add(notes, g_strdup_printf("%s: account '%s': unknown key '%s' (ignored)",
                                                   st.path, name, ks[i]));
            continue;
        }
        char *raw = get_string(name, ks[i]);
        if (raw == NULL) {
            *err = g_strdup_printf("the value of '%s' is not valid (a bad escape or not UTF-8)",
                                   ks[i]);
        } else if (*raw == '\0') {
            if (strcmp(ks[i], "jid") == 0)
                *err = g_strdup("jid is empty");
        } else {
            char *norm = normalise(ks[i], raw, err);
            if (norm)
                apply(a, ks[i], norm);
        }
        if (raw && strcmp(ks[i], "password") == 0)
            memset(raw, 0, strlen(raw));
        g_free(raw);
    }
    g_strfreev(ks);
    if (*err) {
        account_free(a);
        return NULL;
    }
    return a;
}

/* Add a note when the file holds passwords but others may read it. */
static void check_file_mode(GPtrArray *notes)
{
    GStatBuf sb;
    if (g_stat(st.path, &sb) != 0 || (sb.st_mode & 077) == 0)
        return;
    char **groups = g_key_file_get_groups(st.file, NULL);
    for (size_t i = 0; groups[i]; i++) {
        if (g_key_file_has_key(st.file, groups[i], "password", NULL)) {
            g_ptr_array_add(notes, g_strdup_printf("%s: holds saved passwords but other users "
                                                   "may read it; run chmod 600 %s",
                                                   st.path, st.path));
            break;
        }
    }
    g_strfreev(groups);
}

/* Load PATH (missing file: no accounts). Problems in individual accounts are
 * reported in *ERRORS ("file: account 'x': message" lines joined by '\n', or
 * NULL; caller frees) and those accounts skipped; an unknown key is reported
 * and ignored without skipping its account. Skipped accounts stay in the
 * file as written. Returns false only when the file cannot be read or parsed
 * (message in *ERRORS); accounts_save() then refuses to overwrite it. PATH
 * NULL: in-memory only. */
bool accounts_init(const char *path, char **errors)
{
    accounts_deinit();
    st.list = g_ptr_array_new_with_free_func(account_free_cb);
    st.broken = g_ptr_array_new_with_free_func(g_free);
    st.file = g_key_file_new();
    if (errors)
        *errors = NULL;
    if (path == NULL)
        return true;
    st.path = g_strdup(path);

    char *text = NULL;
    size_t len = 0;
    char *err = NULL;
    if (!atomicfile_read(path, &text, &len, &err)) {
        st.load_failed = true;
        if (errors)
            *errors = err;
        else
            g_free(err);
        return false;
    }
    if (text == NULL)
        return true;
    GError *gerr = NULL;
    bool parsed = g_key_file_load_from_data(st.file, text, len, G_KEY_FILE_KEEP_COMMENTS, &gerr);
    memset(text, 0, len); /* it may hold passwords */
    g_free(text);
    if (!parsed) {
        st.load_failed = true;
        if (errors)
            *errors = g_strdup_printf("cannot load %s: %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }

    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    char **groups = g_key_file_get_groups(st.file, NULL);
    for (size_t i = 0; groups[i]; i++) {
        char *msg = NULL;
        account_t *a = load_account(groups[i], notes, &msg);
        if (a) {
            g_ptr_array_add(st.list, a);
        } else {
            g_ptr_array_add(notes, g_strdup_printf("%s: account '%s': %s (account skipped)", path,
                                                   groups[i], msg));
            g_ptr_array_add(st.broken, g_strdup(groups[i]));
            g_free(msg);
        }
    }
    g_strfreev(groups);
    check_file_mode(notes);
    if (notes->len > 0 && errors) {
        g_ptr_array_add(notes, NULL);
        *errors = g_strjoinv("\n", (char **)notes->pdata);
    }
    g_ptr_array_free(notes, TRUE);
    return true;
}

/* Free all accounts and forget the file. */
void accounts_deinit(void)
{
    g_clear_pointer(&st.list, g_ptr_array_unref);
    g_clear_pointer(&st.broken, g_ptr_array_unref);
    g_clear_pointer(&st.file, g_key_file_free);
    g_clear_pointer(&st.path, g_free);
    st.load_failed = false;
}

/* Make sure the module has its containers even without accounts_init(). */
static void ensure_state(void)
{
    if (st.list == NULL)
        st.list = g_ptr_array_new_with_free_func(account_free_cb);
    if (st.broken == NULL)
        st.broken = g_ptr_array_new_with_free_func(g_free);
    if (st.file == NULL)
        st.file = g_key_file_new();
}

/* Number of accounts. */
size_t accounts_count(void)
{
    return st.list ? st.list->len : 0;
}

/* The I-th account in file order (borrowed), or NULL when I is too big. */
const account_t *accounts_nth(size_t i)
{
    if (st.list == NULL || i >= st.list->len)
        return NULL;
    return g_ptr_array_index(st.list, i);
}

/* Account by name, or else by bare JID (any resource in NAME_OR_JID is
 * ignored); NULL when none (borrowed). */
const account_t *accounts_find(const char *name_or_jid)
{
    int i = index_of(name_or_jid);
    if (i >= 0)
        return g_ptr_array_index(st.list, i);
    for (guint j = 0; name_or_jid && st.list && j < st.list->len; j++) {
        const account_t *a = g_ptr_array_index(st.list, j);
        if (jid_bare_equal(a->jid, name_or_jid))
            return a;
    }
    return NULL;
}

/* Set *ERR (when ERR is not NULL) to MSG (taken over). */
static bool fail(char **err, char *msg)
{
    if (err)
        *err = msg;
    else
        g_free(msg);
    return false;
}

/* Add an account NAME for JID (validated: name is 1-64 ASCII letters,
 * digits, '.', '_', '-', '@' and not taken, ignoring case; JID a valid bare
 * JID, stored normalised). A group of that name that failed to load is
 * replaced. Returns false with *ERR (g_free) on failure. */
bool accounts_add(const char *name, const char *jid, char **err)
{
    ensure_state();
    if (!name_ok(name))
        return fail(err, g_strdup("account name must be 1 to 64 letters, digits, '.', '_', "
                                  "'-' or '@'"));
    for (guint i = 0; i < st.list->len; i++) {
        const account_t *a = g_ptr_array_index(st.list, i);
        if (g_ascii_strcasecmp(a->name, name) == 0)
            return fail(err, g_strdup_printf("account '%s' already exists", a->name));
    }
    if (jid == NULL || *jid == '\0')
        return fail(err, g_strdup("jid must not be empty"));
    char *msg = NULL;
    char *bare = normalise("jid", jid, &msg);
    if (bare == NULL)
        return fail(err, msg);
    int b = broken_index(name);
    if (b >= 0) {
        g_ptr_array_remove_index(st.broken, (guint)b);
        g_key_file_remove_group(st.file, name, NULL);
    }
    g_ptr_array_add(st.list, account_new(name, bare));
    g_free(bare);
    return true;
}

/* Remove account NAME (also one that failed to load: its group goes from
 * the file on the next save). Returns false when it does not exist. */
bool accounts_remove(const char *name)
{
    ensure_state();
    int i = index_of(name);
    int b = broken_index(name);
    if (i < 0 && b < 0)
        return false;
    if (i >= 0)
        g_ptr_array_remove_index(st.list, (guint)i);
    else
        g_ptr_array_remove_index(st.broken, (guint)b);
    g_key_file_remove_group(st.file, name, NULL);
    return true;
}

/* Validate and set KEY to VALUE for account NAME; VALUE NULL or "" unsets
 * an optional key (jid cannot be unset). Returns false with *ERR (g_free)
 * on failure ("unknown account 'x'", "port must be a number from 1 to
 * 65535", "tls must be force, direct or allow-plain", "unknown key 'x'"). */
bool accounts_set(const char *name, const char *key, const char *value, char **err)
{
    ensure_state();
    int i = index_of(name);
    if (i < 0)
        return fail(err, g_strdup_printf("unknown account '%s'", name ? name : ""));
    if (!key_known(key))
        return fail(err, g_strdup_printf("unknown key '%s'", key ? key : ""));
    account_t *a = g_ptr_array_index(st.list, i);
    if (value == NULL || *value == '\0') {
        if (strcmp(key, "jid") == 0)
            return fail(err, g_strdup("jid cannot be unset"));
        apply(a, key, NULL);
        return true;
    }
    char *msg = NULL;
    char *norm = normalise(key, value, &msg);
    if (norm == NULL)
        return fail(err, msg);
    apply(a, key, norm);
    return true;
}

/* Add a pinned certificate fingerprint ("AB:CD:..." or 64 hex digits, any
 * case) to account NAME; pinning one twice is not an error. Returns false
 * with *ERR (g_free) for an unknown account or a malformed fingerprint. */
bool accounts_pin_cert(const char *name, const char *fingerprint, char **err)
{
    ensure_state();
    int i = index_of(name);
    if (i < 0)
        return fail(err, g_strdup_printf("unknown account '%s'", name ? name : ""));
    char *fp = fingerprint && g_utf8_validate(fingerprint, -1, NULL)
                   ? normalise_fingerprint(fingerprint)
                   : NULL;
    if (fp == NULL)
        return fail(err, g_strdup_printf("'%s' is not a SHA-256 fingerprint (32 hex bytes such "
                                         "as AB:CD:...)",
                                         fingerprint && g_utf8_validate(fingerprint, -1, NULL)
                                             ? fingerprint
                                             : ""));
    account_t *a = g_ptr_array_index(st.list, i);
    if (strv_has(a->pinned_certs, fp)) {
        g_free(fp);
        return true;
    }
    guint n = g_strv_length(a->pinned_certs);
    a->pinned_certs = g_renew(char *, a->pinned_certs, n + 2);
    a->pinned_certs[n] = fp;
    a->pinned_certs[n + 1] = NULL;
    return true;
}

/* True when the file's line for KEY in group NAME already means VALUE (or
 * is absent while VALUE is NULL). */
static bool file_agrees(const char *name, const char *key, const char *value)
{
    char *raw = get_string(name, key);
    if (raw == NULL)
        return value == NULL && !g_key_file_has_key(st.file, name, key, NULL);
    char *msg = NULL;
    char *norm = *raw ? normalise(key, raw, &msg) : NULL;
    bool same = norm ? value && strcmp(norm, value) == 0 : value == NULL && *raw == '\0';
    if (norm && strcmp(key, "password") == 0)
        memset(norm, 0, strlen(norm));
    if (strcmp(key, "password") == 0)
        memset(raw, 0, strlen(raw));
    g_free(norm);
    g_free(msg);
    g_free(raw);
    return same;
}

/* Bring group A->name of the key file in line with A. */
static void update_group(const account_t *a)
{
    for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
        bool is_default;
        char *value = value_of(a, keys[k], &is_default);
        if (!file_agrees(a->name, keys[k], value)) {
            /* GKeyFile cannot remove every copy of a repeated key, so the
             * last copy, the one that counts, gets the value ("" unsets). */
            if (!is_default || key_count(a->name, keys[k]) > 1)
                g_key_file_set_string(st.file, a->name, keys[k], value ? value : "");
            else
                g_key_file_remove_key(st.file, a->name, keys[k], NULL);
        }
        g_free(value);
    }
}

/* Write the file atomically (temp + rename, 0600, dir 0700): every account
 * in the list, keeping comments, unknown keys and groups that failed to
 * load. A password is written only when one is set. Returns false with
 * *ERR (g_free) when there is no file (PATH NULL), when the file could not
 * be loaded at start-up (it is not overwritten), or when writing fails. */
bool accounts_save(char **err)
{
    if (st.path == NULL)
        return fail(err, g_strdup("accounts are not saved: no accounts file in use"));
    if (st.load_failed)
        return fail(err, g_strdup_printf("not overwriting %s: it could not be loaded at "
                                         "start-up; fix or remove it and restart",
                                         st.path));
    ensure_state();
    for (guint i = 0; i < st.list->len; i++)
        update_group(g_ptr_array_index(st.list, i));
    gsize len = 0;
    char *data = g_key_file_to_data(st.file, &len, NULL);
    bool ok = atomicfile_write(st.path, data, len, err);
    memset(data, 0, len);
    g_free(data);
    return ok;
}

/* test_accounts.c - unit tests for src/config/accounts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config/accounts.h"
#include "fixture.h"

#define FP_UPPER                                                                                   \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"
#define FP_LOWER                                                                                   \
    "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:"   \
    "67:89"
#define FP_BARE "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define FP2                                                                                        \
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"   \
    "EE:FF"

/* ---- helpers ---- */

/* Per test: a temp dir; the accounts file is DIR/conf/accounts. */
typedef struct {
    char *dir;
    char *path;
} fixture;

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->dir = fx_tmpdir();
    f->path = g_build_filename(f->dir, "conf", "accounts", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    accounts_deinit();
    fx_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->path);
    g_free(f);
    return 0;
}

/* accounts_set must fail with exactly WANT and leave things as they were. */
static void expect_set_error(const char *name, const char *key, const char *value, const char *want)
{
    char *err = NULL;
    if (accounts_set(name, key, value, &err))
        fail_msg("%s.%s=%s was accepted", name, key, value ? value : "(null)");
    assert_non_null(err);
    assert_string_equal(err, want);
    g_free(err);
}

static void expect_add_error(const char *name, const char *jid, const char *want)
{
    size_t n = accounts_count();
    char *err = NULL;
    if (accounts_add(name, jid, &err))
        fail_msg("account %s (%s) was accepted", name ? name : "(null)", jid ? jid : "(null)");
    assert_non_null(err);
    if (want)
        assert_string_equal(err, want);
    g_free(err);
    assert_int_equal(accounts_count(), n);
}

static void set_ok(const char *name, const char *key, const char *value)
{
    char *err = NULL;
    if (!accounts_set(name, key, value, &err))
        fail_msg("%s.%s=%s was rejected: %s", name, key, value ? value : "(null)", err);
}

/* ---- in memory ---- */

static void test_add_and_find(void **state)
{
    char *errors = (char *)0x1;
    assert_true(accounts_init(NULL, &errors));
    assert_null(errors);
    assert_int_equal(accounts_count(), 0);
    assert_null(accounts_nth(0));

    char *err = NULL;
    assert_true(accounts_add("work", "Alice@Example.ORG", &err));
    assert_null(err);
    assert_true(accounts_add("home.1", "bob@example.net", NULL));
    assert_true(accounts_add("carol@example.com", "carol@example.com", NULL));
    assert_int_equal(accounts_count(), 3);

    const account_t *a = accounts_nth(0);
    assert_string_equal(a->name, "work");
    assert_string_equal(a->jid, "alice@example.org"); /* normalised */
    assert_null(a->resource);                         /* the installation's own */
    assert_null(a->server);
    assert_int_equal(a->port, 0);
    assert_int_equal(a->tls, ACCOUNT_TLS_FORCE);
    assert_null(a->password);
    assert_null(a->eval_password);
    assert_null(a->ca_file);
    assert_null(a->ca_path);
    assert_non_null(a->pinned_certs);
    assert_null(a->pinned_certs[0]);
    assert_false(a->autoconnect);
    assert_string_equal(accounts_nth(1)->name, "home.1");
    assert_null(accounts_nth(3));

    /* by name, then by bare JID (any resource, any ASCII case) */
    assert_ptr_equal(accounts_find("work"), a);
    assert_ptr_equal(accounts_find("ALICE@example.org/phone"), a);
    assert_ptr_equal(accounts_find("bob@EXAMPLE.net"), accounts_nth(1));
    assert_ptr_equal(accounts_find("carol@example.com"), accounts_nth(2));
    assert_null(accounts_find("Work")); /* names are exact */
    assert_null(accounts_find("nobody@example.org"));
    assert_null(accounts_find(""));
    assert_null(accounts_find(NULL));
}

static void test_find_prefers_name(void **state)
{
    assert_true(accounts_init(NULL, NULL));
    /* account "b@x" is alice's, but another account's JID is b@x */
    assert_true(accounts_add("one", "b@x.org", NULL));
    assert_true(accounts_add("b@x.org", "alice@x.org", NULL));
    assert_string_equal(accounts_find("b@x.org")->name, "b@x.org");
}

static void test_add_invalid(void **state)
{
    const char *name_msg = "account name must be 1 to 64 letters, digits, '.', '_', '-' or '@'";
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("work", "alice@example.org", NULL));

    expect_add_error("", "a@example.org", name_msg);
    expect_add_error(NULL, "a@example.org", name_msg);
    expect_add_error("has space", "a@example.org", name_msg);
    expect_add_error("a/b", "a@example.org", name_msg);
    expect_add_error("[x]", "a@example.org", name_msg);
    expect_add_error("tab\t", "a@example.org", name_msg);
    expect_add_error("h\xc3\xa9", "a@example.org", name_msg);
    char *n64 = g_strnfill(64, 'n');
    char *n65 = g_strnfill(65, 'n');
    expect_add_error(n65, "a@example.org", name_msg);
    assert_true(accounts_add(n64, "a@example.org", NULL));
    g_free(n64);
    g_free(n65);

    expect_add_error("work", "other@example.org", "account 'work' already exists");
    expect_add_error("WORK", "other@example.org", "account 'work' already exists");

    expect_add_error("x", "", "jid must not be empty");
    expect_add_error("x", NULL, "jid must not be empty");
    expect_add_error("x", "alice@example.org/res",
                     "jid 'alice@example.org/res' is not a valid bare JID such as "
                     "user@example.org");
    expect_add_error("x", "@example.org", NULL);
    expect_add_error("x", "alice@", NULL);
    expect_add_error("x", "a b@example.org", NULL);
    expect_add_error("x", "a@b@c", NULL);
    expect_add_error("x", "\xff@example.org", "jid must be valid UTF-8 text");
    assert_null(accounts_find("x"));
}

static void test_set_valid(void **state)
{
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("w", "alice@example.org", NULL));
    const account_t *a = accounts_find("w");

    set_ok("w", "jid", "Alice@Other.Example.");
    assert_string_equal(a->jid, "alice@other.example");
    set_ok("w", "resource", "laptop at home");
    assert_string_equal(a->resource, "laptop at home");
    set_ok("w", "server", "xmpp.example.org");
    assert_string_equal(a->server, "xmpp.example.org");
    set_ok("w", "server", "::1");
    assert_string_equal(a->server, "::1");
    set_ok("w", "port", "5223");
    assert_int_equal(a->port, 5223);
    set_ok("w", "port", "1");
    assert_int_equal(a->port, 1);
    set_ok("w", "port", "65535");
    assert_int_equal(a->port, 65535);
    set_ok("w", "tls", "direct");
    assert_int_equal(a->tls, ACCOUNT_TLS_DIRECT);
    set_ok("w", "tls", "Allow-Plain");
    assert_int_equal(a->tls, ACCOUNT_TLS_ALLOW_PLAIN);
    set_ok("w", "tls", "force");
    assert_int_equal(a->tls, ACCOUNT_TLS_FORCE);
    set_ok("w", "password", "s3cret; with # and \\ and \"quotes\"");
    assert_string_equal(a->password, "s3cret; with # and \\ and \"quotes\"");
    set_ok("w", "eval_password", "pass show xmpp/alice");
    assert_string_equal(a->eval_password, "pass show xmpp/alice");
    set_ok("w", "ca_file", "/etc/ssl/ca.pem");
    assert_string_equal(a->ca_file, "/etc/ssl/ca.pem");
    set_ok("w", "ca_path", "~/certs");
    char *want = g_build_filename(g_get_home_dir(), "certs", NULL);
    assert_string_equal(a->ca_path, want);
    g_free(want);
    set_ok("w", "autoconnect", "yes");
    assert_true(a->autoconnect);
    set_ok("w", "autoconnect", "OFF");
    assert_false(a->autoconnect);
}

static void test_set_unset(void **state)
{
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("w", "alice@example.org", NULL));
    const account_t *a = accounts_find("w");
    set_ok("w", "server", "xmpp.example.org");
    set_ok("w", "port", "5222");
    set_ok("w", "resource", "r");
    set_ok("w", "tls", "direct");
    set_ok("w", "password", "pw");
    set_ok("w", "eval_password", "cmd");
    set_ok("w", "ca_file", "/a");
    set_ok("w", "ca_path", "/b");
    set_ok("w", "autoconnect", "on");
    set_ok("w", "pinned_certs", FP_UPPER);

    set_ok("w", "server", "");
    assert_null(a->server);
    set_ok("w", "port", NULL);
    assert_int_equal(a->port, 0);
    set_ok("w", "resource", "");
    assert_null(a->resource); /* the installation's own */
    set_ok("w", "tls", NULL);
    assert_int_equal(a->tls, ACCOUNT_TLS_FORCE);
    set_ok("w", "password", "");
    assert_null(a->password);
    set_ok("w", "eval_password", NULL);
    assert_null(a->eval_password);
    set_ok("w", "ca_file", "");
    assert_null(a->ca_file);
    set_ok("w", "ca_path", "");
    assert_null(a->ca_path);
    set_ok("w", "autoconnect", "");
    assert_false(a->autoconnect);
    set_ok("w", "pinned_certs", "");
    assert_null(a->pinned_certs[0]);
    expect_set_error("w", "jid", "", "jid cannot be unset");
    expect_set_error("w", "jid", NULL, "jid cannot be unset");
    assert_string_equal(a->jid, "alice@example.org");
}

static void test_set_errors(void **state)
{
    const char *port_msg = "port must be a number from 1 to 65535";
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("w", "alice@example.org", NULL));
    const account_t *a = accounts_find("w");
    set_ok("w", "port", "5222");

    expect_set_error("nope", "port", "5222", "unknown account 'nope'");
    expect_set_error(NULL, "port", "5222", "unknown account ''");
    expect_set_error("w", "colour", "blue", "unknown key 'colour'");
    expect_set_error("w", "name", "x", "unknown key 'name'");
    expect_set_error("w", NULL, "x", "unknown key ''");
    expect_set_error("w", "port", "0", port_msg);
    expect_set_error("w", "port", "65536", port_msg);
    expect_set_error("w", "port", "-1", port_msg);
    expect_set_error("w", "port", "52x", port_msg);
    expect_set_error("w", "port", "http", port_msg);
    assert_int_equal(a->port, 5222);
    expect_set_error("w", "tls", "starttls", "tls must be force, direct or allow-plain");
    expect_set_error("w", "tls", "plain", "tls must be force, direct or allow-plain");
    assert_int_equal(a->tls, ACCOUNT_TLS_FORCE);
    expect_set_error("w", "autoconnect", "maybe", "autoconnect must be on or off");
    expect_set_error("w", "jid", "alice@example.org/r",
                     "jid 'alice@example.org/r' is not a valid bare JID such as user@example.org");
    expect_set_error("w", "jid", "not a jid",
                     "jid 'not a jid' is not a valid bare JID such as user@example.org");
    /* a server's address is no account */
    expect_set_error("w", "jid", "notajid",
                     "jid 'notajid' is not a valid bare JID such as user@example.org");
    assert_string_equal(a->jid, "alice@example.org");
    expect_set_error("w", "resource",
                     "a\x01"
                     "b",
                     "resource must not contain control characters");
    char *long_res = g_strnfill(1024, 'r');
    expect_set_error("w", "resource", long_res,
                     "resource must be 1 to 1023 bytes without control characters");
    g_free(long_res);
    expect_set_error("w", "server", "bad host", "server 'bad host' is not a host name or address");
    expect_set_error("w", "server", "a@b", "server 'a@b' is not a host name or address");
    expect_set_error("w", "server", "a\nb", "server must not contain control characters");
    expect_set_error("w", "eval_password", "pass\n",
                     "eval_password must not contain control "
                     "characters");
    expect_set_error("w", "ca_file", "/x\x1b", "ca_file must not contain control characters");
    /* a bad password is not echoed back */
    char *err = NULL;
    assert_false(accounts_set("w", "password", "top\xffsecret", &err));
    assert_non_null(err);
    assert_null(strstr(err, "top"));
    g_free(err);
    assert_null(a->password);
    assert_false(accounts_set("w", "port", "0", NULL)); /* ERR may be NULL */
}

static void test_pinned_certs(void **state)
{
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("w", "alice@example.org", NULL));
    const account_t *a = accounts_find("w");

    char *err = NULL;
    assert_true(accounts_pin_cert("w", FP_LOWER, &err));
    assert_null(err);
    assert_int_equal(g_strv_length(a->pinned_certs), 1);
    assert_string_equal(a->pinned_certs[0], FP_UPPER);
    /* the same one again, in another spelling: no duplicate */
    assert_true(accounts_pin_cert("w", FP_BARE, NULL));
    assert_true(accounts_pin_cert("w", " " FP_UPPER " ", NULL));
    assert_int_equal(g_strv_length(a->pinned_certs), 1);
    assert_true(accounts_pin_cert("w", FP2, NULL));
    assert_int_equal(g_strv_length(a->pinned_certs), 2);
    assert_string_equal(a->pinned_certs[1], FP2);

    const char *bad[] = {
        "",
        "AB:CD",
        FP_UPPER ":00", /* 33 bytes */
        FP_UPPER ":",   /* trailing colon */
        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
        "67:8G", /* not hex */
        "ABC:D:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
        "67:89",          /* misplaced colon */
        FP_BARE "0",      /* 65 digits */
        FP_UPPER ";" FP2, /* two at once */
        "sha256:" FP_BARE,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        err = NULL;
        if (accounts_pin_cert("w", bad[i], &err))
            fail_msg("'%s' was pinned", bad[i]);
        assert_non_null(err);
        assert_non_null(strstr(err, "is not a SHA-256 fingerprint"));
        g_free(err);
    }
    assert_false(accounts_pin_cert("w", NULL, NULL));
    assert_int_equal(g_strv_length(a->pinned_certs), 2);

    err = NULL;
    assert_false(accounts_pin_cert("nope", FP2, &err));
    assert_string_equal(err, "unknown account 'nope'");
    g_free(err);

    /* the whole list at once, normalised and de-duplicated */
    set_ok("w", "pinned_certs", FP_BARE " ; " FP2 ";;" FP_LOWER ";");
    assert_int_equal(g_strv_length(a->pinned_certs), 2);
    assert_string_equal(a->pinned_certs[0], FP_UPPER);
    assert_string_equal(a->pinned_certs[1], FP2);
    err = NULL;
    assert_false(accounts_set("w", "pinned_certs", FP2 ";nonsense", &err));
    assert_string_equal(err, "pinned certificate 'nonsense' is not a SHA-256 fingerprint "
                             "(32 hex bytes such as AB:CD:...)");
    g_free(err);
    assert_int_equal(g_strv_length(a->pinned_certs), 2);
}

static void test_remove(void **state)
{
    assert_true(accounts_init(NULL, NULL));
    assert_true(accounts_add("a", "a@example.org", NULL));
    assert_true(accounts_add("b", "b@example.org", NULL));
    assert_true(accounts_add("c", "c@example.org", NULL));
    assert_true(accounts_remove("b"));
    assert_int_equal(accounts_count(), 2);
    assert_string_equal(accounts_nth(0)->name, "a");
    assert_string_equal(accounts_nth(1)->name, "c");
    assert_null(accounts_find("b"));
    assert_null(accounts_find("b@example.org"));
    assert_false(accounts_remove("b"));
    assert_false(accounts_remove(NULL));
    /* the name is free again */
    assert_true(accounts_add("b", "b2@example.org", NULL));
    assert_string_equal(accounts_nth(2)->jid, "b2@example.org");
}

static void test_tls_names(void **state)
{
    assert_string_equal(accounts_tls_name(ACCOUNT_TLS_FORCE), "force");
    assert_string_equal(accounts_tls_name(ACCOUNT_TLS_DIRECT), "direct");
    assert_string_equal(accounts_tls_name(ACCOUNT_TLS_ALLOW_PLAIN), "allow-plain");
    assert_string_equal(accounts_tls_name((account_tls)42), "force");
}

static void test_works_without_init(void **state)
{
    accounts_deinit();
    assert_int_equal(accounts_count(), 0);
    assert_null(accounts_find("x"));
    assert_true(accounts_add("x", "x@example.org", NULL));
    assert_int_equal(accounts_count(), 1);
    char *err = NULL;
    assert_false(accounts_save(&err)); /* no file */
    assert_non_null(err);
    g_free(err);
}

/* ---- file ---- */

static void test_save_and_reload(void **state)
{
    fixture *f = *state;
    assert_true(accounts_init(f->path, NULL));
    assert_true(accounts_add("work", "alice@example.org", NULL));
    set_ok("work", "resource", " my laptop ");
    set_ok("work", "server", "xmpp.example.org");
    set_ok("work", "port", "5223");
    set_ok("work", "tls", "direct");
    set_ok("work", "password", " pa;ss#wo=rd\\n\n ");
    set_ok("work", "eval_password", "pass show 'xmpp/alice'; echo");
    set_ok("work", "ca_file", "/etc/ca one.pem");
    set_ok("work", "ca_path", "/etc/ca.d");
    set_ok("work", "autoconnect", "on");
    assert_true(accounts_pin_cert("work", FP_UPPER, NULL));
    assert_true(accounts_pin_cert("work", FP2, NULL));
    assert_true(accounts_add("home", "bob@example.net", NULL));
    char *err = NULL;
    assert_true(accounts_save(&err));
    assert_null(err);

    assert_int_equal(fx_mode_of(f->path), 0600);
    char *dir = g_path_get_dirname(f->path);
    assert_int_equal(fx_mode_of(dir), 0700);
    g_free(dir);

    /* only what differs from the defaults is written */
    char *text = fx_read_text(f->path);
    char *home = strstr(text, "[home]");
    assert_non_null(home);
    assert_null(strstr(home, "resource"));
    assert_null(strstr(home, "tls"));
    assert_null(strstr(home, "port"));
    assert_null(strstr(home, "autoconnect"));
    assert_null(strstr(home, "pinned_certs"));
    assert_null(strstr(home, "password"));
    g_free(text);

    accounts_deinit();
    assert_int_equal(accounts_count(), 0);
    char *errors = (char *)0x1;
    assert_true(accounts_init(f->path, &errors));
    assert_null(errors);
    assert_int_equal(accounts_count(), 2);
    const account_t *a = accounts_nth(0);
    assert_string_equal(a->name, "work");
    assert_string_equal(a->jid, "alice@example.org");
    assert_string_equal(a->resource, " my laptop ");
    assert_string_equal(a->server, "xmpp.example.org");
    assert_int_equal(a->port, 5223);
    assert_int_equal(a->tls, ACCOUNT_TLS_DIRECT);
    assert_string_equal(a->password, " pa;ss#wo=rd\\n\n ");
    assert_string_equal(a->eval_password, "pass show 'xmpp/alice'; echo");
    assert_string_equal(a->ca_file, "/etc/ca one.pem");
    assert_string_equal(a->ca_path, "/etc/ca.d");
    assert_true(a->autoconnect);
    assert_int_equal(g_strv_length(a->pinned_certs), 2);
    assert_string_equal(a->pinned_certs[0], FP_UPPER);
    assert_string_equal(a->pinned_certs[1], FP2);
    const account_t *b = accounts_nth(1);
    assert_string_equal(b->name, "home");
    assert_null(b->resource);
    assert_null(b->password);
    assert_null(b->pinned_certs[0]);
    assert_false(b->autoconnect);
}

static void test_password_only_when_set(void **state)
{
    fixture *f = *state;
    assert_true(accounts_init(f->path, NULL));
    assert_true(accounts_add("w", "alice@example.org", NULL));
    set_ok("w", "eval_password", "secret-tool lookup xmpp alice");
    assert_true(accounts_save(NULL));
    char *text = fx_read_text(f->path);
    assert_null(strstr(text, "\npassword="));
    g_free(text);

    set_ok("w", "password", "hunter2");
    assert_true(accounts_save(NULL));
    text = fx_read_text(f->path);
    assert_non_null(strstr(text, "\npassword=hunter2"));
    g_free(text);

    set_ok("w", "password", NULL);
    assert_true(accounts_save(NULL));
    text = fx_read_text(f->path);
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "\npassword="));
    g_free(text);
}

static void test_missing_file(void **state)
{
    fixture *f = *state;
    char *errors = (char *)0x1;
    assert_true(accounts_init(f->path, &errors));
    assert_null(errors);
    assert_int_equal(accounts_count(), 0);
    /* nothing written until asked */
    assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
    assert_true(accounts_save(NULL));
    assert_int_equal(fx_mode_of(f->path), 0600);
}

static const char broken_file[] = "# my accounts\n"
                                  "[good]\n"
                                  "jid = good@example.org\n"
                                  "colour = blue\n"
                                  "\n"
                                  "[badport]\n"
                                  "jid = p@example.org\n"
                                  "port = 99999\n"
                                  "\n"
                                  "[nojid]\n"
                                  "server = example.org\n"
                                  "\n"
                                  "[badjid]\n"
                                  "jid = not a jid\n"
                                  "\n"
                                  "[bad name]\n"
                                  "jid = n@example.org\n"
                                  "\n"
                                  "[badtls]\n"
                                  "jid = t@example.org\n"
                                  "tls = sometimes\n"
                                  "\n"
                                  "[second]\n"
                                  "# keep this comment\n"
                                  "jid = Second@Example.org\n"
                                  "autoconnect = yes\n";

static void test_load_with_problems(void **state)
{
    fixture *f = *state;
    fx_write_text(f->path, broken_file);
    char *errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    assert_non_null(errors);

    char **lines = g_strsplit(errors, "\n", -1);
    assert_int_equal(g_strv_length(lines), 6);
    const char *want[] = {
        "account 'good': unknown key 'colour' (ignored)",
        "account 'badport': port must be a number from 1 to 65535 (account skipped)",
        "account 'nojid': missing jid (account skipped)",
        ("account 'badjid': jid 'not a jid' is not a valid bare JID such as user@example.org "
         "(account skipped)"),
        "account 'bad name': invalid account name",
        "account 'badtls': tls must be force, direct or allow-plain (account skipped)",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        char *prefix = g_strdup_printf("%s: %s", f->path, want[i]);
        if (!g_str_has_prefix(lines[i], prefix))
            fail_msg("line %zu is '%s', wanted '%s'", i, lines[i], prefix);
        g_free(prefix);
    }
    g_strfreev(lines);
    g_free(errors);

    assert_int_equal(accounts_count(), 2);
    assert_string_equal(accounts_nth(0)->name, "good");
    assert_string_equal(accounts_nth(1)->name, "second");
    assert_string_equal(accounts_nth(1)->jid, "second@example.org");
    assert_true(accounts_nth(1)->autoconnect);
    assert_null(accounts_find("badport"));
    assert_null(accounts_find("p@example.org"));

    /* saving keeps broken accounts, unknown keys and comments as written */
    set_ok("good", "port", "5222");
    assert_true(accounts_save(NULL));
    char *text = fx_read_text(f->path);
    assert_non_null(strstr(text, "# my accounts"));
    assert_non_null(strstr(text, "colour=blue"));
    assert_non_null(strstr(text, "port=99999"));
    assert_non_null(strstr(text, "[nojid]"));
    assert_non_null(strstr(text, "jid=not a jid"));
    assert_non_null(strstr(text, "[bad name]"));
    assert_non_null(strstr(text, "tls=sometimes"));
    assert_non_null(strstr(text, "# keep this comment"));
    assert_non_null(strstr(text, "jid=Second@Example.org")); /* unchanged meaning: as written */
    assert_non_null(strstr(text, "autoconnect=yes"));
    assert_non_null(strstr(text, "port=5222"));
    g_free(text);

    /* a broken account can be removed, or replaced by adding it anew */
    assert_true(accounts_remove("nojid"));
    assert_false(accounts_remove("nojid"));
    assert_true(accounts_add("badport", "p@example.org", NULL));
    assert_int_equal(accounts_count(), 3);
    assert_true(accounts_save(NULL));
    text = fx_read_text(f->path);
    assert_null(strstr(text, "[nojid]"));
    assert_null(strstr(text, "99999"));
    assert_non_null(strstr(text, "[badport]"));
    g_free(text);

    /* and the reload agrees */
    errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    assert_non_null(errors);
    assert_int_equal(accounts_count(), 3);
    assert_int_equal(accounts_find("good")->port, 5222);
    assert_string_equal(accounts_find("badport")->jid, "p@example.org");
    assert_int_equal(accounts_find("badport")->port, 0);
    g_free(errors);
}

static void test_remove_then_save(void **state)
{
    fixture *f = *state;
    fx_write_text(f->path, "[a]\njid=a@example.org\n\n[b]\njid=b@example.org\npassword=pw\n");
    assert_true(accounts_init(f->path, NULL));
    assert_int_equal(accounts_count(), 2);
    assert_string_equal(accounts_find("b")->password, "pw");
    assert_true(accounts_remove("b"));
    assert_true(accounts_save(NULL));
    char *text = fx_read_text(f->path);
    assert_null(strstr(text, "[b]"));
    assert_null(strstr(text, "pw"));
    assert_non_null(strstr(text, "[a]"));
    g_free(text);
}

static void test_unparsable_not_overwritten(void **state)
{
    fixture *f = *state;
    const char *text = "[a]\njid=a@example.org\nthis is not ini\n";
    fx_write_text(f->path, text);
    char *errors = NULL;
    assert_false(accounts_init(f->path, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, f->path));
    g_free(errors);
    assert_int_equal(accounts_count(), 0);
    assert_true(accounts_add("b", "b@example.org", NULL));
    char *err = NULL;
    assert_false(accounts_save(&err));
    assert_non_null(strstr(err, "not overwriting"));
    g_free(err);
    char *after = fx_read_text(f->path);
    assert_string_equal(after, text);
    g_free(after);
}

static void test_unreadable(void **state)
{
    fixture *f = *state;
    assert_int_equal(g_mkdir_with_parents(f->path, 0700), 0); /* a directory */
    char *errors = NULL;
    assert_false(accounts_init(f->path, &errors));
    char *want = g_strdup_printf("cannot read %s: %s", f->path, g_strerror(EISDIR));
    assert_string_equal(errors, want);
    g_free(want);
    g_free(errors);
}

static void test_loose_mode_warning(void **state)
{
    fixture *f = *state;
    fx_write_text(f->path, "[a]\njid=a@example.org\npassword=pw\n");
    assert_int_equal(chmod(f->path, 0644), 0);
    char *errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, "chmod 600"));
    assert_null(strstr(errors, "pw"));
    g_free(errors);
    assert_int_equal(accounts_count(), 1);
    /* saving tightens it */
    set_ok("a", "port", "5222");
    assert_true(accounts_save(NULL));
    assert_int_equal(fx_mode_of(f->path), 0600);

    /* a password in an account that failed to load counts too */
    fx_write_text(f->path, "[a]\njid=not a jid\npassword=pw\n");
    assert_int_equal(chmod(f->path, 0640), 0);
    errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, "chmod 600"));
    g_free(errors);

    /* without a saved password a readable file is fine */
    fx_write_text(f->path, "[a]\njid=a@example.org\n");
    assert_int_equal(chmod(f->path, 0644), 0);
    errors = (char *)0x1;
    assert_true(accounts_init(f->path, &errors));
    assert_null(errors);
}

static void test_home_expansion_kept_in_file(void **state)
{
    fixture *f = *state;
    fx_write_text(f->path, "[a]\njid=a@example.org\nca_file=~/ca.pem\n");
    assert_true(accounts_init(f->path, NULL));
    char *want = g_build_filename(g_get_home_dir(), "ca.pem", NULL);
    assert_string_equal(accounts_find("a")->ca_file, want);
    g_free(want);
    set_ok("a", "port", "5222");
    assert_true(accounts_save(NULL));
    char *text = fx_read_text(f->path);
    assert_non_null(strstr(text, "ca_file=~/ca.pem"));
    g_free(text);
}

static void test_duplicate_keys(void **state)
{
    fixture *f = *state;
    fx_write_text(f->path, "[a]\njid=a@example.org\nport=5222\nport=5223\n");
    char *errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    assert_non_null(errors);
    assert_non_null(strstr(errors, "'port' is set more than once"));
    g_free(errors);
    assert_int_equal(accounts_find("a")->port, 5223); /* the last one counts */
    /* unsetting must not bring the first copy back */
    set_ok("a", "port", NULL);
    assert_true(accounts_save(NULL));
    errors = NULL;
    assert_true(accounts_init(f->path, &errors));
    g_free(errors);
    assert_int_equal(accounts_find("a")->port, 0);
}

static void test_save_failure(void **state)
{
    fixture *f = *state;
    assert_true(accounts_init(f->path, NULL));
    assert_true(accounts_add("a", "a@example.org", NULL));
    /* the config directory turns out to be a regular file */
    char *dir = g_path_get_dirname(f->path);
    assert_true(g_file_set_contents(dir, "x", -1, NULL));
    char *err = NULL;
    assert_false(accounts_save(&err));
    char *prefix = g_strdup_printf("cannot write %s: ", f->path);
    assert_non_null(err);
    assert_true(g_str_has_prefix(err, prefix));
    g_free(prefix);
    g_free(err);
    g_free(dir);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_and_find),
        T(test_find_prefers_name),
        T(test_add_invalid),
        T(test_set_valid),
        T(test_set_unset),
        T(test_set_errors),
        T(test_pinned_certs),
        T(test_remove),
        T(test_tls_names),
        T(test_works_without_init),
        T(test_save_and_reload),
        T(test_password_only_when_set),
        T(test_missing_file),
        T(test_load_with_problems),
        T(test_remove_then_save),
        T(test_unparsable_not_overwritten),
        T(test_unreadable),
        T(test_loose_mode_warning),
        T(test_home_expansion_kept_in_file),
        T(test_duplicate_keys),
        T(test_save_failure),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

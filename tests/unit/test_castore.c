/* test_castore.c - unit tests for src/net/castore.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <glib.h>

#include "fixture.h"
#include "net/castore.h"

#define CERT "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#define TRUSTED "-----BEGIN TRUSTED CERTIFICATE-----\nMIIB\n-----END TRUSTED CERTIFICATE-----\n"

static char *path_in(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static void test_count_bundle(void **state)
{
    const char *dir = *state;
    char *bundle = path_in(dir, "bundle.pem");
    fx_write_text(bundle, "# comment\n" CERT CERT TRUSTED
                          "  -----BEGIN CERTIFICATE----- (not at a line's start)\n");
    assert_int_equal(castore_count_bundle(bundle), 3);
    char *missing = path_in(dir, "missing.pem");
    assert_int_equal(castore_count_bundle(missing), -1);
    assert_int_equal(castore_count_bundle(NULL), -1);
    g_free(bundle);
    g_free(missing);
}

static void test_count_hashed(void **state)
{
    const char *dir = *state;
    char *a = path_in(dir, "a"), *b = path_in(dir, "b");
    const char *names_a[] = {"5ad8a5d6.0", "5ad8a5d6.1", "0179095F.0", "5ad8a5d6.r0",
                             "ca.pem",     "5ad8a5d.0",  "5ad8a5d6.",  "5ad8a5d6.0x"};
    for (size_t i = 0; i < G_N_ELEMENTS(names_a); i++) {
        char *p = g_build_filename(a, names_a[i], NULL);
        fx_write_text(p, CERT);
        g_free(p);
    }
    char *p = g_build_filename(b, "deadbeef.0", NULL);
    fx_write_text(p, CERT);
    g_free(p);
    assert_int_equal(castore_count_hashed(a), 3);
    char *both = g_strdup_printf("%s::%s:/nonexistent", a, b);
    assert_int_equal(castore_count_hashed(both), 4);
    assert_int_equal(castore_count_hashed(""), 0);
    assert_int_equal(castore_count_hashed(NULL), 0);
    g_free(both);
    g_free(a);
    g_free(b);
}

static void test_dir_covers_bundle(void **state)
{
    const char *dir = *state;
    char *certs = path_in(dir, "certs");
    char *bundle = path_in(dir, "bundle.pem");
    fx_write_text(bundle, CERT CERT);
    char *one = g_build_filename(certs, "11111111.0", NULL);
    fx_write_text(one, CERT);
    /* One certificate in the directory, two in the bundle: the bundle is
     * still needed. */
    assert_false(castore_dir_covers_bundle(bundle, certs));
    char *two = g_build_filename(certs, "22222222.0", NULL);
    fx_write_text(two, CERT);
    assert_true(castore_dir_covers_bundle(bundle, certs));
    /* No bundle, or an empty one: nothing to spare. */
    char *empty = path_in(dir, "empty.pem");
    fx_write_text(empty, "");
    assert_false(castore_dir_covers_bundle(empty, certs));
    char *missing = path_in(dir, "missing.pem");
    assert_false(castore_dir_covers_bundle(missing, certs));
    g_free(certs);
    g_free(bundle);
    g_free(one);
    g_free(two);
    g_free(empty);
    g_free(missing);
}

/* An SSL_CERT_FILE the user set is never replaced. */
static void test_user_bundle_kept(void **state)
{
    (void)state;
    g_setenv("SSL_CERT_FILE", "/my/bundle.pem", TRUE);
    assert_false(castore_prefer_directory());
    assert_string_equal(g_getenv("SSL_CERT_FILE"), "/my/bundle.pem");
    g_unsetenv("SSL_CERT_FILE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_count_bundle, fx_setup_tmpdir, fx_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_count_hashed, fx_setup_tmpdir, fx_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_dir_covers_bundle, fx_setup_tmpdir,
                                        fx_teardown_tmpdir),
        cmocka_unit_test(test_user_bundle_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

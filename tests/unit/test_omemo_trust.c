/* test_omemo_trust.c - the trust rules of src/omemo/trust.c: blind trust
 * before verification, manual trust, untrusted devices, decisions kept in
 * the records, and the fingerprints people type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "omemo/omemo.h"
#include "omemo_mem.h"

static void test_rule_table(void **state)
{
    /* Blind trust: an undecided device is used until one is verified. */
    assert_true(omemo_trust_allows(OMEMO_TRUST_UNDECIDED, false, false));
    assert_false(omemo_trust_allows(OMEMO_TRUST_UNDECIDED, true, false));
    /* Manual: only verified devices. */
    assert_false(omemo_trust_allows(OMEMO_TRUST_UNDECIDED, false, true));
    assert_false(omemo_trust_allows(OMEMO_TRUST_UNDECIDED, true, true));
    for (int any = 0; any < 2; any++) {
        for (int manual = 0; manual < 2; manual++) {
            assert_true(omemo_trust_allows(OMEMO_TRUST_VERIFIED, any, manual));
            assert_false(omemo_trust_allows(OMEMO_TRUST_UNTRUSTED, any, manual));
        }
    }
}

static void test_btbv_ends_with_first_verification(void **state)
{
    mem_store *m = mem_new();
    omemo_storage s = storage_of(m);
    char *err = NULL;
    omemo_account *a = omemo_account_open("alice@example.org", &s, NULL, &err);
    assert_non_null(a);
    const char *bob = "bob@example.org";
    assert_true(omemo_device_trusted(a, bob, 11, false));
    assert_true(omemo_device_trusted(a, bob, 22, false));
    assert_false(omemo_device_trusted(a, bob, 11, true));
    assert_true(omemo_set_trust(a, bob, 11, OMEMO_TRUST_VERIFIED, &err));
    assert_int_equal(omemo_get_trust(a, bob, 11), OMEMO_TRUST_VERIFIED);
    assert_true(omemo_any_verified(a, bob));
    assert_true(omemo_device_trusted(a, bob, 11, false));
    /* Another device of bob's, new or old, now needs verifying too. */
    assert_false(omemo_device_trusted(a, bob, 22, false));
    assert_false(omemo_device_trusted(a, bob, 33, false));
    /* Other contacts are not affected. */
    assert_true(omemo_device_trusted(a, "carol@example.org", 5, false));
    /* Untrusting the verified one: refused, and blind trust is back for
     * the others since none is verified. */
    assert_true(omemo_set_trust(a, bob, 11, OMEMO_TRUST_UNTRUSTED, &err));
    assert_false(omemo_device_trusted(a, bob, 11, false));
    assert_true(omemo_device_trusted(a, bob, 22, false));
    omemo_account_free(a);

    /* Decisions are records: they survive reopening. */
    a = omemo_account_open("alice@example.org", &s, NULL, &err);
    assert_int_equal(omemo_get_trust(a, bob, 11), OMEMO_TRUST_UNTRUSTED);
    assert_int_equal(omemo_get_trust(a, bob, 22), OMEMO_TRUST_UNDECIDED);
    omemo_account_free(a);

    /* A decision that cannot be written is said so. */
    m->read_only = true;
    a = omemo_account_open("alice@example.org", &s, NULL, &err);
    assert_non_null(a);
    assert_false(omemo_set_trust(a, bob, 22, OMEMO_TRUST_VERIFIED, &err));
    assert_non_null(err);
    g_free(err);
    omemo_account_free(a);
    mem_free(m);
}

static void test_fingerprint_input(void **state)
{
    const char *want = "9e76a564d29ae9348f16516f0a51612458f82bf5381523359cb40f9abb82f675";
    const char *forms[] = {
        "9e76a564 d29ae934 8f16516f 0a516124 58f82bf5 38152335 9cb40f9a bb82f675",
        "9e76a564-d29ae934-8f16516f-0a516124-58f82bf5-38152335-9cb40f9a-bb82f675",
        "9E76A564D29AE9348F16516F0A51612458F82BF5381523359CB40F9ABB82F675",
        "059e76a564d29ae9348f16516f0a51612458f82bf5381523359cb40f9abb82f675",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        char *n = omemo_fingerprint_normalise(forms[i]);
        assert_non_null(n);
        assert_string_equal(n, want);
        g_free(n);
    }
    assert_null(omemo_fingerprint_normalise("9e76a564"));
    assert_null(omemo_fingerprint_normalise(NULL));
    assert_null(omemo_fingerprint_normalise(
        "zz76a564d29ae9348f16516f0a51612458f82bf5381523359cb40f9abb82f675"));
    /* What natter shows is what it takes back. */
    uint8_t key[33] = {0x05};
    for (int i = 1; i < 33; i++)
        key[i] = (uint8_t)(i * 7);
    GBytes *b = g_bytes_new(key, sizeof(key));
    char *shown = omemo_fingerprint(b);
    char *n = omemo_fingerprint_normalise(shown);
    assert_non_null(n);
    assert_int_equal(strlen(n), 64);
    assert_int_equal(strlen(shown), 64 + 7);
    g_free(n);
    g_free(shown);
    g_bytes_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_btbv_ends_with_first_verification),
        cmocka_unit_test(test_fingerprint_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

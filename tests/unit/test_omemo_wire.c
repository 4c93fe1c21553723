/* test_omemo_wire.c - OMEMO 0.3 elements (src/xmpp/omemo_wire.c): written
 * exactly, read strictly, hostile input refused, and a bundle that natter's
 * own OMEMO code made survives the trip through XML well enough to start a
 * real session from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "omemo/omemo.h"
#include "omemo_mem.h"
#include "proto.h"
#include "xmpp/omemo_wire.h"

static xmpp_stanza_t *parse(const char *xml)
{
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(nx_ctx(), xml);
    assert_non_null(st);
    return st;
}

static char *to_xml(xmpp_stanza_t *st)
{
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(xmpp_stanza_to_text(st, &buf, &len), XMPP_EOK);
    char *out = g_strndup(buf, len);
    xmpp_free(nx_ctx(), buf);
    return out;
}

/* ---------- base64 ---------- */

static void test_base64_strict(void **state)
{
    GBytes *b = nx_base64_strict(" aGVs\nbG8= ");
    assert_non_null(b);
    assert_int_equal(g_bytes_get_size(b), 5);
    assert_memory_equal(g_bytes_get_data(b, NULL), "hello", 5);
    g_bytes_unref(b);
    assert_null(nx_base64_strict("aGVsbG8"));  /* not a multiple of 4 */
    assert_null(nx_base64_strict("aGV*bG8=")); /* outside the alphabet */
    assert_null(nx_base64_strict("aG=sbG8=")); /* data after padding */
    assert_null(nx_base64_strict(""));
    assert_null(nx_base64_strict(NULL));
}

/* ---------- device lists ---------- */

static void test_devicelist(void **state)
{
    xmpp_stanza_t *l = parse("<list xmlns='" NS_OMEMO "'><device id='12345'/><device id='0'/>"
                             "<device id='-4'/><device id='abc'/><device id='2147483648'/>"
                             "<device id=' 7'/><device id='12345'/><device id='2147483647'/>"
                             "<device/><other id='9'/></list>");
    GArray *ids = nx_omemo_parse_devicelist(l);
    assert_int_equal(ids->len, 2);
    assert_int_equal(g_array_index(ids, guint32, 0), 12345);
    assert_int_equal(g_array_index(ids, guint32, 1), 2147483647u);
    xmpp_stanza_t *out = nx_omemo_devicelist_element(ids);
    char *xml = to_xml(out);
    assert_string_equal(xml, "<list xmlns=\"" NS_OMEMO "\"><device id=\"12345\"/>"
                             "<device id=\"2147483647\"/></list>");
    g_free(xml);
    xmpp_stanza_release(out);
    g_array_unref(ids);
    xmpp_stanza_release(l);
    /* Another namespace (OMEMO 2) is not this list. */
    l = parse("<devices xmlns='urn:xmpp:omemo:2'><device id='1'/></devices>");
    assert_null(nx_omemo_parse_devicelist(l));
    xmpp_stanza_release(l);
}

static void test_devicelist_flood_is_cut(void **state)
{
    GString *s = g_string_new("<list xmlns='" NS_OMEMO "'>");
    for (int i = 1; i <= 5000; i++)
        g_string_append_printf(s, "<device id='%d'/>", i);
    g_string_append(s, "</list>");
    xmpp_stanza_t *l = parse(s->str);
    GArray *ids = nx_omemo_parse_devicelist(l);
    assert_int_equal(ids->len, NX_OMEMO_MAX_DEVICES);
    g_array_unref(ids);
    xmpp_stanza_release(l);
    g_string_free(s, TRUE);
}

/* ---------- bundles ---------- */

static void wire_prekey_free(nx_omemo_prekey *p)
{
    g_bytes_unref(p->key);
    g_free(p);
}

/* natter's own bundle as wire data (what the bridge will do). */
static nx_omemo_bundle *wire_of(const omemo_bundle *ob)
{
    nx_omemo_bundle *b = g_new0(nx_omemo_bundle, 1);
    b->identity_key = g_bytes_ref(ob->identity_key);
    b->signed_id = ob->signed_id;
    b->signed_key = g_bytes_ref(ob->signed_key);
    b->signature = g_bytes_ref(ob->signature);
    b->prekeys = g_ptr_array_new_with_free_func((GDestroyNotify)wire_prekey_free);
    for (guint i = 0; i < ob->prekeys->len; i++) {
        const omemo_prekey_pub *p = g_ptr_array_index(ob->prekeys, i);
        nx_omemo_prekey *w = g_new0(nx_omemo_prekey, 1);
        w->id = p->id;
        w->key = g_bytes_ref(p->key);
        g_ptr_array_add(b->prekeys, w);
    }
    return b;
}

static omemo_bundle *omemo_of(const nx_omemo_bundle *w)
{
    omemo_bundle *b = g_new0(omemo_bundle, 1);
    b->identity_key = g_bytes_ref(w->identity_key);
    b->signed_id = w->signed_id;
    b->signed_key = g_bytes_ref(w->signed_key);
    b->signature = g_bytes_ref(w->signature);
    b->prekeys = g_ptr_array_new();
    for (guint i = 0; i < w->prekeys->len; i++) {
        const nx_omemo_prekey *p = g_ptr_array_index(w->prekeys, i);
        omemo_prekey_pub *o = g_new0(omemo_prekey_pub, 1);
        o->id = p->id;
        o->key = g_bytes_ref(p->key);
        g_ptr_array_add(b->prekeys, o);
    }
    return b;
}

static void test_bundle_round_trip_starts_a_session(void **state)
{
    mem_store *ma = mem_new(), *mb = mem_new();
    omemo_storage sa = storage_of(ma), sb = storage_of(mb);
    char *err = NULL;
    omemo_account *alice = omemo_account_open("alice@example.org", &sa, NULL, &err);
    omemo_account *bob = omemo_account_open("bob@example.org", &sb, NULL, &err);
    omemo_bundle *own = omemo_own_bundle(bob);
    nx_omemo_bundle *w = wire_of(own);
    xmpp_stanza_t *el = nx_omemo_bundle_element(w);
    char *xml = to_xml(el);
    assert_non_null(strstr(xml, "<signedPreKeyPublic signedPreKeyId=\""));
    assert_non_null(strstr(xml, "<prekeys><preKeyPublic preKeyId=\""));
    /* As a contact's client would receive it. */
    xmpp_stanza_t *back = parse(xml);
    nx_omemo_bundle *got = nx_omemo_parse_bundle(back, &err);
    assert_non_null(got);
    assert_int_equal(got->prekeys->len, OMEMO_PREKEYS);
    assert_true(g_bytes_equal(got->identity_key, own->identity_key));
    assert_true(g_bytes_equal(got->signature, own->signature));
    omemo_bundle *ob = omemo_of(got);
    assert_true(omemo_start_session(alice, "bob@example.org", omemo_device_id(bob), ob, &err));
    omemo_bundle_free(ob);
    nx_omemo_bundle_free(got);
    xmpp_stanza_release(back);
    xmpp_stanza_release(el);
    g_free(xml);
    nx_omemo_bundle_free(w);
    omemo_bundle_free(own);
    omemo_account_free(alice);
    omemo_account_free(bob);
    mem_free(ma);
    mem_free(mb);
}

#define KEY33 "BQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB" /* 0x05 then 32 x 0x01 */
#define SIG64                                                                                      \
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=="

static const char *bundle_xml(const char *identity, const char *sig, const char *prekeys)
{
    static char buf[4096];
    g_snprintf(buf, sizeof(buf),
               "<bundle xmlns='" NS_OMEMO "'><signedPreKeyPublic signedPreKeyId='1'>" KEY33
               "</signedPreKeyPublic><signedPreKeySignature>%s</signedPreKeySignature>"
               "<identityKey>%s</identityKey><prekeys>%s</prekeys></bundle>",
               sig, identity, prekeys);
    return buf;
}

static void expect_bundle_error(const char *xml, const char *why)
{
    xmpp_stanza_t *st = parse(xml);
    char *err = NULL;
    assert_null(nx_omemo_parse_bundle(st, &err));
    assert_non_null(strstr(err, why));
    g_free(err);
    xmpp_stanza_release(st);
}

static void test_bad_bundles(void **state)
{
    const char *pk = "<preKeyPublic preKeyId='5'>" KEY33 "</preKeyPublic>";
    /* Sanity: the good one parses. */
    xmpp_stanza_t *st = parse(bundle_xml(KEY33, SIG64, pk));
    char *err = NULL;
    nx_omemo_bundle *b = nx_omemo_parse_bundle(st, &err);
    assert_non_null(b);
    nx_omemo_bundle_free(b);
    xmpp_stanza_release(st);
    expect_bundle_error(bundle_xml("AAAA", SIG64, pk), "malformed"); /* short identity */
    expect_bundle_error(bundle_xml(KEY33, "AAAA", pk), "malformed"); /* short signature */
    expect_bundle_error(bundle_xml("%%%%", SIG64, pk), "malformed"); /* not base64 */
    expect_bundle_error(bundle_xml(KEY33, SIG64, ""), "no usable pre-key");
    expect_bundle_error(bundle_xml(KEY33, SIG64,
                                   "<preKeyPublic preKeyId='0'>" KEY33
                                   "</preKeyPublic><preKeyPublic preKeyId='3'>"
                                   "AAAA</preKeyPublic>"),
                        "no usable pre-key");
    /* One bad pre-key among good ones is skipped. */
    st = parse(bundle_xml(KEY33, SIG64,
                          "<preKeyPublic preKeyId='3'>AAAA</preKeyPublic>"
                          "<preKeyPublic preKeyId='4'>" KEY33 "</preKeyPublic>"));
    b = nx_omemo_parse_bundle(st, &err);
    assert_int_equal(b->prekeys->len, 1);
    assert_int_equal(((nx_omemo_prekey *)g_ptr_array_index(b->prekeys, 0))->id, 4);
    nx_omemo_bundle_free(b);
    xmpp_stanza_release(st);
    expect_bundle_error("<bundle xmlns='urn:xmpp:omemo:2'/>", "not an OMEMO bundle");
}

/* ---------- encrypted messages ---------- */

static void test_encrypted_round_trip(void **state)
{
    nx_omemo_encrypted e = {.sid = 31415};
    e.iv = g_bytes_new("123456789012", 12);
    e.payload = g_bytes_new("ciphertext", 10);
    e.keys = g_ptr_array_new_with_free_func(g_free);
    nx_omemo_key k1 = {.rid = 1, .prekey = true, .data = g_bytes_new("k1", 2)};
    nx_omemo_key k2 = {.rid = 2, .prekey = false, .data = g_bytes_new("k2", 2)};
    g_ptr_array_add(e.keys, g_memdup2(&k1, sizeof(k1)));
    g_ptr_array_add(e.keys, g_memdup2(&k2, sizeof(k2)));
    xmpp_stanza_t *el = nx_omemo_encrypted_element(&e);
    char *xml = to_xml(el);
    /* Element order as XEP-0384 0.3 shows it (attribute order is the XML
     * library's business). */
    assert_true(
        g_str_has_prefix(xml, "<encrypted xmlns=\"" NS_OMEMO "\"><header sid=\"31415\"><key "));
    assert_true(strstr(xml, "prekey=\"true\"") && strstr(xml, "rid=\"1\""));
    assert_non_null(strstr(xml, ">azE=</key><key rid=\"2\">azI=</key><iv>MTIzNDU2Nzg5MDEy</iv>"
                                "</header><payload>Y2lwaGVydGV4dA==</payload></encrypted>"));
    assert_int_equal(strstr(xml, "prekey") - xml < strstr(xml, "rid=\"2\"") - xml, 1);
    xmpp_stanza_t *back = parse(xml);
    char *err = NULL;
    nx_omemo_encrypted *got = nx_omemo_parse_encrypted(back, &err);
    assert_non_null(got);
    assert_int_equal(got->sid, 31415);
    assert_int_equal(got->keys->len, 2);
    assert_true(((nx_omemo_key *)g_ptr_array_index(got->keys, 0))->prekey);
    assert_false(((nx_omemo_key *)g_ptr_array_index(got->keys, 1))->prekey);
    assert_true(g_bytes_equal(got->payload, e.payload));
    nx_omemo_encrypted_free(got);
    xmpp_stanza_release(back);
    xmpp_stanza_release(el);
    g_free(xml);
    g_bytes_unref(k1.data);
    g_bytes_unref(k2.data);
    g_ptr_array_unref(e.keys);
    g_bytes_unref(e.iv);
    g_bytes_unref(e.payload);
}

static void expect_encrypted_error(const char *xml, const char *why)
{
    xmpp_stanza_t *st = parse(xml);
    char *err = NULL;
    assert_null(nx_omemo_parse_encrypted(st, &err));
    assert_non_null(strstr(err, why));
    g_free(err);
    xmpp_stanza_release(st);
}

static void test_encrypted_hostile(void **state)
{
#define ENC(header, rest) "<encrypted xmlns='" NS_OMEMO "'>" header rest "</encrypted>"
    expect_encrypted_error(ENC("<header><iv>MTIzNDU2Nzg5MDEy</iv></header>", ""), "sender");
    expect_encrypted_error(ENC("<header sid='x'><iv>MTIzNDU2Nzg5MDEy</iv></header>", ""), "sender");
    expect_encrypted_error(ENC("<header sid='1'><iv>MTIz</iv></header>", ""), "IV");
    expect_encrypted_error(ENC("<header sid='1'></header>", ""), "IV");
    expect_encrypted_error(
        ENC("<header sid='1'><iv>MTIzNDU2Nzg5MDEy</iv></header>", "<payload>!!</payload>"),
        "payload");
    /* Key transport: no payload; prekey='1' is true, 'false' is false; bad keys skipped. */
    xmpp_stanza_t *st = parse(ENC("<header sid='1'><key rid='5' prekey='1'>azE=</key>"
                                  "<key rid='6' prekey='false'>azI=</key><key rid='7'>*</key>"
                                  "<key rid='0'>azE=</key><iv>MTIzNDU2Nzg5MDEyMzQ1Ng==</iv>"
                                  "</header>",
                                  ""));
    char *err = NULL;
    nx_omemo_encrypted *e = nx_omemo_parse_encrypted(st, &err);
    assert_non_null(e);
    assert_null(e->payload);
    assert_int_equal(g_bytes_get_size(e->iv), 16);
    assert_int_equal(e->keys->len, 2);
    assert_true(((nx_omemo_key *)g_ptr_array_index(e->keys, 0))->prekey);
    assert_false(((nx_omemo_key *)g_ptr_array_index(e->keys, 1))->prekey);
    nx_omemo_encrypted_free(e);
    xmpp_stanza_release(st);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ph_setup, ph_teardown)
    const struct CMUnitTest tests[] = {
        T(test_base64_strict),
        T(test_devicelist),
        T(test_devicelist_flood_is_cut),
        T(test_bundle_round_trip_starts_a_session),
        T(test_bad_bundles),
        T(test_encrypted_round_trip),
        T(test_encrypted_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

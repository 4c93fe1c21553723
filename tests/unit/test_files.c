/* test_files.c - safe names for received files and aesgcm:// links
 * (src/files/names.c, src/files/aesgcm.c). The cipher is checked against a
 * vector made by an independent implementation (Python's cryptography). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files/aesgcm.h"
#include "files/names.h"
#include "fixture.h"

static void expect_name(const char *raw, const char *want)
{
    char *got = files_safe_name(raw);
    assert_string_equal(got, want);
    g_free(got);
}

static void expect_url_name(const char *url, const char *want)
{
    char *got = files_name_from_url(url);
    assert_string_equal(got, want);
    g_free(got);
}

static void test_safe_name(void **state)
{
    expect_name("cat.png", "cat.png");
    expect_name("../x", "x");
    expect_name("../../.bashrc", "bashrc");
    expect_name(".profile", "profile");
    expect_name("/etc/passwd", "passwd");
    expect_name("C:\\Windows\\evil.exe", "evil.exe");
    expect_name("..", "download");
    expect_name("", "download");
    expect_name(NULL, "download");
    expect_name("dir/", "download");
    expect_name("-rf", "rf");
    expect_name(" . hidden . ", "hidden");
    expect_name("\x1b[31mred\x1b]0;title\x07.txt", "_[31mred_]0;title_.txt");
    expect_name("tab\there", "tab_here");
    expect_name("c1\xc2\x9b"
                "x",
                "c1_x"); /* U+009B, the 8-bit CSI */
    expect_name("gpj.\xe2\x80\xae"
                "exe",
                "gpj._exe"); /* RIGHT-TO-LEFT OVERRIDE */
    expect_name("caf\xc3\xa9"
                ".txt",
                "caf\xc3\xa9"
                ".txt");
    expect_name("bad\xff"
                " utf8",
                "bad\xef\xbf\xbd"
                " utf8"); /* made valid */
}

static void test_long_name_keeps_extension(void **state)
{
    char *stem = g_strnfill(300, 'a');
    char *raw = g_strconcat(stem, ".pdf", NULL);
    char *got = files_safe_name(raw);
    assert_int_equal(strlen(got), FILES_NAME_MAX);
    assert_true(g_str_has_suffix(got, ".pdf"));
    g_free(got);
    g_free(raw);
    g_free(stem);
    /* Never cut inside a character. */
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 150; i++)
        g_string_append(s, "\xc3\xa9");
    got = files_safe_name(s->str);
    assert_true(strlen(got) <= FILES_NAME_MAX);
    assert_true(g_utf8_validate(got, -1, NULL));
    g_free(got);
    g_string_free(s, TRUE);
}

static void test_name_from_url(void **state)
{
    expect_url_name("https://h.example/share/abc/cat%20photo.png", "cat photo.png");
    expect_url_name("https://h.example/share/abc/..%2f..%2f.bashrc", "bashrc");
    expect_url_name("https://h.example/share/abc/..%2F..%5C.bashrc", "bashrc");
    expect_url_name("https://h.example/share/abc/%2Fetc%2Fpasswd", "passwd");
    expect_url_name("https://h.example/share/abc/a%00b", "a_b");
    expect_url_name("https://h.example/share/abc/%1b%5b31mx", "_[31mx");
    expect_url_name("https://h.example/share/abc/%252f", "%2f"); /* decoded once */
    expect_url_name("https://h.example/f.txt?x=/y#/z", "f.txt");
    expect_url_name("aesgcm://h.example/s/doc.pdf#00ff", "doc.pdf");
    expect_url_name("https://h.example", "download");
    expect_url_name("https://h.example/%", "%");
}

static void test_numbered_name(void **state)
{
    char *a = files_numbered_name("cat.png", 0), *b = files_numbered_name("cat.png", 1),
         *c = files_numbered_name("README", 2), *d = files_numbered_name("x.tar.gz", 3);
    assert_string_equal(a, "cat.png");
    assert_string_equal(b, "cat (1).png");
    assert_string_equal(c, "README (2)");
    assert_string_equal(d, "x.tar (3).gz");
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
}

static void expect_link(const char *text, const char *want)
{
    char *got = files_link_of(text);
    if (want) {
        assert_non_null(got);
        assert_string_equal(got, want);
    } else {
        assert_null(got);
    }
    g_free(got);
}

static void test_link_of(void **state)
{
    expect_link("https://h.example/s/a.png", "https://h.example/s/a.png");
    expect_link("  https://h.example/s/a.png\n", "https://h.example/s/a.png");
    expect_link("aesgcm://h.example/s/a.png#00", "aesgcm://h.example/s/a.png#00");
    expect_link("HTTPS://h.example/s/a.png", "HTTPS://h.example/s/a.png");
    expect_link("look: https://h.example/s/a.png", NULL);
    expect_link("https://h.example/s/a.png and more", NULL);
    expect_link("http://h.example/s/a.png", NULL);
    expect_link("https://h.example", NULL);
    expect_link("https://h.example/", NULL);
    expect_link("https:///a", NULL);
    expect_link("file:///etc/passwd", NULL);
    expect_link("", NULL);
    expect_link(NULL, NULL);
}

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define IV12_HEX "6465666768696a6b6c6d6e6f"

static void expect_bad_fragment(const char *frag, const char *why)
{
    aesgcm_key k = {.iv_len = 99};
    char *err = NULL;
    assert_false(aesgcm_parse_fragment(frag, &k, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, why));
    assert_int_equal(k.iv_len, 99); /* untouched */
    g_free(err);
}

static void test_fragment(void **state)
{
    aesgcm_key k;
    char *err = NULL;
    assert_true(aesgcm_parse_fragment(IV12_HEX KEY_HEX, &k, &err));
    assert_int_equal(k.iv_len, 12);
    assert_int_equal(k.iv[0], 0x64);
    assert_int_equal(k.key[31], 0x1f);
    assert_true(aesgcm_parse_fragment("C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7" KEY_HEX, &k, &err));
    assert_int_equal(k.iv_len, 16);
    assert_int_equal(k.iv[0], 0xc8);
    assert_null(err);

    expect_bad_fragment("", "empty");
    expect_bad_fragment(NULL, "empty");
    expect_bad_fragment(KEY_HEX, "64 hex digits");                   /* no IV */
    expect_bad_fragment(IV12_HEX KEY_HEX "0", "89 hex digits");      /* one too many */
    expect_bad_fragment(IV12_HEX KEY_HEX "00", "90 hex digits");     /* neither 12 nor 16 */
    expect_bad_fragment("6465666768696a6b6c6d6e" KEY_HEX, "86 hex"); /* 11-byte IV */
    expect_bad_fragment("zz65666768696a6b6c6d6e6f" KEY_HEX, "not hexadecimal");
    expect_bad_fragment(IV12_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
                        "not hexadecimal");
    expect_bad_fragment(IV12_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e 1",
                        "not hexadecimal");
}

static void test_link(void **state)
{
    aesgcm_key k;
    char *url = NULL, *err = NULL;
    assert_true(
        aesgcm_parse_link("aesgcm://h.example:5281/s/a%20b.png#" IV12_HEX KEY_HEX, &url, &k, &err));
    assert_string_equal(url, "https://h.example:5281/s/a%20b.png");
    char *back = aesgcm_link(url, &k);
    assert_string_equal(back, "aesgcm://h.example:5281/s/a%20b.png#" IV12_HEX KEY_HEX);
    g_free(back);
    g_free(url);
    url = NULL;
    assert_false(aesgcm_parse_link("aesgcm://h.example/s/a.png", &url, &k, &err));
    assert_non_null(strstr(err, "no fragment"));
    g_clear_pointer(&err, g_free);
    assert_false(aesgcm_parse_link("aesgcm://h.example/s/a.png#", &url, &k, &err));
    assert_non_null(strstr(err, "empty"));
    g_clear_pointer(&err, g_free);
    assert_false(aesgcm_parse_link("https://h.example/s/a.png#" IV12_HEX KEY_HEX, &url, &k, &err));
    g_clear_pointer(&err, g_free);
    assert_null(url);
}

static uint8_t *unhex(const char *hex, size_t *len)
{
    *len = strlen(hex) / 2;
    uint8_t *b = g_malloc(*len + 1);
    for (size_t i = 0; i < *len; i++)
        sscanf(hex + 2 * i, "%2hhx", &b[i]);
    return b;
}

/* Decrypt CT with K feeding STEP bytes at a time; returns what was written
 * to the file, or NULL when the tag did not match. */
static char *decrypt_in_steps(const char *dir, const aesgcm_key *k, const uint8_t *ct, size_t len,
                              size_t step)
{
    char *path = g_build_filename(dir, "plain", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    aesgcm_dec *d = aesgcm_dec_new(k, fd);
    assert_non_null(d);
    for (size_t off = 0; off < len; off += step)
        assert_true(aesgcm_dec_feed(d, ct + off, off + step > len ? len - off : step));
    char *err = NULL;
    bool ok = aesgcm_dec_finish(d, &err);
    aesgcm_dec_free(d);
    close(fd);
    char *text = ok ? fx_read_text(path) : NULL;
    if (!ok) {
        assert_non_null(err);
        g_free(err);
    }
    unlink(path);
    g_free(path);
    return text;
}

/* Python: AESGCM(bytes(range(32))).encrypt(bytes(range(100, 112)), PT, None) */
static const char vector_pt[] =
    "natter aesgcm test vector, longer than one block of sixteen bytes.";
static const char vector_ct[] =
    "267aaa121c9b76ff5b11388bb7451e9831b6267cee0f871dd5fd8c2494cdc22de6c934a82d7cbb6b9396585d912d"
    "a9a43b34fec75323395c9f94c2f68df8d1ef7ba252b5fe95e5a002f2ae5b1a5a0826f56d";

static void test_decrypt_vector(void **state)
{
    aesgcm_key k;
    char *err = NULL;
    assert_true(aesgcm_parse_fragment(IV12_HEX KEY_HEX, &k, &err));
    size_t len;
    uint8_t *ct = unhex(vector_ct, &len);
    assert_int_equal(len, strlen(vector_pt) + AESGCM_TAG_LEN);
    /* Whatever the pieces the network hands over, the same plaintext. */
    size_t steps[] = {1, 3, 15, 16, 17, 40, len};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        char *plain = decrypt_in_steps(*state, &k, ct, len, steps[i]);
        assert_non_null(plain);
        assert_string_equal(plain, vector_pt);
        g_free(plain);
    }
    /* One flipped bit anywhere (text or tag) is refused. */
    ct[5] ^= 1;
    assert_null(decrypt_in_steps(*state, &k, ct, len, 7));
    ct[5] ^= 1;
    ct[len - 1] ^= 0x80;
    assert_null(decrypt_in_steps(*state, &k, ct, len, 7));
    ct[len - 1] ^= 0x80;
    /* Too short to hold a tag. */
    assert_null(decrypt_in_steps(*state, &k, ct, 15, 4));
    g_free(ct);

    /* A 16-byte IV (older clients). */
    assert_true(aesgcm_parse_fragment("c8c9cacbcccdcecfd0d1d2d3d4d5d6d7" KEY_HEX, &k, &err));
    ct = unhex("57417755f358e0d0ac380e5c9aed88e2b3d1685ec7bfd0996f4afacfe840ee", &len);
    char *plain = decrypt_in_steps(*state, &k, ct, len, 5);
    assert_string_equal(plain, "sixteen-byte iv");
    g_free(plain);
    g_free(ct);
}

static void test_encrypt_matches_vector_and_round_trips(void **state)
{
    aesgcm_key k;
    char *err = NULL;
    assert_true(aesgcm_parse_fragment(IV12_HEX KEY_HEX, &k, &err));
    char *in = g_build_filename(*state, "in", NULL), *out = g_build_filename(*state, "out", NULL);
    fx_write_text(in, vector_pt);
    int ifd = open(in, O_RDONLY), ofd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(aesgcm_encrypt_fd(&k, ifd, ofd, &err));
    close(ifd);
    close(ofd);
    gchar *ct = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(out, &ct, &len, NULL));
    size_t want_len;
    uint8_t *want = unhex(vector_ct, &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(ct, want, len);
    g_free(want);
    g_free(ct);

    /* A fresh key, a file of several chunks, and back. */
    assert_true(aesgcm_new_key(&k, &err));
    assert_int_equal(k.iv_len, 12);
    GString *big = g_string_new(NULL);
    for (int i = 0; i < 200000; i++)
        g_string_append_c(big, (char)('a' + i % 26));
    fx_write_text(in, big->str);
    ifd = open(in, O_RDONLY);
    ofd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(aesgcm_encrypt_fd(&k, ifd, ofd, &err));
    close(ifd);
    close(ofd);
    assert_true(g_file_get_contents(out, &ct, &len, NULL));
    assert_int_equal(len, big->len + AESGCM_TAG_LEN);
    char *plain = decrypt_in_steps(*state, &k, (uint8_t *)ct, len, 16384);
    assert_string_equal(plain, big->str);
    g_free(plain);
    g_free(ct);
    g_string_free(big, TRUE);
    g_free(in);
    g_free(out);
}

/* The streaming encryptor gives the vector's bytes whatever the sizes asked
 * for (curl asks for what fits its buffer), then 0. */
static void test_encrypt_stream(void **state)
{
    aesgcm_key k;
    char *err = NULL;
    assert_true(aesgcm_parse_fragment(IV12_HEX KEY_HEX, &k, &err));
    char *in = g_build_filename(*state, "in", NULL);
    fx_write_text(in, vector_pt);
    size_t want_len;
    uint8_t *want = unhex(vector_ct, &want_len);
    size_t asks[] = {1, 7, 16, 100, 65536};
    for (size_t i = 0; i < G_N_ELEMENTS(asks); i++) {
        int fd = open(in, O_RDONLY);
        aesgcm_enc *e = aesgcm_enc_new(&k, fd);
        assert_non_null(e);
        uint8_t got[256];
        size_t len = 0;
        for (;;) {
            size_t ask = asks[i] < sizeof(got) - len ? asks[i] : sizeof(got) - len;
            ssize_t n = aesgcm_enc_read(e, got + len, ask);
            assert_true(n >= 0);
            if (n == 0)
                break;
            len += (size_t)n;
        }
        assert_int_equal(len, want_len);
        assert_memory_equal(got, want, len);
        aesgcm_enc_free(e);
        close(fd);
    }
    /* A read error is reported, not taken for the end. */
    aesgcm_enc *e = aesgcm_enc_new(&k, -1);
    uint8_t buf[16];
    assert_int_equal(aesgcm_enc_read(e, buf, sizeof(buf)), -1);
    aesgcm_enc_free(e);
    aesgcm_key_wipe(&k);
    g_free(want);
    g_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_name),
        cmocka_unit_test(test_long_name_keeps_extension),
        cmocka_unit_test(test_name_from_url),
        cmocka_unit_test(test_numbered_name),
        cmocka_unit_test(test_link_of),
        cmocka_unit_test(test_fragment),
        cmocka_unit_test(test_link),
        cmocka_unit_test_setup_teardown(test_decrypt_vector, fx_setup_tmpdir, fx_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_encrypt_stream, fx_setup_tmpdir, fx_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_encrypt_matches_vector_and_round_trips,
                                        fx_setup_tmpdir, fx_teardown_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* aesgcm.c - AES-256-GCM for aesgcm:// files (see aesgcm.h), on OpenSSL. */
#include "files/aesgcm.h"

#include <errno.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>

/* Bytes decrypted or encrypted per step. */
#define CHUNK (64 * 1024)

struct aesgcm_dec {
    EVP_CIPHER_CTX *ctx;
    int fd;
    uint8_t tail[AESGCM_TAG_LEN]; /* the last bytes seen: maybe the tag */
    size_t tail_len;
    uint8_t *out;
    size_t out_size;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return true;
}

bool aesgcm_parse_fragment(const char *fragment, aesgcm_key *k, char **err)
{
    size_t len = fragment ? strlen(fragment) : 0;
    if (len == 0) {
        *err = g_strdup("the link has no key (empty fragment)");
        return false;
    }
    size_t iv_len;
    if (len == 2 * (12 + AESGCM_KEY_LEN))
        iv_len = 12;
    else if (len == 2 * (16 + AESGCM_KEY_LEN))
        iv_len = 16;
    else {
        *err = g_strdup_printf("the link's key has %zu hex digits; 88 or 96 expected", len);
        return false;
    }
    aesgcm_key tmp = {.iv_len = iv_len};
    if (!unhex(fragment, tmp.iv, iv_len) ||
        !unhex(fragment + 2 * iv_len, tmp.key, AESGCM_KEY_LEN)) {
        *err = g_strdup("the link's key is not hexadecimal");
        return false;
    }
    *k = tmp;
    return true;
}

bool aesgcm_parse_link(const char *link, char **https_url, aesgcm_key *k, char **err)
{
    if (!link || g_ascii_strncasecmp(link, "aesgcm://", 9) != 0) {
        *err = g_strdup("not an aesgcm:// link");
        return false;
    }
    const char *hash = strchr(link, '#');
    if (!hash) {
        *err = g_strdup("the link has no key (no fragment)");
        return false;
    }
    if (!aesgcm_parse_fragment(hash + 1, k, err))
        return false;
    *https_url = g_strdup_printf("https://%.*s", (int)(hash - (link + 9)), link + 9);
    return true;
}

bool aesgcm_new_key(aesgcm_key *k, char **err)
{
    k->iv_len = 12;
    if (RAND_bytes(k->key, AESGCM_KEY_LEN) != 1 || RAND_bytes(k->iv, (int)k->iv_len) != 1) {
        *err = g_strdup("no random numbers for a key");
        return false;
    }
    return true;
}

char *aesgcm_link(const char *https_url, const aesgcm_key *k)
{
    const char *rest = https_url;
    if (g_ascii_strncasecmp(rest, "https://", 8) == 0)
        rest += 8;
    GString *s = g_string_new("aesgcm://");
    g_string_append_len(s, rest, (gssize)strcspn(rest, "#"));
    g_string_append_c(s, '#');
    for (size_t i = 0; i < k->iv_len; i++)
        g_string_append_printf(s, "%02x", k->iv[i]);
    for (size_t i = 0; i < AESGCM_KEY_LEN; i++)
        g_string_append_printf(s, "%02x", k->key[i]);
    return g_string_free(s, FALSE);
}

static EVP_CIPHER_CTX *cipher(const aesgcm_key *k, bool encrypt)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return NULL;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)k->iv_len, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, k->key, k->iv, encrypt) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        len -= (size_t)w;
    }
    return true;
}

bool aesgcm_encrypt_fd(const aesgcm_key *k, int in_fd, int out_fd, char **err)
{
    EVP_CIPHER_CTX *ctx = cipher(k, true);
    if (!ctx) {
        *err = g_strdup("cannot set up AES-256-GCM");
        return false;
    }
    uint8_t *in = g_malloc(CHUNK), *out = g_malloc(CHUNK + AESGCM_TAG_LEN);
    bool ok = true;
    for (;;) {
        ssize_t got = read(in_fd, in, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *err = g_strdup_printf("cannot read the file (%s)", g_strerror(errno));
            ok = false;
            break;
        }
        if (got == 0)
            break;
        int n = 0;
        if (EVP_EncryptUpdate(ctx, out, &n, in, (int)got) != 1) {
            *err = g_strdup("encryption failed");
            ok = false;
            break;
        }
        if (!write_all(out_fd, out, (size_t)n)) {
            *err = g_strdup_printf("cannot write the encrypted file (%s)", g_strerror(errno));
            ok = false;
            break;
        }
    }
    int n = 0;
    if (ok && (EVP_EncryptFinal_ex(ctx, out, &n) != 1 ||
               EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AESGCM_TAG_LEN, out + n) != 1)) {
        *err = g_strdup("encryption failed");
        ok = false;
    }
    if (ok && !write_all(out_fd, out, (size_t)n + AESGCM_TAG_LEN)) {
        *err = g_strdup_printf("cannot write the encrypted file (%s)", g_strerror(errno));
        ok = false;
    }
    EVP_CIPHER_CTX_free(ctx);
    g_free(in);
    g_free(out);
    return ok;
}

struct aesgcm_enc {
    EVP_CIPHER_CTX *ctx;
    int fd;
    bool finished;               /* the file was read to its end */
    uint8_t tag[AESGCM_TAG_LEN]; /* computed at the end */
    size_t tag_sent;             /* bytes of TAG handed out */
    uint8_t *in;                 /* one step's plaintext */
};

aesgcm_enc *aesgcm_enc_new(const aesgcm_key *k, int in_fd)
{
    EVP_CIPHER_CTX *ctx = cipher(k, true);
    if (!ctx)
        return NULL;
    aesgcm_enc *e = g_new0(aesgcm_enc, 1);
    e->ctx = ctx;
    e->fd = in_fd;
    e->in = g_malloc(CHUNK);
    return e;
}

ssize_t aesgcm_enc_read(aesgcm_enc *e, void *buf, size_t len)
{
    uint8_t *out = buf;
    if (len == 0)
        return 0;
    if (!e->finished) {
        ssize_t got;
        do
            got = read(e->fd, e->in, len > CHUNK ? CHUNK : len);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return -1;
        if (got > 0) {
            /* GCM is a stream mode: as many bytes out as in. */
            int n = 0;
            if (EVP_EncryptUpdate(e->ctx, out, &n, e->in, (int)got) != 1 || n != got) {
                errno = EINVAL;
                return -1;
            }
            return got;
        }
        int n = 0;
        uint8_t rest[16];
        if (EVP_EncryptFinal_ex(e->ctx, rest, &n) != 1 || n != 0 ||
            EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_GCM_GET_TAG, AESGCM_TAG_LEN, e->tag) != 1) {
            errno = EINVAL;
            return -1;
        }
        e->finished = true;
    }
    size_t left = AESGCM_TAG_LEN - e->tag_sent;
    size_t n = left < len ? left : len;
    memcpy(out, e->tag + e->tag_sent, n);
    e->tag_sent += n;
    return (ssize_t)n;
}

void aesgcm_enc_free(aesgcm_enc *e)
{
    if (!e)
        return;
    EVP_CIPHER_CTX_free(e->ctx);
    OPENSSL_cleanse(e->in, CHUNK);
    g_free(e->in);
    g_free(e);
}

void aesgcm_key_wipe(aesgcm_key *k)
{
    OPENSSL_cleanse(k, sizeof(*k));
}

aesgcm_dec *aesgcm_dec_new(const aesgcm_key *k, int out_fd)
{
    EVP_CIPHER_CTX *ctx = cipher(k, false);
    if (!ctx)
        return NULL;
    aesgcm_dec *d = g_new0(aesgcm_dec, 1);
    d->ctx = ctx;
    d->fd = out_fd;
    return d;
}

/* Decrypt LEN bytes of ciphertext at IN and write them out. */
static bool decrypt(aesgcm_dec *d, const uint8_t *in, size_t len)
{
    while (len > 0) {
        size_t step = len > CHUNK ? CHUNK : len;
        if (d->out_size < step) {
            d->out = g_realloc(d->out, step);
            d->out_size = step;
        }
        int n = 0;
        if (EVP_DecryptUpdate(d->ctx, d->out, &n, in, (int)step) != 1) {
            errno = EINVAL;
            return false;
        }
        if (!write_all(d->fd, d->out, (size_t)n))
            return false;
        in += step;
        len -= step;
    }
    return true;
}

bool aesgcm_dec_feed(aesgcm_dec *d, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    size_t total = d->tail_len + len;
    if (total <= AESGCM_TAG_LEN) {
        memcpy(d->tail + d->tail_len, b, len);
        d->tail_len = total;
        return true;
    }
    /* Everything but the last AESGCM_TAG_LEN bytes is ciphertext. */
    size_t cipher_len = total - AESGCM_TAG_LEN;
    size_t from_tail = cipher_len < d->tail_len ? cipher_len : d->tail_len;
    if (!decrypt(d, d->tail, from_tail))
        return false;
    size_t from_buf = cipher_len - from_tail;
    if (!decrypt(d, b, from_buf))
        return false;
    /* The new tail: what is left of the old one, then the rest of BUF. */
    memmove(d->tail, d->tail + from_tail, d->tail_len - from_tail);
    d->tail_len -= from_tail;
    memcpy(d->tail + d->tail_len, b + from_buf, len - from_buf);
    d->tail_len += len - from_buf;
    return true;
}

bool aesgcm_dec_finish(aesgcm_dec *d, char **err)
{
    if (d->tail_len < AESGCM_TAG_LEN) {
        *err = g_strdup("the encrypted file is too short to hold its tag");
        return false;
    }
    uint8_t last[16];
    int n = 0;
    if (EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_GCM_SET_TAG, AESGCM_TAG_LEN, d->tail) != 1 ||
        EVP_DecryptFinal_ex(d->ctx, last, &n) != 1) {
        *err = g_strdup("the file does not match its key (wrong key or altered in transit)");
        return false;
    }
    return true;
}

void aesgcm_dec_free(aesgcm_dec *d)
{
    if (!d)
        return;
    EVP_CIPHER_CTX_free(d->ctx);
    g_free(d->out);
    g_free(d);
}

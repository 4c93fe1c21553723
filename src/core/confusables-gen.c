/* confusables-gen.c - writes the confusable prototypes of UTS #39 as a C
 * table (src/core/confusables.inc, made by make), read from ICU once at
 * build time so that natter itself does not load ICU (some 4 MB of
 * resident memory with the C++ runtime) to compare names.
 *
 * For every code point that is its own NFD (what is left after the
 * decomposition that starts a skeleton), the skeleton ICU gives that one
 * character, when it differs from the character. core/unichar.c builds a
 * string's skeleton as UTS #39 defines it: NFD, each character replaced by
 * its prototype, NFD again. */
#include <stdio.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

int main(void)
{
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&status);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
    if (U_FAILURE(status)) {
        fprintf(stderr, "confusables-gen: ICU: %s\n", u_errorName(status));
        return 1;
    }
    /* Two passes: the code points with where their prototype starts in
     * one pool of UTF-8 (offsets, not pointers: nothing to relocate). */
    static char pool[1 << 16];
    size_t pool_len = 0;
    printf("/* Made by confusables-gen from ICU %s (Unicode %s): do not edit. */\n", U_ICU_VERSION,
           U_UNICODE_VERSION);
    printf("static const confusable confusables[] = {\n");
    unsigned n = 0;
    for (UChar32 c = 0; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        UChar u[2];
        int32_t ulen = 0;
        U16_APPEND_UNSAFE(u, ulen, c);
        status = U_ZERO_ERROR;
        if (!unorm2_isNormalized(nfd, u, ulen, &status) || U_FAILURE(status))
            continue;
        char in[8];
        int32_t ilen = 0;
        U8_APPEND_UNSAFE(in, ilen, c);
        char out[256];
        status = U_ZERO_ERROR;
        int32_t olen = uspoof_getSkeletonUTF8(sc, 0, in, ilen, out, sizeof out - 1, &status);
        if (U_FAILURE(status) || olen > 255 || pool_len + (size_t)olen > sizeof pool) {
            fprintf(stderr, "confusables-gen: U+%04X: %s\n", (unsigned)c, u_errorName(status));
            return 1;
        }
        if (olen == ilen && memcmp(in, out, (size_t)ilen) == 0)
            continue;
        printf("    {0x%04X, %zu, %d},\n", (unsigned)c, pool_len, (int)olen);
        memcpy(pool + pool_len, out, (size_t)olen);
        pool_len += (size_t)olen;
        n++;
    }
    printf("};\n");
    printf("static const char confusable_pool[] =");
    for (size_t i = 0; i < pool_len; i++) {
        if (i % 16 == 0)
            printf("\n    \"");
        printf("\\x%02x", (unsigned char)pool[i]);
        if (i % 16 == 15 || i + 1 == pool_len)
            printf("\"");
    }
    printf(";\n");
    uspoof_close(sc);
    fprintf(stderr, "confusables-gen: %u prototypes\n", n);
    return 0;
}

/* utf8.c - byte-level helpers for UTF-8 text (see utf8.h). */
#include "core/utf8.h"

/* Bytes of the character starting at S (0 at the end of the string): its
 * lead byte and the continuation bytes that follow it. A byte that is not
 * UTF-8 counts as a character of its own. */
static size_t char_bytes(const unsigned char *s)
{
    if (!*s)
        return 0;
    size_t want = *s >= 0xF0 && *s <= 0xF7   ? 4
                  : *s >= 0xE0 && *s <= 0xEF ? 3
                  : *s >= 0xC0 && *s <= 0xDF ? 2
                                             : 1;
    size_t len = 1;
    while (len < want && (s[len] & 0xC0) == 0x80)
        len++;
    return len;
}

size_t utf8_common_prefix(char *const *strs, size_t n)
{
    if (n == 0)
        return 0;
    const unsigned char *first = (const unsigned char *)strs[0];
    size_t common = 0;
    for (;;) {
        size_t len = char_bytes(first + common);
        if (len == 0)
            return common;
        /* Every string must have the whole character; a byte that differs
         * (the end of a shorter string too) stops the comparison there. */
        for (size_t i = 1; i < n; i++) {
            const unsigned char *s = (const unsigned char *)strs[i] + common;
            for (size_t k = 0; k < len; k++)
                if (s[k] != first[common + k])
                    return common;
        }
        common += len;
    }
}

/* utf8.c - byte-level helpers for UTF-8 text (see utf8.h). */
#include "core/utf8.h"

#include <string.h>

size_t utf8_common_prefix(char *const *strs, size_t n)
{
    if (n == 0)
        return 0;
    size_t common = strlen(strs[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;
        while (k < common && strs[i][k] == strs[0][k])
            k++;
        common = k;
    }
    return common;
}

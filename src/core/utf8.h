/* utf8.h - byte-level helpers for UTF-8 text. */
#ifndef NATTER_CORE_UTF8_H
#define NATTER_CORE_UTF8_H

#include <stddef.h>

/* Length in bytes of the longest prefix shared by the N strings STRS (for
 * tab completion: what every candidate starts with), made of whole UTF-8
 * characters: two letters whose encodings begin alike (é C3 A9, è C3 A8)
 * are not cut. 0 when N is 0. */
size_t utf8_common_prefix(char *const *strs, size_t n);

#endif

/* json.h - writing JSON text for scripts (the remote event stream). */
#ifndef NATTER_CORE_JSON_H
#define NATTER_CORE_JSON_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Append S to OUT as a JSON string, or null when S is NULL. The result is
 * plain printable ASCII-safe JSON: bytes that are not valid UTF-8 become
 * U+FFFD, and every control character (C0, DEL, C1) as well as the line and
 * paragraph separators U+2028/U+2029 is written as a \uXXXX escape, so no
 * terminal escape sequence ever passes through raw. */
void json_append_string(GString *out, const char *s);

/* Append ,"KEY":VALUE to OUT (the leading comma only when OUT does not end
 * with '{'). String values are escaped with json_append_string; a NULL
 * string is left out entirely. */
void json_add_string(GString *out, const char *key, const char *value);
void json_add_int(GString *out, const char *key, int64_t value);
void json_add_bool(GString *out, const char *key, bool value);

/* Append ,"KEY":["S0","S1",...] with the N strings of STRS (NULL ones are
 * left out), each escaped with json_append_string. */
void json_add_string_array(GString *out, const char *key, const char *const *strs, unsigned n);

/* Append ,"KEY":{ to start a nested object: its members follow with the
 * json_add_* calls, then the caller appends the closing '}'. */
void json_open_object(GString *out, const char *key);

#endif

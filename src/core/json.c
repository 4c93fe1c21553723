/* json.c - JSON strings and members for scripts (see json.h). */
#include "core/json.h"

#include <string.h>

void json_append_string(GString *out, const char *s)
{
    if (!s) {
        g_string_append(out, "null");
        return;
    }
    g_string_append_c(out, '"');
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append(out, "\\ufffd"); /* one replacement per bad byte */
            p++;
            continue;
        }
        const char *next = g_utf8_next_char(p);
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
                g_string_append_printf(out, "\\u%04x", (unsigned)c);
            else
                g_string_append_len(out, p, next - p);
        }
        p = next;
    }
    g_string_append_c(out, '"');
}

static void key(GString *out, const char *k)
{
    if (out->len && out->str[out->len - 1] != '{')
        g_string_append_c(out, ',');
    json_append_string(out, k);
    g_string_append_c(out, ':');
}

void json_add_string(GString *out, const char *k, const char *value)
{
    if (!value)
        return;
    key(out, k);
    json_append_string(out, value);
}

void json_add_int(GString *out, const char *k, int64_t value)
{
    key(out, k);
    g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)value);
}

void json_add_bool(GString *out, const char *k, bool value)
{
    key(out, k);
    g_string_append(out, value ? "true" : "false");
}

void json_add_string_array(GString *out, const char *k, const char *const *strs, unsigned n)
{
    key(out, k);
    g_string_append_c(out, '[');
    bool first = true;
    for (unsigned i = 0; i < n; i++) {
        if (!strs[i])
            continue;
        if (!first)
            g_string_append_c(out, ',');
        json_append_string(out, strs[i]);
        first = false;
    }
    g_string_append_c(out, ']');
}

void json_open_object(GString *out, const char *k)
{
    key(out, k);
    g_string_append_c(out, '{');
}

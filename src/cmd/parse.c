/* parse.c - command line splitting. */
#include "cmd/parse.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool parse_command(const char *line, char **name, const char **args)
{
    if (!line || line[0] != '/' || line[1] == '/' || line[1] == '\0' || is_blank(line[1]))
        return false;
    const char *p = line + 1;
    const char *e = p;
    while (*e && !is_blank(*e) && *e != '\n')
        e++;
    *name = g_ascii_strdown(p, e - p);
    while (is_blank(*e))
        e++;
    *args = e;
    return true;
}

bool parse_words(const char *args, int max, char ***words, int *count, char **err)
{
    GPtrArray *out = g_ptr_array_new();
    const char *p = args ? args : "";
    while (true) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        if (max > 0 && (int)out->len == max - 1) {
            g_ptr_array_add(out, g_strdup(p));
            break;
        }
        GString *w = g_string_new(NULL);
        if (*p == '"') {
            p++;
            bool closed = false;
            while (*p) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    g_string_append_c(w, p[1]);
                    p += 2;
                } else if (*p == '"') {
                    closed = true;
                    p++;
                    break;
                } else {
                    g_string_append_c(w, *p++);
                }
            }
            if (!closed) {
                g_string_free(w, TRUE);
                g_ptr_array_set_free_func(out, g_free);
                g_ptr_array_free(out, TRUE);
                *err = g_strdup("unterminated quote");
                return false;
            }
        } else {
            while (*p && !is_blank(*p))
                g_string_append_c(w, *p++);
        }
        g_ptr_array_add(out, g_string_free(w, FALSE));
    }
    *count = (int)out->len;
    g_ptr_array_add(out, NULL);
    *words = (char **)g_ptr_array_free(out, FALSE);
    return true;
}

char *parse_unquote(const char *text)
{
    const char *p = text;
    while (is_blank(*p))
        p++;
    if (*p != '"')
        return NULL;
    char **w;
    int n;
    char *err = NULL;
    if (!parse_words(p, 0, &w, &n, &err)) {
        g_free(err);
        return NULL;
    }
    char *out = n == 1 ? g_strdup(w[0]) : NULL;
    g_strfreev(w);
    return out;
}

bool parse_options(char **words, int count, int from, const char *const *keys, const char **values,
                   char **err)
{
    int nkeys = 0;
    while (keys[nkeys])
        values[nkeys++] = NULL;
    for (int i = from; i < count; i += 2) {
        int k = 0;
        while (k < nkeys && g_ascii_strcasecmp(words[i], keys[k]) != 0)
            k++;
        if (k == nkeys) {
            GString *s = g_string_new(NULL);
            for (int j = 0; j < nkeys; j++)
                g_string_append_printf(s, "%s%s", j ? ", " : "", keys[j]);
            *err = g_strdup_printf("unknown option '%s' (expected %s)", words[i], s->str);
            g_string_free(s, TRUE);
            return false;
        }
        if (values[k]) {
            *err = g_strdup_printf("option '%s' given twice", keys[k]);
            return false;
        }
        if (i + 1 >= count) {
            *err = g_strdup_printf("option '%s' needs a value", keys[k]);
            return false;
        }
        values[k] = words[i + 1];
    }
    return true;
}

bool parse_int(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

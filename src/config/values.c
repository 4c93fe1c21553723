/* values.c - checks and parsers shared by the settings and accounts files. */
#include "config/values.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

bool config_has_control(const char *s)
{
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
            return true;
    }
    return false;
}

bool config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"on", "true", "yes", "1"};
    static const char *const no[] = {"off", "false", "no", "0"};
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (g_ascii_strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_hhmm(const char *s, int *min)
{
    int h, m;
    char tail;
    if (strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 ||
        m > 59 || !g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[3]))
        return false;
    *min = h * 60 + m;
    return true;
}

bool config_parse_time_range(const char *s, int *from_min, int *to_min, bool *enabled)
{
    *enabled = false;
    if (!s || !*s)
        return true;
    char **parts = g_strsplit(s, "-", -1);
    bool ok = g_strv_length(parts) == 2 && parse_hhmm(g_strstrip(parts[0]), from_min) &&
              parse_hhmm(g_strstrip(parts[1]), to_min) && *from_min != *to_min;
    g_strfreev(parts);
    *enabled = ok;
    return ok;
}

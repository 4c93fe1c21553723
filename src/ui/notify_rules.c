/* notify_rules.c - notification rules (see notify_rules.h). */
#include "ui/notify_rules.h"

#include <glib.h>
#include <string.h>

static const char *const names[] = {"all", "mentions", "none", "default"};

bool notify_level_parse(const char *s, notify_level *out)
{
    for (unsigned i = 0; s && i < G_N_ELEMENTS(names); i++) {
        if (!g_ascii_strcasecmp(s, names[i])) {
            *out = (notify_level)i;
            return true;
        }
    }
    return false;
}

const char *notify_level_name(notify_level l)
{
    return (unsigned)l < G_N_ELEMENTS(names) ? names[l] : "default";
}

bool notify_in_quiet(int minute, int from_min, int to_min)
{
    if (from_min < to_min)
        return minute >= from_min && minute < to_min;
    return minute >= from_min || minute < to_min; /* across midnight */
}

bool notify_mentions(const char *body, const char *nick)
{
    if (!body || !nick || !*nick)
        return false;
    char *b = g_utf8_casefold(body, -1), *n = g_utf8_casefold(nick, -1);
    bool found = false;
    size_t nl = strlen(n);
    for (const char *p = strstr(b, n); p && !found; p = strstr(p + 1, n)) {
        gunichar before = p > b ? g_utf8_get_char(g_utf8_prev_char(p)) : ' ';
        gunichar after = p[nl] ? g_utf8_get_char(p + nl) : ' ';
        found = !g_unichar_isalnum(before) && !g_unichar_isalnum(after) && before != '_' &&
                after != '_';
    }
    g_free(b);
    g_free(n);
    return found;
}

bool notify_decide(const notify_input *in)
{
    if (in->seen || in->quiet)
        return false;
    notify_level l = in->window == NOTIFY_DEFAULT ? in->global : in->window;
    if (in->room && in->window == NOTIFY_DEFAULT && l == NOTIFY_ALL)
        l = NOTIFY_MENTIONS;
    switch (l) {
    case NOTIFY_ALL:
        return true;
    case NOTIFY_MENTIONS:
        return in->mention;
    default:
        return false;
    }
}

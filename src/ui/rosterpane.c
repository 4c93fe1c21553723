/* rosterpane.c - the contact list beside chats: grouped, with presence;
 * groups can be collapsed to one row and a filter narrows the list.
 * Only the rows that fit are drawn; a roster of thousands costs one sorted
 * walk, cached by the model until the roster changes. */
#include "ui/rosterpane.h"

#include <string.h>

#include "config/settings.h"
#include "model/roster.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "ui/textwidth.h"
#include "ui/theme.h"

char ui_presence_mark(presence_show s)
{
    switch (s) {
    case PRESENCE_CHAT:
    case PRESENCE_ONLINE:
        return '+';
    case PRESENCE_AWAY:
        return '~';
    case PRESENCE_XA:
        return '-';
    case PRESENCE_DND:
        return '!';
    default:
        return ' ';
    }
}

int ui_presence_attr(presence_show s)
{
    switch (s) {
    case PRESENCE_CHAT:
    case PRESENCE_ONLINE:
        return theme_attr(THEME_ROSTER_ONLINE);
    case PRESENCE_AWAY:
    case PRESENCE_XA:
        return theme_attr(THEME_ROSTER_AWAY);
    case PRESENCE_DND:
        return theme_attr(THEME_ROSTER_DND);
    default:
        return theme_attr(THEME_ROSTER_OFFLINE);
    }
}

void ui_pane_row(WINDOW *w, int y, int x, int width, int attr, const char *text)
{
    char *safe = sanitize_text(text, -1, SANITIZE_EXPAND_TAB);
    size_t n = textwidth_fit(safe, width, NULL);
    wattrset(w, attr);
    mvwaddnstr(w, y, x, safe, (int)n);
    wattrset(w, 0);
    g_free(safe);
}

static GHashTable *collapsed; /* casefolded group names */
static char *pane_filter;     /* casefolded, or NULL */

#define GENERAL "General"

static const char *group_of(const roster_contact *c)
{
    return c->groups[0] ? c->groups[0] : GENERAL;
}

void rosterpane_set_filter(const char *text)
{
    g_free(pane_filter);
    pane_filter = text && *text ? g_utf8_casefold(text, -1) : NULL;
    ui_dirty(DIRTY_ROSTER);
}

const char *rosterpane_filter(void)
{
    return pane_filter;
}

bool rosterpane_collapse(const char *group, bool collapse, char **err)
{
    char *want = g_utf8_casefold(group, -1);
    GPtrArray *all = roster_sorted();
    bool found = false;
    for (guint i = 0; i < all->len && !found; i++) {
        char *g = g_utf8_casefold(group_of(g_ptr_array_index(all, i)), -1);
        found = !strcmp(g, want);
        g_free(g);
    }
    if (!found) {
        *err = g_strdup_printf("no contact is in the group '%s'", group);
        g_free(want);
        return false;
    }
    if (!collapsed)
        collapsed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (collapse)
        g_hash_table_add(collapsed, want);
    else {
        g_hash_table_remove(collapsed, want);
        g_free(want);
    }
    ui_dirty(DIRTY_ROSTER);
    return true;
}

static bool is_collapsed(const char *group)
{
    if (!collapsed || pane_filter)
        return false;
    char *g = g_utf8_casefold(group, -1);
    bool r = g_hash_table_contains(collapsed, g);
    g_free(g);
    return r;
}

static bool matches(const roster_contact *c)
{
    if (!pane_filter)
        return true;
    char *jid = g_utf8_casefold(c->jid, -1);
    char *name = c->name ? g_utf8_casefold(c->name, -1) : NULL;
    bool r = strstr(jid, pane_filter) || (name && strstr(name, pane_filter));
    g_free(jid);
    g_free(name);
    return r;
}

/* The header row of GROUP: collapsed ones say how many are online. */
static void draw_group(WINDOW *w, int y, int x, int width, GPtrArray *all, guint from,
                       const char *group, bool offline)
{
    if (!is_collapsed(group)) {
        ui_pane_row(w, y, x, width, theme_attr(THEME_ROSTER_GROUP), group);
        return;
    }
    guint on = 0, n = 0;
    for (guint i = from; i < all->len; i++) {
        roster_contact *c = g_ptr_array_index(all, i);
        if (strcmp(group_of(c), group) != 0)
            break;
        if (!offline && c->show == PRESENCE_OFFLINE)
            continue;
        n++;
        on += c->show != PRESENCE_OFFLINE;
    }
    char *row = g_strdup_printf("%s [%u/%u]", group, on, n);
    ui_pane_row(w, y, x, width, theme_attr(THEME_ROSTER_GROUP), row);
    g_free(row);
}

void rosterpane_draw(void)
{
    WINDOW *w = ui_lay.roster;
    bool left = strcmp(settings_get("roster_side"), "left") == 0;
    int x = left ? 0 : 1, width = ui_lay.roster_w, h = ui_lay.main_h;
    bool offline = settings_get_bool("roster_show_offline");
    GPtrArray *all = roster_sorted();
    guint online = 0;
    for (guint i = 0; i < all->len; i++)
        if (((roster_contact *)g_ptr_array_index(all, i))->show != PRESENCE_OFFLINE)
            online++;
    char *head = pane_filter ? g_strdup_printf("Roster ~%s", pane_filter)
                             : g_strdup_printf("Roster %u/%u", online, all->len);
    ui_pane_row(w, 0, x, width, theme_attr(THEME_ROSTER_GROUP) | A_UNDERLINE, head);
    g_free(head);
    int y = 1;
    const char *group = NULL;
    bool first = true;
    guint shown = 0;
    for (guint i = 0; i < all->len && y < h; i++) {
        roster_contact *c = g_ptr_array_index(all, i);
        if (!offline && c->show == PRESENCE_OFFLINE)
            continue;
        if (!matches(c))
            continue;
        const char *g = group_of(c);
        if (first || g_strcmp0(g, group) != 0) {
            if (y >= h - 1)
                break;
            draw_group(w, y++, x, width, all, i, g, offline);
            group = g;
            first = false;
        }
        if (is_collapsed(g))
            continue;
        char *name = ui_contact_name(c->jid);
        /* Status text after the name, as far as the pane is wide. */
        char *row = g_strdup_printf("%c %s%s%s%s", ui_presence_mark(c->show), name,
                                    c->ask ? " (asked)" : "", c->status ? " - " : "",
                                    c->status ? c->status : "");
        ui_pane_row(w, y++, x, width, ui_presence_attr(c->show), row);
        g_free(row);
        g_free(name);
        shown++;
    }
    if (pane_filter && shown == 0 && y < h)
        ui_pane_row(w, y, x, width, theme_attr(THEME_ROSTER_OFFLINE), "(no contact matches)");
}

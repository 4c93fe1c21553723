/* rosterpane.c - the contact list beside chats: grouped, with presence.
 * Only the rows that fit are drawn; a roster of thousands costs one sorted
 * walk, cached by the model until the roster changes. */
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
    char *clean = sanitize_text(text, -1, SANITIZE_EXPAND_TAB);
    char *safe = textwidth_terminal(clean); /* emoji sequences as drawn */
    g_free(clean);
    size_t n = textwidth_fit(safe, width, NULL);
    wattrset(w, attr);
    mvwaddnstr(w, y, x, safe, (int)n);
    wattrset(w, 0);
    g_free(safe);
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
    char *head = g_strdup_printf("Roster %u/%u", online, all->len);
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
        const char *g = c->groups[0];
        if (first || g_strcmp0(g, group) != 0) {
            if (y >= h - 1)
                break;
            ui_pane_row(w, y++, x, width, theme_attr(THEME_ROSTER_GROUP), g ? g : "General");
            group = g;
            first = false;
        }
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
    (void)shown;
}

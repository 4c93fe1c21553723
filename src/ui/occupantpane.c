/* occupantpane.c - the occupants beside a room window: grouped by role,
 * each with its affiliation mark and presence colour. Only the rows that
 * fit are drawn, walking the model's ordered tree from its start, so a
 * room of thousands costs a screenful per redraw. */
#include <string.h>

#include "config/settings.h"
#include "model/muc.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "ui/theme.h"

static const char *role_heading(muc_role r)
{
    switch (r) {
    case MUC_ROLE_MODERATOR:
        return "Moderators";
    case MUC_ROLE_PARTICIPANT:
        return "Participants";
    case MUC_ROLE_VISITOR:
        return "Visitors";
    default:
        return "Others";
    }
}

static char affiliation_mark(muc_affiliation a)
{
    switch (a) {
    case MUC_AFF_OWNER:
        return '~';
    case MUC_AFF_ADMIN:
        return '&';
    case MUC_AFF_MEMBER:
        return '+';
    default:
        return ' ';
    }
}

void occupantpane_draw(void)
{
    WINDOW *w = ui_lay.roster;
    win_t *cur = win_current();
    muc_room *r = cur->type == WIN_ROOM ? muc_room_find(cur->jid) : NULL;
    if (!w || !r)
        return;
    bool left = strcmp(settings_get("roster_side"), "left") == 0;
    int x = left ? 0 : 1, width = ui_lay.roster_w, h = ui_lay.main_h;
    char *head = g_strdup_printf("Occupants %u", muc_room_count(r));
    ui_pane_row(w, 0, x, width, theme_attr(THEME_ROSTER_GROUP) | A_UNDERLINE, head);
    g_free(head);
    int y = 1;
    int role = -1;
    GSequenceIter *it = g_sequence_get_begin_iter(muc_room_order(r));
    guint shown = 0;
    for (; !g_sequence_iter_is_end(it) && y < h; it = g_sequence_iter_next(it)) {
        muc_occupant *o = g_sequence_get(it);
        if ((int)o->role != role) {
            if (y >= h - 1)
                break;
            char *g = g_strdup_printf("%s (%u)", role_heading(o->role), r->role_count[o->role]);
            ui_pane_row(w, y++, x, width, theme_attr(THEME_ROSTER_GROUP), g);
            g_free(g);
            role = (int)o->role;
        }
        if (y == h - 1 && muc_room_count(r) > shown + 1) {
            char *more = g_strdup_printf("... %u more", muc_room_count(r) - shown);
            ui_pane_row(w, y++, x, width, theme_attr(THEME_ROSTER_GROUP), more);
            g_free(more);
            break;
        }
        char *nick = sanitize_nick(o->nick);
        char *row = g_strdup_printf("%c%s", affiliation_mark(o->affiliation), nick);
        ui_pane_row(w, y++, x, width, ui_presence_attr(o->show), row);
        g_free(row);
        g_free(nick);
        shown++;
    }
}

/* bars.c - the title bar (who, presence, encryption, typing) and the status
 * bar (clock, own presence, window list with activity). */
#include <string.h>
#include <time.h>

#include "e2e/e2e.h"
#include "model/jid.h"
#include "model/conversation.h"
#include "model/muc.h"
#include "model/roster.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "ui/textwidth.h"
#include "ui/theme.h"
#include "xmpp/xmpp.h"

/* Add sanitised TEXT to W, clipped to the columns left on the row. */
static void put_clipped(WINDOW *w, const char *text)
{
    int y, x, maxy, maxx;
    getyx(w, y, x);
    getmaxyx(w, maxy, maxx);
    (void)y;
    (void)maxy;
    if (x >= maxx)
        return;
    char *clean = sanitize_text(text, -1, SANITIZE_EXPAND_TAB);
    char *safe = textwidth_terminal(clean);
    g_free(clean);
    size_t n = textwidth_fit(safe, maxx - x, NULL);
    waddnstr(w, safe, (int)n);
    g_free(safe);
}

static const char *conn_word(void)
{
    switch (nx_state()) {
    case CONN_CONNECTED:
        return NULL;
    case CONN_CONNECTING:
        return "connecting";
    default:
        return "offline";
    }
}

char *bars_window_name(const win_t *w)
{
    if (w->type == WIN_CONSOLE)
        return g_strdup("console");
    if (w->type == WIN_SEARCH)
        return w->query ? g_strdup_printf("search:%s", w->query) : g_strdup("search");
    if (w->type == WIN_STRANGERS)
        return g_strdup("strangers");
    char *name;
    jid_t *j = w->jid ? jid_new(w->jid) : NULL;
    if (w->type == WIN_ROOM && j && j->local) {
        name = g_strdup(j->local);
    } else if (j && j->resource && muc_room_find(j->bare)) {
        char *nick = sanitize_nick(j->resource);
        name = g_strdup_printf("%s/%s", nick, j->local ? j->local : j->domain);
        g_free(nick);
    } else {
        name = ui_contact_name(w->jid);
    }
    jid_free(j);
    if (g_utf8_strlen(name, -1) > 16) {
        char *cut = g_utf8_substring(name, 0, 15);
        g_free(name);
        name = g_strconcat(cut, "…", NULL);
        g_free(cut);
    }
    return name;
}

void bars_draw_title(void)
{
    WINDOW *t = ui_lay.title;
    wbkgdset(t, ' ' | theme_attr(THEME_TITLE));
    werase(t);
    wattrset(t, theme_attr(THEME_TITLE));
    wmove(t, 0, 1);
    win_t *w = win_current();
    if (w->type == WIN_CONSOLE) {
        put_clipped(t, "natter " PACKAGE_VERSION " - console");
        const char *acct = nx_account_name();
        if (acct) {
            char *s = g_strdup_printf(" - account %s%s%s", acct, conn_word() ? ": " : "",
                                      conn_word() ? conn_word() : "");
            put_clipped(t, s);
            g_free(s);
        }
    } else if (w->type == WIN_STRANGERS) {
        put_clipped(t, "strangers - people outside your roster: /msg JID answers, /block JID");
    } else if (w->type == WIN_SEARCH) {
        put_clipped(t, w->title ? w->title : "search");
        put_clipped(t, " - /context N shows a result in its conversation, /close closes");
    } else if (w->type == WIN_ROOM) {
        muc_room *r = muc_room_find(w->jid);
        put_clipped(t, w->jid);
        if (!r || r->state == MUC_STATE_LEFT) {
            put_clipped(t, " (not joined)");
        } else if (r->state == MUC_STATE_JOINING) {
            put_clipped(t, " (joining...)");
        } else {
            char *n = g_strdup_printf("  %u occupant%s", muc_room_count(r),
                                      muc_room_count(r) == 1 ? "" : "s");
            put_clipped(t, n);
            g_free(n);
        }
        if (e2e_chat_enabled(w->jid))
            put_clipped(t, e2e_chat_verified(w->jid) ? " [OMEMO] [verified]" : " [OMEMO]");
        if (r && r->subject) {
            put_clipped(t, "  ");
            put_clipped(t, r->subject);
        }
    } else if (strchr(w->jid, '/')) {
        /* A private conversation with a room occupant. */
        jid_t *j = jid_new(w->jid);
        char *nick = sanitize_nick(j ? j->resource : NULL);
        char *s = g_strdup_printf("%s in %s (private)", nick, j ? j->bare : w->jid);
        put_clipped(t, s);
        muc_room *r = j ? muc_room_find(j->bare) : NULL;
        if (r && !muc_occupant_find(r, j->resource))
            put_clipped(t, " - not in the room now");
        g_free(s);
        g_free(nick);
        jid_free(j);
    } else {
        roster_contact *c = roster_find(w->jid);
        char *name = ui_contact_name(w->jid);
        char *s;
        if (c && c->in_roster && c->name)
            s = g_strdup_printf("%s <%s>", name, w->jid);
        else
            s = g_strdup(w->jid);
        put_clipped(t, s);
        g_free(s);
        g_free(name);
        presence_show show = c ? c->show : PRESENCE_OFFLINE;
        put_clipped(t, " (");
        put_clipped(t, presence_show_name(show));
        if (c && c->status && *c->status) {
            put_clipped(t, ": ");
            put_clipped(t, c->status);
        }
        put_clipped(t, ")");
        put_clipped(t, !e2e_chat_enabled(w->jid)   ? " [unencrypted]"
                       : e2e_chat_verified(w->jid) ? " [OMEMO] [verified]"
                                                   : " [OMEMO]");
        if (w->typing == CHATSTATE_COMPOSING)
            put_clipped(t, " [typing…]");
        else if (w->typing == CHATSTATE_PAUSED)
            put_clipped(t, " [stopped typing]");
    }
    wnoutrefresh(t);
}

/* One window in the status bar: its text in full ("3:bob*(2)": number,
 * name, activity mark, unread count) and abbreviated ("3"). */
typedef struct {
    win_t *w;
    char *full, *abbr, *bare; /* bare: the number with count and mark */
    bool keep;                /* current or with activity: always shown */
} bar_item;

/* The window list in AVAIL columns: every window in full when they fit;
 * otherwise the current window and those with activity in full and the
 * others by number only; then the others left out ("…" where they were);
 * then the windows with activity without their names. */
static void draw_window_list(WINDOW *s, win_t *cur, int avail)
{
    guint n = win_count();
    bar_item *items = g_new0(bar_item, n);
    for (guint i = 0; i < n; i++) {
        win_t *w = win_at(i);
        char *name = bars_window_name(w);
        const char *mark = w->act == ACT_HIGHLIGHT ? "*" : (w->act == ACT_MSG ? "+" : "");
        unsigned unread = w == cur ? 0 : conv_unread(w->jid);
        char *count = unread ? g_strdup_printf("(%u)", unread) : g_strdup("");
        items[i].w = w;
        items[i].full = g_strdup_printf("%u:%s%s%s", w->num, name, mark, count);
        items[i].bare = g_strdup_printf("%u%s%s", w->num, mark, count);
        items[i].abbr = g_strdup_printf("%u", w->num);
        items[i].keep = w == cur || w->act != ACT_NONE;
        g_free(count);
        g_free(name);
    }
    int level;
    for (level = 0; level < 3; level++) {
        int width = 0;
        bool gap = false;
        for (guint i = 0; i < n; i++) {
            const char *t = items[i].full;
            if (!items[i].keep && level >= 1)
                t = level == 1 ? items[i].abbr : NULL;
            if (items[i].keep && level >= 3 && items[i].w != cur)
                t = items[i].bare;
            if (!t) {
                if (!gap)
                    width += 2; /* "… " */
                gap = true;
                continue;
            }
            gap = false;
            width += textwidth_str(t) + 1;
        }
        if (width <= avail)
            break;
    }
    bool gap = false;
    for (guint i = 0; i < n; i++) {
        win_t *w = items[i].w;
        const char *t = items[i].full;
        if (!items[i].keep && level >= 1)
            t = level == 1 ? items[i].abbr : NULL;
        if (items[i].keep && level >= 3 && w != cur)
            t = items[i].bare;
        if (!t) {
            if (!gap)
                put_clipped(s, "… ");
            gap = true;
            continue;
        }
        gap = false;
        theme_role role = w == cur                  ? THEME_STATUS_CURRENT
                          : w->act == ACT_HIGHLIGHT ? THEME_STATUS_HIGHLIGHT
                          : w->act >= ACT_INFO      ? THEME_STATUS_ACTIVE
                                                    : THEME_STATUS;
        wattrset(s, theme_attr(role));
        put_clipped(s, t);
        wattrset(s, theme_attr(THEME_STATUS));
        put_clipped(s, " ");
    }
    for (guint i = 0; i < n; i++) {
        g_free(items[i].full);
        g_free(items[i].abbr);
        g_free(items[i].bare);
    }
    g_free(items);
}

void bars_draw_status(void)
{
    WINDOW *s = ui_lay.status;
    wbkgdset(s, ' ' | theme_attr(THEME_STATUS));
    werase(s);
    wattrset(s, theme_attr(THEME_STATUS));
    wmove(s, 0, 0);
    char clock[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(clock, sizeof(clock), "[%H:%M] ", &tm);
    put_clipped(s, clock);
    const char *own = nx_own_bare();
    const char *cw = conn_word();
    char *me = g_strdup_printf("[%s: %s] ", own ? own : "no account",
                               cw ? cw : presence_show_name(nx_own_show()));
    put_clipped(s, me);
    g_free(me);
    unsigned q = nx_queued_count();
    if (q) {
        char *qs = g_strdup_printf("[%u queued] ", q);
        put_clipped(s, qs);
        g_free(qs);
    }
    char *ts = transfers_status();
    if (ts) {
        put_clipped(s, ts);
        g_free(ts);
    }
    win_t *cur = win_current();
    char *note = NULL;
    if (cur->scroll > 0)
        note = cur->new_below ? g_strdup_printf("-- more below: %u new (End) --", cur->new_below)
                              : g_strdup("-- more below (PgDn) --");
    int y, x, maxx;
    getyx(s, y, x);
    maxx = getmaxx(s);
    (void)y;
    int avail = maxx - x - (note ? textwidth_str(note) + 1 : 0);
    draw_window_list(s, cur, avail);
    if (note) {
        wattrset(s, theme_attr(THEME_STATUS));
        int nx = maxx - textwidth_str(note);
        getyx(s, y, x);
        wmove(s, 0, nx > x ? nx : x);
        put_clipped(s, note);
        g_free(note);
    }
    wnoutrefresh(s);
}

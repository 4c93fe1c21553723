/* ui.c - screen set-up, layout, the main window's drawing, and turning
 * events into lines in windows. */
#include "ui/ui.h"

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/loop.h"
#include "model/jid.h"
#include "model/muc.h"
#include "model/roster.h"
#include "ui/history.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "ui/notify.h"
#include "ui/textwidth.h"
#include "ui/theme.h"
#include "ui/themefile.h"
#include "xmpp/xmpp.h"

ui_layout ui_lay;
static unsigned dirty = DIRTY_ALL;
static bool active;
static unsigned clock_timer;
static ui_line_cb line_handler;
static ui_complete_cb completer;

void ui_dirty(unsigned flags)
{
    dirty |= flags;
}

/* ---------- layout ---------- */

static void destroy_windows(void)
{
    WINDOW **ws[] = {&ui_lay.title, &ui_lay.main, &ui_lay.roster, &ui_lay.status, &ui_lay.input};
    for (unsigned i = 0; i < G_N_ELEMENTS(ws); i++) {
        if (*ws[i])
            delwin(*ws[i]);
        *ws[i] = NULL;
    }
}

/* Columns of the side pane for window W at COLS: the occupants beside a
 * room, the roster beside everything else. */
static int side_width(const win_t *w, int cols)
{
    bool room = w && w->type == WIN_ROOM;
    int rw = 0;
    if (settings_get_bool(room ? "occupants_pane" : "roster_pane")) {
        rw = (int)settings_get_int(room ? "occupants_width" : "roster_width");
        if (cols - rw < 40)
            rw = 0; /* too narrow: the chat matters more */
    }
    return rw;
}

static void layout(void)
{
    destroy_windows();
    getmaxyx(stdscr, ui_lay.rows, ui_lay.cols);
    int rows = ui_lay.rows < 4 ? 4 : ui_lay.rows, cols = ui_lay.cols < 10 ? 10 : ui_lay.cols;
    ui_lay.main_h = rows - 3;
    int rw = side_width(win_current(), cols);
    ui_lay.roster_w = rw;
    ui_lay.main_w = rw ? cols - rw - 1 : cols;
    bool left = strcmp(settings_get("roster_side"), "left") == 0;
    ui_lay.main_x = (rw && left) ? rw + 1 : 0;
    ui_lay.roster_x = left ? 0 : cols - rw;
    ui_lay.title = newwin(1, cols, 0, 0);
    ui_lay.main = newwin(ui_lay.main_h, ui_lay.main_w, 1, ui_lay.main_x);
    if (rw)
        ui_lay.roster = newwin(ui_lay.main_h, rw + 1, 1, left ? 0 : cols - rw - 1);
    ui_lay.status = newwin(1, cols, rows - 2, 0);
    ui_lay.input = newwin(1, cols, rows - 1, 0);
    leaveok(ui_lay.main, TRUE);
    leaveok(ui_lay.title, TRUE);
    leaveok(ui_lay.status, TRUE);
    if (ui_lay.roster)
        leaveok(ui_lay.roster, TRUE);
    dirty = DIRTY_ALL;
}

static void on_resize(int signo, void *ud)
{
    endwin();
    refresh();
    layout();
}

/* ---------- main window drawing ---------- */

typedef struct {
    const win_line *line;
    size_t start, len; /* byte range in the body string */
    bool first;
} view_row;

static int kind_attr(line_kind k)
{
    switch (k) {
    case LINE_ERROR:
        return theme_attr(THEME_ERROR);
    case LINE_INFO:
        return theme_attr(THEME_INFO);
    case LINE_PRESENCE:
        return theme_attr(THEME_PRESENCE);
    default:
        return theme_attr(THEME_TEXT);
    }
}

/* "HH:MM" (or with the date when not today) of a line (static buffer).
 * The format is the user's time_format setting, validated by settings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static const char *line_stamp(const win_line *l)
{
    static char buf[80];
    struct tm tm, now_tm;
    time_t now = time(NULL);
    localtime_r(&l->ts, &tm);
    localtime_r(&now, &now_tm);
    const char *fmt = settings_get("time_format");
    if (tm.tm_year != now_tm.tm_year || tm.tm_yday != now_tm.tm_yday) {
        char day[32];
        strftime(day, sizeof(day), "%Y-%m-%d ", &tm);
        char t[48];
        if (!strftime(t, sizeof(t), fmt, &tm))
            t[0] = '\0';
        g_snprintf(buf, sizeof(buf), "%s%s", day, t);
    } else if (!strftime(buf, sizeof(buf), fmt, &tm)) {
        buf[0] = '\0';
    }
    return buf;
}
#pragma GCC diagnostic pop

/* The text of a line after its timestamp: prefix and body (g_free);
 * NICK_START and NICK_LEN receive the byte range to colour as a nick. */
static char *line_body(const win_line *l, size_t *nick_start, size_t *nick_len)
{
    *nick_start = *nick_len = 0;
    const char *mark = l->queued            ? " [queued]"
                       : l->delivered       ? " \u2713"
                       : l->receipt_pending ? ""
                                            : "";
    const char *edit = l->retracted ? "" : (l->corrected ? " (corrected)" : "");
    switch (l->kind) {
    case LINE_MSG_IN:
    case LINE_MSG_OUT:
        *nick_start = 1;
        *nick_len = strlen(l->nick ? l->nick : "");
        return g_strdup_printf("<%s> %s%s%s", l->nick ? l->nick : "", l->text, edit, mark);
    case LINE_ACTION_IN:
    case LINE_ACTION_OUT:
        *nick_start = 2;
        *nick_len = strlen(l->nick ? l->nick : "");
        return g_strdup_printf("* %s %s%s%s", l->nick ? l->nick : "", l->text, edit, mark);
    case LINE_PRESENCE:
        return g_strdup_printf("-- %s", l->text);
    case LINE_ERROR:
        return g_strdup_printf("!! %s", l->text);
    default:
        return g_strdup(l->text);
    }
}

static void draw_line_rows(const win_line *l, int y_first, int row_from, int row_to, int avail)
{
    /* Draw rows [row_from, row_to) of line L starting at screen row y. */
    const char *stamp = line_stamp(l);
    int stamp_w = textwidth_str(stamp) + 1;
    if (stamp_w > ui_lay.main_w / 2)
        stamp_w = 0;
    size_t ns, nl;
    char *body = line_body(l, &ns, &nl);
    textwidth_row *rows;
    size_t nrows =
        textwidth_wrap(body, ui_lay.main_w - stamp_w > 0 ? ui_lay.main_w - stamp_w : 1, &rows);
    bool own = l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT;
    /* Other people's nicks in their consistent colour (XEP-0392). */
    int nick_attr = own ? theme_attr(THEME_NICK_OWN)
                        : theme_contact_attr(l->sender_bare ? l->sender_bare : l->nick);
    for (int r = row_from; r < row_to && (size_t)r < nrows; r++) {
        int y = y_first + (r - row_from);
        if (y < 0 || y >= avail)
            continue;
        wmove(ui_lay.main, y, 0);
        if (r == 0 && stamp_w) {
            wattrset(ui_lay.main, theme_attr(THEME_TIME));
            waddstr(ui_lay.main, stamp);
            waddch(ui_lay.main, ' ');
        } else if (stamp_w) {
            wmove(ui_lay.main, y, stamp_w);
        }
        size_t s = rows[r].start, e = rows[r].start + rows[r].len;
        /* Split the row into before-nick, nick, after-nick segments. */
        size_t cuts[4] = {s, s, s, e};
        if (nl) {
            size_t a = ns, b = ns + nl;
            cuts[1] = a < s ? s : (a > e ? e : a);
            cuts[2] = b < s ? s : (b > e ? e : b);
        } else {
            cuts[1] = cuts[2] = e;
        }
        for (int seg = 0; seg < 3; seg++) {
            if (cuts[seg + 1] <= cuts[seg])
                continue;
            int attr = seg == 1 ? nick_attr : (l->use_attr ? l->attr : kind_attr(l->kind));
            /* A message that mentions us stands out like its window does
             * in the status bar. */
            if (l->mention && seg != 1)
                attr = theme_attr(THEME_STATUS_HIGHLIGHT) | A_BOLD;
            if (l->highlight)
                attr |= A_REVERSE;
            if (l->retracted && seg != 1)
                attr |= A_DIM;
            wattrset(ui_lay.main, attr);
            waddnstr(ui_lay.main, body + cuts[seg], (int)(cuts[seg + 1] - cuts[seg]));
        }
    }
    wattrset(ui_lay.main, 0);
    g_free(rows);
    g_free(body);
}

static int line_row_count(const win_line *l)
{
    const char *stamp = line_stamp(l);
    int stamp_w = textwidth_str(stamp) + 1;
    if (stamp_w > ui_lay.main_w / 2)
        stamp_w = 0;
    size_t ns, nl;
    char *body = line_body(l, &ns, &nl);
    size_t n =
        textwidth_wrap(body, ui_lay.main_w - stamp_w > 0 ? ui_lay.main_w - stamp_w : 1, NULL);
    g_free(body);
    return (int)n;
}

static void draw_main(void)
{
    werase(ui_lay.main);
    win_t *w = win_current();
    int h = ui_lay.main_h;
    /* Walk back from the newest line until the screen plus the scroll
     * offset is covered; only those lines are wrapped. */
    int need = h + w->scroll, have = 0;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(int)); /* per line, newest first */
    GList *first = NULL;
    for (GList *it = w->lines.tail; it && have < need; it = it->prev) {
        int n = line_row_count(it->data);
        g_array_append_val(rows, n);
        have += n;
        first = it;
    }
    if (have < need && w->scroll > 0) {
        /* Top of the buffer reached: clamp the scroll. */
        w->scroll = have > h ? have - h : 0;
        need = h + w->scroll;
    }
    /* Row index (from the top of the covered block) of the screen's top. */
    int top = have - need;
    if (top < 0)
        top = 0;
    int y = (have < h) ? 0 : -top; /* screen row of the first covered row */
    guint k = rows->len;
    for (GList *l = first; l && y < h && k > 0; l = l->next) {
        int n = g_array_index(rows, int, --k);
        if (y + n > 0)
            draw_line_rows(l->data, y < 0 ? 0 : y, y < 0 ? -y : 0, n, h);
        y += n;
    }
    g_array_free(rows, TRUE);
    wnoutrefresh(ui_lay.main);
}

static void draw_separator(void)
{
    if (!ui_lay.roster)
        return;
    /* The roster window's first column is the separator. */
    bool left = strcmp(settings_get("roster_side"), "left") == 0;
    int x = left ? ui_lay.roster_w : 0;
    wattrset(ui_lay.roster, theme_attr(THEME_STATUS));
    mvwvline(ui_lay.roster, 0, x, ' ', ui_lay.main_h);
    wattrset(ui_lay.roster, 0);
}

static int redraw_cb(void *ud)
{
    if (!active)
        return -1;
    if (!dirty)
        return -1;
    if (dirty & DIRTY_TITLE)
        bars_draw_title();
    if (dirty & DIRTY_MAIN)
        draw_main();
    if ((dirty & DIRTY_ROSTER) && ui_lay.roster) {
        werase(ui_lay.roster);
        draw_separator();
        if (win_current()->type == WIN_ROOM)
            occupantpane_draw();
        else
            rosterpane_draw();
        wnoutrefresh(ui_lay.roster);
    }
    if (dirty & DIRTY_STATUS)
        bars_draw_status();
    input_draw(); /* last: it owns the cursor */
    doupdate();
    dirty = 0;
    return -1;
}

/* ---------- events -> windows ---------- */

static line_kind level_kind(ev_log_level l)
{
    return l == LOG_ERROR || l == LOG_WARN ? LINE_ERROR : LINE_INFO;
}

/* Lines printed while a remote command runs (ui_capture_begin). */
static GString *capture;
static bool capture_error;

void ui_capture_begin(void)
{
    if (!capture)
        capture = g_string_new(NULL);
    g_string_truncate(capture, 0);
    capture_error = false;
}

char *ui_capture_end(bool *had_error)
{
    if (!capture)
        return g_strdup("");
    *had_error = capture_error;
    char *out = g_string_free(capture, FALSE);
    capture = NULL;
    return out;
}

static void add_to(win_t *w, line_kind k, const char *nick, const char *text, time_t ts,
                   bool delayed, bool queued)
{
    if (capture) {
        /* The remote client prints this to a terminal: sanitise it too. */
        char *safe = sanitize_text(text, -1, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB);
        g_string_append_printf(capture, "%s%s\n", k == LINE_ERROR ? "error: " : "", safe);
        g_free(safe);
        if (k == LINE_ERROR)
            capture_error = true;
    }
    win_add(w, k, nick, text, ts, delayed, queued);
    if (w == win_current())
        ui_dirty(DIRTY_MAIN);
    else
        ui_dirty(DIRTY_STATUS);
}

static void on_log(event_type t, const void *p, void *ud)
{
    const ev_log *ev = p;
    win_t *w = ev->jid ? win_find(ev->jid) : NULL;
    add_to(w ? w : win_console(), level_kind(ev->level), NULL, ev->text, 0, false, false);
}

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    if (ev->groupchat) {
        room_on_message(ev);
        return;
    }
    if (ev->result && ev->result->duplicate)
        return; /* already shown once (archive or carbon of a known message) */
    if (ev->backfill)
        return; /* older history: shown from the database when the page is complete */
    win_t *w = win_find(ev->peer);
    if (!w) {
        w = win_open_chat(ev->peer);
        /* The store wrote this message first: the newest page includes it
         * (and whatever arrived in the same second before it). */
        if (ev->result && ev->result->rowid > 0) {
            history_load_latest(w, 0);
            win_line *last = w->lines.tail ? w->lines.tail->data : NULL;
            if (last && last->rowid == ev->result->rowid) {
                if (w != win_current() && !ev->outgoing) {
                    w->unread++;
                    w->act = ACT_HIGHLIGHT;
                }
                if (!ev->outgoing && !ev->from_archive && !ev->backfill) {
                    char *who = roster_display_name(ev->peer);
                    notify_message(w, who, ev->body, NULL);
                    g_free(who);
                }
                ui_dirty(DIRTY_STATUS | DIRTY_TITLE | DIRTY_MAIN);
                return;
            }
        }
    }
    char *nick;
    muc_room *pm_room = NULL;
    if (ev->muc_private) {
        char *bare = jid_bare_of(ev->peer);
        pm_room = bare ? muc_room_find(bare) : NULL;
        g_free(bare);
    }
    if (ev->muc_private) {
        char *res = jid_resource_of(ev->peer);
        nick = sanitize_nick(ev->outgoing ? (pm_room ? pm_room->nick : NULL) : res);
        g_free(res);
    } else if (ev->outgoing) {
        nick = jid_short_name(nx_own_bare() ? nx_own_bare() : ev->from);
    } else {
        nick = roster_display_name(ev->peer);
        if (!ev->from_archive)
            w->typing = CHATSTATE_ACTIVE;
    }
    if (!nick)
        nick = g_strdup("?");
    bool action = g_str_has_prefix(ev->body, "/me ");
    line_kind k = ev->outgoing ? (action ? LINE_ACTION_OUT : LINE_MSG_OUT)
                               : (action ? LINE_ACTION_IN : LINE_MSG_IN);
    win_line *l = win_line_new(k, nick, action ? ev->body + 4 : ev->body, ev->timestamp);
    g_free(nick);
    l->delayed = ev->delayed;
    l->queued = ev->queued;
    l->rowid = ev->result ? ev->result->rowid : 0;
    l->id = g_strdup(ev->id);
    l->origin_id = g_strdup(ev->origin_id);
    l->sender_bare = jid_bare_of(ev->from);
    l->receipt_pending = ev->outgoing && ev->receipt_requested;
    if (w->detached) {
        /* Showing older history: the new line is in the database and the
         * window shows it when the user goes back to the bottom. */
        win_line_free(l);
        if (w != win_current() && !ev->outgoing) {
            w->unread++;
            w->act = ACT_HIGHLIGHT;
        }
    } else {
        win_add_line(w, l);
    }
    if (w == win_current())
        ui_dirty(DIRTY_MAIN);
    if (!ev->outgoing && !ev->from_archive && !ev->backfill) {
        char *name = roster_display_name(ev->peer);
        notify_message(w, name, ev->body, NULL);
        g_free(name);
    }
    ui_dirty(DIRTY_STATUS | DIRTY_TITLE);
}

static void on_receipt(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->id, nx_own_bare()) : NULL;
    if (l && (l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT)) {
        l->delivered = true;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
}

static void on_correction(event_type t, const void *p, void *ud)
{
    const ev_correction *ev = p;
    if (ev->result && ev->result->rejected)
        return; /* not the author of the original: ignored */
    char *bare =
        ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id) : jid_bare_of(ev->from);
    win_t *w = win_find(ev->peer);
    win_line *l = w ? win_find_message(w, ev->replace_id, bare) : NULL;
    if (l) {
        bool action = g_str_has_prefix(ev->body, "/me ");
        g_free(l->text);
        win_line *tmp = win_line_new(l->kind, NULL, action ? ev->body + 4 : ev->body, 0);
        l->text = tmp->text;
        tmp->text = NULL;
        win_line_free(tmp);
        l->corrected = true;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    } else if (!(w && win_find_message(w, ev->replace_id, NULL)) && ev->result &&
               ev->result->rowid == 0) {
        /* The original is unknown here: show the corrected text as new. */
        ev_message m = {.peer = ev->peer,
                        .from = ev->from,
                        .body = ev->body,
                        .id = ev->id,
                        .outgoing = ev->outgoing,
                        .timestamp = ev->timestamp,
                        .groupchat = ev->groupchat,
                        .occupant_id = ev->occupant_id};
        on_message(EV_MESSAGE, &m, NULL);
        w = win_find(ev->peer);
        win_line *nl = w ? win_find_message(w, ev->id, NULL) : NULL;
        if (nl)
            nl->corrected = true;
    }
    g_free(bare);
}

static void on_retraction(event_type t, const void *p, void *ud)
{
    const ev_retraction *ev = p;
    if (ev->result && ev->result->rejected)
        return;
    win_t *w = win_find(ev->peer);
    if (!w)
        return;
    win_line *l;
    char *text;
    if (ev->moderation) {
        /* The room removed a message: found by the id the room gave it. */
        l = win_find_by_stanza_id(w, ev->retract_id, NULL);
        text = g_strdup_printf("[removed by %s%s%s]", ev->moderator ? ev->moderator : "a moderator",
                               ev->reason ? ": " : "", ev->reason ? ev->reason : "");
    } else {
        char *bare = ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id)
                                   : jid_bare_of(ev->from);
        l = win_find_message(w, ev->retract_id, bare);
        /* In rooms a retraction names the room's stanza-id (XEP-0424). */
        if (!l && ev->groupchat && bare)
            l = win_find_by_stanza_id(w, ev->retract_id, bare);
        g_free(bare);
        text = g_strdup("(message retracted)");
    }
    if (l) {
        g_free(l->text);
        l->text = sanitize_text(text, -1, SANITIZE_EXPAND_TAB);
        l->retracted = true;
        win_touch();
        ui_dirty(DIRTY_MAIN);
    }
    g_free(text);
}

static void on_archive_sync(event_type t, const void *p, void *ud)
{
    const ev_archive_sync *ev = p;
    if (!ev->done)
        return;
    if (ev->peer) {
        win_t *w = win_find(ev->peer);
        if (w)
            history_archive_done(w, ev->count, ev->error, ev->first_id, ev->complete);
        ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
        return;
    }
    if (ev->error && ev->count)
        ui_console("Fetched %u message%s from the server archive, then stopped: %s. The rest "
                   "follows at the next login.",
                   ev->count, ev->count == 1 ? "" : "s", ev->error);
    else if (ev->error)
        ui_console("History from the server archive was not fetched: %s.", ev->error);
    else if (ev->count)
        ui_console("Fetched %u message%s from the server archive.", ev->count,
                   ev->count == 1 ? "" : "s");
}

static void on_presence(event_type t, const void *p, void *ud)
{
    const ev_presence *ev = p;
    ui_dirty(DIRTY_ROSTER | DIRTY_TITLE);
    win_t *w = win_find(ev->jid);
    if (!w || (ev->show == ev->old_show && !ev->status))
        return;
    char *name = roster_display_name(ev->jid);
    char *text =
        ev->status && *ev->status
            ? g_strdup_printf("%s is now %s: %s", name, presence_show_name(ev->show), ev->status)
            : g_strdup_printf("%s is now %s", name, presence_show_name(ev->show));
    add_to(w, LINE_PRESENCE, NULL, text, 0, false, false);
    g_free(text);
    g_free(name);
}

static void on_roster(event_type t, const void *p, void *ud)
{
    ui_dirty(DIRTY_ROSTER | DIRTY_TITLE | DIRTY_STATUS);
}

static void on_subscription(event_type t, const void *p, void *ud)
{
    const ev_subscription *ev = p;
    char *text = NULL;
    switch (ev->kind) {
    case SUB_REQUEST:
        text = g_strdup_printf("%s asks to see your presence: /sub allow %s or /sub deny %s%s%s",
                               ev->jid, ev->jid, ev->jid, ev->text ? " -- they say: " : "",
                               ev->text ? ev->text : "");
        break;
    case SUB_APPROVED:
        text = g_strdup_printf("%s allowed you to see their presence.", ev->jid);
        break;
    case SUB_REVOKED:
        text =
            g_strdup_printf("%s denied or removed your subscription to their presence.", ev->jid);
        break;
    case SUB_UNSUBSCRIBED:
        text = g_strdup_printf("%s no longer wants to see your presence.", ev->jid);
        break;
    }
    add_to(win_console(), LINE_INFO, NULL, text, 0, false, false);
    win_t *w = win_find(ev->jid);
    if (w)
        add_to(w, LINE_INFO, NULL, text, 0, false, false);
    g_free(text);
}

static void on_conn(event_type t, const void *p, void *ud)
{
    ui_dirty(DIRTY_STATUS | DIRTY_TITLE | DIRTY_ROSTER);
}

static void on_chatstate(event_type t, const void *p, void *ud)
{
    const ev_chatstate *ev = p;
    win_t *w = win_find(ev->peer);
    if (w && settings_get_bool("chat_states")) {
        w->typing = ev->state;
        ui_dirty(DIRTY_TITLE);
    }
}

static void on_message_error(event_type t, const void *p, void *ud)
{
    const ev_message_error *ev = p;
    win_t *w = win_find(ev->peer);
    char *text = g_strdup_printf("Message to %s could not be delivered: %s", ev->peer, ev->error);
    add_to(w ? w : win_console(), LINE_ERROR, NULL, text, 0, false, false);
    g_free(text);
}

/* ---------- our own typing notifications (XEP-0085) ---------- */

#define PAUSED_AFTER_MS 5000

static char *typing_to; /* bare JID we told "composing", or NULL */
static unsigned typing_timer;

static void typing_stop(chatstate st, bool send)
{
    if (typing_timer)
        loop_cancel_timer(typing_timer);
    typing_timer = 0;
    if (typing_to && send)
        nx_send_chatstate(typing_to, st);
    g_clear_pointer(&typing_to, g_free);
}

static void on_typing_pause(void *ud)
{
    typing_timer = 0;
    typing_stop(CHATSTATE_PAUSED, true);
}

void ui_note_input(bool has_text, bool sent)
{
    const char *jid = win_current()->jid;
    if (sent || !has_text || !jid) {
        /* A sent message carries <active/> itself; a cleared line says it. */
        typing_stop(CHATSTATE_ACTIVE, !sent);
        return;
    }
    if (!typing_to || strcmp(typing_to, jid) != 0) {
        typing_stop(CHATSTATE_PAUSED, true);
        typing_to = g_strdup(jid);
        nx_send_chatstate(jid, CHATSTATE_COMPOSING);
    }
    if (typing_timer)
        loop_cancel_timer(typing_timer);
    typing_timer = loop_add_timer(PAUSED_AFTER_MS, on_typing_pause, NULL);
}

/* ---------- clock ---------- */

static void on_clock(void *ud)
{
    ui_dirty(DIRTY_STATUS);
    time_t now = time(NULL);
    clock_timer = loop_add_timer((unsigned)(60 - now % 60) * 1000 + 50, on_clock, NULL);
}

/* ---------- public ---------- */

/* Load the theme the settings name; when it fails, say why (every line)
 * and keep the one in use. */
static void apply_theme_setting(void)
{
    char *errors = NULL;
    const char *name = settings_get("theme");
    if (theme_load(name, &errors)) {
        ui_dirty(DIRTY_ALL);
        return;
    }
    char **lines = g_strsplit(errors ? errors : "", "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l)
            add_to(win_current(), LINE_ERROR, NULL, *l, 0, false, false);
    g_strfreev(lines);
    g_free(errors);
    ui_error("Theme '%s' not loaded; keeping '%s'.", name, theme_current());
    char *keep = g_strdup(theme_current());
    settings_set("theme", keep, NULL); /* back to what is shown */
    g_free(keep);
}

static void on_setting(event_type t, const void *p, void *ud)
{
    const char *key = ((const ev_setting *)p)->key;
    if (!active)
        return;
    if (g_str_has_prefix(key, "roster") || g_str_has_prefix(key, "occupants"))
        layout();
    if (!strcmp(key, "theme") && strcmp(settings_get("theme"), theme_current()) != 0)
        apply_theme_setting();
    ui_dirty(DIRTY_ALL);
}

static void on_line(const char *line)
{
    if (line_handler)
        line_handler(line, win_current()->jid);
}

bool ui_init(char **err)
{
    win_init();
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        *err = g_strdup("natter needs a terminal (stdin and stdout must be a tty)");
        return false;
    }
    if (!initscr()) {
        *err = g_strdup("cannot initialise the terminal (is TERM set?)");
        return false;
    }
    raw();
    noecho();
    nonl();
    curs_set(1);
    theme_init();
    active = true;
    layout();
    if (!input_init()) {
        *err = g_strdup("cannot initialise the input line");
        return false;
    }
    input_set_line_handler(on_line);
    notify_init();
    loop_on_signal(SIGWINCH, on_resize, NULL);
    loop_add_prepare(100, redraw_cb, NULL);
    event_subscribe(EV_SETTING, EV_STAGE_SCREEN, on_setting, NULL);
    event_subscribe(EV_LOG, EV_STAGE_SCREEN, on_log, NULL);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, on_message, NULL);
    event_subscribe(EV_PRESENCE, EV_STAGE_SCREEN, on_presence, NULL);
    event_subscribe(EV_ROSTER_LOADED, EV_STAGE_SCREEN, on_roster, NULL);
    event_subscribe(EV_ROSTER_ITEM, EV_STAGE_SCREEN, on_roster, NULL);
    event_subscribe(EV_SUBSCRIPTION, EV_STAGE_SCREEN, on_subscription, NULL);
    event_subscribe(EV_CONN_STATE, EV_STAGE_SCREEN, on_conn, NULL);
    event_subscribe(EV_OWN_PRESENCE, EV_STAGE_SCREEN, on_conn, NULL);
    event_subscribe(EV_CHATSTATE, EV_STAGE_SCREEN, on_chatstate, NULL);
    event_subscribe(EV_MESSAGE_ERROR, EV_STAGE_SCREEN, on_message_error, NULL);
    event_subscribe(EV_RECEIPT, EV_STAGE_SCREEN, on_receipt, NULL);
    event_subscribe(EV_CORRECTION, EV_STAGE_SCREEN, on_correction, NULL);
    event_subscribe(EV_RETRACTION, EV_STAGE_SCREEN, on_retraction, NULL);
    event_subscribe(EV_ARCHIVE_SYNC, EV_STAGE_SCREEN, on_archive_sync, NULL);
    room_init();
    on_clock(NULL);
    if (strcmp(settings_get("theme"), "default") != 0)
        apply_theme_setting();
    else {
        char *errors = NULL;
        theme_load("default", &errors); /* the shipped file when installed */
        g_free(errors);
    }
    return true;
}

void ui_deinit(void)
{
    g_clear_pointer(&typing_to, g_free);
    history_deinit();
    room_deinit();
    notify_deinit();
    if (active) {
        input_deinit();
        destroy_windows();
        endwin();
        theme_deinit();
        active = false;
    }
    win_deinit();
}

void ui_set_line_handler(ui_line_cb cb)
{
    line_handler = cb;
}

void ui_set_completer(ui_complete_cb cb)
{
    completer = cb;
}

ui_complete_cb ui_internal_completer(void)
{
    return completer;
}

static void vprint(win_t *w, line_kind k, const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);
    add_to(w, k, NULL, text, 0, false, false);
    g_free(text);
}

void ui_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(win_current(), LINE_INFO, fmt, ap);
    va_end(ap);
}

void ui_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(win_current(), LINE_ERROR, fmt, ap);
    va_end(ap);
}

void ui_print_in(const char *jid, bool error, const char *fmt, ...)
{
    win_t *w = jid ? win_find(jid) : NULL;
    va_list ap;
    va_start(ap, fmt);
    vprint(w ? w : win_console(), error ? LINE_ERROR : LINE_INFO, fmt, ap);
    va_end(ap);
}

void ui_console(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(win_console(), LINE_INFO, fmt, ap);
    va_end(ap);
}

const char *ui_current_jid(void)
{
    return win_current()->jid;
}

void ui_focus(win_t *w)
{
    win_t *prev = win_current();
    if (prev == w)
        return;
    input_switch(prev, w);
    win_focus(w);
    /* Rooms and chats may want side panes of different widths. */
    if (active && side_width(w, ui_lay.cols) != side_width(prev, ui_lay.cols))
        layout();
    ui_dirty(DIRTY_ALL);
}

void ui_open_room(const char *jid)
{
    win_t *w = win_find(jid);
    if (!w) {
        w = win_open_room(jid);
        history_load_latest(w, 0);
    }
    ui_focus(w);
}

bool ui_toggle_occupants(void)
{
    bool on = !settings_get_bool("occupants_pane");
    settings_set("occupants_pane", on ? "on" : "off", NULL);
    return on;
}

bool ui_current_is_room(void)
{
    return win_current()->type == WIN_ROOM;
}

void ui_open_chat(const char *jid)
{
    win_t *w = win_find(jid);
    if (!w) {
        w = win_open_chat(jid);
        history_load_latest(w, 0);
    }
    ui_focus(w);
}

bool ui_switch_window(int num)
{
    win_t *w = win_nth((guint)num);
    if (!w)
        return false;
    ui_focus(w);
    return true;
}

void ui_cycle_window(int dir)
{
    guint n = win_count();
    guint cur = win_number(win_current());
    guint next = (cur - 1 + n + (guint)(dir > 0 ? 1 : n - 1)) % n + 1;
    ui_switch_window((int)next);
}

bool ui_close_window(void)
{
    win_t *w = win_current();
    if (w->type == WIN_CONSOLE)
        return false;
    if (w->type == WIN_ROOM)
        nx_muc_forget(w->jid); /* closing a room leaves it */
    guint n = win_number(w);
    win_t *to = win_nth(n - 1);
    input_switch(w, to);
    win_close(w);
    ui_dirty(DIRTY_ALL);
    return true;
}

void ui_clear_window(void)
{
    win_clear(win_current());
    ui_dirty(DIRTY_MAIN);
}

/* Rows that the lines of W take at the current width. */
static int total_rows(win_t *w)
{
    int rows = 0;
    for (GList *it = w->lines.head; it; it = it->next)
        rows += line_row_count(it->data);
    return rows;
}

void ui_scroll_pages(int pages)
{
    win_t *w = win_current();
    int step = ui_lay.main_h > 2 ? ui_lay.main_h - 1 : 1;
    if (pages > 0) {
        /* Past the oldest line in memory: fetch an older page first. */
        /* (The scroll offset counts from the bottom, so lines put in
         * front do not move what is on screen.) */
        if (w->scroll + pages * step + ui_lay.main_h > total_rows(w))
            history_load_older(w);
    } else if (w->detached && w->scroll + pages * step <= 0) {
        history_reattach(w);
        w->scroll = 0;
        ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
        return;
    }
    win_scroll(w, pages * step);
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

char **ui_window_list(void)
{
    guint n = win_count();
    char **out = g_new0(char *, n + 1);
    for (guint i = 1; i <= n; i++) {
        char *name = bars_window_name(win_nth(i));
        out[i - 1] = g_strdup_printf("%u:%s", i, name);
        g_free(name);
    }
    return out;
}

void ui_ask_secret(const char *prompt, ui_secret_cb cb, void *ud)
{
    input_set_secret(prompt, cb, ud);
    ui_dirty(DIRTY_INPUT);
}

void ui_redraw(void)
{
    if (!active)
        return;
    clearok(curscr, TRUE);
    ui_dirty(DIRTY_ALL);
}

bool ui_search(const char *query, const char *peer, char **err)
{
    return history_search(query, peer, err);
}

bool ui_search_context(int n, char **err)
{
    return history_context(n, err);
}

bool ui_theme_preview(const char *name, char **errors)
{
    int attrs[THEME__COUNT];
    if (!theme_preview(name, attrs, errors))
        return false;
    win_t *w = win_current();
    char *head = g_strdup_printf("Preview of theme '%s' (/theme load %s to use it):", name, name);
    add_to(w, LINE_INFO, NULL, head, 0, false, false);
    g_free(head);
    for (int r = 0; r < THEME__COUNT; r++) {
        char *text = g_strdup_printf("  %-18s the quick brown fox", themefile_role_name(r));
        win_line *l = win_line_new(LINE_INFO, NULL, text, 0);
        l->attr = attrs[r];
        l->use_attr = true;
        win_add_line(w, l);
        g_free(text);
    }
    ui_dirty(DIRTY_MAIN);
    return true;
}

bool ui_notify_rule(const char *level, char **err)
{
    win_t *w = win_current();
    if (!level) {
        notify_level l = notify_window_level(w);
        ui_info("Notifications here: %s%s", notify_level_name(l),
                l == NOTIFY_DEFAULT ? " (the notify setting decides)" : "");
        return true;
    }
    notify_level l;
    if (!notify_level_parse(level, &l)) {
        *err = g_strdup("use all, mentions, none or default");
        return false;
    }
    if (!notify_set_window_level(w, l, err))
        return false;
    ui_info("Notifications here: %s", notify_level_name(l));
    return true;
}

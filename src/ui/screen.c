/* screen.c - the screen as a whole: taking over and giving back the
 * terminal, the layout of its parts (title, main window, side pane, status
 * bar, input line) and relaying it out on resizes and setting changes, the
 * drawing of the main window and the pane separator, and the redraw of what
 * is dirty once per loop pass. The bars, the panes and the input line draw
 * themselves (bars.c, rosterpane.c, occupantpane.c, input.c). */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/loop.h"
#include "ui/internal.h"
#include "ui/styling.h"
#include "ui/textwidth.h"
#include "ui/theme.h"

ui_layout ui_lay;
static unsigned dirty = DIRTY_ALL;
static bool active;
static unsigned clock_timer;

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

void screen_focused(const win_t *prev)
{
    /* Rooms and chats may want side panes of different widths. */
    if (active && side_width(win_current(), ui_lay.cols) != side_width(prev, ui_lay.cols))
        layout();
    ui_dirty(DIRTY_ALL);
}

/* ---------- main window drawing ---------- */

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
 * NICK_START and NICK_LEN receive the byte range to colour as a nick, and
 * TEXT_START and TEXT_LEN (when not NULL) that of the message's own text. */
static char *line_body(const win_line *l, size_t *nick_start, size_t *nick_len, size_t *text_start,
                       size_t *text_len)
{
    *nick_start = *nick_len = 0;
    size_t ts = 0;
    /* Never more than is known: "sent" once the server confirmed it, the
     * tick once the contact's client did, "read" once the contact saw it. */
    const char *mark = l->queued      ? " [queued]"
                       : l->read      ? (l->resent ? " [resent] \u2713 read" : " \u2713 read")
                       : l->delivered ? (l->resent ? " [resent] \u2713" : " \u2713")
                       : l->acked     ? (l->resent ? " [resent, sent]" : " [sent]")
                       : l->resent    ? " [resent]"
                                      : "";
    const char *edit = l->retracted ? "" : (l->corrected ? " (corrected)" : "");
    /* End-to-end encryption: a mark in front, and plain text in an
     * encrypted chat said in words too. */
    const char *e2e = l->e2e == '~' ? "~ " : l->e2e == '?' ? "? " : l->e2e == '!' ? "! " : "";
    if (l->e2e == '!')
        edit = l->corrected ? " (corrected) [NOT ENCRYPTED]" : " [NOT ENCRYPTED]";
    /* As the terminal will draw it (emoji sequences, see textwidth.h). */
    char *text = textwidth_terminal(l->text);
    char *nick = textwidth_terminal(l->nick ? l->nick : "");
    if (l->quote) {
        /* A reply: what it answers on its own row above the text. */
        char *quote = textwidth_terminal(l->quote);
        char *both = g_strdup_printf("%s\n%s", quote, text);
        g_free(quote);
        g_free(text);
        text = both;
    }
    char *out;
    switch (l->kind) {
    case LINE_MSG_IN:
    case LINE_MSG_OUT:
        *nick_start = 1 + strlen(e2e);
        *nick_len = strlen(nick);
        out = g_strdup_printf("%s<%s> %s%s%s", e2e, nick, text, edit, mark);
        ts = strlen(e2e) + *nick_len + 3;
        break;
    case LINE_ACTION_IN:
    case LINE_ACTION_OUT:
        *nick_start = 2 + strlen(e2e);
        *nick_len = strlen(nick);
        out = g_strdup_printf("%s* %s %s%s%s", e2e, nick, text, edit, mark);
        ts = strlen(e2e) + *nick_len + 3;
        break;
    case LINE_PRESENCE:
        out = g_strdup_printf("-- %s", text);
        break;
    case LINE_ERROR:
        out = g_strdup_printf("!! %s", text);
        break;
    default:
        out = g_strdup(text);
        break;
    }
    if (text_start) {
        *text_start = ts;
        *text_len = ts ? strlen(text) : 0;
    }
    /* Reactions: their counts on a row of their own under the message. */
    if (l->reactions && (l->kind == LINE_MSG_IN || l->kind == LINE_MSG_OUT ||
                         l->kind == LINE_ACTION_IN || l->kind == LINE_ACTION_OUT)) {
        char *counts = textwidth_terminal(l->reactions);
        char *both = g_strdup_printf("%s\n%s", out, counts);
        g_free(counts);
        g_free(out);
        out = both;
    }
    g_free(text);
    g_free(nick);
    return out;
}

/* Columns the timestamp STAMP takes before a line's text (0: the window is
 * too narrow to show it). */
static int stamp_width(const char *stamp)
{
    int w = textwidth_str(stamp) + 1;
    return w > ui_lay.main_w / 2 ? 0 : w;
}

/* True when BODY holds a URL ("scheme://...") wider than WIDTH columns. */
static bool has_long_url(const char *body, int width)
{
    for (const char *p = body; *p;) {
        size_t n = strcspn(p, " \n");
        const char *sep = g_strstr_len(p, (gssize)n, "://");
        if (sep && sep > p && textwidth_n(p, n) > width)
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

/* Wrap the text of L (nick and body, see line_body) for the main window
 * after a timestamp of STAMP_W columns: the text (g_free), its rows in
 * *ROWS when ROWS is not NULL (g_free), and their number. *INDENT gets the
 * column where continuation rows start: under the text, or 0 for a line
 * with a URL longer than a row, which then wraps over the whole width so
 * that terminals and tmux can still find and copy it whole. */
static char *wrap_line(const win_line *l, int stamp_w, size_t *ns, size_t *nl, size_t *ts,
                       size_t *tl, textwidth_row **rows, size_t *nrows, int *indent)
{
    char *body = line_body(l, ns, nl, ts, tl);
    int width = ui_lay.main_w - stamp_w > 0 ? ui_lay.main_w - stamp_w : 1;
    *indent = stamp_w;
    if (!stamp_w || !has_long_url(body, width)) {
        *nrows = textwidth_wrap(body, width, rows);
        return body;
    }
    /* Wrap as if the timestamp were text, then take it off again. */
    char *padded = g_strdup_printf("%*s%s", stamp_w, "", body);
    *nrows = textwidth_wrap(padded, ui_lay.main_w, rows);
    g_free(padded);
    for (size_t r = 0; rows && r < *nrows; r++) {
        size_t s = (*rows)[r].start, e = s + (*rows)[r].len, sw = (size_t)stamp_w;
        (*rows)[r].start = s > sw ? s - sw : 0;
        (*rows)[r].len = e > sw ? e - sw - (*rows)[r].start : 0;
    }
    *indent = 0;
    return body;
}

/* The "new messages" marker row above the first unread line, at row Y. */
static void draw_marker(int y)
{
    const char *label = " new messages ";
    int w = ui_lay.main_w, lw = textwidth_str(label);
    wmove(ui_lay.main, y, 0);
    wattrset(ui_lay.main, theme_attr(THEME_INFO) | A_BOLD);
    for (int x = 0; x < w; x++) {
        if (x == 3 && w >= lw + 6) {
            waddstr(ui_lay.main, label);
            x += lw - 1;
        } else {
            waddch(ui_lay.main, '-');
        }
    }
    wattrset(ui_lay.main, 0);
}

/* BASE with the styles of a styled range (STYLING_* FLAGS) laid over it. */
static int styled_attr(int base, unsigned flags)
{
    static const struct {
        unsigned flag;
        theme_role role;
    } order[] = {
        {STYLING_QUOTE, THEME_STYLE_QUOTE},   {STYLING_PRE, THEME_STYLE_CODE},
        {STYLING_STRONG, THEME_STYLE_STRONG}, {STYLING_EMPH, THEME_STYLE_EMPHASIS},
        {STYLING_STRIKE, THEME_STYLE_STRIKE}, {STYLING_MARKER, THEME_STYLE_MARKER},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
        if (flags & order[i].flag)
            base = theme_style(base, order[i].role);
    return base;
}

static void draw_line_rows(const win_t *w, const win_line *l, int y_first, int row_from, int row_to,
                           int avail, bool marker)
{
    /* Draw rows [row_from, row_to) of line L starting at screen row y; with
     * MARKER, row 0 is the "new messages" marker and the text follows. */
    if (marker) {
        if (row_from == 0 && y_first < avail)
            draw_marker(y_first);
        if (row_from == 0)
            y_first++;
        else
            row_from--;
        row_to--;
    }
    const char *stamp = line_stamp(l);
    int stamp_w = stamp_width(stamp);
    size_t ns, nl, ts, tl, nrows;
    textwidth_row *rows;
    int indent;
    char *body = wrap_line(l, stamp_w, &ns, &nl, &ts, &tl, &rows, &nrows, &indent);
    /* XEP-0393 styling of the message's text, in BODY's offsets. */
    styling_span stack_spans[64], *spans = stack_spans;
    size_t nspans = 0;
    if (tl && !l->retracted && !l->unstyled && !strcmp(settings_get("styling"), "on")) {
        nspans = styling_parse(body + ts, tl, spans, G_N_ELEMENTS(stack_spans));
        if (nspans > G_N_ELEMENTS(stack_spans)) {
            spans = g_new(styling_span, nspans);
            styling_parse(body + ts, tl, spans, nspans);
        }
    }
    bool own = l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT;
    bool selected = l == select_line();
    /* Other people's nicks in their consistent colour (XEP-0392): in rooms
     * from the nick, which history and live lines share (the author key
     * differs between them: occupant id, real JID or room/nick). */
    const char *key = w->type == WIN_ROOM || !l->sender_bare ? l->nick : l->sender_bare;
    int nick_attr = own ? theme_attr(THEME_NICK_OWN) : theme_contact_attr(key);
    for (int r = row_from; r < row_to && (size_t)r < nrows; r++) {
        int y = y_first + (r - row_from);
        if (y < 0 || y >= avail)
            continue;
        wmove(ui_lay.main, y, 0);
        if (r == 0 && stamp_w) {
            wattrset(ui_lay.main, selected ? theme_attr(THEME_SELECTED) : theme_attr(THEME_TIME));
            waddstr(ui_lay.main, stamp);
            waddch(ui_lay.main, ' ');
        } else if (indent) {
            wmove(ui_lay.main, y, indent);
        }
        size_t s = rows[r].start, e = rows[r].start + rows[r].len;
        /* The row in runs of one attribute: the nick, and the text with
         * its styled ranges. Wrapping only cuts runs, so a style goes on
         * across the rows of a line. */
        size_t k = 0; /* the first styled range not yet passed */
        for (size_t pos = s, next; pos < e; pos = next) {
            bool in_nick = nl && pos >= ns && pos < ns + nl;
            int attr;
            next = e;
            if (in_nick) {
                attr = nick_attr;
                next = MIN(e, ns + nl);
            } else {
                attr = l->use_attr ? l->attr : kind_attr(l->kind);
                /* A message that mentions us stands out like its window
                 * does in the status bar. */
                if (l->mention)
                    attr = theme_attr(THEME_STATUS_HIGHLIGHT) | A_BOLD;
                if (nl && pos < ns)
                    next = MIN(next, ns);
                while (k < nspans && ts + spans[k].end <= pos)
                    k++;
                if (k < nspans && ts + spans[k].start <= pos) {
                    attr = styled_attr(attr, spans[k].flags);
                    next = MIN(next, ts + spans[k].end);
                } else if (k < nspans) {
                    next = MIN(next, ts + spans[k].start);
                }
                if (l->retracted)
                    attr |= A_DIM;
            }
            if (l->highlight)
                attr |= A_REVERSE;
            if (selected) {
                /* The message cursor: the theme's colour, else its
                 * attributes over the line's own. */
                int sel = theme_attr(THEME_SELECTED);
                attr = (sel & A_COLOR) ? sel : attr | sel;
            }
            wattrset(ui_lay.main, attr);
            waddnstr(ui_lay.main, body + pos, (int)(next - pos));
        }
    }
    wattrset(ui_lay.main, 0);
    if (spans != stack_spans)
        g_free(spans);
    g_free(rows);
    g_free(body);
}

static int line_row_count(const win_line *l)
{
    size_t ns, nl, n;
    int indent;
    g_free(wrap_line(l, stamp_width(line_stamp(l)), &ns, &nl, NULL, NULL, NULL, &n, &indent));
    return (int)n;
}

/* Rows of line L in window W: its text, and the marker above the first
 * unread line of the window on screen. */
static int rows_in(const win_t *w, const win_line *l)
{
    return line_row_count(l) + (l == w->first_unread && w == win_current() ? 1 : 0);
}

int screen_line_rows(const win_t *w, const win_line *l)
{
    return rows_in(w, l);
}

int screen_rows_from(const win_t *w, const win_line *l)
{
    int rows = 0;
    for (GList *it = w->lines.tail; it; it = it->prev) {
        rows += rows_in(w, it->data);
        if (it->data == l)
            break;
    }
    return rows;
}

int screen_window_rows(const win_t *w)
{
    int rows = 0;
    for (GList *it = w->lines.head; it; it = it->next)
        rows += rows_in(w, it->data);
    return rows;
}

static void draw_main(void)
{
    werase(ui_lay.main);
    win_t *w = win_current();
    int h = ui_lay.main_h;
    /* Walk back from the newest line until the screen plus the scroll
     * offset is covered; only those lines are wrapped. */
    GList *first = NULL, *start = w->lines.tail, *anchor;
    int below;
    bool anchored = select_anchor(w, &anchor, &below); /* may scroll W */
    int need = h + w->scroll, have = 0;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(int)); /* per line, newest first */
    if (anchored && below <= w->scroll + h) {
        /* The message cursor knows the rows below the selection: start
         * from the last line that is not below the screen, not from the
         * newest, so deep in the scrollback only the screen is wrapped. */
        start = anchor;
        while (start->next && below > w->scroll) {
            start = start->next;
            below -= rows_in(w, start->data);
        }
        have = below;
    }
    for (GList *it = start; it && have < need; it = it->prev) {
        int n = rows_in(w, it->data);
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
            draw_line_rows(w, l->data, y < 0 ? 0 : y, y < 0 ? -y : 0, n, h,
                           l->data == w->first_unread);
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

void screen_suspend(void)
{
    if (!active)
        return;
    if (getpgrp() == getsid(0)) {
        /* In the session leader's group (started by tmux or a terminal
         * without a shell around it): nobody would `fg` us, and the kernel
         * ignores the stop anyway. */
        ui_info("Ctrl-Z: no shell with job control started natter, so it cannot be "
                "suspended; /quit leaves.");
        return;
    }
    /* Give the terminal back as the shell wants it, stop as a Ctrl-Z in a
     * cooked terminal would, and take it over again on `fg`. */
    input_terminal(false);
    endwin();
    fflush(stdout);
    struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);
    raise(SIGTSTP); /* returns once continued */
    sigaction(SIGTSTP, &old, NULL);
    input_terminal(true);
    refresh();
    layout(); /* the terminal may have been resized meanwhile */
    clearok(curscr, TRUE);
    ui_dirty(DIRTY_ALL);
}

void ui_redraw(void)
{
    if (!active)
        return;
    clearok(curscr, TRUE);
    ui_dirty(DIRTY_ALL);
}

/* ---------- what changes the bars and panes ---------- */

static void on_roster(event_type t, const void *p, void *ud)
{
    ui_dirty(DIRTY_ROSTER | DIRTY_TITLE | DIRTY_STATUS);
}

static void on_conn(event_type t, const void *p, void *ud)
{
    ui_dirty(DIRTY_STATUS | DIRTY_TITLE | DIRTY_ROSTER);
}

/* The clock in the status bar: redrawn at the turn of every minute. */
static void on_clock(void *ud)
{
    ui_dirty(DIRTY_STATUS);
    time_t now = time(NULL);
    clock_timer = loop_add_timer((unsigned)(60 - now % 60) * 1000 + 50, on_clock, NULL);
}

/* ---------- settings ---------- */

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
            ui_add_line(win_current(), LINE_ERROR, *l);
    g_strfreev(lines);
    g_free(errors);
    ui_error("Theme '%s' not loaded; keeping '%s'.", name, theme_current());
    char *keep = g_strdup(theme_current());
    settings_set("theme", keep, NULL); /* back to what is shown */
    g_free(keep);
}

void screen_load_theme(void)
{
    if (strcmp(settings_get("theme"), "default") != 0)
        apply_theme_setting();
    else {
        char *errors = NULL;
        theme_load("default", &errors); /* the shipped file when installed */
        g_free(errors);
    }
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

/* ---------- the terminal ---------- */

bool screen_open(char **err)
{
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
    return true;
}

void screen_start(void)
{
    loop_on_signal(SIGWINCH, on_resize, NULL);
    loop_add_prepare(100, redraw_cb, NULL);
    event_subscribe(EV_SETTING, EV_STAGE_SCREEN, on_setting, NULL);
    event_subscribe(EV_ROSTER_LOADED, EV_STAGE_SCREEN, on_roster, NULL);
    event_subscribe(EV_ROSTER_ITEM, EV_STAGE_SCREEN, on_roster, NULL);
    event_subscribe(EV_CONN_STATE, EV_STAGE_SCREEN, on_conn, NULL);
    event_subscribe(EV_OWN_PRESENCE, EV_STAGE_SCREEN, on_conn, NULL);
    on_clock(NULL);
}

bool screen_is_open(void)
{
    return active;
}

void screen_close(void)
{
    if (!active)
        return;
    destroy_windows();
    endwin();
    theme_deinit();
    active = false;
}

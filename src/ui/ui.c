/* ui.c - the UI's public face: setting it up and down, the print
 * functions and their capture for remote control, and the window commands
 * (open, focus, switch, close, clear, scroll). The screen is drawn by
 * screen.c; events become lines in chat.c (chats) and room.c (rooms). */
#include "ui/ui.h"

#include <langinfo.h>
#include <stdarg.h>
#include <string.h>

#include "config/settings.h"
#include "model/conversation.h"
#include "model/muc.h"
#include "model/roster.h"
#include "ui/history.h"
#include "ui/internal.h"
#include "ui/sanitize.h"
#include "ui/notify.h"
#include "ui/theme.h"
#include "ui/themefile.h"

static void find_end(void);

static ui_line_cb line_handler;
static ui_complete_cb completer;
static ui_input_cb input_handler;

char *ui_contact_name(const char *bare)
{
    char *name = roster_display_name(bare);
    char *safe = sanitize_nick(name);
    g_free(name);
    return safe;
}

/* Lines printed while a remote command runs (ui_capture_begin). */
static GString *capture;

void ui_capture_begin(void)
{
    if (!capture)
        capture = g_string_new(NULL);
    g_string_truncate(capture, 0);
}

char *ui_capture_end(void)
{
    if (!capture)
        return g_strdup("");
    char *out = g_string_free(capture, FALSE);
    capture = NULL;
    return out;
}

void ui_add_line(win_t *w, line_kind k, const char *text)
{
    if (capture) {
        /* The remote client prints this to a terminal: sanitise it too. */
        char *safe = sanitize_text(text, -1, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB);
        g_string_append_printf(capture, "%s%s\n", k == LINE_ERROR ? "error: " : "", safe);
        g_free(safe);
    }
    win_add(w, k, NULL, text, 0, false, false);
    if (w == win_current())
        ui_dirty(DIRTY_MAIN);
    else
        ui_dirty(DIRTY_STATUS);
}

void ui_report_input(const char *text, bool entered)
{
    if (input_handler)
        input_handler(win_current()->jid, text, entered);
}

static void on_line(const char *line)
{
    if (line_handler)
        line_handler(line, win_current()->jid);
}

bool ui_init(char **err)
{
    win_init();
    if (!screen_open(err))
        return false;
    /* From here on the terminal is ncurses': every failure gives it back
     * before it returns, so the shell is not left in raw mode. */
    char *why = NULL;
    if (!input_init(&why)) {
        screen_close();
        *err = g_strdup_printf("cannot initialise the input line: %s", why);
        g_free(why);
        return false;
    }
    input_set_line_handler(on_line);
    notify_init();
    screen_start();
    chat_init();
    seen_init();
    room_init();
    react_ui_init();
    transfers_init();
    screen_load_theme();
    const char *charset = nl_langinfo(CODESET);
    if (g_ascii_strcasecmp(charset, "UTF-8") != 0 && g_ascii_strcasecmp(charset, "utf8") != 0)
        ui_console("The locale's character set is %s, not UTF-8: natter cannot show non-ASCII "
                   "text correctly. Start it with a UTF-8 locale, e.g. LANG=C.UTF-8.",
                   charset);
    return true;
}

void ui_deinit(void)
{
    history_deinit();
    transfers_deinit();
    room_deinit();
    react_ui_deinit();
    seen_deinit();
    notify_deinit();
    if (screen_is_open()) {
        input_deinit();
        screen_close();
    }
    win_deinit();
}

void ui_set_line_handler(ui_line_cb cb)
{
    line_handler = cb;
}

void ui_set_input_handler(ui_input_cb cb)
{
    input_handler = cb;
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
    ui_add_line(w, k, text);
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

static int command_depth;

void ui_command_begin(void)
{
    command_depth++;
}

void ui_command_end(void)
{
    if (command_depth > 0)
        command_depth--;
}

bool ui_in_command(void)
{
    return command_depth > 0;
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
    find_end();
    input_switch(prev, w);
    win_focus(w);
    screen_focused(prev);
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
    guint cur = 0;
    while (cur < n && win_at(cur) != win_current())
        cur++;
    guint next = (cur + (dir > 0 ? 1 : n - 1)) % n;
    ui_focus(win_at(next));
}

bool ui_next_active_window(void)
{
    /* The most important activity first (a mention or a chat message, then
     * messages, then the rest); among equals the lowest number. */
    win_t *best = NULL;
    for (guint i = 0; i < win_count(); i++) {
        win_t *w = win_at(i);
        if (w != win_current() && w->act != ACT_NONE && (!best || w->act > best->act))
            best = w;
    }
    if (!best)
        return false;
    ui_focus(best);
    return true;
}

/* Close window W (not the console), moving the focus first when it is the
 * current one. */
static void close_window(win_t *w)
{
    find_end(); /* it may point into W */
    if (w == win_current()) {
        guint i = 0;
        while (win_at(i) != w)
            i++;
        win_t *to = win_at(i - 1);
        input_switch(w, to);
        win_focus(to);
        screen_focused(w);
    }
    win_close(w);
    ui_dirty(DIRTY_ALL);
}

bool ui_close_window(void)
{
    win_t *w = win_current();
    if (w->type == WIN_CONSOLE)
        return false;
    close_window(w);
    return true;
}

bool ui_close_window_num(int num, char **room)
{
    win_t *w = num > 0 ? win_nth((guint)num) : NULL;
    *room = NULL;
    if (!w || w->type == WIN_CONSOLE)
        return false;
    if (w->type == WIN_ROOM)
        *room = g_strdup(w->jid);
    close_window(w);
    return true;
}

int *ui_window_numbers(bool only_read, int *count)
{
    int *out = g_new0(int, win_count() + 1);
    int n = 0;
    for (guint i = 0; i < win_count(); i++) {
        win_t *w = win_at(i);
        if (w->type == WIN_CONSOLE)
            continue;
        if (only_read && (w->act >= ACT_MSG || conv_unread(w->jid) > 0))
            continue;
        out[n++] = (int)w->num;
    }
    *count = n;
    return out;
}

void ui_renumber_windows(void)
{
    win_renumber();
    ui_dirty(DIRTY_STATUS);
}

int ui_window_count(void)
{
    return (int)win_count();
}

int ui_window_of(const char *jid)
{
    win_t *w = win_find(jid);
    return w ? (int)win_number(w) : 0;
}

/* The search in the scrollback (Ctrl-R): where it stands. */
static struct {
    win_t *w;
    win_line *line; /* the line found last (marked), checked before use */
    char *text;
} find;

/* True when L is still one of W's lines. */
static bool has_line(const win_t *w, const win_line *l)
{
    for (GList *it = w->lines.tail; it && l; it = it->prev)
        if (it->data == l)
            return true;
    return false;
}

static void find_end(void)
{
    if (find.w && has_line(find.w, find.line)) {
        find.line->highlight = false;
        win_touch();
    }
    find.w = NULL;
    find.line = NULL;
    g_clear_pointer(&find.text, g_free);
}

bool ui_in_scrollback(void)
{
    win_t *w = win_current();
    return w->scroll > 0 || (find.w == w && has_line(w, find.line));
}

void ui_find_back(const char *text)
{
    win_t *w = win_current();
    bool again = find.w == w && has_line(w, find.line) && !g_strcmp0(find.text, text);
    GList *it = again ? g_queue_find(&w->lines, find.line)->prev : w->lines.tail;
    char *needle = g_utf8_casefold(text, -1);
    win_line *hit = NULL;
    for (; it && !hit; it = it->prev) {
        win_line *l = it->data;
        char *hay = g_utf8_casefold(l->text, -1);
        if (strstr(hay, needle) || (l->nick && strstr(l->nick, text)))
            hit = l;
        g_free(hay);
    }
    g_free(needle);
    if (!hit) {
        /* A line added now would land below the view: the bell says it. */
        beep();
        return;
    }
    char *keep = g_strdup(text);
    find_end();
    find.w = w;
    find.line = hit;
    find.text = keep;
    hit->highlight = true;
    /* The line found at the top of the screen (or as far up as it goes). */
    int rows = screen_rows_from(w, hit) - ui_lay.main_h;
    win_scroll(w, (rows > 0 ? rows : 0) - w->scroll);
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

void ui_lastlog(const char *text)
{
    win_t *w = win_current();
    char *needle = g_utf8_casefold(text, -1);
    GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
    bool earlier = false; /* in what an earlier /lastlog printed: not searched */
    for (GList *it = w->lines.head; it; it = it->next) {
        const win_line *l = it->data;
        if (l->kind == LINE_INFO && g_str_has_prefix(l->text, "Lastlog: ")) {
            earlier = true;
            continue;
        }
        if (earlier && l->kind == LINE_INFO && g_str_has_prefix(l->text, "  "))
            continue;
        earlier = false;
        char *hay = g_utf8_casefold(l->text, -1);
        if (strstr(hay, needle)) {
            char stamp[16];
            struct tm tm;
            localtime_r(&l->ts, &tm);
            strftime(stamp, sizeof(stamp), "%H:%M", &tm);
            g_ptr_array_add(hits, l->nick ? g_strdup_printf("  %s <%s> %s", stamp, l->nick, l->text)
                                          : g_strdup_printf("  %s %s", stamp, l->text));
        }
        g_free(hay);
    }
    g_free(needle);
    char *head = g_strdup_printf("Lastlog: %u line%s contain%s \"%s\"%s", hits->len,
                                 hits->len == 1 ? "" : "s", hits->len == 1 ? "s" : "", text,
                                 hits->len ? ":" : ".");
    ui_add_line(w, LINE_INFO, head);
    g_free(head);
    for (guint i = 0; i < hits->len; i++)
        ui_add_line(w, LINE_INFO, g_ptr_array_index(hits, i));
    g_ptr_array_unref(hits);
    if (w->scroll > 0)
        ui_scroll_edge(false);
}

void ui_clear_window(void)
{
    find_end();
    win_clear(win_current());
    ui_dirty(DIRTY_MAIN);
}

void ui_scroll_pages(int pages)
{
    win_t *w = win_current();
    int step = ui_lay.main_h > 2 ? ui_lay.main_h - 1 : 1;
    if (pages > 0) {
        /* Past the oldest line in memory: fetch an older page first. */
        /* (The scroll offset counts from the bottom, so lines put in
         * front do not move what is on screen.) */
        if (w->scroll + pages * step + ui_lay.main_h > screen_window_rows(w))
            history_load_older(w);
    } else if (w->detached && w->scroll + pages * step <= 0) {
        find_end();
        history_reattach(w);
        w->scroll = 0;
        w->new_below = 0;
        ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
        return;
    }
    win_scroll(w, pages * step);
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

void ui_scroll_edge(bool top)
{
    win_t *w = win_current();
    if (!top)
        find_end();
    if (top) {
        /* The oldest line in memory; PgUp from there fetches older pages. */
        int rows = screen_window_rows(w) - ui_lay.main_h;
        win_scroll(w, (rows > 0 ? rows : 0) - w->scroll);
    } else if (w->detached) {
        history_reattach(w);
        w->scroll = 0;
        w->new_below = 0;
    } else {
        win_scroll(w, -w->scroll);
    }
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

char **ui_drafts(void)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < win_count(); i++) {
        win_t *w = win_at(i);
        const char *d = w->draft;
        while (d && g_ascii_isspace(*d))
            d++;
        if (w != win_current() && d && *d)
            g_ptr_array_add(out, bars_window_name(w));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

char **ui_window_list(void)
{
    guint n = win_count();
    char **out = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        win_t *w = win_at(i);
        char *name = bars_window_name(w);
        unsigned unread = conv_unread(w->jid);
        out[i] = unread ? g_strdup_printf("%u:%s (%u unread)", w->num, name, unread)
                        : g_strdup_printf("%u:%s", w->num, name);
        g_free(name);
    }
    return out;
}

void ui_ask_secret(const char *prompt, ui_secret_cb cb, void *ud)
{
    input_set_secret(prompt, cb, ud);
    ui_dirty(DIRTY_INPUT);
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
    ui_add_line(w, LINE_INFO, head);
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

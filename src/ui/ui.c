/* ui.c - the UI's public face: setting it up and down, the print
 * functions and their capture for remote control, and the window commands
 * (open, focus, switch, close, clear, scroll). The screen is drawn by
 * screen.c; events become lines in chat.c (chats) and room.c (rooms). */
#include "ui/ui.h"

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
    room_init();
    transfers_init();
    screen_load_theme();
    return true;
}

void ui_deinit(void)
{
    history_deinit();
    transfers_deinit();
    room_deinit();
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
    guint cur = win_number(win_current());
    guint next = (cur - 1 + n + (guint)(dir > 0 ? 1 : n - 1)) % n + 1;
    ui_switch_window((int)next);
}

bool ui_close_window(void)
{
    win_t *w = win_current();
    if (w->type == WIN_CONSOLE)
        return false;
    guint n = win_number(w);
    win_t *to = win_nth(n - 1);
    input_switch(w, to);
    win_close(w);
    ui_dirty(DIRTY_ALL);
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
    if (w == win_current())
        return ui_close_window();
    win_close(w);
    ui_dirty(DIRTY_ALL);
    return true;
}

void ui_clear_window(void)
{
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
        history_reattach(w);
        w->scroll = 0;
        ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
        return;
    }
    win_scroll(w, pages * step);
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

char **ui_drafts(void)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 1; i <= win_count(); i++) {
        win_t *w = win_nth(i);
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
    for (guint i = 1; i <= n; i++) {
        char *name = bars_window_name(win_nth(i));
        unsigned unread = conv_unread(win_nth(i)->jid);
        out[i - 1] = unread ? g_strdup_printf("%u:%s (%u unread)", i, name, unread)
                            : g_strdup_printf("%u:%s", i, name);
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

/* win.c - the window list and line buffers. */
#include "ui/win.h"

#include <string.h>

#include "config/settings.h"
#include "model/conversation.h"
#include "model/roster.h"
#include "ui/internal.h"
#include "ui/sanitize.h"

static GPtrArray *windows; /* win_t*, ordered by number; index 0 is the console */
static win_t *current;
static guint64 version;

G_STATIC_ASSERT(sizeof(win_line) <= 104);

char *win_shared(char *s)
{
    if (!s)
        return NULL;
    char *shared = g_ref_string_new_intern(s);
    g_free(s);
    return shared;
}

static void line_free(gpointer p)
{
    win_line *l = p;
    if (l->nick)
        g_ref_string_release(l->nick);
    g_free(l->text);
    g_free(l->id);
    g_free(l->origin_id);
    if (l->sender_bare)
        g_ref_string_release(l->sender_bare);
    g_free(l->stanza_id);
    g_free(l->quote);
    g_free(l->reply_id);
    g_free(l->reactions);
    g_free(l);
}

void win_line_free(win_line *l)
{
    if (l)
        line_free(l);
}

win_line *win_line_new(line_kind kind, const char *nick, const char *text, time_t ts)
{
    win_line *l = g_new0(win_line, 1);
    l->ts = ts ? ts : time(NULL);
    l->kind = kind;
    l->nick = nick ? win_shared(sanitize_text(nick, -1, SANITIZE_EXPAND_TAB)) : NULL;
    l->text = sanitize_text(text ? text : "", -1, SANITIZE_KEEP_NEWLINE | SANITIZE_EXPAND_TAB);
    return l;
}

static void win_free(gpointer p)
{
    win_t *w = p;
    g_free(w->jid);
    g_queue_clear_full(&w->lines, line_free);
    g_ptr_array_unref(w->history);
    g_free(w->draft);
    g_free(w->title);
    g_free(w->query);
    if (w->results)
        g_ptr_array_unref(w->results);
    g_free(w->archive_cursor);
    g_free(w->shown_status);
    g_free(w);
}

static win_t *win_new(win_type type, const char *jid)
{
    win_t *w = g_new0(win_t, 1);
    w->type = type;
    w->jid = g_strdup(jid);
    g_queue_init(&w->lines);
    w->history = g_ptr_array_new_with_free_func(g_free);
    /* The lowest free number, as in irssi: the list stays ordered. */
    guint i = 0, num = 1;
    while (i < windows->len && ((win_t *)g_ptr_array_index(windows, i))->num == num) {
        i++;
        num++;
    }
    w->num = num;
    g_ptr_array_insert(windows, (gint)i, w);
    version++;
    return w;
}

void win_init(void)
{
    windows = g_ptr_array_new_with_free_func(win_free);
    current = win_new(WIN_CONSOLE, NULL);
}

void win_deinit(void)
{
    if (windows)
        g_ptr_array_unref(windows);
    windows = NULL;
    current = NULL;
}

guint win_count(void)
{
    return windows->len;
}

win_t *win_at(guint i)
{
    return i < windows->len ? g_ptr_array_index(windows, i) : NULL;
}

win_t *win_nth(guint num)
{
    for (guint i = 0; i < windows->len; i++) {
        win_t *w = g_ptr_array_index(windows, i);
        if (w->num == num)
            return w;
    }
    return NULL;
}

guint win_number(const win_t *w)
{
    return w ? w->num : 0;
}

void win_renumber(void)
{
    for (guint i = 0; i < windows->len; i++)
        ((win_t *)g_ptr_array_index(windows, i))->num = i + 1;
    version++;
}

/* Position of W in the list (windows->len when it is not there). */
static guint win_index(const win_t *w)
{
    guint i = 0;
    while (i < windows->len && g_ptr_array_index(windows, i) != w)
        i++;
    return i;
}

win_t *win_console(void)
{
    return g_ptr_array_index(windows, 0);
}

win_t *win_current(void)
{
    return current;
}

win_t *win_find(const char *jid)
{
    if (!jid)
        return NULL;
    for (guint i = 1; i < windows->len; i++) {
        win_t *w = g_ptr_array_index(windows, i);
        if (w->jid && strcmp(w->jid, jid) == 0)
            return w;
    }
    return NULL;
}

win_t *win_open_chat(const char *jid)
{
    win_t *w = win_find(jid);
    if (w)
        return w;
    w = win_new(WIN_CHAT, jid);
    /* What the contact's presence is now needs no line: only changes do. */
    const roster_contact *c = roster_find(jid);
    w->shown_show = c ? (int)c->show : (int)PRESENCE_OFFLINE;
    w->shown_status = c && c->status ? g_strdup(c->status) : NULL;
    return w;
}

win_t *win_open_room(const char *jid)
{
    win_t *w = win_find(jid);
    return w ? w : win_new(WIN_ROOM, jid);
}

win_t *win_focus(win_t *w)
{
    win_t *prev = current;
    if (prev && prev != w)
        prev->first_unread = NULL; /* read up to here: the next marker starts afresh */
    current = w;
    w->act = ACT_NONE;
    conv_mark_read(w->jid);
    version++;
    return prev;
}

void win_close(win_t *w)
{
    if (!w || w->type == WIN_CONSOLE)
        return;
    guint i = win_index(w);
    if (i >= windows->len)
        return;
    if (current == w)
        current = g_ptr_array_index(windows, i - 1);
    g_ptr_array_remove_index(windows, i);
    current->act = ACT_NONE;
    conv_mark_read(current->jid);
    version++;
}

static int line_rows_estimate(const win_line *l)
{
    /* Used only to keep a scrolled view still; one row per text line is a
     * fair approximation that errs towards not jumping. */
    int rows = 1;
    for (const char *p = l->text; p && *p; p++)
        if (*p == '\n')
            rows++;
    return rows;
}

static long scrollback_limit(void)
{
    long max = settings_get_int("scrollback_lines");
    return max < 100 ? 100 : max;
}

void win_add_line(win_t *w, win_line *l)
{
    g_queue_push_tail(&w->lines, l);
    while (g_queue_get_length(&w->lines) > (guint)scrollback_limit()) {
        win_line *gone = g_queue_pop_head(&w->lines);
        if (gone == w->first_unread)
            w->first_unread = NULL;
        line_free(gone);
        w->history_done = false; /* what was dropped is still in the database */
    }
    if (w->scroll > 0) {
        w->scroll += line_rows_estimate(l);
        w->new_below++;
    }
    if (w != current && !w->first_unread && l->kind != LINE_INFO)
        w->first_unread = l;
    if (w != current) {
        line_kind kind = l->kind;
        win_activity a = ACT_INFO;
        if (kind == LINE_MSG_IN || kind == LINE_ACTION_IN) {
            a = w->type == WIN_CHAT || l->mention ? ACT_HIGHLIGHT : ACT_MSG;
        } else if (kind == LINE_ERROR) {
            a = ACT_MSG;
        }
        if (a > w->act)
            w->act = a;
    }
    version++;
}

void win_add(win_t *w, line_kind kind, const char *nick, const char *text, time_t ts, bool delayed,
             bool queued)
{
    win_line *l = win_line_new(kind, nick, text, ts);
    l->delayed = delayed;
    l->queued = queued;
    win_add_line(w, l);
}

void win_prepend_lines(win_t *w, GPtrArray *lines)
{
    for (guint i = lines->len; i > 0; i--)
        g_queue_push_head(&w->lines, g_ptr_array_index(lines, i - 1));
    g_ptr_array_set_free_func(lines, NULL);
    g_ptr_array_set_size(lines, 0);
    while (g_queue_get_length(&w->lines) > (guint)scrollback_limit()) {
        win_line *gone = g_queue_peek_tail(&w->lines);
        /* The scroll offset counts rows from the bottom: rows dropped
         * there must leave it, or the view jumps up by them and what
         * was between is never shown. */
        if (w->scroll > 0) {
            w->scroll -= screen_is_open() ? screen_line_rows(w, gone) : line_rows_estimate(gone);
            if (w->scroll < 0)
                w->scroll = 0;
        }
        g_queue_pop_tail(&w->lines);
        if (gone == w->first_unread)
            w->first_unread = NULL;
        line_free(gone);
        w->detached = true;
    }
    version++;
}

win_line *win_find_message(win_t *w, const char *id, const char *sender_bare)
{
    if (!id)
        return NULL;
    for (GList *it = w->lines.tail; it; it = it->prev) {
        win_line *l = it->data;
        if ((l->id && strcmp(l->id, id) == 0) || (l->origin_id && strcmp(l->origin_id, id) == 0)) {
            if (!sender_bare || (l->sender_bare && strcmp(l->sender_bare, sender_bare) == 0))
                return l;
        }
    }
    return NULL;
}

win_line *win_find_by_stanza_id(win_t *w, const char *stanza_id, const char *sender_bare)
{
    for (GList *it = stanza_id ? w->lines.tail : NULL; it; it = it->prev) {
        win_line *l = it->data;
        if (l->stanza_id && strcmp(l->stanza_id, stanza_id) == 0)
            return !sender_bare || (l->sender_bare && strcmp(l->sender_bare, sender_bare) == 0)
                       ? l
                       : NULL;
    }
    return NULL;
}

win_line *win_last_own(win_t *w)
{
    for (GList *it = w->lines.tail; it; it = it->prev) {
        win_line *l = it->data;
        if ((l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT) && !l->retracted &&
            (l->origin_id || l->id))
            return l;
    }
    return NULL;
}

win_t *win_open_strangers(void)
{
    for (guint i = 1; i < windows->len; i++) {
        win_t *w = g_ptr_array_index(windows, i);
        if (w->type == WIN_STRANGERS)
            return w;
    }
    return win_new(WIN_STRANGERS, NULL);
}

win_t *win_open_search(const char *title)
{
    win_t *w = win_new(WIN_SEARCH, NULL);
    w->title = g_strdup(title);
    return w;
}

void win_touch(void)
{
    version++;
}

void win_clear(win_t *w)
{
    g_queue_clear_full(&w->lines, line_free);
    g_queue_init(&w->lines);
    w->scroll = 0;
    w->new_below = 0;
    w->first_unread = NULL;
    w->history_done = false;
    w->detached = false;
    version++;
}

void win_scroll(win_t *w, int rows)
{
    w->scroll += rows;
    if (w->scroll <= 0) {
        w->scroll = 0;
        w->new_below = 0;
    }
    version++;
}

guint64 win_version(void)
{
    return version;
}

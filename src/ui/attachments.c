/* attachments.c - the line under a message that links to a file: its
 * number, name and size, and once it is downloaded where it was saved. The
 * same line comes back from history, and the OSC 52 copy of a link. */
#include "ui/internal.h"

#include <stdio.h>

#include "store/attachments.h"
#include "store/store.h"

#define ATTACH_ID_PREFIX "attach-"
#define ATTACH_ID_FMT ATTACH_ID_PREFIX "%lld"

static char *attach_text(const store_attachment *a)
{
    GString *s = g_string_new(NULL);
    g_string_printf(s, "File %lld: %s", (long long)a->id, a->name);
    char *size = a->size >= 0 ? g_format_size((guint64)a->size) : NULL;
    if (a->saved)
        g_string_append_printf(s, " (%s), saved to %s [/open %lld]", size ? size : "?", a->saved,
                               (long long)a->id);
    else if (g_ascii_strncasecmp(a->url, "aesgcm://", 9) == 0)
        g_string_append_printf(s, " (encrypted%s%s) [/download %lld]", size ? ", " : "",
                               size ? size : "", (long long)a->id);
    else if (size)
        g_string_append_printf(s, " (%s) [/download %lld]", size, (long long)a->id);
    else
        g_string_append_printf(s, " [/download %lld]", (long long)a->id);
    g_free(size);
    return g_string_free(s, FALSE);
}

/* The line of message ROWID's attachment, or NULL (win_line_free). */
static win_line *line_for(long long rowid, time_t ts)
{
    if (rowid <= 0 || !store_is_open())
        return NULL;
    store_attachment *a = store_attachment_of_msg(rowid);
    if (!a)
        return NULL;
    char *text = attach_text(a);
    win_line *l = win_line_new(LINE_INFO, NULL, text, ts);
    l->id = g_strdup_printf(ATTACH_ID_FMT, (long long)a->id);
    g_free(text);
    store_attachment_free(a);
    return l;
}

void attach_add(win_t *w, long long rowid)
{
    win_line *l = line_for(rowid, 0);
    if (l)
        win_add_line(w, l);
}

void attach_append(GPtrArray *lines, long long rowid, time_t ts)
{
    win_line *l = line_for(rowid, ts);
    if (l)
        g_ptr_array_add(lines, l);
}

void attach_refresh(win_t *w, win_line *msg)
{
    store_attachment *a =
        msg->rowid > 0 && store_is_open() ? store_attachment_of_msg(msg->rowid) : NULL;
    GList *at = g_queue_find(&w->lines, msg);
    if (at && !a) {
        /* No file any more: its line, right under the message, goes. */
        GList *next = at->next;
        win_line *l = next ? next->data : NULL;
        if (l && l->kind == LINE_INFO && l->id && g_str_has_prefix(l->id, ATTACH_ID_PREFIX)) {
            g_queue_delete_link(&w->lines, next);
            win_line_free(l);
            win_touch();
            ui_dirty(DIRTY_MAIN);
        }
        return;
    }
    if (!at) {
        store_attachment_free(a);
        return;
    }
    char key[48];
    g_snprintf(key, sizeof(key), ATTACH_ID_FMT, (long long)a->id);
    win_line *l = win_find_message(w, key, NULL);
    char *text = attach_text(a);
    if (l) {
        win_line *tmp = win_line_new(LINE_INFO, NULL, text, 0);
        g_free(l->text);
        l->text = tmp->text;
        tmp->text = NULL;
        win_line_free(tmp);
    } else {
        l = win_line_new(LINE_INFO, NULL, text, 0);
        l->id = g_strdup(key);
        g_queue_insert_after(&w->lines, at, l);
    }
    g_free(text);
    store_attachment_free(a);
    win_touch();
    ui_dirty(DIRTY_MAIN);
}

void attach_update(const char *peer, long long id)
{
    win_t *w = peer ? win_find(peer) : NULL;
    char key[48];
    g_snprintf(key, sizeof(key), ATTACH_ID_FMT, id);
    win_line *l = w ? win_find_message(w, key, NULL) : NULL;
    store_attachment *a = l ? store_attachment_get(id) : NULL;
    if (!a)
        return;
    char *text = attach_text(a);
    win_line *tmp = win_line_new(LINE_INFO, NULL, text, 0);
    g_free(l->text);
    l->text = tmp->text;
    tmp->text = NULL;
    win_line_free(tmp);
    g_free(text);
    store_attachment_free(a);
    win_touch();
    ui_dirty(DIRTY_MAIN);
}

void ui_clipboard_copy(const char *text)
{
    char *b64 = g_base64_encode((const guchar *)text, strlen(text));
    /* Inside tmux the sequence reaches the outer terminal only when tmux's
     * set-clipboard allows it; tmux then keeps it as a buffer too. */
    printf("\033]52;c;%s\a", b64);
    fflush(stdout);
    g_free(b64);
}

/* transfers.c - file transfers on screen: one line per transfer in its
 * conversation's window, updated in place as it moves, and a short summary
 * of what runs in the status bar. */
#include "ui/internal.h"

#include <string.h>

#include "ui/win.h"

typedef struct {
    unsigned num;
    bool upload;
    uint64_t done, total;
    double rate;
} running_t;

static GArray *running; /* running_t, the transfers on their way */

/* "1.2 MB" (g_free). */
static char *human(uint64_t bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_DEFAULT);
}

static char *progress_text(const ev_transfer *ev)
{
    char *done = human(ev->done), *total = human(ev->total);
    GString *s = g_string_new(NULL);
    unsigned pct = ev->total ? (unsigned)(ev->done * 100 / ev->total) : 0;
    if (ev->total)
        g_string_printf(s, "%s %s: %u%% (%s of %s", ev->upload ? "Uploading" : "Downloading",
                        ev->name, pct, done, total);
    else
        g_string_printf(s, "Downloading %s: (%s", ev->name, done);
    if (ev->rate > 0) {
        char *rate = human((uint64_t)ev->rate);
        g_string_append_printf(s, ", %s/s", rate);
        g_free(rate);
        if (ev->total > ev->done) {
            unsigned long left = (unsigned long)((double)(ev->total - ev->done) / ev->rate + 0.5);
            if (left >= 60)
                g_string_append_printf(s, ", %lu min %lu s left", left / 60, left % 60);
            else
                g_string_append_printf(s, ", %lu s left", left);
        }
    }
    g_string_append_printf(s, ") [/%s -cancel %u]", ev->upload ? "upload" : "download", ev->num);
    g_free(done);
    g_free(total);
    return g_string_free(s, FALSE);
}

/* The line of transfer NUM in W, or NULL (scrolled out, or cleared). */
static win_line *line_of(win_t *w, unsigned num)
{
    char id[32];
    g_snprintf(id, sizeof(id), "transfer-%u", num);
    return w ? win_find_message(w, id, NULL) : NULL;
}

/* Show TEXT as transfer NUM's line in W: replace it, or add it. */
static void put_line(win_t *w, unsigned num, line_kind kind, const char *text)
{
    win_line *l = line_of(w, num);
    if (l) {
        win_line *tmp = win_line_new(kind, NULL, text, 0);
        g_free(l->text);
        l->text = tmp->text;
        l->kind = kind;
        tmp->text = NULL;
        win_line_free(tmp);
        win_touch();
    } else {
        l = win_line_new(kind, NULL, text, time(NULL));
        l->id = g_strdup_printf("transfer-%u", num);
        win_add_line(w, l);
    }
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS);
}

static void set_running(const ev_transfer *ev, bool on)
{
    for (guint i = 0; i < running->len; i++) {
        running_t *r = &g_array_index(running, running_t, i);
        if (r->num != ev->num)
            continue;
        if (!on) {
            g_array_remove_index(running, i);
            return;
        }
        r->done = ev->done;
        r->total = ev->total;
        r->rate = ev->rate;
        return;
    }
    if (on) {
        running_t r = {ev->num, ev->upload, ev->done, ev->total, ev->rate};
        g_array_append_val(running, r);
    }
}

static void download_line(win_t *w, const ev_transfer *ev, const char *size)
{
    char *text = NULL;
    line_kind kind = LINE_INFO;
    switch (ev->state) {
    case TRANSFER_STARTED:
        text = g_strdup_printf("Downloading %s [/download -cancel %u]", ev->name, ev->num);
        set_running(ev, true);
        break;
    case TRANSFER_PROGRESS:
        text = progress_text(ev);
        set_running(ev, true);
        break;
    case TRANSFER_DONE:
        text = g_strdup_printf("Saved %s (%s) to %s", ev->name, size, ev->path ? ev->path : "");
        set_running(ev, false);
        attach_update(ev->peer, ev->attachment);
        break;
    case TRANSFER_FAILED:
        kind = LINE_ERROR;
        text = g_strdup_printf("Download of %s failed: %s", ev->name, ev->error ? ev->error : "");
        set_running(ev, false);
        break;
    case TRANSFER_CANCELLED:
        text = g_strdup_printf("Download of %s cancelled", ev->name);
        set_running(ev, false);
        break;
    }
    put_line(w, ev->num, kind, text);
    g_free(text);
}

static void on_transfer(event_type t, const void *p, void *ud)
{
    const ev_transfer *ev = p;
    win_t *w = win_find(ev->peer);
    if (!w)
        w = win_console();
    char *text = NULL;
    char *size = human(ev->total);
    line_kind kind = LINE_INFO;
    if (!ev->upload) {
        download_line(w, ev, size);
        g_free(size);
        return;
    }
    switch (ev->state) {
    case TRANSFER_STARTED:
        text = g_strdup_printf("Uploading %s (%s) [/upload -cancel %u]", ev->name, size, ev->num);
        set_running(ev, true);
        break;
    case TRANSFER_PROGRESS:
        text = progress_text(ev);
        set_running(ev, true);
        break;
    case TRANSFER_DONE:
        text = g_strdup_printf("Uploaded %s (%s): %s", ev->name, size, ev->url);
        set_running(ev, false);
        break;
    case TRANSFER_FAILED:
        kind = LINE_ERROR;
        text = g_strdup_printf("Upload of %s failed: %s", ev->name, ev->error ? ev->error : "");
        set_running(ev, false);
        break;
    case TRANSFER_CANCELLED:
        text = g_strdup_printf("Upload of %s cancelled", ev->name);
        set_running(ev, false);
        break;
    }
    put_line(w, ev->num, kind, text);
    g_free(text);
    g_free(size);
}

char *transfers_status(void)
{
    if (!running || running->len == 0)
        return NULL;
    uint64_t done = 0, total = 0;
    double rate = 0;
    unsigned ups = 0;
    for (guint i = 0; i < running->len; i++) {
        running_t *r = &g_array_index(running, running_t, i);
        ups += r->upload;
        done += r->done;
        total += r->total;
        rate += r->rate;
    }
    unsigned pct = total ? (unsigned)(done * 100 / total) : 0;
    char *r = rate > 0 ? human((uint64_t)rate) : NULL;
    const char *what = ups == running->len ? "up" : ups == 0 ? "down" : "files";
    char *s = g_strdup_printf("[%s %u: %u%%%s%s%s] ", what, running->len, pct, r ? " " : "",
                              r ? r : "", r ? "/s" : "");
    g_free(r);
    return s;
}

void transfers_init(void)
{
    running = g_array_new(FALSE, FALSE, sizeof(running_t));
    event_subscribe(EV_TRANSFER, EV_STAGE_SCREEN, on_transfer, NULL);
}

void transfers_deinit(void)
{
    event_unsubscribe(EV_TRANSFER, on_transfer, NULL);
    if (running)
        g_array_free(running, TRUE);
    running = NULL;
}

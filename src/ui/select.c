/* select.c - the message cursor: a selection mode in the current window.
 *
 * Alt+Up or /select puts a highlighted cursor on the newest message of the
 * window; Up/Down (j/k), PgUp/PgDn, Home/End move it from message to message
 * (a message is one window line, all its wrapped rows), scrolling the window
 * so that it stays visible and loading older history past the oldest line
 * in memory as PgUp does. While the mode is on, keys act on the selected
 * message instead of going to the input line (select_key), and the input
 * line shows what they do. Esc, q or Ctrl-C leave.
 *
 * A message is named by #ROW, the row id of the history database, stable
 * across restarts and printed by `i` (cmd_find_message reads it). The keys
 * that need a command fill the input line with it (/reply #ROW, /react #ROW,
 * /correct -n #ROW TEXT, /retract #ROW) so that the user finishes or
 * confirms with Enter; `o` runs /download (or /open once saved) for the
 * message's attachment, `c` copies with OSC 52 and `i` prints the details.
 *
 * Moving costs rows of the lines passed, not of the scrollback: the rows
 * below the selection are kept and updated as the cursor moves, and the
 * main window is drawn from the selection (screen.c asks select_anchor)
 * rather than from the newest line. The cache is dropped whenever any
 * window changes (win_version) or the width does.
 */
#include <stdio.h>
#include <string.h>

#include "config/settings.h"
#include "core/log.h"
#include "core/loop.h"
#include "model/muc.h"
#include "store/attachments.h"
#include "store/readmarks.h"
#include "ui/history.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "ui/sanitize.h"

static struct {
    bool on;
    win_t *w;         /* the window the mode is in (never dereferenced once gone) */
    win_line *sel;    /* the selected line of W */
    GList *link;      /* its link in W->lines (valid while VERSION holds) */
    int below;        /* rows of the lines after it */
    guint64 version;  /* win_version() when LINK and BELOW were found */
    int width;        /* main window width then */
    gint64 key_start; /* monotonic time of the key being handled (timing) */
    bool hooked;      /* the timing hook after the redraw is installed */
} S;

static bool selectable(const win_line *l)
{
    switch (l->kind) {
    case LINE_MSG_IN:
    case LINE_MSG_OUT:
    case LINE_ACTION_IN:
    case LINE_ACTION_OUT:
        return true;
    default:
        return false;
    }
}

static bool own(const win_line *l)
{
    return l->kind == LINE_MSG_OUT || l->kind == LINE_ACTION_OUT;
}

/* Find the link of the selection and the rows below it again when any
 * window changed since they were found. False when the selected line is
 * gone (dropped from the scrollback, cleared). */
static bool sel_refresh(void)
{
    if (S.version == win_version() && S.width == ui_lay.main_w && S.link)
        return true;
    S.link = g_queue_find(&S.w->lines, S.sel);
    if (!S.link || !selectable(S.link->data)) {
        S.link = NULL; /* gone (its memory may hold another line now) */
        S.sel = NULL;
        return false;
    }
    S.below = 0;
    for (GList *it = S.w->lines.tail; it != S.link; it = it->prev)
        S.below += screen_line_rows(S.w, it->data);
    S.version = win_version();
    S.width = ui_lay.main_w;
    return true;
}

/* Scroll the window so that the whole selection is on screen (its top when
 * it is taller than the screen), without asking for a redraw. */
static void fit_scroll(void)
{
    win_t *w = S.w;
    if (!S.sel)
        return;
    int h = ui_lay.main_h, rows = screen_line_rows(w, S.sel);
    if (S.below < w->scroll)
        w->scroll = S.below;
    if (S.below + rows > w->scroll + h)
        w->scroll = S.below + rows - h;
    if (w->scroll <= 0) {
        w->scroll = 0;
        w->new_below = 0;
    }
}

static void keep_visible(void)
{
    if (!S.sel)
        return;
    fit_scroll();
    ui_dirty(DIRTY_MAIN | DIRTY_STATUS | DIRTY_INPUT);
}

static void set_selection(GList *link, int below)
{
    S.link = link;
    S.sel = link->data;
    S.below = below;
    keep_visible();
}

/* The message before (UP) or after the selection, with the rows below it;
 * NULL at the end of what is in memory. */
static GList *neighbour(bool up, int *below)
{
    int b = S.below;
    GList *it = S.link;
    if (up) {
        b += screen_line_rows(S.w, it->data);
        for (it = it->prev; it; it = it->prev) {
            if (selectable(it->data))
                break;
            b += screen_line_rows(S.w, it->data);
        }
    } else {
        for (it = it->next; it; it = it->next) {
            b -= screen_line_rows(S.w, it->data);
            if (selectable(it->data))
                break;
        }
    }
    *below = b;
    return it;
}

static bool select_edge(bool top);

/* Past the oldest line in memory: load the page before it and return the
 * message before the selection (its rows below in *BELOW), or NULL when
 * there is none. A small scrollback may have to drop the selection to make
 * room for the page: then the newest message left, the one just before it,
 * is selected already and *MOVED is set. */
static GList *load_older(int *below, bool *moved)
{
    *moved = false;
    if (!history_load_older(S.w))
        return NULL;
    if (sel_refresh())
        return neighbour(true, below);
    *moved = select_edge(false);
    return NULL;
}

/* Move the selection COUNT messages up (positive) or down; past the oldest
 * line in memory an older page is loaded from the history first. */
static void sel_move(int count)
{
    bool up = count > 0;
    int n = up ? count : -count;
    for (int i = 0; i < n; i++) {
        int below;
        bool moved = false;
        GList *next = neighbour(up, &below);
        if (!next && up)
            next = load_older(&below, &moved);
        if (moved)
            continue;
        if (!next)
            break;
        S.link = next;
        S.sel = next->data;
        S.below = below;
    }
    keep_visible();
}

/* Select the oldest (TOP) or newest message in memory. */
static bool select_edge(bool top)
{
    int below = 0;
    GList *it = S.w->lines.tail;
    for (; it && !selectable(it->data); it = it->prev)
        below += screen_line_rows(S.w, it->data);
    if (!it)
        return false;
    S.version = win_version();
    S.width = ui_lay.main_w;
    set_selection(it, below);
    if (top) {
        GList *best = it;
        int best_below = below;
        for (GList *p = it; p; p = p->prev) {
            if (selectable(p->data)) {
                best = p;
                best_below = below;
            }
            below += screen_line_rows(S.w, p->data);
        }
        set_selection(best, best_below);
    }
    return true;
}

bool select_active(void)
{
    if (S.on && win_current() != S.w)
        select_leave();
    return S.on;
}

const win_line *select_line(void)
{
    return S.on && win_current() == S.w ? S.sel : NULL;
}

bool select_anchor(const win_t *w, GList **link, int *below)
{
    if (!S.on || w != S.w || !sel_refresh())
        return false;
    /* Lines that arrived (the window follows the newest) or a resize (rows
     * change with the width) must not take the selection off the screen:
     * while the mode is on only the cursor scrolls. */
    fit_scroll();
    *link = S.link;
    *below = S.below;
    return true;
}

bool select_enter(char **err)
{
    win_t *w = win_current();
    if ((w->type != WIN_CHAT && w->type != WIN_ROOM) || !w->jid) {
        /* Elsewhere lines are not one conversation's history. */
        *err = g_strdup("The message cursor works in chat and room windows.");
        return false;
    }
    S.w = w;
    S.sel = NULL;
    S.link = NULL;
    if (!select_edge(false)) {
        *err = g_strdup("No message to select in this window.");
        return false;
    }
    S.on = true;
    ui_dirty(DIRTY_MAIN | DIRTY_INPUT | DIRTY_STATUS);
    return true;
}

void select_leave(void)
{
    if (!S.on)
        return;
    S.on = false;
    S.sel = NULL;
    S.link = NULL;
    S.w = NULL;
    ui_dirty(DIRTY_MAIN | DIRTY_INPUT | DIRTY_STATUS);
}

const char *select_help(int width)
{
    static const char *const forms[] = {
        "r reply  e correct  d delete  + react  c copy  o open  i info  Esc leave",
        /* A narrow terminal: how to leave must stay in view. */
        "Esc leave  r e d + c o i (/help select)",
        "Esc leave  r e d + c o i",
        "Esc leave",
    };
    for (size_t i = 0; i + 1 < G_N_ELEMENTS(forms); i++)
        if ((int)strlen(forms[i]) <= width)
            return forms[i];
    return forms[G_N_ELEMENTS(forms) - 1];
}

/* ---------- actions ---------- */

/* The stored message of the selection (store_msg_free), or NULL with one
 * line said to the user. */
static store_msg *stored(const win_line *l)
{
    if (l->rowid <= 0 || !S.w->jid) {
        ui_error("This message is not in the history yet; nothing refers to it.");
        return NULL;
    }
    GPtrArray *a = store_context(S.w->jid, l->rowid, 0);
    store_msg *m = a->len ? store_msg_copy(g_ptr_array_index(a, 0)) : NULL;
    g_ptr_array_unref(a);
    if (!m)
        ui_error("Message %lld is not in the history.", l->rowid);
    return m;
}

/* Leave the mode and put TEXT in the input line for the user to finish. */
static void prefill(const char *text)
{
    select_leave();
    input_prefill(text);
}

static void act_command(const char *cmd, const win_line *l)
{
    if (l->retracted) {
        ui_error("A retracted message cannot be %s.",
                 !strcmp(cmd, "reply") ? "replied to" : "reacted to");
        return;
    }
    if (l->rowid <= 0) {
        ui_error("This message is not in the history yet; nothing refers to it.");
        return;
    }
    char *text = g_strdup_printf("/%s #%lld ", cmd, (long long)l->rowid);
    prefill(text);
    g_free(text);
}

static void act_correct(const win_line *l)
{
    if (!own(l) || l->retracted) {
        ui_error(l->retracted ? "A retracted message cannot be corrected."
                              : "Only your own messages can be corrected.");
        return;
    }
    store_msg *m = stored(l);
    if (!m)
        return;
    char *text = g_strdup_printf("/correct -n #%lld %s", (long long)m->rowid, m->body);
    prefill(text);
    g_free(text);
    store_msg_free(m);
}

static void act_delete(const win_line *l)
{
    if (l->retracted) {
        ui_error("This message is retracted already.");
        return;
    }
    if (!own(l)) {
        muc_room *r = S.w->type == WIN_ROOM ? muc_room_find(S.w->jid) : NULL;
        muc_occupant *me = r && r->nick ? muc_occupant_find(r, r->nick) : NULL;
        if (!me || me->role != MUC_ROLE_MODERATOR) {
            ui_error("Not allowed: only your own messages can be retracted%s.",
                     r ? " (and others' by the room's moderators)" : "");
            return;
        }
    }
    if (l->rowid <= 0) {
        ui_error("This message is not in the history yet; nothing refers to it.");
        return;
    }
    char *text = g_strdup_printf("/retract #%lld", (long long)l->rowid);
    prefill(text);
    g_free(text);
}

static void act_copy(const win_line *l)
{
    if (!settings_get_bool("osc52_copy")) {
        ui_info("Copying uses the terminal's clipboard (OSC 52): /set osc52_copy on enables it.");
        return;
    }
    /* What is shown (sanitised): no control character reaches the
     * clipboard, so pasting it into a shell runs nothing unseen. */
    gsize len = strlen(l->text);
    if (len > 65536) {
        ui_error("Not copied: the message is longer than 64 KiB.");
        return;
    }
    char *b64 = g_base64_encode((const guchar *)l->text, len);
    printf("\033]52;c;%s\a", b64);
    fflush(stdout);
    g_free(b64);
    ui_info("Copied %ld characters to the clipboard.", g_utf8_strlen(l->text, -1));
}

static void act_open(const win_line *l)
{
    /* The attachment the store recorded for this message, by its own
     * number (the one /download and /open take). */
    store_attachment *a = l->rowid > 0 ? store_attachment_of_msg(l->rowid) : NULL;
    if (!a) {
        ui_info("This message has no attachment.");
        return;
    }
    char *line = g_strdup_printf(a->saved ? "/open %lld" : "/download %lld", (long long)a->id);
    store_attachment_free(a);
    select_leave();
    input_run_line(line);
    g_free(line);
}

static void say(GPtrArray *rows, const char *label, const char *value)
{
    /* One row per value: a newline in an id from the network shows as a
     * control picture instead of starting a line of its own. */
    char *safe = sanitize_text(value && *value ? value : "-", -1, 0);
    g_ptr_array_add(rows, g_strdup_printf("  %-10s %s", label, safe));
    g_free(safe);
}

static char *format_ms(int64_t ms)
{
    GDateTime *t = g_date_time_new_from_unix_local(ms / 1000);
    char *s = t ? g_date_time_format(t, "%Y-%m-%d %H:%M:%S %z") : g_strdup("?");
    if (t)
        g_date_time_unref(t);
    return s;
}

/* Put ROWS as info lines right under the selection, keeping what is on
 * screen still and then bringing them into view (with the selection). */
static void show_under_selection(GPtrArray *rows)
{
    win_t *w = S.w;
    int added = 0;
    GList *at = S.link;
    for (guint i = 0; i < rows->len; i++) {
        win_line *info = win_line_new(LINE_INFO, NULL, g_ptr_array_index(rows, i), 0);
        g_queue_insert_after(&w->lines, at, info);
        at = at->next;
        added += screen_line_rows(w, info);
    }
    int below_block = S.below; /* rows under the details */
    S.below += added;
    if (w->scroll > 0)
        w->scroll += added; /* the view stays where it was ... */
    if (below_block < w->scroll)
        w->scroll = below_block; /* ... until the details are shown */
    keep_visible();
    win_touch();
    S.version = win_version(); /* LINK and BELOW are up to date */
}

static void act_info(const win_line *l)
{
    store_msg *m = stored(l);
    if (!m)
        return;
    win_t *w = S.w;
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(rows, g_strdup_printf("Message %lld:", (long long)m->rowid));
    char *sent = format_ms(m->ts);
    say(rows, "sent", sent);
    g_free(sent);
    int64_t got = m->outgoing ? 0 : store_received_of(m->rowid);
    char *received = got > 0 ? format_ms(got) : NULL;
    if (!m->outgoing)
        say(rows, "received", received ? received : "(not recorded)");
    g_free(received);
    say(rows, "from", m->sender);
    if (w->type == WIN_ROOM && m->author)
        say(rows, "occupant", m->author);
    say(rows, "encryption", m->encryption == STORE_ENC_OMEMO ? "OMEMO" : "none (unencrypted)");
    if (m->outgoing) {
        bool read = l->read || (w->type == WIN_CHAT && !strchr(m->peer, '/') &&
                                m->ts <= store_read_upto(m->peer));
        const char *state = m->queued ? "queued (not sent yet)"
                            : read    ? "read (the contact displayed it)"
                            : m->receipt == STORE_RECEIPT_DELIVERED ? "delivered"
                            : m->server_ack == STORE_ACK_DONE       ? "sent (the server has it)"
                            : m->server_ack == STORE_ACK_PENDING    ? "sent, not confirmed"
                                                                    : "sent";
        say(rows, "state", state);
    }
    if (m->corrected)
        say(rows, "edited", "corrected");
    if (m->retracted)
        say(rows, "edited", "retracted");
    if (m->from_archive)
        say(rows, "source", "the server archive");
    say(rows, "id", m->msg_id);
    say(rows, "origin-id", m->origin_id);
    char *sid = m->stanza_id ? g_strdup_printf("%s (by %s)", m->stanza_id,
                                               m->stanza_id_by ? m->stanza_id_by : "?")
                             : NULL;
    say(rows, "stanza-id", sid);
    g_free(sid);
    char *num = g_strdup_printf("#%lld (/reply, /react, /correct -n, /retract take it)",
                                (long long)m->rowid);
    say(rows, "number", num);
    g_free(num);
    show_under_selection(rows);
    g_ptr_array_unref(rows);
    store_msg_free(m);
}

/* ---------- keys ---------- */

typedef enum {
    K_NONE,
    K_UP,
    K_DOWN,
    K_PGUP,
    K_PGDN,
    K_HOME,
    K_END,
    K_LEAVE,
    K_FOCUS_IN, /* focus reports: the mode stays, notifications learn of it */
    K_FOCUS_OUT,
    K_OTHER_SEQ, /* a key the mode does not use: leave and let readline have it */
} key_code;

static const struct {
    const char *seq;
    key_code key;
} seqs[] = {
    {"\033[A", K_UP},        {"\033OA", K_UP},    {"\033[1;3A", K_UP}, {"\033[1;5A", K_UP},
    {"\033\033[A", K_UP},    {"\033[B", K_DOWN},  {"\033OB", K_DOWN},  {"\033[1;3B", K_DOWN},
    {"\033[1;5B", K_DOWN},   {"\033[5~", K_PGUP}, {"\033[6~", K_PGDN}, {"\033[1~", K_HOME},
    {"\033[H", K_HOME},      {"\033OH", K_HOME},  {"\033[7~", K_HOME}, {"\033[4~", K_END},
    {"\033[F", K_END},       {"\033OF", K_END},   {"\033[8~", K_END},  {"\033[I", K_FOCUS_IN},
    {"\033[O", K_FOCUS_OUT},
};

/* Length of the escape sequence at BUF (CSI, SS3 or Alt+key), at least 1. */
static size_t seq_len(const unsigned char *buf, size_t len)
{
    if (len < 2)
        return 1;
    if (buf[1] == '[') {
        size_t i = 2;
        while (i < len && (buf[i] < 0x40 || buf[i] > 0x7e))
            i++;
        return i < len ? i + 1 : len;
    }
    if (buf[1] == 'O')
        return len >= 3 ? 3 : len;
    if (buf[1] == '\033')
        return 1 + seq_len(buf + 1, len - 1);
    return 2;
}

static void log_timing(void)
{
    if (!S.key_start)
        return;
    log_debug("select", "key handled and drawn in %.3f ms",
              (double)(g_get_monotonic_time() - S.key_start) / 1000.0);
    S.key_start = 0;
}

static int after_redraw(void *ud)
{
    log_timing();
    return -1;
}

size_t select_key(const unsigned char *buf, size_t len)
{
    if (!select_active() || !len)
        return 0;
    if (log_enabled()) {
        if (!S.hooked)
            loop_add_prepare(110, after_redraw, NULL); /* after the redraw (100) */
        S.hooked = true;
        S.key_start = g_get_monotonic_time();
    }
    if (!sel_refresh()) {
        /* The selected line left the window (trimmed, cleared). */
        if (!select_edge(false)) {
            select_leave();
            return 0;
        }
    }
    key_code key = K_NONE;
    size_t used = 1;
    if (buf[0] == '\033') {
        used = seq_len(buf, len);
        key = used == 1 ? K_LEAVE : K_OTHER_SEQ;
        for (unsigned i = 0; i < G_N_ELEMENTS(seqs); i++)
            if (strlen(seqs[i].seq) == used && memcmp(seqs[i].seq, buf, used) == 0)
                key = seqs[i].key;
    } else if (buf[0] >= 0x80) {
        /* A character the mode does not use: skip all its bytes. */
        while (used < len && (buf[used] & 0xc0) == 0x80)
            used++;
    }
    const win_line *l = S.sel;
    int page = ui_lay.main_h > 2 ? ui_lay.main_h - 1 : 1;
    switch (buf[0] == '\033' ? 0 : buf[0]) {
    case 'k':
        key = K_UP;
        break;
    case 'j':
        key = K_DOWN;
        break;
    case 'g':
        key = K_HOME;
        break;
    case 'G':
        key = K_END;
        break;
    case 'q':
    case '\003': /* Ctrl-C */
        key = K_LEAVE;
        break;
    case '\014': /* Ctrl-L */
        ui_redraw();
        break;
    case 'r':
        act_command("reply", l);
        break;
    case '+':
        act_command("react", l);
        break;
    case 'e':
        act_correct(l);
        break;
    case 'd':
        act_delete(l);
        break;
    case 'c':
        act_copy(l);
        break;
    case 'o':
        act_open(l);
        break;
    case 'i':
        act_info(l);
        break;
    default:
        break;
    }
    switch (key) {
    case K_UP:
        sel_move(1);
        break;
    case K_DOWN:
        sel_move(-1);
        break;
    case K_PGUP:
    case K_PGDN: {
        /* About a screen's worth of rows, at least one message. */
        int rows = 0;
        bool up = key == K_PGUP;
        do {
            int below;
            bool moved = false;
            GList *next = neighbour(up, &below);
            if (!next && up)
                next = load_older(&below, &moved);
            if (moved) {
                rows++; /* at least one message further back */
                continue;
            }
            if (!next)
                break;
            rows += up ? below - S.below : S.below - below;
            S.link = next;
            S.sel = next->data;
            S.below = below;
        } while (rows < page);
        keep_visible();
        break;
    }
    case K_HOME:
        select_edge(true);
        break;
    case K_END:
        if (S.w->detached)
            history_reattach(S.w); /* showing older history: back to the newest */
        select_edge(false);
        break;
    case K_LEAVE:
        select_leave();
        break;
    case K_FOCUS_IN:
    case K_FOCUS_OUT:
        notify_set_focus(key == K_FOCUS_IN);
        break;
    case K_OTHER_SEQ:
        select_leave();
        return 0; /* readline has it (Alt+1, Alt+Left ...) */
    case K_NONE:
        break;
    }
    return used;
}

/* input.c - the input line: GNU readline's callback interface fed from the
 * main loop, drawn by us into the ncurses input window.
 *
 * We read stdin ourselves (non-blocking) and hand readline one byte at a
 * time through rl_getc_function, so the user's inputrc, keys, history and
 * completion work while ncurses owns the screen. Bracketed paste
 * (ESC[200~ ... ESC[201~) is cut out before readline sees it and inserted in
 * one go, newlines included, so a pasted block becomes one message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "config/settings.h"
#include "core/loop.h"
#include "core/utf8.h"
#include "ui/internal.h"
#include "ui/notify.h"
#include "ui/sanitize.h"
#include "ui/textwidth.h"
#include "ui/theme.h"

#define PASTE_START "\033[200~"
#define PASTE_END "\033[201~"
#define PASTE_MAX (1024 * 1024) /* bytes kept from one paste */

static GByteArray *pending; /* bytes read but not yet given to readline */
static guint pending_pos;
static GString *paste; /* collecting a bracketed paste, or NULL */
static unsigned stdin_watch;
static void (*line_cb)(const char *line);
static void (*secret_cb)(const char *secret, void *ud);
static void *secret_ud;
static char *secret_prompt;
static FILE *devnull;
static bool paste_truncated;

/* ---------- readline plumbing ---------- */

static int getc_cb(FILE *f)
{
    while (pending_pos >= pending->len) {
        /* Readline wants the rest of a multi-byte key: wait briefly. */
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            return EOF;
        unsigned char buf[256];
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n <= 0)
            return EOF;
        g_byte_array_append(pending, buf, (guint)n);
    }
    return pending->data[pending_pos++];
}

static int input_available_cb(void)
{
    return pending_pos < pending->len;
}

static void redisplay_cb(void)
{
    ui_dirty(DIRTY_INPUT);
}

static void prep_noop(int meta)
{
}

static void deprep_noop(void)
{
}

static void history_add_for(win_t *w, const char *line)
{
    long max = settings_get_int("input_history");
    if (max <= 0)
        return;
    guint n = w->history->len;
    if (n && strcmp(g_ptr_array_index(w->history, n - 1), line) == 0)
        return;
    g_ptr_array_add(w->history, g_strdup(line));
    add_history(line);
    while (w->history->len > (guint)max) {
        g_ptr_array_remove_index(w->history, 0);
        HIST_ENTRY *e = remove_history(0);
        if (e)
            free_history_entry(e);
    }
}

static void on_rl_line(char *line)
{
    if (!line) /* Ctrl-D on an empty line: ignore, /quit leaves */
        return;
    if (secret_cb) {
        void (*cb)(const char *, void *) = secret_cb;
        void *ud = secret_ud;
        secret_cb = NULL;
        g_clear_pointer(&secret_prompt, g_free);
        cb(line, ud);
        explicit_bzero(line, strlen(line));
        free(line);
        ui_dirty(DIRTY_INPUT);
        return;
    }
    ui_report_input(line, true);
    /* Empty readline's buffer before the command runs: a command that
     * switches windows must not save the line just entered as a draft. */
    rl_replace_line("", 1);
    rl_point = rl_end = 0;
    if (*line) {
        history_add_for(win_current(), line);
        if (line_cb)
            line_cb(line);
    }
    free(line);
    ui_dirty(DIRTY_INPUT);
}

/* ---------- key bindings ---------- */

static int key_window(int count, int key)
{
    int n = key == '0' ? 10 : key - '0';
    ui_switch_window(n);
    return 0;
}

static int key_next_window(int count, int key)
{
    ui_cycle_window(1);
    return 0;
}

static int key_prev_window(int count, int key)
{
    ui_cycle_window(-1);
    return 0;
}

static int key_page_up(int count, int key)
{
    ui_scroll_pages(1);
    return 0;
}

static int key_page_down(int count, int key)
{
    ui_scroll_pages(-1);
    return 0;
}

static int key_newline(int count, int key)
{
    rl_insert_text("\n");
    return 0;
}

static int key_redraw(int count, int key)
{
    ui_redraw();
    return 0;
}

static int key_interrupt(int count, int key)
{
    if (secret_cb) {
        void (*cb)(const char *, void *) = secret_cb;
        secret_cb = NULL;
        g_clear_pointer(&secret_prompt, g_free);
        rl_replace_line("", 1);
        cb(NULL, secret_ud);
    } else if (rl_end > 0) {
        rl_replace_line("", 1);
    } else {
        ui_info("Type /quit to leave natter.");
    }
    ui_dirty(DIRTY_INPUT);
    return 0;
}

/* Ctrl-Up in a chat: edit the last message sent there (it is sent as a
 * correction). Up stays readline's previous-history. */
static int key_edit_last(int count, int key)
{
    if (secret_cb)
        return 0;
    win_t *w = win_current();
    win_line *last = w->type == WIN_CHAT ? win_last_own(w) : NULL;
    if (!last) {
        ui_info("No message of yours here to edit.");
        return 0;
    }
    if (rl_end > 0) {
        /* What was typed stays one Up away. */
        char *typed = g_strndup(rl_line_buffer, (gsize)rl_end);
        history_add_for(w, typed);
        history_set_pos(history_length);
        g_free(typed);
    }
    char *text =
        g_strconcat("/correct ", last->kind == LINE_ACTION_OUT ? "/me " : "", last->text, NULL);
    rl_replace_line(text, 1);
    rl_point = rl_end;
    g_free(text);
    ui_dirty(DIRTY_INPUT);
    return 0;
}

/* Alt+Up: the message cursor (select.c) in this window. */
static int key_select(int count, int key)
{
    if (secret_cb)
        return 0;
    char *err = NULL;
    if (!select_enter(&err)) {
        ui_error("%s", err);
        g_free(err);
    }
    return 0;
}

static int key_up(int count, int key)
{
    if (secret_cb)
        return 0; /* no history in a password prompt */
    return rl_get_previous_history(count, key);
}

static int key_next_active(int count, int key)
{
    ui_next_active_window();
    return 0;
}

/* Home and End move in the input line as in readline; on an empty input
 * line they jump to the top or the bottom of the scrollback. */
static int key_home(int count, int key)
{
    if (rl_end == 0 && !secret_cb)
        ui_scroll_edge(true);
    else
        rl_beg_of_line(count, key);
    return 0;
}

static int key_end(int count, int key)
{
    if (rl_end == 0 && !secret_cb)
        ui_scroll_edge(false);
    else
        rl_end_of_line(count, key);
    return 0;
}

/* Ctrl-Home/End (irssi) and Alt+Home/End (WeeChat): the scrollback's top
 * and bottom whatever the input line holds. */
static int key_scroll_top(int count, int key)
{
    ui_scroll_edge(true);
    return 0;
}

static int key_scroll_bottom(int count, int key)
{
    ui_scroll_edge(false);
    return 0;
}

/* Ctrl-R: in the scrollback (scrolled up, or searching already) with text
 * in the input line, find the text in the window's lines (WeeChat);
 * otherwise readline's search of the input history. */
static int key_search(int count, int key)
{
    if (!secret_cb && rl_end > 0 && ui_in_scrollback()) {
        char *text = g_strndup(rl_line_buffer, (gsize)rl_end);
        ui_find_back(text);
        g_free(text);
        return 0;
    }
    return rl_reverse_search_history(count, key);
}

/* Ctrl-Z: give the terminal back and stop; `fg` continues here. */
static int key_suspend(int count, int key)
{
    if (secret_cb)
        return 0;
    screen_suspend();
    return 0;
}

static int key_focus_in(int count, int key)
{
    notify_set_focus(true);
    return 0;
}

static int key_focus_out(int count, int key)
{
    notify_set_focus(false);
    return 0;
}

static void bind_keys(void)
{
    static const char *digits = "1234567890";
    for (const char *d = digits; *d; d++) {
        char seq[4] = {'\033', *d, 0, 0};
        rl_bind_keyseq(seq, key_window);
    }
    rl_bind_keyseq("\033[1;3C", key_next_window); /* Alt+Right */
    rl_bind_keyseq("\033[1;3D", key_prev_window); /* Alt+Left */
    rl_bind_keyseq("\033\033[C", key_next_window);
    rl_bind_keyseq("\033\033[D", key_prev_window);
    rl_bind_keyseq("\033[A", key_up);
    rl_bind_keyseq("\033OA", key_up);
    rl_bind_keyseq("\033[1;3A", key_select);    /* Alt+Up */
    rl_bind_keyseq("\033[1;5A", key_edit_last); /* Ctrl-Up */
    rl_bind_keyseq("\033\033[A", key_select);
    rl_bind_keyseq("\033a", key_next_active); /* Alt+A */
    static const char *const home[] = {"\033[1~", "\033[H", "\033OH", "\033[7~"};
    static const char *const end[] = {"\033[4~", "\033[F", "\033OF", "\033[8~"};
    for (unsigned i = 0; i < G_N_ELEMENTS(home); i++) {
        rl_bind_keyseq(home[i], key_home);
        rl_bind_keyseq(end[i], key_end);
    }
    rl_bind_keyseq("\033[1;5H", key_scroll_top); /* Ctrl-Home */
    rl_bind_keyseq("\033[1;5F", key_scroll_bottom);
    rl_bind_keyseq("\033[1;3H", key_scroll_top); /* Alt+Home */
    rl_bind_keyseq("\033[1;3F", key_scroll_bottom);
    rl_bind_keyseq("\033\033[1~", key_scroll_top);
    rl_bind_keyseq("\033\033[4~", key_scroll_bottom);
    rl_bind_keyseq("\032", key_suspend);                 /* Ctrl-Z */
    rl_bind_keyseq("\022", key_search);                  /* Ctrl-R */
    rl_bind_keyseq("\t", rl_menu_complete);              /* Tab cycles in place */
    rl_bind_keyseq("\033[Z", rl_backward_menu_complete); /* Shift-Tab */
    rl_bind_keyseq("\033[5~", key_page_up);
    rl_bind_keyseq("\033[6~", key_page_down);
    rl_bind_keyseq("\033\r", key_newline); /* Alt+Enter */
    rl_bind_keyseq("\033\n", key_newline);
    rl_bind_keyseq("\014", key_redraw);     /* Ctrl-L */
    rl_bind_keyseq("\033[I", key_focus_in); /* focus reporting */
    rl_bind_keyseq("\033[O", key_focus_out);
    rl_bind_keyseq("\003", key_interrupt); /* Ctrl-C */
}

/* ---------- completion ---------- */

static char **attempted_completion(const char *text, int start, int end)
{
    rl_attempted_completion_over = 1; /* never fall back to file names */
    ui_complete_cb cb = ui_internal_completer();
    if (!cb)
        return NULL;
    char *line = g_strndup(rl_line_buffer, (gsize)end);
    char **cands = cb(line, start, text);
    g_free(line);
    if (!cands || !cands[0]) {
        g_strfreev(cands);
        return NULL;
    }
    /* Readline wants malloc'ed memory: [0] is the common prefix. */
    guint n = g_strv_length(cands);
    /* A directory ("dir/") is completed further, not followed by a space. */
    bool dirs = true;
    for (guint i = 0; i < n && dirs; i++)
        dirs = g_str_has_suffix(cands[i], "/");
    rl_completion_suppress_append = dirs;
    char **out = calloc(n + 2, sizeof(char *));
    out[0] = n == 1 ? strdup(cands[0]) : strndup(cands[0], utf8_common_prefix(cands, n));
    for (guint i = 0; n > 1 && i < n; i++)
        out[i + 1] = strdup(cands[i]);
    g_strfreev(cands);
    return out;
}

/* Candidates are never listed in the window: Tab cycles through them. */
static void display_matches(char **matches, int num, int max_len)
{
}

/* ---------- stdin ---------- */

static void feed_readline(void)
{
    if (pending_pos >= pending->len)
        return;
    while (pending_pos < pending->len) {
        if (select_active() && !secret_cb) {
            /* The message cursor takes the keys it uses; one it does not
             * use ends it and goes on to readline. */
            size_t used = select_key(pending->data + pending_pos, pending->len - pending_pos);
            pending_pos += (guint)used;
            if (used)
                continue;
        }
        rl_callback_read_char();
    }
    g_byte_array_set_size(pending, 0);
    pending_pos = 0;
    if (!secret_cb) {
        char *text = g_strndup(rl_line_buffer, (gsize)rl_end);
        ui_report_input(text, false);
        g_free(text);
    }
}

static void paste_insert(void)
{
    /* Normalise CR LF and CR to LF; drop a trailing newline. */
    GString *t = g_string_sized_new(paste->len);
    for (gsize i = 0; i < paste->len; i++) {
        char c = paste->str[i];
        if (c == '\r') {
            if (i + 1 < paste->len && paste->str[i + 1] == '\n')
                continue;
            c = '\n';
        }
        g_string_append_c(t, c);
    }
    while (t->len && t->str[t->len - 1] == '\n')
        g_string_truncate(t, t->len - 1);
    if (!g_utf8_validate(t->str, (gssize)t->len, NULL)) {
        char *v = g_utf8_make_valid(t->str, (gssize)t->len);
        g_string_assign(t, v);
        g_free(v);
    }
    rl_insert_text(t->str);
    g_string_free(t, TRUE);
    if (paste_truncated)
        ui_error("Paste too long: only the first %d KiB were kept.", PASTE_MAX / 1024);
    paste_truncated = false;
    ui_dirty(DIRTY_INPUT);
}

/* Length of the longest tail of BUF[0..N) that is a proper prefix of
 * MARKER (a marker cut in two by the read). */
static size_t partial_marker(const char *buf, size_t n, const char *marker)
{
    size_t m = strlen(marker);
    for (size_t k = m - 1; k > 0; k--)
        if (n >= k && memcmp(buf + n - k, marker, k) == 0)
            return k;
    return 0;
}

static GByteArray *carry; /* the start of a marker cut by the last read */

/* Process newly read bytes BUF: bracketed paste is collected here, the rest
 * goes to readline. A marker cut between two reads is kept back until the
 * next read completes it. */
static void process_bytes(const char *in, size_t in_len)
{
    if (!carry)
        carry = g_byte_array_new();
    g_byte_array_append(carry, (const guint8 *)in, (guint)in_len);
    GByteArray *data = carry;
    carry = g_byte_array_new();
    const char *buf = (const char *)data->data;
    size_t n = data->len, i = 0;
    while (i < n) {
        const char *marker = paste ? PASTE_END : PASTE_START;
        const char *hit = memmem(buf + i, n - i, marker, strlen(marker));
        size_t take = hit ? (size_t)(hit - (buf + i)) : n - i;
        size_t held = hit ? 0 : partial_marker(buf + i, n - i, marker);
        if (held == 1 && !paste && select_active())
            held = 0; /* a lone Esc at the end leaves the message cursor at once */
        take -= held;
        if (paste) {
            size_t room = paste->len < PASTE_MAX ? PASTE_MAX - paste->len : 0;
            if (take > room)
                paste_truncated = true;
            g_string_append_len(paste, buf + i, (gssize)(take < room ? take : room));
        } else {
            g_byte_array_append(pending, (const guint8 *)buf + i, (guint)take);
            feed_readline();
        }
        if (!hit) {
            g_byte_array_append(carry, (const guint8 *)buf + i + take, (guint)held);
            break;
        }
        i = (size_t)(hit - buf) + strlen(marker);
        if (paste) {
            paste_insert();
            g_string_free(paste, TRUE);
            paste = NULL;
        } else {
            select_leave(); /* a paste is text for the input line */
            paste = g_string_new(NULL);
        }
    }
    g_byte_array_unref(data);
}

static void on_stdin(int fd, short revents, void *ud)
{
    char buf[65536];
    /* Drain everything available: a big paste arrives in one pass. */
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            notify_input_seen();
            process_bytes(buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            /* The terminal went away (SSH dropped): leave cleanly. */
            loop_quit();
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            loop_quit();
        }
        break;
    }
}

/* ---------- drawing ---------- */

void input_draw(void)
{
    WINDOW *w = ui_lay.input;
    werase(w);
    int cols = ui_lay.cols;
    const char *prompt = secret_cb ? (secret_prompt ? secret_prompt : "Password: ") : "> ";
    wattrset(w, theme_attr(THEME_INPUT) | A_BOLD);
    mvwaddstr(w, 0, 0, prompt);
    wattrset(w, theme_attr(THEME_INPUT));
    int px = textwidth_str(prompt);
    if (!secret_cb && select_active()) {
        /* The keys act on the selected message: say which. */
        wattrset(w, theme_attr(THEME_INFO));
        waddnstr(w, select_help(cols - px), cols - px > 0 ? cols - px : 0);
        wnoutrefresh(w);
        return;
    }
    if (secret_cb) {
        wmove(w, 0, px);
        wnoutrefresh(w);
        return;
    }
    /* Show newlines as a visible mark; scroll horizontally to the cursor. */
    char *b0 = sanitize_text(rl_line_buffer, rl_point, SANITIZE_EXPAND_TAB);
    char *a0 = sanitize_text(rl_line_buffer + rl_point, rl_end - rl_point, SANITIZE_EXPAND_TAB);
    char *before = textwidth_terminal(b0), *after = textwidth_terminal(a0);
    g_free(b0);
    g_free(a0);
    int avail = cols - px - 1;
    if (avail < 1)
        avail = 1;
    int bw = textwidth_str(before);
    const char *shown = before;
    while (bw > avail - 1 && *shown) {
        const char *next = g_utf8_next_char(shown);
        bw -= textwidth_n(shown, (size_t)(next - shown));
        shown = next;
    }
    waddstr(w, shown);
    int cy, cx;
    getyx(w, cy, cx);
    size_t fit = textwidth_fit(after, cols - cx - 1 > 0 ? cols - cx - 1 : 0, NULL);
    waddnstr(w, after, (int)fit);
    wmove(w, cy, cx);
    g_free(before);
    g_free(after);
    wnoutrefresh(w);
}

/* ---------- public ---------- */

bool input_init(char **err)
{
    /* Readline's own output must not reach the screen ncurses draws. */
    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        *err = g_strdup_printf("/dev/null: %s", g_strerror(errno));
        return false;
    }
    /* Keys are read as they come, without blocking the loop. */
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl < 0 || fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK) < 0) {
        *err = g_strdup_printf("standard input: %s", g_strerror(errno));
        fclose(devnull);
        devnull = NULL;
        return false;
    }
    pending = g_byte_array_new();
    rl_readline_name = "natter";
    rl_instream = stdin;
    rl_outstream = devnull;
    rl_getc_function = getc_cb;
    rl_input_available_hook = input_available_cb;
    rl_redisplay_function = redisplay_cb;
    rl_prep_term_function = prep_noop;
    rl_deprep_term_function = deprep_noop;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_attempted_completion_function = attempted_completion;
    rl_completion_display_matches_hook = display_matches;
    rl_basic_word_break_characters = " \t";
    using_history();
    /* Tab puts the first candidate in place and the next Tab the next one
     * (irssi, WeeChat); the bell would only ring the terminal. */
    rl_variable_bind("bell-style", "none");
    rl_callback_handler_install("", on_rl_line);
    bind_keys();
    /* Ask the terminal for bracketed paste and focus reports. */
    fputs("\033[?2004h\033[?1004h", stdout);
    fflush(stdout);
    stdin_watch = loop_add_fd(STDIN_FILENO, POLLIN, on_stdin, NULL);
    return true;
}

void input_deinit(void)
{
    fputs("\033[?2004l\033[?1004l", stdout);
    fflush(stdout);
    if (stdin_watch)
        loop_remove_fd(stdin_watch);
    rl_callback_handler_remove();
    clear_history();
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    fcntl(STDIN_FILENO, F_SETFL, fl & ~O_NONBLOCK);
    if (devnull)
        fclose(devnull);
    devnull = NULL;
    if (paste)
        g_string_free(paste, TRUE);
    paste = NULL;
    g_byte_array_unref(pending);
    if (carry)
        g_byte_array_unref(carry);
    carry = NULL;
    g_clear_pointer(&secret_prompt, g_free);
}

void input_switch(win_t *from, win_t *to)
{
    if (secret_cb) {
        /* A password being typed is nobody's draft, and no draft may
         * become part of it. */
        ui_dirty(DIRTY_INPUT);
        return;
    }
    if (from) {
        g_free(from->draft);
        from->draft = rl_end > 0 ? g_strndup(rl_line_buffer, (gsize)rl_end) : NULL;
    }
    clear_history();
    for (guint i = 0; i < to->history->len; i++)
        add_history(g_ptr_array_index(to->history, i));
    history_set_pos(history_length);
    rl_replace_line(to->draft ? to->draft : "", 1);
    rl_point = rl_end;
    ui_dirty(DIRTY_INPUT);
}

void input_terminal(bool on)
{
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl >= 0)
        fcntl(STDIN_FILENO, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
    fputs(on ? "\033[?2004h\033[?1004h" : "\033[?2004l\033[?1004l", stdout);
    fflush(stdout);
}

void input_set_line_handler(void (*cb)(const char *line))
{
    line_cb = cb;
}

void input_set_secret(const char *prompt, void (*cb)(const char *secret, void *ud), void *ud)
{
    g_free(secret_prompt);
    secret_prompt = g_strdup(prompt);
    secret_cb = cb;
    secret_ud = ud;
    rl_replace_line("", 1);
}

void input_prefill(const char *text)
{
    if (secret_cb)
        return;
    if (rl_end > 0) {
        /* What was typed stays one Up away. */
        char *typed = g_strndup(rl_line_buffer, (gsize)rl_end);
        history_add_for(win_current(), typed);
        history_set_pos(history_length);
        g_free(typed);
    }
    rl_replace_line(text, 1);
    rl_point = rl_end;
    ui_dirty(DIRTY_INPUT);
}

void input_run_line(const char *line)
{
    if (line_cb)
        line_cb(line);
}

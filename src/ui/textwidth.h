/* textwidth.h - terminal column widths and word wrapping of UTF-8 text.
 *
 * Input is sanitised UTF-8 (see sanitize.h). Widths come from wcwidth() in the
 * current locale (the program calls setlocale(LC_ALL, "") at start; tests set a
 * UTF-8 locale such as C.UTF-8): wide CJK and emoji count 2, combining marks 0,
 * any character wcwidth() rejects counts 1 (it is shown as a placeholder).
 */
#ifndef NATTER_UI_TEXTWIDTH_H
#define NATTER_UI_TEXTWIDTH_H

#include <stddef.h>

/* Column width of the NUL-terminated UTF-8 string S. */
int textwidth_str(const char *s);

/* Column width of the first LEN bytes of S; stops early at a NUL byte. A
 * character cut off by LEN counts as one column (like ill-formed bytes). */
int textwidth_n(const char *s, size_t len);

/* Byte length of the longest prefix of S that fits in COLS columns, never
 * splitting a character or separating a base character from the combining
 * marks that follow it. *OUT_COLS (if not NULL) receives that prefix's width.
 * COLS < 0 counts as 0. */
size_t textwidth_fit(const char *s, int cols, int *out_cols);

/* One wrapped row: a byte range [start, start+len) of the source text. */
typedef struct {
    size_t start;
    size_t len;
} textwidth_row;

/* Word-wrap the NUL-terminated UTF-8 text S into rows of at most WIDTH
 * columns (WIDTH >= 1). Breaks at spaces where it can, hard-breaks words
 * longer than a row (never inside a character or before a combining mark),
 * honours '\n' as a forced break, and drops the space at which a break
 * happens (only that one; other spaces are kept). A wide character never
 * straddles two rows; one wider than WIDTH (WIDTH 1) gets a row to itself.
 * WIDTH < 1 counts as 1. Returns the number of rows (at least 1, an empty
 * string is one empty row, "a\n" is "a" and ""); *ROWS receives a g_malloc'ed
 * array the caller frees with g_free(). ROWS may be NULL to only count. */
size_t textwidth_wrap(const char *s, int width, textwidth_row **rows);

/* A copy of S (g_free) as natter hands it to the terminal: emoji sequences
 * whose width terminals disagree on are taken apart so that every terminal
 * draws them as wide as wcwidth() says, which is what ncurses assumes when
 * it places the next character. A zero-width joiner after an emoji goes
 * (tmux 3.3 draws a ZWJ sequence in the cells of its first emoji, ncurses
 * counts every emoji: the rest of the row would be drawn out of place), and
 * so does a VS16 after a narrow character (terminals that honour it draw
 * two columns where wcwidth() says one). The text itself is not changed
 * anywhere else: this is for drawing only. */
char *textwidth_terminal(const char *s);

#endif

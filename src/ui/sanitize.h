/* sanitize.h - make untrusted text safe to put on a terminal.
 *
 * Every string that came from the network (message bodies, nicks, resources,
 * status texts, subjects, file names) passes through here before it reaches
 * ncurses or a terminal title.  The result is always valid UTF-8 and contains
 * no byte that a terminal would interpret as a control:
 *   - C0 controls (0x00-0x1F) and DEL become their Unicode "control picture"
 *     (U+2400 + c, U+2421 for DEL), so ESC shows as U+241B, visibly and inertly;
 *     with SANITIZE_KEEP_NEWLINE, '\n' is kept; with SANITIZE_EXPAND_TAB a tab
 *     becomes one space.
 *   - C1 controls (U+0080-U+009F) become U+FFFD.
 *   - Bidi embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069)
 *     and U+061C are replaced by U+FFFD so they cannot reorder the line.
 *   - Invalid UTF-8 (overlong, surrogates, truncated, > U+10FFFF) becomes U+FFFD
 *     per maximal invalid subsequence.
 *   - Unicode line/paragraph separators (U+2028/U+2029) become U+FFFD.
 */
#ifndef NATTER_UI_SANITIZE_H
#define NATTER_UI_SANITIZE_H

#include <stddef.h>

enum {
    SANITIZE_KEEP_NEWLINE = 1 << 0, /* keep '\n' (multi-line bodies) */
    SANITIZE_EXPAND_TAB = 1 << 1,   /* a tab becomes a space instead of U+2409 */
};

/* Sanitise LEN bytes of S (LEN < 0: S is NUL-terminated; with an explicit
 * LEN, NUL bytes inside are C0 controls and become U+2400). Returns a newly
 * allocated NUL-terminated UTF-8 string the caller frees with g_free(). Never
 * returns NULL (NULL input gives ""). */
char *sanitize_text(const char *s, long len, unsigned flags);

/* Return 1 when S (NUL-terminated) would be changed by sanitize_text with
 * FLAGS, 0 when it is already safe (and for NULL). Allocates nothing. */
int sanitize_needed(const char *s, unsigned flags);

/* A nick made safe to tell apart (g_free): invisible characters (zero-width,
 * bidi and other format characters, unusual spaces) shown as "<U+XXXX>",
 * a leading or trailing space as U+2423; NULL gives "?". The result still
 * goes through sanitize_text (win_line_new does it) for control characters. */
char *sanitize_nick(const char *nick);

#endif

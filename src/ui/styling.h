/* styling.h - XEP-0393 message styling: where a body is strong, emphasised,
 * struck through, preformatted or quoted.
 *
 * A pure parser (no ncurses, no allocation): it reads sanitised UTF-8 text
 * and writes the styled byte ranges into an array the caller provides. The
 * text itself is never changed: the styling directives (the '*', '_', '~',
 * '`' around a span, the '>' of a quote, the ``` lines of a block) are
 * reported as ranges of their own (STYLING_MARKER) so that they can be
 * drawn dimmed, never hidden.
 *
 * Rules (XEP-0393): blocks first, line by line. A line starting with '>' is
 * a quote (nested by more '>'; one whitespace character after each '>' is
 * trimmed); a line starting with ``` opens a preformatted block that ends
 * at a line of exactly ``` or at the end of its parent (the quote it is in,
 * or the message). Other lines hold spans: an opening directive at the
 * start of the line (or of the enclosing span) or after whitespace, not
 * followed by whitespace; the first closing directive of the same kind not
 * preceded by whitespace ends it; a span with nothing inside is no span;
 * spans never cross lines; nothing inside a preformatted span or block is
 * styled.
 */
#ifndef NATTER_UI_STYLING_H
#define NATTER_UI_STYLING_H

#include <stddef.h>

enum {
    STYLING_STRONG = 1u << 0, /* *strong* */
    STYLING_EMPH = 1u << 1,   /* _emphasis_ */
    STYLING_STRIKE = 1u << 2, /* ~strike~ */
    STYLING_PRE = 1u << 3,    /* `span` or a ``` block */
    STYLING_QUOTE = 1u << 4,  /* a line of a > quote */
    STYLING_MARKER = 1u << 5, /* a directive itself (with the style it opens) */
};

/* One styled byte range [start, end) of the text, with its STYLING_* flags
 * (nested styles combined). */
typedef struct {
    size_t start;
    size_t end;
    unsigned flags;
} styling_span;

/* Parse the LEN bytes of TEXT (sanitised UTF-8; need not be NUL-terminated).
 * Writes the styled ranges, in order and not overlapping, into OUT (at most
 * CAP of them; text outside every range is plain) and returns how many there
 * are, which may be more than CAP: call again with a larger array to get
 * them all. OUT may be NULL when CAP is 0. */
size_t styling_parse(const char *text, size_t len, styling_span *out, size_t cap);

#endif

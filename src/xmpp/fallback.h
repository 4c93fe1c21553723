/* fallback.h - compatibility fallbacks (XEP-0428): the parts of a body
 * that a sender marked as being there only for clients that do not know
 * another extension (a reply's quote, XEP-0461), and taking them out.
 *
 * Plain string work on untrusted input, without libstrophe, so that it is
 * unit-tested and fuzzed on its own (tests/unit/test_fallback.c,
 * tests/fuzz/fuzz_text.c). */
#ifndef NATTER_XMPP_FALLBACK_H
#define NATTER_XMPP_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>

/* One marked range of a body, in Unicode code points (XEP-0426): START
 * inclusive, END exclusive. WHOLE: the element had neither attribute (the
 * whole body is fallback); VALID is false when an attribute was present
 * but not a number, or only one of the two was given. */
typedef struct {
    size_t start, end;
    bool whole;
    bool valid;
} nx_fallback_range;

/* Parse the 'start' and 'end' attribute values (either may be NULL) of a
 * fallback <body/> element into *R. Only plain decimal numbers up to
 * 10 digits are numbers. Returns R->valid. */
bool nx_fallback_range_parse(const char *start, const char *end, nx_fallback_range *r);

/* BODY (UTF-8) without the N ranges R (overlapping ranges count once, in
 * any order). A range that is not valid, is empty or backwards (start >=
 * end), or reaches past the body's end is ignored as a whole: text is only
 * hidden where the sender marked it exactly. A whole-body range hides
 * everything. Invalid UTF-8 in BODY is never split further than it is.
 * Returns a new string (g_free); NULL when BODY is NULL. */
char *nx_fallback_strip(const char *body, const nx_fallback_range *r, size_t n);

#endif

/* unichar.h - small Unicode facts shared by the model and the screen. */
#ifndef NATTER_CORE_UNICHAR_H
#define NATTER_CORE_UNICHAR_H

#include <glib.h>
#include <stdbool.h>

/* True for characters a terminal draws as nothing or as a blank that is
 * not the plain space: format characters (zero-width, bidi controls),
 * line/paragraph separators, spaces other than U+0020, and the rest of
 * Unicode's Default_Ignorable_Code_Point set (Hangul fillers, variation
 * selectors, Khmer inherent vowels, Mongolian selectors, tags...). */
bool unichar_invisible(gunichar c);

/* The folded form of the name S (g_free; "" for NULL): NFKC, case-folded,
 * without invisible characters, controls and spaces. A sort key for names
 * that "Bob" and "bob " share. */
char *unichar_fold_key(const char *s);

/* The look-alike key of the name S (g_free; "" for NULL): its folded form
 * (unichar_fold_key) reduced to Unicode's confusable skeleton (UTS #39,
 * a table made from ICU's data at build time). Two names with the same key
 * look alike on screen: "bob", "Bob", "b\u043eb" (Cyrillic o), "bob " and
 * "b\u200bob" share one. */
char *unichar_lookalike_key(const char *s);

#endif

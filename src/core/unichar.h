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

#endif

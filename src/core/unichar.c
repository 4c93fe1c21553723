/* unichar.c - small Unicode facts (see unichar.h). */
#include "core/unichar.h"

bool unichar_invisible(gunichar c)
{
    GUnicodeType t = g_unichar_type(c);
    if (t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
        t == G_UNICODE_PARAGRAPH_SEPARATOR || (t == G_UNICODE_SPACE_SEPARATOR && c != ' '))
        return true;
    return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
           (c >= 0x180B && c <= 0x180F) || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) ||
           c == 0xFFA0 || (c >= 0xFFF0 && c <= 0xFFF8) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
           (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE0FFF);
}

/* unichar.c - small Unicode facts (see unichar.h): invisible characters and
 * the look-alike key of names (NFKC, case folding and ICU's confusable
 * skeletons, UTS #39). */
#include "core/unichar.h"

#include <dlfcn.h>
#include <string.h>
#include <unicode/uspoof.h>

#include "core/event.h"

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

/* Left out of a look-alike key: whatever draws as nothing or as a blank. */
static bool blank(gunichar c)
{
    GUnicodeType t = g_unichar_type(c);
    return c == ' ' || unichar_invisible(c) || t == G_UNICODE_CONTROL || t == G_UNICODE_UNASSIGNED;
}

/* ICU is loaded with the first name that needs a key (the first room
 * occupant), not at start: ICU and the C++ runtime it pulls in cost some
 * 2.5 MB of resident memory that a session without rooms never needs. ICU
 * suffixes its function names with its major version (uspoof_open_72):
 * the header's own macros give the names, and the soname carries the same
 * version. */
#define ICU_STR_(x) #x
#define ICU_STR(x) ICU_STR_(x)
#define ICU_SONAME "libicui18n.so." U_ICU_VERSION_SHORT

static struct {
    USpoofChecker *(*open)(UErrorCode *status);
    void (*close)(USpoofChecker *sc);
    int32_t (*skeleton)(const USpoofChecker *sc, uint32_t type, const char *id, int32_t len,
                        char *dest, int32_t cap, UErrorCode *status);
} icu;

/* Load ICU's spoof checker functions. False, with one line on the console,
 * when ICU is not installed: names then compare without confusables. */
static bool load_icu(void)
{
    void *h = dlopen(ICU_SONAME, RTLD_NOW | RTLD_LOCAL);
    const char *missing = NULL;
    if (h) {
        /* POSIX: a function pointer is read through a void * this way */
        *(void **)&icu.open = dlsym(h, ICU_STR(uspoof_open));
        *(void **)&icu.close = dlsym(h, ICU_STR(uspoof_close));
        *(void **)&icu.skeleton = dlsym(h, ICU_STR(uspoof_getSkeletonUTF8));
        if (!icu.open)
            missing = ICU_STR(uspoof_open);
        else if (!icu.close)
            missing = ICU_STR(uspoof_close);
        else if (!icu.skeleton)
            missing = ICU_STR(uspoof_getSkeletonUTF8);
        if (!missing)
            return true;
        dlclose(h);
    }
    event_log(LOG_ERROR, NULL, "Look-alike names are not detected: ICU (%s) cannot be loaded (%s).",
              ICU_SONAME, missing ? missing : dlerror());
    return false;
}

/* ICU's spoof checker, opened on first use and kept (it only holds the
 * confusables data); NULL when ICU cannot open it. */
static USpoofChecker *spoof_checker(void)
{
    static USpoofChecker *sc;
    static bool tried;
    if (!tried) {
        tried = true;
        if (!load_icu())
            return NULL;
        UErrorCode status = U_ZERO_ERROR;
        sc = icu.open(&status);
        if (U_FAILURE(status)) {
            if (sc)
                icu.close(sc);
            sc = NULL;
        }
    }
    return sc;
}

/* The confusable skeleton of valid UTF-8 S (g_free): each character
 * replaced by the prototype of its confusable class, so that "bоb" with a
 * Cyrillic о and "bob" give the same string. S itself when ICU fails. */
static char *confusable_skeleton(const char *s)
{
    USpoofChecker *sc = spoof_checker();
    int32_t len = (int32_t)strlen(s);
    if (!sc || len == 0)
        return g_strdup(s);
    int32_t cap = len * 4 + 16;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *out = g_malloc((gsize)cap);
        UErrorCode status = U_ZERO_ERROR;
        int32_t n = icu.skeleton(sc, 0, s, len, out, cap, &status);
        if (U_SUCCESS(status) && n < cap) {
            out[n] = '\0';
            return out;
        }
        g_free(out);
        if (status != U_BUFFER_OVERFLOW_ERROR)
            break;
        cap = n + 1;
    }
    return g_strdup(s);
}

char *unichar_fold_key(const char *s)
{
    if (!s)
        return g_strdup("");
    char *valid = g_utf8_make_valid(s, -1);
    char *norm = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
    char *fold = g_utf8_casefold(norm ? norm : valid, -1);
    GString *out = g_string_sized_new(strlen(fold));
    for (const char *p = fold; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!blank(c))
            g_string_append_unichar(out, c);
    }
    g_free(valid);
    g_free(norm);
    g_free(fold);
    return g_string_free(out, FALSE);
}

char *unichar_lookalike_key(const char *s)
{
    /* Case first: a skeleton keeps case (capital I is a look-alike of small
     * l), and folding afterwards would turn such prototypes into other
     * letters ("ALICE" would become "allce"). In a terminal's monospace
     * font I and l differ anyway. */
    char *fold = unichar_fold_key(s);
    char *key = confusable_skeleton(fold);
    g_free(fold);
    return key;
}

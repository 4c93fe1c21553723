/* parse.h - splitting command lines into words. Pure functions, no I/O.
 *
 * Words are separated by spaces or tabs. A word may be "double quoted" to
 * hold spaces; inside quotes \" and \\ are escapes. With a word limit, the
 * last word is the rest of the line exactly as typed (for message text).
 */
#ifndef NATTER_CMD_PARSE_H
#define NATTER_CMD_PARSE_H

#include <stdbool.h>

/* Split LINE "/name args" into the command NAME (without '/', lower-cased,
 * g_free) and *ARGS (borrowed pointer into LINE, leading blanks skipped).
 * Returns false when LINE is not a command: it does not start with '/', or
 * starts with "//" (an escaped slash: text to send) or "/ ". */
bool parse_command(const char *line, char **name, const char **args);

/* Split ARGS into words. MAX > 0: at most MAX words, the last one being the
 * unparsed remainder (trailing blanks kept, leading blanks skipped). MAX <= 0:
 * no limit. *WORDS receives a NULL-terminated array (g_strfreev) and *COUNT
 * its length. Returns false with *ERR (g_free) for an unterminated quote. */
bool parse_words(const char *args, int max, char ***words, int *count, char **err);

/* TEXT without its quotes when it is exactly one "quoted" word (escapes
 * undone), else NULL. g_free. */
char *parse_unquote(const char *text);

/* Parse trailing "key value" pairs in WORDS[FROM..COUNT) where every key must
 * be one of KEYS (NULL-terminated). VALUES receives, per key index, the value
 * (borrowed from WORDS) or NULL. Returns false with *ERR (g_free) for an
 * unknown key, a key given twice or a key without value. */
bool parse_options(char **words, int count, int from, const char *const *keys, const char **values,
                   char **err);

/* Parse a decimal integer in [MIN, MAX]. */
bool parse_int(const char *s, long min, long max, long *out);

#endif

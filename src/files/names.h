/* names.h - file names from the network made safe for the disk, and links
 * that are files: what a received link may be saved as. */
#ifndef NATTER_FILES_NAMES_H
#define NATTER_FILES_NAMES_H

#include <stdbool.h>

/* The longest name (bytes) a download gets; longer ones are shortened. */
#define FILES_NAME_MAX 200

/* RAW (a name someone else chose, already percent-decoded) as a safe base
 * name: valid UTF-8, only what follows the last '/' or '\', no control
 * characters (C0, DEL, C1: escape sequences lose their ESC and become plain
 * text), no bidi controls, no leading dots or spaces, at most FILES_NAME_MAX
 * bytes; "download" when nothing is left. Returns a new string (g_free). */
char *files_safe_name(const char *raw);

/* The safe name of the file at URL (https:// or aesgcm://): its last path
 * segment, percent-decoded once, then files_safe_name. Query and fragment
 * are ignored. Returns a new string (g_free). */
char *files_name_from_url(const char *url);

/* NAME numbered for the Nth try (N >= 1): "name (N).ext"; N 0 gives NAME.
 * Returns a new string (g_free). */
char *files_numbered_name(const char *name, unsigned n);

/* The file link TEXT carries: TEXT is one https:// or aesgcm:// URL and
 * nothing else (surrounding white space allowed). Returns the URL (g_free),
 * or NULL. */
char *files_link_of(const char *text);

/* True when URL is an aesgcm:// link (XEP-0454). */
bool files_is_aesgcm(const char *url);

#endif

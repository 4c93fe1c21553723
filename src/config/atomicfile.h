/* atomicfile.h - replace a file's contents all at once, or not at all.
 *
 * The data goes to a temporary file in the same directory (mode 0600), is
 * flushed to disk and then renamed over the target, so a crash or a full disk
 * leaves either the old file or the new one, never half of each. Missing
 * parent directories are created with mode 0700. When the target is a
 * symbolic link (a dotfile manager's, say), the file it points to is
 * replaced and the link is kept. atomicfile_read() is the matching reader,
 * with errors worded the same way.
 */
#ifndef NATTER_CONFIG_ATOMICFILE_H
#define NATTER_CONFIG_ATOMICFILE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Write LEN bytes of DATA to PATH atomically with mode 0600. Returns false
 * with *ERR (g_free; ERR may be NULL) set to one line such as
 * "cannot write /path: No space left on device"; the old file, if any, is
 * then untouched. */
bool atomicfile_write(const char *path, const char *data, size_t len, char **err);

/* Write the string pairs of TABLE (char* -> char*) as group GROUP of an INI
 * file at PATH, atomically as atomicfile_write does. Returns false with
 * *ERR (g_free). */
bool atomicfile_write_group(const char *path, const char *group, GHashTable *table, char **err);

/* Read the whole file PATH into *DATA (g_free; NUL-terminated, *LEN bytes
 * without the NUL; LEN may be NULL). A missing file is not an error: returns
 * true with *DATA NULL. Otherwise returns false with *ERR (g_free; may be
 * NULL) such as "cannot read /path: Permission denied". */
bool atomicfile_read(const char *path, char **data, size_t *len, char **err);

/* Make sure directory DIR exists, creating it and any missing parents with
 * mode 0700 (existing directories keep their mode). Returns false with *ERR
 * (g_free; may be NULL) such as "cannot create directory /x: Permission
 * denied". */
bool atomicfile_ensure_dir(const char *dir, char **err);

#endif

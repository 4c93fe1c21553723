/* atomicfile.c - replace a file's contents all at once, or not at all. */
#include "config/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

/* Set *ERR (when ERR is not NULL) to "PREFIX PATH: strerror(ERRNUM)". */
static void set_errno_error(char **err, const char *prefix, const char *path, int errnum)
{
    if (err)
        *err = g_strdup_printf("%s %s: %s", prefix, path, g_strerror(errnum));
}

/* Make sure directory DIR exists, creating it and any missing parents with
 * mode 0700 (existing directories keep their mode). Returns false with *ERR
 * (g_free; may be NULL) such as "cannot create directory /x: Permission
 * denied". */
bool atomicfile_ensure_dir(const char *dir, char **err)
{
    if (dir == NULL || *dir == '\0') {
        if (err)
            *err = g_strdup("cannot create directory: empty path");
        return false;
    }
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        set_errno_error(err, "cannot create directory", dir, errno);
        return false;
    }
    return true;
}

/* Read the whole file PATH into *DATA (g_free; NUL-terminated, *LEN bytes
 * without the NUL; LEN may be NULL). A missing file is not an error: returns
 * true with *DATA NULL. Otherwise returns false with *ERR (g_free; may be
 * NULL) such as "cannot read /path: Permission denied". */
bool atomicfile_read(const char *path, char **data, size_t *len, char **err)
{
    *data = NULL;
    if (len)
        *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return true;
        set_errno_error(err, "cannot read", path, errno);
        return false;
    }
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        set_errno_error(err, "cannot read", path, e);
        close(fd);
        return false;
    }
    GString *buf = g_string_sized_new(st.st_size > 0 ? (gsize)st.st_size + 1 : 4096);
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_errno_error(err, "cannot read", path, errno);
            close(fd);
            g_string_free(buf, TRUE);
            return false;
        }
        if (n == 0)
            break;
        g_string_append_len(buf, chunk, n);
    }
    close(fd);
    if (len)
        *len = buf->len;
    *data = g_string_free(buf, FALSE);
    return true;
}

/* Write all of DATA to FD, going on after short writes and signals. Returns
 * 0 or an errno value. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Flush directory DIR so that a rename in it survives a crash. Best effort:
 * some file systems cannot sync directories, and the data is safe anyway. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* The file to replace for PATH: PATH itself, or what it finally points to
 * when it is a symbolic link (new string, g_free). NULL with errno set when
 * the link is broken or cannot be resolved. */
static char *resolve_target(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return g_strdup(path);
    char *real = realpath(path, NULL);
    if (real == NULL)
        return NULL;
    char *copy = g_strdup(real);
    free(real);
    return copy;
}

/* Write LEN bytes of DATA to PATH atomically with mode 0600. Returns false
 * with *ERR (g_free; ERR may be NULL) set to one line such as
 * "cannot write /path: No space left on device"; the old file, if any, is
 * then untouched. */
bool atomicfile_write(const char *path, const char *data, size_t len, char **err)
{
    if (path == NULL || *path == '\0') {
        if (err)
            *err = g_strdup("cannot write: empty file name");
        return false;
    }
    char *target = resolve_target(path);
    if (target == NULL) {
        set_errno_error(err, "cannot write", path, errno);
        return false;
    }
    char *dir = g_path_get_dirname(target);
    char *base = g_path_get_basename(target);
    char *tmp = NULL;
    bool ok = false;
    int fd = -1;
    int e = 0;

    char *dir_err = NULL;
    if (!atomicfile_ensure_dir(dir, &dir_err)) {
        if (err)
            *err = g_strdup_printf("cannot write %s: %s", path, dir_err);
        g_free(dir_err);
        goto out;
    }

    tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = errno;
        g_clear_pointer(&tmp, g_free); /* nothing to remove */
        goto fail;
    }
    /* 0600 from the start (a umask can only take bits away), so the data
     * is never readable by others, not even for a moment. */
    if ((e = write_all(fd, data, len)) != 0 || fsync(fd) != 0) {
        if (e == 0)
            e = errno;
        goto fail;
    }
    e = close(fd) == 0 ? 0 : errno;
    fd = -1; /* closed even when close() reports an error */
    if (e != 0)
        goto fail;
    if (rename(tmp, target) != 0) {
        e = errno;
        goto fail;
    }
    g_clear_pointer(&tmp, g_free);
    sync_dir(dir);
    ok = true;
    goto out;

fail:
    set_errno_error(err, "cannot write", path, e);
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        (void)g_unlink(tmp);
        g_free(tmp);
    }
    g_free(dir);
    g_free(base);
    g_free(target);
    return ok;
}

bool atomicfile_write_group(const char *path, const char *group, GHashTable *table, char **err)
{
    GKeyFile *kf = g_key_file_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_key_file_set_string(kf, group, k, v);
    gsize len;
    char *data = g_key_file_to_data(kf, &len, NULL);
    bool ok = atomicfile_write(path, data, len, err);
    g_free(data);
    g_key_file_free(kf);
    return ok;
}

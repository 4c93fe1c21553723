/* castore.c - the system's certificate authorities, read only as needed. */
#include "net/castore.h"

#include <glib.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/spawn.h"

int castore_count_bundle(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return -1;
    char line[256];
    int n = 0;
    bool line_start = true;
    while (fgets(line, sizeof(line), f)) {
        if (line_start && (g_str_has_prefix(line, "-----BEGIN CERTIFICATE-----") ||
                           g_str_has_prefix(line, "-----BEGIN TRUSTED CERTIFICATE-----")))
            n++;
        line_start = strchr(line, '\n') != NULL;
    }
    fclose(f);
    return n;
}

/* "5ad8a5d6.0": what c_rehash and openssl rehash name a certificate
 * ("5ad8a5d6.r0", a revocation list, does not count). */
static bool hashed_name(const char *name)
{
    for (int i = 0; i < 8; i++)
        if (!g_ascii_isxdigit(name[i]))
            return false;
    if (name[8] != '.' || !name[9])
        return false;
    for (const char *p = name + 9; *p; p++)
        if (!g_ascii_isdigit(*p))
            return false;
    return true;
}

int castore_count_hashed(const char *dirs)
{
    int n = 0;
    char **list = g_strsplit(dirs ? dirs : "", ":", -1);
    for (char **d = list; *d; d++) {
        GDir *dir = **d ? g_dir_open(*d, 0, NULL) : NULL;
        if (!dir)
            continue;
        const char *name;
        while ((name = g_dir_read_name(dir)))
            if (hashed_name(name))
                n++;
        g_dir_close(dir);
    }
    g_strfreev(list);
    return n;
}

bool castore_dir_covers_bundle(const char *file, const char *dirs)
{
    int in_file = castore_count_bundle(file);
    return in_file > 0 && castore_count_hashed(dirs) >= in_file;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool castore_prefer_directory(void)
{
    const char *file = X509_get_default_cert_file();
    const char *set = getenv(X509_get_default_cert_file_env());
    /* A bundle of the user's own is read whole; naming the system's own
     * bundle (as some environments do) changes nothing. */
    if (set && !same_file(set, file))
        return false;
    const char *dirs = getenv(X509_get_default_cert_dir_env());
    if (!dirs)
        dirs = X509_get_default_cert_dir();
    if (!castore_dir_covers_bundle(file, dirs))
        return false;
    /* An empty bundle: OpenSSL finds no certificate in it and goes on to
     * the directory. */
    char *was = g_strdup(set);
    g_setenv(X509_get_default_cert_file_env(), "/dev/null", TRUE);
    spawn_child_env(X509_get_default_cert_file_env(), was);
    g_free(was);
    log_info("tls", "system CAs looked up in %s as needed (%s not loaded)", dirs, file);
    return true;
}

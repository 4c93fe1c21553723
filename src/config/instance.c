/* instance.c - the installation id and per-account resource slots. */
#include "config/instance.h"

#include "config/atomicfile.h"
#include "core/log.h"
#include "core/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define ID_LEN 8    /* hex digits: 32 random bits tell installations apart */
#define MAX_SLOTS 9 /* natters of one installation on one account */

typedef struct {
    char *resource;
    int lock_fd; /* -1: no lock (no state directory) */
} slot_t;

static GHashTable *slots; /* account name -> slot_t* */
static char *cached_id;

static void slot_free(slot_t *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    g_free(s->resource);
    g_free(s);
}

static bool id_ok(const char *id)
{
    if (strlen(id) != ID_LEN)
        return false;
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isxdigit(*p))
            return false;
    }
    return true;
}

static char *random_id(void)
{
    return g_strdup_printf("%08x", g_random_int());
}

/* The installation id: read, or made and saved the first time. */
static const char *installation_id(void)
{
    if (cached_id)
        return cached_id;
    char *path = g_build_filename(paths_data_dir(), "installation-id", NULL);
    char *data = NULL;
    size_t len = 0;
    char *err = NULL;
    if (atomicfile_read(path, &data, &len, &err) && data) {
        char *id = g_strstrip(data);
        if (id_ok(id))
            cached_id = g_ascii_strdown(id, -1);
    }
    g_free(data);
    g_clear_pointer(&err, g_free);
    if (!cached_id) {
        cached_id = random_id();
        char *line = g_strconcat(cached_id, "\n", NULL);
        if (!atomicfile_ensure_dir(paths_data_dir(), &err) ||
            !atomicfile_write(path, line, strlen(line), &err)) {
            log_warn("instance",
                     "installation id not saved (%s): the resource changes "
                     "at the next start",
                     err);
            g_free(err);
        }
        g_free(line);
    }
    g_free(path);
    return cached_id;
}

/* Take the first free slot of ACCOUNT: its lock file stays open. */
static slot_t *take_slot(const char *account)
{
    slot_t *s = g_new0(slot_t, 1);
    s->lock_fd = -1;
    const char *id = installation_id();
    char *dir = g_build_filename(paths_state_dir(), "locks", NULL);
    char *err = NULL;
    bool have_dir = paths_ensure_dir(dir, &err);
    g_free(err);
    /* The account name is free text: name the lock after its hash. */
    char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, account, -1);
    key[16] = '\0';
    int n = 1;
    for (; have_dir && n <= MAX_SLOTS; n++) {
        char *file = g_strdup_printf("%s/%s.%d.lock", dir, key, n);
        int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        g_free(file);
        if (fd < 0)
            break;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            s->lock_fd = fd;
            break;
        }
        close(fd);
    }
    if (n > MAX_SLOTS) {
        /* Very many natters: a random suffix still keeps them apart. */
        char *r = random_id();
        s->resource = g_strdup_printf("natter.%s-%s", id, r);
        g_free(r);
    } else if (n == 1) {
        s->resource = g_strdup_printf("natter.%s", id);
    } else {
        s->resource = g_strdup_printf("natter.%s-%d", id, n);
    }
    g_free(key);
    g_free(dir);
    return s;
}

char *instance_resource(const char *account)
{
    if (!slots)
        slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)slot_free);
    slot_t *s = g_hash_table_lookup(slots, account);
    if (!s) {
        s = take_slot(account);
        g_hash_table_insert(slots, g_strdup(account), s);
    }
    return g_strdup(s->resource);
}

void instance_release(void)
{
    g_clear_pointer(&slots, g_hash_table_destroy);
    g_clear_pointer(&cached_id, g_free);
}

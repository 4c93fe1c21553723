/* fuzz_files.c - theme files, the settings file and the accounts file,
 * which a user may copy from anywhere.
 *
 * The settings and accounts targets also check that what was loaded is
 * saved and loaded again unchanged. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/accounts.h"
#include "config/settings.h"
#include "fuzz.h"
#include "ui/themefile.h"

/* Abort (a crash for the fuzzer) when COND is false. */
#define require(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            g_printerr("%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int fuzz_theme(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *text = g_strndup((const char *)data, size);
    theme_spec spec;
    char *errors = NULL;
    if (themefile_parse("fuzz.theme", text, &spec, &errors)) {
        require(errors == NULL);
        themefile_spec_clear(&spec);
    } else {
        require(errors != NULL);
        g_free(errors);
    }
    /* Each line as a style, and as a nick to colour (XEP-0392). */
    char **lines = g_strsplit(text, "\n", 0);
    for (char **l = lines; *l; l++) {
        trole r;
        char *err = NULL;
        if (!themefile_parse_style(*l, &r, &err)) {
            require(err != NULL);
            g_free(err);
        }
        double hue = themefile_hue(*l);
        require(hue >= 0 && hue < 360);
        uint32_t rgb = themefile_consistent_rgb(*l);
        require(rgb <= 0xffffff);
        for (int n = 8; n <= 256; n *= 2) {
            int i = themefile_nearest(rgb, n == 32 ? 16 : n);
            require(i >= 0 && i < n);
        }
    }
    g_strfreev(lines);
    g_free(text);
    return 0;
}

static char *dir;

static void remove_dir(void)
{
    char *p = g_build_filename(dir, "settings", NULL);
    g_unlink(p);
    g_free(p);
    p = g_build_filename(dir, "accounts", NULL);
    g_unlink(p);
    g_free(p);
    g_rmdir(dir);
    g_free(dir);
}

/* A file NAME holding DATA in a private directory (g_free). */
static char *write_file(const char *name, const uint8_t *data, size_t size)
{
    if (!dir) {
        /* Memory, when there is some: files are rewritten at every run. */
        char *tmpl = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR)
                         ? g_strdup("/dev/shm/natter-fuzz-XXXXXX")
                         : g_build_filename(g_get_tmp_dir(), "natter-fuzz-XXXXXX", NULL);
        dir = g_mkdtemp(tmpl);
        require(dir != NULL);
        atexit(remove_dir);
    }
    char *path = g_build_filename(dir, name, NULL);
    require(g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
    return path;
}

/* The value of every setting, in table order (g_strfreev). */
static char **all_settings(void)
{
    size_t n;
    const setting_def *t = settings_table(&n);
    char **v = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
        v[i] = g_strdup(settings_get(t[i].key));
    return v;
}

static void fuzz_settings_file(const uint8_t *data, size_t size)
{
    char *path = write_file("settings", data, size);
    char *errors = NULL;
    if (settings_init(path, &errors)) {
        char **before = all_settings();
        char *err = NULL;
        require(settings_save(&err));
        g_free(errors);
        errors = NULL;
        settings_init(path, &errors);
        char **after = all_settings();
        for (size_t i = 0; before[i]; i++)
            require(!g_strcmp0(before[i], after[i]));
        g_strfreev(before);
        g_strfreev(after);
    }
    g_free(errors);
    settings_deinit();
    g_free(path);
}

static void fuzz_accounts_file(const uint8_t *data, size_t size)
{
    char *path = write_file("accounts", data, size);
    char *errors = NULL;
    if (accounts_init(path, &errors)) {
        size_t n = accounts_count();
        GPtrArray *before = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; i < n; i++) {
            const account_t *a = accounts_nth(i);
            /* No resource of its own is NULL: the installation's is used. */
            require(a->name && a->jid && (!a->resource || *a->resource) && a->pinned_certs);
            g_ptr_array_add(before, g_strdup_printf("%s %s %s %s %d %d %d", a->name, a->jid,
                                                    a->resource ? a->resource : "-",
                                                    a->server ? a->server : "-", a->port,
                                                    (int)a->tls, a->autoconnect));
        }
        char *err = NULL;
        require(accounts_save(&err));
        g_free(errors);
        errors = NULL;
        require(accounts_init(path, &errors));
        require(accounts_count() == n);
        for (size_t i = 0; i < n; i++) {
            const account_t *a = accounts_nth(i);
            char *s = g_strdup_printf("%s %s %s %s %d %d %d", a->name, a->jid,
                                      a->resource ? a->resource : "-", a->server ? a->server : "-",
                                      a->port, (int)a->tls, a->autoconnect);
            require(!strcmp(s, g_ptr_array_index(before, i)));
            g_free(s);
        }
        g_ptr_array_free(before, TRUE);
    }
    g_free(errors);
    accounts_deinit();
    g_free(path);
}

int fuzz_settings(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    fuzz_settings_file(data, size);
    fuzz_accounts_file(data, size);
    return 0;
}

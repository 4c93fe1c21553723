/* fixture.c - temporary directories and files for unit tests (fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "fixture.h"

char *fx_tmpdir(void)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("natter-test-XXXXXX", &error);
    if (!dir)
        fail_msg("cannot make a temporary directory: %s", error->message);
    return dir;
}

void fx_rm_rf(const char *path)
{
    bool is_dir =
        g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK);
    GDir *dir = is_dir ? g_dir_open(path, 0, NULL) : NULL;
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            fx_rm_rf(child);
            g_free(child);
        }
        g_dir_close(dir);
    }
    g_remove(path);
}

int fx_setup_tmpdir(void **state)
{
    *state = fx_tmpdir();
    return 0;
}

int fx_teardown_tmpdir(void **state)
{
    fx_rm_rf(*state);
    g_free(*state);
    *state = NULL;
    return 0;
}

void fx_write_text(const char *path, const char *text)
{
    char *dir = g_path_get_dirname(path);
    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    g_free(dir);
    GError *error = NULL;
    if (!g_file_set_contents(path, text, -1, &error))
        fail_msg("cannot write %s: %s", path, error->message);
    assert_int_equal(g_chmod(path, 0600), 0);
}

char *fx_read_text(const char *path)
{
    char *text = NULL;
    GError *error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error))
        fail_msg("cannot read %s: %s", path, error->message);
    return text;
}

unsigned fx_mode_of(const char *path)
{
    GStatBuf sb;
    assert_int_equal(g_stat(path, &sb), 0);
    return sb.st_mode & 07777;
}

int fx_count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    assert_non_null(d);
    int n = 0;
    while (g_dir_read_name(d))
        n++;
    g_dir_close(d);
    return n;
}

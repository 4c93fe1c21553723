/* fixture.h - temporary directories and files for unit tests.
 *
 * Every helper fails the running cmocka test when the file system does
 * not do what it asked, so a test never goes on with a half-made fixture.
 */
#ifndef NATTER_TESTS_FIXTURE_H
#define NATTER_TESTS_FIXTURE_H

/* A new private directory under $TMPDIR (g_free; remove with fx_rm_rf). */
char *fx_tmpdir(void);

/* Remove PATH and everything under it; symbolic links are removed, never
 * followed. A missing PATH is fine. */
void fx_rm_rf(const char *path);

/* cmocka setup / teardown for tests that need only a directory: *STATE is
 * the directory's path. */
int fx_setup_tmpdir(void **state);
int fx_teardown_tmpdir(void **state);

/* Write TEXT to PATH with mode 0600, making missing parent directories
 * (0700) first. */
void fx_write_text(const char *path, const char *text);

/* The whole content of PATH (g_free). */
char *fx_read_text(const char *path);

/* The permission bits of PATH (stat, so a link's target). */
unsigned fx_mode_of(const char *path);

/* Number of entries in directory DIR. */
int fx_count_entries(const char *dir);

#endif

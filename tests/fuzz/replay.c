/* replay.c - runs the fuzz targets without libFuzzer, as a unit test:
 * every file of tests/fuzz/corpus/TARGET/ (the seeds) and of
 * tests/fuzz/regressions/TARGET/ (inputs that once crashed natter) goes
 * through the same target code the fuzzer runs. A crash, a sanitizer
 * report or a broken promise fails the test.
 *
 * Usage: replay [FILE...]   without arguments, the directories above
 * under $top_srcdir (default "."). With FILEs, each is run through the
 * target named by its parent directory. */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

typedef struct {
    const char *name;
    int (*run)(const uint8_t *data, size_t size);
} target;

static const target targets[] = {
    {"stanza", fuzz_stanza},     {"catchup", fuzz_catchup}, {"join", fuzz_join},
    {"sanitize", fuzz_sanitize}, {"jid", fuzz_jid},         {"theme", fuzz_theme},
    {"settings", fuzz_settings}, {"styling", fuzz_styling}, {"fallback", fuzz_fallback},
};

static const target *find_target(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
        if (!strcmp(targets[i].name, name))
            return &targets[i];
    return NULL;
}

/* Run PATH through T; false when it cannot be read. */
static bool replay(const target *t, const char *path)
{
    char *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "replay: %s\n", err->message);
        g_error_free(err);
        return false;
    }
    t->run((const uint8_t *)data, len);
    g_free(data);
    return true;
}

/* Run every file of DIR through T; the number run, -1 on errors. */
static int replay_dir(const target *t, const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return 0; /* no inputs of this kind */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; (n = g_dir_read_name(d));)
        if (n[0] != '.')
            g_ptr_array_add(names, g_build_filename(dir, n, NULL));
    g_dir_close(d);
    int count = 0;
    for (guint i = 0; i < names->len && count >= 0; i++)
        count = replay(t, g_ptr_array_index(names, i)) ? count + 1 : -1;
    g_ptr_array_free(names, TRUE);
    return count;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            char *path = g_canonicalize_filename(argv[i], NULL);
            char *dir = g_path_get_dirname(path);
            g_free(path);
            char *name = g_path_get_basename(dir);
            const target *t = find_target(name);
            if (!t) {
                fprintf(stderr, "replay: %s: no target named %s\n", argv[i], name);
                return 1;
            }
            g_free(name);
            g_free(dir);
            if (!replay(t, argv[i]))
                return 1;
            printf("ok %s\n", argv[i]);
        }
        return 0;
    }
    const char *top = g_getenv("top_srcdir");
    int status = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(targets); i++) {
        const char *kinds[] = {"corpus", "regressions"};
        for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
            char *dir =
                g_build_filename(top ? top : ".", "tests", "fuzz", kinds[k], targets[i].name, NULL);
            int n = replay_dir(&targets[i], dir);
            printf("%s %s: %d inputs%s\n", targets[i].name, kinds[k], n, n < 0 ? " FAILED" : "");
            if (n < 0)
                status = 1;
            g_free(dir);
        }
    }
    printf("%s\n", status ? "FAILED" : "PASSED");
    return status;
}

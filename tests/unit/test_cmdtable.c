/* test_cmdtable.c - the whole command table: every command takes its
 * arguments by the same rules (extra words are an error everywhere, text
 * at the end of the line is taken whole), and its entry says what /help
 * and the man page need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "cmd/internal.h"
#include "config/settings.h"
#include "core/event.h"

static int setup(void **state)
{
    settings_init(NULL, NULL);
    cmd_init();
    return 0;
}

static int teardown(void **state)
{
    cmd_deinit();
    settings_deinit();
    event_deinit();
    return 0;
}

/* "w1 w2 ... wN" (g_free). */
static char *words(int n)
{
    GString *s = g_string_new(NULL);
    for (int i = 1; i <= n; i++)
        g_string_append_printf(s, "%sw%d", i > 1 ? " " : "", i);
    return g_string_free(s, FALSE);
}

/* A command that shows arguments in its syntax takes some, and one that
 * shows none takes none. */
static void test_syntax_matches_word_count(void **state)
{
    GPtrArray *all = cmd_all();
    assert_true(all->len > 30);
    for (guint i = 0; i < all->len; i++) {
        const cmd_def *d = g_ptr_array_index(all, i);
        bool takes = d->args && *d->args;
        if (takes != (d->max_words != 0))
            fail_msg("/%s: syntax '%s' but max_words %d", d->name, d->args ? d->args : "",
                     d->max_words);
        if (d->rest != CMD_REST_NONE && d->max_words <= 0)
            fail_msg("/%s: the rest of the line needs a word count", d->name);
    }
}

/* One word more than a command takes is refused before it runs, whatever
 * the command; a command whose last word is text takes it all. */
static void test_extra_words_refused_everywhere(void **state)
{
    GPtrArray *all = cmd_all();
    for (guint i = 0; i < all->len; i++) {
        const cmd_def *d = g_ptr_array_index(all, i);
        int n = d->max_words == CMD_WORDS_ANY ? 12 : d->max_words + 1;
        char *line = words(n);
        char **w = NULL;
        int count = -1;
        char *err = NULL;
        bool ok = cmd_split_args(d, line, &w, &count, &err);
        if (d->max_words == CMD_WORDS_ANY) {
            if (!ok || count != n)
                fail_msg("/%s: options refused: %s", d->name, err ? err : "");
        } else if (d->rest == CMD_REST_NONE) {
            if (ok)
                fail_msg("/%s %s: %d words taken, at most %d allowed", d->name, line, count,
                         d->max_words);
            char *prefix = g_strdup_printf("/%s: ", d->name);
            if (!g_str_has_prefix(err, prefix) || !strstr(err, "too many arguments"))
                fail_msg("/%s: unclear error '%s'", d->name, err);
            g_free(prefix);
        } else {
            char *last = g_strdup_printf("w%d w%d", n - 1, n);
            if (!ok || count != d->max_words || strcmp(w[count - 1], last) != 0)
                fail_msg("/%s: the text at the end was not taken whole", d->name);
            g_free(last);
        }
        g_strfreev(w);
        g_free(err);
        g_free(line);
    }
}

/* A value may be quoted (and so be empty); a message keeps its quotes. */
static void test_value_quotes(void **state)
{
    char **w;
    int n;
    char *err = NULL;
    assert_true(cmd_split_args(cmd_find("set"), "notify_command \"\"", &w, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(w[1], "");
    g_strfreev(w);
    assert_true(cmd_split_args(cmd_find("status"), "away \"gone fishing\"", &w, &n, &err));
    assert_string_equal(w[1], "gone fishing");
    g_strfreev(w);
    assert_true(cmd_split_args(cmd_find("msg"), "bob@example.org \"hi\"", &w, &n, &err));
    assert_string_equal(w[1], "\"hi\"");
    g_strfreev(w);
    assert_false(cmd_split_args(cmd_find("clear"), "now", &w, &n, &err));
    assert_string_equal(err, "/clear: too many arguments (it takes none)");
    g_free(err);
}

/* What /help and the man page show: a topic /help knows, an example that
 * is the command itself and short enough for the overview, settings that
 * exist. */
static void test_help_fields(void **state)
{
    GPtrArray *all = cmd_all();
    for (guint i = 0; i < all->len; i++) {
        const cmd_def *d = g_ptr_array_index(all, i);
        bool known = false;
        for (const char *const *t = cmd_topics; *t; t++)
            known = known || (d->topic && !strcmp(*t, d->topic));
        if (!known)
            fail_msg("/%s: topic '%s' is none of /help's", d->name, d->topic ? d->topic : "");
        if (!d->summary || !*d->summary)
            fail_msg("/%s: no summary", d->name);
        char *self = g_strdup_printf("/%s", d->name);
        size_t n = strlen(self);
        if (!d->example || strncmp(d->example, self, n) != 0 ||
            (d->example[n] != '\0' && d->example[n] != ' '))
            fail_msg("/%s: the example '%s' is not the command", d->name,
                     d->example ? d->example : "");
        if (strlen(d->example) > 41)
            fail_msg("/%s: the example is longer than the /help overview shows", d->name);
        /* the example is something the command takes */
        char **w = NULL;
        int count;
        char *err = NULL;
        if (!cmd_split_args(d, d->example + n, &w, &count, &err))
            fail_msg("/%s: its example is refused: %s", d->name, err);
        g_strfreev(w);
        g_free(self);
        for (const char *const *s = d->settings; s && *s; s++)
            if (!settings_find(*s))
                fail_msg("/%s: reads setting '%s', which does not exist", d->name, *s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_matches_word_count),
        cmocka_unit_test(test_extra_words_refused_everywhere),
        cmocka_unit_test(test_value_quotes),
        cmocka_unit_test(test_help_fields),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

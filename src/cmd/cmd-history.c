/* cmd-history.c - /search, /context and /history: the local history. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/internal.h"
#include "cmd/parse.h"
#include "core/paths.h"
#include "model/jid.h"
#include "store/store.h"
#include "ui/ui.h"

static cmd_result cmd_search(char **argv, int argc, const char *jid)
{
    const char *query = argc ? argv[0] : "";
    const char *peer = NULL;
    const char *word_end = query + strcspn(query, " \t");
    size_t first = (size_t)(word_end - query);
    if ((first == 5 && !strncmp(query, "-here", 5)) ||
        (first == 6 && !strncmp(query, "--here", 6))) {
        query = word_end;
        while (*query == ' ' || *query == '\t')
            query++;
        if (!*query)
            return cmd_fail("Usage: /search -here WORDS (searches the chat of this window)");
        if (!jid)
            return cmd_fail("/search -here works in a chat window.");
        peer = jid;
    }
    char *trimmed = g_strstrip(g_strdup(query));
    if (!*trimmed) {
        g_free(trimmed);
        return cmd_fail("Usage: /search [-here] WORDS or \"a phrase\"");
    }
    char *err = NULL;
    bool ok = ui_search(trimmed, peer, &err);
    g_free(trimmed);
    if (!ok)
        return cmd_fail_err("Search failed", err);
    return CMD_OK;
}

static cmd_result cmd_context(char **argv, int argc, const char *jid)
{
    long n;
    if (argc < 1 || !parse_int(argv[0], 1, 1000000, &n))
        return cmd_fail("Usage: /context N (a result number of the last /search)");
    char *err = NULL;
    if (!ui_search_context((int)n, &err))
        return cmd_fail_err(NULL, err);
    return CMD_OK;
}

/* Default file for an export: in the data directory, never overwriting. */
static char *export_path(const char *peer, store_export_format fmt)
{
    char *dir = g_build_filename(paths_data_dir(), "export", NULL);
    char *err = NULL;
    if (!paths_ensure_dir(dir, &err)) {
        g_free(err);
    }
    GDateTime *now = g_date_time_new_now_local();
    char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    g_date_time_unref(now);
    char *name = g_strdup_printf("%s-%s.%s", peer ? peer : "all", stamp,
                                 fmt == STORE_EXPORT_JSON ? "json" : "txt");
    char *path = g_build_filename(dir, name, NULL);
    g_free(name);
    g_free(stamp);
    g_free(dir);
    return path;
}

static cmd_result cmd_history(char **argv, int argc, const char *jid)
{
    if (argc == 0 || strcmp(argv[0], "export") != 0)
        return cmd_fail("Usage: /history export [JID | all] [--format text|json] [--output FILE]");
    const char *peer = jid;
    store_export_format fmt = STORE_EXPORT_TEXT;
    const char *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json"))
                fmt = STORE_EXPORT_JSON;
            else if (!strcmp(f, "text"))
                fmt = STORE_EXPORT_TEXT;
            else
                return cmd_fail("/history export: --format must be text or json");
        } else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!strcmp(argv[i], "all")) {
            peer = NULL;
        } else if (jid_is_valid_bare(argv[i])) {
            peer = argv[i];
        } else {
            return cmd_fail("/history export: '%s' is not a JID, 'all', --format or --output",
                            argv[i]);
        }
    }
    if (!store_is_open())
        return cmd_fail("No history database is open (connect an account first).");
    char *bare = peer ? jid_bare_of(peer) : NULL;
    if (bare && store_oldest_ts(bare) == 0) {
        cmd_result result =
            cmd_fail("/history export: no history with %s; nothing exported.", bare);
        g_free(bare);
        return result;
    }
    char *path = out_path ? g_strdup(out_path) : export_path(bare, fmt);
    FILE *f = fopen(path, "wx");
    if (!f && out_path)
        f = fopen(path, "w");
    if (!f) {
        cmd_result result =
            cmd_fail("/history export: cannot write %s: %s", path, g_strerror(errno));
        g_free(path);
        g_free(bare);
        return result;
    }
    char *err = NULL;
    bool ok = store_export(bare, fmt, f, &err);
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = g_strdup_printf("writing %s failed", path);
    }
    cmd_result result = CMD_OK;
    if (ok)
        ui_info("Exported %s to %s", bare ? bare : "all conversations", path);
    else
        result = cmd_fail_err("/history export", err);
    g_free(path);
    g_free(bare);
    return result;
}

static const char *const history_choices[] = {"export", NULL};

static const cmd_def defs[] = {
    {
        .name = "search",
        .args = "[-here] WORDS",
        .summary = "Search the local history (all chats, or -here: this one)",
        .help = "Words are all required; \"quoted words\" must appear together. Results open in\n"
                "a window named after the words (searching them again refreshes it), newest\n"
                "first; /context N typed there shows its result N in its conversation.",
        .max_words = 1,
        .rest = CMD_REST_TEXT,
        .topic = "history",
        .example = "/search -here \"train times\"",
        .run = cmd_search,
    },
    {
        .name = "context",
        .args = "N",
        .summary = "Show search result N in its conversation",
        .help = "In a results window: its result N; elsewhere: of the latest search.\n"
                "PgDn at the bottom goes back to the latest messages.",
        .max_words = 1,
        .topic = "history",
        .example = "/context 3",
        .run = cmd_context,
    },
    {
        .name = "history",
        .args = "export [JID | all] [--format text|json] [--output FILE]",
        .summary = "Export history to a file",
        .help = "Without JID: the current chat (or all from the console). Without --output the\n"
                "file goes to $XDG_DATA_HOME/natter/export/. natter --export does the same from\n"
                "a shell.",
        .choices = history_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_JID},
        .max_words = CMD_WORDS_ANY,
        .topic = "history",
        .example = "/history export bob@example.org",
        .run = cmd_history,
    },
};

void cmd_history_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

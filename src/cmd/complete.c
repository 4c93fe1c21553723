/* complete.c - tab completion from the command table: command names, then
 * per-argument kinds (contacts, accounts, settings, subcommands). */
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/internal.h"
#include "cmd/parse.h"
#include "config/accounts.h"
#include "config/settings.h"
#include "model/muc.h"
#include "model/roster.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

static void add_if_prefix(GPtrArray *out, const char *cand, const char *word)
{
    if (g_str_has_prefix(cand, word))
        g_ptr_array_add(out, g_strdup(cand));
}

/* Nicks of the current room starting with WORD (any case); SUFFIX after. */
static void complete_nicks(GPtrArray *out, const char *word, const char *suffix)
{
    const char *jid = ui_current_is_room() ? ui_current_jid() : NULL;
    muc_room *r = jid ? muc_room_find(jid) : NULL;
    if (!r)
        return;
    char *w = g_utf8_casefold(word, -1);
    GSequenceIter *it = g_sequence_get_begin_iter(muc_room_order(r));
    for (; !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it)) {
        muc_occupant *o = g_sequence_get(it);
        if (r->nick && !strcmp(o->nick, r->nick))
            continue;
        char *n = g_utf8_casefold(o->nick, -1);
        if (g_str_has_prefix(n, w))
            g_ptr_array_add(out, g_strconcat(o->nick, suffix, NULL));
        g_free(n);
    }
    g_free(w);
}

/* Files and directories starting with WORD, written as WORD is ("~/" kept),
 * directories with a trailing '/'; hidden ones only when asked for. */
static void complete_path(GPtrArray *out, const char *word)
{
    bool tilde = word[0] == '~' && (word[1] == '/' || word[1] == '\0');
    char *full = tilde ? g_strconcat(g_get_home_dir(), word + 1, NULL) : g_strdup(word);
    const char *slash = strrchr(full, '/');
    char *dir = slash ? g_strndup(full, (gsize)(slash - full + 1)) : g_strdup("");
    const char *base = slash ? slash + 1 : full;
    const char *shown_dir = strrchr(word, '/') ? word : "";
    gsize shown_len = strrchr(word, '/') ? (gsize)(strrchr(word, '/') - word + 1) : 0;
    GDir *d = g_dir_open(*dir ? dir : ".", 0, NULL);
    const char *name;
    guint found = 0;
    while (d && (name = g_dir_read_name(d)) && found < 500) {
        if (!g_str_has_prefix(name, base) || (name[0] == '.' && base[0] != '.'))
            continue;
        char *path = g_build_filename(*dir ? dir : ".", name, NULL);
        bool is_dir = g_file_test(path, G_FILE_TEST_IS_DIR);
        g_free(path);
        g_ptr_array_add(
            out, g_strdup_printf("%.*s%s%s", (int)shown_len, shown_dir, name, is_dir ? "/" : ""));
        found++;
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
    g_free(full);
}

static void complete_kind(GPtrArray *out, cmd_complete_kind kind, const cmd_def *def, char **words,
                          int index, const char *word)
{
    switch (kind) {
    case COMPLETE_JID: {
        if (def && !strcmp(def->name, "msg")) /* in a room: its occupants first */
            complete_nicks(out, word, "");
        GPtrArray *j = roster_complete(word);
        for (guint i = 0; i < j->len; i++)
            g_ptr_array_add(out, g_strdup(g_ptr_array_index(j, i)));
        g_ptr_array_unref(j);
        break;
    }
    case COMPLETE_ACCOUNT:
        for (size_t i = 0; i < accounts_count(); i++)
            add_if_prefix(out, accounts_nth(i)->name, word);
        break;
    case COMPLETE_SETTING: {
        size_t n;
        const setting_def *t = settings_table(&n);
        for (size_t i = 0; i < n; i++)
            add_if_prefix(out, t[i].key, word);
        break;
    }
    case COMPLETE_COMMAND: {
        GPtrArray *all = cmd_all();
        for (guint i = 0; i < all->len; i++)
            add_if_prefix(out, ((const cmd_def *)g_ptr_array_index(all, i))->name, word);
        break;
    }
    case COMPLETE_CHOICES:
        for (const char *const *c = def->choices; c && *c; c++)
            add_if_prefix(out, *c, word);
        break;
    case COMPLETE_SETVALUE: {
        const setting_def *s = index > 0 ? settings_find(words[index - 1]) : NULL;
        if (s && s->type == SETTING_BOOL) {
            add_if_prefix(out, "on", word);
            add_if_prefix(out, "off", word);
        } else if (s && s->type == SETTING_ENUM) {
            for (const char *const *c = s->choices; c && *c; c++)
                add_if_prefix(out, *c, word);
        }
        break;
    }
    case COMPLETE_NICK:
        complete_nicks(out, word, "");
        break;
    case COMPLETE_ROOM: {
        const GPtrArray *marks = nx_bookmarks();
        for (guint i = 0; marks && i < marks->len; i++)
            add_if_prefix(out, ((const nx_bookmark *)g_ptr_array_index(marks, i))->jid, word);
        const GPtrArray *rooms = muc_rooms();
        for (guint i = 0; i < rooms->len; i++) {
            const char *jid = ((const muc_room *)g_ptr_array_index(rooms, i))->jid;
            bool dup = false;
            for (guint k = 0; k < out->len && !dup; k++)
                dup = !strcmp(g_ptr_array_index(out, k), jid);
            if (!dup)
                add_if_prefix(out, jid, word);
        }
        break;
    }
    case COMPLETE_PATH:
        complete_path(out, word);
        break;
    default:
        break;
    }
}

char **cmd_complete(const char *line, int start, const char *word)
{
    GPtrArray *out = g_ptr_array_new();
    if (line[0] == '/' && start <= 1) {
        /* The command name itself. */
        GPtrArray *all = cmd_all();
        const char *w = word[0] == '/' ? word + 1 : word;
        for (guint i = 0; i < all->len; i++) {
            const cmd_def *d = g_ptr_array_index(all, i);
            if (g_str_has_prefix(d->name, w))
                g_ptr_array_add(out, g_strdup_printf("%s%s", start == 0 ? "/" : "", d->name));
        }
    } else if (line[0] == '/') {
        char *name;
        const char *args;
        if (parse_command(line, &name, &args)) {
            const cmd_def *def = cmd_find(name);
            char *before = g_strndup(args, (gsize)(line + start - args));
            char **words;
            int count;
            char *err = NULL;
            if (def && parse_words(before, 0, &words, &count, &err)) {
                /* Subcommand position uses the choices, later ones the
                 * table's kinds. */
                int index = count;
                cmd_complete_kind kind = index < 3 ? def->complete[index] : COMPLETE_NONE;
                complete_kind(out, kind, def, words, index, word);
                g_strfreev(words);
            }
            g_free(err);
            g_free(before);
            g_free(name);
        }
    } else if (ui_current_is_room()) {
        /* In a room: nicks ("nick: " at the start of the line). */
        complete_nicks(out, word, start == 0 ? ":" : "");
    } else {
        /* Plain text: complete contacts. */
        complete_kind(out, COMPLETE_JID, NULL, NULL, 0, word);
    }
    if (out->len == 0) {
        g_ptr_array_free(out, TRUE);
        return NULL;
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

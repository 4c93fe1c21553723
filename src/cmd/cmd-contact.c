/* cmd-contact.c - what to do about someone: /block, /unblock, /blocked
 * (XEP-0191, reports XEP-0377), and what to know about them: /info,
 * /software, /ping, /time, /caps. Answers arrive later as lines in the
 * window the command was typed in. */
#include <string.h>
#include <time.h>

#include "cmd/internal.h"
#include "model/jid.h"
#include "model/roster.h"
#include "ui/sanitize.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* The JID WHO means (a new string): a full or bare JID as typed when it
 * looks like one, "@server" for a server, else a contact's name; NULL
 * (with *WHY) when it names nobody. Without WHO: the chat of window WIN. */
static char *target_of(const char *who, const char *win, char **why)
{
    if (!who) {
        if (win)
            return g_strdup(win);
        *why = g_strdup("Which contact? Give a JID or a contact's name.");
        return NULL;
    }
    if (who[0] != '@' && (strchr(who, '@') || strchr(who, '/') || strchr(who, '.'))) {
        jid_t *j = jid_new(who);
        if (!j) {
            *why = g_strdup_printf("'%s' is not a valid JID.", who);
            return NULL;
        }
        char *r = j->resource ? g_strdup_printf("%s/%s", j->bare, j->resource) : g_strdup(j->bare);
        jid_free(j);
        return r;
    }
    return cmd_resolve_contact(who, why);
}

static cmd_result cmd_block(char **argv, int argc, const char *win)
{
    const char *report = NULL;
    int i = 0;
    if (argc >= 1 && !strcmp(argv[0], "-report")) {
        if (argc < 2)
            return cmd_fail("Usage: /block [-report spam|abuse] JID");
        report = argv[1];
        i = 2;
    }
    if (argc - i > 1)
        return cmd_fail("Usage: /block [-report spam|abuse] JID (one JID at a time)");
    if (argc - i == 0 && !win)
        return cmd_fail("Usage: /block [-report spam|abuse] JID");
    char *why = NULL;
    char *jid = target_of(argc > i ? argv[i] : NULL, win, &why);
    if (!jid)
        return cmd_fail_err(NULL, why);
    char *err = NULL;
    bool ok = nx_block(jid, report, win, &err);
    g_free(jid);
    if (!ok)
        return cmd_fail_err("Not blocked", err);
    return CMD_OK;
}

static cmd_result cmd_unblock(char **argv, int argc, const char *win)
{
    if (argc != 1)
        return cmd_fail("Usage: /unblock JID|-all");
    char *jid = NULL, *why = NULL;
    if (strcmp(argv[0], "-all") != 0 && !(jid = target_of(argv[0], win, &why)))
        return cmd_fail_err(NULL, why);
    char *err = NULL;
    bool ok = nx_unblock(jid, win, &err);
    g_free(jid);
    if (!ok)
        return cmd_fail_err("Not unblocked", err);
    return CMD_OK;
}

static cmd_result cmd_blocked(char **argv, int argc, const char *win)
{
    if (argc)
        return cmd_fail("Usage: /blocked");
    GPtrArray *list = nx_blocklist();
    if (!list)
        return cmd_fail(nx_state() == CONN_CONNECTED
                            ? "The blocklist is not known: the server does not offer blocking."
                            : "The blocklist is not known while offline.");
    if (list->len == 0)
        ui_info("Nobody is blocked.");
    else
        ui_info("Blocked (%u):", list->len);
    for (guint i = 0; i < list->len; i++)
        ui_info("  %s", (const char *)g_ptr_array_index(list, i));
    g_ptr_array_unref(list);
    return CMD_OK;
}

/* Run QUERY for the target of ARGV[0] (or the chat of WIN). */
static cmd_result ask(bool (*query)(const char *, const char *, char **), const char *what,
                      char **argv, int argc, const char *win)
{
    if (argc > 1)
        return cmd_fail("Usage: /%s [JID]", what);
    char *why = NULL;
    char *jid = target_of(argc ? argv[0] : NULL, win, &why);
    if (!jid)
        return cmd_fail_err(NULL, why);
    char *err = NULL;
    bool ok = query(jid, win, &err);
    g_free(jid);
    if (!ok)
        return cmd_fail_err("Not asked", err);
    return CMD_OK;
}

static cmd_result cmd_software(char **argv, int argc, const char *win)
{
    return ask(nx_query_version, "software", argv, argc, win);
}

static cmd_result cmd_time(char **argv, int argc, const char *win)
{
    return ask(nx_query_time, "time", argv, argc, win);
}

static cmd_result cmd_ping(char **argv, int argc, const char *win)
{
    if (argc > 1)
        return cmd_fail("Usage: /ping [JID]");
    char *why = NULL, *jid = NULL;
    if (argc && !(jid = target_of(argv[0], win, &why)))
        return cmd_fail_err(NULL, why);
    char *err = NULL;
    bool ok = nx_ping(jid, win, &err);
    g_free(jid);
    if (!ok)
        return cmd_fail_err("Not pinged", err);
    return CMD_OK;
}

/* The available resource of BARE with the highest priority (borrowed), or
 * NULL. */
static const char *best_resource(roster_contact *c)
{
    const roster_resource *best = NULL;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, c->resources);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const roster_resource *r = v;
        if (!best || r->priority > best->priority ||
            (r->priority == best->priority && strcmp(r->name, best->name) < 0))
            best = r;
    }
    return best ? best->name : NULL;
}

static cmd_result cmd_caps(char **argv, int argc, const char *win)
{
    if (argc > 1)
        return cmd_fail("Usage: /caps [JID[/RESOURCE]]");
    char *why = NULL;
    char *jid = target_of(argc ? argv[0] : NULL, win, &why);
    if (!jid)
        return cmd_fail_err(NULL, why);
    if (!strchr(jid, '/')) {
        /* Features belong to a resource: take the contact's best one. */
        roster_contact *c = strchr(jid, '@') ? roster_find(jid) : NULL;
        const char *res = c ? best_resource(c) : NULL;
        if (c && !res) {
            cmd_result r = cmd_fail("%s has no resource online; /caps JID/RESOURCE", jid);
            g_free(jid);
            return r;
        }
        if (res && *res) {
            char *full = g_strdup_printf("%s/%s", jid, res);
            g_free(jid);
            jid = full;
        }
    }
    char *err = NULL;
    bool ok = nx_query_features(jid, win, &err);
    g_free(jid);
    if (!ok)
        return cmd_fail_err("Not asked", err);
    return CMD_OK;
}

static gint cmp_resource(gconstpointer a, gconstpointer b)
{
    const roster_resource *x = *(roster_resource *const *)a, *y = *(roster_resource *const *)b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* What the roster knows about C, as lines in the current window. */
static void show_contact(roster_contact *c)
{
    char *name = c->name ? sanitize_nick(c->name) : NULL;
    ui_info("%s%s%s%s", c->jid, name ? " (" : "", name ? name : "", name ? ")" : "");
    g_free(name);
    if (c->in_roster) {
        char *groups = c->groups[0] ? g_strjoinv(", ", c->groups) : g_strdup("none");
        ui_info("  groups: %s; subscription: %s%s", groups, c->subscription,
                c->ask ? " (asked to see their presence)" : "");
        g_free(groups);
    } else {
        ui_info("  not in your roster");
    }
    if (nx_is_blocked(c->jid))
        ui_info("  blocked (/unblock %s)", c->jid);
    GPtrArray *res = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, c->resources);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(res, v);
    g_ptr_array_sort(res, cmp_resource);
    if (res->len == 0)
        ui_info("  offline");
    time_t now = time(NULL);
    for (guint i = 0; i < res->len; i++) {
        roster_resource *r = g_ptr_array_index(res, i);
        char *idle = r->idle_since ? nx_format_duration((long)(now - r->idle_since)) : NULL;
        char *rname = sanitize_nick(*r->name ? r->name : "(no resource)");
        ui_info("  resource %s: %s, priority %d%s%s%s%s", rname, presence_show_name(r->show),
                r->priority, idle ? ", idle for " : "", idle ? idle : "", r->status ? " - " : "",
                r->status ? r->status : "");
        g_free(rname);
        g_free(idle);
    }
    g_ptr_array_free(res, TRUE);
}

static cmd_result cmd_info(char **argv, int argc, const char *win)
{
    if (argc > 1)
        return cmd_fail("Usage: /info [JID]");
    char *why = NULL;
    char *jid = target_of(argc ? argv[0] : NULL, win, &why);
    if (!jid)
        return cmd_fail_err(NULL, why);
    char *bare = jid_bare_of(jid);
    g_free(jid);
    if (!bare || !strchr(bare, '@')) {
        g_free(bare);
        return cmd_fail("/info is about a contact (user@server); /software, /time, /ping and "
                        "/caps also ask servers.");
    }
    roster_contact *c = roster_find(bare);
    if (c)
        show_contact(c);
    else
        ui_info("%s: not in your roster, no presence known%s", bare,
                nx_is_blocked(bare) ? "; blocked" : "");
    char *err = NULL;
    bool ok = true;
    if (nx_state() == CONN_CONNECTED) {
        /* The client of every resource, then the vCard; last activity for
         * a contact with nothing online (idle times come with presence). */
        GHashTableIter it;
        gpointer v;
        bool online = false;
        if (c) {
            g_hash_table_iter_init(&it, c->resources);
            while (ok && g_hash_table_iter_next(&it, NULL, &v)) {
                roster_resource *r = v;
                online = true;
                char *full = *r->name ? g_strdup_printf("%s/%s", bare, r->name) : g_strdup(bare);
                ok = nx_query_version(full, win, &err);
                g_free(full);
            }
        }
        if (ok && !online)
            ok = nx_query_last(bare, win, &err);
        if (ok)
            ok = nx_query_vcard(bare, win, &err);
    } else {
        ui_info("  (offline: nothing more can be asked)");
    }
    g_free(bare);
    if (!ok)
        return cmd_fail_err("Not asked", err);
    return CMD_OK;
}

static const cmd_def defs[] = {
    {
        .name = "block",
        .args = "[-report spam|abuse] JID",
        .summary = "Block JID (XEP-0191); optionally report it to your server",
        .help = "The server stops everything from JID to you and tells JID you are offline.\n"
                "-report spam (or abuse) also reports JID to your server (XEP-0377).\n"
                "Without JID: the contact of the current chat.\n"
                "Example: /block -report spam spammer@example.org",
        .max_words = 3,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/block spammer@example.org",
        .run = cmd_block,
    },
    {
        .name = "unblock",
        .args = "JID|-all",
        .summary = "Unblock JID (or everyone)",
        .help = "Example: /unblock bob@example.org",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/unblock spammer@example.org",
        .run = cmd_unblock,
    },
    {
        .name = "blocked",
        .args = "",
        .summary = "List the JIDs you blocked",
        .help = "The list is kept by your server and follows changes made by your other "
                "clients.",
        .max_words = 0,
        .topic = "contacts",
        .example = "/blocked",
        .run = cmd_blocked,
    },
    {
        .name = "info",
        .args = "[JID]",
        .summary = "What is known about a contact",
        .help = "Name, groups, subscription, resources with their priority, client and idle\n"
                "time, last activity when offline (XEP-0012) and the vCard's nickname.\n"
                "Without JID: the contact of the current chat. Example: /info bob",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/info bob@example.org",
        .run = cmd_info,
    },
    {
        .name = "software",
        .args = "[JID]",
        .summary = "Which software JID runs (XEP-0092)",
        .help = "A contact's client needs a full JID (user@server/resource); a server\n"
                "answers for itself. Example: /software example.org",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/software bob@example.org",
        .run = cmd_software,
    },
    {
        .name = "ping",
        .args = "[JID]",
        .summary = "Ping JID or your server and show the round trip (XEP-0199)",
        .help = "Example: /ping bob@example.org/phone",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/ping bob@example.org",
        .run = cmd_ping,
    },
    {
        .name = "time",
        .args = "[JID]",
        .summary = "The local time of JID (XEP-0202)",
        .help = "Example: /time bob@example.org/phone",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/time bob@example.org",
        .run = cmd_time,
    },
    {
        .name = "caps",
        .args = "[JID[/RESOURCE]]",
        .summary = "The features a contact's client offers (XEP-0115/XEP-0030)",
        .help = "Without a resource: the contact's resource with the highest priority.\n"
                "Example: /caps bob",
        .max_words = 1,
        .complete = {COMPLETE_JID},
        .topic = "contacts",
        .example = "/caps bob@example.org",
        .run = cmd_caps,
    },
};

void cmd_contact_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}

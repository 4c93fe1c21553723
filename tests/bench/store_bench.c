/* store_bench.c - the history store's figures, side by side with
 * Profanity's schema and SQL statements run by this same harness.
 *
 * natter: N generated messages (default 1,000,000) go through the store API
 * (store_add_batch in pages of 100, then 10,000 single store_add calls);
 * then time to first screen (open the database and read the newest page of
 * 50 of the conversation holding 100,000 messages), /search latency and the
 * database size per message.
 *
 * Profanity (Debian 12's profanity 0.13): the same messages in its
 * chatlog.db schema (the CREATE TABLE statements in /usr/bin/profanity), with
 * its insert statement (INSERT ... SELECT ... WHERE NOT EXISTS on
 * archive_id, values quoted with sqlite3_mprintf %q, one sqlite3_exec per
 * message in autocommit, SQLite's default rollback journal), its
 * open-time statements and its "previous chat" query, plus a LIKE search
 * (Profanity 0.13 has no history search). Profanity itself is not run:
 * these are its operations reproduced for comparison.
 *
 * Build (see tests/bench/README.md):
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags glib-2.0 sqlite3) \
 *     tests/bench/store_bench.c src/store/store.c src/store/schema.c \
 *     src/store/history.c src/store/search.c src/core/paths.c \
 *     -o /tmp/store_bench $(pkg-config --libs glib-2.0 sqlite3)
 * Run: /tmp/store_bench [-n N] [-d DIR] [-k] [--no-profanity]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store/store.h"

#define ME "me@example.org"
#define BIG_PEER "big@example.net"
#define NPEERS 300    /* BIG_PEER and 299 others */
#define VOCAB 20000   /* distinct words, Zipf-distributed */
#define PAGE 100      /* batch size of store_add_batch */
#define SINGLES 10000 /* single store_add calls */
#define SCREEN 50     /* messages on a first screen */
#define SEED UINT64_C(20240601)
#define NQ 6                           /* search queries */
#define T_START INT64_C(1672531200000) /* 2023-01-01 00:00:00 UTC */

/* ---- timing ---- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, why ? why : "failed");
    exit(1);
}

/* ---- deterministic messages ---- */

typedef struct {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double rnd01(rng *r)
{
    return (double)(rnd(r) >> 11) / 9007199254740992.0;
}

static char *words[VOCAB];
static double zipf_cdf[VOCAB];

/* The vocabulary: common English chat words first, then made-up words of
 * 1-4 syllables; word R is drawn with weight 1/(R+1) (Zipf). */
static void make_vocab(void)
{
    static const char *common[] = {
        "the",  "to",    "and",  "a",    "i",   "you",  "it",  "of",       "is",
        "that", "in",    "for",  "on",   "me",  "we",   "so",  "no",       "ok",
        "what", "this",  "be",   "have", "not", "are",  "at",  "but",      "with",
        "just", "can",   "do",   "will", "yes", "my",   "was", "there",    "now",
        "time", "think", "know", "good", "see", "like", "get", "tomorrow", "today",
    };
    static const char *syl[] = {"ka",  "lo",  "mi",  "ne",  "ru", "ta",  "vo",  "shi", "pe", "do",
                                "bar", "zen", "qui", "fa",  "lu", "gre", "son", "tri", "wa", "el",
                                "or",  "an",  "ist", "ben", "co", "mar", "tel", "nu"};
    rng r = {SEED ^ 0x5151};
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int n = 0;
    for (; n < (int)G_N_ELEMENTS(common); n++) {
        words[n] = g_strdup(common[n]);
        g_hash_table_add(seen, words[n]);
    }
    while (n < VOCAB) {
        GString *w = g_string_new(NULL);
        int k = 1 + (int)(rnd(&r) % 4);
        for (int i = 0; i < k; i++)
            g_string_append(w, syl[rnd(&r) % G_N_ELEMENTS(syl)]);
        if (g_hash_table_contains(seen, w->str)) {
            g_string_free(w, TRUE);
            continue;
        }
        words[n] = g_string_free(w, FALSE);
        g_hash_table_add(seen, words[n]);
        n++;
    }
    g_hash_table_unref(seen);
    double sum = 0;
    for (int i = 0; i < VOCAB; i++)
        sum += 1.0 / (i + 1);
    double acc = 0;
    for (int i = 0; i < VOCAB; i++) {
        acc += 1.0 / (i + 1) / sum;
        zipf_cdf[i] = acc;
    }
    zipf_cdf[VOCAB - 1] = 1.0;
}

static const char *draw_word(rng *r)
{
    double u = rnd01(r);
    int lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return words[lo];
}

static char *hex_id(rng *r, int n)
{
    char *s = g_malloc((size_t)n + 1);
    for (int i = 0; i < n; i++)
        s[i] = "0123456789abcdef"[rnd(r) & 15];
    s[n] = '\0';
    return s;
}

static char *uuid_id(rng *r)
{
    char *h = hex_id(r, 32);
    char *u = g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    g_free(h);
    return u;
}

typedef struct {
    rng r;
    int64_t ts;
    int64_t i;
    int64_t n_total; /* messages this stream will make (for the big peer share) */
} stream;

static void stream_init(stream *s, uint64_t seed, int64_t n_total)
{
    s->r.s = seed;
    s->ts = T_START;
    s->i = 0;
    s->n_total = n_total;
}

/* The next message: one in ten goes to BIG_PEER (100,000 of 1,000,000), the
 * rest to 299 others; 40% outgoing; bodies of 5-200 characters; a
 * stanza-id from our server on every message, ids like real clients'. */
static store_msg *next_msg(stream *s)
{
    rng *r = &s->r;
    store_msg *m = store_msg_new();
    if (s->i % 10 == 0)
        m->peer = g_strdup(BIG_PEER);
    else
        m->peer = g_strdup_printf("contact%03d@example.net", 1 + (int)(rnd(r) % (NPEERS - 1)));
    s->i++;
    m->outgoing = rnd(r) % 10 < 4;
    m->sender = m->outgoing ? g_strdup(ME "/natter") : g_strdup_printf("%s/phone", m->peer);
    int target = 5 + (int)(rnd(r) % 196);
    GString *b = g_string_new(NULL);
    while ((int)b->len < target) {
        const char *w = draw_word(r);
        size_t wl = strlen(w);
        if (b->len && (int)(b->len + 1 + wl) > target && b->len >= 5)
            break;
        if (b->len)
            g_string_append_c(b, ' ');
        g_string_append(b, w);
    }
    if (b->len > 200)
        g_string_truncate(b, 200);
    m->body = g_string_free(b, FALSE);
    s->ts += 1 + (int64_t)(rnd(r) % 60000);
    m->ts = s->ts;
    m->stanza_id = hex_id(r, 16);
    m->stanza_id_by = g_strdup(ME);
    if (m->outgoing) {
        m->origin_id = uuid_id(r);
        m->msg_id = g_strdup(m->origin_id);
        m->receipt = STORE_RECEIPT_DELIVERED;
    } else {
        m->msg_id = uuid_id(r);
        if (rnd(r) % 2)
            m->origin_id = g_strdup(m->msg_id);
    }
    return m;
}

/* ---- natter ---- */

typedef struct {
    double batch_us, batch_cpu_us;   /* per message */
    double single_us, single_cpu_us; /* per message */
    double empty_us, empty_cpu_us;   /* single adds into an empty db */
    double open_ms, page_ms, first_screen_ms, page_back_ms, peers_ms;
    double search_ms[NQ];
    int search_hits[NQ];
    int64_t search_total[NQ];
    double bytes_per_msg;
    double avg_body;
} natter_fig;

/* The /search workload: everywhere, in the big chat, in a small one. */
static struct {
    const char *label;
    const char *text;
    const char *peer;
} queries[NQ];

/* The first 2,000 messages, one store_add each, into an empty database
 * (as Profanity's empty-database figure). */
static void natter_insert_empty(const char *dir, natter_fig *f)
{
    /* as natter opens it: the file of the account (store_open) */
    char *small_dir = g_build_filename(dir, "small", NULL);
    char *path = g_build_filename(small_dir, ME ".db", NULL);
    char *err = NULL;
    if (!store_open(small_dir, ME, &err))
        die("open", err);
    stream s;
    stream_init(&s, SEED, 2000);
    store_msg **msgs = g_new(store_msg *, 2000);
    for (int i = 0; i < 2000; i++)
        msgs[i] = next_msg(&s);
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < 2000; i++)
        if (store_add(msgs[i], &err) != STORE_ADDED)
            die("store_add", err ? err : "duplicate");
    f->empty_us = (now_s() - t0) * 1e6 / 2000;
    f->empty_cpu_us = (cpu_s() - c0) * 1e6 / 2000;
    for (int i = 0; i < 2000; i++)
        store_msg_free(msgs[i]);
    g_free(msgs);
    store_close();
    char *side[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char *p = g_strconcat(path, side[i], NULL);
        g_remove(p);
        g_free(p);
    }
    g_rmdir(small_dir);
    g_free(small_dir);
    g_free(path);
}

static void natter_insert(const char *dir, int64_t n, natter_fig *f)
{
    char *err = NULL;
    if (!store_open(dir, ME, &err)) /* as natter opens it: the account's file */
        die("open", err);
    stream s;
    stream_init(&s, SEED, n);
    store_msg *page[PAGE];
    store_add_result res[PAGE];
    double body_chars = 0;
    double gen = 0, t0 = now_s(), c0 = cpu_s();
    for (int64_t done = 0; done < n;) {
        guint k = (guint)MIN((int64_t)PAGE, n - done);
        double g0 = now_s();
        for (guint i = 0; i < k; i++) {
            page[i] = next_msg(&s);
            body_chars += (double)strlen(page[i]->body);
        }
        gen += now_s() - g0;
        if (!store_add_batch(page, k, res, &err))
            die("store_add_batch", err);
        for (guint i = 0; i < k; i++)
            store_msg_free(page[i]);
        done += k;
    }
    /* generation time is taken out of both wall and CPU time (it is CPU) */
    double wall = now_s() - t0 - gen, cpu = cpu_s() - c0 - gen;
    f->batch_us = wall * 1e6 / (double)n;
    f->batch_cpu_us = cpu * 1e6 / (double)n;
    f->avg_body = body_chars / (double)n;

    /* single adds at this size: a live chat, one message per call */
    stream_init(&s, SEED ^ 0xabcdef, SINGLES);
    store_msg **msgs = g_new(store_msg *, SINGLES);
    for (int i = 0; i < SINGLES; i++) {
        msgs[i] = next_msg(&s);
        msgs[i]->ts += (int64_t)3e11; /* after the bulk */
    }
    t0 = now_s();
    c0 = cpu_s();
    for (int i = 0; i < SINGLES; i++)
        if (store_add(msgs[i], &err) != STORE_ADDED)
            die("store_add", err ? err : "duplicate");
    f->single_us = (now_s() - t0) * 1e6 / SINGLES;
    f->single_cpu_us = (cpu_s() - c0) * 1e6 / SINGLES;
    for (int i = 0; i < SINGLES; i++)
        store_msg_free(msgs[i]);
    g_free(msgs);
    store_close(); /* checkpoints the WAL into the database file */
}

static void natter_read(const char *path, int repeats, natter_fig *f)
{
    char *err = NULL;
    double *open_t = g_new(double, repeats), *page_t = g_new(double, repeats),
           *all_t = g_new(double, repeats), *back_t = g_new(double, repeats),
           *peers_t = g_new(double, repeats);
    for (int i = 0; i < repeats; i++) {
        double t0 = now_s();
        if (!store_open_path(path, &err))
            die("open", err);
        double t1 = now_s();
        GPtrArray *p = store_page(BIG_PEER, 0, SCREEN);
        double t2 = now_s();
        if (p->len != SCREEN)
            die("first page", "short");
        open_t[i] = (t1 - t0) * 1e3;
        page_t[i] = (t2 - t1) * 1e3;
        all_t[i] = (t2 - t0) * 1e3;
        int64_t cur = ((store_msg *)p->pdata[0])->rowid;
        g_ptr_array_unref(p);
        t0 = now_s();
        p = store_page(BIG_PEER, cur, SCREEN);
        back_t[i] = (now_s() - t0) * 1e3;
        g_ptr_array_unref(p);
        t0 = now_s();
        p = store_peers();
        peers_t[i] = (now_s() - t0) * 1e3;
        if (p->len != NPEERS)
            die("peers", "wrong count");
        g_ptr_array_unref(p);
        store_close();
    }
    f->open_ms = median(open_t, repeats);
    f->page_ms = median(page_t, repeats);
    f->first_screen_ms = median(all_t, repeats);
    f->page_back_ms = median(back_t, repeats);
    f->peers_ms = median(peers_t, repeats);
    g_free(open_t);
    g_free(page_t);
    g_free(all_t);
    g_free(back_t);
    g_free(peers_t);

    if (!store_open_path(path, &err))
        die("open", err);
    for (int q = 0; q < NQ; q++) {
        double t[5];
        const char *peer = queries[q].peer;
        for (int i = 0; i < 5; i++) {
            double t0 = now_s();
            GPtrArray *r = store_search(queries[q].text, peer, SCREEN, &err);
            t[i] = (now_s() - t0) * 1e3;
            if (!r)
                die("search", err);
            f->search_hits[q] = (int)r->len;
            g_ptr_array_unref(r);
        }
        f->search_ms[q] = median(t, 5);
        /* how many messages match in all (for context; not timed) */
        GPtrArray *all = store_search(queries[q].text, peer, 0, &err);
        f->search_total[q] = all ? (int64_t)all->len : -1;
        if (all)
            g_ptr_array_unref(all);
    }
    int64_t count = store_count();
    store_close();
    GStatBuf sb;
    if (g_stat(path, &sb) != 0)
        die("stat", g_strerror(errno));
    f->bytes_per_msg = (double)sb.st_size / (double)count;
}

/* ---- Profanity's schema and statements ---- */

/* Verbatim from profanity 0.13's binary (strings /usr/bin/profanity). */
static const char prof_create_chatlogs[] =
    "CREATE TABLE IF NOT EXISTS `ChatLogs` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, "
    "`from_jid` TEXT NOT NULL, `to_jid` TEXT NOT NULL, `from_resource` TEXT, `to_resource` "
    "TEXT, `message` TEXT, `timestamp` TEXT, `type` TEXT, `stanza_id` TEXT, `archive_id` TEXT, "
    "`replace_id` TEXT, `encryption` TEXT, `marked_read` INTEGER)";
static const char prof_create_version[] =
    "CREATE TABLE IF NOT EXISTS `DbVersion` ( `dv_id` INTEGER PRIMARY KEY, `version` INTEGER "
    "UNIQUE)";
static const char prof_insert_version[] = "INSERT OR IGNORE INTO `DbVersion` (`version`) "
                                          "VALUES('1')";

typedef struct {
    double load_s;                          /* setup: plain INSERTs in one transaction */
    double insert_empty_us, insert_full_us; /* its statement, autocommit, per message */
    double insert_empty_cpu_us, insert_full_cpu_us;
    int n_empty, n_full;
    double first_screen_ms, first_screen50_ms;
    double search_ms[NQ];
    int search_hits[NQ];
    double bytes_per_msg;
} prof_fig;

/* The row Profanity would write for M: bare JIDs and resources split,
 * ISO 8601 timestamp, msg id in stanza_id, the MAM id in archive_id. */
typedef struct {
    char *from_jid, *from_res, *to_jid, *to_res, *ts;
} prof_row;

static void prof_row_of(const store_msg *m, prof_row *p)
{
    const char *slash = strchr(m->sender, '/');
    if (m->outgoing) {
        p->from_jid = g_strdup(ME);
        p->from_res = g_strdup("natter");
        p->to_jid = g_strdup(m->peer);
        p->to_res = g_strdup("");
    } else {
        p->from_jid = g_strdup(m->peer);
        p->from_res = g_strdup(slash ? slash + 1 : "");
        p->to_jid = g_strdup(ME);
        p->to_res = g_strdup("natter");
    }
    GDateTime *d0 = g_date_time_new_from_unix_utc(m->ts / 1000);
    GDateTime *d = g_date_time_add(d0, (m->ts % 1000) * 1000);
    p->ts = g_date_time_format_iso8601(d);
    g_date_time_unref(d);
    g_date_time_unref(d0);
}

static void prof_row_clear(prof_row *p)
{
    g_free(p->from_jid);
    g_free(p->from_res);
    g_free(p->to_jid);
    g_free(p->to_res);
    g_free(p->ts);
}

static sqlite3 *prof_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("profanity db", sqlite3_errmsg(db));
    if (sqlite3_exec(db, prof_create_chatlogs, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, prof_create_version, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, prof_insert_version, NULL, NULL, NULL) != SQLITE_OK)
        die("profanity schema", sqlite3_errmsg(db));
    return db;
}

/* Profanity's insert of one message: its statement text with %q quoting,
 * run by sqlite3_exec in autocommit. */
static void prof_insert(sqlite3 *db, const store_msg *m)
{
    prof_row p;
    prof_row_of(m, &p);
    char *q = sqlite3_mprintf(
        "INSERT INTO `ChatLogs` (`from_jid`, `from_resource`, `to_jid`, `to_resource`, "
        "`message`, `timestamp`, `stanza_id`, `archive_id`, `replace_id`, `type`, "
        "`encryption`) SELECT '%q', '%q', '%q', '%q', '%q', '%q', '%q', '%q', '%q', '%q', '%q' "
        "WHERE NOT EXISTS (SELECT 1 FROM `ChatLogs` WHERE `archive_id` = '%q' AND "
        "`archive_id` != '')",
        p.from_jid, p.from_res, p.to_jid, p.to_res, m->body, p.ts, m->msg_id ? m->msg_id : "",
        m->stanza_id, "", "chat", "none", m->stanza_id);
    char *e = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &e) != SQLITE_OK)
        die("profanity insert", e);
    sqlite3_free(q);
    prof_row_clear(&p);
}

/* Its "previous chat" query (the newest LIMIT messages of one contact),
 * all rows read. Returns the row count. */
static int prof_previous_chat(sqlite3 *db, const char *contact, int limit)
{
    char *q = sqlite3_mprintf("SELECT * FROM (SELECT `message`, `timestamp`, `from_jid`, `type`, "
                              "`encryption` from `ChatLogs` WHERE (`from_jid` = '%q' AND "
                              "`to_jid` = '%q') OR (`from_jid` = '%q' AND `to_jid` = '%q') "
                              "ORDER BY `timestamp` DESC LIMIT %d) ORDER BY `timestamp` ASC;",
                              contact, ME, ME, contact, limit);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
        die("profanity page", sqlite3_errmsg(db));
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_text(st, 0))
            n++;
    sqlite3_finalize(st);
    sqlite3_free(q);
    return n;
}

static void prof_bench(const char *dir, int64_t n, int repeats, int n_full, prof_fig *f)
{
    /* 1. its statement into an empty database, as a new user's chat */
    char *path = g_build_filename(dir, "profanity-small.db", NULL);
    sqlite3 *db = prof_open(path);
    stream s;
    stream_init(&s, SEED, n);
    int n_empty = (int)MIN((int64_t)2000, n);
    store_msg **msgs = g_new(store_msg *, n_empty);
    for (int i = 0; i < n_empty; i++)
        msgs[i] = next_msg(&s);
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n_empty; i++)
        prof_insert(db, msgs[i]);
    f->insert_empty_us = (now_s() - t0) * 1e6 / n_empty;
    f->insert_empty_cpu_us = (cpu_s() - c0) * 1e6 / n_empty;
    f->n_empty = n_empty;
    for (int i = 0; i < n_empty; i++)
        store_msg_free(msgs[i]);
    g_free(msgs);
    sqlite3_close(db);
    g_remove(path);
    g_free(path);

    /* 2. setup: the same N messages as natter's, same column values as its
     * statement writes, loaded with a plain INSERT in one transaction (its
     * own statement would scan the table once per message: hours at 1M) */
    path = g_build_filename(dir, "profanity.db", NULL);
    db = prof_open(path);
    stream_init(&s, SEED, n);
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO `ChatLogs` (`from_jid`, `from_resource`, `to_jid`, "
                           "`to_resource`, `message`, `timestamp`, `stanza_id`, `archive_id`, "
                           "`replace_id`, `type`, `encryption`) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 'chat', 'none')",
                           -1, &ins, NULL) != SQLITE_OK)
        die("profanity load", sqlite3_errmsg(db));
    t0 = now_s();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int64_t i = 0; i < n; i++) {
        store_msg *m = next_msg(&s);
        prof_row p;
        prof_row_of(m, &p);
        sqlite3_bind_text(ins, 1, p.from_jid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, p.from_res, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, p.to_jid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, p.to_res, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, m->body, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, p.ts, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, m->msg_id ? m->msg_id : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, m->stanza_id, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("profanity load", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        prof_row_clear(&p);
        store_msg_free(m);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(ins);
    f->load_s = now_s() - t0;

    /* 3. its statement into the database holding N messages */
    stream_init(&s, SEED ^ 0xabcdef, n_full);
    msgs = g_new(store_msg *, n_full);
    for (int i = 0; i < n_full; i++) {
        msgs[i] = next_msg(&s);
        msgs[i]->ts += (int64_t)3e11;
    }
    t0 = now_s();
    c0 = cpu_s();
    for (int i = 0; i < n_full; i++)
        prof_insert(db, msgs[i]);
    f->insert_full_us = (now_s() - t0) * 1e6 / n_full;
    f->insert_full_cpu_us = (cpu_s() - c0) * 1e6 / n_full;
    f->n_full = n_full;
    for (int i = 0; i < n_full; i++)
        store_msg_free(msgs[i]);
    g_free(msgs);
    sqlite3_close(db);
    GStatBuf sb;
    if (g_stat(path, &sb) != 0)
        die("stat", g_strerror(errno));
    f->bytes_per_msg = (double)sb.st_size / (double)(n + n_full);

    /* 4. first screen: open (with its start-up statements) + previous chat */
    double *t = g_new(double, repeats), *t50 = g_new(double, repeats);
    for (int i = 0; i < repeats; i++) {
        t0 = now_s();
        db = prof_open(path);
        if (prof_previous_chat(db, BIG_PEER, 10) != 10)
            die("profanity page", "short");
        t[i] = (now_s() - t0) * 1e3;
        sqlite3_close(db);
        t0 = now_s();
        db = prof_open(path);
        if (prof_previous_chat(db, BIG_PEER, SCREEN) != SCREEN)
            die("profanity page", "short");
        t50[i] = (now_s() - t0) * 1e3;
        sqlite3_close(db);
    }
    f->first_screen_ms = median(t, repeats);
    f->first_screen50_ms = median(t50, repeats);
    g_free(t);
    g_free(t50);

    /* 5. a LIKE search (Profanity has none): newest 50 whose message
     * contains the text */
    db = prof_open(path);
    for (int q = 0; q < NQ; q++) {
        /* the phrase without its quotes */
        const char *qt = queries[q].text;
        char *text = qt[0] == '"' ? g_strndup(qt + 1, strlen(qt) - 2) : g_strdup(qt);
        char *like = g_strdup_printf("%%%s%%", text);
        g_free(text);
        double tq[5];
        for (int i = 0; i < 5; i++) {
            sqlite3_stmt *st = NULL;
            const char *sql =
                queries[q].peer ? "SELECT `message`, `timestamp`, `from_jid` FROM `ChatLogs` WHERE "
                                  "`message` LIKE ?1 AND (`from_jid` = ?2 OR `to_jid` = ?2) "
                                  "ORDER BY `timestamp` DESC LIMIT 50"
                                : "SELECT `message`, `timestamp`, `from_jid` FROM `ChatLogs` WHERE "
                                  "`message` LIKE ?1 ORDER BY `timestamp` DESC LIMIT 50";
            t0 = now_s();
            sqlite3_prepare_v2(db, sql, -1, &st, NULL);
            sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
            if (queries[q].peer)
                sqlite3_bind_text(st, 2, queries[q].peer, -1, SQLITE_STATIC);
            int hits = 0;
            while (sqlite3_step(st) == SQLITE_ROW)
                hits++;
            sqlite3_finalize(st);
            tq[i] = (now_s() - t0) * 1e3;
            f->search_hits[q] = hits;
        }
        f->search_ms[q] = median(tq, 5);
        g_free(like);
    }
    sqlite3_close(db);
    g_free(path);
}

/* ---- main ---- */

static void rm_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        g_remove(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    int64_t n = 1000000;
    const char *dir_opt = NULL;
    bool keep = false, profanity = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = g_ascii_strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
            dir_opt = argv[++i];
        else if (strcmp(argv[i], "-k") == 0)
            keep = true;
        else if (strcmp(argv[i], "--no-profanity") == 0)
            profanity = false;
        else {
            fprintf(stderr, "usage: %s [-n MESSAGES] [-d DIR] [-k] [--no-profanity]\n", argv[0]);
            return 2;
        }
    }
    if (n < 1000) {
        fprintf(stderr, "store_bench: -n must be at least 1000\n");
        return 2;
    }
    char *dir = dir_opt ? g_strdup(dir_opt) : g_dir_make_tmp("natter-bench-XXXXXX", NULL);
    if (!dir || g_mkdir_with_parents(dir, 0700) != 0)
        die("directory", g_strerror(errno));
    make_vocab();
    /* rare: rank 15000 (~1 in 157,000 words); common: "the"; a phrase of
     * two frequent words */
    char *rare = g_strdup(words[15000]);
    char *phrase = g_strdup_printf("\"%s %s\"", words[2], words[0]);
    const char *small = "contact001@example.net";
    queries[0].label = "rare word";
    queries[0].text = rare;
    queries[1].label = "common word";
    queries[1].text = "the";
    queries[2].label = "phrase";
    queries[2].text = phrase;
    queries[3].label = "common word, big chat";
    queries[3].text = "the";
    queries[3].peer = BIG_PEER;
    queries[4].label = "common word, small chat";
    queries[4].text = "the";
    queries[4].peer = small;
    queries[5].label = "rarer word, small chat";
    queries[5].text = "tomorrow";
    queries[5].peer = small;
    int repeats = 21;

    char *path = g_build_filename(dir, ME ".db", NULL);
    printf("natter store benchmark: %" G_GINT64_FORMAT
           " messages, %d peers (%s holds %" G_GINT64_FORMAT "), seed %" G_GUINT64_FORMAT "\n",
           n, NPEERS, BIG_PEER, (n + 9) / 10, SEED);
    printf("SQLite %s, files in %s (warm page cache)\n", sqlite3_libversion(), dir);
    fflush(stdout);

    natter_fig nf = {0};
    double t0 = now_s();
    natter_insert_empty(dir, &nf);
    natter_insert(dir, n, &nf);
    natter_read(path, repeats, &nf);
    double natter_s = now_s() - t0;
    printf("bodies: mean %.0f characters, 5-200\n\n", nf.avg_body);

    printf("natter (store API: src/store)\n");
    printf("  insert, store_add_batch pages of %d   %8.2f us/msg  (CPU %.2f us)\n", PAGE,
           nf.batch_us, nf.batch_cpu_us);
    printf("  insert, one store_add per message:\n");
    printf("    into an empty db (first 2000)       %8.2f us/msg  (CPU %.2f us; each committed)\n",
           nf.empty_us, nf.empty_cpu_us);
    printf("    into the db of %" G_GINT64_FORMAT " (%d msgs)  %8.2f us/msg  (CPU %.2f us)\n", n,
           SINGLES, nf.single_us, nf.single_cpu_us);
    printf("  first screen: open + newest %d        %8.3f ms      (open %.3f + page %.3f; "
           "median of %d)\n",
           SCREEN, nf.first_screen_ms, nf.open_ms, nf.page_ms, repeats);
    printf("  page back (PgUp, %d older)            %8.3f ms\n", SCREEN, nf.page_back_ms);
    printf("  list conversations (%d peers)        %8.3f ms\n", NPEERS, nf.peers_ms);
    for (int q = 0; q < NQ; q++)
        printf("  /search %-24s %-10s %8.3f ms      (%d shown of %" G_GINT64_FORMAT
               " matches; median of 5)\n",
               queries[q].label, queries[q].text, nf.search_ms[q], nf.search_hits[q],
               nf.search_total[q]);
    printf("  database size                         %8.1f bytes/msg (after checkpoint)\n",
           nf.bytes_per_msg);
    printf("  (natter part took %.1f s)\n\n", natter_s);
    fflush(stdout);

    if (profanity) {
        prof_fig pf = {0};
        int n_full = n >= 500000 ? 30 : 100;
        t0 = now_s();
        prof_bench(dir, n, 7, n_full, &pf);
        double prof_s = now_s() - t0;
        printf("Profanity's schema and queries, run by our harness (profanity 0.13 chatlog.db; "
               "Profanity itself not run)\n");
        printf("  insert, its statement, autocommit:\n");
        printf("    into an empty db (first %d)        %8.2f us/msg  (CPU %.2f us)\n", pf.n_empty,
               pf.insert_empty_us, pf.insert_empty_cpu_us);
        printf("    into the db of %" G_GINT64_FORMAT " (%d msgs)   %10.2f us/msg  (CPU %.2f us; "
               "NOT EXISTS scans the table)\n",
               n, pf.n_full, pf.insert_full_us, pf.insert_full_cpu_us);
        double est_total = (double)n * (pf.insert_empty_us + pf.insert_full_us) / 2 / 1e6;
        printf("    all %" G_GINT64_FORMAT " one by one, estimated       %8.0f s  (mean of the two "
               "rates: cost grows with the table)\n",
               n, est_total);
        printf("    (setup only: plain INSERTs in one transaction loaded the %" G_GINT64_FORMAT
               " in %.1f s)\n",
               n, pf.load_s);
        printf("  first screen: open + its start-up statements + previous chat:\n");
        printf("    its query, LIMIT 10                 %8.3f ms (median of 7)\n",
               pf.first_screen_ms);
        printf("    same query, LIMIT %d                %8.3f ms\n", SCREEN, pf.first_screen50_ms);
        for (int q = 0; q < NQ; q++)
            printf("  LIKE search %-24s       %8.3f ms      (%d shown; median of 5)\n",
                   queries[q].label, pf.search_ms[q], pf.search_hits[q]);
        printf("  database size                         %8.1f bytes/msg\n", pf.bytes_per_msg);
        printf("  (Profanity part took %.1f s)\n\n", prof_s);

        printf("ratios, Profanity's / natter's (higher: natter faster or smaller)\n");
        printf("  insert one message, empty db                    %8.1fx\n",
               pf.insert_empty_us / nf.empty_us);
        printf("  insert one message, both at %" G_GINT64_FORMAT "            %8.1fx\n", n,
               pf.insert_full_us / nf.single_us);
        printf("  insert all %" G_GINT64_FORMAT " (est. / batch)            %8.1fx\n", n,
               est_total * 1e6 / (double)n / nf.batch_us);
        printf("  first screen (its 10 rows / our %d)             %8.1fx\n", SCREEN,
               pf.first_screen_ms / nf.first_screen_ms);
        printf("  first screen (%d rows each)                     %8.1fx\n", SCREEN,
               pf.first_screen50_ms / nf.first_screen_ms);
        for (int q = 0; q < NQ; q++)
            printf("  search, %-24s                %8.1fx\n", queries[q].label,
                   pf.search_ms[q] / nf.search_ms[q]);
        printf("  size per message                                %8.2fx\n",
               pf.bytes_per_msg / nf.bytes_per_msg);
    }

    if (!keep)
        rm_dir(dir);
    else
        printf("kept %s\n", dir);
    g_free(path);
    g_free(dir);
    g_free(rare);
    g_free(phrase);
    for (int i = 0; i < VOCAB; i++)
        g_free(words[i]);
    return 0;
}

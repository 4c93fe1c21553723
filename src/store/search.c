/* search.c - full-text search (FTS5): indexing new messages, search; and
 * export of the history.
 *
 * The user's words never reach MATCH as FTS syntax: each word and each
 * "quoted phrase" becomes one double-quoted FTS5 string (inner quotes
 * doubled), and the strings are ANDed. Inside a string, FTS5 operators
 * (AND OR NOT NEAR, * ^ - : + ( )) are plain text, so no input can raise an
 * FTS syntax error.
 *
 * Two indexes answer: words (unicode61: case and diacritics folded) for
 * most text, and trigrams for text in scripts written without spaces
 * (STORE_UNSPACED_GLOB), where a word is a substring of a longer run; such
 * terms under 3 characters are matched with LIKE over the rows that hold
 * such text (messages_unspaced).
 */
#include "store/internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include "core/json.h"

/* ---- the indexes ---- */

/* True when BODY is text of a script written without spaces
 * (STORE_UNSPACED_GLOB): it also goes into the trigram index. ASCII text
 * is ruled out without the GLOB (every range is at U+0E00 or above). */
static bool is_unspaced(const char *body)
{
    const unsigned char *p = (const unsigned char *)body;
    while (*p && *p < 0x80)
        p++;
    return *p && sqlite3_strglob(STORE_UNSPACED_GLOB, body) == 0;
}

/* Run statement ID with ?1 ROWID and, when BODY is not NULL, ?2 BODY.
 * Returns the SQLite code (SQLITE_DONE on success). */
static int index_run(store_stmt_id id, int64_t rowid, const char *body)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(id, &rc);
    if (!st)
        return rc;
    sqlite3_bind_int64(st, 1, rowid);
    if (body)
        sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
    return store_stmt_run(st);
}

int store_index_add(int64_t rowid, const char *body)
{
    int rc = index_run(ST_FTS_WORDS, rowid, body);
    bool unspaced = rc == SQLITE_DONE && is_unspaced(body);
    if (unspaced)
        rc = index_run(ST_FTS_TRIGRAMS, rowid, body);
    if (unspaced && rc == SQLITE_DONE)
        rc = index_run(ST_FTS_UNSPACED, rowid, NULL);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- the query ---- */

/* True when [S, END) holds a character the unicode61 tokenizer keeps
 * (letters, numbers, private use): otherwise the word is punctuation only
 * and would become an empty phrase, which matches nothing. */
static bool has_token_char(const char *s, const char *end)
{
    for (const char *p = s; p < end; p = g_utf8_next_char(p)) {
        switch (g_unichar_type(g_utf8_get_char(p))) {
        case G_UNICODE_LOWERCASE_LETTER:
        case G_UNICODE_UPPERCASE_LETTER:
        case G_UNICODE_TITLECASE_LETTER:
        case G_UNICODE_MODIFIER_LETTER:
        case G_UNICODE_OTHER_LETTER:
        case G_UNICODE_DECIMAL_NUMBER:
        case G_UNICODE_LETTER_NUMBER:
        case G_UNICODE_OTHER_NUMBER:
        case G_UNICODE_PRIVATE_USE:
            return true;
        default:
            break;
        }
    }
    return false;
}

/* Append [S, END) to Q as an FTS5 string: "...", inner quotes doubled. */
static void append_fts_string(GString *q, const char *s, const char *end)
{
    if (q->len)
        g_string_append(q, " AND ");
    g_string_append_c(q, '"');
    for (const char *p = s; p < end; p++) {
        if (*p == '"')
            g_string_append_c(q, '"');
        g_string_append_c(q, *p);
    }
    g_string_append_c(q, '"');
}

/* [S, END) as a LIKE pattern matching it anywhere (g_free), with % _ and
 * the escape character escaped. */
static char *like_pattern(const char *s, const char *end)
{
    GString *p = g_string_new("%");
    for (; s < end; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            g_string_append_c(p, '\\');
        g_string_append_c(p, *s);
    }
    g_string_append_c(p, '%');
    return g_string_free(p, FALSE);
}

/* Put the term [S, END) where it is looked up: the trigram index for text
 * in scripts without spaces (LIKE when too short for trigrams), else the
 * word index. */
static void add_term(store_query *q, GString *words, GString *trigrams, const char *s,
                     const char *end)
{
    char *term = g_strndup(s, (gsize)(end - s));
    if (sqlite3_strglob(STORE_UNSPACED_GLOB, term) != 0)
        append_fts_string(words, s, end);
    else if (g_utf8_strlen(term, -1) >= 3)
        append_fts_string(trigrams, s, end);
    else
        g_ptr_array_add(q->likes, like_pattern(s, end));
    g_free(term);
}

void store_query_clear(store_query *q)
{
    g_clear_pointer(&q->words, g_free);
    g_clear_pointer(&q->trigrams, g_free);
    g_clear_pointer(&q->likes, g_ptr_array_unref);
}

bool store_query_parse(const char *text, store_query *q, char **err)
{
    char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *words = g_string_new(NULL), *trigrams = g_string_new(NULL);
    *q = (store_query){.likes = g_ptr_array_new_with_free_func(g_free)};
    bool any_text = false;
    const char *p = valid;
    while (*p) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c)) {
            p = g_utf8_next_char(p);
            continue;
        }
        any_text = true;
        const char *start, *end;
        if (c == '"') {
            /* a phrase, to the closing quote or the end */
            start = p + 1;
            end = strchr(start, '"');
            if (!end)
                end = start + strlen(start);
            p = *end ? end + 1 : end;
        } else {
            start = p;
            while (*p && *p != '"' && !g_unichar_isspace(g_utf8_get_char(p)))
                p = g_utf8_next_char(p);
            end = p;
        }
        if (has_token_char(start, end))
            add_term(q, words, trigrams, start, end);
    }
    q->words = words->len ? g_string_free(words, FALSE) : (g_string_free(words, TRUE), NULL);
    q->trigrams =
        trigrams->len ? g_string_free(trigrams, FALSE) : (g_string_free(trigrams, TRUE), NULL);
    if (!q->words && !q->trigrams && q->likes->len == 0) {
        if (err)
            *err = any_text ? g_strdup_printf("nothing to search for in \"%s\": search "
                                              "matches words of letters and digits",
                                              valid)
                            : g_strdup("empty search: type the words to look for");
        store_query_clear(q);
        g_free(valid);
        return false;
    }
    g_free(valid);
    return true;
}

/* How many of the newest matches a search in one conversation checks one by
 * one (a row lookup each, about a microsecond) before it walks the
 * conversation's own ids instead. */
#define PEER_PROBE_BUDGET 2000

static int cmp_id_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x > y ? -1 : x < y;
}

/* The rowids of PEER's messages, newest stored first, into a new GArray of
 * int64_t (g_array_unref); NULL with *RC on error. */
static GArray *peer_ids(const char *peer, int *rc)
{
    sqlite3_stmt *st = store_stmt(ST_PEER_IDS, rc);
    if (!st)
        return NULL;
    store_bind_text(st, 1, peer);
    GArray *a = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(a, id);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        *rc = r;
        g_array_unref(a);
        return NULL;
    }
    g_array_sort(a, cmp_id_desc);
    return a;
}

/* The number of conversation PEER (peers), 0 when it has none; 0 with
 * *RC on error. */
static int64_t peer_number(const char *peer, int *rc)
{
    sqlite3_stmt *st = store_stmt(ST_PEER_NUMBER, rc);
    if (!st)
        return 0;
    store_bind_text(st, 1, peer);
    int64_t key = 0;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        key = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        *rc = r;
    sqlite3_reset(st);
    return key;
}

/* True when row ID belongs to the conversation numbered PEER; false with
 * *RC on error. */
static bool row_in_peer(int64_t id, int64_t peer, int *rc)
{
    sqlite3_stmt *st = store_stmt(ST_ROW_PEER, rc);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, id);
    bool in = false;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        in = sqlite3_column_int64(st, 0) == peer;
    else if (r != SQLITE_DONE)
        *rc = r;
    sqlite3_reset(st);
    return in;
}

/* The rowids of PEER's messages matching FTS, newest stored first, at most
 * WANT, appended to IDS. The matches come newest first from the FTS index
 * (cheap); the newest are checked one by one, which is quick when the
 * conversation holds many of them; past PEER_PROBE_BUDGET the match stream
 * is merged with the conversation's sorted ids, so a word that is frequent
 * elsewhere but rare here costs a walk over ids, not a row lookup per
 * match. Returns SQLITE_OK or the error. */
static int peer_match_ids(const char *fts, const char *peer, guint want, GArray *ids)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *m = store_stmt(ST_FTS_IDS, &rc);
    if (!m)
        return rc;
    store_bind_text(m, 1, fts);
    int64_t key = peer_number(peer, &rc);
    if (key == 0) {
        sqlite3_reset(m);
        return rc; /* no such conversation: nothing matches in it */
    }
    GArray *own = NULL;
    guint pos = 0, probes = 0;
    int r = SQLITE_DONE;
    while (ids->len < want && (r = sqlite3_step(m)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(m, 0);
        if (probes < PEER_PROBE_BUDGET) {
            probes++;
            if (row_in_peer(id, key, &rc))
                g_array_append_val(ids, id);
            if (rc != SQLITE_OK)
                break;
            continue;
        }
        if (!own && !(own = peer_ids(peer, &rc)))
            break;
        while (pos < own->len && g_array_index(own, int64_t, pos) > id)
            pos++;
        if (pos == own->len)
            break; /* no older message of PEER left */
        if (g_array_index(own, int64_t, pos) == id)
            g_array_append_val(ids, id);
    }
    sqlite3_reset(m);
    if (own)
        g_array_unref(own);
    if (rc == SQLITE_OK && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = r;
    return rc;
}

/* STORE_MSG_COLS with each column prefixed by "m." (static). */
static const char *msg_cols_m(void)
{
    return STORE_MSG_COLS_OF("m.");
}

/* The search of Q when it has terms in scripts without spaces: driven by
 * the trigram index (or, for short terms only, by the rows holding such
 * text), newest stored first, the other terms checked on each candidate.
 * Appends at most LIMIT (<= 0: all) to OUT. Returns the SQLite code. */
static int search_unspaced(const store_query *q, const char *peer, int limit, GPtrArray *out)
{
    GString *sql = g_string_new("SELECT ");
    g_string_append(sql, msg_cols_m());
    if (q->trigrams)
        g_string_append(sql, " FROM messages_fts_tri t JOIN messages m ON m.id = t.rowid"
                             " WHERE messages_fts_tri MATCH ?");
    else
        g_string_append(sql, " FROM messages_unspaced t JOIN messages m ON m.id = t.id"
                             " WHERE 1");
    for (guint i = 0; i < q->likes->len; i++)
        g_string_append(sql, " AND m.body LIKE ? ESCAPE '\\'");
    if (q->words)
        g_string_append(sql, " AND m.id IN (SELECT rowid FROM messages_fts"
                             " WHERE messages_fts MATCH ?)");
    if (peer)
        g_string_append(sql, " AND m.peer = " PEER_KEY("?"));
    g_string_append(sql, q->trigrams ? " ORDER BY t.rowid DESC LIMIT ?"
                                     : " ORDER BY t.id DESC"
                                       " LIMIT ?");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store_db(), sql->str, -1, &st, NULL);
    g_string_free(sql, TRUE);
    if (rc != SQLITE_OK)
        return rc;
    int n = 1;
    if (q->trigrams)
        store_bind_text(st, n++, q->trigrams);
    for (guint i = 0; i < q->likes->len; i++)
        store_bind_text(st, n++, g_ptr_array_index(q->likes, i));
    if (q->words)
        store_bind_text(st, n++, q->words);
    if (peer)
        store_bind_text(st, n++, peer);
    sqlite3_bind_int(st, n, limit > 0 ? limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_ptr_array_add(out, store_msg_from_row(st));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Messages whose body has every word and phrase of QUERY, in PEER or
 * everywhere (PEER NULL), newest stored first, at most LIMIT (<= 0: all).
 * Words in scripts written without spaces (Chinese, Japanese, Thai...) are
 * found inside longer runs of text. Returns a GPtrArray of store_msg*
 * (g_ptr_array_unref), or NULL with *ERR (g_free) for an empty query or a
 * database error. */
GPtrArray *store_search(const char *query, const char *peer, int limit, char **err)
{
    store_query q;
    if (!store_query_parse(query, &q, err))
        return NULL;
    if (!store_db()) {
        if (err)
            *err = g_strdup("search failed: no history database is open");
        store_query_clear(&q);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_msg_free);
    int rc = SQLITE_OK;
    if (q.trigrams || q.likes->len) {
        rc = search_unspaced(&q, peer, limit, out);
    } else if (peer) {
        GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
        rc = peer_match_ids(q.words, peer, limit > 0 ? (guint)limit : G_MAXUINT, ids);
        for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++) {
            sqlite3_stmt *st = store_stmt(ST_GET_ROW, &rc);
            if (!st)
                break;
            sqlite3_bind_int64(st, 1, g_array_index(ids, int64_t, i));
            int r = sqlite3_step(st);
            if (r == SQLITE_ROW)
                g_ptr_array_add(out, store_msg_from_row(st));
            else if (r != SQLITE_DONE)
                rc = r;
            sqlite3_reset(st);
        }
        g_array_unref(ids);
    } else {
        sqlite3_stmt *st = store_stmt(ST_SEARCH_ALL, &rc);
        if (st) {
            store_bind_text(st, 1, q.words);
            sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
            int r;
            while ((r = sqlite3_step(st)) == SQLITE_ROW)
                g_ptr_array_add(out, store_msg_from_row(st));
            sqlite3_reset(st);
            if (r != SQLITE_DONE)
                rc = r;
        }
    }
    store_query_clear(&q);
    if (rc != SQLITE_OK) {
        if (err)
            *err = g_strdup_printf("search failed: %s", sqlite3_errstr(rc));
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

/* ---- export ---- */

/* TS (UTC ms) as "YYYY-MM-DD HH:MM:SS" (ISO: "YYYY-MM-DDTHH:MM:SS.mmmZ")
 * into BUF. */
static void format_ts(int64_t ts, bool iso, char *buf, size_t len)
{
    int64_t secs = ts / 1000, ms = ts % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        g_strlcpy(buf, iso ? "1970-01-01T00:00:00.000Z" : "1970-01-01 00:00:00", len);
        return;
    }
    char date[32];
    strftime(date, sizeof date, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    if (iso)
        g_snprintf(buf, len, "%s.%03dZ", date, (int)ms);
    else
        g_strlcpy(buf, date, len);
}

/* Append text S to OUT for a plain-text log: valid UTF-8, control
 * characters (other than tab) shown as U+FFFD, each newline followed by a
 * tab so that continuation lines are indented. */
static void text_append_body(GString *out, const char *s)
{
    char *v = g_utf8_make_valid(s, -1);
    for (const char *p = v; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == '\r' && p[1] == '\n')
            continue;
        if (c == '\n')
            g_string_append(out, "\n\t");
        else if (c == '\t' || !(c < 0x20 || (c >= 0x7f && c <= 0x9f)))
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        else
            g_string_append_unichar(out, 0xfffd);
    }
    g_free(v);
}

static const char *receipt_name(store_receipt r)
{
    switch (r) {
    case STORE_RECEIPT_PENDING:
        return "pending";
    case STORE_RECEIPT_DELIVERED:
        return "delivered";
    default:
        return "none";
    }
}

/* One exported message M appended to OUT; PREV_PEER tracks conversation
 * headers of the text format for all peers. */
static void export_one(GString *out, const store_msg *m, store_export_format fmt, bool all,
                       bool first, char **prev_peer)
{
    char ts[40];
    if (fmt == STORE_EXPORT_TEXT) {
        if (all && (!*prev_peer || strcmp(*prev_peer, m->peer) != 0)) {
            g_string_append(out, first ? "# " : "\n# ");
            text_append_body(out, m->peer);
            g_string_append_c(out, '\n');
            g_free(*prev_peer);
            *prev_peer = g_strdup(m->peer);
        }
        format_ts(m->ts, false, ts, sizeof ts);
        g_string_append_printf(out, "%s <", ts);
        text_append_body(out, m->sender);
        g_string_append(out, "> ");
        text_append_body(out, m->retracted ? "(message retracted)" : m->body);
        g_string_append_c(out, '\n');
        return;
    }
    format_ts(m->ts, true, ts, sizeof ts);
    g_string_append(out, first ? "\n  {\"peer\": " : ",\n  {\"peer\": ");
    json_append_string(out, m->peer);
    g_string_append(out, ", \"sender\": ");
    json_append_string(out, m->sender);
    g_string_append_printf(
        out, ", \"outgoing\": %s, \"ts\": \"%s\", \"body\": ", m->outgoing ? "true" : "false", ts);
    json_append_string(out, m->body);
    g_string_append(out, ", \"stanza_id\": ");
    json_append_string(out, m->stanza_id);
    g_string_append(out, ", \"stanza_id_by\": ");
    json_append_string(out, m->stanza_id_by);
    g_string_append(out, ", \"origin_id\": ");
    json_append_string(out, m->origin_id);
    g_string_append(out, ", \"msg_id\": ");
    json_append_string(out, m->msg_id);
    g_string_append_printf(out,
                           ", \"encryption\": \"%s\", \"receipt\": \"%s\", \"corrected\": %s, "
                           "\"original_body\": ",
                           m->encryption == STORE_ENC_OMEMO ? "omemo" : "none",
                           receipt_name(m->receipt), m->corrected ? "true" : "false");
    json_append_string(out, m->original_body);
    g_string_append_printf(out, ", \"retracted\": %s, \"from_archive\": %s}",
                           m->retracted ? "true" : "false", m->from_archive ? "true" : "false");
}

/* Write the stored history of PEER (NULL: every conversation, one after the
 * other) to OUT, oldest first. Text: "YYYY-MM-DD HH:MM:SS <sender> body"
 * (UTC), continuation lines indented by a tab, a "# PEER" line before each
 * conversation when exporting all. JSON: an array of objects with the keys
 * peer, sender, outgoing, ts (ISO 8601 UTC), body, stanza_id, stanza_id_by,
 * origin_id, msg_id (null when absent), encryption ("none"/"omemo"),
 * receipt ("none"/"pending"/"delivered"), corrected, original_body,
 * retracted, from_archive. Returns false with *ERR (g_free). */
bool store_export(const char *peer, store_export_format fmt, FILE *out, char **err)
{
    g_return_val_if_fail(out != NULL, false);
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(peer ? ST_EXPORT_PEER : ST_EXPORT_ALL, &rc);
    if (!st) {
        if (err)
            *err = store_db() ? g_strdup_printf("export failed: %s", sqlite3_errstr(rc))
                              : g_strdup("export failed: no history database is open");
        return false;
    }
    if (peer)
        store_bind_text(st, 1, peer);
    GString *buf = g_string_sized_new(64 * 1024);
    char *prev_peer = NULL;
    bool first = true, write_failed = false;
    if (fmt == STORE_EXPORT_JSON)
        g_string_append_c(buf, '[');
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_msg *m = store_msg_from_row(st);
        export_one(buf, m, fmt, peer == NULL, first, &prev_peer);
        store_msg_free(m);
        first = false;
        if (buf->len >= 60 * 1024) {
            if (fwrite(buf->str, 1, buf->len, out) != buf->len)
                write_failed = true;
            g_string_truncate(buf, 0);
            if (write_failed)
                break;
        }
    }
    sqlite3_reset(st);
    if (fmt == STORE_EXPORT_JSON)
        g_string_append(buf, first ? "]\n" : "\n]\n");
    if (!write_failed && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        if (err)
            *err = g_strdup_printf("export failed: %s", sqlite3_errstr(rc));
        g_string_free(buf, TRUE);
        g_free(prev_peer);
        return false;
    }
    if (!write_failed && fwrite(buf->str, 1, buf->len, out) != buf->len)
        write_failed = true;
    if (fflush(out) != 0 || ferror(out))
        write_failed = true;
    g_string_free(buf, TRUE);
    g_free(prev_peer);
    if (write_failed) {
        if (err)
            *err = g_strdup_printf("export failed: cannot write: %s", g_strerror(errno));
        return false;
    }
    return true;
}

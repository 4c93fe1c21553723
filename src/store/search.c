/* search.c - full-text search (FTS5) and export of the history.
 *
 * The user's words never reach MATCH as FTS syntax: each word and each
 * "quoted phrase" becomes one double-quoted FTS5 string (inner quotes
 * doubled), and the strings are ANDed. Inside a string, FTS5 operators
 * (AND OR NOT NEAR, * ^ - : + ( )) are plain text, so no input can raise an
 * FTS syntax error.
 */
#include "store/internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>

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

char *store_search_fts_query(const char *text, char **err)
{
    char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *q = g_string_new(NULL);
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
            append_fts_string(q, start, end);
    }
    if (q->len == 0) {
        if (err)
            *err = any_text ? g_strdup_printf("nothing to search for in \"%s\": search "
                                              "matches words of letters and digits",
                                              valid)
                            : g_strdup("empty search: type the words to look for");
        g_string_free(q, TRUE);
        g_free(valid);
        return NULL;
    }
    g_free(valid);
    return g_string_free(q, FALSE);
}

/* Messages whose body has every word and phrase of QUERY, in PEER or
 * everywhere (PEER NULL), newest stored first, at most LIMIT (<= 0: all).
 * Returns a GPtrArray of store_msg* (g_ptr_array_unref), or NULL with *ERR
 * (g_free) for an empty query or a database error. */
GPtrArray *store_search(const char *query, const char *peer, int limit, char **err)
{
    char *fts = store_search_fts_query(query, err);
    if (!fts)
        return NULL;
    int rc = SQLITE_OK;
    sqlite3_stmt *st = store_stmt(peer ? ST_SEARCH_PEER : ST_SEARCH_ALL, &rc);
    if (!st) {
        if (err)
            *err = store_db() ? g_strdup_printf("search failed: %s", sqlite3_errstr(rc))
                              : g_strdup("search failed: no history database is open");
        g_free(fts);
        return NULL;
    }
    store_bind_text(st, 1, fts);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    if (peer)
        store_bind_text(st, 3, peer);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_msg_free);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_ptr_array_add(out, store_msg_from_row(st));
    sqlite3_reset(st);
    g_free(fts);
    if (rc != SQLITE_DONE) {
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

/* Append S to OUT as a JSON string (or null). */
static void json_append_string(GString *out, const char *s)
{
    if (!s) {
        g_string_append(out, "null");
        return;
    }
    char *v = g_utf8_make_valid(s, -1);
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
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
    g_string_append_printf(out, ", \"outgoing\": %s, \"ts\": \"%s\", \"body\": ",
                           m->outgoing ? "true" : "false", ts);
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

/* schema.c - the history schema and its migrations.
 *
 * PRAGMA user_version holds the schema version. Each step turns version
 * N-1 into N; opening a database runs every step it lacks, all in one
 * transaction, so a database is always at one version or the next, never
 * half way. To change the schema, append a step (never edit a shipped one)
 * and raise STORE_SCHEMA_VERSION.
 */
#include "store/internal.h"

#include <glib.h>

/* Version 1: messages, their indexes, the key/value state and the FTS5
 * index over body (external content, kept in step by triggers). */
static const char schema_v1[] =
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " peer TEXT NOT NULL,"        /* bare JID of the conversation */
    " sender TEXT NOT NULL,"      /* full JID of the author */
    " sender_bare TEXT NOT NULL," /* its bare JID (dedup, corrections) */
    " outgoing INTEGER NOT NULL DEFAULT 0,"
    " body TEXT NOT NULL DEFAULT '',"
    " ts INTEGER NOT NULL," /* UTC milliseconds */
    " stanza_id TEXT,"
    " stanza_id_by TEXT,"
    " origin_id TEXT,"
    " msg_id TEXT,"
    " encryption INTEGER NOT NULL DEFAULT 0,"
    " receipt INTEGER NOT NULL DEFAULT 0,"
    " corrected INTEGER NOT NULL DEFAULT 0,"
    " original_body TEXT,"
    " retracted INTEGER NOT NULL DEFAULT 0,"
    " from_archive INTEGER NOT NULL DEFAULT 0);"
    /* paging and context: (peer, ts) and the implied rowid */
    "CREATE INDEX messages_peer_ts ON messages (peer, ts);"
    /* dedup rule 1 ('by' is checked on the row: a stanza-id is unique
     * enough, and the index stays small) */
    "CREATE INDEX messages_stanza_id ON messages (stanza_id) WHERE stanza_id IS NOT NULL;"
    /* dedup rule 2, corrections, retractions, receipts. Most clients send
     * the same value as id and origin-id: those rows are found through
     * messages_msg_id, and only the others are indexed here, which spares
     * one index write per message. */
    "CREATE INDEX messages_origin_id ON messages (peer, origin_id)"
    " WHERE origin_id IS NOT NULL AND origin_id IS NOT msg_id;"
    /* dedup rule 3, corrections, retractions, receipts */
    "CREATE INDEX messages_msg_id ON messages (peer, msg_id)"
    " WHERE msg_id IS NOT NULL;"
    /* a correction or retraction whose original is in another conversation
     * (someone else's message: refused) */
    "CREATE INDEX messages_msg_id_any ON messages (msg_id) WHERE msg_id IS NOT NULL;"
    "CREATE TABLE state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages',"
    " content_rowid = 'id', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);"
    " END;"
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " END;"
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);"
    " END;";

/* Version 2: an outgoing message written while offline is kept queued in
 * the database until it is sent, so a quit or a crash does not lose it. */
static const char schema_v2[] = "ALTER TABLE messages ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;"
                                "CREATE INDEX messages_queued ON messages (ts) WHERE queued = 1;";

/* OMEMO records (keys.c): what end-to-end encryption keeps per account,
 * opaque blobs by kind, JID and id. */
static const char schema_v3[] = "CREATE TABLE omemo_keys (kind INTEGER NOT NULL, jid TEXT NOT NULL,"
                                " id INTEGER NOT NULL, data BLOB NOT NULL,"
                                " PRIMARY KEY (kind, jid, id)) WITHOUT ROWID;";
/* Version 4: corrections and retractions that arrive before the message
 * they change (older history is fetched newest first, a catch-up may stop
 * before the original) wait here and are applied when it is stored: a
 * retracted message is then never stored with its text. Retracted rows
 * written before keep no text either. */
static const char schema_v4[] =
    "CREATE TABLE pending_edits ("
    " id INTEGER PRIMARY KEY,"
    " peer TEXT NOT NULL,"
    " author TEXT,"          /* as messages.sender_bare; NULL: the room's moderation */
    " target TEXT NOT NULL," /* the id it names: msg_id, origin_id or stanza_id */
    " retract INTEGER NOT NULL DEFAULT 0,"
    " body TEXT,"           /* a correction's new text */
    " ts INTEGER NOT NULL," /* UTC ms: the newest correction wins */
    " standin INTEGER);"    /* the row that shows the correction meanwhile */
    "CREATE INDEX pending_edits_target ON pending_edits (peer, target);"
    "UPDATE messages SET body = '', original_body = NULL WHERE retracted = 1"
    " AND (body <> '' OR original_body IS NOT NULL);";
/* Version 5: a word inside a run of Chinese, Japanese, Thai... text (no
 * spaces between words) is not a token of the word index, so rows with
 * such text are also indexed by trigrams (any substring of 3 or more
 * characters), and listed in messages_unspaced for shorter terms (LIKE over
 * these rows only). Rows without such text cost nothing more. */
/* STORE_UNSPACED_GLOB costs some 20 us on a message of 100 characters, so
 * it runs only on text that has a character at or above U+0E00: ASCII text
 * is ruled out by its length in bytes (under a microsecond), Latin, Greek,
 * Cyrillic... text by a GLOB of one range (a few microseconds). */
// clang-format off
#define UNSPACED(x)                                                                                \
    "(length(" x ") < length(CAST(" x " AS BLOB)) AND " x " GLOB '*[\u0E00-\U0010FFFF]*' AND " x   \
    " GLOB '" STORE_UNSPACED_GLOB "')"
static const char schema_v5[] =
    "CREATE VIRTUAL TABLE messages_fts_tri USING fts5(body, content = 'messages',"
    " content_rowid = 'id', columnsize = 0, tokenize = 'trigram');"
    "CREATE TABLE messages_unspaced (id INTEGER PRIMARY KEY);"
    "CREATE TRIGGER messages_tri_ai AFTER INSERT ON messages WHEN " UNSPACED("new.body") " BEGIN"
    " INSERT INTO messages_fts_tri (rowid, body) VALUES (new.id, new.body);"
    " INSERT INTO messages_unspaced (id) VALUES (new.id);"
    " END;"
    "CREATE TRIGGER messages_tri_ad AFTER DELETE ON messages WHEN " UNSPACED("old.body") " BEGIN"
    " INSERT INTO messages_fts_tri (messages_fts_tri, rowid, body)"
    "  VALUES ('delete', old.id, old.body);"
    " DELETE FROM messages_unspaced WHERE id = old.id;"
    " END;"
    /* one trigger, so that the delete of the old text runs first */
    "CREATE TRIGGER messages_tri_au AFTER UPDATE OF body ON messages BEGIN"
    " INSERT INTO messages_fts_tri (messages_fts_tri, rowid, body)"
    "  SELECT 'delete', old.id, old.body WHERE " UNSPACED("old.body") ";"
    " DELETE FROM messages_unspaced WHERE id = old.id;"
    " INSERT INTO messages_fts_tri (rowid, body)"
    "  SELECT new.id, new.body WHERE " UNSPACED("new.body") ";"
    " INSERT INTO messages_unspaced (id) SELECT new.id WHERE " UNSPACED("new.body") ";"
    " END;"
    "INSERT INTO messages_fts_tri (rowid, body)"
    " SELECT id, body FROM messages WHERE " UNSPACED("body") ";"
    "INSERT INTO messages_unspaced (id) SELECT id FROM messages WHERE " UNSPACED("body") ";";
// clang-format on

/* Version 6, server acknowledgements: whether the server confirmed an
 * outgoing message (XEP-0198: 0 nothing to know, 1 waiting, 2 confirmed)
 * and whether it had to be sent again, so the screen says no more than is
 * known, also after a restart. */
static const char schema_v6_server_ack[] =
    "ALTER TABLE messages ADD COLUMN server_ack INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;"
    /* what has to go (again) at the next login: written offline, or
     * never acknowledged before natter stopped */
    "CREATE INDEX messages_unsent ON messages (ts) WHERE queued = 1 OR server_ack = 1;";

/* Version 7, message styling: the sender asked for its text to be shown
 * as written (XEP-0393 <unstyled/>), which history must remember. */
static const char schema_v7_unstyled[] =
    "ALTER TABLE messages ADD COLUMN unstyled INTEGER NOT NULL DEFAULT 0;";

/* Version 8, attachments: the file a message links to (its number is what
 * /download N and /open N take), and where it was saved. */
static const char schema_v8_attachments[] = "CREATE TABLE attachments ("
                                            " id INTEGER PRIMARY KEY,"
                                            " msg INTEGER NOT NULL UNIQUE," /* messages.id */
                                            " url TEXT NOT NULL,"
                                            " name TEXT NOT NULL," /* the safe name to save it as */
                                            " size INTEGER,"       /* bytes, when known */
                                            " saved TEXT);";       /* where it was saved, or NULL */

/* Version 9, replies and reactions (react.c): which message a message
 * answers (XEP-0461), and each reactor's set of reactions (XEP-0444) by
 * the id it names, so that one that comes before its message waits for it. */
static const char schema_v9_reactions[] =
    "CREATE TABLE replies (id INTEGER PRIMARY KEY," /* messages.id of the reply */
    " target TEXT NOT NULL,"                        /* the id of the message it answers */
    " target_to TEXT);"                             /* its author as the reply named it */
    "CREATE TRIGGER replies_ad AFTER DELETE ON messages BEGIN"
    " DELETE FROM replies WHERE id = old.id;"
    " END;"
    "CREATE TABLE reactions (peer TEXT NOT NULL,"
    " target TEXT NOT NULL,"  /* msg_id / origin_id, in rooms the stanza-id */
    " reactor TEXT NOT NULL," /* bare JID, in rooms the author key */
    " emojis TEXT NOT NULL,"  /* the set, one per line; '': removed */
    " ts INTEGER NOT NULL,"   /* UTC ms: an older set never replaces a newer one */
    " PRIMARY KEY (peer, target, reactor)) WITHOUT ROWID;";

/* Version 10, end-to-end encryption: the OMEMO device that sent a message
 * (0: none or unknown), next to its encryption flag. */
static const char schema_v10_device[] =
    "ALTER TABLE messages ADD COLUMN sender_device INTEGER NOT NULL DEFAULT 0;";

/* Version 11, a smaller file: the two indexes over message ids, (peer,
 * msg_id) and (msg_id), held every id twice (30% of the file for 5,000
 * messages). One index on (msg_id, peer) serves both lookups, with the
 * same seek for an id in one conversation. Row ids do not change. */
static const char schema_v11_one_id_index[] =
    "CREATE INDEX messages_msg_id_peer ON messages (msg_id, peer) WHERE msg_id IS NOT NULL;"
    "DROP INDEX messages_msg_id;"
    "DROP INDEX messages_msg_id_any;";

/* Version 12, read state (issue 14): when natter received an incoming
 * message (UTC ms; NULL for ours and for those stored before), and per
 * one-to-one chat the time of our newest message the contact displayed
 * (XEP-0333: ours up to it are read). */
static const char schema_v12_read[] = "ALTER TABLE messages ADD COLUMN received INTEGER;"
                                      "CREATE TABLE read_marks (peer TEXT PRIMARY KEY NOT NULL,"
                                      " ts INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 13, the trust of the OMEMO device that sent a message as it was
 * when the message came (store_trust): the '?' of a line from an untrusted
 * device must survive a restart, whatever the user decides later. */
static const char schema_v13_trust[] =
    "ALTER TABLE messages ADD COLUMN sender_trust INTEGER NOT NULL DEFAULT 0;";

/* Version 14, a smaller file.
 * - Conversations are numbered (peers): a row and its (peer, ts) entry
 *   hold the number, not the JID. The table is written anew for it
 *   (SQLite cannot change a column's type), row ids kept, so the text
 *   indexes, attachments and replies still point at the same rows; its
 *   indexes and triggers are made again.
 * - New rows name what the row already holds in short (internal.h: the
 *   peer, the account, the id as origin-id, the time as the time
 *   received); older rows stay as they are and read the same.
 *   messages_origin_id keeps only rows whose origin-id is written out.
 * - The index over message ids no longer repeats the peer in every entry:
 *   an id is all but unique, the peer is checked on the row it finds, and
 *   a new message (no entry) is told apart in the index alone. */
// clang-format off
#define COPY_COLS                                                                                  \
    "id, sender, sender_bare, outgoing, body, ts, stanza_id, stanza_id_by, origin_id, msg_id, "     \
    "encryption, receipt, corrected, original_body, retracted, from_archive, queued, server_ack, "  \
    "resent, unstyled, sender_device, received, sender_trust"
static const char schema_v14_short[] =
    "CREATE TABLE peers (peer_key INTEGER PRIMARY KEY, jid TEXT NOT NULL UNIQUE);"
    "INSERT INTO peers (jid) SELECT DISTINCT peer FROM messages ORDER BY peer;"
    "CREATE TABLE messages_new ("
    " id INTEGER PRIMARY KEY,"
    " peer INTEGER NOT NULL," /* peers.peer_key */
    " sender TEXT NOT NULL,"
    " sender_bare TEXT NOT NULL,"
    " outgoing INTEGER NOT NULL DEFAULT 0,"
    " body TEXT NOT NULL DEFAULT '',"
    " ts INTEGER NOT NULL,"
    " stanza_id TEXT,"
    " stanza_id_by TEXT,"
    " origin_id TEXT,"
    " msg_id TEXT,"
    " encryption INTEGER NOT NULL DEFAULT 0,"
    " receipt INTEGER NOT NULL DEFAULT 0,"
    " corrected INTEGER NOT NULL DEFAULT 0,"
    " original_body TEXT,"
    " retracted INTEGER NOT NULL DEFAULT 0,"
    " from_archive INTEGER NOT NULL DEFAULT 0,"
    " queued INTEGER NOT NULL DEFAULT 0,"
    " server_ack INTEGER NOT NULL DEFAULT 0,"
    " resent INTEGER NOT NULL DEFAULT 0,"
    " unstyled INTEGER NOT NULL DEFAULT 0,"
    " sender_device INTEGER NOT NULL DEFAULT 0,"
    " received INTEGER,"
    " sender_trust INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO messages_new (peer, " COPY_COLS ")"
    " SELECT (SELECT peer_key FROM peers WHERE jid = m.peer), " COPY_COLS " FROM messages m;"
    "DROP TABLE messages;"
    "ALTER TABLE messages_new RENAME TO messages;"
    "CREATE INDEX messages_peer_ts ON messages (peer, ts);"
    "CREATE INDEX messages_stanza_id ON messages (stanza_id) WHERE stanza_id IS NOT NULL;"
    "CREATE INDEX messages_origin_id ON messages (peer, origin_id)"
    " WHERE origin_id IS NOT NULL AND origin_id IS NOT msg_id AND typeof(origin_id) = 'text';"
    "CREATE INDEX messages_by_msg_id ON messages (msg_id) WHERE msg_id IS NOT NULL;"
    "CREATE INDEX messages_queued ON messages (ts) WHERE queued = 1;"
    "CREATE INDEX messages_unsent ON messages (ts) WHERE queued = 1 OR server_ack = 1;"
    /* the triggers went with the old table: as in versions 1, 5 and 9 */
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);"
    " END;"
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " END;"
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN"
    " INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);"
    " END;"
    "CREATE TRIGGER messages_tri_ai AFTER INSERT ON messages WHEN " UNSPACED("new.body") " BEGIN"
    " INSERT INTO messages_fts_tri (rowid, body) VALUES (new.id, new.body);"
    " INSERT INTO messages_unspaced (id) VALUES (new.id);"
    " END;"
    "CREATE TRIGGER messages_tri_ad AFTER DELETE ON messages WHEN " UNSPACED("old.body") " BEGIN"
    " INSERT INTO messages_fts_tri (messages_fts_tri, rowid, body)"
    "  VALUES ('delete', old.id, old.body);"
    " DELETE FROM messages_unspaced WHERE id = old.id;"
    " END;"
    "CREATE TRIGGER messages_tri_au AFTER UPDATE OF body ON messages BEGIN"
    " INSERT INTO messages_fts_tri (messages_fts_tri, rowid, body)"
    "  SELECT 'delete', old.id, old.body WHERE " UNSPACED("old.body") ";"
    " DELETE FROM messages_unspaced WHERE id = old.id;"
    " INSERT INTO messages_fts_tri (rowid, body)"
    "  SELECT new.id, new.body WHERE " UNSPACED("new.body") ";"
    " INSERT INTO messages_unspaced (id) SELECT new.id WHERE " UNSPACED("new.body") ";"
    " END;"
    "CREATE TRIGGER replies_ad AFTER DELETE ON messages BEGIN"
    " DELETE FROM replies WHERE id = old.id;"
    " END;";
#undef COPY_COLS
// clang-format on

/* Version 15, cheaper inserts: the search indexes of a new message are
 * written by store_index_add (search.c) after its INSERT instead of by
 * these triggers. A trigger that writes an FTS5 table makes every INSERT
 * in a transaction open a statement savepoint, and FTS5 writes its
 * pending terms to disk at each savepoint: one index flush per message
 * instead of one per batch, a quarter of natter's CPU in a flood. The
 * triggers for updates and deletes stay (corrections, retractions). */
static const char schema_v15_index_by_store[] = "DROP TRIGGER messages_fts_ai;"
                                                "DROP TRIGGER messages_tri_ai;";

static const store_migration steps[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, schema_v3},
    {4, schema_v4},
    {5, schema_v5},
    {6, schema_v6_server_ack},
    {7, schema_v7_unstyled},
    {8, schema_v8_attachments},
    {9, schema_v9_reactions},
    {10, schema_v10_device},
    {11, schema_v11_one_id_index},
    {12, schema_v12_read},
    {13, schema_v13_trust},
    {14, schema_v14_short},
    {15, schema_v15_index_by_store},
};

/* natter's migration steps (static), *N of them. */
const store_migration *store_schema_steps(int *n)
{
    *n = (int)G_N_ELEMENTS(steps);
    G_STATIC_ASSERT(G_N_ELEMENTS(steps) == STORE_SCHEMA_VERSION);
    return steps;
}

/* The user_version of DB into *V. Returns the SQLite code. */
static int read_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *v = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Run the steps of LIST that DB lacks, in one transaction. Returns false
 * with *ERR (g_free) and DB unchanged when a step fails or DB is newer. */
bool store_schema_migrate(sqlite3 *db, const store_migration *list, int n, char **err)
{
    int target = n > 0 ? list[n - 1].to : 0;
    int v = 0;
    int rc = read_version(db, &v);
    if (rc != SQLITE_OK)
        goto sqlerr;
    if (v == target)
        return true;
    if (v > target) {
        *err = g_strdup_printf("it was written by a newer natter (schema version %d, this "
                               "natter knows %d) and is left untouched",
                               v, target);
        return false;
    }

    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto sqlerr;
    /* Another natter may have migrated between the read and the lock. */
    rc = read_version(db, &v);
    if (rc != SQLITE_OK)
        goto rollback;
    for (int i = 0; i < n; i++) {
        if (list[i].to <= v)
            continue;
        if (list[i].to != v + 1) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            *err = g_strdup_printf("no migration from schema version %d", v);
            return false;
        }
        rc = sqlite3_exec(db, list[i].sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            goto rollback;
        v = list[i].to;
    }
    /* PRAGMA takes no bound parameters; V is our own integer. */
    char *set = g_strdup_printf("PRAGMA user_version = %d", v);
    rc = sqlite3_exec(db, set, NULL, NULL, NULL);
    g_free(set);
    if (rc != SQLITE_OK)
        goto rollback;
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto rollback;
    return true;

rollback:
    *err =
        g_strdup_printf("cannot upgrade the schema to version %d (%s)", v + 1, sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return false;
sqlerr:
    *err = g_strdup_printf("cannot read the schema version (%s)", sqlite3_errmsg(db));
    return false;
}

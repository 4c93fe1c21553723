/* recorder.c - the store's side of the event bus: every message, receipt,
 * correction and retraction is written here before the screen sees it
 * (these subscribers run in the store stage, the first of the event bus),
 * and the result (row, duplicate, rejected) is handed on in the event. */
#include "store/recorder.h"

#include <string.h>

#include "core/event.h"
#include "core/loop.h"
#include "core/paths.h"
#include "model/jid.h"
#include "model/muc.h"
#include "store/react.h"
#include "store/readmarks.h"
#include "store/store.h"

static char *open_account; /* bare JID whose database is open */
static char *stored_body;  /* ev_result.body of the message being delivered */
/* Per conversation, the time of the last message an archive gave in its
 * own order (catch-up, a room's sync): what it gives next goes after it. */
static GHashTable *archive_mark;
static bool batching; /* a store batch is open in this loop pass */

static unsigned retry_timer; /* messages wait in memory: try to write them again */
static recorder_encrypted_fn encrypted_hook;
#define RETRY_MS 2000

/* Messages could not be written (full disk, a lock): try again now and
 * then, so they are saved once it works, even if nothing else comes. */
static void on_retry(void *ud)
{
    retry_timer = 0;
    guint before = store_pending_count();
    if (before == 0)
        return;
    guint left = store_retry_pending();
    if (left == 0)
        event_log(LOG_INFO, NULL, "History is saved again: %u message%s kept in memory %s written.",
                  before, before == 1 ? "" : "s", before == 1 ? "was" : "were");
    else
        retry_timer = loop_add_timer(RETRY_MS, on_retry, NULL);
}

static void retry_later(void)
{
    if (!retry_timer && store_pending_count() > 0)
        retry_timer = loop_add_timer(RETRY_MS, on_retry, NULL);
}

/* Writes of one loop pass share a transaction (a flood costs one commit
 * per pass, not per message); it is committed here, before the UI's
 * redraw hook runs, so nothing is shown that is not on disk. */
static int commit_hook(void *ud)
{
    if (!batching)
        return -1;
    batching = false;
    char *err = NULL;
    if (!store_batch_end(&err) && err) {
        event_log(LOG_ERROR, NULL, "%s", err);
        g_free(err);
    }
    retry_later();
    return -1;
}

static void batch(void)
{
    if (!batching && store_is_open()) {
        store_batch_begin();
        batching = true;
    }
}

static void report(char *err)
{
    if (err) {
        event_log(LOG_ERROR, NULL, "%s", err);
        g_free(err);
    }
}

/* Open the database of the account JID_BARE (unless it is open already). */
static void open_for(const char *jid_bare)
{
    bool same = open_account && strcmp(open_account, jid_bare) == 0;
    if (same && store_is_open())
        return;
    commit_hook(NULL);
    if (!same) {
        /* Another account: its own database (what the old one still held
         * in memory was tried once more by store_close). Before the first
         * account nothing was opened: what was written meanwhile stays
         * pending and goes into this one. */
        if (open_account)
            store_close();
        if (archive_mark)
            g_hash_table_remove_all(archive_mark);
        g_free(open_account);
        open_account = g_strdup(jid_bare);
    }
    /* The same account whose database failed: opening it again keeps the
     * messages held in memory. */
    char *err = NULL;
    if (!store_open(paths_data_dir(), jid_bare, &err)) {
        event_log(LOG_ERROR, NULL, "History is not being saved: %s", err ? err : "unknown error");
        event_log(LOG_ERROR, NULL, "Messages are kept in memory and saved once it works again.");
        g_free(err);
    }
}

/* A login was asked for: what is written from now on (even before the
 * connection is up) belongs in this account's history. */
static void on_account(event_type t, const void *p, void *ud)
{
    const ev_account *ev = p;
    if (ev->jid_bare)
        open_for(ev->jid_bare);
}

static void on_conn(event_type t, const void *p, void *ud)
{
    const ev_conn_state *ev = p;
    if (ev->state == CONN_CONNECTING && ev->jid_bare)
        open_for(ev->jid_bare);
}

/* A new store_msg with the fields every message has. The time keeps its
 * fraction of a second (TIME_US, else whole seconds TS): a burst within one
 * second stays in the order in which it was written. */
static store_msg *msg_new(const char *peer, const char *from, bool outgoing, const char *body,
                          time_t ts, int64_t time_us)
{
    store_msg *m = store_msg_new();
    m->peer = g_strdup(peer);
    m->sender = g_strdup(from);
    m->outgoing = outgoing;
    m->body = g_strdup(body);
    m->ts = time_us ? time_us / 1000 : (int64_t)ts * 1000;
    return m;
}

static void on_message(event_type t, const void *p, void *ud)
{
    const ev_message *ev = p;
    batch();
    store_msg *m = msg_new(ev->peer, ev->from, ev->outgoing, ev->body, ev->timestamp, ev->time_us);
    if (ev->backfill) {
        /* Older history arrives newest first; archive stamps may have whole
         * seconds, so keep each strictly before what is already stored. */
        int64_t oldest = store_oldest_ts(ev->peer);
        if (oldest && m->ts >= oldest)
            m->ts = oldest - 1;
    } else if (ev->delayed && m->ts % 1000 == 0) {
        /* A stamp without a fraction says "some time in this second": after
         * what natter already has from that second (a live message stamped
         * to the millisecond), in the order it learns of them. */
        m->ts = store_place_in_second(ev->peer, m->ts);
    }
    int64_t *mark = ev->from_archive && !ev->backfill && archive_mark
                        ? g_hash_table_lookup(archive_mark, ev->peer)
                        : NULL;
    /* An archive answers in its own order, while live messages were timed
     * when natter got them (late, in a flood): a missed message goes after
     * the one the archive gave before it. */
    if (mark && m->ts < *mark)
        m->ts = *mark;
    if (ev->stanza_id && open_account) {
        /* In a room the room stamps ids; elsewhere our own account does. */
        m->stanza_id = g_strdup(ev->stanza_id);
        m->stanza_id_by = g_strdup(ev->groupchat ? ev->peer : open_account);
    }
    if (ev->groupchat)
        m->author = muc_author_key(ev->peer, ev->from, ev->occupant_id);
    m->origin_id = g_strdup(ev->origin_id);
    m->msg_id = g_strdup(ev->id);
    m->receipt = ev->outgoing && ev->receipt_requested ? STORE_RECEIPT_PENDING : STORE_RECEIPT_NONE;
    m->from_archive = ev->from_archive;
    m->encryption = ev->encrypted ? STORE_ENC_OMEMO : STORE_ENC_NONE;
    m->device = ev->device;
    /* Decrypted (ours only when another of our devices sent it). */
    if (ev->encrypted && (!ev->outgoing || ev->untrusted || ev->verified))
        m->trust = ev->untrusted  ? STORE_TRUST_UNTRUSTED
                   : ev->verified ? STORE_TRUST_VERIFIED
                                  : STORE_TRUST_BLIND;
    else if (!ev->encrypted && !ev->outgoing && !ev->muc_private && encrypted_hook &&
             encrypted_hook(ev->peer))
        m->trust = STORE_TRUST_PLAIN;
    m->queued = ev->outgoing && ev->queued;
    m->server_ack = ev->outgoing && ev->ack_pending ? STORE_ACK_PENDING : STORE_ACK_NONE;
    m->unstyled = ev->unstyled;
    m->received = ev->outgoing ? 0 : g_get_real_time() / 1000;
    char *err = NULL;
    store_add_result r = store_add(m, &err);
    report(err);
    if (r == STORE_PENDING)
        retry_later();
    if (ev->from_archive && !ev->backfill && m->rowid > 0) {
        int64_t placed = r == STORE_DUPLICATE ? store_row_ts(ev->peer, m->rowid) : m->ts;
        if (!archive_mark)
            archive_mark = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        int64_t *old = g_hash_table_lookup(archive_mark, ev->peer);
        if (!old)
            g_hash_table_insert(archive_mark, g_strdup(ev->peer),
                                g_memdup2(&placed, sizeof placed));
        else if (placed > *old)
            *old = placed;
    }
    if (ev->result) {
        ev->result->rowid = m->rowid;
        ev->result->duplicate = r == STORE_DUPLICATE;
        /* Edits that came before it were applied as it was stored. */
        ev->result->retracted = r != STORE_DUPLICATE && m->retracted;
        g_free(stored_body);
        stored_body = r != STORE_DUPLICATE && m->corrected ? g_strdup(m->body) : NULL;
        ev->result->body = stored_body;
    }
    store_msg_free(m);
}

/* Now in UTC ms (when an edit that waits for its message was learnt of). */
static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

static void on_receipt(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    batch();
    store_mark_delivered(ev->peer, ev->id);
}

/* The contact displayed our messages up to ID (XEP-0333): kept, so that
 * "read" is still shown after a restart. */
static void on_displayed(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    batch();
    store_mark_read(ev->peer, ev->id);
}

static void on_server_ack(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    batch();
    store_mark_server_ack(ev->peer, ev->id, t == EV_MESSAGE_RESENT);
}

static void on_queue_sent(event_type t, const void *p, void *ud)
{
    const ev_receipt *ev = p;
    batch();
    store_mark_sent(ev->peer, ev->id);
}

static void on_correction(event_type t, const void *p, void *ud)
{
    const ev_correction *ev = p;
    batch();
    /* In a room the author is the occupant (room/nick), not the room. */
    char *bare =
        ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id) : jid_bare_of(ev->from);
    /* A correction in plain text must not replace encrypted text. */
    bool downgrade = !ev->encrypted && bare && store_msg_is_encrypted(ev->peer, ev->replace_id);
    int64_t row = downgrade ? -1
                  : bare    ? store_correct_checked(ev->peer, bare, ev->replace_id, ev->body)
                            : 0;
    bool dropped = false;
    if (row == 0 && bare && store_edit_retracted(ev->peer, bare, ev->replace_id)) {
        /* Its message was retracted before it arrived: nothing to show. */
        dropped = true;
    } else if (row == 0 && bare) {
        /* The original is not in history (yet): keep the correction as a
         * message of its own, marked corrected, until it comes. */
        store_msg *m =
            msg_new(ev->peer, ev->from, ev->outgoing, ev->body, ev->timestamp, ev->time_us);
        m->msg_id = g_strdup(ev->id);
        m->corrected = true;
        m->author = ev->groupchat ? g_strdup(bare) : NULL;
        char *err = NULL;
        store_add(m, &err);
        report(err);
        store_edit_wait(ev->peer, bare, ev->replace_id, false, ev->body, m->ts, m->rowid);
        store_msg_free(m);
    }
    if (ev->result) {
        ev->result->rowid = row > 0 ? row : 0;
        /* Known message, other author: a forged correction. */
        ev->result->rejected = row < 0 || dropped;
    }
    g_free(bare);
}

static void on_retraction(event_type t, const void *p, void *ud)
{
    const ev_retraction *ev = p;
    batch();
    if (ev->moderation) {
        /* The room removed a message it stamped (xmpp/ checked the sender). */
        int64_t row = store_retract_stanza(ev->peer, ev->retract_id, NULL);
        if (row == 0) /* not stored yet: removed as it arrives */
            store_edit_wait(ev->peer, NULL, ev->retract_id, true, NULL, now_ms(), 0);
        if (ev->result)
            ev->result->rowid = row;
        return;
    }
    char *bare =
        ev->groupchat ? muc_author_key(ev->peer, ev->from, ev->occupant_id) : jid_bare_of(ev->from);
    int64_t row = bare ? store_retract_checked(ev->peer, bare, ev->retract_id) : 0;
    /* In rooms a retraction names the room's stanza-id (XEP-0424). */
    if (row == 0 && bare && ev->groupchat)
        row = store_retract_stanza(ev->peer, ev->retract_id, bare);
    /* Not stored yet (older history comes newest first, a catch-up may not
     * reach it): it is stored retracted when it comes. */
    if (row == 0 && bare)
        store_edit_wait(ev->peer, bare, ev->retract_id, true, NULL, now_ms(), 0);
    if (ev->result) {
        ev->result->rowid = row > 0 ? row : 0;
        ev->result->rejected = row < 0;
    }
    g_free(bare);
}

void recorder_set_encrypted_hook(recorder_encrypted_fn fn)
{
    encrypted_hook = fn;
}

void recorder_init(void)
{
    loop_add_prepare(50, commit_hook, NULL);
    event_subscribe(EV_ACCOUNT, EV_STAGE_STORE, on_account, NULL);
    event_subscribe(EV_CONN_STATE, EV_STAGE_STORE, on_conn, NULL);
    event_subscribe(EV_MESSAGE, EV_STAGE_STORE, on_message, NULL);
    event_subscribe(EV_RECEIPT, EV_STAGE_STORE, on_receipt, NULL);
    event_subscribe(EV_DISPLAYED, EV_STAGE_STORE, on_displayed, NULL);
    event_subscribe(EV_QUEUE_SENT, EV_STAGE_STORE, on_queue_sent, NULL);
    event_subscribe(EV_MESSAGE_ACKED, EV_STAGE_STORE, on_server_ack, NULL);
    event_subscribe(EV_MESSAGE_RESENT, EV_STAGE_STORE, on_server_ack, NULL);
    event_subscribe(EV_CORRECTION, EV_STAGE_STORE, on_correction, NULL);
    event_subscribe(EV_RETRACTION, EV_STAGE_STORE, on_retraction, NULL);
    store_react_init(); /* after on_message: it reads the row written */
}

void recorder_deinit(void)
{
    store_react_deinit();
    store_readmarks_deinit();
    commit_hook(NULL);
    if (retry_timer)
        loop_cancel_timer(retry_timer);
    retry_timer = 0;
    store_close();
    g_clear_pointer(&open_account, g_free);
    g_clear_pointer(&stored_body, g_free);
    g_clear_pointer(&archive_mark, g_hash_table_destroy);
}

char *recorder_state_get(const char *key)
{
    return store_get_state(key);
}

bool recorder_state_set(const char *key, const char *value)
{
    return store_set_state(key, value);
}

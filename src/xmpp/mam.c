/* mam.c - catching up from the server archive (XEP-0313, urn:xmpp:mam:2)
 * on every login: page forward from the last archived id we saw (RSM
 * 'after'), until the server says complete. Without such an id (the
 * archive was empty, or has dropped it) the catch-up pages forward from
 * the time of the last complete catch-up instead; only an account never
 * caught up before starts with the newest page, and then says what it left
 * in the archive. Live messages that arrive meanwhile are held and
 * processed in order afterwards, so a conversation never shows a new
 * message above older ones. Results are accepted only from our own account
 * and only for the query we sent. */
#include "xmpp/internal.h"

#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "model/jid.h"

#define PAGE_SIZE 250
#define FIRST_PAGE 50 /* with no sync point yet: the newest page (servers cap at 50) */
#define STATE_KEY "mam_last_id"
/* UTC microseconds up to which the archive was fetched completely (the start
 * of the last complete catch-up less SYNC_MARGIN_US): where a catch-up with
 * no archive id starts. */
#define STATE_TIME_KEY "mam_sync_time"
/* Our clock and the server's may differ: start that much earlier (what is
 * fetched twice is recognised as a duplicate by its archive id). */
#define SYNC_MARGIN_US ((int64_t)3600 * G_USEC_PER_SEC)
#define PAGE_TIMEOUT_MS 30000 /* a page that takes longer ends the catch-up */

static char *query_id; /* queryid of the query in flight, or NULL */
static char *iq_id;    /* id of its iq */
static bool syncing;
static bool caught_up;             /* this session's catch-up reached the archive's end */
static bool query_backwards;       /* the query in flight asks for the newest page */
static bool query_after;           /* ... continues after an archive id */
static bool query_before_presence; /* ... was sent before our initial presence */
static char *first_after;          /* the first query's AFTER and SINCE_US (send_query) */
static int64_t first_since_us;
static char *left_count;           /* the newest page left older messages: RSM count or "" */
static const char *newest_why;     /* why the newest page is all that is fetched */
static unsigned received;          /* results in this catch-up */
static int64_t started_us;         /* when this catch-up started (UTC us) */
static int64_t oldest_us;          /* the oldest archive time fetched by it, 0: none */
static GQueue held = G_QUEUE_INIT; /* xmpp_stanza_t* copies */
static nx_state_get_fn state_get;
static nx_state_set_fn state_set;
static unsigned timeout_timer;
static char *bf_peer; /* conversation whose older history is being fetched */
static char *bf_query_id;
static bool bf_room; /* bf_peer is a room: its own archive answers */
static unsigned bf_received;
static unsigned bf_timer;
static GQueue bf_page = G_QUEUE_INIT; /* (result, forwarded message) copies, oldest first */

void nx_set_state_hooks(nx_state_get_fn get, nx_state_set_fn set)
{
    state_get = get;
    state_set = set;
}

char *nx_persist_get(const char *key)
{
    return state_get ? state_get(key) : NULL;
}

bool nx_persist_set(const char *key, const char *value)
{
    return state_set ? state_set(key, value) : false;
}

static void release_stanza(gpointer st)
{
    xmpp_stanza_release(st);
}

static void release_held(xmpp_conn_t *c, bool process)
{
    xmpp_stanza_t *st;
    while ((st = g_queue_pop_head(&held))) {
        if (process && c) {
            msg_source live = {0};
            nx_message_process(c, st, &live);
        }
        xmpp_stanza_release(st);
    }
}

static void finish(xmpp_conn_t *c, const char *error)
{
    if (timeout_timer)
        loop_cancel_timer(timeout_timer);
    timeout_timer = 0;
    syncing = false;
    caught_up = error == NULL;
    g_clear_pointer(&query_id, g_free);
    g_clear_pointer(&iq_id, g_free);
    ev_archive_sync ev = {true, received, error, NULL, NULL, false};
    event_emit(EV_ARCHIVE_SYNC, &ev);
    release_held(c, true);
}

static int on_query_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud);
static void on_sync_timeout(void *ud);
static void on_backfill_timeout(void *ud);

/* A MAM query iq with id IQ_ID and queryid QID: WITH/START/END filter (may
 * be NULL), MAX results, after AFTER, else before BEFORE ("": the newest
 * page), else (both NULL) the oldest page of the range. */
static xmpp_stanza_t *mam_query(const char *iq_id_, const char *qid, const char *with,
                                const char *start, const char *end, int max_n, const char *after,
                                const char *before)
{
    xmpp_ctx_t *x = nx_ctx();
    xmpp_stanza_t *iq = xmpp_iq_new(x, "set", iq_id_);
    xmpp_stanza_t *q = xmpp_stanza_new(x);
    xmpp_stanza_set_name(q, "query");
    xmpp_stanza_set_ns(q, NS_MAM);
    xmpp_stanza_set_attribute(q, "queryid", qid);
    xmpp_stanza_t *form = xmpp_stanza_new(x);
    xmpp_stanza_set_name(form, "x");
    xmpp_stanza_set_ns(form, "jabber:x:data");
    xmpp_stanza_set_type(form, "submit");
    nx_add_field(form, "FORM_TYPE", "hidden", NS_MAM);
    if (with)
        nx_add_field(form, "with", NULL, with);
    if (start)
        nx_add_field(form, "start", NULL, start);
    if (end)
        nx_add_field(form, "end", NULL, end);
    xmpp_stanza_add_child_ex(q, form, 0);
    xmpp_stanza_t *set = xmpp_stanza_new(x);
    xmpp_stanza_set_name(set, "set");
    xmpp_stanza_set_ns(set, NS_RSM);
    char max[16];
    g_snprintf(max, sizeof(max), "%d", max_n);
    xmpp_stanza_add_child_ex(set, nx_text_element("max", max), 0);
    if (after)
        xmpp_stanza_add_child_ex(set, nx_text_element("after", after), 0);
    else if (before)
        xmpp_stanza_add_child_ex(set, nx_text_element("before", before), 0);
    xmpp_stanza_add_child_ex(q, set, 0);
    xmpp_stanza_add_child_ex(iq, q, 0);
    return iq;
}

xmpp_stanza_t *nx_mam_query(const char *iq_id_, const char *qid, const char *with, const char *end,
                            int max_n, const char *after, const char *before)
{
    return mam_query(iq_id_, qid, with, NULL, end, max_n, after,
                     after    ? NULL
                     : before ? before
                              : "");
}

/* The XEP-0082 form of US (UTC microseconds), whole seconds (g_free). */
static char *iso_of(int64_t us)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    if (dt)
        g_date_time_unref(dt);
    return s;
}

/* The sync time stored by the last complete catch-up, 0 when none. */
static int64_t sync_time(void)
{
    char *v = state_get ? state_get(STATE_TIME_KEY) : NULL;
    int64_t us = v ? g_ascii_strtoll(v, NULL, 10) : 0;
    g_free(v);
    return us > 0 ? us : 0;
}

/* Ask for the page after AFTER; with AFTER NULL, the oldest page since
 * SINCE_US (UTC microseconds), or with SINCE_US 0 the newest page. */
static void send_query(xmpp_conn_t *c, const char *after, int64_t since_us)
{
    /* Without any sync point only the newest page is fetched; it ends the
     * catch-up. */
    query_backwards = after == NULL && since_us == 0;
    query_after = after != NULL;
    query_before_presence = false;
    g_free(query_id);
    query_id = nx_new_id();
    g_free(iq_id);
    iq_id = nx_new_id();
    char *start = !after && since_us ? iso_of(since_us) : NULL;
    xmpp_stanza_t *iq =
        mam_query(iq_id, query_id, NULL, start, NULL, query_backwards ? FIRST_PAGE : PAGE_SIZE,
                  after, query_backwards ? "" : NULL);
    g_free(start);
    xmpp_id_handler_add(c, on_query_result, iq_id, NULL);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
}

static void remember(const char *id)
{
    if (!id)
        return;
    if (state_set)
        state_set(STATE_KEY, id);
}

/* The archive was fetched completely up to the start of this catch-up:
 * that time (less a margin for the clocks) is the sync point when no
 * archive id is known. */
static void remember_time(void)
{
    if (!state_set || !started_us)
        return;
    char v[32];
    g_snprintf(v, sizeof(v), "%" G_GINT64_FORMAT, started_us - SYNC_MARGIN_US);
    state_set(STATE_TIME_KEY, v);
}

/* The newest page was all that was fetched: say what stays in the archive
 * (RSM's COUNT of the whole archive when the server gave it, else "").
 * Called after finish(), so it follows the "Fetched N messages" line. */
static void tell_left_out(const char *count, const char *why)
{
    char *when = NULL;
    if (oldest_us) {
        GDateTime *u = g_date_time_new_from_unix_utc(oldest_us / G_USEC_PER_SEC);
        GDateTime *l = u ? g_date_time_to_local(u) : NULL;
        when = l ? g_date_time_format(l, "%Y-%m-%d %H:%M") : NULL;
        if (l)
            g_date_time_unref(l);
        if (u)
            g_date_time_unref(u);
    }
    gint64 total = count ? g_ascii_strtoll(count, NULL, 10) : -1;
    char *how_many =
        total > (gint64)received
            ? g_strdup_printf("%" G_GINT64_FORMAT " older messages", total - (gint64)received)
            : g_strdup("Older messages");
    event_log(LOG_WARN, NULL,
              "%s in the server archive (before %s) were not fetched: %s. Scroll up in a "
              "chat to fetch them.",
              how_many, when ? when : "the oldest one fetched", why);
    g_free(how_many);
    g_free(when);
}

static int on_query_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!syncing)
        return 0;
    const char *type = xmpp_stanza_get_type(st);
    if (!nx_from_own_account(xmpp_stanza_get_from(st)))
        return 1; /* not from our archive: keep waiting for the real answer */
    if (!type || strcmp(type, "result") != 0) {
        bool not_found =
            xmpp_stanza_get_child_by_name(st, "error") &&
            nx_child(xmpp_stanza_get_child_by_name(st, "error"), "item-not-found", NULL);
        if (not_found && state_set && query_after) {
            /* Our sync point fell out of the archive: page forward from
             * the time of the last complete catch-up, or (none known)
             * start afresh with the newest page. */
            state_set(STATE_KEY, "");
            newest_why = "the last message natter fetched is no longer in the server archive";
            send_query(c, NULL, sync_time());
            return 0;
        }
        finish(c, "the server has no message archive or refused the query");
        return 0;
    }
    xmpp_stanza_t *fin = nx_child(st, "fin", NS_MAM);
    xmpp_stanza_t *set = fin ? nx_child(fin, "set", NS_RSM) : NULL;
    char *last = set ? nx_child_text(set, "last") : NULL;
    char *count = set ? nx_child_text(set, "count") : NULL;
    const char *complete = fin ? xmpp_stanza_get_attribute(fin, "complete") : NULL;
    bool is_complete = complete && (!strcmp(complete, "true") || !strcmp(complete, "1"));
    bool done = is_complete || !last;
    bool backwards = query_backwards;
    if (last)
        remember(last);
    if (backwards && !is_complete && last && !left_count)
        left_count = g_strdup(count ? count : "");
    if ((done || backwards) && query_before_presence) {
        /* The server fixed this answer before it saw our presence, and
         * what reached it in between went to offline storage, which it
         * does not deliver to a session that asked its archive first
         * (Prosody and ejabberd both): ask once more for what follows. */
        if (timeout_timer)
            loop_cancel_timer(timeout_timer);
        timeout_timer = loop_add_timer(PAGE_TIMEOUT_MS, on_sync_timeout, NULL);
        if (last || first_after)
            send_query(c, last ? last : first_after, 0);
        else
            send_query(c, NULL, first_since_us);
    } else if (done || backwards) {
        /* The archive's end was reached: everything up to the start of
         * this catch-up is here, even when the archive was empty (no
         * <last/>, so no id to continue from). */
        remember_time();
        finish(c, NULL);
        if (left_count)
            tell_left_out(*left_count ? left_count : NULL, newest_why);
        g_clear_pointer(&left_count, g_free);
    } else {
        /* The time limit is per page: a big archive may take long in
         * all, but each page must come. */
        if (timeout_timer)
            loop_cancel_timer(timeout_timer);
        timeout_timer = loop_add_timer(PAGE_TIMEOUT_MS, on_sync_timeout, NULL);
        send_query(c, last, 0);
    }
    g_free(last);
    g_free(count);
    return 0;
}

/* Turn one accepted archive <result/> into events: BACKFILL when it is
 * older history, ROOM the room whose own archive answered (NULL: ours). */
static void process_result(xmpp_conn_t *c, xmpp_stanza_t *res, bool backfill, const char *room)
{
    xmpp_stanza_t *fwd = nx_child(res, "forwarded", NS_FORWARD);
    xmpp_stanza_t *inner = fwd ? nx_child(fwd, "message", NULL) : NULL;
    const char *aid = xmpp_stanza_get_attribute(res, "id");
    if (!inner || !aid)
        return;
    /* A room's archive holds that room's messages only. */
    const char *inner_from = xmpp_stanza_get_from(inner);
    if (room && (!inner_from || !jid_bare_equal(inner_from, room)))
        return;
    msg_source src = {.archive = true,
                      .archive_id = aid,
                      .archive_ts = nx_delay_of(fwd),
                      .archive_us = nx_delay_us_of(fwd),
                      .backfill = backfill,
                      .room = room != NULL};
    nx_message_process(c, inner, &src);
}

/* Who may answer: our own account, or for older history of a room the
 * room itself (its bare JID). */
static bool from_archive_owner(const char *from, bool backfill)
{
    if (backfill && bf_room)
        return from && bf_peer && !strchr(from, '/') && jid_bare_equal(from, bf_peer);
    return nx_from_own_account(from);
}

bool nx_mam_handle_result(xmpp_conn_t *c, xmpp_stanza_t *st)
{
    xmpp_stanza_t *res = nx_child(st, "result", NS_MAM);
    if (!res)
        return false;
    const char *qid = xmpp_stanza_get_attribute(res, "queryid");
    bool for_sync = syncing && query_id && qid && strcmp(qid, query_id) == 0;
    bool for_backfill = bf_query_id && qid && strcmp(qid, bf_query_id) == 0;
    if ((!for_sync && !for_backfill) ||
        !from_archive_owner(xmpp_stanza_get_from(st), for_backfill)) {
        log_warn("mam", "dropped an archive result that answers no query of ours (from %s)",
                 xmpp_stanza_get_from(st) ? xmpp_stanza_get_from(st) : "our server");
        return true;
    }
    if (for_backfill) {
        /* Keep the page; it is processed newest first when complete. */
        bf_received++;
        g_queue_push_tail(&bf_page, xmpp_stanza_copy(res));
        return true;
    }
    received++;
    xmpp_stanza_t *fwd = nx_child(res, "forwarded", NS_FORWARD);
    int64_t us = fwd ? nx_delay_us_of(fwd) : 0;
    if (us && (!oldest_us || us < oldest_us))
        oldest_us = us;
    process_result(c, res, false, NULL);
    return true;
}

/* ---------- older history of one conversation ---------- */

/* Whether the archived message RES corrects or retracts another. */
static bool edits_a_message(xmpp_stanza_t *res)
{
    xmpp_stanza_t *fwd = nx_child(res, "forwarded", NS_FORWARD);
    xmpp_stanza_t *inner = fwd ? nx_child(fwd, "message", NULL) : NULL;
    return inner &&
           (nx_child(inner, "replace", NS_CORRECT) || nx_child(inner, "retract", NS_RETRACT));
}

static int on_backfill_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!bf_peer)
        return 0;
    if (bf_timer)
        loop_cancel_timer(bf_timer);
    bf_timer = 0;
    if (!from_archive_owner(xmpp_stanza_get_from(st), true))
        return 1;
    const char *type = xmpp_stanza_get_type(st);
    bool ok = type && strcmp(type, "result") == 0;
    char *peer = bf_peer;
    bf_peer = NULL;
    g_clear_pointer(&bf_query_id, g_free);
    /* Messages newest first, so each can be stored just before the one
     * after it; then corrections and retractions oldest first, once what
     * they change is stored (BF_PEER is already cleared: the room is PEER). */
    GQueue edits = G_QUEUE_INIT;
    xmpp_stanza_t *res;
    while ((res = g_queue_pop_tail(&bf_page))) {
        if (ok && edits_a_message(res)) {
            g_queue_push_head(&edits, res);
            continue;
        }
        if (ok)
            process_result(c, res, true, bf_room ? peer : NULL);
        xmpp_stanza_release(res);
    }
    while ((res = g_queue_pop_head(&edits))) {
        process_result(c, res, true, bf_room ? peer : NULL);
        xmpp_stanza_release(res);
    }
    xmpp_stanza_t *fin = nx_child(st, "fin", NS_MAM);
    xmpp_stanza_t *set = fin ? nx_child(fin, "set", NS_RSM) : NULL;
    char *first = set ? nx_child_text(set, "first") : NULL;
    const char *complete = fin ? xmpp_stanza_get_attribute(fin, "complete") : NULL;
    ev_archive_sync ev = {
        true, bf_received, ok ? NULL : "the server refused the archive query",
        peer, first,       complete && (!strcmp(complete, "true") || !strcmp(complete, "1"))};
    event_emit(EV_ARCHIVE_SYNC, &ev);
    g_free(first);
    g_free(peer);
    return 0;
}

bool nx_mam_fetch_before(const char *peer, const char *before_id, long long end_ms, int max,
                         char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    if (bf_peer) {
        *err = g_strdup("already fetching older history");
        return false;
    }
    char *end = NULL;
    if (!before_id) {
        GDateTime *dt = g_date_time_new_from_unix_utc(end_ms / 1000);
        end = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
        if (dt)
            g_date_time_unref(dt);
    }
    bf_peer = g_strdup(peer);
    bf_received = 0;
    bf_query_id = nx_new_id();
    /* A room keeps its own archive (MUC MAM); ours has our chats. */
    bf_room = !strchr(peer, '/') && muc_room_find(peer) != NULL;
    char *id = nx_new_id();
    xmpp_stanza_t *iq =
        nx_mam_query(id, bf_query_id, bf_room ? NULL : peer, end, max, NULL, before_id);
    if (bf_room)
        xmpp_stanza_set_to(iq, peer);
    xmpp_id_handler_add(c, on_backfill_result, id, NULL);
    bf_timer = loop_add_timer(PAGE_TIMEOUT_MS, on_backfill_timeout, NULL);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
    g_free(id);
    g_free(end);
    return true;
}

void nx_mam_note_live(xmpp_stanza_t *st)
{
    /* Only once the archive is fetched up to now: a message seen live
     * during (or after a failed) catch-up is newer than what may still be
     * missing, so its id must not become the point to continue from. */
    if (syncing || !caught_up)
        return;
    const char *id = nx_stanza_id_by(st, nx_own_bare());
    if (id && *id)
        remember(id);
}

bool nx_mam_hold(xmpp_stanza_t *st)
{
    if (!syncing)
        return false;
    /* Rooms keep their own order and history (muc_message.c); holding
     * them would outlast their join's sync. */
    if (!g_strcmp0(xmpp_stanza_get_type(st), "groupchat"))
        return false;
    g_queue_push_tail(&held, xmpp_stanza_copy(st));
    return true;
}

static void on_sync_timeout(void *ud)
{
    timeout_timer = 0;
    if (syncing)
        finish(nx_conn(), "the server archive did not answer in time");
}

void nx_mam_start(xmpp_conn_t *c, bool server_has_mam)
{
    release_held(NULL, false);
    if (!server_has_mam)
        return;
    syncing = true;
    caught_up = false;
    received = 0;
    oldest_us = 0;
    started_us = g_get_real_time();
    newest_why = "natter has not caught up with this account before";
    char *after = state_get ? state_get(STATE_KEY) : NULL;
    ev_archive_sync ev = {false, 0, NULL, NULL, NULL, false};
    event_emit(EV_ARCHIVE_SYNC, &ev);
    timeout_timer = loop_add_timer(PAGE_TIMEOUT_MS, on_sync_timeout, NULL);
    bool have_id = after && *after;
    g_clear_pointer(&left_count, g_free);
    g_free(first_after);
    first_after = have_id ? g_strdup(after) : NULL;
    first_since_us = have_id ? 0 : sync_time();
    send_query(c, first_after, first_since_us);
    query_before_presence = true; /* the caller sends its presence next */
    g_free(after);
}

/* End an older-history fetch that will not be answered (lost connection,
 * no answer in time): the window must learn it is over. */
static void backfill_abort(const char *why)
{
    if (bf_timer)
        loop_cancel_timer(bf_timer);
    bf_timer = 0;
    g_queue_clear_full(&bf_page, release_stanza);
    if (!bf_peer)
        return;
    char *peer = bf_peer;
    bf_peer = NULL;
    g_clear_pointer(&bf_query_id, g_free);
    ev_archive_sync ev = {true, 0, why, peer, NULL, false};
    event_emit(EV_ARCHIVE_SYNC, &ev);
    g_free(peer);
}

static void on_backfill_timeout(void *ud)
{
    bf_timer = 0;
    backfill_abort("the server archive did not answer in time");
}

void nx_mam_reset(void)
{
    backfill_abort("the connection was lost");
    g_clear_pointer(&bf_query_id, g_free);
    if (timeout_timer)
        loop_cancel_timer(timeout_timer);
    timeout_timer = 0;
    syncing = false;
    caught_up = false;
    release_held(NULL, false);
    g_clear_pointer(&query_id, g_free);
    g_clear_pointer(&iq_id, g_free);
}

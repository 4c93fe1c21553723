/* events.c - the event stream for scripts (see events.h): turns bus events
 * into JSON lines for the remote-control clients that asked for them. */
#include "cmd/events.h"

#include <glib.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "core/json.h"
#include "model/muc.h"
#include "model/roster.h"
#include "store/attachments.h"
#include "ui/ui.h"

typedef struct {
    unsigned id;
    unsigned mask;
    events_sink cb;
    void *ud;
} sink;

static GArray *sinks; /* sink */
static unsigned next_id = 1;

static const struct {
    const char *name;
    unsigned bit;
} kinds[] = {
    {"messages", EVENTS_MESSAGES},     {"receipts", EVENTS_RECEIPTS},
    {"chatstates", EVENTS_CHATSTATES}, {"presence", EVENTS_PRESENCE},
    {"rooms", EVENTS_ROOMS},           {"connection", EVENTS_CONNECTION},
    {"transfers", EVENTS_TRANSFERS},   {"all", EVENTS_ALL},
};

bool events_parse_filter(const char *text, unsigned *mask, char **err)
{
    if (!text || !*text) {
        *mask = EVENTS_ALL;
        return true;
    }
    unsigned m = 0;
    char **words = g_strsplit(text, ",", -1);
    for (char **w = words; *w; w++) {
        char *word = g_strstrip(*w);
        if (!*word)
            continue;
        unsigned bit = 0;
        for (size_t i = 0; i < G_N_ELEMENTS(kinds) && !bit; i++)
            if (!strcmp(kinds[i].name, word))
                bit = kinds[i].bit;
        if (!bit) {
            *err = g_strdup_printf("unknown event kind '%s' (known: messages, receipts, "
                                   "chatstates, presence, rooms, connection, transfers, all)",
                                   word);
            g_strfreev(words);
            return false;
        }
        m |= bit;
    }
    g_strfreev(words);
    *mask = m ? m : EVENTS_ALL;
    return true;
}

unsigned events_add_sink(unsigned mask, events_sink cb, void *ud)
{
    if (!sinks)
        sinks = g_array_new(FALSE, FALSE, sizeof(sink));
    sink s = {next_id++, mask, cb, ud};
    g_array_append_val(sinks, s);
    return s.id;
}

void events_remove_sink(unsigned id)
{
    for (guint i = 0; sinks && i < sinks->len; i++)
        if (g_array_index(sinks, sink, i).id == id) {
            g_array_remove_index(sinks, i);
            return;
        }
}

static bool wanted(unsigned kind)
{
    for (guint i = 0; sinks && i < sinks->len; i++)
        if (g_array_index(sinks, sink, i).mask & kind)
            return true;
    return false;
}

/* UTC time in microseconds as 2026-12-03T15:40:45.123Z. */
static char *iso_time(int64_t us)
{
    time_t secs = (time_t)(us / G_USEC_PER_SEC);
    int ms = (int)((us % G_USEC_PER_SEC) / 1000);
    if (ms < 0) {
        secs--;
        ms += 1000;
    }
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return g_strdup("1970-01-01T00:00:00.000Z");
    return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* A new object of TYPE: {"v":1,"type":TYPE,"time":NOW. */
static GString *begin(const char *type)
{
    GString *o = g_string_new("{");
    json_add_int(o, "v", EVENTS_VERSION);
    json_add_string(o, "type", type);
    char *now = iso_time(g_get_real_time());
    json_add_string(o, "time", now);
    g_free(now);
    return o;
}

/* Close O and hand it to every sink that wants KIND. */
static void finish(GString *o, unsigned kind)
{
    g_string_append(o, "}\n");
    /* A sink may remove itself (its client went away) while we deliver. */
    for (guint i = 0; sinks && i < sinks->len; i++) {
        sink s = g_array_index(sinks, sink, i);
        if (s.mask & kind) {
            s.cb(o->str, o->len, s.ud);
            if (!sinks || i >= sinks->len || g_array_index(sinks, sink, i).id != s.id)
                i--; /* removed: the next one moved into its place */
        }
    }
    g_string_free(o, TRUE);
}

static void add_window(GString *o, const char *jid)
{
    int num = jid ? ui_window_of(jid) : 0;
    if (num > 0)
        json_add_int(o, "window", num);
}

static const char *direction(bool outgoing)
{
    return outgoing ? "out" : "in";
}

char *events_hello(unsigned mask)
{
    GString *o = begin("hello");
    json_add_string(o, "natter", PACKAGE_VERSION);
    g_string_append(o, ",\"filter\":[");
    bool first = true;
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (kinds[i].bit != EVENTS_ALL && (mask & kinds[i].bit)) {
            g_string_append_printf(o, "%s\"%s\"", first ? "" : ",", kinds[i].name);
            first = false;
        }
    g_string_append(o, "]}\n");
    return g_string_free(o, FALSE);
}

char *events_dropped(unsigned long count)
{
    GString *o = begin("dropped");
    json_add_int(o, "count", (int64_t)count);
    g_string_append(o, "}\n");
    return g_string_free(o, FALSE);
}

/* The file a stored message links to (files/ records it before us). */
static void add_attachment(GString *o, const ev_message *m)
{
    if (!m->result || m->result->rowid <= 0 || m->result->retracted)
        return;
    store_attachment *a = store_attachment_of_msg(m->result->rowid);
    if (!a)
        return;
    json_open_object(o, "attachment");
    json_add_int(o, "num", a->id);
    json_add_string(o, "url", a->url);
    json_add_string(o, "name", a->name);
    g_string_append_c(o, '}');
    store_attachment_free(a);
}

static void on_message(const ev_message *m)
{
    if (m->backfill || (m->result && m->result->duplicate))
        return; /* older pages and what was seen before are not news */
    GString *o = begin("message");
    json_add_string(o, "direction", direction(m->outgoing));
    json_add_string(o, "chat", m->groupchat ? "groupchat" : m->muc_private ? "private" : "chat");
    json_add_string(o, "conversation", m->peer);
    add_window(o, m->peer);
    json_add_string(o, "from", m->from);
    json_add_string(o, "body", m->result && m->result->body ? m->result->body : m->body);
    int64_t us = m->time_us ? m->time_us : (int64_t)m->timestamp * G_USEC_PER_SEC;
    char *sent = iso_time(us);
    json_add_string(o, "sent", sent);
    g_free(sent);
    json_add_string(o, "id", m->id);
    json_add_string(o, "origin_id", m->origin_id);
    json_add_string(o, "stanza_id", m->stanza_id);
    json_add_string(o, "occupant_id", m->occupant_id);
    if (m->result && m->result->rowid)
        json_add_int(o, "row", m->result->rowid);
    if (m->encrypted) {
        json_add_string(o, "encryption", "omemo");
        if (m->device)
            json_add_int(o, "device", m->device);
        json_add_bool(o, "trusted", !m->untrusted);
    } else {
        json_add_string(o, "encryption", "none");
    }
    json_add_string(o, "reply_to", m->reply_id);
    json_add_string(o, "reply_to_from", m->reply_to);
    add_attachment(o, m);
    json_add_bool(o, "delayed", m->delayed);
    json_add_bool(o, "carbon", m->carbon);
    json_add_bool(o, "archive", m->from_archive);
    json_add_bool(o, "queued", m->queued);
    if (m->result && m->result->retracted)
        json_add_bool(o, "retracted", true);
    finish(o, EVENTS_MESSAGES);
}

static void on_correction(const ev_correction *c)
{
    if (c->result && (c->result->rejected || c->result->duplicate))
        return;
    GString *o = begin("correction");
    json_add_string(o, "direction", direction(c->outgoing));
    json_add_string(o, "chat", c->groupchat ? "groupchat" : "chat");
    json_add_string(o, "conversation", c->peer);
    add_window(o, c->peer);
    json_add_string(o, "from", c->from);
    json_add_string(o, "replaces", c->replace_id);
    json_add_string(o, "id", c->id);
    json_add_string(o, "body", c->body);
    json_add_string(o, "occupant_id", c->occupant_id);
    if (c->result && c->result->rowid)
        json_add_int(o, "row", c->result->rowid);
    finish(o, EVENTS_MESSAGES);
}

static void on_retraction(const ev_retraction *r)
{
    if (r->result && (r->result->rejected || r->result->duplicate))
        return;
    GString *o = begin("retraction");
    json_add_string(o, "direction", direction(r->outgoing));
    json_add_string(o, "chat", r->groupchat ? "groupchat" : "chat");
    json_add_string(o, "conversation", r->peer);
    add_window(o, r->peer);
    json_add_string(o, "from", r->from);
    json_add_string(o, "retracts", r->retract_id);
    json_add_string(o, "occupant_id", r->occupant_id);
    json_add_bool(o, "moderated", r->moderation);
    json_add_string(o, "moderator", r->moderator);
    json_add_string(o, "reason", r->reason);
    if (r->result && r->result->rowid)
        json_add_int(o, "row", r->result->rowid);
    finish(o, EVENTS_MESSAGES);
}

static void on_receipt(event_type type, const ev_receipt *r)
{
    const char *state = type == EV_RECEIPT          ? "delivered"
                        : type == EV_QUEUE_SENT     ? "sent"
                        : type == EV_MESSAGE_ACKED  ? "acked"
                        : type == EV_MESSAGE_RESENT ? "resent"
                                                    : "displayed";
    GString *o = begin("receipt");
    json_add_string(o, "state", state);
    json_add_string(o, "conversation", r->peer);
    add_window(o, r->peer);
    json_add_string(o, "id", r->id);
    finish(o, EVENTS_RECEIPTS);
}

/* The contact displayed our messages up to ID (XEP-0333). */
static void on_read(const ev_receipt *r)
{
    GString *o = begin("read");
    json_add_string(o, "conversation", r->peer);
    add_window(o, r->peer);
    json_add_string(o, "id", r->id);
    finish(o, EVENTS_RECEIPTS);
}

/* Another device of ours displayed PEER up to STANZA_ID (XEP-0490). */
static void on_read_elsewhere(const ev_mds *m)
{
    GString *o = begin("read_elsewhere");
    json_add_string(o, "conversation", m->peer);
    add_window(o, m->peer);
    json_add_string(o, "stanza_id", m->stanza_id);
    finish(o, EVENTS_RECEIPTS);
}

static void on_reaction(const ev_reaction *r)
{
    if (r->result && (r->result->rejected || r->result->duplicate))
        return;
    GString *o = begin("reaction");
    json_add_string(o, "direction", direction(r->outgoing));
    json_add_string(o, "chat",
                    r->groupchat           ? "groupchat"
                    : strchr(r->peer, '/') ? "private"
                                           : "chat");
    json_add_string(o, "conversation", r->peer);
    add_window(o, r->peer);
    json_add_string(o, "from", r->from);
    json_add_string(o, "occupant_id", r->occupant_id);
    json_add_string(o, "target", r->target);
    json_add_string_array(o, "emojis", r->emojis, r->n);
    json_add_bool(o, "archive", r->from_archive);
    finish(o, EVENTS_MESSAGES);
}

static void on_message_error(const ev_message_error *e)
{
    GString *o = begin("message_error");
    json_add_string(o, "conversation", e->peer);
    add_window(o, e->peer);
    json_add_string(o, "id", e->id);
    json_add_string(o, "error", e->error);
    finish(o, EVENTS_MESSAGES);
}

static void on_chatstate(const ev_chatstate *c)
{
    static const char *names[] = {"active", "composing", "paused", "inactive", "gone"};
    GString *o = begin("chatstate");
    json_add_string(o, "conversation", c->peer);
    add_window(o, c->peer);
    json_add_string(o, "state",
                    (unsigned)c->state < G_N_ELEMENTS(names) ? names[c->state] : "active");
    finish(o, EVENTS_CHATSTATES);
}

static void on_presence(const ev_presence *p)
{
    GString *o = begin("presence");
    json_add_string(o, "jid", p->jid);
    json_add_string(o, "resource", p->resource);
    json_add_string(o, "show", presence_show_name((presence_show)p->show));
    json_add_string(o, "old_show", presence_show_name((presence_show)p->old_show));
    json_add_string(o, "status", p->status);
    finish(o, EVENTS_PRESENCE);
}

static void on_own_presence(const ev_own_presence *p)
{
    GString *o = begin("own_presence");
    json_add_string(o, "show", presence_show_name((presence_show)p->show));
    json_add_string(o, "status", p->status);
    finish(o, EVENTS_PRESENCE);
}

static void on_subscription(const ev_subscription *s)
{
    static const char *names[] = {"request", "approved", "revoked", "unsubscribed"};
    GString *o = begin("subscription");
    json_add_string(o, "jid", s->jid);
    json_add_string(o, "kind", (unsigned)s->kind < G_N_ELEMENTS(names) ? names[s->kind] : "?");
    json_add_string(o, "text", s->text);
    finish(o, EVENTS_PRESENCE);
}

static void on_conn(const ev_conn_state *c)
{
    static const char *names[] = {"disconnected", "connecting", "connected"};
    GString *o = begin("connection");
    json_add_string(o, "state", (unsigned)c->state < G_N_ELEMENTS(names) ? names[c->state] : "?");
    json_add_string(o, "account", c->account);
    json_add_string(o, "jid", c->jid ? c->jid : c->jid_bare);
    json_add_string(o, "reason", c->reason);
    finish(o, EVENTS_CONNECTION);
}

static void on_sync(const ev_archive_sync *s)
{
    if (s->peer)
        return; /* a scrolled-up window's older page */
    GString *o = begin("sync");
    json_add_string(o, "state", s->done ? "done" : "started");
    if (s->done)
        json_add_int(o, "count", s->count);
    json_add_string(o, "error", s->error);
    finish(o, EVENTS_CONNECTION);
}

static void on_room(const ev_muc_room *r)
{
    static const char *names[] = {"joining", "joined",  "synced",  "join_failed",
                                  "left",    "kicked",  "banned",  "removed",
                                  "nick",    "subject", "created", "rejoining"};
    GString *o = begin("room");
    json_add_string(o, "event", (unsigned)r->kind < G_N_ELEMENTS(names) ? names[r->kind] : "?");
    json_add_string(o, "room", r->room);
    add_window(o, r->room);
    json_add_string(o, "nick", r->nick);
    json_add_string(o, "old_nick", r->old_nick);
    json_add_string(o, "actor", r->actor);
    json_add_string(o, "reason", r->reason);
    json_add_string(o, "text", r->text);
    if (r->kind == MUC_EV_JOINED || r->kind == MUC_EV_SYNCED)
        json_add_int(o, r->kind == MUC_EV_JOINED ? "occupants" : "count", r->count);
    finish(o, EVENTS_ROOMS);
}

static void on_occupant(const ev_muc_occupant *e)
{
    static const char *names[] = {"joined", "left",    "nick", "kicked",
                                  "banned", "removed", "role", "presence"};
    GString *o = begin("occupant");
    json_add_string(o, "event", (unsigned)e->kind < G_N_ELEMENTS(names) ? names[e->kind] : "?");
    json_add_string(o, "room", e->room);
    json_add_string(o, "nick", e->nick);
    json_add_string(o, "new_nick", e->new_nick);
    json_add_string(o, "actor", e->actor);
    json_add_string(o, "reason", e->reason);
    json_add_bool(o, "initial", e->initial);
    muc_room *room = muc_room_find(e->room);
    muc_occupant *occ = room ? muc_occupant_find(room, e->new_nick ? e->new_nick : e->nick) : NULL;
    if (occ && e->kind != OCC_LEFT) {
        json_add_string(o, "jid", occ->jid);
        json_add_string(o, "occupant_id", occ->occupant_id);
        json_add_string(o, "role", muc_role_name(occ->role));
        json_add_string(o, "affiliation", muc_affiliation_name(occ->affiliation));
    }
    finish(o, EVENTS_ROOMS);
}

static void on_invite(const ev_muc_invite *i)
{
    GString *o = begin("invite");
    json_add_string(o, "room", i->room);
    json_add_string(o, "from", i->from);
    json_add_string(o, "reason", i->reason);
    json_add_bool(o, "declined", i->declined);
    finish(o, EVENTS_ROOMS);
}

static void on_transfer(const ev_transfer *t)
{
    static const char *names[] = {"started", "progress", "done", "failed", "cancelled"};
    GString *o = begin("transfer");
    json_add_int(o, "num", t->num);
    json_add_string(o, "direction", t->upload ? "out" : "in");
    json_add_string(o, "state", (unsigned)t->state < G_N_ELEMENTS(names) ? names[t->state] : "?");
    json_add_string(o, "conversation", t->peer);
    json_add_string(o, "name", t->name);
    json_add_int(o, "done", (int64_t)t->done);
    json_add_int(o, "total", (int64_t)t->total);
    json_add_string(o, "url", t->url);
    json_add_string(o, "error", t->error);
    if (!t->upload && t->attachment > 0)
        json_add_int(o, "attachment", t->attachment);
    json_add_string(o, "path", t->path);
    finish(o, EVENTS_TRANSFERS);
}

/* Which kind each event type belongs to (0: not part of the stream). */
static unsigned kind_of(event_type type)
{
    switch (type) {
    case EV_MESSAGE:
    case EV_CORRECTION:
    case EV_RETRACTION:
    case EV_MESSAGE_ERROR:
    case EV_REACTION:
        return EVENTS_MESSAGES;
    case EV_RECEIPT:
    case EV_QUEUE_SENT:
    case EV_MESSAGE_ACKED:
    case EV_MESSAGE_RESENT:
    case EV_DISPLAYED:
    case EV_MDS:
        return EVENTS_RECEIPTS;
    case EV_CHATSTATE:
        return EVENTS_CHATSTATES;
    case EV_PRESENCE:
    case EV_OWN_PRESENCE:
    case EV_SUBSCRIPTION:
        return EVENTS_PRESENCE;
    case EV_MUC_ROOM:
    case EV_MUC_OCCUPANT:
    case EV_MUC_INVITE:
        return EVENTS_ROOMS;
    case EV_CONN_STATE:
    case EV_ARCHIVE_SYNC:
        return EVENTS_CONNECTION;
    case EV_TRANSFER:
        return EVENTS_TRANSFERS;
    default:
        return 0;
    }
}

static void on_event(event_type type, const void *p, void *ud)
{
    if (!wanted(kind_of(type)))
        return; /* nobody listens: no formatting */
    switch (type) {
    case EV_MESSAGE:
        on_message(p);
        break;
    case EV_CORRECTION:
        on_correction(p);
        break;
    case EV_RETRACTION:
        on_retraction(p);
        break;
    case EV_MESSAGE_ERROR:
        on_message_error(p);
        break;
    case EV_RECEIPT:
    case EV_QUEUE_SENT:
    case EV_MESSAGE_ACKED:
    case EV_MESSAGE_RESENT:
    case EV_DISPLAYED:
        on_receipt(type, p);
        if (type == EV_DISPLAYED)
            on_read(p);
        break;
    case EV_MDS:
        on_read_elsewhere(p);
        break;
    case EV_REACTION:
        on_reaction(p);
        break;
    case EV_CHATSTATE:
        on_chatstate(p);
        break;
    case EV_PRESENCE:
        on_presence(p);
        break;
    case EV_OWN_PRESENCE:
        on_own_presence(p);
        break;
    case EV_SUBSCRIPTION:
        on_subscription(p);
        break;
    case EV_MUC_ROOM:
        on_room(p);
        break;
    case EV_MUC_OCCUPANT:
        on_occupant(p);
        break;
    case EV_MUC_INVITE:
        on_invite(p);
        break;
    case EV_CONN_STATE:
        on_conn(p);
        break;
    case EV_ARCHIVE_SYNC:
        on_sync(p);
        break;
    case EV_TRANSFER:
        on_transfer(p);
        break;
    default:
        break;
    }
}

void events_init(void)
{
    for (int t = 0; t < EV__COUNT; t++)
        if (kind_of((event_type)t))
            event_subscribe((event_type)t, EV_STAGE_CONTROL, on_event, NULL);
}

void events_deinit(void)
{
    for (int t = 0; t < EV__COUNT; t++)
        if (kind_of((event_type)t))
            event_unsubscribe((event_type)t, on_event, NULL);
    if (sinks)
        g_array_free(sinks, TRUE);
    sinks = NULL;
}

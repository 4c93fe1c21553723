/* proto.c - the harness of the protocol unit tests (see proto.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/loop.h"
#include "model/muc.h"
#include "model/roster.h"
#include "proto.h"

/* A handler natter registered with libstrophe. */
typedef struct {
    xmpp_handler fn;
    void *ud;
    char *id;               /* id handlers */
    char *ns, *name, *type; /* stanza handlers (NULL: any) */
    bool gone;              /* returned 0: removed after this delivery */
} handler;

static xmpp_conn_t *the_conn;
static xmpp_conn_handler conn_cb;
static void *conn_cb_ud;
static GPtrArray *id_handlers; /* handler* */
static GPtrArray *handlers;    /* handler* */
static GPtrArray *sent;        /* xmpp_stanza_t* copies */
static GPtrArray *events;      /* ph_event* */
static bool closing;           /* tearing down: nothing is recorded */

/* libstrophe's functions as natter calls them: -Wl,--wrap=NAME sends every
 * call of NAME to __wrap_NAME. */
/* Keep a copy of what would have gone out. */
void __wrap_xmpp_send(xmpp_conn_t *conn, xmpp_stanza_t *stanza);
/* Keep stanza handlers and id handlers for ph_receive() to fire. */
void __wrap_xmpp_handler_add(xmpp_conn_t *conn, xmpp_handler fn, const char *ns, const char *name,
                             const char *type, void *ud);
void __wrap_xmpp_id_handler_add(xmpp_conn_t *conn, xmpp_handler fn, const char *id, void *ud);
/* Remember the connection handler; the harness reports the login. */
int __wrap_xmpp_connect_client(xmpp_conn_t *conn, const char *altdomain, unsigned short altport,
                               xmpp_conn_handler callback, void *ud);
/* The JID the server bound for us. */
const char *__wrap_xmpp_conn_get_bound_jid(const xmpp_conn_t *conn);
/* Report the end of the connection at once, as libstrophe would later. */
void __wrap_xmpp_disconnect(xmpp_conn_t *conn);

/* ---------- libstrophe, as the linker routes it here ---------- */

void __wrap_xmpp_send(xmpp_conn_t *conn, xmpp_stanza_t *stanza)
{
    assert_ptr_equal(conn, the_conn);
    if (!closing)
        g_ptr_array_add(sent, xmpp_stanza_copy(stanza));
}

static void handler_free(handler *h)
{
    g_free(h->id);
    g_free(h->ns);
    g_free(h->name);
    g_free(h->type);
    g_free(h);
}

void __wrap_xmpp_handler_add(xmpp_conn_t *conn, xmpp_handler fn, const char *ns, const char *name,
                             const char *type, void *ud)
{
    handler *h = g_new0(handler, 1);
    h->fn = fn;
    h->ud = ud;
    h->ns = g_strdup(ns);
    h->name = g_strdup(name);
    h->type = g_strdup(type);
    g_ptr_array_add(handlers, h);
}

void __wrap_xmpp_id_handler_add(xmpp_conn_t *conn, xmpp_handler fn, const char *id, void *ud)
{
    handler *h = g_new0(handler, 1);
    h->fn = fn;
    h->ud = ud;
    h->id = g_strdup(id);
    g_ptr_array_add(id_handlers, h);
}

int __wrap_xmpp_connect_client(xmpp_conn_t *conn, const char *altdomain, unsigned short altport,
                               xmpp_conn_handler callback, void *ud)
{
    the_conn = conn;
    conn_cb = callback;
    conn_cb_ud = ud;
    return XMPP_EOK;
}

const char *__wrap_xmpp_conn_get_bound_jid(const xmpp_conn_t *conn)
{
    return ME_FULL;
}

void __wrap_xmpp_disconnect(xmpp_conn_t *conn)
{
    conn_cb(conn, XMPP_CONN_DISCONNECT, 0, NULL, conn_cb_ud);
}

/* ---------- delivering stanzas ---------- */

static bool matches(const handler *h, xmpp_stanza_t *st)
{
    const char *ns = xmpp_stanza_get_ns(st);
    const char *name = xmpp_stanza_get_name(st);
    const char *type = xmpp_stanza_get_type(st);
    bool ns_ok = !h->ns || (ns && !strcmp(ns, h->ns)) || xmpp_stanza_get_child_by_ns(st, h->ns);
    return ns_ok && (!h->name || (name && !strcmp(name, h->name))) &&
           (!h->type || (type && !strcmp(type, h->type)));
}

/* Call the handlers of LIST that are due for ST, as libstrophe does:
 * handlers added meanwhile wait for the next stanza. */
static void fire(GPtrArray *list, xmpp_stanza_t *st, bool by_id)
{
    const char *id = xmpp_stanza_get_id(st);
    GPtrArray *due = g_ptr_array_new();
    for (guint i = 0; i < list->len; i++) {
        handler *h = g_ptr_array_index(list, i);
        bool ok = by_id ? (id && !strcmp(h->id, id)) : matches(h, st);
        if (ok && !h->gone)
            g_ptr_array_add(due, h);
    }
    for (guint i = 0; i < due->len; i++) {
        handler *h = g_ptr_array_index(due, i);
        if (!h->gone && !h->fn(the_conn, st, h->ud))
            h->gone = true;
    }
    g_ptr_array_free(due, TRUE);
    for (guint i = list->len; i-- > 0;) {
        handler *h = g_ptr_array_index(list, i);
        if (h->gone) {
            g_ptr_array_remove_index(list, i);
            handler_free(h);
        }
    }
}

void ph_receive(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *xml = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(nx_ctx(), xml);
    if (!st)
        fail_msg("not a stanza: %s", xml);
    g_free(xml);
    ph_deliver(st);
    xmpp_stanza_release(st);
}

void ph_deliver(xmpp_stanza_t *st)
{
    fire(id_handlers, st, true);
    fire(handlers, st, false);
}

unsigned ph_pending_count(void)
{
    return id_handlers->len;
}

const char *ph_pending_id(unsigned i)
{
    return i < id_handlers->len ? ((handler *)g_ptr_array_index(id_handlers, i))->id : NULL;
}

/* ' from="FROM"', or nothing when FROM is NULL (g_free). */
static char *from_attr(const char *from)
{
    return from ? g_strdup_printf(" from='%s'", from) : g_strdup("");
}

void ph_receive_carbon(const char *from, const char *kind, const char *inner)
{
    char *attr = from_attr(from);
    ph_receive("<message%s to='" ME_FULL "' type='chat'><%s xmlns='" NS_CARBONS "'>"
               "<forwarded xmlns='" NS_FORWARD "'>%s</forwarded></%s></message>",
               attr, kind, inner, kind);
    g_free(attr);
}

void ph_receive_result(const char *from, const char *queryid, const char *id, const char *inner)
{
    char *attr = from_attr(from);
    ph_receive("<message%s to='" ME_FULL "'>"
               "<result xmlns='" NS_MAM "' queryid='%s' id='%s'>"
               "<forwarded xmlns='" NS_FORWARD "'><delay xmlns='" NS_DELAY "' stamp='" STAMP "'/>"
               "%s</forwarded></result></message>",
               attr, queryid, id, inner);
    g_free(attr);
}

/* ---------- what natter sent ---------- */

xmpp_stanza_t *ph_sent(const char *name, const char *to, const char *ns)
{
    for (guint i = sent->len; i-- > 0;) {
        xmpp_stanza_t *st = g_ptr_array_index(sent, i);
        if (g_strcmp0(xmpp_stanza_get_name(st), name) || g_strcmp0(xmpp_stanza_get_to(st), to))
            continue;
        if (!ns || xmpp_stanza_get_child_by_ns(st, ns))
            return st;
    }
    return NULL;
}

xmpp_stanza_t *ph_sent_iq(const char *to, const char *ns)
{
    xmpp_stanza_t *iq = ph_sent("iq", to, ns);
    if (!iq)
        fail_msg("no iq with %s was sent to %s", ns ? ns : "anything", to ? to : "our server");
    return iq;
}

void ph_answer_catch_up(void)
{
    /* The first answer, then the one to the query sent after the initial
     * presence (mam.c asks once more). */
    for (int i = 0; i < 2; i++)
        ph_receive("<iq type='result' id='%s'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>",
                   xmpp_stanza_get_id(ph_sent_iq(NULL, NS_MAM)));
    assert_true(ph_last(EV_ARCHIVE_SYNC)->done);
}

const char *ph_mam_queryid(const char *to)
{
    xmpp_stanza_t *q = xmpp_stanza_get_child_by_ns(ph_sent_iq(to, NS_MAM), NS_MAM);
    return xmpp_stanza_get_attribute(q, "queryid");
}

/* ---------- recording events ---------- */

static void event_free(ph_event *e)
{
    char **strings[] = {&e->peer,      &e->from,        &e->nick,      &e->body,
                        &e->text,      &e->id,          &e->ref_id,    &e->stanza_id,
                        &e->origin_id, &e->occupant_id, &e->moderator, &e->reason};
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
        g_free(*strings[i]);
    g_free(e);
}

static void record_message(ph_event *e, const ev_message *m)
{
    e->peer = g_strdup(m->peer);
    e->from = g_strdup(m->from);
    e->body = g_strdup(m->body);
    e->id = g_strdup(m->id);
    e->stanza_id = g_strdup(m->stanza_id);
    e->origin_id = g_strdup(m->origin_id);
    e->occupant_id = g_strdup(m->occupant_id);
    e->outgoing = m->outgoing;
    e->timestamp = m->timestamp;
    e->time_us = m->time_us;
    e->delayed = m->delayed;
    e->carbon = m->carbon;
    e->from_archive = m->from_archive;
    e->receipt_requested = m->receipt_requested;
    e->backfill = m->backfill;
    e->groupchat = m->groupchat;
    e->muc_private = m->muc_private;
}

static void record_correction(ph_event *e, const ev_correction *c)
{
    e->peer = g_strdup(c->peer);
    e->from = g_strdup(c->from);
    e->outgoing = c->outgoing;
    e->ref_id = g_strdup(c->replace_id);
    e->body = g_strdup(c->body);
    e->id = g_strdup(c->id);
    e->timestamp = c->timestamp;
    e->time_us = c->time_us;
    e->groupchat = c->groupchat;
    e->occupant_id = g_strdup(c->occupant_id);
}

static void record_retraction(ph_event *e, const ev_retraction *r)
{
    e->peer = g_strdup(r->peer);
    e->from = g_strdup(r->from);
    e->outgoing = r->outgoing;
    e->ref_id = g_strdup(r->retract_id);
    e->groupchat = r->groupchat;
    e->occupant_id = g_strdup(r->occupant_id);
    e->moderation = r->moderation;
    e->moderator = g_strdup(r->moderator);
    e->reason = g_strdup(r->reason);
}

static void record_room(ph_event *e, event_type type, const void *p)
{
    if (type == EV_MUC_ROOM) {
        const ev_muc_room *r = p;
        e->kind = r->kind;
        e->peer = g_strdup(r->room);
        e->nick = g_strdup(r->nick);
        e->text = g_strdup(r->text);
        e->reason = g_strdup(r->reason);
        e->initial = r->initial;
        e->count = r->count;
    } else if (type == EV_MUC_OCCUPANT) {
        const ev_muc_occupant *o = p;
        e->kind = o->kind;
        e->peer = g_strdup(o->room);
        e->nick = g_strdup(o->nick);
        e->reason = g_strdup(o->reason);
        e->initial = o->initial;
    } else {
        const ev_muc_invite *i = p;
        e->peer = g_strdup(i->room);
        e->from = g_strdup(i->from);
        e->reason = g_strdup(i->reason);
        e->mediated = i->mediated;
        e->declined = i->declined;
    }
}

static void record_other(ph_event *e, event_type type, const void *p)
{
    switch (type) {
    case EV_LOG:
        e->kind = ((const ev_log *)p)->level;
        e->peer = g_strdup(((const ev_log *)p)->jid);
        e->text = g_strdup(((const ev_log *)p)->text);
        break;
    case EV_ROSTER_ITEM:
        e->peer = g_strdup(((const ev_roster_item *)p)->jid);
        e->removed = ((const ev_roster_item *)p)->removed;
        break;
    case EV_PRESENCE:
        e->peer = g_strdup(((const ev_presence *)p)->jid);
        e->nick = g_strdup(((const ev_presence *)p)->resource);
        break;
    case EV_SUBSCRIPTION:
        e->kind = ((const ev_subscription *)p)->kind;
        e->peer = g_strdup(((const ev_subscription *)p)->jid);
        break;
    case EV_MESSAGE_ERROR:
        e->peer = g_strdup(((const ev_message_error *)p)->peer);
        e->id = g_strdup(((const ev_message_error *)p)->id);
        e->text = g_strdup(((const ev_message_error *)p)->error);
        break;
    case EV_CHATSTATE:
        e->kind = ((const ev_chatstate *)p)->state;
        e->peer = g_strdup(((const ev_chatstate *)p)->peer);
        break;
    case EV_RECEIPT:
    case EV_MESSAGE_ACKED:
    case EV_MESSAGE_RESENT:
    case EV_DISPLAYED:
        e->peer = g_strdup(((const ev_receipt *)p)->peer);
        e->id = g_strdup(((const ev_receipt *)p)->id);
        break;
    case EV_MDS:
        e->peer = g_strdup(((const ev_mds *)p)->peer);
        e->stanza_id = g_strdup(((const ev_mds *)p)->stanza_id);
        break;
    case EV_ARCHIVE_SYNC:
        e->done = ((const ev_archive_sync *)p)->done;
        e->count = ((const ev_archive_sync *)p)->count;
        e->text = g_strdup(((const ev_archive_sync *)p)->error);
        e->peer = g_strdup(((const ev_archive_sync *)p)->peer);
        break;
    default:
        break;
    }
}

static void record(event_type type, const void *payload, void *ud)
{
    if (closing)
        return;
    ph_event *e = g_new0(ph_event, 1);
    e->type = type;
    if (type == EV_MESSAGE)
        record_message(e, payload);
    else if (type == EV_CORRECTION)
        record_correction(e, payload);
    else if (type == EV_RETRACTION)
        record_retraction(e, payload);
    else if (type == EV_MUC_ROOM || type == EV_MUC_OCCUPANT || type == EV_MUC_INVITE)
        record_room(e, type, payload);
    else if (payload)
        record_other(e, type, payload);
    g_ptr_array_add(events, e);
}

unsigned ph_count(event_type type)
{
    unsigned n = 0;
    for (guint i = 0; i < events->len; i++)
        n += ((ph_event *)g_ptr_array_index(events, i))->type == type;
    return n;
}

unsigned ph_count_kind(event_type type, int kind)
{
    unsigned n = 0;
    for (guint i = 0; i < events->len; i++) {
        ph_event *e = g_ptr_array_index(events, i);
        n += e->type == type && e->kind == kind;
    }
    return n;
}

const ph_event *ph_last(event_type type)
{
    for (guint i = events->len; i-- > 0;) {
        ph_event *e = g_ptr_array_index(events, i);
        if (e->type == type)
            return e;
    }
    fail_msg("no event of type %d was emitted", (int)type);
    return NULL;
}

void ph_forget(void)
{
    g_ptr_array_set_size(events, 0);
    g_ptr_array_set_size(sent, 0);
}

/* ---------- logging in and out ---------- */

static void release_stanza(gpointer st)
{
    xmpp_stanza_release(st);
}

/* How far a setup takes the login. */
typedef enum { UNTIL_CONNECTED, UNTIL_CATCHING_UP, UNTIL_DONE } login_stage;

static void login(login_stage stage)
{
    loop_init();
    char *errors = NULL;
    assert_true(settings_init(NULL, &errors));
    assert_null(errors);
    roster_init();
    muc_model_init();
    id_handlers = g_ptr_array_new();
    handlers = g_ptr_array_new();
    sent = g_ptr_array_new_with_free_func(release_stanza);
    events = g_ptr_array_new_with_free_func((GDestroyNotify)event_free);
    closing = false;
    for (int t = 0; t < EV__COUNT; t++)
        event_subscribe((event_type)t, EV_STAGE_SCREEN, record, NULL);
    assert_true(nx_init());

    char *no_pins[] = {NULL};
    account_t account = {.name = "test", .jid = ME, .resource = "natter", .pinned_certs = no_pins};
    char *err = NULL;
    assert_true(nx_connect_account(&account, "secret", &err));
    assert_null(err);
    assert_non_null(conn_cb);
    conn_cb(the_conn, XMPP_CONN_CONNECT, 0, NULL, conn_cb_ud);
    assert_int_equal(nx_state(), CONN_CONNECTED);
    assert_string_equal(nx_own_full(), ME_FULL);
    if (stage == UNTIL_CONNECTED) {
        g_ptr_array_set_size(events, 0);
        return;
    }

    /* The roster arrives; natter then starts the archive catch-up. */
    ph_receive("<iq type='result' id='%s'><query xmlns='jabber:iq:roster'>"
               "<item jid='" ALICE "' subscription='both' name='Alice'/>"
               "</query></iq>",
               xmpp_stanza_get_id(ph_sent_iq(NULL, "jabber:iq:roster")));
    assert_int_equal(ph_count(EV_ROSTER_LOADED), 1);
    if (stage == UNTIL_DONE) {
        ph_answer_catch_up();
    }
    /* What the login sent stays readable (queries still unanswered). */
    g_ptr_array_set_size(events, 0);
}

int ph_setup(void **state)
{
    login(UNTIL_DONE);
    return 0;
}

int ph_setup_catching_up(void **state)
{
    login(UNTIL_CATCHING_UP);
    return 0;
}

int ph_setup_connected(void **state)
{
    login(UNTIL_CONNECTED);
    return 0;
}

static void handlers_free(GPtrArray *list)
{
    /* The data of unanswered iq handlers is xmpp/'s to free (nx_iq_forget
     * does it when the connection goes), as with libstrophe. */
    for (guint i = 0; i < list->len; i++)
        handler_free(g_ptr_array_index(list, i));
    g_ptr_array_free(list, TRUE);
}

int ph_teardown(void **state)
{
    /* Stanzas belong to the libstrophe context nx_deinit() frees. */
    g_ptr_array_free(sent, TRUE);
    sent = NULL;
    closing = true;
    nx_deinit();
    handlers_free(id_handlers);
    handlers_free(handlers);
    g_ptr_array_free(events, TRUE);
    the_conn = NULL;
    conn_cb = NULL;
    muc_model_deinit();
    roster_deinit();
    settings_deinit();
    event_deinit();
    loop_deinit();
    return 0;
}

/* ---------- rooms ---------- */

void ph_join(const char *room, const char *nick, const char *const *features)
{
    char *err = NULL;
    assert_true(nx_muc_join(room, nick, NULL, &err));
    assert_null(err);
    GString *info = g_string_new(NULL);
    g_string_append_printf(info,
                           "<iq type='result' from='%s' id='%s'>"
                           "<query xmlns='" NS_DISCO_INFO "'>"
                           "<identity category='conference' type='text'/>",
                           room, xmpp_stanza_get_id(ph_sent_iq(room, NS_DISCO_INFO)));
    for (const char *const *f = features; f && *f; f++)
        g_string_append_printf(info, "<feature var='%s'/>", *f);
    g_string_append(info, "</query></iq>");
    ph_receive("%s", info->str);
    g_string_free(info, TRUE);
    ph_receive("<presence from='%s/%s'><x xmlns='" NS_MUC_USER "'>"
               "<item affiliation='member' role='participant'/>"
               "<status code='110'/></x></presence>",
               room, nick);
    assert_int_equal(muc_room_find(room)->state, MUC_STATE_JOINED);
}

/* sm.c - stream management (XEP-0198) as natter keeps it: which of the
 * messages it sent the server has acknowledged, what to send again after a
 * reconnect, and whether the server's counts make sense.
 *
 * libstrophe speaks the protocol: it sends <enable/> or <resume/>, answers
 * the server's <r/> and resends what the server had not received when a
 * session is resumed. It offers no way to learn which stanzas were
 * acknowledged, so natter counts for itself, from the library's log of
 * what it wrote ("SENT: ...") and read ("RECV: ..."), in the server's
 * numbering: stanzas written since <enable/> (or since the count a
 * <resumed/> named). conn.c holds back everything natter would send
 * between <enable/> and the server's answer, so the library's numbering
 * and the server's stay the same. */
#include "xmpp/internal.h"

#include <stdint.h>
#include <string.h>

#include "core/log.h"

#define NS_SM "urn:xmpp:sm:3"

typedef struct {
    char *account; /* bare JID it was sent from */
    char *peer;    /* conversation */
    char *id;      /* message id (also its origin-id) */
    char *xml;     /* the stanza as sent, to send again */
    uint32_t seq;  /* its number in this stream, 0 while not written */
    bool resent;   /* sent again after the session was lost */
    bool lib_has;  /* resumed: the library writes it again */
} sm_entry;

static GQueue unacked = G_QUEUE_INIT; /* sm_entry, in the order sent */
static bool offered;                  /* the server offered stream management */
static bool counting;                 /* stanzas written now count */
static bool enabled;                  /* the server agreed: acknowledgements will come */
static bool settled;                  /* the server answered <enable/> or <resume/> */
static bool resumable;                /* the server keeps the session for a resume */
static bool resume_sent;              /* this connection asked to resume */
static bool resumed;                  /* ... and the server agreed */
static bool poisoned;                 /* the library's own count may be off: no resume */
static uint32_t written;              /* stanzas written in this stream */
static uint32_t acked;                /* the server's last count */
static char *violation;               /* what the server got wrong, or NULL */
static xmpp_sm_state_t *saved;        /* the library's state, kept for a resume */
static char *fence_id;                /* resumed: the ping written after the library's resends */
static bool fence_passed;             /* ... has been written */

static void entry_free(gpointer p)
{
    sm_entry *e = p;
    g_free(e->account);
    g_free(e->peer);
    g_free(e->id);
    g_free(e->xml);
    g_free(e);
}

/* Whether XML (a serialised element) is NAME in the SM namespace. */
static bool is_sm(const char *xml, const char *name)
{
    size_t n = strlen(name);
    return xml[0] == '<' && strncmp(xml + 1, name, n) == 0 &&
           (xml[n + 1] == ' ' || xml[n + 1] == '/' || xml[n + 1] == '>') && strstr(xml, NS_SM);
}

/* The value of attribute NAME in the start tag XML (g_free), or NULL. */
static char *attr_of(const char *xml, const char *name)
{
    const char *end = strchr(xml, '>');
    size_t n = strlen(name);
    for (const char *p = xml; (p = strstr(p, name)) && (!end || p < end); p += n) {
        if (p[-1] != ' ' || p[n] != '=' || (p[n + 1] != '"' && p[n + 1] != '\''))
            continue;
        const char *v = p + n + 2;
        const char *q = strchr(v, p[n + 1]);
        return q ? g_strndup(v, (gsize)(q - v)) : NULL;
    }
    return NULL;
}

/* A count as XEP-0198 writes it: decimal digits, at most 2^32 - 1. */
static bool parse_count(const char *s, uint32_t *out)
{
    if (!s || !*s || strlen(s) > 10)
        return false;
    guint64 v = 0;
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return false;
        v = v * 10 + (guint64)(*p - '0');
    }
    if (v > G_MAXUINT32)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void set_violation(char *what)
{
    if (violation) {
        g_free(what);
        return;
    }
    violation = what;
    poisoned = true;
}

/* The server has everything up to H: those messages are sent. */
static void ack_upto(uint32_t h)
{
    acked = h;
    sm_entry *e;
    while ((e = g_queue_peek_head(&unacked)) && e->seq != 0 && e->seq <= h) {
        g_queue_pop_head(&unacked);
        ev_receipt ev = {.peer = e->peer, .id = e->id};
        event_emit(EV_MESSAGE_ACKED, &ev);
        entry_free(e);
    }
}

static void on_ack(const char *xml)
{
    char *hs = attr_of(xml, "h");
    uint32_t h;
    if (!parse_count(hs, &h)) {
        set_violation(g_strdup("the server sent a malformed acknowledgement"));
    } else if (h > written) {
        set_violation(g_strdup_printf("the server acknowledged %u stanzas, but natter sent %u",
                                      (unsigned)h, (unsigned)written));
    } else if (h >= acked) {
        ack_upto(h);
    }
    g_free(hs);
}

static void on_resumed(const char *xml)
{
    char *hs = attr_of(xml, "h");
    uint32_t h;
    if (!parse_count(hs, &h) || h > written) {
        set_violation(g_strdup("the server resumed the session with a wrong count"));
        g_free(hs);
        return;
    }
    g_free(hs);
    /* The library numbers what it resends from the first stanza it still
     * holds: when the server acknowledged more than the last <a/> said,
     * that number is too low, and a later resume would go wrong. */
    if (written > acked && h > acked)
        poisoned = true;
    ack_upto(h);
    /* What the server lacks is written again (by the library) and counted
     * afresh. */
    for (GList *l = unacked.head; l; l = l->next) {
        sm_entry *e = l->data;
        e->lib_has = e->seq != 0;
        e->seq = 0;
    }
    written = h;
    counting = enabled = settled = resumed = true;
}

void nx_sm_read(const char *xml)
{
    /* libstrophe writes the features as <features xmlns=streams>. */
    if (g_str_has_prefix(xml, "<features") || g_str_has_prefix(xml, "<stream:features")) {
        if (strstr(xml, "<bind"))
            offered = strstr(xml, NS_SM) != NULL;
    } else if (is_sm(xml, "a")) {
        if (counting)
            on_ack(xml);
    } else if (is_sm(xml, "enabled")) {
        char *resume = attr_of(xml, "resume");
        char *id = attr_of(xml, "id");
        resumable = id && (!g_strcmp0(resume, "true") || !g_strcmp0(resume, "1"));
        enabled = settled = true;
        g_free(resume);
        g_free(id);
    } else if (is_sm(xml, "resumed")) {
        on_resumed(xml);
    } else if (is_sm(xml, "failed")) {
        /* To <resume/>: the library binds afresh, with its old queue and
         * counter (it never resets them), so this stream's state must not
         * be resumed later. To <enable/>: no acknowledgements at all. */
        if (resume_sent && !resumed) {
            poisoned = true;
            resume_sent = false;
        } else {
            enabled = counting = false;
            settled = true;
        }
    }
}

void nx_sm_written(const char *xml)
{
    if (is_sm(xml, "enable")) {
        written = acked = 0;
        counting = true;
        return;
    }
    if (is_sm(xml, "resume")) {
        resume_sent = true;
        counting = false;
        return;
    }
    if (!counting || !(g_str_has_prefix(xml, "<message") || g_str_has_prefix(xml, "<presence") ||
                       g_str_has_prefix(xml, "<iq")))
        return;
    written++;
    if (fence_id && g_str_has_prefix(xml, "<iq")) {
        char *id = attr_of(xml, "id");
        fence_passed = fence_passed || !g_strcmp0(id, fence_id);
        g_free(id);
    }
    if (!g_str_has_prefix(xml, "<message"))
        return;
    char *id = attr_of(xml, "id");
    for (GList *l = id ? unacked.head : NULL; l; l = l->next) {
        sm_entry *e = l->data;
        if (e->seq == 0 && strcmp(e->id, id) == 0) {
            e->seq = written;
            break;
        }
    }
    g_free(id);
}

bool nx_sm_track(const char *peer, const char *id, xmpp_stanza_t *st)
{
    if (!enabled || !peer || !id)
        return false;
    char *buf = NULL;
    size_t len = 0;
    if (xmpp_stanza_to_text(st, &buf, &len) != XMPP_EOK)
        return false;
    sm_entry *e = g_new0(sm_entry, 1);
    e->account = g_strdup(nx_own_bare());
    e->peer = g_strdup(peer);
    e->id = g_strdup(id);
    e->xml = g_strndup(buf, len);
    xmpp_free(nx_ctx(), buf);
    g_queue_push_tail(&unacked, e);
    return true;
}

bool nx_sm_follows(const char *id)
{
    for (GList *l = id ? unacked.head : NULL; l; l = l->next)
        if (strcmp(((sm_entry *)l->data)->id, id) == 0)
            return true;
    return false;
}

bool nx_sm_offered(void)
{
    return offered;
}

bool nx_sm_settled(void)
{
    return settled;
}

bool nx_sm_resumed(void)
{
    return resumed;
}

char *nx_sm_violation_take(void)
{
    char *v = violation;
    violation = NULL;
    return v;
}

/* Send E's stanza again on C. */
static void send_again(xmpp_conn_t *c, sm_entry *e, bool mark)
{
    xmpp_send_raw_string(c, "%s", e->xml);
    if (mark && !e->resent) {
        e->resent = true;
        ev_receipt ev = {.peer = e->peer, .id = e->id};
        event_emit(EV_MESSAGE_RESENT, &ev);
    }
}

unsigned nx_sm_resend(xmpp_conn_t *c)
{
    unsigned n = 0;
    if (!c)
        return 0;
    GQueue keep = G_QUEUE_INIT;
    sm_entry *e;
    while ((e = g_queue_pop_head(&unacked))) {
        if (g_strcmp0(e->account, nx_own_bare()) != 0) {
            entry_free(e); /* written as another account: never from this one */
            continue;
        }
        if (!enabled) {
            /* No acknowledgements on this stream: sent once more, and no
             * longer followed. */
            send_again(c, e, true);
            entry_free(e);
        } else {
            send_again(c, e, true);
            e->seq = 0;
            e->lib_has = false;
            g_queue_push_tail(&keep, e);
        }
        n++;
    }
    unacked = keep;
    return n;
}

void nx_sm_resume_fence(xmpp_conn_t *c)
{
    /* Everything libstrophe resends on resuming is queued before this
     * ping, so once it is written, whatever is still unwritten was not
     * resent by the library: natter sends it then, in order. */
    g_free(fence_id);
    fence_id = nx_new_id();
    fence_passed = false;
    xmpp_stanza_t *iq = xmpp_iq_new(nx_ctx(), "get", fence_id);
    const char *own = nx_own_bare();
    const char *at = own ? strchr(own, '@') : NULL;
    if (at)
        xmpp_stanza_set_to(iq, at + 1);
    nx_add_child(iq, "ping", NS_PING);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
}

void nx_sm_after_pass(xmpp_conn_t *c)
{
    if (!fence_passed || !c)
        return;
    fence_passed = false;
    g_clear_pointer(&fence_id, g_free);
    unsigned n = 0;
    for (GList *l = unacked.head; l; l = l->next) {
        sm_entry *e = l->data;
        if (e->seq == 0 && !g_strcmp0(e->account, nx_own_bare())) {
            send_again(c, e, false);
            e->lib_has = false;
            n++;
        }
    }
    if (n)
        log_debug("sm", "%u message(s) not written again by the library: sent now", n);
    nx_message_flush_queue(c);
}

void nx_sm_connecting(xmpp_conn_t *c, bool same_account)
{
    offered = counting = enabled = settled = resumable = resumed = resume_sent = false;
    fence_passed = false;
    g_clear_pointer(&fence_id, g_free);
    g_clear_pointer(&violation, g_free);
    if (saved && same_account && xmpp_conn_set_sm_state(c, saved) == XMPP_EOK) {
        /* The counts go on if the server resumes the session. */
        saved = NULL;
        poisoned = false;
        return;
    }
    written = acked = 0;
    if (saved)
        xmpp_free_sm_state(saved);
    saved = NULL;
    poisoned = false;
}

bool nx_sm_disconnected(xmpp_conn_t *c, bool logged_in, bool keep)
{
    if (saved)
        xmpp_free_sm_state(saved);
    saved = NULL;
    /* A failed attempt leaves the library's state unusable for a resume
     * (it drops the session id), so only a session that was up is kept. */
    if (keep && logged_in && resumable && !poisoned && !violation)
        saved = xmpp_conn_get_sm_state(c);
    counting = enabled = false;
    return saved != NULL;
}

void nx_sm_forget_session(void)
{
    if (saved)
        xmpp_free_sm_state(saved);
    saved = NULL;
}

void nx_sm_deinit(void)
{
    nx_sm_forget_session();
    g_clear_pointer(&fence_id, g_free);
    g_queue_clear_full(&unacked, entry_free);
    g_clear_pointer(&violation, g_free);
}

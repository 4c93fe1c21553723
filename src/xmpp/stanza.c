/* stanza.c - small helpers for reading and building stanzas, shared by
 * every file of xmpp/. Everything here is natter's (prefix nx_); the
 * xmpp_* calls are libstrophe's. None of these functions sends on its own
 * except nx_send_iq() and nx_send_iq_error(). */
#include "xmpp/internal.h"

#include <string.h>

#include "model/jid.h"

static unsigned id_counter;

char *nx_new_id(void)
{
    unsigned char rnd[6];
    for (size_t i = 0; i < sizeof(rnd); i++)
        rnd[i] = (unsigned char)g_random_int_range(0, 256);
    char *b = g_base64_encode(rnd, sizeof(rnd));
    for (char *p = b; *p; p++)
        if (*p == '/' || *p == '+')
            *p = 'x';
    char *id = g_strdup_printf("natter-%s-%u", b, ++id_counter);
    g_free(b);
    return id;
}

xmpp_stanza_t *nx_child(xmpp_stanza_t *st, const char *name, const char *ns)
{
    if (!st)
        return NULL;
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c)) {
        const char *n = xmpp_stanza_get_name(c);
        if (!n || !xmpp_stanza_is_tag(c) || strcmp(n, name) != 0)
            continue;
        if (!ns || g_strcmp0(xmpp_stanza_get_ns(c), ns) == 0)
            return c;
    }
    return NULL;
}

char *nx_child_text(xmpp_stanza_t *st, const char *name)
{
    xmpp_stanza_t *c = nx_child(st, name, NULL);
    if (!c)
        return NULL;
    char *t = xmpp_stanza_get_text(c);
    if (!t)
        return NULL;
    char *r = g_strdup(t);
    xmpp_free(nx_ctx(), t);
    return r;
}

xmpp_stanza_t *nx_iq_new(const char *type)
{
    char *id = nx_new_id();
    xmpp_stanza_t *iq = xmpp_iq_new(nx_ctx(), type, id);
    g_free(id);
    return iq;
}

/* An iq waiting for its answer. Its handler may keep waiting (return 1)
 * past answers from the wrong sender, so whatever it holds is freed here
 * when its connection goes without the real answer having come. */
typedef struct {
    xmpp_conn_t *conn;
    xmpp_handler handler;
    void *ud;
    GDestroyNotify ud_free;
} pending_iq;

static GPtrArray *pending; /* pending_iq*, owned */

static int on_iq_answer(xmpp_conn_t *c, xmpp_stanza_t *st, void *data)
{
    pending_iq *p = data;
    int keep = p->handler(c, st, p->ud);
    if (!keep) {
        g_ptr_array_remove_fast(pending, p);
        g_free(p);
    }
    return keep;
}

void nx_send_iq(xmpp_conn_t *c, xmpp_stanza_t *iq, xmpp_handler handler, void *ud,
                GDestroyNotify ud_free)
{
    pending_iq *p = g_new0(pending_iq, 1);
    *p = (pending_iq){c, handler, ud, ud_free};
    if (!pending)
        pending = g_ptr_array_new();
    g_ptr_array_add(pending, p);
    xmpp_id_handler_add(c, on_iq_answer, xmpp_stanza_get_id(iq), p);
    xmpp_send(c, iq);
    xmpp_stanza_release(iq);
}

void nx_iq_forget(xmpp_conn_t *c)
{
    for (guint i = pending ? pending->len : 0; i-- > 0;) {
        pending_iq *p = g_ptr_array_index(pending, i);
        if (p->conn != c)
            continue;
        if (p->ud_free)
            p->ud_free(p->ud);
        g_ptr_array_remove_index_fast(pending, i);
        g_free(p);
    }
    if (pending && pending->len == 0)
        g_clear_pointer(&pending, g_ptr_array_unref);
}

xmpp_stanza_t *nx_iq_reply(xmpp_stanza_t *st, const char *type)
{
    /* Built by hand: xmpp_stanza_reply() crashes on stanzas without 'from'
     * (the server's own roster pushes have none). */
    xmpp_stanza_t *reply = xmpp_iq_new(nx_ctx(), type, xmpp_stanza_get_id(st));
    const char *from = xmpp_stanza_get_from(st);
    if (from)
        xmpp_stanza_set_to(reply, from);
    return reply;
}

void nx_send_iq_error(xmpp_stanza_t *stanza, const char *condition)
{
    xmpp_conn_t *c = nx_conn();
    const char *type = xmpp_stanza_get_type(stanza);
    if (!c || (type && (!strcmp(type, "error") || !strcmp(type, "result"))))
        return;
    if (!xmpp_stanza_get_name(stanza) || strcmp(xmpp_stanza_get_name(stanza), "iq") != 0 ||
        !xmpp_stanza_get_id(stanza))
        return;
    xmpp_stanza_t *reply = nx_iq_reply(stanza, "error");
    xmpp_stanza_t *err = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(err, "error");
    xmpp_stanza_set_type(err, "cancel");
    xmpp_stanza_t *cond = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(cond, condition);
    xmpp_stanza_set_ns(cond, "urn:ietf:params:xml:ns:xmpp-stanzas");
    xmpp_stanza_add_child_ex(err, cond, 0);
    xmpp_stanza_add_child_ex(reply, err, 0);
    xmpp_send(c, reply);
    xmpp_stanza_release(reply);
}

char *nx_error_text(xmpp_stanza_t *st)
{
    xmpp_stanza_t *e = nx_child(st, "error", NULL);
    if (!e)
        return g_strdup("unknown error");
    xmpp_stanza_t *cond = xmpp_stanza_get_children(e);
    while (cond && (!xmpp_stanza_is_tag(cond) || !g_strcmp0(xmpp_stanza_get_name(cond), "text")))
        cond = xmpp_stanza_get_next(cond);
    char *text = nx_child_text(e, "text");
    char *out = g_strdup_printf("%s%s%s", cond ? xmpp_stanza_get_name(cond) : "error",
                                text && *text ? ": " : "", text && *text ? text : "");
    g_free(text);
    return out;
}

const char *nx_error_condition(xmpp_stanza_t *st)
{
    xmpp_stanza_t *e = nx_child(st, "error", NULL);
    for (xmpp_stanza_t *c = e ? xmpp_stanza_get_children(e) : NULL; c; c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c) && g_strcmp0(xmpp_stanza_get_name(c), "text"))
            return xmpp_stanza_get_name(c);
    return "error";
}

xmpp_stanza_t *nx_add_child(xmpp_stanza_t *parent, const char *name, const char *ns)
{
    xmpp_stanza_t *e = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(e, name);
    if (ns)
        xmpp_stanza_set_ns(e, ns);
    xmpp_stanza_add_child_ex(parent, e, 0);
    return e;
}

void nx_add_text(xmpp_stanza_t *parent, const char *name, const char *text)
{
    xmpp_stanza_add_child_ex(parent, nx_text_element(name, text), 0);
}

xmpp_stanza_t *nx_text_element(const char *name, const char *text)
{
    xmpp_ctx_t *x = nx_ctx();
    xmpp_stanza_t *e = xmpp_stanza_new(x);
    xmpp_stanza_set_name(e, name);
    if (text) {
        xmpp_stanza_t *t = xmpp_stanza_new(x);
        xmpp_stanza_set_text(t, text);
        xmpp_stanza_add_child_ex(e, t, 0);
    }
    return e;
}

void nx_add_field(xmpp_stanza_t *form, const char *var, const char *type, const char *value)
{
    xmpp_stanza_t *field = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(field, "field");
    xmpp_stanza_set_attribute(field, "var", var);
    if (type)
        xmpp_stanza_set_type(field, type);
    xmpp_stanza_add_child_ex(field, nx_text_element("value", value), 0);
    xmpp_stanza_add_child_ex(form, field, 0);
}

int64_t nx_delay_us_of(xmpp_stanza_t *parent)
{
    xmpp_stanza_t *delay = nx_child(parent, "delay", NS_DELAY);
    const char *stamp = delay ? xmpp_stanza_get_attribute(delay, "stamp") : NULL;
    /* XEP-0082: a fraction of a second may follow the seconds (servers
     * send microseconds); GLib keeps it to the microsecond. */
    GDateTime *dt = stamp ? g_date_time_new_from_iso8601(stamp, NULL) : NULL;
    if (!dt)
        return 0;
    int64_t us =
        (int64_t)g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return us;
}

time_t nx_delay_of(xmpp_stanza_t *parent)
{
    int64_t us = nx_delay_us_of(parent);
    /* floor, also before 1970 */
    return (time_t)(us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
}

char *nx_body(xmpp_stanza_t *st)
{
    char *body = nx_child_text(st, "body");
    if (body && !g_utf8_validate(body, -1, NULL)) {
        char *fixed = g_utf8_make_valid(body, -1);
        g_free(body);
        body = fixed;
    }
    return body;
}

const char *nx_stanza_id_by(xmpp_stanza_t *st, const char *by_jid)
{
    if (!by_jid)
        return NULL;
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c)) {
        if (!xmpp_stanza_is_tag(c) || g_strcmp0(xmpp_stanza_get_name(c), "stanza-id") ||
            g_strcmp0(xmpp_stanza_get_ns(c), NS_SID))
            continue;
        const char *by = xmpp_stanza_get_attribute(c, "by");
        if (by && !strchr(by, '/') && jid_bare_equal(by, by_jid))
            return xmpp_stanza_get_attribute(c, "id");
    }
    return NULL;
}

/* muc_admin.c - acting on rooms: the subject, roles and affiliations
 * (kick, ban, voice, ...), message moderation (XEP-0425), invitations
 * (XEP-0249 direct and XEP-0045 mediated), declining one, and the room's
 * configuration form (instant rooms, /room config). Results and refusals
 * come back as lines in the room's window (EV_LOG). */
#include "xmpp/internal.h"

#include <string.h>

#include "model/jid.h"
#include "model/muc.h"

/* What an iq we sent was for, to word its answer. */
typedef struct {
    char *room;
    char *what;      /* "kick", "ban", ... */
    char *target;    /* nick or JID */
    char *done;      /* line to print on success, or NULL */
    bool configures; /* a muc#owner request: ask for the features after it */
} admin_ctx;

static void ctx_free(admin_ctx *a)
{
    g_free(a->room);
    g_free(a->what);
    g_free(a->target);
    g_free(a->done);
    g_free(a);
}

static bool room_joined(const char *room, muc_room **out, char **err)
{
    muc_room *r = muc_room_find(room);
    if (!r || r->state != MUC_STATE_JOINED || !nx_conn()) {
        *err = g_strdup_printf("you are not in %s", room);
        return false;
    }
    *out = r;
    return true;
}

static int on_admin_result(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    admin_ctx *a = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, a->room) || strchr(from, '/'))
        return 1; /* not the answer we wait for: keep waiting */
    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, a->room, "Cannot %s %s: %s", a->what, a->target, why);
        g_free(why);
    } else {
        if (a->done)
            event_log(LOG_INFO, a->room, "%s", a->done);
        /* A new or reconfigured room: its features (archive, occupant ids)
         * may only now be what they will stay. */
        if (a->configures)
            nx_muc_refresh_info(c, a->room);
    }
    ctx_free(a);
    return 0;
}

/* Send IQ (taken over) to ROOM; its answer is worded with WHAT/TARGET. */
static void send_admin(xmpp_conn_t *c, xmpp_stanza_t *iq, const char *room, const char *what,
                       const char *target, char *done)
{
    admin_ctx *a = g_new0(admin_ctx, 1);
    a->room = g_strdup(room);
    a->what = g_strdup(what);
    a->target = g_strdup(target);
    a->done = done;
    a->configures = nx_child(iq, "query", NS_MUC_OWNER) != NULL;
    xmpp_stanza_set_to(iq, room);
    nx_send_iq(c, iq, on_admin_result, a, (GDestroyNotify)ctx_free);
}

/* A muc#admin request: <item WHO_ATTR=WHO ATTR=VALUE><reason/></item>. */
static xmpp_stanza_t *admin_iq(const char *who_attr, const char *who, const char *attr,
                               const char *value, const char *reason)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_MUC_ADMIN);
    xmpp_stanza_t *item = nx_add_child(q, "item", NULL);
    xmpp_stanza_set_attribute(item, who_attr, who);
    xmpp_stanza_set_attribute(item, attr, value);
    if (reason && *reason)
        nx_add_text(item, "reason", reason);
    return iq;
}

bool nx_muc_set_subject(const char *room, const char *subject, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), "groupchat", r->jid, NULL);
    char *id = nx_new_id();
    xmpp_stanza_set_id(m, id);
    g_free(id);
    nx_add_text(m, "subject", subject);
    xmpp_send(nx_conn(), m);
    xmpp_stanza_release(m);
    return true;
}

bool nx_muc_set_role(const char *room, const char *nick, muc_role role, const char *reason,
                     const char *what, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    if (!muc_occupant_find(r, nick)) {
        *err = g_strdup_printf("nobody called '%s' is in %s", nick, r->jid);
        return false;
    }
    xmpp_stanza_t *iq = admin_iq("nick", nick, "role", muc_role_name(role), reason);
    send_admin(nx_conn(), iq, r->jid, what, nick, NULL);
    return true;
}

bool nx_muc_set_affiliation(const char *room, const char *who, muc_affiliation aff,
                            const char *reason, const char *what, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    /* A nick of someone present: the room must have told us their JID. */
    char *jid = NULL;
    muc_occupant *o = muc_occupant_find(r, who);
    if (o) {
        if (!o->jid) {
            *err = g_strdup_printf("the room does not show %s's address: give their JID", who);
            return false;
        }
        jid = jid_bare_of(o->jid);
    } else if (strchr(who, '@') || jid_is_valid_bare(who)) {
        jid = jid_bare_of(who);
    }
    if (!jid) {
        *err = g_strdup_printf("'%s' is neither an occupant's nick nor a JID", who);
        return false;
    }
    xmpp_stanza_t *iq = admin_iq("jid", jid, "affiliation", muc_affiliation_name(aff), reason);
    char *done =
        o ? NULL
          : g_strdup_printf("%s is now %s in %s", jid,
                            aff == MUC_AFF_OUTCAST ? "banned" : muc_affiliation_name(aff), r->jid);
    send_admin(nx_conn(), iq, r->jid, what, who, done);
    g_free(jid);
    return true;
}

bool nx_muc_moderate(const char *room, const char *stanza_id, const char *nick, const char *reason,
                     char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    if (!r->has_moderation) {
        *err = g_strdup_printf("%s does not support message moderation (XEP-0425)", r->jid);
        return false;
    }
    if (!stanza_id) {
        *err = g_strdup_printf("no message of %s with an id the room gave it", nick);
        return false;
    }
    xmpp_stanza_t *iq = nx_iq_new("set");
    if (!strcmp(r->moderation_ns, "urn:xmpp:message-moderate:1")) {
        xmpp_stanza_t *m = nx_add_child(iq, "moderate", r->moderation_ns);
        xmpp_stanza_set_attribute(m, "id", stanza_id);
        nx_add_child(m, "retract", NS_RETRACT);
        if (reason && *reason)
            nx_add_text(m, "reason", reason);
    } else {
        xmpp_stanza_t *a = nx_add_child(iq, "apply-to", "urn:xmpp:fasten:0");
        xmpp_stanza_set_attribute(a, "id", stanza_id);
        xmpp_stanza_t *m = nx_add_child(a, "moderate", r->moderation_ns);
        nx_add_child(m, "retract", "urn:xmpp:message-retract:0");
        if (reason && *reason)
            nx_add_text(m, "reason", reason);
    }
    send_admin(nx_conn(), iq, r->jid, "remove the message of", nick, NULL);
    return true;
}

bool nx_muc_invite(const char *room, const char *jid, const char *reason, bool mediated, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    char *to = jid_bare_of(jid);
    if (!to || !strchr(to, '@')) {
        g_free(to);
        *err = g_strdup_printf("'%s' is not a valid JID", jid);
        return false;
    }
    xmpp_ctx_t *x = nx_ctx();
    char *id = nx_new_id();
    xmpp_stanza_t *m;
    if (mediated) {
        m = xmpp_message_new(x, NULL, r->jid, id);
        xmpp_stanza_t *mx = nx_add_child(m, "x", NS_MUC_USER);
        xmpp_stanza_t *inv = nx_add_child(mx, "invite", NULL);
        xmpp_stanza_set_attribute(inv, "to", to);
        if (reason && *reason)
            nx_add_text(inv, "reason", reason);
    } else {
        m = xmpp_message_new(x, NULL, to, id);
        xmpp_stanza_t *cx = nx_add_child(m, "x", NS_CONFERENCE);
        xmpp_stanza_set_attribute(cx, "jid", r->jid);
        if (reason && *reason)
            xmpp_stanza_set_attribute(cx, "reason", reason);
        if (r->password)
            xmpp_stanza_set_attribute(cx, "password", r->password);
    }
    xmpp_send(nx_conn(), m);
    xmpp_stanza_release(m);
    g_free(id);
    event_log(LOG_INFO, r->jid, "Invited %s to %s%s.", to, r->jid,
              mediated ? " (through the room)" : "");
    g_free(to);
    return true;
}

bool nx_muc_decline(const char *room, const char *inviter, const char *reason, char **err)
{
    xmpp_conn_t *c = nx_conn();
    if (!c) {
        *err = g_strdup("not connected");
        return false;
    }
    xmpp_stanza_t *m = xmpp_message_new(nx_ctx(), NULL, room, NULL);
    xmpp_stanza_t *mx = nx_add_child(m, "x", NS_MUC_USER);
    xmpp_stanza_t *d = nx_add_child(mx, "decline", NULL);
    xmpp_stanza_set_attribute(d, "to", inviter);
    if (reason && *reason)
        nx_add_text(d, "reason", reason);
    xmpp_send(c, m);
    xmpp_stanza_release(m);
    return true;
}

/* ---------- configuration (muc#owner) ---------- */

typedef struct {
    char *var, *type, *label;
    GPtrArray *values;  /* char* */
    GPtrArray *options; /* char* (values) */
} form_field;

static char *form_room; /* the room whose form is being edited */
static GPtrArray *form; /* form_field* */

static void field_free(form_field *f)
{
    g_free(f->var);
    g_free(f->type);
    g_free(f->label);
    g_ptr_array_unref(f->values);
    g_ptr_array_unref(f->options);
    g_free(f);
}

static void form_drop(void)
{
    g_clear_pointer(&form_room, g_free);
    if (form)
        g_ptr_array_unref(form);
    form = NULL;
}

void nx_muc_accept_instant(xmpp_conn_t *c, muc_room *r)
{
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_MUC_OWNER);
    xmpp_stanza_t *x = nx_add_child(q, "x", NS_DATA);
    xmpp_stanza_set_type(x, "submit");
    ev_muc_room ev = {.kind = MUC_EV_CREATED, .room = r->jid, .nick = r->nick};
    event_emit(EV_MUC_ROOM, &ev);
    send_admin(c, iq, r->jid, "create", r->jid, NULL);
}

static bool is_bool(const form_field *f)
{
    return f->type && !strcmp(f->type, "boolean");
}

/* The name a field is shown and set by: its var without the standard
 * prefix ("muc#roomconfig_persistentroom" is "persistentroom"). */
static const char *short_name(const char *var)
{
    if (g_str_has_prefix(var, "muc#roomconfig_"))
        return var + strlen("muc#roomconfig_");
    if (g_str_has_prefix(var, "muc#"))
        return var + strlen("muc#");
    return var;
}

static bool settable(const form_field *f)
{
    return f->var && !(f->type && (!strcmp(f->type, "hidden") || !strcmp(f->type, "fixed")));
}

/* True when NAME (any case) is the field's var, its short name, its label,
 * or its label up to a parenthesis ("Persistent" for "Persistent (room
 * should remain...)"). */
static bool name_matches(const form_field *f, const char *name)
{
    if (!strcmp(f->var, name) || !g_ascii_strcasecmp(short_name(f->var), name))
        return true;
    if (!f->label)
        return false;
    char *label = g_utf8_casefold(f->label, -1);
    char *want = g_utf8_casefold(name, -1);
    char *paren = strstr(label, " (");
    bool ok = !strcmp(label, want) || (paren && (size_t)(paren - label) == strlen(want) &&
                                       !strncmp(label, want, strlen(want)));
    g_free(label);
    g_free(want);
    return ok;
}

/* The one field NAME means: an exact name, else the only field whose short
 * name or label starts with NAME. NULL with *ERR otherwise. */
static form_field *find_field(const char *name, char **err)
{
    for (guint i = 0; i < form->len; i++) {
        form_field *f = g_ptr_array_index(form, i);
        if (settable(f) && name_matches(f, name))
            return f;
    }
    GPtrArray *hits = g_ptr_array_new();
    char *want = g_utf8_casefold(name, -1);
    for (guint i = 0; *want && i < form->len; i++) {
        form_field *f = g_ptr_array_index(form, i);
        if (!settable(f))
            continue;
        char *sn = g_utf8_casefold(short_name(f->var), -1);
        char *label = f->label ? g_utf8_casefold(f->label, -1) : NULL;
        if (g_str_has_prefix(sn, want) || (label && g_str_has_prefix(label, want)))
            g_ptr_array_add(hits, f);
        g_free(sn);
        g_free(label);
    }
    g_free(want);
    form_field *found = hits->len == 1 ? g_ptr_array_index(hits, 0) : NULL;
    if (hits->len == 0) {
        *err = g_strdup_printf("the form has no field '%s' (/room config lists them)", name);
    } else if (hits->len > 1) {
        GString *s = g_string_new(NULL);
        g_string_printf(s, "'%s' could be ", name);
        for (guint i = 0; i < hits->len; i++)
            g_string_append_printf(s, "%s%s", i ? ", " : "",
                                   short_name(((form_field *)g_ptr_array_index(hits, i))->var));
        *err = g_string_free(s, FALSE);
    }
    g_ptr_array_free(hits, TRUE);
    return found;
}

char **nx_muc_config_names(const char *room)
{
    if (!form || !form_room || !room || !jid_bare_equal(form_room, room))
        return NULL;
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < form->len; i++) {
        form_field *f = g_ptr_array_index(form, i);
        if (settable(f))
            g_ptr_array_add(out, g_strdup(short_name(f->var)));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static char *field_value_text(const form_field *f)
{
    if (is_bool(f)) {
        const char *v = f->values->len ? g_ptr_array_index(f->values, 0) : "0";
        return g_strdup(!strcmp(v, "1") || !strcmp(v, "true") ? "on" : "off");
    }
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < f->values->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(f->values, i));
    return g_string_free(s, FALSE);
}

static void show_form(const char *room)
{
    event_log(
        LOG_INFO, room,
        "Configuration of %s (/room set FIELD VALUE, FIELD by name or label, yes/no for yes/no "
        "fields; then /room submit or /room cancel):",
        room);
    for (guint i = 0; i < form->len; i++) {
        form_field *f = g_ptr_array_index(form, i);
        if (!f->var || (f->type && (!strcmp(f->type, "hidden") || !strcmp(f->type, "fixed"))))
            continue;
        char *v = field_value_text(f);
        GString *opts = g_string_new(NULL);
        for (guint k = 0; k < f->options->len; k++)
            g_string_append_printf(opts, "%s%s", k ? ", " : " [",
                                   (char *)g_ptr_array_index(f->options, k));
        if (opts->len)
            g_string_append(opts, "]");
        event_log(LOG_INFO, room, "  %s = %s%s%s%s%s", short_name(f->var), v, f->label ? "  (" : "",
                  f->label ? f->label : "", f->label ? ")" : "", opts->str);
        g_string_free(opts, TRUE);
        g_free(v);
    }
}

static int on_config_form(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    char *room = ud;
    const char *from = xmpp_stanza_get_from(st);
    if (!from || !jid_bare_equal(from, room) || strchr(from, '/'))
        return 1; /* not the answer we wait for: keep waiting */

    if (!g_strcmp0(xmpp_stanza_get_type(st), "error")) {
        char *why = nx_error_text(st);
        event_log(LOG_ERROR, room, "Cannot read the configuration of %s: %s", room, why);
        g_free(why);
        g_free(room);
        return 0;
    }
    xmpp_stanza_t *q = nx_child(st, "query", NS_MUC_OWNER);
    xmpp_stanza_t *x = q ? nx_child(q, "x", NS_DATA) : NULL;
    if (!x) {
        event_log(LOG_ERROR, room, "%s sent no configuration form.", room);
        g_free(room);
        return 0;
    }
    form_drop();
    form_room = g_strdup(room);
    form = g_ptr_array_new_with_free_func((GDestroyNotify)field_free);
    for (xmpp_stanza_t *e = xmpp_stanza_get_children(x); e; e = xmpp_stanza_get_next(e)) {
        if (!xmpp_stanza_is_tag(e) || g_strcmp0(xmpp_stanza_get_name(e), "field"))
            continue;
        form_field *f = g_new0(form_field, 1);
        f->var = g_strdup(xmpp_stanza_get_attribute(e, "var"));
        f->type = g_strdup(xmpp_stanza_get_type(e));
        f->label = g_strdup(xmpp_stanza_get_attribute(e, "label"));
        f->values = g_ptr_array_new_with_free_func(g_free);
        f->options = g_ptr_array_new_with_free_func(g_free);
        for (xmpp_stanza_t *v = xmpp_stanza_get_children(e); v; v = xmpp_stanza_get_next(v)) {
            if (!xmpp_stanza_is_tag(v))
                continue;
            if (!strcmp(xmpp_stanza_get_name(v), "value")) {
                char *t = xmpp_stanza_get_text(v);
                g_ptr_array_add(f->values, g_strdup(t ? t : ""));
                if (t)
                    xmpp_free(nx_ctx(), t);
            } else if (!strcmp(xmpp_stanza_get_name(v), "option")) {
                char *t = nx_child_text(v, "value");
                if (t)
                    g_ptr_array_add(f->options, t);
            }
        }
        g_ptr_array_add(form, f);
    }
    show_form(room);
    g_free(room);
    return 0;
}

bool nx_muc_config_request(const char *room, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    xmpp_stanza_t *iq = nx_iq_new("get");
    xmpp_stanza_set_to(iq, r->jid);
    nx_add_child(iq, "query", NS_MUC_OWNER);
    nx_send_iq(nx_conn(), iq, on_config_form, g_strdup(r->jid), g_free);
    return true;
}

bool nx_muc_config_set(const char *room, const char *var, const char *value, char **err)
{
    if (!form || !form_room || !jid_bare_equal(form_room, room)) {
        *err = g_strdup("no configuration form is open here: /room config first");
        return false;
    }
    form_field *f = find_field(var, err);
    if (!f)
        return false;
    const char *name = short_name(f->var);
    const char *v = value;
    if (is_bool(f)) {
        if (!g_ascii_strcasecmp(value, "on") || !strcmp(value, "1") ||
            !g_ascii_strcasecmp(value, "true") || !g_ascii_strcasecmp(value, "yes"))
            v = "1";
        else if (!g_ascii_strcasecmp(value, "off") || !strcmp(value, "0") ||
                 !g_ascii_strcasecmp(value, "false") || !g_ascii_strcasecmp(value, "no"))
            v = "0";
        else {
            *err = g_strdup_printf("%s is yes or no (on or off)", name);
            return false;
        }
    } else if (f->options->len && f->type && !strcmp(f->type, "list-single")) {
        bool ok = false;
        for (guint k = 0; k < f->options->len; k++)
            ok |= !strcmp(g_ptr_array_index(f->options, k), value);
        if (!ok) {
            *err = g_strdup_printf("%s takes one of its options (see /room config)", name);
            return false;
        }
    }
    g_ptr_array_set_size(f->values, 0);
    if (f->type && (!strcmp(f->type, "list-multi") || !strcmp(f->type, "jid-multi") ||
                    !strcmp(f->type, "text-multi"))) {
        char **parts = g_strsplit(v, ",", -1);
        for (char **p = parts; *p; p++) {
            char *t = g_strstrip(g_strdup(*p));
            if (*t)
                g_ptr_array_add(f->values, t);
            else
                g_free(t);
        }
        g_strfreev(parts);
    } else {
        g_ptr_array_add(f->values, g_strdup(v));
    }
    char *shown = field_value_text(f);
    event_log(LOG_INFO, room, "%s = %s (not sent yet: /room submit)", name, shown);
    g_free(shown);
    return true;
}

bool nx_muc_config_submit(const char *room, bool cancel, char **err)
{
    muc_room *r;
    if (!room_joined(room, &r, err))
        return false;
    if (!form || !form_room || !jid_bare_equal(form_room, room)) {
        *err = g_strdup("no configuration form is open here: /room config first");
        return false;
    }
    xmpp_stanza_t *iq = nx_iq_new("set");
    xmpp_stanza_t *q = nx_add_child(iq, "query", NS_MUC_OWNER);
    xmpp_stanza_t *x = nx_add_child(q, "x", NS_DATA);
    xmpp_stanza_set_type(x, cancel ? "cancel" : "submit");
    for (guint i = 0; !cancel && i < form->len; i++) {
        form_field *f = g_ptr_array_index(form, i);
        if (!f->var || (f->type && !strcmp(f->type, "fixed")))
            continue;
        xmpp_stanza_t *fe = nx_add_child(x, "field", NULL);
        xmpp_stanza_set_attribute(fe, "var", f->var);
        for (guint k = 0; k < f->values->len; k++)
            nx_add_text(fe, "value", g_ptr_array_index(f->values, k));
    }
    send_admin(nx_conn(), iq, r->jid, cancel ? "cancel the configuration of" : "configure", r->jid,
               cancel ? g_strdup("Configuration cancelled.")
                      : g_strdup_printf("The room %s is configured.", r->jid));
    form_drop();
    return true;
}

void nx_muc_admin_deinit(void)
{
    form_drop();
}

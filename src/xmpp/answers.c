/* answers.c - what natter tells others when asked: its software version
 * (XEP-0092, the operating system only when the version_os setting allows),
 * its time (XEP-0202) and how long the user has been idle (XEP-0012, to
 * contacts who may see our presence). The user's idle time is also what
 * our presence carries as XEP-0319 idle (presence.c). */
#include "xmpp/internal.h"

#include <string.h>
#include <sys/utsname.h>

#include "config/settings.h"
#include "model/jid.h"

#define NS_VERSION "jabber:iq:version"
#define NS_TIME "urn:xmpp:time"
#define NS_LAST "jabber:iq:last"

static time_t idle_since; /* last input; 0: never set */

void nx_set_last_input(time_t when)
{
    idle_since = when;
}

time_t nx_last_input(void)
{
    return idle_since;
}

static void send_reply(xmpp_conn_t *c, xmpp_stanza_t *reply)
{
    xmpp_send(c, reply);
    xmpp_stanza_release(reply);
}

static int on_version(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_stanza_t *q = nx_add_child(reply, "query", NS_VERSION);
    nx_add_text(q, "name", "natter");
    nx_add_text(q, "version", PACKAGE_VERSION);
    struct utsname u;
    if (settings_get_bool("version_os") && uname(&u) == 0) {
        char *os = g_strdup_printf("%s %s", u.sysname, u.release);
        nx_add_text(q, "os", os);
        g_free(os);
    }
    send_reply(c, reply);
    return 1;
}

static int on_time(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    GDateTime *now = g_date_time_new_now_local();
    GDateTime *utc = g_date_time_to_utc(now);
    char *tzo = g_date_time_format(now, "%:z");
    char *stamp = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_stanza_t *t = nx_add_child(reply, "time", NS_TIME);
    nx_add_text(t, "tzo", tzo);
    nx_add_text(t, "utc", stamp);
    send_reply(c, reply);
    g_free(tzo);
    g_free(stamp);
    g_date_time_unref(utc);
    g_date_time_unref(now);
    return 1;
}

/* Idle time tells when someone is at the keyboard: only for those who may
 * see our presence anyway (and our own account). */
static bool may_see_presence(const char *from)
{
    if (nx_from_own_account(from))
        return true;
    char *bare = jid_bare_of(from);
    roster_contact *rc = bare ? roster_find(bare) : NULL;
    g_free(bare);
    return rc && rc->in_roster &&
           (!g_strcmp0(rc->subscription, "from") || !g_strcmp0(rc->subscription, "both"));
}

static int on_last(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
    if (!may_see_presence(xmpp_stanza_get_from(st))) {
        nx_send_iq_error(st, "forbidden");
        return 1;
    }
    time_t now = time(NULL);
    long secs = idle_since && now > idle_since ? (long)(now - idle_since) : 0;
    char buf[32];
    g_snprintf(buf, sizeof(buf), "%ld", secs);
    xmpp_stanza_t *reply = nx_iq_reply(st, "result");
    xmpp_stanza_t *q = nx_add_child(reply, "query", NS_LAST);
    xmpp_stanza_set_attribute(q, "seconds", buf);
    send_reply(c, reply);
    return 1;
}

void nx_answers_setup(xmpp_conn_t *c)
{
    xmpp_handler_add(c, on_version, NS_VERSION, "iq", "get", NULL);
    xmpp_handler_add(c, on_time, NS_TIME, "iq", "get", NULL);
    xmpp_handler_add(c, on_last, NS_LAST, "iq", "get", NULL);
}

bool nx_answers_handles(const char *type, const char *ns)
{
    if (!type || !ns)
        return false;
    if (!strcmp(type, "get"))
        return !strcmp(ns, NS_VERSION) || !strcmp(ns, NS_TIME) || !strcmp(ns, NS_LAST);
    return !strcmp(type, "set") && !strcmp(ns, "urn:xmpp:blocking");
}

/* test_proto_pep.c - PEP publishing and reading (src/xmpp/pep.c) against
 * the protocol harness: publish-options with open access, the node
 * reconfigured once on precondition-not-met, the configuration read back,
 * answers only from the account asked, notifications only from accounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "proto.h"
#include "xmpp/pep.h"

#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_OWNER NS_PUBSUB "#owner"
#define NODE "urn:example:node"

typedef struct {
    int calls;
    bool ok;
    char *error;
    char *payload_name;
} outcome;

static outcome got;

static void reset(void)
{
    g_free(got.error);
    g_free(got.payload_name);
    memset(&got, 0, sizeof(got));
    ph_forget();
}

static void on_done(bool ok, const char *error, void *ud)
{
    got.calls++;
    got.ok = ok;
    g_free(got.error);
    got.error = g_strdup(error);
}

static void on_item(bool ok, xmpp_stanza_t *payload, const char *error, void *ud)
{
    on_done(ok, error, ud);
    g_free(got.payload_name);
    got.payload_name = payload ? g_strdup(xmpp_stanza_get_name(payload)) : NULL;
}

static xmpp_stanza_t *payload(void)
{
    xmpp_stanza_t *p = xmpp_stanza_new(nx_ctx());
    xmpp_stanza_set_name(p, "thing");
    xmpp_stanza_set_ns(p, "urn:example");
    return p;
}

/* The value of field VAR in the form under IQ (g_free), or NULL. */
static char *field(xmpp_stanza_t *iq, const char *var)
{
    char *buf = NULL;
    size_t len = 0;
    xmpp_stanza_to_text(iq, &buf, &len);
    char *xml = g_strndup(buf, len);
    xmpp_free(nx_ctx(), buf);
    char *pat = g_strdup_printf("var=\"%s\"><value>", var);
    char *at = strstr(xml, pat);
    char *v = at ? g_strndup(at + strlen(pat), strcspn(at + strlen(pat), "<")) : NULL;
    g_free(pat);
    g_free(xml);
    return v;
}

static const char *publish_id(void)
{
    xmpp_stanza_t *iq = ph_sent_iq(NULL, NS_PUBSUB);
    char *access = field(iq, "pubsub#access_model");
    assert_string_equal(access, "open");
    g_free(access);
    return xmpp_stanza_get_id(iq);
}

static void test_publish_reconfigures_once_on_precondition(void **state)
{
    reset();
    assert_true(nx_pep_publish_open(NODE, "current", payload(), on_done, NULL));
    char *id = g_strdup(publish_id());
    ph_forget();
    /* Someone else's answer with the same id does not count. */
    ph_receive("<iq type='error' id='%s' from='" MALLORY "'><error type='cancel'>"
               "<precondition-not-met xmlns='" NS_PUBSUB "#errors'/></error></iq>",
               id);
    assert_null(ph_sent("iq", NULL, NS_OWNER));
    ph_receive("<iq type='error' id='%s'><error type='cancel'><conflict xmlns="
               "'urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met xmlns='" NS_PUBSUB
               "#errors'/></error></iq>",
               id);
    g_free(id);
    xmpp_stanza_t *conf = ph_sent_iq(NULL, NS_OWNER);
    char *access = field(conf, "pubsub#access_model");
    assert_string_equal(access, "open");
    g_free(access);
    id = g_strdup(xmpp_stanza_get_id(conf));
    ph_forget();
    ph_receive("<iq type='result' id='%s'/>", id);
    g_free(id);
    /* Published again; a second precondition-not-met is the end. */
    id = g_strdup(publish_id());
    ph_forget();
    ph_receive(
        "<iq type='error' id='%s'><error type='cancel'><precondition-not-met xmlns='" NS_PUBSUB
        "#errors'/></error></iq>",
        id);
    g_free(id);
    assert_null(ph_sent("iq", NULL, NS_OWNER));
    assert_int_equal(got.calls, 1);
    assert_false(got.ok);
    assert_non_null(strstr(got.error, NODE));
}

static void test_publish_other_error_not_retried(void **state)
{
    reset();
    assert_true(nx_pep_publish_open(NODE, "current", payload(), on_done, NULL));
    char *id = g_strdup(publish_id());
    ph_forget();
    ph_receive("<iq type='error' id='%s'><error type='cancel'><forbidden xmlns="
               "'urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
               id);
    g_free(id);
    assert_null(ph_sent("iq", NULL, NULL));
    assert_int_equal(got.calls, 1);
    assert_false(got.ok);
    /* And a plain success. */
    reset();
    assert_true(nx_pep_publish_open(NODE, "current", payload(), on_done, NULL));
    ph_receive("<iq type='result' id='%s'/>", publish_id());
    assert_int_equal(got.calls, 1);
    assert_true(got.ok);
}

static void config_answer(const char *id, const char *access)
{
    ph_receive("<iq type='result' id='%s'><pubsub xmlns='" NS_OWNER "'><configure node='" NODE
               "'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'>"
               "<value>" NS_PUBSUB "#node_config</value></field><field var='pubsub#access_model'"
               " type='list-single'><value>%s</value></field></x></configure></pubsub></iq>",
               id, access);
}

static void test_configuration_read_back(void **state)
{
    reset();
    assert_true(nx_pep_check_open(NODE, on_done, NULL));
    char *id = g_strdup(xmpp_stanza_get_id(ph_sent_iq(NULL, NS_OWNER)));
    ph_forget();
    config_answer(id, "open");
    g_free(id);
    assert_null(ph_sent("iq", NULL, NULL));
    assert_int_equal(got.calls, 1);
    assert_true(got.ok);

    /* A server that ignored publish-options: the node is opened. */
    reset();
    assert_true(nx_pep_check_open(NODE, on_done, NULL));
    id = g_strdup(xmpp_stanza_get_id(ph_sent_iq(NULL, NS_OWNER)));
    ph_forget();
    config_answer(id, "presence");
    g_free(id);
    xmpp_stanza_t *conf = ph_sent_iq(NULL, NS_OWNER);
    assert_string_equal(xmpp_stanza_get_type(conf), "set");
    char *access = field(conf, "pubsub#access_model");
    assert_string_equal(access, "open");
    g_free(access);
    assert_int_equal(got.calls, 0);
    ph_receive("<iq type='result' id='%s'/>", xmpp_stanza_get_id(conf));
    assert_int_equal(got.calls, 1);
    assert_true(got.ok);
    assert_null(ph_sent("iq", NULL, NS_PUBSUB)); /* nothing published */
}

#define ANSWER                                                                                     \
    "<iq type='result' id='%s' from='%s'><pubsub xmlns='" NS_PUBSUB "'><items node='" NODE         \
    "'><item id='current'><thing xmlns='urn:x'/></item></items></pubsub></iq>"

static void test_fetch_only_from_the_account_asked(void **state)
{
    reset();
    assert_true(nx_pep_fetch(ALICE, NODE, NULL, on_item, NULL));
    const char *id = xmpp_stanza_get_id(ph_sent_iq(ALICE, NS_PUBSUB));
    char *idc = g_strdup(id);
    ph_receive(ANSWER, idc, MALLORY);
    ph_receive(ANSWER, idc, ALICE_FULL);
    assert_int_equal(got.calls, 0);
    ph_receive(ANSWER, idc, ALICE);
    g_free(idc);
    assert_int_equal(got.calls, 1);
    assert_true(got.ok);
    assert_string_equal(got.payload_name, "thing");

    reset();
    assert_true(nx_pep_fetch(ALICE, NODE, NULL, on_item, NULL));
    ph_receive("<iq type='error' id='%s' from='" ALICE "'><error type='cancel'><item-not-found "
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
               xmpp_stanza_get_id(ph_sent_iq(ALICE, NS_PUBSUB)));
    assert_int_equal(got.calls, 1);
    assert_false(got.ok);
    assert_string_equal(got.error, "item-not-found");
}

#define EVENT                                                                                      \
    "<message from='%s' type='headline'><event xmlns='" NS_PUBSUB "#event'><items node='%s'>"      \
    "<item id='current'><thing xmlns='urn:x'/></item></items></event></message>"

static char *heard_from;

static void on_event(const char *from, xmpp_stanza_t *p)
{
    g_free(heard_from);
    heard_from = g_strdup(from);
}

static void test_notifications(void **state)
{
    reset();
    nx_pep_set_event_hook(NODE, on_event);
    ph_receive(EVENT, ALICE_FULL, NODE); /* a client, not the account's service */
    assert_null(heard_from);
    ph_receive(EVENT, ALICE, "urn:other");
    assert_null(heard_from);
    ph_receive(EVENT, ALICE, NODE);
    assert_string_equal(heard_from, ALICE);
    nx_pep_set_event_hook(NODE, NULL);
    g_clear_pointer(&heard_from, g_free);
    ph_receive(EVENT, ALICE, NODE);
    assert_null(heard_from);
    reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_reconfigures_once_on_precondition, ph_setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_publish_other_error_not_retried, ph_setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_configuration_read_back, ph_setup, ph_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_only_from_the_account_asked, ph_setup,
                                        ph_teardown),
        cmocka_unit_test_setup_teardown(test_notifications, ph_setup, ph_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

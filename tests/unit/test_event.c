/* test_event.c - the event bus: stage order, and subscriptions changed
 * while an event is being delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "core/event.h"

/* Each recorder appends its letter to the shared trace when called. */
static GString *trace;

typedef struct {
    char letter;
    /* what to do when called (once) */
    event_type unsubscribe_type;
    event_cb unsubscribe_cb;
    void *unsubscribe_ud;
    bool subscribe_late; /* subscribe LATE during the delivery */
    bool emit_nested;    /* emit EV_LOG from inside an EV_MESSAGE delivery */
} recorder;

static void record(event_type type, const void *payload, void *ud);

static recorder late = {.letter = 'L'};

static void record(event_type type, const void *payload, void *ud)
{
    recorder *r = ud;
    g_string_append_c(trace, r->letter);
    if (r->unsubscribe_cb) {
        event_unsubscribe(r->unsubscribe_type, r->unsubscribe_cb, r->unsubscribe_ud);
        r->unsubscribe_cb = NULL;
    }
    if (r->subscribe_late) {
        event_subscribe(type, EV_STAGE_STORE, record, &late);
        r->subscribe_late = false;
    }
    if (r->emit_nested) {
        r->emit_nested = false;
        event_emit(EV_LOG, NULL);
    }
}

static int setup(void **state)
{
    trace = g_string_new(NULL);
    return 0;
}

static int teardown(void **state)
{
    event_deinit();
    g_string_free(trace, TRUE);
    return 0;
}

/* Subscribed screen first, then model, then store: delivered store,
 * model, screen, whatever the order of subscription. */
static void test_stages_run_in_order(void **state)
{
    recorder screen = {.letter = 'S'}, model = {.letter = 'M'}, store = {.letter = 'D'},
             control = {.letter = 'C'}, screen2 = {.letter = 's'};
    event_subscribe(EV_MESSAGE, EV_STAGE_CONTROL, record, &control);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &screen);
    event_subscribe(EV_MESSAGE, EV_STAGE_MODEL, record, &model);
    event_subscribe(EV_MESSAGE, EV_STAGE_STORE, record, &store);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &screen2);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "DMSsC");
    assert_int_equal(event_stage_of(EV_MESSAGE, record, &store), EV_STAGE_STORE);
    assert_int_equal(event_stage_of(EV_MESSAGE, record, &screen2), EV_STAGE_SCREEN);
    assert_int_equal(event_stage_of(EV_LOG, record, &store), -1);
}

/* A subscriber that removes itself must not make the next one miss the
 * event; one that removes a later one stops that one at once. */
static void test_unsubscribe_during_emit(void **state)
{
    recorder a = {.letter = 'a'}, b = {.letter = 'b'}, c = {.letter = 'c'}, d = {.letter = 'd'};
    a.unsubscribe_type = EV_MESSAGE;
    a.unsubscribe_cb = record;
    a.unsubscribe_ud = &a; /* itself */
    b.unsubscribe_type = EV_MESSAGE;
    b.unsubscribe_cb = record;
    b.unsubscribe_ud = &c; /* a later one */
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &a);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &b);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &c);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &d);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "abd");
    g_string_truncate(trace, 0);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "bd");
    assert_int_equal(event_stage_of(EV_MESSAGE, record, &a), -1);
    assert_int_equal(event_stage_of(EV_MESSAGE, record, &c), -1);
}

/* A subscription made during a delivery starts with the next event, in
 * its stage's place. */
static void test_subscribe_during_emit(void **state)
{
    recorder a = {.letter = 'a', .subscribe_late = true}, b = {.letter = 'b'};
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &a);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &b);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "ab");
    g_string_truncate(trace, 0);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "Lab"); /* the store stage comes first */
}

/* Events emitted by a subscriber are delivered at once, and removals in
 * the nested delivery wait until the outer one is over. */
static void test_nested_emit(void **state)
{
    recorder a = {.letter = 'a', .emit_nested = true}, b = {.letter = 'b'}, log1 = {.letter = 'x'},
             log2 = {.letter = 'y'};
    log1.unsubscribe_type = EV_MESSAGE;
    log1.unsubscribe_cb = record;
    log1.unsubscribe_ud = &b;
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &a);
    event_subscribe(EV_MESSAGE, EV_STAGE_SCREEN, record, &b);
    event_subscribe(EV_LOG, EV_STAGE_SCREEN, record, &log1);
    event_subscribe(EV_LOG, EV_STAGE_SCREEN, record, &log2);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "axy"); /* b was removed inside the nested LOG */
    g_string_truncate(trace, 0);
    event_emit(EV_MESSAGE, NULL);
    assert_string_equal(trace->str, "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stages_run_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_during_emit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscribe_during_emit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_emit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

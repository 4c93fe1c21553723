/* event.c - the event bus: a list of subscribers per event type, kept in
 * stage order.
 *
 * Deliveries walk the list by index. So that a subscriber can unsubscribe
 * itself or others while an event is being delivered (nested deliveries
 * included), removal during a delivery only clears the entry's callback;
 * cleared entries are dropped once the outermost delivery has returned.
 * New subscriptions made during a delivery wait in a side list until then,
 * because inserting one in stage order would shift the entries that the
 * running delivery has not reached yet. */
#include "core/event.h"

#include <glib.h>
#include <stdarg.h>

typedef struct {
    event_type type;
    event_stage stage;
    event_cb cb; /* NULL: removed during a delivery, dropped afterwards */
    void *ud;
} subscriber;

static GArray *subscribers[EV__COUNT];
static GArray *waiting;     /* subscriber: made during a delivery */
static unsigned delivering; /* depth of nested event_emit calls */
static bool removed;        /* some entry was cleared during a delivery */

/* Insert S after every subscriber of its type whose stage is not later. */
static void insert_in_stage_order(const subscriber *s)
{
    if (!subscribers[s->type])
        subscribers[s->type] = g_array_new(FALSE, FALSE, sizeof(subscriber));
    GArray *a = subscribers[s->type];
    guint at = a->len;
    while (at > 0 && g_array_index(a, subscriber, at - 1).stage > s->stage)
        at--;
    g_array_insert_val(a, at, *s);
}

void event_subscribe(event_type type, event_stage stage, event_cb cb, void *ud)
{
    g_return_if_fail(type < EV__COUNT && stage < EV_STAGE__COUNT && cb);
    subscriber s = {type, stage, cb, ud};
    if (delivering) {
        if (!waiting)
            waiting = g_array_new(FALSE, FALSE, sizeof(subscriber));
        g_array_append_val(waiting, s);
        return;
    }
    insert_in_stage_order(&s);
}

void event_unsubscribe(event_type type, event_cb cb, void *ud)
{
    g_return_if_fail(type < EV__COUNT);
    for (guint i = 0; waiting && i < waiting->len; i++) {
        subscriber *s = &g_array_index(waiting, subscriber, i);
        if (s->type == type && s->cb == cb && s->ud == ud) {
            g_array_remove_index(waiting, i);
            return;
        }
    }
    GArray *a = subscribers[type];
    for (guint i = 0; a && i < a->len; i++) {
        subscriber *s = &g_array_index(a, subscriber, i);
        if (s->cb != cb || s->ud != ud)
            continue;
        if (delivering) {
            s->cb = NULL;
            removed = true;
        } else {
            g_array_remove_index(a, i);
        }
        return;
    }
}

/* After the outermost delivery: drop cleared entries, add waiting ones. */
static void settle(void)
{
    if (removed) {
        for (int t = 0; t < EV__COUNT; t++) {
            GArray *a = subscribers[t];
            for (guint i = a ? a->len : 0; i > 0; i--)
                if (!g_array_index(a, subscriber, i - 1).cb)
                    g_array_remove_index(a, i - 1);
        }
        removed = false;
    }
    if (waiting && waiting->len) {
        GArray *w = waiting;
        waiting = NULL;
        for (guint i = 0; i < w->len; i++)
            insert_in_stage_order(&g_array_index(w, subscriber, i));
        g_array_free(w, TRUE);
    }
}

void event_emit(event_type type, const void *payload)
{
    g_return_if_fail(type < EV__COUNT);
    GArray *a = subscribers[type];
    if (!a)
        return;
    delivering++;
    for (guint i = 0; i < a->len; i++) {
        subscriber s = g_array_index(a, subscriber, i);
        if (s.cb)
            s.cb(type, payload, s.ud);
    }
    if (--delivering == 0)
        settle();
}

int event_stage_of(event_type type, event_cb cb, void *ud)
{
    GArray *a = type < EV__COUNT ? subscribers[type] : NULL;
    for (guint i = 0; a && i < a->len; i++) {
        const subscriber *s = &g_array_index(a, subscriber, i);
        if (s->cb == cb && s->ud == ud)
            return (int)s->stage;
    }
    for (guint i = 0; waiting && i < waiting->len; i++) {
        const subscriber *s = &g_array_index(waiting, subscriber, i);
        if (s->type == type && s->cb == cb && s->ud == ud)
            return (int)s->stage;
    }
    return -1;
}

void event_log(ev_log_level level, const char *jid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    ev_log ev = {level, jid, text};
    event_emit(EV_LOG, &ev);
    g_free(text);
}

void event_deinit(void)
{
    for (int i = 0; i < EV__COUNT; i++) {
        if (subscribers[i])
            g_array_free(subscribers[i], TRUE);
        subscribers[i] = NULL;
    }
    if (waiting)
        g_array_free(waiting, TRUE);
    waiting = NULL;
    removed = false;
}

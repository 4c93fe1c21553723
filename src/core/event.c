/* event.c - the event bus: a list of subscribers per event type. */
#include "core/event.h"

#include <glib.h>
#include <stdarg.h>

typedef struct {
    event_cb cb;
    void *ud;
} subscriber;

static GArray *subscribers[EV__COUNT];

void event_subscribe(event_type type, event_cb cb, void *ud)
{
    g_return_if_fail(type < EV__COUNT);
    if (!subscribers[type])
        subscribers[type] = g_array_new(FALSE, FALSE, sizeof(subscriber));
    subscriber s = {cb, ud};
    g_array_append_val(subscribers[type], s);
}

void event_unsubscribe(event_type type, event_cb cb, void *ud)
{
    GArray *a = subscribers[type];
    for (guint i = 0; a && i < a->len; i++) {
        subscriber *s = &g_array_index(a, subscriber, i);
        if (s->cb == cb && s->ud == ud) {
            g_array_remove_index(a, i);
            return;
        }
    }
}

void event_emit(event_type type, const void *payload)
{
    GArray *a = subscribers[type];
    if (!a)
        return;
    /* Index loop: a subscriber may subscribe others while we deliver. */
    for (guint i = 0; i < a->len; i++) {
        subscriber s = g_array_index(a, subscriber, i);
        s.cb(type, payload, s.ud);
    }
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
}

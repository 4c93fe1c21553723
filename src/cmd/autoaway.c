/* autoaway.c - away after auto_away minutes without input, and back to the
 * presence from before on the next key. Only an away that natter set is
 * undone: a presence the user chose meanwhile stays. */
#include "cmd/autoaway.h"

#include <glib.h>
#include <string.h>
#include <time.h>

#include "config/settings.h"
#include "core/event.h"
#include "core/loop.h"
#include "xmpp/xmpp.h"

static struct {
    int64_t last_ms;      /* loop_now_ms() of the last input */
    unsigned timer;       /* the next check, 0: none */
    bool away;            /* natter set us away ... */
    bool setting;         /* ... and is doing so right now */
    presence_show before; /* the presence to come back to */
    char *before_status;
    bool started;
} aa;

static void arm(void);

static void on_timer(void *ud)
{
    aa.timer = 0;
    long minutes = settings_get_int("auto_away");
    if (minutes <= 0 || aa.away)
        return;
    int64_t idle = loop_now_ms() - aa.last_ms;
    int64_t limit = (int64_t)minutes * 60000;
    if (idle < limit) {
        arm();
        return;
    }
    presence_show show = nx_own_show();
    if (show != PRESENCE_ONLINE && show != PRESENCE_CHAT)
        return; /* the user chose away, busy, ... already */
    aa.before = show;
    g_free(aa.before_status);
    aa.before_status = g_strdup(nx_own_status());
    aa.setting = true;
    nx_set_presence(PRESENCE_AWAY, aa.before_status);
    aa.setting = false;
    aa.away = true;
    event_log(LOG_INFO, NULL, "Away: no input for %ld minute%s (/set auto_away).", minutes,
              minutes == 1 ? "" : "s");
}

static void arm(void)
{
    if (aa.timer)
        loop_cancel_timer(aa.timer);
    aa.timer = 0;
    long minutes = settings_get_int("auto_away");
    if (minutes <= 0 || aa.away)
        return;
    int64_t left = (int64_t)minutes * 60000 - (loop_now_ms() - aa.last_ms);
    aa.timer = loop_add_timer(left > 0 ? (unsigned)left : 0, on_timer, NULL);
}

void autoaway_input(void)
{
    aa.last_ms = loop_now_ms();
    nx_set_last_input(time(NULL));
    if (aa.away) {
        aa.away = false;
        aa.setting = true;
        nx_set_presence(aa.before, aa.before_status);
        aa.setting = false;
        event_log(LOG_INFO, NULL, "Back: %s again.",
                  aa.before == PRESENCE_CHAT ? "chatty" : "online");
    }
    if (!aa.timer)
        arm();
}

static void on_own_presence(event_type t, const void *p, void *ud)
{
    if (!aa.setting)
        aa.away = false; /* the user chose: nothing to undo */
}

static void on_setting(event_type t, const void *p, void *ud)
{
    const ev_setting *ev = p;
    if (!g_strcmp0(ev->key, "auto_away"))
        arm();
}

void autoaway_init(void)
{
    aa.last_ms = loop_now_ms();
    nx_set_last_input(time(NULL));
    event_subscribe(EV_OWN_PRESENCE, EV_STAGE_CONTROL, on_own_presence, NULL);
    event_subscribe(EV_SETTING, EV_STAGE_CONTROL, on_setting, NULL);
    aa.started = true;
    arm();
}

void autoaway_deinit(void)
{
    if (!aa.started)
        return;
    event_unsubscribe(EV_OWN_PRESENCE, on_own_presence, NULL);
    event_unsubscribe(EV_SETTING, on_setting, NULL);
    if (aa.timer)
        loop_cancel_timer(aa.timer);
    g_free(aa.before_status);
    memset(&aa, 0, sizeof(aa));
}

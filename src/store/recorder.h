/* recorder.h - writes what happens on the event bus into the history
 * database. Call recorder_init() before ui_init() so history is written
 * before anything is shown. */
#ifndef NATTER_STORE_RECORDER_H
#define NATTER_STORE_RECORDER_H

#include <stdbool.h>

void recorder_init(void);
void recorder_deinit(void);

/* Key/value state in the open database (for nx_set_state_hooks). */
char *recorder_state_get(const char *key);
bool recorder_state_set(const char *key, const char *value);

#endif

/* recorder.h - writes what happens on the event bus into the history
 * database. Call recorder_init() before ui_init() so history is written
 * before anything is shown. */
#ifndef NATTER_STORE_RECORDER_H
#define NATTER_STORE_RECORDER_H

#include <stdbool.h>

void recorder_init(void);
void recorder_deinit(void);

/* FN tells whether a conversation is end-to-end encrypted now; a message
 * that comes in clear in such a conversation is stored with that mark
 * (STORE_TRUST_PLAIN), so the warning survives a restart. NULL: none. */
typedef bool (*recorder_encrypted_fn)(const char *peer);
void recorder_set_encrypted_hook(recorder_encrypted_fn fn);

/* Key/value state in the open database (for nx_set_state_hooks). */
char *recorder_state_get(const char *key);
bool recorder_state_set(const char *key, const char *value);

#endif

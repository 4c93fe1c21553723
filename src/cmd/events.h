/* events.h - the event stream for scripts: everything that happens in
 * natter as one JSON object a line, for `natter --remote --events`.
 *
 * Format version 1 (the man page documents it; keep it stable: add fields
 * or object types, never rename or remove one, and bump "v" when a field
 * must change its meaning). Every object has "v":1 and "type". The first
 * line a client gets is {"v":1,"type":"hello",...}.
 */
#ifndef NATTER_CMD_EVENTS_H
#define NATTER_CMD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#define EVENTS_VERSION 1

/* Kinds of events a client can ask for (--filter). */
enum {
    EVENTS_MESSAGES = 1 << 0,   /* message, correction, retraction, message_error */
    EVENTS_RECEIPTS = 1 << 1,   /* receipt: sent, acked, delivered, displayed */
    EVENTS_CHATSTATES = 1 << 2, /* chatstate */
    EVENTS_PRESENCE = 1 << 3,   /* presence, own_presence, subscription */
    EVENTS_ROOMS = 1 << 4,      /* room, occupant, invite */
    EVENTS_CONNECTION = 1 << 5, /* connection, sync */
    EVENTS_TRANSFERS = 1 << 6,  /* transfer */
    EVENTS_ALL = (1 << 7) - 1,
};

/* Parse a --filter value: comma-separated kinds (messages, receipts,
 * chatstates, presence, rooms, connection, transfers, all); NULL or "" is
 * all. Returns false with *ERR (g_free) naming the unknown word. */
bool events_parse_filter(const char *text, unsigned *mask, char **err);

/* Where the lines of one client go: LINE is one JSON object ending in
 * '\n', LEN bytes, borrowed for the call. */
typedef void (*events_sink)(const char *line, size_t len, void *ud);

/* Send every future event of the kinds in MASK to CB(.., UD). Returns an id
 * for events_remove_sink. */
unsigned events_add_sink(unsigned mask, events_sink cb, void *ud);
void events_remove_sink(unsigned id);

/* The hello line for a client of MASK (g_free), ending in '\n'. */
char *events_hello(unsigned mask);

/* The "dropped" line: COUNT events were not sent to a client that read too
 * slowly (g_free), ending in '\n'. */
char *events_dropped(unsigned long count);

/* Subscribe to the bus (stage EV_STAGE_CONTROL) / unsubscribe. */
void events_init(void);
void events_deinit(void);

#endif

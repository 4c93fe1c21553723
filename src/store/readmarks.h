/* readmarks.h - what the history keeps of the read state (issue 14): up to
 * which of our messages a contact displayed a one-to-one chat (XEP-0333
 * markers name the newest message read, and mean all before it), and when
 * natter received each incoming message. */
#ifndef NATTER_STORE_READMARKS_H
#define NATTER_STORE_READMARKS_H

#include <stdbool.h>
#include <stdint.h>

/* The contact of PEER displayed our messages up to ID (our message's id or
 * origin-id): remember its time as PEER's read mark, unless a later one is
 * kept already. Returns true when the mark moved; false when ID is not one
 * of our stored messages in PEER, or nothing is open. */
bool store_mark_read(const char *peer, const char *id);

/* PEER's read mark: our messages there written at or before this time (UTC
 * ms, as store_msg.ts) were displayed. 0 when none is known. */
int64_t store_read_upto(const char *peer);

/* When natter received the stored message ROWID (UTC ms), 0 when unknown
 * (ours, or stored before natter kept it). */
int64_t store_received_of(int64_t rowid);

/* Drop the prepared statements (at exit). */
void store_readmarks_deinit(void);

#endif

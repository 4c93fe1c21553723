/* internal.h - shared between the files of e2e/ only. */
#ifndef NATTER_E2E_INTERNAL_H
#define NATTER_E2E_INTERNAL_H

#include <strophe.h>

#include "e2e/e2e.h"
#include "omemo/omemo.h"

/* omemo.c (e2e/): the account and device lists. */

/* The open OMEMO account (borrowed), NULL while none. */
omemo_account *e2e_account(void);
/* Our own bare JID while an account is open (borrowed). */
const char *e2e_own_jid(void);
/* The device ids last seen in JID's device list (borrowed, guint32), NULL
 * when not known. FRESH: fetched or pushed during this connection. */
const GArray *e2e_devicelist(const char *jid, bool *fresh);
/* Fetch JID's device list now; DONE(ud) is called when it is known (or
 * not: the list then stays what it was). False when offline. */
bool e2e_fetch_devicelist(const char *jid, void (*done)(void *ud), void *ud);
/* Publish the bundle again soon (a pre-key was used up). */
void e2e_bundle_changed(void);

/* recv.c: the decryption hook. */
void e2e_recv_init(void);
void e2e_recv_deinit(void);

/* send.c: the queue of messages waiting for sessions. */
void e2e_send_reset(void);
/* Send an empty OMEMO message (key transport, no text) to DEVICE of JID,
 * which must have a session: it tells a device that built the session with
 * a pre-key message that it is complete. False with *ERR. */
bool e2e_send_key_transport(const char *jid, uint32_t device, char **err);

#endif

/* instance.h - what makes this installation of natter distinct on the wire.
 *
 * A server allows one session per full JID: two clients that bind the same
 * resource log each other out. natter's default resource is "natter.ID",
 * where ID is random, made once per installation and kept in
 * $XDG_DATA_HOME/natter/installation-id, so it is stable across restarts.
 * A second natter of the same installation on the same account (a second
 * terminal, say) takes "natter.ID-2", and so on: each slot is held by a lock
 * file in $XDG_STATE_HOME/natter/locks for as long as the process runs. */
#ifndef NATTER_CONFIG_INSTANCE_H
#define NATTER_CONFIG_INSTANCE_H

/* The resource for ACCOUNT (its name) when neither the account nor the
 * "resource" setting names one (g_free). The same for the same account for
 * the life of the process. Never NULL: without a writable data directory it
 * falls back to a random id for this run only. */
char *instance_resource(const char *account);

/* Release the slots held by this process (at exit; also for tests). */
void instance_release(void);

#endif

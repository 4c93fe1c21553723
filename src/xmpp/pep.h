/* pep.h - personal eventing (XEP-0163) for whoever keeps data on the
 * account's own PEP nodes and follows other accounts' nodes: publish an
 * item with publish-options (open access), fetch one item, and hear the
 * notifications of one node. Used by e2e/ for OMEMO device lists and
 * bundles; nothing here knows what the items mean. */
#ifndef NATTER_XMPP_PEP_H
#define NATTER_XMPP_PEP_H

#include <stdbool.h>

#include <strophe.h>

/* The outcome of a publish: OK, or ERROR (one line, borrowed). */
typedef void (*nx_pep_done_fn)(bool ok, const char *error, void *ud);

/* Publish PAYLOAD (an element, released here) as item ITEM_ID of our own
 * node NODE with publish-options pubsub#access_model=open, so anyone may
 * read it. When the server answers precondition-not-met (the node exists
 * with another configuration) the node is reconfigured to open access and
 * the item published again, once. CB (may be NULL) gets the outcome, also
 * when the connection goes first (not OK). False when offline (CB is not
 * called then). */
bool nx_pep_publish_open(const char *node, const char *item_id, xmpp_stanza_t *payload,
                         nx_pep_done_fn cb, void *ud);

/* Read the configuration of our own node NODE back and open it to everyone
 * when its access model is another (a server that ignored the
 * publish-options). CB (may be NULL) gets the outcome. False when offline. */
bool nx_pep_check_open(const char *node, nx_pep_done_fn cb, void *ud);

/* The answer to nx_pep_fetch: OK with the payload of the item (borrowed for
 * the call; NULL when the node has no such item), or not OK with ERROR
 * (one line; "item-not-found" when the node does not exist). */
typedef void (*nx_pep_item_fn)(bool ok, xmpp_stanza_t *payload, const char *error, void *ud);

/* Fetch item ITEM_ID (NULL: the newest) of node NODE of the bare JID JID.
 * Only an answer from JID itself counts. CB is called exactly once (not OK
 * when the connection goes first). False when offline (CB not called). */
bool nx_pep_fetch(const char *jid, const char *node, const char *item_id, nx_pep_item_fn cb,
                  void *ud);

/* A notification of node NODE from the bare JID FROM: the payload of its
 * newest item (borrowed). */
typedef void (*nx_pep_event_fn)(const char *from, xmpp_stanza_t *payload);

/* Hear the notifications of NODE (one hook per node, NULL removes it). */
void nx_pep_set_event_hook(const char *node, nx_pep_event_fn fn);

#endif

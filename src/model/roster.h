/* roster.h - contacts and their presence: plain data, no I/O.
 *
 * Holds the roster items the server sent (jid, name, groups, subscription)
 * and the presence of every resource we heard from, including JIDs that are
 * not in the roster. Aggregated presence of a contact is that of its
 * highest-priority available resource (ties: the more available show wins).
 */
#ifndef NATTER_MODEL_ROSTER_H
#define NATTER_MODEL_ROSTER_H

#include <glib.h>
#include <stdbool.h>
#include <time.h>

typedef enum {
    PRESENCE_OFFLINE = 0,
    PRESENCE_XA,
    PRESENCE_AWAY,
    PRESENCE_DND,
    PRESENCE_ONLINE,
    PRESENCE_CHAT,
} presence_show;

typedef struct {
    char *name;
    presence_show show;
    char *status;
    int priority;
    time_t idle_since; /* XEP-0319: idle since (UTC), 0 when not idle */
} roster_resource;

typedef struct {
    char *jid;             /* bare JID, normalised */
    char *name;            /* roster name or NULL */
    char **groups;         /* NULL-terminated, never NULL */
    char *subscription;    /* none/to/from/both */
    bool ask;              /* subscription request pending (ask='subscribe') */
    bool in_roster;        /* false: only known from presence */
    GHashTable *resources; /* name -> roster_resource* */
    presence_show show;    /* aggregated */
    char *status;          /* aggregated status text, or NULL */
} roster_contact;

void roster_init(void);
void roster_deinit(void);

/* Forget all items and presence (new login). */
void roster_clear(void);

/* The contact for bare JID, or NULL (borrowed). */
roster_contact *roster_find(const char *bare);

/* Add or update a roster item; GROUPS may be NULL. Returns the contact. */
roster_contact *roster_set_item(const char *bare, const char *name, const char *const *groups,
                                const char *subscription, bool ask);

/* Mark bare JID as no longer in the roster (presence data is kept). */
void roster_remove_item(const char *bare);

/* Record presence of BARE/RESOURCE (RESOURCE may be NULL or "").
 * SHOW == PRESENCE_OFFLINE removes that resource. Returns true when the
 * aggregated show or status changed; *OLD_SHOW gets the previous one. */
bool roster_set_presence(const char *bare, const char *resource, presence_show show,
                         const char *status, int priority, presence_show *old_show);

/* Record that BARE/RESOURCE (an available resource) is idle since SINCE
 * (0: not idle). Nothing happens for a resource that is not known. */
void roster_set_idle(const char *bare, const char *resource, time_t since);

/* Everyone offline (we lost the connection). */
void roster_clear_presence(void);

/* Roster items (in_roster) sorted by group (first group; none last as
 * "General"), then by display name, case-insensitively. Borrowed array,
 * valid until the roster changes. */
GPtrArray *roster_sorted(void);

/* Number of roster items. */
guint roster_count(void);

/* Incremented on every change (UI compares it to know what to redraw). */
guint64 roster_version(void);

/* Name to show for BARE: roster name, else its localpart, else BARE.
 * Returns a new string (g_free). */
char *roster_display_name(const char *bare);

/* "online", "away", ... and back; unknown strings give PRESENCE_ONLINE. */
const char *presence_show_name(presence_show show);
presence_show presence_show_parse(const char *s, bool *ok);

/* All contacts whose bare JID or name starts with PREFIX (for completion);
 * a new GPtrArray of g_strdup'ed JIDs (free with g_ptr_array_unref). */
GPtrArray *roster_complete(const char *prefix);

#endif

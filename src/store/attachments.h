/* attachments.h - files that messages link to, kept with the history: the
 * link, the name to save it as, and where it was saved. An attachment's id
 * is the number the user types (/download N). */
#ifndef NATTER_STORE_ATTACHMENTS_H
#define NATTER_STORE_ATTACHMENTS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t id;  /* the attachment's number */
    int64_t msg; /* the message's row id */
    char *peer;  /* the message's conversation (bare JID) */
    char *url;
    char *name;   /* safe name to save it as */
    int64_t size; /* bytes, -1 while unknown */
    char *saved;  /* where it was saved, or NULL */
} store_attachment;

/* Record that message MSG links to URL, to be saved as NAME. Returns the
 * attachment's id (the one it has already when MSG has one), 0 when nothing
 * is open or the write fails. */
int64_t store_attachment_add(int64_t msg, const char *url, const char *name);

/* A correction changed message MSG's text to link to URL (saved as
 * NAME): its attachment now is that file, keeping its number; a new one
 * when it had none. Returns the attachment's id, 0 when nothing is open or
 * the write fails. */
int64_t store_attachment_relink(int64_t msg, const char *url, const char *name);

/* A correction took the link out of message MSG's text: it has no
 * attachment any more (a file saved from it stays where it is). False
 * when nothing is open or the write fails. */
bool store_attachment_unlink(int64_t msg);

/* Attachment ID, or that of message MSG; NULL when there is none
 * (store_attachment_free). */
store_attachment *store_attachment_get(int64_t id);
store_attachment *store_attachment_of_msg(int64_t msg);

/* Remember that attachment ID was saved at PATH, SIZE bytes. */
bool store_attachment_saved(int64_t id, const char *path, int64_t size);

/* Free A (NULL is fine). */
void store_attachment_free(store_attachment *a);

#endif

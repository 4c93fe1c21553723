/* transfer.h - file uploads: a slot from the server's upload service
 * (XEP-0363), the file streamed over HTTPS, then its link sent to the
 * conversation. Every step is announced as EV_TRANSFER. */
#ifndef NATTER_FILES_TRANSFER_H
#define NATTER_FILES_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

typedef struct {
    unsigned num;
    char *peer, *path, *name;
    uint64_t size, done;
    double rate;    /* bytes a second */
    bool sending;   /* the HTTP transfer runs (else: waiting for a slot) */
    bool encrypted; /* sent encrypted, as aesgcm:// (an OMEMO chat) */
} upload_info;

/* Upload the file at PATH ("~/" expanded) and send its link to PEER (a
 * contact or room JID). False with *ERR when it cannot start (no such file,
 * a directory, unreadable, too large for the server, offline); failures later
 * come as EV_TRANSFER. Returns the transfer's number in *NUM. */
bool files_upload(const char *peer, const char *path, unsigned *num, char **err);

/* The uploads running now (upload_info*, borrowed), oldest first. */
const GPtrArray *files_uploads(void);

/* Stop upload NUM: nothing is sent. False with *ERR when there is none. */
bool files_cancel(unsigned num, char **err);

/* A new transfer number: uploads and downloads share them. */
unsigned files_transfer_num(void);

/* Cancel everything (at exit). */
void files_deinit(void);

#endif

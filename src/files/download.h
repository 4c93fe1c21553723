/* download.h - received files: a message's link recorded as an attachment
 * (numbered, kept with the history), fetched on request (/download N) over
 * HTTPS into download_dir, decrypted when it is an aesgcm:// link, saved
 * under a safe name that never replaces a file; opened with open_command.
 * Every step is announced as EV_TRANSFER (upload false). */
#ifndef NATTER_FILES_DOWNLOAD_H
#define NATTER_FILES_DOWNLOAD_H

#include <stdbool.h>

#include <glib.h>

#include "files/transfer.h"

/* A running download, shaped like an upload: PATH is where it will be
 * saved (the folder), SENDING always true. */
typedef upload_info download_info;

/* Start recording the attachments of messages as they are stored. */
void files_attach_init(void);
void files_attach_deinit(void);

/* The folder downloads go to: download_dir, else $XDG_DOWNLOAD_DIR, else
 * ~/Downloads (g_free). */
char *files_download_dir(void);

/* Fetch attachment ID into DEST: a folder, a file name (which must not
 * exist), or NULL for download_dir. False with *ERR when it cannot start;
 * later failures come as EV_TRANSFER. The transfer's number goes to *NUM. */
bool files_download(long long id, const char *dest, unsigned *num, char **err);

/* The downloads running now (download_info*, borrowed), oldest first. */
const GPtrArray *files_downloads(void);

/* Stop download NUM and remove what it wrote. False with *ERR. */
bool files_download_cancel(unsigned num, char **err);

/* Run open_command on the saved file of attachment ID (never on a link).
 * False with *ERR when it is not downloaded or cannot be started. */
bool files_open(long long id, char **err);

/* Cancel every download and remove what they wrote (at exit). */
void files_download_deinit(void);

#endif

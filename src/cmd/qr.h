/* qr.h - a QR code drawn with text: two rows of modules per line of
 * Unicode half blocks, for /omemo qr. */
#ifndef NATTER_CMD_QR_H
#define NATTER_CMD_QR_H

#include <glib.h>

/* The QR code of TEXT (error correction M) as lines of half blocks, with a
 * quiet zone of QR_QUIET modules: light modules and the quiet zone are
 * drawn (the terminal's foreground, light on a dark background), dark
 * modules are spaces (g_strfreev). NULL with *ERR when TEXT does not fit. */
#define QR_QUIET 2
char **qr_lines(const char *text, char **err);

#endif

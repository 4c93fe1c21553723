/* qr.c - QR codes as text (see qr.h), with libqrencode. */
#include "cmd/qr.h"

#include <errno.h>
#include <stdbool.h>
#include <qrencode.h>
#include <string.h>

/* Whether module (X, Y) of the W x W symbol Q, quiet zone included
 * (coordinates may fall in it), is dark. */
static bool dark(const QRcode *q, int x, int y)
{
    int w = q->width;
    x -= QR_QUIET;
    y -= QR_QUIET;
    if (x < 0 || y < 0 || x >= w || y >= w)
        return false;
    return q->data[y * w + x] & 1;
}

char **qr_lines(const char *text, char **err)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) {
        *err = g_strdup_printf("cannot make a QR code (%s)", g_strerror(errno));
        return NULL;
    }
    int size = q->width + 2 * QR_QUIET;
    GPtrArray *lines = g_ptr_array_new();
    for (int y = 0; y < size; y += 2) {
        GString *s = g_string_new(NULL);
        for (int x = 0; x < size; x++) {
            /* Drawn: light modules (the terminal's foreground colour). */
            bool top = !dark(q, x, y);
            bool bottom = y + 1 < size ? !dark(q, x, y + 1) : false;
            g_string_append(s, top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ");
        }
        g_ptr_array_add(lines, g_string_free(s, FALSE));
    }
    g_ptr_array_add(lines, NULL);
    QRcode_free(q);
    return (char **)g_ptr_array_free(lines, FALSE);
}

/* castore.h - the system's certificate authorities, read only as needed.
 *
 * OpenSSL's default verify paths parse the whole system CA bundle (on
 * Debian about 150 certificates, close to 1 MB of heap) into every TLS
 * context, while the hashed certificate directory beside it (c_rehash
 * names) is read lazily: only the certificates a chain names. Where the
 * directory holds the bundle's certificates, natter verifies against the
 * directory alone: the same trust anchors, without the parsed copy.
 */
#ifndef NATTER_NET_CASTORE_H
#define NATTER_NET_CASTORE_H

#include <stdbool.h>

/* Certificates in the PEM file PATH (BEGIN CERTIFICATE and BEGIN TRUSTED
 * CERTIFICATE blocks), or -1 when it cannot be read. */
int castore_count_bundle(const char *path);

/* Certificates under hashed names (8 hex digits, '.', a number) in DIRS, a
 * colon-separated list of directories as in SSL_CERT_DIR. */
int castore_count_hashed(const char *dirs);

/* Whether the directories DIRS hold at least as many certificates as the
 * bundle FILE has (update-ca-certificates makes both from one set), so
 * that looking certificates up in DIRS alone trusts what FILE trusts. */
bool castore_dir_covers_bundle(const char *file, const char *dirs);

/* Call once at start, before any TLS: unless SSL_CERT_FILE names a bundle
 * other than the system's, and when the default directory covers the
 * system bundle, point SSL_CERT_FILE at an empty file for this process, so
 * that OpenSSL's default paths use the directory alone. Child processes
 * get the environment natter was started with. Returns true when it did
 * so. */
bool castore_prefer_directory(void);

#endif

/* http.h - HTTP transfers on natter's one loop.
 *
 * libcurl's multi interface, driven by the same poll() as everything else:
 * no threads, no blocking. A transfer streams between the network and a file
 * descriptor, so memory does not grow with the file. Progress is reported a
 * few times a second, not per packet; the end is reported exactly once
 * (unless the transfer is cancelled, which reports nothing).
 *
 * HTTPS is always verified: against the system's trust store, plus the CA
 * file or directory given (the account's ca_file/ca_path settings).
 */
#ifndef NATTER_NET_HTTP_H
#define NATTER_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct http_transfer http_transfer;

/* DONE and TOTAL bytes so far (TOTAL 0: not known yet). */
typedef void (*http_progress_fn)(http_transfer *t, uint64_t done, uint64_t total, void *ud);
/* The transfer ended: OK when the server answered 2xx; else ERROR says why
 * in a few words ("HTTP 413", "connection refused", ...). T is freed after
 * this returns. */
typedef void (*http_done_fn)(http_transfer *t, bool ok, long status, const char *error, void *ud);

typedef struct {
    const char *ca_file; /* extra CA file, or NULL/"" */
    const char *ca_path; /* extra CA directory, or NULL/"" */
    uint64_t max_speed;  /* bytes a second, 0: no limit */
    http_progress_fn progress;
    http_done_fn done;
    void *ud;
    /* GET: when set, the body goes to SINK (with UD) instead of the file
     * descriptor (which may then be -1); false stops the transfer as a
     * write error, errno saying why. */
    bool (*sink)(const void *buf, size_t len, void *ud);
    /* PUT: when set, the body is read from SOURCE (with UD) instead of the
     * file descriptor (which may then be -1): it fills at most LEN bytes of
     * BUF and returns how many, 0 at the end, or -1 on an error (errno). */
    ssize_t (*source)(void *buf, size_t len, void *ud);
} http_options;

/* Set up / tear down (deinit cancels what still runs). */
bool http_init(char **err);
void http_deinit(void);

/* PUT SIZE bytes read from FD (taken over: closed when the transfer ends) to
 * URL with HEADERS ("Name: value", NULL-terminated; may be NULL). Returns the
 * transfer, or NULL with *ERR. */
http_transfer *http_put(const char *url, int fd, uint64_t size, const char *content_type,
                        const char *const *headers, const http_options *opt, char **err);

/* GET URL into FD (taken over: closed when the transfer ends); more than
 * MAX_SIZE bytes (0: no limit) is an error. */
http_transfer *http_get(const char *url, int fd, uint64_t max_size, const http_options *opt,
                        char **err);

/* Stop T now; no callback follows. */
void http_cancel(http_transfer *t);

/* Transfers running now. */
unsigned http_running(void);

#endif

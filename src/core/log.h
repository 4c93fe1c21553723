/* log.h - the debug log file (off unless --log FILE is given).
 *
 * Never log passwords: the XMPP layer redacts SASL exchanges before they get
 * here.
 */
#ifndef NATTER_CORE_LOG_H
#define NATTER_CORE_LOG_H

#include <stdbool.h>

/* Open PATH for appending (0600). Returns false with *ERR (g_free) on failure. */
bool log_open(const char *path, char **err);
void log_close(void);
/* True when a log file is open. */
bool log_enabled(void);
/* Write one timestamped line: "LEVEL area: text". */
void log_write(const char *level, const char *area, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(area, ...) log_write("DEBUG", area, __VA_ARGS__)
#define log_info(area, ...) log_write("INFO", area, __VA_ARGS__)
#define log_warn(area, ...) log_write("WARN", area, __VA_ARGS__)
#define log_error(area, ...) log_write("ERROR", area, __VA_ARGS__)

#endif

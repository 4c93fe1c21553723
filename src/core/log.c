/* log.c - append-only debug log. */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static FILE *log_file;

bool log_open(const char *path, char **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        *err = g_strdup_printf("cannot open log %s: %s", path, g_strerror(errno));
        return false;
    }
    log_file = fdopen(fd, "a");
    if (!log_file) {
        close(fd);
        *err = g_strdup_printf("cannot open log %s", path);
        return false;
    }
    setvbuf(log_file, NULL, _IOLBF, 0);
    return true;
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

bool log_enabled(void)
{
    return log_file != NULL;
}

void log_write(const char *level, const char *area, const char *fmt, ...)
{
    if (!log_file)
        return;
    GDateTime *now = g_date_time_new_now_utc();
    char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
    fprintf(log_file, "%s.%03dZ %s %s: ", stamp, g_date_time_get_microsecond(now) / 1000, level,
            area);
    g_free(stamp);
    g_date_time_unref(now);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file, fmt, ap);
    va_end(ap);
    fputc('\n', log_file);
}

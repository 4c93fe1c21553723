/* values.h - checks and parsers shared by the settings and accounts files. */
#ifndef NATTER_CONFIG_VALUES_H
#define NATTER_CONFIG_VALUES_H

#include <stdbool.h>

/* True when S (valid UTF-8) has a C0/C1 control character or DEL. */
bool config_has_control(const char *s);

/* Parse a boolean: on/off, true/false, yes/no, 1/0 in any case. Returns
 * false (and leaves *OUT alone) for anything else. */
bool config_parse_bool(const char *s, bool *out);

/* Parse a daily time range "HH:MM-HH:MM" (may wrap midnight; "" means none)
 * into minutes since midnight; *ENABLED is false for "". Returns false for
 * a malformed value. */
bool config_parse_time_range(const char *s, int *from_min, int *to_min, bool *enabled);

#endif

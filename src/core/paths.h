/* paths.h - where natter keeps its files (XDG base directories).
 *
 * config: $XDG_CONFIG_HOME/natter   (settings, accounts, themes)
 * data:   $XDG_DATA_HOME/natter     (history databases)
 * state:  $XDG_STATE_HOME/natter    (logs)
 * Directories are created on demand with mode 0700.
 */
#ifndef NATTER_CORE_PATHS_H
#define NATTER_CORE_PATHS_H

#include <stdbool.h>

/* Borrowed paths of natter's directories (computed once). */
const char *paths_config_dir(void);
const char *paths_data_dir(void);
const char *paths_state_dir(void);

/* New string DIR/NAME (g_free). */
char *paths_config_file(const char *name);

/* Create DIR and its parents with mode 0700 (existing dirs are tightened to
 * 0700 when they are natter's own). Returns false with *ERR (g_free). */
bool paths_ensure_dir(const char *dir, char **err);

/* Forget cached paths (tests). */
void paths_reset(void);

#endif

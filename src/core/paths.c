/* paths.c - XDG directories for natter. */
#include "core/paths.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

static char *config_dir, *data_dir, *state_dir;

static char *xdg_dir(const char *env, const char *fallback)
{
    const char *v = g_getenv(env);
    if (v && g_path_is_absolute(v))
        return g_build_filename(v, "natter", NULL);
    return g_build_filename(g_get_home_dir(), fallback, "natter", NULL);
}

const char *paths_config_dir(void)
{
    if (!config_dir)
        config_dir = xdg_dir("XDG_CONFIG_HOME", ".config");
    return config_dir;
}

const char *paths_data_dir(void)
{
    if (!data_dir)
        data_dir = xdg_dir("XDG_DATA_HOME", ".local/share");
    return data_dir;
}

const char *paths_state_dir(void)
{
    if (!state_dir)
        state_dir = xdg_dir("XDG_STATE_HOME", ".local/state");
    return state_dir;
}

char *paths_config_file(const char *name)
{
    return g_build_filename(paths_config_dir(), name, NULL);
}

bool paths_ensure_dir(const char *dir, char **err)
{
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        *err = g_strdup_printf("cannot create %s: %s", dir, g_strerror(errno));
        return false;
    }
    g_chmod(dir, 0700);
    return true;
}

void paths_reset(void)
{
    g_clear_pointer(&config_dir, g_free);
    g_clear_pointer(&data_dir, g_free);
    g_clear_pointer(&state_dir, g_free);
}

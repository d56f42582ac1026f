/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-paths-private.h"

/* The XDG variables are read on every call rather than through GLib's
 * cached g_get_user_*_dir(), so that a test or a daemon that moves them at
 * run time is honoured. */
static gchar *
upd_paths_xdg(const gchar *variable, const gchar *fallback)
{
	const gchar *value = g_getenv(variable);
	if (value != NULL && g_path_is_absolute(value))
		return g_strdup(value);
	return g_build_filename(g_get_home_dir(), fallback, NULL);
}

gchar *
upd_paths_state_dir(void)
{
	g_autofree gchar *base = upd_paths_xdg("XDG_STATE_HOME", ".local/state");
	return g_build_filename(base, "updater", NULL);
}

gchar *
upd_paths_app_state_dir(const gchar *app_id)
{
	g_autofree gchar *base = upd_paths_state_dir();
	return g_build_filename(base, "apps", app_id, NULL);
}

gchar *
upd_paths_cache_dir(void)
{
	g_autofree gchar *base = upd_paths_xdg("XDG_CACHE_HOME", ".cache");
	return g_build_filename(base, "updater", NULL);
}

gchar *
upd_paths_apps_dir(void)
{
	g_autofree gchar *base = upd_paths_xdg("XDG_CONFIG_HOME", ".config");
	return g_build_filename(base, "updater", "apps.d", NULL);
}

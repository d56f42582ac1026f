/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $XDG_STATE_HOME/updater */
gchar *
upd_paths_state_dir(void);
/* $XDG_STATE_HOME/updater/apps/<app-id> */
gchar *
upd_paths_app_state_dir(const gchar *app_id);
/* $XDG_CACHE_HOME/updater */
gchar *
upd_paths_cache_dir(void);
/* $XDG_CONFIG_HOME/updater/apps.d */
gchar *
upd_paths_apps_dir(void);

G_END_DECLS

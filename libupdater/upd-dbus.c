/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-dbus-private.h"

gchar *
upd_dbus_app_path(const gchar *app_id)
{
	g_autofree gchar *escaped = g_dbus_escape_object_path(app_id);
	return g_strdup_printf(UPD_DBUS_APPS_PATH "/%s", escaped);
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-dbus-generated.h"

G_BEGIN_DECLS

#define UPD_DBUS_NAME	   "org.libupdater.Updater1"
#define UPD_DBUS_PATH	   "/org/libupdater/Updater1"
#define UPD_DBUS_APPS_PATH "/org/libupdater/Updater1/apps"

/* /org/libupdater/Updater1/apps/<application id escaped> */
gchar *
upd_dbus_app_path(const gchar *app_id);

G_END_DECLS

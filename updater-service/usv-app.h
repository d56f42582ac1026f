/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "upd-dbus-private.h"
#include "updater.h"

G_BEGIN_DECLS

/* One registered application inside updater-service: its D-Bus object, its
 * operations (one at a time; identical requests share one run), and its
 * schedule. */
#define USV_TYPE_APP (usv_app_get_type())
G_DECLARE_FINAL_TYPE(UsvApp, usv_app, USV, APP, GObject)

/* @network and @power: the monitors to obey; the defaults in the daemon, test
 * implementations in tests. @swap_timeout: seconds a host has to report a
 * swap. */
UsvApp *
usv_app_new(UpdAppConfig *config,
	    GNetworkMonitor *network,
	    GPowerProfileMonitor *power,
	    guint swap_timeout);
const gchar *
usv_app_get_id(UsvApp *self);
UpdAppConfig *
usv_app_get_config(UsvApp *self);
UpdDBusObjectSkeleton *
usv_app_get_object(UsvApp *self);
/* starts the schedule: the first check comes after @first_delay seconds */
void
usv_app_start(UsvApp *self, guint first_delay);
/* cancels what runs and stops the schedule, before the app is forgotten */
void
usv_app_shutdown(UsvApp *self);
gboolean
usv_app_is_busy(UsvApp *self);
/* whether the daemon is to check on its own later */
gboolean
usv_app_has_schedule(UsvApp *self);
/* @bus_name runs an UpdPluginHost with @plugins of this application */
void
usv_app_add_host(UsvApp *self, const gchar *bus_name, const gchar *const *plugins);
void
usv_app_remove_host(UsvApp *self, const gchar *bus_name);

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* updater-service itself: owns org.libupdater.Updater1 on a bus, serves the
 * manager object and one UsvApp per application of apps.d, and notices when
 * it has nothing to do. */
#define USV_TYPE_DAEMON (usv_daemon_get_type())
G_DECLARE_FINAL_TYPE(UsvDaemon, usv_daemon, USV, DAEMON, GObject)

typedef struct {
	/* seconds without work after which ::idle is emitted; 0: never */
	guint idle_timeout;
	/* seconds after start before the first scheduled check of an
	 * application that was never checked */
	guint first_check_delay;
	/* seconds a host has to report a swap */
	guint swap_timeout;
} UsvDaemonOptions;

UsvDaemon *
usv_daemon_new(const UsvDaemonOptions *options,
	       GNetworkMonitor *network,
	       GPowerProfileMonitor *power);
/* loads apps.d and exports everything on @connection */
gboolean
usv_daemon_start(UsvDaemon *self, GDBusConnection *connection, GError **error);
/* cancels what runs: callers get an error, partial downloads stay */
void
usv_daemon_stop(UsvDaemon *self);

G_END_DECLS

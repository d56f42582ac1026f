/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "updater.h"
#include "upt-cli.h"

G_BEGIN_DECLS

/* updaterctl: the command line, in-process (--config FILE) or as a client of
 * updater-service */

typedef struct {
	gchar *config;
	gboolean json;
	gboolean verbose;
	gboolean version;
	gboolean force;
} UsvCtlOptions;

/* shared */
void
usv_ctl_async_cb(GObject *source, GAsyncResult *res, gpointer user_data);
/* runs the default main context until *@res is set, so that the SIGINT and
 * SIGTERM sources can cancel */
GAsyncResult *
usv_ctl_wait(GAsyncResult **res);
void
usv_ctl_print_notes(const gchar *notes);
gchar *
usv_ctl_format_time(gint64 when);
void
usv_ctl_print_history(UsvCtlOptions *opts, const gchar *app_id, GVariant *history);

/* in-process, with --config FILE */
int
usv_ctl_local_check(UsvCtlOptions *opts, GCancellable *cancellable);
int
usv_ctl_local_download(UsvCtlOptions *opts, GCancellable *cancellable);
int
usv_ctl_local_install(UsvCtlOptions *opts, GCancellable *cancellable);
int
usv_ctl_local_rollback(UsvCtlOptions *opts, GCancellable *cancellable);
int
usv_ctl_local_history(UsvCtlOptions *opts, GCancellable *cancellable);
int
usv_ctl_local_status(UsvCtlOptions *opts, GCancellable *cancellable);

/* through updater-service; @app may be NULL where the command allows */
int
usv_ctl_bus_run(UsvCtlOptions *opts,
		const gchar *command,
		const gchar *argument,
		GCancellable *cancellable);

G_END_DECLS

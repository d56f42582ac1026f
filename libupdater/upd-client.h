/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <gio/gio.h>

#include "upd-app-config.h"
#include "upd-build.h"
#include "upd-check-result.h"
#include "upd-plan.h"

G_BEGIN_DECLS

#define UPD_TYPE_CLIENT (upd_client_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdClient, upd_client, UPD, CLIENT, GObject)

UPD_AVAILABLE_IN_ALL
UpdClient *
upd_client_new(UpdAppConfig *config) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdAppConfig *
upd_client_get_config(UpdClient *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gchar *
upd_client_get_installed_version(UpdClient *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_client_set_installed_version(UpdClient *self, const gchar *version) UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
void
upd_client_set_include_skipped(UpdClient *self, gboolean include_skipped) UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
void
upd_client_check_async(UpdClient *self,
		       GCancellable *cancellable,
		       GAsyncReadyCallback callback,
		       gpointer user_data) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdCheckResult *
upd_client_check_finish(UpdClient *self,
			GAsyncResult *res,
			GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
UpdCheckResult *
upd_client_check(UpdClient *self,
		 GCancellable *cancellable,
		 GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
void
upd_client_plan_async(UpdClient *self,
		      UpdCheckResult *result,
		      UpdRelease *release,
		      GCancellable *cancellable,
		      GAsyncReadyCallback callback,
		      gpointer user_data) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
UpdPlan *
upd_client_plan_finish(UpdClient *self, GAsyncResult *res, GError **error) G_GNUC_WARN_UNUSED_RESULT
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
UpdPlan *
upd_client_plan(UpdClient *self,
		UpdCheckResult *result,
		UpdRelease *release,
		GCancellable *cancellable,
		GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1, 2);

G_END_DECLS

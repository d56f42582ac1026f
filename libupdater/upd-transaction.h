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
#include "upd-plan.h"

G_BEGIN_DECLS

#define UPD_TYPE_TRANSACTION (upd_transaction_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdTransaction, upd_transaction, UPD, TRANSACTION, GObject)

/**
 * UpdInstallFlags:
 * @UPD_INSTALL_FLAGS_NONE: no flags
 * @UPD_INSTALL_FLAGS_FORCE: install even when the version is current already
 *
 * How to install.
 */
typedef enum {
	UPD_INSTALL_FLAGS_NONE = 0,
	UPD_INSTALL_FLAGS_FORCE = 1 << 0,
} UpdInstallFlags;

UPD_AVAILABLE_IN_ALL
UpdTransaction *
upd_transaction_new(UpdAppConfig *config) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_transaction_recover(UpdTransaction *self, GCancellable *cancellable, GError **error)
	UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_transaction_install_async(UpdTransaction *self,
			      UpdPlan *plan,
			      UpdInstallFlags flags,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_transaction_install_finish(UpdTransaction *self, GAsyncResult *res, GError **error)
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_transaction_install(UpdTransaction *self,
			UpdPlan *plan,
			UpdInstallFlags flags,
			GCancellable *cancellable,
			GError **error) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
void
upd_transaction_rollback_async(UpdTransaction *self,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gchar *
upd_transaction_rollback_finish(UpdTransaction *self,
				GAsyncResult *res,
				GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gchar *
upd_transaction_rollback(UpdTransaction *self,
			 GCancellable *cancellable,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gchar *
upd_transaction_get_current_version(UpdTransaction *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GStrv
upd_transaction_get_versions(UpdTransaction *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GStrv
upd_transaction_get_skipped(UpdTransaction *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GVariant *
upd_transaction_get_history(UpdTransaction *self, GError **error) UPD_NONNULL(1);

G_END_DECLS

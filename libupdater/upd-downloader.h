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

#define UPD_TYPE_DOWNLOADER (upd_downloader_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdDownloader, upd_downloader, UPD, DOWNLOADER, GObject)

UPD_AVAILABLE_IN_ALL
UpdDownloader *
upd_downloader_new(UpdAppConfig *config) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_downloader_set_max_parallel(UpdDownloader *self, guint max_parallel) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_downloader_set_stall_timeout(UpdDownloader *self, guint seconds) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_downloader_set_retry_policy(UpdDownloader *self,
				guint max_attempts,
				guint first_delay_ms,
				guint max_delay_ms) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_downloader_download_async(UpdDownloader *self,
			      UpdPlan *plan,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_downloader_download_finish(UpdDownloader *self, GAsyncResult *res, GError **error)
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_downloader_download(UpdDownloader *self,
			UpdPlan *plan,
			GCancellable *cancellable,
			GError **error) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
guint64
upd_downloader_get_bytes_received(UpdDownloader *self) UPD_NONNULL(1);

G_END_DECLS

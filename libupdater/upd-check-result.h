/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <glib-object.h>

#include "upd-build.h"
#include "upd-manifest.h"
#include "upd-release.h"

G_BEGIN_DECLS

#define UPD_TYPE_CHECK_RESULT (upd_check_result_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdCheckResult, upd_check_result, UPD, CHECK_RESULT, GObject)

UPD_AVAILABLE_IN_ALL
UpdManifest *
upd_check_result_get_manifest(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_check_result_get_installed_version(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_check_result_get_available(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdRelease *
upd_check_result_get_update(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_check_result_get_mandatory(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_check_result_get_poll_interval(UpdCheckResult *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_check_result_get_source_url(UpdCheckResult *self) UPD_NONNULL(1);

G_END_DECLS

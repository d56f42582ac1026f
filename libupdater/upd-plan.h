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

#define UPD_TYPE_PLAN (upd_plan_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdPlan, upd_plan, UPD, PLAN, GObject)

UPD_AVAILABLE_IN_ALL
UpdManifest *
upd_plan_get_manifest(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdRelease *
upd_plan_get_release(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_plan_get_installed_version(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_plan_get_n_objects(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_plan_get_n_fetch(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_plan_get_n_cached(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_plan_get_n_reused(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint64
upd_plan_get_download_size(UpdPlan *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint64
upd_plan_get_content_size(UpdPlan *self) UPD_NONNULL(1);

G_END_DECLS

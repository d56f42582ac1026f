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
#include "upd-release.h"

G_BEGIN_DECLS

#define UPD_TYPE_MANIFEST (upd_manifest_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdManifest, upd_manifest, UPD, MANIFEST, GObject)

/**
 * UPD_MANIFEST_MAX_SIZE:
 *
 * The largest signed manifest accepted, in bytes.
 */
#define UPD_MANIFEST_MAX_SIZE (64 * 1024 * 1024)

UPD_AVAILABLE_IN_ALL
UpdManifest *
upd_manifest_new_verified(GBytes *signed_manifest,
			  GPtrArray *keys,
			  const gchar *app_id,
			  const gchar *channel,
			  guint64 min_serial,
			  gint64 now,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1, 2, 3, 4);

UPD_AVAILABLE_IN_ALL
const gchar *
upd_manifest_get_app_id(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_manifest_get_channel(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint64
upd_manifest_get_serial(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gint64
upd_manifest_get_issued_at(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gint64
upd_manifest_get_expires_at(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_manifest_get_key_id(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_manifest_get_releases(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdRelease *
upd_manifest_get_release(UpdManifest *self, const gchar *version) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_manifest_get_mirrors(UpdManifest *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GBytes *
upd_manifest_get_signed_bytes(UpdManifest *self) UPD_NONNULL(1);

G_END_DECLS

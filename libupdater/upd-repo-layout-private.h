/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Repository layout, relative to an application's Endpoint (its base URL)
 * and to the repository directory on disk. Static servers serve it as is.
 *
 *   v1/check                          POST CheckRequest -> CheckResponse
 *                                     (updater-server only; 404/405 elsewhere)
 *   apps/<app-id>/<channel>/manifest  the channel's SignedManifest
 *   objects/<aa>/<sha256>[.zst]       content, named by the SHA-256 of the
 *                                     uncompressed bytes; ".zst" when stored
 *                                     zstd-compressed
 *   deltas/<aa>/<base>-<target>.<fmt> binary deltas (see updater.proto)
 */
#define UPD_REPO_CHECK_PATH  "v1/check"
#define UPD_REPO_APPS_DIR    "apps"
#define UPD_REPO_OBJECTS_DIR "objects"
#define UPD_REPO_DELTAS_DIR  "deltas"
#define UPD_REPO_PACKS_DIR   "packs"
#define UPD_REPO_MANIFEST    "manifest"
#define UPD_REPO_MAX_REQUEST (1024 * 1024)

gchar *
upd_repo_manifest_path(const gchar *app_id, const gchar *channel);
gchar *
upd_repo_object_path(const guint8 *sha256, gboolean zstd);
/* "deltas/<aa>/<base>-<target>.<extension>", <aa> being the first two hex
 * digits of the base's digest */
gchar *
upd_repo_delta_path(const guint8 *base_sha256, const guint8 *target_sha256, const gchar *extension);
/* "packs/<aa>/<sha256>.pack" */
gchar *
upd_repo_pack_path(const guint8 *sha256);

G_END_DECLS

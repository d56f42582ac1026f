/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-repo-layout-private.h"
#include "upd-sha256-private.h"

gchar *
upd_repo_manifest_path(const gchar *app_id, const gchar *channel)
{
	return g_strdup_printf(UPD_REPO_APPS_DIR "/%s/%s/" UPD_REPO_MANIFEST, app_id, channel);
}

gchar *
upd_repo_object_path(const guint8 *sha256, gboolean zstd)
{
	g_autofree gchar *hex = upd_sha256_to_hex(sha256);
	return g_strdup_printf(UPD_REPO_OBJECTS_DIR "/%.2s/%s%s", hex, hex, zstd ? ".zst" : "");
}

gchar *
upd_repo_delta_path(const guint8 *base_sha256, const guint8 *target_sha256, const gchar *extension)
{
	g_autofree gchar *base = upd_sha256_to_hex(base_sha256);
	g_autofree gchar *target = upd_sha256_to_hex(target_sha256);
	return g_strdup_printf(UPD_REPO_DELTAS_DIR "/%.2s/%s-%s.%s", base, base, target, extension);
}

gchar *
upd_repo_pack_path(const guint8 *sha256)
{
	g_autofree gchar *hex = upd_sha256_to_hex(sha256);
	return g_strdup_printf(UPD_REPO_PACKS_DIR "/%.2s/%s.pack", hex, hex);
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "upd-manifest.h"

G_BEGIN_DECLS

/* A repository directory as written by updater-publish and served by
 * updater-server or any static HTTP server; see upd-repo-layout-private.h. */
#define UPT_TYPE_REPOSITORY (upt_repository_get_type())
G_DECLARE_FINAL_TYPE(UptRepository, upt_repository, UPT, REPOSITORY, GObject)

UptRepository *
upt_repository_open(const gchar *dir, gboolean create, GError **error);
const gchar *
upt_repository_get_dir(UptRepository *self);
gboolean
upt_repository_lock(UptRepository *self, GError **error);
gchar *
upt_repository_build_path(UptRepository *self, const gchar *relative);
GBytes *
upt_repository_read_manifest(UptRepository *self,
			     const gchar *app_id,
			     const gchar *channel,
			     GError **error);
UpdManifest *
upt_repository_load_manifest(UptRepository *self,
			     const gchar *app_id,
			     const gchar *channel,
			     GError **error);
GPtrArray *
upt_repository_list_channels(UptRepository *self, GError **error);

G_END_DECLS

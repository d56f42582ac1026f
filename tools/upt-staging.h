/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-manifest.h"
#include "upd-pb-private.h"
#include "upt-repository.h"

G_BEGIN_DECLS

/* One publication, staged in a hidden directory inside the repository and
 * committed by renames: new objects first, the channel's manifest last. Until
 * the manifest is renamed into place, clients see the repository as it was;
 * an object-less failure leaves it byte for byte unchanged. */
#define UPT_TYPE_STAGING (upt_staging_get_type())
G_DECLARE_FINAL_TYPE(UptStaging, upt_staging, UPT, STAGING, GObject)

UptStaging *
upt_staging_new(UptRepository *repo, gint compression_level, GError **error);
void
upt_staging_index_manifest(UptStaging *self, UpdManifest *manifest);
const Updater__Object *
upt_staging_add_file(UptStaging *self,
		     const gchar *path,
		     GCancellable *cancellable,
		     GError **error);
/* A binary delta, content-addressed as deltas/<aa>/<base>-<target>.<ext>:
 * the patch object for Delta.patch (owned by the staging), describing the
 * delta file's bytes. find returns the one the repository or this staging has
 * already, NULL without one (or with @error set when it cannot be read); add
 * stores @bytes unless it exists. Both may run in several threads at once,
 * but not together with upt_staging_add_file(). */
const Updater__Object *
upt_staging_find_delta(UptStaging *self,
		       const guint8 *base_sha256,
		       const guint8 *target_sha256,
		       const gchar *extension,
		       GError **error);
const Updater__Object *
upt_staging_add_delta(UptStaging *self,
		      const guint8 *base_sha256,
		      const guint8 *target_sha256,
		      const gchar *extension,
		      GBytes *bytes,
		      GError **error);
/* A pack (updater.proto's Pack): @parts (UpdPackPart, from upd_pack_parts())
 * copied one after the other from where their stored bytes are, staged or in
 * the repository, into packs/<aa>/<sha256>.pack; the object describing it
 * belongs to the staging. Each part is checked against its stored size. */
const Updater__Object *
upt_staging_add_pack(UptStaging *self, GArray *parts, GCancellable *cancellable, GError **error);
gboolean
upt_staging_set_manifest(UptStaging *self,
			 const gchar *app_id,
			 const gchar *channel,
			 GBytes *signed_manifest,
			 GError **error);
gboolean
upt_staging_commit(UptStaging *self, GError **error);
guint
upt_staging_get_new_objects(UptStaging *self);
guint64
upt_staging_get_new_bytes(UptStaging *self);
guint
upt_staging_get_new_deltas(UptStaging *self);
guint
upt_staging_get_new_packs(UptStaging *self);

G_END_DECLS

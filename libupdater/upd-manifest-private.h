/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-manifest.h"
#include "upd-pb-private.h"

G_BEGIN_DECLS

/* The decoded manifest, shared by the manifest and its releases. */
typedef struct {
	Updater__Manifest *pb; /* (owned): unpacked by protobuf-c */
} UpdManifestData;

UpdManifestData *
upd_manifest_data_ref(UpdManifestData *data);
void
upd_manifest_data_unref(UpdManifestData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdManifestData, upd_manifest_data_unref)

const Updater__Manifest *
upd_manifest_get_pb(UpdManifest *self);

/* decodes and checks the structure only; for publishers, never for installing */
UpdManifest *
upd_manifest_new_unverified(GBytes *signed_manifest, GError **error);

/* the Manifest inside @outer, decompressed when it is compressed, and
 * checked by upd_manifest_validate_pb(); the caller verifies the signatures
 * first (free with updater__manifest__free_unpacked()) */
Updater__Manifest *
upd_manifest_unpack_inner(const Updater__SignedManifest *outer, GError **error);

/* every required field present, names and paths safe, sizes sane */
gboolean
upd_manifest_validate_pb(const Updater__Manifest *manifest, GError **error);

/* packs @manifest, compresses it with zstd and signs the compressed bytes
 * with every key of @keys */
GBytes *
upd_manifest_sign_pb(const Updater__Manifest *manifest, GPtrArray *keys, GError **error);

G_END_DECLS

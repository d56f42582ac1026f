/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-manifest-private.h"
#include "upd-release.h"

G_BEGIN_DECLS

UpdRelease *
upd_release_new(UpdManifestData *data, const Updater__Release *pb);
const Updater__Release *
upd_release_get_pb(UpdRelease *self);

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-check-result.h"

G_BEGIN_DECLS

/* @available: (transfer container) (element-type UpdRelease): newest first */
UpdCheckResult *
upd_check_result_new(UpdManifest *manifest,
		     const gchar *installed_version,
		     GPtrArray *available,
		     guint poll_interval,
		     const gchar *source_url);

G_END_DECLS

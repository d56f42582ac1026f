/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <glib.h>

#include "upd-build.h"

G_BEGIN_DECLS

UPD_AVAILABLE_IN_ALL
gboolean
upd_version_validate(const gchar *version, GError **error);
UPD_AVAILABLE_IN_ALL
gint
upd_version_compare(const gchar *version1, const gchar *version2) UPD_NONNULL(1, 2);

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Names that become path components on disk and in URLs. Each sets an
 * UPD_ERROR naming @what and the offending value. */
gboolean
upd_validate_app_id(const gchar *app_id, GError **error);
gboolean
upd_validate_channel(const gchar *channel, GError **error);
gboolean
upd_validate_component_name(const gchar *name, GError **error);
/* '/'-separated, relative, no empty, "." or ".." components, no NUL, at most
 * 4096 bytes */
gboolean
upd_validate_relative_path(const gchar *what, const gchar *path, GError **error);

G_END_DECLS

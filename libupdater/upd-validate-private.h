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
/* whether a symbolic link at @link_path (normalised, relative to the top of a
 * tree) with @target stays inside the tree however the tree's other links
 * point: the target is relative, its ".." components all come first (so that
 * they climb real directories, the link's parents) and do not climb above
 * the top; what follows them only descends, through links that obey the same
 * rule */
gboolean
upd_validate_symlink_target(const gchar *link_path, const gchar *target);

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * An install directory ("slot"): the application's InstallDir, and one per
 * plugin component under InstallDir/plugins/<component>:
 *
 *   versions/<version>/   complete versions, each renamed into place whole
 *   current               symlink to versions/<version>, replaced by rename
 *   .staging-XXXXXX/      a version being staged (same file system)
 *
 * A reader following "current" always sees one complete version.
 */

#define UPD_INSTALL_DIR_CURRENT	 "current"
#define UPD_INSTALL_DIR_VERSIONS "versions"
#define UPD_INSTALL_DIR_PLUGINS	 "plugins"

/* the version "current" points to, NULL when none (or not versions/<v>) */
gchar *
upd_install_dir_get_current(const gchar *dir);
/* points "current" at versions/@version atomically; NULL removes it */
gboolean
upd_install_dir_switch(const gchar *dir, const gchar *version, GError **error);
/* (element-type utf8): the versions present, oldest first */
GPtrArray *
upd_install_dir_list_versions(const gchar *dir);
gchar *
upd_install_dir_version_path(const gchar *dir, const gchar *version);
/* removes versions beyond the current one and the @keep newest others;
 * (element-type utf8): what was removed */
GPtrArray *
upd_install_dir_prune(const gchar *dir, guint keep, GError **error);

G_END_DECLS

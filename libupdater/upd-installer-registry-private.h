/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "upd-installer-plugin.h"

G_BEGIN_DECLS

/* The installer plugins of a directory. A plugin that cannot be used (no
 * entry point, another ABI, a type claimed twice) is kept as a failure with
 * its reason; loading goes on with the others. Modules stay loaded for the
 * life of the registry. */
#define UPD_TYPE_INSTALLER_REGISTRY (upd_installer_registry_get_type())
G_DECLARE_FINAL_TYPE(UpdInstallerRegistry, upd_installer_registry, UPD, INSTALLER_REGISTRY, GObject)

/* the directory the process uses: $UPDATER_INSTALLER_DIR or the installed one */
const gchar *
upd_installer_registry_default_dir(void);
UpdInstallerRegistry *
upd_installer_registry_new(void);
/* FALSE only when the directory cannot be read at all */
gboolean
upd_installer_registry_load_dir(UpdInstallerRegistry *self, const gchar *dir, GError **error);
/* the plugin for @type, or NULL with an error naming the type and, when a
 * plugin for it failed to load, why */
const UpdInstallerPlugin *
upd_installer_registry_lookup(UpdInstallerRegistry *self, UpdPayloadType type, GError **error);
/* (element-type utf8): one line per plugin that failed to load */
GPtrArray *
upd_installer_registry_get_failures(UpdInstallerRegistry *self);
/* (element-type utf8): the names of the plugins loaded */
GPtrArray *
upd_installer_registry_get_names(UpdInstallerRegistry *self);

G_END_DECLS

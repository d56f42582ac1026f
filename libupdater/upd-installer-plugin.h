/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/*
 * The ABI of installer plugins.
 *
 * An installer plugin is a shared module named "upd-installer-<name>.so" in
 * the installer directory ($libdir/updater/installers-1, or
 * $UPDATER_INSTALLER_DIR). It exports exactly one function,
 * upd_installer_plugin_query(), returning a constant UpdInstallerPlugin.
 *
 * A plugin does not link libupdater: everything it needs from the updater
 * comes through the UpdInstallerHost table passed to each call. That table is
 * also where every write into the staging directory goes, so that path
 * checks (no absolute paths, no "..", no symbolic link followed, nothing
 * outside the staging directory) and size limits are the same for all
 * plugins. Both structures start with their ABI version and size; new
 * members are only ever appended.
 */

#include <gio/gio.h>
#include <gmodule.h>

/* a plugin includes this header alone, without <updater.h> */
#ifndef __UPDATER_H_INSIDE__
#define __UPDATER_H_INSIDE__
#define UPD_INSTALLER_PLUGIN_H_DEFINED_INSIDE
#endif
#include "upd-payload-type.h"
#ifdef UPD_INSTALLER_PLUGIN_H_DEFINED_INSIDE
#undef __UPDATER_H_INSIDE__
#undef UPD_INSTALLER_PLUGIN_H_DEFINED_INSIDE
#endif

G_BEGIN_DECLS

/**
 * UPD_INSTALLER_ABI_VERSION:
 *
 * The version of #UpdInstallerPlugin and #UpdInstallerHost described here.
 */
#define UPD_INSTALLER_ABI_VERSION 1

/**
 * UPD_INSTALLER_PLUGIN_QUERY:
 *
 * The name of the one symbol an installer plugin exports.
 */
#define UPD_INSTALLER_PLUGIN_QUERY "upd_installer_plugin_query"

/* What one staging operation is about; owned by the updater. */
typedef struct _UpdInstallContext UpdInstallContext;

/**
 * UpdInstallerHost:
 * @abi_version: %UPD_INSTALLER_ABI_VERSION
 * @struct_size: sizeof(UpdInstallerHost) of the updater
 * @get_app_id: the application id
 * @get_version: the version being installed
 * @get_component: the component name
 * @get_payload_type: the payload type the manifest declares
 * @get_payload_path: (nullable): a local file with the verified payload;
 *   %NULL for tree payloads
 * @get_payload_filename: (nullable): the payload's file name as published
 * @get_staging_dir: the absolute staging directory, for reading back what was staged
 * @get_cancellable: (nullable): checked between entries
 * @create_file: creates a regular file at a relative path inside the staging
 *   directory (parents are created) and returns a descriptor open for writing,
 *   or -1 with an error; the mode loses setuid, setgid and sticky bits
 * @create_directory: creates a directory (and parents)
 * @create_symlink: creates a symbolic link whose target, resolved from the
 *   link's directory, stays inside the staging directory
 * @create_hardlink: creates a hard link to a regular file staged before
 * @account: adds @bytes to what the payload expanded to; fails with
 *   %UPD_ERROR_TOO_LARGE past the limit (archive bombs)
 * @get_n_entries: the number of entries of a tree payload
 * @get_entry: an entry of a tree payload: its path, mode, symbolic link
 *   target (or %NULL), whether it is a directory, and the verified local file
 *   with its content (or %NULL)
 * @place_file: puts the content of tree entry @index at @path with the
 *   entry's mode: a hard link to the downloaded file in the cache when it is
 *   on the same file system and used once, a copy otherwise (files reused from
 *   the installed version are always copied, so that versions never share an
 *   inode); its SHA-256 is checked as it is read
 * @place_payload: puts a copy of a single-file payload at @path with @mode
 * @log: a debug message
 *
 * What the updater offers a plugin. Every path is relative to the staging
 * directory and checked: absolute paths, ".." and "." components, and paths
 * through a symbolic link are refused with %UPD_ERROR_INVALID_DATA and a
 * message naming the path.
 */
typedef struct {
	guint32 abi_version;
	guint32 struct_size;
	const gchar *(*get_app_id)(UpdInstallContext *ctx);
	const gchar *(*get_version)(UpdInstallContext *ctx);
	const gchar *(*get_component)(UpdInstallContext *ctx);
	UpdPayloadType (*get_payload_type)(UpdInstallContext *ctx);
	const gchar *(*get_payload_path)(UpdInstallContext *ctx);
	const gchar *(*get_payload_filename)(UpdInstallContext *ctx);
	const gchar *(*get_staging_dir)(UpdInstallContext *ctx);
	GCancellable *(*get_cancellable)(UpdInstallContext *ctx);
	int (*create_file)(UpdInstallContext *ctx, const gchar *path, guint mode, GError **error);
	gboolean (*create_directory)(UpdInstallContext *ctx,
				     const gchar *path,
				     guint mode,
				     GError **error);
	gboolean (*create_symlink)(UpdInstallContext *ctx,
				   const gchar *path,
				   const gchar *target,
				   GError **error);
	gboolean (*create_hardlink)(UpdInstallContext *ctx,
				    const gchar *path,
				    const gchar *existing,
				    GError **error);
	gboolean (*account)(UpdInstallContext *ctx, guint64 bytes, GError **error);
	guint (*get_n_entries)(UpdInstallContext *ctx);
	gboolean (*get_entry)(UpdInstallContext *ctx,
			      guint index,
			      const gchar **path,
			      guint *mode,
			      const gchar **symlink_target,
			      gboolean *is_directory,
			      const gchar **source);
	gboolean (*place_file)(UpdInstallContext *ctx,
			       const gchar *path,
			       guint index,
			       GError **error);
	gboolean (*place_payload)(UpdInstallContext *ctx,
				  const gchar *path,
				  guint mode,
				  GError **error);
	void (*log)(UpdInstallContext *ctx, const gchar *message);
} UpdInstallerHost;

/**
 * UpdInstallerPlugin:
 * @abi_version: %UPD_INSTALLER_ABI_VERSION the plugin was built for
 * @struct_size: sizeof(UpdInstallerPlugin) the plugin was built with
 * @name: the plugin's name, e.g. "archive"
 * @types: the payload types handled, ending with %UPD_PAYLOAD_TYPE_UNKNOWN
 * @extensions: (nullable): file name suffixes recognised, e.g. ".zip"
 * @stage: writes the payload's files into the staging directory
 * @verify: (nullable): checks what was staged (e.g. that a library loads
 *   on this machine) before it is committed
 * @activate: (nullable): called after the new version became current
 * @deactivate: (nullable): called before a version stops being current
 *
 * The vtable an installer plugin returns. Vfuncs return %FALSE with a
 * #GError (any domain; the updater converts it) on failure.
 */
typedef struct {
	guint32 abi_version;
	guint32 struct_size;
	const gchar *name;
	const UpdPayloadType *types;
	const gchar *const *extensions;
	gboolean (*stage)(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error);
	gboolean (*verify)(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error);
	gboolean (*activate)(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error);
	gboolean (*deactivate)(const UpdInstallerHost *host,
			       UpdInstallContext *ctx,
			       GError **error);
} UpdInstallerPlugin;

/**
 * UpdInstallerPluginQueryFunc:
 *
 * The type of upd_installer_plugin_query().
 *
 * Returns: (transfer none): the plugin's vtable, valid as long as the module is loaded
 */
typedef const UpdInstallerPlugin *(*UpdInstallerPluginQueryFunc)(void);

/**
 * UPD_INSTALLER_PLUGIN_DEFINE:
 * @vtable: a static const #UpdInstallerPlugin
 *
 * Defines the exported entry point of an installer plugin.
 */
#define UPD_INSTALLER_PLUGIN_DEFINE(vtable)                                                        \
	G_MODULE_EXPORT const UpdInstallerPlugin *upd_installer_plugin_query(void);                \
	G_MODULE_EXPORT const UpdInstallerPlugin *upd_installer_plugin_query(void)                 \
	{                                                                                          \
		return &(vtable);                                                                  \
	}

G_END_DECLS

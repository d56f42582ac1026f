/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upp-common.h"

/* A file tree: every entry of the manifest, its content from a downloaded
 * object or a file of the installed version (verified while placed). */
static gboolean
upp_tree_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	guint n = host->get_n_entries(ctx);

	for (guint i = 0; i < n; i++) {
		const gchar *path = NULL;
		const gchar *target = NULL;
		const gchar *source = NULL;
		gboolean is_directory = FALSE;
		guint mode = 0;
		gboolean ok;

		host->get_entry(ctx, i, &path, &mode, &target, &is_directory, &source);
		if (is_directory)
			ok = host->create_directory(ctx, path, mode, error);
		else if (target != NULL)
			ok = host->create_symlink(ctx, path, target, error);
		else
			ok = host->place_file(ctx, path, i, error);
		if (!ok)
			return FALSE;
		if (g_cancellable_set_error_if_cancelled(host->get_cancellable(ctx), error))
			return FALSE;
	}
	return TRUE;
}

static const UpdPayloadType upp_tree_types[] = {
	UPD_PAYLOAD_TYPE_TREE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_tree_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "tree",
	.types = upp_tree_types,
	.extensions = NULL,
	.stage = upp_tree_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_tree_plugin)

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-installer-plugin.h"

/* A module that looks like an installer but exports its vtable under a
 * misspelt name: upd_installer_plugin_query() is missing. */

static gboolean
upp_test_noentry_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the noentry test plugin must not run");
	return FALSE;
}

static const UpdPayloadType upp_test_noentry_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_test_noentry_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "test-noentry",
	.types = upp_test_noentry_types,
	.stage = upp_test_noentry_stage,
};

G_MODULE_EXPORT const UpdInstallerPlugin *
upd_installer_plugin_query_v0(void);

G_MODULE_EXPORT const UpdInstallerPlugin *
upd_installer_plugin_query_v0(void)
{
	return &upp_test_noentry_plugin;
}

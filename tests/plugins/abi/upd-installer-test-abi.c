/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-installer-plugin.h"

/* An installer built for installer ABI 99, which this updater does not have. */

static gboolean
upp_test_abi_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the ABI 99 test plugin must not run");
	return FALSE;
}

static const UpdPayloadType upp_test_abi_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_test_abi_plugin = {
	.abi_version = 99,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "test-abi99",
	.types = upp_test_abi_types,
	.stage = upp_test_abi_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_test_abi_plugin)

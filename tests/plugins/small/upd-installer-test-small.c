/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-installer-plugin.h"

/* An installer of the right ABI whose vtable claims to end before stage():
 * as if built against a header that did not have the members after it. */

static gboolean
upp_test_small_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the small test plugin must not run");
	return FALSE;
}

static const UpdPayloadType upp_test_small_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_test_small_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = (guint32)G_STRUCT_OFFSET(UpdInstallerPlugin, stage),
	.name = "test-small",
	.types = upp_test_small_types,
	.stage = upp_test_small_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_test_small_plugin)

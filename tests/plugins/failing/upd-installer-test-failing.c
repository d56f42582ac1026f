/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "upd-installer-plugin.h"

/* An installer for exe payloads whose stage() writes a file, then fails with
 * its own message: the message must reach the caller, the file must go. */

#define UPP_TEST_FAILING_ERROR (g_quark_from_static_string("upp-test-failing-error"))

static gboolean
upp_test_failing_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	const gchar *text = "half of it\n";
	int fd = host->create_file(ctx, "partial/file", 0644, error);

	if (fd < 0)
		return FALSE;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write partial/file");
		return FALSE;
	}
	close(fd);
	g_set_error(error, UPP_TEST_FAILING_ERROR, 1, "test-failing refuses to stage %s %s",
		    host->get_component(ctx), host->get_version(ctx));
	return FALSE;
}

static const UpdPayloadType upp_test_failing_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_test_failing_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "test-failing",
	.types = upp_test_failing_types,
	.stage = upp_test_failing_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_test_failing_plugin)

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "upd-installer-plugin.h"

/* A working installer for exe payloads under another name than the real
 * executable installer: alone it installs, next to it the type is claimed
 * twice. It leaves a marker so that a test can tell which plugin ran. */

#define UPP_TEST_MARKER "installed-by-test-exe"

static gboolean
upp_test_good_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	const gchar *text = "test-exe\n";
	int fd;

	if (!host->place_payload(ctx, host->get_payload_filename(ctx), 0755, error))
		return FALSE;
	fd = host->create_file(ctx, UPP_TEST_MARKER, 0644, error);
	if (fd < 0)
		return FALSE;
	if (!host->account(ctx, strlen(text), error) ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		if (error != NULL && *error == NULL)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s",
				    UPP_TEST_MARKER);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static const UpdPayloadType upp_test_good_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_test_good_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "test-exe",
	.types = upp_test_good_types,
	.extensions = NULL,
	.stage = upp_test_good_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_test_good_plugin)

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upp-common.h"

/* a single executable, installed with mode 0755 under its published name */
static gboolean
upp_executable_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	return host->place_payload(ctx, host->get_payload_filename(ctx), 0755, error);
}

/* an ELF executable must be for this machine; a script needs "#!" */
static gboolean
upp_executable_verify(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	const gchar *name = host->get_payload_filename(ctx);
	g_autofree gchar *path = g_build_filename(host->get_staging_dir(ctx), name, NULL);
	gsize len = 0;
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
	gchar buf[4] = {0};

	if (in == NULL)
		return FALSE;
	if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, sizeof(buf), &len, NULL, error))
		return FALSE;
	if (len >= 2 && buf[0] == '#' && buf[1] == '!')
		return TRUE;
	return upp_elf_check(path, name, FALSE, error);
}

static const UpdPayloadType upp_executable_types[] = {
	UPD_PAYLOAD_TYPE_EXE,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const UpdInstallerPlugin upp_executable_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "executable",
	.types = upp_executable_types,
	.extensions = NULL,
	.stage = upp_executable_stage,
	.verify = upp_executable_verify,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_executable_plugin)

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upp-common.h"

/* a shared library or plugin module, installed under its published name */
static gboolean
upp_library_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	return host->place_payload(ctx, host->get_payload_filename(ctx), 0644, error);
}

/* Before it is committed, the library must be an ELF shared object of this
 * machine's class, byte order and architecture. It is not dlopen()ed here:
 * loading would run its constructors inside the updater. */
static gboolean
upp_library_verify(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	const gchar *name = host->get_payload_filename(ctx);
	g_autofree gchar *path = g_build_filename(host->get_staging_dir(ctx), name, NULL);
	return upp_elf_check(path, name, TRUE, error);
}

static const UpdPayloadType upp_library_types[] = {
	UPD_PAYLOAD_TYPE_DLL,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const gchar *const upp_library_extensions[] = {".so", ".dll", NULL};

static const UpdInstallerPlugin upp_library_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "library",
	.types = upp_library_types,
	.extensions = upp_library_extensions,
	.stage = upp_library_stage,
	.verify = upp_library_verify,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_library_plugin)

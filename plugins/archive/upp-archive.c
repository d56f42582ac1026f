/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upp-common.h"

/* zip, tar.gz, tar.xz and tar.zst payloads, read as a stream by libarchive:
 * only the format and compression the manifest declares are enabled */
static gboolean
upp_archive_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	g_autoptr(UppArchiveRead) a = archive_read_new();

	switch (host->get_payload_type(ctx)) {
	case UPD_PAYLOAD_TYPE_ZIP:
		archive_read_support_format_zip(a);
		break;
	case UPD_PAYLOAD_TYPE_TAR_GZ:
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_filter_gzip(a);
		break;
	case UPD_PAYLOAD_TYPE_TAR_XZ:
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_filter_xz(a);
		break;
	case UPD_PAYLOAD_TYPE_TAR_ZST:
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_filter_zstd(a);
		break;
	default:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("the archive installer does not handle %s payloads"),
			    host->get_payload_filename(ctx));
		return FALSE;
	}
	if (!upp_archive_open_payload(host, ctx, a, error))
		return FALSE;
	return upp_extract_archive(host, ctx, a, error);
}

static const UpdPayloadType upp_archive_types[] = {
	UPD_PAYLOAD_TYPE_ZIP,	  UPD_PAYLOAD_TYPE_TAR_GZ,  UPD_PAYLOAD_TYPE_TAR_XZ,
	UPD_PAYLOAD_TYPE_TAR_ZST, UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const gchar *const upp_archive_extensions[] = {
	".zip", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst", NULL,
};

static const UpdInstallerPlugin upp_archive_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "archive",
	.types = upp_archive_types,
	.extensions = upp_archive_extensions,
	.stage = upp_archive_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_archive_plugin)

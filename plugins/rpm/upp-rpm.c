/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upp-common.h"

/*
 * An RPM package whose files are extracted into the version directory (a
 * relocatable application). Before anything is extracted, the package's own
 * header must name the component and the release's version:
 *
 *   lead (96 bytes, magic ED AB EE DB)
 *   signature header, padded to 8 bytes
 *   header: magic 8E AD E8 01, 4 reserved bytes, index count, data size,
 *           16-byte index entries (tag, type, offset, count), data store
 *   payload: a compressed cpio archive, read by libarchive
 */

#define UPP_RPM_LEAD_SIZE   96
#define UPP_RPM_MAX_INDEX   65536
#define UPP_RPM_MAX_STORE   (64 * 1024 * 1024)
#define UPP_RPM_TAG_NAME    1000
#define UPP_RPM_TAG_VERSION 1001
#define UPP_RPM_TYPE_STRING 6

static const guint8 upp_rpm_lead_magic[] = {0xed, 0xab, 0xee, 0xdb};
static const guint8 upp_rpm_header_magic[] = {0x8e, 0xad, 0xe8, 0x01};

typedef struct {
	gchar *name;
	gchar *version;
} UppRpmInfo;

static void
upp_rpm_info_clear(UppRpmInfo *info)
{
	g_free(info->name);
	g_free(info->version);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UppRpmInfo, upp_rpm_info_clear)

/* a big-endian 32-bit field at any alignment */
static guint32
upp_rpm_be32(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | (guint32)p[3];
}

static gboolean
upp_rpm_read_exact(int fd, void *buf, gsize len, const gchar *name, GError **error)
{
	gsize done = 0;
	while (done < len) {
		ssize_t n = read(fd, (guint8 *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("%s is truncated: its RPM header is incomplete"), name);
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

/* reads one header structure; @info gets NAME and VERSION when asked */
static gboolean
upp_rpm_read_header(int fd, const gchar *name, gboolean pad, UppRpmInfo *info, GError **error)
{
	guint8 intro[16];
	guint32 nindex;
	guint32 hsize;
	gsize index_len;
	g_autofree guint8 *index = NULL;
	g_autofree gchar *store = NULL;

	if (!upp_rpm_read_exact(fd, intro, sizeof(intro), name, error))
		return FALSE;
	if (memcmp(intro, upp_rpm_header_magic, sizeof(upp_rpm_header_magic)) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s has a damaged RPM header"), name);
		return FALSE;
	}
	nindex = upp_rpm_be32(intro + 8);
	hsize = upp_rpm_be32(intro + 12);
	if (nindex > UPP_RPM_MAX_INDEX || hsize > UPP_RPM_MAX_STORE) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s has an implausible RPM header (%u entries, %u bytes)"), name,
			    nindex, hsize);
		return FALSE;
	}
	index_len = (gsize)nindex * 16;
	index = g_malloc(MAX(index_len, 1));
	store = g_malloc(hsize + 1);
	if (!upp_rpm_read_exact(fd, index, index_len, name, error) ||
	    !upp_rpm_read_exact(fd, store, hsize, name, error))
		return FALSE;
	store[hsize] = '\0';
	/* the signature header is padded to a multiple of 8 bytes */
	if (pad && (16 + index_len + hsize) % 8 != 0) {
		guint8 skip[8];
		if (!upp_rpm_read_exact(fd, skip, 8 - (16 + index_len + hsize) % 8, name, error))
			return FALSE;
	}
	if (info == NULL)
		return TRUE;
	for (guint32 i = 0; i < nindex; i++) {
		const guint8 *e = index + (gsize)i * 16;
		guint32 tag = upp_rpm_be32(e);
		guint32 type = upp_rpm_be32(e + 4);
		guint32 offset = upp_rpm_be32(e + 8);
		gchar **slot;

		if (tag == UPP_RPM_TAG_NAME)
			slot = &info->name;
		else if (tag == UPP_RPM_TAG_VERSION)
			slot = &info->version;
		else
			continue;
		/* strings are NUL-terminated inside the store: the extra NUL above
		 * stops a string that runs to its end */
		if (type != UPP_RPM_TYPE_STRING || offset >= hsize ||
		    !g_utf8_validate(store + offset, -1, NULL)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("%s has a damaged RPM header entry %u"), name, tag);
			return FALSE;
		}
		g_free(*slot);
		*slot = g_strdup(store + offset);
	}
	return TRUE;
}

static gboolean
upp_rpm_check_header(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	const gchar *name = host->get_payload_filename(ctx);
	const gchar *component = host->get_component(ctx);
	const gchar *version = host->get_version(ctx);
	g_auto(UppRpmInfo) info = {NULL, NULL};
	guint8 lead[UPP_RPM_LEAD_SIZE];
	int fd = open(host->get_payload_path(ctx), O_RDONLY | O_CLOEXEC);
	gboolean ok;

	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("cannot open %s: %s"), name, g_strerror(errno));
		return FALSE;
	}
	ok = upp_rpm_read_exact(fd, lead, sizeof(lead), name, error);
	if (ok && memcmp(lead, upp_rpm_lead_magic, sizeof(upp_rpm_lead_magic)) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is not an RPM package"), name);
		ok = FALSE;
	}
	ok = ok && upp_rpm_read_header(fd, name, TRUE, NULL, error) &&
	     upp_rpm_read_header(fd, name, FALSE, &info, error);
	close(fd);
	if (!ok)
		return FALSE;
	if (info.name == NULL || info.version == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s has no name or version in its RPM header"), name);
		return FALSE;
	}
	if (g_strcmp0(info.name, component) != 0 || g_strcmp0(info.version, version) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is the RPM of %s %s, but the manifest installs component %s "
			      "version %s"),
			    name, info.name, info.version, component, version);
		return FALSE;
	}
	return TRUE;
}

static gboolean
upp_rpm_stage(const UpdInstallerHost *host, UpdInstallContext *ctx, GError **error)
{
	g_autoptr(UppArchiveRead) a = NULL;

	if (!upp_rpm_check_header(host, ctx, error))
		return FALSE;
	a = archive_read_new();
	/* libarchive skips the RPM headers and reads the cpio payload */
	archive_read_support_filter_rpm(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_format_cpio(a);
	if (!upp_archive_open_payload(host, ctx, a, error))
		return FALSE;
	return upp_extract_archive(host, ctx, a, error);
}

static const UpdPayloadType upp_rpm_types[] = {
	UPD_PAYLOAD_TYPE_RPM,
	UPD_PAYLOAD_TYPE_UNKNOWN,
};

static const gchar *const upp_rpm_extensions[] = {".rpm", NULL};

static const UpdInstallerPlugin upp_rpm_plugin = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerPlugin),
	.name = "rpm",
	.types = upp_rpm_types,
	.extensions = upp_rpm_extensions,
	.stage = upp_rpm_stage,
};

UPD_INSTALLER_PLUGIN_DEFINE(upp_rpm_plugin)

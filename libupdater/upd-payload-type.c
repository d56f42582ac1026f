/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-payload-type-private.h"
#include "upd-pb-private.h"

G_STATIC_ASSERT((int)UPD_PAYLOAD_TYPE_EXE == (int)UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_EXE);
G_STATIC_ASSERT((int)UPD_PAYLOAD_TYPE_TREE == (int)UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE);

static const gchar *const upd_payload_type_names[] = {
	[UPD_PAYLOAD_TYPE_UNKNOWN] = "unknown", [UPD_PAYLOAD_TYPE_EXE] = "exe",
	[UPD_PAYLOAD_TYPE_DLL] = "dll",		[UPD_PAYLOAD_TYPE_ZIP] = "zip",
	[UPD_PAYLOAD_TYPE_TAR_GZ] = "tar.gz",	[UPD_PAYLOAD_TYPE_TAR_XZ] = "tar.xz",
	[UPD_PAYLOAD_TYPE_TAR_ZST] = "tar.zst", [UPD_PAYLOAD_TYPE_RPM] = "rpm",
	[UPD_PAYLOAD_TYPE_TREE] = "tree",
};

/**
 * upd_payload_type_to_string:
 * @type: an #UpdPayloadType
 *
 * Returns: (transfer none): the name used on command lines, e.g. "tar.gz"
 *
 * Since: 0.1
 */
const gchar *
upd_payload_type_to_string(UpdPayloadType type)
{
	if ((guint)type >= UPD_PAYLOAD_TYPE_LAST)
		return upd_payload_type_names[UPD_PAYLOAD_TYPE_UNKNOWN];
	return upd_payload_type_names[type];
}

/**
 * upd_payload_type_from_string:
 * @type: (nullable): a name such as "zip"; "so" is accepted for "dll"
 *
 * Returns: the type, or %UPD_PAYLOAD_TYPE_UNKNOWN
 *
 * Since: 0.1
 */
UpdPayloadType
upd_payload_type_from_string(const gchar *type)
{
	if (type == NULL)
		return UPD_PAYLOAD_TYPE_UNKNOWN;
	if (g_strcmp0(type, "so") == 0)
		return UPD_PAYLOAD_TYPE_DLL;
	if (g_strcmp0(type, "tgz") == 0)
		return UPD_PAYLOAD_TYPE_TAR_GZ;
	for (guint i = 1; i < UPD_PAYLOAD_TYPE_LAST; i++) {
		if (g_strcmp0(type, upd_payload_type_names[i]) == 0)
			return (UpdPayloadType)i;
	}
	return UPD_PAYLOAD_TYPE_UNKNOWN;
}

UpdPayloadType
upd_payload_type_guess_from_filename(const gchar *filename)
{
	g_autofree gchar *lower = g_ascii_strdown(filename, -1);

	if (g_str_has_suffix(lower, ".zip"))
		return UPD_PAYLOAD_TYPE_ZIP;
	if (g_str_has_suffix(lower, ".tar.gz") || g_str_has_suffix(lower, ".tgz"))
		return UPD_PAYLOAD_TYPE_TAR_GZ;
	if (g_str_has_suffix(lower, ".tar.xz") || g_str_has_suffix(lower, ".txz"))
		return UPD_PAYLOAD_TYPE_TAR_XZ;
	if (g_str_has_suffix(lower, ".tar.zst") || g_str_has_suffix(lower, ".tzst"))
		return UPD_PAYLOAD_TYPE_TAR_ZST;
	if (g_str_has_suffix(lower, ".rpm"))
		return UPD_PAYLOAD_TYPE_RPM;
	if (g_str_has_suffix(lower, ".so") || strstr(lower, ".so.") != NULL ||
	    g_str_has_suffix(lower, ".dll"))
		return UPD_PAYLOAD_TYPE_DLL;
	if (g_str_has_suffix(lower, ".exe"))
		return UPD_PAYLOAD_TYPE_EXE;
	return UPD_PAYLOAD_TYPE_UNKNOWN;
}

static gboolean
upd_payload_has_prefix(const guint8 *header, gsize len, const void *magic, gsize magic_len)
{
	return len >= magic_len && memcmp(header, magic, magic_len) == 0;
}

/* an ELF file whose e_type is ET_DYN (shared objects and PIE executables) */
static gboolean
upd_payload_is_elf(const guint8 *header, gsize len, gboolean need_dyn)
{
	guint16 e_type;

	if (!upd_payload_has_prefix(header, len,
				    "\x7f"
				    "ELF",
				    4) ||
	    len < 18)
		return FALSE;
	if (!need_dyn)
		return TRUE;
	/* EI_DATA: 1 little endian, 2 big endian */
	e_type = header[5] == 2 ? (guint16)(header[16] << 8 | header[17])
				: (guint16)(header[17] << 8 | header[16]);
	return e_type == 3;
}

gboolean
upd_payload_type_check_magic(
	UpdPayloadType type, const gchar *name, const guint8 *header, gsize len, GError **error)
{
	gboolean ok = FALSE;
	const gchar *expected = NULL;

	switch (type) {
	case UPD_PAYLOAD_TYPE_ZIP:
		ok = upd_payload_has_prefix(header, len, "PK\x03\x04", 4) ||
		     upd_payload_has_prefix(header, len, "PK\x05\x06", 4);
		expected = _("a zip archive");
		break;
	case UPD_PAYLOAD_TYPE_TAR_GZ:
		ok = upd_payload_has_prefix(header, len, "\x1f\x8b", 2);
		expected = _("gzip data");
		break;
	case UPD_PAYLOAD_TYPE_TAR_XZ:
		ok = upd_payload_has_prefix(header, len,
					    "\xfd"
					    "7zXZ\x00",
					    6);
		expected = _("xz data");
		break;
	case UPD_PAYLOAD_TYPE_TAR_ZST:
		ok = upd_payload_has_prefix(header, len, "\x28\xb5\x2f\xfd", 4);
		expected = _("zstd data");
		break;
	case UPD_PAYLOAD_TYPE_RPM:
		ok = upd_payload_has_prefix(header, len, "\xed\xab\xee\xdb", 4);
		expected = _("an RPM package");
		break;
	case UPD_PAYLOAD_TYPE_DLL:
		ok = upd_payload_is_elf(header, len, TRUE);
		expected = _("an ELF shared object");
		break;
	case UPD_PAYLOAD_TYPE_EXE:
		ok = upd_payload_is_elf(header, len, FALSE) ||
		     upd_payload_has_prefix(header, len, "#!", 2);
		expected = _("an ELF executable or a script starting with #!");
		break;
	case UPD_PAYLOAD_TYPE_TREE:
	case UPD_PAYLOAD_TYPE_UNKNOWN:
	case UPD_PAYLOAD_TYPE_LAST:
	default:
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("payload type %s has no magic bytes to check"),
			    upd_payload_type_to_string(type));
		return FALSE;
	}
	if (!ok) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    /* TRANSLATORS: "payload app.zip is declared as zip but is not a zip
			       archive" */
			    _("payload %s is declared as %s but is not %s"), name,
			    upd_payload_type_to_string(type), expected);
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_payload_type_check_file(UpdPayloadType type, const gchar *path, GError **error)
{
	guint8 header[UPD_PAYLOAD_MAGIC_LEN];
	g_auto(UpdFd) fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	g_autofree gchar *name = g_path_get_basename(path);

	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), path);
		return FALSE;
	}
	do
		n = read(fd, header, sizeof(header));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), path);
		return FALSE;
	}
	return upd_payload_type_check_magic(type, name, header, (gsize)n, error);
}

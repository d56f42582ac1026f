/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "upp-common.h"

#define UPP_BLOCK (64 * 1024)

/* libarchive does not always say why */
static const gchar *
upp_archive_error(struct archive *a)
{
	const gchar *message = archive_error_string(a);
	return message != NULL ? message : _("no reason given by libarchive");
}

gboolean
upp_archive_open_payload(const UpdInstallerHost *host,
			 UpdInstallContext *ctx,
			 struct archive *a,
			 GError **error)
{
	const gchar *path = host->get_payload_path(ctx);

	if (archive_read_open_filename(a, path, UPP_BLOCK) != ARCHIVE_OK) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is not a readable archive: %s"), host->get_payload_filename(ctx),
			    upp_archive_error(a));
		return FALSE;
	}
	return TRUE;
}

static gboolean
upp_extract_file(const UpdInstallerHost *host,
		 UpdInstallContext *ctx,
		 struct archive *a,
		 struct archive_entry *entry,
		 const gchar *path,
		 GError **error)
{
	gboolean size_known = archive_entry_size_is_set(entry);
	gint64 declared = archive_entry_size(entry);
	gint64 written = 0;
	int fd = host->create_file(ctx, path, archive_entry_perm(entry), error);

	if (fd < 0)
		return FALSE;
	for (;;) {
		const void *buf = NULL;
		size_t len = 0;
		la_int64_t offset = 0;
		int rc = archive_read_data_block(a, &buf, &len, &offset);

		if (rc == ARCHIVE_EOF)
			break;
		/* a bad CRC or an entry shorter than declared is only a warning for
		 * libarchive: here it is corrupt data */
		if (rc != ARCHIVE_OK) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("archive entry %s cannot be read (truncated or corrupt "
				      "archive?): %s"),
				    path, upp_archive_error(a));
			close(fd);
			return FALSE;
		}
		/* an entry never grows past the size it declares (bombs, lies) */
		if (offset < 0 || offset + (gint64)len > (size_known ? declared : G_MAXINT64) ||
		    offset < written) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("archive entry %s expands beyond the %" PRId64
				      " bytes it declares: refused"),
				    path, (gint64)declared);
			close(fd);
			return FALSE;
		}
		if (!host->account(ctx, (guint64)len + (guint64)(offset - written), error)) {
			close(fd);
			return FALSE;
		}
		/* sparse files: the hole stays a hole */
		if (offset > written && lseek(fd, offset, SEEK_SET) < 0) {
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
				    _("cannot write %s: %s"), path, g_strerror(errno));
			close(fd);
			return FALSE;
		}
		for (size_t done = 0; done < len;) {
			ssize_t n = write(fd, (const guint8 *)buf + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				int errsv = errno;
				g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
					    _("cannot write %s: %s"), path, g_strerror(errsv));
				close(fd);
				return FALSE;
			}
			done += (size_t)n;
		}
		written = offset + (gint64)len;
		if (g_cancellable_set_error_if_cancelled(host->get_cancellable(ctx), error)) {
			close(fd);
			return FALSE;
		}
	}
	/* a hole at the end counts against the limits like one in the middle */
	if (size_known && written < declared) {
		if (!host->account(ctx, (guint64)(declared - written), error)) {
			close(fd);
			return FALSE;
		}
		if (ftruncate(fd, declared) != 0) {
			int errsv = errno;
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
				    _("cannot write %s: %s"), path, g_strerror(errsv));
			close(fd);
			return FALSE;
		}
	}
	close(fd);
	return TRUE;
}

gboolean
upp_extract_archive(const UpdInstallerHost *host,
		    UpdInstallContext *ctx,
		    struct archive *a,
		    GError **error)
{
	struct archive_entry *entry = NULL;
	guint count = 0;

	for (;;) {
		int rc = archive_read_next_header(a, &entry);
		const gchar *path;
		const gchar *hardlink;

		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("%s cannot be read past entry %u (truncated or corrupt "
				      "archive?): %s"),
				    host->get_payload_filename(ctx), count, upp_archive_error(a));
			return FALSE;
		}
		count++;
		path = archive_entry_pathname_utf8(entry);
		if (path == NULL)
			path = archive_entry_pathname(entry);
		if (path == NULL || !g_utf8_validate(path, -1, NULL)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("archive entry %u has a name that is not text: refused"),
				    count);
			return FALSE;
		}
		hardlink = archive_entry_hardlink(entry);
		if (hardlink != NULL) {
			if (!host->create_hardlink(ctx, path, hardlink, error))
				return FALSE;
			continue;
		}
		switch (archive_entry_filetype(entry)) {
		case AE_IFREG:
			if (!upp_extract_file(host, ctx, a, entry, path, error))
				return FALSE;
			break;
		case AE_IFDIR:
			if (!host->create_directory(ctx, path, archive_entry_perm(entry), error))
				return FALSE;
			break;
		case AE_IFLNK:
			if (!host->create_symlink(ctx, path, archive_entry_symlink(entry), error))
				return FALSE;
			break;
		default:
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    _("archive entry %s is a device node, FIFO or socket: refused"),
				    path);
			return FALSE;
		}
	}
	if (archive_read_close(a) != ARCHIVE_OK) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s ends badly (truncated or corrupt archive?): %s"),
			    host->get_payload_filename(ctx), upp_archive_error(a));
		return FALSE;
	}
	if (count == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s holds no files"),
			    host->get_payload_filename(ctx));
		return FALSE;
	}
	return TRUE;
}

/* the ELF machine this code was built for */
static guint16
upp_elf_host_machine(const gchar **name)
{
#if defined(__x86_64__)
	*name = "x86_64";
	return EM_X86_64;
#elif defined(__aarch64__)
	*name = "aarch64";
	return EM_AARCH64;
#elif defined(__i386__)
	*name = "i386";
	return EM_386;
#elif defined(__arm__)
	*name = "arm";
	return EM_ARM;
#elif defined(__riscv)
	*name = "riscv";
	return EM_RISCV;
#elif defined(__powerpc64__)
	*name = "ppc64";
	return EM_PPC64;
#elif defined(__s390x__)
	*name = "s390x";
	return EM_S390;
#else
	*name = "unknown";
	return EM_NONE;
#endif
}

/* the common machines by name, for messages */
static const gchar *
upp_elf_machine_name(guint16 machine)
{
	switch (machine) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86_64";
	case EM_ARM:
		return "arm";
	case EM_AARCH64:
		return "aarch64";
	case EM_RISCV:
		return "riscv";
	case EM_PPC:
		return "ppc";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	case EM_MIPS:
		return "mips";
	case EM_SPARCV9:
		return "sparc64";
	case EM_LOONGARCH:
		return "loongarch";
	default:
		return _("unknown");
	}
}

gboolean
upp_elf_check(const gchar *path, const gchar *name, gboolean shared_object, GError **error)
{
	guint8 ident[EI_NIDENT + 4];
	guint16 type;
	guint16 machine;
	const gchar *host_name = NULL;
	guint16 host_machine = upp_elf_host_machine(&host_name);
	guint8 host_class = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
	guint8 host_data = G_BYTE_ORDER == G_LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("cannot open %s: %s"), name, g_strerror(errno));
		return FALSE;
	}
	n = read(fd, ident, sizeof(ident));
	close(fd);
	if (n < (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not an ELF file"),
			    name);
		return FALSE;
	}
	if (ident[EI_CLASS] != host_class || ident[EI_DATA] != host_data) {
		const gchar *file_order =
			ident[EI_DATA] == ELFDATA2MSB ? _("big-endian") : _("little-endian");
		const gchar *host_order =
			G_BYTE_ORDER == G_LITTLE_ENDIAN ? _("little-endian") : _("big-endian");
		/* TRANSLATORS: "libx.so is a 32-bit big-endian ELF file; this machine is
		   64-bit little-endian" */
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is a %u-bit %s ELF file; this machine is %u-bit %s"), name,
			    ident[EI_CLASS] == ELFCLASS64 ? 64u : 32u, file_order,
			    (guint)(sizeof(void *) * 8), host_order);
		return FALSE;
	}
	/* e_type and e_machine follow e_ident in both classes, in host order */
	memcpy(&type, ident + EI_NIDENT, sizeof(type));
	memcpy(&machine, ident + EI_NIDENT + 2, sizeof(machine));
	if (machine != host_machine) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is built for machine type %s (%u), this machine is %s (%u)"),
			    name, upp_elf_machine_name(machine), machine, host_name, host_machine);
		return FALSE;
	}
	if (shared_object && type != ET_DYN) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    _("%s is an ELF file but not a shared object"), name);
		return FALSE;
	}
	return TRUE;
}

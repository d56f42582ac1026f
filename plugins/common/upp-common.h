/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <archive.h>
#include <glib/gi18n-lib.h>

#include "upd-installer-plugin.h"

G_BEGIN_DECLS

/* Code shared by the installer plugins, compiled into each of them (they do
 * not link libupdater). Errors are G_IO_ERROR, or the host's own. */

typedef struct archive UppArchiveRead;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UppArchiveRead, archive_read_free)

/* Extracts every entry of an open archive through the host's checked
 * operations: regular files (their size checked against the size each
 * entry declares, and accounted against the archive bomb limit),
 * directories, symbolic links and hard links staying inside the staging
 * directory. Device nodes, FIFOs and sockets are refused; setuid, setgid and
 * sticky bits are stripped. */
gboolean
upp_extract_archive(const UpdInstallerHost *host,
		    UpdInstallContext *ctx,
		    struct archive *a,
		    GError **error);

/* opens the payload file with libarchive, reading it in blocks */
gboolean
upp_archive_open_payload(const UpdInstallerHost *host,
			 UpdInstallContext *ctx,
			 struct archive *a,
			 GError **error);

/* checks that a staged file is an ELF object for this machine; with
 * @shared_object, that it is a shared object (ET_DYN) */
gboolean
upp_elf_check(const gchar *path, const gchar *name, gboolean shared_object, GError **error);

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <unistd.h>

G_BEGIN_DECLS

/* A file descriptor that closes itself: `g_auto(UpdFd) fd = -1;` */
typedef int UpdFd;
static inline void
upd_fd_close(UpdFd fd)
{
	if (fd >= 0)
		close(fd);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(UpdFd, upd_fd_close, -1)

gboolean
upd_file_create_exclusive(
	const gchar *path, const void *data, gsize len, guint mode, GError **error);
gboolean
upd_file_replace_atomic(const gchar *path, const void *data, gsize len, guint mode, GError **error);
gboolean
upd_file_write_all(int fd, const void *data, gsize len, const gchar *path, GError **error);
/* starts the write-back of what was written to @fd since *@started, once
 * that is at least UPD_FILE_WRITEBACK_CHUNK bytes (@written: the file's
 * length now): the final fsync() then finds little left to write. Only a
 * hint: it never fails. */
#define UPD_FILE_WRITEBACK_CHUNK (8 * 1024 * 1024)
void
upd_file_start_writeback(int fd, guint64 *started, guint64 written);
gboolean
upd_file_fsync_dir(const gchar *dir, GError **error);
gboolean
upd_file_mkdir_parents(const gchar *dir, guint mode, GError **error);
gboolean
upd_file_rm_rf(const gchar *path, GError **error);
void
upd_file_set_error_errno(GError **error, int errsv, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS

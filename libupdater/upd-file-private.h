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
gboolean
upd_file_fsync_dir(const gchar *dir, GError **error);
gboolean
upd_file_mkdir_parents(const gchar *dir, guint mode, GError **error);
gboolean
upd_file_rm_rf(const gchar *path, GError **error);
void
upd_file_set_error_errno(GError **error, int errsv, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS

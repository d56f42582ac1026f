/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"

static UpdError
upd_file_error_code(int errsv)
{
	switch (errsv) {
	case ENOENT:
	case ENOTDIR:
		return UPD_ERROR_NOT_FOUND;
	case EEXIST:
		return UPD_ERROR_ALREADY_EXISTS;
	case ENOSPC:
	case EDQUOT:
		return UPD_ERROR_NO_SPACE;
	default:
		return UPD_ERROR_IO;
	}
}

/* sets an UPD_ERROR whose code follows errno: "<formatted>: <strerror>" */
void
upd_file_set_error_errno(GError **error, int errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, UPD_ERROR, upd_file_error_code(errsv), "%s: %s", msg, g_strerror(errsv));
}

gboolean
upd_file_write_all(int fd, const void *data, gsize len, const gchar *path, GError **error)
{
	const guint8 *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			int errsv = errno;
			if (errsv == EINTR)
				continue;
			upd_file_set_error_errno(error, errsv, _("cannot write %s"), path);
			return FALSE;
		}
		p += n;
		len -= n;
	}
	return TRUE;
}

void
upd_file_start_writeback(int fd, guint64 *started, guint64 written)
{
	if (written < *started || written - *started < UPD_FILE_WRITEBACK_CHUNK)
		return;
#ifdef __linux__
	/* asynchronous: queues the dirty pages for writing and returns */
	(void)sync_file_range(fd, (off_t)*started, (off_t)(written - *started),
			      SYNC_FILE_RANGE_WRITE);
#endif
	*started = written;
}

gboolean
upd_file_fsync_dir(const gchar *dir, GError **error)
{
	g_auto(UpdFd) fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot sync directory %s"), dir);
		return FALSE;
	}
	return TRUE;
}

/* writes a new temporary file beside @path, fsynced, and returns its name */
static gchar *
upd_file_write_temp(const gchar *path, const void *data, gsize len, guint mode, GError **error)
{
	g_autofree gchar *tmpl = NULL;
	g_auto(UpdFd) fd = -1;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *base = g_path_get_basename(path);

	tmpl = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create a file in %s"), dir);
		return NULL;
	}
	/* g_mkstemp_full() honours the umask; the mode must be exact (0600 keys) */
	if (fchmod(fd, mode) != 0 || !upd_file_write_all(fd, data, len, path, error) ||
	    fsync(fd) != 0) {
		int errsv = errno;
		if (error != NULL && *error == NULL)
			upd_file_set_error_errno(error, errsv, _("cannot write %s"), path);
		g_unlink(tmpl);
		return NULL;
	}
	return g_steal_pointer(&tmpl);
}

/* Creates @path with @data; never replaces an existing file. A crash leaves
 * either no file or the complete one. */
gboolean
upd_file_create_exclusive(
	const gchar *path, const void *data, gsize len, guint mode, GError **error)
{
	g_autofree gchar *tmp = upd_file_write_temp(path, data, len, mode, error);
	g_autofree gchar *dir = g_path_get_dirname(path);

	if (tmp == NULL)
		return FALSE;
	if (link(tmp, path) != 0) {
		int errsv = errno;
		g_unlink(tmp);
		if (errsv == EEXIST) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_ALREADY_EXISTS,
				    _("%s exists already; not overwriting it"), path);
		} else {
			upd_file_set_error_errno(error, errsv, _("cannot create %s"), path);
		}
		return FALSE;
	}
	g_unlink(tmp);
	return upd_file_fsync_dir(dir, error);
}

/* Replaces @path atomically: readers see the old or the new content. */
gboolean
upd_file_replace_atomic(const gchar *path, const void *data, gsize len, guint mode, GError **error)
{
	g_autofree gchar *tmp = upd_file_write_temp(path, data, len, mode, error);
	g_autofree gchar *dir = g_path_get_dirname(path);

	if (tmp == NULL)
		return FALSE;
	if (rename(tmp, path) != 0) {
		int errsv = errno;
		g_unlink(tmp);
		upd_file_set_error_errno(error, errsv, _("cannot replace %s"), path);
		return FALSE;
	}
	return upd_file_fsync_dir(dir, error);
}

gboolean
upd_file_mkdir_parents(const gchar *dir, guint mode, GError **error)
{
	if (g_mkdir_with_parents(dir, mode) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot create directory %s"), dir);
		return FALSE;
	}
	return TRUE;
}

static gboolean
upd_file_rm_rf_at(int dfd, const gchar *name, const gchar *path, GError **error)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return TRUE;
		upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
		return FALSE;
	}
	if (S_ISDIR(st.st_mode)) {
		g_auto(UpdFd) fd =
			openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		DIR *d;
		struct dirent *de;

		if (fd < 0) {
			upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
			return FALSE;
		}
		d = fdopendir(dup(fd));
		if (d == NULL) {
			upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
			return FALSE;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				g_ptr_array_add(names, g_strdup(de->d_name));
		}
		closedir(d);
		for (guint i = 0; i < names->len; i++) {
			const gchar *child = g_ptr_array_index(names, i);
			g_autofree gchar *child_path = g_build_filename(path, child, NULL);
			if (!upd_file_rm_rf_at(fd, child, child_path, error))
				return FALSE;
		}
		if (unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
			upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
			return FALSE;
		}
		return TRUE;
	}
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT) {
		upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
		return FALSE;
	}
	return TRUE;
}

/* Removes a file or a whole tree without following symbolic links. */
gboolean
upd_file_rm_rf(const gchar *path, GError **error)
{
	return upd_file_rm_rf_at(AT_FDCWD, path, path, error);
}

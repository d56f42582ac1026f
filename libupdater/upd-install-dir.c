/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-install-dir-private.h"
#include "upd-version-common.h"

gchar *
upd_install_dir_get_current(const gchar *dir)
{
	g_autofree gchar *link = g_build_filename(dir, UPD_INSTALL_DIR_CURRENT, NULL);
	g_autofree gchar *target = g_file_read_link(link, NULL);
	g_autofree gchar *parent = NULL;
	g_autofree gchar *version = NULL;

	if (target == NULL)
		return NULL;
	parent = g_path_get_dirname(target);
	version = g_path_get_basename(target);
	if (g_strcmp0(parent, UPD_INSTALL_DIR_VERSIONS) != 0 ||
	    !upd_version_validate(version, NULL)) {
		g_warning("%s points to %s, not to versions/<version>; ignoring it", link, target);
		return NULL;
	}
	return g_steal_pointer(&version);
}

gchar *
upd_install_dir_version_path(const gchar *dir, const gchar *version)
{
	return g_build_filename(dir, UPD_INSTALL_DIR_VERSIONS, version, NULL);
}

gboolean
upd_install_dir_switch(const gchar *dir, const gchar *version, GError **error)
{
	g_auto(UpdFd) dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_autofree gchar *target = NULL;

	if (dfd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), dir);
		return FALSE;
	}
	if (version == NULL) {
		if (unlinkat(dfd, UPD_INSTALL_DIR_CURRENT, 0) != 0 && errno != ENOENT) {
			upd_file_set_error_errno(error, errno, _("cannot remove %s/current"), dir);
			return FALSE;
		}
	} else {
		target = g_build_filename(UPD_INSTALL_DIR_VERSIONS, version, NULL);
		/* a new link beside the old one, renamed over it: never a moment without */
		for (guint attempt = 0;; attempt++) {
			g_autofree gchar *tmp = g_strdup_printf(".current-%08x", g_random_int());
			if (symlinkat(target, dfd, tmp) == 0) {
				if (renameat(dfd, tmp, dfd, UPD_INSTALL_DIR_CURRENT) != 0) {
					int errsv = errno;
					unlinkat(dfd, tmp, 0);
					upd_file_set_error_errno(
						error, errsv, _("cannot switch %s/current"), dir);
					return FALSE;
				}
				break;
			}
			if (errno != EEXIST || attempt > 100) {
				upd_file_set_error_errno(error, errno,
							 _("cannot switch %s/current"), dir);
				return FALSE;
			}
		}
	}
	if (fsync(dfd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot sync directory %s"), dir);
		return FALSE;
	}
	return TRUE;
}

static gint
upd_install_dir_compare(gconstpointer a, gconstpointer b)
{
	return upd_version_compare(*(const gchar **)a, *(const gchar **)b);
}

GPtrArray *
upd_install_dir_list_versions(const gchar *dir)
{
	g_autofree gchar *versions = g_build_filename(dir, UPD_INSTALL_DIR_VERSIONS, NULL);
	g_autoptr(GDir) d = g_dir_open(versions, 0, NULL);
	GPtrArray *result = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		if (upd_version_validate(name, NULL))
			g_ptr_array_add(result, g_strdup(name));
	}
	g_ptr_array_sort(result, upd_install_dir_compare);
	return result;
}

GPtrArray *
upd_install_dir_prune(const gchar *dir, guint keep, GError **error)
{
	g_autoptr(GPtrArray) versions = upd_install_dir_list_versions(dir);
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *current = upd_install_dir_get_current(dir);
	guint kept = 0;

	/* newest first: the current version and the @keep newest others stay */
	for (guint i = versions->len; i > 0; i--) {
		const gchar *version = g_ptr_array_index(versions, i - 1);
		g_autofree gchar *path = NULL;
		if (g_strcmp0(version, current) == 0)
			continue;
		if (kept < keep) {
			kept++;
			continue;
		}
		path = upd_install_dir_version_path(dir, version);
		if (!upd_file_rm_rf(path, error))
			return NULL;
		g_ptr_array_add(removed, g_strdup(version));
	}
	return g_steal_pointer(&removed);
}

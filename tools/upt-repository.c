/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-manifest-private.h"
#include "upd-repo-layout-private.h"
#include "upd-validate-private.h"
#include "upt-repository.h"

struct _UptRepository {
	GObject parent_instance;
	gchar *dir;  /* (owned): absolute */
	int lock_fd; /* -1 when not locked */
};

G_DEFINE_TYPE(UptRepository, upt_repository, G_TYPE_OBJECT)

static void
upt_repository_finalize(GObject *object)
{
	UptRepository *self = UPT_REPOSITORY(object);
	if (self->lock_fd >= 0)
		close(self->lock_fd);
	g_free(self->dir);
	G_OBJECT_CLASS(upt_repository_parent_class)->finalize(object);
}

static void
upt_repository_class_init(UptRepositoryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = upt_repository_finalize;
}

static void
upt_repository_init(UptRepository *self)
{
	self->lock_fd = -1;
}

UptRepository *
upt_repository_open(const gchar *dir, gboolean create, GError **error)
{
	g_autoptr(UptRepository) self = g_object_new(UPT_TYPE_REPOSITORY, NULL);
	g_autofree gchar *abs = g_canonicalize_filename(dir, NULL);

	if (create && !upd_file_mkdir_parents(abs, 0755, error))
		return NULL;
	if (!g_file_test(abs, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("repository %s does not exist or is not a directory"), abs);
		return NULL;
	}
	self->dir = g_steal_pointer(&abs);
	return g_steal_pointer(&self);
}

const gchar *
upt_repository_get_dir(UptRepository *self)
{
	return self->dir;
}

/* One publisher at a time: the lock is held until the object is finalized.
 * It waits for another publisher rather than failing. */
gboolean
upt_repository_lock(UptRepository *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->dir, ".lock", NULL);

	if (self->lock_fd >= 0)
		return TRUE;
	self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (self->lock_fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), path);
		return FALSE;
	}
	while (flock(self->lock_fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			upd_file_set_error_errno(error, errno, _("cannot lock %s"), path);
			return FALSE;
		}
	}
	return TRUE;
}

gchar *
upt_repository_build_path(UptRepository *self, const gchar *relative)
{
	return g_build_filename(self->dir, relative, NULL);
}

GBytes *
upt_repository_read_manifest(UptRepository *self,
			     const gchar *app_id,
			     const gchar *channel,
			     GError **error)
{
	g_autofree gchar *relative = upd_repo_manifest_path(app_id, channel);
	g_autofree gchar *path = upt_repository_build_path(self, relative);
	g_autoptr(GError) error_local = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
				    _("the repository has no channel %s of application %s"),
				    channel, app_id);
		} else {
			g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read %s: %s"), path,
				    error_local->message);
		}
		return NULL;
	}
	return g_bytes_new_take(contents, len);
}

/* decodes without verifying: the publisher reads its own repository */
UpdManifest *
upt_repository_load_manifest(UptRepository *self,
			     const gchar *app_id,
			     const gchar *channel,
			     GError **error)
{
	g_autoptr(GBytes) bytes = upt_repository_read_manifest(self, app_id, channel, error);
	UpdManifest *manifest;

	if (bytes == NULL)
		return NULL;
	manifest = upd_manifest_new_unverified(bytes, error);
	if (manifest == NULL) {
		g_prefix_error(error, _("manifest of %s on %s is damaged: "), app_id, channel);
		return NULL;
	}
	return manifest;
}

static gint
upt_repository_compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar **)a, *(const gchar **)b);
}

/* "app-id/channel" for every channel that has a manifest, sorted */
GPtrArray *
upt_repository_list_channels(UptRepository *self, GError **error)
{
	g_autofree gchar *apps_path = upt_repository_build_path(self, UPD_REPO_APPS_DIR);
	g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) apps = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *app;

	apps = g_dir_open(apps_path, 0, &error_local);
	if (apps == NULL) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&result);
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, "%s", error_local->message);
		return NULL;
	}
	while ((app = g_dir_read_name(apps)) != NULL) {
		g_autofree gchar *app_path = g_build_filename(apps_path, app, NULL);
		g_autoptr(GDir) channels = NULL;
		const gchar *channel;

		if (!upd_validate_app_id(app, NULL))
			continue;
		channels = g_dir_open(app_path, 0, NULL);
		if (channels == NULL)
			continue;
		while ((channel = g_dir_read_name(channels)) != NULL) {
			g_autofree gchar *relative = upd_repo_manifest_path(app, channel);
			g_autofree gchar *manifest = upt_repository_build_path(self, relative);
			if (upd_validate_channel(channel, NULL) &&
			    g_file_test(manifest, G_FILE_TEST_IS_REGULAR))
				g_ptr_array_add(result, g_strdup_printf("%s/%s", app, channel));
		}
	}
	g_ptr_array_sort(result, upt_repository_compare_strings);
	return g_steal_pointer(&result);
}

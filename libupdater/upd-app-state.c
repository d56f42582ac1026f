/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#include "upd-app-state-private.h"
#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-paths-private.h"

#define UPD_APP_STATE_GROUP_SERIALS "Serials"

struct _UpdAppState {
	GObject parent_instance;
	gchar *app_id; /* (owned) */
	gchar *dir;    /* (owned) */
	gchar *path;   /* (owned): state.ini */
};

G_DEFINE_TYPE(UpdAppState, upd_app_state, G_TYPE_OBJECT)

static void
upd_app_state_finalize(GObject *object)
{
	UpdAppState *self = UPD_APP_STATE(object);
	g_free(self->app_id);
	g_free(self->dir);
	g_free(self->path);
	G_OBJECT_CLASS(upd_app_state_parent_class)->finalize(object);
}

static void
upd_app_state_class_init(UpdAppStateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = upd_app_state_finalize;
}

static void
upd_app_state_init(UpdAppState *self)
{
}

UpdAppState *
upd_app_state_new(const gchar *app_id)
{
	UpdAppState *self = g_object_new(UPD_TYPE_APP_STATE, NULL);
	self->app_id = g_strdup(app_id);
	self->dir = upd_paths_app_state_dir(app_id);
	self->path = g_build_filename(self->dir, "state.ini", NULL);
	return self;
}

const gchar *
upd_app_state_get_dir(UpdAppState *self)
{
	return self->dir;
}

/* takes the advisory lock of the application's state directory */
static int
upd_app_state_lock(UpdAppState *self, GError **error)
{
	g_autofree gchar *lock_path = g_build_filename(self->dir, ".lock", NULL);
	int fd;

	if (!upd_file_mkdir_parents(self->dir, 0700, error))
		return -1;
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), lock_path);
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			upd_file_set_error_errno(error, errno, _("cannot lock %s"), lock_path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static GKeyFile *
upd_app_state_load(UpdAppState *self, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	if (!g_key_file_load_from_file(kf, self->path, G_KEY_FILE_KEEP_COMMENTS, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&kf);
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read state file %s: %s"),
			    self->path, error_local->message);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

gboolean
upd_app_state_get_highest_serial(UpdAppState *self,
				 const gchar *channel,
				 guint64 *serial,
				 GError **error)
{
	g_autoptr(GKeyFile) kf = upd_app_state_load(self, error);
	g_autofree gchar *value = NULL;

	if (kf == NULL)
		return FALSE;
	*serial = 0;
	value = g_key_file_get_string(kf, UPD_APP_STATE_GROUP_SERIALS, channel, NULL);
	if (value != NULL && !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, serial, NULL)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO,
			    _("state file %s holds a bad serial “%s” for channel %s"), self->path,
			    value, channel);
		return FALSE;
	}
	return TRUE;
}

/* records @serial unless a higher one is already recorded */
gboolean
upd_app_state_raise_highest_serial(UpdAppState *self,
				   const gchar *channel,
				   guint64 serial,
				   GError **error)
{
	g_auto(UpdFd) lock = upd_app_state_lock(self, error);
	g_autoptr(GKeyFile) kf = NULL;
	g_autofree gchar *data = NULL;
	g_autofree gchar *value = NULL;
	guint64 current = 0;
	gsize len = 0;

	if (lock < 0)
		return FALSE;
	kf = upd_app_state_load(self, error);
	if (kf == NULL)
		return FALSE;
	value = g_key_file_get_string(kf, UPD_APP_STATE_GROUP_SERIALS, channel, NULL);
	if (value != NULL &&
	    g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &current, NULL) &&
	    current >= serial)
		return TRUE;
	g_key_file_set_uint64(kf, UPD_APP_STATE_GROUP_SERIALS, channel, serial);
	data = g_key_file_to_data(kf, &len, NULL);
	return upd_file_replace_atomic(self->path, data, len, 0600, error);
}

static gchar *
upd_app_state_installed_release_path(UpdAppState *self, const gchar *version)
{
	g_autofree gchar *name = g_strdup_printf("%s.release", version);
	return g_build_filename(self->dir, "installed", name, NULL);
}

/* NULL without an error when there is no record */
Updater__Release *
upd_app_state_load_installed_release(UpdAppState *self, const gchar *version, GError **error)
{
	g_autofree gchar *path = upd_app_state_installed_release_path(self, version);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;
	Updater__Release *release;
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return NULL;
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read %s: %s"), path,
			    error_local->message);
		return NULL;
	}
	release = updater__release__unpack(NULL, len, (const guint8 *)contents);
	if (release == NULL)
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("%s is damaged"), path);
	return release;
}

gboolean
upd_app_state_save_installed_release(UpdAppState *self,
				     const gchar *version,
				     const Updater__Release *release,
				     GError **error)
{
	g_autofree gchar *path = upd_app_state_installed_release_path(self, version);
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(GBytes) bytes = upd_pb_pack((const ProtobufCMessage *)release);

	if (!upd_file_mkdir_parents(dir, 0700, error))
		return FALSE;
	return upd_file_replace_atomic(path, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
				       0600, error);
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
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

static int
upd_app_state_lock_file(UpdAppState *self, const gchar *name, gboolean wait, GError **error)
{
	g_autofree gchar *lock_path = g_build_filename(self->dir, name, NULL);
	int fd;

	if (!upd_file_mkdir_parents(self->dir, 0700, error))
		return -1;
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), lock_path);
		return -1;
	}
	while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
		if (!wait && errno == EWOULDBLOCK) {
			close(fd);
			return -1;
		}
		if (errno != EINTR) {
			upd_file_set_error_errno(error, errno, _("cannot lock %s"), lock_path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* short: around a read-modify-write of state.ini */
static int
upd_app_state_lock(UpdAppState *self, GError **error)
{
	return upd_app_state_lock_file(self, ".lock", TRUE, error);
}

/* long: held for a whole install or rollback, across processes */
int
upd_app_state_lock_transaction(UpdAppState *self, GError **error)
{
	return upd_app_state_lock_file(self, ".transaction-lock", TRUE, error);
}

int
upd_app_state_try_lock_transaction(UpdAppState *self, GError **error)
{
	return upd_app_state_lock_file(self, ".transaction-lock", FALSE, error);
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

#define UPD_APP_STATE_HISTORY_MAX   500
#define UPD_APP_STATE_GROUP_SKIPPED "Skipped"

static gchar *
upd_app_state_path(UpdAppState *self, const gchar *name)
{
	return g_build_filename(self->dir, name, NULL);
}

GKeyFile *
upd_app_state_load_journal(UpdAppState *self, GError **error)
{
	g_autofree gchar *path = upd_app_state_path(self, "journal.ini");
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return NULL;
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read the journal %s: %s"),
			    path, error_local->message);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

/* every step of a transaction is on disk before the step is taken */
gboolean
upd_app_state_save_journal(UpdAppState *self, GKeyFile *journal, GError **error)
{
	g_autofree gchar *path = upd_app_state_path(self, "journal.ini");
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!upd_file_mkdir_parents(self->dir, 0700, error))
		return FALSE;
	data = g_key_file_to_data(journal, &len, NULL);
	return upd_file_replace_atomic(path, data, len, 0600, error);
}

gboolean
upd_app_state_clear_journal(UpdAppState *self, GError **error)
{
	g_autofree gchar *path = upd_app_state_path(self, "journal.ini");
	if (g_unlink(path) != 0 && errno != ENOENT) {
		upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
		return FALSE;
	}
	return upd_file_fsync_dir(self->dir, error);
}

static GKeyFile *
upd_app_state_load_named(UpdAppState *self, const gchar *name, GError **error)
{
	g_autofree gchar *path = upd_app_state_path(self, name);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error_local) &&
	    !g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read %s: %s"), path,
			    error_local->message);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

static gboolean
upd_app_state_save_named(UpdAppState *self, const gchar *name, GKeyFile *kf, GError **error)
{
	g_autofree gchar *path = upd_app_state_path(self, name);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!upd_file_mkdir_parents(self->dir, 0700, error))
		return FALSE;
	data = g_key_file_to_data(kf, &len, NULL);
	return upd_file_replace_atomic(path, data, len, 0600, error);
}

gboolean
upd_app_state_add_history(UpdAppState *self,
			  const gchar *operation,
			  const gchar *from,
			  const gchar *to,
			  const gchar *result,
			  const gchar *error_message,
			  GError **error)
{
	g_autoptr(GKeyFile) kf = upd_app_state_load_named(self, "history.ini", error);
	g_auto(GStrv) groups = NULL;
	g_autofree gchar *group = NULL;
	guint64 next = 1;

	if (kf == NULL)
		return FALSE;
	groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		guint64 n = g_ascii_strtoull(groups[i] + strlen("entry-"), NULL, 10);
		next = MAX(next, n + 1);
	}
	/* the oldest entries go when there are too many */
	for (guint i = 0;
	     groups[i] != NULL && g_strv_length(groups) - i >= UPD_APP_STATE_HISTORY_MAX; i++)
		g_key_file_remove_group(kf, groups[i], NULL);
	group = g_strdup_printf("entry-%06" G_GUINT64_FORMAT, next);
	g_key_file_set_int64(kf, group, "Time", g_get_real_time() / G_USEC_PER_SEC);
	g_key_file_set_string(kf, group, "Operation", operation);
	g_key_file_set_string(kf, group, "From", from != NULL ? from : "");
	g_key_file_set_string(kf, group, "To", to != NULL ? to : "");
	g_key_file_set_string(kf, group, "Result", result);
	g_key_file_set_string(kf, group, "Error", error_message != NULL ? error_message : "");
	return upd_app_state_save_named(self, "history.ini", kf, error);
}

GVariant *
upd_app_state_get_history(UpdAppState *self, GError **error)
{
	g_autoptr(GKeyFile) kf = upd_app_state_load_named(self, "history.ini", error);
	g_auto(GStrv) groups = NULL;
	GVariantBuilder builder;

	if (kf == NULL)
		return NULL;
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *keys[] = {"Operation", "From", "To", "Result", "Error"};
		const gchar *names[] = {"operation", "from", "to", "result", "error"};
		GVariantDict dict;

		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "time", "x",
				      g_key_file_get_int64(kf, groups[i], "Time", NULL));
		for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
			g_autofree gchar *value =
				g_key_file_get_string(kf, groups[i], keys[k], NULL);
			g_variant_dict_insert(&dict, names[k], "s", value != NULL ? value : "");
		}
		g_variant_builder_add_value(&builder, g_variant_dict_end(&dict));
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

GStrv
upd_app_state_get_skipped(UpdAppState *self)
{
	g_autoptr(GKeyFile) kf = upd_app_state_load(self, NULL);
	gchar **versions = NULL;

	if (kf != NULL)
		versions = g_key_file_get_string_list(kf, UPD_APP_STATE_GROUP_SKIPPED, "Versions",
						      NULL, NULL);
	return versions != NULL ? versions : g_new0(gchar *, 1);
}

gboolean
upd_app_state_set_skipped(UpdAppState *self, const gchar *version, gboolean skipped, GError **error)
{
	g_auto(UpdFd) lock = upd_app_state_lock(self, error);
	g_autoptr(GKeyFile) kf = lock >= 0 ? upd_app_state_load(self, error) : NULL;
	g_auto(GStrv) current = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) updated = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (kf == NULL)
		return FALSE;
	current =
		g_key_file_get_string_list(kf, UPD_APP_STATE_GROUP_SKIPPED, "Versions", NULL, NULL);
	for (guint i = 0; current != NULL && current[i] != NULL; i++) {
		if (g_strcmp0(current[i], version) != 0)
			g_strv_builder_add(builder, current[i]);
	}
	if (skipped)
		g_strv_builder_add(builder, version);
	updated = g_strv_builder_end(builder);
	g_key_file_set_string_list(kf, UPD_APP_STATE_GROUP_SKIPPED, "Versions",
				   (const gchar *const *)updated, g_strv_length(updated));
	if (!upd_file_mkdir_parents(self->dir, 0700, error))
		return FALSE;
	data = g_key_file_to_data(kf, &len, NULL);
	return upd_file_replace_atomic(self->path, data, len, 0600, error);
}

gboolean
upd_app_state_remove_installed_release(UpdAppState *self, const gchar *version, GError **error)
{
	g_autofree gchar *path = upd_app_state_installed_release_path(self, version);
	if (g_unlink(path) != 0 && errno != ENOENT) {
		upd_file_set_error_errno(error, errno, _("cannot remove %s"), path);
		return FALSE;
	}
	return TRUE;
}

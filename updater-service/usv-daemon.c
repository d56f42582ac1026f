/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "upd-dbus-private.h"
#include "upd-i18n-private.h"
#include "upd-paths-private.h"
#include "usv-app.h"
#include "usv-daemon.h"
#include "usv-trim.h"

struct _UsvDaemon {
	GObject parent_instance;
	UsvDaemonOptions options;
	GNetworkMonitor *network;	   /* (owned) */
	GPowerProfileMonitor *power;	   /* (owned) (nullable) */
	GDBusConnection *connection;	   /* (owned) (nullable) */
	GDBusObjectManagerServer *manager; /* (owned) (nullable) */
	UpdDBusUpdater1 *skeleton;	   /* (owned) */
	gchar *apps_dir;		   /* (owned) */
	GHashTable *apps;		   /* id -> UsvApp */
	GHashTable *hosts;		   /* bus name -> GHashTable set of app ids */
	GHashTable *host_watches;	   /* bus name -> watch id */
	guint idle_id;
	guint trim_id;
};

/* seconds without an operation after which the daemon trims its working
 * set: past GLib's idle pool threads (15 s), once per quiet spell */
#define USV_DAEMON_TRIM_DELAY 30

enum {
	SIGNAL_IDLE,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(UsvDaemon, usv_daemon, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ idle */

/* whether anything needs the daemon to stay: an operation, a host, a
 * scheduled check */
static gboolean
usv_daemon_has_work(UsvDaemon *self)
{
	GHashTableIter iter;
	gpointer app;

	if (g_hash_table_size(self->hosts) > 0)
		return TRUE;
	g_hash_table_iter_init(&iter, self->apps);
	while (g_hash_table_iter_next(&iter, NULL, &app)) {
		if (usv_app_is_busy(app) || usv_app_has_schedule(app))
			return TRUE;
	}
	return FALSE;
}

static gboolean
usv_daemon_idle_cb(gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);

	self->idle_id = 0;
	if (usv_daemon_has_work(self))
		return G_SOURCE_REMOVE;
	g_message("nothing to do for %u s, exiting", self->options.idle_timeout);
	g_signal_emit(self, signals[SIGNAL_IDLE], 0);
	return G_SOURCE_REMOVE;
}

static gboolean
usv_daemon_trim_cb(gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	guint64 freed;

	self->trim_id = 0;
	freed = usv_trim_working_set();
	g_debug("idle: gave back %" G_GUINT64_FORMAT " KiB of resident memory", freed / 1024);
	return G_SOURCE_REMOVE;
}

/* whether an application runs or waits to run an operation */
static gboolean
usv_daemon_has_operations(UsvDaemon *self)
{
	GHashTableIter iter;
	gpointer app;

	g_hash_table_iter_init(&iter, self->apps);
	while (g_hash_table_iter_next(&iter, NULL, &app)) {
		if (usv_app_is_busy(app))
			return TRUE;
	}
	return FALSE;
}

/* (re)starts the idle countdown when there is nothing to do, and the trim
 * of the working set when no operation runs; any activity calls this
 * again */
static void
usv_daemon_update_idle(UsvDaemon *self)
{
	g_clear_handle_id(&self->idle_id, g_source_remove);
	g_clear_handle_id(&self->trim_id, g_source_remove);
	if (!usv_daemon_has_operations(self))
		self->trim_id =
			g_timeout_add_seconds(USV_DAEMON_TRIM_DELAY, usv_daemon_trim_cb, self);
	if (self->options.idle_timeout == 0 || usv_daemon_has_work(self))
		return;
	self->idle_id = g_timeout_add_seconds(self->options.idle_timeout, usv_daemon_idle_cb, self);
}

static gboolean
usv_daemon_authorize_method_cb(GDBusInterfaceSkeleton *skeleton,
			       GDBusMethodInvocation *invocation,
			       gpointer user_data)
{
	/* a caller is activity: the countdown starts over */
	usv_daemon_update_idle(USV_DAEMON(user_data));
	return TRUE;
}

static void
usv_daemon_app_busy_changed_cb(UsvApp *app, gpointer user_data)
{
	usv_daemon_update_idle(USV_DAEMON(user_data));
}

/* ------------------------------------------------------------------ apps */

/* the file of apps.d that holds an application's configuration: the one it
 * was loaded from when that is in apps.d (people name them as they like),
 * else <id>.conf */
static gchar *
usv_daemon_app_file(UsvDaemon *self, const gchar *id)
{
	UsvApp *app = g_hash_table_lookup(self->apps, id);
	g_autofree gchar *basename = NULL;

	if (app != NULL) {
		const gchar *source = upd_app_config_get_source(usv_app_get_config(app));
		g_autofree gchar *dir = g_path_get_dirname(source);
		if (g_path_is_absolute(source) && g_strcmp0(dir, self->apps_dir) == 0)
			return g_strdup(source);
	}
	basename = g_strconcat(id, ".conf", NULL);
	return g_build_filename(self->apps_dir, basename, NULL);
}

static void
usv_daemon_remove_app(UsvDaemon *self, const gchar *id)
{
	g_autoptr(UsvApp) app = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *path = upd_dbus_app_path(id);

	/* the table owns its keys: stolen, the key is ours to free (and `id`
	 * may be that very string, so it is not used below) */
	if (!g_hash_table_steal_extended(self->apps, id, (gpointer *)&key, (gpointer *)&app))
		return;
	usv_app_shutdown(app);
	g_signal_handlers_disconnect_by_data(app, self);
	if (self->manager != NULL)
		g_dbus_object_manager_server_unexport(self->manager, path);
}

static void
usv_daemon_add_app(UsvDaemon *self, UpdAppConfig *config)
{
	g_autoptr(UsvApp) app = NULL;
	g_autoptr(UpdDBusUpdater1App) iface = NULL;
	const gchar *id = upd_app_config_get_id(config);

	usv_daemon_remove_app(self, id);
	app = usv_app_new(config, self->network, self->power, self->options.swap_timeout);
	g_signal_connect(app, "busy-changed", G_CALLBACK(usv_daemon_app_busy_changed_cb), self);
	iface = upd_dbus_object_get_updater1_app(UPD_DBUS_OBJECT(usv_app_get_object(app)));
	g_signal_connect(iface, "g-authorize-method", G_CALLBACK(usv_daemon_authorize_method_cb),
			 self);
	g_dbus_object_manager_server_export(self->manager,
					    G_DBUS_OBJECT_SKELETON(usv_app_get_object(app)));
	usv_app_start(app, self->options.first_check_delay);
	g_hash_table_insert(self->apps, g_strdup(id), g_steal_pointer(&app));
	g_message("serving %s", id);
}

/* every *.conf of apps.d; a bad file is reported and skipped, the others
 * are served */
static void
usv_daemon_load_apps(UsvDaemon *self)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *name;

	dir = g_dir_open(self->apps_dir, 0, &error);
	if (dir == NULL) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("%s", error->message);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autoptr(UpdAppConfig) config = NULL;
		g_autoptr(GError) error_local = NULL;

		if (!g_str_has_suffix(name, ".conf"))
			continue;
		path = g_build_filename(self->apps_dir, name, NULL);
		config = upd_app_config_new_from_file(path, &error_local);
		if (config == NULL) {
			g_warning(_("skipping %s: %s"), path, error_local->message);
			continue;
		}
		if (g_hash_table_contains(self->apps, upd_app_config_get_id(config))) {
			g_warning(_("skipping %s: the application %s is registered by another "
				    "file already"),
				  path, upd_app_config_get_id(config));
			continue;
		}
		usv_daemon_add_app(self, config);
	}
}

/* ----------------------------------------------------------------- hosts */

static void
usv_daemon_host_vanished_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	GHashTable *ids = g_hash_table_lookup(self->hosts, name);
	GHashTableIter iter;
	gpointer id;

	if (ids == NULL)
		return;
	g_debug("host %s left the bus", name);
	g_hash_table_iter_init(&iter, ids);
	while (g_hash_table_iter_next(&iter, &id, NULL)) {
		UsvApp *app = g_hash_table_lookup(self->apps, id);
		if (app != NULL)
			usv_app_remove_host(app, name);
	}
	g_hash_table_remove(self->hosts, name);
	g_hash_table_remove(self->host_watches, name);
	usv_daemon_update_idle(self);
}

static void
usv_daemon_unwatch(gpointer watch_id)
{
	g_bus_unwatch_name(GPOINTER_TO_UINT(watch_id));
}

/* ----------------------------------------------------------------- D-Bus */

static UsvApp *
usv_daemon_lookup_app(UsvDaemon *self, const gchar *id, GDBusMethodInvocation *invocation)
{
	UsvApp *app = g_hash_table_lookup(self->apps, id);
	if (app == NULL)
		g_dbus_method_invocation_return_error(invocation, UPD_ERROR, UPD_ERROR_NOT_FOUND,
						      _("no application %s is registered"), id);
	return app;
}

static gboolean
usv_daemon_handle_register_application(UpdDBusUpdater1 *skeleton,
				       GDBusMethodInvocation *invocation,
				       const gchar *text,
				       gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	g_autoptr(GKeyFile) key_file = g_key_file_new();
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdAppConfig) saved = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *file = NULL;
	g_autofree gchar *path = NULL;

	if (!g_key_file_load_from_data(key_file, text, (gsize)-1, G_KEY_FILE_KEEP_COMMENTS,
				       &error)) {
		g_dbus_method_invocation_return_error(
			invocation, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
			_("the configuration is not a key file: %s"), error->message);
		return TRUE;
	}
	config = upd_app_config_new_from_key_file(key_file, _("the registered configuration"),
						  &error);
	if (config == NULL) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return TRUE;
	}
	/* kept in apps.d, atomically: a crash leaves the old file or the new */
	file = usv_daemon_app_file(self, upd_app_config_get_id(config));
	if (g_mkdir_with_parents(self->apps_dir, 0700) != 0) {
		int saved_errno = errno;
		g_dbus_method_invocation_return_error(invocation, UPD_ERROR, UPD_ERROR_IO,
						      _("cannot create %s: %s"), self->apps_dir,
						      g_strerror(saved_errno));
		return TRUE;
	}
	if (!g_file_set_contents_full(file, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      &error)) {
		g_dbus_method_invocation_return_error(invocation, UPD_ERROR, UPD_ERROR_IO, "%s",
						      error->message);
		return TRUE;
	}
	/* served from the file, so that messages name it */
	saved = upd_app_config_new_from_file(file, &error);
	if (saved == NULL) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return TRUE;
	}
	usv_daemon_add_app(self, saved);
	usv_daemon_update_idle(self);
	path = upd_dbus_app_path(upd_app_config_get_id(saved));
	upd_dbus_updater1_complete_register_application(skeleton, invocation, path);
	return TRUE;
}

static gboolean
usv_daemon_handle_unregister_application(UpdDBusUpdater1 *skeleton,
					 GDBusMethodInvocation *invocation,
					 const gchar *id,
					 gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	g_autofree gchar *file = NULL;

	if (usv_daemon_lookup_app(self, id, invocation) == NULL)
		return TRUE;
	file = usv_daemon_app_file(self, id);
	if (g_unlink(file) != 0 && errno != ENOENT) {
		int saved_errno = errno;
		g_dbus_method_invocation_return_error(invocation, UPD_ERROR, UPD_ERROR_IO,
						      _("cannot remove %s: %s"), file,
						      g_strerror(saved_errno));
		return TRUE;
	}
	usv_daemon_remove_app(self, id);
	g_message("forgot %s", id);
	usv_daemon_update_idle(self);
	upd_dbus_updater1_complete_unregister_application(skeleton, invocation);
	return TRUE;
}

static gboolean
usv_daemon_handle_register_host(UpdDBusUpdater1 *skeleton,
				GDBusMethodInvocation *invocation,
				const gchar *id,
				const gchar *const *plugins,
				gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	const gchar *sender = g_dbus_method_invocation_get_sender(invocation);
	UsvApp *app = usv_daemon_lookup_app(self, id, invocation);
	GHashTable *ids;

	if (app == NULL)
		return TRUE;
	if (sender == NULL) {
		g_dbus_method_invocation_return_error_literal(
			invocation, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("hosts must call from a message bus connection"));
		return TRUE;
	}
	ids = g_hash_table_lookup(self->hosts, sender);
	if (ids == NULL) {
		guint watch_id;

		ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_insert(self->hosts, g_strdup(sender), ids);
		watch_id = g_bus_watch_name_on_connection(self->connection, sender,
							  G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
							  usv_daemon_host_vanished_cb, self, NULL);
		g_hash_table_insert(self->host_watches, g_strdup(sender),
				    GUINT_TO_POINTER(watch_id));
	}
	g_hash_table_add(ids, g_strdup(id));
	usv_app_add_host(app, sender, plugins);
	g_message("%s: host %s runs %u plugins", id, sender, g_strv_length((gchar **)plugins));
	usv_daemon_update_idle(self);
	upd_dbus_updater1_complete_register_host(skeleton, invocation);
	return TRUE;
}

static gboolean
usv_daemon_handle_unregister_host(UpdDBusUpdater1 *skeleton,
				  GDBusMethodInvocation *invocation,
				  const gchar *id,
				  gpointer user_data)
{
	UsvDaemon *self = USV_DAEMON(user_data);
	const gchar *sender = g_dbus_method_invocation_get_sender(invocation);
	UsvApp *app = usv_daemon_lookup_app(self, id, invocation);
	GHashTable *ids;

	if (app == NULL)
		return TRUE;
	ids = sender != NULL ? g_hash_table_lookup(self->hosts, sender) : NULL;
	if (ids != NULL) {
		usv_app_remove_host(app, sender);
		g_hash_table_remove(ids, id);
		if (g_hash_table_size(ids) == 0) {
			g_hash_table_remove(self->hosts, sender);
			g_hash_table_remove(self->host_watches, sender);
		}
	}
	usv_daemon_update_idle(self);
	upd_dbus_updater1_complete_unregister_host(skeleton, invocation);
	return TRUE;
}

/* -------------------------------------------------------------- lifetime */

gboolean
usv_daemon_start(UsvDaemon *self, GDBusConnection *connection, GError **error)
{
	g_return_val_if_fail(self->connection == NULL, FALSE);

	self->connection = g_object_ref(connection);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->skeleton), connection,
					      UPD_DBUS_PATH, error))
		return FALSE;
	self->manager = g_dbus_object_manager_server_new(UPD_DBUS_PATH);
	usv_daemon_load_apps(self);
	g_dbus_object_manager_server_set_connection(self->manager, connection);
	usv_daemon_update_idle(self);
	return TRUE;
}

void
usv_daemon_stop(UsvDaemon *self)
{
	g_autoptr(GList) ids = g_hash_table_get_keys(self->apps);

	for (GList *l = ids; l != NULL; l = l->next) {
		g_autofree gchar *id = g_strdup(l->data);
		usv_daemon_remove_app(self, id);
	}
	g_hash_table_remove_all(self->host_watches);
	g_hash_table_remove_all(self->hosts);
	g_clear_handle_id(&self->idle_id, g_source_remove);
	g_clear_handle_id(&self->trim_id, g_source_remove);
	if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(self->skeleton)) !=
	    NULL)
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(self->skeleton));
	if (self->manager != NULL)
		g_dbus_object_manager_server_set_connection(self->manager, NULL);
}

static void
usv_daemon_dispose(GObject *object)
{
	UsvDaemon *self = USV_DAEMON(object);

	usv_daemon_stop(self);
	g_clear_object(&self->manager);
	g_clear_object(&self->connection);
	g_clear_object(&self->network);
	g_clear_object(&self->power);
	g_clear_object(&self->skeleton);
	G_OBJECT_CLASS(usv_daemon_parent_class)->dispose(object);
}

static void
usv_daemon_finalize(GObject *object)
{
	UsvDaemon *self = USV_DAEMON(object);

	g_hash_table_unref(self->apps);
	g_hash_table_unref(self->hosts);
	g_hash_table_unref(self->host_watches);
	g_free(self->apps_dir);
	G_OBJECT_CLASS(usv_daemon_parent_class)->finalize(object);
}

static void
usv_daemon_class_init(UsvDaemonClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = usv_daemon_dispose;
	object_class->finalize = usv_daemon_finalize;
	/* nothing to do for the idle timeout: the daemon may exit */
	signals[SIGNAL_IDLE] = g_signal_new("idle", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
					    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
usv_daemon_init(UsvDaemon *self)
{
	self->apps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	self->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_hash_table_unref);
	self->host_watches =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, usv_daemon_unwatch);
	self->apps_dir = upd_paths_apps_dir();
	self->skeleton = upd_dbus_updater1_skeleton_new();
	upd_dbus_updater1_set_version(self->skeleton, PACKAGE_VERSION);
	g_signal_connect(self->skeleton, "g-authorize-method",
			 G_CALLBACK(usv_daemon_authorize_method_cb), self);
	g_signal_connect(self->skeleton, "handle-register-application",
			 G_CALLBACK(usv_daemon_handle_register_application), self);
	g_signal_connect(self->skeleton, "handle-unregister-application",
			 G_CALLBACK(usv_daemon_handle_unregister_application), self);
	g_signal_connect(self->skeleton, "handle-register-host",
			 G_CALLBACK(usv_daemon_handle_register_host), self);
	g_signal_connect(self->skeleton, "handle-unregister-host",
			 G_CALLBACK(usv_daemon_handle_unregister_host), self);
}

UsvDaemon *
usv_daemon_new(const UsvDaemonOptions *options,
	       GNetworkMonitor *network,
	       GPowerProfileMonitor *power)
{
	UsvDaemon *self = g_object_new(USV_TYPE_DAEMON, NULL);

	self->options = *options;
	self->network = g_object_ref(network);
	self->power = power != NULL ? g_object_ref(power) : NULL;
	return self;
}

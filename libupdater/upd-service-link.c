/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-dbus-private.h"
#include "upd-service-link-private.h"

struct _UpdServiceLink {
	GObject parent_instance;
	UpdPluginHost *host; /* (unowned): owns the link */
	gchar *app_id;
	gchar *app_path;
	GDBusConnection *connection; /* (owned) */
	GCancellable *cancellable;   /* (owned): of the calls to the current daemon */
	guint watch_id;
	guint swap_requested_id;
	gboolean registered;
};

G_DEFINE_TYPE(UpdServiceLink, upd_service_link, G_TYPE_OBJECT)

static void
upd_service_link_call_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autofree gchar *what = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
		g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (reply == NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_dbus_error_strip_remote_error(error);
		g_message("updater-service: %s failed: %s", what, error->message);
	}
}

static void
upd_service_link_report(UpdServiceLink *self,
			const gchar *plugin,
			const gchar *from,
			const gchar *to,
			const GError *error)
{
	if (!self->registered)
		return;
	g_dbus_connection_call(self->connection, UPD_DBUS_NAME, self->app_path,
			       UPD_DBUS_NAME ".App", "ReportSwap",
			       g_variant_new("(sssbs)", plugin, from != NULL ? from : "", to,
					     error == NULL, error != NULL ? error->message : ""),
			       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable,
			       upd_service_link_call_cb, g_strdup("ReportSwap"));
}

static void
upd_service_link_swap_completed_cb(UpdPluginHost *host,
				   const gchar *plugin,
				   const gchar *from,
				   const gchar *to,
				   gint64 duration,
				   gpointer user_data)
{
	upd_service_link_report(UPD_SERVICE_LINK(user_data), plugin, from, to, NULL);
}

static void
upd_service_link_swap_failed_cb(UpdPluginHost *host,
				const gchar *plugin,
				const gchar *from,
				const gchar *to,
				const GError *error,
				gpointer user_data)
{
	upd_service_link_report(UPD_SERVICE_LINK(user_data), plugin, from, to, error);
}

static void
upd_service_link_swap_requested_cb(GDBusConnection *connection,
				   const gchar *sender,
				   const gchar *path,
				   const gchar *interface,
				   const gchar *signal,
				   GVariant *parameters,
				   gpointer user_data)
{
	UpdServiceLink *self = UPD_SERVICE_LINK(user_data);
	const gchar *plugin = NULL;
	const gchar *version = NULL;

	if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(ss)")))
		return;
	g_variant_get(parameters, "(&s&s)", &plugin, &version);
	g_debug("updater-service asks to swap %s to %s", plugin, version);
	/* the file monitor may have seen it already: then this does nothing */
	upd_plugin_host_check(self->host, plugin);
}

static void
upd_service_link_registered_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	UpdServiceLink *self;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	self = UPD_SERVICE_LINK(user_data);
	if (reply == NULL) {
		g_dbus_error_strip_remote_error(error);
		g_message("updater-service did not register this application's plugin host: %s",
			  error->message);
		return;
	}
	self->registered = TRUE;
	g_debug("registered with updater-service as a host of %s", self->app_id);
}

static void
upd_service_link_appeared_cb(GDBusConnection *connection,
			     const gchar *name,
			     const gchar *owner,
			     gpointer user_data)
{
	UpdServiceLink *self = UPD_SERVICE_LINK(user_data);
	g_auto(GStrv) plugins = upd_plugin_host_get_plugins(self->host);

	g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	self->cancellable = g_cancellable_new();
	self->registered = FALSE;
	g_dbus_connection_call(connection, UPD_DBUS_NAME, UPD_DBUS_PATH, UPD_DBUS_NAME,
			       "RegisterHost", g_variant_new("(s^as)", self->app_id, plugins), NULL,
			       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable,
			       upd_service_link_registered_cb, self);
}

static void
upd_service_link_vanished_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	UpdServiceLink *self = UPD_SERVICE_LINK(user_data);

	if (self->registered)
		g_debug("updater-service left the bus");
	self->registered = FALSE;
	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
}

static void
upd_service_link_dispose(GObject *object)
{
	UpdServiceLink *self = UPD_SERVICE_LINK(object);

	if (self->host != NULL)
		g_signal_handlers_disconnect_by_data(self->host, self);
	self->host = NULL;
	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	g_clear_handle_id(&self->watch_id, g_bus_unwatch_name);
	if (self->swap_requested_id != 0) {
		g_dbus_connection_signal_unsubscribe(self->connection, self->swap_requested_id);
		self->swap_requested_id = 0;
	}
	g_clear_object(&self->connection);
	G_OBJECT_CLASS(upd_service_link_parent_class)->dispose(object);
}

static void
upd_service_link_finalize(GObject *object)
{
	UpdServiceLink *self = UPD_SERVICE_LINK(object);
	g_free(self->app_id);
	g_free(self->app_path);
	G_OBJECT_CLASS(upd_service_link_parent_class)->finalize(object);
}

static void
upd_service_link_class_init(UpdServiceLinkClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upd_service_link_dispose;
	object_class->finalize = upd_service_link_finalize;
}

static void
upd_service_link_init(UpdServiceLink *self)
{
}

UpdServiceLink *
upd_service_link_new(UpdPluginHost *host, const gchar *app_id, GDBusConnection *connection)
{
	UpdServiceLink *self = g_object_new(UPD_TYPE_SERVICE_LINK, NULL);

	self->host = host;
	self->app_id = g_strdup(app_id);
	self->app_path = upd_dbus_app_path(app_id);
	self->connection = g_object_ref(connection);
	g_signal_connect(host, "swap-completed", G_CALLBACK(upd_service_link_swap_completed_cb),
			 self);
	g_signal_connect(host, "swap-failed", G_CALLBACK(upd_service_link_swap_failed_cb), self);
	/* subscribed before the name is watched: no request is missed */
	self->swap_requested_id = g_dbus_connection_signal_subscribe(
		connection, UPD_DBUS_NAME, UPD_DBUS_NAME ".App", "SwapRequested", self->app_path,
		NULL, G_DBUS_SIGNAL_FLAGS_NONE, upd_service_link_swap_requested_cb, self, NULL);
	self->watch_id = g_bus_watch_name_on_connection(
		connection, UPD_DBUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
		upd_service_link_appeared_cb, upd_service_link_vanished_cb, self, NULL);
	return self;
}

gboolean
upd_service_link_is_registered(UpdServiceLink *self)
{
	return self->registered;
}

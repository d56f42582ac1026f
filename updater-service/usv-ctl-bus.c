/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-dbus-private.h"
#include "upd-i18n-private.h"
#include "usv-ctl-monitor.h"
#include "usv-ctl.h"

/* updaterctl without --config: every command is a call to updater-service,
 * which D-Bus starts when it does not run. Long calls wait as long as the
 * daemon works; Ctrl-C stops the waiting, not the daemon. */

typedef struct {
	UsvCtlOptions *opts;
	GCancellable *cancellable;
	GDBusConnection *bus;
	UptCliProgress *progress; /* (nullable) */
	gchar *label;
	gboolean show_states;
} UsvCtlBus;

static void
usv_ctl_bus_clear(UsvCtlBus *self)
{
	g_clear_pointer(&self->progress, upt_cli_progress_free);
	g_clear_object(&self->bus);
	g_free(self->label);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UsvCtlBus, usv_ctl_bus_clear)

/* the daemon's messages, without the "GDBus.Error:..." prefix */
static int
usv_ctl_bus_fail(UsvCtlBus *self, GError *error)
{
	g_autoptr(GError) owned = error;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_clear_pointer(&self->progress, upt_cli_progress_free);
		g_printerr(_("%s: interrupted; updater-service goes on in the background "
			     "(“updaterctl monitor” shows it)\n"),
			   g_get_prgname());
		return UPT_EXIT_INTERRUPTED;
	}
	g_dbus_error_strip_remote_error(owned);
	g_clear_pointer(&self->progress, upt_cli_progress_free);
	return upt_cli_fail(g_steal_pointer(&owned));
}

/* connects, and makes sure the daemon answers (D-Bus starts it if needed) */
static gboolean
usv_ctl_bus_connect(UsvCtlBus *self, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error_local = NULL;

	/* registers the org.libupdater.Updater1.Error.* names */
	(void)UPD_ERROR;
	self->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, self->cancellable, &error_local);
	if (self->bus == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot connect to the session bus (%s); without one, use "
			      "--config FILE to work in-process"),
			    error_local->message);
		return FALSE;
	}
	reply = g_dbus_connection_call_sync(
		self->bus, UPD_DBUS_NAME, UPD_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", UPD_DBUS_NAME, "Version"), G_VARIANT_TYPE("(v)"),
		G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, &error_local);
	if (reply == NULL) {
		if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		g_dbus_error_strip_remote_error(error_local);
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("updater-service does not run and could not be started (%s); start "
			      "it, or use --config FILE to work in-process"),
			    error_local->message);
		return FALSE;
	}
	return TRUE;
}

static UpdDBusUpdater1App *
usv_ctl_bus_app(UsvCtlBus *self, const gchar *id, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autoptr(UpdDBusUpdater1App) proxy = NULL;

	if (id[0] == '\0' || !g_utf8_validate(id, -1, NULL)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("“%s” is not an application id"), id);
		return NULL;
	}
	path = upd_dbus_app_path(id);
	proxy = upd_dbus_updater1_app_proxy_new_sync(self->bus, G_DBUS_PROXY_FLAGS_NONE,
						     UPD_DBUS_NAME, path, self->cancellable, error);
	if (proxy == NULL)
		return NULL;
	if (upd_dbus_updater1_app_get_id(proxy) == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("no application %s is registered with updater-service (see "
			      "“updaterctl apps”, “updaterctl register FILE”)"),
			    id);
		return NULL;
	}
	/* operations last as long as they last; Ctrl-C stops waiting */
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), G_MAXINT);
	return g_steal_pointer(&proxy);
}

/* -------------------------------------------------------- what to print */

static const gchar *
usv_ctl_bus_or_none(const gchar *value)
{
	return value != NULL && value[0] != '\0' ? value : _("none");
}

static GVariant *
usv_ctl_bus_app_to_variant(UpdDBusUpdater1App *app)
{
	GVariantDict dict;
	const gchar *installed = upd_dbus_updater1_app_get_installed_version(app);
	const gchar *available = upd_dbus_updater1_app_get_available_version(app);
	const gchar *notes = upd_dbus_updater1_app_get_release_notes(app);
	const gchar *last_error = upd_dbus_updater1_app_get_last_error(app);

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "app_id", "s", upd_dbus_updater1_app_get_id(app));
	g_variant_dict_insert(&dict, "channel", "s", upd_dbus_updater1_app_get_channel(app));
	g_variant_dict_insert(&dict, "policy", "s", upd_dbus_updater1_app_get_policy(app));
	g_variant_dict_insert(&dict, "state", "s", upd_dbus_updater1_app_get_state(app));
	g_variant_dict_insert(&dict, "installed_version", "ms",
			      installed != NULL && installed[0] != '\0' ? installed : NULL);
	g_variant_dict_insert(&dict, "available_version", "ms",
			      available != NULL && available[0] != '\0' ? available : NULL);
	g_variant_dict_insert(&dict, "update_available", "b",
			      available != NULL && available[0] != '\0');
	g_variant_dict_insert(&dict, "mandatory", "b", upd_dbus_updater1_app_get_mandatory(app));
	g_variant_dict_insert(&dict, "progress", "d", upd_dbus_updater1_app_get_progress(app));
	g_variant_dict_insert(&dict, "download_size", "t",
			      upd_dbus_updater1_app_get_download_size(app));
	g_variant_dict_insert(&dict, "release_notes", "ms",
			      notes != NULL && notes[0] != '\0' ? notes : NULL);
	g_variant_dict_insert(&dict, "last_error", "ms",
			      last_error != NULL && last_error[0] != '\0' ? last_error : NULL);
	g_variant_dict_insert(&dict, "next_check", "x", upd_dbus_updater1_app_get_next_check(app));
	return g_variant_dict_end(&dict);
}

static void
usv_ctl_bus_print_app(UpdDBusUpdater1App *app)
{
	const gchar *available = upd_dbus_updater1_app_get_available_version(app);
	const gchar *notes = upd_dbus_updater1_app_get_release_notes(app);
	const gchar *last_error = upd_dbus_updater1_app_get_last_error(app);
	gint64 next_check = upd_dbus_updater1_app_get_next_check(app);

	g_print(_("Application:       %s (channel %s)\n"), upd_dbus_updater1_app_get_id(app),
		upd_dbus_updater1_app_get_channel(app));
	g_print(_("Installed version: %s\n"),
		usv_ctl_bus_or_none(upd_dbus_updater1_app_get_installed_version(app)));
	if (available != NULL && available[0] != '\0') {
		g_autofree gchar *size =
			g_format_size(upd_dbus_updater1_app_get_download_size(app));
		if (upd_dbus_updater1_app_get_mandatory(app))
			g_print(_("Available version: %s (mandatory)\n"), available);
		else
			g_print(_("Available version: %s\n"), available);
		if (upd_dbus_updater1_app_get_download_size(app) > 0)
			g_print(_("Download size:     %s\n"), size);
	}
	g_print(_("State:             %s\n"), upd_dbus_updater1_app_get_state(app));
	g_print(_("Policy:            %s\n"), upd_dbus_updater1_app_get_policy(app));
	if (next_check > 0) {
		g_autofree gchar *when = usv_ctl_format_time(next_check);
		g_print(_("Next check:        %s\n"), when);
	}
	if (last_error != NULL && last_error[0] != '\0')
		g_print(_("Last error:        %s\n"), last_error);
	if (notes != NULL && notes[0] != '\0') {
		g_print(_("Release notes:\n"));
		usv_ctl_print_notes(notes);
	}
}

/* ---------------------------------------------------- waiting, progress */

static void
usv_ctl_bus_progress_cb(UpdDBusUpdater1App *app,
			guint64 done,
			guint64 total,
			gdouble rate,
			gint64 eta,
			gpointer user_data)
{
	UsvCtlBus *self = user_data;

	if (self->progress == NULL)
		self->progress = upt_cli_progress_new(self->label);
	upt_cli_progress_update(self->progress, done, total, rate, eta);
}

static void
usv_ctl_bus_state_changed_cb(UpdDBusUpdater1App *app,
			     const gchar *state,
			     const gchar *previous,
			     gpointer user_data)
{
	UsvCtlBus *self = user_data;

	/* a bar ends when its download does */
	if (g_strcmp0(previous, "downloading") == 0)
		g_clear_pointer(&self->progress, upt_cli_progress_free);
	if (!self->show_states)
		return;
	if (g_strcmp0(state, "installing") == 0)
		g_printerr(_("%s: installing…\n"), self->label);
	else if (g_strcmp0(state, "pending-swap") == 0)
		g_printerr(_("%s: waiting for the running application to swap its plugins…\n"),
			   self->label);
}

/* calls @method on @app, showing progress on a terminal, and waits */
static GVariant *
usv_ctl_bus_call(UsvCtlBus *self,
		 UpdDBusUpdater1App *app,
		 const gchar *method,
		 GVariant *parameters,
		 GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GVariant) reply = NULL;
	gulong progress_id;
	gulong state_id;

	g_free(self->label);
	self->label = g_strdup(upd_dbus_updater1_app_get_id(app));
	self->show_states = !self->opts->json && upt_cli_stderr_is_terminal();
	progress_id = g_signal_connect(app, "progress", G_CALLBACK(usv_ctl_bus_progress_cb), self);
	state_id = g_signal_connect(app, "state-changed", G_CALLBACK(usv_ctl_bus_state_changed_cb),
				    self);
	g_dbus_proxy_call(G_DBUS_PROXY(app), method, parameters, G_DBUS_CALL_FLAGS_NONE, G_MAXINT,
			  self->cancellable, usv_ctl_async_cb, &res);
	reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(app), usv_ctl_wait(&res), error);
	g_signal_handler_disconnect(app, progress_id);
	g_signal_handler_disconnect(app, state_id);
	g_clear_pointer(&self->progress, upt_cli_progress_free);
	return g_steal_pointer(&reply);
}

/* ------------------------------------------------------------- commands */

static int
usv_ctl_bus_apps(UsvCtlBus *self, gboolean detailed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusObjectManager) manager = NULL;
	g_autolist(GDBusObject) objects = NULL;
	GVariantBuilder builder;
	guint n = 0;

	manager = upd_dbus_object_manager_client_new_sync(
		self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, UPD_DBUS_NAME, UPD_DBUS_PATH,
		self->cancellable, &error);
	if (manager == NULL)
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	objects = g_dbus_object_manager_get_objects(manager);
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	if (!self->opts->json && !detailed && objects != NULL) {
		/* TRANSLATORS: column headers of “updaterctl apps” */
		g_autofree gchar *c1 = upt_cli_pad(_("APPLICATION"), 32);
		g_autofree gchar *c2 = upt_cli_pad(_("INSTALLED"), 12);
		g_autofree gchar *c3 = upt_cli_pad(_("AVAILABLE"), 12);
		g_autofree gchar *c4 = upt_cli_pad(_("STATE"), 13);
		g_print("%s %s %s %s %s\n", c1, c2, c3, c4, _("NEXT CHECK"));
	}
	for (GList *l = objects; l != NULL; l = l->next) {
		g_autoptr(UpdDBusUpdater1App) app = upd_dbus_object_get_updater1_app(l->data);
		gint64 next_check;
		g_autofree gchar *when = NULL;

		if (app == NULL)
			continue;
		n++;
		if (self->opts->json) {
			g_variant_builder_add_value(&builder, usv_ctl_bus_app_to_variant(app));
			continue;
		}
		if (detailed) {
			if (n > 1)
				g_print("\n");
			usv_ctl_bus_print_app(app);
			continue;
		}
		next_check = upd_dbus_updater1_app_get_next_check(app);
		when = next_check > 0 ? usv_ctl_format_time(next_check) : g_strdup("-");
		{
			g_autofree gchar *c1 = upt_cli_pad(upd_dbus_updater1_app_get_id(app), 32);
			g_autofree gchar *c2 = upt_cli_pad(
				usv_ctl_bus_or_none(
					upd_dbus_updater1_app_get_installed_version(app)),
				12);
			g_autofree gchar *c3 = upt_cli_pad(
				usv_ctl_bus_or_none(
					upd_dbus_updater1_app_get_available_version(app)),
				12);
			g_autofree gchar *c4 =
				upt_cli_pad(upd_dbus_updater1_app_get_state(app), 13);
			g_print("%s %s %s %s %s\n", c1, c2, c3, c4, when);
		}
	}
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert_value(&dict, "apps", g_variant_builder_end(&builder));
		upt_cli_print_json(g_variant_dict_end(&dict));
		return UPT_EXIT_OK;
	}
	g_variant_builder_clear(&builder);
	if (n == 0)
		g_print(_("No application is registered; add one with “updaterctl register "
			  "FILE”.\n"));
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_status(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	if (self->opts->json)
		upt_cli_print_json(usv_ctl_bus_app_to_variant(app));
	else
		usv_ctl_bus_print_app(app);
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_check(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = usv_ctl_bus_call(self, app, "Check", NULL, &error);

	if (reply == NULL)
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	return usv_ctl_bus_status(self, app);
}

static int
usv_ctl_bus_download(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = usv_ctl_bus_call(self, app, "Download", NULL, &error);
	const gchar *available;
	guint64 received = 0;

	if (reply == NULL)
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	g_variant_get(reply, "(t)", &received);
	available = upd_dbus_updater1_app_get_available_version(app);
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_dbus_updater1_app_get_id(app));
		g_variant_dict_insert(&dict, "update_available", "b", available[0] != '\0');
		g_variant_dict_insert(&dict, "version", "ms",
				      available[0] != '\0' ? available : NULL);
		g_variant_dict_insert(&dict, "bytes_received", "t", received);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else if (available[0] == '\0') {
		g_print(_("%s is up to date (%s): nothing to download.\n"),
			upd_dbus_updater1_app_get_id(app),
			usv_ctl_bus_or_none(upd_dbus_updater1_app_get_installed_version(app)));
	} else {
		g_autofree gchar *size = g_format_size(received);
		g_print(_("Downloaded %s %s: %s received, everything verified.\n"),
			upd_dbus_updater1_app_get_id(app), available, size);
	}
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_install(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *before = g_strdup(upd_dbus_updater1_app_get_installed_version(app));
	const gchar *version = NULL;

	reply = usv_ctl_bus_call(self, app, "Install", g_variant_new("(b)", self->opts->force),
				 &error);
	if (reply == NULL)
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	g_variant_get(reply, "(&s)", &version);
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_dbus_updater1_app_get_id(app));
		g_variant_dict_insert(&dict, "installed", "b",
				      self->opts->force || g_strcmp0(before, version) != 0);
		g_variant_dict_insert(&dict, "version", "ms", version[0] != '\0' ? version : NULL);
		g_variant_dict_insert(&dict, "previous_version", "ms",
				      before != NULL && before[0] != '\0' ? before : NULL);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else if (!self->opts->force && g_strcmp0(before, version) == 0) {
		g_print(_("%s is up to date (%s).\n"), upd_dbus_updater1_app_get_id(app),
			usv_ctl_bus_or_none(version));
	} else if (before != NULL && before[0] != '\0') {
		g_print(_("Installed %s %s (was %s).\n"), upd_dbus_updater1_app_get_id(app),
			version, before);
	} else {
		g_print(_("Installed %s %s.\n"), upd_dbus_updater1_app_get_id(app), version);
	}
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_rollback(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *from = g_strdup(upd_dbus_updater1_app_get_installed_version(app));
	const gchar *to = NULL;

	reply = usv_ctl_bus_call(self, app, "Rollback", NULL, &error);
	if (reply == NULL)
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	g_variant_get(reply, "(&s)", &to);
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_dbus_updater1_app_get_id(app));
		g_variant_dict_insert(&dict, "from", "s", from);
		g_variant_dict_insert(&dict, "to", "s", to);
		g_variant_dict_insert(&dict, "skipped", "s", from);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_print(_("Rolled %s back from %s to %s. %s will not be installed again until a "
			  "newer release appears (or with install --force).\n"),
			upd_dbus_updater1_app_get_id(app), from, to, from);
	}
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_history(UsvCtlBus *self, UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) history = NULL;

	if (!upd_dbus_updater1_app_call_get_history_sync(app, &history, self->cancellable, &error))
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	usv_ctl_print_history(self->opts, upd_dbus_updater1_app_get_id(app), history);
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_register(UsvCtlBus *self, const gchar *file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdDBusUpdater1) manager = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;

	/* checked here first, so that errors name the file */
	config = upd_app_config_new_from_file(file, &error);
	if (config == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	if (!g_file_get_contents(file, &text, NULL, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	manager =
		upd_dbus_updater1_proxy_new_sync(self->bus, G_DBUS_PROXY_FLAGS_NONE, UPD_DBUS_NAME,
						 UPD_DBUS_PATH, self->cancellable, &error);
	if (manager == NULL || !upd_dbus_updater1_call_register_application_sync(
				       manager, text, &path, self->cancellable, &error))
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
		g_variant_dict_insert(&dict, "object_path", "s", path);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_print(_("Registered %s; updater-service keeps it up to date (policy %s).\n"),
			upd_app_config_get_id(config),
			upd_policy_to_string(upd_app_config_get_policy(config)));
	}
	return UPT_EXIT_OK;
}

static int
usv_ctl_bus_unregister(UsvCtlBus *self, const gchar *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdDBusUpdater1) manager = NULL;

	manager =
		upd_dbus_updater1_proxy_new_sync(self->bus, G_DBUS_PROXY_FLAGS_NONE, UPD_DBUS_NAME,
						 UPD_DBUS_PATH, self->cancellable, &error);
	if (manager == NULL || !upd_dbus_updater1_call_unregister_application_sync(
				       manager, id, self->cancellable, &error))
		return usv_ctl_bus_fail(self, g_steal_pointer(&error));
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", id);
		g_variant_dict_insert(&dict, "unregistered", "b", TRUE);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_print(_("Unregistered %s; its installed files are left in place.\n"), id);
	}
	return UPT_EXIT_OK;
}

int
usv_ctl_bus_run(UsvCtlOptions *opts,
		const gchar *command,
		const gchar *argument,
		GCancellable *cancellable)
{
	g_auto(UsvCtlBus) self = {opts, cancellable, NULL, NULL, NULL, FALSE};
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;

	if (!usv_ctl_bus_connect(&self, &error))
		return usv_ctl_bus_fail(&self, g_steal_pointer(&error));
	if (g_strcmp0(command, "apps") == 0)
		return usv_ctl_bus_apps(&self, FALSE);
	if (g_strcmp0(command, "status") == 0 && argument == NULL)
		return usv_ctl_bus_apps(&self, TRUE);
	if (g_strcmp0(command, "monitor") == 0)
		return usv_ctl_monitor_run(opts, self.bus, cancellable);
	if (g_strcmp0(command, "register") == 0)
		return usv_ctl_bus_register(&self, argument);
	if (g_strcmp0(command, "unregister") == 0)
		return usv_ctl_bus_unregister(&self, argument);

	app = usv_ctl_bus_app(&self, argument, &error);
	if (app == NULL)
		return usv_ctl_bus_fail(&self, g_steal_pointer(&error));
	if (g_strcmp0(command, "status") == 0)
		return usv_ctl_bus_status(&self, app);
	if (g_strcmp0(command, "check") == 0)
		return usv_ctl_bus_check(&self, app);
	if (g_strcmp0(command, "download") == 0)
		return usv_ctl_bus_download(&self, app);
	if (g_strcmp0(command, "install") == 0)
		return usv_ctl_bus_install(&self, app);
	if (g_strcmp0(command, "rollback") == 0)
		return usv_ctl_bus_rollback(&self, app);
	if (g_strcmp0(command, "history") == 0)
		return usv_ctl_bus_history(&self, app);
	return upt_cli_usage_error(_("unknown command “%s”"), command);
}

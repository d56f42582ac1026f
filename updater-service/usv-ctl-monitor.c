/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "upd-dbus-private.h"
#include "upd-i18n-private.h"
#include "usv-ctl-monitor.h"

/* the screen is redrawn at most this often */
#define USV_CTL_MONITOR_REDRAW_MS 100

typedef struct {
	UpdDBusUpdater1App *app; /* (owned) */
	guint64 done;
	guint64 total;
	gdouble rate;
	gint64 eta;
	gint64 last_line; /* monotonic µs of the last progress line, without a terminal */
} UsvCtlMonitorRow;

typedef struct {
	UsvCtlOptions *opts;
	GDBusObjectManager *manager; /* (owned) */
	GPtrArray *rows;	     /* (element-type UsvCtlMonitorRow) */
	gboolean terminal;
	guint lines_drawn;
	guint redraw_id;
} UsvCtlMonitor;

static void
usv_ctl_monitor_row_free(UsvCtlMonitorRow *row)
{
	g_signal_handlers_disconnect_matched(row->app, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, row);
	g_object_unref(row->app);
	g_free(row);
}

static void
usv_ctl_monitor_event(UsvCtlMonitor *self, UsvCtlMonitorRow *row, GVariantDict *dict)
{
	g_variant_dict_insert(dict, "app_id", "s", upd_dbus_updater1_app_get_id(row->app));
	g_variant_dict_insert(dict, "time", "x", g_get_real_time() / G_USEC_PER_SEC);
	upt_cli_print_json_line(g_variant_dict_end(dict));
	fflush(stdout);
}

/* -------------------------------------------------------------- drawing */

static gchar *
usv_ctl_monitor_row_text(UsvCtlMonitorRow *row, guint width)
{
	const gchar *id = upd_dbus_updater1_app_get_id(row->app);
	const gchar *state = upd_dbus_updater1_app_get_state(row->app);
	const gchar *installed = upd_dbus_updater1_app_get_installed_version(row->app);
	const gchar *available = upd_dbus_updater1_app_get_available_version(row->app);
	const gchar *last_error = upd_dbus_updater1_app_get_last_error(row->app);
	g_autofree gchar *id_column = upt_cli_pad(id, 24);
	g_autofree gchar *state_column = upt_cli_pad(state, 13);
	g_autofree gchar *label = NULL;
	g_autofree gchar *detail = NULL;
	g_autofree gchar *text = NULL;

	if (g_strcmp0(state, "downloading") == 0 && row->total > 0) {
		label = g_strdup_printf("%s %s", id_column, available);
		text = upt_cli_format_progress(label, row->done, row->total, row->rate, row->eta,
					       width);
	} else {
		if (g_strcmp0(state, "error") == 0)
			detail = g_strdup(last_error);
		else if (available != NULL && available[0] != '\0')
			/* TRANSLATORS: monitor line: installed version, available version */
			detail = g_strdup_printf(_("%s, %s available"),
						 installed[0] != '\0' ? installed : _("none"),
						 available);
		else
			detail = g_strdup(installed[0] != '\0' ? installed : _("none"));
		text = g_strdup_printf("%s %s %s", id_column, state_column, detail);
	}
	/* one screen line per application, whatever the width */
	if (g_utf8_strlen(text, -1) > (glong)width - 1) {
		gchar *end = g_utf8_offset_to_pointer(text, (glong)width - 1);
		*end = '\0';
	}
	return g_steal_pointer(&text);
}

static void
usv_ctl_monitor_draw(UsvCtlMonitor *self)
{
	guint width = upt_cli_terminal_width(STDOUT_FILENO);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *owner = g_dbus_object_manager_client_get_name_owner(
		G_DBUS_OBJECT_MANAGER_CLIENT(self->manager));

	/* back to the first line drawn, then every line anew */
	for (guint i = 0; i < self->lines_drawn; i++)
		g_string_append(out, "\033[1A");
	g_string_append_c(out, '\r');
	if (owner == NULL)
		g_string_append_printf(out, "\033[2K%s\n",
				       _("updater-service is not running; waiting for it "
					 "(Ctrl-C to stop)"));
	else
		g_string_append_printf(out, "\033[2K%s\n",
				       _("updater-service: what every application does "
					 "(Ctrl-C to stop)"));
	for (guint i = 0; i < self->rows->len; i++) {
		g_autofree gchar *line =
			usv_ctl_monitor_row_text(g_ptr_array_index(self->rows, i), width);
		g_string_append_printf(out, "\033[2K%s\n", line);
	}
	/* lines of applications that went away */
	for (guint i = self->rows->len + 1; i < self->lines_drawn; i++)
		g_string_append(out, "\033[2K\n");
	self->lines_drawn = MAX(self->lines_drawn, self->rows->len + 1);
	fputs(out->str, stdout);
	fflush(stdout);
}

static gboolean
usv_ctl_monitor_redraw_cb(gpointer user_data)
{
	UsvCtlMonitor *self = user_data;
	self->redraw_id = 0;
	usv_ctl_monitor_draw(self);
	return G_SOURCE_REMOVE;
}

static void
usv_ctl_monitor_queue_draw(UsvCtlMonitor *self)
{
	if (self->terminal && self->redraw_id == 0)
		self->redraw_id =
			g_timeout_add(USV_CTL_MONITOR_REDRAW_MS, usv_ctl_monitor_redraw_cb, self);
}

/* --------------------------------------------------------------- events */

static void
usv_ctl_monitor_progress_cb(UpdDBusUpdater1App *app,
			    guint64 done,
			    guint64 total,
			    gdouble rate,
			    gint64 eta,
			    gpointer user_data)
{
	UsvCtlMonitorRow *row = user_data;
	UsvCtlMonitor *self = g_object_get_data(G_OBJECT(app), "usv-ctl-monitor");
	gint64 now = g_get_monotonic_time();

	row->done = done;
	row->total = total;
	row->rate = rate;
	row->eta = eta;
	if (self->terminal) {
		usv_ctl_monitor_queue_draw(self);
	} else if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "event", "s", "progress");
		g_variant_dict_insert(&dict, "done", "t", done);
		g_variant_dict_insert(&dict, "total", "t", total);
		g_variant_dict_insert(&dict, "rate", "d", rate);
		g_variant_dict_insert(&dict, "eta", "x", eta);
		usv_ctl_monitor_event(self, row, &dict);
	} else if (now - row->last_line >= G_USEC_PER_SEC || done == total) {
		g_autofree gchar *done_str = g_format_size(done);
		g_autofree gchar *total_str = g_format_size(total);
		row->last_line = now;
		/* TRANSLATORS: "org.example.App: downloading 45% (5.6 MB of 12.3 MB)" */
		g_print(_("%s: downloading %u%% (%s of %s)\n"), upd_dbus_updater1_app_get_id(app),
			total > 0 ? (guint)(MIN(done, total) * 100 / total) : 100, done_str,
			total_str);
		fflush(stdout);
	}
}

static void
usv_ctl_monitor_state_changed_cb(UpdDBusUpdater1App *app,
				 const gchar *state,
				 const gchar *previous,
				 gpointer user_data)
{
	UsvCtlMonitorRow *row = user_data;
	UsvCtlMonitor *self = g_object_get_data(G_OBJECT(app), "usv-ctl-monitor");

	if (g_strcmp0(state, "downloading") == 0)
		row->done = row->total = 0;
	if (self->terminal) {
		usv_ctl_monitor_queue_draw(self);
	} else if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "event", "s", "state");
		g_variant_dict_insert(&dict, "state", "s", state);
		g_variant_dict_insert(&dict, "previous", "s", previous);
		if (g_strcmp0(state, "error") == 0)
			g_variant_dict_insert(&dict, "error", "s",
					      upd_dbus_updater1_app_get_last_error(app));
		usv_ctl_monitor_event(self, row, &dict);
	} else if (g_strcmp0(state, "error") == 0) {
		g_print(_("%s: %s -> %s: %s\n"), upd_dbus_updater1_app_get_id(app), previous, state,
			upd_dbus_updater1_app_get_last_error(app));
		fflush(stdout);
	} else {
		g_print(_("%s: %s -> %s\n"), upd_dbus_updater1_app_get_id(app), previous, state);
		fflush(stdout);
	}
}

static void
usv_ctl_monitor_properties_changed_cb(GDBusProxy *proxy,
				      GVariant *changed,
				      const gchar *const *invalidated,
				      gpointer user_data)
{
	UsvCtlMonitor *self = g_object_get_data(G_OBJECT(proxy), "usv-ctl-monitor");
	usv_ctl_monitor_queue_draw(self);
}

static gint
usv_ctl_monitor_row_compare(gconstpointer a, gconstpointer b)
{
	const UsvCtlMonitorRow *row_a = *(const UsvCtlMonitorRow *const *)a;
	const UsvCtlMonitorRow *row_b = *(const UsvCtlMonitorRow *const *)b;
	return g_strcmp0(upd_dbus_updater1_app_get_id(row_a->app),
			 upd_dbus_updater1_app_get_id(row_b->app));
}

static void
usv_ctl_monitor_add(UsvCtlMonitor *self, GDBusObject *object)
{
	UpdDBusUpdater1App *app = upd_dbus_object_get_updater1_app(UPD_DBUS_OBJECT(object));
	UsvCtlMonitorRow *row;

	if (app == NULL)
		return;
	row = g_new0(UsvCtlMonitorRow, 1);
	row->app = app;
	g_object_set_data(G_OBJECT(app), "usv-ctl-monitor", self);
	g_signal_connect(app, "progress", G_CALLBACK(usv_ctl_monitor_progress_cb), row);
	g_signal_connect(app, "state-changed", G_CALLBACK(usv_ctl_monitor_state_changed_cb), row);
	g_signal_connect(app, "g-properties-changed",
			 G_CALLBACK(usv_ctl_monitor_properties_changed_cb), row);
	g_ptr_array_add(self->rows, row);
	g_ptr_array_sort(self->rows, usv_ctl_monitor_row_compare);
	if (self->opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "event", "s", "app");
		g_variant_dict_insert(&dict, "state", "s", upd_dbus_updater1_app_get_state(app));
		g_variant_dict_insert(&dict, "installed_version", "s",
				      upd_dbus_updater1_app_get_installed_version(app));
		g_variant_dict_insert(&dict, "available_version", "s",
				      upd_dbus_updater1_app_get_available_version(app));
		usv_ctl_monitor_event(self, row, &dict);
	} else if (!self->terminal) {
		g_print(_("%s: %s, installed %s\n"), upd_dbus_updater1_app_get_id(app),
			upd_dbus_updater1_app_get_state(app),
			upd_dbus_updater1_app_get_installed_version(app)[0] != '\0'
				? upd_dbus_updater1_app_get_installed_version(app)
				: _("none"));
		fflush(stdout);
	}
	usv_ctl_monitor_queue_draw(self);
}

static void
usv_ctl_monitor_object_added_cb(GDBusObjectManager *manager,
				GDBusObject *object,
				gpointer user_data)
{
	usv_ctl_monitor_add(user_data, object);
}

static void
usv_ctl_monitor_object_removed_cb(GDBusObjectManager *manager,
				  GDBusObject *object,
				  gpointer user_data)
{
	UsvCtlMonitor *self = user_data;
	const gchar *path = g_dbus_object_get_object_path(object);

	for (guint i = 0; i < self->rows->len; i++) {
		UsvCtlMonitorRow *row = g_ptr_array_index(self->rows, i);
		if (g_strcmp0(g_dbus_proxy_get_object_path(G_DBUS_PROXY(row->app)), path) == 0) {
			g_ptr_array_remove_index(self->rows, i);
			break;
		}
	}
	usv_ctl_monitor_queue_draw(self);
}

static void
usv_ctl_monitor_owner_cb(GObject *manager, GParamSpec *pspec, gpointer user_data)
{
	usv_ctl_monitor_queue_draw(user_data);
}

static void
usv_ctl_monitor_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	g_main_loop_quit(user_data);
}

int
usv_ctl_monitor_run(UsvCtlOptions *opts, GDBusConnection *bus, GCancellable *cancellable)
{
	UsvCtlMonitor self = {opts, NULL, NULL, FALSE, 0, 0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autolist(GDBusObject) objects = NULL;
	gulong cancelled_id;

	self.terminal = !opts->json && isatty(STDOUT_FILENO) == 1;
	self.manager = upd_dbus_object_manager_client_new_sync(
		bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, UPD_DBUS_NAME, UPD_DBUS_PATH,
		cancellable, &error);
	if (self.manager == NULL) {
		g_dbus_error_strip_remote_error(error);
		return upt_cli_fail(g_steal_pointer(&error));
	}
	self.rows = g_ptr_array_new_with_free_func((GDestroyNotify)usv_ctl_monitor_row_free);
	objects = g_dbus_object_manager_get_objects(self.manager);
	for (GList *l = objects; l != NULL; l = l->next)
		usv_ctl_monitor_add(&self, l->data);
	g_signal_connect(self.manager, "object-added", G_CALLBACK(usv_ctl_monitor_object_added_cb),
			 &self);
	g_signal_connect(self.manager, "object-removed",
			 G_CALLBACK(usv_ctl_monitor_object_removed_cb), &self);
	g_signal_connect(self.manager, "notify::name-owner", G_CALLBACK(usv_ctl_monitor_owner_cb),
			 &self);
	if (self.terminal)
		usv_ctl_monitor_draw(&self);

	cancelled_id = g_cancellable_connect(cancellable, G_CALLBACK(usv_ctl_monitor_cancelled_cb),
					     loop, NULL);
	if (!g_cancellable_is_cancelled(cancellable))
		g_main_loop_run(loop);
	g_cancellable_disconnect(cancellable, cancelled_id);

	g_clear_handle_id(&self.redraw_id, g_source_remove);
	if (self.terminal)
		usv_ctl_monitor_draw(&self);
	g_signal_handlers_disconnect_by_data(self.manager, &self);
	g_ptr_array_unref(self.rows);
	g_object_unref(self.manager);
	/* interrupting is how monitor ends: not an error */
	return UPT_EXIT_OK;
}

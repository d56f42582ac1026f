/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>

#include "upd-dbus-private.h"
#include "upd-i18n-private.h"
#include "upt-cli.h"
#include "usv-daemon.h"

typedef struct {
	GMainLoop *loop;
	int exit_status;
} UsvMain;

static void
usv_main_quit(UsvMain *main_data, int status)
{
	main_data->exit_status = status;
	g_main_loop_quit(main_data->loop);
}

static gboolean
usv_main_signal_cb(gpointer user_data)
{
	g_message("stopping on request");
	usv_main_quit(user_data, UPT_EXIT_OK);
	return G_SOURCE_REMOVE;
}

static void
usv_main_idle_cb(UsvDaemon *daemon, gpointer user_data)
{
	usv_main_quit(user_data, UPT_EXIT_OK);
}

static void
usv_main_name_acquired_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	g_message("running as %s", name);
}

static void
usv_main_name_lost_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	/* TRANSLATORS: %s is the D-Bus name org.libupdater.Updater1 */
	upt_cli_warn(_("cannot own %s on the session bus: another updater-service runs, or the "
		       "bus went away"),
		     name);
	usv_main_quit(user_data, UPT_EXIT_ERROR);
}

int
main(int argc, char **argv)
{
	UsvMain main_data = {NULL, UPT_EXIT_OK};
	UsvDaemonOptions options = {
		.idle_timeout = 0,
		.first_check_delay = 30,
		.swap_timeout = 120,
	};
	gint idle_timeout = 0;
	gint first_check_delay = 30;
	gint swap_timeout = 120;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(UsvDaemon) daemon = NULL;
	g_autoptr(GPowerProfileMonitor) power = NULL;
	guint owner_id;
	const GOptionEntry entries[] = {
		{"idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
		 N_("Exit after this many seconds with nothing to do (0: never)"), N_("SECONDS")},
		{"first-check-delay", 0, 0, G_OPTION_ARG_INT, &first_check_delay,
		 N_("Seconds from start to the first check of an application never checked"),
		 N_("SECONDS")},
		{"swap-timeout", 0, 0, G_OPTION_ARG_INT, &swap_timeout,
		 N_("Seconds a running application has to swap an installed plugin"),
		 N_("SECONDS")},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Print debug messages"), NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the program's version"),
		 NULL},
		{NULL},
	};

	upt_cli_init("updater-service");
	context = g_option_context_new(NULL);
	g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
	g_option_context_set_summary(
		context, _("Keep the registered applications up to date, for the session's user.\n"
			   "\n"
			   "Applications are registered with “updaterctl register FILE” or by "
			   "files in ~/.config/updater/apps.d/."));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (version)
		return upt_cli_print_version();
	if (argc > 1)
		return upt_cli_usage_error(_("unexpected argument “%s”"), argv[1]);
	if (idle_timeout < 0 || first_check_delay < 0 || swap_timeout <= 0)
		return upt_cli_usage_error(
			_("--idle-timeout and --first-check-delay must not be negative, and "
			  "--swap-timeout must be positive"));
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	options.idle_timeout = (guint)idle_timeout;
	options.first_check_delay = (guint)first_check_delay;
	options.swap_timeout = (guint)swap_timeout;

	connection = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	if (connection == NULL) {
		g_prefix_error(&error, _("cannot connect to the session bus: "));
		return upt_cli_fail(g_steal_pointer(&error));
	}
	/* a daemon that must stop for the session bus going away stops */
	g_dbus_connection_set_exit_on_close(connection, TRUE);

	main_data.loop = g_main_loop_new(NULL, FALSE);
	power = g_power_profile_monitor_dup_default();
	daemon = usv_daemon_new(&options, g_network_monitor_get_default(), power);
	g_signal_connect(daemon, "idle", G_CALLBACK(usv_main_idle_cb), &main_data);
	if (!usv_daemon_start(daemon, connection, &error)) {
		g_main_loop_unref(main_data.loop);
		return upt_cli_fail(g_steal_pointer(&error));
	}
	owner_id = g_bus_own_name_on_connection(
		connection, UPD_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
		usv_main_name_acquired_cb, usv_main_name_lost_cb, &main_data, NULL);
	g_unix_signal_add(SIGTERM, usv_main_signal_cb, &main_data);
	g_unix_signal_add(SIGINT, usv_main_signal_cb, &main_data);

	g_main_loop_run(main_data.loop);

	/* callers waiting get an answer; partial downloads stay for next time */
	usv_daemon_stop(daemon);
	g_bus_unown_name(owner_id);
	g_dbus_connection_flush_sync(connection, NULL, NULL);
	g_main_loop_unref(main_data.loop);
	return main_data.exit_status;
}

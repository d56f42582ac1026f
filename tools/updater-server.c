/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upt-cli.h"
#include "upt-server.h"

static gboolean
upt_server_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *repo_dir = NULL;
	g_autofree gchar *address = NULL;
	gint port = 0;
	gint poll_interval = 0;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(UptRepository) repo = NULL;
	g_autoptr(UptServer) server = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autofree gchar *url = NULL;
	const GOptionEntry entries[] = {
		{"repo", 'r', 0, G_OPTION_ARG_FILENAME, &repo_dir,
		 N_("Repository directory to serve"), N_("DIR")},
		{"address", 'a', 0, G_OPTION_ARG_STRING, &address,
		 N_("Address to listen on (default: 127.0.0.1)"), N_("ADDRESS")},
		{"port", 'p', 0, G_OPTION_ARG_INT, &port,
		 N_("Port to listen on; 0 picks a free one"), N_("PORT")},
		{"poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval,
		 N_("Poll interval suggested to clients, in seconds (default: none)"),
		 N_("SECONDS")},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log every request on stderr"),
		 NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the program's version"),
		 NULL},
		{NULL},
	};

	upt_cli_init("updater-server");
	context = g_option_context_new(NULL);
	g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
	g_option_context_set_summary(context,
				     _("Serve an update repository: the check endpoint and its "
				       "files, with ranges for resumable downloads."));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (version)
		return upt_cli_print_version();
	if (argc > 1)
		return upt_cli_usage_error(_("unexpected argument “%s”"), argv[1]);
	if (repo_dir == NULL)
		return upt_cli_usage_error(_("--repo is required"));
	if (port < 0 || port > 65535)
		return upt_cli_usage_error(_("--port %d is not from 0 to 65535"), port);
	if (poll_interval < 0)
		return upt_cli_usage_error(_("--poll-interval must not be negative"));

	repo = upt_repository_open(repo_dir, FALSE, &error);
	if (repo == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	server = upt_server_new(repo, (guint)poll_interval);
	upt_server_set_verbose(server, verbose);
	if (!upt_server_listen(server, address != NULL ? address : "127.0.0.1", (guint)port,
			       &error))
		return upt_cli_fail(g_steal_pointer(&error));
	url = upt_server_get_url(server);
	/* the first line of stdout is the contract scripts and tests read */
	g_print("listening on %s\n", url);
	fflush(stdout);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, upt_server_quit_cb, loop);
	g_unix_signal_add(SIGTERM, upt_server_quit_cb, loop);
	g_main_loop_run(loop);
	return UPT_EXIT_OK;
}

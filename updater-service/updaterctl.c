/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>

#include "upd-i18n-private.h"
#include "usv-ctl.h"

static void
usv_ctl_options_clear(UsvCtlOptions *opts)
{
	g_free(opts->config);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UsvCtlOptions, usv_ctl_options_clear)

typedef int (*UsvCtlLocalFunc)(UsvCtlOptions *opts, GCancellable *cancellable);

/* clang-format off */
static const struct {
	const gchar *name;
	UsvCtlLocalFunc local; /* NULL: only through the daemon */
	gboolean needs_argument;
	gboolean takes_argument;
} usv_ctl_commands[] = {
	{"apps",       NULL,                   FALSE, FALSE},
	{"status",     usv_ctl_local_status,   FALSE, TRUE},
	{"check",      usv_ctl_local_check,    TRUE,  TRUE},
	{"download",   usv_ctl_local_download, TRUE,  TRUE},
	{"install",    usv_ctl_local_install,  TRUE,  TRUE},
	{"rollback",   usv_ctl_local_rollback, TRUE,  TRUE},
	{"history",    usv_ctl_local_history,  TRUE,  TRUE},
	{"monitor",    NULL,                   FALSE, FALSE},
	{"register",   NULL,                   TRUE,  TRUE},
	{"unregister", NULL,                   TRUE,  TRUE},
};
/* clang-format on */

static gboolean
usv_ctl_interrupt_cb(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	g_auto(UsvCtlOptions) opts = {NULL};
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	const gchar *command;
	const gchar *argument;
	guint i;
	const GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts.config,
		 N_("Work in-process, without updater-service, on the application described "
		    "by this configuration file"),
		 N_("FILE")},
		{"force", 'f', 0, G_OPTION_ARG_NONE, &opts.force,
		 N_("With install: also install a version that was rolled back, or reinstall "
		    "the current one"),
		 NULL},
		{"json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
		 N_("Print JSON for scripts (monitor: one object per line)"), NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, N_("Print debug messages"),
		 NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &opts.version,
		 N_("Print the program's version"), NULL},
		{NULL},
	};

	upt_cli_init("updaterctl");
	context = g_option_context_new(_("COMMAND [APP|FILE]"));
	g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
	g_option_context_set_summary(
		context,
		_("Check for and apply application updates, through updater-service.\n"
		  "\n"
		  "Commands:\n"
		  "  apps              List the registered applications\n"
		  "  status [APP]      Show an application's versions, state and schedule\n"
		  "  check APP         Ask the application's server what is available\n"
		  "  download APP      Check, then download and verify what the update needs\n"
		  "  install APP       Check, download and install the newest version\n"
		  "  rollback APP      Go back to the previous installed version\n"
		  "  history APP       Show what was installed and rolled back, and when\n"
		  "  monitor           Show what every application is doing, until Ctrl-C\n"
		  "  register FILE     Register the application a configuration file describes\n"
		  "  unregister APP    Forget an application (its files stay)\n"
		  "\n"
		  "With --config FILE, check, download, install, rollback, history and status\n"
		  "work in-process on that application, without the service."));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (opts.version)
		return upt_cli_print_version();
	if (opts.verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	if (argc < 2)
		return upt_cli_usage_error(_("no command given"));
	command = argv[1];
	argument = argc > 2 ? argv[2] : NULL;
	if (argc > 3)
		return upt_cli_usage_error(_("unexpected argument “%s”"), argv[3]);
	for (i = 0; i < G_N_ELEMENTS(usv_ctl_commands); i++) {
		if (g_strcmp0(command, usv_ctl_commands[i].name) == 0)
			break;
	}
	if (i == G_N_ELEMENTS(usv_ctl_commands))
		return upt_cli_usage_error(_("unknown command “%s”"), command);
	if (argument != NULL && !usv_ctl_commands[i].takes_argument)
		return upt_cli_usage_error(_("unexpected argument “%s”"), argument);

	/* Ctrl-C cancels cleanly: partial downloads stay for the next attempt */
	g_unix_signal_add(SIGINT, usv_ctl_interrupt_cb, cancellable);
	g_unix_signal_add(SIGTERM, usv_ctl_interrupt_cb, cancellable);

	if (opts.config != NULL) {
		if (usv_ctl_commands[i].local == NULL)
			return upt_cli_usage_error(
				_("“%s” needs updater-service and does not work with --config"),
				command);
		if (argument != NULL)
			return upt_cli_usage_error(
				_("give either an application or --config FILE, not both"));
		return usv_ctl_commands[i].local(&opts, cancellable);
	}
	if (argument == NULL && g_strcmp0(command, "register") == 0)
		return upt_cli_usage_error(
			_("“register” needs the application's configuration file"));
	if (argument == NULL && usv_ctl_commands[i].needs_argument)
		return upt_cli_usage_error(
			_("“%s” needs an application id (see “updaterctl apps”), or --config FILE"),
			command);
	return usv_ctl_bus_run(&opts, command, argument, cancellable);
}

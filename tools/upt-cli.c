/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-json-private.h"
#include "upt-cli.h"

void
upt_cli_init(const gchar *prgname)
{
	upd_i18n_init_program();
	g_set_prgname(prgname);
}

/* prints "prog: message" on one line and returns the exit status */
int
upt_cli_fail(GError *error)
{
	g_autofree gchar *line = g_strdup(error->message);

	/* one line, whatever a server or a file put into the message */
	g_strdelimit(line, "\r\n", ' ');
	g_printerr("%s: %s\n", g_get_prgname(), line);
	g_error_free(error);
	return UPT_EXIT_ERROR;
}

int
upt_cli_usage_error(const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_printerr("%s: %s\n", g_get_prgname(), msg);
	g_printerr(_("Try “%s --help” for more information."), g_get_prgname());
	g_printerr("\n");
	return UPT_EXIT_USAGE;
}

void
upt_cli_warn(const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	/* TRANSLATORS: a warning line on stderr: "updaterctl: warning: ..." */
	g_printerr(_("%s: warning: %s\n"), g_get_prgname(), msg);
}

void
upt_cli_print_json(GVariant *value)
{
	g_autoptr(GVariant) sunk = g_variant_ref_sink(value);
	g_autofree gchar *json = upd_json_from_variant(sunk);
	g_print("%s\n", json);
}

gboolean
upt_cli_stderr_is_terminal(void)
{
	return isatty(STDERR_FILENO) == 1;
}

int
upt_cli_print_version(void)
{
	g_print("%s %s\n", g_get_prgname(), PACKAGE_VERSION);
	return UPT_EXIT_OK;
}

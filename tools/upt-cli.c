/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <sys/ioctl.h>
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

void
upt_cli_print_json_line(GVariant *value)
{
	g_autoptr(GVariant) sunk = g_variant_ref_sink(value);
	g_autofree gchar *json = upd_json_from_variant_line(sunk);
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

struct _UptCliProgress {
	gchar *label;
	gboolean active; /* stderr is a terminal */
	gboolean drawn;
};

UptCliProgress *
upt_cli_progress_new(const gchar *label)
{
	UptCliProgress *self = g_new0(UptCliProgress, 1);
	self->label = g_strdup(label);
	self->active = upt_cli_stderr_is_terminal();
	return self;
}

gchar *
upt_cli_pad(const gchar *text, guint width)
{
	GString *out = g_string_new(text);
	guint columns = 0;

	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_iszerowidth(c))
			continue;
		columns += g_unichar_iswide(c) ? 2 : 1;
	}
	while (columns++ < width)
		g_string_append_c(out, ' ');
	return g_string_free(out, FALSE);
}

guint
upt_cli_terminal_width(int fd)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static gchar *
upt_cli_format_eta(gint64 eta)
{
	if (eta < 0)
		return g_strdup("--:--");
	if (eta >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT ":%02d:%02d", eta / 3600,
				       (gint)(eta / 60 % 60), (gint)(eta % 60));
	return g_strdup_printf("%d:%02d", (gint)(eta / 60), (gint)(eta % 60));
}

/* the text of the bar, at most @width columns */
gchar *
upt_cli_format_progress(
	const gchar *label, guint64 done, guint64 total, gdouble rate, gint64 eta, guint width)
{
	g_autofree gchar *done_str = g_format_size(done);
	g_autofree gchar *total_str = g_format_size(total);
	g_autofree gchar *rate_str = g_format_size((guint64)MAX(rate, 0));
	g_autofree gchar *eta_str = upt_cli_format_eta(eta);
	g_autofree gchar *tail = NULL;
	g_autoptr(GString) line = g_string_new(label);
	guint percent = total > 0 ? (guint)(MIN(done, total) * 100 / total) : 100;
	glong used;
	glong bar;

	/* TRANSLATORS: progress: "45%  5.6 MB of 12.3 MB  1.2 MB/s  0:06 left" */
	tail = g_strdup_printf(_("%3u%%  %s of %s  %s/s  %s left"), percent, done_str, total_str,
			       rate_str, eta_str);
	used = g_utf8_strlen(label, -1) + 4 + g_utf8_strlen(tail, -1);
	bar = MIN((glong)width - used - 1, 40);
	if (bar >= 5) {
		glong filled = total > 0 ? (glong)(bar * MIN(done, total) / total) : bar;
		g_string_append(line, " [");
		for (glong i = 0; i < bar; i++)
			g_string_append_c(line, i < filled ? '#' : '.');
		g_string_append(line, "] ");
	} else {
		g_string_append_c(line, ' ');
	}
	g_string_append(line, tail);
	return g_string_free(g_steal_pointer(&line), FALSE);
}

void
upt_cli_progress_update(UptCliProgress *self, guint64 done, guint64 total, gdouble rate, gint64 eta)
{
	g_autofree gchar *text = NULL;

	if (!self->active)
		return;
	text = upt_cli_format_progress(self->label, done, total, rate, eta,
				       upt_cli_terminal_width(STDERR_FILENO));
	/* carriage return, the bar, clear to the end of the line */
	g_printerr("\r%s\033[K", text);
	self->drawn = TRUE;
}

void
upt_cli_progress_free(UptCliProgress *self)
{
	if (self == NULL)
		return;
	if (self->drawn)
		g_printerr("\r\033[K");
	g_free(self->label);
	g_free(self);
}

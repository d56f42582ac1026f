/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Shared habits of the project's command-line programs: translated messages,
 * one clear line on stderr per error, JSON on stdout for scripts. */

#define UPT_EXIT_OK    0
#define UPT_EXIT_ERROR 1
#define UPT_EXIT_USAGE 2
/* interrupted by SIGINT, as shells report it */
#define UPT_EXIT_INTERRUPTED 130

void
upt_cli_init(const gchar *prgname);
int
upt_cli_fail(GError *error);
int
upt_cli_usage_error(const gchar *format, ...) G_GNUC_PRINTF(1, 2);
void
upt_cli_warn(const gchar *format, ...) G_GNUC_PRINTF(1, 2);
void
upt_cli_print_json(GVariant *value);
/* one object per line, for streams of events */
void
upt_cli_print_json_line(GVariant *value);
gboolean
upt_cli_stderr_is_terminal(void);
/* @text followed by spaces up to @width columns of a terminal (wide
 * characters take two): printf's "%-12s" counts bytes, not columns */
gchar *
upt_cli_pad(const gchar *text, guint width);
/* columns of the terminal on @fd, 80 when it is none */
guint
upt_cli_terminal_width(int fd);
int
upt_cli_print_version(void);

/* A one-line progress bar for a terminal's stderr, redrawn in place:
 * "label [#####.....]  45%  5.6 MB of 12.3 MB  1.2 MB/s  0:06 left".
 * Does nothing when stderr is not a terminal. */
typedef struct _UptCliProgress UptCliProgress;

UptCliProgress *
upt_cli_progress_new(const gchar *label);
void
upt_cli_progress_update(
	UptCliProgress *self, guint64 done, guint64 total, gdouble rate, gint64 eta);
/* erases the bar, leaving the line clean for the final message */
void
upt_cli_progress_free(UptCliProgress *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UptCliProgress, upt_cli_progress_free)
gchar *
upt_cli_format_progress(
	const gchar *label, guint64 done, guint64 total, gdouble rate, gint64 eta, guint width);

G_END_DECLS

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
gboolean
upt_cli_stderr_is_terminal(void);
int
upt_cli_print_version(void);

G_END_DECLS

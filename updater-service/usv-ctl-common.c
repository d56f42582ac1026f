/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-i18n-private.h"
#include "usv-ctl.h"

void
usv_ctl_async_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

/* runs the default main context until an async call finished, so that the
 * SIGINT and SIGTERM sources can cancel it */
GAsyncResult *
usv_ctl_wait(GAsyncResult **res)
{
	while (*res == NULL)
		g_main_context_iteration(NULL, TRUE);
	return *res;
}

void
usv_ctl_print_notes(const gchar *notes)
{
	g_auto(GStrv) lines = g_strsplit(notes, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		g_print("  %s\n", lines[i]);
}

gchar *
usv_ctl_format_time(gint64 when)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(when);
	return dt != NULL ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

void
usv_ctl_print_history(UsvCtlOptions *opts, const gchar *app_id, GVariant *history)
{
	gsize n;

	if (opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", app_id);
		g_variant_dict_insert_value(&dict, "history", history);
		upt_cli_print_json(g_variant_dict_end(&dict));
		return;
	}
	n = g_variant_n_children(history);
	if (n == 0) {
		g_print(_("%s has no history yet.\n"), app_id);
		return;
	}
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(history, i);
		g_autoptr(GVariantDict) dict = g_variant_dict_new(entry);
		const gchar *operation = "";
		const gchar *from = "";
		const gchar *to = "";
		const gchar *result = "";
		const gchar *message = "";
		gint64 when = 0;
		g_autofree gchar *time_str = NULL;

		g_variant_dict_lookup(dict, "time", "x", &when);
		g_variant_dict_lookup(dict, "operation", "&s", &operation);
		g_variant_dict_lookup(dict, "from", "&s", &from);
		g_variant_dict_lookup(dict, "to", "&s", &to);
		g_variant_dict_lookup(dict, "result", "&s", &result);
		g_variant_dict_lookup(dict, "error", "&s", &message);
		time_str = usv_ctl_format_time(when);
		/* TRANSLATORS: history line: time, operation, from, to, result */
		g_print(_("%s  %-8s  %s -> %s  %s\n"), time_str, operation,
			from[0] != '\0' ? from : "-", to[0] != '\0' ? to : "-", result);
		if (message[0] != '\0')
			g_print("    %s\n", message);
	}
}

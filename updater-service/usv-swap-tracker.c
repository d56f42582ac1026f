/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-i18n-private.h"
#include "usv-swap-tracker.h"

typedef struct {
	gchar *to;
	gchar *message; /* (nullable): NULL when swapped */
} UsvSwapReport;

struct _UsvSwapTracker {
	GObject parent_instance;
	guint timeout_seconds;
	GHashTable *hosts;   /* bus name -> GStrv of plugins */
	GHashTable *awaited; /* "bus name\nplugin" -> version */
	GHashTable *early;   /* "bus name\nplugin" -> UsvSwapReport, before await */
	GPtrArray *failures; /* (element-type utf8) */
	guint timeout_id;
	gboolean waiting;
};

enum {
	SIGNAL_FINISHED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(UsvSwapTracker, usv_swap_tracker, G_TYPE_OBJECT)

static void
usv_swap_report_free(UsvSwapReport *report)
{
	g_free(report->to);
	g_free(report->message);
	g_free(report);
}

static gchar *
usv_swap_tracker_key(const gchar *bus_name, const gchar *plugin)
{
	return g_strconcat(bus_name, "\n", plugin, NULL);
}

static void
usv_swap_tracker_check_finished(UsvSwapTracker *self)
{
	g_autofree gchar *message = NULL;

	if (!self->waiting || g_hash_table_size(self->awaited) > 0)
		return;
	self->waiting = FALSE;
	g_clear_handle_id(&self->timeout_id, g_source_remove);
	if (self->failures->len > 0) {
		g_ptr_array_add(self->failures, NULL);
		message = g_strjoinv("; ", (gchar **)self->failures->pdata);
	}
	g_ptr_array_set_size(self->failures, 0);
	g_signal_emit(self, signals[SIGNAL_FINISHED], 0, message);
}

static void
usv_swap_tracker_add_result(UsvSwapTracker *self,
			    const gchar *bus_name,
			    const gchar *plugin,
			    const gchar *message)
{
	if (message != NULL)
		g_ptr_array_add(
			self->failures,
			/* TRANSLATORS: host bus name, plugin, the host's error */
			g_strdup_printf(_("host %s, plugin %s: %s"), bus_name, plugin, message));
}

static gboolean
usv_swap_tracker_timeout_cb(gpointer user_data)
{
	UsvSwapTracker *self = USV_SWAP_TRACKER(user_data);
	GHashTableIter iter;
	gpointer key;

	self->timeout_id = 0;
	g_hash_table_iter_init(&iter, self->awaited);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_auto(GStrv) parts = g_strsplit(key, "\n", 2);
		g_autofree gchar *message = g_strdup_printf(_("no report of the swap within %u s"),
							    self->timeout_seconds);
		usv_swap_tracker_add_result(self, parts[0], parts[1], message);
	}
	g_hash_table_remove_all(self->awaited);
	usv_swap_tracker_check_finished(self);
	return G_SOURCE_REMOVE;
}

void
usv_swap_tracker_add_host(UsvSwapTracker *self, const gchar *bus_name, const gchar *const *plugins)
{
	g_hash_table_replace(self->hosts, g_strdup(bus_name), g_strdupv((gchar **)plugins));
}

void
usv_swap_tracker_remove_host(UsvSwapTracker *self, const gchar *bus_name)
{
	GHashTableIter iter;
	gpointer key;
	g_autofree gchar *prefix = g_strconcat(bus_name, "\n", NULL);

	if (!g_hash_table_remove(self->hosts, bus_name))
		return;
	/* a host that went away loads the new version when it starts again */
	g_hash_table_iter_init(&iter, self->awaited);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_str_has_prefix(key, prefix))
			g_hash_table_iter_remove(&iter);
	}
	usv_swap_tracker_check_finished(self);
}

gboolean
usv_swap_tracker_is_host(UsvSwapTracker *self, const gchar *bus_name)
{
	return g_hash_table_contains(self->hosts, bus_name);
}

void
usv_swap_tracker_begin(UsvSwapTracker *self)
{
	g_hash_table_remove_all(self->early);
}

gboolean
usv_swap_tracker_await(UsvSwapTracker *self, const gchar *const *plugins, const gchar *version)
{
	GHashTableIter iter;
	gpointer bus_name;
	gpointer host_plugins;

	g_return_val_if_fail(!self->waiting, FALSE);
	g_hash_table_iter_init(&iter, self->hosts);
	while (g_hash_table_iter_next(&iter, &bus_name, &host_plugins)) {
		for (guint i = 0; plugins[i] != NULL; i++) {
			g_autofree gchar *key = NULL;
			UsvSwapReport *report;

			if (!g_strv_contains((const gchar *const *)host_plugins, plugins[i]))
				continue;
			key = usv_swap_tracker_key(bus_name, plugins[i]);
			report = g_hash_table_lookup(self->early, key);
			if (report != NULL && g_strcmp0(report->to, version) == 0) {
				usv_swap_tracker_add_result(self, bus_name, plugins[i],
							    report->message);
				continue;
			}
			g_hash_table_insert(self->awaited, g_steal_pointer(&key),
					    g_strdup(version));
		}
	}
	g_hash_table_remove_all(self->early);
	if (g_hash_table_size(self->awaited) == 0 && self->failures->len == 0)
		return FALSE;
	self->waiting = TRUE;
	if (g_hash_table_size(self->awaited) > 0)
		self->timeout_id = g_timeout_add_seconds(self->timeout_seconds,
							 usv_swap_tracker_timeout_cb, self);
	else
		/* every report came early: finish from the main loop, like the others */
		self->timeout_id = g_idle_add(usv_swap_tracker_timeout_cb, self);
	return TRUE;
}

gboolean
usv_swap_tracker_report(UsvSwapTracker *self,
			const gchar *bus_name,
			const gchar *plugin,
			const gchar *to,
			gboolean success,
			const gchar *message)
{
	g_autofree gchar *key = NULL;
	const gchar *awaited_version;

	if (!usv_swap_tracker_is_host(self, bus_name))
		return FALSE;
	key = usv_swap_tracker_key(bus_name, plugin);
	awaited_version = g_hash_table_lookup(self->awaited, key);
	if (awaited_version == NULL) {
		/* the host may see the new version before the daemon asks */
		UsvSwapReport *report = g_new0(UsvSwapReport, 1);
		report->to = g_strdup(to);
		report->message = success ? NULL : g_strdup(message);
		g_hash_table_replace(self->early, g_steal_pointer(&key), report);
		return TRUE;
	}
	if (g_strcmp0(awaited_version, to) != 0)
		return TRUE;
	usv_swap_tracker_add_result(self, bus_name, plugin, success ? NULL : message);
	g_hash_table_remove(self->awaited, key);
	usv_swap_tracker_check_finished(self);
	return TRUE;
}

void
usv_swap_tracker_cancel(UsvSwapTracker *self)
{
	self->waiting = FALSE;
	g_clear_handle_id(&self->timeout_id, g_source_remove);
	g_hash_table_remove_all(self->awaited);
	g_ptr_array_set_size(self->failures, 0);
}

static void
usv_swap_tracker_finalize(GObject *object)
{
	UsvSwapTracker *self = USV_SWAP_TRACKER(object);

	g_clear_handle_id(&self->timeout_id, g_source_remove);
	g_hash_table_unref(self->hosts);
	g_hash_table_unref(self->awaited);
	g_hash_table_unref(self->early);
	g_ptr_array_unref(self->failures);
	G_OBJECT_CLASS(usv_swap_tracker_parent_class)->finalize(object);
}

static void
usv_swap_tracker_class_init(UsvSwapTrackerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = usv_swap_tracker_finalize;
	signals[SIGNAL_FINISHED] =
		g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
usv_swap_tracker_init(UsvSwapTracker *self)
{
	self->hosts =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
	self->awaited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->early = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)usv_swap_report_free);
	self->failures = g_ptr_array_new_with_free_func(g_free);
}

UsvSwapTracker *
usv_swap_tracker_new(guint timeout_seconds)
{
	UsvSwapTracker *self = g_object_new(USV_TYPE_SWAP_TRACKER, NULL);
	self->timeout_seconds = timeout_seconds;
	return self;
}

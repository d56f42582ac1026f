/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The host applications of one registered application and the plugin swaps
 * the daemon waits for after an install.
 *
 * A host registers with the plugins it runs. After an install the daemon
 * awaits, from every host, a swap report for every installed plugin that host
 * runs; reports can arrive before the daemon starts waiting (a host sees the
 * switch of `current` on its own) and are kept until then. A host leaving the
 * bus is waited for no longer: on its next start it loads the new version.
 *
 * ::finished is emitted once every awaited report is in or the timeout ran
 * out, with the failures joined into one message (NULL when all swapped). */
#define USV_TYPE_SWAP_TRACKER (usv_swap_tracker_get_type())
G_DECLARE_FINAL_TYPE(UsvSwapTracker, usv_swap_tracker, USV, SWAP_TRACKER, GObject)

UsvSwapTracker *
usv_swap_tracker_new(guint timeout_seconds);
/* registers or re-registers @bus_name, running @plugins */
void
usv_swap_tracker_add_host(UsvSwapTracker *self, const gchar *bus_name, const gchar *const *plugins);
void
usv_swap_tracker_remove_host(UsvSwapTracker *self, const gchar *bus_name);
gboolean
usv_swap_tracker_is_host(UsvSwapTracker *self, const gchar *bus_name);
/* forgets reports from before; call when an install starts */
void
usv_swap_tracker_begin(UsvSwapTracker *self);
/* waits for the swaps of @plugins to @version; FALSE when no host runs any
 * of them (nothing to wait for, ::finished is not emitted) */
gboolean
usv_swap_tracker_await(UsvSwapTracker *self, const gchar *const *plugins, const gchar *version);
/* a host's report; FALSE if @bus_name is not a registered host */
gboolean
usv_swap_tracker_report(UsvSwapTracker *self,
			const gchar *bus_name,
			const gchar *plugin,
			const gchar *to,
			gboolean success,
			const gchar *message);
/* stops waiting without ::finished */
void
usv_swap_tracker_cancel(UsvSwapTracker *self);

G_END_DECLS

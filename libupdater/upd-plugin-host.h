/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <gio/gio.h>

#include "upd-build.h"

G_BEGIN_DECLS

#define UPD_TYPE_PLUGIN_HOST (upd_plugin_host_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdPluginHost, upd_plugin_host, UPD, PLUGIN_HOST, GObject)

/**
 * UpdSwapPolicy:
 * @UPD_SWAP_POLICY_WAIT: wait for the plugin to become idle, however long
 * @UPD_SWAP_POLICY_FORCE: at the deadline, swap even with work in flight:
 *   new work goes to the new version; the old module stays loaded until the
 *   last hold on it is released, but its instance is stopped
 * @UPD_SWAP_POLICY_GIVE_UP: at the deadline, give the swap up (reported as
 *   failed); the next change of `current` tries again
 *
 * What a plugin host does when a plugin is still busy at the swap deadline.
 */
typedef enum {
	UPD_SWAP_POLICY_WAIT,
	UPD_SWAP_POLICY_FORCE,
	UPD_SWAP_POLICY_GIVE_UP,
} UpdSwapPolicy;

/**
 * UpdPluginHold:
 *
 * A guard on the version of a plugin that is doing some work: while a hold
 * exists, that version is not swapped out (unless the policy forces it) and
 * never unloaded. Take one per request with upd_plugin_host_hold(), release it
 * with upd_plugin_hold_release() or `g_autoptr(UpdPluginHold)`.
 */
typedef struct _UpdPluginHold UpdPluginHold;

UPD_AVAILABLE_IN_ALL
UpdPluginHost *
upd_plugin_host_new(const gchar *plugin_dir) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_host_add_socket(UpdPluginHost *self, const gchar *name, GSocket *socket)
	UPD_NONNULL(1, 2, 3);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_host_require_interface(UpdPluginHost *self,
				  const gchar *plugin,
				  const gchar *interface_name,
				  guint32 interface_version) UPD_NONNULL(1, 2, 3);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_host_set_swap_policy(UpdPluginHost *self, UpdSwapPolicy policy, guint deadline_ms)
	UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_plugin_host_load(UpdPluginHost *self, GError **error) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_host_check(UpdPluginHost *self, const gchar *name) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GStrv
upd_plugin_host_get_plugins(UpdPluginHost *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_plugin_host_get_version(UpdPluginHost *self, const gchar *name) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_plugin_host_is_swap_pending(UpdPluginHost *self, const gchar *name) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_host_unload(UpdPluginHost *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_plugin_host_connect_service(UpdPluginHost *self, const gchar *app_id, GError **error)
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_plugin_host_is_service_registered(UpdPluginHost *self) UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
UpdPluginHold *
upd_plugin_host_hold(UpdPluginHost *self, const gchar *name) G_GNUC_WARN_UNUSED_RESULT
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gpointer
upd_plugin_hold_get_instance(UpdPluginHold *hold) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gconstpointer
upd_plugin_hold_get_interface(UpdPluginHold *hold) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_plugin_hold_get_version(UpdPluginHold *hold) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
void
upd_plugin_hold_release(UpdPluginHold *hold);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdPluginHold, upd_plugin_hold_release)

G_END_DECLS

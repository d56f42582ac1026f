/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/*
 * The ABI of hot-swappable plugins of host applications.
 *
 * A host application (one that runs an UpdPluginHost) loads its plugins
 * from a directory laid out as installed:
 *
 *   <plugin-dir>/<name>/current -> versions/<version>/
 *   <plugin-dir>/<name>/versions/<version>/<module>.so
 *
 * A plugin is a plain C module. It exports exactly one function,
 * upd_swappable_plugin_query(), returning a constant UpdSwappablePlugin, and:
 *
 *  - registers no GType (a module that registered one could never be
 *    unloaded), runs no constructors, keeps no global state: everything lives
 *    in the instance create() returns;
 *  - adds its timeouts, idle callbacks and socket watches, and starts its
 *    threads, through the UpdPluginContext, so that the host can remove and
 *    join them before the module is unloaded (no callback may run in unmapped
 *    code); its threads must return when stop() asks them to;
 *  - uses the listening sockets the host owns (get_socket) instead of
 *    opening its own, so that no connection is refused during a swap;
 *  - hands what must survive a swap to its successor with save_state() and
 *    takes it with restore_state(), versioned by state_version: a new version
 *    accepts the formats it knows and refuses the others (the swap then fails
 *    and the old version goes on).
 *
 * The plugin does not link libupdater: the context's function table is all
 * it calls. Both structures start with their ABI version and size; members
 * are only ever appended.
 */

#include <gio/gio.h>
#include <gmodule.h>

G_BEGIN_DECLS

/**
 * UPD_SWAPPABLE_PLUGIN_ABI_VERSION:
 *
 * The version of #UpdSwappablePlugin and #UpdPluginContextFuncs described here.
 */
#define UPD_SWAPPABLE_PLUGIN_ABI_VERSION 1

/**
 * UPD_SWAPPABLE_PLUGIN_QUERY:
 *
 * The name of the one symbol a swappable plugin exports.
 */
#define UPD_SWAPPABLE_PLUGIN_QUERY "upd_swappable_plugin_query"

typedef struct _UpdPluginContext UpdPluginContext;

/**
 * UpdPluginThreadFunc:
 * @user_data: data given to thread_new()
 *
 * The body of a plugin thread. It must return when the plugin's stop() asks it to.
 */
typedef void (*UpdPluginThreadFunc)(gpointer user_data);

/**
 * UpdPluginContextFuncs:
 * @abi_version: %UPD_SWAPPABLE_PLUGIN_ABI_VERSION
 * @struct_size: sizeof(UpdPluginContextFuncs) of the host
 * @get_name: the plugin's name
 * @get_version: the version of the module this context belongs to
 * @get_directory: the module's versioned directory (data files next to it)
 * @get_socket: (nullable): a listening socket the host owns, by name; the
 *   plugin may watch it and accept on it, but must not close it
 * @add_timeout: like g_timeout_add() on the host's main context; the source is
 *   removed when the plugin stops
 * @add_idle: like g_idle_add() on the host's main context
 * @add_socket_watch: a callback when @condition holds on @socket
 * @remove_source: removes a source added through this context
 * @thread_new: starts a thread the host joins after stop()
 * @log: a debug message in the host's log domain
 *
 * What the host offers a plugin instance.
 */
typedef struct {
	guint32 abi_version;
	guint32 struct_size;
	const gchar *(*get_name)(UpdPluginContext *ctx);
	const gchar *(*get_version)(UpdPluginContext *ctx);
	const gchar *(*get_directory)(UpdPluginContext *ctx);
	GSocket *(*get_socket)(UpdPluginContext *ctx, const gchar *name);
	guint (*add_timeout)(UpdPluginContext *ctx,
			     guint interval_ms,
			     GSourceFunc func,
			     gpointer user_data);
	guint (*add_idle)(UpdPluginContext *ctx, GSourceFunc func, gpointer user_data);
	guint (*add_socket_watch)(UpdPluginContext *ctx,
				  GSocket *socket,
				  GIOCondition condition,
				  GSocketSourceFunc func,
				  gpointer user_data);
	void (*remove_source)(UpdPluginContext *ctx, guint id);
	gboolean (*thread_new)(UpdPluginContext *ctx,
			       const gchar *name,
			       UpdPluginThreadFunc func,
			       gpointer user_data,
			       GError **error);
	void (*log)(UpdPluginContext *ctx, const gchar *message);
} UpdPluginContextFuncs;

/**
 * UpdPluginContext:
 * @funcs: the host's functions; call them as `ctx->funcs->add_timeout(ctx, ...)`
 *
 * The host's resources for one plugin instance. Only @funcs is public.
 */
struct _UpdPluginContext {
	const UpdPluginContextFuncs *funcs;
};

/**
 * UpdSwappablePlugin:
 * @abi_version: %UPD_SWAPPABLE_PLUGIN_ABI_VERSION the plugin was built for
 * @struct_size: sizeof(UpdSwappablePlugin) the plugin was built with
 * @name: the plugin's name, equal to its directory's name
 * @version: the plugin's version, e.g. "2.0"
 * @state_version: the format of what save_state() produces
 * @interface_name: the name of the application interface it implements
 * @interface_version: that interface's version; the host refuses others
 * @interface: the application interface (a table of functions taking the
 *   instance), defined by the host application
 * @create: makes an instance; nothing runs yet
 * @start: starts serving
 * @is_idle: (nullable): whether the instance has no work of its own in
 *   progress (work the host tracks with holds is counted anyway)
 * @save_state: (nullable): what the next version needs, in format
 *   @state_version; called after stop()
 * @restore_state: (nullable): takes the previous version's state, in the
 *   given format, before start(); refuses formats it does not know with an error
 * @stop: stops serving; its threads return; its sources are removed by the host
 *   afterwards. The instance may be started again (when its successor failed).
 * @destroy: frees the instance
 *
 * The vtable a swappable plugin returns from upd_swappable_plugin_query().
 */
typedef struct {
	guint32 abi_version;
	guint32 struct_size;
	const gchar *name;
	const gchar *version;
	guint32 state_version;
	const gchar *interface_name;
	guint32 interface_version;
	gconstpointer interface;
	gpointer (*create)(UpdPluginContext *ctx, GError **error);
	gboolean (*start)(gpointer instance, GError **error);
	gboolean (*is_idle)(gpointer instance);
	GBytes *(*save_state)(gpointer instance, GError **error);
	gboolean (*restore_state)(gpointer instance,
				  guint32 state_version,
				  GBytes *state,
				  GError **error);
	void (*stop)(gpointer instance);
	void (*destroy)(gpointer instance);
} UpdSwappablePlugin;

/**
 * UpdSwappablePluginQueryFunc:
 *
 * The type of upd_swappable_plugin_query().
 */
typedef const UpdSwappablePlugin *(*UpdSwappablePluginQueryFunc)(void);

/**
 * UPD_SWAPPABLE_PLUGIN_DEFINE:
 * @vtable: a static const #UpdSwappablePlugin
 *
 * Defines the exported entry point of a swappable plugin.
 */
#define UPD_SWAPPABLE_PLUGIN_DEFINE(vtable)                                                        \
	G_MODULE_EXPORT const UpdSwappablePlugin *upd_swappable_plugin_query(void);                \
	G_MODULE_EXPORT const UpdSwappablePlugin *upd_swappable_plugin_query(void)                 \
	{                                                                                          \
		return &(vtable);                                                                  \
	}

G_END_DECLS

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-install-dir-private.h"
#include "upd-plugin-host.h"
#include "upd-service-link-private.h"
#include "upd-swappable-plugin.h"

/**
 * UpdPluginHost:
 *
 * Loads a host application's plugins from a directory laid out as installed
 * (`<dir>/<name>/current -> versions/<v>/`) and swaps a plugin for its new
 * version when `current` changes, at an idle moment:
 *
 * 1. the new module is opened from its own versioned path and checked (ABI,
 *    entry point, name, interface), while the old one keeps serving;
 * 2. once the old version holds no work (no #UpdPluginHold, is_idle()), or
 *    at the deadline as the #UpdSwapPolicy says, the old instance is
 *    stopped, its sources removed and its threads joined, and its state
 *    handed to the new instance, which is then started;
 * 3. only then is the old module unloaded (after the last hold on it);
 * 4. if the new version fails to take the state or to start, it is unloaded
 *    and the old instance starts again with its state; the failure is
 *    reported with its reason.
 *
 * Everything happens on the main context that was the thread default when
 * the host was created. Holds may be taken and released from any thread.
 */

/* One loaded version of one plugin: a module, its vtable, its instance. */
typedef struct _UpdPluginVersion UpdPluginVersion;

/* the context a plugin sees, with what the host needs behind it */
typedef struct {
	UpdPluginContext pub;
	UpdPluginVersion *version; /* (unowned): the version owns the context */
} UpdPluginContextPriv;

struct _UpdPluginVersion {
	gint refcount;
	UpdPluginHost *host; /* (unowned): for the main thread while the host lives */
	GWeakRef host_ref;   /* the same for any thread, also after the host is gone */
	gchar *name;
	gchar *version;
	gchar *dir;
	gchar *path;
	GModule *module;		  /* (owned) */
	const UpdSwappablePlugin *vtable; /* (unowned): inside @module */
	UpdPluginContextPriv ctx;
	gpointer instance;
	GHashTable *sources; /* (owned): id -> GSource */
	GPtrArray *threads;  /* (owned) (element-type GThread) */
	gint holds;	     /* atomic */
	gboolean started;
};

typedef struct {
	gchar *name;
	gchar *dir;
	UpdPluginVersion *current; /* (owned) (nullable) */
	UpdPluginVersion *pending; /* (owned) (nullable): validated, waiting to swap in */
	gchar *failed_target;	   /* (owned) (nullable): do not retry it until current changes */
	guint64 failed_link;	   /* inode and change time of the "current" link that named it */
	GFileMonitor *monitor;	   /* (owned) (nullable) */
	guint check_id;
	guint deadline_id;
	guint idle_poll_id;
	gchar *interface_name;
	guint32 interface_version;
} UpdPluginSlot;

struct _UpdPluginHold {
	UpdPluginVersion *version; /* (owned) */
};

struct _UpdPluginHost {
	GObject parent_instance;
	gchar *dir;
	GMainContext *context; /* (owned) */
	GMutex lock;	       /* guards slot->current for holds from other threads */
	GHashTable *slots;     /* (owned): name -> UpdPluginSlot */
	GHashTable *sockets;   /* (owned): name -> GSocket */
	GHashTable *required;  /* (owned): plugin name -> "interface\nversion" */
	GFileMonitor *dir_monitor;
	UpdSwapPolicy policy;
	guint deadline_ms;
	UpdServiceLink *service_link; /* (owned) (nullable) */
};

enum {
	SIGNAL_SWAP_STARTED,
	SIGNAL_SWAP_COMPLETED,
	SIGNAL_SWAP_FAILED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(UpdPluginHost, upd_plugin_host, G_TYPE_OBJECT)

/* --------------------------------------------------------------- context */

static UpdPluginVersion *
upd_plugin_ctx_version(UpdPluginContext *ctx)
{
	return ((UpdPluginContextPriv *)ctx)->version;
}

static const gchar *
upd_plugin_ctx_get_name(UpdPluginContext *ctx)
{
	return upd_plugin_ctx_version(ctx)->name;
}

static const gchar *
upd_plugin_ctx_get_version(UpdPluginContext *ctx)
{
	return upd_plugin_ctx_version(ctx)->version;
}

static const gchar *
upd_plugin_ctx_get_directory(UpdPluginContext *ctx)
{
	return upd_plugin_ctx_version(ctx)->dir;
}

static GSocket *
upd_plugin_ctx_get_socket(UpdPluginContext *ctx, const gchar *name)
{
	return g_hash_table_lookup(upd_plugin_ctx_version(ctx)->host->sockets, name);
}

static guint
upd_plugin_ctx_attach(UpdPluginContext *ctx, GSource *source)
{
	UpdPluginVersion *version = upd_plugin_ctx_version(ctx);
	guint id = g_source_attach(source, version->host->context);
	/* the table owns a reference: the source is destroyed at stop */
	g_hash_table_insert(version->sources, GUINT_TO_POINTER(id), source);
	return id;
}

static guint
upd_plugin_ctx_add_timeout(UpdPluginContext *ctx,
			   guint interval_ms,
			   GSourceFunc func,
			   gpointer user_data)
{
	GSource *source = g_timeout_source_new(interval_ms);
	g_source_set_callback(source, func, user_data, NULL);
	return upd_plugin_ctx_attach(ctx, source);
}

static guint
upd_plugin_ctx_add_idle(UpdPluginContext *ctx, GSourceFunc func, gpointer user_data)
{
	GSource *source = g_idle_source_new();
	g_source_set_callback(source, func, user_data, NULL);
	return upd_plugin_ctx_attach(ctx, source);
}

static guint
upd_plugin_ctx_add_socket_watch(UpdPluginContext *ctx,
				GSocket *socket,
				GIOCondition condition,
				GSocketSourceFunc func,
				gpointer user_data)
{
	GSource *source = g_socket_create_source(socket, condition, NULL);
	g_source_set_callback(source, (GSourceFunc)(void (*)(void))func, user_data, NULL);
	return upd_plugin_ctx_attach(ctx, source);
}

static void
upd_plugin_ctx_remove_source(UpdPluginContext *ctx, guint id)
{
	g_hash_table_remove(upd_plugin_ctx_version(ctx)->sources, GUINT_TO_POINTER(id));
}

static gboolean
upd_plugin_ctx_thread_new(UpdPluginContext *ctx,
			  const gchar *name,
			  UpdPluginThreadFunc func,
			  gpointer user_data,
			  GError **error)
{
	UpdPluginVersion *version = upd_plugin_ctx_version(ctx);
	GThread *thread =
		g_thread_try_new(name, (GThreadFunc)(void (*)(void))func, user_data, error);
	if (thread == NULL)
		return FALSE;
	g_ptr_array_add(version->threads, thread);
	return TRUE;
}

static void
upd_plugin_ctx_log(UpdPluginContext *ctx, const gchar *message)
{
	UpdPluginVersion *version = upd_plugin_ctx_version(ctx);
	g_debug("plugin %s %s: %s", version->name, version->version, message);
}

static const UpdPluginContextFuncs upd_plugin_ctx_funcs = {
	.abi_version = UPD_SWAPPABLE_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(UpdPluginContextFuncs),
	.get_name = upd_plugin_ctx_get_name,
	.get_version = upd_plugin_ctx_get_version,
	.get_directory = upd_plugin_ctx_get_directory,
	.get_socket = upd_plugin_ctx_get_socket,
	.add_timeout = upd_plugin_ctx_add_timeout,
	.add_idle = upd_plugin_ctx_add_idle,
	.add_socket_watch = upd_plugin_ctx_add_socket_watch,
	.remove_source = upd_plugin_ctx_remove_source,
	.thread_new = upd_plugin_ctx_thread_new,
	.log = upd_plugin_ctx_log,
};

/* -------------------------------------------------------------- versions */

static void
upd_plugin_source_free(gpointer data)
{
	GSource *source = data;
	g_source_destroy(source);
	g_source_unref(source);
}

/* after stop(): nothing of the plugin may run any more */
static void
upd_plugin_version_quiesce(UpdPluginVersion *version)
{
	g_hash_table_remove_all(version->sources);
	for (guint i = 0; i < version->threads->len; i++)
		g_thread_join(g_ptr_array_index(version->threads, i));
	g_ptr_array_set_size(version->threads, 0);
}

static void
upd_plugin_version_stop(UpdPluginVersion *version)
{
	if (!version->started)
		return;
	version->vtable->stop(version->instance);
	version->started = FALSE;
	upd_plugin_version_quiesce(version);
}

static UpdPluginVersion *
upd_plugin_version_ref(UpdPluginVersion *version)
{
	g_atomic_int_inc(&version->refcount);
	return version;
}

static void
upd_plugin_version_unref(UpdPluginVersion *version)
{
	if (version == NULL || !g_atomic_int_dec_and_test(&version->refcount))
		return;
	/* the last reference: stop, destroy, unload, in that order */
	if (version->instance != NULL) {
		upd_plugin_version_stop(version);
		version->vtable->destroy(version->instance);
		version->instance = NULL;
	}
	upd_plugin_version_quiesce(version);
	g_hash_table_unref(version->sources);
	g_ptr_array_unref(version->threads);
	if (version->module != NULL) {
		g_debug("unloading %s", version->path);
		g_module_close(version->module);
	}
	g_weak_ref_clear(&version->host_ref);
	g_free(version->name);
	g_free(version->version);
	g_free(version->dir);
	g_free(version->path);
	g_free(version);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdPluginVersion, upd_plugin_version_unref)

/* the module of a version directory: lib<name>.so, <name>.so, or the only .so */
static gchar *
upd_plugin_find_module(const gchar *dir, const gchar *name, GError **error)
{
	g_autofree gchar *lib = g_strdup_printf("lib%s.so", name);
	g_autofree gchar *plain = g_strdup_printf("%s.so", name);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *only = NULL;
	const gchar *entry;
	guint count = 0;

	d = g_dir_open(dir, 0, &error_local);
	if (d == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("cannot read plugin directory %s: %s"), dir, error_local->message);
		return NULL;
	}
	while ((entry = g_dir_read_name(d)) != NULL) {
		if (g_strcmp0(entry, lib) == 0 || g_strcmp0(entry, plain) == 0)
			return g_build_filename(dir, entry, NULL);
		if (g_str_has_suffix(entry, ".so")) {
			count++;
			g_free(only);
			only = g_build_filename(dir, entry, NULL);
		}
	}
	if (count == 1)
		return g_steal_pointer(&only);
	if (count == 0)
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN, _("%s holds no plugin module (%s)"),
			    dir, lib);
	else
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("%s holds several .so files and none is called %s or %s"), dir, lib,
			    plain);
	return NULL;
}

/* opens a version from its own path and checks its vtable; nothing runs yet */
static UpdPluginVersion *
upd_plugin_version_open(UpdPluginHost *self,
			UpdPluginSlot *slot,
			const gchar *version_name,
			GError **error)
{
	g_autoptr(UpdPluginVersion) version = g_new0(UpdPluginVersion, 1);
	const UpdSwappablePlugin *vtable;
	gpointer symbol = NULL;

	version->refcount = 1;
	version->host = self;
	g_weak_ref_init(&version->host_ref, self);
	version->name = g_strdup(slot->name);
	version->version = g_strdup(version_name);
	version->dir = upd_install_dir_version_path(slot->dir, version_name);
	version->sources =
		g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, upd_plugin_source_free);
	version->threads = g_ptr_array_new();
	version->ctx.pub.funcs = &upd_plugin_ctx_funcs;
	version->ctx.version = version;
	version->path = upd_plugin_find_module(version->dir, slot->name, error);
	if (version->path == NULL)
		return NULL;
	/* each version from its own path, with local binding: old and new symbols
	 * never mix, and the loader never hands back a stale handle */
	version->module = g_module_open(version->path, G_MODULE_BIND_LOCAL);
	if (version->module == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN, _("plugin %s cannot be loaded: %s"),
			    version->path, g_module_error());
		return NULL;
	}
	if (!g_module_symbol(version->module, UPD_SWAPPABLE_PLUGIN_QUERY, &symbol) ||
	    symbol == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s has no %s() entry point"), version->path,
			    UPD_SWAPPABLE_PLUGIN_QUERY);
		return NULL;
	}
	vtable = ((UpdSwappablePluginQueryFunc)symbol)();
	if (vtable == NULL || vtable->abi_version != UPD_SWAPPABLE_PLUGIN_ABI_VERSION ||
	    vtable->struct_size < sizeof(UpdSwappablePlugin)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s was built for plugin ABI %u, this host has ABI %u"),
			    version->path, vtable != NULL ? vtable->abi_version : 0,
			    (guint)UPD_SWAPPABLE_PLUGIN_ABI_VERSION);
		return NULL;
	}
	if (vtable->create == NULL || vtable->start == NULL || vtable->stop == NULL ||
	    vtable->destroy == NULL || g_strcmp0(vtable->name, slot->name) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s is not a complete plugin called %s"), version->path,
			    slot->name);
		return NULL;
	}
	if (slot->interface_name != NULL &&
	    (g_strcmp0(vtable->interface_name, slot->interface_name) != 0 ||
	     vtable->interface_version != slot->interface_version)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s implements interface %s %u, the host needs %s %u"),
			    version->path,
			    vtable->interface_name != NULL ? vtable->interface_name : "-",
			    vtable->interface_version, slot->interface_name,
			    slot->interface_version);
		return NULL;
	}
	version->vtable = vtable;
	return g_steal_pointer(&version);
}

/* create, take the state (if any), start; on failure nothing of it runs */
static gboolean
upd_plugin_version_bring_up(UpdPluginVersion *version,
			    guint32 state_version,
			    GBytes *state,
			    GError **error)
{
	g_autoptr(GError) error_local = NULL;

	version->instance = version->vtable->create(&version->ctx.pub, &error_local);
	if (version->instance == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s %s could not be created: %s"), version->name,
			    version->version,
			    error_local != NULL ? error_local->message : _("no reason given"));
		return FALSE;
	}
	if (state != NULL && version->vtable->restore_state != NULL &&
	    !version->vtable->restore_state(version->instance, state_version, state,
					    &error_local)) {
		g_set_error(
			error, UPD_ERROR, UPD_ERROR_PLUGIN,
			_("plugin %s %s refused the state (format %u) of the running version: %s"),
			version->name, version->version, state_version,
			error_local != NULL ? error_local->message : _("no reason given"));
		upd_plugin_version_quiesce(version);
		version->vtable->destroy(version->instance);
		version->instance = NULL;
		return FALSE;
	}
	if (!version->vtable->start(version->instance, &error_local)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("plugin %s %s failed to start: %s"), version->name, version->version,
			    error_local != NULL ? error_local->message : _("no reason given"));
		/* a failed start may have left sources or threads: none may survive */
		version->vtable->stop(version->instance);
		upd_plugin_version_quiesce(version);
		version->vtable->destroy(version->instance);
		version->instance = NULL;
		return FALSE;
	}
	version->started = TRUE;
	return TRUE;
}

/* ----------------------------------------------------------------- holds */

UpdPluginHold *
upd_plugin_host_hold(UpdPluginHost *self, const gchar *name)
{
	UpdPluginSlot *slot;
	UpdPluginHold *hold = NULL;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), NULL);
	g_mutex_lock(&self->lock);
	slot = g_hash_table_lookup(self->slots, name);
	if (slot != NULL && slot->current != NULL) {
		hold = g_new0(UpdPluginHold, 1);
		hold->version = upd_plugin_version_ref(slot->current);
		g_atomic_int_inc(&slot->current->holds);
	}
	g_mutex_unlock(&self->lock);
	return hold;
}

/**
 * upd_plugin_hold_get_instance:
 * @hold: a hold
 *
 * Returns: the plugin instance that does the work of this hold
 *
 * Since: 0.1
 */
gpointer
upd_plugin_hold_get_instance(UpdPluginHold *hold)
{
	return hold->version->instance;
}

/**
 * upd_plugin_hold_get_interface:
 * @hold: a hold
 *
 * Returns: the application interface of the version held
 *
 * Since: 0.1
 */
gconstpointer
upd_plugin_hold_get_interface(UpdPluginHold *hold)
{
	return hold->version->vtable->interface;
}

/**
 * upd_plugin_hold_get_version:
 * @hold: a hold
 *
 * Returns: (transfer none): the version held
 *
 * Since: 0.1
 */
const gchar *
upd_plugin_hold_get_version(UpdPluginHold *hold)
{
	return hold->version->version;
}

static void
upd_plugin_host_try_swap(UpdPluginHost *self, UpdPluginSlot *slot);

static gboolean
upd_plugin_host_try_swaps_cb(gpointer user_data)
{
	UpdPluginHost *self = UPD_PLUGIN_HOST(user_data);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		UpdPluginSlot *slot = value;
		if (slot->pending != NULL)
			upd_plugin_host_try_swap(self, slot);
	}
	return G_SOURCE_REMOVE;
}

/**
 * upd_plugin_hold_release:
 * @hold: (nullable): a hold
 *
 * Ends the work of a hold. When it was the last one on a version that a swap
 * waits for, the swap happens at the next iteration of the host's main context.
 *
 * Since: 0.1
 */
void
upd_plugin_hold_release(UpdPluginHold *hold)
{
	UpdPluginVersion *version;
	UpdPluginHost *host;

	if (hold == NULL)
		return;
	version = hold->version;
	/* the host may be gone (or going) already, in another thread */
	host = g_weak_ref_get(&version->host_ref);
	if (g_atomic_int_dec_and_test(&version->holds) && host != NULL) {
		GMainContext *context = host->context;
		g_main_context_invoke_full(context, G_PRIORITY_DEFAULT,
					   upd_plugin_host_try_swaps_cb, g_steal_pointer(&host),
					   g_object_unref);
	}
	g_clear_object(&host);
	upd_plugin_version_unref(version);
	g_free(hold);
}

/* ----------------------------------------------------------------- swaps */

static void
upd_plugin_slot_clear_pending(UpdPluginSlot *slot)
{
	g_clear_handle_id(&slot->deadline_id, g_source_remove);
	g_clear_handle_id(&slot->idle_poll_id, g_source_remove);
	g_clear_pointer(&slot->pending, upd_plugin_version_unref);
}

/* identifies one "current" link: a new link (even to the same version) is a
 * new request, the events of one rename are not */
static guint64
upd_plugin_slot_current_link(UpdPluginSlot *slot)
{
	g_autofree gchar *path = g_build_filename(slot->dir, UPD_INSTALL_DIR_CURRENT, NULL);
	struct stat st;

	/* an inode number can be reused at once: the change time tells apart */
	if (lstat(path, &st) != 0)
		return 0;
	return (guint64)st.st_ino * 1000003u ^ (guint64)st.st_ctim.tv_sec * 1000000000u ^
	       (guint64)st.st_ctim.tv_nsec;
}

static void
upd_plugin_host_report_failure(UpdPluginHost *self,
			       UpdPluginSlot *slot,
			       const gchar *to,
			       GError *error)
{
	g_message("swapping plugin %s to %s failed: %s", slot->name, to, error->message);
	g_free(slot->failed_target);
	slot->failed_target = g_strdup(to);
	slot->failed_link = upd_plugin_slot_current_link(slot);
	g_signal_emit(self, signals[SIGNAL_SWAP_FAILED], 0, slot->name,
		      slot->current != NULL ? slot->current->version : NULL, to, error);
}

/* a swap that failed: the old instance, stopped but with its state, goes on */
static void
upd_plugin_version_resume(UpdPluginVersion *old)
{
	g_autoptr(GError) error = NULL;

	if (!old->vtable->start(old->instance, &error))
		g_warning("%s %s does not start again: %s", old->name, old->version,
			  error != NULL ? error->message : _("no reason given"));
	else
		old->started = TRUE;
}

static void
upd_plugin_host_do_swap(UpdPluginHost *self, UpdPluginSlot *slot)
{
	UpdPluginVersion *old = slot->current;
	g_autoptr(UpdPluginVersion) new = g_steal_pointer(&slot->pending);
	g_autoptr(GBytes) state = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	guint32 state_version = 0;

	upd_plugin_slot_clear_pending(slot);
	/* the gap starts: the old version stops and gives its state */
	upd_plugin_version_stop(old);
	if (old->vtable->save_state != NULL) {
		state = old->vtable->save_state(old->instance, &error);
		state_version = old->vtable->state_version;
		if (state == NULL && error != NULL) {
			g_prefix_error(&error, _("plugin %s %s could not save its state: "),
				       old->name, old->version);
			upd_plugin_version_resume(old);
			upd_plugin_host_report_failure(self, slot, new->version, error);
			return;
		}
	}
	if (!upd_plugin_version_bring_up(new, state_version, state, &error)) {
		upd_plugin_version_resume(old);
		upd_plugin_host_report_failure(self, slot, new->version, error);
		return;
	}
	/* the new version serves: the old one goes once its last hold is released */
	g_mutex_lock(&self->lock);
	slot->current = g_steal_pointer(&new);
	g_mutex_unlock(&self->lock);
	g_clear_pointer(&slot->failed_target, g_free);
	g_message("plugin %s swapped from %s to %s in %" G_GINT64_FORMAT " µs", slot->name,
		  old->version, slot->current->version, g_get_monotonic_time() - start);
	g_signal_emit(self, signals[SIGNAL_SWAP_COMPLETED], 0, slot->name, old->version,
		      slot->current->version, g_get_monotonic_time() - start);
	upd_plugin_version_unref(old);
}

static gboolean
upd_plugin_host_deadline_cb(gpointer user_data)
{
	UpdPluginSlot *slot = user_data;
	UpdPluginHost *self = slot->pending != NULL ? slot->pending->host : NULL;

	slot->deadline_id = 0;
	if (self == NULL)
		return G_SOURCE_REMOVE;
	if (self->policy == UPD_SWAP_POLICY_FORCE) {
		g_debug("plugin %s still busy at the deadline: swapping anyway", slot->name);
		upd_plugin_host_do_swap(self, slot);
	} else if (self->policy == UPD_SWAP_POLICY_GIVE_UP) {
		g_autoptr(GError) error = g_error_new(
			UPD_ERROR, UPD_ERROR_PLUGIN,
			_("plugin %s was still busy after %u ms; the swap was given up"),
			slot->name, self->deadline_ms);
		g_autofree gchar *to = g_strdup(slot->pending->version);
		upd_plugin_slot_clear_pending(slot);
		upd_plugin_host_report_failure(self, slot, to, error);
	}
	return G_SOURCE_REMOVE;
}

static gboolean
upd_plugin_host_idle_poll_cb(gpointer user_data)
{
	UpdPluginSlot *slot = user_data;
	slot->idle_poll_id = 0;
	if (slot->pending != NULL)
		upd_plugin_host_try_swap(slot->pending->host, slot);
	return G_SOURCE_REMOVE;
}

static void
upd_plugin_host_try_swap(UpdPluginHost *self, UpdPluginSlot *slot)
{
	UpdPluginVersion *old = slot->current;
	gboolean idle;

	if (slot->pending == NULL)
		return;
	idle = g_atomic_int_get(&old->holds) == 0 &&
	       (old->vtable->is_idle == NULL || old->vtable->is_idle(old->instance));
	if (idle) {
		upd_plugin_host_do_swap(self, slot);
		return;
	}
	if (slot->deadline_id == 0 && self->deadline_ms > 0 &&
	    self->policy != UPD_SWAP_POLICY_WAIT) {
		GSource *source = g_timeout_source_new(self->deadline_ms);
		g_source_set_callback(source, upd_plugin_host_deadline_cb, slot, NULL);
		slot->deadline_id = g_source_attach(source, self->context);
		g_source_unref(source);
	}
	/* busy with its own work (not holds): look again shortly */
	if (g_atomic_int_get(&old->holds) == 0 && slot->idle_poll_id == 0) {
		GSource *source = g_timeout_source_new(10);
		g_source_set_callback(source, upd_plugin_host_idle_poll_cb, slot, NULL);
		slot->idle_poll_id = g_source_attach(source, self->context);
		g_source_unref(source);
	}
}

/* compares "current" with what runs, and starts a swap when they differ */
static void
upd_plugin_host_check_slot(UpdPluginHost *self, UpdPluginSlot *slot)
{
	g_autofree gchar *target = upd_install_dir_get_current(slot->dir);
	g_autoptr(GError) error = NULL;
	UpdPluginVersion *version;

	if (slot->current == NULL)
		return;
	if (target == NULL || g_strcmp0(target, slot->current->version) == 0) {
		/* back to what runs: nothing to swap, and nothing pending either */
		upd_plugin_slot_clear_pending(slot);
		g_clear_pointer(&slot->failed_target, g_free);
		return;
	}
	if (slot->pending != NULL && g_strcmp0(slot->pending->version, target) == 0)
		return;
	if (g_strcmp0(slot->failed_target, target) == 0 &&
	    slot->failed_link == upd_plugin_slot_current_link(slot))
		return;
	upd_plugin_slot_clear_pending(slot);
	g_signal_emit(self, signals[SIGNAL_SWAP_STARTED], 0, slot->name, slot->current->version,
		      target);
	version = upd_plugin_version_open(self, slot, target, &error);
	if (version == NULL) {
		upd_plugin_host_report_failure(self, slot, target, error);
		return;
	}
	slot->pending = version;
	upd_plugin_host_try_swap(self, slot);
}

static gboolean
upd_plugin_host_check_cb(gpointer user_data)
{
	UpdPluginSlot *slot = user_data;
	UpdPluginHost *self = slot->current != NULL ? slot->current->host : NULL;
	slot->check_id = 0;
	if (self != NULL)
		upd_plugin_host_check_slot(self, slot);
	return G_SOURCE_REMOVE;
}

/* "current" is replaced by a rename: look at it once the events settle */
static void
upd_plugin_host_slot_changed_cb(GFileMonitor *monitor,
				GFile *file,
				GFile *other_file,
				GFileMonitorEvent event,
				gpointer user_data)
{
	UpdPluginSlot *slot = user_data;
	g_autofree gchar *base = g_file_get_basename(file);
	g_autofree gchar *other = other_file != NULL ? g_file_get_basename(other_file) : NULL;
	GSource *source;

	if (g_strcmp0(base, UPD_INSTALL_DIR_CURRENT) != 0 &&
	    g_strcmp0(other, UPD_INSTALL_DIR_CURRENT) != 0)
		return;
	if (slot->check_id != 0 || slot->current == NULL)
		return;
	source = g_timeout_source_new(20);
	g_source_set_callback(source, upd_plugin_host_check_cb, slot, NULL);
	slot->check_id = g_source_attach(source, slot->current->host->context);
	g_source_unref(source);
}

/* ----------------------------------------------------------------- slots */

static void
upd_plugin_slot_free(gpointer data)
{
	UpdPluginSlot *slot = data;

	if (slot->monitor != NULL) {
		g_signal_handlers_disconnect_by_data(slot->monitor, slot);
		g_file_monitor_cancel(slot->monitor);
		g_object_unref(slot->monitor);
	}
	g_clear_handle_id(&slot->check_id, g_source_remove);
	upd_plugin_slot_clear_pending(slot);
	/* stopped now; destroyed and unloaded when the last hold is released */
	if (slot->current != NULL)
		upd_plugin_version_stop(slot->current);
	g_clear_pointer(&slot->current, upd_plugin_version_unref);
	g_free(slot->failed_target);
	g_free(slot->interface_name);
	g_free(slot->name);
	g_free(slot->dir);
	g_free(slot);
}

/* loads and starts the current version of one plugin */
static gboolean
upd_plugin_host_load_slot(UpdPluginHost *self, const gchar *name, GError **error)
{
	UpdPluginSlot *slot = g_new0(UpdPluginSlot, 1);
	g_autofree gchar *target = NULL;
	g_autoptr(GFile) file = NULL;
	const gchar *required;

	slot->name = g_strdup(name);
	slot->dir = g_build_filename(self->dir, name, NULL);
	required = g_hash_table_lookup(self->required, name);
	if (required != NULL) {
		g_auto(GStrv) parts = g_strsplit(required, "\n", 2);
		slot->interface_name = g_strdup(parts[0]);
		slot->interface_version = (guint32)g_ascii_strtoull(parts[1], NULL, 10);
	}
	target = upd_install_dir_get_current(slot->dir);
	if (target == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("plugin %s has no current version (%s/current)"), name, slot->dir);
		upd_plugin_slot_free(slot);
		return FALSE;
	}
	slot->current = upd_plugin_version_open(self, slot, target, error);
	if (slot->current == NULL || !upd_plugin_version_bring_up(slot->current, 0, NULL, error)) {
		upd_plugin_slot_free(slot);
		return FALSE;
	}
	file = g_file_new_for_path(slot->dir);
	slot->monitor = g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
	if (slot->monitor != NULL)
		g_signal_connect(slot->monitor, "changed",
				 G_CALLBACK(upd_plugin_host_slot_changed_cb), slot);
	g_mutex_lock(&self->lock);
	g_hash_table_insert(self->slots, g_strdup(name), slot);
	g_mutex_unlock(&self->lock);
	g_debug("plugin %s %s loaded from %s", name, target, slot->current->path);
	return TRUE;
}

/* a plugin installed while the host runs is loaded when it appears */
static void
upd_plugin_host_dir_changed_cb(GFileMonitor *monitor,
			       GFile *file,
			       GFile *other_file,
			       GFileMonitorEvent event,
			       gpointer user_data)
{
	UpdPluginHost *self = UPD_PLUGIN_HOST(user_data);
	GFile *subject =
		event == G_FILE_MONITOR_EVENT_MOVED_IN || event == G_FILE_MONITOR_EVENT_CREATED
			? file
			: NULL;
	g_autofree gchar *name = NULL;
	g_autoptr(GError) error = NULL;

	if (subject == NULL)
		return;
	name = g_file_get_basename(subject);
	if (name[0] == '.' || g_hash_table_contains(self->slots, name))
		return;
	if (!upd_plugin_host_load_slot(self, name, &error))
		g_debug("new plugin %s not loaded (yet): %s", name, error->message);
}

/* ------------------------------------------------------------------ host */

static void
upd_plugin_host_dispose(GObject *object)
{
	UpdPluginHost *self = UPD_PLUGIN_HOST(object);
	g_clear_object(&self->service_link);
	upd_plugin_host_unload(self);
	G_OBJECT_CLASS(upd_plugin_host_parent_class)->dispose(object);
}

static void
upd_plugin_host_finalize(GObject *object)
{
	UpdPluginHost *self = UPD_PLUGIN_HOST(object);
	g_hash_table_unref(self->slots);
	g_hash_table_unref(self->sockets);
	g_hash_table_unref(self->required);
	g_main_context_unref(self->context);
	g_mutex_clear(&self->lock);
	g_free(self->dir);
	G_OBJECT_CLASS(upd_plugin_host_parent_class)->finalize(object);
}

static void
upd_plugin_host_class_init(UpdPluginHostClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upd_plugin_host_dispose;
	object_class->finalize = upd_plugin_host_finalize;

	/**
	 * UpdPluginHost::swap-started:
	 * @self: the host
	 * @name: the plugin
	 * @from: the version running
	 * @to: the version `current` now names
	 *
	 * A new version was found; it is validated, then swapped in when idle.
	 *
	 * Since: 0.1
	 */
	signals[SIGNAL_SWAP_STARTED] = g_signal_new(
		"swap-started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	/**
	 * UpdPluginHost::swap-completed:
	 * @self: the host
	 * @name: the plugin
	 * @from: the version that ran
	 * @to: the version that runs now
	 * @duration: microseconds from stopping the old version to the new one started
	 *
	 * Since: 0.1
	 */
	signals[SIGNAL_SWAP_COMPLETED] = g_signal_new(
		"swap-completed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
	/**
	 * UpdPluginHost::swap-failed:
	 * @self: the host
	 * @name: the plugin
	 * @from: (nullable): the version that goes on running
	 * @to: the version that could not be swapped in
	 * @error: why
	 *
	 * Since: 0.1
	 */
	signals[SIGNAL_SWAP_FAILED] = g_signal_new(
		"swap-failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_ERROR);
}

static void
upd_plugin_host_init(UpdPluginHost *self)
{
	g_mutex_init(&self->lock);
	self->slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, upd_plugin_slot_free);
	self->sockets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	self->required = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->policy = UPD_SWAP_POLICY_WAIT;
	self->context = g_main_context_ref_thread_default();
}

/**
 * upd_plugin_host_new:
 * @plugin_dir: the directory holding `<name>/current -> versions/<v>/`
 *
 * Creates a host bound to the thread-default main context of the caller.
 *
 * Returns: (transfer full): a new #UpdPluginHost
 *
 * Since: 0.1
 */
UpdPluginHost *
upd_plugin_host_new(const gchar *plugin_dir)
{
	UpdPluginHost *self;

	g_return_val_if_fail(plugin_dir != NULL, NULL);
	self = g_object_new(UPD_TYPE_PLUGIN_HOST, NULL);
	self->dir = g_canonicalize_filename(plugin_dir, NULL);
	return self;
}

/**
 * upd_plugin_host_add_socket:
 * @self: an #UpdPluginHost
 * @name: the name plugins ask for
 * @socket: a socket the host owns and keeps open across swaps
 *
 * Since: 0.1
 */
void
upd_plugin_host_add_socket(UpdPluginHost *self, const gchar *name, GSocket *socket)
{
	g_return_if_fail(UPD_IS_PLUGIN_HOST(self));
	g_hash_table_insert(self->sockets, g_strdup(name), g_object_ref(socket));
}

/**
 * upd_plugin_host_require_interface:
 * @self: an #UpdPluginHost
 * @plugin: a plugin name
 * @interface_name: the interface the host calls
 * @interface_version: its version
 *
 * Refuses versions of @plugin that implement another interface. Call before
 * upd_plugin_host_load().
 *
 * Since: 0.1
 */
void
upd_plugin_host_require_interface(UpdPluginHost *self,
				  const gchar *plugin,
				  const gchar *interface_name,
				  guint32 interface_version)
{
	g_return_if_fail(UPD_IS_PLUGIN_HOST(self));
	g_hash_table_insert(self->required, g_strdup(plugin),
			    g_strdup_printf("%s\n%u", interface_name, interface_version));
}

/**
 * upd_plugin_host_set_swap_policy:
 * @self: an #UpdPluginHost
 * @policy: what to do when a plugin is still busy at the deadline
 * @deadline_ms: how long a swap waits for the plugin to become idle; 0 for ever
 *
 * Since: 0.1
 */
void
upd_plugin_host_set_swap_policy(UpdPluginHost *self, UpdSwapPolicy policy, guint deadline_ms)
{
	g_return_if_fail(UPD_IS_PLUGIN_HOST(self));
	self->policy = policy;
	self->deadline_ms = deadline_ms;
}

/**
 * upd_plugin_host_load:
 * @self: an #UpdPluginHost
 * @error: (nullable): return location for a #GError
 *
 * Loads and starts the current version of every plugin of the directory and
 * watches them for new versions.
 *
 * Returns: %TRUE if every plugin found was started; otherwise %FALSE with the
 *   first failure (the others are loaded anyway)
 *
 * Since: 0.1
 */
gboolean
upd_plugin_host_load(UpdPluginHost *self, GError **error)
{
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GFile) file = NULL;
	const gchar *name;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), FALSE);

	d = g_dir_open(self->dir, 0, &error_local);
	if (d == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("cannot read plugin directory %s: %s"), self->dir,
			    error_local->message);
		return FALSE;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(self->dir, name, NULL);
		g_autoptr(GError) error_slot = NULL;
		if (name[0] == '.' || !g_file_test(path, G_FILE_TEST_IS_DIR) ||
		    g_hash_table_contains(self->slots, name))
			continue;
		if (!upd_plugin_host_load_slot(self, name, &error_slot)) {
			g_message("%s", error_slot->message);
			if (error_local == NULL)
				error_local = g_steal_pointer(&error_slot);
		}
	}
	if (self->dir_monitor == NULL) {
		file = g_file_new_for_path(self->dir);
		self->dir_monitor =
			g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
		if (self->dir_monitor != NULL)
			g_signal_connect(self->dir_monitor, "changed",
					 G_CALLBACK(upd_plugin_host_dir_changed_cb), self);
	}
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/**
 * upd_plugin_host_check:
 * @self: an #UpdPluginHost
 * @name: (nullable): a plugin, or %NULL for all
 *
 * Looks at `current` now instead of waiting for the file monitor, and starts
 * a swap when it names another version than the one running (the daemon
 * calls this through the host application).
 *
 * Since: 0.1
 */
void
upd_plugin_host_check(UpdPluginHost *self, const gchar *name)
{
	GHashTableIter iter;
	gpointer value;

	g_return_if_fail(UPD_IS_PLUGIN_HOST(self));
	g_hash_table_iter_init(&iter, self->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		UpdPluginSlot *slot = value;
		if (name == NULL || g_strcmp0(slot->name, name) == 0)
			upd_plugin_host_check_slot(self, slot);
	}
}

/**
 * upd_plugin_host_get_plugins:
 * @self: an #UpdPluginHost
 *
 * Returns: (transfer full): the names of the plugins running
 *
 * Since: 0.1
 */
GStrv
upd_plugin_host_get_plugins(UpdPluginHost *self)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), NULL);
	g_hash_table_iter_init(&iter, self->slots);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_strv_builder_add(builder, key);
	return g_strv_builder_end(builder);
}

/**
 * upd_plugin_host_get_version:
 * @self: an #UpdPluginHost
 * @name: a plugin
 *
 * Returns: (transfer none) (nullable): the version of @name that serves now
 *
 * Since: 0.1
 */
const gchar *
upd_plugin_host_get_version(UpdPluginHost *self, const gchar *name)
{
	UpdPluginSlot *slot;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), NULL);
	slot = g_hash_table_lookup(self->slots, name);
	return slot != NULL && slot->current != NULL ? slot->current->version : NULL;
}

/**
 * upd_plugin_host_is_swap_pending:
 * @self: an #UpdPluginHost
 * @name: a plugin
 *
 * Returns: %TRUE while a validated new version waits for @name to become idle
 *
 * Since: 0.1
 */
gboolean
upd_plugin_host_is_swap_pending(UpdPluginHost *self, const gchar *name)
{
	UpdPluginSlot *slot;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), FALSE);
	slot = g_hash_table_lookup(self->slots, name);
	return slot != NULL && slot->pending != NULL;
}

/**
 * upd_plugin_host_unload:
 * @self: an #UpdPluginHost
 *
 * Stops every plugin and unloads its module (after the last hold on it).
 *
 * Since: 0.1
 */
void
upd_plugin_host_unload(UpdPluginHost *self)
{
	g_return_if_fail(UPD_IS_PLUGIN_HOST(self));
	if (self->dir_monitor != NULL) {
		g_signal_handlers_disconnect_by_data(self->dir_monitor, self);
		g_file_monitor_cancel(self->dir_monitor);
		g_clear_object(&self->dir_monitor);
	}
	g_mutex_lock(&self->lock);
	g_hash_table_remove_all(self->slots);
	g_mutex_unlock(&self->lock);
}

/**
 * upd_plugin_host_connect_service:
 * @self: an #UpdPluginHost, loaded
 * @app_id: the application id under which updater-service installs this
 *   host's plugins (the Id of its registration)
 * @error: return location for a #GError
 *
 * Registers the host with updater-service on the session bus, now and
 * whenever the service starts again: after installing a plugin of @app_id,
 * the service waits for this host to swap it (it asks with SwapRequested) and
 * records the result; a failed swap rolls the install back. The service is
 * not started for this. Call it after upd_plugin_host_load().
 *
 * Returns: %FALSE when there is no session bus
 *
 * Since: 0.1
 */
gboolean
upd_plugin_host_connect_service(UpdPluginHost *self, const gchar *app_id, GError **error)
{
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), FALSE);
	g_return_val_if_fail(app_id != NULL, FALSE);

	connection = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error_local);
	if (connection == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot reach updater-service, there is no session bus: %s"),
			    error_local->message);
		return FALSE;
	}
	g_clear_object(&self->service_link);
	self->service_link = upd_service_link_new(self, app_id, connection);
	return TRUE;
}

/**
 * upd_plugin_host_is_service_registered:
 * @self: an #UpdPluginHost
 *
 * Returns: whether updater-service runs and has registered this host
 *
 * Since: 0.1
 */
gboolean
upd_plugin_host_is_service_registered(UpdPluginHost *self)
{
	g_return_val_if_fail(UPD_IS_PLUGIN_HOST(self), FALSE);
	return self->service_link != NULL && upd_service_link_is_registered(self->service_link);
}

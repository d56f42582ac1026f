/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-installer-registry-private.h"

#define UPD_INSTALLER_PREFIX "upd-installer-"

struct _UpdInstallerRegistry {
	GObject parent_instance;
	GPtrArray *modules;  /* (owned) (element-type GModule) */
	GPtrArray *names;    /* (owned) (element-type utf8) */
	GPtrArray *failures; /* (owned) (element-type utf8) */
	const UpdInstallerPlugin *by_type[UPD_PAYLOAD_TYPE_LAST];
	gchar *failed_for[UPD_PAYLOAD_TYPE_LAST]; /* why the plugin for a type is missing */
};

G_DEFINE_TYPE(UpdInstallerRegistry, upd_installer_registry, G_TYPE_OBJECT)

static void
upd_installer_registry_finalize(GObject *object)
{
	UpdInstallerRegistry *self = UPD_INSTALLER_REGISTRY(object);

	/* plugins register no types and keep no global state: closing is safe */
	g_ptr_array_unref(self->modules);
	g_ptr_array_unref(self->names);
	g_ptr_array_unref(self->failures);
	for (guint i = 0; i < UPD_PAYLOAD_TYPE_LAST; i++)
		g_free(self->failed_for[i]);
	G_OBJECT_CLASS(upd_installer_registry_parent_class)->finalize(object);
}

static void
upd_installer_registry_class_init(UpdInstallerRegistryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = upd_installer_registry_finalize;
}

static void
upd_installer_registry_module_close(gpointer module)
{
	g_module_close(module);
}

static void
upd_installer_registry_init(UpdInstallerRegistry *self)
{
	self->modules = g_ptr_array_new_with_free_func(upd_installer_registry_module_close);
	self->names = g_ptr_array_new_with_free_func(g_free);
	self->failures = g_ptr_array_new_with_free_func(g_free);
}

/* $UPDATER_INSTALLER_DIR, a ':'-separated list, or the installed directory */
const gchar *
upd_installer_registry_default_dir(void)
{
	const gchar *dir = g_getenv("UPDATER_INSTALLER_DIR");
	return dir != NULL && dir[0] != '\0' ? dir : UPD_INSTALLER_DIR;
}

UpdInstallerRegistry *
upd_installer_registry_new(void)
{
	return g_object_new(UPD_TYPE_INSTALLER_REGISTRY, NULL);
}

static void
upd_installer_registry_fail(UpdInstallerRegistry *self, const gchar *format, ...)
	G_GNUC_PRINTF(2, 3);

static void
upd_installer_registry_fail(UpdInstallerRegistry *self, const gchar *format, ...)
{
	va_list args;
	gchar *msg;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_debug("%s", msg);
	g_ptr_array_add(self->failures, msg);
}

/* opens one module and checks its vtable; a failure is recorded, not raised */
static void
upd_installer_registry_load_module(UpdInstallerRegistry *self, const gchar *path)
{
	g_autofree gchar *basename = g_path_get_basename(path);
	GModule *module;
	gpointer symbol = NULL;
	const UpdInstallerPlugin *plugin;
	gboolean claimed_any = FALSE;

	module = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		upd_installer_registry_fail(self, _("installer %s cannot be loaded: %s"), basename,
					    g_module_error());
		return;
	}
	if (!g_module_symbol(module, UPD_INSTALLER_PLUGIN_QUERY, &symbol) || symbol == NULL) {
		upd_installer_registry_fail(self, _("installer %s has no %s() entry point"),
					    basename, UPD_INSTALLER_PLUGIN_QUERY);
		g_module_close(module);
		return;
	}
	plugin = ((UpdInstallerPluginQueryFunc)symbol)();
	if (plugin == NULL || plugin->abi_version != UPD_INSTALLER_ABI_VERSION) {
		upd_installer_registry_fail(self,
					    _("installer %s was built for installer ABI %u, this "
					      "updater has ABI %u"),
					    basename, plugin != NULL ? plugin->abi_version : 0,
					    (guint)UPD_INSTALLER_ABI_VERSION);
		g_module_close(module);
		return;
	}
	if (plugin->struct_size < sizeof(UpdInstallerPlugin)) {
		upd_installer_registry_fail(self,
					    _("installer %s has a struct_size of %u bytes, ABI %u "
					      "needs at least %u: it was built against another "
					      "header"),
					    basename, (guint)plugin->struct_size,
					    (guint)UPD_INSTALLER_ABI_VERSION,
					    (guint)sizeof(UpdInstallerPlugin));
		g_module_close(module);
		return;
	}
	if (plugin->name == NULL || plugin->types == NULL || plugin->stage == NULL) {
		upd_installer_registry_fail(self, _("installer %s has no name, types or stage()"),
					    basename);
		g_module_close(module);
		return;
	}
	for (guint i = 0; plugin->types[i] != UPD_PAYLOAD_TYPE_UNKNOWN; i++) {
		UpdPayloadType type = plugin->types[i];
		if ((guint)type >= UPD_PAYLOAD_TYPE_LAST) {
			upd_installer_registry_fail(self, _("installer %s claims unknown type %d"),
						    plugin->name, (gint)type);
			continue;
		}
		if (self->by_type[type] != NULL) {
			g_autofree gchar *why = g_strdup_printf(
				_("installers %s and %s both claim payload type %s"),
				self->by_type[type]->name, plugin->name,
				upd_payload_type_to_string(type));
			upd_installer_registry_fail(self, "%s", why);
			/* neither wins: which one is meant cannot be guessed */
			self->by_type[type] = NULL;
			g_free(self->failed_for[type]);
			self->failed_for[type] = g_steal_pointer(&why);
			continue;
		}
		if (self->failed_for[type] != NULL)
			continue;
		self->by_type[type] = plugin;
		claimed_any = TRUE;
	}
	g_ptr_array_add(self->names, g_strdup(plugin->name));
	g_ptr_array_add(self->modules, module);
	if (!claimed_any)
		g_debug("installer %s handles no type that is free", plugin->name);
}

static gint
upd_installer_registry_compare(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar **)a, *(const gchar **)b);
}

/* @dirs: one directory, or several separated by ':' */
gboolean
upd_installer_registry_load_dir(UpdInstallerRegistry *self, const gchar *dirs, GError **error)
{
	g_auto(GStrv) list = g_strsplit(dirs, G_SEARCHPATH_SEPARATOR_S, -1);
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; list[i] != NULL; i++) {
		g_autoptr(GDir) d = NULL;
		g_autoptr(GError) error_local = NULL;
		const gchar *name;

		if (list[i][0] == '\0')
			continue;
		d = g_dir_open(list[i], 0, &error_local);
		if (d == NULL) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
				    _("cannot read the installer directory %s: %s"), list[i],
				    error_local->message);
			return FALSE;
		}
		while ((name = g_dir_read_name(d)) != NULL) {
			if (g_str_has_prefix(name, UPD_INSTALLER_PREFIX) &&
			    g_str_has_suffix(name, ".so"))
				g_ptr_array_add(paths, g_build_filename(list[i], name, NULL));
		}
	}
	/* the same order everywhere, so that a conflict is reported the same way */
	g_ptr_array_sort(paths, upd_installer_registry_compare);
	for (guint i = 0; i < paths->len; i++)
		upd_installer_registry_load_module(self, g_ptr_array_index(paths, i));
	return TRUE;
}

const UpdInstallerPlugin *
upd_installer_registry_lookup(UpdInstallerRegistry *self, UpdPayloadType type, GError **error)
{
	if ((guint)type < UPD_PAYLOAD_TYPE_LAST && self->by_type[type] != NULL)
		return self->by_type[type];
	if ((guint)type < UPD_PAYLOAD_TYPE_LAST && self->failed_for[type] != NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_PLUGIN,
			    _("no installer for payload type %s: %s"),
			    upd_payload_type_to_string(type), self->failed_for[type]);
		return NULL;
	}
	g_set_error(
		error, UPD_ERROR, UPD_ERROR_PLUGIN, _("no installer for payload type %s in %s%s%s"),
		upd_payload_type_to_string(type), upd_installer_registry_default_dir(),
		self->failures->len > 0 ? "; " : "",
		self->failures->len > 0 ? (const gchar *)g_ptr_array_index(self->failures, 0) : "");
	return NULL;
}

GPtrArray *
upd_installer_registry_get_failures(UpdInstallerRegistry *self)
{
	return self->failures;
}

GPtrArray *
upd_installer_registry_get_names(UpdInstallerRegistry *self)
{
	return self->names;
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "upd-app-config.h"
#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-key.h"
#include "upd-validate-private.h"

#define UPD_APP_CONFIG_DEFAULT_CHANNEL	     "stable"
#define UPD_APP_CONFIG_DEFAULT_POLL_INTERVAL 3600

struct _UpdAppConfig {
	GObject parent_instance;
	gchar *source;	    /* (owned): file name or description, for messages */
	gchar *id;	    /* (owned) */
	gchar *endpoint;    /* (owned): base URL, ends with '/' */
	gchar *channel;	    /* (owned) */
	gchar *install_dir; /* (owned): absolute */
	GPtrArray *keys;    /* (owned) (element-type UpdKey) */
	UpdPolicy policy;
	guint poll_interval;	    /* seconds */
	guint64 bandwidth_limit;    /* bytes per second, 0: unlimited */
	GPtrArray *mirrors;	    /* (owned) (element-type utf8): base URLs ending with '/' */
	GPtrArray *warnings;	    /* (owned) (element-type utf8) */
	gchar **post_install;	    /* (owned) (nullable): argv of the post-install hook */
	guint post_install_timeout; /* seconds */
	guint keep_versions;	    /* previous versions kept besides the current one */
	gboolean allow_metered;	    /* automatic downloads on metered networks */
};

G_DEFINE_TYPE(UpdAppConfig, upd_app_config, G_TYPE_OBJECT)

/* every key this version understands; anything else is a warning */
/* clang-format off */
static const gchar *const upd_app_config_known_keys[] = {
	"Id",
	"Endpoint",
	"Channel",
	"InstallDir",
	"PublicKey",
	"Policy",
	"PollInterval",
	"BandwidthLimit",
	"Mirrors",
	"PostInstall",
	"PostInstallTimeout",
	"KeepVersions",
	"AllowMetered",
	NULL,
};
/* clang-format on */

static const gchar *const upd_policy_names[] = {"auto", "download", "notify", "manual"};

static void
upd_app_config_finalize(GObject *object)
{
	UpdAppConfig *self = UPD_APP_CONFIG(object);

	g_free(self->source);
	g_free(self->id);
	g_free(self->endpoint);
	g_free(self->channel);
	g_free(self->install_dir);
	g_ptr_array_unref(self->keys);
	g_ptr_array_unref(self->mirrors);
	g_ptr_array_unref(self->warnings);
	g_strfreev(self->post_install);
	G_OBJECT_CLASS(upd_app_config_parent_class)->finalize(object);
}

static void
upd_app_config_class_init(UpdAppConfigClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = upd_app_config_finalize;
}

static void
upd_app_config_init(UpdAppConfig *self)
{
	self->keys = g_ptr_array_new_with_free_func(g_object_unref);
	self->mirrors = g_ptr_array_new_with_free_func(g_free);
	self->warnings = g_ptr_array_new_with_free_func(g_free);
	self->policy = UPD_POLICY_AUTO;
	self->poll_interval = UPD_APP_CONFIG_DEFAULT_POLL_INTERVAL;
	self->post_install_timeout = 60;
	self->keep_versions = 2;
}

/**
 * upd_policy_to_string:
 * @policy: an #UpdPolicy
 *
 * Returns: (transfer none): "auto", "download", "notify" or "manual"
 *
 * Since: 0.1
 */
const gchar *
upd_policy_to_string(UpdPolicy policy)
{
	if ((guint)policy >= G_N_ELEMENTS(upd_policy_names))
		return NULL;
	return upd_policy_names[policy];
}

/**
 * upd_policy_from_string:
 * @str: (nullable): a policy name
 * @policy: (out): the policy
 *
 * Returns: %TRUE if @str names a policy
 *
 * Since: 0.1
 */
gboolean
upd_policy_from_string(const gchar *str, UpdPolicy *policy)
{
	for (guint i = 0; i < G_N_ELEMENTS(upd_policy_names); i++) {
		if (g_strcmp0(str, upd_policy_names[i]) == 0) {
			*policy = (UpdPolicy)i;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
upd_app_config_bad_value(
	UpdAppConfig *self, const gchar *key, const gchar *value, const gchar *why, GError **error)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
		    /* TRANSLATORS: "apps.d/x.conf: Endpoint=“ftp://x”: it must be an http or
		       https URL" */
		    _("%s: %s=“%s”: %s"), self->source, key, value != NULL ? value : "", why);
	return FALSE;
}

/* a base URL, normalised to end with '/' so relative paths resolve under it */
static gchar *
upd_app_config_parse_base_url(UpdAppConfig *self,
			      const gchar *key,
			      const gchar *value,
			      GError **error)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;

	uri = g_uri_parse(value, G_URI_FLAGS_NONE, NULL);
	scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
	if (uri == NULL ||
	    (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) ||
	    g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0' ||
	    g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL) {
		upd_app_config_bad_value(self, key, value,
					 _("it must be an http or https URL without query or "
					   "fragment"),
					 error);
		return NULL;
	}
	if (g_str_has_suffix(value, "/"))
		return g_strdup(value);
	return g_strdup_printf("%s/", value);
}

static gboolean
upd_app_config_parse_uint(UpdAppConfig *self,
			  GKeyFile *kf,
			  const gchar *key,
			  guint64 min,
			  guint64 max,
			  guint64 *out,
			  GError **error)
{
	g_autofree gchar *value = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, key, NULL);
	guint64 parsed = 0;
	g_autoptr(GError) error_local = NULL;

	if (value == NULL)
		return TRUE;
	g_strstrip(value);
	if (!g_ascii_string_to_unsigned(value, 10, min, max, &parsed, &error_local)) {
		g_autofree gchar *why = g_strdup_printf(
			_("it must be a whole number from %" PRIu64 " to %" PRIu64), min, max);
		return upd_app_config_bad_value(self, key, value, why, error);
	}
	*out = parsed;
	return TRUE;
}

static gboolean
upd_app_config_load(UpdAppConfig *self, GKeyFile *kf, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	g_auto(GStrv) keys = NULL;
	g_autofree gchar *endpoint = NULL;
	g_autofree gchar *channel = NULL;
	g_autofree gchar *install_dir = NULL;
	g_autofree gchar *public_keys = NULL;
	g_autofree gchar *policy = NULL;
	g_autofree gchar *mirrors = NULL;
	g_autofree gchar *post_install = NULL;
	g_autoptr(GPtrArray) parsed_keys = NULL;
	g_autoptr(GError) error_local = NULL;
	guint64 value = 0;

	if (!g_key_file_has_group(kf, UPD_APP_CONFIG_GROUP)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
			    _("%s: the group [%s] is missing"), self->source, UPD_APP_CONFIG_GROUP);
		return FALSE;
	}
	for (guint i = 0; groups[i] != NULL; i++) {
		if (g_strcmp0(groups[i], UPD_APP_CONFIG_GROUP) != 0)
			g_ptr_array_add(self->warnings,
					g_strdup_printf(_("%s: unknown group [%s] is ignored"),
							self->source, groups[i]));
	}
	keys = g_key_file_get_keys(kf, UPD_APP_CONFIG_GROUP, NULL, NULL);
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!g_strv_contains(upd_app_config_known_keys, keys[i]))
			g_ptr_array_add(self->warnings,
					g_strdup_printf(_("%s: unknown key %s is ignored"),
							self->source, keys[i]));
	}

	/* Id */
	self->id = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "Id", NULL);
	if (self->id == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
			    _("%s: the key Id is missing"), self->source);
		return FALSE;
	}
	g_strstrip(self->id);
	if (!upd_validate_app_id(self->id, &error_local))
		return upd_app_config_bad_value(self, "Id", self->id, error_local->message, error);

	/* Endpoint */
	endpoint = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "Endpoint", NULL);
	if (endpoint == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
			    _("%s: the key Endpoint is missing"), self->source);
		return FALSE;
	}
	self->endpoint =
		upd_app_config_parse_base_url(self, "Endpoint", g_strstrip(endpoint), error);
	if (self->endpoint == NULL)
		return FALSE;

	/* Channel */
	channel = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "Channel", NULL);
	if (channel != NULL) {
		g_strstrip(channel);
		if (!upd_validate_channel(channel, &error_local))
			return upd_app_config_bad_value(self, "Channel", channel,
							error_local->message, error);
		self->channel = g_steal_pointer(&channel);
	} else {
		self->channel = g_strdup(UPD_APP_CONFIG_DEFAULT_CHANNEL);
	}

	/* InstallDir: absolute, "~/" allowed; default under the user's data dir */
	install_dir = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "InstallDir", NULL);
	if (install_dir != NULL) {
		g_strstrip(install_dir);
		if (g_str_has_prefix(install_dir, "~/")) {
			self->install_dir =
				g_build_filename(g_get_home_dir(), install_dir + 2, NULL);
		} else if (g_path_is_absolute(install_dir)) {
			self->install_dir = g_canonicalize_filename(install_dir, NULL);
		} else {
			return upd_app_config_bad_value(self, "InstallDir", install_dir,
							_("it must be an absolute path"), error);
		}
	} else {
		self->install_dir =
			g_build_filename(g_get_user_data_dir(), "updater", "apps", self->id, NULL);
	}

	/* PublicKey */
	public_keys = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "PublicKey", NULL);
	if (public_keys == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
			    _("%s: the key PublicKey is missing; add the line printed by "
			      "“updater-publish keygen”"),
			    self->source);
		return FALSE;
	}
	parsed_keys = upd_key_parse_public_lines(public_keys, &error_local);
	if (parsed_keys == NULL)
		return upd_app_config_bad_value(self, "PublicKey", public_keys,
						error_local->message, error);
	g_ptr_array_extend_and_steal(self->keys, g_steal_pointer(&parsed_keys));

	/* Policy */
	policy = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "Policy", NULL);
	if (policy != NULL && !upd_policy_from_string(g_strstrip(policy), &self->policy))
		return upd_app_config_bad_value(self, "Policy", policy,
						_("it must be auto, download, notify or manual"),
						error);

	/* PollInterval: at least a second, at most a year */
	value = self->poll_interval;
	if (!upd_app_config_parse_uint(self, kf, "PollInterval", 1, 366 * 24 * 3600, &value, error))
		return FALSE;
	self->poll_interval = (guint)value;

	/* BandwidthLimit */
	value = 0;
	if (!upd_app_config_parse_uint(self, kf, "BandwidthLimit", 0, G_MAXINT64, &value, error))
		return FALSE;
	self->bandwidth_limit = value;

	/* Mirrors */
	mirrors = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "Mirrors", NULL);
	if (mirrors != NULL) {
		g_auto(GStrv) urls = g_strsplit(mirrors, ";", -1);
		for (guint i = 0; urls[i] != NULL; i++) {
			gchar *url;
			g_strstrip(urls[i]);
			if (urls[i][0] == '\0')
				continue;
			url = upd_app_config_parse_base_url(self, "Mirrors", urls[i], error);
			if (url == NULL)
				return FALSE;
			g_ptr_array_add(self->mirrors, url);
		}
	}

	/* PostInstall: a command line, split like a shell would but run without one */
	post_install = g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "PostInstall", NULL);
	if (post_install != NULL && g_strstrip(post_install)[0] != '\0') {
		g_autoptr(GError) error_parse = NULL;
		if (!g_shell_parse_argv(post_install, NULL, &self->post_install, &error_parse))
			return upd_app_config_bad_value(self, "PostInstall", post_install,
							error_parse->message, error);
	}
	value = self->post_install_timeout;
	if (!upd_app_config_parse_uint(self, kf, "PostInstallTimeout", 1, 3600, &value, error))
		return FALSE;
	self->post_install_timeout = (guint)value;
	value = self->keep_versions;
	if (!upd_app_config_parse_uint(self, kf, "KeepVersions", 0, 100, &value, error))
		return FALSE;
	self->keep_versions = (guint)value;

	/* AllowMetered: true or false */
	if (g_key_file_has_key(kf, UPD_APP_CONFIG_GROUP, "AllowMetered", NULL)) {
		g_autoptr(GError) error_bool = NULL;
		g_autofree gchar *raw =
			g_key_file_get_string(kf, UPD_APP_CONFIG_GROUP, "AllowMetered", NULL);
		self->allow_metered = g_key_file_get_boolean(kf, UPD_APP_CONFIG_GROUP,
							     "AllowMetered", &error_bool);
		if (error_bool != NULL)
			return upd_app_config_bad_value(self, "AllowMetered", raw,
							_("it must be true or false"), error);
	}
	return TRUE;
}

/**
 * upd_app_config_new_from_key_file:
 * @key_file: a #GKeyFile with an `[Application]` group
 * @source: (nullable): where it came from, for messages
 * @error: (nullable): return location for a #GError
 *
 * Reads an application's configuration. Missing required keys and bad
 * values are errors (%UPD_ERROR_INVALID_CONFIG) naming the key and the
 * value; unknown keys and groups are collected as warnings, see
 * upd_app_config_get_warnings().
 *
 * Returns: (transfer full): the configuration, or %NULL
 *
 * Since: 0.1
 */
UpdAppConfig *
upd_app_config_new_from_key_file(GKeyFile *key_file, const gchar *source, GError **error)
{
	g_autoptr(UpdAppConfig) self = g_object_new(UPD_TYPE_APP_CONFIG, NULL);

	g_return_val_if_fail(key_file != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	self->source = g_strdup(source != NULL ? source : "configuration");
	if (!upd_app_config_load(self, key_file, error))
		return NULL;
	for (guint i = 0; i < self->warnings->len; i++)
		g_debug("%s", (const gchar *)g_ptr_array_index(self->warnings, i));
	return g_steal_pointer(&self);
}

/**
 * upd_app_config_new_from_file:
 * @path: an application key file, e.g. `~/.config/updater/apps.d/org.example.App.conf`
 * @error: (nullable): return location for a #GError
 *
 * Loads an application's configuration; see upd_app_config_new_from_key_file().
 *
 * Returns: (transfer full): the configuration, or %NULL
 *
 * Since: 0.1
 */
UpdAppConfig *
upd_app_config_new_from_file(const gchar *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error(error, UPD_ERROR,
			    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
				    ? UPD_ERROR_NOT_FOUND
				    : UPD_ERROR_INVALID_CONFIG,
			    _("cannot read %s: %s"), path, error_local->message);
		return NULL;
	}
	return upd_app_config_new_from_key_file(kf, path, error);
}

/**
 * upd_app_config_get_source:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none): the file the configuration was read from
 *
 * Since: 0.1
 */
const gchar *
upd_app_config_get_source(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->source;
}

/**
 * upd_app_config_get_id:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none): the application id
 *
 * Since: 0.1
 */
const gchar *
upd_app_config_get_id(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->id;
}

/**
 * upd_app_config_get_endpoint:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none): the repository's base URL, ending with `/`
 *
 * Since: 0.1
 */
const gchar *
upd_app_config_get_endpoint(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->endpoint;
}

/**
 * upd_app_config_get_channel:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none): the channel, "stable" unless configured
 *
 * Since: 0.1
 */
const gchar *
upd_app_config_get_channel(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->channel;
}

/**
 * upd_app_config_get_install_dir:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none): the absolute install directory
 *
 * Since: 0.1
 */
const gchar *
upd_app_config_get_install_dir(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->install_dir;
}

/**
 * upd_app_config_get_public_keys:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none) (element-type UpdKey): the pinned keys, at least one
 *
 * Since: 0.1
 */
GPtrArray *
upd_app_config_get_public_keys(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->keys;
}

/**
 * upd_app_config_get_policy:
 * @self: an #UpdAppConfig
 *
 * Returns: the update policy
 *
 * Since: 0.1
 */
UpdPolicy
upd_app_config_get_policy(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), UPD_POLICY_MANUAL);
	return self->policy;
}

/**
 * upd_app_config_get_poll_interval:
 * @self: an #UpdAppConfig
 *
 * Returns: seconds between checks
 *
 * Since: 0.1
 */
guint
upd_app_config_get_poll_interval(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), 0);
	return self->poll_interval;
}

/**
 * upd_app_config_get_bandwidth_limit:
 * @self: an #UpdAppConfig
 *
 * Returns: the download limit in bytes per second, 0 for none
 *
 * Since: 0.1
 */
guint64
upd_app_config_get_bandwidth_limit(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), 0);
	return self->bandwidth_limit;
}

/**
 * upd_app_config_get_mirrors:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none) (element-type utf8): mirror base URLs, each ending with `/`
 *
 * Since: 0.1
 */
GPtrArray *
upd_app_config_get_mirrors(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->mirrors;
}

/**
 * upd_app_config_get_warnings:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none) (element-type utf8): translated warnings about
 *   unknown keys and groups, for the user to see
 *
 * Since: 0.1
 */
GPtrArray *
upd_app_config_get_warnings(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return self->warnings;
}

/**
 * upd_app_config_get_post_install:
 * @self: an #UpdAppConfig
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the argv of the
 *   command run after an install (`PostInstall=`, split like a shell would but
 *   run without one), %NULL for none
 *
 * Since: 0.1
 */
const gchar *const *
upd_app_config_get_post_install(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), NULL);
	return (const gchar *const *)self->post_install;
}

/**
 * upd_app_config_get_post_install_timeout:
 * @self: an #UpdAppConfig
 *
 * Returns: seconds the post-install hook may run (`PostInstallTimeout=`, default 60)
 *
 * Since: 0.1
 */
guint
upd_app_config_get_post_install_timeout(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), 0);
	return self->post_install_timeout;
}

/**
 * upd_app_config_get_keep_versions:
 * @self: an #UpdAppConfig
 *
 * Returns: how many earlier versions are kept for rollback (`KeepVersions=`, default 2)
 *
 * Since: 0.1
 */
guint
upd_app_config_get_keep_versions(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), 0);
	return self->keep_versions;
}

/**
 * upd_app_config_get_allow_metered:
 * @self: an #UpdAppConfig
 *
 * Returns: whether the service downloads on its own on a metered network
 *   (`AllowMetered=`, default false)
 *
 * Since: 0.1
 */
gboolean
upd_app_config_get_allow_metered(UpdAppConfig *self)
{
	g_return_val_if_fail(UPD_IS_APP_CONFIG(self), FALSE);
	return self->allow_metered;
}

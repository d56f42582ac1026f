/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "upd-app-state-private.h"
#include "upd-check-result-private.h"
#include "upd-client.h"
#include "upd-error-private.h"
#include "upd-http-private.h"
#include "upd-i18n-private.h"
#include "upd-install-dir-private.h"
#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-plan-private.h"
#include "upd-repo-layout-private.h"
#include "upd-rollout-private.h"
#include "upd-version-common.h"
#include "upd-version.h"

/* a CheckResponse is a signed manifest plus a few bytes */
#define UPD_CLIENT_MAX_RESPONSE (UPD_MANIFEST_MAX_SIZE + 4096)
/* error bodies are only read for their first line */
#define UPD_CLIENT_MAX_ERROR_BODY 4096

struct _UpdClient {
	GObject parent_instance;
	UpdAppConfig *config;	   /* (owned) */
	UpdAppState *state;	   /* (owned) */
	SoupSession *session;	   /* (owned) */
	gchar *installed_override; /* (owned) (nullable) */
	gboolean has_override;
	gboolean include_skipped;
};

G_DEFINE_TYPE(UpdClient, upd_client, G_TYPE_OBJECT)

static void
upd_client_dispose(GObject *object)
{
	UpdClient *self = UPD_CLIENT(object);
	g_clear_object(&self->config);
	g_clear_object(&self->state);
	g_clear_object(&self->session);
	G_OBJECT_CLASS(upd_client_parent_class)->dispose(object);
}

static void
upd_client_finalize(GObject *object)
{
	UpdClient *self = UPD_CLIENT(object);
	g_free(self->installed_override);
	G_OBJECT_CLASS(upd_client_parent_class)->finalize(object);
}

static void
upd_client_class_init(UpdClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upd_client_dispose;
	object_class->finalize = upd_client_finalize;
}

static void
upd_client_init(UpdClient *self)
{
}

/**
 * upd_client_new:
 * @config: the application's configuration
 *
 * Creates a client that checks for and applies updates of one application.
 *
 * Returns: (transfer full): a new #UpdClient
 *
 * Since: 0.1
 */
UpdClient *
upd_client_new(UpdAppConfig *config)
{
	UpdClient *self;

	g_return_val_if_fail(UPD_IS_APP_CONFIG(config), NULL);

	self = g_object_new(UPD_TYPE_CLIENT, NULL);
	self->config = g_object_ref(config);
	self->state = upd_app_state_new(upd_app_config_get_id(config));
	self->session = upd_http_session_new(60);
	return self;
}

/**
 * upd_client_get_config:
 * @self: an #UpdClient
 *
 * Returns: (transfer none): the application's configuration
 *
 * Since: 0.1
 */
UpdAppConfig *
upd_client_get_config(UpdClient *self)
{
	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);
	return self->config;
}

/**
 * upd_client_set_installed_version:
 * @self: an #UpdClient
 * @version: (nullable): the version the application knows it runs, or %NULL
 *   to read it from the install directory again
 *
 * Lets an application that embeds libupdater say which version it is,
 * instead of the version found in `InstallDir/current`.
 *
 * Since: 0.1
 */
void
upd_client_set_installed_version(UpdClient *self, const gchar *version)
{
	g_return_if_fail(UPD_IS_CLIENT(self));
	g_free(self->installed_override);
	self->installed_override = g_strdup(version);
	self->has_override = version != NULL;
}

/**
 * upd_client_get_installed_version:
 * @self: an #UpdClient
 *
 * Returns the installed version: the one set with
 * upd_client_set_installed_version(), or else the version directory that
 * `InstallDir/current` points to.
 *
 * Returns: (transfer full) (nullable): the version, %NULL when nothing is installed
 *
 * Since: 0.1
 */
gchar *
upd_client_get_installed_version(UpdClient *self)
{
	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);

	if (self->has_override)
		return g_strdup(self->installed_override);
	return upd_install_dir_get_current(upd_app_config_get_install_dir(self->config));
}

typedef struct {
	gchar *app_id;		  /* (owned) */
	gchar *channel;		  /* (owned) */
	GPtrArray *keys;	  /* (owned) (element-type UpdKey) */
	UpdAppState *state;	  /* (owned) */
	gchar *installed_version; /* (owned) (nullable) */
	GStrv skipped;		  /* (owned): versions a rollback left */
	guint64 min_serial;
	GBytes *request_body;	/* (owned) */
	gchar *check_url;	/* (owned) */
	GPtrArray *static_urls; /* (owned) (element-type utf8): endpoint first, then mirrors */
	guint static_index;
	gchar *current_url;	 /* (owned): the URL being fetched */
	SoupMessage *msg;	 /* (owned) (nullable): the request in flight */
	GError *first_error;	 /* (owned) (nullable): reported when every URL failed */
	GBytes *signed_manifest; /* (owned) (nullable) */
	guint poll_interval;
} UpdClientCheckData;

static void
upd_client_check_data_free(UpdClientCheckData *data)
{
	g_free(data->app_id);
	g_free(data->channel);
	g_ptr_array_unref(data->keys);
	g_clear_object(&data->state);
	g_free(data->installed_version);
	g_strfreev(data->skipped);
	g_clear_pointer(&data->request_body, g_bytes_unref);
	g_free(data->check_url);
	g_ptr_array_unref(data->static_urls);
	g_free(data->current_url);
	g_clear_object(&data->msg);
	g_clear_error(&data->first_error);
	g_clear_pointer(&data->signed_manifest, g_bytes_unref);
	g_free(data);
}

static GBytes *
upd_client_build_request(UpdClientCheckData *data)
{
	Updater__CheckRequest request = UPDATER__CHECK_REQUEST__INIT;
	struct utsname uts;

	request.app_id = data->app_id;
	request.channel = data->channel;
	request.installed_version = data->installed_version;
	request.platform = (gchar *)"linux";
	if (uname(&uts) == 0)
		request.arch = uts.machine;
	request.has_highest_serial = TRUE;
	request.highest_serial = data->min_serial;
	request.client_version = (gchar *)UPD_VERSION_STRING;
	return upd_pb_pack((const ProtobufCMessage *)&request);
}

/* the first failure is the one worth reporting: later ones are fallbacks */
static void
upd_client_check_remember_error(UpdClientCheckData *data, GError *error)
{
	g_debug("check: %s", error->message);
	if (data->first_error == NULL)
		data->first_error = error;
	else
		g_error_free(error);
}

static void
upd_client_check_fetch_static(GTask *task);

/* reads the body of the current answer, then calls @callback with the task */
static void
upd_client_check_read_body(GTask *task,
			   GInputStream *stream,
			   gsize max,
			   GAsyncReadyCallback callback)
{
	UpdClientCheckData *data = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);
	upd_http_read_bytes_async(stream, max, data->current_url, cancellable, callback, task);
}

static gint
upd_client_compare_releases_desc(gconstpointer a, gconstpointer b)
{
	UpdRelease *ra = *(UpdRelease **)a;
	UpdRelease *rb = *(UpdRelease **)b;
	return upd_version_compare(upd_release_get_version(rb), upd_release_get_version(ra));
}

/* verifies the manifest, records its serial and picks what is offered to this
 * client; runs in a worker thread because it hashes, verifies and fsyncs */
static void
upd_client_check_verify_thread(GTask *task,
			       gpointer source_object,
			       gpointer task_data,
			       GCancellable *cancellable)
{
	UpdClientCheckData *data = task_data;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GPtrArray) available = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GError) error = NULL;
	GPtrArray *releases;

	manifest = upd_manifest_new_verified(data->signed_manifest, data->keys, data->app_id,
					     data->channel, data->min_serial, 0, &error);
	if (manifest == NULL) {
		g_prefix_error(&error, "%s: ", data->current_url);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (!upd_app_state_raise_highest_serial(data->state, data->channel,
						upd_manifest_get_serial(manifest), &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}

	releases = upd_manifest_get_releases(manifest);
	for (guint i = 0; i < releases->len; i++) {
		UpdRelease *release = g_ptr_array_index(releases, i);
		const gchar *version = upd_release_get_version(release);
		const gchar *minimum = upd_release_get_minimum_version(release);
		guint rollout = upd_release_get_rollout_percent(release);

		if (data->installed_version != NULL &&
		    upd_version_compare(version, data->installed_version) <= 0)
			continue;
		if (g_strv_contains((const gchar *const *)data->skipped, version)) {
			g_debug("release %s was rolled back from: skipped", version);
			continue;
		}
		if (rollout < 100) {
			guint bucket = 0;
			if (!upd_rollout_get_bucket(data->app_id, version, &bucket, &error)) {
				g_task_return_error(task, g_steal_pointer(&error));
				return;
			}
			if (bucket >= rollout) {
				g_debug("release %s: rollout %u%% excludes bucket %u", version,
					rollout, bucket);
				continue;
			}
		}
		if (minimum != NULL && data->installed_version != NULL &&
		    upd_version_compare(data->installed_version, minimum) < 0) {
			g_debug("release %s needs at least %s installed", version, minimum);
			continue;
		}
		g_ptr_array_add(available, g_object_ref(release));
	}
	g_ptr_array_sort(available, upd_client_compare_releases_desc);
	g_task_return_pointer(task,
			      upd_check_result_new(manifest, data->installed_version,
						   g_steal_pointer(&available), data->poll_interval,
						   data->current_url),
			      g_object_unref);
}

static void
upd_client_check_verify(GTask *task, GBytes *signed_manifest)
{
	UpdClientCheckData *data = g_task_get_task_data(task);
	data->signed_manifest = g_bytes_ref(signed_manifest);
	g_task_run_in_thread(task, upd_client_check_verify_thread);
	g_object_unref(task);
}

static void
upd_client_check_response_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdClientCheckData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(Updater__CheckResponse) response = NULL;
	g_autoptr(GBytes) signed_manifest = NULL;
	gsize len = 0;
	const guint8 *ptr;

	body = upd_http_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
	if (body == NULL) {
		if (g_task_return_error_if_cancelled(task))
			return;
		upd_client_check_remember_error(data, g_steal_pointer(&error));
		data->static_index = 1; /* the endpoint misbehaves: go to mirrors */
		upd_client_check_fetch_static(g_steal_pointer(&task));
		return;
	}
	ptr = g_bytes_get_data(body, &len);
	response = updater__check_response__unpack(NULL, len, ptr);
	if (response == NULL || !response->has_signed_manifest) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					_("%s: the answer is not a valid CheckResponse"),
					data->current_url);
		return;
	}
	data->poll_interval = response->has_poll_interval ? response->poll_interval : 0;
	signed_manifest =
		g_bytes_new(response->signed_manifest.data, response->signed_manifest.len);
	upd_client_check_verify(g_steal_pointer(&task), signed_manifest);
}

static void
upd_client_check_static_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdClientCheckData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = NULL;

	body = upd_http_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
	if (body == NULL) {
		if (g_task_return_error_if_cancelled(task))
			return;
		upd_client_check_remember_error(data, g_steal_pointer(&error));
		data->static_index++;
		upd_client_check_fetch_static(g_steal_pointer(&task));
		return;
	}
	upd_client_check_verify(g_steal_pointer(&task), body);
}

static void
upd_client_check_error_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdClientCheckData *data = g_task_get_task_data(task);
	g_autoptr(GBytes) body = NULL;
	GError *error = NULL;

	/* the body only improves the message; a failure to read it does not matter */
	body = upd_http_read_bytes_finish(G_INPUT_STREAM(source), res, NULL);
	if (g_task_return_error_if_cancelled(task))
		return;
	upd_http_set_status_error(&error, data->msg, data->current_url, body);
	/* a missing app or channel is a final answer, a broken server is not */
	if (g_error_matches(error, UPD_ERROR, UPD_ERROR_NOT_FOUND) && data->static_index == 0) {
		g_task_return_error(task, error);
		return;
	}
	upd_client_check_remember_error(data, error);
	data->static_index++;
	upd_client_check_fetch_static(g_steal_pointer(&task));
}

static void
upd_client_check_static_sent_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdClientCheckData *data = g_task_get_task_data(task);
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GError) error = NULL;
	guint status;

	stream = soup_session_send_finish(SOUP_SESSION(source), res, &error);
	if (stream == NULL) {
		if (g_task_return_error_if_cancelled(task))
			return;
		upd_error_convert(&error);
		g_prefix_error(&error, "%s: ", data->current_url);
		upd_client_check_remember_error(data, g_steal_pointer(&error));
		data->static_index++;
		upd_client_check_fetch_static(g_steal_pointer(&task));
		return;
	}
	status = soup_message_get_status(data->msg);
	if (!SOUP_STATUS_IS_SUCCESSFUL(status)) {
		upd_client_check_read_body(g_steal_pointer(&task), stream,
					   UPD_CLIENT_MAX_ERROR_BODY,
					   upd_client_check_error_read_cb);
		return;
	}
	upd_client_check_read_body(g_steal_pointer(&task), stream, UPD_MANIFEST_MAX_SIZE,
				   upd_client_check_static_read_cb);
}

/* GET the static manifest from the next base URL, or fail with the first error */
static void
upd_client_check_fetch_static(GTask *task)
{
	UpdClient *self = g_task_get_source_object(task);
	UpdClientCheckData *data = g_task_get_task_data(task);
	const gchar *base;
	g_autofree gchar *path = NULL;

	if (data->static_index >= data->static_urls->len) {
		GError *error = g_steal_pointer(&data->first_error);
		if (error == NULL)
			error = g_error_new(UPD_ERROR, UPD_ERROR_NETWORK,
					    _("no server answered for %s"), data->app_id);
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	base = g_ptr_array_index(data->static_urls, data->static_index);
	path = upd_repo_manifest_path(data->app_id, data->channel);
	g_free(data->current_url);
	data->current_url = g_strconcat(base, path, NULL);
	g_clear_object(&data->msg);
	data->msg = soup_message_new(SOUP_METHOD_GET, data->current_url);
	if (data->msg == NULL) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
					_("%s is not a valid URL"), data->current_url);
		g_object_unref(task);
		return;
	}
	g_debug("check: GET %s", data->current_url);
	soup_session_send_async(self->session, data->msg, G_PRIORITY_DEFAULT,
				g_task_get_cancellable(task), upd_client_check_static_sent_cb,
				task);
}

static void
upd_client_check_sent_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdClientCheckData *data = g_task_get_task_data(task);
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *content_type;
	guint status;

	stream = soup_session_send_finish(SOUP_SESSION(source), res, &error);
	if (stream == NULL) {
		if (g_task_return_error_if_cancelled(task))
			return;
		/* the endpoint is unreachable: only mirrors can help */
		upd_error_convert(&error);
		g_prefix_error(&error, "%s: ", data->check_url);
		upd_client_check_remember_error(data, g_steal_pointer(&error));
		data->static_index = 1;
		upd_client_check_fetch_static(g_steal_pointer(&task));
		return;
	}
	status = soup_message_get_status(data->msg);
	if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
	    status == SOUP_STATUS_NOT_IMPLEMENTED) {
		/* a static server: fetch the signed manifest and decide here */
		g_debug("check: %s answered %u, using the static manifest", data->check_url,
			status);
		upd_client_check_fetch_static(g_steal_pointer(&task));
		return;
	}
	if (!SOUP_STATUS_IS_SUCCESSFUL(status)) {
		upd_client_check_read_body(g_steal_pointer(&task), stream,
					   UPD_CLIENT_MAX_ERROR_BODY,
					   upd_client_check_error_read_cb);
		return;
	}
	content_type = soup_message_headers_get_content_type(
		soup_message_get_response_headers(data->msg), NULL);
	if (g_strcmp0(content_type, UPD_HTTP_CONTENT_TYPE_PROTOBUF) != 0) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					_("%s answered with content type %s instead of %s"),
					data->check_url,
					content_type != NULL ? content_type : _("(none)"),
					UPD_HTTP_CONTENT_TYPE_PROTOBUF);
		return;
	}
	upd_client_check_read_body(g_steal_pointer(&task), stream, UPD_CLIENT_MAX_RESPONSE,
				   upd_client_check_response_read_cb);
}

/**
 * upd_client_check_async:
 * @self: an #UpdClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the check finished
 * @user_data: data for @callback
 *
 * Asks the application's endpoint for its channel's signed manifest, with a
 * `POST <Endpoint>/v1/check` carrying a `CheckRequest`. A static server
 * (404, 405 or 501 there) is asked for the static manifest file instead; when
 * the endpoint is unreachable or broken, the configured mirrors are asked for
 * it in order. The manifest is verified against the pinned keys, the
 * application, the channel, the highest serial seen (which is then raised)
 * and its expiry, and the releases offered to this client are picked.
 *
 * Since: 0.1
 */
void
upd_client_check_async(UpdClient *self,
		       GCancellable *cancellable,
		       GAsyncReadyCallback callback,
		       gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GError) error = NULL;
	UpdClientCheckData *data;
	GPtrArray *mirrors;

	g_return_if_fail(UPD_IS_CLIENT(self));
	g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, upd_client_check_async);
	data = g_new0(UpdClientCheckData, 1);
	data->app_id = g_strdup(upd_app_config_get_id(self->config));
	data->channel = g_strdup(upd_app_config_get_channel(self->config));
	data->keys = g_ptr_array_ref(upd_app_config_get_public_keys(self->config));
	data->state = g_object_ref(self->state);
	data->installed_version = upd_client_get_installed_version(self);
	data->skipped =
		self->include_skipped ? g_new0(gchar *, 1) : upd_app_state_get_skipped(self->state);
	data->static_urls = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(data->static_urls, g_strdup(upd_app_config_get_endpoint(self->config)));
	mirrors = upd_app_config_get_mirrors(self->config);
	for (guint i = 0; i < mirrors->len; i++)
		g_ptr_array_add(data->static_urls, g_strdup(g_ptr_array_index(mirrors, i)));
	g_task_set_task_data(task, data, (GDestroyNotify)upd_client_check_data_free);

	if (!upd_app_state_get_highest_serial(self->state, data->channel, &data->min_serial,
					      &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	data->request_body = upd_client_build_request(data);
	data->check_url =
		g_strconcat(upd_app_config_get_endpoint(self->config), UPD_REPO_CHECK_PATH, NULL);
	data->current_url = g_strdup(data->check_url);
	data->msg = soup_message_new(SOUP_METHOD_POST, data->check_url);
	if (data->msg == NULL) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_INVALID_CONFIG,
					_("%s is not a valid URL"), data->check_url);
		return;
	}
	/* a check changes nothing on the server: letting libsoup send it on a
	 * kept-alive connection saves a TCP (and TLS) handshake per check */
	soup_message_add_flags(data->msg, SOUP_MESSAGE_IDEMPOTENT);
	soup_message_set_request_body_from_bytes(data->msg, UPD_HTTP_CONTENT_TYPE_PROTOBUF,
						 data->request_body);
	soup_message_headers_replace(soup_message_get_request_headers(data->msg), "Accept",
				     UPD_HTTP_CONTENT_TYPE_PROTOBUF);
	g_debug("check: POST %s (%" G_GSIZE_FORMAT " bytes)", data->check_url,
		g_bytes_get_size(data->request_body));
	soup_session_send_async(self->session, data->msg, G_PRIORITY_DEFAULT, cancellable,
				upd_client_check_sent_cb, g_steal_pointer(&task));
}

/**
 * upd_client_check_finish:
 * @self: an #UpdClient
 * @res: the #GAsyncResult
 * @error: (nullable): return location for a #GError
 *
 * Finishes upd_client_check_async(). Errors are in %UPD_ERROR: those of
 * upd_manifest_new_verified(), %UPD_ERROR_NETWORK and %UPD_ERROR_TLS when no
 * server could be reached, %UPD_ERROR_SERVER for an error status,
 * %UPD_ERROR_NOT_FOUND when the repository does not have the application's
 * channel, and %UPD_ERROR_CANCELLED.
 *
 * Returns: (transfer full): the result, or %NULL
 *
 * Since: 0.1
 */
UpdCheckResult *
upd_client_check_finish(UpdClient *self, GAsyncResult *res, GError **error)
{
	UpdCheckResult *result;

	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	result = g_task_propagate_pointer(G_TASK(res), error);
	if (result == NULL)
		upd_error_convert(error);
	return result;
}

typedef struct {
	UpdManifest *manifest;	  /* (owned) */
	UpdRelease *release;	  /* (owned) */
	UpdAppState *state;	  /* (owned) */
	gchar *installed_version; /* (owned) (nullable) */
	gchar *installed_dir;	  /* (owned) (nullable) */
} UpdClientPlanData;

static void
upd_client_plan_data_free(UpdClientPlanData *data)
{
	g_clear_object(&data->manifest);
	g_clear_object(&data->release);
	g_clear_object(&data->state);
	g_free(data->installed_version);
	g_free(data->installed_dir);
	g_free(data);
}

static void
upd_client_plan_thread(GTask *task,
		       gpointer source_object,
		       gpointer task_data,
		       GCancellable *cancellable)
{
	UpdClientPlanData *data = task_data;
	g_autoptr(Updater__Release) installed_release = NULL;
	g_autoptr(GError) error = NULL;
	UpdPlan *plan;

	if (data->installed_version != NULL) {
		installed_release = upd_app_state_load_installed_release(
			data->state, data->installed_version, &error);
		/* without the record, files at the same paths are still candidates */
		if (error != NULL)
			g_debug("plan: %s", error->message);
		g_clear_error(&error);
	}
	plan = upd_plan_new(data->manifest, data->release, data->installed_version,
			    data->installed_dir, installed_release, cancellable, &error);
	if (plan == NULL) {
		upd_error_convert(&error);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_pointer(task, plan, g_object_unref);
}

/**
 * upd_client_plan_async:
 * @self: an #UpdClient
 * @result: the result of a check
 * @release: (nullable): the release to plan for, %NULL for the newest offered
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the plan is ready
 * @user_data: data for @callback
 *
 * Computes exactly which objects a release needs from the network: those
 * neither in the download cache nor present, with the same digest, among the
 * installed version's files (for a tree, every unchanged file is reused). The
 * plan reports the bytes to download before any download starts. Installed
 * files are hashed to be sure, so this reads the unchanged part of the
 * installed version once.
 *
 * Since: 0.1
 */
void
upd_client_plan_async(UpdClient *self,
		      UpdCheckResult *result,
		      UpdRelease *release,
		      GCancellable *cancellable,
		      GAsyncReadyCallback callback,
		      gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	UpdClientPlanData *data;
	const gchar *installed;

	g_return_if_fail(UPD_IS_CLIENT(self));
	g_return_if_fail(UPD_IS_CHECK_RESULT(result));
	g_return_if_fail(release == NULL || UPD_IS_RELEASE(release));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, upd_client_plan_async);
	if (release == NULL)
		release = upd_check_result_get_update(result);
	if (release == NULL) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_NOT_FOUND,
					_("%s is up to date: there is nothing to download"),
					upd_app_config_get_id(self->config));
		return;
	}
	data = g_new0(UpdClientPlanData, 1);
	data->manifest = g_object_ref(upd_check_result_get_manifest(result));
	data->release = g_object_ref(release);
	data->state = g_object_ref(self->state);
	installed = upd_check_result_get_installed_version(result);
	if (installed != NULL) {
		data->installed_version = g_strdup(installed);
		data->installed_dir = g_build_filename(upd_app_config_get_install_dir(self->config),
						       "versions", installed, NULL);
	}
	g_task_set_task_data(task, data, (GDestroyNotify)upd_client_plan_data_free);
	g_task_run_in_thread(task, upd_client_plan_thread);
}

/**
 * upd_client_plan_finish:
 * @self: an #UpdClient
 * @res: the #GAsyncResult
 * @error: (nullable): return location for a #GError
 *
 * Returns: (transfer full): the plan, or %NULL with %UPD_ERROR_NOT_FOUND when
 *   there is nothing to update, or another %UPD_ERROR
 *
 * Since: 0.1
 */
UpdPlan *
upd_client_plan_finish(UpdClient *self, GAsyncResult *res, GError **error)
{
	UpdPlan *plan;

	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	plan = g_task_propagate_pointer(G_TASK(res), error);
	if (plan == NULL)
		upd_error_convert(error);
	return plan;
}

/**
 * upd_client_set_include_skipped:
 * @self: an #UpdClient
 * @include_skipped: whether checks offer versions a rollback left
 *
 * A version the application was rolled back from is not offered again until
 * a newer release appears, unless this is set (what `install --force` does).
 *
 * Since: 0.1
 */
void
upd_client_set_include_skipped(UpdClient *self, gboolean include_skipped)
{
	g_return_if_fail(UPD_IS_CLIENT(self));
	self->include_skipped = include_skipped;
}

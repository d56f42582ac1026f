/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "upd-error-private.h"
#include "upd-http-private.h"
#include "upd-i18n-private.h"
#include "upd-version.h"

#define UPD_HTTP_READ_CHUNK (64 * 1024)

static const gchar *
upd_http_getenv(const gchar *lower, const gchar *upper)
{
	const gchar *value = g_getenv(lower);
	if (value == NULL || value[0] == '\0')
		value = g_getenv(upper);
	return value != NULL && value[0] != '\0' ? value : NULL;
}

/* The proxy the environment asks for, or NULL when it asks for none: then the
 * default GProxyResolver (GNOME or libproxy settings through glib-networking)
 * decides. */
GProxyResolver *
upd_http_proxy_resolver_new_from_env(void)
{
	const gchar *http = upd_http_getenv("http_proxy", "HTTP_PROXY");
	const gchar *https = upd_http_getenv("https_proxy", "HTTPS_PROXY");
	const gchar *all = upd_http_getenv("all_proxy", "ALL_PROXY");
	const gchar *no_proxy = upd_http_getenv("no_proxy", "NO_PROXY");
	g_auto(GStrv) ignore = NULL;
	GProxyResolver *resolver;

	if (http == NULL && https == NULL && all == NULL)
		return NULL;
	if (no_proxy != NULL) {
		ignore = g_strsplit(no_proxy, ",", -1);
		for (guint i = 0; ignore[i] != NULL; i++)
			g_strstrip(ignore[i]);
	}
	resolver = g_simple_proxy_resolver_new(all, ignore);
	if (http != NULL)
		g_simple_proxy_resolver_set_uri_proxy(G_SIMPLE_PROXY_RESOLVER(resolver), "http",
						      http);
	if (https != NULL)
		g_simple_proxy_resolver_set_uri_proxy(G_SIMPLE_PROXY_RESOLVER(resolver), "https",
						      https);
	return resolver;
}

SoupSession *
upd_http_session_new(guint io_timeout)
{
	g_autoptr(GProxyResolver) resolver = upd_http_proxy_resolver_new_from_env();
	SoupSession *session =
		soup_session_new_with_options("user-agent", "libupdater/" UPD_VERSION_STRING,
					      "timeout", io_timeout, "idle-timeout", 60, NULL);
	if (resolver != NULL)
		soup_session_set_proxy_resolver(session, resolver);
	/* bytes on the wire are what the manifest's digests and sizes describe */
	soup_session_remove_feature_by_type(session, SOUP_TYPE_CONTENT_DECODER);
	return session;
}

typedef struct {
	GByteArray *buf; /* (owned) */
	gsize max;
	gchar *url; /* (owned) */
} UpdHttpReadData;

static void
upd_http_read_data_free(UpdHttpReadData *data)
{
	g_clear_pointer(&data->buf, g_byte_array_unref);
	g_free(data->url);
	g_free(data);
}

static void
upd_http_read_chunk_cb(GObject *source, GAsyncResult *res, gpointer user_data);

static void
upd_http_read_next(GTask *task)
{
	GInputStream *stream = g_task_get_source_object(task);
	g_input_stream_read_bytes_async(stream, UPD_HTTP_READ_CHUNK, G_PRIORITY_DEFAULT,
					g_task_get_cancellable(task), upd_http_read_chunk_cb, task);
}

static void
upd_http_read_chunk_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	UpdHttpReadData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = NULL;
	gsize len = 0;
	const guint8 *ptr;

	chunk = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
	if (chunk == NULL) {
		upd_error_convert(&error);
		g_prefix_error(&error, _("reading %s: "), data->url);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	ptr = g_bytes_get_data(chunk, &len);
	if (len == 0) {
		g_task_return_pointer(task, g_byte_array_free_to_bytes(g_steal_pointer(&data->buf)),
				      (GDestroyNotify)g_bytes_unref);
		return;
	}
	if (data->buf->len + len > data->max) {
		g_task_return_new_error(task, UPD_ERROR, UPD_ERROR_TOO_LARGE,
					_("%s sent more than %" PRIu64 " bytes; refusing it"),
					data->url, (guint64)data->max);
		return;
	}
	g_byte_array_append(data->buf, ptr, len);
	upd_http_read_next(g_steal_pointer(&task));
}

void
upd_http_read_bytes_async(GInputStream *stream,
			  gsize max,
			  const gchar *url,
			  GCancellable *cancellable,
			  GAsyncReadyCallback callback,
			  gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(stream, cancellable, callback, user_data);
	UpdHttpReadData *data = g_new0(UpdHttpReadData, 1);

	g_task_set_source_tag(task, upd_http_read_bytes_async);
	data->buf = g_byte_array_new();
	data->max = max;
	data->url = g_strdup(url);
	g_task_set_task_data(task, data, (GDestroyNotify)upd_http_read_data_free);
	upd_http_read_next(g_steal_pointer(&task));
}

GBytes *
upd_http_read_bytes_finish(GInputStream *stream, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, stream), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

void
upd_http_set_status_error(GError **error, SoupMessage *msg, const gchar *url, GBytes *body)
{
	guint status = soup_message_get_status(msg);
	const gchar *content_type =
		soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL);
	g_autofree gchar *reason = NULL;

	if (body != NULL && g_strcmp0(content_type, "text/plain") == 0) {
		gsize len = 0;
		const gchar *text = g_bytes_get_data(body, &len);
		const gchar *nl = text != NULL ? memchr(text, '\n', len) : NULL;
		gsize line_len = MIN(nl != NULL ? (gsize)(nl - text) : len, 300);
		if (line_len > 0 && g_utf8_validate(text, line_len, NULL))
			reason = g_strndup(text, line_len);
	}
	if (reason == NULL)
		reason = g_strdup(soup_message_get_reason_phrase(msg));
	g_set_error(error, UPD_ERROR,
		    status == SOUP_STATUS_NOT_FOUND ? UPD_ERROR_NOT_FOUND : UPD_ERROR_SERVER,
		    /* TRANSLATORS: "https://x/v1/check answered 400: malformed CheckRequest" */
		    _("%s answered %u: %s"), url, status, reason != NULL ? reason : "");
}

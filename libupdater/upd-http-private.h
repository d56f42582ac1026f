/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define UPD_HTTP_CONTENT_TYPE_PROTOBUF "application/x-protobuf"

/* a session for one thread: the environment's proxy settings (http_proxy,
 * https_proxy, all_proxy, no_proxy) or else the system's, the system's trust
 * store, no content decoding (byte ranges refer to the stored bytes), and
 * @io_timeout seconds without progress on a socket before it fails */
SoupSession *
upd_http_session_new(guint io_timeout);
GProxyResolver *
upd_http_proxy_resolver_new_from_env(void);

/* Reads a whole body, refusing more than @max bytes (UPD_ERROR_TOO_LARGE):
 * a server cannot make the client buffer endless data. */
void
upd_http_read_bytes_async(GInputStream *stream,
			  gsize max,
			  const gchar *url,
			  GCancellable *cancellable,
			  GAsyncReadyCallback callback,
			  gpointer user_data);
GBytes *
upd_http_read_bytes_finish(GInputStream *stream, GAsyncResult *res, GError **error);

/* Sets an UPD_ERROR for a non-2xx answer, quoting the first line of a
 * text/plain body (what updater-server says) when there is one. */
void
upd_http_set_status_error(GError **error, SoupMessage *msg, const gchar *url, GBytes *body);

G_END_DECLS

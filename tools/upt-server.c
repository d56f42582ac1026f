/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-http-private.h"
#include "upd-i18n-private.h"
#include "upd-pb-private.h"
#include "upd-repo-layout-private.h"
#include "upd-validate-private.h"
#include "upt-server.h"

struct _UptServer {
	GObject parent_instance;
	UptRepository *repo; /* (owned) */
	gchar *root;	     /* (owned): the repository's real path */
	SoupServer *server;  /* (owned) */
	guint poll_interval;
	gboolean verbose;
	GHashTable *idle; /* (owned): GSocket (owned) -> GSource (owned) */
};

G_DEFINE_TYPE(UptServer, upt_server, G_TYPE_OBJECT)

static void
upt_server_dispose(GObject *object)
{
	UptServer *self = UPT_SERVER(object);
	if (self->idle != NULL)
		g_hash_table_remove_all(self->idle);
	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
	g_clear_object(&self->repo);
	G_OBJECT_CLASS(upt_server_parent_class)->dispose(object);
}

static void
upt_server_finalize(GObject *object)
{
	UptServer *self = UPT_SERVER(object);
	g_free(self->root);
	g_hash_table_unref(self->idle);
	G_OBJECT_CLASS(upt_server_parent_class)->finalize(object);
}

static void
upt_server_class_init(UptServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upt_server_dispose;
	object_class->finalize = upt_server_finalize;
}

static void
upt_server_idle_source_free(gpointer data)
{
	GSource *source = data;
	g_source_destroy(source);
	g_source_unref(source);
}

static void
upt_server_init(UptServer *self)
{
	self->idle = g_hash_table_new_full(g_direct_hash, g_direct_equal, g_object_unref,
					   upt_server_idle_source_free);
}

/* answers with a status and a one-line reason (log text, not translated) */
static void
upt_server_reply_error(SoupServerMessage *msg, guint status, const gchar *format, ...)
	G_GNUC_PRINTF(3, 4);

static void
upt_server_reply_error(SoupServerMessage *msg, guint status, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *reason = NULL;
	g_autofree gchar *body = NULL;

	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	g_strdelimit(reason, "\r\n", ' ');
	body = g_strdup_printf("%s\n", reason);
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, body, strlen(body));
}

static void
upt_server_check(UptServer *self, SoupServerMessage *msg)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	g_autoptr(Updater__CheckRequest) request = NULL;
	g_autoptr(GBytes) signed_manifest = NULL;
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	Updater__CheckResponse response = UPDATER__CHECK_RESPONSE__INIT;
	gsize len = 0;

	if (body->length > UPD_REPO_MAX_REQUEST) {
		upt_server_reply_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
				       "request body larger than %d bytes", UPD_REPO_MAX_REQUEST);
		return;
	}
	request = updater__check_request__unpack(NULL, body->length, (const guint8 *)body->data);
	if (request == NULL) {
		upt_server_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "malformed CheckRequest");
		return;
	}
	if (!upd_validate_app_id(request->app_id, &error) ||
	    !upd_validate_channel(request->channel, &error)) {
		upt_server_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
		return;
	}
	signed_manifest =
		upt_repository_read_manifest(self->repo, request->app_id, request->channel, &error);
	if (signed_manifest == NULL) {
		if (g_error_matches(error, UPD_ERROR, UPD_ERROR_NOT_FOUND))
			upt_server_reply_error(msg, SOUP_STATUS_NOT_FOUND,
					       "unknown application %s or channel %s",
					       request->app_id, request->channel);
		else
			upt_server_reply_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s",
					       error->message);
		return;
	}
	response.has_signed_manifest = TRUE;
	response.signed_manifest.data = (guint8 *)g_bytes_get_data(signed_manifest, &len);
	response.signed_manifest.len = len;
	if (self->poll_interval > 0) {
		response.has_poll_interval = TRUE;
		response.poll_interval = self->poll_interval;
	}
	answer = upd_pb_pack((const ProtobufCMessage *)&response);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
				     "no-store");
	soup_server_message_set_response(msg, UPD_HTTP_CONTENT_TYPE_PROTOBUF, SOUP_MEMORY_COPY,
					 g_bytes_get_data(answer, NULL), g_bytes_get_size(answer));
}

/* Maps a request path to a file strictly inside the repository: no hidden
 * components (the lock, staging directories), no "..", no symbolic link
 * leading out. Returns NULL with the status to answer. */
static gchar *
upt_server_resolve(UptServer *self, const gchar *uri_path, guint *status, const gchar **why)
{
	g_autofree gchar *decoded = g_uri_unescape_string(uri_path, "/");
	g_autofree gchar *joined = NULL;
	g_autofree gchar *real = NULL;
	g_auto(GStrv) parts = NULL;

	*status = SOUP_STATUS_BAD_REQUEST;
	if (decoded == NULL || decoded[0] != '/') {
		*why = "malformed path";
		return NULL;
	}
	parts = g_strsplit(decoded + 1, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '.' || parts[i][0] == '\0') {
			*status = SOUP_STATUS_FORBIDDEN;
			*why = "path outside the repository";
			return NULL;
		}
	}
	joined = g_build_filename(self->root, decoded + 1, NULL);
	real = realpath(joined, NULL);
	if (real == NULL) {
		*status = SOUP_STATUS_NOT_FOUND;
		*why = "no such file";
		return NULL;
	}
	if (!g_str_has_prefix(real, self->root) || real[strlen(self->root)] != '/') {
		*status = SOUP_STATUS_FORBIDDEN;
		*why = "path outside the repository";
		return NULL;
	}
	return g_steal_pointer(&real);
}

static gboolean
upt_server_etag_matches(const gchar *header, const gchar *etag)
{
	g_auto(GStrv) tags = NULL;

	if (header == NULL)
		return FALSE;
	tags = g_strsplit(header, ",", -1);
	for (guint i = 0; tags[i] != NULL; i++) {
		const gchar *tag = g_strstrip(tags[i]);
		if (g_strcmp0(tag, "*") == 0)
			return TRUE;
		if (g_str_has_prefix(tag, "W/"))
			tag += 2;
		if (g_strcmp0(tag, etag) == 0)
			return TRUE;
	}
	return FALSE;
}

typedef enum {
	UPT_RANGE_NONE,		 /* no usable Range: answer with the whole file */
	UPT_RANGE_SATISFIABLE,	 /* one range inside the file */
	UPT_RANGE_UNSATISFIABLE, /* well formed, but outside the file */
} UptRange;

/* Parses a Range header (RFC 9110 section 14.1.2) for a file of @size bytes:
 * one range "bytes=a-b", "bytes=a-" or "bytes=-n". A header the server does
 * not understand, and several ranges, are answered with the whole file, which
 * HTTP allows. An end past the file is clamped to it. */
static UptRange
upt_server_parse_range(const gchar *header, goffset size, goffset *start, goffset *length)
{
	const gchar *spec;
	const gchar *dash;
	g_autofree gchar *first = NULL;
	g_autofree gchar *last = NULL;
	guint64 a = 0;
	guint64 b = 0;

	if (header == NULL || !g_str_has_prefix(header, "bytes="))
		return UPT_RANGE_NONE;
	spec = header + strlen("bytes=");
	if (strchr(spec, ',') != NULL)
		return UPT_RANGE_NONE;
	dash = strchr(spec, '-');
	if (dash == NULL)
		return UPT_RANGE_NONE;
	first = g_strstrip(g_strndup(spec, dash - spec));
	last = g_strstrip(g_strdup(dash + 1));
	if (first[0] == '\0') {
		/* a suffix: the last n bytes */
		if (!g_ascii_string_to_unsigned(last, 10, 0, G_MAXINT64, &b, NULL))
			return UPT_RANGE_NONE;
		if (b == 0 || size == 0)
			return UPT_RANGE_UNSATISFIABLE;
		*length = MIN((goffset)b, size);
		*start = size - *length;
		return UPT_RANGE_SATISFIABLE;
	}
	if (!g_ascii_string_to_unsigned(first, 10, 0, G_MAXINT64, &a, NULL))
		return UPT_RANGE_NONE;
	if (last[0] == '\0')
		b = G_MAXINT64;
	else if (!g_ascii_string_to_unsigned(last, 10, 0, G_MAXINT64, &b, NULL) || b < a)
		return UPT_RANGE_NONE;
	if ((goffset)a >= size)
		return UPT_RANGE_UNSATISFIABLE;
	b = MIN(b, (guint64)size - 1);
	*start = (goffset)a;
	*length = (goffset)(b - a + 1);
	return UPT_RANGE_SATISFIABLE;
}

static const gchar *
upt_server_content_type(const gchar *path)
{
	if (g_str_has_suffix(path, "/" UPD_REPO_MANIFEST))
		return UPD_HTTP_CONTENT_TYPE_PROTOBUF;
	if (g_str_has_suffix(path, ".zst"))
		return "application/zstd";
	return "application/octet-stream";
}

static void
upt_server_file(UptServer *self, SoupServerMessage *msg, const gchar *uri_path, gboolean head)
{
	SoupMessageHeaders *request_headers = soup_server_message_get_request_headers(msg);
	SoupMessageHeaders *response_headers = soup_server_message_get_response_headers(msg);
	SoupMessageBody *response_body = soup_server_message_get_response_body(msg);
	g_autofree gchar *path = NULL;
	g_autofree gchar *etag = NULL;
	g_autofree gchar *last_modified = NULL;
	g_autoptr(GDateTime) mtime = NULL;
	g_autoptr(GMappedFile) mapped = NULL;
	g_autoptr(GBytes) contents = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *why = NULL;
	const gchar *if_range;
	UptRange range;
	gboolean use_range;
	goffset start = 0;
	goffset length;
	guint status = 0;
	g_auto(UpdFd) fd = -1;
	struct stat st;

	path = upt_server_resolve(self, uri_path, &status, &why);
	if (path == NULL) {
		upt_server_reply_error(msg, status, "%s: %s", uri_path, why);
		return;
	}
	/* one descriptor for the size, the validators and the bytes sent: the
	 * answer is consistent even if the file is replaced meanwhile */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		upt_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "%s: no such file", uri_path);
		return;
	}
	if (!head && st.st_size > 0) {
		mapped = g_mapped_file_new_from_fd(fd, FALSE, &error);
		if (mapped == NULL) {
			upt_server_reply_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s: %s",
					       uri_path, error->message);
			return;
		}
		contents = g_mapped_file_get_bytes(mapped);
	}

	/* strong validator: size, modification time and inode; files are replaced
	 * by rename, never rewritten in place */
	etag = g_strdup_printf("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x-%lx-%lx\"",
			       (gint64)st.st_size,
			       (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
			       (gulong)st.st_ino, (gulong)st.st_dev);
	mtime = g_date_time_new_from_unix_utc(st.st_mtim.tv_sec);
	last_modified = g_date_time_format(mtime, "%a, %d %b %Y %H:%M:%S GMT");
	soup_message_headers_replace(response_headers, "ETag", etag);
	soup_message_headers_replace(response_headers, "Last-Modified", last_modified);
	soup_message_headers_replace(response_headers, "Accept-Ranges", "bytes");
	soup_message_headers_set_content_type(response_headers, upt_server_content_type(path),
					      NULL);

	if (upt_server_etag_matches(soup_message_headers_get_one(request_headers, "If-None-Match"),
				    etag)) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, NULL);
		return;
	}

	/* a Range applies only while the client's copy is the current one */
	if_range = soup_message_headers_get_one(request_headers, "If-Range");
	length = st.st_size;
	range = UPT_RANGE_NONE;
	if (if_range == NULL || g_strcmp0(if_range, etag) == 0 ||
	    g_strcmp0(if_range, last_modified) == 0)
		range = upt_server_parse_range(
			soup_message_headers_get_one(request_headers, "Range"), st.st_size, &start,
			&length);
	if (range == UPT_RANGE_UNSATISFIABLE) {
		g_autofree gchar *content_range =
			g_strdup_printf("bytes */%" G_GINT64_FORMAT, (gint64)st.st_size);
		soup_message_headers_replace(response_headers, "Content-Range", content_range);
		upt_server_reply_error(msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
				       "%s: range not satisfiable", uri_path);
		return;
	}
	use_range = range == UPT_RANGE_SATISFIABLE;
	if (use_range)
		soup_message_headers_set_content_range(response_headers, start, start + length - 1,
						       st.st_size);

	soup_server_message_set_status(
		msg, use_range ? SOUP_STATUS_PARTIAL_CONTENT : SOUP_STATUS_OK, NULL);
	soup_message_headers_set_content_length(response_headers, length);
	/* keep libsoup from slicing the body again, and free chunks once sent */
	soup_message_body_set_accumulate(response_body, FALSE);
	if (head || length == 0)
		return;

	if (start == 0 && length == (goffset)g_bytes_get_size(contents)) {
		soup_message_body_append_bytes(response_body, contents);
	} else {
		g_autoptr(GBytes) slice = g_bytes_new_from_bytes(contents, start, length);
		soup_message_body_append_bytes(response_body, slice);
	}
}

static void
upt_server_handler(SoupServer *server,
		   SoupServerMessage *msg,
		   const char *path,
		   GHashTable *query,
		   gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	const gchar *method = soup_server_message_get_method(msg);

	if (g_strcmp0(path, "/" UPD_REPO_CHECK_PATH) == 0) {
		if (method != SOUP_METHOD_POST) {
			soup_message_headers_replace(soup_server_message_get_response_headers(msg),
						     "Allow", "POST");
			upt_server_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
					       "use POST for %s", path);
			return;
		}
		upt_server_check(self, msg);
		return;
	}
	if (method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD) {
		upt_server_file(self, msg, path, method == SOUP_METHOD_HEAD);
		return;
	}
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
				     "GET, HEAD");
	upt_server_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method %s not allowed",
			       method);
}

/*
 * A check request refused on its headers (too large, chunked, wrong type) must
 * not have its body read: libsoup 3.2 reads and buffers a whole body, however
 * large, before it answers anything but "Expect: 100-continue" requests. The
 * connection is therefore taken from libsoup, answered by hand and closed
 * gracefully: our write side is shut, and whatever the client still sends is
 * read and dropped (up to a limit and a timeout) so that the kernel does not
 * reset the connection before the client has read the answer.
 */
#define UPT_SERVER_DRAIN_MAX	 (4 * 1024 * 1024)
#define UPT_SERVER_DRAIN_TIMEOUT 2

typedef struct {
	GIOStream *stream;    /* (owned) */
	GSocket *socket;      /* (owned) (nullable) */
	GCancellable *cancel; /* (owned): ends the drain on timeout */
	gchar *answer;	      /* (owned) */
	gsize drained;
	guint timeout_id;
} UptRefusal;

static void
upt_refusal_free(UptRefusal *refusal)
{
	g_clear_handle_id(&refusal->timeout_id, g_source_remove);
	g_io_stream_close(refusal->stream, NULL, NULL);
	g_object_unref(refusal->stream);
	g_clear_object(&refusal->socket);
	g_object_unref(refusal->cancel);
	g_free(refusal->answer);
	g_free(refusal);
}

static gboolean
upt_refusal_timeout_cb(gpointer user_data)
{
	UptRefusal *refusal = user_data;
	refusal->timeout_id = 0;
	g_cancellable_cancel(refusal->cancel);
	return G_SOURCE_REMOVE;
}

static void
upt_refusal_drained_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UptRefusal *refusal = user_data;
	g_autoptr(GBytes) chunk =
		g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, NULL);

	if (chunk == NULL || g_bytes_get_size(chunk) == 0 ||
	    refusal->drained + g_bytes_get_size(chunk) > UPT_SERVER_DRAIN_MAX) {
		upt_refusal_free(refusal);
		return;
	}
	refusal->drained += g_bytes_get_size(chunk);
	g_input_stream_read_bytes_async(G_INPUT_STREAM(source), 64 * 1024, G_PRIORITY_DEFAULT,
					refusal->cancel, upt_refusal_drained_cb, refusal);
}

static void
upt_refusal_written_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UptRefusal *refusal = user_data;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, NULL)) {
		upt_refusal_free(refusal);
		return;
	}
	if (refusal->socket != NULL)
		g_socket_shutdown(refusal->socket, FALSE, TRUE, NULL);
	refusal->timeout_id =
		g_timeout_add_seconds(UPT_SERVER_DRAIN_TIMEOUT, upt_refusal_timeout_cb, refusal);
	g_input_stream_read_bytes_async(g_io_stream_get_input_stream(refusal->stream), 64 * 1024,
					G_PRIORITY_DEFAULT, refusal->cancel, upt_refusal_drained_cb,
					refusal);
}

static void
upt_server_refuse_early(
	UptServer *self, SoupServerMessage *msg, guint status, const gchar *format, ...)
	G_GNUC_PRINTF(4, 5);

static void
upt_server_refuse_early(
	UptServer *self, SoupServerMessage *msg, guint status, const gchar *format, ...)
{
	UptRefusal *refusal = g_new0(UptRefusal, 1);
	GSocket *socket = soup_server_message_get_socket(msg);
	g_autofree gchar *reason = NULL;
	va_list args;

	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	g_strdelimit(reason, "\r\n", ' ');
	if (self->verbose)
		g_printerr("%s /%s %u (refused before the body)\n",
			   soup_server_message_get_method(msg), UPD_REPO_CHECK_PATH, status);

	refusal->socket = socket != NULL ? g_object_ref(socket) : NULL;
	refusal->cancel = g_cancellable_new();
	refusal->answer =
		g_strdup_printf("HTTP/1.1 %u %s\r\n"
				"Server: updater-server/" PACKAGE_VERSION "\r\n"
				"Content-Type: text/plain\r\n"
				"Content-Length: %" G_GSIZE_FORMAT "\r\n"
				"Connection: close\r\n"
				"\r\n"
				"%s\n",
				status, soup_status_get_phrase(status), strlen(reason) + 1, reason);
	refusal->stream = soup_server_message_steal_connection(msg);
	g_output_stream_write_all_async(g_io_stream_get_output_stream(refusal->stream),
					refusal->answer, strlen(refusal->answer),
					G_PRIORITY_DEFAULT, NULL, upt_refusal_written_cb, refusal);
}

/* refuses a bad check request before its body is read */
static void
upt_server_early_handler(SoupServer *server,
			 SoupServerMessage *msg,
			 const char *path,
			 GHashTable *query,
			 gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const gchar *content_type;

	if (g_strcmp0(path, "/" UPD_REPO_CHECK_PATH) != 0 ||
	    soup_server_message_get_method(msg) != SOUP_METHOD_POST)
		return;
	content_type = soup_message_headers_get_content_type(headers, NULL);
	if (g_strcmp0(content_type, UPD_HTTP_CONTENT_TYPE_PROTOBUF) != 0) {
		upt_server_refuse_early(self, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
					"content type must be %s, not %s",
					UPD_HTTP_CONTENT_TYPE_PROTOBUF,
					content_type != NULL ? content_type : "(none)");
		return;
	}
	if (soup_message_headers_get_encoding(headers) != SOUP_ENCODING_CONTENT_LENGTH) {
		upt_server_refuse_early(self, msg, SOUP_STATUS_LENGTH_REQUIRED,
					"a Content-Length is required");
		return;
	}
	if (soup_message_headers_get_content_length(headers) > UPD_REPO_MAX_REQUEST) {
		upt_server_refuse_early(self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
					"request body larger than %d bytes", UPD_REPO_MAX_REQUEST);
		return;
	}
}

/*
 * libsoup 3.2 (Debian 12) never closes a kept-alive connection that the
 * client closed while it was idle: the descriptor stays in CLOSE_WAIT for the
 * life of the server, which then runs out of descriptors (fixed upstream in
 * libsoup 3.3 by commit d20c6601). Every idle connection is watched; when the
 * client has gone, our end is closed so the descriptor is released.
 */
static gboolean
upt_server_idle_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	gchar byte;
	gssize n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	/* n > 0 is the next request, which libsoup reads; 0 or an error: gone */
	if (n <= 0)
		g_socket_close(socket, NULL);
	g_hash_table_remove(self->idle, socket);
	return G_SOURCE_REMOVE;
}

static void
upt_server_request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	GSocket *socket = soup_server_message_get_socket(msg);

	if (socket != NULL)
		g_hash_table_remove(self->idle, socket);
}

static void
upt_server_watch_idle(UptServer *self, SoupServerMessage *msg)
{
	GSocket *socket = soup_server_message_get_socket(msg);
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	GSource *source;

	if (socket == NULL || g_socket_is_closed(socket) ||
	    g_hash_table_contains(self->idle, socket) ||
	    soup_message_headers_header_contains(headers, "Connection", "close"))
		return;
	source = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(source, (GSourceFunc)(void (*)(void))upt_server_idle_cb, self, NULL);
	g_source_attach(source, g_main_context_get_thread_default());
	g_hash_table_insert(self->idle, g_object_ref(socket), source);
}

static void
upt_server_request_finished_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	GUri *uri = soup_server_message_get_uri(msg);

	upt_server_watch_idle(self, msg);
	if (!self->verbose)
		return;
	g_printerr("%s %s %u\n", soup_server_message_get_method(msg),
		   uri != NULL ? g_uri_get_path(uri) : "?", soup_server_message_get_status(msg));
}

UptServer *
upt_server_new(UptRepository *repo, guint poll_interval)
{
	UptServer *self = g_object_new(UPT_TYPE_SERVER, NULL);
	g_autofree gchar *real = realpath(upt_repository_get_dir(repo), NULL);

	self->repo = g_object_ref(repo);
	self->root = real != NULL ? g_steal_pointer(&real) : g_strdup(upt_repository_get_dir(repo));
	self->poll_interval = poll_interval;
	self->server = soup_server_new("server-header", "updater-server/" PACKAGE_VERSION, NULL);
	soup_server_add_early_handler(self->server, NULL, upt_server_early_handler, self, NULL);
	soup_server_add_handler(self->server, NULL, upt_server_handler, self, NULL);
	g_signal_connect(self->server, "request-started", G_CALLBACK(upt_server_request_started_cb),
			 self);
	g_signal_connect(self->server, "request-finished",
			 G_CALLBACK(upt_server_request_finished_cb), self);
	return self;
}

void
upt_server_set_verbose(UptServer *self, gboolean verbose)
{
	self->verbose = verbose;
}

gboolean
upt_server_listen(UptServer *self, const gchar *address, guint port, GError **error)
{
	g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(address);
	g_autoptr(GSocketAddress) sockaddr = NULL;

	if (inet == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("“%s” is not an IP address"), address);
		return FALSE;
	}
	sockaddr = g_inet_socket_address_new(inet, port);
	if (!soup_server_listen(self->server, sockaddr, 0, error)) {
		g_prefix_error(error, _("cannot listen on %s port %u: "), address, port);
		if (error != NULL && *error != NULL && (*error)->domain != UPD_ERROR) {
			(*error)->domain = UPD_ERROR;
			(*error)->code = UPD_ERROR_NETWORK;
		}
		return FALSE;
	}
	return TRUE;
}

gchar *
upt_server_get_url(UptServer *self)
{
	GSList *uris = soup_server_get_uris(self->server);
	gchar *url = NULL;

	if (uris != NULL) {
		GUri *uri = uris->data;
		const gchar *host = g_uri_get_host(uri);
		gboolean v6 = strchr(host, ':') != NULL;
		url = g_strdup_printf("http://%s%s%s:%d/", v6 ? "[" : "", host, v6 ? "]" : "",
				      g_uri_get_port(uri));
	}
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return url;
}

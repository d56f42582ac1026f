/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "upd-error.h"
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
};

G_DEFINE_TYPE(UptServer, upt_server, G_TYPE_OBJECT)

static void
upt_server_dispose(GObject *object)
{
	UptServer *self = UPT_SERVER(object);
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
upt_server_init(UptServer *self)
{
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
		upt_server_reply_error(msg,
				       SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
				       "request body larger than %d bytes",
				       UPD_REPO_MAX_REQUEST);
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
			upt_server_reply_error(msg,
					       SOUP_STATUS_NOT_FOUND,
					       "unknown application %s or channel %s",
					       request->app_id,
					       request->channel);
		else
			upt_server_reply_error(msg,
					       SOUP_STATUS_INTERNAL_SERVER_ERROR,
					       "%s",
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
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control",
				     "no-store");
	soup_server_message_set_response(msg,
					 UPD_HTTP_CONTENT_TYPE_PROTOBUF,
					 SOUP_MEMORY_COPY,
					 g_bytes_get_data(answer, NULL),
					 g_bytes_get_size(answer));
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
	if (g_strcmp0(g_strstrip(g_strdup(header)), "*") == 0)
		return TRUE;
	tags = g_strsplit(header, ",", -1);
	for (guint i = 0; tags[i] != NULL; i++) {
		const gchar *tag = g_strstrip(tags[i]);
		if (g_str_has_prefix(tag, "W/"))
			tag += 2;
		if (g_strcmp0(tag, etag) == 0)
			return TRUE;
	}
	return FALSE;
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
	SoupRange *ranges = NULL;
	gint nranges = 0;
	gboolean use_range;
	goffset start = 0;
	goffset length;
	guint status = 0;
	struct stat st;

	path = upt_server_resolve(self, uri_path, &status, &why);
	if (path == NULL) {
		upt_server_reply_error(msg, status, "%s: %s", uri_path, why);
		return;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		upt_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "%s: no such file", uri_path);
		return;
	}

	/* strong validator: size, modification time and inode; files are replaced
	 * by rename, never rewritten in place */
	etag = g_strdup_printf("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x-%lx-%lx\"",
			       (gint64)st.st_size,
			       (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
			       (gulong)st.st_ino,
			       (gulong)st.st_dev);
	mtime = g_date_time_new_from_unix_utc(st.st_mtim.tv_sec);
	last_modified = g_date_time_format(mtime, "%a, %d %b %Y %H:%M:%S GMT");
	soup_message_headers_replace(response_headers, "ETag", etag);
	soup_message_headers_replace(response_headers, "Last-Modified", last_modified);
	soup_message_headers_replace(response_headers, "Accept-Ranges", "bytes");
	soup_message_headers_set_content_type(response_headers,
					      upt_server_content_type(path),
					      NULL);

	if (upt_server_etag_matches(soup_message_headers_get_one(request_headers, "If-None-Match"),
				    etag)) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, NULL);
		return;
	}

	/* a Range applies only while the client's copy is the current one */
	if_range = soup_message_headers_get_one(request_headers, "If-Range");
	use_range = soup_message_headers_get_one(request_headers, "Range") != NULL &&
		    (if_range == NULL || g_strcmp0(if_range, etag) == 0 ||
		     g_strcmp0(if_range, last_modified) == 0);
	length = st.st_size;
	if (use_range) {
		if (!soup_message_headers_get_ranges(request_headers, st.st_size, &ranges, &nranges)) {
			soup_message_headers_set_content_range(response_headers, -1, -1, st.st_size);
			upt_server_reply_error(msg,
					       SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
					       "%s: range not satisfiable",
					       uri_path);
			return;
		}
		if (nranges == 1) {
			start = ranges[0].start;
			length = ranges[0].end - ranges[0].start + 1;
			soup_message_headers_set_content_range(response_headers,
							       ranges[0].start,
							       ranges[0].end,
							       st.st_size);
		}
		/* several ranges are answered with the whole file, which HTTP allows */
		soup_message_headers_free_ranges(request_headers, ranges);
		if (nranges != 1)
			use_range = FALSE;
	}

	soup_server_message_set_status(msg,
				       use_range ? SOUP_STATUS_PARTIAL_CONTENT : SOUP_STATUS_OK,
				       NULL);
	soup_message_headers_set_content_length(response_headers, length);
	/* keep libsoup from slicing the body again, and free chunks once sent */
	soup_message_body_set_accumulate(response_body, FALSE);
	if (head || length == 0)
		return;

	mapped = g_mapped_file_new(path, FALSE, &error);
	if (mapped == NULL) {
		soup_message_headers_remove(response_headers, "Content-Length");
		upt_server_reply_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s", error->message);
		return;
	}
	contents = g_mapped_file_get_bytes(mapped);
	if ((goffset)g_bytes_get_size(contents) < start + length) {
		/* the file shrank since stat(): let the client retry */
		soup_message_headers_remove(response_headers, "Content-Length");
		upt_server_reply_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "%s changed", uri_path);
		return;
	}
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
						     "Allow",
						     "POST");
			upt_server_reply_error(msg,
					       SOUP_STATUS_METHOD_NOT_ALLOWED,
					       "use POST for %s",
					       path);
			return;
		}
		upt_server_check(self, msg);
		return;
	}
	if (method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD) {
		upt_server_file(self, msg, path, method == SOUP_METHOD_HEAD);
		return;
	}
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Allow",
				     "GET, HEAD");
	upt_server_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method %s not allowed", method);
}

/* refuses a bad check request before its body is read */
static void
upt_server_early_handler(SoupServer *server,
			 SoupServerMessage *msg,
			 const char *path,
			 GHashTable *query,
			 gpointer user_data)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const gchar *content_type;

	if (g_strcmp0(path, "/" UPD_REPO_CHECK_PATH) != 0 ||
	    soup_server_message_get_method(msg) != SOUP_METHOD_POST)
		return;
	content_type = soup_message_headers_get_content_type(headers, NULL);
	if (g_strcmp0(content_type, UPD_HTTP_CONTENT_TYPE_PROTOBUF) != 0) {
		upt_server_reply_error(msg,
				       SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
				       "content type must be %s, not %s",
				       UPD_HTTP_CONTENT_TYPE_PROTOBUF,
				       content_type != NULL ? content_type : "(none)");
		return;
	}
	if (soup_message_headers_get_encoding(headers) != SOUP_ENCODING_CONTENT_LENGTH) {
		upt_server_reply_error(msg,
				       SOUP_STATUS_LENGTH_REQUIRED,
				       "a Content-Length is required");
		return;
	}
	if (soup_message_headers_get_content_length(headers) > UPD_REPO_MAX_REQUEST) {
		upt_server_reply_error(msg,
				       SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
				       "request body larger than %d bytes",
				       UPD_REPO_MAX_REQUEST);
		return;
	}
}

static void
upt_server_request_finished_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	UptServer *self = UPT_SERVER(user_data);
	GUri *uri = soup_server_message_get_uri(msg);

	if (!self->verbose)
		return;
	g_printerr("%s %s %u\n",
		   soup_server_message_get_method(msg),
		   uri != NULL ? g_uri_get_path(uri) : "?",
		   soup_server_message_get_status(msg));
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
	g_signal_connect(self->server,
			 "request-finished",
			 G_CALLBACK(upt_server_request_finished_cb),
			 self);
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
		g_set_error(error,
			    UPD_ERROR,
			    UPD_ERROR_INVALID_ARGUMENT,
			    _("“%s” is not an IP address"),
			    address);
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
		url = g_strdup_printf("http://%s%s%s:%d/",
				      v6 ? "[" : "",
				      host,
				      v6 ? "]" : "",
				      g_uri_get_port(uri));
	}
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return url;
}

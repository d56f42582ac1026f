/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-test-fault-server.h"

#define UPD_TEST_FAULT_CHUNK (64 * 1024)
/* a misbehaving answer never runs away: endless bodies and stalls end here */
#define UPD_TEST_FAULT_MAX_EXTRA (G_GUINT64_CONSTANT(1) << 30)
#define UPD_TEST_FAULT_MAX_STALL (120 * G_USEC_PER_SEC)

typedef struct {
	gchar *path; /* (owned) (nullable): any faulty path */
	UpdTestFault fault;
	guint64 param;
} UpdTestFaultOneShot;

/* Reference counted: the "run" handler's closure holds a reference, so that a
 * connection being handled while the server is freed never sees freed memory. */
struct _UpdTestServiceThread {
	GSocketService *service; /* (owned) */
	GMainContext *context;	 /* (owned) */
	GMainLoop *loop;	 /* (owned) */
	GThread *thread;	 /* (owned) */
};

static gpointer
upd_test_service_thread_run(gpointer data)
{
	UpdTestServiceThread *thread = data;

	g_main_context_push_thread_default(thread->context);
	g_socket_service_start(thread->service);
	g_main_loop_run(thread->loop);
	g_socket_service_stop(thread->service);
	g_socket_listener_close(G_SOCKET_LISTENER(thread->service));
	/* let the cancelled accept finish, so that it holds nothing */
	while (g_main_context_iteration(thread->context, FALSE))
		;
	g_main_context_pop_thread_default(thread->context);
	return NULL;
}

UpdTestServiceThread *
upd_test_service_thread_start(GSocketService *service)
{
	UpdTestServiceThread *thread = g_new0(UpdTestServiceThread, 1);

	thread->service = g_object_ref(service);
	thread->context = g_main_context_new();
	thread->loop = g_main_loop_new(thread->context, FALSE);
	thread->thread = g_thread_new("upd-test-accept", upd_test_service_thread_run, thread);
	return thread;
}

void
upd_test_service_thread_stop(UpdTestServiceThread *thread)
{
	g_main_loop_quit(thread->loop);
	g_thread_join(thread->thread);
	g_main_loop_unref(thread->loop);
	g_main_context_unref(thread->context);
	g_object_unref(thread->service);
	g_free(thread);
}

struct _UpdTestFaultServer {
	GSocketService *service;      /* (owned) */
	UpdTestServiceThread *thread; /* (owned) */
	gulong run_id;
	gchar *root; /* (owned) */
	gchar *url;  /* (owned) */
	guint16 port;
	gint stopping; /* atomic */

	GMutex lock; /* protects everything below */
	GCond cond;
	GRand *rand;   /* (owned) */
	gchar *prefix; /* (owned) */
	UpdTestFault fault;
	guint64 param;
	GQueue oneshots; /* (element-type UpdTestFaultOneShot) */
	GPtrArray *log;	 /* (owned) (element-type UpdTestFaultRequest) */
	guint handlers;
	guint max_handlers;
	guint faulty_active;
	guint gate_n;
	guint gate_timeout_ms;
	gboolean gate_open;
};

void
upd_test_fault_request_free(UpdTestFaultRequest *request)
{
	if (request == NULL)
		return;
	g_free(request->method);
	g_free(request->path);
	g_free(request->if_range);
	g_free(request->etag);
	g_free(request);
}

static UpdTestFaultRequest *
upd_test_fault_request_copy(const UpdTestFaultRequest *request)
{
	UpdTestFaultRequest *copy = g_memdup2(request, sizeof(*request));
	copy->method = g_strdup(request->method);
	copy->path = g_strdup(request->path);
	copy->if_range = g_strdup(request->if_range);
	copy->etag = g_strdup(request->etag);
	return copy;
}

static void
upd_test_fault_oneshot_free(gpointer data)
{
	UpdTestFaultOneShot *oneshot = data;
	g_free(oneshot->path);
	g_free(oneshot);
}

static void
upd_test_fault_server_clear(gpointer data)
{
	UpdTestFaultServer *self = data;
	g_free(self->root);
	g_free(self->url);
	g_rand_free(self->rand);
	g_free(self->prefix);
	g_queue_clear_full(&self->oneshots, upd_test_fault_oneshot_free);
	g_ptr_array_unref(self->log);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
}

static UpdTestFaultServer *
upd_test_fault_server_ref(UpdTestFaultServer *self)
{
	return g_atomic_rc_box_acquire(self);
}

static void
upd_test_fault_server_unref(gpointer data)
{
	g_atomic_rc_box_release_full(data, upd_test_fault_server_clear);
}

static void
upd_test_fault_server_closure_notify(gpointer data, GClosure *closure)
{
	upd_test_fault_server_unref(data);
}

gboolean
upd_test_http_read_head(GDataInputStream *input,
			gchar **method,
			gchar **target,
			GHashTable **headers,
			GCancellable *cancellable)
{
	g_autofree gchar *line = NULL;
	g_auto(GStrv) parts = NULL;
	g_autoptr(GHashTable) table = NULL;

	g_data_input_stream_set_newline_type(input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	line = g_data_input_stream_read_line(input, NULL, cancellable, NULL);
	if (line == NULL)
		return FALSE;
	parts = g_strsplit(line, " ", 3);
	if (g_strv_length(parts) != 3 || !g_str_has_prefix(parts[2], "HTTP/1."))
		return FALSE;
	table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (;;) {
		g_autofree gchar *header =
			g_data_input_stream_read_line(input, NULL, cancellable, NULL);
		gchar *colon;

		if (header == NULL)
			return FALSE;
		if (header[0] == '\0')
			break;
		colon = strchr(header, ':');
		if (colon == NULL)
			return FALSE;
		*colon = '\0';
		g_hash_table_replace(table, g_ascii_strdown(header, -1),
				     g_strstrip(g_strdup(colon + 1)));
	}
	*method = g_strdup(parts[0]);
	*target = g_strdup(parts[1]);
	*headers = g_steal_pointer(&table);
	return TRUE;
}

/* one connection: what the handler needs while it answers */
typedef struct {
	UpdTestFaultServer *self;
	GSocketConnection *connection; /* (unowned) */
	GOutputStream *output;	       /* (unowned) */
	UpdTestFaultRequest *entry;    /* (unowned) (nullable): owned by the log */
} UpdTestFaultConn;

static gboolean
upd_test_fault_conn_write(UpdTestFaultConn *conn, const void *data, gsize len)
{
	return g_output_stream_write_all(conn->output, data, len, NULL, NULL, NULL);
}

static gboolean
upd_test_fault_conn_write_body(UpdTestFaultConn *conn, const void *data, gsize len)
{
	if (!upd_test_fault_conn_write(conn, data, len))
		return FALSE;
	if (conn->entry != NULL) {
		g_mutex_lock(&conn->self->lock);
		conn->entry->bytes_sent += len;
		g_mutex_unlock(&conn->self->lock);
	}
	return TRUE;
}

static const gchar *
upd_test_fault_reason(guint status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 416:
		return "Range Not Satisfiable";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Whatever";
	}
}

static void
upd_test_fault_conn_answer_status(UpdTestFaultConn *conn, guint status, const gchar *extra)
{
	g_autofree gchar *body = g_strdup_printf("%u %s\n", status, upd_test_fault_reason(status));
	g_autofree gchar *head = g_strdup_printf("HTTP/1.1 %u %s\r\n"
						 "Content-Type: text/plain\r\n"
						 "Content-Length: %" G_GSIZE_FORMAT "\r\n"
						 "%s"
						 "Connection: close\r\n"
						 "\r\n",
						 status, upd_test_fault_reason(status),
						 strlen(body), extra != NULL ? extra : "");
	if (conn->entry != NULL) {
		g_mutex_lock(&conn->self->lock);
		conn->entry->status = status;
		g_mutex_unlock(&conn->self->lock);
	}
	if (upd_test_fault_conn_write(conn, head, strlen(head)))
		upd_test_fault_conn_write(conn, body, strlen(body));
}

/* waits until the client closes the connection (or the server stops) */
static void
upd_test_fault_conn_stall(UpdTestFaultConn *conn)
{
	GSocket *socket = g_socket_connection_get_socket(conn->connection);
	gint64 deadline = g_get_monotonic_time() + UPD_TEST_FAULT_MAX_STALL;

	while (!g_atomic_int_get(&conn->self->stopping) && g_get_monotonic_time() < deadline) {
		g_autoptr(GError) error = NULL;
		if (g_socket_condition_timed_wait(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, 100 * 1000,
						  NULL, &error))
			break;
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
			break;
	}
}

/* "bytes=N-" or "bytes=N-M"; FALSE for anything else */
static gboolean
upd_test_fault_parse_range(const gchar *value, gint64 *start, gint64 *end)
{
	g_auto(GStrv) parts = NULL;
	guint64 first = 0;
	guint64 last = 0;

	if (value == NULL || !g_str_has_prefix(value, "bytes="))
		return FALSE;
	parts = g_strsplit(value + strlen("bytes="), "-", 2);
	if (g_strv_length(parts) != 2 ||
	    !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXINT64, &first, NULL))
		return FALSE;
	*start = (gint64)first;
	*end = -1;
	if (parts[1][0] != '\0') {
		if (!g_ascii_string_to_unsigned(parts[1], 10, first, G_MAXINT64, &last, NULL))
			return FALSE;
		*end = (gint64)last;
	}
	return TRUE;
}

/* the fault for a request of @path, taking a matching one-shot fault first */
static UpdTestFault
upd_test_fault_server_pick(UpdTestFaultServer *self, const gchar *path, guint64 *param)
{
	if (!g_str_has_prefix(path, self->prefix)) {
		*param = 0;
		return UPD_TEST_FAULT_NONE;
	}
	for (GList *l = self->oneshots.head; l != NULL; l = l->next) {
		UpdTestFaultOneShot *oneshot = l->data;
		if (oneshot->path == NULL || g_strcmp0(oneshot->path, path) == 0) {
			UpdTestFault fault = oneshot->fault;
			*param = oneshot->param;
			g_queue_delete_link(&self->oneshots, l);
			upd_test_fault_oneshot_free(oneshot);
			return fault;
		}
	}
	*param = self->param;
	return self->fault;
}

/* holds the request until enough requests of faulty paths are in progress */
static void
upd_test_fault_server_gate(UpdTestFaultServer *self)
{
	gint64 deadline;

	g_mutex_lock(&self->lock);
	self->faulty_active++;
	deadline = g_get_monotonic_time() + (gint64)self->gate_timeout_ms * 1000;
	while (self->gate_n > 0 && !self->gate_open && !g_atomic_int_get(&self->stopping)) {
		if (self->faulty_active >= self->gate_n) {
			self->gate_open = TRUE;
			g_cond_broadcast(&self->cond);
			break;
		}
		if (!g_cond_wait_until(&self->cond, &self->lock, deadline))
			break;
	}
	g_mutex_unlock(&self->lock);
}

static void
upd_test_fault_conn_serve_file(UpdTestFaultConn *conn,
			       const gchar *path,
			       GHashTable *headers,
			       UpdTestFault fault,
			       guint64 param)
{
	UpdTestFaultServer *self = conn->self;
	g_autofree gchar *etag = NULL;
	g_autofree gchar *head = NULL;
	g_autofree gchar *content_length = NULL;
	g_autofree gchar *content_range = NULL;
	g_autofree guint8 *buf = NULL;
	const gchar *if_range = g_hash_table_lookup(headers, "if-range");
	struct stat st;
	gint64 start = 0;
	gint64 end = -1;
	guint64 length;
	guint64 limit;
	guint64 sent = 0;
	guint status = 200;
	int fd;

	fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		upd_test_fault_conn_answer_status(conn, 404, NULL);
		return;
	}
	etag = g_strdup_printf("\"%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "\"", (gint64)st.st_size,
			       (gint64)st.st_mtime);
	if (fault != UPD_TEST_FAULT_IGNORE_RANGE && fault != UPD_TEST_FAULT_EXTRA_BYTES &&
	    upd_test_fault_parse_range(g_hash_table_lookup(headers, "range"), &start, &end) &&
	    (if_range == NULL || g_strcmp0(if_range, etag) == 0)) {
		if (start >= (gint64)st.st_size) {
			g_autofree gchar *extra =
				g_strdup_printf("Content-Range: bytes */%" G_GINT64_FORMAT "\r\n",
						(gint64)st.st_size);
			close(fd);
			upd_test_fault_conn_answer_status(conn, 416, extra);
			return;
		}
		if (end < 0 || end >= (gint64)st.st_size)
			end = (gint64)st.st_size - 1;
		status = 206;
		content_range = g_strdup_printf("Content-Range: bytes %" G_GINT64_FORMAT
						"-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\r\n",
						start, end, (gint64)st.st_size);
	} else {
		start = 0;
		end = (gint64)st.st_size - 1;
	}
	length = (guint64)(end - start + 1);

	limit = length;
	g_mutex_lock(&self->lock);
	if (fault == UPD_TEST_FAULT_CUT) {
		guint64 most = MAX(2 * (guint64)st.st_size / MAX(param, 1), 1);
		limit = (guint64)g_rand_double_range(self->rand, 1, (gdouble)most + 1);
	} else if (fault == UPD_TEST_FAULT_CUT_AT || fault == UPD_TEST_FAULT_STALL) {
		limit = param;
	}
	limit = MIN(limit, length);
	conn->entry->etag = g_strdup(etag);
	conn->entry->status = status;
	conn->entry->cut = limit < length && fault != UPD_TEST_FAULT_STALL;
	g_mutex_unlock(&self->lock);

	if (fault == UPD_TEST_FAULT_EXTRA_BYTES)
		content_length = g_strdup("");
	else if (fault == UPD_TEST_FAULT_LARGE_LENGTH)
		content_length = g_strdup_printf("Content-Length: %" G_GUINT64_FORMAT "\r\n",
						 length + param);
	else
		content_length =
			g_strdup_printf("Content-Length: %" G_GUINT64_FORMAT "\r\n", length);
	head = g_strdup_printf("HTTP/1.1 %u %s\r\n"
			       "Content-Type: application/octet-stream\r\n"
			       "%s"
			       "%s"
			       "ETag: %s\r\n"
			       "Accept-Ranges: bytes\r\n"
			       "Connection: close\r\n"
			       "\r\n",
			       status, upd_test_fault_reason(status), content_length,
			       content_range != NULL ? content_range : "", etag);
	if (!upd_test_fault_conn_write(conn, head, strlen(head))) {
		close(fd);
		return;
	}

	buf = g_malloc(UPD_TEST_FAULT_CHUNK);
	if (lseek(fd, (off_t)start, SEEK_SET) != (off_t)start) {
		close(fd);
		return;
	}
	while (sent < limit) {
		gsize want = (gsize)MIN((guint64)UPD_TEST_FAULT_CHUNK, limit - sent);
		gssize n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (fault == UPD_TEST_FAULT_WRONG_BYTES) {
			for (gssize i = 0; i < n; i++)
				buf[i] ^= 0xff;
		}
		if (!upd_test_fault_conn_write_body(conn, buf, (gsize)n)) {
			close(fd);
			return;
		}
		sent += (guint64)n;
	}
	close(fd);

	if (fault == UPD_TEST_FAULT_STALL && sent < length) {
		upd_test_fault_conn_stall(conn);
	} else if (fault == UPD_TEST_FAULT_EXTRA_BYTES || fault == UPD_TEST_FAULT_LARGE_LENGTH) {
		guint64 extra =
			fault == UPD_TEST_FAULT_EXTRA_BYTES ? UPD_TEST_FAULT_MAX_EXTRA : param;
		guint64 extra_sent = 0;
		memset(buf, 'x', UPD_TEST_FAULT_CHUNK);
		while (extra_sent < extra && !g_atomic_int_get(&self->stopping)) {
			gsize want = (gsize)MIN((guint64)UPD_TEST_FAULT_CHUNK, extra - extra_sent);
			if (!upd_test_fault_conn_write_body(conn, buf, want))
				break;
			extra_sent += want;
		}
	}
}

static void
upd_test_fault_conn_handle(UpdTestFaultConn *conn)
{
	UpdTestFaultServer *self = conn->self;
	g_autoptr(GDataInputStream) input = NULL;
	g_autoptr(GHashTable) headers = NULL;
	g_autofree gchar *method = NULL;
	g_autofree gchar *target = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *file = NULL;
	UpdTestFaultRequest *entry;
	UpdTestFault fault;
	guint64 param = 0;
	const gchar *range;
	gchar *query;
	gboolean faulty;

	input = g_data_input_stream_new(
		g_io_stream_get_input_stream(G_IO_STREAM(conn->connection)));
	g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(input), FALSE);
	if (!upd_test_http_read_head(input, &method, &target, &headers, NULL))
		return;
	path = g_strdup(target);
	query = strchr(path, '?');
	if (query != NULL)
		*query = '\0';
	range = g_hash_table_lookup(headers, "range");

	entry = g_new0(UpdTestFaultRequest, 1);
	entry->method = g_strdup(method);
	entry->path = g_strdup(path);
	entry->if_range = g_strdup(g_hash_table_lookup(headers, "if-range"));
	entry->range_start = -1;
	if (range != NULL) {
		gint64 start = -1;
		gint64 end = -1;
		if (upd_test_fault_parse_range(range, &start, &end))
			entry->range_start = start;
	}
	g_mutex_lock(&self->lock);
	faulty = g_str_has_prefix(path, self->prefix);
	fault = g_strcmp0(method, "GET") == 0 ? upd_test_fault_server_pick(self, path, &param)
					      : UPD_TEST_FAULT_NONE;
	entry->fault = fault;
	entry->seq = self->log->len;
	g_ptr_array_add(self->log, entry);
	conn->entry = entry;
	g_mutex_unlock(&self->lock);

	if (g_strcmp0(method, "POST") == 0) {
		/* a static server: the client falls back to the manifest file. The
		 * body is read first so that closing the socket does not reset the
		 * connection under the client's feet. */
		const gchar *length = g_hash_table_lookup(headers, "content-length");
		guint64 len = 0;
		if (length != NULL &&
		    g_ascii_string_to_unsigned(length, 10, 0, 1 << 20, &len, NULL))
			g_input_stream_skip(G_INPUT_STREAM(input), (gsize)len, NULL, NULL);
		upd_test_fault_conn_answer_status(conn, 405, "Allow: GET\r\n");
		return;
	}
	if (g_strcmp0(method, "GET") != 0) {
		upd_test_fault_conn_answer_status(conn, 405, "Allow: GET\r\n");
		return;
	}
	if (path[0] != '/' || strstr(path, "/../") != NULL || g_str_has_suffix(path, "/..")) {
		upd_test_fault_conn_answer_status(conn, 400, NULL);
		return;
	}
	if (faulty)
		upd_test_fault_server_gate(self);
	if (fault == UPD_TEST_FAULT_STATUS) {
		upd_test_fault_conn_answer_status(conn, (guint)param, NULL);
	} else {
		file = g_build_filename(self->root, path, NULL);
		upd_test_fault_conn_serve_file(conn, file, headers, fault, param);
	}
	if (faulty) {
		g_mutex_lock(&self->lock);
		self->faulty_active--;
		g_mutex_unlock(&self->lock);
	}
}

static gboolean
upd_test_fault_server_run_cb(GThreadedSocketService *service,
			     GSocketConnection *connection,
			     GObject *source_object,
			     gpointer user_data)
{
	UpdTestFaultServer *self = user_data;
	UpdTestFaultConn conn = {self, connection, NULL, NULL};

	if (g_atomic_int_get(&self->stopping))
		return TRUE;
	g_mutex_lock(&self->lock);
	self->handlers++;
	self->max_handlers = MAX(self->max_handlers, self->handlers);
	g_mutex_unlock(&self->lock);

	/* a safety net: no test waits on a blocked write for ever */
	g_socket_set_timeout(g_socket_connection_get_socket(connection), 30);
	conn.output = g_io_stream_get_output_stream(G_IO_STREAM(connection));
	upd_test_fault_conn_handle(&conn);
	g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);

	g_mutex_lock(&self->lock);
	self->handlers--;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	return TRUE;
}

UpdTestFaultServer *
upd_test_fault_server_new(const gchar *root, guint32 seed)
{
	UpdTestFaultServer *self = g_atomic_rc_box_new0(UpdTestFaultServer);
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;

	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->root = g_strdup(root);
	self->rand = g_rand_new_with_seed(seed);
	self->prefix = g_strdup("/objects/");
	self->log = g_ptr_array_new_with_free_func((GDestroyNotify)upd_test_fault_request_free);
	g_queue_init(&self->oneshots);
	self->service = g_object_new(G_TYPE_THREADED_SOCKET_SERVICE, "max-threads", 64, "active",
				     FALSE, NULL);
	g_socket_listener_add_address(G_SOCKET_LISTENER(self->service), address,
				      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
				      &error);
	g_assert_no_error(error);
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	self->url = g_strdup_printf("http://127.0.0.1:%u/", self->port);
	self->run_id = g_signal_connect_data(
		self->service, "run", G_CALLBACK(upd_test_fault_server_run_cb),
		upd_test_fault_server_ref(self), upd_test_fault_server_closure_notify, 0);
	self->thread = upd_test_service_thread_start(self->service);
	return self;
}

void
upd_test_fault_server_free(UpdTestFaultServer *self)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	if (self == NULL)
		return;
	upd_test_service_thread_stop(self->thread);
	g_atomic_int_set(&self->stopping, 1);
	g_signal_handler_disconnect(self->service, self->run_id);

	g_mutex_lock(&self->lock);
	g_cond_broadcast(&self->cond);
	while (self->handlers > 0) {
		if (!g_cond_wait_until(&self->cond, &self->lock, deadline))
			break;
	}
	g_assert_cmpuint(self->handlers, ==, 0);
	g_mutex_unlock(&self->lock);
	g_clear_object(&self->service);
	upd_test_fault_server_unref(self);
}

const gchar *
upd_test_fault_server_get_url(UpdTestFaultServer *self)
{
	return self->url;
}

guint16
upd_test_fault_server_get_port(UpdTestFaultServer *self)
{
	return self->port;
}

void
upd_test_fault_server_set_fault_prefix(UpdTestFaultServer *self, const gchar *prefix)
{
	g_mutex_lock(&self->lock);
	g_free(self->prefix);
	self->prefix = g_strdup(prefix);
	g_mutex_unlock(&self->lock);
}

void
upd_test_fault_server_set_fault(UpdTestFaultServer *self, UpdTestFault fault, guint64 param)
{
	g_mutex_lock(&self->lock);
	self->fault = fault;
	self->param = param;
	g_mutex_unlock(&self->lock);
}

void
upd_test_fault_server_push_fault(UpdTestFaultServer *self,
				 const gchar *path,
				 UpdTestFault fault,
				 guint64 param)
{
	UpdTestFaultOneShot *oneshot = g_new0(UpdTestFaultOneShot, 1);

	oneshot->path = g_strdup(path);
	oneshot->fault = fault;
	oneshot->param = param;
	g_mutex_lock(&self->lock);
	g_queue_push_tail(&self->oneshots, oneshot);
	g_mutex_unlock(&self->lock);
}

void
upd_test_fault_server_set_gate(UpdTestFaultServer *self, guint n, guint timeout_ms)
{
	g_mutex_lock(&self->lock);
	self->gate_n = n;
	self->gate_timeout_ms = timeout_ms;
	self->gate_open = FALSE;
	g_mutex_unlock(&self->lock);
}

GPtrArray *
upd_test_fault_server_get_requests(UpdTestFaultServer *self, const gchar *path_prefix)
{
	GPtrArray *requests =
		g_ptr_array_new_with_free_func((GDestroyNotify)upd_test_fault_request_free);

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->log->len; i++) {
		const UpdTestFaultRequest *request = g_ptr_array_index(self->log, i);
		if (path_prefix == NULL || g_str_has_prefix(request->path, path_prefix))
			g_ptr_array_add(requests, upd_test_fault_request_copy(request));
	}
	g_mutex_unlock(&self->lock);
	return requests;
}

guint
upd_test_fault_server_count_requests(UpdTestFaultServer *self, const gchar *path_prefix)
{
	g_autoptr(GPtrArray) requests = upd_test_fault_server_get_requests(self, path_prefix);
	return requests->len;
}

guint64
upd_test_fault_server_get_bytes_sent(UpdTestFaultServer *self, const gchar *path_prefix)
{
	g_autoptr(GPtrArray) requests = upd_test_fault_server_get_requests(self, path_prefix);
	guint64 total = 0;

	for (guint i = 0; i < requests->len; i++)
		total += ((UpdTestFaultRequest *)g_ptr_array_index(requests, i))->bytes_sent;
	return total;
}

guint
upd_test_fault_server_get_max_concurrent(UpdTestFaultServer *self)
{
	guint max;

	g_mutex_lock(&self->lock);
	max = self->max_handlers;
	g_mutex_unlock(&self->lock);
	return max;
}

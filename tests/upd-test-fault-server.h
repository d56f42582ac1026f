/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A static HTTP/1.1 file server for download tests that misbehaves on purpose.
 *
 * It serves the files of a repository directory on 127.0.0.1 (port 0), one
 * request per connection ("Connection: close"), from threads of its own, so a
 * test may call synchronous API while it runs. It honours Range and If-Range
 * (ETag "<size>-<mtime>") unless told otherwise, answers 405 to POST (so that
 * a client falls back to the static manifest) and 404 to missing files.
 *
 * Faults apply to the paths under a prefix ("/objects/" unless changed): a
 * default fault for every such request, and one-shot faults queued for the
 * next request of one path (or of any path) that take precedence. Every
 * request is logged, in the order the server read them. */

typedef enum {
	UPD_TEST_FAULT_NONE,
	/* close the connection after a random number of body bytes, between 1
	 * and 2 * file size / param, so that a whole transfer is cut about
	 * param times; the random numbers come from the server's seeded GRand */
	UPD_TEST_FAULT_CUT,
	/* close the connection after param body bytes */
	UPD_TEST_FAULT_CUT_AT,
	/* every byte of the body inverted */
	UPD_TEST_FAULT_WRONG_BYTES,
	/* answer 200 with the whole file, whatever Range says */
	UPD_TEST_FAULT_IGNORE_RANGE,
	/* send param body bytes, then nothing until the client gives up */
	UPD_TEST_FAULT_STALL,
	/* no Content-Length: the whole file, then extra bytes until the client
	 * closes the connection */
	UPD_TEST_FAULT_EXTRA_BYTES,
	/* a Content-Length param bytes larger than the file, and that many bytes */
	UPD_TEST_FAULT_LARGE_LENGTH,
	/* answer with status param (500, 404, ...) */
	UPD_TEST_FAULT_STATUS,
} UpdTestFault;

/* one request as the server saw it */
typedef struct {
	guint seq;
	gchar *method;
	gchar *path;
	gint64 range_start; /* -1 without a Range header */
	gchar *if_range;    /* (nullable) */
	gchar *etag;	    /* (nullable): the file's validator */
	guint status;
	UpdTestFault fault;
	guint64 bytes_sent; /* body bytes written */
	gboolean cut;	    /* the body ended before what the headers announced */
} UpdTestFaultRequest;

void
upd_test_fault_request_free(UpdTestFaultRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdTestFaultRequest, upd_test_fault_request_free)

typedef struct _UpdTestFaultServer UpdTestFaultServer;

UpdTestFaultServer *
upd_test_fault_server_new(const gchar *root, guint32 seed);
/* stops listening, wakes stalled connections and waits for every handler */
void
upd_test_fault_server_free(UpdTestFaultServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdTestFaultServer, upd_test_fault_server_free)

/* "http://127.0.0.1:PORT/" */
const gchar *
upd_test_fault_server_get_url(UpdTestFaultServer *self);
guint16
upd_test_fault_server_get_port(UpdTestFaultServer *self);

/* the paths faults apply to: "/objects/" by default, "/" for everything */
void
upd_test_fault_server_set_fault_prefix(UpdTestFaultServer *self, const gchar *prefix);
void
upd_test_fault_server_set_fault(UpdTestFaultServer *self, UpdTestFault fault, guint64 param);
/* a one-shot fault for the next request of @path (NULL: of any faulty path) */
void
upd_test_fault_server_push_fault(UpdTestFaultServer *self,
				 const gchar *path,
				 UpdTestFault fault,
				 guint64 param);
/* holds requests of faulty paths until @n of them are in progress at once,
 * or @timeout_ms passed; once reached, the gate stays open */
void
upd_test_fault_server_set_gate(UpdTestFaultServer *self, guint n, guint timeout_ms);

/* (element-type UpdTestFaultRequest): a copy of the log, in request order;
 * @path_prefix (nullable) selects requests */
GPtrArray *
upd_test_fault_server_get_requests(UpdTestFaultServer *self, const gchar *path_prefix);
guint
upd_test_fault_server_count_requests(UpdTestFaultServer *self, const gchar *path_prefix);
/* body bytes sent for paths under @path_prefix (NULL: all) */
guint64
upd_test_fault_server_get_bytes_sent(UpdTestFaultServer *self, const gchar *path_prefix);
/* the most connections the server handled at once */
guint
upd_test_fault_server_get_max_concurrent(UpdTestFaultServer *self);

/* Runs @service's accept loop in a thread with a main context of its own, so
 * that connections are accepted whatever the test's thread is doing (a
 * synchronous call iterates a private context, not the default one). Create
 * the service inactive ("active" FALSE); the thread starts it. */
typedef struct _UpdTestServiceThread UpdTestServiceThread;

UpdTestServiceThread *
upd_test_service_thread_start(GSocketService *service);
/* stops accepting and joins the thread; handlers may still be running */
void
upd_test_service_thread_stop(UpdTestServiceThread *thread);

/* reads an HTTP request head from @input: the request line and the headers
 * (lower-cased names); FALSE at EOF or on garbage. Shared with the tests'
 * proxy. */
gboolean
upd_test_http_read_head(GDataInputStream *input,
			gchar **method,
			gchar **target,
			GHashTable **headers,
			GCancellable *cancellable);

G_END_DECLS

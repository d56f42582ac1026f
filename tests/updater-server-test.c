/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The real updater-server over loopback: the check endpoint, the static
 * files with their HTTP validators and ranges, and every bad request it must
 * refuse while it keeps serving. Requests an HTTP client would normalise are
 * written on a raw socket. */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "upd-file-private.h"
#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-repo-layout-private.h"
#include "upd-test-common.h"

#define UPT_SERVER_TEST_APP	 "org.example.Editor"
#define UPT_SERVER_TEST_CHANNEL	 "stable"
#define UPT_SERVER_TEST_PROTOBUF "application/x-protobuf"

typedef struct {
	gchar *dir;	      /* (owned): everything the test made */
	gchar *repo;	      /* (owned) */
	gchar *key;	      /* (owned): the .secret file */
	gchar *manifest_path; /* (owned): the channel's static manifest on disk */
	UpdTestServer *server;
	SoupSession *session;
} UptServerTestFixture;

/* ------------------------------------------------------------ repository */

static gchar *
upt_server_test_make_payload(UptServerTestFixture *fixture, const gchar *version)
{
	g_autofree gchar *name = g_strdup_printf("editor-%s.tar.gz", version);
	g_autofree gchar *path = g_build_filename(fixture->dir, name, NULL);
	g_autofree gchar *text = g_strdup_printf("editor version %s\n", version);

	upd_test_make_tar_gz(path, "editor/VERSION", text, "editor/README",
			     "a small payload for updater-server-test\n", NULL);
	return g_steal_pointer(&path);
}

static void
upt_server_test_publish(UptServerTestFixture *fixture, const gchar *version)
{
	g_autofree gchar *payload = upt_server_test_make_payload(fixture, version);
	upd_test_publish(fixture->repo, fixture->key, UPT_SERVER_TEST_APP, version, payload, NULL);
}

static void
upt_server_test_setup(UptServerTestFixture *fixture, gconstpointer user_data)
{
	const gchar *const *extra_args = user_data;
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *public_line = NULL;
	g_autofree gchar *relative = NULL;

	fixture->dir = upd_test_mkdtemp("server");
	fixture->repo = g_build_filename(fixture->dir, "repo", NULL);
	prefix = g_build_filename(fixture->dir, "key", NULL);
	fixture->key = g_strconcat(prefix, ".secret", NULL);
	public_line = upd_test_keygen(prefix);
	g_assert_true(g_str_has_prefix(public_line, "ed25519:"));
	upt_server_test_publish(fixture, "1.0");
	upt_server_test_publish(fixture, "2.0");
	relative = upd_repo_manifest_path(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);
	fixture->manifest_path = g_build_filename(fixture->repo, relative, NULL);
	g_assert_true(g_file_test(fixture->manifest_path, G_FILE_TEST_IS_REGULAR));

	fixture->server = upd_test_server_start(fixture->repo, extra_args);
	fixture->session = soup_session_new_with_options("timeout", 20, "user-agent",
							 "updater-server-test", NULL);
}

static void
upt_server_test_teardown(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_clear_object(&fixture->session);
	/* asserts a clean exit: nothing the test sent crashed the server */
	g_clear_pointer(&fixture->server, upd_test_server_stop);
	g_assert_true(upd_file_rm_rf(fixture->dir, NULL));
	g_clear_pointer(&fixture->dir, g_free);
	g_clear_pointer(&fixture->repo, g_free);
	g_clear_pointer(&fixture->key, g_free);
	g_clear_pointer(&fixture->manifest_path, g_free);
}

static GBytes *
upt_server_test_read_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

static Updater__Manifest *
upt_server_test_decode_manifest(const ProtobufCBinaryData *signed_manifest)
{
	g_autoptr(Updater__SignedManifest) outer = NULL;
	Updater__Manifest *manifest;

	outer = updater__signed_manifest__unpack(NULL, signed_manifest->len, signed_manifest->data);
	g_assert_nonnull(outer);
	g_assert_true(outer->has_manifest);
	g_assert_cmpuint(outer->n_signatures, ==, 1);
	manifest = upd_manifest_unpack_inner(outer, NULL);
	g_assert_nonnull(manifest);
	g_assert_cmpstr(manifest->app_id, ==, UPT_SERVER_TEST_APP);
	g_assert_cmpstr(manifest->channel, ==, UPT_SERVER_TEST_CHANNEL);
	return manifest;
}

/* repository path of the payload object of the newest release */
static gchar *
upt_server_test_newest_object(UptServerTestFixture *fixture)
{
	g_autoptr(GBytes) bytes = upt_server_test_read_file(fixture->manifest_path);
	ProtobufCBinaryData data = {g_bytes_get_size(bytes),
				    (guint8 *)g_bytes_get_data(bytes, NULL)};
	g_autoptr(Updater__Manifest) manifest = upt_server_test_decode_manifest(&data);
	const Updater__Release *release;

	g_assert_cmpuint(manifest->n_releases, >=, 1);
	release = manifest->releases[manifest->n_releases - 1];
	g_assert_cmpuint(release->n_components, ==, 1);
	g_assert_nonnull(release->components[0]->payload);
	g_assert_nonnull(release->components[0]->payload->object);
	g_assert_true(g_str_has_prefix(release->components[0]->payload->object->path,
				       UPD_REPO_OBJECTS_DIR "/"));
	return g_strdup(release->components[0]->payload->object->path);
}

/* ------------------------------------------------------------------ HTTP */

static gchar *
upt_server_test_url(UptServerTestFixture *fixture, const gchar *path)
{
	return g_strconcat(fixture->server->url, path, NULL);
}

static GBytes *
upt_server_test_send(UptServerTestFixture *fixture, SoupMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = soup_session_send_and_read(fixture->session, msg, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(body);
	return g_steal_pointer(&body);
}

static GBytes *
upt_server_test_pack_request(const gchar *app_id, const gchar *channel)
{
	Updater__CheckRequest request = UPDATER__CHECK_REQUEST__INIT;
	Updater__InstalledComponent component = UPDATER__INSTALLED_COMPONENT__INIT;
	Updater__InstalledComponent *components[] = {&component};
	guint8 digest[32];

	memset(digest, 0xab, sizeof(digest));
	component.name = (gchar *)"main";
	component.version = (gchar *)"1.0";
	component.has_sha256 = TRUE;
	component.sha256.data = digest;
	component.sha256.len = sizeof(digest);
	request.app_id = (gchar *)app_id;
	request.channel = (gchar *)channel;
	request.installed_version = (gchar *)"1.0";
	request.platform = (gchar *)"linux";
	request.arch = (gchar *)"x86_64";
	request.n_components = G_N_ELEMENTS(components);
	request.components = components;
	request.has_highest_serial = TRUE;
	request.highest_serial = 1;
	request.client_version = (gchar *)"0.1.0";
	return upd_pb_pack((const ProtobufCMessage *)&request);
}

static SoupMessage *
upt_server_test_new_post(UptServerTestFixture *fixture, const gchar *content_type, GBytes *body)
{
	g_autofree gchar *url = upt_server_test_url(fixture, UPD_REPO_CHECK_PATH);
	SoupMessage *msg = soup_message_new(SOUP_METHOD_POST, url);

	soup_message_set_request_body_from_bytes(msg, content_type, body);
	return msg;
}

/* a check request that must succeed: returns the decoded answer */
static Updater__CheckResponse *
upt_server_test_check(UptServerTestFixture *fixture)
{
	g_autoptr(GBytes) request =
		upt_server_test_pack_request(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);
	g_autoptr(SoupMessage) msg =
		upt_server_test_new_post(fixture, UPT_SERVER_TEST_PROTOBUF, request);
	g_autoptr(GBytes) body = upt_server_test_send(fixture, msg);
	SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
	Updater__CheckResponse *response;

	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_cmpstr(soup_message_headers_get_content_type(headers, NULL), ==,
			UPT_SERVER_TEST_PROTOBUF);
	g_assert_cmpstr(soup_message_headers_get_one(headers, "Cache-Control"), ==, "no-store");
	response = updater__check_response__unpack(NULL, g_bytes_get_size(body),
						   g_bytes_get_data(body, NULL));
	g_assert_nonnull(response);
	g_assert_true(response->has_signed_manifest);
	return response;
}

/* the server still answers a valid check with the manifest on disk */
static void
upt_server_test_assert_serving(UptServerTestFixture *fixture)
{
	g_autoptr(Updater__CheckResponse) response = upt_server_test_check(fixture);
	g_autoptr(GBytes) on_disk = upt_server_test_read_file(fixture->manifest_path);
	g_autoptr(GBytes) answered =
		g_bytes_new(response->signed_manifest.data, response->signed_manifest.len);

	g_assert_true(g_bytes_equal(answered, on_disk));
}

/* a 4xx with a one-line text/plain reason */
static void
upt_server_test_assert_reason(guint status,
			      guint expected_status,
			      const gchar *content_type,
			      GBytes *body,
			      const gchar *reason_part)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);

	g_assert_cmpuint(status, ==, expected_status);
	g_assert_cmpstr(content_type, ==, "text/plain");
	g_assert_cmpuint(len, >, 1);
	text = g_strndup(data, len);
	g_assert_cmpuint(strlen(text), ==, len);
	/* exactly one line: a reason, then the newline */
	g_assert_true(g_str_has_suffix(text, "\n"));
	g_assert_null(strchr(text, '\r'));
	g_assert_true(strchr(text, '\n') == text + len - 1);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	if (reason_part != NULL)
		g_assert_nonnull(strstr(text, reason_part));
}

static void
upt_server_test_assert_soup_error(SoupMessage *msg,
				  GBytes *body,
				  guint expected_status,
				  const gchar *reason_part)
{
	SoupMessageHeaders *headers = soup_message_get_response_headers(msg);

	upt_server_test_assert_reason(soup_message_get_status(msg), expected_status,
				      soup_message_headers_get_content_type(headers, NULL), body,
				      reason_part);
}

/* POSTs a body to the check endpoint and asserts the refusal */
static void
upt_server_test_assert_post_refused(UptServerTestFixture *fixture,
				    const gchar *content_type,
				    GBytes *request,
				    guint expected_status,
				    const gchar *reason_part)
{
	g_autoptr(SoupMessage) msg = upt_server_test_new_post(fixture, content_type, request);
	g_autoptr(GBytes) body = upt_server_test_send(fixture, msg);

	upt_server_test_assert_soup_error(msg, body, expected_status, reason_part);
	upt_server_test_assert_serving(fixture);
}

static SoupMessage *
upt_server_test_new_get(UptServerTestFixture *fixture, const gchar *method, const gchar *path)
{
	g_autofree gchar *url = upt_server_test_url(fixture, path);
	SoupMessage *msg = soup_message_new(method, url);

	g_assert_nonnull(msg);
	return msg;
}

static void
upt_server_test_assert_get_refused(UptServerTestFixture *fixture,
				   const gchar *method,
				   const gchar *path,
				   guint expected_status,
				   const gchar *reason_part)
{
	g_autoptr(SoupMessage) msg = upt_server_test_new_get(fixture, method, path);
	g_autoptr(GBytes) body = upt_server_test_send(fixture, msg);

	if (method == SOUP_METHOD_HEAD) {
		/* the same answer without its body */
		g_assert_cmpuint(soup_message_get_status(msg), ==, expected_status);
		g_assert_cmpstr(soup_message_headers_get_content_type(
					soup_message_get_response_headers(msg), NULL),
				==, "text/plain");
		g_assert_cmpuint(g_bytes_get_size(body), ==, 0);
	} else {
		upt_server_test_assert_soup_error(msg, body, expected_status, reason_part);
	}
	upt_server_test_assert_serving(fixture);
}

/* ------------------------------------------------------------ raw socket */

typedef struct {
	guint status;
	SoupMessageHeaders *headers; /* (owned) */
	GBytes *body;		     /* (owned) */
} UptServerTestRawResponse;

static void
upt_server_test_raw_response_free(UptServerTestRawResponse *response)
{
	g_clear_pointer(&response->headers, soup_message_headers_unref);
	g_clear_pointer(&response->body, g_bytes_unref);
	g_free(response);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UptServerTestRawResponse, upt_server_test_raw_response_free)

/* the first max bytes of a body as a string, "" when empty */
static gchar *
upt_server_test_body_text(GBytes *body, gsize max)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);

	return len > 0 ? g_strndup(data, MIN(len, max)) : g_strdup("");
}

static guint16
upt_server_test_port(UptServerTestFixture *fixture)
{
	g_autoptr(GUri) uri = g_uri_parse(fixture->server->url, G_URI_FLAGS_NONE, NULL);

	g_assert_nonnull(uri);
	g_assert_cmpint(g_uri_get_port(uri), >, 0);
	return (guint16)g_uri_get_port(uri);
}

/* Writes request bytes exactly as given and reads one response: the status
 * line and headers, then Content-Length bytes of body, or up to EOF (always
 * for HEAD). Fails with an error when the answer is not complete in time. */
static UptServerTestRawResponse *
upt_server_test_raw_full(UptServerTestFixture *fixture,
			 const gchar *request,
			 gboolean head,
			 guint timeout,
			 GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) connection = NULL;
	g_autoptr(GByteArray) buffer = g_byte_array_new();
	g_autofree gchar *reason = NULL;
	g_autoptr(UptServerTestRawResponse) response = g_new0(UptServerTestRawResponse, 1);
	GInputStream *input;
	gssize header_len = -1;
	goffset content_length = -1;

	g_socket_client_set_timeout(client, timeout);
	connection = g_socket_client_connect_to_host(client, "127.0.0.1",
						     upt_server_test_port(fixture), NULL, error);
	if (connection == NULL)
		return NULL;
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(connection)),
				       request, strlen(request), NULL, NULL, error))
		return NULL;
	input = g_io_stream_get_input_stream(G_IO_STREAM(connection));

	for (;;) {
		guint8 chunk[4096];
		gssize n;

		if (header_len >= 0 && content_length >= 0 &&
		    (goffset)buffer->len >= header_len + content_length)
			break;
		n = g_input_stream_read(input, chunk, sizeof(chunk), NULL, error);
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		g_byte_array_append(buffer, chunk, (guint)n);
		if (header_len < 0) {
			const gchar *end =
				g_strstr_len((const gchar *)buffer->data, buffer->len, "\r\n\r\n");
			SoupHTTPVersion version;

			if (end == NULL)
				continue;
			header_len = end + 4 - (const gchar *)buffer->data;
			response->headers = soup_message_headers_new(SOUP_MESSAGE_HEADERS_RESPONSE);
			g_assert_true(soup_headers_parse_response(
				(const gchar *)buffer->data, (int)header_len, response->headers,
				&version, &response->status, &reason));
			/* a HEAD answer is read up to EOF: no body may follow */
			if (!head && soup_message_headers_get_encoding(response->headers) ==
					     SOUP_ENCODING_CONTENT_LENGTH)
				content_length =
					soup_message_headers_get_content_length(response->headers);
		}
	}
	if (header_len < 0 ||
	    (content_length >= 0 && (goffset)buffer->len < header_len + content_length)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
			    "connection closed after %u bytes of a response", buffer->len);
		return NULL;
	}
	/* nothing follows the response: the server closes (Connection: close) */
	if (content_length >= 0)
		g_assert_cmpint((goffset)buffer->len, ==, header_len + content_length);
	response->body = g_bytes_new(buffer->data + header_len, buffer->len - header_len);
	return g_steal_pointer(&response);
}

static UptServerTestRawResponse *
upt_server_test_raw(UptServerTestFixture *fixture, const gchar *request, gboolean head)
{
	g_autoptr(GError) error = NULL;
	UptServerTestRawResponse *response =
		upt_server_test_raw_full(fixture, request, head, 20, &error);

	g_assert_no_error(error);
	g_assert_nonnull(response);
	return response;
}

/* the server answers a local request in milliseconds */
#define UPT_SERVER_TEST_ANSWER_TIMEOUT 2

/* marks the test failed without aborting it; every failure is logged, not
 * only the last */
static void
upt_server_test_fail(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

static void
upt_server_test_fail(const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_test_message("FAIL: %s", text);
	g_test_fail_printf("%s", text);
}

/* For requests a faulty server leaves unanswered: a short answer timeout,
 * and a failure that does not abort the program, so that the fixture still
 * stops the server and the other tests run. Returns NULL after marking the
 * test failed. */
static UptServerTestRawResponse *
upt_server_test_expect_raw(UptServerTestFixture *fixture,
			   const gchar *what,
			   const gchar *request,
			   guint expected_status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UptServerTestRawResponse) response = upt_server_test_raw_full(
		fixture, request, FALSE, UPT_SERVER_TEST_ANSWER_TIMEOUT, &error);
	g_autofree gchar *text = NULL;

	if (response == NULL) {
		upt_server_test_fail("%s: expected %u, but no complete answer within %d s: %s",
				     what, expected_status, UPT_SERVER_TEST_ANSWER_TIMEOUT,
				     error->message);
		return NULL;
	}
	if (response->status != expected_status) {
		text = upt_server_test_body_text(response->body, 200);
		upt_server_test_fail(
			"%s: expected %u, got %u (Content-Range: %s) %s", what, expected_status,
			response->status,
			soup_message_headers_get_one(response->headers, "Content-Range"),
			g_strstrip(text));
		return NULL;
	}
	return g_steal_pointer(&response);
}

static void
upt_server_test_assert_raw_refused(UptServerTestFixture *fixture,
				   const gchar *request,
				   guint expected_status,
				   const gchar *reason_part)
{
	g_autoptr(UptServerTestRawResponse) response = upt_server_test_raw(fixture, request, FALSE);
	g_autofree gchar *text = upt_server_test_body_text(response->body, G_MAXSIZE);

	if (g_test_verbose())
		g_printerr("%u %s", response->status, text);
	upt_server_test_assert_reason(
		response->status, expected_status,
		soup_message_headers_get_content_type(response->headers, NULL), response->body,
		reason_part);
	upt_server_test_assert_serving(fixture);
}

/* A raw request line for a file outside the repository: refused, never
 * served. with_reason is FALSE for what libsoup refuses itself before any
 * handler runs (an empty 400). */
static void
upt_server_test_assert_raw_traversal(UptServerTestFixture *fixture,
				     const gchar *request_line,
				     const gchar *host_header,
				     guint expected_status,
				     gboolean with_reason)
{
	g_autofree gchar *request =
		g_strdup_printf("%s\r\n%sConnection: close\r\n\r\n", request_line, host_header);
	gboolean head = g_str_has_prefix(request_line, "HEAD ");
	g_autoptr(UptServerTestRawResponse) response = upt_server_test_raw(fixture, request, head);
	g_autofree gchar *text = upt_server_test_body_text(response->body, G_MAXSIZE);

	if (g_test_verbose())
		g_printerr("%s -> %u %s\n", request_line, response->status, text);
	g_assert_null(strstr(text, "root:"));
	if (head) {
		g_assert_cmpuint(response->status, ==, expected_status);
		g_assert_cmpuint(g_bytes_get_size(response->body), ==, 0);
	} else if (with_reason) {
		upt_server_test_assert_reason(
			response->status, expected_status,
			soup_message_headers_get_content_type(response->headers, NULL),
			response->body, NULL);
	} else {
		g_assert_cmpuint(response->status, ==, expected_status);
		g_assert_cmpuint(g_bytes_get_size(response->body), ==, 0);
	}
	upt_server_test_assert_serving(fixture);
}

/* ----------------------------------------------------------- check tests */

static const gchar *const upt_server_test_poll_args[] = {"--poll-interval", "77", NULL};

static void
upt_server_test_check_ok(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(Updater__CheckResponse) response = upt_server_test_check(fixture);
	g_autoptr(GBytes) on_disk = upt_server_test_read_file(fixture->manifest_path);
	g_autoptr(GBytes) answered =
		g_bytes_new(response->signed_manifest.data, response->signed_manifest.len);
	g_autoptr(Updater__Manifest) manifest = NULL;

	/* byte for byte the static file: both ways of fetching verify the same bytes */
	g_assert_true(g_bytes_equal(answered, on_disk));
	g_assert_true(response->has_poll_interval);
	g_assert_cmpuint(response->poll_interval, ==, 77);
	manifest = upt_server_test_decode_manifest(&response->signed_manifest);
	g_assert_cmpuint(manifest->serial, ==, 2);
	g_assert_cmpuint(manifest->n_releases, ==, 2);
	g_assert_cmpstr(manifest->releases[0]->version, ==, "1.0");
	g_assert_cmpstr(manifest->releases[1]->version, ==, "2.0");
}

static void
upt_server_test_check_no_poll_interval(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(Updater__CheckResponse) response = upt_server_test_check(fixture);

	/* without --poll-interval the server has no opinion */
	g_assert_false(response->has_poll_interval);
	g_assert_cmpuint(response->poll_interval, ==, 0);
	upt_server_test_assert_serving(fixture);
}

static void
upt_server_test_check_garbage(UptServerTestFixture *fixture, gconstpointer user_data)
{
	guint8 garbage[256];
	g_autoptr(GBytes) request = NULL;
	g_autoptr(Updater__CheckRequest) parsed = NULL;

	/* random bytes that protobuf-c rejects (most random buffers are) */
	do {
		g_clear_pointer(&parsed, upd_pb_free_updater__check_request);
		for (guint i = 0; i < sizeof(garbage); i++)
			garbage[i] = (guint8)g_test_rand_int_range(0, 256);
		parsed = updater__check_request__unpack(NULL, sizeof(garbage), garbage);
	} while (parsed != NULL);
	request = g_bytes_new(garbage, sizeof(garbage));
	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, request,
					    SOUP_STATUS_BAD_REQUEST, "malformed CheckRequest");
}

static void
upt_server_test_check_truncated(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) valid =
		upt_server_test_pack_request(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);
	g_autoptr(GBytes) truncated = NULL;
	g_autoptr(Updater__CheckRequest) parsed = NULL;
	gsize len = g_bytes_get_size(valid);

	/* the last field is the client_version string: without its last byte the
	 * length prefix points past the end, which protobuf-c refuses */
	parsed = updater__check_request__unpack(NULL, len, g_bytes_get_data(valid, NULL));
	g_assert_nonnull(parsed);
	g_clear_pointer(&parsed, upd_pb_free_updater__check_request);
	parsed = updater__check_request__unpack(NULL, len - 1, g_bytes_get_data(valid, NULL));
	g_assert_null(parsed);

	truncated = g_bytes_new_from_bytes(valid, 0, len - 1);
	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, truncated,
					    SOUP_STATUS_BAD_REQUEST, "malformed CheckRequest");
}

static void
upt_server_test_check_content_type(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) request =
		upt_server_test_pack_request(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);

	upt_server_test_assert_post_refused(fixture, "text/plain", request,
					    SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
					    UPT_SERVER_TEST_PROTOBUF);
	upt_server_test_assert_post_refused(fixture, "application/json", request,
					    SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "application/json");
	/* no Content-Type at all */
	upt_server_test_assert_post_refused(fixture, NULL, request,
					    SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "(none)");
}

static void
upt_server_test_check_too_large(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *request = NULL;
	g_autofree gchar *zeros = g_malloc0(UPD_REPO_MAX_REQUEST);
	g_autoptr(GBytes) at_limit = NULL;
	g_autoptr(Updater__CheckRequest) parsed = NULL;

	/* a client that waits for "100 Continue" is refused from the headers
	 * alone, before it sends any of the body */
	request = g_strdup_printf("POST /" UPD_REPO_CHECK_PATH " HTTP/1.1\r\n"
				  "Host: 127.0.0.1\r\n"
				  "Content-Type: " UPT_SERVER_TEST_PROTOBUF "\r\n"
				  "Content-Length: %d\r\n"
				  "Expect: 100-continue\r\n"
				  "Connection: close\r\n\r\n",
				  UPD_REPO_MAX_REQUEST + 1);
	upt_server_test_assert_raw_refused(fixture, request, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
					   "1048576");

	/* exactly the limit is read and parsed: zeros are not protobuf */
	parsed = updater__check_request__unpack(NULL, UPD_REPO_MAX_REQUEST, (guint8 *)zeros);
	g_assert_null(parsed);
	at_limit = g_bytes_new_take(g_steal_pointer(&zeros), UPD_REPO_MAX_REQUEST);
	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, at_limit,
					    SOUP_STATUS_BAD_REQUEST, "malformed CheckRequest");
}

/* A refused check request is answered from its headers: the server must not
 * wait for (and buffer) a body it will never use, whatever its size; the
 * early handler exists for that. */
static void
upt_server_test_check_refused_before_body(UptServerTestFixture *fixture, gconstpointer user_data)
{
	const struct {
		const gchar *what;
		const gchar *headers;
		guint status;
	} cases[] = {
		{"Content-Length over the limit",
		 "Content-Type: " UPT_SERVER_TEST_PROTOBUF "\r\nContent-Length: 1073741824\r\n",
		 SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE},
		{"chunked body",
		 "Content-Type: " UPT_SERVER_TEST_PROTOBUF "\r\nTransfer-Encoding: chunked\r\n",
		 SOUP_STATUS_LENGTH_REQUIRED},
		{"wrong content type", "Content-Type: text/plain\r\nContent-Length: 1000\r\n",
		 SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *request =
			g_strdup_printf("POST /" UPD_REPO_CHECK_PATH " HTTP/1.1\r\n"
					"Host: 127.0.0.1\r\n"
					"%s"
					"Connection: close\r\n\r\n",
					cases[i].headers);
		g_autoptr(UptServerTestRawResponse) response = upt_server_test_expect_raw(
			fixture, cases[i].what, request, cases[i].status);

		if (response != NULL)
			upt_server_test_assert_reason(
				response->status, cases[i].status,
				soup_message_headers_get_content_type(response->headers, NULL),
				response->body, NULL);
		upt_server_test_assert_serving(fixture);
	}
}

static void
upt_server_test_check_chunked(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) request =
		upt_server_test_pack_request(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);
	g_autofree gchar *url = upt_server_test_url(fixture, UPD_REPO_CHECK_PATH);
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_POST, url);
	g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes(request);
	g_autoptr(GBytes) body = NULL;
	g_autofree gchar *raw = NULL;

	/* libsoup sends a stream of unknown length chunked */
	soup_message_set_request_body(msg, UPT_SERVER_TEST_PROTOBUF, stream, -1);
	g_assert_cmpint(soup_message_headers_get_encoding(soup_message_get_request_headers(msg)),
			==, SOUP_ENCODING_CHUNKED);
	body = upt_server_test_send(fixture, msg);
	upt_server_test_assert_soup_error(msg, body, SOUP_STATUS_LENGTH_REQUIRED, "Content-Length");
	upt_server_test_assert_serving(fixture);

	/* the same on a raw socket, with a well-formed chunked body */
	raw = g_strdup_printf("POST /" UPD_REPO_CHECK_PATH " HTTP/1.1\r\n"
			      "Host: 127.0.0.1\r\n"
			      "Content-Type: " UPT_SERVER_TEST_PROTOBUF "\r\n"
			      "Transfer-Encoding: chunked\r\n"
			      "Connection: close\r\n\r\n"
			      "3\r\nabc\r\n0\r\n\r\n");
	upt_server_test_assert_raw_refused(fixture, raw, SOUP_STATUS_LENGTH_REQUIRED,
					   "Content-Length");
}

static void
upt_server_test_check_invalid_app_id(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) traversal = upt_server_test_pack_request("../x", UPT_SERVER_TEST_CHANNEL);
	g_autoptr(GBytes) bad_channel = upt_server_test_pack_request(UPT_SERVER_TEST_APP, "../x");
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);

	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, traversal,
					    SOUP_STATUS_BAD_REQUEST, "../x");
	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, bad_channel,
					    SOUP_STATUS_BAD_REQUEST, "../x");
	/* an empty body is a valid CheckRequest without the required app id */
	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, empty,
					    SOUP_STATUS_BAD_REQUEST, "application id");
}

static void
upt_server_test_check_unknown_app(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) request =
		upt_server_test_pack_request("org.example.Unknown", UPT_SERVER_TEST_CHANNEL);

	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, request,
					    SOUP_STATUS_NOT_FOUND, "org.example.Unknown");
}

static void
upt_server_test_check_unknown_channel(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GBytes) request = upt_server_test_pack_request(UPT_SERVER_TEST_APP, "beta");

	upt_server_test_assert_post_refused(fixture, UPT_SERVER_TEST_PROTOBUF, request,
					    SOUP_STATUS_NOT_FOUND, "beta");
}

static void
upt_server_test_check_wrong_method(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(SoupMessage) msg =
		upt_server_test_new_get(fixture, SOUP_METHOD_GET, UPD_REPO_CHECK_PATH);
	g_autoptr(GBytes) body = upt_server_test_send(fixture, msg);

	upt_server_test_assert_soup_error(msg, body, SOUP_STATUS_METHOD_NOT_ALLOWED, "POST");
	g_assert_cmpstr(
		soup_message_headers_get_one(soup_message_get_response_headers(msg), "Allow"), ==,
		"POST");
	upt_server_test_assert_serving(fixture);
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_PUT, UPD_REPO_CHECK_PATH,
					   SOUP_STATUS_METHOD_NOT_ALLOWED, "POST");
}

static void
upt_server_test_check_live_publish(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(Updater__CheckResponse) before = upt_server_test_check(fixture);
	g_autoptr(Updater__CheckResponse) after = NULL;
	g_autoptr(Updater__Manifest) manifest = NULL;
	g_autoptr(GBytes) on_disk = NULL;
	g_autoptr(GBytes) answered = NULL;
	g_autofree gchar *object = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) static_manifest = NULL;
	const Updater__Release *release;

	manifest = upt_server_test_decode_manifest(&before->signed_manifest);
	g_assert_cmpuint(manifest->serial, ==, 2);
	g_assert_cmpuint(manifest->n_releases, ==, 2);
	g_clear_pointer(&manifest, upd_pb_free_updater__manifest);

	/* the same server process, no restart */
	upt_server_test_publish(fixture, "3.0");
	after = upt_server_test_check(fixture);
	on_disk = upt_server_test_read_file(fixture->manifest_path);
	answered = g_bytes_new(after->signed_manifest.data, after->signed_manifest.len);
	g_assert_true(g_bytes_equal(answered, on_disk));
	manifest = upt_server_test_decode_manifest(&after->signed_manifest);
	g_assert_cmpuint(manifest->serial, ==, 3);
	g_assert_cmpuint(manifest->n_releases, ==, 3);
	release = manifest->releases[2];
	g_assert_cmpstr(release->version, ==, "3.0");
	g_assert_cmpuint(release->n_components, ==, 1);
	g_assert_nonnull(release->components[0]->payload);
	g_assert_nonnull(release->components[0]->payload->object);

	/* the static manifest and the new object are served too */
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET,
				      "apps/" UPT_SERVER_TEST_APP "/" UPT_SERVER_TEST_CHANNEL
				      "/" UPD_REPO_MANIFEST);
	static_manifest = upt_server_test_send(fixture, msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(static_manifest, on_disk));
	g_clear_object(&msg);
	object = upt_server_test_newest_object(fixture);
	g_assert_cmpstr(object, ==, release->components[0]->payload->object->path);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, object);
	body = upt_server_test_send(fixture, msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_cmpuint(g_bytes_get_size(body), ==,
			 release->components[0]->payload->object->stored_size);
}

/* ------------------------------------------------------------ file tests */

typedef struct {
	gchar *path;   /* (owned): repository path of an object */
	GBytes *bytes; /* (owned): its contents on disk */
	gchar *etag;   /* (owned) */
} UptServerTestObject;

static void
upt_server_test_object_clear(UptServerTestObject *object)
{
	g_clear_pointer(&object->path, g_free);
	g_clear_pointer(&object->bytes, g_bytes_unref);
	g_clear_pointer(&object->etag, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UptServerTestObject, upt_server_test_object_clear)

/* GETs the newest payload object in full and checks it against the disk */
static void
upt_server_test_get_object(UptServerTestFixture *fixture, UptServerTestObject *object)
{
	g_autofree gchar *disk_path = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	SoupMessageHeaders *headers;

	object->path = upt_server_test_newest_object(fixture);
	disk_path = g_build_filename(fixture->repo, object->path, NULL);
	object->bytes = upt_server_test_read_file(disk_path);
	/* big enough for the ranges below */
	g_assert_cmpuint(g_bytes_get_size(object->bytes), >, 40);

	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, object->path);
	body = upt_server_test_send(fixture, msg);
	headers = soup_message_get_response_headers(msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, object->bytes));
	g_assert_cmpint(soup_message_headers_get_content_length(headers), ==,
			(goffset)g_bytes_get_size(object->bytes));
	g_assert_cmpstr(soup_message_headers_get_one(headers, "Accept-Ranges"), ==, "bytes");
	g_assert_null(soup_message_headers_get_one(headers, "Content-Range"));
	g_assert_nonnull(soup_message_headers_get_one(headers, "Last-Modified"));
	object->etag = g_strdup(soup_message_headers_get_one(headers, "ETag"));
	g_assert_nonnull(object->etag);
	/* a strong validator, quoted */
	g_assert_true(g_str_has_prefix(object->etag, "\""));
	g_assert_true(g_str_has_suffix(object->etag, "\""));
}

/* a ranged GET; returns the body and the status */
static GBytes *
upt_server_test_get_range(UptServerTestFixture *fixture,
			  UptServerTestObject *object,
			  const gchar *range,
			  const gchar *if_range,
			  guint *status,
			  gchar **content_range)
{
	g_autoptr(SoupMessage) msg =
		upt_server_test_new_get(fixture, SOUP_METHOD_GET, object->path);
	SoupMessageHeaders *request_headers = soup_message_get_request_headers(msg);
	GBytes *body;

	soup_message_headers_replace(request_headers, "Range", range);
	if (if_range != NULL)
		soup_message_headers_replace(request_headers, "If-Range", if_range);
	body = upt_server_test_send(fixture, msg);
	*status = soup_message_get_status(msg);
	*content_range = g_strdup(soup_message_headers_get_one(
		soup_message_get_response_headers(msg), "Content-Range"));
	return body;
}

static void
upt_server_test_files_full(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) on_disk = NULL;

	upt_server_test_get_object(fixture, &object);

	/* the static manifest is served with the protobuf content type */
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET,
				      "apps/" UPT_SERVER_TEST_APP "/" UPT_SERVER_TEST_CHANNEL
				      "/" UPD_REPO_MANIFEST);
	body = upt_server_test_send(fixture, msg);
	on_disk = upt_server_test_read_file(fixture->manifest_path);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, on_disk));
	g_assert_cmpstr(
		soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL),
		==, UPT_SERVER_TEST_PROTOBUF);
}

static void
upt_server_test_files_range(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) expected = NULL;
	g_autofree gchar *content_range = NULL;
	g_autofree gchar *expected_range = NULL;
	guint status = 0;

	upt_server_test_get_object(fixture, &object);
	body = upt_server_test_get_range(fixture, &object, "bytes=10-20", NULL, &status,
					 &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_PARTIAL_CONTENT);
	expected = g_bytes_new_from_bytes(object.bytes, 10, 11);
	g_assert_true(g_bytes_equal(body, expected));
	expected_range =
		g_strdup_printf("bytes 10-20/%" G_GSIZE_FORMAT, g_bytes_get_size(object.bytes));
	g_assert_cmpstr(content_range, ==, expected_range);
}

static void
upt_server_test_files_suffix_range(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) expected = NULL;
	g_autofree gchar *content_range = NULL;
	g_autofree gchar *expected_range = NULL;
	gsize size;
	guint status = 0;

	upt_server_test_get_object(fixture, &object);
	size = g_bytes_get_size(object.bytes);
	body = upt_server_test_get_range(fixture, &object, "bytes=-5", NULL, &status,
					 &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_PARTIAL_CONTENT);
	expected = g_bytes_new_from_bytes(object.bytes, size - 5, 5);
	g_assert_true(g_bytes_equal(body, expected));
	expected_range =
		g_strdup_printf("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
				size - 5, size - 1, size);
	g_assert_cmpstr(content_range, ==, expected_range);

	/* an open-ended range: from an offset to the end, as a resuming client asks */
	g_clear_pointer(&body, g_bytes_unref);
	g_clear_pointer(&expected, g_bytes_unref);
	g_clear_pointer(&content_range, g_free);
	g_clear_pointer(&expected_range, g_free);
	body = upt_server_test_get_range(fixture, &object, "bytes=7-", NULL, &status,
					 &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_PARTIAL_CONTENT);
	expected = g_bytes_new_from_bytes(object.bytes, 7, size - 7);
	g_assert_true(g_bytes_equal(body, expected));
	expected_range =
		g_strdup_printf("bytes 7-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT, size - 1, size);
	g_assert_cmpstr(content_range, ==, expected_range);
}

static gchar *
upt_server_test_range_request(UptServerTestObject *object, const gchar *range)
{
	return g_strdup_printf("GET /%s HTTP/1.1\r\n"
			       "Host: 127.0.0.1\r\n"
			       "Range: %s\r\n"
			       "Connection: close\r\n\r\n",
			       object->path, range);
}

static void
upt_server_test_files_range_unsatisfiable(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	gsize size;
	g_autofree gchar *unsatisfied = NULL;
	g_autofree gchar *beyond = NULL;
	g_autofree gchar *at_end = NULL;

	upt_server_test_get_object(fixture, &object);
	size = g_bytes_get_size(object.bytes);
	/* RFC 9110 section 15.5.17: the unsatisfied-range form */
	unsatisfied = g_strdup_printf("bytes */%" G_GSIZE_FORMAT, size);
	beyond =
		g_strdup_printf("bytes=%" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT, size + 10, size + 20);
	at_end = g_strdup_printf("bytes=%" G_GSIZE_FORMAT "-", size);

	/* a range that starts past the end, and one that starts at the end */
	for (guint i = 0; i < 2; i++) {
		const gchar *range = i == 0 ? beyond : at_end;
		g_autofree gchar *request = upt_server_test_range_request(&object, range);
		g_autoptr(UptServerTestRawResponse) response = upt_server_test_expect_raw(
			fixture, range, request, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);

		if (response != NULL) {
			upt_server_test_assert_reason(
				response->status, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
				soup_message_headers_get_content_type(response->headers, NULL),
				response->body, "range not satisfiable");
			g_assert_cmpstr(
				soup_message_headers_get_one(response->headers, "Content-Range"),
				==, unsatisfied);
		}
		upt_server_test_assert_serving(fixture);
	}
}

/* a range that ends past the end is satisfiable: it ends at the last byte
 * (RFC 9110 section 14.1.1), as a client downloading in fixed-size pieces
 * relies on */
static void
upt_server_test_files_range_past_end(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(UptServerTestRawResponse) response = NULL;
	g_autoptr(GBytes) expected = NULL;
	g_autofree gchar *range = NULL;
	g_autofree gchar *request = NULL;
	g_autofree gchar *expected_range = NULL;
	gsize size;

	upt_server_test_get_object(fixture, &object);
	size = g_bytes_get_size(object.bytes);
	range = g_strdup_printf("bytes=10-%" G_GSIZE_FORMAT, size + 1000);
	request = upt_server_test_range_request(&object, range);
	response = upt_server_test_expect_raw(fixture, range, request, SOUP_STATUS_PARTIAL_CONTENT);
	if (response != NULL) {
		expected = g_bytes_new_from_bytes(object.bytes, 10, size - 10);
		g_assert_true(g_bytes_equal(response->body, expected));
		expected_range = g_strdup_printf("bytes 10-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
						 size - 1, size);
		g_assert_cmpstr(soup_message_headers_get_one(response->headers, "Content-Range"),
				==, expected_range);
	}
	upt_server_test_assert_serving(fixture);
}

/* A Range header that is not a valid byte range may be ignored (200 with the
 * file) or refused (416), but a 416 carries a well-formed Content-Range. */
static void
upt_server_test_files_range_invalid(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	const gchar *ranges[] = {"bytes=20-10", "bytes=abc"};
	g_autofree gchar *unsatisfied = NULL;

	upt_server_test_get_object(fixture, &object);
	unsatisfied = g_strdup_printf("bytes */%" G_GSIZE_FORMAT, g_bytes_get_size(object.bytes));
	for (guint i = 0; i < G_N_ELEMENTS(ranges); i++) {
		g_autofree gchar *request = upt_server_test_range_request(&object, ranges[i]);
		g_autoptr(UptServerTestRawResponse) response =
			upt_server_test_raw(fixture, request, FALSE);
		const gchar *content_range =
			soup_message_headers_get_one(response->headers, "Content-Range");

		if (response->status == SOUP_STATUS_OK) {
			g_assert_true(g_bytes_equal(response->body, object.bytes));
			g_assert_null(content_range);
		} else if (response->status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE) {
			if (g_strcmp0(content_range, unsatisfied) != 0)
				upt_server_test_fail("%s: 416 with Content-Range '%s', not '%s'",
						     ranges[i], content_range, unsatisfied);
		} else {
			upt_server_test_fail("%s: status %u", ranges[i], response->status);
		}
		upt_server_test_assert_serving(fixture);
	}
}

static void
upt_server_test_files_if_range(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) expected = NULL;
	g_autofree gchar *content_range = NULL;
	guint status = 0;

	upt_server_test_get_object(fixture, &object);

	/* the client's copy is current: the range applies */
	body = upt_server_test_get_range(fixture, &object, "bytes=10-20", object.etag, &status,
					 &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_PARTIAL_CONTENT);
	expected = g_bytes_new_from_bytes(object.bytes, 10, 11);
	g_assert_true(g_bytes_equal(body, expected));
	g_assert_nonnull(content_range);

	/* it changed: the whole file, with no Content-Range */
	g_clear_pointer(&body, g_bytes_unref);
	g_clear_pointer(&content_range, g_free);
	body = upt_server_test_get_range(fixture, &object, "bytes=10-20", "\"not-the-etag\"",
					 &status, &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, object.bytes));
	g_assert_null(content_range);
}

static void
upt_server_test_files_if_none_match(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autofree gchar *list = NULL;

	upt_server_test_get_object(fixture, &object);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, object.path);
	soup_message_headers_replace(soup_message_get_request_headers(msg), "If-None-Match",
				     object.etag);
	body = upt_server_test_send(fixture, msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_NOT_MODIFIED);
	g_assert_cmpuint(g_bytes_get_size(body), ==, 0);
	g_assert_cmpstr(
		soup_message_headers_get_one(soup_message_get_response_headers(msg), "ETag"), ==,
		object.etag);

	/* one of several tags matches too */
	g_clear_object(&msg);
	g_clear_pointer(&body, g_bytes_unref);
	list = g_strdup_printf("\"other\", %s", object.etag);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, object.path);
	soup_message_headers_replace(soup_message_get_request_headers(msg), "If-None-Match", list);
	body = upt_server_test_send(fixture, msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_NOT_MODIFIED);
	g_assert_cmpuint(g_bytes_get_size(body), ==, 0);

	/* a stale tag gets the file */
	g_clear_object(&msg);
	g_clear_pointer(&body, g_bytes_unref);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, object.path);
	soup_message_headers_replace(soup_message_get_request_headers(msg), "If-None-Match",
				     "\"stale\"");
	body = upt_server_test_send(fixture, msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, object.bytes));
}

static void
upt_server_test_files_head(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(UptServerTestRawResponse) raw = NULL;
	g_autofree gchar *request = NULL;
	SoupMessageHeaders *headers;

	upt_server_test_get_object(fixture, &object);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_HEAD, object.path);
	body = upt_server_test_send(fixture, msg);
	headers = soup_message_get_response_headers(msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_cmpuint(g_bytes_get_size(body), ==, 0);
	g_assert_cmpint(soup_message_headers_get_content_length(headers), ==,
			(goffset)g_bytes_get_size(object.bytes));
	g_assert_cmpstr(soup_message_headers_get_one(headers, "ETag"), ==, object.etag);
	g_assert_cmpstr(soup_message_headers_get_one(headers, "Accept-Ranges"), ==, "bytes");

	/* on the wire: no body bytes follow the headers before the server closes */
	request = g_strdup_printf("HEAD /%s HTTP/1.1\r\n"
				  "Host: 127.0.0.1\r\n"
				  "Connection: close\r\n\r\n",
				  object.path);
	raw = upt_server_test_raw(fixture, request, TRUE);
	g_assert_cmpuint(raw->status, ==, SOUP_STATUS_OK);
	g_assert_cmpint(soup_message_headers_get_content_length(raw->headers), ==,
			(goffset)g_bytes_get_size(object.bytes));
	g_assert_cmpuint(g_bytes_get_size(raw->body), ==, 0);
}

static void
upt_server_test_files_multi_range(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(GBytes) body = NULL;
	g_autofree gchar *content_range = NULL;
	guint status = 0;

	upt_server_test_get_object(fixture, &object);
	/* several ranges are answered with the whole file */
	body = upt_server_test_get_range(fixture, &object, "bytes=0-1,10-20", NULL, &status,
					 &content_range);
	g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, object.bytes));
	g_assert_null(content_range);
}

static void
upt_server_test_files_put(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_auto(UptServerTestObject) object = {NULL};
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) replacement = g_bytes_new_static("overwritten", 11);
	g_autofree gchar *disk_path = NULL;
	g_autoptr(GBytes) after = NULL;

	upt_server_test_get_object(fixture, &object);
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_PUT, object.path);
	soup_message_set_request_body_from_bytes(msg, "application/octet-stream", replacement);
	body = upt_server_test_send(fixture, msg);
	upt_server_test_assert_soup_error(msg, body, SOUP_STATUS_METHOD_NOT_ALLOWED, "PUT");
	g_assert_cmpstr(
		soup_message_headers_get_one(soup_message_get_response_headers(msg), "Allow"), ==,
		"GET, HEAD");
	upt_server_test_assert_serving(fixture);

	/* nothing was written */
	disk_path = g_build_filename(fixture->repo, object.path, NULL);
	after = upt_server_test_read_file(disk_path);
	g_assert_true(g_bytes_equal(after, object.bytes));

	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_DELETE, object.path,
					   SOUP_STATUS_METHOD_NOT_ALLOWED, "DELETE");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_POST, object.path,
					   SOUP_STATUS_METHOD_NOT_ALLOWED, "POST");
	g_assert_true(g_file_test(disk_path, G_FILE_TEST_IS_REGULAR));
}

static void
upt_server_test_files_traversal(UptServerTestFixture *fixture, gconstpointer user_data)
{
	const gchar *host = "Host: 127.0.0.1\r\n";
	g_autofree gchar *fingerprint = upd_test_tree_fingerprint(fixture->repo);
	g_autofree gchar *after = NULL;

	/* dot segments, plain or percent-encoded, are removed while the request
	 * URI is resolved, before the server sees the path: what is left is
	 * /etc/passwd inside the repository, which does not exist */
	upt_server_test_assert_raw_traversal(fixture, "GET /../etc/passwd HTTP/1.1", host,
					     SOUP_STATUS_NOT_FOUND, TRUE);
	upt_server_test_assert_raw_traversal(fixture, "GET /../../../../../etc/passwd HTTP/1.1",
					     host, SOUP_STATUS_NOT_FOUND, TRUE);
	upt_server_test_assert_raw_traversal(fixture,
					     "GET /objects/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", host,
					     SOUP_STATUS_NOT_FOUND, TRUE);
	upt_server_test_assert_raw_traversal(fixture,
					     "GET /objects/%2E%2E/%2E%2E/etc/passwd HTTP/1.1", host,
					     SOUP_STATUS_NOT_FOUND, TRUE);
	upt_server_test_assert_raw_traversal(fixture, "HEAD /../etc/passwd HTTP/1.1", host,
					     SOUP_STATUS_NOT_FOUND, TRUE);

	/* libsoup itself refuses an encoded slash that would make "..", an
	 * encoded NUL, and dot segments it does not resolve (HTTP/1.0 without
	 * Host), with an empty 400 */
	upt_server_test_assert_raw_traversal(fixture,
					     "GET /objects%2f..%2f..%2fetc%2fpasswd HTTP/1.1", host,
					     SOUP_STATUS_BAD_REQUEST, FALSE);
	upt_server_test_assert_raw_traversal(fixture, "GET /objects/%00/x HTTP/1.1", host,
					     SOUP_STATUS_BAD_REQUEST, FALSE);
	upt_server_test_assert_raw_traversal(fixture, "GET /../etc/passwd HTTP/1.0", "",
					     SOUP_STATUS_BAD_REQUEST, FALSE);
	/* a relative request target */
	upt_server_test_assert_raw_traversal(fixture, "GET ../etc/passwd HTTP/1.1", host,
					     SOUP_STATUS_BAD_REQUEST, FALSE);

	after = upd_test_tree_fingerprint(fixture->repo);
	g_assert_cmpstr(after, ==, fingerprint);
}

static void
upt_server_test_files_hidden(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *lock = g_build_filename(fixture->repo, ".lock", NULL);
	g_autofree gchar *staging = g_build_filename(fixture->repo, ".staging-x", "file", NULL);
	g_autofree gchar *hidden_object =
		g_build_filename(fixture->repo, UPD_REPO_OBJECTS_DIR, ".hidden", NULL);

	/* the publisher's lock exists, and is still not served */
	g_assert_true(g_file_test(lock, G_FILE_TEST_IS_REGULAR));
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, ".lock", SOUP_STATUS_FORBIDDEN,
					   "/.lock");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_HEAD, ".lock",
					   SOUP_STATUS_FORBIDDEN, NULL);

	/* a staging directory in the middle of a publication */
	upd_test_write_file(staging, "half-written", -1, 0644);
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, ".staging-x",
					   SOUP_STATUS_FORBIDDEN, "/.staging-x");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, ".staging-x/file",
					   SOUP_STATUS_FORBIDDEN, "/.staging-x/file");
	upd_test_write_file(hidden_object, "hidden", -1, 0644);
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET,
					   UPD_REPO_OBJECTS_DIR "/.hidden", SOUP_STATUS_FORBIDDEN,
					   NULL);
}

static void
upt_server_test_files_symlink(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *evil =
		g_build_filename(fixture->repo, UPD_REPO_OBJECTS_DIR, "evil", NULL);
	g_autofree gchar *sibling_dir = g_strconcat(fixture->repo, "-sibling", NULL);
	g_autofree gchar *sibling_file = g_build_filename(sibling_dir, "secret", NULL);
	g_autofree gchar *sibling_link =
		g_build_filename(fixture->repo, UPD_REPO_OBJECTS_DIR, "sibling", NULL);
	g_autofree gchar *inside_link =
		g_build_filename(fixture->repo, UPD_REPO_OBJECTS_DIR, "inside", NULL);
	g_autofree gchar *relative = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GBytes) on_disk = NULL;

	g_assert_cmpint(symlink("/etc", evil), ==, 0);
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET,
					   UPD_REPO_OBJECTS_DIR "/evil/passwd",
					   SOUP_STATUS_FORBIDDEN, "outside the repository");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, UPD_REPO_OBJECTS_DIR "/evil",
					   SOUP_STATUS_FORBIDDEN, "outside the repository");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_HEAD,
					   UPD_REPO_OBJECTS_DIR "/evil/hostname",
					   SOUP_STATUS_FORBIDDEN, NULL);

	/* a directory whose name merely starts with the repository's */
	upd_test_write_file(sibling_file, "not in the repository", -1, 0644);
	g_assert_cmpint(symlink(sibling_dir, sibling_link), ==, 0);
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET,
					   UPD_REPO_OBJECTS_DIR "/sibling/secret",
					   SOUP_STATUS_FORBIDDEN, "outside the repository");

	/* a link that stays inside the repository is fine */
	relative = upd_repo_manifest_path(UPT_SERVER_TEST_APP, UPT_SERVER_TEST_CHANNEL);
	g_assert_true(g_str_has_prefix(relative, UPD_REPO_APPS_DIR "/"));
	{
		g_autofree gchar *target = g_build_filename("..", relative, NULL);
		g_assert_cmpint(symlink(target, inside_link), ==, 0);
	}
	msg = upt_server_test_new_get(fixture, SOUP_METHOD_GET, UPD_REPO_OBJECTS_DIR "/inside");
	body = upt_server_test_send(fixture, msg);
	on_disk = upt_server_test_read_file(fixture->manifest_path);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	g_assert_true(g_bytes_equal(body, on_disk));
}

static void
upt_server_test_files_missing(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *object = upt_server_test_newest_object(fixture);
	g_autofree gchar *missing = g_strconcat(object, "0", NULL);

	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, missing, SOUP_STATUS_NOT_FOUND,
					   "no such file");
	upt_server_test_assert_get_refused(
		fixture, SOUP_METHOD_GET,
		UPD_REPO_OBJECTS_DIR
		"/00/0000000000000000000000000000000000000000000000000000000000000000",
		SOUP_STATUS_NOT_FOUND, "no such file");
	/* a directory is not a file */
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, UPD_REPO_OBJECTS_DIR,
					   SOUP_STATUS_NOT_FOUND, "no such file");
	upt_server_test_assert_get_refused(fixture, SOUP_METHOD_GET, "apps/org.example.Unknown/x",
					   SOUP_STATUS_NOT_FOUND, "no such file");
}

/* ------------------------------------------------------------ resources */

static const gchar *
upt_server_test_pid(UptServerTestFixture *fixture)
{
	const gchar *pid = g_subprocess_get_identifier(fixture->server->process);
	g_assert_nonnull(pid);
	return pid;
}

static guint
upt_server_test_count_fds(UptServerTestFixture *fixture)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%s/fd", upt_server_test_pid(fixture));
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	guint count = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		count++;
	return count;
}

/* VmHWM, the peak resident memory of the server, in KiB */
static guint64
upt_server_test_peak_rss(UptServerTestFixture *fixture)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%s/status", upt_server_test_pid(fixture));
	g_autofree gchar *status = NULL;
	const gchar *line;

	g_assert_true(g_file_get_contents(path, &status, NULL, NULL));
	line = strstr(status, "VmHWM:");
	g_assert_nonnull(line);
	return g_ascii_strtoull(line + strlen("VmHWM:"), NULL, 10);
}

/* Clients that close kept-alive connections while idle: libsoup 3.2 alone
 * leaks one descriptor each (CLOSE_WAIT) and the server eventually fails with
 * "Too many open files"; updater-server must release them. */
static void
upt_server_test_resources_closed_idle(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *request = g_strdup_printf("GET /apps/%s/stable/manifest HTTP/1.1\r\n"
						    "Host: 127.0.0.1\r\n\r\n",
						    UPT_SERVER_TEST_APP);
	guint before = upt_server_test_count_fds(fixture);
	guint after = 0;

	for (guint i = 0; i < 300; i++) {
		g_autoptr(GSocketClient) client = g_socket_client_new();
		g_autoptr(GSocketConnection) conn = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GDataInputStream) in = NULL;
		g_autofree gchar *status_line = NULL;
		guint64 content_length = 0;
		gsize skipped = 0;

		conn = g_socket_client_connect_to_host(client, "127.0.0.1",
						       upt_server_test_port(fixture), NULL, &error);
		g_assert_no_error(error);
		g_assert_true(
			g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
						  request, strlen(request), NULL, NULL, &error));
		g_assert_no_error(error);
		in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
		g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(in), FALSE);
		status_line = g_data_input_stream_read_line(in, NULL, NULL, &error);
		g_assert_no_error(error);
		g_assert_true(g_str_has_prefix(status_line, "HTTP/1.1 200"));
		for (;;) {
			g_autofree gchar *line =
				g_data_input_stream_read_line(in, NULL, NULL, &error);
			g_assert_no_error(error);
			g_assert_nonnull(line);
			g_strchomp(line);
			if (line[0] == '\0')
				break;
			if (g_ascii_strncasecmp(line, "Content-Length:", 15) == 0)
				content_length = g_ascii_strtoull(line + 15, NULL, 10);
		}
		/* the whole answer is read, the connection stays open: then we go */
		while (skipped < content_length) {
			gssize n = g_input_stream_skip(G_INPUT_STREAM(in), content_length - skipped,
						       NULL, &error);
			g_assert_no_error(error);
			g_assert_cmpint(n, >, 0);
			skipped += (gsize)n;
		}
		g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
	}

	/* the server notices the closes asynchronously: give it a moment */
	for (guint i = 0; i < 500; i++) {
		after = upt_server_test_count_fds(fixture);
		if (after <= before + 5)
			break;
		g_usleep(10000);
	}
	g_test_message("descriptors: %u before, %u after 300 closed connections", before, after);
	g_assert_cmpuint(after, <=, before + 5);
	upt_server_test_assert_serving(fixture);
}

/* A refused check request is answered on its headers: the body, however
 * large, is neither waited for nor buffered. */
static void
upt_server_test_resources_refused_body(UptServerTestFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *chunk = g_malloc0(1024 * 1024);
	g_autofree gchar *answer = NULL;
	GOutputStream *out;
	GInputStream *in;
	const gchar *headers = "POST /" UPD_REPO_CHECK_PATH " HTTP/1.1\r\n"
			       "Host: 127.0.0.1\r\n"
			       "Content-Type: " UPT_SERVER_TEST_PROTOBUF "\r\n"
			       "Content-Length: 209715200\r\n\r\n";
	guint64 rss_before = upt_server_test_peak_rss(fixture);
	guint64 rss_after;
	gchar buf[512];
	gssize n;

	conn = g_socket_client_connect_to_host(client, "127.0.0.1", upt_server_test_port(fixture),
					       NULL, &error);
	g_assert_no_error(error);
	out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	g_assert_true(g_output_stream_write_all(out, headers, strlen(headers), NULL, NULL, &error));
	g_assert_no_error(error);
	/* push 64 MiB of the announced 200 MiB; the server may hang up meanwhile */
	for (guint i = 0; i < 64; i++) {
		if (!g_output_stream_write_all(out, chunk, 1024 * 1024, NULL, NULL, NULL))
			break;
	}
	g_socket_set_timeout(g_socket_connection_get_socket(conn), 5);
	n = g_input_stream_read(in, buf, sizeof(buf) - 1, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, >, 0);
	buf[n] = '\0';
	answer = g_strdup(buf);
	g_assert_true(g_str_has_prefix(answer, "HTTP/1.1 413"));

	rss_after = upt_server_test_peak_rss(fixture);
	g_test_message("server peak RSS: %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT
		       " KiB after",
		       rss_before, rss_after);
	g_assert_cmpuint(rss_after, <, rss_before + 16 * 1024);
	upt_server_test_assert_serving(fixture);
}

/* ------------------------------------------------------------------ main */

int
main(int argc, char **argv)
{
	g_autofree gchar **args = NULL;
	const struct {
		const gchar *path;
		void (*func)(UptServerTestFixture *, gconstpointer);
		const gchar *const *extra_args;
	} tests[] = {
		{"/updater-server/check/ok", upt_server_test_check_ok, upt_server_test_poll_args},
		{"/updater-server/check/no-poll-interval", upt_server_test_check_no_poll_interval,
		 NULL},
		{"/updater-server/check/garbage", upt_server_test_check_garbage, NULL},
		{"/updater-server/check/truncated", upt_server_test_check_truncated, NULL},
		{"/updater-server/check/content-type", upt_server_test_check_content_type, NULL},
		{"/updater-server/check/too-large", upt_server_test_check_too_large, NULL},
		{"/updater-server/check/refused-before-body",
		 upt_server_test_check_refused_before_body, NULL},
		{"/updater-server/check/chunked", upt_server_test_check_chunked, NULL},
		{"/updater-server/check/invalid-app-id", upt_server_test_check_invalid_app_id,
		 NULL},
		{"/updater-server/check/unknown-app", upt_server_test_check_unknown_app, NULL},
		{"/updater-server/check/unknown-channel", upt_server_test_check_unknown_channel,
		 NULL},
		{"/updater-server/check/wrong-method", upt_server_test_check_wrong_method, NULL},
		{"/updater-server/check/live-publish", upt_server_test_check_live_publish, NULL},
		{"/updater-server/files/full", upt_server_test_files_full, NULL},
		{"/updater-server/files/range", upt_server_test_files_range, NULL},
		{"/updater-server/files/suffix-range", upt_server_test_files_suffix_range, NULL},
		{"/updater-server/files/range-unsatisfiable",
		 upt_server_test_files_range_unsatisfiable, NULL},
		{"/updater-server/files/range-past-end", upt_server_test_files_range_past_end,
		 NULL},
		{"/updater-server/files/range-invalid", upt_server_test_files_range_invalid, NULL},
		{"/updater-server/files/if-range", upt_server_test_files_if_range, NULL},
		{"/updater-server/files/if-none-match", upt_server_test_files_if_none_match, NULL},
		{"/updater-server/files/head", upt_server_test_files_head, NULL},
		{"/updater-server/files/multi-range", upt_server_test_files_multi_range, NULL},
		{"/updater-server/files/put", upt_server_test_files_put, NULL},
		{"/updater-server/files/traversal", upt_server_test_files_traversal, NULL},
		{"/updater-server/files/hidden", upt_server_test_files_hidden, NULL},
		{"/updater-server/files/symlink", upt_server_test_files_symlink, NULL},
		{"/updater-server/files/missing", upt_server_test_files_missing, NULL},
		{"/updater-server/resources/closed-idle", upt_server_test_resources_closed_idle,
		 NULL},
		{"/updater-server/resources/refused-body", upt_server_test_resources_refused_body,
		 NULL},
	};

	/* A server bug is reported with g_test_fail() (see upt_server_test_fail())
	 * rather than an abort: keep going, so that it does not hide the results
	 * of the tests after it. The exit status still says that a test failed. */
	args = g_new0(gchar *, argc + 2);
	memcpy(args, argv, sizeof(gchar *) * argc);
	args[argc++] = (gchar *)"--keep-going";
	upd_test_init(&argc, &args);
	for (guint i = 0; i < G_N_ELEMENTS(tests); i++)
		g_test_add(tests[i].path, UptServerTestFixture, tests[i].extra_args,
			   upt_server_test_setup, tests[i].func, upt_server_test_teardown);
	return g_test_run();
}

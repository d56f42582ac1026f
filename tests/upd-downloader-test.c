/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upd-file-private.h"
#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-plan-private.h"
#include "upd-repo-layout-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"
#include "upd-test-fault-server.h"
#include "updater.h"

#define APP_ID		"org.example.App"
#define KIB		1024
#define MIB		(1024 * 1024)
#define WAIT_TIMEOUT_MS 60000

/* Everything a download test owns: a key, a repository made with the real
 * updater-publish, a cache and a state directory of its own. */
typedef struct {
	gchar *dir;
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *install_dir;
	guint n_configs;
} Fixture;

static void
fixture_use_cache(Fixture *f, const gchar *name)
{
	g_autofree gchar *cache = g_build_filename(f->dir, name, NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
}

static const gchar *const proxy_variables[] = {
	"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	"all_proxy",  "ALL_PROXY",  "no_proxy",	   "NO_PROXY",
};

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *state = NULL;

	f->dir = upd_test_mkdtemp("downloader");
	/* the library reads these on every call: no test sees another's cache */
	state = g_build_filename(f->dir, "state", NULL);
	g_setenv("XDG_STATE_HOME", state, TRUE);
	fixture_use_cache(f, "cache");
	/* no proxy from the caller's environment (test_proxy sets its own) */
	for (guint i = 0; i < G_N_ELEMENTS(proxy_variables); i++) {
		if (g_getenv(proxy_variables[i]) != NULL)
			g_unsetenv(proxy_variables[i]);
	}
	f->repo = g_build_filename(f->dir, "repo", NULL);
	f->install_dir = g_build_filename(f->dir, "install", NULL);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	if (g_getenv("http_proxy") != NULL)
		g_unsetenv("http_proxy");
	if (g_getenv("UPD_TEST_KEEP") == NULL) {
		upd_file_rm_rf(f->dir, &error);
		g_assert_no_error(error);
	}
	g_free(f->dir);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->install_dir);
}

/* ---- payloads ---- */

/* random bytes: zstd cannot make them smaller, so they are stored raw */
static void
write_random_file(const gchar *path, gsize size)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(g_test_rand_int());
	g_autofree guint32 *words = g_new(guint32, size / 4 + 1);

	for (gsize i = 0; i < size / 4 + 1; i++)
		words[i] = g_rand_int(rand);
	upd_test_write_file(path, (const gchar *)words, (gssize)size, 0644);
}

/* text zstd shrinks a lot: stored compressed */
static void
write_text_file(const gchar *path, gsize size)
{
	g_autoptr(GString) text = g_string_sized_new(size + 128);

	for (guint i = 0; text->len < size; i++)
		g_string_append_printf(text,
				       "line %u: the quick brown fox jumps over the lazy dog %u\n",
				       i, i % 97);
	g_string_truncate(text, size);
	upd_test_write_file(path, text->str, (gssize)text->len, 0644);
}

static gchar *
file_hex(const gchar *path)
{
	guint8 digest[UPD_SHA256_LEN];
	g_autoptr(GError) error = NULL;

	g_assert_true(upd_sha256_file(path, digest, NULL, NULL, &error));
	g_assert_no_error(error);
	return upd_sha256_to_hex(digest);
}

static guint64
file_size(const gchar *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return (guint64)st.st_size;
}

static gchar *
fixture_payload_dir(Fixture *f, const gchar *version)
{
	g_autofree gchar *name = g_strdup_printf("payload-%s", version);
	return g_build_filename(f->dir, name, NULL);
}

/* publishes the directory @payload as a tree release with the real tool */
static void
fixture_publish(Fixture *f, const gchar *version, const gchar *payload)
{
	upd_test_publish(f->repo, f->key, APP_ID, version, payload, NULL);
}

/* ---- configuration, check and plan ---- */

/* writes an application key file and returns its path; @mirrors is a
 * NULL-terminated list; extra "Key=Value" lines follow */
static gchar *
fixture_write_config(Fixture *f, const gchar *endpoint, const gchar *const *mirrors, ...)
	G_GNUC_NULL_TERMINATED;

static gchar *
fixture_write_config(Fixture *f, const gchar *endpoint, const gchar *const *mirrors, ...)
{
	g_autofree gchar *name = g_strdup_printf("app-%u.conf", f->n_configs++);
	g_autofree gchar *path = g_build_filename(f->dir, name, NULL);
	g_autoptr(GString) text = g_string_new("[Application]\n");
	const gchar *line;
	va_list args;

	g_string_append_printf(text, "Id=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n", APP_ID,
			       endpoint, f->public_line, f->install_dir);
	if (mirrors != NULL && mirrors[0] != NULL) {
		g_autofree gchar *joined = g_strjoinv(";", (gchar **)mirrors);
		g_string_append_printf(text, "Mirrors=%s\n", joined);
	}
	va_start(args, mirrors);
	while ((line = va_arg(args, const gchar *)) != NULL)
		g_string_append_printf(text, "%s\n", line);
	va_end(args);
	upd_test_write_file(path, text->str, (gssize)text->len, 0644);
	return g_steal_pointer(&path);
}

static UpdAppConfig *
load_config(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	UpdAppConfig *config = upd_app_config_new_from_file(path, &error);

	g_assert_no_error(error);
	g_assert_nonnull(config);
	return config;
}

/* check and plan, with the synchronous API: the servers run in threads */
static UpdPlan *
make_plan(UpdAppConfig *config)
{
	g_autoptr(UpdClient) client = upd_client_new(config);
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	UpdPlan *plan;

	result = upd_client_check(client, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(upd_check_result_get_update(result));
	plan = upd_client_plan(client, result, upd_check_result_get_update(result), NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(plan);
	return plan;
}

static const UpdPlanItem *
plan_item_for_file(UpdPlan *plan, const gchar *path)
{
	g_autofree gchar *hex = file_hex(path);
	guint8 digest[UPD_SHA256_LEN];
	const UpdPlanItem *item;

	g_assert_true(upd_sha256_from_hex(hex, digest));
	item = upd_plan_lookup(plan, digest);
	g_assert_nonnull(item);
	return item;
}

/* the path the server sees for an object */
static gchar *
item_url_path(const UpdPlanItem *item)
{
	return g_strconcat("/", item->object->path, NULL);
}

static gchar *
item_partial_path(const UpdPlanItem *item)
{
	g_autofree gchar *final = upd_plan_cache_path(item->hex);
	return g_strconcat(final, ".partial", NULL);
}

/* the object is in the cache under its final name, with its content */
static void
assert_cached(const UpdPlanItem *item)
{
	g_autofree gchar *path = upd_plan_cache_path(item->hex);
	g_autofree gchar *partial = g_strconcat(path, ".partial", NULL);
	g_autofree gchar *hex = NULL;

	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	hex = file_hex(path);
	g_assert_cmpstr(hex, ==, item->hex);
	g_assert_cmpuint(file_size(path), ==, item->object->size);
	g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
}

/* ---- running a download on the default main context ---- */

static void
async_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static gboolean
timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static void
wait_result(GAsyncResult **res, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, timeout_cb, &timed_out);

	while (*res == NULL && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	g_assert_nonnull(*res);
}

static gboolean
download(UpdDownloader *downloader, UpdPlan *plan, GCancellable *cancellable, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	upd_downloader_download_async(downloader, plan, cancellable, async_cb, &res);
	wait_result(&res, WAIT_TIMEOUT_MS);
	return upd_downloader_download_finish(downloader, res, error);
}

/* a URL where nothing listens: a port bound, then closed */
static gchar *
dead_url(void)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);

	g_assert_no_error(error);
	g_socket_listener_close(listener);
	return g_strdup_printf("http://127.0.0.1:%u/", port);
}

/* the requests of one object form one transfer: each resumes where the
 * previous one stopped, with If-Range; returns how many were cut */
static guint
assert_resume_chain(GPtrArray *requests, guint64 stored_size)
{
	guint64 offset = 0;
	guint cuts = 0;

	g_assert_cmpuint(requests->len, >, 0);
	for (guint i = 0; i < requests->len; i++) {
		const UpdTestFaultRequest *request = g_ptr_array_index(requests, i);
		if (i == 0) {
			g_assert_cmpint(request->range_start, ==, -1);
			g_assert_cmpuint(request->status, ==, 200);
		} else {
			const UpdTestFaultRequest *previous = g_ptr_array_index(requests, i - 1);
			g_assert_cmpint(request->range_start, >, previous->range_start);
			g_assert_cmpint(request->range_start, ==, (gint64)offset);
			g_assert_cmpuint(request->status, ==, 206);
			/* the server's validator goes back to the same server */
			g_assert_cmpstr(request->if_range, ==, request->etag);
		}
		offset += request->bytes_sent;
		if (request->cut)
			cuts++;
		else
			g_assert_cmpuint(i, ==, requests->len - 1);
	}
	g_assert_cmpuint(offset, ==, stored_size);
	return cuts;
}

/* ---- 1. cuts ---- */

static void
test_cuts(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *big = g_build_filename(payload, "big.bin", NULL);
	g_autofree gchar *text = g_build_filename(payload, "notes.txt", NULL);
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	const UpdPlanItem *items[2];
	guint32 seed = g_test_rand_int();

	/* both above 8 MiB, so that they are hashed on threads of their own
	 * (upd_sha256_new_threaded()) across all those resumes */
	write_random_file(big, 8 * MIB + 12345);
	write_text_file(text, 9 * MIB);
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, seed);
	/* about 80 cuts per object, at random offsets */
	upd_test_fault_server_set_fault(server, UPD_TEST_FAULT_CUT, 80);
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	g_assert_cmpuint(upd_plan_get_n_fetch(plan), ==, 2);
	items[0] = plan_item_for_file(plan, big);
	items[1] = plan_item_for_file(plan, text);
	/* both storage forms are covered */
	g_assert_cmpint(items[0]->object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);
	g_assert_cmpuint(items[0]->object->stored_size, ==, items[0]->object->size);
	g_assert_cmpint(items[1]->object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_ZSTD);
	g_assert_cmpuint(items[1]->object->stored_size, <, items[1]->object->size / 4);

	downloader = upd_downloader_new(config);
	g_assert_true(download(downloader, plan, NULL, &error));
	g_assert_no_error(error);

	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_autofree gchar *url_path = item_url_path(items[i]);
		g_autoptr(GPtrArray) requests =
			upd_test_fault_server_get_requests(server, url_path);
		guint cuts = assert_resume_chain(requests, items[i]->object->stored_size);

		g_test_message("object %s (%s, %" G_GUINT64_FORMAT " bytes stored): %u requests, "
			       "%u cuts, seed %u",
			       items[i]->hex, i == 0 ? "raw" : "zstd",
			       (guint64)items[i]->object->stored_size, requests->len, cuts, seed);
		g_assert_cmpuint(requests->len, >=, 50);
		g_assert_cmpuint(cuts, ==, requests->len - 1);
		assert_cached(items[i]);
	}
	/* nothing was received twice */
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader), ==,
			 upd_plan_get_download_size(plan));
}

/* ---- 2. wrong bytes ---- */

static void
test_wrong_bytes(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *contents = NULL;
	g_autofree gchar *actual = NULL;
	g_autofree gchar *final = NULL;
	g_autofree gchar *partial = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *tmp = NULL;
	g_autofree gchar *needle = NULL;
	g_autoptr(UpdTestFaultServer) endpoint = NULL;
	g_autoptr(UpdTestFaultServer) mirror = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	guint8 digest[UPD_SHA256_LEN];
	const UpdPlanItem *item;
	const gchar *mirrors[2] = {NULL, NULL};
	gsize len = 0;

	write_random_file(file, 256 * KIB);
	fixture_publish(f, "1.0", payload);
	/* what a server that inverts every byte sends */
	g_assert_true(g_file_get_contents(file, &contents, &len, NULL));
	for (gsize i = 0; i < len; i++)
		contents[i] = (gchar)(contents[i] ^ 0xff);
	upd_sha256_data(contents, len, digest);
	actual = upd_sha256_to_hex(digest);

	endpoint = upd_test_fault_server_new(f->repo, g_test_rand_int());
	mirror = upd_test_fault_server_new(f->repo, g_test_rand_int());
	upd_test_fault_server_set_fault(endpoint, UPD_TEST_FAULT_WRONG_BYTES, 0);
	upd_test_fault_server_set_fault(mirror, UPD_TEST_FAULT_WRONG_BYTES, 0);
	mirrors[0] = upd_test_fault_server_get_url(mirror);
	config_path =
		fixture_write_config(f, upd_test_fault_server_get_url(endpoint), mirrors, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	item = plan_item_for_file(plan, file);
	g_assert_cmpint(item->object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);

	downloader = upd_downloader_new(config);
	g_assert_false(download(downloader, plan, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH);
	g_test_message("%s", error->message);
	/* the object, the actual and the expected digest */
	needle = g_strdup_printf("object %s", item->hex);
	g_assert_nonnull(strstr(error->message, needle));
	g_clear_pointer(&needle, g_free);
	needle = g_strdup_printf("SHA-256 is %s", actual);
	g_assert_nonnull(strstr(error->message, needle));
	g_clear_pointer(&needle, g_free);
	needle = g_strdup_printf("expected %s", item->hex);
	g_assert_nonnull(strstr(error->message, needle));
	/* both servers were asked, once each: bad data moves to the next URL */
	g_assert_cmpuint(upd_test_fault_server_count_requests(endpoint, "/objects/"), ==, 1);
	g_assert_cmpuint(upd_test_fault_server_count_requests(mirror, "/objects/"), ==, 1);

	/* nothing of the wrong bytes is kept */
	final = upd_plan_cache_path(item->hex);
	partial = item_partial_path(item);
	meta = g_strconcat(final, ".partial.meta", NULL);
	tmp = g_strconcat(final, ".tmp", NULL);
	g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(meta, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	/* upd-fetch-private.h: "a mismatch removes the partial"; reported as a
	 * failure without stopping the program, so the other tests still run */
	if (g_file_test(partial, G_FILE_TEST_EXISTS))
		g_test_fail_printf("%s is left behind (%" G_GUINT64_FORMAT
				   " bytes) after every server sent wrong bytes",
				   partial, file_size(partial));
}

/* ---- 3. a server that ignores Range ---- */

static void
test_ignores_range(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *big = g_build_filename(payload, "big.bin", NULL);
	g_autofree gchar *text = g_build_filename(payload, "notes.txt", NULL);
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	const UpdPlanItem *items[2];
	guint64 expected_received = 0;

	write_random_file(big, 1 * MIB + 777);
	write_text_file(text, 1 * MIB);
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	items[0] = plan_item_for_file(plan, big);
	items[1] = plan_item_for_file(plan, text);
	g_assert_cmpint(items[1]->object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_ZSTD);

	/* the first attempt breaks half way, leaving a partial; then the server
	 * answers every Range request with 200 and the whole object */
	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_autofree gchar *url_path = item_url_path(items[i]);
		upd_test_fault_server_push_fault(server, url_path, UPD_TEST_FAULT_CUT_AT,
						 items[i]->object->stored_size / 2);
	}
	upd_test_fault_server_set_fault(server, UPD_TEST_FAULT_IGNORE_RANGE, 0);
	downloader = upd_downloader_new(config);
	g_assert_true(download(downloader, plan, NULL, &error));
	g_assert_no_error(error);

	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_autofree gchar *url_path = item_url_path(items[i]);
		g_autoptr(GPtrArray) requests =
			upd_test_fault_server_get_requests(server, url_path);
		guint64 stored = items[i]->object->stored_size;
		const UpdTestFaultRequest *first;
		const UpdTestFaultRequest *second;

		g_assert_cmpuint(requests->len, ==, 2);
		first = g_ptr_array_index(requests, 0);
		second = g_ptr_array_index(requests, 1);
		g_assert_cmpint(first->range_start, ==, -1);
		g_assert_true(first->cut);
		g_assert_cmpuint(first->bytes_sent, ==, stored / 2);
		/* the partial was resumed, the server answered 200 from byte 0 */
		g_assert_cmpint(second->range_start, ==, (gint64)(stored / 2));
		g_assert_cmpuint(second->status, ==, 200);
		g_assert_cmpuint(second->bytes_sent, ==, stored);
		g_assert_false(second->cut);
		expected_received += stored / 2 + stored;
		assert_cached(items[i]);
	}
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader), ==, expected_received);
}

/* ---- 4. stall ---- */

static void
test_stall(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *url_path = NULL;
	g_autoptr(UpdTestFaultServer) endpoint = NULL;
	g_autoptr(UpdTestFaultServer) mirror = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GPtrArray) mirror_requests = NULL;
	g_autoptr(GError) error = NULL;
	const UpdTestFaultRequest *request;
	const UpdPlanItem *item;
	const gchar *mirrors[2] = {NULL, NULL};
	guint64 half;
	gint64 start;
	gint64 elapsed;

	write_random_file(file, 2 * MIB);
	fixture_publish(f, "1.0", payload);
	endpoint = upd_test_fault_server_new(f->repo, g_test_rand_int());
	mirror = upd_test_fault_server_new(f->repo, g_test_rand_int());
	mirrors[0] = upd_test_fault_server_get_url(mirror);
	config_path =
		fixture_write_config(f, upd_test_fault_server_get_url(endpoint), mirrors, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	item = plan_item_for_file(plan, file);
	url_path = item_url_path(item);
	half = item->object->stored_size / 2;
	/* the first answer stops after half the object and keeps the connection open */
	upd_test_fault_server_push_fault(endpoint, url_path, UPD_TEST_FAULT_STALL, half);

	downloader = upd_downloader_new(config);
	upd_downloader_set_stall_timeout(downloader, 1);
	start = g_get_monotonic_time();
	g_assert_true(download(downloader, plan, NULL, &error));
	elapsed = g_get_monotonic_time() - start;
	g_assert_no_error(error);
	g_test_message("stalled download completed in %.2f s", (gdouble)elapsed / G_USEC_PER_SEC);
	g_assert_cmpint(elapsed, >=, 1 * G_USEC_PER_SEC);
	g_assert_cmpint(elapsed, <, 10 * G_USEC_PER_SEC);
	assert_cached(item);

	/* the stalled answer, then one resuming at the half (here or on the mirror) */
	requests = upd_test_fault_server_get_requests(endpoint, url_path);
	mirror_requests = upd_test_fault_server_get_requests(mirror, url_path);
	g_assert_cmpuint(requests->len + mirror_requests->len, ==, 2);
	request = g_ptr_array_index(requests, 0);
	g_assert_cmpint(request->fault, ==, UPD_TEST_FAULT_STALL);
	g_assert_cmpuint(request->bytes_sent, ==, half);
	request = requests->len == 2 ? g_ptr_array_index(requests, 1)
				     : g_ptr_array_index(mirror_requests, 0);
	g_assert_cmpint(request->range_start, ==, (gint64)half);
	g_assert_cmpuint(request->status, ==, 206);
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader), ==,
			 item->object->stored_size);
}

/* ---- 5. too many bytes ---- */

static void
too_many_bytes_case(Fixture *f,
		    const gchar *cache,
		    UpdTestFaultServer *bad,
		    UpdTestFaultServer *good,
		    const gchar *file,
		    const gchar *message)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *partial = NULL;
	g_autofree gchar *final = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *mirrors[2] = {NULL, NULL};
	const UpdPlanItem *item;
	guint bad_before = upd_test_fault_server_count_requests(bad, "/objects/");
	guint good_before =
		good != NULL ? upd_test_fault_server_count_requests(good, "/objects/") : 0;

	fixture_use_cache(f, cache);
	if (good != NULL)
		mirrors[0] = upd_test_fault_server_get_url(good);
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(bad), mirrors, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	item = plan_item_for_file(plan, file);
	partial = item_partial_path(item);
	final = upd_plan_cache_path(item->hex);
	downloader = upd_downloader_new(config);
	upd_downloader_set_retry_policy(downloader, 2, 10, 20);
	if (good == NULL) {
		g_assert_false(download(downloader, plan, NULL, &error));
		g_assert_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, message));
		g_assert_nonnull(strstr(error->message, item->hex));
		g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));
		/* nothing of the oversized answer is kept */
		g_assert_cmpuint(file_size(partial), ==, 0);
	} else {
		g_assert_true(download(downloader, plan, NULL, &error));
		g_assert_no_error(error);
		assert_cached(item);
		g_assert_cmpuint(upd_test_fault_server_count_requests(good, "/objects/"), ==,
				 good_before + 1);
	}
	/* refused at once, never retried on the same server */
	g_assert_cmpuint(upd_test_fault_server_count_requests(bad, "/objects/"), ==,
			 bad_before + 1);
}

static void
test_too_many_bytes(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autoptr(UpdTestFaultServer) endless = NULL;
	g_autoptr(UpdTestFaultServer) announces = NULL;
	g_autoptr(UpdTestFaultServer) good = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	const UpdTestFaultRequest *request;

	write_random_file(file, 512 * KIB);
	fixture_publish(f, "1.0", payload);
	endless = upd_test_fault_server_new(f->repo, g_test_rand_int());
	upd_test_fault_server_set_fault(endless, UPD_TEST_FAULT_EXTRA_BYTES, 0);
	announces = upd_test_fault_server_new(f->repo, g_test_rand_int());
	upd_test_fault_server_set_fault(announces, UPD_TEST_FAULT_LARGE_LENGTH, 1 * MIB);
	good = upd_test_fault_server_new(f->repo, g_test_rand_int());

	too_many_bytes_case(f, "cache-endless", endless, NULL, file, "sent more than the declared");
	too_many_bytes_case(f, "cache-announces", announces, NULL, file,
			    "announces more than the declared");
	too_many_bytes_case(f, "cache-endless-mirror", endless, good, file, NULL);
	too_many_bytes_case(f, "cache-announces-mirror", announces, good, file, NULL);

	/* the endless server really sent more than the object before the client
	 * hung up; the other announced more and was refused before the body */
	requests = upd_test_fault_server_get_requests(endless, "/objects/");
	request = g_ptr_array_index(requests, 0);
	g_assert_cmpuint(request->bytes_sent, >, 512 * KIB);
	g_test_message("endless server: %" G_GUINT64_FORMAT " bytes sent before the client hung up",
		       request->bytes_sent);
}

/* ---- 6. dead mirrors ---- */

static void
dead_mirrors_case(Fixture *f,
		  const gchar *cache,
		  const gchar *endpoint,
		  const gchar *mirror1,
		  UpdTestFaultServer *failing,
		  UpdTestFaultServer *good,
		  const gchar *file)
{
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) failed = NULL;
	const gchar *mirrors[3] = {mirror1, upd_test_fault_server_get_url(good), NULL};
	guint failing_before = upd_test_fault_server_count_requests(failing, "/objects/");
	guint good_before = upd_test_fault_server_count_requests(good, "/objects/");
	const UpdPlanItem *item;
	gint64 start;
	gint64 elapsed;

	fixture_use_cache(f, cache);
	config_path = fixture_write_config(f, endpoint, mirrors, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	item = plan_item_for_file(plan, file);
	downloader = upd_downloader_new(config);
	upd_downloader_set_retry_policy(downloader, 2, 10, 20);
	start = g_get_monotonic_time();
	g_assert_true(download(downloader, plan, NULL, &error));
	elapsed = g_get_monotonic_time() - start;
	g_assert_no_error(error);
	assert_cached(item);
	g_test_message("two broken base URLs, download in %.3f s",
		       (gdouble)elapsed / G_USEC_PER_SEC);
	g_assert_cmpint(elapsed, <, 5 * G_USEC_PER_SEC);
	/* the 500 server was tried as often as the policy allows, then left */
	failed = upd_test_fault_server_get_requests(failing, "/objects/");
	g_assert_cmpuint(failed->len, ==, failing_before + 2);
	for (guint i = failing_before; i < failed->len; i++)
		g_assert_cmpuint(((UpdTestFaultRequest *)g_ptr_array_index(failed, i))->status, ==,
				 500);
	g_assert_cmpuint(upd_test_fault_server_count_requests(good, "/objects/"), ==,
			 good_before + 1);
}

static void
test_dead_mirrors(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *dead = dead_url();
	g_autoptr(UpdTestFaultServer) failing = NULL;
	g_autoptr(UpdTestFaultServer) good = NULL;

	write_random_file(file, 300 * KIB);
	fixture_publish(f, "1.0", payload);
	failing = upd_test_fault_server_new(f->repo, g_test_rand_int());
	/* 500 for everything, the check and the manifest included */
	upd_test_fault_server_set_fault_prefix(failing, "/");
	upd_test_fault_server_set_fault(failing, UPD_TEST_FAULT_STATUS, 500);
	good = upd_test_fault_server_new(f->repo, g_test_rand_int());

	/* a dead endpoint, a 500 mirror, a good mirror */
	dead_mirrors_case(f, "cache-a", dead, upd_test_fault_server_get_url(failing), failing, good,
			  file);
	/* a 500 endpoint, a dead mirror, a good mirror */
	dead_mirrors_case(f, "cache-b", upd_test_fault_server_get_url(failing), dead, failing, good,
			  file);
}

/* ---- 7. killed ---- */

static void
child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct {
	const gchar *partial;
	guint64 threshold;
	GSubprocess *process; /* (unowned) */
	guint poll_id;
	gboolean killed;
	gboolean exited;
} KillData;

static gboolean
kill_poll_cb(gpointer user_data)
{
	KillData *data = user_data;

	if (data->exited || file_size(data->partial) <= data->threshold)
		return G_SOURCE_CONTINUE;
	g_subprocess_force_exit(data->process);
	data->killed = TRUE;
	data->poll_id = 0;
	return G_SOURCE_REMOVE;
}

static void
kill_wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	KillData *data = user_data;
	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	data->exited = TRUE;
}

static void
test_killed(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *hex = NULL;
	g_autofree gchar *final = NULL;
	g_autofree gchar *partial = NULL;
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *cache_env = NULL;
	g_autofree gchar *state_env = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *url_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GError) error = NULL;
	const UpdTestFaultRequest *resumed;
	const gchar *updaterctl = upd_test_program("UPDATERCTL");
	const gchar *argv[6];
	const gchar *env[3];
	KillData data = {NULL, MIB, NULL, 0, FALSE, FALSE};
	JsonObject *json;
	guint64 stored;
	guint64 kept;
	guint64 received;
	gint status;

	write_random_file(file, 4 * MIB);
	fixture_publish(f, "1.0", payload);
	hex = file_hex(file);
	stored = file_size(file); /* random bytes are stored raw */
	url_path = g_strdup_printf("/objects/%.2s/%s", hex, hex);
	final = upd_plan_cache_path(hex);
	partial = g_strconcat(final, ".partial", NULL);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	/* 1 MiB/s: the object takes four seconds */
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL,
					   "BandwidthLimit=1048576", NULL);
	cache_env = g_strdup_printf("XDG_CACHE_HOME=%s", g_getenv("XDG_CACHE_HOME"));
	state_env = g_strdup_printf("XDG_STATE_HOME=%s", g_getenv("XDG_STATE_HOME"));
	argv[0] = updaterctl;
	argv[1] = "--config";
	argv[2] = config_path;
	argv[3] = "download";
	argv[4] = "--json";
	argv[5] = NULL;
	env[0] = cache_env;
	env[1] = state_env;
	env[2] = NULL;

	/* first run: SIGKILL once the partial holds more than 1 MiB */
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
	g_subprocess_launcher_setenv(launcher, "XDG_CACHE_HOME", g_getenv("XDG_CACHE_HOME"), TRUE);
	g_subprocess_launcher_setenv(launcher, "XDG_STATE_HOME", g_getenv("XDG_STATE_HOME"), TRUE);
	process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	data.partial = partial;
	data.process = process;
	g_subprocess_wait_async(process, NULL, kill_wait_cb, &data);
	data.poll_id = g_timeout_add(20, kill_poll_cb, &data);
	upd_test_wait_flag(&data.exited, WAIT_TIMEOUT_MS);
	g_clear_handle_id(&data.poll_id, g_source_remove);
	g_assert_true(data.killed);
	g_assert_true(g_subprocess_get_if_signaled(process));
	g_assert_cmpint(g_subprocess_get_term_sig(process), ==, SIGKILL);
	kept = file_size(partial);
	g_test_message("killed with %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		       " bytes in the partial",
		       kept, stored);
	g_assert_cmpuint(kept, >, MIB);
	g_assert_cmpuint(kept, <, stored);
	g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));

	/* second run: resumes and completes */
	status = upd_test_run(argv, env, NULL, &out, &err);
	if (status != 0)
		g_error("updaterctl download exited with %d: %s", status, err);
	g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
	g_assert_no_error(error);
	json = json_node_get_object(json_parser_get_root(parser));
	received = (guint64)json_object_get_int_member(json, "bytes_received");
	g_test_message("second run received %" G_GUINT64_FORMAT " bytes", received);
	g_assert_cmpint(json_object_get_int_member(json, "fetched"), ==, 1);
	g_assert_cmpuint((guint64)json_object_get_int_member(json, "download_size"), ==, stored);
	g_assert_cmpuint(received, >, 0);
	g_assert_cmpuint(received, <, stored);
	g_assert_cmpuint(received, ==, stored - kept);
	g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *cached = file_hex(final);
		g_assert_cmpstr(cached, ==, hex);
	}
	/* the last request resumed where the killed process stopped */
	requests = upd_test_fault_server_get_requests(server, url_path);
	resumed = g_ptr_array_index(requests, requests->len - 1);
	g_assert_cmpint(resumed->range_start, ==, (gint64)kept);
	g_assert_cmpuint(resumed->status, ==, 206);
}

/* ---- 8. cancel ---- */

typedef struct {
	GCancellable *cancellable; /* (unowned) */
	guint64 threshold;
} CancelData;

static void
cancel_progress_cb(UpdDownloader *downloader,
		   guint64 done,
		   guint64 total,
		   gdouble rate,
		   gint64 eta,
		   gpointer user_data)
{
	CancelData *data = user_data;
	if (done >= data->threshold && !g_cancellable_is_cancelled(data->cancellable))
		g_cancellable_cancel(data->cancellable);
}

static void
test_cancel(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *slow_path = NULL;
	g_autofree gchar *fast_path = NULL;
	g_autofree gchar *partial = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) slow = NULL;
	g_autoptr(UpdAppConfig) fast = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UpdDownloader) downloader2 = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	CancelData data = {cancellable, 512 * KIB};
	const UpdPlanItem *item;
	guint64 kept;

	write_random_file(file, 2 * MIB);
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	slow_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL,
					 "BandwidthLimit=1048576", NULL);
	fast_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	slow = load_config(slow_path);
	fast = load_config(fast_path);
	plan = make_plan(slow);
	item = plan_item_for_file(plan, file);
	partial = item_partial_path(item);

	downloader = upd_downloader_new(slow);
	g_signal_connect(downloader, "progress", G_CALLBACK(cancel_progress_cb), &data);
	g_assert_false(download(downloader, plan, cancellable, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_CANCELLED);
	kept = file_size(partial);
	g_test_message("cancelled with %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes kept",
		       kept, (guint64)item->object->stored_size);
	g_assert_true(g_file_test(partial, G_FILE_TEST_IS_REGULAR));
	g_assert_cmpuint(kept, >=, 512 * KIB);
	g_assert_cmpuint(kept, <, item->object->stored_size);

	/* the next download resumes: only the rest crosses the wire */
	g_clear_error(&error);
	downloader2 = upd_downloader_new(fast);
	g_assert_true(download(downloader2, plan, NULL, &error));
	g_assert_no_error(error);
	assert_cached(item);
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader2), <,
			 item->object->stored_size);
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader2), ==,
			 item->object->stored_size - kept);
}

/* ---- 9. bandwidth ---- */

typedef struct {
	gint64 time;
	guint64 done;
	guint64 total;
} ProgressEvent;

static void
record_progress_cb(UpdDownloader *downloader,
		   guint64 done,
		   guint64 total,
		   gdouble rate,
		   gint64 eta,
		   gpointer user_data)
{
	GArray *events = user_data;
	ProgressEvent event = {g_get_monotonic_time(), done, total};
	g_array_append_val(events, event);
}

static void
test_bandwidth(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(ProgressEvent));
	g_autoptr(GError) error = NULL;
	const UpdPlanItem *item;
	const ProgressEvent *last;
	gint64 start;
	gdouble seconds;

	write_random_file(file, 10 * 204800);
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL,
					   "BandwidthLimit=204800", NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	item = plan_item_for_file(plan, file);
	g_assert_cmpuint(item->object->stored_size, ==, 10 * 204800);

	downloader = upd_downloader_new(config);
	g_signal_connect(downloader, "progress", G_CALLBACK(record_progress_cb), events);
	start = g_get_monotonic_time();
	g_assert_true(download(downloader, plan, NULL, &error));
	seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	g_assert_no_error(error);
	assert_cached(item);
	g_test_message("%u bytes at 204800 B/s took %.2f s, %u progress signals",
		       (guint)item->object->stored_size, seconds, events->len);
	g_assert_cmpfloat(seconds, >=, 9.0);
	g_assert_cmpfloat(seconds, <=, 11.0);

	/* progress: several, at most about five a second, never backwards, and
	 * the last one says everything is there */
	g_assert_cmpuint(events->len, >=, 10);
	g_assert_cmpfloat((gdouble)events->len, <=, seconds * 5 + 1);
	for (guint i = 0; i < events->len; i++) {
		const ProgressEvent *event = &g_array_index(events, ProgressEvent, i);
		g_assert_cmpuint(event->total, ==, item->object->stored_size);
		g_assert_cmpuint(event->done, <=, event->total);
		if (i > 0)
			g_assert_cmpuint(event->done, >=,
					 g_array_index(events, ProgressEvent, i - 1).done);
	}
	last = &g_array_index(events, ProgressEvent, events->len - 1);
	g_assert_cmpuint(last->done, ==, last->total);
}

/* ---- 10. tree reuse ---- */

#define TREE_FILES 1000

static gchar *
tree_file_contents(guint i, guint version)
{
	return g_strdup_printf("file %u of the tree, revision %u: %08x\n", i, version,
			       (i * 2654435761u) ^ version);
}

static gchar *
repo_object_file(Fixture *f, const gchar *hex)
{
	g_autofree gchar *raw = g_strdup_printf("%s/objects/%.2s/%s", f->repo, hex, hex);
	g_autofree gchar *zst = g_strdup_printf("%s.zst", raw);

	if (g_file_test(zst, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&zst);
	g_assert_true(g_file_test(raw, G_FILE_TEST_IS_REGULAR));
	return g_steal_pointer(&raw);
}

static void
test_tree_reuse(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *v1 = fixture_payload_dir(f, "1.0");
	g_autofree gchar *v2 = fixture_payload_dir(f, "2.0");
	g_autofree gchar *installed = g_build_filename(f->install_dir, "versions", "1.0", NULL);
	g_autofree gchar *current = g_build_filename(f->install_dir, "current", NULL);
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GHashTable) expected_paths =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GError) error = NULL;
	const guint changed[] = {7, 500, 999};
	guint64 expected_size = 0;

	for (guint i = 0; i < TREE_FILES; i++) {
		g_autofree gchar *name = g_strdup_printf("dir%u/file-%04u.txt", i % 10, i);
		g_autofree gchar *contents = tree_file_contents(i, 1);
		g_autofree gchar *path1 = g_build_filename(v1, name, NULL);
		g_autofree gchar *path_installed = g_build_filename(installed, name, NULL);
		g_autofree gchar *path2 = g_build_filename(v2, name, NULL);
		upd_test_write_file(path1, contents, -1, 0644);
		upd_test_write_file(path_installed, contents, -1, 0644);
		upd_test_write_file(path2, contents, -1, 0644);
	}
	fixture_publish(f, "1.0", v1);
	/* 2.0: three files changed, one added */
	for (guint i = 0; i < G_N_ELEMENTS(changed); i++) {
		g_autofree gchar *name =
			g_strdup_printf("dir%u/file-%04u.txt", changed[i] % 10, changed[i]);
		g_autofree gchar *contents = tree_file_contents(changed[i], 2);
		g_autofree gchar *path2 = g_build_filename(v2, name, NULL);
		upd_test_write_file(path2, contents, -1, 0644);
	}
	{
		g_autofree gchar *added = g_build_filename(v2, "added", "new-file.txt", NULL);
		write_text_file(added, 64 * KIB);
	}
	fixture_publish(f, "2.0", v2);
	/* 1.0 is installed: InstallDir/current -> versions/1.0 */
	g_assert_cmpint(symlink("versions/1.0", current), ==, 0);

	/* the objects 2.0 needs that 1.0 lacks, and their stored sizes */
	for (guint i = 0; i < G_N_ELEMENTS(changed) + 1; i++) {
		g_autofree gchar *path =
			i < G_N_ELEMENTS(changed)
				? g_strdup_printf("%s/dir%u/file-%04u.txt", v2, changed[i] % 10,
						  changed[i])
				: g_build_filename(v2, "added", "new-file.txt", NULL);
		g_autofree gchar *hex = file_hex(path);
		g_autofree gchar *stored = repo_object_file(f, hex);
		expected_size += file_size(stored);
		g_hash_table_add(expected_paths,
				 g_strconcat("/", stored + strlen(f->repo) + 1, NULL));
	}

	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	g_assert_cmpstr(upd_release_get_version(upd_plan_get_release(plan)), ==, "2.0");
	g_assert_cmpstr(upd_plan_get_installed_version(plan), ==, "1.0");
	g_assert_cmpuint(upd_plan_get_n_objects(plan), ==, TREE_FILES + 1);
	g_assert_cmpuint(upd_plan_get_n_fetch(plan), ==, 4);
	g_assert_cmpuint(upd_plan_get_n_reused(plan), ==, TREE_FILES - 3);
	g_assert_cmpuint(upd_plan_get_n_cached(plan), ==, 0);
	g_assert_cmpuint(upd_plan_get_download_size(plan), ==, expected_size);

	downloader = upd_downloader_new(config);
	g_assert_true(download(downloader, plan, NULL, &error));
	g_assert_no_error(error);
	requests = upd_test_fault_server_get_requests(server, "/objects/");
	g_test_message("plan: %u objects, %u fetched (%" G_GUINT64_FORMAT " bytes), %u reused; "
		       "%u object requests",
		       upd_plan_get_n_objects(plan), upd_plan_get_n_fetch(plan),
		       upd_plan_get_download_size(plan), upd_plan_get_n_reused(plan),
		       requests->len);
	g_assert_cmpuint(requests->len, ==, 4);
	for (guint i = 0; i < requests->len; i++) {
		const UpdTestFaultRequest *request = g_ptr_array_index(requests, i);
		g_assert_true(g_hash_table_remove(expected_paths, request->path));
	}
	g_assert_cmpuint(upd_downloader_get_bytes_received(downloader), ==,
			 upd_plan_get_download_size(plan));
}

/* ---- 11. parallel ---- */

static void
test_parallel(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *items;
	guint max_concurrent;

	for (guint i = 0; i < 12; i++) {
		g_autofree gchar *name = g_strdup_printf("part-%02u.bin", i);
		g_autofree gchar *path = g_build_filename(payload, name, NULL);
		write_random_file(path, 128 * KIB + i);
	}
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	/* answers wait until four objects are asked for at once (or 3 s), so that
	 * overlap is certain rather than a matter of timing */
	upd_test_fault_server_set_gate(server, 4, 3000);
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	g_assert_cmpuint(upd_plan_get_n_fetch(plan), ==, 12);

	downloader = upd_downloader_new(config);
	upd_downloader_set_max_parallel(downloader, 4);
	g_assert_true(download(downloader, plan, NULL, &error));
	g_assert_no_error(error);
	items = upd_plan_get_items(plan);
	for (guint i = 0; i < items->len; i++)
		assert_cached(g_ptr_array_index(items, i));
	max_concurrent = upd_test_fault_server_get_max_concurrent(server);
	g_test_message("12 objects, max_parallel 4: at most %u connections at once",
		       max_concurrent);
	g_assert_cmpuint(upd_test_fault_server_count_requests(server, "/objects/"), ==, 12);
	g_assert_cmpuint(max_concurrent, <=, 4);
	g_assert_cmpuint(max_concurrent, >=, 2);
}

/* ---- 12. no space ---- */

static void
test_no_space(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *manifest_relative = upd_repo_manifest_path(APP_ID, "stable");
	g_autofree gchar *manifest_path = g_build_filename(f->repo, manifest_relative, NULL);
	g_autofree gchar *signed_data = NULL;
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *final = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *needed = NULL;
	g_autoptr(Updater__SignedManifest) outer = NULL;
	g_autoptr(Updater__Manifest) manifest = NULL;
	g_autoptr(UpdKey) key = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GBytes) resigned = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	Updater__Object *object;
	const UpdPlanItem *item;
	/* far more than any test machine has, well under the manifest's limit */
	const guint64 huge = G_GUINT64_CONSTANT(1) << 47;
	gsize len = 0;

	write_random_file(file, 4 * KIB);
	fixture_publish(f, "1.0", payload);

	/* the published manifest, its object declared 128 TiB large, signed again
	 * with the publisher's key */
	g_assert_true(g_file_get_contents(manifest_path, &signed_data, &len, NULL));
	outer = updater__signed_manifest__unpack(NULL, len, (const guint8 *)signed_data);
	g_assert_nonnull(outer);
	manifest = upd_manifest_unpack_inner(outer, NULL);
	g_assert_nonnull(manifest);
	g_assert_cmpuint(manifest->n_releases, ==, 1);
	g_assert_cmpuint(manifest->releases[0]->components[0]->payload->n_entries, ==, 1);
	object = manifest->releases[0]->components[0]->payload->entries[0]->object;
	g_assert_cmpint(object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);
	object->size = huge;
	object->stored_size = huge;
	key = upd_key_new_from_secret_file(f->key, &error);
	g_assert_no_error(error);
	g_ptr_array_add(keys, g_steal_pointer(&key));
	resigned = upd_manifest_sign_pb(manifest, keys, &error);
	g_assert_no_error(error);
	upd_test_write_file(manifest_path, g_bytes_get_data(resigned, NULL),
			    (gssize)g_bytes_get_size(resigned), 0644);

	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);
	plan = make_plan(config);
	g_assert_cmpuint(upd_plan_get_download_size(plan), ==, huge);
	item = g_ptr_array_index(upd_plan_get_items(plan), 0);
	final = upd_plan_cache_path(item->hex);
	dir = g_path_get_dirname(final);
	needed = g_format_size(huge);

	downloader = upd_downloader_new(config);
	g_assert_false(download(downloader, plan, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_NO_SPACE);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, dir));
	g_assert_nonnull(strstr(error->message, needed));
	g_assert_nonnull(strstr(error->message, " free"));
	/* refused before asking any server */
	g_assert_cmpuint(upd_test_fault_server_count_requests(server, "/objects/"), ==, 0);
	g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));
}

/* ---- 13. proxy ---- */

/* A forward proxy for plain HTTP: absolute-form requests, forwarded to the
 * origin with "Connection: close", the answer copied back. Reference counted
 * for the same reason as the fault server. */
typedef struct {
	GSocketService *service;      /* (owned) */
	UpdTestServiceThread *thread; /* (owned) */
	gulong run_id;
	gchar *url;
	gint stopping;
	GMutex lock;
	GCond cond;
	GPtrArray *targets; /* (element-type utf8): request targets, in order */
	guint handlers;
} TestProxy;

static void
test_proxy_clear(gpointer data)
{
	TestProxy *proxy = data;
	g_free(proxy->url);
	g_ptr_array_unref(proxy->targets);
	g_mutex_clear(&proxy->lock);
	g_cond_clear(&proxy->cond);
}

static void
test_proxy_closure_notify(gpointer data, GClosure *closure)
{
	g_atomic_rc_box_release_full(data, test_proxy_clear);
}

static void
test_proxy_forward(TestProxy *proxy, GSocketConnection *connection)
{
	g_autoptr(GDataInputStream) input = NULL;
	g_autoptr(GHashTable) headers = NULL;
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GSocketClient) client = NULL;
	g_autoptr(GSocketConnection) origin = NULL;
	g_autoptr(GString) request = NULL;
	g_autofree gchar *method = NULL;
	g_autofree gchar *target = NULL;
	g_autofree guint8 *body = NULL;
	GOutputStream *output = g_io_stream_get_output_stream(G_IO_STREAM(connection));
	GOutputStream *origin_output;
	GHashTableIter iter;
	const gchar *name;
	const gchar *value;
	const gchar *length;
	guint64 body_len = 0;

	input = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(connection)));
	g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(input), FALSE);
	if (!upd_test_http_read_head(input, &method, &target, &headers, NULL))
		return;
	g_mutex_lock(&proxy->lock);
	g_ptr_array_add(proxy->targets, g_strdup_printf("%s %s", method, target));
	g_mutex_unlock(&proxy->lock);
	uri = g_uri_parse(target, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL || g_strcmp0(g_uri_get_scheme(uri), "http") != 0) {
		const gchar *answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
				      "Connection: close\r\n\r\n";
		g_output_stream_write_all(output, answer, strlen(answer), NULL, NULL, NULL);
		return;
	}
	length = g_hash_table_lookup(headers, "content-length");
	if (length != NULL && g_ascii_string_to_unsigned(length, 10, 0, 1 << 20, &body_len, NULL) &&
	    body_len > 0) {
		body = g_malloc(body_len);
		if (!g_input_stream_read_all(G_INPUT_STREAM(input), body, body_len, NULL, NULL,
					     NULL))
			return;
	}

	client = g_socket_client_new();
	/* http_proxy names this proxy: the origin is reached directly */
	g_socket_client_set_enable_proxy(client, FALSE);
	origin = g_socket_client_connect_to_host(client, g_uri_get_host(uri),
						 (guint16)g_uri_get_port(uri), NULL, NULL);
	if (origin == NULL) {
		const gchar *answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
				      "Connection: close\r\n\r\n";
		g_output_stream_write_all(output, answer, strlen(answer), NULL, NULL, NULL);
		return;
	}
	request = g_string_new(NULL);
	g_string_append_printf(request, "%s %s%s%s HTTP/1.1\r\nHost: %s:%d\r\n", method,
			       g_uri_get_path(uri), g_uri_get_query(uri) != NULL ? "?" : "",
			       g_uri_get_query(uri) != NULL ? g_uri_get_query(uri) : "",
			       g_uri_get_host(uri), g_uri_get_port(uri));
	g_hash_table_iter_init(&iter, headers);
	while (g_hash_table_iter_next(&iter, (gpointer *)&name, (gpointer *)&value)) {
		if (g_strcmp0(name, "host") == 0 || g_strcmp0(name, "connection") == 0 ||
		    g_strcmp0(name, "proxy-connection") == 0 || g_strcmp0(name, "keep-alive") == 0)
			continue;
		g_string_append_printf(request, "%s: %s\r\n", name, value);
	}
	g_string_append(request, "Connection: close\r\n\r\n");
	origin_output = g_io_stream_get_output_stream(G_IO_STREAM(origin));
	if (!g_output_stream_write_all(origin_output, request->str, request->len, NULL, NULL, NULL))
		return;
	if (body != NULL &&
	    !g_output_stream_write_all(origin_output, body, body_len, NULL, NULL, NULL))
		return;
	g_output_stream_splice(output, g_io_stream_get_input_stream(G_IO_STREAM(origin)),
			       G_OUTPUT_STREAM_SPLICE_NONE, NULL, NULL);
	g_io_stream_close(G_IO_STREAM(origin), NULL, NULL);
}

static gboolean
test_proxy_run_cb(GThreadedSocketService *service,
		  GSocketConnection *connection,
		  GObject *source_object,
		  gpointer user_data)
{
	TestProxy *proxy = user_data;

	if (g_atomic_int_get(&proxy->stopping))
		return TRUE;
	g_mutex_lock(&proxy->lock);
	proxy->handlers++;
	g_mutex_unlock(&proxy->lock);
	g_socket_set_timeout(g_socket_connection_get_socket(connection), 30);
	test_proxy_forward(proxy, connection);
	g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
	g_mutex_lock(&proxy->lock);
	proxy->handlers--;
	g_cond_broadcast(&proxy->cond);
	g_mutex_unlock(&proxy->lock);
	return TRUE;
}

static TestProxy *
test_proxy_new(void)
{
	TestProxy *proxy = g_atomic_rc_box_new0(TestProxy);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GError) error = NULL;

	g_mutex_init(&proxy->lock);
	g_cond_init(&proxy->cond);
	proxy->targets = g_ptr_array_new_with_free_func(g_free);
	proxy->service = g_object_new(G_TYPE_THREADED_SOCKET_SERVICE, "max-threads", 16, "active",
				      FALSE, NULL);
	g_socket_listener_add_address(G_SOCKET_LISTENER(proxy->service), address,
				      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
				      &error);
	g_assert_no_error(error);
	proxy->url =
		g_strdup_printf("http://127.0.0.1:%u/",
				g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective)));
	proxy->run_id =
		g_signal_connect_data(proxy->service, "run", G_CALLBACK(test_proxy_run_cb),
				      g_atomic_rc_box_acquire(proxy), test_proxy_closure_notify, 0);
	proxy->thread = upd_test_service_thread_start(proxy->service);
	return proxy;
}

static void
test_proxy_free(TestProxy *proxy)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	upd_test_service_thread_stop(proxy->thread);
	g_atomic_int_set(&proxy->stopping, 1);
	g_signal_handler_disconnect(proxy->service, proxy->run_id);
	g_mutex_lock(&proxy->lock);
	while (proxy->handlers > 0) {
		if (!g_cond_wait_until(&proxy->cond, &proxy->lock, deadline))
			break;
	}
	g_assert_cmpuint(proxy->handlers, ==, 0);
	g_mutex_unlock(&proxy->lock);
	g_clear_object(&proxy->service);
	g_atomic_rc_box_release_full(proxy, test_proxy_clear);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestProxy, test_proxy_free)

static gboolean
test_proxy_saw(TestProxy *proxy, const gchar *request)
{
	gboolean found = FALSE;

	g_mutex_lock(&proxy->lock);
	for (guint i = 0; i < proxy->targets->len && !found; i++)
		found = g_strcmp0(g_ptr_array_index(proxy->targets, i), request) == 0;
	g_mutex_unlock(&proxy->lock);
	return found;
}

static void
test_proxy(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *big = g_build_filename(payload, "big.bin", NULL);
	g_autofree gchar *text = g_build_filename(payload, "notes.txt", NULL);
	g_autofree gchar *config_path = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(TestProxy) proxy = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *items;

	write_random_file(big, 512 * KIB);
	write_text_file(text, 256 * KIB);
	fixture_publish(f, "1.0", payload);
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	proxy = test_proxy_new();
	config_path = fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	config = load_config(config_path);

	g_setenv("http_proxy", proxy->url, TRUE);
	plan = make_plan(config);
	downloader = upd_downloader_new(config);
	g_assert_true(download(downloader, plan, NULL, &error));
	g_unsetenv("http_proxy");
	g_assert_no_error(error);

	items = upd_plan_get_items(plan);
	g_assert_cmpuint(items->len, ==, 2);
	for (guint i = 0; i < items->len; i++) {
		const UpdPlanItem *item = g_ptr_array_index(items, i);
		g_autofree gchar *url_path = item_url_path(item);
		g_autofree gchar *request = g_strdup_printf(
			"GET %s%s", upd_test_fault_server_get_url(server), item->object->path);
		assert_cached(item);
		g_assert_true(test_proxy_saw(proxy, request));
		g_assert_cmpuint(upd_test_fault_server_count_requests(server, url_path), ==, 1);
	}
	/* nothing went round the proxy: the check, the manifest, both objects */
	g_mutex_lock(&proxy->lock);
	g_test_message("the proxy forwarded %u requests", proxy->targets->len);
	g_assert_cmpuint(proxy->targets->len, ==, 4);
	g_assert_cmpuint(upd_test_fault_server_count_requests(server, NULL), ==,
			 proxy->targets->len);
	g_mutex_unlock(&proxy->lock);
}

/* ---- 14. TLS ---- */

/* a certificate for 127.0.0.1 that nobody vouches for */
static GTlsCertificate *
make_self_signed_certificate(void)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t crt_pem = {NULL, 0};
	gnutls_datum_t key_pem = {NULL, 0};
	const guint8 ip[4] = {127, 0, 0, 1};
	guint8 serial[8];
	time_t now = time(NULL);
	g_autofree gchar *pem = NULL;
	g_autoptr(GError) error = NULL;
	GTlsCertificate *cert;

	for (guint i = 0; i < sizeof(serial); i++)
		serial[i] = (guint8)g_test_rand_int_range(0, 256);
	serial[0] &= 0x7f;
	g_assert_cmpint(gnutls_x509_privkey_init(&key), ==, 0);
	g_assert_cmpint(
		gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
		==, 0);
	g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_version(crt, 3), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_activation_time(crt, now - 3600), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_expiration_time(crt, now + 24 * 3600), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
						      "127.0.0.1", strlen("127.0.0.1")),
			==, 0);
	/* the name matches: the only thing wrong is that no CA signed it */
	g_assert_cmpint(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip,
							     sizeof(ip), GNUTLS_FSAN_SET),
			==, 0);
	g_assert_cmpint(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0), ==,
			0);
	g_assert_cmpint(gnutls_x509_crt_set_key(crt, key), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &crt_pem), ==, 0);
	g_assert_cmpint(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
							  GNUTLS_PKCS_PLAIN, &key_pem),
			==, 0);
	pem = g_strdup_printf("%.*s%.*s", (int)crt_pem.size, (const gchar *)crt_pem.data,
			      (int)key_pem.size, (const gchar *)key_pem.data);
	gnutls_free(crt_pem.data);
	gnutls_free(key_pem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	cert = g_tls_certificate_new_from_pem(pem, -1, &error);
	g_assert_no_error(error);
	return cert;
}

static void
tls_server_cb(SoupServer *server,
	      SoupServerMessage *msg,
	      const char *path,
	      GHashTable *query,
	      gpointer user_data)
{
	guint *requests = user_data;
	(*requests)++;
	soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
test_tls(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload = fixture_payload_dir(f, "1.0");
	g_autofree gchar *file = g_build_filename(payload, "data.bin", NULL);
	g_autofree gchar *http_config_path = NULL;
	g_autofree gchar *https_config_path = NULL;
	g_autofree gchar *https_url = NULL;
	g_autofree gchar *final = NULL;
	g_autoptr(UpdTestFaultServer) server = NULL;
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(SoupServer) tls_server = NULL;
	g_autoptr(UpdAppConfig) http_config = NULL;
	g_autoptr(UpdAppConfig) https_config = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(GError) error = NULL;
	GSList *uris;
	const UpdPlanItem *item;
	guint handled = 0;

	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no TLS backend (glib-networking is not installed)");
		return;
	}
	write_random_file(file, 64 * KIB);
	fixture_publish(f, "1.0", payload);

	cert = make_self_signed_certificate();
	tls_server = soup_server_new("tls-certificate", cert, NULL);
	soup_server_add_handler(tls_server, NULL, tls_server_cb, &handled, NULL);
	soup_server_listen_local(tls_server, 0,
				 SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
	g_assert_no_error(error);
	uris = soup_server_get_uris(tls_server);
	g_assert_nonnull(uris);
	https_url = g_strdup_printf("https://127.0.0.1:%d/", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);

	/* the plan comes over plain HTTP; the downloader's only base URL is the
	 * HTTPS server */
	server = upd_test_fault_server_new(f->repo, g_test_rand_int());
	http_config_path =
		fixture_write_config(f, upd_test_fault_server_get_url(server), NULL, NULL);
	https_config_path = fixture_write_config(f, https_url, NULL, NULL);
	http_config = load_config(http_config_path);
	https_config = load_config(https_config_path);
	plan = make_plan(http_config);
	item = plan_item_for_file(plan, file);
	final = upd_plan_cache_path(item->hex);

	downloader = upd_downloader_new(https_config);
	upd_downloader_set_retry_policy(downloader, 2, 10, 20);
	g_assert_false(download(downloader, plan, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_TLS);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, https_url));
	g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));
	/* no request got past the handshake */
	g_assert_cmpuint(handled, ==, 0);
	g_assert_cmpuint(upd_test_fault_server_count_requests(server, "/objects/"), ==, 0);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/libupdater/downloader/cuts", test_cuts);
	ADD("/libupdater/downloader/wrong-bytes", test_wrong_bytes);
	ADD("/libupdater/downloader/ignores-range", test_ignores_range);
	ADD("/libupdater/downloader/stall", test_stall);
	ADD("/libupdater/downloader/too-many-bytes", test_too_many_bytes);
	ADD("/libupdater/downloader/dead-mirrors", test_dead_mirrors);
	ADD("/libupdater/downloader/killed", test_killed);
	ADD("/libupdater/downloader/cancel", test_cancel);
	ADD("/libupdater/downloader/bandwidth", test_bandwidth);
	ADD("/libupdater/downloader/tree-reuse", test_tree_reuse);
	ADD("/libupdater/downloader/parallel", test_parallel);
	ADD("/libupdater/downloader/no-space", test_no_space);
	ADD("/libupdater/downloader/proxy", test_proxy);
	ADD("/libupdater/downloader/tls", test_tls);
#undef ADD
	return g_test_run();
}

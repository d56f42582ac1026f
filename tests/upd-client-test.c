/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-repo-layout-private.h"
#include "upd-rollout-private.h"
#include "upd-test-common.h"
#include "updater.h"

#define APP_ID "org.example.App"

/* Everything a check needs: a key, a repository made with the real
 * updater-publish, served by the real updater-server. */
typedef struct {
	gchar *dir;
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *payload_v1;
	gchar *payload_v2;
	UpdTestServer *server;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;

	f->dir = upd_test_mkdtemp("client");
	/* every test starts with no remembered serial and no rollout id */
	{
		g_autofree gchar *state = g_build_filename(f->dir, "state", NULL);
		g_autofree gchar *cache = g_build_filename(f->dir, "cache", NULL);
		g_setenv("XDG_STATE_HOME", state, TRUE);
		g_setenv("XDG_CACHE_HOME", cache, TRUE);
	}
	f->repo = g_build_filename(f->dir, "repo", NULL);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->payload_v1 = g_build_filename(f->dir, "app-1.tar.gz", NULL);
	f->payload_v2 = g_build_filename(f->dir, "app-2.tar.gz", NULL);
	upd_test_make_tar_gz(f->payload_v1, "bin/app", "#!/bin/sh\necho 1\n", NULL);
	upd_test_make_tar_gz(f->payload_v2, "bin/app", "#!/bin/sh\necho 2\n", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->server, upd_test_server_stop);
	g_free(f->dir);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->payload_v1);
	g_free(f->payload_v2);
}

static void
fixture_serve(Fixture *f)
{
	if (f->server == NULL)
		f->server = upd_test_server_start(f->repo, NULL);
}

/* an application key file; extra lines are NULL-terminated */
static UpdAppConfig *
fixture_config(Fixture *f, const gchar *endpoint, const gchar *keys, ...) G_GNUC_NULL_TERMINATED;

static UpdAppConfig *
fixture_config(Fixture *f, const gchar *endpoint, const gchar *keys, ...)
{
	g_autoptr(GString) text = g_string_new("[Application]\n");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(f->dir, "app.conf", NULL);
	g_autofree gchar *install_dir = g_build_filename(f->dir, "install", NULL);
	UpdAppConfig *config;
	const gchar *line;
	va_list args;

	g_string_append_printf(text, "Id=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n", APP_ID,
			       endpoint, keys != NULL ? keys : f->public_line, install_dir);
	va_start(args, keys);
	while ((line = va_arg(args, const gchar *)) != NULL)
		g_string_append_printf(text, "%s\n", line);
	va_end(args);
	upd_test_write_file(path, text->str, text->len, 0644);
	config = upd_app_config_new_from_file(path, &error);
	g_assert_no_error(error);
	return config;
}

static void
async_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

/* runs the asynchronous check on the default main context */
static UpdCheckResult *
check(UpdClient *client, GCancellable *cancellable, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	upd_client_check_async(client, cancellable, async_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	return upd_client_check_finish(client, res, error);
}

static void
assert_available(UpdCheckResult *result, const gchar *const *versions)
{
	GPtrArray *available = upd_check_result_get_available(result);
	g_assert_cmpuint(available->len, ==, g_strv_length((gchar **)versions));
	for (guint i = 0; i < available->len; i++)
		g_assert_cmpstr(upd_release_get_version(g_ptr_array_index(available, i)), ==,
				versions[i]);
}

static void
make_current(Fixture *f, const gchar *version)
{
	g_autofree gchar *install = g_build_filename(f->dir, "install", NULL);
	g_autofree gchar *versions = g_build_filename(install, "versions", version, NULL);
	g_autofree gchar *link = g_build_filename(install, "current", NULL);
	g_autofree gchar *target = g_build_filename("versions", version, NULL);

	g_assert_cmpint(g_mkdir_with_parents(versions, 0755), ==, 0);
	g_unlink(link);
	g_assert_cmpint(symlink(target, link), ==, 0);
}

static void
test_end_to_end(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *notes = g_build_filename(f->dir, "notes-en.txt", NULL);
	g_autofree gchar *notes_arg = g_strdup_printf("en=%s", notes);
	g_autofree gchar *check_url = NULL;
	g_autofree gchar *state_path = NULL;
	g_autofree gchar *state = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	UpdRelease *update;
	const gchar *expected[] = {"2.0", "1.0", NULL};

	upd_test_write_file(notes, "Second release\n", -1, 0644);
	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, "--notes-file", notes_arg,
			 NULL);
	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);
	result = check(client, NULL, &error);
	g_assert_no_error(error);

	g_assert_null(upd_check_result_get_installed_version(result));
	assert_available(result, expected);
	update = upd_check_result_get_update(result);
	g_assert_cmpstr(upd_release_get_version(update), ==, "2.0");
	g_assert_cmpstr(upd_release_get_notes(update, NULL, NULL), ==, "Second release");
	g_assert_false(upd_check_result_get_mandatory(result));
	g_assert_cmpuint(upd_manifest_get_serial(upd_check_result_get_manifest(result)), ==, 2);
	/* the check endpoint answered, not the static file */
	check_url = g_strconcat(f->server->url, UPD_REPO_CHECK_PATH, NULL);
	g_assert_cmpstr(upd_check_result_get_source_url(result), ==, check_url);

	/* the serial is remembered for the next check */
	state_path = g_build_filename(g_getenv("XDG_STATE_HOME"), "updater", "apps", APP_ID,
				      "state.ini", NULL);
	g_assert_true(g_file_get_contents(state_path, &state, NULL, NULL));
	g_assert_nonnull(strstr(state, "stable=2"));

	/* the synchronous wrapper gives the same answer */
	g_clear_object(&result);
	result = upd_client_check(client, NULL, &error);
	g_assert_no_error(error);
	assert_available(result, expected);
}

static void
test_installed(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *only_v2[] = {"2.0", NULL};
	const gchar *none[] = {NULL};

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, NULL);
	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);

	/* the install directory says which version runs */
	make_current(f, "1.0");
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_autofree gchar *installed = upd_client_get_installed_version(client);
		g_assert_no_error(error);
		g_assert_cmpstr(installed, ==, "1.0");
		g_assert_cmpstr(upd_check_result_get_installed_version(result), ==, "1.0");
		assert_available(result, only_v2);
	}
	make_current(f, "2.0");
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		assert_available(result, none);
		g_assert_null(upd_check_result_get_update(result));
	}
	/* an embedding application may say it itself */
	upd_client_set_installed_version(client, "1.5");
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		assert_available(result, only_v2);
	}
}

static void
test_rollout(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func(g_free);

	/* 0% hides a release, 100% shows it */
	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, "--rollout", "100", NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, "--rollout", "0", NULL);
	/* 50%: offered exactly when this client's private bucket is below 50 */
	for (guint i = 0; i < 16; i++) {
		g_autofree gchar *version = g_strdup_printf("1.%u", i + 1);
		upd_test_publish(f->repo, f->key, APP_ID, version, f->payload_v1, "--rollout", "50",
				 NULL);
	}
	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);
	result = check(client, NULL, &error);
	g_assert_no_error(error);

	for (guint i = 16; i >= 1; i--) {
		g_autofree gchar *version = g_strdup_printf("1.%u", i);
		guint bucket = 0;
		g_assert_true(upd_rollout_get_bucket(APP_ID, version, &bucket, &error));
		g_assert_no_error(error);
		if (bucket < 50)
			g_ptr_array_add(expected, g_steal_pointer(&version));
	}
	g_ptr_array_add(expected, g_strdup("1.0"));
	g_ptr_array_add(expected, NULL);
	g_test_message("offered: %u of 16 releases at 50%%", expected->len - 2);
	assert_available(result, (const gchar *const *)expected->pdata);
	/* the 0% release exists in the manifest but is not offered */
	g_assert_nonnull(upd_manifest_get_release(upd_check_result_get_manifest(result), "2.0"));
}

/* A check endpoint written for the test: it records the request and answers
 * with the repository's signed manifest. */
typedef struct {
	GBytes *manifest; /* (owned) */
	GBytes *received; /* (owned) (nullable) */
} PrivacyServer;

static void
privacy_check_handler(SoupServer *server,
		      SoupServerMessage *msg,
		      const char *path,
		      GHashTable *query,
		      gpointer user_data)
{
	PrivacyServer *ctx = user_data;
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	Updater__CheckResponse response = UPDATER__CHECK_RESPONSE__INIT;
	g_autoptr(GBytes) answer = NULL;
	gsize len = 0;

	g_clear_pointer(&ctx->received, g_bytes_unref);
	ctx->received = g_bytes_new(body->data, body->length);
	response.has_signed_manifest = TRUE;
	response.signed_manifest.data = (guint8 *)g_bytes_get_data(ctx->manifest, &len);
	response.signed_manifest.len = len;
	answer = upd_pb_pack((const ProtobufCMessage *)&response);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, "application/x-protobuf", SOUP_MEMORY_COPY,
					 g_bytes_get_data(answer, NULL), g_bytes_get_size(answer));
}

static gboolean
bytes_contain(GBytes *haystack, const void *needle, gsize needle_len)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(haystack, &len);
	return needle_len > 0 && memmem(data, len, needle, needle_len) != NULL;
}

/* what a client sends carries no stable identifier: the rollout id, the user
 * and the host stay at home */
static void
test_request_privacy(Fixture *f, gconstpointer user_data)
{
	g_autoptr(SoupServer) soup = soup_server_new(NULL, NULL);
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(Updater__CheckRequest) request = NULL;
	g_autofree gchar *manifest_path =
		g_build_filename(f->repo, "apps", APP_ID, "stable", "manifest", NULL);
	g_autofree gchar *manifest = NULL;
	g_autofree gchar *rollout_path = NULL;
	g_autofree gchar *rollout_id = NULL;
	g_autofree gchar *url = NULL;
	PrivacyServer ctx = {NULL, NULL};
	guint8 raw_id[16];
	gsize manifest_len = 0;
	GSList *uris;
	guint bucket = 0;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	g_assert_true(g_file_get_contents(manifest_path, &manifest, &manifest_len, NULL));
	ctx.manifest = g_bytes_new(manifest, manifest_len);

	/* make sure a rollout id exists, and read it */
	g_assert_true(upd_rollout_get_bucket(APP_ID, "1.0", &bucket, NULL));
	rollout_path = g_build_filename(g_getenv("XDG_STATE_HOME"), "updater", "rollout-id", NULL);
	g_assert_true(g_file_get_contents(rollout_path, &rollout_id, NULL, NULL));
	g_strstrip(rollout_id);
	g_assert_cmpuint(strlen(rollout_id), ==, 32);
	for (guint i = 0; i < 16; i++)
		raw_id[i] = (guint8)(g_ascii_xdigit_value(rollout_id[2 * i]) << 4 |
				     g_ascii_xdigit_value(rollout_id[2 * i + 1]));

	soup_server_add_handler(soup, "/v1/check", privacy_check_handler, &ctx, NULL);
	g_assert_true(soup_server_listen_local(soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error(error);
	uris = soup_server_get_uris(soup);
	url = g_uri_to_string(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);

	config = fixture_config(f, url, NULL, NULL);
	client = upd_client_new(config);
	result = check(client, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(ctx.received);

	request = updater__check_request__unpack(NULL, g_bytes_get_size(ctx.received),
						 g_bytes_get_data(ctx.received, NULL));
	g_assert_nonnull(request);
	g_assert_cmpstr(request->app_id, ==, APP_ID);
	g_assert_cmpstr(request->channel, ==, "stable");
	g_assert_cmpstr(request->platform, ==, "linux");
	g_assert_nonnull(request->arch);
	g_assert_null(request->installed_version);
	g_assert_cmpuint(request->highest_serial, ==, 0);
	g_assert_cmpuint(request->base.n_unknown_fields, ==, 0);

	g_assert_false(bytes_contain(ctx.received, raw_id, sizeof(raw_id)));
	g_assert_false(bytes_contain(ctx.received, rollout_id, strlen(rollout_id)));
	g_assert_false(bytes_contain(ctx.received, g_get_user_name(), strlen(g_get_user_name())));
	g_assert_false(bytes_contain(ctx.received, g_get_host_name(), strlen(g_get_host_name())));
	g_assert_false(bytes_contain(ctx.received, g_get_home_dir(), strlen(g_get_home_dir())));

	/* the second check tells the serial it saw, nothing more */
	g_clear_object(&result);
	result = check(client, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&request, upd_pb_free_updater__check_request);
	request = updater__check_request__unpack(NULL, g_bytes_get_size(ctx.received),
						 g_bytes_get_data(ctx.received, NULL));
	g_assert_cmpuint(request->highest_serial, ==, 1);

	soup_server_disconnect(soup);
	g_bytes_unref(ctx.manifest);
	g_bytes_unref(ctx.received);
}

static void
test_minimum_version(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *from_1[] = {"2.0", NULL};
	const gchar *from_2[] = {"3.0", NULL};

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "3.0", f->payload_v1, "--minimum-version", "2.0",
			 "--mandatory", NULL);
	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);

	/* 1.0 must go through 2.0 first */
	upd_client_set_installed_version(client, "1.0");
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		assert_available(result, from_1);
		g_assert_false(upd_check_result_get_mandatory(result));
	}
	upd_client_set_installed_version(client, "2.0");
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		assert_available(result, from_2);
		g_assert_true(upd_check_result_get_mandatory(result));
	}
}

static void
test_serial_rollback(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *manifest_path =
		g_build_filename(f->repo, "apps", APP_ID, "stable", "manifest", NULL);
	g_autofree gchar *old_manifest = NULL;
	gsize old_len = 0;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	g_assert_true(g_file_get_contents(manifest_path, &old_manifest, &old_len, NULL));
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, NULL);
	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
	}
	/* somebody serves the older, validly signed manifest again: refused */
	upd_test_write_file(manifest_path, old_manifest, old_len, 0644);
	{
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SERIAL_ROLLBACK);
		g_test_message("%s", error->message);
	}
	/* even by a new client object: the serial is persisted */
	{
		g_autoptr(UpdClient) client2 = upd_client_new(config);
		g_autoptr(GError) error2 = NULL;
		g_autoptr(UpdCheckResult) result = check(client2, NULL, &error2);
		g_assert_null(result);
		g_assert_error(error2, UPD_ERROR, UPD_ERROR_SERIAL_ROLLBACK);
	}
}

static void
test_key_rotation(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *new_prefix = g_build_filename(f->dir, "new", NULL);
	g_autofree gchar *new_public = upd_test_keygen(new_prefix);
	g_autofree gchar *new_key = g_strdup_printf("%s.secret", new_prefix);
	g_autofree gchar *both = NULL;
	g_autoptr(GError) error = NULL;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	fixture_serve(f);
	both = g_strdup_printf("%s;%s", f->public_line, new_public);

	/* signed by old and new: clients pinning either accept */
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, "--key", new_key, NULL);
	{
		g_autoptr(UpdAppConfig) config =
			fixture_config(f, f->server->url, new_public, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_auto(GStrv) parts = g_strsplit(new_public, ":", 3);
		g_assert_no_error(error);
		g_assert_cmpstr(upd_manifest_get_key_id(upd_check_result_get_manifest(result)), ==,
				parts[1]);
	}
	/* the old key retired: a client pinning only it refuses, one pinning both accepts */
	g_free(upd_test_run_ok(upd_test_program("UPDATER_PUBLISH"), "resign", "--repo", f->repo,
			       "--app", APP_ID, "--key", new_key, NULL));
	{
		g_autoptr(UpdAppConfig) config = fixture_config(f, f->server->url, NULL, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
		g_clear_error(&error);
	}
	{
		g_autoptr(UpdAppConfig) config = fixture_config(f, f->server->url, both, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(result);
	}
}

static void
test_errors(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) stranger = upd_key_generate(NULL);
	g_autofree gchar *stranger_line = upd_key_to_public_line(stranger);

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	fixture_serve(f);

	/* pinned a key that never signed */
	{
		g_autoptr(UpdAppConfig) config =
			fixture_config(f, f->server->url, stranger_line, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
		g_clear_error(&error);
	}
	/* a channel the repository does not have */
	{
		g_autoptr(UpdAppConfig) config =
			fixture_config(f, f->server->url, NULL, "Channel=nightly", NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, "nightly"));
		g_clear_error(&error);
	}
	/* cancelled before it started */
	{
		g_autoptr(UpdAppConfig) config = fixture_config(f, f->server->url, NULL, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(GCancellable) cancellable = g_cancellable_new();
		g_autoptr(UpdCheckResult) result = NULL;
		g_cancellable_cancel(cancellable);
		result = check(client, cancellable, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_CANCELLED);
		g_clear_error(&error);
	}
}

/* a TCP port with nothing listening: bound, then closed again */
static guint
dead_port(void)
{
	g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
						 G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_true(g_socket_bind(socket, any, FALSE, NULL));
	bound = g_socket_get_local_address(socket, NULL);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

static void
test_mirrors(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *dead = g_strdup_printf("http://127.0.0.1:%u/", dead_port());
	g_autofree gchar *dead2 = g_strdup_printf("http://127.0.0.1:%u/", dead_port());
	g_autofree gchar *mirrors = NULL;
	g_autofree gchar *expected_source = NULL;
	g_autoptr(GError) error = NULL;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	fixture_serve(f);

	/* the endpoint is down: the mirrors serve the signed manifest */
	mirrors = g_strdup_printf("Mirrors=%s;%s", dead2, f->server->url);
	{
		g_autoptr(UpdAppConfig) config = fixture_config(f, dead, NULL, mirrors, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_no_error(error);
		expected_source =
			g_strconcat(f->server->url, "apps/" APP_ID "/stable/manifest", NULL);
		g_assert_cmpstr(upd_check_result_get_source_url(result), ==, expected_source);
	}
	/* all down: the endpoint's error is the one reported */
	{
		g_autofree gchar *only_dead = g_strdup_printf("Mirrors=%s", dead2);
		g_autoptr(UpdAppConfig) config = fixture_config(f, dead, NULL, only_dead, NULL);
		g_autoptr(UpdClient) client = upd_client_new(config);
		g_autoptr(UpdCheckResult) result = check(client, NULL, &error);
		g_assert_null(result);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_NETWORK);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, dead));
	}
}

/* checks against a static server answering at @url: POST v1/check is refused
 * there, and the client verifies the static manifest itself */
static void
check_static_server(Fixture *f, const gchar *url)
{
	g_autofree gchar *expected_source =
		g_strconcat(url, "apps/" APP_ID "/stable/manifest", NULL);
	g_autoptr(UpdAppConfig) config = fixture_config(f, url, NULL, NULL);
	g_autoptr(UpdClient) client = upd_client_new(config);
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *expected[] = {"2.0", "1.0", NULL};

	result = check(client, NULL, &error);
	g_assert_no_error(error);
	assert_available(result, expected);
	g_assert_cmpstr(upd_check_result_get_source_url(result), ==, expected_source);
}

static gboolean
wait_for_port(GSubprocess *process, guint port)
{
	for (guint i = 0; i < 500; i++) {
		g_autoptr(GSocketClient) sc = g_socket_client_new();
		g_autoptr(GSocketConnection) conn =
			g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, NULL);
		if (conn != NULL)
			return TRUE;
		if (g_subprocess_get_identifier(process) == NULL)
			return FALSE;
		g_usleep(10000);
	}
	return FALSE;
}

/* Python's http.server, which comes with every Debian that has meson: it
 * answers 501 to POST */
static void
test_static_python(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	guint port = 0;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, NULL);
	for (guint attempt = 0; attempt < 5 && process == NULL; attempt++) {
		g_autofree gchar *port_str = NULL;
		port = dead_port();
		port_str = g_strdup_printf("%u", port);
		process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
						   G_SUBPROCESS_FLAGS_STDERR_SILENCE,
					   &error, "python3", "-m", "http.server", port_str,
					   "--bind", "127.0.0.1", "--directory", f->repo, NULL);
		g_assert_no_error(error);
		if (!wait_for_port(process, port))
			g_clear_object(&process);
	}
	g_assert_nonnull(process);
	url = g_strdup_printf("http://127.0.0.1:%u/", port);
	check_static_server(f, url);
	g_subprocess_force_exit(process);
	g_subprocess_wait(process, NULL, NULL);
}

/* nginx, when it is installed (it answers 405 to POST) */
static void
test_static_nginx(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *nginx = g_find_program_in_path("nginx");
	g_autofree gchar *conf_path = g_build_filename(f->dir, "nginx.conf", NULL);
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	guint port = 0;

	if (nginx == NULL && g_file_test("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE))
		nginx = g_strdup("/usr/sbin/nginx");
	if (nginx == NULL) {
		g_test_skip("nginx is not installed; /libupdater/client/static-python covers a "
			    "static server");
		return;
	}
	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	upd_test_publish(f->repo, f->key, APP_ID, "2.0", f->payload_v2, NULL);

	/* nginx cannot pick a free port itself; retry if another process takes it */
	for (guint attempt = 0; attempt < 5 && process == NULL; attempt++) {
		g_autofree gchar *conf = NULL;
		port = dead_port();
		conf = g_strdup_printf("daemon off;\nmaster_process off;\npid %s/nginx.pid;\n"
				       "error_log stderr;\nevents {}\n"
				       "http {\n access_log off;\n"
				       " client_body_temp_path %s/nginx-body;\n"
				       " proxy_temp_path %s/nginx-proxy;\n"
				       " fastcgi_temp_path %s/nginx-fastcgi;\n"
				       " uwsgi_temp_path %s/nginx-uwsgi;\n"
				       " scgi_temp_path %s/nginx-scgi;\n"
				       " server { listen 127.0.0.1:%u; root %s; }\n}\n",
				       f->dir, f->dir, f->dir, f->dir, f->dir, f->dir, port,
				       f->repo);
		upd_test_write_file(conf_path, conf, -1, 0644);
		process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, nginx, "-c",
					   conf_path, "-p", f->dir, NULL);
		g_assert_no_error(error);
		if (!wait_for_port(process, port))
			g_clear_object(&process);
	}
	g_assert_nonnull(process);
	url = g_strdup_printf("http://127.0.0.1:%u/", port);
	check_static_server(f, url);
	g_subprocess_send_signal(process, SIGTERM);
	g_subprocess_wait(process, NULL, NULL);
}

static void
test_expired(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *manifest_path =
		g_build_filename(f->repo, "apps", APP_ID, "stable", "manifest", NULL);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) resigned = NULL;
	g_autoptr(UpdManifest) old = NULL;
	g_autoptr(UpdKey) key = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	Updater__Manifest pb;

	upd_test_publish(f->repo, f->key, APP_ID, "1.0", f->payload_v1, NULL);
	g_assert_true(g_file_get_contents(manifest_path, &contents, &len, NULL));
	bytes = g_bytes_new_take(g_steal_pointer(&contents), len);
	old = upd_manifest_new_unverified(bytes, &error);
	g_assert_no_error(error);
	/* the publisher's own key signs a manifest that expired an hour ago */
	key = upd_key_new_from_secret_file(f->key, &error);
	g_assert_no_error(error);
	g_ptr_array_add(keys, g_steal_pointer(&key));
	pb = *upd_manifest_get_pb(old);
	pb.expires_at = g_get_real_time() / G_USEC_PER_SEC - 3600;
	resigned = upd_manifest_sign_pb(&pb, keys, &error);
	g_assert_no_error(error);
	upd_test_write_file(manifest_path, g_bytes_get_data(resigned, NULL),
			    g_bytes_get_size(resigned), 0644);

	fixture_serve(f);
	config = fixture_config(f, f->server->url, NULL, NULL);
	client = upd_client_new(config);
	result = check(client, NULL, &error);
	g_assert_null(result);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_EXPIRED);
	g_test_message("%s", error->message);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add("/libupdater/client/end-to-end", Fixture, NULL, fixture_setup, test_end_to_end,
		   fixture_teardown);
	g_test_add("/libupdater/client/installed", Fixture, NULL, fixture_setup, test_installed,
		   fixture_teardown);
	g_test_add("/libupdater/client/rollout", Fixture, NULL, fixture_setup, test_rollout,
		   fixture_teardown);
	g_test_add("/libupdater/client/request-privacy", Fixture, NULL, fixture_setup,
		   test_request_privacy, fixture_teardown);
	g_test_add("/libupdater/client/minimum-version", Fixture, NULL, fixture_setup,
		   test_minimum_version, fixture_teardown);
	g_test_add("/libupdater/client/serial-rollback", Fixture, NULL, fixture_setup,
		   test_serial_rollback, fixture_teardown);
	g_test_add("/libupdater/client/key-rotation", Fixture, NULL, fixture_setup,
		   test_key_rotation, fixture_teardown);
	g_test_add("/libupdater/client/errors", Fixture, NULL, fixture_setup, test_errors,
		   fixture_teardown);
	g_test_add("/libupdater/client/mirrors", Fixture, NULL, fixture_setup, test_mirrors,
		   fixture_teardown);
	g_test_add("/libupdater/client/static-python", Fixture, NULL, fixture_setup,
		   test_static_python, fixture_teardown);
	g_test_add("/libupdater/client/static-nginx", Fixture, NULL, fixture_setup,
		   test_static_nginx, fixture_teardown);
	g_test_add("/libupdater/client/expired", Fixture, NULL, fixture_setup, test_expired,
		   fixture_teardown);
	return g_test_run();
}

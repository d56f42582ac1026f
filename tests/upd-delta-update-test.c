/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "upd-delta-private.h"
#include "upd-file-private.h"
#include "upd-manifest-private.h"
#include "upd-pack-private.h"
#include "upd-pb-private.h"
#include "upd-plan-private.h"
#include "upd-repo-layout-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"
#include "upd-test-fault-server.h"
#include "updater.h"

/* Binary deltas end to end: updater-publish makes them, updater-server (or
 * the tests' counting server) serves them, updaterctl and the library plan,
 * fetch, apply and verify them, and fall back to the whole object when a
 * delta cannot be used. */

#define APP_ID	      "org.example.Delta"
#define KIB	      1024
#define MIB	      (1024 * 1024)
#define BIG_SIZE      MIB
#define EXE_SIZE      (512 * KIB)
#define RANDOM_SIZE   (64 * KIB)
#define N_VERSIONS    3
#define CONTENT_SEED  20260101
#define TEXT_SEED     77
#define RANDOM_SEED_0 1000

static const gchar *const versions[N_VERSIONS] = {"1.0", "1.1", "1.2"};

typedef struct {
	gchar *dir;
	gchar *state;
	gchar *cache;
	gchar *env_state; /* "XDG_STATE_HOME=..." for subprocesses */
	gchar *env_cache;
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *install;
	gchar *config;
	UpdTestServer *server;
	gchar *payload[N_VERSIONS]; /* what each version publishes */
	gboolean exe;		    /* single exe payloads instead of trees */
	gboolean no_packs;	    /* publish with --no-packs */
	guint n_caches;
} Fixture;

/* what updater-publish --json said about the deltas it made */
typedef struct {
	guint deltas;
	guint64 delta_bytes;
	guint64 full_bytes;
	gdouble seconds;
} PublishFigures;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;

	f->dir = upd_test_mkdtemp("delta");
	f->state = g_build_filename(f->dir, "state", NULL);
	f->cache = g_build_filename(f->dir, "cache", NULL);
	g_setenv("XDG_STATE_HOME", f->state, TRUE);
	g_setenv("XDG_CACHE_HOME", f->cache, TRUE);
	f->env_state = g_strdup_printf("XDG_STATE_HOME=%s", f->state);
	f->env_cache = g_strdup_printf("XDG_CACHE_HOME=%s", f->cache);
	f->repo = g_build_filename(f->dir, "repo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->install = g_build_filename(f->dir, "install", NULL);
	f->config = g_build_filename(f->dir, "app.conf", NULL);
	f->exe = GPOINTER_TO_INT(user_data);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->server, upd_test_server_stop);
	for (guint i = 0; i < N_VERSIONS; i++)
		g_free(f->payload[i]);
	g_free(f->dir);
	g_free(f->state);
	g_free(f->cache);
	g_free(f->env_state);
	g_free(f->env_cache);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->install);
	g_free(f->config);
}

/* a fresh, empty download cache: what is left are the installed files */
static void
fixture_new_cache(Fixture *f)
{
	g_autofree gchar *name = g_strdup_printf("cache-%u", ++f->n_caches);

	g_free(f->cache);
	g_free(f->env_cache);
	f->cache = g_build_filename(f->dir, name, NULL);
	f->env_cache = g_strdup_printf("XDG_CACHE_HOME=%s", f->cache);
	g_setenv("XDG_CACHE_HOME", f->cache, TRUE);
}

/* ------------------------------------------------------------- payloads */

/* binary-like content that changes a little from one version to the next,
 * as a rebuilt program does: a few bytes changed here and there, a few
 * inserted; the same for every run */
static GByteArray *
make_binary(gsize size, guint version, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	GByteArray *bytes = g_byte_array_sized_new(size + 64 * N_VERSIONS);

	g_byte_array_set_size(bytes, size);
	for (gsize i = 0; i < size; i++)
		bytes->data[i] = (guint8)g_rand_int(rand);
	for (guint v = 1; v <= version; v++) {
		guint8 inserted[32];
		guint at;
		for (guint i = 0; i < 64; i++)
			bytes->data[g_rand_int_range(rand, 0, (gint32)bytes->len)] =
				(guint8)g_rand_int(rand);
		for (guint i = 0; i < sizeof(inserted); i++)
			inserted[i] = (guint8)g_rand_int(rand);
		at = (guint)g_rand_int_range(rand, 0, (gint32)bytes->len);
		g_byte_array_set_size(bytes, bytes->len + sizeof(inserted));
		memmove(bytes->data + at + sizeof(inserted), bytes->data + at,
			bytes->len - sizeof(inserted) - at);
		memcpy(bytes->data + at, inserted, sizeof(inserted));
	}
	return bytes;
}

/* content nobody could make a delta for: new random bytes in every version */
static void
write_random(const gchar *path, gsize size, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autofree guint8 *data = g_malloc(size);

	for (gsize i = 0; i < size; i++)
		data[i] = (guint8)g_rand_int(rand);
	upd_test_write_file(path, (const gchar *)data, (gssize)size, 0644);
}

/* version @v of the tree: a small README, a 1 MiB program that changes a
 * little, 64 KiB of new random data, and a file that never changes */
static gchar *
make_tree(Fixture *f, guint v)
{
	g_autofree gchar *name = g_strdup_printf("tree-%s", versions[v]);
	gchar *dir = g_build_filename(f->dir, name, NULL);
	g_autofree gchar *readme = g_build_filename(dir, "README", NULL);
	g_autofree gchar *big = g_build_filename(dir, "bin", "app.bin", NULL);
	g_autofree gchar *random = g_build_filename(dir, "data", "random.bin", NULL);
	g_autofree gchar *same = g_build_filename(dir, "data", "same.txt", NULL);
	g_autofree gchar *text = g_strdup_printf("Delta test %s\n", versions[v]);
	g_autoptr(GByteArray) bytes = make_binary(BIG_SIZE, v, CONTENT_SEED);
	g_autoptr(GString) same_text = g_string_new(NULL);

	upd_test_write_file(readme, text, -1, 0644);
	upd_test_write_file(big, (const gchar *)bytes->data, (gssize)bytes->len, 0644);
	write_random(random, RANDOM_SIZE, RANDOM_SEED_0 + v);
	for (guint i = 0; i < 2000; i++)
		g_string_append_printf(same_text, "line %u stays the same\n", i);
	upd_test_write_file(same, same_text->str, (gssize)same_text->len, 0644);
	return dir;
}

/* version @v of a single executable: a script that says its version,
 * followed by binary-like bytes that change a little */
static gchar *
make_exe(Fixture *f, guint v)
{
	g_autofree gchar *name = g_strdup_printf("exe-%s", versions[v]);
	gchar *path = g_build_filename(f->dir, name, "app", NULL);
	g_autofree gchar *script = g_strdup_printf("#!/bin/sh\necho %s\nexit 0\n", versions[v]);
	g_autoptr(GByteArray) bytes = make_binary(EXE_SIZE, v, CONTENT_SEED + 1);
	g_autoptr(GByteArray) content = g_byte_array_new();

	g_byte_array_append(content, (const guint8 *)script, strlen(script));
	g_byte_array_append(content, bytes->data, bytes->len);
	upd_test_write_file(path, (const gchar *)content->data, (gssize)content->len, 0755);
	return path;
}

static void
fixture_make_payloads(Fixture *f)
{
	for (guint v = 0; v < N_VERSIONS; v++)
		f->payload[v] = f->exe ? make_exe(f, v) : make_tree(f, v);
}

/* the same file in an installed version */
static gchar *
fixture_installed_delta_file(Fixture *f, guint v)
{
	return g_build_filename(f->install, "versions", versions[v], f->exe ? "app" : "bin/app.bin",
				NULL);
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

/* ------------------------------------------------------------ publishing */

static JsonObject *
parse_json(JsonParser *parser, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

/* publishes version @v with updater-publish --json (extra arguments are
 * NULL-terminated) and makes sure the server runs */
static PublishFigures
fixture_publish(Fixture *f, guint v, ...) G_GNUC_NULL_TERMINATED;

static PublishFigures
fixture_publish(Fixture *f, guint v, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	PublishFigures figures;
	JsonObject *json;
	const gchar *arg;
	va_list args;
	gint status;

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATER_PUBLISH"));
	g_ptr_array_add(argv, (gpointer) "release");
	g_ptr_array_add(argv, (gpointer) "--repo");
	g_ptr_array_add(argv, f->repo);
	g_ptr_array_add(argv, (gpointer) "--key");
	g_ptr_array_add(argv, f->key);
	g_ptr_array_add(argv, (gpointer) "--app");
	g_ptr_array_add(argv, (gpointer)APP_ID);
	g_ptr_array_add(argv, (gpointer) "--version");
	g_ptr_array_add(argv, (gpointer)versions[v]);
	g_ptr_array_add(argv, (gpointer) "--type");
	g_ptr_array_add(argv, (gpointer)(f->exe ? "exe" : "tree"));
	g_ptr_array_add(argv, (gpointer) "--json");
	va_start(args, v);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, f->payload[v]);
	g_ptr_array_add(argv, NULL);
	status = upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, &out, &err);
	if (status != 0)
		g_error("publishing %s failed with %d: %s", versions[v], status, err);
	json = parse_json(parser, out);
	figures.deltas = (guint)json_object_get_int_member(json, "deltas");
	figures.delta_bytes = (guint64)json_object_get_int_member(json, "delta_bytes");
	figures.full_bytes = (guint64)json_object_get_int_member(json, "delta_full_bytes");
	figures.seconds = json_object_get_double_member(json, "delta_seconds");
	g_test_message("published %s: %u deltas, %" G_GUINT64_FORMAT
		       " bytes against %" G_GUINT64_FORMAT " for the whole objects, made in %.2f s",
		       versions[v], figures.deltas, figures.delta_bytes, figures.full_bytes,
		       figures.seconds);
	if (f->server == NULL)
		f->server = upd_test_server_start(f->repo, NULL);
	return figures;
}

/* the channel's manifest as the repository has it */
static UpdManifest *
fixture_load_manifest(Fixture *f)
{
	g_autofree gchar *relative = upd_repo_manifest_path(APP_ID, "stable");
	g_autofree gchar *path = g_build_filename(f->repo, relative, NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GBytes) bytes = NULL;
	UpdManifest *manifest;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_no_error(error);
	bytes = g_bytes_new_take(contents, len);
	manifest = upd_manifest_new_unverified(bytes, &error);
	g_assert_no_error(error);
	return manifest;
}

/* the object of version @v at @path ("" for a single payload) */
static const Updater__Object *
manifest_object(UpdManifest *manifest, guint v, const gchar *path)
{
	const Updater__Manifest *pb = upd_manifest_get_pb(manifest);

	for (gsize i = 0; i < pb->n_releases; i++) {
		const Updater__Payload *payload;
		if (g_strcmp0(pb->releases[i]->version, versions[v]) != 0)
			continue;
		payload = pb->releases[i]->components[0]->payload;
		if (path[0] == '\0')
			return payload->object;
		for (gsize j = 0; j < payload->n_entries; j++) {
			if (g_strcmp0(payload->entries[j]->path, path) == 0)
				return payload->entries[j]->object;
		}
	}
	g_error("no object %s in %s", path, versions[v]);
	return NULL;
}

static const gchar *
fixture_delta_entry(Fixture *f)
{
	return f->exe ? "" : "bin/app.bin";
}

/* the delta of @object from the content of @base_file, NULL without one */
/* the object's delta from @base_file's content, which the test needs: its
 * absence ends the test (g_error() does not return, so the callers need no
 * NULL check that an optimiser could doubt) */
static const Updater__Delta *
object_delta_from(const Updater__Object *object, const gchar *base_file)
{
	g_autofree gchar *hex = file_hex(base_file);

	for (gsize i = 0; i < object->n_deltas; i++) {
		g_autofree gchar *base = upd_sha256_to_hex(object->deltas[i]->base_sha256.data);
		if (g_strcmp0(base, hex) == 0 && object->deltas[i]->patch != NULL)
			return object->deltas[i];
	}
	g_error("the manifest lists no delta from %s (%s)", base_file, hex);
}

/* ------------------------------------------------------------ updaterctl */

static void
fixture_write_config(Fixture *f, const gchar *endpoint)
{
	g_autofree gchar *text =
		g_strdup_printf("[Application]\nId=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n",
				APP_ID, endpoint, f->public_line, f->install);
	upd_test_write_file(f->config, text, -1, 0644);
}

/* runs updaterctl --config F COMMAND --json with this test's XDG
 * directories, asserting success; @err gets stderr */
static JsonObject *
ctl_json(Fixture *f, JsonParser *parser, const gchar *command, gchar **err)
{
	const gchar *argv[] = {
		upd_test_program("UPDATERCTL"), "--config", f->config, command, "--json", NULL};
	const gchar *env[] = {f->env_state, f->env_cache, NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err_local = NULL;
	gint status = upd_test_run(argv, env, NULL, &out, &err_local);

	if (status != 0)
		g_error("updaterctl %s exited with %d: %s%s", command, status, out, err_local);
	if (err != NULL)
		*err = g_steal_pointer(&err_local);
	return parse_json(parser, out);
}

static void
ctl_install(Fixture *f, guint v)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *json = ctl_json(f, parser, "install", NULL);

	g_assert_true(json_object_get_boolean_member(json, "installed"));
	g_assert_cmpstr(json_object_get_string_member(json, "version"), ==, versions[v]);
}

/* every file of @expected_dir is in @actual_dir with the same content, and
 * nothing else is */
static void
assert_same_files(const gchar *expected_dir, const gchar *actual_dir, const gchar *relative)
{
	g_autofree gchar *path = relative != NULL ? g_build_filename(expected_dir, relative, NULL)
						  : g_strdup(expected_dir);
	g_autofree gchar *other = relative != NULL ? g_build_filename(actual_dir, relative, NULL)
						   : g_strdup(actual_dir);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GDir) other_dir = g_dir_open(other, 0, NULL);
	const gchar *name;
	guint n = 0;
	guint n_other = 0;

	g_assert_nonnull(dir);
	g_assert_nonnull(other_dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child =
			relative != NULL ? g_build_filename(relative, name, NULL) : g_strdup(name);
		g_autofree gchar *expected = g_build_filename(expected_dir, child, NULL);
		g_autofree gchar *actual = g_build_filename(actual_dir, child, NULL);

		n++;
		if (g_file_test(expected, G_FILE_TEST_IS_DIR)) {
			assert_same_files(expected_dir, actual_dir, child);
		} else {
			g_autofree gchar *expected_hex = file_hex(expected);
			g_autofree gchar *actual_hex = file_hex(actual);
			g_assert_cmpstr(actual_hex, ==, expected_hex);
		}
	}
	while (g_dir_read_name(other_dir) != NULL)
		n_other++;
	g_assert_cmpuint(n_other, ==, n);
}

/* the installed current version is version @v, file by file */
static void
assert_installed(Fixture *f, guint v)
{
	g_autofree gchar *current = g_build_filename(f->install, "current", NULL);

	if (f->exe) {
		g_autofree gchar *app = g_build_filename(current, "app", NULL);
		g_autofree gchar *expected_hex = file_hex(f->payload[v]);
		g_autofree gchar *actual_hex = file_hex(app);
		g_autofree gchar *out = upd_test_run_ok(app, NULL);
		g_autofree gchar *said = g_strdup_printf("%s\n", versions[v]);

		g_assert_cmpstr(actual_hex, ==, expected_hex);
		g_assert_cmpstr(out, ==, said);
	} else {
		assert_same_files(f->payload[v], current, NULL);
	}
}

/* -------------------------------------------------------------- helpers */

/* the download of @to from @from, counted at a server of our own: returns
 * updaterctl download --json, and @server_bytes what the server sent of
 * objects and deltas */
static JsonObject *
counted_download(Fixture *f, JsonParser *parser, guint64 *server_bytes, gchar **err)
{
	g_autoptr(UpdTestFaultServer) counter = upd_test_fault_server_new(f->repo, 1);
	JsonObject *json;

	fixture_write_config(f, upd_test_fault_server_get_url(counter));
	json = ctl_json(f, parser, "download", err);
	*server_bytes =
		upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_OBJECTS_DIR "/") +
		upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_DELTAS_DIR "/") +
		upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_PACKS_DIR "/");
	fixture_write_config(f, f->server->url);
	return json;
}

/* publishes 1.0 (and 1.1 when @installed is 1), installs @installed, then
 * publishes the rest */
static void
fixture_install_then_publish(Fixture *f, guint installed)
{
	const gchar *packs = f->no_packs ? "--no-packs" : NULL;

	fixture_make_payloads(f);
	for (guint v = 0; v <= installed; v++)
		fixture_publish(f, v, "--delta-bases", "2", packs, NULL);
	fixture_write_config(f, f->server->url);
	ctl_install(f, installed);
	assert_installed(f, installed);
	for (guint v = installed + 1; v < N_VERSIONS; v++)
		fixture_publish(f, v, "--delta-bases", "2", packs, NULL);
}

/* ---------------------------------------------------------------- tests */

/* (a) 1.1 installed, update to 1.2: the 1.1 -> 1.2 delta crosses the wire,
 * exactly the planned bytes, far fewer than the whole object */
static void
test_update_from_previous(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *base_file = NULL;
	const Updater__Object *target;
	const Updater__Delta *delta;
	JsonObject *json;
	guint64 server_bytes = 0;
	guint64 planned;

	/* each object and delta in its own request (packs below) */
	f->no_packs = TRUE;
	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	target = manifest_object(manifest, 2, fixture_delta_entry(f));
	base_file = fixture_installed_delta_file(f, 1);
	delta = object_delta_from(target, base_file);
	/* both earlier versions are bases; the smaller delta first */
	g_assert_cmpuint(target->n_deltas, ==, 2);
	g_assert_cmpuint(target->deltas[0]->patch->stored_size, <=,
			 target->deltas[1]->patch->stored_size);

	/* a fresh cache: the installed files are the only bases */
	fixture_new_cache(f);
	json = counted_download(f, parser, &server_bytes, NULL);
	planned = (guint64)json_object_get_int_member(json, "download_size");
	g_test_message("1.1 -> 1.2: %" G_GUINT64_FORMAT
		       " bytes planned and sent; the delta is %" G_GUINT64_FORMAT
		       " bytes against %" G_GUINT64_FORMAT " for the whole object",
		       planned, (guint64)delta->patch->stored_size, (guint64)target->stored_size);
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(json, "delta_fallbacks"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(json, "delta_saved"), ==,
			(gint64)(target->stored_size - delta->patch->stored_size));
	g_assert_cmpuint(server_bytes, ==, planned);
	g_assert_cmpint(json_object_get_int_member(json, "bytes_received"), ==, (gint64)planned);
	/* the delta itself is a small fraction of the whole object */
	g_assert_cmpuint(delta->patch->stored_size * 20, <, target->stored_size);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

/* (b) 1.0 installed, update to 1.2: the 1.0 -> 1.2 delta is the one used */
static void
test_update_from_older(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *base_file = NULL;
	g_autofree gchar *delta_url = NULL;
	g_autoptr(UpdTestFaultServer) counter = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	const Updater__Object *target;
	const Updater__Delta *delta;
	JsonObject *json;

	/* each object and delta in its own request (packs below) */
	f->no_packs = TRUE;
	fixture_install_then_publish(f, 0);
	manifest = fixture_load_manifest(f);
	target = manifest_object(manifest, 2, fixture_delta_entry(f));
	base_file = fixture_installed_delta_file(f, 0);
	delta = object_delta_from(target, base_file);
	delta_url = g_strconcat("/", delta->patch->path, NULL);

	fixture_new_cache(f);
	counter = upd_test_fault_server_new(f->repo, 1);
	fixture_write_config(f, upd_test_fault_server_get_url(counter));
	json = ctl_json(f, parser, "download", NULL);
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(json, "delta_fallbacks"), ==, 0);
	/* exactly one delta was asked for: the one from 1.0 */
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_DELTAS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 1);
	g_assert_cmpstr(((UpdTestFaultRequest *)g_ptr_array_index(requests, 0))->path, ==,
			delta_url);
	g_assert_cmpuint(
		upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_OBJECTS_DIR "/") +
			upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_DELTAS_DIR "/"),
		==, (guint64)json_object_get_int_member(json, "download_size"));
	fixture_write_config(f, f->server->url);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

/* (c) the installed base was edited: its digest does not match, so the
 * planner takes the whole object */
static void
test_wrong_base(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdTestFaultServer) counter = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *base_file = NULL;
	const Updater__Object *target;
	JsonObject *json;
	guint64 server_bytes = 0;

	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	target = manifest_object(manifest, 2, fixture_delta_entry(f));
	base_file = fixture_installed_delta_file(f, 1);
	(void)object_delta_from(target, base_file);
	/* replaced, not edited in place: the cache may share its inode */
	g_assert_cmpint(g_unlink(base_file), ==, 0);
	upd_test_write_file(base_file, "#!/bin/sh\necho edited\n", -1, 0755);

	fixture_new_cache(f);
	counter = upd_test_fault_server_new(f->repo, 1);
	fixture_write_config(f, upd_test_fault_server_get_url(counter));
	json = ctl_json(f, parser, "download", NULL);
	server_bytes = upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_OBJECTS_DIR "/") +
		       upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_DELTAS_DIR "/");
	fixture_write_config(f, f->server->url);
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(json, "delta_fallbacks"), ==, 0);
	g_assert_cmpuint(server_bytes, ==,
			 (guint64)json_object_get_int_member(json, "download_size"));
	g_assert_cmpuint(server_bytes, >=, target->stored_size);
	/* the pack holds the delta this client cannot use: not taken */
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_PACKS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 0);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

/* flips one byte in the middle of a file, keeping its size */
static void
flip_byte(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(len, >, 0);
	contents[len / 2] ^= 0x5a;
	g_assert_true(g_file_set_contents(path, contents, (gssize)len, &error));
	g_assert_no_error(error);
	g_free(contents);
}

/* (d) the delta in the repository is damaged: it does not verify, a warning
 * says so, the whole object is downloaded and the install is right */
static void
test_corrupt_delta(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *base_file = NULL;
	g_autofree gchar *delta_path = NULL;
	g_autofree gchar *err = NULL;
	const Updater__Object *target;
	const Updater__Delta *delta;
	JsonObject *json;
	guint64 server_bytes = 0;
	guint64 planned;

	/* each object and delta in its own request (packs below) */
	f->no_packs = TRUE;
	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	target = manifest_object(manifest, 2, fixture_delta_entry(f));
	base_file = fixture_installed_delta_file(f, 1);
	delta = object_delta_from(target, base_file);
	delta_path = g_build_filename(f->repo, delta->patch->path, NULL);
	flip_byte(delta_path);

	fixture_new_cache(f);
	json = counted_download(f, parser, &server_bytes, &err);
	planned = (guint64)json_object_get_int_member(json, "download_size");
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(json, "delta_fallbacks"), ==, 1);
	g_assert_nonnull(strstr(err, "unusable"));
	/* the plan counted the delta; the delta and then the whole object came */
	g_assert_cmpuint(server_bytes, ==, planned + target->stored_size);
	g_assert_cmpint(json_object_get_int_member(json, "bytes_received"), ==,
			(gint64)server_bytes);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

static void
async_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static void
progress_cb(UpdDownloader *downloader,
	    guint64 done,
	    guint64 total,
	    gdouble rate,
	    gint64 eta,
	    gpointer user_data)
{
	guint64 *last = user_data;
	g_assert_cmpuint(done, <=, total);
	last[0] = done;
	last[1] = total;
}

/* the base changed between plan and download: the delta applies to the
 * wrong bytes, the result does not verify, and the whole object comes */
static void
test_base_changed_after_plan(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *base_file = NULL;
	g_autofree gchar *base_text = NULL;
	g_autoptr(GByteArray) other = NULL;
	const Updater__Object *target;
	const Updater__Delta *delta;
	guint64 progress[2] = {0, 0};
	gsize len = 0;

	/* each object and delta in its own request (packs below) */
	f->no_packs = TRUE;
	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	target = manifest_object(manifest, 2, fixture_delta_entry(f));
	base_file = fixture_installed_delta_file(f, 1);
	delta = object_delta_from(target, base_file);
	fixture_new_cache(f);

	config = upd_app_config_new_from_file(f->config, &error);
	g_assert_no_error(error);
	client = upd_client_new(config);
	result = upd_client_check(client, NULL, &error);
	g_assert_no_error(error);
	plan = upd_client_plan(client, result, upd_check_result_get_update(result), NULL, &error);
	g_assert_no_error(error);

	g_assert_cmpuint(upd_plan_get_n_deltas(plan), ==, 1);
	/* same size, other bytes: only the result's digest can tell */
	g_assert_true(g_file_get_contents(base_file, &base_text, &len, NULL));
	other = g_byte_array_new_take((guint8 *)g_steal_pointer(&base_text), len);
	other->data[len / 2] ^= 0x01;
	g_assert_cmpint(g_unlink(base_file), ==, 0);
	upd_test_write_file(base_file, (const gchar *)other->data, (gssize)len, 0755);

	downloader = upd_downloader_new(config);
	g_signal_connect(downloader, "progress", G_CALLBACK(progress_cb), progress);
	g_test_expect_message("libupdater", G_LOG_LEVEL_WARNING, "*unusable*SHA-256*");
	upd_downloader_download_async(downloader, plan, NULL, async_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(upd_downloader_download_finish(downloader, res, &error));
	g_assert_no_error(error);
	g_test_assert_expected_messages();
	/* the progress total grew by what the whole object costs more */
	g_assert_cmpuint(progress[1], ==,
			 upd_plan_get_download_size(plan) + target->stored_size -
				 delta->patch->stored_size);
	g_assert_cmpuint(progress[0], ==, progress[1]);

	transaction = upd_transaction_new(config);
	g_assert_true(
		upd_transaction_install(transaction, plan, UPD_INSTALL_FLAGS_NONE, NULL, &error));
	g_assert_no_error(error);
	assert_installed(f, 2);
}

/* the pack of release @v for a client that has release @from */
static const Updater__Pack *
manifest_pack(UpdManifest *manifest, guint v, guint from)
{
	const Updater__Manifest *pb = upd_manifest_get_pb(manifest);

	for (gsize i = 0; i < pb->n_releases; i++) {
		if (g_strcmp0(pb->releases[i]->version, versions[v]) != 0)
			continue;
		for (gsize j = 0; j < pb->releases[i]->n_packs; j++) {
			if (g_strcmp0(pb->releases[i]->packs[j]->from_version, versions[from]) == 0)
				return pb->releases[i]->packs[j];
		}
	}
	g_error("no pack of %s from %s", versions[v], versions[from]);
}

/* (f) a tree update from @installed to 1.2 in one request: the pack from
 * @installed, exactly the planned bytes, which are what the objects and the
 * delta one by one would have cost */
static void
check_pack_update(Fixture *f, guint installed)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(UpdTestFaultServer) counter = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GArray) parts = NULL;
	g_autofree gchar *pack_url = NULL;
	const Updater__Pack *pack;
	const Updater__Release *release = NULL;
	const Updater__Release *base = NULL;
	const Updater__Manifest *pb;
	guint64 parts_size = 0;
	JsonObject *json;

	fixture_install_then_publish(f, installed);
	manifest = fixture_load_manifest(f);
	pb = upd_manifest_get_pb(manifest);
	for (gsize i = 0; i < pb->n_releases; i++) {
		if (g_strcmp0(pb->releases[i]->version, versions[2]) == 0)
			release = pb->releases[i];
		if (g_strcmp0(pb->releases[i]->version, versions[installed]) == 0)
			base = pb->releases[i];
	}
	g_assert_nonnull(release);
	g_assert_nonnull(base);
	/* a pack from each of the last two releases */
	g_assert_cmpuint(release->n_packs, ==, 2);
	pack = manifest_pack(manifest, 2, installed);
	pack_url = g_strconcat("/", pack->object->path, NULL);
	/* README and the random data whole, the program as a delta */
	parts = upd_pack_parts(release, base, &parts_size);
	g_assert_cmpuint(parts->len, ==, 3);
	g_assert_cmpuint(parts_size, ==, pack->object->stored_size);
	g_assert_nonnull(g_array_index(parts, UpdPackPart, 1).delta);

	fixture_new_cache(f);
	counter = upd_test_fault_server_new(f->repo, 1);
	fixture_write_config(f, upd_test_fault_server_get_url(counter));
	json = ctl_json(f, parser, "download", NULL);
	g_test_message("%s -> %s: one pack of %" G_GUINT64_FORMAT " bytes in %u parts",
		       versions[installed], versions[2], (guint64)pack->object->stored_size,
		       parts->len);
	/* besides the check, one request: the pack */
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_PACKS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 1);
	g_assert_cmpstr(((UpdTestFaultRequest *)g_ptr_array_index(requests, 0))->path, ==,
			pack_url);
	g_clear_pointer(&requests, g_ptr_array_unref);
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_OBJECTS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 0);
	g_clear_pointer(&requests, g_ptr_array_unref);
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_DELTAS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 0);
	g_assert_cmpint(json_object_get_int_member(json, "download_size"), ==,
			(gint64)pack->object->stored_size);
	g_assert_cmpuint(upd_test_fault_server_get_bytes_sent(counter, "/" UPD_REPO_PACKS_DIR "/"),
			 ==, pack->object->stored_size);
	g_assert_cmpint(json_object_get_int_member(json, "bytes_received"), ==,
			(gint64)pack->object->stored_size);
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(json, "delta_fallbacks"), ==, 0);
	fixture_write_config(f, f->server->url);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

static void
test_pack_from_previous(Fixture *f, gconstpointer user_data)
{
	check_pack_update(f, 1);
}

static void
test_pack_from_older(Fixture *f, gconstpointer user_data)
{
	check_pack_update(f, 0);
}

/* (g) the pack in the repository is damaged: a warning says so, the
 * objects and the delta come one by one, and the install is right */
static void
test_corrupt_pack(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *pack_path = NULL;
	g_autofree gchar *err = NULL;
	const Updater__Pack *pack;
	JsonObject *json;
	guint64 server_bytes = 0;
	guint64 planned;

	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	pack = manifest_pack(manifest, 2, 1);
	pack_path = g_build_filename(f->repo, pack->object->path, NULL);
	flip_byte(pack_path);

	fixture_new_cache(f);
	json = counted_download(f, parser, &server_bytes, &err);
	planned = (guint64)json_object_get_int_member(json, "download_size");
	g_assert_cmpuint(planned, ==, pack->object->stored_size);
	g_assert_nonnull(strstr(err, "pack from 1.1"));
	g_assert_nonnull(strstr(err, "unusable"));
	g_assert_cmpint(json_object_get_int_member(json, "deltas"), ==, 1);
	/* the damaged pack, then its parts: the same bytes again */
	g_assert_cmpuint(server_bytes, ==, 2 * planned);
	g_assert_cmpint(json_object_get_int_member(json, "bytes_received"), ==,
			(gint64)server_bytes);
	ctl_install(f, 2);
	assert_installed(f, 2);
}

/* (h) a part of the pack damaged in the cache after it was stored there
 * (as a crash before the one syncfs could leave it): the install refuses
 * it, names it and removes it; the next install downloads that object
 * again, alone, and succeeds */
static void
test_damaged_cache(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(UpdTestFaultServer) counter = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *cached = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const Updater__Object *random;
	const gchar *argv[] = {upd_test_program("UPDATERCTL"), "--config", f->config, "install",
			       NULL};
	const gchar *env[3] = {NULL};
	gint status;

	fixture_install_then_publish(f, 1);
	manifest = fixture_load_manifest(f);
	random = manifest_object(manifest, 2, "data/random.bin");
	fixture_new_cache(f);
	(void)ctl_json(f, parser, "download", NULL);
	hex = upd_sha256_to_hex(random->sha256.data);
	cached = g_build_filename(f->cache, "updater", "objects", NULL);
	{
		g_autofree gchar *prefix = g_strndup(hex, 2);
		g_autofree gchar *dir = cached;
		cached = g_build_filename(dir, prefix, hex, NULL);
	}
	g_assert_true(g_file_test(cached, G_FILE_TEST_IS_REGULAR));
	flip_byte(cached);

	env[0] = f->env_state;
	env[1] = f->env_cache;
	status = upd_test_run(argv, env, NULL, &out, &err);
	g_test_message("install with a damaged cache file: exit %d: %s", status, err);
	g_assert_cmpint(status, !=, 0);
	g_assert_nonnull(strstr(err, hex));
	g_assert_nonnull(strstr(err, "removed from the download cache"));
	g_assert_false(g_file_test(cached, G_FILE_TEST_EXISTS));
	/* 1.1 still current */
	assert_installed(f, 1);

	counter = upd_test_fault_server_new(f->repo, 1);
	fixture_write_config(f, upd_test_fault_server_get_url(counter));
	ctl_install(f, 2);
	requests = upd_test_fault_server_get_requests(counter, "/" UPD_REPO_OBJECTS_DIR "/");
	g_assert_cmpuint(requests->len, ==, 1);
	fixture_write_config(f, f->server->url);
	assert_installed(f, 2);
}

/* (e) --delta-bases 0: no deltas anywhere */
static void
test_no_delta_bases(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *deltas_dir = g_build_filename(f->repo, UPD_REPO_DELTAS_DIR, NULL);

	fixture_make_payloads(f);
	for (guint v = 0; v < N_VERSIONS; v++) {
		PublishFigures figures = fixture_publish(f, v, "--delta-bases", "0", NULL);
		g_assert_cmpuint(figures.deltas, ==, 0);
		g_assert_cmpuint(figures.delta_bytes, ==, 0);
	}
	g_assert_false(g_file_test(deltas_dir, G_FILE_TEST_EXISTS));
	manifest = fixture_load_manifest(f);
	for (guint v = 0; v < N_VERSIONS; v++)
		g_assert_cmpuint(manifest_object(manifest, v, fixture_delta_entry(f))->n_deltas, ==,
				 0);
}

/* (f) what a delta cannot shrink gets none; what changed a little gets one
 * from each of the last two releases, and tiny or unchanged files none */
static void
test_publish_limits(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdManifest) manifest = NULL;
	PublishFigures figures[N_VERSIONS];
	const Updater__Object *big;
	const Updater__Object *random;

	fixture_make_payloads(f);
	/* the default is two bases */
	for (guint v = 0; v < N_VERSIONS; v++)
		figures[v] = fixture_publish(f, v, NULL);
	g_assert_cmpuint(figures[0].deltas, ==, 0);
	g_assert_cmpuint(figures[1].deltas, ==, 1);
	g_assert_cmpuint(figures[2].deltas, ==, 2);
	g_assert_cmpuint(figures[2].delta_bytes * 10, <, figures[2].full_bytes);

	manifest = fixture_load_manifest(f);
	big = manifest_object(manifest, 2, "bin/app.bin");
	g_assert_cmpuint(big->n_deltas, ==, 2);
	for (gsize i = 0; i < big->n_deltas; i++) {
		const Updater__Object *patch = big->deltas[i]->patch;
		g_autofree gchar *path = g_build_filename(f->repo, patch->path, NULL);
		g_autofree gchar *hex = file_hex(path);
		g_autofree gchar *declared = upd_sha256_to_hex(patch->sha256.data);

		g_assert_true(g_str_has_prefix(patch->path, UPD_REPO_DELTAS_DIR "/"));
		g_assert_cmpint(patch->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);
		g_assert_cmpuint(patch->size, ==, patch->stored_size);
		g_assert_cmpstr(hex, ==, declared);
		g_assert_cmpuint(patch->stored_size * 100, <=, big->stored_size * 90);
	}
	/* 64 KiB of new random bytes: no delta is under 90% of it */
	random = manifest_object(manifest, 2, "data/random.bin");
	g_assert_cmpuint(random->n_deltas, ==, 0);
	g_assert_cmpuint(manifest_object(manifest, 2, "README")->n_deltas, ==, 0);
	g_assert_cmpuint(manifest_object(manifest, 2, "data/same.txt")->n_deltas, ==, 0);
}

/* (g) the rule packs and plans share: no zstd patch for a file above
 * UPD_DELTA_ZPATCH_TARGET_MAX, which would take memory the size of the file
 * to apply (an older publisher may have listed one), while an updiff of the
 * same file is taken. Hand-made releases: the publisher no longer makes such
 * a zstd patch. */
static void
test_pack_zpatch_target_max(void)
{
	guint8 base_digest[UPD_SHA256_LEN] = {1};
	guint8 target_digest[UPD_SHA256_LEN] = {2};
	Updater__Object base_object = UPDATER__OBJECT__INIT;
	Updater__Object target = UPDATER__OBJECT__INIT;
	Updater__Object zpatch_object = UPDATER__OBJECT__INIT;
	Updater__Object updiff_object = UPDATER__OBJECT__INIT;
	Updater__Delta zpatch = UPDATER__DELTA__INIT;
	Updater__Delta updiff = UPDATER__DELTA__INIT;
	Updater__Delta *deltas[] = {&zpatch, &updiff};
	Updater__Payload payloads[2] = {UPDATER__PAYLOAD__INIT, UPDATER__PAYLOAD__INIT};
	Updater__Component components[2] = {UPDATER__COMPONENT__INIT, UPDATER__COMPONENT__INIT};
	Updater__Component *release_components[] = {&components[0]};
	Updater__Component *base_components[] = {&components[1]};
	Updater__Release release = UPDATER__RELEASE__INIT;
	Updater__Release base = UPDATER__RELEASE__INIT;
	const guint64 sizes[] = {UPD_DELTA_ZPATCH_TARGET_MAX, UPD_DELTA_ZPATCH_TARGET_MAX + 1};

	base_object.sha256.data = base_digest;
	base_object.sha256.len = UPD_SHA256_LEN;
	target.sha256.data = target_digest;
	target.sha256.len = UPD_SHA256_LEN;
	/* the zstd patch is the smaller, and listed first */
	zpatch_object.stored_size = 1000;
	updiff_object.stored_size = 2000;
	zpatch.base_sha256 = base_object.sha256;
	zpatch.format = UPDATER__DELTA_FORMAT__DELTA_FORMAT_ZSTD_PATCH;
	zpatch.patch = &zpatch_object;
	updiff.base_sha256 = base_object.sha256;
	updiff.format = UPDATER__DELTA_FORMAT__DELTA_FORMAT_UPDIFF;
	updiff.patch = &updiff_object;
	target.deltas = deltas;
	target.n_deltas = G_N_ELEMENTS(deltas);
	payloads[0].object = &target;
	payloads[1].object = &base_object;
	components[0].payload = &payloads[0];
	components[1].payload = &payloads[1];
	release.components = release_components;
	release.n_components = 1;
	base.components = base_components;
	base.n_components = 1;

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(GArray) parts = NULL;
		guint64 size;

		target.size = sizes[i];
		target.stored_size = sizes[i] / 2;
		parts = upd_pack_parts(&release, &base, &size);
		g_assert_cmpuint(parts->len, ==, 1);
		if (sizes[i] <= UPD_DELTA_ZPATCH_TARGET_MAX) {
			g_assert_true(g_array_index(parts, UpdPackPart, 0).delta == &zpatch);
			g_assert_cmpuint(size, ==, 1000);
		} else {
			g_assert_true(g_array_index(parts, UpdPackPart, 0).delta == &updiff);
			g_assert_cmpuint(size, ==, 2000);
		}
	}
	/* nor a format this client does not know, nor one no smaller */
	target.size = 1024 * 1024;
	target.stored_size = 500000;
	g_assert_true(upd_pack_delta_usable(&target, &zpatch));
	zpatch.format = 7;
	g_assert_false(upd_pack_delta_usable(&target, &zpatch));
	target.stored_size = 2000;
	g_assert_false(upd_pack_delta_usable(&target, &updiff));
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);

#define ADD(path, exe, func)                                                                       \
	g_test_add(path, Fixture, GINT_TO_POINTER(exe), fixture_setup, func, fixture_teardown)
	ADD("/delta-update/tree/from-previous", FALSE, test_update_from_previous);
	ADD("/delta-update/tree/from-older", FALSE, test_update_from_older);
	ADD("/delta-update/tree/wrong-base", FALSE, test_wrong_base);
	ADD("/delta-update/tree/corrupt-delta", FALSE, test_corrupt_delta);
	ADD("/delta-update/tree/base-changed-after-plan", FALSE, test_base_changed_after_plan);
	ADD("/delta-update/tree/pack-from-previous", FALSE, test_pack_from_previous);
	ADD("/delta-update/tree/pack-from-older", FALSE, test_pack_from_older);
	ADD("/delta-update/tree/corrupt-pack", FALSE, test_corrupt_pack);
	ADD("/delta-update/tree/damaged-cache", FALSE, test_damaged_cache);
	ADD("/delta-update/exe/from-previous", TRUE, test_update_from_previous);
	ADD("/delta-update/exe/from-older", TRUE, test_update_from_older);
	ADD("/delta-update/exe/wrong-base", TRUE, test_wrong_base);
	ADD("/delta-update/exe/corrupt-delta", TRUE, test_corrupt_delta);
	ADD("/delta-update/publish/no-delta-bases", FALSE, test_no_delta_bases);
	ADD("/delta-update/publish/limits", FALSE, test_publish_limits);
#undef ADD
	g_test_add_func("/delta-update/pack/zpatch-target-max", test_pack_zpatch_target_max);
	return g_test_run();
}

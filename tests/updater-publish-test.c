/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-file-private.h"
#include "upd-manifest-private.h"
#include "upd-repo-layout-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"
#include "upd-zstd-private.h"
#include "updater.h"

/* updater-publish run as a real program: keys, repositories and payloads are
 * made by each test in its own directory; the results are read back through
 * the library. */

#define UPT_TEST_APP "org.example.App"

typedef struct {
	gchar *dir;	    /* (owned): everything the test makes lives here */
	gchar *repo;	    /* (owned): DIR/repo, made by the first release */
	gchar *secret;	    /* (owned): DIR/key.secret */
	gchar *public_line; /* (owned): what keygen printed */
	gchar *payload;	    /* (owned) (nullable): v1 tar.gz of the "published" fixture */
} UptPublishFixture;

/* ------------------------------------------------------------ helpers */

static gint
upt_publish_test_runv(const gchar *const *args, gchar **out, gchar **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATER_PUBLISH"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, out, err);
}

/* runs updater-publish with a NULL-terminated argument list */
static gint
upt_publish_test_run(gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;

static gint
upt_publish_test_run(gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const gchar *arg;
	va_list ap;

	va_start(ap, err);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	return upt_publish_test_runv((const gchar *const *)args->pdata, out, err);
}

/* an error is exit status 1 and exactly one line "updater-publish: ..." */
static void
upt_publish_test_assert_error_line(gint status, const gchar *err, const gchar *expected)
{
	g_assert_cmpint(status, ==, 1);
	g_assert_nonnull(err);
	g_assert_true(g_str_has_prefix(err, "updater-publish: "));
	g_assert_true(g_str_has_suffix(err, "\n"));
	g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
	if (expected != NULL && strstr(err, expected) == NULL)
		g_test_fail_printf("expected “%s” in the error line: %s", expected, err);
}

/* a usage error is exit status 2 with the program's name first */
static void
upt_publish_test_assert_usage_error(gint status, const gchar *err, const gchar *expected)
{
	g_assert_cmpint(status, ==, 2);
	g_assert_nonnull(err);
	g_assert_true(g_str_has_prefix(err, "updater-publish: "));
	if (expected != NULL && strstr(err, expected) == NULL)
		g_test_fail_printf("expected “%s” in the usage error: %s", expected, err);
}

static GBytes *
upt_publish_test_read_bytes(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

static gchar *
upt_publish_test_manifest_path(const gchar *repo, const gchar *app_id, const gchar *channel)
{
	g_autofree gchar *relative = upd_repo_manifest_path(app_id, channel);
	return g_build_filename(repo, relative, NULL);
}

/* verifies a channel's manifest against exactly the given public key lines */
static UpdManifest *
upt_publish_test_verify(const gchar *repo,
			const gchar *app_id,
			const gchar *channel,
			const gchar *const *public_lines,
			GError **error)
{
	g_autofree gchar *path = upt_publish_test_manifest_path(repo, app_id, channel);
	g_autoptr(GBytes) bytes = upt_publish_test_read_bytes(path);
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);

	for (guint i = 0; public_lines[i] != NULL; i++) {
		g_autoptr(GError) error_local = NULL;
		UpdKey *key = upd_key_new_from_public_line(public_lines[i], &error_local);
		g_assert_no_error(error_local);
		g_ptr_array_add(keys, key);
	}
	return upd_manifest_new_verified(bytes, keys, app_id, channel, 0, 0, error);
}

static UpdManifest *
upt_publish_test_load(const gchar *repo,
		      const gchar *app_id,
		      const gchar *channel,
		      const gchar *public_line)
{
	const gchar *lines[] = {public_line, NULL};
	g_autoptr(GError) error = NULL;
	UpdManifest *manifest = upt_publish_test_verify(repo, app_id, channel, lines, &error);

	/* everything after this reads the manifest: stop here */
	if (manifest == NULL)
		g_error("%s %s does not verify: %s", app_id, channel, error->message);
	g_assert_cmpstr(upd_manifest_get_app_id(manifest), ==, app_id);
	g_assert_cmpstr(upd_manifest_get_channel(manifest), ==, channel);
	return manifest;
}

static GByteArray *
upt_publish_test_zstd_decompress(const guint8 *data, gsize len)
{
	g_autoptr(ZSTD_DCtx) dctx = ZSTD_createDCtx();
	g_autoptr(GByteArray) result = g_byte_array_new();
	gsize outcap = ZSTD_DStreamOutSize();
	g_autofree guint8 *outbuf = g_malloc(outcap);
	ZSTD_inBuffer input = {data, len, 0};
	gsize rc = 1;

	g_assert_nonnull(dctx);
	while (input.pos < input.size) {
		ZSTD_outBuffer output = {outbuf, outcap, 0};
		rc = ZSTD_decompressStream(dctx, &output, &input);
		if (ZSTD_isError(rc)) {
			g_test_fail_printf("stored object is not zstd: %s", ZSTD_getErrorName(rc));
			return g_steal_pointer(&result);
		}
		g_byte_array_append(result, outbuf, (guint)output.pos);
	}
	/* 0: the frame is complete, nothing is truncated */
	g_assert_cmpuint(rc, ==, 0);
	return g_steal_pointer(&result);
}

static void
upt_publish_test_assert_digest(const guint8 *data, gsize len, const ProtobufCBinaryData *expected)
{
	guint8 digest[UPD_SHA256_LEN];

	g_assert_cmpuint(expected->len, ==, UPD_SHA256_LEN);
	upd_sha256_data(data, len, digest);
	g_assert_cmpmem(digest, sizeof(digest), expected->data, expected->len);
}

/* the object is where the manifest says, its stored bytes hash to
 * stored_sha256 and what they decode to hashes to sha256; returns the content */
static GBytes *
upt_publish_test_check_object(const gchar *repo, const Updater__Object *object)
{
	gboolean zstd;
	g_autofree gchar *expected_path = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) stored = NULL;
	g_autoptr(GByteArray) content = NULL;
	const guint8 *data;
	gsize len = 0;

	g_assert_nonnull(object);
	g_assert_cmpuint(object->sha256.len, ==, UPD_SHA256_LEN);
	zstd = object->compression == UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	if (!zstd)
		g_assert_cmpint(object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);
	expected_path = upd_repo_object_path(object->sha256.data, zstd);
	g_assert_cmpstr(object->path, ==, expected_path);
	g_assert_true(g_str_has_suffix(object->path, ".zst") == zstd);

	path = g_build_filename(repo, object->path, NULL);
	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	stored = upt_publish_test_read_bytes(path);
	data = g_bytes_get_data(stored, &len);
	g_assert_cmpuint(len, ==, object->stored_size);
	upt_publish_test_assert_digest(data, len, &object->stored_sha256);

	if (!zstd) {
		g_assert_cmpuint(object->stored_size, ==, object->size);
		upt_publish_test_assert_digest(data, len, &object->sha256);
		return g_steal_pointer(&stored);
	}
	content = upt_publish_test_zstd_decompress(data, len);
	g_assert_cmpuint(content->len, ==, object->size);
	upt_publish_test_assert_digest(content->data, content->len, &object->sha256);
	return g_byte_array_free_to_bytes(g_steal_pointer(&content));
}

static void
upt_publish_test_assert_content(GBytes *content, const gchar *path)
{
	g_autoptr(GBytes) expected = upt_publish_test_read_bytes(path);
	g_assert_true(g_bytes_equal(content, expected));
}

/* the single component "main" of a release */
static const Updater__Payload *
upt_publish_test_get_payload(const Updater__Release *release)
{
	g_assert_cmpuint(release->n_components, ==, 1);
	g_assert_cmpstr(release->components[0]->name, ==, "main");
	g_assert_nonnull(release->components[0]->payload);
	return release->components[0]->payload;
}

static guint
upt_publish_test_count_files(const gchar *dir)
{
	g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (handle == NULL)
		return 0;
	while ((name = g_dir_read_name(handle)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			count += upt_publish_test_count_files(path);
		else
			count++;
	}
	return count;
}

static guint
upt_publish_test_count_objects(const gchar *repo)
{
	g_autofree gchar *objects = g_build_filename(repo, "objects", NULL);
	return upt_publish_test_count_files(objects);
}

/* no hidden staging directory is ever left in the repository */
static void
upt_publish_test_assert_no_staging(const gchar *repo)
{
	g_autoptr(GDir) handle = g_dir_open(repo, 0, NULL);
	const gchar *name;

	g_assert_nonnull(handle);
	while ((name = g_dir_read_name(handle)) != NULL)
		g_assert_false(g_str_has_prefix(name, ".staging-"));
}

static JsonNode *
upt_publish_test_parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(json_parser_get_root(parser));
	return json_node_copy(json_parser_get_root(parser));
}

static gchar *
upt_publish_test_path(UptPublishFixture *fixture, const gchar *name)
{
	return g_build_filename(fixture->dir, name, NULL);
}

static void
upt_publish_test_write_text(const gchar *path, const gchar *text)
{
	upd_test_write_file(path, text, -1, 0644);
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
}

static void
upt_publish_test_copy_file(const gchar *src, const gchar *dst)
{
	g_autoptr(GBytes) bytes = upt_publish_test_read_bytes(src);
	gsize len = 0;
	const gchar *data = g_bytes_get_data(bytes, &len);

	upd_test_write_file(dst, data, (gssize)len, 0644);
}

/* a real zip archive with one file, made with libarchive */
static void
upt_publish_test_make_zip(const gchar *path)
{
	struct archive *a = archive_write_new();
	struct archive_entry *entry = archive_entry_new();
	const gchar *contents = "zipped file\n";

	g_assert_cmpint(archive_write_set_format_zip(a), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_filename(a, path), ==, ARCHIVE_OK);
	archive_entry_set_pathname(entry, "app/readme.txt");
	archive_entry_set_size(entry, (la_int64_t)strlen(contents));
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_data(a, contents, strlen(contents)), ==,
			(la_ssize_t)strlen(contents));
	archive_entry_free(entry);
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
}

static gchar *
upt_publish_test_keygen(UptPublishFixture *fixture, const gchar *name, gchar **secret)
{
	g_autofree gchar *prefix = upt_publish_test_path(fixture, name);

	*secret = g_strdup_printf("%s.secret", prefix);
	return upd_test_keygen(prefix);
}

/* ------------------------------------------------------------ fixtures */

static void
upt_publish_fixture_setup(UptPublishFixture *fixture, gconstpointer user_data)
{
	fixture->dir = upd_test_mkdtemp("publish");
	fixture->repo = upt_publish_test_path(fixture, "repo");
	fixture->public_line = upt_publish_test_keygen(fixture, "key", &fixture->secret);
}

/* a repository with release 1.0 of a tar.gz already published */
static void
upt_publish_fixture_setup_published(UptPublishFixture *fixture, gconstpointer user_data)
{
	upt_publish_fixture_setup(fixture, user_data);
	fixture->payload = upt_publish_test_path(fixture, "app-1.0.tar.gz");
	upd_test_make_tar_gz(fixture->payload, "app/bin/app", "#!/bin/sh\necho 1.0\n", "app/README",
			     "version one\n", NULL);
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "1.0", fixture->payload,
			 NULL);
}

static void
upt_publish_fixture_teardown(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	if (g_getenv("UPD_TEST_KEEP") == NULL) {
		upd_file_rm_rf(fixture->dir, &error);
		g_assert_no_error(error);
	}
	g_free(fixture->dir);
	g_free(fixture->repo);
	g_free(fixture->secret);
	g_free(fixture->public_line);
	g_free(fixture->payload);
}

/* -------------------------------------------------------------- keygen */

static void
upt_publish_test_keygen_basic(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *prefix = upt_publish_test_path(fixture, "fresh");
	g_autofree gchar *secret = g_strdup_printf("%s.secret", prefix);
	g_autofree gchar *public = g_strdup_printf("%s.pub", prefix);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *stored = NULL;
	g_autoptr(UpdKey) public_key = NULL;
	g_autoptr(UpdKey) secret_key = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) parts = NULL;
	struct stat st;
	gint status;

	status = upt_publish_test_run(&out, &err, "keygen", prefix, NULL);
	g_assert_cmpint(status, ==, 0);

	/* stdout is the public line, exactly as PREFIX.pub stores it */
	g_assert_true(g_str_has_suffix(out, "\n"));
	g_assert_true(strchr(out, '\n') == out + strlen(out) - 1);
	g_file_get_contents(public, &stored, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(out, ==, stored);
	g_strchomp(out);

	/* ed25519:<16 hex key id>:<base64 of 32 bytes> */
	parts = g_strsplit(out, ":", -1);
	g_assert_cmpuint(g_strv_length(parts), ==, 3);
	g_assert_cmpstr(parts[0], ==, "ed25519");
	g_assert_cmpuint(strlen(parts[1]), ==, UPD_KEY_ID_LEN);
	for (const gchar *p = parts[1]; *p != '\0'; p++)
		g_assert_true(g_ascii_isxdigit(*p));

	public_key = upd_key_new_from_public_line(out, &error);
	g_assert_no_error(error);
	g_assert_false(upd_key_has_secret(public_key));
	g_assert_cmpstr(upd_key_get_id(public_key), ==, parts[1]);
	secret_key = upd_key_new_from_secret_file(secret, &error);
	g_assert_no_error(error);
	g_assert_true(upd_key_has_secret(secret_key));
	g_assert_cmpstr(upd_key_get_id(secret_key), ==, upd_key_get_id(public_key));

	/* the secret half is for the owner only */
	g_assert_cmpint(stat(secret, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
}

static void
upt_publish_test_keygen_no_overwrite(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *prefix = upt_publish_test_path(fixture, "key");
	g_autofree gchar *public = g_strdup_printf("%s.pub", prefix);
	g_autoptr(GBytes) secret_before = upt_publish_test_read_bytes(fixture->secret);
	g_autoptr(GBytes) public_before = upt_publish_test_read_bytes(public);
	g_autoptr(GBytes) secret_after = NULL;
	g_autoptr(GBytes) public_after = NULL;
	g_autofree gchar *fingerprint = upd_test_tree_fingerprint(fixture->dir);
	g_autofree gchar *fingerprint_after = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	status = upt_publish_test_run(&out, &err, "keygen", prefix, NULL);
	upt_publish_test_assert_error_line(status, err, "not overwriting");
	g_assert_cmpstr(out, ==, "");

	secret_after = upt_publish_test_read_bytes(fixture->secret);
	public_after = upt_publish_test_read_bytes(public);
	g_assert_true(g_bytes_equal(secret_before, secret_after));
	g_assert_true(g_bytes_equal(public_before, public_after));
	fingerprint_after = upd_test_tree_fingerprint(fixture->dir);
	g_assert_cmpstr(fingerprint, ==, fingerprint_after);

	/* either half alone is enough to refuse */
	g_assert_cmpint(g_unlink(fixture->secret), ==, 0);
	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "keygen", prefix, NULL);
	upt_publish_test_assert_error_line(status, err, public);
	g_assert_false(g_file_test(fixture->secret, G_FILE_TEST_EXISTS));
	g_clear_pointer(&public_after, g_bytes_unref);
	public_after = upt_publish_test_read_bytes(public);
	g_assert_true(g_bytes_equal(public_before, public_after));
}

static void
upt_publish_test_keygen_secret_mode(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = NULL;

	g_assert_cmpint(g_chmod(fixture->secret, 0644), ==, 0);
	key = upd_key_new_from_secret_file(fixture->secret, &error);
	g_assert_null(key);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_assert_nonnull(strstr(error->message, fixture->secret));
	g_clear_error(&error);

	/* group-readable is just as bad; the owner alone is fine again */
	g_assert_cmpint(g_chmod(fixture->secret, 0640), ==, 0);
	key = upd_key_new_from_secret_file(fixture->secret, &error);
	g_assert_null(key);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(fixture->secret, 0600), ==, 0);
	key = upd_key_new_from_secret_file(fixture->secret, &error);
	g_assert_no_error(error);
	g_assert_nonnull(key);
}

/* ------------------------------------------------------------- release */

static void
upt_publish_test_release_two_versions(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *payload2 = upt_publish_test_path(fixture, "app-2.0.tar.gz");
	g_autofree gchar *notes_en = upt_publish_test_path(fixture, "notes-en.txt");
	g_autofree gchar *notes_ru = upt_publish_test_path(fixture, "notes-ru.txt");
	g_autofree gchar *notes_en_arg = g_strdup_printf("en=%s", notes_en);
	g_autofree gchar *notes_ru_arg = g_strdup_printf("ru=%s", notes_ru);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GBytes) content1 = NULL;
	g_autoptr(GBytes) content2 = NULL;
	const Updater__Manifest *pb;
	const Updater__Release *r1;
	const Updater__Release *r2;
	const Updater__Payload *p1;
	const Updater__Payload *p2;
	const gchar *ru_only[] = {"ru", NULL};
	const gchar *language = NULL;
	GPtrArray *releases;
	JsonObject *object;
	gint status;

	/* release 1.0 alone */
	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 1);
	g_assert_cmpuint(upd_manifest_get_releases(manifest)->len, ==, 1);
	g_clear_object(&manifest);

	/* release 2.0, with notes in two languages, a staged rollout, mandatory */
	upd_test_make_tar_gz(payload2, "app/bin/app", "#!/bin/sh\necho 2.0\n", "app/README",
			     "version two\n", NULL);
	upt_publish_test_write_text(notes_en, "Faster start-up.\n\n");
	upt_publish_test_write_text(notes_ru, "Быстрый запуск. Исправлены ошибки.\n");
	status = upt_publish_test_run(&out, &err, "release", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--version", "2.0",
				      "--notes-file", notes_en_arg, "--notes-file", notes_ru_arg,
				      "--rollout", "25", "--mandatory", "--minimum-version", "1.0",
				      "--json", payload2, NULL);
	g_assert_cmpint(status, ==, 0);
	json = upt_publish_test_parse_json(out);
	object = json_node_get_object(json);
	g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, UPT_TEST_APP);
	g_assert_cmpstr(json_object_get_string_member(object, "channel"), ==, "stable");
	g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, "2.0");
	g_assert_cmpstr(json_object_get_string_member(object, "type"), ==, "tar.gz");
	g_assert_cmpint(json_object_get_int_member(object, "serial"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(object, "new_objects"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(object, "new_bytes"), >, 0);
	upt_publish_test_assert_no_staging(fixture->repo);

	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 2);
	g_assert_cmpint(upd_manifest_get_expires_at(manifest), >,
			g_get_real_time() / G_USEC_PER_SEC);
	pb = upd_manifest_get_pb(manifest);
	g_assert_cmpuint(pb->n_releases, ==, 2);
	r1 = pb->releases[0];
	r2 = pb->releases[1];
	g_assert_cmpstr(r1->version, ==, "1.0");
	g_assert_cmpstr(r2->version, ==, "2.0");

	g_assert_cmpuint(r1->rollout_percent, ==, 100);
	g_assert_false(r1->mandatory);
	g_assert_cmpuint(r1->n_notes, ==, 0);
	g_assert_cmpuint(r2->rollout_percent, ==, 25);
	g_assert_true(r2->mandatory);
	g_assert_cmpstr(r2->minimum_version, ==, "1.0");
	g_assert_cmpint(r2->published_at, >=, r1->published_at);

	g_assert_cmpuint(r2->n_notes, ==, 2);
	g_assert_cmpstr(r2->notes[0]->language, ==, "en");
	g_assert_cmpstr(r2->notes[0]->text, ==, "Faster start-up.");
	g_assert_cmpstr(r2->notes[1]->language, ==, "ru");
	g_assert_cmpstr(r2->notes[1]->text, ==, "Быстрый запуск. Исправлены ошибки.");
	releases = upd_manifest_get_releases(manifest);
	g_assert_cmpuint(releases->len, ==, 2);
	g_assert_cmpstr(upd_release_get_notes(g_ptr_array_index(releases, 1), ru_only, &language),
			==, "Быстрый запуск. Исправлены ошибки.");
	g_assert_cmpstr(language, ==, "ru");
	g_assert_cmpuint(upd_release_get_rollout_percent(g_ptr_array_index(releases, 1)), ==, 25);
	g_assert_true(upd_release_get_mandatory(g_ptr_array_index(releases, 1)));

	/* both payloads are stored, each where its object says */
	p1 = upt_publish_test_get_payload(r1);
	p2 = upt_publish_test_get_payload(r2);
	g_assert_cmpint(p1->type, ==, UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TAR_GZ);
	g_assert_cmpint(p2->type, ==, UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TAR_GZ);
	g_assert_cmpstr(p1->filename, ==, "app-1.0.tar.gz");
	g_assert_cmpstr(p2->filename, ==, "app-2.0.tar.gz");
	g_assert_cmpint(r1->components[0]->kind, ==,
			UPDATER__COMPONENT_KIND__COMPONENT_KIND_APPLICATION);
	content1 = upt_publish_test_check_object(fixture->repo, p1->object);
	content2 = upt_publish_test_check_object(fixture->repo, p2->object);
	upt_publish_test_assert_content(content1, fixture->payload);
	upt_publish_test_assert_content(content2, payload2);
	g_assert_cmpstr(p1->object->path, !=, p2->object->path);
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 2);
}

static void
upt_publish_test_release_dedup(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *same = upt_publish_test_path(fixture, "app-1.1.tar.gz");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(UpdManifest) beta = NULL;
	g_autoptr(GBytes) content = NULL;
	const Updater__Manifest *pb;
	const Updater__Payload *p1;
	const Updater__Payload *p2;
	const Updater__Payload *p3;
	JsonObject *object;
	gint status;

	/* the same bytes under another name are not stored again */
	upt_publish_test_copy_file(fixture->payload, same);
	status = upt_publish_test_run(&out, &err, "release", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--version", "1.1",
				      "--json", same, NULL);
	g_assert_cmpint(status, ==, 0);
	json = upt_publish_test_parse_json(out);
	object = json_node_get_object(json);
	g_assert_cmpint(json_object_get_int_member(object, "new_objects"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(object, "new_bytes"), ==, 0);

	/* nor on another channel, which has no manifest to learn it from */
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "1.1", same, "--channel",
			 "beta", NULL);
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 1);

	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	pb = upd_manifest_get_pb(manifest);
	g_assert_cmpuint(pb->n_releases, ==, 2);
	p1 = upt_publish_test_get_payload(pb->releases[0]);
	p2 = upt_publish_test_get_payload(pb->releases[1]);
	g_assert_cmpstr(p2->filename, ==, "app-1.1.tar.gz");
	g_assert_cmpstr(p1->object->path, ==, p2->object->path);
	g_assert_cmpmem(p1->object->stored_sha256.data, p1->object->stored_sha256.len,
			p2->object->stored_sha256.data, p2->object->stored_sha256.len);
	content = upt_publish_test_check_object(fixture->repo, p2->object);
	upt_publish_test_assert_content(content, same);

	beta = upt_publish_test_load(fixture->repo, UPT_TEST_APP, "beta", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(beta), ==, 1);
	p3 = upt_publish_test_get_payload(upd_manifest_get_pb(beta)->releases[0]);
	g_assert_cmpstr(p3->object->path, ==, p1->object->path);
	g_clear_pointer(&content, g_bytes_unref);
	content = upt_publish_test_check_object(fixture->repo, p3->object);
	upt_publish_test_assert_content(content, same);
}

static void
upt_publish_test_release_incompressible(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *payload = upt_publish_test_path(fixture, "tool.exe");
	g_autofree gchar *zst_relative = NULL;
	g_autofree gchar *zst_path = NULL;
	g_autoptr(GRand) prng = g_rand_new_with_seed(20260101);
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GBytes) content = NULL;
	g_autofree guint8 *data = g_malloc(256 * 1024);
	const Updater__Payload *payload_pb;
	const Updater__Object *object;

	/* random bytes do not compress; "#!" makes them an executable script */
	for (gsize i = 0; i < 256 * 1024; i++)
		data[i] = (guint8)g_rand_int_range(prng, 0, 256);
	data[0] = '#';
	data[1] = '!';
	upd_test_write_file(payload, (const gchar *)data, 256 * 1024, 0755);
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "1.0", payload, NULL);

	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	payload_pb = upt_publish_test_get_payload(upd_manifest_get_pb(manifest)->releases[0]);
	g_assert_cmpint(payload_pb->type, ==, UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_EXE);
	g_assert_cmpstr(payload_pb->filename, ==, "tool.exe");
	object = payload_pb->object;
	g_assert_cmpint(object->compression, ==, UPDATER__COMPRESSION__COMPRESSION_NONE);
	g_assert_cmpuint(object->size, ==, 256 * 1024);
	g_assert_cmpuint(object->stored_size, ==, 256 * 1024);
	g_assert_false(g_str_has_suffix(object->path, ".zst"));
	content = upt_publish_test_check_object(fixture->repo, object);
	upt_publish_test_assert_content(content, payload);

	/* and no compressed attempt is left beside it */
	zst_relative = upd_repo_object_path(object->sha256.data, TRUE);
	zst_path = g_build_filename(fixture->repo, zst_relative, NULL);
	g_assert_false(g_file_test(zst_path, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 1);
	upt_publish_test_assert_no_staging(fixture->repo);
}

/* ---------------------------------------------------------------- tree */

static gchar *
upt_publish_test_make_tree(UptPublishFixture *fixture)
{
	g_autofree gchar *tree = upt_publish_test_path(fixture, "tree");
	g_autofree gchar *run = g_build_filename(tree, "bin", "run", NULL);
	g_autofree gchar *empty = g_build_filename(tree, "share", "empty", NULL);
	g_autofree gchar *data_link = g_build_filename(tree, "bin", "data", NULL);
	g_autofree gchar *lib_link = g_build_filename(tree, "lib", "libfoo.so", NULL);
	const gchar *files[][2] = {
		{"README.txt", "read me\n"},
		{"lib/libfoo.so.1", "not really a library\n"},
		{"share/data.txt", "shared data\n"},
		{"share/copy.txt", "shared data\n"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree gchar *path = g_build_filename(tree, files[i][0], NULL);
		upt_publish_test_write_text(path, files[i][1]);
	}
	upd_test_write_file(run, "#!/bin/sh\necho run\n", -1, 0755);
	g_assert_cmpint(g_chmod(run, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);
	g_assert_cmpint(symlink("../share/data.txt", data_link), ==, 0);
	g_assert_cmpint(symlink("libfoo.so.1", lib_link), ==, 0);
	return g_steal_pointer(&tree);
}

static void
upt_publish_test_tree_basic(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *tree = upt_publish_test_make_tree(fixture);
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GHashTable) entries = g_hash_table_new(g_str_hash, g_str_equal);
	const Updater__Payload *payload;
	const Updater__TreeEntry *entry;
	const gchar *regular[][2] = {
		{"README.txt", "read me\n"},
		{"bin/run", "#!/bin/sh\necho run\n"},
		{"lib/libfoo.so.1", "not really a library\n"},
		{"share/copy.txt", "shared data\n"},
		{"share/data.txt", "shared data\n"},
	};

	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "1.0", tree, "--type",
			 "tree", NULL);
	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	payload = upt_publish_test_get_payload(upd_manifest_get_pb(manifest)->releases[0]);
	g_assert_cmpint(payload->type, ==, UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE);
	g_assert_null(payload->object);
	for (gsize i = 0; i < payload->n_entries; i++)
		g_assert_true(g_hash_table_insert(entries, payload->entries[i]->path,
						  payload->entries[i]));
	g_assert_cmpuint(g_hash_table_size(entries), ==, 8);

	for (guint i = 0; i < G_N_ELEMENTS(regular); i++) {
		g_autoptr(GBytes) content = NULL;
		g_autoptr(GBytes) expected =
			g_bytes_new_static(regular[i][1], strlen(regular[i][1]));
		entry = g_hash_table_lookup(entries, regular[i][0]);
		g_assert_nonnull(entry);
		g_assert_null(entry->symlink_target);
		g_assert_false(entry->directory);
		g_assert_true(entry->has_mode);
		g_assert_cmpuint(entry->mode, ==,
				 g_str_equal(regular[i][0], "bin/run") ? 0755 : 0644);
		content = upt_publish_test_check_object(fixture->repo, entry->object);
		g_assert_true(g_bytes_equal(content, expected));
	}
	/* two files with the same content share one object */
	g_assert_cmpstr(((Updater__TreeEntry *)g_hash_table_lookup(entries, "share/copy.txt"))
				->object->path,
			==,
			((Updater__TreeEntry *)g_hash_table_lookup(entries, "share/data.txt"))
				->object->path);
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 4);

	entry = g_hash_table_lookup(entries, "bin/data");
	g_assert_nonnull(entry);
	g_assert_null(entry->object);
	g_assert_cmpstr(entry->symlink_target, ==, "../share/data.txt");
	g_assert_cmpuint(entry->mode, ==, 0777);
	entry = g_hash_table_lookup(entries, "lib/libfoo.so");
	g_assert_nonnull(entry);
	g_assert_null(entry->object);
	g_assert_cmpstr(entry->symlink_target, ==, "libfoo.so.1");

	entry = g_hash_table_lookup(entries, "share/empty");
	g_assert_nonnull(entry);
	g_assert_true(entry->has_directory);
	g_assert_true(entry->directory);
	g_assert_null(entry->object);
	g_assert_null(entry->symlink_target);
	g_assert_cmpuint(entry->mode, ==, 0755);

	/* directories that have content are implied by their entries */
	g_assert_false(g_hash_table_contains(entries, "bin"));
	g_assert_false(g_hash_table_contains(entries, "share"));
	upt_publish_test_assert_no_staging(fixture->repo);
}

/* publishes @payload as a tree and expects a refusal that changes nothing */
static void
upt_publish_test_tree_refused(UptPublishFixture *fixture, const gchar *tree, const gchar *expected)
{
	g_autofree gchar *before = upd_test_tree_fingerprint(fixture->repo);
	g_autofree gchar *after = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	gint status;

	status = upt_publish_test_run(&out, &err, "release", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--version", "2.0",
				      "--type", "tree", tree, NULL);
	upt_publish_test_assert_error_line(status, err, expected);
	after = upd_test_tree_fingerprint(fixture->repo);
	g_assert_cmpstr(before, ==, after);

	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 1);
}

static void
upt_publish_test_tree_symlink_escape(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *tree = upt_publish_test_make_tree(fixture);
	g_autofree gchar *link = g_build_filename(tree, "lib", "passwd", NULL);

	g_assert_cmpint(symlink("../../etc/passwd", link), ==, 0);
	upt_publish_test_tree_refused(fixture, tree, "lib/passwd");

	/* an absolute target is refused as well */
	g_assert_cmpint(g_unlink(link), ==, 0);
	g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
	upt_publish_test_tree_refused(fixture, tree, "lib/passwd");

	/* and the tree's new files were not stored on the way */
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 1);
}

static void
upt_publish_test_tree_fifo(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *tree = upt_publish_test_make_tree(fixture);
	g_autofree gchar *fifo = g_build_filename(tree, "share", "pipe", NULL);

	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	upt_publish_test_tree_refused(fixture, tree, "pipe");
	g_assert_cmpuint(upt_publish_test_count_objects(fixture->repo), ==, 1);
}

/* -------------------------------------------------------------- errors */

/* runs "release ARGS..." against the published repository and expects exit
 * status 1, one line naming @expected, and the repository unchanged */
static void
upt_publish_test_release_fails(UptPublishFixture *fixture,
			       const gchar *expected,
			       ...) G_GNUC_NULL_TERMINATED;

static void
upt_publish_test_release_fails(UptPublishFixture *fixture, const gchar *expected, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree gchar *before = upd_test_tree_fingerprint(fixture->repo);
	g_autofree gchar *after = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	const gchar *arg;
	va_list ap;
	gint status;

	g_ptr_array_add(args, (gpointer) "release");
	g_ptr_array_add(args, (gpointer) "--repo");
	g_ptr_array_add(args, fixture->repo);
	va_start(ap, expected);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);

	status = upt_publish_test_runv((const gchar *const *)args->pdata, &out, &err);
	upt_publish_test_assert_error_line(status, err, expected);
	g_assert_cmpstr(out, ==, "");
	after = upd_test_tree_fingerprint(fixture->repo);
	g_assert_cmpstr(before, ==, after);

	/* the published channel is still the one release, still verifying */
	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 1);
	g_assert_cmpuint(upd_manifest_get_releases(manifest)->len, ==, 1);
}

static void
upt_publish_test_errors_same_version(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *other = upt_publish_test_path(fixture, "other-1.0.tar.gz");

	upd_test_make_tar_gz(other, "app/bin/app", "something else\n", NULL);
	upt_publish_test_release_fails(fixture, "already published", "--key", fixture->secret,
				       "--app", UPT_TEST_APP, "--version", "1.0", fixture->payload,
				       NULL);
	/* the same version with new content is just as refused */
	upt_publish_test_release_fails(fixture, "already published", "--key", fixture->secret,
				       "--app", UPT_TEST_APP, "--version", "1.0", other, NULL);
}

static void
upt_publish_test_errors_missing_key(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *missing = upt_publish_test_path(fixture, "nokey.secret");

	upt_publish_test_release_fails(fixture, missing, "--key", missing, "--app", UPT_TEST_APP,
				       "--version", "2.0", fixture->payload, NULL);
	/* no --key at all */
	upt_publish_test_release_fails(fixture, "--key", "--app", UPT_TEST_APP, "--version", "2.0",
				       fixture->payload, NULL);
}

static void
upt_publish_test_errors_key_mode(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_assert_cmpint(g_chmod(fixture->secret, 0644), ==, 0);
	upt_publish_test_release_fails(fixture, fixture->secret, "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", fixture->payload, NULL);
}

static void
upt_publish_test_errors_payload_missing(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *missing = upt_publish_test_path(fixture, "missing-2.0.tar.gz");

	upt_publish_test_release_fails(fixture, missing, "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", missing, NULL);
}

static void
upt_publish_test_errors_payload_unreadable(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *locked = upt_publish_test_path(fixture, "locked-2.0.tar.gz");

	upt_publish_test_copy_file(fixture->payload, locked);
	g_assert_cmpint(g_chmod(locked, 0000), ==, 0);
	if (access(locked, R_OK) == 0) {
		/* root reads any file: a directory stands in for a file that
		 * cannot be read as a payload */
		g_autofree gchar *dir = upt_publish_test_path(fixture, "unreadable-2.0.tar.gz");
		g_assert_cmpint(getuid(), ==, 0);
		g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
		upt_publish_test_release_fails(fixture, dir, "--key", fixture->secret, "--app",
					       UPT_TEST_APP, "--version", "2.0", "--type", "tar.gz",
					       dir, NULL);
	} else {
		upt_publish_test_release_fails(fixture, locked, "--key", fixture->secret, "--app",
					       UPT_TEST_APP, "--version", "2.0", locked, NULL);
	}
}

static void
upt_publish_test_errors_zip_not_zip(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *fake = upt_publish_test_path(fixture, "app-2.0.zip");

	upt_publish_test_write_text(fake, "this is plain text, not a zip archive\n");
	upt_publish_test_release_fails(fixture, "app-2.0.zip", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", fake, NULL);
	/* a tar.gz renamed to .zip is not one either */
	g_assert_cmpint(g_unlink(fake), ==, 0);
	upt_publish_test_copy_file(fixture->payload, fake);
	upt_publish_test_release_fails(fixture, "zip", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", fake, NULL);
}

static void
upt_publish_test_errors_type_mismatch(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *zip = upt_publish_test_path(fixture, "app-2.0.zip");
	g_autoptr(UpdManifest) manifest = NULL;

	upt_publish_test_make_zip(zip);
	upt_publish_test_release_fails(fixture, "tar.gz", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--type", "tar.gz", zip,
				       NULL);
	/* an unknown type is refused too */
	upt_publish_test_release_fails(fixture, "--type", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--type", "7z", zip, NULL);

	/* the real zip under its own type is fine */
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "2.0", zip, NULL);
	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	g_assert_cmpint(
		upt_publish_test_get_payload(upd_manifest_get_pb(manifest)->releases[1])->type, ==,
		UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_ZIP);
}

static void
upt_publish_test_errors_bad_version(UptPublishFixture *fixture, gconstpointer user_data)
{
	upt_publish_test_release_fails(fixture, "1..2", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "1..2", fixture->payload, NULL);
	upt_publish_test_release_fails(fixture, NULL, "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--minimum-version", "x.y",
				       fixture->payload, NULL);
}

static void
upt_publish_test_errors_bad_app_id(UptPublishFixture *fixture, gconstpointer user_data)
{
	upt_publish_test_release_fails(fixture, "../evil", "--key", fixture->secret, "--app",
				       "../evil", "--version", "2.0", fixture->payload, NULL);
	upt_publish_test_release_fails(fixture, "-app", "--key", fixture->secret, "--app", "-app",
				       "--version", "2.0", fixture->payload, NULL);
	upt_publish_test_release_fails(fixture, "stable/x", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--channel", "stable/x", "--version", "2.0",
				       fixture->payload, NULL);
}

static void
upt_publish_test_errors_rollout(UptPublishFixture *fixture, gconstpointer user_data)
{
	upt_publish_test_release_fails(fixture, "101", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--rollout", "101",
				       fixture->payload, NULL);
	upt_publish_test_release_fails(fixture, "-1", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--rollout", "-1",
				       fixture->payload, NULL);
}

static void
upt_publish_test_errors_notes_missing(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *missing = upt_publish_test_path(fixture, "no-notes.txt");
	g_autofree gchar *arg = g_strdup_printf("en=%s", missing);

	upt_publish_test_release_fails(fixture, missing, "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--notes-file", arg,
				       fixture->payload, NULL);
	/* and a note that names no language */
	upt_publish_test_release_fails(fixture, "LANG=FILE", "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--notes-file", missing,
				       fixture->payload, NULL);
}

/* a text whose object directory is not in @repo yet and is not @avoid */
static gchar *
upt_publish_test_text_for_new_dir(const gchar *repo,
				  const gchar *label,
				  const gchar *avoid,
				  gchar **dir_relative)
{
	for (guint n = 0;; n++) {
		g_autofree gchar *text = g_strdup_printf("content %u of %s\n", n, label);
		g_autofree gchar *relative = NULL;
		g_autofree gchar *dir = NULL;
		g_autofree gchar *path = NULL;
		guint8 sha256[UPD_SHA256_LEN];

		upd_sha256_data(text, strlen(text), sha256);
		relative = upd_repo_object_path(sha256, FALSE);
		dir = g_path_get_dirname(relative);
		path = g_build_filename(repo, dir, NULL);
		if (g_file_test(path, G_FILE_TEST_EXISTS) || g_strcmp0(dir, avoid) == 0)
			continue;
		*dir_relative = g_steal_pointer(&dir);
		return g_steal_pointer(&text);
	}
}

/* The last step of a publication can fail too (here: the place of a new
 * object's directory is taken by a file). What was moved into the repository
 * before must go away again, directories included. */
static void
upt_publish_test_errors_commit(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *tree = upt_publish_test_path(fixture, "commit-tree");
	g_autofree gchar *first = g_build_filename(tree, "a.txt", NULL);
	g_autofree gchar *second = g_build_filename(tree, "b.txt", NULL);
	g_autofree gchar *first_dir = NULL;
	g_autofree gchar *second_dir = NULL;
	g_autofree gchar *first_text = NULL;
	g_autofree gchar *second_text = NULL;
	g_autofree gchar *first_path = NULL;
	g_autofree gchar *blocker = NULL;

	/* a.txt is moved in first (the walk is sorted), then b.txt fails */
	first_text = upt_publish_test_text_for_new_dir(fixture->repo, "a", NULL, &first_dir);
	second_text = upt_publish_test_text_for_new_dir(fixture->repo, "b", first_dir, &second_dir);
	upt_publish_test_write_text(first, first_text);
	upt_publish_test_write_text(second, second_text);
	blocker = g_build_filename(fixture->repo, second_dir, NULL);
	upt_publish_test_write_text(blocker, "in the way\n");

	upt_publish_test_release_fails(fixture, second_dir, "--key", fixture->secret, "--app",
				       UPT_TEST_APP, "--version", "2.0", "--type", "tree", tree,
				       NULL);
	first_path = g_build_filename(fixture->repo, first_dir, NULL);
	g_assert_false(g_file_test(first_path, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------- options */

static void
upt_publish_test_options_after_command(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *payload = upt_publish_test_path(fixture, "app-3.0.tar.gz");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	gint status;

	upd_test_make_tar_gz(payload, "app/bin/app", "3.0\n", NULL);
	/* the command first, the payload in the middle, options after both */
	status = upt_publish_test_run(&out, &err, "release", payload, "--repo", fixture->repo,
				      "--app", UPT_TEST_APP, "--key", fixture->secret, "--version",
				      "3.0", "--channel", "beta", "--rollout", "50", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "serial 1"));
	manifest = upt_publish_test_load(fixture->repo, UPT_TEST_APP, "beta", fixture->public_line);
	g_assert_cmpstr(upd_manifest_get_pb(manifest)->releases[0]->version, ==, "3.0");
	g_assert_cmpuint(upd_manifest_get_pb(manifest)->releases[0]->rollout_percent, ==, 50);
	g_clear_object(&manifest);

	/* options before the command, short forms */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(&out, &err, "-r", fixture->repo, "-a", UPT_TEST_APP, "-k",
				      fixture->secret, "-c", "beta", "--version", "3.1", "release",
				      payload, NULL);
	g_assert_cmpint(status, ==, 0);
	manifest = upt_publish_test_load(fixture->repo, UPT_TEST_APP, "beta", fixture->public_line);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 2);

	/* list takes its options on either side too */
	g_clear_pointer(&out, g_free);
	status = upt_publish_test_run(&out, NULL, "--repo", fixture->repo, "list", "--app",
				      UPT_TEST_APP, "--channel", "beta", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "channel beta"));
	g_assert_nonnull(strstr(out, "3.1"));
	g_assert_null(strstr(out, "channel stable"));
}

static void
upt_publish_test_options_version(UptPublishFixture *fixture, gconstpointer user_data)
{
	const gchar *expected = "updater-publish " PACKAGE_VERSION "\n";
	const gchar *commands[] = {"keygen", "list", "resign"};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	g_assert_cmpstr(PACKAGE_VERSION, ==, "0.1.0");
	status = upt_publish_test_run(&out, &err, "--version", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpstr(out, ==, expected);
	g_assert_cmpstr(err, ==, "");
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_clear_pointer(&out, g_free);
		status = upt_publish_test_run(&out, NULL, commands[i], "--version", NULL);
		g_assert_cmpint(status, ==, 0);
		g_assert_cmpstr(out, ==, expected);
	}
	/* for release, --version is the release's version and needs a value */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(&out, &err, "release", "--version", NULL);
	g_assert_cmpint(status, ==, 2);
	g_assert_cmpstr(out, ==, "");
}

static void
upt_publish_test_options_not_applicable(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *prefix = upt_publish_test_path(fixture, "other");
	g_autofree gchar *secret = g_strdup_printf("%s.secret", prefix);
	g_autofree gchar *fingerprint = upd_test_tree_fingerprint(fixture->dir);
	g_autofree gchar *after = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	status = upt_publish_test_run(NULL, &err, "keygen", "--rollout", "5", prefix, NULL);
	upt_publish_test_assert_usage_error(status, err, "--rollout");
	g_assert_false(g_file_test(secret, G_FILE_TEST_EXISTS));

	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "list", "--repo", fixture->repo, "--mandatory",
				      NULL);
	upt_publish_test_assert_usage_error(status, err, "--mandatory");

	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "resign", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--notes-file",
				      "en=x", NULL);
	upt_publish_test_assert_usage_error(status, err, "--notes-file");

	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "keygen", "--repo", fixture->repo, prefix, NULL);
	upt_publish_test_assert_usage_error(status, err, "--repo");

	/* keygen takes exactly one prefix */
	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "keygen", NULL);
	upt_publish_test_assert_usage_error(status, err, NULL);

	after = upd_test_tree_fingerprint(fixture->dir);
	g_assert_cmpstr(fingerprint, ==, after);
}

/* An option that does not apply is a usage error whatever its value, also
 * when the value happens to be the default one. */
static void
upt_publish_test_options_not_applicable_default(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *prefix = upt_publish_test_path(fixture, "other");
	g_autofree gchar *secret = g_strdup_printf("%s.secret", prefix);
	g_autofree gchar *err = NULL;
	gint status;

	status = upt_publish_test_run(NULL, &err, "keygen", "--rollout", "100", prefix, NULL);
	upt_publish_test_assert_usage_error(status, err, "--rollout");
	g_assert_false(g_file_test(secret, G_FILE_TEST_EXISTS));
}

static void
upt_publish_test_options_unknown_command(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	status = upt_publish_test_run(&out, &err, "frobnicate", "--repo", fixture->repo, NULL);
	upt_publish_test_assert_usage_error(status, err, "frobnicate");
	g_assert_cmpstr(out, ==, "");

	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, NULL);
	upt_publish_test_assert_usage_error(status, err, NULL);

	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "list", "--no-such-option", NULL);
	upt_publish_test_assert_usage_error(status, err, "--no-such-option");
}

/* An option's value is not a command, even when it reads like one: here the
 * channel is called "list". */
static void
upt_publish_test_options_value_like_command(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autofree gchar *path =
		upt_publish_test_manifest_path(fixture->repo, UPT_TEST_APP, "list");
	gint status;

	status = upt_publish_test_run(&out, &err, "--repo", fixture->repo, "--key", fixture->secret,
				      "--app", UPT_TEST_APP, "--channel", "list", "--version",
				      "2.0", "release", fixture->payload, NULL);
	g_assert_cmpstr(out, !=, "updater-publish " PACKAGE_VERSION "\n");
	g_assert_cmpint(status, ==, 0);
	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	if (g_test_failed())
		return;
	manifest = upt_publish_test_load(fixture->repo, UPT_TEST_APP, "list", fixture->public_line);
	g_assert_cmpstr(upd_manifest_get_pb(manifest)->releases[0]->version, ==, "2.0");
}

/* ---------------------------------------------------------- list, resign */

static JsonObject *
upt_publish_test_find_channel(JsonArray *channels, const gchar *app_id, const gchar *channel)
{
	for (guint i = 0; i < json_array_get_length(channels); i++) {
		JsonObject *object = json_array_get_object_element(channels, i);
		if (g_strcmp0(json_object_get_string_member(object, "app_id"), app_id) == 0 &&
		    g_strcmp0(json_object_get_string_member(object, "channel"), channel) == 0)
			return object;
	}
	return NULL;
}

static void
upt_publish_test_list_json(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *payload2 = upt_publish_test_path(fixture, "app-2.0.tar.gz");
	g_autofree gchar *out = NULL;
	g_autoptr(JsonNode) json = NULL;
	JsonArray *channels;
	JsonArray *releases;
	JsonObject *stable;
	JsonObject *beta;
	JsonObject *other;
	JsonObject *release;
	gint status;

	upd_test_make_tar_gz(payload2, "app/bin/app", "2.0\n", NULL);
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "2.0", payload2, "--rollout",
			 "10", "--mandatory", NULL);
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "2.1", payload2, "--channel",
			 "beta", NULL);
	upd_test_publish(fixture->repo, fixture->secret, "org.example.Other", "0.1",
			 fixture->payload, NULL);

	status = upt_publish_test_run(&out, NULL, "list", "--repo", fixture->repo, "--json", NULL);
	g_assert_cmpint(status, ==, 0);
	json = upt_publish_test_parse_json(out);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json));
	channels = json_object_get_array_member(json_node_get_object(json), "channels");
	g_assert_nonnull(channels);
	/* without --channel, every channel of every application */
	g_assert_cmpuint(json_array_get_length(channels), ==, 3);

	stable = upt_publish_test_find_channel(channels, UPT_TEST_APP, "stable");
	g_assert_nonnull(stable);
	if (stable == NULL)
		return;
	g_assert_cmpint(json_object_get_int_member(stable, "serial"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(stable, "expires_at"), >,
			g_get_real_time() / G_USEC_PER_SEC);
	releases = json_object_get_array_member(stable, "releases");
	g_assert_cmpuint(json_array_get_length(releases), ==, 2);
	release = json_array_get_object_element(releases, 0);
	g_assert_cmpstr(json_object_get_string_member(release, "version"), ==, "1.0");
	g_assert_cmpint(json_object_get_int_member(release, "rollout_percent"), ==, 100);
	g_assert_false(json_object_get_boolean_member(release, "mandatory"));
	release = json_array_get_object_element(releases, 1);
	g_assert_cmpstr(json_object_get_string_member(release, "version"), ==, "2.0");
	g_assert_cmpint(json_object_get_int_member(release, "rollout_percent"), ==, 10);
	g_assert_true(json_object_get_boolean_member(release, "mandatory"));
	g_assert_cmpint(json_object_get_int_member(release, "download_size"), >, 0);

	other = upt_publish_test_find_channel(channels, "org.example.Other", "stable");
	g_assert_nonnull(other);
	beta = upt_publish_test_find_channel(channels, UPT_TEST_APP, "beta");
	g_assert_nonnull(beta);
	if (beta != NULL) {
		g_assert_cmpint(json_object_get_int_member(beta, "serial"), ==, 1);
		releases = json_object_get_array_member(beta, "releases");
		g_assert_cmpuint(json_array_get_length(releases), ==, 1);
		release = json_array_get_object_element(releases, 0);
		g_assert_cmpstr(json_object_get_string_member(release, "version"), ==, "2.1");
	}

	/* --app and --channel filter */
	g_clear_pointer(&json, json_node_unref);
	g_clear_pointer(&out, g_free);
	status = upt_publish_test_run(&out, NULL, "list", "--repo", fixture->repo, "--json",
				      "--app", UPT_TEST_APP, "--channel", "beta", NULL);
	g_assert_cmpint(status, ==, 0);
	json = upt_publish_test_parse_json(out);
	channels = json_object_get_array_member(json_node_get_object(json), "channels");
	g_assert_cmpuint(json_array_get_length(channels), ==, 1);
	g_assert_nonnull(upt_publish_test_find_channel(channels, UPT_TEST_APP, "beta"));
}

static void
upt_publish_test_resign(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *notes = upt_publish_test_path(fixture, "notes.txt");
	g_autofree gchar *notes_arg = g_strdup_printf("ru=%s", notes);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(UpdManifest) old = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	const Updater__Manifest *old_pb;
	const Updater__Manifest *pb;
	gint status;

	upt_publish_test_write_text(notes, "Новая версия\n");
	upd_test_publish(fixture->repo, fixture->secret, UPT_TEST_APP, "1.1", fixture->payload,
			 "--notes-file", notes_arg, "--rollout", "30", "--expires-days", "2", NULL);
	old = upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	old_pb = upd_manifest_get_pb(old);
	g_assert_cmpuint(old_pb->serial, ==, 2);

	status = upt_publish_test_run(&out, &err, "resign", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--expires-days",
				      "90", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "serial 3"));
	upt_publish_test_assert_no_staging(fixture->repo);

	manifest =
		upt_publish_test_load(fixture->repo, UPT_TEST_APP, "stable", fixture->public_line);
	pb = upd_manifest_get_pb(manifest);
	g_assert_cmpuint(pb->serial, ==, 3);
	g_assert_cmpint(pb->expires_at, >, old_pb->expires_at + 80 * 24 * 3600);
	g_assert_cmpuint(pb->n_releases, ==, 2);
	for (gsize i = 0; i < pb->n_releases; i++) {
		const Updater__Release *r = pb->releases[i];
		const Updater__Release *o = old_pb->releases[i];
		g_assert_cmpstr(r->version, ==, o->version);
		g_assert_cmpint(r->published_at, ==, o->published_at);
		g_assert_cmpuint(r->rollout_percent, ==, o->rollout_percent);
		g_assert_cmpuint(r->n_notes, ==, o->n_notes);
		g_assert_cmpstr(upt_publish_test_get_payload(r)->object->path, ==,
				upt_publish_test_get_payload(o)->object->path);
	}
	g_assert_cmpstr(pb->releases[1]->notes[0]->text, ==, "Новая версия");

	/* a channel that does not exist is an error that changes nothing */
	before = upd_test_tree_fingerprint(fixture->repo);
	g_clear_pointer(&err, g_free);
	status = upt_publish_test_run(NULL, &err, "resign", "--repo", fixture->repo, "--key",
				      fixture->secret, "--app", UPT_TEST_APP, "--channel",
				      "nightly", NULL);
	upt_publish_test_assert_error_line(status, err, "nightly");
	after = upd_test_tree_fingerprint(fixture->repo);
	g_assert_cmpstr(before, ==, after);
}

static void
upt_publish_test_key_rotation(UptPublishFixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *payload = upt_publish_test_path(fixture, "app-1.0.tar.gz");
	g_autofree gchar *new_secret = NULL;
	g_autofree gchar *stranger_secret = NULL;
	g_autofree gchar *new_line = upt_publish_test_keygen(fixture, "new", &new_secret);
	g_autofree gchar *stranger_line =
		upt_publish_test_keygen(fixture, "stranger", &stranger_secret);
	g_autofree gchar *out = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(UpdKey) old_key = upd_key_new_from_public_line(fixture->public_line, NULL);
	const gchar *old_only[] = {fixture->public_line, NULL};
	const gchar *new_only[] = {new_line, NULL};
	const gchar *stranger_only[] = {stranger_line, NULL};
	gint status;

	upd_test_make_tar_gz(payload, "app/bin/app", "1.0\n", NULL);
	status = upt_publish_test_run(&out, NULL, "release", "--repo", fixture->repo, "--key",
				      fixture->secret, "--key", new_secret, "--app", UPT_TEST_APP,
				      "--version", "1.0", payload, NULL);
	g_assert_cmpint(status, ==, 0);

	/* clients that pin either key accept the manifest */
	manifest = upt_publish_test_verify(fixture->repo, UPT_TEST_APP, "stable", old_only, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(upd_manifest_get_key_id(manifest), ==, upd_key_get_id(old_key));
	g_clear_object(&manifest);
	manifest = upt_publish_test_verify(fixture->repo, UPT_TEST_APP, "stable", new_only, &error);
	g_assert_no_error(error);
	g_assert_nonnull(manifest);
	g_clear_object(&manifest);
	manifest = upt_publish_test_verify(fixture->repo, UPT_TEST_APP, "stable", stranger_only,
					   &error);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
	g_assert_null(manifest);
	g_clear_error(&error);

	/* signing again with the new key alone retires the old one */
	g_clear_pointer(&out, g_free);
	status = upt_publish_test_run(&out, NULL, "resign", "--repo", fixture->repo, "--key",
				      new_secret, "--app", UPT_TEST_APP, NULL);
	g_assert_cmpint(status, ==, 0);
	manifest = upt_publish_test_verify(fixture->repo, UPT_TEST_APP, "stable", new_only, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 2);
	g_clear_object(&manifest);
	manifest = upt_publish_test_verify(fixture->repo, UPT_TEST_APP, "stable", old_only, &error);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
	g_assert_null(manifest);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	/* a failed check fails its test, and the other tests still run */
	g_test_set_nonfatal_assertions();

#define UPT_ADD(path, setup, func)                                                                 \
	g_test_add("/updater-publish/" path, UptPublishFixture, NULL, setup, func,                 \
		   upt_publish_fixture_teardown)

	UPT_ADD("keygen/basic", upt_publish_fixture_setup, upt_publish_test_keygen_basic);
	UPT_ADD("keygen/no-overwrite", upt_publish_fixture_setup,
		upt_publish_test_keygen_no_overwrite);
	UPT_ADD("keygen/secret-mode", upt_publish_fixture_setup,
		upt_publish_test_keygen_secret_mode);

	UPT_ADD("release/two-versions", upt_publish_fixture_setup_published,
		upt_publish_test_release_two_versions);
	UPT_ADD("release/dedup", upt_publish_fixture_setup_published,
		upt_publish_test_release_dedup);
	UPT_ADD("release/incompressible", upt_publish_fixture_setup,
		upt_publish_test_release_incompressible);

	UPT_ADD("tree/basic", upt_publish_fixture_setup, upt_publish_test_tree_basic);
	UPT_ADD("tree/symlink-escape", upt_publish_fixture_setup_published,
		upt_publish_test_tree_symlink_escape);
	UPT_ADD("tree/fifo", upt_publish_fixture_setup_published, upt_publish_test_tree_fifo);

	UPT_ADD("errors/same-version", upt_publish_fixture_setup_published,
		upt_publish_test_errors_same_version);
	UPT_ADD("errors/missing-key", upt_publish_fixture_setup_published,
		upt_publish_test_errors_missing_key);
	UPT_ADD("errors/key-mode", upt_publish_fixture_setup_published,
		upt_publish_test_errors_key_mode);
	UPT_ADD("errors/payload-missing", upt_publish_fixture_setup_published,
		upt_publish_test_errors_payload_missing);
	UPT_ADD("errors/payload-unreadable", upt_publish_fixture_setup_published,
		upt_publish_test_errors_payload_unreadable);
	UPT_ADD("errors/zip-not-zip", upt_publish_fixture_setup_published,
		upt_publish_test_errors_zip_not_zip);
	UPT_ADD("errors/type-mismatch", upt_publish_fixture_setup_published,
		upt_publish_test_errors_type_mismatch);
	UPT_ADD("errors/bad-version", upt_publish_fixture_setup_published,
		upt_publish_test_errors_bad_version);
	UPT_ADD("errors/bad-app-id", upt_publish_fixture_setup_published,
		upt_publish_test_errors_bad_app_id);
	UPT_ADD("errors/rollout", upt_publish_fixture_setup_published,
		upt_publish_test_errors_rollout);
	UPT_ADD("errors/notes-missing", upt_publish_fixture_setup_published,
		upt_publish_test_errors_notes_missing);
	UPT_ADD("errors/commit", upt_publish_fixture_setup_published,
		upt_publish_test_errors_commit);

	UPT_ADD("options/after-command", upt_publish_fixture_setup_published,
		upt_publish_test_options_after_command);
	UPT_ADD("options/version", upt_publish_fixture_setup, upt_publish_test_options_version);
	UPT_ADD("options/not-applicable", upt_publish_fixture_setup_published,
		upt_publish_test_options_not_applicable);
	UPT_ADD("options/not-applicable-default", upt_publish_fixture_setup,
		upt_publish_test_options_not_applicable_default);
	UPT_ADD("options/unknown-command", upt_publish_fixture_setup,
		upt_publish_test_options_unknown_command);
	UPT_ADD("options/value-like-command", upt_publish_fixture_setup_published,
		upt_publish_test_options_value_like_command);

	UPT_ADD("list/json", upt_publish_fixture_setup_published, upt_publish_test_list_json);
	UPT_ADD("resign/basic", upt_publish_fixture_setup_published, upt_publish_test_resign);
	UPT_ADD("keys/rotation", upt_publish_fixture_setup, upt_publish_test_key_rotation);

#undef UPT_ADD

	return g_test_run();
}

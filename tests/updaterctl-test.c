/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "upd-test-common.h"

#define APP_ID "org.example.Ctl"

typedef struct {
	gchar *dir;
	gchar *config;
	UpdTestServer *server;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *repo = NULL;
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *public_line = NULL;
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	g_autofree gchar *notes_en = NULL;
	g_autofree gchar *notes_ru = NULL;
	g_autofree gchar *arg_en = NULL;
	g_autofree gchar *arg_ru = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *install = NULL;

	f->dir = upd_test_mkdtemp("ctl");
	{
		g_autofree gchar *state = g_build_filename(f->dir, "state", NULL);
		g_autofree gchar *cache = g_build_filename(f->dir, "cache", NULL);
		g_setenv("XDG_STATE_HOME", state, TRUE);
		g_setenv("XDG_CACHE_HOME", cache, TRUE);
	}
	repo = g_build_filename(f->dir, "repo", NULL);
	prefix = g_build_filename(f->dir, "key", NULL);
	public_line = upd_test_keygen(prefix);
	key = g_strdup_printf("%s.secret", prefix);
	v1 = g_build_filename(f->dir, "app-1.tar.gz", NULL);
	v2 = g_build_filename(f->dir, "app-2.tar.gz", NULL);
	upd_test_make_tar_gz(v1, "bin/app", "1", NULL);
	upd_test_make_tar_gz(v2, "bin/app", "2", NULL);
	notes_en = g_build_filename(f->dir, "en.txt", NULL);
	notes_ru = g_build_filename(f->dir, "ru.txt", NULL);
	upd_test_write_file(notes_en, "Faster start-up\n", -1, 0644);
	upd_test_write_file(notes_ru, "Быстрый запуск\n", -1, 0644);
	arg_en = g_strdup_printf("en=%s", notes_en);
	arg_ru = g_strdup_printf("ru=%s", notes_ru);
	upd_test_publish(repo, key, APP_ID, "1.0", v1, NULL);
	upd_test_publish(repo, key, APP_ID, "2.0", v2, "--notes-file", arg_en, "--notes-file",
			 arg_ru, "--mandatory", NULL);
	f->server = upd_test_server_start(repo, NULL);

	install = g_build_filename(f->dir, "install", NULL);
	config = g_strdup_printf("InstallDir=%s", install);
	f->config = g_build_filename(f->dir, "app.conf", NULL);
	g_free(upd_test_write_config(f->config, APP_ID, f->server->url, public_line, config, NULL));
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->server, upd_test_server_stop);
	g_free(f->config);
	g_free(f->dir);
}

/* runs updaterctl with extra environment entries (NULL-terminated after argv) */
static gint
ctl_run(const gchar *const *env, gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;

static gint
ctl_run(const gchar *const *env, gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *arg;
	va_list args;

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATERCTL"));
	va_start(args, err);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	return upd_test_run((const gchar *const *)argv->pdata, env, NULL, out, err);
}

static void
assert_one_line(const gchar *text, const gchar *prefix)
{
	g_assert_true(g_str_has_prefix(text, prefix));
	/* exactly one line: the only newline is the last character */
	g_assert_true(g_str_has_suffix(text, "\n"));
	g_assert_true(strchr(text, '\n') == text + strlen(text) - 1);
}

static void
test_check_text(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = ctl_run(NULL, &out, &err, "--config", f->config, "check", NULL);

	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "Application:       " APP_ID " (channel stable)\n"));
	g_assert_nonnull(strstr(out, "Installed version: none\n"));
	g_assert_nonnull(strstr(out, "Available version: 2.0 (mandatory)\n"));
	g_assert_nonnull(strstr(out, "Release notes (en):\n  Faster start-up\n"));
	/* not a terminal: nothing but the result, no progress on stderr */
	g_assert_cmpstr(err, ==, "");
}

static JsonObject *
parse_object(JsonParser *parser, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

static void
test_check_json(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonParser) parser2 = json_parser_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *out2 = NULL;
	g_autofree gchar *err = NULL;
	JsonObject *object;
	JsonArray *releases;
	gint status;

	status = ctl_run(NULL, &out, &err, "--json", "--config", f->config, "check", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpstr(err, ==, "");
	object = parse_object(parser, out);
	g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, APP_ID);
	g_assert_cmpstr(json_object_get_string_member(object, "channel"), ==, "stable");
	g_assert_true(json_object_get_null_member(object, "installed_version"));
	g_assert_cmpstr(json_object_get_string_member(object, "available_version"), ==, "2.0");
	g_assert_true(json_object_get_boolean_member(object, "update_available"));
	g_assert_true(json_object_get_boolean_member(object, "mandatory"));
	g_assert_cmpint(json_object_get_int_member(object, "serial"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(object, "download_size"), >, 0);
	g_assert_cmpstr(json_object_get_string_member(object, "release_notes"), ==,
			"Faster start-up");
	g_assert_cmpstr(json_object_get_string_member(object, "release_notes_language"), ==, "en");
	g_assert_true(
		g_str_has_suffix(json_object_get_string_member(object, "source_url"), "v1/check"));
	releases = json_object_get_array_member(object, "releases");
	g_assert_cmpuint(json_array_get_length(releases), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(releases, 0),
						      "version"),
			==, "2.0");

	/* options after the command give the same answer */
	status = ctl_run(NULL, &out2, NULL, "check", "--config", f->config, "--json", NULL);
	g_assert_cmpint(status, ==, 0);
	object = parse_object(parser2, out2);
	g_assert_cmpstr(json_object_get_string_member(object, "available_version"), ==, "2.0");
}

/* the user's language picks the catalogue and the release notes */
static void
test_check_translated(Fixture *f, gconstpointer user_data)
{
	const gchar *ru_env[] = {"LANGUAGE=ru", NULL};
	const gchar *zh_env[] = {"LANGUAGE=zh_CN", NULL};
	const gchar *de_env[] = {"LANGUAGE=de", NULL};
	g_autofree gchar *ru = NULL;
	g_autofree gchar *zh = NULL;
	g_autofree gchar *de = NULL;
	g_autofree gchar *ru_json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *object;

	g_assert_cmpint(ctl_run(ru_env, &ru, NULL, "--config", f->config, "check", NULL), ==, 0);
	g_assert_nonnull(strstr(ru, "Быстрый запуск"));
	g_assert_null(strstr(ru, "Installed version"));
	g_assert_nonnull(strstr(ru, "2.0"));

	g_assert_cmpint(ctl_run(zh_env, &zh, NULL, "--config", f->config, "check", NULL), ==, 0);
	g_assert_null(strstr(zh, "Installed version"));
	/* no Chinese notes: English ones */
	g_assert_nonnull(strstr(zh, "Faster start-up"));

	/* a language without a catalogue: English messages and notes */
	g_assert_cmpint(ctl_run(de_env, &de, NULL, "--config", f->config, "check", NULL), ==, 0);
	g_assert_nonnull(strstr(de, "Installed version: none"));
	g_assert_nonnull(strstr(de, "Faster start-up"));

	g_assert_cmpint(
		ctl_run(ru_env, &ru_json, NULL, "--config", f->config, "check", "--json", NULL), ==,
		0);
	object = parse_object(parser, ru_json);
	g_assert_cmpstr(json_object_get_string_member(object, "release_notes_language"), ==, "ru");
}

static void
test_errors(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *bad = g_build_filename(f->dir, "bad.conf", NULL);
	g_autofree gchar *stranger = g_build_filename(f->dir, "stranger", NULL);
	g_autofree gchar *stranger_line = upd_test_keygen(stranger);
	g_autofree gchar *wrong_key = g_build_filename(f->dir, "wrong.conf", NULL);

	/* a missing configuration file */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint status =
			ctl_run(NULL, &out, &err, "--config", "/nonexistent.conf", "check", NULL);
		g_assert_cmpint(status, ==, 1);
		g_assert_cmpstr(out, ==, "");
		assert_one_line(err, "updaterctl: ");
		g_assert_nonnull(strstr(err, "/nonexistent.conf"));
	}
	/* a bad value names the key */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		g_free(upd_test_write_config(bad, APP_ID, "ftp://x/", stranger_line, NULL));
		g_assert_cmpint(ctl_run(NULL, &out, &err, "--config", bad, "check", NULL), ==, 1);
		assert_one_line(err, "updaterctl: ");
		g_assert_nonnull(strstr(err, "Endpoint"));
	}
	/* an unknown key is a warning, not an error */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		g_autofree gchar *extra = g_build_filename(f->dir, "extra.conf", NULL);
		g_autofree gchar *contents = NULL;
		g_autofree gchar *with_extra = NULL;
		g_assert_true(g_file_get_contents(f->config, &contents, NULL, NULL));
		with_extra = g_strdup_printf("%sColour=blue\n", contents);
		upd_test_write_file(extra, with_extra, -1, 0644);
		g_assert_cmpint(ctl_run(NULL, &out, &err, "--config", extra, "check", NULL), ==, 0);
		assert_one_line(err, "updaterctl: warning: ");
		g_assert_nonnull(strstr(err, "Colour"));
	}
	/* a key that never signed: refused, one line */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		g_free(upd_test_write_config(wrong_key, APP_ID, f->server->url, stranger_line,
					     NULL));
		g_assert_cmpint(ctl_run(NULL, &out, &err, "--config", wrong_key, "check", NULL), ==,
				1);
		assert_one_line(err, "updaterctl: ");
		g_assert_nonnull(strstr(err, "pinned"));
	}
	/* usage errors exit 2 */
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(ctl_run(NULL, NULL, &err, "--config", f->config, NULL), ==, 2);
		g_assert_true(g_str_has_prefix(err, "updaterctl: "));
	}
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(
			ctl_run(NULL, NULL, &err, "--config", f->config, "frobnicate", NULL), ==,
			2);
		g_assert_nonnull(strstr(err, "frobnicate"));
	}
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(ctl_run(NULL, NULL, &err, "--no-such-option", "check", NULL), ==,
				2);
	}
	/* neither an application of the service nor a configuration given */
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(ctl_run(NULL, NULL, &err, "check", NULL), ==, 2);
		g_assert_true(g_str_has_prefix(err, "updaterctl: "));
		g_assert_nonnull(strstr(err, "--config"));
	}
}

static void
test_download(Fixture *f, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *json = NULL;
	JsonObject *object;
	const gchar *cache_dir;
	gint status;

	status = ctl_run(NULL, &out, &err, "--config", f->config, "download", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, APP_ID " 2.0: 1 of 1 objects to download"));
	g_assert_nonnull(strstr(out, "everything verified"));
	/* not a terminal: no progress bar */
	g_assert_cmpstr(err, ==, "");

	/* the second time, the object comes from the cache */
	status = ctl_run(NULL, &json, NULL, "download", "--json", "--config", f->config, NULL);
	g_assert_cmpint(status, ==, 0);
	object = parse_object(parser, json);
	g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, "2.0");
	g_assert_cmpint(json_object_get_int_member(object, "objects"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(object, "cached"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(object, "fetched"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(object, "download_size"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(object, "bytes_received"), ==, 0);
	cache_dir = json_object_get_string_member(object, "cache_dir");
	g_assert_true(g_str_has_prefix(cache_dir, g_getenv("XDG_CACHE_HOME")));
}

static void
test_download_up_to_date(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *versions = g_build_filename(f->dir, "install", "versions", "2.0", NULL);
	g_autofree gchar *current = g_build_filename(f->dir, "install", "current", NULL);
	g_autofree gchar *out = NULL;

	g_assert_cmpint(g_mkdir_with_parents(versions, 0755), ==, 0);
	g_assert_cmpint(symlink("versions/2.0", current), ==, 0);
	g_assert_cmpint(ctl_run(NULL, &out, NULL, "--config", f->config, "download", NULL), ==, 0);
	g_assert_cmpstr(out, ==, APP_ID " is up to date (2.0): nothing to download.\n");
}

/* Ctrl-C: the download stops, the partial stays, the next run resumes */
static void
test_download_interrupted(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *dir = upd_test_mkdtemp("ctl-big");
	g_autofree gchar *repo = g_build_filename(dir, "repo", NULL);
	g_autofree gchar *prefix = g_build_filename(dir, "key", NULL);
	g_autofree gchar *public_line = upd_test_keygen(prefix);
	g_autofree gchar *key = g_strdup_printf("%s.secret", prefix);
	g_autofree gchar *payload = g_build_filename(dir, "big.exe", NULL);
	g_autofree gchar *config = g_build_filename(dir, "big.conf", NULL);
	g_autofree gchar *cache = g_build_filename(dir, "cache", NULL);
	g_autofree gchar *cache_env = g_strdup_printf("XDG_CACHE_HOME=%s", cache);
	g_autofree gchar *partial = NULL;
	g_autoptr(GString) data = g_string_new("#!/bin/sh\n");
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	g_autoptr(UpdTestServer) server = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *env[] = {cache_env, NULL};
	JsonObject *object;
	gint64 received;
	struct stat st;

	/* 2 MiB that zstd cannot shrink, at 256 KiB/s: about 8 s uninterrupted */
	while (data->len < 2 * 1024 * 1024)
		g_string_append_c(data, (gchar)g_rand_int_range(rand, 0, 256));
	upd_test_write_file(payload, data->str, (gssize)data->len, 0755);
	upd_test_publish(repo, key, APP_ID, "1.0", payload, NULL);
	server = upd_test_server_start(repo, NULL);
	g_free(upd_test_write_config(config, APP_ID, server->url, public_line,
				     "BandwidthLimit=262144", NULL));

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_setenv(launcher, "XDG_CACHE_HOME", cache, TRUE);
	process = g_subprocess_launcher_spawn(launcher, &error, upd_test_program("UPDATERCTL"),
					      "--config", config, "download", NULL);
	g_assert_no_error(error);
	/* wait until part of the object has arrived, then press Ctrl-C */
	for (guint i = 0; i < 1000; i++) {
		g_autofree gchar *found = NULL;
		g_autoptr(GDir) objects = NULL;
		g_autofree gchar *objects_path =
			g_build_filename(cache, "updater", "objects", NULL);
		const gchar *name;
		objects = g_dir_open(objects_path, 0, NULL);
		while (objects != NULL && (name = g_dir_read_name(objects)) != NULL) {
			g_autofree gchar *sub = g_build_filename(objects_path, name, NULL);
			g_autoptr(GDir) inner = g_dir_open(sub, 0, NULL);
			const gchar *file;
			while (inner != NULL && (file = g_dir_read_name(inner)) != NULL) {
				if (g_str_has_suffix(file, ".partial"))
					found = g_build_filename(sub, file, NULL);
			}
		}
		if (found != NULL && stat(found, &st) == 0 && st.st_size > 512 * 1024) {
			partial = g_steal_pointer(&found);
			break;
		}
		g_usleep(10000);
	}
	g_assert_nonnull(partial);
	g_subprocess_send_signal(process, SIGINT);
	g_assert_true(g_subprocess_communicate_utf8(process, NULL, NULL, NULL, &err, &error));
	g_assert_no_error(error);
	g_test_message("interrupted updaterctl said: %s", err);
	g_assert_true(g_subprocess_get_if_exited(process));
	g_assert_cmpint(g_subprocess_get_exit_status(process), ==, 130);
	g_assert_nonnull(strstr(err, "interrupted"));
	g_assert_true(g_file_test(partial, G_FILE_TEST_EXISTS));

	/* the next run resumes: it receives less than the whole object */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_run(env, &out, &err, "--config", config, "download", "--json", NULL),
			==, 0);
	object = parse_object(parser, out);
	received = json_object_get_int_member(object, "bytes_received");
	g_test_message("second run received %" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes",
		       received, data->len);
	g_assert_cmpint(received, >, 0);
	g_assert_cmpint(received, <, (gint64)data->len - 512 * 1024);
	g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
}

static void
test_version(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;
	g_assert_cmpint(ctl_run(NULL, &out, NULL, "--version", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "updaterctl " PACKAGE_VERSION "\n");
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add("/updaterctl/check/text", Fixture, NULL, fixture_setup, test_check_text,
		   fixture_teardown);
	g_test_add("/updaterctl/check/json", Fixture, NULL, fixture_setup, test_check_json,
		   fixture_teardown);
	g_test_add("/updaterctl/check/translated", Fixture, NULL, fixture_setup,
		   test_check_translated, fixture_teardown);
	g_test_add("/updaterctl/errors", Fixture, NULL, fixture_setup, test_errors,
		   fixture_teardown);
	g_test_add("/updaterctl/version", Fixture, NULL, fixture_setup, test_version,
		   fixture_teardown);
	g_test_add("/updaterctl/download/basic", Fixture, NULL, fixture_setup, test_download,
		   fixture_teardown);
	g_test_add("/updaterctl/download/up-to-date", Fixture, NULL, fixture_setup,
		   test_download_up_to_date, fixture_teardown);
	g_test_add("/updaterctl/download/interrupted", Fixture, NULL, fixture_setup,
		   test_download_interrupted, fixture_teardown);
	return g_test_run();
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

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
	/* no configuration given */
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(ctl_run(NULL, NULL, &err, "check", NULL), ==, 1);
		assert_one_line(err, "updaterctl: ");
		g_assert_nonnull(strstr(err, "--config"));
	}
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
	return g_test_run();
}

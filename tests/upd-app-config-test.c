/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-test-common.h"
#include "updater.h"

static gchar *
upd_app_config_test_key_line(void)
{
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	return upd_key_to_public_line(key);
}

static UpdAppConfig *
upd_app_config_test_load(const gchar *text, GError **error)
{
	g_autofree gchar *dir = upd_test_mkdtemp("config");
	g_autofree gchar *path = g_build_filename(dir, "app.conf", NULL);
	upd_test_write_file(path, text, -1, 0644);
	return upd_app_config_new_from_file(path, error);
}

static void
upd_app_config_test_full(void)
{
	g_autofree gchar *key1 = upd_app_config_test_key_line();
	g_autofree gchar *key2 = upd_app_config_test_key_line();
	g_autofree gchar *text =
		g_strdup_printf("[Application]\n"
				"Id=org.example.Editor\n"
				"Endpoint=https://updates.example.org/editor\n"
				"Channel=beta\n"
				"InstallDir=/opt/editor\n"
				"PublicKey=%s;%s\n"
				"Policy=notify\n"
				"PollInterval=600\n"
				"BandwidthLimit=1048576\n"
				"Mirrors=https://m1.example.org/e/; http://m2.example.org/e\n",
				key1, key2);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_test_load(text, &error);
	GPtrArray *mirrors;

	g_assert_no_error(error);
	g_assert_cmpstr(upd_app_config_get_id(config), ==, "org.example.Editor");
	/* a base URL always ends with '/' so relative paths stay under it */
	g_assert_cmpstr(upd_app_config_get_endpoint(config), ==,
			"https://updates.example.org/editor/");
	g_assert_cmpstr(upd_app_config_get_channel(config), ==, "beta");
	g_assert_cmpstr(upd_app_config_get_install_dir(config), ==, "/opt/editor");
	g_assert_cmpuint(upd_app_config_get_public_keys(config)->len, ==, 2);
	g_assert_cmpint(upd_app_config_get_policy(config), ==, UPD_POLICY_NOTIFY);
	g_assert_cmpuint(upd_app_config_get_poll_interval(config), ==, 600);
	g_assert_cmpuint(upd_app_config_get_bandwidth_limit(config), ==, 1048576);
	mirrors = upd_app_config_get_mirrors(config);
	g_assert_cmpuint(mirrors->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(mirrors, 0), ==, "https://m1.example.org/e/");
	g_assert_cmpstr(g_ptr_array_index(mirrors, 1), ==, "http://m2.example.org/e/");
	g_assert_cmpuint(upd_app_config_get_warnings(config)->len, ==, 0);
}

static void
upd_app_config_test_install_keys(void)
{
	g_autofree gchar *key = upd_app_config_test_key_line();
	g_autofree gchar *text = g_strdup_printf("[Application]\n"
						 "Id=org.example.Hooks\n"
						 "Endpoint=http://127.0.0.1/\n"
						 "PublicKey=%s\n"
						 "PostInstall=/bin/echo 'two words' \"and more\"\n"
						 "PostInstallTimeout=5\n"
						 "KeepVersions=3\n"
						 "AllowMetered=true\n",
						 key);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_test_load(text, &error);
	const gchar *const *argv;

	g_assert_no_error(error);
	/* every key is known: no warnings */
	g_assert_cmpuint(upd_app_config_get_warnings(config)->len, ==, 0);
	argv = upd_app_config_get_post_install(config);
	g_assert_nonnull(argv);
	g_assert_cmpstr(argv[0], ==, "/bin/echo");
	g_assert_cmpstr(argv[1], ==, "two words");
	g_assert_cmpstr(argv[2], ==, "and more");
	g_assert_null(argv[3]);
	g_assert_cmpuint(upd_app_config_get_post_install_timeout(config), ==, 5);
	g_assert_cmpuint(upd_app_config_get_keep_versions(config), ==, 3);
	g_assert_true(upd_app_config_get_allow_metered(config));
}

static void
upd_app_config_test_defaults(void)
{
	g_autofree gchar *key = upd_app_config_test_key_line();
	g_autofree gchar *text = g_strdup_printf("[Application]\n"
						 "Id=org.example.Min\n"
						 "Endpoint=http://127.0.0.1:8080/\n"
						 "PublicKey=%s\n",
						 key);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_test_load(text, &error);
	g_autofree gchar *expected_dir = g_build_filename(g_getenv("XDG_DATA_HOME"), "updater",
							  "apps", "org.example.Min", NULL);

	g_assert_no_error(error);
	g_assert_cmpstr(upd_app_config_get_channel(config), ==, "stable");
	g_assert_cmpint(upd_app_config_get_policy(config), ==, UPD_POLICY_AUTO);
	g_assert_cmpuint(upd_app_config_get_poll_interval(config), ==, 3600);
	g_assert_cmpuint(upd_app_config_get_bandwidth_limit(config), ==, 0);
	g_assert_cmpuint(upd_app_config_get_mirrors(config)->len, ==, 0);
	g_assert_cmpstr(upd_app_config_get_install_dir(config), ==, expected_dir);
	g_assert_null(upd_app_config_get_post_install(config));
	g_assert_cmpuint(upd_app_config_get_post_install_timeout(config), ==, 60);
	g_assert_cmpuint(upd_app_config_get_keep_versions(config), ==, 2);
	g_assert_false(upd_app_config_get_allow_metered(config));
}

static void
upd_app_config_test_warnings(void)
{
	g_autofree gchar *key = upd_app_config_test_key_line();
	g_autofree gchar *text = g_strdup_printf("[Application]\n"
						 "Id=org.example.W\n"
						 "Endpoint=http://127.0.0.1/\n"
						 "PublicKey=%s\n"
						 "Colour=blue\n"
						 "[Extra]\n"
						 "X=1\n",
						 key);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_test_load(text, &error);
	GPtrArray *warnings;

	/* unknown keys and groups warn, they do not fail */
	g_assert_no_error(error);
	warnings = upd_app_config_get_warnings(config);
	g_assert_cmpuint(warnings->len, ==, 2);
	g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "Extra"));
	g_assert_nonnull(strstr(g_ptr_array_index(warnings, 1), "Colour"));
}

static void
upd_app_config_test_errors(void)
{
	g_autofree gchar *key = upd_app_config_test_key_line();
	struct {
		const gchar *lines;
		const gchar *must_mention;
	} cases[] = {
		{"Endpoint=http://h/\nPublicKey=@KEY@\n", "Id"},
		{"Id=../evil\nEndpoint=http://h/\nPublicKey=@KEY@\n", "../evil"},
		{"Id=a.b\nPublicKey=@KEY@\n", "Endpoint"},
		{"Id=a.b\nEndpoint=ftp://h/\nPublicKey=@KEY@\n", "ftp://h/"},
		{"Id=a.b\nEndpoint=http://h/?x=1\nPublicKey=@KEY@\n", "Endpoint"},
		{"Id=a.b\nEndpoint=not a url\nPublicKey=@KEY@\n", "not a url"},
		{"Id=a.b\nEndpoint=http://h/\n#@KEY@\n", "PublicKey"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=ed25519:xx:yy@KEY@\n", "PublicKey"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nChannel=../x\n", "Channel"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nPolicy=sometimes\n", "sometimes"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nPollInterval=0\n", "PollInterval"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nPollInterval=soon\n", "soon"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nBandwidthLimit=-5\n",
		 "BandwidthLimit"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nInstallDir=relative/dir\n",
		 "InstallDir"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nMirrors=http://ok/;gopher://x\n",
		 "gopher"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nPostInstall=/bin/sh -c "
		 "'unbalanced\n",
		 "PostInstall"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nPostInstallTimeout=0\n",
		 "PostInstallTimeout"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nKeepVersions=101\n", "KeepVersions"},
		{"Id=a.b\nEndpoint=http://h/\nPublicKey=@KEY@\nAllowMetered=maybe\n", "maybe"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) body = g_string_new(cases[i].lines);
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdAppConfig) config = NULL;
		g_string_replace(body, "@KEY@", key, 0);
		g_string_prepend(body, "[Application]\n");
		config = upd_app_config_test_load(body->str, &error);
		g_assert_null(config);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, cases[i].must_mention));
		g_assert_nonnull(strstr(error->message, "app.conf"));
	}

	/* not a key file at all, and a missing file */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdAppConfig) config = upd_app_config_test_load("garbage\n", &error);
		g_assert_null(config);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdAppConfig) config =
			upd_app_config_new_from_file("/nonexistent.conf", &error);
		g_assert_null(config);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdAppConfig) config =
			upd_app_config_test_load("[Other]\nId=x\n", &error);
		g_assert_null(config);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_CONFIG);
		g_assert_nonnull(strstr(error->message, "[Application]"));
	}
}

static void
upd_app_config_test_policy_names(void)
{
	UpdPolicy policy = UPD_POLICY_AUTO;
	const gchar *names[] = {"auto", "download", "notify", "manual"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_assert_true(upd_policy_from_string(names[i], &policy));
		g_assert_cmpint(policy, ==, (UpdPolicy)i);
		g_assert_cmpstr(upd_policy_to_string(policy), ==, names[i]);
	}
	g_assert_false(upd_policy_from_string("AUTO", &policy));
	g_assert_false(upd_policy_from_string(NULL, &policy));
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/app-config/full", upd_app_config_test_full);
	g_test_add_func("/libupdater/app-config/defaults", upd_app_config_test_defaults);
	g_test_add_func("/libupdater/app-config/install-keys", upd_app_config_test_install_keys);
	g_test_add_func("/libupdater/app-config/warnings", upd_app_config_test_warnings);
	g_test_add_func("/libupdater/app-config/errors", upd_app_config_test_errors);
	g_test_add_func("/libupdater/app-config/policy-names", upd_app_config_test_policy_names);
	return g_test_run();
}

/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What an application embedding libupdater sees: this program includes only
 * <updater.h> and links the shared library, like anything built with
 * `pkg-config updater-1`. It fails to build when a public header needs a
 * private one, and to link when a public function is not exported. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <updater.h>

#if !UPD_CHECK_VERSION(0, 1, 0)
#error "UPD_CHECK_VERSION is wrong"
#endif

static void
upd_public_api_test_errors(void)
{
	g_autoptr(GError) error =
		g_error_new_literal(UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID, "bad");
	g_autofree gchar *name = g_dbus_error_encode_gerror(error);
	g_autoptr(GError) back = NULL;

	/* every code is a D-Bus error name, and comes back with domain and code */
	g_assert_cmpstr(name, ==, "org.libupdater.Updater1.Error.SignatureInvalid");
	back = g_dbus_error_new_for_dbus_error(name, "bad");
	g_assert_error(back, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
	g_assert_cmpstr(upd_error_to_string(UPD_ERROR_SERIAL_ROLLBACK), ==, "SerialRollback");
	g_assert_cmpstr(upd_error_to_string((UpdError)9999), ==, "Failed");
}

static void
upd_public_api_test_keys(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = upd_key_generate(&error);
	g_autofree gchar *line = NULL;
	g_autoptr(UpdKey) pub = NULL;
	g_autoptr(GBytes) data = g_bytes_new_static("x", 1);
	g_autoptr(GBytes) sig = NULL;

	g_assert_no_error(error);
	line = upd_key_to_public_line(key);
	pub = upd_key_new_from_public_line(line, &error);
	g_assert_no_error(error);
	sig = upd_key_sign(key, data, &error);
	g_assert_no_error(error);
	g_assert_true(upd_key_verify(pub, data, sig, &error));
	g_assert_cmpint(upd_version_compare("1.10", "1.9"), >, 0);
	g_assert_cmpstr(upd_payload_type_to_string(UPD_PAYLOAD_TYPE_TAR_GZ), ==, "tar.gz");
	g_assert_cmpint(upd_payload_type_from_string("so"), ==, UPD_PAYLOAD_TYPE_DLL);
	g_assert_cmpstr(upd_policy_to_string(UPD_POLICY_NOTIFY), ==, "notify");
}

static void
upd_public_api_test_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autofree gchar *line = upd_key_to_public_line(key);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autofree gchar *installed = NULL;

	g_key_file_set_string(kf, UPD_APP_CONFIG_GROUP, "Id", "org.example.Embedded");
	g_key_file_set_string(kf, UPD_APP_CONFIG_GROUP, "Endpoint", "http://127.0.0.1:1/");
	g_key_file_set_string(kf, UPD_APP_CONFIG_GROUP, "PublicKey", line);
	g_key_file_set_string(kf, UPD_APP_CONFIG_GROUP, "InstallDir", "/nonexistent/app");
	config = upd_app_config_new_from_key_file(kf, "embedded", &error);
	g_assert_no_error(error);
	client = upd_client_new(config);
	g_assert_true(upd_client_get_config(client) == config);
	installed = upd_client_get_installed_version(client);
	g_assert_null(installed);
	upd_client_set_installed_version(client, "3.1");
	g_clear_pointer(&installed, g_free);
	installed = upd_client_get_installed_version(client);
	g_assert_cmpstr(installed, ==, "3.1");
}

int
main(int argc, char **argv)
{
	g_autofree gchar *tmp = g_dir_make_tmp("upd-public-api-XXXXXX", NULL);
	g_autofree gchar *state = g_build_filename(tmp, "state", NULL);
	int rc;

	g_setenv("XDG_STATE_HOME", state, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/public-api/errors", upd_public_api_test_errors);
	g_test_add_func("/public-api/keys", upd_public_api_test_keys);
	g_test_add_func("/public-api/config", upd_public_api_test_config);
	rc = g_test_run();
	g_rmdir(tmp);
	return rc;
}

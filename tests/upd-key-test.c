/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "upd-test-common.h"
#include "updater.h"

static void
upd_key_test_roundtrip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = upd_key_generate(&error);
	g_autoptr(UpdKey) loaded = NULL;
	g_autoptr(UpdKey) pub = NULL;
	g_autoptr(GBytes) data = g_bytes_new_static("manifest bytes", 14);
	g_autoptr(GBytes) sig = NULL;
	g_autofree gchar *dir = upd_test_mkdtemp("keys");
	g_autofree gchar *secret = g_build_filename(dir, "k.secret", NULL);
	g_autofree gchar *public = g_build_filename(dir, "k.pub", NULL);
	g_autofree gchar *line = NULL;
	g_autofree gchar *public_contents = NULL;
	struct stat st;

	g_assert_no_error(error);
	g_assert_true(upd_key_has_secret(key));
	g_assert_cmpuint(strlen(upd_key_get_id(key)), ==, UPD_KEY_ID_LEN);

	g_assert_true(upd_key_save_secret_file(key, secret, &error));
	g_assert_no_error(error);
	g_assert_cmpint(stat(secret, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
	g_assert_true(upd_key_save_public_file(key, public, &error));
	g_assert_no_error(error);

	line = upd_key_to_public_line(key);
	g_assert_true(g_str_has_prefix(line, "ed25519:"));
	g_assert_true(g_file_get_contents(public, &public_contents, NULL, NULL));
	g_assert_cmpstr(g_strchomp(public_contents), ==, line);

	loaded = upd_key_new_from_secret_file(secret, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(upd_key_get_id(loaded), ==, upd_key_get_id(key));
	pub = upd_key_new_from_public_line(line, &error);
	g_assert_no_error(error);
	g_assert_false(upd_key_has_secret(pub));
	g_assert_cmpstr(upd_key_get_id(pub), ==, upd_key_get_id(key));

	/* what the loaded secret signs, the parsed public half verifies */
	sig = upd_key_sign(loaded, data, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(sig), ==, 64);
	g_assert_true(upd_key_verify(pub, data, sig, &error));
	g_assert_no_error(error);
}

static void
upd_key_test_tamper(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(UpdKey) other = upd_key_generate(NULL);
	g_autoptr(GBytes) data = g_bytes_new_static("manifest bytes", 14);
	g_autoptr(GBytes) changed = g_bytes_new_static("manifest bytez", 14);
	g_autoptr(GBytes) sig = upd_key_sign(key, data, NULL);
	g_autoptr(GBytes) short_sig = g_bytes_new_from_bytes(sig, 0, 63);
	guint8 flipped[64];

	g_assert_false(upd_key_verify(key, changed, sig, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
	g_clear_error(&error);

	memcpy(flipped, g_bytes_get_data(sig, NULL), 64);
	for (guint bit = 0; bit < 64 * 8; bit += 37) {
		g_autoptr(GBytes) bad = NULL;
		flipped[bit / 8] ^= (guint8)(1 << (bit % 8));
		bad = g_bytes_new(flipped, sizeof(flipped));
		g_assert_false(upd_key_verify(key, data, bad, &error));
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
		g_clear_error(&error);
		flipped[bit / 8] ^= (guint8)(1 << (bit % 8));
	}

	g_assert_false(upd_key_verify(other, data, sig, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
	g_clear_error(&error);

	g_assert_false(upd_key_verify(key, data, short_sig, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
	g_assert_nonnull(strstr(error->message, "63"));
}

static void
upd_key_test_bad_lines(void)
{
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(UpdKey) other = upd_key_generate(NULL);
	g_autofree gchar *line = upd_key_to_public_line(key);
	g_autofree gchar *other_line = upd_key_to_public_line(other);
	g_auto(GStrv) parts = g_strsplit(line, ":", -1);
	g_auto(GStrv) other_parts = g_strsplit(other_line, ":", -1);
	g_autofree gchar *wrong_id = g_strdup_printf("ed25519:%s:%s", other_parts[1], parts[2]);
	g_autofree gchar *wrong_alg = g_strdup_printf("rsa:%s:%s", parts[1], parts[2]);
	g_autofree gchar *short_key = g_strdup_printf("ed25519:%s:AAAA", parts[1]);
	g_autofree gchar *bad_b64 = g_strdup_printf("ed25519:%s:%s!", parts[1], parts[2]);
	g_autofree gchar *too_long = g_strnfill(300, 'a');
	const gchar *bad[] = {"",	 "ed25519", "ed25519:abc", wrong_id,
			      wrong_alg, short_key, bad_b64,	   too_long};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdKey) parsed = upd_key_new_from_public_line(bad[i], &error);
		g_assert_null(parsed);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	}
	/* surrounding blanks are fine */
	{
		g_autofree gchar *padded = g_strdup_printf("  %s \n", line);
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdKey) parsed = upd_key_new_from_public_line(padded, &error);
		g_assert_no_error(error);
		g_assert_nonnull(parsed);
	}
}

static void
upd_key_test_lines(void)
{
	g_autoptr(UpdKey) a = upd_key_generate(NULL);
	g_autoptr(UpdKey) b = upd_key_generate(NULL);
	g_autofree gchar *la = upd_key_to_public_line(a);
	g_autofree gchar *lb = upd_key_to_public_line(b);
	g_autofree gchar *two = g_strdup_printf("%s; %s;", la, lb);
	g_autofree gchar *newline = g_strdup_printf("%s\n%s\n", la, lb);
	g_autofree gchar *twice = g_strdup_printf("%s;%s", la, la);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = upd_key_parse_public_lines(two, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 2);
	g_assert_cmpstr(upd_key_get_id(g_ptr_array_index(keys, 1)), ==, upd_key_get_id(b));
	g_clear_pointer(&keys, g_ptr_array_unref);

	keys = upd_key_parse_public_lines(newline, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 2);
	g_clear_pointer(&keys, g_ptr_array_unref);

	keys = upd_key_parse_public_lines(twice, &error);
	g_assert_null(keys);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_clear_error(&error);

	keys = upd_key_parse_public_lines(" ; ", &error);
	g_assert_null(keys);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
}

static void
upd_key_test_secret_file_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(UpdKey) other = upd_key_generate(NULL);
	g_autoptr(UpdKey) pub = NULL;
	g_autoptr(UpdKey) loaded = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *dir = upd_test_mkdtemp("keys");
	g_autofree gchar *secret = g_build_filename(dir, "k.secret", NULL);
	g_autofree gchar *mixed = g_build_filename(dir, "mixed.secret", NULL);
	g_autofree gchar *missing = g_build_filename(dir, "missing.secret", NULL);
	g_autofree gchar *garbage = g_build_filename(dir, "garbage.secret", NULL);
	g_autofree gchar *other_line = upd_key_to_public_line(other);
	g_autofree gchar *data = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	g_assert_true(upd_key_save_secret_file(key, secret, &error));
	g_assert_no_error(error);

	/* never overwritten */
	g_assert_true(g_file_get_contents(secret, &before, NULL, NULL));
	g_assert_false(upd_key_save_secret_file(other, secret, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);
	g_assert_true(g_file_get_contents(secret, &after, NULL, NULL));
	g_assert_cmpstr(before, ==, after);

	/* readable by others */
	g_assert_cmpint(g_chmod(secret, 0644), ==, 0);
	loaded = upd_key_new_from_secret_file(secret, &error);
	g_assert_null(loaded);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_assert_nonnull(strstr(error->message, secret));
	g_clear_error(&error);

	/* a public line that belongs to another key */
	g_assert_cmpint(g_chmod(secret, 0600), ==, 0);
	g_assert_true(g_key_file_load_from_file(kf, secret, G_KEY_FILE_NONE, NULL));
	g_key_file_set_string(kf, "Updater Secret Key", "PublicKey", other_line);
	data = g_key_file_to_data(kf, NULL, NULL);
	upd_test_write_file(mixed, data, -1, 0600);
	loaded = upd_key_new_from_secret_file(mixed, &error);
	g_assert_null(loaded);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_clear_error(&error);

	loaded = upd_key_new_from_secret_file(missing, &error);
	g_assert_null(loaded);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	upd_test_write_file(garbage, "not a key\n", -1, 0600);
	loaded = upd_key_new_from_secret_file(garbage, &error);
	g_assert_null(loaded);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_KEY);
	g_clear_error(&error);

	/* a public key cannot sign */
	{
		g_autofree gchar *line = upd_key_to_public_line(key);
		g_autoptr(GBytes) bytes = g_bytes_new_static("x", 1);
		g_autoptr(GBytes) sig = NULL;
		pub = upd_key_new_from_public_line(line, NULL);
		sig = upd_key_sign(pub, bytes, &error);
		g_assert_null(sig);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT);
	}
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/key/roundtrip", upd_key_test_roundtrip);
	g_test_add_func("/libupdater/key/tamper", upd_key_test_tamper);
	g_test_add_func("/libupdater/key/bad-lines", upd_key_test_bad_lines);
	g_test_add_func("/libupdater/key/lines", upd_key_test_lines);
	g_test_add_func("/libupdater/key/secret-file-errors", upd_key_test_secret_file_errors);
	return g_test_run();
}

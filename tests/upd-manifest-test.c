/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <zstd.h>

#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"
#include "updater.h"

#define APP_ID	"org.example.App"
#define CHANNEL "stable"
#define NOW	((gint64)1800000000)

/* A small valid manifest built in memory: one release with one tar.gz
 * payload and notes in two languages. Tests change fields, then sign. */
typedef struct {
	Updater__Manifest manifest;
	Updater__Release release;
	Updater__Release *releases[2];
	Updater__Release release2;
	Updater__Component component;
	Updater__Component *components[1];
	Updater__Payload payload;
	Updater__Object object;
	Updater__ReleaseNote note_en;
	Updater__ReleaseNote note_ru;
	Updater__ReleaseNote *notes[2];
	Updater__TreeEntry entry;
	Updater__TreeEntry *entries[1];
	guint8 sha256[UPD_SHA256_LEN];
	gchar path[128];
	gchar *mirrors[1];
} TestManifest;

static void
test_manifest_init(TestManifest *tm)
{
	g_autofree gchar *relative = NULL;

	memset(tm, 0, sizeof(*tm));
	upd_sha256_data("payload", 7, tm->sha256);
	relative = g_strdup_printf("objects/%02x/x", tm->sha256[0]);
	g_strlcpy(tm->path, relative, sizeof(tm->path));

	updater__object__init(&tm->object);
	tm->object.has_sha256 = TRUE;
	tm->object.sha256.data = tm->sha256;
	tm->object.sha256.len = UPD_SHA256_LEN;
	tm->object.has_size = TRUE;
	tm->object.size = 7;
	tm->object.has_stored_sha256 = TRUE;
	tm->object.stored_sha256.data = tm->sha256;
	tm->object.stored_sha256.len = UPD_SHA256_LEN;
	tm->object.has_stored_size = TRUE;
	tm->object.stored_size = 7;
	tm->object.path = tm->path;

	updater__payload__init(&tm->payload);
	tm->payload.has_type = TRUE;
	tm->payload.type = UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TAR_GZ;
	tm->payload.filename = (gchar *)"app.tar.gz";
	tm->payload.object = &tm->object;

	updater__component__init(&tm->component);
	tm->component.name = (gchar *)"main";
	tm->component.payload = &tm->payload;
	tm->components[0] = &tm->component;

	updater__release_note__init(&tm->note_en);
	tm->note_en.language = (gchar *)"en";
	tm->note_en.text = (gchar *)"Faster and safer";
	updater__release_note__init(&tm->note_ru);
	tm->note_ru.language = (gchar *)"ru";
	tm->note_ru.text = (gchar *)"Быстрее и надёжнее";
	tm->notes[0] = &tm->note_en;
	tm->notes[1] = &tm->note_ru;

	updater__release__init(&tm->release);
	tm->release.version = (gchar *)"2.0";
	tm->release.n_components = 1;
	tm->release.components = tm->components;
	tm->release.n_notes = 2;
	tm->release.notes = tm->notes;
	tm->releases[0] = &tm->release;

	updater__manifest__init(&tm->manifest);
	tm->manifest.has_format_version = TRUE;
	tm->manifest.format_version = 1;
	tm->manifest.app_id = (gchar *)APP_ID;
	tm->manifest.channel = (gchar *)CHANNEL;
	tm->manifest.has_serial = TRUE;
	tm->manifest.serial = 5;
	tm->manifest.has_issued_at = TRUE;
	tm->manifest.issued_at = NOW - 10;
	tm->manifest.has_expires_at = TRUE;
	tm->manifest.expires_at = NOW + 3600;
	tm->manifest.n_releases = 1;
	tm->manifest.releases = tm->releases;
}

/* signs without validating, to test what a client does with a validly
 * signed but malformed manifest */
static GBytes *
test_sign_bytes(GBytes *inner, gint compression, UpdKey *key, const gchar *key_id)
{
	g_autoptr(GBytes) sig = upd_key_sign(key, inner, NULL);
	Updater__SignedManifest outer = UPDATER__SIGNED_MANIFEST__INIT;
	Updater__Signature signature = UPDATER__SIGNATURE__INIT;
	Updater__Signature *signatures[1] = {&signature};
	gsize len = 0;

	signature.key_id = (gchar *)(key_id != NULL ? key_id : upd_key_get_id(key));
	signature.algorithm = (gchar *)"ed25519";
	signature.has_signature = TRUE;
	signature.signature.data = (guint8 *)g_bytes_get_data(sig, &len);
	signature.signature.len = len;
	outer.has_manifest = TRUE;
	outer.manifest.data = (guint8 *)g_bytes_get_data(inner, &len);
	outer.manifest.len = len;
	outer.has_manifest_compression = compression != 0;
	outer.manifest_compression = (Updater__Compression)compression;
	outer.n_signatures = 1;
	outer.signatures = signatures;
	return upd_pb_pack((const ProtobufCMessage *)&outer);
}

/* signed as it is, not compressed */
static GBytes *
test_sign_raw(const Updater__Manifest *manifest, UpdKey *key, const gchar *key_id)
{
	g_autoptr(GBytes) inner = upd_pb_pack((const ProtobufCMessage *)manifest);
	return test_sign_bytes(inner, 0, key, key_id);
}

static GPtrArray *
test_keys(UpdKey *key, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
test_keys(UpdKey *key, ...)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_object_unref);
	va_list args;

	va_start(args, key);
	for (UpdKey *k = key; k != NULL; k = va_arg(args, UpdKey *)) {
		g_autofree gchar *line = upd_key_to_public_line(k);
		g_ptr_array_add(keys, upd_key_new_from_public_line(line, NULL));
	}
	va_end(args);
	return keys;
}

static UpdManifest *
test_verify(GBytes *signed_manifest, GPtrArray *keys, guint64 min_serial, GError **error)
{
	return upd_manifest_new_verified(signed_manifest, keys, APP_ID, CHANNEL, min_serial, NOW,
					 error);
}

static void
upd_manifest_test_valid(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) signing = g_ptr_array_new();
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GError) error = NULL;
	UpdRelease *release;

	test_manifest_init(&tm);
	g_ptr_array_add(signing, key);
	bytes = upd_manifest_sign_pb(&tm.manifest, signing, &error);
	g_assert_no_error(error);
	manifest = test_verify(bytes, keys, 5, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(upd_manifest_get_app_id(manifest), ==, APP_ID);
	g_assert_cmpstr(upd_manifest_get_channel(manifest), ==, CHANNEL);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 5);
	g_assert_cmpint(upd_manifest_get_expires_at(manifest), ==, NOW + 3600);
	g_assert_cmpstr(upd_manifest_get_key_id(manifest), ==, upd_key_get_id(key));
	g_assert_cmpuint(upd_manifest_get_releases(manifest)->len, ==, 1);
	release = upd_manifest_get_release(manifest, "2.0");
	g_assert_nonnull(release);
	g_assert_cmpuint(upd_release_get_rollout_percent(release), ==, 100);
	g_assert_false(upd_release_get_mandatory(release));
	g_assert_cmpuint(upd_release_get_download_size(release), ==, 7);
	g_assert_cmpint(upd_release_get_payload_type(release, "main"), ==, UPD_PAYLOAD_TYPE_TAR_GZ);
	g_assert_null(upd_manifest_get_release(manifest, "3.0"));
	g_assert_true(g_bytes_equal(upd_manifest_get_signed_bytes(manifest), bytes));
}

/* each way a manifest can be wrong ends in its own error code */
static void
upd_manifest_test_refusals(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(UpdKey) stranger = upd_key_generate(NULL);
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GError) error = NULL;

	/* bytes changed after signing */
	{
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(Updater__SignedManifest) outer = NULL;
		g_autoptr(GBytes) repacked = NULL;
		g_autoptr(UpdManifest) manifest = NULL;

		test_manifest_init(&tm);
		bytes = test_sign_raw(&tm.manifest, key, NULL);
		outer = updater__signed_manifest__unpack(NULL, g_bytes_get_size(bytes),
							 g_bytes_get_data(bytes, NULL));
		outer->manifest.data[outer->manifest.len - 1] ^= 0x01;
		repacked = upd_pb_pack((const ProtobufCMessage *)outer);
		manifest = test_verify(repacked, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
		g_clear_error(&error);

		/* the signature changed */
		outer->manifest.data[outer->manifest.len - 1] ^= 0x01;
		outer->signatures[0]->signature.data[3] ^= 0x80;
		g_clear_pointer(&repacked, g_bytes_unref);
		repacked = upd_pb_pack((const ProtobufCMessage *)outer);
		manifest = test_verify(repacked, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
		g_clear_error(&error);

		/* a key id that nobody pinned */
		g_free(outer->signatures[0]->key_id);
		outer->signatures[0]->key_id = g_strdup("0000000000000000");
		g_clear_pointer(&repacked, g_bytes_unref);
		repacked = upd_pb_pack((const ProtobufCMessage *)outer);
		manifest = test_verify(repacked, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
		g_assert_nonnull(strstr(error->message, upd_key_get_id(key)));
		g_clear_error(&error);
	}

	/* signed by a key that is not pinned */
	{
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		test_manifest_init(&tm);
		bytes = test_sign_raw(&tm.manifest, stranger, NULL);
		manifest = test_verify(bytes, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
		g_clear_error(&error);
	}

	/* a stranger's signature claiming the pinned key's id */
	{
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		test_manifest_init(&tm);
		bytes = test_sign_raw(&tm.manifest, stranger, upd_key_get_id(key));
		manifest = test_verify(bytes, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SIGNATURE_INVALID);
		g_clear_error(&error);
	}

	/* app id, channel, serial, expiry, format: signed but not for us */
	{
		struct {
			const gchar *what;
			guint64 min_serial;
			gint code;
		} cases[] = {
			{"app", 0, UPD_ERROR_APP_MISMATCH},
			{"channel", 0, UPD_ERROR_CHANNEL_MISMATCH},
			{"serial", 6, UPD_ERROR_SERIAL_ROLLBACK},
			{"expired", 0, UPD_ERROR_EXPIRED},
			{"format", 0, UPD_ERROR_INVALID_DATA},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(GBytes) bytes = NULL;
			g_autoptr(UpdManifest) manifest = NULL;
			test_manifest_init(&tm);
			if (g_strcmp0(cases[i].what, "app") == 0)
				tm.manifest.app_id = (gchar *)"org.example.Other";
			else if (g_strcmp0(cases[i].what, "channel") == 0)
				tm.manifest.channel = (gchar *)"beta";
			else if (g_strcmp0(cases[i].what, "expired") == 0)
				tm.manifest.expires_at = NOW - 1;
			else if (g_strcmp0(cases[i].what, "format") == 0)
				tm.manifest.format_version = 2;
			bytes = test_sign_raw(&tm.manifest, key, NULL);
			manifest = test_verify(bytes, keys, cases[i].min_serial, &error);
			g_assert_null(manifest);
			g_assert_error(error, UPD_ERROR, cases[i].code);
			g_test_message("%s: %s", cases[i].what, error->message);
			g_clear_error(&error);
		}
	}

	/* the same serial as seen before is accepted (a re-fetch) */
	{
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		test_manifest_init(&tm);
		bytes = test_sign_raw(&tm.manifest, key, NULL);
		manifest = test_verify(bytes, keys, 5, &error);
		g_assert_no_error(error);
		g_assert_nonnull(manifest);
	}

	/* the serial error names both numbers */
	{
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		test_manifest_init(&tm);
		tm.manifest.serial = 41;
		bytes = test_sign_raw(&tm.manifest, key, NULL);
		manifest = test_verify(bytes, keys, 42, &error);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_SERIAL_ROLLBACK);
		g_assert_nonnull(strstr(error->message, "41"));
		g_assert_nonnull(strstr(error->message, "42"));
	}
}

/* a validly signed manifest whose content is malformed is refused, and
 * nothing is parsed before the signature verified */
static void
upd_manifest_test_structure(void)
{
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(UpdKey) stranger = upd_key_generate(NULL);
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	const gchar *cases[] = {
		"tree-dotdot",	"tree-absolute", "symlink-escape", "duplicate-version",
		"short-digest", "rollout",	 "no-expiry",	   "serial-zero",
		"bad-version",	"object-path",	 "no-components",  "duplicate-component",
		"unknown-type", "bad-mirror",	 "filename-slash", "uncompressed-mismatch",
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		TestManifest tm;
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GBytes) stranger_bytes = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		g_autoptr(GError) error = NULL;
		guint8 other[UPD_SHA256_LEN] = {1};
		const gchar *what = cases[i];

		test_manifest_init(&tm);
		updater__tree_entry__init(&tm.entry);
		tm.entries[0] = &tm.entry;
		if (g_str_has_prefix(what, "tree-") || g_strcmp0(what, "symlink-escape") == 0) {
			tm.payload.type = UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE;
			tm.payload.object = NULL;
			tm.payload.filename = NULL;
			tm.payload.n_entries = 1;
			tm.payload.entries = tm.entries;
			tm.entry.path =
				(gchar *)(g_strcmp0(what, "tree-dotdot") == 0	  ? "a/../../x"
					  : g_strcmp0(what, "tree-absolute") == 0 ? "/etc/x"
										  : "a/link");
			if (g_strcmp0(what, "symlink-escape") == 0)
				tm.entry.symlink_target = (gchar *)"../../etc/passwd";
			else
				tm.entry.object = &tm.object;
		} else if (g_strcmp0(what, "duplicate-version") == 0) {
			tm.release2 = tm.release;
			tm.releases[1] = &tm.release2;
			tm.manifest.n_releases = 2;
		} else if (g_strcmp0(what, "short-digest") == 0) {
			tm.object.sha256.len = 31;
		} else if (g_strcmp0(what, "rollout") == 0) {
			tm.release.has_rollout_percent = TRUE;
			tm.release.rollout_percent = 101;
		} else if (g_strcmp0(what, "no-expiry") == 0) {
			tm.manifest.has_expires_at = FALSE;
		} else if (g_strcmp0(what, "serial-zero") == 0) {
			tm.manifest.serial = 0;
		} else if (g_strcmp0(what, "bad-version") == 0) {
			tm.release.version = (gchar *)"../2.0";
		} else if (g_strcmp0(what, "object-path") == 0) {
			tm.object.path = (gchar *)"../../etc/passwd";
		} else if (g_strcmp0(what, "no-components") == 0) {
			tm.release.n_components = 0;
		} else if (g_strcmp0(what, "duplicate-component") == 0) {
			Updater__Component *two[2] = {&tm.component, &tm.component};
			tm.release.components = two;
			tm.release.n_components = 2;
			bytes = test_sign_raw(&tm.manifest, key, NULL);
		} else if (g_strcmp0(what, "unknown-type") == 0) {
			tm.payload.type = (Updater__PayloadType)42;
		} else if (g_strcmp0(what, "bad-mirror") == 0) {
			tm.mirrors[0] = (gchar *)"file:///etc";
			tm.manifest.n_mirrors = 1;
			tm.manifest.mirrors = tm.mirrors;
		} else if (g_strcmp0(what, "filename-slash") == 0) {
			tm.payload.filename = (gchar *)"../evil.tar.gz";
		} else if (g_strcmp0(what, "uncompressed-mismatch") == 0) {
			tm.object.stored_sha256.data = other;
		}
		if (bytes == NULL)
			bytes = test_sign_raw(&tm.manifest, key, NULL);
		manifest = test_verify(bytes, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA);
		g_test_message("%s: %s", what, error->message);
		g_clear_error(&error);

		/* signed by somebody else, the same bytes fail on the signature first */
		stranger_bytes = test_sign_raw(&tm.manifest, stranger, NULL);
		manifest = test_verify(stranger_bytes, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY);
	}
}

/* a publisher rotating keys signs with both; clients pinning either accept */
static void
upd_manifest_test_rotation(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) old_key = upd_key_generate(NULL);
	g_autoptr(UpdKey) new_key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) signing = g_ptr_array_new();
	g_autoptr(GPtrArray) pin_old = test_keys(old_key, NULL);
	g_autoptr(GPtrArray) pin_new = test_keys(new_key, NULL);
	g_autoptr(GPtrArray) pin_both = test_keys(new_key, old_key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *pins[] = {pin_old, pin_new, pin_both};
	UpdKey *expected[] = {old_key, new_key, old_key};

	test_manifest_init(&tm);
	g_ptr_array_add(signing, old_key);
	g_ptr_array_add(signing, new_key);
	bytes = upd_manifest_sign_pb(&tm.manifest, signing, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(pins); i++) {
		g_autoptr(UpdManifest) manifest = test_verify(bytes, pins[i], 0, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(upd_manifest_get_key_id(manifest), ==, upd_key_get_id(expected[i]));
	}
}

static void
upd_manifest_test_truncated(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	gsize len = 0;
	const guint8 *data;

	test_manifest_init(&tm);
	bytes = test_sign_raw(&tm.manifest, key, NULL);
	data = g_bytes_get_data(bytes, &len);
	for (gsize cut = 0; cut < len; cut++) {
		g_autoptr(GBytes) part = g_bytes_new_static(data, cut);
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdManifest) manifest = test_verify(part, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_nonnull(error);
		g_assert_true(error->domain == UPD_ERROR);
		g_assert_true(error->code == UPD_ERROR_INVALID_DATA ||
			      error->code == UPD_ERROR_UNKNOWN_KEY ||
			      error->code == UPD_ERROR_SIGNATURE_INVALID);
	}
}

static void
upd_manifest_test_random(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) valid = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261123);
	g_autoptr(Updater__SignedManifest) original = NULL;
	guint8 buf[1024];
	gsize len = 0;

	/* random bytes never verify and never crash */
	for (guint i = 0; i < 20000; i++) {
		gsize n = g_rand_int_range(rand, 0, sizeof(buf));
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		for (gsize j = 0; j < n; j++)
			buf[j] = (guint8)g_rand_int(rand);
		bytes = g_bytes_new(buf, n);
		manifest = test_verify(bytes, keys, 0, &error);
		g_assert_null(manifest);
		g_assert_nonnull(error);
	}

	/* random mutations of a valid manifest: whatever still verifies must be
	 * exactly the signed manifest bytes (a change in unsigned framing) */
	test_manifest_init(&tm);
	valid = test_sign_raw(&tm.manifest, key, NULL);
	original = updater__signed_manifest__unpack(NULL, g_bytes_get_size(valid),
						    g_bytes_get_data(valid, NULL));
	len = g_bytes_get_size(valid);
	g_assert_cmpuint(len, <=, sizeof(buf));
	for (guint i = 0; i < 20000; i++) {
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(UpdManifest) manifest = NULL;
		guint flips = g_rand_int_range(rand, 1, 4);
		memcpy(buf, g_bytes_get_data(valid, NULL), len);
		for (guint j = 0; j < flips; j++)
			buf[g_rand_int_range(rand, 0, (gint32)len)] ^=
				(guint8)g_rand_int_range(rand, 1, 256);
		bytes = g_bytes_new(buf, len);
		manifest = test_verify(bytes, keys, 0, &error);
		if (manifest != NULL) {
			g_autoptr(Updater__SignedManifest) outer =
				updater__signed_manifest__unpack(NULL, len, buf);
			g_assert_cmpmem(outer->manifest.data, outer->manifest.len,
					original->manifest.data, original->manifest.len);
		} else {
			g_assert_nonnull(error);
		}
	}
}

static void
upd_manifest_test_notes(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) signing = g_ptr_array_new();
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(GError) error = NULL;
	UpdRelease *release;
	const gchar *ru[] = {"ru_RU.UTF-8", "ru_RU", "ru", "C", NULL};
	const gchar *de[] = {"de_DE", "de", NULL};
	const gchar *c[] = {"C", NULL};
	const gchar *language = NULL;
	g_auto(GStrv) languages = NULL;

	test_manifest_init(&tm);
	g_ptr_array_add(signing, key);
	bytes = upd_manifest_sign_pb(&tm.manifest, signing, &error);
	g_assert_no_error(error);
	manifest = test_verify(bytes, keys, 0, &error);
	g_assert_no_error(error);
	release = upd_manifest_get_release(manifest, "2.0");

	g_assert_cmpstr(upd_release_get_notes(release, ru, &language), ==, "Быстрее и надёжнее");
	g_assert_cmpstr(language, ==, "ru");
	g_assert_cmpstr(upd_release_get_notes(release, de, &language), ==, "Faster and safer");
	g_assert_cmpstr(language, ==, "en");
	g_assert_cmpstr(upd_release_get_notes(release, c, &language), ==, "Faster and safer");
	languages = upd_release_get_note_languages(release);
	g_assert_cmpuint(g_strv_length(languages), ==, 2);

	/* no English: the first published language */
	{
		g_autoptr(GBytes) only_ru_bytes = NULL;
		g_autoptr(UpdManifest) only_ru = NULL;
		tm.notes[0] = &tm.note_ru;
		tm.release.n_notes = 1;
		only_ru_bytes = upd_manifest_sign_pb(&tm.manifest, signing, &error);
		g_assert_no_error(error);
		only_ru = test_verify(only_ru_bytes, keys, 0, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(upd_release_get_notes(upd_manifest_get_release(only_ru, "2.0"), de,
						      &language),
				==, "Быстрее и надёжнее");
		g_assert_cmpstr(language, ==, "ru");
	}
}

static void
upd_manifest_test_too_large(void)
{
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) bytes =
		g_bytes_new_take(g_malloc0(UPD_MANIFEST_MAX_SIZE + 1), UPD_MANIFEST_MAX_SIZE + 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdManifest) manifest = test_verify(bytes, keys, 0, &error);

	g_assert_null(manifest);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE);
}

static GBytes *
test_zstd(const guint8 *data, gsize len)
{
	gsize bound = ZSTD_compressBound(len);
	guint8 *out = g_malloc(bound);
	size_t ret = ZSTD_compress(out, bound, data, len, 3);
	g_assert_false(ZSTD_isError(ret));
	return g_bytes_new_take(out, ret);
}

/* what updater-publish signs is compressed, and verifies; a compressed
 * manifest that is broken, too large or compressed in an unknown way is
 * refused after its signature verified, with an error that says which */
static void
upd_manifest_test_compressed(void)
{
	TestManifest tm;
	g_autoptr(UpdKey) key = upd_key_generate(NULL);
	g_autoptr(GPtrArray) signing = g_ptr_array_new();
	g_autoptr(GPtrArray) keys = test_keys(key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) packed = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(Updater__SignedManifest) outer = NULL;
	g_autoptr(Updater__Manifest) inner = NULL;
	g_autofree guint8 *big = NULL;
	struct {
		const gchar *what;
		GBytes *bytes;
		gint compression;
		gint code;
		const gchar *message;
	} cases[5];

	test_manifest_init(&tm);
	g_ptr_array_add(signing, key);
	bytes = upd_manifest_sign_pb(&tm.manifest, signing, &error);
	g_assert_no_error(error);
	outer = updater__signed_manifest__unpack(NULL, g_bytes_get_size(bytes),
						 g_bytes_get_data(bytes, NULL));
	g_assert_nonnull(outer);
	g_assert_true(outer->has_manifest_compression);
	g_assert_cmpint(outer->manifest_compression, ==, UPDATER__COMPRESSION__COMPRESSION_ZSTD);
	packed = upd_pb_pack((const ProtobufCMessage *)&tm.manifest);
	g_assert_cmpmem(outer->manifest.data, 4, "\x28\xb5\x2f\xfd", 4);
	inner = upd_manifest_unpack_inner(outer, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(inner->serial, ==, 5);
	manifest = test_verify(bytes, keys, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(upd_manifest_get_serial(manifest), ==, 5);
	g_clear_object(&manifest);

	/* hand-made, each signed by the pinned key */
	big = g_malloc0(UPD_MANIFEST_MAX_SIZE + 1);
	cases[0].what = "not zstd";
	cases[0].bytes = g_bytes_ref(packed);
	cases[0].compression = UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	cases[0].code = UPD_ERROR_INVALID_DATA;
	cases[0].message = "not a zstd frame";
	cases[1].what = "truncated";
	{
		g_autoptr(GBytes) whole =
			test_zstd(g_bytes_get_data(packed, NULL), g_bytes_get_size(packed));
		cases[1].bytes = g_bytes_new_from_bytes(whole, 0, g_bytes_get_size(whole) - 3);
	}
	cases[1].compression = UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	cases[1].code = UPD_ERROR_INVALID_DATA;
	cases[1].message = "corrupt";
	cases[2].what = "too large";
	cases[2].bytes = test_zstd(big, UPD_MANIFEST_MAX_SIZE + 1);
	cases[2].compression = UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	cases[2].code = UPD_ERROR_TOO_LARGE;
	cases[2].message = "more than the limit";
	cases[3].what = "unknown compression";
	cases[3].bytes = g_bytes_ref(packed);
	cases[3].compression = 7;
	cases[3].code = UPD_ERROR_INVALID_DATA;
	cases[3].message = "unknown method 7";
	cases[4].what = "zstd of something that is no manifest";
	cases[4].bytes = test_zstd((const guint8 *)"\xff\xff\xff", 3);
	cases[4].compression = UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	cases[4].code = UPD_ERROR_INVALID_DATA;
	cases[4].message = "not valid protobuf";
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) signed_bytes =
			test_sign_bytes(cases[i].bytes, cases[i].compression, key, NULL);
		g_autoptr(GError) error_local = NULL;
		manifest = test_verify(signed_bytes, keys, 0, &error_local);
		g_test_message("%s: %s", cases[i].what,
			       error_local != NULL ? error_local->message : "(verified)");
		g_assert_null(manifest);
		g_assert_error(error_local, UPD_ERROR, cases[i].code);
		g_assert_nonnull(strstr(error_local->message, cases[i].message));
		g_bytes_unref(cases[i].bytes);
	}
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/manifest/valid", upd_manifest_test_valid);
	g_test_add_func("/libupdater/manifest/refusals", upd_manifest_test_refusals);
	g_test_add_func("/libupdater/manifest/structure", upd_manifest_test_structure);
	g_test_add_func("/libupdater/manifest/rotation", upd_manifest_test_rotation);
	g_test_add_func("/libupdater/manifest/truncated", upd_manifest_test_truncated);
	g_test_add_func("/libupdater/manifest/random", upd_manifest_test_random);
	g_test_add_func("/libupdater/manifest/notes", upd_manifest_test_notes);
	g_test_add_func("/libupdater/manifest/too-large", upd_manifest_test_too_large);
	g_test_add_func("/libupdater/manifest/compressed", upd_manifest_test_compressed);
	return g_test_run();
}
